//! A real `shelfmark-server` process for tests and benchmarks.

use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

/// The line the server prints once its listener is bound; connections made
/// from then on are answered.
const LISTENING: &str = "shelfmark-server listening on ";

/// The line the server logs (at `info`) after answering a request.
const FINISHED_REQUEST: &str = "finished processing request";

/// How many of the last log lines a failing test shows.
const LOG_TAIL: usize = 80;

/// The password of the accounts made by [`TestServer::add_user`].
pub const USER_PASSWORD: &str = "secret pass";

/// The `shelfmark-server` binary: `SHELFMARK_SERVER_BIN` when set, else the
/// one in the target directory and profile of the running test or benchmark
/// (`target/<profile>/`), built with cargo first when it is missing.
///
/// A suite of the server's own package should pass
/// `env!("CARGO_BIN_EXE_shelfmark-server")` to [`TestServerBuilder::binary`]
/// instead, which cargo keeps up to date.
pub fn server_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    // One caller builds; tests starting servers at the same time wait for it.
    BINARY.get_or_init(locate_or_build).clone()
}

fn locate_or_build() -> PathBuf {
    if let Some(path) = std::env::var_os("SHELFMARK_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("path of the running test");
    // target/<profile>/deps/<test> → target/<profile>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("profile directory of the running test");
    let binary = profile_dir.join(format!("shelfmark-server{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev",
            Some(name) => name,
        };
        let target_dir = profile_dir.parent().expect("target directory");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        eprintln!("building shelfmark-server ({profile} profile) for the tests");
        let status = Command::new(cargo)
            .args(["build", "--profile", profile, "-p", "shelfmark-server"])
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building shelfmark-server failed");
    }
    binary
}

/// A fresh, empty PostgreSQL database made with `psql` beside the one an
/// admin URL names; dropped (with its connections) when this value is.
#[derive(Debug)]
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    /// The database's URL, for `--database-url`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = Command::new("psql")
            .arg(&self.admin_url)
            .args(["-q", "-c", &drop])
            .status();
    }
}

/// Makes a fresh database at the PostgreSQL server of `admin_url`
/// (`postgres://user@host:port/db`).
pub fn fresh_postgres_database(admin_url: &str) -> PostgresDatabase {
    static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    let name = format!(
        "sm_test_{}_{}_{}",
        std::process::id(),
        MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let status = Command::new("psql")
        .arg(admin_url)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("psql runs");
    assert!(status.success(), "creating the test database {name}");
    PostgresDatabase {
        admin_url: admin_url.to_owned(),
        url: format!("{base}/{name}"),
        name,
    }
}

/// How to start a [`TestServer`]; from [`TestServer::builder`].
#[derive(Debug, Default)]
pub struct TestServerBuilder {
    binary: Option<PathBuf>,
    args: Vec<String>,
    env: Vec<(String, String)>,
    log_requests: bool,
    postgres: Option<String>,
}

impl TestServerBuilder {
    /// The server binary to run (default: [`server_binary`]).
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// A command-line option for the server and its administration commands.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Command-line options for the server and its administration commands.
    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Self {
        self.args.extend(args.iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// A variable in the environment of the server and its administration
    /// commands (`SHELFMARK_*` settings, say).
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Logs every answered request, for [`TestServer::request_count`] and
    /// [`TestServer::requests_since`] (the default logs warnings only).
    pub fn log_requests(mut self) -> Self {
        self.log_requests = true;
        self
    }

    /// Keeps the metadata in a fresh database made at the PostgreSQL server
    /// of `admin_url` when given (dropped with the server), else in SQLite
    /// in the data directory.
    pub fn postgres(mut self, admin_url: Option<&str>) -> Self {
        self.postgres = admin_url.map(str::to_owned);
        self
    }

    /// Starts the server and waits until it answers; panics with its output
    /// when it does not start.
    pub fn start(self) -> TestServer {
        self.spawn()
            .ready()
            .unwrap_or_else(|failure| panic!("{failure}"))
    }

    /// Starts the server process without waiting for it, so that several
    /// processes can start at the same moment; [`Starting::ready`] waits.
    pub fn spawn(self) -> Starting {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let mut args = self.args;
        let database = self.postgres.as_deref().map(fresh_postgres_database);
        if let Some(database) = &database {
            args.extend(["--database-url".to_owned(), database.url.clone()]);
        }
        let launch = Launch {
            binary: self.binary.unwrap_or_else(server_binary),
            args,
            env: self.env,
            log_level: if self.log_requests { "info" } else { "warn" },
            data_dir,
            database,
        };
        let log = Arc::new(Mutex::new(Vec::new()));
        let process = launch.spawn("127.0.0.1:0", &log);
        Starting {
            process,
            launch,
            log,
        }
    }
}

/// What a server is started with; kept for restarts and admin commands.
#[derive(Debug)]
struct Launch {
    binary: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    log_level: &'static str,
    data_dir: tempfile::TempDir,
    database: Option<PostgresDatabase>,
}

/// A spawned process whose address is not read yet.
#[derive(Debug)]
struct Process {
    child: Child,
    stdout: BufReader<ChildStdout>,
    log_reader: JoinHandle<()>,
}

impl Launch {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .args(&self.args)
            .env("SHELFMARK_LOG", "warn")
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn spawn(&self, listen: &str, log: &Arc<Mutex<Vec<String>>>) -> Process {
        let mut command = self.command();
        if !self.env.iter().any(|(k, _)| k == "SHELFMARK_LOG") {
            command.env("SHELFMARK_LOG", self.log_level);
        }
        let mut child = command
            .args(["--listen", listen])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.binary.display()));
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = log.clone();
        let log_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                log.lock().expect("server log").push(line);
            }
        });
        Process {
            child,
            stdout,
            log_reader,
        }
    }
}

impl Process {
    /// Reads the output up to the address line; the lines printed before it
    /// and the base URL, or the process's exit status when it ended first.
    fn wait_for_address(&mut self) -> (Vec<String>, Result<String, Option<ExitStatus>>) {
        let mut printed = Vec::new();
        let mut line = String::new();
        while self.stdout.read_line(&mut line).unwrap_or(0) > 0 {
            let text = line.trim().to_owned();
            line.clear();
            if let Some(url) = text.strip_prefix(LISTENING) {
                return (printed, Ok(url.to_owned()));
            }
            printed.push(text);
        }
        let status = self.child.wait().ok();
        (printed, Err(status))
    }

    /// Keeps reading the rest of the output into the log, so that the
    /// server never blocks on a full pipe.
    fn keep_reading(self, log: &Arc<Mutex<Vec<String>>>) -> Child {
        let Self { child, stdout, .. } = self;
        let log = log.clone();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                log.lock().expect("server log").push(line);
            }
        });
        child
    }
}

/// A server process that was spawned and may not answer yet.
#[derive(Debug)]
pub struct Starting {
    process: Process,
    launch: Launch,
    log: Arc<Mutex<Vec<String>>>,
}

impl Starting {
    /// Waits until the server answers (it printed its address), or until
    /// it exits.
    pub fn ready(mut self) -> Result<TestServer, StartFailure> {
        let (printed, address) = self.process.wait_for_address();
        match address {
            Ok(base_url) => Ok(TestServer {
                child: self.process.keep_reading(&self.log),
                base_url,
                printed,
                launch: self.launch,
                log: self.log,
            }),
            Err(status) => {
                let _ = self.process.child.kill();
                let _ = self.process.child.wait();
                let _ = self.process.log_reader.join();
                let log = self.log.lock().expect("server log").clone();
                Err(StartFailure {
                    status,
                    printed,
                    log,
                })
            }
        }
    }
}

/// A server that exited before it printed its address.
#[derive(Debug)]
pub struct StartFailure {
    /// The exit status, when known.
    pub status: Option<ExitStatus>,
    /// What it printed on its standard output.
    pub printed: Vec<String>,
    /// What it logged on its standard error.
    pub log: Vec<String>,
}

impl fmt::Display for StartFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shelfmark-server did not start")?;
        if let Some(status) = self.status {
            write!(f, " ({status})")?;
        }
        for line in self.printed.iter().chain(&self.log) {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StartFailure {}

/// A real `shelfmark-server` process owned by a test, listening on a free
/// loopback port with its own temporary data directory. Killed when dropped;
/// when the test is failing then, the end of its log is printed.
#[derive(Debug)]
pub struct TestServer {
    child: Child,
    base_url: String,
    printed: Vec<String>,
    launch: Launch,
    /// Lines the server wrote, standard error and output after its address.
    log: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// A server with default settings on SQLite.
    pub fn start() -> Self {
        Self::builder().start()
    }

    /// Settings for a server to start.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// The API's base URL (`http://127.0.0.1:<port>`, no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> &Path {
        self.launch.data_dir.path()
    }

    /// The PostgreSQL database the server keeps its metadata in, when it
    /// was started with [`TestServerBuilder::postgres`].
    pub fn database_url(&self) -> Option<&str> {
        self.launch.database.as_ref().map(PostgresDatabase::url)
    }

    /// What the server printed on its standard output before its address
    /// (the first start's administrator hint, say).
    pub fn printed_at_start(&self) -> &[String] {
        &self.printed
    }

    /// The process id, to send it signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every line the server has logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().expect("server log").clone()
    }

    /// Runs an administration command of the binary on this server's data
    /// (with the server's options and environment); its standard output.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = self
            .launch
            .command()
            .args(args)
            .output()
            .expect("administration command runs");
        assert!(
            out.status.success(),
            "shelfmark-server {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Creates an account with the password [`USER_PASSWORD`]; its user id.
    pub fn add_user(&self, email: &str) -> u64 {
        let out = self.admin(&["user", "add", "--email", email, "--password", USER_PASSWORD]);
        out.split_whitespace()
            .nth(1)
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("`user add` printed no user id: {out}"))
    }

    /// Creates an API key for a user with the given `key create` flags
    /// (`--read-only`, say); the key.
    pub fn create_key(&self, user_id: u64, flags: &[&str]) -> String {
        let id = user_id.to_string();
        let mut args = vec!["key", "create", "--user", id.as_str()];
        args.extend_from_slice(flags);
        self.admin(&args).trim().to_owned()
    }

    /// A new account with a full-access key: (user id, key).
    pub fn user(&self, email: &str) -> (u64, String) {
        self.user_with(email, &[])
    }

    /// A new account with a key made with `flags`: (user id, key).
    pub fn user_with(&self, email: &str, flags: &[&str]) -> (u64, String) {
        let id = self.add_user(email);
        (id, self.create_key(id, flags))
    }

    /// A plain API request with a key: the status and the JSON body (the
    /// body as a JSON string when it is not JSON).
    pub fn call(
        &self,
        key: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = reqwest::blocking::Client::new()
            .request(method, format!("{}{path}", self.base_url))
            .header("Zotero-API-Key", key)
            .header("Zotero-API-Version", "3");
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().expect("request to the test server");
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    /// How many requests the server has answered so far (needs
    /// [`TestServerBuilder::log_requests`]).
    pub fn request_count(&self) -> usize {
        self.finished_requests().len()
    }

    /// The log lines of the requests answered after the first `from`.
    pub fn requests_since(&self, from: usize) -> Vec<String> {
        let mut lines = self.finished_requests();
        lines.split_off(from.min(lines.len()))
    }

    fn finished_requests(&self) -> Vec<String> {
        assert!(
            self.launch.log_level == "info",
            "counting requests needs a server started with log_requests()"
        );
        // The line is logged just after the response is sent; let it arrive.
        std::thread::sleep(Duration::from_millis(150));
        let log = self.log.lock().expect("server log");
        log.iter()
            .filter(|line| line.contains(FINISHED_REQUEST))
            .cloned()
            .collect()
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same data and the same address (after
    /// [`TestServer::kill`], or killing it first), as a restarted service
    /// comes back: clients keep their URL.
    pub fn restart(&mut self) {
        self.kill();
        let listen = self.base_url.trim_start_matches("http://").to_owned();
        let mut process = self.launch.spawn(&listen, &self.log);
        let (printed, address) = process.wait_for_address();
        match address {
            Ok(base_url) => {
                self.base_url = base_url;
                self.printed = printed;
                self.child = process.keep_reading(&self.log);
            }
            Err(status) => {
                let _ = process.log_reader.join();
                let failure = StartFailure {
                    status,
                    printed,
                    log: self.log(),
                };
                panic!("restarting at {listen}: {failure}");
            }
        }
    }

    /// Waits (up to five seconds) for the process to exit by itself; its
    /// exit status.
    pub fn wait_for_exit(mut self) -> ExitStatus {
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().expect("process status") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("shelfmark-server did not exit");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let log = self.log.lock().map(|l| l.clone()).unwrap_or_default();
            let skipped = log.len().saturating_sub(LOG_TAIL);
            eprintln!(
                "--- shelfmark-server at {}: last {} of {} log lines",
                self.base_url,
                log.len() - skipped,
                log.len()
            );
            for line in &log[skipped..] {
                eprintln!("{line}");
            }
            eprintln!("---");
        }
    }
}
