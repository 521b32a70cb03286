//! Items as Atom, as the Web API answers `format=atom` (and `content=`
//! without `format`): a listing is a `<feed>` with paging links and
//! `<zapi:totalResults>`, one item an `<entry>`. Each entry's `<content>`
//! holds what `content` names: `html` (the default, a table of the item's
//! fields), `json` (the item's data), `bib`, `citation`, an export format,
//! or `none`; several, comma-separated, come as `<zapi:subcontent>` elements.

use std::io;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde_json::Value;
use shelfmark_protocol::ItemData;
use shelfmark_protocol::schema::schema;

use super::export::{CiteParams, ExportFormat, citable, csl_json, export_text};
use super::paging::{Paging, add_headers, page_links};
use super::{LAST_MODIFIED_VERSION, LibCtx, Params};
use crate::error::{ApiError, ApiResult};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const ZAPI_NS: &str = "http://zotero.org/ns/api";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
/// The answer's media type.
pub const ATOM_TYPE: &str = "application/atom+xml";

/// One thing an entry's `<content>` can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    Html,
    Json,
    Bib,
    Citation,
    Export(ExportFormat),
}

impl Content {
    fn name(self) -> &'static str {
        match self {
            Self::Html => "html",
            Self::Json => "json",
            Self::Bib => "bib",
            Self::Citation => "citation",
            Self::Export(f) => f.name(),
        }
    }

    /// The `type` attribute of the element holding it.
    fn media_type(self) -> &'static str {
        match self {
            Self::Html | Self::Bib | Self::Citation => "xhtml",
            Self::Json | Self::Export(ExportFormat::CslJson) => "application/json",
            Self::Export(f) => f.content_type(),
        }
    }
}

/// Reads `content` (default `html`); `none` asks for no content at all.
/// Unknown names are refused by name.
pub fn contents(params: &Params) -> ApiResult<Vec<Content>> {
    let Some(value) = params.get("content").filter(|v| !v.trim().is_empty()) else {
        return Ok(vec![Content::Html]);
    };
    let mut out = Vec::new();
    let parts: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.contains(&"none") {
        if parts.len() > 1 {
            return Err(ApiError::bad_request(
                "Invalid 'content' value: 'none' cannot be combined with other values",
            ));
        }
        return Ok(out);
    }
    for part in parts {
        let content = match part {
            "html" => Content::Html,
            "json" => Content::Json,
            "bib" => Content::Bib,
            "citation" => Content::Citation,
            other => Content::Export(ExportFormat::parse(other).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid 'content' value '{other}': expected html, json, bib, citation, none or an export format ({})",
                    ExportFormat::names()
                ))
            })?),
        };
        if !out.contains(&content) {
            out.push(content);
        }
    }
    Ok(out)
}

/// Whether formatting is asked for (so `style` and `locale` matter).
pub fn needs_style(contents: &[Content]) -> bool {
    contents
        .iter()
        .any(|c| matches!(c, Content::Bib | Content::Citation))
}

/// What an answer is built from: the request's own parameters and the
/// formatting they ask for.
#[derive(Debug)]
pub struct AtomRequest<'a> {
    pub ctx: &'a LibCtx,
    pub params: &'a Params,
    pub contents: Vec<Content>,
    pub cite: CiteParams,
}

impl<'a> AtomRequest<'a> {
    /// Reads `content`, `style`, `locale` and `linkwrap`, refusing bad values.
    pub fn new(ctx: &'a LibCtx, params: &'a Params) -> ApiResult<Self> {
        let contents = contents(params)?;
        let cite = CiteParams::from_params(params)?;
        if needs_style(&contents) {
            cite.check()?;
        }
        Ok(Self {
            ctx,
            params,
            contents,
            cite,
        })
    }

    /// The query string of links to this answer: the request's own
    /// parameters, keys and paging left out.
    fn link_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.params.pairs {
            if !matches!(k.as_str(), "key" | "start" | "limit" | "format") {
                query.append_pair(k, v);
            }
        }
        query.append_pair("format", "atom");
        query.finish()
    }
}

/// A listing's page as an Atom feed, with `Total-Results` and `Link` as
/// for JSON.
pub fn feed_response(
    request: &AtomRequest<'_>,
    items: &[ItemData],
    envelopes: &[Value],
    path: &str,
    paging: Paging,
    total: usize,
) -> ApiResult<Response> {
    let ctx = request.ctx;
    let url = ctx.url(path);
    let mut entries = Vec::with_capacity(items.len());
    for item in items {
        entries.push(rendered_contents(request, item)?);
    }
    let body = write_document(|w| {
        w.create_element("feed")
            .with_attribute(("xmlns", ATOM_NS))
            .with_attribute(("xmlns:zapi", ZAPI_NS))
            .write_inner_content(|w| {
                let title = format!("{} / Items", ctx.library.name);
                text_element(w, "title", &title)?;
                let self_href = format!("{url}?{}", request.link_query());
                text_element(w, "id", &self_href)?;
                link(w, "self", ATOM_TYPE, &self_href)?;
                let mut atom_params = request.params.clone();
                atom_params.pairs.retain(|(k, _)| k != "format");
                atom_params.pairs.push(("format".into(), "atom".into()));
                for (rel, href) in page_links(&url, &atom_params, paging, total) {
                    link(w, rel, ATOM_TYPE, &href)?;
                }
                link(w, "alternate", "text/html", &library_alternate(ctx, path))?;
                text_element(w, "zapi:totalResults", &total.to_string())?;
                let updated = items
                    .iter()
                    .filter_map(|i| i.date_modified.as_deref())
                    .max()
                    .map_or_else(crate::clock::now_iso, str::to_owned);
                text_element(w, "updated", &updated)?;
                for ((item, envelope), rendered) in items.iter().zip(envelopes).zip(&entries) {
                    write_entry(w, request, item, envelope, rendered, false)?;
                }
                Ok(())
            })?;
        Ok(())
    })?;
    let mut response = atom_response(body, ctx.library.version);
    add_headers(&mut response, &url, request.params, paging, total);
    Ok(response)
}

/// One item as an Atom entry.
pub fn entry_response(
    request: &AtomRequest<'_>,
    item: &ItemData,
    envelope: &Value,
) -> ApiResult<Response> {
    let rendered = rendered_contents(request, item)?;
    let body = write_document(|w| write_entry(w, request, item, envelope, &rendered, true))?;
    Ok(atom_response(body, item.version))
}

fn atom_response(body: Vec<u8>, version: u64) -> Response {
    let mut r = ([(header::CONTENT_TYPE, ATOM_TYPE)], body).into_response();
    r.headers_mut()
        .insert(LAST_MODIFIED_VERSION, HeaderValue::from(version));
    r
}

/// The library's web page for a listing (`<alternate>/items`).
fn library_alternate(ctx: &LibCtx, path: &str) -> String {
    let base = ctx.library_json()["links"]["alternate"]["href"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| ctx.url(""));
    format!("{base}{path}")
}

/// One content of an entry, ready to write.
enum Rendered {
    /// Well-formed XHTML, its root element in the XHTML namespace.
    Xhtml(String),
    /// HTML that is not well-formed XML, written escaped as `type="html"`.
    Html(String),
    /// Text of the content's media type.
    Text(String),
}

fn rendered_contents(
    request: &AtomRequest<'_>,
    item: &ItemData,
) -> ApiResult<Vec<(Content, Rendered)>> {
    let mut out = Vec::with_capacity(request.contents.len());
    for &content in &request.contents {
        let one = std::slice::from_ref(item);
        let rendered = match content {
            Content::Html => Rendered::Xhtml(field_table(item)?),
            Content::Json => Rendered::Text(item.to_json_text()),
            Content::Bib if citable(item) => xhtml(&request.cite.bibliography(one)?),
            Content::Citation if citable(item) => xhtml(&request.cite.citation(item)?),
            Content::Bib => xhtml("<div class=\"csl-bib-body\"></div>"),
            Content::Citation => xhtml("<span></span>"),
            Content::Export(ExportFormat::CslJson) => Rendered::Text(
                csl_json(one)
                    .into_iter()
                    .next()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "{}".to_owned()),
            ),
            Content::Export(f) => Rendered::Text(export_text(f, one)),
        };
        out.push((content, rendered));
    }
    Ok(out)
}

fn write_entry(
    w: &mut Writer<Vec<u8>>,
    request: &AtomRequest<'_>,
    item: &ItemData,
    envelope: &Value,
    rendered: &[(Content, Rendered)],
    root: bool,
) -> io::Result<()> {
    let ctx = request.ctx;
    let mut start = w.create_element("entry");
    if root {
        start = start
            .with_attribute(("xmlns", ATOM_NS))
            .with_attribute(("xmlns:zapi", ZAPI_NS));
    }
    start.write_inner_content(|w| {
        text_element(w, "title", &entry_title(item))?;
        w.create_element("author").write_inner_content(|w| {
            text_element(w, "name", &ctx.library.name)?;
            text_element(w, "uri", &library_alternate(ctx, ""))?;
            Ok(())
        })?;
        let item_url = ctx.url(&format!("/items/{}", item.key));
        text_element(w, "id", &item_url)?;
        let added = item.date_added.as_deref().unwrap_or_default();
        let modified = item.date_modified.as_deref().unwrap_or(added);
        text_element(w, "published", added)?;
        text_element(w, "updated", modified)?;
        let self_href = format!("{item_url}?{}", request.link_query());
        link(w, "self", ATOM_TYPE, &self_href)?;
        let alternate = envelope["links"]["alternate"]["href"]
            .as_str()
            .unwrap_or(&item_url);
        link(w, "alternate", "text/html", alternate)?;
        if let Some(parent) = &item.parent_item {
            let up = ctx.url(&format!("/items/{parent}?{}", request.link_query()));
            link(w, "up", ATOM_TYPE, &up)?;
        }
        text_element(w, "zapi:key", item.key.as_str())?;
        text_element(w, "zapi:version", &item.version.to_string())?;
        let meta = &envelope["meta"];
        if let Some(summary) = meta["creatorSummary"].as_str() {
            text_element(w, "zapi:creatorSummary", summary)?;
        }
        if let Some(date) = meta["parsedDate"].as_str() {
            text_element(w, "zapi:parsedDate", date)?;
        }
        if let Some(n) = meta["numChildren"].as_u64() {
            text_element(w, "zapi:numChildren", &n.to_string())?;
        }
        text_element(w, "zapi:itemType", &item.item_type)?;
        match rendered {
            [] => Ok(()),
            [(content, one)] => write_content(w, "content", None, *content, one),
            several => w
                .create_element("content")
                .with_attribute(("type", "application/xml"))
                .write_inner_content(|w| {
                    for (content, one) in several {
                        write_content(w, "zapi:subcontent", Some(content.name()), *content, one)?;
                    }
                    Ok(())
                })
                .map(|_| ()),
        }
    })?;
    Ok(())
}

fn write_content(
    w: &mut Writer<Vec<u8>>,
    element: &str,
    zapi_type: Option<&str>,
    content: Content,
    rendered: &Rendered,
) -> io::Result<()> {
    let mut start = w.create_element(element);
    if let Some(name) = zapi_type {
        start = start.with_attribute(("zapi:type", name));
    }
    match rendered {
        Rendered::Xhtml(markup) => {
            start
                .with_attribute(("type", "xhtml"))
                .write_inner_content(|w| {
                    // Checked to be well-formed with only XML's own entities.
                    w.write_event(Event::Text(BytesText::from_escaped(markup.as_str())))
                })?;
        }
        Rendered::Html(markup) => {
            start
                .with_attribute(("type", "html"))
                .write_text_content(BytesText::new(&xml_chars(markup)))?;
        }
        Rendered::Text(text) => {
            start
                .with_attribute(("type", content.media_type()))
                .write_text_content(BytesText::new(&xml_chars(text)))?;
        }
    }
    Ok(())
}

/// An entry's title: the item's title, a note's first line, or its type.
fn entry_title(item: &ItemData) -> String {
    if let Some(title) = item.title().filter(|t| !t.is_empty()) {
        return title.to_owned();
    }
    if let Some(note) = item.field("note") {
        let text = strip_tags(note);
        if let Some(line) = text.lines().map(str::trim).find(|l| !l.is_empty()) {
            return line.chars().take(80).collect();
        }
    }
    schema().item_type_label(&item.item_type).to_owned()
}

/// The text of HTML without its tags (for a note's title).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push('\n');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The `html` content: the item's type, creators and fields as a table, as
/// the Web API shows them.
fn field_table(item: &ItemData) -> ApiResult<String> {
    let s = schema();
    let mut rows: Vec<(&str, &str, String)> = vec![(
        "itemType",
        "Item Type",
        s.item_type_label(&item.item_type).to_owned(),
    )];
    for creator in &item.creators {
        rows.push((
            "creator",
            s.creator_type_label(&creator.creator_type),
            creator.display(),
        ));
    }
    for (name, value) in &item.fields {
        if !value.is_empty() && name != "note" {
            rows.push((name, s.field_label(name), value.clone()));
        }
    }
    let mut w = Writer::new(Vec::new());
    w.create_element("div")
        .with_attribute(("xmlns", XHTML_NS))
        .write_inner_content(|w| {
            w.create_element("table").write_inner_content(|w| {
                for (class, label, value) in &rows {
                    w.create_element("tr")
                        .with_attribute(("class", *class))
                        .write_inner_content(|w| {
                            w.create_element("th")
                                .with_attribute(("style", "text-align: right"))
                                .write_text_content(BytesText::new(&xml_chars(label)))?;
                            w.create_element("td")
                                .write_text_content(BytesText::new(&xml_chars(value)))?;
                            Ok(())
                        })?;
                }
                Ok(())
            })?;
            Ok(())
        })
        .map_err(xml_error)?;
    String::from_utf8(w.into_inner()).map_err(|_| ApiError::internal())
}

/// Formatted HTML as XHTML content: its root element put in the XHTML
/// namespace when the markup is well-formed XML, else the HTML as text.
fn xhtml(html: &str) -> Rendered {
    let html = xml_chars(html.trim());
    let Some(rest) = html.strip_prefix('<') else {
        return Rendered::Html(html);
    };
    let name_end = rest
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    let (name, tail) = rest.split_at(name_end);
    if name.is_empty() || tail.is_empty() {
        return Rendered::Html(html);
    }
    let markup = format!("<{name} xmlns=\"{XHTML_NS}\"{tail}");
    if well_formed(&markup) {
        Rendered::Xhtml(markup)
    } else {
        Rendered::Html(html)
    }
}

/// Whether `markup` is one well-formed element using only XML's predefined
/// entities and character references.
fn well_formed(markup: &str) -> bool {
    let mut reader = quick_xml::Reader::from_str(markup);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(Event::Text(t)) if depth == 0 && !AsRef::<str>::as_ref(&t).trim().is_empty() => {
                return false;
            }
            Ok(Event::GeneralRef(r)) => {
                let name: &str = r.as_ref();
                let known = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos");
                let character = name
                    .strip_prefix('#')
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()));
                if depth == 0 || !(known || character) {
                    return false;
                }
            }
            Ok(Event::DocType(_) | Event::Decl(_) | Event::PI(_)) => return false,
            Ok(Event::Eof) => return depth == 0 && roots == 1,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

/// `text` with the characters XML 1.0 cannot carry at all (C0 controls but
/// tab and line ends, U+FFFE, U+FFFF) replaced by U+FFFD.
fn xml_chars(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_chars(text)))?;
    Ok(())
}

fn link(w: &mut Writer<Vec<u8>>, rel: &str, media_type: &str, href: &str) -> io::Result<()> {
    w.create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("type", media_type))
        .with_attribute(("href", xml_chars(href).as_str()))
        .write_empty()?;
    Ok(())
}

fn write_document(body: impl FnOnce(&mut Writer<Vec<u8>>) -> io::Result<()>) -> ApiResult<Vec<u8>> {
    let mut w = Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(xml_error)?;
    w.write_event(Event::Text(BytesText::from_escaped("\n")))
        .map_err(xml_error)?;
    body(&mut w).map_err(xml_error)?;
    Ok(w.into_inner())
}

fn xml_error(e: io::Error) -> ApiError {
    tracing::error!(error = %e, "writing Atom failed");
    ApiError::internal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_default_to_html_and_unknown_names_are_refused() {
        assert_eq!(
            contents(&Params::parse(None)).expect("ok"),
            vec![Content::Html]
        );
        assert_eq!(
            contents(&Params::parse(Some("content=bib,json,bib"))).expect("ok"),
            vec![Content::Bib, Content::Json]
        );
        assert!(
            contents(&Params::parse(Some("content=none")))
                .expect("ok")
                .is_empty()
        );
        let err = contents(&Params::parse(Some("content=mods"))).expect_err("mods");
        assert!(err.message.contains("'mods'"), "{}", err.message);
        assert!(contents(&Params::parse(Some("content=none,bib"))).is_err());
    }

    #[test]
    fn formatted_html_becomes_xhtml_only_when_well_formed() {
        match xhtml("<div class=\"csl-bib-body\"><div class=\"csl-entry\">A &amp; B</div></div>") {
            Rendered::Xhtml(m) => assert!(
                m.starts_with(
                    "<div xmlns=\"http://www.w3.org/1999/xhtml\" class=\"csl-bib-body\">"
                ),
                "{m}"
            ),
            _ => panic!("well-formed markup stays XHTML"),
        }
        for bad in [
            "<div>A&nbsp;B</div>",
            "<div><br></div>",
            "<div>a</div><div>b</div>",
            "plain text",
        ] {
            assert!(matches!(xhtml(bad), Rendered::Html(_)), "{bad}");
        }
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(xml_chars("a\u{0}b\tc\u{1b}"), "a\u{FFFD}b\tc\u{FFFD}");
    }
}
