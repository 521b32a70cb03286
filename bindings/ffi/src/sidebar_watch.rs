//! The sidebar kept current: delivered at once, then again whenever a
//! committed change alters it (counts, collections, saved searches, a group
//! library synced in or removed), with a burst of commits giving one update.

use std::sync::Arc;

use shelfmark_core::Library;

use crate::changes::change_stream;
use crate::error::Result;
use crate::library::LibraryHandle;
use crate::runtime::{blocking, spawn};
use crate::sidebar::{SidebarSection, sidebar_of};
use crate::task::TaskHandle;

/// Hears the sidebar as it changes.
#[uniffi::export(foreign)]
pub trait SidebarListener: Send + Sync {
    /// Called first with the sidebar as it is, then with the whole sidebar
    /// again after each change that alters it. Runs on a background thread.
    fn on_sidebar(&self, sections: Vec<SidebarSection>);
}

async fn read(library: &Library) -> Result<Vec<SidebarSection>> {
    let library = library.clone();
    blocking(move || sidebar_of(&library)).await
}

/// The sidebar's counts come from several reads, so a commit landing
/// between them gives a mix of before and after that never existed.
/// Reading until two reads agree gives the state after the commit.
async fn read_settled(library: &Library) -> Result<Vec<SidebarSection>> {
    let mut last = read(library).await?;
    for _ in 0..4 {
        let again = read(library).await?;
        if again == last {
            break;
        }
        last = again;
    }
    Ok(last)
}

#[uniffi::export]
impl LibraryHandle {
    /// Keeps the sidebar current: `listener` gets `sidebar()` at once and
    /// again whenever a change (here, from an import or a sync) alters it;
    /// commits in quick succession give one call. Keep the handle for as
    /// long as the sidebar is shown.
    pub fn watch_sidebar(&self, listener: Arc<dyn SidebarListener>) -> Result<Arc<TaskHandle>> {
        let (subscription, mut receiver) = change_stream(&self.library);
        let library = self.library.clone();
        let notify = move |sections: Vec<SidebarSection>| {
            let listener = listener.clone();
            tokio::task::spawn_blocking(move || listener.on_sidebar(sections))
        };
        let task = spawn(async move {
            let mut shown = match read_settled(&library).await {
                Ok(sections) => sections,
                Err(e) => return log::warn!("stopped watching the sidebar: {e}"),
            };
            if notify(shown.clone()).await.is_err() {
                return;
            }
            while let Some(changes) = receiver.recv().await {
                let mut any = !changes.is_empty();
                // Several commits in a row (an import, a sync) give one read.
                while let Ok(more) = receiver.try_recv() {
                    any |= !more.is_empty();
                }
                if !any {
                    continue;
                }
                let sections = match read_settled(&library).await {
                    Ok(sections) => sections,
                    Err(e) => return log::warn!("stopped watching the sidebar: {e}"),
                };
                if sections == shown {
                    continue;
                }
                shown = sections;
                if notify(shown.clone()).await.is_err() {
                    return log::warn!("a sidebar listener failed; it will not be called again");
                }
            }
        })?;
        Ok(Arc::new(TaskHandle::new(task, subscription)))
    }
}
