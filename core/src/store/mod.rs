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

use rusqlite::{OptionalExtension, params};
use shelfmark_protocol::ObjectKey;

use crate::changes::{Change, ChangeKind, ObjectKind};
use crate::db::WriteTx;
use crate::error::Result;
use crate::library::LibraryId;

/// Parses every key first, so that a bad key anywhere writes nothing.
pub(crate) fn parse_keys(keys: &[&str]) -> Result<Vec<ObjectKey>> {
    keys.iter().map(|k| Ok(ObjectKey::parse(k)?)).collect()
}

/// Stores one row with `upsert` and records the change: created when the
/// library had no `object` with this key before, updated otherwise.
pub(crate) fn upsert_recorded(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    object: ObjectKind,
    key: &ObjectKey,
    upsert: impl FnOnce(&WriteTx<'_>) -> Result<()>,
) -> Result<()> {
    let exists = match object {
        ObjectKind::Item => "SELECT 1 FROM items WHERE library_id = ?1 AND key = ?2",
        ObjectKind::Collection => "SELECT 1 FROM collections WHERE library_id = ?1 AND key = ?2",
        ObjectKind::SavedSearch => {
            "SELECT 1 FROM saved_searches WHERE library_id = ?1 AND key = ?2"
        }
    };
    let existed = tx
        .prepare_cached(exists)?
        .query_row(params![lib.0, key.as_str()], |_| Ok(()))
        .optional()?
        .is_some();
    upsert(tx)?;
    tx.record(Change {
        library_id: lib,
        object,
        key: key.clone(),
        kind: if existed {
            ChangeKind::Updated
        } else {
            ChangeKind::Created
        },
    });
    Ok(())
}
