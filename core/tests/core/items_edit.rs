//! Editing items: fields, creators, tags, related items, item type, tag list.

use crate::support::store::{Recorder, mark_synced, snapshot, sync_state};
use crate::support::{article, new_library};
use shelfmark_core::protocol::{Creator, ItemData, Tag};
use shelfmark_core::{ChangeKind, Error, LOCAL_ITEM_URI_PREFIX, ObjectKind, TagCount};

fn key_of(item: &ItemData) -> String {
    item.key.to_string()
}

#[test]
fn set_fields_sets_and_clears_and_marks_the_change_for_sync() {
    let lib = new_library();
    let mut item = article("Old title", "Smith", "2001");
    item.set_field("volume", "7");
    let item = lib.create_item(item).expect("create");
    let key = key_of(&item);
    mark_synced(&lib, "items", &key, 5);
    let recorder = Recorder::new(&lib);

    let edited = lib
        .set_fields(
            &key,
            &[("title", "New title"), ("volume", ""), ("DOI", "10.1/x")],
        )
        .expect("set");
    assert_eq!(edited.field("title"), Some("New title"));
    assert_eq!(edited.field("volume"), None, "empty clears");
    assert_eq!(edited.field("DOI"), Some("10.1/x"));
    assert_eq!(edited.version, 5, "the server version is kept");
    assert_eq!(lib.get_item(&key).expect("get"), edited);

    let (synced, changed, _) = sync_state(&lib, "items", &key);
    assert!(!synced);
    assert_eq!(changed, ["DOI", "title", "volume"]);

    let sets = recorder.take();
    assert_eq!(sets.len(), 1);
    assert!(Recorder::heard(
        &sets,
        ObjectKind::Item,
        &key,
        ChangeKind::Updated
    ));
}

#[test]
fn set_fields_refuses_fields_outside_the_type_and_writes_nothing() {
    let lib = new_library();
    let item = lib.create_item(article("T", "S", "2000")).expect("create");
    let key = key_of(&item);
    let before = snapshot(&lib);
    let recorder = Recorder::new(&lib);

    // The good field before the bad one is not written either.
    let err = lib
        .set_fields(&key, &[("title", "Changed"), ("ISBN", "978-0")])
        .expect_err("ISBN is not a journal article field");
    match &err {
        Error::Invalid(e) => assert_eq!(e.field(), Some("ISBN")),
        other => panic!("expected a validation error, got {other}"),
    }
    // Clearing a field the type does not have is refused too.
    let err = lib
        .set_fields(&key, &[("ISBN", "")])
        .expect_err("clearing ISBN");
    assert!(err.to_string().contains("ISBN"), "{err}");
    let err = lib
        .set_fields(&key, &[("key", "ABCD2345")])
        .expect_err("not a string field");
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    let err = lib
        .set_fields(&key, &[("title", &"x".repeat(70_000))])
        .expect_err("too long");
    assert!(
        matches!(&err, Error::Invalid(e) if e.is_too_long()),
        "{err}"
    );

    assert!(matches!(
        lib.set_fields("ZZZZ2345", &[("title", "x")]),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.set_fields("bad key", &[("title", "x")]),
        Err(Error::BadKey(_))
    ));
    assert_eq!(snapshot(&lib), before);
    assert!(recorder.take().is_empty(), "failed calls notify nobody");
}

#[test]
fn set_creators_replaces_them_and_checks_creator_types() {
    let lib = new_library();
    let item = lib.create_item(article("T", "S", "2000")).expect("create");
    let key = key_of(&item);
    let edited = lib
        .set_creators(
            &key,
            vec![
                Creator::person("author", "Ada", "Lovelace"),
                Creator::single("editor", "The Society"),
            ],
        )
        .expect("set");
    assert_eq!(edited.creators.len(), 2);
    assert_eq!(edited.creators[1].display(), "The Society");

    let before = snapshot(&lib);
    let err = lib
        .set_creators(&key, vec![Creator::person("inventor", "A", "B")])
        .expect_err("inventor is not a journal article creator type");
    assert!(err.to_string().contains("inventor"), "{err}");
    assert_eq!(snapshot(&lib), before);
    assert_eq!(lib.get_item(&key).expect("get").creators, edited.creators);
}

#[test]
fn tags_are_added_once_removed_by_name_and_counted() {
    let lib = new_library();
    let a = lib.create_item(article("A", "S", "2000")).expect("create");
    let mut b = article("B", "S", "2000");
    b.tags.push(Tag::automatic("alpha"));
    let b = lib.create_item(b).expect("create");
    let (ka, kb) = (key_of(&a), key_of(&b));

    let tagged = lib
        .add_tags(&ka, &[" beta ", "Alpha", "beta", "alpha"])
        .expect("add");
    let names: Vec<&str> = tagged.tags.iter().map(|t| t.tag.as_str()).collect();
    assert_eq!(names, ["beta", "Alpha", "alpha"], "trimmed, no duplicates");
    assert!(tagged.tags.iter().all(|t| t.kind == 0));
    // A tag the item has as automatic is not added again as manual.
    let b2 = lib.add_tags(&kb, &["alpha", "Zed"]).expect("add");
    assert_eq!(b2.tags.len(), 2);

    let counts = lib.tags().expect("tags");
    let view: Vec<(&str, u8, u64)> = counts
        .iter()
        .map(|t| (t.tag.as_str(), t.kind, t.items))
        .collect();
    assert_eq!(
        view,
        [
            ("Alpha", 0, 1),
            ("alpha", 0, 1),
            ("alpha", 1, 1),
            ("beta", 0, 1),
            ("Zed", 0, 1)
        ],
        "sorted case-insensitively"
    );

    let err = lib.add_tags(&ka, &["  "]).expect_err("empty tag");
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let err = lib
        .add_tags(&ka, &[&"t".repeat(300)])
        .expect_err("long tag");
    assert!(
        matches!(&err, Error::Invalid(e) if e.is_too_long()),
        "{err}"
    );

    let removed = lib
        .remove_tags(&ka, &["beta", "alpha", "never there"])
        .expect("remove");
    let names: Vec<&str> = removed.tags.iter().map(|t| t.tag.as_str()).collect();
    assert_eq!(names, ["Alpha"]);
    let removed = lib.remove_tags(&kb, &["alpha"]).expect("remove automatic");
    assert_eq!(removed.tags, vec![Tag::manual("Zed")]);

    // Items in the trash do not count.
    lib.trash_items(&[&ka]).expect("trash");
    assert_eq!(
        lib.tags().expect("tags"),
        vec![TagCount {
            tag: "Zed".into(),
            kind: 0,
            items: 1
        }]
    );
    assert!(matches!(
        lib.add_tags("ZZZZ2345", &["x"]),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.remove_tags("nope", &["x"]),
        Err(Error::BadKey(_))
    ));
}

#[test]
fn related_items_point_at_each_other_in_one_transaction() {
    let lib = new_library();
    let a = lib.create_item(article("A", "S", "2000")).expect("create");
    let b = lib.create_item(article("B", "S", "2000")).expect("create");
    let (ka, kb) = (key_of(&a), key_of(&b));
    let recorder = Recorder::new(&lib);

    lib.add_related(&ka, &kb).expect("relate");
    lib.add_related(&kb, &ka)
        .expect("relating again changes nothing");
    let a = lib.get_item(&ka).expect("get");
    let b = lib.get_item(&kb).expect("get");
    assert_eq!(
        a.relations.0.get("dc:relation"),
        Some(&vec![format!("{LOCAL_ITEM_URI_PREFIX}{kb}")])
    );
    assert_eq!(
        b.relations.0.get("dc:relation"),
        Some(&vec![format!("http://zotero.org/users/local/items/{ka}")])
    );
    let sets = recorder.take();
    assert_eq!(sets.len(), 1, "the second call wrote nothing");
    assert!(Recorder::heard(
        &sets,
        ObjectKind::Item,
        &ka,
        ChangeKind::Updated
    ));
    assert!(Recorder::heard(
        &sets,
        ObjectKind::Item,
        &kb,
        ChangeKind::Updated
    ));

    // After a sync the relation may use the account's form; removal finds it.
    let mut synced_b = b.clone();
    synced_b.relations.0.insert(
        "dc:relation".into(),
        vec![format!("http://zotero.org/users/4711/items/{ka}")],
    );
    lib.update_item(synced_b).expect("update");
    lib.remove_related(&ka, &kb).expect("unrelate");
    assert!(lib.get_item(&ka).expect("get").relations.is_empty());
    assert!(lib.get_item(&kb).expect("get").relations.is_empty());

    let before = snapshot(&lib);
    let err = lib.add_related(&ka, &ka).expect_err("self");
    assert!(err.to_string().contains("itself"), "{err}");
    assert!(matches!(
        lib.add_related(&ka, "ZZZZ2345"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.add_related("ZZZZ2345", &kb),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.remove_related(&ka, "bad"),
        Err(Error::BadKey(_))
    ));
    assert_eq!(
        snapshot(&lib),
        before,
        "a failed relate writes neither item"
    );
}

#[test]
fn changing_type_moves_fields_through_base_fields_and_loses_nothing() {
    let lib = new_library();
    let mut item = article("Chapter One", "Smith", "2001");
    item.set_field("publicationTitle", "Collected Essays");
    item.set_field("issue", "3");
    item.set_field("DOI", "10.1/abc");
    item.set_field("extra", "Original note");
    item.creators
        .push(Creator::person("reviewedAuthor", "Rita", "Reviewed"));
    let item = lib.create_item(item).expect("create");
    let key = key_of(&item);

    let section = lib
        .change_item_type(&key, "bookSection")
        .expect("to bookSection");
    assert_eq!(section.item_type, "bookSection");
    assert_eq!(section.field("bookTitle"), Some("Collected Essays"));
    assert_eq!(section.field("publicationTitle"), None);
    assert_eq!(section.field("title"), Some("Chapter One"));
    assert_eq!(section.field("DOI"), Some("10.1/abc"));
    assert_eq!(section.field("issue"), None);
    assert_eq!(section.field("extra"), Some("Original note\nIssue: 3"));
    let roles: Vec<&str> = section
        .creators
        .iter()
        .map(|c| c.creator_type.as_str())
        .collect();
    assert_eq!(roles, ["author", "contributor"]);
    assert_eq!(lib.get_item(&key).expect("get"), section);

    let back = lib
        .change_item_type(&key, "journalArticle")
        .expect("back to article");
    assert_eq!(back.field("publicationTitle"), Some("Collected Essays"));
    assert_eq!(back.field("bookTitle"), None);

    // Publisher becomes a thesis's university; the author becomes the
    // primary creator of a program.
    let mut book = ItemData::new("book");
    book.set_field("title", "Code");
    book.set_field("publisher", "MIT Press");
    book.set_field("edition", "2");
    book.creators.push(Creator::person("author", "A", "B"));
    let book = lib.create_item(book).expect("create book");
    let thesis = lib
        .change_item_type(book.key.as_str(), "thesis")
        .expect("to thesis");
    assert_eq!(thesis.field("university"), Some("MIT Press"));
    assert_eq!(thesis.field("extra"), Some("Edition: 2"));
    let program = lib
        .change_item_type(book.key.as_str(), "computerProgram")
        .expect("to program");
    assert_eq!(program.creators[0].creator_type, "programmer");
    assert_eq!(program.field("company"), Some("MIT Press"));

    let same = lib
        .change_item_type(book.key.as_str(), "computerProgram")
        .expect("same type");
    assert_eq!(same, program);
}

#[test]
fn changing_type_refuses_unknown_and_non_bibliographic_types() {
    let lib = new_library();
    let item = lib.create_item(article("T", "S", "2000")).expect("create");
    let note = lib.add_note(None, "<p>n</p>").expect("note");
    let before = snapshot(&lib);
    let err = lib
        .change_item_type(item.key.as_str(), "scroll")
        .expect_err("unknown");
    assert!(err.to_string().contains("scroll"), "{err}");
    let err = lib
        .change_item_type(item.key.as_str(), "note")
        .expect_err("to note");
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let err = lib
        .change_item_type(note.key.as_str(), "book")
        .expect_err("from note");
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert!(matches!(
        lib.change_item_type("ZZZZ2345", "book"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.change_item_type("zz", "book"),
        Err(Error::BadKey(_))
    ));
    assert_eq!(snapshot(&lib), before);
}

#[test]
fn a_type_change_preview_names_what_moves_to_extra_and_saves_nothing() {
    let lib = new_library();
    let mut book = ItemData::new("book");
    book.set_field("title", "Code");
    book.set_field("publisher", "MIT Press");
    book.set_field("edition", "2");
    book.creators
        .push(Creator::person("seriesEditor", "S", "Editor"));
    let book = lib.create_item(book).expect("create");
    let before = snapshot(&lib);

    let (thesis, moved) =
        shelfmark_core::convert_item_type(book.clone(), "thesis").expect("preview");
    assert_eq!(snapshot(&lib), before, "a preview writes nothing");
    assert_eq!(thesis.field("university"), Some("MIT Press"));
    assert_eq!(thesis.creators[0].creator_type, "contributor");
    let moved: Vec<(&str, &str, &str)> = moved
        .iter()
        .map(|m| (m.name.as_str(), m.label.as_str(), m.value.as_str()))
        .collect();
    assert_eq!(moved, [("edition", "Edition", "2")]);
    // The preview is what the saved change does.
    let saved = lib
        .change_item_type(book.key.as_str(), "thesis")
        .expect("change");
    assert_eq!(saved.fields, thesis.fields);
    assert_eq!(saved.field("extra"), Some("Edition: 2"));

    let (same, nothing) = shelfmark_core::convert_item_type(saved.clone(), "thesis").expect("same");
    assert_eq!(same, saved);
    assert!(nothing.is_empty());
}

#[test]
fn edit_item_applies_everything_or_nothing() {
    let lib = new_library();
    let item = lib
        .create_item(article("Title", "Smith", "2001"))
        .expect("create");
    let key = key_of(&item);
    let edited = lib
        .edit_item(&key, |item| {
            item.set_field("title", "New title");
            item.tags.push(Tag::manual("read"));
            Ok(())
        })
        .expect("edit");
    assert_eq!(edited.field("title"), Some("New title"));
    assert_eq!(lib.get_item(&key).expect("get"), edited);

    let before = snapshot(&lib);
    let err = lib
        .edit_item(&key, |item| {
            item.set_field("title", "Changed again");
            item.set_field("colour", "blue");
            Ok(())
        })
        .expect_err("an unknown field");
    assert!(err.to_string().contains("colour"), "{err}");
    assert_eq!(snapshot(&lib), before);
}
