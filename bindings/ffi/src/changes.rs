//! Change notifications: what each committed write created, updated or
//! removed, grouped by kind of object, delivered to a foreign listener.

use std::sync::Arc;

use shelfmark_core::{ChangeKind, ChangeSet, Library, ObjectKind, Subscription};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::error::Result;
use crate::runtime::spawn;
use crate::task::TaskHandle;

/// Keys of objects of one kind that a change created, updated or removed.
/// Moving to or from the trash counts as an update; `removed` means gone
/// for good (trash emptied, or deleted by sync).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct KeyChanges {
    /// Keys of new objects.
    pub created: Vec<String>,
    /// Keys of changed objects.
    pub updated: Vec<String>,
    /// Keys of objects that no longer exist.
    pub removed: Vec<String>,
}

/// What one committed change to a library did.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct LibraryChanges {
    /// Which library of the file changed (1: the personal library).
    pub library_id: i64,
    /// Item changes (notes, attachments and annotations included).
    pub items: KeyChanges,
    /// Collection changes.
    pub collections: KeyChanges,
    /// Saved-search changes.
    pub saved_searches: KeyChanges,
}

/// Hears about committed changes to a library.
#[uniffi::export(foreign)]
pub trait LibraryListener: Send + Sync {
    /// Called once per committed change, in commit order, on a background
    /// thread (hop to the main thread to touch the UI).
    fn on_change(&self, changes: LibraryChanges);
}

impl From<&ChangeSet> for LibraryChanges {
    fn from(set: &ChangeSet) -> Self {
        let mut out = LibraryChanges::default();
        for change in &set.changes {
            out.library_id = change.library_id.0;
            let group = match change.object {
                ObjectKind::Item => &mut out.items,
                ObjectKind::Collection => &mut out.collections,
                ObjectKind::SavedSearch => &mut out.saved_searches,
            };
            let list = match change.kind {
                ChangeKind::Created => &mut group.created,
                ChangeKind::Updated => &mut group.updated,
                ChangeKind::Removed => &mut group.removed,
            };
            let key = change.key.to_string();
            if !list.contains(&key) {
                list.push(key);
            }
        }
        out
    }
}

/// Committed change sets of `library`, as a channel. The library calls
/// back on the writing thread; the channel moves the work off it at once.
pub(crate) fn change_stream(library: &Library) -> (Subscription, UnboundedReceiver<ChangeSet>) {
    let (sender, receiver) = unbounded_channel();
    let subscription = library.subscribe(move |changes| {
        // A closed channel means the subscriber is gone; nothing to do.
        let _ = sender.send(changes.clone());
    });
    (subscription, receiver)
}

/// Starts delivering `library`'s changes to `listener`.
pub(crate) fn subscribe_changes(
    library: &Library,
    listener: Arc<dyn LibraryListener>,
) -> Result<TaskHandle> {
    let (subscription, mut receiver) = change_stream(library);
    let task = spawn(async move {
        while let Some(set) = receiver.recv().await {
            if set.is_empty() {
                continue;
            }
            let changes = LibraryChanges::from(&set);
            let listener = listener.clone();
            // Foreign code may block; it runs on the blocking pool, one
            // call at a time so the order of commits is kept.
            if tokio::task::spawn_blocking(move || listener.on_change(changes))
                .await
                .is_err()
            {
                log::warn!("a library listener failed; it will not be called again");
                return;
            }
        }
    })?;
    Ok(TaskHandle::new(task, subscription))
}
