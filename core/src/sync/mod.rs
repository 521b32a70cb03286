//! The sync engine: a Web API client, a three-way merge, a planner, and the
//! executor that syncs every library of a file with its online copy.

mod apply;
pub mod client;
mod conflicts;
pub mod credentials;
mod detach;
mod engine;
pub mod error;
mod live;
pub mod merge;
mod objects;
pub mod plan;
mod reset;
mod schedule;
mod session;
mod session_store;
pub mod sign_in;
mod state;
mod status;
mod store;
mod transport;
mod types;
mod upload;

pub use client::{ApiClient, RemoteLibrary};
pub use conflicts::{Conflict, HistoryEntry, LibraryConflict, Resolution};
pub use credentials::{CredentialStore, KeptIn};
pub use detach::RemovedGroup;
pub use error::{SyncError, SyncErrorKind};
pub use live::{LiveUpdates, LiveUpdatesRecord};
pub use merge::FieldConflict;
pub use schedule::{AutoSyncCallback, AutoSyncConfig, AutoSyncHandle, AutoSyncStatus};
pub use sign_in::{SignedIn, check_server_url, sign_in};
pub use state::{Binding, LogEntry, Notice, PendingDeletion};
pub use status::LibraryStatus;
pub use types::{
    LibraryReport, ObjectCounts, ProgressCallback, ResetReport, SyncCancel, SyncOptions,
    SyncProgress, SyncReport, SyncResetMode, SyncResult, SyncStage,
};
