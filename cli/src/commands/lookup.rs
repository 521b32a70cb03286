//! Adding references by identifier (`add --id`) and filing a PDF under the
//! reference it names (`attach --find-metadata`).

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use shelfmark_core::lookup::{
    AddedFromLookup, LookupAddOptions, LookupClient, LookupConfig, LookupResult, PdfAttached,
};
use shelfmark_core::protocol::ItemData;
use shelfmark_core::{Library, OnDuplicate};
use tokio::runtime::Runtime;

use crate::args::{AddArgs, JsonOut};
use crate::{input, output};

fn client() -> Result<LookupClient> {
    Ok(LookupClient::new(LookupConfig::from_env())?)
}

fn describe(item: &ItemData) -> String {
    let year = item
        .field("date")
        .and_then(|d| d.get(..4))
        .map(|y| format!(" ({y})"))
        .unwrap_or_default();
    format!("{}{year}", item.title().unwrap_or("(untitled)"))
}

/// `add --id IDS`.
pub fn add_by_id(library: &Library, args: AddArgs, runtime: &Runtime) -> Result<()> {
    let ids = args.ids.as_deref().unwrap_or_default();
    let text = if ids == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading identifiers from stdin")?;
        text
    } else {
        ids.to_owned()
    };
    let collection = match args.collections.as_slice() {
        [] => None,
        [one] => Some(input::collection_key(library, one)?),
        _ => bail!("with --id, give at most one --collection"),
    };
    let client = client()?;
    let results = runtime.block_on(library.lookup(&client, &text))?;
    if results.is_empty() {
        bail!("no DOI, ISBN, PubMed id, PMCID or arXiv id found in the input");
    }
    let json_out = args.json.is_some();
    if args.preview {
        if json_out {
            output::json(&Value::Array(results.iter().map(preview_json).collect()));
        } else {
            for result in &results {
                print_preview(result);
            }
        }
        return finish(&results);
    }
    let options = LookupAddOptions {
        collection,
        on_duplicate: OnDuplicate::parse(&args.on_duplicate).unwrap_or_default(),
    };
    let added = library.add_from_lookup(&results, &options)?;
    if json_out {
        let rows = results
            .iter()
            .zip(&added)
            .map(|(result, added)| added_json(result, added))
            .collect();
        output::json(&Value::Array(rows));
    } else {
        for (result, added) in results.iter().zip(&added) {
            print_added(result, added);
        }
    }
    finish(&results)
}

/// Fails the command (after the rest went in) when any identifier failed.
fn finish(results: &[LookupResult]) -> Result<()> {
    let failed = results.iter().filter(|r| r.outcome.is_err()).count();
    if failed > 0 {
        bail!(
            "{failed} of {} identifier(s) could not be looked up",
            results.len()
        );
    }
    Ok(())
}

fn print_preview(result: &LookupResult) {
    match &result.outcome {
        Ok(found) => {
            let note = match &found.existing {
                Some((key, reason)) => format!("  [in the library: {key}, {reason}]"),
                None => String::new(),
            };
            println!(
                "{}  {}  {}  (from {}){note}",
                result.text,
                found.item.item_type,
                describe(&found.item),
                found.source
            );
        }
        Err(e) => eprintln!("{}: {e}", result.text),
    }
}

fn print_added(result: &LookupResult, added: &AddedFromLookup) {
    let source = result
        .outcome
        .as_ref()
        .map(|f| f.source.name())
        .unwrap_or_default();
    match added {
        AddedFromLookup::Created(item) => println!(
            "{}  {}  (added from {source}: {})",
            item.key,
            describe(item),
            result.text
        ),
        AddedFromLookup::Existing { item, reason } => println!(
            "{}  {}  (already in the library, {reason}: {})",
            item.key,
            describe(item),
            result.text
        ),
        AddedFromLookup::Merged(item) => println!(
            "{}  {}  (already in the library, filled in from {source}: {})",
            item.key,
            describe(item),
            result.text
        ),
        AddedFromLookup::Failed(e) => eprintln!("{}: {e}", result.text),
    }
}

fn identifier_json(result: &LookupResult) -> Value {
    match &result.identifier {
        Some(id) => json!({"kind": id.kind(), "value": id.value()}),
        None => Value::Null,
    }
}

fn preview_json(result: &LookupResult) -> Value {
    match &result.outcome {
        Ok(found) => json!({
            "input": result.text,
            "identifier": identifier_json(result),
            "status": "found",
            "source": found.source.name(),
            "existing": found.existing.as_ref().map(|(key, reason)| json!({
                "key": key.as_str(),
                "reason": reason.to_string(),
            })),
            "data": found.item.to_json_value(),
        }),
        Err(e) => json!({
            "input": result.text,
            "identifier": identifier_json(result),
            "status": "failed",
            "error": {"kind": e.kind(), "message": e.to_string()},
        }),
    }
}

fn added_json(result: &LookupResult, added: &AddedFromLookup) -> Value {
    let (status, detail) = match added {
        AddedFromLookup::Created(_) => ("created", Value::Null),
        AddedFromLookup::Existing { reason, .. } => ("existing", json!(reason.to_string())),
        AddedFromLookup::Merged(_) => ("merged", Value::Null),
        AddedFromLookup::Failed(e) => (
            "failed",
            json!({"kind": e.kind(), "message": e.to_string()}),
        ),
    };
    let mut row = json!({
        "input": result.text,
        "identifier": identifier_json(result),
        "status": status,
    });
    if let Some(item) = added.item() {
        row["key"] = json!(item.key.as_str());
        row["data"] = item.to_json_value();
    }
    if let Ok(found) = &result.outcome {
        row["source"] = json!(found.source.name());
    }
    match status {
        "existing" => row["reason"] = detail,
        "failed" => row["error"] = detail,
        _ => {}
    }
    row
}

/// `attach --find-metadata PDF`.
pub fn attach_finding_metadata(
    library: &Library,
    pdf: &Path,
    out: JsonOut,
    runtime: &Runtime,
) -> Result<()> {
    let client = client()?;
    let attached = runtime.block_on(library.attach_pdf_finding_metadata(&client, pdf))?;
    if out.json {
        output::json(&attached_json(&attached));
        return Ok(());
    }
    for (identifier, error) in &attached.failed {
        eprintln!("{identifier}: {error}");
    }
    match attached.parent.as_ref().and_then(AddedFromLookup::item) {
        Some(parent) => {
            let how = match &attached.parent {
                Some(AddedFromLookup::Created(_)) => "added",
                _ => "already in the library",
            };
            let by = attached
                .identifier
                .as_ref()
                .map(|i| format!(", found by {i}"))
                .unwrap_or_default();
            println!("{}  {}  ({how}{by})", parent.key, describe(parent));
            println!(
                "{}  {}  (attached; uploaded at the next sync)",
                attached.attachment.key,
                attached.attachment.title().unwrap_or_default()
            );
        }
        None => println!(
            "{}  {}  (standalone: no DOI or arXiv id could be looked up)",
            attached.attachment.key,
            attached.attachment.title().unwrap_or_default()
        ),
    }
    Ok(())
}

fn attached_json(attached: &PdfAttached) -> Value {
    let parent = attached.parent.as_ref().map(|added| {
        let status = match added {
            AddedFromLookup::Created(_) => "created",
            AddedFromLookup::Merged(_) => "merged",
            AddedFromLookup::Existing { .. } => "existing",
            AddedFromLookup::Failed(_) => "failed",
        };
        json!({
            "status": status,
            "data": added.item().map(ItemData::to_json_value),
        })
    });
    json!({
        "attachment": attached.attachment.to_json_value(),
        "parent": parent,
        "identifier": attached.identifier.as_ref().map(|i| json!({"kind": i.kind(), "value": i.value()})),
        "failed": attached.failed.iter().map(|(i, e)| json!({
            "identifier": i.to_string(),
            "kind": e.kind(),
            "message": e.to_string(),
        })).collect::<Vec<_>>(),
    })
}
