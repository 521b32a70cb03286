-- Schema 5 → 6: listings sorted by title, creator, date and date modified
-- page along an index instead of sorting the library for every page, and
-- quick search finds items through a trigram index instead of reading every
-- item row.
--
-- Each sort index carries the key (the listings' tie-breaker) and the
-- columns listings filter on, so that counting and ordering a page never
-- reads the rows.
CREATE INDEX items_title ON items(library_id, sort_title, key, deleted, parent_key, item_type);
CREATE INDEX items_creator ON items(library_id, sort_creator, key, deleted, parent_key, item_type);
CREATE INDEX items_date ON items(library_id, sort_date, key, deleted, parent_key, item_type);
CREATE INDEX items_modified ON items(library_id, date_modified, key, deleted, parent_key, item_type);

-- Quick-search text (lower-cased title, creators and year), one row per
-- item with the item's row id. Trigrams of the exact (already lower-cased)
-- text make a phrase query a substring match.
CREATE VIRTUAL TABLE items_quick USING fts5(quick_text, tokenize = 'trigram case_sensitive 1');
INSERT INTO items_quick (rowid, quick_text) SELECT id, quick_text FROM items;
ALTER TABLE items DROP COLUMN quick_text;
