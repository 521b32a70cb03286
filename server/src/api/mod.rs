//! The HTTP API: handlers by capability, and what they share (the library
//! context extractor, query parameters, common headers).

pub mod atom;
pub mod capabilities;
pub mod collections;
pub mod envelope;
pub mod export;
pub mod files;
pub mod fulltext;
pub mod group_versions;
pub mod groups;
pub mod items;
pub mod keys;
pub mod library;
pub mod object;
pub mod openapi;
pub mod paging;
pub mod query;
pub mod schema;
pub mod searches;
pub mod text;
pub mod write;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::access::{LibraryAccess, library_access};
use crate::auth::{Auth, Caller};
use crate::error::{ApiError, ApiResult};
use crate::store::{Library, LibraryOwner};
use shelfmark_protocol::headers;

/// `Last-Modified-Version`.
pub const LAST_MODIFIED_VERSION: HeaderName =
    HeaderName::from_static(headers::LAST_MODIFIED_VERSION);
/// `Total-Results`.
pub const TOTAL_RESULTS: HeaderName = HeaderName::from_static(headers::TOTAL_RESULTS);
const API_VERSION: HeaderName = HeaderName::from_static(headers::API_VERSION);
const SCHEMA_VERSION: HeaderName = HeaderName::from_static(headers::SCHEMA_VERSION);

/// `GET /health`: the service is up and its store answers.
pub async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.store.library(LibraryOwner::User(0)).await {
        Ok(_) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable").into_response()
        }
    }
}

/// Any unknown path.
pub async fn not_found() -> ApiError {
    ApiError::not_found("Not found")
}

/// Adds `Zotero-API-Version: 3` and `Zotero-Schema-Version` to every answer.
pub async fn add_api_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(API_VERSION, HeaderValue::from_static("3"));
    if let Ok(v) = HeaderValue::from_str(&shelfmark_protocol::schema::schema().version.to_string())
    {
        headers.insert(SCHEMA_VERSION, v);
    }
    response
}

/// Counts requests in flight and, above the configured number, asks clients
/// to pause with `Backoff: <seconds>` (on successful answers too).
pub async fn backoff_under_load(
    state: AppState,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use std::sync::atomic::Ordering;
    /// Counts the request out even when the client goes away mid-way.
    struct InFlight(AppState);
    impl Drop for InFlight {
        fn drop(&mut self) {
            self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let guard = InFlight(state.clone());
    let mut response = next.run(request).await;
    drop(guard);
    if now > state.config.backoff_above {
        response.headers_mut().insert(
            HeaderName::from_static("backoff"),
            HeaderValue::from(state.config.backoff_secs),
        );
    }
    response
}

/// Query parameters in order, repeated names kept (`tag=a&tag=b`).
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub pairs: Vec<(String, String)>,
    /// The client asked for the large-pages extension (see `/shelfmark/capabilities`).
    pub large_pages: bool,
}

/// The largest number a numeric parameter may have (`i64::MAX`).
pub const MAX_NUMBER: u64 = i64::MAX as u64;

impl Params {
    /// Parses a raw query string.
    pub fn parse(query: Option<&str>) -> Self {
        Self {
            pairs: query
                .map(|q| {
                    form_urlencoded::parse(q.as_bytes())
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            large_pages: false,
        }
    }

    /// The last value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a parameter.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A flag such as `includeTrashed=1`.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| matches!(v, "1" | "true" | "yes"))
    }

    /// A non-negative integer parameter, 400 naming it when malformed or
    /// above [`MAX_NUMBER`] (the stores keep numbers as signed 64 bits).
    pub fn number(&self, name: &str) -> ApiResult<Option<u64>> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= MAX_NUMBER)
                .map(Some)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid '{name}' value '{}': expected a number from 0 to {MAX_NUMBER}",
                        crate::error::printable(v)
                    ))
                }),
        }
    }
}

impl Params {
    /// 400 naming the first parameter whose value holds a NUL character:
    /// no stored text holds one, and the stores cannot take it as query
    /// text (SQLite's full-text queries end at it, PostgreSQL refuses it).
    fn refuse_nul(&self) -> ApiResult<()> {
        match self.pairs.iter().find(|(_, v)| v.contains('\0')) {
            Some((name, _)) => Err(ApiError::bad_request(format!(
                "Invalid '{}' value: the NUL character is not allowed",
                crate::error::printable(name)
            ))),
            None => Ok(()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let mut params = Self::parse(parts.uri.query());
        params.refuse_nul()?;
        params.large_pages = parts
            .headers
            .get(headers::LARGE_PAGES)
            .is_some_and(|v| v.as_bytes() == b"1");
        Ok(params)
    }
}

/// A request inside one library: who calls, which library, what they may do.
#[derive(Debug, Clone)]
pub struct LibCtx {
    pub state: AppState,
    pub caller: Option<Caller>,
    pub library: Library,
    pub access: LibraryAccess,
}

impl LibCtx {
    /// 403 unless the caller may write.
    pub fn require_write(&self) -> ApiResult<()> {
        if self.access.write {
            Ok(())
        } else {
            Err(ApiError::write_denied())
        }
    }

    /// The library's URL prefix (`/users/1`).
    pub fn prefix(&self) -> String {
        self.library.owner.prefix()
    }

    /// The absolute URL of a path in this library.
    pub fn url(&self, rest: &str) -> String {
        format!("{}{}{rest}", self.state.config.public_url, self.prefix())
    }

    /// The envelope's `library` member.
    pub fn library_json(&self) -> Value {
        let owner = self.library.owner;
        let alternate = match owner {
            LibraryOwner::User(_) => {
                format!("{}/{}", self.state.config.public_url, self.library.name)
            }
            LibraryOwner::Group(id) => format!("{}/groups/{id}", self.state.config.public_url),
        };
        json!({
            "type": owner.kind(),
            "id": owner.id(),
            "name": self.library.name,
            "links": {"alternate": {"href": alternate, "type": "text/html"}},
        })
    }
}

/// Reads `users|groups` and the id from the start of a library path.
fn owner_from_path(path: &str) -> ApiResult<LibraryOwner> {
    let mut segments = path.trim_start_matches('/').split('/');
    let kind = segments.next().unwrap_or_default();
    let id: u64 = segments
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ApiError::not_found("Not found"))?;
    match kind {
        "users" => Ok(LibraryOwner::User(id)),
        "groups" => Ok(LibraryOwner::Group(id)),
        _ => Err(ApiError::not_found("Not found")),
    }
}

impl FromRequestParts<AppState> for LibCtx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Auth(caller) = Auth::from_request_parts(parts, state).await?;
        let owner = owner_from_path(parts.uri.path())?;
        // Without a key nothing is said about what exists.
        if caller.is_none() {
            return Err(ApiError::forbidden());
        }
        let group = match owner {
            LibraryOwner::Group(id) => Some(
                state
                    .store
                    .group(id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("Group not found"))?,
            ),
            LibraryOwner::User(_) => None,
        };
        let access = library_access(caller.as_ref(), owner, group.as_ref());
        if !access.read {
            return Err(ApiError::forbidden());
        }
        if let Some(caller) = &caller {
            group_versions::note(parts, state, caller, owner).await?;
        }
        let library = state
            .store
            .library(owner)
            .await?
            .ok_or_else(|| ApiError::not_found("Library not found"))?;
        Ok(Self {
            state: state.clone(),
            caller,
            library,
            access,
        })
    }
}

/// A header's value as a version number: `None` if absent, 400 if malformed.
pub fn version_header(headers: &HeaderMap, name: &str) -> ApiResult<Option<u64>> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(format!("Invalid {name} header"))),
    }
}

/// `If-Modified-Since-Version`: 304 when the library has not changed since.
pub fn not_modified(headers: &HeaderMap, library_version: u64) -> ApiResult<Option<Response>> {
    match version_header(headers, headers::IF_MODIFIED_SINCE_VERSION)? {
        Some(since) if library_version <= since => {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            response
                .headers_mut()
                .insert(LAST_MODIFIED_VERSION, HeaderValue::from(library_version));
            Ok(Some(response))
        }
        _ => Ok(None),
    }
}

/// A JSON answer with `Last-Modified-Version`.
pub fn json_response(value: &Value, version: u64) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string_pretty(value).unwrap_or_default(),
    )
        .into_response();
    response
        .headers_mut()
        .insert(LAST_MODIFIED_VERSION, HeaderValue::from(version));
    response
}

/// A JSON answer already written, with `Last-Modified-Version`.
pub fn json_bytes_response(body: Vec<u8>, version: u64) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    response
        .headers_mut()
        .insert(LAST_MODIFIED_VERSION, HeaderValue::from(version));
    response
}

/// A JSON answer without a library version.
pub fn plain_json(value: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string_pretty(value).unwrap_or_default(),
    )
        .into_response()
}

/// `204 No Content` with `Last-Modified-Version`.
pub fn no_content(version: u64) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(LAST_MODIFIED_VERSION, HeaderValue::from(version));
    response
}

/// Parses a request body as JSON, 400 with the parser's words otherwise.
pub fn parse_body(body: &[u8]) -> ApiResult<Value> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("Invalid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_in_any_parameter_is_refused_naming_it() {
        let params = Params::parse(Some("q=ab&itemQ=a%00b&format=json"));
        let err = params.refuse_nul().expect_err("NUL refused");
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(err.message.contains("'itemQ'"), "{}", err.message);
        assert!(Params::parse(Some("q=%C3%AA&tag=a")).refuse_nul().is_ok());
    }
}
