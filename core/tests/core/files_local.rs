//! Attachment files on one device, without a server: adding files, what a
//! bad request leaves behind (nothing), linked files, backups including the
//! store, and policies.

use shelfmark_core::files::{DownloadPolicy, FileFilter, FileStatusKind};
use shelfmark_core::protocol::LinkMode;
use shelfmark_core::{NewAttachment, OpenOptions};

use crate::support::{article, new_library};

#[test]
fn attaching_copies_hashes_and_sniffs_the_file() {
    let lib = new_library();
    let item = lib
        .create_item(article("Ulysses", "Joyce", "1922"))
        .expect("item");
    // An EPUB under a misleading extension is still recognised by content.
    let mut epub = b"PK\x03\x04\x14\0\0\0\0\0".to_vec();
    epub.extend_from_slice(b"mimetypeapplication/epub+zip");
    epub.extend(std::iter::repeat_n(7u8, 4096));
    let source = lib.dir.path().join("ulysses.bin");
    std::fs::write(&source, &epub).expect("source");

    let att = lib
        .attach_file(Some(item.key.as_str()), &source)
        .expect("attach");
    assert_eq!(att.field("contentType"), Some("application/epub+zip"));
    assert_eq!(att.field("title"), Some("ulysses"));
    assert_eq!(att.field("filename"), Some("ulysses.bin"));
    assert_eq!(att.field("linkMode"), Some("imported_file"));
    assert!(att.mtime.is_some());

    let state = lib.file_state(att.key.as_str()).expect("state");
    assert_eq!(state.status, FileStatusKind::UploadPending);
    let path = state.path.expect("stored copy");
    assert!(path.starts_with(lib.attachments_dir()));
    assert_eq!(std::fs::read(&path).expect("copy"), epub);
    // The original is untouched and separate.
    std::fs::remove_file(&source).expect("remove original");
    assert!(path.exists());

    // Listed by item and for the whole library.
    let by_item = lib
        .file_states(&FileFilter::Item(item.key.as_str().to_owned()))
        .expect("states");
    assert_eq!(by_item.len(), 1);
    assert_eq!(lib.file_states(&FileFilter::All).expect("all").len(), 1);
}

#[test]
fn a_refused_attachment_leaves_nothing_behind() {
    let lib = new_library();
    let source = lib.dir.path().join("paper.pdf");
    std::fs::write(&source, b"%PDF-1.4 test").expect("source");

    let err = lib
        .attach_file(Some("ZZZZ9999"), &source)
        .expect_err("no such parent");
    assert!(err.to_string().contains("ZZZZ9999"), "{err}");
    let missing = lib
        .attach_file(None, lib.dir.path().join("nowhere.pdf"))
        .expect_err("no such file");
    assert!(missing.to_string().contains("nowhere.pdf"), "{missing}");

    assert!(
        lib.file_states(&FileFilter::All)
            .expect("states")
            .is_empty()
    );
    let stored: Vec<_> = walk(&lib.attachments_dir())
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains(".partial"))
        .collect();
    assert!(stored.is_empty(), "{stored:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn linked_files_stay_links() {
    let lib = new_library();
    let item = lib
        .create_item(article("Map", "Snow", "1854"))
        .expect("item");
    let mut link = NewAttachment::new(LinkMode::LinkedFile);
    link.path = Some("/home/me/map.pdf".into());
    let att = lib
        .add_attachment(Some(item.key.as_str()), link)
        .expect("link");
    let state = lib.file_state(att.key.as_str()).expect("state");
    assert_eq!(state.status, FileStatusKind::Linked);
    assert!(lib.open_file(att.key.as_str()).is_err());
    // Not part of the store's listing of files.
    assert!(lib.file_states(&FileFilter::All).expect("all").is_empty());
}

#[test]
fn backups_include_the_attachment_store() {
    let lib = new_library();
    let item = lib
        .create_item(article("Atlas", "Mercator", "1595"))
        .expect("item");
    let source = lib.dir.path().join("atlas.pdf");
    std::fs::write(&source, b"%PDF-1.4 atlas").expect("source");
    let att = lib
        .attach_file(Some(item.key.as_str()), &source)
        .expect("attach");
    let archive = lib.dir.path().join("backup.tar.gz");
    let report = lib.backup(&archive).expect("backup");
    assert_eq!(report.attachments, 1);

    let restored = lib.dir.path().join("restored.shelfmark");
    let back =
        shelfmark_core::restore(&archive, &restored, &OpenOptions::default()).expect("restore");
    let path = back.open_file(att.key.as_str()).expect("restored file");
    assert_eq!(std::fs::read(path).expect("read"), b"%PDF-1.4 atlas");
}

#[test]
fn policies_are_kept_and_checked() {
    let lib = new_library();
    let c = lib.create_collection("Reading", None).expect("collection");
    assert_eq!(
        lib.file_policy().expect("policy").download,
        DownloadPolicy::OnDemand
    );
    lib.set_file_policy(DownloadPolicy::Collections(vec![c.key.as_str().to_owned()]))
        .expect("set");
    lib.set_unmetered_only(true).expect("unmetered");
    let p = lib.file_policy().expect("policy");
    assert_eq!(
        p.download,
        DownloadPolicy::Collections(vec![c.key.as_str().to_owned()])
    );
    assert!(p.unmetered_only);
    assert!(
        lib.set_file_policy(DownloadPolicy::Collections(vec!["ABCD2345".into()]))
            .is_err(),
        "an unknown collection is refused"
    );
    assert_eq!(
        lib.file_policy().expect("policy").download,
        p.download,
        "nothing changed by the refused request"
    );
    lib.set_network(true).expect("metered");
    assert!(lib.network_metered().expect("network"));
}

#[test]
fn emptying_the_trash_removes_stored_files_and_keeps_linked_ones() {
    let lib = new_library();
    let item = lib
        .create_item(article("Cholera", "Snow", "1855"))
        .expect("item");
    let source = lib.dir.path().join("cholera.pdf");
    std::fs::write(&source, b"%PDF-1.4 broad street").expect("source");
    let stored = lib
        .attach_file(Some(item.key.as_str()), &source)
        .expect("attach");
    let stored_path = lib
        .file_state(stored.key.as_str())
        .expect("state")
        .path
        .expect("stored copy");
    let own_file = lib.dir.path().join("pump.pdf");
    std::fs::write(&own_file, b"%PDF-1.4 the user's own").expect("own file");
    let mut link = NewAttachment::new(LinkMode::LinkedFile);
    link.path = Some(own_file.to_string_lossy().into_owned());
    lib.add_attachment(Some(item.key.as_str()), link)
        .expect("link");
    // A file of another item stays.
    let other = lib
        .create_item(article("Kept", "Nightingale", "1858"))
        .expect("other");
    let kept = lib
        .attach_file(Some(other.key.as_str()), &source)
        .expect("attach kept");
    let kept_path = lib
        .file_state(kept.key.as_str())
        .expect("state")
        .path
        .expect("kept copy");

    lib.trash_items(&[item.key.as_str()]).expect("trash");
    assert!(stored_path.exists(), "in the trash, the file stays");
    let report = lib.empty_trash().expect("empty");
    assert_eq!(report.items, 3, "the item with its two attachments");

    assert!(!stored_path.exists(), "the stored copy went with its item");
    assert!(
        !stored_path.parent().expect("item folder").exists(),
        "and its folder"
    );
    assert!(own_file.exists(), "a linked file is the user's own");
    assert!(kept_path.exists());
    let states = lib.file_states(&FileFilter::All).expect("states");
    assert_eq!(states.len(), 1, "{states:#?}");
    assert_eq!(states[0].key, kept.key.as_str());
}

#[test]
fn a_download_cut_off_by_a_stopped_app_is_not_shown_running() {
    let lib = new_library();
    let item = lib
        .create_item(article("Interrupted", "Ames", "2001"))
        .expect("item");
    let source = lib.dir.path().join("paper.pdf");
    std::fs::write(&source, b"%PDF-1.4 interrupted").expect("source");
    let att = lib
        .attach_file(Some(item.key.as_str()), &source)
        .expect("attach");
    let path = lib.path().to_owned();
    let key = att.key.as_str().to_owned();
    let crate::support::TestLibrary { library, dir } = lib;
    drop(library);
    {
        // As a download stopped halfway leaves the file.
        let conn = rusqlite::Connection::open(&path).expect("open");
        let marked = conn
            .execute(
                "UPDATE attachment_files SET downloading = 1, bytes_done = 10, bytes_total = 20,
                     upload_pending = 0 WHERE item_key = ?1",
                [&key],
            )
            .expect("mark");
        assert_eq!(marked, 1);
    }
    let reopened = shelfmark_core::Library::open(&path).expect("reopen");
    let state = reopened.file_state(&key).expect("state");
    assert!(
        !matches!(state.status, FileStatusKind::Downloading { .. }),
        "{:?}",
        state.status
    );
    drop(dir);
}

#[test]
fn file_subscribers_hear_which_attachments_files_changed() {
    use std::sync::{Arc, Mutex};
    let lib = new_library();
    let heard: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = heard.clone();
    let _subscription = lib.subscribe_files(move |changes| {
        let mut heard = sink.lock().unwrap_or_else(|p| p.into_inner());
        heard.extend(changes.changes.iter().map(|c| c.key.to_string()));
    });
    let item = lib
        .create_item(article("Dubliners", "Joyce", "1914"))
        .expect("item");
    assert!(
        heard.lock().expect("heard").is_empty(),
        "an item without a file changes no file state"
    );

    let source = lib.dir.path().join("dubliners.txt");
    std::fs::write(&source, b"Eveline").expect("source");
    let att = lib
        .attach_file(Some(item.key.as_str()), &source)
        .expect("attach");
    assert_eq!(*heard.lock().expect("heard"), vec![att.key.to_string()]);
}
