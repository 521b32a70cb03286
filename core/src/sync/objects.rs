//! Synced objects of every kind seen the same way: their stored data as JSON
//! with its sync state, and the one path by which the sync engine writes an
//! object whose content came from (or was agreed with) the server.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use shelfmark_protocol::{CollectionData, ItemData, ObjectKey, SavedSearchData};

use super::plan::LocalState;
use crate::changes::{Change, ChangeKind, ObjectKind};
use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::library::LibraryId;
use crate::store::collection_rows::write_collection;
use crate::store::items::{
    BASE_IS_DATA, BaseCopy, FulltextNow, in_trash_of, key_taken, write_item,
};
use crate::store::search_rows::write_search;

impl ObjectKind {
    /// The name used in the library file (`item`, `collection`, `search`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collection => "collection",
            Self::SavedSearch => "search",
            Self::Item => "item",
        }
    }

    /// The type named `name` in the library file.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            Self::Collection => "collections",
            Self::SavedSearch => "saved_searches",
            Self::Item => "items",
        }
    }
}

/// An object as stored, with its sync state.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// The data exactly as stored (compared to notice edits made meanwhile).
    pub text: String,
    pub data: Value,
    pub version: u64,
    pub synced: bool,
    pub changed: Vec<String>,
    pub base: Option<Value>,
}

pub(crate) fn load(
    conn: &Connection,
    lib: LibraryId,
    ty: ObjectKind,
    key: &str,
) -> Result<Option<Stored>> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT data, version, synced, changed_fields, base FROM {}
             WHERE library_id = ?1 AND key = ?2",
            ty.table()
        ))?
        .query_row(params![lib.0, key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u64>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .optional()?;
    raw.map(|(text, version, synced, changed, base)| {
        let data: Value = serde_json::from_str(&text)?;
        Ok(Stored {
            base: base_copy(&data, base.as_deref())?,
            data,
            text,
            version,
            synced,
            changed: serde_json::from_str(&changed)?,
        })
    })
    .transpose()
}

/// An object's base copy from its stored text: none, the data itself (see
/// [`crate::store::items::BASE_IS_DATA`]), or a copy of its own.
pub(crate) fn base_copy(data: &Value, base: Option<&str>) -> Result<Option<Value>> {
    Ok(match base {
        None => None,
        Some(BASE_IS_DATA) => Some(data.clone()),
        Some(text) => Some(serde_json::from_str(text)?),
    })
}

/// What the planner needs about the objects of a type with these keys:
/// stored ones and those removed here whose deletion waits to be uploaded.
/// A few keys are looked up one by one (an incremental sync of a large
/// library stays quick); many are read in one pass.
pub(crate) fn local_states(
    conn: &Connection,
    lib: LibraryId,
    ty: ObjectKind,
    keys: &[&String],
) -> Result<HashMap<String, LocalState>> {
    if keys.len() > 2000 {
        return all_local_states(conn, lib, ty);
    }
    let trash_column = if ty == ObjectKind::Item {
        "in_trash"
    } else {
        "deleted"
    };
    let mut stored = conn.prepare_cached(&format!(
        "SELECT version, synced, {trash_column} FROM {} WHERE library_id = ?1 AND key = ?2",
        ty.table()
    ))?;
    let mut pending = conn.prepare_cached(
        "SELECT version FROM pending_deletions WHERE library_id = ?1 AND object_type = ?2 AND key = ?3",
    )?;
    let mut out = HashMap::new();
    for key in keys {
        let row = stored
            .query_row(params![lib.0, key], |r| {
                Ok(LocalState {
                    version: r.get(0)?,
                    synced: r.get(1)?,
                    pending_deletion: false,
                    in_trash: r.get(2)?,
                })
            })
            .optional()?;
        let state = match row {
            Some(state) => Some(state),
            None => pending
                .query_row(params![lib.0, ty.as_str(), key], |r| r.get::<_, u64>(0))
                .optional()?
                .map(|version| LocalState {
                    version,
                    synced: true,
                    pending_deletion: true,
                    in_trash: false,
                }),
        };
        if let Some(state) = state {
            out.insert((*key).clone(), state);
        }
    }
    Ok(out)
}

/// [`local_states`] for every object of a type, in one pass.
fn all_local_states(
    conn: &Connection,
    lib: LibraryId,
    ty: ObjectKind,
) -> Result<HashMap<String, LocalState>> {
    let mut out = HashMap::new();
    let trash_column = if ty == ObjectKind::Item {
        "in_trash"
    } else {
        "deleted"
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT key, version, synced, {trash_column} FROM {} WHERE library_id = ?1",
        ty.table()
    ))?;
    let rows = stmt.query_map(params![lib.0], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u64>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    for row in rows {
        let (key, version, synced, in_trash) = row?;
        out.insert(
            key,
            LocalState {
                version,
                synced,
                pending_deletion: false,
                in_trash,
            },
        );
    }
    let mut stmt = conn.prepare(
        "SELECT key, version FROM pending_deletions WHERE library_id = ?1 AND object_type = ?2",
    )?;
    let rows = stmt.query_map(params![lib.0, ty.as_str()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
    })?;
    for row in rows {
        let (key, version) = row?;
        out.entry(key).or_insert(LocalState {
            version,
            synced: true,
            pending_deletion: true,
            in_trash: false,
        });
    }
    Ok(out)
}

/// Reads object data of type `ty` and writes it back in the library's
/// canonical form; data that is not a valid object is refused, naming why.
pub(crate) fn normalize(ty: ObjectKind, value: Value) -> Result<Value> {
    Ok(match ty {
        ObjectKind::Item => ItemData::from_json_value(value)?.to_json_value(),
        ObjectKind::Collection => CollectionData::from_json_value(value)?.to_json_value(),
        ObjectKind::SavedSearch => SavedSearchData::from_json_value(value)?.to_json_value(),
    })
}

/// A short name for an object, for notices and confirmations.
pub(crate) fn title_of(ty: ObjectKind, data: &Value) -> String {
    let text = |name: &str| data.get(name).and_then(Value::as_str).map(str::to_owned);
    let title = match ty {
        ObjectKind::Item => ItemData::from_json_value(data.clone()).ok().and_then(|i| {
            i.title().map(str::to_owned).or_else(|| {
                i.field("note")
                    .map(|n| crate::text::fold(n).chars().take(60).collect())
            })
        }),
        _ => text("name"),
    };
    title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| text("key").unwrap_or_default())
}

/// Writes an object's data as the engine decided it: `synced` when it equals
/// what the server holds, `changed` naming the fields to upload, `base` the
/// copy last agreed with the server. Each kind goes through its one write
/// path in `store`, so every index stays in step.
pub(crate) fn write(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    data: &Value,
    synced: bool,
    changed: &[String],
    base: Option<&Value>,
) -> Result<()> {
    let base_text = base.map(serde_json::to_string).transpose()?;
    let base = BaseCopy::Set(base_text.as_deref());
    match ty {
        ObjectKind::Item => {
            let item = ItemData::from_json_value(data.clone())?;
            let replaced = in_trash_of(tx, lib, &item.key)?;
            let written = write_item(
                tx,
                lib,
                &item,
                replaced,
                synced,
                changed,
                base,
                FulltextNow::Everything,
            )?;
            if written {
                Ok(())
            } else {
                Err(key_taken(&item))
            }
        }
        ObjectKind::Collection => {
            let collection = CollectionData::from_json_value(data.clone())?;
            write_collection(tx, lib, &collection, synced, changed, base)
        }
        ObjectKind::SavedSearch => {
            let search = SavedSearchData::from_json_value(data.clone())?;
            write_search(tx, lib, &search, synced, changed, base)
        }
    }
}

/// Removes one object row without touching its children or queueing a
/// deletion (used when a never-uploaded copy is joined with the server's).
pub(crate) fn remove_unsynced(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    key: &str,
) -> Result<()> {
    if ty == ObjectKind::Item {
        let id: Option<i64> = tx
            .query_row(
                "SELECT id FROM items WHERE library_id = ?1 AND key = ?2",
                params![lib.0, key],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = id {
            tx.unindex_fulltext(id)?;
        }
    }
    tx.execute(
        &format!(
            "DELETE FROM {} WHERE library_id = ?1 AND key = ?2",
            ty.table()
        ),
        params![lib.0, key],
    )?;
    tx.record(Change {
        library_id: lib,
        object: ty,
        key: ObjectKey::parse(key)?,
        kind: ChangeKind::Removed,
    });
    Ok(())
}

/// The fields of `data` a remote copy can hold, compared without the
/// bookkeeping the store sets itself.
pub(crate) fn differing_fields(before: &Value, after: &Value) -> Vec<String> {
    crate::store::items::changed_json_keys(before, after)
        .into_iter()
        .collect()
}

/// Refuses a key that is not a valid object key.
pub(crate) fn check_key(key: &str) -> Result<()> {
    ObjectKey::parse(key).map(|_| ()).map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::Library;
    use crate::store::items::{PreparedItem, insert_from_server};

    /// An item as the server sent it is its own base, stored once; an edit
    /// here keeps the server's copy as the base and uploads only the edit.
    #[test]
    fn a_synced_item_is_its_own_base_until_edited_here() {
        let dir = tempfile::tempdir().expect("dir");
        let library = Library::create(dir.path().join("l.shelfmark")).expect("library");
        let lib = library.id();
        let mut item = ItemData::new("book");
        item.version = 4;
        item.set_field("title", "Glacier dynamics");
        item.set_field("publisher", "Ice Press");
        let key = item.key.to_string();
        library
            .db
            .write(|tx| {
                let prepared = PreparedItem::new(item.clone(), FulltextNow::Everything);
                assert!(insert_from_server(tx, lib, prepared)?.is_none());
                Ok(())
            })
            .expect("insert");
        let columns = |library: &Library| {
            library
                .db
                .read(|c| {
                    Ok(c.query_row(
                        "SELECT data, base, synced FROM items WHERE key = ?1",
                        [&key],
                        |r| {
                            Ok((
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, bool>(2)?,
                            ))
                        },
                    )?)
                })
                .expect("row")
        };
        let (server_text, base, synced) = columns(&library);
        assert_eq!(base, BASE_IS_DATA, "the copy is not stored twice");
        assert!(synced);
        let stored = library
            .db
            .read(|c| load(c, lib, ObjectKind::Item, &key))
            .expect("load")
            .expect("stored");
        assert_eq!(stored.base.as_ref(), Some(&stored.data));

        let mut edited = library.get_item(&key).expect("item");
        edited.set_field("title", "Glacier dynamics, revised");
        library.update_item(edited).expect("edit");
        let (text, base, synced) = columns(&library);
        assert_eq!(base, server_text, "the server's copy becomes the base");
        assert!(!synced);
        assert!(text.contains("revised"));
        let stored = library
            .db
            .read(|c| load(c, lib, ObjectKind::Item, &key))
            .expect("load")
            .expect("stored");
        let base = stored.base.expect("base");
        assert_eq!(base["title"], "Glacier dynamics");
        assert_eq!(stored.changed, ["title"]);

        // A second edit keeps that base.
        let mut again = library.get_item(&key).expect("item");
        again.set_field("publisher", "Snow Press");
        library.update_item(again).expect("edit");
        assert_eq!(columns(&library).1, server_text);
    }
}
