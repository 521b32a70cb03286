//! Printing objects for people and, with --json, for programs.

use serde_json::Value;
use shelfmark_core::protocol::ItemData;
use shelfmark_core::protocol::schema::schema;
use shelfmark_core::{ItemSummary, Page};

pub fn json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

pub fn items_json(items: &[ItemData]) {
    json(&Value::Array(
        items.iter().map(ItemData::to_json_value).collect(),
    ));
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// One line per item: key, year, creators, title.
pub fn summaries(page: &Page<ItemSummary>) {
    for row in &page.items {
        let year = row.year.map(|y| y.to_string()).unwrap_or_default();
        println!(
            "{}  {:>4}  {:<24}  {}",
            row.key,
            year,
            truncate(&row.creator_summary, 24),
            truncate(&row.title, 90)
        );
    }
    let shown_end = page.offset as u64 + page.items.len() as u64;
    if page.total > 0 {
        eprintln!(
            "{}–{} of {} item{}",
            page.offset as u64 + 1,
            shown_end,
            page.total,
            if page.total == 1 { "" } else { "s" }
        );
    } else {
        eprintln!("no items");
    }
}

/// An item as a person reads it: type, title, creators, the other fields
/// with their labels, tags, collections, relations.
pub fn item(item: &ItemData, collection_names: &[(String, String)]) {
    let s = schema();
    println!("{}  [{}]", item.key, s.item_type_label(&item.item_type));
    if item.deleted {
        println!("(in the trash)");
    }
    if let Some(title) = item.title() {
        println!("{title}");
    }
    for c in &item.creators {
        println!(
            "  {}: {}",
            s.creator_type_label(&c.creator_type),
            c.display()
        );
    }
    let order: Vec<&str> = s
        .item_type(&item.item_type)
        .map(|t| t.fields.iter().map(|f| f.name.as_str()).collect())
        .unwrap_or_default();
    let title_field = s
        .item_type(&item.item_type)
        .and_then(|t| t.field_for_base("title"))
        .unwrap_or("title");
    let mut names: Vec<&String> = item.fields.keys().collect();
    names.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(usize::MAX));
    for name in names {
        if name == title_field {
            continue;
        }
        let value = &item.fields[name];
        let shown = if name == "note" {
            shelfmark_core::text::strip_tags(value)
        } else {
            value.clone()
        };
        println!("  {}: {}", s.field_label(name), shown);
    }
    if !item.tags.is_empty() {
        let tags: Vec<&str> = item.tags.iter().map(|t| t.tag.as_str()).collect();
        println!("  Tags: {}", tags.join(", "));
    }
    if !item.collections.is_empty() {
        let names: Vec<String> = item
            .collections
            .iter()
            .map(|k| {
                collection_names
                    .iter()
                    .find(|(key, _)| key == k.as_str())
                    .map_or_else(|| k.to_string(), |(_, n)| format!("{n} ({k})"))
            })
            .collect();
        println!("  Collections: {}", names.join(", "));
    }
    for (predicate, uris) in &item.relations.0 {
        for uri in uris {
            println!("  Related ({predicate}): {uri}");
        }
    }
    println!(
        "  Added: {}   Modified: {}",
        item.date_added.as_deref().unwrap_or("-"),
        item.date_modified.as_deref().unwrap_or("-")
    );
}

/// A child item on one line under its parent.
pub fn child_line(child: &ItemData, indent: &str) {
    let what = match child.item_type.as_str() {
        "note" => format!(
            "Note: {}",
            truncate(
                &shelfmark_core::text::note_title(child.field("note").unwrap_or_default()),
                80
            )
        ),
        "attachment" => format!(
            "Attachment ({}): {}",
            child.field("linkMode").unwrap_or("?"),
            child
                .title()
                .or(child.field("path"))
                .or(child.field("url"))
                .unwrap_or_default()
        ),
        "annotation" => format!(
            "{} p.{} {}{}",
            child.field("annotationType").unwrap_or("annotation"),
            child.field("annotationPageLabel").unwrap_or("?"),
            child
                .field("annotationText")
                .map(|t| format!("\"{}\"", truncate(t, 60)))
                .unwrap_or_default(),
            child
                .field("annotationComment")
                .map(|c| format!(" — {}", truncate(c, 60)))
                .unwrap_or_default()
        ),
        other => other.to_owned(),
    };
    println!("{indent}{}  {what}", child.key);
}
