//! Whole-library operations: backup, restore from backup, duplicates.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use shelfmark_core::{Library, OpenOptions};

use crate::args::{DuplicatesArgs, JsonOut};
use crate::output;

pub fn backup(library: &Library, file: &Path, out: JsonOut) -> Result<()> {
    let report = library
        .backup(file)
        .with_context(|| format!("backup to {} failed", file.display()))?;
    if out.json {
        output::json(&json!({
            "archive": report.archive.display().to_string(),
            "attachments": report.attachments,
            "bytes": report.bytes,
        }));
    } else {
        println!(
            "backed up the library and {} attachment file(s) to {}",
            report.attachments,
            report.archive.display()
        );
    }
    Ok(())
}

pub fn restore_backup(
    archive: &Path,
    to: &Path,
    options: &OpenOptions,
    out: JsonOut,
) -> Result<()> {
    let library = shelfmark_core::restore(archive, to, options)?;
    if out.json {
        output::json(&json!({"library": library.path().display().to_string()}));
    } else {
        println!(
            "restored {} to {} (every checksum verified)",
            archive.display(),
            library.path().display()
        );
    }
    Ok(())
}

/// The older spelling, `restore ARCHIVE --to PATH`: still works, and says
/// on stderr which verb to use, since `restore` alone takes from the trash.
pub fn restore_backup_old_form(
    targets: &[String],
    to: &Path,
    options: &OpenOptions,
    out: JsonOut,
) -> Result<()> {
    let [archive] = targets else {
        bail!("restore-backup takes exactly one backup archive");
    };
    eprintln!(
        "note: `restore ARCHIVE --to PATH` is now `shelfmark restore-backup ARCHIVE --to PATH`; \
         `restore` alone takes items out of the trash"
    );
    restore_backup(Path::new(archive), to, options, out)
}

pub fn duplicates(library: &Library, args: DuplicatesArgs) -> Result<()> {
    let groups = library.find_duplicates()?;
    if let Some(number) = args.merge {
        let Some(group) = groups.iter().find(|g| g.number == number) else {
            bail!(
                "there is no duplicate group {number} (run `shelfmark duplicates` to list them; there are {})",
                groups.len()
            );
        };
        let keep = match &args.keep {
            Some(k) if group.keys.iter().any(|g| g.as_str() == k) => k.clone(),
            Some(k) => bail!("{k} is not in duplicate group {number}"),
            None => group.keys[0].to_string(),
        };
        let others: Vec<&str> = group
            .keys
            .iter()
            .map(|k| k.as_str())
            .filter(|k| *k != keep)
            .collect();
        let merged = library.merge_items(&keep, &others)?;
        if args.out.json {
            output::json(&merged.to_json_value());
        } else {
            println!(
                "merged {} into {keep}; the others are in the trash",
                others.join(", ")
            );
        }
        return Ok(());
    }
    if args.out.json {
        let list: Vec<Value> = groups
            .iter()
            .map(|g| json!({"group": g.number, "reason": g.reason.to_string(), "keys": g.keys}))
            .collect();
        output::json(&Value::Array(list));
        return Ok(());
    }
    if groups.is_empty() {
        eprintln!("no duplicates");
    }
    for g in &groups {
        println!("group {} ({}):", g.number, g.reason);
        for key in &g.keys {
            let item = library.get_item(key.as_str())?;
            println!("  {key}  {}", item.title().unwrap_or("(untitled)"));
        }
    }
    Ok(())
}
