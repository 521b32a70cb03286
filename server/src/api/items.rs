//! Items: listings (`items`, `items/top`, `items/trash`, children, items of
//! a collection), one item, and writes (POST batch, PUT, PATCH, DELETE).

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use shelfmark_protocol::ItemData;
use shelfmark_protocol::ObjectKey;

use super::atom::{AtomRequest, contents, entry_response, feed_response, needs_style};
pub use super::envelope::{envelope, envelopes};
use super::export::{
    BIB_MAX_ITEMS, CiteParams, Include, add_includes, bib_response, export_response, includes,
};
use super::object::Endpoint;
use super::paging::{Paging, add_headers};
use super::query::{Format, item_query, key_list};
use super::write::{
    BatchInput, Items, WriteTiming, batch_body, descendants, library_precondition, plan_batch,
    report, write_token,
};
use super::{
    LAST_MODIFIED_VERSION, LibCtx, Params, json_bytes_response, json_response, no_content,
    not_modified, version_header,
};
use crate::clock::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::store::{Changes, ItemQuery, ItemScope, Snapshot, WriteRequest, plan_write};
use shelfmark_protocol::headers;

/// Parses an object key from a URL, 404 when it cannot be one.
pub fn path_key(key: &str) -> ApiResult<ObjectKey> {
    ObjectKey::parse(key).map_err(|_| ApiError::not_found("Not found"))
}

/// Answers a listing in the asked-for format.
async fn respond_list(
    ctx: &LibCtx,
    params: &Params,
    mut query: ItemQuery,
    path: &str,
) -> ApiResult<Response> {
    let version = ctx.library.version;
    match Format::from_params(params)? {
        Format::Keys => {
            let rows = ctx
                .state
                .store
                .item_versions(ctx.library.id, &query)
                .await?;
            let mut body: String = rows
                .iter()
                .map(|(k, _)| k.to_string())
                .collect::<Vec<_>>()
                .join("\n");
            body.push('\n');
            let mut r = ([(header::CONTENT_TYPE, "text/plain")], body).into_response();
            r.headers_mut()
                .insert(LAST_MODIFIED_VERSION, HeaderValue::from(version));
            Ok(r)
        }
        Format::Versions => {
            let rows = ctx
                .state
                .store
                .item_versions(ctx.library.id, &query)
                .await?;
            let map: Map<String, Value> = rows
                .into_iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            Ok(json_response(&Value::Object(map), version))
        }
        Format::Json => {
            let includes = includes(params)?;
            let cite = CiteParams::from_params(params)?;
            if includes.contains(&Include::Bib) || includes.contains(&Include::Citation) {
                cite.check()?;
            }
            let paging = Paging::from_params(params)?;
            query.start = paging.start;
            query.limit = Some(paging.limit);
            if includes == [Include::Data] {
                // The common case, and a sync's: envelopes written around
                // the stored JSON, which is never parsed into items.
                let page = ctx
                    .state
                    .store
                    .query_item_json(ctx.library.id, &query)
                    .await?;
                let body = super::envelope::listing(ctx, &page.rows).await?;
                let mut r = json_bytes_response(body, version);
                add_headers(&mut r, &ctx.url(path), params, paging, page.total);
                Ok(r)
            } else {
                let page = ctx.state.store.query_items(ctx.library.id, &query).await?;
                let mut list = envelopes(ctx, &page.rows).await?;
                for (envelope, item) in list.iter_mut().zip(&page.rows) {
                    add_includes(envelope, item, &includes, &cite)?;
                }
                let mut r = json_response(&Value::Array(list), version);
                add_headers(&mut r, &ctx.url(path), params, paging, page.total);
                Ok(r)
            }
        }
        Format::Export(format) => {
            let paging = Paging::from_params(params)?;
            query.start = paging.start;
            query.limit = Some(paging.limit);
            let page = ctx.state.store.query_items(ctx.library.id, &query).await?;
            let mut r = export_response(format, &page.rows, version);
            add_headers(&mut r, &ctx.url(path), params, paging, page.total);
            Ok(r)
        }
        Format::Atom => {
            let atom = AtomRequest::new(ctx, params)?;
            let paging = Paging::from_params(params)?;
            query.start = paging.start;
            query.limit = Some(paging.limit);
            let page = ctx.state.store.query_items(ctx.library.id, &query).await?;
            let list = envelopes(ctx, &page.rows).await?;
            feed_response(&atom, &page.rows, &list, path, paging, page.total)
        }
        Format::Bib => {
            let cite = CiteParams::from_params(params)?;
            query.start = 0;
            query.limit = Some(BIB_MAX_ITEMS + 1);
            let page = ctx.state.store.query_items(ctx.library.id, &query).await?;
            if page.rows.len() > BIB_MAX_ITEMS {
                return Err(ApiError::bad_request(format!(
                    "format=bib is limited to {BIB_MAX_ITEMS} items; narrow the request (itemKey, tag, a collection…)"
                )));
            }
            bib_response(&cite, &page.rows, version)
        }
    }
}

async fn list_scope(
    ctx: LibCtx,
    params: Params,
    headers: HeaderMap,
    scope: ItemScope,
    path: &str,
) -> ApiResult<Response> {
    let query = item_query(&params, scope, !ctx.access.notes)?;
    check_answer_params(&params)?;
    if let Some(r) = not_modified(&headers, ctx.library.version)? {
        return Ok(r);
    }
    respond_list(&ctx, &params, query, path).await
}

/// Refuses a malformed parameter of how an item listing is answered
/// (format, content, include, paging, style, locale), before anything else
/// is answered (a 304 included).
fn check_answer_params(params: &Params) -> ApiResult<()> {
    let format = Format::from_params(params)?;
    Paging::from_params(params)?;
    let cite = CiteParams::from_params(params)?;
    let formats = match format {
        Format::Atom => needs_style(&contents(params)?),
        Format::Bib => true,
        _ => includes(params)?
            .iter()
            .any(|i| matches!(i, Include::Bib | Include::Citation)),
    };
    if formats && (params.get("style").is_some() || params.get("locale").is_some()) {
        cite.check()?;
    }
    Ok(())
}

/// `GET <lib>/items`.
pub async fn list(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    list_scope(ctx, params, headers, ItemScope::All, "/items").await
}

/// `GET <lib>/items/top`.
pub async fn list_top(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    list_scope(ctx, params, headers, ItemScope::Top, "/items/top").await
}

/// `GET <lib>/items/trash`.
pub async fn list_trash(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    list_scope(ctx, params, headers, ItemScope::Trash, "/items/trash").await
}

async fn find_item(ctx: &LibCtx, key: &ObjectKey) -> ApiResult<Option<ItemData>> {
    let query = ItemQuery {
        keys: Some(vec![key.clone()]),
        include_trashed: true,
        hide_notes: !ctx.access.notes,
        limit: Some(1),
        ..ItemQuery::default()
    };
    Ok(ctx
        .state
        .store
        .query_items(ctx.library.id, &query)
        .await?
        .rows
        .into_iter()
        .next())
}

/// `GET <lib>/items/<key>/children`.
pub async fn list_children(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let key = path_key(&key)?;
    if find_item(&ctx, &key).await?.is_none() {
        return Err(ApiError::not_found("Item not found"));
    }
    let path = format!("/items/{key}/children");
    list_scope(ctx, params, headers, ItemScope::Children(key), &path).await
}

async fn in_collection(
    ctx: LibCtx,
    key: String,
    params: Params,
    headers: HeaderMap,
    top: bool,
) -> ApiResult<Response> {
    let key = path_key(&key)?;
    let exists = ctx
        .state
        .store
        .collections(ctx.library.id)
        .await?
        .iter()
        .any(|c| c.key == key);
    if !exists {
        return Err(ApiError::not_found("Collection not found"));
    }
    let path = if top {
        format!("/collections/{key}/items/top")
    } else {
        format!("/collections/{key}/items")
    };
    list_scope(
        ctx,
        params,
        headers,
        ItemScope::Collection { key, top },
        &path,
    )
    .await
}

/// `GET <lib>/collections/<key>/items`.
pub async fn list_in_collection(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<Response> {
    in_collection(ctx, key, params, headers, false).await
}

/// `GET <lib>/collections/<key>/items/top`.
pub async fn list_top_in_collection(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<Response> {
    in_collection(ctx, key, params, headers, true).await
}

/// The item filters of a tags request: `itemKey`, `itemType`,
/// `includeTrashed` and `since` as on items, and `itemQ`, `itemQMode` and `itemTag` for
/// the items' `q`, `qmode` and `tag` (which on a tags request are about the
/// tags themselves).
fn item_filters_of_tags_request(params: &Params) -> Params {
    let mut item_params = params.clone();
    item_params.pairs = params
        .pairs
        .iter()
        .filter_map(|(k, v)| {
            let name = match k.as_str() {
                "itemKey" | "itemType" | "includeTrashed" | "since" => k.as_str(),
                "itemQ" => "q",
                "itemQMode" => "qmode",
                "itemTag" => "tag",
                _ => return None,
            };
            Some((name.to_owned(), v.clone()))
        })
        .collect();
    item_params
}

/// `GET <lib>/items/tags`, `…/items/top/tags`, `…/items/trash/tags` and
/// those of a collection: tags on the items of that listing, filtered as
/// [`item_filters_of_tags_request`] says.
async fn tags_in_scope(
    ctx: LibCtx,
    params: Params,
    headers: HeaderMap,
    scope: ItemScope,
    path: &str,
) -> ApiResult<Response> {
    let item_params = item_filters_of_tags_request(&params);
    let query = item_query(&item_params, scope, !ctx.access.notes)?;
    super::library::tags_of(ctx, params, headers, query, path).await
}

/// `GET <lib>/items/tags`.
pub async fn tags_all(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    tags_in_scope(ctx, params, headers, ItemScope::All, "/items/tags").await
}

/// `GET <lib>/items/top/tags`.
pub async fn tags_top(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    tags_in_scope(ctx, params, headers, ItemScope::Top, "/items/top/tags").await
}

/// `GET <lib>/items/trash/tags`.
pub async fn tags_trash(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    tags_in_scope(ctx, params, headers, ItemScope::Trash, "/items/trash/tags").await
}

/// `GET <lib>/items/<key>/tags`.
pub async fn tags_of_item(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let key = path_key(&key)?;
    if find_item(&ctx, &key).await?.is_none() {
        return Err(ApiError::not_found("Item not found"));
    }
    let query = ItemQuery {
        keys: Some(vec![key.clone()]),
        include_trashed: true,
        hide_notes: !ctx.access.notes,
        ..ItemQuery::default()
    };
    let path = format!("/items/{key}/tags");
    super::library::tags_of(ctx, params, headers, query, &path).await
}

/// `GET <lib>/collections/<key>/tags` and `…/collections/<key>/items/tags`:
/// tags on the collection's items.
pub async fn tags_of_collection(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<Response> {
    tags_in_collection(ctx, key, params, headers, false).await
}

/// `GET <lib>/collections/<key>/items/top/tags`: tags on the collection's
/// top-level items.
pub async fn tags_of_collection_top(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<Response> {
    tags_in_collection(ctx, key, params, headers, true).await
}

async fn tags_in_collection(
    ctx: LibCtx,
    key: String,
    params: Params,
    headers: HeaderMap,
    top: bool,
) -> ApiResult<Response> {
    let key = path_key(&key)?;
    let exists = ctx
        .state
        .store
        .collections(ctx.library.id)
        .await?
        .iter()
        .any(|c| c.key == key);
    if !exists {
        return Err(ApiError::not_found("Collection not found"));
    }
    let path = if top {
        format!("/collections/{key}/items/top/tags")
    } else {
        format!("/collections/{key}/tags")
    };
    tags_in_scope(
        ctx,
        params,
        headers,
        ItemScope::Collection { key, top },
        &path,
    )
    .await
}

/// Keys named by the objects of a batch (their own and the ones they refer to).
fn referenced_items(objects: &[Value]) -> Vec<ObjectKey> {
    let mut keys = Vec::new();
    for o in objects {
        let o = o.get("data").filter(|d| d.is_object()).unwrap_or(o);
        for field in ["key", "parentItem"] {
            if let Some(k) = o
                .get(field)
                .and_then(Value::as_str)
                .and_then(|s| ObjectKey::parse(s).ok())
                && !keys.contains(&k)
            {
                keys.push(k);
            }
        }
    }
    keys
}

/// `POST <lib>/items`: create or update up to 50 items; answers a write report.
pub async fn post(ctx: LibCtx, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    ctx.require_write()?;
    let mut timing = WriteTiming::start();
    let objects = batch_body(&body, shelfmark_protocol::limits::WRITE_BATCH_MAX)?;
    timing.lap("parse");
    let token = write_token(&ctx, &headers)?;
    let request = WriteRequest {
        items: referenced_items(&objects),
        all_collections: true,
        write_token: token.clone(),
        ..WriteRequest::default()
    };
    let input = BatchInput {
        objects,
        notes_allowed: ctx.access.notes,
        library_header: version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?,
        write_token: token,
        now: now_iso(),
    };
    let ((result, checking), version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| {
            let started = std::time::Instant::now();
            let (changes, result) = plan_batch::<Items>(snap, &input);
            (changes, (result, started.elapsed()))
        },
    )
    .await?;
    timing.lap("store");
    timing.split_last("validate", checking);
    let result = result?;
    let saved: Vec<&ItemData> = result.saved.iter().map(|(_, d)| d).collect();
    let envelopes = super::envelope::written(&ctx, &saved).await?;
    let body = report(&result, &envelopes, |d: &ItemData| d.key.to_string());
    let mut response = json_bytes_response(body, version);
    timing.lap("answer");
    response
        .headers_mut()
        .insert("server-timing", timing.header_value());
    Ok(response)
}

impl Endpoint for Items {
    const NOT_FOUND: &'static str = "Item not found";
    async fn find(ctx: &LibCtx, key: &ObjectKey, params: &Params) -> ApiResult<Option<Response>> {
        let format = Format::from_params(params)?;
        let Some(item) = find_item(ctx, key).await? else {
            return Ok(None);
        };
        let one = std::slice::from_ref(&item);
        match format {
            Format::Bib => {
                bib_response(&CiteParams::from_params(params)?, one, item.version).map(Some)
            }
            Format::Export(format) => Ok(Some(export_response(format, one, item.version))),
            Format::Atom => {
                let atom = AtomRequest::new(ctx, params)?;
                let envelope = envelopes(ctx, one)
                    .await?
                    .into_iter()
                    .next()
                    .unwrap_or(Value::Null);
                entry_response(&atom, &item, &envelope).map(Some)
            }
            Format::Json | Format::Keys | Format::Versions => {
                let includes = includes(params)?;
                let cite = CiteParams::from_params(params)?;
                let mut envelope = envelopes(ctx, one)
                    .await?
                    .into_iter()
                    .next()
                    .unwrap_or(Value::Null);
                add_includes(&mut envelope, &item, &includes, &cite)?;
                Ok(Some(json_response(&envelope, item.version)))
            }
        }
    }
    fn write_request(key: &ObjectKey, body: &Value) -> WriteRequest {
        let mut keys = referenced_items(std::slice::from_ref(body));
        if !keys.contains(key) {
            keys.push(key.clone());
        }
        WriteRequest {
            items: keys,
            all_collections: true,
            ..WriteRequest::default()
        }
    }
    fn delete_request(key: &ObjectKey) -> WriteRequest {
        WriteRequest {
            items: vec![key.clone()],
            descendants_of: vec![key.clone()],
            ..WriteRequest::default()
        }
    }
    fn plan_delete(snapshot: &Snapshot, key: &ObjectKey) -> Changes {
        let mut changes = Changes::default();
        changes.delete_items.push(key.clone());
        changes
            .delete_items
            .extend(descendants(&snapshot.items, std::slice::from_ref(key)));
        changes
    }
    fn after_delete(ctx: &LibCtx) {
        ctx.state.reclaim_files_later();
    }
}

/// `DELETE <lib>/items?itemKey=a,b`: delete up to 50 items (and their children).
pub async fn delete_many(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    ctx.require_write()?;
    let keys = key_list(&params, "itemKey")?
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::bad_request("No items specified ('itemKey' is required)"))?;
    let expected = version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?;
    let request = WriteRequest {
        items: keys.clone(),
        descendants_of: keys.clone(),
        ..WriteRequest::default()
    };
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| {
            if let Err(e) = library_precondition(expected, snap.library_version) {
                return (None, Err(e));
            }
            let present: Vec<ObjectKey> = keys
                .iter()
                .filter(|k| snap.items.contains_key(k))
                .cloned()
                .collect();
            let mut changes = Changes::default();
            for k in descendants(&snap.items, &present) {
                if !present.contains(&k) {
                    changes.delete_items.push(k);
                }
            }
            changes.delete_items.splice(0..0, present);
            (Some(changes), Ok(()))
        },
    )
    .await?;
    result?;
    ctx.state.reclaim_files_later();
    Ok(no_content(version))
}
