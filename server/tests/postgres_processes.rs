//! Several server processes on one PostgreSQL database, started at the same
//! moment on a fresh database: every one serves (one of them makes the
//! administrator), the first-start hint names the database, and request ids
//! differ between processes. Needs `SHELFMARK_TEST_DATABASE_URL` (set by
//! `run-scale-out.sh`); without it the test says so and does nothing else.

use std::process::Command;

use shelfmark_test_support::{TestServer, fresh_postgres_database};

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_shelfmark-server")
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
        let database = fresh_postgres_database(&admin_url);
        let database_url = database.url().to_owned();
        // Both spawned before either is read: they start at the same moment.
        let starting: Vec<_> = (0..2)
            .map(|_| {
                TestServer::builder()
                    .binary(binary())
                    .args(&["--database-url", &database_url])
                    .spawn()
            })
            .collect();
        let servers: Vec<TestServer> = starting
            .into_iter()
            .map(|s| {
                s.ready()
                    .unwrap_or_else(|failure| panic!("attempt {attempt}: {failure}"))
            })
            .collect();
        let creators: Vec<&TestServer> = servers
            .iter()
            .filter(|s| {
                s.printed_at_start()
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
            .printed_at_start()
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
            let base = server.base_url();
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
        // The servers stop before their database is dropped.
        drop(servers);
        drop(database);
    }
}
