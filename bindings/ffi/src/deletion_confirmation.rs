//! The confirmation an app shows when a sync held back a mass deletion:
//! what would be deleted, grouped by library and direction, with the words
//! for the dialog.

use std::collections::BTreeMap;

use shelfmark_core::sync::PendingDeletion;
use shelfmark_core::{self as core, Library};

use crate::error::Result;
use crate::library::LibraryHandle;
use crate::runtime::with_library;
use crate::sync::HeldDeletion;

/// Which way a held deletion goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, uniffi::Enum)]
pub enum DeletionDirection {
    /// Deleted online (on another device): would move to the trash here.
    ToTrashHere,
    /// Deleted here: would be deleted online, for every device.
    DeleteOnline,
}

/// The held deletions of one library in one direction.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeletionGroup {
    pub library_id: i64,
    /// "My Library" or the group's name.
    pub library_name: String,
    pub direction: DeletionDirection,
    /// One sentence: "12 items and 1 collection deleted online will move to
    /// the trash here."
    pub summary: String,
    /// What would be deleted, by kind and title, to list under the summary.
    pub objects: Vec<HeldDeletion>,
}

/// The dialog for confirming held deletions.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeletionConfirmation {
    /// "Confirm 24 deletions?"
    pub title: String,
    /// Why the sync stopped and what confirming does.
    pub message: String,
    /// By library (My Library first), then direction.
    pub groups: Vec<DeletionGroup>,
    /// The confirm button's label.
    pub confirm_label: String,
    /// All held deletions.
    pub total: u64,
}

fn direction_of(text: &str) -> DeletionDirection {
    match text {
        // The core writes `download` and `upload`; `here` and `there` are
        // the same directions in the words the API documents.
        "download" | "here" => DeletionDirection::ToTrashHere,
        _ => DeletionDirection::DeleteOnline,
    }
}

fn counted(n: usize, object_type: &str) -> String {
    let (one, many) = match object_type {
        "item" => ("item", "items"),
        "collection" => ("collection", "collections"),
        "search" => ("saved search", "saved searches"),
        other => (other, other),
    };
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "a", "a and b", "a, b and c".
fn joined(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn summary(direction: DeletionDirection, objects: &[HeldDeletion]) -> String {
    let mut by_type: BTreeMap<u8, (&str, usize)> = BTreeMap::new();
    for object in objects {
        let order = match object.object_type.as_str() {
            "item" => 0,
            "collection" => 1,
            "search" => 2,
            _ => 3,
        };
        by_type.entry(order).or_insert((&object.object_type, 0)).1 += 1;
    }
    let parts: Vec<String> = by_type
        .values()
        .map(|(object_type, n)| counted(*n, object_type))
        .collect();
    let many = objects.len() != 1;
    match direction {
        DeletionDirection::ToTrashHere => format!(
            "{} deleted online will move to the trash here.",
            joined(&parts)
        ),
        DeletionDirection::DeleteOnline => format!(
            "{} deleted on this device will {} deleted online for every device.",
            joined(&parts),
            if many { "be" } else { "also be" }
        ),
    }
}

/// The dialog for `held` (unconfirmed deletions), or `None` when there are none.
fn confirmation(
    held: Vec<PendingDeletion>,
    library_names: &BTreeMap<i64, String>,
) -> Option<DeletionConfirmation> {
    let mut groups: BTreeMap<(i64, DeletionDirection), Vec<HeldDeletion>> = BTreeMap::new();
    for deletion in held.into_iter().filter(|d| !d.confirmed) {
        groups
            .entry((deletion.library, direction_of(&deletion.direction)))
            .or_default()
            .push(HeldDeletion {
                library_id: deletion.library,
                direction: deletion.direction,
                object_type: deletion.object_type,
                key: deletion.key,
                title: deletion.title,
            });
    }
    let total: usize = groups.values().map(Vec::len).sum();
    if total == 0 {
        return None;
    }
    Some(DeletionConfirmation {
        title: if total == 1 {
            "Confirm 1 deletion?".into()
        } else {
            format!("Confirm {total} deletions?")
        },
        message: "Sync stopped before deleting this much at once. Confirm if the \
                  deletions were meant; if not, leave them unconfirmed and use Reset Sync \
                  to make one side equal the other."
            .into(),
        groups: groups
            .into_iter()
            .map(|((library_id, direction), objects)| DeletionGroup {
                library_id,
                library_name: library_names.get(&library_id).cloned().unwrap_or_default(),
                direction,
                summary: summary(direction, &objects),
                objects,
            })
            .collect(),
        confirm_label: if total == 1 { "Delete" } else { "Delete All" }.into(),
        total: total as u64,
    })
}

fn read_confirmation(library: &Library) -> core::Result<Option<DeletionConfirmation>> {
    let names = library
        .libraries()?
        .into_iter()
        .map(|l| (l.id.0, l.name))
        .collect();
    Ok(confirmation(library.deletions_to_confirm()?, &names))
}

#[uniffi::export]
impl LibraryHandle {
    /// The dialog for deletions a sync held back because they were many
    /// (in every library of the file), or `None` when none wait. After the
    /// user confirms, call `sync().confirmDeletions()` and sync again.
    pub async fn deletion_confirmation(&self) -> Result<Option<DeletionConfirmation>> {
        with_library(&self.library, read_confirmation).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(library: i64, direction: &str, object_type: &str, title: &str) -> PendingDeletion {
        PendingDeletion {
            library,
            direction: direction.into(),
            object_type: object_type.into(),
            key: "ABCD2345".into(),
            title: title.into(),
            confirmed: false,
        }
    }

    #[test]
    fn deletions_are_grouped_and_summed_up_in_a_sentence() {
        let names = BTreeMap::from([(1, "My Library".to_owned()), (2, "Lab".to_owned())]);
        let mut confirmed = held(1, "download", "item", "Done already");
        confirmed.confirmed = true;
        let dialog = confirmation(
            vec![
                held(2, "upload", "item", "Only one"),
                held(1, "download", "item", "A"),
                held(1, "download", "collection", "C"),
                held(1, "download", "item", "B"),
                confirmed,
            ],
            &names,
        )
        .expect("a dialog");
        assert_eq!(dialog.title, "Confirm 4 deletions?");
        assert_eq!(dialog.total, 4);
        assert_eq!(dialog.groups.len(), 2);
        let mine = &dialog.groups[0];
        assert_eq!(mine.library_name, "My Library");
        assert_eq!(mine.direction, DeletionDirection::ToTrashHere);
        assert_eq!(
            mine.summary,
            "2 items and 1 collection deleted online will move to the trash here."
        );
        assert_eq!(mine.objects.len(), 3);
        assert_eq!(
            dialog.groups[1].summary,
            "1 item deleted on this device will also be deleted online for every device."
        );
        assert!(confirmation(Vec::new(), &names).is_none());
    }
}
