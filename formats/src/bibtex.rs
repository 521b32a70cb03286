//! BibTeX and BibLaTeX. Reading goes through the `biblatex` crate (both
//! dialects, `@string` abbreviations, `crossref`, LaTeX accents and
//! dashes); writing is our own, with escaping, protected capitals and
//! citation keys unique within the file.

use std::collections::{BTreeSet, HashMap, HashSet};

use biblatex::{Bibliography, ChunksExt, Person, RawBibliography};
use shelfmark_protocol::dates::parse_date;
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{Creator, CreatorName, ItemData};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::latex;
use super::record::RecordBuilder;
use super::text;
use super::writing::{self, Role};
use super::{ExportItem, Format, FormatError, ParseReport};

/// Which of the two dialects to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Classic BibTeX: `year`/`month`, `journal`, `address`, accents as
    /// LaTeX commands.
    Bibtex,
    /// BibLaTeX: `date`, `journaltitle`, `location`, Unicode kept.
    Biblatex,
}

/// BibLaTeX when the text uses fields or entry types only it has.
pub(crate) fn detect_dialect(text: &str) -> Format {
    let lower = text.to_ascii_lowercase();
    let biblatex_only = [
        "journaltitle",
        "@online",
        "@thesis",
        "@report",
        "@dataset",
        "@software",
        "urldate",
    ];
    let date_field = lower.match_indices("date").any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + 4..].trim_start();
        !before.is_some_and(|c| c.is_ascii_alphanumeric()) && after.starts_with('=')
    });
    if date_field || biblatex_only.iter().any(|t| lower.contains(t)) {
        Format::Biblatex
    } else {
        Format::Bibtex
    }
}

/// Line of a byte offset, from 1.
fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The entry a byte offset falls in, from 1: the number of `@type{`
/// starts (not `@string`, `@preamble`, `@comment`) at or before it.
fn record_at(text: &str, offset: usize) -> usize {
    let count = text
        .match_indices('@')
        .take_while(|(i, _)| *i <= offset)
        .filter(|(i, _)| {
            let kind: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect::<String>()
                .to_ascii_lowercase();
            !kind.is_empty() && !matches!(kind.as_str(), "string" | "preamble" | "comment")
        })
        .count();
    count.max(1)
}

fn parse_error(
    text: &str,
    span: std::ops::Range<usize>,
    kind: impl std::fmt::Display,
) -> FormatError {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    FormatError::new(
        record_at(text, start),
        Some(line_of(text, start)),
        format!("malformed BibTeX: {kind}"),
    )
}

/// Reads a BibTeX or BibLaTeX file.
pub fn parse(text: &str) -> Result<ParseReport, FormatError> {
    parse_with(text, ParseReport::default())
}

/// Reads into `report`, which may stream its records to a consumer.
pub(crate) fn parse_with(text: &str, mut report: ParseReport) -> Result<ParseReport, FormatError> {
    // The parser is a third-party crate; a panic inside it must not take the
    // application down, so it becomes an error for the file.
    let prepared = latex::prepare_source(text);
    let text: &str = &prepared;
    let parsed = std::panic::catch_unwind(|| {
        let raw = RawBibliography::parse(text)
            .map_err(|e| parse_error(text, e.span.clone(), format!("{:?}", e.kind)))?;
        let starts: HashMap<String, (usize, String)> = raw
            .entries
            .iter()
            .map(|e| {
                (
                    e.v.key.v.to_owned(),
                    (e.span.start, e.v.kind.v.to_ascii_lowercase()),
                )
            })
            .collect();
        let bib = Bibliography::parse(text)
            .map_err(|e| parse_error(text, e.span.clone(), format!("{:?}", e.kind)))?;
        Ok::<_, FormatError>((starts, bib))
    });
    let (starts, bib) = match parsed {
        Ok(result) => result?,
        Err(_) => {
            return Err(FormatError::new(
                1,
                None,
                "the BibTeX parser could not read this file",
            ));
        }
    };
    for (index, entry) in bib.iter().enumerate() {
        let number = index + 1;
        let (offset, kind) = starts
            .get(&entry.key)
            .cloned()
            .unwrap_or((0, entry.entry_type.to_string().to_ascii_lowercase()));
        let line = Some(line_of(text, offset));
        let b = read_entry(entry, &kind);
        let (record, to_extra) = b.finish(number, line)?;
        report.add(number, record, to_extra);
    }
    Ok(report)
}

fn item_type_for(kind: &str, subtype: Option<&str>) -> Option<&'static str> {
    Some(match kind {
        "article" => match subtype {
            Some("magazine") => "magazineArticle",
            Some("newspaper") => "newspaperArticle",
            _ => "journalArticle",
        },
        "book" | "mvbook" | "booklet" | "collection" | "mvcollection" | "proceedings"
        | "mvproceedings" | "reference" | "mvreference" | "manual" | "periodical" => "book",
        "inbook" | "incollection" | "bookinbook" | "suppbook" | "suppcollection" => "bookSection",
        "inproceedings" | "conference" => "conferencePaper",
        "inreference" => "encyclopediaArticle",
        "phdthesis" | "mastersthesis" | "thesis" => "thesis",
        "techreport" | "report" => "report",
        "online" | "electronic" | "www" => "webpage",
        "patent" => "patent",
        "dataset" => "dataset",
        "software" => "computerProgram",
        "unpublished" => "manuscript",
        "misc" => "document",
        "artwork" | "image" => "artwork",
        "audio" | "music" => "audioRecording",
        "video" => "videoRecording",
        "movie" => "film",
        "letter" => "letter",
        "jurisdiction" | "legal" => "case",
        "legislation" => "statute",
        "standard" => "standard",
        "performance" => "presentation",
        "review" => "journalArticle",
        _ => return None,
    })
}

fn field_text(entry: &biblatex::Entry, name: &str) -> Option<String> {
    let chunks = entry.get(name)?;
    let raw = chunks.format_verbatim();
    let value = if matches!(name, "url" | "doi" | "file" | "eprint") {
        raw.trim().to_owned()
    } else {
        // Accents the parser could not compose stay as combining marks.
        latex::clean(&raw).nfc().collect()
    };
    (!value.is_empty()).then_some(value)
}

fn person_name(p: &Person) -> CreatorName {
    let last = [p.prefix.trim(), p.name.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let mut first: String = latex::clean(&p.given_name).nfc().collect();
    if !p.suffix.trim().is_empty() {
        first = format!("{first}, {}", p.suffix.trim());
    }
    if first.is_empty() {
        CreatorName::Single {
            name: latex::clean(&last),
        }
    } else {
        CreatorName::TwoField {
            first,
            last: latex::clean(&last),
        }
    }
}

fn read_people(b: &mut RecordBuilder, entry: &biblatex::Entry, field: &str, role: &str) {
    let Some(chunks) = entry.get(field) else {
        return;
    };
    match chunks.parse::<Vec<Person>>() {
        Ok(people) => {
            for p in &people {
                b.add_creator(role, person_name(p));
            }
        }
        Err(_) => b.unknown(field, &chunks.format_verbatim()),
    }
}

/// A BibTeX date from `date`, or `year` + `month` + `day`.
fn read_date(entry: &biblatex::Entry) -> Option<String> {
    if let Some(date) = field_text(entry, "date") {
        return Some(date);
    }
    let year = field_text(entry, "year")?;
    let month = field_text(entry, "month");
    let day = field_text(entry, "day");
    let four_digits = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit());
    let month_number = month.as_deref().and_then(|m| {
        m.trim()
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=12).contains(n))
            .or_else(|| parse_date(&format!("{m} 2000")).month)
    });
    match (four_digits, month_number) {
        (true, Some(m)) => {
            let mut out = format!("{year}-{m:02}");
            if let Some(d) = day
                .as_deref()
                .and_then(|d| d.trim().parse::<u8>().ok())
                .filter(|d| (1..=31).contains(d))
            {
                out.push_str(&format!("-{d:02}"));
            }
            Some(out)
        }
        _ => Some(match month {
            Some(m) => format!("{m} {year}"),
            None => year,
        }),
    }
}

/// `file` field values: JabRef/Zotero `Description:path:type` lists
/// separated by `;`, Mendeley `:path:type`, or a plain path.
fn file_paths(value: &str) -> Vec<String> {
    value
        .split(';')
        .filter_map(|part| {
            let part = part.trim();
            if part.is_empty() {
                return None;
            }
            let colons: Vec<usize> = part.match_indices(':').map(|(i, _)| i).collect();
            let path = match colons.as_slice() {
                [] => part,
                // `C:\x.pdf` is a drive letter, not a description.
                [one] if *one == 1 && part.as_bytes()[0].is_ascii_alphabetic() => part,
                [one] => &part[one + 1..],
                [first, .., last] => {
                    let middle = &part[first + 1..*last];
                    // `desc:https://x` has no type part.
                    if middle.is_empty() {
                        &part[first + 1..]
                    } else {
                        middle
                    }
                }
            };
            let path = path.trim();
            (!path.is_empty()).then(|| path.to_owned())
        })
        .collect()
}

fn read_entry(entry: &biblatex::Entry, kind: &str) -> RecordBuilder {
    let subtype = field_text(entry, "entrysubtype");
    let item_type = item_type_for(kind, subtype.as_deref());
    let mut b = RecordBuilder::new(item_type.unwrap_or("document"));
    if item_type.is_none() {
        b.unknown("entry type", kind);
    }
    b.set("citationKey", &entry.key, "key");
    let def = schema().item_type(b.item_type());
    let mut title_parts: Vec<String> = Vec::new();
    let mut handled_date = false;
    for name in entry.fields.keys() {
        let name = name.as_str();
        let Some(value) = field_text(entry, name) else {
            continue;
        };
        let v = value.as_str();
        match name {
            "title" => title_parts.insert(0, value.clone()),
            "subtitle" => title_parts.push(value.clone()),
            "shorttitle" => b.set("shortTitle", v, name),
            "author" => read_people(&mut b, entry, name, "author"),
            "editor" => read_people(&mut b, entry, name, "editor"),
            "translator" => read_people(&mut b, entry, name, "translator"),
            "bookauthor" => read_people(&mut b, entry, name, "bookAuthor"),
            "editora" | "editorb" | "editorc" => read_people(&mut b, entry, name, "contributor"),
            "journal" | "journaltitle" => b.set("publicationTitle", v, name),
            "booktitle" => b.set("publicationTitle", v, name),
            "shortjournal" => b.set("journalAbbreviation", v, name),
            "eventtitle" => b.set_first(&["conferenceName", "meetingName"], v, name),
            "venue" => b.set_first(&["eventPlace", "place"], v, name),
            "date" | "year" | "month" | "day" => {
                if !handled_date {
                    handled_date = true;
                    if let Some(date) = read_date(entry) {
                        b.set("date", &date, name);
                    }
                }
            }
            "urldate" => b.set("accessDate", v, name),
            "volume" => b.set_first(&["volume", "number"], v, name),
            "number" => b.set_first(&["issue", "number"], v, name),
            "issue" => b.set_first(&["issue", "number"], v, name),
            "pages" => {
                if b.has("pages") {
                    b.set("pages", &text::clean_pages(v), name);
                } else {
                    b.set_first(&["numPages", "pages"], v, name);
                }
            }
            "pagetotal" => b.set("numPages", v, name),
            "publisher" | "school" | "institution" => b.set("publisher", v, name),
            "organization" => b.set_first(&["publisher", "authority"], v, name),
            "address" | "location" => b.set("place", v, name),
            "edition" => b.set("edition", v, name),
            "series" => b.set_first(&["series", "seriesTitle"], v, name),
            "isbn" => b.set("ISBN", v, name),
            "issn" => b.set("ISSN", v, name),
            "doi" => b.set("DOI", &text::clean_doi(v), name),
            "url" => {
                if !b.try_set("url", v) {
                    b.add_linked_url(v);
                }
            }
            "howpublished" if v.starts_with("http://") || v.starts_with("https://") => {
                if !b.try_set("url", v) {
                    b.add_linked_url(v);
                }
            }
            "abstract" => b.set("abstractNote", v, name),
            "keywords" => {
                for tag in v.split([',', ';']) {
                    b.add_tag(tag);
                }
            }
            "note" | "annote" | "annotation" => b.add_note(v),
            "file" => {
                for path in file_paths(v) {
                    b.add_linked_file(&path);
                }
            }
            "language" | "langid" => b.set("language", v, name),
            "type" => b.set("type", v, name),
            "extra" => b.add_extra_text(v),
            "entrysubtype" if item_type.is_some_and(|t| t != "journalArticle") => {}
            _ => {
                let field = def.and_then(|d| {
                    d.fields
                        .iter()
                        .find(|f| f.name.to_ascii_lowercase() == name)
                });
                match field {
                    Some(f) => b.set(&f.name.clone(), v, name),
                    None => b.unknown(name, v),
                }
            }
        }
    }
    if !title_parts.is_empty() {
        b.set("title", &title_parts.join(": "), "title");
    }
    if b.item_type() == "thesis" && b.get("type").is_none() {
        match kind {
            "phdthesis" => b.set("type", "PhD thesis", "entry type"),
            "mastersthesis" => b.set("type", "Master's thesis", "entry type"),
            _ => {}
        }
    }
    b
}

/// The entry type written for an item in a dialect.
fn entry_type(item: &ItemData, dialect: Dialect) -> &'static str {
    let bibtex = dialect == Dialect::Bibtex;
    match item.item_type.as_str() {
        "journalArticle" | "magazineArticle" | "newspaperArticle" => "article",
        "book" => "book",
        "bookSection" => "incollection",
        "conferencePaper" => "inproceedings",
        "thesis" => match (item.field("thesisType"), bibtex) {
            (Some("Master's thesis"), _) => "mastersthesis",
            (Some("PhD thesis"), _) | (_, true) => "phdthesis",
            _ => "thesis",
        },
        "report" if bibtex => "techreport",
        "report" => "report",
        "manuscript" => "unpublished",
        "patent" => "patent",
        "encyclopediaArticle" | "dictionaryEntry" if bibtex => "incollection",
        "encyclopediaArticle" | "dictionaryEntry" => "inreference",
        _ if bibtex => "misc",
        "webpage" | "blogPost" | "forumPost" => "online",
        "dataset" => "dataset",
        "computerProgram" => "software",
        "artwork" => "artwork",
        "audioRecording" | "podcast" | "radioBroadcast" => "audio",
        "videoRecording" | "tvBroadcast" => "video",
        "film" => "movie",
        "letter" => "letter",
        "case" => "jurisdiction",
        "statute" | "bill" => "legislation",
        "standard" => "standard",
        _ => "misc",
    }
}

/// ASCII letters and digits of text, lower-case, accents removed.
fn key_part(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter(char::is_ascii_alphanumeric)
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// `lastnameYEARfirstword` from the first creator, the year and the first
/// significant word of the title.
fn generated_key(item: &ItemData) -> String {
    let last = item
        .creators
        .first()
        .map(|c| key_part(c.last_or_single()))
        .unwrap_or_default();
    let year = item
        .base_field("date")
        .and_then(|d| parse_date(d).year)
        .map(|y| y.to_string())
        .unwrap_or_default();
    const SKIP: &[&str] = &["a", "an", "the", "on", "of", "in", "and", "for", "to", "at"];
    let word = item
        .title()
        .map(text::note_text)
        .unwrap_or_default()
        .split_whitespace()
        .map(key_part)
        .find(|w| !w.is_empty() && !SKIP.contains(&w.as_str()))
        .unwrap_or_default();
    let key = format!("{last}{year}{word}");
    if key.is_empty() {
        "item".to_owned()
    } else {
        key
    }
}

/// A citation key: characters BibTeX accepts in keys only.
fn sanitize_key(key: &str) -> String {
    key.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    ',' | '{' | '}' | '(' | ')' | '=' | '"' | '#' | '%' | '\'' | '\\'
                )
        })
        .collect()
}

fn unique_key(base: String, used: &mut HashSet<String>) -> String {
    if used.insert(base.clone()) {
        return base;
    }
    let mut n = 0usize;
    loop {
        // a, b, …, z, then aa, ab, …
        let mut suffix = String::new();
        let mut m = n;
        loop {
            suffix.insert(0, (b'a' + (m % 26) as u8) as char);
            if m < 26 {
                break;
            }
            m = m / 26 - 1;
        }
        let candidate = format!("{base}{suffix}");
        if used.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// Writes items as BibTeX or BibLaTeX.
pub fn export(items: &[ExportItem], dialect: Dialect) -> String {
    let mut used = HashSet::new();
    let mut out = String::new();
    for entry in items {
        let base = entry
            .item
            .field("citationKey")
            .map(sanitize_key)
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| generated_key(&entry.item));
        let key = unique_key(base, &mut used);
        write_entry(&mut out, &key, entry, dialect);
        out.push('\n');
    }
    out
}

struct Fields {
    list: Vec<(String, String)>,
    ascii: bool,
}

impl Fields {
    fn names(&self) -> BTreeSet<&str> {
        self.list.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// A text field, escaped.
    fn text(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty())
            && !self.list.iter().any(|(n, _)| n == name)
        {
            let escaped = latex::escape(v, self.ascii);
            let escaped = if matches!(name, "title" | "booktitle") {
                latex::protect_capitals(&escaped)
            } else {
                escaped
            };
            self.list.push((name.to_owned(), format!("{{{escaped}}}")));
        }
    }

    /// A field written as it is (URLs, DOIs, paths): only braces and
    /// backslashes escaped.
    fn verbatim(&mut self, name: &str, value: &str) {
        let escaped: String = value
            .trim()
            .chars()
            .flat_map(|c| match c {
                '{' => vec!['\\', '{'],
                '}' => vec!['\\', '}'],
                '\\' => vec!['\\', '\\'],
                c => vec![c],
            })
            .collect();
        if !escaped.is_empty() {
            self.list.push((name.to_owned(), format!("{{{escaped}}}")));
        }
    }

    fn raw(&mut self, name: &str, value: String) {
        self.list.push((name.to_owned(), value));
    }
}

fn names_value(creators: &[&Creator], ascii: bool) -> Option<String> {
    if creators.is_empty() {
        return None;
    }
    let names: Vec<String> = creators
        .iter()
        .map(|c| match &c.name {
            CreatorName::TwoField { first, last } if !first.is_empty() => {
                let (given, suffix) = match first.split_once(", ") {
                    Some((g, s)) => (g, Some(s)),
                    None => (first.as_str(), None),
                };
                let last = latex::escape(last, ascii);
                let given = latex::escape(given, ascii);
                match suffix {
                    Some(s) => format!("{last}, {}, {given}", latex::escape(s, ascii)),
                    None => format!("{last}, {given}"),
                }
            }
            _ => format!("{{{}}}", latex::escape(c.last_or_single(), ascii)),
        })
        .collect();
    Some(format!("{{{}}}", names.join(" and ")))
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn write_entry(out: &mut String, key: &str, entry: &ExportItem, dialect: Dialect) {
    let item = &entry.item;
    let bibtex = dialect == Dialect::Bibtex;
    let mut f = Fields {
        list: Vec::new(),
        ascii: bibtex,
    };
    let get = |base: &str| writing::base(item, base);
    let kind = entry_type(item, dialect);
    // Fields of the item written under a name of their own.
    let mut handled: Vec<&str> = vec![
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
        "publisher",
        "place",
        "edition",
        "series",
        "ISBN",
        "ISSN",
        "DOI",
        "url",
        "abstractNote",
        "language",
        "type",
        "shortTitle",
        "citationKey",
        "conferenceName",
        "meetingName",
    ];

    for (role, name) in [
        (Role::Author, "author"),
        (Role::Editor, "editor"),
        (Role::Translator, "translator"),
        (Role::BookAuthor, "bookauthor"),
        (Role::Other, "editora"),
    ] {
        if let Some(v) = names_value(&writing::creators_in(item, role), bibtex) {
            f.raw(name, v);
        }
    }
    let series_editors = writing::creators_in(item, Role::SeriesEditor);
    f.text("title", item.title());
    let container = get("publicationTitle");
    match kind {
        "article" if bibtex => f.text("journal", container),
        "article" => f.text("journaltitle", container),
        _ => f.text("booktitle", container),
    }
    if !bibtex {
        match item.item_type.as_str() {
            "magazineArticle" => f.raw("entrysubtype", "{magazine}".into()),
            "newspaperArticle" => f.raw("entrysubtype", "{newspaper}".into()),
            _ => {}
        }
    }
    f.text("shortjournal", get("journalAbbreviation"));
    f.text(
        "eventtitle",
        get("conferenceName").or_else(|| get("meetingName")),
    );
    if let Some(date) = get("date") {
        let parsed = parse_date(date);
        let iso = parsed.iso();
        if bibtex || iso.as_deref() != Some(date.trim()) {
            match parsed.year {
                Some(y) if iso.is_some() => {
                    f.raw("year", format!("{{{y}}}"));
                    if let Some(m) = parsed.month {
                        f.raw("month", MONTHS[usize::from(m - 1)].to_owned());
                    }
                    if let Some(d) = parsed.day {
                        f.raw("day", format!("{{{d}}}"));
                    }
                    if iso.as_deref() != Some(date.trim()) && !bibtex {
                        f.text("date", Some(date));
                    }
                }
                _ => f.text("year", Some(date)),
            }
        } else {
            f.text("date", Some(date));
        }
    }
    f.text("urldate", get("accessDate"));
    f.text("volume", get("volume"));
    f.text("number", get("issue").or_else(|| get("number")));
    if get("issue").is_some() && get("number").is_some() {
        handled.retain(|h| *h != "number");
    }
    match get("pages") {
        Some(p) => f.text("pages", Some(&p.replace('-', "–"))),
        None => f.text("pagetotal", get("numPages")),
    }
    if get("pages").is_some() && get("numPages").is_some() {
        f.text("pagetotal", get("numPages"));
    }
    let publisher_field = match (item.item_type.as_str(), bibtex) {
        ("thesis", true) => "school",
        ("thesis", false) | ("report", _) => "institution",
        _ => "publisher",
    };
    f.text(publisher_field, get("publisher"));
    f.text(if bibtex { "address" } else { "location" }, get("place"));
    f.text("edition", get("edition"));
    let series = item.field("series").or_else(|| {
        let s = item.field("seriesTitle");
        if s.is_some() {
            handled.push("seriesTitle");
        }
        s
    });
    f.text("series", series);
    f.text("isbn", get("ISBN"));
    f.text("issn", get("ISSN"));
    if let Some(doi) = get("DOI") {
        f.verbatim("doi", doi);
    }
    if let Some(url) = get("url") {
        f.verbatim("url", url);
    }
    f.text("abstract", get("abstractNote"));
    if !item.tags.is_empty() {
        f.text("keywords", Some(&writing::tag_texts(item).join(", ")));
    }
    f.text("language", get("language"));
    let implied_thesis_type = matches!(kind, "phdthesis" | "mastersthesis")
        && matches!(get("type"), Some("PhD thesis" | "Master's thesis"));
    if !implied_thesis_type {
        f.text("type", get("type"));
    }
    f.text("shorttitle", get("shortTitle"));
    let notes = writing::note_texts(&entry.children);
    if !notes.is_empty() {
        // Line breaks mean nothing in BibTeX; paragraphs are kept as `\par`.
        let paragraphs: Vec<String> = notes
            .iter()
            .flat_map(|n| n.lines())
            .filter(|l| !l.trim().is_empty())
            .map(|l| latex::escape(l.trim(), bibtex))
            .collect();
        f.raw("annote", format!("{{{}}}", paragraphs.join(" \\par ")));
    }
    let files: Vec<String> = writing::linked_paths(&entry.children)
        .into_iter()
        .map(|p| {
            let mime = text::content_type_for(p).unwrap_or("");
            format!("{}:{p}:{mime}", text::file_name(p).replace([':', ';'], " "))
        })
        .collect();
    if !files.is_empty() {
        f.verbatim("file", &files.join(";"));
    }
    let mut extra: Vec<String> = Vec::new();
    for c in &series_editors {
        extra.push(format!("seriesEditor: {}", writing::person_text(c)));
    }
    for url in writing::linked_urls(&entry.children) {
        if get("url").is_none() && !f.names().contains("url") {
            f.verbatim("url", url);
        } else {
            extra.push(format!("linked URL: {url}"));
        }
    }
    for (field, value) in writing::unhandled_fields(item, &handled) {
        let name = field.to_ascii_lowercase();
        if f.names().contains(name.as_str()) {
            extra.push(format!("{field}: {value}"));
        } else {
            f.text(&name, Some(value));
        }
    }
    for line in writing::extra_lines(item) {
        match text::split_extra_line(line) {
            Some((name, value))
                if name != "extra"
                    && name.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                    })
                    && !f.names().contains(name) =>
            {
                f.text(name, Some(value))
            }
            _ => extra.push(line.to_owned()),
        }
    }
    if !extra.is_empty() {
        f.text("extra", Some(&extra.join("\n")));
    }

    out.push('@');
    out.push_str(kind);
    out.push('{');
    out.push_str(key);
    out.push_str(",\n");
    for (name, value) in &f.list {
        out.push_str(&format!("  {name} = {value},\n"));
    }
    out.push_str("}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_field_forms() {
        assert_eq!(
            file_paths("Full Text:files/12/paper.pdf:application/pdf"),
            vec!["files/12/paper.pdf"]
        );
        assert_eq!(
            file_paths(":C:/Users/a/p.pdf:pdf"),
            vec!["C:/Users/a/p.pdf"]
        );
        assert_eq!(file_paths("C:\\p.pdf"), vec!["C:\\p.pdf"]);
        assert_eq!(
            file_paths("/home/a/p.pdf;x:/b.pdf:pdf"),
            vec!["/home/a/p.pdf", "/b.pdf"]
        );
    }

    #[test]
    fn keys_are_unique() {
        let mut used = HashSet::new();
        assert_eq!(unique_key("smith2020".into(), &mut used), "smith2020");
        assert_eq!(unique_key("smith2020".into(), &mut used), "smith2020a");
        assert_eq!(unique_key("smith2020".into(), &mut used), "smith2020b");
    }

    #[test]
    fn dialects() {
        assert_eq!(
            detect_dialect("@article{a, journaltitle={X}}"),
            Format::Biblatex
        );
        assert_eq!(
            detect_dialect("@article{a, date = {2020}}"),
            Format::Biblatex
        );
        assert_eq!(
            detect_dialect("@article{a, journal={X}, urldate2 = 1}"),
            Format::Biblatex
        );
        assert_eq!(
            detect_dialect("@article{a, journal={X}, year={2020}}"),
            Format::Bibtex
        );
    }
}
