//! EndNote reference types (names as in the tagged format's `%0` and the XML
//! `ref-type name`, numbers as in the XML) and the item types they map to.

/// (name, number, item type). The first row for an item type is the one
/// written.
pub(crate) const REF_TYPES: &[(&str, u32, &str)] = &[
    ("Journal Article", 17, "journalArticle"),
    ("Electronic Article", 43, "journalArticle"),
    ("Book", 6, "book"),
    ("Edited Book", 28, "book"),
    ("Electronic Book", 44, "book"),
    ("Classical Work", 49, "book"),
    ("Ancient Text", 51, "book"),
    ("Serial", 57, "book"),
    ("Book Section", 5, "bookSection"),
    ("Electronic Book Section", 60, "bookSection"),
    ("Conference Paper", 47, "conferencePaper"),
    ("Conference Proceedings", 10, "conferencePaper"),
    ("Thesis", 32, "thesis"),
    ("Report", 27, "report"),
    ("Government Document", 46, "report"),
    ("Web Page", 12, "webpage"),
    ("Patent", 25, "patent"),
    ("Dataset", 59, "dataset"),
    ("Online Database", 45, "dataset"),
    ("Generic", 13, "document"),
    ("Equation", 39, "document"),
    ("Grant", 54, "document"),
    ("Catalog", 55, "document"),
    ("Newspaper Article", 23, "newspaperArticle"),
    ("Magazine Article", 19, "magazineArticle"),
    ("Case", 7, "case"),
    ("Statute", 31, "statute"),
    ("Legal Rule or Regulation", 50, "statute"),
    ("Bill", 4, "bill"),
    ("Computer Program", 9, "computerProgram"),
    ("Film or Broadcast", 21, "film"),
    ("Map", 20, "map"),
    ("Manuscript", 36, "manuscript"),
    ("Unpublished Work", 34, "manuscript"),
    ("Encyclopedia", 53, "encyclopediaArticle"),
    ("Dictionary", 52, "dictionaryEntry"),
    ("Audiovisual Material", 3, "videoRecording"),
    ("Online Multimedia", 48, "videoRecording"),
    ("Artwork", 2, "artwork"),
    ("Figure", 37, "artwork"),
    ("Chart or Table", 38, "artwork"),
    ("Personal Communication", 26, "letter"),
    ("Hearing", 14, "hearing"),
    ("Standard", 58, "standard"),
    ("Blog", 56, "blogPost"),
];

/// Item types EndNote has no reference type for, and the one written.
const NEAREST: &[(&str, &str)] = &[
    ("audioRecording", "Audiovisual Material"),
    ("podcast", "Audiovisual Material"),
    ("tvBroadcast", "Film or Broadcast"),
    ("radioBroadcast", "Film or Broadcast"),
    ("email", "Personal Communication"),
    ("instantMessage", "Personal Communication"),
    ("interview", "Personal Communication"),
    ("forumPost", "Blog"),
    ("presentation", "Generic"),
    ("preprint", "Manuscript"),
];

/// The item type for a reference type name (case-insensitive) or number.
pub(crate) fn item_type_for(name: &str, number: Option<u32>) -> Option<&'static str> {
    let name = name.trim();
    REF_TYPES
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
        .or_else(|| number.and_then(|num| REF_TYPES.iter().find(|(_, n, _)| *n == num)))
        .map(|(_, _, t)| *t)
}

/// The reference type (name, number) written for an item type; a book with
/// editors and no authors is an Edited Book.
pub(crate) fn ref_type_for(item_type: &str, edited_book: bool) -> (&'static str, u32) {
    if item_type == "book" && edited_book {
        return ("Edited Book", 28);
    }
    let name = REF_TYPES
        .iter()
        .find(|(_, _, t)| *t == item_type)
        .map(|(n, _, _)| *n)
        .or_else(|| {
            NEAREST
                .iter()
                .find(|(t, _)| *t == item_type)
                .map(|(_, n)| *n)
        })
        .unwrap_or("Generic");
    REF_TYPES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(n, num, _)| (*n, *num))
        .unwrap_or(("Generic", 13))
}
