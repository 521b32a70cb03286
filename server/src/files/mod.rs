//! Attachment file bytes ("blobs"), named by their MD5, behind a trait so a
//! local directory (the embedded default) and object storage can serve alike.
//! Which item has which file is metadata and lives in the [`crate::store`].

pub mod local;
pub mod s3;

use std::path::{Path, PathBuf};

use async_trait::async_trait;

/// Whether `md5` is 32 lower-case hexadecimal digits (and so a safe name).
pub fn is_md5(md5: &str) -> bool {
    md5.len() == 32 && md5.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Where file bytes are kept.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Whether a blob with this MD5 is stored.
    async fn exists(&self, md5: &str) -> std::io::Result<bool>;
    /// A new temporary file to receive an upload into.
    async fn temp_file(&self) -> std::io::Result<(PathBuf, tokio::fs::File)>;
    /// Moves a received and checked temporary file into place.
    async fn commit(&self, temp: &Path, md5: &str) -> std::io::Result<()>;
    /// The blob's path on this machine, for serving it with ranges.
    fn local_path(&self, md5: &str) -> Option<PathBuf>;
    /// A URL the client can fetch the blob from directly (object storage),
    /// answering with this content type and file name, or `None` when this
    /// server serves it.
    async fn download_url(
        &self,
        _md5: &str,
        _content_type: &str,
        _filename: &str,
    ) -> std::io::Result<Option<String>> {
        Ok(None)
    }
    /// Every stored blob's MD5.
    async fn list(&self) -> std::io::Result<Vec<String>>;
    /// Removes a blob.
    async fn remove(&self, md5: &str) -> std::io::Result<()>;
}

/// Removes blobs that no item and no pending upload refers to any more.
/// Returns how many were removed.
pub async fn reclaim(
    store: &dyn crate::store::Store,
    blobs: &dyn BlobStore,
) -> anyhow::Result<usize> {
    let keep = store.referenced_blobs().await?;
    let mut removed = 0;
    for md5 in blobs.list().await? {
        if !keep.contains(&md5) {
            blobs.remove(&md5).await?;
            removed += 1;
        }
    }
    Ok(removed)
}
