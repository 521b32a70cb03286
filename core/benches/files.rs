//! Attachment download benchmark (target P8): a file downloaded through the
//! library's client (ranged, MD5-checked, written atomically) against a
//! plain HTTP GET of the same file from the same server in the same run,
//! and the bytes fetched twice when the connection breaks mid-download.
//!
//! Run: `cargo bench -p shelfmark-core --bench files [-- --mb N --runs R]`
//! (default 50 MB, 5 runs each; the median counts). Uses the release
//! `shelfmark-server` beside the bench (built if missing) or
//! `$SHELFMARK_SERVER_BIN`.

// The core tests' helpers; the benchmark uses some of them.
#[allow(dead_code)]
#[path = "../tests/core/support/files.rs"]
mod files_support;
#[allow(dead_code)]
#[path = "../tests/core/support/sync/mod.rs"]
mod sync_support;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use shelfmark_core::files::{DownloadOptions, FileFilter, Priority};
use shelfmark_core::protocol::ItemData;
use shelfmark_test_support::TestServer;
use sync_support::{Device, server_builder, start_server};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn test_file(dir: &std::path::Path, bytes: usize) -> PathBuf {
    let path = dir.join("large.pdf");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    out.write_all(b"%PDF-1.7\n").expect("write");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut written = 9;
    let mut block = vec![0u8; 1 << 16];
    while written < bytes {
        for b in block.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let n = block.len().min(bytes - written);
        out.write_all(&block[..n]).expect("write");
        written += n;
    }
    path
}

/// A library on "device A" with the file uploaded, and "device B" synced.
fn setup(server: &TestServer, key: &str, source: &std::path::Path) -> (Device, Device, String) {
    let a = Device::new(server, key);
    let b = Device::new(server, key);
    let mut item = ItemData::new("book");
    item.set_field("title", "Large");
    let item = a.create_item(item).expect("item");
    let att = a
        .attach_file(Some(item.key.as_str()), source)
        .expect("attach");
    a.sync();
    b.sync();
    (a, b, att.key.as_str().to_owned())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mb_per_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn main() {
    let mb = arg("--mb", 50);
    let runs = arg("--runs", 5).max(1);
    let size = (mb * 1_000_000) as usize;
    let work = tempfile::tempdir().expect("work dir");
    let source = test_file(work.path(), size);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    // Throughput: the client against a plain GET, from the same server.
    let server = start_server();
    let (_, key) = server.user("bench@example.org");
    let (_a, b, att) = setup(&server, &key, &source);
    let options = DownloadOptions {
        credentials: b.options.credentials.clone(),
        priority: Priority::Opened,
        ..DownloadOptions::default()
    };
    let plain = reqwest::Client::new();
    let url = format!("{}/users/", server.base_url());
    let user_path = {
        let binding = b.binding().expect("binding").expect("bound");
        format!("{url}{}/items/{att}/file", binding.user_id)
    };
    let mut client_times = Vec::new();
    let mut plain_times = Vec::new();
    let mut synced_times = Vec::new();
    for _ in 0..runs {
        b.evict_files(&FileFilter::Keys(vec![att.clone()]))
            .expect("evict");
        let start = Instant::now();
        let outcome = runtime
            .block_on(b.download_files(std::slice::from_ref(&att), &options))
            .expect("download");
        client_times.push(start.elapsed());
        assert!(outcome[0].ok, "{outcome:?}");

        let target = work.path().join("plain.bin");
        let start = Instant::now();
        runtime.block_on(async {
            let mut response = plain
                .get(&user_path)
                .header("Zotero-API-Key", key.as_str())
                .header("Zotero-API-Version", "3")
                .send()
                .await
                .expect("plain GET");
            assert!(response.status().is_success(), "{}", response.status());
            let mut out = std::fs::File::create(&target).expect("plain target");
            while let Some(chunk) = response.chunk().await.expect("chunk") {
                out.write_all(&chunk).expect("write");
            }
        });
        plain_times.push(start.elapsed());
        // The same GET made durable as the client makes its copies.
        let start = Instant::now();
        runtime.block_on(async {
            let mut response = plain
                .get(&user_path)
                .header("Zotero-API-Key", key.as_str())
                .header("Zotero-API-Version", "3")
                .send()
                .await
                .expect("plain GET");
            let mut out = std::fs::File::create(&target).expect("plain target");
            while let Some(chunk) = response.chunk().await.expect("chunk") {
                out.write_all(&chunk).expect("write");
            }
            out.sync_all().expect("fsync");
        });
        synced_times.push(start.elapsed());
        assert_eq!(
            std::fs::metadata(&target).expect("plain file").len(),
            size as u64
        );
    }
    let client = median(client_times);
    let plain_t = median(plain_times);
    let synced = median(synced_times);
    let ratio = plain_t.as_secs_f64() / client.as_secs_f64() * 100.0;

    // Interruption: the connection breaks 40 % into the file.
    let proxy = files_support::Proxy::bind();
    let proxy_url = proxy.url();
    let server2 = server_builder()
        .env("SHELFMARK_PUBLIC_URL", proxy_url.as_str())
        .start();
    proxy.forward_to(server2.base_url());
    let (_, key2) = server2.user("bench2@example.org");
    let (_a2, b2, att2) = setup(&server2, &key2, &source);
    let cut = (size as u64) * 2 / 5;
    proxy.cut_next_download_after(cut);
    let options2 = DownloadOptions {
        credentials: b2.options.credentials.clone(),
        ..DownloadOptions::default()
    };
    let outcome = runtime
        .block_on(b2.download_files(std::slice::from_ref(&att2), &options2))
        .expect("download");
    assert!(outcome[0].ok, "{outcome:?}");
    let requests = proxy.seen("GET /downloads/");
    let refetched = proxy.download_body_bytes().saturating_sub(size as u64);

    println!("P8 attachment download ({mb} MB file, median of {runs}, loopback)");
    println!(
        "  client download    {:>8.1} ms  {:>7.1} MB/s",
        client.as_secs_f64() * 1e3,
        mb_per_s(size as u64, client)
    );
    println!(
        "  plain HTTP GET     {:>8.1} ms  {:>7.1} MB/s",
        plain_t.as_secs_f64() * 1e3,
        mb_per_s(size as u64, plain_t)
    );
    println!("  client / plain     {ratio:>8.1} %");
    let durable_ratio = synced.as_secs_f64() / client.as_secs_f64() * 100.0;
    println!(
        "  plain GET + fsync  {:>8.1} ms  {:>7.1} MB/s  (client / this: {durable_ratio:.1} %, target ≥ 90 %: {})",
        synced.as_secs_f64() * 1e3,
        mb_per_s(size as u64, synced),
        if durable_ratio >= 90.0 {
            "ok"
        } else {
            "MISSED"
        }
    );
    println!(
        "  broken at {} bytes: {} request(s), ranges {:?}, bytes fetched twice: {refetched} (target 0)",
        cut,
        requests.len(),
        requests.iter().map(|r| r.range.clone()).collect::<Vec<_>>()
    );
}
