//! Every operation the API answers, one row each. Library paths start with
//! `{lib}` and are served under `/users/{userID}` and `/groups/{groupID}`.
//! Adding a route to the router without a row here (or the reverse) fails
//! `tests/openapi_contract.rs`.

/// What a request carries in its body.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    None,
    /// A JSON object of this schema.
    Json(&'static str),
    /// A JSON array of up to `max` objects of this schema.
    Batch(&'static str, usize),
    /// Form fields (`application/x-www-form-urlencoded`) of this schema.
    Form(&'static str),
    /// A file's bytes, raw or as the `file` part of a multipart form.
    FileBytes,
}

/// What a successful answer is.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// JSON of this schema with this status, without a library version.
    Json(u16, &'static str),
    /// JSON of this schema with `Last-Modified-Version`.
    Versioned(u16, &'static str),
    /// `204 No Content` with `Last-Modified-Version`.
    NoContent,
    /// `204 No Content` and nothing else.
    Empty,
    /// `201 Created` without a body.
    Created,
    /// A listing of items in any item format, paged.
    ItemList,
    /// One item in any item format.
    Item,
    /// A paged listing of objects of this schema (`format=json|keys|versions`).
    ObjectList(&'static str),
    /// A paged listing of tags.
    TagList,
    /// The groups of a user (`format=json|keys|versions`).
    GroupList,
    /// `text/plain`.
    Text,
    /// A file's bytes.
    File,
    /// `302` to where a file's bytes are.
    Redirect,
    /// `200` with a file authorisation, or `204` when an upload is registered.
    FileAuthorization,
    /// `101`: the connection becomes a WebSocket.
    WebSocket,
}

/// Who may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// Anyone; no key is read.
    Anyone,
    /// A key is read (required or optional): wrong keys are refused and
    /// counted, and each key has a request rate.
    Key,
}

/// One operation.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    pub caller: Caller,
    /// Query parameters by name (see `query_parameter`).
    pub query: &'static [&'static str],
    pub body: Body,
    pub answer: Answer,
    /// Answers 304 to `If-Modified-Since-Version`.
    pub conditional: bool,
    /// Error statuses beyond those every operation of its kind answers.
    pub errors: &'static [u16],
}

impl Op {
    const fn new(
        method: &'static str,
        path: &'static str,
        summary: &'static str,
        tag: &'static str,
    ) -> Self {
        Self {
            method,
            path,
            summary,
            tag,
            caller: Caller::Key,
            query: &[],
            body: Body::None,
            answer: Answer::Empty,
            conditional: false,
            errors: &[],
        }
    }
    const fn anyone(mut self) -> Self {
        self.caller = Caller::Anyone;
        self
    }
    const fn query(mut self, query: &'static [&'static str]) -> Self {
        self.query = query;
        self
    }
    const fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
    const fn answer(mut self, answer: Answer) -> Self {
        self.answer = answer;
        self
    }
    const fn conditional(mut self) -> Self {
        self.conditional = true;
        self
    }
    const fn errors(mut self, errors: &'static [u16]) -> Self {
        self.errors = errors;
        self
    }

    /// Whether the path is inside a library (`{lib}/…`).
    pub fn in_library(&self) -> bool {
        self.path.starts_with("{lib}")
    }
}

/// Filters of item listings.
const ITEM_LIST: &[&str] = &[
    "format",
    "include",
    "content",
    "style",
    "locale",
    "linkwrap",
    "limit",
    "start",
    "since",
    "itemKey",
    "itemType",
    "tag",
    "q",
    "qmode",
    "sort",
    "direction",
    "includeTrashed",
];
/// One item's formats.
const ITEM_ONE: &[&str] = &[
    "format", "include", "content", "style", "locale", "linkwrap",
];
/// Tag listings: the tags' own filters, then those of the items whose tags
/// are listed.
const TAG_LIST: &[&str] = &[
    "format",
    "tagQ",
    "tagQmode",
    "tagSort",
    "direction",
    "limit",
    "start",
    "since",
    "itemKey",
    "itemType",
    "itemQ",
    "itemQMode",
    "itemTag",
    "includeTrashed",
];
/// Collections and searches.
const OBJECT_LIST: &[&str] = &["objectFormat", "include", "limit", "start", "since"];
const OBJECT_ONE: &[&str] = &["objectFormat", "include"];

/// Statuses of a write inside a library.
const WRITE: &[u16] = &[409, 412, 413, 428];

/// Every operation.
pub const OPS: &[Op] = &[
    // The service.
    Op::new(
        "get",
        "/health",
        "Whether the service and its store answer",
        "service",
    )
    .anyone()
    .answer(Answer::Text)
    .errors(&[503]),
    Op::new(
        "get",
        "/shelfmark/capabilities",
        "Extensions this server offers beyond the Web API",
        "service",
    )
    .anyone()
    .answer(Answer::Json(200, "Capabilities")),
    Op::new("get", "/openapi.json", "This document", "service")
        .anyone()
        .answer(Answer::Json(200, "")),
    // Keys.
    Op::new(
        "post",
        "/keys",
        "Sign in: a new key for a device from a username or e-mail address and password",
        "keys",
    )
    .anyone()
    .body(Body::Json("KeyRequest"))
    .answer(Answer::Json(201, "Key"))
    .errors(&[403, 409, 413, 429]),
    Op::new(
        "get",
        "/keys/current",
        "The presented key: its user and access",
        "keys",
    )
    .answer(Answer::Json(200, "Key")),
    Op::new(
        "delete",
        "/keys/current",
        "Revoke the presented key",
        "keys",
    )
    .answer(Answer::Empty),
    // The key in the path is the credential; unknown ones count as failed
    // attempts from the address.
    Op::new("get", "/keys/{key}", "A key's user and access", "keys")
        .anyone()
        .answer(Answer::Json(200, "Key"))
        .errors(&[404, 429]),
    Op::new("delete", "/keys/{key}", "Revoke a key", "keys")
        .anyone()
        .answer(Answer::Empty)
        .errors(&[404, 429]),
    // Groups.
    Op::new(
        "get",
        "/users/{userID}/groups",
        "Groups of a user that the key reaches",
        "groups",
    )
    .query(&["groupFormat", "limit", "start"])
    .answer(Answer::GroupList),
    Op::new(
        "post",
        "/groups",
        "Create a group owned by the key's user (extension)",
        "groups",
    )
    .body(Body::Json("GroupRequest"))
    .answer(Answer::Versioned(201, "Group"))
    .errors(&[409, 413]),
    Op::new("get", "/groups/{groupID}", "A group", "groups")
        .answer(Answer::Versioned(200, "Group"))
        .errors(&[404]),
    Op::new(
        "get",
        "/groups/{groupID}/members",
        "Members of a group and their roles (extension)",
        "groups",
    )
    .answer(Answer::Versioned(200, "Members"))
    .errors(&[404]),
    Op::new(
        "put",
        "/groups/{groupID}/members/{memberID}",
        "Add a member or change their role (extension)",
        "groups",
    )
    .body(Body::Json("MemberRequest"))
    .answer(Answer::NoContent)
    .errors(&[404, 409, 413]),
    Op::new(
        "delete",
        "/groups/{groupID}/members/{memberID}",
        "Remove a member, or leave (extension)",
        "groups",
    )
    .answer(Answer::NoContent)
    .errors(&[404, 409]),
    // The item schema.
    Op::new("get", "/itemTypes", "Item types", "schema")
        .anyone()
        .query(&["locale"])
        .answer(Answer::Json(200, "Labelled")),
    Op::new("get", "/itemFields", "Item fields", "schema")
        .anyone()
        .query(&["locale"])
        .answer(Answer::Json(200, "Labelled")),
    Op::new("get", "/itemTypeFields", "Fields of an item type", "schema")
        .anyone()
        .query(&["itemTypeRequired", "locale"])
        .answer(Answer::Json(200, "Labelled")),
    Op::new(
        "get",
        "/itemTypeCreatorTypes",
        "Creator types of an item type",
        "schema",
    )
    .anyone()
    .query(&["itemTypeRequired", "locale"])
    .answer(Answer::Json(200, "Labelled")),
    Op::new("get", "/creatorFields", "Creator name fields", "schema")
        .anyone()
        .query(&["locale"])
        .answer(Answer::Json(200, "Labelled")),
    Op::new("get", "/items/new", "The template of a new item", "schema")
        .anyone()
        .query(&["itemTypeRequired", "linkMode"])
        .answer(Answer::Json(200, "NewItem")),
    Op::new("get", "/schema", "The item schema", "schema")
        .anyone()
        .answer(Answer::Json(200, "")),
    // Items.
    Op::new("get", "{lib}/items", "Items", "items")
        .query(ITEM_LIST)
        .answer(Answer::ItemList)
        .conditional(),
    Op::new(
        "post",
        "{lib}/items",
        "Create or update up to 50 items",
        "items",
    )
    .body(Body::Batch("ItemWrite", 50))
    .answer(Answer::Versioned(200, "WriteReport"))
    .errors(WRITE),
    Op::new("delete", "{lib}/items", "Delete up to 50 items", "items")
        .query(&["itemKeyRequired"])
        .answer(Answer::NoContent)
        .errors(WRITE),
    Op::new("get", "{lib}/items/top", "Top-level items", "items")
        .query(ITEM_LIST)
        .answer(Answer::ItemList)
        .conditional(),
    Op::new("get", "{lib}/items/trash", "Items in the trash", "items")
        .query(ITEM_LIST)
        .answer(Answer::ItemList)
        .conditional(),
    Op::new("get", "{lib}/items/{itemKey}", "An item", "items")
        .query(ITEM_ONE)
        .answer(Answer::Item),
    Op::new("put", "{lib}/items/{itemKey}", "Replace an item", "items")
        .body(Body::Json("ItemWrite"))
        .answer(Answer::NoContent)
        .errors(WRITE),
    Op::new(
        "patch",
        "{lib}/items/{itemKey}",
        "Change some properties of an item",
        "items",
    )
    .body(Body::Json("ItemWrite"))
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "delete",
        "{lib}/items/{itemKey}",
        "Delete an item (and its children)",
        "items",
    )
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "get",
        "{lib}/items/{itemKey}/children",
        "Child items",
        "items",
    )
    .query(ITEM_LIST)
    .answer(Answer::ItemList)
    .conditional(),
    // Files.
    Op::new(
        "get",
        "{lib}/items/{itemKey}/file",
        "Download an attachment's file: 302 to its bytes",
        "files",
    )
    .answer(Answer::Redirect),
    Op::new(
        "get",
        "{lib}/items/{itemKey}/file/view",
        "Download an attachment's file to view it: 302 to its bytes",
        "files",
    )
    .answer(Answer::Redirect),
    Op::new(
        "post",
        "{lib}/items/{itemKey}/file",
        "Authorise an upload (md5, filename, filesize, mtime) or register one (upload=)",
        "files",
    )
    .body(Body::Form("FileRequest"))
    .answer(Answer::FileAuthorization)
    .errors(WRITE),
    Op::new(
        "post",
        "/uploads/{uploadKey}",
        "Upload a file's bytes, raw or as the multipart `file` part",
        "files",
    )
    .anyone()
    .body(Body::FileBytes)
    .answer(Answer::Created)
    .errors(&[400, 404, 409, 412, 413]),
    Op::new(
        "get",
        "/downloads/{token}",
        "A file's bytes (Range supported)",
        "files",
    )
    .anyone()
    .answer(Answer::File)
    .errors(&[404, 416]),
    // Collections.
    Op::new("get", "{lib}/collections", "Collections", "collections")
        .query(OBJECT_LIST)
        .answer(Answer::ObjectList("Collection"))
        .conditional(),
    Op::new(
        "post",
        "{lib}/collections",
        "Create or update up to 50 collections",
        "collections",
    )
    .body(Body::Batch("CollectionWrite", 50))
    .answer(Answer::Versioned(200, "WriteReport"))
    .errors(WRITE),
    Op::new(
        "delete",
        "{lib}/collections",
        "Delete up to 50 collections",
        "collections",
    )
    .query(&["collectionKeyRequired"])
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "get",
        "{lib}/collections/top",
        "Top-level collections",
        "collections",
    )
    .query(OBJECT_LIST)
    .answer(Answer::ObjectList("Collection"))
    .conditional(),
    Op::new(
        "get",
        "{lib}/collections/{collectionKey}",
        "A collection",
        "collections",
    )
    .query(OBJECT_ONE)
    .answer(Answer::Versioned(200, "Collection")),
    Op::new(
        "put",
        "{lib}/collections/{collectionKey}",
        "Replace a collection",
        "collections",
    )
    .body(Body::Json("CollectionWrite"))
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "patch",
        "{lib}/collections/{collectionKey}",
        "Change some properties of a collection",
        "collections",
    )
    .body(Body::Json("CollectionWrite"))
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "delete",
        "{lib}/collections/{collectionKey}",
        "Delete a collection and those below it",
        "collections",
    )
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "get",
        "{lib}/collections/{collectionKey}/collections",
        "Sub-collections",
        "collections",
    )
    .query(OBJECT_LIST)
    .answer(Answer::ObjectList("Collection"))
    .conditional(),
    Op::new(
        "get",
        "{lib}/collections/{collectionKey}/items",
        "Items in a collection",
        "collections",
    )
    .query(ITEM_LIST)
    .answer(Answer::ItemList)
    .conditional(),
    Op::new(
        "get",
        "{lib}/collections/{collectionKey}/items/top",
        "Top-level items in a collection",
        "collections",
    )
    .query(ITEM_LIST)
    .answer(Answer::ItemList)
    .conditional(),
    // Searches.
    Op::new("get", "{lib}/searches", "Saved searches", "searches")
        .query(OBJECT_LIST)
        .answer(Answer::ObjectList("Search"))
        .conditional(),
    Op::new(
        "post",
        "{lib}/searches",
        "Create or update up to 50 saved searches",
        "searches",
    )
    .body(Body::Batch("SearchWrite", 50))
    .answer(Answer::Versioned(200, "WriteReport"))
    .errors(WRITE),
    Op::new(
        "delete",
        "{lib}/searches",
        "Delete up to 50 saved searches",
        "searches",
    )
    .query(&["searchKeyRequired"])
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "get",
        "{lib}/searches/{searchKey}",
        "A saved search",
        "searches",
    )
    .query(OBJECT_ONE)
    .answer(Answer::Versioned(200, "Search")),
    Op::new(
        "put",
        "{lib}/searches/{searchKey}",
        "Replace a saved search",
        "searches",
    )
    .body(Body::Json("SearchWrite"))
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "patch",
        "{lib}/searches/{searchKey}",
        "Change some properties of a saved search",
        "searches",
    )
    .body(Body::Json("SearchWrite"))
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "delete",
        "{lib}/searches/{searchKey}",
        "Delete a saved search",
        "searches",
    )
    .answer(Answer::NoContent)
    .errors(WRITE),
    // Tags.
    Op::new("get", "{lib}/tags", "Tags in the library", "tags")
        .query(TAG_LIST)
        .answer(Answer::TagList)
        .conditional(),
    Op::new(
        "delete",
        "{lib}/tags",
        "Remove tags from every item (tag=a || b)",
        "tags",
    )
    .query(&["tagRequired"])
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "get",
        "{lib}/tags/{tag}",
        "Tags of every type with this name",
        "tags",
    )
    .query(TAG_LIST)
    .answer(Answer::TagList)
    .conditional(),
    Op::new("get", "{lib}/items/tags", "Tags on the items", "tags")
        .query(TAG_LIST)
        .answer(Answer::TagList)
        .conditional(),
    Op::new(
        "get",
        "{lib}/items/top/tags",
        "Tags on the top-level items",
        "tags",
    )
    .query(TAG_LIST)
    .answer(Answer::TagList)
    .conditional(),
    Op::new(
        "get",
        "{lib}/items/trash/tags",
        "Tags on the items in the trash",
        "tags",
    )
    .query(TAG_LIST)
    .answer(Answer::TagList)
    .conditional(),
    Op::new(
        "get",
        "{lib}/items/{itemKey}/tags",
        "Tags of an item",
        "tags",
    )
    .query(TAG_LIST)
    .answer(Answer::TagList)
    .conditional(),
    Op::new(
        "get",
        "{lib}/collections/{collectionKey}/tags",
        "Tags on a collection's items",
        "tags",
    )
    .query(TAG_LIST)
    .answer(Answer::TagList)
    .conditional(),
    Op::new(
        "get",
        "{lib}/collections/{collectionKey}/items/tags",
        "Tags on a collection's items",
        "tags",
    )
    .query(TAG_LIST)
    .answer(Answer::TagList)
    .conditional(),
    Op::new(
        "get",
        "{lib}/collections/{collectionKey}/items/top/tags",
        "Tags on a collection's top-level items",
        "tags",
    )
    .query(TAG_LIST)
    .answer(Answer::TagList)
    .conditional(),
    // Settings.
    Op::new("get", "{lib}/settings", "Settings", "settings")
        .query(&["since"])
        .answer(Answer::Versioned(200, "Settings"))
        .conditional(),
    Op::new(
        "post",
        "{lib}/settings",
        "Write several settings",
        "settings",
    )
    .body(Body::Json("SettingsWrite"))
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "get",
        "{lib}/settings/{settingKey}",
        "A setting",
        "settings",
    )
    .answer(Answer::Versioned(200, "Setting")),
    Op::new(
        "put",
        "{lib}/settings/{settingKey}",
        "Write a setting",
        "settings",
    )
    .body(Body::Json("Setting"))
    .answer(Answer::NoContent)
    .errors(WRITE),
    Op::new(
        "delete",
        "{lib}/settings/{settingKey}",
        "Delete a setting",
        "settings",
    )
    .answer(Answer::NoContent)
    .errors(WRITE),
    // Full text.
    Op::new(
        "get",
        "{lib}/fulltext",
        "Attachments whose full text changed since a version",
        "fulltext",
    )
    .query(&["since"])
    .answer(Answer::Versioned(200, "Versions")),
    Op::new(
        "post",
        "{lib}/fulltext",
        "Set the full text of up to 10 attachments",
        "fulltext",
    )
    .body(Body::Batch("FullTextWrite", 10))
    .answer(Answer::Versioned(200, "WriteReport"))
    .errors(WRITE),
    Op::new(
        "get",
        "{lib}/items/{itemKey}/fulltext",
        "An attachment's full text",
        "fulltext",
    )
    .answer(Answer::Versioned(200, "FullText")),
    Op::new(
        "put",
        "{lib}/items/{itemKey}/fulltext",
        "Set an attachment's full text",
        "fulltext",
    )
    .body(Body::Json("FullText"))
    .answer(Answer::NoContent)
    .errors(WRITE),
    // Sync.
    Op::new(
        "get",
        "{lib}/deleted",
        "What was deleted since a version",
        "sync",
    )
    .query(&["sinceRequired"])
    .answer(Answer::Versioned(200, "Deleted"))
    .conditional(),
    // Live updates.
    Op::new(
        "get",
        "/stream",
        "Live updates: a WebSocket speaking the Zotero streaming API (keys in the request or subscribed later)",
        "stream",
    )
    .anyone()
    .answer(Answer::WebSocket)
    .errors(&[400, 403, 426]),
];
