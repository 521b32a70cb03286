//! Objects of a library: items, collections, saved searches, the trash.

pub(crate) mod children;
pub(crate) mod collection_rows;
pub(crate) mod collections;
pub(crate) mod edit;
pub(crate) mod items;
pub(crate) mod search_rows;
pub(crate) mod searches;
pub(crate) mod trash;
