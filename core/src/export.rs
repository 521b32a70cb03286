//! Exporting items, with their notes and attachments, in any format.

use std::collections::HashSet;

use shelfmark_protocol::{CollectionData, ItemData, ObjectKey};

use crate::error::{Error, Result};
use crate::formats::{self, ExportItem, Format};
use crate::library::Library;
use crate::search::{ItemFilter, ItemListQuery, SortField};
use crate::store::items::child_rows;

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportScope {
    /// Every item not in the trash.
    Library,
    /// The items of a collection (key), optionally with its sub-collections.
    Collection { key: String, recursive: bool },
    /// The items a saved search (key) finds now.
    SavedSearch(String),
    /// These items, in this order.
    Items(Vec<String>),
}

const PAGE: u32 = 1000;

impl Library {
    /// Keys of the top-level items in `scope`, oldest first.
    fn scope_keys(&self, scope: &ExportScope) -> Result<Vec<ObjectKey>> {
        let filter = match scope {
            ExportScope::Items(keys) => {
                return keys
                    .iter()
                    .map(|k| ObjectKey::parse(k).map_err(Error::from))
                    .collect();
            }
            ExportScope::Library => ItemFilter::default(),
            ExportScope::Collection { key, recursive } => ItemFilter {
                collection: Some(key.clone()),
                include_subcollections: *recursive,
                ..ItemFilter::default()
            },
            ExportScope::SavedSearch(key) => ItemFilter {
                saved_search: Some(key.clone()),
                ..ItemFilter::default()
            },
        };
        let mut keys = Vec::new();
        loop {
            let page = self.list_items(&ItemListQuery {
                filter: filter.clone(),
                sort: SortField::DateAdded,
                descending: false,
                limit: PAGE,
                offset: keys.len() as u32,
            })?;
            let got = page.items.len();
            keys.extend(page.items.into_iter().map(|s| s.key));
            if got < PAGE as usize {
                return Ok(keys);
            }
        }
    }

    /// The items of `scope` with their children (notes, attachments, and for
    /// the lossless format their annotations), as the converters take them.
    pub fn export_items(&self, scope: &ExportScope) -> Result<Vec<ExportItem>> {
        let keys = self.scope_keys(scope)?;
        let items = self.get_items(&keys)?;
        let lib = self.id;
        self.db.read(|conn| {
            items
                .into_iter()
                .map(|item| {
                    let mut children: Vec<ItemData> = Vec::new();
                    for child in child_rows(conn, lib, &item.key)? {
                        if child.in_trash {
                            continue;
                        }
                        let grandchildren = child_rows(conn, lib, &child.data.key)?;
                        children.push(child.data);
                        children.extend(
                            grandchildren
                                .into_iter()
                                .filter(|g| !g.in_trash)
                                .map(|g| g.data),
                        );
                    }
                    Ok(ExportItem { item, children })
                })
                .collect()
        })
    }

    /// The collections the items belong to, with their ancestors, parents
    /// first.
    fn collections_of(&self, items: &[ExportItem]) -> Result<Vec<CollectionData>> {
        let all = self.collections()?;
        let mut wanted: HashSet<ObjectKey> = items
            .iter()
            .flat_map(|e| e.item.collections.iter().cloned())
            .collect();
        // Add ancestors until nothing new appears.
        loop {
            let parents: Vec<ObjectKey> = all
                .iter()
                .filter(|c| wanted.contains(&c.key))
                .filter_map(|c| c.parent_collection.clone())
                .filter(|p| !wanted.contains(p))
                .collect();
            if parents.is_empty() {
                break;
            }
            wanted.extend(parents);
        }
        let mut out: Vec<CollectionData> = Vec::new();
        let mut pending: Vec<CollectionData> = all
            .into_iter()
            .filter(|c| wanted.contains(&c.key))
            .collect();
        while !pending.is_empty() {
            let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|c| {
                c.parent_collection
                    .as_ref()
                    .is_none_or(|p| out.iter().any(|o| &o.key == p) || !wanted.contains(p))
            });
            if ready.is_empty() {
                out.extend(rest);
                break;
            }
            out.extend(ready);
            pending = rest;
        }
        Ok(out)
    }

    /// Writes `scope` in `format`. Formats other than Zotero JSON carry
    /// notes and attachment links but not annotations.
    pub fn export(&self, format: Format, scope: &ExportScope) -> Result<String> {
        let mut items = self.export_items(scope)?;
        if format == Format::ZoteroJson {
            return Ok(formats::zotero_json::export_with_collections(
                &items,
                &self.collections_of(&items)?,
            ));
        }
        if format != Format::ZoteroJson {
            for entry in &mut items {
                entry.children.retain(|c| !c.is_annotation());
            }
        }
        Ok(formats::export(format, &items))
    }
}
