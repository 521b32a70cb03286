//! EndNote XML: `<xml><records><record>…</record></records></xml>`, the
//! export EndNote reads back without loss. Text may sit directly in an
//! element or in `<style>` runs (italic, bold, superscript, subscript runs
//! become `<i>`, `<b>`, `<sup>`, `<sub>` markup); HTML entities are decoded.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::endnote_types;
use super::record::RecordBuilder;
use super::text::{self, StandardNumber};
use super::writing::{self, Role};
use super::{ExportItem, FormatError, ParseReport};

/// A parsed element of one record.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    Text(String),
    Element(Element),
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The text of the element and its descendants, with style runs as
    /// HTML markup.
    fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        // EndNote writes line breaks as `&#xD;`.
        out.replace("\r\n", "\n")
            .replace('\r', "\n")
            .trim()
            .to_owned()
    }

    fn collect_text(&self, out: &mut String) {
        for node in &self.children {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) if e.name == "style" => {
                    let face = e.attr("face").unwrap_or("normal");
                    let tags: Vec<&str> = ["italic", "bold", "superscript", "subscript"]
                        .iter()
                        .zip(["i", "b", "sup", "sub"])
                        .filter(|(f, _)| face.contains(*f))
                        .map(|(_, t)| t)
                        .collect();
                    let mut inner = String::new();
                    e.collect_text(&mut inner);
                    if inner.trim().is_empty() {
                        out.push_str(&inner);
                        continue;
                    }
                    for t in &tags {
                        out.push_str(&format!("<{t}>"));
                    }
                    out.push_str(&inner);
                    for t in tags.iter().rev() {
                        out.push_str(&format!("</{t}>"));
                    }
                }
                Node::Element(e) => e.collect_text(out),
            }
        }
    }
}

/// Line numbers from byte offsets, counted as the reader moves forward.
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl LineCounter<'_> {
    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset >= self.offset {
            self.line += self.text.as_bytes()[self.offset..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
        } else {
            self.line = 1 + self.text.as_bytes()[..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
        }
        self.offset = offset;
        self.line
    }
}

fn start_element(e: &BytesStart<'_>) -> Element {
    let name = e.name().as_ref().to_owned();
    let attrs = e
        .attributes()
        .flatten()
        .map(|a| {
            let key = a.key.as_ref().to_owned();
            let value = text::decode_entities(&a.value);
            (key, value)
        })
        .collect();
    Element {
        name,
        attrs,
        children: Vec::new(),
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        match top.children.last_mut() {
            Some(Node::Text(t)) => t.push_str(text),
            _ => top.children.push(Node::Text(text.to_owned())),
        }
    }
}

/// Reads an EndNote XML file.
pub fn parse(text: &str) -> Result<ParseReport, FormatError> {
    parse_with(text, ParseReport::default())
}

/// Reads into `report`, which may stream its records to a consumer.
pub(crate) fn parse_with(text: &str, mut report: ParseReport) -> Result<ParseReport, FormatError> {
    let mut reader = Reader::from_str(text);
    let mut lines = LineCounter {
        text,
        offset: 0,
        line: 1,
    };
    let mut number = 0;
    let mut saw_records = false;
    // The element stack of the record being read (empty outside records).
    let mut stack: Vec<Element> = Vec::new();
    let mut record_line = 1;
    loop {
        let position = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let line = lines.line_at(reader.error_position() as usize);
            let record = if stack.is_empty() { number + 1 } else { number };
            FormatError::new(record, Some(line), format!("malformed XML: {e}"))
        })?;
        match event {
            Event::Start(e) => {
                let el = start_element(&e);
                if el.name == "records" {
                    saw_records = true;
                }
                if el.name == "record" && stack.is_empty() {
                    number += 1;
                    record_line = lines.line_at(position);
                    stack.push(el);
                } else if !stack.is_empty() {
                    stack.push(el);
                }
            }
            Event::Empty(e) => {
                if let Some(top) = stack.last_mut() {
                    top.children.push(Node::Element(start_element(&e)));
                }
            }
            Event::End(_) => {
                if let Some(done) = stack.pop() {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(Node::Element(done)),
                        None => read_record(&mut report, number, record_line, &done)?,
                    }
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(t) => push_text(&mut stack, &t.xml10_content()),
            Event::GeneralRef(r) => {
                if stack.is_empty() {
                    continue;
                }
                let decoded = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_xml_entity(&name)
                            .or_else(|| quick_xml::escape::resolve_html5_entity(&name))
                            .map_or_else(|| format!("&{name};"), str::to_owned)
                    }
                };
                push_text(&mut stack, &decoded);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(FormatError::new(
            number,
            Some(record_line),
            "the file ends inside this record",
        ));
    }
    if !saw_records && number == 0 {
        return Err(FormatError::new(
            1,
            Some(1),
            "not an EndNote XML file: no <records> element",
        ));
    }
    Ok(report)
}

fn texts<'a>(parent: Option<&'a Element>, child: &'a str) -> impl Iterator<Item = String> + 'a {
    parent
        .into_iter()
        .flat_map(move |p| p.elements().filter(move |e| e.name == child))
        .map(Element::text)
        .filter(|t| !t.is_empty())
}

fn read_record(
    report: &mut ParseReport,
    number: usize,
    line: usize,
    record: &Element,
) -> Result<(), FormatError> {
    let ref_type = record.child("ref-type");
    let type_name = ref_type
        .and_then(|r| r.attr("name"))
        .unwrap_or("")
        .to_owned();
    let type_number = ref_type.and_then(|r| r.text().trim().parse().ok());
    let item_type = endnote_types::item_type_for(&type_name, type_number);
    let mut b = RecordBuilder::new(item_type.unwrap_or("document"));
    if item_type.is_none() {
        let shown = if type_name.is_empty() {
            ref_type.map(Element::text).unwrap_or_default()
        } else {
            type_name.clone()
        };
        b.unknown("ref-type", &shown);
    }
    let edited_book = type_name == "Edited Book" || type_number == Some(28);
    let mut year = None;
    let mut pub_date = None;
    for el in record.elements() {
        let name = el.name.as_str();
        match name {
            "database" | "source-app" | "rec-number" | "foreign-keys" | "ref-type" => {}
            "contributors" => {
                let roles = [
                    ("authors", if edited_book { "editor" } else { "author" }),
                    ("secondary-authors", "editor"),
                    ("tertiary-authors", "seriesEditor"),
                    ("subsidiary-authors", "translator"),
                    ("translated-authors", "translator"),
                ];
                for group in el.elements() {
                    match roles.iter().find(|(g, _)| *g == group.name) {
                        Some((_, role)) => {
                            for person in texts(Some(group), "author") {
                                b.add_person(role, &person);
                            }
                        }
                        None => b.unknown(&group.name, &group.text()),
                    }
                }
            }
            "titles" => {
                for t in el.elements() {
                    let value = t.text();
                    match t.name.as_str() {
                        "title" => b.set("title", &value, "title"),
                        "secondary-title" => b.set_first(
                            &["publicationTitle", "series", "seriesTitle"],
                            &value,
                            "secondary-title",
                        ),
                        "tertiary-title" => {
                            b.set_first(&["series", "seriesTitle"], &value, "tertiary-title")
                        }
                        "alt-title" => b.set("journalAbbreviation", &value, "alt-title"),
                        "short-title" => b.set("shortTitle", &value, "short-title"),
                        other => b.unknown(other, &value),
                    }
                }
            }
            "periodical" | "alt-periodical" => {
                for t in el.elements() {
                    let value = t.text();
                    match t.name.as_str() {
                        "full-title" => {
                            if !(name == "alt-periodical" && b.get("publicationTitle").is_some()) {
                                b.set("publicationTitle", &value, "full-title");
                            }
                        }
                        "abbr-1" | "abbr-2" | "abbr-3" => {
                            if b.get("journalAbbreviation").is_none() || t.name == "abbr-1" {
                                b.set("journalAbbreviation", &value, &t.name);
                            }
                        }
                        other => b.unknown(other, &value),
                    }
                }
            }
            "pages" => {
                let pages = el.text();
                if b.has("pages") {
                    b.set("pages", &text::clean_pages(&pages), name);
                } else {
                    b.set_first(&["numPages", "pages"], &pages, name);
                }
            }
            "volume" => b.set_first(&["volume", "number"], &el.text(), name),
            "number" | "issue" => b.set_first(&["issue", "number"], &el.text(), name),
            "num-vols" => b.set("numberOfVolumes", &el.text(), name),
            "edition" => b.set("edition", &el.text(), name),
            "section" => b.set("section", &el.text(), name),
            "keywords" => {
                for k in texts(Some(el), "keyword") {
                    for tag in k.lines() {
                        b.add_tag(tag);
                    }
                }
            }
            "dates" => {
                year = el
                    .child("year")
                    .map(Element::text)
                    .filter(|y| !y.is_empty());
                pub_date = texts(el.child("pub-dates"), "date").next();
            }
            "pub-location" => b.set("place", &el.text(), name),
            "publisher" => b.set("publisher", &el.text(), name),
            "isbn" => {
                let value = el.text();
                let field = match text::classify_standard_number(&value) {
                    StandardNumber::Issn if b.has("ISSN") => "ISSN",
                    _ if b.has("ISBN") => "ISBN",
                    _ => "ISSN",
                };
                b.set(field, &value, name);
            }
            "accession-num" => b.set("archiveLocation", &el.text(), name),
            "call-num" => b.set("callNumber", &el.text(), name),
            "work-type" => b.set("type", &el.text(), name),
            "electronic-resource-num" => b.set("DOI", &text::clean_doi(&el.text()), name),
            "abstract" => b.set("abstractNote", &el.text(), name),
            "notes" => b.add_note(&el.text()),
            "research-notes" => b.add_extra_text(&el.text()),
            "language" => b.set("language", &el.text(), name),
            "remote-database-name" | "remote-database-provider" => {
                b.set("libraryCatalog", &el.text(), name)
            }
            "access-date" => b.set("accessDate", &el.text(), name),
            "urls" => {
                for url in
                    texts(el.child("related-urls"), "url").chain(texts(el.child("web-urls"), "url"))
                {
                    if !b.try_set("url", &url) {
                        b.add_linked_url(&url);
                    }
                }
                for path in texts(el.child("pdf-urls"), "url") {
                    b.add_linked_file(&path);
                }
                for other in el.elements().filter(|e| {
                    !matches!(e.name.as_str(), "related-urls" | "web-urls" | "pdf-urls")
                }) {
                    for url in texts(Some(other), "url") {
                        b.unknown(&other.name, &url);
                    }
                }
            }
            other => b.unknown(other, &el.text()),
        }
    }
    if let Some(date) = text::join_date(year.as_deref(), pub_date.as_deref()) {
        b.set("date", &date, "dates");
    }
    if b.is_empty() {
        report
            .skipped
            .push((number, "empty record: only a type".into()));
        return Ok(());
    }
    let (record, to_extra) = b.finish(number, Some(line))?;
    report.add(number, record, to_extra);
    Ok(())
}

/// Elements kept in `extra` on reading that are written back as elements.
const RESTORED_ELEMENTS: &[&str] = &[
    "auth-address",
    "auth-affiliaton",
    "label",
    "caption",
    "orig-pub",
    "reprint-edition",
    "reviewed-item",
    "modified-date",
    "custom1",
    "custom2",
    "custom3",
    "custom4",
    "custom5",
    "custom6",
    "custom7",
];

fn escape_xml(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// Text as `<style>` runs: `<i>`, `<b>`, `<sup>`, `<sub>` markup becomes
/// faces; everything else is literal text.
fn styled(text: &str) -> String {
    const TAGS: [(&str, &str); 4] = [
        ("i", "italic"),
        ("b", "bold"),
        ("sup", "superscript"),
        ("sub", "subscript"),
    ];
    let mut out = String::new();
    let mut faces: Vec<&str> = Vec::new();
    let mut run = String::new();
    let flush = |out: &mut String, run: &mut String, faces: &[&str]| {
        if run.is_empty() {
            return;
        }
        let face = if faces.is_empty() {
            "normal".to_owned()
        } else {
            faces.join(" ")
        };
        out.push_str(&format!(
            "<style face=\"{face}\" font=\"default\" size=\"100%\">{}</style>",
            escape_xml(run)
        ));
        run.clear();
    };
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (tag, face) in TAGS {
            let open = format!("<{tag}>");
            let close = format!("</{tag}>");
            if let Some(r) = rest.strip_prefix(&open) {
                flush(&mut out, &mut run, &faces);
                faces.push(face);
                rest = r;
                continue 'outer;
            }
            if let Some(r) = rest.strip_prefix(&close)
                && faces.last() == Some(&face)
            {
                flush(&mut out, &mut run, &faces);
                faces.pop();
                rest = r;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        run.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut out, &mut run, &faces);
    out
}

fn element(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
        out.push_str(&format!("<{name}>{}</{name}>", styled(v)));
    }
}

/// Writes items as EndNote XML.
pub fn export(items: &[ExportItem]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" ?><xml><records>");
    for (index, entry) in items.iter().enumerate() {
        out.push('\n');
        write_record(&mut out, index + 1, entry);
    }
    out.push_str("</records></xml>\n");
    out
}

fn people(out: &mut String, group: &str, creators: &[&shelfmark_protocol::Creator]) {
    if creators.is_empty() {
        return;
    }
    out.push_str(&format!("<{group}>"));
    for c in creators {
        element(out, "author", Some(&writing::person_text(c)));
    }
    out.push_str(&format!("</{group}>"));
}

fn write_record(out: &mut String, number: usize, entry: &ExportItem) {
    let item = &entry.item;
    let authors = writing::creators_in(item, Role::Author);
    let editors = writing::creators_in(item, Role::Editor);
    let edited_book = item.item_type == "book" && authors.is_empty() && !editors.is_empty();
    let (type_name, type_number) = endnote_types::ref_type_for(&item.item_type, edited_book);
    let get = |base: &str| writing::base(item, base);
    let mut handled = vec![
        "title",
        "publicationTitle",
        "journalAbbreviation",
        "shortTitle",
        "series",
        "pages",
        "numPages",
        "volume",
        "issue",
        "number",
        "numberOfVolumes",
        "edition",
        "section",
        "date",
        "place",
        "publisher",
        "ISBN",
        "ISSN",
        "archiveLocation",
        "callNumber",
        "type",
        "DOI",
        "abstractNote",
        "language",
        "libraryCatalog",
        "accessDate",
        "url",
    ];
    let mut restored: Vec<(&str, &str)> = Vec::new();
    let mut research = Vec::new();
    for line in writing::extra_lines(item) {
        match text::split_extra_line(line) {
            Some((key, value)) if RESTORED_ELEMENTS.contains(&key) => restored.push((key, value)),
            _ => research.push(line.to_owned()),
        }
    }
    let restore = |out: &mut String, name: &str| {
        for (_, v) in restored.iter().filter(|(k, _)| *k == name) {
            element(out, name, Some(v));
        }
    };

    out.push_str("<record>");
    // EndNote's own exports open every record with these.
    out.push_str(
        "<database name=\"Shelfmark.enl\" path=\"Shelfmark.enl\">Shelfmark.enl</database>",
    );
    out.push_str("<source-app name=\"Shelfmark\" version=\"1.0\">Shelfmark</source-app>");
    out.push_str(&format!("<rec-number>{number}</rec-number>"));
    out.push_str(&format!(
        "<ref-type name=\"{type_name}\">{type_number}</ref-type>"
    ));
    out.push_str("<contributors>");
    if edited_book {
        people(out, "authors", &editors);
    } else {
        people(out, "authors", &authors);
        people(out, "secondary-authors", &editors);
    }
    people(
        out,
        "tertiary-authors",
        &writing::creators_in(item, Role::SeriesEditor),
    );
    let mut subsidiary = writing::creators_in(item, Role::Translator);
    subsidiary.extend(writing::creators_in(item, Role::BookAuthor));
    subsidiary.extend(writing::creators_in(item, Role::Other));
    people(out, "subsidiary-authors", &subsidiary);
    out.push_str("</contributors>");
    restore(out, "auth-address");
    restore(out, "auth-affiliaton");
    out.push_str("<titles>");
    element(out, "title", item.title());
    element(out, "secondary-title", get("publicationTitle"));
    let series = item.field("series").or_else(|| {
        let s = item.field("seriesTitle");
        if s.is_some() {
            handled.push("seriesTitle");
        }
        s
    });
    element(out, "tertiary-title", series);
    element(out, "alt-title", get("journalAbbreviation"));
    element(out, "short-title", get("shortTitle"));
    out.push_str("</titles>");
    if matches!(
        item.item_type.as_str(),
        "journalArticle" | "magazineArticle" | "newspaperArticle"
    ) && let Some(p) = get("publicationTitle")
    {
        out.push_str("<periodical>");
        element(out, "full-title", Some(p));
        element(out, "abbr-1", get("journalAbbreviation"));
        out.push_str("</periodical>");
    }
    element(out, "pages", get("pages").or_else(|| get("numPages")));
    if get("pages").is_some() {
        handled.retain(|h| *h != "numPages");
    }
    element(out, "volume", get("volume"));
    let (number_value, number_base) = match get("issue") {
        Some(issue) => (Some(issue), "number"),
        None => (get("number"), "issue"),
    };
    if number_base == "number" && get("number").is_some() {
        handled.retain(|h| *h != "number");
    }
    element(out, "number", number_value);
    element(out, "num-vols", get("numberOfVolumes"));
    element(out, "edition", get("edition"));
    element(out, "section", get("section"));
    restore(out, "reprint-edition");
    if !item.tags.is_empty() {
        out.push_str("<keywords>");
        for tag in writing::tag_texts(item) {
            element(out, "keyword", Some(tag));
        }
        out.push_str("</keywords>");
    }
    if let Some(date) = get("date") {
        let (year, more) = text::split_date(date);
        out.push_str("<dates>");
        element(out, "year", Some(year.as_deref().unwrap_or(date)));
        if year.is_some()
            && let Some(more) = &more
        {
            out.push_str("<pub-dates>");
            element(out, "date", Some(more));
            out.push_str("</pub-dates>");
        }
        out.push_str("</dates>");
    }
    element(out, "pub-location", get("place"));
    element(out, "publisher", get("publisher"));
    restore(out, "orig-pub");
    let isbn = get("ISBN").or_else(|| get("ISSN"));
    if get("ISBN").is_some() {
        handled.retain(|h| *h != "ISSN");
    }
    element(out, "isbn", isbn);
    element(out, "accession-num", get("archiveLocation"));
    element(out, "call-num", get("callNumber"));
    element(out, "electronic-resource-num", get("DOI"));
    element(out, "abstract", get("abstractNote"));
    restore(out, "label");
    restore(out, "caption");
    let notes = writing::note_texts(&entry.children);
    if !notes.is_empty() {
        element(out, "notes", Some(&notes.join("\n")));
    }
    for (f, v) in writing::unhandled_fields(item, &handled).into_iter().rev() {
        research.insert(0, format!("{f}: {}", v.replace('\n', " ")));
    }
    if !research.is_empty() {
        element(out, "research-notes", Some(&research.join("\n")));
    }
    element(out, "work-type", get("type"));
    restore(out, "reviewed-item");
    element(out, "remote-database-name", get("libraryCatalog"));
    element(out, "language", get("language"));
    let related: Vec<&str> = get("url")
        .into_iter()
        .chain(writing::linked_urls(&entry.children))
        .collect();
    let pdfs = writing::linked_paths(&entry.children);
    if !related.is_empty() || !pdfs.is_empty() {
        out.push_str("<urls>");
        if !related.is_empty() {
            out.push_str("<related-urls>");
            for u in related {
                out.push_str(&format!("<url>{}</url>", escape_xml(u)));
            }
            out.push_str("</related-urls>");
        }
        if !pdfs.is_empty() {
            out.push_str("<pdf-urls>");
            for p in pdfs {
                out.push_str(&format!("<url>{}</url>", escape_xml(p)));
            }
            out.push_str("</pdf-urls>");
        }
        out.push_str("</urls>");
    }
    element(out, "access-date", get("accessDate"));
    restore(out, "modified-date");
    for n in 1..=7 {
        restore(out, &format!("custom{n}"));
    }
    out.push_str("</record>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_runs_round_trip() {
        let xml = styled("The <i>Homo sapiens</i> genome & H<sub>2</sub>O");
        assert_eq!(
            xml,
            "<style face=\"normal\" font=\"default\" size=\"100%\">The </style><style face=\"italic\" font=\"default\" size=\"100%\">Homo sapiens</style><style face=\"normal\" font=\"default\" size=\"100%\"> genome &amp; H</style><style face=\"subscript\" font=\"default\" size=\"100%\">2</style><style face=\"normal\" font=\"default\" size=\"100%\">O</style>"
        );
        let file = format!(
            "<xml><records><record><ref-type name=\"Journal Article\">17</ref-type><titles><title>{xml}</title></titles></record></records></xml>"
        );
        let report = parse(&file).expect("parses");
        assert_eq!(
            report.records[0].item.title(),
            Some("The <i>Homo sapiens</i> genome & H<sub>2</sub>O")
        );
        assert_eq!(report.records[0].item.field("extra"), None);
    }
}
