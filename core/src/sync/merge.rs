//! Three-way merge of an object changed on both sides since the last sync,
//! against the base copy both sides agreed on. Different fields merge
//! silently; tags, collections and relations merge as sets; the same field
//! given different values on both sides is a conflict that keeps both values.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// Fields that never conflict: identity and bookkeeping.
const BOOKKEEPING: &[&str] = &["key", "version", "dateModified"];

/// One field both sides changed to different values.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    pub field: String,
    /// `Value::Null` where that side removed the field.
    pub local: Value,
    pub remote: Value,
}

/// The result of merging: the merged data (for conflicting fields it holds
/// the local value until the user chooses) and the conflicts, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub data: Value,
    pub conflicts: Vec<FieldConflict>,
    /// Fields whose remote value was taken.
    pub from_remote: Vec<String>,
    /// Fields whose local value was kept because only this side changed them
    /// (they must be uploaded).
    pub from_local: Vec<String>,
}

impl Merged {
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }
}

fn field<'a>(map: Option<&'a Map<String, Value>>, name: &str) -> Option<&'a Value> {
    map.and_then(|m| m.get(name)).filter(|v| !is_empty_value(v))
}

/// An absent field and an empty one mean the same thing.
fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Elements of an array, for set semantics, by their JSON text.
fn as_set(v: Option<&Value>) -> BTreeMap<String, Value> {
    match v {
        Some(Value::Array(items)) => items.iter().map(|i| (i.to_string(), i.clone())).collect(),
        Some(Value::String(s)) => std::iter::once((
            Value::String(s.clone()).to_string(),
            Value::String(s.clone()),
        ))
        .collect(),
        _ => BTreeMap::new(),
    }
}

/// Three-way set merge: keep what both have, add what either added, drop
/// what either removed.
fn merge_sets(base: Option<&Value>, local: Option<&Value>, remote: Option<&Value>) -> Value {
    let (b, l, r) = (as_set(base), as_set(local), as_set(remote));
    let keys: BTreeSet<&String> = l.keys().chain(r.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        let (in_b, in_l, in_r) = (b.contains_key(k), l.contains_key(k), r.contains_key(k));
        // Something in the base stays only if neither side removed it; a new
        // element stays if either side added it.
        let keep = if in_b { in_l && in_r } else { in_l || in_r };
        if let Some(v) = l.get(k).or_else(|| r.get(k)).filter(|_| keep) {
            out.push(v.clone());
        }
    }
    Value::Array(out)
}

/// Relations merge per predicate, each as a set of URIs.
fn merge_relations(base: Option<&Value>, local: Option<&Value>, remote: Option<&Value>) -> Value {
    let obj = |v: Option<&Value>| v.and_then(Value::as_object).cloned().unwrap_or_default();
    let (b, l, r) = (obj(base), obj(local), obj(remote));
    let predicates: BTreeSet<&String> = l.keys().chain(r.keys()).chain(b.keys()).collect();
    let mut out = Map::new();
    for p in predicates {
        let merged = merge_sets(b.get(p), l.get(p), r.get(p));
        match merged {
            Value::Array(list) if list.len() == 1 => {
                out.insert(p.clone(), list[0].clone());
            }
            Value::Array(list) if list.is_empty() => {}
            other => {
                out.insert(p.clone(), other);
            }
        }
    }
    Value::Object(out)
}

/// Merges `local` and `remote` object data against `base` (`None` when the
/// two sides never agreed on a copy, as for identical keys created twice).
pub fn three_way(base: Option<&Value>, local: &Value, remote: &Value) -> Merged {
    let b = base.and_then(Value::as_object);
    let l = local.as_object();
    let r = remote.as_object();
    let names: BTreeSet<&String> = l
        .into_iter()
        .flat_map(|m| m.keys())
        .chain(r.into_iter().flat_map(|m| m.keys()))
        .collect();
    let mut out = Map::new();
    let mut conflicts = Vec::new();
    let mut from_remote = Vec::new();
    let mut from_local = Vec::new();
    for name in names {
        if BOOKKEEPING.contains(&name.as_str()) {
            continue;
        }
        let (bv, lv, rv) = (field(b, name), field(l, name), field(r, name));
        let value = if lv == rv {
            lv.cloned()
        } else if matches!(name.as_str(), "tags" | "collections") {
            let merged = merge_sets(bv, lv, rv);
            if Some(&merged) != lv {
                from_remote.push(name.clone());
            }
            if Some(&merged) != rv {
                from_local.push(name.clone());
            }
            Some(merged)
        } else if name == "relations" {
            let merged = merge_relations(bv, lv, rv);
            if lv.is_none_or(|v| v != &merged) {
                from_remote.push(name.clone());
            }
            if rv.is_none_or(|v| v != &merged) {
                from_local.push(name.clone());
            }
            Some(merged)
        } else if base.is_some() && lv == bv {
            from_remote.push(name.clone());
            rv.cloned()
        } else if base.is_some() && rv == bv {
            from_local.push(name.clone());
            lv.cloned()
        } else {
            conflicts.push(FieldConflict {
                field: name.clone(),
                local: lv.cloned().unwrap_or(Value::Null),
                remote: rv.cloned().unwrap_or(Value::Null),
            });
            lv.cloned()
        };
        if let Some(v) = value {
            out.insert(name.clone(), v);
        }
    }
    // Identity and version follow the remote copy; the later modification time wins.
    for name in ["key", "version"] {
        if let Some(v) = r
            .and_then(|m| m.get(name))
            .or_else(|| l.and_then(|m| m.get(name)))
        {
            out.insert(name.into(), v.clone());
        }
    }
    let modified = [l, r]
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("dateModified").and_then(Value::as_str))
        .max();
    if let Some(m) = modified {
        out.insert("dateModified".into(), Value::String(m.to_owned()));
    }
    Merged {
        data: Value::Object(out),
        conflicts,
        from_remote,
        from_local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"key": "ABCD2345", "version": 5, "itemType": "book", "title": "Origin",
               "date": "1859", "publisher": "Murray",
               "tags": [{"tag": "a"}, {"tag": "b"}], "collections": ["C2345678"],
               "relations": {}, "dateModified": "2024-01-01T00:00:00Z"})
    }

    #[test]
    fn different_fields_merge_silently() {
        let mut local = base();
        local["title"] = json!("On the Origin");
        let mut remote = base();
        remote["date"] = json!("1860");
        remote["version"] = json!(9);
        let m = three_way(Some(&base()), &local, &remote);
        assert!(m.is_clean());
        assert_eq!(m.data["title"], "On the Origin");
        assert_eq!(m.data["date"], "1860");
        assert_eq!(m.data["version"], 9);
        assert_eq!(m.from_remote, vec!["date".to_owned()]);
        assert_eq!(m.from_local, vec!["title".to_owned()]);
    }

    #[test]
    fn same_field_different_values_is_a_conflict_keeping_both() {
        let mut local = base();
        local["title"] = json!("Local title");
        let mut remote = base();
        remote["title"] = json!("Remote title");
        let m = three_way(Some(&base()), &local, &remote);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].field, "title");
        assert_eq!(m.conflicts[0].local, "Local title");
        assert_eq!(m.conflicts[0].remote, "Remote title");
    }

    #[test]
    fn same_change_on_both_sides_is_no_conflict() {
        let mut local = base();
        local["title"] = json!("Same");
        let remote = local.clone();
        assert!(three_way(Some(&base()), &local, &remote).is_clean());
    }

    #[test]
    fn removal_against_edit_is_a_conflict() {
        let mut local = base();
        local.as_object_mut().expect("object").remove("publisher");
        let mut remote = base();
        remote["publisher"] = json!("John Murray");
        let m = three_way(Some(&base()), &local, &remote);
        assert_eq!(m.conflicts[0].field, "publisher");
        assert_eq!(m.conflicts[0].local, Value::Null);
    }

    #[test]
    fn tags_and_collections_merge_as_sets() {
        let mut local = base();
        local["tags"] = json!([{"tag": "a"}, {"tag": "c"}]); // removed b, added c
        local["collections"] = json!(["C2345678", "D2345678"]);
        let mut remote = base();
        remote["tags"] = json!([{"tag": "a"}, {"tag": "b"}, {"tag": "d"}]); // added d
        remote["collections"] = json!([]); // removed C
        let m = three_way(Some(&base()), &local, &remote);
        assert!(m.is_clean());
        let tags: Vec<&str> = m.data["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t["tag"].as_str().expect("tag"))
            .collect();
        assert_eq!(tags, vec!["a", "c", "d"]);
        assert_eq!(m.data["collections"], json!(["D2345678"]));
    }

    #[test]
    fn relations_merge_per_predicate() {
        let b = json!({"relations": {"dc:relation": "u1"}});
        let l = json!({"relations": {"dc:relation": ["u1", "u2"]}});
        let r = json!({"relations": {"owl:sameAs": "u9", "dc:relation": "u1"}});
        let m = three_way(Some(&b), &l, &r);
        assert_eq!(
            m.data["relations"],
            json!({"dc:relation": ["u1", "u2"], "owl:sameAs": "u9"})
        );
    }

    #[test]
    fn without_a_base_every_difference_is_a_conflict_but_sets_union() {
        let mut local = base();
        local["title"] = json!("L");
        local["tags"] = json!([{"tag": "x"}]);
        let mut remote = base();
        remote["title"] = json!("R");
        remote["tags"] = json!([{"tag": "y"}]);
        let m = three_way(None, &local, &remote);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.data["tags"].as_array().map(Vec::len), Some(2));
    }
}
