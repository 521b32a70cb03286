//! Library pages: My Library and each group's library — the listing
//! (sorted, paged, searched, by collection or saved search, or the trash),
//! actions on a selection, export, new collections, emptying the trash and
//! "Delete all references".
//!
//! Reads use the store's indexed listing queries; every change goes through
//! the API's write planners (`plan_batch`, and the API's own bulk delete), so
//! versions rise exactly as for an API write and the next sync of every
//! device picks it up.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{CollectionData, ItemData, ObjectKey, SavedSearchData};

use super::error::{WebError, WebResult};
use super::pages::{
    CollectionRow, DeleteAllPage, ItemRow, LibLink, LibraryPage, SearchRow, SortLink, notice,
    render,
};
use super::session::{Posted, SignedIn, signed_in, signin_response};
use crate::api::export::{BIB_MAX_ITEMS, CiteParams, ExportFormat, bib_response, export_response};
use crate::api::write::{BatchInput, Collections, Items, Kind, plan_batch};
use crate::api::{LibCtx, Params};
use crate::app::AppState;
use crate::auth::access::library_access;
use crate::clock::now_iso;
use crate::store::{
    AnyOf, Group, ItemQuery, ItemScope, LibraryOwner, QMode, SortField, WriteRequest, plan_write,
};

/// Items on one page of a listing.
pub const PAGE_SIZE: usize = 50;
/// The most items one export or bulk action reads at once.
const EXPORT_MAX_ITEMS: usize = 10_000;
/// What "Delete all references" asks to be typed.
pub const DELETE_ALL_PHRASE: &str = "delete all";

/// A library a page is about, opened for a signed-in account.
#[derive(Debug, Clone)]
pub struct WebLib {
    pub ctx: LibCtx,
    /// `/libraries/user-5` or `/libraries/group-3`.
    pub path: String,
    /// "My Library" or the group's name.
    pub name: String,
    pub group: Option<Group>,
}

impl WebLib {
    /// Whether the account may change this library (the API's rule).
    pub fn can_write(&self) -> bool {
        self.ctx.access.write
    }

    /// 403 unless the account may change this library.
    pub fn require_write(&self) -> WebResult<()> {
        self.ctx.require_write().map_err(WebError::from)
    }
}

/// The path of a library's pages.
pub fn lib_path(owner: LibraryOwner) -> String {
    match owner {
        LibraryOwner::User(id) => format!("/libraries/user-{id}"),
        LibraryOwner::Group(id) => format!("/libraries/group-{id}"),
    }
}

fn parse_lib(lib: &str) -> Option<LibraryOwner> {
    if let Some(id) = lib.strip_prefix("user-") {
        return id.parse().ok().map(LibraryOwner::User);
    }
    lib.strip_prefix("group-")
        .and_then(|id| id.parse().ok())
        .map(LibraryOwner::Group)
}

/// Opens `/libraries/{lib}` for the account: 404 when it does not exist
/// or the account may not read it (the two are not told apart).
pub async fn open_library(state: &AppState, who: &SignedIn, lib: &str) -> WebResult<WebLib> {
    let owner = parse_lib(lib).ok_or_else(WebError::not_found)?;
    let group = match owner {
        LibraryOwner::Group(id) => Some(
            state
                .store
                .group(id)
                .await?
                .ok_or_else(WebError::not_found)?,
        ),
        LibraryOwner::User(_) => None,
    };
    let caller = who.caller();
    let access = library_access(Some(&caller), owner, group.as_ref());
    if !access.read {
        return Err(WebError::not_found());
    }
    let library = state
        .store
        .library(owner)
        .await?
        .ok_or_else(WebError::not_found)?;
    let name = group
        .as_ref()
        .map_or_else(|| "My Library".to_owned(), |g| g.name.clone());
    Ok(WebLib {
        ctx: LibCtx {
            state: state.clone(),
            caller: Some(caller),
            library,
            access,
        },
        path: lib_path(owner),
        name,
        group,
    })
}

/// The query string of a listing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub collection: String,
    pub search: String,
    pub view: String,
    pub page: usize,
    pub done: String,
}

/// A link to a page with these query parameters (empty ones left out).
pub fn link(path: &str, params: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in params {
        if !v.is_empty() {
            query.append_pair(k, v);
            any = true;
        }
    }
    if any {
        format!("{path}?{}", query.finish())
    } else {
        path.to_owned()
    }
}

/// Sorts the listing offers, with their column labels.
const SORTS: [(&str, &str); 4] = [
    ("title", "Title"),
    ("creator", "Creator"),
    ("date", "Date"),
    ("dateAdded", "Added"),
];

fn sort_field(name: &str) -> (SortField, &'static str) {
    match name {
        "title" => (SortField::Title, "title"),
        "creator" => (SortField::Creator, "creator"),
        "date" => (SortField::Date, "date"),
        _ => (SortField::DateAdded, "dateAdded"),
    }
}

/// A listing's creators: "Smith", "Smith and Jones", "Smith et al.".
pub fn creator_summary(item: &ItemData) -> String {
    let primary = schema()
        .item_type(&item.item_type)
        .and_then(|t| t.primary_creator_type());
    let mut names: Vec<&str> = item
        .creators
        .iter()
        .filter(|c| Some(c.creator_type.as_str()) == primary)
        .map(|c| c.last_or_single())
        .collect();
    if names.is_empty() {
        names = item.creators.iter().map(|c| c.last_or_single()).collect();
    }
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [a, b] => format!("{a} and {b}"),
        [a, ..] => format!("{a} et al."),
    }
}

/// The year of an item's date, if it has one.
pub fn year(item: &ItemData) -> String {
    let date = item.field("date").unwrap_or_default();
    shelfmark_protocol::dates::parse_date(date)
        .year
        .map_or_else(String::new, |y| y.to_string())
}

/// How an item is named in lists: its title, a note's first line, or a
/// placeholder.
pub fn display_title(item: &ItemData) -> String {
    if item.is_note() {
        let text = super::notes::note_text(item.field("note").unwrap_or_default());
        let first = text.lines().next().unwrap_or_default();
        return if first.is_empty() {
            "(empty note)".into()
        } else {
            first.chars().take(120).collect()
        };
    }
    match item.title() {
        Some(t) if !t.trim().is_empty() => t.to_owned(),
        _ => "(untitled)".into(),
    }
}

/// The date part of a stored time.
pub fn day(time: Option<&str>) -> String {
    time.map(|t| t.chars().take(10).collect())
        .unwrap_or_default()
}

/// The nested collection tree, depth-first by name, with item counts.
fn collection_tree(
    collections: &[CollectionData],
    counts: &HashMap<ObjectKey, u64>,
    path: &str,
    current: &str,
) -> Vec<CollectionRow> {
    let mut children: HashMap<Option<&ObjectKey>, Vec<&CollectionData>> = HashMap::new();
    for c in collections.iter().filter(|c| !c.deleted) {
        children
            .entry(c.parent_collection.as_ref())
            .or_default()
            .push(c);
    }
    for list in children.values_mut() {
        list.sort_by_key(|c| c.name.to_lowercase());
    }
    let mut rows = Vec::new();
    let mut stack: Vec<(&CollectionData, usize)> = children
        .get(&None)
        .map(|l| l.iter().rev().map(|c| (*c, 0)).collect())
        .unwrap_or_default();
    while let Some((c, depth)) = stack.pop() {
        let key = c.key.to_string();
        rows.push(CollectionRow {
            link: link(path, &[("collection", &key)]),
            current: key == current,
            count: counts.get(&c.key).copied().unwrap_or(0),
            name: c.name.clone(),
            depth: depth.min(6),
            key,
        });
        if rows.len() > 10_000 {
            break;
        }
        if let Some(kids) = children.get(&Some(&c.key)) {
            stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
        }
    }
    rows
}

/// What a saved search's conditions ask of a listing, as far as the
/// store's listing query can answer: title/creator/year text, tags, item
/// types and a collection. Other conditions are named in the notice.
fn apply_saved_search(
    search: &SavedSearchData,
    query: &mut ItemQuery,
    unsupported: &mut Vec<String>,
) {
    for c in &search.conditions {
        match (c.condition.as_str(), c.operator.as_str()) {
            ("quicksearch-titleCreatorYear" | "title", "contains") => {
                query.q = Some(c.value.clone());
            }
            ("quicksearch-everything" | "quicksearch-fields", "contains") => {
                query.q = Some(c.value.clone());
                query.qmode = QMode::Everything;
            }
            ("tag", "is") => query.tags.push(AnyOf(vec![(c.value.clone(), false)])),
            ("tag", "isNot") => query.tags.push(AnyOf(vec![(c.value.clone(), true)])),
            ("itemType", "is") => query.item_types.push(AnyOf(vec![(c.value.clone(), false)])),
            ("collection", "is") => {
                if let Ok(key) = ObjectKey::parse(&c.value) {
                    query.scope = ItemScope::Collection { key, top: true };
                }
            }
            ("joinMode" | "noChildren" | "includeParentsAndChildren", _) => {}
            (cond, op) => unsupported.push(format!("{cond} {op}")),
        }
    }
}

/// `GET /`: My Library when signed in, the sign-in page otherwise.
pub async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> WebResult<Response> {
    let Some(who) = signed_in(&headers, &state).await? else {
        return Ok(signin_response(&state, &headers));
    };
    let nav = who.nav();
    let lib = lib_path(LibraryOwner::User(who.user.id));
    let lib = lib.trim_start_matches("/libraries/");
    listing(&state, &who, lib, query)
        .await
        .map_err(|e: WebError| e.with_nav(&nav))
}

/// `GET /libraries/{lib}`: a page of the library's items.
pub async fn list(
    State(state): State<AppState>,
    who: SignedIn,
    Path(lib): Path<String>,
    Query(query): Query<ListQuery>,
) -> WebResult<Response> {
    let nav = who.nav();
    listing(&state, &who, &lib, query)
        .await
        .map_err(|e: WebError| e.with_nav(&nav))
}

async fn listing(
    state: &AppState,
    who: &SignedIn,
    lib: &str,
    query: ListQuery,
) -> WebResult<Response> {
    let web = open_library(state, who, lib).await?;
    let page = library_page(&web, who, query).await?;
    Ok(render(&page))
}

/// Builds the listing page.
async fn library_page(web: &WebLib, who: &SignedIn, q: ListQuery) -> WebResult<LibraryPage> {
    let store = web.ctx.state.store.as_ref();
    let lib_id = web.ctx.library.id;
    let trash = q.view == "trash";
    let collection = ObjectKey::parse(&q.collection).ok();
    let search_key = ObjectKey::parse(&q.search).ok();
    let (sort_by, sort_name) = sort_field(&q.sort);
    let default_descending = matches!(sort_by, SortField::DateAdded);
    let descending = match q.dir.as_str() {
        "asc" => false,
        "desc" => true,
        _ => default_descending,
    };
    let page_number = q.page.max(1);
    let mut query = ItemQuery {
        scope: if trash {
            ItemScope::Trash
        } else if let Some(key) = &collection {
            ItemScope::Collection {
                key: key.clone(),
                top: true,
            }
        } else {
            ItemScope::Top
        },
        q: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        hide_notes: !web.ctx.access.notes,
        sort: sort_by,
        descending,
        start: (page_number - 1).saturating_mul(PAGE_SIZE),
        limit: Some(PAGE_SIZE),
        ..ItemQuery::default()
    };
    let collections = store.collections(lib_id).await?;
    let counts: HashMap<ObjectKey, u64> = store
        .collection_item_counts(lib_id)
        .await?
        .into_iter()
        .collect();
    let searches = store.searches(lib_id).await?;
    let mut notice_text = notice(&q.done);
    let mut heading = web.name.clone();
    if let Some(key) = &search_key
        && let Some(search) = searches.iter().find(|s| &s.key == key)
    {
        let mut unsupported = Vec::new();
        apply_saved_search(search, &mut query, &mut unsupported);
        heading = format!("{} — {}", web.name, search.name);
        if !unsupported.is_empty() {
            notice_text = format!(
                "Conditions not applied here: {}. The desktop and mobile apps apply them all.",
                unsupported.join(", ")
            );
        }
    }
    if trash {
        heading = format!("{} — Trash", web.name);
    } else if let Some(c) = collection
        .as_ref()
        .and_then(|k| collections.iter().find(|c| &c.key == k))
    {
        heading = format!("{} — {}", web.name, c.name);
    }
    let page = store.query_items(lib_id, &query).await?;
    let types = schema();
    let rows = page
        .rows
        .iter()
        .map(|item| ItemRow {
            key: item.key.to_string(),
            link: format!("{}/items/{}", web.path, item.key),
            title: display_title(item),
            creators: creator_summary(item),
            year: year(item),
            added: day(item.date_added.as_deref()),
            type_label: types.item_type_label(&item.item_type).to_owned(),
        })
        .collect::<Vec<_>>();
    let collection_text = collection
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let search_text = search_key
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let view = if trash { "trash" } else { "" };
    let dir_name = if descending { "desc" } else { "asc" };
    let page_link = |n: usize| {
        let n = n.to_string();
        link(
            &web.path,
            &[
                ("view", view),
                ("collection", &collection_text),
                ("search", &search_text),
                ("q", &q.q),
                ("sort", sort_name),
                ("dir", dir_name),
                ("page", &n),
            ],
        )
    };
    let shown_to = query.start + rows.len();
    let prev_link = if page_number > 1 {
        page_link(page_number - 1)
    } else {
        String::new()
    };
    let next_link = if shown_to < page.total {
        page_link(page_number + 1)
    } else {
        String::new()
    };
    let sort_links = SORTS
        .iter()
        .map(|(name, label)| {
            let current = *name == sort_name;
            let next_dir = if current && !descending {
                "desc"
            } else {
                "asc"
            };
            let next_dir = if !current && *name == "dateAdded" {
                "desc"
            } else {
                next_dir
            };
            SortLink {
                label,
                link: link(
                    &web.path,
                    &[
                        ("view", view),
                        ("collection", &collection_text),
                        ("search", &search_text),
                        ("q", &q.q),
                        ("sort", name),
                        ("dir", next_dir),
                    ],
                ),
                mark: match (current, descending) {
                    (false, _) => "",
                    (true, false) => "▲",
                    (true, true) => "▼",
                },
            }
        })
        .collect();
    let mut libraries = vec![LibLink {
        path: lib_path(LibraryOwner::User(who.user.id)),
        name: "My Library".into(),
        current: web.ctx.library.owner == LibraryOwner::User(who.user.id),
    }];
    for g in store.groups_of_user(who.user.id).await? {
        libraries.push(LibLink {
            path: lib_path(LibraryOwner::Group(g.id)),
            current: web.ctx.library.owner == LibraryOwner::Group(g.id),
            name: g.name,
        });
    }
    let storage = if web.ctx.library.owner == LibraryOwner::User(who.user.id) {
        let used = store.storage_usage(who.user.id).await?;
        let quota = who
            .user
            .quota_mb
            .unwrap_or(web.ctx.state.config.default_quota_mb);
        format!("Files: {}", super::account::storage_text(used, quota))
    } else {
        String::new()
    };
    let tree = collection_tree(&collections, &counts, &web.path, &collection_text);
    let move_targets = tree
        .iter()
        .filter(|c| c.key != collection_text)
        .map(|c| (c.key.clone(), format!("{}{}", "· ".repeat(c.depth), c.name)))
        .collect();
    Ok(LibraryPage {
        nav: Some(who.nav()),
        notice: notice_text,
        heading,
        lib_path: web.path.clone(),
        can_write: web.can_write(),
        libraries,
        searches: searches
            .iter()
            .map(|s| SearchRow {
                name: s.name.clone(),
                link: link(&web.path, &[("search", s.key.as_ref())]),
                current: search_key.as_ref() == Some(&s.key),
            })
            .collect(),
        collections: tree,
        all_link: web.path.clone(),
        trash_link: link(&web.path, &[("view", "trash")]),
        in_all: !trash && collection.is_none() && search_key.is_none(),
        trash,
        collection: collection_text,
        search: search_text,
        q: q.q,
        sort: sort_name.to_owned(),
        dir: dir_name.to_owned(),
        sort_links,
        first_shown: if rows.is_empty() { 0 } else { query.start + 1 },
        last_shown: shown_to,
        rows,
        total: page.total,
        prev_link,
        next_link,
        move_targets,
        storage,
    })
}

/// Items of the library by key (trash included).
pub async fn items_by_key(ctx: &LibCtx, keys: &[ObjectKey]) -> WebResult<Vec<ItemData>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let query = ItemQuery {
        keys: Some(keys.to_vec()),
        include_trashed: true,
        hide_notes: !ctx.access.notes,
        ..ItemQuery::default()
    };
    Ok(ctx
        .state
        .store
        .query_items(ctx.library.id, &query)
        .await?
        .rows)
}

/// Writes item objects (each with its `key` and `version`) through the
/// API's batch planner, 50 at a time; the first refusal is the error.
pub async fn write_items(ctx: &LibCtx, objects: Vec<Value>) -> WebResult<()> {
    write_batch::<Items>(ctx, objects).await.map(|_| ())
}

/// Writes objects of one kind through the API's batch planner; the keys saved.
pub async fn write_batch<K: Kind>(ctx: &LibCtx, objects: Vec<Value>) -> WebResult<Vec<String>> {
    ctx.require_write()?;
    let mut saved = Vec::new();
    for chunk in objects.chunks(shelfmark_protocol::limits::WRITE_BATCH_MAX) {
        let keys: Vec<ObjectKey> = chunk
            .iter()
            .filter_map(|o| o.get("key").and_then(Value::as_str))
            .filter_map(|k| ObjectKey::parse(k).ok())
            .chain(
                chunk
                    .iter()
                    .filter_map(|o| o.get("parentItem").and_then(Value::as_str))
                    .filter_map(|k| ObjectKey::parse(k).ok()),
            )
            .collect();
        let input = BatchInput {
            objects: chunk.to_vec(),
            notes_allowed: ctx.access.notes,
            library_header: None,
            write_token: None,
            now: now_iso(),
        };
        let request = WriteRequest {
            items: keys,
            all_collections: true,
            ..WriteRequest::default()
        };
        let (result, _) = plan_write(
            ctx.state.store.as_ref(),
            ctx.library.id,
            request,
            move |snap| plan_batch::<K>(snap, &input),
        )
        .await?;
        let result = result?;
        if let Some((_, _, failure)) = result.failed.first() {
            let status = StatusCode::from_u16(failure.code).unwrap_or(StatusCode::BAD_REQUEST);
            return Err(crate::error::ApiError::new(status, failure.message.clone()).into());
        }
        saved.extend(result.saved.iter().map(|(_, d)| K::key(d).to_string()));
    }
    Ok(saved)
}

/// `POST /libraries/{lib}/selection`: export, trash, restore, or add to or
/// remove from a collection the ticked items.
pub async fn selection(
    State(state): State<AppState>,
    Path(lib): Path<String>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    selection_inner(&state, &lib, posted)
        .await
        .map_err(|e: WebError| e.with_nav(&nav))
}

async fn selection_inner(state: &AppState, lib: &str, posted: Posted) -> WebResult<Response> {
    let web = open_library(state, &posted.who, lib).await?;
    let form = &posted.form;
    let keys: Vec<ObjectKey> = form
        .all("key")
        .into_iter()
        .filter_map(|k| ObjectKey::parse(k).ok())
        .take(EXPORT_MAX_ITEMS)
        .collect();
    if keys.is_empty() {
        return Err(WebError::bad_request("Tick the items first."));
    }
    let items = items_by_key(&web.ctx, &keys).await?;
    let back = |done: &str| {
        let collection = form.get("collection");
        Redirect::to(&link(
            &web.path,
            &[("collection", collection), ("done", done)],
        ))
        .into_response()
    };
    match form.get("action") {
        "export" => export_items(&items, form.get("format"), &web, "selection"),
        action @ ("trash" | "restore") => {
            let deleted = action == "trash";
            let objects = items
                .iter()
                .map(
                    |i| json!({"key": i.key.to_string(), "version": i.version, "deleted": deleted}),
                )
                .collect();
            write_items(&web.ctx, objects).await?;
            if deleted {
                Ok(back("trashed"))
            } else {
                Ok(
                    Redirect::to(&link(&web.path, &[("view", "trash"), ("done", "restored")]))
                        .into_response(),
                )
            }
        }
        action @ ("add" | "remove") => {
            let target = if action == "add" {
                form.get("target")
            } else {
                form.get("collection")
            };
            let target = ObjectKey::parse(target)
                .map_err(|_| WebError::bad_request("Choose a collection."))?;
            let objects = items
                .iter()
                // Only top-level items belong to collections themselves.
                .filter(|i| i.parent_item.is_none())
                .map(|i| {
                    let mut list: Vec<String> = i
                        .collections
                        .iter()
                        .filter(|c| **c != target)
                        .map(ToString::to_string)
                        .collect();
                    if action == "add" {
                        list.push(target.to_string());
                    }
                    json!({"key": i.key.to_string(), "version": i.version, "collections": list})
                })
                .collect();
            write_items(&web.ctx, objects).await?;
            Ok(back("collections"))
        }
        _ => Err(WebError::bad_request("Choose an action.")),
    }
}

/// The items as a download in an export format, or a formatted
/// bibliography (`bib`) — the API's own export and citation code.
fn export_items(items: &[ItemData], format: &str, web: &WebLib, name: &str) -> WebResult<Response> {
    let version = web.ctx.library.version;
    if format == "bib" {
        if items.len() > BIB_MAX_ITEMS {
            return Err(WebError::bad_request(format!(
                "A bibliography is made of at most {BIB_MAX_ITEMS} items; choose fewer."
            )));
        }
        let cite = CiteParams::from_params(&Params::default())?;
        return Ok(bib_response(&cite, items, version)?);
    }
    let format = ExportFormat::parse(format)
        .ok_or_else(|| WebError::bad_request("Choose an export format."))?;
    let extension = match format {
        ExportFormat::Bibtex | ExportFormat::Biblatex => "bib",
        ExportFormat::CslJson => "json",
        ExportFormat::Ris => "ris",
        ExportFormat::Refer => "txt",
    };
    let mut response = export_response(format, items, version);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"shelfmark-{name}.{extension}\""
    )) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// `?format=&collection=` of an export.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    format: String,
    collection: String,
}

/// `GET /libraries/{lib}/export?format=ris[&collection=KEY]`: the library
/// or one collection in an export format.
pub async fn export(
    State(state): State<AppState>,
    who: SignedIn,
    Path(lib): Path<String>,
    Query(q): Query<ExportQuery>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        let web = open_library(&state, &who, &lib).await?;
        let collection = ObjectKey::parse(&q.collection).ok();
        let query = ItemQuery {
            scope: match &collection {
                Some(key) => ItemScope::Collection {
                    key: key.clone(),
                    top: true,
                },
                None => ItemScope::Top,
            },
            hide_notes: !web.ctx.access.notes,
            sort: SortField::Creator,
            limit: Some(EXPORT_MAX_ITEMS),
            ..ItemQuery::default()
        };
        let items = state
            .store
            .query_items(web.ctx.library.id, &query)
            .await?
            .rows;
        let name = if collection.is_some() {
            "collection"
        } else {
            "library"
        };
        export_items(&items, &q.format, &web, name)
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /libraries/{lib}/collections`: a new collection (inside `parent`).
pub async fn new_collection(
    State(state): State<AppState>,
    Path(lib): Path<String>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let web = open_library(&state, &posted.who, &lib).await?;
        let name = posted.form.get("name");
        if name.is_empty() {
            return Err(WebError::bad_request("Name the collection."));
        }
        let mut object = json!({"name": name});
        if let Ok(parent) = ObjectKey::parse(posted.form.get("parent")) {
            object["parentCollection"] = Value::String(parent.to_string());
        }
        let saved = write_batch::<Collections>(&web.ctx, vec![object]).await?;
        let key = saved.first().cloned().unwrap_or_default();
        Ok(Redirect::to(&link(
            &web.path,
            &[("collection", &key), ("done", "created")],
        ))
        .into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// Keys (with versions) of every item a scope lists.
async fn keys_in(ctx: &LibCtx, scope: ItemScope) -> WebResult<Vec<(ObjectKey, u64)>> {
    let query = ItemQuery {
        scope,
        ..ItemQuery::default()
    };
    Ok(ctx
        .state
        .store
        .item_versions(ctx.library.id, &query)
        .await?)
}

/// `POST /libraries/{lib}/trash/empty`: deletes the trash's items for good
/// (with their children), through the API's bulk delete.
pub async fn empty_trash(
    State(state): State<AppState>,
    Path(lib): Path<String>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let web = open_library(&state, &posted.who, &lib).await?;
        web.require_write()?;
        if posted.form.get("confirm") != "yes" {
            return Err(WebError::bad_request(
                "Tick the box to confirm that the trash's references go for good.",
            ));
        }
        let keys = keys_in(&web.ctx, ItemScope::Trash).await?;
        for chunk in keys.chunks(shelfmark_protocol::limits::WRITE_BATCH_MAX) {
            let list: Vec<String> = chunk.iter().map(|(k, _)| k.to_string()).collect();
            let params = Params::parse(Some(&format!("itemKey={}", list.join(","))));
            crate::api::items::delete_many(web.ctx.clone(), params, HeaderMap::new()).await?;
        }
        Ok(
            Redirect::to(&link(&web.path, &[("view", "trash"), ("done", "emptied")]))
                .into_response(),
        )
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `GET /libraries/{lib}/delete-all`: the typed confirmation.
pub async fn delete_all_page(
    State(state): State<AppState>,
    who: SignedIn,
    Path(lib): Path<String>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        let web = open_library(&state, &who, &lib).await?;
        web.require_write()?;
        let total = keys_in(&web.ctx, ItemScope::Top).await?.len();
        Ok(render(&DeleteAllPage {
            nav: Some(who.nav()),
            lib_name: web.name.clone(),
            lib_path: web.path.clone(),
            total,
            phrase: DELETE_ALL_PHRASE,
            error: String::new(),
        }))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /libraries/{lib}/delete-all`: with the phrase typed, moves every
/// reference to the trash (nothing is deleted until the trash is emptied).
pub async fn delete_all(
    State(state): State<AppState>,
    Path(lib): Path<String>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let web = open_library(&state, &posted.who, &lib).await?;
        web.require_write()?;
        let keys = keys_in(&web.ctx, ItemScope::Top).await?;
        if !posted
            .form
            .get("confirm")
            .eq_ignore_ascii_case(DELETE_ALL_PHRASE)
        {
            let page = DeleteAllPage {
                nav: Some(posted.who.nav()),
                lib_name: web.name.clone(),
                lib_path: web.path.clone(),
                total: keys.len(),
                phrase: DELETE_ALL_PHRASE,
                error: format!("Type “{DELETE_ALL_PHRASE}” to confirm; nothing was changed."),
            };
            return Ok(super::pages::render_with_status(
                StatusCode::BAD_REQUEST,
                &page,
            ));
        }
        let objects = keys
            .iter()
            .map(|(k, v)| json!({"key": k.to_string(), "version": v, "deleted": true}))
            .collect();
        write_items(&web.ctx, objects).await?;
        Ok(Redirect::to(&link(&web.path, &[("done", "all-trashed")])).into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// A JSON body for an API handler called from a page.
pub fn json_body(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}
