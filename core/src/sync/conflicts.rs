//! Conflicts a sync found, and resolving them: keep the local values, take
//! the server's, or give values per field. The version not chosen goes to
//! the conflict history, where it can be browsed and brought back.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;
use shelfmark_protocol::{CollectionData, ItemData, SavedSearchData};

use super::merge::FieldConflict;
use super::objects::{self, differing_fields, normalize, title_of};
use super::state::{self, conflict_fields_json, parse_conflict_fields};
use crate::changes::ObjectKind;
use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::library::{Library, LibraryId};
use crate::store::collection_rows::save_collection;
use crate::store::items::save_local;
use crate::store::search_rows::save_search;

/// An object changed on both sides with different values in some fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub object_type: ObjectKind,
    pub key: String,
    pub title: String,
    /// Each conflicting field with the local and the remote value (`null`
    /// where that side removed it).
    #[serde(serialize_with = "fields_as_json")]
    pub fields: Vec<FieldConflict>,
    pub created: String,
}

fn fields_as_json<S: serde::Serializer>(
    fields: &[FieldConflict],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    conflict_fields_json(fields).serialize(s)
}

impl Serialize for ObjectKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A conflict and the library of the file it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryConflict {
    pub library: LibraryId,
    pub conflict: Conflict,
}

/// How to resolve a conflict.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Keep the values made here (they are uploaded).
    KeepLocal,
    /// Take the server's values.
    KeepRemote,
    /// Give each conflicting field a value (JSON: a string for text fields).
    Fields(BTreeMap<String, Value>),
}

impl Resolution {
    fn name(&self) -> &'static str {
        match self {
            Self::KeepLocal => "local",
            Self::KeepRemote => "remote",
            Self::Fields(_) => "fields",
        }
    }
}

/// A resolved conflict, with both versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub object_type: String,
    pub key: String,
    pub title: String,
    /// `local`, `remote` or `fields`.
    pub chosen: String,
    pub fields: Vec<String>,
    pub local_data: Value,
    pub remote_data: Value,
    pub resolved_at: String,
    pub restored_at: Option<String>,
}

struct ConflictRow {
    ty: ObjectKind,
    key: String,
    fields: Vec<FieldConflict>,
    remote: Value,
    created: String,
}

fn conflict_rows(conn: &rusqlite::Connection, lib: LibraryId) -> Result<Vec<ConflictRow>> {
    let mut stmt = conn.prepare(
        "SELECT object_type, key, fields, remote_data, created FROM sync_conflicts
         WHERE library_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([lib.0], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (ty, key, fields, remote, created) = row?;
        let Some(ty) = ObjectKind::parse(&ty) else {
            continue;
        };
        out.push(ConflictRow {
            ty,
            key,
            fields: parse_conflict_fields(&fields)?,
            remote: serde_json::from_str(&remote)?,
            created,
        });
    }
    Ok(out)
}

/// Sets `field` of `data` to `value`; `null` removes it.
fn set_field(data: &mut Value, field: &str, value: &Value) {
    if let Some(obj) = data.as_object_mut() {
        if value.is_null() {
            obj.remove(field);
        } else {
            obj.insert(field.to_owned(), value.clone());
        }
    }
}

/// Resolves one conflict in the caller's transaction.
fn resolve_row(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    row: &ConflictRow,
    resolution: &Resolution,
) -> Result<()> {
    let stored = objects::load(tx, lib, row.ty, &row.key)?
        .ok_or_else(|| Error::not_found("object", &row.key))?;
    let local = stored.data.clone();
    let mut result = local.clone();
    match resolution {
        Resolution::KeepLocal => {}
        Resolution::KeepRemote => {
            for f in &row.fields {
                set_field(&mut result, &f.field, &f.remote);
            }
        }
        Resolution::Fields(values) => {
            if let Some(extra) = values
                .keys()
                .find(|k| !row.fields.iter().any(|f| &f.field == *k))
            {
                return Err(Error::invalid(format!(
                    "{extra} is not a conflicting field of {} (those are: {})",
                    row.key,
                    field_names(&row.fields).join(", ")
                )));
            }
            for f in &row.fields {
                let value = values.get(&f.field).ok_or_else(|| {
                    Error::invalid(format!(
                        "give a value for every conflicting field of {}: {} is missing",
                        row.key, f.field
                    ))
                })?;
                set_field(&mut result, &f.field, value);
            }
        }
    }
    let result = normalize(row.ty, result)?;
    // From now on the server's copy is the base: what differs from it is a
    // local edit to upload.
    let changed = differing_fields(&row.remote, &result);
    objects::write(
        tx,
        lib,
        row.ty,
        &result,
        changed.is_empty(),
        &changed,
        Some(&row.remote),
    )?;
    tx.execute(
        "INSERT INTO conflict_history (library_id, object_type, key, chosen, fields, local_data,
            remote_data, result_data, resolved_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            lib.0,
            row.ty.as_str(),
            row.key,
            resolution.name(),
            serde_json::to_string(&field_names(&row.fields))?,
            serde_json::to_string(&local)?,
            serde_json::to_string(&row.remote)?,
            serde_json::to_string(&result)?,
            tx.now,
        ],
    )?;
    state::clear_conflict(tx, lib, row.ty, &row.key)
}

fn field_names(fields: &[FieldConflict]) -> Vec<String> {
    fields.iter().map(|f| f.field.clone()).collect()
}

/// Writes `data` as a local edit through the object's own write path.
fn save_as_local_edit(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    data: Value,
) -> Result<()> {
    match ty {
        ObjectKind::Item => {
            save_local(tx, lib, ItemData::from_json_value(data)?)?;
        }
        ObjectKind::Collection => {
            save_collection(tx, lib, CollectionData::from_json_value(data)?)?;
        }
        ObjectKind::SavedSearch => {
            save_search(tx, lib, SavedSearchData::from_json_value(data)?)?;
        }
    }
    Ok(())
}

impl Library {
    /// The conflicts waiting in this library (the "Sync Conflicts" list).
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let lib = self.id;
        self.db.read(|c| {
            conflict_rows(c, lib)?
                .into_iter()
                .map(|row| {
                    let title = objects::load(c, lib, row.ty, &row.key)?
                        .map(|s| title_of(row.ty, &s.data))
                        .unwrap_or_else(|| title_of(row.ty, &row.remote));
                    Ok(Conflict {
                        object_type: row.ty,
                        key: row.key,
                        title,
                        fields: row.fields,
                        created: row.created,
                    })
                })
                .collect()
        })
    }

    /// The conflicts waiting in every library of the file (the personal
    /// library and each group library), library by library.
    pub fn conflicts_in_all_libraries(&self) -> Result<Vec<LibraryConflict>> {
        let mut out = Vec::new();
        for info in self.libraries()? {
            let conflicts = self.scoped(info.id)?.conflicts()?;
            out.extend(conflicts.into_iter().map(|conflict| LibraryConflict {
                library: info.id,
                conflict,
            }));
        }
        Ok(out)
    }

    /// Resolves the conflict on the object `key`. The version not chosen is
    /// kept in the conflict history.
    pub fn resolve(&self, key: &str, resolution: Resolution) -> Result<()> {
        objects::check_key(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            let row = conflict_rows(tx, lib)?
                .into_iter()
                .find(|r| r.key == key)
                .ok_or_else(|| Error::not_found("conflict on", key))?;
            resolve_row(tx, lib, &row, &resolution)
        })
    }

    /// Resolves every conflict of this library the same way (keep local or
    /// keep remote); how many were resolved.
    pub fn resolve_all(&self, resolution: Resolution) -> Result<usize> {
        if matches!(resolution, Resolution::Fields(_)) {
            return Err(Error::invalid(
                "values per field resolve one conflict at a time; give the key",
            ));
        }
        let lib = self.id;
        self.db.write(|tx| {
            let rows = conflict_rows(tx, lib)?;
            for row in &rows {
                resolve_row(tx, lib, row, &resolution)?;
            }
            Ok(rows.len())
        })
    }

    /// Resolved conflicts, most recent first, with both versions.
    pub fn conflict_history(&self) -> Result<Vec<HistoryEntry>> {
        let lib = self.id;
        self.db.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, object_type, key, chosen, fields, local_data, remote_data,
                    resolved_at, restored_at
                 FROM conflict_history WHERE library_id = ?1 ORDER BY id DESC",
            )?;
            let rows = stmt.query_map([lib.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, ty, key, chosen, fields, local, remote, resolved_at, restored_at) = row?;
                let local_data: Value = serde_json::from_str(&local)?;
                let title = ObjectKind::parse(&ty)
                    .map(|t| title_of(t, &local_data))
                    .unwrap_or_default();
                out.push(HistoryEntry {
                    id,
                    object_type: ty,
                    key,
                    title,
                    chosen,
                    fields: serde_json::from_str(&fields)?,
                    local_data,
                    remote_data: serde_json::from_str(&remote)?,
                    resolved_at,
                    restored_at,
                });
            }
            Ok(out)
        })
    }

    /// Brings back the version not chosen in a resolved conflict: its values
    /// of the conflicting fields become a local edit, uploaded by the next
    /// sync.
    pub fn restore_from_history(&self, id: i64) -> Result<()> {
        let lib = self.id;
        self.db.write(|tx| {
            let row: Option<(String, String, String, String, String, String)> = tx
                .query_row(
                    "SELECT object_type, key, chosen, fields, local_data, remote_data
                     FROM conflict_history WHERE id = ?1 AND library_id = ?2",
                    params![id, lib.0],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    },
                )
                .optional()?;
            let (ty, key, chosen, fields, local, remote) =
                row.ok_or_else(|| Error::not_found("conflict history entry", id))?;
            let ty = ObjectKind::parse(&ty)
                .ok_or_else(|| Error::Corrupt(format!("unknown object type {ty}")))?;
            let not_chosen: Value =
                serde_json::from_str(if chosen == "local" { &remote } else { &local })?;
            let fields: Vec<String> = serde_json::from_str(&fields)?;
            let stored = objects::load(tx, lib, ty, &key)?
                .ok_or_else(|| Error::not_found(ty.as_str(), &key))?;
            let mut data = stored.data;
            for field in &fields {
                set_field(
                    &mut data,
                    field,
                    not_chosen.get(field).unwrap_or(&Value::Null),
                );
            }
            save_as_local_edit(tx, lib, ty, data)?;
            tx.execute(
                "UPDATE conflict_history SET restored_at = ?2 WHERE id = ?1",
                params![id, tx.now],
            )?;
            Ok(())
        })
    }
}
