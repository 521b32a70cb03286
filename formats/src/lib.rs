//! Reference formats and formatted citations, shared by the library engine
//! and the online service.
//!
//! Reading text into items and writing items out as text: pure functions
//! between text and the wire model; the caller decides what to store.
//! [`cite`] formats citations and bibliographies in CSL styles,
//! [`duplicates`] tells when two items are the same reference, and [`text`]
//! folds text for sorting and matching and converts notes.
//!
//! Every format reads UTF-8 with or without a byte order mark and with Unix
//! or Windows line endings. Reading is all-or-nothing: a malformed record is
//! a [`FormatError`] naming the record and, where the format has lines, the
//! line. Whatever a format carries that has no place in the item's type is
//! kept in the item's `extra` field and listed in [`ParseReport::to_extra`].

use std::collections::BTreeMap;
use std::fmt;

use shelfmark_protocol::{CollectionData, ItemData};

pub mod bibtex;
pub mod cite;
pub mod csljson;
pub mod duplicates;
mod endnote_types;
pub mod endnote_xml;
pub mod enw;
mod latex;
mod record;
pub mod ris;
pub mod text;
mod writing;
pub mod zotero_json;

/// A reference file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Ris,
    Bibtex,
    Biblatex,
    CslJson,
    EndnoteXml,
    EndnoteTagged,
    ZoteroJson,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Self::Ris,
        Self::Bibtex,
        Self::Biblatex,
        Self::CslJson,
        Self::EndnoteXml,
        Self::EndnoteTagged,
        Self::ZoteroJson,
    ];

    /// The name users type (`--format ris`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ris => "ris",
            Self::Bibtex => "bibtex",
            Self::Biblatex => "biblatex",
            Self::CslJson => "csl-json",
            Self::EndnoteXml => "endnote-xml",
            Self::EndnoteTagged => "enw",
            Self::ZoteroJson => "zotero-json",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Ris => "ris",
            Self::Bibtex | Self::Biblatex => "bib",
            Self::CslJson | Self::ZoteroJson => "json",
            Self::EndnoteXml => "xml",
            Self::EndnoteTagged => "enw",
        }
    }

    /// Reads a format name, case-insensitively, accepting common aliases
    /// (`bib`, `csl`, `endnote`, `refer`, `zotero`, …).
    pub fn parse_name(name: &str) -> Option<Format> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        Some(match name.as_str() {
            "ris" => Self::Ris,
            "bibtex" | "bib" => Self::Bibtex,
            "biblatex" => Self::Biblatex,
            "csl-json" | "csljson" | "csl" => Self::CslJson,
            "endnote-xml" | "endnotexml" | "endnote" | "xml" => Self::EndnoteXml,
            "enw" | "endnote-tagged" | "refer" | "tagged" => Self::EndnoteTagged,
            "zotero-json" | "zotero" | "json" => Self::ZoteroJson,
            _ => return None,
        })
    }

    /// Guesses the format of a file from its content.
    pub fn detect(text: &str) -> Option<Format> {
        let text = text::strip_bom(text).trim_start();
        if text.starts_with('[') || text.starts_with('{') {
            return detect_json(text);
        }
        if text.starts_with('<') {
            let head: String = text.chars().take(4096).collect::<String>().to_lowercase();
            return (head.contains("<record") || head.contains("<xml")).then_some(Self::EndnoteXml);
        }
        for line in text.lines().take(200).map(str::trim_end) {
            if line.trim().is_empty() {
                continue;
            }
            if ris::is_record_start(line) {
                return Some(Self::Ris);
            }
            if line.starts_with("%0 ") || line.starts_with("%A ") || line.starts_with("%T ") {
                return Some(Self::EndnoteTagged);
            }
            if line.trim_start().starts_with('@') {
                return Some(bibtex::detect_dialect(text));
            }
        }
        None
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn detect_json(text: &str) -> Option<Format> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let first = match &value {
        serde_json::Value::Array(items) => items.first()?.clone(),
        serde_json::Value::Object(map) => match map.get("items") {
            Some(serde_json::Value::Array(items)) => items.first()?.clone(),
            _ => value.clone(),
        },
        _ => return None,
    };
    let object = first.as_object()?;
    let data = object
        .get("data")
        .and_then(|d| d.as_object())
        .unwrap_or(object);
    if data.contains_key("itemType") || (data.contains_key("name") && object.contains_key("data")) {
        Some(Format::ZoteroJson)
    } else if data.contains_key("type") {
        Some(Format::CslJson)
    } else {
        None
    }
}

/// One reference read from a file: the item and its child notes and
/// attachments (each with `parentItem` set to the item's key).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRecord {
    pub item: ItemData,
    pub children: Vec<ItemData>,
    /// The line the record starts on, for formats that have lines.
    pub line: Option<usize>,
}

/// What reading a file produced and how.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParseReport {
    pub records: Vec<ParsedRecord>,
    /// Items produced by item type, children included.
    pub by_type: BTreeMap<String, usize>,
    /// (record number, what) for every value kept in `extra` because the item
    /// type has no field for it or the format's tag is not known.
    pub to_extra: Vec<(usize, String)>,
    /// (record number, why) for records that were not items (an empty record).
    pub skipped: Vec<(usize, String)>,
    /// Collections the file defines (Zotero JSON only).
    pub collections: Vec<CollectionData>,
    /// When set, records are handed over here as they are read instead of
    /// being collected in `records`, so a large file is never held whole.
    stream: RecordStream,
}

/// Where streamed records go.
#[derive(Debug, Clone, Default)]
struct RecordStream(Option<std::sync::mpsc::SyncSender<ParsedRecord>>);

impl PartialEq for RecordStream {
    fn eq(&self, _: &Self) -> bool {
        // A report's content is its records and counts, not its plumbing.
        true
    }
}

impl ParseReport {
    /// Adds a finished record with what its reading kept in `extra`.
    pub(crate) fn add(&mut self, number: usize, record: ParsedRecord, to_extra: Vec<String>) {
        self.to_extra
            .extend(to_extra.into_iter().map(|what| (number, what)));
        self.push(record);
    }

    /// Adds a record and counts its items by type.
    pub(crate) fn push(&mut self, record: ParsedRecord) {
        *self
            .by_type
            .entry(record.item.item_type.clone())
            .or_default() += 1;
        for child in &record.children {
            *self.by_type.entry(child.item_type.clone()).or_default() += 1;
        }
        match &self.stream.0 {
            // A closed receiver means the consumer stopped (and will report
            // why); the rest of the file is read for nothing.
            Some(sender) => {
                let _ = sender.send(record);
            }
            None => self.records.push(record),
        }
    }
}

/// A record that could not be read. The caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// The record's number in the file, from 1.
    pub record: usize,
    pub line: Option<usize>,
    pub reason: String,
}

impl FormatError {
    pub(crate) fn new(record: usize, line: Option<usize>, reason: impl Into<String>) -> Self {
        Self {
            record,
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "record {} (line {line}): {}", self.record, self.reason),
            None => write!(f, "record {}: {}", self.record, self.reason),
        }
    }
}

impl std::error::Error for FormatError {}

/// An item to write out, with its child notes and attachments.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportItem {
    pub item: ItemData,
    pub children: Vec<ItemData>,
}

impl ExportItem {
    /// An item without children.
    pub fn new(item: ItemData) -> Self {
        Self {
            item,
            children: Vec::new(),
        }
    }
}

/// Reads a whole file in `format`; any malformed record fails the whole file.
pub fn parse(format: Format, text: &str) -> Result<ParseReport, FormatError> {
    parse_into(format, text, ParseReport::default())
}

/// Like [`parse`], but hands each record to `sender` as soon as it is read;
/// the returned report has the counts, `to_extra` and `skipped`, and no
/// records. The caller must still treat an `Err` as failing the whole file.
pub fn parse_streaming(
    format: Format,
    text: &str,
    sender: std::sync::mpsc::SyncSender<ParsedRecord>,
) -> Result<ParseReport, FormatError> {
    let report = ParseReport {
        stream: RecordStream(Some(sender)),
        ..ParseReport::default()
    };
    parse_into(format, text, report).map(|mut r| {
        r.stream = RecordStream(None);
        r
    })
}

fn parse_into(format: Format, text: &str, report: ParseReport) -> Result<ParseReport, FormatError> {
    let text = text::normalize(text);
    match format {
        Format::Ris => ris::parse_with(&text, report),
        Format::Bibtex | Format::Biblatex => bibtex::parse_with(&text, report),
        Format::CslJson => csljson::parse_with(&text, report),
        Format::EndnoteXml => endnote_xml::parse_with(&text, report),
        Format::EndnoteTagged => enw::parse_with(&text, report),
        Format::ZoteroJson => zotero_json::parse_with(&text, report),
    }
}

/// Writes items in `format`.
pub fn export(format: Format, items: &[ExportItem]) -> String {
    match format {
        Format::Ris => ris::export(items),
        Format::Bibtex => bibtex::export(items, bibtex::Dialect::Bibtex),
        Format::Biblatex => bibtex::export(items, bibtex::Dialect::Biblatex),
        Format::CslJson => csljson::export(items),
        Format::EndnoteXml => endnote_xml::export(items),
        Format::EndnoteTagged => enw::export(items),
        Format::ZoteroJson => zotero_json::export(items),
    }
}
