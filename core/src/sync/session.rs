//! Running a sync: binding the library file to an account on first use,
//! finding every library the key reaches (the personal one and shared
//! groups), syncing each, and writing what happened to the sync log.

use std::sync::Arc;

use serde_json::{Value, json};
use shelfmark_protocol::ObjectKey;

use super::client::{ApiClient, KeyInfo, RemoteLibrary};
use super::credentials::{CredentialStore, key_reference};
use super::detach::RemovedGroup;
use super::engine::LibraryRun;
use super::error::{SyncError, SyncErrorKind};
use super::session_store::{ReachedGroup, RunRecord, SessionStore};
use super::state::{self, Binding};
use super::types::{
    LibraryReport, SyncCancel, SyncOptions, SyncProgress, SyncReport, SyncResetMode, SyncResult,
    SyncStage,
};
use crate::error::{Error, Result};
use crate::library::blocking;
use crate::library::{Library, LibraryId};

/// How long the server's advertised extensions are remembered.
const CAPABILITIES_TTL: time::Duration = time::Duration::DAY;

fn normalize_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

fn error_kind_of(err: &Error) -> &'static str {
    match err {
        Error::Sync(e) => e.kind.as_str(),
        _ => "library",
    }
}

/// Whether the key may write to group `id`.
fn group_writable(info: &KeyInfo, id: u64) -> bool {
    let groups = &info.access.groups;
    groups
        .get(&id.to_string())
        .or_else(|| groups.get("all"))
        .is_some_and(|g| g.write)
}

impl Library {
    /// The account this library file syncs with, if it has been bound.
    pub fn binding(&self) -> Result<Option<Binding>> {
        self.db.read(|c| state::binding(c, LibraryId::PERSONAL))
    }

    /// Unbinds the library file from its account so that the next sync may
    /// use another one. Everything stays here; the sync state is reset so
    /// that the next sync joins identical references instead of
    /// duplicating them. The kept API key is forgotten.
    pub fn relink(&self, credentials: &CredentialStore) -> Result<()> {
        let old = self.binding()?;
        self.db.write(|tx| state::forget_sync_state(tx))?;
        if let Some(old) = old {
            credentials.remove(&old.key_ref)?;
        }
        Ok(())
    }

    /// Signs this file out of its account: revokes this device's key on the
    /// server, then unbinds the file as [`Library::relink`] does. Returns
    /// whether the server revoked the key; when it cannot be reached the
    /// file is signed out all the same, and the key stays valid online until
    /// it is revoked on the server's "Devices and keys" page.
    pub async fn sign_out(&self, credentials: &CredentialStore) -> Result<bool> {
        let store = SessionStore::new(self);
        let kept = match store.binding().await? {
            Some(binding) => store
                .kept_key(credentials, &binding)
                .await?
                .map(|key| (binding.server_url, key)),
            None => None,
        };
        let revoked = match kept {
            Some((server_url, key)) => match super::sign_in::revoke_key(&server_url, &key).await {
                Ok(()) => true,
                Err(e) => {
                    log::warn!("signing out: the server did not revoke the key: {e}");
                    false
                }
            },
            None => false,
        };
        store.relink(credentials).await?;
        Ok(revoked)
    }

    /// Syncs every library of this file bound to the account (binding the
    /// file on its first sync): the personal library and every group library
    /// the key reaches. One library failing does not stop the others; an
    /// account-level failure (bad key, server unreachable) is an error.
    /// Only one sync of a file runs at a time: a call made while one runs
    /// waits for it and returns its result (unless that run was stopped by
    /// whoever started it: this call then runs its own).
    pub async fn sync(&self, options: &SyncOptions) -> Result<SyncReport> {
        loop {
            let result = self
                .sync_once_at_a_time(self.sync_resetting(options, None))
                .await;
            // The run this call joined was stopped by whoever started it
            // (an automatic sync being switched off, say), not by this
            // caller: this caller still wants its sync.
            let cancelled_by_another = stopped(&result)
                && !options
                    .cancel
                    .as_ref()
                    .is_some_and(SyncCancel::is_cancelled);
            if !cancelled_by_another {
                return result;
            }
        }
    }

    /// A sync run, preparing each library for a sync reset first if asked.
    pub(crate) async fn sync_resetting(
        &self,
        options: &SyncOptions,
        reset: Option<SyncResetMode>,
    ) -> Result<SyncReport> {
        let run_id = format!(
            "{}-{}",
            crate::time::now_timestamp(),
            ObjectKey::random().as_str()
        );
        match self.sync_run(options, &run_id, reset).await {
            Ok(report) => Ok(report),
            Err(err) => {
                // The failure is logged against the personal library.
                let logged = SessionStore::new(self)
                    .log_failed_run(run_id, error_kind_of(&err), err.to_string())
                    .await;
                if let Err(e) = logged {
                    log::warn!("logging a failed sync: {e}");
                }
                Err(err)
            }
        }
    }

    async fn sync_run(
        &self,
        options: &SyncOptions,
        run_id: &str,
        reset: Option<SyncResetMode>,
    ) -> Result<SyncReport> {
        let emit = |phase| {
            if let Some(p) = &options.progress {
                p(&SyncProgress {
                    library: LibraryId::PERSONAL,
                    phase,
                    object: None,
                    done: 0,
                    total: 0,
                });
            }
        };
        emit(SyncStage::Connecting);
        let store = SessionStore::new(self);
        let binding = store.binding().await?;
        let server_url = match (&options.server_url, &binding) {
            (Some(url), Some(b)) if normalize_url(url) != normalize_url(&b.server_url) => {
                return Err(refused_binding(b));
            }
            (Some(url), _) => normalize_url(url),
            (None, Some(b)) => b.server_url.clone(),
            (None, None) => {
                return Err(Error::invalid(
                    "this library has never synced: give the server's address (--server URL) and an API key",
                ));
            }
        };
        let given_key = options.api_key.clone().filter(|k| !k.trim().is_empty());
        let key = match (&given_key, &binding) {
            (Some(k), _) => k.trim().to_owned(),
            (None, Some(b)) => {
                store
                    .kept_key(&options.credentials, b)
                    .await?
                    .ok_or_else(|| {
                        Error::Sync(SyncError::new(
                            SyncErrorKind::Auth,
                            "No API key is kept for this account; give it again (--key-stdin or SHELFMARK_API_KEY).",
                        ))
                    })?
            }
            (None, None) => {
                return Err(Error::invalid(
                    "this library has never synced: give an API key (--key-stdin or SHELFMARK_API_KEY)",
                ));
            }
        };
        let mut client = ApiClient::new(&server_url, &key)?;
        if let Some(wait) = options.max_retry_wait {
            client = client.with_max_retry_wait(wait);
        }
        self.learn_capabilities(&mut client).await?;
        if let Some(max) = options.max_page_size {
            client.limit_page_size(max);
        }
        let client = Arc::new(client);

        // The key's owner is checked when the file is bound or a key given.
        let mut info: Option<KeyInfo> = None;
        if binding.is_none() || given_key.is_some() {
            let fetched = client.key_info().await?;
            if let Some(want) = options.user_id
                && want != fetched.user_id
            {
                return Err(Error::Sync(SyncError::new(
                    SyncErrorKind::Binding,
                    format!(
                        "This API key belongs to user {}, not user {want}.",
                        fetched.user_id
                    ),
                )));
            }
            if let Some(b) = &binding
                && b.user_id != fetched.user_id
            {
                return Err(refused_binding(b));
            }
            info = Some(fetched);
        }
        let user_id = match (&binding, &info) {
            (Some(b), _) => b.user_id,
            (None, Some(i)) => i.user_id,
            (None, None) => unreachable_binding()?,
        };
        let key_ref = key_reference(&server_url, user_id);
        if binding.is_none() {
            let b = Binding {
                library: LibraryId::PERSONAL.0,
                server_url: server_url.clone(),
                user_id,
                remote_kind: "user".into(),
                remote_id: user_id,
                key_ref: key_ref.clone(),
                bound_at: crate::time::now_timestamp(),
            };
            let writable = info.as_ref().is_some_and(|i| i.access.user.write);
            store.bind(b, writable).await?;
        }
        if let Some(k) = given_key {
            store
                .keep_key(&options.credentials, key_ref.clone(), k)
                .await?;
        }

        let mut report = SyncReport {
            run_id: run_id.to_owned(),
            libraries: Vec::new(),
            removed_groups: Vec::new(),
        };
        // With the group-versions extension the personal library goes
        // first: its first answer carries the account's groups, so no
        // request is spent on the group list.
        let wanted = |id: &LibraryId| {
            options
                .only_libraries
                .as_ref()
                .is_none_or(|only| only.contains(id))
        };
        let mut synced_first = None;
        if client.asks_group_versions()
            && options.only_libraries.is_none()
            && let Some((id, remote)) = store
                .bound_libraries(&server_url, user_id)
                .await?
                .into_iter()
                .find(|(_, remote)| !remote.group)
        {
            SyncCancel::check(options.cancel.as_ref())?;
            report.libraries.push(
                self.sync_one(&client, options, run_id, id, remote.library(), reset)
                    .await?,
            );
            synced_first = Some(id);
            unless_unreachable(&client)?;
        }
        if options.only_libraries.is_none() {
            report.removed_groups = self
                .discover_groups(&client, &server_url, user_id, &mut info)
                .await?;
        }
        for (id, remote) in store.bound_libraries(&server_url, user_id).await? {
            if synced_first == Some(id) || !wanted(&id) {
                continue;
            }
            SyncCancel::check(options.cancel.as_ref())?;
            report.libraries.push(
                self.sync_one(&client, options, run_id, id, remote.library(), reset)
                    .await?,
            );
            unless_unreachable(&client)?;
        }
        emit(SyncStage::Done);
        Ok(report)
    }

    /// Sets the client up for the server's extensions (large pages), asking
    /// the server at most once a day and remembering its answer in the file.
    async fn learn_capabilities(&self, client: &mut ApiClient) -> Result<()> {
        let store = SessionStore::new(self);
        let server = client.base_url().to_owned();
        let kept = store
            .remembered_capabilities()
            .await?
            .and_then(|text| serde_json::from_str::<Value>(&text).ok());
        let now = crate::time::now_timestamp();
        let fresh = kept.as_ref().filter(|k| {
            k["server"].as_str() == Some(server.as_str())
                && k["checked"]
                    .as_str()
                    .and_then(crate::time::parse_timestamp)
                    .zip(crate::time::parse_timestamp(&now))
                    .is_some_and(|(checked, now)| now - checked < CAPABILITIES_TTL)
        });
        if let Some(kept) = fresh {
            if let Some(limit) = kept["largePages"].as_u64() {
                client.use_large_pages(u32::try_from(limit).unwrap_or(u32::MAX));
            }
            if kept["groupVersions"].as_bool() == Some(true) {
                client.ask_group_versions();
            }
            return Ok(());
        }
        let caps = client.discover_capabilities().await?.unwrap_or_default();
        let limit = caps.extensions.large_pages.map(|l| l.max_limit);
        let group_versions = caps.extensions.group_versions.is_some();
        if group_versions {
            client.ask_group_versions();
        }
        let record = json!({
            "server": server,
            "largePages": limit,
            "groupVersions": group_versions,
            "checked": now,
        })
        .to_string();
        store.remember_capabilities(record).await
    }

    /// Finds the group libraries the key reaches: new ones get a library of
    /// their own in this file; changed ones have their name and write access
    /// refreshed.
    async fn discover_groups(
        &self,
        client: &ApiClient,
        server_url: &str,
        user_id: u64,
        info: &mut Option<KeyInfo>,
    ) -> Result<Vec<RemovedGroup>> {
        let groups = match client.seen_group_versions() {
            Some(groups) => groups,
            None => client.group_versions(user_id).await?,
        };
        let store = SessionStore::new(self);
        let removed = store
            .remove_unreachable_groups(server_url, user_id, groups.clone())
            .await?;
        // The downloaded files of a removed library go with it (they are
        // online; nothing in it was unsynced).
        for gone in removed.iter().filter(|g| !g.kept) {
            let folder = self.attachments_dir().join(gone.library.to_string());
            if let Err(e) = tokio::fs::remove_dir_all(&folder).await
                && e.kind() != std::io::ErrorKind::NotFound
            {
                log::warn!("could not remove {}: {e}", folder.display());
            }
        }
        for (group_id, metadata_version) in groups {
            let known = store.group_library(server_url, user_id, group_id).await?;
            if known.is_some_and(|(_, v)| v == metadata_version) {
                continue;
            }
            if info.is_none() {
                *info = Some(client.key_info().await?);
            }
            let writable = info.as_ref().is_some_and(|i| group_writable(i, group_id));
            let group = client.group(group_id).await?;
            let name = group
                .pointer("/data/name")
                .and_then(Value::as_str)
                .unwrap_or("Group library")
                .to_owned();
            let reached = ReachedGroup {
                group_id,
                metadata_version,
                name,
                writable,
            };
            let key_ref = key_reference(server_url, user_id);
            store
                .record_group(
                    server_url,
                    user_id,
                    key_ref,
                    known.map(|(lib, _)| lib),
                    reached,
                )
                .await?;
        }
        Ok(removed)
    }

    /// Syncs one library and logs the run; failures are reported, not raised.
    async fn sync_one(
        &self,
        client: &Arc<ApiClient>,
        options: &SyncOptions,
        run_id: &str,
        id: LibraryId,
        remote: RemoteLibrary,
        reset: Option<SyncResetMode>,
    ) -> Result<LibraryReport> {
        let store = SessionStore::new(self);
        let library = blocking(self, move |l| l.scoped(id)).await?;
        let (log_id, name, first_notice) = store.start_library_log(run_id.to_owned(), id).await?;
        let mut runner = LibraryRun {
            library: library.clone(),
            client: Arc::clone(client),
            remote,
            concurrency: if options.concurrency == 0 {
                4
            } else {
                options.concurrency
            },
            confirm_deletions: options.confirm_deletions,
            progress: options.progress.clone(),
            report: LibraryReport::new(id, name, remote),
            reset,
            cancel: options.cancel.clone(),
        };
        let result = runner.run().await;
        let mut report = runner.report;
        if let Err(err) = &result {
            report.outcome = SyncResult::Failed;
            report.error_kind = Some(error_kind_of(err).to_owned());
            report.error = Some(err.to_string());
        } else {
            // Files move after the metadata; their failures never fail it.
            report.files = crate::files::sync_files(&library, client, remote).await;
            for failed in &report.files.failed {
                report.problems.push(format!(
                    "file of {}: {}",
                    failed.key,
                    failed.error.as_deref().unwrap_or("failed")
                ));
                if report.error_kind.is_none() {
                    report.error_kind = failed.error_kind.clone();
                }
            }
        }
        let (conflicts, notices) = store.conflicts_and_notices(id, first_notice).await?;
        report.conflicts = conflicts;
        report.notices = notices;
        if report.outcome != SyncResult::Failed {
            report.outcome = if !report.pending_deletions.is_empty() {
                SyncResult::ConfirmDeletions
            } else if conflicts > 0 {
                SyncResult::Conflicts
            } else {
                SyncResult::Synced
            };
        }
        let message = report.error.clone().or_else(|| {
            let mut parts: Vec<String> = report.problems.clone();
            if report.read_only_kept > 0 {
                parts.push(format!(
                    "read-only library: {} local change(s) kept here, not uploaded",
                    report.read_only_kept
                ));
            }
            if !report.pending_deletions.is_empty() {
                parts.push(format!(
                    "{} deletion(s) wait for confirmation",
                    report.pending_deletions.len()
                ));
            }
            (!parts.is_empty()).then(|| parts.join("; "))
        });
        let record = RunRecord {
            outcome: report.outcome.as_str(),
            counts: report.counts_json(),
            conflicts,
            error_kind: report.error_kind.clone(),
            message,
        };
        store.finish_library_log(log_id, record).await?;
        Ok(report)
    }
}

/// Whether a run ended because it was asked to stop.
fn stopped(result: &Result<SyncReport>) -> bool {
    let cancelled = SyncErrorKind::Cancelled.as_str();
    match result {
        Ok(report) => report
            .libraries
            .iter()
            .any(|l| l.error_kind.as_deref() == Some(cancelled)),
        Err(err) => error_kind_of(err) == cancelled,
    }
}

/// A server that could not be reached fails the whole run (an account-level
/// error): the libraries not synced yet would only wait through the same
/// connection retries to fail the same way.
fn unless_unreachable(client: &ApiClient) -> Result<()> {
    match client.unreachable() {
        Some(err) => Err(err.into()),
        None => Ok(()),
    }
}

fn refused_binding(b: &Binding) -> Error {
    Error::Sync(SyncError::new(
        SyncErrorKind::Binding,
        format!(
            "This library syncs with user {} at {}; it will not sync with another account. \
             To move it to another account, relink it first (`shelfmark sync relink`).",
            b.user_id, b.server_url
        ),
    ))
}

fn unreachable_binding() -> Result<u64> {
    Err(Error::internal(
        "the account of this library could not be determined",
    ))
}
