//! Live item lists: one page of a list kept current, delivered as the edits
//! a list view applies (insert, remove, replace a row) after each change.

use std::sync::Arc;

use shelfmark_core::{ChangeSet, Library, ListQuery, ObjectKind};

use crate::changes::change_stream;
use crate::diff::{Edit, edits};
use crate::error::{Result, ShelfmarkError};
use crate::item_records::{ItemPage, ItemRow};
use crate::query::ItemListQuery;
use crate::runtime::spawn;
use crate::task::TaskHandle;

/// Pages larger than this are watched as whole-page resets.
const MAX_DIFFED_ROWS: u32 = 500;

/// One edit of a watched page. Apply the edits of an update in order;
/// indices count from the page's first row.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ItemListDiff {
    /// Replace the whole page with these rows.
    Reset {
        /// The page's rows, in order.
        rows: Vec<ItemRow>,
    },
    /// Insert a row so that it ends up at `index`.
    Insert {
        /// Where the row goes.
        index: u32,
        /// The new row.
        row: ItemRow,
    },
    /// Remove the row at `index`.
    Remove {
        /// Which row.
        index: u32,
    },
    /// Replace the row at `index` with a newer version of the same item.
    Set {
        /// Which row.
        index: u32,
        /// Its new content.
        row: ItemRow,
    },
}

/// What changed in a watched page.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemListUpdate {
    /// The edits, in the order to apply them.
    pub diffs: Vec<ItemListDiff>,
    /// How many rows the whole list now has (for the scroll bar, "N items").
    pub total: u64,
}

/// Hears about changes to a watched page of an item list.
#[uniffi::export(foreign)]
pub trait ItemListListener: Send + Sync {
    /// Called first with a `Reset` holding the page as it is, then after
    /// every change that alters the page. Runs on a background thread.
    fn on_update(&self, update: ItemListUpdate);
}

fn to_diff(edit: Edit<ItemRow>) -> ItemListDiff {
    match edit {
        Edit::Remove { index } => ItemListDiff::Remove { index },
        Edit::Insert { index, row } => ItemListDiff::Insert { index, row },
        Edit::Set { index, row } => ItemListDiff::Set { index, row },
    }
}

/// Whether a change can alter a list with this query: item changes always;
/// collection and saved-search changes when the list is filtered by one
/// (a saved search may itself refer to collections and searches).
fn may_alter(changes: &ChangeSet, query: &ListQuery) -> bool {
    let filtered = query.filter.collection.is_some() || query.filter.saved_search.is_some();
    changes
        .changes
        .iter()
        .any(|c| c.object == ObjectKind::Item || filtered)
}

async fn read_page(library: &Library, query: &ListQuery) -> Result<ItemPage> {
    let (library, query) = (library.clone(), query.clone());
    crate::runtime::blocking(move || library.list_items(&query).map(ItemPage::from)).await
}

/// The update that turns `old` into `new`: edits, or one reset when edits
/// would not be smaller.
fn update_between(old: &ItemPage, new: ItemPage) -> Option<ItemListUpdate> {
    if old.rows == new.rows {
        return (old.total != new.total).then_some(ItemListUpdate {
            diffs: vec![],
            total: new.total,
        });
    }
    let reset = || {
        vec![ItemListDiff::Reset {
            rows: new.rows.clone(),
        }]
    };
    let diffs = if new.limit > MAX_DIFFED_ROWS {
        reset()
    } else {
        let script = edits(&old.rows, &new.rows, |r| r.key.as_str());
        if script.len() > new.rows.len().max(1) {
            reset()
        } else {
            script.into_iter().map(to_diff).collect()
        }
    };
    Some(ItemListUpdate {
        diffs,
        total: new.total,
    })
}

/// Starts watching one page of the list `query` describes.
pub(crate) fn watch_list(
    library: &Library,
    query: ItemListQuery,
    listener: Arc<dyn ItemListListener>,
) -> Result<TaskHandle> {
    let query: ListQuery = query.into();
    let (subscription, mut receiver) = change_stream(library);
    let library = library.clone();
    let notify = move |update: ItemListUpdate| {
        let listener = listener.clone();
        tokio::task::spawn_blocking(move || listener.on_update(update))
    };
    let task = spawn(async move {
        let mut shown = match read_page(&library, &query).await {
            Ok(page) => page,
            Err(e) => return log_stop(&e),
        };
        let first = ItemListUpdate {
            diffs: vec![ItemListDiff::Reset {
                rows: shown.rows.clone(),
            }],
            total: shown.total,
        };
        if notify(first).await.is_err() {
            return;
        }
        while let Some(mut changes) = receiver.recv().await {
            // Several commits in a row (an import, a sync) give one update.
            while let Ok(more) = receiver.try_recv() {
                changes.changes.extend(more.changes);
            }
            if !may_alter(&changes, &query) {
                continue;
            }
            let page = match read_page(&library, &query).await {
                Ok(page) => page,
                Err(e) => return log_stop(&e),
            };
            let update = update_between(&shown, page.clone());
            shown = page;
            if let Some(update) = update
                && notify(update).await.is_err()
            {
                log::warn!("an item list listener failed; it will not be called again");
                return;
            }
        }
    })?;
    Ok(TaskHandle::new(task, subscription))
}

fn log_stop(error: &ShelfmarkError) {
    log::warn!("stopped watching an item list: {error}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, title: &str) -> ItemRow {
        ItemRow {
            key: key.into(),
            item_type: "book".into(),
            item_type_label: "Book".into(),
            title: title.into(),
            creator_summary: String::new(),
            date: String::new(),
            year: None,
            date_added: String::new(),
            date_modified: String::new(),
            num_children: 0,
            in_trash: false,
        }
    }

    fn page(rows: Vec<ItemRow>, total: u64) -> ItemPage {
        ItemPage {
            rows,
            total,
            offset: 0,
            limit: 3,
        }
    }

    #[test]
    fn updates_are_edits_or_nothing() {
        let old = page(vec![row("AAAAAAAA", "a"), row("BBBBBBBB", "b")], 2);
        assert_eq!(update_between(&old, old.clone()), None);

        let inserted = page(
            vec![
                row("AAAAAAAA", "a"),
                row("CCCCCCCC", "ab"),
                row("BBBBBBBB", "b"),
            ],
            3,
        );
        let update = update_between(&old, inserted).expect("an update");
        assert_eq!(update.total, 3);
        assert_eq!(
            update.diffs,
            vec![ItemListDiff::Insert {
                index: 1,
                row: row("CCCCCCCC", "ab")
            }]
        );

        let grown_elsewhere = page(old.rows.clone(), 9);
        let update = update_between(&old, grown_elsewhere).expect("total changed");
        assert!(update.diffs.is_empty());
        assert_eq!(update.total, 9);
    }
}
