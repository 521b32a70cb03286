//! The sync engine: a Web API client, a three-way merge, and (built on them)
//! the planner and the executor.

pub mod client;
pub mod error;
pub mod merge;
pub mod plan;

pub use client::{ApiClient, ObjectType, RemoteLibrary};
pub use error::{SyncError, SyncErrorKind};
