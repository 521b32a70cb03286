//! A TCP proxy in front of the test server for file transfers: it forwards
//! every byte of one exchange per connection, records each request's line
//! and `Range` header, and on request breaks the connection after some
//! response body bytes, corrupts one body byte, or cuts uploads.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request the proxy saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET /downloads/…` etc.
    pub line: String,
    pub range: Option<String>,
}

/// What to do to the next matching exchange (each fault fires once).
#[derive(Debug, Default)]
struct Faults {
    /// Close a download after this many response body bytes.
    cut_download_after: Option<u64>,
    /// Flip the download body byte at this offset.
    corrupt_download_at: Option<u64>,
    /// Close upload connections (`POST /uploads/`) at once, this many times.
    drop_uploads: usize,
}

/// The proxy; runs until the test ends.
pub struct Proxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    faults: Arc<Mutex<Faults>>,
    /// Body bytes the proxy passed on in download responses.
    download_body_bytes: Arc<Mutex<u64>>,
    upstream: Arc<Mutex<Option<SocketAddr>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Proxy {
    /// Binds a port now; forwarding starts once [`Proxy::forward_to`] names
    /// the server (so that the server can be told the proxy's address).
    pub fn bind() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("proxy runtime");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("proxy port");
        let addr = listener.local_addr().expect("proxy address");
        let proxy = Self {
            addr,
            seen: Arc::default(),
            faults: Arc::default(),
            download_body_bytes: Arc::default(),
            upstream: Arc::default(),
            _runtime: runtime,
        };
        let (seen, faults, bytes, upstream) = (
            proxy.seen.clone(),
            proxy.faults.clone(),
            proxy.download_body_bytes.clone(),
            proxy.upstream.clone(),
        );
        proxy._runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Some(target) = *upstream.lock().expect("upstream") else {
                    continue;
                };
                let (seen, faults, bytes) = (seen.clone(), faults.clone(), bytes.clone());
                tokio::spawn(async move {
                    let _ = serve(client, target, seen, faults, bytes).await;
                });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts forwarding to the server at `base_url`.
    pub fn forward_to(&self, base_url: &str) {
        let addr: SocketAddr = base_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("server address");
        *self.upstream.lock().expect("upstream") = Some(addr);
    }

    pub fn cut_next_download_after(&self, bytes: u64) {
        self.faults.lock().expect("faults").cut_download_after = Some(bytes);
    }

    pub fn corrupt_next_download_at(&self, offset: u64) {
        self.faults.lock().expect("faults").corrupt_download_at = Some(offset);
    }

    pub fn drop_next_uploads(&self, n: usize) {
        self.faults.lock().expect("faults").drop_uploads = n;
    }

    /// Requests seen so far whose line starts with `prefix` (e.g. `GET /downloads/`).
    pub fn seen(&self, prefix: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .expect("seen")
            .iter()
            .filter(|s| s.line.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Download body bytes passed on so far.
    pub fn download_body_bytes(&self) -> u64 {
        *self.download_body_bytes.lock().expect("bytes")
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Every request line and Range header in a chunk sent by the client.
fn requests_in(chunk: &[u8]) -> Vec<Seen> {
    let text = String::from_utf8_lossy(chunk);
    let mut out: Vec<Seen> = Vec::new();
    for line in text.split("\r\n") {
        let upper = line.split(' ').next().unwrap_or_default();
        if matches!(upper, "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "PATCH")
            && line.contains(" HTTP/1.")
        {
            out.push(Seen {
                line: line.to_owned(),
                range: None,
            });
        } else if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("range")
            && let Some(last) = out.last_mut()
        {
            last.range = Some(value.trim().to_owned());
        }
    }
    out
}

async fn serve(
    mut client: TcpStream,
    target: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    faults: Arc<Mutex<Faults>>,
    body_bytes: Arc<Mutex<u64>>,
) -> std::io::Result<()> {
    // The first request head decides what this connection is.
    let mut head = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while find(&head, b"\r\n\r\n").is_none() {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let first = requests_in(&head);
    seen.lock().expect("seen").extend(first.clone());
    let line = first.first().map(|s| s.line.clone()).unwrap_or_default();
    let is_download = line.starts_with("GET /downloads/");
    let (cut, corrupt) = {
        let mut f = faults.lock().expect("faults");
        if line.starts_with("POST /uploads/") && f.drop_uploads > 0 {
            f.drop_uploads -= 1;
            return Ok(());
        }
        if is_download {
            (f.cut_download_after.take(), f.corrupt_download_at.take())
        } else {
            (None, None)
        }
    };
    // One exchange per connection: the server closes it after answering,
    // so every request starts a connection of its own and meets the faults
    // (clients keep connections open for later requests otherwise).
    if let Some(end) = find(&head, b"\r\n") {
        head.splice(end + 2..end + 2, b"Connection: close\r\n".iter().copied());
    }
    let mut server = TcpStream::connect(target).await?;
    server.write_all(&head).await?;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let seen_up = seen.clone();
    let upward = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            seen_up.lock().expect("seen").extend(requests_in(&buf[..n]));
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    });
    // Response bytes: counted after the first header block for faults.
    let mut header_done = false;
    let mut pending_head = Vec::new();
    let mut body_seen: u64 = 0;
    loop {
        let n = server_read.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        let mut chunk = buf[..n].to_vec();
        let mut body_start = 0;
        if !header_done {
            pending_head.extend_from_slice(&chunk);
            if let Some(end) = find(&pending_head, b"\r\n\r\n") {
                header_done = true;
                let before = pending_head.len() - chunk.len();
                body_start = (end + 4).saturating_sub(before);
            } else {
                client_write.write_all(&chunk).await?;
                continue;
            }
        }
        let body_len = (chunk.len() - body_start) as u64;
        if is_download {
            if let Some(at) = corrupt
                && at >= body_seen
                && at < body_seen + body_len
            {
                let i = body_start + (at - body_seen) as usize;
                chunk[i] ^= 0xff;
            }
            if let Some(limit) = cut
                && body_seen + body_len >= limit
            {
                let keep = body_start + (limit - body_seen) as usize;
                client_write.write_all(&chunk[..keep]).await?;
                *body_bytes.lock().expect("bytes") += limit - body_seen;
                client_write.shutdown().await?;
                upward.abort();
                return Ok(());
            }
            *body_bytes.lock().expect("bytes") += body_len;
        }
        body_seen += body_len;
        client_write.write_all(&chunk).await?;
    }
    let _ = client_write.shutdown().await;
    upward.abort();
    Ok(())
}
