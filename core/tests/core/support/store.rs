//! Looking at the library file from outside the engine: whole-table
//! snapshots (to prove a failed call wrote nothing), sync markers, direct SQL
//! to stand in for the sync, and a recorder of change notifications.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use shelfmark_core::{Change, ChangeKind, Library, ObjectKind, Subscription};

fn connect(lib: &Library) -> Connection {
    Connection::open_with_flags(lib.path(), OpenFlags::SQLITE_OPEN_READ_WRITE)
        .expect("open the library file directly")
}

/// Every stored row of every object table, as text.
pub fn snapshot(lib: &Library) -> String {
    let conn = connect(lib);
    let mut out = String::new();
    for (table, order) in [
        ("items", "id"),
        ("item_tags", "item_id, tag"),
        ("collections", "id"),
        ("collection_items", "collection_key, item_id"),
        ("saved_searches", "id"),
        ("pending_deletions", "object_type, key"),
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .expect("prepare");
        let columns = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut line = String::new();
                for i in 0..columns {
                    let value: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!("{value:?}|"));
                }
                Ok(line)
            })
            .expect("query")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("rows");
        out.push_str(&format!("[{table}]\n{}\n", rows.join("\n")));
    }
    out
}

/// Runs SQL straight on the file, as the sync would when it stores what the
/// server said.
pub fn sql(lib: &Library, statement: &str) {
    connect(lib).execute_batch(statement).expect("direct SQL");
}

/// Pretends an object was uploaded: the server knows it at `version` and
/// the local copy equals the base.
pub fn mark_synced(lib: &Library, table: &str, key: &str, version: u64) {
    sql(
        lib,
        &format!(
            "UPDATE {table} SET version = {version}, synced = 1, changed_fields = '[]' WHERE key = '{key}'"
        ),
    );
}

/// (synced, changed_fields, version) of one object row.
pub fn sync_state(lib: &Library, table: &str, key: &str) -> (bool, Vec<String>, u64) {
    let conn = connect(lib);
    let (synced, changed, version): (bool, String, u64) = conn
        .query_row(
            &format!("SELECT synced, changed_fields, version FROM {table} WHERE key = ?1"),
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("row exists");
    (
        synced,
        serde_json::from_str(&changed).expect("changed_fields is a JSON list"),
        version,
    )
}

/// Rows of pending_deletions as (object_type, key, version).
pub fn pending_deletions(lib: &Library) -> Vec<(String, String, u64)> {
    let conn = connect(lib);
    let mut stmt = conn
        .prepare(
            "SELECT object_type, key, version FROM pending_deletions ORDER BY object_type, key",
        )
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<rusqlite::Result<Vec<_>>>()
        .expect("rows")
}

/// Collects the change sets the library announces.
pub struct Recorder {
    seen: Arc<Mutex<Vec<Vec<Change>>>>,
    _subscription: Subscription,
}

impl Recorder {
    pub fn new(lib: &Library) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let subscription = lib.subscribe(move |set| {
            sink.lock().expect("lock").push(set.changes.clone());
        });
        Self {
            seen,
            _subscription: subscription,
        }
    }

    /// The change sets heard since the last call, one per committed write.
    pub fn take(&self) -> Vec<Vec<Change>> {
        std::mem::take(&mut *self.seen.lock().expect("lock"))
    }

    /// Whether one change set of the last ones heard holds this change.
    pub fn heard(sets: &[Vec<Change>], object: ObjectKind, key: &str, kind: ChangeKind) -> bool {
        sets.iter()
            .flatten()
            .any(|c| c.object == object && c.key.as_str() == key && c.kind == kind)
    }
}
