//! P7 load benchmark: a second process drives a real server on loopback.
//!
//! 1. Write throughput: every client fills its own library with 50-object
//!    POSTs, all at once.
//! 2. Incremental sync: 100 concurrent clients sync over and over for a
//!    fixed time — `items?since=&format=versions` with
//!    `If-Modified-Since-Version` (a 304 when nothing changed), then the
//!    changed items and `/deleted` — while one in ten rounds first writes a
//!    change. Reports p50/p99 latency per sync round.
//!
//! Run: `cargo bench -p shelfmark-server --bench load` (optional arguments:
//! clients, items per library, seconds). Figures are printed beside the
//! targets; the benchmark never fails on a slow machine.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Client, Server, version_of};

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

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let arg =
        |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let clients = arg(0, 100);
    let per_library = arg(1, 500).div_ceil(50) * 50;
    let seconds = arg(2, 10) as u64;

    let server = Server::start_with(&[
        "--key-rate",
        "0",
        "--backoff-above",
        "1000000",
        "--auth-failures",
        "1000000",
    ]);
    println!(
        "P7 load benchmark: {clients} clients, {per_library} items each, {seconds} s of syncing"
    );
    let users: Vec<Client> = (0..clients)
        .map(|i| Client::new_user(&server, &format!("load{i}@example.org")))
        .collect();

    // 1. Write throughput.
    let started = Instant::now();
    let handles: Vec<_> = users
        .iter()
        .cloned()
        .map(|c| {
            std::thread::spawn(move || {
                for chunk in 0..per_library / 50 {
                    let batch: Vec<Value> = (0..50)
                        .map(|i| {
                            json!({
                                "itemType": "journalArticle",
                                "title": format!("Article {chunk}-{i} on a subject of some length"),
                                "creators": [{"creatorType": "author", "firstName": "Ada", "lastName": format!("Author{i}")}],
                                "date": "2020-05-17",
                                "publicationTitle": "Journal of Benchmarks",
                                "abstractNote": "An abstract long enough to look like a real one. ".repeat(8),
                                "tags": [{"tag": "load"}, {"tag": format!("t{}", i % 7)}],
                            })
                        })
                        .collect();
                    let (_, report) = c.write(&format!("{}/items", c.lib()), &Value::Array(batch));
                    assert_eq!(report["success"].as_object().map(|m| m.len()), Some(50));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer");
    }
    let elapsed = started.elapsed();
    let objects = clients * per_library;
    let rate = objects as f64 / elapsed.as_secs_f64();
    println!(
        "writes: {objects} objects in {:.2} s = {rate:.0} objects/s   (target ≥ 5000 objects/s)",
        elapsed.as_secs_f64()
    );

    // 2. Incremental syncs.
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let changed_rounds = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = users
        .iter()
        .cloned()
        .map(|c| {
            let changed_rounds = Arc::clone(&changed_rounds);
            std::thread::spawn(move || {
                let items = format!("{}/items", c.lib());
                let mut version = version_of(c.get(&format!("{items}?limit=1")).headers());
                let mut rounds: Vec<Duration> = Vec::new();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    n += 1;
                    if n.is_multiple_of(10) {
                        c.write(
                            &items,
                            &json!([{"itemType": "book", "title": format!("change {n}")}]),
                        );
                    }
                    let t = Instant::now();
                    let r = c.send(
                        reqwest::Method::GET,
                        &format!("{items}?since={version}&format=versions&includeTrashed=1"),
                        None,
                        &[("If-Modified-Since-Version", &version.to_string())],
                    );
                    if r.status() == 200 {
                        let latest = version_of(r.headers());
                        let changed: Value = r.json().expect("versions");
                        let keys: Vec<&str> = changed
                            .as_object()
                            .expect("map")
                            .keys()
                            .take(50)
                            .map(String::as_str)
                            .collect();
                        if !keys.is_empty() {
                            let got = c.get(&format!(
                                "{items}?itemKey={}&includeTrashed=1",
                                keys.join(",")
                            ));
                            assert_eq!(got.status(), 200);
                            let _ = got.bytes();
                        }
                        let del = c.get(&format!("{}/deleted?since={version}", c.lib()));
                        assert_eq!(del.status(), 200);
                        let _ = del.bytes();
                        version = latest;
                        changed_rounds.fetch_add(1, Ordering::Relaxed);
                    } else {
                        assert_eq!(r.status(), 304);
                    }
                    rounds.push(t.elapsed());
                }
                rounds
            })
        })
        .collect();
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("sync client"))
        .collect();
    all.sort_unstable();
    println!(
        "incremental syncs: {} rounds ({} with changes), {:.0} rounds/s",
        all.len(),
        changed_rounds.load(Ordering::Relaxed),
        all.len() as f64 / seconds as f64
    );
    println!(
        "sync latency: p50 {:.1} ms, p99 {:.1} ms   (target p99 ≤ 50 ms)",
        ms(percentile(&all, 0.50)),
        ms(percentile(&all, 0.99))
    );
    drop(server);
}
