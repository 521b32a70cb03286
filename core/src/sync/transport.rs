//! The process's HTTP clients, built once and shared by every sync and file
//! transfer. Building one loads the system's trusted certificates (several
//! milliseconds, more than a sync with nothing to do takes), and a shared
//! client keeps its connections open from one sync to the next, so a
//! periodic sync skips the TCP and TLS handshakes too.
//!
//! The clients carry no API key: each request adds its own, so that one
//! client serves every account and server.

use std::sync::Mutex;
use std::time::Duration;

use super::error::{SyncError, SyncErrorKind};

const USER_AGENT: &str = concat!("Shelfmark/", env!("CARGO_PKG_VERSION"));

/// Which client a request goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// Web API requests, compressed.
    Api,
    /// Web API requests to this machine: compressing costs CPU on both ends
    /// and saves no time.
    ApiUncompressed,
    /// Attachment files: no overall timeout (a large file takes as long as
    /// it takes, while a stalled read still times out), and redirects are
    /// handed back to the caller (downloads resume at the redirect target).
    Files,
}

static API: Mutex<Option<reqwest::Client>> = Mutex::new(None);
static API_UNCOMPRESSED: Mutex<Option<reqwest::Client>> = Mutex::new(None);
static FILES: Mutex<Option<reqwest::Client>> = Mutex::new(None);

impl Transport {
    /// The shared client, built on first use (a failed build is not kept,
    /// so the next sync tries again).
    pub(crate) fn client(self) -> Result<reqwest::Client, SyncError> {
        let slot = match self {
            Self::Api => &API,
            Self::ApiUncompressed => &API_UNCOMPRESSED,
            Self::Files => &FILES,
        };
        // A panic while building leaves nothing half-made in the slot.
        let mut slot = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = slot.as_ref() {
            return Ok(client.clone());
        }
        let client = self.build().map_err(|e| {
            SyncError::new(SyncErrorKind::Network, format!("cannot set up HTTP: {e}"))
        })?;
        *slot = Some(client.clone());
        Ok(client)
    }

    fn build(self) -> reqwest::Result<reqwest::Client> {
        let builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(15));
        match self {
            Self::Api | Self::ApiUncompressed => builder
                .timeout(Duration::from_secs(120))
                .pool_max_idle_per_host(8)
                .gzip(self == Self::Api),
            Self::Files => builder
                .read_timeout(Duration::from_secs(60))
                .redirect(reqwest::redirect::Policy::none()),
        }
        .build()
    }
}
