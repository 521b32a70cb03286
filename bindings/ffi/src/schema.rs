//! The item schema, for editors: item types, their fields and creator
//! types, with the labels to show.

use shelfmark_core::protocol::schema::{ItemTypeDef, schema};

/// A field an item type has.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldInfo {
    /// The field's name (`publicationTitle`).
    pub name: String,
    /// The field as shown ("Publication").
    pub label: String,
    /// The general field it stands for (`bookTitle` → `publicationTitle`), if any.
    pub base_field: Option<String>,
}

/// A kind of creator an item type has.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CreatorTypeInfo {
    /// The creator type's name (`author`).
    pub name: String,
    /// As shown ("Author").
    pub label: String,
    /// The item type's main creator type (listed first, used in citations).
    pub primary: bool,
}

/// An item type with its fields in display order and its creator types.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemTypeInfo {
    /// The type's name (`journalArticle`).
    pub name: String,
    /// As shown ("Journal Article").
    pub label: String,
    /// Its fields, in the order an editor shows them.
    pub fields: Vec<FieldInfo>,
    /// Its creator types, the main one first.
    pub creator_types: Vec<CreatorTypeInfo>,
}

/// An item type's creator types with labels, the main one first.
pub(crate) fn creator_types_of(item_type: &ItemTypeDef) -> Vec<CreatorTypeInfo> {
    let mut list: Vec<CreatorTypeInfo> = item_type
        .creator_types
        .iter()
        .map(|c| CreatorTypeInfo {
            name: c.name.clone(),
            label: schema().creator_type_label(&c.name).to_owned(),
            primary: c.primary,
        })
        .collect();
    list.sort_by_key(|c| !c.primary);
    list
}

/// Every bibliographic item type (not notes, attachments or annotations),
/// sorted by label.
#[uniffi::export]
pub fn item_types() -> Vec<ItemTypeInfo> {
    let s = schema();
    let mut types: Vec<ItemTypeInfo> = s
        .item_types()
        .filter(|t| t.is_regular())
        .map(|t| ItemTypeInfo {
            name: t.name.clone(),
            label: s.item_type_label(&t.name).to_owned(),
            fields: t
                .fields
                .iter()
                .map(|f| FieldInfo {
                    name: f.name.clone(),
                    label: s.field_label(&f.name).to_owned(),
                    base_field: f.base_field.clone(),
                })
                .collect(),
            creator_types: creator_types_of(t),
        })
        .collect();
    types.sort_by(|a, b| a.label.cmp(&b.label));
    types
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_types_carry_labels_and_primary_creators() {
        let types = item_types();
        let article = types
            .iter()
            .find(|t| t.name == "journalArticle")
            .expect("journal articles exist");
        assert_eq!(article.label, "Journal Article");
        assert_eq!(article.fields[0].name, "title");
        assert!(article.creator_types[0].primary);
        assert!(
            !types
                .iter()
                .any(|t| t.name == "note" || t.name == "annotation")
        );
    }
}
