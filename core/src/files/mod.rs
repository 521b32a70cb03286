//! Attachment files: the store of imported attachments beside the library
//! file, each attachment's file state, adding files to items, download
//! policies, the cache budget and eviction. Transfers live in `transfer`
//! (wire) and `run` (downloads on demand and the file step of a sync).
//!
//! Linked files and links are metadata only: they are never copied into the
//! store nor uploaded. A PDF is never rewritten here; annotations are items.

mod rows;
mod run;
mod store;
mod transfer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use shelfmark_protocol::{ItemData, LinkMode, ObjectKey};

use crate::changes::{ChangeSet, Subscription};
use crate::error::{Error, Result};
use crate::library::{Library, LibraryId};
use crate::store::collection_rows::existing_collection_key;
use crate::store::items::save_local;
use rows::{AttachmentInfo, FileRow, PolicyRow};

pub(crate) use run::sync_files;
pub use run::{
    DownloadOptions, FileProgress, FileProgressCallback, FileSyncSummary, FileTransferResult,
    Priority,
};
pub use tokio_util::sync::CancellationToken;

/// Where an attachment's file stands on this device.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum FileStatusKind {
    /// The server has the file; there is no copy here.
    NotDownloaded,
    Downloading {
        done: u64,
        total: u64,
    },
    /// The copy here is the current file.
    Downloaded,
    /// The copy here was changed outside Shelfmark and will be uploaded.
    ModifiedLocally,
    /// A newer file is on the server; the copy here is the older one.
    ChangedRemotely,
    /// No file for this attachment is on the server (nor here).
    MissingOnServer,
    /// The copy here waits to be uploaded at the next sync.
    UploadPending,
    /// The last upload failed; `kind` is the sync log's classification
    /// (`storage quota` when the account's storage is full).
    UploadFailed {
        kind: String,
        reason: String,
        /// Storage used and allowed in MB, as the server reported.
        usage_mb: Option<f64>,
        quota_mb: Option<f64>,
    },
    /// A linked file or web link: kept where it is, never uploaded.
    Linked,
}

impl FileStatusKind {
    /// A short name for lists (`not-downloaded`, `upload-failed`, …).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotDownloaded => "not-downloaded",
            Self::Downloading { .. } => "downloading",
            Self::Downloaded => "downloaded",
            Self::ModifiedLocally => "modified-locally",
            Self::ChangedRemotely => "changed-remotely",
            Self::MissingOnServer => "missing-on-server",
            Self::UploadPending => "upload-pending",
            Self::UploadFailed { .. } => "upload-failed",
            Self::Linked => "linked",
        }
    }
}

/// One attachment's file as the apps show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileState {
    pub key: String,
    /// The item the attachment belongs to.
    pub parent: Option<String>,
    pub title: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub status: FileStatusKind,
    /// Where the copy here is, when there is one.
    pub path: Option<PathBuf>,
    /// Bytes of the copy here.
    pub local_size: Option<u64>,
    pub last_opened: Option<String>,
    /// The attachment is in the trash (sync does not fetch its file).
    pub in_trash: bool,
}

/// Which attachments a file query or bulk operation covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileFilter {
    /// Every attachment with a stored file in the library.
    All,
    /// One attachment, or the attachments of one item.
    Item(String),
    /// Attachments of the items in a collection.
    Collection(String),
    Keys(Vec<String>),
}

/// Which files a sync downloads without being asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DownloadPolicy {
    /// Only what is opened or asked for (the default).
    OnDemand,
    /// Every file, at sync time.
    All,
    /// Files of these collections ("offline collections").
    Collections(Vec<String>),
}

/// A library's file settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilePolicy {
    pub download: DownloadPolicy,
    /// Download at sync time only on an unmetered network.
    pub unmetered_only: bool,
    /// Most bytes downloaded files may take; `None` for no limit.
    pub cache_budget: Option<u64>,
}

/// What an eviction removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EvictReport {
    pub files: usize,
    pub bytes: u64,
}

/// Computes what the apps show from the item and this device's row.
fn status_of(
    root: &Path,
    lib: LibraryId,
    info: &AttachmentInfo,
    row: Option<&FileRow>,
) -> FileState {
    let mut state = FileState {
        key: info.key.clone(),
        parent: info.parent.clone(),
        title: info.title.clone(),
        filename: info.filename.clone(),
        content_type: info.content_type.clone(),
        status: FileStatusKind::Linked,
        path: None,
        local_size: None,
        last_opened: row.and_then(|r| r.last_opened.clone()),
        in_trash: info.in_trash,
    };
    if !info.has_stored_file() {
        return state;
    }
    let local = row.and_then(|r| {
        let name = r.filename.as_ref()?;
        r.local_md5.as_ref()?;
        let path = store::item_dir(root, lib, &info.key).join(name);
        let (size, mtime) = store::stat(&path)?;
        Some((path, size, mtime, r))
    });
    state.status = match (row, &local) {
        (Some(r), _) if r.error.is_some() && r.upload_pending => FileStatusKind::UploadFailed {
            kind: r.error_kind.clone().unwrap_or_default(),
            reason: r.error.clone().unwrap_or_default(),
            usage_mb: r.storage_usage_mb,
            quota_mb: r.storage_quota_mb,
        },
        (Some(r), Some((_, size, mtime, _)))
            if r.local_size != Some(*size) || r.local_mtime != Some(*mtime) =>
        {
            FileStatusKind::ModifiedLocally
        }
        (Some(r), _) if r.upload_pending => FileStatusKind::UploadPending,
        (Some(r), _) if r.downloading => FileStatusKind::Downloading {
            done: r.bytes_done,
            total: r.bytes_total,
        },
        (_, Some((_, _, _, r))) => match &info.md5 {
            Some(md5)
                if r.local_md5.as_ref() != Some(md5) && r.superseded_md5.as_ref() != Some(md5) =>
            {
                FileStatusKind::ChangedRemotely
            }
            _ => FileStatusKind::Downloaded,
        },
        (Some(r), None) if r.missing_on_server => FileStatusKind::MissingOnServer,
        (_, None) if info.md5.is_none() => FileStatusKind::MissingOnServer,
        (_, None) => FileStatusKind::NotDownloaded,
    };
    if let Some((path, size, _, _)) = local {
        state.path = Some(path);
        state.local_size = Some(size);
        if let Some(r) = row
            && let Some(name) = &r.filename
        {
            state.filename = Some(name.clone());
        }
    }
    state
}

fn policy_from_row(row: PolicyRow, collections: Vec<String>) -> FilePolicy {
    FilePolicy {
        download: match row.policy.as_str() {
            "all" => DownloadPolicy::All,
            "collections" => DownloadPolicy::Collections(collections),
            _ => DownloadPolicy::OnDemand,
        },
        unmetered_only: row.unmetered_only,
        cache_budget: row.cache_budget,
    }
}

/// The attachments a filter selects (stored files and linked ones alike).
fn select(
    conn: &rusqlite::Connection,
    lib: LibraryId,
    filter: &FileFilter,
) -> Result<Vec<AttachmentInfo>> {
    match filter {
        FileFilter::All => rows::attachments(conn, lib),
        FileFilter::Collection(key) => {
            let key = existing_collection_key(conn, lib, key)?;
            rows::collection_attachments(conn, lib, key.as_str())
        }
        FileFilter::Item(key) => {
            let key = ObjectKey::parse(key)?;
            if let Some(a) = rows::attachment(conn, lib, key.as_str())? {
                return Ok(vec![a]);
            }
            let exists: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM items WHERE library_id = ?1 AND key = ?2)",
                rusqlite::params![lib.0, key.as_str()],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(Error::not_found("item", key));
            }
            Ok(rows::attachments(conn, lib)?
                .into_iter()
                .filter(|a| a.parent.as_deref() == Some(key.as_str()))
                .collect())
        }
        FileFilter::Keys(keys) => keys
            .iter()
            .map(|k| {
                let key = ObjectKey::parse(k)?;
                rows::attachment(conn, lib, key.as_str())?
                    .ok_or_else(|| Error::not_found("attachment", key))
            })
            .collect(),
    }
}

impl Library {
    /// Removes the stored files (and any partial download) of attachments
    /// removed from the library for good. A file that cannot be removed is
    /// logged and left: the library itself is already consistent.
    pub(crate) fn remove_stored_files(&self, keys: &[String]) {
        if keys.is_empty() {
            return;
        }
        let root = self.attachments_dir();
        for key in keys {
            if let Err(e) = store::remove_item_dir(&store::item_dir(&root, self.id, key)) {
                log::warn!("the file of removed attachment {key} stays on disk: {e}");
            }
            let partial = store::partial_path(&root, self.id, key);
            if let Err(e) = std::fs::remove_file(&partial)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                log::warn!("could not remove {}: {e}", partial.display());
            }
        }
    }

    /// Adds a file to an item (or as a standalone attachment when `parent`
    /// is `None`): the file is copied into the library's attachment store,
    /// its MD5 computed, its content type sniffed, and the attachment titled
    /// by its file name. The copy is uploaded at the next sync.
    pub fn attach_file(&self, parent: Option<&str>, file: impl AsRef<Path>) -> Result<ItemData> {
        let source = file.as_ref();
        let meta = std::fs::metadata(source).map_err(store::io_err(source))?;
        if !meta.is_file() {
            return Err(Error::invalid(format!(
                "{} is not a file",
                source.display()
            )));
        }
        let parent = parent.map(ObjectKey::parse).transpose()?;
        let name = source
            .file_name()
            .map(|n| store::safe_filename(&n.to_string_lossy()))
            .unwrap_or_else(|| "file".to_owned());
        let content_type = store::sniff_content_type(source);
        let root = self.attachments_dir();
        let lib = self.id;
        // The bytes are staged in the store first, then moved into the
        // item's folder inside the transaction that creates the item.
        let staging = root.join(".partial");
        std::fs::create_dir_all(&staging).map_err(store::io_err(&staging))?;
        let staged = tempfile::Builder::new()
            .prefix("attach-")
            .tempfile_in(&staging)
            .map_err(store::io_err(&staging))?
            .into_temp_path();
        let (md5, _) = store::copy_in(source, &staged)?;
        self.db.write(|tx| {
            let mut item = ItemData::new("attachment");
            item.parent_item = parent;
            item.set_field("linkMode", LinkMode::ImportedFile.as_str());
            let title = Path::new(&name)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| name.clone());
            item.set_field("title", title);
            item.set_field("contentType", content_type.clone());
            item.set_field("filename", name.clone());
            item.set_field("md5", md5.clone());
            // Renaming keeps the modification time, so the staged copy's counts.
            let (size, mtime) = store::stat(&staged).unwrap_or((0, 0));
            item.mtime = Some(mtime);
            let saved = save_local(tx, lib, item)?;
            // Only a valid item gets a folder; a failed rename undoes the item.
            let dir = store::item_dir(&root, lib, saved.key.as_str());
            let target = dir.join(&name);
            std::fs::create_dir_all(&dir).map_err(store::io_err(&dir))?;
            std::fs::rename(&staged, &target).map_err(store::io_err(&target))?;
            let mut row = FileRow::new(saved.key.as_str());
            row.filename = Some(name.clone());
            row.local_md5 = Some(md5.clone());
            row.local_size = Some(size);
            row.local_mtime = Some(mtime);
            row.downloaded_at = Some(tx.now.clone());
            row.upload_pending = true;
            rows::put_row(tx, lib, &row)?;
            Ok(saved)
        })
    }

    /// The file state of one attachment.
    pub fn file_state(&self, key: &str) -> Result<FileState> {
        let key = ObjectKey::parse(key)?;
        let root = self.attachments_dir();
        let lib = self.id;
        self.db.read(|c| {
            let info = rows::attachment(c, lib, key.as_str())?
                .ok_or_else(|| Error::not_found("attachment", &key))?;
            let row = rows::file_row(c, lib, key.as_str())?;
            Ok(status_of(&root, lib, &info, row.as_ref()))
        })
    }

    /// File states of the attachments a filter selects.
    pub fn file_states(&self, filter: &FileFilter) -> Result<Vec<FileState>> {
        let root = self.attachments_dir();
        let lib = self.id;
        self.db.read(|c| {
            let infos = select(c, lib, filter)?;
            let rows = rows::file_rows(c, lib)?;
            Ok(infos
                .iter()
                .filter(|i| i.has_stored_file() || !matches!(filter, FileFilter::All))
                .map(|i| status_of(&root, lib, i, rows.get(&i.key)))
                .collect())
        })
    }

    /// The path of an attachment's downloaded file, noting it as opened
    /// now (eviction keeps recently opened files longest). Fails when the
    /// file is not here; download it first.
    pub fn open_file(&self, key: &str) -> Result<PathBuf> {
        let state = self.file_state(key)?;
        let path = state.path.ok_or_else(|| {
            Error::invalid(format!(
                "the file of attachment {key} is not on this device ({}); download it first",
                state.status.as_str()
            ))
        })?;
        let lib = self.id;
        let key = state.key;
        self.db.write(|tx| {
            if let Some(mut row) = rows::file_row(tx, lib, &key)? {
                row.last_opened = Some(tx.now.clone());
                rows::put_row(tx, lib, &row)?;
            }
            Ok(())
        })?;
        Ok(path)
    }

    /// The library's file settings.
    pub fn file_policy(&self) -> Result<FilePolicy> {
        let lib = self.id;
        self.db.read(|c| {
            Ok(policy_from_row(
                rows::policy(c, lib)?,
                rows::offline_collections(c, lib)?,
            ))
        })
    }

    /// Sets which files a sync downloads (collections must exist).
    pub fn set_file_policy(&self, policy: DownloadPolicy) -> Result<()> {
        let lib = self.id;
        self.db.write(|tx| {
            let mut row = rows::policy(tx, lib)?;
            let collections = match &policy {
                DownloadPolicy::OnDemand => {
                    row.policy = "on-demand".into();
                    Vec::new()
                }
                DownloadPolicy::All => {
                    row.policy = "all".into();
                    Vec::new()
                }
                DownloadPolicy::Collections(keys) => {
                    row.policy = "collections".into();
                    let mut checked = Vec::new();
                    for k in keys {
                        let key = existing_collection_key(tx, lib, k)?;
                        checked.push(key.as_str().to_owned());
                    }
                    checked
                }
            };
            rows::put_policy(tx, lib, &row)?;
            rows::set_offline_collections(tx, lib, &collections)
        })
    }

    /// Downloads at sync time only on unmetered networks (or on any).
    pub fn set_unmetered_only(&self, unmetered_only: bool) -> Result<()> {
        let lib = self.id;
        self.db.write(|tx| {
            let mut row = rows::policy(tx, lib)?;
            row.unmetered_only = unmetered_only;
            rows::put_policy(tx, lib, &row)
        })
    }

    /// Sets the most bytes downloaded files may take (`None`: no limit),
    /// evicting at once what exceeds it.
    pub fn set_cache_budget(&self, bytes: Option<u64>) -> Result<EvictReport> {
        let lib = self.id;
        self.db.write(|tx| {
            let mut row = rows::policy(tx, lib)?;
            row.cache_budget = bytes;
            rows::put_policy(tx, lib, &row)
        })?;
        self.enforce_cache_budget()
    }

    /// Tells the core which network the device is on; downloads at sync
    /// time wait for an unmetered one when the policy says so.
    pub fn set_network(&self, metered: bool) -> Result<()> {
        self.db.write(|tx| rows::set_network_metered(tx, metered))
    }

    /// Whether the app last said the device is on a metered network.
    pub fn network_metered(&self) -> Result<bool> {
        self.db.read(rows::network_metered)
    }

    /// Removes downloaded files the filter selects (the metadata stays).
    /// Files modified here or waiting for upload are kept.
    pub fn evict_files(&self, filter: &FileFilter) -> Result<EvictReport> {
        let states = self.file_states(filter)?;
        let keys: Vec<String> = states
            .into_iter()
            .filter(|s| {
                matches!(
                    s.status,
                    FileStatusKind::Downloaded | FileStatusKind::ChangedRemotely
                )
            })
            .map(|s| s.key)
            .collect();
        self.evict_keys(&keys)
    }

    fn evict_keys(&self, keys: &[String]) -> Result<EvictReport> {
        let root = self.attachments_dir();
        let lib = self.id;
        self.db.write(|tx| {
            let mut report = EvictReport::default();
            for key in keys {
                let Some(mut row) = rows::file_row(tx, lib, key)? else {
                    continue;
                };
                if row.upload_pending {
                    continue;
                }
                let dir = store::item_dir(&root, lib, key);
                report.bytes += row.local_size.unwrap_or(0);
                report.files += 1;
                row.clear_local();
                row.downloading = false;
                row.bytes_done = 0;
                rows::put_row(tx, lib, &row)?;
                store::remove_item_dir(&dir)?;
            }
            Ok(report)
        })
    }

    /// Evicts the least recently opened downloaded files, unmodified and
    /// outside offline collections, until the downloads fit the budget.
    pub fn enforce_cache_budget(&self) -> Result<EvictReport> {
        let lib = self.id;
        let (budget, offline) = self.db.read(|c| {
            let mut offline = rows::offline_keys(c, lib)?;
            if rows::policy(c, lib)?.policy != "collections" {
                offline.clear();
            }
            Ok((rows::policy(c, lib)?.cache_budget, offline))
        })?;
        let Some(budget) = budget else {
            return Ok(EvictReport::default());
        };
        let states = self.file_states(&FileFilter::All)?;
        let mut used: u64 = states.iter().filter_map(|s| s.local_size).sum();
        if used <= budget {
            return Ok(EvictReport::default());
        }
        let mut candidates: Vec<&FileState> = states
            .iter()
            .filter(|s| {
                matches!(
                    s.status,
                    FileStatusKind::Downloaded | FileStatusKind::ChangedRemotely
                )
            })
            .filter(|s| !offline.contains(&s.key))
            .collect();
        // Never opened first, then the longest ago.
        candidates.sort_by(|a, b| a.last_opened.cmp(&b.last_opened).then(a.key.cmp(&b.key)));
        let mut chosen = Vec::new();
        for s in candidates {
            if used <= budget {
                break;
            }
            used = used.saturating_sub(s.local_size.unwrap_or(0));
            chosen.push(s.key.clone());
        }
        self.evict_keys(&chosen)
    }

    /// Calls `callback` after each committed change to the state of
    /// attachment files on this device (a download started, progressed or
    /// finished, a file removed, attached or waiting for upload), with the
    /// attachments as updated items. These are not library changes: the
    /// [`Library::subscribe`] subscribers do not hear them. Keep the
    /// subscription alive to keep listening.
    pub fn subscribe_files(
        &self,
        callback: impl Fn(&ChangeSet) + Send + Sync + 'static,
    ) -> Subscription {
        self.db.file_observers.add(Arc::new(callback))
    }

    /// Lets uploads that failed (storage full included) try again at the
    /// next sync.
    pub fn retry_file_uploads(&self) -> Result<usize> {
        let lib = self.id;
        self.db.write(|tx| {
            let rows = rows::file_rows(tx, lib)?;
            let mut n = 0;
            for mut row in rows.into_values() {
                if row.upload_pending && row.error.is_some() {
                    row.clear_upload_error();
                    rows::put_row(tx, lib, &row)?;
                    n += 1;
                }
            }
            Ok(n)
        })
    }
}
