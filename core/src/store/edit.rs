//! Editing an item's own data: fields, creators, tags, related items and its
//! type, plus the library's tag list.

use rusqlite::params;
use shelfmark_protocol::schema::{ANNOTATION_FIELDS, ATTACHMENT_FIELDS, ItemTypeDef, schema};
use shelfmark_protocol::{Creator, ItemData, ObjectKey, Tag, ValidationError};

use crate::error::{Error, Result};
use crate::library::Library;
use crate::store::items::{edit_local, get_row, save_local};
use crate::text::fold;

/// Relations between items of this library are written as Zotero writes them
/// for a library not bound to an account: this prefix followed by the key.
/// Removal also recognises the account form (`…/users/<id>/items/<KEY>`).
pub const LOCAL_ITEM_URI_PREFIX: &str = "http://zotero.org/users/local/items/";

/// The predicate Zotero uses for "related" items.
const RELATED: &str = "dc:relation";

/// A tag of the library with how many items (not in the trash) carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCount {
    pub tag: String,
    /// 0 for a manual tag, 1 for an automatic one.
    pub kind: u8,
    pub items: u64,
}

/// The URI that names an item of this library in a relation.
pub fn local_item_uri(key: &str) -> String {
    format!("{LOCAL_ITEM_URI_PREFIX}{key}")
}

/// Whether a relation URI points at the item `key`, in any library form.
fn uri_names_item(uri: &str, key: &ObjectKey) -> bool {
    uri.strip_suffix(key.as_str())
        .is_some_and(|head| head.starts_with("http://zotero.org/") && head.ends_with("/items/"))
}

/// Whether `name` is a string field an item of this type may carry.
fn field_allowed(def: &ItemTypeDef, name: &str) -> bool {
    ItemData::is_string_field_name(name)
        && (def.has_field(name)
            || (def.is_attachment() && ATTACHMENT_FIELDS.contains(&name))
            || (def.is_annotation() && ANNOTATION_FIELDS.contains(&name))
            || (def.is_note() && name == "note"))
}

impl Library {
    /// Sets string fields of an item; an empty value clears the field. Every
    /// field must belong to the item's type, even one being cleared.
    pub fn set_fields(&self, key: &str, fields: &[(&str, &str)]) -> Result<ItemData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            edit_local(tx, lib, &key, |item| {
                let def = schema()
                    .item_type(&item.item_type)
                    .ok_or_else(|| ValidationError::UnknownItemType(item.item_type.clone()))?;
                for (name, value) in fields {
                    if !field_allowed(def, name) {
                        return Err(ValidationError::FieldNotInType {
                            field: (*name).to_owned(),
                            item_type: item.item_type.clone(),
                        }
                        .into());
                    }
                    if *name == "annotationType"
                        && item.field(name).is_some_and(|old| old != *value)
                    {
                        return Err(Error::invalid(format!(
                            "the type of annotation {} is fixed once set",
                            item.key
                        )));
                    }
                    item.set_field(name, *value);
                }
                Ok(())
            })
        })
    }

    /// Replaces an item's creators; each creator type must belong to the
    /// item's type.
    pub fn set_creators(&self, key: &str, creators: Vec<Creator>) -> Result<ItemData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            edit_local(tx, lib, &key, |item| {
                item.creators = creators;
                Ok(())
            })
        })
    }

    /// Adds manual tags (trimmed) that the item does not carry yet.
    pub fn add_tags(&self, key: &str, tags: &[&str]) -> Result<ItemData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            edit_local(tx, lib, &key, |item| {
                for tag in tags {
                    let tag = tag.trim();
                    if tag.is_empty() {
                        return Err(Error::invalid("a tag cannot be empty"));
                    }
                    if !item.tags.iter().any(|t| t.tag == tag) {
                        item.tags.push(Tag::manual(tag));
                    }
                }
                Ok(())
            })
        })
    }

    /// Removes tags (manual or automatic) by name; names the item does not
    /// carry are ignored.
    pub fn remove_tags(&self, key: &str, tags: &[&str]) -> Result<ItemData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            edit_local(tx, lib, &key, |item| {
                item.tags
                    .retain(|t| !tags.iter().any(|r| r.trim() == t.tag));
                Ok(())
            })
        })
    }

    /// Marks two items as related: each gets a `dc:relation` to the other
    /// (see [`local_item_uri`]).
    pub fn add_related(&self, a: &str, b: &str) -> Result<()> {
        let (a, b) = (ObjectKey::parse(a)?, ObjectKey::parse(b)?);
        if a == b {
            return Err(Error::invalid(format!(
                "item {a} cannot be related to itself"
            )));
        }
        let lib = self.id;
        self.db.write(|tx| {
            // Both must exist before either is written.
            get_row(tx, lib, &b)?;
            for (from, to) in [(&a, &b), (&b, &a)] {
                edit_local(tx, lib, from, |item| {
                    if !item
                        .relations
                        .0
                        .get(RELATED)
                        .is_some_and(|uris| uris.iter().any(|u| uri_names_item(u, to)))
                    {
                        item.relations.add(RELATED, &local_item_uri(to.as_str()));
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })
    }

    /// Undoes [`Library::add_related`] on both items.
    pub fn remove_related(&self, a: &str, b: &str) -> Result<()> {
        let (a, b) = (ObjectKey::parse(a)?, ObjectKey::parse(b)?);
        let lib = self.id;
        self.db.write(|tx| {
            get_row(tx, lib, &b)?;
            for (from, to) in [(&a, &b), (&b, &a)] {
                edit_local(tx, lib, from, |item| {
                    if let Some(uris) = item.relations.0.get_mut(RELATED) {
                        uris.retain(|u| !uri_names_item(u, to));
                        if uris.is_empty() {
                            item.relations.0.remove(RELATED);
                        }
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })
    }

    /// Changes a bibliographic item's type. Fields move through their base
    /// fields (`bookTitle` ⇄ `publicationTitle`); fields the new type lacks go
    /// into `extra` as `Label: value` lines. Creators of a type the new type
    /// lacks take its primary type if they held the old primary type, else
    /// `contributor`, else they go into `extra` too. Nothing is dropped.
    pub fn change_item_type(&self, key: &str, new_type: &str) -> Result<ItemData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            let item = get_row(tx, lib, &key)?.data;
            if item.item_type == new_type {
                return Ok(item);
            }
            let (converted, _) = convert_type(item, new_type)?;
            save_local(tx, lib, converted)
        })
    }

    /// Reads an item, lets `edit` change its data and saves the result, in
    /// one transaction: what a sync writes meanwhile is never overwritten
    /// by a stale copy, and an error from `edit` or from validation writes
    /// nothing.
    pub fn edit_item(
        &self,
        key: &str,
        edit: impl FnOnce(&mut ItemData) -> Result<()>,
    ) -> Result<ItemData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| edit_local(tx, lib, &key, edit))
    }

    /// Every tag with the number of items (not in the trash) carrying it,
    /// sorted case-insensitively. A name used both as a manual and an
    /// automatic tag appears once for each kind.
    pub fn tags(&self) -> Result<Vec<TagCount>> {
        let lib = self.id;
        let mut tags = self.db.read(|c| {
            let mut stmt = c.prepare(
                "SELECT t.tag, t.kind, COUNT(*) FROM item_tags t JOIN items i ON i.id = t.item_id
                 WHERE i.library_id = ?1 AND i.in_trash = 0
                 GROUP BY t.tag, t.kind",
            )?;
            let rows = stmt.query_map(params![lib.0], |r| {
                Ok(TagCount {
                    tag: r.get(0)?,
                    kind: r.get(1)?,
                    items: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })?;
        tags.sort_by_cached_key(|t| (fold(&t.tag), t.tag.clone(), t.kind));
        Ok(tags)
    }
}

/// A value that changing an item's type moved into Extra because the new
/// type has no field or creator type to hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedToExtra {
    /// The field (`series`) or creator type (`seriesEditor`) it came from.
    pub name: String,
    /// Its label, as written in Extra ("Series").
    pub label: String,
    /// The value (a creator's name for creators).
    pub value: String,
}

/// `item` as `new_type` the way [`Library::change_item_type`] converts it,
/// without saving, with the values that would move to Extra: what an editor
/// shows before the user confirms a type change.
pub fn convert_item_type(item: ItemData, new_type: &str) -> Result<(ItemData, Vec<MovedToExtra>)> {
    if item.item_type == new_type {
        return Ok((item, Vec::new()));
    }
    convert_type(item, new_type)
}

/// The item as `new_type`, with every field and creator kept somewhere, and
/// what went into Extra.
fn convert_type(mut item: ItemData, new_type: &str) -> Result<(ItemData, Vec<MovedToExtra>)> {
    let types = schema();
    let old = types
        .item_type(&item.item_type)
        .ok_or_else(|| ValidationError::UnknownItemType(item.item_type.clone()))?;
    let new = types
        .item_type(new_type)
        .ok_or_else(|| ValidationError::UnknownItemType(new_type.to_owned()))?;
    if !old.is_regular() || !new.is_regular() {
        return Err(Error::invalid(format!(
            "item {} cannot change from {} to {new_type}: only bibliographic types can be changed",
            item.key, item.item_type
        )));
    }

    let old_fields = std::mem::take(&mut item.fields);
    let mut kept = std::collections::BTreeMap::new();
    // Fields the new type has under the same name stay first, so that a base
    // field moving in never displaces them.
    let mut moving = Vec::new();
    for (name, value) in old_fields {
        if new.has_field(&name) {
            kept.insert(name, value);
        } else {
            moving.push((name, value));
        }
    }
    let mut leftover = Vec::new();
    for (name, value) in moving {
        let target = new.field_for_base(old.base_of(&name));
        match target {
            Some(target) if !kept.contains_key(target) => {
                kept.insert(target.to_owned(), value);
            }
            _ => leftover.push((name, value)),
        }
    }
    // Report leftovers in the old type's display order.
    let position = |name: &str| old.fields.iter().position(|f| f.name == name);
    leftover.sort_by_key(|(name, _)| position(name));
    let mut moved: Vec<MovedToExtra> = leftover
        .into_iter()
        .map(|(name, value)| MovedToExtra {
            label: types.field_label(&name).to_owned(),
            name,
            value,
        })
        .collect();

    let old_primary = old.primary_creator_type();
    let mut creators = Vec::with_capacity(item.creators.len());
    for mut creator in std::mem::take(&mut item.creators) {
        if !new.has_creator_type(&creator.creator_type) {
            let replacement = if Some(creator.creator_type.as_str()) == old_primary {
                new.primary_creator_type()
            } else {
                None
            }
            .or_else(|| new.has_creator_type("contributor").then_some("contributor"));
            match replacement {
                Some(t) => creator.creator_type = t.to_owned(),
                None => {
                    moved.push(MovedToExtra {
                        label: types.creator_type_label(&creator.creator_type).to_owned(),
                        name: creator.creator_type.clone(),
                        value: creator.display(),
                    });
                    continue;
                }
            }
        }
        creators.push(creator);
    }

    if !moved.is_empty() {
        if !new.has_field("extra") {
            return Err(Error::invalid(format!(
                "item {} cannot become a {new_type} without losing data",
                item.key
            )));
        }
        let mut extra = kept.remove("extra").unwrap_or_default();
        for value in &moved {
            if !extra.is_empty() {
                extra.push('\n');
            }
            extra.push_str(&format!("{}: {}", value.label, value.value));
        }
        kept.insert("extra".to_owned(), extra);
    }
    item.item_type = new_type.to_owned();
    item.fields = kept;
    item.creators = creators;
    Ok((item, moved))
}
