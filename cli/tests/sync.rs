//! The sync commands, run against the real `shelfmark` binary and a real
//! `shelfmark-server` process on loopback.

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use shelfmark_test_support::{TestServer, USER_PASSWORD};

struct Shelf {
    dir: tempfile::TempDir,
}

impl Shelf {
    fn new() -> Self {
        let shelf = Self {
            dir: tempfile::tempdir().expect("dir"),
        };
        shelf.ok(&["init"], None);
        shelf
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shelfmark"))
            .args(args)
            .env("SHELFMARK_LIBRARY", self.dir.path().join("lib.shelfmark"))
            .env(
                "SHELFMARK_CREDENTIALS_FILE",
                self.dir.path().join("credentials"),
            )
            .env_remove("SHELFMARK_API_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run shelfmark");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write stdin");
        }
        drop(child.stdin.take());
        child.wait_with_output().expect("output")
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "shelfmark {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all, None)).expect("JSON")
    }
}

#[test]
fn sync_conflicts_and_resolution_from_the_command_line() {
    let server = TestServer::start();
    let key = server.user("cli@example.org").1;
    let a = Shelf::new();
    let b = Shelf::new();
    let item = a
        .ok(&["add", "book", "title=Walden", "date=1854"], None)
        .trim()
        .to_owned();

    let first = a.ok(
        &["sync", "--server", server.base_url(), "--key-stdin"],
        Some(&key),
    );
    assert!(first.contains("uploaded 1 item(s)"), "{first}");
    // The key is kept in the credentials file (mode 0600), never in the library.
    let creds = std::fs::read_to_string(a.dir.path().join("credentials")).expect("credentials");
    assert!(creds.contains(&key));
    let library = std::fs::read(a.dir.path().join("lib.shelfmark")).expect("library");
    assert!(!library.windows(key.len()).any(|w| w == key.as_bytes()));

    b.ok(
        &["sync", "--server", server.base_url(), "--key-stdin"],
        Some(&key),
    );
    a.ok(
        &["edit", &item, "title=Walden; or, Life in the Woods"],
        None,
    );
    b.ok(&["edit", &item, "title=Walden (1854)"], None);
    a.ok(&["sync"], None);
    let report = b.json(&["sync"]);
    assert_eq!(report["libraries"][0]["outcome"], "conflicts");
    // The "Sync Conflicts" list shows the item like a collection would.
    let listed = b.json(&["list", "--conflicts"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["key"], item.as_str());
    let plain = b.ok(&["list", "--conflicts"], None);
    assert!(plain.contains("Walden (1854)"), "{plain}");

    let conflicts = b.json(&["conflicts"]);
    assert_eq!(conflicts[0]["key"], item.as_str());
    assert_eq!(
        conflicts[0]["fields"][0]["remote"],
        "Walden; or, Life in the Woods"
    );
    b.ok(
        &["resolve", &item, "title=Walden, or Life in the Woods"],
        None,
    );
    assert_eq!(b.json(&["conflicts"]).as_array().map(Vec::len), Some(0));
    assert_eq!(
        b.json(&["list", "--conflicts"]).as_array().map(Vec::len),
        Some(0)
    );
    b.ok(&["sync"], None);
    a.ok(&["sync"], None);
    let shown = a.json(&["show", &item]);
    assert_eq!(shown["data"]["title"], "Walden, or Life in the Woods");

    let history = b.json(&["conflict-history"]);
    assert_eq!(history[0]["chosen"], "fields");
    let id = history[0]["id"].as_i64().expect("id").to_string();
    b.ok(&["conflict-history", "--restore", &id], None);
    assert_eq!(b.json(&["show", &item])["data"]["title"], "Walden (1854)");

    let status = a.json(&["sync", "status"]);
    assert_eq!(status[0]["binding"]["server_url"], server.base_url());
    assert_eq!(status[0]["unsynced"], 0);
    // No automatic sync ever ran on this file: no stream followed.
    assert_eq!(
        status[0]["live_updates"],
        serde_json::json!({"state": "off", "url": null, "since": null})
    );
    let log = a.ok(&["sync", "log"], None);
    assert!(log.contains("library 1  ok"), "{log}");

    // Another account is refused until the library is relinked.
    let other = server.user("other@example.org").1;
    let refused = a.run(&["sync", "--key-stdin"], Some(&other));
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("relink"));
    a.ok(&["sync", "relink"], None);
    a.ok(
        &["sync", "--server", server.base_url(), "--key-stdin"],
        Some(&other),
    );
}

#[test]
fn reset_sync_asks_for_confirmation_and_writes_a_backup() {
    let server = TestServer::start();
    let key = server.user("reset@example.org").1;
    let a = Shelf::new();
    a.ok(&["add", "book", "title=Kept online"], None);
    a.ok(
        &["sync", "--server", server.base_url(), "--key-stdin"],
        Some(&key),
    );
    let local = a
        .ok(&["add", "book", "title=Only here"], None)
        .trim()
        .to_owned();

    let refused = a.run(&["reset-sync", "--mode", "download"], None);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("--yes"), "{message}");
    assert!(
        !a.json(&["show", &local])["data"]["deleted"]
            .as_bool()
            .unwrap_or(false)
    );

    let out = a.ok(&["reset-sync", "--mode", "download", "--yes"], None);
    let backup = out
        .lines()
        .find_map(|l| l.strip_prefix("backup written to "))
        .expect("backup path printed");
    assert!(std::path::Path::new(backup).exists(), "{out}");
    let deleted = a.json(&["show", &local])["data"]["deleted"].clone();
    assert!(deleted == 1 || deleted == true, "in the trash: {deleted}");
    let listed = a.json(&["list"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
}

/// R2 on the client side: `shelfmark sync`, and every other time
/// `shelfmark sync --auto` (following the server's stream), killed
/// (SIGKILL) at random moments, with 40 new items to upload before each
/// run; the next sync converges with no duplicates and the library file
/// passes SQLite's integrity check. Four kills, or the 50 of target R2 with
/// `SHELFMARK_LONG_TESTS=1`.
#[test]
fn a_sync_process_killed_part_way_leaves_a_library_that_syncs_on() {
    let server = TestServer::start();
    let key = server.user("kill@example.org").1;
    let a = Shelf::new();
    let import = |first: usize, count: usize| {
        let ris: String = (first..first + count)
            .map(|n| {
                format!(
                    "TY  - JOUR\nTI  - Killed sync paper {n}\nAU  - Ames, A\nPY  - 2001\nER  - \n\n"
                )
            })
            .collect();
        let file = a.dir.path().join(format!("many-{first}.ris"));
        std::fs::write(&file, ris).expect("write RIS");
        a.ok(&["import", file.to_str().expect("path")], None);
    };
    let mut count = 300;
    import(0, count);
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(7);
    eprintln!("client kill seed {seed}");
    let long = std::env::var("SHELFMARK_LONG_TESTS").is_ok_and(|v| v == "1");
    let kills = if long { 50 } else { 4 };
    let mut first = true;
    for kill in 0..kills {
        // Every run has uploads to make, so the kill lands in a sync.
        if kill > 0 {
            import(count, 40);
            count += 40;
        }
        let mut args = vec!["sync"];
        if kill % 2 == 1 {
            args.extend(["--auto", "--interval", "3600"]);
        }
        if first {
            args.extend(["--server", server.base_url(), "--key-stdin"]);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_shelfmark"))
            .args(&args)
            .env("SHELFMARK_LIBRARY", a.dir.path().join("lib.shelfmark"))
            .env(
                "SHELFMARK_CREDENTIALS_FILE",
                a.dir.path().join("credentials"),
            )
            .env_remove("SHELFMARK_API_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run shelfmark");
        if let Some(mut stdin) = child.stdin.take()
            && first
        {
            stdin.write_all(key.as_bytes()).expect("key");
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(std::time::Duration::from_millis(150 + seed % 700));
        let _ = child.kill();
        let _ = child.wait();
        // Once bound, later runs use the kept key.
        if std::fs::read_to_string(a.dir.path().join("credentials")).is_ok_and(|c| c.contains(&key))
        {
            first = false;
        }
    }
    if first {
        a.ok(
            &["sync", "--server", server.base_url(), "--key-stdin"],
            Some(&key),
        );
    }
    a.ok(&["sync"], None);
    let b = Shelf::new();
    b.ok(
        &["sync", "--server", server.base_url(), "--key-stdin"],
        Some(&key),
    );
    let listed = b.json(&["list", "--limit", "100000"]);
    let titles: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|i| i["title"].as_str())
        .collect();
    let unique: std::collections::BTreeSet<&&str> = titles.iter().collect();
    assert_eq!(titles.len(), count, "every item once online");
    assert_eq!(unique.len(), count, "no duplicates");
    let conn = rusqlite::Connection::open(a.dir.path().join("lib.shelfmark")).expect("open");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
}

#[test]
fn sync_auto_runs_until_interrupted_then_syncs_once_more() {
    let server = TestServer::start();
    let key = server.user("auto@example.org").1;
    let a = Shelf::new();
    a.ok(
        &["sync", "--server", server.base_url(), "--key-stdin"],
        Some(&key),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_shelfmark"))
        .args(["sync", "--auto", "--interval", "1"])
        .env("SHELFMARK_LIBRARY", a.dir.path().join("lib.shelfmark"))
        .env(
            "SHELFMARK_CREDENTIALS_FILE",
            a.dir.path().join("credentials"),
        )
        .env_remove("SHELFMARK_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run shelfmark sync --auto");
    // Written by another process while it runs: picked up on the interval.
    let item = a
        .ok(&["add", "book", "title=Synced in the background"], None)
        .trim()
        .to_owned();
    let b = Shelf::new();
    let start = std::time::Instant::now();
    b.ok(
        &["sync", "--server", server.base_url(), "--key-stdin"],
        Some(&key),
    );
    while b.run(&["show", &item], None).status.code() != Some(0) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "the item never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
        b.ok(&["sync"], None);
    }
    // The running automatic sync follows the server's stream; `sync status`
    // says so in JSON as in text.
    let live = loop {
        let live = a.json(&["sync", "status"])[0]["live_updates"].clone();
        if live["state"] == "connected" {
            break live;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "live updates never connected: {live}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let url = live["url"].as_str().expect("stream URL");
    assert!(
        url.starts_with("ws://") && url.ends_with("/stream"),
        "{live}"
    );
    let since = live["since"].as_str().expect("since");
    let text = a.ok(&["sync", "status"], None);
    assert!(
        text.contains(&format!("live updates: connected to {url} since {since}")),
        "{text}"
    );
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let status = child.wait().expect("auto sync exits");
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read stdout");
    assert!(status.success(), "{out}");
    assert!(out.contains("synced"), "{out}");
    let live = a.json(&["sync", "status"])[0]["live_updates"].clone();
    assert_eq!(live["state"], "off", "{live}");
}

#[test]
fn attachment_files_from_the_command_line() {
    let server = TestServer::start();
    let key = server.user("files-cli@example.org").1;
    let a = Shelf::new();
    let b = Shelf::new();
    let item = a
        .ok(&["add", "book", "title=Leviathan", "date=1651"], None)
        .trim()
        .to_owned();
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend((0..50_000u32).map(|i| (i % 251) as u8));
    let source = a.dir.path().join("Leviathan.pdf");
    std::fs::write(&source, &pdf).expect("source file");

    let attached = a.json(&["attach", &item, source.to_str().expect("utf-8 path")]);
    let att = attached[0]["key"].as_str().expect("key").to_owned();
    assert_eq!(attached[0]["contentType"], "application/pdf");
    assert_eq!(attached[0]["title"], "Leviathan");
    let status = a.json(&["files", "status", &item]);
    assert_eq!(status[0]["status"]["state"], "upload-pending");

    let synced = a.ok(
        &["sync", "--server", server.base_url(), "--key-stdin"],
        Some(&key),
    );
    assert!(synced.contains("uploaded 1 file(s)"), "{synced}");

    b.ok(
        &["sync", "--server", server.base_url(), "--key-stdin"],
        Some(&key),
    );
    let status = b.json(&["files", "status", "--all"]);
    assert_eq!(status[0]["status"]["state"], "not-downloaded");
    let downloaded = b.ok(&["files", "download", &att], None);
    assert!(downloaded.contains("downloaded 1 file(s)"), "{downloaded}");
    let path = b.ok(&["files", "open", &att], None);
    assert_eq!(std::fs::read(path.trim()).expect("downloaded file"), pdf);

    // A budget smaller than the file evicts it; the item stays.
    let budget = b.json(&["files", "budget", "10kB"]);
    assert_eq!(budget["evicted"]["files"], 1);
    let status = b.json(&["files", "status", &att]);
    assert_eq!(status[0]["status"]["state"], "not-downloaded");
    b.ok(&["files", "budget", "none"], None);

    // Everything at sync time.
    let policy = b.json(&["files", "policy", "all"]);
    assert_eq!(policy["download"], "all");
    let synced = b.ok(&["sync"], None);
    assert!(synced.contains("downloaded 1 file(s)"), "{synced}");
    let evicted = b.json(&["files", "evict", "--all"]);
    assert_eq!(evicted["files"], 1);
    b.ok(&["show", &item], None);
}

#[test]
fn signing_in_with_email_and_password_and_signing_out() {
    let server = TestServer::start();
    server.user("ines@example.org");
    let shelf = Shelf::new();
    shelf.ok(&["add", "book", "title=Middlemarch"], None);

    // A wrong password changes nothing and says so.
    let wrong = shelf.run(
        &[
            "sync",
            "--server",
            server.base_url(),
            "--email",
            "ines@example.org",
            "--password-stdin",
        ],
        Some("wrong word\n"),
    );
    assert!(!wrong.status.success());
    let said = String::from_utf8_lossy(&wrong.stderr);
    assert!(said.contains("Wrong e-mail address or password"), "{said}");
    assert!(!shelf.dir.path().join("credentials").exists());

    // The right one: the server makes a key for this computer, kept as any key.
    let out = shelf.run(
        &[
            "sync",
            "--server",
            server.base_url(),
            "--email",
            "ines@example.org",
            "--password-stdin",
            "--device-name",
            "Ines's laptop",
        ],
        Some(&format!("{USER_PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("uploaded 1 item(s)"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("signed in as ines"));
    let keys = server.admin(&["key", "list", "--user", "ines@example.org"]);
    assert!(keys.contains("Ines's laptop"), "{keys}");
    shelf.ok(&["sync"], None);

    // Signing out revokes that key on the server; the library keeps everything.
    let signed_out = shelf.ok(&["sync", "sign-out"], None);
    assert!(
        signed_out.contains("key of this computer is revoked"),
        "{signed_out}"
    );
    let keys = server.admin(&["key", "list", "--user", "ines@example.org"]);
    assert!(!keys.contains("Ines's laptop"), "{keys}");
    let listed = shelf.ok(&["list"], None);
    assert!(listed.contains("Middlemarch"), "{listed}");
    let again = shelf.run(&["sync"], None);
    assert!(!again.status.success(), "no account to sync with any more");
}
