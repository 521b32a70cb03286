//! Finding items: the full-text index, quick and "everything" search, sorted
//! item lists and saved-search evaluation.

pub(crate) mod index;
