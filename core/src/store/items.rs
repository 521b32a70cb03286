//! The item write path and item reads. Every item write, whatever its origin,
//! ends in [`write_item`] (local edits through [`save_local`] and
//! [`write_row`], the sync engine directly, a first sync's pages through
//! [`insert_from_server`]), which keeps the derived columns, the tag and
//! collection indexes and the full-text index in step with the data.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use shelfmark_protocol::{ItemData, ObjectKey, validate_item};

use crate::changes::{Change, ChangeKind, ObjectKind};
use crate::db::{FulltextRow, SameTrigrams, WriteTx};
use crate::error::{Error, Result};
use crate::library::{Library, LibraryId};
use crate::search::index::{Derived, derive, derive_without_body};

/// An item as stored, with its sync state.
#[derive(Debug, Clone)]
pub(crate) struct ItemRow {
    pub id: i64,
    pub data: ItemData,
    pub in_trash: bool,
    pub version: u64,
    pub changed_fields: Vec<String>,
}

pub(crate) const ROW_COLUMNS: &str = "id, data, in_trash, version, changed_fields";

pub(crate) fn parse_data(json: &str) -> Result<ItemData> {
    let value: Value = serde_json::from_str(json)?;
    ItemData::from_json_value(value).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(crate) fn row_from_sql(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(i64, String, bool, u64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

pub(crate) fn finish_row(raw: (i64, String, bool, u64, String)) -> Result<ItemRow> {
    let (id, data, in_trash, version, changed) = raw;
    Ok(ItemRow {
        id,
        data: parse_data(&data)?,
        in_trash,
        version,
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
pub(crate) fn save_local(tx: &mut WriteTx<'_>, lib: LibraryId, item: ItemData) -> Result<ItemData> {
    save_local_derived(tx, lib, item, None)
}

/// [`save_local`] with what is derived from the item's data (its fields,
/// creators and tags) worked out beforehand, off the writer, by [`derive`]:
/// used for a new item, recomputed for an edit.
pub(crate) fn save_local_derived(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    mut item: ItemData,
    derived: Option<Derived>,
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
    match (derived, &previous) {
        (Some(derived), None) => {
            let data = item.to_json_text();
            let written = write_prepared(
                tx,
                lib,
                &item,
                &data,
                derived,
                None,
                false,
                &changed,
                BaseCopy::Keep,
                FulltextNow::Everything,
            )?;
            if !written {
                return Err(key_taken(&item));
            }
        }
        _ => write_row(tx, lib, &item, previous.as_ref(), false, &changed)?,
    }
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

/// The stored base copy of an item whose base is its data (every item as
/// the server sent it): the copy is not stored twice, which keeps a synced
/// library a third smaller. A local edit stores the replaced data as the
/// base (see [`UPSERT_ITEM`]).
pub(crate) const BASE_IS_DATA: &str = "";

/// What an item write does with the copy last agreed with the server (the
/// sync engine's merge base).
#[derive(Debug, Clone, Copy)]
pub(crate) enum BaseCopy<'a> {
    /// Leave it as it is (local edits).
    Keep,
    /// Replace it (`None` clears it).
    Set(Option<&'a str>),
    /// The written data is the server's copy: it is its own base.
    SameAsData,
}

impl<'a> BaseCopy<'a> {
    /// The `base` column's new value and whether to set it at all.
    pub(crate) fn column(self) -> (Option<&'a str>, bool) {
        match self {
            Self::Keep => (None, false),
            Self::Set(text) => (text, true),
            Self::SameAsData => (Some(BASE_IS_DATA), true),
        }
    }
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
    let replaced = previous.map(|p| p.in_trash);
    let written = write_item(
        tx,
        lib,
        item,
        replaced,
        synced,
        changed_fields,
        BaseCopy::Keep,
        FulltextNow::Everything,
    )?;
    if !written {
        return Err(key_taken(item));
    }
    Ok(())
}

/// A new item's key turned out to be taken (its row was looked for in the
/// same transaction, so this means a bug, not user input).
pub(crate) fn key_taken(item: &ItemData) -> Error {
    Error::internal(format!("an item with key {} exists already", item.key))
}

/// How much of an item's text goes into the full-text index with the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FulltextNow {
    Everything,
    /// Titles, creators and year now (quick search finds the item); the
    /// rest from the backlog, by [`index_backlog_batch`].
    QuickOnly,
}

/// An item with its row values worked out: its JSON text and the derived
/// columns and search text. Building it needs no database, so a large
/// download prepares items while the writer stores earlier ones.
pub(crate) struct PreparedItem {
    pub item: ItemData,
    data: String,
    derived: Derived,
    fulltext: FulltextNow,
}

impl PreparedItem {
    pub(crate) fn new(item: ItemData, fulltext: FulltextNow) -> Self {
        let (data, derived) = row_values(&item, fulltext);
        Self {
            item,
            data,
            derived,
            fulltext,
        }
    }
}

/// An item's JSON text and derived values, as its row stores them.
fn row_values(item: &ItemData, fulltext: FulltextNow) -> (String, Derived) {
    let data = item.to_json_text();
    let derived = match fulltext {
        FulltextNow::Everything => derive(item),
        FulltextNow::QuickOnly => derive_without_body(item),
    };
    (data, derived)
}

/// Inserts an item known to be new here, as the server holds it (synced,
/// its own base). Gives the item back, with nothing written, when a row
/// with its key exists after all.
pub(crate) fn insert_from_server(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    prepared: PreparedItem,
) -> Result<Option<ItemData>> {
    let written = write_prepared(
        tx,
        lib,
        &prepared.item,
        &prepared.data,
        prepared.derived,
        None,
        true,
        &[],
        BaseCopy::SameAsData,
        prepared.fulltext,
    )?;
    Ok((!written).then_some(prepared.item))
}

/// Replaces an item that is here as the server last sent it (synced, not
/// edited since) with the server's newer copy, which becomes its own base:
/// a changed item goes in the way [`insert_from_server`] puts in a new one.
/// Gives the item back, with nothing written, when the row is not in that
/// state any more (edited here meanwhile, or gone) or the copy is not
/// newer: the sync's general path decides then.
pub(crate) fn replace_from_server(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    prepared: PreparedItem,
) -> Result<Option<ItemData>> {
    let row: Option<(u64, bool, bool)> = tx
        .prepare_cached(
            "SELECT version, synced, in_trash FROM items WHERE library_id = ?1 AND key = ?2",
        )?
        .query_row(params![lib.0, prepared.item.key.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((version, true, in_trash)) = row else {
        return Ok(Some(prepared.item));
    };
    if version >= prepared.item.version {
        return Ok(Some(prepared.item));
    }
    write_prepared(
        tx,
        lib,
        &prepared.item,
        &prepared.data,
        prepared.derived,
        Some(in_trash),
        true,
        &[],
        BaseCopy::SameAsData,
        prepared.fulltext,
    )?;
    Ok(None)
}

/// The item row's columns and values, for a new row and for a replaced one.
macro_rules! insert_item_row {
    () => {
        "INSERT INTO items (library_id, key, item_type, parent_key, data,
            deleted, in_trash, date_added, date_modified, sort_title, sort_creator, sort_date,
            sort_type, version, synced, changed_fields, base)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
    };
}

/// A new row; nothing when its key is taken.
const INSERT_NEW_ITEM: &str = concat!(
    insert_item_row!(),
    " ON CONFLICT (library_id, key) DO NOTHING"
);

/// A replaced row: one statement whatever the row held; the key identifies
/// it. `?18` says whether the base copy is set; when it is kept and was
/// the data itself, the replaced data becomes the base.
const UPSERT_ITEM: &str = concat!(
    insert_item_row!(),
    " ON CONFLICT (library_id, key) DO UPDATE SET
        item_type = excluded.item_type, parent_key = excluded.parent_key,
        data = excluded.data, deleted = excluded.deleted, in_trash = excluded.in_trash,
        date_added = excluded.date_added, date_modified = excluded.date_modified,
        sort_title = excluded.sort_title, sort_creator = excluded.sort_creator,
        sort_date = excluded.sort_date, sort_type = excluded.sort_type,
        version = excluded.version, synced = excluded.synced,
        changed_fields = excluded.changed_fields,
        base = CASE WHEN ?18 THEN excluded.base WHEN items.base = '' THEN items.data
            ELSE items.base END
     RETURNING id"
);

/// The one item write: the row, its tags, collection memberships and
/// full-text row. `replaced` is `Some(was in trash)` when the row exists
/// (an upsert), `None` for a new row (an insert that never overwrites).
/// `Ok(false)`, with nothing written, when a new row's key is taken.
#[allow(
    clippy::too_many_arguments,
    reason = "one write path, every option explicit"
)]
pub(crate) fn write_item(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    item: &ItemData,
    replaced: Option<bool>,
    synced: bool,
    changed_fields: &[String],
    base: BaseCopy<'_>,
    fulltext: FulltextNow,
) -> Result<bool> {
    let (data, derived) = row_values(item, fulltext);
    write_prepared(
        tx,
        lib,
        item,
        &data,
        derived,
        replaced,
        synced,
        changed_fields,
        base,
        fulltext,
    )
}

/// [`write_item`] with the item's JSON text and derived values given.
#[allow(
    clippy::too_many_arguments,
    reason = "one write path, every option explicit"
)]
fn write_prepared(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    item: &ItemData,
    data: &str,
    derived: Derived,
    replaced: Option<bool>,
    synced: bool,
    changed_fields: &[String],
    base: BaseCopy<'_>,
    fulltext: FulltextNow,
) -> Result<bool> {
    let parent_in_trash = match &item.parent_item {
        Some(parent) => in_trash_of(tx, lib, parent)?.unwrap_or(false),
        None => false,
    };
    let in_trash = item.deleted || parent_in_trash;
    let changed = serde_json::to_string(changed_fields)?;
    let date_added = item.date_added.clone().unwrap_or_else(|| tx.now.clone());
    let date_modified = item.date_modified.clone().unwrap_or_else(|| tx.now.clone());
    let parent_key = item.parent_item.as_ref().map(ObjectKey::as_str);
    let (base_text, set_base) = base.column();
    let previous = match replaced {
        Some(_) => previous_text(tx, lib, &item.key)?,
        None => None,
    };
    let same = previous
        .as_ref()
        .map(|p| p.same_as(&derived))
        .unwrap_or_default();

    let values = params![
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
        base_text,
    ];
    let id: i64 = if replaced.is_some() {
        let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
        all.push(&set_base);
        tx.prepare_cached(UPSERT_ITEM)?
            .query_row(all.as_slice(), |r| r.get(0))?
    } else {
        if tx.prepare_cached(INSERT_NEW_ITEM)?.execute(values)? == 0 {
            return Ok(false);
        }
        tx.last_insert_rowid()
    };
    if replaced.is_some() {
        // The derived rows of the replaced version go; new ones follow
        // (the full text included, so it leaves the backlog if it was there).
        tx.unindex_fulltext(id)?;
        tx.prepare_cached("DELETE FROM fulltext_backlog WHERE item_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM item_tags WHERE item_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM collection_items WHERE item_id = ?1")?
            .execute([id])?;
        if !same.creators {
            tx.prepare_cached("DELETE FROM item_creator_text WHERE item_id = ?1")?
                .execute([id])?;
        }
        if !same.note {
            tx.prepare_cached("DELETE FROM item_note_text WHERE item_id = ?1")?
                .execute([id])?;
        }
    }
    write_condition_text(tx, id, &derived, same)?;
    match fulltext {
        FulltextNow::Everything => {
            // Trigram rows exist only for an item out of the backlog.
            let kept = match &previous {
                Some(p) if p.indexed => same,
                _ => SameTrigrams::default(),
            };
            tx.index_fulltext_keeping(id, derived.into_fulltext_row(), kept)?;
        }
        FulltextNow::QuickOnly => {
            tx.prepare_cached("INSERT OR IGNORE INTO fulltext_backlog (item_id) VALUES (?1)")?
                .execute([id])?;
            tx.index_quick_pending(id, derived.fts_quick)?;
        }
    }
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
        kind: if replaced.is_some() {
            ChangeKind::Updated
        } else {
            ChangeKind::Created
        },
    });
    match replaced {
        Some(was) if was != in_trash => cascade_trash(tx, lib, &item.key, in_trash)?,
        // Children fetched before their parent learn that it is in the trash.
        None if item.deleted => cascade_trash(tx, lib, &item.key, true)?,
        _ => {}
    }
    Ok(true)
}

/// What a replaced item's derived rows held: the text its saved-search
/// conditions and trigram rows were made of.
struct PreviousText {
    title: String,
    creators: Option<(String, String)>,
    note: Option<String>,
    /// Whether its full text (and so its trigram rows) is in the index,
    /// rather than waiting in the backlog.
    indexed: bool,
}

impl PreviousText {
    fn same_as(&self, derived: &Derived) -> SameTrigrams {
        SameTrigrams {
            title: self.title == derived.sort_title,
            creators: match (&self.creators, &derived.creator_text) {
                (Some((matching, names)), Some(new)) => {
                    *matching == new.matching && *names == new.names
                }
                (None, None) => true,
                _ => false,
            },
            note: self.note == derived.note_text,
        }
    }
}

fn previous_text(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<Option<PreviousText>> {
    Ok(tx
        .prepare_cached(
            "SELECT i.sort_title, c.matching, c.names, n.text,
                    NOT EXISTS (SELECT 1 FROM fulltext_backlog b WHERE b.item_id = i.id)
             FROM items i
             LEFT JOIN item_creator_text c ON c.item_id = i.id
             LEFT JOIN item_note_text n ON n.item_id = i.id
             WHERE i.library_id = ?1 AND i.key = ?2",
        )?
        .query_row(params![lib.0, key.as_str()], |r| {
            let matching: Option<String> = r.get(1)?;
            let names: Option<String> = r.get(2)?;
            Ok(PreviousText {
                title: r.get(0)?,
                creators: matching.zip(names),
                note: r.get(3)?,
                indexed: r.get(4)?,
            })
        })
        .optional()?)
}

/// Writes the folded creator names and note text of item `id`, which
/// saved-search conditions compare with, but for the parts `same` says its
/// rows hold already.
pub(crate) fn write_condition_text(
    conn: &Connection,
    id: i64,
    derived: &Derived,
    same: SameTrigrams,
) -> Result<()> {
    if let Some(creators) = derived.creator_text.as_ref().filter(|_| !same.creators) {
        conn.prepare_cached(
            "INSERT INTO item_creator_text (item_id, matching, names) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, creators.matching, creators.names])?;
    }
    if let Some(note) = derived.note_text.as_ref().filter(|_| !same.note) {
        conn.prepare_cached("INSERT INTO item_note_text (item_id, text) VALUES (?1, ?2)")?
            .execute(params![id, note])?;
    }
    Ok(())
}

/// Whether the item with `key` is in the trash; `None` when there is none.
pub(crate) fn in_trash_of(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<Option<bool>> {
    Ok(conn
        .prepare_cached("SELECT in_trash FROM items WHERE library_id = ?1 AND key = ?2")?
        .query_row(params![lib.0, key.as_str()], |r| r.get(0))
        .optional()?)
}

/// Items indexed per transaction when working through the backlog: local
/// edits wait for one batch at most.
const BACKLOG_BATCH: usize = 2000;

/// A batch of the backlog read and readied for indexing: item ids and
/// their full-text rows, in ascending ids.
pub(crate) type BacklogBatch = Vec<(i64, FulltextRow)>;

/// Reads the next batch of the backlog after item `after` and works out
/// its full-text rows; empty when no item after it waits. Runs on a
/// reader, so that the next batch is readied while one is written. An
/// item whose stored JSON cannot be read (damaged outside Shelfmark) gets
/// no full text, rather than holding up every item after it.
pub(crate) fn read_backlog(conn: &Connection, after: i64) -> Result<BacklogBatch> {
    let mut stmt = conn.prepare_cached(
        "SELECT b.item_id, i.data FROM fulltext_backlog b JOIN items i ON i.id = b.item_id
         WHERE b.item_id > ?1 ORDER BY b.item_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, BACKLOG_BATCH as i64], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|row| {
        let (id, data) = row?;
        let text = match parse_data(&data) {
            Ok(item) => derive(&item).into_fulltext_row(),
            Err(e) => {
                log::warn!("item {id} is not indexed for full-text search: {e}");
                FulltextRow::default()
            }
        };
        Ok((id, text))
    })
    .collect()
}

/// Indexes the full text of a batch [`read_backlog`] readied, but for
/// items that left the backlog since (edited or removed: their full text
/// was written then); how many it indexed. The pending quick text is
/// dropped once the backlog is empty.
pub(crate) fn index_backlog_batch(tx: &mut WriteTx<'_>, batch: BacklogBatch) -> Result<usize> {
    let mut indexed = 0;
    for (id, row) in batch {
        let waiting = tx
            .prepare_cached("DELETE FROM fulltext_backlog WHERE item_id = ?1")?
            .execute([id])?;
        // These items have no row in `items_fts` or the trigram indexes
        // yet: nothing to remove first.
        if waiting == 1 {
            tx.index_fulltext(id, row)?;
            indexed += 1;
        }
    }
    if backlog_len(tx)? == 0 {
        tx.flush_fulltext()?;
        tx.execute_batch(
            "INSERT INTO items_fts_pending (items_fts_pending) VALUES ('delete-all')",
        )?;
    }
    Ok(indexed)
}

/// Items whose full text waits in the backlog.
pub(crate) fn backlog_len(conn: &Connection) -> Result<usize> {
    Ok(conn.query_row("SELECT count(*) FROM fulltext_backlog", [], |r| r.get(0))?)
}

/// [`backlog_len`] for one library of the file.
pub(crate) fn library_backlog_len(conn: &Connection, lib: LibraryId) -> Result<usize> {
    Ok(conn.query_row(
        "SELECT count(*) FROM fulltext_backlog b JOIN items i ON i.id = b.item_id
         WHERE i.library_id = ?1",
        [lib.0],
        |r| r.get(0),
    )?)
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
/// The keys of removed attachments with a file stored on this device go to
/// `stored_files`: their files are removed once the transaction commits.
pub(crate) fn remove_row(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    row: &ItemRow,
    stored_files: &mut Vec<String>,
) -> Result<()> {
    for child in child_rows(tx, lib, &row.data.key)? {
        remove_row(tx, lib, &child, stored_files)?;
    }
    tx.unindex_fulltext(row.id)?;
    tx.execute("DELETE FROM items WHERE id = ?1", [row.id])?;
    let had_file = tx
        .prepare_cached("DELETE FROM attachment_files WHERE library_id = ?1 AND item_key = ?2")?
        .execute(params![lib.0, row.data.key.as_str()])?;
    if had_file > 0 {
        stored_files.push(row.data.key.to_string());
    }
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

#[cfg(test)]
mod tests {
    use shelfmark_protocol::Creator;

    use super::*;
    use crate::search::{ItemSearchQuery, SearchMode};

    fn found(library: &Library, text: &str, mode: SearchMode) -> u64 {
        library
            .search_items(&ItemSearchQuery {
                text: text.into(),
                mode,
                ..ItemSearchQuery::default()
            })
            .expect("search")
            .total
    }

    fn pending_rows(library: &Library) -> i64 {
        library
            .db
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM items_fts_pending WHERE items_fts_pending MATCH 'glacier'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .expect("pending rows")
    }

    #[test]
    fn a_newer_server_copy_replaces_only_an_item_unchanged_here() {
        let dir = tempfile::tempdir().expect("dir");
        let library = Library::create(dir.path().join("l.shelfmark")).expect("library");
        let lib = library.id();
        let server_copy = |key: &ObjectKey, version: u64, title: &str| {
            let mut item = ItemData::new("book");
            item.key = key.clone();
            item.version = version;
            item.set_field("title", title);
            item.creators
                .push(Creator::person("author", "Ada", "Lovelace"));
            PreparedItem::new(item, FulltextNow::Everything)
        };
        let (kept, edited) = (ObjectKey::random(), ObjectKey::random());
        library
            .db
            .write(|tx| {
                for key in [&kept, &edited] {
                    assert!(insert_from_server(tx, lib, server_copy(key, 3, "Engines"))?.is_none());
                }
                Ok(())
            })
            .expect("first copies");
        let mut local = library.get_item(edited.as_str()).expect("item");
        local.set_field("extra", "edited here");
        library.update_item(local).expect("local edit");

        let given_back = library
            .db
            .write(|tx| {
                Ok((
                    replace_from_server(tx, lib, server_copy(&kept, 5, "Analytical engines"))?,
                    replace_from_server(tx, lib, server_copy(&kept, 4, "Older copy"))?,
                    replace_from_server(tx, lib, server_copy(&edited, 5, "Elsewhere"))?,
                ))
            })
            .expect("replace");
        assert!(given_back.0.is_none(), "newer copy written");
        assert!(
            given_back.1.is_some(),
            "an older copy is left to the merge path"
        );
        assert!(
            given_back.2.is_some(),
            "an item edited here is left to the merge"
        );

        let replaced = library.get_item(kept.as_str()).expect("replaced");
        assert_eq!(replaced.title(), Some("Analytical engines"));
        assert_eq!(replaced.version, 5);
        let (synced, base): (bool, Option<String>) = library
            .db
            .read(|c| {
                Ok(c.query_row(
                    "SELECT synced, base FROM items WHERE key = ?1",
                    [kept.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .expect("row");
        assert!(synced);
        assert_eq!(
            base.as_deref(),
            Some(BASE_IS_DATA),
            "its own base, stored once"
        );
        assert_eq!(found(&library, "analytical", SearchMode::Quick), 1);
        assert_eq!(found(&library, "engines", SearchMode::Quick), 2);
        assert_eq!(
            library.get_item(edited.as_str()).expect("edited").title(),
            Some("Engines")
        );
    }

    /// `n` items downloaded in a large first sync: their full text waits in
    /// the backlog.
    fn downloaded_for_the_backlog(library: &Library, n: usize) -> Vec<ObjectKey> {
        let lib = library.id();
        let keys: Vec<ObjectKey> = (0..n).map(|_| ObjectKey::random()).collect();
        library
            .db
            .write(|tx| {
                for (n, key) in keys.iter().enumerate() {
                    let mut item = ItemData::new("journalArticle");
                    item.key = key.clone();
                    item.version = 3;
                    item.set_field("title", format!("Glacier dynamics {n}"));
                    item.set_field("abstractNote", "moraine sediment");
                    item.creators
                        .push(Creator::person("author", "Ada", "Lovelace"));
                    let prepared = PreparedItem::new(item, FulltextNow::QuickOnly);
                    assert!(insert_from_server(tx, lib, prepared)?.is_none());
                }
                Ok(())
            })
            .expect("insert");
        keys
    }

    #[test]
    fn a_damaged_item_in_the_backlog_does_not_hold_up_the_items_after_it() {
        let dir = tempfile::tempdir().expect("dir");
        let library = Library::create(dir.path().join("l.shelfmark")).expect("library");
        let keys = downloaded_for_the_backlog(&library, 3);
        // Damaged outside Shelfmark: the first item's JSON is cut off.
        library
            .db
            .write(|tx| {
                tx.execute(
                    "UPDATE items SET data = substr(data, 1, 20) WHERE key = ?1",
                    [keys[0].as_str()],
                )?;
                Ok(())
            })
            .expect("damage");
        let batch = library.db.read(|c| read_backlog(c, 0)).expect("read");
        assert_eq!(batch.len(), 3, "the damaged item is in the batch");
        let indexed = library
            .db
            .write(|tx| index_backlog_batch(tx, batch))
            .expect("index");
        assert_eq!(indexed, 3);
        assert_eq!(library.db.read(backlog_len).expect("backlog"), 0);
        assert_eq!(found(&library, "moraine", SearchMode::Everything), 2);
        library
            .db
            .write(|tx| {
                tx.execute_batch("INSERT INTO items_fts (items_fts) VALUES ('integrity-check');")?;
                Ok(())
            })
            .expect("full-text index intact");
    }

    #[test]
    fn backlog_items_are_quick_searchable_then_fully_indexed() {
        let dir = tempfile::tempdir().expect("dir");
        let library = Library::create(dir.path().join("l.shelfmark")).expect("library");
        let keys = downloaded_for_the_backlog(&library, 5);
        // Browsable at once: titles and creators are found; the rest waits.
        assert_eq!(found(&library, "glacier", SearchMode::Quick), 5);
        assert_eq!(found(&library, "lovel glac", SearchMode::Quick), 5);
        assert_eq!(found(&library, "moraine", SearchMode::Everything), 0);
        assert_eq!(library.db.read(backlog_len).expect("backlog"), 5);

        // An edit indexes that item's full text at once, found once.
        let mut edited = library.get_item(keys[0].as_str()).expect("item");
        edited.set_field("extra", "edited here");
        library.update_item(edited).expect("edit");
        assert_eq!(found(&library, "moraine", SearchMode::Everything), 1);
        assert_eq!(found(&library, "glacier", SearchMode::Quick), 5);
        // An item removed for good leaves the backlog with its row.
        library.trash_items(&[keys[1].as_str()]).expect("trash");
        library.empty_trash().expect("empty trash");
        assert_eq!(library.db.read(backlog_len).expect("backlog"), 3);
        assert_eq!(found(&library, "glacier", SearchMode::Quick), 4);

        // A batch is read, then one of its items is edited before the
        // batch is written: that item is indexed once, by its edit.
        let batch = library.db.read(|c| read_backlog(c, 0)).expect("read");
        assert_eq!(batch.len(), 3);
        let mut edited = library.get_item(keys[2].as_str()).expect("item");
        edited.set_field("extra", "edited while its batch was read");
        library.update_item(edited).expect("edit");
        let indexed = library
            .db
            .write(|tx| index_backlog_batch(tx, batch))
            .expect("index");
        assert_eq!(indexed, 2, "the edited item was indexed by its edit");
        assert!(
            library
                .db
                .read(|c| read_backlog(c, 0))
                .expect("read")
                .is_empty()
        );
        assert_eq!(found(&library, "batch", SearchMode::Everything), 1);
        assert_eq!(library.db.read(backlog_len).expect("backlog"), 0);
        assert_eq!(found(&library, "moraine", SearchMode::Everything), 4);
        assert_eq!(found(&library, "glacier", SearchMode::Quick), 4);
        assert_eq!(pending_rows(&library), 0, "the pending text is dropped");
        library
            .db
            .write(|tx| {
                tx.execute_batch(
                    "INSERT INTO items_fts (items_fts) VALUES ('integrity-check');
                     INSERT INTO items_fts_pending (items_fts_pending) VALUES ('integrity-check');",
                )?;
                Ok(())
            })
            .expect("full-text index intact");
    }
}
