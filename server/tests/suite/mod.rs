//! Conformance checks, each a function of a deployment.

pub mod accounts;
pub mod atom;
pub mod auth;
pub mod bad_input;
pub mod basics;
pub mod export;
pub mod files;
pub mod fulltext;
pub mod groups;
pub mod hardening;
pub mod listing;
pub mod matrix;
pub mod objects;
pub mod tags;
pub mod versions;
pub mod writes;
