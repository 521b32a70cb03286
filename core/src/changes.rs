//! Change notifications: after each committed write, subscribers learn which
//! objects it created, updated or removed. The apps' live lists sit on this.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use shelfmark_protocol::ObjectKey;

use crate::library::LibraryId;

/// The kinds of object a library holds, in the order a sync uploads them
/// (collections before the searches and items that name them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Collection,
    SavedSearch,
    Item,
}

/// What happened to it. Moving to or from the trash is an update; `Removed`
/// means gone from the file (trash emptied, or deleted by sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Created,
    Updated,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Change {
    pub library_id: LibraryId,
    pub object: ObjectKind,
    pub key: ObjectKey,
    pub kind: ChangeKind,
}

/// Everything one committed transaction changed, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangeSet {
    pub changes: Vec<Change>,
}

impl ChangeSet {
    pub(crate) fn new(changes: Vec<Change>) -> Self {
        Self { changes }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Keys of changed objects of one kind.
    pub fn keys(&self, object: ObjectKind) -> impl Iterator<Item = &ObjectKey> {
        self.changes
            .iter()
            .filter(move |c| c.object == object)
            .map(|c| &c.key)
    }
}

type Callback = Arc<dyn Fn(&ChangeSet) + Send + Sync>;

#[derive(Default)]
pub(crate) struct Observers {
    next_id: AtomicU64,
    list: Mutex<Vec<(u64, Callback)>>,
}

impl Observers {
    pub(crate) fn add(self: &Arc<Self>, callback: Callback) -> Subscription {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().push((id, callback));
        Subscription {
            id,
            observers: Arc::downgrade(self),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Callback)>> {
        self.list.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Calls every subscriber, outside the lock so that a callback may
    /// subscribe or unsubscribe.
    pub(crate) fn notify(&self, changes: &ChangeSet) {
        let callbacks: Vec<Callback> = self.lock().iter().map(|(_, c)| c.clone()).collect();
        for callback in callbacks {
            callback(changes);
        }
    }
}

/// A live subscription; dropping it unsubscribes.
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription {
    id: u64,
    observers: Weak<Observers>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(observers) = self.observers.upgrade() {
            observers.lock().retain(|(id, _)| *id != self.id);
        }
    }
}
