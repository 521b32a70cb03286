//! The sync engine's storage: one method per step of the Web API's sync
//! (and of preparing a reset), each one SQLite read or transaction run on
//! the blocking pool, so that the executor in `engine.rs` and `reset.rs`
//! reads as the protocol and the SQL stays here and in `state.rs`,
//! `apply.rs`, `upload.rs` and `reset.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};

use super::apply::{self, Applied, Incoming, Pairing, PlannedDeletion, PullContext};
use super::client::Deleted;
use super::objects;
use super::plan::LocalState;
use super::reset::{self, UploadOver};
use super::state::{self, PendingDeletion};
use super::upload::{self, Outgoing};
use crate::changes::ObjectKind;
use crate::error::Result;
use crate::library::{Library, LibraryId, blocking, started_blocking};
use crate::store::items;

/// Items the writer puts in one transaction at most when pages arrive
/// faster than it writes them.
const ITEMS_PER_TRANSACTION: usize = 5_000;

/// Which side of the sync a deletion goes to, as the held deletions
/// record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The server deleted it; it would go to the trash here.
    Download,
    /// Removed here; the deletion would be sent to the server.
    Upload,
}

impl Direction {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Direction::Download => "download",
            Direction::Upload => "upload",
        }
    }
}

/// The sync state of one library in its file.
pub(crate) struct SyncStore<'a> {
    library: &'a Library,
}

impl<'a> SyncStore<'a> {
    pub(crate) fn new(library: &'a Library) -> Self {
        Self { library }
    }

    fn lib(&self) -> LibraryId {
        self.library.id()
    }

    // ---- The run as a whole ----

    /// Holds back (or lets go again) the write-ahead log's checkpoints, so
    /// that they wait until the download is in.
    pub(crate) fn hold_checkpoints(&self, hold: bool) {
        self.library.db.hold_checkpoints(hold);
    }

    /// Items whose full text waits to be indexed (in the whole file).
    pub(crate) async fn index_backlog_len(&self) -> Result<usize> {
        blocking(self.library, |l| l.db.read(items::backlog_len)).await
    }

    /// Reads the backlog's next batch after item `after`, readied for
    /// indexing (empty when none waits after it).
    pub(crate) async fn read_backlog(&self, after: i64) -> Result<items::BacklogBatch> {
        blocking(self.library, move |l| {
            l.db.read(|c| items::read_backlog(c, after))
        })
        .await
    }

    /// Indexes a batch of the backlog in one transaction; how many items.
    pub(crate) async fn index_backlog_batch(&self, batch: items::BacklogBatch) -> Result<usize> {
        blocking(self.library, move |l| {
            l.db.write(|tx| items::index_backlog_batch(tx, batch))
        })
        .await
    }

    // ---- Pull ----

    /// The library version the last complete pull or upload reached.
    pub(crate) async fn library_version(&self) -> Result<u64> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.read(|c| state::library_version(c, lib))
        })
        .await
    }

    /// On a first sync, the local objects that may be joined with the
    /// server's copies.
    pub(crate) async fn pairing(&self) -> Result<Option<Pairing>> {
        let lib = self.lib();
        blocking(self.library, move |l| l.db.read(|c| Pairing::build(c, lib))).await
    }

    /// Keys of `ty` an earlier pull listed but did not apply yet.
    pub(crate) async fn queued(&self, ty: ObjectKind) -> Result<Vec<String>> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.read(|c| state::queued(c, lib, ty))
        })
        .await
    }

    /// What is here of the objects with `keys`.
    pub(crate) async fn local_states(
        &self,
        ty: ObjectKind,
        keys: Vec<String>,
    ) -> Result<HashMap<String, LocalState>> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            let keys: Vec<&String> = keys.iter().collect();
            l.db.read(|c| objects::local_states(c, lib, ty, &keys))
        })
        .await
    }

    /// Queues `keys` to be fetched, so that an interrupted pull fetches
    /// them on the next sync even though the server lists them no more.
    pub(crate) async fn enqueue(
        &self,
        ty: ObjectKind,
        keys: Vec<String>,
        since: u64,
    ) -> Result<()> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| state::enqueue(tx, lib, ty, &keys, since))
        })
        .await
    }

    /// Applies one page of the server's objects in one transaction.
    pub(crate) async fn apply_incoming(
        &self,
        ty: ObjectKind,
        mut objects: Vec<Incoming>,
        context: &Arc<Mutex<PullContext>>,
    ) -> Result<Applied> {
        let lib = self.lib();
        apply::order_for_apply(ty, &mut objects);
        let context = context.clone();
        blocking(self.library, move |l| {
            let mut context = context.lock().unwrap_or_else(|p| p.into_inner());
            l.db.write(|tx| apply::apply_objects(tx, lib, ty, objects, &mut context))
        })
        .await
    }

    /// Starts writing the item pages that arrive on `pages`, beside the
    /// download; what was written is added to `written` as each
    /// transaction commits. Finishes when `pages` closes.
    pub(crate) fn start_item_writer(
        &self,
        pages: tokio::sync::mpsc::Receiver<Vec<Incoming>>,
        context: Arc<Mutex<PullContext>>,
        written: Arc<Mutex<Applied>>,
    ) -> impl Future<Output = Result<()>> + Send + 'static + use<> {
        started_blocking(self.library, move |l| {
            write_item_pages(l, pages, &context, &written)
        })
    }

    /// What each deletion the server reported would do here.
    pub(crate) async fn plan_deletions(&self, deleted: Deleted) -> Result<Vec<PlannedDeletion>> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.read(|c| apply::plan_deletions(c, lib, &deleted))
        })
        .await
    }

    /// Applies the server's deletions and, when the pull saw one version
    /// throughout, records it as reached, in one transaction; how many
    /// objects of each kind went to the trash.
    pub(crate) async fn apply_deletions(
        &self,
        planned: Vec<PlannedDeletion>,
        reached: Option<u64>,
    ) -> Result<HashMap<ObjectKind, usize>> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                let moved = apply::apply_deletions(tx, lib, &planned)?;
                state::clear_pending_deletions(tx, lib, Direction::Download.as_str())?;
                if let Some(v) = reached {
                    state::set_library_version(tx, lib, v)?;
                }
                Ok(moved)
            })
        })
        .await
    }

    // ---- Deletions held for confirmation ----

    /// How many objects the library holds (for the mass-deletion guard).
    pub(crate) async fn object_count(&self) -> Result<usize> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.read(|c| apply::object_count(c, lib))
        })
        .await
    }

    /// Whether the researcher confirmed every one of these deletions; if
    /// not, they are recorded for confirmation.
    pub(crate) async fn deletions_confirmed(
        &self,
        direction: Direction,
        removing: Vec<(ObjectKind, String, String)>,
    ) -> Result<bool> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| state::deletions_confirmed(tx, lib, direction.as_str(), &removing))
        })
        .await
    }

    /// The deletions in `direction` waiting for confirmation.
    pub(crate) async fn held_deletions(
        &self,
        direction: Direction,
    ) -> Result<Vec<PendingDeletion>> {
        let lib = self.lib();
        let held = blocking(self.library, move |l| {
            l.db.read(|c| state::pending_deletions(c, Some(lib)))
        })
        .await?;
        Ok(held
            .into_iter()
            .filter(|d| d.direction == direction.as_str())
            .collect())
    }

    // ---- Upload ----

    /// Whether the key may write this library.
    pub(crate) async fn editable(&self) -> Result<bool> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.read(|c| state::editable(c, lib))
        })
        .await
    }

    /// Local changes not uploaded yet.
    pub(crate) async fn unsynced_count(&self) -> Result<usize> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.read(|c| upload::unsynced_count(c, lib))
        })
        .await
    }

    /// The objects of `ty` changed here since the last upload.
    pub(crate) async fn outgoing(&self, ty: ObjectKind) -> Result<Vec<Outgoing>> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.read(|c| upload::collect(c, lib, ty))
        })
        .await
    }

    /// Records what the server accepted of one upload (with the version it
    /// gave each object, or none when it was unchanged) and the library
    /// version after it, in one transaction.
    pub(crate) async fn set_uploaded(
        &self,
        ty: ObjectKind,
        accepted: Vec<(Outgoing, Option<u64>)>,
        library_version: u64,
    ) -> Result<()> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                for (sent, v) in &accepted {
                    upload::mark_uploaded(tx, lib, ty, sent, *v)?;
                }
                state::set_library_version(tx, lib, library_version)
            })
        })
        .await
    }

    /// Objects deleted here whose deletion the server has not heard of.
    pub(crate) async fn deletions_to_upload(&self) -> Result<Vec<(ObjectKind, String)>> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.read(|c| upload::pending_deletions(c, lib))
        })
        .await
    }

    /// Records that the server deleted `keys` and the library version
    /// after it, in one transaction.
    pub(crate) async fn set_deletions_uploaded(
        &self,
        ty: ObjectKind,
        keys: Vec<String>,
        library_version: u64,
    ) -> Result<()> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                upload::deletion_uploaded(tx, lib, ty, &keys)?;
                state::clear_pending_deletions(tx, lib, Direction::Upload.as_str())?;
                state::set_library_version(tx, lib, library_version)
            })
        })
        .await
    }

    /// Records that the key may not write this library, with a notice that
    /// says so; how many local changes are kept here.
    pub(crate) async fn set_read_only(&self) -> Result<usize> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                state::set_editable(tx, lib, false)?;
                let kept = upload::unsynced_count(tx, lib)?;
                state::add_notice(
                    tx,
                    lib,
                    "library",
                    "",
                    "read-only",
                    &format!(
                        "This library is read-only for your account; {kept} local change(s) are kept here but not uploaded."
                    ),
                )?;
                Ok(kept)
            })
        })
        .await
    }

    // ---- Preparing a reset ----

    /// Forgets every version and base of the library, so that the next
    /// pull joins both sides as on a first sync.
    pub(crate) async fn forget_versions(&self) -> Result<()> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| reset::forget_versions(tx, lib))
        })
        .await
    }

    /// Every key of `ty` in the library.
    pub(crate) async fn local_keys(&self, ty: ObjectKind) -> Result<Vec<String>> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.read(|c| reset::local_keys(c, lib, ty))
        })
        .await
    }

    /// Marks every object of `ty` here for upload over the server's copy,
    /// and what exists only online for deletion there, in one transaction.
    pub(crate) async fn mark_upload_over(&self, ty: ObjectKind, over: UploadOver) -> Result<()> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| reset::mark_upload_over(tx, lib, ty, &over))
        })
        .await
    }

    /// Ends the preparation of an upload reset at the online version.
    pub(crate) async fn finish_upload_reset(&self, library_version: u64) -> Result<()> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| reset::finish_upload_reset(tx, lib, library_version))
        })
        .await
    }

    /// Lets the server's copies replace everything here at the next pull;
    /// what is not `online` goes to the trash. How many of each kind went.
    pub(crate) async fn give_way_to_server(
        &self,
        online: BTreeMap<ObjectKind, HashSet<String>>,
    ) -> Result<BTreeMap<ObjectKind, usize>> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| reset::give_way_to_server(tx, lib, &online))
        })
        .await
    }

    /// Records the library version the library has reached.
    pub(crate) async fn set_library_version(&self, version: u64) -> Result<()> {
        let lib = self.lib();
        blocking(self.library, move |l| {
            l.db.write(|tx| state::set_library_version(tx, lib, version))
        })
        .await
    }
}

/// Writes item pages as they come. A page that is ready when one has been
/// written joins the same transaction, up to [`ITEMS_PER_TRANSACTION`]: a
/// fast download commits, and rewrites the pages of the sort indexes it
/// touches all over, a few times instead of at every page; a slow one
/// commits each page as it arrives. What was written is added to `written`
/// as each transaction commits.
fn write_item_pages(
    library: &Library,
    mut pages: tokio::sync::mpsc::Receiver<Vec<Incoming>>,
    context: &Mutex<PullContext>,
    written: &Mutex<Applied>,
) -> Result<()> {
    let lib = library.id();
    while let Some(first) = pages.blocking_recv() {
        let applied = library.db.write(|tx| {
            let mut context = context.lock().unwrap_or_else(|p| p.into_inner());
            let mut applied = Applied::default();
            let mut page = first;
            let mut count = 0;
            loop {
                count += page.len();
                apply::order_for_apply(ObjectKind::Item, &mut page);
                applied.absorb(apply::apply_objects(
                    tx,
                    lib,
                    ObjectKind::Item,
                    page,
                    &mut context,
                )?);
                if count >= ITEMS_PER_TRANSACTION {
                    break;
                }
                match pages.try_recv() {
                    Ok(next) => page = next,
                    Err(_) => break,
                }
            }
            Ok(applied)
        })?;
        written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .absorb(applied);
    }
    Ok(())
}
