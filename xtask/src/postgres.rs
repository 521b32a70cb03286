//! The server's conformance and pyzotero suites on the PostgreSQL backend,
//! against a private PostgreSQL instance (Debian's `postgresql`, installed
//! when missing).

use std::path::Path;

use crate::run::step_with_env;
use crate::system::apt_install;

fn installed() -> bool {
    Path::new("/usr/lib/postgresql").exists()
        && std::fs::read_dir("/usr/lib/postgresql")
            .is_ok_and(|mut d| d.any(|e| e.is_ok_and(|e| e.path().join("bin/initdb").exists())))
}

pub fn conformance(python: &str) -> anyhow::Result<()> {
    if !installed() {
        apt_install(&["postgresql"])?;
    }
    step_with_env(
        "server suites on PostgreSQL (a throw-away instance)",
        "bash",
        &["server/tests/run-postgres.sh", "--locked"],
        &[("SHELFMARK_TEST_PYTHON", python)],
    )
}
