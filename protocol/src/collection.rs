use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::json;
use crate::key::ObjectKey;
use crate::relations::Relations;

/// A collection's `data`: EndNote's groups and group sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionData {
    pub key: ObjectKey,
    pub version: u64,
    pub name: String,
    /// `false` in JSON for a top-level collection.
    pub parent_collection: Option<ObjectKey>,
    pub relations: Relations,
    pub deleted: bool,
}

impl CollectionData {
    pub fn new(name: &str) -> Self {
        Self {
            key: ObjectKey::random(),
            version: 0,
            name: name.to_owned(),
            parent_collection: None,
            relations: Relations::default(),
            deleted: false,
        }
    }

    pub fn from_json_value(value: Value) -> Result<Self, ValidationError> {
        let map = json::as_object(value)?;
        let mut out = Self::new("");
        let mut key = None;
        for (name, value) in map {
            match name.as_str() {
                "key" => key = Some(json::key("key", value)?),
                "version" => out.version = json::version("version", value)?,
                "name" => out.name = json::string("name", value)?,
                "parentCollection" => {
                    out.parent_collection = json::optional_key("parentCollection", value)?
                }
                "relations" => {
                    out.relations = serde_json::from_value(value).map_err(|e| {
                        ValidationError::InvalidValue {
                            field: "relations".into(),
                            value: String::new(),
                            reason: e.to_string(),
                        }
                    })?
                }
                "deleted" => out.deleted = json::flag("deleted", value)?,
                other => {
                    return Err(ValidationError::FieldNotInType {
                        field: other.to_owned(),
                        item_type: "collection".into(),
                    });
                }
            }
        }
        out.key = key.unwrap_or_else(ObjectKey::random);
        Ok(out)
    }

    pub fn to_json_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("key".into(), Value::String(self.key.to_string()));
        map.insert("version".into(), Value::from(self.version));
        map.insert("name".into(), Value::String(self.name.clone()));
        map.insert(
            "parentCollection".into(),
            self.parent_collection
                .as_ref()
                .map_or(Value::Bool(false), |k| Value::String(k.to_string())),
        );
        map.insert(
            "relations".into(),
            serde_json::to_value(&self.relations).unwrap_or(Value::Object(Map::new())),
        );
        if self.deleted {
            map.insert("deleted".into(), Value::Bool(true));
        }
        Value::Object(map)
    }
}

impl Serialize for CollectionData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for CollectionData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_json_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parent_false_round_trips() {
        let c = CollectionData::from_json_value(json!({"key": "ABCD2345", "version": 3, "name": "Reading", "parentCollection": false, "relations": {}}))
            .expect("parses");
        assert_eq!(c.parent_collection, None);
        assert_eq!(c.to_json_value()["parentCollection"], Value::Bool(false));
        let child =
            CollectionData::from_json_value(json!({"name": "Sub", "parentCollection": "ABCD2345"}))
                .expect("parses");
        assert_eq!(
            child.parent_collection.map(|k| k.to_string()),
            Some("ABCD2345".into())
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = CollectionData::from_json_value(json!({"name": "x", "colour": "red"}))
            .expect_err("unknown");
        assert_eq!(err.field(), Some("colour"));
    }
}
