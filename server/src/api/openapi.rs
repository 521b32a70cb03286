//! `GET /openapi.json`: the OpenAPI 3.1 contract of the API, built from the
//! table of operations in [`operations`] and the wire schemas in [`schemas`].
//!
//! The document is assembled as JSON rather than derived from Rust types
//! (e.g. with `utoipa`): the handlers write their answers as JSON values
//! and, on the sync path, as bytes around stored item JSON, so there are no
//! response structs to derive from, and parallel structs made only for the
//! document would drift just the same. What keeps it true instead:
//! `tests/openapi_contract.rs` checks that the router serves exactly the
//! operations listed, and `cargo xtask test` fuzzes a real server against
//! the document with schemathesis (statuses, content types and bodies).

mod operations;
mod schemas;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};

use self::operations::{Answer, Body, Caller, OPS, Op};
use self::schemas::schema_ref;
use super::plain_json;
use crate::app::AppState;

pub use self::schemas::OBJECT_KEY_PATTERN;

const ITEM_FORMATS: &[&str] = &[
    "json", "atom", "keys", "versions", "bib", "bibtex", "biblatex", "csljson", "ris", "refer",
];
const OBJECT_FORMATS: &[&str] = &["json", "keys", "versions"];
/// Media types of the export formats, as `format=` names them.
const EXPORT_TYPES: &[&str] = &[
    "application/x-bibtex",
    "application/x-research-info-systems",
    "application/x-refer",
];
const CSL_JSON_TYPE: &str = "application/vnd.citationstyles.csl+json";

fn number() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": super::MAX_NUMBER})
}

fn object_key() -> Value {
    schema_ref("ObjectKey")
}

fn text() -> Value {
    json!({"type": "string"})
}

/// A query parameter by the name the operation table uses: its wire name,
/// schema, whether it is required, and what it does.
fn query_parameter(id: &str) -> (&'static str, Value, bool, &'static str) {
    let keys = "Comma-separated object keys (at most 50)";
    match id {
        "format" => (
            "format",
            json!({"enum": ITEM_FORMATS}),
            false,
            "The answer's format (default `json`, or `atom` when `content` is given)",
        ),
        "objectFormat" => (
            "format",
            json!({"enum": OBJECT_FORMATS}),
            false,
            "The answer's format",
        ),
        "groupFormat" => (
            "format",
            json!({"enum": OBJECT_FORMATS}),
            false,
            "The answer's format",
        ),
        "include" => (
            "include",
            text(),
            false,
            "Comma-separated: data, bib, citation or an export format",
        ),
        "content" => (
            "content",
            text(),
            false,
            "Atom content, comma-separated: html, json, bib, citation, an export format, or none",
        ),
        "style" => (
            "style",
            text(),
            false,
            "Citation style for bib and citation",
        ),
        "locale" => ("locale", text(), false, "Locale for bib and citation"),
        "linkwrap" => (
            "linkwrap",
            json!({"enum": [0, 1]}),
            false,
            "Whether URLs and DOIs become links",
        ),
        "limit" => (
            "limit",
            json!({"type": "integer", "minimum": 1, "maximum": 100}),
            false,
            "Page size (default 25; larger values are brought down to 100, or 1000 with `Shelfmark-Large-Pages: 1`)",
        ),
        "start" => ("start", number(), false, "Index of the first result"),
        "since" => (
            "since",
            number(),
            false,
            "Only objects changed after this library version",
        ),
        "sinceRequired" => (
            "since",
            number(),
            true,
            "Deletions after this library version",
        ),
        "itemKey" => ("itemKey", text(), false, keys),
        "itemKeyRequired" => ("itemKey", text(), true, keys),
        "collectionKeyRequired" => ("collectionKey", text(), true, keys),
        "searchKeyRequired" => ("searchKey", text(), true, keys),
        "itemType" => (
            "itemType",
            text(),
            false,
            "Item type; `-type` excludes, `a || b` either",
        ),
        "itemTypeRequired" => ("itemType", text(), true, "An item type"),
        "linkMode" => (
            "linkMode",
            json!({"enum": ["imported_file", "imported_url", "linked_file", "linked_url", "embedded_image"]}),
            false,
            "An attachment's link mode (attachments only)",
        ),
        "tag" => (
            "tag",
            text(),
            false,
            "Tag; `-tag` excludes, `a || b` either; repeat for all of several",
        ),
        "tagRequired" => ("tag", text(), true, "Tags to remove, `a || b || c`"),
        "q" => ("q", text(), false, "Quick search"),
        "qmode" => (
            "qmode",
            json!({"enum": ["titleCreatorYear", "everything"]}),
            false,
            "What the quick search reads",
        ),
        "sort" => (
            "sort",
            text(),
            false,
            "dateModified, dateAdded, title, creator, itemType, date or any item field",
        ),
        "direction" => (
            "direction",
            json!({"enum": ["asc", "desc"]}),
            false,
            "Sort direction",
        ),
        "includeTrashed" => (
            "includeTrashed",
            json!({"enum": [0, 1]}),
            false,
            "Include items in the trash",
        ),
        "tagQ" => (
            "q",
            text(),
            false,
            "Tags containing (or starting with) this text",
        ),
        "tagQmode" => (
            "qmode",
            json!({"enum": ["contains", "startsWith"]}),
            false,
            "How `q` matches tags",
        ),
        "tagSort" => (
            "sort",
            json!({"enum": ["title", "numItems"]}),
            false,
            "Tag order",
        ),
        "itemQ" => (
            "itemQ",
            text(),
            false,
            "Quick search of the items whose tags are listed",
        ),
        "itemQMode" => (
            "itemQMode",
            json!({"enum": ["titleCreatorYear", "everything"]}),
            false,
            "What `itemQ` reads",
        ),
        "itemTag" => (
            "itemTag",
            text(),
            false,
            "Tag filter of the items whose tags are listed",
        ),
        other => panic!("no query parameter called {other}"),
    }
}

fn path_parameter(name: &str) -> Value {
    let (schema, description) = match name {
        "userID" | "groupID" | "memberID" => (number(), "A user or group id"),
        "itemKey" | "collectionKey" | "searchKey" => (object_key(), "An object key"),
        "settingKey" => (
            json!({"type": "string", "examples": ["tagColors"]}),
            "A setting's name",
        ),
        "tag" => (
            json!({"type": "string", "examples": ["science"]}),
            "A tag name, form-encoded as the tag listing links it",
        ),
        "key" => (text(), "An API key"),
        "uploadKey" => (text(), "The key of an authorised upload"),
        "token" => (text(), "A download grant"),
        other => panic!("no path parameter called {other}"),
    };
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn header_parameter(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "header", "required": false, "description": description, "schema": schema})
}

fn header_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/headers/{name}")})
}

/// Headers on every answer.
fn common_headers() -> Map<String, Value> {
    let mut headers = Map::new();
    for name in ["Zotero-API-Version", "Zotero-Schema-Version", "Backoff"] {
        headers.insert(name.into(), header_ref(name));
    }
    headers
}

/// A response with `content` (media type → schema) and extra headers.
fn response(description: &str, content: &[(&str, Value)], headers: &[&str]) -> Value {
    let mut all = common_headers();
    for name in headers {
        all.insert((*name).into(), header_ref(name));
    }
    let mut out = json!({"description": description, "headers": all});
    if !content.is_empty() {
        let content: Map<String, Value> = content
            .iter()
            .map(|(media, schema)| ((*media).to_owned(), json!({"schema": schema})))
            .collect();
        out["content"] = Value::Object(content);
    }
    out
}

fn array_of(name: &str) -> Value {
    json!({"type": "array", "items": schema_ref(name)})
}

fn listing_or_versions(name: &str) -> Value {
    json!({"oneOf": [array_of(name), schema_ref("Versions")]})
}

const PAGED: &[&str] = &["Last-Modified-Version", "Total-Results", "Link"];
const VERSIONED: &[&str] = &["Last-Modified-Version"];

/// Formatted items: Atom, a bibliography in HTML, export files.
fn formatted(json_schema: Value) -> Vec<(&'static str, Value)> {
    let mut content = vec![
        ("application/json", json_schema),
        ("application/atom+xml", text()),
        ("text/html", text()),
        (
            CSL_JSON_TYPE,
            json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array"}}}),
        ),
    ];
    content.extend(EXPORT_TYPES.iter().map(|t| (*t, text())));
    content
}

/// The success answers of an operation.
fn success(answer: Answer) -> Vec<(&'static str, Value)> {
    match answer {
        Answer::Json(status, schema) => {
            let schema = if schema.is_empty() {
                json!({"type": "object"})
            } else {
                schema_ref(schema)
            };
            vec![(
                status_name(status),
                response("Success", &[("application/json", schema)], &[]),
            )]
        }
        Answer::Versioned(status, schema) => vec![(
            status_name(status),
            response(
                "Success",
                &[("application/json", schema_ref(schema))],
                VERSIONED,
            ),
        )],
        Answer::NoContent => vec![("204", response("Done", &[], VERSIONED))],
        Answer::Empty => vec![("204", response("Done", &[], &[]))],
        Answer::Created => vec![("201", response("Stored", &[], &[]))],
        Answer::ItemList => {
            let mut content =
                formatted(json!({"oneOf": [array_of("ItemWithIncludes"), schema_ref("Versions")]}));
            content.push((
                "text/plain",
                json!({"type": "string", "description": "format=keys: one key a line"}),
            ));
            vec![(
                "200",
                response("Items in the asked-for format", &content, PAGED),
            )]
        }
        Answer::Item => vec![(
            "200",
            response(
                "The item in the asked-for format",
                &formatted(schema_ref("ItemWithIncludes")),
                VERSIONED,
            ),
        )],
        Answer::ObjectList(schema) => vec![(
            "200",
            response(
                "Objects in the asked-for format",
                &[
                    ("application/json", listing_or_versions(schema)),
                    ("text/plain", text()),
                ],
                PAGED,
            ),
        )],
        Answer::TagList => vec![(
            "200",
            response("Tags", &[("application/json", array_of("TagEntry"))], PAGED),
        )],
        Answer::GroupList => vec![(
            "200",
            response(
                "Groups in the asked-for format",
                &[
                    ("application/json", listing_or_versions("Group")),
                    ("text/plain", text()),
                ],
                &["Total-Results", "Link"],
            ),
        )],
        Answer::Text => vec![("200", response("Success", &[("text/plain", text())], &[]))],
        Answer::File => {
            let bytes = json!({"type": "string", "format": "binary"});
            vec![
                (
                    "200",
                    response("The file's bytes", &[("*/*", bytes.clone())], &[]),
                ),
                (
                    "206",
                    response("The range asked for", &[("*/*", bytes)], &[]),
                ),
            ]
        }
        Answer::Redirect => {
            let mut found = response("Where the file's bytes are", &[], &[]);
            found["headers"]["Location"] = json!({"schema": {"type": "string"}});
            vec![("302", found)]
        }
        Answer::FileAuthorization => vec![
            (
                "200",
                response(
                    "Where to upload, or that the file exists",
                    &[("application/json", schema_ref("FileAuthorization"))],
                    &[],
                ),
            ),
            (
                "204",
                response("The upload is registered with the item", &[], VERSIONED),
            ),
        ],
        Answer::WebSocket => {
            let mut switching = response("The connection is now a WebSocket", &[], &[]);
            switching["headers"] = json!({"Upgrade": {"schema": {"const": "websocket"}}});
            vec![("101", switching)]
        }
    }
}

fn status_name(status: u16) -> &'static str {
    match status {
        200 => "200",
        201 => "201",
        other => panic!("no success status {other}"),
    }
}

fn error_response(status: u16) -> Value {
    let name = match status {
        304 => "NotModified",
        400 => "BadRequest",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        416 => "RangeNotSatisfiable",
        426 => "UpgradeRequired",
        428 => "PreconditionRequired",
        429 => "TooManyRequests",
        503 => "Unavailable",
        other => panic!("no shared answer for {other}"),
    };
    json!({"$ref": format!("#/components/responses/{name}")})
}

/// The statuses other than success an operation answers.
fn error_statuses(op: &Op) -> Vec<u16> {
    let mut statuses: Vec<u16> = op.errors.to_vec();
    if op.caller == Caller::Key {
        // A malformed or unknown key, a key without access, and the
        // per-key and failed-key limits.
        statuses.extend([400, 403, 429]);
    }
    if op.in_library() {
        statuses.extend([400, 403, 404]);
    }
    if !op.query.is_empty() {
        statuses.push(400);
    }
    if !matches!(op.body, Body::None) {
        statuses.extend([400, 413]);
    }
    if op.conditional {
        statuses.push(304);
    }
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

fn request_body(body: Body) -> Option<Value> {
    let content = match body {
        Body::None => return None,
        Body::Json(schema) => json!({"application/json": {"schema": schema_ref(schema)}}),
        Body::Batch(schema, max) => json!({"application/json": {"schema": {
            "type": "array", "maxItems": max, "items": schema_ref(schema),
        }}}),
        Body::Form(schema) => {
            json!({"application/x-www-form-urlencoded": {"schema": schema_ref(schema)}})
        }
        Body::FileBytes => json!({
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }},
        }),
    };
    Some(json!({"required": true, "content": content}))
}

fn operation(op: &Op, path: &str) -> Value {
    let mut parameters: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(path_parameter)
        .collect();
    for id in op.query {
        let (name, schema, required, description) = query_parameter(id);
        parameters.push(json!({
            "name": name, "in": "query", "required": required,
            "description": description, "schema": schema,
        }));
    }
    let writes = op.method != "get";
    if op.conditional {
        parameters.push(header_parameter(
            "If-Modified-Since-Version",
            number(),
            "Answer 304 when the library has not changed since this version",
        ));
    }
    if writes && op.errors.contains(&412) && op.in_library() {
        parameters.push(header_parameter(
            "If-Unmodified-Since-Version",
            number(),
            "Refuse the write (412) when the library or object changed since this version",
        ));
    }
    if matches!(op.body, Body::Form(_)) {
        parameters.push(header_parameter(
            "If-None-Match",
            json!({"enum": ["*"]}),
            "The attachment has no file yet",
        ));
        parameters.push(header_parameter(
            "If-Match",
            json!({"type": "string", "pattern": "^[0-9a-f]{32}$"}),
            "The MD5 of the file being replaced",
        ));
    }
    if matches!(op.body, Body::Batch(..)) && op.tag != "fulltext" {
        parameters.push(header_parameter(
            "Zotero-Write-Token",
            json!({"type": "string", "pattern": "^[A-Za-z0-9]{1,64}$"}),
            "A token that makes the write idempotent: the same token again answers the first report",
        ));
    }
    if matches!(
        op.answer,
        Answer::ItemList | Answer::ObjectList(_) | Answer::TagList
    ) {
        parameters.push(header_parameter(
            "Shelfmark-Large-Pages",
            json!({"enum": ["1"]}),
            "Allow `limit` up to 1000 (extension)",
        ));
    }
    if op.in_library() {
        parameters.push(header_parameter(
            "Shelfmark-Group-Versions",
            json!({"enum": ["1"]}),
            "On the caller's own library: answer with the versions of their groups (extension)",
        ));
    }
    if op.caller == Caller::Key {
        parameters.push(json!({"$ref": "#/components/parameters/Zotero-API-Version"}));
    }
    let mut responses = Map::new();
    for (status, answer) in success(op.answer) {
        responses.insert(status.into(), answer);
    }
    for status in error_statuses(op) {
        responses.insert(status.to_string(), error_response(status));
    }
    let mut out = json!({
        "operationId": operation_id(op, path),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    });
    if op.caller == Caller::Anyone {
        out["security"] = json!([]);
    }
    if let Some(body) = request_body(op.body) {
        out["requestBody"] = body;
    }
    out
}

/// `get /users/{userID}/items/{itemKey}` → `get-users-userID-items-itemKey`.
fn operation_id(op: &Op, path: &str) -> String {
    let words: Vec<&str> = path
        .split(['/', '{', '}', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    format!("{}-{}", op.method, words.join("-"))
}

/// The concrete paths of an operation.
fn paths_of(op: &Op) -> Vec<String> {
    match op.path.strip_prefix("{lib}") {
        Some(rest) => vec![
            format!("/users/{{userID}}{rest}"),
            format!("/groups/{{groupID}}{rest}"),
        ],
        None => vec![op.path.to_owned()],
    }
}

fn components() -> Value {
    let mut responses = schemas::responses();
    let common = Value::Object(common_headers());
    if let Some(all) = responses.as_object_mut() {
        for answer in all.values_mut() {
            let headers = answer
                .as_object_mut()
                .map(|a| a.entry("headers").or_insert_with(|| json!({})));
            if let Some(Value::Object(headers)) = headers
                && let Value::Object(common) = &common
            {
                for (name, value) in common {
                    headers.insert(name.clone(), value.clone());
                }
            }
        }
    }
    json!({
        "schemas": schemas::schemas(),
        "headers": schemas::headers(),
        "responses": responses,
        "parameters": {
            "Zotero-API-Version": {
                "name": "Zotero-API-Version", "in": "header", "required": false,
                "description": "The API version the client speaks; this server speaks 3 whatever is sent",
                "schema": {"type": "string", "examples": ["3"]},
            },
        },
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "Zotero-API-Key"},
            "bearer": {"type": "http", "scheme": "bearer"},
            "keyParameter": {"type": "apiKey", "in": "query", "name": "key"},
        },
    })
}

/// The OpenAPI document.
pub fn document(public_url: &str) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for op in OPS {
        for path in paths_of(op) {
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
            "description": "The Zotero Web API v3 as served by Shelfmark, with the extensions listed at /shelfmark/capabilities. Requests carry `Zotero-API-Key: <key>`, `Authorization: Bearer <key>` or `?key=`. Error bodies are plain text. Every answer carries `Zotero-API-Version: 3` and, under load, `Backoff`. A path served without the method asked for answers 405 (see components.responses.MethodNotAllowed); HEAD is answered wherever GET is. The web pages (/, /signin, /account, /libraries/…, /sharing/…, /admin/…) are HTML for people and not part of this API.",
        },
        "servers": [{"url": public_url}],
        "components": components(),
        "security": [{"apiKey": []}, {"bearer": []}, {"keyParameter": []}],
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
    fn every_reference_resolves() {
        let doc = document("http://h");
        let mut refs = Vec::new();
        fn collect(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        out.push(r.clone());
                    }
                    map.values().for_each(|v| collect(v, out));
                }
                Value::Array(list) => list.iter().for_each(|v| collect(v, out)),
                _ => {}
            }
        }
        collect(&doc, &mut refs);
        assert!(refs.len() > 100);
        for r in refs {
            let pointer = r.strip_prefix('#').expect("local reference");
            assert!(doc.pointer(pointer).is_some(), "{r} resolves");
        }
    }

    #[test]
    fn library_writes_and_listings_carry_their_headers_and_statuses() {
        let doc = document("http://h");
        let paths = doc["paths"].as_object().expect("paths");
        let patch = &paths["/users/{userID}/items/{itemKey}"]["patch"];
        for status in [
            "204", "400", "403", "404", "409", "412", "413", "428", "429",
        ] {
            assert!(patch["responses"][status].is_object(), "{status}");
        }
        let names = |op: &Value| -> Vec<String> {
            op["parameters"]
                .as_array()
                .expect("parameters")
                .iter()
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect()
        };
        assert!(names(patch).contains(&"If-Unmodified-Since-Version".to_owned()));
        let list = &paths["/groups/{groupID}/collections/{collectionKey}/items/top"]["get"];
        assert!(list["responses"]["304"].is_object());
        assert!(list["responses"]["200"]["headers"]["Total-Results"].is_object());
        assert!(list["responses"]["200"]["content"]["application/atom+xml"].is_object());
        assert!(names(list).contains(&"If-Modified-Since-Version".to_owned()));
        let post = &paths["/users/{userID}/items"]["post"];
        assert!(names(post).contains(&"Zotero-Write-Token".to_owned()));
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["maxItems"],
            50
        );
    }
}
