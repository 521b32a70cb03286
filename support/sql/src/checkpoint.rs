//! Write-ahead log checkpoints on a thread of their own. SQLite's automatic
//! checkpoint runs inside the commit that crosses its threshold, so every
//! thousandth page or so one write waits while the log is copied into the
//! file (tens of milliseconds after a large download; a server's slowest
//! answers). Here the commit only wakes the checkpointer, which copies the
//! log with a connection of its own while the writer goes on: SQLite lets
//! a checkpoint run beside a writer.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::settings::Settings;

/// A checkpoint is asked for once the log holds this many pages (SQLite's
/// own default threshold).
pub(crate) const CHECKPOINT_PAGES: i32 = 1000;

/// Past this many pages the committing writer checkpoints itself: a writer
/// that never pauses could otherwise outrun the checkpointer, and the log
/// would grow without end (it starts over only once it is copied whole).
const WRITER_CHECKPOINT_PAGES: i32 = 16 * CHECKPOINT_PAGES;

/// What the writer's commit hook and the checkpointer share.
#[derive(Debug, Default)]
struct Shared {
    held: AtomicBool,
    completed: AtomicU64,
}

/// The checkpointer thread of one database; stops when dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    shared: Arc<Shared>,
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread, with its own connection to `path`, and hooks it
    /// to `writer`'s commits (which stop checkpointing by themselves).
    pub(crate) fn start(path: &Path, settings: &Settings, writer: &mut Connection) -> Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        settings.configure(&conn)?;
        let shared = Arc::new(Shared::default());
        // One wake-up waits at most: commits while a checkpoint runs ask
        // for one more, not one each.
        let (wake, woken) = sync_channel(1);
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("sqlite-checkpoint".into())
                .spawn(move || run(&conn, &woken, &shared))
                .map_err(Error::CheckpointThread)?
        };
        let hook_wake = wake.clone();
        let hook_shared = Arc::clone(&shared);
        writer.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
            if hook_shared.held.load(Ordering::Relaxed) {
                return Ok(());
            }
            if pages >= WRITER_CHECKPOINT_PAGES {
                // The commit has happened; a failed checkpoint here only
                // leaves the log for the next one.
                let _ = wal.checkpoint();
            } else if pages >= CHECKPOINT_PAGES {
                // Full: a checkpoint is asked for already. Disconnected:
                // the database is closing.
                let _: Result<(), TrySendError<()>> = hook_wake.try_send(());
            }
            Ok(())
        }))?;
        Ok(Self {
            shared,
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Holds checkpoints back (`true`) or lets them run again; the first
    /// commit after they come back asks for one.
    pub(crate) fn hold(&self, hold: bool) {
        self.shared.held.store(hold, Ordering::Relaxed);
    }

    /// Checkpoints the thread has run so far.
    pub(crate) fn completed(&self) -> u64 {
        self.shared.completed.load(Ordering::Relaxed)
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // The thread ends when the last sender goes (the hook's goes with
        // the writer connection), after the checkpoint it may be running.
        self.wake.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, woken: &Receiver<()>, shared: &Shared) {
    while woken.recv().is_ok() {
        // PASSIVE: copies what no reader still needs and never waits for a
        // lock; what it cannot copy now the next checkpoint does.
        if conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .is_ok()
        {
            shared.completed.fetch_add(1, Ordering::Relaxed);
        }
    }
}
