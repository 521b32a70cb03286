//! Notes shown as text. A note is HTML written by the clients' editors; the
//! pages show its text with paragraphs and line breaks kept and formatting
//! dropped. Markup of any other kind (images, scripts, frames…) is shown as
//! the text it is, never as markup: the result is escaped like every other
//! value.

/// Tags that end a line.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "pre",
    "hr",
];

/// Formatting tags whose text is kept without them.
const INLINE_TAGS: &[&str] = &[
    "a", "b", "i", "em", "strong", "u", "s", "sub", "sup", "span", "code", "font", "mark",
    "strike", "td", "th", "tbody", "thead", "html", "body",
];

/// The text of a note's HTML.
pub fn note_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..open]));
        let tail = &rest[open..];
        let Some(close) = tail.find('>') else {
            out.push_str(&decode_entities(tail));
            rest = "";
            break;
        };
        let tag = &tail[1..close];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with('/');
        if BLOCK_TAGS.contains(&name.as_str()) {
            // A block ends a line where it closes (and at `<br>`, `<hr>`);
            // a list item starts with a bullet on a line of its own.
            if name == "li" && !closing {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("• ");
            } else if closing || matches!(name.as_str(), "br" | "hr") {
                out.push('\n');
            }
        } else if !INLINE_TAGS.contains(&name.as_str()) {
            // Not formatting: shown as written.
            out.push_str(&tail[..=close]);
        }
        rest = &tail[close + 1..];
    }
    out.push_str(&decode_entities(rest));
    tidy_lines(&out)
}

/// At most one empty line in a row, none at the start or end.
fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// Replaces character references (`&amp;`, `&#39;`, `&#x27;`…) by their characters.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let decoded = tail.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &tail[1..end];
            let ch = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name.strip_prefix('#').and_then(|num| {
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            ch.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_breaks_become_lines_and_formatting_goes() {
        assert_eq!(
            note_text("<p>First <b>bold</b> line</p><p>Second<br>third &amp; more</p>"),
            "First bold line\nSecond\nthird & more"
        );
        assert_eq!(note_text("<ul><li>a</li><li>b</li></ul>"), "• a\n• b");
    }

    #[test]
    fn other_markup_is_kept_as_text() {
        assert_eq!(
            note_text("\"><img src=x onerror=alert(1)>"),
            "\"><img src=x onerror=alert(1)>"
        );
        assert_eq!(
            note_text("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
            "<script>alert(1)</script>"
        );
        assert_eq!(
            note_text("<script>alert(1)</script>"),
            "<script>alert(1)</script>"
        );
        assert_eq!(note_text("a < b"), "a < b");
        assert_eq!(note_text("fish &chips; &#x41;&#66;"), "fish &chips; AB");
    }
}
