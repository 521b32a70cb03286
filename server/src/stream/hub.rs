//! Who follows what: each connection's interests (libraries, and the users
//! whose access it depends on) and a mailbox per connection.
//!
//! A mailbox holds at most one entry per library (the latest version) and
//! one flag for access changes, so it is bounded by what the connection
//! follows: a slow or stalled subscriber costs a map entry, never holds up
//! a writer, and receives the newest version when it catches up.
//!
//! A library followed by many connections (a large group, or thousands of
//! devices) is announced by the hub's fan-out task rather than in the
//! writer's call, and after telling n connections the task pauses in
//! proportion to n before announcing again: a library written to without
//! pause is announced a few times a second with its latest version, so
//! notifying its followers never takes the processor from the writers.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use crate::store::{Change, LibraryId};

/// Libraries with at most this many followers are told at once.
const DIRECT_FOLLOWERS: usize = 256;
/// The fan-out task's pause after announcing a library, per connection
/// told (10,000 followers: 0.4 s between announcements).
const PAUSE_PER_FOLLOWER: Duration = Duration::from_micros(40);

/// Identifies one connection within a hub.
pub type ConnectionId = u64;

/// What a connection wants to hear about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interest {
    pub libraries: HashSet<LibraryId>,
    /// Users whose keys the connection holds: their access changes matter.
    pub users: HashSet<u64>,
}

/// What is waiting for one connection.
#[derive(Debug, Default)]
pub struct Pending {
    /// The latest version of each changed library.
    pub versions: HashMap<LibraryId, u64>,
    /// A followed user's access changed: recheck keys and topics.
    pub access_changed: bool,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty() && !self.access_changed
    }
}

/// A connection's mailbox: filled by writers, emptied by the connection.
#[derive(Debug, Default)]
pub struct Mailbox {
    pending: Mutex<Pending>,
    ready: Notify,
}

impl Mailbox {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A panic while holding this lock leaves plain data behind: keep going.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn put_version(&self, library: LibraryId, version: u64) {
        let mut pending = self.lock();
        let entry = pending.versions.entry(library).or_insert(version);
        *entry = (*entry).max(version);
        drop(pending);
        self.ready.notify_one();
    }

    fn put_access_change(&self) {
        self.lock().access_changed = true;
        self.ready.notify_one();
    }

    /// Waits until something is pending (returns at once if it already is).
    pub async fn ready(&self) {
        self.ready.notified().await;
    }

    /// Takes everything pending.
    pub fn take(&self) -> Pending {
        std::mem::take(&mut *self.lock())
    }
}

#[derive(Debug, Default)]
struct Index {
    mailboxes: HashMap<ConnectionId, Arc<Mailbox>>,
    interests: HashMap<ConnectionId, Interest>,
    by_library: HashMap<LibraryId, HashSet<ConnectionId>>,
    by_user: HashMap<u64, HashSet<ConnectionId>>,
}

/// Versions of widely followed libraries waiting for the fan-out task.
#[derive(Debug, Default)]
struct Fanout {
    queued: Mutex<HashMap<LibraryId, u64>>,
    ready: Notify,
    /// Whether a task announces what is queued (else everything is told at once).
    running: AtomicBool,
}

/// Every connection of this process and what it follows.
#[derive(Debug, Default)]
pub struct Hub {
    index: Mutex<Index>,
    next_id: AtomicU64,
    fanout: Arc<Fanout>,
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the task announcing widely followed libraries (needs a Tokio
    /// runtime); it ends with the hub.
    pub fn start_fanout(self: &Arc<Self>) {
        let fanout = Arc::clone(&self.fanout);
        fanout.running.store(true, Ordering::SeqCst);
        tokio::spawn(fan_out(Arc::downgrade(self), fanout));
    }

    /// Registers a connection, following nothing yet.
    pub fn join(&self) -> (ConnectionId, Arc<Mailbox>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mailbox = Arc::new(Mailbox::default());
        let mut index = self.lock();
        index.mailboxes.insert(id, Arc::clone(&mailbox));
        index.interests.insert(id, Interest::default());
        (id, mailbox)
    }

    /// Forgets a connection.
    pub fn leave(&self, id: ConnectionId) {
        self.follow(id, Interest::default());
        let mut index = self.lock();
        index.mailboxes.remove(&id);
        index.interests.remove(&id);
    }

    /// Replaces what a connection follows.
    pub fn follow(&self, id: ConnectionId, interest: Interest) {
        let mut index = self.lock();
        let Index {
            interests,
            by_library,
            by_user,
            ..
        } = &mut *index;
        let Some(old) = interests.get_mut(&id) else {
            return;
        };
        for gone in old.libraries.difference(&interest.libraries) {
            remove_from(by_library, gone, id);
        }
        for new in interest.libraries.difference(&old.libraries) {
            by_library.entry(*new).or_default().insert(id);
        }
        for gone in old.users.difference(&interest.users) {
            remove_from(by_user, gone, id);
        }
        for new in interest.users.difference(&old.users) {
            by_user.entry(*new).or_default().insert(id);
        }
        *old = interest;
    }

    /// Delivers a change to the mailboxes of the connections that follow it
    /// (for a widely followed library, through the fan-out task).
    pub fn deliver(&self, change: Change) {
        let index = self.lock();
        match change {
            Change::Library { library, version } => {
                let followers = index.by_library.get(&library).map_or(0, HashSet::len);
                if followers > DIRECT_FOLLOWERS && self.fanout.running.load(Ordering::SeqCst) {
                    drop(index);
                    let mut queued = self.fanout.queued.lock().unwrap_or_else(|e| e.into_inner());
                    let entry = queued.entry(library).or_insert(version);
                    *entry = (*entry).max(version);
                    drop(queued);
                    self.fanout.ready.notify_one();
                    return;
                }
                drop(index);
                self.tell_followers(library, version);
            }
            Change::Access { user_id } => {
                for id in index.by_user.get(&user_id).into_iter().flatten() {
                    if let Some(mailbox) = index.mailboxes.get(id) {
                        mailbox.put_access_change();
                    }
                }
            }
        }
    }

    /// Puts a library's version in its followers' mailboxes; how many.
    fn tell_followers(&self, library: LibraryId, version: u64) -> usize {
        let index = self.lock();
        let mut told = 0;
        for id in index.by_library.get(&library).into_iter().flatten() {
            if let Some(mailbox) = index.mailboxes.get(id) {
                mailbox.put_version(library, version);
                told += 1;
            }
        }
        told
    }

    /// Every library some connection follows.
    pub fn followed_libraries(&self) -> Vec<LibraryId> {
        self.lock().by_library.keys().copied().collect()
    }

    /// Connections registered now.
    pub fn connections(&self) -> usize {
        self.lock().mailboxes.len()
    }
}

/// Announces queued libraries, pausing after each in proportion to the
/// connections told.
async fn fan_out(hub: Weak<Hub>, fanout: Arc<Fanout>) {
    loop {
        fanout.ready.notified().await;
        loop {
            let queued =
                std::mem::take(&mut *fanout.queued.lock().unwrap_or_else(|e| e.into_inner()));
            if queued.is_empty() {
                break;
            }
            for (library, version) in queued {
                let Some(hub) = hub.upgrade() else { return };
                let told = hub.tell_followers(library, version);
                drop(hub);
                let told = u32::try_from(told).unwrap_or(u32::MAX);
                tokio::time::sleep(PAUSE_PER_FOLLOWER * told).await;
            }
        }
    }
}

fn remove_from<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, HashSet<ConnectionId>>,
    key: &K,
    id: ConnectionId,
) {
    if let Some(set) = map.get_mut(key) {
        set.remove(&id);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interest(libraries: &[LibraryId], users: &[u64]) -> Interest {
        Interest {
            libraries: libraries.iter().copied().collect(),
            users: users.iter().copied().collect(),
        }
    }

    #[test]
    fn a_stalled_subscriber_keeps_only_the_latest_version_per_library() {
        let hub = Hub::default();
        let (id, mailbox) = hub.join();
        hub.follow(id, interest(&[1, 2], &[]));
        for version in 1..=10_000 {
            hub.deliver(Change::Library {
                library: 1,
                version,
            });
        }
        hub.deliver(Change::Library {
            library: 2,
            version: 5,
        });
        // An older version arriving late (another process) does not go back.
        hub.deliver(Change::Library {
            library: 1,
            version: 3,
        });
        let pending = mailbox.take();
        assert_eq!(pending.versions.len(), 2);
        assert_eq!(pending.versions[&1], 10_000);
        assert_eq!(pending.versions[&2], 5);
        assert!(mailbox.take().is_empty());
    }

    #[tokio::test]
    async fn a_widely_followed_library_is_announced_by_the_fanout_task_with_its_latest_version() {
        let hub = Arc::new(Hub::default());
        hub.start_fanout();
        let followers: Vec<Arc<Mailbox>> = (0..DIRECT_FOLLOWERS + 50)
            .map(|_| {
                let (id, mailbox) = hub.join();
                hub.follow(id, interest(&[1], &[]));
                mailbox
            })
            .collect();
        let (few, few_inbox) = hub.join();
        hub.follow(few, interest(&[2], &[]));
        for version in 1..=100 {
            hub.deliver(Change::Library {
                library: 1,
                version,
            });
        }
        // A library with few followers is told in the writer's call.
        hub.deliver(Change::Library {
            library: 2,
            version: 7,
        });
        assert_eq!(few_inbox.take().versions.get(&2), Some(&7));
        let mut latest = vec![0; followers.len()];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while latest.iter().any(|v| *v < 100) {
            assert!(tokio::time::Instant::now() < deadline, "{latest:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
            for (seen, mailbox) in latest.iter_mut().zip(&followers) {
                if let Some(version) = mailbox.take().versions.get(&1) {
                    assert!(*version > *seen, "versions only go forward");
                    *seen = *version;
                }
            }
        }
    }

    #[test]
    fn only_followers_hear_and_unfollowing_stops_delivery() {
        let hub = Hub::default();
        let (a, inbox_a) = hub.join();
        let (b, inbox_b) = hub.join();
        hub.follow(a, interest(&[1], &[7]));
        hub.follow(b, interest(&[2], &[]));
        hub.deliver(Change::Library {
            library: 1,
            version: 4,
        });
        hub.deliver(Change::Access { user_id: 7 });
        let pending = inbox_a.take();
        assert_eq!(pending.versions.get(&1), Some(&4));
        assert!(pending.access_changed);
        assert!(inbox_b.take().is_empty());

        hub.follow(a, interest(&[], &[]));
        hub.deliver(Change::Library {
            library: 1,
            version: 5,
        });
        assert!(inbox_a.take().is_empty());
        hub.leave(b);
        assert_eq!(hub.connections(), 1);
        assert!(hub.lock().by_library.is_empty());
    }
}
