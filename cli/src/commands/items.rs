//! Items: init, add, show, edit, list, search, trash, restore, empty-trash, tags.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use shelfmark_core::protocol::{ItemData, ObjectKey, Tag};
use shelfmark_core::{
    ItemFilter, ItemListQuery, ItemSearchQuery, Library, OpenOptions, SearchMode, SortField,
};

use crate::args::{AddArgs, EditArgs, FilterArgs, JsonOut, ListArgs, SearchArgs};
use crate::{input, output};

pub fn init(path: &Path, options: &OpenOptions, out: JsonOut) -> Result<()> {
    Library::create_with(path, options)
        .with_context(|| format!("cannot create a library at {}", path.display()))?;
    if out.json {
        output::json(&json!({"library": path.display().to_string()}));
    } else {
        println!("created an empty library at {}", path.display());
    }
    Ok(())
}

fn read_json_input(file: &str) -> Result<Value> {
    let text = if file == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading stdin")?;
        s
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?
    };
    serde_json::from_str(&text).with_context(|| format!("{file} is not valid JSON"))
}

pub fn add(library: &Library, args: AddArgs) -> Result<()> {
    let from_file = args.json.as_deref().filter(|f| !f.is_empty());
    let items: Vec<ItemData> = if let Some(file) = from_file {
        let values = match read_json_input(file)? {
            Value::Array(values) => values,
            single => vec![single],
        };
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                // Accept whole Web API objects as well as bare data.
                let data = match v.get("data") {
                    Some(d) if d.is_object() => d.clone(),
                    _ => v,
                };
                ItemData::from_json_value(data).with_context(|| format!("{file}: object {}", i + 1))
            })
            .collect::<Result<_>>()?
    } else {
        let Some(item_type) = args.item_type.as_deref() else {
            bail!(
                "give an item type (e.g. `shelfmark add journalArticle title=\"…\"`) or --json FILE"
            );
        };
        let mut item = ItemData::new(item_type);
        for (field, value) in input::field_assignments(&args.fields)? {
            item.set_field(&field, value);
        }
        item.creators = input::creators(&args.authors, &args.creators)?;
        item.tags = args.tags.iter().map(|t| Tag::manual(t)).collect();
        for c in &args.collections {
            item.collections
                .push(ObjectKey::parse(&input::collection_key(library, c)?)?);
        }
        vec![item]
    };
    let created = library.create_items(items)?;
    if args.json.is_some() {
        output::items_json(&created);
    } else {
        for item in &created {
            println!("{}", item.key);
        }
    }
    Ok(())
}

pub fn show(library: &Library, key: &str, out: JsonOut) -> Result<()> {
    let item = library.get_item(key)?;
    let children = library.children(key)?;
    if out.json {
        let kids: Vec<Value> = children.iter().map(ItemData::to_json_value).collect();
        output::json(&json!({"data": item.to_json_value(), "children": kids}));
        return Ok(());
    }
    let names: Vec<(String, String)> = library
        .collections()?
        .into_iter()
        .map(|c| (c.key.to_string(), c.name))
        .collect();
    output::item(&item, &names);
    for child in &children {
        output::child_line(child, "  ");
        if child.is_attachment() {
            for annotation in library.annotations(child.key.as_str())? {
                output::child_line(&annotation, "      ");
            }
        }
    }
    Ok(())
}

pub fn edit(library: &Library, args: EditArgs) -> Result<()> {
    let key = args.key.as_str();
    library.get_item(key)?;
    if let Some(new_type) = &args.item_type {
        library.change_item_type(key, new_type)?;
    }
    let fields = input::field_assignments(&args.fields)?;
    if !fields.is_empty() {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(f, v)| (f.as_str(), v.as_str()))
            .collect();
        library.set_fields(key, &pairs)?;
    }
    if !args.authors.is_empty() || !args.creators.is_empty() {
        library.set_creators(key, input::creators(&args.authors, &args.creators)?)?;
    }
    if !args.add_tags.is_empty() {
        let tags: Vec<&str> = args.add_tags.iter().map(String::as_str).collect();
        library.add_tags(key, &tags)?;
    }
    if !args.remove_tags.is_empty() {
        let tags: Vec<&str> = args.remove_tags.iter().map(String::as_str).collect();
        library.remove_tags(key, &tags)?;
    }
    for other in &args.relate {
        library.add_related(key, other)?;
    }
    for other in &args.unrelate {
        library.remove_related(key, other)?;
    }
    let item = library.get_item(key)?;
    if args.out.json {
        output::json(&item.to_json_value());
    } else {
        println!("updated {}", item.key);
    }
    Ok(())
}

pub fn filter(library: &Library, args: &FilterArgs) -> Result<ItemFilter> {
    Ok(ItemFilter {
        collection: args
            .collection
            .as_deref()
            .map(|c| input::collection_key(library, c))
            .transpose()?,
        include_subcollections: args.recursive,
        saved_search: args
            .saved_search
            .as_deref()
            .map(|s| input::saved_search_key(library, s))
            .transpose()?,
        tags: args.tags.clone(),
        item_type: args.item_type.clone(),
        trash: args.trash,
        conflicts: args.conflicts,
    })
}

fn print_page(
    library: &Library,
    page: &shelfmark_core::Page<shelfmark_core::ItemSummary>,
    out: JsonOut,
) -> Result<()> {
    if out.json {
        let keys: Vec<ObjectKey> = page.items.iter().map(|s| s.key.clone()).collect();
        output::items_json(&library.get_items(&keys)?);
    } else {
        output::summaries(page);
    }
    Ok(())
}

pub fn list(library: &Library, args: ListArgs) -> Result<()> {
    let sort = SortField::parse(&args.sort).with_context(|| {
        format!(
            "unknown sort {:?}: use title, creator, date, dateAdded, dateModified or itemType",
            args.sort
        )
    })?;
    let query = ItemListQuery {
        filter: filter(library, &args.filter)?,
        sort,
        descending: args.desc,
        limit: args.page.limit,
        offset: args.page.offset,
    };
    let page = library.list_items(&query)?;
    print_page(library, &page, args.out)
}

pub fn search(library: &Library, args: SearchArgs) -> Result<()> {
    let query = ItemSearchQuery {
        text: args.query.clone(),
        mode: if args.everything {
            SearchMode::Everything
        } else {
            SearchMode::Quick
        },
        filter: filter(library, &args.filter)?,
        limit: args.page.limit,
        offset: args.page.offset,
    };
    let page = library.search_items(&query)?;
    print_page(library, &page, args.out)
}

pub fn trash(library: &Library, keys: &[String], out: JsonOut) -> Result<()> {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    library.trash_items(&keys)?;
    report_keys(out, "moved to the trash", &keys);
    Ok(())
}

pub fn restore(library: &Library, keys: &[String], out: JsonOut) -> Result<()> {
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    library.restore_items(&keys)?;
    report_keys(out, "restored", &keys);
    Ok(())
}

fn report_keys(out: JsonOut, what: &str, keys: &[&str]) {
    if out.json {
        output::json(&json!({ "keys": keys }));
    } else {
        for key in keys {
            println!("{what}: {key}");
        }
    }
}

pub fn empty_trash(library: &Library, out: JsonOut) -> Result<()> {
    let report = library.empty_trash()?;
    if out.json {
        output::json(&json!({
            "items": report.items,
            "collections": report.collections,
            "searches": report.searches,
        }));
    } else {
        println!(
            "removed for good: {} items, {} collections, {} saved searches",
            report.items, report.collections, report.searches
        );
    }
    Ok(())
}

pub fn tags(library: &Library, out: JsonOut) -> Result<()> {
    let tags = library.tags()?;
    if out.json {
        let list: Vec<Value> = tags
            .iter()
            .map(|t| json!({"tag": t.tag, "type": t.kind, "numItems": t.items}))
            .collect();
        output::json(&Value::Array(list));
    } else {
        for t in &tags {
            println!("{:>6}  {}", t.items, t.tag);
        }
    }
    Ok(())
}
