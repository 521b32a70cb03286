//! `shelfmark`: the desktop command-line client over the Shelfmark core.

mod args;
mod commands;
mod input;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// The core allocates per object and field when it syncs, imports and
/// searches; mimalloc does that several times faster than the system's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    // The one runtime of the process: syncs, downloads, lookups and
    // automatic sync all run on it.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("shelfmark")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start Shelfmark's worker threads: {err}");
            return ExitCode::FAILURE;
        }
    };
    match commands::run(cli, &runtime) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
