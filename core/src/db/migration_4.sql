-- Items whose full text is not in `items_fts` yet: a large download writes
-- only their quick text (title, creators, year) into `items_fts_pending`, so
-- the library can be browsed and quick-searched sooner, and indexes the rest
-- once the rows are in. Rows of `items_fts_pending` count only while their
-- item is in the backlog; the table is emptied when the backlog is.
CREATE TABLE fulltext_backlog (
    item_id INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE
);

CREATE VIRTUAL TABLE items_fts_pending USING fts5 (
    quick,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
