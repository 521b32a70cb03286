//! Digests of files on disk, read in chunks so large PDFs and backups never
//! sit in memory whole.

use std::io::Read;
use std::path::Path;

use crate::error::{Result, io_err};

/// The digest (lowercase hex) and size of a file, read in chunks.
pub(crate) fn hash_file<D: sha2::Digest>(path: &Path) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path).map_err(io_err(path))?;
    let mut hasher = D::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}
