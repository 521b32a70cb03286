//! What each item contributes to the full-text index and the list sort keys.
//! Computed from the item's data alone, on every write.

use shelfmark_protocol::ItemData;
use shelfmark_protocol::dates::parse_date;
use shelfmark_protocol::schema::schema;

use crate::text::{fold, note_title, strip_tags};

/// Columns derived from an item's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Derived {
    pub sort_title: String,
    pub sort_creator: String,
    pub sort_date: String,
    pub sort_type: String,
    /// Title, creators and year: what quick search matches.
    pub fts_quick: String,
    /// Every other field, tags, note text and annotation text: what
    /// "everything" search matches in addition (empty when not asked for).
    pub fts_body: String,
    /// What creator conditions of saved searches compare with; `None`
    /// without creators.
    pub creator_text: Option<CreatorText>,
    /// A note's text folded, what note conditions compare with; `None` for
    /// other items and notes without a `note` field.
    pub note_text: Option<String>,
}

/// An item's creator names folded for saved-search conditions, so that a
/// condition reads one short text per item instead of its JSON.
///
/// Folded text never holds an upper-case ASCII letter (folding lower-cases
/// after every other step), and neither does the folded value a condition
/// compares with, so upper-case letters mark where each name starts and
/// ends: a value cannot match across them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreatorText {
    /// Per creator, "First Last", a line break and "Last, First", folded
    /// together, with [`NEXT_CREATOR`] between creators: `contains` and
    /// `doesNotContain` look for the value in it.
    pub matching: String,
    /// Per creator, the last (or single) name and "First Last" each after
    /// [`NAME_START`], and "Last, First" after [`LAST_FIRST_START`], each
    /// folded and followed by [`NAME_END`]: `is` and `isNot` look for a
    /// whole name, `beginsWith` for a last or full name's start (one search
    /// of the text each form).
    pub names: String,
}

impl Derived {
    /// The item's rows in the full-text index and the trigram indexes of
    /// saved-search conditions.
    pub(crate) fn into_fulltext_row(self) -> crate::db::FulltextRow {
        crate::db::FulltextRow {
            quick: self.fts_quick,
            body: self.fts_body,
            title: self.sort_title,
            creators: self
                .creator_text
                .map(|c| format!("{}\n{}", c.matching, c.names)),
            note: self.note_text,
        }
    }
}

pub(crate) const NEXT_CREATOR: char = 'C';
pub(crate) const NAME_START: char = 'S';
pub(crate) const LAST_FIRST_START: char = 'R';
pub(crate) const NAME_END: char = 'E';

/// [`CreatorText`] of an item's creators; `None` without creators.
pub(crate) fn creator_text(creators: &[shelfmark_protocol::Creator]) -> Option<CreatorText> {
    if creators.is_empty() {
        return None;
    }
    let mut matching = String::new();
    let mut names = String::new();
    for (n, creator) in creators.iter().enumerate() {
        let (first, last) = (creator.first_name(), creator.last_or_single());
        let full = format!("{first} {last}");
        let full = full.trim_matches(' ');
        let last_first = format!("{last}, {first}");
        if n > 0 {
            matching.push(NEXT_CREATOR);
        }
        matching.push_str(&fold(&format!("{full}\n{last_first}")));
        for (marker, name) in [
            (NAME_START, fold(last)),
            (NAME_START, fold(full)),
            (LAST_FIRST_START, fold(&last_first)),
        ] {
            names.push(marker);
            names.push_str(&name);
            names.push(NAME_END);
        }
    }
    Some(CreatorText { matching, names })
}

/// [`derive`] without the body text, for rows whose full text is indexed
/// later.
pub(crate) fn derive_without_body(item: &ItemData) -> Derived {
    derive_parts(item, false)
}

/// The title shown in lists: the title field, a note's first line, or an
/// annotation's text.
pub(crate) fn display_title(item: &ItemData) -> String {
    if item.is_note() {
        return note_title(item.field("note").unwrap_or_default());
    }
    if item.is_annotation() {
        let text = item
            .field("annotationText")
            .or_else(|| item.field("annotationComment"))
            .unwrap_or_default();
        return text.chars().take(120).collect();
    }
    item.title().unwrap_or_default().to_owned()
}

/// The first creator of the item's primary type (authors before editors),
/// else the first creator at all: whom lists sort by.
fn first_creator(item: &ItemData) -> Option<&shelfmark_protocol::Creator> {
    let primary = schema()
        .item_type(&item.item_type)
        .and_then(|t| t.primary_creator_type());
    primary
        .and_then(|p| item.creators.iter().find(|c| c.creator_type == p))
        .or_else(|| item.creators.first())
}

pub(crate) fn derive(item: &ItemData) -> Derived {
    derive_parts(item, true)
}

fn derive_parts(item: &ItemData, with_body: bool) -> Derived {
    let title = display_title(item);
    let sort_creator = first_creator(item)
        .map(|c| fold(&format!("{} {}", c.last_or_single(), c.first_name())))
        .unwrap_or_default();
    let date = item.base_field("date").unwrap_or_default();
    let parsed = parse_date(date);

    // Quick search covers titles (of references and attachments), creators
    // and year; the text of notes and annotations is for "everything" only.
    let mut quick = String::with_capacity(title.len() + 64);
    if !item.is_note() && !item.is_annotation() {
        quick.push_str(&strip_tags(&title));
    }
    for c in &item.creators {
        quick.push(' ');
        quick.push_str(c.first_name());
        quick.push(' ');
        quick.push_str(c.last_or_single());
    }
    if let Some(year) = parsed.year {
        quick.push(' ');
        quick.push_str(&year.to_string());
    }

    Derived {
        sort_title: fold(&title),
        sort_creator,
        sort_date: parsed.sort_key(),
        sort_type: fold(schema().item_type_label(&item.item_type)),
        fts_quick: quick,
        fts_body: if with_body {
            body_text(item)
        } else {
            String::new()
        },
        creator_text: creator_text(&item.creators),
        note_text: item
            .is_note()
            .then(|| item.field("note").map(fold))
            .flatten(),
    }
}

/// Every field but the title, tags, note text: what "everything" search
/// matches beyond the quick text.
fn body_text(item: &ItemData) -> String {
    let title_field = schema()
        .item_type(&item.item_type)
        .and_then(|t| t.field_for_base("title"))
        .unwrap_or("title");
    let mut body = String::new();
    for (name, value) in &item.fields {
        // Identity-ish attachment fields and the title (already in `quick`)
        // carry no words worth finding.
        if name == title_field
            || matches!(
                name.as_str(),
                "linkMode"
                    | "md5"
                    | "contentType"
                    | "charset"
                    | "annotationPosition"
                    | "annotationSortIndex"
                    | "annotationColor"
                    | "annotationType"
            )
        {
            continue;
        }
        if !body.is_empty() {
            body.push(' ');
        }
        if name == "note" {
            body.push_str(&strip_tags(value));
        } else {
            body.push_str(value);
        }
    }
    for tag in &item.tags {
        body.push(' ');
        body.push_str(&tag.tag);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelfmark_protocol::{Creator, Tag};

    #[test]
    fn derives_sort_keys_and_text() {
        let mut item = ItemData::new("bookSection");
        item.set_field("title", "Über <i>Alles</i>");
        item.set_field("bookTitle", "Collected Works");
        item.set_field("date", "March 2001");
        item.creators.push(Creator::person("editor", "Ed", "Itor"));
        item.creators
            .push(Creator::person("author", "Émile", "Durkheim"));
        item.tags.push(Tag::manual("sociology"));
        let d = derive(&item);
        assert_eq!(d.sort_title, "uber alles");
        assert_eq!(
            d.sort_creator, "durkheim emile",
            "authors sort before editors"
        );
        assert_eq!(d.sort_date, "2001-03-00");
        assert_eq!(d.sort_type, "book section");
        assert!(d.fts_quick.contains("Durkheim") && d.fts_quick.contains("2001"));
        assert!(d.fts_body.contains("Collected Works") && d.fts_body.contains("sociology"));
        assert!(!d.fts_body.contains("Über"));
        // Without the body, everything else is the same.
        let quick = derive_without_body(&item);
        assert_eq!(
            quick,
            Derived {
                fts_body: String::new(),
                ..d
            }
        );
    }

    #[test]
    fn folded_names_cannot_hold_the_markers() {
        // The markers are upper-case ASCII, which folding never leaves,
        // whatever the name is made of (full-width and compatibility
        // letters, markup, entities).
        let mut item = ItemData::new("book");
        item.creators
            .push(Creator::person("author", "ＡＢＣ", "K\u{212A}L <B>E</B>"));
        item.creators
            .push(Creator::single("editor", "&AMP; R&amp;E Ltd."));
        let text = derive(&item).creator_text.expect("creators");
        let upper = |s: &str| s.bytes().filter(u8::is_ascii_uppercase).count();
        assert_eq!(upper(&text.matching), 1, "one creator follows another");
        assert_eq!(upper(&text.names), 2 * 6, "two markers per name");
        assert!(
            text.names.starts_with("Skkl eESabc kkl e"),
            "{}",
            text.names
        );
        assert_eq!(derive(&ItemData::new("book")).creator_text, None);
    }

    #[test]
    fn notes_index_their_text() {
        let mut note = ItemData::new("note");
        note.set_field("note", "<p>Key <b>finding</b></p><p>details</p>");
        let d = derive(&note);
        assert_eq!(d.sort_title, "key finding");
        assert!(d.fts_body.contains("finding") && !d.fts_body.contains("<b>"));
        assert!(d.fts_quick.is_empty(), "notes are not in quick search");
    }
}
