//! Collections and saved searches.

use anyhow::Result;
use serde_json::{Value, json};
use shelfmark_core::protocol::CollectionData;
use shelfmark_core::{CollectionNode, Library};

use crate::args::{CollectionCommand, JsonOut, SavedSearchCommand};
use crate::{input, output};

fn print_collection(out: JsonOut, what: &str, c: &CollectionData) {
    if out.json {
        output::json(&c.to_json_value());
    } else {
        println!("{what}: {} {}", c.key, c.name);
    }
}

fn tree_json(nodes: &[CollectionNode]) -> Value {
    Value::Array(
        nodes
            .iter()
            .map(|n| {
                let mut v = n.data.to_json_value();
                v["numItems"] = json!(n.item_count);
                v["children"] = tree_json(&n.children);
                v
            })
            .collect(),
    )
}

fn print_tree(nodes: &[CollectionNode], depth: usize) {
    for n in nodes {
        println!(
            "{}  {}{} ({})",
            n.data.key,
            "  ".repeat(depth),
            n.data.name,
            n.item_count
        );
        print_tree(&n.children, depth + 1);
    }
}

pub fn collection(library: &Library, cmd: CollectionCommand) -> Result<()> {
    match cmd {
        CollectionCommand::Create { name, parent, out } => {
            let parent = parent
                .as_deref()
                .map(|p| input::collection_key(library, p))
                .transpose()?;
            let c = library.create_collection(&name, parent.as_deref())?;
            print_collection(out, "created", &c);
        }
        CollectionCommand::Rename {
            collection,
            name,
            out,
        } => {
            let key = input::collection_key(library, &collection)?;
            let c = library.rename_collection(&key, &name)?;
            print_collection(out, "renamed", &c);
        }
        CollectionCommand::Move {
            collection,
            parent,
            top: _,
            out,
        } => {
            let key = input::collection_key(library, &collection)?;
            let parent = parent
                .as_deref()
                .map(|p| input::collection_key(library, p))
                .transpose()?;
            let c = library.move_collection(&key, parent.as_deref())?;
            print_collection(out, "moved", &c);
        }
        CollectionCommand::Delete { collection, out } => {
            let key = input::collection_key(library, &collection)?;
            library.delete_collection(&key)?;
            let c = library.get_collection(&key)?;
            print_collection(out, "moved to the trash", &c);
        }
        CollectionCommand::Add {
            collection,
            keys,
            out,
        } => {
            let key = input::collection_key(library, &collection)?;
            let items: Vec<&str> = keys.iter().map(String::as_str).collect();
            library.add_to_collection(&key, &items)?;
            membership(out, "added to", &key, &items);
        }
        CollectionCommand::Remove {
            collection,
            keys,
            out,
        } => {
            let key = input::collection_key(library, &collection)?;
            let items: Vec<&str> = keys.iter().map(String::as_str).collect();
            library.remove_from_collection(&key, &items)?;
            membership(out, "removed from", &key, &items);
        }
        CollectionCommand::List(out) => {
            let tree = library.collection_tree()?;
            if out.json {
                output::json(&tree_json(&tree));
            } else if tree.is_empty() {
                eprintln!("no collections");
            } else {
                print_tree(&tree, 0);
            }
        }
    }
    Ok(())
}

fn membership(out: JsonOut, what: &str, collection: &str, items: &[&str]) {
    if out.json {
        output::json(&json!({"collection": collection, "items": items}));
    } else {
        println!("{} item(s) {what} {collection}", items.len());
    }
}

pub fn saved_search(library: &Library, cmd: SavedSearchCommand) -> Result<()> {
    match cmd {
        SavedSearchCommand::Create {
            name,
            conditions,
            any,
            out,
        } => {
            let conditions = conditions
                .iter()
                .map(|c| input::condition(c))
                .collect::<Result<Vec<_>>>()?;
            let s = library.create_saved_search(&name, conditions, any)?;
            if out.json {
                output::json(&s.to_json_value());
            } else {
                println!("created: {} {}", s.key, s.name);
            }
        }
        SavedSearchCommand::List(out) => {
            let searches = library.saved_searches()?;
            if out.json {
                output::json(&Value::Array(
                    searches.iter().map(|s| s.to_json_value()).collect(),
                ));
            } else if searches.is_empty() {
                eprintln!("no saved searches");
            } else {
                for s in &searches {
                    let conditions: Vec<String> =
                        shelfmark_core::without_join_mode(s.conditions.clone())
                            .iter()
                            .map(|c| format!("{}:{}:{}", c.condition, c.operator, c.value))
                            .collect();
                    let join = if s.matches_any() { " (any)" } else { "" };
                    println!("{}  {}{join}  {}", s.key, s.name, conditions.join("  "));
                }
            }
        }
        SavedSearchCommand::Delete { search, out } => {
            let key = input::saved_search_key(library, &search)?;
            library.delete_saved_search(&key)?;
            if out.json {
                output::json(&json!({"key": key, "deleted": true}));
            } else {
                println!("moved to the trash: {key}");
            }
        }
    }
    Ok(())
}
