//! Live updates: the Zotero streaming API over WebSocket. Clients subscribe
//! to libraries (`/users/<id>`, `/groups/<id>`) with their API keys and are
//! told each library's new version after every committed write, and when a
//! key gains or loses a library; they then run their ordinary sync.
//!
//! - [`messages`]: the JSON messages.
//! - [`hub`]: who follows what, with a bounded mailbox per connection.
//! - [`connection`]: one client's protocol, pings and access checks.
//! - [`notifier`]: committed writes into the hub (through PostgreSQL's
//!   `NOTIFY` when several processes share the database).

pub mod connection;
pub mod hub;
pub mod messages;
pub mod notifier;

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::app::AppState;
use crate::auth::{ClientIp, presented_key, wrong_key};
use crate::config::{Config, DatabaseConfig};
use crate::error::ApiError;
use crate::store::Store;
use hub::Hub;

/// The path the stream is served at.
pub const PATH: &str = "/stream";
/// Each connection's read buffer; longer messages still arrive whole.
const READ_BUFFER: usize = 4 * 1024;

/// The live-update service of one process.
#[derive(Debug)]
pub struct Streams {
    pub hub: Arc<Hub>,
    stopping: watch::Sender<bool>,
}

impl Streams {
    /// Starts following the store's committed changes (across processes
    /// when the database is PostgreSQL). Needs a Tokio runtime.
    pub fn start(config: &Config, store: &dyn Store) -> Self {
        let hub = Arc::new(Hub::default());
        hub.start_fanout();
        let listener: Arc<dyn crate::store::ChangeListener> = match &config.database {
            DatabaseConfig::Sqlite(_) => Arc::new(notifier::InProcess(Arc::clone(&hub))),
            DatabaseConfig::Postgres(url) => {
                match notifier::Postgres::start(url, Arc::clone(&hub)) {
                    Ok(postgres) => Arc::new(postgres),
                    Err(e) => {
                        tracing::warn!(error = %e, "live updates reach this process's subscribers only");
                        Arc::new(notifier::InProcess(Arc::clone(&hub)))
                    }
                }
            }
        };
        if !store.change_feed().listen(listener) {
            tracing::warn!("the store's changes were already followed");
        }
        let (stopping, _) = watch::channel(false);
        Self { hub, stopping }
    }

    /// Closes every connection (the service is stopping; clients reconnect).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }
}

/// The stream's public URL: `--stream-url`, else `/stream` on the public URL.
pub fn stream_url(config: &Config) -> String {
    if let Some(url) = &config.stream_url {
        return url.clone();
    }
    let base = &config.public_url;
    let ws = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.clone()
    };
    format!("{}{PATH}", ws.trim_end_matches('/'))
}

/// `GET /stream`: upgrades to a WebSocket. A key given with the request
/// (`Zotero-API-Key`, `Authorization: Bearer`, or `?key=`, read as every
/// other endpoint reads it) opens a single-key stream that follows
/// everything the key may read.
pub async fn upgrade(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    uri: Uri,
    upgrade: WebSocketUpgrade,
) -> Response {
    let key = match presented_key(&headers, uri.query()) {
        Ok(key) => key,
        Err(e) => return e.into_response(),
    };
    let single_key = match key {
        None => None,
        Some(key) => match state.lookup_key(&key).await {
            Ok(Some(caller)) => Some((key, caller)),
            Ok(None) => {
                let refused = ApiError::new(StatusCode::FORBIDDEN, "Invalid key");
                return wrong_key(&state, ip, refused).await.into_response();
            }
            Err(e) => return e.into_response(),
        },
    };
    let stopping = state.streams.stopping();
    upgrade
        // Clients send a few short messages; the defaults (128 KiB each
        // way) would cost that much memory per idle subscriber.
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .on_upgrade(move |socket| connection::run(socket, state, single_key, stopping))
        .into_response()
}
