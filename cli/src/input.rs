//! Reading what users type: FIELD=VALUE pairs, creators, keys and names of
//! collections and saved searches.

use anyhow::{Context, Result, bail};
use shelfmark_core::Library;
use shelfmark_core::protocol::{Creator, ObjectKey, SearchCondition};

/// `title=Deep Time` → ("title", "Deep Time").
pub fn field_assignments(pairs: &[String]) -> Result<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|p| match p.split_once('=') {
            Some((field, value)) if !field.trim().is_empty() => {
                Ok((field.trim().to_owned(), value.to_owned()))
            }
            _ => bail!("expected FIELD=VALUE, got {p:?}"),
        })
        .collect()
}

/// Creators from `--author "Last, First"` and `--creator "editor:Last, First"`.
pub fn creators(authors: &[String], others: &[String]) -> Result<Vec<Creator>> {
    let mut out: Vec<Creator> = authors
        .iter()
        .map(|a| Creator::parse_display("author", a))
        .collect();
    for c in others {
        let Some((role, name)) = c.split_once(':') else {
            bail!("expected ROLE:NAME for --creator, got {c:?} (e.g. editor:\"Smith, Jane\")");
        };
        out.push(Creator::parse_display(role.trim(), name));
    }
    Ok(out)
}

/// A collection given by key or by (unique) name.
pub fn collection_key(library: &Library, given: &str) -> Result<String> {
    if ObjectKey::is_valid(given) && library.get_collection(given).is_ok() {
        return Ok(given.to_owned());
    }
    Ok(library
        .collection_by_name(given)
        .with_context(|| format!("no collection with key or name {given:?}"))?
        .key
        .to_string())
}

/// A saved search given by key or by (unique) name.
pub fn saved_search_key(library: &Library, given: &str) -> Result<String> {
    if ObjectKey::is_valid(given) && library.get_saved_search(given).is_ok() {
        return Ok(given.to_owned());
    }
    Ok(library
        .saved_search_by_name(given)
        .with_context(|| format!("no saved search with key or name {given:?}"))?
        .key
        .to_string())
}

/// `title:contains:climate` → a condition. The value may itself contain ':'.
pub fn condition(text: &str) -> Result<SearchCondition> {
    let mut parts = text.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(field), Some(op), value) if !field.is_empty() && !op.is_empty() => {
            Ok(SearchCondition::new(field, op, value.unwrap_or("")))
        }
        _ => bail!("expected FIELD:OPERATOR:VALUE, got {text:?} (e.g. title:contains:climate)"),
    }
}

/// Plain text as note HTML: paragraphs per line, special characters escaped.
pub fn text_to_note_html(text: &str) -> String {
    text.lines()
        .map(|line| {
            let escaped = line
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<p>{escaped}</p>")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_assignments_and_conditions() {
        let pairs = field_assignments(&["title=A = B".into(), "date=".into()]).expect("ok");
        assert_eq!(pairs[0], ("title".into(), "A = B".into()));
        assert_eq!(pairs[1], ("date".into(), String::new()));
        assert!(field_assignments(&["notitle".into()]).is_err());
        let c = condition("url:contains:https://x").expect("ok");
        assert_eq!(
            (c.condition.as_str(), c.operator.as_str(), c.value.as_str()),
            ("url", "contains", "https://x")
        );
        assert!(condition("title").is_err());
    }

    #[test]
    fn notes_escape_html() {
        assert_eq!(text_to_note_html("a < b\nc"), "<p>a &lt; b</p><p>c</p>");
    }
}
