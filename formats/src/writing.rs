//! Helpers for writing items out: creator roles, fields by base name, the
//! fields a format has no place for, and children by kind.

use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{Creator, ItemData, LinkMode};

use super::text;

/// The part a creator plays, as the formats tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The type's main creator (author, director, inventor, …).
    Author,
    Editor,
    SeriesEditor,
    Translator,
    BookAuthor,
    Other,
}

/// The role of `creator` on `item`.
pub(crate) fn role_of(item: &ItemData, creator: &Creator) -> Role {
    let primary = schema()
        .item_type(&item.item_type)
        .and_then(|d| d.primary_creator_type());
    match creator.creator_type.as_str() {
        t if Some(t) == primary || t == "author" => Role::Author,
        "editor" => Role::Editor,
        "seriesEditor" => Role::SeriesEditor,
        "translator" => Role::Translator,
        "bookAuthor" => Role::BookAuthor,
        _ => Role::Other,
    }
}

/// Creators of `item` in `role`, in order.
pub(crate) fn creators_in(item: &ItemData, role: Role) -> Vec<&Creator> {
    item.creators
        .iter()
        .filter(|c| role_of(item, c) == role)
        .collect()
}

/// `Last, First`, or the single name.
pub(crate) fn person_text(creator: &Creator) -> String {
    creator.display()
}

/// The value of the field playing the role of `base` on the item's type.
pub(crate) fn base<'a>(item: &'a ItemData, base: &str) -> Option<&'a str> {
    item.base_field(base)
}

/// Fields whose base name is not in `handled`, as `(field, value)`, in
/// schema order; `extra` is never among them.
pub(crate) fn unhandled_fields<'a>(
    item: &'a ItemData,
    handled: &[&str],
) -> Vec<(&'a str, &'a str)> {
    let Some(def) = schema().item_type(&item.item_type) else {
        return Vec::new();
    };
    def.fields
        .iter()
        .filter(|f| f.name != "extra")
        .filter(|f| !handled.contains(&def.base_of(&f.name)) && !handled.contains(&f.name.as_str()))
        .filter_map(|f| {
            item.fields
                .get_key_value(&f.name)
                .map(|(k, v)| (k.as_str(), v.as_str()))
        })
        .collect()
}

/// The lines of the item's `extra` field.
pub(crate) fn extra_lines(item: &ItemData) -> Vec<&str> {
    item.field("extra")
        .map(|e| e.lines().filter(|l| !l.trim().is_empty()).collect())
        .unwrap_or_default()
}

/// Plain text of each child note.
pub(crate) fn note_texts(children: &[ItemData]) -> Vec<String> {
    children
        .iter()
        .filter(|c| c.is_note())
        .filter_map(|c| c.field("note"))
        .map(text::note_text)
        .filter(|t| !t.is_empty())
        .collect()
}

/// Paths of linked-file attachments.
pub(crate) fn linked_paths(children: &[ItemData]) -> Vec<&str> {
    children
        .iter()
        .filter(|c| c.is_attachment() && c.link_mode() == Some(LinkMode::LinkedFile))
        .filter_map(|c| c.field("path"))
        .collect()
}

/// URLs of linked-URL attachments.
pub(crate) fn linked_urls(children: &[ItemData]) -> Vec<&str> {
    children
        .iter()
        .filter(|c| c.is_attachment() && c.link_mode() == Some(LinkMode::LinkedUrl))
        .filter_map(|c| c.field("url"))
        .collect()
}

/// Tags as text.
pub(crate) fn tag_texts(item: &ItemData) -> Vec<&str> {
    item.tags.iter().map(|t| t.tag.as_str()).collect()
}
