//! Feeds arbitrary text to the zotero_json reader: it must answer with items
//! that pass validation or with an error, and never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfmark_formats::{self as formats, Format};
use shelfmark_protocol::validate_item;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(report) = formats::parse(Format::ZoteroJson, text) {
        for record in &report.records {
            assert!(validate_item(&record.item).is_ok());
            for child in &record.children {
                assert!(validate_item(child).is_ok());
            }
        }
    }
});
