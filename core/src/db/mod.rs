//! The library file: opening and checking it, the single writer connection,
//! pooled readers, and write transactions that report what they changed.

pub(crate) mod migrations;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::changes::{Change, ChangeSet, Observers};
use crate::error::{Error, Result};

pub use migrations::SCHEMA_VERSION;

/// How many idle reader connections to keep.
const MAX_IDLE_READERS: usize = 4;

/// An open library file.
pub(crate) struct Db {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    pub(crate) observers: Arc<Observers>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave SQLite in a half state (the
    // transaction rolls back on drop), so a poisoned lock is safe to reuse.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // The write path uses a few dozen distinct statements; keep them all.
    conn.set_prepared_statement_cache_capacity(128);
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -32_000)?;
    crate::search::functions::register(conn)?;
    Ok(())
}

impl Db {
    /// Creates a new library file at `path`, which must not exist.
    pub(crate) fn create(path: &Path) -> Result<Self> {
        if path.exists() {
            return Err(Error::AlreadyExists {
                path: path.to_owned(),
            });
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        configure(&conn)?;
        let tx = conn.transaction()?;
        migrations::init(&tx)?;
        tx.commit()?;
        Ok(Self::from_writer(path, conn))
    }

    /// Opens an existing library file. The file is checked read-only first,
    /// so that a file that is not a library, or is from a newer build, is
    /// refused without a byte written to it.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(Error::Missing {
                path: path.to_owned(),
            });
        }
        let found = Self::check_format(path)?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        configure(&conn)?;
        if found < SCHEMA_VERSION {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            migrations::upgrade_from(&tx, found)?;
            tx.commit()?;
        }
        Ok(Self::from_writer(path, conn))
    }

    fn check_format(path: &Path) -> Result<u32> {
        let not_a_library = || Error::NotALibrary {
            path: path.to_owned(),
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|_| not_a_library())?;
        // A file that is not SQLite at all fails on the first read.
        let app_id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|_| not_a_library())?;
        if app_id != migrations::APPLICATION_ID {
            return Err(not_a_library());
        }
        let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::TooNew {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version == 0 {
            return Err(not_a_library());
        }
        Ok(version)
    }

    fn from_writer(path: &Path, writer: Connection) -> Self {
        Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            observers: Arc::new(Observers::default()),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn new_reader(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }

    /// Runs `f` on a reader connection. Readers see the last committed state
    /// and never wait for the writer (WAL).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => self.new_reader()?,
        };
        let result = f(&conn);
        let mut idle = lock(&self.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }

    /// Runs `f` in one write transaction. On error nothing is written; on
    /// success the changes it recorded go to the subscribers after commit.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        let (value, changes) = {
            let mut conn = lock(&self.writer);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut wtx = WriteTx {
                tx,
                changes: Vec::new(),
                seen: HashSet::new(),
                now: crate::time::now_timestamp(),
            };
            let value = f(&mut wtx)?;
            let WriteTx { tx, changes, .. } = wtx;
            tx.commit()?;
            (value, changes)
        };
        if !changes.is_empty() {
            self.observers.notify(&ChangeSet::new(changes));
        }
        Ok(value)
    }
}

/// A write transaction in progress. Dereferences to the connection for
/// queries; store code records each change it makes with [`WriteTx::record`].
pub(crate) struct WriteTx<'c> {
    tx: rusqlite::Transaction<'c>,
    changes: Vec<Change>,
    /// The changes already recorded, so that a bulk write stays linear.
    seen: HashSet<Change>,
    /// One timestamp for everything this transaction touches.
    pub(crate) now: String,
}

impl WriteTx<'_> {
    pub(crate) fn record(&mut self, change: Change) {
        if self.seen.insert(change.clone()) {
            self.changes.push(change);
        }
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}
