//! Stored files and uploads in SQLite.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, Row, params};
use shelfmark_protocol::ObjectKey;

use super::parse_key;
use crate::clock::now_unix;
use crate::store::{LibraryId, LibraryOwner, StoreResult, StoredFile, Upload};

/// Uploads not registered within this many seconds are abandoned.
pub(super) const UPLOAD_LIFETIME_SECONDS: i64 = 24 * 60 * 60;

fn file_row(r: &Row<'_>, at: usize) -> rusqlite::Result<StoredFile> {
    Ok(StoredFile {
        md5: r.get(at)?,
        size: r.get::<_, i64>(at + 1)? as u64,
        filename: r.get(at + 2)?,
        mtime: r.get(at + 3)?,
        content_type: r.get(at + 4)?,
        charset: r.get(at + 5)?,
        blob: r.get(at + 6)?,
        compressed: r.get(at + 7)?,
    })
}

pub(super) fn item_file(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> StoreResult<Option<StoredFile>> {
    Ok(conn
        .query_row(
            "SELECT md5, size, filename, mtime, content_type, charset, blob, compressed
             FROM item_files
             WHERE library_id = ?1 AND item_key = ?2",
            params![lib, key.as_str()],
            |r| file_row(r, 0),
        )
        .optional()?)
}

pub(super) fn create_upload(conn: &Connection, u: &Upload) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM uploads WHERE created < ?1",
        [now_unix() - UPLOAD_LIFETIME_SECONDS],
    )?;
    conn.execute(
        "INSERT INTO uploads (upload_key, library_id, item_key, md5, size, filename, mtime,
             content_type, charset, blob, compressed, created, completed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            u.key,
            u.library_id,
            u.item_key.as_str(),
            u.file.md5,
            u.file.size as i64,
            u.file.filename,
            u.file.mtime,
            u.file.content_type,
            u.file.charset,
            u.file.blob,
            u.file.compressed,
            u.created,
            u.completed
        ],
    )?;
    Ok(())
}

pub(super) fn upload(conn: &Connection, key: &str) -> StoreResult<Option<Upload>> {
    let row = conn
        .query_row(
            "SELECT library_id, item_key, md5, size, filename, mtime, content_type, charset,
                 blob, compressed, created, completed
             FROM uploads WHERE upload_key = ?1 AND created >= ?2",
            params![key, now_unix() - UPLOAD_LIFETIME_SECONDS],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    file_row(r, 2)?,
                    r.get::<_, i64>(10)?,
                    r.get::<_, bool>(11)?,
                ))
            },
        )
        .optional()?;
    let Some((library_id, item_key, file, created, completed)) = row else {
        return Ok(None);
    };
    Ok(Some(Upload {
        key: key.to_owned(),
        library_id,
        item_key: parse_key(&item_key)?,
        file,
        created,
        completed,
    }))
}

pub(super) fn storage_usage(conn: &Connection, user_id: u64) -> StoreResult<u64> {
    let total: i64 = conn.query_row(
        "SELECT COALESCE(SUM(f.size), 0) FROM item_files f
         JOIN libraries l ON l.id = f.library_id
         WHERE (l.kind = 'user' AND l.owner_id = ?1)
            OR (l.kind = 'group' AND l.owner_id IN (SELECT id FROM groups WHERE owner_id = ?1))",
        [user_id as i64],
        |r| r.get(0),
    )?;
    Ok(total as u64)
}

pub(super) fn storage_by_library(
    conn: &Connection,
    user_id: u64,
) -> StoreResult<Vec<(LibraryOwner, u64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.kind, l.owner_id,
                (SELECT COALESCE(SUM(f.size), 0) FROM item_files f WHERE f.library_id = l.id)
         FROM libraries l
         WHERE (l.kind = 'user' AND l.owner_id = ?1)
            OR (l.kind = 'group' AND l.owner_id IN (SELECT id FROM groups WHERE owner_id = ?1))
         ORDER BY l.kind = 'group', l.owner_id",
    )?;
    let rows = stmt.query_map([user_id as i64], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)? as u64,
            r.get::<_, i64>(2)? as u64,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, id, bytes) = row?;
        let owner = match kind.as_str() {
            "user" => LibraryOwner::User(id),
            _ => LibraryOwner::Group(id),
        };
        out.push((owner, bytes));
    }
    Ok(out)
}

pub(super) fn referenced_blobs(conn: &Connection) -> StoreResult<HashSet<String>> {
    let mut out = HashSet::new();
    let mut stmt = conn.prepare("SELECT DISTINCT blob FROM item_files")?;
    for md5 in stmt.query_map([], |r| r.get::<_, String>(0))? {
        out.insert(md5?);
    }
    let mut stmt = conn.prepare("SELECT DISTINCT blob FROM uploads WHERE created >= ?1")?;
    for md5 in stmt.query_map([now_unix() - UPLOAD_LIFETIME_SECONDS], |r| {
        r.get::<_, String>(0)
    })? {
        out.insert(md5?);
    }
    Ok(out)
}
