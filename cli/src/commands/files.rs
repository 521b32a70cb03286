//! Attachment file commands: attach, and `files status|download|evict|
//! policy|budget|open|retry`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Result, bail};
use serde_json::{Value, json};
use shelfmark_core::Library;
use shelfmark_core::files::{
    DownloadOptions, DownloadPolicy, EvictReport, FileFilter, FileProgress, FileState,
    FileStatusKind, Priority,
};
use tokio::runtime::Runtime;

use crate::args::{FileSelection, FilesCommand, JsonOut};
use crate::output;
use crate::progress::Progress;

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// `attach ITEM FILE`.
pub fn attach(library: &Library, item: &str, file: &Path, out: JsonOut) -> Result<()> {
    let attachment = library.attach_file(Some(item), file)?;
    if out.json {
        output::items_json(std::slice::from_ref(&attachment));
    } else {
        println!(
            "{}  {}  (uploaded at the next sync)",
            attachment.key.as_str(),
            attachment.field("title").unwrap_or_default()
        );
    }
    Ok(())
}

pub fn files(library: &Library, cmd: FilesCommand, runtime: &Runtime) -> Result<()> {
    match cmd {
        FilesCommand::Status { select, out } => status(library, &select, out),
        FilesCommand::Download { select, out } => download(library, &select, out, runtime),
        FilesCommand::Evict { select, out } => evict(library, &select, out),
        FilesCommand::Policy {
            mode,
            collections,
            unmetered_only,
            any_network,
            out,
        } => policy(library, mode, collections, unmetered_only, any_network, out),
        FilesCommand::Budget { size, out } => budget(library, &size, out),
        FilesCommand::Open { key } => open(library, &key, runtime),
        FilesCommand::Retry(out) => {
            let n = library.retry_file_uploads()?;
            if out.json {
                output::json(&json!({ "retrying": n }));
            } else {
                println!("{n} upload(s) will be tried again at the next sync");
            }
            Ok(())
        }
    }
}

/// The filters a selection stands for (one per key, or one for all).
fn filters(select: &FileSelection, default_all: bool) -> Result<Vec<FileFilter>> {
    if let Some(c) = &select.collection {
        return Ok(vec![FileFilter::Collection(c.clone())]);
    }
    if select.all || (select.keys.is_empty() && default_all) {
        return Ok(vec![FileFilter::All]);
    }
    if select.keys.is_empty() {
        bail!("name attachments or items, or use --collection KEY or --all");
    }
    Ok(select
        .keys
        .iter()
        .map(|k| FileFilter::Item(k.clone()))
        .collect())
}

fn states(library: &Library, select: &FileSelection, default_all: bool) -> Result<Vec<FileState>> {
    let mut all = Vec::new();
    for filter in filters(select, default_all)? {
        all.extend(library.file_states(&filter)?);
    }
    Ok(all)
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.0} kB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}

fn status_text(status: &FileStatusKind) -> String {
    match status {
        FileStatusKind::Downloading { done, total } => {
            format!("downloading {}/{}", human_size(*done), human_size(*total))
        }
        FileStatusKind::UploadFailed { kind, reason, .. } => {
            format!("upload failed ({kind}): {reason}")
        }
        other => other.as_str().to_owned(),
    }
}

fn status(library: &Library, select: &FileSelection, out: JsonOut) -> Result<()> {
    let states = states(library, select, true)?;
    if out.json {
        output::json(&to_json(&states));
        return Ok(());
    }
    if states.is_empty() {
        println!("no attachment files");
    }
    for s in &states {
        let size = s.local_size.map(human_size).unwrap_or_default();
        println!(
            "{}  {:<18} {:>9}  {}",
            s.key,
            status_text(&s.status),
            size,
            s.filename.as_deref().or(s.title.as_deref()).unwrap_or("")
        );
    }
    let here: u64 = states.iter().filter_map(|s| s.local_size).sum();
    if !states.is_empty() {
        println!("{} on this device", human_size(here));
    }
    Ok(())
}

fn download(
    library: &Library,
    select: &FileSelection,
    out: JsonOut,
    runtime: &Runtime,
) -> Result<()> {
    let mut keys = Vec::new();
    for filter in filters(select, false)? {
        keys.extend(library.files_to_download(&filter)?);
    }
    let bar: Mutex<Option<(String, Progress)>> = Mutex::new(None);
    let options = DownloadOptions {
        priority: if select.keys.is_empty() {
            Priority::Background
        } else {
            Priority::Opened
        },
        progress: Some(Arc::new(move |p: &FileProgress| {
            let mut slot = bar.lock().unwrap_or_else(|e| e.into_inner());
            if slot.as_ref().is_none_or(|(k, _)| *k != p.key) {
                if let Some((_, old)) = slot.take() {
                    old.finish();
                }
                *slot = Some((
                    p.key.clone(),
                    Progress::new(&format!("downloading {}", p.key)),
                ));
            }
            if let Some((_, b)) = slot.as_ref() {
                b.update(p.done as usize, p.total as usize);
                if p.done >= p.total {
                    b.finish();
                }
            }
        })),
        ..DownloadOptions::default()
    };
    let outcomes = if keys.is_empty() {
        Vec::new()
    } else {
        runtime.block_on(library.download_files(&keys, &options))?
    };
    let failed = outcomes.iter().filter(|o| !o.ok).count();
    if out.json {
        output::json(&to_json(&outcomes));
    } else {
        println!(
            "downloaded {} file(s){}",
            outcomes.len() - failed,
            if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            }
        );
        for o in outcomes.iter().filter(|o| !o.ok) {
            println!("  {}: {}", o.key, o.error.as_deref().unwrap_or("failed"));
        }
    }
    if failed > 0 {
        bail!("{failed} download(s) failed");
    }
    Ok(())
}

fn print_evicted(report: EvictReport, out: JsonOut) {
    if out.json {
        output::json(&to_json(&report));
    } else {
        println!(
            "removed {} file(s), {} freed",
            report.files,
            human_size(report.bytes)
        );
    }
}

fn evict(library: &Library, select: &FileSelection, out: JsonOut) -> Result<()> {
    let mut total = EvictReport::default();
    for filter in filters(select, false)? {
        let r = library.evict_files(&filter)?;
        total.files += r.files;
        total.bytes += r.bytes;
    }
    print_evicted(total, out);
    Ok(())
}

fn policy(
    library: &Library,
    mode: Option<String>,
    collections: Vec<String>,
    unmetered_only: bool,
    any_network: bool,
    out: JsonOut,
) -> Result<()> {
    if let Some(mode) = mode {
        let policy = match mode.as_str() {
            "all" => DownloadPolicy::All,
            "collections" => {
                if collections.is_empty() {
                    bail!("name the collections to keep offline: files policy collections KEY…");
                }
                DownloadPolicy::Collections(collections)
            }
            _ => DownloadPolicy::OnDemand,
        };
        library.set_file_policy(policy)?;
    } else if !collections.is_empty() {
        bail!("give the policy first: files policy collections KEY…");
    }
    if unmetered_only || any_network {
        library.set_unmetered_only(unmetered_only)?;
    }
    let p = library.file_policy()?;
    if out.json {
        output::json(&to_json(&p));
    } else {
        let what = match &p.download {
            DownloadPolicy::OnDemand => "on demand".to_owned(),
            DownloadPolicy::All => "all files at sync time".to_owned(),
            DownloadPolicy::Collections(c) => format!("files of collections {}", c.join(", ")),
        };
        println!("downloads: {what}");
        if p.unmetered_only {
            println!("only on unmetered networks");
        }
        match p.cache_budget {
            Some(b) => println!("budget: {}", human_size(b)),
            None => println!("budget: none"),
        }
    }
    Ok(())
}

/// `500MB`, `2GB`, `1.5G`, `750k`, `1000000` (bytes), or `none`.
fn parse_size(text: &str) -> Result<Option<u64>> {
    let t = text.trim().to_ascii_lowercase();
    if t == "none" || t == "unlimited" {
        return Ok(None);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| anyhow::anyhow!("cannot read the size '{text}' (e.g. 500MB, 2GB, none)"))?;
    let factor = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => bail!("unknown size unit '{other}' (use kB, MB or GB)"),
    };
    Ok(Some((number * factor).round() as u64))
}

fn budget(library: &Library, size: &str, out: JsonOut) -> Result<()> {
    let bytes = parse_size(size)?;
    let report = library.set_cache_budget(bytes)?;
    if out.json {
        output::json(&json!({ "budget": bytes, "evicted": to_json(&report) }));
    } else {
        match bytes {
            Some(b) => println!("budget: {}", human_size(b)),
            None => println!("budget: none"),
        }
        if report.files > 0 {
            print_evicted(report, out);
        }
    }
    Ok(())
}

fn open(library: &Library, key: &str, runtime: &Runtime) -> Result<()> {
    let state = library.file_state(key)?;
    if state.path.is_none() {
        let options = DownloadOptions {
            priority: Priority::Opened,
            ..DownloadOptions::default()
        };
        let outcome =
            runtime.block_on(library.download_files(std::slice::from_ref(&state.key), &options))?;
        if let Some(o) = outcome.iter().find(|o| !o.ok) {
            bail!(
                "cannot download the file of {key}: {}",
                o.error.as_deref().unwrap_or("failed")
            );
        }
    }
    println!("{}", library.open_file(key)?.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_units() {
        assert_eq!(parse_size("500MB").expect("size"), Some(500_000_000));
        assert_eq!(parse_size("1.5g").expect("size"), Some(1_500_000_000));
        assert_eq!(parse_size("2048").expect("size"), Some(2048));
        assert_eq!(parse_size("none").expect("size"), None);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5TB").is_err());
    }
}
