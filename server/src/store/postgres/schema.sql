-- Shelfmark server metadata, PostgreSQL backend: the same tables as the
-- SQLite backend. Object `data` JSON is the source of truth; the other
-- columns are derived from it for queries.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    quota_mb      BIGINT,
    created       TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE api_keys (
    id       BIGSERIAL PRIMARY KEY,
    user_id  BIGINT NOT NULL REFERENCES users(id),
    name     TEXT NOT NULL,
    hash     TEXT NOT NULL UNIQUE,
    access   TEXT NOT NULL,
    created  TEXT NOT NULL,
    revoked  BOOLEAN NOT NULL DEFAULT FALSE,
    last_used TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE groups (
    id            BIGSERIAL PRIMARY KEY,
    version       BIGINT NOT NULL DEFAULT 1,
    name          TEXT NOT NULL,
    owner_id      BIGINT NOT NULL REFERENCES users(id),
    type          TEXT NOT NULL DEFAULT 'Private',
    description   TEXT NOT NULL DEFAULT '',
    url           TEXT NOT NULL DEFAULT '',
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id  BIGINT NOT NULL REFERENCES groups(id),
    user_id   BIGINT NOT NULL REFERENCES users(id),
    role      TEXT NOT NULL,
    can_write BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

-- Invitations to sign up (and to join a group); the token as its SHA-256.
CREATE TABLE invitations (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    invited_by      BIGINT NOT NULL REFERENCES users(id),
    group_id        BIGINT REFERENCES groups(id),
    group_role      TEXT,
    group_can_write BOOLEAN NOT NULL DEFAULT FALSE,
    created         TEXT NOT NULL,
    expires         TEXT NOT NULL,
    accepted_by     BIGINT REFERENCES users(id)
);

-- Signed-in browsers; the session id as its SHA-256.
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created    TEXT NOT NULL,
    expires    TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

CREATE TABLE libraries (
    id       BIGSERIAL PRIMARY KEY,
    kind     TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    version  BIGINT NOT NULL DEFAULT 0,
    UNIQUE (kind, owner_id)
);

CREATE TABLE items (
    library_id    BIGINT NOT NULL REFERENCES libraries(id),
    key           TEXT NOT NULL,
    version       BIGINT NOT NULL,
    item_type     TEXT NOT NULL,
    parent_key    TEXT,
    deleted       BOOLEAN NOT NULL DEFAULT FALSE,
    date_added    TEXT NOT NULL DEFAULT '',
    date_modified TEXT NOT NULL DEFAULT '',
    sort_title    TEXT NOT NULL DEFAULT '',
    sort_creator  TEXT NOT NULL DEFAULT '',
    sort_date     TEXT NOT NULL DEFAULT '',
    quick_text    TEXT NOT NULL DEFAULT '',
    full_text     TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL,
    PRIMARY KEY (library_id, key)
);
-- Covers what item listings filter and sort on, so that counting and
-- ordering a page can stay in the index.
CREATE INDEX items_since ON items(library_id, version) INCLUDE (deleted, item_type, parent_key, date_added, date_modified);
CREATE INDEX items_parent ON items(library_id, parent_key);
-- Pages a whole library in the order items were added (a first sync) without
-- sorting it for every page; byte order, as listings sort.
CREATE INDEX items_added ON items(library_id, date_added COLLATE "C", key COLLATE "C") INCLUDE (version, deleted, item_type, parent_key);
-- Pages sorted by title, creator, date or date modified, read from the
-- index alone. (Quick search's trigram index is made at every start, as the
-- database allows: see `PgStore::ensure_trigram_index`.)
CREATE INDEX items_title ON items(library_id, sort_title COLLATE "C", key COLLATE "C") INCLUDE (deleted, parent_key, item_type);
CREATE INDEX items_creator ON items(library_id, sort_creator COLLATE "C", key COLLATE "C") INCLUDE (deleted, parent_key, item_type);
CREATE INDEX items_date ON items(library_id, sort_date COLLATE "C", key COLLATE "C") INCLUDE (deleted, parent_key, item_type);
CREATE INDEX items_modified ON items(library_id, date_modified COLLATE "C", key COLLATE "C") INCLUDE (deleted, parent_key, item_type);

CREATE TABLE item_tags (
    library_id BIGINT NOT NULL,
    item_key   TEXT NOT NULL,
    tag        TEXT NOT NULL,
    type       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (library_id, item_key, tag)
);
CREATE INDEX item_tags_tag ON item_tags(library_id, tag);

CREATE TABLE item_collections (
    library_id     BIGINT NOT NULL,
    collection_key TEXT NOT NULL,
    item_key       TEXT NOT NULL,
    PRIMARY KEY (library_id, collection_key, item_key)
);
CREATE INDEX item_collections_item ON item_collections(library_id, item_key);

CREATE TABLE collections (
    library_id BIGINT NOT NULL,
    key        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    parent_key TEXT,
    data       TEXT NOT NULL,
    PRIMARY KEY (library_id, key)
);

CREATE TABLE searches (
    library_id BIGINT NOT NULL,
    key        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (library_id, key)
);

CREATE TABLE settings (
    library_id BIGINT NOT NULL,
    key        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (library_id, key)
);

CREATE TABLE tombstones (
    library_id BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    version    BIGINT NOT NULL,
    PRIMARY KEY (library_id, kind, key)
);
CREATE INDEX tombstones_version ON tombstones(library_id, version);

CREATE TABLE write_tokens (
    key_id  BIGINT NOT NULL,
    token   TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (key_id, token)
);

CREATE TABLE item_files (
    library_id   BIGINT NOT NULL,
    item_key     TEXT NOT NULL,
    md5          TEXT NOT NULL,
    size         BIGINT NOT NULL,
    filename     TEXT NOT NULL,
    mtime        BIGINT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    charset      TEXT NOT NULL DEFAULT '',
    blob         TEXT NOT NULL,
    compressed   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (library_id, item_key)
);
CREATE INDEX item_files_blob ON item_files(blob);

CREATE TABLE uploads (
    upload_key   TEXT PRIMARY KEY,
    library_id   BIGINT NOT NULL,
    item_key     TEXT NOT NULL,
    md5          TEXT NOT NULL,
    size         BIGINT NOT NULL,
    filename     TEXT NOT NULL,
    mtime        BIGINT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    charset      TEXT NOT NULL DEFAULT '',
    blob         TEXT NOT NULL,
    compressed   BOOLEAN NOT NULL DEFAULT FALSE,
    created      BIGINT NOT NULL,
    completed    BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE fulltext (
    library_id  BIGINT NOT NULL,
    item_key    TEXT NOT NULL,
    version     BIGINT NOT NULL,
    data        TEXT NOT NULL,
    search_text TEXT NOT NULL,
    PRIMARY KEY (library_id, item_key)
);
CREATE INDEX fulltext_version ON fulltext(library_id, version);
