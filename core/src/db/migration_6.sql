-- Step 5 → 6: the folded creator names and note text that saved-search
-- conditions compare with, kept with each item instead of folded from its
-- JSON on every query. The step's code fills them for the items already
-- in the file (see migrations.rs).
-- What saved-search conditions on creators and notes compare with, folded
-- once when the item is written instead of on every query. An item has a
-- row in `item_creator_text` when it has creators, and in `item_note_text`
-- when it is a note with a `note` field. The layout of `matching` and
-- `names` is described in search/index.rs.
CREATE TABLE item_creator_text (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    matching TEXT NOT NULL,
    names TEXT NOT NULL
);
CREATE TABLE item_note_text (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    text TEXT NOT NULL
);
