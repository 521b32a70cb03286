//! Blobs in S3-compatible object storage (the `object_store` crate):
//! `<prefix>/<md5>` objects. Uploads are received into a local temporary
//! file (so the MD5 is checked before anything is stored), then copied up;
//! downloads are redirected to short-lived presigned URLs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::signer::{Method, SignedUrlOptions, Signer};
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use rand::RngExt;
use tokio::io::AsyncReadExt;

use super::{BlobStore, is_md5};

/// How long a presigned download URL is valid.
const URL_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// Bytes read and sent at a time when copying an upload up.
const CHUNK: usize = 8 * 1024 * 1024;

/// An S3 bucket (and key prefix) holding blobs.
#[derive(Debug, Clone)]
pub struct S3Blobs {
    store: Arc<AmazonS3>,
    prefix: String,
    temp: PathBuf,
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl S3Blobs {
    /// Opens `s3://bucket[/prefix]`, with credentials, region and endpoint from
    /// the usual `AWS_*` environment variables (`AWS_ENDPOINT` and
    /// `AWS_ALLOW_HTTP` for other S3-compatible services). Uploads are staged
    /// in `temp`.
    pub fn new(url: &str, temp: PathBuf) -> std::io::Result<Self> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| io_error(format!("{url:?} is not an s3:// URL")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(io_error)?;
        std::fs::create_dir_all(&temp)?;
        Ok(Self {
            store: Arc::new(store),
            prefix: prefix.trim_matches('/').to_owned(),
            temp,
        })
    }

    fn path(&self, md5: &str) -> std::io::Result<ObjectPath> {
        if !is_md5(md5) {
            return Err(io_error(format!("{md5:?} is not an MD5")));
        }
        Ok(if self.prefix.is_empty() {
            ObjectPath::from(md5)
        } else {
            ObjectPath::from(format!("{}/{md5}", self.prefix))
        })
    }
}

#[async_trait]
impl BlobStore for S3Blobs {
    async fn exists(&self, md5: &str) -> std::io::Result<bool> {
        let Ok(path) = self.path(md5) else {
            return Ok(false);
        };
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(io_error(e)),
        }
    }

    async fn temp_file(&self) -> std::io::Result<(PathBuf, tokio::fs::File)> {
        let name: String = {
            let mut rng = rand::rng();
            (0..24)
                .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
                .collect()
        };
        let path = self.temp.join(name);
        let file = tokio::fs::File::create_new(&path).await?;
        Ok((path, file))
    }

    async fn commit(&self, temp: &Path, md5: &str) -> std::io::Result<()> {
        let target = self.path(md5)?;
        let mut file = tokio::fs::File::open(temp).await?;
        let upload = self.store.put_multipart(&target).await.map_err(io_error)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, CHUNK);
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            writer.wait_for_capacity(4).await.map_err(io_error)?;
            writer.write(&buf[..n]);
        }
        writer.finish().await.map_err(io_error)?;
        tokio::fs::remove_file(temp).await
    }

    fn local_path(&self, _md5: &str) -> Option<PathBuf> {
        None
    }

    async fn download_url(
        &self,
        md5: &str,
        content_type: &str,
        filename: &str,
    ) -> std::io::Result<Option<String>> {
        let path = self.path(md5)?;
        let name: String = filename
            .chars()
            .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
            .collect();
        // S3 answers with these headers instead of the stored ones.
        let options = SignedUrlOptions::new().with_query([
            ("response-content-type", content_type.to_owned()),
            (
                "response-content-disposition",
                format!("attachment; filename=\"{name}\""),
            ),
        ]);
        let url = self
            .store
            .signed_url_opts(Method::GET, &path, URL_LIFETIME, &options)
            .await
            .map_err(io_error)?;
        Ok(Some(url.to_string()))
    }

    async fn list(&self) -> std::io::Result<Vec<String>> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        let mut stream = self.store.list(prefix.as_ref());
        let mut out = Vec::new();
        while let Some(meta) = stream.next().await {
            let meta = meta.map_err(io_error)?;
            if let Some(name) = meta.location.filename()
                && is_md5(name)
            {
                out.push(name.to_owned());
            }
        }
        Ok(out)
    }

    async fn remove(&self, md5: &str) -> std::io::Result<()> {
        match self.store.delete(&self.path(md5)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }
}
