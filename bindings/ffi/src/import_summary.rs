//! An import's report in words: the headline and lines an app shows when an
//! import finishes, and the items created by type with their labels.

use crate::transfer::{ImportReport, OnDuplicate};
use shelfmark_core::protocol::schema::schema;

/// Items of one type an import created.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportTypeCount {
    /// `journalArticle`, `note`…
    pub item_type: String,
    /// As shown ("Journal Article").
    pub label: String,
    pub count: u64,
}

/// What an import did, in words.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportSummary {
    /// "Imported 5 references", or "Nothing new was imported".
    pub headline: String,
    /// One sentence each, for what else happened: duplicates skipped,
    /// merged or imported anyway, records not imported, values kept in
    /// Extra, collections created. Empty when there is nothing more to say.
    pub lines: Vec<String>,
    /// Items created by type (children included), most first.
    pub by_type: Vec<ImportTypeCount>,
}

/// "1 reference" / "3 references".
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The summary of an import's report, for the screen an import ends on.
#[uniffi::export]
pub fn import_summary(report: ImportReport) -> ImportSummary {
    let created = report.created.len();
    let headline = if created == 0 {
        "Nothing new was imported".to_owned()
    } else {
        format!("Imported {}", count(created, "reference", "references"))
    };

    let mut lines = Vec::new();
    let by_action = |action: OnDuplicate| {
        report
            .duplicates
            .iter()
            .filter(|d| d.action == action)
            .count()
    };
    let skipped_duplicates = by_action(OnDuplicate::Skip);
    if skipped_duplicates > 0 {
        lines.push(format!(
            "{} already in the library, not imported again.",
            count(skipped_duplicates, "reference was", "references were")
        ));
    }
    let merged = by_action(OnDuplicate::Merge);
    if merged > 0 {
        lines.push(format!(
            "{} already in the library, merged into the existing {}.",
            count(merged, "reference was", "references were"),
            if merged == 1 { "item" } else { "items" }
        ));
    }
    let kept = by_action(OnDuplicate::Keep);
    if kept > 0 {
        lines.push(format!(
            "{} already in the library, imported as new anyway.",
            count(kept, "reference was", "references were")
        ));
    }
    // Duplicates skipped are listed among the skipped records too; they
    // were told above.
    let not_imported = report
        .skipped
        .iter()
        .filter(|note| {
            !report
                .duplicates
                .iter()
                .any(|d| d.record == note.record && d.action == OnDuplicate::Skip)
        })
        .count();
    if not_imported > 0 {
        lines.push(format!(
            "{} could not be imported.",
            count(not_imported, "record", "records")
        ));
    }
    if !report.kept_in_extra.is_empty() {
        let n = report.kept_in_extra.len();
        lines.push(format!(
            "{} without a matching field {} kept in Extra.",
            count(n, "value", "values"),
            if n == 1 { "was" } else { "were" }
        ));
    }
    if report.collections_created > 0 {
        lines.push(format!(
            "{} created.",
            count(
                usize::try_from(report.collections_created).unwrap_or(usize::MAX),
                "collection was",
                "collections were"
            )
        ));
    }

    let mut by_type: Vec<ImportTypeCount> = report
        .created_by_type
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(item_type, count)| ImportTypeCount {
            label: schema().item_type_label(&item_type).to_owned(),
            item_type,
            count,
        })
        .collect();
    by_type.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));

    ImportSummary {
        headline,
        lines,
        by_type,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::{Format, ImportedDuplicate, RecordNote};

    fn duplicate(record: u64, action: OnDuplicate) -> ImportedDuplicate {
        ImportedDuplicate {
            record,
            existing_key: "ABCD2345".into(),
            reason: "same DOI".into(),
            action,
        }
    }

    #[test]
    fn a_report_reads_as_a_headline_and_sentences() {
        let note = |record| RecordNote {
            record,
            message: "something".into(),
        };
        let report = ImportReport {
            format: Format::Ris,
            created: vec!["AAAA2345".into(), "BBBB2345".into(), "CCCC2345".into()],
            created_by_type: [
                ("journalArticle".to_owned(), 2),
                ("book".to_owned(), 1),
                ("note".to_owned(), 2),
            ]
            .into(),
            kept_in_extra: vec![note(1)],
            skipped: vec![note(4), note(5), note(6), note(7)],
            duplicates: vec![
                duplicate(6, OnDuplicate::Skip),
                duplicate(7, OnDuplicate::Skip),
                duplicate(8, OnDuplicate::Merge),
            ],
            collections_created: 1,
        };
        let summary = import_summary(report.clone());
        assert_eq!(summary.headline, "Imported 3 references");
        assert_eq!(
            summary.lines,
            [
                "2 references were already in the library, not imported again.",
                "1 reference was already in the library, merged into the existing item.",
                "2 records could not be imported.",
                "1 value without a matching field was kept in Extra.",
                "1 collection was created.",
            ]
        );
        let types: Vec<(&str, u64)> = summary
            .by_type
            .iter()
            .map(|t| (t.label.as_str(), t.count))
            .collect();
        assert_eq!(types, [("Journal Article", 2), ("Note", 2), ("Book", 1)]);

        let nothing = import_summary(ImportReport {
            created: vec![],
            created_by_type: Default::default(),
            kept_in_extra: vec![],
            skipped: vec![note(1)],
            duplicates: vec![duplicate(1, OnDuplicate::Skip)],
            collections_created: 0,
            ..report
        });
        assert_eq!(nothing.headline, "Nothing new was imported");
        assert_eq!(nothing.lines.len(), 1);
    }
}
