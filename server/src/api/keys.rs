//! `/keys`: signing in with e-mail (or user name) and password makes a key
//! for a device, as Zotero's own apps sign in; `/keys/current` and
//! `/keys/<key>` say what a key may do, and DELETE revokes it.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::plain_json;
use crate::accounts::{self, AccountError};
use crate::app::AppState;
use crate::auth::{Auth, Caller, ClientIp, presented_key, wrong_key};
use crate::error::{ApiError, ApiResult};
use crate::store::{Access, GroupGrant};

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
    match state.lookup_key(key).await? {
        Some(c) => Ok(c),
        None => Err(wrong_key(state, ip, ApiError::not_found("Key not found")).await),
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
    state.access_changed(caller.user.id);
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
    state.access_changed(caller.user.id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Reads a key's `access` object as the Web API writes it
/// (`{"user": {"library", "notes", "write", "files"}, "groups": {"all" | <id>:
/// {"library", "write"}}}`); absent, a device key reaches everything.
pub fn access_from_json(value: Option<&Value>) -> ApiResult<Access> {
    let Some(value) = value else {
        return Ok(Access::full());
    };
    let object = value
        .as_object()
        .ok_or_else(|| ApiError::bad_request("'access' must be an object"))?;
    let flag = |scope: Option<&Value>, name: &str, at: &str| -> ApiResult<bool> {
        match scope.and_then(|s| s.get(name)) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::Number(n)) => Ok(n.as_u64() == Some(1)),
            Some(_) => Err(ApiError::bad_request(format!(
                "'access.{at}.{name}' must be true or false"
            ))),
        }
    };
    let user = object.get("user");
    if user.is_some_and(|u| !u.is_object()) {
        return Err(ApiError::bad_request("'access.user' must be an object"));
    }
    let mut all_groups = None;
    let mut groups = BTreeMap::new();
    match object.get("groups") {
        None => {}
        Some(Value::Object(map)) => {
            for (id, grant) in map {
                let at = format!("groups.{id}");
                if !grant.is_object() {
                    return Err(ApiError::bad_request(format!(
                        "'access.{at}' must be an object"
                    )));
                }
                let grant = GroupGrant {
                    library: flag(Some(grant), "library", &at)?,
                    write: flag(Some(grant), "write", &at)?,
                };
                if id == "all" {
                    all_groups = Some(grant);
                } else {
                    let id = id.parse::<u64>().map_err(|_| {
                        ApiError::bad_request(format!(
                            "'access.groups' member {id:?} is neither 'all' nor a group id"
                        ))
                    })?;
                    groups.insert(id, grant);
                }
            }
        }
        Some(_) => return Err(ApiError::bad_request("'access.groups' must be an object")),
    }
    Ok(Access {
        library: flag(user, "library", "user")?,
        notes: flag(user, "notes", "user")?,
        write: flag(user, "write", "user")?,
        files: flag(user, "files", "user")?,
        all_groups,
        groups,
    })
}

fn text_member<'a>(body: &'a Value, name: &str) -> ApiResult<Option<&'a str>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::bad_request(format!("'{name}' must be a string"))),
    }
}

/// `POST /keys`: `{"username" or "email", "password", "name", "access"}`
/// makes a key for a device and answers it (201) as `GET /keys/current`
/// would, with the key. Wrong credentials count against the address's
/// failed-authentication limit.
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> ApiResult<Response> {
    if let Some(wait) = state.limiter.blocked(ip) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-in attempts; try again later",
        )
        .with_header(axum::http::header::RETRY_AFTER, wait.to_string()));
    }
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("The body is not JSON: {e}")))?;
    if !body.is_object() {
        return Err(ApiError::bad_request("The body must be a JSON object"));
    }
    let login = match (
        text_member(&body, "username")?,
        text_member(&body, "email")?,
    ) {
        (Some(login), _) | (None, Some(login)) => login,
        (None, None) => {
            return Err(ApiError::bad_request(
                "'username' or 'email' is required to create a key",
            ));
        }
    };
    let password = text_member(&body, "password")?
        .ok_or_else(|| ApiError::bad_request("'password' is required to create a key"))?;
    let name = text_member(&body, "name")?.unwrap_or("Device key");
    let access = access_from_json(body.get("access"))?;
    accounts::check_key_name(name).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let user = match accounts::authenticate(state.store.as_ref(), login, password).await {
        Ok(user) => user,
        Err(AccountError::WrongCredentials) => {
            state.limiter.record(ip);
            tracing::info!(%ip, "sign-in with a wrong e-mail address or password");
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Invalid username or password",
            ));
        }
        Err(e) => return Err(account_error(e)),
    };
    let (record, key) = accounts::create_key(state.store.as_ref(), &user, name, access)
        .await
        .map_err(account_error)?;
    tracing::info!(
        user = user.id,
        key = record.id,
        "signed in: key created for a device"
    );
    let caller = Caller { key: record, user };
    let mut response = plain_json(&key_json(&key, &caller));
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// An account error as an API answer.
pub fn account_error(e: AccountError) -> ApiError {
    match e {
        AccountError::Store(e) => e.into(),
        AccountError::Internal(message) => {
            tracing::error!(error = %message, "account operation failed");
            ApiError::internal()
        }
        AccountError::WrongCredentials => {
            ApiError::new(StatusCode::FORBIDDEN, "Invalid username or password")
        }
        AccountError::Taken(message) => ApiError::new(StatusCode::CONFLICT, message),
        other => ApiError::bad_request(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_reads_the_web_api_form_and_names_bad_members() {
        let access = access_from_json(Some(&json!({
            "user": {"library": true, "notes": true, "write": false, "files": 1},
            "groups": {"all": {"library": true}, "12": {"library": true, "write": true}}
        })))
        .expect("valid");
        assert!(access.library && access.notes && !access.write && access.files);
        assert_eq!(
            access.all_groups,
            Some(GroupGrant {
                library: true,
                write: false
            })
        );
        assert!(access.group(12).write && !access.group(13).write);
        assert_eq!(access_from_json(None).expect("default"), Access::full());
        for (bad, says) in [
            (json!([]), "'access' must be an object"),
            (json!({"user": {"write": "yes"}}), "'access.user.write'"),
            (json!({"groups": {"abc": {}}}), "\"abc\""),
        ] {
            let e = access_from_json(Some(&bad)).expect_err("invalid");
            assert!(e.message.contains(says), "{}", e.message);
        }
    }
}
