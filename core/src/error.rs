use std::path::PathBuf;

use shelfmark_protocol::{KeyError, ValidationError};
use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library engine.
#[derive(Debug, Error)]
pub enum Error {
    #[error("invalid data: {0}")]
    Invalid(#[from] ValidationError),

    #[error(transparent)]
    BadKey(#[from] KeyError),

    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },

    #[error("{0}")]
    InvalidInput(String),

    #[error("{} is not a Shelfmark library: it is {found}", path.display())]
    NotALibrary {
        path: PathBuf,
        /// What the file is instead ("a Shelfmark server database", "not a
        /// SQLite database", …).
        found: String,
    },

    #[error(
        "{} was written by a newer Shelfmark (library format {found}; this build reads up to {supported}); update Shelfmark to open it",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error("{} does not exist; create it with `shelfmark init`", path.display())]
    Missing { path: PathBuf },

    #[error("{} already exists", path.display())]
    AlreadyExists { path: PathBuf },

    #[error("{message}")]
    CloudFolder { path: PathBuf, message: String },

    #[error("{source_name}: {}{reason}", import_position(*record, *line))]
    Import {
        source_name: String,
        /// The record's number, from 1 (0: the file as a whole).
        record: usize,
        line: Option<usize>,
        reason: String,
    },

    #[error("{} is not a usable backup: {reason}", path.display())]
    DamagedArchive { path: PathBuf, reason: String },

    #[error("storage error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),

    /// Stored data that cannot be read back: the library file is damaged.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),

    /// Shelfmark itself failed: a task stopped or panicked, a runtime could
    /// not start, or an invariant broke. Nothing stored is damaged.
    #[error("internal error: {0}")]
    Internal(String),

    /// The error of a sync that this call joined while it ran, as the call
    /// that started it got it.
    #[error("{message}")]
    Joined {
        category: ErrorCategory,
        message: String,
    },

    #[error("file error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The small, stable set of error kinds that the apps and the CLI present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    InvalidInput,
    NotFound,
    Storage,
    /// A sync could not finish; the sync error's kind says why.
    Sync,
    /// Shelfmark failed, not the data or the input (worth a bug report).
    Internal,
}

impl Error {
    pub fn category(&self) -> ErrorCategory {
        match self {
            Self::Invalid(_) | Self::BadKey(_) | Self::InvalidInput(_) | Self::Import { .. } => {
                ErrorCategory::InvalidInput
            }
            Self::NotFound { .. } | Self::Missing { .. } => ErrorCategory::NotFound,
            Self::NotALibrary { .. }
            | Self::TooNew { .. }
            | Self::AlreadyExists { .. }
            | Self::CloudFolder { .. }
            | Self::DamagedArchive { .. }
            | Self::Sqlite(_)
            | Self::Corrupt(_)
            | Self::Io { .. } => ErrorCategory::Storage,
            Self::Sync(_) => ErrorCategory::Sync,
            Self::Internal(_) => ErrorCategory::Internal,
            Self::Joined { category, .. } => *category,
        }
    }

    pub(crate) fn not_found(what: &'static str, key: impl ToString) -> Self {
        Self::NotFound {
            what,
            key: key.to_string(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput(message.into())
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }
}

fn import_position(record: usize, line: Option<usize>) -> String {
    match (record, line) {
        (0, _) => String::new(),
        (r, Some(l)) => format!("record {r} (line {l}): "),
        (r, None) => format!("record {r}: "),
    }
}

impl From<shelfmark_sql::Error> for Error {
    fn from(e: shelfmark_sql::Error) -> Self {
        use shelfmark_sql::Error as Sql;
        match e {
            Sql::WrongFile { path, found, .. } => Self::NotALibrary {
                path,
                found: found.to_string(),
            },
            Sql::TooNew {
                path,
                found,
                supported,
                ..
            } => Self::TooNew {
                path,
                found,
                supported,
            },
            Sql::AlreadyExists { path } => Self::AlreadyExists { path },
            Sql::Missing { path } => Self::Missing { path },
            // The build lacks a step its schema announces: Shelfmark's
            // fault, not the file's.
            e @ Sql::NoUpgradePath { .. } => Self::Internal(e.to_string()),
            // The system refused a thread: nothing to do with the file.
            e @ Sql::CheckpointThread(_) => Self::Internal(e.to_string()),
            Sql::Sqlite(e) => Self::Sqlite(e),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::Corrupt(e.to_string())
    }
}

/// Wraps an I/O failure on `path` (for `map_err`).
pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}
