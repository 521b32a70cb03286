//! Attachment files through the facade against a real server process:
//! attach on one device, download with progress on another, cancel,
//! open, evict, settings.

mod devices;

use std::sync::{Arc, Mutex};

use devices::{Device, wait};
use shelfmark_ffi::{
    DownloadListener, ErrorCategory, FileDownloadPolicy, FileScope, FileStatusKind, NewItem,
};
use shelfmark_test_support::TestServer;

/// A PDF-looking file of `size` bytes.
fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.5\n".to_vec();
    bytes.extend((0..size.saturating_sub(9)).map(|i| (i * 7 % 251) as u8));
    bytes
}

#[derive(Default)]
struct Progress(Mutex<Vec<(String, u64, u64)>>);

impl DownloadListener for Progress {
    fn on_progress(&self, key: String, done: u64, total: u64) {
        self.0.lock().expect("progress").push((key, done, total));
    }
}

#[test]
fn a_file_attached_on_one_device_downloads_with_progress_on_another() {
    let server = TestServer::start();
    let (user_id, key) = server.user("reader@example.org");
    let tablet = Device::new(&server, user_id, &key);
    let phone = Device::new(&server, user_id, &key);

    let item = wait(tablet.library.items().create(NewItem {
        item_type: "book".into(),
        fields: [("title".to_owned(), "Leviathan".to_owned())].into(),
        creators: vec![],
        tags: vec![],
        collections: vec![],
    }))
    .expect("item");
    let small = pdf(300_000);
    let source = tablet.dir.path().join("Leviathan.pdf");
    std::fs::write(&source, &small).expect("source");
    let attachment = wait(
        tablet
            .library
            .files()
            .attach(Some(item.key.clone()), source.display().to_string()),
    )
    .expect("attach");
    assert_eq!(attachment.title, "Leviathan");
    let state = wait(tablet.library.files().state(attachment.key.clone())).expect("state");
    assert_eq!(state.status, FileStatusKind::UploadPending);
    assert_eq!(state.content_type.as_deref(), Some("application/pdf"));
    tablet.sync(None);
    let state = wait(tablet.library.files().state(attachment.key.clone())).expect("state");
    assert_eq!(state.status, FileStatusKind::Downloaded);

    // On the phone (on demand by default) the file waits online.
    phone.sync(None);
    let files = phone.library.files();
    let state = wait(files.state(attachment.key.clone())).expect("state");
    assert_eq!(state.status, FileStatusKind::NotDownloaded);
    let error = wait(files.open(attachment.key.clone())).expect_err("not here yet");
    assert_eq!(error.category(), ErrorCategory::InvalidInput);

    let progress = Arc::new(Progress::default());
    let download = files
        .download(
            vec![attachment.key.clone()],
            phone.download_request(true),
            Some(progress.clone()),
        )
        .expect("download starts");
    let results = wait(download.finished()).expect("results");
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    let events = progress.0.lock().expect("progress").clone();
    let last = events.last().expect("progress was reported");
    assert_eq!(
        (last.1, last.2),
        (small.len() as u64, small.len() as u64),
        "the last event is the whole file"
    );
    let path = wait(files.open(attachment.key.clone())).expect("open");
    assert_eq!(std::fs::read(&path).expect("downloaded"), small);

    // Removing downloads keeps the reference; the file can come back.
    let evicted = wait(files.evict(FileScope::Item {
        key: item.key.clone(),
    }))
    .expect("evict");
    assert_eq!(evicted.files, 1);
    assert_eq!(evicted.bytes, small.len() as u64);
    assert_eq!(
        wait(files.state(attachment.key.clone()))
            .expect("state")
            .status,
        FileStatusKind::NotDownloaded
    );
    assert_eq!(
        wait(phone.library.items().get(item.key.clone()))
            .expect("the reference stays")
            .title,
        "Leviathan"
    );

    // Settings round-trip; an unknown offline collection is refused.
    wait(files.set_download_policy(FileDownloadPolicy::All)).expect("policy");
    wait(files.set_cache_budget(Some(10_000_000))).expect("budget");
    let settings = wait(files.settings()).expect("settings");
    assert_eq!(settings.download, FileDownloadPolicy::All);
    assert_eq!(settings.cache_budget, Some(10_000_000));
    let refused = wait(files.set_download_policy(FileDownloadPolicy::Collections {
        keys: vec!["ZZZZ2345".into()],
    }))
    .expect_err("no such collection");
    assert_eq!(refused.category(), ErrorCategory::NotFound);
    // With "everything", the next sync brings the file back.
    phone.sync(None);
    assert_eq!(
        wait(files.state(attachment.key.clone()))
            .expect("state")
            .status,
        FileStatusKind::Downloaded
    );
}

#[test]
fn a_cancelled_download_ends_cancelled_and_resumes_later() {
    let server = TestServer::start();
    let (user_id, key) = server.user("reader@example.org");
    let tablet = Device::new(&server, user_id, &key);
    let phone = Device::new(&server, user_id, &key);
    let big = pdf(8_000_000);
    let source = tablet.dir.path().join("Atlas.pdf");
    std::fs::write(&source, &big).expect("source");
    let attachment = wait(
        tablet
            .library
            .files()
            .attach(None, source.display().to_string()),
    )
    .expect("attach");
    tablet.sync(None);
    phone.sync(None);

    let files = phone.library.files();
    let download = files
        .download(
            vec![attachment.key.clone()],
            phone.download_request(false),
            None,
        )
        .expect("download starts");
    download.cancel();
    let results = wait(download.finished()).expect("results");
    assert_eq!(results.len(), 1);
    assert!(!results[0].ok);
    assert_eq!(results[0].error_kind.as_deref(), Some("cancelled"));
    assert!(wait(files.open(attachment.key.clone())).is_err());

    let again = files
        .download(
            vec![attachment.key.clone()],
            phone.download_request(true),
            None,
        )
        .expect("download starts");
    let results = wait(again.finished()).expect("results");
    assert!(results[0].ok, "{results:?}");
    let path = wait(files.open(attachment.key.clone())).expect("open");
    assert_eq!(std::fs::read(path).expect("file").len(), big.len());
    let error = wait(again.finished()).expect_err("results are taken once");
    assert_eq!(error.category(), ErrorCategory::InvalidInput);
}
