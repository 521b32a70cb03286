//! The write path in PostgreSQL: one transaction per write that locks the
//! library row, loads the snapshot, runs the planner and applies its changes.

use std::collections::HashMap;

use shelfmark_protocol::{CollectionData, ItemData, ObjectKey, SavedSearchData};
use tokio_postgres::{Client, GenericClient, Transaction};

use super::{corrupt, file_row};
use crate::clock::now_unix;
use crate::store::derive::derive;
use crate::store::parse_stored;
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
        let item = parse_stored(r.get(0), ItemData::from_json_value)?;
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
            let item = parse_stored(r.get(0), ItemData::from_json_value)?;
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
            let c = parse_stored(r.get(0), CollectionData::from_json_value)?;
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
            let s = parse_stored(r.get(0), SavedSearchData::from_json_value)?;
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

/// The entries of `list` by key, the last one of each key kept: one
/// statement may touch a row only once, and a later entry wins as it would
/// have row by row.
fn last_of_each<T, K: Eq + std::hash::Hash>(list: &[T], key: impl Fn(&T) -> K) -> Vec<&T> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<&T> = list.iter().rev().filter(|t| seen.insert(key(t))).collect();
    out.reverse();
    out
}

/// Records deletions of `keys` at `version` for `/deleted`.
async fn tombstones(
    tx: &Transaction<'_>,
    lib: LibraryId,
    kind: ObjectKind,
    keys: &[&str],
    version: u64,
) -> StoreResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let keys = last_of_each(keys, |k| *k);
    tx.execute(
        "INSERT INTO tombstones (library_id, kind, key, version)
         SELECT $1, $2, k, $4 FROM UNNEST($3::TEXT[]) AS k
         ON CONFLICT (library_id, kind, key) DO UPDATE SET version = EXCLUDED.version",
        &[&lib, &kind.as_str(), &keys, &(version as i64)],
    )
    .await?;
    Ok(())
}

/// Forgets the deletions of objects that are written again.
async fn clear_tombstones(
    tx: &Transaction<'_>,
    lib: LibraryId,
    kinds: &[&str],
    keys: &[&str],
) -> StoreResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    tx.execute(
        "DELETE FROM tombstones t USING UNNEST($2::TEXT[], $3::TEXT[]) AS w(kind, key)
         WHERE t.library_id = $1 AND t.kind = w.kind AND t.key = w.key",
        &[&lib, &kinds, &keys],
    )
    .await?;
    Ok(())
}

/// Writes items with their tag and collection index rows: one statement per
/// table for the whole batch.
async fn upsert_items(
    tx: &Transaction<'_>,
    lib: LibraryId,
    items: &[&ItemData],
) -> StoreResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let mut keys = Vec::with_capacity(items.len());
    let mut versions = Vec::with_capacity(items.len());
    let mut types = Vec::with_capacity(items.len());
    let mut parents = Vec::with_capacity(items.len());
    let mut deleted = Vec::with_capacity(items.len());
    let mut added = Vec::with_capacity(items.len());
    let mut modified = Vec::with_capacity(items.len());
    let mut sort_titles = Vec::with_capacity(items.len());
    let mut sort_creators = Vec::with_capacity(items.len());
    let mut sort_dates = Vec::with_capacity(items.len());
    let mut quick = Vec::with_capacity(items.len());
    let mut full = Vec::with_capacity(items.len());
    let mut data = Vec::with_capacity(items.len());
    let (mut tag_items, mut tag_names, mut tag_types) = (Vec::new(), Vec::new(), Vec::new());
    let (mut member_items, mut member_collections) = (Vec::new(), Vec::new());
    for item in items {
        let d = derive(item);
        let key = item.key.as_str();
        keys.push(key);
        versions.push(item.version as i64);
        types.push(item.item_type.as_str());
        parents.push(item.parent_item.as_ref().map(ObjectKey::as_str));
        deleted.push(item.deleted);
        added.push(item.date_added.as_deref().unwrap_or_default());
        modified.push(item.date_modified.as_deref().unwrap_or_default());
        sort_titles.push(d.sort_title);
        sort_creators.push(d.sort_creator);
        sort_dates.push(d.sort_date);
        quick.push(d.quick_text);
        full.push(d.full_text);
        data.push(item.to_json_text());
        for tag in &item.tags {
            tag_items.push(key);
            tag_names.push(tag.tag.as_str());
            tag_types.push(i64::from(tag.kind));
        }
        for coll in &item.collections {
            member_items.push(key);
            member_collections.push(coll.as_str());
        }
    }
    tx.execute(
        "INSERT INTO items (library_id, key, version, item_type, parent_key, deleted,
             date_added, date_modified, sort_title, sort_creator, sort_date, quick_text,
             full_text, data)
         SELECT $1, * FROM UNNEST($2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[],
             $6::BOOLEAN[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[],
             $12::TEXT[], $13::TEXT[], $14::TEXT[])
         ON CONFLICT (library_id, key) DO UPDATE SET version = EXCLUDED.version,
             item_type = EXCLUDED.item_type, parent_key = EXCLUDED.parent_key,
             deleted = EXCLUDED.deleted, date_added = EXCLUDED.date_added,
             date_modified = EXCLUDED.date_modified, sort_title = EXCLUDED.sort_title,
             sort_creator = EXCLUDED.sort_creator, sort_date = EXCLUDED.sort_date,
             quick_text = EXCLUDED.quick_text, full_text = EXCLUDED.full_text,
             data = EXCLUDED.data",
        &[
            &lib,
            &keys,
            &versions,
            &types,
            &parents,
            &deleted,
            &added,
            &modified,
            &sort_titles,
            &sort_creators,
            &sort_dates,
            &quick,
            &full,
            &data,
        ],
    )
    .await?;
    tx.execute(
        "DELETE FROM item_tags WHERE library_id = $1 AND item_key = ANY($2)",
        &[&lib, &keys],
    )
    .await?;
    if !tag_items.is_empty() {
        tx.execute(
            "INSERT INTO item_tags (library_id, item_key, tag, type)
             SELECT $1, * FROM UNNEST($2::TEXT[], $3::TEXT[], $4::BIGINT[])
             ON CONFLICT DO NOTHING",
            &[&lib, &tag_items, &tag_names, &tag_types],
        )
        .await?;
    }
    tx.execute(
        "DELETE FROM item_collections WHERE library_id = $1 AND item_key = ANY($2)",
        &[&lib, &keys],
    )
    .await?;
    if !member_items.is_empty() {
        tx.execute(
            "INSERT INTO item_collections (library_id, collection_key, item_key)
             SELECT $1, * FROM UNNEST($2::TEXT[], $3::TEXT[])
             ON CONFLICT DO NOTHING",
            &[&lib, &member_collections, &member_items],
        )
        .await?;
    }
    Ok(())
}

async fn apply(tx: &Transaction<'_>, lib: LibraryId, version: u64, c: &Changes) -> StoreResult<()> {
    let items = last_of_each(&c.items, |i| i.key.clone());
    upsert_items(tx, lib, &items).await?;
    let collections = last_of_each(&c.collections, |c| c.key.clone());
    if !collections.is_empty() {
        let keys: Vec<&str> = collections.iter().map(|c| c.key.as_str()).collect();
        let versions: Vec<i64> = collections.iter().map(|c| c.version as i64).collect();
        let parents: Vec<Option<&str>> = collections
            .iter()
            .map(|c| c.parent_collection.as_ref().map(ObjectKey::as_str))
            .collect();
        let data: Vec<String> = collections
            .iter()
            .map(|c| c.to_json_value().to_string())
            .collect();
        tx.execute(
            "INSERT INTO collections (library_id, key, version, parent_key, data)
             SELECT $1, * FROM UNNEST($2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[])
             ON CONFLICT (library_id, key) DO UPDATE SET version = EXCLUDED.version,
                 parent_key = EXCLUDED.parent_key, data = EXCLUDED.data",
            &[&lib, &keys, &versions, &parents, &data],
        )
        .await?;
    }
    let searches = last_of_each(&c.searches, |s| s.key.clone());
    if !searches.is_empty() {
        let keys: Vec<&str> = searches.iter().map(|s| s.key.as_str()).collect();
        let versions: Vec<i64> = searches.iter().map(|s| s.version as i64).collect();
        let data: Vec<String> = searches
            .iter()
            .map(|s| s.to_json_value().to_string())
            .collect();
        tx.execute(
            "INSERT INTO searches (library_id, key, version, data)
             SELECT $1, * FROM UNNEST($2::TEXT[], $3::BIGINT[], $4::TEXT[])
             ON CONFLICT (library_id, key) DO UPDATE SET version = EXCLUDED.version,
                 data = EXCLUDED.data",
            &[&lib, &keys, &versions, &data],
        )
        .await?;
    }
    let settings = last_of_each(&c.settings, |s| s.key.clone());
    if !settings.is_empty() {
        let keys: Vec<&str> = settings.iter().map(|s| s.key.as_str()).collect();
        let versions: Vec<i64> = settings.iter().map(|s| s.version as i64).collect();
        let values: Vec<String> = settings.iter().map(|s| s.value.to_string()).collect();
        tx.execute(
            "INSERT INTO settings (library_id, key, version, value)
             SELECT $1, * FROM UNNEST($2::TEXT[], $3::BIGINT[], $4::TEXT[])
             ON CONFLICT (library_id, key) DO UPDATE SET version = EXCLUDED.version,
                 value = EXCLUDED.value",
            &[&lib, &keys, &versions, &values],
        )
        .await?;
    }
    // Objects written again are no longer deleted.
    let mut written_kinds: Vec<&str> = Vec::new();
    let mut written_keys: Vec<&str> = Vec::new();
    let kinds_and_keys = items
        .iter()
        .map(|i| (ObjectKind::Item, i.key.as_str()))
        .chain(
            collections
                .iter()
                .map(|c| (ObjectKind::Collection, c.key.as_str())),
        )
        .chain(
            searches
                .iter()
                .map(|s| (ObjectKind::Search, s.key.as_str())),
        )
        .chain(
            settings
                .iter()
                .map(|s| (ObjectKind::Setting, s.key.as_str())),
        );
    for (kind, key) in kinds_and_keys {
        written_kinds.push(kind.as_str());
        written_keys.push(key);
    }
    clear_tombstones(tx, lib, &written_kinds, &written_keys).await?;

    if !c.delete_items.is_empty() {
        let keys: Vec<&str> = c.delete_items.iter().map(ObjectKey::as_str).collect();
        tx.execute(
            "DELETE FROM items WHERE library_id = $1 AND key = ANY($2)",
            &[&lib, &keys],
        )
        .await?;
        for table in ["item_tags", "item_collections", "item_files", "fulltext"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE library_id = $1 AND item_key = ANY($2)"),
                &[&lib, &keys],
            )
            .await?;
        }
        tombstones(tx, lib, ObjectKind::Item, &keys, version).await?;
    }
    if !c.delete_collections.is_empty() {
        let keys: Vec<&str> = c.delete_collections.iter().map(ObjectKey::as_str).collect();
        tx.execute(
            "DELETE FROM collections WHERE library_id = $1 AND key = ANY($2)",
            &[&lib, &keys],
        )
        .await?;
        tx.execute(
            "DELETE FROM item_collections WHERE library_id = $1 AND collection_key = ANY($2)",
            &[&lib, &keys],
        )
        .await?;
        tombstones(tx, lib, ObjectKind::Collection, &keys, version).await?;
    }
    if !c.delete_searches.is_empty() {
        let keys: Vec<&str> = c.delete_searches.iter().map(ObjectKey::as_str).collect();
        tx.execute(
            "DELETE FROM searches WHERE library_id = $1 AND key = ANY($2)",
            &[&lib, &keys],
        )
        .await?;
        tombstones(tx, lib, ObjectKind::Search, &keys, version).await?;
    }
    if !c.delete_settings.is_empty() {
        let keys: Vec<&str> = c.delete_settings.iter().map(String::as_str).collect();
        tx.execute(
            "DELETE FROM settings WHERE library_id = $1 AND key = ANY($2)",
            &[&lib, &keys],
        )
        .await?;
        tombstones(tx, lib, ObjectKind::Setting, &keys, version).await?;
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
    let tags: Vec<&str> = c.delete_tags.iter().map(String::as_str).collect();
    tombstones(tx, lib, ObjectKind::Tag, &tags, version).await?;
    Ok(())
}
