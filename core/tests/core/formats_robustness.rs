//! Importers never panic: every parser gets truncated and mutated versions of
//! the fixtures (and of other formats' files), and either reads them into
//! valid items or answers with an error.

use crate::support::formats::fixture;
use shelfmark_core::formats::{self, Format};
use shelfmark_core::protocol::validate_item;

const FIXTURES: &[&str] = &[
    "endnote.ris",
    "pubmed.ris",
    "scopus.ris",
    "zotero.ris",
    "jabref.bib",
    "zotero.bib",
    "scopus.bib",
    "zotero_csl.json",
    "zotero_api.json",
    "endnote.xml",
    "endnote.enw",
];

fn check(format: Format, text: &str) {
    if let Ok(report) = formats::parse(format, text) {
        for r in &report.records {
            assert!(
                validate_item(&r.item).is_ok(),
                "{format}: invalid item from {text:?}"
            );
            for c in &r.children {
                assert!(
                    validate_item(c).is_ok(),
                    "{format}: invalid child from {text:?}"
                );
            }
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn truncated_files_never_panic() {
    for name in FIXTURES {
        let text = fixture(name);
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        let step = (boundaries.len() / 150).max(1);
        for &cut in boundaries.iter().step_by(step) {
            for format in Format::ALL {
                check(format, &text[..cut]);
            }
        }
    }
}

#[test]
fn mutated_files_never_panic() {
    let specials = [
        "{", "}", "\\", "@", "%", "<", ">", "&", "\"", "\n", "TY  - ", "ER  - ", "%0 ", ":", ",",
        "é", "\u{feff}", "&#x0;", "$", "--",
    ];
    let mut rng = Lcg(42);
    for name in FIXTURES {
        let text = fixture(name);
        for _ in 0..60 {
            let mut mutated = text.clone();
            for _ in 0..1 + rng.next() % 4 {
                let mut at = (rng.next() as usize) % (mutated.len() + 1);
                while !mutated.is_char_boundary(at) {
                    at -= 1;
                }
                match rng.next() % 3 {
                    0 => mutated.insert_str(at, specials[(rng.next() as usize) % specials.len()]),
                    1 => {
                        let mut end = (at + 1 + (rng.next() as usize) % 20).min(mutated.len());
                        while !mutated.is_char_boundary(end) {
                            end += 1;
                        }
                        mutated.replace_range(at..end, "");
                    }
                    _ => {
                        let dup: String = mutated[at..].chars().take(30).collect();
                        mutated.insert_str(at, &dup);
                    }
                }
            }
            for format in Format::ALL {
                check(format, &mutated);
            }
        }
    }
}
