-- Schema 3 → 4: items and attachment full text become row tables. Their
-- rows hold several KB of JSON and text, and a WITHOUT ROWID b-tree copies
-- whole overflowing rows to compare keys on every lookup.
CREATE TABLE items_by_row (
    id            INTEGER PRIMARY KEY,
    library_id    INTEGER NOT NULL REFERENCES libraries(id),
    key           TEXT NOT NULL,
    version       INTEGER NOT NULL,
    item_type     TEXT NOT NULL,
    parent_key    TEXT,
    deleted       INTEGER NOT NULL DEFAULT 0,
    date_added    TEXT NOT NULL DEFAULT '',
    date_modified TEXT NOT NULL DEFAULT '',
    sort_title    TEXT NOT NULL DEFAULT '',
    sort_creator  TEXT NOT NULL DEFAULT '',
    sort_date     TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL,
    quick_text    TEXT NOT NULL DEFAULT '',
    full_text     TEXT NOT NULL DEFAULT '',
    UNIQUE (library_id, key)
);
INSERT INTO items_by_row (library_id, key, version, item_type, parent_key, deleted, date_added,
        date_modified, sort_title, sort_creator, sort_date, data, quick_text, full_text)
    SELECT library_id, key, version, item_type, parent_key, deleted, date_added,
        date_modified, sort_title, sort_creator, sort_date, data, quick_text, full_text
    FROM items ORDER BY library_id, date_added, key;
DROP TABLE items;
ALTER TABLE items_by_row RENAME TO items;
CREATE INDEX items_since ON items(library_id, version, deleted, item_type, parent_key, date_added, date_modified, key);
CREATE INDEX items_parent ON items(library_id, parent_key, key);
CREATE INDEX items_added ON items(library_id, date_added, key, version, deleted, item_type, parent_key);

CREATE TABLE fulltext_by_row (
    id          INTEGER PRIMARY KEY,
    library_id  INTEGER NOT NULL,
    item_key    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    search_text TEXT NOT NULL,
    UNIQUE (library_id, item_key)
);
INSERT INTO fulltext_by_row (library_id, item_key, version, data, search_text)
    SELECT library_id, item_key, version, data, search_text FROM fulltext;
DROP TABLE fulltext;
ALTER TABLE fulltext_by_row RENAME TO fulltext;
CREATE INDEX fulltext_version ON fulltext(library_id, version);
