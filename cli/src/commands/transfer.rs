//! Import and export.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::json;
use shelfmark_core::formats::Format;
use shelfmark_core::{ExportScope, ImportOptions, Library, OnDuplicate};

use crate::args::{ExportArgs, ImportArgs};
use crate::progress::Progress;
use crate::{input, output};

fn format_named(name: &str) -> Result<Format> {
    Format::parse_name(name).with_context(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format {name:?}; use one of: {}", names.join(", "))
    })
}

/// The format an output file's extension suggests.
fn format_for_path(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    Format::ALL
        .into_iter()
        .find(|f| f.extension() == ext)
        .or(match ext.as_str() {
            "bib" => Some(Format::Bibtex),
            "xml" => Some(Format::EndnoteXml),
            "enw" | "txt" => Some(Format::EndnoteTagged),
            "json" => Some(Format::CslJson),
            _ => None,
        })
}

pub fn import(library: &Library, args: ImportArgs) -> Result<()> {
    let options = ImportOptions {
        format: args.format.as_deref().map(format_named).transpose()?,
        collection: args
            .collection
            .as_deref()
            .map(|c| input::collection_key(library, c))
            .transpose()?,
        on_duplicate: OnDuplicate::parse(&args.on_duplicate).unwrap_or_default(),
    };
    let progress = Progress::new("importing");
    let report = library.import_file(&args.file, &options, &mut |done, total| {
        progress.update(done, total)
    });
    progress.finish();
    let report = report?;
    if args.out.json {
        output::json(&json!({
            "format": report.format.name(),
            "created": report.created,
            "byType": report.by_type,
            "toExtra": report.to_extra.iter().map(|(r, what)| json!({"record": r, "what": what})).collect::<Vec<_>>(),
            "skipped": report.skipped.iter().map(|(r, why)| json!({"record": r, "why": why})).collect::<Vec<_>>(),
            "duplicates": report.duplicates.iter().map(|d| json!({
                "record": d.record, "existing": d.existing, "reason": d.reason.to_string(),
            })).collect::<Vec<_>>(),
            "collectionsCreated": report.collections_created,
        }));
        return Ok(());
    }
    println!(
        "imported {} reference(s) from {} ({})",
        report.created.len(),
        args.file.display(),
        report.format
    );
    for (item_type, count) in &report.by_type {
        println!("  {count:>6}  {item_type}");
    }
    if report.collections_created > 0 {
        println!("  {} collection(s) created", report.collections_created);
    }
    for d in &report.duplicates {
        let action = match d.action {
            OnDuplicate::Skip => "skipped",
            OnDuplicate::Merge => "merged into",
            OnDuplicate::Keep => "kept beside",
        };
        println!(
            "  record {}: {action} {} ({})",
            d.record, d.existing, d.reason
        );
    }
    for (record, why) in report
        .skipped
        .iter()
        .filter(|(_, why)| !why.starts_with("duplicate of"))
    {
        println!("  record {record}: skipped, {why}");
    }
    if !report.to_extra.is_empty() {
        println!(
            "  {} value(s) kept in Extra (no matching field):",
            report.to_extra.len()
        );
        for (record, what) in report.to_extra.iter().take(20) {
            println!("    record {record}: {what}");
        }
        if report.to_extra.len() > 20 {
            println!("    … and {} more (see --json)", report.to_extra.len() - 20);
        }
    }
    Ok(())
}

pub fn export(library: &Library, args: ExportArgs) -> Result<()> {
    let format = match (&args.format, &args.output) {
        (Some(name), _) => format_named(name)?,
        (None, Some(path)) => format_for_path(path).unwrap_or(Format::Ris),
        (None, None) => Format::Ris,
    };
    let scope = if !args.keys.is_empty() {
        ExportScope::Items(args.keys.clone())
    } else if let Some(c) = &args.collection {
        ExportScope::Collection {
            key: input::collection_key(library, c)?,
            recursive: args.recursive,
        }
    } else if let Some(s) = &args.saved_search {
        ExportScope::SavedSearch(input::saved_search_key(library, s)?)
    } else {
        ExportScope::Library
    };
    let text = library.export(format, &scope)?;
    match &args.output {
        Some(path) => {
            if path.exists() && path.is_dir() {
                bail!("{} is a folder; give a file name", path.display());
            }
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("exported to {} ({format})", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}
