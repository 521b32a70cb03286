//! Item pages: one item with its fields, creators, tags, collections, notes,
//! attachments and annotations; editing, creating, trash and restore, and
//! collections — each change through the API's single-object or batch
//! planner with the version the page was made from, so an edit that crosses
//! a sync is refused (412) instead of overwriting it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{Creator, CreatorName, ItemData, ObjectKey};

use super::error::{WebError, WebResult};
use super::library::{WebLib, day, display_title, items_by_key, link, open_library, write_batch};
use super::notes::note_text;
use super::pages::{
    AnnotationRow, AttachmentRow, FieldRow, ItemPage, NewItemPage, NoteRow, notice, render,
    render_with_status,
};
use super::session::{Fields, Posted, SignedIn};
use crate::api::Params;
use crate::api::export::CiteParams;
use crate::api::object::Endpoint;
use crate::api::write::{Items, Mode, plan_single};
use crate::app::AppState;
use crate::clock::now_iso;
use crate::store::{ItemQuery, ItemScope, plan_write};

/// Fields edited in a text area.
const LONG_FIELDS: &[&str] = &["abstractNote", "extra"];

fn parse_key(key: &str) -> WebResult<ObjectKey> {
    ObjectKey::parse(key).map_err(|_| WebError::not_found())
}

async fn find(web: &WebLib, key: &ObjectKey) -> WebResult<ItemData> {
    items_by_key(&web.ctx, std::slice::from_ref(key))
        .await?
        .into_iter()
        .next()
        .ok_or_else(WebError::not_found)
}

async fn children(web: &WebLib, key: &ObjectKey) -> WebResult<Vec<ItemData>> {
    let query = ItemQuery {
        scope: ItemScope::Children(key.clone()),
        hide_notes: !web.ctx.access.notes,
        ..ItemQuery::default()
    };
    Ok(web
        .ctx
        .state
        .store
        .query_items(web.ctx.library.id, &query)
        .await?
        .rows)
}

fn creator_line(c: &Creator) -> String {
    match &c.name {
        CreatorName::TwoField { first, last } if first.is_empty() => last.clone(),
        CreatorName::TwoField { first, last } => format!("{last}, {first}"),
        CreatorName::Single { name } => name.clone(),
    }
}

fn creators_text(item: &ItemData) -> String {
    item.creators
        .iter()
        .map(|c| format!("{}: {}", c.creator_type, creator_line(c)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn tags_text(item: &ItemData) -> String {
    item.tags
        .iter()
        .map(|t| t.tag.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads "author: Last, First" lines; a line without a known role takes the
/// type's primary one.
fn parse_creators(item_type: &str, text: &str) -> WebResult<Vec<Value>> {
    let types = schema();
    let def = types.item_type(item_type);
    let primary = def
        .and_then(|d| d.primary_creator_type())
        .unwrap_or("author");
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (role, name) = match line.split_once(':') {
            Some((role, name)) => {
                let role = role.trim();
                let known = types
                    .creator_types()
                    .find(|(n, label)| {
                        n.eq_ignore_ascii_case(role) || label.eq_ignore_ascii_case(role)
                    })
                    .map(|(n, _)| n);
                match known {
                    Some(n) if def.is_none_or(|d| d.has_creator_type(n)) => (n, name.trim()),
                    Some(n) => {
                        return Err(WebError::bad_request(format!(
                            "A {} has no creators of the kind “{}”.",
                            types.item_type_label(item_type),
                            types.creator_type_label(n)
                        )));
                    }
                    None => (primary, line),
                }
            }
            None => (primary, line),
        };
        let creator = Creator::parse_display(role, name);
        out.push(serde_json::to_value(&creator).unwrap_or(Value::Null));
    }
    Ok(out)
}

fn parse_tags(text: &str) -> Vec<Value> {
    let mut seen: Vec<&str> = Vec::new();
    for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !seen.contains(&tag) {
            seen.push(tag);
        }
    }
    seen.into_iter().map(|t| json!({"tag": t})).collect()
}

/// A note's text as note HTML: one paragraph a line, every character escaped.
fn text_to_note_html(text: &str) -> String {
    text.lines()
        .map(|line| {
            let escaped = line
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;");
            format!("<p>{escaped}</p>")
        })
        .collect()
}

/// A single-object write of `key` (a PATCH) through the API's planner, with
/// the version the page showed.
pub async fn patch_item(
    web: &WebLib,
    key: &ObjectKey,
    body: Value,
    version: Option<u64>,
) -> WebResult<()> {
    web.require_write()?;
    let request = <Items as Endpoint>::write_request(key, &body);
    let now = now_iso();
    let notes = web.ctx.access.notes;
    let key = key.clone();
    let (result, _) = plan_write(
        web.ctx.state.store.as_ref(),
        web.ctx.library.id,
        request,
        move |snap| plan_single::<Items>(snap, &key, body, version, Mode::Merge, &now, notes),
    )
    .await?;
    result?;
    Ok(())
}

/// A text field as typed, with the browser's CRLF line ends made LF.
fn typed_text(form: &Fields, name: &str) -> String {
    form.raw(name).replace("\r\n", "\n").trim().to_owned()
}

fn form_version(form: &Fields) -> WebResult<Option<u64>> {
    form.get("version")
        .parse()
        .map(Some)
        .map_err(|_| WebError::bad_request("The form has no version; reload the page."))
}

/// `GET /libraries/{lib}/items/{key}`.
pub async fn show(
    State(state): State<AppState>,
    who: SignedIn,
    Path((lib, key)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<super::library::ListQuery>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        let web = open_library(&state, &who, &lib).await?;
        let key = parse_key(&key)?;
        let item = find(&web, &key).await?;
        let page = item_page(&web, &who, item, &query.done).await?;
        Ok(render(&page))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

async fn item_page(
    web: &WebLib,
    who: &SignedIn,
    item: ItemData,
    done: &str,
) -> WebResult<ItemPage> {
    let types = schema();
    let def = types.item_type(&item.item_type);
    let fields: Vec<FieldRow> = def
        .map(|d| {
            d.fields
                .iter()
                .filter(|f| f.name != "note")
                .map(|f| FieldRow {
                    name: f.name.clone(),
                    label: types.field_label(&f.name).to_owned(),
                    value: item.field(&f.name).unwrap_or_default().to_owned(),
                    long: LONG_FIELDS.contains(&f.name.as_str()),
                })
                .collect()
        })
        .unwrap_or_default();
    let creators = item
        .creators
        .iter()
        .map(|c| {
            (
                types.creator_type_label(&c.creator_type).to_owned(),
                creator_line(c),
            )
        })
        .collect();
    let collections = web.ctx.state.store.collections(web.ctx.library.id).await?;
    let mut in_collections = Vec::new();
    let mut other_collections = Vec::new();
    for c in collections.iter().filter(|c| !c.deleted) {
        let entry = (c.key.to_string(), c.name.clone());
        if item.collections.contains(&c.key) {
            in_collections.push(entry);
        } else {
            other_collections.push(entry);
        }
    }
    other_collections.sort_by_key(|(_, n)| n.to_lowercase());
    let mut notes = Vec::new();
    let mut attachments = Vec::new();
    if item.is_regular() {
        for child in children(web, &item.key).await? {
            if child.is_note() {
                notes.push(NoteRow {
                    key: child.key.to_string(),
                    text: note_text(child.field("note").unwrap_or_default()),
                });
            } else if child.is_attachment() {
                attachments.push(attachment_row(web, &child).await?);
            }
        }
    } else if item.is_attachment() {
        attachments.push(attachment_row(web, &item).await?);
    }
    let note_own = if item.is_note() {
        note_text(item.field("note").unwrap_or_default())
    } else {
        String::new()
    };
    if item.is_note() {
        notes.push(NoteRow {
            key: item.key.to_string(),
            text: note_own.clone(),
        });
    }
    let citation = if item.is_regular() {
        CiteParams::from_params(&Params::default())
            .and_then(|c| c.bibliography(std::slice::from_ref(&item)))
            .map(|html| note_text(&html))
            .unwrap_or_default()
    } else {
        String::new()
    };
    Ok(ItemPage {
        nav: Some(who.nav()),
        notice: notice(done),
        lib_name: web.name.clone(),
        lib_path: web.path.clone(),
        can_write: web.can_write(),
        key: item.key.to_string(),
        version: item.version,
        title: display_title(&item),
        type_label: types.item_type_label(&item.item_type).to_owned(),
        deleted: item.deleted,
        regular: item.is_regular(),
        fields,
        creators,
        creators_text: creators_text(&item),
        tags: item.tags.iter().map(|t| t.tag.clone()).collect(),
        tags_text: tags_text(&item),
        in_collections,
        other_collections,
        notes,
        attachments,
        note_text: note_own,
        added: day(item.date_added.as_deref()),
        modified: day(item.date_modified.as_deref()),
        citation,
    })
}

async fn attachment_row(web: &WebLib, attachment: &ItemData) -> WebResult<AttachmentRow> {
    let stored = web
        .ctx
        .state
        .store
        .item_file(web.ctx.library.id, &attachment.key)
        .await?;
    let annotations = children(web, &attachment.key)
        .await?
        .into_iter()
        .filter(ItemData::is_annotation)
        .map(|a| AnnotationRow {
            kind: a.field("annotationType").unwrap_or("annotation").to_owned(),
            text: a.field("annotationText").unwrap_or_default().to_owned(),
            comment: a.field("annotationComment").unwrap_or_default().to_owned(),
            page: a
                .field("annotationPageLabel")
                .unwrap_or_default()
                .to_owned(),
        })
        .collect();
    let detail = match &stored {
        Some(f) => format!("{} · {}", f.filename, human_bytes(f.size)),
        None => attachment
            .field("contentType")
            .unwrap_or_default()
            .to_owned(),
    };
    let url = attachment.field("url").unwrap_or_default();
    Ok(AttachmentRow {
        key: attachment.key.to_string(),
        title: display_title(attachment),
        detail,
        download: if stored.is_some() && web.ctx.access.files {
            format!("{}/items/{}/file", web.path, attachment.key)
        } else {
            String::new()
        },
        // Only web links are shown as text; nothing here becomes a link.
        url: if url.starts_with("http://") || url.starts_with("https://") {
            url.to_owned()
        } else {
            String::new()
        },
        annotations,
    })
}

/// Bytes for people: "820 KB", "3.4 MB".
pub fn human_bytes(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < MB {
        format!("{:.0} KB", b / 1024.0)
    } else if b < MB * 1024.0 {
        format!("{:.1} MB", b / MB)
    } else {
        format!("{:.2} GB", b / MB / 1024.0)
    }
}

/// `POST /libraries/{lib}/items/{key}`: saves the edit form's changes.
pub async fn edit(
    State(state): State<AppState>,
    Path((lib, key)): Path<(String, String)>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let web = open_library(&state, &posted.who, &lib).await?;
        web.require_write()?;
        let key = parse_key(&key)?;
        let item = find(&web, &key).await?;
        let form = &posted.form;
        let version = form_version(form)?;
        let mut patch = Map::new();
        let def = schema().item_type(&item.item_type);
        if let Some(def) = def {
            for f in def.fields.iter().filter(|f| f.name != "note") {
                let name = format!("field.{}", f.name);
                if !form.0.iter().any(|(k, _)| *k == name) {
                    continue;
                }
                let value = typed_text(form, &name);
                if value != item.field(&f.name).unwrap_or_default() {
                    patch.insert(f.name.clone(), Value::String(value));
                }
            }
        }
        let creators = typed_text(form, "creators");
        if item.is_regular() && creators != creators_text(&item) {
            patch.insert(
                "creators".into(),
                Value::Array(parse_creators(&item.item_type, &creators)?),
            );
        }
        if form.get("tags") != tags_text(&item) {
            patch.insert("tags".into(), Value::Array(parse_tags(form.get("tags"))));
        }
        let note = typed_text(form, "note");
        if item.is_note() && note != note_text(item.field("note").unwrap_or_default()) {
            patch.insert("note".into(), Value::String(text_to_note_html(&note)));
        }
        if !patch.is_empty() {
            patch_item(&web, &key, Value::Object(patch), version).await?;
        }
        Ok(Redirect::to(&link(
            &format!("{}/items/{key}", web.path),
            &[("done", "saved")],
        ))
        .into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

async fn set_deleted(
    state: &AppState,
    lib: &str,
    key: &str,
    posted: &Posted,
    deleted: bool,
) -> WebResult<Response> {
    let web = open_library(state, &posted.who, lib).await?;
    let key = parse_key(key)?;
    let version = form_version(&posted.form)?;
    patch_item(&web, &key, json!({ "deleted": deleted }), version).await?;
    let done = if deleted { "trashed" } else { "restored" };
    Ok(Redirect::to(&link(
        &format!("{}/items/{key}", web.path),
        &[("done", done)],
    ))
    .into_response())
}

/// `POST /libraries/{lib}/items/{key}/trash`.
pub async fn trash(
    State(state): State<AppState>,
    Path((lib, key)): Path<(String, String)>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    set_deleted(&state, &lib, &key, &posted, true)
        .await
        .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /libraries/{lib}/items/{key}/restore`.
pub async fn restore(
    State(state): State<AppState>,
    Path((lib, key)): Path<(String, String)>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    set_deleted(&state, &lib, &key, &posted, false)
        .await
        .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /libraries/{lib}/items/{key}/collections`: `add=KEY` or `remove=KEY`.
pub async fn collections(
    State(state): State<AppState>,
    Path((lib, key)): Path<(String, String)>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let web = open_library(&state, &posted.who, &lib).await?;
        let key = parse_key(&key)?;
        let item = find(&web, &key).await?;
        let mut list: Vec<String> = item.collections.iter().map(ToString::to_string).collect();
        if let Ok(add) = ObjectKey::parse(posted.form.get("add")) {
            if !item.collections.contains(&add) {
                list.push(add.to_string());
            }
        } else if let Ok(remove) = ObjectKey::parse(posted.form.get("remove")) {
            list.retain(|c| *c != remove.to_string());
        } else {
            return Err(WebError::bad_request("Choose a collection."));
        }
        patch_item(
            &web,
            &key,
            json!({ "collections": list }),
            Some(item.version),
        )
        .await?;
        Ok(Redirect::to(&link(
            &format!("{}/items/{key}", web.path),
            &[("done", "collections")],
        ))
        .into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `GET /libraries/{lib}/items/{key}/file`: the attachment's file, through
/// the API's own download (a one-time download link, or the object store's).
pub async fn file(
    State(state): State<AppState>,
    who: SignedIn,
    Path((lib, key)): Path<(String, String)>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        let web = open_library(&state, &who, &lib).await?;
        parse_key(&key)?;
        Ok(crate::api::files::download(web.ctx, Path((lib, key))).await?)
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

fn item_types() -> Vec<(String, String)> {
    let types = schema();
    let mut list: Vec<(String, String)> = types
        .item_types()
        .filter(|t| !matches!(t.name.as_str(), "note" | "attachment" | "annotation"))
        .map(|t| (t.name.clone(), types.item_type_label(&t.name).to_owned()))
        .collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    list
}

/// `GET /libraries/{lib}/new`: the new-item form.
pub async fn new_page(
    State(state): State<AppState>,
    who: SignedIn,
    Path(lib): Path<String>,
) -> WebResult<Response> {
    let nav = who.nav();
    async {
        let web = open_library(&state, &who, &lib).await?;
        web.require_write()?;
        Ok(render(&NewItemPage {
            nav: Some(who.nav()),
            lib_name: web.name.clone(),
            lib_path: web.path.clone(),
            types: item_types(),
            error: String::new(),
        }))
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

/// `POST /libraries/{lib}/new`: creates the item and opens it.
pub async fn create(
    State(state): State<AppState>,
    Path(lib): Path<String>,
    posted: Posted,
) -> WebResult<Response> {
    let nav = posted.who.nav();
    async {
        let web = open_library(&state, &posted.who, &lib).await?;
        web.require_write()?;
        let form = &posted.form;
        let item_type = form.get("type");
        let Some(def) = schema().item_type(item_type) else {
            return Err(WebError::bad_request("Choose a type."));
        };
        let mut object = json!({"itemType": item_type});
        let title_field = def.field_for_base("title").unwrap_or("title");
        object[title_field] = Value::String(form.get("title").to_owned());
        if def.has_field("date") && !form.get("date").is_empty() {
            object["date"] = Value::String(form.get("date").to_owned());
        }
        let creators = parse_creators(item_type, form.raw("creators"));
        let creators = match creators {
            Ok(c) => c,
            Err(WebError::Status { message, .. }) => {
                let page = NewItemPage {
                    nav: Some(posted.who.nav()),
                    lib_name: web.name.clone(),
                    lib_path: web.path.clone(),
                    types: item_types(),
                    error: message,
                };
                return Ok(render_with_status(StatusCode::BAD_REQUEST, &page));
            }
            Err(e) => return Err(e),
        };
        object["creators"] = Value::Array(creators);
        let saved = write_batch::<Items>(&web.ctx, vec![object]).await?;
        let key = saved
            .first()
            .ok_or_else(|| WebError::bad_request("The item was not saved."))?;
        Ok(Redirect::to(&link(
            &format!("{}/items/{key}", web.path),
            &[("done", "created")],
        ))
        .into_response())
    }
    .await
    .map_err(|e: WebError| e.with_nav(&nav))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_text_survives_an_edit_unchanged() {
        let text = "First line & more\n\n<b>not bold</b> \"quoted\"";
        assert_eq!(note_text(&text_to_note_html(text)), text);
    }

    #[test]
    fn creator_lines_take_roles_by_name_or_label_and_default_to_the_primary() {
        let creators = parse_creators(
            "book",
            "author: Lovelace, Ada\nEditor: Babbage, Charles\nRoyal Society\n",
        )
        .expect("creators");
        assert_eq!(
            creators,
            vec![
                json!({"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"}),
                json!({"creatorType": "editor", "firstName": "Charles", "lastName": "Babbage"}),
                json!({"creatorType": "author", "name": "Royal Society"}),
            ]
        );
        assert!(parse_creators("book", "director: Lang, Fritz").is_err());
    }
}
