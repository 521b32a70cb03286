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

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shelfmark_core::Library;
use shelfmark_core::sync::{AutoSyncConfig, CredentialStore, LiveUpdates, SyncOptions};

/// Target P9: from A's acknowledged upload to B holding the change.
const TARGET_P50: Duration = Duration::from_millis(300);
const TARGET_P99: Duration = Duration::from_secs(1);
/// Longest wait for one edit before the run is declared broken.
const GIVE_UP: Duration = Duration::from_secs(30);

/// A server process and how to administer it.
struct Server {
    child: Child,
    url: String,
    binary: PathBuf,
    data: tempfile::TempDir,
    database: Option<String>,
}

impl Server {
    fn start(binary: &Path, database: Option<&str>) -> Self {
        let data = tempfile::tempdir().expect("server data directory");
        let mut command = Command::new(binary);
        command
            .arg("--data-dir")
            .arg(data.path())
            .args(["--listen", "127.0.0.1:0"])
            .env("SHELFMARK_LOG", "warn")
            .env("SHELFMARK_KEY_RATE", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = database {
            command.args(["--database-url", url]);
        }
        let mut child = command.spawn().expect("server starts");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        let mut url = None;
        while out.read_line(&mut line).expect("read") > 0 {
            if let Some(u) = line.trim().strip_prefix("shelfmark-server listening on ") {
                url = Some(u.to_owned());
                break;
            }
            line.clear();
        }
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Self {
            child,
            url: url.expect("server address"),
            binary: binary.to_owned(),
            data,
            database: database.map(str::to_owned),
        }
    }

    fn admin(&self, args: &[&str]) -> String {
        let mut command = Command::new(&self.binary);
        command
            .arg("--data-dir")
            .arg(self.data.path())
            .env("SHELFMARK_LOG", "warn");
        if let Some(url) = &self.database {
            command.args(["--database-url", url]);
        }
        let out = command.args(args).output().expect("admin command");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn user(&self) -> (u64, String) {
        let out = self.admin(&[
            "user",
            "add",
            "--email",
            "live-bench@example.org",
            "--password",
            "bench pass",
        ]);
        let id: u64 = out
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("user id");
        let key = self
            .admin(&["key", "create", "--user", &id.to_string()])
            .trim()
            .to_owned();
        (id, key)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("SHELFMARK_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("bench path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("profile directory")
        .to_owned();
    let binary = profile.join("shelfmark-server");
    if !binary.exists() {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "-p", "shelfmark-server"])
            .env(
                "CARGO_TARGET_DIR",
                profile.parent().expect("target directory"),
            )
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building shelfmark-server failed");
    }
    binary
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
fn fresh_database(url: &str) -> (String, String) {
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    let name = format!("sm_live_bench_{}", std::process::id());
    let status = Command::new("psql")
        .arg(url)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql runs");
    assert!(status.success(), "creating {name}");
    (format!("{base}/{name}"), name)
}

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
    let binary = server_binary();

    let server = Server::start(&binary, None);
    let (user, key) = server.user();
    report(
        "one server process (SQLite)",
        measure(&server.url, &server.url, user, &key, edits),
    );
    drop(server);

    match std::env::var("SHELFMARK_BENCH_DATABASE_URL") {
        Ok(postgres) => {
            let (database, name) = fresh_database(&postgres);
            {
                let first = Server::start(&binary, Some(&database));
                let second = Server::start(&binary, Some(&database));
                let (user, key) = first.user();
                report(
                    "two server processes on one PostgreSQL",
                    measure(&first.url, &second.url, user, &key, edits),
                );
            }
            let _ = Command::new("psql")
                .arg(&postgres)
                .args([
                    "-q",
                    "-c",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .status();
        }
        Err(_) => println!(
            "P9 two server processes on one PostgreSQL: not run \
             (set SHELFMARK_BENCH_DATABASE_URL=postgres://user@host:port/postgres)"
        ),
    }
}
