//! Backup archives ("Compressed Library"): one gzip-compressed tar holding a
//! consistent copy of the database, every attachment file, and a manifest of
//! SHA-256 checksums that restore verifies before anything is put in place.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rusqlite::Connection;
use rusqlite::backup::Backup;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::digest::hash_file;
use crate::error::{Error, Result, io_err};
use crate::library::{Library, OpenOptions, attachments_dir_for};

const FORMAT: &str = "shelfmark-backup";
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "library.shelfmark";
const ATTACHMENTS: &str = "attachments";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct ManifestEntry {
    path: String,
    size: u64,
    sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    format: String,
    version: u32,
    created: String,
    schema_version: u32,
    files: Vec<ManifestEntry>,
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub archive: PathBuf,
    /// Attachment files included.
    pub attachments: usize,
    /// Bytes of database and attachments before compression.
    pub bytes: u64,
}

fn damaged(archive: &Path, reason: impl Into<String>) -> Error {
    Error::DamagedArchive {
        path: archive.to_owned(),
        reason: reason.into(),
    }
}

/// Every regular file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).map_err(io_err(&current))? {
            let entry = entry.map_err(io_err(&current))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io_err(&path))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file()
                && let Ok(rel) = path.strip_prefix(dir)
            {
                out.push(rel.to_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Archive paths always use '/', whatever the platform.
fn archive_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl Library {
    /// Writes a backup archive of this library: a consistent copy of the
    /// database taken with SQLite's online backup (safe while the library is
    /// in use), every attachment file, and a manifest of checksums. The
    /// archive appears only once complete.
    pub fn backup(&self, archive: &Path) -> Result<BackupReport> {
        let work = tempfile::tempdir().map_err(io_err(archive))?;
        let db_copy = work.path().join(DATABASE);
        self.db.read(|src| {
            let mut dst = Connection::open(&db_copy)?;
            Backup::new(src, &mut dst)?.run_to_completion(1024, std::time::Duration::ZERO, None)?;
            // A standalone copy: no WAL beside it.
            dst.pragma_update(None, "journal_mode", "DELETE")?;
            Ok(())
        })?;

        let attachments_dir = self.attachments_dir();
        let attachment_files = files_under(&attachments_dir)?;
        let mut entries = Vec::with_capacity(attachment_files.len() + 1);
        let (sha, size) = hash_file::<Sha256>(&db_copy)?;
        entries.push(ManifestEntry {
            path: DATABASE.into(),
            size,
            sha256: sha,
        });
        for rel in &attachment_files {
            let (sha, size) = hash_file::<Sha256>(&attachments_dir.join(rel))?;
            entries.push(ManifestEntry {
                path: format!("{ATTACHMENTS}/{}", archive_path(rel)),
                size,
                sha256: sha,
            });
        }
        let manifest = Manifest {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            created: crate::time::now_timestamp(),
            schema_version: crate::db::SCHEMA_VERSION,
            files: entries,
        };

        let partial = archive.with_extension("partial");
        let result = (|| -> Result<()> {
            let file = File::create(&partial).map_err(io_err(&partial))?;
            let encoder = GzEncoder::new(BufWriter::new(file), Compression::default());
            let mut tar = tar::Builder::new(encoder);
            tar.append_path_with_name(&db_copy, DATABASE)
                .map_err(io_err(&db_copy))?;
            for rel in &attachment_files {
                let source = attachments_dir.join(rel);
                tar.append_path_with_name(&source, format!("{ATTACHMENTS}/{}", archive_path(rel)))
                    .map_err(io_err(&source))?;
            }
            let manifest_json = serde_json::to_vec_pretty(&manifest)?;
            let mut header = tar::Header::new_gnu();
            header.set_size(manifest_json.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, MANIFEST, manifest_json.as_slice())
                .map_err(io_err(&partial))?;
            let encoder = tar.into_inner().map_err(io_err(&partial))?;
            let mut writer = encoder.finish().map_err(io_err(&partial))?;
            writer.flush().map_err(io_err(&partial))?;
            writer
                .into_inner()
                .map_err(|e| Error::Io {
                    path: partial.clone(),
                    source: e.into_error(),
                })?
                .sync_all()
                .map_err(io_err(&partial))?;
            std::fs::rename(&partial, archive).map_err(io_err(archive))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        result?;
        Ok(BackupReport {
            archive: archive.to_owned(),
            attachments: attachment_files.len(),
            bytes: manifest.files.iter().map(|f| f.size).sum(),
        })
    }
}

/// Only plain relative paths may come out of an archive.
fn safe_relative(path: &Path) -> bool {
    path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// Creates a library at `to` from a backup archive. Every file is checked
/// against the manifest and the database against SQLite's integrity check
/// before anything appears at `to`; a damaged archive is refused whole.
pub fn restore(archive: &Path, to: &Path, options: &OpenOptions) -> Result<Library> {
    if to.exists() {
        return Err(Error::AlreadyExists {
            path: to.to_owned(),
        });
    }
    let attachments_target = attachments_dir_for(to);
    if attachments_target.exists() {
        return Err(Error::AlreadyExists {
            path: attachments_target,
        });
    }
    let parent = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    // Unpack beside the target, so that the final moves are renames.
    let work = tempfile::Builder::new()
        .prefix(".shelfmark-restore-")
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;

    let file = File::open(archive).map_err(io_err(archive))?;
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    let mut unpacked: Vec<String> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    let entries = tar
        .entries()
        .map_err(|e| damaged(archive, format!("not a backup archive ({e})")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| {
            // Failing before the first file means it was never an archive.
            if unpacked.is_empty() && manifest.is_none() {
                damaged(archive, format!("not a backup archive ({e})"))
            } else {
                damaged(archive, e.to_string())
            }
        })?;
        let path = entry
            .path()
            .map_err(|e| damaged(archive, e.to_string()))?
            .into_owned();
        if !safe_relative(&path) {
            return Err(damaged(archive, format!("unsafe path {}", path.display())));
        }
        let name = archive_path(&path);
        if name == MANIFEST {
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| damaged(archive, format!("manifest unreadable: {e}")))?;
            manifest = Some(
                serde_json::from_str(&text)
                    .map_err(|e| damaged(archive, format!("manifest invalid: {e}")))?,
            );
            continue;
        }
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let dest = work.path().join(&path);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let mut out = File::create(&dest).map_err(io_err(&dest))?;
        std::io::copy(&mut entry, &mut out)
            .map_err(|e| damaged(archive, format!("{name}: {e}")))?;
        unpacked.push(name);
    }
    let manifest = manifest.ok_or_else(|| damaged(archive, "the manifest is missing"))?;
    if manifest.format != FORMAT {
        return Err(damaged(archive, "not a Shelfmark backup"));
    }
    if manifest.version > FORMAT_VERSION {
        return Err(damaged(
            archive,
            format!(
                "written by a newer Shelfmark (backup format {})",
                manifest.version
            ),
        ));
    }
    for entry in &manifest.files {
        if !unpacked.contains(&entry.path) {
            return Err(damaged(archive, format!("{} is missing", entry.path)));
        }
        let (sha, size) = hash_file::<Sha256>(&work.path().join(&entry.path))?;
        if sha != entry.sha256 || size != entry.size {
            return Err(damaged(
                archive,
                format!("{} does not match its checksum", entry.path),
            ));
        }
    }
    if let Some(extra) = unpacked
        .iter()
        .find(|p| !manifest.files.iter().any(|f| &f.path == *p))
    {
        return Err(damaged(archive, format!("{extra} is not in the manifest")));
    }

    let db_file = work.path().join(DATABASE);
    let integrity: String = Connection::open(&db_file)?
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| damaged(archive, format!("database unreadable: {e}")))?;
    if integrity != "ok" {
        return Err(damaged(archive, format!("database damaged: {integrity}")));
    }
    // Check the format (a library, not from a newer build) before moving in.
    drop(Library::open_with(
        &db_file,
        &OpenOptions {
            allow_cloud_folder: true,
        },
    )?);
    for leftover in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(work.path().join(format!("{DATABASE}{leftover}")));
    }

    std::fs::rename(&db_file, to).map_err(io_err(to))?;
    let unpacked_attachments = work.path().join(ATTACHMENTS);
    if unpacked_attachments.exists() {
        if let Some(dir) = attachments_target.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        std::fs::rename(&unpacked_attachments, &attachments_target)
            .map_err(io_err(&attachments_target))?;
    }
    Library::open_with(to, options)
}
