//! Live item lists: one page of a list kept current, delivered as the edits
//! a list view applies (insert, remove, replace a row) after each change.

use std::sync::Arc;

use shelfmark_core::diff::Edit;
use shelfmark_core::{ItemSummary, Library, ListUpdate, ListWatch, PageChange};

use crate::error::Result;
use crate::item_records::ItemRow;
use crate::query::ItemListQuery;
use crate::runtime::spawn;
use crate::task::TaskHandle;

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

fn to_diff(edit: Edit<ItemSummary>) -> ItemListDiff {
    match edit {
        Edit::Remove { index } => ItemListDiff::Remove { index },
        Edit::Insert { index, row } => ItemListDiff::Insert {
            index,
            row: row.into(),
        },
        Edit::Set { index, row } => ItemListDiff::Set {
            index,
            row: row.into(),
        },
    }
}

impl From<ListUpdate> for ItemListUpdate {
    fn from(update: ListUpdate) -> Self {
        let diffs = match update.change {
            PageChange::Reset(rows) => vec![ItemListDiff::Reset {
                rows: rows.into_iter().map(ItemRow::from).collect(),
            }],
            PageChange::Edits(edits) => edits.into_iter().map(to_diff).collect(),
        };
        Self {
            diffs,
            total: update.total,
        }
    }
}

/// Starts watching one page of the list `query` describes.
pub(crate) fn watch_list(
    library: &Library,
    query: ItemListQuery,
    listener: Arc<dyn ItemListListener>,
) -> Result<TaskHandle> {
    let mut watch = ListWatch::new(library, query);
    let task = spawn(async move {
        while let Some(update) = watch.next().await {
            let update = match update {
                Ok(update) => ItemListUpdate::from(update),
                Err(e) => return log::warn!("stopped watching an item list: {e}"),
            };
            let listener = listener.clone();
            if tokio::task::spawn_blocking(move || listener.on_update(update))
                .await
                .is_err()
            {
                return log::warn!("an item list listener failed; it will not be called again");
            }
        }
    })?;
    // The watch, and with it the library subscription, lives in the task.
    Ok(TaskHandle::owning_subscription_in_task(task))
}

#[cfg(test)]
mod tests {
    use shelfmark_core::protocol::ObjectKey;

    use super::*;

    fn summary(key: &ObjectKey, title: &str) -> ItemSummary {
        ItemSummary {
            key: key.clone(),
            item_type: "book".into(),
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

    #[test]
    fn core_updates_map_to_list_diffs() {
        let (a, b) = (ObjectKey::random(), ObjectKey::random());
        let update = ListUpdate {
            change: PageChange::Edits(vec![
                Edit::Remove { index: 2 },
                Edit::Insert {
                    index: 0,
                    row: summary(&a, "a"),
                },
                Edit::Set {
                    index: 1,
                    row: summary(&b, "b"),
                },
            ]),
            total: 7,
        };
        let mapped = ItemListUpdate::from(update);
        assert_eq!(mapped.total, 7);
        assert_eq!(
            mapped.diffs,
            vec![
                ItemListDiff::Remove { index: 2 },
                ItemListDiff::Insert {
                    index: 0,
                    row: summary(&a, "a").into(),
                },
                ItemListDiff::Set {
                    index: 1,
                    row: summary(&b, "b").into(),
                },
            ]
        );
        let reset = ItemListUpdate::from(ListUpdate {
            change: PageChange::Reset(vec![summary(&a, "a")]),
            total: 1,
        });
        assert_eq!(
            reset.diffs,
            vec![ItemListDiff::Reset {
                rows: vec![summary(&a, "a").into()]
            }]
        );
    }
}
