//! Adding references by identifier: a DOI, ISBN, PubMed id, PMCID or arXiv
//! id typed, pasted (a list, or a reference list with ids inside) or scanned
//! from a book's barcode. `lookup` previews what the services know, saying
//! which are already in the library and why the others failed;
//! `add_from_lookup` adds the previews the user keeps. And a PDF filed under
//! the reference its DOI or arXiv id names.

use std::sync::Arc;

use shelfmark_core::lookup::{
    self as core_lookup, AddedFromLookup, FoundItem, LookupAddOptions, LookupClient, LookupConfig,
    LookupError, Service,
};
use shelfmark_core::protocol::ItemData;
use shelfmark_core::{Library, OnDuplicate};

use crate::error::{Result, ShelfmarkError};
use crate::item_records::ItemDetail;
use crate::library::LibraryHandle;
use crate::runtime::{blocking, runtime};

/// A service identifiers are looked up at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LookupService {
    /// The DOI resolver (content negotiation for CSL-JSON).
    DoiResolver,
    Crossref,
    DataCite,
    OpenLibrary,
    GoogleBooks,
    /// NCBI E-utilities (PubMed and PubMed Central).
    Ncbi,
    Arxiv,
}

impl LookupService {
    fn core(self) -> Service {
        match self {
            Self::DoiResolver => Service::DoiResolver,
            Self::Crossref => Service::Crossref,
            Self::DataCite => Service::DataCite,
            Self::OpenLibrary => Service::OpenLibrary,
            Self::GoogleBooks => Service::GoogleBooks,
            Self::Ncbi => Service::Ncbi,
            Self::Arxiv => Service::Arxiv,
        }
    }

    fn from_core(service: Service) -> Self {
        match service {
            Service::DoiResolver => Self::DoiResolver,
            Service::Crossref => Self::Crossref,
            Service::DataCite => Self::DataCite,
            Service::OpenLibrary => Self::OpenLibrary,
            Service::GoogleBooks => Self::GoogleBooks,
            Service::Ncbi => Self::Ncbi,
            Service::Arxiv => Self::Arxiv,
        }
    }
}

/// A service reached at another address (a proxy, a mirror).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LookupServiceUrl {
    pub service: LookupService,
    pub base_url: String,
}

/// How lookups reach the services.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct LookupSettings {
    /// An e-mail address the services can write to about this app's use
    /// (sent with every request; Crossref serves such requests first).
    #[uniffi(default = None)]
    pub contact: Option<String>,
    /// Services at other addresses than the public ones.
    #[uniffi(default = [])]
    pub service_urls: Vec<LookupServiceUrl>,
}

/// What became of one identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LookupStatus {
    /// Found; `preview` shows the item.
    Found,
    /// Found, and the library already has it (`existing_key`).
    AlreadyInLibrary,
    /// Not a valid identifier (a wrong ISBN check digit…).
    Malformed,
    /// No service knows it.
    NotFound,
    /// A service could not be reached; try again later.
    Unreachable,
    /// A service asks to wait (`retry_after_seconds`).
    RateLimited,
    /// A service answered something unreadable.
    BadAnswer,
}

/// One identifier of the text and what the services said about it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LookupResult {
    /// The identifier as it was written.
    pub input: String,
    /// "DOI", "ISBN", "PMID", "PMCID" or "arXiv"; none when malformed.
    pub identifier_kind: Option<String>,
    /// The identifier in canonical form.
    pub identifier: Option<String>,
    pub status: LookupStatus,
    /// Why it failed, ready to show.
    pub message: Option<String>,
    pub retry_after_seconds: Option<u64>,
    /// The service whose answer the preview is.
    pub source: Option<LookupService>,
    /// The item as it would be added.
    pub preview: Option<ItemDetail>,
    /// The library's item that is the same reference.
    pub existing_key: Option<String>,
    /// Why it is the same ("same DOI 10.…").
    pub duplicate_reason: Option<String>,
    /// The found item's data, to hand back to `add_from_lookup` unchanged.
    pub item_json: Option<String>,
}

/// What to do with a found reference the library already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, uniffi::Enum)]
pub enum LookupDuplicateAction {
    /// Add nothing; the library's item stands for it.
    #[default]
    UseExisting,
    /// Fill the library's item in with what was found.
    Merge,
    /// Add a second item anyway.
    AddAnyway,
}

/// What adding one result did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LookupAddStatus {
    Created,
    Existing,
    Merged,
    /// The result was not found; nothing was added.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LookupAdded {
    pub input: String,
    pub status: LookupAddStatus,
    /// The item that now stands for the identifier.
    pub key: Option<String>,
}

/// A PDF filed by what it says about itself.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PdfFiled {
    /// The PDF's attachment item.
    pub attachment_key: String,
    /// The reference it was filed under; none when no DOI or arXiv id in it
    /// could be looked up (it is then a standalone attachment).
    pub parent_key: Option<String>,
    /// Whether the reference was added now (rather than already there).
    pub parent_created: bool,
    /// The identifier that named the reference ("DOI 10.…").
    pub identifier: Option<String>,
    /// Identifiers in the PDF whose lookup failed, with why.
    pub failures: Vec<String>,
}

/// An identifier found in text, or a token meant as one that is not valid.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecognisedIdentifier {
    /// The text as it was found.
    pub input: String,
    /// "DOI", "ISBN", "PMID", "PMCID" or "arXiv"; none when not valid.
    pub identifier_kind: Option<String>,
    /// The identifier in canonical form (an ISBN as digits only).
    pub identifier: Option<String>,
    /// The identifier written with its kind ("DOI 10.…", "ISBN 978…",
    /// "PMC…"), which `Lookups::lookup` reads as this one identifier alone:
    /// to look identifiers up one by one.
    pub labelled: Option<String>,
    /// Why the text is not a valid identifier (a wrong check digit…).
    pub problem: Option<String>,
}

/// The identifiers in `text` exactly as `Lookups::lookup` reads them, without
/// asking any service: to check a scanned barcode or what was typed before
/// looking it up.
#[uniffi::export]
pub fn recognise_identifiers(text: String) -> Vec<RecognisedIdentifier> {
    core_lookup::recognise(&text)
        .into_iter()
        .map(|found| match found.identifier {
            Ok(id) => RecognisedIdentifier {
                input: found.text,
                identifier_kind: Some(id.kind().to_owned()),
                identifier: Some(id.value().to_owned()),
                labelled: Some(id.to_string()),
                problem: None,
            },
            Err(problem) => RecognisedIdentifier {
                input: found.text,
                identifier_kind: None,
                identifier: None,
                labelled: None,
                problem: Some(problem),
            },
        })
        .collect()
}

/// Lookups for one library.
#[derive(Debug, uniffi::Object)]
pub struct Lookups {
    library: Library,
    client: Arc<LookupClient>,
}

#[uniffi::export]
impl LibraryHandle {
    /// Adding references by identifier, with these settings.
    pub fn lookups(&self, settings: LookupSettings) -> Result<Arc<Lookups>> {
        let mut config = LookupConfig::from_env();
        if settings.contact.is_some() {
            config.contact = settings.contact;
        }
        for url in settings.service_urls {
            config.set_base_url(url.service.core(), &url.base_url);
        }
        let client = LookupClient::new(config).map_err(shelfmark_core::Error::from)?;
        Ok(Arc::new(Lookups {
            library: self.library.clone(),
            client: Arc::new(client),
        }))
    }
}

fn result_record(result: core_lookup::LookupResult) -> LookupResult {
    let (kind, value) = match &result.identifier {
        Some(id) => (Some(id.kind().to_owned()), Some(id.value().to_owned())),
        None => (None, None),
    };
    let mut record = LookupResult {
        input: result.text,
        identifier_kind: kind,
        identifier: value,
        status: LookupStatus::Found,
        message: None,
        retry_after_seconds: None,
        source: None,
        preview: None,
        existing_key: None,
        duplicate_reason: None,
        item_json: None,
    };
    match result.outcome {
        Ok(found) => {
            if let Some((key, reason)) = &found.existing {
                record.status = LookupStatus::AlreadyInLibrary;
                record.existing_key = Some(key.to_string());
                record.duplicate_reason = Some(reason.to_string());
            }
            record.source = Some(LookupService::from_core(found.source));
            record.item_json = Some(found.item.to_json_value().to_string());
            record.preview = Some(ItemDetail::from(found.item));
        }
        Err(error) => {
            record.status = match &error {
                LookupError::Malformed { .. } => LookupStatus::Malformed,
                LookupError::NotFound { .. } => LookupStatus::NotFound,
                LookupError::Unreachable { .. } => LookupStatus::Unreachable,
                LookupError::RateLimited { .. } => LookupStatus::RateLimited,
                LookupError::BadAnswer { .. } => LookupStatus::BadAnswer,
            };
            if let LookupError::RateLimited {
                retry_after: Some(wait),
                ..
            } = &error
            {
                record.retry_after_seconds = Some(wait.as_secs());
            }
            record.message = Some(error.to_string());
        }
    }
    record
}

/// A result handed back by the app, as the core's found item.
fn found_again(result: &LookupResult) -> Result<Option<core_lookup::LookupResult>> {
    let (Some(json), Some(source)) = (&result.item_json, result.source) else {
        return Ok(None);
    };
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        ShelfmarkError::invalid(format!("{}: item data is not JSON: {e}", result.input))
    })?;
    let item = ItemData::from_json_value(value)
        .map_err(|e| ShelfmarkError::invalid(format!("{}: {e}", result.input)))?;
    Ok(Some(core_lookup::LookupResult {
        text: result.input.clone(),
        identifier: None,
        outcome: Ok(FoundItem {
            item,
            source: source.core(),
            existing: None,
        }),
    }))
}

#[uniffi::export]
impl Lookups {
    /// Looks up every identifier in `text` (several at once, one a line or
    /// mixed in a reference list); nothing is added. Each result says what
    /// was found or why not.
    pub async fn lookup(&self, text: String) -> Result<Vec<LookupResult>> {
        let library = self.library.clone();
        let client = self.client.clone();
        let task = runtime()?.spawn(async move { library.lookup(&client, &text).await });
        let results = task
            .await
            .map_err(|e| ShelfmarkError::invalid(format!("the lookup stopped: {e}")))??;
        Ok(results.into_iter().map(result_record).collect())
    }

    /// Adds the found results (in one transaction), optionally into a
    /// collection; results that were not found add nothing. The library is
    /// checked for each again, so one added meanwhile is not doubled.
    pub async fn add_from_lookup(
        &self,
        results: Vec<LookupResult>,
        collection_key: Option<String>,
        on_duplicate: LookupDuplicateAction,
    ) -> Result<Vec<LookupAdded>> {
        let mut found = Vec::new();
        for result in &results {
            found.push(found_again(result)?);
        }
        let library = self.library.clone();
        let options = LookupAddOptions {
            collection: collection_key,
            on_duplicate: match on_duplicate {
                LookupDuplicateAction::UseExisting => OnDuplicate::Skip,
                LookupDuplicateAction::Merge => OnDuplicate::Merge,
                LookupDuplicateAction::AddAnyway => OnDuplicate::Keep,
            },
        };
        blocking(move || {
            let to_add: Vec<core_lookup::LookupResult> = found.iter().flatten().cloned().collect();
            let mut added = library.add_from_lookup(&to_add, &options)?.into_iter();
            let rows = results
                .iter()
                .zip(&found)
                .map(|(result, found)| {
                    let outcome = found.as_ref().and_then(|_| added.next());
                    let (status, key) = match &outcome {
                        Some(AddedFromLookup::Created(item)) => {
                            (LookupAddStatus::Created, Some(item.key.to_string()))
                        }
                        Some(AddedFromLookup::Merged(item)) => {
                            (LookupAddStatus::Merged, Some(item.key.to_string()))
                        }
                        Some(AddedFromLookup::Existing { item, .. }) => {
                            (LookupAddStatus::Existing, Some(item.key.to_string()))
                        }
                        Some(AddedFromLookup::Failed(_)) | None => (LookupAddStatus::Skipped, None),
                    };
                    LookupAdded {
                        input: result.input.clone(),
                        status,
                        key,
                    }
                })
                .collect();
            Ok::<_, ShelfmarkError>(rows)
        })
        .await
    }

    /// Adds the PDF at `path` filed under the reference it names (its DOI or
    /// arXiv id, from its metadata or first pages), adding that reference
    /// when the library lacks it; without one, as a standalone attachment
    /// titled with the PDF's title.
    pub async fn attach_pdf_finding_metadata(&self, path: String) -> Result<PdfFiled> {
        let library = self.library.clone();
        let client = self.client.clone();
        let task = runtime()?.spawn(async move {
            library
                .attach_pdf_finding_metadata(&client, std::path::Path::new(&path))
                .await
        });
        let attached = task
            .await
            .map_err(|e| ShelfmarkError::invalid(format!("filing the PDF stopped: {e}")))??;
        Ok(PdfFiled {
            attachment_key: attached.attachment.key.to_string(),
            parent_key: attached
                .parent
                .as_ref()
                .and_then(AddedFromLookup::item)
                .map(|item| item.key.to_string()),
            parent_created: matches!(attached.parent, Some(AddedFromLookup::Created(_))),
            identifier: attached.identifier.as_ref().map(ToString::to_string),
            failures: attached
                .failed
                .iter()
                .map(|(id, e)| format!("{id}: {e}"))
                .collect(),
        })
    }
}
