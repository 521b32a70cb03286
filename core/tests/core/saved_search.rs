//! Saved searches evaluated live: every condition and operator, join modes,
//! collections, nesting, and conditions refused.

use std::collections::HashMap;

use crate::support::search::{
    add_collection, add_saved_search, add_saved_search_with_key, annotation, attachment, cond,
    note, set_trashed, titles,
};
use crate::support::{TestLibrary, article, new_library};
use shelfmark_core::protocol::{Creator, ItemData, ObjectKey, SearchCondition, Tag};
use shelfmark_core::search::{ItemSearchQuery, SearchMode};
use shelfmark_core::{Error, ItemFilter, ItemListQuery, validate_conditions};

/// A library of seven items, known by letters: A–F live, G in the trash.
struct Fixture {
    lib: TestLibrary,
    letters: HashMap<ObjectKey, char>,
    philosophy: String,
    science: String,
}

fn tags(names: &[&str]) -> Vec<Tag> {
    names.iter().map(|t| Tag::manual(t)).collect()
}

fn fixture() -> Fixture {
    let lib = new_library();
    let philosophy = add_collection(&lib, "Philosophy", None);
    let science = add_collection(&lib, "Science", None);
    let geology = add_collection(&lib, "Geology", Some(&science));
    let key = |k: &str| ObjectKey::parse(k).expect("key");
    let mut letters = HashMap::new();

    let mut a = ItemData::new("journalArticle");
    a.set_field("title", "Über die Vernunft");
    a.creators.push(Creator::person("author", "Hans", "Müller"));
    a.set_field("date", "1911-03-04");
    a.set_field("publicationTitle", "Kant-Studien");
    a.set_field("DOI", "10.1000/kant.1");
    a.set_field("accessDate", "2024-05-01T10:00:00Z");
    a.tags = tags(&["philosophy", "German"]);
    a.date_added = Some("2015-06-01T10:00:00Z".into());
    a.collections = vec![key(&philosophy)];

    let mut b = ItemData::new("bookSection");
    b.set_field("title", "Deep Time");
    b.creators
        .push(Creator::person("author", "Martin", "Rudwick"));
    b.creators.push(Creator::person("editor", "Jane", "Smith"));
    b.set_field("date", "May 2005");
    b.set_field("bookTitle", "Earth Histories");
    b.tags = tags(&["geology"]);
    b.date_added = Some("2020-02-01T00:00:00Z".into());
    b.collections = vec![key(&geology)];

    let mut c = ItemData::new("book");
    c.set_field("title", "Origin of Species");
    c.creators
        .push(Creator::person("author", "Charles", "Darwin"));
    c.set_field("date", "1859");
    c.set_field("numPages", "502");
    c.set_field("publisher", "John Murray");
    c.tags = tags(&["biology", "evolution"]);

    let mut d = ItemData::new("thesis");
    d.set_field("title", "Coral growth");
    d.creators
        .push(Creator::person("author", "Anne", "Ångström"));
    d.set_field("date", "2019-11");
    d.set_field("university", "Reef University");
    d.tags = tags(&["biology"]);
    d.date_added = Some("2023-01-01T00:00:00Z".into());
    d.collections = vec![key(&science)];

    let mut e = note(None, "<p>Reading list: Kant and Darwin</p>");
    e.date_added = Some("2021-01-01T00:00:00Z".into());

    let f = attachment(None, "Scan of letters");

    let mut g = article("Binned paper", "Adams", "2001");
    g.tags = tags(&["biology"]);

    let created = lib.create_items(vec![a, b, c, d, e, f, g]).expect("create");
    for (item, letter) in created.iter().zip("ABCDEFG".chars()) {
        letters.insert(item.key.clone(), letter);
    }
    let (a, b, f, g) = (&created[0], &created[1], &created[5], &created[6]);
    lib.create_item(note(Some(&a.key), "<p>Categorical <b>imperative</b></p>"))
        .expect("note");
    let pdf = lib
        .create_item(attachment(Some(&b.key), "Full text"))
        .expect("pdf");
    lib.create_items(vec![
        annotation(&pdf.key, "strata everywhere", "check this"),
        annotation(&f.key, "marginalia galore", ""),
    ])
    .expect("annotations");
    set_trashed(&lib, &g.key, true);
    Fixture {
        lib,
        letters,
        philosophy,
        science,
    }
}

impl Fixture {
    /// Saves a search and lists it: the letters of what it finds, in title
    /// order (Binned G, Coral D, Deep B, Origin C, Reading E, Scan F, Über A).
    fn run(&self, conditions: Vec<SearchCondition>) -> String {
        let key = add_saved_search(&self.lib, "test", conditions.clone());
        self.list(&key)
            .unwrap_or_else(|e| panic!("{conditions:?}: {e}"))
    }

    fn list(&self, key: &str) -> Result<String, Error> {
        let page = self
            .lib
            .saved_search_items(key, &ItemListQuery::default())?;
        Ok(page
            .items
            .iter()
            .map(|row| self.letters.get(&row.key).copied().unwrap_or('?'))
            .collect())
    }

    fn check(&self, cases: &[(&str, &str, &str, &str)]) {
        for (field, op, value, expected) in cases {
            assert_eq!(
                self.run(vec![cond(field, op, value)]),
                *expected,
                "{field} {op} {value:?}"
            );
        }
    }
}

#[test]
fn title_and_creator_conditions() {
    let fx = fixture();
    fx.check(&[
        ("title", "contains", "uber", "A"),
        ("title", "contains", "VERNUNFT", "A"),
        ("title", "is", "deep time", "B"),
        ("title", "isNot", "Deep Time", "DCEFA"),
        ("title", "doesNotContain", "of", "DBEA"),
        ("title", "beginsWith", "ori", "C"),
        ("title", "beginsWith", "species", ""),
        ("creator", "is", "muller", "A"),
        ("creator", "is", "Hans Müller", "A"),
        ("creator", "is", "Müller, Hans", "A"),
        ("creator", "contains", "dar", "C"),
        ("creator", "contains", "angst", "D"),
        ("creator", "beginsWith", "char", "C"),
        ("creator", "isNot", "smith", "DCEFA"),
        ("creator", "doesNotContain", "r", "EF"),
    ]);
}

#[test]
fn creator_conditions_compare_whole_names_one_creator_at_a_time() {
    let fx = fixture();
    fx.check(&[
        // B has Martin Rudwick and Jane Smith: a value spanning the two
        // creators, or the two forms of one name, matches neither.
        ("creator", "contains", "rudwick jane", ""),
        ("creator", "contains", "rudwick, martin", "B"),
        ("creator", "contains", "rudwick, martinjane", ""),
        ("creator", "contains", "smith, jane", "B"),
        // `is` wants a whole name, `beginsWith` the start of a last or a
        // full name, not of "Last, First" or of a later name.
        ("creator", "is", "mull", ""),
        ("creator", "is", "jane", ""),
        ("creator", "is", "martin rudwick", "B"),
        ("creator", "beginsWith", "rudw", "B"),
        ("creator", "beginsWith", "jane sm", "B"),
        ("creator", "beginsWith", "rudwick, m", ""),
        ("creator", "beginsWith", "wick", ""),
        ("creator", "isNot", "jane smith", "DCEFA"),
        ("creator", "doesNotContain", "SMITH", "DCEFA"),
    ]);
}

#[test]
fn creator_and_note_conditions_follow_edits() {
    let fx = fixture();
    let by_creator = add_saved_search(&fx.lib, "Müller", vec![cond("creator", "is", "muller")]);
    let by_single_name = add_saved_search(
        &fx.lib,
        "Royal Society",
        vec![cond("creator", "beginsWith", "the royal")],
    );
    let by_note = add_saved_search(&fx.lib, "Notes", vec![cond("note", "contains", "kant")]);
    assert_eq!(fx.list(&by_creator).expect("list"), "A");
    assert_eq!(fx.list(&by_single_name).expect("list"), "");
    assert_eq!(fx.list(&by_note).expect("list"), "E");

    let a_key = fx.letters.iter().find(|(_, l)| **l == 'A').expect("A").0;
    let mut a = fx.lib.get_item(a_key.as_str()).expect("A");
    a.creators = vec![Creator::single("author", "The Royal Society")];
    fx.lib.update_item(a).expect("edit A");
    let e_key = fx.letters.iter().find(|(_, l)| **l == 'E').expect("E").0;
    fx.lib
        .update_note(e_key.as_str(), "<p>Reading list: Hume</p>")
        .expect("edit E");

    assert_eq!(fx.list(&by_creator).expect("list"), "");
    assert_eq!(fx.list(&by_single_name).expect("list"), "A");
    assert_eq!(fx.list(&by_note).expect("list"), "");
    // An item without creators has no name that could contain even nothing.
    assert_eq!(
        fx.run(vec![cond("creator", "contains", "")]),
        "DBCA",
        "every item with a creator"
    );
}

#[test]
fn conditions_hold_through_edits_of_other_fields_and_follow_the_next_title() {
    let fx = fixture();
    let by_title = add_saved_search(&fx.lib, "Über", vec![cond("title", "contains", "uber")]);
    let by_creator = add_saved_search(&fx.lib, "Müller", vec![cond("creator", "is", "muller")]);
    let by_note = add_saved_search(&fx.lib, "Notes", vec![cond("note", "contains", "kant")]);
    let a_key = fx.letters.iter().find(|(_, l)| **l == 'A').expect("A").0;
    let e_key = fx.letters.iter().find(|(_, l)| **l == 'E').expect("E").0;
    // Edits that leave titles, names and note text as they were: the
    // rows they are matched by stay, and still match.
    for round in 0..2 {
        let mut a = fx.lib.get_item(a_key.as_str()).expect("A");
        a.set_field("extra", format!("read {round} times"));
        fx.lib.update_item(a).expect("edit A");
        let note = fx.lib.get_item(e_key.as_str()).expect("E");
        let text = note.field("note").expect("note text").to_owned();
        fx.lib.update_note(e_key.as_str(), &text).expect("edit E");
        assert_eq!(fx.list(&by_title).expect("list"), "A");
        assert_eq!(fx.list(&by_creator).expect("list"), "A");
        assert_eq!(fx.list(&by_note).expect("list"), "E");
    }
    // The edited field itself is found by an "everything" search.
    let found = fx
        .lib
        .search_items(&ItemSearchQuery {
            text: "read 1 times".into(),
            mode: SearchMode::Everything,
            ..ItemSearchQuery::default()
        })
        .expect("search");
    assert_eq!(found.total, 1);
    // Then a new title: the old one matches no more, the new one does.
    let mut a = fx.lib.get_item(a_key.as_str()).expect("A");
    a.set_field("title", "Kritik der Urteilskraft");
    fx.lib.update_item(a).expect("retitle A");
    assert_eq!(fx.list(&by_title).expect("list"), "");
    assert_eq!(fx.run(vec![cond("title", "contains", "urteil")]), "A");
    assert_eq!(fx.list(&by_creator).expect("list"), "A");
}

#[test]
fn date_and_year_conditions() {
    let fx = fixture();
    fx.check(&[
        ("date", "is", "1911", "A"),
        ("date", "is", "2005-05", "B"),
        ("date", "isNot", "1911", "DBCEF"),
        ("date", "isBefore", "1900", "C"),
        ("date", "isBefore", "1911-03-05", "CA"),
        ("date", "isAfter", "2000", "DB"),
        ("date", "isAfter", "2005", "D"),
        ("date", "isAfter", "1911-03", "DB"),
        ("year", "is", "1859", "C"),
        ("year", "isNot", "1859", "DBEFA"),
        ("year", "isLessThan", "1900", "C"),
        ("year", "isBefore", "1912", "CA"),
        ("year", "isGreaterThan", "2005", "D"),
        ("year", "isAfter", "2004", "DB"),
        ("accessDate", "isAfter", "2024-04", "A"),
        ("accessDate", "isBefore", "2024", ""),
    ]);
}

#[test]
fn field_tag_and_type_conditions() {
    let fx = fixture();
    fx.check(&[
        ("publicationTitle", "contains", "earth", "B"),
        ("publicationTitle", "contains", "studien", "A"),
        ("publicationTitle", "is", "Kant-Studien", "A"),
        ("publicationTitle", "doesNotContain", "studien", "DBCEF"),
        ("publisher", "contains", "univ", "D"),
        ("publisher", "contains", "murray", "C"),
        ("DOI", "beginsWith", "10.1000", "A"),
        ("DOI", "is", "10.1000/KANT.1", "A"),
        ("DOI", "doesNotContain", "kant", "DBCEF"),
        ("numPages", "isLessThan", "600", "C"),
        ("numPages", "isGreaterThan", "600", ""),
        ("numPages", "is", "502", "C"),
        ("tag", "is", "philosophy", "A"),
        ("tag", "is", "PHILOSOPHY", "A"),
        ("tag", "isNot", "biology", "BEFA"),
        ("tag", "contains", "log", "DBC"),
        ("tag", "doesNotContain", "o", "EF"),
        ("tag", "beginsWith", "evo", "C"),
        ("itemType", "is", "book", "C"),
        ("itemType", "isNot", "journalArticle", "DBCEF"),
    ]);
}

#[test]
fn note_and_annotation_conditions_look_at_children() {
    let fx = fixture();
    fx.check(&[
        ("note", "contains", "categorical", "A"),
        ("note", "is", "Categorical imperative", "A"),
        ("note", "contains", "reading list", "E"),
        ("note", "doesNotContain", "categorical", "DBCEF"),
        ("annotationText", "contains", "strata", "B"),
        ("annotationText", "contains", "marginalia", "F"),
        ("annotationText", "isNot", "strata everywhere", "DCEFA"),
        ("annotationComment", "contains", "check", "B"),
        ("annotationText", "contains", "check", ""),
    ]);
}

#[test]
fn collection_conditions_with_and_without_subcollections() {
    let fx = fixture();
    let (philosophy, science) = (fx.philosophy.as_str(), fx.science.as_str());
    fx.check(&[
        ("collection", "is", philosophy, "A"),
        ("collection", "is", science, "D"),
        ("collection", "isNot", science, "BCEFA"),
        ("collection", "is", "ZZZZZZZZ", ""),
        ("unfiled", "true", "", "CEF"),
        ("unfiled", "false", "", "DBA"),
    ]);
    let recursive = cond("recursive", "true", "");
    assert_eq!(
        fx.run(vec![cond("collection", "is", science), recursive.clone()]),
        "DB"
    );
    assert_eq!(
        fx.run(vec![cond("collection", "isNot", science), recursive]),
        "CEFA"
    );
    // A combination group: in either collection.
    assert_eq!(
        fx.run(vec![
            cond("joinMode", "any", ""),
            cond("collection", "is", philosophy),
            cond("collection", "is", science),
        ]),
        "DA"
    );
}

#[test]
fn dates_added_and_modified() {
    let fx = fixture();
    fx.check(&[
        ("dateAdded", "isBefore", "2016", "A"),
        ("dateAdded", "is", "2020-02-01", "B"),
        ("dateAdded", "isBefore", "2020-02-01", "A"),
        ("dateAdded", "isAfter", "2022", "DCF"),
        ("dateAdded", "isAfter", "2020", "DCEF"),
        ("dateAdded", "isNot", "2020-02-01", "DCEFA"),
        ("dateAdded", "isInTheLast", "1 year", "CF"),
        ("dateAdded", "isInTheLast", "3 months", "CF"),
        ("dateModified", "isInTheLast", "1 day", "DBCEFA"),
        ("dateModified", "isInTheLast", "2 weeks", "DBCEFA"),
        ("dateModified", "isBefore", "2000", ""),
    ]);
}

#[test]
fn date_in_the_last_counts_back_from_today() {
    let lib = new_library();
    let today = lib
        .create_item(article("Placeholder", "A", "2000"))
        .expect("probe")
        .date_added
        .expect("added")[..10]
        .to_owned();
    lib.create_items(vec![
        article("Fresh", "B", &today),
        article("Old", "C", "2000-01-01"),
    ])
    .expect("create");
    let key = add_saved_search(&lib, "recent", vec![cond("date", "isInTheLast", "7 days")]);
    let page = lib
        .saved_search_items(&key, &ItemListQuery::default())
        .expect("list");
    assert_eq!(titles(&page), vec!["Fresh"]);
}

#[test]
fn trash_conditions_and_join_modes() {
    let fx = fixture();
    fx.check(&[
        ("deleted", "true", "", "G"),
        ("deleted", "false", "", "DBCEFA"),
    ]);
    let biology = cond("tag", "is", "biology");
    assert_eq!(fx.run(vec![biology.clone()]), "DC", "the trash stays out");
    assert_eq!(
        fx.run(vec![biology.clone(), cond("deleted", "true", "")]),
        "G"
    );
    assert_eq!(
        fx.run(vec![
            cond("joinMode", "any", ""),
            biology.clone(),
            cond("deleted", "true", "")
        ]),
        "GDC"
    );
    let uber = cond("title", "contains", "uber");
    let book = cond("itemType", "is", "book");
    assert_eq!(fx.run(vec![uber.clone(), book.clone()]), "");
    assert_eq!(
        fx.run(vec![
            cond("joinMode", "all", ""),
            uber.clone(),
            book.clone()
        ]),
        ""
    );
    assert_eq!(fx.run(vec![cond("joinMode", "any", ""), uber, book]), "CA");
    assert_eq!(fx.run(vec![]), "DBCEFA", "no condition finds everything");
}

#[test]
fn saved_searches_nest_and_loops_are_refused() {
    let fx = fixture();
    let biology = add_saved_search(&fx.lib, "biology", vec![cond("tag", "is", "biology")]);
    fx.check(&[
        ("savedSearch", "is", &biology, "DC"),
        ("savedSearch", "isNot", &biology, "BEFA"),
        ("savedSearch", "is", "ZZZZZZZZ", ""),
        ("savedSearch", "isNot", "ZZZZZZZZ", "DBCEFA"),
    ]);
    assert_eq!(
        fx.run(vec![
            cond("savedSearch", "is", &biology),
            cond("year", "isGreaterThan", "2000")
        ]),
        "D"
    );

    let (one, two) = ("LXXPAAAA", "LXXPBBBB");
    add_saved_search_with_key(&fx.lib, one, "one", vec![cond("savedSearch", "is", two)]);
    add_saved_search_with_key(&fx.lib, two, "two", vec![cond("savedSearch", "isNot", one)]);
    let err = fx.list(one).expect_err("loop");
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert!(err.to_string().contains("loop"), "{err}");
    let own = "SELFAAAA";
    add_saved_search_with_key(&fx.lib, own, "self", vec![cond("savedSearch", "is", own)]);
    assert!(fx.list(own).is_err());
}

#[test]
fn results_follow_the_library_without_saving_again() {
    let lib = new_library();
    let key = add_saved_search(&lib, "ocean", vec![cond("tag", "is", "ocean")]);
    let listed = |lib: &TestLibrary| {
        titles(
            &lib.saved_search_items(&key, &ItemListQuery::default())
                .expect("list"),
        )
    };
    assert!(listed(&lib).is_empty());

    let mut reef = article("Reefs", "A", "2000");
    reef.tags = tags(&["ocean"]);
    let reef = lib.create_item(reef).expect("create");
    assert_eq!(listed(&lib), vec!["Reefs"]);

    let mut tide = article("Tides", "B", "2001");
    tide.tags = tags(&["Ocean"]);
    lib.create_item(tide).expect("create");
    assert_eq!(listed(&lib), vec!["Reefs", "Tides"]);

    let mut edited = lib.get_item(reef.key.as_str()).expect("get");
    edited.tags.clear();
    lib.update_item(edited).expect("edit");
    assert_eq!(listed(&lib), vec!["Tides"]);

    // The saved search combines with the other filters.
    let page = lib
        .list_items(&ItemListQuery {
            filter: ItemFilter {
                saved_search: Some(key.clone()),
                item_type: Some("book".into()),
                ..ItemFilter::default()
            },
            ..ItemListQuery::default()
        })
        .expect("list");
    assert_eq!(page.total, 0);
}

#[test]
fn bad_conditions_are_refused_by_name() {
    let err = validate_conditions(&[
        cond("title", "contains", "x"),
        cond("title", "isInTheLast", "7 days"),
    ])
    .expect_err("operator");
    assert!(err.to_string().contains("search condition 2"), "{err}");
    assert!(err.to_string().contains("isInTheLast"), "{err}");
    for (field, op, value, says) in [
        ("shoeSize", "is", "9", "unknown field"),
        ("dateAdded", "isInTheLast", "soon", "not an interval"),
        ("date", "isBefore", "yesterday", "not a date"),
        ("year", "isGreaterThan", "nineteen", "whole number"),
        ("collection", "is", "nope", "not an object key"),
        ("deleted", "is", "true", "does not apply"),
        ("joinMode", "either", "", "does not apply"),
        ("itemType", "is", "scroll", "not an item type"),
    ] {
        let err = validate_conditions(&[cond(field, op, value)]).expect_err(field);
        assert!(matches!(err, Error::InvalidInput(_)), "{err}");
        assert!(err.to_string().contains(says), "{field}: {err}");
        assert!(err.to_string().contains(field), "{field}: {err}");
    }

    // A stored search with a bad condition (say, from another client) is
    // refused when listed, naming the condition.
    let lib = new_library();
    let key = add_saved_search(&lib, "bad", vec![cond("title", "isBefore", "2020")]);
    let err = lib
        .saved_search_items(&key, &ItemListQuery::default())
        .expect_err("bad stored search");
    assert!(err.to_string().contains("title"), "{err}");
    let err = lib
        .saved_search_items("ZZZZZZZZ", &ItemListQuery::default())
        .expect_err("missing");
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

#[test]
fn conditions_apply_in_the_trash_view_too() {
    let lib = new_library();
    let paper = lib
        .create_item(article("Kept paper", "A", "2000"))
        .expect("paper");
    let lone = lib
        .create_item(note(Some(&paper.key), "<p>Binned memo</p>"))
        .expect("note");
    let mut old = article("Binned study", "B", "1999");
    old.deleted = true;
    lib.create_item(old).expect("trashed");
    set_trashed(&lib, &lone.key, true);

    let key = add_saved_search(&lib, "binned", vec![cond("title", "contains", "binned")]);
    let trash = ItemListQuery {
        filter: ItemFilter {
            saved_search: Some(key.clone()),
            trash: true,
            ..ItemFilter::default()
        },
        ..ItemListQuery::default()
    };
    let page = lib.list_items(&trash).expect("trash");
    assert_eq!(titles(&page), vec!["Binned memo", "Binned study"]);
    let page = lib
        .saved_search_items(&key, &ItemListQuery::default())
        .expect("library");
    assert!(page.items.is_empty(), "{:?}", titles(&page));
}
