//! The public handle on a library file.

use std::path::Path;
use std::sync::Arc;

use rusqlite::OptionalExtension;

use crate::changes::{ChangeSet, Subscription};
use crate::db::Db;
use crate::error::{Error, Result};

/// A library inside a library file: 1 is the personal library; shared group
/// libraries get further ids when they are synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LibraryId(pub i64);

impl LibraryId {
    pub const PERSONAL: LibraryId = LibraryId(1);
}

/// The attachment folder that belongs to a library file at `path`.
pub(crate) fn attachments_dir_for(path: &Path) -> std::path::PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "library".into());
    path.with_file_name(format!("{stem}.data"))
        .join("attachments")
}

/// What a library file says about one of its libraries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryInfo {
    pub id: LibraryId,
    /// `user` for the personal library, `group` for shared ones.
    pub kind: String,
    pub name: String,
    pub editable: bool,
}

/// An open library. Cheap to clone and safe to share between threads: every
/// clone uses the same single writer and pool of readers. Each mutating method
/// is one transaction; readers are never blocked by it.
#[derive(Clone)]
pub struct Library {
    pub(crate) db: Arc<Db>,
    pub(crate) id: LibraryId,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("path", &self.db.path())
            .field("id", &self.id)
            .finish()
    }
}

/// Runs `f` on the blocking pool with a handle on the library: how async
/// work (sync, file transfers) reaches SQLite without stalling the runtime.
pub(crate) async fn blocking<T, F>(library: &Library, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Library) -> Result<T> + Send + 'static,
{
    started_blocking(library, f).await
}

/// [`blocking`], started at once rather than when first awaited: for work
/// that runs beside the caller's own.
pub(crate) fn started_blocking<T, F>(
    library: &Library,
    f: F,
) -> impl std::future::Future<Output = Result<T>> + use<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Library) -> Result<T> + Send + 'static,
{
    let library = library.clone();
    let task = tokio::task::spawn_blocking(move || f(&library));
    async move {
        task.await
            .map_err(|e| Error::internal(format!("a library task stopped unexpectedly: {e}")))?
    }
}

/// How to open or create a library file.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Open a library inside a folder that a cloud file-sync client manages
    /// (Dropbox, OneDrive, iCloud Drive, Google Drive), which is refused by
    /// default because those clients corrupt databases in use.
    pub allow_cloud_folder: bool,
}

impl OpenOptions {
    fn check_location(&self, path: &Path) -> Result<()> {
        if self.allow_cloud_folder {
            return Ok(());
        }
        match crate::cloud::managing_service(path) {
            Some(service) => Err(Error::CloudFolder {
                path: path.to_owned(),
                message: crate::cloud::refusal_message(path, service),
            }),
            None => Ok(()),
        }
    }
}

impl Library {
    /// Creates a new, empty library file. Refuses to overwrite anything, and
    /// refuses a cloud-synced folder.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        Self::create_with(path, &OpenOptions::default())
    }

    /// [`Library::create`] with options.
    pub fn create_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Self> {
        options.check_location(path.as_ref())?;
        Ok(Self {
            db: Arc::new(Db::create(path.as_ref())?),
            id: LibraryId::PERSONAL,
        })
    }

    /// Opens an existing library file, upgrading its format if it was written
    /// by an older build. A file that is not a library, or that a newer build
    /// wrote, or that lies in a cloud-synced folder, is refused untouched.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &OpenOptions::default())
    }

    /// [`Library::open`] with options.
    pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Self> {
        options.check_location(path.as_ref())?;
        Ok(Self {
            db: Arc::new(Db::open(path.as_ref())?),
            id: LibraryId::PERSONAL,
        })
    }

    /// The folder beside the library file that holds its attachment files
    /// (`papers.shelfmark` → `papers.data/attachments`).
    pub fn attachments_dir(&self) -> std::path::PathBuf {
        attachments_dir_for(self.path())
    }

    pub fn path(&self) -> &Path {
        self.db.path()
    }

    /// Which library of the file this handle works on.
    pub fn id(&self) -> LibraryId {
        self.id
    }

    /// A handle on another library of the same file.
    pub fn scoped(&self, id: LibraryId) -> Result<Self> {
        let exists = self.db.read(|c| {
            Ok(
                c.query_row("SELECT 1 FROM libraries WHERE id = ?1", [id.0], |_| Ok(()))
                    .optional()?
                    .is_some(),
            )
        })?;
        if !exists {
            return Err(Error::not_found("library", id.0));
        }
        Ok(Self {
            db: self.db.clone(),
            id,
        })
    }

    /// The libraries held in this file.
    pub fn libraries(&self) -> Result<Vec<LibraryInfo>> {
        self.db.read(|c| {
            let mut stmt =
                c.prepare("SELECT id, kind, name, editable FROM libraries ORDER BY id")?;
            let rows = stmt.query_map([], |r| {
                Ok(LibraryInfo {
                    id: LibraryId(r.get(0)?),
                    kind: r.get(1)?,
                    name: r.get(2)?,
                    editable: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Calls `callback` after every committed change to this file, with what
    /// changed. Keep the returned subscription alive to keep listening.
    pub fn subscribe(&self, callback: impl Fn(&ChangeSet) + Send + Sync + 'static) -> Subscription {
        self.db.observers.add(Arc::new(callback))
    }
}
