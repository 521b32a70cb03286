//! Attachment files through a real server: upload on one device and
//! on-demand download on another, replacement with If-Match, the `exists`
//! shortcut, resuming a broken download, a corrupted download, a full
//! storage quota, eviction under a budget, and a queued upload surviving a
//! restart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shelfmark_core::Library;
use shelfmark_core::files::{
    CancellationToken, DownloadOptions, DownloadPolicy, FileFilter, FileProgress, FileStatusKind,
    Priority,
};

use crate::support::article;
use crate::support::files::Proxy;
use crate::support::sync::{Device, server_builder, start_server};
use shelfmark_test_support::TestServer;

/// Bytes that look like a PDF, different for each seed.
fn pdf_bytes(size: usize, seed: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 0x1234_5678 ^ u32::from(seed);
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push((x & 0xff) as u8);
    }
    bytes
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write source file");
    path
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(bytes))
}

fn download_options(device: &Device) -> DownloadOptions {
    DownloadOptions {
        credentials: device.options.credentials.clone(),
        priority: Priority::Opened,
        ..DownloadOptions::default()
    }
}

fn download(device: &Device, keys: &[&str]) {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    let outcomes =
        crate::support::sync::block_on(device.download_files(&keys, &download_options(device)))
            .expect("download runs");
    for o in &outcomes {
        assert!(o.ok, "download of {} failed: {:?}", o.key, o.error);
    }
}

fn read_opened(device: &Device, key: &str) -> Vec<u8> {
    std::fs::read(device.open_file(key).expect("file is here")).expect("read stored file")
}

/// A server whose download and upload URLs go through a proxy.
fn proxied_server() -> (TestServer, Proxy) {
    let proxy = Proxy::bind();
    let url = proxy.url();
    let server = server_builder()
        .env("SHELFMARK_PUBLIC_URL", url.as_str())
        .start();
    proxy.forward_to(server.base_url());
    (server, proxy)
}

#[test]
fn upload_on_one_device_download_on_demand_on_another() {
    let server = start_server();
    let (_, key) = server.user("files@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);

    let paper = a
        .create_item(article("On Growth", "Thompson", "1917"))
        .expect("item");
    let bytes = pdf_bytes(300_000, 1);
    let source = write_file(a.dir.path(), "On Growth and Form.pdf", &bytes);
    let attachment = a
        .attach_file(Some(paper.key.as_str()), &source)
        .expect("attach");
    assert_eq!(attachment.field("title"), Some("On Growth and Form"));
    assert_eq!(attachment.field("contentType"), Some("application/pdf"));
    assert_eq!(attachment.field("md5"), Some(md5_hex(&bytes).as_str()));
    let key_a = attachment.key.as_str().to_owned();
    // The copy lives in the library's own folder.
    let stored = a.file_state(&key_a).expect("state");
    assert_eq!(stored.status, FileStatusKind::UploadPending);
    assert!(
        stored
            .path
            .as_ref()
            .expect("path")
            .starts_with(a.attachments_dir())
    );

    let report = a.sync();
    assert_eq!(report.libraries[0].files.uploaded, 1, "{report:#?}");
    assert_eq!(
        a.file_state(&key_a).expect("state").status,
        FileStatusKind::Downloaded
    );

    let report = b.sync();
    assert_eq!(
        report.libraries[0].files.downloaded, 0,
        "on demand by default"
    );
    assert_eq!(
        b.file_state(&key_a).expect("state").status,
        FileStatusKind::NotDownloaded
    );
    assert!(b.open_file(&key_a).is_err(), "nothing to open yet");

    let events: Arc<Mutex<Vec<FileProgress>>> = Arc::default();
    let seen = events.clone();
    let options = DownloadOptions {
        progress: Some(Arc::new(move |p: &FileProgress| {
            seen.lock().expect("events").push(p.clone());
        })),
        ..download_options(&b)
    };
    let outcomes =
        crate::support::sync::block_on(b.download_files(std::slice::from_ref(&key_a), &options))
            .expect("download");
    assert!(outcomes[0].ok, "{outcomes:?}");
    let last = events
        .lock()
        .expect("events")
        .last()
        .cloned()
        .expect("progress");
    assert_eq!(
        (last.done, last.total),
        (bytes.len() as u64, bytes.len() as u64)
    );
    assert_eq!(read_opened(&b, &key_a), bytes);
    let state = b.file_state(&key_a).expect("state");
    assert_eq!(state.status, FileStatusKind::Downloaded);
    assert!(state.last_opened.is_some(), "opening is remembered");

    // The same bytes on another item: the server links them, nothing is sent.
    let other = a
        .create_item(article("Copy", "Thompson", "1917"))
        .expect("item");
    let again = write_file(a.dir.path(), "copy.pdf", &bytes);
    let copy = a
        .attach_file(Some(other.key.as_str()), &again)
        .expect("attach copy");
    let report = a.sync();
    assert_eq!(report.libraries[0].files.linked_existing, 1, "{report:#?}");
    assert_eq!(report.libraries[0].files.uploaded, 0);
    b.sync();
    download(&b, &[copy.key.as_str()]);
    assert_eq!(read_opened(&b, copy.key.as_str()), bytes);

    // A cancelled download keeps the file "not downloaded".
    let third = a.create_item(article("Third", "T", "1917")).expect("item");
    let src = write_file(a.dir.path(), "third.pdf", &pdf_bytes(50_000, 3));
    let att3 = a
        .attach_file(Some(third.key.as_str()), &src)
        .expect("attach");
    a.sync();
    b.sync();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let outcomes = crate::support::sync::block_on(b.download_files(
        &[att3.key.as_str().to_owned()],
        &DownloadOptions {
            cancel,
            ..download_options(&b)
        },
    ))
    .expect("download runs");
    assert!(!outcomes[0].ok);
    assert_eq!(outcomes[0].error_kind.as_deref(), Some("cancelled"));
    assert_eq!(
        b.file_state(att3.key.as_str()).expect("state").status,
        FileStatusKind::NotDownloaded
    );
}

#[test]
fn replacement_uploads_with_if_match_and_reaches_the_other_device() {
    let server = start_server();
    let (_, key) = server.user("replace@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let paper = a
        .create_item(article("Draft", "Doe", "2020"))
        .expect("item");
    let first = pdf_bytes(100_000, 7);
    let source = write_file(a.dir.path(), "draft.pdf", &first);
    let att = a
        .attach_file(Some(paper.key.as_str()), &source)
        .expect("attach");
    let key_a = att.key.as_str().to_owned();
    a.sync();
    b.sync();
    download(&b, &[&key_a]);

    // Edited in another program, in place.
    let second = pdf_bytes(120_000, 8);
    let path = a.open_file(&key_a).expect("path");
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&path, &second).expect("edit");
    assert_eq!(
        a.file_state(&key_a).expect("state").status,
        FileStatusKind::ModifiedLocally
    );
    let report = a.sync();
    assert_eq!(report.libraries[0].files.uploaded, 1, "{report:#?}");
    assert!(report.libraries[0].files.failed.is_empty(), "{report:#?}");
    assert_eq!(
        a.file_state(&key_a).expect("state").status,
        FileStatusKind::Downloaded
    );

    b.sync();
    assert_eq!(
        b.file_state(&key_a).expect("state").status,
        FileStatusKind::ChangedRemotely
    );
    download(&b, &[&key_a]);
    assert_eq!(read_opened(&b, &key_a), second);
    assert_eq!(
        b.get_item(&key_a).expect("item").field("md5"),
        Some(md5_hex(&second).as_str())
    );
    // Device A learns the new md5 from the server and still shows its copy as current.
    a.sync();
    assert_eq!(
        a.file_state(&key_a).expect("state").status,
        FileStatusKind::Downloaded
    );
}

#[test]
fn broken_download_resumes_from_the_received_offset() {
    let (server, proxy) = proxied_server();
    let (_, key) = server.user("resume@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let paper = a.create_item(article("Big", "Doe", "2020")).expect("item");
    let bytes = pdf_bytes(2_000_000, 11);
    let source = write_file(a.dir.path(), "big.pdf", &bytes);
    let att = a
        .attach_file(Some(paper.key.as_str()), &source)
        .expect("attach");
    a.sync();
    b.sync();

    proxy.cut_next_download_after(700_000);
    download(&b, &[att.key.as_str()]);
    let requests = proxy.seen("GET /downloads/");
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].range, None);
    assert_eq!(requests[1].range.as_deref(), Some("bytes=700000-"));
    // Nothing received was fetched twice.
    assert_eq!(proxy.download_body_bytes(), bytes.len() as u64);
    assert_eq!(read_opened(&b, att.key.as_str()), bytes);
}

#[test]
fn corrupted_download_is_detected_and_fetched_again() {
    let (server, proxy) = proxied_server();
    let (_, key) = server.user("corrupt@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let paper = a
        .create_item(article("Noisy", "Doe", "2020"))
        .expect("item");
    let bytes = pdf_bytes(200_000, 12);
    let source = write_file(a.dir.path(), "noisy.pdf", &bytes);
    let att = a
        .attach_file(Some(paper.key.as_str()), &source)
        .expect("attach");
    a.sync();
    b.sync();

    proxy.corrupt_next_download_at(150_000);
    download(&b, &[att.key.as_str()]);
    let requests = proxy.seen("GET /downloads/");
    assert_eq!(
        requests.len(),
        2,
        "fetched again after the bad bytes: {requests:?}"
    );
    assert_eq!(requests[1].range, None, "a corrupt file is fetched whole");
    assert_eq!(read_opened(&b, att.key.as_str()), bytes);
}

#[test]
fn full_storage_fails_the_upload_but_not_the_metadata_sync() {
    let server = start_server();
    let (user, key) = server.user("quota@example.org");
    server.admin(&["quota", "set", "--user", &user.to_string(), "1"]);
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let paper = a
        .create_item(article("Atlas", "Mercator", "1595"))
        .expect("item");
    let source = write_file(a.dir.path(), "atlas.pdf", &pdf_bytes(1_500_000, 21));
    let att = a
        .attach_file(Some(paper.key.as_str()), &source)
        .expect("attach");

    let report = a.sync();
    assert!(report.is_ok(), "metadata sync stands: {report:#?}");
    let files = &report.libraries[0].files;
    assert_eq!(files.failed.len(), 1, "{report:#?}");
    assert_eq!(files.failed[0].error_kind.as_deref(), Some("storage quota"));
    match a.file_state(att.key.as_str()).expect("state").status {
        FileStatusKind::UploadFailed {
            kind,
            reason,
            usage_mb,
            quota_mb,
        } => {
            assert_eq!(kind, "storage quota");
            assert!(reason.contains("storage full"), "{reason}");
            assert_eq!(usage_mb, Some(0.0));
            assert_eq!(quota_mb, Some(1.0));
        }
        other => panic!("expected a failed upload, got {other:?}"),
    }
    let log = a.sync_log(1).expect("log");
    assert_eq!(log[0].outcome, "ok");
    assert_eq!(log[0].error_kind.as_deref(), Some("storage quota"));

    // The metadata reached the other device; the file did not.
    b.sync();
    assert_eq!(b.title(paper.key.as_str()), "Atlas");
    assert_eq!(
        b.file_state(att.key.as_str()).expect("state").status,
        FileStatusKind::NotDownloaded
    );

    // Not retried until something changes.
    let report = a.sync();
    assert!(report.libraries[0].files.failed.is_empty(), "{report:#?}");
    assert_eq!(report.libraries[0].files.uploaded, 0);

    // More room, and a retry asked for: the upload goes through.
    server.admin(&["quota", "set", "--user", &user.to_string(), "10"]);
    assert_eq!(a.retry_file_uploads().expect("retry"), 1);
    let report = a.sync();
    assert_eq!(report.libraries[0].files.uploaded, 1, "{report:#?}");
}

#[test]
fn eviction_respects_the_budget_and_offline_collections() {
    let server = start_server();
    let (_, key) = server.user("evict@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let keep = a.create_collection("Offline", None).expect("collection");
    let mut atts = Vec::new();
    for i in 0..3u8 {
        let item = a
            .create_item(article(&format!("Paper {i}"), "Doe", "2020"))
            .expect("item");
        if i == 0 {
            a.add_to_collection(keep.key.as_str(), &[item.key.as_str()])
                .expect("file it");
        }
        let source = write_file(
            a.dir.path(),
            &format!("paper{i}.pdf"),
            &pdf_bytes(100_000, 30 + i),
        );
        atts.push(
            a.attach_file(Some(item.key.as_str()), &source)
                .expect("attach")
                .key
                .as_str()
                .to_owned(),
        );
    }
    a.sync();

    // Only the offline collection's file comes at sync time.
    b.sync();
    b.set_file_policy(DownloadPolicy::Collections(vec![
        keep.key.as_str().to_owned(),
    ]))
    .expect("policy");
    let report = b.sync();
    assert_eq!(report.libraries[0].files.downloaded, 1, "{report:#?}");
    let status = |k: &str| b.file_state(k).expect("state").status;
    assert_eq!(status(&atts[0]), FileStatusKind::Downloaded);
    assert_eq!(status(&atts[1]), FileStatusKind::NotDownloaded);

    download(&b, &[&atts[1], &atts[2]]);
    b.open_file(&atts[2]).expect("open");
    // 300 kB here, 250 kB allowed: the never-opened file goes first.
    let evicted = b.set_cache_budget(Some(250_000)).expect("budget");
    assert_eq!(evicted.files, 1);
    assert_eq!(status(&atts[1]), FileStatusKind::NotDownloaded);
    assert_eq!(status(&atts[2]), FileStatusKind::Downloaded);
    // Too small for anything: the offline collection's file still stays.
    b.set_cache_budget(Some(50_000)).expect("budget");
    assert_eq!(status(&atts[2]), FileStatusKind::NotDownloaded);
    assert_eq!(status(&atts[0]), FileStatusKind::Downloaded);

    // Bulk removal for the collection; the metadata stays.
    let removed = b
        .evict_files(&FileFilter::Collection(keep.key.as_str().to_owned()))
        .expect("evict");
    assert_eq!(removed.files, 1);
    assert_eq!(status(&atts[0]), FileStatusKind::NotDownloaded);
    assert!(b.get_item(&atts[0]).is_ok());

    // "Everything at sync time", held back on a metered network.
    b.set_cache_budget(None).expect("no budget");
    b.set_file_policy(DownloadPolicy::All).expect("policy");
    b.set_unmetered_only(true).expect("unmetered");
    b.set_network(true).expect("metered");
    let report = b.sync();
    assert!(report.libraries[0].files.held_for_unmetered);
    assert_eq!(report.libraries[0].files.downloaded, 0);
    b.set_network(false).expect("unmetered");
    let report = b.sync();
    assert_eq!(report.libraries[0].files.downloaded, 3, "{report:#?}");
}

#[test]
fn a_queued_upload_resumes_after_a_restart() {
    let (server, proxy) = proxied_server();
    let (_, key) = server.user("restart@example.org");
    let mut a = Device::new(&server, &key);
    let paper = a
        .create_item(article("Queued", "Doe", "2020"))
        .expect("item");
    let bytes = pdf_bytes(80_000, 40);
    let source = write_file(a.dir.path(), "queued.pdf", &bytes);
    let att = a
        .attach_file(Some(paper.key.as_str()), &source)
        .expect("attach");

    // The connection to the upload URL drops: the file stays queued.
    proxy.drop_next_uploads(10);
    let report = a.sync();
    assert_eq!(report.libraries[0].files.failed.len(), 1, "{report:#?}");
    assert!(matches!(
        a.file_state(att.key.as_str()).expect("state").status,
        FileStatusKind::UploadFailed { .. }
    ));
    proxy.drop_next_uploads(0);

    // The app restarts; after the back-off the next sync uploads it.
    let path = a.library.path().to_owned();
    a.library = Library::open(&path).expect("reopen");
    std::thread::sleep(Duration::from_millis(5_500));
    let report = a.sync_with_kept_key();
    assert_eq!(report.libraries[0].files.uploaded, 1, "{report:#?}");
    assert_eq!(
        a.file_state(att.key.as_str()).expect("state").status,
        FileStatusKind::Downloaded
    );

    let b = Device::new(&server, &key);
    b.sync();
    download(&b, &[att.key.as_str()]);
    assert_eq!(read_opened(&b, att.key.as_str()), bytes);
}
