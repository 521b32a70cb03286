//! Attachment files over the Web API: finding a file's download URL (the
//! `302` with `Zotero-File-*` headers), ranged downloads that resume where a
//! broken connection stopped, and the upload authorization flow (`exists`
//! shortcut, `If-Match` on replacement, registration).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use md5::{Digest, Md5};
use reqwest::header::{HeaderMap, RANGE};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio_util::io::ReaderStream;
use tokio_util::sync::CancellationToken;

use super::store::{hex_md5, io_err};
use crate::error::Error;
use crate::sync::client::{ApiClient, RemoteLibrary};
use crate::sync::{SyncError, SyncErrorKind};

/// Consecutive broken connections without a byte of progress before a
/// download gives up.
const MAX_STALLS: u32 = 5;
/// Bytes handed to the hashing and the writing thread at a time.
const BLOCK: usize = 1 << 20;

/// About [`BLOCK`] bytes of a download, as the pieces they arrived in.
type Block = Arc<Vec<bytes::Bytes>>;

/// Why a transfer did not finish.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TransferError {
    pub kind: SyncErrorKind,
    pub message: String,
    /// From `Zotero-Storage-Usage` / `-Quota` on a 413 (MB).
    pub usage_mb: Option<f64>,
    pub quota_mb: Option<f64>,
    pub status: Option<u16>,
}

impl TransferError {
    fn new(kind: SyncErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            usage_mb: None,
            quota_mb: None,
            status: None,
        }
    }

    pub fn cancelled() -> Self {
        Self::new(SyncErrorKind::Network, "cancelled")
    }

    pub fn is_cancelled(&self) -> bool {
        self.status.is_none() && self.message == "cancelled"
    }
}

impl From<SyncError> for TransferError {
    fn from(e: SyncError) -> Self {
        Self {
            status: e.status,
            ..Self::new(e.kind, e.message)
        }
    }
}

impl From<Error> for TransferError {
    fn from(e: Error) -> Self {
        match e {
            Error::Sync(s) => s.into(),
            other => Self::new(SyncErrorKind::InvalidData, other.to_string()),
        }
    }
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// Where and what a file on the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteFile {
    pub url: String,
    pub md5: String,
    pub size: u64,
    pub mtime: Option<i64>,
    pub compressed: bool,
}

/// `GET <lib>/items/<key>/file`: the download URL and the file's details;
/// `None` when the server holds no file for the item.
pub(crate) async fn locate(
    client: &ApiClient,
    remote: RemoteLibrary,
    key: &str,
) -> Result<Option<RemoteFile>, TransferError> {
    let url = client.url(&format!("{}/items/{key}/file", remote.prefix()));
    let response = client
        .send(|| client.files_request(Method::GET, &url))
        .await?;
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !status.is_redirection() {
        if status.is_success() {
            return Err(TransferError::new(
                SyncErrorKind::Server,
                "the server sent the file without the expected redirect",
            ));
        }
        return Err(ApiClient::error_of(response).await.into());
    }
    let headers = response.headers();
    let location = header_text(headers, "location").ok_or_else(|| {
        TransferError::new(SyncErrorKind::Server, "a redirect without a Location")
    })?;
    // A relative Location is resolved against the request.
    let url = response
        .url()
        .join(location)
        .map_err(|e| TransferError::new(SyncErrorKind::Server, format!("bad Location: {e}")))?
        .to_string();
    let md5 = header_text(headers, "zotero-file-md5")
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| TransferError::new(SyncErrorKind::Server, "no Zotero-File-MD5 header"))?;
    let size = header_text(headers, "zotero-file-size")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| TransferError::new(SyncErrorKind::Server, "no Zotero-File-Size header"))?;
    Ok(Some(RemoteFile {
        url,
        md5,
        size,
        mtime: header_text(headers, "zotero-file-modification-time").and_then(|s| s.parse().ok()),
        compressed: header_text(headers, "zotero-file-compressed")
            .is_some_and(|c| c.eq_ignore_ascii_case("yes")),
    }))
}

/// How one response's bytes ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    Complete,
    Broken,
    Cancelled,
}

/// How a fetch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fetched {
    /// All bytes are in the partial file and match the MD5 and size.
    Complete,
    /// The bytes arrived but do not match: the partial file was removed.
    Corrupt,
    /// The download URL is no longer valid; ask for a new one.
    Expired,
}

/// Downloads `file` into `partial`, continuing from the bytes already
/// there with a `Range` request, and again after every broken connection.
/// `progress(done, total)` is called as bytes arrive.
pub(crate) async fn fetch(
    client: &ApiClient,
    file: &RemoteFile,
    partial: &Path,
    cancel: &CancellationToken,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Fetched, TransferError> {
    if let Some(dir) = partial.parent() {
        std::fs::create_dir_all(dir)
            .map_err(io_err(dir))
            .map_err(TransferError::from)?;
    }
    // Bytes kept from an earlier attempt are hashed once, then extended.
    let (mut hasher, mut offset) = hash_existing(partial)?;
    if offset > file.size {
        std::fs::remove_file(partial)
            .map_err(io_err(partial))
            .map_err(TransferError::from)?;
        (hasher, offset) = (Md5::new(), 0);
    }
    let mut stalls = 0;
    // Whether the bytes in `partial` are known to be on disk.
    let mut synced = false;
    while offset < file.size {
        if cancel.is_cancelled() {
            return Err(TransferError::cancelled());
        }
        let range = format!("bytes={offset}-");
        let from = offset;
        let response = client
            .send(|| {
                let request = client.plain_http.get(&file.url);
                if from > 0 {
                    request.header(RANGE, range.as_str())
                } else {
                    request
                }
            })
            .await?;
        let status = response.status();
        match status {
            StatusCode::PARTIAL_CONTENT if from > 0 => {}
            StatusCode::OK => {
                // The server ignored the range: start over.
                hasher = Md5::new();
                offset = 0;
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                std::fs::remove_file(partial).ok();
                (hasher, offset) = (Md5::new(), 0);
                stalls += 1;
                if stalls >= MAX_STALLS {
                    return Err(TransferError::new(
                        SyncErrorKind::Server,
                        "the server refused every range of the file",
                    ));
                }
                continue;
            }
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN | StatusCode::GONE => {
                return Ok(Fetched::Expired);
            }
            _ => return Err(ApiClient::error_of(response).await.into()),
        }
        let out = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(offset > 0)
            .truncate(offset == 0)
            .open(partial)
            .map_err(io_err(partial))
            .map_err(TransferError::from)?;
        // Hashing and writing each run on a thread of their own while the
        // next bytes arrive, so a download goes at the pace of the slowest
        // of the three rather than of their sum. The writer makes what it
        // wrote durable while the hashing catches up.
        let (to_hasher, mut hashing) = tokio::sync::mpsc::channel::<Block>(16);
        let (to_writer, mut writing) = tokio::sync::mpsc::channel::<Block>(16);
        let mut state = hasher;
        let hashed = tokio::task::spawn_blocking(move || {
            while let Some(block) = hashing.blocking_recv() {
                block.iter().for_each(|piece| state.update(piece));
            }
            state
        });
        let written = tokio::task::spawn_blocking(move || {
            let mut out = out;
            while let Some(block) = writing.blocking_recv() {
                for piece in block.iter() {
                    out.write_all(piece)?;
                }
            }
            out.sync_all()
        });
        let before = offset;
        let mut response = response;
        // Bytes go to the threads in large blocks, fewer hand-overs, of the
        // pieces as received: nothing is copied on the receiving task.
        let mut block = Vec::new();
        let mut block_bytes = 0;
        let ended = loop {
            let chunk = tokio::select! {
                () = cancel.cancelled() => None,
                chunk = response.chunk() => Some(chunk),
            };
            let Some(chunk) = chunk else {
                break Ended::Cancelled;
            };
            match chunk {
                Ok(Some(bytes)) => {
                    let take = (file.size - offset).min(bytes.len() as u64) as usize;
                    block.push(bytes.slice(..take));
                    block_bytes += take;
                    offset += take as u64;
                    if block_bytes >= BLOCK {
                        block_bytes = 0;
                        let full = Arc::new(std::mem::take(&mut block));
                        if hand_over(&to_hasher, &to_writer, full).await.is_err() {
                            // The writer stopped: its error is reported below.
                            break Ended::Broken;
                        }
                    }
                    progress(offset, file.size);
                    if offset >= file.size {
                        break Ended::Complete;
                    }
                }
                Ok(None) if offset < file.size => break Ended::Broken,
                Ok(None) => break Ended::Complete,
                Err(_) => break Ended::Broken,
            }
        };
        // What arrived before the end or the break is kept.
        if !block.is_empty() {
            let _ = hand_over(&to_hasher, &to_writer, Arc::new(block)).await;
        }
        drop((to_hasher, to_writer));
        let stopped = |e: tokio::task::JoinError| {
            TransferError::new(SyncErrorKind::InvalidData, e.to_string())
        };
        written
            .await
            .map_err(stopped)?
            .map_err(io_err(partial))
            .map_err(TransferError::from)?;
        hasher = hashed.await.map_err(stopped)?;
        synced = true;
        if ended == Ended::Cancelled {
            return Err(TransferError::cancelled());
        }
        let broke = ended == Ended::Broken;
        if broke {
            stalls = if offset > before { 0 } else { stalls + 1 };
            if stalls >= MAX_STALLS {
                return Err(TransferError::new(
                    SyncErrorKind::Network,
                    "the connection kept breaking during the download",
                ));
            }
        }
    }
    if !synced {
        // All of it was there from an earlier attempt.
        std::fs::OpenOptions::new()
            .write(true)
            .open(partial)
            .and_then(|done| done.sync_all())
            .map_err(io_err(partial))
            .map_err(TransferError::from)?;
    }
    if hex_md5(hasher) != file.md5 || offset != file.size {
        std::fs::remove_file(partial).ok();
        return Ok(Fetched::Corrupt);
    }
    Ok(Fetched::Complete)
}

/// Gives a block of a download to the hashing and the writing thread; an
/// error when either has stopped (the writer's own error is reported by
/// whoever joins it).
async fn hand_over(
    to_hasher: &tokio::sync::mpsc::Sender<Block>,
    to_writer: &tokio::sync::mpsc::Sender<Block>,
    block: Block,
) -> Result<(), ()> {
    to_hasher.send(Arc::clone(&block)).await.map_err(|_| ())?;
    to_writer.send(block).await.map_err(|_| ())
}

/// MD5 state and length of the bytes already in a partial download.
fn hash_existing(partial: &Path) -> Result<(Md5, u64), TransferError> {
    let mut hasher = Md5::new();
    let mut size = 0u64;
    let Ok(mut file) = std::fs::File::open(partial) else {
        return Ok((hasher, 0));
    };
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(io_err(partial))
            .map_err(TransferError::from)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hasher, size))
}

/// A file to upload and what it replaces.
#[derive(Debug, Clone)]
pub(crate) struct UploadRequest<'a> {
    pub key: &'a str,
    pub path: &'a Path,
    pub md5: &'a str,
    pub size: u64,
    pub filename: &'a str,
    pub mtime: i64,
    pub content_type: Option<&'a str>,
    /// The server's MD5 being replaced (`If-Match`); `None` for a first
    /// upload (`If-None-Match: *`).
    pub replaces: Option<&'a str>,
}

/// How an upload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Uploaded {
    /// The bytes were sent and registered.
    Sent,
    /// The server already had these bytes (`exists`): linked, nothing sent.
    Existed,
}

/// Why the server refused an upload's condition (412).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// `If-Match` was sent but the server has no file.
    NoFileThere,
    /// The server's file is not the one we meant to replace (or a first
    /// upload found one already there).
    ChangedThere,
}

/// Either the upload's outcome or a refused condition.
pub(crate) type UploadOutcome = Result<Uploaded, Precondition>;

fn with_condition(
    request: reqwest::RequestBuilder,
    replaces: Option<&str>,
) -> reqwest::RequestBuilder {
    match replaces {
        Some(md5) => request.header("If-Match", md5),
        None => request.header("If-None-Match", "*"),
    }
}

async fn refusal(response: reqwest::Response) -> TransferError {
    let status = response.status().as_u16();
    let usage =
        header_text(response.headers(), "zotero-storage-usage").and_then(|v| v.parse().ok());
    let quota =
        header_text(response.headers(), "zotero-storage-quota").and_then(|v| v.parse().ok());
    let mut err: TransferError = ApiClient::error_of(response).await.into();
    if status == 413 {
        err.kind = SyncErrorKind::StorageQuota;
        err.usage_mb = usage;
        err.quota_mb = quota;
        err.message = match (usage, quota) {
            (Some(u), Some(q)) => format!("storage full: {u:.1} MB of {q} MB used"),
            _ => "storage full".to_owned(),
        };
    }
    err
}

/// Uploads one file: authorization (or the `exists` shortcut), the bytes,
/// and registration.
pub(crate) async fn upload(
    client: &ApiClient,
    remote: RemoteLibrary,
    file: &UploadRequest<'_>,
) -> Result<UploadOutcome, TransferError> {
    let url = client.url(&format!("{}/items/{}/file", remote.prefix(), file.key));
    let size = file.size.to_string();
    let mtime = file.mtime.to_string();
    let mut form = vec![
        ("md5", file.md5),
        ("filename", file.filename),
        ("filesize", size.as_str()),
        ("mtime", mtime.as_str()),
    ];
    if let Some(t) = file.content_type {
        form.push(("contentType", t));
    }
    let response = client
        .send(|| {
            with_condition(
                client.files_request(Method::POST, &url).form(&form),
                file.replaces,
            )
        })
        .await?;
    if response.status() == StatusCode::PRECONDITION_FAILED {
        return Ok(Err(precondition(response).await));
    }
    if !response.status().is_success() {
        return Err(refusal(response).await);
    }
    let answer: Value = response
        .json()
        .await
        .map_err(|e| TransferError::from(SyncError::bad_response(e)))?;
    if answer.get("exists").is_some() {
        return Ok(Ok(Uploaded::Existed));
    }
    let text = |name: &str| answer.get(name).and_then(Value::as_str).unwrap_or_default();
    let upload_url = text("url").to_owned();
    let upload_key = text("uploadKey").to_owned();
    if upload_url.is_empty() || upload_key.is_empty() {
        return Err(SyncError::bad_response("no upload URL or key").into());
    }
    // The bytes stream from the file (phones hold no whole PDF in memory),
    // framed by the prefix and suffix the upload URL asks for.
    let prefix = bytes::Bytes::from(text("prefix").to_owned());
    let suffix = bytes::Bytes::from(text("suffix").to_owned());
    let length = prefix.len() as u64 + file.size + suffix.len() as u64;
    let content_type = match text("contentType") {
        "" => "application/octet-stream".to_owned(),
        t => t.to_owned(),
    };
    // Opened once up front so that a vanished file is a clear error.
    std::fs::File::open(file.path)
        .map_err(io_err(file.path))
        .map_err(TransferError::from)?;
    let body = || {
        let opened = std::fs::File::open(file.path);
        let (prefix, suffix) = (prefix.clone(), suffix.clone());
        let stream = futures_util::stream::once(async move { Ok(prefix) })
            .chain(match opened {
                Ok(f) => ReaderStream::with_capacity(tokio::fs::File::from_std(f), 256 * 1024)
                    .left_stream(),
                Err(e) => futures_util::stream::once(async move { Err(e) }).right_stream(),
            })
            .chain(futures_util::stream::once(async move {
                Ok::<_, std::io::Error>(suffix)
            }));
        reqwest::Body::wrap_stream(stream)
    };
    let response = client
        .send(|| {
            client
                .plain_http
                .post(&upload_url)
                .header("Content-Type", content_type.as_str())
                .header("Content-Length", length)
                .body(body())
        })
        .await?;
    if !response.status().is_success() {
        return Err(refusal(response).await);
    }
    let register = [("upload", upload_key.as_str())];
    let response = client
        .send(|| {
            with_condition(
                client.files_request(Method::POST, &url).form(&register),
                file.replaces,
            )
        })
        .await?;
    if response.status() == StatusCode::PRECONDITION_FAILED {
        return Ok(Err(precondition(response).await));
    }
    if !response.status().is_success() {
        return Err(refusal(response).await);
    }
    Ok(Ok(Uploaded::Sent))
}

async fn precondition(response: reqwest::Response) -> Precondition {
    let body = response.text().await.unwrap_or_default();
    if body.contains("does not exist") {
        Precondition::NoFileThere
    } else {
        Precondition::ChangedThere
    }
}
