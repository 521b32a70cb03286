//! P7 load benchmark: a second process drives a real server on loopback.
//!
//! 0. One client's writes: 10,000 journal articles (about 1.5 KB of JSON
//!    each) posted 50 at a time, one request after another, as a desktop's
//!    first upload or an import does. Reports p50/p99 per request and where
//!    the server spent it (its `Server-Timing` header: reading the body,
//!    checking the objects, the store's transaction, the answer).
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
//! as `SHELFMARK_TEST_DATABASE_URL` does; `--single-client N` posts N
//! articles in part 0, 0 to skip it; `--help`). Figures are printed beside
//! the targets; the benchmark never fails on a slow machine.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Client, Deployment, Server};

const USAGE: &str = "\
usage: cargo bench -p shelfmark-server --bench load -- [CLIENTS [ITEMS [SECONDS]]]
           [--single-client ARTICLES] [--postgres URL]

  CLIENTS            clients writing and syncing at once (100)
  ITEMS              items each client writes to its own library (500)
  SECONDS            how long the clients sync (10)
  --single-client N  articles one client posts, 50 a request (10000; 0 skips)
  --postgres URL     run the server on PostgreSQL (a fresh database there;
                     SHELFMARK_TEST_DATABASE_URL does the same)";

/// Aims for one client posting 50 articles a request, on SQLite.
const SINGLE_P50_MS: f64 = 3.0;
const SINGLE_P99_MS: f64 = 10.0;

/// A journal article of about 1.5 KB of JSON, as reference managers
/// import them.
fn journal_article(n: usize) -> Value {
    json!({
        "itemType": "journalArticle",
        "title": format!("Seasonal dynamics of subglacial drainage, study {n}"),
        "creators": [
            {"creatorType": "author", "firstName": "Ada", "lastName": format!("Author{}", n % 997)},
            {"creatorType": "author", "firstName": "Grace", "lastName": "Hopper"},
            {"creatorType": "author", "firstName": "Emmy", "lastName": "Noether"},
        ],
        "abstractNote": "We measure how meltwater reaches the bed of a temperate glacier \
            over a full season and how the drainage system reorganises as supply grows. \
            Dye tracing, borehole pressure records and a network of seismometers show \
            a distributed system giving way to efficient channels within weeks. "
            .repeat(3),
        "publicationTitle": "Journal of Glaciology",
        "volume": format!("{}", 40 + n % 30),
        "issue": format!("{}", 1 + n % 4),
        "pages": format!("{}-{}", 100 + n % 500, 112 + n % 500),
        "date": format!("{}-05-17", 1990 + n % 35),
        "language": "en",
        "DOI": format!("10.1000/glac.{n}"),
        "ISSN": "0022-1430",
        "url": format!("https://example.org/articles/{n}"),
        "tags": [{"tag": "glaciology"}, {"tag": format!("season {}", n % 4)}],
    })
}

/// Milliseconds of each phase a `Server-Timing` header names.
fn server_timing(headers: &reqwest::header::HeaderMap) -> Vec<(String, f64)> {
    let Some(value) = headers.get("server-timing").and_then(|v| v.to_str().ok()) else {
        return Vec::new();
    };
    value
        .split(',')
        .filter_map(|metric| {
            let mut parts = metric.trim().split(';');
            let name = parts.next()?.to_owned();
            let dur = parts.find_map(|p| p.trim().strip_prefix("dur="))?;
            Some((name, dur.parse().ok()?))
        })
        .collect()
}

/// Part 0: one client posting `articles` articles 50 at a time.
fn single_client(server: &Server, articles: usize) {
    let client = Client::new_user(server, "single@example.org");
    let http = reqwest::blocking::Client::new();
    let url = format!("{}{}/items", server.base_url(), client.lib());
    let key = client.key.clone().expect("key");
    let batches: Vec<String> = (0..articles.div_ceil(50))
        .map(|b| {
            let batch: Vec<Value> = (b * 50..((b + 1) * 50).min(articles))
                .map(journal_article)
                .collect();
            Value::Array(batch).to_string()
        })
        .collect();
    let bytes: usize = batches.iter().map(String::len).sum();
    let mut times = Vec::with_capacity(batches.len());
    let mut phases: Vec<(String, Vec<f64>)> = Vec::new();
    let started = Instant::now();
    for body in batches {
        let t = Instant::now();
        let r = http
            .post(&url)
            .header("Zotero-API-Key", &key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .expect("POST");
        let timing = server_timing(r.headers());
        let status = r.status();
        let report: Value = r.json().expect("write report");
        times.push(t.elapsed());
        assert_eq!(status, 200, "{report}");
        assert!(
            report["failed"].as_object().is_none_or(|f| f.is_empty()),
            "{report}"
        );
        for (name, ms) in timing {
            match phases.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => v.push(ms),
                None => phases.push((name, vec![ms])),
            }
        }
    }
    let elapsed = started.elapsed();
    times.sort_unstable();
    let (p50, p99) = (ms(percentile(&times, 0.50)), ms(percentile(&times, 0.99)));
    let met = |v: f64, aim: f64| if v <= aim { "met" } else { "NOT met" };
    println!(
        "one client: {articles} articles ({:.1} KB each) in {} POSTs of 50 in {:.2} s = {:.0} items/s",
        bytes as f64 / articles.max(1) as f64 / 1024.0,
        times.len(),
        elapsed.as_secs_f64(),
        articles as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  per POST: p50 {p50:.1} ms ({}), p99 {p99:.1} ms ({})   (target p50 ≤ {SINGLE_P50_MS} ms, p99 ≤ {SINGLE_P99_MS} ms)",
        met(p50, SINGLE_P50_MS),
        met(p99, SINGLE_P99_MS)
    );
    if !phases.is_empty() {
        let parts: Vec<String> = phases
            .iter_mut()
            .map(|(name, v)| {
                v.sort_by(f64::total_cmp);
                let median = v[v.len() / 2];
                let p99 = v[((v.len() - 1) as f64 * 0.99).round() as usize];
                let mean = v.iter().sum::<f64>() / v.len() as f64;
                format!("{name} {median:.2} / {p99:.2} ({mean:.2})")
            })
            .collect();
        println!(
            "  server time by phase, ms p50 / p99 (mean): {}",
            parts.join(", ")
        );
    }
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
    let mut single_articles = 10_000;
    let mut given = std::env::args().skip(1);
    while let Some(a) = given.next() {
        if a == "--postgres" {
            postgres = Some(given.next().expect("--postgres needs a URL"));
        } else if a == "--single-client" {
            single_articles = given
                .next()
                .and_then(|n| n.parse().ok())
                .expect("--single-client needs a number of articles");
        } else if a == "--help" || a == "-h" {
            println!("{USAGE}");
            return;
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
    if single_articles > 0 {
        single_client(&server, single_articles);
    }
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
