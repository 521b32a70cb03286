//! Items as the apps show them: list rows, pages, and the detail of one item
//! with labels from the schema, ready to render.

use std::collections::HashMap;

use shelfmark_core::protocol::schema::schema;
use shelfmark_core::protocol::{self as protocol, CreatorName, ItemData, ObjectKey, Tag};
use shelfmark_core::{ItemSummary, Page};

use crate::error::{Result, ShelfmarkError};

/// One row of an item list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemRow {
    /// The item's key.
    pub key: String,
    /// `book`, `journalArticle`, `note`…
    pub item_type: String,
    /// The item type as shown ("Journal Article").
    pub item_type_label: String,
    /// The title, a note's first line or an annotation's text.
    pub title: String,
    /// "Smith", "Smith and Jones" or "Smith et al.".
    pub creator_summary: String,
    /// The date as typed.
    pub date: String,
    /// The year of the date, when it has one.
    pub year: Option<i32>,
    /// When the item was added (ISO 8601, UTC).
    pub date_added: String,
    /// When the item last changed (ISO 8601, UTC).
    pub date_modified: String,
    /// Notes and attachments under the item.
    pub num_children: u32,
    /// Whether the item is in the trash.
    pub in_trash: bool,
}

/// One page of an item list or search.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemPage {
    /// The rows of this page, in order.
    pub rows: Vec<ItemRow>,
    /// How many rows all pages hold together.
    pub total: u64,
    /// The index of this page's first row.
    pub offset: u32,
    /// The page size asked for.
    pub limit: u32,
}

/// What sort of item it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ItemKind {
    /// A reference: book, article, thesis…
    Regular,
    /// A note (HTML).
    Note,
    /// A file or link.
    Attachment,
    /// A highlight, comment or drawing on an attachment.
    Annotation,
}

/// A field of an item with its label, in the order the item type lists it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemField {
    /// The field's name (`title`, `publicationTitle`, `DOI`…).
    pub name: String,
    /// The field as shown ("Publication", "DOI").
    pub label: String,
    /// The value; never empty.
    pub value: String,
}

/// A creator of an item: a person (first and last name) or a single name
/// (an organisation).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Creator {
    /// `author`, `editor`, `translator`… (one the item type allows).
    pub creator_type: String,
    /// The first name(s); empty for a single name.
    #[uniffi(default = "")]
    pub first_name: String,
    /// The last name, or the whole name when `single_name`.
    pub last_name: String,
    /// The name is one field (an organisation, or a name that does not split).
    #[uniffi(default = false)]
    pub single_name: bool,
    /// The creator type as shown ("Author"); filled in on items read back,
    /// ignored on input.
    #[uniffi(default = "")]
    pub label: String,
}

/// A tag on an item.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemTag {
    /// The tag's text.
    pub name: String,
    /// Added by an import rather than by the user.
    pub automatic: bool,
}

/// Everything about one item, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemDetail {
    /// The item's key.
    pub key: String,
    /// What sort of item it is.
    pub kind: ItemKind,
    /// `book`, `journalArticle`, `note`…
    pub item_type: String,
    /// The item type as shown.
    pub item_type_label: String,
    /// The title to show (a note's first line for notes).
    pub title: String,
    /// The item this one hangs under (notes, attachments, annotations).
    pub parent_key: Option<String>,
    /// Filled-in fields with labels, in the item type's order (then any
    /// note, attachment or annotation fields).
    pub fields: Vec<ItemField>,
    /// Creators, in order.
    pub creators: Vec<Creator>,
    /// Tags, in order.
    pub tags: Vec<ItemTag>,
    /// Keys of the collections the item is in.
    pub collections: Vec<String>,
    /// Keys of related items.
    pub related: Vec<String>,
    /// A note's HTML.
    pub note: Option<String>,
    /// When the item was added.
    pub date_added: Option<String>,
    /// When the item last changed.
    pub date_modified: Option<String>,
    /// Whether the item is in the trash.
    pub in_trash: bool,
    /// The version the server last knew (0: never synced).
    pub version: u64,
}

/// A new item.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewItem {
    /// `book`, `journalArticle`… (see `itemTypes()`).
    pub item_type: String,
    /// Field values by field name (`title`, `date`, `DOI`…).
    #[uniffi(default)]
    pub fields: HashMap<String, String>,
    /// Creators, in order.
    #[uniffi(default)]
    pub creators: Vec<Creator>,
    /// Tags.
    #[uniffi(default)]
    pub tags: Vec<String>,
    /// Keys of collections to put it in.
    #[uniffi(default)]
    pub collections: Vec<String>,
}

/// A field value to set; an empty value clears the field.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldValue {
    /// The field's name.
    pub name: String,
    /// The new value, or empty to clear it.
    pub value: String,
}

impl From<ItemSummary> for ItemRow {
    fn from(s: ItemSummary) -> Self {
        Self {
            key: s.key.to_string(),
            item_type_label: schema().item_type_label(&s.item_type).to_owned(),
            item_type: s.item_type,
            title: s.title,
            creator_summary: s.creator_summary,
            date: s.date,
            year: s.year,
            date_added: s.date_added,
            date_modified: s.date_modified,
            num_children: s.num_children,
            in_trash: s.in_trash,
        }
    }
}

impl From<Page<ItemSummary>> for ItemPage {
    fn from(p: Page<ItemSummary>) -> Self {
        Self {
            rows: p.items.into_iter().map(ItemRow::from).collect(),
            total: p.total,
            offset: p.offset,
            limit: p.limit,
        }
    }
}

impl Creator {
    /// The protocol's creator for this one.
    pub(crate) fn to_protocol(&self) -> protocol::Creator {
        if self.single_name {
            protocol::Creator::single(&self.creator_type, &self.last_name)
        } else {
            protocol::Creator::person(&self.creator_type, &self.first_name, &self.last_name)
        }
    }

    pub(crate) fn from_protocol(c: &protocol::Creator) -> Self {
        let (first_name, last_name, single_name) = match &c.name {
            CreatorName::TwoField { first, last } => (first.clone(), last.clone(), false),
            CreatorName::Single { name } => (String::new(), name.clone(), true),
        };
        Self {
            label: schema().creator_type_label(&c.creator_type).to_owned(),
            creator_type: c.creator_type.clone(),
            first_name,
            last_name,
            single_name,
        }
    }
}

fn kind_of(item: &ItemData) -> ItemKind {
    if item.is_note() {
        ItemKind::Note
    } else if item.is_attachment() {
        ItemKind::Attachment
    } else if item.is_annotation() {
        ItemKind::Annotation
    } else {
        ItemKind::Regular
    }
}

/// Keys named by an item's "related" relations.
fn related_keys(item: &ItemData) -> Vec<String> {
    item.relations
        .0
        .get("dc:relation")
        .into_iter()
        .flatten()
        .filter_map(|uri| uri.rsplit_once("/items/").map(|(_, key)| key))
        .filter(|key| ObjectKey::is_valid(key))
        .map(str::to_owned)
        .collect()
}

/// The filled-in fields in display order: the type's own order, then the
/// rest (note, attachment and annotation fields) by name. The note's HTML
/// is given separately.
fn ordered_fields(item: &ItemData) -> Vec<ItemField> {
    let field = |name: &str, value: &str| ItemField {
        name: name.to_owned(),
        label: schema().field_label(name).to_owned(),
        value: value.to_owned(),
    };
    let mut out: Vec<ItemField> = Vec::with_capacity(item.fields.len());
    if let Some(def) = schema().item_type(&item.item_type) {
        for f in &def.fields {
            if let Some(value) = item.field(&f.name) {
                out.push(field(&f.name, value));
            }
        }
    }
    for (name, value) in &item.fields {
        if name != "note" && !out.iter().any(|f| &f.name == name) {
            out.push(field(name, value));
        }
    }
    out
}

impl From<ItemData> for ItemDetail {
    fn from(item: ItemData) -> Self {
        let title = if item.is_note() {
            shelfmark_core::text::note_title(item.field("note").unwrap_or_default())
        } else {
            item.title()
                .or_else(|| item.field("annotationText"))
                .unwrap_or_default()
                .to_owned()
        };
        Self {
            key: item.key.to_string(),
            kind: kind_of(&item),
            item_type_label: schema().item_type_label(&item.item_type).to_owned(),
            title,
            parent_key: item.parent_item.as_ref().map(ToString::to_string),
            fields: ordered_fields(&item),
            creators: item.creators.iter().map(Creator::from_protocol).collect(),
            tags: item
                .tags
                .iter()
                .map(|t| ItemTag {
                    name: t.tag.clone(),
                    automatic: t.kind == 1,
                })
                .collect(),
            collections: item.collections.iter().map(ToString::to_string).collect(),
            related: related_keys(&item),
            note: item.field("note").map(str::to_owned),
            date_added: item.date_added.clone(),
            date_modified: item.date_modified.clone(),
            in_trash: item.deleted,
            version: item.version,
            item_type: item.item_type,
        }
    }
}

impl NewItem {
    /// The protocol item this describes, with a fresh key.
    pub(crate) fn into_item_data(self) -> Result<ItemData> {
        let mut item = ItemData::new(self.item_type.trim());
        let mut fields: Vec<(String, String)> = self.fields.into_iter().collect();
        fields.sort();
        for (name, value) in fields {
            item.set_field(&name, value);
        }
        item.creators = self.creators.iter().map(Creator::to_protocol).collect();
        item.tags = self.tags.iter().map(|t| Tag::manual(t.trim())).collect();
        item.collections = self
            .collections
            .iter()
            .map(|k| ObjectKey::parse(k).map_err(ShelfmarkError::from))
            .collect::<Result<_>>()?;
        Ok(item)
    }
}
