use std::path::PathBuf;

use crate::identity::FileKind;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong opening and using a database through this crate.
///
/// The users' own error types map these: [`Error::WrongFile`],
/// [`Error::TooNew`], [`Error::AlreadyExists`] and [`Error::Missing`] are about
/// the file asked for; [`Error::NoUpgradePath`] is a fault of the build (a
/// schema without the step it announced); [`Error::Sqlite`] is SQLite's.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{} is not {}: it is {found}", path.display(), expected.description)]
    WrongFile {
        path: PathBuf,
        expected: FileKind,
        found: Found,
    },

    #[error(
        "{} was written by a newer Shelfmark ({} format {found}; this build reads up to {supported}); update Shelfmark to open it",
        path.display(), kind.description
    )]
    TooNew {
        path: PathBuf,
        kind: FileKind,
        found: u32,
        supported: u32,
    },

    #[error("{} already exists", path.display())]
    AlreadyExists { path: PathBuf },

    #[error("{} does not exist", path.display())]
    Missing { path: PathBuf },

    #[error("no upgrade path from {} format {from} to {to}", kind.description)]
    NoUpgradePath { kind: FileKind, from: u32, to: u32 },

    #[error("cannot start the thread that checkpoints the write-ahead log: {0}")]
    CheckpointThread(std::io::Error),

    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// What a refused file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Not a SQLite database at all (or not readable as one).
    NotSqlite,
    /// A SQLite database with nothing in it.
    Empty,
    /// Another kind of Shelfmark file.
    OtherKind(FileKind),
    /// The expected kind, but without a format version: damaged, or never
    /// finished being created.
    Unversioned(FileKind),
    /// A SQLite database that another application marked as its own.
    OtherApplication(i32),
    /// A SQLite database with tables that no Shelfmark file has.
    UnknownSchema,
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotSqlite => f.write_str("not a SQLite database"),
            Self::Empty => f.write_str("an empty SQLite database"),
            Self::OtherKind(kind) => f.write_str(kind.description),
            Self::Unversioned(kind) => {
                write!(f, "{} without a format version (damaged)", kind.description)
            }
            Self::OtherApplication(id) => write!(
                f,
                "a SQLite database of another application (application id {id:#010x})"
            ),
            Self::UnknownSchema => f.write_str("a SQLite database of another application"),
        }
    }
}
