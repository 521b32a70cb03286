//! The Shelfmark library engine: a researcher's reference library on one
//! device, in one SQLite file.
//!
//! Open or create a [`Library`]; every mutating method is one transaction,
//! readers run beside the single writer, and [`Library::subscribe`] tells
//! listeners what each committed write changed. Object data is the Web API's
//! JSON ([`shelfmark_protocol`]), so what is stored here is what syncs.

mod backup;
mod changes;
pub mod cite;
pub mod cloud;
mod db;
mod error;
mod library;
pub mod search;
mod store;
pub mod sync;
pub mod text;
mod time;

pub use backup::{BackupReport, restore};
pub use changes::{Change, ChangeKind, ChangeSet, ObjectKind, Subscription};
pub use cite::{CiteFormat, StyleInfo};
pub use db::SCHEMA_VERSION;
pub use error::{Error, ErrorCategory, Result};
pub use library::{Library, LibraryId, LibraryInfo, OpenOptions};
pub use shelfmark_protocol as protocol;
