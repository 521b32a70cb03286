//! What a share sheet gets for one or several items: a formatted citation
//! or bibliography (text and HTML), or a reference file (RIS, BibTeX…) with
//! a file name and MIME type. Built by the same code as `citations()` and
//! `transfer().export`.

use std::path::PathBuf;
use std::sync::Arc;

use shelfmark_core::{self as core, CiteFormat as CoreCiteFormat, ExportScope, Library};

use crate::error::{Result, ShelfmarkError};
use crate::items::as_strs;
use crate::library::LibraryHandle;
use crate::runtime::with_library;
use crate::transfer::Format;

/// What to share.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ShareFormat {
    /// The in-text citation ("(Darwin, 1859)") in a citation style.
    Citation {
        /// The style's id (see `citations().styles()`: `apa`, `ieee`…).
        style: String,
    },
    /// The reference list entries in a citation style.
    Bibliography {
        /// The style's id.
        style: String,
    },
    /// A reference file for another reference manager.
    File {
        /// RIS, BibTeX…
        format: Format,
    },
}

/// A file to hand to the share sheet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShareFile {
    /// A file name to write it under (`Origin of Species.ris`, `references.bib`):
    /// safe on every platform, with the format's extension.
    pub file_name: String,
    /// Its MIME type (`application/x-research-info-systems`).
    pub mime_type: String,
    /// The file's text (UTF-8).
    pub contents: String,
}

/// What the share sheet gets.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SharePayload {
    /// A subject line (for mail and messages): the item's title, or
    /// "3 references".
    pub subject: String,
    /// Plain text: the formatted citation or bibliography, or a file's
    /// contents for targets that take text only.
    pub text: String,
    /// The citation or bibliography as HTML (italics and so on), for rich
    /// text targets; absent for files.
    pub html: Option<String>,
    /// The file, when a file format was asked for.
    pub file: Option<ShareFile>,
}

/// A format's file name extension.
fn extension(format: Format) -> &'static str {
    match format {
        Format::Ris => "ris",
        Format::Bibtex | Format::Biblatex => "bib",
        Format::CslJson | Format::ZoteroJson => "json",
        Format::EndnoteXml => "xml",
        Format::EndnoteTagged => "enw",
    }
}

/// A format's MIME type, as reference managers register them.
fn mime_type(format: Format) -> &'static str {
    match format {
        Format::Ris => "application/x-research-info-systems",
        Format::Bibtex | Format::Biblatex => "application/x-bibtex",
        Format::CslJson => "application/vnd.citationstyles.csl+json",
        Format::ZoteroJson => "application/json",
        Format::EndnoteXml => "application/xml",
        Format::EndnoteTagged => "application/x-endnote-refer",
    }
}

/// Longest file name stem kept from a title, in characters.
const STEM_MAX: usize = 60;

/// A file name stem from a title: characters file systems refuse dropped,
/// whitespace joined, cut at a word near [`STEM_MAX`].
fn file_stem(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let mut stem = String::new();
    for word in cleaned.split_whitespace() {
        let words = stem.chars().count() + word.chars().count() + 1;
        if !stem.is_empty() && words > STEM_MAX {
            break;
        }
        if !stem.is_empty() {
            stem.push(' ');
        }
        stem.push_str(word);
    }
    let stem: String = stem.chars().take(STEM_MAX).collect();
    // A name starting with a dot is hidden; one of dots only means a folder.
    let stem = stem.trim_start_matches('.').trim().to_owned();
    if stem.is_empty() {
        "reference".to_owned()
    } else {
        stem
    }
}

/// The items' subject line and file name stem.
fn naming(library: &Library, keys: &[String]) -> core::Result<(String, String)> {
    if let [key] = keys {
        let title = library
            .get_item(key)?
            .title()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if !title.is_empty() {
            return Ok((title.clone(), file_stem(&title)));
        }
        return Ok(("1 reference".to_owned(), "reference".to_owned()));
    }
    Ok((
        format!("{} references", keys.len()),
        "references".to_owned(),
    ))
}

fn payload(
    library: &Library,
    keys: &[String],
    format: &ShareFormat,
    styles_dir: Option<&std::path::Path>,
) -> core::Result<SharePayload> {
    let (subject, stem) = naming(library, keys)?;
    let key_refs = as_strs(keys);
    let formatted = |style: &str, bibliography: bool| -> core::Result<(String, String)> {
        let text = library.cite(
            &key_refs,
            style,
            CoreCiteFormat::Text,
            bibliography,
            styles_dir,
        )?;
        let html = library.cite(
            &key_refs,
            style,
            CoreCiteFormat::Html,
            bibliography,
            styles_dir,
        )?;
        Ok((text, html))
    };
    Ok(match format {
        ShareFormat::Citation { style } | ShareFormat::Bibliography { style } => {
            let bibliography = matches!(format, ShareFormat::Bibliography { .. });
            let (text, html) = formatted(style, bibliography)?;
            SharePayload {
                subject,
                text,
                html: Some(html),
                file: None,
            }
        }
        ShareFormat::File { format } => {
            let scope = ExportScope::Items(keys.to_vec());
            let contents = library.export((*format).into(), &scope)?;
            SharePayload {
                subject,
                text: contents.clone(),
                html: None,
                file: Some(ShareFile {
                    file_name: format!("{stem}.{}", extension(*format)),
                    mime_type: mime_type(*format).to_owned(),
                    contents,
                }),
            }
        }
    })
}

/// Share payloads for a library's items.
#[derive(Debug, uniffi::Object)]
pub struct Sharing {
    library: Library,
    styles_dir: Option<PathBuf>,
}

#[uniffi::export]
impl LibraryHandle {
    /// What share sheets get for items: citations, bibliographies, files.
    pub fn sharing(&self) -> Arc<Sharing> {
        Arc::new(Sharing {
            library: self.library.clone(),
            styles_dir: self.styles_dir.clone(),
        })
    }
}

#[uniffi::export]
impl Sharing {
    /// The payload for the items with these keys (in this order): a
    /// citation or bibliography in a style, as text and HTML, or a
    /// reference file with its name and MIME type.
    pub async fn payload(&self, keys: Vec<String>, format: ShareFormat) -> Result<SharePayload> {
        if keys.is_empty() {
            return Err(ShelfmarkError::invalid("choose at least one item to share"));
        }
        let styles_dir = self.styles_dir.clone();
        with_library(&self.library, move |l| {
            payload(l, &keys, &format, styles_dir.as_deref())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_short() {
        assert_eq!(
            file_stem("On the Origin of Species"),
            "On the Origin of Species"
        );
        assert_eq!(file_stem("AC/DC: a \"study\"?"), "AC DC a study");
        assert_eq!(file_stem("..."), "reference");
        assert_eq!(file_stem("  \n\t "), "reference");
        let long = "word ".repeat(40);
        let stem = file_stem(&long);
        assert!(stem.chars().count() <= STEM_MAX, "{stem}");
        assert!(stem.ends_with("word"), "{stem}");
    }

    #[test]
    fn every_format_has_an_extension_and_a_mime_type() {
        for format in [
            Format::Ris,
            Format::Bibtex,
            Format::Biblatex,
            Format::CslJson,
            Format::EndnoteXml,
            Format::EndnoteTagged,
            Format::ZoteroJson,
        ] {
            assert!(!extension(format).is_empty());
            assert!(mime_type(format).contains('/'));
        }
    }
}
