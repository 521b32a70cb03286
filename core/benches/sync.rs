//! Sync benchmark (targets P1–P3): a real `shelfmark-server` (release build)
//! holding realistic references (≈1.5 KB of JSON each, 10 % with a note),
//! synced over loopback.
//!
//! - P1: first sync into an empty library: when it is browsable (every
//!   item listed and sorted, quick search finding them; checked at that
//!   moment) against the floor measured in the same run (one HTTP GET of
//!   the same bytes plus a bulk SQLite insert of the same rows), when it is
//!   complete (the rest of the full text indexed), and the client's peak
//!   RSS (the sync runs in a child process so that the figure is its own).
//! - P2: a sync when nothing changed: requests and milliseconds.
//! - P3: a sync after one item, then k items, changed online.
//!
//! Run: `cargo bench -p shelfmark-core --bench sync [-- --items N]`
//! (default 50,000; `--page-size 50` downloads in standard pages even from
//! a server offering large ones), or `cargo xtask bench --sync`. To profile
//! the client, `--hold-after-seed` seeds the server, prints its URL and key
//! and keeps it up; then run the bench binary with `--p1-client URL KEY DIR`
//! under a profiler (`--p2-client URL DIR` then repeats no-op syncs of the
//! library that run left, and `--p3-client URL KEY USER DIR K` rounds of k
//! items changed online and synced).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shelfmark_core::Library;
use shelfmark_core::protocol::ObjectKey;
use shelfmark_core::search::{ItemListQuery, ItemSearchQuery, SearchMode, SortField};
use shelfmark_core::sync::{CredentialStore, SyncOptions, SyncProgress, SyncStage};
use shelfmark_test_support::TestServer;

/// Runs a sync to completion on the benchmark's one runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    static RUNTIME: LazyLock<tokio::runtime::Runtime> =
        LazyLock::new(|| tokio::runtime::Runtime::new().expect("runtime"));
    RUNTIME.block_on(future)
}

/// The desktop client's allocator (see `cli/src/main.rs`), so that the
/// figures are the client's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A fixed-seed generator (SplitMix64): every run seeds the same library.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "adaptive",
    "analysis",
    "bayesian",
    "cellular",
    "climate",
    "cognitive",
    "coherent",
    "dynamics",
    "ecology",
    "electron",
    "evolution",
    "framework",
    "genomic",
    "gradient",
    "hydrology",
    "inference",
    "kinetics",
    "language",
    "learning",
    "magnetic",
    "membrane",
    "network",
    "neural",
    "optical",
    "protein",
    "quantum",
    "random",
    "regional",
    "sampling",
    "seasonal",
    "signal",
    "spectral",
    "stochastic",
    "structure",
    "surface",
    "thermal",
    "transport",
    "urban",
    "variance",
    "wavelet",
];
const NAMES: &[&str] = &[
    "Müller",
    "García",
    "Nguyễn",
    "Smith",
    "Johnson",
    "Okafor",
    "Tanaka",
    "Kowalski",
    "Rossi",
    "Novák",
    "Haddad",
    "Silva",
    "Andersson",
    "Dubois",
    "Ivanova",
    "Chen",
    "Kumar",
    "Walker",
];
const JOURNALS: &[&str] = &[
    "Journal of Applied Ecology",
    "Physical Review Letters",
    "Nature Communications",
    "Cognitive Science",
    "Water Resources Research",
    "Annals of Statistics",
];

fn words(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| WORDS[rng.below(WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A journal article of about 1.5 KB of JSON.
fn reference(rng: &mut Rng, n: usize) -> Value {
    let creators: Vec<Value> = (0..2 + rng.below(4))
        .map(|_| {
            json!({
                "creatorType": "author",
                "firstName": NAMES[rng.below(NAMES.len())],
                "lastName": NAMES[rng.below(NAMES.len())],
            })
        })
        .collect();
    let tags: Vec<Value> = (0..3).map(|_| json!({"tag": words(rng, 1)})).collect();
    json!({
        "key": ObjectKey::random().as_str(),
        "itemType": "journalArticle",
        "title": format!("{} {n}", words(rng, 8)),
        "creators": creators,
        "abstractNote": words(rng, 95),
        "publicationTitle": JOURNALS[rng.below(JOURNALS.len())],
        "volume": (1 + rng.below(80)).to_string(),
        "issue": (1 + rng.below(12)).to_string(),
        "pages": format!("{}-{}", 100 + n % 400, 110 + n % 400),
        "date": format!("{}", 1960 + rng.below(64)),
        "DOI": format!("10.1000/bench.{n}"),
        "url": format!("https://example.org/article/{n}"),
        "language": "en",
        "tags": tags,
        "collections": [],
        "relations": {},
    })
}

fn note(rng: &mut Rng, parent: &str) -> Value {
    json!({
        "key": ObjectKey::random().as_str(),
        "itemType": "note",
        "parentItem": parent,
        "note": format!("<p>{}</p>", words(rng, 60)),
        "tags": [],
        "collections": [],
        "relations": {},
    })
}

/// A release server that logs every request, so that a sync's requests can
/// be counted and timed.
fn start_server() -> TestServer {
    TestServer::builder()
        .log_requests()
        // Seeding writes as fast as it can; the per-key limit is not what is measured.
        .env("SHELFMARK_KEY_RATE", "0")
        .start()
}

/// Milliseconds the server spent on the requests after the first `from`,
/// in all, and the slowest request.
fn server_time(server: &TestServer, from: usize) -> (f64, String) {
    let lines = server.requests_since(from);
    let timed: Vec<(f64, &String)> = lines.iter().map(|l| (latency_ms(l), l)).collect();
    let total = timed.iter().map(|(ms, _)| ms).sum();
    let slowest = timed
        .iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(ms, l)| format!("{ms:.1} ms: {}", path_of(l)))
        .unwrap_or_default();
    (total, slowest)
}

/// The `latency=… ms` of a server log line, in milliseconds.
fn latency_ms(line: &str) -> f64 {
    let Some(rest) = line.split("latency=").nth(1) else {
        return 0.0;
    };
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let value: f64 = number.parse().unwrap_or(0.0);
    let unit = &rest[number.len()..];
    if unit.trim_start().starts_with("ms") {
        value
    } else if unit.trim_start().starts_with("µs") || unit.trim_start().starts_with("us") {
        value / 1000.0
    } else if unit.trim_start().starts_with('s') {
        value * 1000.0
    } else {
        value
    }
}

/// The method and path of a server log line.
fn path_of(line: &str) -> String {
    let method = line
        .split("method=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next());
    let path = line
        .split("path=")
        .nth(1)
        .and_then(|r| r.split(['}', ' ']).next());
    format!("{} {}", method.unwrap_or("?"), path.unwrap_or("?"))
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("http client")
}

/// Writes the library through the API, 50 objects a request, four at once.
fn seed(server: &TestServer, user: u64, key: &str, items: usize) -> u64 {
    let mut rng = Rng(7);
    let mut batches: Vec<Vec<Value>> = Vec::new();
    let mut parents: Vec<Value> = Vec::new();
    let mut notes: Vec<Value> = Vec::new();
    for n in 0..items {
        let item = reference(&mut rng, n);
        if n % 10 == 0 {
            let parent = item["key"].as_str().unwrap_or_default().to_owned();
            notes.push(note(&mut rng, &parent));
        }
        parents.push(item);
    }
    let bytes: usize = parents.iter().map(|p| p.to_string().len()).sum();
    eprintln!(
        "seeding {} references ({} B of JSON each on average) and {} notes",
        parents.len(),
        bytes / parents.len().max(1),
        notes.len()
    );
    batches.extend(parents.chunks(50).map(<[Value]>::to_vec));
    let note_batches: Vec<Vec<Value>> = notes.chunks(50).map(<[Value]>::to_vec).collect();
    let url = format!("{}/users/{user}/items", server.base_url());
    let post_all = |batches: Vec<Vec<Value>>| {
        let queue = Arc::new(Mutex::new(batches));
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let (queue, url, key) = (queue.clone(), url.clone(), key.to_owned());
                std::thread::spawn(move || {
                    let client = http();
                    loop {
                        let Some(batch) = queue.lock().expect("queue").pop() else {
                            break;
                        };
                        let response = client
                            .post(&url)
                            .header("Zotero-API-Key", &key)
                            .header("Zotero-API-Version", "3")
                            .json(&batch)
                            .send()
                            .expect("seed request");
                        let status = response.status();
                        let body: Value = response.json().unwrap_or(Value::Null);
                        assert!(status.is_success(), "seeding failed: {status} {body}");
                        let failed = body["failed"].as_object().map_or(0, |f| f.len());
                        assert_eq!(failed, 0, "seeding refused objects: {body}");
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("seed worker");
        }
    };
    let start = Instant::now();
    post_all(batches);
    post_all(note_batches);
    eprintln!("seeded in {:.1} s", start.elapsed().as_secs_f64());
    (items + notes.len()) as u64
}

fn options(url: &str, key: Option<&str>, dir: &Path) -> SyncOptions {
    SyncOptions {
        server_url: Some(url.to_owned()),
        api_key: key.map(str::to_owned),
        credentials: CredentialStore::File(dir.join("credentials")),
        ..SyncOptions::default()
    }
}

/// Peak resident memory of this process, in MB (Linux).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The P1 client, run as a child process: a first sync into an empty
/// library. Prints when the library became browsable (every item listed,
/// sorted and found by quick search: checked at that moment, while the
/// rest of the full text is still being indexed), when the sync completed,
/// and the peak RSS.
fn p1_client(url: &str, key: &str, dir: &Path, page_size: Option<u32>) {
    let library = Library::create(dir.join("bench.shelfmark")).expect("library");
    let start = Instant::now();
    let browsable: Arc<Mutex<Option<(f64, u64, u64)>>> = Arc::default();
    let probe = {
        let (library, browsable) = (library.clone(), browsable.clone());
        move || {
            let seconds = start.elapsed().as_secs_f64();
            let (listed, found) = browse(&library);
            *browsable.lock().expect("browsable") = Some((seconds, listed, found));
        }
    };
    let probe = Arc::new(Mutex::new(Some(probe)));
    let progress: shelfmark_core::sync::ProgressCallback = Arc::new(move |p: &SyncProgress| {
        if p.phase == SyncStage::Indexing
            && let Some(probe) = probe.lock().expect("probe").take()
        {
            probe();
        }
    });
    let report = block_on(library.sync(&SyncOptions {
        max_page_size: page_size,
        progress: Some(progress),
        ..options(url, Some(key), dir)
    }))
    .expect("first sync");
    let complete = start.elapsed().as_secs_f64();
    assert!(report.is_ok(), "{report:#?}");
    let (listed, found) = browse(&library);
    // Without a backlog to index, the library was browsable when complete.
    let (browsable, listed_then, found_then) = browsable
        .lock()
        .expect("browsable")
        .unwrap_or((complete, listed, found));
    assert_eq!(listed_then, listed, "every item listed when browsable");
    assert_eq!(found_then, found, "quick search complete when browsable");
    assert!(found > 0, "quick search finds items");
    let rss = peak_rss_mb().unwrap_or(f64::NAN);
    println!(
        "P1-CLIENT {browsable} {complete} {rss} {}",
        report.libraries[0].downloaded.items
    );
}

/// For profiling P2: no-op syncs of the library a `--p1-client` run left in
/// `dir`, one after another, with their median and best times.
fn p2_client(url: &str, dir: &Path) {
    let library = Library::open(dir.join("bench.shelfmark")).expect("open library");
    let opts = options(url, None, dir);
    let mut times: Vec<f64> = (0..200)
        .map(|_| {
            let start = Instant::now();
            block_on(library.sync(&opts)).expect("no-op sync");
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "P2-CLIENT median {:.2} ms, best {:.2} ms",
        times[100], times[0]
    );
}

/// For profiling P3: ten rounds of `k` items changed online, each followed
/// by a sync of the library a `--p1-client` run left in `dir`.
fn p3_client(url: &str, key: &str, user: u64, dir: &Path, k: usize) {
    let library_file = dir.join("bench.shelfmark");
    let library = Library::open(&library_file).expect("open library");
    let opts = options(url, None, dir);
    for round in 0..10 {
        change_online(url, user, key, &library_file, k, 100 + round);
        let start = Instant::now();
        block_on(library.sync(&opts)).expect("incremental sync");
        println!(
            "P3-CLIENT {k} changed: {:.1} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// What a researcher sees first: the top-level items sorted by title (their
/// count), and how many a quick search for a creator finds.
fn browse(library: &Library) -> (u64, u64) {
    let listed = library
        .list_items(&ItemListQuery {
            sort: SortField::Title,
            limit: 50,
            ..ItemListQuery::default()
        })
        .expect("list");
    let found = library
        .search_items(&ItemSearchQuery {
            text: "Tanaka".into(),
            mode: SearchMode::Quick,
            ..ItemSearchQuery::default()
        })
        .expect("quick search");
    (listed.total, found.total)
}

/// The floor for P1: the same bytes in one HTTP response, and a bulk
/// insert of the same rows into SQLite, in seconds.
fn floor(library_file: &Path) -> (f64, f64, usize) {
    let rows: Vec<(String, String)> = {
        let conn = rusqlite::Connection::open(library_file).expect("open");
        let mut stmt = conn
            .prepare("SELECT key, data FROM items")
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let body: Vec<u8> = {
        let mut out = b"[".to_vec();
        for (n, (_, data)) in rows.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(data.as_bytes());
        }
        out.push(b']');
        out
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let address = listener.local_addr().expect("address");
    let served = body.clone();
    std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                served.len()
            );
            let _ = conn.write_all(&served);
        }
    });
    let start = Instant::now();
    let got = http()
        .get(format!("http://{address}/"))
        .send()
        .expect("floor GET")
        .bytes()
        .expect("floor body");
    let parsed: Vec<Value> = serde_json::from_slice(&got).expect("floor JSON");
    let get_seconds = start.elapsed().as_secs_f64();

    let dir = tempfile::tempdir().expect("dir");
    let mut conn = rusqlite::Connection::open(dir.path().join("floor.sqlite")).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; CREATE TABLE items (id INTEGER PRIMARY KEY, key TEXT UNIQUE, data TEXT);",
    )
    .expect("schema");
    let start = Instant::now();
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare("INSERT INTO items (key, data) VALUES (?1, ?2)")
            .expect("prepare");
        for value in &parsed {
            let key = value["key"].as_str().unwrap_or_default();
            insert
                .execute(rusqlite::params![key, value.to_string()])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    let insert_seconds = start.elapsed().as_secs_f64();
    (get_seconds, insert_seconds, body.len())
}

/// Changes the first `k` top-level items online, as another device would
/// (their current data comes from the synced library file).
fn change_online(
    base_url: &str,
    user: u64,
    key: &str,
    library_file: &Path,
    k: usize,
    round: usize,
) {
    let objects: Vec<Value> = {
        let conn = rusqlite::Connection::open(library_file).expect("open");
        let mut stmt = conn
            .prepare("SELECT data FROM items WHERE parent_key IS NULL ORDER BY id LIMIT ?1")
            .expect("prepare");
        stmt.query_map([k as i64], |r| r.get::<_, String>(0))
            .expect("query")
            .map(|d| {
                let mut data: Value = serde_json::from_str(&d.expect("row")).expect("json");
                data["extra"] = json!(format!("changed in round {round}"));
                data
            })
            .collect()
    };
    let client = http();
    let url = format!("{base_url}/users/{user}/items");
    for chunk in objects.chunks(50) {
        let response = client
            .post(&url)
            .header("Zotero-API-Key", key)
            .header("Zotero-API-Version", "3")
            .json(&chunk)
            .send()
            .expect("change request");
        let body: Value = response.json().unwrap_or(Value::Null);
        assert!(
            body["failed"].as_object().is_none_or(|f| f.is_empty()),
            "change refused: {body}"
        );
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "meets target" } else { "MISSES target" }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut items = 50_000;
    let mut page_size: Option<u32> = None;
    let mut hold = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--items" => items = args.next().and_then(|n| n.parse().ok()).unwrap_or(items),
            "--page-size" => page_size = args.next().and_then(|n| n.parse().ok()),
            "--hold-after-seed" => hold = true,
            "--p1-client" => {
                let url = args.next().expect("url");
                let key = args.next().expect("key");
                let dir = PathBuf::from(args.next().expect("dir"));
                let page = args.next().and_then(|n| n.parse().ok());
                p1_client(&url, &key, &dir, page);
                return;
            }
            "--p3-client" => {
                let url = args.next().expect("url");
                let key = args.next().expect("key");
                let user = args.next().and_then(|n| n.parse().ok()).expect("user id");
                let dir = PathBuf::from(args.next().expect("dir"));
                let k = args.next().and_then(|n| n.parse().ok()).unwrap_or(500);
                p3_client(&url, &key, user, &dir, k);
                return;
            }
            "--p2-client" => {
                let url = args.next().expect("url");
                let dir = PathBuf::from(args.next().expect("dir"));
                p2_client(&url, &dir);
                return;
            }
            _ => {}
        }
    }
    let server = start_server();
    let (user, key) = server.user("bench@example.org");
    let objects = seed(&server, user, &key, items);
    if hold {
        // For profiling: run `--p1-client URL KEY DIR` against this server.
        println!(
            "seeded server at {} with key {key}; holding it for an hour",
            server.base_url()
        );
        std::thread::sleep(std::time::Duration::from_secs(3600));
        return;
    }

    // P1: first sync in a child process (its peak RSS is the client's).
    let p1_from = server.request_count();
    let dir = tempfile::tempdir().expect("client directory");
    let out = Command::new(std::env::current_exe().expect("bench path"))
        .args(["--p1-client", server.base_url(), &key])
        .arg(dir.path())
        .arg(page_size.map(|p| p.to_string()).unwrap_or_default())
        .output()
        .expect("P1 client runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("P1-CLIENT "))
        .unwrap_or_else(|| panic!("P1 client failed: {}", String::from_utf8_lossy(&out.stderr)));
    let figures: Vec<f64> = line
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let (browsable_seconds, sync_seconds, rss) = (figures[0], figures[1], figures[2]);
    let library_file = dir.path().join("bench.shelfmark");
    let (get_seconds, insert_seconds, bytes) = floor(&library_file);
    let floor_seconds = get_seconds + insert_seconds;
    println!(
        "P1 first sync of {objects} objects ({:.1} MB of item JSON)",
        bytes as f64 / 1e6
    );
    println!(
        "  browsable (every item listed and sorted, quick search complete): {browsable_seconds:.2} s ({:.2}× floor) — target ≤ 1.2× floor = {:.2} s: {}",
        browsable_seconds / floor_seconds,
        1.2 * floor_seconds,
        verdict(browsable_seconds <= 1.2 * floor_seconds)
    );
    println!(
        "  complete (full-text index included): {sync_seconds:.2} s ({:.2}× floor) — target ≤ 2× floor = {:.2} s: {}",
        sync_seconds / floor_seconds,
        2.0 * floor_seconds,
        verdict(sync_seconds <= 2.0 * floor_seconds)
    );
    println!(
        "  floor: one GET of the same bytes {get_seconds:.2} s + SQLite bulk insert {insert_seconds:.2} s = {floor_seconds:.2} s"
    );
    println!(
        "  client peak RSS: {rss:.0} MB — target ≤ 150 MB: {}",
        verdict(rss <= 150.0)
    );
    let (server_ms, slowest) = server_time(&server, p1_from);
    println!(
        "  server time over the sync's {} requests: {:.2} s (requests overlap); slowest {slowest}",
        server.request_count() - p1_from,
        server_ms / 1000.0
    );

    // P2: nothing changed.
    let library = Library::open(&library_file).expect("open library");
    let opts = options(server.base_url(), None, dir.path());
    block_on(library.sync(&opts)).expect("warm-up sync");
    let mut best = f64::MAX;
    let mut requests = 0;
    for _ in 0..5 {
        let before = server.request_count();
        let start = Instant::now();
        block_on(library.sync(&opts)).expect("no-op sync");
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
        requests = server.request_count() - before;
    }
    println!(
        "P2 sync with nothing changed: {requests} request(s) for 1 library, {best:.1} ms — target 1 request/library (304), ≤ 5 ms: {}",
        verdict(requests <= 1 && best <= 5.0)
    );

    // P3: one item changed online, then k.
    for (round, k) in [1usize, 1, 50, 100, 500].into_iter().enumerate() {
        change_online(server.base_url(), user, &key, &library_file, k, round);
        let before = server.request_count();
        let start = Instant::now();
        let report = block_on(library.sync(&opts)).expect("incremental sync");
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let requests = server.request_count() - before;
        let target = match k {
            1 => format!("≤ 20 ms: {}", verdict(ms <= 20.0)),
            500 => format!("≤ 100 ms: {}", verdict(ms <= 100.0)),
            _ => "requests grow with k/50".to_owned(),
        };
        let (server_ms, slowest) = server_time(&server, before);
        println!(
            "P3 {k} item(s) changed online: {} downloaded, {requests} request(s), {ms:.1} ms — {target} \
             (server {server_ms:.1} ms; slowest {slowest})",
            report.libraries[0].downloaded.items
        );
    }
}
