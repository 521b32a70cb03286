//! Notes, attachments (their metadata) and annotations: the items that hang
//! under other items.

use rusqlite::params;
use shelfmark_protocol::{ItemData, LinkMode, ObjectKey};

use crate::error::{Error, Result};
use crate::library::Library;
use crate::store::items::{ROW_COLUMNS, edit_local, finish_row, get_row, row_from_sql, save_local};

/// The colour of a new annotation when none is given (Zotero's yellow).
pub const DEFAULT_ANNOTATION_COLOR: &str = "#ffd400";

/// Content types a reader can annotate.
const ANNOTATABLE_TYPES: &[&str] = &["application/pdf", "application/epub+zip", "text/html"];

/// A new attachment's metadata. The file itself is stored separately; this
/// only describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub link_mode: LinkMode,
    /// Defaults to the file name, else the URL.
    pub title: Option<String>,
    pub content_type: Option<String>,
    /// The stored file's name (no directories).
    pub filename: Option<String>,
    /// MD5 of the stored file (stored files only).
    pub md5: Option<String>,
    /// Modification time of the stored file in ms since the epoch (stored files only).
    pub mtime: Option<i64>,
    /// Where a linked file lives (`linked_file` only, and required there).
    pub path: Option<String>,
    /// The web address (`linked_url`, required there, and `imported_url`).
    pub url: Option<String>,
    pub charset: Option<String>,
}

impl NewAttachment {
    /// An attachment of this link mode with no metadata yet.
    pub fn new(link_mode: LinkMode) -> Self {
        Self {
            link_mode,
            title: None,
            content_type: None,
            filename: None,
            md5: None,
            mtime: None,
            path: None,
            url: None,
            charset: None,
        }
    }

    /// Checks the link-mode rules, naming the field at fault.
    fn check(&self) -> Result<()> {
        let mode = self.link_mode.as_str();
        let refuse = |field: &str, why: &str| {
            Err(Error::invalid(format!(
                "{field} is not allowed on a {mode} attachment: {why}"
            )))
        };
        match self.link_mode {
            LinkMode::EmbeddedImage => {
                return Err(Error::invalid(
                    "embedded_image attachments belong to notes and cannot be added on their own",
                ));
            }
            LinkMode::LinkedFile if is_blank(&self.path) => {
                return Err(Error::invalid("a linked_file attachment needs a path"));
            }
            LinkMode::LinkedUrl if is_blank(&self.url) => {
                return Err(Error::invalid("a linked_url attachment needs a url"));
            }
            _ => {}
        }
        if self.path.is_some() && self.link_mode != LinkMode::LinkedFile {
            return refuse("path", "only linked files have a path");
        }
        if self.url.is_some()
            && !matches!(self.link_mode, LinkMode::LinkedUrl | LinkMode::ImportedUrl)
        {
            return refuse("url", "only linked and imported URLs have a url");
        }
        if !self.link_mode.has_stored_file() {
            if self.md5.is_some() {
                return refuse("md5", "only stored files have a checksum");
            }
            if self.mtime.is_some() {
                return refuse("mtime", "only stored files have a modification time");
            }
        }
        if self.link_mode == LinkMode::LinkedUrl && self.filename.is_some() {
            return refuse("filename", "a linked URL has no file");
        }
        Ok(())
    }
}

/// A new annotation on a PDF, EPUB or HTML attachment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAnnotation {
    /// highlight, underline, note, image, ink or text; fixed once set.
    pub annotation_type: String,
    /// The marked text (highlights and underlines only).
    pub text: Option<String>,
    pub comment: Option<String>,
    /// `#rrggbb`; [`DEFAULT_ANNOTATION_COLOR`] when absent.
    pub color: Option<String>,
    pub page_label: Option<String>,
    /// Reading-order key: `ppppp|oooooo|ttttt` (PDF), `ppppp|oooooooo` (EPUB)
    /// or 7–8 digits (HTML).
    pub sort_index: Option<String>,
    /// Where it sits in the document, a JSON object in a string.
    pub position: Option<String>,
}

impl NewAnnotation {
    /// An annotation of this type with nothing else set.
    pub fn new(annotation_type: &str) -> Self {
        Self {
            annotation_type: annotation_type.to_owned(),
            ..Self::default()
        }
    }
}

/// Changes to an annotation: `Some` sets a value (empty clears it), `None`
/// leaves it. The annotation's type cannot change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnotationEdit {
    pub text: Option<String>,
    pub comment: Option<String>,
    pub color: Option<String>,
    pub page_label: Option<String>,
    pub sort_index: Option<String>,
    pub position: Option<String>,
}

fn is_blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

fn set_optional(item: &mut ItemData, field: &str, value: Option<String>) {
    if let Some(value) = value {
        item.set_field(field, value);
    }
}

/// Colours are stored in lower case, as Zotero writes them.
fn normalise_color(color: Option<String>) -> Option<String> {
    color.map(|c| c.trim().to_ascii_lowercase())
}

/// Refuses an item that is not of the expected kind, naming it.
fn expect_kind(item: &ItemData, ok: bool, wanted: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "item {} is a {}, not {wanted}",
            item.key, item.item_type
        )))
    }
}

impl Library {
    /// Adds a note (HTML) under a regular item, or standalone when `parent`
    /// is `None`.
    pub fn add_note(&self, parent: Option<&str>, html: &str) -> Result<ItemData> {
        let parent = parent.map(ObjectKey::parse).transpose()?;
        let lib = self.id;
        self.db.write(|tx| {
            let mut note = ItemData::new("note");
            note.parent_item = parent;
            note.set_field("note", html);
            save_local(tx, lib, note)
        })
    }

    /// Replaces the HTML of a note (or of an attachment's note).
    pub fn update_note(&self, key: &str, html: &str) -> Result<ItemData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            edit_local(tx, lib, &key, |item| {
                expect_kind(item, item.is_note() || item.is_attachment(), "a note")?;
                item.set_field("note", html);
                Ok(())
            })
        })
    }

    /// Adds an attachment's metadata under a regular item, or standalone
    /// when `parent` is `None`. Link-mode rules are checked first.
    pub fn add_attachment(
        &self,
        parent: Option<&str>,
        attachment: NewAttachment,
    ) -> Result<ItemData> {
        let parent = parent.map(ObjectKey::parse).transpose()?;
        attachment.check()?;
        let lib = self.id;
        self.db.write(|tx| {
            let mut item = ItemData::new("attachment");
            item.parent_item = parent;
            item.set_field("linkMode", attachment.link_mode.as_str());
            let title = attachment
                .title
                .or_else(|| attachment.filename.clone())
                .or_else(|| attachment.url.clone());
            set_optional(&mut item, "title", title);
            set_optional(&mut item, "contentType", attachment.content_type);
            set_optional(&mut item, "charset", attachment.charset);
            set_optional(&mut item, "filename", attachment.filename);
            set_optional(
                &mut item,
                "md5",
                attachment.md5.map(|m| m.to_ascii_lowercase()),
            );
            set_optional(&mut item, "path", attachment.path);
            set_optional(&mut item, "url", attachment.url);
            item.mtime = attachment.mtime;
            save_local(tx, lib, item)
        })
    }

    /// Adds an annotation to a PDF, EPUB or HTML attachment (or one whose
    /// content type is not known).
    pub fn add_annotation(&self, attachment: &str, a: NewAnnotation) -> Result<ItemData> {
        let attachment = ObjectKey::parse(attachment)?;
        let lib = self.id;
        self.db.write(|tx| {
            let parent = get_row(tx, lib, &attachment)?.data;
            if !parent.is_attachment() {
                return Err(Error::invalid(format!(
                    "annotations go on PDF, EPUB or HTML attachments, and {} is a {}",
                    parent.key, parent.item_type
                )));
            }
            if let Some(ct) = parent.field("contentType")
                && !ANNOTATABLE_TYPES.contains(&ct)
            {
                return Err(Error::invalid(format!(
                    "attachment {} holds {ct}; only PDF, EPUB and HTML can be annotated",
                    parent.key
                )));
            }
            let mut item = ItemData::new("annotation");
            item.parent_item = Some(parent.key);
            item.set_field("annotationType", a.annotation_type.trim());
            set_optional(&mut item, "annotationText", a.text);
            set_optional(&mut item, "annotationComment", a.comment);
            let color = normalise_color(a.color).unwrap_or_else(|| DEFAULT_ANNOTATION_COLOR.into());
            item.set_field("annotationColor", color);
            set_optional(&mut item, "annotationPageLabel", a.page_label);
            set_optional(&mut item, "annotationSortIndex", a.sort_index);
            set_optional(&mut item, "annotationPosition", a.position);
            save_local(tx, lib, item)
        })
    }

    /// Changes an annotation's text, comment, colour, page label, sort index
    /// or position.
    pub fn update_annotation(&self, key: &str, edit: AnnotationEdit) -> Result<ItemData> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            edit_local(tx, lib, &key, |item| {
                expect_kind(item, item.is_annotation(), "an annotation")?;
                set_optional(item, "annotationText", edit.text);
                set_optional(item, "annotationComment", edit.comment);
                set_optional(item, "annotationColor", normalise_color(edit.color));
                set_optional(item, "annotationPageLabel", edit.page_label);
                set_optional(item, "annotationSortIndex", edit.sort_index);
                set_optional(item, "annotationPosition", edit.position);
                Ok(())
            })
        })
    }

    /// Moves an annotation to the trash.
    pub fn delete_annotation(&self, key: &str) -> Result<()> {
        let key = ObjectKey::parse(key)?;
        let lib = self.id;
        self.db.write(|tx| {
            edit_local(tx, lib, &key, |item| {
                expect_kind(item, item.is_annotation(), "an annotation")?;
                item.deleted = true;
                Ok(())
            })
            .map(drop)
        })
    }

    /// The annotations of an attachment that are not themselves in the
    /// trash, in reading order (by sort index; those without one last).
    pub fn annotations(&self, attachment: &str) -> Result<Vec<ItemData>> {
        let attachment = ObjectKey::parse(attachment)?;
        let lib = self.id;
        self.db.read(|c| {
            let parent = get_row(c, lib, &attachment)?.data;
            expect_kind(&parent, parent.is_attachment(), "an attachment")?;
            let mut stmt = c.prepare(&format!(
                "SELECT {ROW_COLUMNS} FROM items
                 WHERE library_id = ?1 AND parent_key = ?2 AND item_type = 'annotation'
                   AND deleted = 0"
            ))?;
            let raws = stmt
                .query_map(params![lib.0, attachment.as_str()], row_from_sql)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut list = raws
                .into_iter()
                .map(|raw| finish_row(raw).map(|r| r.data))
                .collect::<Result<Vec<_>>>()?;
            list.sort_by(|a, b| {
                let index = |i: &ItemData| i.field("annotationSortIndex").map(str::to_owned);
                (index(a).is_none(), index(a), &a.date_added, &a.key).cmp(&(
                    index(b).is_none(),
                    index(b),
                    &b.date_added,
                    &b.key,
                ))
            });
            Ok(list)
        })
    }
}
