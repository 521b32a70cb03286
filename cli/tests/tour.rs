//! The README's five-minute tour, run against the real `shelfmark` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Shelf {
    _dir: tempfile::TempDir,
    library: PathBuf,
}

impl Shelf {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let library = dir.path().join("tour.shelfmark");
        let shelf = Self { _dir: dir, library };
        shelf.ok(&["init"]);
        shelf
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_shelfmark"))
            .args(args)
            .env("SHELFMARK_LIBRARY", &self.library)
            .output()
            .expect("run shelfmark")
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "shelfmark {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// Runs a command that must fail; returns its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "shelfmark {args:?} should have failed"
        );
        assert!(out.stdout.is_empty(), "errors go to stderr only");
        String::from_utf8(out.stderr).expect("utf-8 output")
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        serde_json::from_str(&self.ok(&with_json)).expect("valid JSON")
    }

    fn add(&self, args: &[&str]) -> String {
        let mut full = vec!["add"];
        full.extend_from_slice(args);
        self.ok(&full).trim().to_owned()
    }
}

fn keys(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect()
}

#[test]
fn tour_of_the_library() {
    let shelf = Shelf::new();
    let darwin = shelf.add(&[
        "book",
        "title=On the Origin of Species",
        "date=1859",
        "publisher=John Murray",
        "--author",
        "Darwin, Charles",
        "--tag",
        "evolution",
    ]);
    let curie = shelf.add(&[
        "journalArticle",
        "title=Radioactive substances",
        "date=1904-03",
        "publicationTitle=Chemical News",
        "--author",
        "Curie, Marie",
        "--tag",
        "physics",
    ]);
    let lovelace = shelf.add(&[
        "journalArticle",
        "title=Sketch of the Analytical Engine",
        "date=1843",
        "--author",
        "Lovelace, Ada",
        "--creator",
        "translator:Menabrea, Luigi",
    ]);

    // list, sorted both ways, as JSON in the Web API's item shape
    let by_date = shelf.json(&["list", "--sort", "date"]);
    assert_eq!(
        keys(&by_date),
        vec![lovelace.clone(), darwin.clone(), curie.clone()]
    );
    assert_eq!(by_date[0]["itemType"], "journalArticle");
    assert_eq!(by_date[0]["creators"][1]["creatorType"], "translator");
    let desc = shelf.json(&["list", "--sort", "creator", "--desc"]);
    assert_eq!(
        keys(&desc),
        vec![lovelace.clone(), darwin.clone(), curie.clone()]
    );
    let page = shelf.json(&["list", "--sort", "title", "--limit", "1", "--offset", "1"]);
    assert_eq!(keys(&page), vec![curie.clone()]);

    // show and edit
    let shown = shelf.json(&["show", &darwin]);
    assert_eq!(shown["data"]["title"], "On the Origin of Species");
    shelf.ok(&["edit", &darwin, "edition=1st", "--add-tag", "classic"]);
    let edited = shelf.json(&["show", &darwin]);
    assert_eq!(edited["data"]["edition"], "1st");
    assert_eq!(edited["data"]["tags"].as_array().map(Vec::len), Some(2));
    let human = shelf.ok(&["show", &darwin]);
    assert!(
        human.contains("Darwin, Charles") && human.contains("Edition: 1st"),
        "{human}"
    );

    // search: prefix and diacritics-insensitive, and everything mode reaches notes
    assert_eq!(
        keys(&shelf.json(&["search", "radioact"])),
        vec![curie.clone()]
    );
    shelf.ok(&[
        "note",
        "add",
        &lovelace,
        "Première programmeuse: the first algorithm",
    ]);
    assert!(keys(&shelf.json(&["search", "algorithm"])).is_empty());
    assert_eq!(
        keys(&shelf.json(&["search", "premiere", "--everything"])),
        vec![lovelace.clone()]
    );

    // collections: groups and group sets
    shelf.ok(&["collection", "create", "History of Science"]);
    shelf.ok(&[
        "collection",
        "create",
        "Victorians",
        "--parent",
        "History of Science",
    ]);
    shelf.ok(&["collection", "add", "Victorians", &darwin, &lovelace]);
    let in_group = shelf.json(&["list", "--collection", "Victorians", "--sort", "date"]);
    assert_eq!(keys(&in_group), vec![lovelace.clone(), darwin.clone()]);
    let tree = shelf.json(&["collection", "list"]);
    assert_eq!(tree[0]["name"], "History of Science");
    assert_eq!(tree[0]["children"][0]["numItems"], 2);
    shelf.ok(&["collection", "remove", "Victorians", &lovelace]);
    assert_eq!(
        keys(&shelf.json(&["list", "--collection", "Victorians"])),
        vec![darwin.clone()]
    );

    // saved searches are live
    shelf.ok(&[
        "saved-search",
        "create",
        "Before 1900",
        "date:isBefore:1900-01-01",
    ]);
    assert_eq!(
        keys(&shelf.json(&["list", "--search", "Before 1900", "--sort", "date"])).len(),
        2
    );
    let babbage = shelf.add(&[
        "book",
        "title=Passages",
        "date=1864",
        "--author",
        "Babbage, Charles",
    ]);
    let live = keys(&shelf.json(&["list", "--search", "Before 1900", "--sort", "date"]));
    assert_eq!(
        live,
        vec![lovelace.clone(), darwin.clone(), babbage.clone()]
    );
    shelf.ok(&[
        "saved-search",
        "create",
        "Physics or evolution",
        "tag:is:physics",
        "tag:is:evolution",
        "--any",
    ]);
    assert_eq!(
        keys(&shelf.json(&["list", "--search", "Physics or evolution"])).len(),
        2
    );

    // trash and restore; children follow
    shelf.ok(&["trash", &lovelace]);
    assert!(!keys(&shelf.json(&["list"])).contains(&lovelace));
    assert_eq!(
        keys(&shelf.json(&["list", "--trash"])),
        vec![lovelace.clone()]
    );
    assert!(keys(&shelf.json(&["search", "premiere", "--everything"])).is_empty());
    shelf.ok(&["restore", &lovelace]);
    assert!(keys(&shelf.json(&["list"])).contains(&lovelace));
    shelf.ok(&["trash", &babbage]);
    let emptied = shelf.json(&["empty-trash"]);
    assert_eq!(emptied["items"], 1);
    assert!(shelf.fails(&["show", &babbage]).contains("not found"));

    // attachments and annotations
    let pdf = shelf
        .ok(&["attachment", "link", &lovelace, "/papers/sketch.pdf"])
        .trim()
        .to_owned();
    let note = shelf.json(&[
        "annotate",
        &pdf,
        "--type",
        "highlight",
        "--text",
        "weaves algebraical patterns",
        "--comment",
        "famous line",
        "--page",
        "23",
        "--color",
        "#ffd400",
    ]);
    assert_eq!(note["annotationType"], "highlight");
    assert_eq!(note["parentItem"], pdf.as_str());
    assert_eq!(
        keys(&shelf.json(&["search", "algebraical", "--everything"])),
        vec![lovelace.clone()]
    );
    let annotations = shelf.json(&["annotate", &pdf, "--list"]);
    assert_eq!(annotations.as_array().map(Vec::len), Some(1));
}

#[test]
fn import_export_backup_and_duplicates() {
    let shelf = Shelf::new();
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/formats");
    let ris = fixtures.join("endnote.ris");
    shelf.ok(&["collection", "create", "Imported"]);
    let report = shelf.json(&[
        "import",
        ris.to_str().expect("path"),
        "--collection",
        "Imported",
    ]);
    assert_eq!(report["format"], "ris");
    let created = report["created"].as_array().expect("created").len();
    assert!(created >= 2);
    assert_eq!(
        keys(&shelf.json(&["list", "--collection", "Imported", "--limit", "500"])).len(),
        created
    );
    // The same file again: every record is a duplicate and is skipped.
    let again = shelf.json(&["import", ris.to_str().expect("path")]);
    assert_eq!(again["created"].as_array().map(Vec::len), Some(0));
    assert_eq!(again["duplicates"].as_array().map(Vec::len), Some(created));
    // Keeping both makes duplicate groups that can be listed and merged.
    shelf.ok(&[
        "import",
        ris.to_str().expect("path"),
        "--on-duplicate",
        "keep",
    ]);
    let groups = shelf.json(&["duplicates"]);
    assert_eq!(groups.as_array().map(Vec::len), Some(created));
    shelf.ok(&["duplicates", "--merge", "1"]);
    assert_eq!(
        shelf.json(&["duplicates"]).as_array().map(Vec::len),
        Some(created - 1)
    );

    // Export to a file, format from the extension; and BibTeX to stdout.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("collection.xml");
    shelf.ok(&[
        "export",
        "--collection",
        "Imported",
        "-o",
        out.to_str().expect("path"),
    ]);
    let xml = std::fs::read_to_string(&out).expect("exported");
    assert!(
        xml.contains("<records>") && xml.contains("A study of things"),
        "{xml}"
    );
    let bib = shelf.ok(&["export", "--format", "bibtex"]);
    assert!(bib.contains("@article{"), "{bib}");
    let err = shelf.fails(&["export", "--format", "docx"]);
    assert!(
        err.contains("unknown format") && err.contains("ris"),
        "{err}"
    );

    // A malformed file names the file and record, and imports nothing.
    let broken = dir.path().join("broken.ris");
    std::fs::write(&broken, "TY  - JOUR\nTI  - no end\n\nTY  - BOOK\nER  - \n").expect("write");
    let before = keys(&shelf.json(&["list", "--limit", "500"])).len();
    let err = shelf.fails(&["import", broken.to_str().expect("path")]);
    assert!(
        err.contains("broken.ris") && err.contains("record 1"),
        "{err}"
    );
    assert_eq!(keys(&shelf.json(&["list", "--limit", "500"])).len(), before);

    // Backup and restore.
    let archive = dir.path().join("lib.backup");
    shelf.ok(&["backup", archive.to_str().expect("path")]);
    let restored = dir.path().join("restored.shelfmark");
    let quiet = shelf.run(&[
        "restore-backup",
        archive.to_str().expect("path"),
        "--to",
        restored.to_str().expect("path"),
    ]);
    assert!(quiet.status.success(), "{quiet:?}");
    assert!(quiet.stderr.is_empty(), "{quiet:?}");
    assert_eq!(keys_in(&restored).len(), before);

    // The older spelling still restores a backup, and names the new verb.
    let restored_old_form = dir.path().join("restored-old-form.shelfmark");
    let old_form = shelf.run(&[
        "restore",
        archive.to_str().expect("path"),
        "--to",
        restored_old_form.to_str().expect("path"),
    ]);
    assert!(old_form.status.success(), "{old_form:?}");
    let notice = String::from_utf8(old_form.stderr).expect("utf-8 output");
    assert!(
        notice.contains("shelfmark restore-backup ARCHIVE --to PATH"),
        "{notice}"
    );
    assert!(
        String::from_utf8_lossy(&old_form.stdout).starts_with("restored "),
        "the result stays on stdout"
    );
    assert_eq!(keys_in(&restored_old_form).len(), before);
}

/// Keys of every item in the library at `path`.
fn keys_in(path: &Path) -> Vec<String> {
    let listed = Command::new(env!("CARGO_BIN_EXE_shelfmark"))
        .args(["list", "--json", "--limit", "500"])
        .arg("--library")
        .arg(path)
        .output()
        .expect("run");
    keys(&serde_json::from_slice(&listed.stdout).expect("json"))
}

#[test]
fn citations_and_styles() {
    let shelf = Shelf::new();
    let key = shelf.add(&[
        "journalArticle",
        "title=Sketch of the Analytical Engine",
        "date=1843",
        "publicationTitle=Scientific Memoirs",
        "volume=3",
        "pages=666-731",
        "--author",
        "Lovelace, Ada",
    ]);
    assert_eq!(shelf.ok(&["cite", &key]).trim(), "(Lovelace, 1843)");
    let ieee = shelf.ok(&["cite", &key, "--style", "ieee", "--bibliography"]);
    assert!(
        ieee.starts_with("[1] A. Lovelace, “Sketch of the Analytical Engine,”"),
        "{ieee}"
    );
    let html = shelf.json(&[
        "cite",
        &key,
        "--style",
        "nature",
        "--bibliography",
        "--html",
    ]);
    assert!(
        html["text"]
            .as_str()
            .expect("text")
            .contains("<i>Scientific Memoirs</i> <b>3</b>"),
        "{html}"
    );
    let styles = shelf.json(&["styles"]);
    let ids: Vec<&str> = styles
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    for wanted in [
        "apa",
        "chicago-author-date",
        "ieee",
        "mla",
        "vancouver",
        "harvard",
        "nature",
    ] {
        assert!(ids.contains(&wanted), "{wanted} missing");
    }
    let err = shelf.fails(&["cite", &key, "--style", "no-such-style"]);
    assert!(
        err.contains("no-such-style") && err.contains("shelfmark styles"),
        "{err}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.csl");
    std::fs::write(&broken, "<style>not csl").expect("write");
    let err = shelf.fails(&["styles", "--add", broken.to_str().expect("path")]);
    assert!(err.contains("broken"), "{err}");
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_nothing_written() {
    let shelf = Shelf::new();
    let err = shelf.fails(&["add", "scroll", "title=X"]);
    assert!(
        err.contains("unknown item type") && err.contains("scroll"),
        "{err}"
    );
    let err = shelf.fails(&["add", "journalArticle", "ISBN=123"]);
    assert!(
        err.contains("ISBN") && err.contains("journalArticle"),
        "{err}"
    );
    let err = shelf.fails(&["show", "not-a-key"]);
    assert!(err.contains("invalid key"), "{err}");
    let err = shelf.fails(&["list", "--collection", "Nowhere"]);
    assert!(err.contains("Nowhere"), "{err}");
    let long = format!("title={}", "x".repeat(70_000));
    let err = shelf.fails(&["add", "book", &long]);
    assert!(err.contains("too long"), "{err}");
    let err = shelf.fails(&["saved-search", "create", "Bad", "nonsense"]);
    assert!(err.contains("FIELD:OPERATOR:VALUE"), "{err}");
    assert_eq!(
        shelf.json(&["list"]).as_array().map(Vec::len),
        Some(0),
        "nothing written"
    );
}

#[test]
fn refuses_a_file_that_is_not_a_library() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("thesis.txt");
    std::fs::write(&text, "chapter one").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_shelfmark"))
        .args(["--library", text.to_str().expect("utf-8 path"), "list"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a Shelfmark library"), "{err}");
    assert_eq!(std::fs::read_to_string(&text).expect("read"), "chapter one");
    let missing = Command::new(env!("CARGO_BIN_EXE_shelfmark"))
        .args([
            "--library",
            &Path::new("/nonexistent/x.shelfmark").display().to_string(),
            "list",
        ])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("shelfmark init"));
}
