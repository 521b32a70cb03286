//! Libraries and accounts: binding on the first sync, refusing another
//! account until relinked, joining a non-empty library with a non-empty
//! account without duplicates, group libraries (read-only ones too), the
//! cost of a sync with nothing to do, the log, and where keys are kept.

use reqwest::Method;
use serde_json::json;
use shelfmark_core::sync::{CredentialStore, SyncErrorKind, SyncResult};
use shelfmark_core::{Error, Library, LibraryId};

use crate::support::article;
use crate::support::sync::{Device, start_server};

#[test]
fn another_account_is_refused_until_relinked_and_relinking_joins_without_duplicates() {
    let server = start_server();
    let (first_user, first_key) = server.user("first@example.org");
    let (second_user, second_key) = server.user("second@example.org");
    let device = Device::new(&server, &first_key);
    device
        .create_item(article("Shared paper", "Okafor", "2015"))
        .expect("item");
    device.sync();
    let binding = device.binding().expect("binding").expect("bound");
    assert_eq!(binding.user_id, first_user);
    assert!(
        !binding.key_ref.contains(&first_key),
        "the key is never stored in the library"
    );
    let file = std::fs::read(device.library.path()).expect("library file");
    assert!(
        !file
            .windows(first_key.len())
            .any(|w| w == first_key.as_bytes()),
        "the key is not in the library file"
    );

    // The second account already has the same reference and another one.
    let other = Device::new(&server, &second_key);
    other
        .create_item(article("Shared paper", "Okafor", "2015"))
        .expect("same reference");
    other
        .create_item(article("Only online", "Ito", "2019"))
        .expect("item");
    other.sync();

    let mut switched = device.options.clone();
    switched.api_key = Some(second_key.clone());
    let err = crate::support::sync::block_on(device.library.sync(&switched)).expect_err("refused");
    match &err {
        Error::Sync(e) => assert_eq!(e.kind, SyncErrorKind::Binding),
        other => panic!("unexpected error {other:?}"),
    }
    assert!(err.to_string().contains("relink"), "{err}");
    assert_eq!(
        device.binding().expect("b").expect("still bound").user_id,
        first_user
    );

    device.relink(&device.options.credentials).expect("relink");
    let report = crate::support::sync::block_on(device.library.sync(&switched)).expect("sync");
    assert!(report.is_ok(), "{report:#?}");
    assert_eq!(
        device.binding().expect("b").expect("bound").user_id,
        second_user
    );
    let titles: Vec<String> = device.items().into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(
        titles.len(),
        2,
        "no duplicate of the shared paper: {titles:?}"
    );
    assert!(
        report.libraries[0]
            .notices
            .iter()
            .any(|n| n.kind == "paired"),
        "{report:#?}"
    );
    // And the account did not get a second copy either.
    let (_, listed) = server.call(
        &second_key,
        Method::GET,
        &format!("/users/{second_user}/items?format=versions"),
        None,
    );
    assert_eq!(listed.as_object().map(|m| m.len()), Some(2));
}

#[test]
fn a_non_empty_library_joins_a_non_empty_account_without_duplicates() {
    let server = start_server();
    let (user, key) = server.user("join@example.org");
    let online = Device::new(&server, &key);
    let mut with_doi = article("Deep residual learning", "He", "2016");
    with_doi.set_field("DOI", "10.1109/CVPR.2016.90");
    let online_copy = online.create_item(with_doi).expect("item");
    online
        .add_note(Some(online_copy.key.as_str()), "<p>online note</p>")
        .expect("note");
    online
        .create_item(article("Attention is all you need", "Vaswani", "2017"))
        .expect("item");
    online
        .create_collection("Reading", None)
        .expect("collection");
    online.sync();

    let laptop = Device::new(&server, &key);
    let mut same = article("Deep Residual Learning for Image Recognition", "He", "2016");
    same.set_field("DOI", "https://doi.org/10.1109/cvpr.2016.90");
    same.set_field("abstractNote", "We present a residual learning framework.");
    same.tags
        .push(shelfmark_core::protocol::Tag::manual("vision"));
    let local_copy = laptop.create_item(same).expect("local copy");
    laptop
        .add_note(Some(local_copy.key.as_str()), "<p>laptop note</p>")
        .expect("note");
    laptop
        .create_item(article("Local only", "Roe", "2020"))
        .expect("item");
    let reading = laptop
        .create_collection("Reading", None)
        .expect("same collection");
    laptop
        .add_to_collection(reading.key.as_str(), &[local_copy.key.as_str()])
        .expect("member");

    let report = laptop.sync();
    let lib = &report.libraries[0];
    assert!(
        lib.notices.iter().filter(|n| n.kind == "paired").count() >= 2,
        "{report:#?}"
    );

    // One copy of the paper, under the online key, with the notes of both
    // sides and the fields only the laptop had.
    let top: Vec<_> = laptop
        .items()
        .into_iter()
        .filter(|(k, _, _)| laptop.get_item(k).expect("item").is_regular())
        .collect();
    assert_eq!(top.len(), 3, "{top:?}");
    let joined = laptop
        .get_item(online_copy.key.as_str())
        .expect("online key kept");
    assert_eq!(
        joined.field("abstractNote"),
        Some("We present a residual learning framework.")
    );
    assert!(joined.tags.iter().any(|t| t.tag == "vision"));
    assert_eq!(
        laptop
            .children(online_copy.key.as_str())
            .expect("children")
            .len(),
        2
    );
    assert!(
        laptop.get_item(local_copy.key.as_str()).is_err(),
        "the local key is gone"
    );
    assert_eq!(laptop.collections().expect("collections").len(), 1);
    // The titles (and the DOI's spelling) differ: a conflict to resolve,
    // not a duplicate.
    let conflicts = laptop.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let fields: Vec<&str> = conflicts[0]
        .fields
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, vec!["DOI", "title"]);
    laptop
        .resolve(
            online_copy.key.as_str(),
            shelfmark_core::sync::Resolution::KeepRemote,
        )
        .expect("resolve");
    laptop.sync();

    online.sync();
    let (_, versions) = server.call(
        &key,
        Method::GET,
        &format!("/users/{user}/items/top?format=versions"),
        None,
    );
    assert_eq!(versions.as_object().map(|m| m.len()), Some(3), "{versions}");
    assert_eq!(
        online
            .children(online_copy.key.as_str())
            .expect("children")
            .len(),
        2
    );
    assert_eq!(
        online
            .get_item(online_copy.key.as_str())
            .expect("item")
            .field("abstractNote"),
        Some("We present a residual learning framework.")
    );
}

#[test]
fn a_sync_with_nothing_to_do_costs_one_request_per_library() {
    let server = start_server();
    let (user, key) = server.user("noop@example.org");
    let (status, group) = server.call(&key, Method::POST, "/groups", Some(json!({"name": "Lab"})));
    assert_eq!(status, 201, "{group}");
    let device = Device::new(&server, &key);
    device
        .create_item(article("Paper", "Kim", "2021"))
        .expect("item");
    let first = device.sync();
    assert_eq!(
        first.libraries.len(),
        2,
        "personal and group library: {first:#?}"
    );
    device.sync_with_kept_key();

    let before = server.request_count();
    let report = device.sync_with_kept_key();
    let requests = server.requests_since(before);
    assert_eq!(report.libraries.len(), 2);
    // One 304 per library: the personal library's answer carries the
    // account's group versions, so the group list is not fetched.
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(
        requests.iter().filter(|l| l.contains("304")).count(),
        2,
        "{requests:#?}"
    );
    assert!(
        !requests
            .iter()
            .any(|l| l.contains(&format!("/users/{user}/groups"))),
        "{requests:#?}"
    );

    // A group joined since is found from that same answer.
    let (status, second) = server.call(
        &key,
        Method::POST,
        "/groups",
        Some(json!({"name": "Second lab"})),
    );
    assert_eq!(status, 201, "{second}");
    let before = server.request_count();
    let report = device.sync_with_kept_key();
    let requests = server.requests_since(before);
    assert_eq!(report.libraries.len(), 3, "{report:#?}");
    assert!(
        !requests
            .iter()
            .any(|l| l.contains(&format!("/users/{user}/groups"))),
        "{requests:#?}"
    );
    let second_id = second["id"].as_u64().expect("group id");
    assert!(
        requests
            .iter()
            .any(|l| l.contains(&format!("/groups/{second_id}"))),
        "{requests:#?}"
    );

    // The log has a row per library per run, with what went up and down.
    let log = device.sync_log(10).expect("log");
    assert!(log.len() >= 6);
    assert!(log.iter().all(|e| e.outcome == "ok"));
    let first_run = log
        .iter()
        .rev()
        .find(|e| e.library == 1)
        .expect("first run");
    assert_eq!(first_run.counts["uploaded"]["items"], 1);
    let status = device.sync_status().expect("status");
    assert_eq!(status.len(), 3, "personal and two group libraries");
    assert!(
        status
            .iter()
            .all(|s| s.binding.is_some() && s.unsynced == 0)
    );
}

#[test]
fn group_libraries_sync_and_read_only_members_keep_their_edits() {
    let server = start_server();
    let (_, owner_key) = server.user("owner@example.org");
    let (member_id, member_key) = server.user("member@example.org");
    let (status, group) = server.call(
        &owner_key,
        Method::POST,
        "/groups",
        Some(json!({"name": "Reading group"})),
    );
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_u64().expect("group id");
    let (status, body) = server.call(
        &owner_key,
        Method::PUT,
        &format!("/groups/{group_id}/members/{member_id}"),
        Some(json!({"role": "member", "write": false})),
    );
    assert_eq!(status, 204, "{body}");

    let owner = Device::new(&server, &owner_key);
    owner.sync();
    let group_lib = owner
        .libraries()
        .expect("libraries")
        .into_iter()
        .find(|l| l.kind == "group")
        .expect("group library");
    assert_eq!(group_lib.name, "Reading group");
    let shared = owner.scoped(group_lib.id).expect("group handle");
    let paper = shared
        .create_item(article("Group paper", "Diaz", "2022"))
        .expect("item");
    owner.sync();

    let member = Device::new(&server, &member_key);
    member.sync();
    let member_group = member
        .libraries()
        .expect("libraries")
        .into_iter()
        .find(|l| l.kind == "group")
        .expect("group library");
    let view = member.scoped(member_group.id).expect("handle");
    assert_eq!(
        view.get_item(paper.key.as_str())
            .expect("item")
            .field("title"),
        Some("Group paper")
    );

    // The member edits anyway: the server refuses, the edit stays here.
    view.set_fields(paper.key.as_str(), &[("title", "Member's title")])
        .expect("local edit");
    let report = member.sync();
    let group_report = report
        .libraries
        .iter()
        .find(|l| l.library == member_group.id.0)
        .expect("group report");
    assert_eq!(group_report.read_only_kept, 1, "{report:#?}");
    assert_eq!(
        view.get_item(paper.key.as_str())
            .expect("kept")
            .field("title"),
        Some("Member's title")
    );
    let log = member.sync_log(10).expect("log");
    assert!(
        log.iter().any(|e| e.library == member_group.id.0
            && e.message
                .as_deref()
                .is_some_and(|m| m.contains("read-only"))),
        "{log:#?}"
    );
    // A later sync does not try again and does not fail.
    let again = member.sync();
    assert!(again.is_ok());
    owner.sync();
    assert_eq!(
        shared
            .get_item(paper.key.as_str())
            .expect("item")
            .field("title"),
        Some("Group paper")
    );
}

#[test]
fn keys_are_kept_in_a_private_file_when_there_is_no_keychain() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("config").join("credentials");
    let store = CredentialStore::File(path.clone());
    store
        .save("user 1 at http://x", "SECRETKEY123")
        .expect("save");
    assert_eq!(
        store.load("user 1 at http://x").expect("load").as_deref(),
        Some("SECRETKEY123")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    store.remove("user 1 at http://x").expect("remove");
    assert_eq!(store.load("user 1 at http://x").expect("load"), None);
}

#[test]
fn the_first_sync_needs_a_server_and_a_key_and_bad_keys_are_refused() {
    let server = start_server();
    let dir = tempfile::tempdir().expect("dir");
    let library = Library::create(dir.path().join("l.shelfmark")).expect("library");
    let err =
        crate::support::sync::block_on(library.sync(&Default::default())).expect_err("no server");
    assert!(err.to_string().contains("--server"), "{err}");

    let device = Device::new(&server, "WRONGKEYWRONGKEYWRONGKEY");
    let err = device.try_sync().expect_err("bad key");
    match err {
        Error::Sync(e) => assert_eq!(e.kind, SyncErrorKind::Auth),
        other => panic!("{other:?}"),
    }
    assert!(
        device.binding().expect("binding").is_none(),
        "nothing bound"
    );
    let log = device.sync_log(5).expect("log");
    assert_eq!(log[0].outcome, "failed");
    assert_eq!(log[0].error_kind.as_deref(), Some("auth"));
    let _ = (LibraryId::PERSONAL, SyncResult::Synced);
}

#[test]
fn signing_in_with_a_password_makes_a_device_key_and_signing_out_revokes_it() {
    let server = start_server();
    let (user_id, _) = server.user("hana@example.org");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // Each failure says what went wrong, before or from the server.
    let wrong = runtime
        .block_on(shelfmark_core::sync::sign_in(
            server.base_url(),
            "hana@example.org",
            "not the password",
            "Hana's phone",
        ))
        .expect_err("wrong password");
    assert!(
        matches!(&wrong, Error::Sync(e) if e.kind == SyncErrorKind::Auth),
        "{wrong:?}"
    );
    assert_eq!(wrong.to_string(), "Wrong e-mail address or password.");
    let malformed = runtime
        .block_on(shelfmark_core::sync::sign_in(
            "sync.example.org",
            "hana@example.org",
            "secret pass",
            "",
        ))
        .expect_err("malformed address");
    assert!(
        matches!(&malformed, Error::InvalidInput(m) if m.starts_with("server address")),
        "{malformed:?}"
    );
    // A port nothing listens on: bound and released at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let unreachable = runtime
        .block_on(shelfmark_core::sync::sign_in(
            &format!("http://{closed}"),
            "hana@example.org",
            "secret pass",
            "",
        ))
        .expect_err("unreachable");
    assert!(
        matches!(&unreachable, Error::Sync(e) if e.kind == SyncErrorKind::Network),
        "{unreachable:?}"
    );

    // The right password: a key for this device, which syncs like any other.
    let signed_in = runtime
        .block_on(shelfmark_core::sync::sign_in(
            &format!("{}/", server.base_url()),
            "hana@example.org",
            "secret pass",
            "Hana's phone",
        ))
        .expect("signed in");
    assert_eq!(signed_in.user_id, user_id);
    assert_eq!(signed_in.username, "hana");
    assert_eq!(signed_in.key_name, "Hana's phone");
    let device = Device::new(&server, &signed_in.api_key);
    device
        .create_item(article("Signed in", "Sato", "2021"))
        .expect("item");
    device.sync();
    let listed = server.admin(&["key", "list", "--user", "hana@example.org"]);
    assert!(listed.contains("Hana's phone"), "{listed}");

    // Signing out revokes the key on the server and unbinds the file.
    let revoked = runtime
        .block_on(device.library.sign_out(&device.options.credentials))
        .expect("signed out");
    assert!(revoked);
    assert!(device.binding().expect("binding").is_none());
    let (status, _) = server.call(
        &signed_in.api_key,
        Method::GET,
        &format!("/users/{user_id}/items"),
        None,
    );
    assert_eq!(status, 403, "the device's key no longer works");
    let listed = server.admin(&["key", "list", "--user", "hana@example.org"]);
    assert!(!listed.contains("Hana's phone"), "{listed}");
}
