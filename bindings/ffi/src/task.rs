//! Handles on running subscriptions: dropping one (or calling `cancel`)
//! stops the listener's task and unsubscribes from the library.

use std::sync::Mutex;

use shelfmark_core::Subscription;
use tokio::task::JoinHandle;

/// A running subscription. Keep it for as long as the listener should hear
/// about changes; `cancel()` (or releasing it: `close()` in Kotlin, the last
/// reference in Swift) stops it.
#[derive(Debug, uniffi::Object)]
pub struct TaskHandle {
    task: JoinHandle<()>,
    subscription: Mutex<Option<Subscription>>,
}

impl TaskHandle {
    /// A handle owning `task` and the library `subscription` that feeds it.
    pub(crate) fn new(task: JoinHandle<()>, subscription: Subscription) -> Self {
        Self {
            task,
            subscription: Mutex::new(Some(subscription)),
        }
    }

    /// A handle on `task` alone, for a task that owns its subscription
    /// (stopping the task drops it).
    pub(crate) fn owning_subscription_in_task(task: JoinHandle<()>) -> Self {
        Self {
            task,
            subscription: Mutex::new(None),
        }
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Stops the subscription; the listener is not called again. Calling it
    /// twice is harmless.
    pub fn cancel(&self) {
        self.task.abort();
        self.subscription
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }

    /// Whether the subscription has stopped (cancelled, or its library closed).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
