//! P6's reading half: 50,000 RIS records parse well within the import budget.
//! Run with `cargo test --release -p shelfmark-core --test core formats_scale:: -- --ignored --nocapture`.

use std::time::Instant;

use crate::support::formats::samples;
use shelfmark_core::formats::{self, ExportItem, Format};

#[test]
#[ignore = "timing; run in release"]
fn fifty_thousand_ris_records() {
    let s = samples();
    let base: Vec<ExportItem> = s.into_values().collect();
    let items: Vec<ExportItem> = base.iter().cycle().take(50_000).cloned().collect();
    let text = formats::export(Format::Ris, &items);
    let start = Instant::now();
    let report = formats::parse(Format::Ris, &text).expect("parses");
    let elapsed = start.elapsed();
    println!(
        "{} records, {} MB, parsed in {elapsed:?}",
        report.records.len(),
        text.len() / 1_000_000
    );
    assert_eq!(report.records.len(), 50_000);
    assert!(elapsed.as_secs_f64() < 5.0, "{elapsed:?}");
}
