//! Adding what lookups found: one transaction for all the items, each
//! checked against the library (and the items added before it) with the
//! duplicate rules, so an identifier already in the library brings back
//! the existing item instead of a second one. And a PDF filed under the
//! item its DOI or arXiv id names.

use std::path::Path;

use shelfmark_protocol::{ItemData, ObjectKey};

use super::pdf::{PdfClues, read_pdf_clues};
use super::{Identifier, LookupClient, LookupError, LookupResult, lookup_text};
use crate::duplicates::{DuplicateReason, absorb, library_index};
use crate::error::{Error, Result};
use crate::import::OnDuplicate;
use crate::library::{Library, blocking};
use crate::store::collection_rows;
use crate::store::items::{find_row, get_row, save_local};

/// How found items are added.
#[derive(Debug, Clone, Default)]
pub struct LookupAddOptions {
    /// Put every added item in this collection (key).
    pub collection: Option<String>,
    /// What to do with an item the library already has: by default
    /// ([`OnDuplicate::Skip`]) the existing item is given back instead.
    pub on_duplicate: OnDuplicate,
}

/// What adding one lookup result did.
#[derive(Debug, Clone, PartialEq)]
pub enum AddedFromLookup {
    /// A new item.
    Created(ItemData),
    /// The library already had it; nothing was added.
    Existing {
        item: ItemData,
        reason: DuplicateReason,
    },
    /// The library already had it, and it was filled in with what the
    /// lookup found.
    Merged(ItemData),
    /// The lookup had failed; nothing was added for it.
    Failed(LookupError),
}

impl AddedFromLookup {
    /// The item that now stands for the identifier, if any.
    pub fn item(&self) -> Option<&ItemData> {
        match self {
            Self::Created(item) | Self::Merged(item) | Self::Existing { item, .. } => Some(item),
            Self::Failed(_) => None,
        }
    }
}

/// What filing a PDF by its metadata did.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfAttached {
    /// The PDF's attachment item.
    pub attachment: ItemData,
    /// The item it was filed under, when an identifier in it was found.
    pub parent: Option<AddedFromLookup>,
    /// The identifier that named the parent.
    pub identifier: Option<Identifier>,
    /// What the PDF said about itself.
    pub clues: PdfClues,
    /// Identifiers found in the PDF whose lookup failed, and why.
    pub failed: Vec<(Identifier, LookupError)>,
}

impl Library {
    /// Adds the items of `results` (in one transaction) and says, in the same
    /// order, what became of each. Failed lookups add nothing.
    pub fn add_from_lookup(
        &self,
        results: &[LookupResult],
        options: &LookupAddOptions,
    ) -> Result<Vec<AddedFromLookup>> {
        let lib = self.id;
        let target = options
            .collection
            .as_deref()
            .map(ObjectKey::parse)
            .transpose()?;
        self.db.write(|tx| {
            if let Some(target) = &target {
                let row = collection_rows::get_collection_row(tx, lib, target)?;
                if row.data.deleted {
                    return Err(Error::invalid(format!(
                        "collection {target} is in the trash"
                    )));
                }
            }
            let mut index = library_index(tx, lib)?;
            let mut added = Vec::with_capacity(results.len());
            for result in results {
                let found = match &result.outcome {
                    Ok(found) => found,
                    Err(e) => {
                        added.push(AddedFromLookup::Failed(e.clone()));
                        continue;
                    }
                };
                let duplicate = index.find(&found.item);
                let outcome = match (duplicate, options.on_duplicate) {
                    (Some((existing, reason)), OnDuplicate::Skip) => AddedFromLookup::Existing {
                        item: get_row(tx, lib, &existing)?.data,
                        reason,
                    },
                    (Some((existing, _)), OnDuplicate::Merge) => {
                        let mut master = get_row(tx, lib, &existing)?.data;
                        absorb(&mut master, &found.item);
                        if let Some(t) = &target
                            && !master.collections.contains(t)
                        {
                            master.collections.push(t.clone());
                        }
                        AddedFromLookup::Merged(save_local(tx, lib, master)?)
                    }
                    (None, _) | (Some(_), OnDuplicate::Keep) => {
                        let mut item = found.item.clone();
                        while find_row(tx, lib, &item.key)?.is_some() {
                            item.key = ObjectKey::random();
                        }
                        item.version = 0;
                        item.collections = target.iter().cloned().collect();
                        let saved = save_local(tx, lib, item)?;
                        index.add(&saved);
                        AddedFromLookup::Created(saved)
                    }
                };
                added.push(outcome);
            }
            Ok(added)
        })
    }

    /// Files the PDF at `path` under the reference it is: the DOI or arXiv id
    /// in its metadata or first pages is looked up and the item added (or the
    /// library's existing item used), and the PDF becomes its attachment.
    /// Without an identifier that can be looked up, the PDF is added as a
    /// standalone attachment titled with its document title.
    pub async fn attach_pdf_finding_metadata(
        &self,
        client: &LookupClient,
        path: &Path,
    ) -> Result<PdfAttached> {
        let owned = path.to_owned();
        let clues = blocking(self, move |_| read_pdf_clues(&owned)).await?;
        let mut failed = Vec::new();
        let mut parent = None;
        for identifier in clues.identifiers.iter().take(3) {
            let text = match identifier {
                Identifier::Arxiv(id) => format!("arXiv:{id}"),
                other => format!("doi:{}", other.value()),
            };
            let mut results = lookup_text(client, &text).await;
            let Some(result) = results.pop() else {
                continue;
            };
            if let Err(e) = &result.outcome {
                failed.push((identifier.clone(), e.clone()));
                continue;
            }
            let options = LookupAddOptions::default();
            let added = blocking(self, move |library| {
                library.add_from_lookup(std::slice::from_ref(&result), &options)
            })
            .await?;
            if let Some(outcome) = added.into_iter().next() {
                parent = Some((identifier.clone(), outcome));
                break;
            }
        }
        let owned = path.to_owned();
        let parent_key = parent
            .as_ref()
            .and_then(|(_, added)| added.item())
            .map(|item| item.key.to_string());
        let title = clues.title.clone().filter(|_| parent_key.is_none());
        let attachment = blocking(self, move |library| {
            let attachment = library.attach_file(parent_key.as_deref(), &owned)?;
            match title {
                Some(title) => {
                    library.set_fields(attachment.key.as_str(), &[("title", title.as_str())])
                }
                None => Ok(attachment),
            }
        })
        .await?;
        let (identifier, parent) = match parent {
            Some((identifier, added)) => (Some(identifier), Some(added)),
            None => (None, None),
        };
        Ok(PdfAttached {
            attachment,
            parent,
            identifier,
            clues,
            failed,
        })
    }
}
