//! Live-update benchmark (target P9): how long after an edit is
//! acknowledged online another device holds it, with that device's
//! automatic sync following the server's stream.
//!
//! Device A writes an item through the Web API (the acknowledgement is the
//! 200 answer); device B is a library file running automatic sync with an
//! hour-long interval, so only the stream brings the change; the clock
//! stops when B's file holds the item. Measured over `--edits` edits (200),
//! one at a time: with one server process (SQLite), and with two processes
//! behind one PostgreSQL database, A writing to one and B following the
//! other, when `SHELFMARK_BENCH_DATABASE_URL` names a PostgreSQL server
//! (`postgres://user@host:port/postgres`; a database is made there and
//! dropped afterwards).
//!
//! Run: `cargo bench -p shelfmark-core --bench live [-- --edits N]`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shelfmark_core::Library;
use shelfmark_core::sync::{AutoSyncConfig, CredentialStore, LiveUpdates, SyncOptions};
use shelfmark_test_support::{TestServer, fresh_postgres_database};

/// Target P9: from A's acknowledged upload to B holding the change.
const TARGET_P50: Duration = Duration::from_millis(300);
const TARGET_P99: Duration = Duration::from_secs(1);
/// Longest wait for one edit before the run is declared broken.
const GIVE_UP: Duration = Duration::from_secs(30);

/// A release server on SQLite, or on the PostgreSQL `database` when given.
fn start_server(database: Option<&str>) -> TestServer {
    let mut builder = TestServer::builder().env("SHELFMARK_KEY_RATE", "0");
    if let Some(url) = database {
        builder = builder.args(&["--database-url", url]);
    }
    builder.start()
}

/// Whether B's file holds an item with this title.
fn holds(file: &rusqlite::Connection, title: &str) -> bool {
    file.query_row(
        "SELECT EXISTS (SELECT 1 FROM items WHERE library_id = 1
             AND json_extract(data, '$.title') = ?1)",
        [title],
        |r| r.get(0),
    )
    .unwrap_or(false)
}

/// Runs `edits` edits written at `write_url` and followed at `follow_url`;
/// the latency of each.
fn measure(write_url: &str, follow_url: &str, user: u64, key: &str, edits: usize) -> Vec<Duration> {
    let dir = tempfile::tempdir().expect("device directory");
    let library = Library::create(dir.path().join("b.shelfmark")).expect("library");
    let options = SyncOptions {
        server_url: Some(follow_url.to_owned()),
        api_key: Some(key.to_owned()),
        credentials: CredentialStore::File(dir.path().join("credentials")),
        ..SyncOptions::default()
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let handle = library.start_auto_sync(
        runtime.handle(),
        options,
        AutoSyncConfig {
            interval: Duration::from_secs(3600),
            debounce: Duration::from_millis(200),
            on_run: None,
        },
    );
    let start = Instant::now();
    while handle.status().live != LiveUpdates::Connected || handle.status().runs < 2 {
        assert!(
            start.elapsed() < GIVE_UP,
            "live updates did not connect: {:?}",
            handle.status().live
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let file = rusqlite::Connection::open(library.path()).expect("B's file");
    let http = reqwest::blocking::Client::new();
    let mut latencies = Vec::with_capacity(edits);
    for n in 0..edits {
        let title = format!("Live edit {n}");
        let response = http
            .post(format!("{write_url}/users/{user}/items"))
            .header("Zotero-API-Key", key)
            .header("Zotero-API-Version", "3")
            .body(json!([{"itemType": "journalArticle", "title": title}]).to_string())
            .send()
            .expect("write");
        let acknowledged = Instant::now();
        assert!(response.status().is_success(), "write refused");
        let report: Value = response.json().expect("write report");
        assert_eq!(
            report["successful"].as_object().map(|o| o.len()),
            Some(1),
            "{report}"
        );
        while !holds(&file, &title) {
            assert!(acknowledged.elapsed() < GIVE_UP, "edit {n} never reached B");
            std::thread::sleep(Duration::from_millis(1));
        }
        latencies.push(acknowledged.elapsed());
        // Edits one at a time, a little apart, as a person makes them.
        std::thread::sleep(Duration::from_millis(20));
    }
    handle.cancel();
    latencies
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(label: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    let p50 = percentile(&latencies, 50.0);
    let p99 = percentile(&latencies, 99.0);
    let max = latencies.last().copied().unwrap_or_default();
    let ok = p50 <= TARGET_P50 && p99 <= TARGET_P99;
    println!(
        "P9 {label}: {} edits, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms \
         (target p50 <= {} ms, p99 <= {} ms): {}",
        latencies.len(),
        p50.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0,
        TARGET_P50.as_millis(),
        TARGET_P99.as_millis(),
        if ok { "meets target" } else { "MISSES target" }
    );
}

/// A fresh database beside the one `url` names; its URL and name.
fn main() {
    let mut edits = 200;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--edits" => {
                edits = args.next().and_then(|n| n.parse().ok()).expect("--edits N");
            }
            // `cargo bench` passes this to every bench.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    let server = start_server(None);
    let (user, key) = server.user("live-bench@example.org");
    report(
        "one server process (SQLite)",
        measure(server.base_url(), server.base_url(), user, &key, edits),
    );
    drop(server);

    match std::env::var("SHELFMARK_BENCH_DATABASE_URL") {
        Ok(postgres) => {
            // Dropped (with its connections) after both servers.
            let database = fresh_postgres_database(&postgres);
            {
                let first = start_server(Some(database.url()));
                let second = start_server(Some(database.url()));
                let (user, key) = first.user("live-bench@example.org");
                report(
                    "two server processes on one PostgreSQL",
                    measure(first.base_url(), second.base_url(), user, &key, edits),
                );
            }
        }
        Err(_) => println!(
            "P9 two server processes on one PostgreSQL: not run \
             (set SHELFMARK_BENCH_DATABASE_URL=postgres://user@host:port/postgres)"
        ),
    }
}
