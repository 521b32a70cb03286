//! Attachment files: the upload authorization flow (`POST <lib>/items/<key>/file`
//! with `md5, filename, filesize, mtime[, params=1]` and `If-None-Match: *` /
//! `If-Match`), receiving the bytes at the upload URL (MD5 checked while
//! streaming), registration (`upload=<uploadKey>`), and downloads (302 with the
//! `Zotero-File-*` headers to a short-lived URL that serves ranges).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use md5::{Digest, Md5};
use rand::RngExt;
use serde_json::json;
use shelfmark_protocol::{ItemData, LinkMode, ObjectKey};
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::items::path_key;
use super::{LAST_MODIFIED_VERSION, LibCtx, plain_json};
use crate::app::AppState;
use crate::clock::{now_iso, now_unix};
use crate::error::{ApiError, ApiResult};
use crate::files::is_md5;
use crate::store::{Changes, LibraryOwner, StoredFile, Upload, WriteRequest, plan_write};

const MEGABYTE: f64 = 1_000_000.0;
/// How long a download URL stays valid.
const DOWNLOAD_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// A short-lived permission to fetch one blob.
#[derive(Debug, Clone)]
struct Grant {
    /// The stored bytes to serve.
    blob: String,
    content_type: String,
    filename: String,
    expires: Instant,
}

/// Download URLs handed out by `GET …/file`, by their random token.
#[derive(Debug, Default)]
pub struct DownloadGrants(Mutex<HashMap<String, Grant>>);

impl DownloadGrants {
    fn issue(&self, grant: Grant) -> String {
        let token = random_token(32);
        if let Ok(mut map) = self.0.lock() {
            let now = Instant::now();
            map.retain(|_, g| g.expires > now);
            map.insert(token.clone(), grant);
        }
        token
    }

    fn get(&self, token: &str) -> Option<Grant> {
        let map = self.0.lock().ok()?;
        map.get(token)
            .filter(|g| g.expires > Instant::now())
            .cloned()
    }
}

fn random_token(len: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| HEX[rng.random_range(0..HEX.len())] as char)
        .collect()
}

fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `If-Match` / `If-None-Match: *` of a file request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileCondition {
    /// No file may exist yet.
    New,
    /// The stored file must have this MD5.
    Replaces(String),
}

fn file_condition(headers: &HeaderMap) -> ApiResult<FileCondition> {
    let text = |name: HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(v) = text(header::IF_NONE_MATCH) {
        if v == "*" {
            return Ok(FileCondition::New);
        }
        return Err(ApiError::bad_request("If-None-Match must be '*'"));
    }
    if let Some(v) = text(header::IF_MATCH) {
        let md5 = v.trim_matches('"').to_ascii_lowercase();
        if !is_md5(&md5) {
            return Err(ApiError::bad_request("If-Match must be an MD5 hash"));
        }
        return Ok(FileCondition::Replaces(md5));
    }
    Err(ApiError::precondition_required(
        "If-Match or If-None-Match header not provided",
    ))
}

/// Checks the condition against the stored file; `version` goes on 412s
/// except "If-Match set but file does not exist", which clients read as
/// "retry with If-None-Match: *".
fn check_condition(
    condition: &FileCondition,
    current: Option<&StoredFile>,
    version: u64,
) -> Result<(), ApiError> {
    match (condition, current) {
        (FileCondition::New, Some(_)) => Err(ApiError::precondition_failed(
            "If-None-Match: * set but file exists",
            version,
        )),
        (FileCondition::Replaces(_), None) => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "If-Match set but file does not exist",
        )),
        (FileCondition::Replaces(md5), Some(f)) if &f.md5 != md5 => Err(
            ApiError::precondition_failed("File hash does not match If-Match", version),
        ),
        _ => Ok(()),
    }
}

/// A file name without any path.
fn clean_filename(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if let Some(c) = super::text::forbidden_in_file_name(name) {
        return Err(ApiError::bad_request(format!(
            "Invalid filename: it contains the control character U+{:04X}",
            c as u32
        )));
    }
    let ok = !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\']);
    if ok {
        Ok(name.to_owned())
    } else {
        Err(ApiError::bad_request(format!("Invalid filename '{name}'")))
    }
}

/// The attachment item a file request is about: it must take stored files.
async fn attachment(ctx: &LibCtx, key: &ObjectKey) -> ApiResult<ItemData> {
    let query = crate::store::ItemQuery {
        keys: Some(vec![key.clone()]),
        include_trashed: true,
        limit: Some(1),
        ..Default::default()
    };
    let item = ctx
        .state
        .store
        .query_items(ctx.library.id, &query)
        .await?
        .rows
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("Item not found"))?;
    if !item.is_attachment() {
        return Err(ApiError::bad_request("Item is not an attachment"));
    }
    if !item.link_mode().is_some_and(LinkMode::has_stored_file) {
        return Err(ApiError::bad_request(
            "Cannot upload a file for a linked file or URL attachment",
        ));
    }
    Ok(item)
}

/// The user whose quota a library's files count against.
async fn quota_owner(ctx: &LibCtx) -> ApiResult<u64> {
    match ctx.library.owner {
        LibraryOwner::User(id) => Ok(id),
        LibraryOwner::Group(id) => Ok(ctx
            .state
            .store
            .group(id)
            .await?
            .ok_or_else(|| ApiError::not_found("Group not found"))?
            .owner),
    }
}

async fn check_quota(ctx: &LibCtx, replaced: u64, size: u64) -> ApiResult<()> {
    let owner = quota_owner(ctx).await?;
    let quota_mb = ctx
        .state
        .store
        .user(owner)
        .await?
        .and_then(|u| u.quota_mb)
        .unwrap_or(ctx.state.config.default_quota_mb);
    let usage = ctx.state.store.storage_usage(owner).await?;
    let after = usage.saturating_sub(replaced).saturating_add(size);
    if after as f64 > quota_mb as f64 * MEGABYTE {
        let usage_mb = format!("{:.1}", usage as f64 / MEGABYTE);
        return Err(ApiError::too_large(format!(
            "File would exceed quota ({:.1} > {quota_mb})",
            after as f64 / MEGABYTE
        ))
        .with_header(HeaderName::from_static("zotero-storage-usage"), usage_mb)
        .with_header(
            HeaderName::from_static("zotero-storage-quota"),
            quota_mb.to_string(),
        )
        .with_header(
            HeaderName::from_static("zotero-storage-userid"),
            owner.to_string(),
        ));
    }
    Ok(())
}

/// Attaches a stored file to an item in one write: the file row and the
/// item's `md5`, `filename`, `mtime` (and content type) change together.
async fn attach(
    ctx: &LibCtx,
    key: ObjectKey,
    file: StoredFile,
    condition: FileCondition,
    upload: Option<String>,
) -> ApiResult<u64> {
    let request = WriteRequest {
        items: vec![key.clone()],
        files: vec![key.clone()],
        ..WriteRequest::default()
    };
    let now = now_iso();
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| {
            let Some(item) = snap.items.get(&key) else {
                return (None, Err(ApiError::not_found("Item not found")));
            };
            if let Err(e) = check_condition(&condition, snap.files.get(&key), snap.library_version)
            {
                return (None, Err(e));
            }
            let mut item = item.clone();
            item.set_field("md5", file.md5.clone());
            item.set_field("filename", file.filename.clone());
            if !file.content_type.is_empty() {
                item.set_field("contentType", file.content_type.clone());
            }
            if !file.charset.is_empty() {
                item.set_field("charset", file.charset.clone());
            }
            item.mtime = Some(file.mtime);
            item.version = snap.next_version();
            item.date_modified = Some(now);
            let changes = Changes {
                items: vec![item],
                attach_files: vec![(key.clone(), file)],
                finish_upload: upload,
                ..Changes::default()
            };
            (Some(changes), Ok(()))
        },
    )
    .await?;
    result?;
    Ok(version)
}

/// `POST <lib>/items/<key>/file`: authorise an upload, or register one
/// (`upload=<uploadKey>`).
pub async fn authorize_or_register(
    ctx: LibCtx,
    Path((_, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    ctx.require_write()?;
    if !ctx.access.files {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "File editing denied"));
    }
    let key = path_key(&key)?;
    let fields = form(&body);
    let condition = file_condition(&headers)?;
    let item = attachment(&ctx, &key).await?;
    if let Some(upload_key) = fields.get("upload") {
        return register(&ctx, key, upload_key, condition).await;
    }
    let field = |name: &str| {
        fields
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::bad_request(format!("'{name}' not provided")))
    };
    let md5 = field("md5")?.to_ascii_lowercase();
    if !is_md5(&md5) {
        return Err(ApiError::bad_request("Invalid 'md5' value"));
    }
    let filename = clean_filename(field("filename")?)?;
    let size: u64 = field("filesize")?
        .parse()
        .map_err(|_| ApiError::bad_request("Invalid 'filesize' value"))?;
    if size > ctx.state.config.max_file_bytes {
        return Err(ApiError::bad_request(format!(
            "File is larger than the maximum of {} bytes",
            ctx.state.config.max_file_bytes
        )));
    }
    let mtime: i64 = field("mtime")?
        .parse()
        .map_err(|_| ApiError::bad_request("Invalid 'mtime' value"))?;
    // A zipped upload (as Zotero sends text and snapshot attachments): the
    // bytes are a zip archive named by `zipMD5`; `md5` stays the file's.
    let zip_md5 = match fields.get("zipMD5").map(|z| z.trim().to_ascii_lowercase()) {
        Some(z) if is_md5(&z) => Some(z),
        Some(_) => return Err(ApiError::bad_request("Invalid 'zipMD5' value")),
        None => None,
    };
    if zip_md5.is_some() {
        clean_filename(
            fields
                .get("zipFilename")
                .map(String::as_str)
                .unwrap_or_default(),
        )?;
    }
    let file = StoredFile {
        blob: zip_md5.clone().unwrap_or_else(|| md5.clone()),
        compressed: zip_md5.is_some(),
        md5,
        size,
        filename,
        mtime,
        content_type: fields
            .get("contentType")
            .filter(|t| !t.is_empty())
            .cloned()
            .or_else(|| item.field("contentType").map(str::to_owned))
            .unwrap_or_default(),
        charset: fields
            .get("charset")
            .filter(|t| !t.is_empty())
            .cloned()
            .or_else(|| item.field("charset").map(str::to_owned))
            .unwrap_or_default(),
    };
    let current = ctx.state.store.item_file(ctx.library.id, &key).await?;
    check_condition(&condition, current.as_ref(), ctx.library.version)?;
    check_quota(&ctx, current.as_ref().map_or(0, |f| f.size), size).await?;

    // The same bytes are already stored: link them, no upload needed.
    if ctx
        .state
        .blobs
        .exists(&file.blob)
        .await
        .map_err(|e| io_failure(&e))?
    {
        let version = attach(&ctx, key, file, condition, None).await?;
        if current.is_some() {
            ctx.state.reclaim_files_later();
        }
        let mut r = plain_json(&json!({"exists": 1}));
        r.headers_mut()
            .insert(LAST_MODIFIED_VERSION, HeaderValue::from(version));
        return Ok(r);
    }

    let upload_key = random_token(32);
    let url = format!("{}/uploads/{upload_key}", ctx.state.config.public_url);
    let wants_params = fields.get("params").is_some_and(|p| p == "1");
    ctx.state
        .store
        .create_upload(Upload {
            key: upload_key.clone(),
            library_id: ctx.library.id,
            item_key: key,
            file,
            created: now_unix(),
            completed: false,
        })
        .await?;
    let answer = if wants_params {
        json!({"url": url, "params": {"key": upload_key}, "uploadKey": upload_key})
    } else {
        json!({
            "url": url,
            "contentType": "application/octet-stream",
            "prefix": "",
            "suffix": "",
            "uploadKey": upload_key,
        })
    };
    Ok(plain_json(&answer))
}

async fn register(
    ctx: &LibCtx,
    key: ObjectKey,
    upload_key: &str,
    condition: FileCondition,
) -> ApiResult<Response> {
    let upload = ctx
        .state
        .store
        .upload(upload_key)
        .await?
        .filter(|u| u.library_id == ctx.library.id && u.item_key == key)
        .ok_or_else(|| ApiError::bad_request("Upload key not found"))?;
    if !upload.completed {
        return Err(ApiError::bad_request("The file has not been uploaded yet"));
    }
    let version = attach(ctx, key, upload.file, condition, Some(upload.key)).await?;
    ctx.state.reclaim_files_later();
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut()
        .insert(LAST_MODIFIED_VERSION, HeaderValue::from(version));
    Ok(r)
}

fn io_failure(e: &std::io::Error) -> ApiError {
    tracing::error!(error = %e, "file storage failure");
    ApiError::internal()
}

/// Writes a stream of chunks to a temporary file, hashing as it goes.
struct Receiver {
    path: std::path::PathBuf,
    file: tokio::fs::File,
    hasher: Md5,
    size: u64,
    limit: u64,
}

impl Receiver {
    async fn push(&mut self, chunk: &[u8]) -> ApiResult<()> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(ApiError::bad_request(
                "More bytes were sent than the upload announced",
            ));
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await.map_err(|e| io_failure(&e))
    }
}

/// `POST /uploads/<uploadKey>`: the file's bytes, raw or as the `file` part of
/// a multipart form. Answers 201 when they match the announced MD5 and size.
pub async fn receive(
    State(state): State<AppState>,
    Path(upload_key): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let upload = state
        .store
        .upload(&upload_key)
        .await?
        .ok_or_else(|| ApiError::not_found("Upload not found or expired"))?;
    let (path, file) = state.blobs.temp_file().await.map_err(|e| io_failure(&e))?;
    let mut rx = Receiver {
        path,
        file,
        hasher: Md5::new(),
        size: 0,
        limit: upload.file.size,
    };
    let outcome = receive_into(&mut rx, &state, request).await;
    let checked = outcome.and_then(|()| {
        let md5: String = rx
            .hasher
            .clone()
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if rx.size != upload.file.size {
            return Err(ApiError::bad_request(format!(
                "Received {} bytes, but the upload announced {}",
                rx.size, upload.file.size
            )));
        }
        if md5 != upload.file.blob {
            return Err(ApiError::bad_request(
                "The MD5 of the received bytes does not match the announced md5",
            ));
        }
        Ok(())
    });
    if let Err(e) = checked {
        let _ = tokio::fs::remove_file(&rx.path).await;
        return Err(e);
    }
    rx.file.flush().await.map_err(|e| io_failure(&e))?;
    rx.file.sync_all().await.map_err(|e| io_failure(&e))?;
    state
        .blobs
        .commit(&rx.path, &upload.file.blob)
        .await
        .map_err(|e| io_failure(&e))?;
    state.store.complete_upload(&upload_key).await?;
    Ok(StatusCode::CREATED.into_response())
}

async fn receive_into(rx: &mut Receiver, state: &AppState, request: Request) -> ApiResult<()> {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if is_multipart {
        let mut form = Multipart::from_request(request, state)
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid multipart form: {e}")))?;
        let mut seen_file = false;
        while let Some(mut field) = form
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid multipart form: {e}")))?
        {
            if field.name() != Some("file") {
                continue;
            }
            seen_file = true;
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| ApiError::bad_request(format!("Invalid multipart form: {e}")))?
            {
                rx.push(&chunk).await?;
            }
        }
        if !seen_file {
            return Err(ApiError::bad_request("The form has no 'file' part"));
        }
        return Ok(());
    }
    let mut stream = request.into_body().into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("Upload interrupted: {e}")))?;
        rx.push(&chunk).await?;
    }
    Ok(())
}

/// `GET <lib>/items/<key>/file`: 302 to the bytes, with the file's details
/// in `Zotero-File-*` headers.
pub async fn download(ctx: LibCtx, Path((_, key)): Path<(String, String)>) -> ApiResult<Response> {
    if !ctx.access.files {
        return Err(ApiError::forbidden());
    }
    let key = path_key(&key)?;
    let file = ctx
        .state
        .store
        .item_file(ctx.library.id, &key)
        .await?
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    let content_type = if file.compressed {
        "application/zip".to_owned()
    } else if file.content_type.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        file.content_type.clone()
    };
    let direct = ctx
        .state
        .blobs
        .download_url(&file.blob, &content_type, &file.filename)
        .await
        .map_err(|e| io_failure(&e))?;
    let location = match direct {
        Some(url) => url,
        None => {
            let token = ctx.state.downloads.issue(Grant {
                blob: file.blob.clone(),
                content_type,
                filename: file.filename.clone(),
                expires: Instant::now() + DOWNLOAD_LIFETIME,
            });
            format!("{}/downloads/{token}", ctx.state.config.public_url)
        }
    };
    let mut r = Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, location)
        .header("zotero-file-md5", file.md5)
        .header("zotero-file-size", file.size)
        .header("zotero-file-modification-time", file.mtime)
        .header(
            "zotero-file-compressed",
            if file.compressed { "Yes" } else { "No" },
        )
        .body(Body::empty())
        .map_err(|_| ApiError::internal())?;
    r.headers_mut().insert(
        LAST_MODIFIED_VERSION,
        HeaderValue::from(ctx.library.version),
    );
    Ok(r)
}

/// `GET /downloads/<token>`: the bytes, with `Range` support.
pub async fn serve(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let grant = state
        .downloads
        .get(&token)
        .ok_or_else(|| ApiError::not_found("Download link not found or expired"))?;
    let path = state
        .blobs
        .local_path(&grant.blob)
        .ok_or_else(|| ApiError::not_found("File not found"))?;
    let content_type = if grant.content_type.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        grant.content_type.clone()
    };
    let mime = HeaderValue::from_str(&content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let response = match ServeFile::new(path).oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let mut response = response.map(Body::new);
    if response.status().is_success() {
        response.headers_mut().insert(header::CONTENT_TYPE, mime);
    }
    let disposition: String = grant
        .filename
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{disposition}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
