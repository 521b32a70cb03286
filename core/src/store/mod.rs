//! Objects of a library: items, collections, saved searches, the trash.

pub(crate) mod children;
pub(crate) mod collection_rows;
pub(crate) mod collections;
pub(crate) mod derived;
pub(crate) mod edit;
pub(crate) mod items;
pub(crate) mod search_rows;
pub(crate) mod searches;
pub(crate) mod trash;

use shelfmark_protocol::ObjectKey;

use crate::error::Result;

/// Parses every key first, so that a bad key anywhere writes nothing.
pub(crate) fn parse_keys(keys: &[&str]) -> Result<Vec<ObjectKey>> {
    keys.iter().map(|k| Ok(ObjectKey::parse(k)?)).collect()
}
