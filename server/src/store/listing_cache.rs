//! What the service remembers about item listings, per library version: a
//! listing's total, and where its deep pages start. A write that changes
//! anything in a library raises its version in the same transaction, so what
//! one listing is at one version never changes: paging through a large
//! library, or asking the Web API for `Total-Results` again, counts its
//! matches once rather than on every page, and a page deep in a listing
//! starts at a remembered sort position instead of stepping past every item
//! before it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::{ItemQuery, LibraryId};

/// Listings remembered at most (per kind of fact); older versions of a
/// library are dropped as newer ones are remembered.
const MAX_LISTINGS: usize = 1024;

/// Ordered key lists of searches remembered at most: a few hundred
/// searches of at most [`REMEMBERED_MATCHES`] keys each.
const MAX_MATCH_LISTS: usize = 256;

/// Searches with at most this many matches keep their matches' keys in
/// order: paging through them, or asking for the same page again, reads no
/// index.
pub(crate) const REMEMBERED_MATCHES: usize = 2000;

/// Rows between two remembered sort positions of a listing.
const ANCHOR_SPACING: usize = 500;

/// One row of a listing, by its position: the value of the column the
/// listing is sorted by and the item's key (which breaks ties), so that the
/// rows from it on are found through the sort index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Anchor {
    pub position: usize,
    pub sort_value: String,
    pub key: String,
}

/// Facts of one kind, by library, library version and listing.
#[derive(Debug)]
struct PerVersion<T> {
    facts: Mutex<HashMap<(LibraryId, i64, String), T>>,
    most: usize,
}

impl<T> Default for PerVersion<T> {
    fn default() -> Self {
        Self::at_most(MAX_LISTINGS)
    }
}

impl<T> PerVersion<T> {
    fn at_most(most: usize) -> Self {
        Self {
            facts: Mutex::new(HashMap::new()),
            most,
        }
    }
}

impl<T: Clone> PerVersion<T> {
    fn get(&self, lib: LibraryId, version: i64, listing: &str) -> Option<T> {
        let facts = self.facts.lock().ok()?;
        facts.get(&(lib, version, listing.to_owned())).cloned()
    }

    fn put(&self, lib: LibraryId, version: i64, listing: String, fact: T) {
        if let Ok(mut facts) = self.facts.lock() {
            facts.retain(|(l, v, _), _| *l != lib || *v >= version);
            if facts.len() >= self.most {
                facts.clear();
            }
            facts.insert((lib, version, listing), fact);
        }
    }
}

/// Remembered totals and sort positions of listings.
#[derive(Debug)]
pub(crate) struct ListingCache {
    totals: PerVersion<usize>,
    anchors: PerVersion<Arc<Vec<Anchor>>>,
    matches: PerVersion<Arc<Vec<String>>>,
    /// Listings whose sort positions one request is reading now.
    anchoring: Mutex<HashSet<(LibraryId, i64, String)>>,
    anchor_spacing: usize,
}

impl Default for ListingCache {
    fn default() -> Self {
        Self::with_anchor_spacing(ANCHOR_SPACING)
    }
}

impl ListingCache {
    /// A cache that remembers every `spacing`-th row's sort position.
    pub(crate) fn with_anchor_spacing(spacing: usize) -> Self {
        Self {
            totals: PerVersion::default(),
            anchors: PerVersion::default(),
            matches: PerVersion::at_most(MAX_MATCH_LISTS),
            anchoring: Mutex::new(HashSet::new()),
            anchor_spacing: spacing.max(1),
        }
    }

    /// The remembered total of `listing` (a description of everything the
    /// count depends on but the library) in library `lib` at `version`.
    pub(crate) fn total(&self, lib: LibraryId, version: i64, listing: &str) -> Option<usize> {
        self.totals.get(lib, version, listing)
    }

    /// Remembers the total of `listing` in library `lib` at `version`.
    pub(crate) fn remember_total(
        &self,
        lib: LibraryId,
        version: i64,
        listing: String,
        total: usize,
    ) {
        self.totals.put(lib, version, listing, total);
    }

    /// The remembered keys, in order, of every match of `search` (a
    /// description of its filter and order) in library `lib` at `version`.
    pub(crate) fn matches(
        &self,
        lib: LibraryId,
        version: i64,
        search: &str,
    ) -> Option<Arc<Vec<String>>> {
        self.matches.get(lib, version, search)
    }

    /// Remembers the keys of every match of `search`, in order, when there
    /// are at most [`REMEMBERED_MATCHES`].
    pub(crate) fn remember_matches(
        &self,
        lib: LibraryId,
        version: i64,
        search: String,
        keys: Vec<String>,
    ) -> Arc<Vec<String>> {
        let keys = Arc::new(keys);
        if keys.len() <= REMEMBERED_MATCHES {
            self.matches.put(lib, version, search, Arc::clone(&keys));
        }
        keys
    }

    /// Whether page `q` starts from a remembered sort position rather than
    /// step past the rows before it: a plain listing's page (no quick
    /// search, no version filter; positions are kept per listing, not per
    /// search) deep enough for a position to save steps.
    pub(crate) fn worth_anchoring(&self, q: &ItemQuery) -> bool {
        let plain = q.q.as_deref().is_none_or(|t| t.trim().is_empty())
            && q.changed_since().is_none()
            && q.limit.is_some();
        plain && q.start >= 2 * self.anchor_spacing
    }

    /// Every how many rows a listing's sort position is remembered.
    pub(crate) fn anchor_spacing(&self) -> usize {
        self.anchor_spacing
    }

    /// The remembered sort positions of `listing` (a description of its
    /// filter and order) in library `lib` at `version`.
    pub(crate) fn anchors(
        &self,
        lib: LibraryId,
        version: i64,
        listing: &str,
    ) -> Option<Arc<Vec<Anchor>>> {
        self.anchors.get(lib, version, listing)
    }

    /// Claims the reading of `listing`'s sort positions for the caller;
    /// `None` while another request reads them (which then pages the way it
    /// did before, rather than every request reading the same positions at
    /// once). The claim ends when the returned guard is dropped.
    pub(crate) fn claim_anchoring(
        &self,
        lib: LibraryId,
        version: i64,
        listing: &str,
    ) -> Option<AnchoringClaim<'_>> {
        let claimed = (lib, version, listing.to_owned());
        let fresh = self.anchoring.lock().ok()?.insert(claimed.clone());
        fresh.then(|| AnchoringClaim {
            cache: self,
            claimed,
        })
    }

    /// Remembers the sort positions of `listing` in library `lib` at
    /// `version`: every [`Self::anchor_spacing`]-th row, in order.
    pub(crate) fn remember_anchors(
        &self,
        lib: LibraryId,
        version: i64,
        listing: String,
        anchors: Vec<Anchor>,
    ) -> Arc<Vec<Anchor>> {
        let anchors = Arc::new(anchors);
        self.anchors
            .put(lib, version, listing, Arc::clone(&anchors));
        anchors
    }
}

/// A request's claim on reading one listing's sort positions.
#[derive(Debug)]
pub(crate) struct AnchoringClaim<'a> {
    cache: &'a ListingCache,
    claimed: (LibraryId, i64, String),
}

impl Drop for AnchoringClaim<'_> {
    fn drop(&mut self) {
        if let Ok(mut anchoring) = self.cache.anchoring.lock() {
            anchoring.remove(&self.claimed);
        }
    }
}

/// The last remembered row at or before `start`, unless that is the first
/// row (starting there gains nothing).
pub(crate) fn anchor_before(anchors: &[Anchor], start: usize) -> Option<&Anchor> {
    let at = anchors.partition_point(|a| a.position <= start);
    anchors[..at].last().filter(|a| a.position > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_is_remembered_for_its_library_version_and_listing() {
        let cache = ListingCache::default();
        assert_eq!(cache.total(1, 5, "top"), None);
        cache.remember_total(1, 5, "top".into(), 10);
        cache.remember_total(1, 5, "trash".into(), 2);
        cache.remember_total(2, 5, "top".into(), 7);
        assert_eq!(cache.total(1, 5, "top"), Some(10));
        assert_eq!(cache.total(1, 5, "trash"), Some(2));
        assert_eq!(cache.total(2, 5, "top"), Some(7));
        assert_eq!(cache.total(1, 6, "top"), None);
        // Totals of a library's older versions go once a newer one is
        // counted; other libraries keep theirs.
        cache.remember_total(1, 6, "top".into(), 11);
        assert_eq!(cache.total(1, 5, "top"), None);
        assert_eq!(cache.total(1, 5, "trash"), None);
        assert_eq!(cache.total(1, 6, "top"), Some(11));
        assert_eq!(cache.total(2, 5, "top"), Some(7));
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = ListingCache::default();
        for lib in 0..(MAX_LISTINGS as i64 + 10) {
            cache.remember_total(lib, 1, "top".into(), 1);
            cache.remember_anchors(lib, 1, "top".into(), Vec::new());
        }
        assert!(cache.totals.facts.lock().expect("lock").len() <= MAX_LISTINGS);
        assert!(cache.anchors.facts.lock().expect("lock").len() <= MAX_LISTINGS);
    }

    #[test]
    fn a_search_keeps_its_matches_unless_they_are_many() {
        let cache = ListingCache::default();
        let few: Vec<String> = (0..3).map(|i| format!("K{i}")).collect();
        cache.remember_matches(1, 4, "q=ada".into(), few.clone());
        assert_eq!(cache.matches(1, 4, "q=ada").as_deref(), Some(&few));
        assert!(cache.matches(1, 5, "q=ada").is_none());
        let many: Vec<String> = (0..=REMEMBERED_MATCHES).map(|i| format!("K{i}")).collect();
        let given = cache.remember_matches(1, 4, "q=a".into(), many.clone());
        assert_eq!(*given, many);
        assert!(cache.matches(1, 4, "q=a").is_none());
        for lib in 0..(MAX_MATCH_LISTS as i64 + 10) {
            cache.remember_matches(lib, 1, "q".into(), Vec::new());
        }
        assert!(cache.matches.facts.lock().expect("lock").len() <= MAX_MATCH_LISTS);
    }

    #[test]
    fn anchors_are_remembered_per_version_and_found_at_or_before_a_start() {
        let cache = ListingCache::with_anchor_spacing(10);
        let anchor = |position: usize| Anchor {
            position,
            sort_value: format!("title {position}"),
            key: format!("KEY{position}"),
        };
        cache.remember_anchors(
            3,
            7,
            "by title".into(),
            vec![anchor(0), anchor(10), anchor(20)],
        );
        assert!(cache.anchors(3, 8, "by title").is_none());
        let anchors = cache.anchors(3, 7, "by title").expect("remembered");
        assert_eq!(anchor_before(&anchors, 5), None);
        assert_eq!(anchor_before(&anchors, 10), Some(&anchor(10)));
        assert_eq!(anchor_before(&anchors, 19), Some(&anchor(10)));
        assert_eq!(anchor_before(&anchors, 250), Some(&anchor(20)));
        // One request at a time reads a listing's positions.
        let claim = cache
            .claim_anchoring(3, 8, "by title")
            .expect("first claim");
        assert!(cache.claim_anchoring(3, 8, "by title").is_none());
        assert!(cache.claim_anchoring(3, 8, "by date").is_some());
        drop(claim);
        assert!(cache.claim_anchoring(3, 8, "by title").is_some());
        // Deep pages of plain listings start from a position.
        let page = |start| ItemQuery {
            start,
            limit: Some(25),
            ..ItemQuery::default()
        };
        assert!(!cache.worth_anchoring(&page(19)));
        assert!(cache.worth_anchoring(&page(20)));
        assert!(cache.worth_anchoring(&ItemQuery {
            q: Some("  ".into()),
            since: Some(0),
            ..page(20)
        }));
        // A search, a version filter or the whole listing does not.
        for other in [
            ItemQuery {
                q: Some("glacier".into()),
                ..page(20)
            },
            ItemQuery {
                since: Some(5),
                ..page(20)
            },
            ItemQuery {
                limit: None,
                ..page(20)
            },
        ] {
            assert!(!cache.worth_anchoring(&other), "{other:?}");
        }
    }
}
