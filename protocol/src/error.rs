use thiserror::Error;

/// A string that is not a valid object key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid key {value:?}: a key is 8 characters from 23456789ABCDEFGHIJKLMNPQRSTUVWXYZ")]
pub struct KeyError {
    pub value: String,
}

/// Why an object's data was refused. Each variant names the offending field or
/// value so that a user (or a server's write report) can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    #[error("unknown item type {0:?}")]
    UnknownItemType(String),
    #[error("field {field:?} is not valid for item type {item_type:?}")]
    FieldNotInType { field: String, item_type: String },
    #[error("creator type {creator_type:?} is not valid for item type {item_type:?}")]
    CreatorTypeNotInType {
        creator_type: String,
        item_type: String,
    },
    #[error("field {field:?} must be {expected}")]
    WrongType {
        field: String,
        expected: &'static str,
    },
    #[error("field {field:?} is too long ({len} bytes, at most {max})")]
    TooLong {
        field: String,
        len: usize,
        max: usize,
    },
    #[error("field {field:?} has an invalid value {value:?}: {reason}")]
    InvalidValue {
        field: String,
        value: String,
        reason: String,
    },
    #[error("field {0:?} is required")]
    Missing(String),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("object data must be a JSON object")]
    NotAnObject,
    #[error("object data is not valid JSON: {0}")]
    NotJson(String),
}

impl ValidationError {
    /// The field this error is about, where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::FieldNotInType { field, .. }
            | Self::WrongType { field, .. }
            | Self::TooLong { field, .. }
            | Self::InvalidValue { field, .. } => Some(field),
            Self::Missing(field) => Some(field),
            Self::CreatorTypeNotInType { .. } => Some("creators"),
            Self::UnknownItemType(_) => Some("itemType"),
            Self::Key(_) => Some("key"),
            Self::NotAnObject | Self::NotJson(_) => None,
        }
    }

    /// True when the error is about a value's length (HTTP 413 per object in
    /// the Web API's write reports) rather than its shape (400).
    pub fn is_too_long(&self) -> bool {
        matches!(self, Self::TooLong { .. })
    }
}
