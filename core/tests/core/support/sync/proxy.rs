//! An HTTP proxy between devices and the test server that misbehaves on
//! purpose: on a share of requests it drops the connection (before or after
//! the server saw the request), answers 500/503 itself, or answers 429 with
//! `Retry-After`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::Rng;

/// What the proxy does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Forward,
    DropBefore,
    DropAfter,
    ServerError,
    Unavailable,
    TooMany,
}

/// Counts of what the proxy did.
#[derive(Debug, Default)]
pub struct ProxyStats {
    pub forwarded: AtomicU64,
    pub faults: AtomicU64,
}

/// A running proxy; it stops taking connections when dropped.
pub struct Proxy {
    pub base_url: String,
    stop: Arc<AtomicBool>,
    pub stats: Arc<ProxyStats>,
}

impl Proxy {
    /// A proxy in front of `upstream` (`http://127.0.0.1:port`) that faults
    /// on `fault_percent` % of requests, choosing with `seed`.
    pub fn start(upstream: &str, fault_percent: u64, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listens");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let upstream: Arc<str> = host_of(upstream).into();
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(ProxyStats::default());
        let rng = Arc::new(Mutex::new(Rng::new(seed)));
        {
            let (stop, stats) = (stop.clone(), stats.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (upstream, stats, rng) = (upstream.clone(), stats.clone(), rng.clone());
                    std::thread::spawn(move || {
                        serve(conn, &upstream, fault_percent, &stats, &rng);
                    });
                }
            });
        }
        Self {
            base_url,
            stop,
            stats,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the stop flag.
        let _ = TcpStream::connect(self.base_url.trim_start_matches("http://"));
    }
}

fn host_of(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// One request read off a connection: head lines and body.
struct Request {
    head: Vec<String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let length = head
        .iter()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { head, body })
}

fn choose(rng: &Mutex<Rng>, percent: u64) -> Fault {
    let mut rng = rng.lock().expect("rng");
    if rng.below(100) >= percent {
        return Fault::Forward;
    }
    match rng.below(6) {
        0 => Fault::DropBefore,
        1 => Fault::DropAfter,
        2 => Fault::ServerError,
        3 => Fault::Unavailable,
        _ => Fault::TooMany,
    }
}

fn respond(conn: &mut TcpStream, status: &str, extra: &str) {
    let body = "the proxy refused this request";
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n{extra}connection: keep-alive\r\n\r\n{body}",
        body.len()
    );
}

/// Forwards one request on a fresh upstream connection and returns the
/// whole response (the upstream closes after it).
fn forward(upstream: &str, request: &Request) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).ok()?;
    up.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let mut out = Vec::new();
    for line in &request.head {
        let name = line.split(':').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("connection") {
            continue;
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out.extend_from_slice(&request.body);
    up.write_all(&out).ok()?;
    let mut response = Vec::new();
    up.read_to_end(&mut response).ok()?;
    (!response.is_empty()).then_some(response)
}

fn serve(
    conn: TcpStream,
    upstream: &str,
    fault_percent: u64,
    stats: &ProxyStats,
    rng: &Mutex<Rng>,
) {
    let Ok(reader_conn) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader_conn);
    let mut conn = conn;
    while let Some(request) = read_request(&mut reader) {
        let choice = choose(rng, fault_percent);
        if choice != Fault::Forward {
            stats.faults.fetch_add(1, Ordering::SeqCst);
        }
        match choice {
            Fault::DropBefore => {
                let _ = conn.shutdown(Shutdown::Both);
                return;
            }
            Fault::ServerError => respond(&mut conn, "500 Internal Server Error", ""),
            Fault::Unavailable => {
                respond(&mut conn, "503 Service Unavailable", "retry-after: 0\r\n")
            }
            Fault::TooMany => respond(&mut conn, "429 Too Many Requests", "retry-after: 1\r\n"),
            Fault::Forward | Fault::DropAfter => {
                let Some(response) = forward(upstream, &request) else {
                    let _ = conn.shutdown(Shutdown::Both);
                    return;
                };
                if choice == Fault::DropAfter {
                    let _ = conn.shutdown(Shutdown::Both);
                    return;
                }
                stats.forwarded.fetch_add(1, Ordering::SeqCst);
                // The response says `connection: close`; the client opens a
                // new connection for its next request.
                if conn.write_all(&response).is_err() {
                    return;
                }
                let _ = conn.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}
