use serde::{Deserialize, Serialize};

/// A creator of an item: a person (first and last name) or a single-field name
/// (an organisation, or a person entered as one string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Creator {
    #[serde(rename = "creatorType")]
    pub creator_type: String,
    #[serde(flatten)]
    pub name: CreatorName,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CreatorName {
    TwoField {
        #[serde(rename = "firstName", default)]
        first: String,
        #[serde(rename = "lastName")]
        last: String,
    },
    Single {
        name: String,
    },
}

impl Creator {
    pub fn person(creator_type: &str, first: &str, last: &str) -> Self {
        Self {
            creator_type: creator_type.to_owned(),
            name: CreatorName::TwoField {
                first: first.to_owned(),
                last: last.to_owned(),
            },
        }
    }

    pub fn single(creator_type: &str, name: &str) -> Self {
        Self {
            creator_type: creator_type.to_owned(),
            name: CreatorName::Single {
                name: name.to_owned(),
            },
        }
    }

    /// Parses "Last, First", or a single name when there is no comma.
    pub fn parse_display(creator_type: &str, text: &str) -> Self {
        match text.split_once(',') {
            Some((last, first)) => Self::person(creator_type, first.trim(), last.trim()),
            None => Self::single(creator_type, text.trim()),
        }
    }

    /// The name a list sorts and a citation starts by: the last name, or the
    /// single name.
    pub fn last_or_single(&self) -> &str {
        match &self.name {
            CreatorName::TwoField { last, .. } => last,
            CreatorName::Single { name } => name,
        }
    }

    pub fn first_name(&self) -> &str {
        match &self.name {
            CreatorName::TwoField { first, .. } => first,
            CreatorName::Single { .. } => "",
        }
    }

    /// "Last, First" or the single name.
    pub fn display(&self) -> String {
        match &self.name {
            CreatorName::TwoField { first, last } if first.is_empty() => last.clone(),
            CreatorName::TwoField { first, last } => format!("{last}, {first}"),
            CreatorName::Single { name } => name.clone(),
        }
    }
}
