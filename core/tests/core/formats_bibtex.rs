//! BibTeX and BibLaTeX files as Google Scholar, JabRef, Zotero and Scopus
//! write them: LaTeX accents, braces, abbreviations, `file` fields, unknown
//! fields, malformed input, and what our writer produces.

use crate::support::formats::{fixture, parse_ok, samples};
use shelfmark_core::formats::{self, ExportItem, Format};
use shelfmark_core::protocol::ItemData;

#[test]
fn google_scholar_bibtex() {
    let report = parse_ok(Format::Bibtex, &fixture("google_scholar.bib"));
    let types: Vec<&str> = report
        .records
        .iter()
        .map(|r| r.item.item_type.as_str())
        .collect();
    assert_eq!(
        types,
        ["journalArticle", "conferencePaper", "book", "thesis"]
    );
    let lines: Vec<_> = report.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [Some(1), Some(9), Some(17), Some(25)]);
    let paper = &report.records[1].item;
    assert_eq!(paper.field("pages"), Some("770-778"));
    assert_eq!(paper.field("citationKey"), Some("he2016deep"));
    assert_eq!(paper.creators.len(), 4);
    let thesis = &report.records[3].item;
    assert_eq!(thesis.field("university"), Some("University of Oxford"));
    assert_eq!(thesis.field("thesisType"), Some("PhD thesis"));
    // A book has no volume... it does; but `volume` maps there.
    assert_eq!(report.records[2].item.field("volume"), Some("111"));
}

#[test]
fn jabref_bibtex_with_latex_and_files() {
    let text = fixture("jabref.bib");
    let report = parse_ok(Format::Bibtex, &text);
    assert_eq!(
        report.records.len(),
        1,
        "@String, @Preamble and @Comment are not records"
    );
    let r = &report.records[0];
    let a = &r.item;
    assert_eq!(r.line, Some(7));
    assert_eq!(
        a.field("title"),
        Some("DNA repair in <i>Escherichia coli</i> – a review of 50% of cases")
    );
    assert_eq!(
        a.field("publicationTitle"),
        Some("Nature"),
        "@String abbreviation resolved"
    );
    assert_eq!(a.field("date"), Some("2020-05"));
    assert_eq!(a.field("pages"), Some("12-34"));
    let names: Vec<String> = a.creators.iter().map(|c| c.display()).collect();
    assert_eq!(
        names,
        [
            "Müller, Jürgen",
            "García Márquez, Gabriel",
            "Østergaard, Søren",
            "Straße, Anna",
            "von Neumann, John",
            "World Health Organization",
        ]
    );
    let tags: Vec<&str> = a.tags.iter().map(|t| t.tag.as_str()).collect();
    assert_eq!(tags, ["DNA repair", "bacteria", "review"]);
    let paths: Vec<&str> = r.children.iter().filter_map(|c| c.field("path")).collect();
    assert_eq!(paths, ["files/12/Mueller2020.pdf", "C:\\Papers\\supp.pdf"]);
    assert!(
        r.children
            .iter()
            .any(|c| c.field("note") == Some("<p>Important for chapter 3.</p>"))
    );
    let extra = a.field("extra").expect("extra");
    assert_eq!(extra, "owner: jane\ntimestamp: 2020-06-01");
    assert!(
        report
            .to_extra
            .iter()
            .any(|(n, what)| *n == 1 && what.starts_with("owner"))
    );
}

#[test]
fn zotero_biblatex() {
    let text = fixture("zotero.bib");
    assert_eq!(Format::detect(&text), Some(Format::Biblatex));
    let report = parse_ok(Format::Biblatex, &text);
    let types: Vec<&str> = report
        .records
        .iter()
        .map(|r| r.item.item_type.as_str())
        .collect();
    assert_eq!(types, ["webpage", "report", "thesis", "bookSection"]);
    let page = &report.records[0];
    assert_eq!(page.item.field("accessDate"), Some("2024-01-02"));
    assert_eq!(page.item.field("language"), Some("english"));
    assert_eq!(
        page.children[0].field("path"),
        Some("/home/ada/Zotero/storage/ABCD2345/guide.html")
    );
    assert_eq!(page.children[0].field("contentType"), Some("text/html"));
    let report_item = &report.records[1].item;
    assert_eq!(report_item.field("reportNumber"), Some("AR6 WG1"));
    assert_eq!(report_item.field("institution"), Some("IPCC"));
    assert_eq!(
        report_item.creators[0].display(),
        "Intergovernmental Panel on Climate Change"
    );
    let section = &report.records[3];
    assert_eq!(section.item.field("bookTitle"), Some("The Mind's I"));
    assert_eq!(section.children[0].field("note"), Some("<p>A classic.</p>"));
}

#[test]
fn scopus_bibtex_with_header_and_unknown_fields() {
    let report = parse_ok(Format::Bibtex, &fixture("scopus.bib"));
    let a = &report.records[0].item;
    assert_eq!(
        a.field("PMID"),
        Some("34265844"),
        "a field named like a schema field fills it"
    );
    assert_eq!(a.field("pages"), Some("583 - 589"));
    assert_eq!(a.field("ISSN"), Some("00280836"));
    let extra = a.field("extra").expect("extra");
    for line in [
        "affiliation: DeepMind, London, United Kingdom",
        "source: Scopus",
        "type: Article",
    ] {
        assert!(extra.lines().any(|l| l == line), "{line} in {extra}");
    }
}

#[test]
fn malformed_bibtex_names_entry_and_line() {
    let text =
        "@article{a,\n  title = {One},\n}\n\n@article{b,\n  title = {Two,\n  year = 2020\n}\n";
    let err = formats::parse(Format::Bibtex, text).expect_err("unbalanced braces");
    assert_eq!(err.record, 2, "{err}");
    assert!(err.line.is_some_and(|l| l >= 5), "{err}");
    assert!(err.reason.starts_with("malformed BibTeX"), "{err}");

    let dup = "@article{a, title={One}}\n@book{a, title={Two}}\n";
    let err = formats::parse(Format::Bibtex, dup).expect_err("duplicate key");
    assert_eq!((err.record, err.line), (2, Some(2)));
    assert!(err.reason.contains("DuplicateKey"), "{err}");

    let abbr = "@article{a, journal = undefinedmacro}\n";
    let err = formats::parse(Format::Bibtex, abbr).expect_err("unknown abbreviation");
    assert!(err.reason.contains("undefinedmacro"), "{err}");
}

#[test]
fn writer_escapes_and_makes_unique_keys() {
    let mut a = ItemData::new("journalArticle");
    a.set_field("title", "Über DNA & RNA: 100% {braces} and $money_");
    a.set_field("date", "2020");
    a.creators.push(shelfmark_core::protocol::Creator::person(
        "author", "Jürgen", "Müller",
    ));
    let mut b = a.clone();
    b.key = shelfmark_core::protocol::ObjectKey::random();
    let mut c = a.clone();
    c.set_field("citationKey", "my key,1");
    let items = [
        ExportItem::new(a.clone()),
        ExportItem::new(b),
        ExportItem::new(c),
    ];

    let bibtex = formats::export(Format::Bibtex, &items);
    assert!(bibtex.contains("@article{muller2020uber,\n"), "{bibtex}");
    assert!(bibtex.contains("@article{muller2020ubera,\n"), "{bibtex}");
    assert!(bibtex.contains("@article{mykey1,\n"), "{bibtex}");
    assert!(
        bibtex.contains("author = {M{\\\"u}ller, J{\\\"u}rgen}"),
        "{bibtex}"
    );
    assert!(
        bibtex
            .contains("title = {{\\\"U}ber {DNA} \\& {RNA:} 100\\% \\{braces\\} and \\$money\\_}"),
        "{bibtex}"
    );
    let biblatex = formats::export(Format::Biblatex, &items[..1]);
    assert!(biblatex.contains("author = {Müller, Jürgen}"), "{biblatex}");
    assert!(biblatex.contains("date = {2020}"), "{biblatex}");

    for (format, text) in [(Format::Bibtex, &bibtex), (Format::Biblatex, &biblatex)] {
        let back = parse_ok(format, text);
        assert_eq!(
            back.records[0].item.field("title"),
            a.field("title"),
            "{format}"
        );
        assert_eq!(back.records[0].item.creators, a.creators, "{format}");
    }
}

#[test]
fn series_editors_are_kept_in_extra() {
    let mut book = samples().remove("book").expect("book").item;
    book.creators
        .push(shelfmark_core::protocol::Creator::person(
            "seriesEditor",
            "Otto",
            "Neurath",
        ));
    let text = formats::export(Format::Biblatex, &[ExportItem::new(book)]);
    let back = parse_ok(Format::Biblatex, &text);
    assert_eq!(
        back.records[0].item.field("extra"),
        Some("seriesEditor: Neurath, Otto")
    );
}
