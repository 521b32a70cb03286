//! arXiv ids through the arXiv API's Atom feed (`/api/query?id_list=…`, many
//! ids per request: arXiv asks for no more than one request every three
//! seconds). A paper that has been published names its DOI; the published
//! version is then looked up by DOI and the arXiv id kept in its Extra.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::client::{Answer, LookupClient};
use super::config::Service;
use super::csl::{self, Csl, split_name};
use super::doi;
use super::error::LookupError;
use super::xml::{self, Element};

const SERVICE: Service = Service::Arxiv;
const BATCH: usize = 50;

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

/// The CSL item for each arXiv id and where it came from.
pub(crate) async fn lookup(
    client: &LookupClient,
    ids: &[String],
) -> HashMap<String, Result<(Csl, Service), LookupError>> {
    let batches = ids.chunks(BATCH).map(|batch| feed(client, batch));
    let answers = futures_util::future::join_all(batches).await;
    let mut preprints = Vec::new();
    for (batch, answer) in ids.chunks(BATCH).zip(answers) {
        for id in batch {
            let result = match &answer {
                Ok(entries) => entries
                    .get(&id.to_lowercase())
                    .cloned()
                    .ok_or_else(not_found),
                Err(e) => Err(e.clone()),
            };
            preprints.push((id.clone(), result));
        }
    }
    let published = preprints.into_iter().map(|(id, preprint)| async move {
        let result = match preprint {
            Ok(preprint) => Ok(published_version(client, &id, preprint).await),
            Err(e) => Err(e),
        };
        (id, result)
    });
    futures_util::future::join_all(published)
        .await
        .into_iter()
        .collect()
}

/// The published version when the preprint names its DOI and the DOI can be
/// looked up, else the preprint.
async fn published_version(client: &LookupClient, id: &str, preprint: Csl) -> (Csl, Service) {
    let Some(published_doi) = preprint
        .get("DOI")
        .and_then(Value::as_str)
        .filter(|d| !d.to_ascii_lowercase().starts_with("10.48550/"))
        .map(str::to_owned)
    else {
        return (preprint, SERVICE);
    };
    match doi::lookup(client, &published_doi).await {
        Ok((mut published, service)) => {
            let note = format!("arXiv: {id}");
            let merged = match published.get("note").and_then(Value::as_str) {
                Some(existing) => format!("{existing}\n{note}"),
                None => note,
            };
            published.insert("note".into(), json!(merged));
            (published, service)
        }
        Err(_) => (preprint, SERVICE),
    }
}

/// One request for `ids`: the feed's entries by their id (lower case), both
/// with and without version.
async fn feed(client: &LookupClient, ids: &[String]) -> Result<HashMap<String, Csl>, LookupError> {
    let url = client.url(
        SERVICE,
        &format!(
            "/api/query?id_list={}&max_results={}",
            ids.join(","),
            ids.len()
        ),
    );
    let body = match client.get(SERVICE, &url, "application/atom+xml").await? {
        Answer::Body(body) => body,
        Answer::NotFound => return Err(not_found()),
        Answer::Refused(status) => {
            // arXiv answers 400 with an error entry for an id it cannot read.
            return Err(if status == reqwest::StatusCode::BAD_REQUEST {
                not_found()
            } else {
                bad(format!("HTTP {status}"))
            });
        }
    };
    let root = xml::parse(&body).map_err(bad)?;
    let mut entries = HashMap::new();
    for entry in root.all("entry") {
        let Some(id) = entry_id(entry) else {
            // The feed reports errors as an entry without an abstract id.
            continue;
        };
        let csl = entry_csl(entry, &id);
        entries.insert(without_version(&id).to_lowercase(), csl.clone());
        entries.insert(id.to_lowercase(), csl);
    }
    Ok(entries)
}

/// `1706.03762v7` → `1706.03762`.
fn without_version(id: &str) -> &str {
    match id.rsplit_once('v') {
        Some((plain, version))
            if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) =>
        {
            plain
        }
        _ => id,
    }
}

/// `http://arxiv.org/abs/1706.03762v7` → `1706.03762v7`.
fn entry_id(entry: &Element) -> Option<String> {
    let url = entry.text_at("id")?;
    let (_, id) = url.split_once("/abs/")?;
    Some(id.to_owned())
}

fn entry_csl(entry: &Element, id: &str) -> Csl {
    let plain = without_version(id);
    let mut out = Csl::new();
    out.insert("type".into(), json!("article"));
    out.insert("publisher".into(), json!("arXiv"));
    out.insert("number".into(), json!(format!("arXiv:{plain}")));
    out.insert("URL".into(), json!(format!("https://arxiv.org/abs/{id}")));
    // arXiv registers a DOI for every paper; a published version's DOI
    // replaces it.
    let doi = entry
        .text_at("arxiv:doi")
        .unwrap_or_else(|| format!("10.48550/arXiv.{plain}"));
    out.insert("DOI".into(), json!(doi));
    if let Some(title) = entry.text_at("title") {
        out.insert("title".into(), json!(title));
    }
    if let Some(summary) = entry.text_at("summary") {
        out.insert("abstract".into(), json!(summary));
    }
    if let Some(published) = entry.text_at("published") {
        let day = published.get(..10).unwrap_or(&published).to_owned();
        out.insert("issued".into(), json!({ "raw": day }));
    }
    let authors: Vec<Value> = entry
        .all("author")
        .filter_map(|a| a.text_at("name"))
        .map(|n| split_name(&n, false))
        .collect();
    if !authors.is_empty() {
        out.insert("author".into(), Value::Array(authors));
    }
    if let Some(journal) = entry.text_at("arxiv:journal_ref") {
        out.insert("note".into(), json!(format!("Published in: {journal}")));
    }
    csl::tidy(out)
}
