//! Collections: listings (all, top, sub-collections), one collection, and
//! writes. Deleting a collection deletes its sub-collections and takes their
//! items out of them (the items themselves stay).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use shelfmark_protocol::{CollectionData, ObjectKey};

use super::items::path_key;
use super::object::Endpoint;
use super::paging::{Paging, add_headers};
use super::query::{Format, key_list};
use super::write::{
    BatchInput, Collections, batch_body, library_precondition, plan_batch, report, write_token,
};
use super::{
    LAST_MODIFIED_VERSION, LibCtx, Params, json_bytes_response, json_response, no_content,
    not_modified, version_header,
};
use crate::clock::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::store::{Changes, Snapshot, WriteRequest, plan_write};
use shelfmark_protocol::headers;

/// One object of a small listing (collections, searches): key, version, envelope.
pub type Listed = (ObjectKey, u64, Value);

/// Refuses a malformed parameter of a collection or search listing, before
/// anything else is answered (a 304 included).
pub fn check_object_params(params: &Params) -> ApiResult<()> {
    params.number("since")?;
    Format::for_objects(params)?;
    Paging::from_params(params)?;
    Ok(())
}

/// Answers a listing of collections or searches in the asked-for format,
/// with `since` applied and a page cut for JSON.
pub fn respond_objects(
    ctx: &LibCtx,
    params: &Params,
    mut objects: Vec<Listed>,
    path: &str,
) -> ApiResult<Response> {
    if let Some(since) = params.number("since")? {
        objects.retain(|(_, v, _)| *v > since);
    }
    let version = ctx.library.version;
    match Format::for_objects(params)? {
        Format::Keys => {
            let mut body: String = objects
                .iter()
                .map(|(k, _, _)| k.to_string())
                .collect::<Vec<_>>()
                .join("\n");
            body.push('\n');
            let mut r = ([(header::CONTENT_TYPE, "text/plain")], body).into_response();
            r.headers_mut()
                .insert(LAST_MODIFIED_VERSION, HeaderValue::from(version));
            Ok(r)
        }
        Format::Versions => {
            let map: Map<String, Value> = objects
                .iter()
                .map(|(k, v, _)| (k.to_string(), json!(v)))
                .collect();
            Ok(json_response(&Value::Object(map), version))
        }
        Format::Json => {
            let paging = Paging::from_params(params)?;
            let total = objects.len();
            let page: Vec<Value> = paging
                .slice(objects)
                .into_iter()
                .map(|(_, _, e)| e)
                .collect();
            let mut r = json_response(&Value::Array(page), version);
            add_headers(&mut r, &ctx.url(path), params, paging, total);
            Ok(r)
        }
        Format::Bib | Format::Export(_) | Format::Atom => Err(ApiError::bad_request(
            "Formatted references are available for items only",
        )),
    }
}

/// The envelope of a collection.
pub fn envelope(
    ctx: &LibCtx,
    c: &CollectionData,
    all: &[CollectionData],
    item_counts: &HashMap<ObjectKey, u64>,
) -> Value {
    let num_collections = all
        .iter()
        .filter(|o| o.parent_collection.as_ref() == Some(&c.key))
        .count();
    let mut links = Map::new();
    links.insert(
        "self".into(),
        json!({"href": ctx.url(&format!("/collections/{}", c.key)), "type": "application/json"}),
    );
    links.insert(
        "alternate".into(),
        json!({"href": ctx.url(&format!("/collections/{}", c.key)), "type": "text/html"}),
    );
    if let Some(parent) = &c.parent_collection {
        links.insert(
            "up".into(),
            json!({"href": ctx.url(&format!("/collections/{parent}")), "type": "application/json"}),
        );
    }
    json!({
        "key": c.key.to_string(),
        "version": c.version,
        "library": ctx.library_json(),
        "links": links,
        "meta": {
            "numCollections": num_collections,
            "numItems": item_counts.get(&c.key).copied().unwrap_or(0),
        },
        "data": c.to_json_value(),
    })
}

async fn load(ctx: &LibCtx) -> ApiResult<(Vec<CollectionData>, HashMap<ObjectKey, u64>)> {
    let mut all = ctx.state.store.collections(ctx.library.id).await?;
    all.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.key.cmp(&b.key))
    });
    let counts = ctx
        .state
        .store
        .collection_item_counts(ctx.library.id)
        .await?
        .into_iter()
        .collect();
    Ok((all, counts))
}

async fn list_where(
    ctx: LibCtx,
    params: Params,
    headers: HeaderMap,
    path: &str,
    keep: impl Fn(&CollectionData) -> bool,
) -> ApiResult<Response> {
    let wanted = key_list(&params, "collectionKey")?;
    check_object_params(&params)?;
    if let Some(r) = not_modified(&headers, ctx.library.version)? {
        return Ok(r);
    }
    let (all, counts) = load(&ctx).await?;
    let mut objects: Vec<Listed> = all
        .iter()
        .filter(|c| keep(c))
        .filter(|c| wanted.as_ref().is_none_or(|w| w.contains(&c.key)))
        .map(|c| (c.key.clone(), c.version, envelope(&ctx, c, &all, &counts)))
        .collect();
    if params.get("direction") == Some("desc") {
        objects.reverse();
    }
    respond_objects(&ctx, &params, objects, path)
}

/// `GET <lib>/collections`.
pub async fn list(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    list_where(ctx, params, headers, "/collections", |_| true).await
}

/// `GET <lib>/collections/top`.
pub async fn list_top(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    list_where(ctx, params, headers, "/collections/top", |c| {
        c.parent_collection.is_none()
    })
    .await
}

/// `GET <lib>/collections/<key>/collections`.
pub async fn list_sub(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    params: Params,
    headers: HeaderMap,
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
    let path = format!("/collections/{key}/collections");
    list_where(ctx, params, headers, &path, move |c| {
        c.parent_collection.as_ref() == Some(&key)
    })
    .await
}

/// `POST <lib>/collections`: create or update up to 50 collections.
pub async fn post(ctx: LibCtx, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    ctx.require_write()?;
    let objects = batch_body(&body, shelfmark_protocol::limits::WRITE_BATCH_MAX)?;
    let token = write_token(&ctx, &headers)?;
    let request = WriteRequest {
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
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| plan_batch::<Collections>(snap, &input),
    )
    .await?;
    let result = result?;
    let (all, counts) = load(&ctx).await?;
    let envelopes: Vec<Vec<u8>> = result
        .saved
        .iter()
        .map(|(_, c)| envelope(&ctx, c, &all, &counts).to_string().into_bytes())
        .collect();
    let body = report(&result, &envelopes, |c: &CollectionData| c.key.to_string());
    Ok(json_bytes_response(body, version))
}

/// Deletes collections with their sub-collections; items in them are taken
/// out (and so change version).
fn plan_delete(snap: &Snapshot, roots: &[ObjectKey]) -> Changes {
    let mut doomed: Vec<ObjectKey> = roots
        .iter()
        .filter(|k| snap.collections.contains_key(k))
        .cloned()
        .collect();
    let mut i = 0;
    while i < doomed.len() {
        let parent = doomed[i].clone();
        for c in snap.collections.values() {
            if c.parent_collection.as_ref() == Some(&parent) && !doomed.contains(&c.key) {
                doomed.push(c.key.clone());
            }
        }
        i += 1;
    }
    let mut changes = Changes::default();
    let next = snap.next_version();
    for item in snap.items.values() {
        if item.collections.iter().any(|c| doomed.contains(c)) {
            let mut item = item.clone();
            item.collections.retain(|c| !doomed.contains(c));
            item.version = next;
            item.date_modified = Some(now_iso());
            changes.items.push(item);
        }
    }
    changes.delete_collections = doomed;
    changes
}

impl Endpoint for Collections {
    const NOT_FOUND: &'static str = "Collection not found";
    async fn find(ctx: &LibCtx, key: &ObjectKey, _params: &Params) -> ApiResult<Option<Response>> {
        let (all, counts) = load(ctx).await?;
        Ok(all
            .iter()
            .find(|c| &c.key == key)
            .map(|c| json_response(&envelope(ctx, c, &all, &counts), c.version)))
    }
    fn write_request(_key: &ObjectKey, _body: &Value) -> WriteRequest {
        WriteRequest {
            all_collections: true,
            ..WriteRequest::default()
        }
    }
    fn delete_request(key: &ObjectKey) -> WriteRequest {
        WriteRequest {
            all_collections: true,
            items_in_collections: vec![key.clone()],
            ..WriteRequest::default()
        }
    }
    fn plan_delete(snapshot: &Snapshot, key: &ObjectKey) -> Changes {
        plan_delete(snapshot, std::slice::from_ref(key))
    }
}

/// `DELETE <lib>/collections?collectionKey=a,b`.
pub async fn delete_many(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    ctx.require_write()?;
    let keys = key_list(&params, "collectionKey")?
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request("No collections specified ('collectionKey' is required)")
        })?;
    let expected = version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?;
    let request = WriteRequest {
        all_collections: true,
        items_in_collections: keys.clone(),
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
            (Some(plan_delete(snap, &keys)), Ok(()))
        },
    )
    .await?;
    result?;
    Ok(no_content(version))
}
