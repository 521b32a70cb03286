//! The words for the three ways to reset sync, so that both apps explain
//! them the same way before the user picks one.

use crate::sync::SyncResetMode;

/// One way to reset sync, as a choice in a dialog.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncResetChoice {
    /// What to pass to `sync().resetSync`.
    pub mode: SyncResetMode,
    /// The choice's button or row title.
    pub title: String,
    /// What it does, in one sentence.
    pub description: String,
    /// The question for the confirmation alert, which also says a backup
    /// is written first.
    pub confirmation: String,
    /// It can delete or replace data on one side: show it as destructive.
    pub destructive: bool,
}

/// The three ways to reset sync (upload, download, merge) with their words.
/// Every reset first writes a backup beside the library file.
#[uniffi::export]
pub fn sync_reset_choices() -> Vec<SyncResetChoice> {
    vec![
        SyncResetChoice {
            mode: SyncResetMode::Upload,
            title: "Replace Online Library".into(),
            description: "Makes the online library equal this one: everything here is \
                          uploaded, and what exists only online is deleted there."
                .into(),
            confirmation: "Replace the online library with this one? What exists only \
                           online will be deleted for every device. A backup of this \
                           library is written first."
                .into(),
            destructive: true,
        },
        SyncResetChoice {
            mode: SyncResetMode::Download,
            title: "Replace This Library".into(),
            description: "Makes this library equal the online one: changes made here are \
                          replaced, and what exists only here moves to the trash."
                .into(),
            confirmation: "Replace this library with the online one? Changes made on this \
                           device will be replaced. A backup of this library is written \
                           first."
                .into(),
            destructive: true,
        },
        SyncResetChoice {
            mode: SyncResetMode::Merge,
            title: "Merge Both".into(),
            description: "Joins this library and the online one as on a first sync: \
                          identical references pair up, and fields that differ become \
                          conflicts to resolve."
                .into(),
            confirmation: "Merge this library with the online one? Nothing is deleted; \
                           differences become conflicts to resolve. A backup of this \
                           library is written first."
                .into(),
            destructive: false,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_is_offered_once_and_explained_in_one_sentence() {
        let choices = sync_reset_choices();
        let modes: Vec<SyncResetMode> = choices.iter().map(|c| c.mode).collect();
        assert_eq!(
            modes,
            [
                SyncResetMode::Upload,
                SyncResetMode::Download,
                SyncResetMode::Merge
            ]
        );
        for choice in &choices {
            assert_eq!(
                choice.description.matches(". ").count(),
                0,
                "{}",
                choice.description
            );
            assert!(choice.description.ends_with('.'));
            assert!(choice.confirmation.contains("backup"));
        }
        assert!(!choices[2].destructive);
    }
}
