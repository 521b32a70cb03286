//! Formatted citations and bibliographies of the library's items. The
//! styles and the processor are `shelfmark-formats`'s; here their errors
//! become the library's, so the apps and the CLI present them like any other.

use std::path::Path;

use shelfmark_formats::cite as formatter;
pub use shelfmark_formats::cite::{CiteError, CiteFormat, StyleInfo, styles};
use shelfmark_protocol::ItemData;

use crate::{Error, Library, Result};

/// The reference list entries for `items` in `style`, ordered as the style
/// orders its bibliography (by author for APA, by first citation for IEEE).
pub fn bibliography(
    items: &[ItemData],
    style: &str,
    format: CiteFormat,
    user_dir: Option<&Path>,
) -> Result<String> {
    Ok(formatter::bibliography(items, style, format, user_dir)?)
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
    Ok(formatter::bibliography_in(
        items, style, locale, format, user_dir,
    )?)
}

/// One in-text citation (or note, in a note style) citing `items` together,
/// such as "(Darwin, 1859; Lovelace, 1843)" or "[1], [2]".
pub fn citation(
    items: &[ItemData],
    style: &str,
    format: CiteFormat,
    user_dir: Option<&Path>,
) -> Result<String> {
    Ok(formatter::citation(items, style, format, user_dir)?)
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
    Ok(formatter::citation_in(
        items, style, locale, format, user_dir,
    )?)
}

/// Adds the style in `csl_file` to `user_dir` under the file's name, after
/// checking that it parses and can format a reference; a broken file is
/// refused and nothing is copied.
pub fn add_user_style(user_dir: &Path, csl_file: &Path) -> Result<StyleInfo> {
    Ok(formatter::add_user_style(user_dir, csl_file)?)
}

impl From<CiteError> for Error {
    fn from(e: CiteError) -> Self {
        match e {
            CiteError::Io { path, source } => Error::Io { path, source },
            CiteError::UnknownStyle { .. } => Error::invalid(format!(
                "{e}; `shelfmark styles` lists the styles you can use"
            )),
            other => Error::invalid(other.to_string()),
        }
    }
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
