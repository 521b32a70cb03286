//! The web pages: a signed-in person's libraries, groups, devices and keys,
//! and the administrators' pages, rendered on the server from templates
//! compiled into the binary (`server/templates`), with one style sheet and
//! one small script served from the binary too.
//!
//! Pages act through the same store, planners and API handlers as the Web
//! API: a signed-in browser is a [`Caller`](crate::auth::Caller) with the
//! account's own rights (see [`session::SignedIn::caller`]), so version
//! rules, roles and every device's next sync see web edits exactly as they
//! see API writes.

pub mod account;
pub mod add;
pub mod admin;
pub mod assets;
pub mod error;
pub mod groups;
pub mod item;
pub mod library;
pub mod notes;
pub mod pages;
pub mod session;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};

use crate::app::AppState;

/// The pages' Content-Security-Policy: nothing but this site's own script,
/// styles and images; no inline script, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The web pages' routes, with their security headers.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(library::home))
        .route("/signin", get(session::signin_page).post(session::signin))
        .route("/signup", get(session::signup_page).post(session::signup))
        .route("/signout", post(session::signout))
        .route(assets::CSS_PATH, get(assets::css))
        .route(assets::JS_PATH, get(assets::js))
        .route("/libraries/{lib}", get(library::list))
        .route("/libraries/{lib}/selection", post(library::selection))
        .route("/libraries/{lib}/export", get(library::export))
        .route(
            "/libraries/{lib}/collections",
            post(library::new_collection),
        )
        .route("/libraries/{lib}/trash/empty", post(library::empty_trash))
        .route(
            "/libraries/{lib}/delete-all",
            get(library::delete_all_page).post(library::delete_all),
        )
        .route(
            "/libraries/{lib}/new",
            get(item::new_page).post(item::create),
        )
        .route("/libraries/{lib}/add", get(add::add_page).post(add::add))
        .route(
            "/libraries/{lib}/items/{key}",
            get(item::show).post(item::edit),
        )
        .route("/libraries/{lib}/items/{key}/trash", post(item::trash))
        .route("/libraries/{lib}/items/{key}/restore", post(item::restore))
        .route(
            "/libraries/{lib}/items/{key}/collections",
            post(item::collections),
        )
        .route("/libraries/{lib}/items/{key}/file", get(item::file))
        .route("/sharing", get(groups::list).post(groups::create))
        .route("/sharing/{id}", get(groups::show))
        .route("/sharing/{id}/invite", post(groups::invite))
        .route("/sharing/{id}/members/{user}", post(groups::change_member))
        .route(
            "/sharing/{id}/members/{user}/remove",
            post(groups::remove_member),
        )
        .route("/sharing/{id}/leave", post(groups::leave))
        .route("/sharing/{id}/transfer", post(groups::transfer))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/account/keys", post(account::create_key))
        .route("/account/keys/{id}/revoke", post(account::revoke_key))
        .route("/admin", get(admin::page))
        .route("/admin/invite", post(admin::invite))
        .route(
            "/admin/invitations/{id}/withdraw",
            post(admin::withdraw_invitation),
        )
        .route("/admin/users/{id}/quota", post(admin::set_quota))
        .route("/admin/users/{id}/revoke-keys", post(admin::revoke_keys))
        .route(
            "/admin/users/{id}/reset-password",
            post(admin::reset_password),
        )
        .layer(axum::middleware::map_response(security_headers))
}

/// Headers every page and asset carries: the CSP, no sniffing, no framing,
/// no referrer to other sites, and (for pages) no caching of signed-in
/// content.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "same-origin");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}
