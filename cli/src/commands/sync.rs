//! Sync commands: sync (binding on first use), status, log, relink, and
//! the conflicts it leaves: listing, resolving, and their history.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use shelfmark_core::Library;
use shelfmark_core::sync::{
    AutoSyncConfig, CredentialStore, LibraryReport, Resolution, SyncOptions, SyncProgress,
    SyncReport, SyncResetMode, SyncResult, SyncStage,
};

use tokio::runtime::Runtime;

use crate::args::{ConflictHistoryArgs, JsonOut, ResetSyncArgs, ResolveArgs, SyncAction, SyncArgs};
use crate::output;
use crate::progress::Progress;

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn phase_label(p: &SyncProgress) -> String {
    let what = p
        .object
        .map(|o| format!(" {}s", o.as_str()))
        .unwrap_or_default();
    let phase = match p.phase {
        SyncStage::Connecting => "connecting",
        SyncStage::Checking => "checking",
        SyncStage::Downloading => "downloading",
        SyncStage::ApplyingDeletions => "applying deletions",
        SyncStage::Uploading => "uploading",
        SyncStage::UploadingDeletions => "uploading deletions",
        SyncStage::Indexing => "indexing full text",
        SyncStage::Done => "done",
    };
    format!("library {}: {phase}{what}", p.library.0)
}

/// A progress bar per phase, on a terminal only.
fn progress_callback() -> shelfmark_core::sync::ProgressCallback {
    let current: Mutex<Option<(String, Progress)>> = Mutex::new(None);
    Arc::new(move |p: &SyncProgress| {
        if p.total == 0 {
            return;
        }
        let label = phase_label(p);
        let mut slot = current.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_none_or(|(l, _)| *l != label) {
            if let Some((_, old)) = slot.take() {
                old.finish();
            }
            *slot = Some((label.clone(), Progress::new(&label)));
        }
        if let Some((_, bar)) = slot.as_ref() {
            bar.update(p.done, p.total);
            if p.done >= p.total {
                bar.finish();
            }
        }
    })
}

pub fn sync(library: &Library, args: SyncArgs, runtime: &Runtime) -> Result<()> {
    match args.action {
        Some(SyncAction::Status(out)) => return status(library, out),
        Some(SyncAction::Log { limit, out }) => return log(library, limit, out),
        Some(SyncAction::Relink(out)) => return relink(library, out),
        Some(SyncAction::SignOut(out)) => return sign_out(library, out, runtime),
        None => {}
    }
    let mut user_id = args.user;
    let api_key = match (&args.email, &args.server) {
        (Some(email), Some(server)) => {
            let signed_in = sign_in(
                server,
                email,
                args.password_stdin,
                args.device_name,
                runtime,
            )?;
            if user_id.is_some_and(|id| id != signed_in.user_id) {
                bail!(
                    "{email} is user {} on {server}, not user {}",
                    signed_in.user_id,
                    user_id.unwrap_or_default()
                );
            }
            user_id = Some(signed_in.user_id);
            Some(signed_in.api_key)
        }
        _ => read_key(args.key_stdin)?,
    };
    if args.confirm_deletions {
        library.confirm_deletions()?;
    }
    let options = SyncOptions {
        server_url: args.server,
        user_id,
        api_key,
        credentials: CredentialStore::System,
        confirm_deletions: args.confirm_deletions,
        progress: Some(progress_callback()),
        ..SyncOptions::default()
    };
    if args.auto {
        return auto(library, options, args.interval, args.out, runtime);
    }
    let report = runtime.block_on(library.sync(&options))?;
    print_report(&report, args.out)
}

/// `sync --auto`: syncs in the background until Ctrl-C, printing each run,
/// then syncs once more and stops.
fn auto(
    library: &Library,
    options: SyncOptions,
    interval: u64,
    out: JsonOut,
    runtime: &Runtime,
) -> Result<()> {
    let config = AutoSyncConfig {
        interval: std::time::Duration::from_secs(interval.max(1)),
        on_run: Some(Arc::new(move |result| match result {
            Ok(report) => {
                let _ = print_report(report, out);
            }
            Err(err) => eprintln!("sync failed: {err}"),
        })),
        ..AutoSyncConfig::default()
    };
    let options = SyncOptions {
        progress: None,
        ..options
    };
    let handle = library.start_auto_sync(runtime.handle(), options, config);
    if !out.json {
        eprintln!("syncing automatically every {interval} s and after changes; Ctrl-C to stop");
    }
    runtime
        .block_on(tokio::signal::ctrl_c())
        .context("cannot wait for Ctrl-C")?;
    if !out.json {
        eprintln!("stopping: one last sync");
    }
    runtime.block_on(handle.notify_app_closing())?;
    Ok(())
}

/// The API key from standard input when asked for.
/// Signs in with e-mail address and password; the server's key for this
/// computer, to keep as the first sync keeps any key.
fn sign_in(
    server: &str,
    email: &str,
    password_stdin: bool,
    device_name: Option<String>,
    runtime: &Runtime,
) -> Result<shelfmark_core::sync::SignedIn> {
    shelfmark_core::sync::check_server_url(server)?;
    let password = if password_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the password from standard input")?;
        // One trailing line break is the end of input, not the password.
        let text = text.strip_suffix('\n').unwrap_or(&text);
        text.strip_suffix('\r').unwrap_or(text).to_owned()
    } else {
        rpassword::prompt_password(format!("Password for {email} at {server}: "))
            .context("cannot read the password from the terminal (use --password-stdin)")?
    };
    let device_name = device_name.unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .or_else(|| std::env::var("COMPUTERNAME").ok())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "this computer".into());
        format!("Shelfmark CLI on {host}")
    });
    let signed_in = runtime.block_on(shelfmark_core::sync::sign_in(
        server,
        email,
        &password,
        &device_name,
    ))?;
    eprintln!(
        "signed in as {} (user {}); this computer's key is named {:?} on the server",
        signed_in.username, signed_in.user_id, signed_in.key_name
    );
    Ok(signed_in)
}

/// `sync sign-out`: revokes the key on the server, then unbinds.
fn sign_out(library: &Library, out: JsonOut, runtime: &Runtime) -> Result<()> {
    let old = library.binding()?;
    let revoked = runtime.block_on(library.sign_out(&CredentialStore::System))?;
    if out.json {
        output::json(&json!({"unbound": to_json(&old), "key_revoked": revoked}));
        return Ok(());
    }
    match old {
        Some(b) if revoked => println!(
            "signed out of user {} at {}: the key of this computer is revoked and forgotten;              everything in the library stays",
            b.user_id, b.server_url
        ),
        Some(b) => println!(
            "signed out of user {} at {}, but the server could not be told: revoke this              computer's key on its \"Devices and keys\" page; everything in the library stays",
            b.user_id, b.server_url
        ),
        None => println!("this library was not signed in to any account"),
    }
    Ok(())
}

fn read_key(from_stdin: bool) -> Result<Option<String>> {
    if !from_stdin {
        return Ok(None);
    }
    let mut key = String::new();
    std::io::stdin()
        .read_to_string(&mut key)
        .context("cannot read the API key from standard input")?;
    let key = key.trim().to_owned();
    if key.is_empty() {
        bail!("no API key on standard input");
    }
    Ok(Some(key))
}

fn print_report(report: &SyncReport, out: JsonOut) -> Result<()> {
    if out.json {
        output::json(&to_json(report));
    } else {
        for removed in &report.removed_groups {
            if removed.kept {
                println!(
                    "{} ({}): no longer available to this account; kept here read-only \
                     and no longer synced ({} unsynced change(s))",
                    removed.name, removed.remote, removed.unsynced
                );
            } else {
                println!(
                    "{} ({}): no longer available to this account; removed from this file",
                    removed.name, removed.remote
                );
            }
        }
        for lib in &report.libraries {
            print_library(lib);
        }
    }
    if !report.is_ok() {
        bail!("sync did not complete for every library (see `shelfmark sync log`)");
    }
    Ok(())
}

/// `reset-sync --mode …`: says what would happen, or with `--yes` writes a
/// backup and resets.
pub fn reset(library: &Library, args: ResetSyncArgs, runtime: &Runtime) -> Result<()> {
    let mode = SyncResetMode::parse(&args.mode)?;
    let effect = match mode {
        SyncResetMode::Upload => {
            "the online library will be made equal to this one: everything here is uploaded \
             and what exists only online is deleted there"
        }
        SyncResetMode::Download => {
            "this library will be made equal to the online one: local changes are replaced \
             and items that exist only here go to the trash"
        }
        SyncResetMode::Merge => {
            "versions are forgotten and both sides are joined: identical references pair up, \
             differing fields become conflicts"
        }
    };
    if !args.yes {
        bail!(
            "reset-sync --mode {}: {effect}. A backup is written first. Add --yes to go ahead.",
            mode.as_str()
        );
    }
    let options = SyncOptions {
        api_key: read_key(args.key_stdin)?,
        credentials: CredentialStore::System,
        progress: Some(progress_callback()),
        ..SyncOptions::default()
    };
    let report = runtime.block_on(library.reset_sync(mode, &options))?;
    if args.out.json {
        output::json(&to_json(&report));
        if !report.sync.is_ok() {
            bail!("sync did not complete for every library (see `shelfmark sync log`)");
        }
        return Ok(());
    }
    println!("backup written to {}", report.backup.display());
    print_report(&report.sync, args.out)
}

fn counts_text(c: &shelfmark_core::sync::ObjectCounts) -> String {
    format!(
        "{} item(s), {} collection(s), {} saved search(es)",
        c.items, c.collections, c.searches
    )
}

fn print_library(lib: &LibraryReport) {
    let state = match lib.outcome {
        SyncResult::Synced => "synced",
        SyncResult::Conflicts => "synced, with conflicts to resolve",
        SyncResult::ConfirmDeletions => "stopped: deletions need confirmation",
        SyncResult::Failed => "failed",
    };
    println!("{} ({}): {state}", lib.name, lib.remote);
    if lib.downloaded.total() > 0 {
        println!("  downloaded {}", counts_text(&lib.downloaded));
    }
    if lib.uploaded.total() > 0 {
        println!("  uploaded {}", counts_text(&lib.uploaded));
    }
    let files = &lib.files;
    if files.uploaded + files.linked_existing > 0 {
        println!(
            "  uploaded {} file(s)",
            files.uploaded + files.linked_existing
        );
    }
    if files.downloaded > 0 {
        println!("  downloaded {} file(s)", files.downloaded);
    }
    if files.held_for_unmetered {
        println!("  file downloads wait for an unmetered network");
    }
    if lib.trashed_here.total() > 0 {
        println!(
            "  deleted online, moved to the trash here: {}",
            counts_text(&lib.trashed_here)
        );
    }
    if lib.deleted_there.total() > 0 {
        println!("  deleted online: {}", counts_text(&lib.deleted_there));
    }
    if lib.conflicts > 0 {
        println!(
            "  {} conflict(s): see `shelfmark conflicts`, then `shelfmark resolve`",
            lib.conflicts
        );
    }
    if lib.read_only_kept > 0 {
        println!(
            "  read-only library: {} local change(s) kept here, not uploaded",
            lib.read_only_kept
        );
    }
    if !lib.pending_deletions.is_empty() {
        println!(
            "  {} object(s) would be deleted; run `shelfmark sync --confirm-deletions` to go ahead:",
            lib.pending_deletions.len()
        );
        for d in lib.pending_deletions.iter().take(20) {
            let where_ = if d.direction == "download" {
                "here (to the trash)"
            } else {
                "online"
            };
            println!("    {} {}  {}  — {where_}", d.object_type, d.key, d.title);
        }
        if lib.pending_deletions.len() > 20 {
            println!("    … and {} more", lib.pending_deletions.len() - 20);
        }
    }
    for notice in &lib.notices {
        println!("  note: {}", notice.message);
    }
    for problem in &lib.problems {
        println!("  problem: {problem}");
    }
    if let Some(err) = &lib.error {
        println!(
            "  error ({}): {err}",
            lib.error_kind.as_deref().unwrap_or("unknown")
        );
    }
}

fn status(library: &Library, out: JsonOut) -> Result<()> {
    let status = library.sync_status()?;
    let live = library.live_updates()?;
    if out.json {
        let live = live_updates_json(live.as_ref());
        let entries = status
            .iter()
            .map(|s| {
                let mut entry = to_json(s);
                // The stream follows the libraries the file syncs.
                entry["live_updates"] = if s.binding.is_some() {
                    live.clone()
                } else {
                    Value::Null
                };
                entry
            })
            .collect();
        output::json(&Value::Array(entries));
        return Ok(());
    }
    for s in &status {
        match &s.binding {
            Some(b) => println!(
                "{} [{}]: syncs with {}/{}s/{} as user {}",
                s.name, s.library, b.server_url, b.remote_kind, b.remote_id, b.user_id
            ),
            None => println!("{} [{}]: not synced", s.name, s.library),
        }
        if !s.editable {
            println!("  read-only online");
        }
        println!(
            "  library version {}; {} change(s) and {} deletion(s) to upload; {} conflict(s); {} deletion(s) to confirm",
            s.version, s.unsynced, s.deletions_to_upload, s.conflicts, s.deletions_to_confirm
        );
        if s.fulltext_pending > 0 {
            println!(
                "  {} item(s) found by title, creator and year only until the next sync indexes the rest of their text",
                s.fulltext_pending
            );
        }
        if let Some(run) = &s.last_run {
            println!(
                "  last sync {} ({})",
                run.finished.as_deref().unwrap_or(&run.started),
                if run.finished.is_none() {
                    "interrupted"
                } else {
                    &run.outcome
                }
            );
        }
    }
    if let Some(live) = &live {
        println!("{}", live_updates_line(live));
    }
    Ok(())
}

/// The live-update state for `sync status --json`: `state` (`connected`,
/// `connecting`, `reconnecting`, `unavailable`, `refused` or `off`), the
/// stream's `url` and `since` when that state was entered; `off` with no URL
/// and no time when automatic sync never ran on this file.
fn live_updates_json(live: Option<&shelfmark_core::sync::LiveUpdatesRecord>) -> Value {
    match live {
        Some(live) => json!({
            "state": live.state.as_str(),
            "url": live.url,
            "since": live.since,
        }),
        None => json!({"state": "off", "url": null, "since": null}),
    }
}

/// Whether automatic sync (`sync --auto` or an app) follows the server's
/// stream of changes, as it last recorded in the file.
fn live_updates_line(live: &shelfmark_core::sync::LiveUpdatesRecord) -> String {
    use shelfmark_core::sync::LiveUpdates;
    let url = live.url.as_deref().unwrap_or("the server");
    let what = match live.state {
        LiveUpdates::Connected => format!("connected to {url}"),
        LiveUpdates::Connecting => format!("connecting to {url}"),
        LiveUpdates::Reconnecting => format!("reconnecting to {url}"),
        LiveUpdates::Unavailable => "not offered by the server (syncing on the interval)".into(),
        LiveUpdates::Refused => "refused by the server (syncing on the interval)".into(),
        LiveUpdates::Off => "off (automatic sync is not running)".into(),
    };
    format!("live updates: {what} since {}", live.since)
}

fn log(library: &Library, limit: usize, out: JsonOut) -> Result<()> {
    let entries = library.sync_log(limit)?;
    if out.json {
        output::json(&to_json(&entries));
        return Ok(());
    }
    if entries.is_empty() {
        println!("no sync has run yet");
    }
    for e in &entries {
        let outcome = if e.finished.is_none() {
            "interrupted"
        } else {
            &e.outcome
        };
        let down = &e.counts["downloaded"];
        let up = &e.counts["uploaded"];
        let n = |v: &Value| v["items"].as_u64().unwrap_or(0);
        println!(
            "{}  library {}  {outcome}  down {} up {} item(s)  conflicts {}",
            e.started,
            e.library,
            n(down),
            n(up),
            e.conflicts
        );
        if let Some(m) = &e.message {
            let kind = e
                .error_kind
                .as_deref()
                .map(|k| format!("[{k}] "))
                .unwrap_or_default();
            println!("    {kind}{m}");
        }
    }
    Ok(())
}

fn relink(library: &Library, out: JsonOut) -> Result<()> {
    let old = library.binding()?;
    library.relink(&CredentialStore::System)?;
    if out.json {
        output::json(&json!({"unbound": to_json(&old)}));
    } else {
        match old {
            Some(b) => println!(
                "unbound from user {} at {}; the next sync binds to the account of the key you give \
                 and joins identical references instead of duplicating them",
                b.user_id, b.server_url
            ),
            None => println!("this library was not bound to any account"),
        }
    }
    Ok(())
}

/// Every library of the file, for commands that look across them.
fn all_libraries(library: &Library) -> Result<Vec<Library>> {
    library
        .libraries()?
        .into_iter()
        .map(|info| Ok(library.scoped(info.id)?))
        .collect()
}

pub fn conflicts(library: &Library, out: JsonOut) -> Result<()> {
    let all: Vec<(i64, _)> = library
        .conflicts_in_all_libraries()?
        .into_iter()
        .map(|c| (c.library.0, c.conflict))
        .collect();
    if out.json {
        output::json(&Value::Array(
            all.iter()
                .map(|(lib, c)| {
                    let mut v = to_json(c);
                    v["library"] = json!(lib);
                    v
                })
                .collect(),
        ));
        return Ok(());
    }
    if all.is_empty() {
        println!("no conflicts");
    }
    for (lib, c) in &all {
        println!(
            "{} {}  {}  (library {lib}, since {})",
            c.object_type.as_str(),
            c.key,
            c.title,
            c.created
        );
        for f in &c.fields {
            println!("    {}: here {}  |  online {}", f.field, f.local, f.remote);
        }
    }
    Ok(())
}

pub fn resolve(library: &Library, args: ResolveArgs) -> Result<()> {
    let resolution = match (&args.keep, args.values.is_empty()) {
        (Some(k), _) if k == "local" => Resolution::KeepLocal,
        (Some(_), _) => Resolution::KeepRemote,
        (None, false) => {
            let mut map = BTreeMap::new();
            for pair in &args.values {
                let (field, value) = pair
                    .split_once('=')
                    .with_context(|| format!("{pair}: give FIELD=VALUE"))?;
                map.insert(field.trim().to_owned(), Value::String(value.to_owned()));
            }
            Resolution::Fields(map)
        }
        (None, true) => bail!("say how to resolve: --keep local, --keep remote, or FIELD=VALUE…"),
    };
    if args.all {
        let mut total = 0;
        for lib in all_libraries(library)? {
            total += lib.resolve_all(resolution.clone())?;
        }
        if args.out.json {
            output::json(&json!({"resolved": total}));
        } else {
            println!("resolved {total} conflict(s); the next sync uploads the result");
        }
        return Ok(());
    }
    let key = args.key.unwrap_or_default();
    for lib in all_libraries(library)? {
        if lib.conflicts()?.iter().any(|c| c.key == key) {
            lib.resolve(&key, resolution)?;
            if args.out.json {
                output::json(&json!({"resolved": key}));
            } else {
                println!(
                    "resolved {key}; the version not chosen is in `shelfmark conflict-history`"
                );
            }
            return Ok(());
        }
    }
    bail!("there is no conflict on {key} (see `shelfmark conflicts`)")
}

pub fn history(library: &Library, args: ConflictHistoryArgs) -> Result<()> {
    if let Some(id) = args.restore {
        for lib in all_libraries(library)? {
            if lib.conflict_history()?.iter().any(|h| h.id == id) {
                lib.restore_from_history(id)?;
                if args.out.json {
                    output::json(&json!({"restored": id}));
                } else {
                    println!(
                        "restored the version not chosen in entry {id}; the next sync uploads it"
                    );
                }
                return Ok(());
            }
        }
        bail!("there is no conflict history entry {id}");
    }
    let mut all = Vec::new();
    for lib in all_libraries(library)? {
        all.extend(lib.conflict_history()?);
    }
    if args.out.json {
        output::json(&to_json(&all));
        return Ok(());
    }
    if all.is_empty() {
        println!("no conflicts resolved yet");
    }
    for h in &all {
        let not_chosen = if h.chosen == "local" {
            &h.remote_data
        } else {
            &h.local_data
        };
        println!(
            "#{}  {} {}  {}  kept {} on {}{}",
            h.id,
            h.object_type,
            h.key,
            h.title,
            h.chosen,
            h.resolved_at,
            h.restored_at
                .as_deref()
                .map(|r| format!(" (restored {r})"))
                .unwrap_or_default()
        );
        for f in &h.fields {
            println!(
                "    {f} not chosen: {}",
                not_chosen.get(f).unwrap_or(&Value::Null)
            );
        }
    }
    Ok(())
}
