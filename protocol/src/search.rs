use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::json;
use crate::key::ObjectKey;

/// One condition of a saved search, as the Web API stores it:
/// `{"condition": "title", "operator": "contains", "value": "foo"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SearchCondition {
    pub condition: String,
    pub operator: String,
    #[serde(default)]
    pub value: String,
}

impl SearchCondition {
    pub fn new(condition: &str, operator: &str, value: &str) -> Self {
        Self {
            condition: condition.to_owned(),
            operator: operator.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// A saved search's `data`: EndNote's smart groups and combination groups.
/// Join mode is stored as Zotero does, as a `joinMode` condition
/// (`operator` `any`/`all`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSearchData {
    pub key: ObjectKey,
    pub version: u64,
    pub name: String,
    pub conditions: Vec<SearchCondition>,
    pub deleted: bool,
}

impl SavedSearchData {
    pub fn new(name: &str, conditions: Vec<SearchCondition>) -> Self {
        Self {
            key: ObjectKey::random(),
            version: 0,
            name: name.to_owned(),
            conditions,
            deleted: false,
        }
    }

    /// True when any condition may match (`joinMode` = `any`).
    pub fn matches_any(&self) -> bool {
        self.conditions
            .iter()
            .any(|c| c.condition == "joinMode" && c.operator == "any")
    }

    pub fn from_json_value(value: Value) -> Result<Self, ValidationError> {
        let map = json::as_object(value)?;
        let mut out = Self::new("", Vec::new());
        let mut key = None;
        for (name, value) in map {
            match name.as_str() {
                "key" => key = Some(json::key("key", value)?),
                "version" => out.version = json::version("version", value)?,
                "name" => out.name = json::string("name", value)?,
                "conditions" => {
                    out.conditions = serde_json::from_value(value).map_err(|e| {
                        ValidationError::InvalidValue {
                            field: "conditions".into(),
                            value: String::new(),
                            reason: e.to_string(),
                        }
                    })?
                }
                "deleted" => out.deleted = json::flag("deleted", value)?,
                other => {
                    return Err(ValidationError::FieldNotInType {
                        field: other.to_owned(),
                        item_type: "search".into(),
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
            "conditions".into(),
            serde_json::to_value(&self.conditions).unwrap_or(Value::Array(Vec::new())),
        );
        if self.deleted {
            map.insert("deleted".into(), Value::Bool(true));
        }
        Value::Object(map)
    }
}

impl Serialize for SavedSearchData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for SavedSearchData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_json_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
