//! ISBNs: Open Library's books API (many ISBNs in one request), then Google
//! Books for those Open Library does not know. Both answers are put in CSL
//! terms as books.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::client::{Answer, LookupClient};
use super::config::Service;
use super::csl::{self, Csl, split_name};
use super::doi::combine;
use super::error::LookupError;

/// ISBNs per Open Library request.
const BATCH: usize = 40;

/// The CSL item for each ISBN (digits, as recognised) and its source.
pub(crate) async fn lookup(
    client: &LookupClient,
    isbns: &[String],
) -> HashMap<String, Result<(Csl, Service), LookupError>> {
    let mut results = HashMap::new();
    let batches = isbns.chunks(BATCH).map(|batch| open_library(client, batch));
    let answers = futures_util::future::join_all(batches).await;
    let mut missing = Vec::new();
    for (batch, answer) in isbns.chunks(BATCH).zip(answers) {
        match answer {
            Ok(mut found) => {
                for isbn in batch {
                    match found.remove(isbn) {
                        Some(csl) => {
                            results.insert(isbn.clone(), Ok((csl, Service::OpenLibrary)));
                        }
                        None => missing.push((isbn.clone(), not_found(Service::OpenLibrary))),
                    }
                }
            }
            Err(e) => missing.extend(batch.iter().map(|isbn| (isbn.clone(), e.clone()))),
        }
    }
    let second = missing.into_iter().map(|(isbn, first)| async move {
        let result = match google_books(client, &isbn).await {
            Ok(csl) => Ok((csl, Service::GoogleBooks)),
            Err(e) => Err(combine(vec![first, e])),
        };
        (isbn, result)
    });
    results.extend(futures_util::future::join_all(second).await);
    results
}

fn not_found(service: Service) -> LookupError {
    LookupError::NotFound {
        services: vec![service],
    }
}

fn refused(service: Service, status: reqwest::StatusCode) -> LookupError {
    LookupError::BadAnswer {
        service,
        detail: format!("HTTP {status}"),
    }
}

/// `/api/books?bibkeys=ISBN:…&format=json&jscmd=data`: an object with an
/// entry `ISBN:<isbn>` for each ISBN it knows.
async fn open_library(
    client: &LookupClient,
    isbns: &[String],
) -> Result<HashMap<String, Csl>, LookupError> {
    let service = Service::OpenLibrary;
    let keys: Vec<String> = isbns.iter().map(|i| format!("ISBN:{i}")).collect();
    let url = client.url(
        service,
        &format!(
            "/api/books?bibkeys={}&format=json&jscmd=data",
            keys.join(",")
        ),
    );
    let body = match client.get(service, &url, "application/json").await? {
        Answer::Body(body) => body,
        Answer::NotFound => return Ok(HashMap::new()),
        Answer::Refused(status) => return Err(refused(service, status)),
    };
    let answer = csl::object(&body, service)?;
    let mut found = HashMap::new();
    for isbn in isbns {
        if let Some(Value::Object(book)) = answer.get(&format!("ISBN:{isbn}")) {
            found.insert(isbn.clone(), open_library_book(book, isbn));
        }
    }
    Ok(found)
}

fn open_library_book(book: &Csl, isbn: &str) -> Csl {
    let text = |key: &str| book.get(key).and_then(Value::as_str).map(str::to_owned);
    let first_name = |key: &str| {
        book.get(key)?
            .as_array()?
            .first()?
            .get("name")?
            .as_str()
            .map(str::to_owned)
    };
    let mut out = Csl::new();
    out.insert("type".into(), json!("book"));
    if let Some(title) = text("title") {
        let title = match text("subtitle") {
            Some(sub) if !sub.is_empty() => format!("{title}: {sub}"),
            _ => title,
        };
        out.insert("title".into(), json!(title));
    }
    let authors: Vec<Value> = book
        .get("authors")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|a| a.get("name")?.as_str())
                .map(|name| split_name(name, false))
                .collect()
        })
        .unwrap_or_default();
    if !authors.is_empty() {
        out.insert("author".into(), Value::Array(authors));
    }
    if let Some(publisher) = first_name("publishers") {
        out.insert("publisher".into(), json!(publisher));
    }
    if let Some(place) = first_name("publish_places") {
        out.insert("publisher-place".into(), json!(place));
    }
    if let Some(date) = text("publish_date") {
        out.insert("issued".into(), json!({ "raw": date }));
    }
    if let Some(pages) = book.get("number_of_pages").filter(|p| p.is_number()) {
        out.insert("number-of-pages".into(), pages.clone());
    }
    out.insert("ISBN".into(), json!(isbn));
    if let Some(url) = text("url") {
        out.insert("URL".into(), json!(url));
    }
    csl::tidy(out)
}

/// `/books/v1/volumes?q=isbn:<isbn>`: `totalItems` and `items[].volumeInfo`.
async fn google_books(client: &LookupClient, isbn: &str) -> Result<Csl, LookupError> {
    let service = Service::GoogleBooks;
    let url = client.url(service, &format!("/books/v1/volumes?q=isbn:{isbn}"));
    let body = match client.get(service, &url, "application/json").await? {
        Answer::Body(body) => body,
        Answer::NotFound => return Err(not_found(service)),
        Answer::Refused(status) => return Err(refused(service, status)),
    };
    let answer = csl::object(&body, service)?;
    let Some(volume) = answer
        .get("items")
        .and_then(Value::as_array)
        .and_then(|items| items.first())
        .and_then(|item| item.get("volumeInfo"))
        .and_then(Value::as_object)
    else {
        return Err(not_found(service));
    };
    let text = |key: &str| volume.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut out = Csl::new();
    out.insert("type".into(), json!("book"));
    if let Some(title) = text("title") {
        let title = match text("subtitle") {
            Some(sub) if !sub.is_empty() => format!("{title}: {sub}"),
            _ => title,
        };
        out.insert("title".into(), json!(title));
    }
    if let Some(authors) = volume.get("authors").and_then(Value::as_array) {
        let names: Vec<Value> = authors
            .iter()
            .filter_map(Value::as_str)
            .map(|n| split_name(n, false))
            .collect();
        out.insert("author".into(), Value::Array(names));
    }
    for (key, var) in [
        ("publisher", "publisher"),
        ("description", "abstract"),
        ("language", "language"),
    ] {
        if let Some(value) = text(key) {
            out.insert(var.into(), json!(value));
        }
    }
    if let Some(date) = text("publishedDate") {
        out.insert("issued".into(), json!({ "raw": date }));
    }
    if let Some(pages) = volume.get("pageCount").filter(|p| p.is_number()) {
        out.insert("number-of-pages".into(), pages.clone());
    }
    out.insert("ISBN".into(), json!(isbn));
    Ok(csl::tidy(out))
}
