//! LaTeX in BibTeX fields: what remains of markup commands after the parser
//! has resolved accents and dashes, and the escaping written on export
//! (accents as commands for 8-bit BibTeX, special characters always).

use unicode_normalization::UnicodeNormalization;

/// Markup commands kept as rich-text tags.
const MARKUP: &[(&str, &str)] = &[
    ("textit", "i"),
    ("emph", "i"),
    ("textsl", "i"),
    ("textbf", "b"),
    ("textsuperscript", "sup"),
    ("textsubscript", "sub"),
];

/// Turns the commands the BibTeX parser leaves in text into plain text:
/// `\emph{x}` → `<i>x</i>`, `\textbf{x}` → `<b>x</b>`, other `\cmd{x}` → `x`,
/// a bare `\cmd ` is dropped.
pub(crate) fn clean(text: &str) -> String {
    if !text.contains('\\') {
        return text.trim().to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('\\') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let name_len = after
            .char_indices()
            .find(|(_, c)| !c.is_ascii_alphabetic())
            .map_or(after.len(), |(i, _)| i);
        if name_len == 0 {
            // A lone backslash or an escaped symbol the parser left.
            let c = after.chars().next();
            if let Some(c) = c {
                out.push(c);
                rest = &after[c.len_utf8()..];
            } else {
                rest = "";
            }
            continue;
        }
        let name = &after[..name_len];
        let tail = &after[name_len..];
        if let Some(arg_body) = tail.strip_prefix('{')
            && let Some(end) = closing_brace(arg_body)
        {
            let arg = clean(&arg_body[..end]);
            match MARKUP.iter().find(|(cmd, _)| *cmd == name) {
                Some((_, tag)) => out.push_str(&format!("<{tag}>{arg}</{tag}>")),
                None => out.push_str(&arg),
            }
            rest = &arg_body[end + 1..];
        } else if name == "par" {
            // A paragraph break, as notes are written.
            let kept = out.trim_end().len();
            out.truncate(kept);
            out.push('\n');
            rest = tail.trim_start_matches(' ');
        } else {
            rest = tail.strip_prefix(' ').unwrap_or(tail);
        }
    }
    out.push_str(rest);
    out.trim().to_owned()
}

fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The source with dotless `\\i`/`\\j` under an accent written as plain
/// letters (`{\\'\\i}` → `{\\'i}`), which the parser cannot combine. Line
/// breaks are untouched, so line numbers stay right.
pub(crate) fn prepare_source(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("\\i") && !text.contains("\\j") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for accent in ['\'', '`', '^', '"', '~', '=', '.', 'u', 'v', 'H'] {
        for letter in ['i', 'j'] {
            for (from, to) in [
                (
                    format!("\\{accent}\\{letter}"),
                    format!("\\{accent}{{{letter}}}"),
                ),
                (
                    format!("\\{accent}{{\\{letter}}}"),
                    format!("\\{accent}{{{letter}}}"),
                ),
            ] {
                if out.contains(&from) {
                    out = out.replace(&from, &to);
                }
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// LaTeX commands for letters that do not decompose into base + accent.
const LETTERS: &[(char, &str)] = &[
    ('ß', "\\ss"),
    ('æ', "\\ae"),
    ('Æ', "\\AE"),
    ('œ', "\\oe"),
    ('Œ', "\\OE"),
    ('ø', "\\o"),
    ('Ø', "\\O"),
    ('å', "\\aa"),
    ('Å', "\\AA"),
    ('ł', "\\l"),
    ('Ł', "\\L"),
    ('ı', "\\i"),
    ('đ', "\\dj"),
    ('Đ', "\\DJ"),
    ('ð', "\\dh"),
    ('Ð', "\\DH"),
    ('þ', "\\th"),
    ('Þ', "\\TH"),
];

/// Accent commands by combining mark.
fn accent_command(mark: char) -> Option<&'static str> {
    Some(match mark {
        '\u{300}' => "`",
        '\u{301}' => "'",
        '\u{302}' => "^",
        '\u{303}' => "~",
        '\u{304}' => "=",
        '\u{306}' => "u",
        '\u{307}' => ".",
        '\u{308}' => "\"",
        '\u{30A}' => "r",
        '\u{30B}' => "H",
        '\u{30C}' => "v",
        '\u{323}' => "d",
        '\u{327}' => "c",
        '\u{328}' => "k",
        '\u{332}' => "b",
        _ => return None,
    })
}

/// A character as LaTeX for 8-bit BibTeX: `ü` → `{\"u}`, `ç` → `{\c c}`,
/// `ß` → `{\ss}`; `None` when the character needs no command or has none.
fn accented(c: char) -> Option<String> {
    if c.is_ascii() {
        return None;
    }
    if let Some((_, cmd)) = LETTERS.iter().find(|(l, _)| *l == c) {
        return Some(format!("{{{cmd}}}"));
    }
    let mut parts = std::iter::once(c).nfd();
    let base = parts.next()?;
    let marks: Vec<char> = parts.collect();
    if !base.is_ascii_alphabetic() || marks.len() != 1 {
        return None;
    }
    let cmd = accent_command(marks[0])?;
    Some(if cmd.chars().all(|ch| ch.is_ascii_alphabetic()) {
        format!("{{\\{cmd} {base}}}")
    } else {
        format!("{{\\{cmd}{base}}}")
    })
}

/// Text as a BibTeX field value: special characters escaped, rich-text tags
/// as commands, dashes as `--`/`---`; with `ascii`, accented letters as
/// commands too.
pub(crate) fn escape(text: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    'outer: while let Some(c) = rest.chars().next() {
        if c == '<' {
            for (cmd, tag) in [
                ("textit", "i"),
                ("textbf", "b"),
                ("textsuperscript", "sup"),
                ("textsubscript", "sub"),
            ] {
                let open = format!("<{tag}>");
                let close = format!("</{tag}>");
                if let Some(after) = rest.strip_prefix(&open)
                    && let Some(end) = after.find(&close)
                {
                    out.push_str(&format!("\\{cmd}{{{}}}", escape(&after[..end], ascii)));
                    rest = &after[end + close.len()..];
                    continue 'outer;
                }
            }
        }
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '$' | '%' | '&' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '–' => out.push_str("--"),
            '—' => out.push_str("---"),
            _ => match accented(c).filter(|_| ascii) {
                Some(cmd) => out.push_str(&cmd),
                None => out.push(c),
            },
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Braces around words whose capitals must survive sentence-casing styles:
/// any word but the first with a capital, and the first when a capital
/// follows its first letter (`DNA`).
pub(crate) fn protect_capitals(escaped: &str) -> String {
    escaped
        .split(' ')
        .enumerate()
        .map(|(i, word)| {
            // Letters only: `{\"U}ber` starts with a capital like `Über`.
            let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
            let caps_after_first = letters.iter().skip(1).any(|c| c.is_uppercase());
            let has_caps = letters.iter().any(|c| c.is_uppercase());
            let balanced = word.matches('{').count() == word.matches('}').count();
            let command = word.starts_with('\\');
            if balanced && !command && ((i > 0 && has_caps) || caps_after_first) {
                format!("{{{word}}}")
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_left_over_commands() {
        assert_eq!(clean("The \\emph{Homo} genome"), "The <i>Homo</i> genome");
        assert_eq!(
            clean("\\textbf{Bold \\textit{both}}"),
            "<b>Bold <i>both</i></b>"
        );
        assert_eq!(clean("\\url{http://x.org}"), "http://x.org");
        assert_eq!(clean("\\relax text"), "text");
        assert_eq!(clean("one \\par two"), "one\ntwo");
    }

    #[test]
    fn escapes_for_bibtex() {
        assert_eq!(
            escape("Müller & Søn 50% $5 #1 a_b", true),
            "M{\\\"u}ller \\& S{\\o}n 50\\% \\$5 \\#1 a\\_b"
        );
        assert_eq!(escape("Müller", false), "Müller");
        assert_eq!(escape("Façade – ß", true), "Fa{\\c c}ade -- {\\ss}");
        assert_eq!(escape("H<sub>2</sub>O", false), "H\\textsubscript{2}O");
        assert_eq!(escape("a\\b{c}", false), "a\\textbackslash{}b\\{c\\}");
    }

    #[test]
    fn dotless_letters_under_accents() {
        assert_eq!(
            prepare_source("Garc{\\'\\i}a \\u{\\i} \\\"\\i"),
            "Garc{\\'{i}}a \\u{i} \\\"{i}"
        );
    }

    #[test]
    fn protects_capitals() {
        assert_eq!(
            protect_capitals("On the Origin of DNA"),
            "On the {Origin} of {DNA}"
        );
        assert_eq!(protect_capitals("DNA repair"), "{DNA} repair");
        assert_eq!(protect_capitals("{\\\"U}ber alles"), "{\\\"U}ber alles");
    }
}
