//! The types every part of the sync shares: how to sync (options, progress,
//! cancelling), what a sync and a sync reset report, and the reset modes.
//! A leaf: it names lower modules' types only, never the orchestration
//! (`session`, `schedule`, `reset`, `engine`) that uses it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use super::client::RemoteLibrary;
use super::credentials::CredentialStore;
use super::detach::RemovedGroup;
use super::error::{SyncError, SyncErrorKind};
use super::state::{Notice, PendingDeletion};
use crate::changes::ObjectKind;
use crate::error::{Error, Result};
use crate::library::LibraryId;

/// Stops a running sync at the next batch boundary. What was downloaded
/// and uploaded so far stays, and the next sync resumes from there.
#[derive(Debug, Clone, Default)]
pub struct SyncCancel(Arc<AtomicBool>);

impl SyncCancel {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the sync holding this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`SyncCancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// An error when cancelled, for the engine's batch boundaries.
    pub(crate) fn check(token: Option<&Self>) -> Result<()> {
        if token.is_some_and(Self::is_cancelled) {
            return Err(SyncError::new(
                SyncErrorKind::Cancelled,
                "The sync was stopped; it continues where it left off next time.",
            )
            .into());
        }
        Ok(())
    }
}

/// Receives progress events during a sync.
pub type ProgressCallback = Arc<dyn Fn(&SyncProgress) + Send + Sync>;

/// What a sync is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncStage {
    /// Checking the key and the libraries it reaches.
    Connecting,
    /// Asking what changed online.
    Checking,
    Downloading,
    ApplyingDeletions,
    Uploading,
    UploadingDeletions,
    /// Indexing the full text of what a large download brought (the items
    /// are listed and found by quick search already).
    Indexing,
    Done,
}

/// A progress event: phase, and objects done out of the total for one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncProgress {
    pub library: LibraryId,
    pub phase: SyncStage,
    pub object: Option<ObjectKind>,
    pub done: usize,
    pub total: usize,
}

/// How to sync.
#[derive(Clone, Default)]
pub struct SyncOptions {
    /// The server's base URL; needed on the first sync, checked afterwards.
    pub server_url: Option<String>,
    /// The user the key must belong to (checked when given).
    pub user_id: Option<u64>,
    /// An API key to use (and keep); otherwise the one kept for the account.
    pub api_key: Option<String>,
    /// Where the API key is kept between syncs.
    pub credentials: CredentialStore,
    /// Go ahead with deletions larger than max(10, 10 %) of a library.
    pub confirm_deletions: bool,
    /// Requests in flight at once while downloading (default 4).
    pub concurrency: usize,
    /// Longest wait honoured for `Retry-After`/`Backoff` before giving up.
    pub max_retry_wait: Option<Duration>,
    pub progress: Option<ProgressCallback>,
    /// Stops the sync at the next batch when cancelled.
    pub cancel: Option<SyncCancel>,
    /// Largest page of objects to download at once when the server offers
    /// large pages (default: what it offers, at most 1000); 50 keeps the
    /// standard pages.
    pub max_page_size: Option<u32>,
    /// Sync only these libraries of the file (a change announced for one of
    /// them); `None` syncs all and looks for groups gained or lost.
    pub only_libraries: Option<Vec<LibraryId>>,
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The API key is never printed.
        f.debug_struct("SyncOptions")
            .field("server_url", &self.server_url)
            .field("user_id", &self.user_id)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .field("credentials", &self.credentials)
            .field("confirm_deletions", &self.confirm_deletions)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// Objects per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ObjectCounts {
    pub items: u64,
    pub collections: u64,
    pub searches: u64,
}

impl ObjectCounts {
    pub(crate) fn add(&mut self, ty: ObjectKind, n: usize) {
        let n = n as u64;
        match ty {
            ObjectKind::Item => self.items += n,
            ObjectKind::Collection => self.collections += n,
            ObjectKind::SavedSearch => self.searches += n,
        }
    }

    pub fn total(&self) -> u64 {
        self.items + self.collections + self.searches
    }
}

/// How a library's sync ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncResult {
    /// Both sides agree; nothing needed doing or everything was done.
    Synced,
    /// Synced, with conflicts waiting to be resolved.
    Conflicts,
    /// Stopped before deleting more than max(10, 10 %) of a library.
    ConfirmDeletions,
    Failed,
}

impl SyncResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Synced => "ok",
            Self::Conflicts => "conflicts",
            Self::ConfirmDeletions => "confirm-deletions",
            Self::Failed => "failed",
        }
    }
}

/// What a sync did to one library.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryReport {
    pub library: i64,
    pub name: String,
    /// `/users/<id>` or `/groups/<id>`.
    pub remote: String,
    pub outcome: SyncResult,
    pub downloaded: ObjectCounts,
    pub uploaded: ObjectCounts,
    /// Deleted online, moved to the trash here.
    pub trashed_here: ObjectCounts,
    /// Deleted here (trash emptied), deleted online.
    pub deleted_there: ObjectCounts,
    /// Conflicts waiting to be resolved after the run.
    pub conflicts: usize,
    /// Local changes a read-only library keeps without uploading.
    pub read_only_kept: usize,
    /// Deletions held back for confirmation.
    pub pending_deletions: Vec<PendingDeletion>,
    pub notices: Vec<Notice>,
    /// Objects refused or unreadable, each in a sentence.
    pub problems: Vec<String>,
    /// Attachment files uploaded and downloaded after the metadata.
    pub files: crate::files::FileSyncSummary,
    pub error_kind: Option<String>,
    pub error: Option<String>,
}

impl LibraryReport {
    pub(crate) fn new(library: LibraryId, name: String, remote: RemoteLibrary) -> Self {
        Self {
            library: library.0,
            name,
            remote: remote.prefix(),
            outcome: SyncResult::Synced,
            downloaded: ObjectCounts::default(),
            uploaded: ObjectCounts::default(),
            trashed_here: ObjectCounts::default(),
            deleted_there: ObjectCounts::default(),
            conflicts: 0,
            read_only_kept: 0,
            pending_deletions: Vec::new(),
            notices: Vec::new(),
            problems: Vec::new(),
            files: crate::files::FileSyncSummary::default(),
            error_kind: None,
            error: None,
        }
    }

    pub(crate) fn counts_json(&self) -> Value {
        json!({
            "downloaded": self.downloaded,
            "uploaded": self.uploaded,
            "trashedHere": self.trashed_here,
            "deletedThere": self.deleted_there,
            "readOnlyKept": self.read_only_kept,
        })
    }
}

/// What one sync run did, library by library.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncReport {
    pub run_id: String,
    pub libraries: Vec<LibraryReport>,
    /// Group libraries the account no longer reaches: removed from the
    /// file, or kept detached when they held unsynced changes.
    pub removed_groups: Vec<RemovedGroup>,
}

impl SyncReport {
    /// Whether every library synced without error.
    pub fn is_ok(&self) -> bool {
        self.libraries
            .iter()
            .all(|l| l.outcome != SyncResult::Failed)
    }
}

/// Which side a sync reset makes the other equal to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncResetMode {
    /// Make the online library equal this one.
    Upload,
    /// Make this library equal the online one (local-only objects go to
    /// the trash).
    Download,
    /// Forget versions and join both sides without duplicates.
    Merge,
}

impl SyncResetMode {
    pub const ALL: [SyncResetMode; 3] = [Self::Upload, Self::Download, Self::Merge];

    /// The mode's name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Download => "download",
            Self::Merge => "merge",
        }
    }

    /// Reads `upload`, `download` or `merge`.
    pub fn parse(text: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "unknown reset mode {text:?}: use upload, download or merge"
                ))
            })
    }
}

/// What a sync reset did: where the backup is and the sync it ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResetReport {
    pub mode: SyncResetMode,
    /// The backup archive written before anything changed.
    pub backup: PathBuf,
    pub sync: SyncReport,
}
