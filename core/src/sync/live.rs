//! Live updates: automatic sync follows the server's stream of library
//! changes (the Zotero streaming API over WebSocket) so that an edit made
//! elsewhere arrives within a second instead of at the next interval.
//!
//! The stream only says *that* a library changed and its new version; the
//! ordinary sync fetches the changes. Subscribing is followed by one sync
//! (whatever changed while not connected), each `topicUpdated` by a sync of
//! that library unless this file already holds that version (its own
//! uploads), and `topicAdded`/`topicRemoved` by a full sync that finds the
//! groups gained or lost.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{Connector, connect_async_tls_with_config};

use super::session_store::SessionStore;
use super::state;
use super::transport::Transport;
use super::types::SyncOptions;
use crate::error::{Error, Result};
use crate::library::{Library, LibraryId};

/// The streaming server of zotero.org, for accounts there.
const ZOTERO_STREAM: &str = "wss://stream.zotero.org";
/// Waited before reconnecting when the server has not said (milliseconds).
const DEFAULT_RETRY_MS: u64 = 10_000;
/// The longest wait between reconnection attempts.
const MAX_RECONNECT_WAIT: Duration = Duration::from_secs(10 * 60);
/// The server pings every 25 s: this long without a word means the
/// connection is gone even if no error said so.
const SILENCE_LIMIT: Duration = Duration::from_secs(75);
/// Time allowed to open the connection and subscribe.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Where the state is kept in the library file, for `sync status`.
const STATE_KEY: &str = "live_updates";
/// The close code a Shelfmark server uses when the key was revoked.
const CLOSE_KEY_REVOKED: u16 = 4403;

/// What the live-update connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LiveUpdates {
    /// Not following a stream (the app is in the background, automatic
    /// sync is not running, or it has not started yet).
    #[default]
    Off,
    /// The server offers no stream: automatic sync runs on its interval.
    Unavailable,
    /// Opening the connection and subscribing.
    Connecting,
    /// Subscribed: changes made elsewhere arrive as they happen.
    Connected,
    /// The connection dropped; trying again shortly.
    Reconnecting,
    /// The server refused the key: automatic sync runs on its interval
    /// (where the error is reported).
    Refused,
}

impl LiveUpdates {
    /// A short name (`connected`, `reconnecting`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Unavailable => "unavailable",
            Self::Connecting => "connecting",
            Self::Connected => "connected",
            Self::Reconnecting => "reconnecting",
            Self::Refused => "refused",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "unavailable" => Self::Unavailable,
            "connecting" => Self::Connecting,
            "connected" => Self::Connected,
            "reconnecting" => Self::Reconnecting,
            "refused" => Self::Refused,
            _ => Self::Off,
        }
    }
}

/// The live-update state recorded in a library file by the automatic sync
/// that uses it (another process may be asking).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveUpdatesRecord {
    pub state: LiveUpdates,
    /// The stream's URL, when there is one.
    pub url: Option<String>,
    /// When the state was entered (RFC 3339).
    pub since: String,
}

impl Library {
    /// What the automatic sync using this file last recorded about live
    /// updates; `None` when none ever ran.
    pub fn live_updates(&self) -> Result<Option<LiveUpdatesRecord>> {
        let text = self.db.read(|c| state::meta_value(c, STATE_KEY))?;
        Ok(text
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .map(|v| LiveUpdatesRecord {
                state: LiveUpdates::parse(v["state"].as_str().unwrap_or_default()),
                url: v["url"].as_str().map(str::to_owned),
                since: v["since"].as_str().unwrap_or_default().to_owned(),
            }))
    }

    pub(crate) fn record_live_updates(&self, live: LiveUpdates, url: Option<&str>) -> Result<()> {
        let text = json!({
            "state": live.as_str(),
            "url": url,
            "since": crate::time::now_timestamp(),
        })
        .to_string();
        self.db
            .write(|tx| state::set_meta_value(tx, STATE_KEY, &text))
    }
}

/// What the stream tells the automatic sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LiveEvent {
    /// The state changed (for status displays).
    State(LiveUpdates),
    /// Subscribed: anything may have changed while not connected.
    Subscribed,
    /// A library changed online and is now at `version`.
    Updated { topic: String, version: u64 },
    /// The key gained or lost a library.
    LibrariesChanged,
}

/// Where to follow changes, and with which key.
#[derive(Clone)]
pub(crate) struct StreamTarget {
    pub url: String,
    pub api_key: String,
}

impl std::fmt::Debug for StreamTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is never printed.
        f.debug_struct("StreamTarget")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A library the stream named, as this file knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Named {
    /// A library of this file, at `version` here.
    Held { library: LibraryId, version: u64 },
    /// Not in this file (yet): a full sync finds it.
    Unknown,
}

impl Library {
    /// The library `topic` names and the version this file holds of it.
    pub(crate) fn named_by_topic(&self, topic: &str) -> Result<Named> {
        self.db.read(|c| {
            let Some(binding) = state::binding(c, LibraryId::PERSONAL)? else {
                return Ok(Named::Unknown);
            };
            let library = match parse_topic(topic) {
                Some(Topic::User(id)) if id == binding.user_id => Some(LibraryId::PERSONAL),
                Some(Topic::Group(id)) => {
                    state::group_library(c, &binding.server_url, binding.user_id, id)?
                        .map(|(library, _)| library)
                }
                _ => None,
            };
            Ok(match library {
                Some(library) => Named::Held {
                    library,
                    version: state::library_version(c, library)?,
                },
                None => Named::Unknown,
            })
        })
    }

    /// The stream to follow for this file's account, if its server offers
    /// one: Shelfmark servers say so in their capabilities; zotero.org
    /// accounts use zotero.org's streaming server.
    pub(crate) async fn stream_target(
        &self,
        options: &SyncOptions,
    ) -> Result<Option<StreamTarget>> {
        let store = SessionStore::new(self);
        let Some(binding) = store.binding().await? else {
            return Ok(None);
        };
        let api_key = match options.api_key.clone().filter(|k| !k.trim().is_empty()) {
            Some(key) => key.trim().to_owned(),
            None => match store.kept_key(&options.credentials, &binding).await? {
                Some(key) => key,
                None => return Ok(None),
            },
        };
        let Some(url) = stream_url(&binding.server_url).await else {
            return Ok(None);
        };
        Ok(Some(StreamTarget { url, api_key }))
    }
}

/// The stream URL for an API at `server_url`, if there is one.
async fn stream_url(server_url: &str) -> Option<String> {
    let base = server_url.trim_end_matches('/');
    if base == "https://api.zotero.org" {
        return Some(ZOTERO_STREAM.to_owned());
    }
    #[derive(Deserialize)]
    struct Streaming {
        url: String,
    }
    let caps: Value = Transport::Api
        .client()
        .ok()?
        .get(format!("{base}/shelfmark/capabilities"))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .ok()?
        .error_for_status()
        .ok()?
        .json()
        .await
        .ok()?;
    let streaming: Streaming =
        serde_json::from_value(caps.pointer("/extensions/streaming")?.clone()).ok()?;
    let url = streaming.url;
    (url.starts_with("ws://") || url.starts_with("wss://")).then_some(url)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Topic {
    User(u64),
    Group(u64),
}

fn parse_topic(topic: &str) -> Option<Topic> {
    let (kind, id) = topic.strip_prefix('/')?.split_once('/')?;
    let id = id.parse().ok()?;
    match kind {
        "users" => Some(Topic::User(id)),
        "groups" => Some(Topic::Group(id)),
        _ => None,
    }
}

/// How one connection ended.
enum Ended {
    /// Dropped after subscribing: reconnect after the server's `retry`.
    Dropped,
    /// The key was refused: stop following.
    Refused,
}

/// Told of each state change as it happens (from the stream's task, even
/// while a sync keeps the automatic sync busy).
pub(crate) type StateCallback = Arc<dyn Fn(LiveUpdates) + Send + Sync>;

/// Follows the stream until `events` is dropped or the key is refused,
/// reconnecting after drops: the server's `retry`, doubled after each
/// failed attempt (up to ten minutes), with jitter so that the clients of
/// a restarted server do not all return at once.
pub(crate) async fn follow(
    target: StreamTarget,
    events: mpsc::UnboundedSender<LiveEvent>,
    on_state: StateCallback,
) {
    let state = |live: LiveUpdates| {
        on_state(live);
        events.send(LiveEvent::State(live)).is_ok()
    };
    let mut retry = Duration::from_millis(DEFAULT_RETRY_MS);
    let mut failures: u32 = 0;
    loop {
        if !state(LiveUpdates::Connecting) {
            return;
        }
        match connection(&target, &events, &state, &mut retry).await {
            Ok(Ended::Refused) => {
                state(LiveUpdates::Refused);
                return;
            }
            Ok(Ended::Dropped) => failures = 0,
            Err(e) => {
                log::info!("live updates: {e}");
                failures = failures.saturating_add(1);
            }
        }
        if !state(LiveUpdates::Reconnecting) {
            return;
        }
        tokio::time::sleep(reconnect_wait(retry, failures)).await;
    }
}

fn reconnect_wait(retry: Duration, failures: u32) -> Duration {
    let base = retry
        .saturating_mul(1u32 << failures.min(10))
        .min(MAX_RECONNECT_WAIT);
    // Between half and all of it.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let fraction = 0.5 + f64::from(nanos % 1000) / 2000.0;
    base.mul_f64(fraction)
}

/// The TLS set-up: the platform's certificate verifier, as for the API.
fn tls_connector(url: &str) -> Result<Option<Connector>> {
    if !url.starts_with("wss://") {
        return Ok(Some(Connector::Plain));
    }
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map_err(|e| Error::internal(format!("TLS set-up for live updates: {e}")))?
        .with_no_client_auth();
    Ok(Some(Connector::Rustls(Arc::new(config))))
}

#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
enum ServerEvent {
    Connected {
        #[serde(default)]
        retry: Option<u64>,
    },
    SubscriptionsCreated {
        #[serde(default)]
        subscriptions: Vec<Value>,
        #[serde(default)]
        errors: Vec<Value>,
    },
    TopicUpdated {
        topic: String,
        version: u64,
    },
    TopicAdded {},
    TopicRemoved {},
    #[serde(other)]
    Other,
}

/// One connection: connect, subscribe, pass events on until it ends.
async fn connection(
    target: &StreamTarget,
    events: &mpsc::UnboundedSender<LiveEvent>,
    state: &impl Fn(LiveUpdates) -> bool,
    retry: &mut Duration,
) -> Result<Ended> {
    let connect =
        connect_async_tls_with_config(target.url.as_str(), None, true, tls_connector(&target.url)?);
    let (mut socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| Error::internal("connecting to the stream timed out"))?
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(response)
                if response.status().as_u16() == 403 =>
            {
                Error::internal("the stream refused the key")
            }
            other => Error::internal(format!("cannot connect to {}: {other}", target.url)),
        })?;
    let mut subscribed = false;
    loop {
        let limit = if subscribed {
            SILENCE_LIMIT
        } else {
            CONNECT_TIMEOUT
        };
        let message = match tokio::time::timeout(limit, socket.next()).await {
            Err(_) => return Err(Error::internal("the stream went silent")),
            Ok(None) => return dropped(subscribed),
            Ok(Some(Err(e))) => {
                log::info!("live updates: the stream dropped: {e}");
                return dropped(subscribed);
            }
            Ok(Some(Ok(message))) => message,
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Close(frame) => {
                if frame.is_some_and(|f| f.code == CloseCode::from(CLOSE_KEY_REVOKED)) {
                    return Ok(Ended::Refused);
                }
                return dropped(subscribed);
            }
            _ => continue,
        };
        let Ok(event) = serde_json::from_str::<ServerEvent>(text.as_str()) else {
            log::debug!("live updates: ignoring {text}");
            continue;
        };
        match event {
            ServerEvent::Connected {
                retry: server_retry,
            } => {
                if let Some(ms) = server_retry.filter(|ms| *ms > 0) {
                    *retry = Duration::from_millis(ms);
                }
                let request = json!({
                    "action": "createSubscriptions",
                    "subscriptions": [{"apiKey": target.api_key}],
                });
                socket
                    .send(Message::Text(request.to_string().into()))
                    .await
                    .map_err(|e| Error::internal(format!("subscribing: {e}")))?;
            }
            ServerEvent::SubscriptionsCreated {
                subscriptions,
                errors,
            } => {
                if subscriptions.is_empty() && !errors.is_empty() {
                    return Ok(Ended::Refused);
                }
                subscribed = true;
                state(LiveUpdates::Connected);
                if events.send(LiveEvent::Subscribed).is_err() {
                    return Ok(Ended::Dropped);
                }
            }
            ServerEvent::TopicUpdated { topic, version } => {
                if events.send(LiveEvent::Updated { topic, version }).is_err() {
                    return Ok(Ended::Dropped);
                }
            }
            ServerEvent::TopicAdded {} | ServerEvent::TopicRemoved {} => {
                if events.send(LiveEvent::LibrariesChanged).is_err() {
                    return Ok(Ended::Dropped);
                }
            }
            ServerEvent::Other => {}
        }
    }
}

fn dropped(subscribed: bool) -> Result<Ended> {
    if subscribed {
        Ok(Ended::Dropped)
    } else {
        Err(Error::internal("the stream closed before subscribing"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_name_users_and_groups_only() {
        assert_eq!(parse_topic("/users/12"), Some(Topic::User(12)));
        assert_eq!(parse_topic("/groups/7"), Some(Topic::Group(7)));
        assert_eq!(parse_topic("/groups/x"), None);
        assert_eq!(parse_topic("/publications/1"), None);
    }

    #[test]
    fn reconnecting_backs_off_with_jitter_and_a_ceiling() {
        let retry = Duration::from_secs(10);
        let first = reconnect_wait(retry, 0);
        assert!(
            first >= Duration::from_secs(5) && first <= retry,
            "{first:?}"
        );
        let third = reconnect_wait(retry, 2);
        assert!(third >= Duration::from_secs(20) && third <= Duration::from_secs(40));
        assert!(reconnect_wait(retry, 30) <= MAX_RECONNECT_WAIT);
    }

    #[test]
    fn server_events_are_read_as_documented() {
        let event: ServerEvent =
            serde_json::from_str(r#"{"event":"topicUpdated","topic":"/users/1","version":9}"#)
                .expect("parses");
        assert!(matches!(
            event,
            ServerEvent::TopicUpdated { version: 9, .. }
        ));
        let event: ServerEvent =
            serde_json::from_str(r#"{"event":"topicAdded","apiKey":"k","topic":"/groups/2"}"#)
                .expect("parses");
        assert!(matches!(event, ServerEvent::TopicAdded {}));
        let event: ServerEvent =
            serde_json::from_str(r#"{"event":"somethingNew"}"#).expect("parses");
        assert!(matches!(event, ServerEvent::Other));
    }
}
