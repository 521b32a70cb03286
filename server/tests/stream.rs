//! Live updates (the Zotero streaming API) against a real server process:
//! subscribing, being told of writes, per-topic refusals, a revoked key
//! ending its stream, a joined group being added; and, with
//! `SHELFMARK_TEST_DATABASE_URL` set, two processes on one PostgreSQL
//! database, a write on one reaching a subscriber of the other.

mod support;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Client, Deployment, Server};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

/// How long a test waits for an event before failing.
const PATIENCE: Duration = Duration::from_secs(10);

/// The stream URL the server advertises.
fn stream_url(client: &Client) -> String {
    let (_, caps) = client.get_json("/shelfmark/capabilities");
    caps["extensions"]["streaming"]["url"]
        .as_str()
        .expect("capabilities name the stream")
        .to_owned()
}

fn connect(url: &str, key: Option<&str>) -> Socket {
    use tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request().expect("request");
    if let Some(key) = key {
        request
            .headers_mut()
            .insert("Zotero-API-Key", key.parse().expect("header"));
    }
    let (mut socket, _) = tungstenite::connect(request).expect("stream connects");
    if let MaybeTlsStream::Plain(tcp) = socket.get_mut() {
        tcp.set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
    }
    socket
}

/// The next JSON event, or `None` when the server closed the stream (with
/// its close code).
fn next_event(socket: &mut Socket) -> Result<Value, Option<CloseCode>> {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        match socket.read() {
            Ok(Message::Text(text)) => return Ok(serde_json::from_str(&text).expect("JSON event")),
            Ok(Message::Close(frame)) => return Err(frame.map(|f| f.code)),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Err(None);
            }
            Err(e) => panic!("reading the stream: {e}"),
        }
    }
    panic!("no event within {PATIENCE:?}");
}

fn expect_event(socket: &mut Socket, name: &str) -> Value {
    let event = next_event(socket).unwrap_or_else(|code| panic!("closed ({code:?}) before {name}"));
    assert_eq!(event["event"], name, "{event}");
    event
}

fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .expect("sends");
}

/// Connects and subscribes with `key` (everything it may read).
fn subscribed(url: &str, key: &str) -> (Socket, Value) {
    let mut socket = connect(url, None);
    let connected = expect_event(&mut socket, "connected");
    assert!(connected["retry"].as_u64().is_some_and(|ms| ms > 0));
    send(
        &mut socket,
        json!({"action": "createSubscriptions", "subscriptions": [{"apiKey": key}]}),
    );
    let created = expect_event(&mut socket, "subscriptionsCreated");
    (socket, created)
}

fn add_item(client: &Client, title: &str) -> u64 {
    let (version, report) = client.write(
        &format!("{}/items", client.lib()),
        &json!([{"itemType": "book", "title": title}]),
    );
    assert_eq!(report["successful"].as_object().map(|o| o.len()), Some(1));
    version
}

#[test]
fn a_write_is_announced_with_the_library_version() {
    let server = Server::start();
    let alice = Client::new_user(&server, "alice@example.org");
    let url = stream_url(&alice);
    let key = alice.key.clone().expect("key");
    let (mut socket, created) = subscribed(&url, &key);
    assert_eq!(
        created["subscriptions"],
        json!([{"apiKey": key, "topics": [alice.lib()]}])
    );
    assert_eq!(created["errors"], json!([]));

    let version = add_item(&alice, "Announced");
    let updated = expect_event(&mut socket, "topicUpdated");
    assert_eq!(updated["topic"], alice.lib());
    assert_eq!(updated["version"], version);

    // A write through the web pages' path reaches it too (settings here:
    // any committed write, not only items).
    let r = alice.send(
        reqwest::Method::PUT,
        &format!("{}/settings/tagColors", alice.lib()),
        Some(&json!({"value": [{"name": "red", "color": "#FF0000"}]})),
        &[],
    );
    assert_eq!(r.status(), 204);
    let updated = expect_event(&mut socket, "topicUpdated");
    assert_eq!(updated["version"], version + 1);

    // Unsubscribed, nothing more arrives.
    send(
        &mut socket,
        json!({"action": "deleteSubscriptions", "subscriptions": [{"apiKey": key}]}),
    );
    expect_event(&mut socket, "subscriptionsDeleted");
    add_item(&alice, "Unannounced");
    socket
        .send(Message::Ping(Default::default()))
        .expect("ping");
    let deadline = Instant::now() + Duration::from_millis(800);
    while Instant::now() < deadline {
        if let Ok(Message::Text(text)) = socket.read() {
            panic!("unexpected event {text}");
        }
    }
}

#[test]
fn topics_a_key_cannot_read_are_refused_one_by_one() {
    let server = Server::start();
    let alice = Client::new_user(&server, "alice@example.org");
    let bob = Client::new_user(&server, "bob@example.org");
    let url = stream_url(&alice);
    let key = alice.key.clone().expect("key");
    let mut socket = connect(&url, None);
    expect_event(&mut socket, "connected");
    send(
        &mut socket,
        json!({"action": "createSubscriptions", "subscriptions": [
            {"apiKey": key, "topics": [alice.lib(), bob.lib(), "/groups/987654", "/nonsense"]},
            {"topics": [bob.lib()]},
            {"apiKey": "NotAKeyAtAll0000000000000"},
        ]}),
    );
    let created = expect_event(&mut socket, "subscriptionsCreated");
    assert_eq!(
        created["subscriptions"],
        json!([{"apiKey": key, "topics": [alice.lib()]}])
    );
    let errors = created["errors"].as_array().expect("errors");
    let refused: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["topic"].as_str().unwrap_or_default(),
                e["error"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let bob_lib = bob.lib();
    assert_eq!(
        refused,
        vec![
            (bob_lib.as_str(), "Topic is not valid for provided API key"),
            ("/groups/987654", "Topic is not valid for provided API key"),
            ("/nonsense", "Topic is not valid for provided API key"),
            (
                bob_lib.as_str(),
                "Topic is not accessible without an API key"
            ),
            ("", "Invalid API key"),
        ]
    );
    // Bob's writes are not Alice's business.
    add_item(&bob, "Private");
    let mine = add_item(&alice, "Mine");
    let updated = expect_event(&mut socket, "topicUpdated");
    assert_eq!(updated["topic"], alice.lib());
    assert_eq!(updated["version"], mine);

    // A message that is not the protocol is answered, not fatal.
    send(&mut socket, json!({"action": "dance"}));
    expect_event(&mut socket, "error");
}

#[test]
fn a_revoked_key_ends_its_stream() {
    let server = Server::start();
    let alice = Client::new_user(&server, "alice@example.org");
    let url = stream_url(&alice);
    let key = alice.key.clone().expect("key");
    // A single-key stream: opened with the key, following all it may read.
    let mut socket = connect(&url, Some(&key));
    let connected = expect_event(&mut socket, "connected");
    assert_eq!(connected["topics"], json!([alice.lib()]));

    let r = alice.send(reqwest::Method::DELETE, "/keys/current", None, &[]);
    assert_eq!(r.status(), 204);
    let removed = expect_event(&mut socket, "topicRemoved");
    assert_eq!(removed["topic"], alice.lib());
    assert_eq!(next_event(&mut socket), Err(Some(CloseCode::from(4403))));

    // The revoked key opens no new stream.
    use tungstenite::client::IntoClientRequest;
    let mut request = url.as_str().into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Zotero-API-Key", key.parse().expect("header"));
    match tungstenite::connect(request) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("expected 403, got {:?}", other.map(|(_, r)| r.status())),
    }
}

/// The status a refused upgrade is answered with.
fn refused_status(request: tungstenite::handshake::client::Request) -> u16 {
    match tungstenite::connect(request) {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        other => panic!(
            "expected a refusal, got {:?}",
            other.map(|(_, r)| r.status())
        ),
    }
}

#[test]
fn the_key_is_read_from_headers_or_query_as_everywhere_else() {
    use tungstenite::client::IntoClientRequest;
    let server = Server::start();
    let alice = Client::new_user(&server, "alice@example.org");
    let bob = Client::new_user(&server, "bob@example.org");
    let url = stream_url(&alice);
    let key = alice.key.clone().expect("key");
    let other_key = bob.key.clone().expect("key");

    // `?key=` alone, and `Authorization: Bearer` alone, open single-key streams.
    let mut socket = connect(&format!("{url}?key={key}"), None);
    let connected = expect_event(&mut socket, "connected");
    assert_eq!(connected["topics"], json!([alice.lib()]));
    let mut request = url.as_str().into_client_request().expect("request");
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {key}").parse().expect("header"),
    );
    let (mut socket, _) = tungstenite::connect(request).expect("stream connects");
    let connected = expect_event(&mut socket, "connected");
    assert_eq!(connected["topics"], json!([alice.lib()]));

    // A header key and a different query key: refused, not one of them picked.
    let mut request = format!("{url}?key={other_key}")
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("Zotero-API-Key", key.parse().expect("header"));
    assert_eq!(refused_status(request), 400);
    // The same key in both places is fine.
    let mut request = format!("{url}?key={key}")
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("Zotero-API-Key", key.parse().expect("header"));
    let (mut socket, _) = tungstenite::connect(request).expect("stream connects");
    expect_event(&mut socket, "connected");
    // An unknown key is refused with 403.
    let request = format!("{url}?key=notakey")
        .into_client_request()
        .expect("request");
    assert_eq!(refused_status(request), 403);
}

#[test]
fn joining_a_group_adds_its_topic_and_leaving_removes_it() {
    let server = Server::start();
    let owner = Client::new_user(&server, "owner@example.org");
    let member = Client::new_user(&server, "member@example.org");
    let created = owner.post("/groups", &json!({"name": "Lab"}), &[]);
    assert_eq!(created.status(), 201);
    let group: Value = created.json().expect("group");
    let group_id = group["id"].as_u64().expect("group id");
    let topic = format!("/groups/{group_id}");

    let url = stream_url(&member);
    let key = member.key.clone().expect("key");
    let (mut socket, created) = subscribed(&url, &key);
    assert_eq!(created["subscriptions"][0]["topics"], json!([member.lib()]));

    let r = owner.send(
        reqwest::Method::PUT,
        &format!("/groups/{group_id}/members/{}", member.user_id),
        Some(&json!({"role": "member", "write": true})),
        &[],
    );
    assert!(r.status().is_success(), "{}", r.status());
    let added = expect_event(&mut socket, "topicAdded");
    assert_eq!(
        added,
        json!({"event": "topicAdded", "apiKey": key, "topic": topic})
    );

    // The group's writes now reach the member.
    let (version, _) = owner.write(
        &format!("{topic}/items"),
        &json!([{"itemType": "book", "title": "Shared"}]),
    );
    let updated = expect_event(&mut socket, "topicUpdated");
    assert_eq!(updated["topic"], topic);
    assert_eq!(updated["version"], version);

    let r = owner.send(
        reqwest::Method::DELETE,
        &format!("/groups/{group_id}/members/{}", member.user_id),
        None,
        &[],
    );
    assert!(r.status().is_success(), "{}", r.status());
    let removed = expect_event(&mut socket, "topicRemoved");
    assert_eq!(removed["topic"], topic);
}

#[test]
fn two_processes_on_one_postgres_database_share_updates() {
    let Ok(postgres) = std::env::var("SHELFMARK_TEST_DATABASE_URL") else {
        eprintln!("SHELFMARK_TEST_DATABASE_URL is not set: two-process streaming not tested");
        return;
    };
    // Dropped (with its connections) after both servers.
    let database = shelfmark_test_support::fresh_postgres_database(&postgres);
    {
        let first = Server::start_on(&["--database-url", database.url()], None);
        let second = Server::start_on(&["--database-url", database.url()], None);
        let alice_on_first = Client::new_user(&first, "alice@example.org");
        let alice_on_second =
            Client::with_key(&second, alice_on_first.user_id, alice_on_first.key.clone());
        let key = alice_on_first.key.clone().expect("key");
        let (mut socket, _) = subscribed(&stream_url(&alice_on_second), &key);

        let version = add_item(&alice_on_first, "From the other process");
        let updated = expect_event(&mut socket, "topicUpdated");
        assert_eq!(updated["topic"], alice_on_first.lib());
        assert_eq!(updated["version"], version);

        // Access changes cross processes too: revoked on the first, the
        // stream on the second ends.
        let r = alice_on_first.send(reqwest::Method::DELETE, "/keys/current", None, &[]);
        assert_eq!(r.status(), 204);
        expect_event(&mut socket, "topicRemoved");
        assert_eq!(next_event(&mut socket), Err(Some(CloseCode::from(4403))));
        let _ = (first.base_url(), second.base_url());
    }
}
