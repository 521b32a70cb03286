//! Devices syncing through a real server: first sync, incremental changes
//! both ways, merges, conflicts, the trash, collections, saved searches,
//! notes and annotations.

use std::collections::BTreeMap;

use serde_json::json;
use shelfmark_core::protocol::LinkMode;
use shelfmark_core::protocol::SearchCondition;
use shelfmark_core::sync::{Resolution, SyncResult};
use shelfmark_core::{NewAnnotation, NewAttachment};

use crate::support::article;
use crate::support::sync::{Device, start_server};

#[test]
fn first_sync_then_changes_both_ways() {
    let server = start_server();
    let (_, key) = server.user("a@example.org");
    let a = Device::new(&server, &key);

    let origin = a
        .create_item(article("Origin of Species", "Darwin", "1859"))
        .expect("item");
    let note = a
        .add_note(Some(origin.key.as_str()), "<p>Read chapter 4</p>")
        .expect("note");
    let pdf = a
        .add_attachment(Some(origin.key.as_str()), {
            let mut att = NewAttachment::new(LinkMode::LinkedUrl);
            att.title = Some("Scan".into());
            att.url = Some("https://example.org/origin.pdf".into());
            att
        })
        .expect("attachment");
    let mut highlight = NewAnnotation::new("highlight");
    highlight.text = Some("natural selection".into());
    highlight.page_label = Some("4".into());
    let annotation = a
        .add_annotation(pdf.key.as_str(), highlight)
        .expect("annotation");
    let thesis = a.create_collection("Thesis", None).expect("collection");
    let chapter = a
        .create_collection("Chapter 1", Some(thesis.key.as_str()))
        .expect("sub");
    a.add_to_collection(chapter.key.as_str(), &[origin.key.as_str()])
        .expect("member");
    let search = a
        .create_saved_search(
            "Origins",
            vec![SearchCondition::new("title", "contains", "Origin")],
            false,
        )
        .expect("search");

    let first = a.sync();
    assert_eq!(first.libraries.len(), 1);
    let up = first.libraries[0].uploaded;
    assert_eq!((up.items, up.collections, up.searches), (4, 2, 1));

    // A second device with an empty library downloads everything.
    let b = Device::new(&server, &key);
    let report = b.sync();
    assert_eq!(report.libraries[0].downloaded.items, 4);
    assert_eq!(b.title(origin.key.as_str()), "Origin of Species");
    assert_eq!(b.children(origin.key.as_str()).expect("children").len(), 2);
    assert_eq!(
        b.get_item(note.key.as_str()).expect("note").field("note"),
        Some("<p>Read chapter 4</p>")
    );
    let got = b.get_item(annotation.key.as_str()).expect("annotation");
    assert_eq!(got.field("annotationText"), Some("natural selection"));
    assert_eq!(got.parent_item.as_ref(), Some(&pdf.key));
    let sub = b.get_collection(chapter.key.as_str()).expect("collection");
    assert_eq!(sub.parent_collection.as_ref(), Some(&thesis.key));
    assert!(
        b.get_item(origin.key.as_str())
            .expect("item")
            .collections
            .contains(&chapter.key)
    );
    assert_eq!(
        b.get_saved_search(search.key.as_str())
            .expect("search")
            .name,
        "Origins"
    );
    assert!(b.sync_status().expect("status")[0].unsynced == 0);

    // B changes things; A gets them.
    b.set_fields(
        origin.key.as_str(),
        &[("title", "On the Origin of Species")],
    )
    .expect("edit");
    b.update_note(note.key.as_str(), "<p>Read chapters 4 and 5</p>")
        .expect("note edit");
    b.rename_collection(thesis.key.as_str(), "PhD thesis")
        .expect("rename");
    let b_report = b.sync_with_kept_key();
    assert_eq!(b_report.libraries[0].uploaded.items, 2);
    a.sync();
    assert_eq!(a.title(origin.key.as_str()), "On the Origin of Species");
    assert_eq!(
        a.get_item(note.key.as_str()).expect("note").field("note"),
        Some("<p>Read chapters 4 and 5</p>")
    );
    assert_eq!(
        a.get_collection(thesis.key.as_str()).expect("c").name,
        "PhD thesis"
    );

    // A trashes the item; B sees it in its trash, with the children.
    a.trash_items(&[origin.key.as_str()]).expect("trash");
    a.sync();
    b.sync();
    assert!(b.is_in_trash(origin.key.as_str()).expect("trash state"));
    assert!(
        b.is_in_trash(annotation.key.as_str())
            .expect("child trash state")
    );

    // B restores it; A sees it back.
    b.restore_items(&[origin.key.as_str()]).expect("restore");
    b.sync();
    a.sync();
    assert!(!a.is_in_trash(origin.key.as_str()).expect("restored"));
}

#[test]
fn edits_to_different_fields_merge_and_same_field_conflicts_resolve_both_ways() {
    let server = start_server();
    let (_, key) = server.user("m@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let item = a
        .create_item(article("Title", "Curie", "1903"))
        .expect("item");
    a.sync();
    b.sync();
    let k = item.key.as_str();

    // Different fields, and tags on both sides: merged silently.
    a.set_fields(k, &[("title", "Radioactive Substances")])
        .expect("a edit");
    a.add_tags(k, &["physics"]).expect("a tag");
    b.set_fields(k, &[("date", "1904")]).expect("b edit");
    b.add_tags(k, &["chemistry"]).expect("b tag");
    a.sync();
    let merged = b.sync();
    assert_eq!(merged.libraries[0].outcome, SyncResult::Synced);
    a.sync();
    for device in [&a, &b] {
        let got = device.get_item(k).expect("item");
        assert_eq!(got.field("title"), Some("Radioactive Substances"));
        assert_eq!(got.field("date"), Some("1904"));
        let mut tags: Vec<&str> = got.tags.iter().map(|t| t.tag.as_str()).collect();
        tags.sort();
        assert_eq!(tags, vec!["chemistry", "physics"]);
    }

    // The same field changed on both sides: a conflict on the second device.
    a.set_fields(k, &[("title", "Title from A")])
        .expect("a edit");
    b.set_fields(k, &[("title", "Title from B")])
        .expect("b edit");
    a.sync();
    let report = b.sync();
    assert_eq!(report.libraries[0].outcome, SyncResult::Conflicts);
    let conflicts = b.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].key, k);
    assert_eq!(conflicts[0].fields[0].field, "title");
    assert_eq!(conflicts[0].fields[0].local, json!("Title from B"));
    assert_eq!(conflicts[0].fields[0].remote, json!("Title from A"));
    // Held back: nothing went up while it is unresolved.
    assert_eq!(report.libraries[0].uploaded.items, 0);
    assert_eq!(b.title(k), "Title from B");

    // Keep local: B's title goes up, A's is kept in the history.
    b.resolve(k, Resolution::KeepLocal).expect("resolve");
    assert!(b.conflicts().expect("none").is_empty());
    b.sync();
    a.sync();
    assert_eq!(a.title(k), "Title from B");
    let history = b.conflict_history().expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].chosen, "local");
    assert_eq!(history[0].remote_data["title"], "Title from A");

    // The version not chosen can be brought back, and it syncs.
    b.restore_from_history(history[0].id).expect("restore");
    assert_eq!(b.title(k), "Title from A");
    b.sync();
    a.sync();
    assert_eq!(a.title(k), "Title from A");

    // Keep remote, the other way round.
    a.set_fields(k, &[("title", "A again")]).expect("a edit");
    b.set_fields(k, &[("title", "B again")]).expect("b edit");
    a.sync();
    b.sync();
    b.resolve(k, Resolution::KeepRemote)
        .expect("resolve remote");
    assert_eq!(b.title(k), "A again");
    b.sync();
    a.sync();
    assert_eq!(a.title(k), "A again");
    let history = b.conflict_history().expect("history");
    assert_eq!(history[0].chosen, "remote");
    assert_eq!(history[0].local_data["title"], "B again");

    // Values given per field.
    a.set_fields(k, &[("title", "A third")]).expect("a edit");
    b.set_fields(k, &[("title", "B third")]).expect("b edit");
    a.sync();
    b.sync();
    let mut values = BTreeMap::new();
    values.insert("title".to_owned(), json!("Agreed title"));
    b.resolve(k, Resolution::Fields(values))
        .expect("resolve fields");
    b.sync();
    a.sync();
    assert_eq!(a.title(k), "Agreed title");
    assert_eq!(b.title(k), "Agreed title");
}

#[test]
fn deletions_go_through_the_trash_and_edits_win_over_deletes() {
    let server = start_server();
    let (_, key) = server.user("d@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let gone = a
        .create_item(article("To delete", "Smith", "2000"))
        .expect("item");
    let edited_here = a
        .create_item(article("Edited on A", "Jones", "2001"))
        .expect("item");
    let edited_there = a
        .create_item(article("Edited on B", "Brown", "2002"))
        .expect("item");
    let coll = a
        .create_collection("Old project", None)
        .expect("collection");
    a.sync();
    b.sync();

    // A deletes for good (trash emptied): on B it goes to the trash, restorable.
    a.trash_items(&[gone.key.as_str()]).expect("trash");
    a.delete_collection(coll.key.as_str())
        .expect("trash collection");
    a.empty_trash().expect("empty");
    let up = a.sync();
    assert_eq!(up.libraries[0].deleted_there.items, 1);
    assert_eq!(up.libraries[0].deleted_there.collections, 1);
    b.sync();
    assert!(b.is_in_trash(gone.key.as_str()).expect("in B's trash"));
    assert!(
        b.get_collection(coll.key.as_str())
            .expect("collection kept")
            .deleted
    );
    // Emptying B's trash sends nothing more (the server has deleted it).
    b.empty_trash().expect("empty b");
    let quiet = b.sync();
    assert_eq!(quiet.libraries[0].deleted_there.total(), 0);

    // Edit here vs delete there: the edit wins and the item comes back everywhere.
    b.trash_items(&[edited_here.key.as_str()])
        .expect("trash on b");
    b.empty_trash().expect("empty b");
    b.sync();
    a.set_fields(edited_here.key.as_str(), &[("title", "Edited on A, kept")])
        .expect("edit");
    let report = a.sync();
    assert!(
        report.libraries[0]
            .notices
            .iter()
            .any(|n| n.kind == "restored" && n.key == edited_here.key.as_str()),
        "{report:#?}"
    );
    b.sync();
    assert_eq!(b.title(edited_here.key.as_str()), "Edited on A, kept");
    assert!(!b.is_in_trash(edited_here.key.as_str()).expect("live"));

    // Delete here vs edit there: the edit wins here too.
    a.trash_items(&[edited_there.key.as_str()])
        .expect("trash on a");
    a.empty_trash().expect("empty a");
    b.set_fields(edited_there.key.as_str(), &[("title", "Edited on B, kept")])
        .expect("edit");
    b.sync();
    let report = a.sync();
    assert!(
        report.libraries[0]
            .notices
            .iter()
            .any(|n| n.kind == "restored")
    );
    assert_eq!(a.title(edited_there.key.as_str()), "Edited on B, kept");
    b.sync();
    assert_eq!(b.title(edited_there.key.as_str()), "Edited on B, kept");
}

#[test]
fn mass_deletions_stop_for_confirmation_on_both_sides() {
    let server = start_server();
    let (_, key) = server.user("mass@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let items: Vec<_> = (0..40)
        .map(|i| {
            a.create_item(article(&format!("Paper {i}"), "Lee", "2010"))
                .expect("item")
        })
        .collect();
    a.sync();
    b.sync();
    let doomed: Vec<&str> = items[..25].iter().map(|i| i.key.as_str()).collect();
    a.trash_items(&doomed).expect("trash");
    // Moving to the trash syncs as an edit: nothing is deleted yet.
    a.sync();
    b.sync();
    a.empty_trash().expect("empty");

    // Upload side: 25 of 40 is more than max(10, 10 %): held.
    let held = a.sync();
    assert_eq!(held.libraries[0].outcome, SyncResult::ConfirmDeletions);
    assert_eq!(held.libraries[0].pending_deletions.len(), 25);
    assert_eq!(held.libraries[0].deleted_there.items, 0);
    assert_eq!(a.deletions_to_confirm().expect("list").len(), 25);
    assert_eq!(a.confirm_deletions().expect("confirm"), 25);
    let done = a.sync();
    assert_eq!(done.libraries[0].deleted_there.items, 25);
    assert!(a.deletions_to_confirm().expect("none").is_empty());

    // B had the 25 in its trash already: moving them there again removes
    // nothing, so nothing is held.
    let b_report = b.sync();
    assert_eq!(b_report.libraries[0].outcome, SyncResult::Synced);

    // A deletion of live items on the server side is held on the download side.
    let c = Device::new(&server, &key);
    c.sync();
    let rest: Vec<&str> = items[25..].iter().map(|i| i.key.as_str()).collect();
    b.trash_items(&rest).expect("trash");
    b.empty_trash().expect("empty");
    let mut confirm = b.options.clone();
    confirm.confirm_deletions = true;
    crate::support::sync::block_on(b.library.sync(&confirm)).expect("confirmed sync");
    let c_report = c.sync();
    assert_eq!(c_report.libraries[0].outcome, SyncResult::ConfirmDeletions);
    assert!(rest.iter().all(|k| !c.is_in_trash(k).expect("still live")));
    c.confirm_deletions().expect("confirm");
    let c_done = c.sync();
    assert_eq!(c_done.libraries[0].trashed_here.items, 15);
    assert!(rest.iter().all(|k| c.is_in_trash(k).expect("now in trash")));
}

#[test]
fn three_devices_converge() {
    let server = start_server();
    let (_, key) = server.user("three@example.org");
    let devices: Vec<Device> = (0..3).map(|_| Device::new(&server, &key)).collect();
    for (i, d) in devices.iter().enumerate() {
        for j in 0..3 {
            d.create_item(article(&format!("Device {i} paper {j}"), "Ng", "2020"))
                .expect("item");
        }
        d.sync();
    }
    for d in &devices {
        d.sync();
    }
    let keys = devices[0].items();
    assert_eq!(keys.len(), 9);
    // Every device edits a different item, one edit collides.
    devices[0]
        .set_fields(&keys[0].0, &[("title", "zero")])
        .expect("edit");
    devices[1]
        .set_fields(&keys[1].0, &[("title", "one")])
        .expect("edit");
    devices[2]
        .set_fields(&keys[2].0, &[("date", "1999")])
        .expect("edit");
    devices[2]
        .set_fields(&keys[0].0, &[("date", "2001")])
        .expect("edit");
    for _ in 0..2 {
        for d in &devices {
            d.sync();
        }
    }
    let reference = devices[0].items();
    for d in &devices[1..] {
        assert_eq!(d.items(), reference);
    }
    assert_eq!(
        devices[1].get_item(&keys[0].0).expect("item").field("date"),
        Some("2001")
    );
    assert_eq!(devices[1].title(&keys[0].0), "zero");
}
