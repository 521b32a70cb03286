//! The write path in SQLite: one IMMEDIATE transaction per write that loads
//! the snapshot, runs the planner and applies its changes.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use shelfmark_protocol::{CollectionData, ItemData, ObjectKey, SavedSearchData};

use crate::clock::now_unix;
use crate::store::derive::derive;
use crate::store::parse_stored;
use crate::store::{
    Changes, LibraryId, ObjectKind, Planner, Setting, Snapshot, StoreError, StoreResult,
    WriteRequest,
};

/// How long a write token stays used.
const WRITE_TOKEN_SECONDS: i64 = 12 * 60 * 60;

pub(super) fn write(
    conn: &mut Connection,
    lib: LibraryId,
    request: &WriteRequest,
    plan: Planner,
) -> StoreResult<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx
        .query_row("SELECT version FROM libraries WHERE id = ?1", [lib], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("library {lib}")))?;
    let snapshot = load_snapshot(&tx, lib, version as u64, request)?;
    let Some(changes) = plan(&snapshot) else {
        return Ok(version as u64);
    };
    if let Some(upload) = &changes.finish_upload {
        tx.prepare_cached("DELETE FROM uploads WHERE upload_key = ?1")?
            .execute([upload])?;
    }
    if let Some(token) = &changes.record_write_token {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO write_tokens (key_id, token, created) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![token.key_id, token.token, now_unix()])?;
    }
    let mut new_version = version as u64;
    if !changes.is_empty() {
        new_version = snapshot.next_version();
        apply(&tx, lib, new_version, &changes, &snapshot)?;
        tx.prepare_cached("UPDATE libraries SET version = ?1 WHERE id = ?2")?
            .execute(params![new_version as i64, lib])?;
    }
    tx.commit()?;
    Ok(new_version)
}

fn load_items_where(
    tx: &Transaction<'_>,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
    into: &mut HashMap<ObjectKey, ItemData>,
) -> StoreResult<()> {
    let mut stmt = tx.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| r.get::<_, String>(0))?;
    for row in rows {
        let item = parse_stored(&row?, ItemData::from_json_value)?;
        into.insert(item.key.clone(), item);
    }
    Ok(())
}

fn load_snapshot(
    tx: &Transaction<'_>,
    lib: LibraryId,
    library_version: u64,
    request: &WriteRequest,
) -> StoreResult<Snapshot> {
    let mut snap = Snapshot {
        library_version,
        ..Snapshot::default()
    };
    for key in &request.items {
        load_items_where(
            tx,
            "SELECT data FROM items WHERE library_id = ?1 AND key = ?2",
            &[&lib, &key.as_str()],
            &mut snap.items,
        )?;
    }
    for key in &request.descendants_of {
        load_items_where(
            tx,
            "WITH RECURSIVE d(k) AS (
                 SELECT key FROM items WHERE library_id = ?1 AND parent_key = ?2
                 UNION SELECT i.key FROM items i JOIN d ON i.library_id = ?1 AND i.parent_key = d.k)
             SELECT data FROM items WHERE library_id = ?1 AND key IN (SELECT k FROM d)",
            &[&lib, &key.as_str()],
            &mut snap.items,
        )?;
    }
    for key in &request.items_in_collections {
        load_items_where(
            tx,
            "WITH RECURSIVE d(k) AS (
                 SELECT ?2
                 UNION SELECT c.key FROM collections c JOIN d
                     ON c.library_id = ?1 AND json_extract(c.data, '$.parentCollection') = d.k)
             SELECT i.data FROM items i JOIN item_collections c
             ON c.library_id = i.library_id AND c.item_key = i.key
             WHERE i.library_id = ?1 AND c.collection_key IN (SELECT k FROM d)",
            &[&lib, &key.as_str()],
            &mut snap.items,
        )?;
    }
    for tag in &request.items_with_tags {
        load_items_where(
            tx,
            "SELECT i.data FROM items i JOIN item_tags t
             ON t.library_id = i.library_id AND t.item_key = i.key
             WHERE i.library_id = ?1 AND t.tag = ?2",
            &[&lib, tag],
            &mut snap.items,
        )?;
    }
    if request.all_collections {
        let mut stmt = tx.prepare_cached("SELECT data FROM collections WHERE library_id = ?1")?;
        let rows = stmt.query_map([lib], |r| r.get::<_, String>(0))?;
        for row in rows {
            let c = parse_stored(&row?, CollectionData::from_json_value)?;
            snap.collections.insert(c.key.clone(), c);
        }
    }
    for key in &request.searches {
        let data: Option<String> = tx
            .query_row(
                "SELECT data FROM searches WHERE library_id = ?1 AND key = ?2",
                params![lib, key.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(data) = data {
            let s = parse_stored(&data, SavedSearchData::from_json_value)?;
            snap.searches.insert(s.key.clone(), s);
        }
    }
    if !request.settings.is_empty() {
        for s in load_settings(tx, lib, Some(&request.settings))? {
            snap.settings.insert(s.key.clone(), s);
        }
    }
    for key in &request.files {
        if let Some(file) = super::files::item_file(tx, lib, key)? {
            snap.files.insert(key.clone(), file);
        }
    }
    if let Some(token) = &request.write_token {
        snap.write_token_used = tx
            .query_row(
                "SELECT 1 FROM write_tokens WHERE key_id = ?1 AND token = ?2 AND created > ?3",
                params![token.key_id, token.token, now_unix() - WRITE_TOKEN_SECONDS],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
    }
    Ok(snap)
}

/// Settings of a library, all or only the named ones.
pub(super) fn load_settings(
    conn: &Connection,
    lib: LibraryId,
    only: Option<&[String]>,
) -> StoreResult<Vec<Setting>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, version, value FROM settings WHERE library_id = ?1 ORDER BY key",
    )?;
    let rows = stmt.query_map([lib], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key, version, value) = row?;
        if only.is_some_and(|keys| !keys.contains(&key)) {
            continue;
        }
        let value = serde_json::from_str(&value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        out.push(Setting {
            key,
            value,
            version: version as u64,
        });
    }
    Ok(out)
}

fn tombstone(
    tx: &Transaction<'_>,
    lib: LibraryId,
    kind: ObjectKind,
    key: &str,
    version: u64,
) -> StoreResult<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO tombstones (library_id, kind, key, version) VALUES (?1, ?2, ?3, ?4)")?.execute(params![lib, kind.as_str(), key, version as i64])?;
    Ok(())
}

fn clear_tombstone(
    tx: &Transaction<'_>,
    lib: LibraryId,
    kind: ObjectKind,
    key: &str,
) -> StoreResult<()> {
    tx.prepare_cached("DELETE FROM tombstones WHERE library_id = ?1 AND kind = ?2 AND key = ?3")?
        .execute(params![lib, kind.as_str(), key])?;
    Ok(())
}

fn json_text(value: &serde_json::Value) -> String {
    value.to_string()
}

fn apply(
    tx: &Transaction<'_>,
    lib: LibraryId,
    version: u64,
    c: &Changes,
    before: &Snapshot,
) -> StoreResult<()> {
    // Quick-search rows are written after every other statement of the
    // write: a statement that opens a statement journal (every write to
    // `items`, whose foreign key is checked per statement) makes FTS5 flush
    // what it holds to its index, so written between the item rows they
    // would be flushed one item at a time, each flush adding a segment that
    // FTS5 must later merge (a third of a batch's store time).
    let mut quick_rows: Vec<(i64, String)> = Vec::new();
    let mut quick_removed: Vec<i64> = Vec::new();
    for item in &c.items {
        let d = derive(item);
        let key = item.key.as_str();
        // What the snapshot held of the item: an update rewrites only the
        // search text, tags and collections that changed.
        let stored = before.items.get(&item.key);
        let quick_text_changed = stored.is_none_or(|old| derive(old).quick_text != d.quick_text);
        let tags_changed = stored.is_none_or(|old| old.tags != item.tags);
        let collections_changed = stored.is_none_or(|old| old.collections != item.collections);
        // An update keeps the row (and its id, which `items_quick` refers to).
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO items (library_id, key, version, item_type, parent_key, deleted,
                     date_added, date_modified, sort_title, sort_creator, sort_date, full_text, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (library_id, key) DO UPDATE SET version = excluded.version,
                     item_type = excluded.item_type, parent_key = excluded.parent_key,
                     deleted = excluded.deleted, date_added = excluded.date_added,
                     date_modified = excluded.date_modified, sort_title = excluded.sort_title,
                     sort_creator = excluded.sort_creator, sort_date = excluded.sort_date,
                     full_text = excluded.full_text, data = excluded.data
                 RETURNING id",
            )?
            .query_row(
                params![
                    lib,
                    key,
                    item.version as i64,
                    item.item_type,
                    item.parent_item.as_ref().map(|k| k.to_string()),
                    item.deleted,
                    item.date_added.clone().unwrap_or_default(),
                    item.date_modified.clone().unwrap_or_default(),
                    d.sort_title,
                    d.sort_creator,
                    d.sort_date,
                    d.full_text,
                    item.to_json_text(),
                ],
                |r| r.get(0),
            )?;
        if quick_text_changed {
            quick_rows.push((id, d.quick_text));
        }
        if tags_changed {
            tx.prepare_cached("DELETE FROM item_tags WHERE library_id = ?1 AND item_key = ?2")?
                .execute(params![lib, key])?;
            for tag in &item.tags {
                tx.prepare_cached("INSERT OR IGNORE INTO item_tags (library_id, item_key, tag, type) VALUES (?1, ?2, ?3, ?4)")?.execute(params![lib, key, tag.tag, tag.kind])?;
            }
        }
        if collections_changed {
            tx.prepare_cached(
                "DELETE FROM item_collections WHERE library_id = ?1 AND item_key = ?2",
            )?
            .execute(params![lib, key])?;
            for coll in &item.collections {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO item_collections (library_id, collection_key, item_key)
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![lib, coll.as_str(), key])?;
            }
        }
        clear_tombstone(tx, lib, ObjectKind::Item, key)?;
    }
    for coll in &c.collections {
        tx.prepare_cached("INSERT OR REPLACE INTO collections (library_id, key, version, data) VALUES (?1, ?2, ?3, ?4)")?.execute(params![lib, coll.key.as_str(), coll.version as i64, json_text(&coll.to_json_value())])?;
        clear_tombstone(tx, lib, ObjectKind::Collection, coll.key.as_str())?;
    }
    for search in &c.searches {
        tx.prepare_cached("INSERT OR REPLACE INTO searches (library_id, key, version, data) VALUES (?1, ?2, ?3, ?4)")?.execute(params![lib, search.key.as_str(), search.version as i64, json_text(&search.to_json_value())])?;
        clear_tombstone(tx, lib, ObjectKind::Search, search.key.as_str())?;
    }
    for setting in &c.settings {
        tx.prepare_cached("INSERT OR REPLACE INTO settings (library_id, key, version, value) VALUES (?1, ?2, ?3, ?4)")?.execute(params![lib, setting.key, setting.version as i64, json_text(&setting.value)])?;
        clear_tombstone(tx, lib, ObjectKind::Setting, &setting.key)?;
    }
    for key in &c.delete_items {
        let k = key.as_str();
        let id: Option<i64> = tx
            .prepare_cached("DELETE FROM items WHERE library_id = ?1 AND key = ?2 RETURNING id")?
            .query_row(params![lib, k], |r| r.get(0))
            .optional()?;
        quick_removed.extend(id);
        tx.prepare_cached("DELETE FROM item_tags WHERE library_id = ?1 AND item_key = ?2")?
            .execute(params![lib, k])?;
        tx.prepare_cached("DELETE FROM item_collections WHERE library_id = ?1 AND item_key = ?2")?
            .execute(params![lib, k])?;
        tx.prepare_cached("DELETE FROM item_files WHERE library_id = ?1 AND item_key = ?2")?
            .execute(params![lib, k])?;
        tx.prepare_cached("DELETE FROM fulltext WHERE library_id = ?1 AND item_key = ?2")?
            .execute(params![lib, k])?;
        tombstone(tx, lib, ObjectKind::Item, k, version)?;
    }
    for key in &c.delete_collections {
        let k = key.as_str();
        tx.prepare_cached("DELETE FROM collections WHERE library_id = ?1 AND key = ?2")?
            .execute(params![lib, k])?;
        tx.prepare_cached(
            "DELETE FROM item_collections WHERE library_id = ?1 AND collection_key = ?2",
        )?
        .execute(params![lib, k])?;
        tombstone(tx, lib, ObjectKind::Collection, k, version)?;
    }
    for key in &c.delete_searches {
        tx.prepare_cached("DELETE FROM searches WHERE library_id = ?1 AND key = ?2")?
            .execute(params![lib, key.as_str()])?;
        tombstone(tx, lib, ObjectKind::Search, key.as_str(), version)?;
    }
    for key in &c.delete_settings {
        tx.prepare_cached("DELETE FROM settings WHERE library_id = ?1 AND key = ?2")?
            .execute(params![lib, key])?;
        tombstone(tx, lib, ObjectKind::Setting, key, version)?;
    }
    for (key, f) in &c.attach_files {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO item_files (library_id, item_key, md5, size, filename, mtime,
                 content_type, charset, blob, compressed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            lib,
            key.as_str(),
            f.md5,
            f.size as i64,
            f.filename,
            f.mtime,
            f.content_type,
            f.charset,
            f.blob,
            f.compressed
        ])?;
    }
    for (key, value) in &c.fulltext {
        let text = value
            .get("content")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        tx.prepare_cached(
            "INSERT OR REPLACE INTO fulltext (library_id, item_key, version, data, search_text)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            lib,
            key.as_str(),
            version as i64,
            json_text(value),
            text
        ])?;
    }
    for tag in &c.delete_tags {
        tombstone(tx, lib, ObjectKind::Tag, tag, version)?;
    }
    for (id, quick_text) in quick_rows {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO items_quick (rowid, quick_text) VALUES (?1, ?2)",
        )?
        .execute(params![id, quick_text])?;
    }
    for id in quick_removed {
        tx.prepare_cached("DELETE FROM items_quick WHERE rowid = ?1")?
            .execute([id])?;
    }
    // Every upserted object must carry the new version; a planner that
    // forgot would leave sync clients unable to see the change.
    debug_assert!(c.items.iter().all(|i| i.version == version));
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;
    use shelfmark_protocol::{ItemData, ObjectKey};

    use super::super::SqliteStore;
    use crate::store::{Changes, LibraryOwner, NewUser, Store, WriteRequest};

    fn book(key: &ObjectKey, version: u64, title: &str) -> ItemData {
        let mut item = ItemData::new("book");
        item.key = key.clone();
        item.version = version;
        item.set_field("title", title);
        item
    }

    /// How many items hold `text` in their quick-search text.
    fn quick_matches(conn: &Connection, text: &str) -> usize {
        conn.query_row(
            "SELECT count(*) FROM items_quick WHERE items_quick MATCH ?1",
            [format!("\"{text}\"")],
            |r| r.get(0),
        )
        .expect("match")
    }

    #[tokio::test]
    async fn a_batch_writes_its_quick_search_rows_as_one_index_segment() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        let store = SqliteStore::open(&path).expect("create");
        let user = store
            .create_user(NewUser {
                email: "ada@example.org".into(),
                username: "ada".into(),
                display_name: "Ada".into(),
                password_hash: "x".into(),
                is_admin: false,
            })
            .await
            .expect("user");
        let lib = store
            .library(LibraryOwner::User(user.id))
            .await
            .expect("read")
            .expect("library")
            .id;
        let keys: Vec<ObjectKey> = (0..50).map(|_| ObjectKey::random()).collect();
        let first: Vec<ItemData> = keys
            .iter()
            .enumerate()
            .map(|(n, k)| book(k, 1, &format!("Moraine survey {n}")))
            .collect();
        let write = |changes: Changes| {
            store.write(
                lib,
                WriteRequest {
                    items: keys.clone(),
                    ..WriteRequest::default()
                },
                Box::new(move |_| Some(changes)),
            )
        };
        write(Changes {
            items: first,
            ..Changes::default()
        })
        .await
        .expect("first write");
        let conn = Connection::open(&path).expect("open");
        let segments: i64 = conn
            .query_row(
                "SELECT count(DISTINCT segid) FROM items_quick_idx",
                [],
                |r| r.get(0),
            )
            .expect("segments");
        assert_eq!(segments, 1);
        assert_eq!(quick_matches(&conn, "moraine survey"), 50);
        // An update rewrites its row in place; a deletion removes it.
        write(Changes {
            items: vec![book(&keys[0], 2, "Drumlin field")],
            delete_items: vec![keys[1].clone()],
            ..Changes::default()
        })
        .await
        .expect("second write");
        assert_eq!(quick_matches(&conn, "moraine survey"), 48);
        assert_eq!(quick_matches(&conn, "drumlin"), 1);
    }
}
