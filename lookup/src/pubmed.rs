//! PubMed and PubMed Central ids through NCBI's E-utilities: `efetch` gives
//! PubMed's records as XML (abstract included), `esummary` gives PubMed
//! Central's summaries as JSON. Both take many ids per request, which keeps
//! within E-utilities' three requests a second.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::client::{Answer, LookupClient};
use super::config::Service;
use super::csl::{self, Csl, split_name};
use super::error::LookupError;
use super::xml::{self, Element};

const SERVICE: Service = Service::Ncbi;
/// Ids per request (E-utilities take up to 200 in a GET).
const BATCH: usize = 100;

type Found = HashMap<String, Result<Csl, LookupError>>;

fn not_found() -> LookupError {
    LookupError::NotFound {
        services: vec![SERVICE],
    }
}

fn bad(detail: impl Into<String>) -> LookupError {
    LookupError::BadAnswer {
        service: SERVICE,
        detail: detail.into(),
    }
}

/// `tool`, `email` and `api_key`, as NCBI asks of programs.
fn identification(client: &LookupClient) -> String {
    let config = client.config();
    let mut query = String::from("&tool=shelfmark");
    let encode = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    if let Some(contact) = &config.contact {
        query.push_str(&format!("&email={}", encode(contact)));
    }
    if let Some(key) = &config.ncbi_api_key {
        query.push_str(&format!("&api_key={}", encode(key)));
    }
    query
}

async fn get(client: &LookupClient, path: &str, accept: &str) -> Result<String, LookupError> {
    let url = client.url(SERVICE, path);
    match client.get(SERVICE, &url, accept).await? {
        Answer::Body(body) => Ok(body),
        Answer::NotFound => Err(not_found()),
        Answer::Refused(status) => Err(bad(format!("HTTP {status}"))),
    }
}

/// PubMed records for `pmids`.
pub(crate) async fn lookup_pmids(client: &LookupClient, pmids: &[String]) -> Found {
    let batches = pmids.chunks(BATCH).map(|batch| async move {
        let path = format!(
            "/efetch.fcgi?db=pubmed&retmode=xml&id={}{}",
            batch.join(","),
            identification(client)
        );
        let answer = get(client, &path, "application/xml")
            .await
            .and_then(|body| {
                let root = xml::parse(&body).map_err(bad)?;
                Ok(pubmed_articles(&root))
            });
        batch
            .iter()
            .map(|pmid| {
                let result = match &answer {
                    Ok(found) => found.get(pmid).cloned().ok_or_else(not_found),
                    Err(e) => Err(e.clone()),
                };
                (pmid.clone(), result)
            })
            .collect::<Vec<_>>()
    });
    futures_util::future::join_all(batches)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// `<PubmedArticleSet>`'s articles by PMID, in CSL terms.
fn pubmed_articles(root: &Element) -> HashMap<String, Csl> {
    root.all("PubmedArticle")
        .filter_map(|article| {
            let citation = article.child("MedlineCitation")?;
            let pmid = citation.text_at("PMID")?;
            Some((pmid.clone(), pubmed_article(article, citation, &pmid)))
        })
        .collect()
}

fn pubmed_article(article: &Element, citation: &Element, pmid: &str) -> Csl {
    let mut out = Csl::new();
    out.insert("type".into(), json!("article-journal"));
    out.insert("PMID".into(), json!(pmid));
    let Some(paper) = citation.child("Article") else {
        return csl::tidy(out);
    };
    let mut put = |var: &str, value: Option<String>| {
        if let Some(v) = value {
            out.insert(var.into(), json!(v));
        }
    };
    put(
        "title",
        paper
            .text_at("ArticleTitle")
            .map(|t| t.trim_end_matches('.').to_owned()),
    );
    put("container-title", paper.text_at("Journal/Title"));
    put(
        "journalAbbreviation",
        paper.text_at("Journal/ISOAbbreviation"),
    );
    put("volume", paper.text_at("Journal/JournalIssue/Volume"));
    put("issue", paper.text_at("Journal/JournalIssue/Issue"));
    put("ISSN", paper.text_at("Journal/ISSN"));
    put("page", paper.text_at("Pagination/MedlinePgn"));
    put("language", paper.text_at("Language"));
    let abstract_parts: Vec<String> = paper
        .child("Abstract")
        .map(|a| {
            a.all("AbstractText")
                .map(|part| match part.attr("Label") {
                    Some(label) => format!("{label}: {}", part.text()),
                    None => part.text(),
                })
                .collect()
        })
        .unwrap_or_default();
    if !abstract_parts.is_empty() {
        out.insert("abstract".into(), json!(abstract_parts.join("\n")));
    }
    if let Some(list) = article.at("PubmedData/ArticleIdList") {
        for id in list.all("ArticleId") {
            match id.attr("IdType") {
                Some("doi") => out.insert("DOI".into(), json!(id.text())),
                Some("pmc") => out.insert("PMCID".into(), json!(id.text())),
                _ => None,
            };
        }
    }
    let authors: Vec<Value> = paper
        .child("AuthorList")
        .map(|list| {
            list.all("Author")
                .filter_map(|a| {
                    if let Some(group) = a.text_at("CollectiveName") {
                        return Some(json!({ "literal": group }));
                    }
                    let family = a.text_at("LastName")?;
                    let given = a.text_at("ForeName").or_else(|| a.text_at("Initials"));
                    Some(match given {
                        Some(given) => json!({"family": family, "given": given}),
                        None => json!({ "family": family }),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if !authors.is_empty() {
        out.insert("author".into(), Value::Array(authors));
    }
    if let Some(date) = paper.at("Journal/JournalIssue/PubDate") {
        out.insert("issued".into(), pub_date(date));
    }
    csl::tidy(out)
}

/// `<PubDate>`: Year, Month (a number or a name) and Day, or a MedlineDate
/// such as "1998 Dec-1999 Jan".
fn pub_date(date: &Element) -> Value {
    let Some(year) = date.text_at("Year").and_then(|y| y.parse::<i64>().ok()) else {
        return json!({ "raw": date.text_at("MedlineDate").unwrap_or_default() });
    };
    let mut parts = vec![json!(year)];
    if let Some(month) = date.text_at("Month").and_then(|m| month_number(&m)) {
        parts.push(json!(month));
        if let Some(day) = date.text_at("Day").and_then(|d| d.parse::<i64>().ok()) {
            parts.push(json!(day));
        }
    }
    json!({ "date-parts": [parts] })
}

fn month_number(month: &str) -> Option<i64> {
    if let Ok(n) = month.parse::<i64>() {
        return (1..=12).contains(&n).then_some(n);
    }
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = month.to_ascii_lowercase();
    NAMES
        .iter()
        .position(|n| lower.starts_with(n))
        .map(|i| i as i64 + 1)
}

/// PubMed Central summaries for `pmcids` (`PMC…`).
pub(crate) async fn lookup_pmcids(client: &LookupClient, pmcids: &[String]) -> Found {
    let batches = pmcids.chunks(BATCH).map(|batch| async move {
        let numbers: Vec<&str> = batch
            .iter()
            .map(|p| p.trim_start_matches("PMC").trim_start_matches("pmc"))
            .collect();
        let path = format!(
            "/esummary.fcgi?db=pmc&retmode=json&id={}{}",
            numbers.join(","),
            identification(client)
        );
        let answer = get(client, &path, "application/json")
            .await
            .and_then(|body| csl::object(&body, SERVICE));
        batch
            .iter()
            .zip(numbers)
            .map(|(pmcid, number)| {
                let result = match &answer {
                    Ok(summary) => pmc_summary(summary, number),
                    Err(e) => Err(e.clone()),
                };
                (pmcid.clone(), result)
            })
            .collect::<Vec<_>>()
    });
    futures_util::future::join_all(batches)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// One document of an `esummary` answer (`result.<uid>`).
fn pmc_summary(answer: &Csl, uid: &str) -> Result<Csl, LookupError> {
    if let Some(error) = answer.get("error").and_then(Value::as_str) {
        return Err(bad(error.to_owned()));
    }
    let doc = answer
        .get("result")
        .and_then(|r| r.get(uid))
        .and_then(Value::as_object)
        .ok_or_else(not_found)?;
    if doc.contains_key("error") || !doc.contains_key("title") {
        return Err(not_found());
    }
    let text = |key: &str| {
        doc.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
    };
    let mut out = Csl::new();
    out.insert("type".into(), json!("article-journal"));
    out.insert("PMCID".into(), json!(format!("PMC{uid}")));
    for (key, var) in [
        ("title", "title"),
        ("fulljournalname", "container-title"),
        ("source", "journalAbbreviation"),
        ("volume", "volume"),
        ("issue", "issue"),
        ("pages", "page"),
    ] {
        if let Some(value) = text(key) {
            out.insert(var.into(), json!(value));
        }
    }
    if let Some(date) = text("pubdate").or_else(|| text("epubdate")) {
        out.insert("issued".into(), json!({ "raw": date }));
    }
    if let Some(ids) = doc.get("articleids").and_then(Value::as_array) {
        for id in ids {
            let value = id.get("value").and_then(Value::as_str).unwrap_or_default();
            match id.get("idtype").and_then(Value::as_str) {
                Some("doi") => out.insert("DOI".into(), json!(value)),
                Some("pmid") if value != "0" && !value.is_empty() => {
                    out.insert("PMID".into(), json!(value))
                }
                _ => None,
            };
        }
    }
    if let Some(authors) = doc.get("authors").and_then(Value::as_array) {
        // Summaries name authors "Family Initials".
        let names: Vec<Value> = authors
            .iter()
            .filter_map(|a| a.get("name")?.as_str())
            .map(|n| split_name(n, true))
            .collect();
        out.insert("author".into(), Value::Array(names));
    }
    Ok(csl::tidy(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_names_and_numbers() {
        assert_eq!(month_number("Aug"), Some(8));
        assert_eq!(month_number("08"), Some(8));
        assert_eq!(month_number("13"), None);
    }
}
