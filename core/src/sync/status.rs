//! What the sync looks like from outside: status per library, the log of
//! runs, notices, and confirming deletions held back by the guard.

use serde::Serialize;

use super::state::{self, Binding, LogEntry, Notice, PendingDeletion};
use super::upload;
use crate::error::Result;
use crate::library::{Library, LibraryId};
use crate::store::items;

/// The sync state of one library of the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryStatus {
    pub library: i64,
    pub name: String,
    /// `user` or `group`.
    pub kind: String,
    pub editable: bool,
    pub binding: Option<Binding>,
    /// Library version of the last completed pull (0: never).
    pub version: u64,
    /// Objects changed here, waiting to be uploaded.
    pub unsynced: usize,
    /// Objects removed here whose deletion waits to be uploaded.
    pub deletions_to_upload: usize,
    pub conflicts: usize,
    /// Deletions held back until confirmed.
    pub deletions_to_confirm: usize,
    /// Items downloaded whose text beyond titles, creators and years is not
    /// indexed yet (the next sync indexes it).
    pub fulltext_pending: usize,
    pub last_run: Option<LogEntry>,
}

impl Library {
    /// The sync state of every library in the file.
    pub fn sync_status(&self) -> Result<Vec<LibraryStatus>> {
        let libraries = self.libraries()?;
        let log = self.sync_log(1000)?;
        self.db.read(|c| {
            libraries
                .into_iter()
                .map(|info| {
                    let lib = info.id;
                    Ok(LibraryStatus {
                        library: lib.0,
                        name: info.name,
                        kind: info.kind,
                        editable: info.editable,
                        binding: state::binding(c, lib)?,
                        version: state::library_version(c, lib)?,
                        unsynced: upload::unsynced_count(c, lib)?,
                        deletions_to_upload: upload::pending_deletions(c, lib)?.len(),
                        conflicts: state::conflict_count(c, lib)?,
                        deletions_to_confirm: state::pending_deletions(c, Some(lib))?
                            .iter()
                            .filter(|d| !d.confirmed)
                            .count(),
                        fulltext_pending: items::library_backlog_len(c, lib)?,
                        last_run: log.iter().find(|e| e.library == lib.0).cloned(),
                    })
                })
                .collect()
        })
    }

    /// The most recent sync runs, newest first, one entry per library.
    pub fn sync_log(&self, limit: usize) -> Result<Vec<LogEntry>> {
        self.db.read(|c| state::log_entries(c, limit))
    }

    /// What syncs did that deserves attention (restored objects, refused
    /// edits, joined references), oldest first.
    pub fn sync_notices(&self) -> Result<Vec<Notice>> {
        let lib = self.id;
        self.db.read(|c| state::notices(c, lib, 0))
    }

    /// Deletions held back by the guard in every library of the file.
    pub fn deletions_to_confirm(&self) -> Result<Vec<PendingDeletion>> {
        self.db.read(|c| state::pending_deletions(c, None))
    }

    /// Confirms the deletions held back so far; the next sync carries them
    /// out (if it would delete anything more, it asks again). How many.
    pub fn confirm_deletions(&self) -> Result<usize> {
        self.db.write(|tx| {
            Ok(tx.execute(
                "UPDATE sync_pending_deletions SET confirmed = 1 WHERE confirmed = 0",
                [],
            )?)
        })
    }

    /// Library ids of the file that are bound to an account.
    pub fn synced_libraries(&self) -> Result<Vec<LibraryId>> {
        self.db.read(|c| {
            let mut stmt = c.prepare("SELECT library_id FROM sync_bindings ORDER BY library_id")?;
            let rows = stmt.query_map([], |r| Ok(LibraryId(r.get(0)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
