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

-- What saved-search conditions on creators and notes compare with, folded
-- once when the item is written instead of on every query. An item has a
-- row in `item_creator_text` when it has creators, and in `item_note_text`
-- when it is a note with a `note` field. The layout of `matching` and
-- `names` is described in search/index.rs.
CREATE TABLE item_creator_text (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    matching TEXT NOT NULL,
    names TEXT NOT NULL
);
CREATE TABLE item_note_text (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    text TEXT NOT NULL
);

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

-- Items whose full text is not in `items_fts` yet: a large download writes
-- only their quick text (title, creators, year) into `items_fts_pending`, so
-- the library can be browsed and quick-searched sooner, and indexes the rest
-- once the rows are in. Rows of `items_fts_pending` count only while their
-- item is in the backlog; the table is emptied when the backlog is.
CREATE TABLE fulltext_backlog (
    item_id INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE
);

-- No prefix indexes here: they would triple what a large download writes
-- per item, for a table that lives only until the backlog is indexed (a
-- prefix query reads the terms' range instead).
CREATE VIRTUAL TABLE items_fts_pending USING fts5 (
    quick,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Settings and sync bookkeeping that belong to the file.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Which account a library syncs with: the server, the user whose key syncs
-- it, and the library there. The API key itself is never stored here, only
-- the name under which the credential store keeps it.
CREATE TABLE sync_bindings (
    library_id INTEGER PRIMARY KEY REFERENCES libraries(id),
    server_url TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    remote_kind TEXT NOT NULL CHECK (remote_kind IN ('user', 'group')),
    remote_id INTEGER NOT NULL,
    key_ref TEXT NOT NULL,
    -- Version of the group's metadata last seen (groups only).
    metadata_version INTEGER NOT NULL DEFAULT 0,
    bound_at TEXT NOT NULL
);

-- Objects a pull still has to fetch, and the library version the pull
-- started from, so that an interrupted sync resumes where it stopped.
CREATE TABLE sync_queue (
    library_id INTEGER NOT NULL,
    object_type TEXT NOT NULL CHECK (object_type IN ('item', 'collection', 'search')),
    key TEXT NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (library_id, object_type, key)
) WITHOUT ROWID;

-- Objects changed on both sides with a field given different values. The
-- object keeps the local values until resolved and is not uploaded before.
CREATE TABLE sync_conflicts (
    id INTEGER PRIMARY KEY,
    library_id INTEGER NOT NULL,
    object_type TEXT NOT NULL CHECK (object_type IN ('item', 'collection', 'search')),
    key TEXT NOT NULL,
    -- JSON array of {field, local, remote}.
    fields TEXT NOT NULL,
    -- The server's copy when the conflict arose.
    remote_data TEXT NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (library_id, object_type, key)
);

-- Resolved conflicts with the version not chosen, browsable and restorable.
CREATE TABLE conflict_history (
    id INTEGER PRIMARY KEY,
    library_id INTEGER NOT NULL,
    object_type TEXT NOT NULL,
    key TEXT NOT NULL,
    -- local, remote or fields (values given per field).
    chosen TEXT NOT NULL,
    fields TEXT NOT NULL,
    local_data TEXT NOT NULL,
    remote_data TEXT NOT NULL,
    -- The data the object had after resolution.
    result_data TEXT NOT NULL,
    resolved_at TEXT NOT NULL,
    restored_at TEXT
);
CREATE INDEX conflict_history_key ON conflict_history (library_id, key);

-- One row per library per sync run.
CREATE TABLE sync_log (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    library_id INTEGER NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    -- running, ok, conflicts, confirm-deletions, failed
    outcome TEXT NOT NULL,
    -- JSON: objects downloaded, uploaded and deleted per kind.
    counts TEXT NOT NULL DEFAULT '{}',
    conflicts INTEGER NOT NULL DEFAULT 0,
    error_kind TEXT,
    message TEXT
);
CREATE INDEX sync_log_library ON sync_log (library_id, id);

-- Things a sync did that the researcher should hear about: an edit that
-- brought back a deleted object, edits a read-only library refused, pairs
-- of identical references joined on a first sync.
CREATE TABLE sync_notices (
    id INTEGER PRIMARY KEY,
    library_id INTEGER NOT NULL,
    object_type TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    created TEXT NOT NULL
);

-- Deletions held back because they would remove more than max(10, 10 %) of
-- a library: `download` ones the server reported, `upload` ones made here.
CREATE TABLE sync_pending_deletions (
    library_id INTEGER NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('download', 'upload')),
    object_type TEXT NOT NULL,
    key TEXT NOT NULL,
    title TEXT NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    PRIMARY KEY (library_id, direction, object_type, key)
) WITHOUT ROWID;

-- Attachment files on this device: what is stored here, transfers in
-- progress, uploads waiting or failed. Items without a row have no file here.
CREATE TABLE attachment_files (
    library_id INTEGER NOT NULL,
    item_key TEXT NOT NULL,
    -- The stored copy as last written or checked: name, MD5, size, and the
    -- file's modification time in ms (a different size or time on disk
    -- means it was modified outside Shelfmark).
    filename TEXT,
    local_md5 TEXT,
    local_size INTEGER,
    local_mtime INTEGER,
    -- The server's MD5 this copy replaced by an upload, until the item's
    -- new md5 arrives with the next pull.
    superseded_md5 TEXT,
    -- A download in progress: bytes received of the total.
    downloading INTEGER NOT NULL DEFAULT 0,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL DEFAULT 0,
    -- The server had no file for the item's md5 at the last attempt.
    missing_on_server INTEGER NOT NULL DEFAULT 0,
    last_opened TEXT,
    downloaded_at TEXT,
    -- The upload queue: the copy waits for upload, and after a failure why
    -- (`error_kind` as in the sync log), when to try again, and for a full
    -- storage the usage and quota the server reported (MB).
    upload_pending INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    error_kind TEXT,
    error TEXT,
    storage_usage_mb REAL,
    storage_quota_mb REAL,
    backoff_until TEXT,
    PRIMARY KEY (library_id, item_key)
) WITHOUT ROWID;
CREATE INDEX attachment_files_uploads ON attachment_files (library_id) WHERE upload_pending = 1;

-- Per library: which files to fetch without being asked (`on-demand`,
-- `all`, or `collections` listed in offline_collections), whether only on
-- unmetered networks, and the most bytes downloaded files may take (NULL:
-- no limit).
CREATE TABLE file_policies (
    library_id INTEGER PRIMARY KEY,
    policy TEXT NOT NULL DEFAULT 'on-demand' CHECK (policy IN ('on-demand', 'all', 'collections')),
    unmetered_only INTEGER NOT NULL DEFAULT 0,
    cache_budget INTEGER
);

-- Collections whose files are kept on this device ("offline collections").
CREATE TABLE offline_collections (
    library_id INTEGER NOT NULL,
    collection_key TEXT NOT NULL,
    PRIMARY KEY (library_id, collection_key)
) WITHOUT ROWID;
