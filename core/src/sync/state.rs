//! The sync engine's bookkeeping in the library file: which account a
//! library is bound to, the queue of objects a pull still has to fetch,
//! conflicts, notices, the sync log and deletions waiting for confirmation.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};
use shelfmark_protocol::LibraryKind;

use super::client::RemoteLibrary;
use super::merge::FieldConflict;
use crate::changes::ObjectKind;
use crate::db::WriteTx;
use crate::error::Result;
use crate::library::LibraryId;

/// The account and online library a library syncs with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Binding {
    pub library: i64,
    pub server_url: String,
    pub user_id: u64,
    /// `user` or `group`.
    pub remote_kind: String,
    pub remote_id: u64,
    /// The name the credential store keeps the API key under (never the key).
    pub key_ref: String,
    pub bound_at: String,
}

pub(crate) fn binding(conn: &Connection, lib: LibraryId) -> Result<Option<Binding>> {
    Ok(conn
        .query_row(
            "SELECT library_id, server_url, user_id, remote_kind, remote_id, key_ref, bound_at
             FROM sync_bindings WHERE library_id = ?1",
            [lib.0],
            |r| {
                Ok(Binding {
                    library: r.get(0)?,
                    server_url: r.get(1)?,
                    user_id: r.get(2)?,
                    remote_kind: r.get(3)?,
                    remote_id: r.get(4)?,
                    key_ref: r.get(5)?,
                    bound_at: r.get(6)?,
                })
            },
        )
        .optional()?)
}

pub(crate) fn set_binding(tx: &WriteTx<'_>, b: &Binding) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO sync_bindings (library_id, server_url, user_id, remote_kind,
            remote_id, key_ref, bound_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            b.library,
            b.server_url,
            b.user_id,
            b.remote_kind,
            b.remote_id,
            b.key_ref,
            b.bound_at
        ],
    )?;
    Ok(())
}

/// The group library bound to group `group_id` of this account, if any.
pub(crate) fn group_library(
    conn: &Connection,
    server_url: &str,
    user_id: u64,
    group_id: u64,
) -> Result<Option<(LibraryId, u64)>> {
    Ok(conn
        .query_row(
            "SELECT library_id, metadata_version FROM sync_bindings
             WHERE server_url = ?1 AND user_id = ?2 AND remote_kind = 'group' AND remote_id = ?3",
            params![server_url, user_id, group_id],
            |r| Ok((LibraryId(r.get(0)?), r.get(1)?)),
        )
        .optional()?)
}

/// Forgets every account binding, queue, conflict and held deletion, and
/// every object's server version and base, keeping the objects themselves:
/// the next sync joins the server's copies as on a first sync.
pub(crate) fn forget_sync_state(tx: &WriteTx<'_>) -> Result<()> {
    tx.execute_batch(
        "DELETE FROM sync_bindings;
         DELETE FROM sync_queue;
         DELETE FROM sync_conflicts;
         DELETE FROM sync_pending_deletions;
         DELETE FROM pending_deletions;
         UPDATE libraries SET version = 0, editable = 1;",
    )?;
    for ty in ObjectKind::ALL {
        tx.execute(
            &format!(
                "UPDATE {} SET version = 0, synced = 0, base = NULL,
                    data = json_set(data, '$.version', 0)",
                ty.table()
            ),
            [],
        )?;
    }
    Ok(())
}

/// Records which online library `lib` is and whether the key may write it.
pub(crate) fn set_remote(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    remote_id: u64,
    editable: bool,
) -> Result<()> {
    tx.execute(
        "UPDATE libraries SET remote_id = ?2, editable = ?3 WHERE id = ?1",
        params![lib.0, remote_id, editable],
    )?;
    Ok(())
}

/// Updates a group library's name and whether the key may write it.
pub(crate) fn set_group_details(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    name: &str,
    editable: bool,
) -> Result<()> {
    tx.execute(
        "UPDATE libraries SET name = ?2, editable = ?3 WHERE id = ?1",
        params![lib.0, name, editable],
    )?;
    Ok(())
}

/// Adds the library of group `group_id` to the file (bound by the caller).
pub(crate) fn add_group_library(
    tx: &WriteTx<'_>,
    name: &str,
    group_id: u64,
    editable: bool,
) -> Result<LibraryId> {
    tx.execute(
        "INSERT INTO libraries (kind, name, remote_id, editable, files_editable)
         VALUES ('group', ?1, ?2, ?3, ?3)",
        params![name, group_id, editable],
    )?;
    Ok(LibraryId(tx.last_insert_rowid()))
}

/// The library's name as the file shows it.
pub(crate) fn library_name(conn: &Connection, lib: LibraryId) -> Result<String> {
    Ok(
        conn.query_row("SELECT name FROM libraries WHERE id = ?1", [lib.0], |r| {
            r.get(0)
        })?,
    )
}

pub(crate) fn set_metadata_version(tx: &WriteTx<'_>, lib: LibraryId, version: u64) -> Result<()> {
    tx.execute(
        "UPDATE sync_bindings SET metadata_version = ?2 WHERE library_id = ?1",
        params![lib.0, version],
    )?;
    Ok(())
}

/// Libraries bound to this account, the personal one first.
pub(crate) fn bound_libraries(
    conn: &Connection,
    server_url: &str,
    user_id: u64,
) -> Result<Vec<(LibraryId, ObjectRemote)>> {
    let mut stmt = conn.prepare(
        "SELECT library_id, remote_kind, remote_id FROM sync_bindings
         WHERE server_url = ?1 AND user_id = ?2 ORDER BY remote_kind = 'group', library_id",
    )?;
    let rows = stmt.query_map(params![server_url, user_id], |r| {
        Ok((
            LibraryId(r.get(0)?),
            ObjectRemote {
                group: r.get::<_, String>(1)? == "group",
                id: r.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where a bound library lives on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ObjectRemote {
    pub group: bool,
    pub id: u64,
}

impl ObjectRemote {
    /// The library on the server this one syncs with.
    pub(crate) fn library(&self) -> RemoteLibrary {
        RemoteLibrary {
            kind: if self.group {
                LibraryKind::Group
            } else {
                LibraryKind::User
            },
            id: self.id,
        }
    }
}

pub(crate) fn library_version(conn: &Connection, lib: LibraryId) -> Result<u64> {
    Ok(conn.query_row(
        "SELECT version FROM libraries WHERE id = ?1",
        [lib.0],
        |r| r.get(0),
    )?)
}

pub(crate) fn set_library_version(tx: &WriteTx<'_>, lib: LibraryId, version: u64) -> Result<()> {
    tx.prepare_cached("UPDATE libraries SET version = ?2 WHERE id = ?1")?
        .execute(params![lib.0, version])?;
    Ok(())
}

pub(crate) fn editable(conn: &Connection, lib: LibraryId) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT editable FROM libraries WHERE id = ?1",
        [lib.0],
        |r| r.get(0),
    )?)
}

pub(crate) fn set_editable(tx: &WriteTx<'_>, lib: LibraryId, editable: bool) -> Result<()> {
    tx.execute(
        "UPDATE libraries SET editable = ?2 WHERE id = ?1",
        params![lib.0, editable],
    )?;
    Ok(())
}

// ---- File-wide settings of the sync (the `meta` table) ----

/// A sync setting kept in `meta`.
pub(crate) fn meta_value(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Keeps a sync setting in `meta`.
pub(crate) fn set_meta_value(tx: &WriteTx<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

// ---- The pull queue ----

pub(crate) fn queued(conn: &Connection, lib: LibraryId, ty: ObjectKind) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key FROM sync_queue WHERE library_id = ?1 AND object_type = ?2 ORDER BY key",
    )?;
    let rows = stmt.query_map(params![lib.0, ty.as_str()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn enqueue(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    keys: &[String],
    since: u64,
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO sync_queue (library_id, object_type, key, since)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for key in keys {
        stmt.execute(params![lib.0, ty.as_str(), key, since])?;
    }
    Ok(())
}

pub(crate) fn dequeue(tx: &WriteTx<'_>, lib: LibraryId, ty: ObjectKind, key: &str) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM sync_queue WHERE library_id = ?1 AND object_type = ?2 AND key = ?3",
    )?
    .execute(params![lib.0, ty.as_str(), key])?;
    Ok(())
}

// ---- Conflicts ----

pub(crate) fn conflict_fields_json(fields: &[FieldConflict]) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|f| json!({"field": f.field, "local": f.local, "remote": f.remote}))
            .collect(),
    )
}

pub(crate) fn parse_conflict_fields(text: &str) -> Result<Vec<FieldConflict>> {
    let value: Value = serde_json::from_str(text)?;
    Ok(value
        .as_array()
        .map(|list| {
            list.iter()
                .map(|f| FieldConflict {
                    field: f["field"].as_str().unwrap_or_default().to_owned(),
                    local: f["local"].clone(),
                    remote: f["remote"].clone(),
                })
                .collect()
        })
        .unwrap_or_default())
}

pub(crate) fn record_conflict(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    key: &str,
    fields: &[FieldConflict],
    remote: &Value,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_conflicts (library_id, object_type, key, fields, remote_data, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (library_id, object_type, key) DO UPDATE SET fields = excluded.fields,
            remote_data = excluded.remote_data",
    )?
    .execute(params![
        lib.0,
        ty.as_str(),
        key,
        serde_json::to_string(&conflict_fields_json(fields))?,
        serde_json::to_string(remote)?,
        tx.now,
    ])?;
    Ok(())
}

pub(crate) fn clear_conflict(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    key: &str,
) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM sync_conflicts WHERE library_id = ?1 AND object_type = ?2 AND key = ?3",
    )?
    .execute(params![lib.0, ty.as_str(), key])?;
    Ok(())
}

pub(crate) fn conflict_keys(
    conn: &Connection,
    lib: LibraryId,
    ty: ObjectKind,
) -> Result<HashSet<String>> {
    let mut stmt =
        conn.prepare("SELECT key FROM sync_conflicts WHERE library_id = ?1 AND object_type = ?2")?;
    let rows = stmt.query_map(params![lib.0, ty.as_str()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn conflict_count(conn: &Connection, lib: LibraryId) -> Result<usize> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM sync_conflicts WHERE library_id = ?1",
        [lib.0],
        |r| r.get(0),
    )?)
}

// ---- Notices ----

/// Something a sync did that the researcher should hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub id: i64,
    pub library: i64,
    pub object_type: String,
    pub key: String,
    /// `restored` (an edit brought back a deleted object), `read-only`
    /// (edits the server refused, kept here), `paired` (identical references
    /// joined on a first sync), `deleted-remotely` (moved to the trash).
    pub kind: String,
    pub message: String,
    pub created: String,
}

pub(crate) fn add_notice(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    ty: &str,
    key: &str,
    kind: &str,
    message: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_notices (library_id, object_type, key, kind, message, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![lib.0, ty, key, kind, message, tx.now])?;
    Ok(())
}

pub(crate) fn notices(conn: &Connection, lib: LibraryId, since_id: i64) -> Result<Vec<Notice>> {
    let mut stmt = conn.prepare(
        "SELECT id, library_id, object_type, key, kind, message, created FROM sync_notices
         WHERE library_id = ?1 AND id > ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![lib.0, since_id], |r| {
        Ok(Notice {
            id: r.get(0)?,
            library: r.get(1)?,
            object_type: r.get(2)?,
            key: r.get(3)?,
            kind: r.get(4)?,
            message: r.get(5)?,
            created: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn last_notice_id(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM sync_notices", [], |r| {
            r.get(0)
        })?,
    )
}

// ---- Deletions waiting for confirmation ----

/// An object a held-back deletion would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingDeletion {
    pub library: i64,
    /// `download`: the server deleted it and it would go to the trash here;
    /// `upload`: removed here and the deletion would be sent to the server.
    pub direction: String,
    pub object_type: String,
    pub key: String,
    pub title: String,
    pub confirmed: bool,
}

pub(crate) fn pending_deletions(
    conn: &Connection,
    lib: Option<LibraryId>,
) -> Result<Vec<PendingDeletion>> {
    let mut stmt = conn.prepare(
        "SELECT library_id, direction, object_type, key, title, confirmed
         FROM sync_pending_deletions WHERE ?1 IS NULL OR library_id = ?1
         ORDER BY library_id, direction, object_type, title",
    )?;
    let rows = stmt.query_map([lib.map(|l| l.0)], |r| {
        Ok(PendingDeletion {
            library: r.get(0)?,
            direction: r.get(1)?,
            object_type: r.get(2)?,
            key: r.get(3)?,
            title: r.get(4)?,
            confirmed: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether every deletion in `keys` was confirmed; if not, records them
/// (keeping earlier confirmations of the same objects) for the researcher.
pub(crate) fn deletions_confirmed(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    direction: &str,
    would_delete: &[(ObjectKind, String, String)],
) -> Result<bool> {
    let confirmed: HashSet<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT object_type, key FROM sync_pending_deletions
             WHERE library_id = ?1 AND direction = ?2 AND confirmed = 1",
        )?;
        let rows = stmt.query_map(params![lib.0, direction], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let all = would_delete
        .iter()
        .all(|(ty, key, _)| confirmed.contains(&(ty.as_str().to_owned(), key.clone())));
    if all {
        return Ok(true);
    }
    tx.execute(
        "DELETE FROM sync_pending_deletions WHERE library_id = ?1 AND direction = ?2 AND confirmed = 0",
        params![lib.0, direction],
    )?;
    let mut stmt = tx.prepare(
        "INSERT OR IGNORE INTO sync_pending_deletions
            (library_id, direction, object_type, key, title, confirmed, created)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
    )?;
    for (ty, key, title) in would_delete {
        stmt.execute(params![lib.0, direction, ty.as_str(), key, title, tx.now])?;
    }
    Ok(false)
}

pub(crate) fn clear_pending_deletions(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    direction: &str,
) -> Result<()> {
    tx.execute(
        "DELETE FROM sync_pending_deletions WHERE library_id = ?1 AND direction = ?2",
        params![lib.0, direction],
    )?;
    Ok(())
}

// ---- The sync log ----

/// One library's part of one sync run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub run_id: String,
    pub library: i64,
    pub started: String,
    pub finished: Option<String>,
    /// `running` (or interrupted), `ok`, `conflicts`, `confirm-deletions`, `failed`.
    pub outcome: String,
    /// Objects downloaded, uploaded and deleted per kind.
    pub counts: Value,
    pub conflicts: usize,
    pub error_kind: Option<String>,
    pub message: Option<String>,
}

pub(crate) fn log_start(tx: &WriteTx<'_>, run_id: &str, lib: LibraryId) -> Result<i64> {
    tx.execute(
        "INSERT INTO sync_log (run_id, library_id, started, outcome) VALUES (?1, ?2, ?3, 'running')",
        params![run_id, lib.0, tx.now],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Whether a library of run `run_id` logged a failure.
pub(crate) fn run_failed(conn: &Connection, run_id: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sync_log WHERE run_id = ?1 AND outcome = 'failed')",
        [run_id],
        |r| r.get(0),
    )?)
}

#[allow(clippy::too_many_arguments, reason = "one log row's columns")]
pub(crate) fn log_finish(
    tx: &WriteTx<'_>,
    id: i64,
    outcome: &str,
    counts: &Value,
    conflicts: usize,
    error_kind: Option<&str>,
    message: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE sync_log SET finished = ?2, outcome = ?3, counts = ?4, conflicts = ?5,
            error_kind = ?6, message = ?7 WHERE id = ?1",
        params![
            id,
            tx.now,
            outcome,
            serde_json::to_string(counts)?,
            conflicts,
            error_kind,
            message
        ],
    )?;
    Ok(())
}

pub(crate) fn log_entries(conn: &Connection, limit: usize) -> Result<Vec<LogEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, run_id, library_id, started, finished, outcome, counts, conflicts,
            error_kind, message
         FROM sync_log ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok((
            LogEntry {
                id: r.get(0)?,
                run_id: r.get(1)?,
                library: r.get(2)?,
                started: r.get(3)?,
                finished: r.get(4)?,
                outcome: r.get(5)?,
                counts: Value::Null,
                conflicts: r.get(7)?,
                error_kind: r.get(8)?,
                message: r.get(9)?,
            },
            r.get::<_, String>(6)?,
        ))
    })?;
    rows.map(|row| {
        let (mut entry, counts) = row?;
        entry.counts = serde_json::from_str(&counts)?;
        Ok(entry)
    })
    .collect()
}
