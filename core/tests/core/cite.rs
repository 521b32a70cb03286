//! Citations and bibliographies: exact output of the common styles for the
//! main reference types, citation clusters, style discovery and the user's
//! own styles.
//!
//! The expected strings were written from each style's rules (APA 7th,
//! Chicago 18th author-date, IEEE, MLA 9th, NLM/Vancouver, Cite Them Right
//! Harvard, Nature) as the bundled CSL files implement them. Where the output
//! departs from the printed guide, a comment says why.

use std::path::Path;

use crate::support::new_library;
use shelfmark_core::cite::{self, CiteFormat};
use shelfmark_core::protocol::{Creator, ItemData};
use shelfmark_core::{Error, ErrorCategory};

fn item(item_type: &str, fields: &[(&str, &str)], creators: Vec<Creator>) -> ItemData {
    let mut item = ItemData::new(item_type);
    for (name, value) in fields {
        item.set_field(name, *value);
    }
    item.creators = creators;
    item
}

struct Fixtures {
    article: ItemData,
    book: ItemData,
    section: ItemData,
    web: ItemData,
}

impl Fixtures {
    fn new() -> Self {
        let article = item(
            "journalArticle",
            &[
                (
                    "title",
                    "Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid",
                ),
                ("publicationTitle", "Nature"),
                ("volume", "171"),
                ("issue", "4356"),
                ("pages", "737-738"),
                ("date", "1953-04-25"),
                ("DOI", "10.1038/171737a0"),
                ("ISSN", "0028-0836"),
                ("language", "en"),
            ],
            vec![
                Creator::person("author", "J. D.", "Watson"),
                Creator::person("author", "F. H. C.", "Crick"),
            ],
        );
        let book = item(
            "book",
            &[
                (
                    "title",
                    "On the origin of species by means of natural selection",
                ),
                ("publisher", "John Murray"),
                ("place", "London"),
                ("date", "1859"),
            ],
            vec![Creator::person("author", "Charles", "Darwin")],
        );
        let section = item(
            "bookSection",
            &[
                ("title", "Notes by the translator"),
                ("bookTitle", "Scientific memoirs"),
                ("volume", "3"),
                ("pages", "691-731"),
                ("publisher", "Richard and John E. Taylor"),
                ("place", "London"),
                ("date", "1843"),
            ],
            vec![
                Creator::person("author", "Augusta Ada", "Lovelace"),
                Creator::person("editor", "Richard", "Taylor"),
            ],
        );
        let web = item(
            "webpage",
            &[
                ("title", "Cool URIs don't change"),
                ("websiteTitle", "W3C"),
                ("url", "https://www.w3.org/Provider/Style/URI"),
                ("date", "1998"),
                ("accessDate", "2024-03-01"),
            ],
            vec![Creator::person("author", "Tim", "Berners-Lee")],
        );
        Self {
            article,
            book,
            section,
            web,
        }
    }
}

/// The item's reference list entry in `style`, as text and as HTML.
fn reference(item: &ItemData, style: &str, text: &str, html_entry: &str) {
    let items = std::slice::from_ref(item);
    assert_eq!(
        cite::bibliography(items, style, CiteFormat::Text, None).expect("text"),
        text,
        "{style} text"
    );
    assert_eq!(
        cite::bibliography(items, style, CiteFormat::Html, None).expect("html"),
        format!(
            "<div class=\"csl-bib-body\">\n  <div class=\"csl-entry\">{html_entry}</div>\n</div>"
        ),
        "{style} html"
    );
}

/// The item's in-text citation in `style`, as text and as HTML.
fn in_text(item: &ItemData, style: &str, text: &str, html: &str) {
    let items = std::slice::from_ref(item);
    assert_eq!(
        cite::citation(items, style, CiteFormat::Text, None).expect("text"),
        text,
        "{style} citation text"
    );
    assert_eq!(
        cite::citation(items, style, CiteFormat::Html, None).expect("html"),
        html,
        "{style} citation html"
    );
}

/// APA 7th: sentence-case titles as entered, journal and volume in italics,
/// no place of publication, DOI as a URL, the book's volume and pages in
/// one parenthesis after the book title.
#[test]
fn apa() {
    let f = Fixtures::new();
    reference(
        &f.article,
        "apa",
        "Watson, J. D., & Crick, F. H. C. (1953). Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid. Nature, 171(4356), 737–738. https://doi.org/10.1038/171737a0",
        "Watson, J. D., &amp; Crick, F. H. C. (1953). Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid. <i>Nature</i>, <i>171</i>(4356), 737–738. <a href=\"https://doi.org/10.1038/171737a0\">https://doi.org/10.1038/171737a0</a>",
    );
    reference(
        &f.book,
        "apa",
        "Darwin, C. (1859). On the origin of species by means of natural selection. John Murray.",
        "Darwin, C. (1859). <i>On the origin of species by means of natural selection</i>. John Murray.",
    );
    reference(
        &f.section,
        "apa",
        "Lovelace, A. A. (1843). Notes by the translator. In R. Taylor (Ed.), Scientific memoirs (Vol. 3, pp. 691–731). Richard and John E. Taylor.",
        "Lovelace, A. A. (1843). Notes by the translator. In R. Taylor (Ed.), <i>Scientific memoirs</i> (Vol. 3, pp. 691–731). Richard and John E. Taylor.",
    );
    reference(
        &f.web,
        "apa",
        "Berners-Lee, T. (1998). Cool URIs don't change. W3C. https://www.w3.org/Provider/Style/URI",
        "Berners-Lee, T. (1998). <i>Cool URIs don't change</i>. W3C. <a href=\"https://www.w3.org/Provider/Style/URI\">https://www.w3.org/Provider/Style/URI</a>",
    );
    in_text(
        &f.article,
        "apa",
        "(Watson & Crick, 1953)",
        "(Watson &amp; Crick, 1953)",
    );
    in_text(&f.book, "apa", "(Darwin, 1859)", "(Darwin, 1859)");
    in_text(&f.section, "apa", "(Lovelace, 1843)", "(Lovelace, 1843)");
    in_text(&f.web, "apa", "(Berners-Lee, 1998)", "(Berners-Lee, 1998)");
}

/// Chicago 18th author-date: title case, year after the author, no place of
/// publication. The bundled style leaves the page range out of a chapter's
/// bibliography entry. The web page differs from the manual ("Berners-Lee,
/// Tim. 1998. “Cool URIs Don't Change.” W3C. URL."): the processor reports a
/// short container title whenever there is a container title (falling back
/// to the full one), and the style then names the site after the author in
/// parentheses instead of after the title.
#[test]
fn chicago_author_date() {
    let f = Fixtures::new();
    reference(
        &f.article,
        "chicago-author-date",
        "Watson, J. D., and F. H. C. Crick. 1953. “Molecular Structure of Nucleic Acids: A Structure for Deoxyribose Nucleic Acid.” Nature 171 (4356): 737–38. https://doi.org/10.1038/171737a0.",
        "Watson, J. D., and F. H. C. Crick. 1953. “Molecular Structure of Nucleic Acids: A Structure for Deoxyribose Nucleic Acid.” <i>Nature</i> 171 (4356): 737–38. <a href=\"https://doi.org/10.1038/171737a0\">https://doi.org/10.1038/171737a0</a>.",
    );
    reference(
        &f.book,
        "chicago-author-date",
        "Darwin, Charles. 1859. On the Origin of Species by Means of Natural Selection. John Murray.",
        "Darwin, Charles. 1859. <i>On the Origin of Species by Means of Natural Selection</i>. John Murray.",
    );
    reference(
        &f.section,
        "chicago-author-date",
        "Lovelace, Augusta Ada. 1843. “Notes by the Translator.” In Scientific Memoirs, edited by Richard Taylor, vol. 3. Richard and John E. Taylor.",
        "Lovelace, Augusta Ada. 1843. “Notes by the Translator.” In <i>Scientific Memoirs</i>, edited by Richard Taylor, vol. 3. Richard and John E. Taylor.",
    );
    reference(
        &f.web,
        "chicago-author-date",
        "Berners-Lee, Tim (W3C). 1998. “Cool URIs Don't Change.” https://www.w3.org/Provider/Style/URI.",
        "Berners-Lee, Tim (W3C). 1998. “Cool URIs Don't Change.” <a href=\"https://www.w3.org/Provider/Style/URI\">https://www.w3.org/Provider/Style/URI</a>.",
    );
    in_text(
        &f.article,
        "chicago-author-date",
        "(Watson and Crick 1953)",
        "(Watson and Crick 1953)",
    );
    in_text(
        &f.book,
        "chicago-author-date",
        "(Darwin 1859)",
        "(Darwin 1859)",
    );
    in_text(
        &f.section,
        "chicago-author-date",
        "(Lovelace 1843)",
        "(Lovelace 1843)",
    );
    in_text(
        &f.web,
        "chicago-author-date",
        "(Berners-Lee 1998)",
        "(Berners-Lee 1998)",
    );
}

/// IEEE: initials first, titles in quotes, journal in italics and
/// abbreviated form, numbered entries. As the bundled style writes it, the
/// editor is followed by a comma ("Ed., London") and a web page has no
/// publication year but an access date with a two-digit day.
#[test]
fn ieee() {
    let f = Fixtures::new();
    reference(
        &f.article,
        "ieee",
        "[1] J. D. Watson and F. H. C. Crick, “Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid,” Nature, vol. 171, no. 4356, pp. 737–738, Apr. 1953, doi: 10.1038/171737a0.",
        "<div class=\"csl-left-margin\">[1]</div><div class=\"csl-right-inline\">J. D. Watson and F. H. C. Crick, “Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid,” <i>Nature</i>, vol. 171, no. 4356, pp. 737–738, Apr. 1953, doi: <a href=\"https://doi.org/10.1038/171737a0\">10.1038/171737a0</a>.</div>",
    );
    reference(
        &f.book,
        "ieee",
        "[1] C. Darwin, On the origin of species by means of natural selection. London: John Murray, 1859.",
        "<div class=\"csl-left-margin\">[1]</div><div class=\"csl-right-inline\">C. Darwin, <i>On the origin of species by means of natural selection</i>. London: John Murray, 1859.</div>",
    );
    reference(
        &f.section,
        "ieee",
        "[1] A. A. Lovelace, “Notes by the translator,” in Scientific memoirs, vol. 3, R. Taylor, Ed., London: Richard and John E. Taylor, 1843, pp. 691–731.",
        "<div class=\"csl-left-margin\">[1]</div><div class=\"csl-right-inline\">A. A. Lovelace, “Notes by the translator,” in <i>Scientific memoirs</i>, vol. 3, R. Taylor, Ed., London: Richard and John E. Taylor, 1843, pp. 691–731.</div>",
    );
    reference(
        &f.web,
        "ieee",
        "[1] T. Berners-Lee, “Cool URIs don't change,” W3C. Accessed: Mar. 01, 2024. [Online]. Available: https://www.w3.org/Provider/Style/URI",
        "<div class=\"csl-left-margin\">[1]</div><div class=\"csl-right-inline\">T. Berners-Lee, “Cool URIs don't change,” W3C. Accessed: Mar. 01, 2024. [Online]. Available: <a href=\"https://www.w3.org/Provider/Style/URI\">https://www.w3.org/Provider/Style/URI</a></div>",
    );
    in_text(&f.article, "ieee", "[1]", "[1]");
    in_text(&f.book, "ieee", "[1]", "[1]");
    in_text(&f.section, "ieee", "[1]", "[1]");
    in_text(&f.web, "ieee", "[1]", "[1]");
}

/// MLA 9th: full given names, title case, containers in italics; the
/// in-text citation without a page is the author alone.
#[test]
fn mla() {
    let f = Fixtures::new();
    reference(
        &f.article,
        "mla",
        "Watson, J. D., and F. H. C. Crick. “Molecular Structure of Nucleic Acids: A Structure for Deoxyribose Nucleic Acid.” Nature, vol. 171, no. 4356, Apr. 1953, pp. 737–38, https://doi.org/10.1038/171737a0.",
        "Watson, J. D., and F. H. C. Crick. “Molecular Structure of Nucleic Acids: A Structure for Deoxyribose Nucleic Acid.” <i>Nature</i>, vol. 171, no. 4356, Apr. 1953, pp. 737–38, <a href=\"https://doi.org/10.1038/171737a0\">https://doi.org/10.1038/171737a0</a>.",
    );
    reference(
        &f.book,
        "mla",
        "Darwin, Charles. On the Origin of Species by Means of Natural Selection. John Murray, 1859.",
        "Darwin, Charles. <i>On the Origin of Species by Means of Natural Selection</i>. John Murray, 1859.",
    );
    reference(
        &f.section,
        "mla",
        "Lovelace, Augusta Ada. “Notes by the Translator.” Scientific Memoirs, edited by Richard Taylor, vol. 3, Richard and John E. Taylor, 1843, pp. 691–731.",
        "Lovelace, Augusta Ada. “Notes by the Translator.” <i>Scientific Memoirs</i>, edited by Richard Taylor, vol. 3, Richard and John E. Taylor, 1843, pp. 691–731.",
    );
    reference(
        &f.web,
        "mla",
        "Berners-Lee, Tim. “Cool URIs Don't Change.” W3C, 1998, https://www.w3.org/Provider/Style/URI.",
        "Berners-Lee, Tim. “Cool URIs Don't Change.” <i>W3C</i>, 1998, <a href=\"https://www.w3.org/Provider/Style/URI\">https://www.w3.org/Provider/Style/URI</a>.",
    );
    in_text(
        &f.article,
        "mla",
        "(Watson and Crick)",
        "(Watson and Crick)",
    );
    in_text(&f.book, "mla", "(Darwin)", "(Darwin)");
    in_text(&f.section, "mla", "(Lovelace)", "(Lovelace)");
    in_text(&f.web, "mla", "(Berners-Lee)", "(Berners-Lee)");
}

/// NLM/Vancouver (Citing Medicine): no punctuation in initials, journal
/// not italicised, "p." before a chapter's pages. The style gives a chapter's
/// volume only for books without a container title, and cites a page of a
/// website as a part of the site's homepage ("W3C [Internet] … Cool URIs
/// don't change").
#[test]
fn vancouver() {
    let f = Fixtures::new();
    reference(
        &f.article,
        "vancouver",
        "1. Watson JD, Crick FHC. Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid. Nature. 1953 Apr 25;171(4356):737–8. doi:10.1038/171737a0",
        "<div class=\"csl-left-margin\">1.</div><div class=\"csl-right-inline\">Watson JD, Crick FHC. Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid. Nature. 1953 Apr 25;171(4356):737–8. doi:<a href=\"https://doi.org/10.1038/171737a0\">10.1038/171737a0</a></div>",
    );
    reference(
        &f.book,
        "vancouver",
        "1. Darwin C. On the origin of species by means of natural selection. London: John Murray; 1859.",
        "<div class=\"csl-left-margin\">1.</div><div class=\"csl-right-inline\">Darwin C. On the origin of species by means of natural selection. London: John Murray; 1859.</div>",
    );
    reference(
        &f.section,
        "vancouver",
        "1. Lovelace AA. Notes by the translator. In: Taylor R, editor. Scientific memoirs. London: Richard and John E. Taylor; 1843. p. 691–731.",
        "<div class=\"csl-left-margin\">1.</div><div class=\"csl-right-inline\">Lovelace AA. Notes by the translator. In: Taylor R, editor. Scientific memoirs. London: Richard and John E. Taylor; 1843. p. 691–731.</div>",
    );
    reference(
        &f.web,
        "vancouver",
        "1. Berners-Lee T. W3C [Internet]. 1998 [cited 2024 Mar 1]. Cool URIs don't change. Available from: https://www.w3.org/Provider/Style/URI",
        "<div class=\"csl-left-margin\">1.</div><div class=\"csl-right-inline\">Berners-Lee T. W3C [Internet]. 1998 [cited 2024 Mar 1]. Cool URIs don't change. Available from: <a href=\"https://www.w3.org/Provider/Style/URI\">https://www.w3.org/Provider/Style/URI</a></div>",
    );
    in_text(&f.article, "vancouver", "(1)", "(1)");
    in_text(&f.book, "vancouver", "(1)", "(1)");
    in_text(&f.section, "vancouver", "(1)", "(1)");
    in_text(&f.web, "vancouver", "(1)", "(1)");
}

/// Harvard (Cite Them Right, British English): single quotes for parts,
/// "Available at" and "(Accessed: 1 March 2024)"; the style adds the site
/// name after a web page's title.
#[test]
fn harvard() {
    let f = Fixtures::new();
    reference(
        &f.article,
        "harvard",
        "Watson, J.D. and Crick, F.H.C. (1953) ‘Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid’, Nature, 171(4356), pp. 737–738. Available at: https://doi.org/10.1038/171737a0.",
        "Watson, J.D. and Crick, F.H.C. (1953) ‘Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid’, <i>Nature</i>, 171(4356), pp. 737–738. Available at: <a href=\"https://doi.org/10.1038/171737a0\">https://doi.org/10.1038/171737a0</a>.",
    );
    reference(
        &f.book,
        "harvard",
        "Darwin, C. (1859) On the origin of species by means of natural selection. London: John Murray.",
        "Darwin, C. (1859) <i>On the origin of species by means of natural selection</i>. London: John Murray.",
    );
    reference(
        &f.section,
        "harvard",
        "Lovelace, A.A. (1843) ‘Notes by the translator’, in R. Taylor (ed.) Scientific memoirs. London: Richard and John E. Taylor, pp. 691–731.",
        "Lovelace, A.A. (1843) ‘Notes by the translator’, in R. Taylor (ed.) <i>Scientific memoirs</i>. London: Richard and John E. Taylor, pp. 691–731.",
    );
    reference(
        &f.web,
        "harvard",
        "Berners-Lee, T. (1998) Cool URIs don't change, W3C. Available at: https://www.w3.org/Provider/Style/URI (Accessed: 1 March 2024).",
        "Berners-Lee, T. (1998) <i>Cool URIs don't change</i>, <i>W3C</i>. Available at: <a href=\"https://www.w3.org/Provider/Style/URI\">https://www.w3.org/Provider/Style/URI</a> (Accessed: 1 March 2024).",
    );
    in_text(
        &f.article,
        "harvard",
        "(Watson and Crick, 1953)",
        "(Watson and Crick, 1953)",
    );
    in_text(&f.book, "harvard", "(Darwin, 1859)", "(Darwin, 1859)");
    in_text(
        &f.section,
        "harvard",
        "(Lovelace, 1843)",
        "(Lovelace, 1843)",
    );
    in_text(
        &f.web,
        "harvard",
        "(Berners-Lee, 1998)",
        "(Berners-Lee, 1998)",
    );
}

/// Nature: numbered, bold volume (the comma outside the bold), superscript
/// citation numbers in HTML.
#[test]
fn nature() {
    let f = Fixtures::new();
    reference(
        &f.article,
        "nature",
        "1. Watson, J. D. & Crick, F. H. C. Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid. Nature 171, 737–738 (1953).",
        "<div class=\"csl-left-margin\">1.</div><div class=\"csl-right-inline\">Watson, J. D. &amp; Crick, F. H. C. Molecular structure of nucleic acids: A structure for deoxyribose nucleic acid. <i>Nature</i> <b>171</b>, 737–738 (1953).</div>",
    );
    reference(
        &f.book,
        "nature",
        "1. Darwin, C. On the Origin of Species by Means of Natural Selection. (John Murray, London, 1859).",
        "<div class=\"csl-left-margin\">1.</div><div class=\"csl-right-inline\">Darwin, C. <i>On the Origin of Species by Means of Natural Selection</i>. (John Murray, London, 1859).</div>",
    );
    reference(
        &f.section,
        "nature",
        "1. Lovelace, A. A. Notes by the translator. in Scientific memoirs (ed. Taylor, R.) vol. 3 691–731 (Richard and John E. Taylor, London, 1843).",
        "<div class=\"csl-left-margin\">1.</div><div class=\"csl-right-inline\">Lovelace, A. A. Notes by the translator. in <i>Scientific memoirs</i> (ed. Taylor, R.) vol. 3 691–731 (Richard and John E. Taylor, London, 1843).</div>",
    );
    reference(
        &f.web,
        "nature",
        "1. Berners-Lee, T. Cool URIs don't change. W3C https://www.w3.org/Provider/Style/URI (1998).",
        "<div class=\"csl-left-margin\">1.</div><div class=\"csl-right-inline\">Berners-Lee, T. Cool URIs don't change. <i>W3C</i> <a href=\"https://www.w3.org/Provider/Style/URI\">https://www.w3.org/Provider/Style/URI</a> (1998).</div>",
    );
    in_text(&f.article, "nature", "1", "<sup>1</sup>");
    in_text(&f.book, "nature", "1", "<sup>1</sup>");
    in_text(&f.section, "nature", "1", "<sup>1</sup>");
    in_text(&f.web, "nature", "1", "<sup>1</sup>");
}

#[test]
fn citation_clusters_cite_items_together() {
    let f = Fixtures::new();
    let pair = [f.book.clone(), f.section.clone()];
    let cluster = |style: &str, format| cite::citation(&pair, style, format, None).expect(style);
    assert_eq!(
        cluster("apa", CiteFormat::Text),
        "(Darwin, 1859; Lovelace, 1843)"
    );
    assert_eq!(
        cluster("chicago-author-date", CiteFormat::Text),
        "(Darwin 1859; Lovelace 1843)"
    );
    assert_eq!(cluster("mla", CiteFormat::Text), "(Darwin; Lovelace)");
    // Cite Them Right orders the works in a citation by year.
    assert_eq!(
        cluster("harvard", CiteFormat::Text),
        "(Lovelace, 1843; Darwin, 1859)"
    );
    assert_eq!(cluster("ieee", CiteFormat::Text), "[1], [2]");
    assert_eq!(cluster("vancouver", CiteFormat::Text), "(1,2)");
    assert_eq!(cluster("nature", CiteFormat::Text), "1,2");
    assert_eq!(cluster("nature", CiteFormat::Html), "<sup>1,2</sup>");

    // Three consecutive numbers collapse into a range in Vancouver.
    let three = [f.article.clone(), f.book.clone(), f.section.clone()];
    assert_eq!(
        cite::citation(&three, "vancouver", CiteFormat::Text, None).expect("vancouver"),
        "(1–3)"
    );
}

#[test]
fn bibliography_orders_entries_as_the_style_does() {
    let f = Fixtures::new();
    let all = [
        f.article.clone(),
        f.book.clone(),
        f.section.clone(),
        f.web.clone(),
    ];
    // Author-date styles sort by author; numbered styles keep citation order.
    let apa = cite::bibliography(&all, "apa", CiteFormat::Text, None).expect("apa");
    let firsts: Vec<&str> = apa
        .lines()
        .map(|l| l.split(',').next().unwrap_or(""))
        .collect();
    assert_eq!(firsts, ["Berners-Lee", "Darwin", "Lovelace", "Watson"]);

    let ieee = cite::bibliography(&all, "ieee", CiteFormat::Text, None).expect("ieee");
    let lines: Vec<&str> = ieee.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("[1] J. D. Watson and F. H. C. Crick,"));
    assert!(lines[1].starts_with("[2] C. Darwin,"));
    assert!(lines[2].starts_with("[3] A. A. Lovelace,"));
    assert!(lines[3].starts_with("[4] T. Berners-Lee,"));

    let html = cite::bibliography(&all, "apa", CiteFormat::Html, None).expect("html");
    assert_eq!(html.matches("<div class=\"csl-entry\">").count(), 4);
    assert!(html.starts_with("<div class=\"csl-bib-body\">\n"));
    assert!(html.ends_with("\n</div>"));
}

#[test]
fn html_escapes_text_and_plain_text_has_no_markup() {
    let article = item(
        "journalArticle",
        &[
            ("title", "Cats & dogs: <Canis> in \"homes\""),
            ("publicationTitle", "Pets & People"),
            ("volume", "2"),
            ("date", "2020"),
            ("url", "https://example.org/a?x=1&y=2"),
        ],
        vec![Creator::person("author", "Ann", "O'Neil")],
    );
    let items = std::slice::from_ref(&article);
    let html = cite::bibliography(items, "apa", CiteFormat::Html, None).expect("html");
    assert_eq!(
        html,
        "<div class=\"csl-bib-body\">\n  <div class=\"csl-entry\">O'Neil, A. (2020). \
         Cats &amp; dogs: &lt;Canis&gt; in \"homes\". <i>Pets &amp; People</i>, <i>2</i>. \
         <a href=\"https://example.org/a?x=1&amp;y=2\">https://example.org/a?x=1&amp;y=2</a>\
         </div>\n</div>"
    );
    let text = cite::bibliography(items, "apa", CiteFormat::Text, None).expect("text");
    assert_eq!(
        text,
        "O'Neil, A. (2020). Cats & dogs: <Canis> in \"homes\". Pets & People, 2. \
         https://example.org/a?x=1&y=2"
    );
}

#[test]
fn title_case_keeps_acronyms_and_marked_words() {
    let article = item(
        "journalArticle",
        &[
            (
                "title",
                "iPhone apps for DNA analysis in <span class=\"nocase\">von</span> Neumann machines",
            ),
            ("publicationTitle", "PLOS ONE"),
            ("date", "2015"),
        ],
        vec![Creator::person("author", "Ann", "Smith")],
    );
    let text = cite::bibliography(
        std::slice::from_ref(&article),
        "chicago-author-date",
        CiteFormat::Text,
        None,
    )
    .expect("chicago");
    assert_eq!(
        text,
        "Smith, Ann. 2015. “iPhone Apps for DNA Analysis in von Neumann Machines.” PLOS ONE."
    );

    // A title typed entirely in capitals stays as typed.
    let shouting = item(
        "journalArticle",
        &[
            ("title", "A STUDY OF THE EFFECTS OF SLEEP"),
            ("publicationTitle", "Sleep"),
            ("date", "2015"),
        ],
        vec![Creator::person("author", "Ann", "Smith")],
    );
    let text = cite::bibliography(
        std::slice::from_ref(&shouting),
        "chicago-author-date",
        CiteFormat::Text,
        None,
    )
    .expect("chicago");
    assert_eq!(
        text,
        "Smith, Ann. 2015. “A STUDY OF THE EFFECTS OF SLEEP.” Sleep."
    );
}

#[test]
fn creators_by_role_and_institutions() {
    let report = item(
        "report",
        &[
            ("title", "World health statistics 2023"),
            ("institution", "World Health Organization"),
            ("place", "Geneva"),
            ("date", "2023"),
            ("reportNumber", "WHO/2023/1"),
        ],
        vec![Creator::single("author", "World Health Organization")],
    );
    let items = std::slice::from_ref(&report);
    // A single-field name is an institution: never inverted or abbreviated.
    assert_eq!(
        cite::citation(items, "apa", CiteFormat::Text, None).expect("apa"),
        "(World Health Organization, 2023)"
    );
    assert_eq!(
        cite::citation(items, "chicago-author-date", CiteFormat::Text, None).expect("chicago"),
        "(World Health Organization 2023)"
    );

    let mut translated = Fixtures::new().book;
    translated
        .creators
        .push(Creator::person("translator", "Jane", "Doe"));
    translated
        .creators
        .insert(0, Creator::person("author", "Ludwig", "van Beethoven"));
    let text = cite::bibliography(
        std::slice::from_ref(&translated),
        "apa",
        CiteFormat::Text,
        None,
    )
    .expect("apa");
    assert_eq!(
        text,
        "van Beethoven, L., & Darwin, C. (1859). On the origin of species by means of natural \
         selection (J. Doe, Trans.). John Murray."
    );
}

#[test]
fn odd_data_formats_without_failing() {
    let odd = [
        // Nothing at all.
        ItemData::new("journalArticle"),
        // Creators without last names or with only particles, an unreadable
        // date, a malformed URL, page text that is no range.
        item(
            "book",
            &[
                ("title", "   "),
                ("date", "sometime in spring"),
                ("url", "not a url"),
                ("accessDate", "yesterday"),
                ("pages", "ii-xv, 3"),
                ("edition", "revised"),
                ("volume", "Suppl. 2"),
                ("numPages", "many"),
                ("language", "Klingon"),
            ],
            vec![
                Creator::person("author", "Cher", ""),
                Creator::person("author", "", ""),
                Creator::person("author", "Ludwig", "van"),
                Creator::person("editor", "Martin Luther", "King, Jr."),
                Creator::single("contributor", ""),
            ],
        ),
        item("webpage", &[("title", "Only a title")], vec![]),
        item(
            "conferencePaper",
            &[
                ("title", "T"),
                ("conferenceName", "Conf"),
                ("date", "2020-13-45"),
            ],
            vec![Creator::person("chair", "A", "B")],
        ),
    ];
    for style in cite::styles(None) {
        for item in &odd {
            let items = std::slice::from_ref(item);
            for format in [CiteFormat::Text, CiteFormat::Html] {
                cite::citation(items, &style.id, format, None)
                    .unwrap_or_else(|e| panic!("{} citation: {e}", style.id));
                if style.id != "alphanumeric" {
                    cite::bibliography(items, &style.id, format, None)
                        .unwrap_or_else(|e| panic!("{} bibliography: {e}", style.id));
                }
            }
        }
    }
    // The reader still gets the usable parts.
    let text = cite::bibliography(&odd[1..2], "apa", CiteFormat::Text, None).expect("apa");
    assert_eq!(
        text,
        "Cher, & van, L. (n.d.). (M. L. King, Jr., ed.; revised, Vol. Suppl. 2, p. ii–xv, 3)."
    );
}

#[test]
fn notes_cannot_be_cited() {
    let mut note = ItemData::new("note");
    note.set_field("note", "<p>remember this</p>");
    let err = cite::citation(&[note], "apa", CiteFormat::Text, None).expect_err("note");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(err.to_string().contains("note"), "{err}");
}

#[test]
fn unknown_style_names_it_and_points_to_the_list() {
    let f = Fixtures::new();
    let err =
        cite::citation(&[f.book], "harvard-classic", CiteFormat::Text, None).expect_err("unknown");
    assert_eq!(err.category(), ErrorCategory::InvalidInput);
    let message = err.to_string();
    assert!(message.contains("\"harvard-classic\""), "{message}");
    assert!(message.contains("shelfmark styles"), "{message}");
}

#[test]
fn styles_are_discoverable_by_name_title_and_alias() {
    let list = cite::styles(None);
    let ids: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        &ids[..7],
        [
            "apa",
            "chicago-author-date",
            "ieee",
            "mla",
            "vancouver",
            "harvard",
            "nature"
        ]
    );
    assert!(list.iter().all(|s| !s.user && !s.title.is_empty()));
    assert_eq!(list[0].title, "APA Style 7th edition");
    assert!(ids.contains(&"elsevier-harvard"));
    assert!(ids.contains(&"chicago-notes"));
    assert_eq!(
        list.len(),
        hayagriva::archive::ArchivedStyle::all().len(),
        "every bundled style, each once"
    );
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());

    // The archive's long names, CSL ids and any case reach the same style.
    let f = Fixtures::new();
    let book = std::slice::from_ref(&f.book);
    let apa = cite::citation(book, "apa", CiteFormat::Text, None).expect("apa");
    for alias in [
        "APA",
        "american-psychological-association",
        "http://www.zotero.org/styles/apa",
    ] {
        assert_eq!(
            cite::citation(book, alias, CiteFormat::Text, None).expect(alias),
            apa
        );
    }
}

const USER_STYLE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info>
    <title>Angle Brackets</title>
    <id>http://example.org/styles/angle-brackets</id>
    <updated>2024-01-01T00:00:00+00:00</updated>
  </info>
  <citation>
    <layout prefix="&lt;" suffix="&gt;" delimiter=" | ">
      <group delimiter=" ">
        <names variable="author"><name form="short"/></names>
        <date variable="issued"><date-part name="year"/></date>
      </group>
    </layout>
  </citation>
  <bibliography>
    <layout suffix=".">
      <group delimiter=": ">
        <names variable="author"><name name-as-sort-order="all" initialize-with="."/></names>
        <text variable="title" font-style="italic"/>
      </group>
    </layout>
  </bibliography>
</style>
"#;

fn write(dir: &Path, name: &str, content: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write style");
    path
}

#[test]
fn user_styles_are_added_listed_and_used() {
    let downloads = tempfile::tempdir().expect("tempdir");
    let library_styles = tempfile::tempdir().expect("tempdir");
    let user_dir = library_styles.path().join("styles");
    let file = write(downloads.path(), "angle-brackets.csl", USER_STYLE);

    let added = cite::add_user_style(&user_dir, &file).expect("add");
    assert_eq!(added.id, "angle-brackets");
    assert_eq!(added.title, "Angle Brackets");
    assert!(added.user);
    assert!(user_dir.join("angle-brackets.csl").is_file());

    let list = cite::styles(Some(&user_dir));
    assert_eq!(list.last(), Some(&added));
    assert_eq!(list.iter().filter(|s| s.user).count(), 1);

    let f = Fixtures::new();
    let pair = [f.book.clone(), f.section.clone()];
    assert_eq!(
        cite::citation(&pair, "angle-brackets", CiteFormat::Text, Some(&user_dir))
            .expect("citation"),
        "<Darwin 1859 | Lovelace 1843>"
    );
    assert_eq!(
        cite::citation(&pair, "angle-brackets", CiteFormat::Html, Some(&user_dir))
            .expect("citation"),
        "&lt;Darwin 1859 | Lovelace 1843&gt;"
    );
    assert_eq!(
        cite::bibliography(&pair, "angle-brackets", CiteFormat::Html, Some(&user_dir))
            .expect("bibliography"),
        "<div class=\"csl-bib-body\">\n  \
         <div class=\"csl-entry\">Darwin, C.: <i>On the origin of species by means of natural selection</i>.</div>\n  \
         <div class=\"csl-entry\">Lovelace, A.A.: <i>Notes by the translator</i>.</div>\n</div>"
    );
    // Without the folder the style is unknown.
    assert!(cite::citation(&pair, "angle-brackets", CiteFormat::Text, None).is_err());
}

#[test]
fn a_dependent_user_style_formats_as_its_parent() {
    let downloads = tempfile::tempdir().expect("tempdir");
    let user_dir = tempfile::tempdir().expect("tempdir");
    let dependent = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" default-locale="en-GB">
  <info>
    <title>Journal of Examples</title>
    <id>http://example.org/styles/journal-of-examples</id>
    <link href="http://www.zotero.org/styles/apa" rel="independent-parent"/>
    <updated>2024-01-01T00:00:00+00:00</updated>
  </info>
</style>
"#;
    let file = write(downloads.path(), "journal-of-examples.csl", dependent);
    let added = cite::add_user_style(user_dir.path(), &file).expect("add");
    assert_eq!(added.title, "Journal of Examples");
    let f = Fixtures::new();
    let book = std::slice::from_ref(&f.book);
    assert_eq!(
        cite::citation(
            book,
            "journal-of-examples",
            CiteFormat::Text,
            Some(user_dir.path())
        )
        .expect("citation"),
        "(Darwin, 1859)"
    );

    let orphan = dependent.replace(
        "http://www.zotero.org/styles/apa",
        "http://www.zotero.org/styles/no-such-parent",
    );
    let file = write(downloads.path(), "orphan.csl", &orphan);
    let err = cite::add_user_style(user_dir.path(), &file).expect_err("orphan");
    assert!(err.to_string().contains("no-such-parent"), "{err}");
    assert!(!user_dir.path().join("orphan.csl").exists());
}

#[test]
fn a_broken_style_is_refused_and_nothing_is_copied() {
    let downloads = tempfile::tempdir().expect("tempdir");
    let user_dir = tempfile::tempdir().expect("tempdir");

    let truncated = &USER_STYLE[..USER_STYLE.len() / 2];
    let file = write(downloads.path(), "broken.csl", truncated);
    let err = cite::add_user_style(user_dir.path(), &file).expect_err("broken xml");
    assert_eq!(err.category(), ErrorCategory::InvalidInput);
    let message = err.to_string();
    assert!(message.contains("broken.csl"), "{message}");
    assert!(message.contains("not a usable CSL style"), "{message}");

    // Well-formed XML that is no style: a bibliography without a citation.
    let no_citation = USER_STYLE.replace(
        &USER_STYLE[USER_STYLE.find("<citation>").expect("citation")
            ..USER_STYLE.find("<bibliography>").expect("bibliography")],
        "",
    );
    let file = write(downloads.path(), "no-citation.csl", &no_citation);
    cite::add_user_style(user_dir.path(), &file).expect_err("no citation");

    // A style may not take the name of a bundled one.
    let file = write(downloads.path(), "apa.csl", USER_STYLE);
    let err = cite::add_user_style(user_dir.path(), &file).expect_err("taken name");
    assert!(err.to_string().contains("\"apa\""), "{err}");

    let left: Vec<_> = std::fs::read_dir(user_dir.path())
        .expect("read dir")
        .collect();
    assert!(left.is_empty(), "nothing copied: {left:?}");
    assert!(cite::styles(Some(user_dir.path())).iter().all(|s| !s.user));
}

#[test]
fn library_cites_items_by_key() {
    let library = new_library();
    let f = Fixtures::new();
    let article = library.create_item(f.article).expect("article");
    let book = library.create_item(f.book).expect("book");
    let keys = [article.key.as_str(), book.key.as_str()];

    assert_eq!(
        library
            .cite(&keys, "apa", CiteFormat::Text, false, None)
            .expect("citation"),
        "(Darwin, 1859; Watson & Crick, 1953)"
    );
    assert_eq!(
        library
            .cite(&keys, "ieee", CiteFormat::Text, true, None)
            .expect("bibliography"),
        "[1] J. D. Watson and F. H. C. Crick, “Molecular structure of nucleic acids: A \
         structure for deoxyribose nucleic acid,” Nature, vol. 171, no. 4356, pp. 737–738, \
         Apr. 1953, doi: 10.1038/171737a0.\n\
         [2] C. Darwin, On the origin of species by means of natural selection. London: John \
         Murray, 1859."
    );

    let err = library
        .cite(&["ZZZZZZZZ"], "apa", CiteFormat::Text, false, None)
        .expect_err("missing");
    assert_eq!(err.category(), ErrorCategory::NotFound);
}

#[test]
fn item_types_take_their_style_forms() {
    let apa = |item: &ItemData| {
        cite::bibliography(std::slice::from_ref(item), "apa", CiteFormat::Text, None).expect("apa")
    };
    // A director is named as such; the en-US locale calls a motion picture
    // a "video recording".
    let film = item(
        "film",
        &[
            ("title", "Casablanca"),
            ("distributor", "Warner Bros."),
            ("date", "1942"),
        ],
        vec![Creator::person("director", "Michael", "Curtiz")],
    );
    assert_eq!(
        apa(&film),
        "Curtiz, M. (Director). (1942). Casablanca [Video recording]. Warner Bros."
    );
    let thesis = item(
        "thesis",
        &[
            ("title", "Self-organizing maps"),
            ("thesisType", "Doctoral dissertation"),
            ("university", "Helsinki University of Technology"),
            ("date", "1985"),
        ],
        vec![Creator::person("author", "Teuvo", "Kohonen")],
    );
    assert_eq!(
        apa(&thesis),
        "Kohonen, T. (1985). Self-organizing maps [Doctoral dissertation]. Helsinki University \
         of Technology."
    );
    // Newspapers are dated to the day.
    let news = item(
        "newspaperArticle",
        &[
            ("title", "Men walk on moon"),
            ("publicationTitle", "The New York Times"),
            ("date", "1969-07-21"),
            ("pages", "1"),
        ],
        vec![Creator::person("author", "John Noble", "Wilford")],
    );
    assert_eq!(
        apa(&news),
        "Wilford, J. N. (1969, July 21). Men walk on moon. The New York Times, 1."
    );
    let report = item(
        "report",
        &[
            ("title", "Climate change 2021"),
            ("institution", "IPCC"),
            ("reportNumber", "AR6"),
            ("date", "2021"),
        ],
        vec![Creator::single(
            "author",
            "Intergovernmental Panel on Climate Change",
        )],
    );
    assert_eq!(
        apa(&report),
        "Intergovernmental Panel on Climate Change. (2021). Climate change 2021 (No. AR6). IPCC."
    );
    let dataset = item(
        "dataset",
        &[
            ("title", "Global temperature"),
            ("repository", "Zenodo"),
            ("DOI", "10.5281/zenodo.1"),
            ("date", "2020"),
        ],
        vec![Creator::person("author", "Ann", "Smith")],
    );
    assert_eq!(
        apa(&dataset),
        "Smith, A. (2020). Global temperature. Zenodo. https://doi.org/10.5281/zenodo.1"
    );

    // A chapter's series belongs to its book.
    let chapter = item(
        "bookSection",
        &[
            ("title", "Fast sorting"),
            ("bookTitle", "Algorithms"),
            ("series", "Lecture Notes in Computer Science"),
            ("seriesNumber", "1234"),
            ("publisher", "Springer"),
            ("date", "2000"),
            ("pages", "1-10"),
        ],
        vec![
            Creator::person("author", "Ann", "Smith"),
            Creator::person("editor", "Carl", "Jones"),
        ],
    );
    assert_eq!(
        cite::bibliography(
            std::slice::from_ref(&chapter),
            "chicago-author-date",
            CiteFormat::Text,
            None
        )
        .expect("chicago"),
        "Smith, Ann. 2000. “Fast Sorting.” In Algorithms, edited by Carl Jones. Lecture Notes \
         in Computer Science 1234. Springer."
    );
}
