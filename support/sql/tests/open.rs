//! Opening, creating, upgrading and refusing files; the writer and the
//! readers; a poisoned writer lock.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rusqlite::{Connection, Transaction};
use shelfmark_sql::{
    Database, Error, FileKind, Found, OpenMode, ReaderAccess, SERVER_DATABASE, Schema, Settings,
    open,
};

/// A kind of file for these tests only.
const NOTEBOOK: FileKind = FileKind {
    application_id: 0x5445_5354,
    description: "a test notebook",
    tables: &["notes"],
};

/// Format 1: notes. Format 2: notes gain a colour. Format 3: tags.
const STEPS: [&str; 2] = [
    "ALTER TABLE notes ADD COLUMN colour TEXT NOT NULL DEFAULT 'white';",
    "CREATE TABLE tags (note_id INTEGER NOT NULL REFERENCES notes(id), tag TEXT NOT NULL);",
];

/// `after_upgrade` calls, by the format the steps started from.
static UPGRADED_FROM: AtomicU32 = AtomicU32::new(0);

struct NotebookV1;
struct NotebookV3;
/// Format 3 whose step from 2 fails half-way.
struct BrokenStepV3;

fn create_notes(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);")?;
    Ok(())
}

impl Schema for NotebookV1 {
    type Error = Error;
    const KIND: FileKind = NOTEBOOK;
    const VERSION: u32 = 1;
    fn create(tx: &Transaction<'_>) -> Result<(), Error> {
        create_notes(tx)
    }
    fn upgrade(_: &Transaction<'_>, from: u32) -> Result<(), Error> {
        Err(Error::NoUpgradePath {
            kind: NOTEBOOK,
            from,
            to: 1,
        })
    }
}

impl Schema for NotebookV3 {
    type Error = Error;
    const KIND: FileKind = NOTEBOOK;
    const VERSION: u32 = 3;
    fn create(tx: &Transaction<'_>) -> Result<(), Error> {
        create_notes(tx)?;
        for step in STEPS {
            tx.execute_batch(step)?;
        }
        Ok(())
    }
    fn upgrade(tx: &Transaction<'_>, from: u32) -> Result<(), Error> {
        tx.execute_batch(STEPS[from as usize - 1])?;
        Ok(())
    }
    fn after_upgrade(_: &Transaction<'_>, from: u32) -> Result<(), Error> {
        UPGRADED_FROM.store(from, Ordering::SeqCst);
        Ok(())
    }
}

impl Schema for BrokenStepV3 {
    type Error = Error;
    const KIND: FileKind = NOTEBOOK;
    const VERSION: u32 = 3;
    fn create(tx: &Transaction<'_>) -> Result<(), Error> {
        NotebookV3::create(tx)
    }
    fn upgrade(tx: &Transaction<'_>, from: u32) -> Result<(), Error> {
        match from {
            1 => NotebookV3::upgrade(tx, from),
            _ => {
                tx.execute_batch("CREATE TABLE tags (tag TEXT); SELECT no_such_function();")?;
                Ok(())
            }
        }
    }
}

fn header(path: &Path) -> (i32, i64) {
    let conn = Connection::open(path).expect("open");
    let id = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .expect("id");
    let version = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    (id, version)
}

fn tables(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).expect("open");
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names")
}

#[test]
fn a_new_file_is_stamped_with_its_kind_and_format_and_opens_again() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("new.db");
    let err =
        open::<NotebookV3>(&path, OpenMode::Existing, Settings::default()).expect_err("missing");
    assert!(matches!(err, Error::Missing { .. }), "{err}");
    assert!(!path.exists());

    let db = open::<NotebookV3>(&path, OpenMode::CreateNew, Settings::default()).expect("create");
    db.writer()
        .execute(
            "INSERT INTO notes (text, colour) VALUES ('first', 'red')",
            [],
        )
        .expect("insert");
    drop(db);
    assert_eq!(header(&path), (NOTEBOOK.application_id, 3));
    let journal: String = Connection::open(&path)
        .expect("open")
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("journal");
    assert_eq!(journal, "wal");

    let err =
        open::<NotebookV3>(&path, OpenMode::CreateNew, Settings::default()).expect_err("exists");
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    let db = open::<NotebookV3>(&path, OpenMode::Existing, Settings::default()).expect("reopen");
    let colour: String = db
        .read(|c| Ok::<_, Error>(c.query_row("SELECT colour FROM notes", [], |r| r.get(0))?))
        .expect("read");
    assert_eq!(colour, "red");
}

#[test]
fn an_older_format_is_upgraded_step_by_step_keeping_its_data() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("old.db");
    let db = open::<NotebookV1>(&path, OpenMode::CreateNew, Settings::default()).expect("v1");
    db.writer()
        .execute("INSERT INTO notes (text) VALUES ('kept')", [])
        .expect("insert");
    drop(db);
    assert_eq!(header(&path), (NOTEBOOK.application_id, 1));

    let db = open::<NotebookV3>(&path, OpenMode::Existing, Settings::default()).expect("v3");
    assert_eq!(UPGRADED_FROM.load(Ordering::SeqCst), 1);
    let (text, colour): (String, String) = db
        .read(|c| {
            Ok::<_, Error>(c.query_row("SELECT text, colour FROM notes", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
        })
        .expect("read");
    assert_eq!((text.as_str(), colour.as_str()), ("kept", "white"));
    drop(db);
    assert_eq!(header(&path), (NOTEBOOK.application_id, 3));
    assert_eq!(tables(&path), ["notes", "tags"]);
}

#[test]
fn a_failed_step_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("old.db");
    drop(open::<NotebookV1>(&path, OpenMode::CreateNew, Settings::default()).expect("v1"));
    let err = open::<BrokenStepV3>(&path, OpenMode::Existing, Settings::default())
        .expect_err("step fails");
    assert!(matches!(err, Error::Sqlite(_)), "{err}");
    assert_eq!(header(&path), (NOTEBOOK.application_id, 1));
    assert_eq!(tables(&path), ["notes"]);
    let columns: i64 = Connection::open(&path)
        .expect("open")
        .query_row(
            "SELECT count(*) FROM pragma_table_info('notes') WHERE name = 'colour'",
            [],
            |r| r.get(0),
        )
        .expect("columns");
    assert_eq!(columns, 0, "the first step went with the second");
}

#[test]
fn a_file_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("newer.db");
    drop(open::<NotebookV3>(&path, OpenMode::CreateNew, Settings::default()).expect("v3"));
    let before = std::fs::read(&path).expect("read");
    let err =
        open::<NotebookV1>(&path, OpenMode::Existing, Settings::default()).expect_err("too new");
    assert!(
        matches!(
            err,
            Error::TooNew {
                found: 3,
                supported: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("newer"), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

/// Opens `path` as a notebook, expecting it refused as `found`, and checks
/// that nothing was written to it or beside it.
fn assert_refused(path: &Path, found: Found, message: &str) {
    let before = std::fs::read(path).expect("read");
    let err = open::<NotebookV3>(path, OpenMode::CreateOrExisting, Settings::default())
        .expect_err("refused");
    match &err {
        Error::WrongFile {
            found: actual,
            expected,
            ..
        } => {
            assert_eq!(*actual, found, "{err}");
            assert_eq!(*expected, NOTEBOOK);
        }
        other => panic!("refused as the wrong file, not {other}"),
    }
    assert!(
        err.to_string().ends_with(message),
        "{err} (expected to end with {message:?})"
    );
    assert_eq!(std::fs::read(path).expect("read"), before);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    assert!(!Path::new(&wal).exists(), "nothing written beside it");
}

#[test]
fn files_of_other_kinds_are_refused_saying_what_they_are() {
    let dir = tempfile::tempdir().expect("dir");

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"just some text, not a database at all").expect("write");
    assert_refused(
        &text,
        Found::NotSqlite,
        "is not a test notebook: it is not a SQLite database",
    );

    let foreign = dir.path().join("foreign.db");
    Connection::open(&foreign)
        .and_then(|c| c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);"))
        .expect("foreign db");
    assert_refused(
        &foreign,
        Found::UnknownSchema,
        "it is a SQLite database of another application",
    );

    let marked = dir.path().join("marked.db");
    Connection::open(&marked)
        .and_then(|c| c.execute_batch("CREATE TABLE t (x); PRAGMA application_id = 1234;"))
        .expect("marked db");
    assert_refused(
        &marked,
        Found::OtherApplication(1234),
        "a SQLite database of another application (application id 0x000004d2)",
    );

    let server = dir.path().join("server.db");
    Connection::open(&server)
        .and_then(|c| {
            c.execute_batch("CREATE TABLE users (id);")?;
            c.pragma_update(None, "application_id", SERVER_DATABASE.application_id)?;
            c.pragma_update(None, "user_version", 6)
        })
        .expect("server db");
    assert_refused(
        &server,
        Found::OtherKind(SERVER_DATABASE),
        "is not a test notebook: it is a Shelfmark server database",
    );

    let unversioned = dir.path().join("unversioned.db");
    Connection::open(&unversioned)
        .and_then(|c| {
            c.execute_batch("CREATE TABLE notes (id);")?;
            c.pragma_update(None, "application_id", NOTEBOOK.application_id)
        })
        .expect("unversioned db");
    assert_refused(
        &unversioned,
        Found::Unversioned(NOTEBOOK),
        "a test notebook without a format version (damaged)",
    );
}

#[test]
fn a_file_from_before_the_id_is_recognised_by_its_tables_and_stamped() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("before-id.db");
    Connection::open(&path)
        .and_then(|c| {
            c.execute_batch(
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
                 INSERT INTO notes (text) VALUES ('from before');",
            )?;
            c.pragma_update(None, "user_version", 1)
        })
        .expect("old file");
    assert_eq!(header(&path), (0, 1));
    let db = open::<NotebookV3>(&path, OpenMode::Existing, Settings::default()).expect("open");
    let text: String = db
        .read(|c| Ok::<_, Error>(c.query_row("SELECT text FROM notes", [], |r| r.get(0))?))
        .expect("read");
    assert_eq!(text, "from before");
    drop(db);
    assert_eq!(header(&path), (NOTEBOOK.application_id, 3));

    // At the latest format already: only the id is written.
    let current = dir.path().join("current-before-id.db");
    drop(open::<NotebookV3>(&current, OpenMode::CreateNew, Settings::default()).expect("new"));
    Connection::open(&current)
        .and_then(|c| c.pragma_update(None, "application_id", 0))
        .expect("clear id");
    drop(open::<NotebookV3>(&current, OpenMode::Existing, Settings::default()).expect("open"));
    assert_eq!(header(&current), (NOTEBOOK.application_id, 3));
}

#[test]
fn an_empty_file_is_created_in_place_only_when_asked() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").expect("empty file");
    let err =
        open::<NotebookV3>(&path, OpenMode::Existing, Settings::default()).expect_err("empty");
    assert!(
        matches!(
            err,
            Error::WrongFile {
                found: Found::Empty,
                ..
            }
        ),
        "{err}"
    );
    drop(open::<NotebookV3>(&path, OpenMode::CreateOrExisting, Settings::default()).expect("made"));
    assert_eq!(header(&path), (NOTEBOOK.application_id, 3));
}

fn register_shout(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "shout",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8,
        |ctx| Ok(ctx.get::<String>(0)?.to_uppercase()),
    )
}

fn notebook(dir: &Path, settings: Settings) -> Database {
    open::<NotebookV3>(&dir.join("notes.db"), OpenMode::CreateNew, settings).expect("create")
}

#[test]
fn readers_of_either_access_cannot_write_and_have_the_functions() {
    for access in [ReaderAccess::ReadOnly, ReaderAccess::QueryOnly] {
        let dir = tempfile::tempdir().expect("dir");
        let db = notebook(
            dir.path(),
            Settings {
                reader_access: access,
                reader_mmap_bytes: Some(1 << 20),
                register_functions: Some(register_shout),
                ..Settings::default()
            },
        );
        let shouted: String = db
            .writer()
            .query_row("SELECT shout('writer')", [], |r| r.get(0))
            .expect("writer function");
        assert_eq!(shouted, "WRITER");
        let (shouted, mmap): (String, i64) = db
            .read(|c| {
                let shouted = c.query_row("SELECT shout('reader')", [], |r| r.get(0))?;
                let mmap = c.pragma_query_value(None, "mmap_size", |r| r.get(0))?;
                Ok::<_, Error>((shouted, mmap))
            })
            .expect("reader");
        assert_eq!((shouted.as_str(), mmap), ("READER", 1 << 20), "{access:?}");
        let write =
            db.read(|c| Ok::<_, Error>(c.execute("INSERT INTO notes (text) VALUES ('x')", [])?));
        assert!(write.is_err(), "{access:?} reader wrote");
    }
}

#[test]
fn the_writers_cached_statements_are_not_compiled_again_for_new_values() {
    let dir = tempfile::tempdir().expect("dir");
    let db = notebook(dir.path(), Settings::default());
    let writer = db.writer();
    for text in ["a", "b", "c"] {
        writer
            .execute("INSERT INTO notes (text) VALUES (?1)", [text])
            .expect("insert");
    }
    // A bound LIMIT and a comparison SQLite would otherwise plan for the
    // value first bound; the cache clears a statement's bindings each time
    // it takes it back.
    let sql = "SELECT id FROM notes WHERE id = ?1 OR text > ?2 ORDER BY text LIMIT ?3";
    for limit in 1..=3_i64 {
        let mut stmt = writer.prepare_cached(sql).expect("prepare");
        let ids: Vec<i64> = stmt
            .query_map(rusqlite::params![limit, "", limit], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(ids.len(), limit as usize);
        assert_eq!(
            stmt.get_status(rusqlite::StatementStatus::RePrepare),
            0,
            "compiled again for LIMIT {limit}"
        );
    }
}

#[test]
fn readers_see_the_last_commit_while_a_write_is_open() {
    let dir = tempfile::tempdir().expect("dir");
    let db = Arc::new(notebook(dir.path(), Settings::default()));
    db.writer()
        .execute("INSERT INTO notes (text) VALUES ('committed')", [])
        .expect("insert");
    let count = |db: &Database| -> i64 {
        db.read(|c| Ok::<_, Error>(c.query_row("SELECT count(*) FROM notes", [], |r| r.get(0))?))
            .expect("count")
    };
    {
        let mut writer = db.writer();
        let tx = writer.transaction().expect("tx");
        tx.execute("INSERT INTO notes (text) VALUES ('open')", [])
            .expect("insert");
        let reader_db = Arc::clone(&db);
        let seen = std::thread::spawn(move || count(&reader_db))
            .join()
            .expect("reader thread");
        assert_eq!(seen, 1, "the reader saw the last commit without waiting");
        tx.commit().expect("commit");
    }
    assert_eq!(count(&db), 2);
}

#[test]
fn a_writer_poisoned_by_a_panic_is_taken_back_with_the_write_rolled_back() {
    let dir = tempfile::tempdir().expect("dir");
    let db = Arc::new(notebook(dir.path(), Settings::default()));
    for begin_with_sql in [true, false] {
        let panicking = Arc::clone(&db);
        let outcome = std::thread::spawn(move || {
            let mut writer = panicking.writer();
            if begin_with_sql {
                writer
                    .execute_batch("BEGIN IMMEDIATE; INSERT INTO notes (text) VALUES ('lost');")
                    .expect("write");
                panic!("fault in the middle of a write");
            }
            let tx = writer.transaction().expect("tx");
            tx.execute("INSERT INTO notes (text) VALUES ('lost')", [])
                .expect("write");
            panic!("fault in the middle of a write");
        })
        .join();
        assert!(outcome.is_err(), "the thread panicked");

        let mut writer = db.writer();
        assert!(writer.is_autocommit(), "no transaction left open");
        let tx = writer.transaction().expect("a new write begins");
        tx.execute("INSERT INTO notes (text) VALUES ('kept')", [])
            .expect("write");
        tx.commit().expect("commit");
    }
    let texts: Vec<String> = db
        .read(|c| {
            let mut stmt = c.prepare("SELECT text FROM notes ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok::<_, Error>(rows.collect::<Result<_, _>>()?)
        })
        .expect("read");
    assert_eq!(texts, ["kept", "kept"]);
}
