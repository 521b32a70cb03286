-- Schema 1 → 2: indexes for item listings sorted by date added or modified.
CREATE INDEX IF NOT EXISTS items_by_added ON items(library_id, date_added COLLATE "C", key COLLATE "C") INCLUDE (version, deleted);
CREATE INDEX IF NOT EXISTS items_by_modified ON items(library_id, date_modified COLLATE "C", key COLLATE "C") INCLUDE (version, deleted);
