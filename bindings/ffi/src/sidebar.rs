//! The sidebar both apps show: one section per library of the file, each
//! with All Items, its collection tree, saved searches, Sync Conflicts and
//! the Trash, every row carrying the filter that lists its items.

use shelfmark_core::protocol::SavedSearchData;
use shelfmark_core::{self as core, CollectionNode, Library, LibraryInfo};

use crate::error::Result;
use crate::library::LibraryHandle;
use crate::query::ItemFilter;
use crate::runtime::with_library;

/// What a sidebar row stands for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SidebarRowKind {
    /// Every item of the library outside the trash.
    AllItems,
    /// A collection (EndNote's group); one with sub-collections is a group set.
    Collection {
        /// The collection's key.
        key: String,
        /// It holds sub-collections (EndNote's group set).
        is_group_set: bool,
    },
    /// A saved search, evaluated live whenever it is listed.
    SavedSearch {
        /// The saved search's key.
        key: String,
        /// It combines collections or other saved searches (EndNote's
        /// combination group) rather than testing fields only (a smart group).
        is_combination: bool,
    },
    /// Items in sync conflict, to resolve.
    SyncConflicts,
    /// The trash.
    Trash,
}

/// One row of the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SidebarRow {
    /// Stable across calls and launches, unique in the file: keep it to
    /// restore the selection (`1/all`, `1/collection/ABCD2345`,
    /// `2/search/EFGH6789`, `1/conflicts`, `1/trash`).
    pub id: String,
    /// The library the row belongs to; list its items through
    /// `forLibrary(libraryId)` (or this handle when it is the same library).
    pub library_id: i64,
    /// What it stands for.
    pub kind: SidebarRowKind,
    /// The text to show ("All Items", a collection's name…).
    pub title: String,
    /// Indentation: 0 for top-level rows, 1 for a sub-collection of a
    /// top-level collection, …
    pub depth: u32,
    /// The row this one is nested under (sub-collections only).
    pub parent_id: Option<String>,
    /// Rows nested directly under this one.
    pub child_count: u32,
    /// Items the row lists: top-level items outside the trash (for a
    /// collection, its direct members), the items in conflict, or the
    /// top-level items in the trash. Absent for saved searches, which are
    /// evaluated only when opened.
    pub item_count: Option<u64>,
    /// The filter of the `ItemListQuery` (or `ItemSearchQuery`) that lists
    /// the row's items with `items().list`, `search` and `watch`.
    pub filter: ItemFilter,
}

/// One library of the file in the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SidebarSection {
    /// The library's id (1 for My Library); see `forLibrary`.
    pub library_id: i64,
    /// "My Library" or the group's name.
    pub title: String,
    /// A shared group library rather than the user's own.
    pub is_group: bool,
    /// Changes here are synced; false for a read-only group library, whose
    /// editing controls an app disables.
    pub editable: bool,
    /// The rows in display order: All Items, the collection tree (depth
    /// first, siblings by name), saved searches by name, Sync Conflicts
    /// (only while items are in conflict: a conflict on a collection or a
    /// saved search has no items to list, `conflictTexts()` shows it), Trash.
    pub rows: Vec<SidebarRow>,
}

/// The row ids, one format for every kind.
fn row_id(library: i64, kind: &SidebarRowKind) -> String {
    match kind {
        SidebarRowKind::AllItems => format!("{library}/all"),
        SidebarRowKind::Collection { key, .. } => format!("{library}/collection/{key}"),
        SidebarRowKind::SavedSearch { key, .. } => format!("{library}/search/{key}"),
        SidebarRowKind::SyncConflicts => format!("{library}/conflicts"),
        SidebarRowKind::Trash => format!("{library}/trash"),
    }
}

/// A top-level row that is not a collection.
fn plain_row(
    library: i64,
    kind: SidebarRowKind,
    title: &str,
    item_count: Option<u64>,
    filter: ItemFilter,
) -> SidebarRow {
    SidebarRow {
        id: row_id(library, &kind),
        library_id: library,
        kind,
        title: title.to_owned(),
        depth: 0,
        parent_id: None,
        child_count: 0,
        item_count,
        filter,
    }
}

/// Appends collection rows depth first.
fn collection_rows(
    library: i64,
    nodes: Vec<CollectionNode>,
    depth: u32,
    parent_id: Option<&str>,
    out: &mut Vec<SidebarRow>,
) {
    for node in nodes {
        let key = node.data.key.to_string();
        let kind = SidebarRowKind::Collection {
            key: key.clone(),
            is_group_set: !node.children.is_empty(),
        };
        let id = row_id(library, &kind);
        out.push(SidebarRow {
            id: id.clone(),
            library_id: library,
            kind,
            title: node.data.name,
            depth,
            parent_id: parent_id.map(str::to_owned),
            child_count: u32::try_from(node.children.len()).unwrap_or(u32::MAX),
            item_count: Some(node.item_count),
            filter: ItemFilter {
                collection: Some(key),
                ..ItemFilter::default()
            },
        });
        collection_rows(library, node.children, depth + 1, Some(&id), out);
    }
}

/// Whether a saved search combines collections or other saved searches.
fn is_combination(search: &SavedSearchData) -> bool {
    search
        .conditions
        .iter()
        .any(|c| c.condition == "collection" || c.condition == "savedSearch")
}

fn section(library: &Library, info: LibraryInfo) -> core::Result<SidebarSection> {
    let id = info.id.0;
    let count = |filter: &ItemFilter| library.count_items(filter);
    let mut rows = Vec::new();

    let all = ItemFilter::default();
    rows.push(plain_row(
        id,
        SidebarRowKind::AllItems,
        "All Items",
        Some(count(&all)?),
        all,
    ));
    collection_rows(id, library.collection_tree()?, 0, None, &mut rows);
    for search in library.saved_searches()? {
        let key = search.key.to_string();
        rows.push(plain_row(
            id,
            SidebarRowKind::SavedSearch {
                key: key.clone(),
                is_combination: is_combination(&search),
            },
            &search.name,
            None,
            ItemFilter {
                saved_search: Some(key),
                ..ItemFilter::default()
            },
        ));
    }
    let conflicts = ItemFilter {
        conflicts: true,
        ..ItemFilter::default()
    };
    let in_conflict = count(&conflicts)?;
    if in_conflict > 0 {
        rows.push(plain_row(
            id,
            SidebarRowKind::SyncConflicts,
            "Sync Conflicts",
            Some(in_conflict),
            conflicts,
        ));
    }
    let trash = ItemFilter {
        trash: true,
        ..ItemFilter::default()
    };
    rows.push(plain_row(
        id,
        SidebarRowKind::Trash,
        "Trash",
        Some(count(&trash)?),
        trash,
    ));

    Ok(SidebarSection {
        library_id: id,
        title: info.name,
        is_group: info.kind == "group",
        editable: info.editable,
        rows,
    })
}

/// Every library of the file: My Library first, then groups by name.
pub(crate) fn sidebar_of(library: &Library) -> core::Result<Vec<SidebarSection>> {
    let mut libraries = library.libraries()?;
    libraries.sort_by_cached_key(|l| (l.kind != "user", l.name.to_lowercase(), l.id));
    libraries
        .into_iter()
        .map(|info| section(&library.scoped(info.id)?, info))
        .collect()
}

#[uniffi::export]
impl LibraryHandle {
    /// The sidebar: one section per library of the file (My Library first,
    /// then each group library by name) with its rows in display order.
    /// Call it again when `subscribe` reports a change to refresh the counts.
    pub async fn sidebar(&self) -> Result<Vec<SidebarSection>> {
        with_library(&self.library, sidebar_of).await
    }
}
