//! HTTP header names of the Web API and of Shelfmark's extensions, shared by
//! the sync client and the service so both spell them alike. Written in
//! lowercase, the form HTTP/2 sends (names are case-insensitive).

/// The caller's API key (or `Authorization: Bearer`).
pub const API_KEY: &str = "zotero-api-key";
/// The Web API version the request is written for (`3`).
pub const API_VERSION: &str = "zotero-api-version";
/// The item schema version an answer was written with.
pub const SCHEMA_VERSION: &str = "zotero-schema-version";
/// The library version an answer reflects.
pub const LAST_MODIFIED_VERSION: &str = "last-modified-version";
/// Answer 304 when the library has not changed since this version.
pub const IF_MODIFIED_SINCE_VERSION: &str = "if-modified-since-version";
/// Refuse the write (412) when the library or object has changed since.
pub const IF_UNMODIFIED_SINCE_VERSION: &str = "if-unmodified-since-version";
/// The number of results a listing has in all its pages.
pub const TOTAL_RESULTS: &str = "total-results";
/// A one-time token that makes a retried write harmless.
pub const WRITE_TOKEN: &str = "zotero-write-token";
/// Seconds the client should wait before its next request.
pub const BACKOFF: &str = "backoff";
/// Seconds to wait before retrying a refused request.
pub const RETRY_AFTER: &str = "retry-after";
/// Shelfmark extension: `1` unlocks page sizes above the Web API's 100.
pub const LARGE_PAGES: &str = "shelfmark-large-pages";
/// Shelfmark extension: `1` on a request to one's own library asks for the
/// account's groups and their metadata versions (`12=5,17=3`) in the answer.
pub const GROUP_VERSIONS: &str = "shelfmark-group-versions";
