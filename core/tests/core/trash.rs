//! The trash: children follow their parents, restore, and emptying it for
//! good with deletions queued for the sync.

use crate::support::store::{Recorder, mark_synced, pending_deletions, snapshot, sql, sync_state};
use crate::support::{article, new_library};
use shelfmark_core::protocol::{ItemData, LinkMode, SearchCondition};
use shelfmark_core::{
    ChangeKind, EmptyTrashReport, Error, Library, NewAnnotation, NewAttachment, ObjectKind,
};

/// An article with a note, a PDF and an annotation on the PDF.
struct Family {
    parent: String,
    note: String,
    pdf: String,
    annotation: String,
}

fn family(lib: &Library, title: &str) -> Family {
    let parent = lib
        .create_item(article(title, "S", "2000"))
        .expect("create");
    let pk = parent.key.as_str();
    let note = lib.add_note(Some(pk), "<p>note</p>").expect("note");
    let mut a = NewAttachment::new(LinkMode::ImportedFile);
    a.content_type = Some("application/pdf".into());
    let pdf = lib.add_attachment(Some(pk), a).expect("pdf");
    let annotation = lib
        .add_annotation(pdf.key.as_str(), NewAnnotation::new("ink"))
        .expect("annotation");
    Family {
        parent: parent.key.to_string(),
        note: note.key.to_string(),
        pdf: pdf.key.to_string(),
        annotation: annotation.key.to_string(),
    }
}

fn in_trash(lib: &Library, key: &str) -> bool {
    lib.is_in_trash(key).expect("is_in_trash")
}

fn keys(items: &[ItemData]) -> Vec<String> {
    items.iter().map(|i| i.key.to_string()).collect()
}

#[test]
fn children_follow_their_parent_into_and_out_of_the_trash() {
    let lib = new_library();
    let f = family(&lib, "Parent");
    let recorder = Recorder::new(&lib);

    lib.trash_items(&[&f.parent]).expect("trash");
    for key in [&f.parent, &f.note, &f.pdf, &f.annotation] {
        assert!(in_trash(&lib, key), "{key} follows into the trash");
    }
    let sets = recorder.take();
    assert_eq!(sets.len(), 1);
    for key in [&f.parent, &f.note, &f.pdf, &f.annotation] {
        assert!(
            Recorder::heard(&sets, ObjectKind::Item, key, ChangeKind::Updated),
            "{key}"
        );
    }
    assert!(lib.get_item(&f.parent).expect("get").deleted);
    assert!(
        !lib.get_item(&f.note).expect("get").deleted,
        "only the parent is flagged"
    );
    assert_eq!(
        keys(&lib.trash_contents().expect("trash").items),
        vec![f.parent.clone()],
        "children are not listed separately"
    );

    lib.restore_items(&[&f.parent]).expect("restore");
    for key in [&f.parent, &f.note, &f.pdf, &f.annotation] {
        assert!(!in_trash(&lib, key), "{key} comes back");
    }
    assert!(Recorder::heard(
        &recorder.take(),
        ObjectKind::Item,
        &f.annotation,
        ChangeKind::Updated
    ));
    assert!(lib.trash_contents().expect("trash").items.is_empty());
}

#[test]
fn a_child_trashed_by_itself_stays_there_when_its_parent_comes_back() {
    let lib = new_library();
    let f = family(&lib, "Parent");
    lib.trash_items(&[&f.note]).expect("trash the note");
    assert!(in_trash(&lib, &f.note));
    assert!(!in_trash(&lib, &f.parent));
    lib.trash_items(&[&f.parent]).expect("trash the parent");
    lib.restore_items(&[&f.parent]).expect("restore the parent");
    assert!(!in_trash(&lib, &f.pdf));
    assert!(
        in_trash(&lib, &f.note),
        "trashed before its parent, it stays"
    );

    // Restoring a child whose parent is in the trash restores the parent.
    lib.trash_items(&[&f.parent]).expect("trash the parent");
    lib.restore_items(&[&f.annotation])
        .expect("restore the annotation");
    for key in [&f.parent, &f.pdf, &f.annotation] {
        assert!(!in_trash(&lib, key), "{key}");
    }
}

#[test]
fn trash_calls_with_a_bad_key_write_nothing() {
    let lib = new_library();
    let f = family(&lib, "Parent");
    let before = snapshot(&lib);
    assert!(matches!(
        lib.trash_items(&[&f.parent, "ZZZZ2345"]),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.trash_items(&[&f.parent, "bad"]),
        Err(Error::BadKey(_))
    ));
    assert!(matches!(
        lib.restore_items(&["ZZZZ2345"]),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(snapshot(&lib), before);
    assert!(!in_trash(&lib, &f.parent));
}

#[test]
fn emptying_the_trash_removes_for_good_and_queues_synced_deletions() {
    let lib = new_library();
    let gone = family(&lib, "Gone");
    let kept = family(&lib, "Kept");
    let never_synced = lib
        .create_item(article("Local only", "S", "2001"))
        .expect("create");
    let set = lib.create_collection("Set", None).expect("collection");
    let group = lib
        .create_collection("Group", Some(set.key.as_str()))
        .expect("sub-collection");
    let live = lib.create_collection("Live", None).expect("collection");
    let search = lib
        .create_saved_search(
            "Old",
            vec![SearchCondition::new("title", "contains", "x")],
            false,
        )
        .expect("search");
    let local_search = lib
        .create_saved_search("Draft", vec![], true)
        .expect("search");
    lib.add_to_collection(group.key.as_str(), &[&kept.parent])
        .expect("member");
    lib.add_to_collection(live.key.as_str(), &[&kept.parent])
        .expect("member");

    // What the server knows: versions set as the sync would.
    sql(
        &lib,
        &format!(
            "UPDATE items SET version = 12 WHERE key IN ('{}', '{}');",
            gone.parent, gone.pdf
        ),
    );
    mark_synced(&lib, "items", &kept.parent, 12);
    mark_synced(&lib, "collections", group.key.as_str(), 7);
    mark_synced(&lib, "saved_searches", search.key.as_str(), 3);

    lib.trash_items(&[&gone.parent, never_synced.key.as_str(), &kept.note])
        .expect("trash");
    lib.delete_collection(set.key.as_str()).expect("trash set");
    lib.delete_saved_search(search.key.as_str())
        .expect("trash search");
    lib.delete_saved_search(local_search.key.as_str())
        .expect("trash search");
    let recorder = Recorder::new(&lib);

    let report = lib.empty_trash().expect("empty");
    assert_eq!(
        report,
        EmptyTrashReport {
            items: 6,
            collections: 2,
            searches: 2
        },
        "4 of the family, the local item, the kept item's note"
    );

    for key in [
        &gone.parent,
        &gone.note,
        &gone.pdf,
        &gone.annotation,
        never_synced.key.as_str(),
        &kept.note,
    ] {
        assert!(
            matches!(lib.get_item(key), Err(Error::NotFound { .. })),
            "{key} is gone"
        );
    }
    for key in [&kept.parent, &kept.pdf, &kept.annotation] {
        assert!(lib.get_item(key).is_ok(), "{key} is untouched");
    }
    assert!(matches!(
        lib.get_collection(group.key.as_str()),
        Err(Error::NotFound { .. })
    ));
    assert!(lib.get_collection(live.key.as_str()).is_ok());
    assert!(matches!(
        lib.get_saved_search(search.key.as_str()),
        Err(Error::NotFound { .. })
    ));

    // Only objects the server knew are queued.
    let mut expected = vec![
        ("collection".to_owned(), group.key.to_string(), 7),
        ("item".to_owned(), gone.parent.clone(), 12),
        ("item".to_owned(), gone.pdf.clone(), 12),
        ("search".to_owned(), search.key.to_string(), 3),
    ];
    expected.sort();
    assert_eq!(pending_deletions(&lib), expected);

    // The removed collection left its member through the item write path.
    let member = lib.get_item(&kept.parent).expect("member");
    assert_eq!(member.collections, vec![live.key.clone()]);
    let (synced, changed, _) = sync_state(&lib, "items", &kept.parent);
    assert!(!synced);
    assert_eq!(changed, ["collections"]);
    assert_eq!(
        lib.collection_tree().expect("tree").len(),
        1,
        "only Live is left"
    );

    let sets = recorder.take();
    assert_eq!(sets.len(), 1, "one transaction");
    assert!(Recorder::heard(
        &sets,
        ObjectKind::Item,
        &gone.annotation,
        ChangeKind::Removed
    ));
    assert!(Recorder::heard(
        &sets,
        ObjectKind::Item,
        &kept.parent,
        ChangeKind::Updated
    ));
    assert!(Recorder::heard(
        &sets,
        ObjectKind::Collection,
        set.key.as_str(),
        ChangeKind::Removed
    ));
    assert!(Recorder::heard(
        &sets,
        ObjectKind::SavedSearch,
        local_search.key.as_str(),
        ChangeKind::Removed
    ));

    let contents = lib.trash_contents().expect("trash");
    assert!(
        contents.items.is_empty()
            && contents.collections.is_empty()
            && contents.searches.is_empty()
    );
    assert_eq!(
        lib.empty_trash().expect("empty again"),
        EmptyTrashReport::default()
    );
    assert!(recorder.take().is_empty(), "an empty trash changes nothing");
}
