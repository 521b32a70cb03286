//! The PostgreSQL backend, for deployments that outgrow one machine's SQLite:
//! the same tables and the same write pattern. A write locks its library's
//! row (`SELECT … FOR UPDATE`), so writes to one library are serialised while
//! different libraries write in parallel.

mod query;
mod sessions;
pub mod tls;
mod write;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use shelfmark_protocol::{CollectionData, ObjectKey, SavedSearchData};
use tokio::sync::Semaphore;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row};

use tls::Connector;

use super::listing_cache::ListingCache;
use super::{
    Access, ApiKeyRecord, ChangeFeed, Deleted, Group, Invitation, ItemQuery, Library, LibraryId,
    LibraryOwner, Membership, NewApiKey, NewGroup, NewInvitation, NewUser, Page, Planner, Role,
    Setting, Store, StoreError, StoreResult, StoredFile, TagInfo, Upload, User, WebSession,
    WriteRequest, parse_stored,
};
use crate::clock::{now_iso, now_unix};

const SCHEMA: &str = include_str!("schema.sql");
const SCHEMA_VERSION: i64 = 5;
/// Upgrades from each earlier schema version to the next, in order.
const UPGRADES: [(i64, &str); 4] = [
    (1, include_str!("upgrade_2.sql")),
    (2, include_str!("upgrade_3.sql")),
    (3, include_str!("upgrade_4.sql")),
    (4, include_str!("upgrade_5.sql")),
];
/// Connections kept at most.
const MAX_CONNECTIONS: usize = 32;
/// Uploads not registered within this many seconds are abandoned.
const UPLOAD_LIFETIME_SECONDS: i64 = 24 * 60 * 60;

impl From<tokio_postgres::Error> for StoreError {
    /// Keeps the causes ("db error: FATAL: …", "error performing TLS
    /// handshake: invalid peer certificate …"), which the driver's own
    /// message leaves out.
    fn from(e: tokio_postgres::Error) -> Self {
        let mut message = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        Self::Postgres(message)
    }
}

fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// A small pool of connections.
#[derive(Debug)]
struct Pool {
    config: tokio_postgres::Config,
    connector: Connector,
    idle: Mutex<Vec<Client>>,
    permits: Semaphore,
}

/// A connection borrowed from the pool; returned when dropped.
struct Conn<'a> {
    pool: &'a Pool,
    client: Option<Client>,
    _permit: tokio::sync::SemaphorePermit<'a>,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client
            .as_ref()
            .expect("a borrowed connection is present until dropped")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a borrowed connection is present until dropped")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && !client.is_closed()
            && let Ok(mut idle) = self.pool.idle.lock()
        {
            idle.push(client);
        }
    }
}

impl Pool {
    /// Opens a new connection, its I/O driven by a task of its own.
    async fn connect(&self) -> StoreResult<Client> {
        fn ended(e: tokio_postgres::Error) {
            tracing::warn!(error = %e, "PostgreSQL connection ended");
        }
        Ok(match &self.connector {
            Connector::Plain => {
                let (client, connection) = self.config.connect(NoTls).await?;
                tokio::spawn(async move { connection.await.map_err(ended) });
                client
            }
            Connector::Tls(tls) => {
                let (client, connection) = self.config.connect(tls.clone()).await?;
                tokio::spawn(async move { connection.await.map_err(ended) });
                client
            }
        })
    }

    async fn get(&self) -> StoreResult<Conn<'_>> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let client = match reused {
            Some(c) if !c.is_closed() => c,
            _ => self.connect().await?,
        };
        Ok(Conn {
            pool: self,
            client: Some(client),
            _permit: permit,
        })
    }
}

/// Metadata in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: Arc<Pool>,
    listings: Arc<ListingCache>,
    changes: ChangeFeed,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`, with `sslmode` and
    /// `sslrootcert` as in libpq) and creates the tables on first use.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let (url, tls) = tls::split_url(url)?;
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e: tokio_postgres::Error| {
                StoreError::Unsupported(format!("database URL: {e}"))
            })?;
        let connector = tls::connector(&tls, &mut config)?;
        let store = Self {
            pool: Arc::new(Pool {
                config,
                connector,
                idle: Mutex::new(Vec::new()),
                permits: Semaphore::new(MAX_CONNECTIONS),
            }),
            listings: Arc::new(ListingCache::default()),
            changes: ChangeFeed::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        // One server at a time creates the tables.
        tx.execute("SELECT pg_advisory_xact_lock(7411)", &[])
            .await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_meta (version BIGINT NOT NULL)")
            .await?;
        let version: Option<i64> = tx
            .query_opt("SELECT version FROM schema_meta", &[])
            .await?
            .map(|r| r.get(0));
        match version {
            None => {
                tx.batch_execute(SCHEMA).await?;
                tx.execute(
                    "INSERT INTO schema_meta (version) VALUES ($1)",
                    &[&SCHEMA_VERSION],
                )
                .await?;
            }
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StoreError::Unsupported(format!(
                    "database schema version {v} is newer than this server ({SCHEMA_VERSION})"
                )));
            }
            Some(v) if v < SCHEMA_VERSION => {
                for (_, sql) in UPGRADES.iter().filter(|(from, _)| *from >= v) {
                    tx.batch_execute(sql).await?;
                }
                tx.execute("UPDATE schema_meta SET version = $1", &[&SCHEMA_VERSION])
                    .await?;
            }
            Some(_) => {}
        }
        ensure_trigram_index(&tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Quick search's index: trigrams of each item's quick-search text, from the
/// `pg_trgm` extension (part of PostgreSQL's contrib modules, in Debian's
/// `postgresql` package; a trusted extension that a database owner may
/// create). A database where it cannot be created still answers quick
/// searches, by reading every item of the library; the warning says how to
/// add the index.
async fn ensure_trigram_index(tx: &tokio_postgres::Transaction<'_>) -> StoreResult<()> {
    tx.batch_execute("SAVEPOINT trigram_index").await?;
    let made = tx
        .batch_execute(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;
             CREATE INDEX IF NOT EXISTS items_quick ON items USING gin (quick_text gin_trgm_ops);",
        )
        .await;
    match made {
        Ok(()) => tx.batch_execute("RELEASE SAVEPOINT trigram_index").await?,
        Err(e) => {
            tx.batch_execute("ROLLBACK TO SAVEPOINT trigram_index")
                .await?;
            tracing::warn!(
                error = %StoreError::from(e),
                "quick search has no trigram index: as a database superuser, run \
                 `CREATE EXTENSION pg_trgm;` in this database and restart the server"
            );
        }
    }
    Ok(())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn parse_key(text: &str) -> StoreResult<ObjectKey> {
    ObjectKey::parse(text).map_err(corrupt)
}

const USER_COLUMNS: &str =
    "id, email, username, display_name, password_hash, is_admin, quota_mb, created";

fn user_row(r: &Row) -> User {
    User {
        id: r.get::<_, i64>(0) as u64,
        email: r.get(1),
        username: r.get(2),
        display_name: r.get(3),
        password_hash: r.get(4),
        is_admin: r.get(5),
        quota_mb: r.get::<_, Option<i64>>(6).map(|q| q as u64),
        created: r.get(7),
    }
}

fn key_row(r: &Row) -> StoreResult<ApiKeyRecord> {
    let access: Access = serde_json::from_str(r.get::<_, &str>(4)).map_err(corrupt)?;
    Ok(ApiKeyRecord {
        id: r.get(0),
        user_id: r.get::<_, i64>(1) as u64,
        name: r.get(2),
        hash: r.get(3),
        access,
        created: r.get(5),
        last_used: r.get(6),
    })
}

fn file_row(r: &Row, at: usize) -> StoredFile {
    StoredFile {
        md5: r.get(at),
        size: r.get::<_, i64>(at + 1) as u64,
        filename: r.get(at + 2),
        mtime: r.get(at + 3),
        content_type: r.get(at + 4),
        charset: r.get(at + 5),
        blob: r.get(at + 6),
        compressed: r.get(at + 7),
    }
}

async fn group_in(c: &impl tokio_postgres::GenericClient, id: u64) -> StoreResult<Option<Group>> {
    let Some(r) = c
        .query_opt(
            "SELECT id, version, name, owner_id, type, description, url, created, last_modified
             FROM groups WHERE id = $1",
            &[&(id as i64)],
        )
        .await?
    else {
        return Ok(None);
    };
    let mut group = Group {
        id: r.get::<_, i64>(0) as u64,
        version: r.get::<_, i64>(1) as u64,
        name: r.get(2),
        owner: r.get::<_, i64>(3) as u64,
        kind: r.get(4),
        description: r.get(5),
        url: r.get(6),
        created: r.get(7),
        last_modified: r.get(8),
        members: Vec::new(),
    };
    for m in c
        .query(
            "SELECT user_id, role, can_write FROM group_members WHERE group_id = $1 ORDER BY user_id",
            &[&(id as i64)],
        )
        .await?
    {
        let role: String = m.get(1);
        group.members.push(Membership {
            user_id: m.get::<_, i64>(0) as u64,
            role: Role::parse(&role).ok_or_else(|| corrupt(format!("unknown group role {role:?}")))?,
            can_write: m.get(2),
        });
    }
    Ok(Some(group))
}

async fn user_exists(c: &impl tokio_postgres::GenericClient, id: u64) -> StoreResult<bool> {
    Ok(
        c.query_opt("SELECT 1 FROM users WHERE id = $1", &[&(id as i64)])
            .await?
            .is_some(),
    )
}

async fn touch_group(c: &impl tokio_postgres::GenericClient, id: u64) -> StoreResult<()> {
    c.execute(
        "UPDATE groups SET version = version + 1, last_modified = $1 WHERE id = $2",
        &[&now_iso(), &(id as i64)],
    )
    .await?;
    Ok(())
}

/// Statement parameters.
type Params = Vec<Box<dyn ToSql + Sync + Send>>;

fn refs(params: &Params) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

#[async_trait]
impl Store for PgStore {
    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let created = now_iso();
        let row = tx
            .query_one(
                "INSERT INTO users (email, username, display_name, password_hash, is_admin, created)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &user.email,
                    &user.username,
                    &user.display_name,
                    &user.password_hash,
                    &user.is_admin,
                    &created,
                ],
            )
            .await;
        let id: i64 = match row {
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists(format!(
                    "a user with e-mail {:?} or name {:?}",
                    user.email, user.username
                )));
            }
            other => other?.get(0),
        };
        tx.execute(
            "INSERT INTO libraries (kind, owner_id, version) VALUES ('user', $1, 0)",
            &[&id],
        )
        .await?;
        tx.commit().await?;
        Ok(User {
            id: id as u64,
            email: user.email,
            username: user.username,
            display_name: user.display_name,
            password_hash: user.password_hash,
            is_admin: user.is_admin,
            quota_mb: None,
            created,
        })
    }

    async fn user(&self, id: u64) -> StoreResult<Option<User>> {
        let conn = self.pool.get().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        Ok(conn
            .query_opt(&sql, &[&(id as i64)])
            .await?
            .as_ref()
            .map(user_row))
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let conn = self.pool.get().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1)");
        Ok(conn
            .query_opt(&sql, &[&email])
            .await?
            .as_ref()
            .map(user_row))
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        let conn = self.pool.get().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        Ok(conn
            .query_opt(&sql, &[&username])
            .await?
            .as_ref()
            .map(user_row))
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        let conn = self.pool.get().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        Ok(conn.query(&sql, &[]).await?.iter().map(user_row).collect())
    }

    async fn set_quota(&self, user_id: u64, megabytes: Option<u64>) -> StoreResult<()> {
        let conn = self.pool.get().await?;
        let n = conn
            .execute(
                "UPDATE users SET quota_mb = $1 WHERE id = $2",
                &[&megabytes.map(|m| m as i64), &(user_id as i64)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        Ok(())
    }

    async fn set_password(&self, user_id: u64, password_hash: String) -> StoreResult<bool> {
        let conn = self.pool.get().await?;
        Ok(conn
            .execute(
                "UPDATE users SET password_hash = $1 WHERE id = $2",
                &[&password_hash, &(user_id as i64)],
            )
            .await?
            > 0)
    }

    async fn set_admin(&self, user_id: u64, is_admin: bool) -> StoreResult<bool> {
        let conn = self.pool.get().await?;
        Ok(conn
            .execute(
                "UPDATE users SET is_admin = $1 WHERE id = $2",
                &[&is_admin, &(user_id as i64)],
            )
            .await?
            > 0)
    }

    async fn create_invitation(&self, invitation: NewInvitation) -> StoreResult<Invitation> {
        let conn = self.pool.get().await?;
        sessions::create_invitation(&*conn, invitation).await
    }

    async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<Invitation>> {
        let conn = self.pool.get().await?;
        sessions::invitation_by_token(&*conn, token_hash).await
    }

    async fn invitations(&self) -> StoreResult<Vec<Invitation>> {
        let conn = self.pool.get().await?;
        sessions::invitations(&*conn).await
    }

    async fn accept_invitation(&self, id: i64, user_id: u64) -> StoreResult<bool> {
        let conn = self.pool.get().await?;
        Ok(conn
            .execute(
                "UPDATE invitations SET accepted_by = $1 WHERE id = $2 AND accepted_by IS NULL",
                &[&(user_id as i64), &id],
            )
            .await?
            > 0)
    }

    async fn delete_invitation(&self, id: i64) -> StoreResult<bool> {
        let conn = self.pool.get().await?;
        Ok(conn
            .execute("DELETE FROM invitations WHERE id = $1", &[&id])
            .await?
            > 0)
    }

    async fn create_session(&self, session: WebSession) -> StoreResult<()> {
        let conn = self.pool.get().await?;
        sessions::create_session(&*conn, session).await
    }

    async fn session(&self, id_hash: &str) -> StoreResult<Option<WebSession>> {
        let conn = self.pool.get().await?;
        sessions::session(&*conn, id_hash).await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let conn = self.pool.get().await?;
        conn.execute("DELETE FROM web_sessions WHERE id_hash = $1", &[&id_hash])
            .await?;
        Ok(())
    }

    async fn delete_sessions_of_user(&self, user_id: u64) -> StoreResult<u64> {
        let conn = self.pool.get().await?;
        Ok(conn
            .execute(
                "DELETE FROM web_sessions WHERE user_id = $1",
                &[&(user_id as i64)],
            )
            .await?)
    }

    async fn create_key(&self, key: NewApiKey) -> StoreResult<ApiKeyRecord> {
        let conn = self.pool.get().await?;
        if !user_exists(&*conn, key.user_id).await? {
            return Err(StoreError::NotFound(format!("user {}", key.user_id)));
        }
        let access = serde_json::to_string(&key.access).map_err(corrupt)?;
        let created = now_iso();
        let id: i64 = conn
            .query_one(
                "INSERT INTO api_keys (user_id, name, hash, access, created)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &(key.user_id as i64),
                    &key.name,
                    &key.hash,
                    &access,
                    &created,
                ],
            )
            .await?
            .get(0);
        Ok(ApiKeyRecord {
            id,
            user_id: key.user_id,
            name: key.name,
            hash: key.hash,
            access: key.access,
            created,
            last_used: None,
        })
    }

    async fn key_by_hash(&self, hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        let conn = self.pool.get().await?;
        conn.query_opt(
            "SELECT id, user_id, name, hash, access, created, last_used FROM api_keys
             WHERE hash = $1 AND NOT revoked",
            &[&hash],
        )
        .await?
        .as_ref()
        .map(key_row)
        .transpose()
    }

    async fn keys_of_user(&self, user_id: u64) -> StoreResult<Vec<ApiKeyRecord>> {
        let conn = self.pool.get().await?;
        conn.query(
            "SELECT id, user_id, name, hash, access, created, last_used FROM api_keys
             WHERE user_id = $1 AND NOT revoked ORDER BY id",
            &[&(user_id as i64)],
        )
        .await?
        .iter()
        .map(key_row)
        .collect()
    }

    async fn revoke_key(&self, key_id: i64) -> StoreResult<bool> {
        let conn = self.pool.get().await?;
        Ok(conn
            .execute(
                "UPDATE api_keys SET revoked = TRUE WHERE id = $1 AND NOT revoked",
                &[&key_id],
            )
            .await?
            > 0)
    }

    async fn revoke_keys_of_user(&self, user_id: u64) -> StoreResult<u64> {
        let conn = self.pool.get().await?;
        Ok(conn
            .execute(
                "UPDATE api_keys SET revoked = TRUE WHERE user_id = $1 AND NOT revoked",
                &[&(user_id as i64)],
            )
            .await?)
    }

    async fn touch_key(&self, key_id: i64, when: String) -> StoreResult<()> {
        let conn = self.pool.get().await?;
        conn.execute(
            "UPDATE api_keys SET last_used = $1 WHERE id = $2",
            &[&when, &key_id],
        )
        .await?;
        Ok(())
    }

    async fn create_group(&self, group: NewGroup) -> StoreResult<Group> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        if !user_exists(&tx, group.owner).await? {
            return Err(StoreError::NotFound(format!("user {}", group.owner)));
        }
        let now = now_iso();
        let id: i64 = tx
            .query_one(
                "INSERT INTO groups (version, name, owner_id, description, url, created, last_modified)
                 VALUES (1, $1, $2, $3, $4, $5, $5) RETURNING id",
                &[&group.name, &(group.owner as i64), &group.description, &group.url, &now],
            )
            .await?
            .get(0);
        tx.execute(
            "INSERT INTO group_members (group_id, user_id, role, can_write) VALUES ($1, $2, 'owner', TRUE)",
            &[&id, &(group.owner as i64)],
        )
        .await?;
        tx.execute(
            "INSERT INTO libraries (kind, owner_id, version) VALUES ('group', $1, 0)",
            &[&id],
        )
        .await?;
        let out = group_in(&tx, id as u64)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("group {id}")))?;
        tx.commit().await?;
        Ok(out)
    }

    async fn group(&self, id: u64) -> StoreResult<Option<Group>> {
        let conn = self.pool.get().await?;
        group_in(&*conn, id).await
    }

    async fn groups_of_user(&self, user_id: u64) -> StoreResult<Vec<Group>> {
        let conn = self.pool.get().await?;
        let ids: Vec<i64> = conn
            .query(
                "SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY group_id",
                &[&(user_id as i64)],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut out = Vec::new();
        for id in ids {
            if let Some(g) = group_in(&*conn, id as u64).await? {
                out.push(g);
            }
        }
        Ok(out)
    }

    async fn set_member(&self, group_id: u64, member: Membership) -> StoreResult<Group> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        if group_in(&tx, group_id).await?.is_none() {
            return Err(StoreError::NotFound(format!("group {group_id}")));
        }
        if !user_exists(&tx, member.user_id).await? {
            return Err(StoreError::NotFound(format!("user {}", member.user_id)));
        }
        tx.execute(
            "INSERT INTO group_members (group_id, user_id, role, can_write) VALUES ($1, $2, $3, $4)
             ON CONFLICT (group_id, user_id) DO UPDATE SET role = EXCLUDED.role,
                 can_write = EXCLUDED.can_write",
            &[
                &(group_id as i64),
                &(member.user_id as i64),
                &member.role.as_str(),
                &member.can_write,
            ],
        )
        .await?;
        if member.role == Role::Owner {
            tx.execute(
                "UPDATE groups SET owner_id = $1 WHERE id = $2",
                &[&(member.user_id as i64), &(group_id as i64)],
            )
            .await?;
        }
        touch_group(&tx, group_id).await?;
        let out = group_in(&tx, group_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("group {group_id}")))?;
        tx.commit().await?;
        Ok(out)
    }

    async fn remove_member(&self, group_id: u64, user_id: u64) -> StoreResult<bool> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        let n = tx
            .execute(
                "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2",
                &[&(group_id as i64), &(user_id as i64)],
            )
            .await?;
        if n > 0 {
            touch_group(&tx, group_id).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn transfer_group(&self, group_id: u64, new_owner: u64) -> StoreResult<Group> {
        let mut conn = self.pool.get().await?;
        let tx = conn.transaction().await?;
        // The group row is locked so that two transfers cannot interleave.
        tx.execute(
            "SELECT 1 FROM groups WHERE id = $1 FOR UPDATE",
            &[&(group_id as i64)],
        )
        .await?;
        let group = group_in(&tx, group_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("group {group_id}")))?;
        if group.member(new_owner).is_none() {
            return Err(StoreError::NotFound(format!(
                "user {new_owner} among the members of group {group_id}"
            )));
        }
        if group.owner != new_owner {
            tx.execute(
                "UPDATE group_members SET role = 'admin', can_write = TRUE
                 WHERE group_id = $1 AND user_id = $2",
                &[&(group_id as i64), &(group.owner as i64)],
            )
            .await?;
            tx.execute(
                "UPDATE group_members SET role = 'owner', can_write = TRUE
                 WHERE group_id = $1 AND user_id = $2",
                &[&(group_id as i64), &(new_owner as i64)],
            )
            .await?;
            tx.execute(
                "UPDATE groups SET owner_id = $1 WHERE id = $2",
                &[&(new_owner as i64), &(group_id as i64)],
            )
            .await?;
            touch_group(&tx, group_id).await?;
        }
        let out = group_in(&tx, group_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("group {group_id}")))?;
        tx.commit().await?;
        Ok(out)
    }

    async fn library(&self, owner: LibraryOwner) -> StoreResult<Option<Library>> {
        let conn = self.pool.get().await?;
        let Some(r) = conn
            .query_opt(
                "SELECT l.id, l.version,
                     CASE WHEN l.kind = 'user' THEN (SELECT username FROM users WHERE id = l.owner_id)
                          ELSE (SELECT name FROM groups WHERE id = l.owner_id) END
                 FROM libraries l WHERE l.kind = $1 AND l.owner_id = $2",
                &[&owner.kind(), &(owner.id() as i64)],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Library {
            id: r.get(0),
            owner,
            version: r.get::<_, i64>(1) as u64,
            name: r.get::<_, Option<String>>(2).unwrap_or_default(),
        }))
    }

    async fn query_item_json(&self, lib: LibraryId, q: &ItemQuery) -> StoreResult<Page<String>> {
        let mut conn = self.pool.get().await?;
        let tx = conn
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let page = query::items(&tx, lib, q, &self.listings).await?;
        tx.commit().await?;
        Ok(page)
    }

    async fn item_versions(
        &self,
        lib: LibraryId,
        q: &ItemQuery,
    ) -> StoreResult<Vec<(ObjectKey, u64)>> {
        let conn = self.pool.get().await?;
        query::versions(&conn, lib, q).await
    }

    async fn child_counts(
        &self,
        lib: LibraryId,
        parents: &[ObjectKey],
    ) -> StoreResult<Vec<(ObjectKey, u64)>> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        let conn = self.pool.get().await?;
        let keys: Vec<String> = parents.iter().map(ToString::to_string).collect();
        let rows = conn
            .query(
                "SELECT parent_key, COUNT(*) FROM items WHERE library_id = $1 AND NOT deleted
                 AND parent_key = ANY($2) GROUP BY parent_key",
                &[&lib, &keys],
            )
            .await?;
        let counts: std::collections::HashMap<String, i64> =
            rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        Ok(parents
            .iter()
            .map(|k| {
                (
                    k.clone(),
                    counts.get(k.as_str()).copied().unwrap_or(0) as u64,
                )
            })
            .collect())
    }

    async fn collections(&self, lib: LibraryId) -> StoreResult<Vec<CollectionData>> {
        let conn = self.pool.get().await?;
        conn.query(
            "SELECT data FROM collections WHERE library_id = $1",
            &[&lib],
        )
        .await?
        .iter()
        .map(|r| parse_stored(r.get(0), CollectionData::from_json_value))
        .collect()
    }

    async fn collection_item_counts(&self, lib: LibraryId) -> StoreResult<Vec<(ObjectKey, u64)>> {
        let conn = self.pool.get().await?;
        conn.query(
            "SELECT c.collection_key, COUNT(*) FROM item_collections c
             JOIN items i ON i.library_id = c.library_id AND i.key = c.item_key
             WHERE c.library_id = $1 AND NOT i.deleted GROUP BY c.collection_key",
            &[&lib],
        )
        .await?
        .iter()
        .map(|r| Ok((parse_key(r.get(0))?, r.get::<_, i64>(1) as u64)))
        .collect()
    }

    async fn searches(&self, lib: LibraryId) -> StoreResult<Vec<SavedSearchData>> {
        let conn = self.pool.get().await?;
        conn.query("SELECT data FROM searches WHERE library_id = $1", &[&lib])
            .await?
            .iter()
            .map(|r| parse_stored(r.get(0), SavedSearchData::from_json_value))
            .collect()
    }

    async fn settings(&self, lib: LibraryId) -> StoreResult<Vec<Setting>> {
        let conn = self.pool.get().await?;
        write::load_settings(&*conn, lib, None).await
    }

    async fn tags(&self, lib: LibraryId, q: &ItemQuery) -> StoreResult<Vec<TagInfo>> {
        let conn = self.pool.get().await?;
        query::tags(&conn, lib, q).await
    }

    async fn deleted_since(&self, lib: LibraryId, since: u64) -> StoreResult<Deleted> {
        let conn = self.pool.get().await?;
        let rows = conn
            .query(
                "SELECT kind, key FROM tombstones WHERE library_id = $1 AND version > $2
                 ORDER BY version, key",
                &[&lib, &(since as i64)],
            )
            .await?;
        let mut out = Deleted::default();
        for r in rows {
            let key: String = r.get(1);
            match r.get::<_, &str>(0) {
                "items" => out.items.push(key),
                "collections" => out.collections.push(key),
                "searches" => out.searches.push(key),
                "settings" => out.settings.push(key),
                "tags" => out.tags.push(key),
                _ => {}
            }
        }
        Ok(out)
    }

    async fn item_file(&self, lib: LibraryId, key: &ObjectKey) -> StoreResult<Option<StoredFile>> {
        let conn = self.pool.get().await?;
        write::item_file(&*conn, lib, key).await
    }

    async fn create_upload(&self, u: Upload) -> StoreResult<()> {
        let conn = self.pool.get().await?;
        conn.execute(
            "DELETE FROM uploads WHERE created < $1",
            &[&(now_unix() - UPLOAD_LIFETIME_SECONDS)],
        )
        .await?;
        conn.execute(
            "INSERT INTO uploads (upload_key, library_id, item_key, md5, size, filename, mtime,
                 content_type, charset, blob, compressed, created, completed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                &u.key,
                &u.library_id,
                &u.item_key.as_str(),
                &u.file.md5,
                &(u.file.size as i64),
                &u.file.filename,
                &u.file.mtime,
                &u.file.content_type,
                &u.file.charset,
                &u.file.blob,
                &u.file.compressed,
                &u.created,
                &u.completed,
            ],
        )
        .await?;
        Ok(())
    }

    async fn upload(&self, key: &str) -> StoreResult<Option<Upload>> {
        let conn = self.pool.get().await?;
        let Some(r) = conn
            .query_opt(
                "SELECT library_id, item_key, md5, size, filename, mtime, content_type, charset,
                     blob, compressed, created, completed
                 FROM uploads WHERE upload_key = $1 AND created >= $2",
                &[&key, &(now_unix() - UPLOAD_LIFETIME_SECONDS)],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Upload {
            key: key.to_owned(),
            library_id: r.get(0),
            item_key: parse_key(r.get(1))?,
            file: file_row(&r, 2),
            created: r.get(10),
            completed: r.get(11),
        }))
    }

    async fn complete_upload(&self, key: &str) -> StoreResult<()> {
        let conn = self.pool.get().await?;
        conn.execute(
            "UPDATE uploads SET completed = TRUE WHERE upload_key = $1",
            &[&key],
        )
        .await?;
        Ok(())
    }

    async fn storage_usage(&self, user_id: u64) -> StoreResult<u64> {
        let conn = self.pool.get().await?;
        let total: i64 = conn
            .query_one(
                "SELECT COALESCE(SUM(f.size), 0)::BIGINT FROM item_files f
                 JOIN libraries l ON l.id = f.library_id
                 WHERE (l.kind = 'user' AND l.owner_id = $1)
                    OR (l.kind = 'group' AND l.owner_id IN (SELECT id FROM groups WHERE owner_id = $1))",
                &[&(user_id as i64)],
            )
            .await?
            .get(0);
        Ok(total as u64)
    }

    async fn storage_by_library(&self, user_id: u64) -> StoreResult<Vec<(LibraryOwner, u64)>> {
        let conn = self.pool.get().await?;
        let rows = conn
            .query(
                "SELECT l.kind, l.owner_id,
                        (SELECT COALESCE(SUM(f.size), 0)::BIGINT FROM item_files f
                         WHERE f.library_id = l.id)
                 FROM libraries l
                 WHERE (l.kind = 'user' AND l.owner_id = $1)
                    OR (l.kind = 'group' AND l.owner_id IN (SELECT id FROM groups WHERE owner_id = $1))
                 ORDER BY l.kind = 'group', l.owner_id",
                &[&(user_id as i64)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let id = r.get::<_, i64>(1) as u64;
                let owner = match r.get::<_, &str>(0) {
                    "user" => LibraryOwner::User(id),
                    _ => LibraryOwner::Group(id),
                };
                (owner, r.get::<_, i64>(2) as u64)
            })
            .collect())
    }

    async fn referenced_blobs(&self) -> StoreResult<HashSet<String>> {
        let conn = self.pool.get().await?;
        let mut out = HashSet::new();
        for r in conn
            .query("SELECT DISTINCT blob FROM item_files", &[])
            .await?
        {
            out.insert(r.get(0));
        }
        for r in conn
            .query(
                "SELECT DISTINCT blob FROM uploads WHERE created >= $1",
                &[&(now_unix() - UPLOAD_LIFETIME_SECONDS)],
            )
            .await?
        {
            out.insert(r.get(0));
        }
        Ok(out)
    }

    async fn fulltext_versions(
        &self,
        lib: LibraryId,
        since: u64,
    ) -> StoreResult<Vec<(ObjectKey, u64)>> {
        let conn = self.pool.get().await?;
        conn.query(
            "SELECT item_key, version FROM fulltext WHERE library_id = $1 AND version > $2
             ORDER BY version, item_key",
            &[&lib, &(since as i64)],
        )
        .await?
        .iter()
        .map(|r| Ok((parse_key(r.get(0))?, r.get::<_, i64>(1) as u64)))
        .collect()
    }

    async fn fulltext(
        &self,
        lib: LibraryId,
        key: &ObjectKey,
    ) -> StoreResult<Option<(serde_json::Value, u64)>> {
        let conn = self.pool.get().await?;
        conn.query_opt(
            "SELECT data, version FROM fulltext WHERE library_id = $1 AND item_key = $2",
            &[&lib, &key.as_str()],
        )
        .await?
        .map(|r| {
            let value = serde_json::from_str(r.get(0)).map_err(corrupt)?;
            Ok((value, r.get::<_, i64>(1) as u64))
        })
        .transpose()
    }

    async fn write(
        &self,
        lib: LibraryId,
        request: WriteRequest,
        plan: Planner,
    ) -> StoreResult<u64> {
        let mut conn = self.pool.get().await?;
        write::write(&mut conn, lib, &request, plan).await
    }

    fn change_feed(&self) -> &ChangeFeed {
        &self.changes
    }
}
