//! Citations, bibliographies and the style list.

use std::path::PathBuf;

use anyhow::Result;
use serde_json::{Value, json};
use shelfmark_core::Library;
use shelfmark_core::cite::{self, CiteFormat};

use crate::args::{CiteArgs, StylesArgs};
use crate::output;

/// User styles live beside the library: `papers.data/styles/`.
fn user_styles_dir(library: &Library) -> PathBuf {
    library
        .attachments_dir()
        .parent()
        .map(|data| data.join("styles"))
        .unwrap_or_else(|| PathBuf::from("styles"))
}

pub fn cite(library: &Library, args: CiteArgs) -> Result<()> {
    let keys: Vec<&str> = args.keys.iter().map(String::as_str).collect();
    let format = if args.html {
        CiteFormat::Html
    } else {
        CiteFormat::Text
    };
    let dir = user_styles_dir(library);
    let text = library.cite(&keys, &args.style, format, args.bibliography, Some(&dir))?;
    if args.out.json {
        output::json(&json!({
            "style": args.style,
            "kind": if args.bibliography { "bibliography" } else { "citation" },
            "format": if args.html { "html" } else { "text" },
            "text": text,
        }));
    } else {
        println!("{}", text.trim_end());
    }
    Ok(())
}

pub fn styles(library: &Library, args: StylesArgs) -> Result<()> {
    let dir = user_styles_dir(library);
    if let Some(file) = &args.add {
        std::fs::create_dir_all(&dir)?;
        let added = cite::add_user_style(&dir, file)?;
        if args.out.json {
            output::json(&json!({"id": added.id, "title": added.title, "user": true}));
        } else {
            println!("added style {} ({})", added.id, added.title);
        }
        return Ok(());
    }
    let list = cite::styles(Some(&dir));
    if args.out.json {
        output::json(&Value::Array(
            list.iter()
                .map(|s| json!({"id": s.id, "title": s.title, "user": s.user}))
                .collect(),
        ));
    } else {
        for s in &list {
            let mark = if s.user { " (yours)" } else { "" };
            println!("{:<40} {}{mark}", s.id, s.title);
        }
    }
    Ok(())
}
