//! Resetting the sync with two devices and a real server: upload (the
//! online library becomes this one), download (this one becomes the online
//! one, local-only items in the trash) and merge (versions forgotten, both
//! joined without duplicates). A backup is written first every time.

use shelfmark_core::sync::SyncResetMode;

use crate::support::article;
use crate::support::sync::{Device, start_server};

/// Titles of the items outside the trash, sorted.
fn live_titles(device: &Device) -> Vec<String> {
    let mut titles: Vec<String> = device
        .items()
        .into_iter()
        .filter(|(_, _, in_trash)| !in_trash)
        .map(|(_, title, _)| title)
        .collect();
    titles.sort();
    titles
}

fn reset(device: &Device, mode: SyncResetMode) -> shelfmark_core::sync::ResetReport {
    let report = crate::support::sync::block_on(device.reset_sync(mode, &device.options))
        .expect("reset runs");
    assert!(report.sync.is_ok(), "{report:#?}");
    assert!(report.backup.exists(), "the backup is written first");
    let restored_dir = tempfile::tempdir().expect("dir");
    let restored = shelfmark_core::restore(
        &report.backup,
        &restored_dir.path().join("restored.shelfmark"),
        &Default::default(),
    )
    .expect("the backup restores");
    drop(restored);
    report
}

#[test]
fn reset_upload_makes_the_online_library_equal_this_one() {
    let server = start_server();
    let (_, key) = server.user("up@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let x = a.create_item(article("Xenon", "Ames", "2001")).expect("x");
    let y = a
        .create_item(article("Yttrium", "Bell", "2002"))
        .expect("y");
    a.sync();
    b.sync();
    // Online changes from B that A is about to override.
    b.set_fields(x.key.as_str(), &[("title", "Xenon by B")])
        .expect("edit");
    let w = b
        .create_item(article("Wolfram", "Cole", "2003"))
        .expect("w");
    b.sync();
    // A's own state, never synced.
    a.set_fields(y.key.as_str(), &[("title", "Yttrium by A")])
        .expect("edit");
    a.create_item(article("Vanadium", "Dunn", "2004"))
        .expect("v");

    let report = reset(&a, SyncResetMode::Upload);
    assert!(report.sync.libraries[0].uploaded.items >= 3, "{report:#?}");
    assert_eq!(
        report.sync.libraries[0].deleted_there.items, 1,
        "{report:#?}"
    );
    assert_eq!(a.title(x.key.as_str()), "Xenon");
    assert_eq!(live_titles(&a), vec!["Vanadium", "Xenon", "Yttrium by A"]);

    b.sync();
    assert_eq!(live_titles(&b), live_titles(&a));
    // B's item deleted online is in B's trash, not gone.
    assert!(
        b.get_item(w.key.as_str())
            .expect("kept in the trash")
            .deleted
    );
    // A new device sees exactly A's library.
    let c = Device::new(&server, &key);
    c.sync();
    assert_eq!(live_titles(&c), live_titles(&a));
    assert_eq!(c.items().len(), 3);
    // Both sides agree afterwards: nothing more to do.
    let again = a.sync();
    assert_eq!(again.libraries[0].uploaded.items, 0);
}

#[test]
fn reset_download_makes_this_library_equal_the_online_one() {
    let server = start_server();
    let (_, key) = server.user("down@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let x = a.create_item(article("Xenon", "Ames", "2001")).expect("x");
    let y = a
        .create_item(article("Yttrium", "Bell", "2002"))
        .expect("y");
    a.sync();
    b.sync();
    b.set_fields(x.key.as_str(), &[("title", "Xenon by B")])
        .expect("edit");
    b.sync();
    // A's local state: an edit, a conflicting edit, and an item only here.
    a.set_fields(y.key.as_str(), &[("title", "Yttrium by A")])
        .expect("edit");
    a.set_fields(x.key.as_str(), &[("title", "Xenon by A")])
        .expect("edit");
    let v = a
        .create_item(article("Vanadium", "Dunn", "2004"))
        .expect("v");

    let report = reset(&a, SyncResetMode::Download);
    assert_eq!(report.sync.libraries[0].uploaded.items, 0, "{report:#?}");
    assert_eq!(
        report.sync.libraries[0].trashed_here.items, 1,
        "{report:#?}"
    );
    assert_eq!(live_titles(&a), vec!["Xenon by B", "Yttrium"]);
    assert_eq!(live_titles(&a), live_titles(&b));
    // The item only here is in the trash, not deleted, and stays local.
    let kept = a.get_item(v.key.as_str()).expect("local-only item kept");
    assert!(kept.deleted);
    assert!(a.conflicts().expect("conflicts").is_empty());
    a.sync();
    b.sync();
    assert!(b.get_item(v.key.as_str()).is_err(), "never uploaded");
    // Restoring it from the trash makes it an ordinary new item again.
    a.restore_items(&[v.key.as_str()]).expect("restore");
    a.sync();
    b.sync();
    assert_eq!(b.title(v.key.as_str()), "Vanadium");
}

#[test]
fn reset_merge_joins_both_sides_without_duplicates() {
    let server = start_server();
    let (_, key) = server.user("merge@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    let x = a.create_item(article("Xenon", "Ames", "2001")).expect("x");
    a.sync();
    b.sync();
    // The same reference typed on both devices, and one item only on each.
    b.create_item(article("Shared Reference", "Evans", "1999"))
        .expect("b copy");
    b.create_item(article("Only on B", "Fox", "2010"))
        .expect("b only");
    b.sync();
    a.create_item(article("Shared Reference", "Evans", "1999"))
        .expect("a copy");
    a.create_item(article("Only on A", "Gray", "2011"))
        .expect("a only");
    a.set_fields(x.key.as_str(), &[("date", "2005")])
        .expect("edit");

    let report = reset(&a, SyncResetMode::Merge);
    let titles = live_titles(&a);
    assert_eq!(
        titles,
        vec!["Only on A", "Only on B", "Shared Reference", "Xenon"],
        "{report:#?}"
    );
    // Without a common base, a field both sides hold differently is a
    // conflict to resolve rather than a silent choice.
    let conflicts = a.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{conflicts:#?}");
    assert_eq!(conflicts[0].key, x.key.as_str());
    assert_eq!(conflicts[0].fields[0].field, "date");
    a.resolve(x.key.as_str(), shelfmark_core::sync::Resolution::KeepLocal)
        .expect("resolve");
    a.sync();
    b.sync();
    assert_eq!(live_titles(&b), titles);
    assert_eq!(b.items().len(), 4, "no duplicates online");
    assert_eq!(
        b.get_item(x.key.as_str()).expect("x").field("date"),
        Some("2005")
    );
}

#[test]
fn reset_needs_a_synced_library_and_a_known_mode() {
    let server = start_server();
    let (_, key) = server.user("never@example.org");
    let a = Device::new(&server, &key);
    let err = crate::support::sync::block_on(a.reset_sync(SyncResetMode::Download, &a.options))
        .expect_err("never synced");
    assert!(err.to_string().contains("never synced"), "{err}");
    assert!(SyncResetMode::parse("sideways").is_err());
    assert_eq!(
        SyncResetMode::parse("Upload").ok(),
        Some(SyncResetMode::Upload)
    );
}
