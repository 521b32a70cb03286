//! The embedded SQLite backend: one writer connection (writes are serialised
//! for every library at once, which SQLite requires anyway) and a pool of
//! reader connections working beside it in WAL mode (`shelfmark_sql`). All
//! SQLite work runs on tokio's blocking threads.

mod accounts;
mod files;
mod items;
mod sessions;
mod write;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use shelfmark_protocol::{CollectionData, ObjectKey, SavedSearchData};
use shelfmark_sql::{FileKind, OpenMode, ReaderAccess, Schema, Settings};

use super::listing_cache::ListingCache;
use super::{
    ApiKeyRecord, ChangeFeed, Deleted, Group, Invitation, ItemQuery, Library, LibraryId,
    LibraryOwner, Membership, NewApiKey, NewGroup, NewInvitation, NewUser, Page, Planner, Setting,
    Store, StoreError, StoreResult, StoredFile, TagInfo, Upload, User, WebSession, WriteRequest,
    parse_stored,
};

const SCHEMA: &str = include_str!("schema.sql");
const SCHEMA_VERSION: u32 = 6;
/// The upgrade from each earlier schema version to the next: the first
/// from 1 to 2, and so on.
const UPGRADES: [&str; 5] = [
    include_str!("upgrade_2.sql"),
    include_str!("upgrade_3.sql"),
    include_str!("upgrade_4.sql"),
    include_str!("upgrade_5.sql"),
    include_str!("upgrade_6.sql"),
];
/// How much of the database file a reader maps into memory.
const READER_MMAP_BYTES: u64 = 1 << 30;
/// Reader connections kept open between requests.
const READER_POOL: usize = 64;

/// The server database's schema and its upgrades.
struct ServerSchema;

impl Schema for ServerSchema {
    type Error = StoreError;
    const KIND: FileKind = shelfmark_sql::SERVER_DATABASE;
    const VERSION: u32 = SCHEMA_VERSION;

    fn create(tx: &Transaction<'_>) -> StoreResult<()> {
        tx.execute_batch(SCHEMA)?;
        Ok(())
    }

    fn upgrade(tx: &Transaction<'_>, from: u32) -> StoreResult<()> {
        let step = (from as usize)
            .checked_sub(1)
            .and_then(|index| UPGRADES.get(index))
            .ok_or_else(|| StoreError::Task(format!("no upgrade from schema version {from}")))?;
        tx.execute_batch(step)?;
        Ok(())
    }
}

/// How the database's connections are set up.
fn settings() -> Settings {
    Settings {
        // A write runs a few dozen distinct statements (rusqlite keeps 16):
        // each one evicted would be compiled again at the next write.
        statement_cache_capacity: Some(128),
        temp_store_in_memory: true,
        // The writer keeps the indexes it updates in its own cache instead
        // of reading their pages from the OS at every write (SQLite's
        // default is 2 MB).
        cache_size_kib: Some(32_000),
        reader_access: ReaderAccess::ReadOnly,
        // Listings read item JSON by the megabyte: mapped pages spare a copy
        // of each from the OS cache.
        reader_mmap_bytes: Some(READER_MMAP_BYTES),
        max_idle_readers: READER_POOL,
        register_functions: None,
    }
}

/// Metadata in one SQLite file: one writer connection (writes are
/// serialised for every library at once, which SQLite requires anyway) and
/// pooled readers beside it.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    db: Arc<shelfmark_sql::Database>,
    listings: Arc<ListingCache>,
    changes: ChangeFeed,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`. A file that is not
    /// the server's database (a device's library, another application's
    /// database) or is from a newer server is refused untouched.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let db = shelfmark_sql::open::<ServerSchema>(path, OpenMode::CreateOrExisting, settings())?;
        Ok(Self {
            db: Arc::new(db),
            listings: Arc::new(ListingCache::default()),
            changes: ChangeFeed::default(),
        })
    }

    /// Runs read-only work on a pooled reader connection.
    async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || db.read(work))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs work on the single writer connection.
    async fn with_writer<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&mut db.writer()))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

/// Reads a library row.
fn load_library(conn: &Connection, owner: LibraryOwner) -> StoreResult<Option<Library>> {
    let row = conn
        .query_row(
            "SELECT id, version FROM libraries WHERE kind = ?1 AND owner_id = ?2",
            params![owner.kind(), owner.id() as i64],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?;
    let Some((id, version)) = row else {
        return Ok(None);
    };
    let name: Option<String> = match owner {
        LibraryOwner::User(uid) => conn
            .query_row(
                "SELECT username FROM users WHERE id = ?1",
                [uid as i64],
                |r| r.get(0),
            )
            .optional()?,
        LibraryOwner::Group(gid) => conn
            .query_row("SELECT name FROM groups WHERE id = ?1", [gid as i64], |r| {
                r.get(0)
            })
            .optional()?,
    };
    Ok(Some(Library {
        id,
        owner,
        version: version as u64,
        name: name.unwrap_or_default(),
    }))
}

fn parse_key(text: &str) -> StoreResult<ObjectKey> {
    ObjectKey::parse(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.with_writer(move |conn| accounts::create_user(conn, user))
            .await
    }

    async fn user(&self, id: u64) -> StoreResult<Option<User>> {
        self.read(move |conn| accounts::user_where(conn, "id = ?1", Value::Integer(id as i64)))
            .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let email = email.to_owned();
        self.read(move |conn| accounts::user_where(conn, "email = ?1", Value::Text(email)))
            .await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        let username = username.to_owned();
        self.read(move |conn| accounts::user_where(conn, "username = ?1", Value::Text(username)))
            .await
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        self.read(accounts::users).await
    }

    async fn set_quota(&self, user_id: u64, megabytes: Option<u64>) -> StoreResult<()> {
        self.with_writer(move |conn| {
            let n = conn.execute(
                "UPDATE users SET quota_mb = ?1 WHERE id = ?2",
                params![megabytes.map(|m| m as i64), user_id as i64],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("user {user_id}")));
            }
            Ok(())
        })
        .await
    }

    async fn set_password(&self, user_id: u64, password_hash: String) -> StoreResult<bool> {
        self.with_writer(move |conn| {
            Ok(conn.execute(
                "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                params![password_hash, user_id as i64],
            )? > 0)
        })
        .await
    }

    async fn set_admin(&self, user_id: u64, is_admin: bool) -> StoreResult<bool> {
        self.with_writer(move |conn| {
            Ok(conn.execute(
                "UPDATE users SET is_admin = ?1 WHERE id = ?2",
                params![is_admin, user_id as i64],
            )? > 0)
        })
        .await
    }

    async fn create_invitation(&self, invitation: NewInvitation) -> StoreResult<Invitation> {
        self.with_writer(move |conn| sessions::create_invitation(conn, invitation))
            .await
    }

    async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<Invitation>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| sessions::invitation_by_token(conn, &token_hash))
            .await
    }

    async fn invitations(&self) -> StoreResult<Vec<Invitation>> {
        self.read(sessions::invitations).await
    }

    async fn accept_invitation(&self, id: i64, user_id: u64) -> StoreResult<bool> {
        self.with_writer(move |conn| sessions::accept_invitation(conn, id, user_id))
            .await
    }

    async fn delete_invitation(&self, id: i64) -> StoreResult<bool> {
        self.with_writer(move |conn| sessions::delete_invitation(conn, id))
            .await
    }

    async fn create_session(&self, session: WebSession) -> StoreResult<()> {
        self.with_writer(move |conn| sessions::create_session(conn, session))
            .await
    }

    async fn session(&self, id_hash: &str) -> StoreResult<Option<WebSession>> {
        let id_hash = id_hash.to_owned();
        self.read(move |conn| sessions::session(conn, &id_hash))
            .await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let id_hash = id_hash.to_owned();
        self.with_writer(move |conn| {
            conn.execute("DELETE FROM web_sessions WHERE id_hash = ?1", [id_hash])?;
            Ok(())
        })
        .await
    }

    async fn delete_sessions_of_user(&self, user_id: u64) -> StoreResult<u64> {
        self.with_writer(move |conn| {
            Ok(conn.execute(
                "DELETE FROM web_sessions WHERE user_id = ?1",
                [user_id as i64],
            )? as u64)
        })
        .await
    }

    async fn create_key(&self, key: NewApiKey) -> StoreResult<ApiKeyRecord> {
        self.with_writer(move |conn| accounts::create_key(conn, key))
            .await
    }

    async fn key_by_hash(&self, hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        let hash = hash.to_owned();
        self.read(move |conn| {
            Ok(
                accounts::keys_where(conn, "hash = ?1 AND revoked = 0", Value::Text(hash))?
                    .into_iter()
                    .next(),
            )
        })
        .await
    }

    async fn keys_of_user(&self, user_id: u64) -> StoreResult<Vec<ApiKeyRecord>> {
        self.read(move |conn| {
            accounts::keys_where(
                conn,
                "user_id = ?1 AND revoked = 0",
                Value::Integer(user_id as i64),
            )
        })
        .await
    }

    async fn revoke_key(&self, key_id: i64) -> StoreResult<bool> {
        self.with_writer(move |conn| {
            Ok(conn.execute(
                "UPDATE api_keys SET revoked = 1 WHERE id = ?1 AND revoked = 0",
                [key_id],
            )? > 0)
        })
        .await
    }

    async fn revoke_keys_of_user(&self, user_id: u64) -> StoreResult<u64> {
        self.with_writer(move |conn| {
            Ok(conn.execute(
                "UPDATE api_keys SET revoked = 1 WHERE user_id = ?1 AND revoked = 0",
                [user_id as i64],
            )? as u64)
        })
        .await
    }

    async fn touch_key(&self, key_id: i64, when: String) -> StoreResult<()> {
        self.with_writer(move |conn| {
            conn.execute(
                "UPDATE api_keys SET last_used = ?1 WHERE id = ?2",
                params![when, key_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn create_group(&self, group: NewGroup) -> StoreResult<Group> {
        self.with_writer(move |conn| accounts::create_group(conn, group))
            .await
    }

    async fn group(&self, id: u64) -> StoreResult<Option<Group>> {
        self.read(move |conn| accounts::group(conn, id)).await
    }

    async fn groups_of_user(&self, user_id: u64) -> StoreResult<Vec<Group>> {
        self.read(move |conn| accounts::groups_of_user(conn, user_id))
            .await
    }

    async fn set_member(&self, group_id: u64, member: Membership) -> StoreResult<Group> {
        self.with_writer(move |conn| accounts::set_member(conn, group_id, member))
            .await
    }

    async fn remove_member(&self, group_id: u64, user_id: u64) -> StoreResult<bool> {
        self.with_writer(move |conn| accounts::remove_member(conn, group_id, user_id))
            .await
    }

    async fn transfer_group(&self, group_id: u64, new_owner: u64) -> StoreResult<Group> {
        self.with_writer(move |conn| accounts::transfer_group(conn, group_id, new_owner))
            .await
    }

    async fn library(&self, owner: LibraryOwner) -> StoreResult<Option<Library>> {
        self.read(move |conn| load_library(conn, owner)).await
    }

    async fn query_item_json(
        &self,
        lib: LibraryId,
        query: &ItemQuery,
    ) -> StoreResult<Page<String>> {
        let query = query.clone();
        let listings = Arc::clone(&self.listings);
        self.read(move |conn| items::query(conn, lib, &query, &listings))
            .await
    }

    async fn item_versions(
        &self,
        lib: LibraryId,
        query: &ItemQuery,
    ) -> StoreResult<Vec<(ObjectKey, u64)>> {
        let query = query.clone();
        self.read(move |conn| items::versions(conn, lib, &query))
            .await
    }

    async fn child_counts(
        &self,
        lib: LibraryId,
        parents: &[ObjectKey],
    ) -> StoreResult<Vec<(ObjectKey, u64)>> {
        let parents = parents.to_vec();
        self.read(move |conn| items::child_counts(conn, lib, &parents))
            .await
    }

    async fn collections(&self, lib: LibraryId) -> StoreResult<Vec<CollectionData>> {
        self.read(move |conn| {
            let mut stmt =
                conn.prepare_cached("SELECT data FROM collections WHERE library_id = ?1")?;
            let rows = stmt.query_map([lib], |r| r.get::<_, String>(0))?;
            rows.map(|r| parse_stored(&r?, CollectionData::from_json_value))
                .collect()
        })
        .await
    }

    async fn collection_item_counts(&self, lib: LibraryId) -> StoreResult<Vec<(ObjectKey, u64)>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT c.collection_key, COUNT(*) FROM item_collections c
                 JOIN items i ON i.library_id = c.library_id AND i.key = c.item_key
                 WHERE c.library_id = ?1 AND i.deleted = 0 GROUP BY c.collection_key",
            )?;
            let rows =
                stmt.query_map([lib], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            rows.map(|r| {
                let (k, n) = r?;
                Ok((parse_key(&k)?, n as u64))
            })
            .collect()
        })
        .await
    }

    async fn searches(&self, lib: LibraryId) -> StoreResult<Vec<SavedSearchData>> {
        self.read(move |conn| {
            let mut stmt =
                conn.prepare_cached("SELECT data FROM searches WHERE library_id = ?1")?;
            let rows = stmt.query_map([lib], |r| r.get::<_, String>(0))?;
            rows.map(|r| parse_stored(&r?, SavedSearchData::from_json_value))
                .collect()
        })
        .await
    }

    async fn settings(&self, lib: LibraryId) -> StoreResult<Vec<Setting>> {
        self.read(move |conn| write::load_settings(conn, lib, None))
            .await
    }

    async fn tags(&self, lib: LibraryId, query: &ItemQuery) -> StoreResult<Vec<TagInfo>> {
        let query = query.clone();
        self.read(move |conn| items::tags(conn, lib, &query)).await
    }

    async fn deleted_since(&self, lib: LibraryId, since: u64) -> StoreResult<Deleted> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT kind, key FROM tombstones WHERE library_id = ?1 AND version > ?2
                 ORDER BY version, key",
            )?;
            let rows = stmt.query_map(params![lib, since as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut out = Deleted::default();
            for row in rows {
                let (kind, key) = row?;
                match kind.as_str() {
                    "items" => out.items.push(key),
                    "collections" => out.collections.push(key),
                    "searches" => out.searches.push(key),
                    "settings" => out.settings.push(key),
                    "tags" => out.tags.push(key),
                    _ => {}
                }
            }
            Ok(out)
        })
        .await
    }

    async fn item_file(&self, lib: LibraryId, key: &ObjectKey) -> StoreResult<Option<StoredFile>> {
        let key = key.clone();
        self.read(move |conn| files::item_file(conn, lib, &key))
            .await
    }

    async fn create_upload(&self, upload: Upload) -> StoreResult<()> {
        self.with_writer(move |conn| files::create_upload(conn, &upload))
            .await
    }

    async fn upload(&self, key: &str) -> StoreResult<Option<Upload>> {
        let key = key.to_owned();
        self.with_writer(move |conn| files::upload(conn, &key))
            .await
    }

    async fn complete_upload(&self, key: &str) -> StoreResult<()> {
        let key = key.to_owned();
        self.with_writer(move |conn| {
            conn.execute(
                "UPDATE uploads SET completed = 1 WHERE upload_key = ?1",
                [key],
            )?;
            Ok(())
        })
        .await
    }

    async fn storage_usage(&self, user_id: u64) -> StoreResult<u64> {
        self.read(move |conn| files::storage_usage(conn, user_id))
            .await
    }

    async fn storage_by_library(&self, user_id: u64) -> StoreResult<Vec<(LibraryOwner, u64)>> {
        self.read(move |conn| files::storage_by_library(conn, user_id))
            .await
    }

    async fn referenced_blobs(&self) -> StoreResult<std::collections::HashSet<String>> {
        self.with_writer(|conn| files::referenced_blobs(conn)).await
    }

    async fn fulltext_versions(
        &self,
        lib: LibraryId,
        since: u64,
    ) -> StoreResult<Vec<(ObjectKey, u64)>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT item_key, version FROM fulltext WHERE library_id = ?1 AND version > ?2
                 ORDER BY version, item_key",
            )?;
            let rows = stmt.query_map(params![lib, since as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            rows.map(|r| {
                let (k, v) = r?;
                Ok((parse_key(&k)?, v as u64))
            })
            .collect()
        })
        .await
    }

    async fn fulltext(
        &self,
        lib: LibraryId,
        key: &ObjectKey,
    ) -> StoreResult<Option<(serde_json::Value, u64)>> {
        let key = key.clone();
        self.read(move |conn| {
            let row: Option<(String, i64)> = conn
                .query_row(
                    "SELECT data, version FROM fulltext WHERE library_id = ?1 AND item_key = ?2",
                    params![lib, key.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(data, v)| {
                let value =
                    serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((value, v as u64))
            })
            .transpose()
        })
        .await
    }

    async fn write(
        &self,
        lib: LibraryId,
        request: WriteRequest,
        plan: Planner,
    ) -> StoreResult<u64> {
        self.with_writer(move |conn| write::write(conn, lib, &request, plan))
            .await
    }

    fn change_feed(&self) -> &ChangeFeed {
        &self.changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indexes(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'items_%' ORDER BY name")
            .expect("query");
        stmt.query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("names")
    }

    /// Every item index of the current schema, by name.
    const ITEM_INDEXES: [&str; 7] = [
        "items_added",
        "items_creator",
        "items_date",
        "items_modified",
        "items_parent",
        "items_since",
        "items_title",
    ];

    /// A schema 6 database taken back to schema 5.
    const UNDO_SCHEMA_6: &str = "
        DROP INDEX items_title;
        DROP INDEX items_creator;
        DROP INDEX items_date;
        DROP INDEX items_modified;
        DROP TABLE items_quick;
        ALTER TABLE items ADD COLUMN quick_text TEXT NOT NULL DEFAULT '';
        PRAGMA user_version = 5;";

    /// A schema 5 database taken back to schema 4.
    const UNDO_SCHEMA_5: &str = "
        DROP TABLE web_sessions;
        DROP TABLE invitations;
        ALTER TABLE api_keys DROP COLUMN last_used;
        PRAGMA user_version = 4;";

    #[tokio::test]
    async fn a_schema_4_database_keeps_its_keys_and_gains_sessions_and_invitations() {
        use crate::store::{Access, NewApiKey, NewUser, Store, WebSession};
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        {
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
            store
                .create_key(NewApiKey {
                    user_id: user.id,
                    name: "laptop".into(),
                    hash: "h1".into(),
                    access: Access::full(),
                })
                .await
                .expect("key");
        }
        Connection::open(&path)
            .expect("open")
            .execute_batch(&format!("{UNDO_SCHEMA_6}{UNDO_SCHEMA_5}"))
            .expect("downgrade");
        let store = SqliteStore::open(&path).expect("upgrade");
        let key = store
            .key_by_hash("h1")
            .await
            .expect("read")
            .expect("key kept");
        assert_eq!(
            (key.name.as_str(), key.last_used.as_deref()),
            ("laptop", None)
        );
        store
            .touch_key(key.id, "2026-01-02T03:04:05Z".into())
            .await
            .expect("touch");
        let key = store.key_by_hash("h1").await.expect("read").expect("key");
        assert_eq!(key.last_used.as_deref(), Some("2026-01-02T03:04:05Z"));
        store
            .create_session(WebSession {
                id_hash: "s1".into(),
                user_id: key.user_id,
                csrf_token: "t".into(),
                created: crate::clock::now_iso(),
                expires: crate::clock::iso_in(60),
            })
            .await
            .expect("session");
        assert!(store.session("s1").await.expect("read").is_some());
    }

    #[test]
    fn a_schema_5_database_gains_sort_indexes_and_finds_its_items_by_quick_search() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        drop(SqliteStore::open(&path).expect("create"));
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(UNDO_SCHEMA_6).expect("downgrade");
            conn.execute_batch(
                r#"INSERT INTO libraries (id, kind, owner_id, version) VALUES (1, 'user', 1, 9);
                 INSERT INTO items (library_id, key, version, item_type, date_added, sort_title,
                                    data, quick_text)
                 VALUES (1, 'AAAA2222', 4, 'book', '2024-01-01T00:00:00Z', 'glaciers',
                         '{"key":"AAAA2222","version":4,"itemType":"book","title":"Glaciers"}',
                         'glaciers' || char(10) || 'ada lovelace' || char(10) || '1843'),
                        (1, 'BBBB2222', 9, 'book', '2024-02-01T00:00:00Z', 'moraines',
                         '{"key":"BBBB2222","version":9,"itemType":"book","title":"Moraines"}',
                         'moraines' || char(10) || 'ada lovelace' || char(10) || '1999');"#,
            )
            .expect("schema 5 rows");
        }
        drop(SqliteStore::open(&path).expect("upgrade"));
        let conn = Connection::open(&path).expect("open");
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(indexes(&conn), ITEM_INDEXES);
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('items')")
            .expect("columns")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("names");
        assert!(!columns.iter().any(|c| c == "quick_text"), "{columns:?}");
        let found = |text: &str| -> Vec<String> {
            let page = items::query(
                &conn,
                1,
                &ItemQuery {
                    q: Some(text.into()),
                    sort: crate::store::SortField::Title,
                    ..ItemQuery::default()
                },
                &ListingCache::default(),
            )
            .expect("query");
            assert_eq!(page.total, page.rows.len());
            page.rows
                .iter()
                .map(|r| {
                    let item: serde_json::Value = serde_json::from_str(r).expect("stored JSON");
                    item["key"].as_str().unwrap_or_default().to_owned()
                })
                .collect()
        };
        assert_eq!(found("Lovelace"), ["AAAA2222", "BBBB2222"]);
        assert_eq!(found("1843"), ["AAAA2222"]);
        assert_eq!(found("ne"), ["BBBB2222"]);
        assert_eq!(found("ace\n19"), ["BBBB2222"]);
        assert_eq!(found("glaciers moraines"), Vec::<String>::new());
    }

    #[tokio::test]
    async fn storage_is_counted_for_each_library_against_its_owners_quota() {
        use crate::store::{NewGroup, NewUser, Store};
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        let store = SqliteStore::open(&path).expect("create");
        let mut users = Vec::new();
        for name in ["ada", "bob"] {
            let user = store
                .create_user(NewUser {
                    email: format!("{name}@example.org"),
                    username: name.into(),
                    display_name: name.into(),
                    password_hash: "x".into(),
                    is_admin: false,
                })
                .await
                .expect("user");
            users.push(user.id);
        }
        let mut groups = Vec::new();
        for (owner, name) in [
            (users[0], "Glaciers"),
            (users[0], "Empty"),
            (users[1], "Bob's"),
        ] {
            let group = store
                .create_group(NewGroup {
                    owner,
                    name: name.into(),
                    description: String::new(),
                    url: String::new(),
                })
                .await
                .expect("group");
            groups.push(group.id);
        }
        let files = |owner: LibraryOwner, sizes: &[i64]| {
            let conn = Connection::open(&path).expect("open");
            for (n, size) in sizes.iter().enumerate() {
                conn.execute(
                    "INSERT INTO item_files (library_id, item_key, md5, size, filename, mtime, blob)
                     SELECT id, ?3, 'm', ?4, 'f.pdf', 0, 'b' FROM libraries
                     WHERE kind = ?1 AND owner_id = ?2",
                    params![owner.kind(), owner.id() as i64, format!("FILE{n:04}"), size],
                )
                .expect("file");
            }
        };
        files(LibraryOwner::User(users[0]), &[100, 23]);
        files(LibraryOwner::Group(groups[0]), &[1000]);
        files(LibraryOwner::Group(groups[2]), &[5]);
        files(LibraryOwner::User(users[1]), &[7]);
        assert_eq!(
            store.storage_by_library(users[0]).await.expect("usage"),
            [
                (LibraryOwner::User(users[0]), 123),
                (LibraryOwner::Group(groups[0]), 1000),
                (LibraryOwner::Group(groups[1]), 0),
            ]
        );
        assert_eq!(store.storage_usage(users[0]).await.expect("total"), 1123);
        assert_eq!(
            store.storage_by_library(users[1]).await.expect("usage"),
            [
                (LibraryOwner::User(users[1]), 7),
                (LibraryOwner::Group(groups[2]), 5),
            ]
        );
    }

    /// The item and full-text tables as schema 3 made them.
    const SCHEMA_3_ROW_TABLES: &str = "
        DROP TABLE items;
        DROP TABLE fulltext;
        CREATE TABLE items (
            library_id INTEGER NOT NULL REFERENCES libraries(id), key TEXT NOT NULL,
            version INTEGER NOT NULL, item_type TEXT NOT NULL, parent_key TEXT,
            deleted INTEGER NOT NULL DEFAULT 0, date_added TEXT NOT NULL DEFAULT '',
            date_modified TEXT NOT NULL DEFAULT '', sort_title TEXT NOT NULL DEFAULT '',
            sort_creator TEXT NOT NULL DEFAULT '', sort_date TEXT NOT NULL DEFAULT '',
            quick_text TEXT NOT NULL DEFAULT '', full_text TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL, PRIMARY KEY (library_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX items_since ON items(library_id, version, deleted, item_type, parent_key, date_added, date_modified);
        CREATE INDEX items_parent ON items(library_id, parent_key);
        CREATE INDEX items_added ON items(library_id, date_added, key, version, deleted, item_type, parent_key);
        CREATE TABLE fulltext (
            library_id INTEGER NOT NULL, item_key TEXT NOT NULL, version INTEGER NOT NULL,
            data TEXT NOT NULL, search_text TEXT NOT NULL, PRIMARY KEY (library_id, item_key)
        ) WITHOUT ROWID;
        CREATE INDEX fulltext_version ON fulltext(library_id, version);";

    #[test]
    fn a_schema_3_database_keeps_its_items_in_row_tables() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        drop(SqliteStore::open(&path).expect("create"));
        {
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(UNDO_SCHEMA_6).expect("downgrade");
            conn.execute_batch(UNDO_SCHEMA_5).expect("downgrade");
            conn.execute_batch(SCHEMA_3_ROW_TABLES).expect("downgrade");
            conn.execute_batch(
                r#"INSERT INTO libraries (id, kind, owner_id, version) VALUES (1, 'user', 1, 9);
                 INSERT INTO items (library_id, key, version, item_type, date_added, sort_title, data)
                 VALUES (1, 'BBBB2222', 9, 'book', '2024-02-01T00:00:00Z', 'second',
                         '{"key":"BBBB2222","version":9,"itemType":"book","title":"Second"}'),
                        (1, 'AAAA2222', 4, 'book', '2024-01-01T00:00:00Z', 'first',
                         '{"key":"AAAA2222","version":4,"itemType":"book","title":"First"}');
                 INSERT INTO fulltext (library_id, item_key, version, data, search_text)
                 VALUES (1, 'AAAA2222', 5, '{"content":"Glaciers"}', 'glaciers');
                 PRAGMA user_version = 3;"#,
            )
            .expect("schema 3 rows");
        }
        drop(SqliteStore::open(&path).expect("upgrade"));
        let conn = Connection::open(&path).expect("open");
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        for table in ["items", "fulltext"] {
            let sql: String = conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .expect("table");
            assert!(!sql.contains("WITHOUT ROWID"), "{table}: {sql}");
        }
        assert_eq!(indexes(&conn), ITEM_INDEXES);
        // Every row came over, rows numbered in the order items were added.
        let page = items::query(
            &conn,
            1,
            &ItemQuery {
                sort: crate::store::SortField::DateAdded,
                ..ItemQuery::default()
            },
            &ListingCache::default(),
        )
        .expect("query");
        assert_eq!(page.total, 2);
        assert!(page.rows[0].contains("First") && page.rows[1].contains("Second"));
        let ids: Vec<(i64, String)> = conn
            .prepare("SELECT id, key FROM items ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("ids");
        assert_eq!(
            ids,
            [(1, "AAAA2222".to_owned()), (2, "BBBB2222".to_owned())]
        );
        let text: String = conn
            .query_row(
                "SELECT search_text FROM fulltext WHERE item_key = 'AAAA2222'",
                [],
                |r| r.get(0),
            )
            .expect("full text");
        assert_eq!(text, "glaciers");
        // A key is still one row per library.
        let again = conn.execute(
            "INSERT INTO items (library_id, key, version, item_type, data) VALUES (1, 'AAAA2222', 10, 'book', '{}')",
            [],
        );
        assert!(again.is_err());
    }

    /// A database the server made at schema 6, before it stamped an
    /// application id (one user, "ada"), gzipped.
    const SCHEMA_6_WITHOUT_ID: &[u8] = include_bytes!("testdata/server_schema_6_without_id.db.gz");

    fn application_id(path: &Path) -> i32 {
        Connection::open(path)
            .expect("open")
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .expect("id")
    }

    #[tokio::test]
    async fn a_database_from_before_the_application_id_opens_and_is_given_it() {
        use std::io::Read;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(SCHEMA_6_WITHOUT_ID)
            .read_to_end(&mut bytes)
            .expect("fixture");
        std::fs::write(&path, bytes).expect("write");
        assert_eq!(application_id(&path), 0);

        let store = SqliteStore::open(&path).expect("open");
        let ada = store.user_by_username("ada").await.expect("read");
        assert_eq!(ada.map(|u| u.email), Some("ada@example.org".to_owned()));
        drop(store);
        assert_eq!(
            application_id(&path),
            shelfmark_sql::SERVER_DATABASE.application_id
        );
        // A new database gets the id from the start.
        let new = dir.path().join("new.db");
        drop(SqliteStore::open(&new).expect("create"));
        assert_eq!(
            application_id(&new),
            shelfmark_sql::SERVER_DATABASE.application_id
        );
    }

    #[test]
    fn a_library_file_or_another_database_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("dir");
        let library = dir.path().join("library.shelfmark");
        Connection::open(&library)
            .and_then(|c| {
                c.execute_batch("CREATE TABLE items (id INTEGER PRIMARY KEY);")?;
                c.pragma_update(
                    None,
                    "application_id",
                    shelfmark_sql::LIBRARY.application_id,
                )?;
                c.pragma_update(None, "user_version", 7)
            })
            .expect("library");
        let foreign = dir.path().join("foreign.db");
        Connection::open(&foreign)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);"))
            .expect("foreign");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a database").expect("text");
        for (path, what) in [
            (&library, "it is a Shelfmark library"),
            (&foreign, "it is a SQLite database of another application"),
            (&text, "it is not a SQLite database"),
        ] {
            let before = std::fs::read(path).expect("read");
            let err = SqliteStore::open(path).expect_err("refused");
            assert!(matches!(err, StoreError::Unsupported(_)), "{err}");
            assert!(
                err.to_string()
                    .ends_with(&format!("is not a Shelfmark server database: {what}")),
                "{err}"
            );
            assert_eq!(std::fs::read(path).expect("read"), before);
        }
    }

    #[test]
    fn a_schema_1_database_gains_every_listing_index() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        drop(SqliteStore::open(&path).expect("create"));
        {
            // As schema 1 left it.
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(UNDO_SCHEMA_6).expect("downgrade");
            conn.execute_batch(UNDO_SCHEMA_5).expect("downgrade");
            conn.execute_batch(
                "DROP INDEX items_since;
                 DROP INDEX items_added;
                 CREATE INDEX items_version ON items(library_id, version);
                 PRAGMA user_version = 1;",
            )
            .expect("downgrade");
            assert_eq!(indexes(&conn), ["items_parent", "items_version"]);
        }
        drop(SqliteStore::open(&path).expect("upgrade"));
        let conn = Connection::open(&path).expect("open");
        assert_eq!(indexes(&conn), ITEM_INDEXES);
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
    }
}
