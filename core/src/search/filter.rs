//! Which items a list or search shows: the library or its trash, narrowed by
//! collection, saved search, tags and item type. Every filter is a plain SQL
//! condition on the candidate row `i`, applied outside any full-text match.

use rusqlite::Connection;
use shelfmark_protocol::ObjectKey;
use shelfmark_protocol::schema::schema;

use crate::error::{Error, Result};
use crate::library::LibraryId;
use crate::search::saved::compile_saved_search;
use crate::search::sql::{Params, join_terms};
use crate::store::collection_rows::existing_collection_key;

/// What to show. The default is every top-level item outside the trash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    /// Only items in this collection (by key).
    pub collection: Option<String>,
    /// With `collection`: also items in its subcollections, at any depth.
    pub include_subcollections: bool,
    /// Only items the saved search with this key finds.
    pub saved_search: Option<String>,
    /// Only items carrying every one of these tags.
    pub tags: Vec<String>,
    /// Only items of this type (`book`, `journalArticle`, …).
    pub item_type: Option<String>,
    /// List the trash instead of the library.
    pub trash: bool,
    /// Only items in sync conflict (the "Sync Conflicts" list): items whose
    /// own fields conflict, and top-level items whose notes, attachments or
    /// annotations do.
    pub conflicts: bool,
}

/// What a filter selects, as SQL conditions on `items i`.
#[derive(Debug, Clone)]
pub(crate) struct FilterSql {
    /// The rows the list can show at all (library or trash), which the list
    /// indexes cover.
    pub scope: String,
    /// The narrowing filters (collection, saved search, tags, type), if any.
    pub narrowing: Option<String>,
}

impl FilterSql {
    /// Scope and narrowing together.
    pub(crate) fn condition(&self) -> String {
        match &self.narrowing {
            Some(narrowing) => format!("{} AND ({narrowing})", self.scope),
            None => self.scope.clone(),
        }
    }
}

/// The SQL (on `items i`) selecting what `filter` shows in library `lib`.
/// Fails on a collection or saved search that does not exist.
pub(crate) fn filter_sql(
    conn: &Connection,
    lib: LibraryId,
    filter: &ItemFilter,
    params: &mut Params,
) -> Result<FilterSql> {
    let lib_param = params.bind(lib.0);
    let mut terms = Vec::new();
    let mut saved_mentions_trash = false;
    if let Some(key) = &filter.saved_search {
        let key = ObjectKey::parse(key)?;
        let compiled = compile_saved_search(conn, lib, &key, &lib_param, params)?;
        saved_mentions_trash = compiled.mentions_trash;
        terms.push(compiled.sql);
    }
    if let Some(key) = &filter.collection {
        let key = existing_collection_key(conn, lib, key)?;
        terms.push(format!(
            "i.id IN ({})",
            collection_members_sql(&key, filter.include_subcollections, &lib_param, params)
        ));
    }
    for tag in &filter.tags {
        let tag = params.bind(tag.clone());
        terms.push(format!(
            "i.id IN (SELECT item_id FROM item_tags WHERE tag = {tag})"
        ));
    }
    if filter.conflicts {
        terms.push(format!(
            "i.key IN (SELECT coalesce(c.parent_key, c.key) FROM sync_conflicts s
                JOIN items c ON c.library_id = s.library_id AND c.key = s.key
               WHERE s.library_id = {lib_param} AND s.object_type = 'item')"
        ));
    }
    if let Some(item_type) = &filter.item_type {
        if schema().item_type(item_type).is_none() {
            return Err(Error::invalid(format!("{item_type:?} is not an item type")));
        }
        let item_type = params.bind(item_type.clone());
        terms.push(format!("i.item_type = {item_type}"));
    }
    Ok(FilterSql {
        scope: scope_sql(filter.trash, saved_mentions_trash, &lib_param),
        narrowing: (!terms.is_empty()).then(|| join_terms(&terms, false)),
    })
}

/// The rows a list can show at all. The library view is top-level items
/// outside the trash, which the `items_top_*` partial indexes cover. The
/// trash view shows what was put there: top-level items, and children trashed
/// on their own while their parent stays (otherwise nothing would show them).
/// A saved search that asks about the trash itself sees both.
fn scope_sql(trash: bool, saved_mentions_trash: bool, lib: &str) -> String {
    if trash {
        format!(
            "i.library_id = {lib} AND i.in_trash = 1 AND i.deleted = 1
             AND (i.parent_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM items p
                 WHERE p.library_id = i.library_id AND p.key = i.parent_key AND p.in_trash = 1))"
        )
    } else if saved_mentions_trash {
        format!("i.library_id = {lib} AND i.parent_key IS NULL")
    } else {
        format!("i.library_id = {lib} AND i.in_trash = 0 AND i.parent_key IS NULL")
    }
}

/// A subquery of the ids of items in collection `key` (and, if `recursive`,
/// in its live subcollections at any depth).
pub(crate) fn collection_members_sql(
    key: &ObjectKey,
    recursive: bool,
    lib: &str,
    params: &mut Params,
) -> String {
    let key = params.bind(key.as_str().to_owned());
    if recursive {
        format!(
            "SELECT item_id FROM collection_items
              WHERE library_id = {lib} AND collection_key IN (
                WITH RECURSIVE tree(key) AS (
                    SELECT {key}
                    UNION
                    SELECT c.key FROM collections c JOIN tree ON c.parent_key = tree.key
                     WHERE c.library_id = {lib} AND c.deleted = 0)
                SELECT key FROM tree)"
        )
    } else {
        format!(
            "SELECT item_id FROM collection_items WHERE library_id = {lib} AND collection_key = {key}"
        )
    }
}
