//! Resetting the sync of a library file when the two sides should no longer
//! be reconciled change by change: a backup is written first, then one of
//! three explicit directions is taken.
//!
//! - `upload`: the online library becomes equal to this one. Every object
//!   here is uploaded over the server's copy (with the server's current
//!   version, so the normal upload rules apply) and what exists only online
//!   is deleted there.
//! - `download`: this library becomes equal to the online one. Local
//!   changes are replaced by the server's copies; objects that exist only
//!   here move to the trash (never deleted), where they stay out of sync
//!   unless restored.
//! - `merge`: versions and bases are forgotten and both sides are joined as
//!   on a first sync: identical references pair up instead of doubling, and
//!   fields that differ become conflicts to resolve.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use rusqlite::{Connection, params};
use serde_json::Value;

use super::apply::PullContext;
use super::client::Fetched;
use super::engine::{LibraryRun, Listing, VersionWatch, fetch_pages};
use super::objects;
use super::session_store::SessionStore;
use super::state;
use super::types::{ResetReport, SyncResetMode};
use crate::changes::ObjectKind;
use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::library::{Library, LibraryId, blocking};

/// Where the backup before a reset goes: beside the library file.
fn backup_path(library: &Path, mode: SyncResetMode) -> PathBuf {
    let stem = library
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "library".into());
    let stamp: String = crate::time::now_timestamp()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let mut n = 0;
    loop {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("-{n}")
        };
        let path = library.with_file_name(format!(
            "{stem}-before-reset-{}-{stamp}{suffix}.shelfmark-backup",
            mode.as_str()
        ));
        if !path.exists() {
            return path;
        }
        n += 1;
    }
}

impl Library {
    /// Resets the sync of every library of this file with its online copy
    /// in `mode`, after writing a backup beside the file; the sync runs at
    /// once (deletions it implies need no further confirmation). A sync
    /// already running is waited for first.
    pub async fn reset_sync(
        &self,
        mode: SyncResetMode,
        options: &super::SyncOptions,
    ) -> Result<ResetReport> {
        self.exclusively(self.reset_now(mode, options)).await
    }

    async fn reset_now(
        &self,
        mode: SyncResetMode,
        options: &super::SyncOptions,
    ) -> Result<ResetReport> {
        if SessionStore::new(self).binding().await?.is_none() {
            return Err(Error::invalid(
                "this library has never synced, so there is no sync to reset",
            ));
        }
        let backup = backup_path(self.path(), mode);
        let target = backup.clone();
        blocking(self, move |l| l.backup(&target).map(|_| ())).await?;
        let options = super::SyncOptions {
            confirm_deletions: true,
            ..options.clone()
        };
        let sync = self.sync_resetting(&options, Some(mode)).await?;
        Ok(ResetReport { mode, backup, sync })
    }
}

/// Every object's key and version online, per type, and the library version.
async fn remote_versions(
    run: &LibraryRun,
) -> Result<(BTreeMap<ObjectKind, BTreeMap<String, u64>>, u64)> {
    let mut out = BTreeMap::new();
    let mut library_version = 0;
    for ty in ObjectKind::ALL {
        let versions = match run.client.versions(run.remote, ty, 0, false).await? {
            Fetched::NotModified => BTreeMap::new(),
            Fetched::Changed {
                value,
                library_version: v,
            } => {
                library_version = library_version.max(v);
                value
            }
        };
        out.insert(ty, versions);
    }
    Ok((out, library_version))
}

/// Every key of `ty` in the library, in the order they were added.
pub(super) fn local_keys(conn: &Connection, lib: LibraryId, ty: ObjectKind) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT key FROM {} WHERE library_id = ?1 ORDER BY id",
        ty.table()
    ))?;
    let rows = stmt.query_map([lib.0], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Keeps unresolved conflicts in the conflict history (as resolved towards
/// `chosen`), so that the side a reset overrides stays restorable.
fn conflicts_to_history(tx: &WriteTx<'_>, lib: LibraryId, chosen: &str) -> Result<()> {
    for ty in ObjectKind::ALL {
        tx.execute(
            &format!(
                "INSERT INTO conflict_history
                    (library_id, object_type, key, chosen, fields, local_data, remote_data,
                     result_data, resolved_at)
                 SELECT s.library_id, s.object_type, s.key, ?2,
                        (SELECT json_group_array(json_extract(f.value, '$.field'))
                           FROM json_each(s.fields) f),
                        o.data, s.remote_data,
                        CASE WHEN ?2 = 'local' THEN o.data ELSE s.remote_data END, ?3
                   FROM sync_conflicts s
                   JOIN {} o ON o.library_id = s.library_id AND o.key = s.key
                  WHERE s.library_id = ?1 AND s.object_type = ?4",
                ty.table()
            ),
            params![lib.0, chosen, tx.now, ty.as_str()],
        )?;
    }
    tx.execute("DELETE FROM sync_conflicts WHERE library_id = ?1", [lib.0])?;
    Ok(())
}

fn clear_progress(tx: &WriteTx<'_>, lib: LibraryId) -> Result<()> {
    for table in ["sync_queue", "sync_pending_deletions"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE library_id = ?1"),
            [lib.0],
        )?;
    }
    Ok(())
}

/// Sets an object's sync columns (and the version inside its data).
fn set_sync_state(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    key: &str,
    version: u64,
    synced: bool,
    base: Option<&Value>,
) -> Result<()> {
    let base = base.map(serde_json::to_string).transpose()?;
    tx.prepare_cached(&format!(
        "UPDATE {} SET version = ?3, synced = ?4, base = ?5, changed_fields = '[]',
            data = json_set(data, '$.version', ?3)
          WHERE library_id = ?1 AND key = ?2",
        ty.table()
    ))?
    .execute(params![lib.0, key, version, synced, base])?;
    Ok(())
}

/// Forgets every version and base of one library so that the next pull
/// joins both sides as on a first sync.
pub(super) fn forget_versions(tx: &WriteTx<'_>, lib: LibraryId) -> Result<()> {
    clear_progress(tx, lib)?;
    tx.execute("DELETE FROM sync_conflicts WHERE library_id = ?1", [lib.0])?;
    tx.execute(
        "DELETE FROM pending_deletions WHERE library_id = ?1",
        [lib.0],
    )?;
    for ty in ObjectKind::ALL {
        tx.execute(
            &format!(
                "UPDATE {} SET version = 0, synced = 0, base = NULL,
                    data = json_set(data, '$.version', 0)
                  WHERE library_id = ?1",
                ty.table()
            ),
            [lib.0],
        )?;
    }
    state::set_library_version(tx, lib, 0)
}

impl LibraryRun {
    /// Prepares one library for the reset in `mode`, before the normal
    /// pull and upload run.
    pub(crate) async fn prepare_reset(&mut self, mode: SyncResetMode) -> Result<()> {
        match mode {
            SyncResetMode::Merge => self.store().forget_versions().await,
            SyncResetMode::Upload => self.prepare_upload_reset().await,
            SyncResetMode::Download => self.prepare_download_reset().await,
        }
    }

    /// Every object here is marked for upload over the server's current
    /// copy; objects only online are queued for deletion there.
    async fn prepare_upload_reset(&mut self) -> Result<()> {
        let (remote, library_version) = remote_versions(self).await?;
        for (ty, versions) in remote {
            let local = self.store().local_keys(ty).await?;
            let local_set: HashSet<&str> = local.iter().map(String::as_str).collect();
            // The server's copies of shared objects, as the base to upload
            // against, so that values removed here are cleared there.
            let shared: Vec<String> = local
                .iter()
                .filter(|k| versions.contains_key(*k))
                .cloned()
                .collect();
            let mut pages = std::pin::pin!(fetch_pages(
                &self.client,
                self.remote,
                ty,
                &shared,
                self.concurrency
            ));
            let mut bases: BTreeMap<String, Value> = BTreeMap::new();
            while let Some(page) = pages.next().await {
                for object in page?.0 {
                    let object = object.to_value()?;
                    if let Some(key) = object.get("key").and_then(Value::as_str) {
                        bases.insert(key.to_owned(), object.clone());
                    }
                }
            }
            let only_online: Vec<(String, u64)> = versions
                .iter()
                .filter(|(k, _)| !local_set.contains(k.as_str()))
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            let over = UploadOver {
                local,
                versions,
                bases,
                only_online,
            };
            self.store().mark_upload_over(ty, over).await?;
        }
        self.store().finish_upload_reset(library_version).await
    }

    /// Local changes give way to the server's copies, which are fetched
    /// again; objects only here go to the trash and stay out of sync.
    async fn prepare_download_reset(&mut self) -> Result<()> {
        let (remote, library_version) = remote_versions(self).await?;
        let online: BTreeMap<ObjectKind, HashSet<String>> = remote
            .iter()
            .map(|(ty, v)| (*ty, v.keys().cloned().collect()))
            .collect();
        let trashed = self.store().give_way_to_server(online).await?;
        for (ty, n) in trashed {
            self.report.trashed_here.add(ty, n);
        }
        // Everything online is fetched again over the local copies; no
        // pairing, since nothing here is new to the server any more.
        let context = Arc::new(Mutex::new(PullContext::default()));
        let mut seen = VersionWatch::default();
        for (ty, versions) in remote {
            let keys: Vec<String> = versions.keys().cloned().collect();
            if keys.is_empty() {
                continue;
            }
            let listing = Listing {
                since: 0,
                changed: keys.len(),
            };
            self.fetch_and_apply(ty, &keys, listing, &context, &mut seen)
                .await?;
        }
        self.store().set_library_version(library_version).await
    }
}

/// What an upload reset knows of one object type: the keys here, every
/// key's version online, the server's copies of shared objects (the bases
/// to upload against) and the objects only online (to delete there).
pub(super) struct UploadOver {
    pub local: Vec<String>,
    pub versions: BTreeMap<String, u64>,
    pub bases: BTreeMap<String, Value>,
    pub only_online: Vec<(String, u64)>,
}

/// Marks every object of `ty` here for upload over the server's copy and
/// queues the objects only online for deletion there.
pub(super) fn mark_upload_over(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    over: &UploadOver,
) -> Result<()> {
    for key in &over.local {
        let version = over.versions.get(key).copied().unwrap_or(0);
        set_sync_state(tx, lib, ty, key, version, false, over.bases.get(key))?;
    }
    for (key, version) in &over.only_online {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO pending_deletions
                (library_id, object_type, key, version, deleted_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![lib.0, ty.as_str(), key, version, tx.now])?;
    }
    Ok(())
}

/// Ends the preparation of an upload reset: conflicts go to the history as
/// resolved towards this side, and the library takes the online version.
pub(super) fn finish_upload_reset(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    library_version: u64,
) -> Result<()> {
    conflicts_to_history(tx, lib, "local")?;
    clear_progress(tx, lib)?;
    state::set_library_version(tx, lib, library_version)
}

/// Prepares a download reset: conflicts go to the history as resolved
/// towards the server, objects not `online` go to the trash here, and
/// nothing is left to upload. How many objects of each kind were trashed.
pub(super) fn give_way_to_server(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    online: &BTreeMap<ObjectKind, HashSet<String>>,
) -> Result<BTreeMap<ObjectKind, usize>> {
    conflicts_to_history(tx, lib, "remote")?;
    clear_progress(tx, lib)?;
    tx.execute(
        "DELETE FROM pending_deletions WHERE library_id = ?1",
        [lib.0],
    )?;
    let mut trashed = BTreeMap::new();
    for (ty, keys) in online {
        let mut moved = 0;
        for key in local_keys(tx, lib, *ty)? {
            if !keys.contains(&key) {
                moved += usize::from(trash_local_only(tx, lib, *ty, &key)?);
            }
        }
        trashed.insert(*ty, moved);
    }
    // Nothing here is to be uploaded: shared objects are fetched again
    // over their local copies, local-only ones stay in the trash here
    // until restored.
    for ty in ObjectKind::ALL {
        tx.execute(
            &format!(
                "UPDATE {} SET version = 0, synced = 1, base = NULL,
                    changed_fields = '[]', data = json_set(data, '$.version', 0)
                  WHERE library_id = ?1",
                ty.table()
            ),
            [lib.0],
        )?;
    }
    Ok(trashed)
}

/// Moves an object that exists only here to the trash (its children go
/// with it); whether it was moved now.
fn trash_local_only(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    key: &str,
) -> Result<bool> {
    let Some(stored) = objects::load(tx, lib, ty, key)? else {
        return Ok(false);
    };
    if stored.data.get("deleted").and_then(Value::as_bool) == Some(true) {
        return Ok(false);
    }
    let mut data = stored.data;
    if let Some(obj) = data.as_object_mut() {
        obj.insert("deleted".into(), Value::Bool(true));
    }
    objects::write(tx, lib, ty, &data, true, &[], None)?;
    Ok(true)
}
