//! The item write path and item reads. Every item write, whatever its origin,
//! goes through [`write_row`], which keeps the derived columns, the tag and
//! collection indexes and the full-text index in step with the data.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use shelfmark_protocol::{ItemData, ObjectKey, validate_item};

use crate::changes::{Change, ChangeKind, ObjectKind};
use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::library::{Library, LibraryId};
use crate::search::index::derive;

/// An item as stored, with its sync state.
#[derive(Debug, Clone)]
pub(crate) struct ItemRow {
    pub id: i64,
    pub data: ItemData,
    pub in_trash: bool,
    pub version: u64,
    #[allow(dead_code, reason = "read by the sync engine")]
    pub synced: bool,
    pub changed_fields: Vec<String>,
}

pub(crate) const ROW_COLUMNS: &str = "id, data, in_trash, version, synced, changed_fields";

pub(crate) fn parse_data(json: &str) -> Result<ItemData> {
    let value: Value = serde_json::from_str(json)?;
    ItemData::from_json_value(value).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(crate) fn row_from_sql(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(i64, String, bool, u64, bool, String)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

pub(crate) fn finish_row(raw: (i64, String, bool, u64, bool, String)) -> Result<ItemRow> {
    let (id, data, in_trash, version, synced, changed) = raw;
    Ok(ItemRow {
        id,
        data: parse_data(&data)?,
        in_trash,
        version,
        synced,
        changed_fields: serde_json::from_str(&changed)?,
    })
}

pub(crate) fn find_row(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<Option<ItemRow>> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM items WHERE library_id = ?1 AND key = ?2"
        ))?
        .query_row(params![lib.0, key.as_str()], row_from_sql)
        .optional()?;
    raw.map(finish_row).transpose()
}

pub(crate) fn get_row(conn: &Connection, lib: LibraryId, key: &ObjectKey) -> Result<ItemRow> {
    find_row(conn, lib, key)?.ok_or_else(|| Error::not_found("item", key))
}

/// Rows of the direct children of `key`.
pub(crate) fn child_rows(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<Vec<ItemRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM items WHERE library_id = ?1 AND parent_key = ?2 ORDER BY id"
    ))?;
    let raws = stmt
        .query_map(params![lib.0, key.as_str()], row_from_sql)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter().map(finish_row).collect()
}

/// Names of the data fields that differ between two versions of an item.
pub(crate) fn changed_fields(before: &ItemData, after: &ItemData) -> BTreeSet<String> {
    changed_json_keys(&before.to_json_value(), &after.to_json_value())
}

/// Top-level JSON keys whose values differ between two versions of any
/// object's data, leaving out the bookkeeping keys the store itself sets.
pub(crate) fn changed_json_keys(before: &Value, after: &Value) -> BTreeSet<String> {
    let (Value::Object(a), Value::Object(b)) = (before, after) else {
        return BTreeSet::new();
    };
    a.keys()
        .chain(b.keys())
        .filter(|k| !matches!(k.as_str(), "version" | "dateModified" | "key"))
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// Checks that what a locally written item points at exists and may be
/// pointed at: its parent and its collections. Membership the item already
/// had may name a collection in the trash (restoring it brings the item
/// back into it); only new membership needs a live collection.
fn check_references(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    item: &ItemData,
    previous: Option<&ItemRow>,
) -> Result<()> {
    if let Some(parent_key) = &item.parent_item {
        let parent = find_row(tx, lib, parent_key)?
            .ok_or_else(|| Error::not_found("parent item", parent_key))?;
        let ok = if item.is_annotation() {
            parent.data.is_attachment()
        } else {
            parent.data.is_regular()
        };
        if !ok {
            let needed = if item.is_annotation() {
                "an attachment"
            } else {
                "a regular item"
            };
            return Err(Error::invalid(format!(
                "the parent of a {} must be {needed}, and {parent_key} is a {}",
                item.item_type, parent.data.item_type
            )));
        }
    }
    let already_member =
        |key: &ObjectKey| previous.is_some_and(|p| p.data.collections.contains(key));
    for collection in item.collections.iter().filter(|k| !already_member(k)) {
        let live: Option<bool> = tx
            .prepare_cached("SELECT deleted FROM collections WHERE library_id = ?1 AND key = ?2")?
            .query_row(params![lib.0, collection.as_str()], |r| r.get(0))
            .optional()?;
        match live {
            None => return Err(Error::not_found("collection", collection)),
            Some(true) => {
                return Err(Error::invalid(format!(
                    "collection {collection} is in the trash"
                )));
            }
            Some(false) => {}
        }
    }
    Ok(())
}

/// Writes a locally made version of an item (new or edited): validates it,
/// checks its references, stamps its dates and marks it changed for sync.
/// An edit that changes nothing writes nothing.
pub(crate) fn save_local(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    mut item: ItemData,
) -> Result<ItemData> {
    validate_item(&item)?;
    let previous = find_row(tx, lib, &item.key)?;
    check_references(tx, lib, &item, previous.as_ref())?;
    let mut changed: BTreeSet<String> = BTreeSet::new();
    match &previous {
        Some(prev) => {
            item.date_added = prev.data.date_added.clone();
            item.version = prev.version;
            item.date_modified = prev.data.date_modified.clone();
            let diff = changed_fields(&prev.data, &item);
            if diff.is_empty() {
                return Ok(prev.data.clone());
            }
            changed.extend(prev.changed_fields.iter().cloned());
            changed.extend(diff);
        }
        None => {
            item.version = 0;
            if item.date_added.is_none() {
                item.date_added = Some(tx.now.clone());
            }
        }
    }
    item.date_modified = Some(tx.now.clone());
    let changed: Vec<String> = changed.into_iter().collect();
    write_row(tx, lib, &item, previous.as_ref(), false, &changed)?;
    Ok(item)
}

/// Loads an existing item, lets `edit` change its data and saves the result
/// through [`save_local`]. An error from `edit` writes nothing.
pub(crate) fn edit_local(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    key: &ObjectKey,
    edit: impl FnOnce(&mut ItemData) -> Result<()>,
) -> Result<ItemData> {
    let mut item = get_row(tx, lib, key)?.data;
    edit(&mut item)?;
    save_local(tx, lib, item)
}

/// Stores `item` and everything derived from it. `previous` is the row being
/// replaced, if any.
pub(crate) fn write_row(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    item: &ItemData,
    previous: Option<&ItemRow>,
    synced: bool,
    changed_fields: &[String],
) -> Result<()> {
    let derived = derive(item);
    let parent_in_trash = match &item.parent_item {
        Some(parent) => tx
            .prepare_cached("SELECT in_trash FROM items WHERE library_id = ?1 AND key = ?2")?
            .query_row(params![lib.0, parent.as_str()], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false),
        None => false,
    };
    let in_trash = item.deleted || parent_in_trash;
    let data = serde_json::to_string(&item.to_json_value())?;
    let changed = serde_json::to_string(changed_fields)?;
    let date_added = item.date_added.clone().unwrap_or_else(|| tx.now.clone());
    let date_modified = item.date_modified.clone().unwrap_or_else(|| tx.now.clone());
    let parent_key = item.parent_item.as_ref().map(ObjectKey::as_str);

    // One statement for new and replaced rows; the key identifies the row.
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO items (library_id, key, item_type, parent_key, data, deleted,
                in_trash, date_added, date_modified, sort_title, sort_creator, sort_date,
                sort_type, version, synced, changed_fields)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (library_id, key) DO UPDATE SET
                item_type = excluded.item_type, parent_key = excluded.parent_key,
                data = excluded.data, deleted = excluded.deleted, in_trash = excluded.in_trash,
                date_added = excluded.date_added, date_modified = excluded.date_modified,
                sort_title = excluded.sort_title, sort_creator = excluded.sort_creator,
                sort_date = excluded.sort_date, sort_type = excluded.sort_type,
                version = excluded.version, synced = excluded.synced,
                changed_fields = excluded.changed_fields
             RETURNING id",
        )?
        .query_row(
            params![
                lib.0,
                item.key.as_str(),
                item.item_type,
                parent_key,
                data,
                item.deleted,
                in_trash,
                date_added,
                date_modified,
                derived.sort_title,
                derived.sort_creator,
                derived.sort_date,
                derived.sort_type,
                item.version,
                synced,
                changed,
            ],
            |r| r.get(0),
        )?;
    if previous.is_some() {
        // The derived rows of the replaced version go; new ones follow.
        tx.prepare_cached("DELETE FROM items_fts WHERE rowid = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM item_tags WHERE item_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM collection_items WHERE item_id = ?1")?
            .execute([id])?;
    }
    tx.prepare_cached("INSERT INTO items_fts (rowid, quick, body) VALUES (?1, ?2, ?3)")?
        .execute(params![id, derived.fts_quick, derived.fts_body])?;
    {
        let mut insert_tag = tx.prepare_cached(
            "INSERT OR IGNORE INTO item_tags (item_id, tag, kind) VALUES (?1, ?2, ?3)",
        )?;
        for tag in &item.tags {
            insert_tag.execute(params![id, tag.tag, tag.kind])?;
        }
        let mut insert_member = tx.prepare_cached(
            "INSERT OR IGNORE INTO collection_items (library_id, collection_key, item_id) VALUES (?1, ?2, ?3)",
        )?;
        for collection in &item.collections {
            insert_member.execute(params![lib.0, collection.as_str(), id])?;
        }
    }
    tx.record(Change {
        library_id: lib,
        object: ObjectKind::Item,
        key: item.key.clone(),
        kind: if previous.is_some() {
            ChangeKind::Updated
        } else {
            ChangeKind::Created
        },
    });
    if previous.is_some_and(|p| p.in_trash != in_trash) {
        cascade_trash(tx, lib, &item.key, in_trash)?;
    }
    Ok(())
}

/// Children follow their parent into and out of the trash.
pub(crate) fn cascade_trash(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    parent: &ObjectKey,
    parent_in_trash: bool,
) -> Result<()> {
    let children: Vec<(String, bool, bool)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT key, deleted, in_trash FROM items WHERE library_id = ?1 AND parent_key = ?2",
        )?;
        stmt.query_map(params![lib.0, parent.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    for (key, deleted, was) in children {
        let now = deleted || parent_in_trash;
        if now == was {
            continue;
        }
        tx.execute(
            "UPDATE items SET in_trash = ?3 WHERE library_id = ?1 AND key = ?2",
            params![lib.0, key, now],
        )?;
        let key = ObjectKey::parse(&key)?;
        tx.record(Change {
            library_id: lib,
            object: ObjectKind::Item,
            key: key.clone(),
            kind: ChangeKind::Updated,
        });
        cascade_trash(tx, lib, &key, now)?;
    }
    Ok(())
}

/// Removes an item and its children from the file for good (emptying the
/// trash). Items the server knows are queued as deletions for the sync.
pub(crate) fn remove_row(tx: &mut WriteTx<'_>, lib: LibraryId, row: &ItemRow) -> Result<()> {
    for child in child_rows(tx, lib, &row.data.key)? {
        remove_row(tx, lib, &child)?;
    }
    tx.execute("DELETE FROM items_fts WHERE rowid = ?1", [row.id])?;
    tx.execute("DELETE FROM items WHERE id = ?1", [row.id])?;
    if row.version > 0 {
        tx.execute(
            "INSERT OR REPLACE INTO pending_deletions (library_id, object_type, key, version, deleted_at)
             VALUES (?1, 'item', ?2, ?3, ?4)",
            params![lib.0, row.data.key.as_str(), row.version, tx.now],
        )?;
    }
    tx.record(Change {
        library_id: lib,
        object: ObjectKind::Item,
        key: row.data.key.clone(),
        kind: ChangeKind::Removed,
    });
    Ok(())
}

impl Library {
    /// Adds a new item (of any type: regular, note, attachment, annotation).
    /// The key may be given (it must be new) or is minted; `dateAdded` and
    /// `dateModified` are set now.
    pub fn create_item(&self, item: ItemData) -> Result<ItemData> {
        let lib = self.id;
        self.db.write(|tx| {
            if find_row(tx, lib, &item.key)?.is_some() {
                return Err(Error::invalid(format!(
                    "an item with key {} already exists",
                    item.key
                )));
            }
            save_local(tx, lib, item)
        })
    }

    /// Adds many new items in one transaction (all or none).
    pub fn create_items(&self, items: Vec<ItemData>) -> Result<Vec<ItemData>> {
        let lib = self.id;
        self.db.write(|tx| {
            items
                .into_iter()
                .map(|item| {
                    if find_row(tx, lib, &item.key)?.is_some() {
                        return Err(Error::invalid(format!(
                            "an item with key {} already exists",
                            item.key
                        )));
                    }
                    save_local(tx, lib, item)
                })
                .collect()
        })
    }

    /// Replaces an existing item's data (fields, creators, tags, collections,
    /// relations, type). `dateAdded` stays; `dateModified` is set now.
    pub fn update_item(&self, item: ItemData) -> Result<ItemData> {
        let lib = self.id;
        self.db.write(|tx| {
            get_row(tx, lib, &item.key)?;
            save_local(tx, lib, item)
        })
    }

    /// The item with this key, whether or not it is in the trash.
    pub fn get_item(&self, key: &str) -> Result<ItemData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.read(|c| Ok(get_row(c, lib, &key)?.data))
    }

    /// Whether the item is in the trash, by itself or through its parent.
    pub fn is_in_trash(&self, key: &str) -> Result<bool> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.read(|c| Ok(get_row(c, lib, &key)?.in_trash))
    }

    /// The notes, attachments and annotations directly under an item.
    pub fn children(&self, key: &str) -> Result<Vec<ItemData>> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.read(|c| {
            get_row(c, lib, &key)?;
            Ok(child_rows(c, lib, &key)?
                .into_iter()
                .map(|r| r.data)
                .collect())
        })
    }
}
