//! Library-wide resources: tags, settings and the `/deleted` feed.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::paging::{Paging, add_headers};
use super::query::any_of;
use super::write::library_precondition;
use super::{LibCtx, Params, json_response, no_content, not_modified, parse_body, version_header};
use crate::clock::now_iso;
use crate::error::{ApiError, ApiResult};
use crate::store::{Changes, ItemQuery, Setting, WriteRequest, plan_write};
use shelfmark_protocol::headers;

/// Most settings in one POST (as the Web API allows).
const SETTINGS_BATCH_MAX: usize = 250;
/// Most tags in one DELETE.
const TAGS_DELETE_MAX: usize = 50;

/// `GET <lib>/tags`: tags in use with their type and item count.
pub async fn tags(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    let query = ItemQuery {
        since: params.number("since")?,
        hide_notes: !ctx.access.notes,
        ..ItemQuery::default()
    };
    tags_of(ctx, params, headers, query, "/tags").await
}

/// A tag name from its URL segment, form-encoded as the tag listing links
/// it (`+` for a space, `%2B` for a plus).
fn tag_from_segment(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `GET <lib>/tags/<name>`: the tags of every type with that name, 404 when
/// no item has it.
pub async fn tag_by_name(
    ctx: LibCtx,
    uri: axum::http::Uri,
    params: Params,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let name = uri
        .path()
        .rsplit_once("/tags/")
        .and_then(|(_, segment)| tag_from_segment(segment))
        .ok_or_else(|| ApiError::not_found("Tag not found"))?;
    let query = ItemQuery {
        hide_notes: !ctx.access.notes,
        ..ItemQuery::default()
    };
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let path = format!("/tags/{encoded}");
    let selection = TagSelection::read(&params)?;
    if let Some(r) = not_modified(&headers, ctx.library.version)? {
        return Ok(r);
    }
    let mut tags = ctx.state.store.tags(ctx.library.id, &query).await?;
    tags.retain(|t| t.tag == name);
    if tags.is_empty() {
        return Err(ApiError::not_found("Tag not found"));
    }
    answer_tags(&ctx, &params, selection, tags, &path)
}

/// How a tags request narrows and orders the tags themselves: `q` with
/// `qmode` (`contains`, the default, or `startsWith`), `sort` (`title`, the
/// default, or `numItems`), `direction` and paging.
#[derive(Debug, Clone)]
struct TagSelection {
    q: Option<String>,
    starts_with: bool,
    by_count: bool,
    descending: bool,
    paging: Paging,
}

impl TagSelection {
    fn read(params: &Params) -> ApiResult<Self> {
        let starts_with = match params.get("qmode").unwrap_or("contains") {
            "contains" | "" => false,
            "startsWith" => true,
            other => {
                return Err(ApiError::bad_request(format!(
                    "Invalid 'qmode' value '{other}': expected contains or startsWith"
                )));
            }
        };
        let by_count = match params.get("sort").unwrap_or("title") {
            "title" | "" => false,
            "numItems" => true,
            other => {
                return Err(ApiError::bad_request(format!(
                    "Invalid 'sort' value '{other}': expected title or numItems"
                )));
            }
        };
        let descending = match params.get("direction") {
            None | Some("") => by_count,
            Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "Invalid 'direction' value '{other}'"
                )));
            }
        };
        Ok(Self {
            q: params
                .get("q")
                .filter(|q| !q.is_empty())
                .map(str::to_lowercase),
            starts_with,
            by_count,
            descending,
            paging: Paging::from_params(params)?,
        })
    }

    fn apply(&self, tags: &mut Vec<crate::store::TagInfo>) {
        if let Some(q) = &self.q {
            tags.retain(|t| {
                let name = t.tag.to_lowercase();
                if self.starts_with {
                    name.starts_with(q.as_str())
                } else {
                    name.contains(q.as_str())
                }
            });
        }
        if self.by_count {
            tags.sort_by_key(|t| t.num_items);
        }
        if self.descending {
            tags.reverse();
        }
    }
}

/// Tags on the items a query selects (`<items URL>/tags`), answered as
/// `GET <lib>/tags` answers.
pub async fn tags_of(
    ctx: LibCtx,
    params: Params,
    headers: HeaderMap,
    query: ItemQuery,
    path: &str,
) -> ApiResult<Response> {
    let selection = TagSelection::read(&params)?;
    if let Some(r) = not_modified(&headers, ctx.library.version)? {
        return Ok(r);
    }
    let tags = ctx.state.store.tags(ctx.library.id, &query).await?;
    answer_tags(&ctx, &params, selection, tags, path)
}

fn answer_tags(
    ctx: &LibCtx,
    params: &Params,
    selection: TagSelection,
    mut tags: Vec<crate::store::TagInfo>,
    path: &str,
) -> ApiResult<Response> {
    selection.apply(&mut tags);
    let paging = selection.paging;
    let total = tags.len();
    let list: Vec<Value> = paging
        .slice(tags)
        .into_iter()
        .map(|t| {
            let encoded: String = form_urlencoded::byte_serialize(t.tag.as_bytes()).collect();
            json!({
                "tag": t.tag,
                "links": {
                    "self": {"href": ctx.url(&format!("/tags/{encoded}")), "type": "application/json"},
                    "alternate": {"href": ctx.url(&format!("/tags/{encoded}")), "type": "text/html"},
                },
                "meta": {"type": t.kind, "numItems": t.num_items},
            })
        })
        .collect();
    let mut r = json_response(&Value::Array(list), ctx.library.version);
    add_headers(&mut r, &ctx.url(path), params, paging, total);
    Ok(r)
}

/// `DELETE <lib>/tags?tag=a || b`: removes tags from every item.
pub async fn delete_tags(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    ctx.require_write()?;
    let names: Vec<String> = params
        .all("tag")
        .into_iter()
        .flat_map(|t| {
            any_of(t)
                .0
                .into_iter()
                .map(|(name, negated)| if negated { format!("-{name}") } else { name })
        })
        .collect();
    if names.is_empty() {
        return Err(ApiError::bad_request(
            "No tags specified ('tag' is required)",
        ));
    }
    if names.len() > TAGS_DELETE_MAX {
        return Err(ApiError::bad_request(format!(
            "Cannot delete more than {TAGS_DELETE_MAX} tags at once"
        )));
    }
    let expected = version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?;
    let request = WriteRequest {
        items_with_tags: names.clone(),
        ..WriteRequest::default()
    };
    let now = now_iso();
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| {
            if let Err(e) = library_precondition(expected, snap.library_version) {
                return (None, Err(e));
            }
            let mut changes = Changes::default();
            let mut found: Vec<String> = Vec::new();
            for item in snap.items.values() {
                let mut item = item.clone();
                let before = item.tags.len();
                item.tags.retain(|t| {
                    let doomed = names.contains(&t.tag);
                    if doomed && !found.contains(&t.tag) {
                        found.push(t.tag.clone());
                    }
                    !doomed
                });
                if item.tags.len() != before {
                    item.version = snap.next_version();
                    item.date_modified = Some(now.clone());
                    changes.items.push(item);
                }
            }
            changes.delete_tags = found;
            (Some(changes), Ok(()))
        },
    )
    .await?;
    result?;
    Ok(no_content(version))
}

/// `GET <lib>/settings`: `{name: {value, version}}`.
pub async fn settings(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    let since = params.number("since")?.unwrap_or(0);
    if let Some(r) = not_modified(&headers, ctx.library.version)? {
        return Ok(r);
    }
    let map: Map<String, Value> = ctx
        .state
        .store
        .settings(ctx.library.id)
        .await?
        .into_iter()
        .filter(|s| s.version > since)
        .map(|s| (s.key, json!({"value": s.value, "version": s.version})))
        .collect();
    Ok(json_response(&Value::Object(map), ctx.library.version))
}

/// `GET <lib>/settings/<name>`.
pub async fn setting(ctx: LibCtx, Path((_, name)): Path<(String, String)>) -> ApiResult<Response> {
    let s = ctx
        .state
        .store
        .settings(ctx.library.id)
        .await?
        .into_iter()
        .find(|s| s.key == name)
        .ok_or_else(|| ApiError::not_found("Setting not found"))?;
    Ok(json_response(
        &json!({"value": s.value, "version": s.version}),
        s.version,
    ))
}

fn check_setting_name(name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid setting name '{name}'"
        )))
    }
}

/// One setting to write: name, value and the version it was based on.
type SettingWrite = (String, Value, Option<u64>);

fn setting_write(name: &str, body: &Value) -> ApiResult<SettingWrite> {
    check_setting_name(name)?;
    let Value::Object(map) = body else {
        return Err(ApiError::bad_request(format!(
            "Setting '{name}' must be an object with 'value'"
        )));
    };
    let value = map.get("value").cloned().ok_or_else(|| {
        ApiError::bad_request(format!("'value' not provided for setting '{name}'"))
    })?;
    let version = match map.get("version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            ApiError::bad_request(format!("'version' of setting '{name}' must be a number"))
        })?),
    };
    Ok((name.to_owned(), value, version))
}

/// Plans setting writes; `single` means the version is the setting's own.
fn plan_settings(
    snap: &crate::store::Snapshot,
    writes: &[SettingWrite],
    header: Option<u64>,
    single: bool,
) -> (Option<Changes>, Result<(), ApiError>) {
    if !single && let Err(e) = library_precondition(header, snap.library_version) {
        return (None, Err(e));
    }
    let mut changes = Changes::default();
    for (name, value, version) in writes {
        let version = if single {
            header.or(*version)
        } else {
            *version
        };
        match (snap.settings.get(name), version) {
            (Some(old), Some(v)) if old.version > v || v == 0 => {
                return (
                    None,
                    Err(ApiError::precondition_failed(
                        format!(
                            "Setting '{name}' has been modified since specified version (expected {v}, found {})",
                            old.version
                        ),
                        old.version,
                    )),
                );
            }
            (Some(_), None) if single || header.is_none() => {
                return (
                    None,
                    Err(ApiError::precondition_required(format!(
                        "Version not provided for existing setting '{name}'"
                    ))),
                );
            }
            (None, Some(v)) if v > 0 => {
                return (
                    None,
                    Err(ApiError::not_found(format!(
                        "Setting '{name}' doesn't exist"
                    ))),
                );
            }
            (Some(old), _) if &old.value == value => continue,
            _ => {}
        }
        changes.settings.push(Setting {
            key: name.clone(),
            value: value.clone(),
            version: snap.next_version(),
        });
    }
    (Some(changes), Ok(()))
}

/// `POST <lib>/settings`: `{name: {value, version?}, …}`.
pub async fn post_settings(ctx: LibCtx, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    ctx.require_write()?;
    let Value::Object(map) = parse_body(&body)? else {
        return Err(ApiError::bad_request("Uploaded data must be a JSON object"));
    };
    if map.len() > SETTINGS_BATCH_MAX {
        return Err(ApiError::too_large(format!(
            "Only {SETTINGS_BATCH_MAX} settings can be saved in a single request"
        )));
    }
    let writes = map
        .iter()
        .map(|(k, v)| setting_write(k, v))
        .collect::<ApiResult<Vec<_>>>()?;
    let header = version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?;
    let request = WriteRequest {
        settings: writes.iter().map(|(k, _, _)| k.clone()).collect(),
        ..WriteRequest::default()
    };
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| plan_settings(snap, &writes, header, false),
    )
    .await?;
    result?;
    Ok(no_content(version))
}

/// `PUT <lib>/settings/<name>`: `{value, version?}`.
pub async fn put_setting(
    ctx: LibCtx,
    Path((_, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    ctx.require_write()?;
    let write = setting_write(&name, &parse_body(&body)?)?;
    let header = version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?;
    if let (Some(h), Some(b)) = (header, write.2)
        && h != b
    {
        return Err(ApiError::bad_request(format!(
            "If-Unmodified-Since-Version ({h}) does not match the setting's version ({b})"
        )));
    }
    let request = WriteRequest {
        settings: vec![name],
        ..WriteRequest::default()
    };
    let (result, version) = plan_write(
        ctx.state.store.as_ref(),
        ctx.library.id,
        request,
        move |snap| plan_settings(snap, &[write], header, true),
    )
    .await?;
    result?;
    Ok(no_content(version))
}

/// `DELETE <lib>/settings/<name>` with the setting's version.
pub async fn delete_setting(
    ctx: LibCtx,
    Path((_, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    ctx.require_write()?;
    let expected =
        version_header(&headers, headers::IF_UNMODIFIED_SINCE_VERSION)?.ok_or_else(|| {
            ApiError::precondition_required("If-Unmodified-Since-Version not provided")
        })?;
    let request = WriteRequest {
        settings: vec![name.clone()],
        ..WriteRequest::default()
    };
    let (result, version) = plan_write(ctx.state.store.as_ref(), ctx.library.id, request, move |snap| {
        let Some(s) = snap.settings.get(&name) else {
            return (None, Err(ApiError::not_found("Setting not found")));
        };
        if s.version > expected {
            return (
                None,
                Err(ApiError::precondition_failed(
                    format!("Setting has been modified since specified version (expected {expected}, found {})", s.version),
                    s.version,
                )),
            );
        }
        let changes = Changes {
            delete_settings: vec![name.clone()],
            ..Changes::default()
        };
        (Some(changes), Ok(()))
    })
    .await?;
    result?;
    Ok(no_content(version))
}

/// `GET <lib>/deleted?since=N`: keys deleted after version N.
pub async fn deleted(ctx: LibCtx, params: Params, headers: HeaderMap) -> ApiResult<Response> {
    let since = params
        .number("since")?
        .ok_or_else(|| ApiError::bad_request("'since' parameter must be provided"))?;
    if let Some(r) = not_modified(&headers, ctx.library.version)? {
        return Ok(r);
    }
    let deleted = ctx.state.store.deleted_since(ctx.library.id, since).await?;
    let value = serde_json::to_value(&deleted).map_err(|_| ApiError::internal())?;
    Ok(json_response(&value, ctx.library.version))
}

#[cfg(test)]
mod tests {
    use super::tag_from_segment;

    #[test]
    fn tag_segments_decode_as_the_listing_encodes_them() {
        for name in ["a/b c", "C++", "ünï % 100", "plain"] {
            let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
            assert_eq!(tag_from_segment(&encoded).as_deref(), Some(name));
        }
        assert_eq!(tag_from_segment("bad%zz"), None);
        assert_eq!(tag_from_segment("cut%2"), None);
    }
}
