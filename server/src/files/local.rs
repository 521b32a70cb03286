//! Blobs in a local directory: `<root>/<first two hex digits>/<md5>`, with
//! uploads received under `<root>/tmp` and renamed into place.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use rand::RngExt;

use super::{BlobStore, is_md5};

/// A directory of blobs.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    /// Blobs under `root` (created when needed).
    pub fn new(root: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Self { root })
    }

    fn path(&self, md5: &str) -> Option<PathBuf> {
        is_md5(md5).then(|| self.root.join(&md5[..2]).join(md5))
    }
}

fn bad_name(md5: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("{md5:?} is not an MD5"),
    )
}

#[async_trait]
impl BlobStore for LocalBlobs {
    async fn exists(&self, md5: &str) -> std::io::Result<bool> {
        match self.path(md5) {
            Some(p) => tokio::fs::try_exists(p).await,
            None => Ok(false),
        }
    }

    async fn temp_file(&self) -> std::io::Result<(PathBuf, tokio::fs::File)> {
        let name: String = {
            let mut rng = rand::rng();
            (0..24)
                .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
                .collect()
        };
        let path = self.root.join("tmp").join(name);
        let file = tokio::fs::File::create_new(&path).await?;
        Ok((path, file))
    }

    async fn commit(&self, temp: &Path, md5: &str) -> std::io::Result<()> {
        let target = self.path(md5).ok_or_else(|| bad_name(md5))?;
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::rename(temp, target).await
    }

    fn local_path(&self, md5: &str) -> Option<PathBuf> {
        self.path(md5)
    }

    async fn list(&self) -> std::io::Result<Vec<String>> {
        let mut out = Vec::new();
        let mut dirs = tokio::fs::read_dir(&self.root).await?;
        while let Some(dir) = dirs.next_entry().await? {
            let name = dir.file_name().to_string_lossy().into_owned();
            if name.len() != 2 || !dir.file_type().await?.is_dir() {
                continue;
            }
            let mut files = tokio::fs::read_dir(dir.path()).await?;
            while let Some(f) = files.next_entry().await? {
                let md5 = f.file_name().to_string_lossy().into_owned();
                if is_md5(&md5) {
                    out.push(md5);
                }
            }
        }
        Ok(out)
    }

    async fn remove(&self, md5: &str) -> std::io::Result<()> {
        let path = self.path(md5).ok_or_else(|| bad_name(md5))?;
        match tokio::fs::remove_file(path).await {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn commit_list_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs = LocalBlobs::new(dir.path().to_owned()).expect("blobs");
        let md5 = "0123456789abcdef0123456789abcdef";
        assert!(!blobs.exists(md5).await.expect("exists"));
        let (temp, _) = blobs.temp_file().await.expect("temp");
        tokio::fs::write(&temp, b"bytes").await.expect("write");
        blobs.commit(&temp, md5).await.expect("commit");
        assert!(blobs.exists(md5).await.expect("exists"));
        assert_eq!(blobs.list().await.expect("list"), vec![md5.to_owned()]);
        blobs.remove(md5).await.expect("remove");
        assert!(blobs.list().await.expect("list").is_empty());
        assert!(blobs.commit(&temp, "../../etc/passwd").await.is_err());
        assert!(blobs.local_path("../x").is_none());
    }
}
