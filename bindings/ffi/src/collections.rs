//! Collections: EndNote's groups and group sets, nested freely.

use shelfmark_core::protocol::CollectionData;
use shelfmark_core::{CollectionNode, Library};

use crate::error::Result;
use crate::items::as_strs;
use crate::runtime::with_library;

/// A collection.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CollectionInfo {
    /// The collection's key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The key of the collection it sits in; absent at the top level.
    pub parent_key: Option<String>,
    /// Whether it is in the trash.
    pub in_trash: bool,
}

/// One row of the collection tree, listed depth first (parents before their
/// children, siblings by name), ready for an outline view.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CollectionTreeRow {
    /// The collection's key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The key of its parent; absent at the top level.
    pub parent_key: Option<String>,
    /// 0 at the top level, 1 for a child of a top-level collection, …
    pub depth: u32,
    /// Top-level items outside the trash that are direct members.
    pub item_count: u64,
    /// How many sub-collections it has.
    pub child_count: u32,
}

impl From<CollectionData> for CollectionInfo {
    fn from(c: CollectionData) -> Self {
        Self {
            key: c.key.to_string(),
            name: c.name,
            parent_key: c.parent_collection.map(|k| k.to_string()),
            in_trash: c.deleted,
        }
    }
}

/// Appends `nodes` and their descendants, depth first.
fn flatten(nodes: Vec<CollectionNode>, depth: u32, out: &mut Vec<CollectionTreeRow>) {
    for node in nodes {
        out.push(CollectionTreeRow {
            key: node.data.key.to_string(),
            name: node.data.name,
            parent_key: node.data.parent_collection.map(|k| k.to_string()),
            depth,
            item_count: node.item_count,
            child_count: u32::try_from(node.children.len()).unwrap_or(u32::MAX),
        });
        flatten(node.children, depth + 1, out);
    }
}

/// The collections of a library.
#[derive(Debug, uniffi::Object)]
pub struct Collections {
    library: Library,
}

impl Collections {
    pub(crate) fn new(library: Library) -> Self {
        Self { library }
    }
}

#[uniffi::export]
impl Collections {
    /// The collections outside the trash as a tree, flattened depth first.
    pub async fn tree(&self) -> Result<Vec<CollectionTreeRow>> {
        with_library(&self.library, |l| {
            let mut rows = Vec::new();
            flatten(l.collection_tree()?, 0, &mut rows);
            Ok(rows)
        })
        .await
    }

    /// Every collection outside the trash, by name.
    pub async fn list(&self) -> Result<Vec<CollectionInfo>> {
        with_library(&self.library, |l| {
            Ok(l.collections()?
                .into_iter()
                .map(CollectionInfo::from)
                .collect())
        })
        .await
    }

    /// One collection.
    pub async fn get(&self, key: String) -> Result<CollectionInfo> {
        with_library(&self.library, move |l| {
            l.get_collection(&key).map(CollectionInfo::from)
        })
        .await
    }

    /// Creates a collection at the top level, or inside `parent`.
    pub async fn create(&self, name: String, parent: Option<String>) -> Result<CollectionInfo> {
        with_library(&self.library, move |l| {
            l.create_collection(&name, parent.as_deref())
                .map(CollectionInfo::from)
        })
        .await
    }

    /// Renames a collection.
    pub async fn rename(&self, key: String, name: String) -> Result<CollectionInfo> {
        with_library(&self.library, move |l| {
            l.rename_collection(&key, &name).map(CollectionInfo::from)
        })
        .await
    }

    /// Moves a collection into `parent`, or to the top level when absent.
    /// A collection cannot move into itself or its own descendants.
    pub async fn move_to(&self, key: String, parent: Option<String>) -> Result<CollectionInfo> {
        with_library(&self.library, move |l| {
            l.move_collection(&key, parent.as_deref())
                .map(CollectionInfo::from)
        })
        .await
    }

    /// Moves a collection and its sub-collections to the trash. Its items
    /// stay in the library.
    pub async fn delete(&self, key: String) -> Result<()> {
        with_library(&self.library, move |l| l.delete_collection(&key)).await
    }

    /// Takes a collection out of the trash.
    pub async fn restore(&self, key: String) -> Result<CollectionInfo> {
        with_library(&self.library, move |l| {
            l.restore_collection(&key).map(CollectionInfo::from)
        })
        .await
    }

    /// Puts items in a collection.
    pub async fn add_items(&self, collection: String, items: Vec<String>) -> Result<()> {
        with_library(&self.library, move |l| {
            l.add_to_collection(&collection, &as_strs(&items))
        })
        .await
    }

    /// Takes items out of a collection (they stay in the library).
    pub async fn remove_items(&self, collection: String, items: Vec<String>) -> Result<()> {
        with_library(&self.library, move |l| {
            l.remove_from_collection(&collection, &as_strs(&items))
        })
        .await
    }
}
