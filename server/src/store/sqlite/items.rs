//! Item queries in SQLite: one WHERE clause built from an [`ItemQuery`],
//! used for pages, versions and tag lists alike.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use shelfmark_protocol::ObjectKey;

use super::parse_key;
use crate::store::listing_cache::{Anchor, ListingCache, REMEMBERED_MATCHES, anchor_before};
use crate::store::{
    AnyOf, ItemQuery, ItemScope, LibraryId, Page, QMode, SortField, StoreError, StoreResult,
    TagInfo,
};

/// Items (`i`) as a query's FROM clause reads them.
const ITEMS: &str = "items i";
/// Items read in the order the trigram index (`q`) finds them.
const ITEMS_FROM_MATCHES: &str = "items_quick q CROSS JOIN items i ON i.id = q.rowid";

/// A WHERE clause over `items i` and its parameters, and the FROM clause it
/// reads them with.
struct Filter {
    from: &'static str,
    sql: String,
    params: Vec<Value>,
}

impl Filter {
    fn push(&mut self, clause: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(clause);
    }

    fn param(&mut self, value: Value) -> String {
        self.params.push(value);
        format!("?{}", self.params.len())
    }

    fn any_of(&mut self, any: &AnyOf, positive: &str, negative: &str) {
        let parts: Vec<String> = any
            .0
            .iter()
            .map(|(value, negated)| {
                let p = self.param(Value::Text(value.clone()));
                let template = if *negated { negative } else { positive };
                template.replace("{}", &p)
            })
            .collect();
        if !parts.is_empty() {
            self.push(&format!("({})", parts.join(" OR ")));
        }
    }
}

/// How a quick search finds its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuickPlan {
    /// Every match from the trigram index first, then their rows: for
    /// counts, and for searches with few matches (sorting those is cheap).
    Matches,
    /// Along the listing's sort index, reading each item's quick-search
    /// text by its row id until the page is full: the first pages of a
    /// search with many matches, found without listing them all (the
    /// trigram index lists a common phrase's matches slowly).
    PerItem,
    /// As SQLite sees fit, within a larger query (tags of the matches).
    Within,
}

/// Pages reaching further than this many items use [`QuickPlan::Matches`]
/// whatever the matches: reading item by item would read too many.
const PER_ITEM_REACH: usize = 1000;

fn filter(lib: LibraryId, q: &ItemQuery, plan: QuickPlan) -> Filter {
    let mut f = Filter {
        from: ITEMS,
        sql: "i.library_id = ?1".into(),
        params: vec![Value::Integer(lib)],
    };
    match &q.scope {
        ItemScope::All => {}
        ItemScope::Top => f.push("i.parent_key IS NULL"),
        ItemScope::Trash => f.push("i.deleted = 1"),
        ItemScope::Children(parent) => {
            let p = f.param(Value::Text(parent.to_string()));
            f.push(&format!("i.parent_key = {p}"));
        }
        ItemScope::Collection { key, top } => {
            let p = f.param(Value::Text(key.to_string()));
            f.push(&format!(
                "EXISTS (SELECT 1 FROM item_collections c WHERE c.library_id = i.library_id
                 AND c.collection_key = {p} AND c.item_key = i.key)"
            ));
            if *top {
                f.push("i.parent_key IS NULL");
            }
        }
    }
    if q.scope != ItemScope::Trash && !q.include_trashed {
        f.push("i.deleted = 0");
    }
    // Without a vacuous version filter a first sync pages along the sort
    // index.
    if let Some(since) = q.changed_since() {
        let p = f.param(Value::Integer(since as i64));
        f.push(&format!("i.version > {p}"));
    }
    if let Some(keys) = &q.keys {
        let list: Vec<String> = keys
            .iter()
            .map(|k| f.param(Value::Text(k.to_string())))
            .collect();
        if list.is_empty() {
            f.push("0");
        } else {
            f.push(&format!("i.key IN ({})", list.join(", ")));
        }
    }
    for types in &q.item_types {
        f.any_of(types, "i.item_type = {}", "i.item_type <> {}");
    }
    for tags in &q.tags {
        let has = "EXISTS (SELECT 1 FROM item_tags t WHERE t.library_id = i.library_id
                   AND t.item_key = i.key AND t.tag = {})";
        f.any_of(tags, has, &format!("NOT {has}"));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let text = text.to_lowercase();
        match q.qmode {
            QMode::TitleCreatorYear => quick_search(&mut f, text, plan),
            // Everything: the item's text, or the full text of the item or
            // of its attachments.
            QMode::Everything => {
                let p = f.param(Value::Text(text));
                f.push(&format!(
                    "(instr(i.full_text, {p}) > 0 OR EXISTS (
                     SELECT 1 FROM fulltext ft LEFT JOIN items c
                         ON c.library_id = ft.library_id AND c.key = ft.item_key
                     WHERE ft.library_id = i.library_id
                       AND (ft.item_key = i.key OR c.parent_key = i.key)
                       AND instr(ft.search_text, {p}) > 0))"
                ))
            }
        }
    }
    if q.hide_notes {
        f.push("i.item_type <> 'note'");
    }
    f
}

/// Characters in the shortest text the trigram index finds.
const TRIGRAM: usize = 3;

/// The trigram index's query for text: one phrase, which matches exactly
/// where the text is a substring; `None` for text too short to have a
/// trigram.
fn trigram_phrase(text: &str) -> Option<String> {
    (text.chars().count() >= TRIGRAM).then(|| format!("\"{}\"", text.replace('"', "\"\"")))
}

/// Items whose quick-search text contains `text` (lower-cased), found
/// through the trigram index when `text` has a trigram and `plan` lists
/// matches. Otherwise each listed item's quick-search text is read by its
/// row id.
fn quick_search(f: &mut Filter, text: String, plan: QuickPlan) {
    let phrase = trigram_phrase(&text).filter(|_| plan != QuickPlan::PerItem);
    let Some(phrase) = phrase else {
        let p = f.param(Value::Text(text));
        f.push(&format!(
            "instr((SELECT q.quick_text FROM items_quick q WHERE q.rowid = i.id), {p}) > 0"
        ));
        return;
    };
    let p = f.param(Value::Text(phrase));
    if plan == QuickPlan::Within {
        f.push(&format!(
            "i.id IN (SELECT rowid FROM items_quick WHERE items_quick MATCH {p})"
        ));
    } else {
        // Driven by the matches: a CROSS JOIN keeps SQLite from walking the
        // whole library along an index to find them instead.
        f.from = ITEMS_FROM_MATCHES;
        f.push(&format!("q.items_quick MATCH {p}"));
    }
}

/// The plan for one page of `q`, whose search has `total` matches in the
/// library: per item for the first pages of a quick search with more matches
/// than a search keeps in order (fewer are listed and sorted once, see
/// [`remembered_match_page`]).
fn page_plan(q: &ItemQuery, total: usize) -> QuickPlan {
    let reach = q.start.saturating_add(q.limit.unwrap_or(usize::MAX));
    let has_trigram =
        q.q.as_deref()
            .and_then(|text| trigram_phrase(&text.trim().to_lowercase()))
            .is_some();
    if q.qmode == QMode::TitleCreatorYear
        && has_trigram
        && reach <= PER_ITEM_REACH
        && total > REMEMBERED_MATCHES
    {
        QuickPlan::PerItem
    } else {
        QuickPlan::Matches
    }
}

/// The stored column a listing is sorted by; `None` when it is sorted by a
/// value read from the item's JSON.
fn sort_column(sort: &SortField) -> Option<&'static str> {
    match sort {
        SortField::DateModified => Some("date_modified"),
        SortField::DateAdded => Some("date_added"),
        SortField::Title => Some("sort_title"),
        SortField::Creator => Some("sort_creator"),
        SortField::ItemType => Some("item_type"),
        SortField::Date => Some("sort_date"),
        SortField::Field(_) => None,
    }
}

fn order_by(q: &ItemQuery, f: &mut Filter) -> String {
    // The objects changed since a version, and the matches of a search
    // listed by the trigram index, are few and found through their own
    // index; a unary `+` keeps SQLite from walking a whole library along a
    // sort index to find them instead.
    let by = if q.changed_since().is_some() || f.from == ITEMS_FROM_MATCHES {
        "+i."
    } else {
        "i."
    };
    let column = match (&q.sort, sort_column(&q.sort)) {
        (SortField::Field(name), _) => {
            let p = f.param(Value::Text(format!("$.\"{name}\"")));
            format!("lower(coalesce(json_extract(i.data, {p}), ''))")
        }
        (_, column) => format!("{by}{}", column.unwrap_or("key")),
    };
    let dir = if q.descending { "DESC" } else { "ASC" };
    format!("ORDER BY {column} {dir}, {by}key {dir}")
}

/// The query for the keys of one page of `f`'s matches, in order, and its
/// parameters. The page's keys come first, then their data: sorting only
/// keys keeps deep pages of a large library cheap (sorting whole rows copies
/// every item's JSON into the sorter for every page).
fn page_keys(q: &ItemQuery, mut f: Filter) -> (String, Filter) {
    let order = order_by(q, &mut f);
    let limit = f.param(Value::Integer(q.limit.map_or(-1, |l| l as i64)));
    let offset = f.param(Value::Integer(q.start as i64));
    let sql = format!(
        "SELECT i.key FROM {} WHERE {} {order} LIMIT {limit} OFFSET {offset}",
        f.from, f.sql
    );
    (sql, f)
}

/// A page in the second half of a listing is read backwards from its end:
/// reaching it walks at most half the listing. The same page in reverse
/// order; `None` for pages in the first half.
fn from_the_end(q: &ItemQuery, total: usize) -> Option<ItemQuery> {
    let limit = q.limit?;
    if q.start <= total / 2 || q.start >= total {
        return None;
    }
    let shown = limit.min(total - q.start);
    Some(ItemQuery {
        descending: !q.descending,
        start: total - q.start - shown,
        limit: Some(shown),
        ..q.clone()
    })
}

pub(super) fn query(
    conn: &Connection,
    lib: LibraryId,
    q: &ItemQuery,
    cache: &ListingCache,
) -> StoreResult<Page<String>> {
    // One snapshot: the total, the page and its data agree.
    let tx = conn.unchecked_transaction()?;
    let version: i64 = tx
        .prepare_cached("SELECT version FROM libraries WHERE id = ?1")?
        .query_row([lib], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let f = filter(lib, q, QuickPlan::Matches);
    let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {}", f.from, f.sql);
    let described = format!("{count_sql} {:?}", f.params);
    let total = match cache.total(lib, version, &described) {
        Some(total) => total,
        None => {
            let n: i64 = tx
                .prepare_cached(&count_sql)?
                .query_row(params_from_iter(f.params.iter()), |r| r.get(0))?;
            cache.remember_total(lib, version, described, n as usize);
            n as usize
        }
    };
    let keys = if let Some((sql, f)) = anchored_page_keys(&tx, lib, version, q, cache)? {
        read_keys(&tx, &sql, &f)?
    } else if let Some(keys) = remembered_match_page(&tx, lib, version, q, total, cache)? {
        keys
    } else {
        let reversed = from_the_end(q, total);
        let page = reversed.as_ref().unwrap_or(q);
        let (sql, f) = page_keys(page, filter(lib, page, page_plan(page, total)));
        let mut keys = read_keys(&tx, &sql, &f)?;
        if reversed.is_some() {
            keys.reverse();
        }
        keys
    };
    let rows = data_in_order(&tx, lib, &keys)?;
    tx.commit()?;
    Ok(Page { total, rows })
}

/// A page of a quick search with few matches, from the keys of all its
/// matches in order, listed once per library version (sorting a few hundred
/// matches costs more than reading a page of a listing). `None` for other
/// listings.
fn remembered_match_page(
    conn: &Connection,
    lib: LibraryId,
    version: i64,
    q: &ItemQuery,
    total: usize,
    cache: &ListingCache,
) -> StoreResult<Option<Vec<String>>> {
    let searched = q.q.as_deref().is_some_and(|t| !t.trim().is_empty());
    let Some(limit) = q.limit.filter(|_| searched && total <= REMEMBERED_MATCHES) else {
        return Ok(None);
    };
    let whole = ItemQuery {
        start: 0,
        limit: None,
        ..q.clone()
    };
    let (sql, f) = page_keys(&whole, filter(lib, &whole, QuickPlan::Matches));
    let search = format!("{sql} {:?}", f.params);
    let keys = match cache.matches(lib, version, &search) {
        Some(keys) => keys,
        None => {
            let keys = read_keys(conn, &sql, &f)?;
            cache.remember_matches(lib, version, search, keys)
        }
    };
    Ok(Some(
        keys.iter().skip(q.start).take(limit).cloned().collect(),
    ))
}

fn read_keys(conn: &Connection, sql: &str, f: &Filter) -> StoreResult<Vec<String>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params_from_iter(f.params.iter()), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// The query for a page deep in a plain listing (no quick search, sorted by
/// a stored column), starting at the listing's last remembered sort
/// position before it: the sort index is entered there rather than walked
/// from the start. The positions are read, one pass along the index, the
/// first time such a page of the listing is asked for at this library
/// version. `None` for pages where that gains nothing.
fn anchored_page_keys(
    conn: &Connection,
    lib: LibraryId,
    version: i64,
    q: &ItemQuery,
    cache: &ListingCache,
) -> StoreResult<Option<(String, Filter)>> {
    let Some(column) = sort_column(&q.sort).filter(|_| cache.worth_anchoring(q)) else {
        return Ok(None);
    };
    let whole = ItemQuery {
        start: 0,
        limit: None,
        ..q.clone()
    };
    let mut f = filter(lib, &whole, QuickPlan::Matches);
    let order = order_by(&whole, &mut f);
    let listing = format!("{} WHERE {} {order} {:?}", f.from, f.sql, f.params);
    let anchors = match cache.anchors(lib, version, &listing) {
        Some(anchors) => anchors,
        None => {
            let Some(_claim) = cache.claim_anchoring(lib, version, &listing) else {
                return Ok(None);
            };
            let sql = format!(
                "SELECT i.{column}, i.key FROM {} WHERE {} {order}",
                f.from, f.sql
            );
            let spacing = cache.anchor_spacing();
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(params_from_iter(f.params.iter()))?;
            let mut anchors = Vec::new();
            let mut position = 0;
            while let Some(row) = rows.next()? {
                if position % spacing == 0 {
                    anchors.push(Anchor {
                        position,
                        sort_value: row.get(0)?,
                        key: row.get(1)?,
                    });
                }
                position += 1;
            }
            cache.remember_anchors(lib, version, listing, anchors)
        }
    };
    let Some(anchor) = anchor_before(&anchors, q.start) else {
        return Ok(None);
    };
    let mut f = filter(lib, q, QuickPlan::Matches);
    let from = f.param(Value::Text(anchor.sort_value.clone()));
    let key = f.param(Value::Text(anchor.key.clone()));
    let towards = if q.descending { "<=" } else { ">=" };
    f.push(&format!("(i.{column}, i.key) {towards} ({from}, {key})"));
    let page = ItemQuery {
        start: q.start - anchor.position,
        ..q.clone()
    };
    Ok(Some(page_keys(&page, f)))
}

/// The stored JSON of the items with these keys, in the keys' order.
fn data_in_order(conn: &Connection, lib: LibraryId, keys: &[String]) -> StoreResult<Vec<String>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(keys).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut stmt = conn.prepare_cached(
        "SELECT key, data FROM items
         WHERE library_id = ?1 AND key IN (SELECT value FROM json_each(?2))",
    )?;
    let mut found: std::collections::HashMap<String, String> = stmt
        .query_map(rusqlite::params![lib, list], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
}

pub(super) fn versions(
    conn: &Connection,
    lib: LibraryId,
    q: &ItemQuery,
) -> StoreResult<Vec<(ObjectKey, u64)>> {
    let mut f = filter(lib, q, QuickPlan::Matches);
    let order = order_by(q, &mut f);
    let sql = format!(
        "SELECT i.key, i.version FROM {} WHERE {} {order}",
        f.from, f.sql
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(f.params.iter()), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    rows.map(|r| {
        let (k, v) = r?;
        Ok((parse_key(&k)?, v as u64))
    })
    .collect()
}

pub(super) fn child_counts(
    conn: &Connection,
    lib: LibraryId,
    parents: &[ObjectKey],
) -> StoreResult<Vec<(ObjectKey, u64)>> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let mut params: Vec<Value> = vec![Value::Integer(lib)];
    let marks: Vec<String> = parents
        .iter()
        .map(|k| {
            params.push(Value::Text(k.to_string()));
            format!("?{}", params.len())
        })
        .collect();
    let sql = format!(
        "SELECT parent_key, COUNT(*) FROM items WHERE library_id = ?1 AND deleted = 0
         AND parent_key IN ({}) GROUP BY parent_key",
        marks.join(", ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(params.iter()), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    let mut counts = std::collections::HashMap::new();
    for row in rows {
        let (k, n) = row?;
        counts.insert(k, n as u64);
    }
    Ok(parents
        .iter()
        .map(|k| (k.clone(), counts.get(k.as_str()).copied().unwrap_or(0)))
        .collect())
}

pub(super) fn tags(conn: &Connection, lib: LibraryId, q: &ItemQuery) -> StoreResult<Vec<TagInfo>> {
    let f = filter(lib, q, QuickPlan::Within);
    let sql = format!(
        "SELECT t.tag, MAX(t.type), COUNT(*) FROM item_tags t
         JOIN items i ON i.library_id = t.library_id AND i.key = t.item_key
         WHERE {} GROUP BY t.tag ORDER BY t.tag",
        f.sql
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(f.params.iter()), |r| {
        Ok(TagInfo {
            tag: r.get(0)?,
            kind: r.get::<_, i64>(1)? as u8,
            num_items: r.get::<_, i64>(2)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SortField;
    use crate::store::sqlite::SqliteStore;

    /// SQLite's plan for one page of `q`.
    fn plan_of(q: &ItemQuery) -> String {
        plan_with(q, QuickPlan::Matches)
    }

    /// SQLite's plan for one page of `q`, its quick search found as `plan`
    /// says.
    fn plan_with(q: &ItemQuery, plan: QuickPlan) -> String {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        drop(SqliteStore::open(&path).expect("create"));
        let conn = Connection::open(&path).expect("open");
        let (sql, f) = page_keys(q, filter(1, q, plan));
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("plan");
        let rows = stmt
            .query_map(params_from_iter(f.params.iter()), |r| r.get::<_, String>(3))
            .expect("rows")
            .collect::<Result<Vec<_>, _>>()
            .expect("plan rows");
        rows.join("\n")
    }

    fn sync_page(since: u64) -> ItemQuery {
        ItemQuery {
            since: Some(since),
            include_trashed: true,
            sort: SortField::DateAdded,
            start: 40_000,
            limit: Some(1000),
            ..ItemQuery::default()
        }
    }

    #[test]
    fn a_first_sync_pages_along_the_added_index_without_sorting() {
        let plan = plan_of(&sync_page(0));
        assert!(plan.contains("COVERING INDEX items_added"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        let plan = plan_of(&ItemQuery {
            hide_notes: true,
            include_trashed: false,
            ..sync_page(0)
        });
        assert!(plan.contains("COVERING INDEX items_added"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    /// A page of the web library's listing: top-level items, not in the
    /// trash, 50 a page.
    fn library_page(sort: SortField, descending: bool, q: Option<&str>) -> ItemQuery {
        ItemQuery {
            scope: ItemScope::Top,
            hide_notes: true,
            sort,
            descending,
            q: q.map(str::to_owned),
            start: 24_950,
            limit: Some(50),
            ..ItemQuery::default()
        }
    }

    #[test]
    fn each_listing_sort_pages_along_its_own_index_without_sorting() {
        for (sort, index) in [
            (SortField::Title, "items_title"),
            (SortField::Creator, "items_creator"),
            (SortField::Date, "items_date"),
            (SortField::DateAdded, "items_added"),
            (SortField::DateModified, "items_modified"),
        ] {
            for descending in [false, true] {
                let plan = plan_of(&library_page(sort.clone(), descending, None));
                assert!(
                    plan.contains(&format!("COVERING INDEX {index}")),
                    "{sort:?}: {plan}"
                );
                assert!(!plan.contains("TEMP B-TREE"), "{sort:?}: {plan}");
                // The Web API's listing of every item, trash included.
                let plan = plan_of(&ItemQuery {
                    scope: ItemScope::All,
                    include_trashed: true,
                    hide_notes: false,
                    ..library_page(sort.clone(), descending, None)
                });
                assert!(
                    plan.contains(&format!("COVERING INDEX {index}")),
                    "{sort:?}: {plan}"
                );
                assert!(!plan.contains("TEMP B-TREE"), "{sort:?}: {plan}");
            }
        }
    }

    /// Whether a plan reads every item of the library.
    fn scans_items(plan: &str) -> bool {
        plan.lines()
            .any(|l| l == "SCAN i" || l.starts_with("SCAN i USING"))
    }

    #[test]
    fn quick_search_finds_its_matches_through_the_trigram_index() {
        // Few matches: their rows, sorted.
        let q = library_page(SortField::Title, false, Some("Lovelace"));
        let plan = plan_with(&q, QuickPlan::Matches);
        assert!(plan.contains("SCAN q VIRTUAL TABLE INDEX 0:M"), "{plan}");
        assert!(
            plan.contains("SEARCH i USING INTEGER PRIMARY KEY (rowid=?)"),
            "{plan}"
        );
        assert!(!scans_items(&plan), "{plan}");
        // Many matches: along the sort index, reading each item's text.
        let plan = plan_with(&q, QuickPlan::PerItem);
        assert!(plan.contains("COVERING INDEX items_title"), "{plan}");
        assert!(plan.contains("SCAN q VIRTUAL TABLE INDEX 0:="), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        assert!(!scans_items(&plan), "{plan}");
    }

    #[test]
    fn a_short_quick_search_reads_only_the_listed_items_quick_text() {
        let plan = plan_of(&library_page(SortField::Title, false, Some("ab")));
        assert!(plan.contains("COVERING INDEX items_title"), "{plan}");
        // Each listed item's text read by its row id (`=`).
        assert!(plan.contains("SCAN q VIRTUAL TABLE INDEX 0:="), "{plan}");
        assert!(!scans_items(&plan), "{plan}");
    }

    /// A library of `n` items whose titles tie in threes, with quick-search
    /// text, as the write path stores them.
    fn library_of(n: usize) -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        drop(SqliteStore::open(&path).expect("create"));
        let conn = Connection::open(&path).expect("open");
        conn.execute(
            "INSERT INTO libraries (id, kind, owner_id, version) VALUES (1, 'user', 1, 7)",
            [],
        )
        .expect("library");
        for i in 0..n {
            let key = format!("K{i:07}");
            conn.execute(
                "INSERT INTO items (library_id, key, version, item_type, parent_key, deleted,
                     sort_title, data)
                 VALUES (1, ?1, 1, 'book', NULL, ?2, ?3, ?4)",
                rusqlite::params![
                    key,
                    i % 5 == 4,
                    format!("title {}", (i * 7) % (n / 3 + 1)),
                    format!(r#"{{"key":"{key}"}}"#)
                ],
            )
            .expect("item");
            conn.execute(
                "INSERT INTO items_quick (rowid, quick_text) VALUES (last_insert_rowid(), ?1)",
                [format!("item {i} by author{}", i % 4)],
            )
            .expect("quick text");
        }
        (dir, conn)
    }

    /// The keys of a page.
    fn keys_of(page: &Page<String>) -> Vec<String> {
        page.rows
            .iter()
            .map(|r| {
                let item: serde_json::Value = serde_json::from_str(r).expect("stored JSON");
                item["key"].as_str().unwrap_or_default().to_owned()
            })
            .collect()
    }

    #[test]
    fn every_page_is_the_slice_of_the_whole_listing_read_from_either_end_or_a_sort_position() {
        let (_dir, conn) = library_of(40);
        // Sort positions remembered every 3 rows reach every deep page.
        for cache in [
            ListingCache::default(),
            ListingCache::with_anchor_spacing(3),
        ] {
            for q in [None, Some("author1"), Some("or2"), Some("3")] {
                for sort in [SortField::Title, SortField::DateAdded] {
                    for descending in [false, true] {
                        let whole = ItemQuery {
                            sort: sort.clone(),
                            descending,
                            q: q.map(str::to_owned),
                            ..ItemQuery::default()
                        };
                        let all = keys_of(&query(&conn, 1, &whole, &cache).expect("all"));
                        assert!(!all.is_empty());
                        for limit in [1, 3, 7] {
                            for start in 0..=all.len() + 1 {
                                let page = query(
                                    &conn,
                                    1,
                                    &ItemQuery {
                                        start,
                                        limit: Some(limit),
                                        ..whole.clone()
                                    },
                                    &cache,
                                )
                                .expect("page");
                                assert_eq!(page.total, all.len());
                                let expected: Vec<String> =
                                    all.iter().skip(start).take(limit).cloned().collect();
                                assert_eq!(
                                    keys_of(&page),
                                    expected,
                                    "{q:?} {sort:?} {descending} {start}+{limit}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_quick_search_with_more_matches_than_are_kept_pages_from_either_end() {
        use crate::store::listing_cache::REMEMBERED_MATCHES;
        // Every item's text says "item"; four in five are not in the trash.
        let (_dir, conn) = library_of(REMEMBERED_MATCHES * 5 / 4 + 100);
        let cache = ListingCache::default();
        for descending in [false, true] {
            let whole = ItemQuery {
                sort: SortField::Title,
                descending,
                q: Some("item".to_owned()),
                ..ItemQuery::default()
            };
            let all = keys_of(&query(&conn, 1, &whole, &cache).expect("all"));
            assert!(all.len() > REMEMBERED_MATCHES, "{} matches", all.len());
            let last = all.len();
            // First pages, the middle, and pages at the end, which are read
            // from the other end of the sort index.
            for start in [0, 1, last / 2, last - 30, last - 7, last - 1, last] {
                let page = query(
                    &conn,
                    1,
                    &ItemQuery {
                        start,
                        limit: Some(25),
                        ..whole.clone()
                    },
                    &cache,
                )
                .expect("page");
                assert_eq!(page.total, last);
                let expected: Vec<String> = all.iter().skip(start).take(25).cloned().collect();
                assert_eq!(keys_of(&page), expected, "{descending} {start}");
            }
        }
    }

    #[test]
    fn remembered_positions_and_matches_are_read_again_after_a_write() {
        let (_dir, conn) = library_of(40);
        let cache = ListingCache::with_anchor_spacing(3);
        let page_at = |start: usize| ItemQuery {
            sort: SortField::Title,
            start,
            limit: Some(5),
            ..ItemQuery::default()
        };
        let before = keys_of(&query(&conn, 1, &page_at(12), &cache).expect("page"));
        let searched = |start: usize| ItemQuery {
            q: Some("author1".into()),
            ..page_at(start)
        };
        let matches_before = keys_of(&query(&conn, 1, &searched(2), &cache).expect("search"));
        // A new item sorting first shifts every page by one; the write
        // raises the library's version, as every write does.
        conn.execute_batch(
            r#"INSERT INTO items (library_id, key, version, item_type, sort_title, data)
               VALUES (1, 'A0000000', 8, 'book', '', '{"key":"A0000000"}');
               INSERT INTO items_quick (rowid, quick_text) VALUES (last_insert_rowid(), 'new by author1');
               UPDATE libraries SET version = 8 WHERE id = 1;"#,
        )
        .expect("write");
        let after = keys_of(&query(&conn, 1, &page_at(13), &cache).expect("page"));
        assert_eq!(after, before);
        let matches_after = keys_of(&query(&conn, 1, &searched(3), &cache).expect("search"));
        assert_eq!(matches_after, matches_before);
        // The page is read from the sort index entered at the position.
        for (descending, towards) in [(false, ">"), (true, "<")] {
            let deep = ItemQuery {
                descending,
                ..page_at(13)
            };
            let (sql, f) = anchored_page_keys(&conn, 1, 8, &deep, &cache)
                .expect("anchors")
                .expect("anchored");
            let plan = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .expect("plan")
                .query_map(params_from_iter(f.params.iter()), |r| r.get::<_, String>(3))
                .expect("rows")
                .collect::<Result<Vec<_>, _>>()
                .expect("plan rows")
                .join("\n");
            let entered = format!("INDEX items_title (library_id=? AND (sort_title,key){towards}");
            assert!(plan.contains(&entered), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }

    #[test]
    fn a_search_with_many_matches_pages_as_one_with_few() {
        let (_dir, conn) = library_of(REMEMBERED_MATCHES * 2 + 30);
        let counts = ListingCache::default();
        let q = ItemQuery {
            sort: SortField::Title,
            q: Some("author".into()),
            start: 20,
            limit: Some(50),
            ..ItemQuery::default()
        };
        let page = query(&conn, 1, &q, &counts).expect("page");
        assert!(page.total > REMEMBERED_MATCHES, "{}", page.total);
        assert_eq!(page_plan(&q, page.total), QuickPlan::PerItem);
        // A search with as few matches as are kept in order lists them.
        assert_eq!(page_plan(&q, REMEMBERED_MATCHES), QuickPlan::Matches);
        let (sql, f) = page_keys(&q, filter(1, &q, QuickPlan::Matches));
        let by_matches: Vec<String> = conn
            .prepare(&sql)
            .expect("prepare")
            .query_map(params_from_iter(f.params.iter()), |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("keys");
        assert_eq!(keys_of(&page), by_matches);
        assert_eq!(page.rows.len(), 50);
        // Deep pages list every match first.
        let deep = ItemQuery { start: 2000, ..q };
        assert_eq!(page_plan(&deep, page.total), QuickPlan::Matches);
    }

    #[test]
    fn changes_since_a_version_are_found_through_the_version_index() {
        let plan = plan_of(&sync_page(500));
        assert!(plan.contains("COVERING INDEX items_since"), "{plan}");
        let plan = plan_of(&ItemQuery {
            hide_notes: true,
            include_trashed: false,
            ..sync_page(500)
        });
        assert!(plan.contains("COVERING INDEX items_since"), "{plan}");
    }
}
