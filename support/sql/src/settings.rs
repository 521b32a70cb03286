use std::time::Duration;

use rusqlite::Connection;
use rusqlite::config::DbConfig;

/// How long a connection waits for another one's lock before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How the connections of one database are set up. Both kinds of file share
/// WAL (set on the writer), foreign keys, a 10 s busy timeout and
/// `synchronous = NORMAL`; the fields are what differs between them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Prepared statements kept per connection (rusqlite's default: 16).
    pub statement_cache_capacity: Option<usize>,
    /// Temporary tables and indexes (sorts, `DISTINCT`) in memory.
    pub temp_store_in_memory: bool,
    /// Page cache per connection, in KiB (SQLite's default: 2,000).
    pub cache_size_kib: Option<u32>,
    /// How reader connections are opened.
    pub reader_access: ReaderAccess,
    /// How much of the file each reader maps into memory.
    pub reader_mmap_bytes: Option<u64>,
    /// Idle reader connections kept open between reads.
    pub max_idle_readers: usize,
    /// SQL functions to register on every connection, writer and readers.
    pub register_functions: Option<fn(&Connection) -> rusqlite::Result<()>>,
}

/// How a reader connection is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderAccess {
    /// Opened read-only.
    ReadOnly,
    /// Opened read-write with `query_only` set: it cannot change the data,
    /// but can checkpoint the WAL and remove it when it is the last
    /// connection to close.
    QueryOnly,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            statement_cache_capacity: None,
            temp_store_in_memory: false,
            cache_size_kib: None,
            reader_access: ReaderAccess::ReadOnly,
            reader_mmap_bytes: None,
            max_idle_readers: 4,
            register_functions: None,
        }
    }
}

impl Settings {
    /// Sets up a newly opened connection, writer or reader.
    pub(crate) fn configure(&self, conn: &Connection) -> rusqlite::Result<()> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if let Some(capacity) = self.statement_cache_capacity {
            conn.set_prepared_statement_cache_capacity(capacity);
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        // In WAL mode, NORMAL syncs the log at checkpoints rather than at
        // every commit: a committed write survives the process being killed
        // (the log is in the OS's cache); a power cut or OS crash can lose
        // the last commits before it, never corrupt the database. An fsync
        // per commit would cost more than most writes themselves.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        if self.temp_store_in_memory {
            conn.pragma_update(None, "temp_store", "MEMORY")?;
        }
        if let Some(kib) = self.cache_size_kib {
            // A negative size is in KiB rather than pages.
            conn.pragma_update(None, "cache_size", -i64::from(kib))?;
        }
        if let Some(register) = self.register_functions {
            register(conn)?;
        }
        Ok(())
    }

    /// Sets up the writer after [`Settings::configure`]: plans that do not
    /// depend on bound values. Otherwise SQLite plans some statements for
    /// the values first bound (a `LIMIT ?`, a `column = ?` it estimates)
    /// and compiles them again whenever those change, and a cached
    /// statement's bindings are cleared each time it goes back to the
    /// cache: the many small statements a write repeats per object were
    /// compiled anew on every use. Readers keep value-aware plans: their
    /// statements are page queries, run once per page and planned for
    /// their `LIMIT`, where compiling costs little beside the query.
    pub(crate) fn configure_writer(&self, conn: &Connection) -> rusqlite::Result<()> {
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        Ok(())
    }

    /// Sets up a reader after [`Settings::configure`].
    pub(crate) fn configure_reader(&self, conn: &Connection) -> rusqlite::Result<()> {
        if self.reader_access == ReaderAccess::QueryOnly {
            conn.pragma_update(None, "query_only", true)?;
        }
        if let Some(bytes) = self.reader_mmap_bytes {
            conn.pragma_update(None, "mmap_size", i64::try_from(bytes).unwrap_or(i64::MAX))?;
        }
        Ok(())
    }
}
