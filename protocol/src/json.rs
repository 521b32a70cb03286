//! Small helpers for reading object data out of loosely typed JSON with errors
//! that name the field.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::key::ObjectKey;

pub(crate) fn as_object(value: Value) -> Result<Map<String, Value>, ValidationError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ValidationError::NotAnObject),
    }
}

fn wrong(field: &str, expected: &'static str) -> ValidationError {
    ValidationError::WrongType {
        field: field.to_owned(),
        expected,
    }
}

/// A string field; `null` reads as empty, as the Web API treats it.
pub(crate) fn string(field: &str, value: Value) -> Result<String, ValidationError> {
    match value {
        Value::String(s) => Ok(s),
        Value::Null => Ok(String::new()),
        // Zotero clients sometimes send numbers for numeric-looking fields
        // (volume, pages); the server stores them as strings.
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(wrong(field, "a string")),
    }
}

pub(crate) fn version(field: &str, value: Value) -> Result<u64, ValidationError> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| wrong(field, "a non-negative integer")),
        Value::Null => Ok(0),
        _ => Err(wrong(field, "a non-negative integer")),
    }
}

pub(crate) fn optional_i64(field: &str, value: Value) -> Result<Option<i64>, ValidationError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong(field, "an integer")),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => s.parse().map(Some).map_err(|_| wrong(field, "an integer")),
        _ => Err(wrong(field, "an integer")),
    }
}

/// `deleted` is `1`/`0` on items and `true`/`false` on collections and searches;
/// both spellings are accepted everywhere.
pub(crate) fn flag(field: &str, value: Value) -> Result<bool, ValidationError> {
    match value {
        Value::Bool(b) => Ok(b),
        Value::Number(n) => Ok(n.as_i64().unwrap_or(0) != 0),
        Value::Null => Ok(false),
        Value::String(s) => Ok(matches!(s.as_str(), "1" | "true")),
        _ => Err(wrong(field, "a boolean")),
    }
}

pub(crate) fn key(field: &str, value: Value) -> Result<ObjectKey, ValidationError> {
    match value {
        Value::String(s) => Ok(ObjectKey::parse(&s)?),
        _ => Err(wrong(field, "an object key")),
    }
}

/// A key or `false`/null/empty for "none" (`parentCollection`, `parentItem`).
pub(crate) fn optional_key(
    field: &str,
    value: Value,
) -> Result<Option<ObjectKey>, ValidationError> {
    match value {
        Value::Bool(false) | Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(ObjectKey::parse(&s)?)),
        _ => Err(wrong(field, "an object key or false")),
    }
}

pub(crate) fn key_list(field: &str, value: Value) -> Result<Vec<ObjectKey>, ValidationError> {
    match value {
        Value::Array(values) => values.into_iter().map(|v| key(field, v)).collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err(wrong(field, "an array of object keys")),
    }
}

/// A structured member (`creators`, `tags`, `relations`) read into its type.
pub(crate) fn structured<T: DeserializeOwned>(
    field: &str,
    value: Value,
) -> Result<T, ValidationError> {
    serde_json::from_value(value).map_err(|e| ValidationError::InvalidValue {
        field: field.to_owned(),
        value: String::new(),
        reason: e.to_string(),
    })
}

/// An object member's name, borrowed from the JSON text unless it has
/// escapes.
pub(crate) struct MemberName<'de>(pub Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(MemberNameVisitor)
    }
}

struct MemberNameVisitor;

impl<'de> serde::de::Visitor<'de> for MemberNameVisitor {
    type Value = MemberName<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Self::Value, E> {
        Ok(MemberName(Cow::Borrowed(name)))
    }

    fn visit_str<E>(self, name: &str) -> Result<Self::Value, E> {
        Ok(MemberName(Cow::Owned(name.to_owned())))
    }

    fn visit_string<E>(self, name: String) -> Result<Self::Value, E> {
        Ok(MemberName(Cow::Owned(name)))
    }
}
