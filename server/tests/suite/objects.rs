//! Collections, saved searches, settings and the `/deleted` feed.

use serde_json::json;

use crate::support::{Client, Deployment, version_of};

pub fn collections(d: &dyn Deployment) {
    let c = Client::new_user(d, "c1@example.org");
    let lib = c.lib();
    let colls = format!("{lib}/collections");
    let (_, rep) = c.write(
        &colls,
        &json!([
            {"key": "TAPP2222", "name": "Top"},
            {"key": "SUBB2222", "name": "Sub", "parentCollection": "TAPP2222"},
            {"key": "DEEP2222", "name": "Deep", "parentCollection": "SUBB2222"},
            {"name": "Orphan", "parentCollection": "NANE2222"},
            {"name": ""}
        ]),
    );
    assert_eq!(rep["success"].as_object().map(|m| m.len()), Some(3));
    assert_eq!(rep["failed"]["3"]["code"], 409);
    assert_eq!(rep["failed"]["4"]["code"], 400);
    let (_, cycle) = c.write(
        &colls,
        &json!([{"key": "TAPP2222", "version": 1, "parentCollection": "DEEP2222"}]),
    );
    assert_eq!(cycle["failed"]["0"]["code"], 400, "no cycles");

    c.write(
        &format!("{lib}/items"),
        &json!([{"key": "INSU2222", "itemType": "book", "title": "In sub", "collections": ["SUBB2222", "TAPP2222"]}]),
    );
    let (_, top) = c.get_json(&format!("{colls}/top"));
    assert_eq!(top.as_array().map(Vec::len), Some(1));
    assert_eq!(top[0]["meta"]["numCollections"], 1);
    assert_eq!(top[0]["meta"]["numItems"], 1);
    let (_, sub) = c.get_json(&format!("{colls}/TAPP2222/collections"));
    assert_eq!(sub[0]["key"], "SUBB2222");
    let (h, one) = c.get_json(&format!("{colls}/SUBB2222"));
    assert_eq!(one["data"]["parentCollection"], "TAPP2222");
    assert_eq!(version_of(&h), 1);
    let (_, some) = c.get_json(&format!(
        "{colls}?collectionKey=DEEP2222,SUBB2222&format=versions"
    ));
    assert_eq!(some.as_object().map(|m| m.len()), Some(2));

    let r = c.send(
        reqwest::Method::PUT,
        &format!("{colls}/SUBB2222"),
        Some(&json!({"name": "Renamed", "parentCollection": "TAPP2222", "version": 1})),
        &[],
    );
    assert_eq!(r.status(), 204);
    let v = version_of(r.headers());

    // Deleting a collection deletes the ones below it and takes items out.
    let r = c.send(
        reqwest::Method::DELETE,
        &format!("{colls}/SUBB2222"),
        None,
        &[("If-Unmodified-Since-Version", &v.to_string())],
    );
    assert_eq!(r.status(), 204);
    let v2 = version_of(r.headers());
    let (_, left) = c.get_json(&format!("{colls}?format=versions"));
    assert_eq!(left, json!({"TAPP2222": 1}));
    let (_, item) = c.get_json(&format!("{lib}/items/INSU2222"));
    assert_eq!(item["data"]["collections"], json!(["TAPP2222"]));
    assert_eq!(item["version"], v2, "the item changed too");
    let (_, deleted) = c.get_json(&format!("{lib}/deleted?since={v}"));
    let mut gone: Vec<&str> = deleted["collections"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|k| k.as_str())
        .collect();
    gone.sort_unstable();
    assert_eq!(gone, ["DEEP2222", "SUBB2222"]);
}

pub fn searches_and_settings(d: &dyn Deployment) {
    let c = Client::new_user(d, "s1@example.org");
    let lib = c.lib();
    let searches = format!("{lib}/searches");
    let (_, rep) = c.write(
        &searches,
        &json!([
            {"key": "SRCH2222", "name": "Unread", "conditions": [{"condition": "tag", "operator": "is", "value": "unread"}]},
            {"name": "Bad", "conditions": [{"condition": "title", "operator": "sortOf", "value": "x"}]}
        ]),
    );
    assert_eq!(rep["success"]["0"], "SRCH2222");
    assert_eq!(rep["failed"]["1"]["code"], 400);
    let (_, one) = c.get_json(&format!("{searches}/SRCH2222"));
    assert_eq!(one["data"]["conditions"][0]["value"], "unread");
    let r = c.send(
        reqwest::Method::PATCH,
        &format!("{searches}/SRCH2222"),
        Some(&json!({"name": "Still unread"})),
        &[("If-Unmodified-Since-Version", "1")],
    );
    assert_eq!(r.status(), 204);
    let (_, list) = c.get_json(&searches);
    assert_eq!(list[0]["data"]["name"], "Still unread");
    let r = c.send(
        reqwest::Method::DELETE,
        &format!("{searches}?searchKey=SRCH2222"),
        None,
        &[],
    );
    assert_eq!(r.status(), 204, "multi-delete needs no version");
    let (_, list) = c.get_json(&searches);
    assert_eq!(list, json!([]));

    let settings = format!("{lib}/settings");
    let r = c.post(
        &settings,
        &json!({"tagColors": {"value": [{"name": "red", "color": "#ff0000"}]}}),
        &[],
    );
    assert_eq!(r.status(), 204);
    let v = version_of(r.headers());
    let (_, all) = c.get_json(&settings);
    assert_eq!(all["tagColors"]["version"], v);
    assert_eq!(all["tagColors"]["value"][0]["name"], "red");
    let r = c.post(&settings, &json!({"tagColors": {"value": []}}), &[]);
    assert_eq!(r.status(), 428, "changing a setting needs a version");
    let r = c.send(
        reqwest::Method::PUT,
        &format!("{settings}/tagColors"),
        Some(&json!({"value": [], "version": v})),
        &[],
    );
    assert_eq!(r.status(), 204);
    let (_, one) = c.get_json(&format!("{settings}/tagColors"));
    assert_eq!(one["value"], json!([]));
    let r = c.send(
        reqwest::Method::DELETE,
        &format!("{settings}/tagColors"),
        None,
        &[("If-Unmodified-Since-Version", "0")],
    );
    assert_eq!(r.status(), 412);
    let current = version_of(c.get(&settings).headers()).to_string();
    let r = c.send(
        reqwest::Method::DELETE,
        &format!("{settings}/tagColors"),
        None,
        &[("If-Unmodified-Since-Version", &current)],
    );
    assert_eq!(r.status(), 204);
    assert_eq!(c.get(&format!("{settings}/tagColors")).status(), 404);
}

pub fn deleted_feed(d: &dyn Deployment) {
    let c = Client::new_user(d, "del@example.org");
    let lib = c.lib();
    c.write(
        &format!("{lib}/items"),
        &json!([
            {"key": "PARE2222", "itemType": "book", "title": "P", "tags": [{"tag": "old"}, {"tag": "keep"}]},
            {"key": "CHLD2222", "itemType": "note", "parentItem": "PARE2222", "note": "c"},
            {"key": "ATHR2222", "itemType": "book", "title": "O", "tags": [{"tag": "old"}]}
        ]),
    );
    c.write(
        &format!("{lib}/searches"),
        &json!([{"key": "SRCH3333", "name": "S", "conditions": []}]),
    );
    let v = version_of(c.get(&format!("{lib}/items")).headers());

    assert_eq!(
        c.get(&format!("{lib}/deleted")).status(),
        400,
        "since is required"
    );
    let (_, none) = c.get_json(&format!("{lib}/deleted?since={v}"));
    assert_eq!(
        none,
        json!({"collections": [], "searches": [], "items": [], "tags": [], "settings": []})
    );

    let r = c.send(
        reqwest::Method::DELETE,
        &format!("{lib}/tags?tag=old"),
        None,
        &[],
    );
    assert_eq!(r.status(), 204);
    let (_, other) = c.get_json(&format!("{lib}/items/ATHR2222"));
    assert_eq!(other["data"]["tags"], json!([]));
    let (_, parent) = c.get_json(&format!("{lib}/items/PARE2222"));
    assert_eq!(parent["data"]["tags"], json!([{"tag": "keep"}]));

    let r = c.send(
        reqwest::Method::DELETE,
        &format!("{lib}/items?itemKey=PARE2222"),
        None,
        &[("If-Unmodified-Since-Version", "0")],
    );
    assert_eq!(
        r.status(),
        412,
        "multi-delete checks the library version when given"
    );
    let r = c.send(
        reqwest::Method::DELETE,
        &format!("{lib}/items?itemKey=PARE2222"),
        None,
        &[],
    );
    assert_eq!(r.status(), 204);
    assert_eq!(
        c.get(&format!("{lib}/items/CHLD2222")).status(),
        404,
        "children go with the parent"
    );
    c.send(
        reqwest::Method::DELETE,
        &format!("{lib}/searches?searchKey=SRCH3333"),
        None,
        &[],
    );

    let (h, feed) = c.get_json(&format!("{lib}/deleted?since={v}"));
    let mut items: Vec<&str> = feed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|k| k.as_str())
        .collect();
    items.sort_unstable();
    assert_eq!(items, ["CHLD2222", "PARE2222"]);
    assert_eq!(feed["tags"], json!(["old"]));
    assert_eq!(feed["searches"], json!(["SRCH3333"]));
    let latest = version_of(&h);
    let (_, empty) = c.get_json(&format!("{lib}/deleted?since={latest}"));
    assert_eq!(empty["items"], json!([]));

    // Re-creating a deleted key removes it from the feed.
    c.write(
        &format!("{lib}/items"),
        &json!([{"key": "PARE2222", "itemType": "book"}]),
    );
    let (_, feed) = c.get_json(&format!("{lib}/deleted?since={v}"));
    assert_eq!(feed["items"], json!(["CHLD2222"]));
}
