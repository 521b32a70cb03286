//! Local changes on their way to the server: which objects to send and in
//! what order (parents first), the JSON each sends, and marking them synced
//! afterwards, but only where nothing changed here in the meantime.

use rusqlite::{Connection, params};
use serde_json::Value;

use super::objects::{self, differing_fields};
use super::state;
use crate::changes::ObjectKind;
use crate::db::WriteTx;
use crate::error::Result;
use crate::library::LibraryId;

/// One object to upload.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub key: String,
    pub payload: Value,
    /// The data as stored when it was read, to tell whether it changed since.
    pub sent_text: String,
}

/// The value that clears a property the server holds but this copy lacks
/// (a write there keeps omitted properties).
fn cleared(name: &str, was: &Value) -> Value {
    match name {
        "deleted"
        | "inPublications"
        | "annotationIsExternal"
        | "parentItem"
        | "parentCollection" => Value::Bool(false),
        _ => match was {
            Value::String(_) => Value::String(String::new()),
            Value::Array(_) => Value::Array(Vec::new()),
            Value::Object(_) => Value::Object(serde_json::Map::new()),
            _ => Value::Null,
        },
    }
}

/// The JSON to send: the whole object, its version when the server knows
/// it, and explicit empty values for what was removed since the base copy.
pub(crate) fn payload(data: &Value, base: Option<&Value>, version: u64) -> Value {
    let mut out = data.clone();
    if let Some(obj) = out.as_object_mut() {
        if version == 0 {
            obj.remove("version");
        } else {
            obj.insert("version".into(), Value::from(version));
        }
        if let Some(base) = base.and_then(Value::as_object) {
            for (name, was) in base {
                if !obj.contains_key(name) {
                    obj.insert(name.clone(), cleared(name, was));
                }
            }
        }
    }
    out
}

/// Objects of `ty` changed here, parents before children, without those
/// held back by an unresolved conflict.
pub(crate) fn collect(conn: &Connection, lib: LibraryId, ty: ObjectKind) -> Result<Vec<Outgoing>> {
    let held = state::conflict_keys(conn, lib, ty)?;
    let order = match ty {
        ObjectKind::Item => "ORDER BY parent_key IS NOT NULL, item_type = 'annotation', id",
        _ => "ORDER BY id",
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT key, data, version, base FROM {} WHERE library_id = ?1 AND synced = 0 {order}",
        ty.table()
    ))?;
    let rows = stmt.query_map([lib.0], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, u64>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key, text, version, base) = row?;
        if held.contains(&key) {
            continue;
        }
        let data: Value = serde_json::from_str(&text)?;
        let base = objects::base_copy(&data, base.as_deref())?;
        out.push(Outgoing {
            payload: payload(&data, base.as_ref(), version),
            key,
            sent_text: text,
        });
    }
    if ty == ObjectKind::Collection {
        parents_first(&mut out);
    }
    Ok(out)
}

/// Orders collections so that each comes after its parent.
fn parents_first(list: &mut Vec<Outgoing>) {
    let parent_of = |o: &Outgoing| {
        o.payload
            .get("parentCollection")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut placed: Vec<Outgoing> = Vec::with_capacity(list.len());
    let mut waiting: Vec<Outgoing> = std::mem::take(list);
    while !waiting.is_empty() {
        let before = waiting.len();
        let keys: Vec<String> = waiting.iter().map(|o| o.key.clone()).collect();
        let (ready, rest): (Vec<Outgoing>, Vec<Outgoing>) = waiting
            .into_iter()
            .partition(|o| parent_of(o).is_none_or(|p| !keys.contains(&p)));
        placed.extend(ready);
        waiting = rest;
        if waiting.len() == before {
            // A cycle: send the rest as they are; the server judges.
            placed.append(&mut waiting);
        }
    }
    *list = placed;
}

/// Records an accepted upload: synced with the server's new version when
/// the object is as it was sent, else the sent copy becomes the base and
/// the later edit stays to be uploaded.
pub(crate) fn mark_uploaded(
    tx: &mut WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    sent: &Outgoing,
    new_version: Option<u64>,
) -> Result<()> {
    let Some(stored) = objects::load(tx, lib, ty, &sent.key)? else {
        return Ok(());
    };
    let version = new_version.unwrap_or(stored.version);
    if stored.text == sent.sent_text {
        // Items store a base equal to their data as such; collections and
        // searches are edited by statements that keep the base as it is.
        let base = match ty {
            ObjectKind::Item => "''",
            _ => "json_set(data, '$.version', ?3)",
        };
        tx.prepare_cached(&format!(
            "UPDATE {} SET version = ?3, synced = 1, changed_fields = '[]',
                data = json_set(data, '$.version', ?3), base = {base}
             WHERE library_id = ?1 AND key = ?2",
            ty.table()
        ))?
        .execute(params![lib.0, sent.key, version])?;
        return Ok(());
    }
    let mut base: Value = serde_json::from_str(&sent.sent_text)?;
    base["version"] = Value::from(version);
    let mut data = stored.data.clone();
    data["version"] = Value::from(version);
    let changed = differing_fields(&base, &data);
    objects::write(
        tx,
        lib,
        ty,
        &data,
        changed.is_empty(),
        &changed,
        Some(&base),
    )
}

/// Deletions made here waiting to be uploaded, by type.
pub(crate) fn pending_deletions(
    conn: &Connection,
    lib: LibraryId,
) -> Result<Vec<(ObjectKind, String)>> {
    let mut stmt = conn.prepare(
        "SELECT object_type, key FROM pending_deletions WHERE library_id = ?1
         ORDER BY object_type, key",
    )?;
    let rows = stmt.query_map([lib.0], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (ty, key) = row?;
        if let Some(ty) = ObjectKind::parse(&ty) {
            out.push((ty, key));
        }
    }
    Ok(out)
}

pub(crate) fn deletion_uploaded(
    tx: &WriteTx<'_>,
    lib: LibraryId,
    ty: ObjectKind,
    keys: &[String],
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "DELETE FROM pending_deletions WHERE library_id = ?1 AND object_type = ?2 AND key = ?3",
    )?;
    for key in keys {
        stmt.execute(params![lib.0, ty.as_str(), key])?;
    }
    Ok(())
}

/// How many objects changed here wait to be uploaded.
pub(crate) fn unsynced_count(conn: &Connection, lib: LibraryId) -> Result<usize> {
    let mut total = 0;
    for ty in ObjectKind::ALL {
        total += conn.query_row(
            &format!(
                "SELECT COUNT(*) FROM {} WHERE library_id = ?1 AND synced = 0",
                ty.table()
            ),
            [lib.0],
            |r| r.get::<_, usize>(0),
        )?;
    }
    Ok(total)
}

/// Whether anything in the file waits to be uploaded: objects changed here
/// (those held by a conflict aside) or deletions made here.
pub(crate) fn waiting_to_upload(conn: &Connection) -> Result<bool> {
    for ty in ObjectKind::ALL {
        let waiting: bool = conn.query_row(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM {} o WHERE o.synced = 0 AND NOT EXISTS (
                    SELECT 1 FROM sync_conflicts s
                     WHERE s.library_id = o.library_id AND s.object_type = ?1 AND s.key = o.key))",
                ty.table()
            ),
            [ty.as_str()],
            |r| r.get(0),
        )?;
        if waiting {
            return Ok(true);
        }
    }
    Ok(
        conn.query_row("SELECT EXISTS (SELECT 1 FROM pending_deletions)", [], |r| {
            r.get(0)
        })?,
    )
}
