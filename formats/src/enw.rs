//! EndNote tagged format (refer, `.enw`): `%0 Journal Article` and one
//! `%X value` tag per line; untagged lines continue the previous value;
//! records are separated by blank lines.

use shelfmark_protocol::ItemData;

use super::endnote_types;
use super::record::RecordBuilder;
use super::text::{self, StandardNumber};
use super::writing::{self, Role};
use super::{ExportItem, FormatError, ParseReport};

/// `%c value` → (`%c`, value).
fn tag_line(line: &str) -> Option<(&str, &str)> {
    let mut chars = line.char_indices();
    if chars.next()?.1 != '%' {
        return None;
    }
    let (i, c) = chars.next()?;
    if c.is_whitespace() {
        return None;
    }
    let end = i + c.len_utf8();
    let rest = &line[end..];
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    Some((&line[..end], rest.trim()))
}

#[derive(Debug)]
struct Entry {
    tag: String,
    value: String,
}

/// Reads an EndNote tagged file.
pub fn parse(text: &str) -> Result<ParseReport, FormatError> {
    parse_with(text, ParseReport::default())
}

/// Reads into `report`, which may stream its records to a consumer.
pub(crate) fn parse_with(text: &str, mut report: ParseReport) -> Result<ParseReport, FormatError> {
    let mut current: Option<(usize, Vec<Entry>)> = None;
    let mut number = 0;
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() {
            if let Some((start, entries)) = current.take() {
                read_record(&mut report, number, start, entries)?;
            }
            continue;
        }
        match (tag_line(line), current.as_mut()) {
            (Some((tag, value)), Some((_, entries))) => entries.push(Entry {
                tag: tag.to_owned(),
                value: value.to_owned(),
            }),
            (Some((tag, value)), None) => {
                number += 1;
                current = Some((
                    line_no,
                    vec![Entry {
                        tag: tag.to_owned(),
                        value: value.to_owned(),
                    }],
                ));
            }
            (None, Some((_, entries))) => {
                if let Some(last) = entries.last_mut() {
                    if !last.value.is_empty() {
                        last.value.push('\n');
                    }
                    last.value.push_str(line.trim());
                }
            }
            (None, None) => {
                return Err(FormatError::new(
                    number + 1,
                    Some(line_no),
                    format!(
                        "expected a tag line like `%0 Journal Article`, found {:?}",
                        line.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
    }
    if let Some((start, entries)) = current.take() {
        read_record(&mut report, number, start, entries)?;
    }
    Ok(report)
}

fn read_record(
    report: &mut ParseReport,
    number: usize,
    start: usize,
    entries: Vec<Entry>,
) -> Result<(), FormatError> {
    let type_name = entries
        .iter()
        .find(|e| e.tag == "%0")
        .map(|e| e.value.trim().to_owned());
    let item_type = match &type_name {
        Some(name) => endnote_types::item_type_for(name, None),
        // Plain refer files have no type line.
        None => Some("document"),
    };
    let edited_book = type_name
        .as_deref()
        .is_some_and(|n| n.eq_ignore_ascii_case("Edited Book"));
    let mut b = RecordBuilder::new(item_type.unwrap_or("document"));
    if item_type.is_none() {
        b.unknown("%0", type_name.as_deref().unwrap_or(""));
    }
    let author_role = if edited_book { "editor" } else { "author" };
    let (mut year, mut date) = (None, None);
    for Entry { tag, value } in &entries {
        let tag = tag.as_str();
        let value = value.as_str();
        match tag {
            "%0" => {}
            "%A" => b.add_person(author_role, value),
            "%E" => b.add_person("editor", value),
            "%Y" => b.add_person("seriesEditor", value),
            "%?" | "%H" => b.add_person("translator", value),
            "%T" => b.set("title", value, tag),
            "%J" => b.set("publicationTitle", value, tag),
            "%B" => b.set_first(&["publicationTitle", "series", "seriesTitle"], value, tag),
            "%S" => b.set_first(&["series", "seriesTitle"], value, tag),
            "%D" if year.is_none() => year = Some(value.to_owned()),
            "%8" if date.is_none() => date = Some(value.to_owned()),
            "%V" => b.set_first(&["volume", "number"], value, tag),
            "%N" => b.set_first(&["issue", "number"], value, tag),
            "%P" => {
                if b.has("pages") {
                    b.set("pages", &text::clean_pages(value), tag);
                } else {
                    b.set_first(&["numPages", "pages"], value, tag);
                }
            }
            "%I" => b.set("publisher", value, tag),
            "%C" => b.set("place", value, tag),
            "%@" => {
                let field = match text::classify_standard_number(value) {
                    StandardNumber::Issn if b.has("ISSN") => "ISSN",
                    _ if b.has("ISBN") => "ISBN",
                    _ => "ISSN",
                };
                b.set(field, value, tag);
            }
            "%R" => b.set("DOI", &text::clean_doi(value), tag),
            "%U" => {
                for url in value.lines() {
                    if !b.try_set("url", url) {
                        b.add_linked_url(url);
                    }
                }
            }
            "%X" => b.set("abstractNote", value, tag),
            "%K" => {
                for keyword in value.lines() {
                    b.add_tag(keyword);
                }
            }
            "%Z" => b.add_note(value),
            "%>" => {
                for path in value.lines() {
                    b.add_linked_file(path);
                }
            }
            "%<" => b.add_extra_text(value),
            "%9" => b.set("type", value, tag),
            "%!" => b.set("shortTitle", value, tag),
            "%M" => b.set("archiveLocation", value, tag),
            "%L" => b.set("callNumber", value, tag),
            "%7" => b.set("edition", value, tag),
            "%G" => b.set("language", value, tag),
            "%W" | "%~" => b.set("libraryCatalog", value, tag),
            "%6" => b.set("numberOfVolumes", value, tag),
            "%&" => b.set("section", value, tag),
            "%[" => b.set("accessDate", value, tag),
            _ => b.unknown(tag, value),
        }
    }
    if let Some(d) = text::join_date(year.as_deref(), date.as_deref()) {
        b.set("date", &d, "%D");
    }
    if b.is_empty() {
        report
            .skipped
            .push((number, "empty record: only a type".into()));
        return Ok(());
    }
    let (record, to_extra) = b.finish(number, Some(start))?;
    report.add(number, record, to_extra);
    Ok(())
}

/// Writes items in the EndNote tagged format.
pub fn export(items: &[ExportItem]) -> String {
    let mut out = String::new();
    for entry in items {
        write_record(&mut out, entry);
        out.push('\n');
    }
    out
}

fn push(out: &mut String, tag: &str, value: &str) {
    let value = value.trim();
    if value.is_empty() {
        return;
    }
    let mut lines = value.lines().map(str::trim).filter(|l| !l.is_empty());
    out.push_str(tag);
    out.push(' ');
    out.push_str(lines.next().unwrap_or(""));
    out.push('\n');
    for line in lines {
        // A continuation line must not look like a tag.
        if line.starts_with('%') {
            out.push(' ');
        }
        out.push_str(line);
        out.push('\n');
    }
}

fn push_base(out: &mut String, item: &ItemData, tag: &str, base: &str) {
    if let Some(v) = writing::base(item, base) {
        push(out, tag, v);
    }
}

fn write_record(out: &mut String, entry: &ExportItem) {
    let item = &entry.item;
    let authors = writing::creators_in(item, Role::Author);
    let editors = writing::creators_in(item, Role::Editor);
    let edited_book = item.item_type == "book" && authors.is_empty() && !editors.is_empty();
    let (type_name, _) = endnote_types::ref_type_for(&item.item_type, edited_book);
    push(out, "%0", type_name);
    let mut handled = vec![
        "title",
        "publicationTitle",
        "date",
        "accessDate",
        "volume",
        "issue",
        "number",
        "pages",
        "numPages",
        "edition",
        "publisher",
        "place",
        "ISBN",
        "ISSN",
        "DOI",
        "url",
        "abstractNote",
        "language",
        "shortTitle",
        "callNumber",
        "libraryCatalog",
        "archiveLocation",
        "numberOfVolumes",
        "section",
        "type",
        "series",
    ];
    if let Some(t) = item.title() {
        push(out, "%T", t);
    }
    if edited_book {
        for c in &editors {
            push(out, "%A", &writing::person_text(c));
        }
    } else {
        for c in &authors {
            push(out, "%A", &writing::person_text(c));
        }
        for c in &editors {
            push(out, "%E", &writing::person_text(c));
        }
    }
    for c in writing::creators_in(item, Role::SeriesEditor) {
        push(out, "%Y", &writing::person_text(c));
    }
    for role in [Role::Translator, Role::BookAuthor, Role::Other] {
        for c in writing::creators_in(item, role) {
            push(out, "%?", &writing::person_text(c));
        }
    }
    let container_tag = if item.item_type == "journalArticle" {
        "%J"
    } else {
        "%B"
    };
    push_base(out, item, container_tag, "publicationTitle");
    if item.field("series").is_some() {
        push_base(out, item, "%S", "series");
    } else if let Some(s) = item.field("seriesTitle") {
        push(out, "%S", s);
        handled.push("seriesTitle");
    }
    if let Some(date) = writing::base(item, "date") {
        let (year, more) = text::split_date(date);
        push(out, "%D", year.as_deref().unwrap_or(date));
        if year.is_some()
            && let Some(more) = more
        {
            push(out, "%8", &more);
        }
    }
    push_base(out, item, "%V", "volume");
    push_base(out, item, "%N", "issue");
    if writing::base(item, "issue").is_none() {
        push_base(out, item, "%N", "number");
    } else {
        handled.retain(|h| *h != "number");
    }
    push_base(out, item, "%P", "pages");
    if writing::base(item, "pages").is_none() {
        push_base(out, item, "%P", "numPages");
    } else {
        handled.retain(|h| *h != "numPages");
    }
    push_base(out, item, "%7", "edition");
    push_base(out, item, "%I", "publisher");
    push_base(out, item, "%C", "place");
    push_base(out, item, "%@", "ISBN");
    if writing::base(item, "ISBN").is_none() {
        push_base(out, item, "%@", "ISSN");
    } else {
        handled.retain(|h| *h != "ISSN");
    }
    push_base(out, item, "%R", "DOI");
    push_base(out, item, "%U", "url");
    for url in writing::linked_urls(&entry.children) {
        push(out, "%U", url);
    }
    push_base(out, item, "%X", "abstractNote");
    push_base(out, item, "%G", "language");
    push_base(out, item, "%!", "shortTitle");
    push_base(out, item, "%L", "callNumber");
    push_base(out, item, "%~", "libraryCatalog");
    push_base(out, item, "%M", "archiveLocation");
    push_base(out, item, "%6", "numberOfVolumes");
    push_base(out, item, "%&", "section");
    push_base(out, item, "%9", "type");
    push_base(out, item, "%[", "accessDate");
    for tag in writing::tag_texts(item) {
        push(out, "%K", tag);
    }
    for note in writing::note_texts(&entry.children) {
        push(out, "%Z", &note);
    }
    for path in writing::linked_paths(&entry.children) {
        push(out, "%>", path);
    }
    let mut research_notes: Vec<String> = writing::unhandled_fields(item, &handled)
        .into_iter()
        .map(|(f, v)| format!("{f}: {}", v.replace('\n', " ")))
        .collect();
    for line in writing::extra_lines(item) {
        match text::split_extra_line(line) {
            Some((tag, value)) if tag_line(&format!("{tag} x")).is_some() && tag != "%0" => {
                push(out, tag, value)
            }
            _ => research_notes.push(line.to_owned()),
        }
    }
    if !research_notes.is_empty() {
        push(out, "%<", &research_notes.join("\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tag_lines() {
        assert_eq!(
            tag_line("%0 Journal Article"),
            Some(("%0", "Journal Article"))
        );
        assert_eq!(tag_line("%@ 0028-0836"), Some(("%@", "0028-0836")));
        assert_eq!(tag_line("%K"), Some(("%K", "")));
        assert_eq!(tag_line("%Journal"), None);
        assert_eq!(tag_line("50% of cases"), None);
    }
}
