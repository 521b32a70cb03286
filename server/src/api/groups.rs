//! Groups (shared libraries): `/users/<id>/groups`, `/groups/<id>`, and the
//! membership extension under `/groups/<id>/members` (see API-EXTENSIONS.md).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::paging::{Paging, add_headers};
use super::{LAST_MODIFIED_VERSION, Params, json_response, parse_body};
use crate::app::AppState;
use crate::auth::{Auth, Caller};
use crate::error::{ApiError, ApiResult};
use crate::store::{Group, ItemQuery, LibraryOwner, Membership, NewGroup, Role};

/// The group object: `{id, version, links, meta, data}`.
pub async fn group_json(state: &AppState, group: &Group, caller: &Caller) -> ApiResult<Value> {
    let num_items = match state.store.library(LibraryOwner::Group(group.id)).await? {
        Some(lib) => {
            let query = ItemQuery {
                limit: Some(0),
                ..ItemQuery::default()
            };
            state.store.query_items(lib.id, &query).await?.total
        }
        None => 0,
    };
    let base = &state.config.public_url;
    let ids = |f: &dyn Fn(&Membership) -> bool| -> Vec<u64> {
        group
            .members
            .iter()
            .filter(|m| f(m))
            .map(|m| m.user_id)
            .collect()
    };
    let is_admin = group
        .member(caller.user.id)
        .is_some_and(|m| m.role.manages());
    Ok(json!({
        "id": group.id,
        "version": group.version,
        "links": {
            "self": {"href": format!("{base}/groups/{}", group.id), "type": "application/json"},
            "alternate": {"href": format!("{base}/groups/{}", group.id), "type": "text/html"},
        },
        "meta": {
            "created": group.created,
            "lastModified": group.last_modified,
            "numItems": num_items,
            "isAdmin": is_admin,
        },
        "data": {
            "id": group.id,
            "version": group.version,
            "name": group.name,
            "owner": group.owner,
            "type": group.kind,
            "description": group.description,
            "url": group.url,
            "libraryReading": "members",
            "libraryEditing": "members",
            "fileEditing": "members",
            "admins": ids(&|m| m.role == Role::Admin),
            "members": ids(&|m| m.role == Role::Member),
        },
    }))
}

/// Groups the caller's key reaches.
pub(crate) fn visible(caller: &Caller, groups: Vec<Group>) -> Vec<Group> {
    groups
        .into_iter()
        .filter(|g| caller.key.access.group(g.id).library)
        .collect()
}

/// `GET /users/<id>/groups` (`format=versions` gives `{groupID: version}`).
pub async fn of_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<u64>,
    params: Params,
) -> ApiResult<Response> {
    let caller = auth.required()?;
    if caller.user.id != user_id {
        return Err(ApiError::forbidden());
    }
    let groups = visible(caller, state.store.groups_of_user(user_id).await?);
    match params.get("format").unwrap_or("json") {
        "versions" => {
            let map: Map<String, Value> = groups
                .iter()
                .map(|g| (g.id.to_string(), json!(g.version)))
                .collect();
            Ok(super::plain_json(&Value::Object(map)))
        }
        "keys" => Ok(groups
            .iter()
            .map(|g| format!("{}\n", g.id))
            .collect::<String>()
            .into_response()),
        "json" | "" => {
            let paging = Paging::from_params(&params)?;
            let total = groups.len();
            let mut list = Vec::new();
            for g in paging.slice(groups) {
                list.push(group_json(&state, &g, caller).await?);
            }
            let mut r = super::plain_json(&Value::Array(list));
            let url = format!("{}/users/{user_id}/groups", state.config.public_url);
            add_headers(&mut r, &url, &params, paging, total);
            Ok(r)
        }
        other => Err(ApiError::bad_request(format!(
            "Invalid 'format' value '{other}'"
        ))),
    }
}

/// A group the caller belongs to (and the key reaches), or 403/404.
async fn member_group(state: &AppState, caller: &Caller, id: u64) -> ApiResult<Group> {
    let group = state
        .store
        .group(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Group not found"))?;
    if group.member(caller.user.id).is_none() || !caller.key.access.group(id).library {
        return Err(ApiError::forbidden());
    }
    Ok(group)
}

/// `GET /groups/<id>`.
pub async fn get_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
) -> ApiResult<Response> {
    let caller = auth.required()?;
    let group = member_group(&state, caller, id).await?;
    let value = group_json(&state, &group, caller).await?;
    Ok(json_response(&value, group.version))
}

/// `POST /groups` `{name, description?, url?}`: creates a group owned by the caller.
pub async fn create(State(state): State<AppState>, auth: Auth, body: Bytes) -> ApiResult<Response> {
    let caller = auth.required()?;
    if !caller.key.access.write {
        return Err(ApiError::write_denied());
    }
    let body = parse_body(&body)?;
    let text = |name: &str| -> ApiResult<String> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(ApiError::bad_request(format!("'{name}' must be a string"))),
        }
    };
    let name = text("name")?.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::bad_request("'name' not provided"));
    }
    if name.len() > 255 {
        return Err(ApiError::too_large(
            "'name' is too long (at most 255 bytes)",
        ));
    }
    let group = state
        .store
        .create_group(NewGroup {
            owner: caller.user.id,
            name,
            description: text("description")?,
            url: text("url")?,
        })
        .await?;
    state.access_changed(caller.user.id);
    let value = group_json(&state, &group, caller).await?;
    let mut r = json_response(&value, group.version);
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

/// `GET /groups/<id>/members`: `[{userID, username, role, write}]`.
pub async fn members(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<u64>,
) -> ApiResult<Response> {
    let caller = auth.required()?;
    let group = member_group(&state, caller, id).await?;
    let mut list = Vec::new();
    for m in &group.members {
        let username = state
            .store
            .user(m.user_id)
            .await?
            .map(|u| u.username)
            .unwrap_or_default();
        list.push(json!({
            "userID": m.user_id,
            "username": username,
            "role": m.role.as_str(),
            "write": m.writes(),
        }));
    }
    Ok(json_response(&Value::Array(list), group.version))
}

/// The caller's role when they may manage members through this key.
fn manager_role(caller: &Caller, group: &Group) -> ApiResult<Role> {
    let role = group
        .member(caller.user.id)
        .map(|m| m.role)
        .filter(|r| r.manages())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "Only the group's owner and admins can manage members",
            )
        })?;
    if !caller.key.access.group(group.id).write {
        return Err(ApiError::write_denied());
    }
    Ok(role)
}

fn group_done(group: &Group) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert(LAST_MODIFIED_VERSION, HeaderValue::from(group.version));
    r
}

/// `PUT /groups/<id>/members/<userID>` `{role: "member"|"admin", write: bool}`:
/// adds a member or changes their role.
pub async fn put_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, user_id)): Path<(u64, u64)>,
    _headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = auth.required()?;
    let group = member_group(&state, caller, id).await?;
    let my_role = manager_role(caller, &group)?;
    let body = parse_body(&body)?;
    let role = match body.get("role").and_then(Value::as_str).unwrap_or("member") {
        "member" => Role::Member,
        "admin" => Role::Admin,
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid 'role' value '{other}': expected member or admin"
            )));
        }
    };
    let write = match body.get("write") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::bad_request("'write' must be true or false")),
    };
    let current = group.member(user_id).copied();
    if current.is_some_and(|m| m.role == Role::Owner) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "The group's owner keeps the owner role",
        ));
    }
    let touches_admin = role == Role::Admin || current.is_some_and(|m| m.role == Role::Admin);
    if touches_admin && my_role != Role::Owner {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Only the group's owner can appoint or change admins",
        ));
    }
    if current.is_none() && group.members.len() >= state.config.max_group_members {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "The group already has the most members allowed ({})",
                state.config.max_group_members
            ),
        ));
    }
    let group = state
        .store
        .set_member(
            id,
            Membership {
                user_id,
                role,
                can_write: write,
            },
        )
        .await?;
    state.access_changed(user_id);
    Ok(group_done(&group))
}

/// `DELETE /groups/<id>/members/<userID>`: owner/admins remove members; any
/// member may leave.
pub async fn delete_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, user_id)): Path<(u64, u64)>,
) -> ApiResult<Response> {
    let caller = auth.required()?;
    let group = member_group(&state, caller, id).await?;
    let target = group
        .member(user_id)
        .copied()
        .ok_or_else(|| ApiError::not_found("Not a member of this group"))?;
    if target.role == Role::Owner {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "The group's owner cannot be removed",
        ));
    }
    if user_id != caller.user.id {
        let my_role = manager_role(caller, &group)?;
        if target.role == Role::Admin && my_role != Role::Owner {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Only the group's owner can remove admins",
            ));
        }
    }
    state.store.remove_member(id, user_id).await?;
    state.access_changed(user_id);
    let group = state
        .store
        .group(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Group not found"))?;
    Ok(group_done(&group))
}
