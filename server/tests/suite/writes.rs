//! Write reports with per-object codes, single-object writes, write tokens.

use serde_json::{Value, json};

use crate::support::{Client, Deployment, version_of};

pub fn reports(d: &dyn Deployment) {
    let c = Client::new_user(d, "w1@example.org");
    let items = format!("{}/items", c.lib());
    let (_, first) = c.write(
        &items,
        &json!([{"key": "AAAA2222", "itemType": "book", "title": "Kept"}]),
    );
    assert_eq!(first["success"]["0"], "AAAA2222");
    let long = "x".repeat(70_000);
    let (v, rep) = c.write(
        &items,
        &json!([
            {"itemType": "book", "title": "New"},
            {"key": "AAAA2222", "version": 1, "title": "Kept"},
            {"itemType": "book", "notAField": "x"},
            {"key": "AAAA2222", "version": 0, "title": "Again"},
            {"key": "BBBB3333", "version": 7, "itemType": "book"},
            {"key": "AAAA2222", "title": "No version"},
            {"itemType": "note", "parentItem": "CCCC4444", "note": "orphan"},
            {"itemType": "book", "title": long},
            {"itemType": "book", "collections": ["DDDD5555"]},
            "not an object"
        ]),
    );
    assert_eq!(v, 2);
    let new_key = rep["success"]["0"].as_str().expect("key");
    assert_eq!(rep["successful"]["0"]["key"], new_key);
    assert_eq!(rep["successful"]["0"]["data"]["title"], "New");
    assert_eq!(rep["unchanged"], json!({"1": "AAAA2222"}));
    let code = |i: &str| rep["failed"][i]["code"].as_u64().unwrap_or(0);
    assert_eq!(code("2"), 400);
    assert!(
        rep["failed"]["2"]["message"]
            .as_str()
            .expect("msg")
            .contains("notAField")
    );
    assert!(rep["failed"]["2"].get("key").is_none(), "no key was sent");
    assert_eq!(code("3"), 412);
    assert_eq!(rep["failed"]["3"]["key"], "AAAA2222");
    assert_eq!(code("4"), 404);
    assert_eq!(code("5"), 428);
    assert_eq!(code("6"), 409);
    assert_eq!(code("7"), 413);
    assert!(
        rep["failed"]["7"]["message"]
            .as_str()
            .expect("msg")
            .contains("title")
    );
    assert_eq!(code("8"), 409);
    assert_eq!(code("9"), 400);
    let (_, all) = c.get_json(&format!("{items}?format=versions"));
    assert_eq!(
        all.as_object().map(|m| m.len()),
        Some(2),
        "only the good object was added"
    );

    // POST of an existing key merges like PATCH.
    let (_, rep) = c.write(
        &items,
        &json!([{"key": "AAAA2222", "version": 1, "publisher": "P"}]),
    );
    assert_eq!(rep["successful"]["0"]["data"]["title"], "Kept");
    assert_eq!(rep["successful"]["0"]["data"]["publisher"], "P");

    // Whole-request errors.
    let too_many: Vec<Value> = (0..51).map(|_| json!({"itemType": "book"})).collect();
    assert_eq!(c.post(&items, &Value::Array(too_many), &[]).status(), 413);
    let r = c
        .req(reqwest::Method::POST, &items)
        .body("{not json")
        .send()
        .expect("POST");
    assert_eq!(r.status(), 400);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/plain")
    );
    assert_eq!(
        c.post(&items, &json!({"itemType": "book"}), &[]).status(),
        400,
        "not an array"
    );
}

pub fn single_object(d: &dyn Deployment) {
    let c = Client::new_user(d, "w2@example.org");
    let items = format!("{}/items", c.lib());
    let (v, _) = c.write(
        &items,
        &json!([{"key": "EEEE6666", "itemType": "book", "title": "T", "publisher": "P", "tags": [{"tag": "a"}]}]),
    );
    let one = format!("{items}/EEEE6666");
    let vs = v.to_string();

    let r = c.send(
        reqwest::Method::PATCH,
        &one,
        Some(&json!({"title": "T2"})),
        &[("If-Unmodified-Since-Version", &vs)],
    );
    assert_eq!(r.status(), 204);
    let v = version_of(r.headers());
    let (h, item) = c.get_json(&one);
    assert_eq!(version_of(&h), v);
    assert_eq!(item["data"]["title"], "T2");
    assert_eq!(item["data"]["publisher"], "P", "PATCH keeps omitted fields");
    assert_eq!(item["data"]["tags"], json!([{"tag": "a"}]));

    let r = c.send(
        reqwest::Method::PUT,
        &one,
        Some(&json!({"itemType": "book", "title": "T3", "version": v})),
        &[],
    );
    assert_eq!(r.status(), 204);
    let (_, item) = c.get_json(&one);
    assert_eq!(item["data"]["title"], "T3");
    assert!(item["data"].get("publisher").is_none(), "PUT replaces");
    assert_eq!(item["data"]["tags"], json!([]));

    // PUT creates a missing object; PATCH needs version 0 for that.
    let r = c.send(
        reqwest::Method::PUT,
        &format!("{items}/FFFF7777"),
        Some(&json!({"itemType": "note", "note": "n"})),
        &[],
    );
    assert_eq!(r.status(), 204);
    let r = c.send(
        reqwest::Method::PATCH,
        &format!("{items}/GGGG8888"),
        Some(&json!({"itemType": "book"})),
        &[("If-Unmodified-Since-Version", "5")],
    );
    assert_eq!(r.status(), 404);
    let r = c.send(
        reqwest::Method::PATCH,
        &format!("{items}/GGGG8888"),
        Some(&json!({"itemType": "book", "version": 0})),
        &[],
    );
    assert_eq!(r.status(), 204);

    // Validation of single objects names the field.
    let (h, _) = c.get_json(&one);
    let r = c.send(
        reqwest::Method::PATCH,
        &one,
        Some(&json!({"issue": "3"})),
        &[("If-Unmodified-Since-Version", &version_of(&h).to_string())],
    );
    assert_eq!(r.status(), 400, "books have no issue field");
    assert!(r.text().expect("text").contains("issue"));
}

pub fn write_token(d: &dyn Deployment) {
    let c = Client::new_user(d, "w3@example.org");
    let items = format!("{}/items", c.lib());
    let token = [("Zotero-Write-Token", "0123456789abcdef0123456789abcdef")];
    let r = c.post(&items, &json!([{"itemType": "book"}]), &token);
    assert_eq!(r.status(), 200);
    let r = c.post(&items, &json!([{"itemType": "book"}]), &token);
    assert_eq!(r.status(), 412, "a write token works once");
    assert!(r.headers().get("last-modified-version").is_some());
    let (_, all) = c.get_json(&format!("{items}?format=versions"));
    assert_eq!(all.as_object().map(|m| m.len()), Some(1));
    let r = c.post(
        &items,
        &json!([{"itemType": "book"}]),
        &[("Zotero-Write-Token", "fedcba9876543210fedcba9876543210")],
    );
    assert_eq!(r.status(), 200);
}

/// Concurrent writers to one library: every write gets its own version and
/// nothing is lost.
pub fn concurrent_writes(d: &dyn Deployment) {
    let c = Client::new_user(d, "w4@example.org");
    let items = format!("{}/items", c.lib());
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let c = c.clone();
            let items = items.clone();
            std::thread::spawn(move || {
                (0..5)
                    .map(|i| {
                        let (v, rep) = c.write(
                            &items,
                            &json!([{"itemType": "book", "title": format!("t{t} i{i}")}]),
                        );
                        assert_eq!(rep["success"].as_object().map(|m| m.len()), Some(1));
                        v
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut versions: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("writer thread"))
        .collect();
    versions.sort_unstable();
    assert_eq!(
        versions,
        (1..=40).collect::<Vec<u64>>(),
        "one version per write"
    );
    let (_, all) = c.get_json(&format!("{items}?format=versions"));
    assert_eq!(all.as_object().map(|m| m.len()), Some(40));
}
