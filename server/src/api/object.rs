//! One object by key — `GET`, `PUT`, `PATCH` and `DELETE` of
//! `<lib>/items/<key>`, `<lib>/collections/<key>` and `<lib>/searches/<key>` —
//! through one path; what differs by kind is in [`Endpoint`].

use std::future::Future;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;
use shelfmark_protocol::ObjectKey;

use super::items::path_key;
use super::write::{Kind, Mode, plan_single, single_version};
use super::{LibCtx, Params, no_content, parse_body, version_header};
use crate::clock::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::store::{Changes, Snapshot, WriteRequest, plan_write};
use shelfmark_protocol::headers;

/// What the single-object endpoints of a kind need beyond its write rules.
pub trait Endpoint: Kind {
    /// The answer's message when there is no such object.
    const NOT_FOUND: &'static str;
    /// The answer for the object with this key in the format `params` ask
    /// for, when the caller may see it.
    fn find(
        ctx: &LibCtx,
        key: &ObjectKey,
        params: &Params,
    ) -> impl Future<Output = ApiResult<Option<Response>>> + Send;
    /// What a PUT or PATCH of `key` with `body` must see.
    fn write_request(key: &ObjectKey, body: &Value) -> WriteRequest;
    /// What a DELETE of `key` must see.
    fn delete_request(key: &ObjectKey) -> WriteRequest;
    /// Deletes `key` with everything that goes with it.
    fn plan_delete(snapshot: &Snapshot, key: &ObjectKey) -> Changes;
    /// Work that follows a delete.
    fn after_delete(_ctx: &LibCtx) {}
}

/// `GET <lib>/<kind>/<key>`.
pub async fn get_one<K: Endpoint>(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    params: Params,
) -> ApiResult<Response> {
    let key = path_key(&key)?;
    K::find(&ctx, &key, &params)
        .await?
        .ok_or_else(|| ApiError::not_found(K::NOT_FOUND))
}

async fn write_single<K: Endpoint>(
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
        version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?,
        &body,
    )?;
    let request = K::write_request(&key, &body);
    let now = now_iso();
    let notes = ctx.access.notes;
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| plan_single::<K>(snap, &key, body, version, mode, &now, notes),
    )
    .await?;
    result?;
    Ok(no_content(version))
}

/// `PUT <lib>/<kind>/<key>`: replace an object.
pub async fn put<K: Endpoint>(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    write_single::<K>(ctx, key, headers, body, Mode::Replace).await
}

/// `PATCH <lib>/<kind>/<key>`: change some properties of an object.
pub async fn patch<K: Endpoint>(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    write_single::<K>(ctx, key, headers, body, Mode::Merge).await
}

/// `DELETE <lib>/<kind>/<key>` with the object's version.
pub async fn delete_one<K: Endpoint>(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    ctx.require_write()?;
    let key = path_key(&key)?;
    let expected =
        version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?.ok_or_else(|| {
            ApiError::precondition_required("If-Unmodified-Since-Version not provided")
        })?;
    let request = K::delete_request(&key);
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| {
            let Some(current) = K::stored(snap).get(&key).map(K::version) else {
                return (None, Err(ApiError::not_found(K::NOT_FOUND)));
            };
            if current > expected {
                let message = format!(
                    "{} has been modified since specified version (expected {expected}, found {current})",
                    K::NAME
                );
                return (None, Err(ApiError::precondition_failed(message, current)));
            }
            (Some(K::plan_delete(snap, &key)), Ok(()))
        },
    )
    .await?;
    result?;
    K::after_delete(&ctx);
    Ok(no_content(version))
}
