//! The item schema (item types, fields, base fields, creator types, labels and
//! CSL mappings), compiled into the binary from `schema/zotero-schema.json`
//! and parsed once on first use.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Deserialize;

const SCHEMA_JSON: &str = include_str!("../schema/zotero-schema.json");

/// Fields every attachment item may carry beyond its schema fields.
pub const ATTACHMENT_FIELDS: &[&str] = &[
    "linkMode",
    "contentType",
    "charset",
    "filename",
    "md5",
    "mtime",
    "path",
    "note",
];

/// Fields of annotation items.
pub const ANNOTATION_FIELDS: &[&str] = &[
    "annotationType",
    "annotationText",
    "annotationComment",
    "annotationColor",
    "annotationPageLabel",
    "annotationSortIndex",
    "annotationPosition",
    "annotationAuthorName",
    "annotationIsExternal",
];

/// Annotation kinds a PDF/EPUB/HTML reader can make.
pub const ANNOTATION_TYPES: &[&str] = &["highlight", "underline", "note", "image", "ink", "text"];

#[derive(Debug, Deserialize)]
struct RawSchema {
    version: u32,
    #[serde(rename = "itemTypes")]
    item_types: Vec<RawItemType>,
    csl: RawCsl,
    locales: HashMap<String, RawLocale>,
}

#[derive(Debug, Deserialize)]
struct RawItemType {
    #[serde(rename = "itemType")]
    item_type: String,
    fields: Vec<RawField>,
    #[serde(rename = "creatorTypes")]
    creator_types: Vec<RawCreatorType>,
}

#[derive(Debug, Deserialize)]
struct RawField {
    field: String,
    #[serde(rename = "baseField")]
    base_field: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawCreatorType {
    #[serde(rename = "creatorType")]
    creator_type: String,
    #[serde(default)]
    primary: bool,
}

#[derive(Debug, Deserialize)]
struct RawCsl {
    types: BTreeMap<String, Vec<String>>,
    fields: RawCslFields,
    names: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct RawCslFields {
    text: BTreeMap<String, Vec<String>>,
    date: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct RawLocale {
    #[serde(rename = "itemTypes")]
    item_types: BTreeMap<String, String>,
    fields: BTreeMap<String, String>,
    #[serde(rename = "creatorTypes")]
    creator_types: BTreeMap<String, String>,
}

/// A field of an item type, with the base field it maps to (`bookTitle` →
/// `publicationTitle`), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub name: String,
    pub base_field: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatorTypeDef {
    pub name: String,
    pub primary: bool,
}

/// One item type: its fields in display order and its creator types.
#[derive(Debug, Clone)]
pub struct ItemTypeDef {
    pub name: String,
    pub fields: Vec<FieldDef>,
    pub creator_types: Vec<CreatorTypeDef>,
}

impl ItemTypeDef {
    pub fn has_field(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f.name == field)
    }

    pub fn has_creator_type(&self, creator_type: &str) -> bool {
        self.creator_types.iter().any(|c| c.name == creator_type)
    }

    pub fn primary_creator_type(&self) -> Option<&str> {
        self.creator_types
            .iter()
            .find(|c| c.primary)
            .map(|c| c.name.as_str())
    }

    /// The type-specific field that plays the role of `base` (`publisher` →
    /// `university` on a thesis), or `base` itself when the type has it.
    pub fn field_for_base(&self, base: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == base || f.base_field.as_deref() == Some(base))
            .map(|f| f.name.as_str())
    }

    /// The base field of `field` in this type, or `field` itself.
    pub fn base_of<'a>(&'a self, field: &'a str) -> &'a str {
        self.fields
            .iter()
            .find(|f| f.name == field)
            .and_then(|f| f.base_field.as_deref())
            .unwrap_or(field)
    }

    /// Item types that are children and carry no bibliographic fields.
    pub fn is_note(&self) -> bool {
        self.name == "note"
    }
    pub fn is_attachment(&self) -> bool {
        self.name == "attachment"
    }
    pub fn is_annotation(&self) -> bool {
        self.name == "annotation"
    }
    /// True for the ordinary bibliographic ("regular") types.
    pub fn is_regular(&self) -> bool {
        !(self.is_note() || self.is_attachment() || self.is_annotation())
    }
}

/// The whole schema.
#[derive(Debug)]
pub struct Schema {
    pub version: u32,
    item_types: Vec<ItemTypeDef>,
    by_name: HashMap<String, usize>,
    all_fields: Vec<String>,
    base_fields: BTreeMap<String, Vec<String>>,
    item_type_labels: BTreeMap<String, String>,
    field_labels: BTreeMap<String, String>,
    creator_type_labels: BTreeMap<String, String>,
    /// CSL type → item types.
    pub csl_types: BTreeMap<String, Vec<String>>,
    /// CSL text variable → item fields.
    pub csl_text_fields: BTreeMap<String, Vec<String>>,
    /// CSL date variable → item field.
    pub csl_date_fields: BTreeMap<String, String>,
    /// Creator type → CSL name variable.
    pub csl_names: BTreeMap<String, String>,
}

impl Schema {
    fn load() -> Self {
        // The JSON is part of the source tree and checked by a unit test;
        // failing here means the build itself is broken.
        let raw: RawSchema =
            serde_json::from_str(SCHEMA_JSON).expect("embedded item schema is valid JSON");
        let locale = raw
            .locales
            .get("en-US")
            .expect("embedded item schema has en-US labels");
        let mut by_name = HashMap::new();
        let mut all_fields = Vec::new();
        let mut base_fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let item_types: Vec<ItemTypeDef> = raw
            .item_types
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                by_name.insert(t.item_type.clone(), i);
                let fields = t
                    .fields
                    .into_iter()
                    .map(|f| {
                        if !all_fields.contains(&f.field) {
                            all_fields.push(f.field.clone());
                        }
                        if let Some(base) = &f.base_field {
                            let mapped = base_fields.entry(base.clone()).or_default();
                            if !mapped.contains(&f.field) {
                                mapped.push(f.field.clone());
                            }
                        }
                        FieldDef {
                            name: f.field,
                            base_field: f.base_field,
                        }
                    })
                    .collect();
                let creator_types = t
                    .creator_types
                    .into_iter()
                    .map(|c| CreatorTypeDef {
                        name: c.creator_type,
                        primary: c.primary,
                    })
                    .collect();
                ItemTypeDef {
                    name: t.item_type,
                    fields,
                    creator_types,
                }
            })
            .collect();
        Self {
            version: raw.version,
            item_types,
            by_name,
            all_fields,
            base_fields,
            item_type_labels: locale.item_types.clone(),
            field_labels: locale.fields.clone(),
            creator_type_labels: locale.creator_types.clone(),
            csl_types: raw.csl.types,
            csl_text_fields: raw.csl.fields.text,
            csl_date_fields: raw.csl.fields.date,
            csl_names: raw.csl.names,
        }
    }

    pub fn item_type(&self, name: &str) -> Option<&ItemTypeDef> {
        self.by_name.get(name).map(|&i| &self.item_types[i])
    }

    pub fn item_types(&self) -> impl Iterator<Item = &ItemTypeDef> {
        self.item_types.iter()
    }

    /// Every field of every item type, in first-seen order.
    pub fn all_fields(&self) -> &[String] {
        &self.all_fields
    }

    pub fn is_field(&self, name: &str) -> bool {
        self.all_fields.iter().any(|f| f == name)
    }

    /// Type-specific fields mapped to `base` across all types.
    pub fn fields_with_base(&self, base: &str) -> &[String] {
        self.base_fields.get(base).map(Vec::as_slice).unwrap_or(&[])
    }

    /// All creator types of all item types.
    pub fn creator_types(&self) -> impl Iterator<Item = (&str, &str)> {
        self.creator_type_labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_creator_type(&self, name: &str) -> bool {
        self.creator_type_labels.contains_key(name)
    }

    pub fn item_type_label<'a>(&'a self, name: &'a str) -> &'a str {
        self.item_type_labels
            .get(name)
            .map(String::as_str)
            .unwrap_or(name)
    }

    pub fn field_label<'a>(&'a self, name: &'a str) -> &'a str {
        self.field_labels
            .get(name)
            .map(String::as_str)
            .unwrap_or(name)
    }

    pub fn creator_type_label<'a>(&'a self, name: &'a str) -> &'a str {
        self.creator_type_labels
            .get(name)
            .map(String::as_str)
            .unwrap_or(name)
    }

    /// The schema document as served at `/schema`.
    pub fn raw_json() -> &'static str {
        SCHEMA_JSON
    }
}

/// The compiled-in schema.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(Schema::load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_every_item_type() {
        let s = schema();
        assert_eq!(s.item_types().count(), 40);
        let book = s.item_type("book").expect("book");
        assert!(book.has_field("ISBN"));
        assert!(!book.has_field("DOI") || book.has_field("DOI"));
        assert_eq!(book.primary_creator_type(), Some("author"));
        assert!(s.item_type("notAType").is_none());
    }

    #[test]
    fn base_fields_map_both_ways() {
        let s = schema();
        let thesis = s.item_type("thesis").expect("thesis");
        assert_eq!(thesis.field_for_base("publisher"), Some("university"));
        assert_eq!(thesis.base_of("university"), "publisher");
        let section = s.item_type("bookSection").expect("bookSection");
        assert_eq!(
            section.field_for_base("publicationTitle"),
            Some("bookTitle")
        );
        assert!(
            s.fields_with_base("publicationTitle")
                .contains(&"proceedingsTitle".to_owned())
        );
    }

    #[test]
    fn labels() {
        let s = schema();
        assert_eq!(s.item_type_label("journalArticle"), "Journal Article");
        assert_eq!(s.field_label("abstractNote"), "Abstract");
        assert_eq!(s.creator_type_label("seriesEditor"), "Series Editor");
    }
}
