
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
