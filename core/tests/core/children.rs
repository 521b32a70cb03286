//! Notes, attachment metadata and annotations under items.

use crate::support::store::{Recorder, snapshot};
use crate::support::{article, new_library};
use shelfmark_core::protocol::{ItemData, LinkMode};
use shelfmark_core::{
    AnnotationEdit, ChangeKind, DEFAULT_ANNOTATION_COLOR, Error, Library, NewAnnotation,
    NewAttachment, ObjectKind,
};

fn pdf(lib: &Library, parent: &ItemData) -> ItemData {
    let mut a = NewAttachment::new(LinkMode::ImportedFile);
    a.content_type = Some("application/pdf".into());
    a.filename = Some("paper.pdf".into());
    lib.add_attachment(Some(parent.key.as_str()), a)
        .expect("pdf attachment")
}

fn highlight(text: &str, sort_index: Option<&str>) -> NewAnnotation {
    NewAnnotation {
        text: Some(text.into()),
        sort_index: sort_index.map(Into::into),
        position: Some(r#"{"pageIndex":0,"rects":[[1,2,3,4]]}"#.into()),
        ..NewAnnotation::new("highlight")
    }
}

#[test]
fn notes_under_items_and_standalone() {
    let lib = new_library();
    let parent = lib.create_item(article("P", "S", "2000")).expect("create");
    let recorder = Recorder::new(&lib);

    let note = lib
        .add_note(Some(parent.key.as_str()), "<p>First thought</p>")
        .expect("child note");
    assert_eq!(note.item_type, "note");
    assert_eq!(note.parent_item.as_ref(), Some(&parent.key));
    assert_eq!(note.field("note"), Some("<p>First thought</p>"));
    let standalone = lib.add_note(None, "<p>Alone</p>").expect("standalone");
    assert_eq!(standalone.parent_item, None);
    assert!(Recorder::heard(
        &recorder.take(),
        ObjectKind::Item,
        note.key.as_str(),
        ChangeKind::Created
    ));

    let updated = lib
        .update_note(note.key.as_str(), "<p>Second thought</p>")
        .expect("update");
    assert_eq!(updated.field("note"), Some("<p>Second thought</p>"));
    let children = lib.children(parent.key.as_str()).expect("children");
    assert_eq!(children, vec![updated]);
    assert!(Recorder::heard(
        &recorder.take(),
        ObjectKind::Item,
        note.key.as_str(),
        ChangeKind::Updated
    ));

    let before = snapshot(&lib);
    assert!(matches!(
        lib.add_note(Some("ZZZZ2345"), "x"),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.add_note(Some("no"), "x"),
        Err(Error::BadKey(_))
    ));
    let err = lib
        .add_note(Some(note.key.as_str()), "x")
        .expect_err("note under a note");
    assert!(err.to_string().contains("regular item"), "{err}");
    let err = lib
        .update_note(parent.key.as_str(), "x")
        .expect_err("not a note");
    assert!(err.to_string().contains(parent.key.as_str()), "{err}");
    let err = lib
        .add_note(None, &"x".repeat(1_048_577))
        .expect_err("too long");
    assert!(
        matches!(&err, Error::Invalid(e) if e.is_too_long()),
        "{err}"
    );
    assert_eq!(snapshot(&lib), before);
}

#[test]
fn attachments_follow_link_mode_rules() {
    let lib = new_library();
    let parent = lib.create_item(article("P", "S", "2000")).expect("create");
    let pk = Some(parent.key.as_str());

    let mut stored = NewAttachment::new(LinkMode::ImportedUrl);
    stored.url = Some("https://example.org/paper.pdf".into());
    stored.content_type = Some("application/pdf".into());
    stored.filename = Some("paper.pdf".into());
    stored.md5 = Some("0123456789ABCDEF0123456789abcdef".into());
    stored.mtime = Some(1_700_000_000_000);
    stored.charset = Some("utf-8".into());
    let item = lib.add_attachment(pk, stored).expect("imported url");
    assert_eq!(item.field("linkMode"), Some("imported_url"));
    assert_eq!(
        item.field("title"),
        Some("paper.pdf"),
        "title from the file"
    );
    assert_eq!(item.field("url"), Some("https://example.org/paper.pdf"));
    assert_eq!(item.field("md5"), Some("0123456789abcdef0123456789abcdef"));
    assert_eq!(item.mtime, Some(1_700_000_000_000));
    assert_eq!(item.field("charset"), Some("utf-8"));
    assert_eq!(lib.get_item(item.key.as_str()).expect("get"), item);

    let mut linked = NewAttachment::new(LinkMode::LinkedFile);
    linked.path = Some("/home/me/paper.pdf".into());
    linked.title = Some("My copy".into());
    let item = lib
        .add_attachment(None, linked)
        .expect("standalone linked file");
    assert_eq!(item.field("path"), Some("/home/me/paper.pdf"));
    assert_eq!(item.field("title"), Some("My copy"));
    assert_eq!(item.parent_item, None);

    let mut web = NewAttachment::new(LinkMode::LinkedUrl);
    web.url = Some("https://example.org".into());
    let item = lib.add_attachment(pk, web).expect("linked url");
    assert_eq!(item.field("title"), Some("https://example.org"));

    let before = snapshot(&lib);
    let refused = |a: NewAttachment, what: &str| {
        let err = lib.add_attachment(pk, a).expect_err(what);
        assert!(
            matches!(err, Error::InvalidInput(_) | Error::Invalid(_)),
            "{what}: {err}"
        );
        err.to_string()
    };
    let mut a = NewAttachment::new(LinkMode::ImportedFile);
    a.path = Some("/x.pdf".into());
    assert!(refused(a, "path on an imported file").contains("path"));
    assert!(refused(NewAttachment::new(LinkMode::LinkedFile), "no path").contains("path"));
    assert!(refused(NewAttachment::new(LinkMode::LinkedUrl), "no url").contains("url"));
    let mut a = NewAttachment::new(LinkMode::ImportedFile);
    a.url = Some("https://example.org".into());
    assert!(refused(a, "url on an imported file").contains("url"));
    let mut a = NewAttachment::new(LinkMode::LinkedUrl);
    a.url = Some("https://example.org".into());
    a.md5 = Some("0123456789abcdef0123456789abcdef".into());
    assert!(refused(a, "md5 on a link").contains("md5"));
    let mut a = NewAttachment::new(LinkMode::ImportedFile);
    a.md5 = Some("not a checksum".into());
    assert!(refused(a, "bad md5").contains("md5"));
    let mut a = NewAttachment::new(LinkMode::ImportedFile);
    a.filename = Some("../etc/passwd".into());
    assert!(refused(a, "path in file name").contains("filename"));
    refused(
        NewAttachment::new(LinkMode::EmbeddedImage),
        "embedded image",
    );
    assert!(matches!(
        lib.add_attachment(Some("ZZZZ2345"), NewAttachment::new(LinkMode::ImportedFile)),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(snapshot(&lib), before);
}

#[test]
fn annotations_on_readable_attachments_in_reading_order() {
    let lib = new_library();
    let parent = lib.create_item(article("P", "S", "2000")).expect("create");
    let attachment = pdf(&lib, &parent);
    let ak = attachment.key.as_str();

    let later = lib
        .add_annotation(ak, highlight("later", Some("00002|000010|00000")))
        .expect("highlight");
    assert_eq!(
        later.field("annotationColor"),
        Some(DEFAULT_ANNOTATION_COLOR)
    );
    assert_eq!(later.field("annotationType"), Some("highlight"));
    assert_eq!(later.parent_item.as_ref(), Some(&attachment.key));
    let unsorted = lib
        .add_annotation(
            ak,
            NewAnnotation {
                comment: Some("a loose thought".into()),
                color: Some("#FF6666".into()),
                ..NewAnnotation::new("note")
            },
        )
        .expect("note annotation");
    assert_eq!(unsorted.field("annotationColor"), Some("#ff6666"));
    let earlier = lib
        .add_annotation(ak, highlight("earlier", Some("00001|000500|00000")))
        .expect("highlight");

    let order: Vec<_> = lib
        .annotations(ak)
        .expect("annotations")
        .into_iter()
        .map(|a| a.key)
        .collect();
    assert_eq!(order, vec![earlier.key, later.key, unsorted.key.clone()]);

    // EPUB, HTML and attachments of unknown type can be annotated too.
    for content_type in [Some("application/epub+zip"), Some("text/html"), None] {
        let mut a = NewAttachment::new(LinkMode::ImportedFile);
        a.content_type = content_type.map(Into::into);
        let att = lib
            .add_attachment(Some(parent.key.as_str()), a)
            .expect("attachment");
        lib.add_annotation(att.key.as_str(), NewAnnotation::new("ink"))
            .expect("annotatable");
    }
}

#[test]
fn annotations_refuse_bad_parents_and_bad_values() {
    let lib = new_library();
    let parent = lib.create_item(article("P", "S", "2000")).expect("create");
    let attachment = pdf(&lib, &parent);
    let ak = attachment.key.as_str();
    let note = lib
        .add_note(Some(parent.key.as_str()), "<p>n</p>")
        .expect("note");
    let mut image = NewAttachment::new(LinkMode::ImportedFile);
    image.content_type = Some("image/png".into());
    let image = lib
        .add_attachment(Some(parent.key.as_str()), image)
        .expect("image");
    let before = snapshot(&lib);

    let err = lib
        .add_annotation(parent.key.as_str(), NewAnnotation::new("highlight"))
        .expect_err("on a regular item");
    assert!(err.to_string().contains("journalArticle"), "{err}");
    let err = lib
        .add_annotation(note.key.as_str(), NewAnnotation::new("highlight"))
        .expect_err("on a note");
    assert!(err.to_string().contains("note"), "{err}");
    let err = lib
        .add_annotation(image.key.as_str(), NewAnnotation::new("highlight"))
        .expect_err("on a png");
    assert!(err.to_string().contains("image/png"), "{err}");
    let field_of = |err: Error| match err {
        Error::Invalid(e) => e.field().map(str::to_owned),
        other => panic!("expected a validation error, got {other}"),
    };
    let err = lib
        .add_annotation(ak, NewAnnotation::new("scribble"))
        .expect_err("type");
    assert_eq!(field_of(err).as_deref(), Some("annotationType"));
    let err = lib
        .add_annotation(ak, NewAnnotation::default())
        .expect_err("no type");
    assert_eq!(field_of(err).as_deref(), Some("annotationType"));
    let err = lib
        .add_annotation(
            ak,
            NewAnnotation {
                color: Some("yellow".into()),
                ..NewAnnotation::new("highlight")
            },
        )
        .expect_err("colour");
    assert_eq!(field_of(err).as_deref(), Some("annotationColor"));
    let err = lib
        .add_annotation(
            ak,
            NewAnnotation {
                text: Some("quoted".into()),
                ..NewAnnotation::new("note")
            },
        )
        .expect_err("text on a note annotation");
    assert_eq!(field_of(err).as_deref(), Some("annotationText"));
    let err = lib
        .add_annotation(ak, highlight("x", Some("page 3")))
        .expect_err("sort index");
    assert_eq!(field_of(err).as_deref(), Some("annotationSortIndex"));
    assert!(matches!(
        lib.add_annotation("ZZZZ2345", NewAnnotation::new("ink")),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        lib.add_annotation("z", NewAnnotation::new("ink")),
        Err(Error::BadKey(_))
    ));
    assert!(lib.annotations(parent.key.as_str()).is_err());
    assert_eq!(snapshot(&lib), before);
}

#[test]
fn annotations_are_edited_with_their_type_fixed_and_deleted_to_the_trash() {
    let lib = new_library();
    let parent = lib.create_item(article("P", "S", "2000")).expect("create");
    let attachment = pdf(&lib, &parent);
    let ak = attachment.key.as_str();
    let a = lib
        .add_annotation(ak, highlight("quoted", Some("00001|000001|00001")))
        .expect("add");
    let key = a.key.to_string();
    let recorder = Recorder::new(&lib);

    let edited = lib
        .update_annotation(
            &key,
            AnnotationEdit {
                comment: Some("why this matters".into()),
                color: Some("#2EA8E5".into()),
                page_label: Some("iv".into()),
                text: Some(String::new()),
                ..AnnotationEdit::default()
            },
        )
        .expect("edit");
    assert_eq!(edited.field("annotationComment"), Some("why this matters"));
    assert_eq!(edited.field("annotationColor"), Some("#2ea8e5"));
    assert_eq!(edited.field("annotationPageLabel"), Some("iv"));
    assert_eq!(edited.field("annotationText"), None, "empty clears");
    assert_eq!(
        edited.field("annotationSortIndex"),
        Some("00001|000001|00001"),
        "untouched"
    );
    assert!(Recorder::heard(
        &recorder.take(),
        ObjectKind::Item,
        &key,
        ChangeKind::Updated
    ));

    let before = snapshot(&lib);
    let err = lib
        .set_fields(&key, &[("annotationType", "underline")])
        .expect_err("type is fixed");
    assert!(err.to_string().contains("fixed"), "{err}");
    let err = lib
        .update_annotation(
            &key,
            AnnotationEdit {
                comment: Some("kept?".into()),
                position: Some("not json".into()),
                ..AnnotationEdit::default()
            },
        )
        .expect_err("position");
    assert!(err.to_string().contains("annotationPosition"), "{err}");
    let err = lib
        .update_annotation(parent.key.as_str(), AnnotationEdit::default())
        .expect_err("not an annotation");
    assert!(err.to_string().contains("annotation"), "{err}");
    assert!(lib.delete_annotation(parent.key.as_str()).is_err());
    assert_eq!(snapshot(&lib), before);

    lib.delete_annotation(&key).expect("delete");
    assert!(lib.is_in_trash(&key).expect("in trash"));
    assert!(lib.get_item(&key).expect("still stored").deleted);
    assert!(lib.annotations(ak).expect("list").is_empty());
    let trash = lib.trash_contents().expect("trash");
    assert_eq!(trash.items.len(), 1);
    assert_eq!(trash.items[0].key.as_str(), key);
    lib.restore_items(&[&key]).expect("restore");
    assert_eq!(lib.annotations(ak).expect("list").len(), 1);
}
