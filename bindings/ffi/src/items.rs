//! Items: sorted lists and search, reading and editing, notes and
//! attachments, the trash, tags and duplicates.

use std::sync::Arc;

use shelfmark_core::protocol::{LinkMode as CoreLinkMode, ObjectKey};
use shelfmark_core::{self as core, DuplicateReason, Library};

use crate::collections::CollectionInfo;
use crate::error::{Result, ShelfmarkError};
use crate::item_records::{Creator, FieldValue, ItemDetail, ItemPage, NewItem};
use crate::list_watch::{ItemListListener, watch_list};
use crate::query::{ItemListQuery, ItemSearchQuery};
use crate::runtime::with_library;
use crate::saved_searches::SavedSearch;
use crate::task::TaskHandle;

/// Items of a library. Every change is one transaction: it happens whole
/// or not at all.
#[derive(Debug, uniffi::Object)]
pub struct Items {
    library: Library,
}

impl Items {
    pub(crate) fn new(library: Library) -> Self {
        Self { library }
    }
}

/// How an attachment refers to its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LinkMode {
    /// A file stored in the library (and synced).
    ImportedFile,
    /// A web page saved into the library.
    ImportedUrl,
    /// A file elsewhere on the device, referred to by path.
    LinkedFile,
    /// A web address.
    LinkedUrl,
}

/// A new attachment's description (the file itself is handled separately).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewAttachment {
    /// How it refers to its content.
    pub link_mode: LinkMode,
    /// The title; the file name or URL when absent.
    #[uniffi(default = None)]
    pub title: Option<String>,
    /// The MIME type (`application/pdf`).
    #[uniffi(default = None)]
    pub content_type: Option<String>,
    /// The stored file's name (stored files only).
    #[uniffi(default = None)]
    pub filename: Option<String>,
    /// MD5 of the stored file (stored files only).
    #[uniffi(default = None)]
    pub md5: Option<String>,
    /// The stored file's modification time, in ms since 1970 (stored files only).
    #[uniffi(default = None)]
    pub mtime: Option<i64>,
    /// Where a linked file lives (linked files only, and required there).
    #[uniffi(default = None)]
    pub path: Option<String>,
    /// The web address (linked URLs, where it is required, and saved pages).
    #[uniffi(default = None)]
    pub url: Option<String>,
    /// The text encoding of a saved page.
    #[uniffi(default = None)]
    pub charset: Option<String>,
}

/// A tag of the library and how many items carry it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TagCount {
    /// The tag's text.
    pub name: String,
    /// Added by imports rather than by the user.
    pub automatic: bool,
    /// Items outside the trash carrying it.
    pub items: u64,
}

/// What is in the trash.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TrashContents {
    /// Items put in the trash (their children went with them and are not
    /// listed), most recently changed first.
    pub items: Vec<ItemDetail>,
    /// Collections in the trash, by name.
    pub collections: Vec<CollectionInfo>,
    /// Saved searches in the trash, by name.
    pub saved_searches: Vec<SavedSearch>,
}

/// How many objects emptying the trash removed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct EmptyTrashReport {
    /// Items, counting children that went with their parents.
    pub items: u64,
    /// Collections.
    pub collections: u64,
    /// Saved searches.
    pub saved_searches: u64,
}

/// Why items were judged to be the same reference.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DuplicateKind {
    /// The same DOI.
    Doi {
        /// The DOI, normalised.
        doi: String,
    },
    /// The same ISBN.
    Isbn {
        /// The ISBN, normalised.
        isbn: String,
    },
    /// The same title, year and first creator.
    TitleYearCreator,
}

/// Items that look like the same reference.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DuplicateGroup {
    /// The group's number, from 1; stable while the library does not change.
    pub number: u32,
    /// The items' keys, oldest first: the first is the one to keep by default.
    pub keys: Vec<String>,
    /// Why they are the same.
    pub kind: DuplicateKind,
    /// Why, in words ("same DOI 10.1000/xyz").
    pub reason: String,
}

/// Borrows owned strings as the `&str` slices the core takes.
pub(crate) fn as_strs(keys: &[String]) -> Vec<&str> {
    keys.iter().map(String::as_str).collect()
}

impl From<NewAttachment> for core::NewAttachment {
    fn from(a: NewAttachment) -> Self {
        let link_mode = match a.link_mode {
            LinkMode::ImportedFile => CoreLinkMode::ImportedFile,
            LinkMode::ImportedUrl => CoreLinkMode::ImportedUrl,
            LinkMode::LinkedFile => CoreLinkMode::LinkedFile,
            LinkMode::LinkedUrl => CoreLinkMode::LinkedUrl,
        };
        Self {
            title: a.title,
            content_type: a.content_type,
            filename: a.filename,
            md5: a.md5,
            mtime: a.mtime,
            path: a.path,
            url: a.url,
            charset: a.charset,
            ..Self::new(link_mode)
        }
    }
}

impl From<core::DuplicateGroup> for DuplicateGroup {
    fn from(g: core::DuplicateGroup) -> Self {
        let reason = g.reason.to_string();
        Self {
            number: u32::try_from(g.number).unwrap_or(u32::MAX),
            keys: g.keys.iter().map(ToString::to_string).collect(),
            kind: match g.reason {
                DuplicateReason::Doi(doi) => DuplicateKind::Doi { doi },
                DuplicateReason::Isbn(isbn) => DuplicateKind::Isbn { isbn },
                DuplicateReason::TitleYearCreator => DuplicateKind::TitleYearCreator,
            },
            reason,
        }
    }
}

#[uniffi::export]
impl Items {
    /// One page of top-level items (or of the trash), filtered and sorted,
    /// with the total number of rows.
    pub async fn list(&self, query: ItemListQuery) -> Result<ItemPage> {
        with_library(&self.library, move |l| {
            l.list_items(&query).map(ItemPage::from)
        })
        .await
    }

    /// Full-text search: items containing every word typed (as word
    /// prefixes, accents ignored), best matches first.
    pub async fn search(&self, query: ItemSearchQuery) -> Result<ItemPage> {
        with_library(&self.library, move |l| {
            l.search_items(&query).map(ItemPage::from)
        })
        .await
    }

    /// Keeps one page of a list current: `listener` first gets the page, then
    /// the edits that each change makes to it. Stop it with the handle.
    pub fn watch(
        &self,
        query: ItemListQuery,
        listener: Arc<dyn ItemListListener>,
    ) -> Result<Arc<TaskHandle>> {
        watch_list(&self.library, query, listener).map(Arc::new)
    }

    /// One item, with its fields, creators, tags and relations.
    pub async fn get(&self, key: String) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            l.get_item(&key).map(ItemDetail::from)
        })
        .await
    }

    /// Several items, in the order asked for.
    pub async fn get_many(&self, keys: Vec<String>) -> Result<Vec<ItemDetail>> {
        let keys = keys
            .iter()
            .map(|k| ObjectKey::parse(k).map_err(ShelfmarkError::from))
            .collect::<Result<Vec<_>>>()?;
        with_library(&self.library, move |l| {
            Ok(l.get_items(&keys)?
                .into_iter()
                .map(ItemDetail::from)
                .collect())
        })
        .await
    }

    /// Notes, attachments and annotations directly under an item.
    pub async fn children(&self, key: String) -> Result<Vec<ItemDetail>> {
        with_library(&self.library, move |l| {
            Ok(l.children(&key)?
                .into_iter()
                .map(ItemDetail::from)
                .collect())
        })
        .await
    }

    /// Adds a new item; it is checked against the schema first.
    pub async fn create(&self, item: NewItem) -> Result<ItemDetail> {
        let item = item.into_item_data()?;
        with_library(&self.library, move |l| {
            l.create_item(item).map(ItemDetail::from)
        })
        .await
    }

    /// Adds several items in one transaction: all of them or none.
    pub async fn create_many(&self, items: Vec<NewItem>) -> Result<Vec<ItemDetail>> {
        let items = items
            .into_iter()
            .map(NewItem::into_item_data)
            .collect::<Result<Vec<_>>>()?;
        with_library(&self.library, move |l| {
            Ok(l.create_items(items)?
                .into_iter()
                .map(ItemDetail::from)
                .collect())
        })
        .await
    }

    /// Sets fields of an item; an empty value clears one. Every field must
    /// belong to the item's type.
    pub async fn set_fields(&self, key: String, fields: Vec<FieldValue>) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|f| (f.name.as_str(), f.value.as_str()))
                .collect();
            l.set_fields(&key, &pairs).map(ItemDetail::from)
        })
        .await
    }

    /// Replaces an item's creators.
    pub async fn set_creators(&self, key: String, creators: Vec<Creator>) -> Result<ItemDetail> {
        let creators = creators.iter().map(Creator::to_protocol).collect();
        with_library(&self.library, move |l| {
            l.set_creators(&key, creators).map(ItemDetail::from)
        })
        .await
    }

    /// Adds tags to an item (tags it already has are left as they are).
    pub async fn add_tags(&self, key: String, tags: Vec<String>) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            l.add_tags(&key, &as_strs(&tags)).map(ItemDetail::from)
        })
        .await
    }

    /// Removes tags from an item.
    pub async fn remove_tags(&self, key: String, tags: Vec<String>) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            l.remove_tags(&key, &as_strs(&tags)).map(ItemDetail::from)
        })
        .await
    }

    /// Marks two items as related to each other.
    pub async fn add_related(&self, key: String, other: String) -> Result<()> {
        with_library(&self.library, move |l| l.add_related(&key, &other)).await
    }

    /// Removes the relation between two items.
    pub async fn remove_related(&self, key: String, other: String) -> Result<()> {
        with_library(&self.library, move |l| l.remove_related(&key, &other)).await
    }

    /// Changes an item's type; fields the new type lacks move to Extra, so
    /// nothing is lost.
    pub async fn change_type(&self, key: String, item_type: String) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            l.change_item_type(&key, &item_type).map(ItemDetail::from)
        })
        .await
    }

    /// Adds a note (HTML) under an item, or a standalone note when `parent`
    /// is absent.
    pub async fn add_note(&self, parent: Option<String>, html: String) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            l.add_note(parent.as_deref(), &html).map(ItemDetail::from)
        })
        .await
    }

    /// Replaces the HTML of a note.
    pub async fn update_note(&self, key: String, html: String) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            l.update_note(&key, &html).map(ItemDetail::from)
        })
        .await
    }

    /// Adds an attachment's description under an item, or standalone when
    /// `parent` is absent.
    pub async fn add_attachment(
        &self,
        parent: Option<String>,
        attachment: NewAttachment,
    ) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            l.add_attachment(parent.as_deref(), attachment.into())
                .map(ItemDetail::from)
        })
        .await
    }

    /// Moves items to the trash, with their notes, attachments and annotations.
    pub async fn trash(&self, keys: Vec<String>) -> Result<()> {
        with_library(&self.library, move |l| l.trash_items(&as_strs(&keys))).await
    }

    /// Takes items (and what went to the trash with them) out of the trash.
    pub async fn restore(&self, keys: Vec<String>) -> Result<()> {
        with_library(&self.library, move |l| l.restore_items(&as_strs(&keys))).await
    }

    /// What is in the trash.
    pub async fn trash_contents(&self) -> Result<TrashContents> {
        with_library(&self.library, move |l| {
            let t = l.trash_contents()?;
            Ok(TrashContents {
                items: t.items.into_iter().map(ItemDetail::from).collect(),
                collections: t
                    .collections
                    .into_iter()
                    .map(CollectionInfo::from)
                    .collect(),
                saved_searches: t.searches.into_iter().map(SavedSearch::from).collect(),
            })
        })
        .await
    }

    /// Removes everything in the trash for good.
    pub async fn empty_trash(&self) -> Result<EmptyTrashReport> {
        with_library(&self.library, move |l| {
            let r = l.empty_trash()?;
            Ok(EmptyTrashReport {
                items: r.items,
                collections: r.collections,
                saved_searches: r.searches,
            })
        })
        .await
    }

    /// Every tag of the library with how many items carry it.
    pub async fn tags(&self) -> Result<Vec<TagCount>> {
        with_library(&self.library, move |l| {
            Ok(l.tags()?
                .into_iter()
                .map(|t| TagCount {
                    name: t.tag,
                    automatic: t.kind == 1,
                    items: t.items,
                })
                .collect())
        })
        .await
    }

    /// Groups of items that look like the same reference (same DOI, ISBN,
    /// or title, year and first creator).
    pub async fn find_duplicates(&self) -> Result<Vec<DuplicateGroup>> {
        with_library(&self.library, move |l| {
            Ok(l.find_duplicates()?
                .into_iter()
                .map(DuplicateGroup::from)
                .collect())
        })
        .await
    }

    /// Merges `others` into `keep`: nothing is lost (differing values go to
    /// Extra, children move over) and the others go to the trash.
    pub async fn merge(&self, keep: String, others: Vec<String>) -> Result<ItemDetail> {
        with_library(&self.library, move |l| {
            l.merge_items(&keep, &as_strs(&others))
                .map(ItemDetail::from)
        })
        .await
    }
}
