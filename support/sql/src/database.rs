use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags};

use crate::checkpoint::Checkpointer;
use crate::error::{Error, Result};
use crate::settings::{ReaderAccess, Settings};

/// An open database: the one connection that writes (SQLite lets one write
/// at a time anyway) and a pool of readers that work beside it in WAL mode,
/// each seeing the last committed state without waiting for the writer.
///
/// Made by [`crate::open`]. Its methods block; async callers run them on
/// blocking threads.
pub struct Database {
    path: PathBuf,
    settings: Settings,
    writer: Mutex<Connection>,
    idle_readers: Mutex<Vec<Connection>>,
    /// Last: its connection closes after the others, and the last one to
    /// close removes the log.
    checkpointer: Checkpointer,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Locks `mutex`, taking the guard back if a thread panicked holding it.
///
/// This is the one rule for a poisoned lock here. A panic cannot leave the
/// database half written: SQLite keeps every change in a transaction until
/// commit, rusqlite's `Transaction` rolls back when dropped during the
/// unwinding, and [`Database::writer`] rolls back any other transaction the
/// panicked thread left open. So the connection (or the pool's list of idle
/// ones) is as good as before, while refusing it would take the database
/// away from every later caller until the process restarts.
fn lock_recovering<T>(mutex: &Mutex<T>) -> (MutexGuard<'_, T>, bool) {
    match mutex.lock() {
        Ok(guard) => (guard, false),
        Err(poisoned) => {
            mutex.clear_poison();
            (poisoned.into_inner(), true)
        }
    }
}

impl Database {
    pub(crate) fn new(path: &Path, settings: Settings, mut writer: Connection) -> Result<Self> {
        let checkpointer = Checkpointer::start(path, &settings, &mut writer)?;
        Ok(Self {
            path: path.to_owned(),
            settings,
            writer: Mutex::new(writer),
            idle_readers: Mutex::new(Vec::new()),
            checkpointer,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer connection, for as long as the guard is held. Writes
    /// through it are serialised with every other write to the database.
    pub fn writer(&self) -> MutexGuard<'_, Connection> {
        let (guard, recovered) = lock_recovering(&self.writer);
        if recovered && !guard.is_autocommit() {
            // The panicked holder left a transaction open (one begun with
            // plain SQL): what it wrote goes. Should the rollback fail, the
            // next `BEGIN` reports the open transaction.
            let _ = guard.execute_batch("ROLLBACK");
        }
        guard
    }

    /// Holds write-ahead log checkpoints back (`true`) or lets them run
    /// again. A large download commits page after page, and each checkpoint
    /// would copy the same index pages into the file again; held, they are
    /// copied once, after the first commit once they come back.
    pub fn hold_checkpoints(&self, hold: bool) {
        self.checkpointer.hold(hold);
    }

    /// How many checkpoints have run since the database was opened.
    pub fn checkpoints_completed(&self) -> u64 {
        self.checkpointer.completed()
    }

    /// Runs `read` on a reader connection from the pool (opening one when
    /// none is idle), and keeps the connection for the next read.
    pub fn read<T, E: From<Error>>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let pooled = lock_recovering(&self.idle_readers).0.pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => self.open_reader().map_err(Error::from)?,
        };
        let result = read(&conn);
        // A reader left inside a transaction would hold on to an old
        // snapshot (and keep the WAL from being checkpointed): not kept.
        if conn.is_autocommit() {
            let (mut idle, _) = lock_recovering(&self.idle_readers);
            if idle.len() < self.settings.max_idle_readers {
                idle.push(conn);
            }
        }
        result
    }

    fn open_reader(&self) -> rusqlite::Result<Connection> {
        let access = match self.settings.reader_access {
            ReaderAccess::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY,
            ReaderAccess::QueryOnly => OpenFlags::SQLITE_OPEN_READ_WRITE,
        };
        let conn =
            Connection::open_with_flags(&self.path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        self.settings.configure(&conn)?;
        self.settings.configure_reader(&conn)?;
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Transaction;

    use super::*;
    use crate::{FileKind, OpenMode, Schema, open};

    struct Scratch;

    impl Schema for Scratch {
        type Error = Error;
        const KIND: FileKind = FileKind {
            application_id: 0x5445_5354,
            description: "a scratch file",
            tables: &["scratch"],
        };
        const VERSION: u32 = 1;
        fn create(tx: &Transaction<'_>) -> Result<()> {
            tx.execute_batch("CREATE TABLE scratch (x);")?;
            Ok(())
        }
        fn upgrade(_: &Transaction<'_>, from: u32) -> Result<()> {
            Err(Error::NoUpgradePath {
                kind: Self::KIND,
                from,
                to: Self::VERSION,
            })
        }
    }

    fn idle(db: &Database) -> usize {
        lock_recovering(&db.idle_readers).0.len()
    }

    #[test]
    fn readers_are_kept_up_to_the_limit_unless_left_in_a_transaction() {
        let dir = tempfile::tempdir().expect("dir");
        let settings = Settings {
            max_idle_readers: 2,
            ..Settings::default()
        };
        let db = open::<Scratch>(&dir.path().join("s.db"), OpenMode::CreateNew, settings)
            .expect("create");
        // Three overlapping reads open three readers; two are kept.
        db.read(|_| db.read(|_| db.read(|_| Ok::<_, Error>(()))))
            .expect("nested reads");
        assert_eq!(idle(&db), 2);
        // A reader left inside a transaction is closed.
        db.read(|c| Ok::<_, Error>(c.execute_batch("BEGIN; SELECT * FROM scratch;")?))
            .expect("read");
        assert_eq!(idle(&db), 1);
        db.read(|_| Ok::<_, Error>(())).expect("read");
        assert_eq!(idle(&db), 1);
    }

    /// Ten commits of about a megabyte each; how many frames the log then
    /// holds (read at the end: the reading checkpoints too).
    fn frames_after_writes(db: &Database) -> i64 {
        for _ in 0..10 {
            db.writer()
                .execute_batch(
                    "INSERT INTO scratch SELECT randomblob(100000) FROM
                         (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                          UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
                          UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10);",
                )
                .expect("write");
        }
        db.writer()
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
            .expect("frames")
    }

    /// Whether the checkpointer has run a checkpoint, waiting up to 10 s.
    fn checkpoint_ran(db: &Database) -> bool {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while db.checkpoints_completed() == 0 && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        db.checkpoints_completed() > 0
    }

    fn scratch_db(dir: &tempfile::TempDir) -> Database {
        open::<Scratch>(
            &dir.path().join("s.db"),
            OpenMode::CreateNew,
            Settings::default(),
        )
        .expect("create")
    }

    #[test]
    fn the_checkpointer_copies_the_log_while_commits_go_on() {
        let dir = tempfile::tempdir().expect("dir");
        let db = scratch_db(&dir);
        frames_after_writes(&db);
        assert!(checkpoint_ran(&db), "no checkpoint ran");
        // Closed, the last connection (the checkpointer's) removes the log.
        drop(db);
        assert!(!dir.path().join("s.db-wal").exists());
    }

    #[test]
    fn held_checkpoints_let_the_log_grow_until_they_come_back() {
        let dir = tempfile::tempdir().expect("dir");
        let db = scratch_db(&dir);
        db.hold_checkpoints(true);
        let held = frames_after_writes(&db);
        assert!(held > 2000, "every frame kept while held: {held}");
        assert_eq!(db.checkpoints_completed(), 0);
        db.hold_checkpoints(false);
        frames_after_writes(&db);
        assert!(checkpoint_ran(&db), "no checkpoint once released");
    }
}
