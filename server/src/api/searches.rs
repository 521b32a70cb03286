//! Saved searches: listing, one search, and writes.

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use shelfmark_protocol::{ObjectKey, SavedSearchData};

use super::collections::{Listed, respond_objects};
use super::object::Endpoint;
use super::query::key_list;
use super::write::{
    BatchInput, Searches, batch_body, library_precondition, plan_batch, report, write_token,
};
use super::{
    LibCtx, Params, json_bytes_response, json_response, no_content, not_modified, version_header,
};
use crate::clock::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::store::{Changes, Snapshot, WriteRequest, plan_write};
use shelfmark_protocol::headers;

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
    let wanted = key_list(&params, "searchKey")?;
    super::collections::check_object_params(&params)?;
    if let Some(r) = not_modified(&headers, ctx.library.version)? {
        return Ok(r);
    }
    let objects: Vec<Listed> = load(&ctx)
        .await?
        .iter()
        .filter(|s| wanted.as_ref().is_none_or(|w| w.contains(&s.key)))
        .map(|s| (s.key.clone(), s.version, envelope(&ctx, s)))
        .collect();
    respond_objects(&ctx, &params, objects, "/searches")
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
        library_header: version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?,
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
    let envelopes: Vec<Vec<u8>> = result
        .saved
        .iter()
        .map(|(_, s)| envelope(&ctx, s).to_string().into_bytes())
        .collect();
    let body = report(&result, &envelopes, |s: &SavedSearchData| s.key.to_string());
    Ok(json_bytes_response(body, version))
}

impl Endpoint for Searches {
    const NOT_FOUND: &'static str = "Search not found";
    async fn find(ctx: &LibCtx, key: &ObjectKey, _params: &Params) -> ApiResult<Option<Response>> {
        Ok(load(ctx)
            .await?
            .iter()
            .find(|s| &s.key == key)
            .map(|s| json_response(&envelope(ctx, s), s.version)))
    }
    fn write_request(key: &ObjectKey, _body: &Value) -> WriteRequest {
        WriteRequest {
            searches: vec![key.clone()],
            ..WriteRequest::default()
        }
    }
    fn delete_request(key: &ObjectKey) -> WriteRequest {
        Self::write_request(key, &Value::Null)
    }
    fn plan_delete(_snapshot: &Snapshot, key: &ObjectKey) -> Changes {
        Changes {
            delete_searches: vec![key.clone()],
            ..Changes::default()
        }
    }
}

/// `DELETE <lib>/searches?searchKey=a,b` (the version header is optional).
pub async fn delete_many(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    ctx.require_write()?;
    let keys = key_list(&params, "searchKey")?
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::bad_request("No searches specified ('searchKey' is required)"))?;
    let expected = version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?;
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
