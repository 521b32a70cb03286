//! A real `shelfmark-server` process on loopback for sync tests, and
//! "devices": library files that sync with it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use shelfmark_core::Library;
use shelfmark_core::sync::{CredentialStore, SyncOptions, SyncReport};

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

/// A server process owned by a test; stopped when dropped.
pub struct Server {
    child: Child,
    pub base_url: String,
    data_dir: tempfile::TempDir,
    /// Lines the server logged about each finished request.
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start() -> Self {
        Self::start_with_env(&[])
    }

    /// A server with extra `SHELFMARK_*` settings in its environment.
    pub fn start_with_env(vars: &[(&str, &str)]) -> Self {
        let data_dir = tempfile::tempdir().expect("server data directory");
        let mut child = Command::new(server_binary())
            .envs(vars.iter().copied())
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--listen")
            .arg("127.0.0.1:0")
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
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let log = requests.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("finished processing request") {
                    log.lock().expect("log").push(line);
                }
            }
        });
        Self {
            child,
            base_url: base_url.expect("server printed its address"),
            data_dir,
            requests,
        }
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
        let dir = tempfile::tempdir().expect("device directory");
        let library = Library::create(dir.path().join("device.shelfmark")).expect("library");
        let options = SyncOptions {
            server_url: Some(server.base_url.clone()),
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
        self.library.sync_blocking(&self.options)
    }

    /// Syncs with the kept key only (as on later runs).
    pub fn sync_with_kept_key(&self) -> SyncReport {
        let options = SyncOptions {
            api_key: None,
            server_url: None,
            ..self.options.clone()
        };
        let report = self.library.sync_blocking(&options).expect("sync runs");
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
