//! Telling Shelfmark's SQLite files apart: each kind stamps its own
//! `application_id` in the file's header, so that a library opened as the
//! server's database (or the other way round), or another application's
//! database, is refused before a byte is written to it.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Found, Result};

/// A kind of SQLite file that Shelfmark writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKind {
    /// Stored in the file's header (`PRAGMA application_id`).
    pub application_id: i32,
    /// The kind as messages name it, with its article ("a Shelfmark library").
    pub description: &'static str,
    /// Tables that every released format of this kind has. A file written
    /// before its kind stamped an application id is recognised by them.
    pub tables: &'static [&'static str],
}

/// A library file on a device ("SHLF").
pub const LIBRARY: FileKind = FileKind {
    application_id: 0x5348_4C46,
    description: "a Shelfmark library",
    tables: &[
        "libraries",
        "items",
        "collection_items",
        "saved_searches",
        "meta",
    ],
};

/// The online service's embedded database ("SHSV").
pub const SERVER_DATABASE: FileKind = FileKind {
    application_id: 0x5348_5356,
    description: "a Shelfmark server database",
    tables: &["users", "api_keys", "libraries", "items", "tombstones"],
};

/// Every kind of file, so that each can name the others when it refuses one.
pub const KNOWN_KINDS: [FileKind; 2] = [LIBRARY, SERVER_DATABASE];

/// An existing file that may be opened as the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identified {
    /// An empty database: created in place when the caller allows it.
    Empty,
    /// The expected kind at format `version` (at most the supported one).
    /// `stamp_id`: written before its kind had an application id, recognised
    /// by its tables; it gets the id when opened.
    Ours { version: u32, stamp_id: bool },
}

/// Looks at the file at `path` through a read-only connection, so that a
/// file that is refused is left exactly as it was (no WAL or lock files).
pub(crate) fn identify(path: &Path, expected: FileKind, supported: u32) -> Result<Identified> {
    let wrong = |found| Error::WrongFile {
        path: path.to_owned(),
        expected,
        found,
    };
    let too_new = |found| Error::TooNew {
        path: path.to_owned(),
        kind: expected,
        found,
        supported,
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|_| wrong(Found::NotSqlite))?;
    // A file that is not SQLite fails on its first read.
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|_| wrong(Found::NotSqlite))?;
    let raw_version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    // user_version is a signed 32-bit field; no format is numbered below 1.
    let version = u32::try_from(raw_version).unwrap_or(0);

    if application_id == expected.application_id {
        return match version {
            0 => Err(wrong(Found::Unversioned(expected))),
            v if v > supported => Err(too_new(v)),
            v => Ok(Identified::Ours {
                version: v,
                stamp_id: false,
            }),
        };
    }
    if let Some(other) = KNOWN_KINDS
        .iter()
        .find(|kind| kind.application_id == application_id)
    {
        return Err(wrong(Found::OtherKind(*other)));
    }
    if application_id != 0 {
        return Err(wrong(Found::OtherApplication(application_id)));
    }

    // No application id: empty, one of ours from before the id, or foreign.
    let tables = table_names(&conn)?;
    if tables.is_empty() && raw_version == 0 {
        return Ok(Identified::Empty);
    }
    let has_tables_of = |kind: &FileKind| kind.tables.iter().all(|t| tables.contains(*t));
    if has_tables_of(&expected) && version > 0 {
        if version > supported {
            return Err(too_new(version));
        }
        return Ok(Identified::Ours {
            version,
            stamp_id: true,
        });
    }
    if let Some(other) = KNOWN_KINDS
        .iter()
        .find(|kind| kind.application_id != expected.application_id && has_tables_of(kind))
    {
        return Err(wrong(Found::OtherKind(*other)));
    }
    Err(wrong(Found::UnknownSchema))
}

fn table_names(conn: &Connection) -> Result<HashSet<String>> {
    let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    let names = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_have_distinct_ids() {
        assert_ne!(LIBRARY.application_id, SERVER_DATABASE.application_id);
        assert_eq!(&LIBRARY.application_id.to_be_bytes(), b"SHLF");
        assert_eq!(&SERVER_DATABASE.application_id.to_be_bytes(), b"SHSV");
    }

    #[test]
    fn a_file_without_an_id_is_told_by_its_tables() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("old.db");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(
            "CREATE TABLE users (id); CREATE TABLE api_keys (id); CREATE TABLE libraries (id);
             CREATE TABLE items (id); CREATE TABLE tombstones (id); PRAGMA user_version = 3;",
        )
        .expect("old server schema");
        drop(conn);
        assert_eq!(
            identify(&path, SERVER_DATABASE, 6).expect("recognised"),
            Identified::Ours {
                version: 3,
                stamp_id: true
            }
        );
        let err = identify(&path, LIBRARY, 7).expect_err("not a library");
        assert!(
            matches!(
                err,
                Error::WrongFile {
                    found: Found::OtherKind(SERVER_DATABASE),
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .ends_with("is not a Shelfmark library: it is a Shelfmark server database"),
            "{err}"
        );
        let err = identify(&path, SERVER_DATABASE, 2).expect_err("newer");
        assert!(matches!(err, Error::TooNew { found: 3, .. }), "{err}");
    }
}
