//! Saved searches: listing, one search, and writes.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use shelfmark_protocol::{ObjectKey, SavedSearchData};

use super::collections::{Listed, respond_objects};
use super::items::path_key;
use super::query::key_list;
use super::write::{
    BatchInput, Mode, Searches, batch_body, library_precondition, plan_batch, plan_single, report,
    single_version, write_token,
};
use super::{LibCtx, Params, json_response, no_content, not_modified, parse_body, version_header};
use crate::clock::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::store::{Changes, WriteRequest, plan_write};

/// The envelope of a saved search.
pub fn envelope(ctx: &LibCtx, s: &SavedSearchData) -> Value {
    json!({
        "key": s.key.to_string(),
        "version": s.version,
        "library": ctx.library_json(),
        "links": {
            "self": {"href": ctx.url(&format!("/searches/{}", s.key)), "type": "application/json"},
            "alternate": {"href": ctx.url(&format!("/searches/{}", s.key)), "type": "text/html"},
        },
        "meta": {},
        "data": s.to_json_value(),
    })
}

async fn load(ctx: &LibCtx) -> ApiResult<Vec<SavedSearchData>> {
    let mut all = ctx.state.store.searches(ctx.library.id).await?;
    all.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.key.cmp(&b.key))
    });
    Ok(all)
}

/// `GET <lib>/searches`.
pub async fn list(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(r) = not_modified(&headers, ctx.library.version)? {
        return Ok(r);
    }
    let wanted = key_list(&params, "searchKey")?;
    let objects: Vec<Listed> = load(&ctx)
        .await?
        .iter()
        .filter(|s| wanted.as_ref().is_none_or(|w| w.contains(&s.key)))
        .map(|s| (s.key.clone(), s.version, envelope(&ctx, s)))
        .collect();
    respond_objects(&ctx, &params, objects, "/searches")
}

/// `GET <lib>/searches/<key>`.
pub async fn get_one(ctx: LibCtx, Path((_, key)): Path<(String, String)>) -> ApiResult<Response> {
    let key = path_key(&key)?;
    let all = load(&ctx).await?;
    let s = all
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| ApiError::not_found("Search not found"))?;
    Ok(json_response(&envelope(&ctx, s), s.version))
}

fn batch_keys(objects: &[Value]) -> Vec<ObjectKey> {
    objects
        .iter()
        .filter_map(|o| {
            let o = o.get("data").filter(|d| d.is_object()).unwrap_or(o);
            o.get("key")
                .and_then(Value::as_str)
                .and_then(|k| ObjectKey::parse(k).ok())
        })
        .collect()
}

/// `POST <lib>/searches`: create or update up to 50 saved searches.
pub async fn post(ctx: LibCtx, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    ctx.require_write()?;
    let objects = batch_body(&body, shelfmark_protocol::limits::WRITE_BATCH_MAX)?;
    let token = write_token(&ctx, &headers)?;
    let request = WriteRequest {
        searches: batch_keys(&objects),
        write_token: token.clone(),
        ..WriteRequest::default()
    };
    let input = BatchInput {
        objects,
        notes_allowed: ctx.access.notes,
        library_header: version_header(&headers, "if-unmodified-since-version")?,
        write_token: token,
        now: now_iso(),
    };
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| plan_batch::<Searches>(snap, &input),
    )
    .await?;
    let result = result?;
    let value = report(
        &result,
        |s: &SavedSearchData| envelope(&ctx, s),
        |s: &SavedSearchData| s.key.to_string(),
    );
    Ok(json_response(&value, version))
}

async fn write_single(
    ctx: LibCtx,
    key: String,
    headers: HeaderMap,
    body: Bytes,
    mode: Mode,
) -> ApiResult<Response> {
    ctx.require_write()?;
    let key = path_key(&key)?;
    let body = parse_body(&body)?;
    if !body.is_object() {
        return Err(ApiError::bad_request("Uploaded data must be a JSON object"));
    }
    let version = single_version(
        version_header(&headers, "if-unmodified-since-version")?,
        &body,
    )?;
    let request = WriteRequest {
        searches: vec![key.clone()],
        ..WriteRequest::default()
    };
    let now = now_iso();
    let notes = ctx.access.notes;
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| plan_single::<Searches>(snap, &key, body, version, mode, &now, notes),
    )
    .await?;
    result?;
    Ok(no_content(version))
}

/// `PUT <lib>/searches/<key>`.
pub async fn put(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    write_single(ctx, key, headers, body, Mode::Replace).await
}

/// `PATCH <lib>/searches/<key>`.
pub async fn patch(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    write_single(ctx, key, headers, body, Mode::Merge).await
}

/// `DELETE <lib>/searches/<key>` with the search's version.
pub async fn delete_one(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    ctx.require_write()?;
    let key = path_key(&key)?;
    let expected = version_header(&headers, "if-unmodified-since-version")?.ok_or_else(|| {
        ApiError::precondition_required("If-Unmodified-Since-Version not provided")
    })?;
    let request = WriteRequest {
        searches: vec![key.clone()],
        ..WriteRequest::default()
    };
    let (result, version) = plan_write(ctx.state.store.as_ref(), ctx.library.id, request, move |snap| {
        let Some(s) = snap.searches.get(&key) else {
            return (None, Err(ApiError::not_found("Search not found")));
        };
        if s.version > expected {
            return (
                None,
                Err(ApiError::precondition_failed(
                    format!(
                        "Search has been modified since specified version (expected {expected}, found {})",
                        s.version
                    ),
                    s.version,
                )),
            );
        }
        let changes = Changes {
            delete_searches: vec![key.clone()],
            ..Changes::default()
        };
        (Some(changes), Ok(()))
    })
    .await?;
    result?;
    Ok(no_content(version))
}

/// `DELETE <lib>/searches?searchKey=a,b` (the version header is optional).
pub async fn delete_many(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    ctx.require_write()?;
    let keys = key_list(&params, "searchKey")?
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::bad_request("No searches specified ('searchKey' is required)"))?;
    let expected = version_header(&headers, "if-unmodified-since-version")?;
    let request = WriteRequest {
        searches: keys.clone(),
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
            let changes = Changes {
                delete_searches: keys
                    .into_iter()
                    .filter(|k| snap.searches.contains_key(k))
                    .collect(),
                ..Changes::default()
            };
            (Some(changes), Ok(()))
        },
    )
    .await?;
    result?;
    Ok(no_content(version))
}
