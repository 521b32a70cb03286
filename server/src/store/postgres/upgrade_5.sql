-- Schema 4 → 5: listings sorted by title, creator, date and date modified
-- page along an index instead of sorting the library for every page. Each
-- index orders as listings sort (byte order, the key as tie-breaker) and
-- carries the columns listings filter on, so that a page is read from the
-- index alone. (Quick search's trigram index is made at every start, as the
-- database allows: see `PgStore::ensure_trigram_index`.)
CREATE INDEX IF NOT EXISTS items_title ON items(library_id, sort_title COLLATE "C", key COLLATE "C") INCLUDE (deleted, parent_key, item_type);
CREATE INDEX IF NOT EXISTS items_creator ON items(library_id, sort_creator COLLATE "C", key COLLATE "C") INCLUDE (deleted, parent_key, item_type);
CREATE INDEX IF NOT EXISTS items_date ON items(library_id, sort_date COLLATE "C", key COLLATE "C") INCLUDE (deleted, parent_key, item_type);
CREATE INDEX IF NOT EXISTS items_modified ON items(library_id, date_modified COLLATE "C", key COLLATE "C") INCLUDE (deleted, parent_key, item_type);
