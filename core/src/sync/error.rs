//! Sync errors, classified the way a researcher needs to hear about them.

use std::time::Duration;

/// What kind of trouble a sync met. Shown in the sync log and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncErrorKind {
    /// The API key is wrong, revoked, or lacks access.
    Auth,
    /// The server could not be reached or the connection broke.
    Network,
    /// The account's file storage is full.
    StorageQuota,
    /// The server asked us to slow down and kept asking.
    RateLimited,
    /// The server failed (5xx) or answered something unexpected.
    Server,
    /// The server refused data as invalid, or sent data we cannot read.
    InvalidData,
    /// The library on the server changed during the operation; the engine
    /// pulls and retries (callers rarely see this).
    Conflict,
    /// The library is bound to another account or server.
    Binding,
    /// The sync was stopped on request; it resumes on the next sync.
    Cancelled,
}

impl SyncErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Network => "network",
            Self::StorageQuota => "storage quota",
            Self::RateLimited => "rate limited",
            Self::Server => "server",
            Self::InvalidData => "invalid data",
            Self::Conflict => "conflict",
            Self::Binding => "binding",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A sync error with a message a researcher understands and, for the log,
/// what the server said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyncError {
    pub kind: SyncErrorKind,
    pub message: String,
    /// HTTP status, when the server answered.
    pub status: Option<u16>,
    /// For 412: the library version the server reported.
    pub server_version: Option<u64>,
    /// For rate limits: how long the server asked us to wait.
    pub retry_after: Option<Duration>,
}

impl SyncError {
    pub(crate) fn new(kind: SyncErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
            server_version: None,
            retry_after: None,
        }
    }

    /// From an HTTP status and the server's plain-text body.
    pub(crate) fn from_status(status: u16, body: &str, url: &str) -> Self {
        let detail = body.trim().chars().take(300).collect::<String>();
        let (kind, message) = match status {
            401 | 403 => (
                SyncErrorKind::Auth,
                format!(
                    "The server refused the API key ({detail}). Check the key, or create a new one."
                ),
            ),
            404 => (
                SyncErrorKind::Auth,
                format!(
                    "The library was not found on the server, or this key cannot see it ({url})."
                ),
            ),
            413 => (
                SyncErrorKind::StorageQuota,
                format!("The server refused the upload as too large or over quota: {detail}"),
            ),
            412 => (
                SyncErrorKind::Conflict,
                "The online library changed while syncing.".to_owned(),
            ),
            429 => (
                SyncErrorKind::RateLimited,
                "The server is busy and asked us to slow down; sync will try again later."
                    .to_owned(),
            ),
            400 | 409 | 428 => (
                SyncErrorKind::InvalidData,
                format!("The server refused the data: {detail}"),
            ),
            _ => (
                SyncErrorKind::Server,
                format!("The server had a problem (HTTP {status}): {detail}"),
            ),
        };
        Self {
            status: Some(status),
            ..Self::new(kind, message)
        }
    }

    pub(crate) fn network(err: &reqwest::Error) -> Self {
        let what = if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "could not connect"
        } else {
            "the connection failed"
        };
        // reqwest errors carry the URL but never the key (it is a header).
        Self::new(
            SyncErrorKind::Network,
            format!("The server could not be reached ({what}); sync will try again when online."),
        )
    }

    pub(crate) fn bad_response(what: impl std::fmt::Display) -> Self {
        Self::new(
            SyncErrorKind::Server,
            format!("The server sent a response Shelfmark cannot read: {what}"),
        )
    }
}
