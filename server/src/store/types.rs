//! Plain data exchanged with a [`super::Store`].

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shelfmark_protocol::{CollectionData, ItemData, ObjectKey, SavedSearchData};

/// A library's id inside the store.
pub type LibraryId = i64;

/// Whose library: a user's personal one or a group's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LibraryOwner {
    User(u64),
    Group(u64),
}

impl LibraryOwner {
    /// `user` or `group`, as the envelope's `library.type` says.
    pub fn kind(self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Group(_) => "group",
        }
    }

    /// The user's or group's id.
    pub fn id(self) -> u64 {
        match self {
            Self::User(id) | Self::Group(id) => id,
        }
    }

    /// The URL prefix of the library, e.g. `/users/1`.
    pub fn prefix(self) -> String {
        match self {
            Self::User(id) => format!("/users/{id}"),
            Self::Group(id) => format!("/groups/{id}"),
        }
    }
}

/// A library and its current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    pub id: LibraryId,
    pub owner: LibraryOwner,
    pub version: u64,
    /// The owner's user name or the group's name.
    pub name: String,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: u64,
    pub email: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_admin: bool,
    /// Storage quota in megabytes; `None` means the configured default.
    pub quota_mb: Option<u64>,
    pub created: String,
}

/// What is needed to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_admin: bool,
}

/// Access granted to a group library by a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GroupGrant {
    pub library: bool,
    pub write: bool,
}

/// The scopes of an API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// Read the personal library.
    pub library: bool,
    /// See notes.
    pub notes: bool,
    /// Write (personal library; groups by their own grant).
    pub write: bool,
    /// Read and write attachment files.
    pub files: bool,
    /// Access to every group the user belongs to.
    #[serde(default)]
    pub all_groups: Option<GroupGrant>,
    /// Access to particular groups, by group id.
    #[serde(default)]
    pub groups: BTreeMap<u64, GroupGrant>,
}

impl Access {
    /// Full access to the personal library and every group.
    pub fn full() -> Self {
        Self {
            library: true,
            notes: true,
            write: true,
            files: true,
            all_groups: Some(GroupGrant {
                library: true,
                write: true,
            }),
            groups: BTreeMap::new(),
        }
    }

    /// This key's grant for one group.
    pub fn group(&self, group_id: u64) -> GroupGrant {
        self.groups
            .get(&group_id)
            .copied()
            .or(self.all_groups)
            .unwrap_or_default()
    }
}

/// A stored API key (the key itself is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub user_id: u64,
    pub name: String,
    pub hash: String,
    pub access: Access,
    pub created: String,
    /// When the key last authenticated a request (to the minute or so: it is
    /// recorded at most once a minute per key).
    pub last_used: Option<String>,
}

/// What is needed to store a new key.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub user_id: u64,
    pub name: String,
    pub hash: String,
    pub access: Access,
}

/// A member's role in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    /// The role's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// Reads a role name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }

    /// Owners and admins manage members and always write.
    pub fn manages(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

/// One member of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub user_id: u64,
    pub role: Role,
    /// Whether a plain member may edit the library (owners and admins always may).
    pub can_write: bool,
}

impl Membership {
    /// Whether this member may change the group's library.
    pub fn writes(&self) -> bool {
        self.role.manages() || self.can_write
    }
}

/// Joining a group on accepting an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupInvite {
    pub group_id: u64,
    pub role: Role,
    pub can_write: bool,
}

/// An invitation to sign up (and to join a group, when it names one). The
/// one-time token itself is never stored, only its SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub token_hash: String,
    pub invited_by: u64,
    pub group: Option<GroupInvite>,
    pub created: String,
    pub expires: String,
    /// The account made with it; `None` while it is pending.
    pub accepted_by: Option<u64>,
}

/// What is needed to store an invitation.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: String,
    pub token_hash: String,
    pub invited_by: u64,
    pub group: Option<GroupInvite>,
    pub expires: String,
}

/// A signed-in browser. The session id itself is never stored, only its
/// SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub id_hash: String,
    pub user_id: u64,
    /// The token every form of this session carries.
    pub csrf_token: String,
    pub created: String,
    pub expires: String,
}

/// A group (shared library) with its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: u64,
    pub version: u64,
    pub name: String,
    pub owner: u64,
    pub kind: String,
    pub description: String,
    pub url: String,
    pub created: String,
    pub last_modified: String,
    pub members: Vec<Membership>,
}

impl Group {
    /// The membership of `user_id`, if any.
    pub fn member(&self, user_id: u64) -> Option<&Membership> {
        self.members.iter().find(|m| m.user_id == user_id)
    }
}

/// What is needed to create a group.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub owner: u64,
    pub name: String,
    pub description: String,
    pub url: String,
}

/// Which items a query looks at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ItemScope {
    /// Every item (trash excluded unless asked for).
    #[default]
    All,
    /// Items without a parent.
    Top,
    /// Items in the trash only.
    Trash,
    /// Children of one item.
    Children(ObjectKey),
    /// Items directly in a collection (`top`: only those without a parent).
    Collection { key: ObjectKey, top: bool },
}

/// One `tag=` or `itemType=` parameter: any of `values` (OR); each may be negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnyOf(pub Vec<(String, bool)>);

/// How `q` matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QMode {
    #[default]
    TitleCreatorYear,
    Everything,
}

/// What a list of items is sorted by.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SortField {
    #[default]
    DateModified,
    DateAdded,
    Title,
    Creator,
    ItemType,
    Date,
    /// Any other schema field, compared as text.
    Field(String),
}

/// An item query: scope, filters, order and page.
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    pub scope: ItemScope,
    pub since: Option<u64>,
    pub keys: Option<Vec<ObjectKey>>,
    pub include_trashed: bool,
    pub item_types: Vec<AnyOf>,
    pub tags: Vec<AnyOf>,
    pub q: Option<String>,
    pub qmode: QMode,
    /// Hide notes (keys without the notes scope).
    pub hide_notes: bool,
    pub sort: SortField,
    pub descending: bool,
    pub start: usize,
    /// `None` returns every match.
    pub limit: Option<usize>,
}

impl ItemQuery {
    /// The version objects must be newer than, when that filters anything:
    /// every object has a version above 0, so `since=0` asks for everything.
    pub fn changed_since(&self) -> Option<u64> {
        self.since.filter(|since| *since > 0)
    }
}

/// One page of results and the number of all matches.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub total: usize,
    pub rows: Vec<T>,
}

/// A library setting (`tagColors`, `lastPageIndex_…`).
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: Value,
    pub version: u64,
}

/// A tag in use and how many items carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    pub tag: String,
    pub kind: u8,
    pub num_items: u64,
}

/// Keys removed from a library, by object kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Deleted {
    pub collections: Vec<String>,
    pub searches: Vec<String>,
    pub items: Vec<String>,
    pub tags: Vec<String>,
    pub settings: Vec<String>,
}

/// Object kinds with tombstones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Item,
    Collection,
    Search,
    Setting,
    Tag,
}

impl ObjectKind {
    /// The kind's name in the `/deleted` feed and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Item => "items",
            Self::Collection => "collections",
            Self::Search => "searches",
            Self::Setting => "settings",
            Self::Tag => "tags",
        }
    }
}

/// A `Zotero-Write-Token` presented with a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteToken {
    pub key_id: i64,
    pub token: String,
}

/// The file stored for an attachment item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// MD5 of the file, lower-case hex.
    pub md5: String,
    /// Bytes stored (of the zip archive when compressed).
    pub size: u64,
    pub filename: String,
    /// Modification time in milliseconds since the epoch.
    pub mtime: i64,
    pub content_type: String,
    pub charset: String,
    /// The MD5 naming the stored bytes: `md5` itself, or the MD5 of the zip
    /// archive when the client uploaded the file zipped.
    pub blob: String,
    /// The stored bytes are a zip archive of the file.
    pub compressed: bool,
}

/// An authorised upload, waiting for its bytes or its registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The random upload key (the credential of the upload URL).
    pub key: String,
    pub library_id: LibraryId,
    pub item_key: ObjectKey,
    pub file: StoredFile,
    /// Seconds since the epoch.
    pub created: i64,
    /// The bytes arrived and matched the announced MD5 and size.
    pub completed: bool,
}

/// What a write needs to see before deciding.
#[derive(Debug, Clone, Default)]
pub struct WriteRequest {
    /// Items to load by key.
    pub items: Vec<ObjectKey>,
    /// Load every descendant of these items (for cascading deletes).
    pub descendants_of: Vec<ObjectKey>,
    /// Load items in these collections or any collection below them.
    pub items_in_collections: Vec<ObjectKey>,
    /// Load items carrying these tags.
    pub items_with_tags: Vec<String>,
    /// Load every collection of the library.
    pub all_collections: bool,
    pub searches: Vec<ObjectKey>,
    pub settings: Vec<String>,
    /// Check whether this token was used within the last 12 hours.
    pub write_token: Option<WriteToken>,
    /// Load the stored files of these items.
    pub files: Vec<ObjectKey>,
}

/// The state a planner decides on.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub library_version: u64,
    pub items: HashMap<ObjectKey, ItemData>,
    pub collections: HashMap<ObjectKey, CollectionData>,
    pub searches: HashMap<ObjectKey, SavedSearchData>,
    pub settings: HashMap<String, Setting>,
    pub write_token_used: bool,
    pub files: HashMap<ObjectKey, StoredFile>,
}

impl Snapshot {
    /// The version every object changed by this write receives.
    pub fn next_version(&self) -> u64 {
        self.library_version + 1
    }
}

/// Changes to apply under the next library version. Objects carry that
/// version already; deletions leave tombstones with it.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub items: Vec<ItemData>,
    pub collections: Vec<CollectionData>,
    pub searches: Vec<SavedSearchData>,
    pub settings: Vec<Setting>,
    pub delete_items: Vec<ObjectKey>,
    pub delete_collections: Vec<ObjectKey>,
    pub delete_searches: Vec<ObjectKey>,
    pub delete_settings: Vec<String>,
    /// Tags removed from every item (recorded for `/deleted`).
    pub delete_tags: Vec<String>,
    /// Remember this write token for 12 hours.
    pub record_write_token: Option<WriteToken>,
    /// Full-text content set for these items (`{content, indexedPages, …}`).
    pub fulltext: Vec<(ObjectKey, Value)>,
    /// Files now stored for these items (their item data changes too).
    pub attach_files: Vec<(ObjectKey, StoredFile)>,
    /// An upload that is now registered and done with.
    pub finish_upload: Option<String>,
}

impl Changes {
    /// True when nothing would change (the library version stays).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
            && self.collections.is_empty()
            && self.searches.is_empty()
            && self.settings.is_empty()
            && self.delete_items.is_empty()
            && self.delete_collections.is_empty()
            && self.delete_searches.is_empty()
            && self.delete_settings.is_empty()
            && self.delete_tags.is_empty()
            && self.attach_files.is_empty()
            && self.fulltext.is_empty()
    }
}
