//! RIS: files as EndNote, PubMed, Web of Science, Scopus, Google Scholar and
//! Zotero write them, malformed input, line endings and unknown tags.

use crate::support::formats::{fixture, parse_ok};
use shelfmark_core::formats::{self, Format};

#[test]
fn endnote_export_with_bom_and_crlf() {
    let text = fixture("endnote.ris");
    assert!(
        text.starts_with('\u{feff}') && text.contains("\r\n"),
        "fixture keeps BOM and CRLF"
    );
    let report = parse_ok(Format::Ris, &text);
    assert_eq!(report.records.len(), 4);
    assert_eq!(report.by_type.get("journalArticle"), Some(&1));
    assert_eq!(report.by_type.get("note"), Some(&1));
    assert_eq!(report.by_type.get("attachment"), Some(&2));

    let article = &report.records[0];
    assert_eq!(article.line, Some(1));
    let a = &article.item;
    assert_eq!(a.field("title"), Some("A study of things"));
    assert_eq!(a.field("publicationTitle"), Some("Journal of Things"));
    assert_eq!(a.field("journalAbbreviation"), Some("J. Things"));
    assert_eq!(a.field("date"), Some("2019-03-15"));
    assert_eq!(a.field("pages"), Some("45-67"));
    assert_eq!(a.field("ISSN"), Some("1234-5678"));
    assert_eq!(
        a.field("abstractNote"),
        Some("Abstract line one\ncontinues on a second line.")
    );
    assert_eq!(a.creators.len(), 3);
    assert_eq!(a.creators[0].display(), "Smith, John A.");
    assert_eq!(a.creators[2].creator_type, "editor");
    assert_eq!(
        a.tags.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(),
        ["things", "study"]
    );
    assert_eq!(a.field("extra"), Some("ID: 17"), "unknown tag kept");
    let paths: Vec<_> = article
        .children
        .iter()
        .filter_map(|c| c.field("path"))
        .collect();
    assert_eq!(
        paths,
        [
            "internal-pdf://0123456789/Smith-2019-A study of things.pdf",
            "C:/Users/jane/Documents/Papers/smith2019.pdf"
        ]
    );
    assert_eq!(
        article.children[0].field("note"),
        Some("<p>Read carefully</p>")
    );

    let book = &report.records[1].item;
    assert_eq!(book.item_type, "book");
    assert_eq!(book.field("ISBN"), Some("0-226-45804-0"));
    assert_eq!(
        book.field("numPages"),
        Some("210"),
        "SP on a book is its page count"
    );
    assert_eq!(book.field("edition"), Some("2nd"));
    assert_eq!(report.records[1].line, Some(27));

    let section = &report.records[2].item;
    assert_eq!(section.field("bookTitle"), Some("The Mind's I"));
    assert_eq!(
        section
            .creators
            .iter()
            .filter(|c| c.creator_type == "editor")
            .count(),
        2
    );

    let thesis = &report.records[3].item;
    assert_eq!(thesis.field("university"), Some("University of Oxford"));
    assert_eq!(thesis.field("thesisType"), Some("PhD thesis"));
}

#[test]
fn pubmed_export() {
    let report = parse_ok(Format::Ris, &fixture("pubmed.ris"));
    let a = &report.records[0].item;
    assert_eq!(a.field("ISSN"), Some("1476-4687 (Electronic)"));
    assert_eq!(a.field("date"), Some("2021-08"));
    assert_eq!(a.field("publicationTitle"), Some("Nature"));
    assert_eq!(a.field("libraryCatalog"), Some("PubMed"));
    assert_eq!(a.field("archiveLocation"), Some("34265844"));
    assert_eq!(a.field("DOI"), Some("10.1038/s41586-021-03819-2"));
    let extra = a.field("extra").expect("extra");
    assert!(extra.contains("SN: 0028-0836 (Linking)"), "{extra}");
    assert!(extra.contains("AD: DeepMind, London, UK."), "{extra}");
    assert!(extra.contains("M3: Journal Article"), "{extra}");
    let reported: Vec<_> = report
        .to_extra
        .iter()
        .map(|(n, w)| (*n, w.as_str()))
        .collect();
    assert!(
        reported.contains(&(1, "AD: not a known field")),
        "{reported:?}"
    );
}

#[test]
fn web_of_science_export() {
    let report = parse_ok(Format::Ris, &fixture("wos.ris"));
    let a = &report.records[0].item;
    assert_eq!(a.field("publicationTitle"), Some("NATURE"));
    assert_eq!(a.field("pages"), Some("737-738"));
    assert_eq!(a.field("archiveLocation"), Some("WOS:A1953UZ00700031"));
    assert_eq!(a.creators[1].display(), "Crick, FHC");
}

#[test]
fn scopus_export() {
    let report = parse_ok(Format::Ris, &fixture("scopus.ris"));
    let p = &report.records[0].item;
    assert_eq!(p.item_type, "conferencePaper");
    assert_eq!(
        p.field("proceedingsTitle"),
        Some(
            "Proceedings of the IEEE Computer Society Conference on Computer Vision and Pattern Recognition"
        )
    );
    assert_eq!(p.field("publisher"), Some("IEEE Computer Society"));
    assert_eq!(
        p.field("ISSN"),
        Some("10636919 (ISSN); 9781467388504 (ISBN)")
    );
    assert_eq!(p.field("libraryCatalog"), Some("Scopus"));
    assert_eq!(p.creators.len(), 4);
    assert_eq!(report.records[0].children.len(), 1, "N1 becomes a note");
    let extra = p.field("extra").expect("extra");
    assert!(extra.contains("C3: Proceedings of the IEEE"), "{extra}");
    assert!(
        extra.contains("journalAbbreviation: Proc IEEE"),
        "J2 has no field on a conference paper: {extra}"
    );
}

#[test]
fn google_scholar_export() {
    let report = parse_ok(Format::Ris, &fixture("google_scholar.ris"));
    let a = &report.records[0].item;
    assert_eq!(a.field("title"), Some("Generative adversarial nets"));
    assert_eq!(a.field("date"), Some("2014"));
    assert_eq!(a.creators[1].display(), "Pouget-Abadie, Jean");
}

#[test]
fn zotero_export() {
    let report = parse_ok(Format::Ris, &fixture("zotero.ris"));
    let page = &report.records[0];
    assert_eq!(page.item.item_type, "webpage");
    assert_eq!(page.item.field("websiteTitle"), Some("Shelfmark"));
    assert_eq!(page.item.field("date"), Some("2023-11-05"));
    assert_eq!(page.item.field("accessDate"), Some("2024-01-02"));
    assert_eq!(
        page.children[0].field("note"),
        Some("<p>An <strong>HTML</strong> note from Zotero.</p>"),
        "HTML notes stay HTML"
    );
    let report_item = &report.records[1];
    assert_eq!(report_item.item.field("reportNumber"), Some("AR6 WG1"));
    assert_eq!(
        report_item.item.field("reportType"),
        Some("Assessment report")
    );
    assert_eq!(
        report_item.item.creators[0].display(),
        "Intergovernmental Panel on Climate Change"
    );
    assert_eq!(
        report_item.children[0].field("linkMode"),
        Some("linked_url")
    );
}

#[test]
fn malformed_files_name_record_and_line() {
    let missing_er = "TY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nTI  - Two\n";
    let err = formats::parse(Format::Ris, missing_er).expect_err("unterminated");
    assert_eq!((err.record, err.line), (2, Some(5)));
    assert!(err.reason.contains("ER  -"), "{err}");
    assert_eq!(
        err.to_string(),
        format!("record 2 (line 5): {}", err.reason)
    );

    let nested = "TY  - JOUR\nTI  - One\nTY  - BOOK\nER  - \n";
    let err = formats::parse(Format::Ris, nested).expect_err("nested");
    assert_eq!((err.record, err.line), (1, Some(1)));
    assert!(err.reason.contains("line 3"), "{err}");

    let garbage = "TY  - JOUR\nTI  - One\nER  - \nthis is not RIS\n";
    let err = formats::parse(Format::Ris, garbage).expect_err("garbage");
    assert_eq!((err.record, err.line), (2, Some(4)));

    let too_long = format!("TY  - JOUR\nTI  - {}\nER  - \n", "x".repeat(70_000));
    let err = formats::parse(Format::Ris, &too_long).expect_err("too long");
    assert_eq!(err.record, 1);
    assert!(err.reason.contains("title"), "{err}");
}

#[test]
fn empty_records_are_skipped_with_a_reason() {
    let report = parse_ok(
        Format::Ris,
        "TY  - JOUR\nER  - \nTY  - BOOK\nTI  - Real\nER  - \n",
    );
    assert_eq!(report.records.len(), 1);
    assert_eq!(
        report.skipped,
        vec![(1, "empty record: only a type".to_owned())]
    );
}

#[test]
fn unknown_type_and_tags_go_to_extra() {
    let report = parse_ok(
        Format::Ris,
        "TY  - XYZZY\nTI  - Odd\nZZ  - custom value\nER  - \n",
    );
    let item = &report.records[0].item;
    assert_eq!(item.item_type, "document");
    assert_eq!(item.field("extra"), Some("TY: XYZZY\nZZ: custom value"));
    // Writing it out restores the unknown tag.
    let out = formats::export(Format::Ris, &[formats::ExportItem::new(item.clone())]);
    assert!(out.contains("ZZ  - custom value\n"), "{out}");
}

#[test]
fn lone_carriage_returns_and_bom_read_the_same() {
    let unix = "TY  - JOUR\nTI  - Title\nER  - \n";
    let mac = format!("\u{feff}{}", unix.replace('\n', "\r"));
    let a = parse_ok(Format::Ris, unix);
    let b = parse_ok(Format::Ris, &mac);
    assert_eq!(a.records[0].item.fields, b.records[0].item.fields);
}

#[test]
fn detects_ris() {
    assert_eq!(Format::detect(&fixture("endnote.ris")), Some(Format::Ris));
    assert_eq!(Format::detect(&fixture("wos.ris")), Some(Format::Ris));
}
