//! The third-party client: pyzotero drives a real server through its public
//! methods (`tests/pyzotero/drive.py`). Needs a Python with pyzotero
//! installed, named by `SHELFMARK_TEST_PYTHON` (default `python3`). The
//! project's test command (`cargo xtask test`) sets it to an environment with
//! pyzotero from PyPI, and then a missing pyzotero fails the test; run by hand
//! with a Python without pyzotero, the test says so and does nothing else.

mod support;

use serde_json::json;
use support::{Client, Deployment, Server};

#[test]
fn pyzotero_drives_the_server() {
    let chosen = std::env::var("SHELFMARK_TEST_PYTHON").ok();
    let python = chosen.clone().unwrap_or_else(|| "python3".into());
    let has_pyzotero = std::process::Command::new(&python)
        .args(["-c", "import pyzotero"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_pyzotero || chosen.is_none(),
        "SHELFMARK_TEST_PYTHON={python} has no pyzotero"
    );
    if !has_pyzotero {
        eprintln!("skipped: {python} has no pyzotero (set SHELFMARK_TEST_PYTHON)");
        return;
    }
    let server = Server::start();
    let alice = Client::new_user(&server, "alice@example.org");
    let bob = Client::new_user(&server, "bob@example.org");
    // Alice belongs to one group (owned by Bob), so `groups()` has something to list.
    let r = bob.post("/groups", &json!({"name": "Bob's lab"}), &[]);
    let gid = r.json::<serde_json::Value>().expect("group")["id"]
        .as_u64()
        .expect("id");
    let r = bob.send(
        reqwest::Method::PUT,
        &format!("/groups/{gid}/members/{}", alice.user_id),
        Some(&json!({"role": "member", "write": true})),
        &[],
    );
    assert_eq!(r.status(), 204);
    let out = std::process::Command::new(&python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/pyzotero/drive.py"
        ))
        .arg(server.base_url())
        .arg(alice.user_id.to_string())
        .arg(alice.key.clone().expect("key"))
        .arg(bob.user_id.to_string())
        .arg(bob.key.clone().expect("key"))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "pyzotero run failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("all checks passed"));
}
