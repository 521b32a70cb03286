//! The sync planner: from what the server reports and what the library holds,
//! decide what to fetch, how to apply each fetched object and each remote
//! deletion, and whether a deletion is large enough to need confirmation.
//! Plain data in, plain data out; no database, no network.

use std::collections::{BTreeMap, HashMap};

use crate::changes::ObjectKind;

/// What the library knows about one object, for planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LocalState {
    /// Server version of the copy we hold (0: never synced).
    pub version: u64,
    /// Local data equals the base copy (nothing to upload).
    pub synced: bool,
    /// The object was removed locally (trash emptied) and the deletion is
    /// waiting to be uploaded.
    pub pending_deletion: bool,
    /// The object is in the local trash.
    pub in_trash: bool,
}

/// How to apply one object fetched from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyAction {
    /// New to this library.
    Insert,
    /// Unchanged here: take the server's copy.
    Overwrite,
    /// Changed on both sides: three-way merge against the base.
    Merge,
    /// Removed here but edited there: the edit wins, the object comes back
    /// and the local deletion is dropped (with a notice).
    RestoreEdited,
}

/// How to apply one deletion reported by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionAction {
    /// Not here (or already gone): nothing to do.
    Nothing,
    /// Unchanged here: move it to the local trash, restorable.
    MoveToTrash,
    /// Edited here since the last sync: the edit wins; it will be uploaded
    /// again as a new object (with a notice).
    KeepEdited,
}

/// The plan for one library's download phase.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DownloadPlan {
    /// Keys to fetch per object type, in request-sized order.
    pub fetch: BTreeMap<ObjectKind, Vec<String>>,
}

impl DownloadPlan {
    pub fn is_empty(&self) -> bool {
        self.fetch.values().all(Vec::is_empty)
    }

    pub fn total(&self) -> usize {
        self.fetch.values().map(Vec::len).sum()
    }
}

/// Keys whose server version is newer than the copy held here.
pub fn plan_fetch(
    remote_versions: &BTreeMap<String, u64>,
    local: &HashMap<String, LocalState>,
) -> Vec<String> {
    remote_versions
        .iter()
        .filter(|(key, remote)| local.get(*key).is_none_or(|l| l.version < **remote))
        .map(|(key, _)| key.clone())
        .collect()
}

pub fn decide_apply(local: Option<&LocalState>) -> ApplyAction {
    match local {
        None => ApplyAction::Insert,
        Some(l) if l.pending_deletion => ApplyAction::RestoreEdited,
        Some(l) if l.synced => ApplyAction::Overwrite,
        Some(_) => ApplyAction::Merge,
    }
}

pub fn decide_deletion(local: Option<&LocalState>) -> DeletionAction {
    match local {
        None => DeletionAction::Nothing,
        Some(l) if l.pending_deletion => DeletionAction::Nothing,
        Some(l) if !l.synced => DeletionAction::KeepEdited,
        Some(_) => DeletionAction::MoveToTrash,
    }
}

/// A sync that would delete more than max(10 items, 10 %) of a library
/// stops and asks first.
pub fn needs_confirmation(deleting: usize, library_size: usize) -> bool {
    deleting > 10usize.max(library_size.div_ceil(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(version: u64, synced: bool) -> LocalState {
        LocalState {
            version,
            synced,
            ..LocalState::default()
        }
    }

    #[test]
    fn fetches_only_what_is_newer_there() {
        let remote: BTreeMap<String, u64> = [("AAAA2222", 5), ("BBBB2222", 7), ("CCCC2222", 9)]
            .map(|(k, v)| (k.to_owned(), v))
            .into();
        let local: HashMap<String, LocalState> =
            [("AAAA2222", state(5, true)), ("BBBB2222", state(3, false))]
                .map(|(k, s)| (k.to_owned(), s))
                .into();
        assert_eq!(
            plan_fetch(&remote, &local),
            vec!["BBBB2222".to_owned(), "CCCC2222".to_owned()]
        );
    }

    #[test]
    fn apply_decisions() {
        assert_eq!(decide_apply(None), ApplyAction::Insert);
        assert_eq!(decide_apply(Some(&state(3, true))), ApplyAction::Overwrite);
        assert_eq!(decide_apply(Some(&state(3, false))), ApplyAction::Merge);
        let deleted = LocalState {
            pending_deletion: true,
            ..state(3, true)
        };
        assert_eq!(decide_apply(Some(&deleted)), ApplyAction::RestoreEdited);
    }

    #[test]
    fn deletion_decisions_never_lose_an_edit() {
        assert_eq!(decide_deletion(None), DeletionAction::Nothing);
        assert_eq!(
            decide_deletion(Some(&state(3, true))),
            DeletionAction::MoveToTrash
        );
        assert_eq!(
            decide_deletion(Some(&state(3, false))),
            DeletionAction::KeepEdited
        );
        let gone = LocalState {
            pending_deletion: true,
            ..state(3, true)
        };
        assert_eq!(decide_deletion(Some(&gone)), DeletionAction::Nothing);
    }

    #[test]
    fn mass_deletion_threshold() {
        assert!(!needs_confirmation(10, 20), "10 items is always fine");
        assert!(needs_confirmation(11, 20));
        assert!(!needs_confirmation(100, 1000), "10 % of 1000");
        assert!(needs_confirmation(101, 1000));
        assert!(!needs_confirmation(0, 0));
    }
}
