//! The one error type every call can fail with: a category the app can act
//! on and a message it can show.

use shelfmark_core::{Error as CoreError, ErrorCategory as CoreCategory};

/// What kind of failure happened, so that an app can react to it (ask the
/// user to sign in again, retry later, correct what they typed…) without
/// parsing the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ErrorCategory {
    /// The server refused the credentials (sign in again).
    Auth,
    /// The server could not be reached or answered unexpectedly (retry later).
    Network,
    /// The account's storage quota is exhausted.
    Quota,
    /// The object changed elsewhere; the change needs resolving.
    Conflict,
    /// What was asked for is not valid: a bad key, field, value or file.
    InvalidInput,
    /// The item, collection, file or library does not exist.
    NotFound,
    /// The operation was stopped on request; what it finished stays.
    Cancelled,
    /// The library file or the device storage failed, or the library cannot be used here.
    Storage,
    /// Shelfmark itself failed (a stopped task, a broken invariant); the
    /// data is intact. Worth reporting with the log.
    Internal,
}

/// Every failure of the Shelfmark API. The case is the failure's category
/// and the message says what went wrong in words fit to show the user
/// (in Kotlin `ShelfmarkException.NotFound(message)` and so on, with a
/// `category` property; in Swift `ShelfmarkError.NotFound(message:)`).
/// Nothing was changed when an operation fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum ShelfmarkError {
    /// The server refused the credentials.
    #[error("{0}")]
    Auth(String),
    /// The server could not be reached or answered unexpectedly.
    #[error("{0}")]
    Network(String),
    /// The account's storage quota is exhausted.
    #[error("{0}")]
    Quota(String),
    /// The object changed elsewhere.
    #[error("{0}")]
    Conflict(String),
    /// What was asked for is not valid.
    #[error("{0}")]
    InvalidInput(String),
    /// What was asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The operation was stopped on request.
    #[error("{0}")]
    Cancelled(String),
    /// The library file or the device storage failed.
    #[error("{0}")]
    Storage(String),
    /// Shelfmark itself failed; the data is intact.
    #[error("{0}")]
    Internal(String),
}

impl ShelfmarkError {
    /// An error of `category` saying `message`.
    pub fn new(category: ErrorCategory, message: impl Into<String>) -> Self {
        let message = message.into();
        match category {
            ErrorCategory::Auth => Self::Auth(message),
            ErrorCategory::Network => Self::Network(message),
            ErrorCategory::Quota => Self::Quota(message),
            ErrorCategory::Conflict => Self::Conflict(message),
            ErrorCategory::InvalidInput => Self::InvalidInput(message),
            ErrorCategory::NotFound => Self::NotFound(message),
            ErrorCategory::Cancelled => Self::Cancelled(message),
            ErrorCategory::Storage => Self::Storage(message),
            ErrorCategory::Internal => Self::Internal(message),
        }
    }

    /// A task that did not finish: it panicked or its runtime dropped it.
    /// Every awaited task's failure is mapped here, so it is one category.
    pub(crate) fn task_stopped(what: &str, error: &tokio::task::JoinError) -> Self {
        let how = if error.is_panic() {
            "stopped by an internal error"
        } else {
            "was cancelled"
        };
        log::error!("{what} {how}: {error}");
        Self::new(ErrorCategory::Internal, format!("{what} {how}"))
    }

    /// Bad input from the caller.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCategory::InvalidInput, message)
    }

    /// The error's category.
    pub fn category(&self) -> ErrorCategory {
        match self {
            Self::Auth(_) => ErrorCategory::Auth,
            Self::Network(_) => ErrorCategory::Network,
            Self::Quota(_) => ErrorCategory::Quota,
            Self::Conflict(_) => ErrorCategory::Conflict,
            Self::InvalidInput(_) => ErrorCategory::InvalidInput,
            Self::NotFound(_) => ErrorCategory::NotFound,
            Self::Cancelled(_) => ErrorCategory::Cancelled,
            Self::Storage(_) => ErrorCategory::Storage,
            Self::Internal(_) => ErrorCategory::Internal,
        }
    }
}

impl From<CoreCategory> for ErrorCategory {
    fn from(category: CoreCategory) -> Self {
        match category {
            CoreCategory::InvalidInput => Self::InvalidInput,
            CoreCategory::NotFound => Self::NotFound,
            CoreCategory::Storage => Self::Storage,
            CoreCategory::Internal => Self::Internal,
            // Sync errors are mapped by their kind in `From<CoreError>`.
            CoreCategory::Sync => Self::Network,
        }
    }
}

/// The category a sync problem is shown under.
fn sync_category(kind: shelfmark_core::sync::SyncErrorKind) -> ErrorCategory {
    use shelfmark_core::sync::SyncErrorKind as Kind;
    match kind {
        Kind::Auth | Kind::Binding => ErrorCategory::Auth,
        Kind::Network | Kind::RateLimited | Kind::Server => ErrorCategory::Network,
        Kind::Cancelled => ErrorCategory::Cancelled,
        Kind::StorageQuota => ErrorCategory::Quota,
        Kind::InvalidData => ErrorCategory::InvalidInput,
        Kind::Conflict => ErrorCategory::Conflict,
    }
}

impl From<CoreError> for ShelfmarkError {
    fn from(error: CoreError) -> Self {
        Self::from(&error)
    }
}

impl From<&CoreError> for ShelfmarkError {
    fn from(error: &CoreError) -> Self {
        let category = match error {
            CoreError::Sync(e) => sync_category(e.kind),
            other => other.category().into(),
        };
        Self::new(category, crate::logging::redact(&error.to_string()))
    }
}

impl From<shelfmark_core::protocol::KeyError> for ShelfmarkError {
    fn from(error: shelfmark_core::protocol::KeyError) -> Self {
        CoreError::from(error).into()
    }
}

/// Results of the Shelfmark API.
pub type Result<T, E = ShelfmarkError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_category_and_message() {
        let missing = CoreError::NotFound {
            what: "item",
            key: "ABCD2345".into(),
        };
        let error = ShelfmarkError::from(missing);
        assert_eq!(error.category(), ErrorCategory::NotFound);
        assert_eq!(error.to_string(), "item ABCD2345 not found");

        let bad = CoreError::InvalidInput("no such field".into());
        assert_eq!(
            ShelfmarkError::from(bad).category(),
            ErrorCategory::InvalidInput
        );
    }
}
