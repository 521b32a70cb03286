//! Duplicates in a library: groups of items that are the same reference, and
//! merging them without losing anything. The matching rules themselves
//! (DOI, ISBN, title, year and first creator) are the formats crate's.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{ItemData, ObjectKey};

pub(crate) use shelfmark_formats::duplicates::fingerprints;
pub use shelfmark_formats::duplicates::{DuplicateIndex, DuplicateReason};

use crate::error::{Error, Result};
use crate::library::{Library, LibraryId};
use crate::store::items::{child_rows, get_row, parse_data, save_local};
use crate::store::parse_keys;

/// Items of the library that are the same reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateGroup {
    /// 1-based, in the order listed; stable for an unchanged library.
    pub number: usize,
    /// Oldest first: the first is the suggested item to keep.
    pub keys: Vec<ObjectKey>,
    pub reason: DuplicateReason,
}

/// The duplicate index of a library's regular items not in the trash.
pub(crate) fn library_index(conn: &Connection, lib: LibraryId) -> Result<DuplicateIndex> {
    let mut index = DuplicateIndex::default();
    for item in regular_items(conn, lib)? {
        index.add(&item);
    }
    Ok(index)
}

/// Regular (bibliographic) items not in the trash, oldest first.
fn regular_items(conn: &Connection, lib: LibraryId) -> Result<Vec<ItemData>> {
    let mut stmt = conn.prepare(
        "SELECT data FROM items WHERE library_id = ?1 AND parent_key IS NULL AND in_trash = 0
           AND item_type NOT IN ('note', 'attachment', 'annotation')
         ORDER BY date_added, id",
    )?;
    let rows = stmt.query_map(params![lib.0], |r| r.get::<_, String>(0))?;
    rows.map(|json| parse_data(&json?)).collect()
}

/// Union-find over item indexes.
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

impl Library {
    /// Groups of items that look like the same reference.
    pub fn find_duplicates(&self) -> Result<Vec<DuplicateGroup>> {
        let lib = self.id;
        let items = self.db.read(|c| regular_items(c, lib))?;
        let mut parent: Vec<usize> = (0..items.len()).collect();
        let mut reason_of: HashMap<usize, DuplicateReason> = HashMap::new();
        let mut first_with: HashMap<String, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            for (fp, reason) in fingerprints(item) {
                match first_with.get(&fp) {
                    Some(&j) => {
                        let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                        if a != b {
                            let (keep, join) = if a < b { (a, b) } else { (b, a) };
                            parent[join] = keep;
                            reason_of.entry(keep).or_insert(reason);
                        }
                    }
                    None => {
                        first_with.insert(fp, i);
                    }
                }
            }
        }
        let mut groups: Vec<(usize, Vec<ObjectKey>)> = Vec::new();
        let mut slot: HashMap<usize, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            let r = root(&mut parent, i);
            let at = *slot.entry(r).or_insert_with(|| {
                groups.push((r, Vec::new()));
                groups.len() - 1
            });
            groups[at].1.push(item.key.clone());
        }
        Ok(groups
            .into_iter()
            .filter(|(_, keys)| keys.len() > 1)
            .enumerate()
            .map(|(n, (r, keys))| DuplicateGroup {
                number: n + 1,
                keys,
                reason: reason_of
                    .get(&r)
                    .cloned()
                    .unwrap_or(DuplicateReason::TitleYearCreator),
            })
            .collect())
    }

    /// Merges `others` into `keep`: fields `keep` lacks are filled in, values
    /// that differ are kept in Extra, tags, collections and relations are
    /// united, children move to `keep`, and the merged items go to the trash
    /// (restorable) with `keep` recording that it replaces them.
    pub fn merge_items(&self, keep: &str, others: &[&str]) -> Result<ItemData> {
        let keep_key = ObjectKey::parse(keep)?;
        let other_keys = parse_keys(others)?;
        if other_keys.is_empty() || other_keys.contains(&keep_key) {
            return Err(Error::invalid(
                "give the item to keep and at least one other item",
            ));
        }
        let lib = self.id;
        self.db.write(|tx| {
            let mut master = get_row(tx, lib, &keep_key)?.data;
            require_regular(&master)?;
            for other_key in &other_keys {
                let mut other = get_row(tx, lib, other_key)?.data;
                require_regular(&other)?;
                absorb(&mut master, &other);
                master.relations.add(
                    "dc:replaces",
                    &format!("http://zotero.org/users/local/items/{other_key}"),
                );
                // Children move to the item kept.
                for child in child_rows(tx, lib, other_key)? {
                    let mut moved = child.data;
                    moved.parent_item = Some(keep_key.clone());
                    save_local(tx, lib, moved)?;
                }
                other.deleted = true;
                save_local(tx, lib, other)?;
            }
            save_local(tx, lib, master)
        })
    }
}

fn require_regular(item: &ItemData) -> Result<()> {
    if item.is_regular() {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{} is a {}, not a reference",
            item.key, item.item_type
        )))
    }
}

/// Takes everything of `other` into `master` without losing anything:
/// missing fields are filled in (through base fields across item types),
/// differing values and creators are kept in Extra, and tags, collections
/// and relations are united.
pub(crate) fn absorb(master: &mut ItemData, other: &ItemData) {
    let master_type = schema().item_type(&master.item_type);
    let other_type = schema().item_type(&other.item_type);
    let mut extra_lines: Vec<String> = Vec::new();
    for (field, value) in &other.fields {
        if field == "extra" {
            continue;
        }
        let base = other_type.map_or(field.as_str(), |t| t.base_of(field));
        let target = master_type
            .and_then(|t| t.field_for_base(base))
            .map(str::to_owned);
        match target {
            Some(t) if master.field(&t).is_none() => master.set_field(&t, value.clone()),
            Some(t) if master.field(&t) == Some(value.as_str()) => {}
            _ => extra_lines.push(format!("{}: {value}", schema().field_label(field))),
        }
    }
    if let Some(extra) = other.field("extra") {
        extra_lines.extend(extra.lines().map(str::to_owned));
    }
    if master.creators.is_empty() {
        master.creators = other.creators.clone();
    } else if !other.creators.is_empty() && other.creators != master.creators {
        let names: Vec<String> = other.creators.iter().map(|c| c.display()).collect();
        extra_lines.push(format!("Creators ({}): {}", other.key, names.join("; ")));
    }
    let mut lines: Vec<String> = master
        .field("extra")
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    for line in extra_lines {
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    master.set_field("extra", lines.join("\n"));
    for tag in &other.tags {
        if !master.tags.iter().any(|t| t.tag == tag.tag) {
            master.tags.push(tag.clone());
        }
    }
    for c in &other.collections {
        if !master.collections.contains(c) {
            master.collections.push(c.clone());
        }
    }
    for (predicate, uris) in &other.relations.0 {
        for uri in uris {
            master.relations.add(predicate, uri);
        }
    }
}
