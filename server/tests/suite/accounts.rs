//! Signing in with e-mail (or user name) and password for a device key
//! (`POST /keys`), keys' last use, and the account commands (`user invite`,
//! `user password`).

use serde_json::{Value, json};

use crate::support::{Client, Deployment, Server, header};

fn sign_in(d: &dyn Deployment, body: &Value) -> reqwest::blocking::Response {
    reqwest::blocking::Client::new()
        .post(format!("{}/keys", d.base_url()))
        .json(body)
        .send()
        .expect("POST /keys")
}

pub fn sign_in_with_password(d: &dyn Deployment) {
    let user_id = d.add_user("dora@example.org");

    // By e-mail address: a full-access key, answered as the key object.
    let r = sign_in(
        d,
        &json!({"email": "Dora@Example.org", "password": "secret pass", "name": "Dora's iPad"}),
    );
    assert_eq!(r.status(), 201);
    let created: Value = r.json().expect("key JSON");
    assert_eq!(created["userID"], user_id);
    assert_eq!(created["username"], "dora");
    assert_eq!(created["name"], "Dora's iPad");
    assert_eq!(created["access"]["user"]["write"], true);
    assert_eq!(created["access"]["groups"]["all"]["write"], true);
    let key = created["key"].as_str().expect("key").to_owned();
    let device = Client::with_key(d, user_id, Some(key.clone()));
    let (_, current) = device.get_json("/keys/current");
    assert_eq!(current["key"], key.as_str());
    assert_eq!(current["name"], "Dora's iPad");
    let (version, _) = device.write(
        &format!("{}/items", device.lib()),
        &json!([{"itemType": "book", "title": "Signed in"}]),
    );
    assert!(version > 0);

    // By user name, as Zotero's apps send it, with narrower access.
    let r = sign_in(
        d,
        &json!({"username": "dora", "password": "secret pass", "name": "Reader",
                "access": {"user": {"library": true}}}),
    );
    assert_eq!(r.status(), 201);
    let reader: Value = r.json().expect("key JSON");
    let reader = Client::with_key(d, user_id, reader["key"].as_str().map(str::to_owned));
    let items = format!("{}/items", reader.lib());
    assert_eq!(reader.get(&items).status(), 200);
    assert_eq!(
        reader
            .post(&items, &json!([{"itemType": "book"}]), &[])
            .status(),
        403,
        "a read-only key cannot write"
    );

    // Bad requests say what is wrong and make no key.
    for (body, says) in [
        (json!({"password": "secret pass"}), "'username' or 'email'"),
        (json!({"email": "dora@example.org"}), "'password'"),
        (
            json!({"email": 7, "password": "x"}),
            "'email' must be a string",
        ),
        (
            json!({"email": "dora@example.org", "password": "secret pass", "name": "a\nb"}),
            "name",
        ),
        (
            json!({"email": "dora@example.org", "password": "secret pass", "access": {"user": {"write": "yes"}}}),
            "access.user.write",
        ),
    ] {
        let r = sign_in(d, &body);
        assert_eq!(r.status(), 400, "{body}");
        let text = r.text().expect("body");
        assert!(text.contains(says), "{text}");
    }
    let keys_before = device.get_json("/keys/current").1;
    assert_eq!(keys_before["name"], "Dora's iPad");

    // Signing out revokes the device's key at once.
    assert_eq!(
        device
            .send(reqwest::Method::DELETE, "/keys/current", None, &[])
            .status(),
        204
    );
    assert_eq!(device.get(&items).status(), 403);
}

/// Run with `--auth-failures 3`: wrong passwords count against the
/// address's failed-authentication limit, and never say which part was wrong.
pub fn wrong_passwords_are_limited(d: &dyn Deployment) {
    d.add_user("eve@example.org");
    for body in [
        json!({"email": "eve@example.org", "password": "wrong pass"}),
        json!({"email": "nobody@example.org", "password": "secret pass"}),
        json!({"username": "eve", "password": ""}),
    ] {
        let r = sign_in(d, &body);
        assert_eq!(r.status(), 403, "{body}");
        assert_eq!(r.text().expect("body"), "Invalid username or password");
    }
    let r = sign_in(
        d,
        &json!({"email": "eve@example.org", "password": "secret pass"}),
    );
    assert_eq!(r.status(), 429, "the address is held back after 3 failures");
    let retry = header(r.headers(), "retry-after").expect("Retry-After");
    assert!(retry.parse::<u64>().is_ok_and(|s| s >= 1), "{retry}");
    // Keys already made keep working from that address.
    let user_id = d.add_user("fay@example.org");
    let key = d.create_key(user_id, &[]);
    let client = Client::with_key(d, user_id, Some(key));
    assert_eq!(client.get(&format!("{}/items", client.lib())).status(), 200);
}

pub fn account_commands(server: &Server) {
    let user_id = server.add_user("finn@example.org");
    let key = server.create_key(user_id, &["--name", "laptop"]);
    let listed = server.admin(&["key", "list", "--user", "finn@example.org"]);
    assert!(
        listed.contains("laptop") && listed.contains("last used never"),
        "{listed}"
    );
    let client = Client::with_key(server, user_id, Some(key));
    assert_eq!(client.get(&format!("{}/items", client.lib())).status(), 200);
    // The use is written in the background.
    let mut last_used = String::new();
    for _ in 0..50 {
        last_used = server.admin(&["key", "list", "--user", "finn@example.org"]);
        if !last_used.contains("never") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(last_used.contains("last used 20"), "{last_used}");

    // A password reset: the old password stops working, the new one signs in.
    server.admin(&[
        "user",
        "password",
        "--user",
        "finn@example.org",
        "--password",
        "a new secret",
    ]);
    let old = sign_in(
        server,
        &json!({"email": "finn@example.org", "password": "secret pass"}),
    );
    assert_eq!(old.status(), 403);
    let new = sign_in(
        server,
        &json!({"email": "finn@example.org", "password": "a new secret"}),
    );
    assert_eq!(new.status(), 201);

    // An invitation is a one-time link under the public URL.
    let link = server.admin(&[
        "--public-url",
        "https://sm.example.org",
        "user",
        "invite",
        "--email",
        "gwen@example.org",
    ]);
    let link = link.trim();
    let token = link
        .strip_prefix("https://sm.example.org/signup?token=")
        .unwrap_or_else(|| panic!("{link}"));
    assert!(token.len() >= 40 && token.bytes().all(|b| b.is_ascii_alphanumeric()));
}
