//! Formatted citations and bibliographies in CSL styles (APA, Chicago, IEEE,
//! MLA, Vancouver, Harvard, Nature and every other bundled style, plus
//! `.csl` files the user adds), as plain text or HTML: what "copy citation"
//! and the share sheet produce.

mod entry;
mod error;
mod render;
mod repair;
mod styles;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, Entry, Rendered,
};
use shelfmark_protocol::{Creator, ItemData};

pub use error::CiteError;
pub use styles::{StyleInfo, add_user_style, styles};

use styles::ResolvedStyle;

/// A formatted citation or bibliography, or why there is none.
pub type Result<T, E = CiteError> = std::result::Result<T, E>;

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
    let bibliography = rendered
        .bibliography
        .ok_or_else(|| CiteError::NoBibliography {
            style: style.to_owned(),
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

fn cannot_format(style: &str, reason: &str) -> CiteError {
    CiteError::CannotFormat {
        style: style.to_owned(),
        reason: reason.to_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The online service answers each of these differently, by variant.
    #[test]
    fn errors_say_which_name_was_wrong() {
        let book = ItemData::new("book");
        let items = std::slice::from_ref(&book);
        let unknown_style = citation(items, "no-such-style", CiteFormat::Text, None);
        assert!(
            matches!(&unknown_style, Err(CiteError::UnknownStyle { name }) if name == "no-such-style"),
            "{unknown_style:?}"
        );
        let unknown_locale = citation_in(items, "apa", Some("xx-QQ"), CiteFormat::Text, None);
        assert!(
            matches!(&unknown_locale, Err(CiteError::UnknownLocale { code }) if code == "xx-QQ"),
            "{unknown_locale:?}"
        );
        let note = ItemData::new("note");
        let not_citable = citation(&[note], "apa", CiteFormat::Text, None);
        assert!(
            matches!(&not_citable, Err(CiteError::NotCitable { item_type, .. }) if item_type == "note"),
            "{not_citable:?}"
        );
        assert_eq!(
            citation(items, "apa", CiteFormat::Text, None)
                .map(|c| c.is_empty())
                .ok(),
            Some(false)
        );
    }
}
