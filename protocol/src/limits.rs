//! Length limits, in bytes of UTF-8 unless said otherwise. They follow the
//! Zotero data server's limits so that anything we accept, zotero.org accepts.

/// An ordinary item field (title, abstract, extra, …).
pub const FIELD_MAX: usize = 65_535;
/// A note's HTML.
pub const NOTE_MAX: usize = 1_048_576;
/// A creator's first, last or single name.
pub const CREATOR_NAME_MAX: usize = 255;
/// A tag.
pub const TAG_MAX: usize = 255;
/// A collection's or saved search's name.
pub const NAME_MAX: usize = 255;
/// An annotation's highlighted text, in characters (longer text is cut by clients).
pub const ANNOTATION_TEXT_MAX_CHARS: usize = 7_500;
/// An annotation's page label.
pub const ANNOTATION_PAGE_LABEL_MAX: usize = 50;
/// An annotation's position JSON string.
pub const ANNOTATION_POSITION_MAX: usize = 65_535;
/// Objects in one write request.
pub const WRITE_BATCH_MAX: usize = 50;
/// Creators on one item.
pub const CREATORS_MAX: usize = 10_000;
