//! `components` of the OpenAPI document: a JSON schema for each wire type
//! (envelopes, write reports, groups, keys, …), the headers the server sends
//! and the answers many operations share.
//!
//! Schemas say what every answer has and leave objects open
//! (`additionalProperties` allowed) where the Web API lets them grow: item
//! data carries a field per item type, and Zotero clients ignore members
//! they do not know.

use serde_json::{Value, json};

/// An object key: 8 characters from Zotero's alphabet.
pub const OBJECT_KEY_PATTERN: &str = "^[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}$";

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// `#/components/schemas/<name>`.
pub fn schema_ref(name: &str) -> Value {
    reference(name)
}

/// An integer from 0 to `i64::MAX`, as every version and count is.
fn count() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": crate::api::MAX_NUMBER})
}

fn link() -> Value {
    json!({
        "type": "object",
        "required": ["href", "type"],
        "properties": {"href": {"type": "string"}, "type": {"type": "string"}},
    })
}

fn links() -> Value {
    json!({"type": "object", "additionalProperties": link()})
}

/// `{"0": value, "1": value, …}` keyed by the index of the object sent.
fn by_index(value: Value) -> Value {
    json!({
        "type": "object",
        "propertyNames": {"pattern": "^[0-9]+$"},
        "additionalProperties": value,
    })
}

/// An envelope around `data` of the schema `data`, with `meta` of
/// `meta_members`; nothing else but `extra` members.
fn envelope(data: &str, meta_members: Value, extra: Value) -> Value {
    let mut properties = json!({
        "key": reference("ObjectKey"),
        "version": count(),
        "library": reference("Library"),
        "links": links(),
        "meta": {"type": "object", "properties": meta_members, "additionalProperties": false},
        "data": reference(data),
    });
    if let (Value::Object(all), Value::Object(extra)) = (&mut properties, extra) {
        all.extend(extra);
    }
    json!({
        "type": "object",
        "required": ["key", "version", "library", "links", "meta"],
        "properties": properties,
        "additionalProperties": false,
    })
}

/// `components.schemas`.
pub fn schemas() -> Value {
    let mut all = serde_json::Map::new();
    for group in [library_objects(), writes(), accounts()] {
        if let Value::Object(map) = group {
            all.extend(map);
        }
    }
    Value::Object(all)
}

/// Items, collections, searches and what libraries list.
fn library_objects() -> Value {
    json!({
        "ObjectKey": {"type": "string", "pattern": OBJECT_KEY_PATTERN, "examples": ["ABCD2345", "EFGH5678"]},
        "Version": count(),
        "Error": {
            "type": "string",
            "description": "A plain-text message naming what is wrong; control characters are escaped.",
        },
        "Library": {
            "type": "object",
            "additionalProperties": false,
            "required": ["type", "id", "name", "links"],
            "properties": {
                "type": {"enum": ["user", "group"]},
                "id": count(),
                "name": {"type": "string"},
                "links": links(),
            },
        },
        "Creator": {
            "type": "object",
            "required": ["creatorType"],
            "properties": {
                "creatorType": {"type": "string"},
                "firstName": {"type": "string"},
                "lastName": {"type": "string"},
                "name": {"type": "string"},
            },
        },
        "Tag": {
            "type": "object",
            "required": ["tag"],
            "properties": {"tag": {"type": "string"}, "type": {"type": "integer", "enum": [0, 1]}},
        },
        "ItemData": {
            "type": "object",
            "description": "An item's fields: those of its item type (see /schema), creators, tags, collections and relations.",
            "required": ["key", "version", "itemType"],
            "properties": {
                "key": reference("ObjectKey"),
                "version": count(),
                "itemType": {"type": "string"},
                "parentItem": reference("ObjectKey"),
                "creators": {"type": "array", "items": reference("Creator")},
                "tags": {"type": "array", "items": reference("Tag")},
                "collections": {"type": "array", "items": reference("ObjectKey")},
                "relations": {"type": "object"},
                "deleted": {"type": ["boolean", "integer"]},
                "dateAdded": {"type": "string"},
                "dateModified": {"type": "string"},
            },
        },
        "Item": envelope(
            "ItemData",
            json!({"creatorSummary": {"type": "string"}, "parsedDate": {"type": "string"}, "numChildren": count()}),
            // What `include=` adds (and it may leave out `data`).
            json!({
                "bib": {"type": "string"},
                "citation": {"type": "string"},
                "csljson": {"type": "object"},
                "bibtex": {"type": "string"},
                "biblatex": {"type": "string"},
                "ris": {"type": "string"},
                "refer": {"type": "string"},
            }),
        ),
        "ItemWithIncludes": {
            "description": "An item envelope; `include=` adds `bib`, `citation` or an export format's member and may leave out `data`.",
            "allOf": [reference("Item")],
        },
        "CollectionData": {
            "type": "object",
            "required": ["key", "version", "name", "parentCollection"],
            "properties": {
                "key": reference("ObjectKey"),
                "version": count(),
                "name": {"type": "string"},
                "parentCollection": {"oneOf": [reference("ObjectKey"), {"const": false}]},
                "relations": {"type": "object"},
                "deleted": {"type": ["boolean", "integer"]},
            },
        },
        "Collection": envelope(
            "CollectionData",
            json!({"numCollections": count(), "numItems": count()}),
            json!({}),
        ),
        "SearchCondition": {
            "type": "object",
            "required": ["condition", "operator", "value"],
            "properties": {
                "condition": {"type": "string"},
                "operator": {"type": "string"},
                "value": {"type": "string"},
            },
        },
        "SearchData": {
            "type": "object",
            "required": ["key", "version", "name", "conditions"],
            "properties": {
                "key": reference("ObjectKey"),
                "version": count(),
                "name": {"type": "string"},
                "conditions": {"type": "array", "items": reference("SearchCondition")},
                "deleted": {"type": ["boolean", "integer"]},
            },
        },
        "Search": envelope("SearchData", json!({}), json!({})),
        "Versions": {
            "type": "object",
            "description": "`{key: version}` of every object listed.",
            "additionalProperties": count(),
        },
        "TagEntry": {
            "type": "object",
            "additionalProperties": false,
            "required": ["tag", "links", "meta"],
            "properties": {
                "tag": {"type": "string"},
                "links": links(),
                "meta": {
                    "type": "object",
                    "required": ["type", "numItems"],
                    "properties": {"type": {"type": "integer", "enum": [0, 1]}, "numItems": count()},
                },
            },
        },
        "Setting": {
            "type": "object",
            "additionalProperties": false,
            "required": ["value", "version"],
            "properties": {"value": {}, "version": count()},
        },
        "Settings": {"type": "object", "additionalProperties": reference("Setting")},
        "SettingsWrite": {
            "type": "object",
            "description": "`{name: {value}}`; a `version` per setting makes its write conditional.",
            "additionalProperties": {
                "type": "object",
                "required": ["value"],
                "properties": {"value": {}, "version": count()},
            },
        },
        "Deleted": {
            "type": "object",
            "additionalProperties": false,
            "required": ["collections", "items", "searches", "tags", "settings"],
            "properties": {
                "collections": {"type": "array", "items": reference("ObjectKey")},
                "items": {"type": "array", "items": reference("ObjectKey")},
                "searches": {"type": "array", "items": reference("ObjectKey")},
                "tags": {"type": "array", "items": {"type": "string"}},
                "settings": {"type": "array", "items": {"type": "string"}},
            },
        },
    })
}

/// Write bodies and reports, full text and files.
fn writes() -> Value {
    json!({
        "WriteFailure": {
            "type": "object",
            "additionalProperties": false,
            "required": ["code", "message"],
            "properties": {
                "key": {"type": "string"},
                "code": {"type": "integer", "enum": [400, 403, 404, 409, 412, 413, 428]},
                "message": {"type": "string"},
            },
        },
        "WriteReport": {
            "type": "object",
            "additionalProperties": false,
            "description": "What became of each object sent, by its index: saved (`successful` with the object's envelope, and `success` with its key), `unchanged`, or `failed` with a status and message.",
            "required": ["successful", "success", "unchanged", "failed"],
            "properties": {
                "successful": by_index(json!({"type": "object", "required": ["key", "version"]})),
                "success": by_index(reference("ObjectKey")),
                "unchanged": by_index(reference("ObjectKey")),
                "failed": by_index(reference("WriteFailure")),
            },
        },
        "ItemWrite": {
            "type": "object",
            "description": "Item data as in `ItemData`; `key` and `version` name an existing item to update, without them an item is created.",
            "properties": {
                "key": reference("ObjectKey"),
                "version": count(),
                "itemType": {"type": "string", "examples": ["book", "journalArticle", "note"]},
                "title": {"type": "string"},
                "parentItem": reference("ObjectKey"),
                "creators": {"type": "array", "items": reference("Creator")},
                "tags": {"type": "array", "items": reference("Tag")},
                "collections": {"type": "array", "items": reference("ObjectKey")},
            },
        },
        "CollectionWrite": {
            "type": "object",
            "properties": {
                "key": reference("ObjectKey"),
                "version": count(),
                "name": {"type": "string"},
                "parentCollection": {"oneOf": [reference("ObjectKey"), {"const": false}]},
            },
        },
        "SearchWrite": {
            "type": "object",
            "properties": {
                "key": reference("ObjectKey"),
                "version": count(),
                "name": {"type": "string"},
                "conditions": {"type": "array", "items": reference("SearchCondition")},
            },
        },
        "FullText": {
            "type": "object",
            "additionalProperties": false,
            "required": ["content"],
            "properties": {
                "content": {"type": "string"},
                "indexedChars": count(),
                "totalChars": count(),
                "indexedPages": count(),
                "totalPages": count(),
            },
        },
        "FullTextWrite": {
            "type": "object",
            "required": ["key", "content"],
            "properties": {
                "key": reference("ObjectKey"),
                "content": {"type": "string"},
                "indexedChars": count(),
                "totalChars": count(),
                "indexedPages": count(),
                "totalPages": count(),
            },
        },
        "FileAuthorization": {
            "description": "`{exists: 1}` when the server already has the bytes (the item is updated at once), otherwise where to upload them.",
            "oneOf": [
                {
                    "type": "object",
                    "required": ["exists"],
                    "properties": {"exists": {"const": 1}},
                },
                {
                    "type": "object",
                    "required": ["url", "uploadKey"],
                    "properties": {
                        "url": {"type": "string"},
                        "uploadKey": {"type": "string"},
                        "contentType": {"type": "string"},
                        "prefix": {"type": "string"},
                        "suffix": {"type": "string"},
                        "params": {"type": "object"},
                    },
                },
            ],
        },
        "FileRequest": {
            "type": "object",
            "description": "Form fields: `md5`, `filename`, `filesize`, `mtime` (and `params=1`) to authorise an upload, or `upload=<uploadKey>` to register one.",
            "properties": {
                "md5": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                "filename": {"type": "string"},
                "filesize": count(),
                "mtime": count(),
                "params": {"enum": ["1"]},
                "upload": {"type": "string"},
            },
        },
    })
}

/// Keys, groups and the service.
fn accounts() -> Value {
    json!({
        "Access": {
            "type": "object",
            "properties": {
                "user": {
                    "type": "object",
                    "properties": {
                        "library": {"type": "boolean"},
                        "files": {"type": "boolean"},
                        "notes": {"type": "boolean"},
                        "write": {"type": "boolean"},
                    },
                },
                "groups": {
                    "type": "object",
                    "description": "`all` or a group id, each `{library, write}`.",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"library": {"type": "boolean"}, "write": {"type": "boolean"}},
                    },
                },
            },
        },
        "Key": {
            "type": "object",
            "additionalProperties": false,
            "required": ["key", "userID", "username", "name", "access"],
            "properties": {
                "key": {"type": "string"},
                "userID": count(),
                "username": {"type": "string"},
                "displayName": {"type": "string"},
                "name": {"type": "string"},
                "access": reference("Access"),
            },
        },
        "KeyRequest": {
            "type": "object",
            "description": "Sign in: `username` or `email`, `password`, and the new key's `name` and `access` (everything when left out).",
            "required": ["password"],
            "properties": {
                "username": {"type": "string"},
                "email": {"type": "string"},
                "password": {"type": "string"},
                "name": {"type": "string"},
                "access": reference("Access"),
            },
        },
        "GroupData": {
            "type": "object",
            "additionalProperties": false,
            "required": ["id", "version", "name", "owner", "type"],
            "properties": {
                "id": count(),
                "version": count(),
                "name": {"type": "string"},
                "owner": count(),
                "type": {"type": "string"},
                "description": {"type": "string"},
                "url": {"type": "string"},
                "libraryReading": {"type": "string"},
                "libraryEditing": {"type": "string"},
                "fileEditing": {"type": "string"},
                "admins": {"type": "array", "items": count()},
                "members": {"type": "array", "items": count()},
            },
        },
        "Group": {
            "type": "object",
            "additionalProperties": false,
            "required": ["id", "version", "links", "meta", "data"],
            "properties": {
                "id": count(),
                "version": count(),
                "links": links(),
                "meta": {
                    "type": "object",
                    "properties": {
                        "created": {"type": "string"},
                        "lastModified": {"type": "string"},
                        "numItems": count(),
                        "isAdmin": {"type": "boolean"},
                    },
                },
                "data": reference("GroupData"),
            },
        },
        "GroupRequest": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "description": {"type": "string"},
                "url": {"type": "string"},
            },
        },
        "Member": {
            "type": "object",
            "additionalProperties": false,
            "required": ["userID", "username", "role", "write"],
            "properties": {
                "userID": count(),
                "username": {"type": "string"},
                "role": {"enum": ["owner", "admin", "member"]},
                "write": {"type": "boolean"},
            },
        },
        "MemberRequest": {
            "type": "object",
            "properties": {"role": {"enum": ["admin", "member"]}, "write": {"type": "boolean"}},
        },
        "Members": {"type": "array", "items": reference("Member")},
        "NewItem": {"type": "object", "required": ["itemType"], "properties": {"itemType": {"type": "string"}}},
        "Labelled": {
            "type": "array",
            "items": {"type": "object", "required": ["localized"], "properties": {"localized": {"type": "string"}}},
        },
        "Capabilities": {
            "type": "object",
            "required": ["server", "version", "apiVersion", "extensions", "limits"],
            "properties": {
                "server": {"type": "string"},
                "version": {"type": "string"},
                "apiVersion": {"const": 3},
                "schemaVersion": count(),
                "openapi": {"type": "string"},
                "extensions": {"type": "object"},
                "limits": {"type": "object"},
            },
        },
    })
}

/// `components.headers`: what the server sends.
pub fn headers() -> Value {
    json!({
        "Last-Modified-Version": {
            "description": "The library's version when the answer was made (after a write: the version it made).",
            "schema": count(),
        },
        "Total-Results": {"description": "How many results the listing has in all.", "schema": count()},
        "Link": {
            "description": "The `first`, `prev`, `next` and `last` pages, as `<url>; rel=\"next\"`.",
            "schema": {"type": "string"},
        },
        "Backoff": {
            "description": "Seconds a client should pause before its next request (sent under load, on any answer).",
            "schema": count(),
        },
        "Retry-After": {"description": "Seconds to wait before trying again.", "schema": count()},
        "Zotero-API-Version": {"description": "Always `3`.", "schema": {"const": "3"}},
        "Zotero-Schema-Version": {"description": "The item schema's version.", "schema": {"type": "string"}},
    })
}

/// `components.responses`: the error answers operations share.
pub fn responses() -> Value {
    let text = |description: &str| {
        json!({
            "description": description,
            "content": {"text/plain": {"schema": reference("Error")}},
        })
    };
    let mut too_many = text(
        "Too many requests from this key, or too many failed keys or passwords from this address",
    );
    too_many["headers"] = json!({"Retry-After": {"$ref": "#/components/headers/Retry-After"}});
    let mut precondition_failed = text("The library or object changed since the version given");
    precondition_failed["headers"] =
        json!({"Last-Modified-Version": {"$ref": "#/components/headers/Last-Modified-Version"}});
    json!({
        "BadRequest": text("Invalid input: the message names the parameter, header or field"),
        "Forbidden": text("No key, an invalid key, or a key without this access"),
        "NotFound": text("No such library, object or resource"),
        "MethodNotAllowed": {
            "description": "The path exists without this method; `Allow` names those it has",
            "headers": {"Allow": {"schema": {"type": "string"}}},
        },
        "Conflict": text("The request conflicts with what exists (a name taken, a reference to a missing object, the library locked)"),
        "PreconditionFailed": precondition_failed,
        "PayloadTooLarge": text("The body, or the number of objects in it, is above the limit"),
        "PreconditionRequired": text("A version precondition (If-Unmodified-Since-Version or the object's version) is required"),
        "TooManyRequests": too_many,
        "UpgradeRequired": text("The connection cannot become a WebSocket"),
        "RangeNotSatisfiable": text("The range asked for is outside the file"),
        "Unavailable": text("The store does not answer"),
        "NotModified": {
            "description": "Nothing changed since If-Modified-Since-Version",
            "headers": {"Last-Modified-Version": {"$ref": "#/components/headers/Last-Modified-Version"}},
        },
    })
}
