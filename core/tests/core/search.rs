//! Quick and "everything" full-text search.

use crate::support::search::{
    add_collection, annotation, attachment, keys, note, set_trashed, titles,
};
use crate::support::{article, new_library};
use shelfmark_core::protocol::{Creator, ItemData, ObjectKey, Tag};
use shelfmark_core::{ItemFilter, ItemSearchQuery, SearchMode};

fn quick(text: &str) -> ItemSearchQuery {
    ItemSearchQuery {
        text: text.to_owned(),
        mode: SearchMode::Quick,
        ..ItemSearchQuery::default()
    }
}

fn everything(text: &str) -> ItemSearchQuery {
    ItemSearchQuery {
        text: text.to_owned(),
        mode: SearchMode::Everything,
        ..ItemSearchQuery::default()
    }
}

fn with_abstract(title: &str, last: &str, year: &str, abstract_note: &str) -> ItemData {
    let mut item = article(title, last, year);
    item.set_field("abstractNote", abstract_note);
    item
}

#[test]
fn quick_looks_at_title_creators_and_year_everything_at_all_text() {
    let lib = new_library();
    let mut item = with_abstract(
        "Deep time",
        "Rudwick",
        "2005",
        "Geologists and the vastness of history",
    );
    item.tags = vec![Tag::manual("stratigraphy")];
    item.set_field("publicationTitle", "Journal of Earth Sciences");
    lib.create_item(item).expect("create");

    for text in ["deep", "rudwick", "2005", "deep time", "A. Rudwick"] {
        let page = lib.search_items(&quick(text)).expect("quick");
        assert_eq!(titles(&page), vec!["Deep time"], "quick {text:?}");
    }
    for text in ["vastness", "stratigraphy", "earth sciences"] {
        assert_eq!(
            lib.search_items(&quick(text)).expect("quick").total,
            0,
            "quick {text:?} should not look beyond title, creators, year"
        );
        let page = lib.search_items(&everything(text)).expect("everything");
        assert_eq!(titles(&page), vec!["Deep time"], "everything {text:?}");
    }
    // Every word must occur.
    assert_eq!(lib.search_items(&quick("deep space")).expect("q").total, 0);
}

#[test]
fn words_are_prefixes_and_diacritics_do_not_matter() {
    let lib = new_library();
    lib.create_item(article("Über die Vernunft", "Müller", "1911"))
        .expect("a");
    lib.create_item(with_abstract(
        "Careers",
        "Smith",
        "2020",
        "A resume of work",
    ))
    .expect("b");
    lib.create_item(article("Résumé writing", "Dvořák", "2019"))
        .expect("c");

    let found = |q: ItemSearchQuery| titles(&lib.search_items(&q).expect("search"));
    assert_eq!(found(quick("Muller")), vec!["Über die Vernunft"]);
    assert_eq!(found(quick("müll")), vec!["Über die Vernunft"]);
    assert_eq!(found(quick("uber vern")), vec!["Über die Vernunft"]);
    assert_eq!(found(quick("dvorak")), vec!["Résumé writing"]);
    assert_eq!(found(quick("resume")), vec!["Résumé writing"]);
    assert_eq!(
        found(quick("19")),
        vec!["Über die Vernunft"],
        "2019 does not begin so"
    );
    assert_eq!(
        found(quick("ber")),
        Vec::<String>::new(),
        "words match from their start"
    );
    let mut both = found(everything("résumé"));
    both.sort();
    assert_eq!(both, vec!["Careers", "Résumé writing"]);
}

#[test]
fn hostile_text_is_searched_for_never_parsed() {
    let lib = new_library();
    lib.create_item(article("O'Brien: a life (revised)", "O'Brien", "1990"))
        .expect("a");
    lib.create_item(article("NOT AND OR NEAR", "Quoted", "1991"))
        .expect("b");
    for text in [
        "\"",
        "\"\"",
        "*",
        "(",
        ")",
        "-",
        ":",
        "^",
        "+",
        "{",
        "}",
        "a\"b",
        "quick:",
        "body: x",
        "NOT",
        "AND OR",
        "NEAR(",
        "NEAR(a b, 2)",
        "* * *",
        "o'brien*",
        "\"o'brien",
        "-life",
        "(revised",
        "\\",
        "'; DROP TABLE items; --",
        "\u{0}",
        "🙂",
        "obrien:life",
    ] {
        for q in [quick(text), everything(text)] {
            lib.search_items(&q)
                .unwrap_or_else(|e| panic!("{text:?} failed: {e}"));
        }
    }
    let found = |q: ItemSearchQuery| titles(&lib.search_items(&q).expect("search"));
    assert_eq!(found(quick("o'brien")), vec!["O'Brien: a life (revised)"]);
    assert_eq!(found(quick("\"o'brien")), vec!["O'Brien: a life (revised)"]);
    assert_eq!(found(quick("(revised")), vec!["O'Brien: a life (revised)"]);
    assert_eq!(found(quick("life:")), vec!["O'Brien: a life (revised)"]);
    assert_eq!(found(quick("NOT")), vec!["NOT AND OR NEAR"]);
    assert_eq!(found(quick("near or")), vec!["NOT AND OR NEAR"]);
    assert_eq!(found(quick("-life")), vec!["O'Brien: a life (revised)"]);
}

#[test]
fn matches_in_children_return_the_top_level_item_once() {
    let lib = new_library();
    let paper = lib
        .create_item(article("Plain title", "Author", "2001"))
        .expect("paper");
    lib.create_items(vec![
        note(
            Some(&paper.key),
            "<p>Marginal <b>cephalopod</b> remarks</p>",
        ),
        note(Some(&paper.key), "<p>More cephalopod thoughts</p>"),
    ])
    .expect("notes");
    let pdf = lib
        .create_item(attachment(Some(&paper.key), "Full text PDF"))
        .expect("pdf");
    lib.create_item(annotation(
        &pdf.key,
        "the octopus escapes",
        "a nautilus aside",
    ))
    .expect("annotation");
    let standalone = lib
        .create_item(note(None, "<p>Standalone cephalopod memo</p>"))
        .expect("standalone");

    let page = lib.search_items(&everything("cephalopod")).expect("notes");
    assert_eq!(page.total, 2);
    let mut found = keys(&page);
    found.sort();
    let mut expected = vec![paper.key.to_string(), standalone.key.to_string()];
    expected.sort();
    assert_eq!(found, expected, "each item once");

    for text in ["octopus", "nautilus"] {
        let page = lib.search_items(&everything(text)).expect("annotation");
        assert_eq!(keys(&page), vec![paper.key.to_string()], "{text}");
    }
    // The attachment's title is its quick text.
    let page = lib.search_items(&quick("full text")).expect("attachment");
    assert_eq!(keys(&page), vec![paper.key.to_string()]);
}

#[test]
fn trashed_items_and_children_are_found_only_in_the_trash() {
    let lib = new_library();
    let live = lib
        .create_item(article("Live paper", "Alive", "2001"))
        .expect("live");
    let gone = lib
        .create_item(article("Binned paper", "Gone", "2001"))
        .expect("gone");
    let trashed_note = lib
        .create_item(note(Some(&live.key), "<p>walrus notes</p>"))
        .expect("note");
    set_trashed(&lib, &gone.key, true);
    set_trashed(&lib, &trashed_note.key, true);

    let in_library = |text: &str| keys(&lib.search_items(&everything(text)).expect("search"));
    let in_trash = |text: &str| {
        keys(
            &lib.search_items(&ItemSearchQuery {
                filter: ItemFilter {
                    trash: true,
                    ..ItemFilter::default()
                },
                ..everything(text)
            })
            .expect("search trash"),
        )
    };
    assert_eq!(in_library("paper"), vec![live.key.to_string()]);
    assert!(
        in_library("walrus").is_empty(),
        "a trashed note does not count"
    );
    assert_eq!(in_trash("paper"), vec![gone.key.to_string()]);
    assert_eq!(in_trash("walrus"), vec![trashed_note.key.to_string()]);
}

#[test]
fn best_matches_come_first_and_pages_hold_the_total() {
    let lib = new_library();
    let mut items = vec![with_abstract(
        "Unrelated heading",
        "Body",
        "2000",
        "mentions glaciers once",
    )];
    items.push(article("Glaciers of the Alps", "Title", "2000"));
    for i in 0..5 {
        items.push(with_abstract(
            &format!("Filler {i}"),
            "Filler",
            "2000",
            "glaciers",
        ));
    }
    lib.create_items(items).expect("create");
    let page = lib.search_items(&everything("glaciers")).expect("search");
    assert_eq!(page.total, 7);
    assert_eq!(
        page.items[0].title, "Glaciers of the Alps",
        "title match first"
    );

    let mut seen = Vec::new();
    for offset in [0, 3, 6, 9] {
        let page = lib
            .search_items(&ItemSearchQuery {
                limit: 3,
                offset,
                ..everything("glaciers")
            })
            .expect("page");
        assert_eq!(page.total, 7, "offset {offset}");
        seen.extend(keys(&page));
    }
    assert_eq!(seen.len(), 7);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7, "no row twice across pages");
}

#[test]
fn filters_apply_to_search_results() {
    let lib = new_library();
    let shelf = add_collection(&lib, "Shelf", None);
    let mut shelved = article("Coral reefs", "Reef", "2010");
    shelved.collections = vec![ObjectKey::parse(&shelf).expect("key")];
    shelved.tags = vec![Tag::manual("ocean")];
    let loose = article("Coral atolls", "Atoll", "2011");
    let mut book = ItemData::new("book");
    book.set_field("title", "Coral gardens");
    book.creators
        .push(Creator::person("author", "B.", "Gardner"));
    lib.create_items(vec![shelved, loose, book])
        .expect("create");

    let found = |filter: ItemFilter| {
        let mut t = titles(
            &lib.search_items(&ItemSearchQuery {
                filter,
                ..quick("coral")
            })
            .expect("search"),
        );
        t.sort();
        t
    };
    assert_eq!(found(ItemFilter::default()).len(), 3);
    assert_eq!(
        found(ItemFilter {
            collection: Some(shelf),
            ..ItemFilter::default()
        }),
        vec!["Coral reefs"]
    );
    assert_eq!(
        found(ItemFilter {
            tags: vec!["ocean".into()],
            ..ItemFilter::default()
        }),
        vec!["Coral reefs"]
    );
    assert_eq!(
        found(ItemFilter {
            item_type: Some("book".into()),
            ..ItemFilter::default()
        }),
        vec!["Coral gardens"]
    );
}

#[test]
fn empty_text_lists_in_title_order() {
    let lib = new_library();
    lib.create_items(vec![
        article("Beta", "B", "2000"),
        article("alpha", "A", "2000"),
    ])
    .expect("create");
    for text in ["", "   ", " * - "] {
        let page = lib.search_items(&quick(text)).expect("empty");
        assert_eq!(titles(&page), vec!["alpha", "Beta"], "{text:?}");
        assert_eq!(page.total, 2);
    }
}

#[test]
fn broad_queries_list_their_matches_in_title_order() {
    let lib = new_library();
    // More matches than are worth ranking: they come in title order.
    let items: Vec<ItemData> = (0..2100)
        .rev()
        .map(|i| article(&format!("Survey {i:04}"), "Broad", "2000"))
        .collect();
    lib.create_items(items).expect("create");
    let mut trashed = article("Survey of the bin", "Broad", "2000");
    trashed.deleted = true;
    let paper = lib
        .create_item(article("Plain", "Narrow", "2001"))
        .expect("paper");
    lib.create_items(vec![trashed, note(Some(&paper.key), "<p>survey notes</p>")])
        .expect("more");

    let page = lib.search_items(&everything("surv")).expect("broad");
    assert_eq!(
        page.total, 2101,
        "every live match once, the note's parent too"
    );
    assert_eq!(
        titles(&page)[..3],
        [
            "Plain".to_owned(),
            "Survey 0000".to_owned(),
            "Survey 0001".to_owned()
        ]
    );
    let last = lib
        .search_items(&ItemSearchQuery {
            offset: 2100,
            ..everything("surv")
        })
        .expect("last page");
    assert_eq!(titles(&last), vec!["Survey 2099"]);
    assert_eq!(last.total, 2101);
    let quick_page = lib.search_items(&quick("surv")).expect("quick");
    assert_eq!(
        quick_page.total, 2100,
        "quick search covers titles, creators and years, not notes"
    );
}
