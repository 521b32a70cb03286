//! Applying what a pull brought: fetched objects (insert, overwrite, merge,
//! restore an edited object deleted here) and the server's deletions (to the
//! trash, never for good; an edit made here wins). On a first sync, objects
//! identical to ones already here are joined instead of duplicated.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};
use shelfmark_protocol::ItemData;

use super::client::{Deleted, RemoteObject};
use super::error::SyncError;
use super::merge::{FieldConflict, three_way};
use super::objects::{self, Stored, differing_fields, normalize, title_of};
use super::plan::{ApplyAction, DeletionAction, LocalState, decide_apply, decide_deletion};
use super::state;
use crate::changes::ObjectKind;
use crate::db::WriteTx;
use crate::duplicates::fingerprints;
use crate::error::Result;
use crate::library::LibraryId;
use crate::store::items::{FulltextNow, PreparedItem, insert_from_server, replace_from_server};
use crate::text::fold;

/// What applying a batch did.
#[derive(Debug, Clone, Default)]
pub(crate) struct Applied {
    pub written: usize,
    pub conflicts: usize,
    /// Objects the server sent that could not be read: key and reason.
    pub failed: Vec<(String, String)>,
}

impl Applied {
    /// Adds what another batch did.
    pub(crate) fn absorb(&mut self, other: Applied) {
        self.written += other.written;
        self.conflicts += other.conflicts;
        self.failed.extend(other.failed);
    }
}

/// What a pull knows before it applies its pages.
#[derive(Debug, Default)]
pub(crate) struct PullContext {
    /// On a first sync, what is here and may be joined with the server's copy.
    pub pairing: Option<Pairing>,
    /// Keys of the type being pulled with no object and no deletion waiting
    /// here: their items are inserted directly, without a merge.
    pub absent: HashSet<String>,
    /// Keys of objects here unchanged since the last sync: the server's
    /// copies of their items replace them directly, without a merge.
    pub unchanged: HashSet<String>,
    /// Keys on the pull queue, taken off it once applied.
    pub queued: HashSet<String>,
    /// The library version the pull started from.
    pub since: u64,
    /// A large download: new items get their quick text indexed with the
    /// row and the rest from the backlog once everything is in.
    pub body_later: bool,
}

/// New items in one pull from which the full text waits for the backlog.
pub(crate) const BACKLOG_FROM: usize = 500;

impl PullContext {
    /// Keeps an object the server sent but that could not be read on the
    /// pull queue, so that the next sync asks for it again.
    fn retry_later(
        &mut self,
        tx: &WriteTx<'_>,
        lib: LibraryId,
        ty: ObjectKind,
        key: &str,
    ) -> Result<()> {
        if !key.is_empty() && self.queued.insert(key.to_owned()) {
            state::enqueue(tx, lib, ty, &[key.to_owned()], self.since)?;
        }
        Ok(())
    }
}

/// Local items never uploaded, by fingerprint, for joining identical
/// references on a first sync.
#[derive(Debug, Default)]
pub(crate) struct Pairing {
    items: HashMap<String, String>,
}

impl Pairing {
    /// The index for a library that has never completed a pull and holds
    /// objects never uploaded; `None` otherwise.
    pub(crate) fn build(conn: &Connection, lib: LibraryId) -> Result<Option<Self>> {
        if state::library_version(conn, lib)? != 0 {
            return Ok(None);
        }
        let never_uploaded: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM items WHERE library_id = ?1 AND version = 0)
                 OR EXISTS (SELECT 1 FROM collections WHERE library_id = ?1 AND version = 0)
                 OR EXISTS (SELECT 1 FROM saved_searches WHERE library_id = ?1 AND version = 0)",
            [lib.0],
            |r| r.get(0),
        )?;
        if !never_uploaded {
            return Ok(None);
        }
        let mut stmt = conn.prepare(
            "SELECT data FROM items WHERE library_id = ?1 AND version = 0 AND parent_key IS NULL
               AND in_trash = 0 AND item_type NOT IN ('note', 'attachment', 'annotation')
             ORDER BY date_added, id",
        )?;
        let rows = stmt.query_map([lib.0], |r| r.get::<_, String>(0))?;
        let mut index = Self::default();
        for text in rows {
            let item = crate::store::items::parse_data(&text?)?;
            for (fp, _) in fingerprints(&item) {
                index
                    .items
                    .entry(fp)
                    .or_insert_with(|| item.key.to_string());
            }
        }
        Ok(Some(index))
    }

    fn take_item(&mut self, remote: &Value) -> Option<String> {
        let item = ItemData::from_json_value(remote.clone()).ok()?;
        if !item.is_regular() {
            return None;
        }
        let local = fingerprints(&item)
            .into_iter()
            .find_map(|(fp, _)| self.items.get(&fp).cloned())?;
        self.items.retain(|_, k| *k != local);
        Some(local)
    }
}

fn local_state(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    stored: Option<&Stored>,
    key: &str,
) -> Result<Option<LocalState>> {
    if let Some(s) = stored {
        return Ok(Some(LocalState {
            version: s.version,
            synced: s.synced,
            pending_deletion: false,
            in_trash: false,
        }));
    }
    let pending: Option<u64> = tx
        .prepare_cached(
            "SELECT version FROM pending_deletions WHERE library_id = ?1 AND object_type = ?2 AND key = ?3",
        )?
        .query_row(params![lib.0, ty.as_str(), key], |r| r.get(0))
        .optional()?;
    Ok(pending.map(|version| LocalState {
        version,
        synced: true,
        pending_deletion: true,
        in_trash: false,
    }))
}

fn drop_pending_deletion(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    key: &str,
) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM pending_deletions WHERE library_id = ?1 AND object_type = ?2 AND key = ?3",
    )?
    .execute(params![lib.0, ty.as_str(), key])?;
    Ok(())
}

/// An object from the server as the writer gets it: its JSON, or — for an
/// item new here or unchanged here since the last sync — the item made
/// ready to write (or why it could not be read).
pub(crate) enum Incoming {
    Json(Value),
    Ready {
        key: String,
        prepared: std::result::Result<Box<PreparedItem>, String>,
    },
}

impl Incoming {
    fn parent_item(&self) -> Option<&str> {
        match self {
            Self::Json(o) => o.get("parentItem").and_then(Value::as_str),
            Self::Ready {
                prepared: Ok(p), ..
            } => p.item.parent_item.as_ref().map(|k| k.as_str()),
            Self::Ready { .. } => None,
        }
    }

    fn item_type(&self) -> Option<&str> {
        match self {
            Self::Json(o) => o.get("itemType").and_then(Value::as_str),
            Self::Ready {
                prepared: Ok(p), ..
            } => Some(&p.item.item_type),
            Self::Ready { .. } => None,
        }
    }

    /// The object's key.
    pub(crate) fn key(&self) -> Option<&str> {
        match self {
            Self::Json(o) => o.get("key").and_then(Value::as_str),
            Self::Ready { key, .. } => Some(key),
        }
    }

    fn json(&self) -> Option<&Value> {
        match self {
            Self::Json(o) => Some(o),
            Self::Ready { .. } => None,
        }
    }
}

/// What readying a page needs to know of a pull: the items that go in
/// without a merge, as the pull began — new here (no object and no deletion
/// waiting, nothing to join on a first sync) or unchanged here since the
/// last sync — and how much of their text to index now.
pub(crate) struct DirectItems {
    keys: HashSet<String>,
    fulltext: FulltextNow,
}

impl PullContext {
    /// For readying item pages away from the writer; `None` when no item
    /// can go in directly.
    pub(crate) fn direct_items(&self, ty: ObjectKind) -> Option<DirectItems> {
        let direct = ty == ObjectKind::Item
            && self.pairing.is_none()
            && !(self.absent.is_empty() && self.unchanged.is_empty());
        direct.then(|| DirectItems {
            keys: self.absent.union(&self.unchanged).cloned().collect(),
            fulltext: if self.body_later {
                FulltextNow::QuickOnly
            } else {
                FulltextNow::Everything
            },
        })
    }
}

/// Readies a page for the writer, away from it: items that go in without
/// a merge are read and their row values worked out (most of a sync's work
/// outside SQLite); everything else stays JSON, for the merge path.
pub(crate) fn prepare_page(
    objects: Vec<RemoteObject>,
    new_items: Option<&DirectItems>,
) -> std::result::Result<Vec<Incoming>, SyncError> {
    objects
        .into_iter()
        .map(|object| {
            let Some(new_items) = new_items else {
                return Ok(Incoming::Json(object.to_value()?));
            };
            // Read as an item first: most items of a pull go in directly.
            let error = match ItemData::from_json_text(object.text()) {
                Ok(item) if new_items.keys.contains(item.key.as_str()) => {
                    return Ok(Incoming::Ready {
                        key: item.key.to_string(),
                        prepared: Ok(Box::new(PreparedItem::new(item, new_items.fulltext))),
                    });
                }
                Ok(_) => None,
                Err(e) => Some(e.to_string()),
            };
            let raw = object.to_value()?;
            match (error, raw.get("key").and_then(Value::as_str)) {
                (Some(error), Some(key)) if new_items.keys.contains(key) => Ok(Incoming::Ready {
                    key: key.to_owned(),
                    prepared: Err(error),
                }),
                _ => Ok(Incoming::Json(raw)),
            }
        })
        .collect()
}

/// Parents before children: collections by depth among the batch, items
/// top-level first, then notes and attachments, then annotations.
pub(crate) fn order_for_apply(ty: ObjectKind, objects: &mut [Incoming]) {
    match ty {
        ObjectKind::Item => objects.sort_by_key(|o| {
            let child = o.parent_item().is_some_and(|p| !p.is_empty());
            let annotation = o.item_type() == Some("annotation");
            u8::from(child) + u8::from(annotation)
        }),
        ObjectKind::Collection => {
            let parents: HashMap<String, String> = objects
                .iter()
                .filter_map(|o| {
                    let o = o.json()?;
                    Some((
                        o.get("key")?.as_str()?.to_owned(),
                        o.get("parentCollection")?.as_str()?.to_owned(),
                    ))
                })
                .collect();
            let depth = |o: &Incoming| {
                let mut d = 0usize;
                let mut current = o
                    .json()
                    .and_then(|o| o.get("parentCollection"))
                    .and_then(Value::as_str);
                while let Some(p) = current {
                    d += 1;
                    if d > parents.len() {
                        break;
                    }
                    current = parents.get(p).map(String::as_str);
                }
                d
            };
            objects.sort_by_cached_key(depth);
        }
        ObjectKind::SavedSearch => {}
    }
}

/// Applies objects fetched from the server, in one transaction, and takes
/// them off the pull queue.
pub(crate) fn apply_objects(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    objects: Vec<Incoming>,
    context: &mut PullContext,
) -> Result<Applied> {
    let mut out = Applied::default();
    for incoming in objects {
        let raw = match incoming {
            Incoming::Json(raw) => raw,
            Incoming::Ready { key, prepared } => {
                let still_new = context.absent.remove(&key);
                let unchanged = context.unchanged.remove(&key);
                let prepared = match prepared {
                    Ok(prepared) => prepared,
                    Err(e) => {
                        context.retry_later(tx, lib, ty, &key)?;
                        out.failed.push((key, e));
                        continue;
                    }
                };
                // Nothing here to merge with or join: the server's copy goes
                // in as it is. What turns out otherwise takes the general
                // path below.
                let left = if still_new {
                    insert_from_server(tx, lib, *prepared)?
                } else if unchanged {
                    let left = replace_from_server(tx, lib, *prepared)?;
                    if left.is_none() {
                        state::clear_conflict(tx, lib, ty, &key)?;
                    }
                    left
                } else {
                    Some(prepared.item)
                };
                match left {
                    None => {
                        out.written += 1;
                        if context.queued.contains(&key) {
                            state::dequeue(tx, lib, ty, &key)?;
                        }
                        continue;
                    }
                    Some(item) => item.to_json_value(),
                }
            }
        };
        let key = raw
            .get("key")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let remote = match normalize(ty, raw) {
            Ok(v) => v,
            Err(e) => {
                context.retry_later(tx, lib, ty, &key)?;
                out.failed.push((key, e.to_string()));
                continue;
            }
        };
        let remote_version = remote.get("version").and_then(Value::as_u64).unwrap_or(0);
        let stored = objects::load(tx, lib, ty, &key)?;
        let local = local_state(tx, lib, ty, stored.as_ref(), &key)?;
        if local.is_some_and(|l| {
            !l.pending_deletion && l.version >= remote_version && remote_version > 0
        }) {
            state::dequeue(tx, lib, ty, &key)?;
            continue;
        }
        match decide_apply(local.as_ref()) {
            ApplyAction::Insert => {
                if !pair(tx, lib, ty, &remote, &mut context.pairing, &mut out)? {
                    objects::write(tx, lib, ty, &remote, true, &[], Some(&remote))?;
                }
            }
            ApplyAction::Overwrite => {
                objects::write(tx, lib, ty, &remote, true, &[], Some(&remote))?;
                state::clear_conflict(tx, lib, ty, &key)?;
            }
            ApplyAction::Merge => {
                if let Some(stored) = &stored {
                    out.conflicts +=
                        merge_into(tx, lib, ty, stored, &remote, stored.base.as_ref())?;
                }
            }
            ApplyAction::RestoreEdited => {
                drop_pending_deletion(tx, lib, ty, &key)?;
                objects::write(tx, lib, ty, &remote, true, &[], Some(&remote))?;
                let title = title_of(ty, &remote);
                state::add_notice(
                    tx,
                    lib,
                    ty.as_str(),
                    &key,
                    "restored",
                    &format!(
                        "“{title}” was deleted here but edited on another device; the edit wins and it is back."
                    ),
                )?;
            }
        }
        out.written += 1;
        state::dequeue(tx, lib, ty, &key)?;
    }
    Ok(out)
}

/// Merges the server's copy into a locally changed one; the number of
/// conflicts recorded (0 or 1).
fn merge_into(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    stored: &Stored,
    remote: &Value,
    base: Option<&Value>,
) -> Result<usize> {
    let merged = three_way(base, &stored.data, remote);
    let data = normalize(ty, merged.data)?;
    let changed = differing_fields(remote, &data);
    let key = remote
        .get("key")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let next_base = base_keeping_conflicts(base, remote, &merged.conflicts);
    objects::write(
        tx,
        lib,
        ty,
        &data,
        changed.is_empty(),
        &changed,
        Some(&next_base),
    )?;
    if merged.conflicts.is_empty() {
        state::clear_conflict(tx, lib, ty, key)?;
        Ok(0)
    } else {
        state::record_conflict(tx, lib, ty, key, &merged.conflicts, remote)?;
        Ok(1)
    }
}

/// The base to keep after a merge: the server's copy, except that fields in
/// conflict keep their old base value, so that a later merge (the server's
/// copy changed again elsewhere) still sees them changed on both sides and
/// the conflict stays until it is resolved.
fn base_keeping_conflicts(
    base: Option<&Value>,
    remote: &Value,
    conflicts: &[FieldConflict],
) -> Value {
    let mut next = remote.clone();
    if let Some(obj) = next.as_object_mut() {
        for conflict in conflicts {
            match base.and_then(|b| b.get(&conflict.field)) {
                Some(old) => {
                    obj.insert(conflict.field.clone(), old.clone());
                }
                None => {
                    obj.remove(&conflict.field);
                }
            }
        }
    }
    next
}

/// A stand-in base for joining two copies that never agreed on one: fields
/// only one side has are taken from it, equal fields stay, and fields both
/// have with different values become conflicts.
fn pairing_base(local: &Value, remote: &Value) -> Value {
    let (Some(l), Some(r)) = (local.as_object(), remote.as_object()) else {
        return Value::Object(Map::new());
    };
    let mut base = Map::new();
    for (name, rv) in r {
        match l.get(name) {
            None => {}
            Some(lv) if lv == rv => {
                base.insert(name.clone(), rv.clone());
            }
            Some(_) => {
                base.insert(name.clone(), Value::Null);
            }
        }
    }
    Value::Object(base)
}

/// On a first sync, joins a new object from the server with an identical
/// one never uploaded from here. Whether it did.
fn pair(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    remote: &Value,
    pairing: &mut Option<Pairing>,
    out: &mut Applied,
) -> Result<bool> {
    let Some(index) = pairing.as_mut() else {
        return Ok(false);
    };
    let remote_key = remote
        .get("key")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let local_key = match ty {
        ObjectKind::Item => index.take_item(remote),
        ObjectKind::Collection => matching_collection(tx, lib, remote)?,
        ObjectKind::SavedSearch => matching_search(tx, lib, remote)?,
    };
    let Some(local_key) = local_key else {
        return Ok(false);
    };
    let Some(local) = objects::load(tx, lib, ty, &local_key)? else {
        return Ok(false);
    };
    let mut local_data = local.data.clone();
    if let Some(obj) = local_data.as_object_mut() {
        obj.insert("key".into(), Value::String(remote_key.clone()));
        obj.insert(
            "version".into(),
            remote.get("version").cloned().unwrap_or(Value::from(0)),
        );
        if let Some(added) = remote.get("dateAdded") {
            obj.insert("dateAdded".into(), added.clone());
        }
    }
    let base = pairing_base(&local_data, remote);
    objects::remove_unsynced(tx, lib, ty, &local_key)?;
    let stand_in = Stored {
        data: local_data,
        ..local
    };
    out.conflicts += merge_into(tx, lib, ty, &stand_in, remote, Some(&base))?;
    rekey_references(tx, lib, ty, &local_key, &remote_key)?;
    let title = title_of(ty, remote);
    state::add_notice(
        tx,
        lib,
        ty.as_str(),
        &remote_key,
        "paired",
        &format!(
            "“{title}” was already online; the copy here was joined with it instead of being added twice."
        ),
    )?;
    Ok(true)
}

/// Points what referred to a joined object's old key at its new one:
/// children of an item, sub-collections and members of a collection.
fn rekey_references(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    old: &str,
    new: &str,
) -> Result<()> {
    let (sql, field, child_type) = match ty {
        ObjectKind::Item => (
            "SELECT key FROM items WHERE library_id = ?1 AND parent_key = ?2",
            "parentItem",
            ObjectKind::Item,
        ),
        ObjectKind::Collection => (
            "SELECT key FROM collections WHERE library_id = ?1 AND parent_key = ?2",
            "parentCollection",
            ObjectKind::Collection,
        ),
        ObjectKind::SavedSearch => return Ok(()),
    };
    let mut edits: Vec<(ObjectKind, String, &str)> = keys_where(tx, sql, lib, old)?
        .into_iter()
        .map(|k| (child_type, k, field))
        .collect();
    if ty == ObjectKind::Collection {
        let members = keys_where(
            tx,
            "SELECT i.key FROM collection_items ci JOIN items i ON i.id = ci.item_id
             WHERE ci.library_id = ?1 AND ci.collection_key = ?2",
            lib,
            old,
        )?;
        edits.extend(
            members
                .into_iter()
                .map(|k| (ObjectKind::Item, k, "collections")),
        );
    }
    for (child_ty, key, field) in edits {
        let Some(stored) = objects::load(tx, lib, child_ty, &key)? else {
            continue;
        };
        let mut data = stored.data.clone();
        if field == "collections" {
            if let Some(list) = data.get_mut("collections").and_then(Value::as_array_mut) {
                for entry in list.iter_mut() {
                    if entry.as_str() == Some(old) {
                        *entry = Value::String(new.to_owned());
                    }
                }
            }
        } else {
            data[field] = Value::String(new.to_owned());
        }
        let mut changed = stored.changed.clone();
        if !changed.iter().any(|c| c == field) {
            changed.push(field.to_owned());
        }
        objects::write(
            tx,
            lib,
            child_ty,
            &data,
            false,
            &changed,
            stored.base.as_ref(),
        )?;
    }
    Ok(())
}

fn keys_where(tx: &WriteTx<'_>, sql: &str, lib: LibraryId, key: &str) -> Result<Vec<String>> {
    let mut stmt = tx.prepare_cached(sql)?;
    let rows = stmt.query_map(params![lib.0, key], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A never-uploaded collection with the same name under the same parent.
fn matching_collection(tx: &WriteTx<'_>, lib: LibraryId, remote: &Value) -> Result<Option<String>> {
    let name = fold(
        remote
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    let parent = remote.get("parentCollection").and_then(Value::as_str);
    let mut stmt = tx.prepare_cached(
        "SELECT key, name, parent_key FROM collections
         WHERE library_id = ?1 AND version = 0 AND deleted = 0",
    )?;
    let rows = stmt.query_map([lib.0], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    for row in rows {
        let (key, local_name, local_parent) = row?;
        if fold(&local_name) == name && local_parent.as_deref() == parent {
            return Ok(Some(key));
        }
    }
    Ok(None)
}

/// A never-uploaded saved search with the same name and conditions.
fn matching_search(tx: &WriteTx<'_>, lib: LibraryId, remote: &Value) -> Result<Option<String>> {
    let mut stmt = tx.prepare_cached(
        "SELECT key, data FROM saved_searches WHERE library_id = ?1 AND version = 0 AND deleted = 0",
    )?;
    let rows = stmt.query_map([lib.0], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (key, text) = row?;
        let data: Value = serde_json::from_str(&text)?;
        if data.get("name") == remote.get("name")
            && data.get("conditions") == remote.get("conditions")
        {
            return Ok(Some(key));
        }
    }
    Ok(None)
}

/// One deletion reported by the server, with what to do about it here.
#[derive(Debug, Clone)]
pub(crate) struct PlannedDeletion {
    pub ty: ObjectKind,
    pub key: String,
    pub title: String,
    pub action: DeletionAction,
    /// Already in the trash here (moving it there again removes nothing).
    pub in_trash: bool,
}

/// Decides, for each deletion the server reported, what happens here.
pub(crate) fn plan_deletions(
    conn: &Connection,
    lib: LibraryId,
    deleted: &Deleted,
) -> Result<Vec<PlannedDeletion>> {
    let mut out = Vec::new();
    for (ty, keys) in [
        (ObjectKind::Item, &deleted.items),
        (ObjectKind::Collection, &deleted.collections),
        (ObjectKind::SavedSearch, &deleted.searches),
    ] {
        for key in keys {
            let stored = objects::load(conn, lib, ty, key)?;
            let pending: bool = conn
                .prepare_cached(
                    "SELECT 1 FROM pending_deletions WHERE library_id = ?1 AND object_type = ?2 AND key = ?3",
                )?
                .query_row(params![lib.0, ty.as_str(), key], |_| Ok(()))
                .optional()?
                .is_some();
            let local = match &stored {
                // A copy never uploaded (version 0) is not the deleted one.
                Some(s) if s.version == 0 => None,
                Some(s) => Some(LocalState {
                    version: s.version,
                    synced: s.synced,
                    pending_deletion: false,
                    in_trash: false,
                }),
                None if pending => Some(LocalState {
                    pending_deletion: true,
                    ..LocalState::default()
                }),
                None => None,
            };
            let in_trash = stored.as_ref().is_some_and(|s| {
                s.data
                    .get("deleted")
                    .is_some_and(|d| d.as_bool().unwrap_or(d.as_u64().unwrap_or(0) != 0))
            });
            out.push(PlannedDeletion {
                ty,
                key: key.clone(),
                title: stored
                    .as_ref()
                    .map(|s| title_of(ty, &s.data))
                    .unwrap_or_default(),
                action: if pending {
                    DeletionAction::Nothing
                } else {
                    decide_deletion(local.as_ref())
                },
                in_trash,
            });
        }
    }
    Ok(out)
}

/// How many objects the library holds (for the mass-deletion guard).
pub(crate) fn object_count(conn: &Connection, lib: LibraryId) -> Result<usize> {
    let mut total = 0usize;
    for ty in ObjectKind::ALL {
        total += conn.query_row(
            &format!("SELECT COUNT(*) FROM {} WHERE library_id = ?1", ty.table()),
            [lib.0],
            |r| r.get::<_, usize>(0),
        )?;
    }
    Ok(total)
}

/// Applies the server's deletions: unchanged objects go to the trash here
/// (restorable; emptying the trash later sends nothing, the server has
/// already deleted them); edited ones stay and will be uploaded again.
pub(crate) fn apply_deletions(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    planned: &[PlannedDeletion],
) -> Result<HashMap<ObjectKind, usize>> {
    let mut moved: HashMap<ObjectKind, usize> = HashMap::new();
    for d in planned {
        match d.action {
            DeletionAction::Nothing => drop_pending_deletion(tx, lib, d.ty, &d.key)?,
            DeletionAction::MoveToTrash | DeletionAction::KeepEdited => {
                let Some(stored) = objects::load(tx, lib, d.ty, &d.key)? else {
                    continue;
                };
                let mut data = stored.data.clone();
                data["version"] = Value::from(0);
                state::clear_conflict(tx, lib, d.ty, &d.key)?;
                if d.action == DeletionAction::MoveToTrash {
                    data["deleted"] = if d.ty == ObjectKind::Item {
                        Value::from(1)
                    } else {
                        Value::Bool(true)
                    };
                    objects::write(tx, lib, d.ty, &data, true, &[], None)?;
                    if !d.in_trash {
                        *moved.entry(d.ty).or_default() += 1;
                    }
                } else {
                    let changed: Vec<String> = data
                        .as_object()
                        .map(|o| {
                            o.keys()
                                .filter(|k| !matches!(k.as_str(), "key" | "version"))
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default();
                    objects::write(tx, lib, d.ty, &data, false, &changed, None)?;
                    state::add_notice(
                        tx,
                        lib,
                        d.ty.as_str(),
                        &d.key,
                        "restored",
                        &format!(
                            "“{}” was deleted on another device but edited here; the edit wins and it will be uploaded again.",
                            d.title
                        ),
                    )?;
                }
            }
        }
    }
    Ok(moved)
}
