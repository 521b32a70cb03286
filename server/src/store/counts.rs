//! Totals of item listings, remembered per library version. A write that
//! changes anything in a library raises its version in the same
//! transaction, so one query's total at one version never changes: paging
//! through a large library, or asking the Web API for `Total-Results` again,
//! counts its matches once rather than on every page.

use std::collections::HashMap;
use std::sync::Mutex;

use super::LibraryId;

/// Totals kept at most; older versions of a library are dropped as newer
/// ones are counted.
const MAX_TOTALS: usize = 1024;

/// Remembered totals, by library, library version and query.
#[derive(Debug, Default)]
pub(crate) struct CountCache {
    totals: Mutex<HashMap<(LibraryId, i64, String), usize>>,
}

impl CountCache {
    /// The remembered total of `query` (a description of everything the
    /// count depends on but the library) in library `lib` at `version`.
    pub(crate) fn cached(&self, lib: LibraryId, version: i64, query: &str) -> Option<usize> {
        let totals = self.totals.lock().ok()?;
        totals.get(&(lib, version, query.to_owned())).copied()
    }

    /// Remembers the total of `query` in library `lib` at `version`.
    pub(crate) fn remember(&self, lib: LibraryId, version: i64, query: String, total: usize) {
        if let Ok(mut totals) = self.totals.lock() {
            totals.retain(|(l, v, _), _| *l != lib || *v >= version);
            if totals.len() >= MAX_TOTALS {
                totals.clear();
            }
            totals.insert((lib, version, query), total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_is_remembered_for_its_library_version_and_query() {
        let cache = CountCache::default();
        assert_eq!(cache.cached(1, 5, "top"), None);
        cache.remember(1, 5, "top".into(), 10);
        cache.remember(1, 5, "trash".into(), 2);
        cache.remember(2, 5, "top".into(), 7);
        assert_eq!(cache.cached(1, 5, "top"), Some(10));
        assert_eq!(cache.cached(1, 5, "trash"), Some(2));
        assert_eq!(cache.cached(2, 5, "top"), Some(7));
        assert_eq!(cache.cached(1, 6, "top"), None);
        // Totals of a library's older versions go once a newer one is
        // counted; other libraries keep theirs.
        cache.remember(1, 6, "top".into(), 11);
        assert_eq!(cache.cached(1, 5, "top"), None);
        assert_eq!(cache.cached(1, 5, "trash"), None);
        assert_eq!(cache.cached(1, 6, "top"), Some(11));
        assert_eq!(cache.cached(2, 5, "top"), Some(7));
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = CountCache::default();
        for lib in 0..(MAX_TOTALS as i64 + 10) {
            cache.remember(lib, 1, "top".into(), 1);
        }
        assert!(cache.totals.lock().expect("lock").len() <= MAX_TOTALS);
    }
}
