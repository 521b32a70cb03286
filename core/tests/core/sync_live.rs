//! Live updates in automatic sync, against a real server process: an edit
//! on one device reaches another that never asked; a device's own uploads
//! do not set off a second sync; a group joined on the server is
//! downloaded at once; a killed and restarted server is reconnected to and
//! what changed meanwhile is caught up.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use shelfmark_core::sync::{AutoSyncConfig, AutoSyncHandle, LiveUpdates};

use crate::support::article;
use crate::support::sync::{Device, start_server};

/// Waits until `done` holds, failing after `limit`.
fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Automatic sync that, without the stream, would not sync again for an
/// hour: anything arriving sooner came through the stream.
fn follow(device: &Device) -> AutoSyncHandle {
    let handle = device.start_auto_sync(
        crate::support::sync::runtime().handle(),
        device.options.clone(),
        AutoSyncConfig {
            interval: Duration::from_secs(3600),
            debounce: Duration::from_millis(200),
            on_run: None,
        },
    );
    wait_for(Duration::from_secs(20), "live updates to connect", || {
        handle.status().live == LiveUpdates::Connected
    });
    handle
}

fn has_title(device: &Device, title: &str) -> bool {
    device.items().iter().any(|(_, t, _)| t == title)
}

#[test]
fn an_edit_on_one_device_reaches_the_other_without_asking() {
    let server = start_server();
    let (_, key) = server.user("live@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    a.sync();
    let handle = follow(&b);
    // The stream's state is recorded for `sync status` in another process.
    let record = b.live_updates().expect("state").expect("recorded");
    assert_eq!(record.state, LiveUpdates::Connected);
    assert!(record.url.is_some_and(|u| u.starts_with("ws://")));

    a.create_item(article("Pushed", "Ames", "2001"))
        .expect("item");
    a.sync();
    wait_for(Duration::from_secs(5), "the edit to reach B", || {
        has_title(&b, "Pushed")
    });
    // Dropping the handle stops the task, which records the state as off.
    drop(handle);
    wait_for(
        Duration::from_secs(5),
        "live updates to be recorded off",
        || b.live_updates().expect("state").expect("recorded").state == LiveUpdates::Off,
    );
}

#[test]
fn a_devices_own_upload_does_not_set_off_a_second_sync() {
    let server = start_server();
    let (_, key) = server.user("own@example.org");
    let a = Device::new(&server, &key);
    let handle = follow(&a);
    // The sync on start and the one on subscribing have run.
    wait_for(Duration::from_secs(10), "the first syncs", || {
        handle.status().runs >= 2
    });
    std::thread::sleep(Duration::from_millis(600));
    let before = handle.status().runs;
    a.create_item(article("Mine", "Bell", "2002"))
        .expect("item");
    wait_for(Duration::from_secs(10), "the edit's upload", || {
        handle.status().runs > before && a.sync_status().expect("status")[0].unsynced == 0
    });
    let after_upload = handle.status().runs;
    // The server announces the new version to this device too; it holds it.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(handle.status().runs, after_upload);
    assert_eq!(after_upload, before + 1);
}

#[test]
fn a_group_joined_on_the_server_is_downloaded_at_once() {
    let server = start_server();
    let (_, owner_key) = server.user("owner@example.org");
    let (member_id, member_key) = server.user("member@example.org");
    let owner = Device::new(&server, &owner_key);
    let (status, group) = server.call(
        &owner_key,
        Method::POST,
        "/groups",
        Some(json!({"name": "Reading group"})),
    );
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_u64().expect("group id");
    owner.sync();
    let group_lib = owner
        .libraries()
        .expect("libraries")
        .into_iter()
        .find(|l| l.kind == "group")
        .expect("the owner's group");
    owner
        .scoped(group_lib.id)
        .expect("group library")
        .create_item(article("Shared paper", "Cole", "2003"))
        .expect("item");
    owner.sync();

    let member = Device::new(&server, &member_key);
    let _handle = follow(&member);
    let (status, body) = server.call(
        &owner_key,
        Method::PUT,
        &format!("/groups/{group_id}/members/{member_id}"),
        Some(json!({"role": "member", "write": true})),
    );
    assert_eq!(status, 204, "{body}");
    wait_for(Duration::from_secs(5), "the group to arrive", || {
        member
            .libraries()
            .expect("libraries")
            .iter()
            .any(|l| l.kind == "group" && l.name == "Reading group")
    });
}

#[test]
fn after_a_server_restart_the_stream_reconnects_and_catches_up() {
    let mut server = start_server();
    let (_, key) = server.user("restart@example.org");
    let a = Device::new(&server, &key);
    let b = Device::new(&server, &key);
    a.sync();
    let handle = follow(&b);

    server.kill();
    wait_for(Duration::from_secs(10), "B to notice the drop", || {
        handle.status().live != LiveUpdates::Connected
    });
    server.restart();
    // Written before B is back: B catches up when it resubscribes.
    a.create_item(article("While away", "Dunn", "2004"))
        .expect("item");
    a.sync();
    wait_for(
        Duration::from_secs(40),
        "B to reconnect and catch up",
        || handle.status().live == LiveUpdates::Connected && has_title(&b, "While away"),
    );
    // And follows live again.
    a.create_item(article("After return", "Eady", "2005"))
        .expect("item");
    a.sync();
    wait_for(Duration::from_secs(5), "the next edit", || {
        has_title(&b, "After return")
    });
}
