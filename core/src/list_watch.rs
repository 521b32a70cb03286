//! Live item lists: one page of a list kept current, delivered as the edits
//! a list view applies (insert, remove, replace a row) after each committed
//! change that alters it. The apps, the web pages and the CLI share this.

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::changes::{ChangeSet, ObjectKind, Subscription};
use crate::diff::{Edit, edits};
use crate::error::{Error, Result};
use crate::library::Library;
use crate::search::{ItemListQuery, ItemSummary, Page};

/// Pages larger than this are watched as whole-page resets: diffing costs
/// the product of the old and new page sizes.
pub const MAX_DIFFED_ROWS: u32 = 500;

/// How a watched page changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageChange {
    /// Replace the whole page with these rows.
    Reset(Vec<ItemSummary>),
    /// Apply these edits in order (none: only the total changed).
    Edits(Vec<Edit<ItemSummary>>),
}

/// What changed in a watched page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUpdate {
    pub change: PageChange,
    /// How many rows the whole list now has.
    pub total: u64,
}

/// One page of an item list, watched. Subscribes on creation, so no change
/// committed after [`ListWatch::new`] is missed.
#[derive(Debug)]
pub struct ListWatch {
    library: Library,
    query: ItemListQuery,
    shown: Option<Page<ItemSummary>>,
    changes: UnboundedReceiver<ChangeSet>,
    _subscription: Subscription,
}

impl ListWatch {
    /// Starts watching the page `query` describes.
    pub fn new(library: &Library, query: ItemListQuery) -> Self {
        let (sender, changes) = unbounded_channel();
        let subscription = library.subscribe(move |set| {
            // A closed channel means the watch is gone; nothing to do.
            let _ = sender.send(set.clone());
        });
        Self {
            library: library.clone(),
            query,
            shown: None,
            changes,
            _subscription: subscription,
        }
    }

    /// The next update: first a reset holding the page as it is, then one
    /// after each change that alters the page (several commits in a row,
    /// as an import or a sync makes, give one update). `None` once the
    /// library is closed. Pages are read on tokio's blocking pool, so this
    /// must be awaited inside a tokio runtime.
    pub async fn next(&mut self) -> Option<Result<ListUpdate>> {
        if self.shown.is_none() {
            return Some(self.read_page().await.map(|page| {
                let update = ListUpdate {
                    change: PageChange::Reset(page.items.clone()),
                    total: page.total,
                };
                self.shown = Some(page);
                update
            }));
        }
        loop {
            let mut changes = self.changes.recv().await?;
            while let Ok(more) = self.changes.try_recv() {
                changes.changes.extend(more.changes);
            }
            if !may_alter(&changes, &self.query) {
                continue;
            }
            let page = match self.read_page().await {
                Ok(page) => page,
                Err(e) => return Some(Err(e)),
            };
            let update = self
                .shown
                .as_ref()
                .and_then(|old| update_between(old, &page));
            self.shown = Some(page);
            if let Some(update) = update {
                return Some(Ok(update));
            }
        }
    }

    async fn read_page(&self) -> Result<Page<ItemSummary>> {
        let (library, query) = (self.library.clone(), self.query.clone());
        tokio::task::spawn_blocking(move || library.list_items(&query))
            .await
            .map_err(|e| Error::internal(format!("reading a watched list stopped: {e}")))?
    }
}

/// Whether a change can alter a list with this query: item changes always;
/// collection and saved-search changes when the list is filtered by one
/// (a saved search may itself refer to collections and searches).
fn may_alter(changes: &ChangeSet, query: &ItemListQuery) -> bool {
    let filtered = query.filter.collection.is_some() || query.filter.saved_search.is_some();
    changes
        .changes
        .iter()
        .any(|c| c.object == ObjectKind::Item || filtered)
}

/// The update that turns `old` into `new`: edits, or one reset when edits
/// would not be smaller; `None` when nothing a list view shows changed.
pub fn update_between(old: &Page<ItemSummary>, new: &Page<ItemSummary>) -> Option<ListUpdate> {
    if old.items == new.items {
        return (old.total != new.total).then_some(ListUpdate {
            change: PageChange::Edits(Vec::new()),
            total: new.total,
        });
    }
    let reset = || PageChange::Reset(new.items.clone());
    let change = if new.limit > MAX_DIFFED_ROWS {
        reset()
    } else {
        let script = edits(&old.items, &new.items, |r| &r.key);
        if script.len() > new.items.len().max(1) {
            reset()
        } else {
            PageChange::Edits(script)
        }
    };
    Some(ListUpdate {
        change,
        total: new.total,
    })
}

#[cfg(test)]
mod tests {
    use shelfmark_protocol::{ItemData, ObjectKey};

    use super::*;

    fn row(key: &str, title: &str) -> ItemSummary {
        ItemSummary {
            key: ObjectKey::parse(key).expect("key"),
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

    fn page(items: Vec<ItemSummary>, total: u64) -> Page<ItemSummary> {
        Page {
            items,
            total,
            offset: 0,
            limit: 3,
        }
    }

    #[test]
    fn updates_are_edits_or_nothing() {
        let old = page(vec![row("AAAAAAAA", "a"), row("BBBBBBBB", "b")], 2);
        assert_eq!(update_between(&old, &old), None);

        let inserted = page(
            vec![
                row("AAAAAAAA", "a"),
                row("CCCCCCCC", "ab"),
                row("BBBBBBBB", "b"),
            ],
            3,
        );
        let update = update_between(&old, &inserted).expect("an update");
        assert_eq!(update.total, 3);
        assert_eq!(
            update.change,
            PageChange::Edits(vec![Edit::Insert {
                index: 1,
                row: row("CCCCCCCC", "ab")
            }])
        );

        let grown_elsewhere = page(old.items.clone(), 9);
        let update = update_between(&old, &grown_elsewhere).expect("total changed");
        assert_eq!(update.change, PageChange::Edits(Vec::new()));
        assert_eq!(update.total, 9);
    }

    #[test]
    fn a_watch_starts_with_the_page_and_hears_a_new_item() {
        let dir = tempfile::tempdir().expect("temp dir");
        let library = Library::create(dir.path().join("lib.shelfmark")).expect("library");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut watch = ListWatch::new(&library, ItemListQuery::default());
        runtime.block_on(async {
            let first = watch.next().await.expect("open").expect("first page");
            assert_eq!(first.change, PageChange::Reset(Vec::new()));
            assert_eq!(first.total, 0);

            let mut book = ItemData::new("book");
            book.set_field("title", "Middlemarch");
            let book = library.create_item(book).expect("item");
            let update = watch.next().await.expect("open").expect("update");
            assert_eq!(update.total, 1);
            match update.change {
                PageChange::Edits(edits) => match edits.as_slice() {
                    [Edit::Insert { index: 0, row }] => assert_eq!(row.key, book.key),
                    other => panic!("expected one insert, got {other:?}"),
                },
                other => panic!("expected edits, got {other:?}"),
            }
        });
    }
}
