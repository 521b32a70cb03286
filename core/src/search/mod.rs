//! Finding items: the full-text index, quick and "everything" search, sorted
//! item lists and saved-search evaluation.

mod conditions;
mod filter;
mod fulltext;
pub(crate) mod functions;
pub(crate) mod index;
mod list;
pub(crate) mod saved;
mod sql;
mod summary;

pub use conditions::validate_conditions;
pub use filter::ItemFilter;
pub use fulltext::{ItemSearchQuery, SearchMode};
pub use list::{ItemListQuery, SortField};
pub use summary::{ItemSummary, Page};
