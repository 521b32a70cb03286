//! Storing saved searches (smart groups and combination groups).

use crate::support::new_library;
use crate::support::store::{Recorder, mark_synced, snapshot, sync_state};
use shelfmark_core::protocol::SearchCondition;
use shelfmark_core::{ChangeKind, Error, JOIN_MODE, ObjectKind};

fn title_contains(word: &str) -> SearchCondition {
    SearchCondition::new("title", "contains", word)
}

#[test]
fn join_mode_is_stored_as_zotero_does() {
    let lib = new_library();
    let recorder = Recorder::new(&lib);
    let any = lib
        .create_saved_search(
            " Either ",
            vec![title_contains("rock"), title_contains("stone")],
            true,
        )
        .expect("create");
    assert_eq!(any.name, "Either");
    assert_eq!(
        any.conditions[0],
        SearchCondition::new(JOIN_MODE, "any", "")
    );
    assert_eq!(any.conditions.len(), 3);
    assert!(any.matches_any());
    assert!(Recorder::heard(
        &recorder.take(),
        ObjectKind::SavedSearch,
        any.key.as_str(),
        ChangeKind::Created
    ));

    // A join mode among the conditions gives way to the one asked for.
    let all = lib
        .create_saved_search(
            "Both",
            vec![
                SearchCondition::new(JOIN_MODE, "any", ""),
                title_contains("rock"),
            ],
            false,
        )
        .expect("create");
    assert_eq!(
        all.conditions,
        vec![
            SearchCondition::new(JOIN_MODE, "all", ""),
            title_contains("rock")
        ]
    );
    assert!(!all.matches_any());
    assert_eq!(lib.get_saved_search(all.key.as_str()).expect("get"), all);
}

#[test]
fn saved_searches_are_updated_trashed_restored_and_found_by_name() {
    let lib = new_library();
    let s = lib
        .create_saved_search("rocks", vec![title_contains("rock")], false)
        .expect("create");
    let b = lib
        .create_saved_search("Basalt", vec![title_contains("basalt")], false)
        .expect("create");
    let key = s.key.to_string();
    mark_synced(&lib, "saved_searches", &key, 4);
    let recorder = Recorder::new(&lib);

    let mut edit = s.clone();
    edit.name = "Rocks".into();
    edit.deleted = true;
    let updated = lib.update_saved_search(edit).expect("update");
    assert_eq!(updated.name, "Rocks");
    assert!(!updated.deleted, "update does not trash");
    assert_eq!(updated.version, 4);
    assert_eq!(
        sync_state(&lib, "saved_searches", &key),
        (false, vec!["name".to_owned()], 4)
    );
    assert!(Recorder::heard(
        &recorder.take(),
        ObjectKind::SavedSearch,
        &key,
        ChangeKind::Updated
    ));

    let names: Vec<String> = lib
        .saved_searches()
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["Basalt", "Rocks"]);
    assert_eq!(lib.saved_search_by_name("rocks").expect("by name"), updated);
    assert!(matches!(
        lib.saved_search_by_name("granite"),
        Err(Error::NotFound { .. })
    ));

    lib.delete_saved_search(&key).expect("delete");
    assert!(lib.get_saved_search(&key).expect("kept").deleted);
    assert_eq!(lib.saved_searches().expect("list"), vec![b.clone()]);
    assert_eq!(
        lib.trash_contents().expect("trash").searches[0]
            .key
            .as_str(),
        key
    );
    assert!(Recorder::heard(
        &recorder.take(),
        ObjectKind::SavedSearch,
        &key,
        ChangeKind::Updated
    ));
    let restored = lib.restore_saved_search(&key).expect("restore");
    assert!(!restored.deleted);
    assert_eq!(lib.saved_searches().expect("list").len(), 2);

    lib.create_saved_search("Basalt", vec![], true)
        .expect("same name");
    let err = lib.saved_search_by_name("Basalt").expect_err("ambiguous");
    assert!(err.to_string().contains(b.key.as_str()), "{err}");
}

#[test]
fn bad_saved_searches_write_nothing() {
    let lib = new_library();
    let s = lib
        .create_saved_search("S", vec![title_contains("x")], false)
        .expect("create");
    let before = snapshot(&lib);
    let recorder = Recorder::new(&lib);

    let err = lib
        .create_saved_search(&"n".repeat(256), vec![], false)
        .expect_err("long name");
    assert!(
        matches!(&err, Error::Invalid(e) if e.is_too_long()),
        "{err}"
    );
    let err = lib
        .create_saved_search(" ", vec![], false)
        .expect_err("no name");
    assert!(
        matches!(&err, Error::Invalid(e) if e.field() == Some("name")),
        "{err}"
    );
    let err = lib
        .create_saved_search(
            "S2",
            vec![SearchCondition::new("title", "resembles", "x")],
            false,
        )
        .expect_err("operator");
    assert!(err.to_string().contains("resembles"), "{err}");
    let mut bad = s.clone();
    bad.conditions.push(SearchCondition::new("", "is", "x"));
    assert!(matches!(
        lib.update_saved_search(bad),
        Err(Error::Invalid(_))
    ));
    let mut unknown = s.clone();
    unknown.key = "ZZZZ2345".parse().expect("key");
    assert!(matches!(
        lib.update_saved_search(unknown),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.delete_saved_search("ZZZZ2345"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.restore_saved_search("z"),
        Err(Error::BadKey(_))
    ));
    assert!(matches!(
        lib.get_saved_search("ZZZZ2345"),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(snapshot(&lib), before);
    assert!(recorder.take().is_empty());
}
