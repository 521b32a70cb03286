//! Items as reference formats and formatted references: `format=bib`
//! (a bibliography), `format=bibtex|biblatex|csljson|ris|refer` (export
//! files), and `include=bib,citation,data,<export format>` in JSON envelopes,
//! with `style`, `locale` and `linkwrap`.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use shelfmark_formats::cite::{CiteError, CiteFormat, bibliography_in, citation_in};
use shelfmark_formats::{self as formats, ExportItem};
use shelfmark_protocol::ItemData;

use super::{LAST_MODIFIED_VERSION, Params};
use crate::error::{ApiError, ApiResult};

/// The style a request names by default, as the Web API does.
pub const DEFAULT_STYLE: &str = "chicago-note-bibliography";
/// Where the Zotero style repository's short names (`style=` values) live.
const STYLE_REPOSITORY: &str = "http://www.zotero.org/styles/";

/// The style `name` as the formatter knows it: its own short names first,
/// then the Zotero style repository's (under their current names).
fn style_candidates(name: &str) -> [String; 2] {
    let current = match name {
        "chicago-note-bibliography" => "chicago-notes-bibliography",
        other => other,
    };
    [name.to_owned(), format!("{STYLE_REPOSITORY}{current}")]
}

/// The most items `format=bib` formats in one bibliography.
pub const BIB_MAX_ITEMS: usize = 150;

/// An export file format of the Web API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Bibtex,
    Biblatex,
    CslJson,
    Ris,
    Refer,
}

impl ExportFormat {
    /// Every export format, in the order messages list them.
    pub const ALL: [ExportFormat; 5] = [
        Self::Bibtex,
        Self::Biblatex,
        Self::CslJson,
        Self::Ris,
        Self::Refer,
    ];

    /// The format's name in `format=` and `include=`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bibtex => "bibtex",
            Self::Biblatex => "biblatex",
            Self::CslJson => "csljson",
            Self::Ris => "ris",
            Self::Refer => "refer",
        }
    }

    /// The export format called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The names of every export format, for messages.
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }

    fn core(self) -> formats::Format {
        match self {
            Self::Bibtex => formats::Format::Bibtex,
            Self::Biblatex => formats::Format::Biblatex,
            Self::CslJson => formats::Format::CslJson,
            Self::Ris => formats::Format::Ris,
            Self::Refer => formats::Format::EndnoteTagged,
        }
    }

    /// The media type of a file in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Bibtex | Self::Biblatex => "application/x-bibtex",
            Self::CslJson => "application/vnd.citationstyles.csl+json",
            Self::Ris => "application/x-research-info-systems",
            Self::Refer => "application/x-refer",
        }
    }
}

/// Something `include=` can add to an item's envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Include {
    Data,
    Bib,
    Citation,
    Export(ExportFormat),
}

impl Include {
    /// The envelope member it fills.
    pub fn name(self) -> &'static str {
        match self {
            Self::Data => "data",
            Self::Bib => "bib",
            Self::Citation => "citation",
            Self::Export(f) => f.name(),
        }
    }
}

/// How references are formatted: `style`, `locale` and `linkwrap`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiteParams {
    pub style: String,
    pub locale: Option<String>,
    /// Whether URLs and DOIs become links.
    pub linkwrap: bool,
}

impl CiteParams {
    /// Reads `style` (default Chicago notes and bibliography), `locale` and
    /// `linkwrap` (default off).
    pub fn from_params(params: &Params) -> ApiResult<Self> {
        let linkwrap = match params.get("linkwrap") {
            None | Some("" | "0") => false,
            Some("1") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "Invalid 'linkwrap' value '{other}': expected 0 or 1"
                )));
            }
        };
        Ok(Self {
            style: params
                .get("style")
                .filter(|s| !s.trim().is_empty())
                .unwrap_or(DEFAULT_STYLE)
                .trim()
                .to_owned(),
            locale: params
                .get("locale")
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_owned()),
            linkwrap,
        })
    }

    fn refuse(&self, e: &CiteError) -> ApiError {
        match e {
            CiteError::UnknownStyle { .. } => {
                ApiError::bad_request(format!("Invalid 'style' value '{}'", self.style))
            }
            CiteError::UnknownLocale { .. } => ApiError::bad_request(format!(
                "Invalid 'locale' value '{}'",
                self.locale.as_deref().unwrap_or_default()
            )),
            other => ApiError::bad_request(other.to_string()),
        }
    }

    fn finish(&self, html: String) -> String {
        if self.linkwrap {
            html
        } else {
            unwrap_links(&html)
        }
    }

    /// Formats with the style under each name it may have.
    fn format(&self, run: impl Fn(&str) -> Result<String, CiteError>) -> ApiResult<String> {
        let mut outcome = Err(ApiError::bad_request("no style"));
        for name in style_candidates(&self.style) {
            match run(&name) {
                Err(e @ CiteError::UnknownStyle { .. }) => outcome = Err(self.refuse(&e)),
                other => {
                    return other
                        .map(|html| self.finish(html))
                        .map_err(|e| self.refuse(&e));
                }
            }
        }
        outcome
    }

    /// The bibliography of `items` as HTML.
    pub fn bibliography(&self, items: &[ItemData]) -> ApiResult<String> {
        let locale = self.locale.as_deref();
        self.format(|style| bibliography_in(items, style, locale, CiteFormat::Html, None))
    }

    /// The in-text citation of one item as HTML.
    pub fn citation(&self, item: &ItemData) -> ApiResult<String> {
        let locale = self.locale.as_deref();
        let one = std::slice::from_ref(item);
        self.format(|style| citation_in(one, style, locale, CiteFormat::Html, None))
            .map(|html| format!("<span>{html}</span>"))
    }

    /// Checks the style and locale before any work is done, so a bad name is
    /// refused even when there is nothing to format.
    pub fn check(&self) -> ApiResult<()> {
        self.citation(&ItemData::new("book")).map(|_| ())
    }
}

/// HTML without its `<a href="…">` and `</a>` tags (the formatter escapes
/// every `<` of the text itself, so only its own tags start with one).
fn unwrap_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find('>').map_or(tail.len(), |e| e + 1);
        let tag = &tail[..end];
        if !(tag.starts_with("<a ") || tag == "</a>") {
            out.push_str(tag);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Reads `include` (default `data`); unknown names are refused by name.
pub fn includes(params: &Params) -> ApiResult<Vec<Include>> {
    let Some(value) = params.get("include").filter(|v| !v.trim().is_empty()) else {
        return Ok(vec![Include::Data]);
    };
    let mut out = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let include = match part {
            "data" => Include::Data,
            "bib" => Include::Bib,
            "citation" => Include::Citation,
            other => Include::Export(ExportFormat::parse(other).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid 'include' value '{other}': expected data, bib, citation or an export format ({})",
                    ExportFormat::names()
                ))
            })?),
        };
        if !out.contains(&include) {
            out.push(include);
        }
    }
    Ok(out)
}

/// Whether the item has a place in a bibliography (notes and annotations
/// have none).
pub fn citable(item: &ItemData) -> bool {
    !item.is_note() && !item.is_annotation()
}

/// Fills the `include`d members of an item's envelope (and drops `data`
/// when it is not asked for).
pub fn add_includes(
    envelope: &mut Value,
    item: &ItemData,
    includes: &[Include],
    cite: &CiteParams,
) -> ApiResult<()> {
    let Value::Object(map) = envelope else {
        return Ok(());
    };
    if !includes.contains(&Include::Data) {
        map.remove("data");
    }
    for include in includes {
        let value = match include {
            Include::Data => continue,
            Include::Bib if citable(item) => {
                Value::String(cite.bibliography(std::slice::from_ref(item))?)
            }
            Include::Citation if citable(item) => Value::String(cite.citation(item)?),
            Include::Bib | Include::Citation => Value::String(String::new()),
            Include::Export(ExportFormat::CslJson) => csl_json(std::slice::from_ref(item))
                .into_iter()
                .next()
                .unwrap_or(Value::Null),
            Include::Export(f) => Value::String(export_text(*f, std::slice::from_ref(item))),
        };
        map.insert(include.name().to_owned(), value);
    }
    Ok(())
}

fn export_items(items: &[ItemData]) -> Vec<ExportItem> {
    items.iter().cloned().map(ExportItem::new).collect()
}

/// CSL-JSON objects of items.
pub fn csl_json(items: &[ItemData]) -> Vec<Value> {
    let text = formats::export(formats::Format::CslJson, &export_items(items));
    match serde_json::from_str(&text) {
        Ok(Value::Array(list)) => list,
        _ => Vec::new(),
    }
}

/// Items as the text of an export format.
pub fn export_text(format: ExportFormat, items: &[ItemData]) -> String {
    formats::export(format.core(), &export_items(items))
}

/// The answer to `format=<export format>`: the items in that format
/// (CSL-JSON as `{"items": […]}`, as the Web API sends it).
pub fn export_response(format: ExportFormat, items: &[ItemData], version: u64) -> Response {
    let body = match format {
        ExportFormat::CslJson => {
            serde_json::to_string_pretty(&serde_json::json!({ "items": csl_json(items) }))
                .unwrap_or_default()
        }
        other => export_text(other, items),
    };
    with_version(format.content_type(), body, version)
}

/// The answer to `format=bib`: one bibliography of the items, as HTML.
pub fn bib_response(cite: &CiteParams, items: &[ItemData], version: u64) -> ApiResult<Response> {
    let citable: Vec<ItemData> = items.iter().filter(|i| citable(i)).cloned().collect();
    let html = if citable.is_empty() {
        cite.check()?;
        "<div class=\"csl-bib-body\">\n</div>".to_owned()
    } else {
        cite.bibliography(&citable)?
    };
    Ok(with_version("text/html; charset=utf-8", html, version))
}

fn with_version(content_type: &'static str, body: String, version: u64) -> Response {
    let mut r = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    r.headers_mut()
        .insert(LAST_MODIFIED_VERSION, HeaderValue::from(version));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_unwrapped_and_other_tags_kept() {
        assert_eq!(
            unwrap_links("<i>T</i>. <a href=\"https://doi.org/x\">https://doi.org/x</a>"),
            "<i>T</i>. https://doi.org/x"
        );
    }

    #[test]
    fn unknown_includes_are_named() {
        let err = includes(&Params::parse(Some("include=data,mods"))).expect_err("mods");
        assert!(err.message.contains("'mods'"), "{}", err.message);
        assert_eq!(
            includes(&Params::parse(Some("include=bib,ris,bib"))).expect("ok"),
            vec![Include::Bib, Include::Export(ExportFormat::Ris)]
        );
    }
}
