//! The API fuzz run: schemathesis (PyPI, pinned in
//! `server/tests/openapi/requirements.txt`) drives a real `shelfmark-server`
//! on SQLite, seeded with a small library and a group, through every
//! operation of `/openapi.json`, and holds each answer to the document: no
//! server error, and status, content type and body as documented.
//!
//! The fuzzer's key must survive the run, and only `DELETE /keys/current`
//! can revoke the key a request presents (`DELETE /keys/{key}` needs the
//! key's secret in the path, which the fuzzer is never given). So the main
//! pass leaves out both key deletions, and a last pass fuzzes just those two
//! with a second key of its own, which it may well revoke.
//!
//! `cargo xtask test` runs the bounded pass (a few minutes);
//! `cargo xtask fuzz-api --deep` keeps generating cases, call sequences
//! (the stateful phase) among them, for `--minutes` (30 by default).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

use crate::run::{have, step, target_dir, workspace_root};

/// How hard to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The run inside `cargo xtask test`.
    Bounded,
    /// `cargo xtask fuzz-api --deep [--minutes N]`: generation goes round
    /// every operation again and again until the time is spent.
    Deep { minutes: u64 },
}

const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";
/// Operation ids (see `operation_id` in server/src/api/openapi.rs) that revoke keys.
const KEY_DELETIONS: [&str; 2] = ["delete-keys-current", "delete-keys-key"];

fn env_dir() -> PathBuf {
    target_dir().join("schemathesis-env")
}

fn program(name: &str) -> String {
    env_dir().join("bin").join(name).display().to_string()
}

/// Creates the environment and installs the pinned schemathesis.
fn ensure_env() -> anyhow::Result<()> {
    let python = if have("python3") { "python3" } else { "python" };
    if !have(python) {
        crate::system::apt_install(&["python3", "python3-venv", "python3-pip"])?;
    }
    if !env_dir().join("bin/pip").exists() {
        let dir = env_dir().display().to_string();
        if step("schemathesis environment", python, &["-m", "venv", &dir]).is_err() {
            crate::system::apt_install(&["python3-venv"])?;
            step("schemathesis environment", python, &["-m", "venv", &dir])?;
        }
    }
    let requirements = workspace_root().join("server/tests/openapi/requirements.txt");
    step(
        "schemathesis (PyPI)",
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

/// The server process; stopped when dropped.
struct Server {
    child: Child,
    base_url: String,
    binary: PathBuf,
    data_dir: PathBuf,
}

impl Server {
    fn start(binary: &Path, data_dir: &Path) -> anyhow::Result<Self> {
        let log = std::fs::File::create(data_dir.join("server.log"))?;
        let mut child = Command::new(binary)
            .arg("--data-dir")
            .arg(data_dir)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                // The fuzzer sends thousands of requests from one address,
                // many with wrong keys: the limits would leave most
                // operations answering 429 and untested.
                "--key-rate",
                "1000000",
                "--key-burst",
                "1000000",
                "--auth-failures",
                "1000000",
            ])
            .env("SHELFMARK_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut reader = BufReader::new(child.stdout.take().context("server stdout")?);
        let mut line = String::new();
        let mut base_url = None;
        while reader.read_line(&mut line)? > 0 {
            if let Some(url) = line.trim().strip_prefix("shelfmark-server listening on ") {
                base_url = Some(url.to_owned());
                break;
            }
            line.clear();
        }
        // Keep reading so that the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        let Some(base_url) = base_url else {
            let _ = child.kill();
            bail!(
                "the server did not start; see {}/server.log",
                data_dir.display()
            );
        };
        Ok(Self {
            child,
            base_url,
            binary: binary.to_owned(),
            data_dir: data_dir.to_owned(),
        })
    }

    /// Runs an administration command on the server's data; its output.
    fn admin(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(&self.binary)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .env("SHELFMARK_LOG", "warn")
            .output()?;
        if !out.status.success() {
            bail!(
                "shelfmark-server {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The seed of the bounded run inside `cargo xtask test`.
pub const CI_SEED: u64 = 20_261_207;

/// One schemathesis pass; fails when it finds a mismatch.
fn schemathesis(
    name: &str,
    server: &Server,
    config: &Path,
    key: &str,
    selection: &[String],
    depth: Depth,
    seed: Option<u64>,
) -> anyhow::Result<()> {
    let (examples, phases, mode) = match depth {
        Depth::Bounded => ("10", "examples,coverage,fuzzing", "all"),
        Depth::Deep { .. } => ("100", "examples,coverage,fuzzing,stateful", "all"),
    };
    let schema = format!("{}/openapi.json", server.base_url);
    let header = format!("Zotero-API-Key: {key}");
    let mut args: Vec<String> = vec![
        "--config-file".into(),
        config.display().to_string(),
        "run".into(),
        schema,
        "--header".into(),
        header,
        "--checks".into(),
        CHECKS.into(),
        "--max-examples".into(),
        examples.into(),
        "--phases".into(),
        phases.into(),
        "--mode".into(),
        mode.into(),
        // Hypothesis's checks of its own data generation (speed, rejected
        // samples) say nothing about the server, and on a slow machine they
        // would fail a run that found no mismatch.
        "--suppress-health-check".into(),
        "all".into(),
        "--request-timeout".into(),
        "30".into(),
        "--output-truncate".into(),
        "false".into(),
    ];
    args.extend(selection.iter().cloned());
    if let Depth::Deep { minutes } = depth {
        args.extend(["--max-time".into(), (minutes.max(1) * 60).to_string()]);
    }
    if let Some(seed) = seed {
        args.extend(["--seed".into(), seed.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // The key stays out of the echoed command line.
    eprintln!("\n==> {name}: schemathesis {CHECKS} ({phases}, {examples} cases per operation)");
    let started = std::time::Instant::now();
    let status = Command::new(program("schemathesis"))
        .args(&args)
        .current_dir(&server.data_dir)
        .status()
        .context("starting schemathesis")?;
    if !status.success() {
        bail!(
            "step failed: {name} ({status}); the server's log is {}/server.log",
            server.data_dir.display()
        );
    }
    eprintln!("<== {name}: ok in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Builds the server, starts it on a fresh SQLite data directory, seeds it
/// and fuzzes every operation against `/openapi.json`.
pub fn run(depth: Depth, seed: Option<u64>) -> anyhow::Result<()> {
    ensure_env()?;
    step(
        "building the server for the API fuzz run",
        "cargo",
        &["build", "--locked", "-p", "shelfmark-server"],
    )?;
    let data_dir = target_dir().join("api-fuzz");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)?;
    }
    std::fs::create_dir_all(&data_dir)?;
    let binary = target_dir().join("debug/shelfmark-server");
    let server = Server::start(&binary, &data_dir)?;
    eprintln!(
        "API fuzz run: server at {} (data in {})",
        server.base_url,
        data_dir.display()
    );

    let user = server.admin(&[
        "user",
        "add",
        "--email",
        "fuzzer@example.org",
        "--password",
        "fuzzer password",
    ])?;
    let user_id = user
        .split_whitespace()
        .nth(1)
        .context("`user add` printed no id")?
        .to_owned();
    let fuzzer_key = server.admin(&["key", "create", "--user", &user_id])?;
    let expendable_key = server.admin(&["key", "create", "--user", &user_id])?;

    let seed_script = workspace_root().join("server/tests/openapi/seed.py");
    let seeded = Command::new(program("python"))
        .arg(&seed_script)
        .args([&server.base_url, &fuzzer_key, &user_id])
        .output()?;
    if !seeded.status.success() {
        bail!(
            "seeding the server failed: {}",
            String::from_utf8_lossy(&seeded.stderr)
        );
    }
    let seeded = String::from_utf8_lossy(&seeded.stdout);
    let group_id: String = seeded
        .split("\"groupID\":")
        .nth(1)
        .map(|rest| rest.chars().filter(char::is_ascii_digit).collect())
        .filter(|id: &String| !id.is_empty())
        .with_context(|| format!("the seed printed no group id: {seeded}"))?;

    // Library paths name the seeded user and group: other ids only get 403.
    let config = data_dir.join("schemathesis.toml");
    std::fs::write(
        &config,
        format!("[parameters]\n\"path.userID\" = {user_id}\n\"path.groupID\" = {group_id}\n"),
    )?;

    let mut without_key_deletions = Vec::new();
    let mut only_key_deletions = Vec::new();
    for id in KEY_DELETIONS {
        without_key_deletions.extend(["--exclude-operation-id".to_owned(), id.to_owned()]);
        only_key_deletions.extend(["--include-operation-id".to_owned(), id.to_owned()]);
    }
    schemathesis(
        "API fuzz run: every operation but key deletions",
        &server,
        &config,
        &fuzzer_key,
        &without_key_deletions,
        depth,
        seed,
    )?;
    schemathesis(
        "API fuzz run: key deletions, with a key of their own",
        &server,
        &config,
        &expendable_key,
        &only_key_deletions,
        // Two operations: the bounded pass reaches what there is to reach.
        Depth::Bounded,
        seed,
    )
}
