//! What a PDF says about itself: its document title and the DOI or arXiv id
//! in its metadata (the Info dictionary and the XMP packet) or in the text
//! of its first pages. Read with `lopdf`; no external program.

use std::path::Path;

use lopdf::{Document, Object};

use super::{Identifier, recognise};
use crate::error::{Error, Result};

/// Pages whose text is searched: a paper's DOI is on its first page, a
/// preprint's arXiv id in its margin.
const PAGES_SEARCHED: u32 = 2;
/// Bound on a page's decompressed content.
const MAX_PAGE_CONTENT: usize = 16 * 1024 * 1024;

/// A PDF's title and the identifiers found in it, metadata first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PdfClues {
    pub title: Option<String>,
    /// DOIs and arXiv ids, in the order they are best trusted: metadata,
    /// then page text in reading order.
    pub identifiers: Vec<Identifier>,
}

/// Reads `path` for clues to what it is.
pub fn read_pdf_clues(path: &Path) -> Result<PdfClues> {
    let document = Document::load(path)
        .map_err(|e| Error::invalid(format!("{} is not a readable PDF: {e}", path.display())))?;
    let mut clues = PdfClues::default();
    let mut metadata = String::new();
    if let Some(info) = info_dictionary(&document) {
        for key in [b"Title".as_slice(), b"Subject", b"Keywords"] {
            let Some(text) = info
                .get(key)
                .ok()
                .and_then(|o| document.dereference(o).ok())
                .and_then(|(_, o)| lopdf::decode_text_string(o).ok())
            else {
                continue;
            };
            let text = text.trim().to_owned();
            if key == b"Title" && !text.is_empty() {
                clues.title = Some(text.clone());
            }
            metadata.push_str(&text);
            metadata.push('\n');
        }
    }
    if let Some(xmp) = xmp_packet(&document) {
        metadata.push_str(&xmp_values(&xmp));
    }
    let pages: Vec<u32> = document
        .get_pages()
        .keys()
        .copied()
        .take(PAGES_SEARCHED as usize)
        .collect();
    // A page whose text cannot be extracted (an unusual font encoding, a
    // scanned image) just contributes nothing.
    let text = document
        .extract_text_with_limit(&pages, MAX_PAGE_CONTENT)
        .unwrap_or_default();
    for source in [metadata.as_str(), text.as_str()] {
        for found in recognise(source) {
            if let Ok(id @ (Identifier::Doi(_) | Identifier::Arxiv(_))) = found.identifier
                && !clues.identifiers.contains(&id)
            {
                clues.identifiers.push(id);
            }
        }
    }
    Ok(clues)
}

fn info_dictionary(document: &Document) -> Option<&lopdf::Dictionary> {
    let info = document.trailer.get(b"Info").ok()?;
    let (_, object) = document.dereference(info).ok()?;
    object.as_dict().ok()
}

/// The catalogue's `/Metadata` stream as text.
fn xmp_packet(document: &Document) -> Option<String> {
    let reference = document.catalog().ok()?.get(b"Metadata").ok()?;
    let (_, object) = document.dereference(reference).ok()?;
    let Object::Stream(stream) = object else {
        return None;
    };
    let bytes = stream
        .decompressed_content()
        .unwrap_or_else(|_| stream.content.clone());
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The text between an XMP packet's tags, one value a line, so that
/// `<prism:doi>10.1/x</prism:doi>` reads as `10.1/x`.
fn xmp_values(xmp: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in xmp.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push('\n');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
