//! Opening, creating and refusing library files; the write path basics.

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use crate::support::{article, new_library};
use shelfmark_core::{ChangeKind, Error, ImportOptions, ItemFilter, Library, ObjectKind};

#[test]
fn create_then_reopen_keeps_items() {
    let lib = new_library();
    let created = lib
        .create_item(article("Deep Time", "Rudwick", "2005"))
        .expect("create");
    assert_eq!(created.version, 0);
    assert!(created.date_added.is_some());
    let path = lib.path().to_owned();
    drop(lib.library.clone());
    let reopened = Library::open(&path).expect("reopen");
    let item = reopened.get_item(created.key.as_str()).expect("get");
    assert_eq!(item, created);
}

#[test]
fn create_refuses_an_existing_file() {
    let lib = new_library();
    let err = Library::create(lib.path()).expect_err("exists");
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
}

#[test]
fn refuses_files_that_are_not_libraries_and_leaves_them_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"just some text, not a database at all").expect("write");
    let err = Library::open(&text).expect_err("text file");
    assert!(matches!(err, Error::NotALibrary { .. }), "{err}");
    assert_eq!(
        std::fs::read(&text).expect("read"),
        b"just some text, not a database at all"
    );

    // A SQLite database of another application.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .and_then(|c| c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);"))
        .expect("other db");
    let before = std::fs::read(&other).expect("read");
    let err = Library::open(&other).expect_err("other db");
    assert!(matches!(err, Error::NotALibrary { .. }), "{err}");
    assert_eq!(std::fs::read(&other).expect("read"), before);
    assert!(
        !dir.path().join("other.db-wal").exists(),
        "nothing written beside it"
    );

    let err = Library::open(dir.path().join("missing.shelfmark")).expect_err("missing");
    assert!(matches!(err, Error::Missing { .. }), "{err}");
}

#[test]
fn refuses_a_library_from_a_newer_build() {
    let crate::support::TestLibrary { library, dir: _dir } = new_library();
    let path = library.path().to_owned();
    drop(library);
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.pragma_update(None, "user_version", shelfmark_core::SCHEMA_VERSION + 1)
        .expect("bump");
    drop(conn);
    let err = Library::open(&path).expect_err("too new");
    assert!(matches!(err, Error::TooNew { .. }), "{err}");
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn subscribers_hear_committed_changes_only() {
    let lib = new_library();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let sub = lib.subscribe(move |changes| sink.lock().expect("lock").push(changes.clone()));
    let item = lib
        .create_item(article("One", "Smith", "2001"))
        .expect("create");
    // A failing write notifies nobody.
    let mut bad = article("Two", "Jones", "2002");
    bad.item_type = "scroll".into();
    assert!(lib.create_item(bad).is_err());
    {
        let seen = seen.lock().expect("lock");
        assert_eq!(seen.len(), 1);
        let change = &seen[0].changes[0];
        assert_eq!(
            (change.object, change.kind),
            (ObjectKind::Item, ChangeKind::Created)
        );
        assert_eq!(change.key, item.key);
    }
    drop(sub);
    lib.create_item(article("Three", "Brown", "2003"))
        .expect("create");
    assert_eq!(seen.lock().expect("lock").len(), 1, "unsubscribed on drop");
}

#[test]
fn invalid_items_write_nothing() {
    let lib = new_library();
    let mut item = article("T", "S", "2000");
    item.set_field("ISBN", "978-3-16-148410-0");
    let err = lib
        .create_item(item.clone())
        .expect_err("ISBN not in journalArticle");
    assert!(err.to_string().contains("ISBN"), "{err}");
    assert!(matches!(
        lib.get_item(item.key.as_str()),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(lib.get_item("nope"), Err(Error::BadKey(_))));
}

/// While an import's write transaction is open (its last progress call
/// comes after every record is written, before the commit), a reader on
/// another thread runs to the end and sees the last committed state.
#[test]
fn readers_run_while_a_write_is_open() {
    let lib = new_library();
    let committed = lib
        .create_item(article("Readable", "Reader", "1999"))
        .expect("create");
    let ris = "TY  - JOUR\nTI  - Written meanwhile\nPY  - 2000\nER  - \n";
    let mut read_during_write = None;
    let report = lib
        .import_text(
            "meanwhile.ris",
            ris,
            &ImportOptions::default(),
            &mut |done, total| {
                if done == 0 || done < total {
                    return;
                }
                let reader = lib.library.clone();
                let key = committed.key.to_string();
                let (sender, receiver) = mpsc::channel();
                std::thread::spawn(move || {
                    let title = reader
                        .get_item(&key)
                        .map(|item| item.field("title").map(str::to_owned));
                    let count = reader.count_items(&ItemFilter::default());
                    let _ = sender.send((title, count));
                });
                // A reader queued behind the writer would time out here.
                read_during_write = Some(receiver.recv_timeout(Duration::from_secs(20)));
            },
        )
        .expect("import");
    assert_eq!(report.created.len(), 1);
    let (title, count) = read_during_write
        .expect("the import reported its end")
        .expect("the read finished while the write was open");
    assert_eq!(title.expect("read").as_deref(), Some("Readable"));
    assert_eq!(count.expect("count"), 1, "the open write is not visible");
    assert_eq!(lib.count_items(&ItemFilter::default()).expect("count"), 2);
}
