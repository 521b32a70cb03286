//! Syncs that meet trouble: the online library changing between pull and
//! upload (412 → pull and retry), and a download interrupted half-way that
//! the next sync resumes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::json;
use shelfmark_core::sync::{SyncProgress, SyncStage};

use crate::support::article;
use crate::support::sync::{Device, start_server};

#[test]
fn a_change_online_between_pull_and_upload_is_pulled_and_the_upload_retried() {
    let server = start_server();
    let (user, key) = server.user("race@example.org");
    let device = Device::new(&server, &key);
    device.sync();
    let mine = device
        .create_item(article("Written here", "Park", "2023"))
        .expect("item");

    // Just as the upload starts, another client writes to the library.
    let raced = Arc::new(AtomicBool::new(false));
    let flag = raced.clone();
    let base = server.base_url().to_owned();
    let other_key = key.clone();
    let mut options = device.options.clone();
    options.progress = Some(Arc::new(move |p: &SyncProgress| {
        if p.phase == SyncStage::Uploading && !flag.swap(true, Ordering::SeqCst) {
            let (base, key) = (base.clone(), other_key.clone());
            std::thread::spawn(move || {
                let body = json!([{"itemType": "book", "title": "Written elsewhere"}]);
                let status = reqwest::blocking::Client::new()
                    .post(format!("{base}/users/{user}/items"))
                    .header("Zotero-API-Key", key)
                    .body(body.to_string())
                    .send()
                    .expect("racing write")
                    .status();
                assert_eq!(status, 200);
            })
            .join()
            .expect("racing write thread");
        }
    }));
    let report = crate::support::sync::block_on(device.library.sync(&options)).expect("sync");
    assert!(report.is_ok(), "{report:#?}");
    assert!(raced.load(Ordering::SeqCst));
    let lib = &report.libraries[0];
    assert_eq!(lib.uploaded.items, 1);
    assert_eq!(
        lib.downloaded.items, 1,
        "the racing item was pulled: {report:#?}"
    );
    let titles: Vec<String> = device.items().into_iter().map(|(_, t, _)| t).collect();
    assert!(titles.contains(&"Written elsewhere".to_owned()));
    let (_, online) = server.call(
        &key,
        Method::GET,
        &format!("/users/{user}/items?format=versions"),
        None,
    );
    assert!(online.get(mine.key.as_str()).is_some());
    assert_eq!(online.as_object().map(|m| m.len()), Some(2));
}

#[test]
fn an_interrupted_download_resumes_where_it_stopped() {
    let server = start_server();
    let (_, key) = server.user("resume@example.org");
    let source = Device::new(&server, &key);
    let items: Vec<_> = (0..160)
        .map(|i| article(&format!("Paper {i:03}"), "Quinn", "2024"))
        .collect();
    source.create_items(items).expect("items");
    source.sync();

    // The download is cut off after its second page of items.
    let device = Device::new(&server, &key);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let stop_tx = Mutex::new(Some(stop_tx));
    let mut options = device.options.clone();
    options.concurrency = 1;
    // Standard pages of 50, so that the download takes several requests.
    options.max_page_size = Some(50);
    options.progress = Some(Arc::new(move |p: &SyncProgress| {
        if p.phase == SyncStage::Downloading
            && p.done >= 100
            && p.done < p.total
            && let Some(tx) = stop_tx.lock().expect("lock").take()
        {
            let _ = tx.send(());
        }
    }));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let finished = runtime.block_on(async {
        tokio::select! {
            r = device.library.sync(&options) => Some(r),
            _ = stop_rx => None,
        }
    });
    assert!(finished.is_none(), "the sync was interrupted");
    drop(runtime);
    let partial = device.items().len();
    assert!((100..160).contains(&partial), "{partial} items arrived");
    let status = device.sync_status().expect("status");
    assert_eq!(status[0].version, 0, "the pull did not complete");
    assert!(
        status[0]
            .last_run
            .as_ref()
            .is_some_and(|r| r.finished.is_none())
    );

    // The next sync fetches only what is missing.
    let report = device.sync_with_kept_key();
    assert_eq!(report.libraries[0].downloaded.items, 160 - partial as u64);
    assert_eq!(device.items().len(), 160);
    assert!(device.sync_status().expect("status")[0].version > 0);
}
