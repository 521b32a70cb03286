//! Text helpers: folding for sorting and matching, plain text out of note
//! HTML and back, and what the formats share (line endings and byte order
//! marks, dates, pages and identifiers).

use std::borrow::Cow;

use shelfmark_protocol::dates::parse_date;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Drops a leading UTF-8 byte order mark.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Without a byte order mark and with `\n` line ends only (`\r\n` and a lone
/// `\r` each become one `\n`, so line numbers are kept).
pub(crate) fn normalize(text: &str) -> Cow<'_, str> {
    let text = strip_bom(text);
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether text already is HTML markup rather than plain text.
fn looks_like_html(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('<')
        && ["</p>", "<br", "</div>", "</b>", "</i>", "</span>", "</h"]
            .iter()
            .any(|m| t.contains(m))
}

/// Escapes text for HTML element content.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// A note's HTML from plain text: one paragraph per line. HTML is kept as is.
pub fn note_html(text: &str) -> String {
    if looks_like_html(text) {
        return text.trim().to_owned();
    }
    text.trim()
        .lines()
        .map(|l| format!("<p>{}</p>", escape_html(l.trim_end())))
        .collect()
}

/// Plain text of a note: paragraphs and line breaks become lines, tags go,
/// entities are decoded.
pub fn note_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            text.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let closing = tag.starts_with('/');
        let block = matches!(
            name,
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "blockquote" | "pre"
        );
        if name == "br" || (closing && block) {
            text.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    let decoded = decode_entities(&text);
    decoded
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// Decodes HTML entities (named, decimal and hexadecimal); unknown ones stay.
pub(crate) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .char_indices()
            .take(32)
            .find(|&(_, c)| c == ';' || c == '&' || c.is_whitespace())
            .filter(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| decode_entity(&after[..end]).map(|d| (d, end)));
        match decoded {
            Some((d, end)) => {
                out.push_str(&d);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    quick_xml::escape::resolve_html5_entity(name).map(str::to_owned)
}

/// A date as a format writes it apart (`2020/05/17/`, `%D 2020` + `%8 May 17`)
/// joined into the `date` field: the free text when it names the year itself,
/// else an ISO date when month and day are known, else the year.
pub(crate) fn join_date(year: Option<&str>, rest: Option<&str>) -> Option<String> {
    let year = year.map(str::trim).filter(|y| !y.is_empty());
    let rest = rest.map(str::trim).filter(|r| !r.is_empty());
    match (year, rest) {
        (None, None) => None,
        (Some(y), None) => Some(y.to_owned()),
        (None, Some(r)) => Some(r.to_owned()),
        (Some(y), Some(r)) => {
            let parsed_rest = parse_date(r);
            if parsed_rest.year.is_some() {
                return Some(r.to_owned());
            }
            let combined = format!("{r} {y}");
            let parsed = parse_date(&combined);
            if parsed.month.is_some() {
                parsed.iso()
            } else {
                Some(combined)
            }
        }
    }
}

/// The year of a date, and the full text when it says more than the year.
pub(crate) fn split_date(date: &str) -> (Option<String>, Option<String>) {
    let parsed = parse_date(date);
    let year = parsed.year.map(|y| format!("{y:04}"));
    let more = match &year {
        Some(y) if date.trim() == y => None,
        _ => Some(date.trim().to_owned()),
    };
    (year, more)
}

/// Pages with a plain hyphen between numbers (LaTeX `--` and en dashes read
/// from files become `-`).
pub(crate) fn clean_pages(pages: &str) -> String {
    pages.replace(['–', '—'], "-").replace("--", "-")
}

/// A DOI without the resolver prefix or `doi:` label.
pub(crate) fn clean_doi(doi: &str) -> String {
    let d = doi.trim();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
        "DOI:",
        "doi: ",
        "DOI ",
    ] {
        if let Some(rest) = d.strip_prefix(prefix) {
            return rest.trim().to_owned();
        }
    }
    d.to_owned()
}

/// Which standard number a value is by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StandardNumber {
    Issn,
    Isbn,
    Unknown,
}

/// ISSN `1234-567X`, ISBN 10 or 13 digits (with hyphens or spaces).
pub(crate) fn classify_standard_number(value: &str) -> StandardNumber {
    let first = value.split([';', ',']).next().unwrap_or("").trim();
    let first = first.split(" (").next().unwrap_or(first).trim();
    let compact: String = first
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect::<String>()
        .to_ascii_uppercase();
    let body_digits = |s: &str| {
        let (body, last) = s.split_at(s.len().saturating_sub(1));
        body.bytes().all(|b| b.is_ascii_digit())
            && last.bytes().all(|b| b.is_ascii_digit() || b == b'X')
    };
    let b = first.as_bytes();
    if compact.len() == 8
        && body_digits(&compact)
        && (b.len() == 8 || (b.len() == 9 && b[4] == b'-'))
    {
        StandardNumber::Issn
    } else if (compact.len() == 10 && body_digits(&compact))
        || (compact.len() == 13 && compact.bytes().all(|b| b.is_ascii_digit()))
    {
        StandardNumber::Isbn
    } else {
        StandardNumber::Unknown
    }
}

/// `Key: value` split of an `extra` line, where the key is one word-like
/// label without spaces at the ends.
pub(crate) fn split_extra_line(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim();
    if key.is_empty() || key.len() > 40 || key.contains(['/', '\t']) || value.starts_with("//") {
        return None;
    }
    Some((key, value.trim()))
}

/// A file name from a path or `file://` URL, for an attachment's title.
pub(crate) fn file_name(path: &str) -> String {
    let trimmed = path.trim_end_matches(['/', '\\']);
    trimmed
        .rsplit(['/', '\\'])
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or(trimmed)
        .to_owned()
}

/// A path from a `file://` URL (percent escapes decoded); other text as is.
pub(crate) fn path_from_file_url(value: &str) -> String {
    let Some(rest) = value.strip_prefix("file://") else {
        return value.to_owned();
    };
    // `file:///C:/x` is a Windows path; `file:///home/x` a Unix one.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let path = match rest.as_bytes() {
        [b'/', d, b':', ..] if d.is_ascii_alphabetic() => &rest[1..],
        _ => rest,
    };
    percent_decode(path)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A MIME type guessed from a file name's extension.
pub(crate) fn content_type_for(path: &str) -> Option<&'static str> {
    let ext = path.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "pdf" => "application/pdf",
        "epub" => "application/epub+zip",
        "html" | "htm" => "text/html",
        "txt" => "text/plain",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        _ => return None,
    })
}

/// Lower-case, without diacritics, without leading punctuation or markup:
/// the form lists sort by ("Élan" sorts with "elan", "\"The\"" with "the").
pub fn fold(s: &str) -> String {
    let plain = without_tags(s);
    // Most text is ASCII, which has no decomposition or diacritics: its
    // lower case is all that changes, byte for byte.
    if plain.is_ascii() {
        let mut folded = trim_for_sorting(&plain).to_owned();
        folded.make_ascii_lowercase();
        return folded;
    }
    fold_decomposed(&plain)
}

/// [`fold`] of text without markup, through its Unicode decomposition.
fn fold_decomposed(plain: &str) -> String {
    let folded: String = plain
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    trim_for_sorting(&folded).to_owned()
}

/// Without leading punctuation or trailing spaces.
fn trim_for_sorting(s: &str) -> &str {
    s.trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim_end()
}

/// Removes HTML/XML tags (`<i>`, `<sup>`) and decodes the common entities.
pub fn strip_tags(s: &str) -> String {
    without_tags(s).into_owned()
}

/// [`strip_tags`], borrowing text that has no markup.
fn without_tags(s: &str) -> Cow<'_, str> {
    if !s.contains(['<', '&']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    Cow::Owned(collapse_spaces(&decoded))
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A note's title: the first line of its text, as Zotero shows it.
pub fn note_title(html: &str) -> String {
    // Block ends become line breaks before the tags go.
    let with_breaks = html
        .replace("</p>", "\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("</h1>", "\n")
        .replace("</h2>", "\n")
        .replace("</h3>", "\n")
        .replace("</div>", "\n");
    with_breaks
        .lines()
        .map(strip_tags)
        .find(|l| !l.trim().is_empty())
        .map(|l| l.chars().take(120).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_for_sorting() {
        assert_eq!(fold("Élan Vital"), "elan vital");
        assert_eq!(fold("\"Quoted\" title"), "quoted\" title");
        assert_eq!(fold("<i>Homo sapiens</i> genomes"), "homo sapiens genomes");
        assert_eq!(fold("Müller"), "muller");
    }

    #[test]
    fn ascii_text_folds_as_any_other_text_does() {
        for text in [
            "",
            "  ",
            "Plain Title",
            "\"THE\" End  ",
            "-- 42 Ways\tTo\nGo --",
            "A <b>Bold</b> &amp; Brave Move",
            "\u{1}Control\u{7f} chars",
            "MiXeD cAsE 2010",
        ] {
            let general = fold_decomposed(&strip_tags(text));
            assert_eq!(fold(text), general, "folding {text:?}");
        }
    }

    #[test]
    fn note_titles() {
        assert_eq!(note_title("<p>First line</p><p>second</p>"), "First line");
        assert_eq!(
            note_title("<h1>Heading &amp; more</h1>text"),
            "Heading & more"
        );
        assert_eq!(note_title(""), "");
    }

    #[test]
    fn normalizes_line_ends_and_bom() {
        assert_eq!(normalize("\u{feff}a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(normalize("plain"), "plain");
    }

    #[test]
    fn notes_round_trip_through_text() {
        let html = note_html("First & second\nThird <line>");
        assert_eq!(html, "<p>First &amp; second</p><p>Third &lt;line&gt;</p>");
        assert_eq!(note_text(&html), "First & second\nThird <line>");
        assert_eq!(note_text("<div><p>a<br/>b</p></div>"), "a\nb");
        assert_eq!(note_html("<p>kept</p>"), "<p>kept</p>");
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("caf&eacute; &#233; &#xE9; &amp; &bogus; a&b"),
            "café é é & &bogus; a&b"
        );
    }

    #[test]
    fn dates_join_and_split() {
        assert_eq!(
            join_date(Some("2020"), Some("May 17")).as_deref(),
            Some("2020-05-17")
        );
        assert_eq!(
            join_date(Some("2020"), Some("Spring")).as_deref(),
            Some("Spring 2020")
        );
        assert_eq!(
            join_date(Some("2020"), Some("2020-05-17")).as_deref(),
            Some("2020-05-17")
        );
        assert_eq!(join_date(None, None), None);
        assert_eq!(split_date("2020"), (Some("2020".into()), None));
        assert_eq!(
            split_date("2020-05-17"),
            (Some("2020".into()), Some("2020-05-17".into()))
        );
    }

    #[test]
    fn standard_numbers() {
        assert_eq!(classify_standard_number("0028-0836"), StandardNumber::Issn);
        assert_eq!(
            classify_standard_number("1476-4687 (Electronic)"),
            StandardNumber::Issn
        );
        assert_eq!(
            classify_standard_number("978-0-19-852663-6"),
            StandardNumber::Isbn
        );
        assert_eq!(
            classify_standard_number("0-19-852663-X"),
            StandardNumber::Isbn
        );
        assert_eq!(classify_standard_number("n/a"), StandardNumber::Unknown);
    }

    #[test]
    fn file_urls_and_names() {
        assert_eq!(
            path_from_file_url("file:///C:/My%20Papers/a.pdf"),
            "C:/My Papers/a.pdf"
        );
        assert_eq!(path_from_file_url("file:///home/u/a.pdf"), "/home/u/a.pdf");
        assert_eq!(
            path_from_file_url("internal-pdf://1234/a.pdf"),
            "internal-pdf://1234/a.pdf"
        );
        assert_eq!(file_name("C:\\x\\paper.pdf"), "paper.pdf");
        assert_eq!(file_name("internal-pdf://0123/paper.pdf"), "paper.pdf");
    }
}
