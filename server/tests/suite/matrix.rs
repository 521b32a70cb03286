//! The access matrix: every library route × every kind of caller answers as
//! it must — no key, a bad key, another user's key, a read-only key, the
//! owner; for groups a non-member, a read-only member and a writing member.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Client, Deployment};

/// A route under a library prefix, the body to send, and whether it writes.
struct Route {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    writes: bool,
}

fn route(method: Method, path: &'static str, body: Option<Value>) -> Route {
    let writes = method != Method::GET;
    Route {
        method,
        path,
        body,
        writes,
    }
}

fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/items", None),
        route(Method::GET, "/items/top", None),
        route(Method::GET, "/items/trash", None),
        route(Method::GET, "/items/BKEY2222", None),
        route(Method::GET, "/items/BKEY2222/children", None),
        route(Method::GET, "/items/AKEY2222/file", None),
        route(Method::GET, "/collections", None),
        route(Method::GET, "/collections/top", None),
        route(Method::GET, "/collections/CKEY2222", None),
        route(Method::GET, "/collections/CKEY2222/collections", None),
        route(Method::GET, "/collections/CKEY2222/items", None),
        route(Method::GET, "/collections/CKEY2222/items/top", None),
        route(Method::GET, "/searches", None),
        route(Method::GET, "/searches/SKEY2222", None),
        route(Method::GET, "/tags", None),
        route(Method::GET, "/settings", None),
        route(Method::GET, "/settings/tagColors", None),
        route(Method::GET, "/deleted?since=0", None),
        route(Method::POST, "/items", Some(json!([{"itemType": "book"}]))),
        route(
            Method::PATCH,
            "/items/BKEY2222",
            Some(json!({"title": "x", "version": 999})),
        ),
        route(
            Method::PUT,
            "/items/NEWI2222",
            Some(json!({"itemType": "book"})),
        ),
        route(Method::DELETE, "/items?itemKey=NEWI2222", None),
        route(Method::POST, "/collections", Some(json!([{"name": "c"}]))),
        route(
            Method::PATCH,
            "/collections/CKEY2222",
            Some(json!({"name": "x", "version": 999})),
        ),
        route(Method::DELETE, "/collections?collectionKey=ZZZZ2222", None),
        route(
            Method::POST,
            "/searches",
            Some(json!([{"name": "s", "conditions": []}])),
        ),
        route(Method::DELETE, "/searches?searchKey=ZZZZ2222", None),
        route(Method::DELETE, "/tags?tag=nothing", None),
        route(
            Method::POST,
            "/settings",
            Some(json!({"newSetting": {"value": 1}})),
        ),
        route(Method::POST, "/items/AKEY2222/file", None),
    ]
}

fn seed(owner: &Client, prefix: &str) {
    let r = owner.post(
        &format!("{prefix}/collections"),
        &json!([{"key": "CKEY2222", "name": "C"}]),
        &[],
    );
    assert_eq!(r.status(), 200);
    let r = owner.post(
        &format!("{prefix}/items"),
        &json!([
            {"key": "BKEY2222", "itemType": "book", "title": "B", "collections": ["CKEY2222"]},
            {"key": "AKEY2222", "itemType": "attachment", "linkMode": "imported_file", "parentItem": "BKEY2222"}
        ]),
        &[],
    );
    assert_eq!(r.status(), 200);
    let r = owner.post(
        &format!("{prefix}/searches"),
        &json!([{"key": "SKEY2222", "name": "S", "conditions": []}]),
        &[],
    );
    assert_eq!(r.status(), 200);
    let r = owner.post(
        &format!("{prefix}/settings"),
        &json!({"tagColors": {"value": []}}),
        &[],
    );
    assert_eq!(r.status(), 204);
}

fn call(c: &Client, prefix: &str, r: &Route) -> u16 {
    let mut req = c.req(r.method.clone(), &format!("{prefix}{}", r.path));
    if let Some(body) = &r.body {
        req = req.body(body.to_string());
    }
    if r.path.ends_with("/file") && r.method == Method::POST {
        req = req
            .header("If-None-Match", "*")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("md5=00000000000000000000000000000000&filename=a.pdf&filesize=1&mtime=1");
    }
    req.send().expect("request").status().as_u16()
}

/// Asserts what one caller gets on every route.
fn expect(c: &Client, prefix: &str, who: &str, read_ok: bool, write_ok: bool) {
    for r in routes() {
        let status = call(c, prefix, &r);
        let allowed = if r.writes { write_ok } else { read_ok };
        let what = format!("{who}: {} {prefix}{} → {status}", r.method, r.path);
        assert!(status < 500, "{what}");
        if allowed {
            assert!(status != 403 && status != 401, "{what} should be allowed");
        } else {
            assert_eq!(status, 403, "{what} should be refused");
        }
    }
}

pub fn user_library(d: &dyn Deployment) {
    let owner = Client::new_user(d, "m-owner@example.org");
    let other = Client::new_user(d, "m-other@example.org");
    let lib = owner.lib();
    seed(&owner, &lib);
    let anon = Client::with_key(d, owner.user_id, None);
    let bad = Client::with_key(d, owner.user_id, Some("BadKey1234".into()));
    let ro = Client::with_key(
        d,
        owner.user_id,
        Some(d.create_key(owner.user_id, &["--read-only"])),
    );
    expect(&anon, &lib, "no key", false, false);
    expect(&bad, &lib, "bad key", false, false);
    expect(&other, &lib, "other user's key", false, false);
    expect(&ro, &lib, "read-only key", true, false);
    expect(&owner, &lib, "owner", true, true);
}

pub fn group_library(d: &dyn Deployment) {
    let owner = Client::new_user(d, "g-owner@example.org");
    let reader = Client::new_user(d, "g-reader@example.org");
    let writer = Client::new_user(d, "g-writer@example.org");
    let outsider = Client::new_user(d, "g-out@example.org");
    let r = owner.post("/groups", &json!({"name": "Matrix"}), &[]);
    let gid = r.json::<Value>().expect("group")["id"]
        .as_u64()
        .expect("id");
    for (u, write) in [(&reader, false), (&writer, true)] {
        let r = owner.send(
            Method::PUT,
            &format!("/groups/{gid}/members/{}", u.user_id),
            Some(&json!({"role": "member", "write": write})),
            &[],
        );
        assert_eq!(r.status(), 204);
    }
    let lib = format!("/groups/{gid}");
    seed(&owner, &lib);
    let anon = Client::with_key(d, 0, None);
    expect(&anon, &lib, "no key", false, false);
    expect(&outsider, &lib, "non-member", false, false);
    expect(&reader, &lib, "read-only member", true, false);
    expect(&writer, &lib, "writing member", true, true);
    let no_groups = Client::with_key(
        d,
        writer.user_id,
        Some(d.create_key(writer.user_id, &["--groups", "none"])),
    );
    expect(
        &no_groups,
        &lib,
        "member's key without group access",
        false,
        false,
    );
}
