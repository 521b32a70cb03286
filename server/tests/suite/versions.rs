//! Library and object versions: `since`, formats, 304, 412, 428.

use serde_json::json;

use crate::support::{Client, Deployment, header, version_of};

pub fn since_and_formats(d: &dyn Deployment) {
    let c = Client::new_user(d, "v1@example.org");
    let items = format!("{}/items", c.lib());
    let r = c.get(&items);
    assert_eq!(version_of(r.headers()), 0, "a new library is at version 0");

    let (v1, rep1) = c.write(
        &items,
        &json!([{"itemType": "book", "title": "One"}, {"itemType": "book", "title": "Two"}]),
    );
    assert_eq!(v1, 1, "one write raises the version once");
    assert_eq!(rep1["successful"]["0"]["version"], 1);
    assert_eq!(rep1["successful"]["1"]["data"]["version"], 1);
    let (v2, rep2) = c.write(
        &items,
        &json!([{"itemType": "journalArticle", "title": "Three"}]),
    );
    assert_eq!(v2, 2);
    let third = rep2["success"]["0"].as_str().expect("key").to_owned();

    let (h, versions) = c.get_json(&format!("{items}?format=versions"));
    assert_eq!(version_of(&h), 2);
    assert_eq!(versions.as_object().map(|m| m.len()), Some(3));
    let (_, newer) = c.get_json(&format!("{items}?format=versions&since=1"));
    assert_eq!(newer, json!({ third.clone(): 2 }));
    let keys = c.get(&format!("{items}?format=keys&since=1"));
    assert_eq!(keys.text().expect("text").trim(), third);
    let (_, since_json) = c.get_json(&format!("{items}?since=1"));
    assert_eq!(since_json.as_array().map(Vec::len), Some(1));

    let (h, one) = c.get_json(&format!("{items}/{third}"));
    assert_eq!(version_of(&h), 2, "single object: its own version");
    assert_eq!(one["key"], third.as_str());
    assert_eq!(one["library"]["type"], "user");
    assert_eq!(one["library"]["id"], c.user_id);
    assert!(
        one["links"]["self"]["href"]
            .as_str()
            .expect("href")
            .ends_with(&format!("/items/{third}"))
    );
    assert!(one["meta"].is_object());

    let bad = c.get(&format!("{items}?format=mods"));
    assert_eq!(bad.status(), 400);
    assert!(bad.text().expect("text").contains("'mods'"));
}

pub fn preconditions(d: &dyn Deployment) {
    let c = Client::new_user(d, "v2@example.org");
    let items = format!("{}/items", c.lib());
    let (v, rep) = c.write(&items, &json!([{"itemType": "book", "title": "A"}]));
    let key = rep["success"]["0"].as_str().expect("key").to_owned();

    // 304 when nothing changed since the given version.
    let r = c.send(
        reqwest::Method::GET,
        &items,
        None,
        &[("If-Modified-Since-Version", &v.to_string())],
    );
    assert_eq!(r.status(), 304);
    assert_eq!(version_of(r.headers()), v);
    let r = c.send(
        reqwest::Method::GET,
        &items,
        None,
        &[("If-Modified-Since-Version", "0")],
    );
    assert_eq!(r.status(), 200);
    let r = c.send(
        reqwest::Method::GET,
        &format!("{}/collections", c.lib()),
        None,
        &[("If-Modified-Since-Version", &v.to_string())],
    );
    assert_eq!(r.status(), 304);

    // 412 on a stale library version, with the current version.
    let r = c.post(
        &items,
        &json!([{"itemType": "book"}]),
        &[("If-Unmodified-Since-Version", "0")],
    );
    assert_eq!(r.status(), 412);
    assert_eq!(version_of(r.headers()), v);
    let (_, all) = c.get_json(&items);
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(1),
        "nothing written on 412"
    );
    let r = c.post(
        &items,
        &json!([{"itemType": "book"}]),
        &[("If-Unmodified-Since-Version", &v.to_string())],
    );
    assert_eq!(r.status(), 200);
    let v = version_of(r.headers());

    // Single object: 428 without a version, 412 when stale, 400 on mismatch.
    let one = format!("{items}/{key}");
    let r = c.send(
        reqwest::Method::PATCH,
        &one,
        Some(&json!({"title": "B"})),
        &[],
    );
    assert_eq!(r.status(), 428);
    let r = c.send(
        reqwest::Method::PATCH,
        &one,
        Some(&json!({"title": "B"})),
        &[("If-Unmodified-Since-Version", "0")],
    );
    assert_eq!(r.status(), 412);
    assert_eq!(version_of(r.headers()), 1, "412 names the object's version");
    let r = c.send(
        reqwest::Method::PATCH,
        &one,
        Some(&json!({"title": "B", "version": 1})),
        &[("If-Unmodified-Since-Version", "2")],
    );
    assert_eq!(r.status(), 400);
    let r = c.send(
        reqwest::Method::PATCH,
        &one,
        Some(&json!({"title": "B", "version": 1})),
        &[],
    );
    assert_eq!(r.status(), 204);
    assert_eq!(version_of(r.headers()), v + 1);
    let r = c.send(reqwest::Method::DELETE, &one, None, &[]);
    assert_eq!(r.status(), 428);
    let r = c.send(
        reqwest::Method::DELETE,
        &one,
        None,
        &[("If-Unmodified-Since-Version", "1")],
    );
    assert_eq!(r.status(), 412);
    assert!(header(r.headers(), "last-modified-version").is_some());
    let r = c.send(
        reqwest::Method::DELETE,
        &one,
        None,
        &[("If-Unmodified-Since-Version", &(v + 1).to_string())],
    );
    assert_eq!(r.status(), 204);
    assert_eq!(c.get(&one).status(), 404);
}
