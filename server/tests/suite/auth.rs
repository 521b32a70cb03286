//! Keys: where they are read from, bad keys, other users' libraries, key
//! information, scopes and the failed-authentication limit.

use serde_json::json;

use crate::support::{Client, Deployment, header};

pub fn errors(d: &dyn Deployment) {
    let alice = Client::new_user(d, "alice@example.org");
    let bob = Client::new_user(d, "bob@example.org");
    let lib = alice.lib();
    let items = format!("{lib}/items");

    let anon = Client::with_key(d, alice.user_id, None);
    assert_eq!(anon.get(&items).status(), 403, "no key");

    let bad = Client::with_key(d, alice.user_id, Some("NotAKey123".into()));
    let r = bad.get(&items);
    assert_eq!(r.status(), 403);
    assert_eq!(r.text().expect("body"), "Invalid key");

    let key = alice.key.clone().expect("key");
    let bearer = anon
        .req(reqwest::Method::GET, &items)
        .header("Authorization", format!("Bearer {key}"))
        .send()
        .expect("GET");
    assert_eq!(bearer.status(), 200, "Authorization: Bearer");
    assert_eq!(
        anon.get(&format!("{items}?key={key}")).status(),
        200,
        "?key="
    );
    let mismatch = alice.get(&format!("{items}?key={}", bob.key.clone().expect("key")));
    assert_eq!(mismatch.status(), 400, "header and query keys differ");

    assert_eq!(bob.get(&items).status(), 403, "another user's library");
    let write = bob.post(&items, &json!([{"itemType": "book"}]), &[]);
    assert_eq!(write.status(), 403);
    assert_eq!(alice.get("/users/999999/items").status(), 403);

    // A revoked key stops working.
    assert_eq!(
        alice
            .send(reqwest::Method::DELETE, "/keys/current", None, &[])
            .status(),
        204
    );
    assert_eq!(alice.get(&items).status(), 403);
}

pub fn key_info(d: &dyn Deployment) {
    let alice = Client::new_user(d, "carol@example.org");
    let key = alice.key.clone().expect("key");
    let (_, current) = alice.get_json("/keys/current");
    assert_eq!(current["key"], key);
    assert_eq!(current["userID"], alice.user_id);
    assert_eq!(current["username"], "carol");
    assert_eq!(current["access"]["user"]["library"], true);
    assert_eq!(current["access"]["user"]["write"], true);
    assert_eq!(current["access"]["user"]["notes"], true);
    assert_eq!(current["access"]["user"]["files"], true);
    assert_eq!(current["access"]["groups"]["all"]["write"], true);

    let anon = Client::with_key(d, 0, None);
    let (_, by_path) = anon.get_json(&format!("/keys/{key}"));
    assert_eq!(by_path, current, "/keys/<key> answers like /keys/current");
    assert_eq!(anon.get("/keys/current").status(), 403);
    assert_eq!(anon.get("/keys/NoSuchKey42").status(), 404);

    let ro = Client::with_key(
        d,
        alice.user_id,
        Some(d.create_key(
            alice.user_id,
            &["--read-only", "--groups", "none", "--no-files"],
        )),
    );
    let (_, info) = ro.get_json("/keys/current");
    assert!(info["access"]["user"].get("write").is_none(), "{info}");
    assert!(info["access"]["user"].get("files").is_none(), "{info}");
    assert!(info["access"].get("groups").is_none(), "{info}");
}

pub fn scoped_keys(d: &dyn Deployment) {
    let owner = Client::new_user(d, "dave@example.org");
    let lib = owner.lib();
    owner.write(
        &format!("{lib}/items"),
        &json!([
            {"key": "PARENT22", "itemType": "book", "title": "Book"},
            {"itemType": "note", "parentItem": "PARENT22", "note": "<p>secret note</p>"}
        ]),
    );
    let ro = Client::with_key(
        d,
        owner.user_id,
        Some(d.create_key(owner.user_id, &["--read-only"])),
    );
    assert_eq!(ro.get(&format!("{lib}/items")).status(), 200);
    let r = ro.post(&format!("{lib}/items"), &json!([{"itemType": "book"}]), &[]);
    assert_eq!(r.status(), 403);
    assert_eq!(r.text().expect("body"), "Write access denied");
    let del = ro.send(
        reqwest::Method::DELETE,
        &format!("{lib}/items?itemKey=PARENT22"),
        None,
        &[],
    );
    assert_eq!(del.status(), 403);

    let no_notes = Client::with_key(
        d,
        owner.user_id,
        Some(d.create_key(owner.user_id, &["--no-notes"])),
    );
    let (_, all) = no_notes.get_json(&format!("{lib}/items"));
    assert_eq!(all.as_array().map(Vec::len), Some(1), "notes are hidden");
    let (_, with_notes) = owner.get_json(&format!("{lib}/items"));
    assert_eq!(with_notes.as_array().map(Vec::len), Some(2));
    let (_, rep) = no_notes.write(
        &format!("{lib}/items"),
        &json!([
            {"itemType": "note", "parentItem": "PARENT22", "note": "sneaky"},
            {"itemType": "book", "title": "Fine"}
        ]),
    );
    assert_eq!(
        rep["failed"]["0"]["code"], 403,
        "keys without notes access cannot write notes"
    );
    assert!(rep["success"].get("1").is_some());
}

pub fn rate_limit(d: &dyn Deployment) {
    let good = Client::new_user(d, "erin@example.org");
    let bad = Client::with_key(d, good.user_id, Some("WrongKey1".into()));
    let path = format!("{}/items", good.lib());
    // The first failures are answered at once, the last before the limit
    // after a pause.
    let mut answered_in = Vec::new();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        assert_eq!(bad.get(&path).status(), 403);
        answered_in.push(started.elapsed());
    }
    assert!(
        answered_in[2] >= std::time::Duration::from_millis(200),
        "{answered_in:?}"
    );
    let limited = bad.get(&path);
    assert_eq!(limited.status(), 429);
    let wait: u64 = header(limited.headers(), "retry-after")
        .and_then(|s| s.parse().ok())
        .expect("Retry-After");
    assert!(wait >= 1);
    let r = bad.get(&format!("/keys/{}", "W".repeat(24)));
    assert_eq!(r.status(), 429, "a key in the path is an attempt too");
    // A valid key from the same address is still served, again and again.
    for _ in 0..3 {
        assert_eq!(good.get(&path).status(), 200);
        assert_eq!(good.get("/keys/current").status(), 200);
    }
    // Requests without a key are not authentication attempts.
    assert_eq!(Client::with_key(d, 0, None).get("/itemTypes").status(), 200);
}

/// Per-key request limit: a burst, then 429 with `Retry-After`; other keys
/// are not affected.
pub fn key_rate_limit(d: &dyn Deployment) {
    let a = Client::new_user(d, "burst@example.org");
    let b = Client::new_user(d, "calm@example.org");
    let path = format!("{}/items", a.lib());
    for _ in 0..3 {
        assert_eq!(a.get(&path).status(), 200);
    }
    let limited = a.get(&path);
    assert_eq!(limited.status(), 429);
    assert!(header(limited.headers(), "retry-after").is_some_and(|s| s.parse::<u64>().is_ok()));
    assert_eq!(b.get(&format!("{}/items", b.lib())).status(), 200);
}

/// Under load (here: any request in flight) answers carry `Backoff`.
pub fn backoff_header(d: &dyn Deployment) {
    let c = Client::new_user(d, "backoff@example.org");
    let r = c.get(&format!("{}/items", c.lib()));
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "backoff"), Some("7"));
}
