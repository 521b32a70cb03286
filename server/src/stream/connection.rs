//! One client's stream: its subscriptions, what it is told, and keeping the
//! connection alive.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::hub::{ConnectionId, Hub, Interest, Mailbox};
use super::messages::{
    ClientMessage, CreatedSubscription, DeletionRequest, ServerMessage, SubscriptionError,
    SubscriptionRequest, parse_topic, topic_of,
};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::access::library_access;
use crate::auth::secrets::hash_api_key;
use crate::error::ApiError;
use crate::store::{LibraryId, LibraryOwner};

/// How long a client waits before reconnecting after the stream drops
/// (sent in `connected`, milliseconds).
pub const RETRY_MS: u64 = 10_000;
/// Pings keep idle connections open through proxies and find dead peers.
const PING_EVERY: Duration = Duration::from_secs(25);
/// A peer silent for this long (no pong, no message) is gone.
const SILENT_LIMIT: Duration = Duration::from_secs(60);
/// Keys are checked again this often, so a revocation made where no
/// notification reaches (another machine's administration command) still
/// ends its subscriptions.
const RECHECK_EVERY: Duration = Duration::from_secs(60);
/// Close codes: the key was revoked; the service is restarting.
const CLOSE_KEY_REVOKED: u16 = 4403;
const CLOSE_RESTARTING: u16 = 1012;

const NOT_VALID_FOR_KEY: &str = "Topic is not valid for provided API key";
const NOT_ACCESSIBLE_WITHOUT_KEY: &str = "Topic is not accessible without an API key";
const INVALID_KEY: &str = "Invalid API key";

/// One key's subscriptions.
#[derive(Debug)]
struct KeySubscription {
    caller: Caller,
    /// Follows every library the key may read, now and later.
    follows_all: bool,
    topics: BTreeMap<String, LibraryId>,
}

/// A connection's state.
struct Session {
    state: AppState,
    hub: Arc<Hub>,
    id: ConnectionId,
    /// Opened with a key: events leave out `apiKey`, subscriptions are fixed.
    single_key: bool,
    keys: BTreeMap<String, KeySubscription>,
}

/// What to do after handling something.
enum Next {
    Continue,
    Close(u16, &'static str),
}

/// Serves one client until it leaves, the key it came with is revoked, or
/// the service stops.
pub async fn run(
    mut socket: WebSocket,
    state: AppState,
    single_key: Option<(String, Caller)>,
    mut stopping: watch::Receiver<bool>,
) {
    let hub = Arc::clone(&state.streams.hub);
    let (id, mailbox) = hub.join();
    let mut session = Session {
        state,
        hub: Arc::clone(&hub),
        id,
        single_key: single_key.is_some(),
        keys: BTreeMap::new(),
    };
    let outcome = session
        .serve(&mut socket, &mailbox, single_key, &mut stopping)
        .await;
    hub.leave(id);
    if let Ok(Next::Close(code, reason)) = outcome {
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    }
}

impl Session {
    async fn serve(
        &mut self,
        socket: &mut WebSocket,
        mailbox: &Mailbox,
        single_key: Option<(String, Caller)>,
        stopping: &mut watch::Receiver<bool>,
    ) -> Result<Next, axum::Error> {
        let mut topics = None;
        if let Some((key, caller)) = single_key {
            match self.subscribe_all(key.clone(), caller).await {
                Ok(()) => {
                    topics = Some(
                        self.keys
                            .get(&key)
                            .map_or_else(Vec::new, |s| s.topics.keys().cloned().collect()),
                    );
                }
                Err(_) => return Ok(Next::Close(1011, "Internal error")),
            }
        }
        send(
            socket,
            ServerMessage::Connected {
                retry: RETRY_MS,
                topics,
            },
        )
        .await?;
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut recheck = tokio::time::interval_at(Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
        recheck.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut heard = Instant::now();
        if *stopping.borrow() {
            return Ok(Next::Close(CLOSE_RESTARTING, "Service restarting"));
        }
        loop {
            let next = tokio::select! {
                incoming = socket.recv() => {
                    let Some(message) = incoming else { return Ok(Next::Continue) };
                    heard = Instant::now();
                    match message? {
                        Message::Text(text) => self.on_text(socket, text.as_str()).await?,
                        Message::Close(_) => return Ok(Next::Continue),
                        _ => Next::Continue,
                    }
                }
                () = mailbox.ready() => {
                    let pending = mailbox.take();
                    let mut next = Next::Continue;
                    if pending.access_changed {
                        next = self.recheck(socket).await?;
                    }
                    self.send_versions(socket, &pending.versions).await?;
                    next
                }
                _ = ping.tick() => {
                    if heard.elapsed() > SILENT_LIMIT {
                        return Ok(Next::Continue);
                    }
                    socket.send(Message::Ping(Default::default())).await?;
                    Next::Continue
                }
                _ = recheck.tick() => self.recheck(socket).await?,
                // The flag only ever turns on: any change means stopping.
                _ = stopping.changed() => Next::Close(CLOSE_RESTARTING, "Service restarting"),
            };
            if let Next::Close(..) = next {
                return Ok(next);
            }
        }
    }

    async fn on_text(&mut self, socket: &mut WebSocket, text: &str) -> Result<Next, axum::Error> {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(e) => {
                let error = format!("Invalid message: {e}");
                send(socket, ServerMessage::Error { error }).await?;
                return Ok(Next::Continue);
            }
        };
        if self.single_key {
            let error = "Single-key streams cannot change their subscriptions".to_owned();
            send(socket, ServerMessage::Error { error }).await?;
            return Ok(Next::Continue);
        }
        let reply = match message {
            ClientMessage::CreateSubscriptions { subscriptions } => {
                match self.create(subscriptions).await {
                    Ok(reply) => reply,
                    Err(_) => {
                        let error = "The subscriptions could not be created".to_owned();
                        ServerMessage::Error { error }
                    }
                }
            }
            ClientMessage::DeleteSubscriptions { subscriptions } => {
                self.delete(subscriptions);
                ServerMessage::SubscriptionsDeleted
            }
        };
        send(socket, reply).await?;
        Ok(Next::Continue)
    }

    /// `createSubscriptions`: every key's topics (new and existing) and the
    /// topics refused.
    async fn create(
        &mut self,
        requests: Vec<SubscriptionRequest>,
    ) -> Result<ServerMessage, ApiError> {
        let mut errors = Vec::new();
        let mut answered_keys = BTreeSet::new();
        for request in requests {
            let Some(key) = request.api_key else {
                for topic in request.topics.into_iter().flatten() {
                    errors.push(SubscriptionError {
                        api_key: None,
                        topic,
                        error: NOT_ACCESSIBLE_WITHOUT_KEY.into(),
                    });
                }
                continue;
            };
            let Some(caller) = self.state.lookup_key(&key).await? else {
                errors.push(SubscriptionError {
                    api_key: Some(key.clone()),
                    topic: String::new(),
                    error: INVALID_KEY.into(),
                });
                continue;
            };
            match request.topics {
                None => self.subscribe_all(key.clone(), caller).await?,
                Some(topics) => {
                    for topic in topics {
                        match self.readable(&caller, &topic).await? {
                            Some(library) => {
                                self.keys
                                    .entry(key.clone())
                                    .or_insert_with(|| KeySubscription {
                                        caller: caller.clone(),
                                        follows_all: false,
                                        topics: BTreeMap::new(),
                                    })
                                    .topics
                                    .insert(topic, library);
                            }
                            None => errors.push(SubscriptionError {
                                api_key: Some(key.clone()),
                                topic,
                                error: NOT_VALID_FOR_KEY.into(),
                            }),
                        }
                    }
                }
            }
            answered_keys.insert(key);
        }
        self.refresh_interest();
        let subscriptions = answered_keys
            .into_iter()
            .filter_map(|key| {
                let topics = self.keys.get(&key)?.topics.keys().cloned().collect();
                Some(CreatedSubscription {
                    api_key: Some(key),
                    topics,
                })
            })
            .collect();
        Ok(ServerMessage::SubscriptionsCreated {
            subscriptions,
            errors,
        })
    }

    fn delete(&mut self, requests: Vec<DeletionRequest>) {
        for request in requests {
            match (request.api_key, request.topic) {
                (Some(key), Some(topic)) => {
                    if let Some(subscription) = self.keys.get_mut(&key) {
                        subscription.topics.remove(&topic);
                        // Named topics only from now on: a removed one stays removed.
                        subscription.follows_all = false;
                    }
                }
                (Some(key), None) => {
                    self.keys.remove(&key);
                }
                (None, Some(topic)) => {
                    for subscription in self.keys.values_mut() {
                        if subscription.topics.remove(&topic).is_some() {
                            subscription.follows_all = false;
                        }
                    }
                }
                (None, None) => {}
            }
        }
        self.keys
            .retain(|_, s| s.follows_all || !s.topics.is_empty());
        self.refresh_interest();
    }

    async fn subscribe_all(&mut self, key: String, caller: Caller) -> Result<(), ApiError> {
        let topics = self.readable_topics(&caller).await?;
        self.keys.insert(
            key,
            KeySubscription {
                caller,
                follows_all: true,
                topics,
            },
        );
        self.refresh_interest();
        Ok(())
    }

    /// Every library a key may read, by topic.
    async fn readable_topics(
        &self,
        caller: &Caller,
    ) -> Result<BTreeMap<String, LibraryId>, ApiError> {
        let store = &self.state.store;
        let mut topics = BTreeMap::new();
        let mut owners = vec![LibraryOwner::User(caller.user.id)];
        for group in store.groups_of_user(caller.user.id).await? {
            owners.push(LibraryOwner::Group(group.id));
        }
        for owner in owners {
            if let Some(library) = self.readable(caller, &topic_of(owner)).await? {
                topics.insert(topic_of(owner), library);
            }
        }
        Ok(topics)
    }

    /// The library a topic names, if the key may read it.
    async fn readable(&self, caller: &Caller, topic: &str) -> Result<Option<LibraryId>, ApiError> {
        let Some(owner) = parse_topic(topic) else {
            return Ok(None);
        };
        let store = &self.state.store;
        let group = match owner {
            LibraryOwner::Group(id) => match store.group(id).await? {
                Some(group) => Some(group),
                None => return Ok(None),
            },
            LibraryOwner::User(_) => None,
        };
        if !library_access(Some(caller), owner, group.as_ref()).read {
            return Ok(None);
        }
        Ok(store.library(owner).await?.map(|library| library.id))
    }

    /// Checks every key again: a revoked key's topics are removed, a key
    /// following everything gains and loses libraries as its user's groups
    /// changed.
    async fn recheck(&mut self, socket: &mut WebSocket) -> Result<Next, axum::Error> {
        let mut events = Vec::new();
        let mut revoked = false;
        let keys: Vec<String> = self.keys.keys().cloned().collect();
        for key in keys {
            match self.recheck_key(&key).await {
                Ok(Some(caller)) => {
                    let Some(subscription) = self.keys.get(&key) else {
                        continue;
                    };
                    let fresh = if subscription.follows_all {
                        self.readable_topics(&caller).await
                    } else {
                        let mut kept = BTreeMap::new();
                        let mut failed = None;
                        for topic in subscription.topics.keys() {
                            match self.readable(&caller, topic).await {
                                Ok(Some(library)) => {
                                    kept.insert(topic.clone(), library);
                                }
                                Ok(None) => {}
                                Err(e) => failed = Some(e),
                            }
                        }
                        failed.map_or(Ok(kept), Err)
                    };
                    let Ok(fresh) = fresh else {
                        // The database is unavailable: keep what there is.
                        continue;
                    };
                    let Some(subscription) = self.keys.get_mut(&key) else {
                        continue;
                    };
                    let api_key = (!self.single_key).then(|| key.clone());
                    for topic in fresh.keys() {
                        if !subscription.topics.contains_key(topic) {
                            events.push(ServerMessage::TopicAdded {
                                api_key: api_key.clone(),
                                topic: topic.clone(),
                            });
                        }
                    }
                    for topic in subscription.topics.keys() {
                        if !fresh.contains_key(topic) {
                            events.push(ServerMessage::TopicRemoved {
                                api_key: api_key.clone(),
                                topic: topic.clone(),
                            });
                        }
                    }
                    subscription.caller = caller;
                    subscription.topics = fresh;
                }
                Ok(None) => {
                    revoked = true;
                    if let Some(subscription) = self.keys.remove(&key) {
                        self.state.key_cache.forget(subscription.caller.key.id);
                        let api_key = (!self.single_key).then(|| key.clone());
                        for topic in subscription.topics.into_keys() {
                            events.push(ServerMessage::TopicRemoved {
                                api_key: api_key.clone(),
                                topic,
                            });
                        }
                    }
                }
                Err(_) => {}
            }
        }
        self.refresh_interest();
        for event in events {
            send(socket, event).await?;
        }
        if revoked && self.keys.is_empty() {
            return Ok(Next::Close(CLOSE_KEY_REVOKED, "API key revoked"));
        }
        Ok(Next::Continue)
    }

    /// The key's caller if it is still live, read from the database (not a
    /// cache: a revocation elsewhere must be seen).
    async fn recheck_key(&self, key: &str) -> Result<Option<Caller>, ApiError> {
        let store = &self.state.store;
        let Some(record) = store.key_by_hash(&hash_api_key(key)).await? else {
            return Ok(None);
        };
        let Some(user) = store.user(record.user_id).await? else {
            return Ok(None);
        };
        Ok(Some(Caller { key: record, user }))
    }

    async fn send_versions(
        &self,
        socket: &mut WebSocket,
        versions: &HashMap<LibraryId, u64>,
    ) -> Result<(), axum::Error> {
        if versions.is_empty() {
            return Ok(());
        }
        let mut topics: BTreeMap<&str, u64> = BTreeMap::new();
        for subscription in self.keys.values() {
            for (topic, library) in &subscription.topics {
                if let Some(version) = versions.get(library) {
                    topics.insert(topic, *version);
                }
            }
        }
        for (topic, version) in topics {
            let topic = topic.to_owned();
            send(socket, ServerMessage::TopicUpdated { topic, version }).await?;
        }
        Ok(())
    }

    fn refresh_interest(&self) {
        let mut interest = Interest::default();
        for subscription in self.keys.values() {
            interest.users.insert(subscription.caller.user.id);
            interest
                .libraries
                .extend(subscription.topics.values().copied());
        }
        self.hub.follow(self.id, interest);
    }
}

async fn send(socket: &mut WebSocket, message: ServerMessage) -> Result<(), axum::Error> {
    socket.send(Message::Text(message.to_text().into())).await
}
