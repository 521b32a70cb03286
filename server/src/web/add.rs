//! Add by identifier: DOIs, ISBNs, PubMed ids and arXiv ids typed or pasted
//! into a box on the library's pages. The lookup resolvers of
//! `shelfmark-lookup` (the same the apps and the CLI use) turn each
//! identifier into an item; one the library already has (same DOI, ISBN, or
//! title, year and first creator, by the duplicate rules the apps use) is offered instead of a second one; the
//! rest are written through the API's batch planner, as a Web API POST
//! would, so every device's next sync brings them.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use shelfmark_formats::duplicates::DuplicateIndex;
use shelfmark_lookup::{LookupClient, LookupError, LookupResult, lookup_text, recognise};
use shelfmark_protocol::{ItemData, ObjectKey};

use super::error::{WebError, WebResult};
use super::library::{WebLib, display_title, open_library, write_batch};
use super::pages::{Nav, render};
use super::session::{Posted, SignedIn};
use crate::api::write::Items;
use crate::app::AppState;
use crate::store::{ItemQuery, ItemScope, QMode, SortField};

/// More than this many identifiers at once are refused: a page waits for
/// every answer, and the services ask for moderation.
pub const MAX_IDENTIFIERS: usize = 100;

/// Items of the library compared with each found one, per search.
const CANDIDATES: usize = 50;

/// What became of one identifier.
#[derive(Debug, Clone)]
pub struct AddRow {
    /// As it was written.
    pub input: String,
    /// "DOI", "ISBN", "PMID", "PMCID" or "arXiv"; empty when malformed.
    pub kind: String,
    /// `added`, `existing`, `not-found` or `failed` (also its CSS class).
    pub status: &'static str,
    /// "Added", "Already in the library (same DOI …)", or the lookup's reason.
    pub message: String,
    /// The item found, when one was.
    pub title: String,
    /// The library's item that stands for it now.
    pub link: String,
}

#[derive(Debug, Template)]
#[template(path = "web/add.html")]
pub struct AddPage {
    pub nav: Option<Nav>,
    pub lib_name: String,
    pub lib_path: String,
    /// The collection added items go into (a key), or empty.
    pub collection: String,
    /// The text as sent, shown again in the box.
    pub text: String,
    pub error: String,
    pub summary: String,
    pub rows: Vec<AddRow>,
    pub max: usize,
}

/// The lookup client, made on first use from the configuration and shared
/// by every request (its per-service rate limits hold across requests).
#[derive(Debug, Default)]
pub struct Lookups(OnceLock<Result<Arc<LookupClient>, String>>);

impl Lookups {
    fn client(&self, state: &AppState) -> WebResult<Arc<LookupClient>> {
        self.0
            .get_or_init(|| {
                LookupClient::new(state.config.lookup.clone())
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|e| WebError::bad_request(format!("Lookups are not available: {e}")))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AddQuery {
    #[serde(default)]
    collection: String,
}

fn page(who: &SignedIn, web: &WebLib, collection: &str) -> AddPage {
    AddPage {
        nav: Some(who.nav()),
        lib_name: web.name.clone(),
        lib_path: web.path.clone(),
        collection: collection.to_owned(),
        text: String::new(),
        error: String::new(),
        summary: String::new(),
        rows: Vec::new(),
        max: MAX_IDENTIFIERS,
    }
}

/// `GET /libraries/{lib}/add`: the box alone.
pub async fn add_page(
    State(state): State<AppState>,
    who: SignedIn,
    Path(lib): Path<String>,
    Query(query): Query<AddQuery>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        let web = open_library(&state, &who, &lib).await?;
        web.require_write()?;
        Ok(render(&page(&who, &web, &query.collection)))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /libraries/{lib}/add`: looks every identifier up, adds what was
/// found and the library lacks, and lists what became of each.
pub async fn add(
    State(state): State<AppState>,
    Path(lib): Path<String>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let web = open_library(&state, &posted.who, &lib).await?;
        web.require_write()?;
        let collection = posted.form.get("collection").to_owned();
        let mut shown = page(&posted.who, &web, &collection);
        shown.text = posted.form.raw("ids").to_owned();
        let count = recognise(&shown.text).len();
        if count == 0 {
            shown.error = "No DOI, ISBN, PubMed id or arXiv id in the text.".into();
            return Ok(render(&shown));
        }
        if count > MAX_IDENTIFIERS {
            shown.error =
                format!("{count} identifiers: at most {MAX_IDENTIFIERS} can be added at once.");
            return Ok(render(&shown));
        }
        let collection_key = if collection.is_empty() {
            None
        } else {
            Some(ObjectKey::parse(&collection).map_err(|_| WebError::not_found())?)
        };
        let client = state.lookups.client(&state)?;
        let results = lookup_text(&client, &shown.text).await;
        shown.rows = add_found(&web, results, collection_key.as_ref()).await?;
        let added = shown.rows.iter().filter(|r| r.status == "added").count();
        let existing = shown.rows.iter().filter(|r| r.status == "existing").count();
        let failed = shown.rows.len() - added - existing;
        let mut summary = vec![format!(
            "Added {added} reference{}",
            if added == 1 { "" } else { "s" }
        )];
        if existing > 0 {
            summary.push(format!("{existing} already in the library"));
        }
        if failed > 0 {
            summary.push(format!("{failed} not added"));
        }
        shown.summary = summary.join(", ");
        Ok(render(&shown))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// What is to become of one identifier while the found ones are written.
enum Pending {
    Done(AddRow),
    /// To be written: the row to show once it is, and the item.
    New(AddRow, Box<ItemData>),
}

/// Matches each found item against the library and writes the new ones in
/// one batch; a row for every identifier, in the order written.
async fn add_found(
    web: &WebLib,
    results: Vec<LookupResult>,
    collection: Option<&ObjectKey>,
) -> WebResult<Vec<AddRow>> {
    let found: Vec<&ItemData> = results
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok().map(|f| &f.item))
        .collect();
    let mut index = library_index(web, &found).await?;
    let mut pending = Vec::new();
    for result in results {
        let mut row = AddRow {
            input: result.text.clone(),
            kind: result
                .identifier
                .as_ref()
                .map(|id| id.kind().to_owned())
                .unwrap_or_default(),
            status: "failed",
            message: String::new(),
            title: String::new(),
            link: String::new(),
        };
        match result.outcome {
            Err(error) => {
                row.message = error.to_string();
                if let LookupError::NotFound { .. } = error {
                    row.status = "not-found";
                    // "Not found at DOI.org, Crossref, DataCite".
                    row.message = capitalised(&row.message);
                }
                pending.push(Pending::Done(row));
            }
            Ok(found) => {
                row.title = display_title(&found.item);
                if let Some((key, reason)) = index.find(&found.item) {
                    row.status = "existing";
                    row.message = format!("Already in the library ({reason})");
                    row.link = format!("{}/items/{key}", web.path);
                    pending.push(Pending::Done(row));
                } else {
                    // Two identifiers of one work (a book's ISBN-10 and -13)
                    // add it once.
                    index.add(&found.item);
                    pending.push(Pending::New(row, Box::new(found.item)));
                }
            }
        }
    }

    let objects: Vec<Value> = pending
        .iter()
        .filter_map(|p| match p {
            Pending::New(_, item) => Some(item_object(item, collection)),
            Pending::Done(_) => None,
        })
        .collect();
    let written: Result<HashSet<String>, String> = if objects.is_empty() {
        Ok(HashSet::new())
    } else {
        match write_batch::<Items>(&web.ctx, objects).await {
            Ok(keys) => Ok(keys.into_iter().collect()),
            Err(WebError::Status { message, .. }) => Err(message),
            Err(other) => return Err(other),
        }
    };
    Ok(pending
        .into_iter()
        .map(|p| match p {
            Pending::Done(row) => row,
            Pending::New(mut row, item) => {
                let key = item.key.to_string();
                match &written {
                    Ok(keys) if keys.contains(&key) => {
                        row.status = "added";
                        row.message = "Added".into();
                        row.link = format!("{}/items/{key}", web.path);
                    }
                    Ok(_) => row.message = "not saved".into(),
                    Err(message) => row.message = message.clone(),
                }
                row
            }
        })
        .collect())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The item as a Web API write object: a new key at version 0, in
/// `collection` when one was chosen.
fn item_object(item: &ItemData, collection: Option<&ObjectKey>) -> Value {
    let mut object = item.to_json_value();
    if let Value::Object(map) = &mut object {
        // The server sets when it was added and changed.
        for stamp in ["dateAdded", "dateModified"] {
            if map.get(stamp).and_then(Value::as_str) == Some("") {
                map.remove(stamp);
            }
        }
        if let Some(key) = collection {
            map.insert("collections".into(), Value::from(vec![key.to_string()]));
        }
    }
    object
}

/// The library's items that could be the same reference as any of `found`
/// (same title words, or the DOI or ISBN anywhere in them), oldest first,
/// in a duplicate index.
async fn library_index(web: &WebLib, found: &[&ItemData]) -> WebResult<DuplicateIndex> {
    let mut searches: Vec<(String, QMode)> = Vec::new();
    for item in found {
        if let Some(title) = item.title().filter(|t| !t.trim().is_empty()) {
            searches.push((title.to_owned(), QMode::TitleCreatorYear));
        }
        for field in ["DOI", "ISBN"] {
            for value in item.field(field).unwrap_or_default().split([' ', ',', ';']) {
                if !value.trim().is_empty() {
                    searches.push((value.trim().to_owned(), QMode::Everything));
                }
            }
        }
    }
    let mut index = DuplicateIndex::default();
    let mut seen = HashSet::new();
    for (q, qmode) in searches {
        let query = ItemQuery {
            scope: ItemScope::Top,
            q: Some(q),
            qmode,
            sort: SortField::DateAdded,
            limit: Some(CANDIDATES),
            hide_notes: true,
            ..ItemQuery::default()
        };
        let rows = web
            .ctx
            .state
            .store
            .query_items(web.ctx.library.id, &query)
            .await?
            .rows;
        for item in rows {
            let regular = !matches!(
                item.item_type.as_str(),
                "note" | "attachment" | "annotation"
            );
            if regular && seen.insert(item.key.clone()) {
                index.add(&item);
            }
        }
    }
    Ok(index)
}
