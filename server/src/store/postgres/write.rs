//! The write path in PostgreSQL: one transaction per write that locks the
//! library row, loads the snapshot, runs the planner and applies its changes.

use std::collections::HashMap;

use shelfmark_protocol::{CollectionData, ItemData, ObjectKey, SavedSearchData};
use tokio_postgres::{Client, GenericClient, Transaction};

use super::{corrupt, file_row, json};
use crate::clock::now_unix;
use crate::store::derive::derive;
use crate::store::{
    Changes, LibraryId, ObjectKind, Planner, Setting, Snapshot, StoreError, StoreResult,
    StoredFile, WriteRequest,
};

/// How long a write token stays used.
const WRITE_TOKEN_SECONDS: i64 = 12 * 60 * 60;

pub(super) async fn write(
    conn: &mut Client,
    lib: LibraryId,
    request: &WriteRequest,
    plan: Planner,
) -> StoreResult<u64> {
    let tx = conn.transaction().await?;
    let version: i64 = tx
        .query_opt(
            "SELECT version FROM libraries WHERE id = $1 FOR UPDATE",
            &[&lib],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("library {lib}")))?
        .get(0);
    let snapshot = load_snapshot(&tx, lib, version as u64, request).await?;
    let Some(changes) = plan(&snapshot) else {
        tx.rollback().await?;
        return Ok(version as u64);
    };
    if let Some(upload) = &changes.finish_upload {
        tx.execute("DELETE FROM uploads WHERE upload_key = $1", &[upload])
            .await?;
    }
    if let Some(token) = &changes.record_write_token {
        tx.execute(
            "INSERT INTO write_tokens (key_id, token, created) VALUES ($1, $2, $3)
             ON CONFLICT (key_id, token) DO UPDATE SET created = EXCLUDED.created",
            &[&token.key_id, &token.token, &now_unix()],
        )
        .await?;
    }
    let mut new_version = version as u64;
    if !changes.is_empty() {
        new_version = snapshot.next_version();
        apply(&tx, lib, new_version, &changes).await?;
        tx.execute(
            "UPDATE libraries SET version = $1 WHERE id = $2",
            &[&(new_version as i64), &lib],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(new_version)
}

async fn load_items(
    tx: &Transaction<'_>,
    sql: &str,
    lib: LibraryId,
    arg: &str,
    into: &mut HashMap<ObjectKey, ItemData>,
) -> StoreResult<()> {
    for r in tx.query(sql, &[&lib, &arg]).await? {
        let item = json(r.get(0), ItemData::from_json_value)?;
        into.insert(item.key.clone(), item);
    }
    Ok(())
}

async fn load_snapshot(
    tx: &Transaction<'_>,
    lib: LibraryId,
    library_version: u64,
    request: &WriteRequest,
) -> StoreResult<Snapshot> {
    let mut snap = Snapshot {
        library_version,
        ..Snapshot::default()
    };
    if !request.items.is_empty() {
        let keys: Vec<String> = request.items.iter().map(ToString::to_string).collect();
        for r in tx
            .query(
                "SELECT data FROM items WHERE library_id = $1 AND key = ANY($2)",
                &[&lib, &keys],
            )
            .await?
        {
            let item = json(r.get(0), ItemData::from_json_value)?;
            snap.items.insert(item.key.clone(), item);
        }
    }
    for key in &request.descendants_of {
        load_items(
            tx,
            "WITH RECURSIVE d(k) AS (
                 SELECT key FROM items WHERE library_id = $1 AND parent_key = $2
                 UNION SELECT i.key FROM items i JOIN d ON i.library_id = $1 AND i.parent_key = d.k)
             SELECT data FROM items WHERE library_id = $1 AND key IN (SELECT k FROM d)",
            lib,
            key.as_str(),
            &mut snap.items,
        )
        .await?;
    }
    for key in &request.items_in_collections {
        load_items(
            tx,
            "WITH RECURSIVE d(k) AS (
                 SELECT $2::TEXT
                 UNION SELECT c.key FROM collections c JOIN d
                     ON c.library_id = $1 AND c.parent_key = d.k)
             SELECT i.data FROM items i JOIN item_collections c
             ON c.library_id = i.library_id AND c.item_key = i.key
             WHERE i.library_id = $1 AND c.collection_key IN (SELECT k FROM d)",
            lib,
            key.as_str(),
            &mut snap.items,
        )
        .await?;
    }
    for tag in &request.items_with_tags {
        load_items(
            tx,
            "SELECT i.data FROM items i JOIN item_tags t
             ON t.library_id = i.library_id AND t.item_key = i.key
             WHERE i.library_id = $1 AND t.tag = $2",
            lib,
            tag,
            &mut snap.items,
        )
        .await?;
    }
    if request.all_collections {
        for r in tx
            .query(
                "SELECT data FROM collections WHERE library_id = $1",
                &[&lib],
            )
            .await?
        {
            let c = json(r.get(0), CollectionData::from_json_value)?;
            snap.collections.insert(c.key.clone(), c);
        }
    }
    if !request.searches.is_empty() {
        let keys: Vec<String> = request.searches.iter().map(ToString::to_string).collect();
        for r in tx
            .query(
                "SELECT data FROM searches WHERE library_id = $1 AND key = ANY($2)",
                &[&lib, &keys],
            )
            .await?
        {
            let s = json(r.get(0), SavedSearchData::from_json_value)?;
            snap.searches.insert(s.key.clone(), s);
        }
    }
    if !request.settings.is_empty() {
        for s in load_settings(tx, lib, Some(&request.settings)).await? {
            snap.settings.insert(s.key.clone(), s);
        }
    }
    for key in &request.files {
        if let Some(file) = item_file(tx, lib, key).await? {
            snap.files.insert(key.clone(), file);
        }
    }
    if let Some(token) = &request.write_token {
        snap.write_token_used = tx
            .query_opt(
                "SELECT 1 FROM write_tokens WHERE key_id = $1 AND token = $2 AND created > $3",
                &[
                    &token.key_id,
                    &token.token,
                    &(now_unix() - WRITE_TOKEN_SECONDS),
                ],
            )
            .await?
            .is_some();
    }
    Ok(snap)
}

/// Settings of a library, all or only the named ones.
pub(super) async fn load_settings(
    conn: &impl GenericClient,
    lib: LibraryId,
    only: Option<&[String]>,
) -> StoreResult<Vec<Setting>> {
    let mut out = Vec::new();
    for r in conn
        .query(
            "SELECT key, version, value FROM settings WHERE library_id = $1 ORDER BY key",
            &[&lib],
        )
        .await?
    {
        let key: String = r.get(0);
        if only.is_some_and(|keys| !keys.contains(&key)) {
            continue;
        }
        out.push(Setting {
            key,
            version: r.get::<_, i64>(1) as u64,
            value: serde_json::from_str(r.get(2)).map_err(corrupt)?,
        });
    }
    Ok(out)
}

/// The file stored for an item.
pub(super) async fn item_file(
    conn: &impl GenericClient,
    lib: LibraryId,
    key: &ObjectKey,
) -> StoreResult<Option<StoredFile>> {
    Ok(conn
        .query_opt(
            "SELECT md5, size, filename, mtime, content_type, charset, blob, compressed
             FROM item_files WHERE library_id = $1 AND item_key = $2",
            &[&lib, &key.as_str()],
        )
        .await?
        .map(|r| file_row(&r, 0)))
}

async fn tombstone(
    tx: &Transaction<'_>,
    lib: LibraryId,
    kind: ObjectKind,
    key: &str,
    version: u64,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO tombstones (library_id, kind, key, version) VALUES ($1, $2, $3, $4)
         ON CONFLICT (library_id, kind, key) DO UPDATE SET version = EXCLUDED.version",
        &[&lib, &kind.as_str(), &key, &(version as i64)],
    )
    .await?;
    Ok(())
}

async fn clear_tombstone(
    tx: &Transaction<'_>,
    lib: LibraryId,
    kind: ObjectKind,
    key: &str,
) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM tombstones WHERE library_id = $1 AND kind = $2 AND key = $3",
        &[&lib, &kind.as_str(), &key],
    )
    .await?;
    Ok(())
}

async fn apply(tx: &Transaction<'_>, lib: LibraryId, version: u64, c: &Changes) -> StoreResult<()> {
    let upsert_item = tx
        .prepare(
            "INSERT INTO items (library_id, key, version, item_type, parent_key, deleted,
                 date_added, date_modified, sort_title, sort_creator, sort_date, quick_text,
                 full_text, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (library_id, key) DO UPDATE SET version = EXCLUDED.version,
                 item_type = EXCLUDED.item_type, parent_key = EXCLUDED.parent_key,
                 deleted = EXCLUDED.deleted, date_added = EXCLUDED.date_added,
                 date_modified = EXCLUDED.date_modified, sort_title = EXCLUDED.sort_title,
                 sort_creator = EXCLUDED.sort_creator, sort_date = EXCLUDED.sort_date,
                 quick_text = EXCLUDED.quick_text, full_text = EXCLUDED.full_text,
                 data = EXCLUDED.data",
        )
        .await?;
    for item in &c.items {
        let d = derive(item);
        let key = item.key.as_str();
        tx.execute(
            &upsert_item,
            &[
                &lib,
                &key,
                &(item.version as i64),
                &item.item_type,
                &item.parent_item.as_ref().map(|k| k.to_string()),
                &item.deleted,
                &item.date_added.clone().unwrap_or_default(),
                &item.date_modified.clone().unwrap_or_default(),
                &d.sort_title,
                &d.sort_creator,
                &d.sort_date,
                &d.quick_text,
                &d.full_text,
                &item.to_json_value().to_string(),
            ],
        )
        .await?;
        tx.execute(
            "DELETE FROM item_tags WHERE library_id = $1 AND item_key = $2",
            &[&lib, &key],
        )
        .await?;
        for tag in &item.tags {
            tx.execute(
                "INSERT INTO item_tags (library_id, item_key, tag, type) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&lib, &key, &tag.tag, &i64::from(tag.kind)],
            )
            .await?;
        }
        tx.execute(
            "DELETE FROM item_collections WHERE library_id = $1 AND item_key = $2",
            &[&lib, &key],
        )
        .await?;
        for coll in &item.collections {
            tx.execute(
                "INSERT INTO item_collections (library_id, collection_key, item_key)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&lib, &coll.as_str(), &key],
            )
            .await?;
        }
        clear_tombstone(tx, lib, ObjectKind::Item, key).await?;
    }
    for coll in &c.collections {
        tx.execute(
            "INSERT INTO collections (library_id, key, version, parent_key, data)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (library_id, key) DO UPDATE SET version = EXCLUDED.version,
                 parent_key = EXCLUDED.parent_key, data = EXCLUDED.data",
            &[
                &lib,
                &coll.key.as_str(),
                &(coll.version as i64),
                &coll.parent_collection.as_ref().map(|k| k.to_string()),
                &coll.to_json_value().to_string(),
            ],
        )
        .await?;
        clear_tombstone(tx, lib, ObjectKind::Collection, coll.key.as_str()).await?;
    }
    for search in &c.searches {
        tx.execute(
            "INSERT INTO searches (library_id, key, version, data) VALUES ($1, $2, $3, $4)
             ON CONFLICT (library_id, key) DO UPDATE SET version = EXCLUDED.version,
                 data = EXCLUDED.data",
            &[
                &lib,
                &search.key.as_str(),
                &(search.version as i64),
                &search.to_json_value().to_string(),
            ],
        )
        .await?;
        clear_tombstone(tx, lib, ObjectKind::Search, search.key.as_str()).await?;
    }
    for setting in &c.settings {
        tx.execute(
            "INSERT INTO settings (library_id, key, version, value) VALUES ($1, $2, $3, $4)
             ON CONFLICT (library_id, key) DO UPDATE SET version = EXCLUDED.version,
                 value = EXCLUDED.value",
            &[
                &lib,
                &setting.key,
                &(setting.version as i64),
                &setting.value.to_string(),
            ],
        )
        .await?;
        clear_tombstone(tx, lib, ObjectKind::Setting, &setting.key).await?;
    }
    for key in &c.delete_items {
        let k = key.as_str();
        for table_sql in [
            "DELETE FROM items WHERE library_id = $1 AND key = $2",
            "DELETE FROM item_tags WHERE library_id = $1 AND item_key = $2",
            "DELETE FROM item_collections WHERE library_id = $1 AND item_key = $2",
            "DELETE FROM item_files WHERE library_id = $1 AND item_key = $2",
            "DELETE FROM fulltext WHERE library_id = $1 AND item_key = $2",
        ] {
            tx.execute(table_sql, &[&lib, &k]).await?;
        }
        tombstone(tx, lib, ObjectKind::Item, k, version).await?;
    }
    for key in &c.delete_collections {
        let k = key.as_str();
        tx.execute(
            "DELETE FROM collections WHERE library_id = $1 AND key = $2",
            &[&lib, &k],
        )
        .await?;
        tx.execute(
            "DELETE FROM item_collections WHERE library_id = $1 AND collection_key = $2",
            &[&lib, &k],
        )
        .await?;
        tombstone(tx, lib, ObjectKind::Collection, k, version).await?;
    }
    for key in &c.delete_searches {
        tx.execute(
            "DELETE FROM searches WHERE library_id = $1 AND key = $2",
            &[&lib, &key.as_str()],
        )
        .await?;
        tombstone(tx, lib, ObjectKind::Search, key.as_str(), version).await?;
    }
    for key in &c.delete_settings {
        tx.execute(
            "DELETE FROM settings WHERE library_id = $1 AND key = $2",
            &[&lib, key],
        )
        .await?;
        tombstone(tx, lib, ObjectKind::Setting, key, version).await?;
    }
    for (key, f) in &c.attach_files {
        tx.execute(
            "INSERT INTO item_files (library_id, item_key, md5, size, filename, mtime,
                 content_type, charset, blob, compressed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (library_id, item_key) DO UPDATE SET md5 = EXCLUDED.md5,
                 size = EXCLUDED.size, filename = EXCLUDED.filename, mtime = EXCLUDED.mtime,
                 content_type = EXCLUDED.content_type, charset = EXCLUDED.charset,
                 blob = EXCLUDED.blob, compressed = EXCLUDED.compressed",
            &[
                &lib,
                &key.as_str(),
                &f.md5,
                &(f.size as i64),
                &f.filename,
                &f.mtime,
                &f.content_type,
                &f.charset,
                &f.blob,
                &f.compressed,
            ],
        )
        .await?;
    }
    for (key, value) in &c.fulltext {
        let text = value
            .get("content")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        tx.execute(
            "INSERT INTO fulltext (library_id, item_key, version, data, search_text)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (library_id, item_key) DO UPDATE SET version = EXCLUDED.version,
                 data = EXCLUDED.data, search_text = EXCLUDED.search_text",
            &[
                &lib,
                &key.as_str(),
                &(version as i64),
                &value.to_string(),
                &text,
            ],
        )
        .await?;
    }
    for tag in &c.delete_tags {
        tombstone(tx, lib, ObjectKind::Tag, tag, version).await?;
    }
    Ok(())
}
