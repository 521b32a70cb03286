//! Shared helpers for the format tests: a varied set of items, a comparable
//! view of an item with its children, and fixture loading.

use std::collections::BTreeMap;

use shelfmark_core::formats::{self, ExportItem, Format, ParseReport};
use shelfmark_core::protocol::{Creator, ItemData, Tag, validate_item};

pub fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/formats/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

pub fn parse_ok(format: Format, text: &str) -> ParseReport {
    let report =
        formats::parse(format, text).unwrap_or_else(|e| panic!("{format} parse failed: {e}"));
    for r in &report.records {
        validate_item(&r.item).expect("every parsed item is valid");
        for c in &r.children {
            validate_item(c).expect("every parsed child is valid");
            let parent = c.parent_item.as_ref().expect("a child has a parent");
            assert!(
                *parent == r.item.key || r.children.iter().any(|o| o.key == *parent),
                "a child's parent is in its record"
            );
        }
    }
    report
}

fn child(parent: &ItemData, kind: &str, field: &str, value: &str) -> ItemData {
    let mut c = ItemData::new(kind);
    c.parent_item = Some(parent.key.clone());
    if kind == "attachment" {
        c.set_field(
            "linkMode",
            if field == "path" {
                "linked_file"
            } else {
                "linked_url"
            },
        );
        c.set_field("title", value.rsplit(['/', '\\']).next().unwrap_or(value));
    }
    c.set_field(field, value);
    c
}

fn item(item_type: &str, fields: &[(&str, &str)], creators: &[(&str, &str, &str)]) -> ItemData {
    let mut i = ItemData::new(item_type);
    for (k, v) in fields {
        i.set_field(k, *v);
    }
    for (t, first, last) in creators {
        i.creators.push(if first.is_empty() {
            Creator::single(t, last)
        } else {
            Creator::person(t, first, last)
        });
    }
    validate_item(&i).unwrap_or_else(|e| panic!("sample {item_type}: {e}"));
    i
}

/// Items of many types with the fields people fill in, by type name.
pub fn samples() -> BTreeMap<&'static str, ExportItem> {
    let mut out = BTreeMap::new();
    let mut article = item(
        "journalArticle",
        &[
            ("title", "Über die Elektrodynamik bewegter Körper"),
            ("publicationTitle", "Annalen der Physik"),
            ("journalAbbreviation", "Ann. Phys."),
            ("volume", "322"),
            ("issue", "10"),
            ("pages", "891-921"),
            ("date", "1905-06-30"),
            ("DOI", "10.1002/andp.19053221004"),
            ("ISSN", "0003-3804"),
            ("url", "https://doi.org/10.1002/andp.19053221004"),
            (
                "abstractNote",
                "A theory of moving bodies & light; 50% new.",
            ),
            ("language", "de"),
            ("shortTitle", "Elektrodynamik"),
            ("extra", "Free text remark"),
        ],
        &[
            ("author", "Albert", "Einstein"),
            ("author", "Jürgen", "Müller"),
            ("author", "Seán", "O'Brien"),
        ],
    );
    article.tags = vec![Tag::manual("physics"), Tag::manual("relativity")];
    let note = child(
        &article,
        "note",
        "note",
        "<p>Read twice &amp; cite.</p><p>Second paragraph</p>",
    );
    let file = child(
        &article,
        "attachment",
        "path",
        "/home/ada/papers/einstein 1905.pdf",
    );
    out.insert(
        "journalArticle",
        ExportItem {
            children: vec![note, file],
            item: article,
        },
    );

    let book = item(
        "book",
        &[
            ("title", "The Structure of Scientific Revolutions"),
            ("publisher", "University of Chicago Press"),
            ("place", "Chicago"),
            ("edition", "2"),
            ("date", "1970"),
            ("ISBN", "978-0-226-45804-5"),
            ("numPages", "210"),
            ("series", "International Encyclopedia of Unified Science"),
        ],
        &[
            ("author", "Thomas S.", "Kuhn"),
            ("translator", "Ann", "Other"),
        ],
    );
    out.insert("book", ExportItem::new(book));

    let section = item(
        "bookSection",
        &[
            ("title", "Computing Machinery and Intelligence"),
            ("bookTitle", "The Mind's I"),
            ("publisher", "Basic Books"),
            ("place", "New York"),
            ("pages", "53-68"),
            ("date", "1981-03"),
            ("ISBN", "0-465-03091-2"),
        ],
        &[
            ("author", "Alan", "Turing"),
            ("editor", "Douglas", "Hofstadter"),
            ("editor", "Daniel", "Dennett"),
        ],
    );
    out.insert("bookSection", ExportItem::new(section));

    let paper = item(
        "conferencePaper",
        &[
            ("title", "Attention Is All You Need"),
            (
                "proceedingsTitle",
                "Advances in Neural Information Processing Systems",
            ),
            ("publisher", "Curran Associates"),
            ("place", "Long Beach"),
            ("volume", "30"),
            ("pages", "5998-6008"),
            ("date", "2017"),
            ("DOI", "10.5555/3295222.3295349"),
        ],
        &[
            ("author", "Ashish", "Vaswani"),
            ("author", "Noam", "Shazeer"),
        ],
    );
    out.insert("conferencePaper", ExportItem::new(paper));

    let thesis = item(
        "thesis",
        &[
            ("title", "Foundations of Reference Management"),
            ("thesisType", "PhD thesis"),
            ("university", "University of Oxford"),
            ("place", "Oxford"),
            ("date", "2019"),
        ],
        &[("author", "Grace", "Hopper")],
    );
    out.insert("thesis", ExportItem::new(thesis));

    let report = item(
        "report",
        &[
            ("title", "Climate Change 2021: The Physical Science Basis"),
            ("reportNumber", "AR6 WG1"),
            ("reportType", "Assessment report"),
            ("institution", "IPCC"),
            ("place", "Geneva"),
            ("date", "2021-08-09"),
            ("url", "https://www.ipcc.ch/report/ar6/wg1/"),
        ],
        &[("author", "", "Intergovernmental Panel on Climate Change")],
    );
    out.insert("report", ExportItem::new(report));

    let webpage = item(
        "webpage",
        &[
            ("title", "Shelfmark user guide"),
            ("websiteTitle", "Shelfmark"),
            ("url", "https://example.org/guide"),
            ("accessDate", "2024-01-02"),
            ("date", "2023-11-05"),
        ],
        &[("author", "Ada", "Lovelace")],
    );
    out.insert("webpage", ExportItem::new(webpage));

    let patent = item(
        "patent",
        &[
            ("title", "Telephone improvements"),
            ("patentNumber", "US 174,465"),
            ("issueDate", "1876-03-07"),
            ("place", "Washington"),
        ],
        &[("inventor", "Alexander Graham", "Bell")],
    );
    out.insert("patent", ExportItem::new(patent));

    let manuscript = item(
        "manuscript",
        &[
            ("title", "Notes on the Analytical Engine"),
            ("date", "1843"),
            ("manuscriptType", "Draft"),
        ],
        &[("author", "Ada", "Lovelace")],
    );
    out.insert("manuscript", ExportItem::new(manuscript));

    let dataset = item(
        "dataset",
        &[
            ("title", "Global temperature anomalies"),
            ("repository", "Zenodo"),
            ("DOI", "10.5281/zenodo.1234567"),
            ("date", "2022-02-01"),
            ("versionNumber", "1.2"),
        ],
        &[("author", "Jane", "Doe")],
    );
    out.insert("dataset", ExportItem::new(dataset));

    let program = item(
        "computerProgram",
        &[
            ("title", "Shelfmark"),
            ("versionNumber", "0.1"),
            ("company", "Example Org"),
            ("url", "https://example.org/shelfmark"),
            ("date", "2024"),
        ],
        &[("programmer", "Linus", "Torvalds")],
    );
    out.insert("computerProgram", ExportItem::new(program));

    let newspaper = item(
        "newspaperArticle",
        &[
            ("title", "Moon landing"),
            ("publicationTitle", "The Times"),
            ("date", "1969-07-21"),
            ("pages", "1"),
            ("section", "Front page"),
        ],
        &[("author", "John", "Smith")],
    );
    out.insert("newspaperArticle", ExportItem::new(newspaper));

    let film = item(
        "film",
        &[
            ("title", "2001: A Space Odyssey"),
            ("distributor", "MGM"),
            ("date", "1968"),
        ],
        &[("director", "Stanley", "Kubrick")],
    );
    out.insert("film", ExportItem::new(film));
    out
}

/// An item as the tests compare it: type, fields, creators, tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparable {
    pub item_type: String,
    pub fields: BTreeMap<String, String>,
    pub creators: Vec<(String, String)>,
    pub tags: Vec<String>,
    pub children: Vec<String>,
}

pub fn comparable(item: &ItemData, children: &[ItemData], ignore: &[&str]) -> Comparable {
    let mut fields = item.fields.clone();
    for f in ignore {
        fields.remove(*f);
    }
    let mut kids: Vec<String> = children
        .iter()
        .map(|c| match c.item_type.as_str() {
            "note" => format!("note: {}", c.field("note").unwrap_or("")),
            _ => format!(
                "{}: {}",
                c.field("linkMode").unwrap_or(""),
                c.field("path").or(c.field("url")).unwrap_or("")
            ),
        })
        .collect();
    kids.sort();
    if ignore.contains(&"children") {
        kids.clear();
    }
    Comparable {
        item_type: item.item_type.clone(),
        fields,
        creators: item
            .creators
            .iter()
            .map(|c| (c.creator_type.clone(), c.display()))
            .collect(),
        tags: item.tags.iter().map(|t| t.tag.clone()).collect(),
        children: kids,
    }
}

/// Exports `types` from the samples, reads them back and compares, ignoring
/// `ignore` fields on both sides.
pub fn round_trip(format: Format, types: &[&str], ignore: &[&str]) {
    let samples = samples();
    let items: Vec<ExportItem> = types
        .iter()
        .map(|t| {
            samples
                .get(t)
                .unwrap_or_else(|| panic!("no sample {t}"))
                .clone()
        })
        .collect();
    let text = formats::export(format, &items);
    let report = parse_ok(format, &text);
    assert_eq!(
        report.records.len(),
        items.len(),
        "{format}: record count\n{text}"
    );
    for (sent, got) in items.iter().zip(&report.records) {
        let want = comparable(&sent.item, &sent.children, ignore);
        let have = comparable(&got.item, &got.children, ignore);
        assert_eq!(
            have, want,
            "{format} round trip of {}\n--- exported:\n{text}",
            sent.item.item_type
        );
    }
    // Writing what was read gives the same text again.
    let again: Vec<ExportItem> = report
        .records
        .iter()
        .map(|r| ExportItem {
            item: r.item.clone(),
            children: r.children.clone(),
        })
        .collect();
    // CSL-JSON ids are item keys, which a read mints afresh.
    if format != Format::CslJson {
        assert_eq!(
            formats::export(format, &again),
            text,
            "{format}: second export differs"
        );
    }
}
