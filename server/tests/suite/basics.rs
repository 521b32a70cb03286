//! Service-wide behaviour: headers, health, compression, schema endpoints,
//! body limits, `Expect: 100-continue`.

use std::io::{Read, Write};

use serde_json::{Value, json};

use crate::support::{Client, Deployment, header};

pub fn headers_health_and_gzip(d: &dyn Deployment) {
    let anon = Client::with_key(d, 0, None);
    let r = anon.get("/health");
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "zotero-api-version"), Some("3"));
    assert!(header(r.headers(), "zotero-schema-version").is_some());
    assert!(header(r.headers(), "x-request-id").is_some());

    // A client that never decompresses, whatever reqwest features the
    // workspace turns on, so the encoding header stays visible.
    let raw = reqwest::blocking::Client::builder()
        .no_gzip()
        .build()
        .expect("client");
    let gz = raw
        .get(format!("{}/schema", d.base_url()))
        .header("Accept-Encoding", "gzip")
        .send()
        .expect("GET /schema");
    assert_eq!(gz.status(), 200);
    assert_eq!(header(gz.headers(), "content-encoding"), Some("gzip"));

    let missing = anon.get("/no/such/path");
    assert_eq!(missing.status(), 404);
    assert!(header(missing.headers(), "content-type").is_some_and(|t| t.starts_with("text/plain")));
}

pub fn schema_endpoints(d: &dyn Deployment) {
    let anon = Client::with_key(d, 0, None);
    let (_, types) = anon.get_json("/itemTypes");
    assert!(
        types
            .as_array()
            .expect("array")
            .iter()
            .any(|t| t["itemType"] == "journalArticle" && t["localized"] == "Journal Article")
    );
    let (_, fields) = anon.get_json("/itemFields");
    assert!(
        fields
            .as_array()
            .expect("array")
            .iter()
            .any(|f| f["field"] == "DOI")
    );
    let (_, book_fields) = anon.get_json("/itemTypeFields?itemType=book");
    assert!(
        book_fields
            .as_array()
            .expect("array")
            .iter()
            .any(|f| f["field"] == "ISBN")
    );
    let (_, creators) = anon.get_json("/itemTypeCreatorTypes?itemType=book");
    assert_eq!(creators[0]["creatorType"], "author", "primary type first");
    let (_, cf) = anon.get_json("/creatorFields");
    assert_eq!(cf.as_array().map(Vec::len), Some(3));
    let (_, template) = anon.get_json("/items/new?itemType=book");
    assert_eq!(template["itemType"], "book");
    assert_eq!(template["title"], "");
    assert_eq!(template["creators"][0]["creatorType"], "author");
    let (_, att) = anon.get_json("/items/new?itemType=attachment&linkMode=imported_file");
    assert_eq!(att["md5"], Value::Null);
    let bad = anon.get("/itemTypeFields?itemType=spaceship");
    assert_eq!(bad.status(), 400);
    assert!(bad.text().expect("text").contains("spaceship"));
    let (_, schema) = anon.get_json("/schema");
    assert!(schema["itemTypes"].is_array());
}

pub fn body_limit(d: &dyn Deployment) {
    let c = Client::new_user(d, "big@example.org");
    let big = "x".repeat(5000);
    let r = c.post(
        &format!("{}/items", c.lib()),
        &json!([{"itemType": "book", "title": big}]),
        &[],
    );
    assert_eq!(r.status(), 413);
    let (_, items) = c.get_json(&format!("{}/items", c.lib()));
    assert_eq!(items, json!([]), "nothing stored");
    // The server keeps serving.
    let (v, _) = c.write(
        &format!("{}/items", c.lib()),
        &json!([{"itemType": "book", "title": "small"}]),
    );
    assert_eq!(v, 1);
}

pub fn expect_continue(d: &dyn Deployment) {
    let c = Client::new_user(d, "expect@example.org");
    let key = c.key.clone().expect("key");
    let addr = d.base_url().trim_start_matches("http://").to_owned();
    let body = json!([{"itemType": "book", "title": "Continued"}]).to_string();
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let head = format!(
        "POST {}/items HTTP/1.1\r\nHost: {addr}\r\nZotero-API-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        c.lib(),
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send head");
    let mut first = [0u8; 25];
    stream.read_exact(&mut first).expect("interim answer");
    assert!(String::from_utf8_lossy(&first).starts_with("HTTP/1.1 100 Continue"));
    stream.write_all(body.as_bytes()).expect("send body");
    let mut rest = String::new();
    stream.read_to_string(&mut rest).expect("answer");
    assert!(rest.contains("HTTP/1.1 200 OK"), "{rest}");
    assert!(rest.contains("\"success\""));
}

pub fn openapi_document(d: &dyn Deployment) {
    let anon = Client::with_key(d, 0, None);
    let (_, doc) = anon.get_json("/openapi.json");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], d.base_url());
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/users/{userID}/items"));
    assert!(paths["/groups/{groupID}/items"]["post"].is_object());
    assert!(paths["/users/{userID}/items/{itemKey}/file"]["get"]["responses"]["302"].is_object());
}

/// A server that is not under load sends no `Backoff`.
pub fn no_backoff_when_idle(d: &dyn Deployment) {
    let r = Client::with_key(d, 0, None).get("/itemTypes");
    assert!(r.headers().get("backoff").is_none());
}
