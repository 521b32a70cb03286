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
//! clients, items per library, seconds; `--postgres postgres://user@host/db`
//! runs the server on PostgreSQL, each run in a fresh database made there,
//! as `SHELFMARK_TEST_DATABASE_URL` does). Figures are printed beside the
//! targets; the benchmark never fails on a slow machine.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Client, Deployment, Server};

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

fn header_version(r: &reqwest::Response) -> u64 {
    r.headers()
        .get("last-modified-version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Last-Modified-Version")
}

/// The time of each request of a round that found changes: the versions,
/// the changed items, `/deleted`.
type Split = [Duration; 3];

/// One client syncing its library until the deadline; the time of each
/// round and whether it found changes, and the split of rounds with changes.
async fn sync_client(
    http: reqwest::Client,
    key: String,
    lib: String,
    deadline: Instant,
    changed_rounds: Arc<AtomicUsize>,
) -> (Vec<(Duration, bool)>, Vec<Split>) {
    let items = format!("{lib}/items");
    let get = |url: String, since: Option<u64>| {
        let mut r = http.get(url).header("Zotero-API-Key", &key);
        if let Some(v) = since {
            r = r.header("If-Modified-Since-Version", v.to_string());
        }
        r.send()
    };
    let first = get(format!("{items}?limit=1"), None).await.expect("GET");
    let mut version = header_version(&first);
    let mut rounds = Vec::new();
    let mut splits = Vec::new();
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        if n.is_multiple_of(10) {
            let body = json!([{"itemType": "book", "title": format!("change {n}")}]).to_string();
            let r = http
                .post(&items)
                .header("Zotero-API-Key", &key)
                .body(body)
                .send()
                .await
                .expect("POST");
            assert_eq!(r.status(), 200);
            let _ = r.bytes().await;
        }
        let t = Instant::now();
        let r = get(
            format!("{items}?since={version}&format=versions&includeTrashed=1"),
            Some(version),
        )
        .await
        .expect("GET versions");
        if r.status() == 200 {
            let versions_done = t.elapsed();
            let latest = header_version(&r);
            let changed: Value = r.json().await.expect("versions");
            let keys: Vec<String> = changed
                .as_object()
                .expect("map")
                .keys()
                .take(50)
                .cloned()
                .collect();
            if !keys.is_empty() {
                let got = get(
                    format!("{items}?itemKey={}&includeTrashed=1", keys.join(",")),
                    None,
                )
                .await
                .expect("GET items");
                assert_eq!(got.status(), 200);
                let _ = got.bytes().await;
            }
            let items_done = t.elapsed();
            let del = get(format!("{lib}/deleted?since={version}"), None)
                .await
                .expect("GET deleted");
            assert_eq!(del.status(), 200);
            let _ = del.bytes().await;
            version = latest;
            changed_rounds.fetch_add(1, Ordering::Relaxed);
            let all = t.elapsed();
            rounds.push((all, true));
            splits.push([versions_done, items_done - versions_done, all - items_done]);
        } else {
            assert_eq!(r.status(), 304);
            rounds.push((t.elapsed(), false));
        }
    }
    (rounds, splits)
}

fn main() {
    let mut args: Vec<String> = Vec::new();
    let mut postgres = std::env::var("SHELFMARK_TEST_DATABASE_URL").ok();
    let mut given = std::env::args().skip(1);
    while let Some(a) = given.next() {
        if a == "--postgres" {
            postgres = Some(given.next().expect("--postgres needs a URL"));
        } else if !a.starts_with('-') {
            args.push(a);
        }
    }
    let arg =
        |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let clients = arg(0, 100);
    let per_library = arg(1, 500).div_ceil(50) * 50;
    let seconds = arg(2, 10) as u64;

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
        "P7 load benchmark on {backend}: {clients} clients, {per_library} items each, {seconds} s of syncing"
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

    // 2. Incremental syncs: one light client thread running all clients as
    // tasks, so the machine's cores go to the server rather than to 100
    // client threads.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let base = server.base_url().to_owned();
    let changed_rounds = Arc::new(AtomicUsize::new(0));
    let (rounds, splits): (Vec<(Duration, bool)>, Vec<Split>) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let tasks: Vec<_> = users
            .iter()
            .map(|c| {
                let http = http.clone();
                let key = c.key.clone().expect("key");
                let lib = format!("{base}{}", c.lib());
                let changed_rounds = Arc::clone(&changed_rounds);
                tokio::spawn(
                    async move { sync_client(http, key, lib, deadline, changed_rounds).await },
                )
            })
            .collect();
        let mut all = Vec::new();
        let mut splits = Vec::new();
        for t in tasks {
            let (rounds, split) = t.await.expect("sync client");
            all.extend(rounds);
            splits.extend(split);
        }
        (all, splits)
    });
    let sorted = |changed: Option<bool>| {
        let mut v: Vec<Duration> = rounds
            .iter()
            .filter(|(_, c)| changed.is_none_or(|want| *c == want))
            .map(|(d, _)| *d)
            .collect();
        v.sort_unstable();
        v
    };
    let all = sorted(None);
    let unchanged = sorted(Some(false));
    let changed = sorted(Some(true));
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
    println!(
        "  nothing changed (304): p50 {:.1} ms, p99 {:.1} ms; with changes (3 requests): p50 {:.1} ms, p99 {:.1} ms",
        ms(percentile(&unchanged, 0.50)),
        ms(percentile(&unchanged, 0.99)),
        ms(percentile(&changed, 0.50)),
        ms(percentile(&changed, 0.99))
    );
    let part = |i: usize| {
        let mut v: Vec<Duration> = splits.iter().map(|s| s[i]).collect();
        v.sort_unstable();
        format!(
            "p50 {:.1} ms, p99 {:.1} ms",
            ms(percentile(&v, 0.50)),
            ms(percentile(&v, 0.99))
        )
    };
    println!(
        "  rounds with changes by request: versions {}; items {}; deleted {}",
        part(0),
        part(1),
        part(2)
    );
    println!(
        "  (closed loop without pauses on a shared {}-core machine: latency here is bound by throughput)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    drop(server);
}
