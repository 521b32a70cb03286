//! The account page: device keys (name, access, created, last sync; create
//! with the key shown once; revoke, effective at once), storage used against
//! the quota, and password change.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::error::{WebError, WebResult};
use super::groups::DoneQuery;
use super::item::human_bytes;
use super::pages::{AccountPage, KeyRow, notice, render, render_with_status};
use super::session::{
    MIN_PASSWORD_CHARS, Posted, SignedIn, account_failure, password_problem, start_session,
};
use crate::accounts;
use crate::app::AppState;
use crate::auth::secrets::verify_password;
use crate::store::{Access, ApiKeyRecord, GroupGrant, LibraryOwner};

/// What a key may do, in words.
pub fn access_text(access: &Access) -> String {
    let mut parts = vec![if access.write {
        "read and write"
    } else {
        "read only"
    }];
    match access.all_groups {
        Some(g) if g.library => parts.push("all groups"),
        _ if access.groups.values().any(|g| g.library) => parts.push("some groups"),
        _ => parts.push("no groups"),
    }
    if !access.notes {
        parts.push("no notes");
    }
    if !access.files {
        parts.push("no files");
    }
    parts.join(", ")
}

fn key_row(key: &ApiKeyRecord) -> KeyRow {
    KeyRow {
        id: key.id,
        name: key.name.clone(),
        access: access_text(&key.access),
        created: short_time(&key.created),
        last_used: key
            .last_used
            .as_deref()
            .map_or_else(|| "never".to_owned(), short_time),
    }
}

/// `2024-05-01T10:20:30Z` as `2024-05-01 10:20 UTC`.
pub fn short_time(iso: &str) -> String {
    match iso.get(..16) {
        Some(t) if iso.len() >= 16 => format!("{} UTC", t.replace('T', " ")),
        _ => iso.to_owned(),
    }
}

/// Storage used against the quota, in words.
pub fn storage_text(used: u64, quota_mb: u64) -> String {
    let quota = quota_mb.saturating_mul(1024 * 1024);
    let percent = used.saturating_mul(100).checked_div(quota).unwrap_or(100);
    format!("{} of {} MB ({percent} %)", human_bytes(used), quota_mb)
}

async fn account_page(
    state: &AppState,
    who: &SignedIn,
    done: &str,
    error: String,
    new_key: String,
) -> WebResult<AccountPage> {
    let user = &who.user;
    let keys = state.store.keys_of_user(user.id).await?;
    let libraries = state.store.storage_by_library(user.id).await?;
    let used = libraries.iter().map(|(_, bytes)| bytes).sum();
    let quota = user.quota_mb.unwrap_or(state.config.default_quota_mb);
    let mut storage = Vec::with_capacity(libraries.len());
    for (owner, bytes) in libraries {
        let name = match owner {
            LibraryOwner::User(_) => "My Library".to_owned(),
            LibraryOwner::Group(id) => match state.store.group(id).await? {
                Some(group) => format!("Group: {}", group.name),
                None => format!("Group {id}"),
            },
        };
        storage.push((name, human_bytes(bytes)));
    }
    Ok(AccountPage {
        nav: Some(who.nav()),
        notice: notice(done),
        error,
        email: user.email.clone(),
        username: user.username.clone(),
        user_id: user.id,
        storage,
        storage_total: storage_text(used, quota),
        keys: keys.iter().map(key_row).collect(),
        new_key,
        public_url: state.config.public_url.clone(),
        min_password: MIN_PASSWORD_CHARS,
    })
}

/// `GET /account`.
pub async fn page(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        Ok(render(
            &account_page(&state, &who, &q.done, String::new(), String::new()).await?,
        ))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /account/keys`: `name`, `access=read|write`; shows the key once.
pub async fn create_key(State(state): State<AppState>, posted: Posted) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let who = &posted.who;
        let write = posted.form.get("access") != "read";
        let access = Access {
            library: true,
            notes: true,
            write,
            files: true,
            all_groups: Some(GroupGrant {
                library: true,
                write,
            }),
            groups: Default::default(),
        };
        let key = match accounts::create_key(
            state.store.as_ref(),
            &who.user,
            posted.form.get("name"),
            access,
        )
        .await
        {
            Ok((_, key)) => key,
            Err(accounts::AccountError::Invalid(m)) => {
                let page =
                    account_page(&state, who, "", format!("The device's {m}."), String::new())
                        .await?;
                return Ok(render_with_status(StatusCode::BAD_REQUEST, &page));
            }
            Err(e) => return Err(account_failure(e)),
        };
        tracing::info!(user = who.user.id, "key created on the web");
        Ok(render(
            &account_page(&state, who, "created", String::new(), key).await?,
        ))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /account/keys/{id}/revoke`: the key stops working at once.
pub async fn revoke_key(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let keys = state.store.keys_of_user(posted.who.user.id).await?;
        if !keys.iter().any(|k| k.id == id) {
            return Err(WebError::not_found());
        }
        state.store.revoke_key(id).await?;
        state.key_cache.forget(id);
        state.access_changed(posted.who.user.id);
        Ok(Redirect::to("/account?done=revoked").into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /account/password`: with the current password; every other
/// browser of the account is signed out, this one gets a new session.
pub async fn change_password(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let who = &posted.who;
        if let Some(wait) = state.limiter.blocked(ip) {
            return Err(WebError::TooManyAttempts(wait));
        }
        let current = posted.form.raw("current").to_owned();
        let stored = who.user.password_hash.clone();
        let right = tokio::task::spawn_blocking(move || verify_password(&current, &stored))
            .await
            .unwrap_or(false);
        let problem = if right {
            password_problem(posted.form.raw("password"), posted.form.raw("password2"))
        } else {
            state.limiter.record(ip);
            Some("The current password is wrong.".to_owned())
        };
        if let Some(problem) = problem {
            let page = account_page(&state, who, "", problem, String::new()).await?;
            return Ok(render_with_status(StatusCode::BAD_REQUEST, &page));
        }
        accounts::set_password(
            state.store.as_ref(),
            who.user.id,
            posted.form.raw("password"),
        )
        .await
        .map_err(account_failure)?;
        start_session(&state, &headers, who.user.id, "/account?done=password").await
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}
