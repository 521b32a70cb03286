//! The Python suites: a virtual environment under target/ with the
//! third-party parsers and clients from PyPI, installed when missing.

use std::path::PathBuf;

use anyhow::bail;

use crate::run::{have, step, target_dir, workspace_root};

fn env_dir() -> PathBuf {
    target_dir().join("python-env")
}

/// The environment's `bin/` program path.
pub fn program(name: &str) -> String {
    env_dir().join("bin").join(name).display().to_string()
}

/// Creates the environment and installs `tests/python/requirements.txt`.
pub fn ensure_env() -> anyhow::Result<()> {
    let python = if have("python3") { "python3" } else { "python" };
    if !have(python) {
        crate::system::apt_install(&["python3", "python3-venv", "python3-pip"])?;
    }
    if !env_dir().join("bin/pip").exists() {
        let dir = env_dir().display().to_string();
        if step("Python environment", python, &["-m", "venv", &dir]).is_err() {
            crate::system::apt_install(&["python3-venv"])?;
            step("Python environment", python, &["-m", "venv", &dir])?;
        }
    }
    let requirements = workspace_root().join("tests/python/requirements.txt");
    step(
        "Python test dependencies (PyPI)",
        &program("pip"),
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            &requirements.display().to_string(),
        ],
    )
}

/// Runs pytest over `tests/python` with `extra_env` set.
pub fn pytest(extra_env: &[(&str, String)]) -> anyhow::Result<()> {
    let mut cmd = std::process::Command::new(program("pytest"));
    cmd.args(["-q", "-rs", "tests/python"])
        .current_dir(workspace_root());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    eprintln!("\n==> Python suites: pytest -q tests/python");
    let status = cmd.status()?;
    if !status.success() {
        bail!("step failed: Python suites ({status})");
    }
    eprintln!("<== Python suites: ok");
    Ok(())
}
