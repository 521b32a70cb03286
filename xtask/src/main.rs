//! `cargo xtask <task>`: the project's tasks in one place, so that a new
//! machine, a developer and CI run exactly the same steps.

mod android;
mod api_fuzz;
mod bindings;
mod browser;
mod kotlin;
mod mobile;
mod node_clients;
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
    /// Build the FFI library for this machine and generate the Swift, Kotlin
    /// and Python bindings from it.
    Bindings {
        /// Compare the committed Swift bindings instead of rewriting them
        /// (fails when they are out of date).
        #[arg(long)]
        check: bool,
    },
    /// Build ShelfmarkFFI.xcframework (zipped, with its SwiftPM checksum); needs macOS and Xcode.
    BuildIos,
    /// Build shelfmark.aar for arm64-v8a, armeabi-v7a and x86_64; needs the Android NDK.
    BuildAndroid,
    /// Run the benchmarks (P4, P5, P6, P8 of the targets) in a release build;
    /// `--sync` runs the sync benchmark (P1, P2, P3) instead.
    Bench {
        /// Items in the generated library (P4, P5).
        #[arg(long, default_value_t = 100_000)]
        items: u64,
        /// RIS records in the generated import file (P6).
        #[arg(long, default_value_t = 50_000)]
        records: u64,
        /// Size of the downloaded attachment in MB (P8).
        #[arg(long, default_value_t = 50)]
        file_mb: u64,
        /// Run the sync benchmark (P1–P3) against a real server instead.
        #[arg(long)]
        sync: bool,
        /// References on the server for the sync benchmark.
        #[arg(long, default_value_t = 50_000)]
        sync_items: u64,
        /// Run the Android list benchmark (a 50,000-item library opened and
        /// drawn, then row 40,000) on the host JVM instead.
        #[arg(long)]
        android_list: bool,
    },
    /// Fuzz a real server against its OpenAPI document with schemathesis
    /// (the bounded run of `test`; `--deep` looks much harder).
    FuzzApi {
        /// Keep generating cases, call sequences among them, for `--minutes`.
        #[arg(long)]
        deep: bool,
        /// How long the deep run's main pass lasts.
        #[arg(long, default_value_t = 30)]
        minutes: u64,
        /// Repeat a run: the seed schemathesis printed.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Render the Android app's main screens at phone and tablet sizes
    /// under Xvfb into target/screenshots.
    Screenshots,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Test(args) => test::run_all(&args),
        Task::Bindings { check } => bindings::generate(check),
        Task::BuildIos => mobile::build_ios(),
        Task::BuildAndroid => mobile::build_android(),
        Task::Screenshots => android::screenshots(),
        Task::FuzzApi {
            deep,
            minutes,
            seed,
        } => api_fuzz::run(
            if deep {
                api_fuzz::Depth::Deep { minutes }
            } else {
                api_fuzz::Depth::Bounded
            },
            seed,
        ),
        Task::Bench {
            android_list: true, ..
        } => android::bench_list(50_000),
        Task::Bench {
            sync: true,
            sync_items,
            ..
        } => run::step(
            "sync benchmark (P1, P2, P3)",
            "cargo",
            &[
                "bench",
                "-p",
                "shelfmark-core",
                "--bench",
                "sync",
                "--",
                "--items",
                &sync_items.to_string(),
            ],
        ),
        Task::Bench {
            items,
            records,
            file_mb,
            ..
        } => {
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
            )?;
            run::step(
                "release server for the download benchmark",
                "cargo",
                &["build", "--release", "-p", "shelfmark-server"],
            )?;
            run::step(
                "attachment download benchmark (P8)",
                "cargo",
                &[
                    "bench",
                    "-p",
                    "shelfmark-core",
                    "--bench",
                    "files",
                    "--",
                    "--mb",
                    &file_mb.to_string(),
                ],
            )
        }
    }
}
