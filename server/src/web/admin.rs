//! The administrators' page: users with their storage, quotas and keys;
//! invitations; revoking every key of a user; resetting a password. Shown
//! to administrators only (404 to anyone else).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::account::{short_time, storage_text};
use super::error::{WebError, WebResult};
use super::groups::DoneQuery;
use super::pages::{AdminPage, InvitationRow, UserRow, notice, render, render_with_status};
use super::session::{Posted, SignedIn, account_failure, plausible_email, signup_open};
use crate::accounts::{self, INVITATION_DAYS};
use crate::app::AppState;
use crate::auth::secrets::new_password;

fn require_admin(who: &SignedIn) -> WebResult<()> {
    if who.user.is_admin {
        Ok(())
    } else {
        Err(WebError::not_found())
    }
}

async fn admin_page(
    state: &AppState,
    who: &SignedIn,
    done: &str,
    error: String,
    secret: Option<(String, String)>,
) -> WebResult<AdminPage> {
    let mut users = Vec::new();
    for u in state.store.users().await? {
        let used = state.store.storage_usage(u.id).await?;
        let keys = state.store.keys_of_user(u.id).await?.len();
        let quota_mb = u.quota_mb.unwrap_or(state.config.default_quota_mb);
        users.push(UserRow {
            id: u.id,
            email: u.email,
            name: if u.display_name.is_empty() {
                u.username
            } else {
                u.display_name
            },
            is_admin: u.is_admin,
            created: short_time(&u.created),
            quota: u.quota_mb.map(|q| q.to_string()).unwrap_or_default(),
            used: storage_text(used, quota_mb),
            keys,
        });
    }
    let mut invitations = Vec::new();
    for i in state.store.invitations().await? {
        let group = match i.group {
            Some(g) => state
                .store
                .group(g.group_id)
                .await?
                .map(|g| g.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        invitations.push(InvitationRow {
            id: i.id,
            email: i.email,
            created: short_time(&i.created),
            expires: short_time(&i.expires),
            group,
        });
    }
    let (secret_label, secret) = secret.unwrap_or_default();
    Ok(AdminPage {
        nav: Some(who.nav()),
        notice: notice(done),
        error,
        users,
        invitations,
        secret_label,
        secret,
        signup_open: signup_open(state),
        default_quota_mb: state.config.default_quota_mb,
    })
}

/// `GET /admin`.
pub async fn page(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        require_admin(&who)?;
        Ok(render(
            &admin_page(&state, &who, &q.done, String::new(), None).await?,
        ))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /admin/invite`: an invitation link for an address, shown once.
pub async fn invite(State(state): State<AppState>, posted: Posted) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let who = &posted.who;
        require_admin(who)?;
        let email = posted.form.get("email");
        if !plausible_email(email) {
            let page = admin_page(&state, who, "", "Enter an e-mail address.".into(), None).await?;
            return Ok(render_with_status(StatusCode::BAD_REQUEST, &page));
        }
        if state.store.user_by_email(email).await?.is_some() {
            let page = admin_page(
                &state,
                who,
                "",
                format!("{email} already has an account."),
                None,
            )
            .await?;
            return Ok(render_with_status(StatusCode::CONFLICT, &page));
        }
        let (_, token) = accounts::invite(state.store.as_ref(), email, who.user.id, None)
            .await
            .map_err(account_failure)?;
        let secret = (
            format!("The invitation link for {email} (works once, for {INVITATION_DAYS} days):"),
            accounts::sign_up_link(&state.config.public_url, &token),
        );
        Ok(render(
            &admin_page(&state, who, "", String::new(), Some(secret)).await?,
        ))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /admin/invitations/{id}/withdraw`.
pub async fn withdraw_invitation(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        require_admin(&posted.who)?;
        state.store.delete_invitation(id).await?;
        Ok(Redirect::to("/admin?done=withdrawn").into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /admin/users/{id}/quota`: `quota` in MB, empty for the default.
pub async fn set_quota(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        require_admin(&posted.who)?;
        let text = posted.form.get("quota");
        let quota = if text.is_empty() {
            None
        } else {
            Some(text.parse::<u64>().map_err(|_| {
                WebError::bad_request("A quota is a number of megabytes, or empty for the default.")
            })?)
        };
        state
            .store
            .user(id)
            .await?
            .ok_or_else(WebError::not_found)?;
        state.store.set_quota(id, quota).await?;
        Ok(Redirect::to("/admin?done=quota").into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /admin/users/{id}/revoke-keys`: every device of the user is signed out.
pub async fn revoke_keys(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        require_admin(&posted.who)?;
        let keys = state.store.keys_of_user(id).await?;
        state.store.revoke_keys_of_user(id).await?;
        for key in keys {
            state.key_cache.forget(key.id);
        }
        state.access_changed(id);
        Ok(Redirect::to("/admin?done=keys-revoked").into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /admin/users/{id}/reset-password`: a new random password, shown
/// once; the user's web sessions end (device keys stay valid).
pub async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        require_admin(&posted.who)?;
        let user = state
            .store
            .user(id)
            .await?
            .ok_or_else(WebError::not_found)?;
        let password = new_password();
        accounts::set_password(state.store.as_ref(), id, &password)
            .await
            .map_err(account_failure)?;
        tracing::info!(user = id, "password reset by an administrator");
        let secret = (
            format!("The new password of {} (shown this once):", user.email),
            password,
        );
        Ok(render(
            &admin_page(&state, &posted.who, "", String::new(), Some(secret)).await?,
        ))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}
