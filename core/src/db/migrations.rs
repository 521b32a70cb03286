//! The library file's schema: [`LibrarySchema::create`] builds the latest one
//! in one go, [`LibrarySchema::upgrade`] walks an older file through the
//! numbered steps (run by `shelfmark_sql::open`, all in one transaction).

use rusqlite::Transaction;
use shelfmark_sql::{FileKind, Schema};

use crate::error::{Error, Result};

/// The library format this build writes. Bump it with every step added to
/// [`LibrarySchema::upgrade`], and keep `schema.sql` equal to the result.
pub const SCHEMA_VERSION: u32 = 7;

const LATEST_SCHEMA: &str = include_str!("schema.sql");

/// Step 1 → 2: the sync engine's bookkeeping (account binding, resumable
/// pulls, conflicts and their history, the sync log, notices, deletions
/// waiting for confirmation).
const STEP_1_TO_2: &str = include_str!("migration_2.sql");

/// Step 2 → 3: attachment files on this device (their state, the upload
/// queue) and each library's download policy and cache budget.
const STEP_2_TO_3: &str = include_str!("migration_3.sql");

/// Step 3 → 4: the backlog of items whose full-text row waits for all but
/// the quick text.
const STEP_3_TO_4: &str = include_str!("migration_4.sql");

/// Step 4 → 5: the backlog's quick text without prefix indexes; the quick
/// text of items in the backlog is written again ([`refill_pending_quick_text`]).
const STEP_4_TO_5: &str = include_str!("migration_5.sql");

/// Step 5 → 6: the folded creator names and note text saved-search
/// conditions compare with, filled for every item ([`fill_condition_text`]).
const STEP_5_TO_6: &str = include_str!("migration_6.sql");

/// Step 6 → 7: trigram indexes of the titles, creator names and note text
/// saved-search conditions compare with, filled for every item outside the
/// full-text backlog ([`fill_condition_trigrams`]).
const STEP_6_TO_7: &str = include_str!("migration_7.sql");

/// A library file's schema and its upgrades.
pub(crate) struct LibrarySchema;

impl Schema for LibrarySchema {
    type Error = Error;
    const KIND: FileKind = shelfmark_sql::LIBRARY;
    const VERSION: u32 = SCHEMA_VERSION;

    /// The latest schema, with the personal library.
    fn create(tx: &Transaction<'_>) -> Result<()> {
        tx.execute_batch(LATEST_SCHEMA)?;
        tx.execute(
            "INSERT INTO libraries (id, kind, name) VALUES (1, 'user', 'My Library')",
            [],
        )?;
        Ok(())
    }

    fn upgrade(tx: &Transaction<'_>, from: u32) -> Result<()> {
        match from {
            1 => tx.execute_batch(STEP_1_TO_2)?,
            2 => tx.execute_batch(STEP_2_TO_3)?,
            3 => tx.execute_batch(STEP_3_TO_4)?,
            4 => tx.execute_batch(STEP_4_TO_5)?,
            5 => tx.execute_batch(STEP_5_TO_6)?,
            6 => tx.execute_batch(STEP_6_TO_7)?,
            other => {
                return Err(Error::internal(format!(
                    "no upgrade path from library format {other}"
                )));
            }
        }
        Ok(())
    }

    /// The steps are schema only; search text they leave to fill is derived
    /// by today's indexing code, which is what today's queries read.
    fn after_upgrade(tx: &Transaction<'_>, from: u32) -> Result<()> {
        crate::store::derived::rebuild_after_upgrade(tx, from)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rusqlite::Connection;

    fn init(tx: &Transaction<'_>) -> Result<()> {
        shelfmark_sql::create_schema::<LibrarySchema>(tx)
    }

    fn upgrade_from(tx: &Transaction<'_>, from: u32) -> Result<()> {
        shelfmark_sql::upgrade_schema::<LibrarySchema>(tx, from)
    }

    /// The schema of a database as comparable text: every table, index and
    /// trigger definition, sorted.
    pub(crate) fn schema_dump(conn: &Connection) -> Vec<(String, String, String)> {
        let mut stmt = conn
            .prepare(
                "SELECT type, name, COALESCE(sql, '') FROM sqlite_master
                 WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
            )
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    /// The first released format, kept verbatim so that the upgrade path is
    /// tested from a real old file rather than from the latest schema.
    const V1_SCHEMA: &str = include_str!("schema_v1.sql");

    #[test]
    fn migrated_database_equals_fresh_one() {
        let mut fresh = Connection::open_in_memory().expect("open");
        let tx = fresh.transaction().expect("tx");
        init(&tx).expect("init");
        tx.commit().expect("commit");

        let mut old = Connection::open_in_memory().expect("open");
        old.execute_batch(V1_SCHEMA).expect("v1 schema");
        old.pragma_update(None, "user_version", 1).expect("version");
        let tx = old.transaction().expect("tx");
        upgrade_from(&tx, 1).expect("upgrade");
        tx.commit().expect("commit");

        assert_eq!(schema_dump(&old), schema_dump(&fresh));
        let version: u32 = old
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
    }

    /// Format 2 as released, for the step to 3.
    const V2_SCHEMA: &str = include_str!("schema_v2.sql");

    #[test]
    fn format_2_upgrades_keeping_its_data() {
        let mut fresh = Connection::open_in_memory().expect("open");
        let tx = fresh.transaction().expect("tx");
        init(&tx).expect("init");
        tx.commit().expect("commit");

        let mut old = Connection::open_in_memory().expect("open");
        old.execute_batch(V2_SCHEMA).expect("v2 schema");
        old.execute_batch(
            "INSERT INTO libraries (id, kind, name) VALUES (1, 'user', 'My Library');
             INSERT INTO items (library_id, key, item_type, data, date_added, date_modified)
             VALUES (1, 'ABCD2345', 'attachment', '{}', 'x', 'x');",
        )
        .expect("v2 rows");
        old.pragma_update(None, "user_version", 2).expect("version");
        let tx = old.transaction().expect("tx");
        upgrade_from(&tx, 2).expect("upgrade");
        tx.commit().expect("commit");

        assert_eq!(schema_dump(&old), schema_dump(&fresh));
        let items: i64 = old
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            .expect("count");
        assert_eq!(items, 1);
        // The new tables are usable: a file row and the default policy.
        old.execute(
            "INSERT INTO attachment_files (library_id, item_key, upload_pending) VALUES (1, 'ABCD2345', 1)",
            [],
        )
        .expect("file row");
        old.execute("INSERT INTO file_policies (library_id) VALUES (1)", [])
            .expect("policy row");
        let policy: String = old
            .query_row("SELECT policy FROM file_policies", [], |r| r.get(0))
            .expect("policy");
        assert_eq!(policy, "on-demand");
    }

    /// Format 3 as released, for the step to 4.
    const V3_SCHEMA: &str = include_str!("schema_v3.sql");

    #[test]
    fn format_3_upgrades_keeping_its_data() {
        let mut fresh = Connection::open_in_memory().expect("open");
        let tx = fresh.transaction().expect("tx");
        init(&tx).expect("init");
        tx.commit().expect("commit");

        let mut old = Connection::open_in_memory().expect("open");
        old.execute_batch(V3_SCHEMA).expect("v3 schema");
        old.execute_batch(
            "INSERT INTO libraries (id, kind, name) VALUES (1, 'user', 'My Library');
             INSERT INTO items (library_id, key, item_type, data, date_added, date_modified)
             VALUES (1, 'ABCD2345', 'book', '{}', 'x', 'x');",
        )
        .expect("v3 rows");
        old.pragma_update(None, "user_version", 3).expect("version");
        let tx = old.transaction().expect("tx");
        upgrade_from(&tx, 3).expect("upgrade");
        tx.commit().expect("commit");

        assert_eq!(schema_dump(&old), schema_dump(&fresh));
        // A backlog row goes with its item.
        old.pragma_update(None, "foreign_keys", true).expect("fk");
        old.execute(
            "INSERT INTO fulltext_backlog (item_id) SELECT id FROM items",
            [],
        )
        .expect("backlog row");
        old.execute("DELETE FROM items", []).expect("delete item");
        let left: i64 = old
            .query_row("SELECT count(*) FROM fulltext_backlog", [], |r| r.get(0))
            .expect("count");
        assert_eq!(left, 0);
    }

    /// Format 4 as released, for the step to 5.
    const V4_SCHEMA: &str = include_str!("schema_v4.sql");

    #[test]
    fn format_4_upgrades_keeping_the_backlog_quick_searchable() {
        let mut fresh = Connection::open_in_memory().expect("open");
        let tx = fresh.transaction().expect("tx");
        init(&tx).expect("init");
        tx.commit().expect("commit");

        let mut old = Connection::open_in_memory().expect("open");
        old.execute_batch(V4_SCHEMA).expect("v4 schema");
        old.execute_batch(
            r#"INSERT INTO libraries (id, kind, name) VALUES (1, 'user', 'My Library');
             INSERT INTO items (id, library_id, key, item_type, data, date_added, date_modified)
             VALUES (7, 1, 'ABCD2345', 'book',
                     '{"key":"ABCD2345","version":3,"itemType":"book","title":"Glaciers of Norway",
                       "creators":[{"creatorType":"author","firstName":"Ann","lastName":"Berg"}],
                       "tags":[],"collections":[],"relations":{}}',
                     'x', 'x'),
                    (8, 1, 'BCDE3456', 'book',
                     '{"key":"BCDE3456","version":3,"itemType":"book","title":"Deserts",
                       "creators":[],"tags":[],"collections":[],"relations":{}}',
                     'x', 'x');
             INSERT INTO fulltext_backlog (item_id) VALUES (7);
             INSERT INTO items_fts_pending (rowid, quick) VALUES (7, 'Glaciers of Norway Ann Berg');"#,
        )
        .expect("v4 rows");
        old.pragma_update(None, "user_version", 4).expect("version");
        let tx = old.transaction().expect("tx");
        upgrade_from(&tx, 4).expect("upgrade");
        tx.commit().expect("commit");

        assert_eq!(schema_dump(&old), schema_dump(&fresh));
        // The item waiting in the backlog is found by its quick text again,
        // by whole words and by prefixes; the indexed one is not there.
        for query in ["glaciers", "glac*", "berg", "no*"] {
            let found: Vec<i64> = old
                .prepare("SELECT rowid FROM items_fts_pending WHERE items_fts_pending MATCH ?1")
                .expect("prepare")
                .query_map([query], |r| r.get(0))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows");
            assert_eq!(found, [7], "{query}");
        }
        let deserts: i64 = old
            .query_row(
                "SELECT count(*) FROM items_fts_pending WHERE items_fts_pending MATCH 'deserts'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(deserts, 0);
    }

    /// Format 5 as released, for the step to 6.
    const V5_SCHEMA: &str = include_str!("schema_v5.sql");

    #[test]
    fn format_5_upgrades_with_creator_and_note_text_filled() {
        let mut fresh = Connection::open_in_memory().expect("open");
        let tx = fresh.transaction().expect("tx");
        init(&tx).expect("init");
        tx.commit().expect("commit");

        let mut old = Connection::open_in_memory().expect("open");
        old.execute_batch(V5_SCHEMA).expect("v5 schema");
        old.execute_batch(
            r#"INSERT INTO libraries (id, kind, name) VALUES (1, 'user', 'My Library');
             INSERT INTO items (id, library_id, key, item_type, data, date_added, date_modified)
             VALUES (7, 1, 'ABCD2345', 'book',
                     '{"key":"ABCD2345","version":3,"itemType":"book","title":"Glaciers",
                       "creators":[{"creatorType":"author","firstName":"Åsa","lastName":"Müller"},
                                   {"creatorType":"editor","name":"Nordic Council"}],
                       "tags":[],"collections":[],"relations":{}}',
                     'x', 'x'),
                    (8, 1, 'BCDE3456', 'note',
                     '{"key":"BCDE3456","version":3,"itemType":"note","parentItem":"ABCD2345",
                       "note":"<p>Ice <b>Ages</b></p>","tags":[],"collections":[],"relations":{}}',
                     'x', 'x'),
                    (9, 1, 'CDEF4567', 'book',
                     '{"key":"CDEF4567","version":3,"itemType":"book","title":"Deserts",
                       "creators":[],"tags":[],"collections":[],"relations":{}}',
                     'x', 'x');"#,
        )
        .expect("v5 rows");
        old.pragma_update(None, "user_version", 5).expect("version");
        let tx = old.transaction().expect("tx");
        upgrade_from(&tx, 5).expect("upgrade");
        tx.commit().expect("commit");

        assert_eq!(schema_dump(&old), schema_dump(&fresh));
        let creators: Vec<(i64, String, String)> = old
            .prepare("SELECT item_id, matching, names FROM item_creator_text ORDER BY item_id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(
            creators,
            [(
                7,
                "asa muller\nmuller, asaCnordic council\nnordic council,".to_owned(),
                "SmullerESasa mullerERmuller, asaESnordic councilESnordic councilERnordic council,E"
                    .to_owned()
            )]
        );
        let notes: Vec<(i64, String)> = old
            .prepare("SELECT item_id, text FROM item_note_text")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(notes, [(8, "ice ages".to_owned())]);
        // The rows go with their item.
        old.pragma_update(None, "foreign_keys", true).expect("fk");
        old.execute("DELETE FROM items WHERE id IN (7, 8)", [])
            .expect("delete items");
        let left: i64 = old
            .query_row(
                "SELECT (SELECT count(*) FROM item_creator_text) + (SELECT count(*) FROM item_note_text)",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(left, 0);
    }

    /// Format 6 as released, for the step to 7.
    const V6_SCHEMA: &str = include_str!("schema_v6.sql");

    /// The items whose row in trigram index `table` holds every
    /// three-character run of `value`.
    fn trigram_matches(conn: &Connection, table: &str, value: &str) -> Vec<i64> {
        let query = crate::search::saved::trigram_query(value).expect("a long enough value");
        conn.prepare(&format!(
            "SELECT rowid FROM {table} WHERE {table} MATCH ?1 ORDER BY rowid"
        ))
        .expect("prepare")
        .query_map([query], |r| r.get(0))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
    }

    #[test]
    fn format_6_upgrades_with_condition_trigrams_filled() {
        let mut fresh = Connection::open_in_memory().expect("open");
        let tx = fresh.transaction().expect("tx");
        init(&tx).expect("init");
        tx.commit().expect("commit");

        let mut old = Connection::open_in_memory().expect("open");
        old.execute_batch(V6_SCHEMA).expect("v6 schema");
        old.execute_batch(
            r#"INSERT INTO libraries (id, kind, name) VALUES (1, 'user', 'My Library');
             INSERT INTO items (id, library_id, key, item_type, data, date_added, date_modified,
                                sort_title)
             VALUES (7, 1, 'ABCD2345', 'book', '{}', 'x', 'x', 'glaciers of norway'),
                    (8, 1, 'BCDE3456', 'note', '{}', 'x', 'x', 'ice ages'),
                    (9, 1, 'CDEF4567', 'book', '{}', 'x', 'x', 'glaciers waiting');
             INSERT INTO item_creator_text (item_id, matching, names)
             VALUES (7, 'asa muller' || char(10) || 'muller, asa', 'Smuller'),
                    (9, 'bo muller' || char(10) || 'muller, bo', 'Smuller');
             INSERT INTO item_note_text (item_id, text) VALUES (8, 'ice ages');
             INSERT INTO fulltext_backlog (item_id) VALUES (9);"#,
        )
        .expect("v6 rows");
        old.pragma_update(None, "user_version", 6).expect("version");
        let tx = old.transaction().expect("tx");
        upgrade_from(&tx, 6).expect("upgrade");
        tx.commit().expect("commit");

        assert_eq!(schema_dump(&old), schema_dump(&fresh));
        // Every item but the one waiting in the full-text backlog (whose
        // rows come with its full text) is found by its runs of text.
        assert_eq!(trigram_matches(&old, "item_title_trigrams", "glacier"), [7]);
        assert_eq!(trigram_matches(&old, "item_title_trigrams", "ages"), [8]);
        assert_eq!(
            trigram_matches(&old, "item_creator_trigrams", "muller, "),
            [7]
        );
        assert_eq!(trigram_matches(&old, "item_note_trigrams", "ice ag"), [8]);
        assert!(trigram_matches(&old, "item_creator_trigrams", "norway").is_empty());
        // Large writes gather more of the full-text index in memory, in
        // upgraded and new files alike.
        for conn in [&old, &fresh] {
            let hashsize: i64 = conn
                .query_row(
                    "SELECT v FROM items_fts_config WHERE k = 'hashsize'",
                    [],
                    |r| r.get(0),
                )
                .expect("hashsize");
            assert_eq!(hashsize, 8 << 20);
        }
    }

    #[test]
    fn unknown_old_format_is_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        let tx = conn.transaction().expect("tx");
        assert!(upgrade_from(&tx, 0).is_err());
    }
}
