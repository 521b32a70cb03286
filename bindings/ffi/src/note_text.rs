//! A note in an editor: the plain text to edit, and the HTML to store, the
//! way notes are kept (one paragraph per line, as Zotero writes them).

/// The text of a note's HTML for a plain-text editor: paragraphs and line
/// breaks become lines, tags go, entities are decoded.
#[uniffi::export]
pub fn note_text(html: String) -> String {
    shelfmark_core::text::note_text(&html)
}

/// The HTML to store for a note typed as plain text (one paragraph per
/// line, `<`, `>` and `&` escaped); text that already is HTML is kept as
/// typed.
#[uniffi::export]
pub fn note_html(text: String) -> String {
    shelfmark_core::text::note_html(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_is_stored_as_paragraphs_and_read_back_as_typed() {
        let typed = "Read chapter 3 & 4\nCompare <Darwin>".to_owned();
        let html = note_html(typed.clone());
        assert_eq!(
            html,
            "<p>Read chapter 3 &amp; 4</p><p>Compare &lt;Darwin&gt;</p>"
        );
        assert_eq!(note_text(html), typed);
    }

    #[test]
    fn html_is_kept_and_shown_as_its_lines() {
        let html = "<p>First <b>bold</b></p><p>Second</p>".to_owned();
        assert_eq!(note_html(html.clone()), html);
        assert_eq!(note_text(html), "First bold\nSecond");
    }
}
