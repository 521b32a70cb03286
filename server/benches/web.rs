//! The web pages under load: the library page of a 50,000-item library
//! (first, middle and last pages, each sort) and quick-search pages, asked
//! for by 20 concurrent signed-in browsers for a fixed time. Prints p50/p99
//! request times (on loopback, measured by the client, so they include the
//! server's whole work) beside the aim of ≤ 50 ms p99.
//!
//! Run: `cargo bench -p shelfmark-server --bench web [items clients seconds]
//! [--postgres postgres://user@host/db]`. A benchmark, not a test: it never
//! fails on a slow machine.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Client, Deployment, Server};

const AIM_P99_MS: f64 = 50.0;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Signs in through the sign-in form; the session cookie.
fn sign_in(base: &str, email: &str, password: &str) -> String {
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = http
        .get(format!("{base}/signin"))
        .send()
        .expect("sign-in page");
    let form_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("shelfmark_form="))
        .and_then(|v| v.split(';').next())
        .expect("form cookie")
        .to_owned();
    let html = page.text().expect("page");
    let start = html.find("name=\"csrf\" value=\"").expect("token") + 19;
    let csrf = html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    let answer = http
        .post(format!("{base}/signin"))
        .header("cookie", format!("shelfmark_form={form_cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .expect("sign in");
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("shelfmark_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned()
}

/// Fills the library with `items` references, 50 a request, 4 writers at once.
fn seed(client: &Client, items: usize) {
    let batches = items.div_ceil(50);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            let next = std::sync::Arc::clone(&next);
            std::thread::spawn(move || {
                loop {
                    let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if b >= batches {
                        break;
                    }
                    let batch: Vec<Value> = (0..50)
                        .map(|i| {
                            let n = b * 50 + i;
                            json!({
                                "itemType": "journalArticle",
                                "title": format!("Article {n} on a subject of some length"),
                                "creators": [{"creatorType": "author", "firstName": "Ada",
                                              "lastName": format!("Author{}", n % 997)}],
                                "date": format!("{}-05-17", 1950 + n % 70),
                                "publicationTitle": "Journal of Benchmarks",
                            })
                        })
                        .collect();
                    let (_, report) =
                        client.write(&format!("{}/items", client.lib()), &Value::Array(batch));
                    assert_eq!(report["success"].as_object().map(|m| m.len()), Some(50));
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
}

fn main() {
    let mut args: Vec<String> = Vec::new();
    let mut postgres = std::env::var("SHELFMARK_TEST_DATABASE_URL").ok();
    let mut given = std::env::args().skip(1);
    while let Some(a) = given.next() {
        if a == "--postgres" {
            postgres = Some(given.next().expect("--postgres needs a URL"));
        } else if !a.starts_with('-') {
            args.push(a);
        }
    }
    let arg =
        |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let items = arg(0, 50_000);
    let clients = arg(1, 20);
    let seconds = arg(2, 10) as u64;

    let server = Server::start_on(
        &[
            "--key-rate",
            "0",
            "--backoff-above",
            "1000000",
            "--auth-failures",
            "1000000",
        ],
        postgres.as_deref(),
    );
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("web pages benchmark on {backend}: {items} items, {clients} browsers, {seconds} s");
    let client = Client::new_user(&server, "bench@example.org");
    let started = Instant::now();
    seed(&client, items);
    println!(
        "seeded {items} items in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let base = server.base_url().to_owned();
    let cookie = format!(
        "shelfmark_session={}",
        sign_in(&base, "bench@example.org", "secret pass")
    );
    let lib = format!("{base}/libraries/user-{}", client.user_id);
    let last_page = items.div_ceil(50).max(1);
    let library_pages: Vec<String> = ["title", "creator", "date", "dateAdded"]
        .iter()
        .flat_map(|sort| {
            [1, last_page / 2, last_page]
                .into_iter()
                .map(move |page| format!("?sort={sort}&page={page}"))
        })
        .collect();
    let searches: Vec<String> = ["Author17", "Article 4242", "1987", "subject of"]
        .iter()
        .map(|q| format!("?q={}", q.replace(' ', "+")))
        .collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let (library, search) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                let http = http.clone();
                let cookie = cookie.clone();
                let lib = lib.clone();
                let library_pages = library_pages.clone();
                let searches = searches.clone();
                tokio::spawn(async move {
                    let mut library = Vec::new();
                    let mut search = Vec::new();
                    let mut n = c;
                    while Instant::now() < deadline {
                        n += 1;
                        let is_search = n % 3 == 0;
                        let query = if is_search {
                            &searches[n % searches.len()]
                        } else {
                            &library_pages[n % library_pages.len()]
                        };
                        let started = Instant::now();
                        let answer = http
                            .get(format!("{lib}{query}"))
                            .header("cookie", &cookie)
                            .send()
                            .await
                            .expect("GET");
                        assert!(answer.status().is_success(), "{query}: {}", answer.status());
                        let body = answer.text().await.expect("page");
                        assert!(body.contains("table") || body.contains("No references"));
                        let took = started.elapsed();
                        if is_search {
                            search.push(took)
                        } else {
                            library.push(took)
                        }
                    }
                    (library, search)
                })
            })
            .collect();
        let mut library = Vec::new();
        let mut search = Vec::new();
        for t in tasks {
            let (l, s) = t.await.expect("browser");
            library.extend(l);
            search.extend(s);
        }
        (library, search)
    });
    for (name, mut times) in [("library page", library), ("search page", search)] {
        times.sort_unstable();
        let p99 = ms(percentile(&times, 0.99));
        println!(
            "{name}: {} requests, p50 {:.1} ms, p99 {p99:.1} ms   (aim: p99 ≤ {AIM_P99_MS} ms{})",
            times.len(),
            ms(percentile(&times, 0.5)),
            if p99 <= AIM_P99_MS {
                ", met"
            } else {
                ", NOT met"
            }
        );
    }
}
