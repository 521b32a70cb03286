//! Adding references from identifiers to a library. The lookups themselves
//! are `shelfmark-lookup`'s (re-exported here); [`Library::lookup`] previews
//! the items found and says which are already in the library,
//! [`Library::add_from_lookup`] adds them, and from a PDF
//! [`Library::attach_pdf_finding_metadata`] looks up the DOI or arXiv id it
//! names and files the PDF under the item.

mod add;
mod pdf;

pub use add::{AddedFromLookup, LookupAddOptions, PdfAttached};
pub use pdf::{PdfClues, read_pdf_clues};
pub use shelfmark_lookup::*;
use shelfmark_protocol::ItemData;

use crate::duplicates::library_index;
use crate::error::{Error, Result};
use crate::library::{Library, blocking};

impl From<ClientError> for Error {
    fn from(e: ClientError) -> Self {
        Error::invalid(e.to_string())
    }
}

impl Library {
    /// Looks up every identifier in `text` and says, for each item found,
    /// whether the library already has it (same DOI, ISBN, or title, year and
    /// first creator). Nothing is written.
    pub async fn lookup(&self, client: &LookupClient, text: &str) -> Result<Vec<LookupResult>> {
        let mut results = lookup_text(client, text).await;
        let found: Vec<ItemData> = results
            .iter()
            .filter_map(|r| r.outcome.as_ref().ok().map(|f| f.item.clone()))
            .collect();
        if found.is_empty() {
            return Ok(results);
        }
        let lib = self.id;
        let existing = blocking(self, move |library| {
            library.db.read(|conn| {
                let index = library_index(conn, lib)?;
                Ok(found
                    .iter()
                    .map(|item| index.find(item))
                    .collect::<Vec<_>>())
            })
        })
        .await?;
        let mut existing = existing.into_iter();
        for result in &mut results {
            if let Ok(found) = &mut result.outcome {
                found.existing = existing.next().flatten();
            }
        }
        Ok(results)
    }
}
