//! What Shelfmark's test suites and benchmarks share, used only as a
//! dev-dependency:
//!
//! - [`TestServer`]: a real `shelfmark-server` process on a loopback port,
//!   on a temporary SQLite data directory or a PostgreSQL database, with
//!   accounts and API keys made through its administration commands; it is
//!   killed when dropped and shows its log when a test fails.
//! - [`lookup_services`]: a stand-in for the metadata services (DOI
//!   resolver, Crossref, Open Library, …) the lookups ask.

pub mod lookup_services;
mod server;

pub use server::{
    PostgresDatabase, StartFailure, Starting, TestServer, TestServerBuilder, USER_PASSWORD,
    fresh_postgres_database, server_binary,
};
