//! Item lists: sorting, paging, filters, the trash, row contents.

use crate::support::search::{add_collection, keys, note, set_trashed, titles};
use crate::support::{article, new_library};
use shelfmark_core::protocol::{Creator, ItemData, ObjectKey, Tag};
use shelfmark_core::{Error, ItemFilter, ItemListQuery, SortField};

fn query(sort: SortField, descending: bool) -> ItemListQuery {
    ItemListQuery {
        sort,
        descending,
        limit: 100,
        ..ItemListQuery::default()
    }
}

/// Builds items whose sort keys tie in places; returns them in creation
/// (row id) order.
fn tied_library() -> (crate::support::TestLibrary, Vec<ItemData>) {
    let lib = new_library();
    let mut items = Vec::new();
    for (title, last, date, item_type, added) in [
        (
            "Zebra stripes",
            "Álvarez",
            "2001-05-03",
            "journalArticle",
            "2020-01-05T00:00:00Z",
        ),
        (
            "apple orchards",
            "Baker",
            "1999",
            "book",
            "2020-01-01T00:00:00Z",
        ),
        (
            "Apple Orchards",
            "Baker",
            "May 1999",
            "book",
            "2020-01-01T00:00:00Z",
        ),
        (
            "Émile's letters",
            "Çelik",
            "2001-05-03",
            "letter",
            "2019-12-31T23:59:59Z",
        ),
        (
            "<i>Mus musculus</i> genomes",
            "",
            "",
            "report",
            "2020-01-03T00:00:00Z",
        ),
        (
            "Zebra stripes",
            "Adams",
            "n.d.",
            "journalArticle",
            "2020-01-02T00:00:00Z",
        ),
    ] {
        let mut item = ItemData::new(item_type);
        item.set_field("title", title);
        item.set_field("date", date);
        if !last.is_empty() {
            item.creators.push(Creator::person("author", "X.", last));
        }
        item.date_added = Some(added.to_owned());
        items.push(lib.create_item(item).expect("create"));
    }
    (lib, items)
}

#[test]
fn sorts_by_every_field_both_ways_with_ties_broken_by_insertion() {
    let (lib, items) = tied_library();
    let k = |i: usize| items[i].key.to_string();
    // Expected ascending orders, by row (creation) order on ties.
    let expected = [
        // title: apple(1), Apple(2), emile(3), mus(4), zebra(0), zebra(5)
        (SortField::Title, vec![1, 2, 3, 4, 0, 5]),
        // creator: "" (4), adams(5), alvarez(0), baker(1), baker(2), celik(3)
        (SortField::Creator, vec![4, 5, 0, 1, 2, 3]),
        // date: ""(4), ""(5, n.d.), 1999-00-00(1), 1999-05-00(2), 2001-05-03(0), (3)
        (SortField::Date, vec![4, 5, 1, 2, 0, 3]),
        // added: 3, 1, 2, 5, 4, 0
        (SortField::DateAdded, vec![3, 1, 2, 5, 4, 0]),
        // type label: Book(1,2), Journal Article(0,5), Letter(3), Report(4)
        (SortField::ItemType, vec![1, 2, 0, 5, 3, 4]),
    ];
    for (sort, order) in expected {
        let asc: Vec<String> = order.iter().map(|&i| k(i)).collect();
        let page = lib.list_items(&query(sort, false)).expect("list");
        assert_eq!(keys(&page), asc, "{sort} ascending: {:?}", titles(&page));
        let mut desc = asc.clone();
        desc.reverse();
        let page = lib.list_items(&query(sort, true)).expect("list");
        assert_eq!(keys(&page), desc, "{sort} descending: {:?}", titles(&page));
        assert_eq!(page.total, 6);
    }
}

#[test]
fn sorts_by_date_modified() {
    let lib = new_library();
    let a = lib.create_item(article("First", "A", "2000")).expect("a");
    let b = lib.create_item(article("Second", "B", "2000")).expect("b");
    // Timestamps have one-second resolution.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let mut edited = a.clone();
    edited.set_field("title", "First, edited");
    lib.update_item(edited).expect("edit");
    let page = lib
        .list_items(&query(SortField::DateModified, true))
        .expect("list");
    assert_eq!(keys(&page), vec![a.key.to_string(), b.key.to_string()]);
    let page = lib
        .list_items(&query(SortField::DateModified, false))
        .expect("list");
    assert_eq!(keys(&page), vec![b.key.to_string(), a.key.to_string()]);
}

#[test]
fn pages_cover_the_list_once_with_the_total() {
    let lib = new_library();
    let items: Vec<ItemData> = (0..7)
        .map(|i| article(&format!("Paper {i}"), "Same", "2000"))
        .collect();
    lib.create_items(items).expect("create");
    let all = lib
        .list_items(&query(SortField::Creator, false))
        .expect("all");
    let mut paged = Vec::new();
    for offset in [0, 3, 6, 9] {
        let page = lib
            .list_items(&ItemListQuery {
                sort: SortField::Creator,
                limit: 3,
                offset,
                ..ItemListQuery::default()
            })
            .expect("page");
        assert_eq!(page.total, 7);
        assert_eq!((page.offset, page.limit), (offset, 3));
        assert_eq!(page.items.len(), [3, 3, 1, 0][offset as usize / 3]);
        paged.extend(keys(&page));
    }
    assert_eq!(paged, keys(&all));
}

#[test]
fn rows_show_what_a_list_column_needs() {
    let lib = new_library();
    let mut item = ItemData::new("bookSection");
    item.set_field("title", "On <i>Growth</i>");
    item.set_field("date", "March 3rd, 1917");
    for last in ["Thompson", "Huxley", "Haldane"] {
        item.creators.push(Creator::person("author", "D.", last));
    }
    item.creators.push(Creator::person("editor", "E.", "Ditor"));
    let item = lib.create_item(item).expect("create");
    lib.create_item(note(Some(&item.key), "<p>one</p>"))
        .expect("note");
    let trashed_note = lib
        .create_item(note(Some(&item.key), "<p>two</p>"))
        .expect("note");
    set_trashed(&lib, &trashed_note.key, true);

    let page = lib.list_items(&ItemListQuery::default()).expect("list");
    assert_eq!(page.total, 1, "children are not rows of their own");
    let row = &page.items[0];
    assert_eq!(row.key, item.key);
    assert_eq!(row.item_type, "bookSection");
    assert_eq!(row.title, "On <i>Growth</i>");
    assert_eq!(row.creator_summary, "Thompson et al.");
    assert_eq!(row.date, "March 3rd, 1917");
    assert_eq!(row.year, Some(1917));
    assert_eq!(row.num_children, 1, "the trashed note is not counted");
    assert!(!row.in_trash);
    assert_eq!(row.date_added, item.date_added.clone().expect("added"));
    assert_eq!(row.date_modified, item.date_modified.clone().expect("mod"));
}

#[test]
fn filters_by_collection_with_or_without_subcollections() {
    let lib = new_library();
    let parent = add_collection(&lib, "Biology", None);
    let child = add_collection(&lib, "Genetics", Some(&parent));
    let grandchild = add_collection(&lib, "Mice", Some(&child));
    let mut in_parent = article("In parent", "A", "2000");
    in_parent.collections = vec![ObjectKey::parse(&parent).expect("key")];
    let mut in_grandchild = article("In grandchild", "B", "2000");
    in_grandchild.collections = vec![ObjectKey::parse(&grandchild).expect("key")];
    let elsewhere = article("Elsewhere", "C", "2000");
    lib.create_items(vec![in_parent, in_grandchild, elsewhere])
        .expect("create");

    let list = |filter: ItemFilter| {
        titles(
            &lib.list_items(&ItemListQuery {
                filter,
                ..ItemListQuery::default()
            })
            .expect("list"),
        )
    };
    assert_eq!(
        list(ItemFilter {
            collection: Some(parent.clone()),
            ..ItemFilter::default()
        }),
        vec!["In parent"]
    );
    assert_eq!(
        list(ItemFilter {
            collection: Some(parent.clone()),
            include_subcollections: true,
            ..ItemFilter::default()
        }),
        vec!["In grandchild", "In parent"]
    );
    assert!(
        list(ItemFilter {
            collection: Some(child.clone()),
            ..ItemFilter::default()
        })
        .is_empty()
    );

    let err = lib
        .list_items(&ItemListQuery {
            filter: ItemFilter {
                collection: Some("ZZZZZZZZ".into()),
                ..ItemFilter::default()
            },
            ..ItemListQuery::default()
        })
        .expect_err("unknown collection");
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let err = lib
        .list_items(&ItemListQuery {
            filter: ItemFilter {
                collection: Some("not a key".into()),
                ..ItemFilter::default()
            },
            ..ItemListQuery::default()
        })
        .expect_err("bad key");
    assert!(matches!(err, Error::BadKey(_)), "{err}");
}

#[test]
fn filters_by_tags_all_of_which_must_match_and_by_type() {
    let lib = new_library();
    let mut both = article("Both tags", "A", "2000");
    both.tags = vec![Tag::manual("ecology"), Tag::automatic("fieldwork")];
    let mut one = article("One tag", "B", "2000");
    one.tags = vec![Tag::manual("ecology")];
    let mut book = ItemData::new("book");
    book.set_field("title", "A book");
    book.tags = vec![Tag::manual("ecology")];
    lib.create_items(vec![both, one, book]).expect("create");

    let list = |filter: ItemFilter| {
        titles(
            &lib.list_items(&ItemListQuery {
                filter,
                ..ItemListQuery::default()
            })
            .expect("list"),
        )
    };
    let tags = |t: &[&str]| ItemFilter {
        tags: t.iter().map(|s| s.to_string()).collect(),
        ..ItemFilter::default()
    };
    assert_eq!(
        list(tags(&["ecology"])),
        vec!["A book", "Both tags", "One tag"]
    );
    assert_eq!(list(tags(&["ecology", "fieldwork"])), vec!["Both tags"]);
    assert!(list(tags(&["ecology", "missing"])).is_empty());
    assert_eq!(
        list(ItemFilter {
            item_type: Some("book".into()),
            ..tags(&["ecology"])
        }),
        vec!["A book"]
    );
    let err = lib
        .list_items(&ItemListQuery {
            filter: ItemFilter {
                item_type: Some("scroll".into()),
                ..ItemFilter::default()
            },
            ..ItemListQuery::default()
        })
        .expect_err("unknown type");
    assert!(err.to_string().contains("scroll"), "{err}");
}

#[test]
fn trash_is_listed_apart_from_the_library() {
    let lib = new_library();
    let kept = lib.create_item(article("Kept", "A", "2000")).expect("kept");
    let binned = lib
        .create_item(article("Binned", "B", "2000"))
        .expect("binned");
    let binned_child = lib
        .create_item(note(Some(&binned.key), "<p>Goes with its parent</p>"))
        .expect("child");
    let lone_note = lib
        .create_item(note(Some(&kept.key), "<p>Trashed alone</p>"))
        .expect("note");
    set_trashed(&lib, &binned.key, true);
    set_trashed(&lib, &lone_note.key, true);

    let library = lib.list_items(&ItemListQuery::default()).expect("library");
    assert_eq!(titles(&library), vec!["Kept"]);
    assert_eq!(library.items[0].num_children, 0);

    let trash = lib
        .list_items(&ItemListQuery {
            filter: ItemFilter {
                trash: true,
                ..ItemFilter::default()
            },
            ..ItemListQuery::default()
        })
        .expect("trash");
    assert_eq!(titles(&trash), vec!["Binned", "Trashed alone"]);
    assert_eq!(trash.total, 2);
    assert!(trash.items.iter().all(|r| r.in_trash));
    assert_eq!(trash.items[0].num_children, 1, "its child went with it");
    assert!(!keys(&trash).contains(&binned_child.key.to_string()));

    set_trashed(&lib, &binned.key, false);
    let library = lib.list_items(&ItemListQuery::default()).expect("library");
    assert_eq!(titles(&library), vec!["Binned", "Kept"]);
}

#[test]
fn get_items_returns_full_data_in_request_order() {
    let lib = new_library();
    let a = lib.create_item(article("A", "A", "2000")).expect("a");
    let b = lib.create_item(article("B", "B", "2000")).expect("b");
    let got = lib.get_items(&[b.key.clone(), a.key.clone()]).expect("get");
    assert_eq!(got, vec![b, a]);
    let err = lib.get_items(&[ObjectKey::random()]).expect_err("missing");
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}
