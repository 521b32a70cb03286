//! Shelfmark's online service: a Zotero Web API v3 server that devices sync
//! through. `main.rs` only parses the command line and calls in here.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod files;
pub mod store;
pub mod stream;
pub mod web;
