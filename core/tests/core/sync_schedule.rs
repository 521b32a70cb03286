//! When syncs run: one at a time per file (a second call joins the first),
//! cancelling between batches with resumable progress, and automatic sync
//! on start, after edits, on an interval and when the app closes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use shelfmark_core::sync::{
    AutoSyncConfig, SyncCancel, SyncErrorKind, SyncOptions, SyncProgress, SyncStage,
};

use crate::support::article;
use crate::support::sync::{Device, start_server};

/// Waits until `done` holds, failing after `limit`.
fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn unsynced(device: &Device) -> usize {
    device.sync_status().expect("status")[0].unsynced
}

#[test]
fn a_second_sync_while_one_runs_joins_it() {
    let server = start_server();
    let (_, key) = server.user("join@example.org");
    let a = Device::new(&server, &key);
    for n in 0..60 {
        a.create_item(article(&format!("Paper {n}"), "Ames", "2001"))
            .expect("item");
    }
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let started_tx = std::sync::Mutex::new(Some(started_tx));
    let slow_options = SyncOptions {
        progress: Some(Arc::new(move |p: &SyncProgress| {
            if p.phase == SyncStage::Uploading
                && let Some(tx) = started_tx.lock().expect("lock").take()
            {
                let _ = tx.send(());
                // Holds the first sync long enough for the second to join.
                std::thread::sleep(Duration::from_millis(600));
            }
        })),
        ..a.options.clone()
    };
    let first_library = a.library.clone();
    let first = std::thread::spawn(move || {
        crate::support::sync::block_on(first_library.sync(&slow_options))
    });
    started_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the first sync starts uploading");
    let before = server.request_count();
    let second = crate::support::sync::block_on(a.library.sync(&a.options)).expect("joined sync");
    let first = first.join().expect("thread").expect("first sync");
    assert_eq!(
        first.run_id, second.run_id,
        "the second call joined the first"
    );
    assert_eq!(second.libraries[0].uploaded.items, 60);
    // The joined call sent nothing of its own: only the first's uploads.
    let lines = server.requests_since(before);
    assert!(
        lines.iter().filter(|l| l.contains("method=POST")).count() <= 2,
        "{lines:#?}"
    );
    // Afterwards a new call runs a new sync.
    let third = a.sync();
    assert_ne!(third.run_id, first.run_id);
}

#[test]
fn a_cancelled_sync_stops_between_batches_and_resumes() {
    let server = start_server();
    let (_, key) = server.user("cancel@example.org");
    let a = Device::new(&server, &key);
    for n in 0..150 {
        a.create_item(article(&format!("Paper {n}"), "Ames", "2001"))
            .expect("item");
    }
    let cancel = SyncCancel::new();
    let trigger = cancel.clone();
    let options = SyncOptions {
        cancel: Some(cancel),
        progress: Some(Arc::new(move |p: &SyncProgress| {
            if p.phase == SyncStage::Uploading && p.done >= 50 {
                trigger.cancel();
            }
        })),
        ..a.options.clone()
    };
    // The library stops at the next batch and reports why.
    let report = crate::support::sync::block_on(a.library.sync(&options)).expect("sync runs");
    let stopped = &report.libraries[0];
    assert_eq!(
        stopped.error_kind.as_deref(),
        Some(SyncErrorKind::Cancelled.as_str())
    );
    assert!(!report.is_ok());
    let left = unsynced(&a);
    assert!(left > 0 && left < 150, "stopped part way: {left} left");

    // The next sync carries on with what is left; nothing is doubled.
    let report = a.sync();
    assert_eq!(report.libraries[0].uploaded.items, left as u64);
    assert_eq!(unsynced(&a), 0);
    let b = Device::new(&server, &key);
    b.sync();
    assert_eq!(b.items().len(), 150);
    assert_eq!(b.items(), a.items());
}

#[test]
fn auto_sync_runs_on_start_after_edits_and_when_closing() {
    let server = start_server();
    let (_, key) = server.user("auto@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let first = a
        .create_item(article("Before start", "Ames", "2001"))
        .expect("item");
    let handle = a.start_auto_sync(
        crate::support::sync::runtime().handle(),
        a.options.clone(),
        AutoSyncConfig {
            interval: Duration::from_secs(3600),
            debounce: Duration::from_millis(300),
            on_run: None,
        },
    );
    wait_for(Duration::from_secs(20), "the sync on start", || {
        handle.status().runs >= 1
    });
    assert_eq!(unsynced(&a), 0);
    b.sync();
    assert_eq!(b.title(first.key.as_str()), "Before start");

    // An edit is synced once the debounce time has passed.
    let runs = handle.status().runs;
    let edited = a
        .create_item(article("Edited later", "Bell", "2002"))
        .expect("item");
    wait_for(Duration::from_secs(20), "the debounced sync", || {
        handle.status().runs > runs && unsynced(&a) == 0
    });
    b.sync();
    assert_eq!(b.title(edited.key.as_str()), "Edited later");
    // The sync's own writes do not set off more syncs.
    let settled = handle.status().runs;
    std::thread::sleep(Duration::from_millis(900));
    assert_eq!(handle.status().runs, settled);

    // Closing the app syncs what was just written, then stops.
    let last = a
        .create_item(article("Written at close", "Cole", "2003"))
        .expect("item");
    let report = crate::support::sync::block_on(handle.notify_app_closing()).expect("final sync");
    assert!(report.is_ok());
    b.sync();
    assert_eq!(b.title(last.key.as_str()), "Written at close");
}

#[test]
fn auto_sync_on_an_interval_stops_when_cancelled_or_dropped() {
    let server = start_server();
    let (_, key) = server.user("interval@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    a.sync();
    let seen = Arc::new(AtomicBool::new(false));
    let flag = seen.clone();
    let handle = a.start_auto_sync(
        crate::support::sync::runtime().handle(),
        a.options.clone(),
        AutoSyncConfig {
            interval: Duration::from_millis(400),
            debounce: Duration::from_secs(3600),
            on_run: Some(Arc::new(move |result| {
                if result.is_ok() {
                    flag.store(true, Ordering::SeqCst);
                }
            })),
        },
    );
    // Changes from another device arrive on the interval alone.
    let remote = b
        .create_item(article("From B", "Dunn", "2004"))
        .expect("item");
    b.sync();
    wait_for(Duration::from_secs(20), "the interval sync", || {
        a.get_item(remote.key.as_str()).is_ok() && handle.status().runs >= 2
    });
    assert!(seen.load(Ordering::SeqCst));
    crate::support::sync::block_on(handle.stop());
    let after = a
        .create_item(article("After cancel", "Evans", "2005"))
        .expect("item");
    std::thread::sleep(Duration::from_millis(900));
    assert_eq!(unsynced(&a), 1, "nothing syncs once cancelled");

    // Dropping the handle stops it as well.
    let dropped = a.start_auto_sync(
        crate::support::sync::runtime().handle(),
        a.options.clone(),
        AutoSyncConfig::default(),
    );
    wait_for(Duration::from_secs(20), "the sync on start", || {
        dropped.status().runs >= 1
    });
    drop(dropped);
    b.sync();
    assert!(b.get_item(after.key.as_str()).is_ok());
}
