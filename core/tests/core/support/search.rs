//! Helpers for the list and search tests: collections and saved searches
//! written as rows of the library file, as sync or the store would leave them.

use rusqlite::{Connection, params};
use shelfmark_core::protocol::{
    CollectionData, ItemData, ObjectKey, SavedSearchData, SearchCondition,
};
use shelfmark_core::{ItemSummary, Library, Page};

fn connect(lib: &Library) -> Connection {
    let conn = Connection::open(lib.path()).expect("open library file");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    conn
}

/// Adds a collection (optionally inside `parent`) and returns its key.
pub fn add_collection(lib: &Library, name: &str, parent: Option<&str>) -> String {
    let mut data = CollectionData::new(name);
    data.parent_collection = parent.map(|p| ObjectKey::parse(p).expect("parent key"));
    connect(lib)
        .execute(
            "INSERT INTO collections (library_id, key, name, parent_key, data) VALUES (1, ?1, ?2, ?3, ?4)",
            params![
                data.key.as_str(),
                name,
                parent,
                data.to_json_value().to_string()
            ],
        )
        .expect("insert collection");
    data.key.to_string()
}

/// Adds a saved search and returns its key.
pub fn add_saved_search(lib: &Library, name: &str, conditions: Vec<SearchCondition>) -> String {
    let data = SavedSearchData::new(name, conditions);
    connect(lib)
        .execute(
            "INSERT INTO saved_searches (library_id, key, name, data) VALUES (1, ?1, ?2, ?3)",
            params![data.key.as_str(), name, data.to_json_value().to_string()],
        )
        .expect("insert saved search");
    data.key.to_string()
}

/// A condition, briefly.
pub fn cond(field: &str, op: &str, value: &str) -> SearchCondition {
    SearchCondition::new(field, op, value)
}

/// Puts an item in the trash (or takes it out) through the item write path.
pub fn set_trashed(lib: &Library, key: &ObjectKey, deleted: bool) {
    let mut item = lib.get_item(key.as_str()).expect("get item");
    item.deleted = deleted;
    lib.update_item(item).expect("update item");
}

/// A child note under `parent`.
pub fn note(parent: Option<&ObjectKey>, html: &str) -> ItemData {
    let mut n = ItemData::new("note");
    n.parent_item = parent.cloned();
    n.set_field("note", html);
    n
}

/// An attachment (a linked PDF) under `parent`.
pub fn attachment(parent: Option<&ObjectKey>, title: &str) -> ItemData {
    let mut a = ItemData::new("attachment");
    a.parent_item = parent.cloned();
    a.set_field("linkMode", "linked_file");
    a.set_field("path", "/home/me/paper.pdf");
    a.set_field("title", title);
    a
}

/// A highlight annotation on `attachment`.
pub fn annotation(attachment: &ObjectKey, text: &str, comment: &str) -> ItemData {
    let mut a = ItemData::new("annotation");
    a.parent_item = Some(attachment.clone());
    a.set_field("annotationType", "highlight");
    a.set_field("annotationText", text);
    a.set_field("annotationComment", comment);
    a.set_field("annotationColor", "#ffd400");
    a.set_field("annotationSortIndex", "00001|000123|00045");
    a.set_field(
        "annotationPosition",
        r#"{"pageIndex":0,"rects":[[1,2,3,4]]}"#,
    );
    a
}

/// Titles of a page's rows, in order.
pub fn titles(page: &Page<ItemSummary>) -> Vec<String> {
    page.items.iter().map(|s| s.title.clone()).collect()
}

/// Keys of a page's rows, in order.
pub fn keys(page: &Page<ItemSummary>) -> Vec<String> {
    page.items.iter().map(|s| s.key.to_string()).collect()
}

/// Adds a saved search under a key chosen beforehand (to build searches
/// that refer to each other).
pub fn add_saved_search_with_key(
    lib: &Library,
    key: &str,
    name: &str,
    conditions: Vec<SearchCondition>,
) {
    let mut data = SavedSearchData::new(name, conditions);
    data.key = ObjectKey::parse(key).expect("key");
    connect(lib)
        .execute(
            "INSERT INTO saved_searches (library_id, key, name, data) VALUES (1, ?1, ?2, ?3)",
            params![data.key.as_str(), name, data.to_json_value().to_string()],
        )
        .expect("insert saved search");
}
