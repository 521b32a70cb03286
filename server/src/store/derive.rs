//! Values every backend stores beside an item's JSON so that queries can
//! filter and sort without parsing it: sort keys and search text.

use shelfmark_protocol::dates::parse_date;
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{CreatorName, ItemData};

/// Derived, indexable values of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub sort_title: String,
    pub sort_creator: String,
    pub sort_date: String,
    /// Lower-cased title, creator names and year (`qmode=titleCreatorYear`).
    pub quick_text: String,
    /// Lower-cased text of every field, creator and tag (`qmode=everything`).
    pub full_text: String,
}

/// Computes the derived values of an item.
pub fn derive(item: &ItemData) -> Derived {
    let title = item
        .title()
        .or_else(|| item.field("note"))
        .unwrap_or_default();
    let parsed = item.base_field("date").map(parse_date).unwrap_or_default();
    let year = parsed.year.map(|y| y.to_string()).unwrap_or_default();
    let names: Vec<String> = item
        .creators
        .iter()
        .map(|c| match &c.name {
            CreatorName::TwoField { first, last } => format!("{first} {last}"),
            CreatorName::Single { name } => name.clone(),
        })
        .collect();
    let quick_text = format!("{title}\n{}\n{year}", names.join("\n")).to_lowercase();
    let mut full = quick_text.clone();
    for value in item.fields.values() {
        full.push('\n');
        full.push_str(&value.to_lowercase());
    }
    for tag in &item.tags {
        full.push('\n');
        full.push_str(&tag.tag.to_lowercase());
    }
    Derived {
        sort_title: title.to_lowercase(),
        sort_creator: creator_summary(item).unwrap_or_default().to_lowercase(),
        sort_date: parsed.sort_key(),
        quick_text,
        full_text: full,
    }
}

/// The Web API's `meta.creatorSummary`: "Smith", "Smith and Jones" or
/// "Smith et al.", from the creators of the type's primary creator type.
pub fn creator_summary(item: &ItemData) -> Option<String> {
    summarize_creators(
        &item.item_type,
        item.creators
            .iter()
            .map(|c| (c.creator_type.as_str(), c.last_or_single())),
    )
}

/// [`creator_summary`] from an item type and each creator's type and last
/// (or single) name.
pub fn summarize_creators<'a>(
    item_type: &str,
    creators: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> Option<String> {
    let primary = schema()
        .item_type(item_type)
        .and_then(|t| t.primary_creator_type());
    let mut names: Vec<&str> = creators
        .clone()
        .filter(|(creator_type, _)| Some(*creator_type) == primary)
        .map(|(_, name)| name)
        .collect();
    if names.is_empty() {
        names = creators.map(|(_, name)| name).collect();
    }
    match names.as_slice() {
        [] => None,
        [one] => Some((*one).to_owned()),
        [a, b] => Some(format!("{a} and {b}")),
        [a, ..] => Some(format!("{a} et al.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelfmark_protocol::Creator;

    #[test]
    fn summary_follows_the_count_of_primary_creators() {
        let mut item = ItemData::new("book");
        assert_eq!(creator_summary(&item), None);
        item.creators
            .push(Creator::person("author", "Ada", "Lovelace"));
        assert_eq!(creator_summary(&item).as_deref(), Some("Lovelace"));
        item.creators.push(Creator::person("editor", "Ed", "Itor"));
        assert_eq!(creator_summary(&item).as_deref(), Some("Lovelace"));
        item.creators.push(Creator::single("author", "Babbage"));
        assert_eq!(
            creator_summary(&item).as_deref(),
            Some("Lovelace and Babbage")
        );
        item.creators.push(Creator::single("author", "Third"));
        assert_eq!(creator_summary(&item).as_deref(), Some("Lovelace et al."));
    }

    #[test]
    fn derived_text_is_lower_case_and_includes_the_year() {
        let mut item = ItemData::new("journalArticle");
        item.set_field("title", "On Computable Numbers");
        item.set_field("date", "November 1936");
        item.set_field("publicationTitle", "Proceedings");
        item.creators
            .push(Creator::person("author", "Alan", "Turing"));
        let d = derive(&item);
        assert!(d.quick_text.contains("on computable numbers"));
        assert!(d.quick_text.contains("turing"));
        assert!(d.quick_text.contains("1936"));
        assert!(!d.quick_text.contains("proceedings"));
        assert!(d.full_text.contains("proceedings"));
        assert_eq!(d.sort_date, "1936-11-00");
    }
}
