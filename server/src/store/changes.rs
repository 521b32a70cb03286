//! Announcing committed changes to whoever follows them (live updates to
//! connected clients). The store only hands each change to a listener that
//! the service installs at start; without one, nothing is announced.

use std::sync::{Arc, OnceLock};

use super::LibraryId;

/// One committed change that followers of a library or account care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// A write committed: the library is now at `version`.
    Library { library: LibraryId, version: u64 },
    /// What a user's keys may read changed: a group joined or left, a key revoked.
    Access { user_id: u64 },
}

/// Receives changes right after they commit. It must not block: writers call it.
pub trait ChangeListener: Send + Sync + std::fmt::Debug {
    fn changed(&self, change: Change);
}

/// Where a store announces its changes; a cheap handle shared by its clones.
#[derive(Debug, Clone, Default)]
pub struct ChangeFeed(Arc<OnceLock<Arc<dyn ChangeListener>>>);

impl ChangeFeed {
    /// Installs the listener; false when one already was.
    pub fn listen(&self, listener: Arc<dyn ChangeListener>) -> bool {
        self.0.set(listener).is_ok()
    }

    /// Hands a committed change to the listener, if there is one.
    pub fn publish(&self, change: Change) {
        if let Some(listener) = self.0.get() {
            listener.changed(change);
        }
    }
}
