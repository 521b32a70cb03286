-- Shelfmark server metadata, SQLite backend. Object `data` JSON is the
-- source of truth; the other columns are derived from it for queries.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    quota_mb      INTEGER,
    created       TEXT NOT NULL
);

CREATE TABLE api_keys (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users(id),
    name     TEXT NOT NULL,
    hash     TEXT NOT NULL UNIQUE,
    access   TEXT NOT NULL,
    created  TEXT NOT NULL,
    revoked  INTEGER NOT NULL DEFAULT 0,
    last_used TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

-- Invitations to sign up (and to join a group); the token as its SHA-256.
CREATE TABLE invitations (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL COLLATE NOCASE,
    token_hash      TEXT NOT NULL UNIQUE,
    invited_by      INTEGER NOT NULL REFERENCES users(id),
    group_id        INTEGER REFERENCES groups(id),
    group_role      TEXT,
    group_can_write INTEGER NOT NULL DEFAULT 0,
    created         TEXT NOT NULL,
    expires         TEXT NOT NULL,
    accepted_by     INTEGER REFERENCES users(id)
);

-- Signed-in browsers; the session id as its SHA-256.
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created    TEXT NOT NULL,
    expires    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_user ON web_sessions(user_id);

CREATE TABLE groups (
    id            INTEGER PRIMARY KEY,
    version       INTEGER NOT NULL DEFAULT 1,
    name          TEXT NOT NULL,
    owner_id      INTEGER NOT NULL REFERENCES users(id),
    type          TEXT NOT NULL DEFAULT 'Private',
    description   TEXT NOT NULL DEFAULT '',
    url           TEXT NOT NULL DEFAULT '',
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id  INTEGER NOT NULL REFERENCES groups(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    role      TEXT NOT NULL,
    can_write INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

CREATE TABLE libraries (
    id       INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    version  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, owner_id)
);

-- A row table, not WITHOUT ROWID: each row holds the item's JSON and its
-- search text (several KB), and a WITHOUT ROWID b-tree copies whole
-- overflowing rows to compare keys on every lookup. The JSON comes before
-- the search text so that reading it stops short of the longest column.
-- An item keeps its row id for life (writes update the row in place):
-- `items_quick` refers to it.
CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    library_id    INTEGER NOT NULL REFERENCES libraries(id),
    key           TEXT NOT NULL,
    version       INTEGER NOT NULL,
    item_type     TEXT NOT NULL,
    parent_key    TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0,
    date_added    TEXT NOT NULL DEFAULT '',
    date_modified TEXT NOT NULL DEFAULT '',
    sort_title    TEXT NOT NULL DEFAULT '',
    sort_creator  TEXT NOT NULL DEFAULT '',
    sort_date     TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL,
    full_text     TEXT NOT NULL DEFAULT '',
    UNIQUE (library_id, key)
);
-- Covers what item listings filter and sort on, and the key they return,
-- so that counting and ordering a page never reads the rows (each holds the
-- item's JSON).
CREATE INDEX items_since ON items(library_id, version, deleted, item_type, parent_key, date_added, date_modified, key);
CREATE INDEX items_parent ON items(library_id, parent_key, key);
-- Pages a whole library in the order items were added (a first sync) without
-- sorting it for every page.
CREATE INDEX items_added ON items(library_id, date_added, key, version, deleted, item_type, parent_key);
-- Pages sorted by title, creator, date or date modified: each index carries
-- the key (the tie-breaker) and the columns listings filter on, so that
-- counting and ordering a page never reads the rows.
CREATE INDEX items_title ON items(library_id, sort_title, key, deleted, parent_key, item_type);
CREATE INDEX items_creator ON items(library_id, sort_creator, key, deleted, parent_key, item_type);
CREATE INDEX items_date ON items(library_id, sort_date, key, deleted, parent_key, item_type);
CREATE INDEX items_modified ON items(library_id, date_modified, key, deleted, parent_key, item_type);

-- Quick-search text (lower-cased title, creators and year) of each item,
-- under the item's row id. Trigrams of the exact (already lower-cased) text
-- make a phrase query a substring match found through the index.
CREATE VIRTUAL TABLE items_quick USING fts5(quick_text, tokenize = 'trigram case_sensitive 1');

CREATE TABLE item_tags (
    library_id INTEGER NOT NULL,
    item_key   TEXT NOT NULL,
    tag        TEXT NOT NULL,
    type       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (library_id, item_key, tag)
) WITHOUT ROWID;
CREATE INDEX item_tags_tag ON item_tags(library_id, tag);

CREATE TABLE item_collections (
    library_id     INTEGER NOT NULL,
    collection_key TEXT NOT NULL,
    item_key       TEXT NOT NULL,
    PRIMARY KEY (library_id, collection_key, item_key)
) WITHOUT ROWID;
CREATE INDEX item_collections_item ON item_collections(library_id, item_key);

CREATE TABLE collections (
    library_id INTEGER NOT NULL,
    key        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (library_id, key)
) WITHOUT ROWID;

CREATE TABLE searches (
    library_id INTEGER NOT NULL,
    key        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (library_id, key)
) WITHOUT ROWID;

CREATE TABLE settings (
    library_id INTEGER NOT NULL,
    key        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (library_id, key)
) WITHOUT ROWID;

-- What was deleted, for `/deleted?since=`.
CREATE TABLE tombstones (
    library_id INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (library_id, kind, key)
) WITHOUT ROWID;
CREATE INDEX tombstones_version ON tombstones(library_id, version);

-- Zotero-Write-Token values seen in the last 12 hours, per API key.
CREATE TABLE write_tokens (
    key_id  INTEGER NOT NULL,
    token   TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (key_id, token)
) WITHOUT ROWID;

-- The file stored for each attachment item; `blob` names the stored bytes.
CREATE TABLE item_files (
    library_id   INTEGER NOT NULL,
    item_key     TEXT NOT NULL,
    md5          TEXT NOT NULL,
    size         INTEGER NOT NULL,
    filename     TEXT NOT NULL,
    mtime        INTEGER NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    charset      TEXT NOT NULL DEFAULT '',
    blob         TEXT NOT NULL,
    compressed   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (library_id, item_key)
) WITHOUT ROWID;
CREATE INDEX item_files_blob ON item_files(blob);

-- Authorised uploads, until registered (or abandoned).
CREATE TABLE uploads (
    upload_key   TEXT PRIMARY KEY,
    library_id   INTEGER NOT NULL,
    item_key     TEXT NOT NULL,
    md5          TEXT NOT NULL,
    size         INTEGER NOT NULL,
    filename     TEXT NOT NULL,
    mtime        INTEGER NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    charset      TEXT NOT NULL DEFAULT '',
    blob         TEXT NOT NULL,
    compressed   INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL,
    completed    INTEGER NOT NULL DEFAULT 0
);

-- Full text of attachments: the JSON as the Web API reads and writes it,
-- and its text lower-cased for `qmode=everything`.
CREATE TABLE fulltext (
    id          INTEGER PRIMARY KEY,
    library_id  INTEGER NOT NULL,
    item_key    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    search_text TEXT NOT NULL,
    UNIQUE (library_id, item_key)
);
CREATE INDEX fulltext_version ON fulltext(library_id, version);
