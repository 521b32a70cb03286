//! Moving files: downloads on demand (bounded, prioritised, cancellable,
//! with progress) and the file step of a sync (uploads from the queue, then
//! downloads per the library's policy, then the cache budget).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::{Notify, Semaphore, SemaphorePermit};
use tokio_util::sync::CancellationToken;

use super::rows::{self, AttachmentInfo, FileRow};
use super::transfer::{self, Fetched, Precondition, TransferError, UploadRequest, Uploaded};
use super::{FileFilter, FileStatusKind, store};
use crate::error::{Error, Result};
use crate::library::{Library, LibraryId, blocking};
use crate::sync::client::{ApiClient, RemoteLibrary};
use crate::sync::{CredentialStore, SyncError, SyncErrorKind};

/// Transfers in flight at once in this process.
const MAX_TRANSFERS: usize = 4;
/// Times a download whose bytes do not match is fetched again.
const CORRUPT_RETRIES: u32 = 2;
/// How often download progress is written to the library file.
const PROGRESS_WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// How urgent a download is: what the user opened goes first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    /// Prefetching (sync-time downloads, bulk requests).
    #[default]
    Background,
    /// The user is waiting to read it.
    Opened,
}

/// Bytes received for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProgress {
    pub key: String,
    pub done: u64,
    pub total: u64,
}

/// Receives progress events during downloads.
pub type FileProgressCallback = Arc<dyn Fn(&FileProgress) + Send + Sync>;

/// How to download.
#[derive(Clone, Default)]
pub struct DownloadOptions {
    /// Where the account's API key is kept (as for sync).
    pub credentials: CredentialStore,
    pub priority: Priority,
    /// Files fetched at once by this call (default 4).
    pub concurrency: usize,
    pub progress: Option<FileProgressCallback>,
    /// Cancel to stop; received bytes are kept and the next download resumes.
    pub cancel: CancellationToken,
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("priority", &self.priority)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// How one file's transfer ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileTransferResult {
    pub key: String,
    pub ok: bool,
    /// As in the sync log: `network`, `storage quota`, `server`, …
    pub error_kind: Option<String>,
    pub error: Option<String>,
}

impl FileTransferResult {
    fn done(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            ok: true,
            error_kind: None,
            error: None,
        }
    }

    fn failed(key: &str, err: &TransferError) -> Self {
        Self {
            key: key.to_owned(),
            ok: false,
            error_kind: Some(if err.is_cancelled() {
                "cancelled".to_owned()
            } else {
                err.kind.as_str().to_owned()
            }),
            error: Some(err.message.clone()),
        }
    }
}

/// What the file step of a sync did in one library.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FileSyncSummary {
    /// Files whose bytes were sent.
    pub uploaded: usize,
    /// Uploads the server already had the bytes for (nothing sent).
    pub linked_existing: usize,
    pub downloaded: usize,
    pub failed: Vec<FileTransferResult>,
    /// Downloads held back because the network is metered.
    pub held_for_unmetered: bool,
}

/// Transfer slots shared by every download of the process: a waiting
/// `Opened` download is served before any `Background` one.
struct Gate {
    slots: Semaphore,
    urgent_waiting: AtomicUsize,
    wake: Notify,
}

static GATE: LazyLock<Gate> = LazyLock::new(|| Gate {
    slots: Semaphore::new(MAX_TRANSFERS),
    urgent_waiting: AtomicUsize::new(0),
    wake: Notify::new(),
});

impl Gate {
    async fn enter(&self, priority: Priority) -> Option<SemaphorePermit<'_>> {
        match priority {
            Priority::Opened => {
                self.urgent_waiting.fetch_add(1, Ordering::SeqCst);
                let permit = self.slots.acquire().await.ok();
                self.urgent_waiting.fetch_sub(1, Ordering::SeqCst);
                self.wake.notify_waiters();
                permit
            }
            Priority::Background => loop {
                let notified = self.wake.notified();
                if self.urgent_waiting.load(Ordering::SeqCst) > 0 {
                    notified.await;
                    continue;
                }
                let permit = self.slots.acquire().await.ok()?;
                if self.urgent_waiting.load(Ordering::SeqCst) == 0 {
                    return Some(permit);
                }
                // Someone urgent arrived meanwhile: let them have it.
                drop(permit);
                tokio::task::yield_now().await;
            },
        }
    }
}

fn timestamp_in(wait: Duration) -> String {
    crate::time::format_timestamp(OffsetDateTime::now_utc() + wait)
}

fn is_due(backoff_until: Option<&str>) -> bool {
    backoff_until
        .and_then(crate::time::parse_timestamp)
        .is_none_or(|t| t <= OffsetDateTime::now_utc())
}

/// The server connection of a library, from its sync binding.
fn connect(library: &Library, credentials: &CredentialStore) -> Result<(ApiClient, RemoteLibrary)> {
    let lib = library.id;
    let binding = library.db.read(|c| {
        Ok(c.query_row(
            "SELECT server_url, remote_kind, remote_id, key_ref FROM sync_bindings WHERE library_id = ?1",
            [lib.0],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u64>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .ok())
    })?;
    let (url, kind, id, key_ref) = binding.ok_or_else(|| {
        Error::invalid("this library has never synced; sync it once before downloading files")
    })?;
    let key = credentials.load(&key_ref)?.ok_or_else(|| {
        Error::Sync(SyncError::new(
            SyncErrorKind::Auth,
            "No API key is kept for this account; sync with the key again first.",
        ))
    })?;
    let kind = if kind == "group" {
        shelfmark_protocol::LibraryKind::Group
    } else {
        shelfmark_protocol::LibraryKind::User
    };
    Ok((ApiClient::new(&url, &key)?, RemoteLibrary { kind, id }))
}

impl Library {
    /// Downloads the files of these attachments, at most `concurrency` at a
    /// time, each resuming after broken connections and checked by MD5 and
    /// size. One file failing does not stop the others.
    pub async fn download_files(
        &self,
        keys: &[String],
        options: &DownloadOptions,
    ) -> Result<Vec<FileTransferResult>> {
        let credentials = options.credentials.clone();
        let (client, remote) = blocking(self, move |l| connect(l, &credentials)).await?;
        Ok(self
            .download_with(&Arc::new(client), remote, keys, options)
            .await)
    }

    /// Keys of the attachments a filter selects that need a download.
    pub fn files_to_download(&self, filter: &FileFilter) -> Result<Vec<String>> {
        Ok(self
            .file_states(filter)?
            .into_iter()
            .filter(|s| {
                matches!(
                    s.status,
                    FileStatusKind::NotDownloaded
                        | FileStatusKind::ChangedRemotely
                        | FileStatusKind::Downloading { .. }
                )
            })
            .map(|s| s.key)
            .collect())
    }

    async fn download_with(
        &self,
        client: &Arc<ApiClient>,
        remote: RemoteLibrary,
        keys: &[String],
        options: &DownloadOptions,
    ) -> Vec<FileTransferResult> {
        let concurrency = if options.concurrency == 0 {
            MAX_TRANSFERS
        } else {
            options.concurrency
        };
        // Each download owns what it uses: a stream of closures over
        // borrowed keys would make the caller's future not `Send`.
        let downloads: Vec<_> = keys
            .iter()
            .map(|key| {
                let (library, client, options) =
                    (self.clone(), Arc::clone(client), options.clone());
                let key = key.clone();
                async move {
                    let _slot = GATE.enter(options.priority).await;
                    match library.download_one(&client, remote, &key, &options).await {
                        Ok(()) => FileTransferResult::done(&key),
                        Err(e) => FileTransferResult::failed(&key, &e),
                    }
                }
            })
            .collect();
        futures_util::stream::iter(downloads)
            .buffer_unordered(concurrency)
            .collect()
            .await
    }

    async fn download_one(
        &self,
        client: &ApiClient,
        remote: RemoteLibrary,
        key: &str,
        options: &DownloadOptions,
    ) -> std::result::Result<(), TransferError> {
        let lib = self.id;
        let root = self.attachments_dir();
        let owned = key.to_owned();
        let (info, row) = blocking(self, move |l| {
            l.db.read(|c| {
                let key = shelfmark_protocol::ObjectKey::parse(&owned)?;
                let info = rows::attachment(c, lib, key.as_str())?
                    .ok_or_else(|| Error::not_found("attachment", &key))?;
                Ok((info, rows::file_row(c, lib, key.as_str())?))
            })
        })
        .await?;
        if !info.has_stored_file() {
            return Err(TransferError::from(Error::invalid(format!(
                "attachment {key} is a link, not a stored file"
            ))));
        }
        let mut row = row.unwrap_or_else(|| FileRow::new(key));
        let modified_here = row.filename.as_ref().is_some_and(|name| {
            store::stat(&store::item_dir(&root, lib, key).join(name)).is_some_and(
                |(size, mtime)| row.local_size != Some(size) || row.local_mtime != Some(mtime),
            )
        });
        if row.upload_pending || modified_here {
            return Err(TransferError::from(Error::invalid(format!(
                "the file of attachment {key} here waits for upload; it is not replaced"
            ))));
        }
        row.downloading = true;
        save_row(self, row.clone()).await?;

        let partial = store::partial_path(&root, lib, key);
        let progress_writer = ProgressWriter::new(self, key);
        let outcome = self
            .fetch_verified(client, remote, key, &partial, options, &progress_writer)
            .await;
        progress_writer.settle().await;
        // Whatever happened, the row says so before returning.
        let owned = key.to_owned();
        let current =
            blocking(self, move |l| l.db.read(|c| rows::file_row(c, lib, &owned))).await?;
        let mut row = current.unwrap_or(row);
        row.downloading = false;
        match outcome {
            Ok(Some(file)) => {
                let name = store::safe_filename(
                    info.filename
                        .as_deref()
                        .or(info.title.as_deref())
                        .unwrap_or("file"),
                );
                let target = store::item_dir(&root, lib, key).join(&name);
                store::install(&partial, &target)?;
                let (size, mtime) = store::stat(&target).unwrap_or((file.size, 0));
                row.filename = Some(name);
                row.local_md5 = Some(file.md5);
                row.local_size = Some(size);
                row.local_mtime = Some(mtime);
                row.superseded_md5 = None;
                row.missing_on_server = false;
                row.bytes_done = size;
                row.bytes_total = size;
                row.downloaded_at = Some(crate::time::now_timestamp());
                save_row(self, row).await?;
                Ok(())
            }
            Ok(None) => {
                row.missing_on_server = true;
                save_row(self, row).await?;
                Err(TransferError::from(Error::not_found(
                    "file on the server for attachment",
                    key,
                )))
            }
            Err(e) => {
                save_row(self, row).await?;
                Err(e)
            }
        }
    }

    /// Fetches a file into `partial` and checks it, fetching again when the
    /// bytes do not match and asking for a new URL when one expires.
    async fn fetch_verified(
        &self,
        client: &ApiClient,
        remote: RemoteLibrary,
        key: &str,
        partial: &std::path::Path,
        options: &DownloadOptions,
        progress_writer: &ProgressWriter,
    ) -> std::result::Result<Option<transfer::RemoteFile>, TransferError> {
        let mut corrupt = 0;
        let mut expired = 0;
        loop {
            let Some(file) = transfer::locate(client, remote, key).await? else {
                return Ok(None);
            };
            let mut last_write = Instant::now();
            let progress_cb = options.progress.clone();
            let owned = key.to_owned();
            let mut progress = move |done: u64, total: u64| {
                if let Some(p) = &progress_cb {
                    p(&FileProgress {
                        key: owned.clone(),
                        done,
                        total,
                    });
                }
                if (last_write.elapsed() >= PROGRESS_WRITE_INTERVAL || done == total)
                    && progress_writer.start(done, total)
                {
                    last_write = Instant::now();
                }
            };
            match transfer::fetch(client, &file, partial, &options.cancel, &mut progress).await? {
                Fetched::Complete => return Ok(Some(file)),
                Fetched::Corrupt => {
                    corrupt += 1;
                    log::warn!("attachment {key}: downloaded bytes did not match; fetching again");
                    if corrupt > CORRUPT_RETRIES {
                        return Err(TransferError::from(SyncError::new(
                            SyncErrorKind::Server,
                            "the downloaded file did not match its checksum",
                        )));
                    }
                }
                Fetched::Expired => {
                    expired += 1;
                    if expired > 2 {
                        return Err(TransferError::from(SyncError::new(
                            SyncErrorKind::Server,
                            "the server's download link kept expiring",
                        )));
                    }
                }
            }
        }
    }
}

/// Writes a download's progress to the library file on the blocking pool
/// (never on the thread receiving the bytes): one write at a time, and the
/// last one awaited before the file's row is saved, so that a late progress
/// write cannot mark a finished download as running.
struct ProgressWriter {
    library: Library,
    key: String,
    in_flight: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl ProgressWriter {
    fn new(library: &Library, key: &str) -> Self {
        Self {
            library: library.clone(),
            key: key.to_owned(),
            in_flight: std::sync::Mutex::new(None),
        }
    }

    /// Starts writing `done` of `total` bytes unless the previous write is
    /// still under way. Whether it started.
    fn start(&self, done: u64, total: u64) -> bool {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if in_flight.as_ref().is_some_and(|write| !write.is_finished()) {
            return false;
        }
        let (library, key) = (self.library.clone(), self.key.clone());
        *in_flight = Some(tokio::task::spawn_blocking(move || {
            let lib = library.id;
            if let Err(e) = library
                .db
                .write(|tx| rows::set_progress(tx, lib, &key, done, total))
            {
                log::debug!("attachment {key}: progress not recorded: {e}");
            }
        }));
        true
    }

    /// Waits for the write under way, if any.
    async fn settle(&self) {
        let last = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(write) = last {
            let _ = write.await;
        }
    }
}

async fn save_row(library: &Library, row: FileRow) -> Result<()> {
    let lib = library.id;
    blocking(library, move |l| {
        l.db.write(|tx| rows::put_row(tx, lib, &row))
    })
    .await
}

/// Finds stored files changed outside Shelfmark and queues them for upload
/// (a file touched but with the same bytes is just noted).
fn queue_modified(library: &Library) -> Result<()> {
    let root = library.attachments_dir();
    let lib = library.id;
    // Most syncs find no stored file changed: look before taking the writer.
    let rows = library.db.read(|c| rows::file_rows(c, lib))?;
    let changed = rows.values().any(|row| {
        row.filename.as_ref().is_some_and(|name| {
            let path = store::item_dir(&root, lib, &row.key).join(name);
            store::stat(&path).is_some_and(|(size, mtime)| {
                row.local_size != Some(size) || row.local_mtime != Some(mtime)
            })
        })
    });
    if !changed {
        return Ok(());
    }
    library.db.write(|tx| {
        for mut row in rows::file_rows(tx, lib)?.into_values() {
            let (Some(name), Some(old_md5)) = (row.filename.clone(), row.local_md5.clone()) else {
                continue;
            };
            let path = store::item_dir(&root, lib, &row.key).join(name);
            let Some((size, mtime)) = store::stat(&path) else {
                continue;
            };
            if row.local_size == Some(size) && row.local_mtime == Some(mtime) {
                continue;
            }
            let (md5, size) = crate::digest::hash_file::<md5::Md5>(&path)?;
            row.local_size = Some(size);
            row.local_mtime = Some(mtime);
            if md5 != old_md5 {
                if !row.upload_pending {
                    // What the server holds now is what this replaces.
                    row.superseded_md5 = rows::attachment(tx, lib, &row.key)?.and_then(|i| i.md5);
                }
                row.local_md5 = Some(md5);
                row.upload_pending = true;
                row.clear_upload_error();
            }
            rows::put_row(tx, lib, &row)?;
        }
        Ok(())
    })
}

/// One queued upload, read from the library.
struct QueuedUpload {
    row: FileRow,
    info: AttachmentInfo,
    synced: bool,
}

fn queued_uploads(library: &Library) -> Result<Vec<QueuedUpload>> {
    let lib = library.id;
    library.db.read(|c| {
        let mut out = Vec::new();
        for row in rows::file_rows(c, lib)?.into_values() {
            if !row.upload_pending {
                continue;
            }
            // Storage full: wait until the file changes or a retry is asked.
            if row.error_kind.as_deref() == Some(SyncErrorKind::StorageQuota.as_str()) {
                continue;
            }
            if !is_due(row.backoff_until.as_deref()) {
                continue;
            }
            let Some(info) = rows::attachment(c, lib, &row.key)? else {
                continue;
            };
            let version: i64 = c.query_row(
                "SELECT version FROM items WHERE library_id = ?1 AND key = ?2",
                rusqlite::params![lib.0, row.key],
                |r| r.get(0),
            )?;
            out.push(QueuedUpload {
                row,
                info,
                synced: version > 0,
            });
        }
        out.sort_by(|a, b| a.row.key.cmp(&b.row.key));
        Ok(out)
    })
}

/// Uploads one queued file, following a refused condition once: `If-Match`
/// on a file the server lacks becomes a first upload, and a first upload
/// that finds our own bytes there is done.
async fn upload_one(
    client: &ApiClient,
    remote: RemoteLibrary,
    root: &std::path::Path,
    lib: LibraryId,
    q: &QueuedUpload,
) -> std::result::Result<Uploaded, TransferError> {
    let (Some(name), Some(md5)) = (q.row.filename.as_deref(), q.row.local_md5.as_deref()) else {
        return Err(TransferError::from(Error::invalid(
            "no file here to upload",
        )));
    };
    let path = store::item_dir(root, lib, &q.row.key).join(name);
    let (size, mtime) = store::stat(&path).ok_or_else(|| {
        TransferError::from(Error::invalid(format!(
            "the file {} is gone from the attachment store",
            path.display()
        )))
    })?;
    let mut replaces = q.row.superseded_md5.clone().filter(|m| m != md5);
    for _ in 0..2 {
        let request = UploadRequest {
            key: &q.row.key,
            path: &path,
            md5,
            size,
            filename: name,
            mtime,
            content_type: q.info.content_type.as_deref(),
            replaces: replaces.as_deref(),
        };
        match transfer::upload(client, remote, &request).await? {
            Ok(done) => return Ok(done),
            Err(Precondition::NoFileThere) if replaces.is_some() => replaces = None,
            Err(_) => {
                // Maybe our own earlier upload got through before a restart.
                if let Some(there) = transfer::locate(client, remote, &q.row.key).await?
                    && there.md5 == md5
                {
                    return Ok(Uploaded::Existed);
                }
                return Err(TransferError::from(SyncError::new(
                    SyncErrorKind::Conflict,
                    "the file was changed both here and online; the copy here is kept",
                )));
            }
        }
    }
    Err(TransferError::from(SyncError::new(
        SyncErrorKind::Conflict,
        "the server refused the upload's precondition",
    )))
}

/// The file step of a sync for one library: queued uploads, then downloads
/// per the policy, then the cache budget. Failures are reported in the
/// summary, never raised: the metadata sync stands.
pub(crate) async fn sync_files(
    library: &Library,
    client: &Arc<ApiClient>,
    remote: RemoteLibrary,
) -> FileSyncSummary {
    let mut summary = FileSyncSummary::default();
    if let Err(e) = sync_files_inner(library, client, remote, &mut summary).await {
        summary.failed.push(FileTransferResult {
            key: String::new(),
            ok: false,
            error_kind: Some("library".into()),
            error: Some(e.to_string()),
        });
    }
    summary
}

async fn sync_files_inner(
    library: &Library,
    client: &Arc<ApiClient>,
    remote: RemoteLibrary,
    summary: &mut FileSyncSummary,
) -> Result<()> {
    let lib = library.id;
    let root = library.attachments_dir();
    blocking(library, queue_modified).await?;
    let editable = blocking(library, move |l| {
        l.db.read(|c| {
            Ok(c.query_row(
                "SELECT editable AND files_editable FROM libraries WHERE id = ?1",
                [lib.0],
                |r| r.get::<_, bool>(0),
            )?)
        })
    })
    .await?;
    if editable {
        for q in blocking(library, queued_uploads).await? {
            if !q.synced {
                // The attachment item is not online yet (its upload failed).
                continue;
            }
            let result = upload_one(client, remote, &root, lib, &q).await;
            let mut row = q.row.clone();
            match &result {
                Ok(how) => {
                    match how {
                        Uploaded::Sent => summary.uploaded += 1,
                        Uploaded::Existed => summary.linked_existing += 1,
                    }
                    row.upload_pending = false;
                    row.missing_on_server = false;
                    row.clear_upload_error();
                }
                Err(e) => {
                    row.attempts += 1;
                    row.error_kind = Some(e.kind.as_str().to_owned());
                    row.error = Some(e.message.clone());
                    row.storage_usage_mb = e.usage_mb;
                    row.storage_quota_mb = e.quota_mb;
                    let wait = Duration::from_secs(5 << (row.attempts - 1).min(12));
                    row.backoff_until = Some(timestamp_in(wait.min(Duration::from_secs(6 * 3600))));
                    summary.failed.push(FileTransferResult::failed(&row.key, e));
                }
            }
            // The row may have changed meanwhile (opened, modified again).
            let key = row.key.clone();
            blocking(library, move |l| {
                l.db.write(|tx| {
                    if let Some(now) = rows::file_row(tx, lib, &key)? {
                        row.last_opened = now.last_opened;
                        if now.local_md5 != row.local_md5 {
                            // Modified again while uploading: upload again.
                            return Ok(());
                        }
                    }
                    rows::put_row(tx, lib, &row)
                })
            })
            .await?;
        }
    }

    let (policy, metered, offline) = blocking(library, move |l| {
        l.db.read(|c| {
            Ok((
                rows::policy(c, lib)?,
                rows::network_metered(c)?,
                rows::offline_keys(c, lib)?,
            ))
        })
    })
    .await?;
    let wanted: Option<FileFilter> = match policy.policy.as_str() {
        "all" | "collections" => Some(FileFilter::All),
        _ => None,
    };
    if let Some(filter) = wanted {
        if policy.unmetered_only && metered {
            summary.held_for_unmetered = true;
        } else {
            let f = filter.clone();
            let mut keys = blocking(library, move |l| {
                let trashed: std::collections::HashSet<String> = l
                    .file_states(&f)?
                    .into_iter()
                    .filter(|s| s.in_trash)
                    .map(|s| s.key)
                    .collect();
                let mut keys = l.files_to_download(&f)?;
                keys.retain(|k| !trashed.contains(k));
                Ok(keys)
            })
            .await?;
            if policy.policy == "collections" {
                keys.retain(|k| offline.contains(k));
            }
            let options = DownloadOptions::default();
            for outcome in library.download_with(client, remote, &keys, &options).await {
                if outcome.ok {
                    summary.downloaded += 1;
                } else {
                    summary.failed.push(outcome);
                }
            }
        }
    }
    blocking(library, |l| l.enforce_cache_budget()).await?;
    Ok(())
}
