//! Importing a file into the library: all or nothing, with duplicate
//! handling, an optional target collection and a report of what happened.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use shelfmark_protocol::{CollectionData, ItemData, ObjectKey};

use crate::db::WriteTx;
use crate::duplicates::{DuplicateReason, absorb, fingerprints, library_index};
use crate::error::{Error, Result};
use crate::formats::{self, Format, FormatError, ParseReport, ParsedRecord};
use crate::library::{Library, LibraryId};
use crate::search::index::{Derived, derive};
use crate::store::collection_rows;
use crate::store::items::{find_row, get_row, save_local, save_local_derived};

/// What to do with a record that duplicates an item already in the library
/// (same DOI, ISBN, or title + year + first creator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDuplicate {
    /// Leave the library's item as it is and import nothing for the record.
    #[default]
    Skip,
    /// Fill the library's item in with what the record adds; values that
    /// differ are kept in its Extra field, children are added to it.
    Merge,
    /// Import the record as a new item anyway.
    Keep,
}

impl OnDuplicate {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "skip" => Some(Self::Skip),
            "merge" => Some(Self::Merge),
            "keep" => Some(Self::Keep),
            _ => None,
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The file's format; guessed from the content when absent.
    pub format: Option<Format>,
    /// Put every imported reference in this collection (key).
    pub collection: Option<String>,
    pub on_duplicate: OnDuplicate,
}

/// A record that matched an item already in the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateFound {
    /// The record's number in the file, from 1.
    pub record: usize,
    pub existing: ObjectKey,
    pub reason: DuplicateReason,
    pub action: OnDuplicate,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub format: Format,
    /// Top-level items created, in file order.
    pub created: Vec<ObjectKey>,
    /// Items created by type, children included.
    pub by_type: BTreeMap<String, usize>,
    /// (record, what) kept in Extra because no field of the type held it.
    pub to_extra: Vec<(usize, String)>,
    /// (record, why) for records that were not imported.
    pub skipped: Vec<(usize, String)>,
    pub duplicates: Vec<DuplicateFound>,
    pub collections_created: usize,
}

/// The error for a record, naming the file.
fn record_error(source: &str, err: FormatError) -> Error {
    Error::Import {
        source_name: source.to_owned(),
        record: err.record,
        line: err.line,
        reason: err.reason,
    }
}

/// Keys for imported objects: their own unless taken, else fresh ones, so
/// that re-importing an export never overwrites what is in the library.
#[derive(Default)]
struct KeyMap {
    map: HashMap<ObjectKey, ObjectKey>,
    used: HashSet<ObjectKey>,
}

impl KeyMap {
    fn assign(
        &mut self,
        tx: &WriteTx<'_>,
        key: &ObjectKey,
        taken: impl Fn(&WriteTx<'_>, &ObjectKey) -> Result<bool>,
    ) -> Result<ObjectKey> {
        if let Some(k) = self.map.get(key) {
            return Ok(k.clone());
        }
        let mut new = key.clone();
        while self.used.contains(&new) || taken(tx, &new)? {
            new = ObjectKey::random();
        }
        self.used.insert(new.clone());
        self.map.insert(key.clone(), new.clone());
        Ok(new)
    }

    fn get(&self, key: &ObjectKey) -> Option<&ObjectKey> {
        self.map.get(key)
    }
}

fn item_key_taken(lib: LibraryId) -> impl Fn(&WriteTx<'_>, &ObjectKey) -> Result<bool> {
    move |tx, key| Ok(find_row(tx, lib, key)?.is_some())
}

/// Children in an order their parents exist in: notes and attachments
/// before annotations.
fn ordered_children(children: Vec<ItemData>) -> Vec<ItemData> {
    let (mut first, last): (Vec<_>, Vec<_>) =
        children.into_iter().partition(|c| !c.is_annotation());
    first.extend(last);
    first
}

/// A record with what its items' rows derive from their data (sort keys,
/// search text) worked out, which needs no database: a preparing thread
/// does it while the writer stores earlier records.
struct PreparedRecord {
    item: ItemData,
    derived: Derived,
    /// What duplicates of the item look like (regular items only).
    fingerprints: Vec<(String, DuplicateReason)>,
    /// In the order they are written (see [`ordered_children`]).
    children: Vec<(ItemData, Derived)>,
    line: Option<usize>,
}

impl PreparedRecord {
    fn new(record: ParsedRecord) -> Self {
        let ParsedRecord {
            item,
            children,
            line,
        } = record;
        Self {
            derived: derive(&item),
            fingerprints: if item.is_regular() {
                fingerprints(&item)
            } else {
                Vec::new()
            },
            item,
            children: ordered_children(children)
                .into_iter()
                .map(|child| {
                    let derived = derive(&child);
                    (child, derived)
                })
                .collect(),
            line,
        }
    }
}

impl Library {
    /// Imports a file. Nothing is written unless every record can be.
    pub fn import_file(
        &self,
        path: &Path,
        options: &ImportOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let name = path.display().to_string();
        let text = String::from_utf8(bytes).map_err(|e| Error::Import {
            source_name: name.clone(),
            record: 0,
            line: None,
            reason: format!(
                "the file is not UTF-8 text (invalid byte at offset {}); save it as UTF-8 and try again",
                e.utf8_error().valid_up_to()
            ),
        })?;
        self.import_text(&name, &text, options, progress)
    }

    /// Imports text read from `source_name` (used in messages).
    pub fn import_text(
        &self,
        source_name: &str,
        text: &str,
        options: &ImportOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        let format = match options.format {
            Some(f) => f,
            None => Format::detect(text).ok_or_else(|| Error::Import {
                source_name: source_name.to_owned(),
                record: 0,
                line: None,
                reason: "the format could not be recognised; name it with --format".into(),
            })?,
        };
        let target = options
            .collection
            .as_deref()
            .map(ObjectKey::parse)
            .transpose()?;
        let job = ImportJob {
            source_name,
            format,
            target,
            on_duplicate: options.on_duplicate,
            estimated: estimate_records(format, text),
        };
        if format == Format::ZoteroJson {
            // Collections come before the items that belong to them, so the
            // lossless format is read whole first.
            let parsed = formats::parse(format, text).map_err(|e| record_error(source_name, e))?;
            let records = parsed.records.clone();
            let prepared = records.into_iter().map(PreparedRecord::new);
            return self.write_import(&job, parsed, prepared, None, progress);
        }
        // Other formats stream: a reader thread hands records over as it
        // reads them, so a large file is never held parsed as a whole, and
        // a preparing thread derives their rows' values. Should the writer
        // stop, each thread stops at its next hand-over.
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel(256);
            let (prepared_sender, prepared) = std::sync::mpsc::sync_channel(256);
            let reader = scope.spawn(move || formats::parse_streaming(format, text, sender));
            scope.spawn(move || {
                for record in receiver {
                    if prepared_sender.send(PreparedRecord::new(record)).is_err() {
                        break;
                    }
                }
            });
            self.write_import(
                &job,
                ParseReport::default(),
                prepared.into_iter(),
                Some(reader),
                progress,
            )
        })
    }

    /// Writes the records in one transaction; with a streaming `reader`, its
    /// verdict on the whole file decides whether the transaction commits.
    fn write_import(
        &self,
        job: &ImportJob<'_>,
        parsed: ParseReport,
        records: impl Iterator<Item = PreparedRecord>,
        reader: Option<std::thread::ScopedJoinHandle<'_, Result<ParseReport, FormatError>>>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportReport> {
        let lib = self.id;
        let source_name = job.source_name;
        let target = job.target.clone();
        self.db.write(|tx| {
            if let Some(target) = &target {
                let row = collection_rows::get_collection_row(tx, lib, target)?;
                if row.data.deleted {
                    return Err(Error::invalid(format!(
                        "collection {target} is in the trash"
                    )));
                }
            }
            let mut report = ImportReport {
                format: job.format,
                created: Vec::new(),
                by_type: BTreeMap::new(),
                to_extra: parsed.to_extra.clone(),
                skipped: parsed.skipped.clone(),
                duplicates: Vec::new(),
                collections_created: 0,
            };
            let mut keys = KeyMap::default();
            let mut collection_keys = KeyMap::default();
            create_collections(
                tx,
                lib,
                source_name,
                &parsed.collections,
                &mut collection_keys,
                &mut report,
            )?;

            let mut index = library_index(tx, lib)?;
            let mut done = 0;
            for (n, record) in records.enumerate() {
                let number = n + 1;
                done = number;
                if n % 500 == 0 {
                    progress(n, job.estimated.max(n));
                }
                let PreparedRecord {
                    item,
                    derived,
                    fingerprints,
                    children,
                    line,
                } = record;
                let fail = |e: Error| Error::Import {
                    source_name: source_name.to_owned(),
                    record: number,
                    line,
                    reason: e.to_string(),
                };
                let duplicate = index.find_fingerprints(&fingerprints);
                let mut parent_key = None;
                if let Some((existing, reason)) = duplicate {
                    report.duplicates.push(DuplicateFound {
                        record: number,
                        existing: existing.clone(),
                        reason,
                        action: job.on_duplicate,
                    });
                    match job.on_duplicate {
                        OnDuplicate::Skip => {
                            report
                                .skipped
                                .push((number, format!("duplicate of {existing}")));
                            continue;
                        }
                        OnDuplicate::Merge => {
                            let mut master = get_row(tx, lib, &existing)?.data;
                            let mut incoming = item.clone();
                            incoming.collections.clear();
                            absorb(&mut master, &incoming);
                            if let Some(t) = &target
                                && !master.collections.contains(t)
                            {
                                master.collections.push(t.clone());
                            }
                            save_local(tx, lib, master).map_err(fail)?;
                            // The record's children hang under the existing item.
                            keys.map.insert(item.key.clone(), existing.clone());
                            parent_key = Some(existing);
                        }
                        OnDuplicate::Keep => {}
                    }
                }
                if parent_key.is_none() {
                    let mut item = item;
                    item.key = keys.assign(tx, &item.key, item_key_taken(lib))?;
                    item.version = 0;
                    item.collections = item
                        .collections
                        .iter()
                        .filter_map(|c| collection_keys.get(c).cloned())
                        .collect();
                    if let Some(t) = &target
                        && !item.collections.contains(t)
                    {
                        item.collections.push(t.clone());
                    }
                    let saved = save_local_derived(tx, lib, item, Some(derived)).map_err(fail)?;
                    *report.by_type.entry(saved.item_type.clone()).or_default() += 1;
                    index.add_fingerprints(&saved.key, fingerprints);
                    report.created.push(saved.key.clone());
                }
                for (mut child, derived) in children {
                    child.key = keys.assign(tx, &child.key, item_key_taken(lib))?;
                    child.version = 0;
                    child.parent_item = child
                        .parent_item
                        .as_ref()
                        .and_then(|p| keys.get(p).cloned());
                    let saved = save_local_derived(tx, lib, child, Some(derived)).map_err(fail)?;
                    *report.by_type.entry(saved.item_type.clone()).or_default() += 1;
                }
            }
            if let Some(reader) = reader {
                let verdict = reader.join().map_err(|_| Error::Import {
                    source_name: source_name.to_owned(),
                    record: 0,
                    line: None,
                    reason: "the reader failed unexpectedly".into(),
                })?;
                let whole = verdict.map_err(|e| record_error(source_name, e))?;
                report.to_extra = whole.to_extra;
                report.skipped.extend(whole.skipped);
            }
            progress(done, done);
            Ok(report)
        })
    }
}

/// What one import is about.
struct ImportJob<'a> {
    source_name: &'a str,
    format: Format,
    target: Option<ObjectKey>,
    on_duplicate: OnDuplicate,
    /// Records the file seems to hold, for progress only.
    estimated: usize,
}

/// Creates the collections a file defines (Zotero JSON), parents first.
fn create_collections(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    source_name: &str,
    collections: &[CollectionData],
    collection_keys: &mut KeyMap,
    report: &mut ImportReport,
) -> Result<()> {
    let mut pending = collections.to_vec();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for mut c in pending {
            let parent_ready = c.parent_collection.as_ref().is_none_or(|p| {
                collection_keys.get(p).is_some() || !collections.iter().any(|o| &o.key == p)
            });
            if !parent_ready {
                rest.push(c);
                continue;
            }
            c.key = collection_keys.assign(tx, &c.key, move |tx, k| {
                Ok(collection_rows::find_collection(tx, lib, k)?.is_some())
            })?;
            c.parent_collection = c
                .parent_collection
                .as_ref()
                .and_then(|p| collection_keys.get(p).cloned());
            c.version = 0;
            c.deleted = false;
            collection_rows::save_collection(tx, lib, c)?;
            report.collections_created += 1;
        }
        if rest.len() == before {
            return Err(Error::Import {
                source_name: source_name.to_owned(),
                record: 0,
                line: None,
                reason: "the file's collections contain a cycle".into(),
            });
        }
        pending = rest;
    }
    Ok(())
}

/// A cheap count of the records a file seems to hold, for progress bars.
fn estimate_records(format: Format, text: &str) -> usize {
    let starts = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
    match format {
        Format::Ris => starts("TY  -"),
        Format::EndnoteTagged => starts("%0 "),
        Format::EndnoteXml => text.matches("<record>").count(),
        Format::Bibtex | Format::Biblatex => text
            .lines()
            .filter(|l| {
                let l = l.trim_start().to_ascii_lowercase();
                l.starts_with('@')
                    && !l.starts_with("@string")
                    && !l.starts_with("@comment")
                    && !l.starts_with("@preamble")
            })
            .count(),
        Format::CslJson | Format::ZoteroJson => 0,
    }
}
