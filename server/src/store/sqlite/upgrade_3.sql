-- Schema 2 → 3: an index that pages a whole library in the order items were
-- added (a first sync) without sorting it for every page.
CREATE INDEX IF NOT EXISTS items_added ON items(library_id, date_added, key, version, deleted, item_type, parent_key);
