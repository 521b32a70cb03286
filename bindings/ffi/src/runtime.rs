//! The one tokio runtime behind every binding call. Async calls hand their
//! SQLite work to its blocking pool and await it, so the caller's thread
//! (an app's main thread) never runs a query; listener tasks run on it too.

use std::future::Future;
use std::sync::OnceLock;

use shelfmark_core::Library;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use crate::error::{ErrorCategory, Result, ShelfmarkError};

/// Built once, on first use; a failure to start is kept and reported on
/// every call rather than retried.
static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// The shared runtime, started on first use.
pub(crate) fn runtime() -> Result<&'static Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                // Phones have few cores to spare; the real work is on the blocking pool.
                .worker_threads(2)
                .thread_name("shelfmark")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            ShelfmarkError::new(
                ErrorCategory::Storage,
                format!("could not start Shelfmark's worker threads: {e}"),
            )
        })
}

/// Runs blocking library work on the runtime's blocking pool and awaits it.
/// The returned future can be polled by any executor (the foreign language's).
pub(crate) async fn blocking<T, E>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T>
where
    T: Send + 'static,
    E: Into<ShelfmarkError> + Send + 'static,
{
    let handle = runtime()?.spawn_blocking(work);
    join(handle).await?.map_err(Into::into)
}

/// Runs `work` on a clone of `library` on the blocking pool.
pub(crate) fn with_library<T>(
    library: &Library,
    work: impl FnOnce(&Library) -> shelfmark_core::Result<T> + Send + 'static,
) -> impl Future<Output = Result<T>> + Send + 'static
where
    T: Send + 'static,
{
    let library = library.clone();
    blocking(move || work(&library))
}

/// Runs `future` as a task on the runtime and awaits its result; the
/// returned future can be polled by any executor (the foreign language's).
/// A task that panicked becomes an error naming `what`.
pub(crate) async fn on_runtime<T>(
    what: &'static str,
    future: impl Future<Output = T> + Send + 'static,
) -> Result<T>
where
    T: Send + 'static,
{
    let handle = runtime()?.spawn(future);
    handle
        .await
        .map_err(|e| ShelfmarkError::task_stopped(what, &e))
}

/// Starts a task on the runtime.
pub(crate) fn spawn<F>(future: F) -> Result<JoinHandle<()>>
where
    F: Future<Output = ()> + Send + 'static,
{
    Ok(runtime()?.spawn(future))
}

/// Awaits a task; a task that panicked becomes an error instead of a crash.
async fn join<T>(handle: JoinHandle<T>) -> Result<T> {
    handle
        .await
        .map_err(|e| ShelfmarkError::task_stopped("the operation", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_off_the_calling_thread_and_panics_become_errors() {
        let caller = std::thread::current().id();
        let ran_on = futures_lite_block_on(blocking(move || {
            Ok::<_, ShelfmarkError>(std::thread::current().id())
        }))
        .expect("work result");
        assert_ne!(ran_on, caller);

        let failed = futures_lite_block_on(blocking(|| -> Result<()> {
            panic!("boom");
        }))
        .expect_err("a panic is an error");
        assert_eq!(failed.category(), ErrorCategory::Internal);
        assert_eq!(
            failed.to_string(),
            "the operation stopped by an internal error"
        );
    }

    /// Polls a future to completion on this thread, as a foreign executor would.
    fn futures_lite_block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("test executor")
            .block_on(future)
    }
}
