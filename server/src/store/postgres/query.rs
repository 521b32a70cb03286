//! Item queries in PostgreSQL: one WHERE clause built from an [`ItemQuery`],
//! used for pages, versions and tag lists alike.

use shelfmark_protocol::ObjectKey;
use tokio_postgres::Client;

use super::{Params, parse_key, refs};
use crate::store::{
    AnyOf, ItemQuery, ItemScope, LibraryId, Page, QMode, SortField, StoreResult, TagInfo,
};

/// A WHERE clause over `items i` and its parameters.
struct Filter {
    sql: String,
    params: Params,
}

impl Filter {
    fn push(&mut self, clause: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(clause);
    }

    fn text(&mut self, value: String) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn int(&mut self, value: i64) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn any_of(&mut self, any: &AnyOf, positive: &str, negative: &str) {
        let parts: Vec<String> = any
            .0
            .iter()
            .map(|(value, negated)| {
                let p = self.text(value.clone());
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
        sql: "i.library_id = $1".into(),
        params: vec![Box::new(lib)],
    };
    match &q.scope {
        ItemScope::All => {}
        ItemScope::Top => f.push("i.parent_key IS NULL"),
        ItemScope::Trash => f.push("i.deleted"),
        ItemScope::Children(parent) => {
            let p = f.text(parent.to_string());
            f.push(&format!("i.parent_key = {p}"));
        }
        ItemScope::Collection { key, top } => {
            let p = f.text(key.to_string());
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
        f.push("NOT i.deleted");
    }
    if let Some(since) = q.changed_since() {
        let p = f.int(since as i64);
        f.push(&format!("i.version > {p}"));
    }
    if let Some(keys) = &q.keys {
        let list: Vec<String> = keys.iter().map(ToString::to_string).collect();
        f.params.push(Box::new(list));
        let p = format!("${}", f.params.len());
        f.push(&format!("i.key = ANY({p})"));
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
        let p = f.text(text.to_lowercase());
        match q.qmode {
            QMode::TitleCreatorYear => f.push(&format!("strpos(i.quick_text, {p}) > 0")),
            QMode::Everything => f.push(&format!(
                "(strpos(i.full_text, {p}) > 0 OR EXISTS (
                     SELECT 1 FROM fulltext ft LEFT JOIN items c
                         ON c.library_id = ft.library_id AND c.key = ft.item_key
                     WHERE ft.library_id = i.library_id
                       AND (ft.item_key = i.key OR c.parent_key = i.key)
                       AND strpos(ft.search_text, {p}) > 0))"
            )),
        }
    }
    if q.hide_notes {
        f.push("i.item_type <> 'note'");
    }
    f
}

fn order_by(q: &ItemQuery, f: &mut Filter) -> String {
    let column = match &q.sort {
        SortField::DateModified => "i.date_modified".to_owned(),
        SortField::DateAdded => "i.date_added".to_owned(),
        SortField::Title => "i.sort_title".to_owned(),
        SortField::Creator => "i.sort_creator".to_owned(),
        SortField::ItemType => "i.item_type".to_owned(),
        SortField::Date => "i.sort_date".to_owned(),
        SortField::Field(name) => {
            let p = f.text(name.clone());
            format!("lower(coalesce(i.data::jsonb ->> {p}, ''))")
        }
    };
    let dir = if q.descending { "DESC" } else { "ASC" };
    // Byte order, as SQLite compares, whatever the database's collation.
    format!("ORDER BY {column} COLLATE \"C\" {dir}, i.key COLLATE \"C\" {dir}")
}

pub(super) async fn items(
    conn: &Client,
    lib: LibraryId,
    q: &ItemQuery,
) -> StoreResult<Page<String>> {
    let mut f = filter(lib, q);
    let count_sql = format!("SELECT COUNT(*) FROM items i WHERE {}", f.sql);
    let total: i64 = conn.query_one(&count_sql, &refs(&f.params)).await?.get(0);
    let order = order_by(q, &mut f);
    let limit = q.limit.map_or_else(|| "ALL".to_owned(), |l| l.to_string());
    // The page's keys first, then their data: sorting only keys keeps deep
    // pages of a large library cheap.
    let sql = format!(
        "SELECT i.key FROM items i WHERE {} {order} LIMIT {limit} OFFSET {}",
        f.sql, q.start
    );
    let keys: Vec<String> = conn
        .query(&sql, &refs(&f.params))
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if keys.is_empty() {
        return Ok(Page {
            total: total as usize,
            rows: Vec::new(),
        });
    }
    let found = conn
        .query(
            "SELECT key, data FROM items WHERE library_id = $1 AND key = ANY($2)",
            &[&lib, &keys],
        )
        .await?;
    let mut by_key: std::collections::HashMap<String, &tokio_postgres::Row> =
        found.iter().map(|r| (r.get(0), r)).collect();
    let rows = keys
        .iter()
        .filter_map(|k| by_key.remove(k))
        .map(|r| r.get(1))
        .collect();
    Ok(Page {
        total: total as usize,
        rows,
    })
}

pub(super) async fn versions(
    conn: &Client,
    lib: LibraryId,
    q: &ItemQuery,
) -> StoreResult<Vec<(ObjectKey, u64)>> {
    let mut f = filter(lib, q);
    let order = order_by(q, &mut f);
    let sql = format!(
        "SELECT i.key, i.version FROM items i WHERE {} {order}",
        f.sql
    );
    conn.query(&sql, &refs(&f.params))
        .await?
        .iter()
        .map(|r| Ok((parse_key(r.get(0))?, r.get::<_, i64>(1) as u64)))
        .collect()
}

pub(super) async fn tags(
    conn: &Client,
    lib: LibraryId,
    q: &ItemQuery,
) -> StoreResult<Vec<TagInfo>> {
    let f = filter(lib, q);
    let sql = format!(
        "SELECT t.tag, MAX(t.type), COUNT(*) FROM item_tags t
         JOIN items i ON i.library_id = t.library_id AND i.key = t.item_key
         WHERE {} GROUP BY t.tag ORDER BY t.tag COLLATE \"C\"",
        f.sql
    );
    Ok(conn
        .query(&sql, &refs(&f.params))
        .await?
        .iter()
        .map(|r| TagInfo {
            tag: r.get(0),
            kind: r.get::<_, i64>(1) as u8,
            num_items: r.get::<_, i64>(2) as u64,
        })
        .collect())
}
