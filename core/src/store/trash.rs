//! The trash: moving items there and back, seeing what it holds, and
//! emptying it, which is the only way anything leaves the library for good.

use rusqlite::{Connection, params};
use shelfmark_protocol::{CollectionData, ItemData, SavedSearchData};

use crate::error::Result;
use crate::library::{Library, LibraryId};
use crate::store::collection_rows::{all_collections, remove_collection, trashed_keys};
use crate::store::items::{
    ROW_COLUMNS, edit_local, find_row, finish_row, get_row, remove_row, row_from_sql,
};
use crate::store::parse_keys;
use crate::store::search_rows::{remove_search, searches_where};
use crate::text::fold;

/// What is in the trash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrashContents {
    /// Items put in the trash themselves (their children go with them and
    /// are not listed), most recently changed first.
    pub items: Vec<ItemData>,
    /// Collections in the trash, by name.
    pub collections: Vec<CollectionData>,
    /// Saved searches in the trash, by name.
    pub searches: Vec<SavedSearchData>,
}

/// How many objects emptying the trash removed for good.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmptyTrashReport {
    /// Items, counting the children that went with their parents.
    pub items: u64,
    pub collections: u64,
    pub searches: u64,
}

/// Items put in the trash themselves, most recently changed first.
fn trashed_items(conn: &Connection, lib: LibraryId) -> Result<Vec<ItemData>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM items WHERE library_id = ?1 AND deleted = 1
         ORDER BY date_modified DESC, id DESC"
    ))?;
    let raws = stmt
        .query_map(params![lib.0], row_from_sql)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter()
        .map(|raw| finish_row(raw).map(|r| r.data))
        .collect()
}

fn item_count(conn: &Connection, lib: LibraryId) -> Result<u64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM items WHERE library_id = ?1",
        params![lib.0],
        |r| r.get(0),
    )?)
}

impl Library {
    /// Moves items to the trash; their notes, attachments and annotations
    /// follow them.
    pub fn trash_items(&self, keys: &[&str]) -> Result<()> {
        let keys = parse_keys(keys)?;
        let lib = self.id;
        self.db.write(|tx| {
            for key in &keys {
                edit_local(tx, lib, key, |item| {
                    item.deleted = true;
                    Ok(())
                })?;
            }
            Ok(())
        })
    }

    /// Brings items back from the trash with their children. A child whose
    /// parent is in the trash brings the parent back too, so that it shows.
    pub fn restore_items(&self, keys: &[&str]) -> Result<()> {
        let keys = parse_keys(keys)?;
        let lib = self.id;
        self.db.write(|tx| {
            for key in &keys {
                // The item and its ancestors, outermost first.
                let mut chain = vec![key.clone()];
                let mut parent = get_row(tx, lib, key)?.data.parent_item;
                while let Some(p) = parent {
                    if chain.contains(&p) {
                        break;
                    }
                    parent = find_row(tx, lib, &p)?.and_then(|r| r.data.parent_item);
                    chain.push(p);
                }
                for k in chain.iter().rev() {
                    if find_row(tx, lib, k)?.is_some_and(|r| r.data.deleted) {
                        edit_local(tx, lib, k, |item| {
                            item.deleted = false;
                            Ok(())
                        })?;
                    }
                }
            }
            Ok(())
        })
    }

    /// Removes everything in the trash for good: items with their children,
    /// collections with their sub-collections (their items stay, minus the
    /// membership) and saved searches. Objects the server knows are queued
    /// as deletions for the sync.
    pub fn empty_trash(&self) -> Result<EmptyTrashReport> {
        let lib = self.id;
        let mut stored_files = Vec::new();
        let report = self.db.write(|tx| {
            let before = item_count(tx, lib)?;
            for item in trashed_items(tx, lib)? {
                // It may already have gone with a trashed parent.
                if let Some(row) = find_row(tx, lib, &item.key)? {
                    remove_row(tx, lib, &row, &mut stored_files)?;
                }
            }
            let items = before - item_count(tx, lib)?;

            let collections = trashed_keys(&all_collections(tx, lib)?);
            for key in &collections {
                remove_collection(tx, lib, key)?;
            }

            let searches = searches_where(tx, lib, true)?;
            for row in &searches {
                remove_search(tx, lib, row)?;
            }
            Ok(EmptyTrashReport {
                items,
                collections: collections.len() as u64,
                searches: searches.len() as u64,
            })
        })?;
        // The stored copies of attachments gone for good go too (linked
        // files are the user's own and stay where they are).
        self.remove_stored_files(&stored_files);
        Ok(report)
    }

    /// What is in the trash: items put there themselves, collections and
    /// saved searches.
    pub fn trash_contents(&self) -> Result<TrashContents> {
        let lib = self.id;
        self.db.read(|c| {
            let items = trashed_items(c, lib)?;
            let mut collections: Vec<CollectionData> = all_collections(c, lib)?
                .into_iter()
                .map(|r| r.data)
                .filter(|d| d.deleted)
                .collect();
            collections.sort_by_cached_key(|d| (fold(&d.name), d.name.clone(), d.key.clone()));
            let mut searches: Vec<SavedSearchData> = searches_where(c, lib, true)?
                .into_iter()
                .map(|r| r.data)
                .collect();
            searches.sort_by_cached_key(|s| (fold(&s.name), s.name.clone(), s.key.clone()));
            Ok(TrashContents {
                items,
                collections,
                searches,
            })
        })
    }
}
