//! Duplicate detection and lossless merging.

use crate::support::{article, new_library};
use shelfmark_core::protocol::{Creator, ItemData, Tag};
use shelfmark_core::{DuplicateReason, Error};

#[test]
fn finds_duplicates_by_doi_isbn_and_title_year_creator() {
    let lib = new_library();
    let mut a = article("Deep Time", "Rudwick", "2005");
    a.set_field("DOI", "10.1000/DEEP");
    let mut b = article("A different title entirely", "Other", "1999");
    b.set_field("DOI", "https://doi.org/10.1000/deep");
    let mut book1 = ItemData::new("book");
    book1.set_field("title", "Bursting the Limits of Time");
    book1.set_field("ISBN", "0-226-73111-1");
    let mut book2 = ItemData::new("book");
    book2.set_field("title", "Bursting the limits of time (2nd printing)");
    book2.set_field("ISBN", "978-0-226-73111-7");
    let c = article("Élan vital: a history!", "Bergsön", "1907-05");
    let d = article("elan VITAL — a history", "Bergson", "1907");
    let unrelated = article("Élan vital: a history", "Bergson", "1908");
    let [a, b, book1, book2, c, d, _unrelated] =
        [a, b, book1, book2, c, d, unrelated].map(|i| lib.create_item(i).expect("create"));

    let groups = lib.find_duplicates().expect("find");
    assert_eq!(groups.len(), 3, "{groups:#?}");
    assert_eq!(groups[0].keys, vec![a.key.clone(), b.key.clone()]);
    assert_eq!(
        groups[0].reason,
        DuplicateReason::Doi("10.1000/deep".into())
    );
    assert_eq!(groups[1].keys, vec![book1.key.clone(), book2.key.clone()]);
    assert!(matches!(groups[1].reason, DuplicateReason::Isbn(_)));
    assert_eq!(groups[2].keys, vec![c.key.clone(), d.key.clone()]);
    assert_eq!(
        groups.iter().map(|g| g.number).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );

    // Items in the trash are not duplicates of anything.
    lib.trash_items(&[b.key.as_str()]).expect("trash");
    assert_eq!(lib.find_duplicates().expect("find").len(), 2);
}

#[test]
fn merging_keeps_every_field_tag_collection_and_child() {
    let lib = new_library();
    let collection = lib.create_collection("Geology", None).expect("collection");
    let mut keep = article("Deep Time", "Rudwick", "2005");
    keep.set_field("DOI", "10.1000/deep");
    keep.set_field("volume", "12");
    keep.tags.push(Tag::manual("geology"));
    let keep = lib.create_item(keep).expect("create");
    let mut other = article("Deep Time", "Rudwick", "2005");
    other.set_field("DOI", "10.1000/deep");
    other.set_field("volume", "13");
    other.set_field("pages", "1-20");
    other.tags.push(Tag::manual("history"));
    other
        .creators
        .push(Creator::person("author", "Second", "Person"));
    other.collections.push(collection.key.clone());
    let other = lib.create_item(other).expect("create");
    let note = lib
        .add_note(Some(other.key.as_str()), "<p>my reading notes</p>")
        .expect("note");

    let merged = lib
        .merge_items(keep.key.as_str(), &[other.key.as_str()])
        .expect("merge");
    assert_eq!(
        merged.field("pages"),
        Some("1-20"),
        "missing field filled in"
    );
    assert_eq!(
        merged.field("volume"),
        Some("12"),
        "kept item's value stays"
    );
    let extra = merged.field("extra").expect("extra");
    assert!(
        extra.contains("Volume: 13"),
        "differing value kept in Extra: {extra}"
    );
    assert!(
        extra.contains("Person, Second"),
        "other creators kept: {extra}"
    );
    let tags: Vec<&str> = merged.tags.iter().map(|t| t.tag.as_str()).collect();
    assert_eq!(tags, vec!["geology", "history"]);
    assert_eq!(merged.collections, vec![collection.key.clone()]);
    assert!(merged.relations.0["dc:replaces"][0].ends_with(other.key.as_str()));
    let children = lib.children(keep.key.as_str()).expect("children");
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].key, note.key);
    // The merged item is in the trash, restorable.
    assert!(lib.get_item(other.key.as_str()).expect("get").deleted);
    assert!(lib.find_duplicates().expect("find").is_empty());
    lib.restore_items(&[other.key.as_str()]).expect("restore");
}

#[test]
fn merging_refuses_bad_requests_and_writes_nothing() {
    let lib = new_library();
    let a = lib.create_item(article("A", "X", "2000")).expect("create");
    let note = lib
        .add_note(Some(a.key.as_str()), "<p>n</p>")
        .expect("note");
    let err = lib
        .merge_items(a.key.as_str(), &[a.key.as_str()])
        .expect_err("self");
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let err = lib
        .merge_items(a.key.as_str(), &[note.key.as_str()])
        .expect_err("note");
    assert!(err.to_string().contains("note"), "{err}");
    let err = lib
        .merge_items(a.key.as_str(), &["ZZZZ2222"])
        .expect_err("missing");
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert_eq!(lib.get_item(a.key.as_str()).expect("get"), a);
}
