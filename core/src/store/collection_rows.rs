//! The collection write path and collection reads. Every collection row,
//! local or from the sync engine, is stored by [`write_collection`]; local
//! edits reach it through [`save_collection`], which validates, refuses
//! cycles and keeps the sync markers; [`remove_collection`] takes one out for
//! good.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use shelfmark_protocol::{CollectionData, ObjectKey, validate_collection};

use crate::changes::{Change, ChangeKind, ObjectKind};
use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::library::LibraryId;
use crate::store::items::{BaseCopy, changed_json_keys, edit_local, find_row};
use crate::store::upsert_recorded;

/// A collection as stored, with its sync state.
#[derive(Debug, Clone)]
pub(crate) struct CollectionRow {
    pub data: CollectionData,
    pub version: u64,
    pub changed_fields: Vec<String>,
}

const COLUMNS: &str = "data, version, changed_fields";

fn parse_row(data: &str, version: u64, changed: &str) -> Result<CollectionRow> {
    let value: Value = serde_json::from_str(data)?;
    Ok(CollectionRow {
        data: CollectionData::from_json_value(value).map_err(|e| Error::Corrupt(e.to_string()))?,
        version,
        changed_fields: serde_json::from_str(changed)?,
    })
}

fn read_rows(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<CollectionRow>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let raws = stmt
        .query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.iter()
        .map(|(data, version, changed)| parse_row(data, *version, changed))
        .collect()
}

pub(crate) fn find_collection(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<Option<CollectionRow>> {
    let raw = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM collections WHERE library_id = ?1 AND key = ?2"),
            params![lib.0, key.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    raw.map(|(data, version, changed)| parse_row(&data, version, &changed))
        .transpose()
}

/// `key` as a collection key of the library (in the trash or not); an
/// invalid key is refused and a missing collection is "not found".
pub(crate) fn existing_collection_key(
    conn: &Connection,
    lib: LibraryId,
    key: &str,
) -> Result<ObjectKey> {
    let key = ObjectKey::parse(key)?;
    let exists: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM collections WHERE library_id = ?1 AND key = ?2)",
        )?
        .query_row(params![lib.0, key.as_str()], |r| r.get(0))?;
    if !exists {
        return Err(Error::not_found("collection", key));
    }
    Ok(key)
}

pub(crate) fn get_collection_row(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<CollectionRow> {
    find_collection(conn, lib, key)?.ok_or_else(|| Error::not_found("collection", key))
}

/// Every collection of the library, in the trash or not.
pub(crate) fn all_collections(conn: &Connection, lib: LibraryId) -> Result<Vec<CollectionRow>> {
    read_rows(
        conn,
        &format!("SELECT {COLUMNS} FROM collections WHERE library_id = ?1 ORDER BY id"),
        params![lib.0],
    )
}

/// The collections in the trash, by themselves or under a trashed ancestor.
/// Sync may deliver a live collection under a trashed one, so ancestry is
/// followed rather than trusting each flag alone.
pub(crate) fn trashed_keys(rows: &[CollectionRow]) -> BTreeSet<ObjectKey> {
    let by_key: HashMap<&ObjectKey, &CollectionData> =
        rows.iter().map(|r| (&r.data.key, &r.data)).collect();
    let mut out = BTreeSet::new();
    for row in rows {
        let mut current = Some(&row.data);
        let mut seen = BTreeSet::new();
        while let Some(c) = current {
            if c.deleted {
                out.insert(row.data.key.clone());
                break;
            }
            if !seen.insert(&c.key) {
                break;
            }
            current = c
                .parent_collection
                .as_ref()
                .and_then(|p| by_key.get(p).copied());
        }
    }
    out
}

/// Keys of the collections below `key`, at any depth.
pub(crate) fn descendants(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<Vec<ObjectKey>> {
    let mut out: Vec<ObjectKey> = Vec::new();
    let mut queue = vec![key.clone()];
    let mut stmt = conn.prepare_cached(
        "SELECT key FROM collections WHERE library_id = ?1 AND parent_key = ?2 ORDER BY id",
    )?;
    while let Some(parent) = queue.pop() {
        let children = stmt
            .query_map(params![lib.0, parent.as_str()], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for child in children {
            let child = ObjectKey::parse(&child)?;
            // A cycle delivered by sync must not loop forever.
            if &child != key && !out.contains(&child) {
                out.push(child.clone());
                queue.push(child);
            }
        }
    }
    Ok(out)
}

/// Refuses a parent that is missing, in the trash, or inside the collection
/// itself.
fn check_parent(tx: &WriteTx<'_>, lib: LibraryId, collection: &CollectionData) -> Result<()> {
    let Some(parent_key) = &collection.parent_collection else {
        return Ok(());
    };
    let parent = find_collection(tx, lib, parent_key)?
        .ok_or_else(|| Error::not_found("parent collection", parent_key))?;
    if parent.data.deleted && !collection.deleted {
        return Err(Error::invalid(format!(
            "collection {parent_key} is in the trash"
        )));
    }
    let mut current = Some(parent.data);
    let mut seen = BTreeSet::new();
    while let Some(c) = current {
        if c.key == collection.key {
            return Err(Error::invalid(format!(
                "collection {} cannot go inside {parent_key}: {parent_key} is inside it",
                collection.key
            )));
        }
        if !seen.insert(c.key.clone()) {
            break;
        }
        current = match &c.parent_collection {
            Some(p) => find_collection(tx, lib, p)?.map(|r| r.data),
            None => None,
        };
    }
    Ok(())
}

/// Writes a locally made version of a collection (new or edited): validates
/// it, checks its parent, and marks it changed for sync. An edit that changes
/// nothing writes nothing.
pub(crate) fn save_collection(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    mut collection: CollectionData,
) -> Result<CollectionData> {
    validate_collection(&collection)?;
    let previous = find_collection(tx, lib, &collection.key)?;
    // An unchanged parent is fine even when it has gone to the trash since.
    if previous
        .as_ref()
        .is_none_or(|p| p.data.parent_collection != collection.parent_collection)
    {
        check_parent(tx, lib, &collection)?;
    }
    collection.version = previous.as_ref().map_or(0, |p| p.version);
    let changed: Vec<String> = match previous {
        Some(prev) => {
            let diff = changed_json_keys(&prev.data.to_json_value(), &collection.to_json_value());
            if diff.is_empty() {
                return Ok(prev.data);
            }
            let changed: BTreeSet<String> = prev.changed_fields.into_iter().chain(diff).collect();
            changed.into_iter().collect()
        }
        None => Vec::new(),
    };
    write_collection(tx, lib, &collection, false, &changed, BaseCopy::Keep)?;
    Ok(collection)
}

/// A collection row, new or replaced, with the change recorded. `?11` says
/// whether the base copy is set; when it is kept and was the data itself,
/// the replaced data becomes the base (as for items).
const UPSERT_COLLECTION: &str = "INSERT INTO collections (library_id, key, name, parent_key,
        data, deleted, version, synced, changed_fields, base)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
     ON CONFLICT (library_id, key) DO UPDATE SET name = excluded.name,
        parent_key = excluded.parent_key, data = excluded.data,
        deleted = excluded.deleted, version = excluded.version,
        synced = excluded.synced, changed_fields = excluded.changed_fields,
        base = CASE WHEN ?11 THEN excluded.base WHEN collections.base = '' THEN collections.data
            ELSE collections.base END";

/// The one collection write, whatever its origin: stores the row with its
/// sync state (`synced`, the `changed` fields to upload, what happens to the
/// base copy) and records the change. Checks are the caller's.
pub(crate) fn write_collection(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    collection: &CollectionData,
    synced: bool,
    changed: &[String],
    base: BaseCopy<'_>,
) -> Result<()> {
    let (base_text, set_base) = base.column();
    upsert_recorded(tx, lib, ObjectKind::Collection, &collection.key, |tx| {
        tx.prepare_cached(UPSERT_COLLECTION)?.execute(params![
            lib.0,
            collection.key.as_str(),
            collection.name,
            collection.parent_collection.as_ref().map(ObjectKey::as_str),
            serde_json::to_string(&collection.to_json_value())?,
            collection.deleted,
            collection.version,
            synced,
            serde_json::to_string(changed)?,
            base_text,
            set_base,
        ])?;
        Ok(())
    })
}

/// Item ids of the direct members of a collection.
pub(crate) fn member_keys(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<Vec<ObjectKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.key FROM collection_items ci JOIN items i ON i.id = ci.item_id
         WHERE ci.library_id = ?1 AND ci.collection_key = ?2 ORDER BY i.id",
    )?;
    let keys = stmt
        .query_map(params![lib.0, key.as_str()], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    keys.iter().map(|k| Ok(ObjectKey::parse(k)?)).collect()
}

/// Removes a collection from the file for good (emptying the trash): its key
/// leaves its members' `collections` through the item write path, and a
/// collection the server knows is queued as a deletion for the sync.
pub(crate) fn remove_collection(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<()> {
    let row = get_collection_row(tx, lib, key)?;
    for member in member_keys(tx, lib, key)? {
        if find_row(tx, lib, &member)?.is_some() {
            edit_local(tx, lib, &member, |item| {
                item.collections.retain(|c| c != key);
                Ok(())
            })?;
        }
    }
    tx.execute(
        "DELETE FROM collection_items WHERE library_id = ?1 AND collection_key = ?2",
        params![lib.0, key.as_str()],
    )?;
    tx.execute(
        "DELETE FROM collections WHERE library_id = ?1 AND key = ?2",
        params![lib.0, key.as_str()],
    )?;
    if row.version > 0 {
        tx.execute(
            "INSERT OR REPLACE INTO pending_deletions (library_id, object_type, key, version, deleted_at)
             VALUES (?1, 'collection', ?2, ?3, ?4)",
            params![lib.0, key.as_str(), row.version, tx.now],
        )?;
    }
    tx.record(Change {
        library_id: lib,
        object: ObjectKind::Collection,
        key: key.clone(),
        kind: ChangeKind::Removed,
    });
    Ok(())
}
