//! The words for a sync as it runs and as it ended ("Downloading items: 40
//! of 120", "Synced: 3 references downloaded, 1 uploaded · 2 conflicts to
//! resolve") and for the kinds of sync errors, so that both apps say them
//! alike.

use crate::sync::{SyncProgressEvent, SyncResult, SyncStage, SyncSummary};

/// "1 reference" / "3 references".
fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn stage_name(stage: SyncStage) -> &'static str {
    match stage {
        SyncStage::Connecting => "Connecting",
        SyncStage::Checking => "Checking for changes",
        SyncStage::Downloading => "Downloading",
        SyncStage::ApplyingDeletions => "Applying deletions",
        SyncStage::Uploading => "Uploading",
        SyncStage::UploadingDeletions => "Uploading deletions",
        SyncStage::Indexing => "Indexing for search",
        SyncStage::Done => "Done",
    }
}

/// What a stage works on, in the plural a progress line uses.
fn objects_word(object_type: &str) -> &str {
    match object_type {
        "item" => "items",
        "collection" => "collections",
        "search" => "saved searches",
        other => other,
    }
}

/// One line for a running sync's progress: "Connecting", "Downloading
/// items: 40 of 120", "Indexing for search: 3 of 9".
#[uniffi::export]
pub fn sync_progress_text(event: SyncProgressEvent) -> String {
    let name = stage_name(event.stage);
    let what = event
        .object_type
        .as_deref()
        .map(|t| format!(" {}", objects_word(t)))
        .unwrap_or_default();
    if event.total > 0 {
        format!(
            "{name}{what}: {} of {}",
            event.done.min(event.total),
            event.total
        )
    } else {
        format!("{name}{what}")
    }
}

/// One line for a finished sync: "Up to date", or what it downloaded and
/// uploaded, the conflicts and held deletions it left, each library that
/// failed with its error, and each whose files did not all move ("Synced:
/// 3 references downloaded, 1 uploaded · 2 conflicts to resolve · Lab:
/// files not synced (Online storage full)").
#[uniffi::export]
pub fn sync_summary_text(summary: SyncSummary) -> String {
    let libraries = &summary.libraries;
    let downloaded: u64 = libraries.iter().map(|l| l.downloaded.items).sum();
    let uploaded: u64 = libraries.iter().map(|l| l.uploaded.items).sum();
    let conflicts: u64 = libraries.iter().map(|l| l.conflicts).sum();
    let held: u64 = libraries.iter().map(|l| l.deletions_to_confirm).sum();
    let failed: Vec<_> = libraries
        .iter()
        .filter(|l| l.result == SyncResult::Failed)
        .collect();
    // A library whose references synced can still report an error kind:
    // that of its files that did not move (an upload refused for storage).
    let files_failed: Vec<_> = libraries
        .iter()
        .filter(|l| l.result != SyncResult::Failed && l.error_kind.is_some())
        .collect();
    if downloaded == 0
        && uploaded == 0
        && conflicts == 0
        && held == 0
        && failed.is_empty()
        && files_failed.is_empty()
    {
        return "Up to date".to_owned();
    }
    let mut parts = Vec::new();
    if failed.len() < libraries.len() {
        parts.push(format!(
            "Synced: {} downloaded, {uploaded} uploaded",
            count(downloaded, "reference", "references")
        ));
    }
    if conflicts > 0 {
        parts.push(format!(
            "{} to resolve",
            count(conflicts, "conflict", "conflicts")
        ));
    }
    if held > 0 {
        parts.push(format!(
            "{} {} for your confirmation",
            count(held, "deletion", "deletions"),
            if held == 1 { "waits" } else { "wait" }
        ));
    }
    for library in failed {
        let why = match (&library.error_kind, &library.error) {
            (Some(kind), _) => sync_error_kind_text(kind.clone()),
            (None, Some(error)) => error.clone(),
            (None, None) => "failed".to_owned(),
        };
        parts.push(format!("{}: {why}", library.name));
    }
    for library in files_failed {
        let why = library
            .error_kind
            .clone()
            .map(sync_error_kind_text)
            .unwrap_or_default();
        parts.push(format!("{}: files not synced ({why})", library.name));
    }
    parts.join(" · ")
}

/// What a kind of sync error (`errorKind` of a sync report or log entry)
/// means to the user: "Sign-in problem", "Network problem", "Online
/// storage full"…
#[uniffi::export]
pub fn sync_error_kind_text(kind: String) -> String {
    match kind.as_str() {
        "auth" | "binding" => "Sign-in problem".to_owned(),
        "network" => "Network problem".to_owned(),
        "storage quota" => "Online storage full".to_owned(),
        "rate limited" => "The server asked to slow down".to_owned(),
        "server" => "Server problem".to_owned(),
        "invalid data" => "Data refused or unreadable".to_owned(),
        other => {
            let mut chars = other.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => "Failed".to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{LibrarySyncReport, ObjectCounts};

    fn event(
        stage: SyncStage,
        object_type: Option<&str>,
        done: u64,
        total: u64,
    ) -> SyncProgressEvent {
        SyncProgressEvent {
            library_id: 1,
            stage,
            object_type: object_type.map(str::to_owned),
            done,
            total,
        }
    }

    fn library(name: &str, downloaded: u64, uploaded: u64) -> LibrarySyncReport {
        LibrarySyncReport {
            library_id: 1,
            name: name.to_owned(),
            remote: "/users/1".to_owned(),
            result: SyncResult::Synced,
            downloaded: ObjectCounts {
                items: downloaded,
                ..ObjectCounts::default()
            },
            uploaded: ObjectCounts {
                items: uploaded,
                ..ObjectCounts::default()
            },
            trashed_here: ObjectCounts::default(),
            deleted_there: ObjectCounts::default(),
            conflicts: 0,
            read_only_kept: 0,
            deletions_to_confirm: 0,
            notices: Vec::new(),
            problems: Vec::new(),
            error_kind: None,
            error: None,
        }
    }

    fn summary(libraries: Vec<LibrarySyncReport>) -> SyncSummary {
        SyncSummary {
            run_id: "run".to_owned(),
            libraries,
        }
    }

    #[test]
    fn progress_names_the_stage_what_it_works_on_and_how_far() {
        assert_eq!(
            sync_progress_text(event(SyncStage::Connecting, None, 0, 0)),
            "Connecting"
        );
        assert_eq!(
            sync_progress_text(event(SyncStage::Downloading, Some("item"), 40, 120)),
            "Downloading items: 40 of 120"
        );
        assert_eq!(
            sync_progress_text(event(SyncStage::Uploading, Some("search"), 1, 2)),
            "Uploading saved searches: 1 of 2"
        );
        assert_eq!(
            sync_progress_text(event(SyncStage::Indexing, None, 3, 9)),
            "Indexing for search: 3 of 9"
        );
        // A count past the total (a batch larger than announced) never reads "12 of 10".
        assert_eq!(
            sync_progress_text(event(SyncStage::Downloading, Some("collection"), 12, 10)),
            "Downloading collections: 10 of 10"
        );
    }

    #[test]
    fn a_sync_that_changed_nothing_is_up_to_date() {
        assert_eq!(
            sync_summary_text(summary(vec![library("My Library", 0, 0)])),
            "Up to date"
        );
    }

    #[test]
    fn summary_counts_every_library_and_what_waits() {
        let mut group = library("Lab", 2, 0);
        group.conflicts = 1;
        group.deletions_to_confirm = 12;
        assert_eq!(
            sync_summary_text(summary(vec![library("My Library", 1, 3), group])),
            "Synced: 3 references downloaded, 3 uploaded · 1 conflict to resolve \
             · 12 deletions wait for your confirmation"
        );
        assert_eq!(
            sync_summary_text(summary(vec![library("My Library", 1, 0)])),
            "Synced: 1 reference downloaded, 0 uploaded"
        );
    }

    #[test]
    fn failed_libraries_are_named_with_what_went_wrong() {
        let mut quota = library("Lab", 0, 0);
        quota.result = SyncResult::Failed;
        quota.error_kind = Some("storage quota".to_owned());
        quota.error = Some("413 from the server".to_owned());
        assert_eq!(
            sync_summary_text(summary(vec![library("My Library", 2, 0), quota.clone()])),
            "Synced: 2 references downloaded, 0 uploaded · Lab: Online storage full"
        );
        // Only failures: no "Synced" part.
        let mut unknown = library("My Library", 0, 0);
        unknown.result = SyncResult::Failed;
        unknown.error = Some("the file is locked".to_owned());
        assert_eq!(
            sync_summary_text(summary(vec![unknown])),
            "My Library: the file is locked"
        );
    }

    #[test]
    fn a_file_upload_refused_for_storage_is_named_though_the_references_synced() {
        let mut full = library("My Library", 0, 0);
        full.error_kind = Some("storage quota".to_owned());
        full.problems = vec!["file of ABCD2345: storage full: 301.0 MB of 300 MB used".into()];
        assert_eq!(
            sync_summary_text(summary(vec![full.clone()])),
            "Synced: 0 references downloaded, 0 uploaded · My Library: files not synced \
             (Online storage full)"
        );
        full.uploaded.items = 2;
        assert_eq!(
            sync_summary_text(summary(vec![full, library("Lab", 1, 0)])),
            "Synced: 1 reference downloaded, 2 uploaded · My Library: files not synced \
             (Online storage full)"
        );
    }

    #[test]
    fn error_kinds_in_words() {
        assert_eq!(sync_error_kind_text("auth".into()), "Sign-in problem");
        assert_eq!(sync_error_kind_text("binding".into()), "Sign-in problem");
        assert_eq!(sync_error_kind_text("network".into()), "Network problem");
        assert_eq!(
            sync_error_kind_text("storage quota".into()),
            "Online storage full"
        );
        assert_eq!(
            sync_error_kind_text("rate limited".into()),
            "The server asked to slow down"
        );
        assert_eq!(
            sync_error_kind_text("conflict loop".into()),
            "Conflict loop"
        );
        assert_eq!(sync_error_kind_text(String::new()), "Failed");
    }
}
