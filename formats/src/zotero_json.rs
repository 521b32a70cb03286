//! Zotero item JSON, the lossless format: the Web API's item `data` objects
//! (keys, versions, relations and all), children after their parents with
//! `parentItem` set.
//!
//! Reads an array of item data objects or of Web API envelopes
//! (`{"key": …, "data": {…}}`), or an object `{"items": […], "collections": […]}`;
//! collections may also appear in the array as envelopes.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use shelfmark_protocol::{CollectionData, ItemData, ObjectKey, validate_collection, validate_item};

use super::{ExportItem, FormatError, ParseReport, ParsedRecord};

/// Reads a Zotero JSON file.
pub fn parse(text: &str) -> Result<ParseReport, FormatError> {
    parse_with(text, ParseReport::default())
}

/// Reads into `report`, which may stream its records to a consumer.
pub(crate) fn parse_with(text: &str, mut report: ParseReport) -> Result<ParseReport, FormatError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| FormatError::new(1, Some(e.line()), format!("not valid JSON: {e}")))?;
    let (objects, collections) = match value {
        Value::Array(objects) => (objects, Vec::new()),
        Value::Object(mut map) if map.contains_key("items") || map.contains_key("collections") => {
            let take = |map: &mut serde_json::Map<String, Value>, name: &str| match map.remove(name)
            {
                Some(Value::Array(a)) => Ok(a),
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(_) => Err(FormatError::new(
                    1,
                    None,
                    format!("\"{name}\" must be an array"),
                )),
            };
            (take(&mut map, "items")?, take(&mut map, "collections")?)
        }
        object @ Value::Object(_) => (vec![object], Vec::new()),
        _ => {
            return Err(FormatError::new(
                1,
                Some(1),
                "expected an array of items or an object with \"items\"",
            ));
        }
    };

    let mut items: Vec<(usize, ItemData)> = Vec::new();
    let mut seen = HashSet::new();
    for (index, object) in objects.into_iter().enumerate() {
        let number = index + 1;
        let data = unwrap_envelope(object);
        let is_collection = data
            .as_object()
            .is_some_and(|m| !m.contains_key("itemType") && m.contains_key("name"));
        if is_collection {
            report.collections.push(read_collection(number, data)?);
            continue;
        }
        let item = ItemData::from_json_value(data)
            .map_err(|e| FormatError::new(number, None, e.to_string()))?;
        validate_item(&item).map_err(|e| FormatError::new(number, None, e.to_string()))?;
        if !seen.insert(item.key.clone()) {
            return Err(FormatError::new(
                number,
                None,
                format!("item key {} appears twice", item.key),
            ));
        }
        items.push((number, item));
    }
    for (index, object) in collections.into_iter().enumerate() {
        report
            .collections
            .push(read_collection(index + 1, unwrap_envelope(object))?);
    }

    // Every descendant goes with its top-level ancestor.
    let parents: HashMap<ObjectKey, ObjectKey> = items
        .iter()
        .filter_map(|(_, i)| i.parent_item.clone().map(|p| (i.key.clone(), p)))
        .collect();
    for (number, item) in &items {
        if let Some(parent) = &item.parent_item
            && !seen.contains(parent)
        {
            return Err(FormatError::new(
                *number,
                None,
                format!(
                    "parent item {parent} of item {} is not in the file",
                    item.key
                ),
            ));
        }
    }
    let root_of = |key: &ObjectKey| -> Option<ObjectKey> {
        let mut current = key.clone();
        for _ in 0..=parents.len() {
            match parents.get(&current) {
                Some(p) => current = p.clone(),
                None => return Some(current),
            }
        }
        None
    };
    let mut records: Vec<ParsedRecord> = Vec::new();
    let mut index_of: HashMap<ObjectKey, usize> = HashMap::new();
    for (_, item) in items.iter().filter(|(_, i)| i.parent_item.is_none()) {
        index_of.insert(item.key.clone(), records.len());
        records.push(ParsedRecord {
            item: item.clone(),
            children: Vec::new(),
            line: None,
        });
    }
    for (number, item) in items.into_iter().filter(|(_, i)| i.parent_item.is_some()) {
        let root = root_of(&item.key)
            .and_then(|r| index_of.get(&r).copied())
            .ok_or_else(|| FormatError::new(number, None, "items are each other's parents"))?;
        records[root].children.push(item);
    }
    for record in records {
        report.push(record);
    }
    Ok(report)
}

fn unwrap_envelope(object: Value) -> Value {
    match object {
        Value::Object(mut map) if map.get("data").is_some_and(Value::is_object) => {
            map.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    }
}

fn read_collection(number: usize, data: Value) -> Result<CollectionData, FormatError> {
    let collection = CollectionData::from_json_value(data)
        .map_err(|e| FormatError::new(number, None, format!("collection: {e}")))?;
    validate_collection(&collection)
        .map_err(|e| FormatError::new(number, None, format!("collection: {e}")))?;
    Ok(collection)
}

fn item_values(items: &[ExportItem]) -> Vec<Value> {
    let mut values = Vec::new();
    for entry in items {
        values.push(entry.item.to_json_value());
        for child in &entry.children {
            values.push(child.to_json_value());
        }
    }
    values
}

/// Writes items and their children as a JSON array, children after their
/// parent.
pub fn export(items: &[ExportItem]) -> String {
    serde_json::to_string_pretty(&Value::Array(item_values(items)))
        .unwrap_or_else(|_| "[]".to_owned())
}

/// Writes items with the collections they belong to, as
/// `{"collections": […], "items": […]}`, so that membership survives a
/// round trip.
pub fn export_with_collections(items: &[ExportItem], collections: &[CollectionData]) -> String {
    let value = serde_json::json!({
        "collections": collections.iter().map(CollectionData::to_json_value).collect::<Vec<_>>(),
        "items": item_values(items),
    });
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_owned())
}
