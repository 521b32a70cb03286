//! Several server processes on one PostgreSQL database, started at the same
//! moment on a fresh database: every one serves (one of them makes the
//! administrator), the first-start hint names the database, and request ids
//! differ between processes. Needs `SHELFMARK_TEST_DATABASE_URL` (set by
//! `run-scale-out.sh`); without it the test says so and does nothing else.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A server process started on `database_url`, and what it printed up to
/// the line with its address.
struct Started {
    child: Child,
    printed: Vec<String>,
    base_url: Option<String>,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_shelfmark-server")
}

fn spawn(data_dir: &std::path::Path, database_url: &str) -> Child {
    Command::new(binary())
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0", "--database-url", database_url])
        .env("SHELFMARK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server starts")
}

/// Reads the process's output up to its address (or its exit).
fn started(mut child: Child) -> Started {
    let stdout = child.stdout.take().expect("stdout piped");
    let mut reader = BufReader::new(stdout);
    let mut printed = Vec::new();
    let mut base_url = None;
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        let text = line.trim().to_owned();
        line.clear();
        if let Some(url) = text.strip_prefix("shelfmark-server listening on ") {
            base_url = Some(url.to_owned());
            printed.push(text);
            break;
        }
        printed.push(text);
    }
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    Started {
        child,
        printed,
        base_url,
    }
}

fn stderr_of(started: &mut Started) -> String {
    let _ = started.child.kill();
    let mut text = String::new();
    if let Some(mut err) = started.child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut err, &mut text);
    }
    text
}

#[test]
fn processes_started_together_on_a_fresh_database_all_serve() {
    let Some(admin_url) = std::env::var("SHELFMARK_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SHELFMARK_TEST_DATABASE_URL is not set: no PostgreSQL to start processes on");
        return;
    };
    let http = reqwest::blocking::Client::new();
    for attempt in 0..3 {
        let (database_url, name) = support::fresh_database(&admin_url);
        let dirs: Vec<tempfile::TempDir> = (0..2)
            .map(|_| tempfile::tempdir().expect("data directory"))
            .collect();
        // Both spawned before either is read: they start at the same moment.
        let children: Vec<Child> = dirs
            .iter()
            .map(|d| spawn(d.path(), &database_url))
            .collect();
        let mut servers: Vec<Started> = children.into_iter().map(started).collect();
        for server in &mut servers {
            if server.base_url.is_none() {
                let stderr = stderr_of(server);
                panic!(
                    "attempt {attempt}: a process did not start: {:?}\n{stderr}",
                    server.printed
                );
            }
        }
        let creators: Vec<&Started> = servers
            .iter()
            .filter(|s| {
                s.printed
                    .iter()
                    .any(|l| l.starts_with("Created the administrator"))
            })
            .collect();
        assert_eq!(
            creators.len(),
            1,
            "attempt {attempt}: one process makes the administrator"
        );
        // The hint names this database, and works as printed.
        let hint = creators[0]
            .printed
            .iter()
            .find_map(|l| l.strip_prefix("shelfmark-server "))
            .expect("the key command is printed");
        assert!(
            hint.contains(&format!("--database-url {database_url}")),
            "{hint}"
        );
        let out = Command::new(binary())
            .args(hint.split_whitespace())
            .output()
            .expect("the hint runs");
        assert!(
            out.status.success(),
            "{hint}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let key = String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned();
        // Both serve the same accounts, with request ids of their own.
        let mut ids = Vec::new();
        for server in &servers {
            let base = server.base_url.as_deref().expect("started");
            let r = http
                .get(format!("{base}/keys/current"))
                .header("Zotero-API-Key", &key)
                .send()
                .expect("GET");
            assert_eq!(r.status(), 200);
            ids.push(
                r.headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .expect("x-request-id")
                    .to_owned(),
            );
        }
        assert_ne!(ids[0], ids[1], "request ids differ between processes");
        drop(servers);
        let _ = Command::new("psql")
            .arg(&admin_url)
            .args([
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ])
            .status();
    }
}
