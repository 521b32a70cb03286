//! Running a step: print what runs, run it, fail loudly with its name.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

/// Runs `program args…` from the workspace root, echoing it first.
pub fn step(name: &str, program: &str, args: &[&str]) -> anyhow::Result<()> {
    step_with_env(name, program, args, &[])
}

/// [`step`] with extra environment variables, which are echoed too.
pub fn step_with_env(
    name: &str,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> anyhow::Result<()> {
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    eprintln!(
        "\n==> {name}: {}{program} {}",
        shown.concat(),
        args.join(" ")
    );
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(workspace_root())
        .status()
        .with_context(|| format!("could not start {program}"))?;
    if !status.success() {
        bail!("step failed: {name} ({status})");
    }
    eprintln!("<== {name}: ok in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Whether `program` can be found on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| ".".into())
}

/// Cargo's target folder (honouring `CARGO_TARGET_DIR`).
pub fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}
