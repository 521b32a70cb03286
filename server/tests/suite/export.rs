//! Items as export formats (`format=bibtex|biblatex|csljson|ris|refer`), as a
//! formatted bibliography (`format=bib`), and formatted references in JSON
//! envelopes (`include=bib,citation,…`) with `style`, `locale`, `linkwrap`.

use serde_json::{Value, json};

use crate::support::{Client, Deployment, header};

/// A library with one article (with a DOI), one book and a note under the book.
pub fn library(d: &dyn Deployment, email: &str) -> (Client, String, String) {
    let c = Client::new_user(d, email);
    let items = format!("{}/items", c.lib());
    let (_, rep) = c.write(
        &items,
        &json!([
            {
                "itemType": "journalArticle",
                "title": "Lattice methods in practice",
                "creators": [
                    {"creatorType": "author", "firstName": "Ada", "lastName": "Quillfeather"},
                    {"creatorType": "author", "firstName": "Ben", "lastName": "Ormsby"},
                    {"creatorType": "author", "firstName": "Cyd", "lastName": "Pennant"}
                ],
                "publicationTitle": "Journal of Worked Examples",
                "volume": "12",
                "pages": "34-56",
                "date": "2019-03-02",
                "DOI": "10.1234/jwe.2019.12"
            },
            {
                "itemType": "book",
                "title": "A field guide to indexes",
                "creators": [{"creatorType": "author", "firstName": "Dora", "lastName": "Valcourt"}],
                "publisher": "Example Press",
                "place": "Leiden",
                "date": "2004"
            }
        ]),
    );
    let article = rep["success"]["0"].as_str().expect("article").to_owned();
    let book = rep["success"]["1"].as_str().expect("book").to_owned();
    c.write(
        &items,
        &json!([{"itemType": "note", "parentItem": book, "note": "<p>Read chapter 2</p>"}]),
    );
    (c, article, book)
}

fn text_of(c: &Client, path: &str, content_type: &str) -> String {
    let r = c.get(path);
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(
        header(r.headers(), "content-type"),
        Some(content_type),
        "{path}"
    );
    assert!(header(r.headers(), "last-modified-version").is_some());
    r.text().expect("text")
}

pub fn export_formats(d: &dyn Deployment) {
    let (c, article, _) = library(d, "export1@example.org");
    let items = format!("{}/items", c.lib());
    let top = format!("{items}/top");

    let bibtex = text_of(&c, &format!("{top}?format=bibtex"), "application/x-bibtex");
    assert!(bibtex.contains("@article{"), "{bibtex}");
    assert!(bibtex.contains("@book{"), "{bibtex}");
    assert!(bibtex.contains("Lattice methods in practice"), "{bibtex}");
    assert!(bibtex.contains("10.1234/jwe.2019.12"), "{bibtex}");

    let biblatex = text_of(
        &c,
        &format!("{top}?format=biblatex"),
        "application/x-bibtex",
    );
    assert!(biblatex.contains("@article{"), "{biblatex}");
    assert!(biblatex.contains("journaltitle"), "{biblatex}");

    let ris = text_of(
        &c,
        &format!("{top}?format=ris"),
        "application/x-research-info-systems",
    );
    assert!(ris.contains("TY  - JOUR"), "{ris}");
    assert!(ris.contains("TY  - BOOK"), "{ris}");
    assert!(ris.contains("Quillfeather"), "{ris}");

    let refer = text_of(&c, &format!("{top}?format=refer"), "application/x-refer");
    assert!(refer.contains("%T Lattice methods in practice"), "{refer}");
    assert!(refer.contains("%T A field guide to indexes"), "{refer}");

    let csl = text_of(
        &c,
        &format!("{top}?format=csljson"),
        "application/vnd.citationstyles.csl+json",
    );
    let csl: Value = serde_json::from_str(&csl).expect("CSL-JSON");
    let list = csl["items"].as_array().expect("items");
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .any(|i| i["title"] == "Lattice methods in practice" && i["type"] == "article-journal")
    );

    // Paging applies as for JSON.
    let r = c.get(&format!("{top}?format=ris&limit=1"));
    assert_eq!(header(r.headers(), "total-results"), Some("2"));
    assert_eq!(r.text().expect("text").matches("TY  - ").count(), 1);

    // One item.
    let one = text_of(
        &c,
        &format!("{items}/{article}?format=ris"),
        "application/x-research-info-systems",
    );
    assert_eq!(one.matches("TY  - ").count(), 1);
    assert!(one.contains("TY  - JOUR"));

    // Formats of other libraries' tools are refused by name, and collections
    // have no formatted form.
    let r = c.get(&format!("{items}?format=mods"));
    assert_eq!(r.status(), 400);
    assert!(r.text().expect("text").contains("'mods'"));
    let r = c.get(&format!("{}/collections?format=bibtex", c.lib()));
    assert_eq!(r.status(), 400);
    assert!(r.text().expect("text").contains("'bibtex'"));
}

pub fn bibliography(d: &dyn Deployment) {
    let (c, article, _) = library(d, "export2@example.org");
    let items = format!("{}/items", c.lib());

    let apa = text_of(
        &c,
        &format!("{items}?format=bib&style=apa"),
        "text/html; charset=utf-8",
    );
    assert!(apa.contains("csl-bib-body"), "{apa}");
    assert_eq!(
        apa.matches("csl-entry").count(),
        2,
        "notes have no entry: {apa}"
    );
    // APA orders by author: Quillfeather before Valcourt.
    let q = apa.find("Quillfeather").expect("article");
    let v = apa.find("Valcourt").expect("book");
    assert!(q < v, "{apa}");
    assert!(!apa.contains("<a "), "no links without linkwrap: {apa}");
    let linked = text_of(
        &c,
        &format!("{items}?format=bib&style=apa&linkwrap=1"),
        "text/html; charset=utf-8",
    );
    assert!(
        linked.contains("<a href=\"https://doi.org/10.1234/jwe.2019.12\">"),
        "{linked}"
    );

    // The default style is Chicago (notes and bibliography).
    let chicago = text_of(
        &c,
        &format!("{items}/{article}?format=bib"),
        "text/html; charset=utf-8",
    );
    assert!(chicago.contains("Quillfeather, Ada"), "{chicago}");

    for (query, named) in [
        ("format=bib&style=no-such-style", "'no-such-style'"),
        ("format=bib&style=apa&locale=xx-QQ", "'xx-QQ'"),
        ("include=citation&style=no-such-style", "'no-such-style'"),
        ("format=bib&linkwrap=yes", "'yes'"),
    ] {
        let r = c.get(&format!("{items}?{query}"));
        assert_eq!(r.status(), 400, "{query}");
        assert!(r.text().expect("text").contains(named), "{query}");
    }
}

pub fn includes(d: &dyn Deployment) {
    let (c, article, book) = library(d, "export3@example.org");
    let items = format!("{}/items", c.lib());

    let (_, list) = c.get_json(&format!(
        "{items}?include=data,bib,citation,csljson,bibtex,ris&style=apa"
    ));
    let list = list.as_array().expect("list");
    assert_eq!(list.len(), 3);
    let by_key = |key: &str| {
        list.iter()
            .find(|e| e["key"] == key)
            .cloned()
            .expect("envelope")
    };
    let a = by_key(&article);
    assert_eq!(a["data"]["title"], "Lattice methods in practice");
    let bib = a["bib"].as_str().expect("bib");
    assert!(
        bib.contains("csl-entry") && bib.contains("Quillfeather"),
        "{bib}"
    );
    assert_eq!(
        a["citation"].as_str().expect("citation"),
        "<span>(Quillfeather et al., 2019)</span>"
    );
    assert_eq!(a["csljson"]["title"], "Lattice methods in practice");
    assert!(a["bibtex"].as_str().expect("bibtex").contains("@article{"));
    assert!(a["ris"].as_str().expect("ris").contains("TY  - JOUR"));
    let note = list
        .iter()
        .find(|e| e["data"]["itemType"] == "note")
        .expect("note");
    assert_eq!(note["bib"], "", "a note has no reference");

    // Without `data`, envelopes carry only what was asked for.
    let (_, one) = c.get_json(&format!("{items}/{book}?include=citation&style=apa"));
    assert!(one.get("data").is_none(), "{one}");
    assert_eq!(one["citation"], "<span>(Valcourt, 2004)</span>");
    assert_eq!(one["key"], book.as_str());

    // `locale` changes the style's terms: "and" in English, "und" in German.
    for (locale, and) in [("en-US", " and C. Pennant"), ("de-DE", " und C. Pennant")] {
        let (_, one) = c.get_json(&format!(
            "{items}/{article}?include=bib&style=ieee&locale={locale}"
        ));
        let bib = one["bib"].as_str().expect("bib");
        assert!(bib.contains(and), "{locale}: {bib}");
    }
}
