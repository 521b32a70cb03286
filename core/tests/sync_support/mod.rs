//! A real `shelfmark-server` process on loopback for sync tests, and
//! "devices": library files that sync with it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use serde_json::Value;
use shelfmark_core::Library;
use shelfmark_core::sync::{CredentialStore, SyncOptions, SyncReport};

pub mod proxy;

/// The runtime the tests' syncs run on, as an app's or the CLI's would.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime")
    });
    &RUNTIME
}

/// Runs a sync (or any future) to completion on [`runtime`]; test threads
/// call this at once, as several app threads would.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// The server binary beside this test's build (building it if missing).
fn server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("SHELFMARK_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/shelfmark-server
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("profile directory")
        .to_owned();
    let binary = profile_dir.join(format!("shelfmark-server{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let target_dir = profile_dir.parent().expect("target directory");
        let status = Command::new(cargo)
            .args(["build", "-p", "shelfmark-server"])
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building shelfmark-server failed");
    }
    binary
}

/// Starts a server process on `data_dir`; returns it and its address.
fn spawn_server(
    data_dir: &std::path::Path,
    env: &[(String, String)],
    requests: &Arc<Mutex<Vec<String>>>,
) -> (Child, String) {
    spawn_server_at(data_dir, env, requests, "127.0.0.1:0")
}

/// Starts a server process on `data_dir` listening on `listen`.
fn spawn_server_at(
    data_dir: &std::path::Path,
    env: &[(String, String)],
    requests: &Arc<Mutex<Vec<String>>>,
    listen: &str,
) -> (Child, String) {
    let mut child = Command::new(server_binary())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--listen")
        .arg(listen)
        .env("SHELFMARK_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut base_url = None;
    let mut line = String::new();
    while reader.read_line(&mut line).expect("read stdout") > 0 {
        if let Some(url) = line.trim().strip_prefix("shelfmark-server listening on ") {
            base_url = Some(url.to_owned());
            break;
        }
        line.clear();
    }
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    let stderr = child.stderr.take().expect("stderr");
    let log = requests.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("finished processing request") {
                log.lock().expect("log").push(line);
            }
        }
    });
    (child, base_url.expect("server printed its address"))
}

/// A small deterministic random number generator (xorshift), so that a
/// failing randomized test can be replayed from its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// An element of `items`, if any.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }
}

/// The seed for a randomized test: `SHELFMARK_SEED` when set, else the
/// clock; printed so that a failure can be replayed.
pub fn seed(test: &str) -> u64 {
    let seed = std::env::var("SHELFMARK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    eprintln!("{test}: seed {seed} (replay with SHELFMARK_SEED={seed})");
    seed
}

/// Whether the long variants of the robustness tests run.
pub fn long_tests() -> bool {
    std::env::var("SHELFMARK_LONG_TESTS").is_ok_and(|v| v == "1")
}

/// A server process owned by a test; stopped when dropped.
pub struct Server {
    child: Child,
    pub base_url: String,
    data_dir: tempfile::TempDir,
    /// Lines the server logged about each finished request.
    requests: Arc<Mutex<Vec<String>>>,
    /// Extra settings in the server's environment, kept for restarts.
    env: Vec<(String, String)>,
}

impl Server {
    pub fn start() -> Self {
        Self::start_with_env(&[])
    }

    /// A server with extra `SHELFMARK_*` settings in its environment.
    pub fn start_with_env(vars: &[(&str, &str)]) -> Self {
        let data_dir = tempfile::tempdir().expect("server data directory");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let env: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let (child, base_url) = spawn_server(data_dir.path(), &env, &requests);
        Self {
            child,
            base_url,
            data_dir,
            requests,
            env,
        }
    }

    /// Kills the server process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same data (after [`Server::kill`]);
    /// it listens on a new port, given in `base_url`.
    pub fn restart(&mut self) {
        self.kill();
        let (child, base_url) = spawn_server(self.data_dir.path(), &self.env, &self.requests);
        self.child = child;
        self.base_url = base_url;
    }

    /// Starts the server again on the same data and the same address
    /// (after [`Server::kill`]), as a restarted service comes back.
    pub fn restart_in_place(&mut self) {
        self.kill();
        let listen = self.base_url.trim_start_matches("http://").to_owned();
        let (child, base_url) =
            spawn_server_at(self.data_dir.path(), &self.env, &self.requests, &listen);
        self.child = child;
        self.base_url = base_url;
    }

    /// The server's data directory.
    pub fn data_path(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(server_binary())
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .args(args)
            .env("SHELFMARK_LOG", "warn")
            .output()
            .expect("admin command runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// A new user and a full-access key: (user id, key).
    pub fn user(&self, email: &str) -> (u64, String) {
        self.user_with(email, &[])
    }

    pub fn user_with(&self, email: &str, flags: &[&str]) -> (u64, String) {
        let out = self.admin(&["user", "add", "--email", email, "--password", "secret pass"]);
        let id: u64 = out
            .split_whitespace()
            .nth(1)
            .and_then(|id| id.parse().ok())
            .expect("user id printed");
        let id_text = id.to_string();
        let mut args = vec!["key", "create", "--user", id_text.as_str()];
        args.extend_from_slice(flags);
        let key = self.admin(&args).trim().to_owned();
        (id, key)
    }

    /// How many requests the server has answered so far.
    pub fn request_count(&self) -> usize {
        // The log line is written just after the response; let it arrive.
        std::thread::sleep(Duration::from_millis(150));
        self.requests.lock().expect("log").len()
    }

    /// The request log lines after the first `from`.
    pub fn requests_since(&self, from: usize) -> Vec<String> {
        std::thread::sleep(Duration::from_millis(150));
        self.requests.lock().expect("log")[from..].to_vec()
    }

    /// A plain API request (for setting up groups).
    pub fn call(
        &self,
        key: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let client = reqwest::blocking::Client::new();
        let mut req = client
            .request(method, format!("{}{path}", self.base_url))
            .header("Zotero-API-Key", key)
            .header("Zotero-API-Version", "3");
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let resp = req.send().expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A library file on one device, syncing with the test server.
pub struct Device {
    pub library: Library,
    pub dir: tempfile::TempDir,
    pub options: SyncOptions,
}

impl std::ops::Deref for Device {
    type Target = Library;
    fn deref(&self) -> &Library {
        &self.library
    }
}

impl Device {
    pub fn new(server: &Server, key: &str) -> Self {
        Self::at(&server.base_url, key)
    }

    /// A device reaching the server at `url` (through a proxy, say).
    pub fn at(url: &str, key: &str) -> Self {
        let dir = tempfile::tempdir().expect("device directory");
        let library = Library::create(dir.path().join("device.shelfmark")).expect("library");
        let options = SyncOptions {
            server_url: Some(url.to_owned()),
            api_key: Some(key.to_owned()),
            credentials: CredentialStore::File(dir.path().join("credentials")),
            max_retry_wait: Some(Duration::from_secs(5)),
            ..SyncOptions::default()
        };
        Self {
            library,
            dir,
            options,
        }
    }

    /// Syncs, expecting no library to fail.
    pub fn sync(&self) -> SyncReport {
        let report = self.try_sync().expect("sync runs");
        assert!(report.is_ok(), "a library failed to sync: {report:#?}");
        report
    }

    pub fn try_sync(&self) -> shelfmark_core::Result<SyncReport> {
        block_on(self.library.sync(&self.options))
    }

    /// Syncs with the kept key only (as on later runs).
    pub fn sync_with_kept_key(&self) -> SyncReport {
        let options = SyncOptions {
            api_key: None,
            server_url: None,
            ..self.options.clone()
        };
        let report = block_on(self.library.sync(&options)).expect("sync runs");
        assert!(report.is_ok(), "{report:#?}");
        report
    }

    pub fn title(&self, key: &str) -> String {
        self.library
            .get_item(key)
            .expect("item")
            .field("title")
            .unwrap_or_default()
            .to_owned()
    }

    /// Keys and titles of every item in the personal library, sorted.
    pub fn items(&self) -> Vec<(String, String, bool)> {
        let conn = rusqlite::Connection::open(self.library.path()).expect("open");
        let mut stmt = conn
            .prepare(
                "SELECT key, json_extract(data, '$.title'), in_trash FROM items
                 WHERE library_id = 1 ORDER BY key",
            )
            .expect("prepare");
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                r.get(2)?,
            ))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
    }
}
