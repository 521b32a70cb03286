//! CSL-JSON and Zotero item JSON: files as Zotero and the Web API write
//! them, malformed input, and format detection.

use crate::support::formats::{fixture, parse_ok, samples};
use shelfmark_core::formats::{self, ExportItem, Format};

#[test]
fn zotero_csl_json_export() {
    let report = parse_ok(Format::CslJson, &fixture("zotero_csl.json"));
    assert_eq!(report.records.len(), 3);
    let a = &report.records[0].item;
    assert_eq!(a.item_type, "journalArticle");
    assert_eq!(a.field("publicationTitle"), Some("Nature"));
    assert_eq!(a.field("volume"), Some("596"), "numbers read as text");
    assert_eq!(a.field("date"), Some("2021-08-26"));
    assert_eq!(a.field("accessDate"), Some("2024-01-02"));
    assert_eq!(a.field("libraryCatalog"), Some("www.nature.com"));
    assert_eq!(
        a.field("PMID"),
        Some("34265844"),
        "note lines naming fields fill them"
    );
    assert_eq!(a.field("PMCID"), Some("PMC8371605"));
    assert_eq!(a.field("extra"), Some("original-date: 2021-07-15"));
    assert_eq!(a.creators[2].display(), "DeepMind Team");

    let book = &report.records[1].item;
    assert_eq!(book.field("numPages"), Some("210"));
    assert_eq!(book.field("place"), Some("Chicago"));
    assert_eq!(book.field("date"), Some("1970"));
    assert_eq!(book.creators[1].creator_type, "translator");
    assert_eq!(book.creators[1].display(), "de Other, Ann");
    assert_eq!(book.tags.len(), 2);
    let extra = book.field("extra").expect("extra");
    assert!(extra.contains("custom: {\"shelf\":\"B2\"}"), "{extra}");
    assert!(
        report
            .to_extra
            .iter()
            .any(|(n, w)| *n == 2 && w.starts_with("custom"))
    );

    let rep = &report.records[2].item;
    assert_eq!(rep.field("reportNumber"), Some("AR6 WG1"));
    assert_eq!(rep.field("reportType"), Some("Assessment report"));
    assert_eq!(rep.field("date"), Some("August 2021"));
}

#[test]
fn csl_json_writes_dates_names_and_note() {
    let article = samples().remove("journalArticle").expect("sample");
    let text = formats::export(Format::CslJson, &[article]);
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let item = &value[0];
    assert_eq!(item["type"], "article-journal");
    assert_eq!(
        item["issued"]["date-parts"],
        serde_json::json!([[1905, 6, 30]])
    );
    assert_eq!(
        item["author"][0],
        serde_json::json!({"family": "Einstein", "given": "Albert"})
    );
    assert_eq!(item["container-title"], "Annalen der Physik");
    assert_eq!(item["page"], "891-921");
    assert_eq!(item["note"], "Free text remark");
}

#[test]
fn csl_json_malformed() {
    let err = formats::parse(Format::CslJson, "[{\"type\": \"book\",\n \"title\": }]")
        .expect_err("bad JSON");
    assert_eq!(err.line, Some(2));
    let err = formats::parse(
        Format::CslJson,
        "[{\"title\": \"x\"}, {\"type\": \"book\"}]",
    )
    .expect_err("no type");
    assert_eq!(err.record, 1);
    assert!(err.reason.contains("type"), "{err}");
    let err = formats::parse(
        Format::CslJson,
        "[{\"type\": \"book\", \"title\": \"ok\"}, 3]",
    )
    .expect_err("not an object");
    assert_eq!(err.record, 2);
    let err = formats::parse(
        Format::CslJson,
        "[{\"type\": \"book\", \"author\": \"Kuhn\"}]",
    )
    .expect_err("names not a list");
    assert!(err.reason.contains("author"), "{err}");
}

#[test]
fn zotero_web_api_envelopes() {
    let report = parse_ok(Format::ZoteroJson, &fixture("zotero_api.json"));
    assert_eq!(report.collections.len(), 1);
    assert_eq!(report.collections[0].name, "Reading list");
    assert_eq!(report.records.len(), 2, "an article and a standalone note");
    let article = &report.records[0];
    assert_eq!(article.item.key.as_str(), "BCDE3456");
    assert_eq!(article.item.version, 1203);
    assert_eq!(article.item.collections[0].as_str(), "ABCD2345");
    assert_eq!(article.item.tags[1].kind, 1);
    assert_eq!(
        article.item.date_added.as_deref(),
        Some("2024-01-01T10:00:00Z")
    );
    assert_eq!(
        article.children.len(),
        2,
        "attachment and its annotation go with the article"
    );
    assert_eq!(article.children[0].mtime, Some(1_700_000_000_000));
    assert_eq!(report.by_type.get("annotation"), Some(&1));
    assert_eq!(report.records[1].item.item_type, "note");

    // Writing it out and reading it back loses nothing.
    let items: Vec<ExportItem> = report
        .records
        .iter()
        .map(|r| ExportItem {
            item: r.item.clone(),
            children: r.children.clone(),
        })
        .collect();
    let again = parse_ok(
        Format::ZoteroJson,
        &formats::export(Format::ZoteroJson, &items),
    );
    assert_eq!(again.records, report.records);
}

#[test]
fn zotero_json_malformed() {
    let err = formats::parse(
        Format::ZoteroJson,
        "[{\"itemType\": \"book\", \"title\": \"a\"}, {\"itemType\": \"nonsense\"}]",
    )
    .expect_err("unknown type");
    assert_eq!(err.record, 2);
    assert!(err.reason.contains("nonsense"), "{err}");
    let err = formats::parse(
        Format::ZoteroJson,
        "[{\"key\": \"ABCD2345\", \"itemType\": \"note\", \"parentItem\": \"BCDE3456\", \"note\": \"x\"}]",
    )
    .expect_err("orphan");
    assert!(err.reason.contains("BCDE3456"), "{err}");
    let err = formats::parse(
        Format::ZoteroJson,
        "[{\"itemType\": \"book\", \"DOI\": 5, \"colour\": \"red\"}]",
    )
    .expect_err("bad field");
    assert!(err.reason.contains("colour"), "{err}");
}

#[test]
fn detects_every_format() {
    let cases = [
        ("endnote.ris", Format::Ris),
        ("pubmed.ris", Format::Ris),
        ("google_scholar.bib", Format::Bibtex),
        ("jabref.bib", Format::Bibtex),
        ("scopus.bib", Format::Bibtex),
        ("zotero.bib", Format::Biblatex),
        ("zotero_csl.json", Format::CslJson),
        ("zotero_api.json", Format::ZoteroJson),
        ("endnote.xml", Format::EndnoteXml),
        ("endnote.enw", Format::EndnoteTagged),
    ];
    for (name, format) in cases {
        assert_eq!(Format::detect(&fixture(name)), Some(format), "{name}");
    }
    assert_eq!(Format::detect("just some words"), None);
    assert_eq!(Format::detect(""), None);
    for format in Format::ALL {
        assert_eq!(Format::parse_name(format.name()), Some(format));
        let exported = formats::export(format, &[samples().remove("book").expect("book")]);
        assert_eq!(
            Format::detect(&exported),
            Some(format),
            "our own {format} export"
        );
    }
    assert_eq!(Format::parse_name("BIB"), Some(Format::Bibtex));
    assert_eq!(Format::parse_name("enw"), Some(Format::EndnoteTagged));
}
