//! Annotations on PDF, EPUB and HTML attachments: highlights, underlines,
//! notes, images, ink and text, kept as items (never written into the file).

use shelfmark_core::protocol::ItemData;
use shelfmark_core::{self as core, Library};

use crate::error::Result;
use crate::runtime::with_library;

/// An annotation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Annotation {
    /// The annotation's key.
    pub key: String,
    /// The attachment it is on.
    pub attachment_key: String,
    /// `highlight`, `underline`, `note`, `image`, `ink` or `text`.
    pub annotation_type: String,
    /// The marked text (highlights and underlines).
    pub text: Option<String>,
    /// The user's comment.
    pub comment: Option<String>,
    /// Its colour, `#rrggbb`.
    pub color: String,
    /// The page label shown to the user ("23", "iv").
    pub page_label: Option<String>,
    /// The reading-order key.
    pub sort_index: Option<String>,
    /// Where it sits in the document (a JSON object, as the reader wrote it).
    pub position: Option<String>,
    /// Tags on the annotation.
    pub tags: Vec<String>,
    /// When it was made.
    pub date_added: Option<String>,
    /// When it last changed.
    pub date_modified: Option<String>,
}

/// A new annotation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewAnnotation {
    /// `highlight`, `underline`, `note`, `image`, `ink` or `text`; fixed once set.
    pub annotation_type: String,
    /// The marked text (highlights and underlines only).
    #[uniffi(default = None)]
    pub text: Option<String>,
    /// A comment.
    #[uniffi(default = None)]
    pub comment: Option<String>,
    /// `#rrggbb`; yellow (`#ffd400`) when absent.
    #[uniffi(default = None)]
    pub color: Option<String>,
    /// The page label.
    #[uniffi(default = None)]
    pub page_label: Option<String>,
    /// Reading-order key: `ppppp|oooooo|ttttt` (PDF), `ppppp|oooooooo` (EPUB)
    /// or 7–8 digits (HTML).
    #[uniffi(default = None)]
    pub sort_index: Option<String>,
    /// Where it sits in the document, a JSON object.
    #[uniffi(default = None)]
    pub position: Option<String>,
}

/// Changes to an annotation: a value sets it (empty clears it), absent leaves it.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct AnnotationEdit {
    /// New marked text.
    #[uniffi(default = None)]
    pub text: Option<String>,
    /// New comment.
    #[uniffi(default = None)]
    pub comment: Option<String>,
    /// New colour.
    #[uniffi(default = None)]
    pub color: Option<String>,
    /// New page label.
    #[uniffi(default = None)]
    pub page_label: Option<String>,
    /// New reading-order key.
    #[uniffi(default = None)]
    pub sort_index: Option<String>,
    /// New position.
    #[uniffi(default = None)]
    pub position: Option<String>,
}

impl From<ItemData> for Annotation {
    fn from(item: ItemData) -> Self {
        let field = |name: &str| item.field(name).map(str::to_owned);
        Self {
            key: item.key.to_string(),
            attachment_key: item
                .parent_item
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            annotation_type: field("annotationType").unwrap_or_default(),
            text: field("annotationText"),
            comment: field("annotationComment"),
            color: field("annotationColor")
                .unwrap_or_else(|| core::DEFAULT_ANNOTATION_COLOR.to_owned()),
            page_label: field("annotationPageLabel"),
            sort_index: field("annotationSortIndex"),
            position: field("annotationPosition"),
            tags: item.tags.iter().map(|t| t.tag.clone()).collect(),
            date_added: item.date_added.clone(),
            date_modified: item.date_modified.clone(),
        }
    }
}

/// The annotations of a library.
#[derive(Debug, uniffi::Object)]
pub struct Annotations {
    library: Library,
}

impl Annotations {
    pub(crate) fn new(library: Library) -> Self {
        Self { library }
    }
}

#[uniffi::export]
impl Annotations {
    /// The annotations of an attachment, in reading order (outside the trash).
    pub async fn list(&self, attachment_key: String) -> Result<Vec<Annotation>> {
        with_library(&self.library, move |l| {
            Ok(l.annotations(&attachment_key)?
                .into_iter()
                .map(Annotation::from)
                .collect())
        })
        .await
    }

    /// Adds an annotation to a PDF, EPUB or HTML attachment.
    pub async fn add(
        &self,
        attachment_key: String,
        annotation: NewAnnotation,
    ) -> Result<Annotation> {
        let new = core::NewAnnotation {
            annotation_type: annotation.annotation_type,
            text: annotation.text,
            comment: annotation.comment,
            color: annotation.color,
            page_label: annotation.page_label,
            sort_index: annotation.sort_index,
            position: annotation.position,
        };
        with_library(&self.library, move |l| {
            l.add_annotation(&attachment_key, new).map(Annotation::from)
        })
        .await
    }

    /// Changes an annotation (its type cannot change).
    pub async fn update(&self, key: String, edit: AnnotationEdit) -> Result<Annotation> {
        let edit = core::AnnotationEdit {
            text: edit.text,
            comment: edit.comment,
            color: edit.color,
            page_label: edit.page_label,
            sort_index: edit.sort_index,
            position: edit.position,
        };
        with_library(&self.library, move |l| {
            l.update_annotation(&key, edit).map(Annotation::from)
        })
        .await
    }

    /// Moves an annotation to the trash.
    pub async fn delete(&self, key: String) -> Result<()> {
        with_library(&self.library, move |l| l.delete_annotation(&key)).await
    }
}
