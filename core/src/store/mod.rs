//! Objects of a library: items, collections, saved searches, the trash.

pub(crate) mod items;
