//! Text folding for sorting and matching, and plain text out of note HTML.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

pub use crate::formats::text::{note_html, note_text};

/// Lower-case, without diacritics, without leading punctuation or markup:
/// the form lists sort by ("Élan" sorts with "elan", "\"The\"" with "the").
pub fn fold(s: &str) -> String {
    let plain = strip_tags(s);
    let folded: String = plain
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim_end()
        .to_owned()
}

/// Removes HTML/XML tags (`<i>`, `<sup>`) and decodes the common entities.
pub fn strip_tags(s: &str) -> String {
    if !s.contains('<') && !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    collapse_spaces(&decoded)
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A note's title: the first line of its text, as Zotero shows it.
pub fn note_title(html: &str) -> String {
    // Block ends become line breaks before the tags go.
    let with_breaks = html
        .replace("</p>", "\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("</h1>", "\n")
        .replace("</h2>", "\n")
        .replace("</h3>", "\n")
        .replace("</div>", "\n");
    with_breaks
        .lines()
        .map(strip_tags)
        .find(|l| !l.trim().is_empty())
        .map(|l| l.chars().take(120).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_for_sorting() {
        assert_eq!(fold("Élan Vital"), "elan vital");
        assert_eq!(fold("\"Quoted\" title"), "quoted\" title");
        assert_eq!(fold("<i>Homo sapiens</i> genomes"), "homo sapiens genomes");
        assert_eq!(fold("Müller"), "muller");
    }

    #[test]
    fn note_titles() {
        assert_eq!(note_title("<p>First line</p><p>second</p>"), "First line");
        assert_eq!(
            note_title("<h1>Heading &amp; more</h1>text"),
            "Heading & more"
        );
        assert_eq!(note_title(""), "");
    }
}
