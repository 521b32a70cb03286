//! Why a citation, a bibliography or a user style could not be made.

use std::path::PathBuf;

use thiserror::Error;

/// Why formatting failed or a style file was refused. Every variant but
/// [`CiteError::Io`] is a problem with what was asked for (the style, the
/// locale, the items or the style file), not with the machine.
#[derive(Debug, Error)]
pub enum CiteError {
    /// No bundled style and none of the user's styles has this name.
    #[error("unknown citation style \"{name}\"")]
    UnknownStyle { name: String },

    /// The style processor has no locale with this code.
    #[error("unknown locale \"{code}\"")]
    UnknownLocale { code: String },

    /// A dependent style whose parent is neither bundled nor one of the
    /// user's styles.
    #[error(
        "style \"{style}\" is based on the style {parent}, which is not available; add that style first"
    )]
    MissingParent { style: String, parent: String },

    /// Notes, attachments and annotations have no place in a citation.
    #[error("item {key} is a {item_type} and cannot be cited; cite the item it belongs to")]
    NotCitable { key: String, item_type: String },

    /// A note style without a reference list was asked for one.
    #[error("the style \"{style}\" has no bibliography; ask for citations instead")]
    NoBibliography { style: String },

    /// The processor failed on these items in this style.
    #[error("the style \"{style}\" could not format these items: {reason}")]
    CannotFormat { style: String, reason: String },

    /// A style file that is not a CSL style the processor can read.
    #[error("{} is not a usable CSL style: {reason}", path.display())]
    UnusableStyle { path: PathBuf, reason: String },

    /// A style file whose name cannot be a style's name.
    #[error("{} cannot name a style: use letters, digits, '-', '_' or '.'", path.display())]
    BadStyleName { path: PathBuf },

    /// A style file named like a bundled style.
    #[error("a bundled style is already called \"{name}\"; rename {} to add it", path.display())]
    NameTaken { name: String, path: PathBuf },

    /// A style file that parses but cannot format a sample reference.
    #[error("{} cannot format references: {reason}", path.display())]
    StyleCannotFormat { path: PathBuf, reason: String },

    /// Reading a style file or writing into the style folder failed.
    #[error("file error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
