//! Control characters in what clients write. Text may hold tab and line
//! ends; no other C0 control character (NUL above all) is stored, since
//! they come out raw in export files and break XML. File names hold none.

use shelfmark_protocol::{CollectionData, CreatorName, ItemData, SavedSearchData};

/// The first character of `text` that text may not hold.
fn forbidden_in_text(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
}

/// The first control character of a file name.
pub fn forbidden_in_file_name(name: &str) -> Option<char> {
    name.chars().find(|c| c.is_control())
}

fn refuse(what: &str, c: char) -> String {
    format!(
        "'{what}' cannot contain the control character U+{:04X}",
        c as u32
    )
}

/// Refuses text that may not be stored in `field`, naming it.
fn check(field: &str, text: &str) -> Result<(), String> {
    match forbidden_in_text(text) {
        Some(c) => Err(refuse(field, c)),
        None => Ok(()),
    }
}

/// Checks every text of an item: fields, creators and tags.
pub fn check_item(item: &ItemData) -> Result<(), String> {
    for (name, value) in &item.fields {
        if name == "filename" {
            if let Some(c) = forbidden_in_file_name(value) {
                return Err(refuse(name, c));
            }
        } else {
            check(name, value)?;
        }
    }
    for creator in &item.creators {
        match &creator.name {
            CreatorName::TwoField { first, last } => {
                check("creators", first)?;
                check("creators", last)?;
            }
            CreatorName::Single { name } => check("creators", name)?,
        }
    }
    for tag in &item.tags {
        check("tags", &tag.tag)?;
    }
    Ok(())
}

/// Checks a collection's name.
pub fn check_collection(collection: &CollectionData) -> Result<(), String> {
    check("name", &collection.name)
}

/// Checks a saved search's name and conditions.
pub fn check_search(search: &SavedSearchData) -> Result<(), String> {
    check("name", &search.name)?;
    for condition in &search.conditions {
        check("conditions", &condition.value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_tabs_and_line_ends_only() {
        let mut item = ItemData::new("book");
        item.set_field("abstractNote", "one\ttwo\r\nthree");
        assert_eq!(check_item(&item), Ok(()));
        item.set_field("title", "a\u{0}b");
        let message = check_item(&item).expect_err("NUL");
        assert!(
            message.contains("'title'") && message.contains("U+0000"),
            "{message}"
        );
        assert!(!message.contains('\0'));
        let mut item = ItemData::new("attachment");
        item.set_field("filename", "report\r\n.pdf");
        assert!(check_item(&item).expect_err("CR").contains("'filename'"));
        let mut search = SavedSearchData::new("s", Vec::new());
        search.name = "\u{1b}[31m".into();
        assert!(check_search(&search).is_err());
    }
}
