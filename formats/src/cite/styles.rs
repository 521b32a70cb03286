//! The citation styles a user can choose: the CSL styles bundled with the
//! processor, under short names for the common ones, and `.csl` files the
//! user added to the library's style folder.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hayagriva::archive::{self, ArchivedStyle};
use hayagriva::citationberg::{IndependentStyle, Locale, LocaleCode, Style};

use super::{CiteError, Result};

/// A citation style the user can pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleInfo {
    /// The name to ask for it by (`apa`, `ieee`, or a user file's name).
    pub id: String,
    /// The style's own title ("APA Style 7th edition").
    pub title: String,
    /// Whether the user added it (a `.csl` file in the style folder).
    pub user: bool,
}

/// The common styles, under the names people know them by, listed first.
const FEATURED: [(&str, ArchivedStyle); 7] = [
    ("apa", ArchivedStyle::AmericanPsychologicalAssociation),
    ("chicago-author-date", ArchivedStyle::ChicagoAuthorDate),
    (
        "ieee",
        ArchivedStyle::InstituteOfElectricalAndElectronicsEngineers,
    ),
    ("mla", ArchivedStyle::ModernLanguageAssociation),
    ("vancouver", ArchivedStyle::NlmCitationSequence),
    ("harvard", ArchivedStyle::HarvardCiteThemRight),
    ("nature", ArchivedStyle::Nature),
];

const USER_STYLE_EXTENSION: &str = "csl";

/// A style ready for the processor, with the locale a dependent style asks for.
#[derive(Debug)]
pub(crate) struct ResolvedStyle {
    pub style: IndependentStyle,
    pub locale: Option<LocaleCode>,
}

/// Every style: the common ones first, then the rest of the bundled styles,
/// then the user's own from `user_dir` (sorted by name).
pub fn styles(user_dir: Option<&Path>) -> Vec<StyleInfo> {
    let mut list: Vec<StyleInfo> = FEATURED
        .iter()
        .map(|(id, style)| StyleInfo {
            id: (*id).to_owned(),
            title: style.display_name().to_owned(),
            user: false,
        })
        .collect();
    let mut rest: Vec<StyleInfo> = ArchivedStyle::all()
        .iter()
        .filter(|style| !FEATURED.iter().any(|(_, f)| f == *style))
        .filter_map(|style| {
            Some(StyleInfo {
                id: (*style.names().first()?).to_owned(),
                title: style.display_name().to_owned(),
                user: false,
            })
        })
        .collect();
    rest.sort_by(|a, b| a.id.cmp(&b.id));
    list.extend(rest);
    if let Some(dir) = user_dir {
        list.extend(user_styles(dir));
    }
    list
}

/// The `.csl` files in `dir`; one that cannot be read is still listed, its
/// title saying why, so the user can find and fix it.
fn user_styles(dir: &Path) -> Vec<StyleInfo> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<StyleInfo> = read
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == USER_STYLE_EXTENSION))
        .filter_map(|path| {
            let id = path.file_stem()?.to_str()?.to_owned();
            let title = match read_style(&path) {
                Ok(style) => style.info().title.value.clone(),
                Err(e) => format!("(unusable: {e})"),
            };
            Some(StyleInfo {
                id,
                title,
                user: true,
            })
        })
        .collect();
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found
}

/// The bundled style known by `name`: a short name from the list, any
/// name the archive knows it by, or its CSL id.
fn archived(name: &str) -> Option<ArchivedStyle> {
    let lower = name.trim().to_lowercase();
    FEATURED
        .iter()
        .find(|(id, _)| *id == lower)
        .map(|(_, style)| *style)
        .or_else(|| ArchivedStyle::by_name(&lower))
        .or_else(|| ArchivedStyle::by_id(name.trim()))
}

/// The style called `name`, bundled or from `user_dir`.
pub(crate) fn resolve(name: &str, user_dir: Option<&Path>) -> Result<ResolvedStyle> {
    if let Some(style) = archived(name) {
        return independent(style.get(), None, name);
    }
    if let Some(dir) = user_dir
        && let Some(path) = user_style_path(dir, name)
        && path.is_file()
    {
        return independent(read_style(&path)?, Some(dir), name);
    }
    Err(CiteError::UnknownStyle {
        name: name.to_owned(),
    })
}

/// An independent style, following a dependent style to its parent (bundled,
/// or one of the user's styles with that CSL id).
fn independent(style: Style, user_dir: Option<&Path>, name: &str) -> Result<ResolvedStyle> {
    let mut resolved = follow_parent(style, user_dir, name)?;
    if resolved.locale.is_none() && resolved.style.default_locale.is_none() {
        resolved.locale = intended_locale(&resolved.style);
    }
    super::repair::repair(&mut resolved.style);
    Ok(resolved)
}

/// Bundled styles that name no locale although their guide is written for
/// one: Cite Them Right is a British guide ("Accessed: 1 March 2024").
fn intended_locale(style: &IndependentStyle) -> Option<LocaleCode> {
    (ArchivedStyle::by_id(&style.info.id) == Some(ArchivedStyle::HarvardCiteThemRight))
        .then(|| LocaleCode("en-GB".to_owned()))
}

/// The style itself, or for a dependent style its parent with the locale
/// the dependent style asks for.
fn follow_parent(style: Style, user_dir: Option<&Path>, name: &str) -> Result<ResolvedStyle> {
    match style {
        Style::Independent(style) => Ok(ResolvedStyle {
            style,
            locale: None,
        }),
        Style::Dependent(dependent) => {
            let parent_id = dependent.parent_link.href.as_str();
            let parent = ArchivedStyle::by_id(parent_id)
                .map(ArchivedStyle::get)
                .or_else(|| user_dir.and_then(|dir| user_style_with_id(dir, parent_id)));
            match parent {
                Some(Style::Independent(style)) => Ok(ResolvedStyle {
                    style,
                    locale: dependent.default_locale,
                }),
                _ => Err(CiteError::MissingParent {
                    style: name.to_owned(),
                    parent: parent_id.to_owned(),
                }),
            }
        }
    }
}

fn user_style_with_id(dir: &Path, csl_id: &str) -> Option<Style> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == USER_STYLE_EXTENSION))
        .filter_map(|p| read_style(&p).ok())
        .find(|s| s.info().id == csl_id)
}

/// The file a user style called `name` lives in, if `name` can be a file name.
fn user_style_path(dir: &Path, name: &str) -> Option<PathBuf> {
    valid_user_id(name).then(|| dir.join(format!("{name}.{USER_STYLE_EXTENSION}")))
}

fn valid_user_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Reads and parses a CSL file; the error names the file and the problem.
fn read_style(path: &Path) -> Result<Style> {
    let xml = std::fs::read_to_string(path).map_err(|source| CiteError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_style(&xml).map_err(|reason| CiteError::UnusableStyle {
        path: path.to_owned(),
        reason,
    })
}

fn parse_style(xml: &str) -> std::result::Result<Style, String> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    Style::from_xml(xml).map_err(|e| e.to_string())
}

/// Adds the style in `csl_file` to `user_dir` under the file's name, after
/// checking that it parses and can format a reference; a broken file is
/// refused and nothing is copied. Adding a file of the same name again
/// replaces the earlier copy, which is how a style is updated.
pub fn add_user_style(user_dir: &Path, csl_file: &Path) -> Result<StyleInfo> {
    let id = csl_file
        .file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_owned)
        .unwrap_or_default();
    if !valid_user_id(&id) {
        return Err(CiteError::BadStyleName {
            path: csl_file.to_owned(),
        });
    }
    if archived(&id).is_some() {
        return Err(CiteError::NameTaken {
            name: id,
            path: csl_file.to_owned(),
        });
    }
    let style = read_style(csl_file)?;
    let title = style.info().title.value.clone();
    let resolved = independent(style, Some(user_dir), &id)?;
    super::check_style(&resolved).map_err(|reason| CiteError::StyleCannotFormat {
        path: csl_file.to_owned(),
        reason,
    })?;

    std::fs::create_dir_all(user_dir).map_err(|source| CiteError::Io {
        path: user_dir.to_owned(),
        source,
    })?;
    let target = user_dir.join(format!("{id}.{USER_STYLE_EXTENSION}"));
    // Copied under a temporary name first so a failed copy leaves no
    // half-written style behind.
    let partial = user_dir.join(format!(".{id}.{USER_STYLE_EXTENSION}.partial"));
    std::fs::copy(csl_file, &partial)
        .and_then(|_| std::fs::rename(&partial, &target))
        .map_err(|source| {
            let _ = std::fs::remove_file(&partial);
            CiteError::Io {
                path: target.clone(),
                source,
            }
        })?;
    Ok(StyleInfo {
        id,
        title,
        user: true,
    })
}

/// The bundled locale called `code` (`de-DE`, case-insensitive).
pub(crate) fn locale_code(code: &str) -> Result<LocaleCode> {
    let code = code.trim();
    locales()
        .iter()
        .filter_map(|l| l.lang.as_ref())
        .find(|l| l.0.eq_ignore_ascii_case(code))
        .cloned()
        .ok_or_else(|| CiteError::UnknownLocale {
            code: code.to_owned(),
        })
}

/// The locale files for the styles' terms ("and", "edited by", "n.d."),
/// decoded once.
pub(crate) fn locales() -> &'static [Locale] {
    static LOCALES: OnceLock<Vec<Locale>> = OnceLock::new();
    LOCALES.get_or_init(archive::locales)
}
