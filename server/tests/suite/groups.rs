//! Group libraries: creation, membership and roles, what members may do.

use serde_json::json;

use crate::support::{Client, Deployment, version_of};

pub fn roles(d: &dyn Deployment) {
    let owner = Client::new_user(d, "owner@example.org");
    let bob = Client::new_user(d, "bob@example.org");
    let carol = Client::new_user(d, "carol@example.org");
    let r = owner.post(
        "/groups",
        &json!({"name": "Lab", "description": "shared"}),
        &[],
    );
    assert_eq!(r.status(), 201);
    let group: serde_json::Value = r.json().expect("group");
    let gid = group["id"].as_u64().expect("id");
    assert_eq!(group["data"]["owner"], owner.user_id);
    let glib = format!("/groups/{gid}");

    let (_, rep) = owner.write(
        &format!("{glib}/items"),
        &json!([{"key": "GRPI2222", "itemType": "book", "title": "Shared"}]),
    );
    assert_eq!(rep["successful"]["0"]["library"]["type"], "group");
    assert_eq!(rep["successful"]["0"]["library"]["id"], gid);

    // Not a member: no access at all.
    assert_eq!(bob.get(&format!("{glib}/items")).status(), 403);
    assert_eq!(bob.get(&glib).status(), 403);
    assert_eq!(owner.get("/groups/987654/items").status(), 404);

    // A read-only member reads but cannot write.
    let r = owner.send(
        reqwest::Method::PUT,
        &format!("{glib}/members/{}", bob.user_id),
        Some(&json!({"role": "member"})),
        &[],
    );
    assert_eq!(r.status(), 204);
    assert_eq!(bob.get(&format!("{glib}/items")).status(), 200);
    let r = bob.post(
        &format!("{glib}/items"),
        &json!([{"itemType": "book"}]),
        &[],
    );
    assert_eq!(r.status(), 403);
    // Members cannot manage members.
    let r = bob.send(
        reqwest::Method::PUT,
        &format!("{glib}/members/{}", carol.user_id),
        Some(&json!({})),
        &[],
    );
    assert_eq!(r.status(), 403);

    // Read/write member.
    let r = owner.send(
        reqwest::Method::PUT,
        &format!("{glib}/members/{}", bob.user_id),
        Some(&json!({"role": "member", "write": true})),
        &[],
    );
    assert_eq!(r.status(), 204);
    let r = bob.post(
        &format!("{glib}/items"),
        &json!([{"itemType": "book", "title": "By Bob"}]),
        &[],
    );
    assert_eq!(r.status(), 200);

    // Admins manage members; only the owner makes admins.
    owner.send(
        reqwest::Method::PUT,
        &format!("{glib}/members/{}", bob.user_id),
        Some(&json!({"role": "admin"})),
        &[],
    );
    let r = bob.send(
        reqwest::Method::PUT,
        &format!("{glib}/members/{}", carol.user_id),
        Some(&json!({"role": "member"})),
        &[],
    );
    assert_eq!(r.status(), 204);
    let r = bob.send(
        reqwest::Method::PUT,
        &format!("{glib}/members/{}", carol.user_id),
        Some(&json!({"role": "admin"})),
        &[],
    );
    assert_eq!(r.status(), 403);
    let r = bob.send(
        reqwest::Method::DELETE,
        &format!("{glib}/members/{}", owner.user_id),
        None,
        &[],
    );
    assert_eq!(r.status(), 409, "the owner stays");

    let (h, g) = bob.get_json(&glib);
    assert_eq!(g["data"]["admins"], json!([bob.user_id]));
    assert_eq!(g["data"]["members"], json!([carol.user_id]));
    assert_eq!(g["meta"]["numItems"], 2);
    assert_eq!(g["meta"]["isAdmin"], true);
    let gv = version_of(&h);
    let (_, listing) = carol.get_json(&format!("/users/{}/groups?format=versions", carol.user_id));
    assert_eq!(listing, json!({ gid.to_string(): gv }));
    let (_, groups) = carol.get_json(&format!("/users/{}/groups", carol.user_id));
    assert_eq!(groups[0]["data"]["name"], "Lab");
    assert_eq!(
        bob.get(&format!("/users/{}/groups", carol.user_id))
            .status(),
        403
    );
    let (_, members) = carol.get_json(&format!("{glib}/members"));
    assert_eq!(members.as_array().map(Vec::len), Some(3));

    // A key without group access sees no groups.
    let no_groups = Client::with_key(
        d,
        carol.user_id,
        Some(d.create_key(carol.user_id, &["--groups", "none"])),
    );
    assert_eq!(no_groups.get(&format!("{glib}/items")).status(), 403);
    let (_, none) = no_groups.get_json(&format!("/users/{}/groups?format=versions", carol.user_id));
    assert_eq!(none, json!({}));
    let read_groups = Client::with_key(
        d,
        bob.user_id,
        Some(d.create_key(bob.user_id, &["--groups", "read"])),
    );
    assert_eq!(read_groups.get(&format!("{glib}/items")).status(), 200);
    assert_eq!(
        read_groups
            .post(
                &format!("{glib}/items"),
                &json!([{"itemType": "book"}]),
                &[]
            )
            .status(),
        403
    );

    // Members leave; removed members lose access.
    let r = carol.send(
        reqwest::Method::DELETE,
        &format!("{glib}/members/{}", carol.user_id),
        None,
        &[],
    );
    assert_eq!(r.status(), 204);
    assert_eq!(carol.get(&format!("{glib}/items")).status(), 403);
    let (_, listing) = carol.get_json(&format!("/users/{}/groups?format=versions", carol.user_id));
    assert_eq!(listing, json!({}));
}

pub fn member_limit(d: &dyn Deployment) {
    let owner = Client::new_user(d, "lim-owner@example.org");
    let a = Client::new_user(d, "lim-a@example.org");
    let b = Client::new_user(d, "lim-b@example.org");
    let r = owner.post("/groups", &json!({"name": "Small"}), &[]);
    let gid = r.json::<serde_json::Value>().expect("group")["id"]
        .as_u64()
        .expect("id");
    let add = |u: u64| {
        owner.send(
            reqwest::Method::PUT,
            &format!("/groups/{gid}/members/{u}"),
            Some(&json!({})),
            &[],
        )
    };
    assert_eq!(add(a.user_id).status(), 204);
    let full = add(b.user_id);
    assert_eq!(full.status(), 409);
    assert!(full.text().expect("text").contains('2'));
    // Changing an existing member's role is not an addition.
    assert_eq!(add(a.user_id).status(), 204);
}

/// `Shelfmark-Group-Versions`: asked on a request to one's own library, the
/// answer (a 304 too) says what `/users/<id>/groups?format=versions` would.
pub fn group_versions_header(d: &dyn Deployment) {
    let owner = Client::new_user(d, "gv-owner@example.org");
    let bob = Client::new_user(d, "gv-bob@example.org");
    let asked = |c: &Client, path: &str, since: Option<u64>| {
        let since = since.map(|v| v.to_string()).unwrap_or_default();
        let mut headers = vec![("Shelfmark-Group-Versions", "1")];
        if !since.is_empty() {
            headers.push(("If-Modified-Since-Version", since.as_str()));
        }
        let r = c.send(reqwest::Method::GET, path, None, &headers);
        (
            r.status().as_u16(),
            crate::support::header(r.headers(), "shelfmark-group-versions").map(str::to_owned),
        )
    };
    let versions = |c: &Client| {
        let (_, map) = c.get_json(&format!("/users/{}/groups?format=versions", c.user_id));
        let mut pairs: Vec<String> = map
            .as_object()
            .expect("object")
            .iter()
            .map(|(id, v)| format!("{id}={v}"))
            .collect();
        pairs.sort();
        pairs.join(",")
    };
    let items = |c: &Client| format!("{}/items?format=versions", c.lib());

    // No groups: an empty value; not asked: no header.
    assert_eq!(asked(&bob, &items(&bob), None), (200, Some(String::new())));
    let r = bob.get(&items(&bob));
    assert!(crate::support::header(r.headers(), "shelfmark-group-versions").is_none());

    let r = owner.post("/groups", &json!({"name": "Versions lab"}), &[]);
    let gid = r.json::<serde_json::Value>().expect("group")["id"]
        .as_u64()
        .expect("id");
    let (status, before) = asked(&owner, &items(&owner), None);
    assert_eq!(status, 200);
    assert_eq!(before.as_deref(), Some(versions(&owner).as_str()));
    assert!(
        before
            .as_deref()
            .is_some_and(|v| v.starts_with(&format!("{gid}=")))
    );

    // A membership change raises the group's version; a 304 says so too.
    let r = owner.send(
        reqwest::Method::PUT,
        &format!("/groups/{gid}/members/{}", bob.user_id),
        Some(&json!({"role": "member", "write": false})),
        &[],
    );
    assert!(r.status().is_success(), "{}", r.status());
    let version = owner
        .get(&items(&owner))
        .headers()
        .get("last-modified-version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let (status, after) = asked(&owner, &items(&owner), version);
    assert_eq!(status, 304);
    assert_eq!(after.as_deref(), Some(versions(&owner).as_str()));
    assert_ne!(after, before, "the group's version moved");
    assert_eq!(
        asked(&bob, &items(&bob), None).1.as_deref(),
        Some(versions(&bob).as_str())
    );

    // Only one's own library answers: not a group library, not another user's.
    assert_eq!(
        asked(&owner, &format!("/groups/{gid}/items"), None),
        (200, None)
    );
    assert_eq!(asked(&bob, &items(&owner), None).1, None);
}
