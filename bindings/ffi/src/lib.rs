//! Shelfmark's API for Swift and Kotlin: the library engine behind UniFFI.
//!
//! Open or create a library with [`open_library`] / [`create_library`]; the
//! returned [`LibraryHandle`] gives sub-objects for items, annotations,
//! collections, saved searches, import/export and citations. Calls that touch
//! the database are `async` and run on one shared worker pool, never on the
//! caller's thread. Listeners hear about changes through a [`TaskHandle`]
//! that stops them when dropped. Every failure is a [`ShelfmarkError`] with
//! a category and a message; panics never cross into the app.

uniffi::setup_scaffolding!();

mod account;
mod annotations;
mod changes;
mod citations;
mod collections;
mod conflict_text;
mod deletion_confirmation;
mod error;
mod file_status_text;
mod file_watch;
mod files;
mod import_summary;
mod item_form;
mod item_records;
mod items;
mod library;
mod list_watch;
mod logging;
mod lookup;
mod note_text;
mod query;
mod runtime;
mod saved_searches;
mod schema;
mod scoped_library;
mod share;
mod sidebar;
mod sidebar_watch;
mod sync;
mod sync_progress_text;
mod sync_reset_choices;
mod sync_status_text;
mod task;
mod transfer;

pub use account::{SignedInAccount, sign_in};
pub use annotations::{Annotation, AnnotationEdit, Annotations, NewAnnotation};
pub use changes::{KeyChanges, LibraryChanges, LibraryListener};
pub use citations::{CitationStyle, Citations, CiteFormat};
pub use collections::{CollectionInfo, CollectionTreeRow, Collections};
pub use conflict_text::{ConflictFieldText, ConflictText};
pub use deletion_confirmation::{DeletionConfirmation, DeletionDirection, DeletionGroup};
pub use error::{ErrorCategory, ShelfmarkError};
pub use file_status_text::file_status_text;
pub use file_watch::FileListener;
pub use files::{
    Download, DownloadListener, DownloadRequest, EvictSummary, FileDownloadPolicy, FileInfo,
    FileScope, FileSettings, FileStatusKind, FileTransferResult, Files,
};
pub use import_summary::{ImportSummary, ImportTypeCount, import_summary};
pub use item_form::{FieldKind, FormField, FormProblem, ItemForm, ItemForms, ItemTypeChange};
pub use item_records::{
    Creator, FieldValue, ItemDetail, ItemField, ItemKind, ItemPage, ItemRow, ItemTag, NewItem,
};
pub use items::{
    DuplicateGroup, DuplicateKind, EmptyTrashReport, Items, LinkMode, NewAttachment, TagCount,
    TrashContents,
};
pub use library::{LibraryHandle, LibraryOptions, create_library, open_library, restore_library};
pub use list_watch::{ItemListDiff, ItemListListener, ItemListUpdate};
pub use logging::{LogLevel, set_log_level};
pub use lookup::{
    LookupAddStatus, LookupAdded, LookupDuplicateAction, LookupResult, LookupService,
    LookupServiceUrl, LookupSettings, LookupStatus, Lookups, PdfFiled, RecognisedIdentifier,
    recognise_identifiers,
};
pub use note_text::{note_html, note_text};
pub use query::{ItemFilter, ItemListQuery, ItemSearchQuery, SearchMode, SortField};
pub use saved_searches::{SavedSearch, SavedSearches, SearchCondition};
pub use schema::{CreatorTypeInfo, FieldInfo, ItemTypeInfo, item_types};
pub use share::{ShareFile, ShareFormat, SharePayload, Sharing};
pub use sidebar::{SidebarRow, SidebarRowKind, SidebarSection};
pub use sidebar_watch::SidebarListener;
pub use sync::{
    AutoSync, AutoSyncListener, AutoSyncSettings, ConflictChoice, ConflictField,
    ConflictHistoryEntry, HeldDeletion, KeyStorage, LibrarySyncReport, LibrarySyncStatus,
    ObjectCounts, SyncAccount, SyncConflict, SyncListener, SyncLogEntry, SyncManager,
    SyncProgressEvent, SyncRequest, SyncResetMode, SyncResetReport, SyncResult, SyncStage,
    SyncSummary,
};
pub use sync_progress_text::{sync_error_kind_text, sync_progress_text, sync_summary_text};
pub use sync_reset_choices::{SyncResetChoice, sync_reset_choices};
pub use sync_status_text::{SyncCondition, SyncProblem, SyncStatusText, time_ago_text};
pub use task::TaskHandle;
pub use transfer::{
    BackupReport, ExportScope, Format, ImportOptions, ImportReport, ImportedDuplicate, OnDuplicate,
    ProgressListener, RecordNote, Transfer,
};
