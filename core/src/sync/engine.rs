//! The executor: syncs one library with its online copy following the Web
//! API's steps. Pull (changed versions, pages fetched a few at a time,
//! applied one transaction per page, the deletion feed, and again when the
//! library moved meanwhile), then upload (50 objects a request with
//! `If-Unmodified-Since-Version`; a 412 pulls and tries again), then the
//! deletions made here. Network work is async; each step's SQLite work is
//! one call to the library's [`SyncStore`], run on the blocking pool.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream;
use serde_json::Value;

use super::apply::{self, Incoming, PlannedDeletion, PullContext};
use super::client::{ApiClient, Fetched, RemoteLibrary, RemoteObject, STANDARD_PAGE, WRITE_BATCH};
use super::error::{SyncError, SyncErrorKind};
use super::objects;
use super::plan::{DeletionAction, needs_confirmation, plan_fetch};
use super::store::{Direction, SyncStore};
use super::types::{
    LibraryReport, ProgressCallback, SyncCancel, SyncProgress, SyncResetMode, SyncStage,
};
use super::upload::Outgoing;
use crate::changes::ObjectKind;
use crate::error::{Error, Result};
use crate::library::Library;

/// Pulls before giving up on a library that keeps changing.
const MAX_PULLS: u32 = 6;
/// Pull-then-upload rounds before giving up on repeated 412s.
const MAX_ROUNDS: u32 = 6;
/// Large pages requested at once.
const LARGE_PAGES_AT_ONCE: usize = 2;

enum Pulled {
    UpToDate,
    Done,
    /// Deletions wait for confirmation.
    Held,
}

enum Uploaded {
    Done,
    NeedsPull,
}

/// One library's sync.
pub(crate) struct LibraryRun {
    pub library: Library,
    /// Shared with the file step and with the page requests in flight.
    pub client: Arc<ApiClient>,
    pub remote: RemoteLibrary,
    pub concurrency: usize,
    pub confirm_deletions: bool,
    pub progress: Option<ProgressCallback>,
    pub report: LibraryReport,
    /// A sync reset to prepare before the normal pull and upload.
    pub reset: Option<SyncResetMode>,
    /// Checked between batches: a cancelled sync stops there.
    pub cancel: Option<SyncCancel>,
}

/// The objects with `keys`, a standard page per request, `at_once`
/// requests in flight, in order. The stream owns what it needs (no
/// borrowed closures), so the sync future stays `Send`.
pub(crate) fn fetch_pages(
    client: &Arc<ApiClient>,
    remote: RemoteLibrary,
    ty: ObjectKind,
    keys: &[String],
    at_once: usize,
) -> impl futures_util::Stream<Item = std::result::Result<(Vec<RemoteObject>, u64), SyncError>>
+ Send
+ 'static {
    let pages: Vec<Vec<String>> = keys
        .chunks(STANDARD_PAGE as usize)
        .map(<[String]>::to_vec)
        .collect();
    let client = Arc::clone(client);
    stream::iter(pages)
        .map(move |page| {
            let client = Arc::clone(&client);
            async move { client.fetch(remote, ty, &page).await }
        })
        .buffered(at_once.max(1))
}

impl LibraryRun {
    /// The library's sync state, a blocking call per step.
    pub(crate) fn store(&self) -> SyncStore<'_> {
        SyncStore::new(&self.library)
    }

    fn progress(&self, phase: SyncStage, object: Option<ObjectKind>, done: usize, total: usize) {
        if let Some(callback) = &self.progress {
            callback(&SyncProgress {
                library: self.library.id(),
                phase,
                object,
                done,
                total,
            });
        }
    }

    /// Pulls and uploads until both sides agree (or a deletion needs
    /// confirmation), then indexes the full text a large download left for
    /// later, even when the sync stopped on an error (not when cancelled).
    pub(crate) async fn run(&mut self) -> Result<()> {
        // Checkpoints wait for the full-text phase (or the next write), off
        // the path to a browsable library.
        self.store().hold_checkpoints(true);
        let synced = self.sync_rounds().await;
        self.store().hold_checkpoints(false);
        let cancelled =
            matches!(&synced, Err(Error::Sync(e)) if e.kind == SyncErrorKind::Cancelled);
        if !cancelled {
            let indexed = self.index_backlog().await;
            // The sync's own error, if any, is the one to report.
            if synced.is_ok() {
                indexed?;
            }
        }
        synced
    }

    /// Indexes the backlog a batch per transaction (local edits go between
    /// batches), reporting progress; a cancel stops it between batches and
    /// the next sync goes on from there. The next batch is read and readied
    /// on a reader while the writer indexes the one before.
    async fn index_backlog(&mut self) -> Result<()> {
        let total = self.store().index_backlog_len().await?;
        if total == 0 {
            return Ok(());
        }
        let mut done = 0;
        self.progress(SyncStage::Indexing, None, done, total);
        let mut batch = self.store().read_backlog(0).await?;
        while let Some(&(last, _)) = batch.last() {
            SyncCancel::check(self.cancel.as_ref())?;
            let store = self.store();
            let (indexed, next) = futures_util::future::join(
                store.index_backlog_batch(batch),
                store.read_backlog(last),
            )
            .await;
            done = (done + indexed?).min(total);
            self.progress(SyncStage::Indexing, None, done, total);
            batch = next?;
        }
        Ok(())
    }

    async fn sync_rounds(&mut self) -> Result<()> {
        if let Some(mode) = self.reset.take() {
            self.prepare_reset(mode).await?;
        }
        for _ in 0..MAX_ROUNDS {
            match self.pull().await? {
                Pulled::Held => return Ok(()),
                Pulled::UpToDate | Pulled::Done => {}
            }
            match self.upload().await? {
                Uploaded::Done => return Ok(()),
                Uploaded::NeedsPull => continue,
            }
        }
        Err(SyncError::new(
            SyncErrorKind::Conflict,
            "The online library kept changing while uploading; sync will try again later.",
        )
        .into())
    }

    async fn pull(&mut self) -> Result<Pulled> {
        for attempt in 0..MAX_PULLS {
            SyncCancel::check(self.cancel.as_ref())?;
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt.min(5))).await;
            }
            let since = self.store().library_version().await?;
            let pairing = self.store().pairing().await?;
            let context = Arc::new(Mutex::new(PullContext {
                pairing,
                since,
                ..PullContext::default()
            }));
            let mut seen = VersionWatch::default();
            let mut not_modified = false;
            for ty in ObjectKind::ALL {
                let queued = self.store().queued(ty).await?;
                let remote_versions = if not_modified {
                    Default::default()
                } else {
                    self.progress(SyncStage::Checking, Some(ty), 0, 0);
                    match self.client.versions(self.remote, ty, since, false).await? {
                        Fetched::NotModified => {
                            // Nothing in the library changed since `since`.
                            not_modified = true;
                            Default::default()
                        }
                        Fetched::Changed {
                            value,
                            library_version,
                        } => {
                            seen.note(library_version);
                            value
                        }
                    }
                };
                if remote_versions.is_empty() && queued.is_empty() {
                    continue;
                }
                let listed: Vec<String> = remote_versions.keys().cloned().collect();
                let local = self.store().local_states(ty, listed).await?;
                let planned = plan_fetch(&remote_versions, &local);
                let fresh: Vec<String> = planned
                    .iter()
                    .filter(|k| !queued.contains(k))
                    .cloned()
                    .collect();
                let queued_before: HashSet<String> = queued.iter().cloned().collect();
                let mut keys: Vec<String> = queued.into_iter().chain(planned).collect();
                keys.sort();
                keys.dedup();
                if keys.is_empty() {
                    continue;
                }
                {
                    let mut context = context.lock().unwrap_or_else(|p| p.into_inner());
                    context.absent = keys
                        .iter()
                        .filter(|k| !local.contains_key(*k))
                        .cloned()
                        .collect();
                    context.unchanged = keys
                        .iter()
                        .filter(|k| {
                            local
                                .get(*k)
                                .is_some_and(|l| l.synced && !l.pending_deletion)
                        })
                        .cloned()
                        .collect();
                    context.body_later = context.absent.len() >= apply::BACKLOG_FROM;
                    context.queued = queued_before;
                    if since > 0 {
                        context.queued.extend(fresh.iter().cloned());
                    }
                }
                // A first pull needs no queue: an interrupted one lists
                // everything again and fetches only what is not here yet.
                if since > 0 {
                    self.store().enqueue(ty, fresh, since).await?;
                }
                let listing = Listing {
                    since,
                    changed: remote_versions.len(),
                };
                self.fetch_and_apply(ty, &keys, listing, &context, &mut seen)
                    .await?;
            }
            if not_modified && seen.first.is_none() {
                return Ok(Pulled::UpToDate);
            }
            let (deleted, version) = self.client.deleted(self.remote, since).await?;
            seen.note(version);
            let planned = self.store().plan_deletions(deleted).await?;
            if !self
                .deletions_allowed(Direction::Download, &planned)
                .await?
            {
                return Ok(Pulled::Held);
            }
            let target = (!seen.moved).then_some(seen.first).flatten();
            let total = planned.len();
            self.progress(SyncStage::ApplyingDeletions, None, 0, total);
            let moved = self.store().apply_deletions(planned, target).await?;
            for (ty, n) in moved {
                self.report.trashed_here.add(ty, n);
            }
            self.progress(SyncStage::ApplyingDeletions, None, total, total);
            if target.is_some() {
                return Ok(Pulled::Done);
            }
        }
        Err(SyncError::new(
            SyncErrorKind::Conflict,
            "The online library kept changing while downloading; sync will try again later.",
        )
        .into())
    }

    /// Fetches `keys` in pages, a few requests at a time, and applies each
    /// page in one transaction (collections and searches all at once, so
    /// that parents are written before their children). With large pages,
    /// many changes are read as a listing of everything changed since the
    /// last sync; keys the listing missed are then fetched by key. Pages
    /// keep arriving while earlier ones are written.
    pub(crate) async fn fetch_and_apply(
        &mut self,
        ty: ObjectKind,
        keys: &[String],
        listing: Listing,
        context: &Arc<Mutex<PullContext>>,
        seen: &mut VersionWatch,
    ) -> Result<()> {
        let total = keys.len();
        self.progress(SyncStage::Downloading, Some(ty), 0, total);
        let client = Arc::clone(&self.client);
        let remote = self.remote;
        let concurrency = self.concurrency.max(1);
        let mut pulled = PagesPulled {
            held: Vec::new(),
            done: 0,
            total,
        };
        let mut remaining: Vec<String> = keys.to_vec();
        if client.uses_large_pages() && keys.len() > STANDARD_PAGE as usize {
            let mut wanted: HashSet<String> = keys.iter().cloned().collect();
            let since = listing.since;
            let starts: Vec<usize> = (0..listing.changed)
                .step_by(client.page_size().max(1) as usize)
                .collect();
            // Large pages are many times the size of standard ones: fewer
            // at once keep memory bounded, and the server busy all the same.
            let lister = Arc::clone(&client);
            let pages = stream::iter(starts)
                .map(move |start| {
                    let client = Arc::clone(&lister);
                    async move { client.list_since(remote, ty, since, start).await }
                })
                .buffered(concurrency.min(LARGE_PAGES_AT_ONCE));
            self.apply_pages(ty, pages, Some(&mut wanted), context, seen, &mut pulled)
                .await?;
            remaining.retain(|k| wanted.contains(k.as_str()));
        }
        let pages = fetch_pages(&client, remote, ty, &remaining, concurrency);
        self.apply_pages(ty, pages, None, context, seen, &mut pulled)
            .await?;
        if !pulled.held.is_empty() {
            let held = std::mem::take(&mut pulled.held);
            self.apply_page(ty, held, context).await?;
            self.progress(SyncStage::Downloading, Some(ty), total, total);
        }
        Ok(())
    }

    /// Applies pages as they arrive: items by the item writer (see
    /// [`write_item_pages`]), other objects held for one transaction at the
    /// end. The next pages are fetched while one is written. `wanted`, when
    /// given, keeps only objects with those keys (and removes them from it).
    async fn apply_pages<S>(
        &mut self,
        ty: ObjectKind,
        pages: S,
        mut wanted: Option<&mut HashSet<String>>,
        context: &Arc<Mutex<PullContext>>,
        seen: &mut VersionWatch,
        pulled: &mut PagesPulled,
    ) -> Result<()>
    where
        S: futures_util::Stream<Item = std::result::Result<(Vec<RemoteObject>, u64), SyncError>>,
    {
        // One page waits at most: memory stays bounded however large the pull.
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        let new_items = Arc::new(
            context
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .direct_items(ty),
        );
        let produce = async move {
            let mut pages = std::pin::pin!(pages);
            while let Some(page) = pages.next().await {
                // Items are readied on their own thread while the writer
                // stores the page before.
                let page = match page {
                    Ok((objects, version)) => {
                        let new_items = new_items.clone();
                        tokio::task::spawn_blocking(move || {
                            apply::prepare_page(objects, new_items.as_ref().as_ref())
                        })
                        .await
                        .map_err(|e| {
                            SyncError::new(
                                SyncErrorKind::InvalidData,
                                format!("a page could not be read: {e}"),
                            )
                        })
                        .and_then(|prepared| Ok((prepared?, version)))
                    }
                    Err(e) => Err(e),
                };
                let failed = page.is_err();
                if sender.send(page).await.is_err() || failed {
                    break;
                }
            }
        };
        // Items go to a writer of their own as they come (one page waits).
        let (to_writer, item_pages) = tokio::sync::mpsc::channel(1);
        let written = Arc::new(Mutex::new(apply::Applied::default()));
        let writer = (ty == ObjectKind::Item).then(|| {
            let context = context.clone();
            let written = written.clone();
            self.store().start_item_writer(item_pages, context, written)
        });
        let consume = async {
            let mut receiver = receiver;
            while let Some(page) = receiver.recv().await {
                SyncCancel::check(self.cancel.as_ref())?;
                let (objects, version) = page?;
                seen.note(version);
                let objects: Vec<Incoming> = match wanted.as_deref_mut() {
                    Some(wanted) => objects
                        .into_iter()
                        .filter(|o| o.key().is_some_and(|k| wanted.remove(k)))
                        .collect(),
                    None => objects,
                };
                pulled.done += objects.len();
                if ty == ObjectKind::Item {
                    if to_writer.send(objects).await.is_err() {
                        // The writer stopped; its error is the one to report.
                        break;
                    }
                    self.progress(SyncStage::Downloading, Some(ty), pulled.done, pulled.total);
                } else {
                    pulled.held.extend(objects);
                }
            }
            Ok(())
        };
        let ((), consumed) = futures_util::future::join(produce, consume).await;
        drop(to_writer);
        let stored = match writer {
            Some(writer) => writer.await,
            None => Ok(()),
        };
        let written = std::mem::take(&mut *written.lock().unwrap_or_else(|p| p.into_inner()));
        self.note_applied(ty, written);
        stored.and(consumed)
    }

    async fn apply_page(
        &mut self,
        ty: ObjectKind,
        objects: Vec<Incoming>,
        context: &Arc<Mutex<PullContext>>,
    ) -> Result<()> {
        let applied = self.store().apply_incoming(ty, objects, context).await?;
        self.note_applied(ty, applied);
        Ok(())
    }

    fn note_applied(&mut self, ty: ObjectKind, applied: apply::Applied) {
        self.report.downloaded.add(ty, applied.written);
        for (key, reason) in applied.failed {
            self.report.problems.push(format!(
                "The server's copy of {key} could not be read: {reason}"
            ));
        }
    }

    /// The mass-deletion guard: whether the deletions may go ahead now. If
    /// not, what would go is recorded for confirmation.
    async fn deletions_allowed(
        &mut self,
        direction: Direction,
        planned: &[PlannedDeletion],
    ) -> Result<bool> {
        let removing: Vec<(ObjectKind, String, String)> = planned
            .iter()
            .filter(|d| d.action == DeletionAction::MoveToTrash && !d.in_trash)
            .map(|d| (d.ty, d.key.clone(), d.title.clone()))
            .collect();
        if removing.is_empty() || self.confirm_deletions {
            return Ok(true);
        }
        let size = self.store().object_count().await?;
        let size = if direction == Direction::Upload {
            size + removing.len()
        } else {
            size
        };
        if !needs_confirmation(removing.len(), size) {
            return Ok(true);
        }
        let confirmed = self
            .store()
            .deletions_confirmed(direction, removing)
            .await?;
        if !confirmed {
            let held = self.store().held_deletions(direction).await?;
            self.report.pending_deletions.extend(held);
        }
        Ok(confirmed)
    }

    async fn upload(&mut self) -> Result<Uploaded> {
        if !self.store().editable().await? {
            self.report.read_only_kept = self.store().unsynced_count().await?;
            return Ok(Uploaded::Done);
        }
        let mut version = self.store().library_version().await?;
        let mut needs_pull = false;
        for ty in ObjectKind::ALL {
            let outgoing = self.store().outgoing(ty).await?;
            let total = outgoing.len();
            let mut done = 0;
            for batch in outgoing.chunks(WRITE_BATCH) {
                SyncCancel::check(self.cancel.as_ref())?;
                self.progress(SyncStage::Uploading, Some(ty), done, total);
                let payloads: Vec<Value> = batch.iter().map(|o| o.payload.clone()).collect();
                let report = match self
                    .client
                    .upload(self.remote, ty, &payloads, version)
                    .await
                {
                    Ok(r) => r,
                    Err(e) if e.kind == SyncErrorKind::Conflict => return Ok(Uploaded::NeedsPull),
                    Err(e) if e.status == Some(403) => {
                        self.refused_as_read_only(&e).await?;
                        return Ok(Uploaded::Done);
                    }
                    Err(e) => return Err(e.into()),
                };
                version = report.library_version;
                let mut accepted: Vec<(Outgoing, Option<u64>)> = Vec::new();
                for (index, sent) in batch.iter().enumerate() {
                    let at = index.to_string();
                    if let Some(saved) = report.successful.get(&at) {
                        let v = saved
                            .get("version")
                            .and_then(Value::as_u64)
                            .or(Some(report.library_version));
                        accepted.push((sent.clone(), v));
                    } else if report.success.contains_key(&at) {
                        accepted.push((sent.clone(), Some(report.library_version)));
                    } else if report.unchanged.contains_key(&at) {
                        accepted.push((sent.clone(), None));
                    } else if let Some(failed) = report.failed.get(&at) {
                        if failed.code == 412 {
                            needs_pull = true;
                        } else {
                            let title = objects::title_of(ty, &sent.payload);
                            self.report.problems.push(format!(
                                "The server refused “{title}” ({}, HTTP {}): {}; it is kept here.",
                                sent.key, failed.code, failed.message
                            ));
                        }
                    }
                }
                self.report
                    .uploaded
                    .add(ty, accepted.iter().filter(|(_, v)| v.is_some()).count());
                self.store().set_uploaded(ty, accepted, version).await?;
                done += batch.len();
            }
            if total > 0 {
                self.progress(SyncStage::Uploading, Some(ty), total, total);
            }
        }
        if needs_pull {
            return Ok(Uploaded::NeedsPull);
        }
        self.upload_deletions(version).await
    }

    async fn upload_deletions(&mut self, mut version: u64) -> Result<Uploaded> {
        let pending = self.store().deletions_to_upload().await?;
        if pending.is_empty() {
            return Ok(Uploaded::Done);
        }
        let planned: Vec<PlannedDeletion> = pending
            .iter()
            .map(|(ty, key)| PlannedDeletion {
                ty: *ty,
                key: key.clone(),
                title: key.clone(),
                action: DeletionAction::MoveToTrash,
                in_trash: false,
            })
            .collect();
        if !self.deletions_allowed(Direction::Upload, &planned).await? {
            return Ok(Uploaded::Done);
        }
        let total = pending.len();
        let mut done = 0;
        // Items first, so that a collection's members never point at nothing.
        for ty in [
            ObjectKind::Item,
            ObjectKind::SavedSearch,
            ObjectKind::Collection,
        ] {
            let keys: Vec<String> = pending
                .iter()
                .filter(|(t, _)| *t == ty)
                .map(|(_, k)| k.clone())
                .collect();
            for batch in keys.chunks(WRITE_BATCH) {
                SyncCancel::check(self.cancel.as_ref())?;
                self.progress(SyncStage::UploadingDeletions, Some(ty), done, total);
                version = match self.client.delete(self.remote, ty, batch, version).await {
                    Ok(v) => v,
                    Err(e) if e.kind == SyncErrorKind::Conflict => return Ok(Uploaded::NeedsPull),
                    Err(e) if e.status == Some(403) => {
                        self.refused_as_read_only(&e).await?;
                        return Ok(Uploaded::Done);
                    }
                    Err(e) => return Err(e.into()),
                };
                let n = batch.len();
                self.store()
                    .set_deletions_uploaded(ty, batch.to_vec(), version)
                    .await?;
                self.report.deleted_there.add(ty, n);
                done += n;
            }
        }
        self.progress(SyncStage::UploadingDeletions, None, total, total);
        Ok(Uploaded::Done)
    }

    /// The server refused a write as not allowed: the library is read-only
    /// for this key. Local edits stay here; the log and a notice say so.
    async fn refused_as_read_only(&mut self, err: &SyncError) -> Result<()> {
        let kept = self.store().set_read_only().await?;
        self.report.read_only_kept = kept;
        self.report.problems.push(format!(
            "The server refused changes to this library ({}); they are kept here.",
            err.message
        ));
        Ok(())
    }
}

/// Where a pull of one object type stands.
struct PagesPulled {
    /// Collections and searches, applied together at the end.
    held: Vec<Incoming>,
    done: usize,
    total: usize,
}

/// What a listing of changed objects would hold: everything changed online
/// since `since`, `changed` objects when the versions were asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Listing {
    pub since: u64,
    pub changed: usize,
}

/// The library versions seen during one pull: the first, and whether any
/// later response reported another (the library moved meanwhile).
#[derive(Debug, Default)]
pub(crate) struct VersionWatch {
    first: Option<u64>,
    moved: bool,
}

impl VersionWatch {
    fn note(&mut self, version: u64) {
        match self.first {
            None => self.first = Some(version),
            Some(v) if v != version => self.moved = true,
            Some(_) => {}
        }
    }
}
