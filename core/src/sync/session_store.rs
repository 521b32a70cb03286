//! A sync run's storage around the libraries it syncs: the account the
//! file is bound to and its kept key, the server's remembered capabilities,
//! the group libraries the key reaches, and the sync log. One method per
//! step of `session.rs`, each one SQLite read or transaction (or credential
//! store call) on the blocking pool, as `store.rs` is for one library.

use std::collections::BTreeMap;

use serde_json::json;

use super::credentials::{CredentialStore, KeptIn};
use super::detach::{self, RemovedGroup};
use super::state::{self, Binding, Notice, ObjectRemote};
use crate::error::Result;
use crate::library::{Library, LibraryId, blocking};

/// Where the server's advertised extensions are remembered.
const CAPABILITIES_KEY: &str = "sync.capabilities";

/// A group library as the key reaches it, to be recorded in the file.
pub(crate) struct ReachedGroup {
    pub(crate) group_id: u64,
    pub(crate) metadata_version: u64,
    pub(crate) name: String,
    pub(crate) writable: bool,
}

/// How a library's run ended, for its sync log entry.
pub(crate) struct RunRecord {
    pub(crate) outcome: &'static str,
    pub(crate) counts: serde_json::Value,
    pub(crate) conflicts: usize,
    pub(crate) error_kind: Option<String>,
    pub(crate) message: Option<String>,
}

/// The sync state of a whole library file, as a sync run reads and writes it.
pub(crate) struct SessionStore<'a> {
    library: &'a Library,
}

impl<'a> SessionStore<'a> {
    pub(crate) fn new(library: &'a Library) -> Self {
        Self { library }
    }

    // ---- The account ----

    /// The account the file syncs with, if it has been bound.
    pub(crate) async fn binding(&self) -> Result<Option<Binding>> {
        blocking(self.library, |l| l.binding()).await
    }

    /// The API key kept for `binding`'s account, if any.
    pub(crate) async fn kept_key(
        &self,
        credentials: &CredentialStore,
        binding: &Binding,
    ) -> Result<Option<String>> {
        let store = credentials.clone();
        let key_ref = binding.key_ref.clone();
        blocking(self.library, move |_| store.load(&key_ref)).await
    }

    /// Keeps `key` under `key_ref` in the credential store; says where.
    pub(crate) async fn keep_key(
        &self,
        credentials: &CredentialStore,
        key_ref: String,
        key: String,
    ) -> Result<KeptIn> {
        let store = credentials.clone();
        blocking(self.library, move |_| store.save(&key_ref, &key)).await
    }

    /// Binds the personal library to its account on a first sync.
    pub(crate) async fn bind(&self, binding: Binding, writable: bool) -> Result<()> {
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                state::set_binding(tx, &binding)?;
                state::set_remote(tx, LibraryId::PERSONAL, binding.remote_id, writable)
            })
        })
        .await
    }

    /// Unbinds the file from its account (see [`Library::relink`]).
    pub(crate) async fn relink(&self, credentials: &CredentialStore) -> Result<()> {
        let store = credentials.clone();
        blocking(self.library, move |l| l.relink(&store)).await
    }

    /// The libraries in the file bound to the account, in order.
    pub(crate) async fn bound_libraries(
        &self,
        server_url: &str,
        user_id: u64,
    ) -> Result<Vec<(LibraryId, ObjectRemote)>> {
        let url = server_url.to_owned();
        blocking(self.library, move |l| {
            l.db.read(|c| state::bound_libraries(c, &url, user_id))
        })
        .await
    }

    // ---- The server ----

    /// The server's extensions as last remembered (JSON text), if any.
    pub(crate) async fn remembered_capabilities(&self) -> Result<Option<String>> {
        blocking(self.library, |l| {
            l.db.read(|c| state::meta_value(c, CAPABILITIES_KEY))
        })
        .await
    }

    /// Remembers the server's extensions (JSON text).
    pub(crate) async fn remember_capabilities(&self, record: String) -> Result<()> {
        blocking(self.library, move |l| {
            l.db.write(|tx| state::set_meta_value(tx, CAPABILITIES_KEY, &record))
        })
        .await
    }

    // ---- Group libraries ----

    /// Removes (or, holding local changes, detaches) the group libraries the
    /// key no longer reaches; `reachable` maps group ids to metadata versions.
    pub(crate) async fn remove_unreachable_groups(
        &self,
        server_url: &str,
        user_id: u64,
        reachable: BTreeMap<u64, u64>,
    ) -> Result<Vec<RemovedGroup>> {
        let url = server_url.to_owned();
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                let mut removed = Vec::new();
                for (lib, group_id) in detach::unreachable_groups(tx, &url, user_id, &reachable)? {
                    removed.push(detach::remove_or_detach(tx, lib, group_id)?);
                }
                Ok(removed)
            })
        })
        .await
    }

    /// The library holding group `group_id` and the group metadata version
    /// it was last recorded at.
    pub(crate) async fn group_library(
        &self,
        server_url: &str,
        user_id: u64,
        group_id: u64,
    ) -> Result<Option<(LibraryId, u64)>> {
        let url = server_url.to_owned();
        blocking(self.library, move |l| {
            l.db.read(|c| state::group_library(c, &url, user_id, group_id))
        })
        .await
    }

    /// Records a reached group: refreshes the name and write access of the
    /// library `known` holds it in, or adds a library bound to it.
    pub(crate) async fn record_group(
        &self,
        server_url: &str,
        user_id: u64,
        key_ref: String,
        known: Option<LibraryId>,
        group: ReachedGroup,
    ) -> Result<()> {
        let url = server_url.to_owned();
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                let lib = match known {
                    Some(lib) => {
                        state::set_group_details(tx, lib, &group.name, group.writable)?;
                        lib
                    }
                    None => {
                        let lib = state::add_group_library(
                            tx,
                            &group.name,
                            group.group_id,
                            group.writable,
                        )?;
                        state::set_binding(
                            tx,
                            &Binding {
                                library: lib.0,
                                server_url: url.clone(),
                                user_id,
                                remote_kind: "group".into(),
                                remote_id: group.group_id,
                                key_ref: key_ref.clone(),
                                bound_at: tx.now.clone(),
                            },
                        )?;
                        lib
                    }
                };
                state::set_metadata_version(tx, lib, group.metadata_version)
            })
        })
        .await
    }

    // ---- The sync log ----

    /// Logs a failed run against the personal library, unless a library of
    /// the run logged its failure already (the server went away during
    /// the run: one entry says so, not two).
    pub(crate) async fn log_failed_run(
        &self,
        run_id: String,
        error_kind: &'static str,
        message: String,
    ) -> Result<()> {
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                // A library that failed the same way has its entry already.
                if state::run_failed(tx, &run_id)? {
                    return Ok(());
                }
                let id = state::log_start(tx, &run_id, LibraryId::PERSONAL)?;
                state::log_finish(
                    tx,
                    id,
                    "failed",
                    &json!({}),
                    0,
                    Some(error_kind),
                    Some(&message),
                )
            })
        })
        .await
    }

    /// Starts library `id`'s log entry for `run_id`: the entry's id, the
    /// library's name and the last notice before the run.
    pub(crate) async fn start_library_log(
        &self,
        run_id: String,
        id: LibraryId,
    ) -> Result<(i64, String, i64)> {
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                let name = state::library_name(tx, id)?;
                Ok((
                    state::log_start(tx, &run_id, id)?,
                    name,
                    state::last_notice_id(tx)?,
                ))
            })
        })
        .await
    }

    /// Library `id`'s open conflicts and the notices written since notice
    /// `since`.
    pub(crate) async fn conflicts_and_notices(
        &self,
        id: LibraryId,
        since: i64,
    ) -> Result<(usize, Vec<Notice>)> {
        blocking(self.library, move |l| {
            l.db.read(|c| Ok((state::conflict_count(c, id)?, state::notices(c, id, since)?)))
        })
        .await
    }

    /// Finishes log entry `log_id` with how the run ended.
    pub(crate) async fn finish_library_log(&self, log_id: i64, record: RunRecord) -> Result<()> {
        blocking(self.library, move |l| {
            l.db.write(|tx| {
                state::log_finish(
                    tx,
                    log_id,
                    record.outcome,
                    &record.counts,
                    record.conflicts,
                    record.error_kind.as_deref(),
                    record.message.as_deref(),
                )
            })
        })
        .await
    }
}
