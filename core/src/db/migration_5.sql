-- Step 4 → 5: the quick text of items waiting for their full text is kept
-- without prefix indexes, which tripled what a large download wrote per
-- item. The table holds no content of its own: the quick text of items in
-- the backlog is written again by the step's code (see migrations.rs).
DROP TABLE items_fts_pending;

-- No prefix indexes here: they would triple what a large download writes
-- per item, for a table that lives only until the backlog is indexed (a
-- prefix query reads the terms' range instead).
CREATE VIRTUAL TABLE items_fts_pending USING fts5 (
    quick,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);
