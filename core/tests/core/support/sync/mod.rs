//! Sync tests' servers (real `shelfmark-server` processes on loopback) and
//! "devices": library files that sync with them.

use std::sync::LazyLock;
use std::time::Duration;

use shelfmark_core::Library;
use shelfmark_core::sync::{CredentialStore, SyncOptions, SyncReport};
use shelfmark_test_support::{TestServer, TestServerBuilder};

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

/// A test server that logs every request, so that tests can count the
/// requests a sync makes.
pub fn server_builder() -> TestServerBuilder {
    TestServer::builder().log_requests()
}

/// A test server as [`server_builder`] makes it, with default settings.
pub fn start_server() -> TestServer {
    server_builder().start()
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
    pub fn new(server: &TestServer, key: &str) -> Self {
        Self::at(server.base_url(), key)
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
