//! The library file: opening and checking it, the single writer connection,
//! pooled readers, and write transactions that report what they changed.

pub(crate) mod migrations;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, TransactionBehavior};
use shelfmark_sql::{OpenMode, ReaderAccess, Settings};

use crate::changes::{Change, ChangeKind, ChangeSet, ObjectKind, Observers};
use crate::error::Result;
use crate::library::LibraryId;
use crate::protocol::ObjectKey;

pub use migrations::SCHEMA_VERSION;

/// How many idle reader connections to keep.
const MAX_IDLE_READERS: usize = 4;

/// How a library file's connections are set up.
fn settings() -> Settings {
    Settings {
        // The write path uses a few dozen distinct statements; keep them all.
        statement_cache_capacity: Some(128),
        temp_store_in_memory: true,
        cache_size_kib: Some(32_000),
        // Readers may checkpoint, and the last one to close removes the WAL.
        reader_access: ReaderAccess::QueryOnly,
        reader_mmap_bytes: None,
        max_idle_readers: MAX_IDLE_READERS,
        register_functions: Some(crate::search::functions::register),
    }
}

/// An open library file.
pub(crate) struct Db {
    sql: shelfmark_sql::Database,
    pub(crate) observers: Arc<Observers>,
    /// Hear which attachments' files changed on this device (downloaded,
    /// removed, waiting for upload): device state, not library changes, so
    /// kept apart from `observers`.
    pub(crate) file_observers: Arc<Observers>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path())
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Creates a new library file at `path`, which must not exist.
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let sql = shelfmark_sql::open::<migrations::LibrarySchema>(
            path,
            OpenMode::CreateNew,
            settings(),
        )?;
        Ok(Self::with(sql))
    }

    /// Opens an existing library file. The file is checked read-only first,
    /// so that a file that is not a library, or is from a newer build, is
    /// refused without a byte written to it.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let sql =
            shelfmark_sql::open::<migrations::LibrarySchema>(path, OpenMode::Existing, settings())?;
        // A download marked running when the file was last closed was cut
        // off (the app stopped): it is not running now, and resumes from its
        // partial file when asked again.
        sql.writer().execute(
            "UPDATE attachment_files SET downloading = 0 WHERE downloading = 1",
            [],
        )?;
        Ok(Self::with(sql))
    }

    fn with(sql: shelfmark_sql::Database) -> Self {
        Self {
            sql,
            observers: Arc::new(Observers::default()),
            file_observers: Arc::new(Observers::default()),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.sql.path()
    }

    /// Runs `f` on a reader connection. Readers see the last committed state
    /// and never wait for the writer (WAL).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.sql.read(f)
    }

    /// Holds WAL checkpoints back (`hold`) or brings them back: see
    /// [`shelfmark_sql::Database::hold_checkpoints`].
    pub(crate) fn hold_checkpoints(&self, hold: bool) {
        self.sql.hold_checkpoints(hold);
    }

    /// Runs `f` in one write transaction. On error nothing is written; on
    /// success the changes it recorded go to the subscribers after commit.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        let (value, changes, file_changes) = {
            let mut conn = self.sql.writer();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut wtx = WriteTx {
                tx,
                changes: Vec::new(),
                seen: HashSet::new(),
                file_changes: Vec::new(),
                fulltext: FulltextQueue::default(),
                now: crate::time::now_timestamp(),
            };
            let value = f(&mut wtx)?;
            wtx.flush_fulltext()?;
            let WriteTx {
                tx,
                changes,
                file_changes,
                ..
            } = wtx;
            tx.commit()?;
            (value, changes, file_changes)
        };
        if !changes.is_empty() {
            self.observers.notify(&ChangeSet::new(changes));
        }
        if !file_changes.is_empty() {
            self.file_observers.notify(&ChangeSet::new(file_changes));
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
    /// Attachments whose file row this transaction wrote, once each.
    file_changes: Vec<Change>,
    fulltext: FulltextQueue,
    /// One timestamp for everything this transaction touches.
    pub(crate) now: String,
}

impl WriteTx<'_> {
    pub(crate) fn record(&mut self, change: Change) {
        if self.seen.insert(change.clone()) {
            self.changes.push(change);
        }
    }

    /// Notes that the file of attachment `key` changed state on this device;
    /// the file subscribers hear of it after commit.
    pub(crate) fn record_file(&mut self, library_id: LibraryId, key: &str) {
        let Ok(key) = ObjectKey::parse(key) else {
            log::warn!("a file row with the malformed key {key:?} was written");
            return;
        };
        let change = Change {
            library_id,
            object: ObjectKind::Item,
            key,
            kind: ChangeKind::Updated,
        };
        if !self.file_changes.contains(&change) {
            self.file_changes.push(change);
        }
    }

    /// Queues an item's full-text row; written with the others before the
    /// transaction commits (see [`FulltextQueue`]).
    pub(crate) fn index_fulltext(&mut self, id: i64, row: FulltextRow) -> Result<()> {
        self.index_fulltext_keeping(id, row, SameTrigrams::default())
    }

    /// [`WriteTx::index_fulltext`] for an item whose indexed rows were just
    /// queued for removal: the trigram rows whose text is `same` stay as
    /// they are instead of being removed and written again (an edit of one
    /// field leaves most of them unchanged).
    pub(crate) fn index_fulltext_keeping(
        &mut self,
        id: i64,
        row: FulltextRow,
        same: SameTrigrams,
    ) -> Result<()> {
        self.fulltext.bytes += row.len();
        self.fulltext.ops.push(FulltextOp::Insert { id, row, same });
        self.flush_fulltext_if_large()
    }

    /// Queues an item's quick text (title, creators, year) for the pending
    /// index, for an item whose full text waits in the backlog.
    pub(crate) fn index_quick_pending(&mut self, id: i64, quick: String) -> Result<()> {
        self.fulltext.bytes += quick.len();
        self.fulltext
            .ops
            .push(FulltextOp::InsertPending { id, quick });
        self.flush_fulltext_if_large()
    }

    /// Queues the removal of an item's full-text row.
    pub(crate) fn unindex_fulltext(&mut self, id: i64) -> Result<()> {
        self.fulltext.ops.push(FulltextOp::Delete(id));
        self.flush_fulltext_if_large()
    }

    fn flush_fulltext_if_large(&mut self) -> Result<()> {
        if self.fulltext.bytes >= FULLTEXT_FLUSH_BYTES
            || self.fulltext.ops.len() >= FULLTEXT_FLUSH_OPS
        {
            self.flush_fulltext()?;
        }
        Ok(())
    }

    /// Writes the queued full-text changes: their net effect per item, all
    /// removals first, then the rows in ascending order (FTS5 flushes its
    /// pending terms whenever a removal follows a write, or a row id goes
    /// down). Called before commit, and before any statement that reads or
    /// bulk-edits `items_fts`.
    pub(crate) fn flush_fulltext(&mut self) -> Result<()> {
        if self.fulltext.ops.is_empty() {
            return Ok(());
        }
        let ops = std::mem::take(&mut self.fulltext.ops);
        self.fulltext.bytes = 0;
        let net = net_fulltext_changes(ops);
        for table in INDEXED_WITH_FULLTEXT {
            let mut delete = self
                .tx
                .prepare_cached(&format!("DELETE FROM {table} WHERE rowid = ?1"))?;
            for (id, change) in &net {
                if change.remove_indexed && !change.same.keeps(table) {
                    delete.execute([id])?;
                }
            }
        }
        let mut insert = self
            .tx
            .prepare_cached("INSERT INTO items_fts (rowid, quick, body) VALUES (?1, ?2, ?3)")?;
        for (id, change) in &net {
            if let Some(row) = &change.insert {
                insert.execute(rusqlite::params![id, row.quick, row.body])?;
            }
        }
        // One table after the other, each in ascending row ids, as above.
        let mut insert = self
            .tx
            .prepare_cached("INSERT INTO item_title_trigrams (rowid, title) VALUES (?1, ?2)")?;
        for (id, change) in &net {
            if let Some(row) = change.insert.as_ref().filter(|_| !change.same.title) {
                insert.execute(rusqlite::params![id, row.title])?;
            }
        }
        let mut insert = self
            .tx
            .prepare_cached("INSERT INTO item_creator_trigrams (rowid, names) VALUES (?1, ?2)")?;
        for (id, change) in &net {
            let row = change.insert.as_ref().filter(|_| !change.same.creators);
            if let Some(names) = row.and_then(|r| r.creators.as_ref()) {
                insert.execute(rusqlite::params![id, names])?;
            }
        }
        let mut insert = self
            .tx
            .prepare_cached("INSERT INTO item_note_trigrams (rowid, text) VALUES (?1, ?2)")?;
        for (id, change) in &net {
            let row = change.insert.as_ref().filter(|_| !change.same.note);
            if let Some(text) = row.and_then(|r| r.note.as_ref()) {
                insert.execute(rusqlite::params![id, text])?;
            }
        }
        let mut pending = self
            .tx
            .prepare_cached("INSERT INTO items_fts_pending (rowid, quick) VALUES (?1, ?2)")?;
        for (id, change) in &net {
            if let Some(quick) = &change.pending {
                pending.execute(rusqlite::params![id, quick])?;
            }
        }
        Ok(())
    }
}

/// What the queued operations on one item's full-text rows come to.
#[derive(Default)]
struct NetFulltext {
    /// Its row already in `items_fts` (before the queue) goes.
    remove_indexed: bool,
    insert: Option<FulltextRow>,
    /// The trigram rows neither removed nor written.
    same: SameTrigrams,
    pending: Option<String>,
}

/// Which of an item's trigram rows a replacement of its indexed rows
/// leaves as they are: their text did not change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SameTrigrams {
    pub title: bool,
    pub creators: bool,
    pub note: bool,
}

impl SameTrigrams {
    /// Whether `table`, one of [`INDEXED_WITH_FULLTEXT`], keeps the item's
    /// row.
    fn keeps(self, table: &str) -> bool {
        match table {
            "item_title_trigrams" => self.title,
            "item_creator_trigrams" => self.creators,
            "item_note_trigrams" => self.note,
            _ => false,
        }
    }
}

fn net_fulltext_changes(ops: Vec<FulltextOp>) -> std::collections::BTreeMap<i64, NetFulltext> {
    let mut net: std::collections::BTreeMap<i64, NetFulltext> = Default::default();
    for op in ops {
        match op {
            FulltextOp::Insert { id, row, same } => {
                let change = net.entry(id).or_default();
                change.insert = Some(row);
                change.same = same;
            }
            FulltextOp::InsertPending { id, quick } => {
                net.entry(id).or_default().pending = Some(quick);
            }
            FulltextOp::Delete(id) => {
                let change = net.entry(id).or_default();
                // A row queued here never reached the index: dropping it
                // is the removal. Otherwise the indexed row goes. Either
                // way, every indexed row goes, the unchanged ones too.
                if change.insert.take().is_none() {
                    change.remove_indexed = true;
                }
                change.same = SameTrigrams::default();
            }
        }
    }
    net
}

/// Queued text beyond which the queue is written mid-transaction.
const FULLTEXT_FLUSH_BYTES: usize = 8 << 20;
const FULLTEXT_FLUSH_OPS: usize = 20_000;

/// Full-text changes held back until the end of a write transaction.
///
/// Once an FTS5 table has been written in a transaction, every later
/// statement that opens a statement savepoint makes FTS5 flush its pending
/// terms to a new on-disk segment, which then has to be merged: written
/// between the row statements of each item, the index would be flushed once
/// per item. Written together at the end, it is flushed once.
#[derive(Default)]
struct FulltextQueue {
    ops: Vec<FulltextOp>,
    bytes: usize,
}

/// The tables whose rows are an item's and are written through the
/// [`FulltextQueue`]: the full-text index and the trigram indexes of
/// saved-search conditions.
pub(crate) const INDEXED_WITH_FULLTEXT: [&str; 4] = [
    "items_fts",
    "item_title_trigrams",
    "item_creator_trigrams",
    "item_note_trigrams",
];

/// An item's rows in the full-text index (`quick`, `body`) and in the
/// trigram indexes of saved-search conditions: its folded title, creator
/// names (`item_creator_text.matching` and `names`, one line each) and note
/// text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FulltextRow {
    pub quick: String,
    pub body: String,
    pub title: String,
    pub creators: Option<String>,
    pub note: Option<String>,
}

impl FulltextRow {
    fn len(&self) -> usize {
        self.quick.len()
            + self.body.len()
            + self.title.len()
            + self.creators.as_ref().map_or(0, String::len)
            + self.note.as_ref().map_or(0, String::len)
    }
}

enum FulltextOp {
    Insert {
        id: i64,
        row: FulltextRow,
        same: SameTrigrams,
    },
    InsertPending {
        id: i64,
        quick: String,
    },
    Delete(i64),
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}

#[cfg(test)]
mod fulltext_queue_tests {
    use super::*;

    fn insert(id: i64, text: &str) -> FulltextOp {
        FulltextOp::Insert {
            id,
            row: FulltextRow {
                quick: text.into(),
                ..FulltextRow::default()
            },
            same: SameTrigrams::default(),
        }
    }

    #[test]
    fn queued_changes_come_to_their_net_effect() {
        let net = net_fulltext_changes(vec![
            // Replaced: the indexed row goes, the new one comes.
            FulltextOp::Delete(1),
            insert(1, "new"),
            // Written and removed in the same transaction: nothing.
            insert(2, "gone"),
            FulltextOp::Delete(2),
            // Replaced, then removed: only the removal.
            FulltextOp::Delete(3),
            insert(3, "brief"),
            FulltextOp::Delete(3),
            // New.
            insert(4, "fresh"),
        ]);
        let summary: Vec<(i64, bool, Option<&str>)> = net
            .iter()
            .map(|(id, c)| {
                (
                    *id,
                    c.remove_indexed,
                    c.insert.as_ref().map(|row| row.quick.as_str()),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, true, Some("new")),
                (2, false, None),
                (3, true, None),
                (4, false, Some("fresh")),
            ]
        );
    }
}

#[cfg(test)]
mod file_identity_tests {
    use std::io::Read;

    use super::*;
    use crate::error::Error;

    /// A library made by the CLI at format 7 (two items), gzipped.
    const FORMAT_7_LIBRARY: &[u8] = include_bytes!("testdata/library_format_7.shelfmark.gz");

    fn header(path: &Path) -> (i32, u32) {
        let conn = Connection::open(path).expect("open");
        let id = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .expect("id");
        let version = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        (id, version)
    }

    fn titles(db: &Db) -> Vec<String> {
        db.read(|c| {
            let mut stmt = c.prepare("SELECT sort_title FROM items ORDER BY sort_title")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .expect("titles")
    }

    #[test]
    fn a_library_written_at_format_7_opens_with_its_items() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("format7.shelfmark");
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(FORMAT_7_LIBRARY)
            .read_to_end(&mut bytes)
            .expect("fixture");
        std::fs::write(&path, bytes).expect("write");
        assert_eq!(header(&path), (shelfmark_sql::LIBRARY.application_id, 7));

        let db = Db::open(&path).expect("open");
        assert_eq!(titles(&db), ["deserts", "glaciers of norway"]);
        db.write(|tx| {
            tx.execute(
                "UPDATE items SET sort_title = 'dunes' WHERE sort_title = 'deserts'",
                [],
            )?;
            Ok(())
        })
        .expect("write");
        drop(db);
        assert_eq!(
            header(&path),
            (shelfmark_sql::LIBRARY.application_id, SCHEMA_VERSION)
        );
    }

    #[test]
    fn a_library_without_its_id_is_recognised_and_given_it() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("no-id.shelfmark");
        drop(Db::create(&path).expect("create"));
        Connection::open(&path)
            .and_then(|c| c.pragma_update(None, "application_id", 0))
            .expect("clear id");
        assert_eq!(header(&path).0, 0);
        drop(Db::open(&path).expect("recognised by its tables"));
        assert_eq!(
            header(&path),
            (shelfmark_sql::LIBRARY.application_id, SCHEMA_VERSION)
        );
    }

    #[test]
    fn a_server_database_is_refused_as_one_and_left_untouched() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        Connection::open(&path)
            .and_then(|c| {
                c.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY);")?;
                c.pragma_update(
                    None,
                    "application_id",
                    shelfmark_sql::SERVER_DATABASE.application_id,
                )?;
                c.pragma_update(None, "user_version", 6)
            })
            .expect("server database");
        let before = std::fs::read(&path).expect("read");
        let err = Db::open(&path).expect_err("not a library");
        assert!(matches!(err, Error::NotALibrary { .. }), "{err}");
        assert!(
            err.to_string()
                .ends_with("is not a Shelfmark library: it is a Shelfmark server database"),
            "{err}"
        );
        assert_eq!(err.category(), crate::error::ErrorCategory::Storage);
        assert_eq!(std::fs::read(&path).expect("read"), before);
    }
}
