//! The "Sync Conflicts" list: items in conflict listed and counted like a
//! collection, including parents of notes in conflict.

use shelfmark_core::sync::Resolution;
use shelfmark_core::{ItemFilter, SortField};

use crate::support::article;
use crate::support::sync::{Device, start_server};

fn conflicts_filter() -> ItemFilter {
    ItemFilter {
        conflicts: true,
        ..ItemFilter::default()
    }
}

fn listed(device: &Device) -> Vec<String> {
    device
        .list_conflicted_items(SortField::Title, 50, 0)
        .expect("list")
        .items
        .into_iter()
        .map(|s| s.key.to_string())
        .collect()
}

#[test]
fn items_in_conflict_are_listed_and_counted_like_a_collection() {
    let server = start_server();
    let (_, key) = server.user("c@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let first = a
        .create_item(article("Alpha", "Ames", "2001"))
        .expect("item");
    let second = a
        .create_item(article("Beta", "Bell", "2002"))
        .expect("item");
    let calm = a
        .create_item(article("Gamma", "Cole", "2003"))
        .expect("item");
    let note = a
        .add_note(Some(second.key.as_str()), "<p>shared note</p>")
        .expect("note");
    a.sync();
    b.sync();
    assert_eq!(b.count_items(&conflicts_filter()).expect("count"), 0);
    assert!(listed(&b).is_empty());

    // A field conflict on one item, a note conflict under another.
    a.set_fields(first.key.as_str(), &[("title", "Alpha from A")])
        .expect("edit");
    b.set_fields(first.key.as_str(), &[("title", "Alpha from B")])
        .expect("edit");
    a.update_note(note.key.as_str(), "<p>note by A</p>")
        .expect("note");
    b.update_note(note.key.as_str(), "<p>note by B</p>")
        .expect("note");
    a.set_fields(calm.key.as_str(), &[("date", "2004")])
        .expect("edit");
    a.sync();
    b.sync();
    assert_eq!(b.conflicts().expect("conflicts").len(), 2);
    let everywhere = b.conflicts_in_all_libraries().expect("all conflicts");
    assert_eq!(
        everywhere
            .iter()
            .map(|c| (c.library, c.conflict.clone()))
            .collect::<Vec<_>>(),
        b.conflicts()
            .expect("conflicts")
            .into_iter()
            .map(|c| (b.id(), c))
            .collect::<Vec<_>>(),
        "the personal library's conflicts, marked with its id"
    );

    let mut keys = listed(&b);
    keys.sort();
    let mut want = vec![first.key.to_string(), second.key.to_string()];
    want.sort();
    assert_eq!(keys, want, "the note's parent stands for the note");
    assert_eq!(b.count_items(&conflicts_filter()).expect("count"), 2);
    assert_eq!(b.count_items(&ItemFilter::default()).expect("all"), 3);
    // The list combines with other filters like any list.
    let narrowed = ItemFilter {
        conflicts: true,
        tags: vec!["nothing-has-this".into()],
        ..ItemFilter::default()
    };
    assert_eq!(b.count_items(&narrowed).expect("count"), 0);
    // The other device has no conflicts.
    assert_eq!(a.count_items(&conflicts_filter()).expect("count"), 0);

    b.resolve(first.key.as_str(), Resolution::KeepLocal)
        .expect("resolve");
    assert_eq!(listed(&b), vec![second.key.to_string()]);
    b.resolve_all(Resolution::KeepRemote).expect("resolve all");
    assert!(listed(&b).is_empty());
    assert_eq!(b.count_items(&conflicts_filter()).expect("count"), 0);
}

#[test]
fn a_conflict_stays_until_resolved_when_the_other_side_changes_again() {
    let server = start_server();
    let (_, key) = server.user("stays@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let item = a
        .create_item(article("Start", "Ames", "2001"))
        .expect("item");
    let k = item.key.as_str();
    a.sync();
    b.sync();
    a.set_fields(k, &[("title", "Title from A")]).expect("edit");
    b.set_fields(k, &[("title", "Title from B")]).expect("edit");
    a.sync();
    b.sync();
    assert_eq!(b.conflicts().expect("conflicts").len(), 1);

    // A changes another field; B's pull merges it but keeps the conflict.
    a.set_fields(k, &[("date", "2002")]).expect("edit");
    a.sync();
    b.sync();
    let conflicts = b.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "the title conflict is still there");
    assert_eq!(
        conflicts[0].fields[0].remote,
        serde_json::json!("Title from A")
    );
    assert_eq!(b.get_item(k).expect("item").field("date"), Some("2002"));
    assert_eq!(b.title(k), "Title from B");

    // Resolved towards the server: nothing of B's goes up, both agree.
    b.resolve(k, Resolution::KeepRemote).expect("resolve");
    let report = b.sync();
    assert_eq!(report.libraries[0].uploaded.items, 0, "{report:#?}");
    a.sync();
    for d in [&a, &b] {
        assert_eq!(d.title(k), "Title from A");
        assert_eq!(d.get_item(k).expect("item").field("date"), Some("2002"));
    }
    let history = b.conflict_history().expect("history");
    assert_eq!(history[0].local_data["title"], "Title from B");
}
