//! Signing in and out, signing up, the session cookie and the CSRF token
//! every form carries.
//!
//! A session is a random id in an `HttpOnly`, `SameSite=Lax` cookie (also
//! `Secure` when the public URL is https); the store keeps only its SHA-256
//! digest with the user, its expiry and the session's CSRF token. Signing in
//! always starts a new session (and ends one the browser still had), and
//! signing out deletes it on the server. Forms of signed-in pages carry the
//! session's token; the sign-in and sign-up forms, which come before any
//! session, carry a random token that must match a cookie set with the form.

use std::net::IpAddr;

use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::error::{WebError, WebResult};
use super::pages::{Nav, SignInPage, SignUpPage, render_with_status};
use crate::accounts::{self, AccountError};
use crate::app::AppState;
use crate::auth::secrets::{hash_token, new_token};
use crate::auth::{Caller, ClientIp};
use crate::clock::{iso_in, now_iso};
use crate::config::SignupMode;
use crate::store::{Access, ApiKeyRecord, Invitation, User, WebSession};

/// The session cookie.
pub const SESSION_COOKIE: &str = "shelfmark_session";
/// The cookie the sign-in and sign-up forms' token is checked against.
pub const FORM_COOKIE: &str = "shelfmark_form";
/// The form field holding the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
/// Shortest password accepted.
pub use crate::accounts::MIN_PASSWORD_CHARS;
/// The largest form body read.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// A random secret for session ids and form tokens.
fn new_secret() -> String {
    new_token()
}

/// Compares secrets in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Whether anyone may make an account (not only invited people).
pub fn signup_open(state: &AppState) -> bool {
    state.config.signup == SignupMode::Open
}

/// Whether cookies must be `Secure` (the service is reached over https).
fn secure(state: &AppState) -> bool {
    state.config.public_url.starts_with("https://")
}

/// A `Set-Cookie` value with the attributes every cookie here has.
fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: u64) -> String {
    let secure = if secure(state) { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The fields of a submitted form, in order (repeated names kept).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// Parses an `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The last value of a field, trimmed (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The value of a field exactly as sent (passwords keep their spaces).
    pub fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }
}

async fn read_form(request: Request) -> WebResult<(Parts, Fields)> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| WebError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."))?;
    Ok((parts, Fields::parse(&bytes)))
}

fn csrf_refused() -> WebError {
    WebError::forbidden(
        "This form did not come from this site's own page or has expired; \
         go back, reload the page and send it again.",
    )
}

/// A signed-in browser: its account and session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session: WebSession,
}

impl SignedIn {
    /// The browser as an API caller: the account's own rights (every scope,
    /// every group it belongs to), so the API's access rules and roles decide
    /// what it may see and change.
    pub fn caller(&self) -> Caller {
        Caller {
            key: ApiKeyRecord {
                id: 0,
                user_id: self.user.id,
                name: "web session".into(),
                hash: String::new(),
                access: Access::full(),
                created: self.session.created.clone(),
                last_used: None,
            },
            user: self.user.clone(),
        }
    }

    /// The navigation of signed-in pages.
    pub fn nav(&self) -> Nav {
        Nav {
            user_id: self.user.id,
            name: if self.user.display_name.is_empty() {
                self.user.email.clone()
            } else {
                self.user.display_name.clone()
            },
            csrf: self.session.csrf_token.clone(),
            is_admin: self.user.is_admin,
        }
    }
}

/// The signed-in session of a request, if any.
pub async fn signed_in(headers: &HeaderMap, state: &AppState) -> WebResult<Option<SignedIn>> {
    let Some(id) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = state.store.session(&hash_token(&id)).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.user(session.user_id).await? else {
        return Ok(None);
    };
    Ok(Some(SignedIn { user, session }))
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> WebResult<Self> {
        signed_in(&parts.headers, state)
            .await?
            .ok_or(WebError::SignIn)
    }
}

/// A form posted from a signed-in page, its CSRF token checked.
#[derive(Debug)]
pub struct Posted {
    pub who: SignedIn,
    pub form: Fields,
}

impl FromRequest<AppState> for Posted {
    type Rejection = WebError;
    async fn from_request(request: Request, state: &AppState) -> WebResult<Self> {
        let (mut parts, form) = read_form(request).await?;
        let who = SignedIn::from_request_parts(&mut parts, state).await?;
        if !same_secret(form.get(CSRF_FIELD), &who.session.csrf_token) {
            return Err(csrf_refused().with_nav(&who.nav()));
        }
        Ok(Self { who, form })
    }
}

/// A sign-in or sign-up form, its token checked against the form cookie.
#[derive(Debug)]
pub struct PublicForm(pub Fields);

impl FromRequest<AppState> for PublicForm {
    type Rejection = WebError;
    async fn from_request(request: Request, _: &AppState) -> WebResult<Self> {
        let (parts, form) = read_form(request).await?;
        let expected = cookie(&parts.headers, FORM_COOKIE).unwrap_or_default();
        if !same_secret(form.get(CSRF_FIELD), &expected) {
            return Err(csrf_refused());
        }
        Ok(Self(form))
    }
}

/// A page with a sign-in or sign-up form and the cookie its token matches.
fn public_form_page(
    state: &AppState,
    status: StatusCode,
    page: &impl askama::Template,
    token: &str,
) -> Response {
    with_cookie(
        render_with_status(status, page),
        &set_cookie(state, FORM_COOKIE, token, 3600),
    )
}

/// The token of the sign-in and sign-up forms: the one the browser already
/// holds in its form cookie (so that two open forms both work), or a new one.
fn form_token(headers: &HeaderMap) -> String {
    cookie(headers, FORM_COOKIE)
        .filter(|t| t.len() >= 32 && t.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(new_secret)
}

fn signin_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    email: &str,
    error: &str,
) -> Response {
    let token = form_token(headers);
    let page = SignInPage {
        nav: None,
        csrf: token.clone(),
        email: email.to_owned(),
        error: error.to_owned(),
        signup_open: signup_open(state),
    };
    public_form_page(state, status, &page, &token)
}

/// `GET /signin`.
pub async fn signin_page(State(state): State<AppState>, headers: HeaderMap) -> WebResult<Response> {
    if signed_in(&headers, &state).await?.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(signin_form(&state, &headers, StatusCode::OK, "", ""))
}

/// The sign-in page itself (for `GET /` when signed out).
pub fn signin_response(state: &AppState, headers: &HeaderMap) -> Response {
    signin_form(state, headers, StatusCode::OK, "", "")
}

/// Starts a session for `user_id`, ending the one the browser had; the
/// answer redirects to `to` with the new cookie.
pub async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user_id: u64,
    to: &str,
) -> WebResult<Response> {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        state.store.delete_session(&hash_token(&old)).await?;
    }
    let id = new_secret();
    let lifetime_secs = state.config.session_hours.saturating_mul(3600);
    state
        .store
        .create_session(WebSession {
            id_hash: hash_token(&id),
            user_id,
            csrf_token: new_secret(),
            created: now_iso(),
            expires: iso_in(i64::try_from(lifetime_secs).unwrap_or(i64::MAX)),
        })
        .await?;
    let response = with_cookie(
        Redirect::to(to).into_response(),
        &set_cookie(state, SESSION_COOKIE, &id, lifetime_secs),
    );
    Ok(with_cookie(
        response,
        &set_cookie(state, FORM_COOKIE, "", 0),
    ))
}

/// `POST /signin`: e-mail and password; failures count against the same
/// per-address limit as bad API keys.
pub async fn signin(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PublicForm(form): PublicForm,
) -> WebResult<Response> {
    if let Some(wait) = state.limiter.blocked(ip) {
        return Err(WebError::TooManyAttempts(wait));
    }
    let email = form.get("email");
    let password = form.raw("password");
    match check_password(&state, email, password).await? {
        Some(user) => start_session(&state, &headers, user.id, "/").await,
        None => {
            failed_sign_in(&state, ip);
            Ok(signin_form(
                &state,
                &headers,
                StatusCode::FORBIDDEN,
                email,
                "The e-mail address or the password is wrong.",
            ))
        }
    }
}

fn failed_sign_in(state: &AppState, ip: IpAddr) {
    state.limiter.record(ip);
    tracing::info!(%ip, "failed sign-in");
}

/// The account when the password is its own (the same check as `POST /keys`).
pub async fn check_password(
    state: &AppState,
    email: &str,
    password: &str,
) -> WebResult<Option<User>> {
    match accounts::authenticate(state.store.as_ref(), email, password).await {
        Ok(user) => Ok(Some(user)),
        Err(AccountError::WrongCredentials) => Ok(None),
        Err(e) => Err(account_failure(e)),
    }
}

/// An account operation's refusal as a page.
pub fn account_failure(e: AccountError) -> WebError {
    match e {
        AccountError::Invalid(m) | AccountError::Taken(m) => WebError::bad_request(m),
        AccountError::WrongCredentials => {
            WebError::forbidden("The e-mail address or the password is wrong.")
        }
        AccountError::InvitationNotValid(why) => WebError::forbidden(format!(
            "This invitation link is not valid any more: {why}."
        )),
        AccountError::Store(e) => e.into(),
        AccountError::Internal(m) => {
            tracing::error!(error = %m, "account operation failed");
            WebError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on the server.",
            )
        }
    }
}

/// `POST /signout`: ends the session on the server and in the browser.
pub async fn signout(State(state): State<AppState>, posted: Posted) -> Response {
    // The form's token proved the session is this browser's own.
    if let Err(e) = state
        .store
        .delete_session(&posted.who.session.id_hash)
        .await
    {
        tracing::warn!(error = %e, "ending a session failed");
    }
    with_cookie(
        Redirect::to("/signin").into_response(),
        &set_cookie(&state, SESSION_COOKIE, "", 0),
    )
}

/// `?token=` of the sign-up page.
#[derive(Debug, Deserialize)]
pub struct SignUpQuery {
    #[serde(default)]
    token: String,
}

/// The invitation a token names, if it can still be used.
async fn usable_invitation(state: &AppState, token: &str) -> WebResult<Option<Invitation>> {
    if token.is_empty() {
        return Ok(None);
    }
    match accounts::invitation_for_token(state.store.as_ref(), token).await {
        Ok(invitation) => Ok(Some(invitation)),
        Err(AccountError::InvitationNotValid(_)) => Ok(None),
        Err(e) => Err(account_failure(e)),
    }
}

/// What the sign-up form shows again: the invitation's token, the address
/// (fixed by an invitation), the name typed and what was wrong.
#[derive(Debug, Default, Clone, Copy)]
struct SignUpFields<'a> {
    token: &'a str,
    email: &'a str,
    email_fixed: bool,
    name: &'a str,
    error: &'a str,
}

fn signup_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    fields: SignUpFields<'_>,
) -> Response {
    let form_token = form_token(headers);
    let page = SignUpPage {
        nav: None,
        csrf: form_token.clone(),
        token: fields.token.to_owned(),
        email: fields.email.to_owned(),
        email_fixed: fields.email_fixed,
        name: fields.name.to_owned(),
        error: fields.error.to_owned(),
        min_password: MIN_PASSWORD_CHARS,
    };
    public_form_page(state, status, &page, &form_token)
}

fn closed_signup() -> WebError {
    WebError::forbidden(
        "Accounts on this server are made by invitation. Ask its administrator \
         or a group owner for an invitation link; this one is not valid (any more).",
    )
}

/// `GET /signup[?token=…]`.
pub async fn signup_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignUpQuery>,
) -> WebResult<Response> {
    if let Some(invitation) = usable_invitation(&state, &query.token).await? {
        return Ok(signup_form(
            &state,
            &headers,
            StatusCode::OK,
            SignUpFields {
                token: &query.token,
                email: &invitation.email,
                email_fixed: true,
                ..SignUpFields::default()
            },
        ));
    }
    if !signup_open(&state) {
        return Err(closed_signup());
    }
    Ok(signup_form(
        &state,
        &headers,
        StatusCode::OK,
        SignUpFields::default(),
    ))
}

/// Whether an e-mail address has the form `local@domain`.
pub fn plausible_email(email: &str) -> bool {
    accounts::check_email(email).is_ok()
}

/// Why a new password is refused, if it is.
pub fn password_problem(password: &str, again: &str) -> Option<String> {
    if let Err(e) = accounts::check_password(password) {
        Some(format!("The {e}."))
    } else if password != again {
        Some("The two passwords differ.".into())
    } else {
        None
    }
}

/// `POST /signup`: makes the account (joining the invitation's group, if
/// it names one) and signs it in.
pub async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    PublicForm(form): PublicForm,
) -> WebResult<Response> {
    let token = form.get("token").to_owned();
    let invitation = usable_invitation(&state, &token).await?;
    if invitation.is_none() && !signup_open(&state) {
        return Err(closed_signup());
    }
    let email = invitation
        .as_ref()
        .map_or_else(|| form.get("email").to_owned(), |i| i.email.clone());
    let name = form.get("name");
    let again = |error: &str, status: StatusCode| {
        signup_form(
            &state,
            &headers,
            status,
            SignUpFields {
                token: &token,
                email: &email,
                email_fixed: invitation.is_some(),
                name,
                error,
            },
        )
    };
    if !plausible_email(&email) {
        return Ok(again(
            "Enter an e-mail address such as ada@example.org.",
            StatusCode::BAD_REQUEST,
        ));
    }
    if let Some(problem) = password_problem(form.raw("password"), form.raw("password2")) {
        return Ok(again(&problem, StatusCode::BAD_REQUEST));
    }
    let form_in = accounts::SignUp {
        email: email.clone(),
        username: String::new(),
        display_name: name.to_owned(),
        password: form.raw("password").to_owned(),
    };
    let user = match accounts::sign_up(
        state.store.as_ref(),
        form_in,
        invitation.as_ref(),
        state.config.max_group_members,
    )
    .await
    {
        Ok(user) => user,
        Err(AccountError::Invalid(m) | AccountError::Taken(m)) => {
            return Ok(again(&m, StatusCode::BAD_REQUEST));
        }
        Err(e) => return Err(account_failure(e)),
    };
    tracing::info!(user = user.id, "account created on the web");
    start_session(&state, &headers, user.id, "/").await
}
