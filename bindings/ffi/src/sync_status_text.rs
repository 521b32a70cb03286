//! The short sync status an app shows in its toolbar or settings ("Synced 3
//! minutes ago", "2 conflicts", "Not signed in", "Online storage is full"),
//! worked out from the sync status and log with a given `now`.

use std::time::{SystemTime, UNIX_EPOCH};

use shelfmark_core::sync::{LibraryStatus, LogEntry};
use shelfmark_core::{self as core, Library};

use crate::error::Result;
use crate::library::LibraryHandle;
use crate::runtime::with_library;

/// Where the file's sync stands, for choosing an icon or colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SyncCondition {
    /// The file is not bound to an account.
    NotSignedIn,
    /// Bound, but no sync has completed yet.
    NotSyncedYet,
    /// Everything is synced.
    UpToDate,
    /// Synced, with changes made here since, waiting for the next sync.
    ChangesWaiting,
    /// Conflicts to resolve or deletions to confirm.
    NeedsAttention,
    /// The last sync of a library failed.
    Failed,
}

/// Why the last sync failed, as an app tells the user what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SyncProblem {
    /// The key was refused or the file is bound to another account: sign in again.
    SignIn,
    /// The account's online storage is full.
    StorageFull,
    /// The server could not be reached.
    Network,
    /// The server failed or answered something unexpected.
    Server,
    /// The server asked to slow down; the next sync retries.
    RateLimited,
    /// The server refused data, or sent data that cannot be read.
    InvalidData,
    /// Anything else.
    Other,
}

/// The sync status in words, with the numbers behind them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStatusText {
    /// For an icon or colour.
    pub condition: SyncCondition,
    /// One short line: "Synced 3 minutes ago", "2 conflicts", "Not signed in"…
    pub headline: String,
    /// A second line where there is more to say: "5 changes not yet
    /// synced", "Last synced yesterday"…
    pub detail: Option<String>,
    /// Why the last sync failed, when it did.
    pub problem: Option<SyncProblem>,
    /// The failed sync's message, fit to show in a details view.
    pub error_message: Option<String>,
    /// Conflicts waiting in every library of the file.
    pub conflicts: u64,
    /// Deletions held back until the user confirms them.
    pub deletions_to_confirm: u64,
    /// Objects changed here that the next sync uploads.
    pub unsynced_changes: u64,
    /// When a sync last completed (ISO 8601, UTC).
    pub last_synced: Option<String>,
}

/// Seconds since 1970 of a stored timestamp (`2024-05-01T12:00:00Z`).
fn epoch_seconds(timestamp: &str) -> Option<i64> {
    let b = timestamp.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| timestamp.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from 1970-01-01 in the proleptic Gregorian calendar (Howard
    // Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// How long ago `timestamp` was at `now`: "just now", "3 minutes ago",
/// "2 hours ago", "yesterday", "4 days ago", or "on 2026-11-30" beyond a week.
fn time_ago(timestamp: &str, now: i64) -> String {
    let Some(then) = epoch_seconds(timestamp) else {
        return format!("on {timestamp}");
    };
    let seconds = (now - then).max(0);
    let (minutes, hours, days) = (seconds / 60, seconds / 3600, seconds / 86_400);
    match (minutes, hours, days) {
        (0, _, _) => "just now".to_owned(),
        (m, 0, _) => format!("{} ago", plural(m as u64, "minute", "minutes")),
        (_, h, 0) => format!("{} ago", plural(h as u64, "hour", "hours")),
        (_, _, 1) => "yesterday".to_owned(),
        (_, _, d) if d < 7 => format!("{d} days ago"),
        _ => format!("on {}", timestamp.get(..10).unwrap_or(timestamp)),
    }
}

fn problem_of(kind: Option<&str>) -> SyncProblem {
    match kind {
        Some("auth" | "binding") => SyncProblem::SignIn,
        Some("storage quota") => SyncProblem::StorageFull,
        Some("network") => SyncProblem::Network,
        Some("server") => SyncProblem::Server,
        Some("rate limited") => SyncProblem::RateLimited,
        Some("invalid data") => SyncProblem::InvalidData,
        _ => SyncProblem::Other,
    }
}

/// The headline for a failed sync.
fn problem_headline(problem: SyncProblem) -> &'static str {
    match problem {
        SyncProblem::SignIn => "Sign in again to sync",
        SyncProblem::StorageFull => "Online storage is full",
        SyncProblem::Network => "Can't reach the server",
        SyncProblem::Server => "The server had a problem",
        SyncProblem::RateLimited => "The server is busy",
        SyncProblem::InvalidData => "Some changes were refused",
        SyncProblem::Other => "Sync failed",
    }
}

/// Which failure to report first when several libraries failed: the ones
/// the user can act on before the ones that pass by themselves.
fn urgency(problem: SyncProblem) -> u8 {
    match problem {
        SyncProblem::SignIn => 0,
        SyncProblem::StorageFull => 1,
        SyncProblem::InvalidData => 2,
        SyncProblem::Network => 3,
        SyncProblem::Server => 4,
        SyncProblem::RateLimited => 5,
        SyncProblem::Other => 6,
    }
}

/// The status text for a file: `bound` to an account or not, its libraries'
/// status, its sync log (newest first), at `now` (seconds since 1970).
fn status_text(
    bound: bool,
    libraries: &[LibraryStatus],
    log: &[LogEntry],
    now: i64,
) -> SyncStatusText {
    let conflicts: u64 = libraries.iter().map(|l| l.conflicts as u64).sum();
    let deletions_to_confirm: u64 = libraries
        .iter()
        .map(|l| l.deletions_to_confirm as u64)
        .sum();
    let unsynced_changes: u64 = libraries
        .iter()
        .map(|l| (l.unsynced + l.deletions_to_upload) as u64)
        .sum();
    let last_synced = log
        .iter()
        .filter(|e| matches!(e.outcome.as_str(), "ok" | "conflicts"))
        .filter_map(|e| e.finished.clone())
        .max();
    // Each library's latest finished run; a run still marked running was
    // interrupted or is under way, and says nothing yet.
    let failure = libraries
        .iter()
        .filter_map(|l| {
            log.iter()
                .find(|e| e.library == l.library && e.finished.is_some())
        })
        .filter(|e| e.outcome == "failed")
        .map(|e| (problem_of(e.error_kind.as_deref()), e))
        .min_by_key(|(problem, _)| urgency(*problem));

    let synced_phrase = last_synced
        .as_deref()
        .map(|t| format!("Synced {}", time_ago(t, now)));
    let mut text = SyncStatusText {
        condition: SyncCondition::UpToDate,
        headline: String::new(),
        detail: None,
        problem: None,
        error_message: None,
        conflicts,
        deletions_to_confirm,
        unsynced_changes,
        last_synced: last_synced.clone(),
    };
    let waiting = (unsynced_changes > 0)
        .then(|| plural(unsynced_changes, "change", "changes") + " not yet synced");

    if !bound {
        text.condition = SyncCondition::NotSignedIn;
        text.headline = "Not signed in".into();
        text.detail = Some("Sign in to sync this library".into());
    } else if let Some((problem, entry)) = failure {
        text.condition = SyncCondition::Failed;
        text.headline = problem_headline(problem).into();
        text.problem = Some(problem);
        text.error_message = entry.message.clone();
        text.detail = Some(match &last_synced {
            Some(t) => format!("Last synced {}", time_ago(t, now)),
            None => "Never synced".into(),
        });
    } else if deletions_to_confirm > 0 {
        text.condition = SyncCondition::NeedsAttention;
        text.headline = plural(deletions_to_confirm, "deletion", "deletions") + " to confirm";
        text.detail = Some("Sync is paused until you confirm or cancel them".into());
    } else if conflicts > 0 {
        text.condition = SyncCondition::NeedsAttention;
        text.headline = plural(conflicts, "conflict", "conflicts");
        text.detail = synced_phrase;
    } else if let Some(synced) = synced_phrase {
        text.condition = if waiting.is_some() {
            SyncCondition::ChangesWaiting
        } else {
            SyncCondition::UpToDate
        };
        text.headline = synced;
        text.detail = waiting;
    } else {
        text.condition = SyncCondition::NotSyncedYet;
        text.headline = "Not synced yet".into();
        text.detail = waiting;
    }
    text
}

fn now_or(now_epoch_seconds: Option<i64>) -> i64 {
    now_epoch_seconds.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}

fn read_status_text(library: &Library, now: i64) -> core::Result<SyncStatusText> {
    let bound = library.binding()?.is_some();
    let libraries = library.sync_status()?;
    let log = library.sync_log(1000)?;
    Ok(status_text(bound, &libraries, &log, now))
}

/// How long ago a stored timestamp (`2026-12-07T09:30:00Z`, as items,
/// conflicts and the sync log give them) was: "just now", "3 minutes ago",
/// "2 hours ago", "yesterday", "4 days ago", or "on 2026-11-30" beyond a
/// week. `nowEpochSeconds` is the current time (the device clock when absent).
#[uniffi::export]
pub fn time_ago_text(timestamp: String, now_epoch_seconds: Option<i64>) -> String {
    time_ago(&timestamp, now_or(now_epoch_seconds))
}

#[uniffi::export]
impl LibraryHandle {
    /// The file's sync status in a few words, for every library of the file:
    /// not signed in, the last failure by kind, deletions to confirm,
    /// conflicts, or when it last synced and what waits to be uploaded.
    /// `nowEpochSeconds` is the current time (the device clock when absent);
    /// call again as time passes to keep "3 minutes ago" true.
    pub async fn sync_status_text(&self, now_epoch_seconds: Option<i64>) -> Result<SyncStatusText> {
        let now = now_or(now_epoch_seconds);
        with_library(&self.library, move |l| read_status_text(l, now)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-12-07T10:00:00Z";

    fn now() -> i64 {
        epoch_seconds(NOW).expect("now")
    }

    #[test]
    fn timestamps_read_as_seconds_since_1970() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_seconds("2000-03-01T00:00:01Z"), Some(951_868_801));
        assert_eq!(epoch_seconds("2026-12-07T10:00:00Z"), Some(1_796_637_600));
        assert_eq!(epoch_seconds("2026-13-07T10:00:00Z"), None);
        assert_eq!(epoch_seconds("yesterday"), None);
    }

    #[test]
    fn times_read_as_people_say_them() {
        let ago = |t: &str| time_ago(t, now());
        assert_eq!(ago("2026-12-07T09:59:30Z"), "just now");
        assert_eq!(ago("2026-12-07T10:00:30Z"), "just now", "a clock ahead");
        assert_eq!(ago("2026-12-07T09:59:00Z"), "1 minute ago");
        assert_eq!(ago("2026-12-07T09:57:00Z"), "3 minutes ago");
        assert_eq!(ago("2026-12-07T08:00:00Z"), "2 hours ago");
        assert_eq!(ago("2026-12-06T09:00:00Z"), "yesterday");
        assert_eq!(ago("2026-12-03T10:00:00Z"), "4 days ago");
        assert_eq!(ago("2026-11-30T10:00:00Z"), "on 2026-11-30");
    }

    fn library(id: i64) -> LibraryStatus {
        LibraryStatus {
            library: id,
            name: if id == 1 { "My Library" } else { "Lab" }.into(),
            kind: if id == 1 { "user" } else { "group" }.into(),
            editable: true,
            binding: None,
            version: 10,
            unsynced: 0,
            deletions_to_upload: 0,
            conflicts: 0,
            deletions_to_confirm: 0,
            fulltext_pending: 0,
            last_run: None,
        }
    }

    fn run(id: i64, library: i64, finished: Option<&str>, outcome: &str) -> LogEntry {
        LogEntry {
            id,
            run_id: format!("run{id}"),
            library,
            started: "2026-12-07T09:00:00Z".into(),
            finished: finished.map(str::to_owned),
            outcome: outcome.into(),
            counts: serde_json::Value::Null,
            conflicts: 0,
            error_kind: None,
            message: None,
        }
    }

    #[test]
    fn an_unbound_file_is_not_signed_in() {
        let text = status_text(false, &[library(1)], &[], now());
        assert_eq!(text.condition, SyncCondition::NotSignedIn);
        assert_eq!(text.headline, "Not signed in");
    }

    #[test]
    fn a_synced_file_says_when_and_what_waits() {
        let mut libraries = [library(1), library(2)];
        let log = [
            run(4, 2, Some("2026-12-07T09:57:00Z"), "ok"),
            run(3, 1, Some("2026-12-07T09:57:00Z"), "ok"),
        ];
        let text = status_text(true, &libraries, &log, now());
        assert_eq!(text.condition, SyncCondition::UpToDate);
        assert_eq!(text.headline, "Synced 3 minutes ago");
        assert_eq!(text.detail, None);

        libraries[1].unsynced = 4;
        libraries[0].deletions_to_upload = 1;
        let text = status_text(true, &libraries, &log, now());
        assert_eq!(text.condition, SyncCondition::ChangesWaiting);
        assert_eq!(text.detail.as_deref(), Some("5 changes not yet synced"));

        libraries[1].conflicts = 2;
        let text = status_text(true, &libraries, &log, now());
        assert_eq!(text.condition, SyncCondition::NeedsAttention);
        assert_eq!(text.headline, "2 conflicts");
        assert_eq!(text.detail.as_deref(), Some("Synced 3 minutes ago"));

        libraries[0].deletions_to_confirm = 1;
        let text = status_text(true, &libraries, &log, now());
        assert_eq!(text.headline, "1 deletion to confirm");
    }

    #[test]
    fn the_latest_failure_is_named_by_kind_and_a_later_success_clears_it() {
        let libraries = [library(1), library(2)];
        let mut quota = run(6, 1, Some("2026-12-07T09:00:00Z"), "failed");
        quota.error_kind = Some("storage quota".into());
        quota.message = Some("The account's storage is full".into());
        let mut network = run(5, 2, Some("2026-12-07T09:00:00Z"), "failed");
        network.error_kind = Some("network".into());
        let earlier = run(2, 1, Some("2026-12-06T08:00:00Z"), "ok");
        let log = [quota.clone(), network.clone(), earlier.clone()];
        let text = status_text(true, &libraries, &log, now());
        assert_eq!(text.condition, SyncCondition::Failed);
        assert_eq!(text.problem, Some(SyncProblem::StorageFull));
        assert_eq!(text.headline, "Online storage is full");
        assert_eq!(text.detail.as_deref(), Some("Last synced yesterday"));
        assert_eq!(
            text.error_message.as_deref(),
            Some("The account's storage is full")
        );

        // A later success of library 1 leaves the group's network failure;
        // a run still under way changes nothing.
        let log = [
            run(8, 1, None, "running"),
            run(7, 1, Some("2026-12-07T09:30:00Z"), "ok"),
            quota,
            network,
            earlier,
        ];
        let text = status_text(true, &libraries, &log, now());
        assert_eq!(text.problem, Some(SyncProblem::Network));
        assert_eq!(text.detail.as_deref(), Some("Last synced 30 minutes ago"));
    }

    #[test]
    fn a_bound_file_without_a_completed_sync_is_not_synced_yet() {
        let log = [run(1, 1, None, "running")];
        let text = status_text(true, &[library(1)], &log, now());
        assert_eq!(text.condition, SyncCondition::NotSyncedYet);
        assert_eq!(text.headline, "Not synced yet");
    }
}
