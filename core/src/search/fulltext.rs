//! Quick and "everything" full-text search. Each word the user typed is a
//! prefix term and all must occur; matches in notes, attachments and
//! annotations count for the top-level item they belong to; results are
//! ranked by relevance (bm25) and filtered like any list. A query matching
//! more than [`RANK_LIMIT`] index rows is listed in title order instead.

use std::collections::HashSet;

use rusqlite::Connection;

use crate::error::Result;
use crate::library::{Library, LibraryId};
use crate::search::filter::{ItemFilter, filter_sql};
use crate::search::list::{ItemListQuery, SortField, list_page, order_sql, summaries};
use crate::search::sql::Params;
use crate::search::summary::{ItemSummary, Page};

/// Which text a search looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SearchMode {
    /// Titles, creators and years.
    #[default]
    Quick,
    /// Every field, tags, notes and annotation text as well.
    Everything,
}

/// A full-text search and the page of results wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSearchQuery {
    /// What the user typed; punctuation and search syntax in it are taken
    /// as plain text.
    pub text: String,
    pub mode: SearchMode,
    pub filter: ItemFilter,
    pub limit: u32,
    pub offset: u32,
}

impl Default for ItemSearchQuery {
    fn default() -> Self {
        Self {
            text: String::new(),
            mode: SearchMode::Quick,
            filter: ItemFilter::default(),
            limit: 50,
            offset: 0,
        }
    }
}

/// How much a match in titles, creators and years weighs against one in the
/// other text.
const QUICK_WEIGHT: f64 = 10.0;
const BODY_WEIGHT: f64 = 1.0;

/// The FTS5 query for what the user typed: every whitespace-separated word
/// becomes a quoted prefix phrase (`"o'brien"*`), all of them required. The
/// table's own tokenizer splits and folds the quoted text, so diacritics and
/// punctuation behave as in the index, and nothing the user types can be
/// read as query syntax. `None` when there is no word to look for.
pub(crate) fn match_expression(text: &str, mode: SearchMode) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        return None;
    }
    let all = terms.join(" AND ");
    Some(match mode {
        SearchMode::Quick => format!("quick : ({all})"),
        SearchMode::Everything => all,
    })
}

/// Above this many matching rows a query is too unspecific for relevance to
/// mean much (a letter or two typed so far): its results come in title
/// order, which also spares scoring every match.
pub(crate) const RANK_LIMIT: i64 = 2000;

fn search_page(
    conn: &Connection,
    lib: LibraryId,
    q: &ItemSearchQuery,
) -> Result<Page<ItemSummary>> {
    let Some(expression) = match_expression(&q.text, q.mode) else {
        let list = ItemListQuery {
            filter: q.filter.clone(),
            sort: SortField::Title,
            descending: false,
            limit: q.limit,
            offset: q.offset,
        };
        return list_page(conn, lib, &list);
    };
    // One snapshot for every statement below.
    let snapshot = conn.unchecked_transaction()?;
    let pending = backlog_waiting(conn)?;
    let ranked = count_capped(conn, &expression, pending)? <= RANK_LIMIT;
    let mut params = Params::default();
    let condition = filter_sql(conn, lib, &q.filter, &mut params)?.condition();
    let condition_params = params.clone();
    let mut found = found_items(
        conn,
        lib,
        q,
        &condition,
        params,
        expression,
        Scoring { ranked, pending },
    )?;
    let (total, ids) = if ranked {
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let page = found
            .iter()
            .skip(q.offset as usize)
            .take(q.limit as usize)
            .map(|(id, _)| *id)
            .collect();
        (found.len(), page)
    } else {
        let found: HashSet<i64> = found.into_iter().map(|(id, _)| id).collect();
        let page = in_title_order(conn, &condition, &condition_params, &found, q)?;
        (found.len(), page)
    };
    let items = summaries(conn, &ids)?;
    snapshot.finish()?;
    Ok(Page {
        items,
        total: total as u64,
        offset: q.offset,
        limit: q.limit,
    })
}

/// Whether items wait in the full-text backlog: their quick text is in
/// `items_fts_pending` meanwhile, and searches look there too.
fn backlog_waiting(conn: &Connection) -> Result<bool> {
    Ok(
        conn.query_row("SELECT EXISTS (SELECT 1 FROM fulltext_backlog)", [], |r| {
            r.get(0)
        })?,
    )
}

/// The full-text rows matching `expression` (a bound parameter), with
/// `score`; and, while items wait in the backlog, their pending quick text
/// rows with `pending_score`. The backlog is checked per match (`EXISTS`):
/// given as `rowid IN (…)`, FTS5 would run the match once per backlog row.
fn matching_rows(expression: &str, score: &str, pending_score: &str, pending: bool) -> String {
    let mut sql =
        format!("SELECT rowid, {score} FROM items_fts WHERE items_fts MATCH {expression}");
    if pending {
        sql.push_str(&format!(
            " UNION ALL SELECT rowid, {pending_score} FROM items_fts_pending
               WHERE items_fts_pending MATCH {expression}
                 AND EXISTS (SELECT 1 FROM fulltext_backlog WHERE item_id = items_fts_pending.rowid)"
        ));
    }
    sql
}

/// How many full-text rows match, counting no further than just past
/// [`RANK_LIMIT`].
fn count_capped(conn: &Connection, expression: &str, pending: bool) -> Result<i64> {
    let rows = matching_rows("?1", "1", "1", pending);
    Ok(conn.query_row(
        &format!("SELECT count(*) FROM ({rows} LIMIT ?2)"),
        rusqlite::params![expression, RANK_LIMIT + 1],
        |r| r.get(0),
    )?)
}

/// How matches are scored: by relevance or not at all, and whether the
/// backlog's pending quick text is searched as well.
#[derive(Debug, Clone, Copy)]
struct Scoring {
    ranked: bool,
    pending: bool,
}

/// The items a list shows that match, with their best score (lower is
/// better; 0 for all when not `ranked`). Ranked results hold each item once;
/// unranked ones may repeat an item, for the caller to fold.
///
/// A match in an item the list shows counts for it directly; a match in a
/// child (note, attachment, annotation) counts for its top-level item, or in
/// the trash for its highest ancestor in the trash. Matches drive every join
/// (CROSS JOIN fixes the order), and where items sit is read from the compact
/// `items_tree` index rather than from item rows.
fn found_items(
    conn: &Connection,
    lib: LibraryId,
    q: &ItemSearchQuery,
    condition: &str,
    mut params: Params,
    expression: String,
    scoring: Scoring,
) -> Result<Vec<(i64, f64)>> {
    let Scoring { ranked, pending } = scoring;
    let expression = params.bind(expression);
    let lib = params.bind(lib.0);
    let (score, pending_score) = if ranked {
        (
            format!("bm25(items_fts, {QUICK_WEIGHT}, {BODY_WEIGHT})"),
            format!("bm25(items_fts_pending, {QUICK_WEIGHT})"),
        )
    } else {
        ("0.0".to_owned(), "0.0".to_owned())
    };
    // Ranked results are folded to one row per item, with its best score.
    let (best, group) = if ranked {
        ("min(score)", "GROUP BY id")
    } else {
        ("score", "")
    };
    let rows = matching_rows(&expression, &score, &pending_score, pending);
    let fts = format!("WITH fts(id, score) AS MATERIALIZED ({rows})");
    let sql = if q.filter.trash {
        // In the trash a match maps to its highest ancestor in the trash,
        // which may be a child trashed on its own.
        format!(
            "{fts},
             found(id, score) AS (
                SELECT i.id, fts.score
                  FROM fts CROSS JOIN items i INDEXED BY items_tree ON i.id = fts.id
                 WHERE i.parent_key IS NULL AND {condition}
                UNION ALL
                SELECT i.id, fts.score
                  FROM fts
                 CROSS JOIN items h INDEXED BY items_tree ON h.id = fts.id
                  LEFT JOIN items pk ON pk.library_id = h.library_id AND pk.key = h.parent_key
                  LEFT JOIN items p INDEXED BY items_tree ON p.id = pk.id
                  LEFT JOIN items gk ON gk.library_id = p.library_id AND gk.key = p.parent_key
                  LEFT JOIN items g INDEXED BY items_tree ON g.id = gk.id
                 CROSS JOIN items i INDEXED BY items_tree
                    ON i.id = coalesce(CASE WHEN g.in_trash THEN g.id END,
                                       CASE WHEN p.in_trash THEN p.id END,
                                       h.id)
                 WHERE h.parent_key IS NOT NULL AND h.library_id = {lib} AND h.in_trash
                   AND {condition}
             )
             SELECT id, {best} FROM found {group}"
        )
    } else {
        // Outside the trash every ancestor of a live match is live: a note
        // or attachment maps to its parent, an annotation to its
        // attachment's parent, if any. Parent keys become ids through the
        // key index; a missing parent key skips its lookup.
        format!(
            "{fts},
             found(id, score) AS (
                SELECT i.id, fts.score
                  FROM fts
                 CROSS JOIN items h INDEXED BY items_tree ON h.id = fts.id
                  LEFT JOIN items pk ON pk.library_id = h.library_id AND pk.key = h.parent_key
                  LEFT JOIN items p INDEXED BY items_tree
                    ON p.id = CASE WHEN h.item_type = 'annotation' THEN pk.id END
                  LEFT JOIN items gk ON gk.library_id = p.library_id AND gk.key = p.parent_key
                 CROSS JOIN items i INDEXED BY items_tree ON i.id = coalesce(gk.id, pk.id, h.id)
                 WHERE h.library_id = {lib} AND h.in_trash = 0 AND {condition}
             )
             SELECT id, {best} FROM found {group}"
        )
    };
    let rows = conn
        .prepare(&sql)?
        .query_map(params.as_params(), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The page of `found` in title order: walks the list's title index and
/// keeps the rows found. Used for broad queries, where found rows are dense
/// in the list and the walk short.
fn in_title_order(
    conn: &Connection,
    condition: &str,
    params: &Params,
    found: &HashSet<i64>,
    q: &ItemSearchQuery,
) -> Result<Vec<i64>> {
    let order = order_sql(SortField::Title, false);
    let mut stmt = conn.prepare(&format!(
        "SELECT i.id FROM items i WHERE {condition} ORDER BY {order}"
    ))?;
    let mut rows = stmt.query(params.as_params())?;
    let mut skipped = 0;
    let mut page = Vec::new();
    while page.len() < q.limit as usize {
        let Some(row) = rows.next()? else { break };
        let id: i64 = row.get(0)?;
        if !found.contains(&id) {
            continue;
        }
        if skipped < q.offset {
            skipped += 1;
        } else {
            page.push(id);
        }
    }
    Ok(page)
}

impl Library {
    /// Full-text search: items whose text (or whose notes', attachments' or
    /// annotations' text) contains every word typed, as a word prefix,
    /// diacritics ignored; best matches first, or in title order when the
    /// query matches more than 2,000 index rows. Empty text lists by title.
    pub fn search_items(&self, q: &ItemSearchQuery) -> Result<Page<ItemSummary>> {
        let lib = self.id;
        self.db.read(|conn| search_page(conn, lib, q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_every_word() {
        assert_eq!(
            match_expression("deep  time", SearchMode::Everything).as_deref(),
            Some("\"deep\"* AND \"time\"*")
        );
        assert_eq!(
            match_expression("say \"hi\"", SearchMode::Quick).as_deref(),
            Some("quick : (\"say\"* AND \"\"\"hi\"\"\"*)")
        );
        assert_eq!(match_expression(" - * ( ", SearchMode::Quick), None);
        assert_eq!(match_expression("", SearchMode::Quick), None);
    }
}
