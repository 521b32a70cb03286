//! Opening a database of a given kind: creating it with the latest schema,
//! or checking an existing one and bringing it up to date through numbered
//! steps, all in one transaction.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::database::Database;
use crate::error::{Error, Found};
use crate::identity::{FileKind, Identified, identify};
use crate::settings::Settings;

/// A kind of database's schema: how to create it and how to bring each
/// older format one step forward. The format is kept in `user_version`.
pub trait Schema {
    /// The user's own error, which carries this crate's.
    type Error: From<Error> + From<rusqlite::Error>;

    /// The kind of file this schema is for.
    const KIND: FileKind;

    /// The format this build writes. Bump it with every step added to
    /// [`Schema::upgrade`].
    const VERSION: u32;

    /// Creates the latest schema (and any rows a new file starts with) in
    /// an empty database.
    fn create(tx: &Transaction<'_>) -> Result<(), Self::Error>;

    /// Brings the schema from format `from` to `from + 1`.
    fn upgrade(tx: &Transaction<'_>, from: u32) -> Result<(), Self::Error>;

    /// Runs once after the steps from format `from`, before the new version
    /// is stored: work that today's code does better than each step would.
    fn after_upgrade(tx: &Transaction<'_>, from: u32) -> Result<(), Self::Error> {
        let _ = (tx, from);
        Ok(())
    }
}

/// Whether [`open`] creates the file, opens an existing one, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The file must not exist yet.
    CreateNew,
    /// The file must exist and be of the schema's kind.
    Existing,
    /// An existing file of the schema's kind, or a new (or empty) one.
    CreateOrExisting,
}

/// Opens the database at `path` for schema `S`.
///
/// An existing file is first checked through a read-only connection, so that
/// a file of another kind, another application's database or a file from a
/// newer build is refused without a byte written to it. A file of the
/// schema's kind written before its kind stamped an application id is
/// recognised by its tables and gets the id. An older format is brought up to
/// date in one transaction: a failed step leaves the file as it was.
pub fn open<S: Schema>(
    path: &Path,
    mode: OpenMode,
    settings: Settings,
) -> Result<Database, S::Error> {
    let exists = path.exists();
    match mode {
        OpenMode::CreateNew if exists => {
            return Err(Error::AlreadyExists {
                path: path.to_owned(),
            }
            .into());
        }
        OpenMode::Existing if !exists => {
            return Err(Error::Missing {
                path: path.to_owned(),
            }
            .into());
        }
        _ => {}
    }
    let found = if exists {
        identify(path, S::KIND, S::VERSION)?
    } else {
        Identified::Empty
    };
    if found == Identified::Empty && mode == OpenMode::Existing {
        return Err(Error::WrongFile {
            path: path.to_owned(),
            expected: S::KIND,
            found: Found::Empty,
        }
        .into());
    }

    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if !exists {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let mut conn = Connection::open_with_flags(path, flags).map_err(Error::from)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(Error::from)?;
    settings.configure(&conn).map_err(Error::from)?;
    settings.configure_writer(&conn).map_err(Error::from)?;

    let up_to_date = found
        == Identified::Ours {
            version: S::VERSION,
            stamp_id: false,
        };
    if !up_to_date {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(Error::from)?;
        // Read again under the write lock: another process may have created
        // or upgraded the file since it was checked.
        let version = stored_version(&tx)?;
        if version > S::VERSION {
            return Err(Error::TooNew {
                path: path.to_owned(),
                kind: S::KIND,
                found: version,
                supported: S::VERSION,
            }
            .into());
        }
        if version == 0 {
            create_schema::<S>(&tx)?;
        } else if version < S::VERSION {
            upgrade_schema::<S>(&tx, version)?;
        } else {
            stamp::<S>(&tx, S::VERSION)?;
        }
        tx.commit().map_err(Error::from)?;
    }
    Ok(Database::new(path, settings, conn)?)
}

/// Creates schema `S` in the transaction's empty database and stamps the
/// file with its kind's id and the latest format.
pub fn create_schema<S: Schema>(tx: &Transaction<'_>) -> Result<(), S::Error> {
    S::create(tx)?;
    stamp::<S>(tx, S::VERSION)
}

/// Brings a database of format `from` to the latest one, a numbered step at
/// a time, in the caller's transaction, and stamps the file with its kind's
/// id and the new format.
pub fn upgrade_schema<S: Schema>(tx: &Transaction<'_>, from: u32) -> Result<(), S::Error> {
    if from == 0 || from > S::VERSION {
        return Err(Error::NoUpgradePath {
            kind: S::KIND,
            from,
            to: S::VERSION,
        }
        .into());
    }
    for step in from..S::VERSION {
        S::upgrade(tx, step)?;
    }
    if from < S::VERSION {
        S::after_upgrade(tx, from)?;
    }
    stamp::<S>(tx, S::VERSION)
}

fn stored_version(conn: &Connection) -> Result<u32, Error> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(u32::try_from(version).unwrap_or(0))
}

fn stamp<S: Schema>(conn: &Connection, version: u32) -> Result<(), S::Error> {
    conn.pragma_update(None, "application_id", S::KIND.application_id)?;
    conn.pragma_update(None, "user_version", version)?;
    Ok(())
}
