//! The attachment file tables: one row per attachment with a file here or
//! an upload waiting, the libraries' download policies, offline collections.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::WriteTx;
use crate::error::Result;
use crate::library::LibraryId;

/// An attachment item's file-related metadata, as synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttachmentInfo {
    pub key: String,
    pub parent: Option<String>,
    pub link_mode: String,
    /// The md5 of the file the item refers to (the server's, once synced).
    pub md5: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub title: Option<String>,
    pub mtime: Option<i64>,
    pub in_trash: bool,
}

impl AttachmentInfo {
    /// Whether the attachment's bytes are stored (and synced) as a file.
    pub fn has_stored_file(&self) -> bool {
        matches!(
            self.link_mode.as_str(),
            "imported_file" | "imported_url" | "embedded_image"
        )
    }
}

const INFO_COLUMNS: &str = "key, parent_key, json_extract(data, '$.linkMode'),
    json_extract(data, '$.md5'), json_extract(data, '$.filename'),
    json_extract(data, '$.contentType'), json_extract(data, '$.title'),
    json_extract(data, '$.mtime'), in_trash";

fn info_from(r: &Row<'_>) -> rusqlite::Result<AttachmentInfo> {
    Ok(AttachmentInfo {
        key: r.get(0)?,
        parent: r.get(1)?,
        link_mode: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
        md5: r
            .get::<_, Option<String>>(3)?
            .filter(|m| !m.is_empty())
            .map(|m| m.to_ascii_lowercase()),
        filename: r.get::<_, Option<String>>(4)?.filter(|f| !f.is_empty()),
        content_type: r.get::<_, Option<String>>(5)?.filter(|t| !t.is_empty()),
        title: r.get(6)?,
        mtime: r.get(7)?,
        in_trash: r.get(8)?,
    })
}

/// One attachment item's file metadata, if `key` is an attachment.
pub(crate) fn attachment(
    conn: &Connection,
    lib: LibraryId,
    key: &str,
) -> Result<Option<AttachmentInfo>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {INFO_COLUMNS} FROM items
                 WHERE library_id = ?1 AND key = ?2 AND item_type = 'attachment'"
            ),
            params![lib.0, key],
            info_from,
        )
        .optional()?)
}

/// Every attachment item of a library.
pub(crate) fn attachments(conn: &Connection, lib: LibraryId) -> Result<Vec<AttachmentInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {INFO_COLUMNS} FROM items
         WHERE library_id = ?1 AND item_type = 'attachment' ORDER BY key"
    ))?;
    let rows = stmt.query_map([lib.0], info_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Attachments of the items in a collection (and attachments filed there
/// themselves).
pub(crate) fn collection_attachments(
    conn: &Connection,
    lib: LibraryId,
    collection: &str,
) -> Result<Vec<AttachmentInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {INFO_COLUMNS} FROM items
         WHERE library_id = ?1 AND item_type = 'attachment' AND (
            id IN (SELECT item_id FROM collection_items WHERE library_id = ?1 AND collection_key = ?2)
            OR parent_key IN (SELECT i.key FROM collection_items ci JOIN items i ON i.id = ci.item_id
                              WHERE ci.library_id = ?1 AND ci.collection_key = ?2))
         ORDER BY key"
    ))?;
    let rows = stmt.query_map(params![lib.0, collection], info_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Keys of attachments kept offline through an offline collection.
pub(crate) fn offline_keys(
    conn: &Connection,
    lib: LibraryId,
) -> Result<std::collections::HashSet<String>> {
    let mut keys = std::collections::HashSet::new();
    for collection in offline_collections(conn, lib)? {
        for a in collection_attachments(conn, lib, &collection)? {
            keys.insert(a.key);
        }
    }
    Ok(keys)
}

/// What this device knows about one attachment's file.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FileRow {
    pub key: String,
    pub filename: Option<String>,
    pub local_md5: Option<String>,
    pub local_size: Option<u64>,
    pub local_mtime: Option<i64>,
    pub superseded_md5: Option<String>,
    pub downloading: bool,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub missing_on_server: bool,
    pub last_opened: Option<String>,
    pub downloaded_at: Option<String>,
    pub upload_pending: bool,
    pub attempts: u32,
    pub error_kind: Option<String>,
    pub error: Option<String>,
    pub storage_usage_mb: Option<f64>,
    pub storage_quota_mb: Option<f64>,
    pub backoff_until: Option<String>,
}

impl FileRow {
    pub fn new(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            ..Self::default()
        }
    }

    /// Forgets the stored copy (the metadata stays).
    pub fn clear_local(&mut self) {
        self.filename = None;
        self.local_md5 = None;
        self.local_size = None;
        self.local_mtime = None;
        self.superseded_md5 = None;
        self.downloaded_at = None;
    }

    pub fn clear_upload_error(&mut self) {
        self.attempts = 0;
        self.error_kind = None;
        self.error = None;
        self.storage_usage_mb = None;
        self.storage_quota_mb = None;
        self.backoff_until = None;
    }
}

const ROW_COLUMNS: &str = "item_key, filename, local_md5, local_size, local_mtime, superseded_md5,
    downloading, bytes_done, bytes_total, missing_on_server, last_opened, downloaded_at,
    upload_pending, attempts, error_kind, error, storage_usage_mb, storage_quota_mb, backoff_until";

fn row_from(r: &Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        key: r.get(0)?,
        filename: r.get(1)?,
        local_md5: r.get(2)?,
        local_size: r.get::<_, Option<i64>>(3)?.map(|s| s as u64),
        local_mtime: r.get(4)?,
        superseded_md5: r.get(5)?,
        downloading: r.get(6)?,
        bytes_done: r.get::<_, i64>(7)? as u64,
        bytes_total: r.get::<_, i64>(8)? as u64,
        missing_on_server: r.get(9)?,
        last_opened: r.get(10)?,
        downloaded_at: r.get(11)?,
        upload_pending: r.get(12)?,
        attempts: r.get(13)?,
        error_kind: r.get(14)?,
        error: r.get(15)?,
        storage_usage_mb: r.get(16)?,
        storage_quota_mb: r.get(17)?,
        backoff_until: r.get(18)?,
    })
}

pub(crate) fn file_row(conn: &Connection, lib: LibraryId, key: &str) -> Result<Option<FileRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {ROW_COLUMNS} FROM attachment_files WHERE library_id = ?1 AND item_key = ?2"
            ),
            params![lib.0, key],
            row_from,
        )
        .optional()?)
}

pub(crate) fn file_rows(
    conn: &Connection,
    lib: LibraryId,
) -> Result<std::collections::HashMap<String, FileRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM attachment_files WHERE library_id = ?1"
    ))?;
    let rows = stmt.query_map([lib.0], row_from)?;
    rows.map(|r| r.map(|row| (row.key.clone(), row)).map_err(Into::into))
        .collect()
}

/// Writes a row whole (inserting it if new).
pub(crate) fn put_row(tx: &mut WriteTx<'_>, lib: LibraryId, row: &FileRow) -> Result<()> {
    tx.record_file(lib, &row.key);
    tx.execute(
        &format!(
            "INSERT OR REPLACE INTO attachment_files (library_id, {ROW_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
        ),
        params![
            lib.0,
            row.key,
            row.filename,
            row.local_md5,
            row.local_size.map(|s| s as i64),
            row.local_mtime,
            row.superseded_md5,
            row.downloading,
            row.bytes_done as i64,
            row.bytes_total as i64,
            row.missing_on_server,
            row.last_opened,
            row.downloaded_at,
            row.upload_pending,
            row.attempts,
            row.error_kind,
            row.error,
            row.storage_usage_mb,
            row.storage_quota_mb,
            row.backoff_until,
        ],
    )?;
    Ok(())
}

/// Updates download progress only (kept cheap: called while bytes flow).
/// It also marks the download as running: a library opened meanwhile by
/// another process clears the mark (see `Db::open`), and the running
/// download puts it back.
pub(crate) fn set_progress(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    key: &str,
    done: u64,
    total: u64,
) -> Result<()> {
    tx.record_file(lib, key);
    tx.execute(
        "UPDATE attachment_files SET bytes_done = ?3, bytes_total = ?4, downloading = 1
         WHERE library_id = ?1 AND item_key = ?2",
        params![lib.0, key, done as i64, total as i64],
    )?;
    Ok(())
}

/// A library's download policy and budget, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyRow {
    pub policy: String,
    pub unmetered_only: bool,
    pub cache_budget: Option<u64>,
}

pub(crate) fn policy(conn: &Connection, lib: LibraryId) -> Result<PolicyRow> {
    Ok(conn
        .query_row(
            "SELECT policy, unmetered_only, cache_budget FROM file_policies WHERE library_id = ?1",
            [lib.0],
            |r| {
                Ok(PolicyRow {
                    policy: r.get(0)?,
                    unmetered_only: r.get(1)?,
                    cache_budget: r.get::<_, Option<i64>>(2)?.map(|b| b as u64),
                })
            },
        )
        .optional()?
        .unwrap_or(PolicyRow {
            policy: "on-demand".into(),
            unmetered_only: false,
            cache_budget: None,
        }))
}

pub(crate) fn put_policy(conn: &Connection, lib: LibraryId, p: &PolicyRow) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO file_policies (library_id, policy, unmetered_only, cache_budget)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            lib.0,
            p.policy,
            p.unmetered_only,
            p.cache_budget.map(|b| b as i64)
        ],
    )?;
    Ok(())
}

pub(crate) fn offline_collections(conn: &Connection, lib: LibraryId) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT collection_key FROM offline_collections WHERE library_id = ?1 ORDER BY collection_key",
    )?;
    let rows = stmt.query_map([lib.0], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn set_offline_collections(
    conn: &Connection,
    lib: LibraryId,
    keys: &[String],
) -> Result<()> {
    conn.execute(
        "DELETE FROM offline_collections WHERE library_id = ?1",
        [lib.0],
    )?;
    for key in keys {
        conn.execute(
            "INSERT OR IGNORE INTO offline_collections (library_id, collection_key) VALUES (?1, ?2)",
            params![lib.0, key],
        )?;
    }
    Ok(())
}

/// Whether this device is on a metered network (as the app last said).
pub(crate) fn network_metered(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'network_metered'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .is_some_and(|v| v == "1"))
}

pub(crate) fn set_network_metered(conn: &Connection, metered: bool) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('network_metered', ?1)",
        [if metered { "1" } else { "0" }],
    )?;
    Ok(())
}
