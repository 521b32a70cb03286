use serde::{Deserialize, Serialize};

/// A tag on an item. `kind` 0 is a manual tag (omitted in JSON), 1 an
/// automatic one (added by an import or a translator).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Tag {
    pub tag: String,
    #[serde(rename = "type", default, skip_serializing_if = "is_zero")]
    pub kind: u8,
}

fn is_zero(v: &u8) -> bool {
    *v == 0
}

impl Tag {
    pub fn manual(tag: &str) -> Self {
        Self {
            tag: tag.to_owned(),
            kind: 0,
        }
    }

    pub fn automatic(tag: &str) -> Self {
        Self {
            tag: tag.to_owned(),
            kind: 1,
        }
    }
}
