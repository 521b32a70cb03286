//! Moving references in and out: import from files or text, export in any
//! format, and backup archives of the whole library.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use shelfmark_core::formats::Format as CoreFormat;
use shelfmark_core::{self as core, DuplicateReason, Library, OnDuplicate as CoreOnDuplicate};

use crate::error::Result;
use crate::runtime::with_library;

/// A reference file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Format {
    /// RIS (`.ris`).
    Ris,
    /// BibTeX (`.bib`).
    Bibtex,
    /// BibLaTeX (`.bib`).
    Biblatex,
    /// CSL-JSON (`.json`).
    CslJson,
    /// EndNote XML (`.xml`).
    EndnoteXml,
    /// EndNote tagged / refer (`.enw`).
    EndnoteTagged,
    /// Zotero JSON, lossless: collections, notes and annotations too (`.json`).
    ZoteroJson,
}

/// What to do with an imported record that matches an item already in the
/// library (same DOI, ISBN, or title, year and first creator).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OnDuplicate {
    /// Keep the library's item as it is; import nothing for the record.
    #[default]
    Skip,
    /// Fill the library's item in with what the record adds (differing
    /// values go to its Extra field).
    Merge,
    /// Import the record as a new item anyway.
    Keep,
}

/// How to import.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ImportOptions {
    /// The file's format; recognised from the content when absent.
    #[uniffi(default = None)]
    pub format: Option<Format>,
    /// Put every imported reference in the collection with this key.
    #[uniffi(default = None)]
    pub collection: Option<String>,
    /// What to do with duplicates.
    pub on_duplicate: OnDuplicate,
}

/// A note about one record of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordNote {
    /// The record's number in the file, from 1.
    pub record: u64,
    /// What happened to it.
    pub message: String,
}

/// An imported record that matched an item already in the library.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedDuplicate {
    /// The record's number in the file, from 1.
    pub record: u64,
    /// The key of the item it matched.
    pub existing_key: String,
    /// Why they are the same, in words.
    pub reason: String,
    /// What was done.
    pub action: OnDuplicate,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    /// The format read.
    pub format: Format,
    /// Keys of the top-level items created, in file order.
    pub created: Vec<String>,
    /// Items created by item type, children included.
    pub created_by_type: std::collections::HashMap<String, u64>,
    /// Values kept in Extra because no field of the item type held them.
    pub kept_in_extra: Vec<RecordNote>,
    /// Records not imported, and why.
    pub skipped: Vec<RecordNote>,
    /// Records that matched items already in the library.
    pub duplicates: Vec<ImportedDuplicate>,
    /// Collections the import created.
    pub collections_created: u64,
}

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ExportScope {
    /// Every item outside the trash.
    Library,
    /// The items of a collection, optionally with its sub-collections.
    Collection {
        /// The collection's key.
        key: String,
        /// Include the items of sub-collections at any depth.
        recursive: bool,
    },
    /// The items a saved search finds now.
    SavedSearch {
        /// The saved search's key.
        key: String,
    },
    /// These items, in this order.
    Items {
        /// The items' keys.
        keys: Vec<String>,
    },
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupReport {
    /// The archive's path.
    pub archive: String,
    /// Attachment files included.
    pub attachments: u64,
    /// Bytes of database and attachments before compression.
    pub bytes: u64,
}

/// Hears how far a long operation has got.
#[uniffi::export(foreign)]
pub trait ProgressListener: Send + Sync {
    /// `done` of `total` units are finished (`total` may grow as the work
    /// learns more). Called from a background thread, at most about once
    /// per percent.
    fn on_progress(&self, done: u64, total: u64);
}

impl From<Format> for CoreFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Ris => Self::Ris,
            Format::Bibtex => Self::Bibtex,
            Format::Biblatex => Self::Biblatex,
            Format::CslJson => Self::CslJson,
            Format::EndnoteXml => Self::EndnoteXml,
            Format::EndnoteTagged => Self::EndnoteTagged,
            Format::ZoteroJson => Self::ZoteroJson,
        }
    }
}

impl From<CoreFormat> for Format {
    fn from(f: CoreFormat) -> Self {
        match f {
            CoreFormat::Ris => Self::Ris,
            CoreFormat::Bibtex => Self::Bibtex,
            CoreFormat::Biblatex => Self::Biblatex,
            CoreFormat::CslJson => Self::CslJson,
            CoreFormat::EndnoteXml => Self::EndnoteXml,
            CoreFormat::EndnoteTagged => Self::EndnoteTagged,
            CoreFormat::ZoteroJson => Self::ZoteroJson,
        }
    }
}

impl From<OnDuplicate> for CoreOnDuplicate {
    fn from(d: OnDuplicate) -> Self {
        match d {
            OnDuplicate::Skip => Self::Skip,
            OnDuplicate::Merge => Self::Merge,
            OnDuplicate::Keep => Self::Keep,
        }
    }
}

impl From<CoreOnDuplicate> for OnDuplicate {
    fn from(d: CoreOnDuplicate) -> Self {
        match d {
            CoreOnDuplicate::Skip => Self::Skip,
            CoreOnDuplicate::Merge => Self::Merge,
            CoreOnDuplicate::Keep => Self::Keep,
        }
    }
}

impl From<ImportOptions> for core::ImportOptions {
    fn from(o: ImportOptions) -> Self {
        Self {
            format: o.format.map(Into::into),
            collection: o.collection,
            on_duplicate: o.on_duplicate.into(),
        }
    }
}

impl From<ExportScope> for core::ExportScope {
    fn from(s: ExportScope) -> Self {
        match s {
            ExportScope::Library => Self::Library,
            ExportScope::Collection { key, recursive } => Self::Collection { key, recursive },
            ExportScope::SavedSearch { key } => Self::SavedSearch(key),
            ExportScope::Items { keys } => Self::Items(keys),
        }
    }
}

fn notes(list: Vec<(usize, String)>) -> Vec<RecordNote> {
    list.into_iter()
        .map(|(record, message)| RecordNote {
            record: record as u64,
            message,
        })
        .collect()
}

fn reason_text(reason: &DuplicateReason) -> String {
    reason.to_string()
}

impl From<core::ImportReport> for ImportReport {
    fn from(r: core::ImportReport) -> Self {
        Self {
            format: r.format.into(),
            created: r.created.iter().map(ToString::to_string).collect(),
            created_by_type: r.by_type.into_iter().map(|(t, n)| (t, n as u64)).collect(),
            kept_in_extra: notes(r.to_extra),
            skipped: notes(r.skipped),
            duplicates: r
                .duplicates
                .into_iter()
                .map(|d| ImportedDuplicate {
                    record: d.record as u64,
                    existing_key: d.existing.to_string(),
                    reason: reason_text(&d.reason),
                    action: d.action.into(),
                })
                .collect(),
            collections_created: r.collections_created as u64,
        }
    }
}

/// A progress callback for the core that calls `listener` when the
/// percentage moves (or the work finishes), not for every record.
fn throttled(listener: Option<Arc<dyn ProgressListener>>) -> impl FnMut(usize, usize) {
    let mut last_percent = None;
    move |done, total| {
        let Some(listener) = &listener else { return };
        let percent = (done.saturating_mul(100)).checked_div(total).unwrap_or(100);
        if Some(percent) != last_percent || done == total {
            last_percent = Some(percent);
            listener.on_progress(done as u64, total as u64);
        }
    }
}

fn write_file(path: &Path, text: &str) -> core::Result<()> {
    std::fs::write(path, text).map_err(|source| core::Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// Import, export and backups of a library.
#[derive(Debug, uniffi::Object)]
pub struct Transfer {
    library: Library,
}

impl Transfer {
    pub(crate) fn new(library: Library) -> Self {
        Self { library }
    }
}

#[uniffi::export]
impl Transfer {
    /// Imports a file (UTF-8, with or without a byte-order mark). All or
    /// nothing: a malformed record names the file, the record and its line,
    /// and nothing is imported.
    pub async fn import_file(
        &self,
        path: String,
        options: ImportOptions,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<ImportReport> {
        let options = options.into();
        with_library(&self.library, move |l| {
            l.import_file(Path::new(&path), &options, &mut throttled(progress))
                .map(ImportReport::from)
        })
        .await
    }

    /// Imports text (a shared snippet, the clipboard); `source_name` names it
    /// in messages.
    pub async fn import_text(
        &self,
        source_name: String,
        text: String,
        options: ImportOptions,
    ) -> Result<ImportReport> {
        let options = options.into();
        with_library(&self.library, move |l| {
            l.import_text(&source_name, &text, &options, &mut throttled(None))
                .map(ImportReport::from)
        })
        .await
    }

    /// The items of `scope` in `format`, as text. Formats other than Zotero
    /// JSON carry notes and attachment links but not annotations.
    pub async fn export(&self, format: Format, scope: ExportScope) -> Result<String> {
        let scope = scope.into();
        with_library(&self.library, move |l| l.export(format.into(), &scope)).await
    }

    /// Writes the items of `scope` in `format` to a file.
    pub async fn export_to_file(
        &self,
        format: Format,
        scope: ExportScope,
        path: String,
    ) -> Result<()> {
        let scope = scope.into();
        with_library(&self.library, move |l| {
            write_file(Path::new(&path), &l.export(format.into(), &scope)?)
        })
        .await
    }

    /// Writes a backup archive of the library and its attachment files
    /// (safe while the library is in use). Restore it with `restoreLibrary`.
    pub async fn backup(&self, archive: String) -> Result<BackupReport> {
        with_library(&self.library, move |l| {
            let report = l.backup(&PathBuf::from(&archive))?;
            Ok(BackupReport {
                archive: report.archive.display().to_string(),
                attachments: report.attachments as u64,
                bytes: report.bytes,
            })
        })
        .await
    }
}
