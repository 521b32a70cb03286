//! Large pages: a Shelfmark server advertises pages beyond the Web API's
//! limit, and a first sync of a larger library then needs fewer requests.

use std::sync::{Arc, Mutex};

use crate::support::article;
use crate::support::sync::{Device, start_server};
use shelfmark_core::Library;
use shelfmark_core::search::{ItemSearchQuery, SearchMode};
use shelfmark_core::sync::{SyncCancel, SyncOptions, SyncProgress, SyncStage};

/// Requests to `<prefix>/items` among the server's log lines.
fn item_requests(lines: &[String], prefix: &str) -> usize {
    let path = format!("path={prefix}/items}}");
    lines.iter().filter(|l| l.contains(&path)).count()
}

#[test]
fn first_sync_of_a_larger_library_uses_large_pages() {
    let server = start_server();
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

fn found(library: &Library, text: &str, mode: SearchMode) -> u64 {
    library
        .search_items(&ItemSearchQuery {
            text: text.into(),
            mode,
            ..ItemSearchQuery::default()
        })
        .expect("search")
        .total
}

/// A large first sync makes the library browsable before its full text is
/// indexed: at the indexing phase every item is listed and found by quick
/// search; words only in other fields are found once indexing is done. An
/// indexing stopped part way goes on at the next sync.
#[test]
fn large_download_is_quick_searchable_before_its_full_text_is_indexed() {
    let server = start_server();
    let (_, key) = server.user("backlog@example.org");
    let a = Device::new(&server, &key);
    let count: usize = 2600;
    let items: Vec<_> = (0..count)
        .map(|n| {
            let mut item = article(&format!("Glacier survey {n}"), "Okafor", "1999");
            item.set_field("abstractNote", "moraine sediment transport");
            item
        })
        .collect();
    a.create_items(items).expect("items");
    a.sync();

    let b = Device::new(&server, &key);
    let seen: Arc<Mutex<Vec<(u64, u64, u64)>>> = Arc::default();
    let cancel = SyncCancel::new();
    let options = {
        let (library, seen, trigger) = (b.library.clone(), seen.clone(), cancel.clone());
        SyncOptions {
            cancel: Some(cancel),
            progress: Some(Arc::new(move |p: &SyncProgress| {
                if p.phase != SyncStage::Indexing {
                    return;
                }
                seen.lock().expect("seen").push((
                    found(&library, "okafor glac", SearchMode::Quick),
                    found(&library, "moraine", SearchMode::Everything),
                    p.done as u64,
                ));
                // Stop after the first batch: the rest waits for the next sync.
                if p.done > 0 {
                    trigger.cancel();
                }
            })),
            ..b.options.clone()
        }
    };
    let report = crate::support::sync::block_on(b.library.sync(&options)).expect("sync runs");
    assert_eq!(report.libraries[0].downloaded.items, count as u64);
    let seen = seen.lock().expect("seen").clone();
    let (quick, everything, _) = seen[0];
    assert_eq!(quick, count as u64, "quick search complete when browsable");
    assert_eq!(everything, 0, "the rest of the text is indexed after");
    let indexed = seen.last().map(|s| s.2).unwrap_or_default();
    assert!(
        indexed > 0 && indexed < count as u64,
        "indexing stopped part way: {seen:?}"
    );
    assert_eq!(found(&b, "okafor glac", SearchMode::Quick), count as u64);
    assert_eq!(found(&b, "moraine", SearchMode::Everything), indexed);
    let status = b.sync_status().expect("status");
    assert_eq!(status[0].fulltext_pending as u64, count as u64 - indexed);

    // The next sync indexes the rest; nothing is found twice.
    b.sync();
    assert_eq!(b.sync_status().expect("status")[0].fulltext_pending, 0);
    assert_eq!(found(&b, "moraine", SearchMode::Everything), count as u64);
    assert_eq!(found(&b, "okafor glac", SearchMode::Quick), count as u64);
    assert_eq!(b.items(), a.items());
}
