//! Sorted, filtered, paged item lists, and items fetched by key.

use std::str::FromStr;

use rusqlite::Connection;
use shelfmark_protocol::{ItemData, ObjectKey};

use crate::error::{Error, Result};
use crate::library::{Library, LibraryId};
use crate::search::filter::{ItemFilter, filter_sql};
use crate::search::sql::Params;
use crate::search::summary::{ItemSummary, Page, RawSummary, SUMMARY_COLUMNS, read_summary};
use crate::store::items::get_row;

/// What a list is sorted by. Each has a stored, folded sort column with an
/// index, so the first page of any order is read straight from the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortField {
    #[default]
    Title,
    /// The first creator of the item type's primary kind.
    Creator,
    /// The item's date, chronologically.
    Date,
    DateAdded,
    DateModified,
    /// The item type's name as shown.
    ItemType,
}

impl SortField {
    pub const ALL: [SortField; 6] = [
        Self::Title,
        Self::Creator,
        Self::Date,
        Self::DateAdded,
        Self::DateModified,
        Self::ItemType,
    ];

    /// The name used on the command line and in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Creator => "creator",
            Self::Date => "date",
            Self::DateAdded => "dateAdded",
            Self::DateModified => "dateModified",
            Self::ItemType => "itemType",
        }
    }

    /// Reads `title`, `creator`, `date`, `dateAdded`, `dateModified` or
    /// `itemType`, in any case.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
                Error::invalid(format!(
                    "cannot sort by {s:?}; use one of {}",
                    names.join(", ")
                ))
            })
    }

    /// The indexed column holding this order.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::Title => "i.sort_title",
            Self::Creator => "i.sort_creator",
            Self::Date => "i.sort_date",
            Self::DateAdded => "i.date_added",
            Self::DateModified => "i.date_modified",
            Self::ItemType => "i.sort_type",
        }
    }
}

impl FromStr for SortField {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl std::fmt::Display for SortField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A page of an item list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemListQuery {
    pub filter: ItemFilter,
    pub sort: SortField,
    pub descending: bool,
    /// Rows per page (50 by default).
    pub limit: u32,
    pub offset: u32,
}

impl Default for ItemListQuery {
    fn default() -> Self {
        Self {
            filter: ItemFilter::default(),
            sort: SortField::Title,
            descending: false,
            limit: 50,
            offset: 0,
        }
    }
}

/// Ids of one page of `items i` rows matching `condition`, in `order`, and
/// how many rows match in all.
fn page_ids(
    conn: &Connection,
    condition: &str,
    order: &str,
    params: &Params,
    limit: u32,
    offset: u32,
) -> Result<(Vec<i64>, u64)> {
    let ids: Vec<i64> = conn
        .prepare(&page_sql(condition, order, limit, offset))?
        .query_map(params.as_params(), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let total: u64 = conn.query_row(&count_sql(condition), params.as_params(), |r| r.get(0))?;
    Ok((ids, total))
}

/// Found rows up to which a narrowed list's page is taken by sorting them;
/// with more, the list's sort index is walked until the page is full.
/// Sorting costs a row read per found row, walking about one per
/// (rows in the list / found rows) for each row of the page: with 100,000
/// rows and a page of 50, both cost about the same near 2,000.
const FEW_FOUND: u64 = 2000;

/// Like [`page_ids`] for a narrowed list. The narrowing conditions (which
/// may be costly, as saved searches are) are evaluated once, over the
/// scope in storage order, into the rows found, in one statement that also
/// takes the page from them: when they are few, by sorting them; when many,
/// by walking the list's sort index and testing each row against them,
/// which takes few rows.
fn narrowed_page_ids(
    conn: &Connection,
    scope: &str,
    narrowing: &str,
    params: &Params,
    q: &ItemListQuery,
) -> Result<(Vec<i64>, u64)> {
    let order = order_sql(q.sort, q.descending);
    let (total, page): (u64, String) = conn
        .prepare(&narrowed_page_sql(
            scope, narrowing, &order, q.limit, q.offset,
        ))?
        .query_row(params.as_params(), |r| Ok((r.get(0)?, r.get(1)?)))?;
    // The page's rows in order again: an aggregate promises no order.
    let ids = conn
        .prepare(&format!(
            "SELECT i.id FROM items i WHERE i.id IN (SELECT value FROM json_each(?1))
              ORDER BY {order}"
        ))?
        .query_map([page], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((ids, total))
}

/// How many rows a narrowed list has, and the ids of its page as a JSON
/// array. `CROSS JOIN` makes the few rows found drive the lookups;
/// `coalesce` keeps the many from being read as a set of row ids to fetch
/// and sort, so that the sort index is walked instead.
fn narrowed_page_sql(scope: &str, narrowing: &str, order: &str, limit: u32, offset: u32) -> String {
    let page = format!("ORDER BY {order} LIMIT {limit} OFFSET {offset}");
    format!(
        "WITH found(id) AS MATERIALIZED (SELECT i.id FROM items i WHERE {scope} AND ({narrowing}))
         SELECT n, CASE WHEN n <= {FEW_FOUND}
             THEN (SELECT json_group_array(id) FROM
                     (SELECT i.id FROM found f CROSS JOIN items i ON i.id = f.id {page}))
             ELSE (SELECT json_group_array(id) FROM
                     (SELECT i.id FROM items i WHERE {scope} AND coalesce(i.id IN found, 0) {page}))
           END
           FROM (SELECT count(*) AS n FROM found)"
    )
}

fn page_sql(condition: &str, order: &str, limit: u32, offset: u32) -> String {
    format!(
        "SELECT i.id FROM items i WHERE {condition} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
    )
}

fn count_sql(condition: &str) -> String {
    format!("SELECT count(*) FROM items i WHERE {condition}")
}

/// The list rows of items by id, in the order given.
pub(crate) fn summaries(conn: &Connection, ids: &[i64]) -> Result<Vec<ItemSummary>> {
    let raws: Vec<RawSummary> = {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM items i WHERE i.id = ?1"
        ))?;
        ids.iter()
            .map(|id| stmt.query_row([id], |r| read_summary(r, 0)))
            .collect::<rusqlite::Result<_>>()?
    };
    raws.into_iter().map(RawSummary::finish).collect()
}

/// The SQL `ORDER BY` for a sort: the stored sort key, then the row id, both
/// in the same direction, so that the order is total and an index gives it.
pub(crate) fn order_sql(sort: SortField, descending: bool) -> String {
    let dir = if descending { "DESC" } else { "ASC" };
    format!("{} {dir}, i.id {dir}", sort.column())
}

/// One page of a list, read in one snapshot.
pub(crate) fn list_page(
    conn: &Connection,
    lib: LibraryId,
    q: &ItemListQuery,
) -> Result<Page<ItemSummary>> {
    // One snapshot for the page, its total and its rows.
    let snapshot = conn.unchecked_transaction()?;
    let mut params = Params::default();
    let filter = filter_sql(conn, lib, &q.filter, &mut params)?;
    let (ids, total) = match &filter.narrowing {
        Some(narrowing) => narrowed_page_ids(conn, &filter.scope, narrowing, &params, q)?,
        None => {
            let order = order_sql(q.sort, q.descending);
            page_ids(conn, &filter.scope, &order, &params, q.limit, q.offset)?
        }
    };
    let items = summaries(conn, &ids)?;
    snapshot.finish()?;
    Ok(Page {
        items,
        total,
        offset: q.offset,
        limit: q.limit,
    })
}

impl Library {
    /// One page of top-level items (or of the trash), filtered and sorted as
    /// `q` says, with the total number of rows.
    pub fn list_items(&self, q: &ItemListQuery) -> Result<Page<ItemSummary>> {
        let lib = self.id;
        self.db.read(|conn| list_page(conn, lib, q))
    }

    /// How many items `filter` shows, for counts beside collections and
    /// virtual lists such as the trash or "Sync Conflicts".
    pub fn count_items(&self, filter: &ItemFilter) -> Result<u64> {
        let lib = self.id;
        self.db.read(|conn| {
            let mut params = Params::default();
            let condition = filter_sql(conn, lib, filter, &mut params)?.condition();
            Ok(conn.query_row(&count_sql(&condition), params.as_params(), |r| r.get(0))?)
        })
    }

    /// The "Sync Conflicts" list: top-level items in conflict (or with a
    /// child in conflict), sorted and paged like any list.
    pub fn list_conflicted_items(
        &self,
        sort: SortField,
        limit: u32,
        offset: u32,
    ) -> Result<Page<ItemSummary>> {
        self.list_items(&ItemListQuery {
            filter: ItemFilter {
                conflicts: true,
                ..ItemFilter::default()
            },
            sort,
            descending: false,
            limit,
            offset,
        })
    }

    /// The full data of the items with these keys, in the order asked for.
    pub fn get_items(&self, keys: &[ObjectKey]) -> Result<Vec<ItemData>> {
        let lib = self.id;
        self.db.read(|conn| {
            keys.iter()
                .map(|key| Ok(get_row(conn, lib, key)?.data))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan of `sql`, one line per step.
    fn plan(conn: &Connection, sql: &str, params: &Params) -> Vec<String> {
        conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("prepare")
            .query_map(params.as_params(), |r| r.get::<_, String>(3))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    #[test]
    fn first_page_of_every_order_is_read_from_an_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = Library::create(dir.path().join("plan.shelfmark")).expect("create");
        lib.db
            .read(|conn| {
                let mut params = Params::default();
                let condition =
                    filter_sql(conn, lib.id, &ItemFilter::default(), &mut params)?.scope;
                for sort in SortField::ALL {
                    for descending in [false, true] {
                        let sql = page_sql(&condition, &order_sql(sort, descending), 50, 0);
                        let steps = plan(conn, &sql, &params);
                        let index = format!("items_top_{}", index_suffix(sort));
                        assert!(
                            steps.iter().any(|s| s.contains(&index)),
                            "{sort} {descending}: {steps:?}"
                        );
                        assert!(
                            !steps.iter().any(|s| s.contains("TEMP B-TREE")),
                            "{sort} {descending}: {steps:?}"
                        );
                    }
                }
                let steps = plan(
                    conn,
                    &format!("SELECT {SUMMARY_COLUMNS} FROM items i WHERE i.id = 1"),
                    &Params::default(),
                );
                assert!(
                    steps.iter().any(|s| s.contains("parent_key=?")),
                    "children are counted through an index: {steps:?}"
                );
                // A narrowed list still walks its sort index.
                let mut tag_params = Params::default();
                let tagged = ItemFilter {
                    tags: vec!["x".into()],
                    ..ItemFilter::default()
                };
                let narrowed = filter_sql(conn, lib.id, &tagged, &mut tag_params)?;
                let sql = narrowed_page_sql(
                    &narrowed.scope,
                    narrowed.narrowing.as_deref().unwrap_or("1"),
                    &order_sql(SortField::Creator, true),
                    50,
                    0,
                );
                let steps = plan(conn, &sql, &tag_params);
                // Many rows found: the sort index is walked. Few: they are
                // looked up by id and sorted, the one sort of the plan.
                assert!(
                    steps.iter().any(|s| s.contains("items_top_creator")),
                    "narrowed: {steps:?}"
                );
                assert!(
                    steps
                        .iter()
                        .any(|s| s.contains("SEARCH i USING INTEGER PRIMARY KEY")),
                    "narrowed: {steps:?}"
                );
                assert_eq!(
                    steps.iter().filter(|s| s.contains("TEMP B-TREE")).count(),
                    1,
                    "narrowed: {steps:?}"
                );
                assert_eq!(
                    steps.iter().filter(|s| s.contains("item_tags")).count(),
                    1,
                    "the narrowing is evaluated once: {steps:?}"
                );
                let steps = plan(conn, &count_sql(&condition), &params);
                assert!(
                    steps
                        .iter()
                        .any(|s| s.contains("COVERING INDEX items_state")),
                    "count: {steps:?}"
                );
                Ok(())
            })
            .expect("plans");
    }

    /// The ids of a page as the list's order gives them, evaluating the
    /// whole filter and sorting everything it finds.
    fn page_by_sorting_everything(lib: &Library, q: &ItemListQuery) -> (Vec<i64>, u64) {
        lib.db
            .read(|conn| {
                let mut params = Params::default();
                let condition = filter_sql(conn, lib.id, &q.filter, &mut params)?.condition();
                let order = order_sql(q.sort, q.descending);
                page_ids(conn, &condition, &order, &params, q.limit, q.offset)
            })
            .expect("reference page")
    }

    #[test]
    fn narrowed_pages_of_few_and_many_rows_come_in_list_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = Library::create(dir.path().join("pages.shelfmark")).expect("create");
        // More tagged items than are sorted directly, and a few tagged
        // differently; titles repeat so that the row id decides ties.
        let items: Vec<ItemData> = (0..FEW_FOUND as usize + 300)
            .map(|n| {
                let mut item = ItemData::new("book");
                item.set_field("title", format!("title {}", n % 97));
                item.set_field("date", format!("{}", 1900 + n % 120));
                let tag = if n % 50 == 0 { "rare" } else { "common" };
                item.tags.push(shelfmark_protocol::Tag::manual(tag));
                item
            })
            .collect();
        lib.create_items(items).expect("create items");
        for tag in ["rare", "common"] {
            for sort in [SortField::Title, SortField::Date] {
                for descending in [false, true] {
                    for offset in [0, 30, 2500] {
                        let q = ItemListQuery {
                            filter: ItemFilter {
                                tags: vec![tag.into()],
                                ..ItemFilter::default()
                            },
                            sort,
                            descending,
                            limit: 50,
                            offset,
                        };
                        let page = lib.list_items(&q).expect("page");
                        let ids: Vec<i64> = lib
                            .db
                            .read(|conn| {
                                page.items
                                    .iter()
                                    .map(|row| Ok(get_row(conn, lib.id, &row.key)?.id))
                                    .collect()
                            })
                            .expect("ids");
                        let (expected, total) = page_by_sorting_everything(&lib, &q);
                        assert_eq!(ids, expected, "{tag} {sort} {descending} {offset}");
                        assert_eq!(page.total, total, "{tag}");
                    }
                }
            }
        }
    }

    fn index_suffix(sort: SortField) -> &'static str {
        match sort {
            SortField::Title => "title",
            SortField::Creator => "creator",
            SortField::Date => "date",
            SortField::DateAdded => "added",
            SortField::DateModified => "modified",
            SortField::ItemType => "type",
        }
    }

    #[test]
    fn parses_sort_names() {
        assert_eq!(
            SortField::parse("DateAdded").ok(),
            Some(SortField::DateAdded)
        );
        assert_eq!(SortField::parse("itemtype").ok(), Some(SortField::ItemType));
        let err = SortField::parse("colour").expect_err("unknown");
        assert!(err.to_string().contains("dateModified"), "{err}");
        for f in SortField::ALL {
            assert_eq!(f.as_str().parse::<SortField>().ok(), Some(f));
        }
    }
}
