//! The facade used from Rust the way the generated bindings use it: async
//! calls awaited on a foreign executor, listeners implemented outside.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shelfmark_ffi::{
    ErrorCategory, ItemFilter, ItemListDiff, ItemListListener, ItemListQuery, ItemListUpdate,
    ItemRow, LibraryChanges, LibraryHandle, LibraryListener, LibraryOptions, NewItem, SortField,
    create_library,
};

/// Runs a future to completion as an app's executor would (not the library's runtime).
fn wait<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("executor")
        .block_on(future)
}

fn article(title: &str) -> NewItem {
    NewItem {
        item_type: "journalArticle".into(),
        fields: [("title".to_owned(), title.to_owned())].into(),
        creators: vec![],
        tags: vec![],
        collections: vec![],
    }
}

fn new_library(dir: &tempfile::TempDir) -> Arc<LibraryHandle> {
    let path = dir.path().join("lib.shelfmark").display().to_string();
    wait(create_library(path, LibraryOptions::default())).expect("create")
}

fn by_title(limit: u32) -> ItemListQuery {
    ItemListQuery {
        filter: ItemFilter::default(),
        sort: SortField::Title,
        descending: false,
        limit,
        offset: 0,
    }
}

struct Forward<T>(Mutex<Sender<T>>);

impl LibraryListener for Forward<LibraryChanges> {
    fn on_change(&self, changes: LibraryChanges) {
        let _ = self.0.lock().expect("sender").send(changes);
    }
}

impl ItemListListener for Forward<ItemListUpdate> {
    fn on_update(&self, update: ItemListUpdate) {
        let _ = self.0.lock().expect("sender").send(update);
    }
}

fn forward<T>() -> (Arc<Forward<T>>, Receiver<T>) {
    let (sender, receiver) = channel();
    (Arc::new(Forward(Mutex::new(sender))), receiver)
}

fn next<T>(receiver: &Receiver<T>) -> T {
    receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("an update within 10 s")
}

fn apply(mut rows: Vec<ItemRow>, update: &ItemListUpdate) -> Vec<ItemRow> {
    for diff in &update.diffs {
        match diff {
            ItemListDiff::Reset { rows: all } => rows = all.clone(),
            ItemListDiff::Insert { index, row } => rows.insert(*index as usize, row.clone()),
            ItemListDiff::Remove { index } => {
                rows.remove(*index as usize);
            }
            ItemListDiff::Set { index, row } => rows[*index as usize] = row.clone(),
        }
    }
    rows
}

#[test]
fn a_watched_page_follows_every_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = new_library(&dir);
    let items = library.items();
    for title in ["Beta", "Delta", "Zeta"] {
        wait(items.create(article(title))).expect("create");
    }
    let (listener, updates) = forward::<ItemListUpdate>();
    let handle = items.watch(by_title(2), listener).expect("watch");

    let mut shown = apply(vec![], &next(&updates));
    assert_eq!(titles(&shown), ["Beta", "Delta"]);

    let alpha = wait(items.create(article("Alpha"))).expect("create");
    let update = next(&updates);
    assert_eq!(update.total, 4);
    assert!(matches!(
        update.diffs[..],
        [
            ItemListDiff::Remove { index: 1 },
            ItemListDiff::Insert { index: 0, .. }
        ]
    ));
    shown = apply(shown, &update);
    assert_eq!(titles(&shown), ["Alpha", "Beta"]);

    wait(items.trash(vec![alpha.key.clone()])).expect("trash");
    shown = apply(shown, &next(&updates));
    let page = wait(items.list(by_title(2))).expect("list");
    assert_eq!(shown, page.rows);

    handle.cancel();
    wait(items.create(article("Aardvark"))).expect("create");
    assert!(
        updates.recv_timeout(Duration::from_millis(300)).is_err(),
        "a cancelled watch is silent"
    );
}

fn titles(rows: &[ItemRow]) -> Vec<&str> {
    rows.iter().map(|r| r.title.as_str()).collect()
}

#[test]
fn dropping_the_handle_unsubscribes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = new_library(&dir);
    let (listener, heard) = forward::<LibraryChanges>();
    let handle = library.subscribe(listener).expect("subscribe");
    let item = wait(library.items().create(article("One"))).expect("create");
    assert_eq!(next(&heard).items.created, vec![item.key]);

    drop(handle);
    wait(library.items().create(article("Two"))).expect("create");
    assert!(heard.recv_timeout(Duration::from_millis(300)).is_err());
}

/// A listener that fails must not take the library (or the app) down.
struct Failing;

impl LibraryListener for Failing {
    fn on_change(&self, _: LibraryChanges) {
        panic!("listener bug");
    }
}

#[test]
fn a_failing_listener_stops_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = new_library(&dir);
    let handle = library.subscribe(Arc::new(Failing)).expect("subscribe");
    wait(library.items().create(article("One"))).expect("the write is unaffected");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !handle.is_finished() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(handle.is_finished(), "the failed subscription ended");
    let page = wait(library.items().list(by_title(10))).expect("list");
    assert_eq!(page.total, 1);
}

#[test]
fn errors_have_categories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = new_library(&dir);
    let missing = wait(library.items().get("ABCD2345".into())).expect_err("no such item");
    assert_eq!(missing.category(), ErrorCategory::NotFound);
    let bad = wait(library.items().get("nope".into())).expect_err("bad key");
    assert_eq!(bad.category(), ErrorCategory::InvalidInput);
    let unknown_type = wait(library.items().create(NewItem {
        item_type: "spaceship".into(),
        ..article("x")
    }))
    .expect_err("unknown type");
    assert_eq!(unknown_type.category(), ErrorCategory::InvalidInput);
}
