//! Writes the processor's formatted output as plain text or as HTML.
//!
//! HTML follows the markup word processors and other reference managers
//! paste: `<i>`, `<b>`, `<sup>`, `<sub>`, small caps as a styled span, and a
//! bibliography as `csl-bib-body` / `csl-entry` blocks. All text is escaped.

use hayagriva::citationberg::{
    Display, FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign,
};
use hayagriva::{BibliographyItem, ElemChild, ElemChildren, Formatting};

use super::CiteFormat;

/// One in-text citation or note.
pub(crate) fn citation(children: &ElemChildren, format: CiteFormat) -> String {
    let mut children = children.clone();
    tidy(&mut children);
    let mut writer = Writer::new(format);
    writer.children(&children);
    writer.finish()
}

/// A reference list, one entry per line in text, one block per entry in HTML.
pub(crate) fn bibliography(items: &[BibliographyItem], format: CiteFormat) -> String {
    let entries = items.iter().map(|item| entry(item, format));
    match format {
        CiteFormat::Text => entries.collect::<Vec<_>>().join("\n"),
        CiteFormat::Html => {
            let mut out = String::from("<div class=\"csl-bib-body\">\n");
            for e in entries {
                out.push_str("  <div class=\"csl-entry\">");
                out.push_str(&e);
                out.push_str("</div>\n");
            }
            out.push_str("</div>");
            out
        }
    }
}

fn entry(item: &BibliographyItem, format: CiteFormat) -> String {
    let mut children = item.content.clone();
    tidy(&mut children);
    let mut writer = Writer::new(format);
    writer.children(&children);
    let content = writer.finish();
    let Some(first) = &item.first_field else {
        return content;
    };
    // A numbered list: the label ("[1]") stands apart from the reference.
    let mut writer = Writer::new(format);
    writer.child(first);
    let label = writer.finish();
    match format {
        CiteFormat::Text => format!("{label} {content}"),
        CiteFormat::Html => format!(
            "<div class=\"csl-left-margin\">{label}</div><div class=\"csl-right-inline\">{content}</div>"
        ),
    }
}

/// Removes punctuation and spaces the processor leaves behind when a part
/// of a group renders empty or a quoted title already ends a sentence:
/// "(1998,)" becomes "(1998)", "PLOS ONE,." becomes "PLOS ONE.",
/// "“Title.”." becomes "“Title.”" and double spaces become one. None of these
/// is ever correct in a reference. Links (URLs, DOIs) are left as they are.
fn tidy(children: &mut ElemChildren) {
    let mut texts = Vec::new();
    collect_texts(children, &mut texts);
    for text in texts.iter_mut().flatten() {
        tidy_within(text);
    }
    let mut previous: Option<usize> = None;
    for i in 0..texts.len() {
        let (head, tail) = texts.split_at_mut(i);
        let Some(current) = tail[0].as_deref_mut() else {
            // A link stands between its neighbours.
            previous = None;
            continue;
        };
        if current.is_empty() {
            continue;
        }
        if let Some(before) = previous.and_then(|p| head[p].as_deref_mut()) {
            tidy_across(before, current);
        }
        if !current.is_empty() {
            previous = Some(i);
        }
    }
}

/// The text leaves in reading order; links, which are never changed, as
/// `None`.
fn collect_texts<'a>(children: &'a mut ElemChildren, out: &mut Vec<Option<&'a mut String>>) {
    for child in children.0.iter_mut() {
        match child {
            ElemChild::Text(t) => out.push(Some(&mut t.text)),
            ElemChild::Markup(m) => out.push(Some(m)),
            ElemChild::Elem(e) => collect_texts(&mut e.children, out),
            ElemChild::Link { .. } => out.push(None),
            ElemChild::Transparent { .. } => {}
        }
    }
}

const QUOTE_ENDS: [&str; 3] = [".\u{201d}", "?\u{201d}", "!\u{201d}"];

fn tidy_within(text: &mut String) {
    while text.contains("  ") {
        *text = text.replace("  ", " ");
    }
    for delimiter in [",", ";"] {
        for end in [".", ")", "]"] {
            for from in [format!("{delimiter} {end}"), format!("{delimiter}{end}")] {
                while text.contains(&from) {
                    *text = text.replace(&from, end);
                }
            }
        }
    }
    for end in QUOTE_ENDS {
        let doubled = format!("{end}.");
        while text.contains(&doubled) {
            *text = text.replace(&doubled, end);
        }
    }
}

fn tidy_across(previous: &mut String, next: &mut String) {
    if previous.ends_with(' ') && next.starts_with(' ') {
        next.remove(0);
    }
    if next.starts_with(['.', ')', ']']) {
        let trimmed = previous.trim_end();
        if trimmed.ends_with([',', ';']) {
            let kept = trimmed.len() - 1;
            previous.truncate(kept);
        }
    }
    if next.starts_with('.') && QUOTE_ENDS.iter().any(|e| previous.ends_with(e)) {
        next.remove(0);
    }
}

/// Writes elements as text or HTML, running adjacent pieces with the same
/// formatting into one tag ("<i>Scientific memoirs: Vol. 3</i>", not one
/// `<i>` per piece).
struct Writer {
    format: CiteFormat,
    out: String,
    /// The formatting of the last piece written and where its closing tags
    /// start, while nothing else has been written after them.
    open: Option<(Formatting, usize)>,
}

impl Writer {
    fn new(format: CiteFormat) -> Self {
        Self {
            format,
            out: String::new(),
            open: None,
        }
    }

    fn finish(self) -> String {
        self.out.trim().to_owned()
    }

    fn children(&mut self, children: &ElemChildren) {
        for child in &children.0 {
            self.child(child);
        }
    }

    fn child(&mut self, child: &ElemChild) {
        match child {
            ElemChild::Text(t) => self.formatted(&t.text, &t.formatting),
            // Raw markup is only produced for math in field values, which
            // items never carry; it is shown as text.
            ElemChild::Markup(m) => self.formatted(m, &Formatting::default()),
            ElemChild::Link { text, url } => match self.format {
                CiteFormat::Text => self.formatted(&text.text, &text.formatting),
                CiteFormat::Html => {
                    self.raw(&format!("<a href=\"{}\">", escape_with(url, true)));
                    self.formatted(&text.text, &text.formatting);
                    self.raw("</a>");
                }
            },
            ElemChild::Elem(e) => {
                let class = match e.display {
                    Some(Display::Block) => Some("csl-block"),
                    Some(Display::LeftMargin) => Some("csl-left-margin"),
                    Some(Display::RightInline) => Some("csl-right-inline"),
                    Some(Display::Indent) => Some("csl-indent"),
                    None => None,
                };
                match (self.format, class) {
                    (CiteFormat::Html, Some(class)) => {
                        self.raw(&format!("<div class=\"{class}\">"));
                        self.children(&e.children);
                        self.raw("</div>");
                    }
                    (CiteFormat::Text, Some(_)) => {
                        // Blocks run on in text; keep the words apart.
                        if !self.out.is_empty() && !self.out.ends_with(char::is_whitespace) {
                            self.raw(" ");
                        }
                        self.children(&e.children);
                    }
                    (_, None) => self.children(&e.children),
                }
            }
            ElemChild::Transparent { .. } => {}
        }
    }

    fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
        self.open = None;
    }

    fn formatted(&mut self, text: &str, formatting: &Formatting) {
        if self.format == CiteFormat::Text {
            self.out.push_str(text);
            return;
        }
        let tags = tags(formatting);
        match self.open {
            Some((open, close_at)) if open == *formatting && !tags.is_empty() => {
                self.out.truncate(close_at);
            }
            _ => {
                for (open, _) in &tags {
                    self.out.push_str(open);
                }
            }
        }
        self.out.push_str(&escape_with(text, false));
        let close_at = self.out.len();
        for (_, close) in tags.iter().rev() {
            self.out.push_str(close);
        }
        self.open = Some((*formatting, close_at));
    }
}

/// Opening and closing HTML tags for a piece of formatted text.
fn tags(f: &Formatting) -> Vec<(&'static str, &'static str)> {
    let mut tags = Vec::new();
    if f.font_style == FontStyle::Italic {
        tags.push(("<i>", "</i>"));
    }
    match f.font_weight {
        FontWeight::Bold => tags.push(("<b>", "</b>")),
        FontWeight::Light => tags.push(("<span style=\"font-weight:lighter;\">", "</span>")),
        FontWeight::Normal => {}
    }
    if f.font_variant == FontVariant::SmallCaps {
        tags.push(("<span style=\"font-variant:small-caps;\">", "</span>"));
    }
    if f.text_decoration == TextDecoration::Underline {
        tags.push(("<span style=\"text-decoration:underline;\">", "</span>"));
    }
    match f.vertical_align {
        VerticalAlign::Sup => tags.push(("<sup>", "</sup>")),
        VerticalAlign::Sub => tags.push(("<sub>", "</sub>")),
        VerticalAlign::None | VerticalAlign::Baseline => {}
    }
    tags
}

fn escape_with(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Text only ever lands in content or double-quoted attributes.
            '"' if attribute => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
