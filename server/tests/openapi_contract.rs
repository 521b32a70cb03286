//! `/openapi.json` against the router: every route served is documented,
//! every documented path is served, and each path answers exactly the
//! methods the document lists (any other gets 405). What the operations
//! answer is held to the document by the schemathesis run in
//! `cargo xtask test` (`cargo xtask fuzz-api`).

mod support;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::Value;
use support::{Deployment, Server};

/// `/users/{lib}/items/{key}` and `/users/{userID}/items/{itemKey}` → `/users/{}/items/{}`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// A concrete URL path for a documented path.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{userID}" | "{groupID}" | "{memberID}" => "1",
            "{itemKey}" | "{collectionKey}" | "{searchKey}" => "ABCD2345",
            s if s.starts_with('{') => "name",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn document(server: &Server) -> Value {
    let doc: Value = reqwest::blocking::get(format!("{}/openapi.json", server.base_url()))
        .expect("GET /openapi.json")
        .json()
        .expect("JSON document");
    assert_eq!(doc["openapi"], "3.1.0");
    doc
}

fn documented(server: &Server) -> BTreeMap<String, BTreeSet<String>> {
    document(server)["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, ops)| {
            let methods = ops
                .as_object()
                .expect("operations")
                .keys()
                .cloned()
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

#[test]
fn the_document_lists_exactly_the_routes_served() {
    let server = Server::start();
    let documented = documented(&server);
    let served: BTreeSet<String> = shelfmark_server::app::api_route_paths()
        .iter()
        .map(|p| shape(p))
        .collect();
    let in_document: BTreeSet<String> = documented.keys().map(|p| shape(p)).collect();
    let undocumented: Vec<&String> = served.difference(&in_document).collect();
    let unserved: Vec<&String> = in_document.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in /openapi.json: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "in /openapi.json but not served: {unserved:?}"
    );
}

#[test]
fn each_path_answers_exactly_the_documented_methods() {
    let server = Server::start();
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let mut wrong = Vec::new();
    for (path, methods) in documented(&server) {
        let url = format!("{}{}", server.base_url(), concrete(&path));
        for method in ["get", "post", "put", "patch", "delete"] {
            // Without a key: nothing is changed, and routing comes first.
            let status = http
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"),
                    &url,
                )
                .send()
                .expect("request")
                .status()
                .as_u16();
            let listed = methods.contains(method);
            if listed == (status == 405) {
                wrong.push(format!("{method} {path}: {status} (documented: {listed})"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "methods differ from the document: {wrong:#?}"
    );
}

/// The fuzz run (xtask/src/api_fuzz.rs) keeps its key alive by leaving out
/// the key deletions by these operation ids.
#[test]
fn key_deletions_have_the_operation_ids_the_fuzz_run_leaves_out() {
    let server = Server::start();
    let doc = document(&server);
    assert_eq!(
        doc["paths"]["/keys/current"]["delete"]["operationId"],
        "delete-keys-current"
    );
    assert_eq!(
        doc["paths"]["/keys/{key}"]["delete"]["operationId"],
        "delete-keys-key"
    );
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|ops| ops.as_object().expect("operations").values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "operation ids are unique");
}
