//! The Shelfmark wire model.
//!
//! Object `data` exactly as the Zotero Web API v3 writes it (items, notes,
//! attachments, annotations, collections, saved searches), the envelope around
//! it, the item schema compiled in, object keys, and validation. Shared by the
//! core library engine and the online service so both agree on every byte.

mod collection;
mod creator;
pub mod dates;
mod envelope;
mod error;
pub mod headers;
mod item;
mod json;
mod key;
pub mod limits;
mod relations;
pub mod schema;
mod search;
mod tag;
mod validate;

pub use collection::CollectionData;
pub use creator::{Creator, CreatorName};
pub use envelope::{Envelope, LibraryKind, LibraryRef};
pub use error::{KeyError, ValidationError};
pub use item::{ItemData, LinkMode};
pub use key::ObjectKey;
pub use relations::Relations;
pub use search::{SavedSearchData, SearchCondition};
pub use tag::Tag;
pub use validate::{validate_collection, validate_item, validate_saved_search};
