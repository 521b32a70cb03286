//! The client zotero.org's web library is built on: zotero-api-client (npm)
//! drives a real server through the tag requests of the web library's tag
//! pane (`tests/zotero-api-client/drive.mjs`). Needs Node.js and a
//! `node_modules` folder holding zotero-api-client, named by
//! `SHELFMARK_TEST_NODE_MODULES`; the project's test command
//! (`cargo xtask test`) installs it there from npm and sets the variable.
//! Without it the test says so and does nothing else.

mod support;

use support::{Client, Deployment, Server};

#[test]
fn zotero_api_client_reads_tags() {
    let Some(modules) = std::env::var("SHELFMARK_TEST_NODE_MODULES")
        .ok()
        .filter(|m| !m.is_empty())
    else {
        eprintln!(
            "skipped: SHELFMARK_TEST_NODE_MODULES names no node_modules with zotero-api-client"
        );
        return;
    };
    let server = Server::start();
    let user = Client::new_user(&server, "web-library@example.org");
    let out = std::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/zotero-api-client/drive.mjs"
        ))
        .arg(&modules)
        .arg(server.base_url())
        .arg(user.user_id.to_string())
        .arg(user.key.clone().expect("key"))
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "zotero-api-client run failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("all checks passed"));
}
