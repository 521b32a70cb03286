//! Devices for the facade's tests: library files opened through the facade
//! that sync with a real server process, awaited as an app's executor would.
#![allow(dead_code)]

use std::sync::Arc;

use shelfmark_ffi::{
    DownloadRequest, FieldValue, KeyStorage, LibraryHandle, LibraryOptions, NewItem, SyncListener,
    SyncRequest, SyncResult, SyncSummary, create_library,
};
use shelfmark_test_support::TestServer;

/// Runs a future to completion on this thread (not the library's runtime).
pub fn wait<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("executor")
        .block_on(future)
}

/// One device's library, signed in to `server` as one user.
pub struct Device {
    pub library: Arc<LibraryHandle>,
    /// The first sync's request: server, user and key.
    pub request: SyncRequest,
    pub dir: tempfile::TempDir,
}

impl Device {
    pub fn new(server: &TestServer, user_id: u64, key: &str) -> Self {
        let dir = tempfile::tempdir().expect("device directory");
        let path = dir.path().join("papers.shelfmark").display().to_string();
        let library = wait(create_library(path, LibraryOptions::default())).expect("library");
        let request = SyncRequest {
            server_url: Some(server.base_url().to_owned()),
            user_id: Some(user_id),
            api_key: Some(key.to_owned()),
            key_storage: key_storage(&dir),
            confirm_deletions: false,
        };
        Self {
            library,
            request,
            dir,
        }
    }

    /// Syncs with the key given (signing in on the first sync).
    pub fn sync(&self, listener: Option<Arc<dyn SyncListener>>) -> SyncSummary {
        self.sync_with(self.request.clone(), listener)
    }

    /// Syncs with the key kept by an earlier sync, as later syncs do.
    pub fn sync_kept(&self, listener: Option<Arc<dyn SyncListener>>) -> SyncSummary {
        let request = SyncRequest {
            api_key: None,
            ..self.request.clone()
        };
        self.sync_with(request, listener)
    }

    fn sync_with(
        &self,
        request: SyncRequest,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> SyncSummary {
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

    /// Creates a journal article; its key.
    pub fn create(&self, title: &str) -> String {
        wait(self.library.items().create(NewItem {
            item_type: "journalArticle".into(),
            fields: [("title".to_owned(), title.to_owned())].into(),
            creators: vec![],
            tags: vec![],
            collections: vec![],
        }))
        .expect("create")
        .key
    }

    pub fn title(&self, key: &str) -> String {
        wait(self.library.items().get(key.to_owned()))
            .expect("item")
            .title
    }

    pub fn set_title(&self, key: &str, title: &str) {
        wait(self.library.items().set_fields(
            key.to_owned(),
            vec![FieldValue {
                name: "title".into(),
                value: title.into(),
            }],
        ))
        .expect("edit");
    }

    /// A download request using this device's kept key.
    pub fn download_request(&self, opened: bool) -> DownloadRequest {
        DownloadRequest {
            opened,
            key_storage: key_storage(&self.dir),
        }
    }
}

fn key_storage(dir: &tempfile::TempDir) -> KeyStorage {
    KeyStorage::File {
        path: dir.path().join("credentials").display().to_string(),
    }
}
