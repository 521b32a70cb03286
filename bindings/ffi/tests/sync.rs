//! Sync through the facade against a real server process: sign in, sync two
//! libraries, make a conflict, resolve it, and read the status, log and
//! conflict history the way an app would.

#[path = "../../../core/tests/sync_support/mod.rs"]
mod sync_support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use shelfmark_ffi::{
    ConflictChoice, ErrorCategory, FieldValue, KeyStorage, LibraryHandle, LibraryOptions, NewItem,
    SyncListener, SyncProgressEvent, SyncRequest, SyncResult, SyncStage, create_library,
};
use sync_support::Server;

fn wait<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("executor")
        .block_on(future)
}

struct Device {
    library: Arc<LibraryHandle>,
    request: SyncRequest,
    _dir: tempfile::TempDir,
}

impl Device {
    fn new(server: &Server, user_id: u64, key: &str) -> Self {
        let dir = tempfile::tempdir().expect("device directory");
        let path = dir.path().join("phone.shelfmark").display().to_string();
        let library = wait(create_library(path, LibraryOptions::default())).expect("library");
        let request = SyncRequest {
            server_url: Some(server.base_url.clone()),
            user_id: Some(user_id),
            api_key: Some(key.to_owned()),
            key_storage: KeyStorage::File {
                path: dir.path().join("credentials").display().to_string(),
            },
            confirm_deletions: false,
        };
        Self {
            library,
            request,
            _dir: dir,
        }
    }

    /// Syncs with the key kept by the first sync, as later syncs do.
    fn sync(&self, listener: Option<Arc<dyn SyncListener>>) -> shelfmark_ffi::SyncSummary {
        let request = SyncRequest {
            api_key: None,
            ..self.request.clone()
        };
        let summary = wait(self.library.sync().sync_now(request, listener)).expect("sync");
        assert!(
            summary
                .libraries
                .iter()
                .all(|l| l.result != SyncResult::Failed),
            "{summary:#?}"
        );
        summary
    }

    fn title(&self, key: &str) -> String {
        wait(self.library.items().get(key.to_owned()))
            .expect("item")
            .title
    }

    fn set_title(&self, key: &str, title: &str) {
        wait(self.library.items().set_fields(
            key.to_owned(),
            vec![FieldValue {
                name: "title".into(),
                value: title.into(),
            }],
        ))
        .expect("edit");
    }
}

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
    let server = Server::start();
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
    assert_eq!(account.server_url, server.base_url);

    // Both change the title; the second to sync has a conflict.
    tablet.set_title(&created.key, "Tidal rhythms in estuaries");
    phone.set_title(&created.key, "Tidal rhythms (review)");
    tablet.sync(None);
    let recorder = Arc::new(Recorder::default());
    let summary = phone.sync(Some(recorder.clone()));
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
    phone.sync(None);
    tablet.sync(None);
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
    let server = Server::start();
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
