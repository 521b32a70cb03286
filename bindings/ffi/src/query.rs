//! What an item list or search shows: filters, sort orders and pages.

// The core's own query types cross the FFI as they are: the declarations
// below with `uniffi::remote` mirror them (the compiler checks every field
// and variant) and give the apps their documentation and defaults.
pub use shelfmark_core::{ItemFilter, ItemListQuery, ItemSearchQuery, SearchMode, SortField};

/// Which items a list or search shows. The default is every top-level item
/// outside the trash.
#[uniffi::remote(Record)]
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
#[uniffi::remote(Enum)]
pub enum SortField {
    /// Title, ignoring case and accents.
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
#[uniffi::remote(Record)]
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

/// Which text a search looks in.
#[uniffi::remote(Enum)]
pub enum SearchMode {
    /// Titles, creators and years.
    Quick,
    /// Every field, tags, notes and annotation text as well.
    Everything,
}

/// A full-text search and the page of results wanted.
#[uniffi::remote(Record)]
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
