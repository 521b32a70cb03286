//! Item queries in SQLite: one WHERE clause built from an [`ItemQuery`],
//! used for pages, versions and tag lists alike.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};
use shelfmark_protocol::ObjectKey;

use super::parse_key;
use crate::store::{
    AnyOf, ItemQuery, ItemScope, LibraryId, Page, QMode, SortField, StoreError, StoreResult,
    TagInfo,
};

/// A WHERE clause over `items i` and its parameters.
struct Filter {
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

fn filter(lib: LibraryId, q: &ItemQuery) -> Filter {
    let mut f = Filter {
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
        let p = f.param(Value::Text(text.to_lowercase()));
        match q.qmode {
            QMode::TitleCreatorYear => f.push(&format!("instr(i.quick_text, {p}) > 0")),
            // Everything: the item's text, or the full text of the item or
            // of its attachments.
            QMode::Everything => f.push(&format!(
                "(instr(i.full_text, {p}) > 0 OR EXISTS (
                     SELECT 1 FROM fulltext ft LEFT JOIN items c
                         ON c.library_id = ft.library_id AND c.key = ft.item_key
                     WHERE ft.library_id = i.library_id
                       AND (ft.item_key = i.key OR c.parent_key = i.key)
                       AND instr(ft.search_text, {p}) > 0))"
            )),
        }
    }
    if q.hide_notes {
        f.push("i.item_type <> 'note'");
    }
    f
}

fn order_by(q: &ItemQuery, f: &mut Filter) -> String {
    // The objects changed since a version are few and found through the
    // version index; a unary `+` keeps SQLite from walking a whole library
    // along a sort index to find them instead.
    let by = if q.changed_since().is_some() {
        "+i."
    } else {
        "i."
    };
    let column = match &q.sort {
        SortField::DateModified => format!("{by}date_modified"),
        SortField::DateAdded => format!("{by}date_added"),
        SortField::Title => format!("{by}sort_title"),
        SortField::Creator => format!("{by}sort_creator"),
        SortField::ItemType => format!("{by}item_type"),
        SortField::Date => format!("{by}sort_date"),
        SortField::Field(name) => {
            let p = f.param(Value::Text(format!("$.\"{name}\"")));
            format!("lower(coalesce(json_extract(i.data, {p}), ''))")
        }
    };
    let dir = if q.descending { "DESC" } else { "ASC" };
    format!("ORDER BY {column} {dir}, {by}key {dir}")
}

/// The query for the keys of one page of `f`'s matches, in order, and its
/// parameters. The
/// page's keys come first, then their data: sorting only keys keeps deep
/// pages of a large library cheap (sorting whole rows copies every item's
/// JSON into the sorter for every page).
fn page_keys(q: &ItemQuery, mut f: Filter) -> (String, Filter) {
    let order = order_by(q, &mut f);
    let limit = q.limit.map_or(-1, |l| l as i64);
    let sql = format!(
        "SELECT i.key FROM items i WHERE {} {order} LIMIT {limit} OFFSET {}",
        f.sql, q.start
    );
    (sql, f)
}

pub(super) fn query(conn: &Connection, lib: LibraryId, q: &ItemQuery) -> StoreResult<Page<String>> {
    let f = filter(lib, q);
    let count_sql = format!("SELECT COUNT(*) FROM items i WHERE {}", f.sql);
    let total: i64 = conn.query_row(&count_sql, params_from_iter(f.params.iter()), |r| r.get(0))?;
    let (sql, f) = page_keys(q, f);
    let mut stmt = conn.prepare_cached(&sql)?;
    let keys = stmt
        .query_map(params_from_iter(f.params.iter()), |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        total: total as usize,
        rows: data_in_order(conn, lib, &keys)?,
    })
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
    let mut f = filter(lib, q);
    let order = order_by(q, &mut f);
    let sql = format!(
        "SELECT i.key, i.version FROM items i WHERE {} {order}",
        f.sql
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
    let f = filter(lib, q);
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
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("shelfmark.db");
        drop(SqliteStore::open(&path).expect("create"));
        let conn = Connection::open(&path).expect("open");
        let (sql, f) = page_keys(q, filter(1, q));
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
