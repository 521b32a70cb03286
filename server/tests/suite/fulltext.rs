//! Full-text content: single and batch writes, versions, search.

use serde_json::json;

use crate::support::{Client, Deployment, version_of};

pub fn fulltext(d: &dyn Deployment) {
    let c = Client::new_user(d, "ft@example.org");
    let lib = c.lib();
    c.write(
        &format!("{lib}/items"),
        &json!([
            {"key": "BKKK2222", "itemType": "book", "title": "A Book"},
            {"key": "PDFA2222", "itemType": "attachment", "linkMode": "imported_file", "parentItem": "BKKK2222", "title": "PDF"},
            {"key": "PDFB2222", "itemType": "attachment", "linkMode": "imported_file", "title": "Other"}
        ]),
    );
    assert_eq!(
        c.get(&format!("{lib}/items/PDFA2222/fulltext")).status(),
        404
    );
    let r = c.send(
        reqwest::Method::PUT,
        &format!("{lib}/items/PDFA2222/fulltext"),
        Some(&json!({"content": "The quick zymurgy fox", "indexedPages": 1, "totalPages": 2})),
        &[],
    );
    assert_eq!(r.status(), 204);
    let v = version_of(r.headers());
    let (h, text) = c.get_json(&format!("{lib}/items/PDFA2222/fulltext"));
    assert_eq!(version_of(&h), v);
    assert_eq!(
        text,
        json!({"content": "The quick zymurgy fox", "indexedPages": 1, "totalPages": 2})
    );
    let (_, versions) = c.get_json(&format!("{lib}/fulltext?since=0"));
    assert_eq!(versions, json!({"PDFA2222": v}));
    let (_, none) = c.get_json(&format!("{lib}/fulltext?since={v}"));
    assert_eq!(none, json!({}));

    // Bad input.
    let r = c.send(
        reqwest::Method::PUT,
        &format!("{lib}/items/BKKK2222/fulltext"),
        Some(&json!({"content": "x"})),
        &[],
    );
    assert_eq!(r.status(), 400, "only attachments have full text");
    let r = c.send(
        reqwest::Method::PUT,
        &format!("{lib}/items/PDFA2222/fulltext"),
        Some(&json!({"content": 3})),
        &[],
    );
    assert_eq!(r.status(), 400);
    let r = c.send(
        reqwest::Method::PUT,
        &format!("{lib}/items/ZZZZ2222/fulltext"),
        Some(&json!({"content": "x"})),
        &[],
    );
    assert_eq!(r.status(), 404);

    // Search everything finds the text, on the attachment and its parent.
    let (_, found) = c.get_json(&format!(
        "{lib}/items?q=zymurgy&qmode=everything&format=versions"
    ));
    let mut keys: Vec<&String> = found.as_object().expect("map").keys().collect();
    keys.sort();
    assert_eq!(keys, ["BKKK2222", "PDFA2222"]);
    let (_, quick) = c.get_json(&format!("{lib}/items?q=zymurgy&format=versions"));
    assert_eq!(quick, json!({}));

    // Batch: needs the library version; reports per object.
    let batch = json!([
        {"key": "PDFB2222", "content": "second", "indexedChars": 6, "totalChars": 6},
        {"key": "BKKK2222", "content": "x"},
        {"content": "no key"}
    ]);
    assert_eq!(
        c.post(&format!("{lib}/fulltext"), &batch, &[]).status(),
        428
    );
    assert_eq!(
        c.post(
            &format!("{lib}/fulltext"),
            &batch,
            &[("If-Unmodified-Since-Version", "0")]
        )
        .status(),
        412
    );
    let r = c.post(
        &format!("{lib}/fulltext"),
        &batch,
        &[("If-Unmodified-Since-Version", &v.to_string())],
    );
    assert_eq!(r.status(), 200);
    let report: serde_json::Value = r.json().expect("report");
    assert_eq!(report["success"]["0"], "PDFB2222");
    assert_eq!(report["failed"]["1"]["code"], 400);
    assert_eq!(report["failed"]["2"]["code"], 400);
    let (_, versions) = c.get_json(&format!("{lib}/fulltext?since={v}"));
    assert_eq!(versions, json!({"PDFB2222": v + 1}));
}
