//! The root of the API: a library file opened or created, and the
//! sub-objects that work on it.

use std::path::PathBuf;
use std::sync::Arc;

use shelfmark_core::{self as core, Library};

use crate::annotations::Annotations;
use crate::changes::{LibraryListener, subscribe_changes};
use crate::citations::Citations;
use crate::collections::Collections;
use crate::error::Result;
use crate::files::Files;
use crate::items::Items;
use crate::runtime::blocking;
use crate::saved_searches::SavedSearches;
use crate::sync::{SyncManager, SyncState};
use crate::task::TaskHandle;
use crate::transfer::Transfer;

/// How to open or create a library.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct LibraryOptions {
    /// Allow a library inside a folder that Dropbox, OneDrive, iCloud Drive or
    /// Google Drive manages. Refused by default: those services copy a
    /// database while it is written and corrupt it.
    #[uniffi(default = false)]
    pub allow_cloud_folder: bool,
    /// The folder holding the user's own citation styles (`.csl` files), if
    /// the app keeps any.
    #[uniffi(default = None)]
    pub styles_dir: Option<String>,
}

/// An open library file: the entry point to everything else. Cheap to share
/// between threads; every call on it and on its sub-objects is safe to make
/// from any thread, and slow ones are `async`.
#[derive(Debug, uniffi::Object)]
pub struct LibraryHandle {
    pub(crate) library: Library,
    pub(crate) styles_dir: Option<PathBuf>,
    /// The running sync's stop token, shared by every `sync()` object.
    pub(crate) sync_state: Arc<SyncState>,
}

impl LibraryHandle {
    fn new(library: Library, options: &LibraryOptions) -> Arc<Self> {
        Arc::new(Self {
            library,
            styles_dir: options.styles_dir.as_ref().map(PathBuf::from),
            sync_state: Arc::default(),
        })
    }
}

fn core_options(options: &LibraryOptions) -> core::OpenOptions {
    core::OpenOptions {
        allow_cloud_folder: options.allow_cloud_folder,
    }
}

/// Opens an existing library file, upgrading its format if an older version
/// wrote it. A file that is not a library, that a newer version wrote, or
/// that lies in a cloud-synced folder is refused untouched.
#[uniffi::export]
pub async fn open_library(path: String, options: LibraryOptions) -> Result<Arc<LibraryHandle>> {
    crate::logging::init();
    let core_options = core_options(&options);
    let library = blocking(move || Library::open_with(&path, &core_options)).await?;
    log::info!("opened library {}", library.path().display());
    Ok(LibraryHandle::new(library, &options))
}

/// Creates a new, empty library file; refuses to overwrite anything.
#[uniffi::export]
pub async fn create_library(path: String, options: LibraryOptions) -> Result<Arc<LibraryHandle>> {
    crate::logging::init();
    let core_options = core_options(&options);
    let library = blocking(move || Library::create_with(&path, &core_options)).await?;
    log::info!("created library {}", library.path().display());
    Ok(LibraryHandle::new(library, &options))
}

/// Creates a library at `path` from a backup archive, after checking every
/// file in it; a damaged archive is refused and nothing appears at `path`.
#[uniffi::export]
pub async fn restore_library(
    archive: String,
    path: String,
    options: LibraryOptions,
) -> Result<Arc<LibraryHandle>> {
    crate::logging::init();
    let core_options = core_options(&options);
    let library = blocking(move || {
        core::restore(
            std::path::Path::new(&archive),
            std::path::Path::new(&path),
            &core_options,
        )
    })
    .await?;
    log::info!("restored a backup to {}", library.path().display());
    Ok(LibraryHandle::new(library, &options))
}

#[uniffi::export]
impl LibraryHandle {
    /// The library file's path.
    pub fn path(&self) -> String {
        self.library.path().display().to_string()
    }

    /// The folder beside the library file that holds attachment files.
    pub fn attachments_dir(&self) -> String {
        self.library.attachments_dir().display().to_string()
    }

    /// Items: lists, search, reading and editing, notes, attachments, the
    /// trash, tags and duplicates.
    pub fn items(&self) -> Arc<Items> {
        Arc::new(Items::new(self.library.clone()))
    }

    /// Annotations on PDF, EPUB and HTML attachments.
    pub fn annotations(&self) -> Arc<Annotations> {
        Arc::new(Annotations::new(self.library.clone()))
    }

    /// Collections (groups and group sets).
    pub fn collections(&self) -> Arc<Collections> {
        Arc::new(Collections::new(self.library.clone()))
    }

    /// Saved searches (smart groups and combination groups).
    pub fn saved_searches(&self) -> Arc<SavedSearches> {
        Arc::new(SavedSearches::new(self.library.clone()))
    }

    /// Import, export and backups.
    pub fn transfer(&self) -> Arc<Transfer> {
        Arc::new(Transfer::new(self.library.clone()))
    }

    /// Formatted citations and bibliographies.
    pub fn citations(&self) -> Arc<Citations> {
        Arc::new(Citations::new(
            self.library.clone(),
            self.styles_dir.clone(),
        ))
    }

    /// Attachment files on this device: states, adding files, downloads,
    /// policies, the cache budget and eviction.
    pub fn files(&self) -> Arc<Files> {
        Arc::new(Files::new(self.library.clone()))
    }

    /// Syncing with the online service: sign-in, sync, status and log,
    /// deletions to confirm, conflicts and their history.
    pub fn sync(&self) -> Arc<SyncManager> {
        Arc::new(SyncManager::new(
            self.library.clone(),
            self.sync_state.clone(),
        ))
    }

    /// Calls `listener` after every committed change to the library (from
    /// this app, an import or a sync) with what changed. Keep the returned
    /// handle for as long as the listener should hear about changes.
    pub fn subscribe(&self, listener: Arc<dyn LibraryListener>) -> Result<Arc<TaskHandle>> {
        subscribe_changes(&self.library, listener).map(Arc::new)
    }
}
