//! Formatted citations and bibliographies in CSL styles: what "copy
//! citation" and the share sheet produce.

use std::path::PathBuf;

use shelfmark_core::{CiteFormat as CoreCiteFormat, Library, cite};

use crate::error::{Result, ShelfmarkError};
use crate::items::as_strs;
use crate::runtime::{blocking, with_library};

/// The form of formatted output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum CiteFormat {
    /// Plain text.
    Text,
    /// HTML with `<i>`, `<b>`… for the style's formatting.
    Html,
}

/// A citation style the user can pick.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CitationStyle {
    /// The name to ask for it by (`apa`, `ieee`, or a user style's file name).
    pub id: String,
    /// The style's title ("APA Style 7th edition").
    pub title: String,
    /// Whether the user added it.
    pub user: bool,
}

impl From<cite::StyleInfo> for CitationStyle {
    fn from(s: cite::StyleInfo) -> Self {
        Self {
            id: s.id,
            title: s.title,
            user: s.user,
        }
    }
}

/// Citations and bibliographies for a library's items.
#[derive(Debug, uniffi::Object)]
pub struct Citations {
    library: Library,
    styles_dir: Option<PathBuf>,
}

impl Citations {
    pub(crate) fn new(library: Library, styles_dir: Option<PathBuf>) -> Self {
        Self {
            library,
            styles_dir,
        }
    }
}

#[uniffi::export]
impl Citations {
    /// Every style: the common ones first (APA, Chicago, IEEE, MLA,
    /// Vancouver, Harvard, Nature), then the other bundled styles, then the
    /// user's own.
    pub async fn styles(&self) -> Result<Vec<CitationStyle>> {
        let dir = self.styles_dir.clone();
        blocking(move || {
            Ok::<_, ShelfmarkError>(
                cite::styles(dir.as_deref())
                    .into_iter()
                    .map(CitationStyle::from)
                    .collect(),
            )
        })
        .await
    }

    /// The in-text citation for the items with these keys (in this order),
    /// or with `bibliography` their reference list, in `style`.
    pub async fn cite(
        &self,
        keys: Vec<String>,
        style: String,
        format: CiteFormat,
        bibliography: bool,
    ) -> Result<String> {
        let dir = self.styles_dir.clone();
        let format = match format {
            CiteFormat::Text => CoreCiteFormat::Text,
            CiteFormat::Html => CoreCiteFormat::Html,
        };
        with_library(&self.library, move |l| {
            let keys = as_strs(&keys);
            l.cite(&keys, &style, format, bibliography, dir.as_deref())
        })
        .await
    }

    /// Adds a `.csl` style file to the user's styles (the library's styles
    /// folder), after checking that it works; a broken file is refused.
    pub async fn add_style(&self, csl_path: String) -> Result<CitationStyle> {
        let Some(dir) = self.styles_dir.clone() else {
            return Err(ShelfmarkError::invalid(
                "this library was opened without a styles folder (LibraryOptions.stylesDir)",
            ));
        };
        blocking(move || {
            cite::add_user_style(&dir, std::path::Path::new(&csl_path)).map(CitationStyle::from)
        })
        .await
    }
}
