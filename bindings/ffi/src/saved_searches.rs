//! Saved searches: EndNote's smart groups and combination groups,
//! evaluated live whenever they are listed.

use shelfmark_core::protocol::{SavedSearchData, SearchCondition as CoreCondition};
use shelfmark_core::{Library, with_join_mode, without_join_mode};

use crate::error::Result;
use crate::item_records::ItemPage;
use crate::query::ItemListQuery;
use crate::runtime::with_library;

/// One condition of a saved search, as the Web API writes it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SearchCondition {
    /// What is tested: `title`, `creator`, `date`, `tag`, `collection`, any
    /// field name, `note`, `annotationText`, `dateAdded`, …
    pub condition: String,
    /// How: `is`, `isNot`, `contains`, `doesNotContain`, `beginsWith`,
    /// `isBefore`, `isAfter`, `isInTheLast`.
    pub operator: String,
    /// Against what (`1900-01-01`, `3 months`, a collection key…).
    pub value: String,
}

/// A saved search.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SavedSearch {
    /// The saved search's key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Its conditions.
    pub conditions: Vec<SearchCondition>,
    /// An item matches when any condition holds, rather than all of them.
    pub match_any: bool,
    /// Whether it is in the trash.
    pub in_trash: bool,
}

impl From<SavedSearchData> for SavedSearch {
    fn from(s: SavedSearchData) -> Self {
        Self {
            key: s.key.to_string(),
            match_any: s.matches_any(),
            conditions: without_join_mode(s.conditions)
                .into_iter()
                .map(|c| SearchCondition {
                    condition: c.condition,
                    operator: c.operator,
                    value: c.value,
                })
                .collect(),
            name: s.name,
            in_trash: s.deleted,
        }
    }
}

/// The caller's conditions for the core, which drops a `joinMode` among
/// them: `match_any` says how conditions join.
fn core_conditions(conditions: &[SearchCondition]) -> Vec<CoreCondition> {
    conditions
        .iter()
        .map(|c| CoreCondition::new(&c.condition, &c.operator, &c.value))
        .collect()
}

/// The saved searches of a library.
#[derive(Debug, uniffi::Object)]
pub struct SavedSearches {
    library: Library,
}

impl SavedSearches {
    pub(crate) fn new(library: Library) -> Self {
        Self { library }
    }
}

#[uniffi::export]
impl SavedSearches {
    /// Every saved search outside the trash, by name.
    pub async fn list(&self) -> Result<Vec<SavedSearch>> {
        with_library(&self.library, |l| {
            Ok(l.saved_searches()?
                .into_iter()
                .map(SavedSearch::from)
                .collect())
        })
        .await
    }

    /// One saved search, in the trash or not.
    pub async fn get(&self, key: String) -> Result<SavedSearch> {
        with_library(&self.library, move |l| {
            l.get_saved_search(&key).map(SavedSearch::from)
        })
        .await
    }

    /// Saves a new search; its conditions are checked first.
    pub async fn create(
        &self,
        name: String,
        conditions: Vec<SearchCondition>,
        match_any: bool,
    ) -> Result<SavedSearch> {
        with_library(&self.library, move |l| {
            l.create_saved_search(&name, core_conditions(&conditions), match_any)
                .map(SavedSearch::from)
        })
        .await
    }

    /// Replaces a saved search's name, conditions and joining.
    pub async fn update(
        &self,
        key: String,
        name: String,
        conditions: Vec<SearchCondition>,
        match_any: bool,
    ) -> Result<SavedSearch> {
        with_library(&self.library, move |l| {
            let mut data = l.get_saved_search(&key)?;
            data.name = name;
            data.conditions = with_join_mode(core_conditions(&conditions), match_any);
            l.update_saved_search(data).map(SavedSearch::from)
        })
        .await
    }

    /// Moves a saved search to the trash.
    pub async fn delete(&self, key: String) -> Result<()> {
        with_library(&self.library, move |l| l.delete_saved_search(&key)).await
    }

    /// Takes a saved search out of the trash.
    pub async fn restore(&self, key: String) -> Result<SavedSearch> {
        with_library(&self.library, move |l| {
            l.restore_saved_search(&key).map(SavedSearch::from)
        })
        .await
    }

    /// One page of the items the saved search finds now, sorted as `query`
    /// says (its filter's saved search is set to `key`).
    pub async fn items(&self, key: String, query: ItemListQuery) -> Result<ItemPage> {
        with_library(&self.library, move |l| {
            l.saved_search_items(&key, &query).map(ItemPage::from)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use shelfmark_core::JOIN_MODE;

    use super::*;

    /// Polls a future to completion on this thread, as a foreign executor would.
    fn wait<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("test executor")
            .block_on(future)
    }

    fn condition(condition: &str, operator: &str, value: &str) -> SearchCondition {
        SearchCondition {
            condition: condition.into(),
            operator: operator.into(),
            value: value.into(),
        }
    }

    fn stored_join_modes(library: &Library, key: &str) -> Vec<String> {
        library
            .get_saved_search(key)
            .expect("stored search")
            .conditions
            .into_iter()
            .filter(|c| c.condition == JOIN_MODE)
            .map(|c| c.operator)
            .collect()
    }

    #[test]
    fn a_join_mode_among_the_conditions_is_not_stored_twice() {
        let dir = tempfile::tempdir().expect("temp dir");
        let library = Library::create(dir.path().join("lib.shelfmark")).expect("library");
        let searches = SavedSearches::new(library.clone());
        let title = condition("title", "contains", "cell");
        let stray_join = condition(JOIN_MODE, "any", "");

        let created = wait(searches.create(
            "Cells".into(),
            vec![stray_join.clone(), title.clone()],
            false,
        ))
        .expect("create");
        assert_eq!(stored_join_modes(&library, &created.key), ["all"]);

        let updated = wait(searches.update(
            created.key.clone(),
            "Cells".into(),
            vec![title.clone(), stray_join],
            false,
        ))
        .expect("update");
        assert_eq!(stored_join_modes(&library, &updated.key), ["all"]);
        assert!(!updated.match_any);
        assert_eq!(updated.conditions, [title]);
    }
}
