-- The Shelfmark library schema (latest version). A fresh library is created
-- from this file; older libraries reach the same shape through the numbered
-- steps in migrations.rs, and a test checks that both agree.

-- Libraries held in this file: the personal library (id 1) and, once synced,
-- shared group libraries.
CREATE TABLE libraries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    name TEXT NOT NULL,
    -- The server's user or group id, once the library is bound to an account.
    remote_id INTEGER,
    editable INTEGER NOT NULL DEFAULT 1,
    files_editable INTEGER NOT NULL DEFAULT 1,
    -- Library version of the last completed sync (0: never synced).
    version INTEGER NOT NULL DEFAULT 0
);

-- Items of every type. `data` is the item's Web API JSON and is the source of
-- truth; the other columns are derived from it on every write.
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    library_id INTEGER NOT NULL REFERENCES libraries(id),
    key TEXT NOT NULL,
    item_type TEXT NOT NULL,
    parent_key TEXT,
    data TEXT NOT NULL,
    -- In the trash by itself (data.deleted).
    deleted INTEGER NOT NULL DEFAULT 0,
    -- In the trash by itself or through its parent or grandparent.
    in_trash INTEGER NOT NULL DEFAULT 0,
    date_added TEXT NOT NULL,
    date_modified TEXT NOT NULL,
    sort_title TEXT NOT NULL DEFAULT '',
    sort_creator TEXT NOT NULL DEFAULT '',
    sort_date TEXT NOT NULL DEFAULT '',
    sort_type TEXT NOT NULL DEFAULT '',
    -- Sync state: server version (0 = never uploaded), whether local equals
    -- the base copy, which data fields changed locally since the base, and the
    -- base copy itself (the last data agreed with the server).
    version INTEGER NOT NULL DEFAULT 0,
    synced INTEGER NOT NULL DEFAULT 0,
    changed_fields TEXT NOT NULL DEFAULT '[]',
    base TEXT,
    UNIQUE (library_id, key)
);
CREATE INDEX items_children ON items (library_id, parent_key) WHERE parent_key IS NOT NULL;
CREATE INDEX items_unsynced ON items (library_id) WHERE synced = 0;
CREATE INDEX items_top_title ON items (library_id, in_trash, sort_title, id) WHERE parent_key IS NULL;
CREATE INDEX items_top_creator ON items (library_id, in_trash, sort_creator, id) WHERE parent_key IS NULL;
CREATE INDEX items_top_date ON items (library_id, in_trash, sort_date, id) WHERE parent_key IS NULL;
CREATE INDEX items_top_added ON items (library_id, in_trash, date_added, id) WHERE parent_key IS NULL;
CREATE INDEX items_top_modified ON items (library_id, in_trash, date_modified, id) WHERE parent_key IS NULL;
CREATE INDEX items_top_type ON items (library_id, in_trash, sort_type, id) WHERE parent_key IS NULL;
-- Where each item sits and its state, by id: full-text search maps its
-- matches to list rows from here without reading item rows.
CREATE INDEX items_tree ON items (id, library_id, parent_key, in_trash, deleted, item_type);
-- Counting a list's rows, and the trash.
CREATE INDEX items_state ON items (library_id, parent_key, in_trash);

-- Tags of items, an index of data.tags.
CREATE TABLE item_tags (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    kind INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, tag)
) WITHOUT ROWID;
CREATE INDEX item_tags_by_tag ON item_tags (tag, item_id);

-- Collections (groups and group sets). Keys, not row ids, link parents so
-- that sync may deliver a child before its parent.
CREATE TABLE collections (
    id INTEGER PRIMARY KEY,
    library_id INTEGER NOT NULL REFERENCES libraries(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_key TEXT,
    data TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    synced INTEGER NOT NULL DEFAULT 0,
    changed_fields TEXT NOT NULL DEFAULT '[]',
    base TEXT,
    UNIQUE (library_id, key)
);
CREATE INDEX collections_parent ON collections (library_id, parent_key);

-- Membership of items in collections, an index of data.collections.
CREATE TABLE collection_items (
    library_id INTEGER NOT NULL,
    collection_key TEXT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    PRIMARY KEY (library_id, collection_key, item_id)
) WITHOUT ROWID;
CREATE INDEX collection_items_by_item ON collection_items (item_id);

-- Saved searches (smart groups and combination groups).
CREATE TABLE saved_searches (
    id INTEGER PRIMARY KEY,
    library_id INTEGER NOT NULL REFERENCES libraries(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    synced INTEGER NOT NULL DEFAULT 0,
    changed_fields TEXT NOT NULL DEFAULT '[]',
    base TEXT,
    UNIQUE (library_id, key)
);

-- Objects removed for good locally (trash emptied) that the server knows
-- about; the sync uploads these deletions, then clears them.
CREATE TABLE pending_deletions (
    library_id INTEGER NOT NULL,
    object_type TEXT NOT NULL CHECK (object_type IN ('item', 'collection', 'search', 'setting')),
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    deleted_at TEXT NOT NULL,
    PRIMARY KEY (library_id, object_type, key)
) WITHOUT ROWID;

-- Full-text index: `quick` holds title, creators and year; `body` every other
-- field, tags, note text and annotation text. Row ids are item ids.
CREATE VIRTUAL TABLE items_fts USING fts5 (
    quick,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Settings and sync bookkeeping that belong to the file.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
