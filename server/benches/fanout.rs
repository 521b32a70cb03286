//! P10 fan-out benchmark: many idle live-update subscribers on one server
//! process.
//!
//! A real server process (SQLite, or PostgreSQL with `--postgres`) is
//! started; this process opens the subscribers' WebSocket connections
//! (single-key streams following one library) on a small Tokio runtime of
//! its own, then reports:
//!
//! 1. Memory: the server's resident set size before and after the
//!    subscribers connected (aim: ≤ 200 MB more for 10,000).
//! 2. Fan-out: single writes to the followed library, a second apart; the
//!    time from sending each write to the last subscriber holding its
//!    `topicUpdated` (aim: p99 ≤ 1 s).
//! 3. Writers' throughput: a few writers post 50-item batches to the
//!    followed library for a few seconds, before the subscribers connect
//!    and again with all of them following (every write then fans out);
//!    the two rates side by side (aim: the same).
//!
//! Both processes need a file descriptor per connection: the benchmark
//! raises its own soft `RLIMIT_NOFILE` to the hard limit (the server it
//! starts inherits it, and the server raises its own as well) and says so
//! when the hard limit is too low (`ulimit -Hn`).
//!
//! Run: `cargo bench -p shelfmark-server --bench fanout` (optional
//! arguments: subscribers, writes, writers, seconds; `--postgres URL`;
//! `--help`). Figures are printed beside the aims; the benchmark never
//! fails on a slow machine.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use support::{Client, Server};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;

const USAGE: &str = "\
usage: cargo bench -p shelfmark-server --bench fanout -- [SUBSCRIBERS [WRITES [WRITERS [SECONDS]]]]
           [--postgres URL]

  SUBSCRIBERS   idle subscribers following one library (10000)
  WRITES        single writes whose fan-out is timed (20)
  WRITERS       writers posting 50-item batches at once (4)
  SECONDS       how long the writers post, without and with subscribers (5)
  --postgres URL  run the server on PostgreSQL (a fresh database there;
                  SHELFMARK_TEST_DATABASE_URL does the same)";

/// Aims of target P10.
const MEMORY_AIM_MB: f64 = 200.0;
const FANOUT_AIM_MS: f64 = 1000.0;
/// Connections opened at once while subscribing (the server's listen
/// backlog is larger).
const CONNECTING_AT_ONCE: usize = 200;
/// How long a write's notification may take before it counts as lost.
const FANOUT_PATIENCE: Duration = Duration::from_secs(10);

/// When the subscribers received each library version, as counts and the
/// latest arrival.
#[derive(Debug, Default)]
struct Arrivals {
    by_version: HashMap<u64, (usize, Instant)>,
    /// Every `topicUpdated` received.
    total: u64,
}

impl Arrivals {
    fn record(&mut self, version: u64, at: Instant) {
        self.total += 1;
        let entry = self.by_version.entry(version).or_insert((0, at));
        entry.0 += 1;
        entry.1 = entry.1.max(at);
    }
}

/// Raises this process's soft limit on open files to the hard limit; the
/// limit now in force.
// The C library is the only way to change a process limit.
#[allow(unsafe_code)]
fn raise_open_files_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    limit.rlim_cur
}

/// A process's resident set size in MB, from `/proc`.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "meets the aim"
    } else {
        "MISSES the aim"
    }
}

/// Opens one single-key stream and waits for its `connected`; then reads
/// until the server or the benchmark ends it, recording every
/// `topicUpdated`.
async fn subscribe(
    url: String,
    arrivals: Arc<Mutex<Arrivals>>,
    connecting: Arc<Semaphore>,
    connected: tokio::sync::mpsc::UnboundedSender<Result<(), String>>,
) {
    let permit = connecting.acquire().await;
    let mut socket = match tokio_tungstenite::connect_async(url.as_str()).await {
        Ok((socket, _)) => socket,
        Err(e) => {
            let _ = connected.send(Err(e.to_string()));
            return;
        }
    };
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let event: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                match event["event"].as_str() {
                    Some("connected") => break,
                    _ => {
                        let _ = connected.send(Err(format!("unexpected first event {text}")));
                        return;
                    }
                }
            }
            Some(Ok(_)) => {}
            other => {
                let _ = connected.send(Err(format!("closed before connected: {other:?}")));
                return;
            }
        }
    }
    drop(permit);
    let _ = connected.send(Ok(()));
    while let Some(message) = socket.next().await {
        let Ok(Message::Text(text)) = message else {
            // Pings are answered by the library while reading.
            if message.is_err() {
                return;
            }
            continue;
        };
        let at = Instant::now();
        let event: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if event["event"] == "topicUpdated"
            && let Some(version) = event["version"].as_u64()
        {
            arrivals
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .record(version, at);
        }
    }
}

/// A 50-item batch as the load benchmark writes them.
fn batch(writer: usize, n: usize) -> Value {
    Value::Array(
        (0..50)
            .map(|i| {
                json!({
                    "itemType": "journalArticle",
                    "title": format!("Article {writer}-{n}-{i} on a subject of some length"),
                    "creators": [{"creatorType": "author", "firstName": "Ada", "lastName": format!("Author{i}")}],
                    "date": "2020-05-17",
                    "publicationTitle": "Journal of Benchmarks",
                    "abstractNote": "An abstract long enough to look like a real one. ".repeat(8),
                    "tags": [{"tag": "fanout"}, {"tag": format!("t{}", i % 7)}],
                })
            })
            .collect(),
    )
}

/// Writers post 50-item batches to the library for `seconds`; objects
/// written per second.
fn writers_throughput(client: &Client, writers: usize, seconds: u64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let client = client.clone();
            std::thread::spawn(move || {
                let mut objects = 0usize;
                let mut n = 0;
                while Instant::now() < deadline {
                    let (_, report) =
                        client.write(&format!("{}/items", client.lib()), &batch(w, n));
                    assert_eq!(report["success"].as_object().map(|m| m.len()), Some(50));
                    objects += 50;
                    n += 1;
                }
                objects
            })
        })
        .collect();
    let objects: usize = handles.into_iter().map(|h| h.join().expect("writer")).sum();
    objects as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let mut args: Vec<String> = Vec::new();
    let mut postgres = std::env::var("SHELFMARK_TEST_DATABASE_URL").ok();
    let mut given = std::env::args().skip(1);
    while let Some(a) = given.next() {
        if a == "--postgres" {
            postgres = Some(given.next().expect("--postgres needs a URL"));
        } else if a == "--help" || a == "-h" {
            println!("{USAGE}");
            return;
        } else if !a.starts_with('-') {
            args.push(a);
        }
    }
    let arg =
        |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let subscribers = arg(0, 10_000);
    let writes = arg(1, 20).max(1);
    let writers = arg(2, 4).max(1);
    let seconds = arg(3, 5).max(1) as u64;

    let open_files = raise_open_files_limit();
    // Each subscriber is one descriptor here and one in the server, plus
    // the files and sockets both processes hold anyway.
    let needed = subscribers as u64 + 256;
    if open_files < needed {
        eprintln!(
            "the open-files limit is {open_files} and {subscribers} subscribers need about {needed}: \
             raise the hard limit (`ulimit -Hn`, or LimitNOFILE= in a systemd unit) or pass fewer subscribers"
        );
        std::process::exit(2);
    }

    let server = Server::start_on(
        &[
            "--key-rate",
            "0",
            "--backoff-above",
            "1000000",
            "--auth-failures",
            "1000000",
        ],
        postgres.as_deref(),
    );
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "P10 fan-out benchmark on {backend}: {subscribers} subscribers, {writes} timed writes, \
         {writers} writers for {seconds} s (open-files limit {open_files})"
    );
    let followed = Client::new_user(&server, "followed@example.org");
    let key = followed.key.clone().expect("key");
    let (_, caps) = followed.get_json("/shelfmark/capabilities");
    let stream_url = caps["extensions"]["streaming"]["url"]
        .as_str()
        .expect("capabilities name the stream")
        .to_owned();

    // Writers alone first (this also brings the database's pages into the
    // server's memory before the idle figure is taken).
    let alone = writers_throughput(&followed, writers, seconds);
    std::thread::sleep(Duration::from_secs(1));
    let idle_mb = rss_mb(server.pid());

    // 1. Subscribers: one light client thread pair for all of them, so the
    // machine's cores go to the server.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let arrivals = Arc::new(Mutex::new(Arrivals::default()));
    let connecting = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let (connected_tx, mut connected_rx) = tokio::sync::mpsc::unbounded_channel();
    let url = format!("{stream_url}?key={key}");
    let started = Instant::now();
    let tasks: Vec<_> = (0..subscribers)
        .map(|_| {
            runtime.spawn(subscribe(
                url.clone(),
                Arc::clone(&arrivals),
                Arc::clone(&connecting),
                connected_tx.clone(),
            ))
        })
        .collect();
    drop(connected_tx);
    let mut failures = Vec::new();
    runtime.block_on(async {
        for _ in 0..subscribers {
            match connected_rx.recv().await {
                Some(Ok(())) => {}
                Some(Err(e)) => failures.push(e),
                None => break,
            }
        }
    });
    let connect_time = started.elapsed();
    if !failures.is_empty() {
        eprintln!(
            "{} subscribers could not connect, e.g.: {}",
            failures.len(),
            failures[0]
        );
    }
    let live = subscribers - failures.len();
    // Let the server settle (allocations freed, buffers shrunk) before measuring.
    std::thread::sleep(Duration::from_secs(2));
    let subscribed_mb = rss_mb(server.pid());
    let grown = subscribed_mb - idle_mb;
    println!(
        "subscribers: {live} connected in {:.1} s",
        connect_time.as_secs_f64()
    );
    println!(
        "memory: server RSS {idle_mb:.1} MB idle, {subscribed_mb:.1} MB with {live} subscribers: \
         +{grown:.1} MB ({:.1} KB each)   (aim ≤ {MEMORY_AIM_MB:.0} MB for 10,000) {}",
        grown * 1024.0 / live.max(1) as f64,
        verdict(grown * 10_000.0 / live.max(1) as f64 <= MEMORY_AIM_MB)
    );

    // 2. Fan-out of single writes.
    let mut latencies = Vec::new();
    let mut incomplete = 0;
    for n in 0..writes {
        let sent = Instant::now();
        let (version, _) = followed.write(
            &format!("{}/items", followed.lib()),
            &json!([{"itemType": "book", "title": format!("Fan-out {n}")}]),
        );
        let deadline = sent + FANOUT_PATIENCE;
        loop {
            let reached = arrivals
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .by_version
                .get(&version)
                .copied();
            match reached {
                Some((count, last)) if count >= live => {
                    latencies.push(last.saturating_duration_since(sent));
                    break;
                }
                _ if Instant::now() > deadline => {
                    incomplete += 1;
                    eprintln!(
                        "write {n} (version {version}) reached {} of {live} subscribers within {FANOUT_PATIENCE:?}",
                        reached.map_or(0, |r| r.0)
                    );
                    break;
                }
                _ => std::thread::sleep(Duration::from_millis(2)),
            }
        }
        // Idle subscribers between writes, as the target describes them.
        std::thread::sleep(Duration::from_secs(1));
    }
    latencies.sort_unstable();
    let p50 = percentile(&latencies, 0.50);
    let p99 = percentile(&latencies, 0.99);
    println!(
        "fan-out: write sent → all {live} subscribers told: p50 {:.0} ms, p99 {:.0} ms over {} writes{}   \
         (aim ≤ {FANOUT_AIM_MS:.0} ms) {}",
        ms(p50),
        ms(p99),
        latencies.len(),
        if incomplete > 0 {
            format!(", {incomplete} not reaching everyone")
        } else {
            String::new()
        },
        verdict(incomplete == 0 && ms(p99) <= FANOUT_AIM_MS)
    );

    // 3. Writers with every subscriber following what they write.
    let told_before = arrivals.lock().unwrap_or_else(|p| p.into_inner()).total;
    let with_subscribers = writers_throughput(&followed, writers, seconds);
    std::thread::sleep(Duration::from_millis(500));
    let told = arrivals.lock().unwrap_or_else(|p| p.into_inner()).total - told_before;
    let ratio = with_subscribers / alone;
    println!(
        "writers: {alone:.0} objects/s alone, {with_subscribers:.0} objects/s with {live} subscribers \
         ({:.0} %; {told} notifications delivered meanwhile)   (aim: the same) {}",
        ratio * 100.0,
        verdict(ratio >= 0.9)
    );
    println!(
        "memory after the writes: server RSS {:.1} MB",
        rss_mb(server.pid())
    );
    for task in tasks {
        task.abort();
    }
    drop(runtime);
}
