//! Attachment files kept current: which attachments' files changed state on
//! this device (a download started, progressed or finished, a file removed
//! or waiting for upload), so that rows showing a file's state read it
//! again. These are device changes, not library changes: `subscribe` and
//! the list and sidebar watches do not hear them.

use std::collections::BTreeSet;
use std::sync::Arc;

use shelfmark_core::{Library, ObjectKind};
use tokio::sync::mpsc::unbounded_channel;

use crate::error::Result;
use crate::library::LibraryHandle;
use crate::runtime::spawn;
use crate::task::TaskHandle;

/// Hears which attachments' files changed state.
#[uniffi::export(foreign)]
pub trait FileListener: Send + Sync {
    /// Called after changes to files of this library, with the keys of the
    /// attachments whose file state changed (each once, sorted); changes in
    /// quick succession give one call. Runs on a background thread.
    fn on_files_changed(&self, attachment_keys: Vec<String>);
}

/// Delivers the file changes of `library` (its own library only, not the
/// other libraries of the file) to `listener`.
pub(crate) fn watch_library_files(
    library: &Library,
    listener: Arc<dyn FileListener>,
) -> Result<TaskHandle> {
    let (sender, mut receiver) = unbounded_channel();
    let library_id = library.id();
    let subscription = library.subscribe_files(move |changes| {
        let keys: Vec<String> = changes
            .changes
            .iter()
            .filter(|c| c.library_id == library_id && c.object == ObjectKind::Item)
            .map(|c| c.key.to_string())
            .collect();
        if !keys.is_empty() {
            // A closed channel means the watcher is gone; nothing to do.
            let _ = sender.send(keys);
        }
    });
    let task = spawn(async move {
        while let Some(first) = receiver.recv().await {
            let mut keys: BTreeSet<String> = first.into_iter().collect();
            // A download writes its progress every few hundred milliseconds
            // and several downloads run at once: what waits goes in one call.
            while let Ok(more) = receiver.try_recv() {
                keys.extend(more);
            }
            let listener = listener.clone();
            let keys: Vec<String> = keys.into_iter().collect();
            if tokio::task::spawn_blocking(move || listener.on_files_changed(keys))
                .await
                .is_err()
            {
                return log::warn!("a file listener failed; it will not be called again");
            }
        }
    })?;
    Ok(TaskHandle::new(task, subscription))
}

#[uniffi::export]
impl LibraryHandle {
    /// Tells `listener` which attachments' files changed state on this
    /// device (downloaded, downloading, removed, waiting for upload…), for
    /// this library. Read their states again with `files().states(...)`.
    /// Keep the handle for as long as file states are shown.
    pub fn watch_files(&self, listener: Arc<dyn FileListener>) -> Result<Arc<TaskHandle>> {
        watch_library_files(&self.library, listener).map(Arc::new)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::mpsc::{Receiver, Sender, channel};
    use std::time::Duration;

    use shelfmark_core::protocol::ItemData;

    use super::*;

    struct Heard(Mutex<Sender<Vec<String>>>);

    impl FileListener for Heard {
        fn on_files_changed(&self, attachment_keys: Vec<String>) {
            let _ = self
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .send(attachment_keys);
        }
    }

    fn listener() -> (Arc<dyn FileListener>, Receiver<Vec<String>>) {
        let (sender, receiver) = channel();
        (Arc::new(Heard(Mutex::new(sender))), receiver)
    }

    #[test]
    fn a_file_added_here_is_heard_and_an_item_edit_is_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let library = Library::create(dir.path().join("lib.shelfmark")).expect("library");
        let (listener, heard) = listener();
        let _watch = watch_library_files(&library, listener).expect("watch");

        let mut book = ItemData::new("book");
        book.set_field("title", "Middlemarch");
        let book = library.create_item(book).expect("item");
        assert!(
            heard.recv_timeout(Duration::from_millis(300)).is_err(),
            "an item without a file changes no file state"
        );

        let source = dir.path().join("middlemarch.txt");
        std::fs::write(&source, b"Miss Brooke").expect("source");
        let attachment = library
            .attach_file(Some(book.key.as_str()), &source)
            .expect("attach");
        let keys = heard
            .recv_timeout(Duration::from_secs(10))
            .expect("the attachment's file change");
        assert_eq!(keys, vec![attachment.key.to_string()]);
    }
}
