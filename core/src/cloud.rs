//! Recognising folders that a cloud file-sync client manages. Such clients
//! copy a database file while it is being written and routinely corrupt it,
//! so a library is not opened from one unless the user insists.

use std::path::{Path, PathBuf};

/// Folder names (whole, or as a prefix before " - " / " (") that sync clients
/// create, with the service's name.
const MANAGED_FOLDERS: &[(&str, &str)] = &[
    ("Dropbox", "Dropbox"),
    ("OneDrive", "OneDrive"),
    ("iCloud Drive", "iCloud Drive"),
    ("iCloudDrive", "iCloud Drive"),
    ("Mobile Documents", "iCloud Drive"),
    ("com~apple~CloudDocs", "iCloud Drive"),
    ("Google Drive", "Google Drive"),
    ("GoogleDrive", "Google Drive"),
    ("My Drive", "Google Drive"),
    ("CloudStorage", "a cloud storage provider"),
    ("Box Sync", "Box"),
    ("pCloudDrive", "pCloud"),
];

/// Marker files sync clients leave in the folders they manage.
const MARKER_FILES: &[(&str, &str)] = &[
    (".dropbox", "Dropbox"),
    (".dropbox.cache", "Dropbox"),
    (".tmp.drivedownload", "Google Drive"),
];

fn matches_folder(name: &str, folder: &str) -> bool {
    name == folder
        || name.strip_prefix(folder).is_some_and(|rest| {
            rest.starts_with(" - ") || rest.starts_with(" (") || rest.starts_with('-')
        })
}

/// The service managing the folder that would hold `path`, if any.
pub fn managing_service(path: &Path) -> Option<&'static str> {
    let absolute: PathBuf = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let folder = absolute.parent()?;
    // Resolve symlinks where the folder exists: a link into Dropbox counts.
    let folder = folder.canonicalize().unwrap_or_else(|_| folder.to_owned());
    for component in folder.components() {
        let name = component.as_os_str().to_string_lossy();
        if let Some((_, service)) = MANAGED_FOLDERS
            .iter()
            .find(|(f, _)| matches_folder(&name, f))
        {
            return Some(service);
        }
    }
    for ancestor in folder.ancestors() {
        if let Some((_, service)) = MARKER_FILES.iter().find(|(m, _)| ancestor.join(m).exists()) {
            return Some(service);
        }
    }
    None
}

/// The explanation shown when a library is refused.
pub(crate) fn refusal_message(path: &Path, service: &str) -> String {
    format!(
        "{} is inside a folder managed by {service}. Cloud file-sync clients copy a library \
         while it is being written, which corrupts it. Keep the library on a local disk and \
         let Shelfmark's own sync share it between devices (backups may live in the cloud \
         folder). To open it there anyway, allow cloud folders explicitly \
         (shelfmark --allow-cloud-folder).",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_managed_folders() {
        let cases = [
            ("/home/ada/Dropbox/papers.shelfmark", Some("Dropbox")),
            (
                "/home/ada/Dropbox (Personal)/lib.shelfmark",
                Some("Dropbox"),
            ),
            (
                "C:/Users/ada/OneDrive - University/lib.shelfmark",
                Some("OneDrive"),
            ),
            (
                "/Users/ada/Library/Mobile Documents/com~apple~CloudDocs/l.shelfmark",
                Some("iCloud Drive"),
            ),
            (
                "/Users/ada/Library/CloudStorage/GoogleDrive-ada@x.org/My Drive/l.shelfmark",
                Some("a cloud storage provider"),
            ),
            ("/home/ada/Google Drive/l.shelfmark", Some("Google Drive")),
            ("/home/ada/papers/l.shelfmark", None),
            ("/home/ada/Dropboxes/l.shelfmark", None),
        ];
        for (path, expected) in cases {
            assert_eq!(managing_service(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn recognises_marker_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let inner = dir.path().join("work/refs");
        std::fs::create_dir_all(&inner).expect("mkdir");
        assert_eq!(managing_service(&inner.join("l.shelfmark")), None);
        std::fs::write(dir.path().join("work/.dropbox"), b"{}").expect("marker");
        assert_eq!(
            managing_service(&inner.join("l.shelfmark")),
            Some("Dropbox")
        );
    }
}
