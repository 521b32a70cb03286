//! A client for the Zotero Web API v3, exactly as published, so that a
//! library syncs with Shelfmark's own service, with zotero.org, or with any
//! compatible server. Server extensions are used only when the server
//! advertises them.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use shelfmark_protocol::LibraryKind;

use shelfmark_protocol::headers;

use super::error::{SyncError, SyncErrorKind};
use super::transport::Transport;
use crate::changes::ObjectKind;

impl ObjectKind {
    pub const ALL: [ObjectKind; 3] = [Self::Collection, Self::SavedSearch, Self::Item];

    pub fn path(self) -> &'static str {
        match self {
            Self::Collection => "collections",
            Self::SavedSearch => "searches",
            Self::Item => "items",
        }
    }

    /// The query parameter selecting objects by key.
    pub fn key_param(self) -> &'static str {
        match self {
            Self::Collection => "collectionKey",
            Self::SavedSearch => "searchKey",
            Self::Item => "itemKey",
        }
    }
}

/// A library on the server: `/users/<id>` or `/groups/<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RemoteLibrary {
    pub kind: LibraryKind,
    pub id: u64,
}

impl RemoteLibrary {
    pub fn prefix(&self) -> String {
        format!("/{}/{}", self.kind.path_segment(), self.id)
    }
}

/// What `/keys/current` says about the key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KeyInfo {
    #[serde(rename = "userID")]
    pub user_id: u64,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub access: Access,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Access {
    #[serde(default)]
    pub user: UserAccess,
    /// `"all"` or a group id → its access.
    #[serde(default)]
    pub groups: BTreeMap<String, GroupAccess>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct UserAccess {
    #[serde(default)]
    pub library: bool,
    #[serde(default)]
    pub files: bool,
    #[serde(default)]
    pub notes: bool,
    #[serde(default)]
    pub write: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct GroupAccess {
    #[serde(default)]
    pub library: bool,
    #[serde(default)]
    pub write: bool,
}

/// A read that may come back "not modified" (304).
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched<T> {
    NotModified,
    Changed { value: T, library_version: u64 },
}

/// `GET …/deleted?since=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Deleted {
    #[serde(default)]
    pub collections: Vec<String>,
    #[serde(default)]
    pub searches: Vec<String>,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub settings: Vec<String>,
}

/// A failed object in a write report.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FailedWrite {
    #[serde(default)]
    pub key: Option<String>,
    pub code: u16,
    #[serde(default)]
    pub message: String,
}

/// The server's answer to a batch write, keyed by index in the request.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct WriteReport {
    #[serde(default)]
    pub successful: BTreeMap<String, Value>,
    #[serde(default)]
    pub success: BTreeMap<String, String>,
    #[serde(default)]
    pub unchanged: BTreeMap<String, String>,
    #[serde(default)]
    pub failed: BTreeMap<String, FailedWrite>,
    /// From `Last-Modified-Version`.
    #[serde(skip)]
    pub library_version: u64,
}

/// Extensions a Shelfmark server advertises at `/shelfmark/capabilities`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Capabilities {
    #[serde(default)]
    pub extensions: Extensions,
}

/// The advertised extensions this client knows how to use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extensions {
    /// Pages larger than the Web API's 100, asked for with a header.
    #[serde(default)]
    pub large_pages: Option<LargePages>,
    /// The account's group versions on the answer to a request that asks.
    #[serde(default)]
    pub group_versions: Option<GroupVersionsExtension>,
}

/// `extensions.groupVersions`: see [`headers::GROUP_VERSIONS`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GroupVersionsExtension {}

/// `extensions.largePages`: the largest `limit` honoured on reads that
/// carry `Shelfmark-Large-Pages: 1`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LargePages {
    pub max_limit: u32,
}

/// The largest page this client asks for, whatever a server advertises.
const LARGEST_PAGE: u32 = 1000;

/// The page size every Web API server accepts.
pub const STANDARD_PAGE: u32 = 50;
/// Objects per write request, per the protocol.
pub const WRITE_BATCH: usize = 50;
const MAX_ATTEMPTS: u32 = 6;

/// A Web API client for one server and key.
#[derive(Debug)]
pub struct ApiClient {
    http: reqwest::Client,
    /// Sent with every Web API request (never to file URLs the server hands
    /// out).
    key: HeaderValue,
    base: String,
    /// A `Backoff` from the server: no new request before this instant.
    pause_until: Mutex<Option<Instant>>,
    /// Largest page the server accepts (50 unless it advertises more).
    page_size: u32,
    /// Whether reads carry the large-pages header (only when advertised).
    large_pages: bool,
    max_retry_wait: Duration,
    /// The group-versions extension: asked for until an answer carries it.
    group_versions: Mutex<GroupVersionsAnswer>,
    /// Set when a request could not connect even after its retries: the
    /// client's later requests fail at once with this error instead of
    /// waiting through the retries again (a run over several libraries
    /// ends within one round of retries when the server is down).
    unreachable: Mutex<Option<SyncError>>,
    /// For attachment files, and as it is for the upload and download URLs
    /// the server hands out (no key sent): see [`Transport::Files`].
    pub(crate) plain_http: reqwest::Client,
}

/// What the client knows of the group-versions extension in this sync.
#[derive(Debug, Default)]
struct GroupVersionsAnswer {
    asking: bool,
    seen: Option<BTreeMap<u64, u64>>,
}

/// Reads `12=5,17=3` (empty: no groups); `None` when malformed.
fn parse_group_versions(text: &str) -> Option<BTreeMap<u64, u64>> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (id, version) = pair.split_once('=')?;
            Some((id.trim().parse().ok()?, version.trim().parse().ok()?))
        })
        .collect()
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header_u64(headers, headers::RETRY_AFTER).map(Duration::from_secs)
}

/// Whether `base_url` names this machine: compressing for it costs CPU on
/// both ends and saves no time.
fn is_loopback(base_url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return false;
    };
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl ApiClient {
    /// A client for `base_url` (e.g. `https://api.zotero.org`) with `api_key`.
    pub fn new(base_url: &str, api_key: &str) -> Result<Self, SyncError> {
        let mut key = HeaderValue::from_str(api_key).map_err(|_| {
            SyncError::new(
                SyncErrorKind::Auth,
                "The API key contains characters that cannot be sent.",
            )
        })?;
        key.set_sensitive(true);
        let api = if is_loopback(base_url) {
            Transport::ApiUncompressed
        } else {
            Transport::Api
        };
        Ok(Self {
            http: api.client()?,
            key,
            base: base_url.trim_end_matches('/').to_owned(),
            pause_until: Mutex::new(None),
            page_size: STANDARD_PAGE,
            large_pages: false,
            max_retry_wait: Duration::from_secs(600),
            group_versions: Mutex::default(),
            unreachable: Mutex::default(),
            plain_http: Transport::Files.client()?,
        })
    }

    /// A Web API request carrying the key and the API version.
    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.authorized(self.http.request(method, url))
    }

    /// An attachment file request to the Web API (key and API version sent,
    /// redirects handed back, no overall timeout).
    pub(crate) fn files_request(&self, method: Method, url: &str) -> RequestBuilder {
        self.authorized(self.plain_http.request(method, url))
    }

    fn authorized(&self, request: RequestBuilder) -> RequestBuilder {
        request
            .header(headers::API_VERSION, HeaderValue::from_static("3"))
            .header(headers::API_KEY, self.key.clone())
    }

    /// Caps how long the client waits on `Retry-After`/`Backoff` before
    /// giving up with a rate-limit error (tests use short caps).
    pub fn with_max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The page size used for listings: 50, or the server's advertised
    /// large-page limit (at most 1000).
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Whether the server advertised large pages and reads ask for them.
    pub fn uses_large_pages(&self) -> bool {
        self.large_pages
    }

    /// Asks the server for Shelfmark extensions; a server without them
    /// (zotero.org) keeps the standard behaviour (`None`). An error only
    /// when the server cannot be reached: its answer is not known then.
    pub async fn discover_capabilities(&mut self) -> Result<Option<Capabilities>, SyncError> {
        let url = format!("{}/shelfmark/capabilities", self.base);
        let response = self.send(|| self.request(Method::GET, &url)).await?;
        if !response.status().is_success() {
            return Ok(None);
        }
        let Ok(caps) = response.json::<Capabilities>().await else {
            return Ok(None);
        };
        if let Some(large) = &caps.extensions.large_pages {
            self.use_large_pages(large.max_limit);
        }
        Ok(Some(caps))
    }

    /// Reads in pages of up to `max_limit` objects (at most 1000) with the
    /// large-pages header; a limit not above 50 keeps standard pages.
    pub fn use_large_pages(&mut self, max_limit: u32) {
        if max_limit > STANDARD_PAGE {
            self.page_size = max_limit.min(LARGEST_PAGE);
            self.large_pages = true;
        }
    }

    /// Asks for pages of at most `max` objects (never below the standard
    /// 50); at 50, large pages are not used at all.
    pub fn limit_page_size(&mut self, max: u32) {
        self.page_size = self.page_size.min(max.max(STANDARD_PAGE));
        if self.page_size <= STANDARD_PAGE {
            self.large_pages = false;
        }
    }

    /// A GET carrying the large-pages header when the server offers them.
    fn get(&self, url: &str) -> RequestBuilder {
        let request = self.request(Method::GET, url);
        if self.large_pages {
            request.header(headers::LARGE_PAGES, "1")
        } else {
            request
        }
    }

    fn note_backoff(&self, headers: &HeaderMap) {
        if let Some(secs) = header_u64(headers, headers::BACKOFF) {
            let until = Instant::now() + Duration::from_secs(secs);
            let mut pause = self.pause_until.lock().unwrap_or_else(|p| p.into_inner());
            if pause.is_none_or(|p| p < until) {
                *pause = Some(until);
            }
        }
    }

    /// From now on, requests ask for the account's group versions until an
    /// answer carries them (servers advertising `groupVersions`).
    pub fn ask_group_versions(&mut self) {
        self.group_versions_answer().asking = true;
    }

    /// Whether requests still ask for the account's group versions.
    pub fn asks_group_versions(&self) -> bool {
        self.group_versions_answer().asking
    }

    /// The account's groups and their versions, when an answer carried them.
    pub fn seen_group_versions(&self) -> Option<BTreeMap<u64, u64>> {
        self.group_versions_answer().seen.clone()
    }

    fn group_versions_answer(&self) -> std::sync::MutexGuard<'_, GroupVersionsAnswer> {
        self.group_versions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn note_group_versions(&self, headers: &HeaderMap) {
        let Some(value) = headers.get(headers::GROUP_VERSIONS) else {
            return;
        };
        if let Some(seen) = value.to_str().ok().and_then(parse_group_versions) {
            let mut answer = self.group_versions_answer();
            answer.asking = false;
            answer.seen = Some(seen);
        }
    }

    async fn honour_backoff(&self) {
        let until = *self.pause_until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep((until - now).min(self.max_retry_wait)).await;
            }
        }
    }

    /// Sends a request, retrying what the protocol says to retry: 429 and
    /// 503 after `Retry-After`, other 5xx and dropped connections with
    /// growing waits. Other statuses are returned to the caller.
    pub(crate) async fn send(
        &self,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, SyncError> {
        if let Some(err) = self.unreachable() {
            return Err(err);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.honour_backoff().await;
            let mut request = build();
            if self.group_versions_answer().asking {
                request = request.header(headers::GROUP_VERSIONS, "1");
            }
            let outcome = request.send().await;
            let wait = match outcome {
                Ok(response) => {
                    self.note_backoff(response.headers());
                    self.note_group_versions(response.headers());
                    let status = response.status();
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || status == StatusCode::SERVICE_UNAVAILABLE
                        || status.is_server_error();
                    if !retryable || attempt >= MAX_ATTEMPTS {
                        return Ok(response);
                    }
                    let asked = retry_after(response.headers());
                    if asked.is_some_and(|w| w > self.max_retry_wait) {
                        return Ok(response);
                    }
                    asked.unwrap_or_else(|| Duration::from_millis(250 << attempt))
                }
                Err(err) => {
                    if attempt >= MAX_ATTEMPTS
                        || !(err.is_connect()
                            || err.is_timeout()
                            || err.is_request()
                            || err.is_body())
                    {
                        let failed = SyncError::network(&err);
                        if err.is_connect() {
                            *self
                                .unreachable
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                                Some(failed.clone());
                        }
                        return Err(failed);
                    }
                    Duration::from_millis(250 << attempt)
                }
            };
            tokio::time::sleep(wait.min(self.max_retry_wait)).await;
        }
    }

    /// The connection failure that ended an earlier request, if the server
    /// could not be reached even after that request's retries.
    pub fn unreachable(&self) -> Option<SyncError> {
        self.unreachable
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Turns a non-success response into a classified error.
    pub(crate) async fn error_of(response: Response) -> SyncError {
        let status = response.status().as_u16();
        let url = response.url().path().to_owned();
        let version = header_u64(response.headers(), headers::LAST_MODIFIED_VERSION);
        let wait = retry_after(response.headers());
        let body = response.text().await.unwrap_or_default();
        let mut err = SyncError::from_status(status, &body, &url);
        err.server_version = version;
        err.retry_after = wait;
        err
    }

    /// A listing's objects (their data) and the library version it was
    /// answered at.
    async fn objects_of(response: Response) -> Result<(Vec<RemoteObject>, u64), SyncError> {
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        let version = Self::library_version(&response)?;
        let objects: Vec<ObjectData> = response.json().await.map_err(SyncError::bad_response)?;
        Ok((objects.into_iter().map(|o| o.0).collect(), version))
    }

    fn library_version(response: &Response) -> Result<u64, SyncError> {
        header_u64(response.headers(), headers::LAST_MODIFIED_VERSION)
            .ok_or_else(|| SyncError::bad_response("no Last-Modified-Version header"))
    }

    /// `GET /keys/current`.
    pub async fn key_info(&self) -> Result<KeyInfo, SyncError> {
        let url = self.url("/keys/current");
        let response = self.send(|| self.request(Method::GET, &url)).await?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        response.json().await.map_err(SyncError::bad_response)
    }

    /// `GET /users/<id>/groups?format=versions`: group id → metadata version.
    pub async fn group_versions(&self, user_id: u64) -> Result<BTreeMap<u64, u64>, SyncError> {
        let url = self.url(&format!("/users/{user_id}/groups"));
        let response = self
            .send(|| {
                self.request(Method::GET, &url)
                    .query(&[("format", "versions")])
            })
            .await?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        let map: BTreeMap<String, u64> = response.json().await.map_err(SyncError::bad_response)?;
        Ok(map
            .into_iter()
            .filter_map(|(k, v)| k.parse().ok().map(|id| (id, v)))
            .collect())
    }

    /// `GET /groups/<id>`: the group's envelope (name, members, …).
    pub async fn group(&self, group_id: u64) -> Result<Value, SyncError> {
        let url = self.url(&format!("/groups/{group_id}"));
        let response = self.send(|| self.request(Method::GET, &url)).await?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        response.json().await.map_err(SyncError::bad_response)
    }

    /// Versions of objects changed since `since`: `…/<type>?since=&format=versions`,
    /// trashed items included. `top` restricts items to top-level ones.
    pub async fn versions(
        &self,
        library: RemoteLibrary,
        object: ObjectKind,
        since: u64,
        top: bool,
    ) -> Result<Fetched<BTreeMap<String, u64>>, SyncError> {
        let suffix = if top && object == ObjectKind::Item {
            "/top"
        } else {
            ""
        };
        let url = self.url(&format!("{}/{}{suffix}", library.prefix(), object.path()));
        let since_text = since.to_string();
        let response = self
            .send(|| {
                self.request(Method::GET, &url)
                    .query(&[
                        ("since", since_text.as_str()),
                        ("format", "versions"),
                        ("includeTrashed", "1"),
                    ])
                    .header(headers::IF_MODIFIED_SINCE_VERSION, since_text.as_str())
            })
            .await?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        let library_version = Self::library_version(&response)?;
        let value = response.json().await.map_err(SyncError::bad_response)?;
        Ok(Fetched::Changed {
            value,
            library_version,
        })
    }

    /// Object `data` for up to one page of keys, and the library version.
    pub async fn fetch(
        &self,
        library: RemoteLibrary,
        object: ObjectKind,
        keys: &[String],
    ) -> Result<(Vec<RemoteObject>, u64), SyncError> {
        let url = self.url(&format!("{}/{}", library.prefix(), object.path()));
        let joined = keys.join(",");
        let limit = keys.len().max(1).to_string();
        let response = self
            .send(|| {
                self.request(Method::GET, &url).query(&[
                    (object.key_param(), joined.as_str()),
                    ("includeTrashed", "1"),
                    ("format", "json"),
                    ("limit", limit.as_str()),
                ])
            })
            .await?;
        Self::objects_of(response).await
    }

    /// One page of every object changed since `since` (trashed items
    /// included): `…/<type>?since=&start=&limit=&format=json`, items in the
    /// order they were added so that edits made meanwhile do not shift pages.
    /// Used with large pages to download many objects in few requests.
    pub async fn list_since(
        &self,
        library: RemoteLibrary,
        object: ObjectKind,
        since: u64,
        start: usize,
    ) -> Result<(Vec<RemoteObject>, u64), SyncError> {
        let url = self.url(&format!("{}/{}", library.prefix(), object.path()));
        let since_text = since.to_string();
        let start_text = start.to_string();
        let limit = self.page_size.to_string();
        let mut query = vec![
            ("since", since_text.as_str()),
            ("includeTrashed", "1"),
            ("format", "json"),
            ("start", start_text.as_str()),
            ("limit", limit.as_str()),
        ];
        if object == ObjectKind::Item {
            query.extend([("sort", "dateAdded"), ("direction", "asc")]);
        }
        let response = self.send(|| self.get(&url).query(&query)).await?;
        Self::objects_of(response).await
    }

    /// `GET …/deleted?since=`.
    pub async fn deleted(
        &self,
        library: RemoteLibrary,
        since: u64,
    ) -> Result<(Deleted, u64), SyncError> {
        let url = self.url(&format!("{}/deleted", library.prefix()));
        let since_text = since.to_string();
        let response = self
            .send(|| {
                self.request(Method::GET, &url)
                    .query(&[("since", since_text.as_str())])
            })
            .await?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        let version = Self::library_version(&response)?;
        Ok((
            response.json().await.map_err(SyncError::bad_response)?,
            version,
        ))
    }

    /// Uploads up to 50 objects with `If-Unmodified-Since-Version`. A 412
    /// comes back as a [`SyncErrorKind::Conflict`] error carrying the
    /// server's library version.
    pub async fn upload(
        &self,
        library: RemoteLibrary,
        object: ObjectKind,
        objects: &[Value],
        library_version: u64,
    ) -> Result<WriteReport, SyncError> {
        if objects.len() > WRITE_BATCH {
            return Err(SyncError::new(
                SyncErrorKind::InvalidData,
                "at most 50 objects per upload",
            ));
        }
        let url = self.url(&format!("{}/{}", library.prefix(), object.path()));
        let version = library_version.to_string();
        let response = self
            .send(|| {
                self.request(Method::POST, &url)
                    .header(headers::IF_UNMODIFIED_SINCE_VERSION, version.as_str())
                    .json(objects)
            })
            .await?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        let library_version = Self::library_version(&response)?;
        let mut report: WriteReport = response.json().await.map_err(SyncError::bad_response)?;
        report.library_version = library_version;
        Ok(report)
    }

    /// Deletes up to 50 objects by key; returns the new library version.
    pub async fn delete(
        &self,
        library: RemoteLibrary,
        object: ObjectKind,
        keys: &[String],
        library_version: u64,
    ) -> Result<u64, SyncError> {
        let url = self.url(&format!("{}/{}", library.prefix(), object.path()));
        let joined = keys.join(",");
        let version = library_version.to_string();
        let response = self
            .send(|| {
                self.request(Method::DELETE, &url)
                    .query(&[(object.key_param(), joined.as_str())])
                    .header(headers::IF_UNMODIFIED_SINCE_VERSION, version.as_str())
            })
            .await?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        Self::library_version(&response)
    }
}

/// An object's `data` as the server sent it: checked to be JSON, kept as
/// text, and read into a value or an item by whoever needs it (off the
/// thread that receives the pages).
#[derive(Debug)]
pub struct RemoteObject(Box<RawValue>);

impl RemoteObject {
    /// The object's JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The object's JSON value.
    pub fn to_value(&self) -> Result<Value, SyncError> {
        serde_json::from_str(self.0.get()).map_err(SyncError::bad_response)
    }
}

/// An object's `data`, read out of its envelope. The envelope's `library`,
/// `links` and `meta` are skipped unbuilt: they are most of a listing's
/// small values, and a sync needs none of them. An object without a
/// `data` member is its own data.
struct ObjectData(RemoteObject);

impl<'de> Deserialize<'de> for ObjectData {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectDataVisitor)
    }
}

struct ObjectDataVisitor;

impl<'de> serde::de::Visitor<'de> for ObjectDataVisitor {
    type Value = ObjectData;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object or its envelope")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<ObjectData, M::Error> {
        let mut members = serde_json::Map::new();
        let mut data = None;
        while let Some(name) = map.next_key::<String>()? {
            match name.as_str() {
                "data" => data = Some(map.next_value::<Box<RawValue>>()?),
                "library" | "links" | "meta" => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                _ => {
                    members.insert(name, map.next_value()?);
                }
            }
        }
        let data = match data {
            Some(data) => data,
            None => serde_json::value::to_raw_value(&members).map_err(serde::de::Error::custom)?,
        };
        Ok(ObjectData(RemoteObject(data)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_servers_on_this_machine_are_read_uncompressed() {
        for here in [
            "http://127.0.0.1:8080",
            "http://127.5.5.5/",
            "http://localhost:3000/api",
            "http://LOCALHOST",
            "http://[::1]:9000",
        ] {
            assert!(is_loopback(here), "{here}");
        }
        for away in [
            "https://api.zotero.org",
            "http://10.0.0.2:8080",
            "http://192.168.1.20",
            "https://localhost.example.org",
            "http://[2001:db8::1]",
            "not a url",
        ] {
            assert!(!is_loopback(away), "{away}");
        }
    }

    #[test]
    fn objects_are_read_out_of_their_envelopes() {
        let page: Vec<ObjectData> = serde_json::from_str(
            r#"[
                {"key": "AAAA2222", "version": 3, "library": {"type": "user", "id": 1},
                 "links": {"self": {"href": "x"}}, "meta": {"numChildren": 2},
                 "data": {"key": "AAAA2222", "version": 3, "itemType": "book"}},
                {"key": "BBBB2222", "version": 4, "itemType": "note"}
            ]"#,
        )
        .expect("page");
        let objects: Vec<Value> = page
            .into_iter()
            .map(|o| o.0.to_value().expect("JSON"))
            .collect();
        assert_eq!(
            objects,
            [
                serde_json::json!({"key": "AAAA2222", "version": 3, "itemType": "book"}),
                serde_json::json!({"key": "BBBB2222", "version": 4, "itemType": "note"}),
            ]
        );
        assert!(serde_json::from_str::<Vec<ObjectData>>("[1]").is_err());
    }

    #[test]
    fn group_versions_are_read_from_the_header() {
        assert_eq!(
            parse_group_versions("12=5, 17=3"),
            Some(BTreeMap::from([(12, 5), (17, 3)]))
        );
        assert_eq!(parse_group_versions(""), Some(BTreeMap::new()));
        assert_eq!(parse_group_versions("12"), None);
        assert_eq!(parse_group_versions("12=x"), None);

        let mut client = ApiClient::new("http://127.0.0.1:1", "key").expect("client");
        assert!(!client.asks_group_versions());
        client.ask_group_versions();
        assert!(client.asks_group_versions());
        let mut headers = HeaderMap::new();
        headers.insert(headers::GROUP_VERSIONS, HeaderValue::from_static("bad"));
        client.note_group_versions(&headers);
        assert!(
            client.asks_group_versions(),
            "a malformed answer is ignored"
        );
        assert_eq!(client.seen_group_versions(), None);
        headers.insert(headers::GROUP_VERSIONS, HeaderValue::from_static("7=2"));
        client.note_group_versions(&headers);
        assert!(!client.asks_group_versions(), "asked once per sync");
        assert_eq!(client.seen_group_versions(), Some(BTreeMap::from([(7, 2)])));
    }

    #[test]
    fn large_pages_are_used_only_when_advertised() {
        let advertised: Capabilities = serde_json::from_value(serde_json::json!({
            "server": "shelfmark-server",
            "extensions": {"largePages": {"header": "Shelfmark-Large-Pages: 1", "defaultMaxLimit": 100, "maxLimit": 1000}}
        }))
        .expect("capabilities");
        let mut client = ApiClient::new("http://127.0.0.1:1", "key").expect("client");
        assert_eq!(client.page_size(), STANDARD_PAGE);
        assert!(!client.uses_large_pages());
        let limit = advertised
            .extensions
            .large_pages
            .expect("large pages")
            .max_limit;
        client.use_large_pages(limit);
        assert_eq!(client.page_size(), 1000);
        assert!(client.uses_large_pages());
        client.limit_page_size(200);
        assert_eq!(client.page_size(), 200);
        client.limit_page_size(10);
        assert_eq!(client.page_size(), STANDARD_PAGE);
        assert!(!client.uses_large_pages());

        // A server without the extension (or with a small limit) keeps 50.
        let plain: Capabilities =
            serde_json::from_value(serde_json::json!({"server": "other"})).expect("parses");
        assert!(plain.extensions.large_pages.is_none());
        let mut client = ApiClient::new("http://127.0.0.1:1", "key").expect("client");
        client.use_large_pages(40);
        assert_eq!(client.page_size(), STANDARD_PAGE);
        assert!(!client.uses_large_pages());
        client.use_large_pages(5000);
        assert_eq!(client.page_size(), 1000, "capped");
    }
}
