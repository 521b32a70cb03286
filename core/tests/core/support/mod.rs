//! Helpers shared by the core's integration tests: new libraries and
//! items here, and per capability in the modules below.

pub mod files;
pub mod formats;
pub mod search;
pub mod store;
pub mod sync;

use shelfmark_core::Library;
use shelfmark_core::protocol::{Creator, ItemData};

/// A new library in a temporary directory that lives as long as the value.
pub struct TestLibrary {
    pub library: Library,
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for TestLibrary {
    type Target = Library;
    fn deref(&self) -> &Library {
        &self.library
    }
}

pub fn new_library() -> TestLibrary {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = Library::create(dir.path().join("test.shelfmark")).expect("create library");
    TestLibrary { library, dir }
}

pub fn article(title: &str, last: &str, year: &str) -> ItemData {
    let mut item = ItemData::new("journalArticle");
    item.set_field("title", title);
    item.set_field("date", year);
    item.creators.push(Creator::person("author", "A.", last));
    item
}

/// Keys of every item in the file, sorted, read straight from SQLite.
pub fn all_keys(library: &Library) -> Vec<String> {
    let conn = rusqlite::Connection::open(library.path()).expect("open");
    let mut stmt = conn
        .prepare("SELECT key FROM items ORDER BY key")
        .expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}
