//! Group libraries the account no longer reaches (the group was deleted, the
//! user left it, or the key lost access). A library holding nothing but
//! what the server had is removed from the file. One with local changes not
//! yet uploaded is kept, detached from the account and read-only, with a
//! notice: its contents can still be read, exported or copied elsewhere.

use rusqlite::{Connection, params};
use serde::Serialize;
use shelfmark_protocol::ObjectKey;

use super::state;
use super::upload;
use crate::changes::ObjectKind;
use crate::changes::{Change, ChangeKind};
use crate::db::WriteTx;
use crate::error::Result;
use crate::library::LibraryId;

/// A group library the account no longer reaches, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovedGroup {
    pub library: i64,
    pub name: String,
    /// `/groups/<id>`.
    pub remote: String,
    /// Kept, detached and read-only, because it held local changes.
    pub kept: bool,
    /// Objects changed here and never uploaded.
    pub unsynced: usize,
}

/// Group libraries bound to the account whose group is not in `reachable`.
pub(crate) fn unreachable_groups(
    conn: &Connection,
    server_url: &str,
    user_id: u64,
    reachable: &std::collections::BTreeMap<u64, u64>,
) -> Result<Vec<(LibraryId, u64)>> {
    Ok(state::bound_libraries(conn, server_url, user_id)?
        .into_iter()
        .filter(|(_, remote)| remote.group && !reachable.contains_key(&remote.id))
        .map(|(lib, remote)| (lib, remote.id))
        .collect())
}

/// Removes or detaches one unreachable group library, in one transaction.
pub(crate) fn remove_or_detach(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    group_id: u64,
) -> Result<RemovedGroup> {
    let name: String = tx.query_row("SELECT name FROM libraries WHERE id = ?1", [lib.0], |r| {
        r.get(0)
    })?;
    // Files added or changed here and not yet uploaded count as changes.
    let files_to_upload: usize = tx.query_row(
        "SELECT count(*) FROM attachment_files WHERE library_id = ?1 AND upload_pending = 1",
        [lib.0],
        |r| r.get(0),
    )?;
    let unsynced = upload::unsynced_count(tx, lib)? + files_to_upload;
    let kept = unsynced > 0;
    tx.execute("DELETE FROM sync_bindings WHERE library_id = ?1", [lib.0])?;
    for table in ["sync_queue", "sync_pending_deletions", "pending_deletions"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE library_id = ?1"),
            [lib.0],
        )?;
    }
    if kept {
        tx.execute(
            "UPDATE libraries SET editable = 0, files_editable = 0, remote_id = NULL WHERE id = ?1",
            [lib.0],
        )?;
        state::add_notice(
            tx,
            lib,
            "library",
            "",
            "detached",
            &format!(
                "The group “{name}” is no longer available to this account. \
                 The library is kept here, read-only and no longer synced, because \
                 {unsynced} change(s) made here were never uploaded."
            ),
        )?;
    } else {
        remove_library(tx, lib)?;
        state::add_notice(
            tx,
            LibraryId::PERSONAL,
            "library",
            "",
            "group-removed",
            &format!(
                "The group “{name}” is no longer available to this account; \
                 its library was removed from this file (nothing in it was unsynced)."
            ),
        )?;
    }
    Ok(RemovedGroup {
        library: lib.0,
        name,
        remote: format!("/groups/{group_id}"),
        kept,
        unsynced,
    })
}

/// Deletes a library and everything in it, telling subscribers.
fn remove_library(tx: &mut WriteTx<'_>, lib: LibraryId) -> Result<()> {
    for ty in ObjectKind::ALL {
        let keys: Vec<String> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT key FROM {} WHERE library_id = ?1",
                ty.table()
            ))?;
            let rows = stmt.query_map([lib.0], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for key in keys {
            if let Ok(key) = ObjectKey::parse(&key) {
                tx.record(Change {
                    library_id: lib,
                    object: ty,
                    key,
                    kind: ChangeKind::Removed,
                });
            }
        }
    }
    tx.flush_fulltext()?;
    for table in crate::db::INDEXED_WITH_FULLTEXT {
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE rowid IN (SELECT id FROM items WHERE library_id = ?1)"
            ),
            [lib.0],
        )?;
    }
    for statement in [
        "DELETE FROM collection_items WHERE library_id = ?1",
        "DELETE FROM items WHERE library_id = ?1",
        "DELETE FROM collections WHERE library_id = ?1",
        "DELETE FROM saved_searches WHERE library_id = ?1",
        "DELETE FROM sync_conflicts WHERE library_id = ?1",
        "DELETE FROM sync_notices WHERE library_id = ?1",
        // A later library may take the same id; its history starts afresh.
        "DELETE FROM sync_log WHERE library_id = ?1",
        "DELETE FROM conflict_history WHERE library_id = ?1",
        "DELETE FROM attachment_files WHERE library_id = ?1",
        "DELETE FROM file_policies WHERE library_id = ?1",
        "DELETE FROM offline_collections WHERE library_id = ?1",
        "DELETE FROM libraries WHERE id = ?1",
    ] {
        tx.execute(statement, params![lib.0])?;
    }
    Ok(())
}
