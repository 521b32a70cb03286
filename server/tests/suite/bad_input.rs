//! Bad input: the documented status, a plain-text message naming the
//! problem, nothing stored, and the server keeps serving.

use serde_json::{Value, json};

use crate::support::{Client, Deployment, header};

pub fn refused_cleanly(d: &dyn Deployment) {
    let c = Client::new_user(d, "bad@example.org");
    let lib = c.lib();
    let items = format!("{lib}/items");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "creators",
            json!([{"itemType": "book", "creators": "Ada"}]),
            "creators",
        ),
        (
            "tags",
            json!([{"itemType": "book", "tags": [{"tag": 5}]}]),
            "tags",
        ),
        ("itemType", json!([{"title": "no type"}]), "itemType"),
        (
            "key",
            json!([{"itemType": "book", "key": "lower123"}]),
            "lower123",
        ),
        (
            "date",
            json!([{"itemType": "book", "dateAdded": "yesterday"}]),
            "dateAdded",
        ),
        (
            "parent",
            json!([{"itemType": "book", "parentItem": "ABCD2345"}]),
            "parentItem",
        ),
        (
            "creator type",
            json!([{"itemType": "book", "creators": [{"creatorType": "composer", "name": "X"}]}]),
            "composer",
        ),
        (
            "collection field",
            json!([{"itemType": "book", "collections": "ABCD2345"}]),
            "collections",
        ),
    ];
    for (what, body, named) in cases {
        let (_, rep) = c.write(&items, &body);
        let failure = &rep["failed"]["0"];
        assert_eq!(failure["code"], 400, "{what}: {rep}");
        let message = failure["message"].as_str().expect("message");
        assert!(
            message.contains(named),
            "{what}: message {message:?} names {named:?}"
        );
    }
    let (_, all) = c.get_json(&format!("{items}?format=versions"));
    assert_eq!(all, json!({}), "nothing stored");

    for (body, status) in [
        ("", 400),
        ("[", 400),
        ("{\"itemType\": \"book\"}", 400),
        ("[1, 2]", 200),
    ] {
        let r = c
            .req(reqwest::Method::POST, &items)
            .body(body)
            .send()
            .expect("POST");
        assert_eq!(r.status(), status, "body {body:?}");
        if status == 400 {
            assert!(
                header(r.headers(), "content-type").is_some_and(|t| t.starts_with("text/plain"))
            );
        }
    }
    let r = c.send(
        reqwest::Method::PATCH,
        &format!("{items}/ABCD2345"),
        Some(&json!([1])),
        &[],
    );
    assert_eq!(r.status(), 400);
    let r = c.get(&format!("{items}?limit=ten"));
    assert_eq!(r.status(), 400);
    assert!(r.text().expect("text").contains("limit"));
    let r = c.get(&format!("{items}?include=mods"));
    assert_eq!(r.status(), 400);
    assert!(r.text().expect("text").contains("'mods'"));
    assert_eq!(c.get(&format!("{items}?include=data")).status(), 200);
    let r = c.get(&format!(
        "{items}?itemKey={}",
        vec!["ABCD2345"; 51].join(",")
    ));
    assert_eq!(r.status(), 400, "at most 50 keys");
    let r = c.get(&format!("{lib}/collections/not-a-key"));
    assert_eq!(r.status(), 404);
    let r = c.post(
        &format!("{lib}/settings"),
        &json!({"bad name!": {"value": 1}}),
        &[],
    );
    assert_eq!(r.status(), 400);
    let r = c.post(
        &format!("{lib}/settings"),
        &json!({"tagColors": {"novalue": 1}}),
        &[],
    );
    assert_eq!(r.status(), 400);

    // Still serving, still empty.
    let (_, all) = c.get_json(&format!("{items}?format=versions"));
    assert_eq!(all, json!({}));
}
