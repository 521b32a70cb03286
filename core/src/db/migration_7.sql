-- Step 6 → 7: trigram indexes of what title, creator and note conditions
-- compare with, and larger in-memory batches for the full-text indexes.
-- The step's code fills the new indexes for the items already in the file
-- (see derived.rs).
-- Trigram indexes of the folded titles, creator names (`matching` and
-- `names` of `item_creator_text`, one after the other) and note text that
-- saved-search conditions compare
-- with: a condition's value is looked up by its three-character runs, and
-- only the items found are compared in full. Row ids are item ids; only
-- they are kept (detail = none). Written with the full-text index, so an
-- item in the full-text backlog has no rows here yet.
CREATE VIRTUAL TABLE item_title_trigrams USING fts5 (
    title,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram',
    detail = 'none'
);
CREATE VIRTUAL TABLE item_creator_trigrams USING fts5 (
    names,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram',
    detail = 'none'
);
CREATE VIRTUAL TABLE item_note_trigrams USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram',
    detail = 'none'
);

-- How much a write transaction gathers of each full-text index before
-- writing it out as a segment (FTS5's default is 1 MB): a large import or
-- download writes a few large segments instead of many small ones that
-- would be merged again and again.
INSERT INTO items_fts (items_fts, rank) VALUES ('hashsize', 8388608);
INSERT INTO item_title_trigrams (item_title_trigrams, rank) VALUES ('hashsize', 2097152);
INSERT INTO item_creator_trigrams (item_creator_trigrams, rank) VALUES ('hashsize', 2097152);
INSERT INTO item_note_trigrams (item_note_trigrams, rank) VALUES ('hashsize', 2097152);
