//! Full-text content of attachments: `GET <lib>/fulltext?since=`,
//! `GET|PUT <lib>/items/<key>/fulltext`, and the batch `POST <lib>/fulltext`.
//! Writes raise the library version; `qmode=everything` searches the text.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};
use shelfmark_protocol::ObjectKey;

use super::items::path_key;
use super::write::library_precondition;
use super::{LibCtx, Params, json_response, no_content, parse_body, version_header};
use crate::error::{ApiError, ApiResult};
use crate::store::{Changes, Snapshot, WriteRequest, plan_write};
use shelfmark_protocol::headers;

/// Most items in one batch POST, as the Web API allows.
const BATCH_MAX: usize = 10;

/// Checks full-text JSON and keeps only its content properties.
fn check(value: &Value) -> Result<Value, String> {
    let Value::Object(map) = value else {
        return Err("full text must be a JSON object".into());
    };
    let mut out = Map::new();
    for (name, v) in map {
        match name.as_str() {
            "key" | "version" => {}
            "content" => {
                let text = v.as_str().ok_or("'content' must be a string")?;
                out.insert(name.clone(), Value::String(text.to_owned()));
            }
            "indexedPages" | "totalPages" | "indexedChars" | "totalChars" => {
                let n = v
                    .as_u64()
                    .ok_or_else(|| format!("'{name}' must be a non-negative integer"))?;
                out.insert(name.clone(), json!(n));
            }
            other => return Err(format!("Invalid property '{other}'")),
        }
    }
    if !out.contains_key("content") {
        return Err("'content' not provided".into());
    }
    Ok(Value::Object(out))
}

/// Whether the snapshot's item can carry full text: (code, message) if not.
fn target(snap: &Snapshot, key: &ObjectKey) -> Result<(), (u16, String)> {
    match snap.items.get(key) {
        None => Err((404, format!("Item {key} not found"))),
        Some(i) if !i.is_attachment() => Err((400, format!("Item {key} is not an attachment"))),
        Some(_) => Ok(()),
    }
}

/// `GET <lib>/fulltext?since=N`: `{itemKey: version}` of full text changed after N.
pub async fn versions(ctx: LibCtx, params: Params) -> ApiResult<Response> {
    let since = params.number("since")?.unwrap_or(0);
    let rows = ctx
        .state
        .store
        .fulltext_versions(ctx.library.id, since)
        .await?;
    let map: Map<String, Value> = rows
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Ok(json_response(&Value::Object(map), ctx.library.version))
}

/// `GET <lib>/items/<key>/fulltext`.
pub async fn get_one(ctx: LibCtx, Path((_, key)): Path<(String, String)>) -> ApiResult<Response> {
    let key = path_key(&key)?;
    let (value, version) = ctx
        .state
        .store
        .fulltext(ctx.library.id, &key)
        .await?
        .ok_or_else(|| ApiError::not_found("Full text not found"))?;
    Ok(json_response(&value, version))
}

/// `PUT <lib>/items/<key>/fulltext`.
pub async fn put(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    ctx.require_write()?;
    let key = path_key(&key)?;
    let value = check(&parse_body(&body)?).map_err(ApiError::bad_request)?;
    let request = WriteRequest {
        items: vec![key.clone()],
        ..WriteRequest::default()
    };
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| {
            if let Err((code, message)) = target(snap, &key) {
                let err = if code == 404 {
                    ApiError::not_found(message)
                } else {
                    ApiError::bad_request(message)
                };
                return (None, Err(err));
            }
            let changes = Changes {
                fulltext: vec![(key.clone(), value)],
                ..Changes::default()
            };
            (Some(changes), Ok(()))
        },
    )
    .await?;
    result?;
    Ok(no_content(version))
}

/// `POST <lib>/fulltext`: up to 10 `{key, content, …}` objects, with
/// `If-Unmodified-Since-Version`; answers a write report.
pub async fn post(ctx: LibCtx, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    ctx.require_write()?;
    let objects = match parse_body(&body)? {
        Value::Array(list) if list.len() > BATCH_MAX => {
            return Err(ApiError::too_large(format!(
                "Only {BATCH_MAX} full-text objects can be saved in a single request"
            )));
        }
        Value::Array(list) => list,
        _ => return Err(ApiError::bad_request("Uploaded data must be a JSON array")),
    };
    let expected =
        version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?.ok_or_else(|| {
            ApiError::precondition_required("If-Unmodified-Since-Version not provided")
        })?;
    let keys: Vec<ObjectKey> = objects
        .iter()
        .filter_map(|o| o.get("key").and_then(Value::as_str))
        .filter_map(|k| ObjectKey::parse(k).ok())
        .collect();
    let request = WriteRequest {
        items: keys,
        ..WriteRequest::default()
    };
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| {
            if let Err(e) = library_precondition(Some(expected), snap.library_version) {
                return (None, Err(e));
            }
            let mut changes = Changes::default();
            let mut successful = Map::new();
            let mut success = Map::new();
            let mut failed = Map::new();
            for (i, o) in objects.iter().enumerate() {
                let index = i.to_string();
                let key_text = o.get("key").and_then(Value::as_str);
                let outcome = match key_text.map(ObjectKey::parse) {
                    None => Err((400, "'key' not provided".to_owned())),
                    Some(Err(_)) => Err((
                        400,
                        format!("Invalid key '{}'", key_text.unwrap_or_default()),
                    )),
                    Some(Ok(key)) => target(snap, &key)
                        .and_then(|()| check(o).map_err(|m| (400, m)))
                        .map(|value| (key, value)),
                };
                match outcome {
                    Ok((key, value)) => {
                        successful.insert(
                            index.clone(),
                            json!({"key": key.to_string(), "version": snap.next_version()}),
                        );
                        success.insert(index, Value::String(key.to_string()));
                        changes.fulltext.push((key, value));
                    }
                    Err((code, message)) => {
                        let mut entry = Map::new();
                        if let Some(k) = key_text {
                            entry.insert("key".into(), Value::String(k.to_owned()));
                        }
                        entry.insert("code".into(), json!(code));
                        entry.insert("message".into(), Value::String(message));
                        failed.insert(index, Value::Object(entry));
                    }
                }
            }
            let report = json!({
                "successful": successful,
                "success": success,
                "unchanged": {},
                "failed": failed,
            });
            (Some(changes), Ok(report))
        },
    )
    .await?;
    Ok(json_response(&result?, version))
}
