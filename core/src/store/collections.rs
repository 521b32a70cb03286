//! Collections (EndNote's groups and group sets): creating, renaming,
//! nesting, trashing and restoring them, and putting items in them.

use std::collections::{BTreeSet, HashMap};

use rusqlite::params;
use shelfmark_protocol::{CollectionData, ObjectKey};

use crate::error::{Error, Result};
use crate::library::Library;
use crate::store::collection_rows::{
    CollectionRow, all_collections, descendants, find_collection, get_collection_row,
    save_collection, trashed_keys,
};
use crate::store::items::{edit_local, get_row};
use crate::store::parse_keys;
use crate::text::fold;

/// A collection in the tree, with how many items it holds directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionNode {
    pub data: CollectionData,
    /// Top-level items not in the trash that are direct members.
    pub item_count: u64,
    /// Sub-collections, sorted by name.
    pub children: Vec<CollectionNode>,
}

fn by_name(a: &CollectionData, b: &CollectionData) -> std::cmp::Ordering {
    (fold(&a.name), &a.name, &a.key).cmp(&(fold(&b.name), &b.name, &b.key))
}

/// The collections not in the trash, sorted by name.
fn live_collections(rows: Vec<CollectionRow>) -> Vec<CollectionData> {
    let trashed = trashed_keys(&rows);
    let mut live: Vec<CollectionData> = rows
        .into_iter()
        .map(|r| r.data)
        .filter(|c| !trashed.contains(&c.key))
        .collect();
    live.sort_by(by_name);
    live
}

impl Library {
    /// Creates a collection, at the top level or inside `parent`.
    pub fn create_collection(&self, name: &str, parent: Option<&str>) -> Result<CollectionData> {
        let parent = parent.map(ObjectKey::parse).transpose()?;
        let lib = self.id;
        self.db.write(|tx| {
            let mut collection = CollectionData::new(name.trim());
            collection.parent_collection = parent;
            save_collection(tx, lib, collection)
        })
    }

    /// Renames a collection.
    pub fn rename_collection(&self, key: &str, name: &str) -> Result<CollectionData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            let mut collection = get_collection_row(tx, lib, &key)?.data;
            collection.name = name.trim().to_owned();
            save_collection(tx, lib, collection)
        })
    }

    /// Moves a collection under `new_parent`, or to the top level with
    /// `None`. Moving a collection inside itself or its own sub-collections
    /// is refused.
    pub fn move_collection(&self, key: &str, new_parent: Option<&str>) -> Result<CollectionData> {
        let key = ObjectKey::parse(key)?;
        let new_parent = new_parent.map(ObjectKey::parse).transpose()?;
        let lib = self.id;
        self.db.write(|tx| {
            let mut collection = get_collection_row(tx, lib, &key)?.data;
            if new_parent.as_ref() == Some(&key) {
                return Err(Error::invalid(format!(
                    "collection {key} cannot go inside itself"
                )));
            }
            collection.parent_collection = new_parent;
            save_collection(tx, lib, collection)
        })
    }

    /// Moves a collection and its sub-collections to the trash. Their items
    /// stay in the library and keep their membership, so restoring brings
    /// everything back.
    pub fn delete_collection(&self, key: &str) -> Result<()> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            get_collection_row(tx, lib, &key)?;
            let mut keys = vec![key.clone()];
            keys.extend(descendants(tx, lib, &key)?);
            for k in keys {
                let mut collection = get_collection_row(tx, lib, &k)?.data;
                collection.deleted = true;
                save_collection(tx, lib, collection)?;
            }
            Ok(())
        })
    }

    /// Brings a collection back from the trash with its sub-collections, and
    /// the collections it sits in if they are in the trash too.
    pub fn restore_collection(&self, key: &str) -> Result<CollectionData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            get_collection_row(tx, lib, &key)?;
            // Ancestors first (top down), so each restored collection has a
            // live parent.
            let mut ancestors = Vec::new();
            let mut seen = BTreeSet::from([key.clone()]);
            let mut current = get_collection_row(tx, lib, &key)?.data.parent_collection;
            while let Some(parent) = current {
                if !seen.insert(parent.clone()) {
                    break;
                }
                let Some(row) = find_collection(tx, lib, &parent)? else {
                    break;
                };
                current = row.data.parent_collection.clone();
                ancestors.push(row.data.key);
            }
            ancestors.reverse();
            let mut keys = ancestors;
            keys.push(key.clone());
            keys.extend(descendants(tx, lib, &key)?);
            for k in keys {
                let mut collection = get_collection_row(tx, lib, &k)?.data;
                if collection.deleted {
                    collection.deleted = false;
                    save_collection(tx, lib, collection)?;
                }
            }
            Ok(get_collection_row(tx, lib, &key)?.data)
        })
    }

    /// The collection with this key, whether or not it is in the trash.
    pub fn get_collection(&self, key: &str) -> Result<CollectionData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.read(|c| Ok(get_collection_row(c, lib, &key)?.data))
    }

    /// Every collection not in the trash, sorted by name (case-insensitive).
    pub fn collections(&self) -> Result<Vec<CollectionData>> {
        let lib = self.id;
        self.db
            .read(|c| Ok(live_collections(all_collections(c, lib)?)))
    }

    /// The collections not in the trash as a tree: top-level collections
    /// with their sub-collections, each level sorted by name.
    pub fn collection_tree(&self) -> Result<Vec<CollectionNode>> {
        let lib = self.id;
        let (live, counts) = self.db.read(|c| {
            let live = live_collections(all_collections(c, lib)?);
            let mut stmt = c.prepare(
                "SELECT ci.collection_key, COUNT(*) FROM collection_items ci
                 JOIN items i ON i.id = ci.item_id
                 WHERE ci.library_id = ?1 AND i.in_trash = 0 AND i.parent_key IS NULL
                 GROUP BY ci.collection_key",
            )?;
            let counts = stmt
                .query_map(params![lib.0], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
                })?
                .collect::<rusqlite::Result<HashMap<_, _>>>()?;
            Ok((live, counts))
        })?;
        Ok(build_tree(live, &counts))
    }

    /// Puts top-level items into a collection (an item may be in many).
    /// Child items cannot be members; the error names the key.
    pub fn add_to_collection(&self, collection: &str, items: &[&str]) -> Result<()> {
        let collection = ObjectKey::parse(collection)?;
        let items = parse_keys(items)?;
        let lib = self.id;
        self.db.write(|tx| {
            let target = get_collection_row(tx, lib, &collection)?.data;
            if target.deleted {
                return Err(Error::invalid(format!(
                    "collection {collection} is in the trash"
                )));
            }
            for key in &items {
                check_top_level(tx, lib, key)?;
                edit_local(tx, lib, key, |item| {
                    if !item.collections.contains(&collection) {
                        item.collections.push(collection.clone());
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })
    }

    /// Takes items out of a collection; they stay in the library.
    pub fn remove_from_collection(&self, collection: &str, items: &[&str]) -> Result<()> {
        let collection = ObjectKey::parse(collection)?;
        let items = parse_keys(items)?;
        let lib = self.id;
        self.db.write(|tx| {
            get_collection_row(tx, lib, &collection)?;
            for key in &items {
                check_top_level(tx, lib, key)?;
                edit_local(tx, lib, key, |item| {
                    item.collections.retain(|c| c != &collection);
                    Ok(())
                })?;
            }
            Ok(())
        })
    }

    /// The one collection (not in the trash) with this name: an exact match,
    /// else a case-insensitive one. Several matches are an error listing
    /// their keys.
    pub fn collection_by_name(&self, name: &str) -> Result<CollectionData> {
        let live = self.collections()?;
        let wanted = name.trim();
        let mut found: Vec<&CollectionData> = live.iter().filter(|c| c.name == wanted).collect();
        if found.is_empty() {
            let folded = fold(wanted);
            found = live.iter().filter(|c| fold(&c.name) == folded).collect();
        }
        match found.as_slice() {
            [] => Err(Error::not_found("collection", format!("named {wanted:?}"))),
            [one] => Ok((*one).clone()),
            many => Err(Error::invalid(format!(
                "{} collections are named {wanted:?} ({}); use a key",
                many.len(),
                many.iter()
                    .map(|c| c.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

/// Refuses child items, which belong to their parent's collections.
fn check_top_level(
    tx: &crate::db::WriteTx<'_>,
    lib: crate::library::LibraryId,
    key: &ObjectKey,
) -> Result<()> {
    let item = get_row(tx, lib, key)?.data;
    match &item.parent_item {
        Some(parent) => Err(Error::invalid(format!(
            "item {key} is a child {} of {parent}; only top-level items can be in a collection",
            item.item_type
        ))),
        None => Ok(()),
    }
}

/// Nests the (name-sorted) live collections under their parents. Collections
/// whose parent is missing show at the top level rather than vanish.
fn build_tree(live: Vec<CollectionData>, counts: &HashMap<String, u64>) -> Vec<CollectionNode> {
    let keys: BTreeSet<ObjectKey> = live.iter().map(|c| c.key.clone()).collect();
    let mut children: HashMap<ObjectKey, Vec<CollectionData>> = HashMap::new();
    let mut roots = Vec::new();
    for c in live {
        match &c.parent_collection {
            Some(p) if keys.contains(p) => children.entry(p.clone()).or_default().push(c),
            _ => roots.push(c),
        }
    }
    fn node(
        data: CollectionData,
        children: &mut HashMap<ObjectKey, Vec<CollectionData>>,
        counts: &HashMap<String, u64>,
    ) -> CollectionNode {
        let kids = children.remove(&data.key).unwrap_or_default();
        CollectionNode {
            item_count: counts.get(data.key.as_str()).copied().unwrap_or(0),
            children: kids
                .into_iter()
                .map(|k| node(k, children, counts))
                .collect(),
            data,
        }
    }
    let mut tree: Vec<CollectionNode> = roots
        .into_iter()
        .map(|r| node(r, &mut children, counts))
        .collect();
    // A parent cycle (only sync can make one) leaves collections unreached;
    // they are shown at the top level too.
    let mut stranded: Vec<CollectionData> = children.drain().flat_map(|(_, v)| v).collect();
    stranded.sort_by(by_name);
    tree.extend(stranded.into_iter().map(|data| CollectionNode {
        item_count: counts.get(data.key.as_str()).copied().unwrap_or(0),
        children: Vec::new(),
        data,
    }));
    tree
}
