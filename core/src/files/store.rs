//! The attachment store on disk: where each attachment's file lives beside
//! the library file, atomic writes (temporary file, fsync, rename), MD5
//! checksums and content-type sniffing.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use md5::{Digest, Md5};

pub(crate) use crate::error::io_err;
use crate::error::{Error, Result};
use crate::library::LibraryId;

/// Folder of partly downloaded files inside the store.
const PARTIAL_DIR: &str = ".partial";

/// The folder holding one attachment's file:
/// `<attachments>/<library id>/<item key>/`.
pub(crate) fn item_dir(root: &Path, lib: LibraryId, key: &str) -> PathBuf {
    root.join(lib.0.to_string()).join(key)
}

/// Where a download in progress keeps its bytes, so that it can resume
/// after a broken connection or a restart.
pub(crate) fn partial_path(root: &Path, lib: LibraryId, key: &str) -> PathBuf {
    root.join(PARTIAL_DIR).join(format!("{}-{key}.part", lib.0))
}

/// A file name safe to use in the store: no directories, nothing empty.
pub(crate) fn safe_filename(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".to_owned()
    } else {
        cleaned
    }
}

/// MD5 as lowercase hex.
pub(crate) fn hex_md5(hasher: Md5) -> String {
    hex::encode(hasher.finalize())
}

/// Size and modification time (ms since the epoch) of a file, if it exists.
pub(crate) fn stat(path: &Path) -> Option<(u64, i64)> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64);
    Some((meta.len(), mtime))
}

/// Copies `source` into the store as `target`: the bytes go to a temporary
/// file in the same folder, are flushed to disk, then renamed into place,
/// so a crash never leaves a half-written file under the real name.
/// Returns the copy's MD5 and size.
pub(crate) fn copy_in(source: &Path, target: &Path) -> Result<(String, u64)> {
    let dir = target
        .parent()
        .ok_or_else(|| Error::invalid(format!("{} has no folder", target.display())))?;
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut input = File::open(source).map_err(io_err(source))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io_err(dir))?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(io_err(source))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        temp.write_all(&buf[..n]).map_err(io_err(target))?;
        size += n as u64;
    }
    temp.as_file().sync_all().map_err(io_err(target))?;
    temp.persist(target).map_err(|e| io_err(target)(e.error))?;
    Ok((hex_md5(hasher), size))
}

/// Moves a finished download into place (it was already flushed), replacing
/// any older copy, and removes other files of the item's folder.
pub(crate) fn install(partial: &Path, target: &Path) -> Result<()> {
    let dir = target
        .parent()
        .ok_or_else(|| Error::invalid(format!("{} has no folder", target.display())))?;
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    std::fs::rename(partial, target).map_err(io_err(target))?;
    remove_others(dir, target)
}

/// Removes every file of `dir` but `keep` (an older version under another name).
pub(crate) fn remove_others(dir: &Path, keep: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(io_err(dir))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path != keep && path.is_file() {
            std::fs::remove_file(&path).map_err(io_err(&path))?;
        }
    }
    Ok(())
}

/// Removes an attachment's folder and everything in it.
pub(crate) fn remove_item_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(dir)(e)),
    }
}

/// The content type of a file from its first bytes, else from its extension.
pub(crate) fn sniff_content_type(path: &Path) -> String {
    let mut head = [0u8; 512];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    if let Some(t) = by_magic(head) {
        return t.to_owned();
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    by_extension(&ext).to_owned()
}

fn by_magic(head: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"II*\0", "image/tiff"),
        (b"MM\0*", "image/tiff"),
    ];
    for (magic, t) in SIGNATURES {
        if head.starts_with(magic) {
            return Some(t);
        }
    }
    if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        return Some("image/webp");
    }
    // An EPUB is a zip whose first entry is `mimetype` holding its type.
    if head.starts_with(b"PK\x03\x04") {
        let epub = b"mimetypeapplication/epub+zip";
        if head.windows(epub.len()).any(|w| w == epub) {
            return Some("application/epub+zip");
        }
        return Some("application/zip");
    }
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with("<!doctype html") || text.starts_with("<html") {
        return Some("text/html");
    }
    None
}

fn by_extension(ext: &str) -> &'static str {
    match ext {
        "pdf" => "application/pdf",
        "epub" => "application/epub+zip",
        "html" | "htm" => "text/html",
        "txt" => "text/plain",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_before_extension() {
        assert_eq!(by_magic(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(
            by_magic(b"PK\x03\x04\x14\0\0\0\0\0mimetypeapplication/epub+zip"),
            Some("application/epub+zip")
        );
        assert_eq!(by_magic(b"  <!DOCTYPE html><p>"), Some("text/html"));
        assert_eq!(by_magic(b"plain words"), None);
        assert_eq!(
            by_extension("PDF".to_ascii_lowercase().as_str()),
            "application/pdf"
        );
    }

    #[test]
    fn file_names_cannot_leave_the_folder() {
        assert_eq!(safe_filename("../a/b.pdf"), ".._a_b.pdf");
        assert_eq!(safe_filename(".."), "file");
        assert_eq!(safe_filename(" paper.pdf "), "paper.pdf");
    }
}
