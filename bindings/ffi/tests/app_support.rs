//! The calls that keep the apps thin, used as the apps use them: the
//! sidebar with group libraries, the item form, share payloads, the sync
//! status text and the mass-deletion dialog, on real library files (and a
//! real server process where sync state is needed).

mod devices;

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use devices::{Device, wait};
use reqwest::Method;
use serde_json::json;
use shelfmark_ffi::{
    Creator, ErrorCategory, FieldKind, FieldValue, Format, ItemForm, ItemListQuery, ItemTag,
    LibraryHandle, LibraryOptions, NewItem, SearchCondition, ShareFormat, SidebarListener,
    SidebarRowKind, SidebarSection, SortField, SyncCondition, create_library,
};
use shelfmark_test_support::TestServer;

fn new_library(dir: &tempfile::TempDir) -> Arc<LibraryHandle> {
    let path = dir.path().join("papers.shelfmark").display().to_string();
    wait(create_library(path, LibraryOptions::default())).expect("create")
}

fn article(title: &str, collections: Vec<String>) -> NewItem {
    NewItem {
        item_type: "journalArticle".into(),
        fields: [
            ("title".to_owned(), title.to_owned()),
            ("date".to_owned(), "1859".to_owned()),
        ]
        .into(),
        creators: vec![Creator {
            creator_type: "author".into(),
            first_name: "Charles".into(),
            last_name: "Darwin".into(),
            single_name: false,
            label: String::new(),
        }],
        tags: vec![],
        collections,
    }
}

fn titles_listed(library: &LibraryHandle, filter: shelfmark_ffi::ItemFilter) -> Vec<String> {
    let page = wait(library.items().list(ItemListQuery {
        filter,
        sort: SortField::Title,
        ..ItemListQuery::default()
    }))
    .expect("list");
    page.rows.into_iter().map(|r| r.title).collect()
}

fn row_titles(section: &SidebarSection) -> Vec<(u32, &str)> {
    section
        .rows
        .iter()
        .map(|r| (r.depth, r.title.as_str()))
        .collect()
}

#[test]
fn the_sidebar_lists_every_row_with_the_filter_that_lists_its_items() {
    let dir = tempfile::tempdir().expect("dir");
    let library = new_library(&dir);
    let collections = library.collections();
    let history = wait(collections.create("History".into(), None)).expect("collection");
    let victorians =
        wait(collections.create("Victorians".into(), Some(history.key.clone()))).expect("sub");
    let items = library.items();
    wait(items.create(article("Origin", vec![victorians.key.clone()]))).expect("item");
    wait(items.create(article("Descent", vec![history.key.clone()]))).expect("item");
    let doomed = wait(items.create(article("Draft", vec![]))).expect("item");
    wait(items.trash(vec![doomed.key])).expect("trash");
    let searches = library.saved_searches();
    wait(searches.create(
        "Darwin".into(),
        vec![SearchCondition {
            condition: "creator".into(),
            operator: "contains".into(),
            value: "Darwin".into(),
        }],
        false,
    ))
    .expect("smart group");
    wait(searches.create(
        "Victorian Darwin".into(),
        vec![SearchCondition {
            condition: "collection".into(),
            operator: "is".into(),
            value: victorians.key.clone(),
        }],
        false,
    ))
    .expect("combination group");

    let sidebar = wait(library.sidebar()).expect("sidebar");
    assert_eq!(sidebar.len(), 1);
    let mine = &sidebar[0];
    assert_eq!((mine.library_id, mine.title.as_str()), (1, "My Library"));
    assert!(mine.editable && !mine.is_group);
    assert_eq!(
        row_titles(mine),
        [
            (0, "All Items"),
            (0, "History"),
            (1, "Victorians"),
            (0, "Darwin"),
            (0, "Victorian Darwin"),
            (0, "Trash"),
        ],
        "no Sync Conflicts row while there are none"
    );
    let ids: Vec<&str> = mine.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids[0], "1/all");
    assert_eq!(ids[2], format!("1/collection/{}", victorians.key));
    assert_eq!(ids[5], "1/trash");
    let counts: Vec<Option<u64>> = mine.rows.iter().map(|r| r.item_count).collect();
    assert_eq!(counts, [Some(2), Some(1), Some(1), None, None, Some(1)]);
    assert_eq!(
        mine.rows[1].kind,
        SidebarRowKind::Collection {
            key: history.key.clone(),
            is_group_set: true
        }
    );
    assert_eq!(mine.rows[2].parent_id.as_deref(), Some(ids[1]));
    assert!(matches!(
        mine.rows[3].kind,
        SidebarRowKind::SavedSearch {
            is_combination: false,
            ..
        }
    ));
    assert!(matches!(
        mine.rows[4].kind,
        SidebarRowKind::SavedSearch {
            is_combination: true,
            ..
        }
    ));

    // Each row's filter lists what the row stands for.
    let listed: Vec<Vec<String>> = mine
        .rows
        .iter()
        .map(|row| titles_listed(&library, row.filter.clone()))
        .collect();
    assert_eq!(listed[0], ["Descent", "Origin"]);
    assert_eq!(listed[1], ["Descent"]);
    assert_eq!(listed[2], ["Origin"]);
    assert_eq!(listed[3], ["Descent", "Origin"]);
    assert_eq!(listed[4], ["Origin"]);
    assert_eq!(listed[5], ["Draft"]);

    // The ids stay the same from call to call.
    let again = wait(library.sidebar()).expect("sidebar");
    assert_eq!(again, sidebar);
}

/// A group of `owner_key`'s with `member_id` as a writing member.
fn shared_group(server: &TestServer, owner_key: &str, member_id: u64, name: &str) {
    let (status, group) = server.call(
        owner_key,
        Method::POST,
        "/groups",
        Some(json!({ "name": name })),
    );
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_u64().expect("group id");
    let (status, body) = server.call(
        owner_key,
        Method::PUT,
        &format!("/groups/{group_id}/members/{member_id}"),
        Some(json!({"role": "member", "write": true})),
    );
    assert_eq!(status, 204, "{body}");
}

#[test]
fn group_libraries_get_sections_of_their_own_and_read_only_ones_refuse_edits() {
    let server = TestServer::start();
    let (owner_id, owner_key) = server.user("owner@example.org");
    // The member's key reads groups only: their libraries are read-only here.
    let (member_id, member_key) = server.user_with("member@example.org", &["--groups", "read"]);
    shared_group(&server, &owner_key, member_id, "Zoology Lab");
    shared_group(&server, &owner_key, member_id, "Botany Lab");

    let owner = Device::new(&server, owner_id, &owner_key);
    owner.sync(None);
    let sidebar = wait(owner.library.sidebar()).expect("sidebar");
    let titles: Vec<&str> = sidebar.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["My Library", "Botany Lab", "Zoology Lab"]);
    assert!(sidebar.iter().all(|s| s.editable));
    assert_eq!(
        sidebar.iter().map(|s| s.is_group).collect::<Vec<_>>(),
        [false, true, true]
    );
    let zoology = wait(owner.library.for_library(sidebar[2].library_id)).expect("group handle");
    assert_eq!(zoology.library_id(), sidebar[2].library_id);
    wait(zoology.items().create(article("Beetles of Kent", vec![]))).expect("group item");
    owner.sync(None);

    let member = Device::new(&server, member_id, &member_key);
    member.sync(None);
    let sidebar = wait(member.library.sidebar()).expect("sidebar");
    let zoology_section = sidebar
        .iter()
        .find(|s| s.title == "Zoology Lab")
        .expect("the group");
    assert!(zoology_section.is_group);
    assert!(!zoology_section.editable, "read-only access");
    let all = &zoology_section.rows[0];
    assert_eq!(all.library_id, zoology_section.library_id);
    assert_eq!(all.item_count, Some(1));
    assert_eq!(
        all.id,
        format!("{}/all", zoology_section.library_id),
        "ids are unique across libraries"
    );

    // The row's library and filter list its items.
    let zoology = wait(member.library.for_library(all.library_id)).expect("handle");
    assert_eq!(
        titles_listed(&zoology, all.filter.clone()),
        ["Beetles of Kent"]
    );
    assert!(titles_listed(&member.library, all.filter.clone()).is_empty());

    // The form says the library is read-only, and saving is refused.
    let key = wait(zoology.items().list(ItemListQuery::default()))
        .expect("list")
        .rows[0]
        .key
        .clone();
    let mut form = wait(zoology.item_forms().for_item(key.clone())).expect("form");
    assert!(!form.editable);
    set(&mut form, "title", "Beetles of Sussex");
    let refused = wait(zoology.item_forms().save(form)).expect_err("read-only");
    assert_eq!(refused.category(), ErrorCategory::InvalidInput);
    assert_eq!(
        wait(zoology.items().get(key)).expect("item").title,
        "Beetles of Kent"
    );

    let missing = wait(member.library.for_library(99)).expect_err("no such library");
    assert_eq!(missing.category(), ErrorCategory::NotFound);
}

fn set(form: &mut ItemForm, field: &str, value: &str) {
    form.fields
        .iter_mut()
        .find(|f| f.name == field)
        .unwrap_or_else(|| panic!("{field} is on the form"))
        .value = value.to_owned();
}

fn value<'a>(form: &'a ItemForm, field: &str) -> &'a str {
    &form
        .fields
        .iter()
        .find(|f| f.name == field)
        .unwrap_or_else(|| panic!("{field} is on the form"))
        .value
}

#[test]
fn the_item_form_saves_every_edit_at_once_or_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let library = new_library(&dir);
    let item = wait(library.items().create(article("Origin", vec![]))).expect("item");
    let forms = library.item_forms();

    let mut form = wait(forms.for_item(item.key.clone())).expect("form");
    assert_eq!(form.key.as_deref(), Some(item.key.as_str()));
    assert_eq!(form.item_type_label, "Journal Article");
    assert_eq!(form.fields[0].name, "title");
    assert_eq!(form.fields[0].label, "Title");
    assert_eq!(value(&form, "title"), "Origin");
    assert_eq!(
        value(&form, "volume"),
        "",
        "unfilled fields are on the form"
    );
    let kind = |name: &str| form.fields.iter().find(|f| f.name == name).map(|f| f.kind);
    assert_eq!(kind("abstractNote"), Some(FieldKind::MultiLine));
    assert_eq!(kind("date"), Some(FieldKind::Date));
    assert_eq!(kind("url"), Some(FieldKind::Url));
    assert_eq!(form.creator_types[0].name, "author");
    assert_eq!(form.creators[0].last_name, "Darwin");

    // A sync (here: another edit) changes a field the form does not touch.
    wait(library.items().set_fields(
        item.key.clone(),
        vec![FieldValue {
            name: "DOI".into(),
            value: "10.1000/origin".into(),
        }],
    ))
    .expect("edit elsewhere");

    set(&mut form, "title", "On the Origin of Species");
    set(&mut form, "volume", "1");
    form.creators.push(Creator {
        creator_type: "editor".into(),
        first_name: "Ann".into(),
        last_name: "Editor".into(),
        single_name: false,
        label: String::new(),
    });
    form.creators.push(Creator {
        creator_type: "author".into(),
        first_name: String::new(),
        last_name: " ".into(),
        single_name: false,
        label: String::new(),
    });
    form.tags.push(ItemTag {
        name: " evolution ".into(),
        automatic: false,
    });
    assert!(forms.validate(form.clone()).is_empty());
    let saved = wait(forms.save(form.clone())).expect("save");
    assert_eq!(saved.title, "On the Origin of Species");
    let field = |name: &str| {
        saved
            .fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.clone())
    };
    assert_eq!(field("volume").as_deref(), Some("1"));
    assert_eq!(
        field("DOI").as_deref(),
        Some("10.1000/origin"),
        "an edit made after the form was built is kept"
    );
    assert_eq!(
        saved.creators.len(),
        2,
        "the empty creator row is not saved"
    );
    assert_eq!(saved.tags[0].name, "evolution");

    // A value the rules refuse names its field, and nothing is saved.
    let mut bad = wait(forms.for_item(item.key.clone())).expect("form");
    set(&mut bad, "volume", "2");
    set(&mut bad, "title", &"x".repeat(70_000));
    bad.creators[0].creator_type = "composer".into();
    let problems = forms.validate(bad.clone());
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert!(
        fields.contains(&"title") && fields.contains(&"creators"),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.label == "Title"));
    let refused = wait(forms.save(bad)).expect_err("too long");
    assert_eq!(refused.category(), ErrorCategory::InvalidInput);
    assert!(refused.to_string().contains("Title"), "{refused}");
    let stored = wait(library.items().get(item.key.clone())).expect("item");
    assert_eq!(stored, saved, "nothing was saved");
}

#[test]
fn a_type_change_is_previewed_and_saved_with_the_other_edits() {
    let dir = tempfile::tempdir().expect("dir");
    let library = new_library(&dir);
    let forms = library.item_forms();
    let mut book = NewItem {
        item_type: "book".into(),
        ..article("Code", vec![])
    };
    book.fields.remove("date");
    book.fields.insert("publisher".into(), "MIT Press".into());
    book.fields.insert("edition".into(), "2".into());
    let book = wait(library.items().create(book)).expect("book");

    let mut form = wait(forms.for_item(book.key.clone())).expect("form");
    set(&mut form, "title", "Code: A Thesis");
    let change = forms
        .change_type(form, "thesis".into())
        .expect("change type");
    let moved: Vec<(&str, &str)> = change
        .moved_to_extra
        .iter()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(moved, [("Edition", "2")]);
    let thesis = change.form;
    assert_eq!(thesis.item_type, "thesis");
    assert_eq!(value(&thesis, "university"), "MIT Press");
    assert_eq!(value(&thesis, "title"), "Code: A Thesis");
    assert_eq!(value(&thesis, "extra"), "Edition: 2");
    assert_eq!(
        wait(library.items().get(book.key.clone()))
            .expect("item")
            .item_type,
        "book",
        "a preview saves nothing"
    );

    let saved = wait(forms.save(thesis)).expect("save");
    assert_eq!(saved.item_type, "thesis");
    assert_eq!(saved.title, "Code: A Thesis");
    assert!(
        saved
            .fields
            .iter()
            .any(|f| f.name == "extra" && f.value == "Edition: 2")
    );

    let refused = forms
        .change_type(wait(forms.for_item(book.key)).expect("form"), "note".into())
        .expect_err("not a bibliographic type");
    assert_eq!(refused.category(), ErrorCategory::InvalidInput);
}

#[test]
fn a_new_item_form_creates_the_item_in_its_collection() {
    let dir = tempfile::tempdir().expect("dir");
    let library = new_library(&dir);
    let forms = library.item_forms();
    let shelf = wait(library.collections().create("Shelf".into(), None)).expect("collection");

    let mut form = wait(forms.for_new_item("book".into(), Some(shelf.key.clone()))).expect("form");
    assert_eq!(form.key, None);
    assert!(form.editable);
    assert_eq!(
        form.creators.len(),
        1,
        "one empty row of the main creator type"
    );
    assert_eq!(form.creators[0].creator_type, "author");
    set(&mut form, "title", "The Voyage of the Beagle");
    form.creators[0].last_name = "Darwin".into();
    let created = wait(forms.save(form)).expect("create");
    assert_eq!(created.title, "The Voyage of the Beagle");
    assert_eq!(created.collections, [shelf.key]);
    assert_eq!(created.creators[0].last_name, "Darwin");

    let unknown = wait(forms.for_new_item("scroll".into(), None)).expect_err("unknown type");
    assert_eq!(unknown.category(), ErrorCategory::InvalidInput);
}

#[test]
fn share_payloads_carry_citations_and_reference_files() {
    let dir = tempfile::tempdir().expect("dir");
    let library = new_library(&dir);
    let origin = wait(
        library
            .items()
            .create(article("On the Origin of Species", vec![])),
    )
    .expect("item");
    let descent = wait(
        library
            .items()
            .create(article("The Descent of Man", vec![])),
    )
    .expect("item");
    let sharing = library.sharing();

    let citation = wait(sharing.payload(
        vec![origin.key.clone()],
        ShareFormat::Citation {
            style: "apa".into(),
        },
    ))
    .expect("citation");
    assert_eq!(citation.subject, "On the Origin of Species");
    assert_eq!(citation.text, "(Darwin, 1859)");
    assert!(citation.html.is_some());
    assert!(citation.file.is_none());

    let bibliography = wait(sharing.payload(
        vec![origin.key.clone()],
        ShareFormat::Bibliography {
            style: "apa".into(),
        },
    ))
    .expect("bibliography");
    assert!(
        bibliography.text.contains("Darwin, C. (1859)"),
        "{}",
        bibliography.text
    );
    let html = bibliography.html.expect("html");
    assert!(html.contains("<i>") || html.contains("<em>"), "{html}");

    let ris = wait(sharing.payload(
        vec![origin.key.clone(), descent.key.clone()],
        ShareFormat::File {
            format: Format::Ris,
        },
    ))
    .expect("ris");
    assert_eq!(ris.subject, "2 references");
    let file = ris.file.expect("a file");
    assert_eq!(file.file_name, "references.ris");
    assert_eq!(file.mime_type, "application/x-research-info-systems");
    assert_eq!(file.contents.matches("TY  - JOUR").count(), 2);
    assert_eq!(ris.text, file.contents);

    let bibtex = wait(sharing.payload(
        vec![origin.key.clone()],
        ShareFormat::File {
            format: Format::Bibtex,
        },
    ))
    .expect("bibtex");
    let file = bibtex.file.expect("a file");
    assert_eq!(file.file_name, "On the Origin of Species.bib");
    assert!(file.contents.starts_with("@article{"), "{}", file.contents);

    let none = wait(sharing.payload(
        vec![],
        ShareFormat::Citation {
            style: "apa".into(),
        },
    ))
    .expect_err("nothing to share");
    assert_eq!(none.category(), ErrorCategory::InvalidInput);
    let missing = wait(sharing.payload(
        vec!["ZZZZ2345".into()],
        ShareFormat::Citation {
            style: "apa".into(),
        },
    ))
    .expect_err("no such item");
    assert_eq!(missing.category(), ErrorCategory::NotFound);
}

#[test]
fn the_status_text_and_deletion_dialog_follow_the_sync() {
    let dir = tempfile::tempdir().expect("dir");
    let alone = new_library(&dir);
    let text = wait(alone.sync_status_text(None)).expect("status");
    assert_eq!(text.condition, SyncCondition::NotSignedIn);
    assert_eq!(text.headline, "Not signed in");
    assert!(wait(alone.deletion_confirmation()).expect("none").is_none());

    let server = TestServer::start();
    let (user_id, key) = server.user("status@example.org");
    let device = Device::new(&server, user_id, &key);
    let items = wait(
        device.library.items().create_many(
            (0..12)
                .map(|i| article(&format!("Paper {i}"), vec![]))
                .collect(),
        ),
    )
    .expect("items");
    device.sync(None);
    let text = wait(device.library.sync_status_text(None)).expect("status");
    assert_eq!(text.condition, SyncCondition::UpToDate);
    assert_eq!(text.headline, "Synced just now");
    assert!(text.last_synced.is_some());
    // An hour later, by the clock given.
    let later = now_seconds() + 3600;
    let text = wait(device.library.sync_status_text(Some(later))).expect("status");
    assert_eq!(text.headline, "Synced 1 hour ago");

    device.set_title(&items[0].key, "Paper zero");
    let text = wait(device.library.sync_status_text(None)).expect("status");
    assert_eq!(text.condition, SyncCondition::ChangesWaiting);
    assert_eq!(text.detail.as_deref(), Some("1 change not yet synced"));
    device.sync(None);

    // Emptying the trash of every item is held back for confirmation.
    let keys: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
    wait(device.library.items().trash(keys)).expect("trash");
    device.sync(None);
    wait(device.library.items().empty_trash()).expect("empty");
    device.sync(None);
    let dialog = wait(device.library.deletion_confirmation())
        .expect("dialog")
        .expect("deletions wait");
    assert_eq!(dialog.title, "Confirm 12 deletions?");
    assert_eq!(dialog.groups.len(), 1);
    assert_eq!(dialog.groups[0].library_name, "My Library");
    assert_eq!(
        dialog.groups[0].summary,
        "12 items deleted on this device will be deleted online for every device."
    );
    assert_eq!(dialog.groups[0].objects.len(), 12);
    let text = wait(device.library.sync_status_text(None)).expect("status");
    assert_eq!(text.condition, SyncCondition::NeedsAttention);
    assert_eq!(text.headline, "12 deletions to confirm");

    wait(device.library.sync().confirm_deletions()).expect("confirm");
    device.sync(None);
    assert!(
        wait(device.library.deletion_confirmation())
            .expect("none")
            .is_none()
    );
    let text = wait(device.library.sync_status_text(None)).expect("status");
    assert_eq!(text.condition, SyncCondition::UpToDate, "{text:?}");
}

/// The device clock, in seconds since 1970.
fn now_seconds() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock");
    i64::try_from(elapsed.as_secs()).expect("seconds")
}

#[test]
fn a_conflict_shows_in_the_sidebar_the_status_and_in_words() {
    let server = TestServer::start();
    let (user_id, key) = server.user("conflicts@example.org");
    let tablet = Device::new(&server, user_id, &key);
    let phone = Device::new(&server, user_id, &key);
    let shelf = wait(tablet.library.collections().create("Shelf".into(), None)).expect("shelf");
    let item = wait(
        tablet
            .library
            .items()
            .create(article("Tidal rhythms", vec![shelf.key.clone()])),
    )
    .expect("item");
    tablet.sync(None);
    phone.sync(None);
    tablet.set_title(&item.key, "Tidal rhythms in estuaries");
    phone.set_title(&item.key, "Tidal rhythms (review)");
    tablet.sync_kept(None);
    phone.sync_kept(None);

    let sidebar = wait(phone.library.sidebar()).expect("sidebar");
    let row = sidebar[0]
        .rows
        .iter()
        .find(|r| r.kind == SidebarRowKind::SyncConflicts)
        .expect("a Sync Conflicts row while there is a conflict");
    assert_eq!(row.item_count, Some(1));
    assert_eq!(row.id, "1/conflicts");
    assert_eq!(
        titles_listed(&phone.library, row.filter.clone()),
        ["Tidal rhythms (review)"]
    );
    let text = wait(phone.library.sync_status_text(None)).expect("status");
    assert_eq!(text.condition, SyncCondition::NeedsAttention);
    assert_eq!(text.headline, "1 conflict");
    assert_eq!(text.detail.as_deref(), Some("Synced just now"));

    let conflicts = wait(phone.library.conflict_texts()).expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.object_label, "Item");
    assert_eq!(conflict.library_name, "My Library");
    assert_eq!(conflict.conflict.key, item.key);
    let title = conflict
        .fields
        .iter()
        .find(|f| f.field == "title")
        .expect("the title conflicts");
    assert_eq!(title.label, "Title");
    assert_eq!(title.local, "Tidal rhythms (review)");
    assert_eq!(title.remote, "Tidal rhythms in estuaries");
}

struct SidebarSink(Mutex<Sender<Vec<SidebarSection>>>);

impl SidebarListener for SidebarSink {
    fn on_sidebar(&self, sections: Vec<SidebarSection>) {
        let _ = self.0.lock().expect("sender").send(sections);
    }
}

fn next_sidebar(receiver: &Receiver<Vec<SidebarSection>>) -> Vec<SidebarSection> {
    receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("a sidebar within 10 s")
}

#[test]
fn a_watched_sidebar_follows_changes_and_stops_with_its_handle() {
    let dir = tempfile::tempdir().expect("dir");
    let library = new_library(&dir);
    let item = wait(library.items().create(article("Origin", vec![]))).expect("item");
    let (sender, receiver) = channel();
    let handle = library
        .watch_sidebar(Arc::new(SidebarSink(Mutex::new(sender))))
        .expect("watch");

    let first = next_sidebar(&receiver);
    assert_eq!(first, wait(library.sidebar()).expect("sidebar"));
    assert_eq!(row_titles(&first[0]), [(0, "All Items"), (0, "Trash")]);

    wait(library.collections().create("Shelf".into(), None)).expect("collection");
    let with_shelf = next_sidebar(&receiver);
    assert_eq!(
        row_titles(&with_shelf[0]),
        [(0, "All Items"), (0, "Shelf"), (0, "Trash")]
    );

    // An edit that leaves the sidebar as it is sends nothing; the next
    // change that alters it does.
    wait(library.items().set_fields(
        item.key.clone(),
        vec![FieldValue {
            name: "volume".into(),
            value: "2".into(),
        }],
    ))
    .expect("edit");
    wait(library.items().trash(vec![item.key])).expect("trash");
    let trashed = next_sidebar(&receiver);
    let counts: Vec<Option<u64>> = trashed[0].rows.iter().map(|r| r.item_count).collect();
    assert_eq!(counts, [Some(0), Some(0), Some(1)]);

    handle.cancel();
    wait(library.collections().create("Later".into(), None)).expect("collection");
    assert!(
        receiver.recv_timeout(Duration::from_millis(500)).is_err(),
        "a cancelled watch is silent"
    );
}
