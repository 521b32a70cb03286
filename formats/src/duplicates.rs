//! Telling the same reference entered twice: two items are duplicates when
//! they share a DOI, an ISBN, or the same normalised title, year and first
//! creator. The rules are the same wherever items are matched (a library
//! file, an import, the online service's store).

use std::collections::HashMap;

use shelfmark_protocol::dates::parse_date;
use shelfmark_protocol::{ItemData, ObjectKey};

use crate::text::fold;

/// Why items were judged the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DuplicateReason {
    Doi(String),
    Isbn(String),
    /// Same normalised title, year and first creator.
    TitleYearCreator,
}

impl std::fmt::Display for DuplicateReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Doi(d) => write!(f, "same DOI {d}"),
            Self::Isbn(i) => write!(f, "same ISBN {i}"),
            Self::TitleYearCreator => f.write_str("same title, year and first creator"),
        }
    }
}

/// A DOI in its canonical form: lower case, no resolver prefix.
pub fn normalize_doi(doi: &str) -> Option<String> {
    let lower = doi.trim().to_lowercase();
    let bare = [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find_map(|p| lower.strip_prefix(p))
    .unwrap_or(&lower)
    .trim();
    bare.starts_with("10.").then(|| bare.to_owned())
}

/// ISBNs in a field, each as 13 digits (ISBN-10 converted).
pub fn normalize_isbns(field: &str) -> Vec<String> {
    field
        .split([' ', ',', ';'])
        .filter_map(|raw| {
            let chars: String = raw
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
                .collect();
            match chars.len() {
                13 if chars.bytes().all(|b| b.is_ascii_digit()) => Some(chars),
                10 => {
                    let core = format!("978{}", &chars[..9]);
                    let sum: u32 = core
                        .bytes()
                        .enumerate()
                        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
                        .sum();
                    Some(format!("{core}{}", (10 - sum % 10) % 10))
                }
                _ => None,
            }
        })
        .collect()
}

/// Title, year and first creator, normalised; `None` without a title.
fn title_year_creator(item: &ItemData) -> Option<String> {
    let title: String = fold(item.title()?)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if title.is_empty() {
        return None;
    }
    let year = parse_date(item.base_field("date").unwrap_or_default())
        .year
        .map(|y| y.to_string())
        .unwrap_or_default();
    let creator = item
        .creators
        .first()
        .map(|c| fold(c.last_or_single()))
        .unwrap_or_default();
    Some(format!("{title}|{year}|{creator}"))
}

fn doi_of(item: &ItemData) -> Option<String> {
    item.field("DOI").and_then(normalize_doi).or_else(|| {
        // Types without a DOI field keep it in Extra, as "DOI: 10.…".
        item.field("extra")?
            .lines()
            .find_map(|l| l.strip_prefix("DOI:").and_then(normalize_doi))
    })
}

/// The fingerprints an item can be matched by, strongest first.
pub fn fingerprints(item: &ItemData) -> Vec<(String, DuplicateReason)> {
    let mut out = Vec::new();
    if let Some(doi) = doi_of(item) {
        out.push((format!("doi:{doi}"), DuplicateReason::Doi(doi)));
    }
    for isbn in item.field("ISBN").map(normalize_isbns).unwrap_or_default() {
        out.push((format!("isbn:{isbn}"), DuplicateReason::Isbn(isbn)));
    }
    if let Some(tyc) = title_year_creator(item) {
        out.push((format!("tyc:{tyc}"), DuplicateReason::TitleYearCreator));
    }
    out
}

/// Fingerprints of a library's regular items not in the trash, for matching
/// new items against. Filled from whatever store holds the items (a library
/// file, the online service's store), oldest first so the oldest item wins.
#[derive(Debug, Default)]
pub struct DuplicateIndex {
    by_fingerprint: HashMap<String, ObjectKey>,
}

impl DuplicateIndex {
    /// Makes `item` one to match against.
    pub fn add(&mut self, item: &ItemData) {
        self.add_fingerprints(&item.key, fingerprints(item));
    }

    /// [`Self::add`] for the item with `key` and these [`fingerprints`],
    /// worked out beforehand.
    pub fn add_fingerprints(&mut self, key: &ObjectKey, found: Vec<(String, DuplicateReason)>) {
        for (fp, _) in found {
            self.by_fingerprint.entry(fp).or_insert_with(|| key.clone());
        }
    }

    /// The existing item `item` duplicates, and why.
    pub fn find(&self, item: &ItemData) -> Option<(ObjectKey, DuplicateReason)> {
        self.find_fingerprints(&fingerprints(item))
    }

    /// [`Self::find`] for an item's [`fingerprints`], worked out beforehand.
    pub fn find_fingerprints(
        &self,
        found: &[(String, DuplicateReason)],
    ) -> Option<(ObjectKey, DuplicateReason)> {
        found.iter().find_map(|(fp, reason)| {
            self.by_fingerprint
                .get(fp)
                .map(|k| (k.clone(), reason.clone()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_identifiers() {
        assert_eq!(
            normalize_doi("https://doi.org/10.1000/ABC").as_deref(),
            Some("10.1000/abc")
        );
        assert_eq!(normalize_doi("doi:10.5/x").as_deref(), Some("10.5/x"));
        assert_eq!(normalize_doi("not a doi"), None);
        assert_eq!(
            normalize_isbns("0-306-40615-2"),
            vec!["9780306406157".to_owned()]
        );
        assert_eq!(
            normalize_isbns("978-0-306-40615-7 0306406152"),
            vec!["9780306406157".to_owned(); 2]
        );
    }
}
