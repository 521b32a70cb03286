//! Identifier lookup: DOIs, ISBNs, PubMed ids, PMCIDs and arXiv ids found
//! in free text are looked up at the services that register them,
//! concurrently and politely, and each answer becomes an item through the
//! CSL-JSON reader of `shelfmark-formats`. Nothing is stored here: the
//! library engine and the online service decide what to add, and check it
//! against their items with the duplicate rules.
//!
//! Each identifier stands alone: one that fails says why (malformed, not
//! found, service unreachable, rate limited) and the others go on.

mod arxiv;
mod client;
mod config;
mod csl;
mod doi;
mod error;
mod identifiers;
mod isbn;
mod pubmed;
mod rate_limit;
mod xml;

use std::collections::HashMap;

use shelfmark_formats::duplicates::DuplicateReason;
use shelfmark_protocol::{ItemData, ObjectKey};

pub use client::{ClientError, LookupClient};
pub use config::{LookupConfig, RateLimit, Service, ServiceSettings};
pub use error::LookupError;
pub use identifiers::{Identifier, Recognised, recognise};

/// An item a service described, not yet in a library.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundItem {
    /// The item as it would be added (a fresh key, version 0).
    pub item: ItemData,
    /// The service whose answer it is.
    pub source: Service,
    /// An item of the library that is the same reference, and why: filled
    /// in by whoever checks the found items against a library.
    pub existing: Option<(ObjectKey, DuplicateReason)>,
}

/// What looking up one identifier of the text brought.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupResult {
    /// The identifier as it was written.
    pub text: String,
    /// The identifier, unless the text was malformed.
    pub identifier: Option<Identifier>,
    pub outcome: std::result::Result<FoundItem, LookupError>,
}

/// Looks up every identifier in `text` (in order of appearance), without
/// checking any library for duplicates.
pub async fn lookup_text(client: &LookupClient, text: &str) -> Vec<LookupResult> {
    let recognised = recognise(text);
    let mut dois = Vec::new();
    let mut isbns = Vec::new();
    let mut pmids = Vec::new();
    let mut pmcids = Vec::new();
    let mut arxiv_ids = Vec::new();
    for found in &recognised {
        match &found.identifier {
            Ok(Identifier::Doi(d)) => dois.push(d.clone()),
            Ok(Identifier::Isbn(i)) => isbns.push(i.clone()),
            Ok(Identifier::Pmid(p)) => pmids.push(p.clone()),
            Ok(Identifier::Pmcid(p)) => pmcids.push(p.clone()),
            Ok(Identifier::Arxiv(a)) => arxiv_ids.push(a.clone()),
            Err(_) => {}
        }
    }
    // Every kind at once; within a kind, each service's gate paces requests.
    let doi_lookups = futures_util::future::join_all(dois.iter().map(|d| doi::lookup(client, d)));
    let (doi_answers, mut by_isbn, by_pmid, by_pmcid, mut by_arxiv) = tokio::join!(
        doi_lookups,
        isbn::lookup(client, &isbns),
        pubmed::lookup_pmids(client, &pmids),
        pubmed::lookup_pmcids(client, &pmcids),
        arxiv::lookup(client, &arxiv_ids),
    );
    let mut by_doi: HashMap<String, _> = dois.into_iter().zip(doi_answers).collect();
    let mut by_ncbi: HashMap<String, _> = by_pmid.into_iter().chain(by_pmcid).collect();
    recognised
        .into_iter()
        .map(|found| {
            let answer = match &found.identifier {
                Err(reason) => Err(LookupError::Malformed {
                    reason: reason.clone(),
                }),
                Ok(Identifier::Doi(d)) => take(&mut by_doi, d),
                Ok(Identifier::Isbn(i)) => take(&mut by_isbn, i),
                Ok(Identifier::Pmid(p) | Identifier::Pmcid(p)) => {
                    take(&mut by_ncbi, p).map(|csl| (csl, Service::Ncbi))
                }
                Ok(Identifier::Arxiv(a)) => take(&mut by_arxiv, a),
            };
            let outcome = answer.and_then(|(csl, source)| {
                Ok(FoundItem {
                    item: csl::to_item(csl, source)?,
                    source,
                    existing: None,
                })
            });
            LookupResult {
                text: found.text,
                identifier: found.identifier.ok(),
                outcome,
            }
        })
        .collect()
}

/// A lookup's answer, which is there for every identifier asked about.
fn take<T>(
    answers: &mut HashMap<String, std::result::Result<T, LookupError>>,
    key: &str,
) -> std::result::Result<T, LookupError> {
    answers.remove(key).unwrap_or(Err(LookupError::NotFound {
        services: Vec::new(),
    }))
}
