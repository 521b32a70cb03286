use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whose library an object lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LibraryKind {
    User,
    Group,
}

impl LibraryKind {
    /// The path segment of the library's URL prefix (`users`, `groups`).
    pub fn path_segment(self) -> &'static str {
        match self {
            Self::User => "users",
            Self::Group => "groups",
        }
    }
}

/// The `library` member of an envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryRef {
    #[serde(rename = "type")]
    pub kind: LibraryKind,
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub links: Value,
}

/// A whole object as the Web API returns it: identity, library, links, meta
/// and the editable `data` (`T` is [`crate::ItemData`], [`crate::CollectionData`]
/// or [`crate::SavedSearchData`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub key: String,
    pub version: u64,
    pub library: LibraryRef,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub links: Value,
    #[serde(default)]
    pub meta: Value,
    pub data: T,
}
