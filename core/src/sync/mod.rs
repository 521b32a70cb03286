//! The sync engine. Merging is pure and tested on its own; the planner and
//! the executor build on it.

pub mod merge;
