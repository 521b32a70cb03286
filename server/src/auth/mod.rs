//! Who is calling: API keys from `Zotero-API-Key`, `Authorization: Bearer` or
//! `?key=`, and what they may do in a library.

pub mod access;
pub mod ratelimit;
pub mod secrets;

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};

use self::ratelimit::FailedAttempt;
use crate::app::AppState;
use crate::error::ApiError;
use crate::store::{ApiKeyRecord, User};
use shelfmark_protocol::headers;

/// An authenticated caller: the key and its user.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: ApiKeyRecord,
    pub user: User,
}

/// How long a looked-up key is trusted without asking the store again.
const KEY_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Recently seen live keys, by hash.
#[derive(Debug, Default)]
pub struct KeyCache(
    std::sync::Mutex<std::collections::HashMap<String, (Caller, std::time::Instant)>>,
);

impl KeyCache {
    /// The cached caller for a key hash, if fresh.
    pub fn get(&self, hash: &str) -> Option<Caller> {
        let map = self.0.lock().ok()?;
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < KEY_CACHE_TTL)
            .map(|(c, _)| c.clone())
    }

    /// Remembers a live key.
    pub fn put(&self, hash: String, caller: Caller) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() > 10_000 {
                map.retain(|_, (_, at)| at.elapsed() < KEY_CACHE_TTL);
            }
            map.insert(hash, (caller, std::time::Instant::now()));
        }
    }

    /// Forgets a key (it was revoked).
    pub fn forget(&self, key_id: i64) {
        if let Ok(mut map) = self.0.lock() {
            map.retain(|_, (c, _)| c.key.id != key_id);
        }
    }
}

/// How often a key's last use is written: the "Devices and keys" page shows
/// it to the minute, and a sync's burst of requests should not each write.
const KEY_USE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// When each key's use was last written, by key id.
#[derive(Debug, Default)]
pub struct KeyUse(std::sync::Mutex<std::collections::HashMap<i64, std::time::Instant>>);

impl KeyUse {
    /// Whether a use of `key_id` now should be written (at most once a
    /// minute per key and process).
    pub fn due(&self, key_id: i64) -> bool {
        let Ok(mut map) = self.0.lock() else {
            return false;
        };
        let now = std::time::Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, at| now.duration_since(*at) < KEY_USE_EVERY);
        }
        match map.get(&key_id) {
            Some(at) if now.duration_since(*at) < KEY_USE_EVERY => false,
            _ => {
                map.insert(key_id, now);
                true
            }
        }
    }
}

/// The caller of a request, if it presented a key. A presented key that is
/// wrong is an error (403), never an anonymous request.
#[derive(Debug, Clone)]
pub struct Auth(pub Option<Caller>);

impl Auth {
    /// The caller, or 403 when there is none.
    pub fn required(&self) -> Result<&Caller, ApiError> {
        self.0.as_ref().ok_or_else(ApiError::forbidden)
    }
}

/// The key presented with a request, from headers or the query string.
pub fn presented_key(headers: &HeaderMap, query: Option<&str>) -> Result<Option<String>, ApiError> {
    let from_header = headers
        .get(headers::API_KEY)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
        .or_else(|| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|s| s.trim().to_owned())
        });
    let from_query = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "key")
            .map(|(_, v)| v.into_owned())
    });
    match (from_header, from_query) {
        (Some(h), Some(q)) if h != q => Err(ApiError::bad_request(
            "The API key in the query string differs from the one in the headers",
        )),
        (h, q) => Ok(h.or(q).filter(|k| !k.is_empty())),
    }
}

/// The client's address (0.0.0.0 when unknown, as in tests without a socket).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(client_ip(parts)))
    }
}

fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(key) = presented_key(&parts.headers, parts.uri.query())? else {
            return Ok(Self(None));
        };
        let ip = client_ip(parts);
        // A valid key is served whatever else came from its address.
        match state.lookup_key(&key).await? {
            Some(caller) => {
                if let Some(wait) = state.key_limiter.take(caller.key.id) {
                    return Err(ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "Too many requests with this key; retry later",
                    )
                    .with_header(header::RETRY_AFTER, wait.to_string()));
                }
                Ok(Self(Some(caller)))
            }
            None => Err(wrong_key(
                state,
                ip,
                ApiError::new(StatusCode::FORBIDDEN, "Invalid key"),
            )
            .await),
        }
    }
}

/// The answer to a wrong API key from `ip`: `failure`, after a pause once
/// the address has failed several times, or 429 past the limit.
pub async fn wrong_key(state: &AppState, ip: IpAddr, failure: ApiError) -> ApiError {
    match state.key_failures.fail(ip) {
        FailedAttempt::Answer { after } => {
            tracing::info!(%ip, "invalid API key presented");
            if !after.is_zero() {
                tokio::time::sleep(after).await;
            }
            failure
        }
        FailedAttempt::Refuse { retry_after } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed authentication attempts; try again later",
        )
        .with_header(header::RETRY_AFTER, retry_after.to_string()),
    }
}
