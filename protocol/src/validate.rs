//! Validation of object data against the schema and the length limits. Each
//! error names the field at fault.

use crate::collection::CollectionData;
use crate::error::ValidationError;
use crate::item::{ItemData, LinkMode};
use crate::limits;
use crate::schema::{ANNOTATION_FIELDS, ANNOTATION_TYPES, ATTACHMENT_FIELDS, schema};
use crate::search::SavedSearchData;

fn too_long(field: &str, len: usize, max: usize) -> ValidationError {
    ValidationError::TooLong {
        field: field.to_owned(),
        len,
        max,
    }
}

fn invalid(field: &str, value: &str, reason: &str) -> ValidationError {
    ValidationError::InvalidValue {
        field: field.to_owned(),
        value: value.chars().take(80).collect(),
        reason: reason.to_owned(),
    }
}

/// Checks an item against its type: known type, fields and creator types that
/// belong to it, child-item rules and lengths.
pub fn validate_item(item: &ItemData) -> Result<(), ValidationError> {
    let def = schema()
        .item_type(&item.item_type)
        .ok_or_else(|| ValidationError::UnknownItemType(item.item_type.clone()))?;

    if item.parent_item.as_ref() == Some(&item.key) {
        return Err(invalid(
            "parentItem",
            item.key.as_str(),
            "an item cannot be its own parent",
        ));
    }

    for (name, value) in &item.fields {
        let allowed = def.has_field(name)
            || (def.is_attachment() && ATTACHMENT_FIELDS.contains(&name.as_str()))
            || (def.is_annotation() && ANNOTATION_FIELDS.contains(&name.as_str()))
            || (def.is_note() && name == "note");
        if !allowed {
            return Err(ValidationError::FieldNotInType {
                field: name.clone(),
                item_type: item.item_type.clone(),
            });
        }
        let max = if name == "note" {
            limits::NOTE_MAX
        } else {
            limits::FIELD_MAX
        };
        if value.len() > max {
            return Err(too_long(name, value.len(), max));
        }
    }

    if !item.creators.is_empty() && !def.is_regular() {
        return Err(ValidationError::FieldNotInType {
            field: "creators".into(),
            item_type: item.item_type.clone(),
        });
    }
    if item.creators.len() > limits::CREATORS_MAX {
        return Err(too_long(
            "creators",
            item.creators.len(),
            limits::CREATORS_MAX,
        ));
    }
    for creator in &item.creators {
        if !def.has_creator_type(&creator.creator_type) {
            return Err(ValidationError::CreatorTypeNotInType {
                creator_type: creator.creator_type.clone(),
                item_type: item.item_type.clone(),
            });
        }
        for part in [creator.first_name(), creator.last_or_single()] {
            if part.len() > limits::CREATOR_NAME_MAX {
                return Err(too_long("creators", part.len(), limits::CREATOR_NAME_MAX));
            }
        }
    }

    for tag in &item.tags {
        if tag.tag.trim().is_empty() {
            return Err(invalid("tags", &tag.tag, "a tag cannot be empty"));
        }
        if tag.tag.len() > limits::TAG_MAX {
            return Err(too_long("tags", tag.tag.len(), limits::TAG_MAX));
        }
        if tag.kind > 1 {
            return Err(invalid("tags", &tag.tag, "tag type must be 0 or 1"));
        }
    }

    if item.parent_item.is_some() && !item.collections.is_empty() {
        return Err(invalid(
            "collections",
            "",
            "child items belong to their parent's collections",
        ));
    }

    if def.is_attachment() {
        validate_attachment(item)?;
    }
    if def.is_annotation() {
        validate_annotation(item)?;
    }
    if def.is_regular() && item.parent_item.is_some() {
        return Err(invalid(
            "parentItem",
            item.parent_item.as_ref().map_or("", |k| k.as_str()),
            "only notes, attachments and annotations can have a parent",
        ));
    }
    for date in [&item.date_added, &item.date_modified]
        .into_iter()
        .flatten()
    {
        if !is_timestamp(date) {
            let field = if Some(date) == item.date_added.as_ref() {
                "dateAdded"
            } else {
                "dateModified"
            };
            return Err(invalid(
                field,
                date,
                "expected an ISO 8601 UTC time like 2024-05-01T12:00:00Z",
            ));
        }
    }
    Ok(())
}

fn validate_attachment(item: &ItemData) -> Result<(), ValidationError> {
    let mode_text = item
        .field("linkMode")
        .ok_or_else(|| ValidationError::Missing("linkMode".into()))?;
    let mode = LinkMode::parse(mode_text).ok_or_else(|| {
        invalid(
            "linkMode",
            mode_text,
            "expected imported_file, imported_url, linked_file, linked_url or embedded_image",
        )
    })?;
    if item.fields.contains_key("path") && mode != LinkMode::LinkedFile {
        return Err(invalid("path", "", "only linked files have a path"));
    }
    if let Some(md5) = item.field("md5")
        && (md5.len() != 32 || !md5.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(invalid("md5", md5, "expected 32 hexadecimal digits"));
    }
    if let Some(name) = item.field("filename")
        && (name.contains('/') || name.contains('\\') || name == ".." || name.contains('\0'))
    {
        return Err(invalid(
            "filename",
            name,
            "a file name cannot contain a path",
        ));
    }
    Ok(())
}

fn validate_annotation(item: &ItemData) -> Result<(), ValidationError> {
    if item.parent_item.is_none() {
        return Err(ValidationError::Missing("parentItem".into()));
    }
    let kind = item
        .field("annotationType")
        .ok_or_else(|| ValidationError::Missing("annotationType".into()))?;
    if !ANNOTATION_TYPES.contains(&kind) {
        return Err(invalid(
            "annotationType",
            kind,
            "expected highlight, underline, note, image, ink or text",
        ));
    }
    if let Some(text) = item.field("annotationText") {
        if !matches!(kind, "highlight" | "underline") {
            return Err(invalid(
                "annotationText",
                text,
                "only highlights and underlines carry text",
            ));
        }
        let chars = text.chars().count();
        if chars > limits::ANNOTATION_TEXT_MAX_CHARS {
            return Err(too_long(
                "annotationText",
                chars,
                limits::ANNOTATION_TEXT_MAX_CHARS,
            ));
        }
    }
    if let Some(color) = item.field("annotationColor") {
        let ok = color.len() == 7
            && color.starts_with('#')
            && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(invalid(
                "annotationColor",
                color,
                "expected a colour like #ffd400",
            ));
        }
    }
    if let Some(label) = item.field("annotationPageLabel")
        && label.len() > limits::ANNOTATION_PAGE_LABEL_MAX
    {
        return Err(too_long(
            "annotationPageLabel",
            label.len(),
            limits::ANNOTATION_PAGE_LABEL_MAX,
        ));
    }
    if let Some(index) = item.field("annotationSortIndex")
        && !is_sort_index(index)
    {
        return Err(invalid(
            "annotationSortIndex",
            index,
            "expected ppppp|oooooo|ttttt (PDF), ppppp|oooooooo (EPUB) or 7–8 digits (HTML)",
        ));
    }
    if let Some(position) = item.field("annotationPosition") {
        if position.len() > limits::ANNOTATION_POSITION_MAX {
            return Err(too_long(
                "annotationPosition",
                position.len(),
                limits::ANNOTATION_POSITION_MAX,
            ));
        }
        if !serde_json::from_str::<serde_json::Value>(position).is_ok_and(|v| v.is_object()) {
            return Err(invalid(
                "annotationPosition",
                position,
                "expected a JSON object in a string",
            ));
        }
    }
    Ok(())
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_sort_index(s: &str) -> bool {
    let parts: Vec<&str> = s.split('|').collect();
    match parts.as_slice() {
        [p, o, t] => digits(p, 5) && digits(o, 6) && digits(t, 5),
        [p, o] => digits(p, 5) && digits(o, 8),
        [h] => digits(h, 7) || digits(h, 8),
        _ => false,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the Web API's timestamp form.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
            .into_iter()
            .all(|r| b[r].iter().all(u8::is_ascii_digit))
}

pub fn validate_collection(collection: &CollectionData) -> Result<(), ValidationError> {
    let name = collection.name.trim();
    if name.is_empty() {
        return Err(ValidationError::Missing("name".into()));
    }
    if collection.name.len() > limits::NAME_MAX {
        return Err(too_long("name", collection.name.len(), limits::NAME_MAX));
    }
    if collection.parent_collection.as_ref() == Some(&collection.key) {
        return Err(invalid(
            "parentCollection",
            collection.key.as_str(),
            "a collection cannot be its own parent",
        ));
    }
    Ok(())
}

/// Operators a saved search condition may use.
pub const SEARCH_OPERATORS: &[&str] = &[
    "is",
    "isNot",
    "contains",
    "doesNotContain",
    "beginsWith",
    "isBefore",
    "isAfter",
    "isInTheLast",
    "isLessThan",
    "isGreaterThan",
    "any",
    "all",
    "true",
    "false",
];

pub fn validate_saved_search(search: &SavedSearchData) -> Result<(), ValidationError> {
    if search.name.trim().is_empty() {
        return Err(ValidationError::Missing("name".into()));
    }
    if search.name.len() > limits::NAME_MAX {
        return Err(too_long("name", search.name.len(), limits::NAME_MAX));
    }
    for c in &search.conditions {
        if c.condition.is_empty() {
            return Err(invalid("conditions", "", "a condition needs a field"));
        }
        if !SEARCH_OPERATORS.contains(&c.operator.as_str()) {
            return Err(invalid("conditions", &c.operator, "unknown operator"));
        }
        if c.value.len() > limits::FIELD_MAX {
            return Err(too_long("conditions", c.value.len(), limits::FIELD_MAX));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creator::Creator;
    use crate::key::ObjectKey;
    use crate::tag::Tag;

    fn article() -> ItemData {
        let mut item = ItemData::new("journalArticle");
        item.set_field("title", "A study");
        item.creators
            .push(Creator::person("author", "Ada", "Lovelace"));
        item
    }

    #[test]
    fn accepts_a_valid_article() {
        assert_eq!(validate_item(&article()), Ok(()));
    }

    #[test]
    fn names_the_bad_field() {
        let mut item = article();
        item.set_field("ISBN", "123");
        let err = validate_item(&item).expect_err("ISBN on an article");
        assert_eq!(err.field(), Some("ISBN"));
        assert!(err.to_string().contains("journalArticle"), "{err}");

        let mut item = article();
        item.item_type = "scroll".into();
        assert_eq!(
            validate_item(&item),
            Err(ValidationError::UnknownItemType("scroll".into()))
        );

        let mut item = article();
        item.creators.push(Creator::person("inventor", "A", "B"));
        assert!(matches!(
            validate_item(&item),
            Err(ValidationError::CreatorTypeNotInType { .. })
        ));
    }

    #[test]
    fn limits_lengths() {
        let mut item = article();
        item.set_field("title", "x".repeat(limits::FIELD_MAX + 1));
        assert!(validate_item(&item).is_err_and(|e| e.is_too_long()));
        let mut item = article();
        item.tags.push(Tag::manual(&"t".repeat(300)));
        assert!(validate_item(&item).is_err_and(|e| e.is_too_long()));
    }

    #[test]
    fn annotations() {
        let mut a = ItemData::new("annotation");
        a.parent_item = Some(ObjectKey::random());
        a.set_field("annotationType", "highlight");
        a.set_field("annotationText", "quoted");
        a.set_field("annotationColor", "#ffd400");
        a.set_field("annotationSortIndex", "00001|000123|00045");
        a.set_field(
            "annotationPosition",
            r#"{"pageIndex":0,"rects":[[1,2,3,4]]}"#,
        );
        assert_eq!(validate_item(&a), Ok(()));
        let mut bad = a.clone();
        bad.set_field("annotationColor", "yellow");
        assert_eq!(
            validate_item(&bad).expect_err("colour").field(),
            Some("annotationColor")
        );
        let mut bad = a.clone();
        bad.set_field("annotationType", "scribble");
        assert!(validate_item(&bad).is_err());
        let mut bad = a.clone();
        bad.parent_item = None;
        assert_eq!(
            validate_item(&bad),
            Err(ValidationError::Missing("parentItem".into()))
        );
        let mut bad = a;
        bad.set_field("annotationPosition", "not json");
        assert!(validate_item(&bad).is_err());
    }

    #[test]
    fn attachments_and_notes() {
        let mut a = ItemData::new("attachment");
        a.set_field("linkMode", "linked_file");
        a.set_field("path", "/home/me/paper.pdf");
        assert_eq!(validate_item(&a), Ok(()));
        a.set_field("linkMode", "imported_file");
        assert!(validate_item(&a).is_err(), "path on an imported file");
        let mut n = ItemData::new("note");
        n.set_field("note", "<p>hi</p>");
        assert_eq!(validate_item(&n), Ok(()));
        n.set_field("title", "x");
        assert!(validate_item(&n).is_err());
    }
}
