//! `/keys/current` and `/keys/<key>`: what a key may do; DELETE revokes it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::plain_json;
use crate::app::AppState;
use crate::auth::{Auth, Caller, ClientIp, presented_key};
use crate::error::{ApiError, ApiResult};

/// The key's JSON: `{key, userID, username, displayName, name, access}`,
/// listing only the permissions granted.
pub fn key_json(key: &str, caller: &Caller) -> Value {
    let a = &caller.key.access;
    let mut user = Map::new();
    for (name, on) in [
        ("library", a.library),
        ("files", a.files),
        ("notes", a.notes),
        ("write", a.write),
    ] {
        if on {
            user.insert(name.into(), Value::Bool(true));
        }
    }
    let mut groups = Map::new();
    let grant_json = |g: &crate::store::GroupGrant| {
        let mut m = Map::new();
        if g.library {
            m.insert("library".into(), Value::Bool(true));
        }
        if g.write {
            m.insert("write".into(), Value::Bool(true));
        }
        Value::Object(m)
    };
    if let Some(all) = a.all_groups.filter(|g| g.library) {
        groups.insert("all".into(), grant_json(&all));
    }
    for (id, g) in a.groups.iter().filter(|(_, g)| g.library) {
        groups.insert(id.to_string(), grant_json(g));
    }
    let mut access = Map::new();
    if !user.is_empty() {
        access.insert("user".into(), Value::Object(user));
    }
    if !groups.is_empty() {
        access.insert("groups".into(), Value::Object(groups));
    }
    json!({
        "key": key,
        "userID": caller.user.id,
        "username": caller.user.username,
        "displayName": caller.user.display_name,
        "name": caller.key.name,
        "access": access,
    })
}

/// `GET /keys/current`.
pub async fn current(auth: Auth, headers: HeaderMap, uri: axum::http::Uri) -> ApiResult<Response> {
    let caller = auth.required()?;
    let key = presented_key(&headers, uri.query())?.unwrap_or_default();
    Ok(plain_json(&key_json(&key, caller)))
}

async fn caller_of_path_key(
    state: &AppState,
    key: &str,
    ip: std::net::IpAddr,
) -> ApiResult<Caller> {
    if let Some(wait) = state.limiter.blocked(ip) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed authentication attempts; try again later",
        )
        .with_header(axum::http::header::RETRY_AFTER, wait.to_string()));
    }
    match state.lookup_key(key).await? {
        Some(c) => Ok(c),
        None => {
            state.limiter.record(ip);
            Err(ApiError::not_found("Key not found"))
        }
    }
}

/// `GET /keys/<key>`: the key in the path is its own credential.
pub async fn get_key(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let caller = caller_of_path_key(&state, &key, ip).await?;
    Ok(plain_json(&key_json(&key, &caller)))
}

/// `DELETE /keys/current`: revokes the presented key.
pub async fn delete_current(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    let caller = auth.required()?;
    state.store.revoke_key(caller.key.id).await?;
    state.key_cache.forget(caller.key.id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /keys/<key>`: revokes that key.
pub async fn delete_key(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let caller = caller_of_path_key(&state, &key, ip).await?;
    state.store.revoke_key(caller.key.id).await?;
    state.key_cache.forget(caller.key.id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
