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
pub mod diff;
mod digest;
mod duplicates;
mod error;
mod export;
pub mod files;
mod import;
mod library;
mod list_watch;
pub mod lookup;
pub mod search;
mod send_futures;
mod store;
pub mod sync;
mod time;

pub use backup::{BackupReport, restore};
pub use changes::{Change, ChangeKind, ChangeSet, ObjectKind, Subscription};
pub use cite::{CiteFormat, StyleInfo};
pub use db::SCHEMA_VERSION;
pub use duplicates::{DuplicateGroup, DuplicateIndex, DuplicateReason};
pub use error::{Error, ErrorCategory, Result};
pub use export::ExportScope;
pub use import::{DuplicateFound, ImportOptions, ImportReport, OnDuplicate};
pub use library::{Library, LibraryId, LibraryInfo, OpenOptions};
pub use list_watch::{ListUpdate, ListWatch, MAX_DIFFED_ROWS, PageChange, update_between};
pub use search::{
    ItemFilter, ItemListQuery, ItemSearchQuery, ItemSummary, Page, SearchMode, SortField,
    validate_conditions,
};
pub use shelfmark_formats as formats;
pub use shelfmark_formats::text;
pub use shelfmark_protocol as protocol;
pub use store::children::{AnnotationEdit, DEFAULT_ANNOTATION_COLOR, NewAnnotation, NewAttachment};
pub use store::collections::CollectionNode;
pub use store::edit::{
    LOCAL_ITEM_URI_PREFIX, MovedToExtra, TagCount, convert_item_type, local_item_uri,
};
pub use store::searches::{JOIN_MODE, with_join_mode, without_join_mode};
pub use store::trash::{EmptyTrashReport, TrashContents};
