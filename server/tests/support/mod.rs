//! Running a real `shelfmark-server` process for HTTP tests, and a small
//! client for it.
//!
//! The suite only needs a [`Deployment`]: a base URL and a way to create
//! users and keys. [`Server::start`] spawns the built binary on a free
//! loopback port with a temporary data directory; when
//! `SHELFMARK_TEST_DATABASE_URL` is set to a PostgreSQL URL
//! (`postgres://user@host:port/db`), each server gets a fresh database made
//! there with `psql`, so the same suite runs against that backend. Likewise
//! `SHELFMARK_TEST_FILES_URL=s3://bucket` keeps each server's files under
//! its own prefix in that bucket (credentials and endpoint from `AWS_*`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// What the conformance suite needs from a running service.
pub trait Deployment {
    /// The API's base URL, without a trailing slash.
    fn base_url(&self) -> &str;
    /// Creates a user; returns its id.
    fn add_user(&self, email: &str) -> u64;
    /// Creates a key for a user with the given `key create` flags.
    fn create_key(&self, user_id: u64, flags: &[&str]) -> String;
}

/// A server process owned by a test; stopped when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    base_url: String,
    data_dir: tempfile::TempDir,
    extra: Vec<String>,
    /// The PostgreSQL admin URL and the database made for this server.
    database: Option<(String, String)>,
}

/// Makes a fresh database next to the one `url` names; returns its URL and name.
pub fn fresh_database(url: &str) -> (String, String) {
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    let name = format!(
        "sm_test_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let status = Command::new("psql")
        .arg(url)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql runs");
    assert!(status.success(), "creating the test database {name}");
    (format!("{base}/{name}"), name)
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_shelfmark-server"))
}

impl Server {
    /// Starts a server with default settings.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts a server with extra command-line options.
    pub fn start_with(extra: &[&str]) -> Self {
        let postgres = std::env::var("SHELFMARK_TEST_DATABASE_URL").ok();
        Self::start_on(extra, postgres.as_deref())
    }

    /// Starts a server with extra command-line options, on a fresh database
    /// made at the PostgreSQL server `postgres` when given.
    pub fn start_on(extra: &[&str], postgres: Option<&str>) -> Self {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let mut extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        if let Ok(url) = std::env::var("SHELFMARK_TEST_FILES_URL") {
            extra.push("--files-url".into());
            extra.push(format!(
                "{}/{}",
                url.trim_end_matches('/'),
                data_dir
                    .path()
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
        }
        let mut database = None;
        if let Some(url) = postgres {
            let (db_url, name) = fresh_database(url);
            extra.push("--database-url".into());
            extra.push(db_url);
            database = Some((url.to_owned(), name));
        }
        let mut child = Command::new(binary())
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--listen")
            .arg("127.0.0.1:0")
            .args(&extra)
            .env("SHELFMARK_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("server starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut reader = BufReader::new(stdout);
        let mut base_url = None;
        let mut line = String::new();
        while reader.read_line(&mut line).expect("reads stdout") > 0 {
            if let Some(url) = line.trim().strip_prefix("shelfmark-server listening on ") {
                base_url = Some(url.to_owned());
                break;
            }
            line.clear();
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        let base_url = base_url.expect("server printed its address");
        Self {
            child,
            base_url,
            data_dir,
            extra,
            database,
        }
    }

    /// Runs an administration command of the binary against this server's data.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(binary())
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .args(&self.extra)
            .args(args)
            .env("SHELFMARK_LOG", "warn")
            .output()
            .expect("admin command runs");
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// Whether attachment files are kept in the data directory (not in
    /// object storage).
    pub fn local_files(&self) -> bool {
        !self.extra.iter().any(|a| a == "--files-url")
    }

    /// The data directory of this server.
    pub fn data_dir(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    /// The process id, to send it signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself; its exit status.
    pub fn wait(mut self) -> std::process::ExitStatus {
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not exit");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((url, name)) = &self.database {
            let _ = Command::new("psql")
                .arg(url)
                .args([
                    "-q",
                    "-c",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .status();
        }
    }
}

impl Deployment for Server {
    fn base_url(&self) -> &str {
        &self.base_url
    }

    fn add_user(&self, email: &str) -> u64 {
        let out = self.admin(&["user", "add", "--email", email, "--password", "secret pass"]);
        out.split_whitespace()
            .nth(1)
            .and_then(|id| id.parse().ok())
            .expect("user id printed")
    }

    fn create_key(&self, user_id: u64, flags: &[&str]) -> String {
        let id = user_id.to_string();
        let mut args = vec!["key", "create", "--user", id.as_str()];
        args.extend_from_slice(flags);
        self.admin(&args).trim().to_owned()
    }
}

/// A user with a key, talking to a deployment.
#[derive(Debug, Clone)]
pub struct Client {
    pub base: String,
    pub key: Option<String>,
    pub user_id: u64,
    http: Http,
}

impl Client {
    /// A new user with a full-access key.
    pub fn new_user(d: &dyn Deployment, email: &str) -> Self {
        Self::new_user_with(d, email, &[])
    }

    /// A new user with a key made with `flags`.
    pub fn new_user_with(d: &dyn Deployment, email: &str, flags: &[&str]) -> Self {
        let user_id = d.add_user(email);
        let key = d.create_key(user_id, flags);
        Self::with_key(d, user_id, Some(key))
    }

    /// A client for an existing user and key (or none).
    pub fn with_key(d: &dyn Deployment, user_id: u64, key: Option<String>) -> Self {
        Self {
            base: d.base_url().to_owned(),
            key,
            user_id,
            http: Http::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
        }
    }

    /// This user's library prefix.
    pub fn lib(&self) -> String {
        format!("/users/{}", self.user_id)
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// A request with the key in `Zotero-API-Key`.
    pub fn req(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        let mut r = self
            .http
            .request(method, self.url(path))
            .header("Zotero-API-Version", "3");
        if let Some(k) = &self.key {
            r = r.header("Zotero-API-Key", k);
        }
        r
    }

    pub fn get(&self, path: &str) -> Response {
        self.req(reqwest::Method::GET, path).send().expect("GET")
    }

    /// GETs JSON (asserting 200); the headers and the body.
    pub fn get_json(&self, path: &str) -> (HeaderMap, Value) {
        let r = self.get(path);
        assert_eq!(r.status(), 200, "GET {path}");
        let headers = r.headers().clone();
        let v: Value = r.json().expect("JSON body");
        (headers, v)
    }

    pub fn post(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> Response {
        let mut r = self.req(reqwest::Method::POST, path).body(body.to_string());
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send().expect("POST")
    }

    /// POSTs a batch and returns the write report (asserting 200).
    pub fn write(&self, path: &str, body: &Value) -> (u64, Value) {
        let r = self.post(path, body, &[]);
        assert_eq!(r.status(), 200, "POST {path}");
        let v = version_of(r.headers());
        (v, r.json().expect("report"))
    }

    pub fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut r = self.req(method, path);
        if let Some(b) = body {
            r = r.body(b.to_string());
        }
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send().expect("request")
    }
}

/// `Last-Modified-Version` of a response.
pub fn version_of(headers: &HeaderMap) -> u64 {
    headers
        .get("last-modified-version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Last-Modified-Version header")
}

/// A header as text.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
