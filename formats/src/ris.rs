//! RIS (Research Information Systems) tagged format: `TY  - JOUR` starts a
//! record, `ER  -` ends it, one `XX  - value` tag per line, untagged lines
//! continue the previous value.

use shelfmark_protocol::ItemData;
use shelfmark_protocol::dates::parse_date;

use super::record::RecordBuilder;
use super::text::{self, StandardNumber};
use super::writing::{self, Role};
use super::{ExportItem, FormatError, ParseReport};

/// TY code → item type, for reading. The first code listed for a type is
/// the one written.
const TYPES: &[(&str, &str)] = &[
    ("JOUR", "journalArticle"),
    ("JFULL", "journalArticle"),
    ("EJOUR", "journalArticle"),
    ("ABST", "journalArticle"),
    ("INPR", "journalArticle"),
    ("BOOK", "book"),
    ("EBOOK", "book"),
    ("EDBOOK", "book"),
    ("CLSWK", "book"),
    ("SER", "book"),
    ("CHAP", "bookSection"),
    ("ECHAP", "bookSection"),
    ("CPAPER", "conferencePaper"),
    ("CONF", "conferencePaper"),
    ("THES", "thesis"),
    ("RPRT", "report"),
    ("GOVDOC", "report"),
    ("ELEC", "webpage"),
    ("WEB", "webpage"),
    ("PAT", "patent"),
    ("DATA", "dataset"),
    ("DBASE", "dataset"),
    ("GEN", "document"),
    ("AGGR", "document"),
    ("ANCIENT", "document"),
    ("CTLG", "document"),
    ("EQUA", "document"),
    ("GRANT", "document"),
    ("MGZN", "magazineArticle"),
    ("NEWS", "newspaperArticle"),
    ("CASE", "case"),
    ("LEGAL", "case"),
    ("STAT", "statute"),
    ("BILL", "bill"),
    ("UNBILL", "bill"),
    ("COMP", "computerProgram"),
    ("MAP", "map"),
    ("SOUND", "audioRecording"),
    ("MUSIC", "audioRecording"),
    ("VIDEO", "videoRecording"),
    ("ADVS", "videoRecording"),
    ("MULTI", "videoRecording"),
    ("MPCT", "film"),
    ("MANSCPT", "manuscript"),
    ("UNPB", "manuscript"),
    ("PAMP", "manuscript"),
    ("ENCYC", "encyclopediaArticle"),
    ("DICT", "dictionaryEntry"),
    ("ICOMM", "email"),
    ("PCOMM", "letter"),
    ("HEAR", "hearing"),
    ("ART", "artwork"),
    ("FIGURE", "artwork"),
    ("CHART", "artwork"),
    ("BLOG", "blogPost"),
    ("STAND", "standard"),
    ("SLIDE", "presentation"),
];

/// Item types without a code of their own, and the code written for them.
const NEAREST_TYPES: &[(&str, &str)] = &[
    ("forumPost", "ICOMM"),
    ("instantMessage", "ICOMM"),
    ("interview", "GEN"),
    ("podcast", "SOUND"),
    ("radioBroadcast", "SOUND"),
    ("tvBroadcast", "VIDEO"),
    ("preprint", "UNPB"),
];

/// Tags read by name; any other tag is kept in `extra`.
const KNOWN_TAGS: &[&str] = &[
    "TY", "ER", "TI", "T1", "CT", "BT", "T2", "JF", "JO", "JA", "J1", "J2", "T3", "AU", "A1", "A2",
    "ED", "A3", "A4", "TA", "PY", "Y1", "DA", "Y2", "VL", "IS", "M1", "M3", "SP", "EP", "PB", "CY",
    "PP", "SN", "DO", "UR", "L1", "L2", "L4", "AB", "N2", "KW", "N1", "RN", "ET", "LA", "ST", "CN",
    "DB", "DP", "AN", "NV", "SE",
];

/// Reads `XX  - value`: two characters (a capital, then a capital or
/// digit), two spaces, a hyphen. A known tag is also read with one space.
fn tag_line(line: &str) -> Option<(&str, &str)> {
    let b = line.as_bytes();
    if b.len() < 4
        || !b[0].is_ascii_uppercase()
        || !(b[1].is_ascii_uppercase() || b[1].is_ascii_digit())
    {
        return None;
    }
    let tag = &line[..2];
    let rest = &line[2..];
    let after_dash = if let Some(r) = rest.strip_prefix("  -") {
        r
    } else if KNOWN_TAGS.contains(&tag) {
        rest.strip_prefix(" -").or_else(|| rest.strip_prefix("-"))?
    } else {
        return None;
    };
    if !(after_dash.is_empty() || after_dash.starts_with(' ')) {
        return None;
    }
    Some((
        tag,
        after_dash
            .strip_prefix(' ')
            .unwrap_or(after_dash)
            .trim_end(),
    ))
}

/// Whether a line starts a RIS record.
pub(crate) fn is_record_start(line: &str) -> bool {
    tag_line(line.trim_start_matches('\u{feff}')).is_some_and(|(tag, _)| tag == "TY")
}

/// One tag of a record with its (possibly multi-line) value.
#[derive(Debug)]
struct Entry {
    tag: String,
    value: String,
}

/// Reads a RIS file.
pub fn parse(text: &str) -> Result<ParseReport, FormatError> {
    parse_with(text, ParseReport::default())
}

/// Reads into `report`, which may stream its records to a consumer.
pub(crate) fn parse_with(text: &str, mut report: ParseReport) -> Result<ParseReport, FormatError> {
    let mut current: Option<(usize, Vec<Entry>)> = None;
    let mut number = 0;
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        match (tag_line(line), current.as_mut()) {
            (Some(("TY", value)), None) => {
                number += 1;
                current = Some((
                    line_no,
                    vec![Entry {
                        tag: "TY".into(),
                        value: value.to_owned(),
                    }],
                ));
            }
            (Some(("TY", _)), Some((start, _))) => {
                return Err(FormatError::new(
                    number,
                    Some(*start),
                    format!(
                        "the record is not closed with `ER  -` before the next record starts on line {line_no}"
                    ),
                ));
            }
            (Some(("ER", _)), Some(_)) => {
                if let Some((start, entries)) = current.take() {
                    read_record(&mut report, number, start, entries)?;
                }
            }
            (Some((tag, value)), Some((_, entries))) => entries.push(Entry {
                tag: tag.to_owned(),
                value: value.to_owned(),
            }),
            (None, Some((_, entries))) => {
                if line.trim().is_empty() {
                    continue;
                }
                if let Some(last) = entries.last_mut() {
                    if !last.value.is_empty() {
                        last.value.push('\n');
                    }
                    last.value.push_str(line.trim());
                }
            }
            (_, None) if line.trim().is_empty() => {}
            (_, None) => {
                return Err(FormatError::new(
                    number + 1,
                    Some(line_no),
                    format!(
                        "expected `TY  - ` to start a record, found {:?}",
                        line.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
    }
    if let Some((start, _)) = current {
        return Err(FormatError::new(
            number,
            Some(start),
            "the file ends inside this record: `ER  -` is missing",
        ));
    }
    Ok(report)
}

/// A RIS date `YYYY/MM/DD/other` (or plain text) as a `date` value.
fn ris_date(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if !value.contains('/') {
        return Some(value.to_owned());
    }
    let mut parts = value.splitn(4, '/');
    let year = parts.next().unwrap_or("").trim();
    let month = parts.next().unwrap_or("").trim();
    let day = parts.next().unwrap_or("").trim();
    let other = parts.next().unwrap_or("").trim();
    let numeric = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !(year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit())) {
        // Not the RIS form (`05/17/2020`): left for the date parser.
        return Some(value.to_owned());
    }
    if !other.is_empty() {
        if parse_date(other)
            .year
            .is_some_and(|y| y.to_string() == year)
        {
            return Some(other.to_owned());
        }
        if !numeric(month) {
            return Some(format!("{other} {year}"));
        }
    }
    let mut out = year.to_owned();
    if numeric(month) {
        out.push_str(&format!("-{month:0>2}"));
        if numeric(day) {
            out.push_str(&format!("-{day:0>2}"));
        }
    }
    Some(out)
}

fn read_record(
    report: &mut ParseReport,
    number: usize,
    start: usize,
    entries: Vec<Entry>,
) -> Result<(), FormatError> {
    let code = entries
        .first()
        .map(|e| e.value.trim())
        .unwrap_or("")
        .to_ascii_uppercase();
    let item_type = TYPES.iter().find(|(c, _)| *c == code).map(|(_, t)| *t);
    let mut b = RecordBuilder::new(item_type.unwrap_or("document"));
    if item_type.is_none() {
        b.unknown("TY", &code);
    }
    let (mut year_date, mut full_date) = (None, None);
    let (mut start_page, mut end_page) = (None::<String>, None::<String>);
    for Entry { tag, value } in entries.iter().skip(1) {
        let tag = tag.as_str();
        let value = value.as_str();
        match tag {
            "TI" | "T1" | "CT" => b.set("title", value, tag),
            "BT" if b.item_type() == "bookSection" => b.set("publicationTitle", value, tag),
            "BT" => b.set("title", value, tag),
            "T2" => b.set_first(&["publicationTitle", "series", "seriesTitle"], value, tag),
            "JF" => b.set("publicationTitle", value, tag),
            "JO" => {
                let differs = b.get("publicationTitle").is_some_and(|p| p != value.trim());
                if !(differs && b.try_set("journalAbbreviation", value)) {
                    b.set("publicationTitle", value, tag);
                }
            }
            "JA" | "J1" | "J2" => b.set("journalAbbreviation", value, tag),
            "T3" => b.set_first(&["series", "seriesTitle"], value, tag),
            "AU" | "A1" => b.add_person("author", value),
            "A2" | "ED" => b.add_person("editor", value),
            "A3" => b.add_person("seriesEditor", value),
            "A4" | "TA" => b.add_person("translator", value),
            "PY" | "Y1" => {
                if year_date.is_some() {
                    b.unknown(tag, value);
                } else {
                    year_date = ris_date(value);
                }
            }
            "DA" => {
                if full_date.is_some() {
                    b.unknown(tag, value);
                } else {
                    full_date = ris_date(value);
                }
            }
            "Y2" => {
                let date = ris_date(value).unwrap_or_default();
                b.set("accessDate", &date, tag);
            }
            "VL" => b.set_first(&["volume", "number"], value, tag),
            "IS" => b.set_first(&["issue", "number"], value, tag),
            "M1" => {
                if !b.try_set("number", value) {
                    b.unknown(tag, value);
                }
            }
            "M3" => {
                if !b.try_set("type", value) {
                    b.unknown(tag, value);
                }
            }
            "SP" => start_page = Some(value.trim().to_owned()),
            "EP" => end_page = Some(value.trim().to_owned()),
            "PB" => b.set("publisher", value, tag),
            "CY" | "PP" => b.set("place", value, tag),
            "SN" => read_standard_number(&mut b, value, tag),
            "DO" => b.set("DOI", &text::clean_doi(value), tag),
            "UR" => {
                for url in value.lines() {
                    if !b.try_set("url", url) {
                        b.add_linked_url(url);
                    }
                }
            }
            "L2" => {
                for url in value.lines() {
                    b.add_linked_url(url);
                }
            }
            "L1" | "L4" => {
                for path in value.lines().flat_map(|l| l.split(';')) {
                    b.add_linked_file(path);
                }
            }
            "AB" | "N2" => b.set("abstractNote", value, tag),
            "KW" => {
                for keyword in value.lines() {
                    b.add_tag(keyword);
                }
            }
            "N1" => b.add_note(value),
            "RN" => b.add_extra_text(value),
            "ET" => b.set("edition", value, tag),
            "LA" => b.set("language", value, tag),
            "ST" => b.set("shortTitle", value, tag),
            "CN" => b.set("callNumber", value, tag),
            "DB" | "DP" => b.set("libraryCatalog", value, tag),
            "AN" => b.set("archiveLocation", value, tag),
            "NV" => b.set("numberOfVolumes", value, tag),
            "SE" => b.set("section", value, tag),
            _ => b.unknown(tag, value),
        }
    }
    match (&year_date, &full_date) {
        (Some(y), Some(f)) => {
            let (py, da) = (parse_date(y), parse_date(f));
            if py.year.is_some() && da.year.is_some() && py.year != da.year {
                b.unknown("PY", y);
            }
            b.set("date", f, "DA");
        }
        (Some(d), None) | (None, Some(d)) => b.set("date", d, "DA"),
        (None, None) => {}
    }
    let pages = match (start_page, end_page) {
        (Some(s), Some(e)) if !s.is_empty() && !e.is_empty() && s != e && !s.contains('-') => {
            Some(format!("{s}-{e}"))
        }
        (Some(s), _) if !s.is_empty() => Some(s),
        (_, Some(e)) => Some(e),
        _ => None,
    };
    if let Some(pages) = pages {
        if b.has("pages") {
            b.set("pages", &text::clean_pages(&pages), "SP");
        } else {
            b.set_first(&["numPages", "pages"], &pages, "SP");
        }
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

/// `SN` holds an ISBN or an ISSN: chosen by shape, then by what the type has.
fn read_standard_number(b: &mut RecordBuilder, value: &str, tag: &str) {
    let field = match text::classify_standard_number(value) {
        StandardNumber::Issn if b.has("ISSN") => "ISSN",
        StandardNumber::Isbn if b.has("ISBN") => "ISBN",
        _ if b.has("ISBN") && !b.has("ISSN") => "ISBN",
        _ if b.has("ISSN") && !b.has("ISBN") => "ISSN",
        StandardNumber::Issn => "ISSN",
        _ => "ISBN",
    };
    b.set(field, value, tag);
}

/// The TY code written for an item type.
fn type_code(item_type: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(_, t)| *t == item_type)
        .map(|(c, _)| *c)
        .or_else(|| {
            NEAREST_TYPES
                .iter()
                .find(|(t, _)| *t == item_type)
                .map(|(_, c)| *c)
        })
        .unwrap_or("GEN")
}

/// Writes items as RIS.
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
    out.push_str(tag);
    out.push_str("  - ");
    let mut lines = value.lines().map(str::trim).filter(|l| !l.is_empty());
    if let Some(first) = lines.next() {
        out.push_str(first);
    }
    out.push('\n');
    for line in lines {
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
    out.push_str("TY  - ");
    out.push_str(type_code(&item.item_type));
    out.push('\n');
    let mut handled = vec![
        "title",
        "publicationTitle",
        "journalAbbreviation",
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
        push(out, "TI", t);
    }
    for c in writing::creators_in(item, Role::Author) {
        push(out, "AU", &writing::person_text(c));
    }
    for c in writing::creators_in(item, Role::Editor) {
        push(out, "A2", &writing::person_text(c));
    }
    for c in writing::creators_in(item, Role::SeriesEditor) {
        push(out, "A3", &writing::person_text(c));
    }
    for role in [Role::Translator, Role::BookAuthor, Role::Other] {
        for c in writing::creators_in(item, role) {
            push(out, "A4", &writing::person_text(c));
        }
    }
    push_base(out, item, "T2", "publicationTitle");
    if item.field("series").is_some() {
        push_base(out, item, "T3", "series");
    } else if let Some(s) = item.field("seriesTitle") {
        push(out, "T3", s);
        handled.push("seriesTitle");
    }
    push_base(out, item, "J2", "journalAbbreviation");
    if let Some(date) = writing::base(item, "date") {
        let (year, _) = text::split_date(date);
        let parsed = parse_date(date);
        push(out, "PY", year.as_deref().unwrap_or(date));
        if year.is_some() && date.trim() != year.as_deref().unwrap_or("") {
            let iso = parsed.iso();
            let other = if iso.as_deref() == Some(date.trim()) {
                ""
            } else {
                date.trim()
            };
            let m = parsed.month.map(|m| format!("{m:02}")).unwrap_or_default();
            let d = parsed.day.map(|d| format!("{d:02}")).unwrap_or_default();
            push(
                out,
                "DA",
                &format!("{}/{m}/{d}/{other}", year.as_deref().unwrap_or("")),
            );
        }
    }
    if let Some(accessed) = item.field("accessDate") {
        push(out, "Y2", accessed);
    }
    push_base(out, item, "VL", "volume");
    push_base(out, item, "IS", "issue");
    if writing::base(item, "issue").is_none() {
        push_base(out, item, "IS", "number");
    } else if let Some(n) = writing::base(item, "number") {
        push(out, "M1", n);
    }
    if let Some(pages) = writing::base(item, "pages") {
        match pages.split_once('-') {
            Some((s, e)) if !s.trim().is_empty() && !e.contains(['-', ',']) => {
                push(out, "SP", s);
                push(out, "EP", e);
            }
            _ => push(out, "SP", pages),
        }
    } else {
        push_base(out, item, "SP", "numPages");
    }
    push_base(out, item, "ET", "edition");
    push_base(out, item, "PB", "publisher");
    push_base(out, item, "CY", "place");
    push_base(out, item, "SN", "ISBN");
    push_base(out, item, "SN", "ISSN");
    push_base(out, item, "DO", "DOI");
    push_base(out, item, "UR", "url");
    push_base(out, item, "AB", "abstractNote");
    push_base(out, item, "LA", "language");
    push_base(out, item, "ST", "shortTitle");
    push_base(out, item, "CN", "callNumber");
    push_base(out, item, "DB", "libraryCatalog");
    push_base(out, item, "AN", "archiveLocation");
    push_base(out, item, "NV", "numberOfVolumes");
    push_base(out, item, "SE", "section");
    push_base(out, item, "M3", "type");
    for tag in writing::tag_texts(item) {
        push(out, "KW", tag);
    }
    for note in writing::note_texts(&entry.children) {
        push(out, "N1", &note);
    }
    for path in writing::linked_paths(&entry.children) {
        push(out, "L1", path);
    }
    for url in writing::linked_urls(&entry.children) {
        push(out, "L2", url);
    }
    for (field, value) in writing::unhandled_fields(item, &handled) {
        push(out, "RN", &format!("{field}: {}", value.replace('\n', " ")));
    }
    for line in writing::extra_lines(item) {
        match text::split_extra_line(line) {
            Some((tag, value))
                if tag.len() == 2
                    && tag_line(&format!("{tag}  - x")).is_some()
                    && tag != "TY"
                    && tag != "ER" =>
            {
                push(out, tag, value)
            }
            _ => push(out, "RN", line),
        }
    }
    out.push_str("ER  - \n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tag_lines() {
        assert_eq!(tag_line("TY  - JOUR"), Some(("TY", "JOUR")));
        assert_eq!(tag_line("ER  -"), Some(("ER", "")));
        assert_eq!(tag_line("ER  - "), Some(("ER", "")));
        assert_eq!(tag_line("AU - Smith, J"), Some(("AU", "Smith, J")));
        assert_eq!(tag_line("US - based study"), None);
        assert_eq!(tag_line("Y1  - 2001///"), Some(("Y1", "2001///")));
        assert_eq!(tag_line("plain text"), None);
    }

    #[test]
    fn reads_ris_dates() {
        assert_eq!(ris_date("2020///").as_deref(), Some("2020"));
        assert_eq!(ris_date("2020/5/7/").as_deref(), Some("2020-05-07"));
        assert_eq!(ris_date("2020/05//Spring").as_deref(), Some("2020-05"));
        assert_eq!(ris_date("2020///Spring").as_deref(), Some("Spring 2020"));
        assert_eq!(ris_date("2020/05//May 2020").as_deref(), Some("May 2020"));
        assert_eq!(ris_date("May 2020").as_deref(), Some("May 2020"));
    }
}
