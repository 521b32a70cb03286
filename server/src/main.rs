//! `shelfmark-server`: serve the API (the default) or administer accounts.

use std::process::ExitCode;

use clap::Parser;
use shelfmark_server::admin;
use shelfmark_server::app::{AppState, serve};
use shelfmark_server::config::{Cli, Command, Config, UserCommand};
use tracing_subscriber::EnvFilter;

/// A write allocates per object and field (its JSON, the rows, the answer);
/// mimalloc does that several times faster than the system's allocator,
/// which took a fifth of a write's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("SHELFMARK_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::resolve(&cli.options())?;
    // Serving and adding a user may start a database; the other commands
    // work on accounts that must already be there.
    let starts_data = matches!(
        cli.command,
        None | Some(Command::Serve(_)) | Some(Command::User(UserCommand::Add { .. }))
    );
    if !starts_data {
        admin::require_existing_database(&config)?;
    }
    let store = admin::open_store(&config).await?;
    match cli.command.unwrap_or(Command::Serve(Default::default())) {
        Command::Serve(_) => {
            if let Some((user, password)) = admin::ensure_admin(store.as_ref()).await? {
                println!(
                    "Created the administrator account {} (user {}) with password: {password}",
                    user.email, user.id
                );
                println!(
                    "Sign in on the web pages with it, or create an API key for it with:\n  {}",
                    admin::key_create_hint(&config, cli.data.config.as_deref(), &user.email)
                );
            }
            raise_open_files_limit();
            let shutdown = shelfmark_server::app::shutdown_signal()?;
            let listener = tokio::net::TcpListener::bind(config.listen).await?;
            let addr = listener.local_addr()?;
            if !config.public_url_explicit {
                config.public_url = format!("http://{addr}");
            }
            println!("shelfmark-server listening on http://{addr}");
            tracing::info!(%addr, public_url = %config.public_url, "serving");
            let blobs = admin::open_blobs(&config)?;
            if let Err(e) = shelfmark_server::files::reclaim(store.as_ref(), blobs.as_ref()).await {
                tracing::warn!(error = %e, "reclaiming unreferenced files failed");
            }
            serve(AppState::new(store, blobs, config), listener, shutdown).await
        }
        Command::User(c) => admin::user(store.as_ref(), &config, c).await,
        Command::Key(c) => admin::key(store.as_ref(), c).await,
        Command::Quota(c) => admin::quota(store.as_ref(), c).await,
    }
}

/// Every client connection (live-update subscribers stay connected) holds a
/// file descriptor: lift the soft limit to the hard one, which is what the
/// administrator allows (`LimitNOFILE=`, `ulimit -Hn`).
#[cfg(unix)]
// The C library is the only way to change a process limit.
#[allow(unsafe_code)]
fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    let raised = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return;
        }
        if limit.rlim_cur >= limit.rlim_max {
            tracing::debug!(open_files = limit.rlim_cur, "open-files limit");
            return;
        }
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0
    };
    if raised {
        tracing::info!(
            from = limit.rlim_cur,
            to = limit.rlim_max,
            "raised the open-files limit"
        );
    } else {
        tracing::warn!(
            open_files = limit.rlim_cur,
            "could not raise the open-files limit"
        );
    }
}

#[cfg(not(unix))]
fn raise_open_files_limit() {}
