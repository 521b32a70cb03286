//! Importing files into a library and exporting from it.

use std::path::{Path, PathBuf};

use crate::support::{article, new_library};
use shelfmark_core::formats::Format;
use shelfmark_core::{Error, ExportScope, ImportOptions, OnDuplicate};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

fn no_progress() -> impl FnMut(usize, usize) {
    |_, _| {}
}

#[test]
fn imports_an_endnote_ris_export_into_a_collection() {
    let lib = new_library();
    let target = lib
        .create_collection("From EndNote", None)
        .expect("collection");
    let mut calls = Vec::new();
    let report = lib
        .import_file(
            &fixture("endnote.ris"),
            &ImportOptions {
                collection: Some(target.key.to_string()),
                ..ImportOptions::default()
            },
            &mut |done, total| calls.push((done, total)),
        )
        .expect("import");
    assert_eq!(report.format, Format::Ris, "guessed from the content");
    assert!(report.created.len() >= 2, "{report:#?}");
    assert_eq!(calls.last().map(|c| c.0), Some(report.created.len()));
    let first = lib.get_item(report.created[0].as_str()).expect("first");
    assert_eq!(first.title(), Some("A study of things"));
    assert_eq!(first.field("DOI"), Some("10.1000/things.2019.003"));
    assert_eq!(first.collections, vec![target.key.clone()]);
    let children = lib.children(first.key.as_str()).expect("children");
    assert!(children.iter().any(|c| c.is_note()), "N1 became a note");
    assert!(
        children.iter().any(|c| c.is_attachment()),
        "L1/L4 became attachments"
    );
    let total: usize = report.by_type.values().sum();
    assert!(total > report.created.len(), "children are counted by type");
}

#[test]
fn a_malformed_record_imports_nothing_and_names_file_record_and_line() {
    let lib = new_library();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.ris");
    std::fs::write(
        &path,
        "TY  - JOUR\nTI  - Fine\nER  - \n\nTY  - JOUR\nTI  - Missing its end\n\nTY  - BOOK\nTI  - Third\nER  - \n",
    )
    .expect("write");
    let err = lib
        .import_file(&path, &ImportOptions::default(), &mut no_progress())
        .expect_err("malformed");
    let message = err.to_string();
    assert!(matches!(err, Error::Import { .. }), "{message}");
    assert!(
        message.contains("broken.ris") && message.contains("record 2"),
        "{message}"
    );
    assert!(
        crate::support::all_keys(&lib).is_empty(),
        "nothing imported"
    );

    let latin1 = dir.path().join("latin1.ris");
    std::fs::write(&latin1, b"TY  - JOUR\nTI  - Caf\xe9\nER  - \n").expect("write");
    let err = lib
        .import_file(&latin1, &ImportOptions::default(), &mut no_progress())
        .expect_err("not utf-8");
    assert!(err.to_string().contains("not UTF-8"), "{err}");
}

#[test]
fn duplicates_on_import_are_skipped_merged_or_kept() {
    let ris = "TY  - JOUR\nTI  - Deep Time\nAU  - Rudwick, Martin\nPY  - 2005\nDO  - 10.1000/deep\nVL  - 4\nKW  - geology\nER  - \n";
    for (mode, expect_items) in [
        (OnDuplicate::Skip, 1),
        (OnDuplicate::Merge, 1),
        (OnDuplicate::Keep, 2),
    ] {
        let lib = new_library();
        let mut existing = article("Deep Time", "Rudwick", "2005");
        existing.set_field("DOI", "https://doi.org/10.1000/DEEP");
        let existing = lib.create_item(existing).expect("existing");
        let report = lib
            .import_text(
                "deep.ris",
                ris,
                &ImportOptions {
                    on_duplicate: mode,
                    ..ImportOptions::default()
                },
                &mut no_progress(),
            )
            .expect("import");
        assert_eq!(report.duplicates.len(), 1, "{mode:?}");
        assert_eq!(report.duplicates[0].existing, existing.key);
        assert_eq!(
            crate::support::all_keys(&lib).len(),
            expect_items,
            "{mode:?}"
        );
        let after = lib.get_item(existing.key.as_str()).expect("existing");
        match mode {
            OnDuplicate::Merge => {
                assert_eq!(after.field("volume"), Some("4"), "merged in");
                assert!(after.tags.iter().any(|t| t.tag == "geology"));
            }
            _ => assert_eq!(after.field("volume"), None, "{mode:?} leaves it alone"),
        }
        if mode == OnDuplicate::Skip {
            assert_eq!(report.skipped.len(), 1);
            assert!(report.skipped[0].1.contains(existing.key.as_str()));
        }
    }
}

#[test]
fn duplicates_within_one_file_are_caught_too() {
    let lib = new_library();
    let ris = "TY  - BOOK\nTI  - Same\nSN  - 0-306-40615-2\nER  - \n\nTY  - BOOK\nTI  - Same again\nSN  - 9780306406157\nER  - \n";
    let report = lib
        .import_text(
            "twice.ris",
            ris,
            &ImportOptions::default(),
            &mut no_progress(),
        )
        .expect("import");
    assert_eq!(report.created.len(), 1);
    assert_eq!(report.duplicates[0].record, 2);
}

#[test]
fn lossless_round_trip_through_zotero_json_keeps_collections_children_and_annotations() {
    let lib = new_library();
    let parent = lib
        .create_collection("Group set", None)
        .expect("collection");
    let child_collection = lib
        .create_collection("Group", Some(parent.key.as_str()))
        .expect("collection");
    let item = lib
        .create_item(article("Annotated", "Reader", "2011"))
        .expect("item");
    lib.add_to_collection(child_collection.key.as_str(), &[item.key.as_str()])
        .expect("member");
    lib.add_note(Some(item.key.as_str()), "<p>a note</p>")
        .expect("note");
    let pdf = lib
        .add_attachment(
            Some(item.key.as_str()),
            shelfmark_core::NewAttachment {
                path: Some("/papers/a.pdf".into()),
                content_type: Some("application/pdf".into()),
                ..shelfmark_core::NewAttachment::new(shelfmark_core::protocol::LinkMode::LinkedFile)
            },
        )
        .expect("attachment");
    lib.add_annotation(
        pdf.key.as_str(),
        shelfmark_core::NewAnnotation {
            text: Some("highlighted words".into()),
            page_label: Some("3".into()),
            ..shelfmark_core::NewAnnotation::new("highlight")
        },
    )
    .expect("annotation");

    let json = lib
        .export(Format::ZoteroJson, &ExportScope::Library)
        .expect("export");
    let other = new_library();
    let report = other
        .import_text(
            "export.json",
            &json,
            &ImportOptions::default(),
            &mut no_progress(),
        )
        .expect("import");
    assert_eq!(report.collections_created, 2);
    let copy = other
        .get_item(item.key.as_str())
        .expect("same key in a new library");
    assert_eq!(copy.fields, item.fields);
    assert_eq!(copy.creators, item.creators);
    assert_eq!(copy.collections, vec![child_collection.key.clone()]);
    assert_eq!(
        other.children(item.key.as_str()).expect("children").len(),
        2
    );
    let annotations = other.annotations(pdf.key.as_str()).expect("annotations");
    assert_eq!(
        annotations[0].field("annotationText"),
        Some("highlighted words")
    );
    let group = other
        .get_collection(child_collection.key.as_str())
        .expect("collection");
    assert_eq!(group.parent_collection, Some(parent.key.clone()));

    // Importing the same export again creates new keys, never overwriting.
    let before = lib.get_item(item.key.as_str()).expect("original");
    let again = lib
        .import_text(
            "export.json",
            &json,
            &ImportOptions {
                on_duplicate: OnDuplicate::Keep,
                ..ImportOptions::default()
            },
            &mut no_progress(),
        )
        .expect("re-import");
    assert_ne!(again.created[0], item.key);
    assert_eq!(lib.get_item(item.key.as_str()).expect("original"), before);
    assert_eq!(
        lib.children(again.created[0].as_str())
            .expect("children")
            .len(),
        2,
        "the copy's children follow it to its new key"
    );
}

#[test]
fn exports_a_selection_a_collection_or_a_saved_search() {
    let lib = new_library();
    let a = lib
        .create_item(article("Alpha paper", "Ant", "2001"))
        .expect("a");
    let b = lib
        .create_item(article("Beta paper", "Bee", "2002"))
        .expect("b");
    let c = lib
        .create_item(article("Gamma paper", "Cat", "2003"))
        .expect("c");
    let group = lib.create_collection("G", None).expect("group");
    lib.add_to_collection(group.key.as_str(), &[b.key.as_str()])
        .expect("member");
    let search = lib
        .create_saved_search(
            "After 2002",
            vec![shelfmark_core::protocol::SearchCondition::new(
                "date",
                "isAfter",
                "2002-06-01",
            )],
            false,
        )
        .expect("search");

    let ris = lib
        .export(
            Format::Ris,
            &ExportScope::Items(vec![c.key.to_string(), a.key.to_string()]),
        )
        .expect("selection");
    let gamma = ris.find("Gamma").expect("gamma");
    let alpha = ris.find("Alpha").expect("alpha");
    assert!(gamma < alpha, "selection order kept");
    assert!(!ris.contains("Beta"));
    let bib = lib
        .export(
            Format::Bibtex,
            &ExportScope::Collection {
                key: group.key.to_string(),
                recursive: false,
            },
        )
        .expect("collection");
    assert!(
        bib.contains("Beta paper") && !bib.contains("Alpha"),
        "{bib}"
    );
    let csl = lib
        .export(
            Format::CslJson,
            &ExportScope::SavedSearch(search.key.to_string()),
        )
        .expect("saved search");
    assert!(
        csl.contains("Gamma paper") && !csl.contains("Beta"),
        "{csl}"
    );
    let all = lib
        .export(Format::EndnoteXml, &ExportScope::Library)
        .expect("library");
    assert!(all.contains("Alpha") && all.contains("Beta") && all.contains("Gamma"));
    let err = lib
        .export(Format::Ris, &ExportScope::Items(vec!["bad".into()]))
        .expect_err("bad key");
    assert!(matches!(err, Error::BadKey(_)), "{err}");
}
