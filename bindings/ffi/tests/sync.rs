//! Sync through the facade against a real server process: sign in, sync two
//! libraries, make a conflict, resolve it, and read the status, log and
//! conflict history the way an app would.

mod devices;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use devices::{Device, wait};
use shelfmark_ffi::{
    AutoSyncListener, AutoSyncSettings, ConflictChoice, ErrorCategory, LibraryOptions, NewItem,
    SyncListener, SyncProgressEvent, SyncRequest, SyncResetMode, SyncResult, SyncStage,
    SyncSummary, create_library,
};
use shelfmark_test_support::TestServer;

#[derive(Default)]
struct Recorder {
    stages: Mutex<Vec<SyncStage>>,
    conflicts: Mutex<Vec<u64>>,
}

impl SyncListener for Recorder {
    fn on_progress(&self, event: SyncProgressEvent) {
        self.stages.lock().expect("stages").push(event.stage);
    }
    fn on_conflicts(&self, count: u64) {
        self.conflicts.lock().expect("conflicts").push(count);
    }
}

#[test]
fn two_devices_sync_and_resolve_a_conflict_through_the_facade() {
    let server = TestServer::start();
    let (user_id, key) = server.user("reader@example.org");
    let tablet = Device::new(&server, user_id, &key);
    let phone = Device::new(&server, user_id, &key);

    let created = wait(tablet.library.items().create(NewItem {
        item_type: "journalArticle".into(),
        fields: [("title".to_owned(), "Tidal rhythms".to_owned())].into(),
        creators: vec![],
        tags: vec![],
        collections: vec![],
    }))
    .expect("create");

    // First syncs sign in with the key; the phone receives the article.
    let first =
        wait(tablet.library.sync().sync_now(tablet.request.clone(), None)).expect("first sync");
    assert_eq!(first.libraries[0].uploaded.items, 1);
    let recorder = Arc::new(Recorder::default());
    let phone_first = wait(
        phone
            .library
            .sync()
            .sync_now(phone.request.clone(), Some(recorder.clone())),
    )
    .expect("phone's first sync");
    assert_eq!(phone_first.libraries[0].downloaded.items, 1);
    assert_eq!(phone.title(&created.key), "Tidal rhythms");
    let stages = recorder.stages.lock().expect("stages").clone();
    assert_eq!(stages.first(), Some(&SyncStage::Connecting));
    assert_eq!(stages.last(), Some(&SyncStage::Done));

    let account = wait(phone.library.sync().account())
        .expect("account")
        .expect("bound");
    assert_eq!(account.user_id, user_id);
    assert_eq!(account.server_url, server.base_url());

    // Both change the title; the second to sync has a conflict.
    tablet.set_title(&created.key, "Tidal rhythms in estuaries");
    phone.set_title(&created.key, "Tidal rhythms (review)");
    tablet.sync_kept(None);
    let recorder = Arc::new(Recorder::default());
    let summary = phone.sync_kept(Some(recorder.clone()));
    assert_eq!(summary.libraries[0].result, SyncResult::Conflicts);
    assert_eq!(*recorder.conflicts.lock().expect("conflicts"), vec![1]);

    let conflicts = wait(phone.library.sync().conflicts()).expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.key, created.key);
    let title = conflict
        .fields
        .iter()
        .find(|f| f.field == "title")
        .expect("title conflicts");
    assert_eq!(title.local.as_deref(), Some("Tidal rhythms (review)"));
    assert_eq!(title.remote.as_deref(), Some("Tidal rhythms in estuaries"));

    // Resolve with a value of the user's own; both devices end with it.
    wait(phone.library.sync().resolve(
        conflict.library_id,
        created.key.clone(),
        ConflictChoice::Values {
            values: HashMap::from([(
                "title".to_owned(),
                "Tidal rhythms in estuaries (review)".to_owned(),
            )]),
        },
    ))
    .expect("resolve");
    assert!(
        wait(phone.library.sync().conflicts())
            .expect("conflicts")
            .is_empty()
    );
    phone.sync_kept(None);
    tablet.sync_kept(None);
    assert_eq!(
        tablet.title(&created.key),
        "Tidal rhythms in estuaries (review)"
    );

    // The versions not chosen stay in the history.
    let history = wait(phone.library.sync().conflict_history()).expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].chosen, "fields");
    assert!(
        history[0]
            .remote_json
            .contains("Tidal rhythms in estuaries")
    );
    assert!(history[0].local_json.contains("Tidal rhythms (review)"));

    let status = wait(phone.library.sync().status()).expect("status");
    assert!(status[0].version > 0);
    assert_eq!(status[0].unsynced, 0);
    assert_eq!(status[0].conflicts, 0);
    let log = wait(phone.library.sync().log(10)).expect("log");
    assert!(log.len() >= 3, "{log:#?}");
    assert_eq!(log[0].outcome, "ok");
}

#[test]
fn a_wrong_key_is_an_auth_error_and_binds_nothing() {
    let server = TestServer::start();
    let (user_id, _key) = server.user("reader@example.org");
    let device = Device::new(&server, user_id, "0123456789abcdefghijklmn");
    let error =
        wait(device.library.sync().sync_now(device.request.clone(), None)).expect_err("refused");
    assert_eq!(error.category(), ErrorCategory::Auth);
    assert!(
        !error.to_string().contains("0123456789abcdefghijklmn"),
        "the key is never shown: {error}"
    );
    assert!(
        wait(device.library.sync().account())
            .expect("account")
            .is_none()
    );
}

#[test]
fn resolving_a_key_without_a_conflict_is_not_found() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("lib.shelfmark").display().to_string();
    let library = wait(create_library(path, LibraryOptions::default())).expect("library");
    let error = wait(
        library
            .sync()
            .resolve(1, "ABCD2345".into(), ConflictChoice::KeepLocal),
    )
    .expect_err("no conflict");
    assert_eq!(error.category(), ErrorCategory::NotFound);
    let error = wait(library.sync().resolve_all(ConflictChoice::Values {
        values: HashMap::new(),
    }))
    .expect_err("values need an object");
    assert_eq!(error.category(), ErrorCategory::InvalidInput);
}

#[derive(Default)]
struct AutoRecorder {
    synced: Mutex<Vec<SyncSummary>>,
    failed: Mutex<Vec<(ErrorCategory, String)>>,
}

impl AutoSyncListener for AutoRecorder {
    fn on_synced(&self, summary: SyncSummary) {
        self.synced.lock().expect("synced").push(summary);
    }
    fn on_failed(&self, category: ErrorCategory, message: String) {
        self.failed
            .lock()
            .expect("failed")
            .push((category, message));
    }
}

/// Waits up to `seconds` for `done`.
fn eventually(seconds: u64, done: impl Fn() -> bool) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while std::time::Instant::now() < until {
        if done() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    done()
}

#[test]
fn automatic_sync_runs_at_start_after_edits_and_on_closing() {
    let server = TestServer::start();
    let (user_id, key) = server.user("reader@example.org");
    let tablet = Device::new(&server, user_id, &key);
    let phone = Device::new(&server, user_id, &key);
    let article = tablet.create("Tidal rhythms");
    wait(tablet.library.sync().sync_now(tablet.request.clone(), None)).expect("tablet signs in");

    let recorder = Arc::new(AutoRecorder::default());
    let auto = phone
        .library
        .sync()
        .start_auto_sync(
            phone.request.clone(),
            AutoSyncSettings {
                interval_seconds: 3600,
                debounce_seconds: 1,
            },
            Some(recorder.clone()),
        )
        .expect("auto sync starts");
    // It syncs at once: the phone receives the article.
    assert!(
        eventually(30, || !recorder.synced.lock().expect("synced").is_empty()),
        "no sync at start: {:?}",
        recorder.failed.lock().expect("failed")
    );
    assert_eq!(phone.title(&article), "Tidal rhythms");

    // An edit is synced a moment later without being asked.
    // (Counted from the edit: the live-updates stream may have run a sync
    // of its own when it connected.)
    let synced_before_edit = recorder.synced.lock().expect("synced").len();
    phone.set_title(&article, "Tidal rhythms, revisited");
    assert!(
        eventually(30, || recorder.synced.lock().expect("synced").len()
            > synced_before_edit),
        "no sync after the edit"
    );
    assert!(
        eventually(30, || {
            tablet.sync_kept(None);
            tablet.title(&article) == "Tidal rhythms, revisited"
        }),
        "the edit did not reach the server"
    );

    // Closing syncs once more and stops.
    let note = phone.create("Written before closing");
    let last = wait(auto.app_closing()).expect("last sync");
    assert!(
        last.libraries
            .iter()
            .all(|l| l.result != SyncResult::Failed)
    );
    assert!(!auto.is_running());
    tablet.sync_kept(None);
    assert_eq!(tablet.title(&note), "Written before closing");
    assert!(recorder.failed.lock().expect("failed").is_empty());

    let invalid = phone
        .library
        .sync()
        .start_auto_sync(
            phone.request.clone(),
            AutoSyncSettings {
                interval_seconds: 0,
                debounce_seconds: 1,
            },
            None,
        )
        .expect_err("a zero interval is refused");
    assert_eq!(invalid.category(), ErrorCategory::InvalidInput);
}

#[test]
fn reset_download_backs_up_first_and_trashes_what_only_this_device_has() {
    let server = TestServer::start();
    let (user_id, key) = server.user("reader@example.org");
    let tablet = Device::new(&server, user_id, &key);
    let phone = Device::new(&server, user_id, &key);
    let shared = tablet.create("Shared article");
    wait(tablet.library.sync().sync_now(tablet.request.clone(), None)).expect("tablet signs in");
    wait(phone.library.sync().sync_now(phone.request.clone(), None)).expect("phone signs in");
    let local_only = phone.create("Only on the phone");

    let report = wait(phone.library.sync().reset_sync(
        SyncResetMode::Download,
        SyncRequest {
            api_key: None,
            ..phone.request.clone()
        },
        None,
    ))
    .expect("reset");
    assert_eq!(report.mode, SyncResetMode::Download);
    assert!(
        std::path::Path::new(&report.backup_path).exists(),
        "backup at {}",
        report.backup_path
    );
    assert_eq!(phone.title(&shared), "Shared article");
    let trash = wait(phone.library.items().trash_contents()).expect("trash");
    assert!(
        trash.items.iter().any(|i| i.key == local_only),
        "the phone-only item waits in the trash"
    );
    assert!(!phone.library.sync().cancel(), "no sync is running");
}

/// Stops the sync it listens to as soon as it starts.
struct CancelOnStart(Arc<shelfmark_ffi::SyncManager>);

impl SyncListener for CancelOnStart {
    fn on_progress(&self, _event: SyncProgressEvent) {
        self.0.cancel();
    }
    fn on_conflicts(&self, _count: u64) {}
}

#[test]
fn a_cancelled_sync_fails_as_cancelled_and_the_next_one_completes() {
    let server = TestServer::start();
    let (user_id, key) = server.user("reader@example.org");
    let tablet = Device::new(&server, user_id, &key);
    let phone = Device::new(&server, user_id, &key);
    let article = tablet.create("Tidal rhythms");
    wait(tablet.library.sync().sync_now(tablet.request.clone(), None)).expect("tablet signs in");

    let sync = phone.library.sync();
    let stopper: Arc<dyn SyncListener> = Arc::new(CancelOnStart(phone.library.sync()));
    let error = wait(sync.sync_now(phone.request.clone(), Some(stopper))).expect_err("cancelled");
    assert_eq!(error.category(), ErrorCategory::Cancelled, "{error}");
    assert!(!sync.cancel(), "nothing runs after it stopped");

    let summary = wait(sync.sync_now(phone.request.clone(), None)).expect("next sync");
    assert_eq!(summary.libraries[0].downloaded.items, 1);
    assert_eq!(phone.title(&article), "Tidal rhythms");
}

#[test]
fn signing_in_with_a_password_syncs_and_signing_out_revokes_the_key() {
    let server = TestServer::start();
    let (user_id, _) = server.user("iris@example.org");

    // What an app's sign-in screen shows for each mistake.
    let wrong = wait(shelfmark_ffi::sign_in(
        server.base_url().to_owned(),
        "iris@example.org".into(),
        "wrong".into(),
        "Iris's iPad".into(),
    ))
    .expect_err("wrong password");
    assert_eq!(wrong.category(), ErrorCategory::Auth);
    assert_eq!(wrong.to_string(), "Wrong e-mail address or password.");
    let malformed = wait(shelfmark_ffi::sign_in(
        "not an address".into(),
        "iris@example.org".into(),
        "secret pass".into(),
        String::new(),
    ))
    .expect_err("malformed");
    assert_eq!(malformed.category(), ErrorCategory::InvalidInput);
    assert!(
        malformed.to_string().contains("server address"),
        "{malformed}"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let unreachable = wait(shelfmark_ffi::sign_in(
        format!("http://{closed}"),
        "iris@example.org".into(),
        "secret pass".into(),
        String::new(),
    ))
    .expect_err("unreachable");
    assert_eq!(unreachable.category(), ErrorCategory::Network);

    let account = wait(shelfmark_ffi::sign_in(
        format!("{}/", server.base_url()),
        "iris@example.org".into(),
        "secret pass".into(),
        "Iris's iPad".into(),
    ))
    .expect("signed in");
    assert_eq!(account.server_url, server.base_url());
    assert_eq!(account.user_id, user_id);
    assert_eq!(account.key_name, "Iris's iPad");

    // The key goes into the first sync as any key would.
    let device = Device::new(&server, account.user_id, &account.api_key);
    device.create("Signed in on the iPad");
    let first = device.sync(None);
    assert_eq!(first.libraries[0].uploaded.items, 1);

    wait(
        device
            .library
            .sync()
            .sign_out(device.request.key_storage.clone()),
    )
    .expect("sign out");
    assert!(
        wait(device.library.sync().account())
            .expect("account")
            .is_none()
    );
    let (status, _) = server.call(
        &account.api_key,
        reqwest::Method::GET,
        &format!("/users/{user_id}/items"),
        None,
    );
    assert_eq!(status, 403, "the iPad's key is revoked on the server");
}
