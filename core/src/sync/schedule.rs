//! When syncs run: one at a time per library file (a second call while one
//! runs joins it and gets its result), stopping a running sync between
//! batches, and automatic sync: on start, every interval, a few seconds
//! after local edits, when the app closes, and as soon as the server's
//! stream says a library changed (see [`super::live`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use tokio::sync::{OnceCell, mpsc, oneshot};
use tokio::time::Instant;

use super::error::SyncError;
use super::live::{self, LiveEvent, LiveUpdates, Named};
use super::types::{SyncCancel, SyncOptions, SyncReport};
use super::upload;
use crate::changes::Subscription;
use crate::error::{Error, ErrorCategory, Result};
use crate::library::Library;
use crate::library::blocking;

/// A sync's result, shared with every caller that joined it.
type Shared = std::result::Result<SyncReport, SharedError>;

/// An error as each joined caller receives it: a sync error whole (its
/// kind decides retries), anything else as its category and message.
#[derive(Debug, Clone)]
enum SharedError {
    Sync(SyncError),
    Other {
        category: ErrorCategory,
        message: String,
    },
}

impl SharedError {
    fn of(err: &Error) -> Self {
        match err {
            Error::Sync(e) => Self::Sync(e.clone()),
            other => Self::Other {
                category: other.category(),
                message: other.to_string(),
            },
        }
    }

    fn into_error(self) -> Error {
        match self {
            Self::Sync(e) => Error::Sync(e),
            Self::Other { category, message } => Error::Joined { category, message },
        }
    }
}

/// The sync running for each library file, by path.
static RUNNING: LazyLock<Mutex<HashMap<PathBuf, Arc<OnceCell<Shared>>>>> =
    LazyLock::new(Default::default);

fn running() -> std::sync::MutexGuard<'static, HashMap<PathBuf, Arc<OnceCell<Shared>>>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Held while anything syncs a library file (a sync or a sync reset), so
/// that the two never run at once.
static EXCLUSIVE: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Default::default);

/// The file's identity: the same file opened through different paths is one.
fn file_id(library: &Library) -> PathBuf {
    std::fs::canonicalize(library.path()).unwrap_or_else(|_| library.path().to_owned())
}

impl Library {
    /// Runs `sync` unless a sync of this file is already running, in which
    /// case this call waits for it and returns its result (the options of
    /// the call that started it apply; `sync` is then dropped unstarted).
    pub(crate) async fn sync_once_at_a_time(
        &self,
        sync: impl Future<Output = Result<SyncReport>>,
    ) -> Result<SyncReport> {
        let path = file_id(self);
        let flight = running().entry(path.clone()).or_default().clone();
        let shared = flight
            .get_or_init(|| async {
                self.exclusively(sync)
                    .await
                    .map_err(|e| SharedError::of(&e))
            })
            .await
            .clone();
        let mut map = running();
        if map.get(&path).is_some_and(|f| Arc::ptr_eq(f, &flight)) {
            map.remove(&path);
        }
        drop(map);
        shared.map_err(SharedError::into_error)
    }

    /// Runs `work` while no other sync or sync reset of this file runs
    /// (waiting for one that does).
    pub(crate) async fn exclusively<T>(&self, work: impl Future<Output = T>) -> T {
        let lock = EXCLUSIVE
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(file_id(self))
            .or_default()
            .clone();
        let _held = lock.lock().await;
        work.await
    }

    /// Starts syncing automatically, as a task on the caller's `runtime`:
    /// now, then every `config.interval`, and `config.debounce` after local
    /// edits. Stops when the handle is cancelled or dropped; the stream of
    /// live updates runs as a task of its own on the same runtime.
    pub fn start_auto_sync(
        &self,
        runtime: &tokio::runtime::Handle,
        options: SyncOptions,
        config: AutoSyncConfig,
    ) -> AutoSyncHandle {
        let cancel = SyncCancel::new();
        let options = SyncOptions {
            cancel: Some(cancel.clone()),
            ..options
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let changes = tx.clone();
        let subscription = self.subscribe(move |set| {
            if !set.is_empty() {
                let _ = changes.send(Command::LocalChange);
            }
        });
        let status = Arc::new(Mutex::new(AutoSyncStatus::default()));
        let worker = AutoWorker {
            library: self.clone(),
            options,
            cancel: cancel.clone(),
            config,
            status: status.clone(),
        };
        AutoSyncHandle {
            commands: tx,
            cancel,
            status,
            task: Some(runtime.spawn(worker.run(rx))),
            _subscription: subscription,
        }
    }
}

/// Called after every automatic sync with its result.
pub type AutoSyncCallback = Arc<dyn Fn(std::result::Result<&SyncReport, &Error>) + Send + Sync>;

/// When automatic sync runs.
#[derive(Clone)]
pub struct AutoSyncConfig {
    /// Time between syncs when nothing happens (15 minutes by default).
    pub interval: Duration,
    /// Quiet time after the last local edit before it is synced (5 s).
    pub debounce: Duration,
    /// Told about each run (a status line, a badge).
    pub on_run: Option<AutoSyncCallback>,
}

impl Default for AutoSyncConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15 * 60),
            debounce: Duration::from_secs(5),
            on_run: None,
        }
    }
}

impl std::fmt::Debug for AutoSyncConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoSyncConfig")
            .field("interval", &self.interval)
            .field("debounce", &self.debounce)
            .finish_non_exhaustive()
    }
}

/// What automatic sync has done so far.
#[derive(Debug, Clone, Default)]
pub struct AutoSyncStatus {
    /// Syncs finished (successfully or not).
    pub runs: u64,
    /// The last run's report, or its error message.
    pub last: Option<std::result::Result<SyncReport, String>>,
    /// Whether changes made elsewhere arrive as they happen.
    pub live: LiveUpdates,
}

enum Command {
    LocalChange,
    /// The app came to the foreground (follow the stream) or went to the
    /// background (no connection kept open).
    Foreground(bool),
    Closing(oneshot::Sender<Result<SyncReport>>),
    Stop,
}

/// Keeps automatic sync running; cancelling or dropping it stops it (a
/// sync under way stops at its next batch).
pub struct AutoSyncHandle {
    commands: mpsc::UnboundedSender<Command>,
    cancel: SyncCancel,
    status: Arc<Mutex<AutoSyncStatus>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _subscription: Subscription,
}

impl std::fmt::Debug for AutoSyncHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoSyncHandle")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl AutoSyncHandle {
    /// What automatic sync has done so far.
    pub fn status(&self) -> AutoSyncStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The app came to the foreground (`true`): changes made elsewhere are
    /// followed as they happen when the server offers a stream. In the
    /// background (`false`) no connection is kept open; syncs run on the
    /// interval and after local edits. Automatic sync starts in the
    /// foreground.
    pub fn set_foreground(&self, foreground: bool) {
        let _ = self.commands.send(Command::Foreground(foreground));
    }

    /// The app is closing: syncs once more (waiting for it), then stops.
    pub async fn notify_app_closing(mut self) -> Result<SyncReport> {
        let (reply, answer) = oneshot::channel();
        let result = if self.commands.send(Command::Closing(reply)).is_ok() {
            answer
                .await
                .unwrap_or_else(|_| Err(Error::internal("automatic sync stopped unexpectedly")))
        } else {
            Err(Error::internal("automatic sync is not running"))
        };
        self.finished().await;
        result
    }

    /// Stops automatic sync and returns at once: no sync starts after this
    /// call, and a running one stops at its next batch.
    pub fn cancel(mut self) {
        self.signal_stop();
    }

    /// Stops automatic sync and waits until it has stopped (a running sync
    /// stops at its next batch; the live-update state is recorded as off).
    pub async fn stop(mut self) {
        self.signal_stop();
        self.finished().await;
    }

    fn signal_stop(&mut self) {
        self.cancel.cancel();
        let _ = self.commands.send(Command::Stop);
    }

    /// Waits for the task to end.
    async fn finished(&mut self) {
        if let Some(task) = self.task.take()
            && let Err(e) = task.await
            && e.is_panic()
        {
            log::error!("automatic sync stopped by an internal error: {e}");
        }
    }
}

impl Drop for AutoSyncHandle {
    /// The task winds down by itself (it cannot be awaited here).
    fn drop(&mut self) {
        self.signal_stop();
    }
}

struct AutoWorker {
    library: Library,
    options: SyncOptions,
    /// The stop token of `options`: nothing starts once it is cancelled.
    cancel: SyncCancel,
    config: AutoSyncConfig,
    status: Arc<Mutex<AutoSyncStatus>>,
}

impl AutoWorker {
    async fn run(self, mut commands: mpsc::UnboundedReceiver<Command>) {
        // A sync on start, then on the interval, after local edits and when
        // the stream announces a change.
        let mut next_interval = Instant::now();
        let mut debounce_at: Option<Instant> = None;
        let mut stream = Follower::new();
        let mut announced = Announced::default();
        while !self.cancel.is_cancelled() {
            let wake = [Some(next_interval), debounce_at, announced.due]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(next_interval);
            tokio::select! {
                () = tokio::time::sleep_until(wake) => {
                    let now = Instant::now();
                    let by_interval = next_interval <= now;
                    if !by_interval && announced.due.is_some_and(|d| d <= now) {
                        self.sync_announced(&mut announced).await;
                        continue;
                    }
                    if debounce_at.is_some_and(|d| d <= now) {
                        debounce_at = None;
                        // The sync's own writes are changes too; only edits
                        // waiting to be uploaded call for a sync.
                        if !by_interval && !self.has_local_changes().await {
                            continue;
                        }
                    } else if !by_interval {
                        continue;
                    }
                    let _ = self.sync().await;
                    next_interval = Instant::now() + self.config.interval;
                    // A server that offered no stream may offer one later.
                    stream.start(&self).await;
                }
                event = stream.next() => match event {
                    Some(LiveEvent::State(live)) => self.set_live(live, stream.url()).await,
                    Some(LiveEvent::Subscribed) => {
                        // Whatever changed while not connected.
                        announced = Announced::default();
                        let _ = self.sync().await;
                        next_interval = Instant::now() + self.config.interval;
                    }
                    Some(LiveEvent::Updated { topic, version }) => {
                        announced.add(topic, version);
                    }
                    Some(LiveEvent::LibrariesChanged) => announced.add_all(),
                    None => stream.ended(),
                },
                command = commands.recv() => match command {
                    None | Some(Command::Stop) => break,
                    Some(Command::LocalChange) => {
                        debounce_at = Some(Instant::now() + self.config.debounce);
                    }
                    Some(Command::Foreground(foreground)) => {
                        stream.wanted = foreground;
                        if foreground {
                            stream.start(&self).await;
                        } else {
                            stream.stop();
                            self.set_live(LiveUpdates::Off, None).await;
                        }
                    }
                    Some(Command::Closing(reply)) => {
                        let _ = reply.send(self.sync().await);
                        break;
                    }
                },
            }
        }
        stream.stop();
        self.set_live(LiveUpdates::Off, None).await;
    }

    /// Syncs the libraries the stream named, skipping those this file
    /// already holds at the announced version (its own uploads).
    async fn sync_announced(&self, announced: &mut Announced) {
        let (topics, everything) = announced.take();
        if everything {
            let _ = self.sync().await;
            return;
        }
        let mut behind = Vec::new();
        for (topic, version) in topics {
            let library = self.library.clone();
            let named = {
                let topic = topic.clone();
                blocking(&library, move |l| l.named_by_topic(&topic)).await
            };
            match named {
                Ok(Named::Held {
                    library,
                    version: held,
                }) if held < version => {
                    behind.push((library, topic, version));
                }
                Ok(Named::Held { .. }) => announced.settled(&topic),
                Ok(Named::Unknown) | Err(_) => {
                    let _ = self.sync().await;
                    return;
                }
            }
        }
        if behind.is_empty() {
            return;
        }
        let options = SyncOptions {
            only_libraries: Some(behind.iter().map(|(library, ..)| *library).collect()),
            ..self.options.clone()
        };
        let _ = self.sync_with(&options).await;
        // A sync already running when the change was announced may have
        // passed that library before the change: ask again, a few times.
        for (_, topic, version) in behind {
            announced.retry(topic, version);
        }
    }

    /// Keeps the state for [`AutoSyncHandle::status`] and, for other
    /// processes (`sync status`), in the library file.
    async fn set_live(&self, live: LiveUpdates, url: Option<String>) {
        self.status.lock().unwrap_or_else(|p| p.into_inner()).live = live;
        let recorded = blocking(&self.library, move |l| {
            l.record_live_updates(live, url.as_deref())
        })
        .await;
        if let Err(e) = recorded {
            log::warn!("recording the live-update state: {e}");
        }
    }

    async fn has_local_changes(&self) -> bool {
        blocking(&self.library, |l| l.db.read(upload::waiting_to_upload))
            .await
            .unwrap_or(true)
    }

    async fn sync(&self) -> Result<SyncReport> {
        self.sync_with(&self.options).await
    }

    async fn sync_with(&self, options: &SyncOptions) -> Result<SyncReport> {
        let result = self.library.sync(options).await;
        if let Some(callback) = &self.config.on_run {
            callback(result.as_ref());
        }
        let mut status = self.status.lock().unwrap_or_else(|p| p.into_inner());
        status.runs += 1;
        status.last = Some(match &result {
            Ok(report) => Ok(report.clone()),
            Err(e) => Err(e.to_string()),
        });
        result
    }
}

/// The stream connection of automatic sync, when there is one.
struct Follower {
    /// The app is in the foreground: follow the stream.
    wanted: bool,
    /// The server refused the key: do not try again in this run.
    refused: bool,
    task: Option<tokio::task::JoinHandle<()>>,
    events: Option<mpsc::UnboundedReceiver<LiveEvent>>,
    url: Option<String>,
}

impl Follower {
    fn new() -> Self {
        Self {
            wanted: true,
            refused: false,
            task: None,
            events: None,
            url: None,
        }
    }

    fn url(&self) -> Option<String> {
        self.url.clone()
    }

    /// Connects when wanted and not connected, if the server offers a
    /// stream (after a sync: the file knows its account then).
    async fn start(&mut self, worker: &AutoWorker) {
        if !self.wanted || self.refused || self.task.is_some() {
            return;
        }
        match worker.library.stream_target(&worker.options).await {
            Ok(Some(target)) => {
                let (sender, events) = mpsc::unbounded_channel();
                self.url = Some(target.url.clone());
                let status = Arc::clone(&worker.status);
                let on_state: live::StateCallback = Arc::new(move |live| {
                    status.lock().unwrap_or_else(|p| p.into_inner()).live = live;
                });
                self.task = Some(tokio::spawn(live::follow(target, sender, on_state)));
                self.events = Some(events);
            }
            Ok(None) => worker.set_live(LiveUpdates::Unavailable, None).await,
            Err(e) => {
                log::info!("live updates: {e}");
                worker.set_live(LiveUpdates::Unavailable, None).await;
            }
        }
    }

    /// The next event, waiting forever when not connected.
    async fn next(&mut self) -> Option<LiveEvent> {
        match &mut self.events {
            Some(events) => events.recv().await,
            None => std::future::pending().await,
        }
    }

    /// The stream ended by itself (the key was refused).
    fn ended(&mut self) {
        self.refused = true;
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.events = None;
    }
}

/// Changes announced by the stream and not yet synced.
#[derive(Debug, Default)]
struct Announced {
    /// The newest version announced per topic.
    topics: HashMap<String, u64>,
    /// A library was gained or lost: sync everything.
    everything: bool,
    /// How many times each topic was asked again after a sync.
    retries: HashMap<String, u32>,
    /// When to sync them.
    due: Option<Instant>,
    /// When they were last synced.
    last_synced: Option<Instant>,
}

/// Announcements are synced at once, then at most once in this time: a
/// burst of them (a colleague's large import) becomes a few syncs, and a
/// lone edit is not kept waiting.
const ANNOUNCED_SPACING: Duration = Duration::from_millis(300);
/// Times a change still missing after its sync is asked for again.
const ANNOUNCED_RETRIES: u32 = 3;

impl Announced {
    fn add(&mut self, topic: String, version: u64) {
        let entry = self.topics.entry(topic).or_insert(version);
        *entry = (*entry).max(version);
        self.schedule();
    }

    fn add_all(&mut self) {
        self.everything = true;
        self.schedule();
    }

    fn schedule(&mut self) {
        let earliest = self
            .last_synced
            .map_or_else(Instant::now, |last| last + ANNOUNCED_SPACING);
        self.due.get_or_insert(earliest);
    }

    fn take(&mut self) -> (HashMap<String, u64>, bool) {
        self.due = None;
        self.last_synced = Some(Instant::now());
        let everything = std::mem::take(&mut self.everything);
        if everything {
            self.retries.clear();
        }
        (std::mem::take(&mut self.topics), everything)
    }

    /// The file holds what was announced for `topic`.
    fn settled(&mut self, topic: &str) {
        self.retries.remove(topic);
    }

    /// Asks for `topic` again (its sync may not have reached `version`);
    /// checked against the file's version before syncing.
    fn retry(&mut self, topic: String, version: u64) {
        let tries = self.retries.entry(topic.clone()).or_insert(0);
        *tries += 1;
        if *tries > ANNOUNCED_RETRIES {
            self.retries.remove(&topic);
            return;
        }
        self.add(topic, version);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Automatic sync is one task on the runtime it is given (no thread or
    /// runtime of its own): its sync on start runs there, and `stop` waits
    /// until the task has ended.
    #[test]
    fn automatic_sync_is_a_task_on_the_callers_runtime() {
        let dir = tempfile::tempdir().expect("temp dir");
        let library = Library::create(dir.path().join("l.shelfmark")).expect("library");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let idle = runtime.metrics().num_alive_tasks();
        let handle = library.start_auto_sync(
            runtime.handle(),
            SyncOptions::default(),
            AutoSyncConfig {
                interval: Duration::from_secs(3600),
                ..AutoSyncConfig::default()
            },
        );
        assert_eq!(runtime.metrics().num_alive_tasks(), idle + 1);
        let started = std::time::Instant::now();
        while handle.status().runs == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the sync on start never ran"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        // This file never synced: the run on start says so.
        let last = handle.status().last.expect("a run");
        assert!(
            last.as_ref().is_err_and(|e| e.contains("never synced")),
            "{last:?}"
        );
        runtime.block_on(handle.stop());
        assert_eq!(runtime.metrics().num_alive_tasks(), idle);
    }

    /// A call that joins a running sync gets the failure's category and
    /// message, not a different (or "damaged data") one.
    #[test]
    fn a_joined_call_gets_the_original_error_category() {
        let dir = tempfile::tempdir().expect("temp dir");
        let library = Library::create(dir.path().join("l.shelfmark")).expect("library");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (first, second) = runtime.block_on(async {
            let (started_tx, started_rx) = tokio::sync::oneshot::channel();
            let first = library.sync_once_at_a_time(async {
                let _ = started_tx.send(());
                tokio::time::sleep(Duration::from_millis(100)).await;
                Err(Error::not_found("item", "ABCD2345"))
            });
            let second = async {
                let _ = started_rx.await;
                library
                    .sync_once_at_a_time(async {
                        Err(Error::internal("the joined call must not run its own sync"))
                    })
                    .await
            };
            tokio::join!(first, second)
        });
        let first = first.expect_err("the first call fails");
        let second = second.expect_err("the joined call fails too");
        assert_eq!(first.category(), ErrorCategory::NotFound);
        assert_eq!(second.category(), ErrorCategory::NotFound);
        assert_eq!(second.to_string(), "item ABCD2345 not found");
    }
}
