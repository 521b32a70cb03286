//! The libraries of one file: My Library and the shared group libraries a
//! sync brought in, each reached through its own handle.

use std::sync::Arc;

use shelfmark_core::LibraryId;

use crate::error::Result;
use crate::library::LibraryHandle;
use crate::runtime::with_library;

#[uniffi::export]
impl LibraryHandle {
    /// Which library of the file this handle works on: 1 is My Library;
    /// group libraries have the ids `sidebar()` and the sync status give.
    pub fn library_id(&self) -> i64 {
        self.library.id().0
    }

    /// A handle on library `library_id` of the same file (a group library
    /// from `sidebar()`): its `items()`, `collections()`, `savedSearches()`,
    /// `itemForms()`, `sharing()`… work on that library. It shares the open
    /// file, its change listeners and its sync with this handle. Fails with
    /// `NotFound` for an id the file does not hold.
    pub async fn for_library(&self, library_id: i64) -> Result<Arc<LibraryHandle>> {
        let scoped = with_library(&self.library, move |l| l.scoped(LibraryId(library_id))).await?;
        Ok(Arc::new(LibraryHandle {
            library: scoped,
            styles_dir: self.styles_dir.clone(),
            sync_state: self.sync_state.clone(),
        }))
    }
}
