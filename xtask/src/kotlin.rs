//! The Kotlin suite: the generated bindings compiled by Maven and tested
//! with JUnit on this machine's JVM, against the host build of the library.

use std::process::Command;

use anyhow::{Context, ensure};

use crate::bindings::host_library;
use crate::run::{have, step, target_dir, workspace_root};

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
    check_defaults_and_missing_builds()?;
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

/// `mvn test` run by hand in bindings/kotlin finds the workspace's
/// target/debug build without any property, and a missing build fails
/// before compiling with a message that says what to build.
fn check_defaults_and_missing_builds() -> anyhow::Result<()> {
    eprintln!("\n==> Kotlin build: the host build is found by default, a missing one is named");
    let validate = |properties: &[&str]| -> anyhow::Result<(bool, String)> {
        let out = Command::new("mvn")
            .args([
                "-q",
                "-B",
                "-Dstyle.color=never",
                "-f",
                "bindings/kotlin/pom.xml",
            ])
            .args(properties)
            .arg("validate")
            .current_dir(workspace_root())
            .output()
            .context("could not start mvn")?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok((out.status.success(), text))
    };
    // The pom's defaults name the workspace's own target folder.
    if target_dir() == workspace_root().join("target") {
        let (ok, text) = validate(&[])?;
        ensure!(ok, "mvn validate without properties failed:\n{text}");
    }
    for (property, names) in [
        (
            "-Dshelfmark.server.bin=/nonexistent/shelfmark-server",
            "cargo build -p shelfmark-server",
        ),
        ("-Dshelfmark.lib.dir=/nonexistent", "cargo xtask bindings"),
    ] {
        let (ok, text) = validate(&[property])?;
        ensure!(
            !ok && text.contains(names),
            "mvn validate {property} should fail naming `{names}`:\n{text}"
        );
    }
    eprintln!("<== Kotlin build: ok");
    Ok(())
}
