//! `cargo xtask <task>`: the project's tasks in one place, so that a new
//! machine, a developer and CI run exactly the same steps.

mod postgres;
mod python;
mod run;
mod system;
mod test;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Shelfmark project tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build and run every test suite (installs what is missing, saying so).
    Test(test::TestArgs),
    /// Run the benchmarks (P4, P5, P6 of the targets) in a release build.
    Bench {
        /// Items in the generated library (P4, P5).
        #[arg(long, default_value_t = 100_000)]
        items: u64,
        /// RIS records in the generated import file (P6).
        #[arg(long, default_value_t = 50_000)]
        records: u64,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Test(args) => test::run_all(&args),
        Task::Bench { items, records } => {
            run::step(
                "library benchmark (P4, P5)",
                "cargo",
                &[
                    "bench",
                    "-p",
                    "shelfmark-core",
                    "--bench",
                    "library",
                    "--",
                    "--items",
                    &items.to_string(),
                ],
            )?;
            run::step(
                "import benchmark (P6)",
                "cargo",
                &[
                    "bench",
                    "-p",
                    "shelfmark-core",
                    "--bench",
                    "import",
                    "--",
                    "--records",
                    &records.to_string(),
                ],
            )
        }
    }
}
