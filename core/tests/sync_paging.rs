//! Large pages: a Shelfmark server advertises pages beyond the Web API's
//! limit, and a first sync of a larger library then needs fewer requests.

mod common;
mod sync_support;

use common::article;
use sync_support::{Device, Server};

/// Requests to `<prefix>/items` among the server's log lines.
fn item_requests(lines: &[String], prefix: &str) -> usize {
    let path = format!("path={prefix}/items}}");
    lines.iter().filter(|l| l.contains(&path)).count()
}

#[test]
fn first_sync_of_a_larger_library_uses_large_pages() {
    let server = Server::start();
    let (user, key) = server.user("pages@example.org");
    let a = Device::new(&server, &key);
    let count = 260;
    for n in 0..count {
        a.create_item(article(&format!("Paper {n}"), "Author", "2001"))
            .expect("item");
    }
    a.sync();

    let b = Device::new(&server, &key);
    let before = server.request_count();
    b.sync();
    let lines = server.requests_since(before);
    let prefix = format!("/users/{user}");
    let reads = item_requests(&lines, &prefix);
    // One versions request and one page of up to 1000 items; the standard
    // 50-item pages would need six requests for the items alone.
    assert!(
        (1..=2).contains(&reads),
        "{reads} item requests for {count} items: {lines:#?}"
    );
    assert_eq!(b.items().len(), count);
    assert_eq!(b.items(), a.items());

    // A second device syncing again asks for nothing more than versions.
    let before = server.request_count();
    b.sync();
    let lines = server.requests_since(before);
    assert!(item_requests(&lines, &prefix) <= 1, "{lines:#?}");
    assert!(
        !lines.iter().any(|l| l.contains("/shelfmark/capabilities")),
        "capabilities are remembered between syncs: {lines:#?}"
    );
}
