use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::creator::Creator;
use crate::error::ValidationError;
use crate::json;
use crate::key::ObjectKey;
use crate::relations::Relations;
use crate::schema::schema;
use crate::tag::Tag;

/// How an attachment item refers to its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkMode {
    ImportedFile,
    ImportedUrl,
    LinkedFile,
    LinkedUrl,
    EmbeddedImage,
}

impl LinkMode {
    pub const ALL: [LinkMode; 5] = [
        Self::ImportedFile,
        Self::ImportedUrl,
        Self::LinkedFile,
        Self::LinkedUrl,
        Self::EmbeddedImage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ImportedFile => "imported_file",
            Self::ImportedUrl => "imported_url",
            Self::LinkedFile => "linked_file",
            Self::LinkedUrl => "linked_url",
            Self::EmbeddedImage => "embedded_image",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether the attachment's bytes live in storage (and sync as a file).
    pub fn has_stored_file(self) -> bool {
        matches!(
            self,
            Self::ImportedFile | Self::ImportedUrl | Self::EmbeddedImage
        )
    }
}

/// An item's `data` object exactly as the Web API reads and writes it: a
/// regular (bibliographic) item, a note, an attachment or an annotation.
///
/// Every string-valued field, whether a schema field (`title`, `DOI`, …) or a
/// note/attachment/annotation field (`note`, `linkMode`, `annotationText`, …),
/// is kept in [`ItemData::fields`]; empty strings are never stored there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemData {
    pub key: ObjectKey,
    pub version: u64,
    pub item_type: String,
    pub parent_item: Option<ObjectKey>,
    pub fields: BTreeMap<String, String>,
    pub creators: Vec<Creator>,
    pub tags: Vec<Tag>,
    pub collections: Vec<ObjectKey>,
    pub relations: Relations,
    pub date_added: Option<String>,
    pub date_modified: Option<String>,
    pub deleted: bool,
    pub in_publications: bool,
    /// Attachment file modification time in milliseconds since the epoch.
    pub mtime: Option<i64>,
    /// Annotations imported from a PDF file rather than made in the app.
    pub annotation_is_external: bool,
}

/// JSON keys with a meaning of their own; every other key is a string field.
const STRUCTURAL: &[&str] = &[
    "key",
    "version",
    "itemType",
    "parentItem",
    "creators",
    "tags",
    "collections",
    "relations",
    "dateAdded",
    "dateModified",
    "deleted",
    "inPublications",
    "mtime",
    "annotationIsExternal",
];

impl ItemData {
    /// A new, empty item of `item_type` with a freshly minted key.
    pub fn new(item_type: &str) -> Self {
        Self {
            key: ObjectKey::random(),
            version: 0,
            item_type: item_type.to_owned(),
            parent_item: None,
            fields: BTreeMap::new(),
            creators: Vec::new(),
            tags: Vec::new(),
            collections: Vec::new(),
            relations: Relations::default(),
            date_added: None,
            date_modified: None,
            deleted: false,
            in_publications: false,
            mtime: None,
            annotation_is_external: false,
        }
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// Sets a string field; an empty value clears it.
    pub fn set_field(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        if value.is_empty() {
            self.fields.remove(name);
        } else {
            self.fields.insert(name.to_owned(), value);
        }
    }

    /// The title, or the field that stands for it on types that rename it
    /// (`caseName`, `nameOfAct`, `subject`).
    pub fn title(&self) -> Option<&str> {
        if let Some(t) = self.field("title") {
            return Some(t);
        }
        let def = schema().item_type(&self.item_type)?;
        let field = def.field_for_base("title")?;
        self.field(field)
    }

    /// The value of a base field (`publicationTitle`, `publisher`, …) whatever
    /// this item type calls it.
    pub fn base_field(&self, base: &str) -> Option<&str> {
        if let Some(v) = self.field(base) {
            return Some(v);
        }
        let def = schema().item_type(&self.item_type)?;
        self.field(def.field_for_base(base)?)
    }

    pub fn is_note(&self) -> bool {
        self.item_type == "note"
    }
    pub fn is_attachment(&self) -> bool {
        self.item_type == "attachment"
    }
    pub fn is_annotation(&self) -> bool {
        self.item_type == "annotation"
    }
    pub fn is_regular(&self) -> bool {
        !(self.is_note() || self.is_attachment() || self.is_annotation())
    }

    pub fn link_mode(&self) -> Option<LinkMode> {
        self.field("linkMode").and_then(LinkMode::parse)
    }

    /// Reads item data from JSON, naming the field in any error. Unknown
    /// string fields are kept, for [`crate::validate_item`] to judge against
    /// the item type.
    pub fn from_json_value(value: Value) -> Result<Self, ValidationError> {
        let mut reading = ItemReading::default();
        for (name, value) in json::as_object(value)? {
            reading.member(&name, value)?;
        }
        reading.finish()
    }

    /// Reads item data straight from JSON text, by the rules and with the
    /// errors of [`ItemData::from_json_value`], without building the
    /// object's JSON value first (a first sync reads tens of thousands).
    pub fn from_json_text(text: &str) -> Result<Self, ValidationError> {
        let mut reader = serde_json::Deserializer::from_str(text);
        let read = ReadItem::deserialize(&mut reader).and_then(|read| {
            reader.end()?;
            Ok(read)
        });
        match read {
            Ok(ReadItem(item)) => item,
            // Values are read as JSON values: the only data error is an
            // object that is not one.
            Err(e) if e.is_data() => Err(ValidationError::NotAnObject),
            Err(e) => Err(ValidationError::NotJson(e.to_string())),
        }
    }

    /// The item's JSON in the Web API's order: identity, type, the type's
    /// fields in schema order, then creators, tags, collections, relations
    /// and dates.
    pub fn to_json_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("key".into(), Value::String(self.key.to_string()));
        map.insert("version".into(), Value::from(self.version));
        if let Some(parent) = &self.parent_item {
            map.insert("parentItem".into(), Value::String(parent.to_string()));
        }
        map.insert("itemType".into(), Value::String(self.item_type.clone()));

        let def = schema().item_type(&self.item_type);
        let mut written: Vec<&str> = Vec::new();
        if let Some(def) = def {
            let title_field = def.field_for_base("title");
            let regular = def.is_regular();
            for f in &def.fields {
                if let Some(v) = self.fields.get(&f.name) {
                    map.insert(f.name.clone(), Value::String(v.clone()));
                    written.push(&f.name);
                }
                // Creators follow the title, as in the Web API.
                if regular && (f.name == "title" || title_field == Some(f.name.as_str())) {
                    map.insert("creators".into(), creators_json(&self.creators));
                }
            }
            if def.is_regular() && !map.contains_key("creators") {
                map.insert("creators".into(), creators_json(&self.creators));
            }
        }
        for (name, value) in &self.fields {
            if written.contains(&name.as_str()) || name == "md5" {
                continue;
            }
            map.insert(name.clone(), Value::String(value.clone()));
        }
        if self.is_attachment() {
            let stored = self.link_mode().is_some_and(LinkMode::has_stored_file);
            if stored || self.fields.contains_key("md5") || self.mtime.is_some() {
                map.insert(
                    "md5".into(),
                    self.field("md5")
                        .map_or(Value::Null, |v| Value::String(v.into())),
                );
                map.insert("mtime".into(), self.mtime.map_or(Value::Null, Value::from));
            }
        }
        if self.is_annotation() && self.annotation_is_external {
            map.insert("annotationIsExternal".into(), Value::Bool(true));
        }
        if !def.is_some_and(|d| d.is_regular()) && !self.creators.is_empty() {
            map.insert("creators".into(), creators_json(&self.creators));
        }
        map.insert(
            "tags".into(),
            serde_json::to_value(&self.tags).unwrap_or(Value::Array(Vec::new())),
        );
        if self.parent_item.is_none() {
            map.insert(
                "collections".into(),
                Value::Array(
                    self.collections
                        .iter()
                        .map(|k| Value::String(k.to_string()))
                        .collect(),
                ),
            );
        }
        map.insert(
            "relations".into(),
            serde_json::to_value(&self.relations).unwrap_or(Value::Object(Map::new())),
        );
        if self.deleted {
            map.insert("deleted".into(), Value::from(1));
        }
        if self.in_publications {
            map.insert("inPublications".into(), Value::Bool(true));
        }
        if let Some(d) = &self.date_added {
            map.insert("dateAdded".into(), Value::String(d.clone()));
        }
        if let Some(d) = &self.date_modified {
            map.insert("dateModified".into(), Value::String(d.clone()));
        }
        Value::Object(map)
    }

    /// The item's JSON as compact text, the form stored and sent.
    pub fn to_json_text(&self) -> String {
        // Writing string-keyed members into a `String` cannot fail; the
        // reference form is the fallback all the same.
        serde_json::to_string(self).unwrap_or_else(|_| self.to_json_value().to_string())
    }

    /// Whether a JSON key names a string field rather than a structural one.
    pub fn is_string_field_name(name: &str) -> bool {
        !STRUCTURAL.contains(&name)
    }
}

fn creators_json(creators: &[Creator]) -> Value {
    serde_json::to_value(creators).unwrap_or(Value::Array(Vec::new()))
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// The same JSON as [`ItemData::to_json_value`], member for member, written
/// without building it first (items are written by the thousand in a sync).
impl Serialize for ItemData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // A string field named like a structural member (never written by
        // this crate's readers) would take that member's place: the
        // reference form handles it.
        if self
            .fields
            .keys()
            .any(|name| !Self::is_string_field_name(name))
        {
            return self.to_json_value().serialize(s);
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("key", self.key.as_str())?;
        map.serialize_entry("version", &self.version)?;
        if let Some(parent) = &self.parent_item {
            map.serialize_entry("parentItem", parent.as_str())?;
        }
        map.serialize_entry("itemType", &self.item_type)?;

        let def = schema().item_type(&self.item_type);
        let mut written: Vec<&str> = Vec::new();
        if let Some(def) = def {
            let title_field = def.field_for_base("title");
            let mut creators_written = false;
            for f in &def.fields {
                if let Some(v) = self.fields.get(&f.name) {
                    map.serialize_entry(&f.name, v)?;
                    written.push(&f.name);
                }
                // Creators follow the title, as in the Web API.
                if def.is_regular()
                    && !creators_written
                    && (f.name == "title" || title_field == Some(f.name.as_str()))
                {
                    map.serialize_entry("creators", &self.creators)?;
                    creators_written = true;
                }
            }
            if def.is_regular() && !creators_written {
                map.serialize_entry("creators", &self.creators)?;
            }
        }
        for (name, value) in &self.fields {
            if written.contains(&name.as_str()) || name == "md5" {
                continue;
            }
            map.serialize_entry(name, value)?;
        }
        if self.is_attachment() {
            let stored = self.link_mode().is_some_and(LinkMode::has_stored_file);
            if stored || self.fields.contains_key("md5") || self.mtime.is_some() {
                map.serialize_entry("md5", &self.field("md5"))?;
                map.serialize_entry("mtime", &self.mtime)?;
            }
        }
        if self.is_annotation() && self.annotation_is_external {
            map.serialize_entry("annotationIsExternal", &true)?;
        }
        if !def.is_some_and(|d| d.is_regular()) && !self.creators.is_empty() {
            map.serialize_entry("creators", &self.creators)?;
        }
        map.serialize_entry("tags", &self.tags)?;
        if self.parent_item.is_none() {
            let keys: Vec<&str> = self.collections.iter().map(ObjectKey::as_str).collect();
            map.serialize_entry("collections", &keys)?;
        }
        map.serialize_entry("relations", &self.relations)?;
        if self.deleted {
            map.serialize_entry("deleted", &1)?;
        }
        if self.in_publications {
            map.serialize_entry("inPublications", &true)?;
        }
        if let Some(d) = &self.date_added {
            map.serialize_entry("dateAdded", d)?;
        }
        if let Some(d) = &self.date_modified {
            map.serialize_entry("dateModified", d)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ItemData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let ReadItem(item) = ReadItem::deserialize(d)?;
        item.map_err(serde::de::Error::custom)
    }
}

/// An item being read member by member; what the JSON value and the JSON
/// text readers share.
struct ItemReading {
    item: ItemData,
    key: Option<ObjectKey>,
    item_type: Option<String>,
}

impl Default for ItemReading {
    fn default() -> Self {
        Self {
            item: ItemData::new(""),
            key: None,
            item_type: None,
        }
    }
}

impl ItemReading {
    fn member(&mut self, name: &str, value: Value) -> Result<(), ValidationError> {
        let item = &mut self.item;
        match name {
            "key" => self.key = Some(json::key("key", value)?),
            "version" => item.version = json::version("version", value)?,
            "itemType" => self.item_type = Some(json::string("itemType", value)?),
            "parentItem" => item.parent_item = json::optional_key("parentItem", value)?,
            "creators" => item.creators = json::structured("creators", value)?,
            "tags" => item.tags = json::structured("tags", value)?,
            "collections" => item.collections = json::key_list("collections", value)?,
            "relations" => item.relations = json::structured("relations", value)?,
            "dateAdded" => item.date_added = non_empty(json::string("dateAdded", value)?),
            "dateModified" => item.date_modified = non_empty(json::string("dateModified", value)?),
            "deleted" => item.deleted = json::flag("deleted", value)?,
            "inPublications" => item.in_publications = json::flag("inPublications", value)?,
            "mtime" => item.mtime = json::optional_i64("mtime", value)?,
            "annotationIsExternal" => {
                item.annotation_is_external = json::flag("annotationIsExternal", value)?
            }
            _ => {
                let text = json::string(name, value)?;
                item.set_field(name, text);
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<ItemData, ValidationError> {
        let mut item = self.item;
        item.item_type = self
            .item_type
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ValidationError::Missing("itemType".into()))?;
        item.key = self.key.unwrap_or_else(ObjectKey::random);
        Ok(item)
    }
}

/// Item data read from a deserializer: malformed JSON is the
/// deserializer's error, an unreadable item the inner one.
struct ReadItem(Result<ItemData, ValidationError>);

impl<'de> Deserialize<'de> for ReadItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ReadItemVisitor)
    }
}

struct ReadItemVisitor;

impl<'de> serde::de::Visitor<'de> for ReadItemVisitor {
    type Value = ReadItem;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an item's data object")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<ReadItem, M::Error> {
        let mut reading = ItemReading::default();
        while let Some(json::MemberName(name)) = map.next_key()? {
            let value: Value = map.next_value()?;
            if let Err(e) = reading.member(&name, value) {
                // The rest is read past, so that the text's syntax is still
                // checked to its end.
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                return Ok(ReadItem(Err(e)));
            }
        }
        Ok(ReadItem(reading.finish()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The streaming writer and the reference form agree, byte for byte,
    /// for every item type, filled in every way.
    #[test]
    fn written_json_is_the_reference_form() {
        let same = |item: &ItemData| {
            let written = item.to_json_text();
            let reference = serde_json::to_string(&item.to_json_value()).expect("reference");
            assert_eq!(written, reference, "{}", item.item_type);
        };
        for def in schema().item_types() {
            let mut empty = ItemData::new(&def.name);
            same(&empty);
            empty.creators.push(Creator::single("author", "Only"));
            same(&empty);

            let mut full = ItemData::new(&def.name);
            for (n, f) in def.fields.iter().enumerate() {
                full.set_field(&f.name, format!("{} «{n}» \"q\" \\ \n\u{1}", f.name));
            }
            full.set_field("extraUnknownField", "kept at the end");
            full.version = 42;
            full.creators
                .push(Creator::person("author", "Ada", "Lovelace"));
            full.creators.push(Creator::single("editor", "Ed"));
            full.tags.push(Tag::manual("one"));
            full.tags.push(Tag {
                tag: "auto".into(),
                kind: 1,
            });
            full.collections.push(ObjectKey::random());
            full.relations
                .0
                .insert("dc:relation".into(), vec!["http://example.org/a".into()]);
            full.relations.0.insert(
                "owl:sameAs".into(),
                vec!["http://a".into(), "http://b".into()],
            );
            full.deleted = true;
            full.in_publications = true;
            full.date_added = Some("2026-01-02T03:04:05Z".into());
            full.date_modified = Some("2026-02-03T04:05:06Z".into());
            full.mtime = Some(1_700_000_000_000);
            full.annotation_is_external = true;
            same(&full);

            full.parent_item = Some(ObjectKey::random());
            full.set_field("md5", "");
            same(&full);
            full.set_field("md5", "0123456789abcdef0123456789abcdef");
            full.mtime = None;
            same(&full);
        }
        // A string field named like a structural member falls back to the
        // reference form.
        let mut odd = ItemData::new("book");
        odd.fields.insert("tags".into(), "not a list".into());
        same(&odd);
    }

    #[test]
    fn round_trips_a_journal_article() {
        let input = json!({
            "key": "ABCD2345", "version": 12, "itemType": "journalArticle",
            "title": "On Things",
            "creators": [
                {"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"},
                {"creatorType": "author", "name": "The Analytical Society"}
            ],
            "abstractNote": "", "publicationTitle": "Nature", "date": "1843-10",
            "DOI": "10.1000/xyz",
            "tags": [{"tag": "maths"}, {"tag": "auto", "type": 1}],
            "collections": ["BCDE3456"],
            "relations": {"dc:relation": "http://zotero.org/users/1/items/CDEF4567"},
            "dateAdded": "2024-01-01T00:00:00Z", "dateModified": "2024-01-02T00:00:00Z"
        });
        let item = ItemData::from_json_value(input.clone()).expect("parses");
        assert_eq!(item.title(), Some("On Things"));
        assert_eq!(item.creators.len(), 2);
        assert_eq!(item.tags[1].kind, 1);
        assert!(
            !item.fields.contains_key("abstractNote"),
            "empty strings are not stored"
        );
        let out = item.to_json_value();
        assert_eq!(
            out["relations"]["dc:relation"],
            "http://zotero.org/users/1/items/CDEF4567"
        );
        assert_eq!(out["creators"][1]["name"], "The Analytical Society");
        let again = ItemData::from_json_value(out).expect("re-parses");
        assert_eq!(again, item);
        let keys: Vec<_> = item
            .to_json_value()
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        assert_eq!(&keys[..4], ["key", "version", "itemType", "title"]);
        assert_eq!(keys[4], "creators");
    }

    #[test]
    fn attachment_serialises_null_md5_until_uploaded() {
        let mut a = ItemData::new("attachment");
        a.parent_item = Some(ObjectKey::random());
        a.set_field("linkMode", "imported_file");
        a.set_field("title", "paper.pdf");
        let v = a.to_json_value();
        assert_eq!(v["md5"], Value::Null);
        assert_eq!(v["mtime"], Value::Null);
        assert!(
            v.get("collections").is_none(),
            "children have no collections"
        );
    }

    #[test]
    fn errors_name_the_field() {
        let err = ItemData::from_json_value(json!({"itemType": "book", "title": {"x": 1}}))
            .expect_err("object title");
        assert_eq!(err.field(), Some("title"));
        let err = ItemData::from_json_value(json!({"title": "x"})).expect_err("no type");
        assert_eq!(err, ValidationError::Missing("itemType".into()));
        let err = ItemData::from_json_value(json!({"itemType": "book", "key": "bad"}))
            .expect_err("bad key");
        assert_eq!(err.field(), Some("key"));
    }

    /// Reading the text and reading its JSON value give the same item, or
    /// the same error, whatever the text holds.
    #[test]
    fn text_and_value_readers_agree() {
        let texts = [
            r#"{"key":"ABCD2345","version":7,"itemType":"journalArticle","title":"T","creators":[{"creatorType":"author","firstName":"A","lastName":"B"}],"tags":[{"tag":"x","type":1}],"collections":["BCDE3456"],"relations":{"dc:replaces":["http://zotero.org/users/1/items/CDEF4567"]},"dateAdded":"2024-01-01T00:00:00Z","dateModified":"","deleted":1,"inPublications":false,"volume":12,"pages":null,"unknownField":"kept"}"#,
            r#"{"key":"ABCD2345","itemType":"note","note":"<p>\u00e9 \"q\"</p>","parentItem":false,"ti\u0074le":"escaped name"}"#,
            r#"{"key":"ABCD2345","itemType":"attachment","linkMode":"imported_file","mtime":"1700000000000","annotationIsExternal":"true"}"#,
            r#"{"key":"ABCD2345","itemType":"book","title":{"x":1},"creators":"nobody"}"#,
            r#"{"key":"ABCD2345","itemType":"book","creators":[{"creatorType":3}]}"#,
            r#"{"key":"ABCD2345","itemType":"book","tags":{"tag":"x"}}"#,
            r#"{"key":"ABCD2345","itemType":"book","version":-1}"#,
            r#"{"key":"bad","itemType":"book"}"#,
            r#"{"key":"ABCD2345","title":"no type"}"#,
            r#"{"key":"ABCD2345","itemType":""}"#,
            r#"{"key":"ABCD2345","itemType":"book","mtime":true}"#,
            r#"["not", "an", "object"]"#,
            r#""text""#,
        ];
        for text in texts {
            let value: Value = serde_json::from_str(text).expect("valid JSON");
            assert_eq!(
                ItemData::from_json_text(text),
                ItemData::from_json_value(value),
                "{text}"
            );
        }
    }

    #[test]
    fn text_that_is_not_json_is_refused_as_such() {
        for text in [
            r#"{"itemType":"book""#,
            r#"{"itemType":"book"} x"#,
            "",
            "{,}",
        ] {
            let err = ItemData::from_json_text(text).expect_err(text);
            assert!(
                matches!(err, ValidationError::NotJson(_)),
                "{text}: {err:?}"
            );
        }
        // A bad member does not hide bad syntax after it.
        let err = ItemData::from_json_text(r#"{"itemType":"book","title":[],"x":}"#)
            .expect_err("syntax after a bad member");
        assert!(matches!(err, ValidationError::NotJson(_)), "{err:?}");
    }
}
