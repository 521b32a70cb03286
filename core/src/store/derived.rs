//! Search text derived from items that a library upgrade adds: the upgrade's
//! numbered steps only change the schema, and this fills what they leave
//! empty with today's indexing code, so the text always matches what
//! today's queries read.

use rusqlite::Transaction;

use crate::db::SameTrigrams;
use crate::error::Result;

/// Fills the derived text that the formats after `from` introduced.
pub(crate) fn rebuild_after_upgrade(tx: &Transaction<'_>, from: u32) -> Result<()> {
    if from < 5 {
        refill_pending_quick_text(tx)?;
    }
    if from < 6 {
        fill_condition_text(tx)?;
    }
    if from < 7 {
        fill_condition_trigrams(tx)?;
    }
    Ok(())
}

/// Writes the quick text of every item in the full-text backlog into the
/// (new, empty) `items_fts_pending`, so that quick search finds them until
/// their full text is indexed.
fn refill_pending_quick_text(tx: &Transaction<'_>) -> Result<()> {
    let mut rows = tx.prepare(
        "SELECT b.item_id, i.data FROM fulltext_backlog b JOIN items i ON i.id = b.item_id
         ORDER BY b.item_id",
    )?;
    let mut insert = tx.prepare("INSERT INTO items_fts_pending (rowid, quick) VALUES (?1, ?2)")?;
    let mut found = rows.query([])?;
    while let Some(row) = found.next()? {
        let id: i64 = row.get(0)?;
        let data: String = row.get(1)?;
        // An item that cannot be read keeps its place in the backlog,
        // whose indexing reports it; the upgrade does not stop for it.
        let Ok(item) = super::items::parse_data(&data) else {
            continue;
        };
        insert.execute(rusqlite::params![
            id,
            crate::search::index::derive_without_body(&item).fts_quick
        ])?;
    }
    Ok(())
}

/// Writes the folded creator names and note text of every item into the
/// (new, empty) tables saved-search conditions read.
fn fill_condition_text(tx: &Transaction<'_>) -> Result<()> {
    let mut rows = tx.prepare("SELECT id, data FROM items ORDER BY id")?;
    let mut found = rows.query([])?;
    while let Some(row) = found.next()? {
        let id: i64 = row.get(0)?;
        let data: String = row.get(1)?;
        // An item that cannot be read is matched by no creator or note
        // condition until it is written again; the upgrade does not stop
        // for it.
        let Ok(item) = super::items::parse_data(&data) else {
            continue;
        };
        let derived = crate::search::index::derive_without_body(&item);
        super::items::write_condition_text(tx, id, &derived, SameTrigrams::default())?;
    }
    Ok(())
}

/// Indexes the folded titles, creator names and note text (already stored,
/// or written by [`fill_condition_text`] just before) into the (new, empty)
/// trigram indexes, for every item outside the full-text backlog: those
/// get their rows with their full text.
fn fill_condition_trigrams(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "INSERT INTO item_title_trigrams (rowid, title)
         SELECT id, sort_title FROM items
          WHERE id NOT IN (SELECT item_id FROM fulltext_backlog) ORDER BY id;
         INSERT INTO item_creator_trigrams (rowid, names)
         SELECT item_id, matching || char(10) || names FROM item_creator_text
          WHERE item_id NOT IN (SELECT item_id FROM fulltext_backlog) ORDER BY item_id;
         INSERT INTO item_note_trigrams (rowid, text)
         SELECT item_id, text FROM item_note_text
          WHERE item_id NOT IN (SELECT item_id FROM fulltext_backlog) ORDER BY item_id;",
    )?;
    Ok(())
}
