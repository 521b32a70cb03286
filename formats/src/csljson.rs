//! CSL-JSON, the input of citation processors: an array of items with a CSL
//! `type`, text variables, name variables and date variables, mapped with
//! the schema's CSL tables. `note` carries `extra`.

use serde_json::{Map, Value, json};
use shelfmark_protocol::dates::parse_date;
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{CreatorName, ItemData};

use super::record::RecordBuilder;
use super::writing;
use super::{ExportItem, FormatError, ParseReport};

/// CSL types the schema does not list, and the item type they read as.
const EXTRA_TYPES: &[(&str, &str)] = &[
    ("broadcast", "tvBroadcast"),
    ("classic", "book"),
    ("collection", "book"),
    ("event", "presentation"),
    ("pamphlet", "book"),
    ("performance", "presentation"),
    ("periodical", "magazineArticle"),
    ("regulation", "statute"),
    ("review", "journalArticle"),
    ("review-book", "journalArticle"),
    ("treaty", "document"),
];

fn item_type_for(csl_type: &str) -> Option<&'static str> {
    if let Some((_, t)) = EXTRA_TYPES.iter().find(|(c, _)| *c == csl_type) {
        return Some(t);
    }
    schema()
        .csl_types
        .get(csl_type)
        .and_then(|types| types.iter().find(|t| *t != "attachment" && *t != "note"))
        .map(String::as_str)
}

fn csl_type_for(item_type: &str) -> &'static str {
    schema()
        .csl_types
        .iter()
        .find(|(_, types)| types.iter().any(|t| t == item_type))
        .map(|(c, _)| c.as_str())
        .unwrap_or("document")
}

/// Reads a CSL-JSON file: an array of items, one item, or `{"items": […]}`.
pub fn parse(text: &str) -> Result<ParseReport, FormatError> {
    parse_with(text, ParseReport::default())
}

/// Reads into `report`, which may stream its records to a consumer.
pub(crate) fn parse_with(text: &str, mut report: ParseReport) -> Result<ParseReport, FormatError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| FormatError::new(1, Some(e.line()), format!("not valid JSON: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("items") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(FormatError::new(1, None, "\"items\" must be an array")),
            None => vec![Value::Object(map)],
        },
        _ => {
            return Err(FormatError::new(
                1,
                Some(1),
                "expected an array of CSL items",
            ));
        }
    };
    for (index, item) in items.into_iter().enumerate() {
        let number = index + 1;
        let Value::Object(map) = item else {
            return Err(FormatError::new(number, None, "expected a CSL item object"));
        };
        read_item(&mut report, number, map)?;
    }
    Ok(report)
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_item(
    report: &mut ParseReport,
    number: usize,
    map: Map<String, Value>,
) -> Result<(), FormatError> {
    let csl_type = match map.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(_) => return Err(FormatError::new(number, None, "\"type\" must be a string")),
        None => return Err(FormatError::new(number, None, "the item has no \"type\"")),
    };
    let item_type = item_type_for(&csl_type);
    let mut b = RecordBuilder::new(item_type.unwrap_or("document"));
    if item_type.is_none() {
        b.unknown("type", &csl_type);
    }
    let s = schema();
    for (var, value) in &map {
        match var.as_str() {
            "type" | "id" => {}
            "note" => {
                if let Some(t) = text_of(value) {
                    b.add_extra_text(&t);
                }
            }
            "keyword" => {
                if let Some(t) = text_of(value) {
                    for tag in t.split([',', ';']) {
                        b.add_tag(tag);
                    }
                }
            }
            _ if s.csl_names.values().any(|v| v == var) => {
                let Value::Array(names) = value else {
                    return Err(FormatError::new(
                        number,
                        None,
                        format!("\"{var}\" must be an array of names"),
                    ));
                };
                let candidates: Vec<&str> = s
                    .csl_names
                    .iter()
                    .filter(|(_, v)| *v == var)
                    .map(|(t, _)| t.as_str())
                    .collect();
                let wanted = read_creator_type(&b, var, &candidates);
                for name in names {
                    let creator = read_name(name).ok_or_else(|| {
                        FormatError::new(
                            number,
                            None,
                            format!("\"{var}\" has a name that is not a name object"),
                        )
                    })?;
                    b.add_creator(&wanted, creator);
                }
            }
            _ if s.csl_date_fields.contains_key(var) => {
                let field = &s.csl_date_fields[var];
                if let Some(date) = read_date(value) {
                    b.set(field, &date, var);
                }
            }
            _ => match (s.csl_text_fields.get(var), text_of(value)) {
                (Some(fields), Some(text)) => {
                    let chosen = fields.iter().find(|f| b.has(f));
                    match chosen {
                        Some(f) => b.set(f, &text, var),
                        None => b.keep_in_extra(
                            var,
                            &text,
                            format!("{var}: no field for it in {}", b.item_type()),
                        ),
                    }
                }
                (_, Some(text)) => b.unknown(var, &text),
                (_, None) => b.unknown(var, &value.to_string()),
            },
        }
    }
    if b.is_empty() {
        report
            .skipped
            .push((number, "empty item: only a type".into()));
        return Ok(());
    }
    let (record, to_extra) = b.finish(number, None)?;
    report.add(number, record, to_extra);
    Ok(())
}

fn read_creator_type(b: &RecordBuilder, var: &str, candidates: &[&str]) -> String {
    let def = schema().item_type(b.item_type());
    candidates
        .iter()
        .find(|c| def.is_some_and(|d| d.has_creator_type(c)))
        .or(candidates.first())
        .map(|c| (*c).to_owned())
        .unwrap_or_else(|| {
            if var == "author" {
                "author".into()
            } else {
                "contributor".into()
            }
        })
}

fn read_name(value: &Value) -> Option<CreatorName> {
    let map = value.as_object()?;
    let get = |k: &str| map.get(k).and_then(text_of).unwrap_or_default();
    if let Some(literal) = map.get("literal").and_then(text_of) {
        return Some(CreatorName::Single { name: literal });
    }
    let family: Vec<String> = ["dropping-particle", "non-dropping-particle", "family"]
        .iter()
        .map(|k| get(k))
        .filter(|p| !p.is_empty())
        .collect();
    let mut given = get("given");
    let suffix = get("suffix");
    if !suffix.is_empty() {
        given = format!("{given}, {suffix}");
    }
    Some(CreatorName::TwoField {
        first: given,
        last: family.join(" "),
    })
}

/// A CSL date (`date-parts`, `raw`, `literal`, or a string) as text: the
/// raw text when it agrees with the parts, else `YYYY-MM-DD`.
fn read_date(value: &Value) -> Option<String> {
    let map = match value {
        Value::String(s) => return Some(s.clone()),
        Value::Object(map) => map,
        _ => return None,
    };
    let raw = map.get("raw").and_then(text_of);
    let parts: Vec<i64> = map
        .get("date-parts")
        .and_then(|p| p.get(0))
        .and_then(Value::as_array)
        .map(|first| {
            first
                .iter()
                .filter_map(|p| match p {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(&year) = parts.first() {
        if let Some(raw) = &raw
            && parse_date(raw).year.map(i64::from) == Some(year)
        {
            return Some(raw.clone());
        }
        let mut out = format!("{year:04}");
        for part in parts.iter().skip(1).take(2) {
            out.push_str(&format!("-{part:02}"));
        }
        return Some(out);
    }
    raw.or_else(|| map.get("literal").and_then(text_of))
}

/// Writes items as a CSL-JSON array.
pub fn export(items: &[ExportItem]) -> String {
    let values: Vec<Value> = items.iter().map(|e| item_json(&e.item)).collect();
    serde_json::to_string_pretty(&Value::Array(values)).unwrap_or_else(|_| "[]".to_owned())
}

fn item_json(item: &ItemData) -> Value {
    let s = schema();
    let def = s.item_type(&item.item_type);
    let mut map = Map::new();
    let id = item
        .field("citationKey")
        .map_or_else(|| item.key.to_string(), str::to_owned);
    map.insert("id".into(), Value::String(id));
    map.insert(
        "type".into(),
        Value::String(csl_type_for(&item.item_type).into()),
    );
    let mut written: Vec<&str> = vec!["extra"];
    for (var, fields) in &s.csl_text_fields {
        if var == "note" || var == "shortTitle" || map.contains_key(var) {
            continue;
        }
        for f in fields {
            let field = def.and_then(|d| d.field_for_base(f));
            if let Some((field, value)) = field.and_then(|f| item.fields.get_key_value(f)) {
                if !written.contains(&field.as_str()) {
                    map.insert(var.clone(), Value::String(value.clone()));
                    written.push(field);
                }
                break;
            }
        }
    }
    for (var, field) in &s.csl_date_fields {
        let Some(field) = def.and_then(|d| d.field_for_base(field)) else {
            continue;
        };
        if let Some(text) = item.field(field) {
            map.insert(var.clone(), date_json(text));
            written.push(field);
        }
    }
    let primary = def.and_then(|d| d.primary_creator_type());
    for creator in &item.creators {
        let var = s
            .csl_names
            .get(&creator.creator_type)
            .map(String::as_str)
            .unwrap_or(if Some(creator.creator_type.as_str()) == primary {
                "author"
            } else {
                "contributor"
            });
        let name = match &creator.name {
            CreatorName::TwoField { first, last } if first.is_empty() => json!({"family": last}),
            CreatorName::TwoField { first, last } => json!({"family": last, "given": first}),
            CreatorName::Single { name } => json!({"literal": name}),
        };
        if let Value::Array(list) = map.entry(var).or_insert_with(|| Value::Array(Vec::new())) {
            list.push(name);
        }
    }
    if !item.tags.is_empty() {
        map.insert(
            "keyword".into(),
            Value::String(writing::tag_texts(item).join(", ")),
        );
    }
    let mut note: Vec<String> = item
        .fields
        .iter()
        .filter(|(f, _)| !written.contains(&f.as_str()))
        .map(|(f, v)| format!("{f}: {}", v.replace('\n', " ")))
        .collect();
    note.extend(writing::extra_lines(item).into_iter().map(str::to_owned));
    if !note.is_empty() {
        map.insert("note".into(), Value::String(note.join("\n")));
    }
    Value::Object(map)
}

fn date_json(text: &str) -> Value {
    let parsed = parse_date(text);
    let Some(year) = parsed.year else {
        return json!({"literal": text});
    };
    let mut parts = vec![Value::from(year)];
    if let Some(m) = parsed.month {
        parts.push(Value::from(m));
        if let Some(d) = parsed.day {
            parts.push(Value::from(d));
        }
    }
    let mut date = Map::new();
    date.insert("date-parts".into(), Value::Array(vec![Value::Array(parts)]));
    if parsed.iso().as_deref() != Some(text.trim()) {
        date.insert("raw".into(), Value::String(text.to_owned()));
    }
    Value::Object(date)
}
