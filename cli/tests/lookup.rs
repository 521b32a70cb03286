//! `shelfmark add --id` and `shelfmark attach --find-metadata`, run as the
//! real binary against stand-in services on this machine.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use shelfmark_test_support::lookup_services::Services;

struct Shelf {
    dir: tempfile::TempDir,
    library: PathBuf,
    services: Services,
}

impl Shelf {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let library = dir.path().join("lookup.shelfmark");
        let shelf = Self {
            dir,
            library,
            services: Services::start(),
        };
        let out = shelf.run(&["init"], None);
        assert!(out.status.success());
        shelf
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shelfmark"));
        command
            .args(args)
            .env("SHELFMARK_LIBRARY", &self.library)
            .env("SHELFMARK_LOOKUP_CONTACT", "cli@example.org")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for word in [
            "DOI",
            "CROSSREF",
            "DATACITE",
            "OPENLIBRARY",
            "GOOGLEBOOKS",
            "NCBI",
            "ARXIV",
        ] {
            command.env(
                format!("SHELFMARK_LOOKUP_{word}_URL"),
                format!("{}/{}", self.services.url, word.to_ascii_lowercase()),
            );
        }
        let mut child = command.spawn().expect("run shelfmark");
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.unwrap_or_default().as_bytes())
                .expect("stdin");
        }
        child.wait_with_output().expect("wait")
    }

    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "shelfmark {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn count_items(&self) -> usize {
        let out = self.ok(&["list", "--json"], None);
        let value: Value = serde_json::from_str(&out).expect("json");
        value
            .get("items")
            .and_then(Value::as_array)
            .or_else(|| value.as_array())
            .map_or(0, Vec::len)
    }
}

#[test]
fn add_by_identifiers_on_the_command_line() {
    let shelf = Shelf::new();
    let out = shelf.ok(
        &[
            "add",
            "--id",
            "10.1038/nature12373 978-0-262-03384-8 arXiv:1706.03762",
            "--json",
        ],
        None,
    );
    let rows: Vec<Value> = serde_json::from_str(&out).expect("json");
    assert_eq!(rows.len(), 3);
    let statuses: Vec<&str> = rows.iter().filter_map(|r| r["status"].as_str()).collect();
    assert_eq!(statuses, ["created", "created", "created"]);
    assert_eq!(rows[0]["data"]["itemType"], "journalArticle");
    assert_eq!(rows[1]["data"]["itemType"], "book");
    assert_eq!(rows[2]["data"]["itemType"], "preprint");
    assert_eq!(rows[1]["source"], "Open Library");
    assert!(
        shelf
            .services
            .seen()
            .iter()
            .all(|s| s.user_agent.contains("mailto:cli@example.org"))
    );

    // Again: the library's items are offered, nothing is added.
    let out = shelf.ok(&["add", "--id", "doi:10.1038/NATURE12373"], None);
    assert!(out.contains("already in the library"), "{out}");
    assert_eq!(shelf.count_items(), 3);
}

#[test]
fn add_by_identifiers_from_stdin_reports_each_failure_and_adds_the_rest() {
    let shelf = Shelf::new();
    let list = "PMID: 31452104\n978-0-262-03384-9\n10.9999/unknown\nPMC3531190\n";
    let out = shelf.run(&["add", "--id", "-"], Some(list));
    assert!(!out.status.success(), "failures make the command fail");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("Cells & signals in the gut"), "{stdout}");
    assert!(stdout.contains("A central summary"), "{stdout}");
    assert!(
        stderr.contains(
            "978-0-262-03384-9: malformed: ISBN 978-0-262-03384-9 has a wrong check digit"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("10.9999/unknown: not found at DOI.org, Crossref, DataCite"),
        "{stderr}"
    );
    assert!(stderr.contains("2 of 4 identifier(s) could not be looked up"));
    assert_eq!(shelf.count_items(), 2);
}

#[test]
fn preview_adds_nothing() {
    let shelf = Shelf::new();
    let out = shelf.ok(&["add", "--id", "10.5281/zenodo.1234", "--preview"], None);
    assert!(
        out.contains("dataset  Measurements of everything (2019)"),
        "{out}"
    );
    assert_eq!(shelf.count_items(), 0);
}

/// A PDF whose first page names a DOI, written byte by byte (one page, one
/// line of Helvetica text), with a correct cross-reference table.
fn write_pdf(path: &Path, line: &str) {
    let content = format!("BT /F1 11 Tf 72 760 Td ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", n + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    std::fs::write(path, pdf).expect("write pdf");
}

#[test]
fn attach_a_pdf_finding_its_metadata() {
    let shelf = Shelf::new();
    let pdf = shelf.dir.path().join("paper.pdf");
    write_pdf(&pdf, "Nature 500, 54-58 (2013) doi:10.1038/nature12373");
    let pdf_arg = pdf.to_string_lossy().into_owned();
    let out = shelf.ok(&["attach", "--find-metadata", &pdf_arg, "--json"], None);
    let value: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(value["parent"]["status"], "created");
    assert_eq!(
        value["parent"]["data"]["title"],
        "Nanometre-scale thermometry in a living cell"
    );
    assert_eq!(
        value["attachment"]["parentItem"],
        value["parent"]["data"]["key"]
    );
    assert_eq!(value["identifier"]["kind"], "DOI");

    let plain = shelf.dir.path().join("notes.pdf");
    write_pdf(&plain, "Meeting notes, spring");
    let plain_arg = plain.to_string_lossy().into_owned();
    let out = shelf.ok(&["attach", "--find-metadata", &plain_arg], None);
    assert!(out.contains("standalone"), "{out}");
}
