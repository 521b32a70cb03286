//! Schema endpoints, from the item schema compiled into the protocol crate:
//! `/itemTypes`, `/itemFields`, `/itemTypeFields`, `/itemTypeCreatorTypes`,
//! `/creatorFields`, `/items/new` and `/schema`. They need no key.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use shelfmark_protocol::LinkMode;
use shelfmark_protocol::schema::{ItemTypeDef, schema};

use super::{Params, plain_json};
use crate::error::{ApiError, ApiResult};

fn json(value: &Value) -> Response {
    plain_json(value)
}

fn item_type_param(params: &Params) -> ApiResult<&'static ItemTypeDef> {
    let name = params
        .get("itemType")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad_request("'itemType' not provided"))?;
    schema()
        .item_type(name)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid item type '{name}'")))
}

/// `GET /itemTypes`.
pub async fn item_types() -> Response {
    let s = schema();
    let list: Vec<Value> = s
        .item_types()
        .map(|t| json!({"itemType": t.name, "localized": s.item_type_label(&t.name)}))
        .collect();
    json(&Value::Array(list))
}

/// `GET /itemFields`.
pub async fn item_fields() -> Response {
    let s = schema();
    let list: Vec<Value> = s
        .all_fields()
        .iter()
        .map(|f| json!({"field": f, "localized": s.field_label(f)}))
        .collect();
    json(&Value::Array(list))
}

/// `GET /itemTypeFields?itemType=`.
pub async fn item_type_fields(params: Params) -> ApiResult<Response> {
    let t = item_type_param(&params)?;
    let s = schema();
    let list: Vec<Value> = t
        .fields
        .iter()
        .map(|f| json!({"field": f.name, "localized": s.field_label(&f.name)}))
        .collect();
    Ok(json(&Value::Array(list)))
}

/// `GET /itemTypeCreatorTypes?itemType=` (the primary type first).
pub async fn item_type_creator_types(params: Params) -> ApiResult<Response> {
    let t = item_type_param(&params)?;
    let s = schema();
    let mut types: Vec<_> = t.creator_types.iter().collect();
    types.sort_by_key(|c| !c.primary);
    let list: Vec<Value> = types
        .iter()
        .map(|c| json!({"creatorType": c.name, "localized": s.creator_type_label(&c.name)}))
        .collect();
    Ok(json(&Value::Array(list)))
}

/// `GET /creatorFields`.
pub async fn creator_fields() -> Response {
    json(&json!([
        {"field": "firstName", "localized": "First"},
        {"field": "lastName", "localized": "Last"},
        {"field": "name", "localized": "Name"},
    ]))
}

/// `GET /items/new?itemType=[&linkMode=]`: an empty item to fill in.
pub async fn new_item(params: Params) -> ApiResult<Response> {
    let t = item_type_param(&params)?;
    let mut map = Map::new();
    map.insert("itemType".into(), Value::String(t.name.clone()));
    if t.is_note() {
        map.insert("note".into(), Value::String(String::new()));
    } else if t.is_attachment() {
        let mode = params
            .get("linkMode")
            .and_then(LinkMode::parse)
            .ok_or_else(|| ApiError::bad_request("Invalid or missing 'linkMode'"))?;
        map.insert("linkMode".into(), Value::String(mode.as_str().into()));
        for f in ["title", "accessDate", "url", "note"] {
            map.insert(f.into(), Value::String(String::new()));
        }
        map.insert("contentType".into(), Value::String(String::new()));
        map.insert("charset".into(), Value::String(String::new()));
        if mode.has_stored_file() {
            map.insert("filename".into(), Value::String(String::new()));
            map.insert("md5".into(), Value::Null);
            map.insert("mtime".into(), Value::Null);
        }
        if mode == LinkMode::LinkedFile {
            map.insert("path".into(), Value::String(String::new()));
        }
    } else if t.is_annotation() {
        map.insert("parentItem".into(), Value::String(String::new()));
        for f in [
            "annotationType",
            "annotationText",
            "annotationComment",
            "annotationColor",
            "annotationPageLabel",
            "annotationSortIndex",
            "annotationPosition",
        ] {
            map.insert(f.into(), Value::String(String::new()));
        }
    } else {
        let primary = t.primary_creator_type().unwrap_or("author");
        for f in &t.fields {
            map.insert(f.name.clone(), Value::String(String::new()));
            if f.name == "title" || t.field_for_base("title") == Some(f.name.as_str()) {
                map.insert(
                    "creators".into(),
                    json!([{"creatorType": primary, "firstName": "", "lastName": ""}]),
                );
            }
        }
        if !map.contains_key("creators") {
            map.insert(
                "creators".into(),
                json!([{"creatorType": primary, "firstName": "", "lastName": ""}]),
            );
        }
    }
    map.insert("tags".into(), json!([]));
    if !t.is_attachment() && !t.is_annotation() {
        map.insert("collections".into(), json!([]));
    }
    map.insert("relations".into(), json!({}));
    Ok(json(&Value::Object(map)))
}

/// `GET /schema`: the whole item schema document.
pub async fn schema_doc() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        shelfmark_protocol::schema::Schema::raw_json(),
    )
        .into_response()
}
