//! What an item list or search shows: filters, sort orders and pages.

use shelfmark_core::{self as core};

/// Which items a list or search shows. The default is every top-level item
/// outside the trash.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ItemFilter {
    /// Only items in the collection with this key.
    #[uniffi(default)]
    pub collection: Option<String>,
    /// With `collection`: also items of its sub-collections, at any depth.
    #[uniffi(default)]
    pub include_subcollections: bool,
    /// Only items the saved search with this key finds.
    #[uniffi(default)]
    pub saved_search: Option<String>,
    /// Only items carrying every one of these tags.
    #[uniffi(default)]
    pub tags: Vec<String>,
    /// Only items of this type (`book`, `journalArticle`, …).
    #[uniffi(default)]
    pub item_type: Option<String>,
    /// Show the trash instead of the library.
    #[uniffi(default)]
    pub trash: bool,
    /// Only items in sync conflict (the "Sync Conflicts" list).
    #[uniffi(default)]
    pub conflicts: bool,
}

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SortField {
    /// Title, ignoring case and accents.
    #[default]
    Title,
    /// The first creator of the item type's main kind (authors, else editors…).
    Creator,
    /// The item's date, chronologically.
    Date,
    /// When the item was added.
    DateAdded,
    /// When the item was last changed.
    DateModified,
    /// The item type's name.
    ItemType,
}

/// One page of a sorted, filtered item list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemListQuery {
    /// Which items.
    #[uniffi(default)]
    pub filter: ItemFilter,
    /// The order.
    pub sort: SortField,
    /// Largest first instead of smallest first.
    #[uniffi(default)]
    pub descending: bool,
    /// Rows per page.
    #[uniffi(default = 50)]
    pub limit: u32,
    /// Rows to skip: the page starts at this row.
    #[uniffi(default = 0)]
    pub offset: u32,
}

impl Default for ItemListQuery {
    fn default() -> Self {
        Self {
            filter: ItemFilter::default(),
            sort: SortField::Title,
            descending: false,
            limit: 50,
            offset: 0,
        }
    }
}

/// Which text a search looks in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SearchMode {
    /// Titles, creators and years.
    #[default]
    Quick,
    /// Every field, tags, notes and annotation text as well.
    Everything,
}

/// A full-text search and the page of results wanted.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemSearchQuery {
    /// What the user typed: every word must occur, as a word prefix, accents ignored.
    pub text: String,
    /// Where to look.
    pub mode: SearchMode,
    /// Which items may match.
    #[uniffi(default)]
    pub filter: ItemFilter,
    /// Rows per page.
    #[uniffi(default = 50)]
    pub limit: u32,
    /// Rows to skip.
    #[uniffi(default = 0)]
    pub offset: u32,
}

impl From<ItemFilter> for core::ItemFilter {
    fn from(f: ItemFilter) -> Self {
        Self {
            collection: f.collection,
            include_subcollections: f.include_subcollections,
            saved_search: f.saved_search,
            tags: f.tags,
            item_type: f.item_type,
            trash: f.trash,
            conflicts: f.conflicts,
        }
    }
}

impl From<SortField> for core::SortField {
    fn from(s: SortField) -> Self {
        match s {
            SortField::Title => Self::Title,
            SortField::Creator => Self::Creator,
            SortField::Date => Self::Date,
            SortField::DateAdded => Self::DateAdded,
            SortField::DateModified => Self::DateModified,
            SortField::ItemType => Self::ItemType,
        }
    }
}

impl From<ItemListQuery> for core::ListQuery {
    fn from(q: ItemListQuery) -> Self {
        Self {
            filter: q.filter.into(),
            sort: q.sort.into(),
            descending: q.descending,
            limit: q.limit,
            offset: q.offset,
        }
    }
}

impl From<ItemSearchQuery> for core::SearchQuery {
    fn from(q: ItemSearchQuery) -> Self {
        Self {
            text: q.text,
            mode: match q.mode {
                SearchMode::Quick => core::SearchMode::Quick,
                SearchMode::Everything => core::SearchMode::Everything,
            },
            filter: q.filter.into(),
            limit: q.limit,
            offset: q.offset,
        }
    }
}
