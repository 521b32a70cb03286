//! Attachment files on the device: what state each file is in, adding
//! files to items, downloads with progress and cancel, download policies,
//! the cache budget and eviction.

use std::sync::{Arc, Mutex};

use shelfmark_core::Library;
use shelfmark_core::files::{
    CancellationToken, DownloadOptions, DownloadPolicy, EvictReport, FileFilter, FileProgress,
    FileProgressCallback, FileState, Priority,
};
// The core's own types cross the FFI as they are: the declarations below
// with `uniffi::remote` mirror them (the compiler checks every variant and
// field) and give the apps their documentation.
pub use shelfmark_core::files::{FileStatusKind, FileTransferResult};
use tokio::task::JoinHandle;

use crate::error::{Result, ShelfmarkError};
use crate::item_records::ItemDetail;
use crate::runtime::{runtime, with_library};
use crate::sync::{KeyStorage, credential_store};

/// Where an attachment's file stands on this device.
#[uniffi::remote(Enum)]
pub enum FileStatusKind {
    /// The server has the file; there is no copy here.
    NotDownloaded,
    /// Being downloaded: bytes received so far of the total.
    Downloading { done: u64, total: u64 },
    /// The copy here is the current file.
    Downloaded,
    /// The copy here was changed and will be uploaded.
    ModifiedLocally,
    /// A newer file is online; the copy here is the older one.
    ChangedRemotely,
    /// No file for this attachment is online (nor here).
    MissingOnServer,
    /// The copy here waits to be uploaded at the next sync.
    UploadPending,
    /// The last upload failed: `kind` is `storage quota` when the account's
    /// storage is full (with the usage and quota in MB), else `network`,
    /// `server`…; retried when something changes or on `retryUploads()`.
    UploadFailed {
        kind: String,
        reason: String,
        usage_mb: Option<f64>,
        quota_mb: Option<f64>,
    },
    /// A linked file or web link: kept where it is, never uploaded.
    Linked,
}

/// One attachment's file, as a list or a reader screen shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FileInfo {
    /// The attachment's key.
    pub key: String,
    /// The item it belongs to.
    pub parent_key: Option<String>,
    pub title: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub status: FileStatusKind,
    /// Where the copy on this device is, when there is one.
    pub path: Option<String>,
    /// Bytes of the copy on this device.
    pub local_size: Option<u64>,
    pub last_opened: Option<String>,
    /// The attachment is in the trash (sync does not fetch its file).
    pub in_trash: bool,
}

impl From<FileState> for FileInfo {
    fn from(state: FileState) -> Self {
        Self {
            key: state.key,
            parent_key: state.parent,
            title: state.title,
            filename: state.filename,
            content_type: state.content_type,
            status: state.status,
            path: state.path.map(|p| p.display().to_string()),
            local_size: state.local_size,
            last_opened: state.last_opened,
            in_trash: state.in_trash,
        }
    }
}

/// Which attachments a query or bulk operation covers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FileScope {
    /// Every attachment with a stored file.
    All,
    /// One attachment, or the attachments of one item.
    Item { key: String },
    /// The attachments of the items in a collection.
    Collection { key: String },
    /// These attachments.
    Keys { keys: Vec<String> },
}

impl From<FileScope> for FileFilter {
    fn from(scope: FileScope) -> Self {
        match scope {
            FileScope::All => Self::All,
            FileScope::Item { key } => Self::Item(key),
            FileScope::Collection { key } => Self::Collection(key),
            FileScope::Keys { keys } => Self::Keys(keys),
        }
    }
}

/// Which files a sync downloads without being asked.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FileDownloadPolicy {
    /// Only what is opened or asked for (best on phones).
    OnDemand,
    /// Every file, at sync time.
    All,
    /// The files of these collections ("offline collections").
    Collections { keys: Vec<String> },
}

impl From<FileDownloadPolicy> for DownloadPolicy {
    fn from(policy: FileDownloadPolicy) -> Self {
        match policy {
            FileDownloadPolicy::OnDemand => Self::OnDemand,
            FileDownloadPolicy::All => Self::All,
            FileDownloadPolicy::Collections { keys } => Self::Collections(keys),
        }
    }
}

impl From<DownloadPolicy> for FileDownloadPolicy {
    fn from(policy: DownloadPolicy) -> Self {
        match policy {
            DownloadPolicy::OnDemand => Self::OnDemand,
            DownloadPolicy::All => Self::All,
            DownloadPolicy::Collections(keys) => Self::Collections { keys },
        }
    }
}

/// A library's file settings.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FileSettings {
    pub download: FileDownloadPolicy,
    /// Download at sync time only on an unmetered network.
    pub unmetered_only: bool,
    /// Most bytes downloaded files may take; `None` for no limit.
    pub cache_budget: Option<u64>,
}

/// What an eviction removed (the metadata always stays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct EvictSummary {
    pub files: u64,
    pub bytes: u64,
}

impl From<EvictReport> for EvictSummary {
    fn from(report: EvictReport) -> Self {
        Self {
            files: report.files as u64,
            bytes: report.bytes,
        }
    }
}

/// How a download is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct DownloadRequest {
    /// The user is waiting to read it: served before background downloads.
    #[uniffi(default = false)]
    pub opened: bool,
    /// Where the account's key is kept (as for sync).
    pub key_storage: KeyStorage,
}

/// How one file's download ended.
#[uniffi::remote(Record)]
pub struct FileTransferResult {
    pub key: String,
    pub ok: bool,
    /// `cancelled`, `network`, `server`, `invalid data` (a corrupt file)…
    pub error_kind: Option<String>,
    pub error: Option<String>,
}

/// Hears how downloads progress. Called on a background thread.
#[uniffi::export(with_foreign)]
pub trait DownloadListener: Send + Sync {
    /// Bytes received for the file of attachment `key`.
    fn on_progress(&self, key: String, done: u64, total: u64);
}

/// A running download of one or more files: `cancel()` stops it (received
/// bytes are kept and the next download resumes from them), `finished()`
/// waits for the results.
#[derive(Debug, uniffi::Object)]
pub struct Download {
    cancel: CancellationToken,
    task: Mutex<Option<JoinHandle<shelfmark_core::Result<Vec<FileTransferResult>>>>>,
}

#[uniffi::export]
impl Download {
    /// Stops the download; files not finished end with `error_kind`
    /// `cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Waits for every file and returns how each ended. Can be awaited once.
    pub async fn finished(&self) -> Result<Vec<FileTransferResult>> {
        let task = self
            .task
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| ShelfmarkError::invalid("this download's results were already taken"))?;
        let outcomes = task
            .await
            .map_err(|e| ShelfmarkError::task_stopped("the download", &e))??;
        Ok(outcomes)
    }
}

impl Drop for Download {
    fn drop(&mut self) {
        // Nobody waits for the result any more: stop transferring.
        let task = self.task.get_mut().unwrap_or_else(|p| p.into_inner());
        if task.as_ref().is_some_and(|t| !t.is_finished()) {
            self.cancel.cancel();
        }
    }
}

/// Attachment files of one library.
#[derive(Debug, uniffi::Object)]
pub struct Files {
    library: Library,
}

impl Files {
    pub(crate) fn new(library: Library) -> Self {
        Self { library }
    }
}

#[uniffi::export]
impl Files {
    /// The file state of one attachment.
    pub async fn state(&self, key: String) -> Result<FileInfo> {
        with_library(&self.library, move |l| l.file_state(&key).map(Into::into)).await
    }

    /// File states of the attachments in `scope`.
    pub async fn states(&self, scope: FileScope) -> Result<Vec<FileInfo>> {
        with_library(&self.library, move |l| {
            Ok(l.file_states(&scope.into())?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }

    /// Adds the file at `path` to the item `parent` (or as a standalone
    /// attachment): copied into the library's store, checksummed, its type
    /// recognised from its content, titled by its file name; uploaded at
    /// the next sync. The original file is left as it is.
    pub async fn attach(&self, parent: Option<String>, path: String) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            l.attach_file(parent.as_deref(), &path)
                .map(ItemDetail::from)
        })
        .await
    }

    /// The path of a downloaded file to show, noting it as opened now (the
    /// cache budget keeps recently opened files longest). Fails with
    /// `InvalidInput` when the file is not on the device: download it first.
    pub async fn open(&self, key: String) -> Result<String> {
        with_library(&self.library, move |l| {
            l.open_file(&key).map(|p| p.display().to_string())
        })
        .await
    }

    /// Starts downloading the files of these attachments, a few at a time,
    /// each resuming after a broken connection and checked against its
    /// checksum and size. Progress goes to `listener`.
    pub fn download(
        &self,
        keys: Vec<String>,
        request: DownloadRequest,
        listener: Option<Arc<dyn DownloadListener>>,
    ) -> Result<Arc<Download>> {
        if keys.is_empty() {
            return Err(ShelfmarkError::invalid("no attachment to download"));
        }
        let cancel = CancellationToken::new();
        let progress: Option<FileProgressCallback> = listener.map(|listener| {
            let callback: FileProgressCallback = Arc::new(move |p: &FileProgress| {
                listener.on_progress(p.key.clone(), p.done, p.total)
            });
            callback
        });
        let options = DownloadOptions {
            credentials: credential_store(&request.key_storage),
            priority: if request.opened {
                Priority::Opened
            } else {
                Priority::Background
            },
            progress,
            cancel: cancel.clone(),
            ..DownloadOptions::default()
        };
        let library = self.library.clone();
        let task = runtime()?.spawn(async move { library.download_files(&keys, &options).await });
        Ok(Arc::new(Download {
            cancel,
            task: Mutex::new(Some(task)),
        }))
    }

    /// The library's file settings.
    pub async fn settings(&self) -> Result<FileSettings> {
        with_library(&self.library, |l| {
            let policy = l.file_policy()?;
            Ok(FileSettings {
                download: policy.download.into(),
                unmetered_only: policy.unmetered_only,
                cache_budget: policy.cache_budget,
            })
        })
        .await
    }

    /// Sets which files a sync downloads (offline collections must exist).
    pub async fn set_download_policy(&self, policy: FileDownloadPolicy) -> Result<()> {
        with_library(&self.library, move |l| l.set_file_policy(policy.into())).await
    }

    /// Downloads at sync time only on unmetered networks (or on any).
    pub async fn set_unmetered_only(&self, unmetered_only: bool) -> Result<()> {
        with_library(&self.library, move |l| l.set_unmetered_only(unmetered_only)).await
    }

    /// Tells the library which network the device is on now; call it when
    /// the platform reports a change (cellular or a hotspot is metered).
    pub async fn set_network(&self, metered: bool) -> Result<()> {
        with_library(&self.library, move |l| l.set_network(metered)).await
    }

    /// Sets the most bytes downloaded files may take (`None`: no limit) and
    /// evicts at once what exceeds it: least recently opened first, never
    /// files changed here or in an offline collection.
    pub async fn set_cache_budget(&self, bytes: Option<u64>) -> Result<EvictSummary> {
        with_library(&self.library, move |l| {
            l.set_cache_budget(bytes).map(Into::into)
        })
        .await
    }

    /// Removes the downloaded files in `scope` from the device ("remove
    /// downloads"); files changed here or waiting for upload are kept, and
    /// the references and annotations always stay.
    pub async fn evict(&self, scope: FileScope) -> Result<EvictSummary> {
        with_library(&self.library, move |l| {
            l.evict_files(&scope.into()).map(Into::into)
        })
        .await
    }

    /// Tries failed uploads again at the next sync (after the user freed
    /// storage, say). How many were queued.
    pub async fn retry_uploads(&self) -> Result<u64> {
        with_library(&self.library, |l| l.retry_file_uploads().map(|n| n as u64)).await
    }
}
