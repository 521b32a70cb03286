//! Collections: groups and group sets, nesting, membership, trash.

use crate::support::store::{Recorder, mark_synced, snapshot, sync_state};
use crate::support::{article, new_library};
use shelfmark_core::protocol::ItemData;
use shelfmark_core::{ChangeKind, CollectionNode, Error, Library, ObjectKind};

fn item(lib: &Library, title: &str) -> ItemData {
    lib.create_item(article(title, "S", "2000"))
        .expect("create item")
}

/// (name, item_count) of a tree, children indented by two spaces.
fn outline(nodes: &[CollectionNode], depth: usize, out: &mut Vec<String>) {
    for n in nodes {
        out.push(format!(
            "{}{} ({})",
            "  ".repeat(depth),
            n.data.name,
            n.item_count
        ));
        outline(&n.children, depth + 1, out);
    }
}

fn tree(lib: &Library) -> Vec<String> {
    let mut out = Vec::new();
    outline(&lib.collection_tree().expect("tree"), 0, &mut out);
    out
}

#[test]
fn create_rename_and_list_collections() {
    let lib = new_library();
    let recorder = Recorder::new(&lib);
    let reading = lib.create_collection("reading", None).expect("create");
    let archive = lib.create_collection("Archive", None).expect("create");
    let sub = lib
        .create_collection("  Élan vital ", Some(reading.key.as_str()))
        .expect("sub-collection");
    assert_eq!(sub.name, "Élan vital", "trimmed");
    assert_eq!(sub.parent_collection.as_ref(), Some(&reading.key));
    assert_eq!(sub.version, 0);
    assert!(Recorder::heard(
        &recorder.take(),
        ObjectKind::Collection,
        sub.key.as_str(),
        ChangeKind::Created
    ));

    let names: Vec<String> = lib
        .collections()
        .expect("list")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Archive", "Élan vital", "reading"]);
    assert_eq!(lib.get_collection(sub.key.as_str()).expect("get"), sub);

    mark_synced(&lib, "collections", reading.key.as_str(), 9);
    let renamed = lib
        .rename_collection(reading.key.as_str(), "Reading list")
        .expect("rename");
    assert_eq!(renamed.name, "Reading list");
    assert_eq!(renamed.version, 9);
    assert_eq!(
        sync_state(&lib, "collections", reading.key.as_str()),
        (false, vec!["name".to_owned()], 9)
    );
    assert!(Recorder::heard(
        &recorder.take(),
        ObjectKind::Collection,
        reading.key.as_str(),
        ChangeKind::Updated
    ));
    let unchanged = lib
        .rename_collection(archive.key.as_str(), "Archive")
        .expect("same name");
    assert_eq!(unchanged, archive);
    assert!(recorder.take().is_empty(), "no change, no write");
}

#[test]
fn bad_collection_input_writes_nothing() {
    let lib = new_library();
    let top = lib.create_collection("Top", None).expect("create");
    let before = snapshot(&lib);
    let recorder = Recorder::new(&lib);

    let err = lib
        .create_collection(&"n".repeat(256), None)
        .expect_err("name too long");
    assert!(
        matches!(&err, Error::Invalid(e) if e.is_too_long() && e.field() == Some("name")),
        "{err}"
    );
    let err = lib.create_collection("   ", None).expect_err("empty name");
    assert!(
        matches!(&err, Error::Invalid(e) if e.field() == Some("name")),
        "{err}"
    );
    let err = lib
        .rename_collection(top.key.as_str(), &"n".repeat(300))
        .expect_err("rename too long");
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    assert!(matches!(
        lib.create_collection("Sub", Some("ZZZZ2345")),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.create_collection("Sub", Some("not-a-key")),
        Err(Error::BadKey(_))
    ));
    assert!(matches!(
        lib.rename_collection("ZZZZ2345", "x"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.get_collection("ZZZZ2345"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(lib.get_collection("?"), Err(Error::BadKey(_))));
    assert_eq!(snapshot(&lib), before);
    assert!(recorder.take().is_empty());
}

#[test]
fn moving_collections_refuses_cycles() {
    let lib = new_library();
    let a = lib.create_collection("A", None).expect("A");
    let b = lib.create_collection("B", Some(a.key.as_str())).expect("B");
    let c = lib.create_collection("C", Some(b.key.as_str())).expect("C");
    let d = lib.create_collection("D", None).expect("D");

    let moved = lib
        .move_collection(c.key.as_str(), Some(d.key.as_str()))
        .expect("move C under D");
    assert_eq!(moved.parent_collection.as_ref(), Some(&d.key));
    lib.move_collection(c.key.as_str(), Some(b.key.as_str()))
        .expect("back under B");
    let top = lib.move_collection(b.key.as_str(), None).expect("B to top");
    assert_eq!(top.parent_collection, None);
    lib.move_collection(b.key.as_str(), Some(a.key.as_str()))
        .expect("B back under A");

    let before = snapshot(&lib);
    let err = lib
        .move_collection(a.key.as_str(), Some(c.key.as_str()))
        .expect_err("A into its grandchild");
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert!(err.to_string().contains("is inside it"), "{err}");
    let err = lib
        .move_collection(a.key.as_str(), Some(b.key.as_str()))
        .expect_err("A into its child");
    assert!(err.to_string().contains(b.key.as_str()), "{err}");
    let err = lib
        .move_collection(a.key.as_str(), Some(a.key.as_str()))
        .expect_err("A into itself");
    assert!(err.to_string().contains("itself"), "{err}");
    assert!(matches!(
        lib.move_collection(a.key.as_str(), Some("ZZZZ2345")),
        Err(Error::NotFound { .. })
    ));
    lib.delete_collection(d.key.as_str()).expect("trash D");
    let after_trash = snapshot(&lib);
    let err = lib
        .move_collection(c.key.as_str(), Some(d.key.as_str()))
        .expect_err("into the trash");
    assert!(err.to_string().contains("trash"), "{err}");
    assert_eq!(snapshot(&lib), after_trash);
    assert_ne!(before, after_trash);
    assert_eq!(
        tree(&lib),
        ["A (0)", "  B (0)", "    C (0)"],
        "the failed moves changed nothing"
    );
}

#[test]
fn membership_lives_in_item_data_and_counts_in_the_tree() {
    let lib = new_library();
    let set = lib.create_collection("Thesis", None).expect("group set");
    let ch1 = lib
        .create_collection("Chapter 1", Some(set.key.as_str()))
        .expect("group");
    let ch2 = lib
        .create_collection("Chapter 2", Some(set.key.as_str()))
        .expect("group");
    let x = item(&lib, "X");
    let y = item(&lib, "Y");
    let z = item(&lib, "Z");
    let (kx, ky, kz) = (x.key.to_string(), y.key.to_string(), z.key.to_string());
    let recorder = Recorder::new(&lib);

    lib.add_to_collection(ch1.key.as_str(), &[&kx, &ky])
        .expect("add");
    let sets = recorder.take();
    assert_eq!(sets.len(), 1, "one transaction for the batch");
    assert!(Recorder::heard(
        &sets,
        ObjectKind::Item,
        &kx,
        ChangeKind::Updated
    ));
    assert!(Recorder::heard(
        &sets,
        ObjectKind::Item,
        &ky,
        ChangeKind::Updated
    ));
    lib.add_to_collection(ch2.key.as_str(), &[&kx])
        .expect("add");
    lib.add_to_collection(ch2.key.as_str(), &[&kx])
        .expect("adding again is harmless");
    assert_eq!(
        lib.get_item(&kx).expect("get").collections,
        vec![ch1.key.clone(), ch2.key.clone()],
        "an item may be in many collections"
    );
    lib.add_to_collection(set.key.as_str(), &[&kz])
        .expect("add");
    assert_eq!(
        tree(&lib),
        ["Thesis (1)", "  Chapter 1 (2)", "  Chapter 2 (1)"]
    );

    // Items in the trash are not counted, but keep their membership.
    lib.trash_items(&[&ky]).expect("trash");
    assert_eq!(
        tree(&lib),
        ["Thesis (1)", "  Chapter 1 (1)", "  Chapter 2 (1)"]
    );
    assert_eq!(
        lib.get_item(&ky).expect("get").collections,
        vec![ch1.key.clone()]
    );

    lib.remove_from_collection(ch1.key.as_str(), &[&kx])
        .expect("remove");
    assert_eq!(
        lib.get_item(&kx).expect("get").collections,
        vec![ch2.key.clone()]
    );
    assert_eq!(
        tree(&lib),
        ["Thesis (1)", "  Chapter 1 (0)", "  Chapter 2 (1)"]
    );
}

#[test]
fn membership_errors_name_the_key_and_write_nothing() {
    let lib = new_library();
    let c = lib.create_collection("C", None).expect("create");
    let parent = item(&lib, "Parent");
    let note = lib
        .add_note(Some(parent.key.as_str()), "<p>child</p>")
        .expect("note");
    let before = snapshot(&lib);
    let recorder = Recorder::new(&lib);

    let err = lib
        .add_to_collection(c.key.as_str(), &[parent.key.as_str(), note.key.as_str()])
        .expect_err("a child item");
    assert!(err.to_string().contains(note.key.as_str()), "{err}");
    assert!(err.to_string().contains("top-level"), "{err}");
    assert!(matches!(
        lib.add_to_collection(c.key.as_str(), &[parent.key.as_str(), "ZZZZ2345"]),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.add_to_collection(c.key.as_str(), &[parent.key.as_str(), "bad"]),
        Err(Error::BadKey(_))
    ));
    assert!(matches!(
        lib.add_to_collection("ZZZZ2345", &[parent.key.as_str()]),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.remove_from_collection(c.key.as_str(), &[note.key.as_str()]),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(snapshot(&lib), before, "not even the first item was added");
    assert!(recorder.take().is_empty());

    lib.delete_collection(c.key.as_str()).expect("trash");
    let err = lib
        .add_to_collection(c.key.as_str(), &[parent.key.as_str()])
        .expect_err("collection in the trash");
    assert!(err.to_string().contains("trash"), "{err}");
}

#[test]
fn deleting_a_collection_trashes_its_subtree_and_restore_brings_it_all_back() {
    let lib = new_library();
    let set = lib.create_collection("Set", None).expect("set");
    let group = lib
        .create_collection("Group", Some(set.key.as_str()))
        .expect("group");
    let other = lib.create_collection("Other", None).expect("other");
    let x = item(&lib, "X");
    let kx = x.key.to_string();
    lib.add_to_collection(group.key.as_str(), &[&kx])
        .expect("add");
    let recorder = Recorder::new(&lib);

    lib.delete_collection(set.key.as_str()).expect("delete");
    let sets = recorder.take();
    for key in [&set.key, &group.key] {
        assert!(lib.get_collection(key.as_str()).expect("kept").deleted);
        assert!(Recorder::heard(
            &sets,
            ObjectKind::Collection,
            key.as_str(),
            ChangeKind::Updated
        ));
    }
    assert!(!Recorder::heard(
        &sets,
        ObjectKind::Item,
        &kx,
        ChangeKind::Updated
    ));
    assert_eq!(
        lib.collections().expect("list"),
        vec![other.clone()],
        "the trashed subtree is hidden"
    );
    assert_eq!(tree(&lib), ["Other (0)"]);
    let trash = lib.trash_contents().expect("trash");
    let names: Vec<&str> = trash.collections.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Group", "Set"]);
    assert!(trash.items.is_empty(), "items stay in the library");
    assert!(!lib.is_in_trash(&kx).expect("item"));
    assert_eq!(
        lib.get_item(&kx).expect("get").collections,
        vec![group.key.clone()]
    );
    // An item of a trashed collection can still be edited.
    lib.set_fields(&kx, &[("title", "X, revised")])
        .expect("edit a member of a trashed collection");

    let restored = lib.restore_collection(set.key.as_str()).expect("restore");
    assert!(!restored.deleted);
    assert_eq!(tree(&lib), ["Other (0)", "Set (0)", "  Group (1)"]);

    // Restoring a sub-collection brings back the collections it sits in.
    lib.delete_collection(set.key.as_str()).expect("delete");
    lib.restore_collection(group.key.as_str())
        .expect("restore the child");
    assert!(!lib.get_collection(set.key.as_str()).expect("set").deleted);
    assert_eq!(tree(&lib), ["Other (0)", "Set (0)", "  Group (1)"]);

    assert!(matches!(
        lib.delete_collection("ZZZZ2345"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.restore_collection("nope"),
        Err(Error::BadKey(_))
    ));
}

#[test]
fn collections_are_found_by_name() {
    let lib = new_library();
    let reading = lib.create_collection("Reading", None).expect("create");
    let a = lib.create_collection("Dup", None).expect("create");
    let b = lib
        .create_collection("Dup", Some(reading.key.as_str()))
        .expect("create");
    assert_eq!(lib.collection_by_name("Reading").expect("exact"), reading);
    assert_eq!(
        lib.collection_by_name("reading").expect("any case"),
        reading
    );
    let err = lib.collection_by_name("Dup").expect_err("ambiguous");
    assert!(err.to_string().contains(a.key.as_str()), "{err}");
    assert!(err.to_string().contains(b.key.as_str()), "{err}");
    assert!(matches!(
        lib.collection_by_name("Missing"),
        Err(Error::NotFound { .. })
    ));
    lib.delete_collection(b.key.as_str()).expect("trash one");
    assert_eq!(lib.collection_by_name("Dup").expect("now unique"), a);
}
