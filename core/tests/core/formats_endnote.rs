//! EndNote XML and EndNote tagged (.enw) files as EndNote and Google Scholar
//! write them, and malformed input.

use crate::support::formats::{fixture, parse_ok};
use shelfmark_core::formats::{self, ExportItem, Format};

#[test]
fn endnote_xml_export() {
    let text = fixture("endnote.xml");
    assert!(text.starts_with('\u{feff}'));
    let report = parse_ok(Format::EndnoteXml, &text);
    assert_eq!(report.records.len(), 5);

    let article = &report.records[0];
    let a = &article.item;
    assert_eq!(a.item_type, "journalArticle");
    assert_eq!(
        a.field("title"),
        Some("The <i>Drosophila</i> genome & its “dark matter”")
    );
    assert_eq!(a.field("publicationTitle"), Some("Journal of Things"));
    assert_eq!(a.field("journalAbbreviation"), Some("J. Things"));
    assert_eq!(a.field("date"), Some("2019-03-15"));
    assert_eq!(a.field("ISSN"), Some("1234-5678"));
    assert_eq!(a.field("DOI"), Some("10.1000/things.2019.003"));
    assert_eq!(
        a.field("abstractNote"),
        Some("First paragraph.\nSecond paragraph with <tags>.")
    );
    assert_eq!(a.field("archiveLocation"), Some("30123456"));
    assert_eq!(a.field("libraryCatalog"), Some("PubMed"));
    assert_eq!(a.creators[1].display(), "Müller, Jürgen");
    assert_eq!(a.tags.len(), 2);
    let extra = a.field("extra").expect("extra");
    for line in [
        "auth-address: Department of Things, University of Somewhere",
        "edition: 2019/03/15",
        "label: Key paper",
        "custom1: Group A",
        "Check the supplementary data",
    ] {
        assert!(extra.lines().any(|l| l == line), "{line:?} in {extra:?}");
    }
    assert_eq!(article.children.len(), 2);
    let note = article.children.iter().find(|c| c.is_note()).expect("note");
    assert_eq!(note.field("note"), Some("<p>Read carefully</p>"));
    let pdf = article
        .children
        .iter()
        .find(|c| c.is_attachment())
        .expect("pdf");
    assert_eq!(
        pdf.field("path"),
        Some("internal-pdf://0123456789/Smith-2019.pdf")
    );

    let section = &report.records[1].item;
    assert_eq!(section.field("bookTitle"), Some("The Mind's I"));
    assert_eq!(
        section
            .creators
            .iter()
            .filter(|c| c.creator_type == "editor")
            .count(),
        2
    );

    let edited = &report.records[2].item;
    assert_eq!(edited.item_type, "book");
    assert_eq!(
        edited.creators[0].creator_type, "editor",
        "Edited Book authors are editors"
    );

    let thesis = &report.records[3].item;
    assert_eq!(thesis.field("thesisType"), Some("PhD thesis"));
    assert_eq!(thesis.field("url"), Some("https://ora.ox.ac.uk/thesis/1"));

    let unknown = &report.records[4].item;
    assert_eq!(unknown.item_type, "document");
    assert_eq!(unknown.field("extra"), Some("ref-type: Podcast"));
}

#[test]
fn endnote_xml_restores_what_it_kept_in_extra() {
    let report = parse_ok(Format::EndnoteXml, &fixture("endnote.xml"));
    let r = &report.records[0];
    let out = formats::export(
        Format::EndnoteXml,
        &[ExportItem {
            item: r.item.clone(),
            children: r.children.clone(),
        }],
    );
    assert!(
        out.contains(
            "<label><style face=\"normal\" font=\"default\" size=\"100%\">Key paper</style></label>"
        ),
        "{out}"
    );
    assert!(out.contains("<custom1>"), "{out}");
    assert!(
        out.contains("<pdf-urls><url>internal-pdf://0123456789/Smith-2019.pdf</url></pdf-urls>"),
        "{out}"
    );
    assert!(
        out.contains("<ref-type name=\"Journal Article\">17</ref-type>"),
        "{out}"
    );
    assert!(
        out.contains("<style face=\"italic\" font=\"default\" size=\"100%\">Drosophila</style>"),
        "{out}"
    );
    let again = parse_ok(Format::EndnoteXml, &out);
    let sorted_extra = |fields: &std::collections::BTreeMap<String, String>| {
        let mut f = fields.clone();
        let mut lines: Vec<String> = f
            .remove("extra")
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        lines.sort();
        (f, lines)
    };
    assert_eq!(
        sorted_extra(&again.records[0].item.fields),
        sorted_extra(&r.item.fields)
    );
}

#[test]
fn endnote_xml_malformed() {
    let err = formats::parse(
        Format::EndnoteXml,
        "<xml><records>\n<record><titles><title>One</title></titles></record>\n<record><titles><title>Two</titles></record></records></xml>",
    )
    .expect_err("mismatched tags");
    assert_eq!((err.record, err.line), (2, Some(3)));
    assert!(err.reason.contains("malformed XML"), "{err}");

    let err = formats::parse(Format::EndnoteXml, "<html><body>hi</body></html>")
        .expect_err("not endnote");
    assert!(err.reason.contains("no <records>"), "{err}");

    let err = formats::parse(
        Format::EndnoteXml,
        "<xml><records><record><titles><title>Cut",
    )
    .expect_err("truncated");
    assert_eq!(err.record, 1);
}

#[test]
fn endnote_tagged_export_with_crlf() {
    let text = fixture("endnote.enw");
    assert!(text.contains("\r\n"));
    let report = parse_ok(Format::EndnoteTagged, &text);
    assert_eq!(report.records.len(), 3);
    let r = &report.records[0];
    let a = &r.item;
    assert_eq!(r.line, Some(1));
    assert_eq!(a.field("date"), Some("2019-03-15"));
    assert_eq!(
        a.field("abstractNote"),
        Some("First line of the abstract\nsecond line of the abstract")
    );
    assert_eq!(
        a.tags.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(),
        ["things", "study"]
    );
    assert_eq!(a.field("archiveLocation"), Some("30123456"));
    assert_eq!(a.field("callNumber"), Some("QH426 .S65"));
    assert_eq!(a.field("shortTitle"), Some("Things"));
    assert_eq!(a.field("extra"), Some("%+: Department of Things"));
    assert_eq!(r.children.len(), 2);

    let book = &report.records[1];
    assert_eq!(book.line, Some(26));
    assert_eq!(book.item.field("numPages"), Some("210"));
    assert_eq!(book.item.field("ISBN"), Some("0-226-45804-0"));
    assert_eq!(
        report.records[2].item.field("thesisType"),
        Some("PhD thesis")
    );
}

#[test]
fn google_scholar_enw() {
    let report = parse_ok(Format::EndnoteTagged, &fixture("google_scholar.enw"));
    assert_eq!(
        report.records[0].item.field("publicationTitle"),
        Some("Advances in neural information processing systems")
    );
    assert_eq!(report.records[0].item.field("volume"), Some("27"));
}

#[test]
fn endnote_tagged_malformed() {
    let err = formats::parse(Format::EndnoteTagged, "%0 Book\n%T One\n\nnot a tag line\n")
        .expect_err("garbage");
    assert_eq!((err.record, err.line), (2, Some(4)));
    assert!(err.reason.contains("%0"), "{err}");
}

#[test]
fn detects_endnote_formats() {
    assert_eq!(
        Format::detect(&fixture("endnote.xml")),
        Some(Format::EndnoteXml)
    );
    assert_eq!(
        Format::detect(&fixture("endnote.enw")),
        Some(Format::EndnoteTagged)
    );
}
