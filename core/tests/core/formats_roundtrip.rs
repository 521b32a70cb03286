//! Round trips per format: items → text → items are equal for everything the
//! format can hold.

use crate::support::formats::round_trip;
use shelfmark_core::formats::Format;

const ALL_TYPES: &[&str] = &[
    "journalArticle",
    "book",
    "bookSection",
    "conferencePaper",
    "thesis",
    "report",
    "webpage",
    "patent",
    "manuscript",
    "dataset",
    "computerProgram",
    "newspaperArticle",
    "film",
];

#[test]
fn ris_round_trip() {
    round_trip(Format::Ris, ALL_TYPES, &[]);
}

#[test]
fn endnote_tagged_round_trip() {
    round_trip(Format::EndnoteTagged, ALL_TYPES, &[]);
}

#[test]
fn endnote_xml_round_trip() {
    round_trip(Format::EndnoteXml, ALL_TYPES, &[]);
}

#[test]
fn csl_json_round_trip() {
    // CSL-JSON has no notes or attachments.
    round_trip(Format::CslJson, ALL_TYPES, &["children"]);
}

#[test]
fn zotero_json_round_trip() {
    round_trip(Format::ZoteroJson, ALL_TYPES, &[]);
}

#[test]
fn bibtex_round_trip() {
    // BibTeX has no entry types for web pages, datasets, software or films;
    // the citation key is added on reading.
    round_trip(
        Format::Bibtex,
        &[
            "journalArticle",
            "book",
            "bookSection",
            "conferencePaper",
            "thesis",
            "report",
            "patent",
            "manuscript",
        ],
        &["citationKey"],
    );
}

#[test]
fn biblatex_round_trip() {
    round_trip(
        Format::Biblatex,
        &[
            "journalArticle",
            "book",
            "bookSection",
            "conferencePaper",
            "thesis",
            "report",
            "webpage",
            "patent",
            "manuscript",
            "dataset",
            "computerProgram",
            "newspaperArticle",
            "film",
        ],
        &["citationKey"],
    );
}
