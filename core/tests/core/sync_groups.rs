//! Group libraries the account stops reaching: dropped from the file when
//! everything in them was synced, kept detached when they hold local
//! changes never uploaded.

use reqwest::Method;
use serde_json::json;

use shelfmark_core::Error;
use shelfmark_core::sync::SyncErrorKind;

use crate::support::article;
use crate::support::sync::{Device, start_server};
use shelfmark_test_support::TestServer;

/// A group owned by `owner_key` with `member_id` as a writing member.
fn shared_group(server: &TestServer, owner_key: &str, member_id: u64, name: &str) -> u64 {
    let (status, group) = server.call(
        owner_key,
        Method::POST,
        "/groups",
        Some(json!({ "name": name })),
    );
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_u64().expect("group id");
    let (status, body) = server.call(
        owner_key,
        Method::PUT,
        &format!("/groups/{group_id}/members/{member_id}"),
        Some(json!({"role": "member", "write": true})),
    );
    assert_eq!(status, 204, "{body}");
    group_id
}

fn remove_member(server: &TestServer, owner_key: &str, group_id: u64, member_id: u64) {
    let (status, body) = server.call(
        owner_key,
        Method::DELETE,
        &format!("/groups/{group_id}/members/{member_id}"),
        None,
    );
    assert_eq!(status, 204, "{body}");
}

fn group_library(device: &Device, name: &str) -> Option<shelfmark_core::LibraryInfo> {
    device
        .libraries()
        .expect("libraries")
        .into_iter()
        .find(|l| l.kind == "group" && l.name == name)
}

#[test]
fn a_group_left_without_local_changes_is_removed_from_the_file() {
    let server = start_server();
    let (_, owner_key) = server.user("owner@example.org");
    let (member_id, member_key) = server.user("member@example.org");
    let group_id = shared_group(&server, &owner_key, member_id, "Journal club");

    let owner = Device::new(&server, &owner_key);
    owner.sync();
    let shared = owner
        .scoped(group_library(&owner, "Journal club").expect("group").id)
        .expect("handle");
    let paper = shared
        .create_item(article("Shared paper", "Lee", "2020"))
        .expect("item");
    owner.sync();

    let member = Device::new(&server, &member_key);
    member.sync();
    let lib = group_library(&member, "Journal club").expect("member has the group");
    let view = member.scoped(lib.id).expect("handle");
    assert_eq!(
        view.get_item(paper.key.as_str())
            .expect("shared item")
            .field("title"),
        Some("Shared paper")
    );

    remove_member(&server, &owner_key, group_id, member_id);
    let report = member.sync();
    assert!(
        group_library(&member, "Journal club").is_none(),
        "{report:#?}"
    );
    assert_eq!(report.removed_groups.len(), 1, "{report:#?}");
    assert!(!report.removed_groups[0].kept);
    assert_eq!(
        report.removed_groups[0].remote,
        format!("/groups/{group_id}")
    );
    let conn = rusqlite::Connection::open(member.path()).expect("open");
    let left: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM items WHERE library_id = ?1",
            [lib.id.0],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0);
    // The next sync no longer mentions it and succeeds.
    let again = member.sync();
    assert!(again.removed_groups.is_empty());
    assert_eq!(again.libraries.len(), 1);
}

#[test]
fn a_group_left_with_unsynced_changes_is_kept_detached() {
    let server = start_server();
    let (_, owner_key) = server.user("owner@example.org");
    let (member_id, member_key) = server.user("member@example.org");
    let group_id = shared_group(&server, &owner_key, member_id, "Lab");

    let member = Device::new(&server, &member_key);
    member.sync();
    let lib = group_library(&member, "Lab").expect("group");
    let view = member.scoped(lib.id).expect("handle");
    let synced = view
        .create_item(article("Uploaded paper", "Kim", "2019"))
        .expect("item");
    member.sync();
    // Written here after the last sync; the group goes before it uploads.
    let draft = view
        .create_item(article("My unsent notes", "Kim", "2024"))
        .expect("item");
    remove_member(&server, &owner_key, group_id, member_id);

    let report = member.sync();
    assert_eq!(report.removed_groups.len(), 1, "{report:#?}");
    let removed = &report.removed_groups[0];
    assert!(removed.kept);
    assert_eq!(removed.unsynced, 1);
    let kept = group_library(&member, "Lab").expect("library kept");
    assert!(!kept.editable, "a detached library is read-only");
    assert_eq!(
        view.get_item(draft.key.as_str())
            .expect("draft kept")
            .field("title"),
        Some("My unsent notes")
    );
    assert!(view.get_item(synced.key.as_str()).is_ok());
    assert!(
        member.binding().expect("binding").is_some(),
        "the account stays bound"
    );
    let notices = view.sync_notices().expect("notices");
    assert!(notices.iter().any(|n| n.kind == "detached"), "{notices:#?}");
    // Later syncs leave it alone.
    let again = member.sync();
    assert!(again.removed_groups.is_empty());
    assert!(again.libraries.iter().all(|l| l.library != kept.id.0));
    assert!(view.get_item(draft.key.as_str()).is_ok());
}

#[test]
fn a_removed_group_takes_its_downloaded_files_and_a_pending_file_keeps_it() {
    let server = start_server();
    let (_, owner_key) = server.user("owner@example.org");
    let (member_id, member_key) = server.user("member@example.org");
    let reading = shared_group(&server, &owner_key, member_id, "Reading");
    let drafts = shared_group(&server, &owner_key, member_id, "Drafts");

    let member = Device::new(&server, &member_key);
    member.sync();
    let source = member.dir.path().join("Paper.pdf");
    std::fs::write(&source, b"%PDF-1.4\nshared bytes").expect("pdf");
    // One group's file is uploaded; the other's is added after the last sync.
    let reading_lib = group_library(&member, "Reading").expect("group");
    let reading_view = member.scoped(reading_lib.id).expect("handle");
    reading_view.attach_file(None, &source).expect("attach");
    member.sync();
    let reading_files = member.attachments_dir().join(reading_lib.id.0.to_string());
    assert!(
        reading_files.exists(),
        "the stored file is in {reading_files:?}"
    );
    let drafts_lib = group_library(&member, "Drafts").expect("group");
    member.sync();
    let drafts_view = member.scoped(drafts_lib.id).expect("handle");
    let item = drafts_view
        .create_item(article("Draft", "Kim", "2024"))
        .expect("item");
    member.sync();
    drafts_view
        .attach_file(Some(item.key.as_str()), &source)
        .expect("attach");

    remove_member(&server, &owner_key, reading, member_id);
    remove_member(&server, &owner_key, drafts, member_id);
    let report = member.sync();
    let gone = |name: &str| {
        report
            .removed_groups
            .iter()
            .find(|g| g.name == name)
            .cloned()
            .expect("reported")
    };
    assert!(!gone("Reading").kept);
    assert!(!reading_files.exists(), "its files went with it");
    let drafts_gone = gone("Drafts");
    assert!(drafts_gone.kept, "a file never uploaded keeps the library");
    // The new attachment item and its file.
    assert_eq!(drafts_gone.unsynced, 2);
    assert!(
        member
            .attachments_dir()
            .join(drafts_lib.id.0.to_string())
            .exists()
    );
}

#[test]
fn a_server_gone_away_ends_the_run_at_its_first_library_with_one_log_entry() {
    let mut server = start_server();
    let (owner_id, owner_key) = server.user("owner@example.org");
    let (_, other_key) = server.user("other@example.org");
    shared_group(&server, &other_key, owner_id, "Reading group");
    let mut device = Device::new(&server, &owner_key);
    device.sync();
    assert!(group_library(&device, "Reading group").is_some());

    server.kill();
    // A later run: the kept key, nothing asked of the server up front.
    device.options.api_key = None;
    device.options.server_url = None;
    device.options.max_retry_wait = Some(std::time::Duration::from_millis(10));
    let err = device.try_sync().expect_err("the server is down");
    assert!(
        matches!(&err, Error::Sync(e) if e.kind == SyncErrorKind::Network),
        "{err:?}"
    );
    // The personal library's entry says what happened; the group library
    // was not tried, and the run's failure is not written a second time.
    let log = device.sync_log(10).expect("log");
    let run = &log[0].run_id;
    let entries: Vec<_> = log.iter().filter(|e| &e.run_id == run).collect();
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0].outcome, "failed");
    assert_eq!(entries[0].error_kind.as_deref(), Some("network"));
    assert_eq!(entries[0].library, 1);
}
