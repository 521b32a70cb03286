//! The full test run: formatting, lints, and every suite.

use clap::Args;

use crate::run::{step, step_with_env, target_dir};
use crate::{android, api_fuzz, bindings, browser, kotlin, node_clients, postgres, python};

#[derive(Args)]
pub struct TestArgs {
    /// Skip the formatting and lint checks (for a quick local run).
    #[arg(long)]
    pub no_lint: bool,
}

pub fn run_all(args: &TestArgs) -> anyhow::Result<()> {
    if !args.no_lint {
        step("formatting", "cargo", &["fmt", "--all", "--check"])?;
        step(
            "lints",
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ],
        )?;
    }
    // The Python environment comes first: the server's suite drives the
    // server with pyzotero from it.
    python::ensure_env()?;
    let python = python::program("python");
    let node_modules = node_clients::ensure_modules()?.display().to_string();
    step_with_env(
        "Rust suites (SQLite backend; pyzotero and zotero-api-client against a real server)",
        "cargo",
        &["test", "--workspace", "--locked"],
        &[
            ("SHELFMARK_TEST_PYTHON", python.as_str()),
            ("SHELFMARK_TEST_NODE_MODULES", node_modules.as_str()),
        ],
    )?;
    postgres::scale_out_suites(&python)?;
    // A fixed seed: the same tree always gets the same verdict and a
    // failure replays exactly; `cargo xtask fuzz-api --deep` explores.
    api_fuzz::run(api_fuzz::Depth::Bounded, Some(api_fuzz::CI_SEED))?;
    // The mobile bindings: generated from the host library (the committed
    // Swift must match), then the Kotlin suite on the JVM.
    bindings::generate(true)?;
    kotlin::test()?;
    // The Android app's screens on the JVM, and the Android-only Rust code type-checked.
    android::test()?;
    android::check_android_target()?;
    step(
        "building the CLI for the Python suites",
        "cargo",
        &["build", "--locked", "-p", "shelfmark-cli"],
    )?;
    let shelfmark = target_dir().join("debug/shelfmark");
    python::pytest(&[
        ("SHELFMARK_BIN", shelfmark.display().to_string()),
        (
            "SHELFMARK_FFI_PYTHON",
            bindings::python_dir().display().to_string(),
        ),
    ])?;
    browser::suite()?;
    eprintln!("\nall suites passed");
    Ok(())
}
