//! What a row of an item list shows, and pages of results.

use shelfmark_protocol::dates::parse_date;
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{Creator, ItemData, ObjectKey};

use crate::error::Result;
use crate::search::index::display_title;
use crate::store::items::parse_data;

/// One row of an item list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSummary {
    pub key: ObjectKey,
    pub item_type: String,
    /// The title, a note's first line or an annotation's text.
    pub title: String,
    /// "Smith", "Smith and Jones" or "Smith et al.", from the creators of
    /// the item type's primary kind (else editors, else contributors).
    pub creator_summary: String,
    /// The date field as typed.
    pub date: String,
    pub year: Option<i32>,
    pub date_added: String,
    pub date_modified: String,
    /// Notes and attachments directly under the item (in the trash view,
    /// trashed ones too).
    pub num_children: u32,
    pub in_trash: bool,
}

/// One page of a longer result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many results there are in all pages.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
}

/// Columns of `items i` that [`read_summary`] reads, in its order.
pub(crate) const SUMMARY_COLUMNS: &str = "i.data, i.in_trash, i.date_added, i.date_modified,
    (SELECT count(*) FROM items c
      WHERE c.library_id = i.library_id AND c.parent_key = i.key AND c.in_trash <= i.in_trash)";

/// Raw values of one summary row; the data JSON is parsed afterwards, outside
/// the statement, and only for the rows of one page.
pub(crate) struct RawSummary {
    data: String,
    in_trash: bool,
    date_added: String,
    date_modified: String,
    num_children: u32,
}

/// Reads the [`SUMMARY_COLUMNS`] starting at column `first`.
pub(crate) fn read_summary(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<RawSummary> {
    Ok(RawSummary {
        data: r.get(first)?,
        in_trash: r.get(first + 1)?,
        date_added: r.get(first + 2)?,
        date_modified: r.get(first + 3)?,
        num_children: r.get(first + 4)?,
    })
}

impl RawSummary {
    pub(crate) fn finish(self) -> Result<ItemSummary> {
        let item = parse_data(&self.data)?;
        let date = item.base_field("date").unwrap_or_default().to_owned();
        Ok(ItemSummary {
            title: display_title(&item),
            creator_summary: creator_summary(&item),
            year: parse_date(&date).year,
            date,
            key: item.key,
            item_type: item.item_type,
            date_added: self.date_added,
            date_modified: self.date_modified,
            num_children: self.num_children,
            in_trash: self.in_trash,
        })
    }
}

/// The creator column of a list: last names of the item's main creators.
pub(crate) fn creator_summary(item: &ItemData) -> String {
    let primary = schema()
        .item_type(&item.item_type)
        .and_then(|t| t.primary_creator_type());
    let of_type = |kind: &str| -> Vec<&Creator> {
        item.creators
            .iter()
            .filter(|c| c.creator_type == kind)
            .collect()
    };
    let mut names = primary.map(of_type).unwrap_or_default();
    for fallback in ["editor", "contributor"] {
        if names.is_empty() {
            names = of_type(fallback);
        }
    }
    let name = |c: &Creator| c.last_or_single().trim().to_owned();
    match names.as_slice() {
        [] => String::new(),
        [one] => name(one),
        [a, b] => format!("{} and {}", name(a), name(b)),
        [first, ..] => format!("{} et al.", name(first)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(creators: &[(&str, &str)]) -> ItemData {
        let mut item = ItemData::new("book");
        for (kind, last) in creators {
            item.creators.push(Creator::person(kind, "F.", last));
        }
        item
    }

    #[test]
    fn summarises_creators_like_a_list_column() {
        assert_eq!(creator_summary(&book(&[])), "");
        assert_eq!(creator_summary(&book(&[("author", "Smith")])), "Smith");
        assert_eq!(
            creator_summary(&book(&[("author", "Smith"), ("author", "Jones")])),
            "Smith and Jones"
        );
        assert_eq!(
            creator_summary(&book(&[
                ("editor", "Ed"),
                ("author", "Smith"),
                ("author", "Jones"),
                ("author", "Brown")
            ])),
            "Smith et al."
        );
        assert_eq!(
            creator_summary(&book(&[("editor", "Ed"), ("translator", "Tr")])),
            "Ed",
            "editors stand in when there is no author"
        );
        let mut org = ItemData::new("report");
        org.creators.push(Creator::single("author", "World Bank"));
        assert_eq!(creator_summary(&org), "World Bank");
    }
}
