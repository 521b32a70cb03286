//! `GET /openapi.json`: an OpenAPI 3.1 description of the API this server
//! serves, built from one table of operations.

use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::plain_json;
use crate::app::AppState;

/// One operation: method, path (library paths start with `{lib}`), summary,
/// query parameters, and the success status.
struct Op {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    query: &'static [&'static str],
    ok: &'static str,
    tag: &'static str,
}

const LIST: &[&str] = &[
    "format",
    "limit",
    "start",
    "since",
    "itemKey",
    "itemType",
    "tag",
    "q",
    "qmode",
    "sort",
    "direction",
    "includeTrashed",
    "include",
    "content",
    "style",
    "locale",
    "linkwrap",
];
/// Tag listings: the tags' own filters, then those of the items whose tags
/// are listed.
const TAG_LIST: &[&str] = &[
    "format",
    "since",
    "q",
    "qmode",
    "sort",
    "direction",
    "limit",
    "start",
    "itemKey",
    "itemType",
    "itemQ",
    "itemQMode",
    "itemTag",
    "includeTrashed",
];
const OBJECT_LIST: &[&str] = &["format", "limit", "start", "since"];

const OPS: &[Op] = &[
    Op {
        method: "get",
        path: "/health",
        summary: "Service health",
        query: &[],
        ok: "200",
        tag: "service",
    },
    Op {
        method: "get",
        path: "/shelfmark/capabilities",
        summary: "Extensions this server offers",
        query: &[],
        ok: "200",
        tag: "service",
    },
    Op {
        method: "get",
        path: "/openapi.json",
        summary: "This document",
        query: &[],
        ok: "200",
        tag: "service",
    },
    Op {
        method: "post",
        path: "/keys",
        summary: "Sign in: create a key for a device from {username or email, password, name, access}",
        query: &[],
        ok: "201",
        tag: "keys",
    },
    Op {
        method: "get",
        path: "/keys/current",
        summary: "The presented key's user and access",
        query: &[],
        ok: "200",
        tag: "keys",
    },
    Op {
        method: "delete",
        path: "/keys/current",
        summary: "Revoke the presented key",
        query: &[],
        ok: "204",
        tag: "keys",
    },
    Op {
        method: "get",
        path: "/keys/{key}",
        summary: "A key's user and access",
        query: &[],
        ok: "200",
        tag: "keys",
    },
    Op {
        method: "delete",
        path: "/keys/{key}",
        summary: "Revoke a key",
        query: &[],
        ok: "204",
        tag: "keys",
    },
    Op {
        method: "get",
        path: "/users/{userID}/groups",
        summary: "Groups of a user",
        query: &["format", "limit", "start"],
        ok: "200",
        tag: "groups",
    },
    Op {
        method: "post",
        path: "/groups",
        summary: "Create a group (extension)",
        query: &[],
        ok: "201",
        tag: "groups",
    },
    Op {
        method: "get",
        path: "/groups/{groupID}",
        summary: "A group",
        query: &[],
        ok: "200",
        tag: "groups",
    },
    Op {
        method: "get",
        path: "/groups/{groupID}/members",
        summary: "Members of a group (extension)",
        query: &[],
        ok: "200",
        tag: "groups",
    },
    Op {
        method: "put",
        path: "/groups/{groupID}/members/{memberID}",
        summary: "Add a member or change their role (extension)",
        query: &[],
        ok: "204",
        tag: "groups",
    },
    Op {
        method: "delete",
        path: "/groups/{groupID}/members/{memberID}",
        summary: "Remove a member (extension)",
        query: &[],
        ok: "204",
        tag: "groups",
    },
    Op {
        method: "get",
        path: "/itemTypes",
        summary: "Item types",
        query: &[],
        ok: "200",
        tag: "schema",
    },
    Op {
        method: "get",
        path: "/itemFields",
        summary: "Item fields",
        query: &[],
        ok: "200",
        tag: "schema",
    },
    Op {
        method: "get",
        path: "/itemTypeFields",
        summary: "Fields of an item type",
        query: &["itemType"],
        ok: "200",
        tag: "schema",
    },
    Op {
        method: "get",
        path: "/itemTypeCreatorTypes",
        summary: "Creator types of an item type",
        query: &["itemType"],
        ok: "200",
        tag: "schema",
    },
    Op {
        method: "get",
        path: "/creatorFields",
        summary: "Creator name fields",
        query: &[],
        ok: "200",
        tag: "schema",
    },
    Op {
        method: "get",
        path: "/items/new",
        summary: "Template of a new item",
        query: &["itemType", "linkMode"],
        ok: "200",
        tag: "schema",
    },
    Op {
        method: "get",
        path: "/schema",
        summary: "The item schema",
        query: &[],
        ok: "200",
        tag: "schema",
    },
    Op {
        method: "get",
        path: "{lib}/items",
        summary: "Items",
        query: LIST,
        ok: "200",
        tag: "items",
    },
    Op {
        method: "post",
        path: "{lib}/items",
        summary: "Create or update up to 50 items (write report)",
        query: &[],
        ok: "200",
        tag: "items",
    },
    Op {
        method: "delete",
        path: "{lib}/items",
        summary: "Delete up to 50 items (itemKey=)",
        query: &["itemKey"],
        ok: "204",
        tag: "items",
    },
    Op {
        method: "get",
        path: "{lib}/items/top",
        summary: "Top-level items",
        query: LIST,
        ok: "200",
        tag: "items",
    },
    Op {
        method: "get",
        path: "{lib}/items/trash",
        summary: "Items in the trash",
        query: LIST,
        ok: "200",
        tag: "items",
    },
    Op {
        method: "get",
        path: "{lib}/items/{itemKey}",
        summary: "An item",
        query: &[],
        ok: "200",
        tag: "items",
    },
    Op {
        method: "put",
        path: "{lib}/items/{itemKey}",
        summary: "Replace an item",
        query: &[],
        ok: "204",
        tag: "items",
    },
    Op {
        method: "patch",
        path: "{lib}/items/{itemKey}",
        summary: "Change some properties of an item",
        query: &[],
        ok: "204",
        tag: "items",
    },
    Op {
        method: "delete",
        path: "{lib}/items/{itemKey}",
        summary: "Delete an item",
        query: &[],
        ok: "204",
        tag: "items",
    },
    Op {
        method: "get",
        path: "{lib}/items/{itemKey}/children",
        summary: "Child items",
        query: LIST,
        ok: "200",
        tag: "items",
    },
    Op {
        method: "get",
        path: "{lib}/items/{itemKey}/file",
        summary: "Download an attachment's file (302 with Zotero-File-* headers)",
        query: &[],
        ok: "302",
        tag: "files",
    },
    Op {
        method: "post",
        path: "{lib}/items/{itemKey}/file",
        summary: "Authorise an upload (md5, filename, filesize, mtime[, params]) or register one (upload=)",
        query: &[],
        ok: "200",
        tag: "files",
    },
    Op {
        method: "post",
        path: "/uploads/{uploadKey}",
        summary: "Upload a file's bytes (raw or multipart `file`)",
        query: &[],
        ok: "201",
        tag: "files",
    },
    Op {
        method: "get",
        path: "/downloads/{token}",
        summary: "A file's bytes (Range supported)",
        query: &[],
        ok: "200",
        tag: "files",
    },
    Op {
        method: "get",
        path: "{lib}/collections",
        summary: "Collections",
        query: OBJECT_LIST,
        ok: "200",
        tag: "collections",
    },
    Op {
        method: "post",
        path: "{lib}/collections",
        summary: "Create or update up to 50 collections",
        query: &[],
        ok: "200",
        tag: "collections",
    },
    Op {
        method: "delete",
        path: "{lib}/collections",
        summary: "Delete up to 50 collections (collectionKey=)",
        query: &["collectionKey"],
        ok: "204",
        tag: "collections",
    },
    Op {
        method: "get",
        path: "{lib}/collections/top",
        summary: "Top-level collections",
        query: OBJECT_LIST,
        ok: "200",
        tag: "collections",
    },
    Op {
        method: "get",
        path: "{lib}/collections/{collectionKey}",
        summary: "A collection",
        query: &[],
        ok: "200",
        tag: "collections",
    },
    Op {
        method: "put",
        path: "{lib}/collections/{collectionKey}",
        summary: "Replace a collection",
        query: &[],
        ok: "204",
        tag: "collections",
    },
    Op {
        method: "patch",
        path: "{lib}/collections/{collectionKey}",
        summary: "Change a collection",
        query: &[],
        ok: "204",
        tag: "collections",
    },
    Op {
        method: "delete",
        path: "{lib}/collections/{collectionKey}",
        summary: "Delete a collection and those below it",
        query: &[],
        ok: "204",
        tag: "collections",
    },
    Op {
        method: "get",
        path: "{lib}/collections/{collectionKey}/collections",
        summary: "Sub-collections",
        query: OBJECT_LIST,
        ok: "200",
        tag: "collections",
    },
    Op {
        method: "get",
        path: "{lib}/collections/{collectionKey}/items",
        summary: "Items in a collection",
        query: LIST,
        ok: "200",
        tag: "collections",
    },
    Op {
        method: "get",
        path: "{lib}/collections/{collectionKey}/items/top",
        summary: "Top-level items in a collection",
        query: LIST,
        ok: "200",
        tag: "collections",
    },
    Op {
        method: "get",
        path: "{lib}/searches",
        summary: "Saved searches",
        query: OBJECT_LIST,
        ok: "200",
        tag: "searches",
    },
    Op {
        method: "post",
        path: "{lib}/searches",
        summary: "Create or update up to 50 saved searches",
        query: &[],
        ok: "200",
        tag: "searches",
    },
    Op {
        method: "delete",
        path: "{lib}/searches",
        summary: "Delete saved searches (searchKey=)",
        query: &["searchKey"],
        ok: "204",
        tag: "searches",
    },
    Op {
        method: "get",
        path: "{lib}/searches/{searchKey}",
        summary: "A saved search",
        query: &[],
        ok: "200",
        tag: "searches",
    },
    Op {
        method: "put",
        path: "{lib}/searches/{searchKey}",
        summary: "Replace a saved search",
        query: &[],
        ok: "204",
        tag: "searches",
    },
    Op {
        method: "patch",
        path: "{lib}/searches/{searchKey}",
        summary: "Change a saved search",
        query: &[],
        ok: "204",
        tag: "searches",
    },
    Op {
        method: "delete",
        path: "{lib}/searches/{searchKey}",
        summary: "Delete a saved search",
        query: &[],
        ok: "204",
        tag: "searches",
    },
    Op {
        method: "get",
        path: "{lib}/tags",
        summary: "Tags in use",
        query: TAG_LIST,
        ok: "200",
        tag: "tags",
    },
    Op {
        method: "get",
        path: "{lib}/items/tags",
        summary: "Tags on items",
        query: TAG_LIST,
        ok: "200",
        tag: "tags",
    },
    Op {
        method: "get",
        path: "{lib}/items/top/tags",
        summary: "Tags on top-level items",
        query: TAG_LIST,
        ok: "200",
        tag: "tags",
    },
    Op {
        method: "get",
        path: "{lib}/items/trash/tags",
        summary: "Tags on items in the trash",
        query: TAG_LIST,
        ok: "200",
        tag: "tags",
    },
    Op {
        method: "get",
        path: "{lib}/items/{itemKey}/tags",
        summary: "Tags of an item",
        query: TAG_LIST,
        ok: "200",
        tag: "tags",
    },
    Op {
        method: "get",
        path: "{lib}/collections/{collectionKey}/tags",
        summary: "Tags on a collection's items",
        query: TAG_LIST,
        ok: "200",
        tag: "tags",
    },
    Op {
        method: "get",
        path: "{lib}/collections/{collectionKey}/items/tags",
        summary: "Tags on a collection's items",
        query: TAG_LIST,
        ok: "200",
        tag: "tags",
    },
    Op {
        method: "get",
        path: "{lib}/collections/{collectionKey}/items/top/tags",
        summary: "Tags on a collection's top-level items",
        query: TAG_LIST,
        ok: "200",
        tag: "tags",
    },
    Op {
        method: "get",
        path: "{lib}/tags/{tag}",
        summary: "Tags of every type with this name",
        query: &["format"],
        ok: "200",
        tag: "tags",
    },
    Op {
        method: "delete",
        path: "{lib}/tags",
        summary: "Remove tags from every item (tag=a || b)",
        query: &["tag"],
        ok: "204",
        tag: "tags",
    },
    Op {
        method: "get",
        path: "{lib}/settings",
        summary: "Settings",
        query: &["since"],
        ok: "200",
        tag: "settings",
    },
    Op {
        method: "post",
        path: "{lib}/settings",
        summary: "Write settings",
        query: &[],
        ok: "204",
        tag: "settings",
    },
    Op {
        method: "get",
        path: "{lib}/settings/{settingKey}",
        summary: "A setting",
        query: &[],
        ok: "200",
        tag: "settings",
    },
    Op {
        method: "put",
        path: "{lib}/settings/{settingKey}",
        summary: "Write a setting",
        query: &[],
        ok: "204",
        tag: "settings",
    },
    Op {
        method: "delete",
        path: "{lib}/settings/{settingKey}",
        summary: "Delete a setting",
        query: &[],
        ok: "204",
        tag: "settings",
    },
    Op {
        method: "get",
        path: "{lib}/fulltext",
        summary: "Items whose full text changed since a version",
        query: &["since"],
        ok: "200",
        tag: "fulltext",
    },
    Op {
        method: "post",
        path: "{lib}/fulltext",
        summary: "Set the full text of up to 10 items (write report)",
        query: &[],
        ok: "200",
        tag: "fulltext",
    },
    Op {
        method: "get",
        path: "{lib}/items/{itemKey}/fulltext",
        summary: "An attachment's full text",
        query: &[],
        ok: "200",
        tag: "fulltext",
    },
    Op {
        method: "put",
        path: "{lib}/items/{itemKey}/fulltext",
        summary: "Set an attachment's full text",
        query: &[],
        ok: "204",
        tag: "fulltext",
    },
    Op {
        method: "get",
        path: "{lib}/deleted",
        summary: "Keys deleted since a version",
        query: &["since"],
        ok: "200",
        tag: "sync",
    },
];

fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
        })
        .collect()
}

fn operation(op: &Op, path: &str) -> Value {
    let mut params = path_params(path);
    for q in op.query {
        params.push(
            json!({"name": q, "in": "query", "required": false, "schema": {"type": "string"}}),
        );
    }
    let writes = op.method != "get";
    let library_write = (path.starts_with("/users/") || path.starts_with("/groups/{groupID}/"))
        && !path.contains("/members");
    if writes && library_write {
        params.push(json!({
            "name": "If-Unmodified-Since-Version", "in": "header", "required": false,
            "schema": {"type": "integer"},
        }));
    }
    if op.method == "get" && op.query.contains(&"since") {
        params.push(json!({
            "name": "If-Modified-Since-Version", "in": "header", "required": false,
            "schema": {"type": "integer"},
        }));
    }
    let mut responses = Map::new();
    responses.insert(op.ok.into(), json!({"description": "Success"}));
    for (code, what) in [
        (
            "400",
            "Invalid input (plain-text message naming the problem)",
        ),
        ("403", "No access, invalid key or write access denied"),
        ("404", "Not found"),
    ] {
        responses.insert(code.into(), json!({"description": what}));
    }
    if writes {
        responses.insert("412".into(), json!({"description": "Modified since the given version; Last-Modified-Version tells the current one"}));
        responses.insert(
            "428".into(),
            json!({"description": "A version precondition is required"}),
        );
    }
    json!({
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": responses,
    })
}

/// The OpenAPI document.
pub fn document(public_url: &str) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for op in OPS {
        let concrete: Vec<String> = match op.path.strip_prefix("{lib}") {
            Some(rest) => vec![
                format!("/users/{{userID}}{rest}"),
                format!("/groups/{{groupID}}{rest}"),
            ],
            None => vec![op.path.to_owned()],
        };
        for path in concrete {
            let entry = paths.entry(path.clone()).or_insert_with(|| json!({}));
            if let Value::Object(methods) = entry {
                methods.insert(op.method.into(), operation(op, &path));
            }
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Shelfmark server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The Zotero Web API v3 as served by Shelfmark, with the extensions listed at /shelfmark/capabilities. Requests carry `Zotero-API-Key: <key>` or `Authorization: Bearer <key>`; error bodies are plain text.",
        },
        "servers": [{"url": public_url}],
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "Zotero-API-Key"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"apiKey": []}, {"bearer": []}],
        "paths": paths,
    })
}

/// `GET /openapi.json`.
pub async fn openapi(State(state): State<AppState>) -> Response {
    plain_json(&document(&state.config.public_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_routes_appear_for_users_and_groups() {
        let doc = document("http://h");
        let paths = doc["paths"].as_object().expect("paths");
        for p in [
            "/users/{userID}/items/{itemKey}",
            "/groups/{groupID}/deleted",
            "/keys/current",
            "/keys",
            "/users/{userID}/tags/{tag}",
            "/groups/{groupID}/collections/{collectionKey}/items/top/tags",
        ] {
            assert!(paths.contains_key(p), "{p}");
        }
        let patch = &paths["/users/{userID}/items/{itemKey}"]["patch"];
        assert!(patch["responses"]["412"].is_object());
        let params: Vec<&str> = patch["parameters"]
            .as_array()
            .expect("params")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(params.contains(&"itemKey"));
        assert!(params.contains(&"If-Unmodified-Since-Version"));
    }
}
