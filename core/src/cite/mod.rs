//! Formatted citations and bibliographies in CSL styles (APA, Chicago, IEEE,
//! MLA, Vancouver, Harvard, Nature and every other bundled style, plus
//! `.csl` files the user adds), as plain text or HTML: what "copy citation"
//! and the share sheet produce.

mod entry;
mod render;
mod repair;
mod styles;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, Entry, Rendered,
};
use shelfmark_protocol::{Creator, ItemData};

pub use styles::{StyleInfo, add_user_style, styles};

use crate::{Error, Library, Result};
use styles::ResolvedStyle;

/// The form of the formatted output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CiteFormat {
    /// Plain text without markup.
    Text,
    /// HTML with escaped text and `<i>`, `<b>`… for the style's formatting.
    Html,
}

/// The reference list entries for `items` in `style`, ordered as the style
/// orders its bibliography (by author for APA, by first citation for IEEE).
pub fn bibliography(
    items: &[ItemData],
    style: &str,
    format: CiteFormat,
    user_dir: Option<&Path>,
) -> Result<String> {
    bibliography_in(items, style, None, format, user_dir)
}

/// Like [`bibliography`], with the style's terms and dates in `locale`
/// (`de-DE`) instead of the style's own when one is given.
pub fn bibliography_in(
    items: &[ItemData],
    style: &str,
    locale: Option<&str>,
    format: CiteFormat,
    user_dir: Option<&Path>,
) -> Result<String> {
    let resolved = resolve_in(style, locale, user_dir)?;
    let entries = entries(items)?;
    let rendered = run(&resolved, &entries, Request::Bibliography)
        .map_err(|reason| cannot_format(style, &reason))?;
    let bibliography = rendered.bibliography.ok_or_else(|| {
        Error::invalid(format!(
            "the style \"{style}\" has no bibliography; ask for citations instead"
        ))
    })?;
    Ok(render::bibliography(&bibliography.items, format))
}

/// One in-text citation (or note, in a note style) citing `items` together,
/// such as "(Darwin, 1859; Lovelace, 1843)" or "[1], [2]".
pub fn citation(
    items: &[ItemData],
    style: &str,
    format: CiteFormat,
    user_dir: Option<&Path>,
) -> Result<String> {
    citation_in(items, style, None, format, user_dir)
}

/// Like [`citation`], with the style's terms and dates in `locale` (`de-DE`)
/// instead of the style's own when one is given.
pub fn citation_in(
    items: &[ItemData],
    style: &str,
    locale: Option<&str>,
    format: CiteFormat,
    user_dir: Option<&Path>,
) -> Result<String> {
    let resolved = resolve_in(style, locale, user_dir)?;
    let entries = entries(items)?;
    let rendered = run(&resolved, &entries, Request::Citation)
        .map_err(|reason| cannot_format(style, &reason))?;
    Ok(rendered
        .citations
        .first()
        .map(|c| render::citation(&c.citation, format))
        .unwrap_or_default())
}

impl Library {
    /// The citation (or, with `bibliography`, the reference list) for the
    /// items with these keys, in the order given.
    pub fn cite(
        &self,
        keys: &[&str],
        style: &str,
        format: CiteFormat,
        bibliography: bool,
        user_dir: Option<&Path>,
    ) -> Result<String> {
        let items = keys
            .iter()
            .map(|key| self.get_item(key))
            .collect::<Result<Vec<_>>>()?;
        if bibliography {
            self::bibliography(&items, style, format, user_dir)
        } else {
            self::citation(&items, style, format, user_dir)
        }
    }
}

/// The style called `style`, its locale replaced by `locale` when given.
fn resolve_in(style: &str, locale: Option<&str>, user_dir: Option<&Path>) -> Result<ResolvedStyle> {
    let mut resolved = styles::resolve(style, user_dir)?;
    if let Some(locale) = locale {
        resolved.locale = Some(styles::locale_code(locale)?);
    }
    Ok(resolved)
}

fn entries(items: &[ItemData]) -> Result<Vec<Entry>> {
    items.iter().map(entry::to_entry).collect()
}

fn cannot_format(style: &str, reason: &str) -> Error {
    Error::invalid(format!(
        "the style \"{style}\" could not format these items: {reason}"
    ))
}

#[derive(Debug, Clone, Copy)]
enum Request {
    /// Each item cited once, in order, so numbered styles number them so.
    Bibliography,
    /// All items in one citation.
    Citation,
}

/// Runs the processor. A style from outside can drive it into states it
/// does not expect; that is reported as an error instead of taking the
/// caller down.
fn run(
    resolved: &ResolvedStyle,
    entries: &[Entry],
    request: Request,
) -> std::result::Result<Rendered, String> {
    let locales = styles::locales();
    let cite = |items| {
        CitationRequest::new(
            items,
            &resolved.style,
            resolved.locale.clone(),
            locales,
            None,
        )
    };
    catch_unwind(AssertUnwindSafe(|| {
        let mut driver = BibliographyDriver::new();
        match request {
            Request::Bibliography => {
                for entry in entries {
                    let items: Vec<CitationItem<'_, Entry>> = vec![CitationItem::with_entry(entry)];
                    driver.citation(cite(items));
                }
            }
            Request::Citation => {
                driver.citation(cite(entries.iter().map(CitationItem::with_entry).collect()));
            }
        }
        driver.finish(BibliographyRequest::new(
            &resolved.style,
            resolved.locale.clone(),
            locales,
        ))
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "internal error in the citation processor".to_owned())
    })
}

/// Formats a sample reference with `resolved`, to refuse a style that
/// parses but cannot format anything.
fn check_style(resolved: &ResolvedStyle) -> std::result::Result<(), String> {
    let mut sample = ItemData::new("journalArticle");
    sample.set_field("title", "Sample title");
    sample.set_field("publicationTitle", "Sample Journal");
    sample.set_field("date", "2020-01-02");
    sample.set_field("volume", "1");
    sample.set_field("pages", "1-10");
    sample
        .creators
        .push(Creator::person("author", "Ada", "Sample"));
    let entry = entry::to_entry(&sample).map_err(|e| e.to_string())?;
    let entries = [entry];
    run(resolved, &entries, Request::Citation)?;
    run(resolved, &entries, Request::Bibliography)?;
    Ok(())
}
