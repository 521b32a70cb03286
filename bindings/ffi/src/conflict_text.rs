//! Sync conflicts as a resolution screen shows them: each field with its
//! label and both values in words (tags and creators as lists, collection
//! keys as names) instead of field names and JSON.

use std::collections::HashMap;

use serde_json::Value;
use shelfmark_core::protocol::schema::schema;
use shelfmark_core::{self as core, Library, LibraryId};

use crate::error::Result;
use crate::library::LibraryHandle;
use crate::runtime::with_library;
use crate::sync::SyncConflict;

/// One conflicting field, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConflictFieldText {
    /// The field's name, as `ConflictChoice.Values` takes it.
    pub field: String,
    /// As shown ("Title", "Tags", "Parent Collection").
    pub label: String,
    /// The value here, in words ("(none)" where it was removed).
    pub local: String,
    /// The value online, in words.
    pub remote: String,
}

/// A conflict, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConflictText {
    /// The conflict as `sync().conflicts()` gives it, for `sync().resolve`.
    pub conflict: SyncConflict,
    /// "My Library" or the group's name.
    pub library_name: String,
    /// "Item", "Collection" or "Saved Search".
    pub object_label: String,
    /// The object's title, or "Untitled".
    pub title: String,
    /// The fields in conflict.
    pub fields: Vec<ConflictFieldText>,
}

const NONE: &str = "(none)";

fn field_label(field: &str) -> String {
    match field {
        "creators" => "Creators",
        "tags" => "Tags",
        "collections" => "Collections",
        "relations" => "Related",
        "deleted" => "In the Trash",
        "itemType" => "Item Type",
        "name" => "Name",
        "parentCollection" => "Parent Collection",
        "parentItem" => "Parent Item",
        "conditions" => "Conditions",
        "note" => "Note",
        other => schema().field_label(other),
    }
    .to_owned()
}

fn object_label(object_type: &str) -> String {
    match object_type {
        "item" => "Item",
        "collection" => "Collection",
        "search" => "Saved Search",
        other => other,
    }
    .to_owned()
}

fn creator_text(creator: &Value) -> Option<String> {
    let kind = creator.get("creatorType")?.as_str()?;
    let name = match creator.get("name").and_then(Value::as_str) {
        Some(single) => single.to_owned(),
        None => {
            let last = creator
                .get("lastName")
                .and_then(Value::as_str)
                .unwrap_or("");
            let first = creator
                .get("firstName")
                .and_then(Value::as_str)
                .unwrap_or("");
            if first.is_empty() {
                last.to_owned()
            } else {
                format!("{last}, {first}")
            }
        }
    };
    Some(format!("{name} ({})", schema().creator_type_label(kind)))
}

fn list_or_none(parts: Vec<String>, separator: &str) -> String {
    if parts.is_empty() {
        NONE.to_owned()
    } else {
        parts.join(separator)
    }
}

/// A conflicting value in words. `raw` is the value as `ConflictField`
/// carries it: the text of a text field, JSON for everything else.
fn value_text(field: &str, raw: Option<&str>, collection_name: &dyn Fn(&str) -> String) -> String {
    let Some(raw) = raw else {
        return NONE.to_owned();
    };
    let json = || serde_json::from_str::<Value>(raw).ok();
    let items = || {
        json()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
    };
    match field {
        "creators" => list_or_none(items().iter().filter_map(creator_text).collect(), "; "),
        "tags" => list_or_none(
            items()
                .iter()
                .filter_map(|t| t.get("tag").and_then(Value::as_str).map(str::to_owned))
                .collect(),
            ", ",
        ),
        "collections" => list_or_none(
            items()
                .iter()
                .filter_map(Value::as_str)
                .map(collection_name)
                .collect(),
            ", ",
        ),
        "relations" => {
            let related = json()
                .and_then(|v| v.as_object().cloned())
                .map_or(0, |map| {
                    map.values()
                        .map(|uris| uris.as_array().map_or(1, Vec::len))
                        .sum::<usize>()
                });
            match related {
                0 => NONE.to_owned(),
                1 => "1 related item".to_owned(),
                n => format!("{n} related items"),
            }
        }
        "deleted" => if raw == "true" { "Yes" } else { "No" }.to_owned(),
        "parentCollection" => match raw {
            "false" | "" => "(top level)".to_owned(),
            key => collection_name(key),
        },
        "conditions" => list_or_none(
            items()
                .iter()
                .filter_map(|c| {
                    let get = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
                    (get("condition") != "joinMode").then(|| {
                        format!("{} {} {}", get("condition"), get("operator"), get("value"))
                            .trim()
                            .to_owned()
                    })
                })
                .collect(),
            "; ",
        ),
        "itemType" => schema().item_type_label(raw).to_owned(),
        "note" => shelfmark_core::text::strip_tags(raw),
        _ if raw.is_empty() => NONE.to_owned(),
        _ => raw.to_owned(),
    }
}

fn conflict_text(
    library: &Library,
    conflict: SyncConflict,
    library_names: &HashMap<i64, String>,
) -> core::Result<ConflictText> {
    let scoped = library.scoped(LibraryId(conflict.library_id))?;
    let collection_name = |key: &str| {
        scoped
            .get_collection(key)
            .map_or_else(|_| key.to_owned(), |c| c.name)
    };
    let fields = conflict
        .fields
        .iter()
        .map(|f| ConflictFieldText {
            field: f.field.clone(),
            label: field_label(&f.field),
            local: value_text(&f.field, f.local.as_deref(), &collection_name),
            remote: value_text(&f.field, f.remote.as_deref(), &collection_name),
        })
        .collect();
    Ok(ConflictText {
        library_name: library_names
            .get(&conflict.library_id)
            .cloned()
            .unwrap_or_default(),
        object_label: object_label(&conflict.object_type),
        title: if conflict.title.trim().is_empty() {
            "Untitled".to_owned()
        } else {
            conflict.title.clone()
        },
        fields,
        conflict,
    })
}

#[uniffi::export]
impl LibraryHandle {
    /// Every sync conflict of the file (as `sync().conflicts()` lists them)
    /// with each field's label and both values in words, for the
    /// resolution screen.
    pub async fn conflict_texts(&self) -> Result<Vec<ConflictText>> {
        let conflicts = self.sync().conflicts().await?;
        with_library(&self.library, move |l| {
            let names: HashMap<i64, String> = l
                .libraries()?
                .into_iter()
                .map(|info| (info.id.0, info.name))
                .collect();
            conflicts
                .into_iter()
                .map(|c| conflict_text(l, c, &names))
                .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(field: &str, raw: Option<&str>) -> String {
        value_text(field, raw, &|key| format!("<{key}>"))
    }

    #[test]
    fn values_read_as_words() {
        assert_eq!(words("title", Some("Origin")), "Origin");
        assert_eq!(words("title", None), "(none)");
        assert_eq!(
            words(
                "creators",
                Some(
                    r#"[{"creatorType":"author","firstName":"Charles","lastName":"Darwin"},
                        {"creatorType":"editor","name":"Royal Society"}]"#
                )
            ),
            "Darwin, Charles (Author); Royal Society (Editor)"
        );
        assert_eq!(
            words(
                "tags",
                Some(r#"[{"tag":"evolution"},{"tag":"read","type":1}]"#)
            ),
            "evolution, read"
        );
        assert_eq!(words("tags", Some("[]")), "(none)");
        assert_eq!(words("collections", Some(r#"["ABCD2345"]"#)), "<ABCD2345>");
        assert_eq!(words("parentCollection", Some("false")), "(top level)");
        assert_eq!(words("deleted", Some("true")), "Yes");
        assert_eq!(
            words(
                "relations",
                Some(r#"{"dc:relation":["http://zotero.org/users/1/items/ABCD2345","x"]}"#)
            ),
            "2 related items"
        );
        assert_eq!(
            words(
                "conditions",
                Some(
                    r#"[{"condition":"joinMode","operator":"any","value":""},
                        {"condition":"tag","operator":"is","value":"physics"}]"#
                )
            ),
            "tag is physics"
        );
        assert_eq!(words("itemType", Some("journalArticle")), "Journal Article");
        assert_eq!(
            words("note", Some("<p>Read <b>again</b></p>")),
            "Read again"
        );
        assert_eq!(field_label("publicationTitle"), "Publication");
        assert_eq!(field_label("tags"), "Tags");
    }
}
