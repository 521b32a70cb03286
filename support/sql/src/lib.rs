//! The SQLite plumbing that Shelfmark's library files (`shelfmark-core`) and
//! the server's embedded database (`shelfmark-server`) share:
//!
//! - [`Settings`]: how every connection is set up (WAL, foreign keys, busy
//!   timeout, synchronous), with what differs between the two as fields;
//! - [`Database`]: the single writer connection and a pool of readers beside
//!   it, with one rule for a poisoned lock (see [`Database::writer`]), and
//!   write-ahead log checkpoints on a thread of their own, off the writer's
//!   commits;
//! - [`open`] and the [`Schema`] trait: creating a file, refusing one that is
//!   not of the expected [`FileKind`] or is from a newer build, and bringing an
//!   older one up to date through numbered steps in one transaction.

mod checkpoint;
mod database;
mod error;
mod identity;
mod schema;
mod settings;

pub use database::Database;
pub use error::{Error, Found, Result};
pub use identity::{FileKind, KNOWN_KINDS, LIBRARY, SERVER_DATABASE};
pub use schema::{OpenMode, Schema, create_schema, open, upgrade_schema};
pub use settings::{ReaderAccess, Settings};
