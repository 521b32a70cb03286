//! Item queries in PostgreSQL: one WHERE clause built from an [`ItemQuery`],
//! used for pages, versions and tag lists alike.

use shelfmark_protocol::ObjectKey;
use tokio_postgres::{Client, GenericClient};

use super::{Params, parse_key, refs};
use crate::store::listing_cache::{Anchor, ListingCache, anchor_before};
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
        let text = text.to_lowercase();
        match q.qmode {
            // A LIKE pattern, which the trigram index answers (`strpos`
            // would read every row); both sides are lower-cased already,
            // so it matches exactly where the text is a substring.
            QMode::TitleCreatorYear => {
                let p = f.text(format!("%{}%", like_escaped(&text)));
                f.push(&format!("i.quick_text LIKE {p}"));
            }
            QMode::Everything => {
                let p = f.text(text);
                f.push(&format!(
                    "(strpos(i.full_text, {p}) > 0 OR EXISTS (
                     SELECT 1 FROM fulltext ft LEFT JOIN items c
                         ON c.library_id = ft.library_id AND c.key = ft.item_key
                     WHERE ft.library_id = i.library_id
                       AND (ft.item_key = i.key OR c.parent_key = i.key)
                       AND strpos(ft.search_text, {p}) > 0))"
                ))
            }
        }
    }
    if q.hide_notes {
        f.push("i.item_type <> 'note'");
    }
    f
}

/// Text as a LIKE pattern that matches only itself.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
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
    let column = match (&q.sort, sort_column(&q.sort)) {
        (SortField::Field(name), _) => {
            let p = f.text(name.clone());
            format!("lower(coalesce(i.data::jsonb ->> {p}, ''))")
        }
        (_, column) => format!("i.{}", column.unwrap_or("key")),
    };
    let dir = if q.descending { "DESC" } else { "ASC" };
    // Byte order, as SQLite compares, whatever the database's collation.
    format!("ORDER BY {column} COLLATE \"C\" {dir}, i.key COLLATE \"C\" {dir}")
}

/// The query for the keys of one page of `q`, in order, and its parameters.
/// The page's keys come first, then their data: sorting only keys keeps deep
/// pages of a large library cheap.
fn page_keys(q: &ItemQuery, mut f: Filter) -> (String, Filter) {
    let order = order_by(q, &mut f);
    let limit = q.limit.map_or_else(|| "ALL".to_owned(), |l| l.to_string());
    let sql = format!(
        "SELECT i.key FROM items i WHERE {} {order} LIMIT {limit} OFFSET {}",
        f.sql, q.start
    );
    (sql, f)
}

/// One page of items and the total. `conn` reads one snapshot (a
/// repeatable-read transaction), so that the library's version names the
/// total and sort positions remembered in `cache`.
pub(super) async fn items(
    conn: &impl GenericClient,
    lib: LibraryId,
    q: &ItemQuery,
    cache: &ListingCache,
) -> StoreResult<Page<String>> {
    let version: i64 = conn
        .query_opt("SELECT version FROM libraries WHERE id = $1", &[&lib])
        .await?
        .map_or(0, |r| r.get(0));
    let f = filter(lib, q);
    let count_sql = format!("SELECT COUNT(*) FROM items i WHERE {}", f.sql);
    // The total does not depend on the page or its order.
    let unordered = ItemQuery {
        start: 0,
        limit: None,
        sort: SortField::default(),
        descending: false,
        ..q.clone()
    };
    let described = format!("{count_sql} {unordered:?}");
    let total = match cache.total(lib, version, &described) {
        Some(total) => total,
        None => {
            let n: i64 = conn.query_one(&count_sql, &refs(&f.params)).await?.get(0);
            cache.remember_total(lib, version, described, n as usize);
            n as usize
        }
    };
    let (sql, f, reversed) = match anchored_page_keys(conn, lib, version, q, cache).await? {
        Some((sql, f)) => (sql, f, false),
        None => {
            let reversed = from_the_end(q, total);
            let page = reversed.as_ref().unwrap_or(q);
            let (sql, f) = page_keys(page, filter(lib, page));
            (sql, f, reversed.is_some())
        }
    };
    let mut keys: Vec<String> = conn
        .query(&sql, &refs(&f.params))
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if reversed {
        keys.reverse();
    }
    if keys.is_empty() {
        return Ok(Page {
            total,
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
    Ok(Page { total, rows })
}

/// The query for a page deep in a plain listing (no quick search, sorted by
/// a stored column), starting at the listing's last remembered sort
/// position before it: the sort index is entered there rather than walked
/// from the start. The positions are read, one pass along the index, the
/// first time such a page of the listing is asked for at this library
/// version. `None` for pages where that gains nothing.
async fn anchored_page_keys(
    conn: &impl GenericClient,
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
    let listing = format!("{whole:?}");
    let anchors = match cache.anchors(lib, version, &listing) {
        Some(anchors) => anchors,
        None => {
            let Some(_claim) = cache.claim_anchoring(lib, version, &listing) else {
                return Ok(None);
            };
            let mut f = filter(lib, &whole);
            let order = order_by(&whole, &mut f);
            let spacing = f.int(cache.anchor_spacing() as i64);
            // Only every spacing-th row leaves the server.
            let sql = format!(
                "SELECT sort_value, key, position FROM (
                     SELECT i.{column} AS sort_value, i.key AS key,
                            row_number() OVER ({order}) - 1 AS position
                     FROM items i WHERE {}) listing
                 WHERE position % {spacing} = 0 ORDER BY position",
                f.sql
            );
            let anchors = conn
                .query(&sql, &refs(&f.params))
                .await?
                .iter()
                .map(|r| Anchor {
                    sort_value: r.get(0),
                    key: r.get(1),
                    position: r.get::<_, i64>(2) as usize,
                })
                .collect();
            cache.remember_anchors(lib, version, listing, anchors)
        }
    };
    let Some(anchor) = anchor_before(&anchors, q.start) else {
        return Ok(None);
    };
    let page = ItemQuery {
        start: q.start - anchor.position,
        ..q.clone()
    };
    let mut f = filter(lib, &page);
    let from = f.text(anchor.sort_value.clone());
    let key = f.text(anchor.key.clone());
    let towards = if q.descending { "<=" } else { ">=" };
    f.push(&format!(
        "(i.{column} COLLATE \"C\", i.key COLLATE \"C\") {towards} ({from}, {key})"
    ));
    Ok(Some(page_keys(&page, f)))
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

#[cfg(test)]
mod tests {
    //! Query plans on a real PostgreSQL, when `SHELFMARK_TEST_DATABASE_URL`
    //! names one (`server/tests/run-scale-out.sh` starts one); skipped
    //! otherwise.

    use super::*;
    use crate::store::postgres::PgStore;
    use crate::store::{NewUser, Store};

    /// A store on a fresh database with one user's library of `n` items
    /// (every fifth in the trash), analysed; the URL of the database.
    async fn library_of(test: &str, n: i64) -> Option<(PgStore, String, LibraryId)> {
        let url = std::env::var("SHELFMARK_TEST_DATABASE_URL").ok()?;
        let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        let name = format!("shelfmark_{test}_{}", std::process::id());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("database");
        let (base, _) = url.rsplit_once('/').expect("URL with a database");
        let db_url = format!("{base}/{name}");
        let store = PgStore::connect(&db_url).await.expect("store");
        let user = store
            .create_user(NewUser {
                email: "ada@example.org".into(),
                username: "ada".into(),
                display_name: "Ada".into(),
                password_hash: "x".into(),
                is_admin: false,
            })
            .await
            .expect("user");
        let conn = store.pool.get().await.expect("connection");
        let lib: LibraryId = conn
            .query_one(
                "SELECT id FROM libraries WHERE kind = 'user' AND owner_id = $1",
                &[&(user.id as i64)],
            )
            .await
            .expect("library")
            .get(0);
        conn.execute(
            "INSERT INTO items (library_id, key, version, item_type, deleted, date_added,
                 date_modified, sort_title, sort_creator, sort_date, quick_text, data)
             SELECT $1, 'K' || lpad(n::text, 7, '0'), 1, 'journalArticle', n % 5 = 4,
                 '2026-01-01T' || lpad(n::text, 8, '0'), '2026-01-01T' || lpad(n::text, 8, '0'),
                 'article ' || n, 'author' || (n % 997), (1950 + n % 70) || '-05-17',
                 'article ' || n || E'\\nada author' || (n % 997) || E'\\n' || (1950 + n % 70),
                 '{\"title\": \"' || repeat('x', 1500) || '\"}'
             FROM generate_series(0, $2::bigint - 1) AS n",
            &[&lib, &n],
        )
        .await
        .expect("items");
        conn.batch_execute("VACUUM ANALYZE items")
            .await
            .expect("analyse");
        drop(conn);
        Some((store, db_url, lib))
    }

    async fn plan_of(store: &PgStore, lib: LibraryId, q: &ItemQuery) -> String {
        let (sql, f) = page_keys(q, filter(lib, q));
        let conn = store.pool.get().await.expect("connection");
        conn.query(&format!("EXPLAIN {sql}"), &refs(&f.params))
            .await
            .expect("plan")
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn library_page(sort: SortField, descending: bool, q: Option<&str>) -> ItemQuery {
        ItemQuery {
            scope: ItemScope::Top,
            hide_notes: true,
            sort,
            descending,
            q: q.map(str::to_owned),
            start: 50,
            limit: Some(50),
            ..ItemQuery::default()
        }
    }

    #[tokio::test]
    async fn listings_page_along_their_sort_index_and_search_through_trigrams() {
        let Some((store, _, lib)) = library_of("plans", 20_000).await else {
            eprintln!("SHELFMARK_TEST_DATABASE_URL is not set: skipped");
            return;
        };
        for (sort, index) in [
            (SortField::Title, "items_title"),
            (SortField::Creator, "items_creator"),
            (SortField::Date, "items_date"),
            (SortField::DateAdded, "items_added"),
            (SortField::DateModified, "items_modified"),
        ] {
            for descending in [false, true] {
                let plan =
                    plan_of(&store, lib, &library_page(sort.clone(), descending, None)).await;
                assert!(plan.contains(&format!("using {index}")), "{sort:?}: {plan}");
                assert!(!plan.contains("Sort"), "{sort:?}: {plan}");
            }
        }
        let plan = plan_of(
            &store,
            lib,
            &library_page(SortField::Title, false, Some("Article 4242")),
        )
        .await;
        assert!(plan.contains("Bitmap Index Scan on items_quick"), "{plan}");
        // Every page is the slice of the whole listing, read from either end.
        let whole = ItemQuery {
            limit: None,
            start: 0,
            ..library_page(SortField::Creator, true, Some("author1"))
        };
        let all = store.query_item_json(lib, &whole).await.expect("all");
        assert!(all.total > 1000, "{}", all.total);
        for start in [
            0,
            49,
            all.total / 2,
            all.total / 2 + 1,
            all.total - 7,
            all.total,
        ] {
            let page = store
                .query_item_json(
                    lib,
                    &ItemQuery {
                        start,
                        limit: Some(50),
                        ..whole.clone()
                    },
                )
                .await
                .expect("page");
            assert_eq!(page.total, all.total);
            let expected: Vec<&String> = all.rows.iter().skip(start).take(50).collect();
            assert_eq!(
                page.rows.iter().collect::<Vec<_>>(),
                expected,
                "from {start}"
            );
        }
    }

    #[tokio::test]
    async fn deep_pages_start_at_a_remembered_sort_position() {
        let Some((store, _, lib)) = library_of("anchors", 6_000).await else {
            eprintln!("SHELFMARK_TEST_DATABASE_URL is not set: skipped");
            return;
        };
        for descending in [false, true] {
            let whole = ItemQuery {
                limit: None,
                start: 0,
                ..library_page(SortField::Creator, descending, None)
            };
            let all = store.query_item_json(lib, &whole).await.expect("all");
            for start in [999, 1000, 1001, 2345, 4_800, all.total - 3] {
                let page = store
                    .query_item_json(
                        lib,
                        &ItemQuery {
                            start,
                            limit: Some(50),
                            ..whole.clone()
                        },
                    )
                    .await
                    .expect("page");
                let expected: Vec<&String> = all.rows.iter().skip(start).take(50).collect();
                assert_eq!(
                    page.rows.iter().collect::<Vec<_>>(),
                    expected,
                    "{descending} from {start}"
                );
            }
            // The page is read from the sort index entered at the position.
            let conn = store.pool.get().await.expect("connection");
            let cache = ListingCache::default();
            let deep = ItemQuery {
                start: 2345,
                limit: Some(50),
                ..whole.clone()
            };
            let (sql, f) = anchored_page_keys(&*conn, lib, 1, &deep, &cache)
                .await
                .expect("anchors")
                .expect("anchored");
            let plan = conn
                .query(&format!("EXPLAIN {sql}"), &refs(&f.params))
                .await
                .expect("plan")
                .iter()
                .map(|r| r.get::<_, String>(0))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(plan.contains("using items_creator"), "{plan}");
            assert!(!plan.contains("Sort"), "{plan}");
        }
    }

    #[tokio::test]
    async fn a_schema_4_database_gains_the_sort_and_trigram_indexes() {
        let Some((store, url, _)) = library_of("upgrade", 10).await else {
            eprintln!("SHELFMARK_TEST_DATABASE_URL is not set: skipped");
            return;
        };
        let indexes = |store: PgStore| async move {
            let conn = store.pool.get().await.expect("connection");
            conn.query(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'items' ORDER BY indexname",
                &[],
            )
            .await
            .expect("indexes")
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
        };
        let expected = [
            "items_added",
            "items_creator",
            "items_date",
            "items_modified",
            "items_parent",
            "items_pkey",
            "items_quick",
            "items_since",
            "items_title",
        ];
        {
            let conn = store.pool.get().await.expect("connection");
            conn.batch_execute(
                "DROP INDEX items_title, items_creator, items_date, items_modified, items_quick;
                 UPDATE schema_meta SET version = 4;",
            )
            .await
            .expect("downgrade");
        }
        let upgraded = PgStore::connect(&url).await.expect("upgrade");
        assert_eq!(indexes(upgraded.clone()).await, expected);
        let conn = upgraded.pool.get().await.expect("connection");
        let version: i64 = conn
            .query_one("SELECT version FROM schema_meta", &[])
            .await
            .expect("version")
            .get(0);
        assert_eq!(version, 5);
    }
}
