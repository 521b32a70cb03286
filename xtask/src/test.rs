//! The full test run: formatting, lints, and every suite.

use clap::Args;

use crate::run::step;

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
    step("Rust suites", "cargo", &["test", "--workspace", "--locked"])?;
    eprintln!("\nall suites passed");
    Ok(())
}
