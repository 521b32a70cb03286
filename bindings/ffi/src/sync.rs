//! Syncing with the online service: signing in, syncing now, the status and
//! log an app shows, deletions held back for confirmation, and conflicts
//! with their resolution and history.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use shelfmark_core::sync::{
    self as core_sync, AutoSyncConfig, AutoSyncHandle, CredentialStore, FieldConflict,
    LibraryConflict, Resolution, SyncCancel, SyncOptions,
};
// The core's own types cross the FFI as they are: the declarations below
// with `uniffi::remote` mirror them (the compiler checks every variant) and
// give the apps their documentation.
pub use shelfmark_core::sync::{LiveUpdates, ObjectCounts, SyncResetMode, SyncResult, SyncStage};
use shelfmark_core::{Library, LibraryId};

use crate::error::{Result, ShelfmarkError};
use crate::runtime::{on_runtime, runtime, with_library};

/// Where the API key is kept between syncs.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Enum)]
pub enum KeyStorage {
    /// The system keychain (iOS, macOS, desktop secret services). Where the
    /// platform has none the key goes to Shelfmark's credentials file.
    #[default]
    Keychain,
    /// A file only this app can read, at `path` (on Android: a path inside
    /// the app's private files directory). Created with owner-only access.
    File { path: String },
    /// Nowhere: the app passes the key with every sync.
    Nowhere,
}

/// How to reach the account on a sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncRequest {
    /// The server's base URL, e.g. `https://api.zotero.org`. Needed on the
    /// first sync (which binds the library to the account), checked after.
    #[uniffi(default = None)]
    pub server_url: Option<String>,
    /// The account's user id; checked against the key when given.
    #[uniffi(default = None)]
    pub user_id: Option<u64>,
    /// An API key to sign in with; it is kept in `key_storage` for later syncs.
    #[uniffi(default = None)]
    pub api_key: Option<String>,
    /// Where the key is kept.
    pub key_storage: KeyStorage,
    /// Go ahead with deletions larger than max(10 items, 10 %) of a library
    /// (after the user saw them in `deletions_to_confirm`).
    #[uniffi(default = false)]
    pub confirm_deletions: bool,
}

/// What a sync is doing.
#[uniffi::remote(Enum)]
pub enum SyncStage {
    /// Checking the key and the libraries it reaches.
    Connecting,
    /// Asking what changed online.
    Checking,
    /// Fetching changed objects.
    Downloading,
    /// Moving objects deleted online to the trash.
    ApplyingDeletions,
    /// Sending local changes.
    Uploading,
    /// Sending local deletions.
    UploadingDeletions,
    /// Indexing the full text of what a large download brought; the items
    /// are listed and found by quick search already.
    Indexing,
    /// Finished.
    Done,
}

/// A progress event of a running sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgressEvent {
    /// The library of the file being synced.
    pub library_id: i64,
    pub stage: SyncStage,
    /// `item`, `collection` or `search`, when the stage works on one kind.
    pub object_type: Option<String>,
    pub done: u64,
    pub total: u64,
}

/// Hears about a sync as it runs. Called on a worker thread.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// A step of the sync.
    fn on_progress(&self, event: SyncProgressEvent);
    /// The sync left conflicts to resolve (`count` in all libraries).
    fn on_conflicts(&self, count: u64);
}

/// Objects per kind.
#[uniffi::remote(Record)]
pub struct ObjectCounts {
    pub items: u64,
    pub collections: u64,
    pub searches: u64,
}

/// How a library's sync ended.
#[uniffi::remote(Enum)]
pub enum SyncResult {
    /// Both sides agree.
    Synced,
    /// Synced, with conflicts waiting to be resolved.
    Conflicts,
    /// Stopped before deleting many objects: confirm them and sync again.
    ConfirmDeletions,
    /// Failed; see the error.
    Failed,
}

/// What a sync did to one library.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LibrarySyncReport {
    pub library_id: i64,
    pub name: String,
    /// `/users/<id>` or `/groups/<id>`.
    pub remote: String,
    pub result: SyncResult,
    pub downloaded: ObjectCounts,
    pub uploaded: ObjectCounts,
    /// Deleted online, moved to the trash here.
    pub trashed_here: ObjectCounts,
    /// Deleted here, deleted online.
    pub deleted_there: ObjectCounts,
    pub conflicts: u64,
    /// Local changes a read-only shared library keeps without uploading.
    pub read_only_kept: u64,
    /// Deletions held back for confirmation.
    pub deletions_to_confirm: u64,
    /// Things worth telling the user (restored items, refused edits…).
    pub notices: Vec<String>,
    /// Objects refused or unreadable, each in a sentence.
    pub problems: Vec<String>,
    /// `auth`, `network`, `storage quota`, `rate limited`, `server`,
    /// `invalid data`… when it failed.
    pub error_kind: Option<String>,
    pub error: Option<String>,
}

impl From<core_sync::LibraryReport> for LibrarySyncReport {
    fn from(report: core_sync::LibraryReport) -> Self {
        Self {
            library_id: report.library,
            name: report.name,
            remote: report.remote,
            result: report.outcome,
            downloaded: report.downloaded,
            uploaded: report.uploaded,
            trashed_here: report.trashed_here,
            deleted_there: report.deleted_there,
            conflicts: report.conflicts as u64,
            read_only_kept: report.read_only_kept as u64,
            deletions_to_confirm: report.pending_deletions.len() as u64,
            notices: report.notices.into_iter().map(|n| n.message).collect(),
            problems: report.problems,
            error_kind: report.error_kind,
            error: report.error,
        }
    }
}

/// What one sync did, library by library.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncSummary {
    pub run_id: String,
    pub libraries: Vec<LibrarySyncReport>,
}

impl SyncSummary {
    fn conflicts(&self) -> u64 {
        self.libraries.iter().map(|l| l.conflicts).sum()
    }
}

/// The account a library file syncs with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncAccount {
    pub server_url: String,
    pub user_id: u64,
    /// When the file was first synced with it.
    pub bound_at: String,
}

/// One entry of the sync log.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncLogEntry {
    pub run_id: String,
    pub library_id: i64,
    pub started: String,
    pub finished: Option<String>,
    /// `ok`, `conflicts`, `confirm-deletions` or `failed`.
    pub outcome: String,
    pub conflicts: u64,
    pub error_kind: Option<String>,
    /// What happened, in words fit to show.
    pub message: Option<String>,
}

impl From<core_sync::LogEntry> for SyncLogEntry {
    fn from(entry: core_sync::LogEntry) -> Self {
        Self {
            run_id: entry.run_id,
            library_id: entry.library,
            started: entry.started,
            finished: entry.finished,
            outcome: entry.outcome,
            conflicts: entry.conflicts as u64,
            error_kind: entry.error_kind,
            message: entry.message,
        }
    }
}

/// The sync state of one library of the file.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LibrarySyncStatus {
    pub library_id: i64,
    pub name: String,
    /// `user` or `group`.
    pub kind: String,
    pub editable: bool,
    /// Library version of the last completed download (0: never synced).
    pub version: u64,
    /// Objects changed here, waiting to be uploaded.
    pub unsynced: u64,
    /// Deletions waiting to be uploaded.
    pub deletions_to_upload: u64,
    pub conflicts: u64,
    pub deletions_to_confirm: u64,
    /// Items downloaded whose full text (beyond titles, creators and years)
    /// is not indexed yet; the next sync indexes it.
    pub fulltext_pending: u64,
    pub last_run: Option<SyncLogEntry>,
}

/// A deletion held back until the user confirms it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HeldDeletion {
    pub library_id: i64,
    /// `here` (deleted online, would go to the trash here) or `there`
    /// (deleted here, would be deleted online).
    pub direction: String,
    pub object_type: String,
    pub key: String,
    pub title: String,
}

/// One field changed differently on both sides.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConflictField {
    pub field: String,
    /// The value here, as text (`None` where this side removed it; lists
    /// such as tags as JSON).
    pub local: Option<String>,
    /// The value online, as text.
    pub remote: Option<String>,
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl From<&FieldConflict> for ConflictField {
    fn from(conflict: &FieldConflict) -> Self {
        Self {
            field: conflict.field.clone(),
            local: value_text(&conflict.local),
            remote: value_text(&conflict.remote),
        }
    }
}

/// An object changed on both sides; listed in the "Sync Conflicts" view.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncConflict {
    pub library_id: i64,
    /// `item`, `collection` or `search`.
    pub object_type: String,
    pub key: String,
    pub title: String,
    pub fields: Vec<ConflictField>,
    pub created: String,
}

impl From<LibraryConflict> for SyncConflict {
    fn from(LibraryConflict { library, conflict }: LibraryConflict) -> Self {
        Self {
            library_id: library.0,
            object_type: conflict.object_type.as_str().to_owned(),
            title: conflict.title,
            fields: conflict.fields.iter().map(Into::into).collect(),
            key: conflict.key,
            created: conflict.created,
        }
    }
}

/// How to resolve a conflict.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ConflictChoice {
    /// Keep the values made here.
    KeepLocal,
    /// Take the values from online.
    KeepRemote,
    /// Give each conflicting field a value (text; lists such as tags as JSON).
    Values { values: HashMap<String, String> },
}

/// A resolved conflict with both versions, which can be brought back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConflictHistoryEntry {
    pub id: i64,
    pub library_id: i64,
    pub object_type: String,
    pub key: String,
    pub title: String,
    /// `local`, `remote` or `fields`.
    pub chosen: String,
    pub fields: Vec<String>,
    /// The local version as Web API JSON.
    pub local_json: String,
    /// The online version as Web API JSON.
    pub remote_json: String,
    pub resolved_at: String,
    pub restored_at: Option<String>,
}

/// Sync for one library file: sign-in, sync, status, log, deletions held for
/// confirmation, conflicts.
#[derive(Debug, uniffi::Object)]
pub struct SyncManager {
    library: Library,
    state: Arc<SyncState>,
}

/// What every `SyncManager` of one open library shares: the stop token of
/// the sync started through the API, if one runs.
#[derive(Debug, Default)]
pub(crate) struct SyncState {
    running: Mutex<Option<(u64, SyncCancel)>>,
    started: std::sync::atomic::AtomicU64,
}

impl SyncState {
    /// A stop token for a sync about to start, and its number.
    fn start(&self) -> (u64, SyncCancel) {
        let number = self
            .started
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let token = SyncCancel::new();
        *self.running.lock().unwrap_or_else(|p| p.into_inner()) = Some((number, token.clone()));
        (number, token)
    }

    /// Forgets sync `number` once it ended (unless a newer one replaced it).
    fn finish(&self, number: u64) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.as_ref().is_some_and(|(n, _)| *n == number) {
            *running = None;
        }
    }

    fn cancel(&self) -> bool {
        match self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            Some((_, token)) => {
                token.cancel();
                true
            }
            None => false,
        }
    }
}

impl SyncManager {
    pub(crate) fn new(library: Library, state: Arc<SyncState>) -> Self {
        Self { library, state }
    }
}

/// Which side a sync reset makes equal to the other.
#[uniffi::remote(Enum)]
pub enum SyncResetMode {
    /// Make the online library equal this one.
    Upload,
    /// Make this library equal the online one; what exists only here goes
    /// to the trash.
    Download,
    /// Pair both sides again and join them without duplicates.
    Merge,
}

/// What a sync reset did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncResetReport {
    pub mode: SyncResetMode,
    /// The backup archive written before anything changed.
    pub backup_path: String,
    /// The sync that carried the reset out.
    pub summary: SyncSummary,
}

/// When automatic sync runs.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AutoSyncSettings {
    /// Seconds between syncs when nothing happens (15 minutes by default).
    #[uniffi(default = 900)]
    pub interval_seconds: u32,
    /// Quiet seconds after the last local edit before it is synced.
    #[uniffi(default = 5)]
    pub debounce_seconds: u32,
}

/// Hears about each automatic sync. Called on a background thread.
#[uniffi::export(with_foreign)]
pub trait AutoSyncListener: Send + Sync {
    /// A sync finished.
    fn on_synced(&self, summary: SyncSummary);
    /// A sync failed; it is tried again at the next interval or edit.
    fn on_failed(&self, category: crate::error::ErrorCategory, message: String);
}

/// Automatic sync of one library file. It runs until `stop()`, `appClosing()`
/// or until the object is released.
#[derive(Debug, uniffi::Object)]
pub struct AutoSync {
    handle: Mutex<Option<AutoSyncHandle>>,
}

impl AutoSync {
    fn take(&self) -> Option<AutoSyncHandle> {
        self.handle.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

#[uniffi::export]
impl AutoSync {
    /// How many syncs it has run so far.
    pub fn runs(&self) -> u64 {
        self.handle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map_or(0, |h| h.status().runs)
    }

    /// Whether it still runs.
    pub fn is_running(&self) -> bool {
        self.handle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// The app is going to the background or closing: syncs once more,
    /// waits for it, then stops.
    pub async fn app_closing(&self) -> Result<SyncSummary> {
        let Some(handle) = self.take() else {
            return Err(ShelfmarkError::invalid(
                "automatic sync has already stopped",
            ));
        };
        let report = on_runtime("the last sync", handle.notify_app_closing()).await??;
        Ok(summary_of(report))
    }

    /// Stops automatic sync; a sync under way stops at its next batch and
    /// the next one continues from there.
    pub fn stop(&self) {
        if let Some(handle) = self.take() {
            handle.cancel();
        }
    }

    /// The app came to the foreground (`true`): changes made on other
    /// devices arrive as they happen, through the server's stream when it
    /// offers one. In the background (`false`) no connection is kept open:
    /// syncs run on the interval, after local edits and when the system
    /// schedules the app. Automatic sync starts in the foreground.
    pub fn set_foreground(&self, foreground: bool) {
        if let Some(handle) = self
            .handle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            handle.set_foreground(foreground);
        }
    }

    /// Whether changes made elsewhere arrive as they happen.
    pub fn live_updates(&self) -> LiveUpdates {
        self.handle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map_or(LiveUpdates::Off, |h| h.status().live)
    }
}

/// What automatic sync's live updates are doing.
#[uniffi::remote(Enum)]
pub enum LiveUpdates {
    /// Not following (in the background, stopped, or not started yet).
    Off,
    /// The server offers no stream: syncs run on the interval.
    Unavailable,
    /// Opening the connection.
    Connecting,
    /// Changes made elsewhere arrive as they happen.
    Connected,
    /// The connection dropped; trying again shortly.
    Reconnecting,
    /// The server refused the key; syncs report why.
    Refused,
}

fn summary_of(report: core_sync::SyncReport) -> SyncSummary {
    SyncSummary {
        run_id: report.run_id,
        libraries: report.libraries.into_iter().map(Into::into).collect(),
    }
}

/// The core's credential store for a key storage choice.
pub(crate) fn credential_store(storage: &KeyStorage) -> CredentialStore {
    match storage {
        KeyStorage::Keychain => CredentialStore::System,
        KeyStorage::File { path } => CredentialStore::File(PathBuf::from(path)),
        KeyStorage::Nowhere => CredentialStore::Nowhere,
    }
}

fn sync_options(request: &SyncRequest, listener: Option<Arc<dyn SyncListener>>) -> SyncOptions {
    let progress: Option<core_sync::ProgressCallback> = listener.map(|listener| {
        let callback: core_sync::ProgressCallback = Arc::new(move |p: &core_sync::SyncProgress| {
            listener.on_progress(SyncProgressEvent {
                library_id: p.library.0,
                stage: p.phase,
                object_type: p.object.map(|t| t.as_str().to_owned()),
                done: p.done as u64,
                total: p.total as u64,
            })
        });
        callback
    });
    SyncOptions {
        server_url: request.server_url.clone(),
        user_id: request.user_id,
        api_key: request.api_key.clone(),
        credentials: credential_store(&request.key_storage),
        confirm_deletions: request.confirm_deletions,
        progress,
        ..SyncOptions::default()
    }
}

/// Every library of the file, each as a scoped handle.
fn each_library(library: &Library) -> shelfmark_core::Result<Vec<Library>> {
    library
        .libraries()?
        .into_iter()
        .map(|info| library.scoped(info.id))
        .collect()
}

/// A conflicting value given as text: JSON where the field holds a list or
/// object (tags, collections, creators), the text itself otherwise.
fn given_value(text: &str, like: Option<&FieldConflict>) -> Result<Value> {
    let structured = like.is_some_and(|c| {
        matches!(c.local, Value::Array(_) | Value::Object(_))
            || matches!(c.remote, Value::Array(_) | Value::Object(_))
    });
    if structured {
        serde_json::from_str(text).map_err(|e| {
            ShelfmarkError::invalid(format!(
                "the value for {} must be JSON like the conflicting values: {e}",
                like.map(|c| c.field.as_str()).unwrap_or("the field")
            ))
        })
    } else {
        Ok(Value::String(text.to_owned()))
    }
}

fn resolution(
    choice: &ConflictChoice,
    conflict: Option<&core_sync::Conflict>,
) -> Result<Resolution> {
    Ok(match choice {
        ConflictChoice::KeepLocal => Resolution::KeepLocal,
        ConflictChoice::KeepRemote => Resolution::KeepRemote,
        ConflictChoice::Values { values } => {
            let mut fields = std::collections::BTreeMap::new();
            for (field, text) in values {
                let like = conflict.and_then(|c| c.fields.iter().find(|f| &f.field == field));
                fields.insert(field.clone(), given_value(text, like)?);
            }
            Resolution::Fields(fields)
        }
    })
}

#[uniffi::export]
impl SyncManager {
    /// Syncs every library of the file with the account (binding the file on
    /// its first sync; the key is kept as `request.key_storage` says). One
    /// library failing does not stop the others; a bad key or an unreachable
    /// server is an error with category `Auth` or `Network`.
    pub async fn sync_now(
        &self,
        request: SyncRequest,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> Result<SyncSummary> {
        let mut options = sync_options(&request, listener.clone());
        let (number, token) = self.state.start();
        options.cancel = Some(token);
        let library = self.library.clone();
        let report = on_runtime("the sync", async move { library.sync(&options).await }).await;
        self.state.finish(number);
        let report = report??;
        let summary = summary_of(report);
        if let Some(listener) = listener {
            let conflicts = summary.conflicts();
            if conflicts > 0 {
                listener.on_conflicts(conflicts);
            }
        }
        Ok(summary)
    }

    /// Stops the sync started through this library (by `sync_now` or a
    /// reset) at its next batch; it then fails with category `Cancelled`
    /// and the next sync continues where it stopped. Whether one was running.
    pub fn cancel(&self) -> bool {
        self.state.cancel()
    }

    /// Syncs automatically from now on: at once, every
    /// `settings.interval_seconds`, `settings.debounce_seconds` after local
    /// edits, and once more on `app_closing()`. Keep the returned object for
    /// as long as it should run.
    pub fn start_auto_sync(
        &self,
        request: SyncRequest,
        settings: AutoSyncSettings,
        listener: Option<Arc<dyn AutoSyncListener>>,
    ) -> Result<Arc<AutoSync>> {
        if settings.interval_seconds == 0 {
            return Err(ShelfmarkError::invalid(
                "the automatic sync interval must be at least one second",
            ));
        }
        let on_run: Option<core_sync::AutoSyncCallback> = listener.map(|listener| {
            let callback: core_sync::AutoSyncCallback = Arc::new(move |result| match result {
                Ok(report) => listener.on_synced(summary_of(report.clone())),
                Err(error) => {
                    let error = ShelfmarkError::from(error);
                    listener.on_failed(error.category(), error.to_string());
                }
            });
            callback
        });
        let config = AutoSyncConfig {
            interval: Duration::from_secs(settings.interval_seconds.into()),
            debounce: Duration::from_secs(settings.debounce_seconds.into()),
            on_run,
        };
        let handle =
            self.library
                .start_auto_sync(runtime()?.handle(), sync_options(&request, None), config);
        Ok(Arc::new(AutoSync {
            handle: Mutex::new(Some(handle)),
        }))
    }

    /// Resets the sync with the online library after writing a backup
    /// beside the library file: `Upload` makes the online library equal this
    /// one, `Download` this one equal the online one (what exists only here
    /// goes to the trash), `Merge` pairs both again without duplicates.
    pub async fn reset_sync(
        &self,
        mode: SyncResetMode,
        request: SyncRequest,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> Result<SyncResetReport> {
        let mut options = sync_options(&request, listener);
        let (number, token) = self.state.start();
        options.cancel = Some(token);
        let library = self.library.clone();
        let report = on_runtime("the sync", async move {
            library.reset_sync(mode, &options).await
        })
        .await;
        self.state.finish(number);
        let report = report??;
        Ok(SyncResetReport {
            mode,
            backup_path: report.backup.display().to_string(),
            summary: summary_of(report.sync),
        })
    }

    /// The account the file syncs with, if it was ever synced.
    pub async fn account(&self) -> Result<Option<SyncAccount>> {
        let binding = with_library(&self.library, |l| l.binding()).await?;
        Ok(binding.map(|b| SyncAccount {
            server_url: b.server_url,
            user_id: b.user_id,
            bound_at: b.bound_at,
        }))
    }

    /// Signs the file out of its account: revokes this device's key on the
    /// server (when it can be reached; otherwise the key stays valid online
    /// until revoked on the server's "Devices and keys" page), forgets the
    /// kept key and unbinds the file, so that it can sync with another
    /// account. Nothing in the library is removed; the next sync joins
    /// identical references instead of duplicating them.
    pub async fn sign_out(&self, key_storage: KeyStorage) -> Result<()> {
        let store = credential_store(&key_storage);
        let library = self.library.clone();
        on_runtime("signing out", async move { library.sign_out(&store).await }).await??;
        Ok(())
    }

    /// The sync state of every library of the file.
    pub async fn status(&self) -> Result<Vec<LibrarySyncStatus>> {
        let statuses = with_library(&self.library, |l| l.sync_status()).await?;
        Ok(statuses
            .into_iter()
            .map(|s| LibrarySyncStatus {
                library_id: s.library,
                name: s.name,
                kind: s.kind,
                editable: s.editable,
                version: s.version,
                unsynced: s.unsynced as u64,
                deletions_to_upload: s.deletions_to_upload as u64,
                conflicts: s.conflicts as u64,
                deletions_to_confirm: s.deletions_to_confirm as u64,
                fulltext_pending: s.fulltext_pending as u64,
                last_run: s.last_run.map(Into::into),
            })
            .collect())
    }

    /// The most recent sync runs, newest first.
    pub async fn log(&self, limit: u32) -> Result<Vec<SyncLogEntry>> {
        let entries = with_library(&self.library, move |l| l.sync_log(limit as usize)).await?;
        Ok(entries.into_iter().map(Into::into).collect())
    }

    /// Deletions a sync held back because they were many; show them, then
    /// `confirm_deletions` (or sync with `confirm_deletions` set).
    pub async fn deletions_to_confirm(&self) -> Result<Vec<HeldDeletion>> {
        let held = with_library(&self.library, |l| l.deletions_to_confirm()).await?;
        Ok(held
            .into_iter()
            .filter(|d| !d.confirmed)
            .map(|d| HeldDeletion {
                library_id: d.library,
                direction: d.direction,
                object_type: d.object_type,
                key: d.key,
                title: d.title,
            })
            .collect())
    }

    /// Confirms the held deletions; the next sync carries them out. How many.
    pub async fn confirm_deletions(&self) -> Result<u64> {
        with_library(&self.library, |l| l.confirm_deletions().map(|n| n as u64)).await
    }

    /// Every object in conflict, in every library of the file.
    pub async fn conflicts(&self) -> Result<Vec<SyncConflict>> {
        let conflicts = with_library(&self.library, |l| l.conflicts_in_all_libraries()).await?;
        Ok(conflicts.into_iter().map(SyncConflict::from).collect())
    }

    /// Resolves the conflict on `key` in library `library_id`. The version
    /// not chosen goes to the conflict history.
    pub async fn resolve(
        &self,
        library_id: i64,
        key: String,
        choice: ConflictChoice,
    ) -> Result<()> {
        let scoped = self.library.scoped(LibraryId(library_id))?;
        let conflict = with_library(&scoped, {
            let key = key.clone();
            move |l| Ok(l.conflicts()?.into_iter().find(|c| c.key == key))
        })
        .await?;
        if conflict.is_none() {
            return Err(ShelfmarkError::new(
                crate::error::ErrorCategory::NotFound,
                format!("{key} has no sync conflict"),
            ));
        }
        let resolution = resolution(&choice, conflict.as_ref())?;
        with_library(&scoped, move |l| l.resolve(&key, resolution)).await
    }

    /// Resolves every conflict in every library by keeping the local or the
    /// online values (`Values` is refused here: fields differ per object).
    /// How many were resolved.
    pub async fn resolve_all(&self, choice: ConflictChoice) -> Result<u64> {
        if matches!(choice, ConflictChoice::Values { .. }) {
            return Err(ShelfmarkError::invalid(
                "resolving all conflicts takes keep-local or keep-remote; give values per object",
            ));
        }
        let resolution = resolution(&choice, None)?;
        with_library(&self.library, move |l| {
            let mut resolved = 0;
            for scoped in each_library(l)? {
                resolved += scoped.resolve_all(resolution.clone())? as u64;
            }
            Ok(resolved)
        })
        .await
    }

    /// Resolved conflicts with both versions, newest first, in every library.
    pub async fn conflict_history(&self) -> Result<Vec<ConflictHistoryEntry>> {
        with_library(&self.library, |l| {
            let mut out = Vec::new();
            for scoped in each_library(l)? {
                for h in scoped.conflict_history()? {
                    out.push(ConflictHistoryEntry {
                        id: h.id,
                        library_id: scoped.id().0,
                        object_type: h.object_type,
                        key: h.key,
                        title: h.title,
                        chosen: h.chosen,
                        fields: h.fields,
                        local_json: h.local_data.to_string(),
                        remote_json: h.remote_data.to_string(),
                        resolved_at: h.resolved_at,
                        restored_at: h.restored_at,
                    });
                }
            }
            Ok(out)
        })
        .await
    }

    /// Brings back the version not chosen in history entry `id` of library
    /// `library_id`, as a local edit the next sync uploads.
    pub async fn restore_from_history(&self, library_id: i64, id: i64) -> Result<()> {
        let scoped = self.library.scoped(LibraryId(library_id))?;
        with_library(&scoped, move |l| l.restore_from_history(id)).await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use shelfmark_core::ObjectKind;

    use super::*;

    #[test]
    fn a_conflict_of_a_group_library_keeps_its_library_and_shows_values_as_text() {
        let conflict = LibraryConflict {
            library: LibraryId(7),
            conflict: core_sync::Conflict {
                object_type: ObjectKind::Item,
                key: "ABCD2345".into(),
                title: "Middlemarch".into(),
                fields: vec![
                    FieldConflict {
                        field: "title".into(),
                        local: json!("Middlemarch"),
                        remote: Value::Null,
                    },
                    FieldConflict {
                        field: "tags".into(),
                        local: json!([{"tag": "novel"}]),
                        remote: json!([]),
                    },
                ],
                created: "2026-01-02T03:04:05Z".into(),
            },
        };
        let listed = SyncConflict::from(conflict);
        assert_eq!(listed.library_id, 7);
        assert_eq!(listed.object_type, "item");
        assert_eq!(listed.key, "ABCD2345");
        assert_eq!(
            listed.fields,
            vec![
                ConflictField {
                    field: "title".into(),
                    local: Some("Middlemarch".into()),
                    remote: None,
                },
                ConflictField {
                    field: "tags".into(),
                    local: Some(r#"[{"tag":"novel"}]"#.into()),
                    remote: Some("[]".into()),
                },
            ]
        );
    }
}
