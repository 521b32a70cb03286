//! Quick and "everything" full-text search. Each word the user typed is a
//! prefix term and all must occur; matches in notes, attachments and
//! annotations count for the top-level item they belong to; results are
//! ranked by relevance and filtered like any list.

use rusqlite::Connection;

use crate::error::Result;
use crate::library::{Library, LibraryId};
use crate::search::filter::{ItemFilter, filter_sql};
use crate::search::list::{ListQuery, SortField, list_page, summaries};
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
pub struct SearchQuery {
    /// What the user typed; punctuation and search syntax in it are taken
    /// as plain text.
    pub text: String,
    pub mode: SearchMode,
    pub filter: ItemFilter,
    pub limit: u32,
    pub offset: u32,
}

impl Default for SearchQuery {
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

fn search_page(conn: &Connection, lib: LibraryId, q: &SearchQuery) -> Result<Page<ItemSummary>> {
    let Some(expression) = match_expression(&q.text, q.mode) else {
        let list = ListQuery {
            filter: q.filter.clone(),
            sort: SortField::Title,
            descending: false,
            limit: q.limit,
            offset: q.offset,
        };
        return list_page(conn, lib, &list);
    };
    let mut params = Params::default();
    let condition = filter_sql(conn, lib, &q.filter, &mut params)?;
    let expression = params.bind(expression);
    let lib_param = params.bind(lib.0);
    let in_trash = params.bind(q.filter.trash);
    // A hit in a child counts for the item the list shows: its top-level
    // ancestor, or in the trash the highest ancestor that is in the trash.
    let sql = format!(
        "WITH hits(id, score) AS MATERIALIZED (
            SELECT rowid, bm25(items_fts, {QUICK_WEIGHT}, {BODY_WEIGHT})
              FROM items_fts WHERE items_fts MATCH {expression}
         ),
         roots(id, score) AS (
            SELECT coalesce(CASE WHEN g.in_trash = {in_trash} THEN g.id END,
                            CASE WHEN p.in_trash = {in_trash} THEN p.id END,
                            h.id),
                   min(hits.score)
              FROM hits
              JOIN items h ON h.id = hits.id
              LEFT JOIN items p ON p.library_id = h.library_id AND p.key = h.parent_key
              LEFT JOIN items g ON g.library_id = p.library_id AND g.key = p.parent_key
             WHERE h.library_id = {lib_param} AND h.in_trash = {in_trash}
             GROUP BY 1
         )
         SELECT i.id, count(*) OVER () FROM roots JOIN items i ON i.id = roots.id
          WHERE {condition}
          ORDER BY roots.score, i.id
          LIMIT {} OFFSET {}",
        q.limit, q.offset
    );
    let rows: Vec<(i64, u64)> = conn
        .prepare(&sql)?
        .query_map(params.as_params(), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let total = match rows.first() {
        Some((_, total)) => *total,
        // Past the last page (or no match): count without paging.
        None => count_matches(conn, &sql, &params)?,
    };
    let ids: Vec<i64> = rows.into_iter().map(|(id, _)| id).collect();
    Ok(Page {
        items: summaries(conn, &ids)?,
        total,
        offset: q.offset,
        limit: q.limit,
    })
}

fn count_matches(conn: &Connection, paged_sql: &str, params: &Params) -> Result<u64> {
    // The paged statement without its LIMIT, counted.
    let unpaged = paged_sql
        .rsplit_once("LIMIT")
        .map_or(paged_sql, |(head, _)| head);
    Ok(conn.query_row(
        &format!("SELECT count(*) FROM ({unpaged})"),
        params.as_params(),
        |r| r.get(0),
    )?)
}

impl Library {
    /// Full-text search: items whose text (or whose notes', attachments' or
    /// annotations' text) contains every word typed, as a word prefix,
    /// diacritics ignored; best matches first. Empty text lists items by
    /// title.
    pub fn search_items(&self, q: &SearchQuery) -> Result<Page<ItemSummary>> {
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
