//! Metadata storage behind one async trait, so the service runs on SQLite
//! (embedded default) or PostgreSQL with the same behaviour.
//!
//! Reads are plain queries. Writes follow one pattern for every backend: the
//! caller names what it needs to see ([`WriteRequest`]), the backend opens a
//! transaction that serialises writes to the library, loads a [`Snapshot`],
//! hands it to a pure planning function that returns [`Changes`] (or nothing
//! to abort), and applies them under one new library version. The Web API's
//! rules live in the planners, so every backend enforces them identically.

mod changes;
pub mod derive;
mod listing_cache;
pub mod postgres;
pub mod sqlite;
mod types;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use shelfmark_protocol::{CollectionData, ItemData, ObjectKey, SavedSearchData};

pub use changes::{Change, ChangeFeed, ChangeListener};
pub use types::*;

/// Reads an object from the JSON text a backend stored; text that cannot be
/// read back is corruption.
pub(crate) fn parse_stored<T>(
    text: &str,
    read: impl FnOnce(serde_json::Value) -> Result<T, shelfmark_protocol::ValidationError>,
) -> StoreResult<T> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    read(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A storage failure. Input errors are found before the store is asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database error: {0}")]
    Postgres(String),
    #[error("{0} already exists")]
    AlreadyExists(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("storage task failed: {0}")]
    Task(String),
    #[error("{0}")]
    Unsupported(String),
}

impl From<shelfmark_sql::Error> for StoreError {
    fn from(e: shelfmark_sql::Error) -> Self {
        use shelfmark_sql::Error as Sql;
        match e {
            Sql::Sqlite(e) => Self::Sqlite(e),
            // The build lacks a step its schema announces: the server's
            // fault, not the database's.
            e @ (Sql::NoUpgradePath { .. } | Sql::CheckpointThread(_)) => Self::Task(e.to_string()),
            // Not the server's database, or from a newer server.
            e @ (Sql::WrongFile { .. }
            | Sql::TooNew { .. }
            | Sql::AlreadyExists { .. }
            | Sql::Missing { .. }) => Self::Unsupported(e.to_string()),
        }
    }
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// A planning function: sees the snapshot, returns the changes to apply, or
/// `None` to write nothing.
pub type Planner = Box<dyn FnOnce(&Snapshot) -> Option<Changes> + Send>;

/// Everything the service keeps about accounts, groups and library objects.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    // Accounts.
    /// Creates a user and their personal library.
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    /// The user with this id.
    async fn user(&self, id: u64) -> StoreResult<Option<User>>;
    /// The user with this e-mail address (case-insensitive).
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// The user with this user name (exact).
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    /// All users, by id.
    async fn users(&self) -> StoreResult<Vec<User>>;
    /// Sets a user's storage quota in megabytes (`None`: the default).
    async fn set_quota(&self, user_id: u64, megabytes: Option<u64>) -> StoreResult<()>;
    /// Replaces a user's password hash; false when there is no such user.
    async fn set_password(&self, user_id: u64, password_hash: String) -> StoreResult<bool>;
    /// Makes a user an administrator or not; false when there is no such user.
    async fn set_admin(&self, user_id: u64, is_admin: bool) -> StoreResult<bool>;

    // Invitations and web sessions.
    /// Stores an invitation.
    async fn create_invitation(&self, invitation: NewInvitation) -> StoreResult<Invitation>;
    /// The invitation with this token digest, used or not, expired or not.
    async fn invitation_by_token(&self, token_hash: &str) -> StoreResult<Option<Invitation>>;
    /// Invitations not yet accepted, newest first.
    async fn invitations(&self) -> StoreResult<Vec<Invitation>>;
    /// Marks an invitation accepted by `user_id`; false when it already was.
    async fn accept_invitation(&self, id: i64, user_id: u64) -> StoreResult<bool>;
    /// Withdraws an invitation; false when there was none.
    async fn delete_invitation(&self, id: i64) -> StoreResult<bool>;
    /// Stores a signed-in browser's session.
    async fn create_session(&self, session: WebSession) -> StoreResult<()>;
    /// The session with this id digest, unless it has expired.
    async fn session(&self, id_hash: &str) -> StoreResult<Option<WebSession>>;
    /// Ends a session (signing out).
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Ends every session of a user (password changed or reset); how many.
    async fn delete_sessions_of_user(&self, user_id: u64) -> StoreResult<u64>;

    /// Stores a new API key (already hashed).
    async fn create_key(&self, key: NewApiKey) -> StoreResult<ApiKeyRecord>;
    /// The live (unrevoked) key with this hash.
    async fn key_by_hash(&self, hash: &str) -> StoreResult<Option<ApiKeyRecord>>;
    /// A user's live keys.
    async fn keys_of_user(&self, user_id: u64) -> StoreResult<Vec<ApiKeyRecord>>;
    /// Revokes a key by id; false when there was no live key with that id.
    async fn revoke_key(&self, key_id: i64) -> StoreResult<bool>;
    /// Revokes every live key of a user; how many.
    async fn revoke_keys_of_user(&self, user_id: u64) -> StoreResult<u64>;
    /// Records that a key authenticated a request at `when`.
    async fn touch_key(&self, key_id: i64, when: String) -> StoreResult<()>;

    // Groups.
    /// Creates a group owned by `owner`, with its library.
    async fn create_group(&self, group: NewGroup) -> StoreResult<Group>;
    /// The group with this id, with its members.
    async fn group(&self, id: u64) -> StoreResult<Option<Group>>;
    /// Groups a user belongs to.
    async fn groups_of_user(&self, user_id: u64) -> StoreResult<Vec<Group>>;
    /// Adds a member or changes their role; raises the group version.
    async fn set_member(&self, group_id: u64, member: Membership) -> StoreResult<Group>;
    /// Removes a member; raises the group version. False when not a member.
    async fn remove_member(&self, group_id: u64, user_id: u64) -> StoreResult<bool>;
    /// Makes a member the owner, the previous owner an admin, in one step;
    /// raises the group version.
    async fn transfer_group(&self, group_id: u64, new_owner: u64) -> StoreResult<Group>;

    // Libraries.
    /// The library of a user or group, if it exists.
    async fn library(&self, owner: LibraryOwner) -> StoreResult<Option<Library>>;

    // Reads.
    /// Items matching a query, one page of them as their stored JSON text
    /// (written by [`ItemData::to_json_text`]), with the total count.
    async fn query_item_json(&self, lib: LibraryId, query: &ItemQuery)
    -> StoreResult<Page<String>>;
    /// Items matching a query, one page of them, with the total count.
    async fn query_items(&self, lib: LibraryId, query: &ItemQuery) -> StoreResult<Page<ItemData>> {
        let page = self.query_item_json(lib, query).await?;
        let rows = page
            .rows
            .iter()
            .map(|text| parse_stored(text, ItemData::from_json_value))
            .collect::<StoreResult<_>>()?;
        Ok(Page {
            total: page.total,
            rows,
        })
    }
    /// Keys and versions of every item matching a query (paging ignored).
    async fn item_versions(
        &self,
        lib: LibraryId,
        query: &ItemQuery,
    ) -> StoreResult<Vec<(ObjectKey, u64)>>;
    /// Counts of child items (not in the trash) per parent key.
    async fn child_counts(
        &self,
        lib: LibraryId,
        parents: &[ObjectKey],
    ) -> StoreResult<Vec<(ObjectKey, u64)>>;
    /// Every collection of a library.
    async fn collections(&self, lib: LibraryId) -> StoreResult<Vec<CollectionData>>;
    /// Number of items directly in each collection (trash excluded).
    async fn collection_item_counts(&self, lib: LibraryId) -> StoreResult<Vec<(ObjectKey, u64)>>;
    /// Every saved search of a library.
    async fn searches(&self, lib: LibraryId) -> StoreResult<Vec<SavedSearchData>>;
    /// Every setting of a library.
    async fn settings(&self, lib: LibraryId) -> StoreResult<Vec<Setting>>;
    /// Tags in use, with counts, on items matching `query` (all items if none).
    async fn tags(&self, lib: LibraryId, query: &ItemQuery) -> StoreResult<Vec<TagInfo>>;
    /// Keys deleted after `since`.
    async fn deleted_since(&self, lib: LibraryId, since: u64) -> StoreResult<Deleted>;

    // Files.
    /// The file stored for an item, if any.
    async fn item_file(&self, lib: LibraryId, key: &ObjectKey) -> StoreResult<Option<StoredFile>>;
    /// Records an authorised upload.
    async fn create_upload(&self, upload: Upload) -> StoreResult<()>;
    /// An upload by its key.
    async fn upload(&self, key: &str) -> StoreResult<Option<Upload>>;
    /// Marks an upload's bytes as received.
    async fn complete_upload(&self, key: &str) -> StoreResult<()>;
    /// Bytes of files stored in the libraries whose storage counts against
    /// this user (their own and the groups they own).
    async fn storage_usage(&self, user_id: u64) -> StoreResult<u64>;
    /// Bytes of files stored in each library whose storage counts against
    /// this user: their own first, then the groups they own by id, each
    /// listed even when it holds no files.
    async fn storage_by_library(&self, user_id: u64) -> StoreResult<Vec<(LibraryOwner, u64)>>;
    /// MD5s of every blob still needed: stored for an item, or uploaded and
    /// awaiting registration.
    async fn referenced_blobs(&self) -> StoreResult<std::collections::HashSet<String>>;

    // Full text.
    /// Items whose full text changed after `since`, with its version.
    async fn fulltext_versions(
        &self,
        lib: LibraryId,
        since: u64,
    ) -> StoreResult<Vec<(ObjectKey, u64)>>;
    /// An item's full-text JSON and its version.
    async fn fulltext(
        &self,
        lib: LibraryId,
        key: &ObjectKey,
    ) -> StoreResult<Option<(serde_json::Value, u64)>>;

    // Writes.
    /// Loads a snapshot, asks the planner and applies its changes, all in one
    /// transaction that no other write to the library interleaves with.
    /// Returns the library version after the call.
    async fn write(&self, lib: LibraryId, request: WriteRequest, plan: Planner)
    -> StoreResult<u64>;

    /// Where this store's committed changes are announced.
    fn change_feed(&self) -> &ChangeFeed;
}

/// Runs a planner that also produces an answer for the caller. Returns that
/// answer and the library version after the write.
pub async fn plan_write<T, F>(
    store: &dyn Store,
    lib: LibraryId,
    request: WriteRequest,
    plan: F,
) -> StoreResult<(T, u64)>
where
    T: Send + 'static,
    F: FnOnce(&Snapshot) -> (Option<Changes>, T) + Send + 'static,
{
    let slot: Arc<Mutex<Option<(T, u64)>>> = Arc::new(Mutex::new(None));
    let out = Arc::clone(&slot);
    let version = store
        .write(
            lib,
            request,
            Box::new(move |snapshot| {
                let (changes, answer) = plan(snapshot);
                if let Ok(mut guard) = out.lock() {
                    *guard = Some((answer, snapshot.library_version));
                }
                changes
            }),
        )
        .await?;
    let (answer, version_before) = slot
        .lock()
        .ok()
        .and_then(|mut guard| guard.take())
        .ok_or_else(|| StoreError::Task("the write planner did not run".into()))?;
    // Every library write passes here: the one place that announces it.
    if version > version_before {
        store.change_feed().publish(Change::Library {
            library: lib,
            version,
        });
    }
    Ok((answer, version))
}
