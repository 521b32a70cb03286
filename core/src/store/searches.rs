//! Storage of saved searches (EndNote's smart groups and combination
//! groups): creating, editing, trashing and restoring them. Running them is
//! the search module's job.

use shelfmark_protocol::{ObjectKey, SavedSearchData, SearchCondition};

use crate::error::{Error, Result};
use crate::library::Library;
use crate::store::search_rows::{get_search, save_search, searches_where};
use crate::text::fold;

/// The pseudo-condition that holds a saved search's join, as Zotero stores
/// it: operator `any` (match any condition) or `all`.
pub const JOIN_MODE: &str = "joinMode";

/// `conditions` as a saved search stores them: one leading `joinMode`
/// (`any` when `match_any`, else `all`), then the conditions, any
/// `joinMode` among them dropped so that exactly one is stored.
pub fn with_join_mode(
    conditions: impl IntoIterator<Item = SearchCondition>,
    match_any: bool,
) -> Vec<SearchCondition> {
    let join = SearchCondition::new(JOIN_MODE, if match_any { "any" } else { "all" }, "");
    std::iter::once(join)
        .chain(conditions.into_iter().filter(|c| c.condition != JOIN_MODE))
        .collect()
}

/// A saved search's conditions without its `joinMode` (which
/// [`SavedSearchData::matches_any`] reads), as a search editor lists them.
pub fn without_join_mode(conditions: Vec<SearchCondition>) -> Vec<SearchCondition> {
    conditions
        .into_iter()
        .filter(|c| c.condition != JOIN_MODE)
        .collect()
}

fn sort_by_name(list: &mut [SavedSearchData]) {
    list.sort_by_cached_key(|s| (fold(&s.name), s.name.clone(), s.key.clone()));
}

impl Library {
    /// Saves a new search. `match_any` joins the conditions with "or"
    /// instead of "and"; it is stored as a leading `joinMode` condition.
    pub fn create_saved_search(
        &self,
        name: &str,
        conditions: Vec<SearchCondition>,
        match_any: bool,
    ) -> Result<SavedSearchData> {
        let search = SavedSearchData::new(name.trim(), with_join_mode(conditions, match_any));
        let lib = self.id;
        self.db.write(|tx| save_search(tx, lib, search))
    }

    /// Replaces a saved search's name and conditions. Whether it is in the
    /// trash is kept as stored (use delete/restore to change it).
    pub fn update_saved_search(&self, data: SavedSearchData) -> Result<SavedSearchData> {
        let lib = self.id;
        self.db.write(|tx| {
            let stored = get_search(tx, lib, &data.key)?;
            let mut search = data;
            search.name = search.name.trim().to_owned();
            search.deleted = stored.data.deleted;
            save_search(tx, lib, search)
        })
    }

    /// Moves a saved search to the trash.
    pub fn delete_saved_search(&self, key: &str) -> Result<()> {
        self.set_search_deleted(key, true).map(drop)
    }

    /// Brings a saved search back from the trash.
    pub fn restore_saved_search(&self, key: &str) -> Result<SavedSearchData> {
        self.set_search_deleted(key, false)
    }

    fn set_search_deleted(&self, key: &str, deleted: bool) -> Result<SavedSearchData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            let mut search = get_search(tx, lib, &key)?.data;
            search.deleted = deleted;
            save_search(tx, lib, search)
        })
    }

    /// The saved search with this key, whether or not it is in the trash.
    pub fn get_saved_search(&self, key: &str) -> Result<SavedSearchData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.read(|c| Ok(get_search(c, lib, &key)?.data))
    }

    /// Every saved search not in the trash, sorted by name (case-insensitive).
    pub fn saved_searches(&self) -> Result<Vec<SavedSearchData>> {
        let lib = self.id;
        let mut list: Vec<SavedSearchData> = self
            .db
            .read(|c| searches_where(c, lib, false))?
            .into_iter()
            .map(|r| r.data)
            .collect();
        sort_by_name(&mut list);
        Ok(list)
    }

    /// The one saved search (not in the trash) with this name: an exact
    /// match, else a case-insensitive one. Several matches are an error
    /// listing their keys.
    pub fn saved_search_by_name(&self, name: &str) -> Result<SavedSearchData> {
        let live = self.saved_searches()?;
        let wanted = name.trim();
        let mut found: Vec<&SavedSearchData> = live.iter().filter(|s| s.name == wanted).collect();
        if found.is_empty() {
            let folded = fold(wanted);
            found = live.iter().filter(|s| fold(&s.name) == folded).collect();
        }
        match found.as_slice() {
            [] => Err(Error::not_found(
                "saved search",
                format!("named {wanted:?}"),
            )),
            [one] => Ok((*one).clone()),
            many => Err(Error::invalid(format!(
                "{} saved searches are named {wanted:?} ({}); use a key",
                many.len(),
                many.iter()
                    .map(|s| s.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}
