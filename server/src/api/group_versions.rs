//! The `groupVersions` extension: a request on a user library that carries
//! `Shelfmark-Group-Versions: 1` is answered (a 304 included) with the same
//! header holding what `/users/<id>/groups?format=versions` would say, as
//! `groupID=version` pairs joined by commas (empty without groups). A
//! Shelfmark client learns of new, changed and removed groups from its
//! first request of a sync, so a sync with nothing to do costs one request
//! per library.

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use super::groups::visible;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::store::LibraryOwner;

/// The request and response header.
pub const HEADER: &str = shelfmark_protocol::headers::GROUP_VERSIONS;

/// Where the library extractor leaves the header's value for the answer.
#[derive(Clone, Default)]
struct Slot(Arc<Mutex<Option<String>>>);

/// Middleware: when the request asks, the answer carries what the library
/// extractor found.
pub async fn answer(mut request: Request, next: Next) -> Response {
    if !request.headers().contains_key(HEADER) {
        return next.run(request).await;
    }
    let slot = Slot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let found = slot.0.lock().ok().and_then(|mut value| value.take());
    if let Some(value) = found.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// Called by the library extractor once access is granted: on the caller's
/// own library, when asked, works out the header's value.
pub async fn note(
    parts: &Parts,
    state: &AppState,
    caller: &Caller,
    owner: LibraryOwner,
) -> ApiResult<()> {
    let Some(slot) = parts.extensions.get::<Slot>() else {
        return Ok(());
    };
    if owner != LibraryOwner::User(caller.user.id) {
        return Ok(());
    }
    let groups = visible(caller, state.store.groups_of_user(caller.user.id).await?);
    let value = groups
        .iter()
        .map(|g| format!("{}={}", g.id, g.version))
        .collect::<Vec<_>>()
        .join(",");
    if let Ok(mut kept) = slot.0.lock() {
        *kept = Some(value);
    }
    Ok(())
}
