//! The messages of the Zotero streaming API, as JSON text frames.

use serde::{Deserialize, Serialize};

use crate::store::LibraryOwner;

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum ClientMessage {
    CreateSubscriptions {
        subscriptions: Vec<SubscriptionRequest>,
    },
    DeleteSubscriptions {
        subscriptions: Vec<DeletionRequest>,
    },
}

/// One entry of `createSubscriptions`: a key (all it may read, unless
/// `topics` narrows it) and/or explicit topics.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionRequest {
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub topics: Option<Vec<String>>,
}

/// One entry of `deleteSubscriptions`: a key's subscriptions, a topic, or
/// one topic of a key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionRequest {
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ServerMessage {
    /// First message: how long to wait (milliseconds) before reconnecting,
    /// and, for a connection opened with a key, the topics it follows.
    Connected {
        retry: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        topics: Option<Vec<String>>,
    },
    SubscriptionsCreated {
        subscriptions: Vec<CreatedSubscription>,
        errors: Vec<SubscriptionError>,
    },
    SubscriptionsDeleted,
    TopicUpdated {
        topic: String,
        version: u64,
    },
    TopicAdded {
        #[serde(rename = "apiKey", skip_serializing_if = "Option::is_none")]
        api_key: Option<String>,
        topic: String,
    },
    TopicRemoved {
        #[serde(rename = "apiKey", skip_serializing_if = "Option::is_none")]
        api_key: Option<String>,
        topic: String,
    },
    /// A message the server could not act on.
    Error {
        error: String,
    },
}

/// A key's (or the key-less) topics after `createSubscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedSubscription {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    pub topics: Vec<String>,
}

/// A topic that could not be subscribed to, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    pub topic: String,
    pub error: String,
}

impl ServerMessage {
    /// The frame's text.
    pub fn to_text(&self) -> String {
        // Serialising these plain structs cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The topic naming a library: `/users/<id>` or `/groups/<id>`.
pub fn topic_of(owner: LibraryOwner) -> String {
    match owner {
        LibraryOwner::User(id) => format!("/users/{id}"),
        LibraryOwner::Group(id) => format!("/groups/{id}"),
    }
}

/// The library a topic names, if it names one.
pub fn parse_topic(topic: &str) -> Option<LibraryOwner> {
    let (kind, id) = topic.strip_prefix('/')?.split_once('/')?;
    let id: u64 = id.parse().ok()?;
    match kind {
        "users" => Some(LibraryOwner::User(id)),
        "groups" => Some(LibraryOwner::Group(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_subscription_request() {
        let text = r#"{"action":"createSubscriptions","subscriptions":[
            {"apiKey":"abc","topics":["/users/1","/groups/2"]},{"apiKey":"def"},{"topics":["/groups/3"]}]}"#;
        let ClientMessage::CreateSubscriptions { subscriptions } =
            serde_json::from_str(text).expect("parses")
        else {
            panic!("not a createSubscriptions");
        };
        assert_eq!(subscriptions.len(), 3);
        assert_eq!(subscriptions[1].api_key.as_deref(), Some("def"));
        assert_eq!(subscriptions[1].topics, None);
        assert_eq!(subscriptions[2].api_key, None);
    }

    #[test]
    fn writes_events_as_documented() {
        let updated = ServerMessage::TopicUpdated {
            topic: "/users/1".into(),
            version: 7,
        };
        assert_eq!(
            updated.to_text(),
            r#"{"event":"topicUpdated","topic":"/users/1","version":7}"#
        );
        let connected = ServerMessage::Connected {
            retry: 10000,
            topics: None,
        };
        assert_eq!(
            connected.to_text(),
            r#"{"event":"connected","retry":10000}"#
        );
        let added = ServerMessage::TopicAdded {
            api_key: Some("k".into()),
            topic: "/groups/2".into(),
        };
        assert_eq!(
            added.to_text(),
            r#"{"event":"topicAdded","apiKey":"k","topic":"/groups/2"}"#
        );
    }

    #[test]
    fn topics_round_trip_and_nonsense_is_refused() {
        assert_eq!(parse_topic("/groups/12"), Some(LibraryOwner::Group(12)));
        assert_eq!(topic_of(LibraryOwner::User(5)), "/users/5");
        assert_eq!(parse_topic("/users/x"), None);
        assert_eq!(parse_topic("/publications/1"), None);
        assert_eq!(parse_topic("users/1"), None);
    }
}
