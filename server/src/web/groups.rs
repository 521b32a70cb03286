//! Groups and sharing: the account's groups, a new group, a group's members
//! (invite by e-mail, read only or read/write, admins, remove, leave) and
//! transferring ownership. Membership changes go through the API's own
//! handlers, so the roles' rules and the member limit are the API's.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};

use super::error::{WebError, WebResult};
use super::library::{json_body, lib_path};
use super::pages::{
    GroupPage, GroupRow, GroupsPage, MemberRow, notice, render, render_with_status,
};
use super::session::{Posted, SignedIn};
use crate::accounts;
use crate::app::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::store::{Group, GroupInvite, LibraryOwner, Role};

/// `?done=` of a page.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

async fn groups_page(
    state: &AppState,
    who: &SignedIn,
    done: &str,
    error: String,
) -> WebResult<GroupsPage> {
    let groups = state.store.groups_of_user(who.user.id).await?;
    Ok(GroupsPage {
        nav: Some(who.nav()),
        notice: notice(done),
        error,
        groups: groups
            .into_iter()
            .map(|g| GroupRow {
                role: g
                    .member(who.user.id)
                    .map(|m| role_text(m.role, m.writes()))
                    .unwrap_or_default(),
                members: g.members.len(),
                library: lib_path(LibraryOwner::Group(g.id)),
                id: g.id,
                name: g.name,
            })
            .collect(),
    })
}

fn role_text(role: Role, writes: bool) -> String {
    match role {
        Role::Owner => "owner".into(),
        Role::Admin => "admin".into(),
        Role::Member if writes => "member (read and write)".into(),
        Role::Member => "member (read only)".into(),
    }
}

/// `GET /sharing`.
pub async fn list(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        Ok(render(
            &groups_page(&state, &who, &q.done, String::new()).await?,
        ))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /sharing`: a new group owned by the account (the API's `POST /groups`).
pub async fn create(State(state): State<AppState>, posted: Posted) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let body = json!({
            "name": posted.form.get("name"),
            "description": posted.form.get("description"),
        });
        let answer = crate::api::groups::create(
            State(state.clone()),
            Auth(Some(posted.who.caller())),
            json_body(&body),
        )
        .await;
        let response = match answer {
            Ok(r) => r,
            Err(e) => {
                let page = groups_page(&state, &posted.who, "", e.message).await?;
                return Ok(render_with_status(StatusCode::BAD_REQUEST, &page));
            }
        };
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .map_err(|_| {
                WebError::new(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
            })?;
        let id = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("id").and_then(Value::as_u64))
            .ok_or_else(|| {
                WebError::new(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.")
            })?;
        Ok(Redirect::to(&format!("/sharing/{id}?done=created")).into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// The group, when the account is one of its members (404 otherwise).
async fn my_group(state: &AppState, who: &SignedIn, id: u64) -> WebResult<Group> {
    state
        .store
        .group(id)
        .await?
        .filter(|g| g.member(who.user.id).is_some())
        .ok_or_else(WebError::not_found)
}

async fn group_page(
    state: &AppState,
    who: &SignedIn,
    group: Group,
    done: &str,
    error: String,
    invitation_link: String,
) -> WebResult<GroupPage> {
    let me = group.member(who.user.id).copied();
    let my_role = me.map(|m| m.role);
    let mut members = Vec::new();
    for m in &group.members {
        let user = state.store.user(m.user_id).await?;
        let (name, email) = user.map_or_else(
            || (format!("user {}", m.user_id), String::new()),
            |u| {
                let name = if u.display_name.is_empty() {
                    u.username
                } else {
                    u.display_name
                };
                (name, u.email)
            },
        );
        members.push(MemberRow {
            user_id: m.user_id,
            name,
            email,
            role: role_text(m.role, m.writes()),
            writes: m.writes(),
            is_owner: m.role == Role::Owner,
            is_admin: m.role == Role::Admin,
            is_me: m.user_id == who.user.id,
        });
    }
    Ok(GroupPage {
        nav: Some(who.nav()),
        notice: notice(done),
        error,
        id: group.id,
        name: group.name.clone(),
        description: group.description.clone(),
        library: lib_path(LibraryOwner::Group(group.id)),
        my_role: my_role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
        manages: my_role.is_some_and(Role::manages),
        owns: my_role == Some(Role::Owner),
        members,
        max_members: state.config.max_group_members,
        invitation_link,
    })
}

/// `GET /sharing/{id}`.
pub async fn show(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<u64>,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        let group = my_group(&state, &who, id).await?;
        Ok(render(
            &group_page(&state, &who, group, &q.done, String::new(), String::new()).await?,
        ))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// The group page again with an API refusal's reason, or the page's error.
async fn refused(state: &AppState, who: &SignedIn, id: u64, e: ApiError) -> WebResult<Response> {
    if e.status == StatusCode::NOT_FOUND {
        return Err(WebError::not_found());
    }
    let group = my_group(state, who, id).await?;
    let status = e.status;
    let page = group_page(state, who, group, "", e.message, String::new()).await?;
    Ok(render_with_status(status, &page))
}

/// The role and write flag an "access" choice stands for.
fn access_choice(choice: &str) -> WebResult<(&'static str, bool)> {
    match choice {
        "read" => Ok(("member", false)),
        "write" => Ok(("member", true)),
        "admin" => Ok(("admin", true)),
        _ => Err(WebError::bad_request("Choose the access.")),
    }
}

async fn put_member(
    state: &AppState,
    who: &SignedIn,
    id: u64,
    user_id: u64,
    choice: &str,
) -> Result<(), ApiError> {
    let (role, write) =
        access_choice(choice).map_err(|_| ApiError::bad_request("Choose the access."))?;
    crate::api::groups::put_member(
        State(state.clone()),
        Auth(Some(who.caller())),
        Path((id, user_id)),
        HeaderMap::new(),
        json_body(&json!({"role": role, "write": write})),
    )
    .await
    .map(|_| ())
}

/// `POST /sharing/{id}/invite`: an existing account joins at once (the
/// API's member rules); otherwise an invitation link is made and shown.
pub async fn invite(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let who = &posted.who;
        let group = my_group(&state, who, id).await?;
        let email = posted.form.get("email");
        let choice = posted.form.get("access");
        if !super::session::plausible_email(email) {
            return refused(
                &state,
                who,
                id,
                ApiError::bad_request("Enter an e-mail address."),
            )
            .await;
        }
        match state.store.user_by_email(email).await? {
            Some(user) if group.member(user.id).is_some() => {
                refused(
                    &state,
                    who,
                    id,
                    ApiError::new(
                        StatusCode::CONFLICT,
                        format!("{email} is already a member."),
                    ),
                )
                .await
            }
            Some(user) => match put_member(&state, who, id, user.id, choice).await {
                Ok(()) => Ok(Redirect::to(&format!("/sharing/{id}?done=joined")).into_response()),
                Err(e) => refused(&state, who, id, e).await,
            },
            None => {
                let my_role = group.member(who.user.id).map(|m| m.role);
                let (role, can_write) = access_choice(choice)?;
                let role = if role == "admin" {
                    Role::Admin
                } else {
                    Role::Member
                };
                let problem = if !my_role.is_some_and(Role::manages) {
                    Some(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "Only the group's owner and admins can invite",
                    ))
                } else if role == Role::Admin && my_role != Some(Role::Owner) {
                    Some(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "Only the group's owner can appoint or change admins",
                    ))
                } else if group.members.len() >= state.config.max_group_members {
                    Some(ApiError::new(
                        StatusCode::CONFLICT,
                        format!(
                            "The group already has the most members allowed ({})",
                            state.config.max_group_members
                        ),
                    ))
                } else {
                    None
                };
                if let Some(e) = problem {
                    return refused(&state, who, id, e).await;
                }
                let group_invite = GroupInvite {
                    group_id: id,
                    role,
                    can_write,
                };
                let (_, token) =
                    accounts::invite(state.store.as_ref(), email, who.user.id, Some(group_invite))
                        .await
                        .map_err(super::session::account_failure)?;
                let link = accounts::sign_up_link(&state.config.public_url, &token);
                let page = group_page(&state, who, group, "", String::new(), link).await?;
                Ok(render(&page))
            }
        }
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /sharing/{id}/members/{user}`: `access=read|write|admin`.
pub async fn change_member(
    State(state): State<AppState>,
    Path((id, user_id)): Path<(u64, u64)>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        my_group(&state, &posted.who, id).await?;
        match put_member(&state, &posted.who, id, user_id, posted.form.get("access")).await {
            Ok(()) => Ok(Redirect::to(&format!("/sharing/{id}?done=member")).into_response()),
            Err(e) => refused(&state, &posted.who, id, e).await,
        }
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

async fn delete_member(
    state: &AppState,
    who: &SignedIn,
    id: u64,
    user_id: u64,
) -> Result<(), ApiError> {
    crate::api::groups::delete_member(
        State(state.clone()),
        Auth(Some(who.caller())),
        Path((id, user_id)),
    )
    .await
    .map(|_| ())
}

/// `POST /sharing/{id}/members/{user}/remove`.
pub async fn remove_member(
    State(state): State<AppState>,
    Path((id, user_id)): Path<(u64, u64)>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        my_group(&state, &posted.who, id).await?;
        match delete_member(&state, &posted.who, id, user_id).await {
            Ok(()) => Ok(Redirect::to(&format!("/sharing/{id}?done=removed")).into_response()),
            Err(e) => refused(&state, &posted.who, id, e).await,
        }
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /sharing/{id}/leave`.
pub async fn leave(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        my_group(&state, &posted.who, id).await?;
        match delete_member(&state, &posted.who, id, posted.who.user.id).await {
            Ok(()) => Ok(Redirect::to("/sharing?done=left").into_response()),
            Err(e) => refused(&state, &posted.who, id, e).await,
        }
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /sharing/{id}/transfer`: `user=<id>`, a member; only the owner.
pub async fn transfer(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let group = my_group(&state, &posted.who, id).await?;
        if group.owner != posted.who.user.id {
            return refused(
                &state,
                &posted.who,
                id,
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "Only the group's owner can transfer it",
                ),
            )
            .await;
        }
        let new_owner: u64 = posted.form.get("user").parse().unwrap_or(0);
        if new_owner == posted.who.user.id || group.member(new_owner).is_none() {
            return refused(
                &state,
                &posted.who,
                id,
                ApiError::bad_request("Choose one of the group's other members."),
            )
            .await;
        }
        state.store.transfer_group(id, new_owner).await?;
        Ok(Redirect::to(&format!("/sharing/{id}?done=transferred")).into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}
