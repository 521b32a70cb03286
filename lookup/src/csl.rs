//! Answers become items through the CSL-JSON reader of `shelfmark-formats`:
//! a service's answer is first put in CSL-JSON terms (the resolver already
//! answers so; the others' fields are renamed), cut down to the variables
//! CSL defines, and read like an imported file, so an item from a lookup is
//! mapped exactly like one imported from CSL-JSON.

use serde_json::{Map, Value};
use shelfmark_protocol::ItemData;
use shelfmark_protocol::schema::schema;

use super::config::Service;
use super::error::LookupError;
use shelfmark_formats::{self as formats, Format};

/// A CSL-JSON item being put together from an answer.
pub(crate) type Csl = Map<String, Value>;

/// Whether `var` is a CSL variable the reader maps (anything else a
/// service adds, like Crossref's reference lists, is left out).
fn is_csl_variable(var: &str) -> bool {
    let s = schema();
    matches!(var, "type" | "note" | "keyword")
        || s.csl_text_fields.contains_key(var)
        || s.csl_date_fields.contains_key(var)
        || s.csl_names.values().any(|v| v == var)
}

fn is_name_variable(var: &str) -> bool {
    schema().csl_names.values().any(|v| v == var)
}

/// Keeps the CSL variables of `raw`, each in the shape the reader takes:
/// text as a string (lists joined or their first entry), names as name
/// objects, dates as date objects; empty values dropped.
pub(crate) fn tidy(raw: Csl) -> Csl {
    let mut out = Csl::new();
    for (var, value) in raw {
        if !is_csl_variable(&var) {
            continue;
        }
        let value = if is_name_variable(&var) {
            names(value)
        } else if schema().csl_date_fields.contains_key(&var) {
            date(value)
        } else {
            text(&var, value)
        };
        if let Some(value) = value {
            out.insert(var, value);
        }
    }
    out
}

fn text(var: &str, value: Value) -> Option<Value> {
    let joined = match value {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Array(list) => {
            let texts: Vec<String> = list
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) if !s.trim().is_empty() => Some(s),
                    _ => None,
                })
                .collect();
            if matches!(var, "ISBN" | "ISSN") {
                texts.join(" ")
            } else {
                texts.into_iter().next()?
            }
        }
        _ => return None,
    };
    let cleaned = if var == "abstract" {
        strip_markup(&joined)
    } else {
        collapse_spaces(&joined)
    };
    (!cleaned.is_empty()).then_some(Value::String(cleaned))
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Abstracts come with JATS or HTML markup (`<jats:p>`); the item keeps
/// the text.
fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    // Line breaks separate an abstract's parts; other runs of space go.
    out.lines()
        .map(collapse_spaces)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn names(value: Value) -> Option<Value> {
    let Value::Array(list) = value else {
        return None;
    };
    let names: Vec<Value> = list
        .into_iter()
        .filter_map(|name| {
            let Value::Object(mut map) = name else {
                return None;
            };
            // Crossref names organisations with "name".
            if let Some(Value::String(org)) = map.remove("name")
                && !map.contains_key("family")
            {
                map.insert("literal".into(), Value::String(org));
            }
            map.retain(|k, v| {
                matches!(
                    k.as_str(),
                    "family"
                        | "given"
                        | "literal"
                        | "suffix"
                        | "dropping-particle"
                        | "non-dropping-particle"
                ) && v.as_str().is_some_and(|s| !s.trim().is_empty())
            });
            (!map.is_empty()).then_some(Value::Object(map))
        })
        .collect();
    (!names.is_empty()).then_some(Value::Array(names))
}

fn date(value: Value) -> Option<Value> {
    match &value {
        Value::String(s) if !s.trim().is_empty() => Some(value),
        Value::Object(map) => {
            let has_year = map
                .get("date-parts")
                .and_then(|p| p.get(0))
                .and_then(|p| p.get(0))
                .is_some_and(|y| y.is_number() || y.as_str().is_some_and(|s| !s.is_empty()));
            let has_text = ["raw", "literal"].iter().any(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            });
            (has_year || has_text).then_some(value)
        }
        _ => None,
    }
}

/// A name written "Given Family" (or "Family G" with `initials_last`) as a
/// CSL name.
pub(crate) fn split_name(name: &str, initials_last: bool) -> Value {
    let name = collapse_spaces(name);
    match name.rsplit_once(' ') {
        Some((family, initials)) if initials_last => {
            serde_json::json!({"family": family, "given": initials})
        }
        Some((given, family)) => serde_json::json!({"family": family, "given": given}),
        None => serde_json::json!({"literal": name}),
    }
}

/// Adds to `target` the variables only `other` has.
pub(crate) fn fill_missing(target: &mut Csl, other: Csl) {
    for (var, value) in other {
        target.entry(var).or_insert(value);
    }
}

/// Whether a resolver's answer lacks what a citation needs and Crossref
/// may have: a title, a creator, a date, and where the type has one, the
/// journal or book it appeared in.
pub(crate) fn lacks_essentials(csl: &Csl) -> bool {
    let needs_container = matches!(
        csl.get("type").and_then(Value::as_str),
        Some("article-journal" | "chapter" | "paper-conference")
    );
    !csl.contains_key("title")
        || !(csl.contains_key("author") || csl.contains_key("editor"))
        || !csl.contains_key("issued")
        || (needs_container && !csl.contains_key("container-title"))
}

/// Reads the CSL item with the CSL-JSON reader, noting `source` as the
/// item's catalogue.
pub(crate) fn to_item(mut csl: Csl, source: Service) -> Result<ItemData, LookupError> {
    csl.entry("type")
        .or_insert_with(|| Value::String("document".into()));
    csl.insert("source".into(), Value::String(source.name().into()));
    let text = Value::Object(csl).to_string();
    let bad = |detail: String| LookupError::BadAnswer {
        service: source,
        detail,
    };
    let report = formats::parse(Format::CslJson, &text).map_err(|e| bad(e.to_string()))?;
    report
        .records
        .into_iter()
        .next()
        .map(|record| record.item)
        .ok_or_else(|| bad("the answer describes no item".into()))
}

/// A JSON object from an answer body.
pub(crate) fn object(body: &str, service: Service) -> Result<Csl, LookupError> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Array(mut list)) if list.len() == 1 => match list.remove(0) {
            Value::Object(map) => Ok(map),
            _ => Err(LookupError::BadAnswer {
                service,
                detail: "expected a JSON object".into(),
            }),
        },
        Ok(_) => Err(LookupError::BadAnswer {
            service,
            detail: "expected a JSON object".into(),
        }),
        Err(e) => Err(LookupError::BadAnswer {
            service,
            detail: format!("not JSON: {e}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tidy_keeps_csl_variables_in_reader_shape() {
        let Value::Object(raw) = json!({
            "type": "article-journal",
            "title": ["A title", "ignored"],
            "ISSN": ["1476-4687", "0028-0836"],
            "author": [{"given": "Ada", "family": "Lovelace", "ORCID": "x"}, {"name": "CERN"}],
            "reference": [{"key": "1"}],
            "abstract": "<jats:p>Text  here</jats:p>",
            "issued": {"date-parts": [[null]]},
        }) else {
            unreachable!()
        };
        let tidied = tidy(raw);
        assert_eq!(tidied["title"], "A title");
        assert_eq!(tidied["ISSN"], "1476-4687 0028-0836");
        assert_eq!(
            tidied["author"][0],
            json!({"given": "Ada", "family": "Lovelace"})
        );
        assert_eq!(tidied["author"][1], json!({"literal": "CERN"}));
        assert_eq!(tidied["abstract"], "Text here");
        assert!(!tidied.contains_key("reference"));
        assert!(!tidied.contains_key("issued"));
    }
}
