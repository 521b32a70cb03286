//! The item editor: a form built from the schema for an existing item or a
//! new one, a preview of what a type change moves to Extra, and one save
//! that checks every value with the protocol's rules and writes all changes
//! in one transaction, or nothing.

use std::sync::Arc;

use shelfmark_core::protocol::schema::{ItemTypeDef, schema};
use shelfmark_core::protocol::{ItemData, ObjectKey, Tag, ValidationError, validate_item};
use shelfmark_core::{self as core, Library, convert_item_type};

use crate::error::Result;
use crate::item_records::{Creator, ItemDetail, ItemField, ItemTag};
use crate::library::LibraryHandle;
use crate::runtime::with_library;
use crate::schema::{CreatorTypeInfo, creator_types_of};

/// How an editor shows a field's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum FieldKind {
    /// One line of text.
    SingleLine,
    /// Several lines: Abstract and Extra.
    MultiLine,
    /// A date as the user types it ("2019", "May 2019", "2019-05-03"): a
    /// text field, perhaps with a date picker beside it.
    Date,
    /// A web address.
    Url,
}

/// One field of the form, in the item type's order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormField {
    /// The field's name (`publicationTitle`).
    pub name: String,
    /// As shown ("Publication").
    pub label: String,
    /// How to show its input.
    pub kind: FieldKind,
    /// The value to show and edit; empty when the field is not filled in.
    pub value: String,
    /// The value the form was made with (leave it as it is): saving writes
    /// only fields whose `value` differs from it, so a field a sync changed
    /// meanwhile keeps the new value unless the user edited it too.
    pub original_value: String,
}

/// What an item editor shows and edits. Change `fields[i].value`,
/// `creators` and `tags`, then pass the form to `ItemForms.save`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemForm {
    /// The item's key; absent for a new item.
    pub key: Option<String>,
    /// The item type (`journalArticle`); change it with `ItemForms.changeType`.
    pub item_type: String,
    /// As shown ("Journal Article").
    pub item_type_label: String,
    /// Every field of the type, in its order, filled in or not.
    pub fields: Vec<FormField>,
    /// The creators, in order. A new item's form starts with one empty row
    /// of the type's main creator type; rows left empty are not saved.
    pub creators: Vec<Creator>,
    /// The creator types to offer, the main one first.
    pub creator_types: Vec<CreatorTypeInfo>,
    /// The tags. Rows left empty are not saved; tags added here are manual.
    pub tags: Vec<ItemTag>,
    /// A new item is created in this collection (it is ignored for an
    /// existing item).
    pub collection: Option<String>,
    /// Whether the library takes edits: false in a read-only group
    /// library, where saving is refused.
    pub editable: bool,
    /// The creators the form was made with (leave as they are).
    pub original_creators: Vec<Creator>,
    /// The tags the form was made with (leave as they are).
    pub original_tags: Vec<ItemTag>,
}

/// A form converted to another item type, before anything is saved.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemTypeChange {
    /// The form in the new type, with values moved as saving it will move
    /// them; show it in place of the old one.
    pub form: ItemForm,
    /// Values the new type has no field or creator type for, added to Extra
    /// as "Label: value" lines: tell the user before they confirm.
    pub moved_to_extra: Vec<ItemField>,
}

/// A value the form cannot be saved with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormProblem {
    /// The field at fault (`title`), or `creators`, `tags`, `itemType`.
    pub field: String,
    /// As shown ("Title", "Creators").
    pub label: String,
    /// What is wrong, in words fit to show beside the field.
    pub message: String,
}

/// The input kind of a field, by its name and the general field it stands for.
fn field_kind(name: &str, base_field: Option<&str>) -> FieldKind {
    match (name, base_field) {
        ("abstractNote" | "extra", _) => FieldKind::MultiLine,
        ("url", _) => FieldKind::Url,
        ("date" | "accessDate", _) | (_, Some("date")) => FieldKind::Date,
        _ => FieldKind::SingleLine,
    }
}

/// The label of what a problem is about.
fn label_of(field: &str) -> String {
    match field {
        "creators" => "Creators".to_owned(),
        "tags" => "Tags".to_owned(),
        "itemType" => "Item Type".to_owned(),
        other => schema().field_label(other).to_owned(),
    }
}

fn problem_of(error: &ValidationError) -> FormProblem {
    let field = error.field().unwrap_or("item").to_owned();
    let label = label_of(&field);
    FormProblem {
        message: format!("{label}: {error}"),
        label,
        field,
    }
}

/// A refusal naming the field at fault, with nothing saved.
fn refusal(error: &ValidationError) -> core::Error {
    core::Error::InvalidInput(problem_of(error).message)
}

/// A bibliographic item type, or why not.
fn regular_type(name: &str) -> core::Result<&'static ItemTypeDef> {
    match schema().item_type(name) {
        Some(def) if def.is_regular() => Ok(def),
        Some(_) => Err(core::Error::InvalidInput(format!(
            "{name} items are not edited in the item form (notes, attachments and annotations have their own calls)"
        ))),
        None => Err(ValidationError::UnknownItemType(name.to_owned()).into()),
    }
}

/// The creators worth saving: rows with a name, names trimmed.
fn filled_creators(creators: &[Creator]) -> Vec<Creator> {
    creators
        .iter()
        .filter(|c| !(c.first_name.trim().is_empty() && c.last_name.trim().is_empty()))
        .map(|c| Creator {
            creator_type: c.creator_type.trim().to_owned(),
            first_name: c.first_name.trim().to_owned(),
            last_name: c.last_name.trim().to_owned(),
            single_name: c.single_name,
            label: c.label.clone(),
        })
        .collect()
}

/// Tag names worth saving, trimmed, each once.
fn filled_tags(tags: &[ItemTag]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let name = tag.name.trim();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

fn same_creators(a: &[Creator], b: &[Creator]) -> bool {
    let a = filled_creators(a);
    let b = filled_creators(b);
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            (&x.creator_type, &x.first_name, &x.last_name, x.single_name)
                == (&y.creator_type, &y.first_name, &y.last_name, y.single_name)
        })
}

/// The form's values as item data (the edited ones, or those it was made
/// with), for validation and type conversion.
fn item_of(form: &ItemForm, original: bool) -> ItemData {
    let mut item = ItemData::new(&form.item_type);
    for field in &form.fields {
        let value = if original {
            &field.original_value
        } else {
            &field.value
        };
        item.set_field(&field.name, value.trim());
    }
    let creators = if original {
        &form.original_creators
    } else {
        &form.creators
    };
    item.creators = filled_creators(creators)
        .iter()
        .map(Creator::to_protocol)
        .collect();
    let tags = if original {
        &form.original_tags
    } else {
        &form.tags
    };
    item.tags = filled_tags(tags).iter().map(|t| Tag::manual(t)).collect();
    item
}

fn tags_of(item: &ItemData) -> Vec<ItemTag> {
    item.tags
        .iter()
        .map(|t| ItemTag {
            name: t.tag.clone(),
            automatic: t.kind == 1,
        })
        .collect()
}

/// A form of `def`'s fields with `edited` values over `original` ones.
fn form_of(
    def: &ItemTypeDef,
    key: Option<String>,
    edited: &ItemData,
    original: &ItemData,
    collection: Option<String>,
    editable: bool,
) -> ItemForm {
    let s = schema();
    ItemForm {
        key,
        item_type: def.name.clone(),
        item_type_label: s.item_type_label(&def.name).to_owned(),
        fields: def
            .fields
            .iter()
            .map(|f| FormField {
                name: f.name.clone(),
                label: s.field_label(&f.name).to_owned(),
                kind: field_kind(&f.name, f.base_field.as_deref()),
                value: edited.field(&f.name).unwrap_or_default().to_owned(),
                original_value: original.field(&f.name).unwrap_or_default().to_owned(),
            })
            .collect(),
        creators: edited.creators.iter().map(Creator::from_protocol).collect(),
        creator_types: creator_types_of(def),
        tags: tags_of(edited),
        collection,
        editable,
        original_creators: original
            .creators
            .iter()
            .map(Creator::from_protocol)
            .collect(),
        original_tags: tags_of(original),
    }
}

/// An empty creator row of the type's main creator type.
fn blank_creator(def: &ItemTypeDef) -> Option<Creator> {
    def.primary_creator_type().map(|creator_type| Creator {
        creator_type: creator_type.to_owned(),
        first_name: String::new(),
        last_name: String::new(),
        single_name: false,
        label: schema().creator_type_label(creator_type).to_owned(),
    })
}

/// Whether the library this handle works on takes edits.
fn library_editable(library: &Library) -> core::Result<bool> {
    Ok(library
        .libraries()?
        .into_iter()
        .find(|l| l.id == library.id())
        .is_some_and(|l| l.editable))
}

/// Every problem of the form's values, each field at most once: the
/// protocol's checks, repeated without the field at fault until none is left.
fn problems_of(form: &ItemForm) -> Vec<FormProblem> {
    let mut item = item_of(form, false);
    let mut problems: Vec<FormProblem> = Vec::new();
    while let Err(error) = validate_item(&item) {
        let problem = problem_of(&error);
        let removed = match problem.field.as_str() {
            "creators" => !std::mem::take(&mut item.creators).is_empty(),
            "tags" => !std::mem::take(&mut item.tags).is_empty(),
            field => item.fields.remove(field).is_some(),
        };
        problems.push(problem);
        if !removed {
            break;
        }
    }
    problems
}

/// Applies the form's edits to `item` (the stored item, read in the saving
/// transaction): a type change first, then each value that differs from
/// what the form was made with.
fn apply_form(item: &mut ItemData, form: &ItemForm) -> core::Result<()> {
    regular_type(&item.item_type)?;
    if item.item_type != form.item_type {
        regular_type(&form.item_type)?;
        let (converted, _) = convert_item_type(item.clone(), &form.item_type)?;
        *item = converted;
    }
    for field in &form.fields {
        let value = field.value.trim();
        if value != field.original_value.trim() {
            item.set_field(&field.name, value);
        }
    }
    if !same_creators(&form.creators, &form.original_creators) {
        item.creators = filled_creators(&form.creators)
            .iter()
            .map(Creator::to_protocol)
            .collect();
    }
    let tags = filled_tags(&form.tags);
    let original_tags = filled_tags(&form.original_tags);
    item.tags
        .retain(|t| tags.contains(&t.tag) || !original_tags.contains(&t.tag));
    for tag in &tags {
        if !original_tags.contains(tag) && !item.tags.iter().any(|t| &t.tag == tag) {
            item.tags.push(Tag::manual(tag));
        }
    }
    validate_item(item).map_err(|e| refusal(&e))
}

/// A new item from a form.
fn new_item(form: &ItemForm) -> core::Result<ItemData> {
    regular_type(&form.item_type)?;
    let mut item = item_of(form, false);
    if let Some(collection) = &form.collection {
        item.collections = vec![ObjectKey::parse(collection)?];
    }
    validate_item(&item).map_err(|e| refusal(&e))?;
    Ok(item)
}

/// Item forms of a library: what an editor shows and how it saves.
#[derive(Debug, uniffi::Object)]
pub struct ItemForms {
    library: Library,
}

#[uniffi::export]
impl LibraryHandle {
    /// The item editor's forms: build, change type, check and save.
    pub fn item_forms(&self) -> Arc<ItemForms> {
        Arc::new(ItemForms {
            library: self.library.clone(),
        })
    }
}

#[uniffi::export]
impl ItemForms {
    /// The form for an existing bibliographic item (not a note, attachment
    /// or annotation): every field of its type with the current values.
    pub async fn for_item(&self, key: String) -> Result<ItemForm> {
        with_library(&self.library, move |l| {
            let item = l.get_item(&key)?;
            let def = regular_type(&item.item_type)?;
            let editable = library_editable(l)?;
            Ok(form_of(
                def,
                Some(item.key.to_string()),
                &item,
                &item,
                None,
                editable,
            ))
        })
        .await
    }

    /// The form for a new item of `item_type` (see `itemTypes()`), created
    /// in `collection` when given.
    pub async fn for_new_item(
        &self,
        item_type: String,
        collection: Option<String>,
    ) -> Result<ItemForm> {
        let def = regular_type(item_type.trim())?;
        let editable = with_library(&self.library, library_editable).await?;
        let empty = ItemData::new(&def.name);
        let mut form = form_of(def, None, &empty, &empty, collection, editable);
        form.creators.extend(blank_creator(def));
        Ok(form)
    }

    /// The form as `item_type`, unsaved: values move to the new type's
    /// fields as saving will move them (`publicationTitle` ⇄ `bookTitle`,
    /// `publisher` → `university`…), and what has no place goes to Extra,
    /// listed in `movedToExtra`. Save the returned form to make the change.
    pub fn change_type(&self, form: ItemForm, item_type: String) -> Result<ItemTypeChange> {
        let item_type = item_type.trim();
        regular_type(&form.item_type)?;
        let def = regular_type(item_type)?;
        let (edited, moved) = convert_item_type(item_of(&form, false), item_type)?;
        let (original, _) = convert_item_type(item_of(&form, true), item_type)?;
        let mut changed = form_of(
            def,
            form.key.clone(),
            &edited,
            &original,
            form.collection.clone(),
            form.editable,
        );
        // Tags are kept as the form had them (automatic ones included).
        changed.tags = form.tags;
        changed.original_tags = form.original_tags;
        if changed.key.is_none() && changed.creators.is_empty() {
            changed.creators.extend(blank_creator(def));
        }
        Ok(ItemTypeChange {
            form: changed,
            moved_to_extra: moved
                .into_iter()
                .map(|m| ItemField {
                    name: m.name,
                    label: m.label,
                    value: m.value,
                })
                .collect(),
        })
    }

    /// Every value the form cannot be saved with, each with its field named
    /// (empty when the form can be saved): for showing problems beside the
    /// fields before saving.
    pub fn validate(&self, form: ItemForm) -> Vec<FormProblem> {
        problems_of(&form)
    }

    /// Saves the form in one transaction: a new item is created; an
    /// existing one gets its type change and every edited value (fields,
    /// creators, tags added and removed) at once. A value the rules refuse
    /// fails with `InvalidInput` naming the field, and nothing is saved;
    /// so does a form of a read-only library. The item as saved.
    pub async fn save(&self, form: ItemForm) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            if !library_editable(l)? {
                return Err(core::Error::InvalidInput(
                    "this library is read-only: changes to it cannot be saved".into(),
                ));
            }
            match &form.key {
                None => l.create_item(new_item(&form)?),
                Some(key) => l.edit_item(key, |item| apply_form(item, &form)),
            }
            .map(ItemDetail::from)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_kinds_follow_the_fields_roles() {
        assert_eq!(field_kind("abstractNote", None), FieldKind::MultiLine);
        assert_eq!(field_kind("extra", None), FieldKind::MultiLine);
        assert_eq!(field_kind("url", None), FieldKind::Url);
        assert_eq!(field_kind("date", None), FieldKind::Date);
        assert_eq!(field_kind("dateDecided", Some("date")), FieldKind::Date);
        assert_eq!(field_kind("accessDate", None), FieldKind::Date);
        assert_eq!(field_kind("title", None), FieldKind::SingleLine);
    }

    #[test]
    fn empty_rows_are_not_saved_and_tags_are_kept_once() {
        let blank = Creator {
            creator_type: "author".into(),
            first_name: " ".into(),
            last_name: String::new(),
            single_name: false,
            label: String::new(),
        };
        assert!(filled_creators(&[blank]).is_empty());
        let tags = [" read ", "", "read", "later"].map(|name| ItemTag {
            name: name.into(),
            automatic: false,
        });
        assert_eq!(filled_tags(&tags), ["read", "later"]);
    }
}
