//! Items as Atom (`format=atom`, or `content=` without `format`): feeds
//! and entries that parse as XML, each `content` value, several at once,
//! paging, escaping, and refused values.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Value, json};

use super::export::library;
use crate::support::{Client, Deployment, header};

/// One element of a parsed document: its name, attributes and text (its
/// own and its descendants', unescaped), with the raw markup inside it.
#[derive(Debug)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    inner: String,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every element of `xml`, in document order; panics unless the document
/// is well-formed XML with one root.
fn elements(xml: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(xml);
    let mut done: Vec<Element> = Vec::new();
    let mut open: Vec<(Element, usize)> = Vec::new();
    let mut roots = 0;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().unwrap_or_else(|e| panic!("{e}: {xml}"));
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(s) | Event::Empty(s) => {
                if open.is_empty() {
                    roots += 1;
                }
                let attributes = s
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        let value = a
                            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .expect("attribute value")
                            .into_owned();
                        (AsRef::<str>::as_ref(&a.key).to_owned(), value)
                    })
                    .collect();
                let element = Element {
                    name: AsRef::<str>::as_ref(&s.name()).to_owned(),
                    attributes,
                    text: String::new(),
                    inner: String::new(),
                };
                let is_empty = xml[before..after].ends_with("/>");
                if is_empty {
                    done.push(element);
                } else {
                    open.push((element, after));
                }
            }
            Event::End(_) => {
                let (mut element, inner_start) = open.pop().expect("balanced");
                element.inner = xml[inner_start..before].to_owned();
                element.text = quick_xml::escape::unescape(&raw_text(&element.inner))
                    .expect("text unescapes")
                    .into_owned();
                done.push(element);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(roots, 1, "one root element: {xml}");
    assert!(open.is_empty(), "every element closed: {xml}");
    done
}

/// Markup without its tags (entity references kept).
fn raw_text(markup: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn named<'a>(all: &'a [Element], name: &str) -> Vec<&'a Element> {
    all.iter().filter(|e| e.name == name).collect()
}

fn atom(c: &Client, path: &str) -> (reqwest::header::HeaderMap, Vec<Element>) {
    let r = c.get(path);
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(
        header(r.headers(), "content-type"),
        Some("application/atom+xml"),
        "{path}"
    );
    let headers = r.headers().clone();
    let body = r.text().expect("body");
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    (headers, elements(&body))
}

pub fn feeds_and_entries(d: &dyn Deployment) {
    let (c, article, book) = library(d, "atom1@example.org");
    let items = format!("{}/items", c.lib());
    let top = format!("{items}/top");

    // The default content: a table of the item's fields.
    let (headers, feed) = atom(&c, &format!("{top}?format=atom"));
    assert_eq!(header(&headers, "total-results"), Some("2"));
    assert!(header(&headers, "last-modified-version").is_some());
    let root = feed.last().expect("root");
    assert_eq!(root.name, "feed");
    assert_eq!(root.attribute("xmlns"), Some("http://www.w3.org/2005/Atom"));
    assert_eq!(named(&feed, "zapi:totalResults")[0].text, "2");
    let entries = named(&feed, "entry");
    assert_eq!(entries.len(), 2);
    let keys: Vec<&str> = named(&feed, "zapi:key")
        .iter()
        .map(|e| e.text.as_str())
        .collect();
    assert!(keys.contains(&article.as_str()) && keys.contains(&book.as_str()));
    let content = named(&feed, "content");
    assert!(content.iter().all(|c| c.attribute("type") == Some("xhtml")));
    let html = content
        .iter()
        .find(|c| c.text.contains("Lattice methods in practice"))
        .expect("the article's table");
    assert!(html.inner.contains("<table>"), "{}", html.inner);
    assert!(html.text.contains("Journal Article"), "{}", html.text);
    assert!(html.text.contains("Quillfeather"), "{}", html.text);

    // `content=bib` with a style, without `format`: Atom all the same.
    let (_, feed) = atom(&c, &format!("{top}?content=bib&style=apa"));
    for content in named(&feed, "content") {
        assert_eq!(content.attribute("type"), Some("xhtml"));
        assert!(
            content
                .inner
                .starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\" class=\"csl-bib-body\""),
            "{}",
            content.inner
        );
        assert!(content.inner.contains("csl-entry"), "{}", content.inner);
    }
    let bib: Vec<&str> = named(&feed, "content")
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert!(
        bib.iter()
            .any(|t| t.contains("Quillfeather, A.") && t.contains("(2019)")),
        "APA: {bib:?}"
    );

    let (_, feed) = atom(&c, &format!("{top}?format=atom&content=citation&style=apa"));
    let citations: Vec<&str> = named(&feed, "content")
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert!(
        citations.iter().any(|t| t.contains("Valcourt, 2004")),
        "{citations:?}"
    );

    let (_, feed) = atom(&c, &format!("{top}?content=csljson"));
    for content in named(&feed, "content") {
        assert_eq!(content.attribute("type"), Some("application/json"));
        let csl: Value = serde_json::from_str(&content.text).expect("CSL-JSON");
        assert!(csl["title"].is_string(), "{csl}");
    }

    let (_, feed) = atom(&c, &format!("{top}?content=bibtex"));
    let content = named(&feed, "content");
    assert!(
        content
            .iter()
            .all(|c| c.attribute("type") == Some("application/x-bibtex"))
    );
    assert!(content.iter().any(|c| c.text.contains("@article{")));

    // Several contents at once, each in its own subcontent.
    let (_, feed) = atom(&c, &format!("{items}/{article}?content=json,bib"));
    assert_eq!(feed.last().expect("root").name, "entry");
    let subs = named(&feed, "zapi:subcontent");
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert_eq!(subs[0].attribute("zapi:type"), Some("json"));
    assert_eq!(subs[1].attribute("zapi:type"), Some("bib"));
    let data: Value = serde_json::from_str(&subs[0].text).expect("json");
    assert_eq!(data["title"], "Lattice methods in practice");
    assert_eq!(data["key"], article.as_str());
    assert_eq!(
        named(&feed, "content")[0].attribute("type"),
        Some("application/xml")
    );

    // `content=none`: entries without content.
    let (_, feed) = atom(&c, &format!("{top}?format=atom&content=none"));
    assert_eq!(named(&feed, "entry").len(), 2);
    assert!(named(&feed, "content").is_empty());

    // Paging: links in the feed and in the headers, never the key.
    let (headers, feed) = atom(
        &c,
        &format!("{items}?format=atom&content=json&limit=1&start=1"),
    );
    assert!(
        header(&headers, "link").is_some_and(|l| l.contains("rel=\"next\"")),
        "{headers:?}"
    );
    let links: Vec<(&str, &str)> = named(&feed, "link")
        .iter()
        .filter_map(|l| Some((l.attribute("rel")?, l.attribute("href")?)))
        .collect();
    for rel in ["self", "first", "prev", "next", "last", "alternate"] {
        assert!(links.iter().any(|(r, _)| *r == rel), "{rel}: {links:?}");
    }
    let next = links.iter().find(|(r, _)| *r == "next").expect("next").1;
    assert!(
        next.contains("format=atom") && next.contains("start=2") && !next.contains("key="),
        "{next}"
    );
}

pub fn escaping_and_refusals(d: &dyn Deployment) {
    let c = Client::new_user(d, "atom2@example.org");
    let items = format!("{}/items", c.lib());
    let title = "Markup <b>& \"quotes\"</b> ]]> 'apostrophes'";
    let (_, rep) = c.write(
        &items,
        &json!([{"itemType": "book", "title": title,
                 "creators": [{"creatorType": "author", "name": "<Group & Co>"}]}]),
    );
    let key = rep["success"]["0"].as_str().expect("key").to_owned();
    for content in ["html", "json", "bib", "citation", "ris", "csljson"] {
        let (_, feed) = atom(&c, &format!("{items}?content={content}"));
        let entry_title = &named(&feed, "title")[1].text;
        assert_eq!(entry_title, title, "{content}");
        assert_eq!(named(&feed, "zapi:creatorSummary")[0].text, "<Group & Co>");
    }
    let (_, entry) = atom(&c, &format!("{items}/{key}?format=atom&content=json"));
    let data: Value = serde_json::from_str(&named(&entry, "content")[0].text).expect("json");
    assert_eq!(data["title"], title);

    for (query, named_value) in [
        ("format=atom&content=mods", "mods"),
        ("content=bib&style=no-such-style", "no-such-style"),
        ("content=bib&locale=xx-nonsense", "xx-nonsense"),
        ("format=atom&linkwrap=2", "linkwrap"),
    ] {
        let r = c.get(&format!("{items}?{query}"));
        assert_eq!(r.status(), 400, "{query}");
        let message = r.text().expect("message");
        assert!(message.contains(named_value), "{query}: {message}");
    }
    let r = c.get(&format!("{}/collections?format=atom", c.lib()));
    assert_eq!(r.status(), 400);
}
