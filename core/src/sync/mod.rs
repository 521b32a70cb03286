//! The sync engine: a Web API client, a three-way merge, a planner, and the
//! executor that syncs every library of a file with its online copy.

mod apply;
pub mod client;
mod conflicts;
pub mod credentials;
mod detach;
mod engine;
mod live;
pub mod error;
pub mod merge;
mod objects;
pub mod plan;
mod reset;
mod schedule;
mod session;
pub mod sign_in;
mod state;
mod status;
mod upload;

pub use client::{ApiClient, ObjectType, RemoteLibrary};
pub use conflicts::{Conflict, HistoryEntry, Resolution};
pub use credentials::{CredentialStore, KeptIn};
pub use detach::RemovedGroup;
pub use error::{SyncError, SyncErrorKind};
pub use live::{LiveUpdates, LiveUpdatesRecord};
pub use merge::FieldConflict;
pub use reset::{ResetMode, ResetReport};
pub use schedule::{AutoSyncCallback, AutoSyncConfig, AutoSyncHandle, AutoSyncStatus, SyncCancel};
pub use session::{
    Counts, LibraryReport, ProgressCallback, SyncOptions, SyncOutcome, SyncPhase, SyncProgress,
    SyncReport,
};
pub use sign_in::{SignedIn, check_server_url, sign_in};
pub use state::{Binding, LogEntry, Notice, PendingDeletion};
pub use status::LibraryStatus;
