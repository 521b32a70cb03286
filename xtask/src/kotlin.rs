//! The Kotlin suite: the generated bindings compiled by Maven and tested
//! with JUnit on this machine's JVM, against the host build of the library.

use crate::bindings::host_library;
use crate::run::{have, step};

/// Installs a JDK and Maven when missing (Debian), saying so.
fn ensure_tools() -> anyhow::Result<()> {
    let missing: Vec<&str> = [("java", "default-jdk-headless"), ("mvn", "maven")]
        .into_iter()
        .filter(|(program, _)| !have(program))
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("the Kotlin suite needs {}", missing.join(" and "));
    crate::system::apt_install(&missing)
}

/// Runs `mvn test` in bindings/kotlin (the bindings must be generated first).
pub fn test() -> anyhow::Result<()> {
    ensure_tools()?;
    let lib_dir = host_library()
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    // The sync tests start a real server process.
    step(
        "building the server for the Kotlin sync tests",
        "cargo",
        &["build", "--locked", "-p", "shelfmark-server"],
    )?;
    let server = crate::run::target_dir().join("debug/shelfmark-server");
    step(
        "Kotlin suites (JUnit on the host JVM)",
        "mvn",
        &[
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            "bindings/kotlin/pom.xml",
            &format!("-Dshelfmark.lib.dir={lib_dir}"),
            &format!("-Dshelfmark.server.bin={}", server.display()),
            "test",
        ],
    )
}
