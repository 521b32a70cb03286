-- Schema 1 → 2: an index covering what item listings filter and sort on.
DROP INDEX IF EXISTS items_version;
CREATE INDEX IF NOT EXISTS items_since ON items(library_id, version, deleted, item_type, parent_key, date_added, date_modified);
