//! The web pages' browser suite: Playwright (Python, from PyPI) driving
//! Debian's Chromium headless against real `shelfmark-server` processes and
//! the `shelfmark` command line (server/tests/web). Chromium is installed
//! with apt-get when missing; Playwright's own browser downloads are never
//! used. It runs on SQLite, then its main flows once more on a throw-away
//! PostgreSQL instance. Screenshots of the main pages go to
//! target/screenshots/web.

use std::path::Path;

use crate::python;
use crate::run::{step, step_with_env, target_dir};
use crate::system::apt_install;

/// Debian's Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";

/// Installs what the suite needs, builds the binaries and runs it.
pub fn suite() -> anyhow::Result<()> {
    if !Path::new(CHROMIUM).exists() {
        apt_install(&["chromium"])?;
    }
    let has_playwright = std::process::Command::new(python::program("python"))
        .args(["-c", "import playwright.sync_api"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_playwright {
        step(
            "Playwright for Python (PyPI; the browser is Debian's Chromium)",
            &python::program("pip"),
            &[
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "playwright",
            ],
        )?;
    }
    step(
        "building the server and the CLI for the browser suite",
        "cargo",
        &[
            "build",
            "--locked",
            "-p",
            "shelfmark-server",
            "-p",
            "shelfmark-cli",
        ],
    )?;
    let debug = target_dir().join("debug");
    let server = debug.join("shelfmark-server").display().to_string();
    let cli = debug.join("shelfmark").display().to_string();
    let screenshots = target_dir().join("screenshots/web").display().to_string();
    let env = [
        ("SHELFMARK_SERVER_BIN", server.as_str()),
        ("SHELFMARK_BIN", cli.as_str()),
        ("CHROMIUM", CHROMIUM),
        ("SCREENSHOTS", screenshots.as_str()),
    ];
    let pytest = python::program("pytest");
    step_with_env(
        "web pages in Chromium (Playwright; SQLite)",
        &pytest,
        &["-q", "-p", "no:cacheprovider", "server/tests/web"],
        &env,
    )?;
    // Once more on PostgreSQL (installed by the scale-out suites): the
    // flows that cross the CLI, groups and roles.
    step_with_env(
        "web pages in Chromium (Playwright; PostgreSQL, throw-away instance)",
        "bash",
        &[
            "server/tests/web/run-on-postgres.sh",
            &pytest,
            "-q",
            "-p",
            "no:cacheprovider",
            "server/tests/web",
            "-k",
            "cli_synced or groups_share",
        ],
        &env,
    )
}
