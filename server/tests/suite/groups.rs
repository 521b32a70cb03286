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
