//! Running a real `shelfmark-server` process for HTTP tests, and a small
//! client for it.
//!
//! The suite only needs a [`Deployment`]: a base URL and a way to create
//! users and keys. [`Server::start`] runs the built binary through
//! [`TestServer`]; when `SHELFMARK_TEST_DATABASE_URL` is set to a PostgreSQL
//! URL (`postgres://user@host:port/db`), each server gets a fresh database
//! made there with `psql`, so the same suite runs against that backend.
//! Likewise `SHELFMARK_TEST_FILES_URL=s3://bucket` keeps each server's files
//! under its own prefix in that bucket (credentials and endpoint from
//! `AWS_*`).

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use reqwest::header::HeaderMap;
use serde_json::Value;
use shelfmark_test_support::TestServer;

/// What the conformance suite needs from a running service.
pub trait Deployment {
    /// The API's base URL, without a trailing slash.
    fn base_url(&self) -> &str;
    /// Creates a user; returns its id.
    fn add_user(&self, email: &str) -> u64;
    /// Creates a key for a user with the given `key create` flags.
    fn create_key(&self, user_id: u64, flags: &[&str]) -> String;
}

/// A server process of this package's binary owned by a test; stopped when
/// dropped. The process's own calls are [`TestServer`]'s.
#[derive(Debug)]
pub struct Server {
    server: TestServer,
    /// Whether attachment files are kept in the data directory.
    local_files: bool,
}

impl std::ops::Deref for Server {
    type Target = TestServer;
    fn deref(&self) -> &TestServer {
        &self.server
    }
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
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let mut builder = TestServer::builder()
            .binary(env!("CARGO_BIN_EXE_shelfmark-server"))
            .args(extra)
            .postgres(postgres);
        let files_url = std::env::var("SHELFMARK_TEST_FILES_URL").ok();
        if let Some(url) = &files_url {
            let prefix = format!(
                "sm-test-{}-{}",
                std::process::id(),
                STARTED.fetch_add(1, Ordering::Relaxed)
            );
            builder = builder.args(&[
                "--files-url",
                &format!("{}/{prefix}", url.trim_end_matches('/')),
            ]);
        }
        Self {
            server: builder.start(),
            local_files: files_url.is_none(),
        }
    }

    /// Whether attachment files are kept in the data directory (not in
    /// object storage).
    pub fn local_files(&self) -> bool {
        self.local_files
    }

    /// Waits for the process to exit by itself; its exit status.
    pub fn wait(self) -> std::process::ExitStatus {
        self.server.wait_for_exit()
    }
}

impl Deployment for Server {
    fn base_url(&self) -> &str {
        self.server.base_url()
    }

    fn add_user(&self, email: &str) -> u64 {
        self.server.add_user(email)
    }

    fn create_key(&self, user_id: u64, flags: &[&str]) -> String {
        self.server.create_key(user_id, flags)
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
