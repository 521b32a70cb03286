//! The saved-search write path and saved-search reads. Every local write goes
//! through [`save_search`], which validates and keeps the sync markers;
//! [`remove_search`] takes one out for good.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use shelfmark_protocol::{ObjectKey, SavedSearchData, validate_saved_search};

use crate::changes::{Change, ChangeKind, ObjectKind};
use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::library::LibraryId;
use crate::store::items::{BaseCopy, changed_json_keys};
use crate::store::upsert_recorded;

/// A saved search as stored, with its sync state.
#[derive(Debug, Clone)]
pub(crate) struct SearchRow {
    pub data: SavedSearchData,
    pub version: u64,
    pub changed_fields: Vec<String>,
}

type RawRow = (String, u64, String);

fn raw_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn parse_row((data, version, changed): RawRow) -> Result<SearchRow> {
    let value: Value = serde_json::from_str(&data)?;
    Ok(SearchRow {
        data: SavedSearchData::from_json_value(value).map_err(|e| Error::Corrupt(e.to_string()))?,
        version,
        changed_fields: serde_json::from_str(&changed)?,
    })
}

pub(crate) fn find_search(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<Option<SearchRow>> {
    conn.query_row(
        "SELECT data, version, changed_fields FROM saved_searches
         WHERE library_id = ?1 AND key = ?2",
        params![lib.0, key.as_str()],
        raw_row,
    )
    .optional()?
    .map(parse_row)
    .transpose()
}

pub(crate) fn get_search(conn: &Connection, lib: LibraryId, key: &ObjectKey) -> Result<SearchRow> {
    find_search(conn, lib, key)?.ok_or_else(|| Error::not_found("saved search", key))
}

/// Saved searches of the library, those in the trash (`deleted`) or those
/// not in it.
pub(crate) fn searches_where(
    conn: &Connection,
    lib: LibraryId,
    deleted: bool,
) -> Result<Vec<SearchRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT data, version, changed_fields FROM saved_searches
         WHERE library_id = ?1 AND deleted = ?2 ORDER BY id",
    )?;
    let raws = stmt
        .query_map(params![lib.0, deleted], raw_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter().map(parse_row).collect()
}

/// Writes a locally made version of a saved search (new or edited):
/// validates it and marks it changed for sync. An edit that changes nothing
/// writes nothing.
pub(crate) fn save_search(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    mut search: SavedSearchData,
) -> Result<SavedSearchData> {
    validate_saved_search(&search)?;
    let previous = find_search(tx, lib, &search.key)?;
    search.version = previous.as_ref().map_or(0, |p| p.version);
    let changed: Vec<String> = match previous {
        Some(prev) => {
            let diff = changed_json_keys(&prev.data.to_json_value(), &search.to_json_value());
            if diff.is_empty() {
                return Ok(prev.data);
            }
            let changed: BTreeSet<String> = prev.changed_fields.into_iter().chain(diff).collect();
            changed.into_iter().collect()
        }
        None => Vec::new(),
    };
    write_search(tx, lib, &search, false, &changed, BaseCopy::Keep)?;
    Ok(search)
}

/// A saved search row, new or replaced (the base copy as for collections).
const UPSERT_SEARCH: &str = "INSERT INTO saved_searches (library_id, key, name, data, deleted,
        version, synced, changed_fields, base)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
     ON CONFLICT (library_id, key) DO UPDATE SET name = excluded.name,
        data = excluded.data, deleted = excluded.deleted,
        version = excluded.version, synced = excluded.synced,
        changed_fields = excluded.changed_fields,
        base = CASE WHEN ?10 THEN excluded.base WHEN saved_searches.base = ''
            THEN saved_searches.data ELSE saved_searches.base END";

/// The one saved-search write, whatever its origin: stores the row with its
/// sync state and records the change. Checks are the caller's.
pub(crate) fn write_search(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    search: &SavedSearchData,
    synced: bool,
    changed: &[String],
    base: BaseCopy<'_>,
) -> Result<()> {
    let (base_text, set_base) = base.column();
    upsert_recorded(tx, lib, ObjectKind::SavedSearch, &search.key, |tx| {
        tx.prepare_cached(UPSERT_SEARCH)?.execute(params![
            lib.0,
            search.key.as_str(),
            search.name,
            serde_json::to_string(&search.to_json_value())?,
            search.deleted,
            search.version,
            synced,
            serde_json::to_string(changed)?,
            base_text,
            set_base,
        ])?;
        Ok(())
    })
}

/// Removes a saved search from the file for good (emptying the trash); one
/// the server knows is queued as a deletion for the sync.
pub(crate) fn remove_search(tx: &mut WriteTx<'_>, lib: LibraryId, row: &SearchRow) -> Result<()> {
    let key = &row.data.key;
    tx.execute(
        "DELETE FROM saved_searches WHERE library_id = ?1 AND key = ?2",
        params![lib.0, key.as_str()],
    )?;
    if row.version > 0 {
        tx.execute(
            "INSERT OR REPLACE INTO pending_deletions (library_id, object_type, key, version, deleted_at)
             VALUES (?1, 'search', ?2, ?3, ?4)",
            params![lib.0, key.as_str(), row.version, tx.now],
        )?;
    }
    tx.record(Change {
        library_id: lib,
        object: ObjectKind::SavedSearch,
        key: key.clone(),
        kind: ChangeKind::Removed,
    });
    Ok(())
}
