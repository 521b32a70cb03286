//! The server's conformance and pyzotero suites on the scale-out backends:
//! PostgreSQL for metadata (a private throw-away instance of Debian's
//! `postgresql`, installed when missing) and S3-compatible storage for files
//! (a local `moto_server` from PyPI, in the test environment), with TLS
//! certificates made by `openssl`.

use std::path::Path;

use crate::run::{have, step_with_env};
use crate::system::apt_install;

fn postgres_installed() -> bool {
    std::fs::read_dir("/usr/lib/postgresql")
        .is_ok_and(|mut d| d.any(|e| e.is_ok_and(|e| e.path().join("bin/initdb").exists())))
}

pub fn scale_out_suites(python: &str) -> anyhow::Result<()> {
    let mut missing = Vec::new();
    if !postgres_installed() {
        missing.push("postgresql");
    }
    if !have("curl") {
        missing.push("curl");
    }
    // The throw-away instance's TLS certificates are made with it.
    if !have("openssl") {
        missing.push("openssl");
    }
    if !missing.is_empty() {
        apt_install(&missing)?;
    }
    let moto = Path::new(python)
        .with_file_name("moto_server")
        .display()
        .to_string();
    step_with_env(
        "server suites on PostgreSQL + S3 (throw-away instances)",
        "bash",
        &["server/tests/run-scale-out.sh", "--locked"],
        &[("SHELFMARK_TEST_PYTHON", python), ("MOTO_SERVER", &moto)],
    )
}
