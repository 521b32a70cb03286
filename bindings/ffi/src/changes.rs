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

/// Splits a committed change set into one [`LibraryChanges`] per library it
/// touched (one transaction may write to several libraries of the file), in
/// the order each library first appears. Keys are not de-duplicated here:
/// `WriteTx::record` already keeps each change once.
pub(crate) fn per_library(set: &ChangeSet) -> Vec<LibraryChanges> {
    let mut out: Vec<LibraryChanges> = Vec::new();
    for change in &set.changes {
        let library_id = change.library_id.0;
        let index = match out.iter().position(|l| l.library_id == library_id) {
            Some(index) => index,
            None => {
                out.push(LibraryChanges {
                    library_id,
                    ..LibraryChanges::default()
                });
                out.len() - 1
            }
        };
        let library = &mut out[index];
        let group = match change.object {
            ObjectKind::Item => &mut library.items,
            ObjectKind::Collection => &mut library.collections,
            ObjectKind::SavedSearch => &mut library.saved_searches,
        };
        let list = match change.kind {
            ChangeKind::Created => &mut group.created,
            ChangeKind::Updated => &mut group.updated,
            ChangeKind::Removed => &mut group.removed,
        };
        list.push(change.key.to_string());
    }
    out
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
            for changes in per_library(&set) {
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
        }
    })?;
    Ok(TaskHandle::new(task, subscription))
}

#[cfg(test)]
mod tests {
    use shelfmark_core::protocol::ObjectKey;
    use shelfmark_core::{Change, LibraryId};

    use super::*;

    fn change(library: i64, object: ObjectKind, key: &ObjectKey, kind: ChangeKind) -> Change {
        Change {
            library_id: LibraryId(library),
            object,
            key: key.clone(),
            kind,
        }
    }

    #[test]
    fn a_change_set_over_two_libraries_is_reported_per_library() {
        let (a, b, c) = (
            ObjectKey::random(),
            ObjectKey::random(),
            ObjectKey::random(),
        );
        let set = ChangeSet {
            changes: vec![
                change(1, ObjectKind::Item, &a, ChangeKind::Created),
                change(7, ObjectKind::Collection, &b, ChangeKind::Updated),
                change(1, ObjectKind::SavedSearch, &c, ChangeKind::Removed),
                change(7, ObjectKind::Item, &a, ChangeKind::Removed),
            ],
        };
        let personal = LibraryChanges {
            library_id: 1,
            items: KeyChanges {
                created: vec![a.to_string()],
                ..KeyChanges::default()
            },
            saved_searches: KeyChanges {
                removed: vec![c.to_string()],
                ..KeyChanges::default()
            },
            ..LibraryChanges::default()
        };
        let group = LibraryChanges {
            library_id: 7,
            items: KeyChanges {
                removed: vec![a.to_string()],
                ..KeyChanges::default()
            },
            collections: KeyChanges {
                updated: vec![b.to_string()],
                ..KeyChanges::default()
            },
            ..LibraryChanges::default()
        };
        assert_eq!(per_library(&set), vec![personal, group]);
    }

    #[test]
    fn an_empty_change_set_reports_nothing() {
        assert!(per_library(&ChangeSet::default()).is_empty());
    }
}
