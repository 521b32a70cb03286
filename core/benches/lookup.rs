//! Lookup benchmark: a pasted list of 100 DOIs looked up against the
//! stand-in services on this machine, each answer 50 ms late, with the real
//! services' default rate limits (Crossref: 50 a second, 5 at a time).
//! Target: at most 2 s for the list.
//!
//! Run: `cargo bench -p shelfmark-core --bench lookup [-- --dois N --delay-ms D --runs R]`
//! (default 100 DOIs, 50 ms, 3 runs; the median counts).

use std::time::{Duration, Instant};

use shelfmark_core::lookup::{LookupClient, LookupConfig, lookup_text};
use shelfmark_test_support::lookup_services;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let dois = arg("--dois", 100) as usize;
    let delay = Duration::from_millis(arg("--delay-ms", 50));
    let runs = arg("--runs", 3).max(1);
    let services = lookup_services::Services::start();
    services.set_delay(delay);
    let text: String = (0..dois)
        .map(|n| format!("{}\n", lookup_services::generated_doi(n)))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut times = Vec::new();
    for _ in 0..runs {
        // A fresh client per run: its rate limits start full, as for a user.
        let client = LookupClient::new(LookupConfig::all_at(&services.url)).expect("client");
        let started = Instant::now();
        let results = runtime.block_on(lookup_text(&client, &text));
        let elapsed = started.elapsed();
        let found = results.iter().filter(|r| r.outcome.is_ok()).count();
        assert_eq!(found, dois, "every DOI is found");
        times.push(elapsed);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "lookup: {dois} DOIs, {} ms per answer, default rate limits (median of {runs})",
        delay.as_millis()
    );
    println!(
        "  list looked up     {:>8.2} s   (target ≤ 2 s)   {}",
        median.as_secs_f64(),
        if median <= Duration::from_secs(2) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  runs               {}",
        times
            .iter()
            .map(|t| format!("{:.2} s", t.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
