
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
