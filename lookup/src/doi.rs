//! DOIs: CSL-JSON from the DOI resolver by content negotiation (it hands the
//! request to the DOI's registration agency); where that fails, Crossref's
//! `/works/{doi}` and then DataCite's `/dois/{doi}`. When the resolver's
//! answer lacks a title, creator, date or container, Crossref fills them in.

use serde_json::Value;

use super::client::{Answer, LookupClient};
use super::config::Service;
use super::csl::{self, Csl};
use super::error::LookupError;

const CSL_JSON: &str = "application/vnd.citationstyles.csl+json";

/// The CSL item for `doi` and the service it came from.
pub(crate) async fn lookup(
    client: &LookupClient,
    doi: &str,
) -> Result<(Csl, Service), LookupError> {
    let mut failures = Vec::new();
    match from_resolver(client, doi).await {
        Ok(mut found) => {
            if csl::lacks_essentials(&found) {
                // What Crossref cannot add is no reason to fail.
                if let Ok(more) = from_crossref(client, doi).await {
                    csl::fill_missing(&mut found, more);
                }
            }
            return Ok((found, Service::DoiResolver));
        }
        Err(e) => failures.push(e),
    }
    match from_crossref(client, doi).await {
        Ok(found) => return Ok((found, Service::Crossref)),
        Err(e) => failures.push(e),
    }
    match from_datacite(client, doi).await {
        Ok(found) => return Ok((found, Service::DataCite)),
        Err(e) => failures.push(e),
    }
    Err(combine(failures))
}

/// One error for several services' failures: not found only when every
/// service said so, otherwise the first other failure.
pub(crate) fn combine(failures: Vec<LookupError>) -> LookupError {
    let mut services = Vec::new();
    let mut other = None;
    for failure in failures {
        match failure {
            LookupError::NotFound { services: s } => services.extend(s),
            e => {
                other.get_or_insert(e);
            }
        }
    }
    other.unwrap_or(LookupError::NotFound { services })
}

/// A DOI in a URL path: `/` kept, anything with a meaning in URLs escaped.
pub(crate) fn path_escape(doi: &str) -> String {
    let mut out = String::with_capacity(doi.len());
    for b in doi.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'('
                    | b')'
                    | b':'
                    | b';'
                    | b'@'
                    | b'!'
                    | b'*'
                    | b'\''
                    | b'$'
                    | b','
                    | b'='
                    | b'+'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn not_found(service: Service) -> LookupError {
    LookupError::NotFound {
        services: vec![service],
    }
}

fn refused(service: Service, status: reqwest::StatusCode) -> LookupError {
    // The resolver answers 400 for a DOI it cannot read and 406 when the
    // agency offers no CSL-JSON: either way it has nothing for us.
    if status == reqwest::StatusCode::BAD_REQUEST || status == reqwest::StatusCode::NOT_ACCEPTABLE {
        not_found(service)
    } else {
        LookupError::BadAnswer {
            service,
            detail: format!("HTTP {status}"),
        }
    }
}

async fn from_resolver(client: &LookupClient, doi: &str) -> Result<Csl, LookupError> {
    let service = Service::DoiResolver;
    let url = client.url(service, &format!("/{}", path_escape(doi)));
    match client.get(service, &url, CSL_JSON).await? {
        Answer::Body(body) => Ok(csl::tidy(csl::object(&body, service)?)),
        Answer::NotFound => Err(not_found(service)),
        Answer::Refused(status) => Err(refused(service, status)),
    }
}

async fn from_crossref(client: &LookupClient, doi: &str) -> Result<Csl, LookupError> {
    let service = Service::Crossref;
    let mut url = client.url(service, &format!("/works/{}", path_escape(doi)));
    if let Some(contact) = &client.config().contact {
        url.push_str("?mailto=");
        url.push_str(&form_urlencoded::byte_serialize(contact.as_bytes()).collect::<String>());
    }
    let body = match client.get(service, &url, "application/json").await? {
        Answer::Body(body) => body,
        Answer::NotFound => return Err(not_found(service)),
        Answer::Refused(status) => return Err(refused(service, status)),
    };
    let mut envelope = csl::object(&body, service)?;
    match envelope.remove("message") {
        Some(Value::Object(work)) => Ok(csl::tidy(crossref_work(work))),
        _ => Err(LookupError::BadAnswer {
            service,
            detail: "no \"message\" in the answer".into(),
        }),
    }
}

/// Crossref's work record in CSL terms: its type names and a few keys
/// differ, the rest already are CSL variables.
fn crossref_work(mut work: Csl) -> Csl {
    let crossref_type = work
        .remove("type")
        .and_then(|t| t.as_str().map(str::to_owned))
        .unwrap_or_default();
    work.insert(
        "type".into(),
        Value::String(csl_type_of_crossref(&crossref_type).into()),
    );
    let first = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) => Some(s.clone()),
            Value::Array(list) => list.first()?.as_str().map(str::to_owned),
            _ => None,
        }
    };
    if let (Some(title), Some(subtitle)) = (first(work.get("title")), first(work.get("subtitle")))
        && !subtitle.is_empty()
    {
        work.insert(
            "title".into(),
            Value::String(format!("{title}: {subtitle}")),
        );
    }
    if !work.contains_key("issued")
        && let Some(date) = work
            .get("published-print")
            .or_else(|| work.get("published-online"))
            .cloned()
    {
        work.insert("issued".into(), date);
    }
    if let Some(short) = work.remove("short-container-title") {
        work.insert("journalAbbreviation".into(), short);
    }
    if let Some(place) = work.remove("publisher-location") {
        work.insert("publisher-place".into(), place);
    }
    // "license" is a list of licence records, not the CSL text variable.
    work.remove("license");
    work
}

fn csl_type_of_crossref(crossref_type: &str) -> &'static str {
    match crossref_type {
        "journal-article" => "article-journal",
        "book-chapter" | "book-section" | "book-part" => "chapter",
        "proceedings-article" => "paper-conference",
        "book" | "monograph" | "edited-book" | "reference-book" | "book-set" | "book-series" => {
            "book"
        }
        "reference-entry" => "entry-encyclopedia",
        "posted-content" => "article",
        "dissertation" => "thesis",
        "report" | "report-series" => "report",
        "dataset" => "dataset",
        "standard" => "standard",
        "peer-review" => "review",
        _ => "document",
    }
}

async fn from_datacite(client: &LookupClient, doi: &str) -> Result<Csl, LookupError> {
    let service = Service::DataCite;
    let url = client.url(service, &format!("/dois/{}", path_escape(doi)));
    match client.get(service, &url, CSL_JSON).await? {
        Answer::Body(body) => Ok(csl::tidy(csl::object(&body, service)?)),
        Answer::NotFound => Err(not_found(service)),
        Answer::Refused(status) => Err(refused(service, status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_urls_reserve() {
        assert_eq!(
            path_escape("10.1002/(SICI)1097-4571#x?y"),
            "10.1002/(SICI)1097-4571%23x%3Fy"
        );
        assert_eq!(path_escape("10.1000/<a>"), "10.1000/%3Ca%3E");
    }
}
