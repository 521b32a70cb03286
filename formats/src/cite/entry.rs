//! Turns an item's Web API data into the entry the citation processor reads.
//!
//! The processor decides the CSL item type from the shape of the entry (its
//! own type and the type of its parent: an `Article` inside a `Periodical` is
//! a journal article, inside a `Newspaper` a newspaper article), so each item
//! type is given the entry type and container that produce the closest CSL
//! type the processor can tell apart.
//! Whatever cannot be read (an unparsable date, a malformed URL) is left out
//! rather than failing the whole citation.

use std::str::FromStr;

use hayagriva::Entry;
use hayagriva::types::{
    ChunkKind, ChunkedString, Date, EntryType, FormatString, MaybeTyped, Numeric, PageRanges,
    Person, PersonRole, PersonsWithRoles, Publisher, QualifiedUrl, StringChunk,
};
use shelfmark_protocol::dates::parse_date;
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{Creator, CreatorName, ItemData};
use unic_langid::LanguageIdentifier;

use super::{CiteError, Result};

/// How an item type is shaped for the processor: its own entry type and,
/// where the CSL type depends on it, the type of its container.
struct Shape {
    own: EntryType,
    container: Option<EntryType>,
}

fn shape(item: &ItemData) -> Shape {
    use EntryType::*;
    let (own, container) = match item.item_type.as_str() {
        "journalArticle" | "magazineArticle" => (Article, Some(Periodical)),
        "newspaperArticle" => (Article, Some(Newspaper)),
        "blogPost" => (Article, Some(Blog)),
        "preprint" => (Article, None),
        "forumPost" => (Post, Some(Thread)),
        "webpage" => (Web, item.base_field("publicationTitle").map(|_| Web)),
        "book" => (Book, None),
        // Contributions to a book, to proceedings and to a reference work
        // are chapters of a book. The processor's own shapes for the last two
        // (an `Article` in `Proceedings`, an `Entry` in a `Reference`) and
        // for edited collections report the book's title a second time as
        // a volume title, which APA, Chicago and MLA then print ("special
        // issue of …").
        "bookSection" | "conferencePaper" | "encyclopediaArticle" | "dictionaryEntry" => {
            (Chapter, Some(Book))
        }
        "thesis" => (Thesis, None),
        "report" => (Report, item.field("seriesTitle").map(|_| Anthology)),
        "manuscript" => (Manuscript, None),
        "patent" => (Patent, None),
        "case" => (Case, item.field("reporter").map(|_| Book)),
        "statute" | "bill" => (Legislation, None),
        "computerProgram" => (Repository, None),
        "artwork" => (Artwork, None),
        "film" | "videoRecording" => (Video, None),
        "tvBroadcast" => (Video, item.base_field("publicationTitle").map(|_| Video)),
        "audioRecording" => (Audio, None),
        "radioBroadcast" => (Audio, item.base_field("publicationTitle").map(|_| Audio)),
        "podcast" => (Audio, item.field("seriesTitle").map(|_| Audio)),
        // dataset, document, email, hearing, interview, letter, map,
        // presentation, standard, instantMessage, attachment: the processor
        // has no closer type for these.
        _ => (Misc, None),
    };
    Shape { own, container }
}

/// Item types that are data about other items, not works that can be cited.
fn is_citable(item: &ItemData) -> bool {
    !(item.is_note() || item.is_annotation())
}

/// The processor's entry for `item`, keyed by the item's key.
pub(crate) fn to_entry(item: &ItemData) -> Result<Entry> {
    if !is_citable(item) {
        return Err(CiteError::NotCitable {
            key: item.key.to_string(),
            item_type: item.item_type.clone(),
        });
    }
    let key = item.key.to_string();
    let shape = shape(item);
    let mut entry = Entry::new(&key, shape.own);
    let mut container = shape.container.map(|t| Entry::new(&key, t));

    set_own_fields(item, &mut entry);
    if let Some(container) = container.as_mut() {
        set_container_fields(item, container);
    } else {
        // Without a container, volume and issue describe the item itself.
        if let Some(v) = numeric_field(item.base_field("volume")) {
            entry.set_volume(v);
        }
        if let Some(v) = numeric_field(item.field("issue")) {
            entry.set_issue(v);
        }
    }
    set_creators(item, &mut entry, container.as_mut());

    // A recording or film without a container must have no parent at all:
    // any parent makes the processor take it for a broadcast.
    if matches!(shape.own, EntryType::Audio | EntryType::Video) && container.is_none() {
        return Ok(entry);
    }
    let mut parents = Vec::new();
    if let Some(mut container) = container {
        // A contribution's series belongs to the book or proceedings that holds it.
        if let Some(series) = series(item) {
            container.set_parents(vec![series]);
        }
        parents.push(container);
    } else if let Some(series) = series(item) {
        parents.push(series);
    }
    if let Some(event) = event(item) {
        parents.push(event);
    }
    if let Some(original) = original(item) {
        parents.push(original);
    }
    entry.set_parents(parents);
    Ok(entry)
}

fn set_own_fields(item: &ItemData, entry: &mut Entry) {
    if let Some(title) = item
        .title()
        .and_then(|t| title_string(t, item.field("shortTitle")))
    {
        entry.set_title(title);
    }
    if let Some(date) = item.base_field("date").and_then(date) {
        entry.set_date(date);
    }
    if let Some(genre) = text(item.base_field("type")) {
        entry.set_genre(genre);
    }
    if let Some(authority) = text(item.base_field("authority")) {
        entry.set_organization(authority);
    }
    let place = text(item.field("place").or(item.field("country")));
    let publisher = text(item.base_field("publisher"));
    if publisher.is_some() || place.is_some() {
        entry.set_publisher(Publisher::new(publisher, place));
    } else if item.item_type == "statute" {
        // The processor tells an enacted statute from a bill by the presence
        // of a publisher; an empty one marks it without printing anything.
        entry.set_publisher(Publisher::new(None, None));
    }
    if let Some(edition) = numeric_field(item.field("edition")) {
        entry.set_edition(edition);
    }
    if let Some(pages) = item.base_field("pages").and_then(page_ranges) {
        entry.set_page_range(pages);
    }
    if let Some(total) = number(item.field("numPages")) {
        entry.set_page_total(total);
    }
    if let Some(total) = number(item.field("numberOfVolumes")) {
        entry.set_volume_total(total);
    }
    if let Some(url) = url(item) {
        entry.set_url(url);
    }
    if let Some(language) = item.field("language").and_then(language) {
        entry.set_language(language);
    }
    if let Some(archive) = text(item.field("archive")) {
        entry.set_archive(archive);
    }
    if let Some(location) = text(item.field("archiveLocation")) {
        entry.set_archive_location(location);
    }
    if let Some(call_number) = text(item.field("callNumber")) {
        entry.set_call_number(call_number);
    }
    for (field, serial_key) in [
        ("DOI", "doi"),
        ("ISBN", "isbn"),
        ("ISSN", "issn"),
        ("PMID", "pmid"),
        ("PMCID", "pmcid"),
        ("versionNumber", "version"),
    ] {
        if let Some(value) = nonblank(item.field(field)) {
            entry.set_keyed_serial_number(serial_key, value.to_owned());
        }
    }
    // A report's, patent's or preprint's own number ("Report 12", "US 123").
    if let Some(value) = nonblank(item.base_field("number")) {
        entry.set_keyed_serial_number("serial", value.to_owned());
    }
}

/// The journal, book, proceedings or website that holds the item.
fn set_container_fields(item: &ItemData, container: &mut Entry) {
    let title = match item.item_type.as_str() {
        "case" => item.field("reporter"),
        "report" => item.field("seriesTitle"),
        "podcast" => item.field("seriesTitle"),
        _ => item.base_field("publicationTitle"),
    };
    if let Some(title) = title.and_then(|t| title_string(t, item.field("journalAbbreviation"))) {
        container.set_title(title);
    }
    if let Some(v) = numeric_field(item.base_field("volume")) {
        container.set_volume(v);
    }
    if let Some(v) = numeric_field(item.field("issue")) {
        container.set_issue(v);
    }
    if item.item_type == "report"
        && let Some(v) = numeric_field(item.field("seriesNumber"))
    {
        container.set_volume(v);
    }
}

/// The series an item or its container belongs to, with its number.
fn series(item: &ItemData) -> Option<Entry> {
    if matches!(item.item_type.as_str(), "report" | "podcast") {
        // Their series is already the container.
        return None;
    }
    let title = item.field("series").or(item.field("seriesTitle"))?;
    let mut series = Entry::new(item.key.as_str(), EntryType::Anthology);
    series.set_title(title_string(title, None)?);
    if let Some(number) = numeric_field(item.field("seriesNumber")) {
        series.set_volume(number);
    }
    let editors = persons(item, |role| role == "seriesEditor");
    if !editors.is_empty() {
        series.set_editors(editors);
    }
    Some(series)
}

/// The conference or meeting at which the item was presented.
fn event(item: &ItemData) -> Option<Entry> {
    let name = nonblank(item.field("conferenceName").or(item.field("meetingName")));
    let place = text(item.field("eventPlace"));
    if name.is_none() && place.is_none() {
        return None;
    }
    let mut event = Entry::new(item.key.as_str(), EntryType::Conference);
    if let Some(name) = name.and_then(|n| title_string(n, None)) {
        event.set_title(name);
    }
    if let Some(place) = place {
        event.set_location(place);
    }
    Some(event)
}

/// The first publication of a reprinted or translated work.
fn original(item: &ItemData) -> Option<Entry> {
    let date = item.base_field("originalDate").and_then(date);
    let publisher = text(item.field("originalPublisher"));
    let place = text(item.field("originalPlace"));
    let authors = persons(item, |role| role == "originalCreator");
    if date.is_none() && publisher.is_none() && place.is_none() && authors.is_empty() {
        return None;
    }
    let mut original = Entry::new(item.key.as_str(), EntryType::Original);
    if let Some(date) = date {
        original.set_date(date);
    }
    if publisher.is_some() || place.is_some() {
        original.set_publisher(Publisher::new(publisher, place));
    }
    if !authors.is_empty() {
        original.set_authors(authors);
    }
    Some(original)
}

/// Spreads the creators over the entry and its container by role.
fn set_creators(item: &ItemData, entry: &mut Entry, container: Option<&mut Entry>) {
    // The item type's main creator (inventor, programmer, performer…) is its
    // author, except a director, whom styles name as such ("(Director)").
    let primary = schema()
        .item_type(&item.item_type)
        .and_then(|t| t.primary_creator_type())
        .filter(|t| *t != "director")
        .unwrap_or("author")
        .to_owned();
    let is_author = |role: &str| role == primary || role == "author";
    let authors = persons(item, is_author);
    if !authors.is_empty() {
        entry.set_authors(authors);
    }

    let editors = persons(item, |role| role == "editor");
    let book_authors = persons(item, |role| role == "bookAuthor");
    match container {
        // In a contribution, the editors and authors of the whole book belong
        // to the book ("In J. Smith (Ed.), The Book").
        Some(container) if *container.entry_type() == EntryType::Book => {
            if !editors.is_empty() {
                container.set_editors(editors);
            }
            if !book_authors.is_empty() {
                container.set_authors(book_authors);
            }
        }
        _ => {
            if !editors.is_empty() {
                entry.set_editors(editors);
            }
        }
    }

    let mut affiliated = Vec::new();
    for (role, creator_types) in AFFILIATED_ROLES {
        let names = persons(item, |r| !is_author(r) && creator_types.contains(&r));
        if !names.is_empty() {
            affiliated.push(PersonsWithRoles::new(names, role.clone()));
        }
    }
    // Roles the processor has no variable for are kept under their own name.
    let mut other: Vec<&str> = Vec::new();
    for role in item.creators.iter().map(|c| c.creator_type.as_str()) {
        if !is_author(role) && !is_placed_role(role) && !other.contains(&role) {
            other.push(role);
        }
    }
    for role in other {
        let names = persons(item, |r| r == role);
        if !names.is_empty() {
            affiliated.push(PersonsWithRoles::new(
                names,
                PersonRole::Unknown(role.to_owned()),
            ));
        }
    }
    if !affiliated.is_empty() {
        entry.set_affiliated(affiliated);
    }
}

/// Creator types that map onto one of the processor's roles.
const AFFILIATED_ROLES: [(PersonRole, &[&str]); 10] = [
    (PersonRole::Translator, &["translator"]),
    (PersonRole::Collaborator, &["contributor", "cosponsor"]),
    (PersonRole::Director, &["director"]),
    (PersonRole::Producer, &["producer"]),
    (PersonRole::ExecutiveProducer, &["executiveProducer"]),
    (PersonRole::Writer, &["scriptwriter", "wordsBy"]),
    (PersonRole::CastMember, &["castMember", "performer"]),
    (PersonRole::Composer, &["composer"]),
    (PersonRole::Narrator, &["narrator"]),
    (PersonRole::Founder, &["seriesCreator"]),
];

fn is_placed_role(role: &str) -> bool {
    matches!(
        role,
        "author" | "editor" | "bookAuthor" | "seriesEditor" | "originalCreator"
    ) || AFFILIATED_ROLES
        .iter()
        .any(|(_, types)| types.contains(&role))
}

fn persons(item: &ItemData, wanted: impl Fn(&str) -> bool) -> Vec<Person> {
    item.creators
        .iter()
        .filter(|c| wanted(&c.creator_type))
        .filter_map(person)
        .collect()
}

/// Generational suffixes written after the given name ("Martin Luther, Jr.").
const NAME_SUFFIXES: [&str; 7] = ["Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"];

/// A creator as the processor's person; a single-field name is an
/// institution and is never split or abbreviated. Particles stay in the
/// last name as entered ("van Gogh", "de la Fontaine"), where the processor
/// finds them and each style places them as it prescribes.
fn person(creator: &Creator) -> Option<Person> {
    let (first, last) = match &creator.name {
        CreatorName::Single { name } => return institution(name),
        CreatorName::TwoField { first, last } => (first.trim(), last.trim()),
    };
    if last.is_empty() {
        // Only a given name: treat it as the whole name.
        return institution(first);
    }
    let (given, suffix) = match first.rsplit_once(',') {
        Some((given, suffix)) if NAME_SUFFIXES.contains(&suffix.trim()) => {
            (given.trim(), Some(suffix.trim()))
        }
        _ => (first, None),
    };
    Some(Person {
        name: last.to_owned(),
        given_name: (!given.is_empty()).then(|| given.to_owned()),
        prefix: None,
        suffix: suffix.map(str::to_owned),
        comma_suffix: false,
        alias: None,
    })
}

fn institution(name: &str) -> Option<Person> {
    let name = name.trim();
    (!name.is_empty()).then(|| Person {
        name: name.to_owned(),
        given_name: None,
        prefix: None,
        suffix: None,
        comma_suffix: false,
        alias: None,
    })
}

/// A title with its short form, read from the rich text Zotero allows in
/// titles: `<span class="nocase">` keeps its words' case; the other inline
/// tags (`<i>`, `<b>`, `<sup>`, `<sub>`, `<sc>`) are dropped, the processor
/// having no inline formatting in field values.
fn title_string(title: &str, short: Option<&str>) -> Option<FormatString> {
    let value = rich_text(title.trim());
    if value.is_empty() {
        return None;
    }
    let short = nonblank(short)
        .map(rich_text)
        .filter(|s| !s.is_empty())
        .map(Box::new);
    Some(FormatString { value, short })
}

const DROPPED_TAGS: [&str; 10] = [
    "<i>", "</i>", "<b>", "</b>", "<sup>", "</sup>", "<sub>", "</sub>", "<sc>", "</sc>",
];
const NOCASE_OPEN: &str = "<span class=\"nocase\">";
const SPAN_CLOSE: &str = "</span>";

/// The text as chunks, those whose case must be kept marked verbatim.
fn rich_text(text: &str) -> ChunkedString {
    let mut runs: Vec<(&str, bool)> = Vec::new();
    let mut rest = text;
    let mut nocase_depth = 0usize;
    while !rest.is_empty() {
        if let Some(tag) = DROPPED_TAGS.iter().find(|t| rest.starts_with(**t)) {
            rest = &rest[tag.len()..];
        } else if rest.starts_with(NOCASE_OPEN) {
            nocase_depth += 1;
            rest = &rest[NOCASE_OPEN.len()..];
        } else if nocase_depth > 0 && rest.starts_with(SPAN_CLOSE) {
            nocase_depth -= 1;
            rest = &rest[SPAN_CLOSE.len()..];
        } else {
            let next = rest
                .char_indices()
                .skip(1)
                .find(|(_, c)| *c == '<')
                .map_or(rest.len(), |(i, _)| i);
            runs.push((&rest[..next], nocase_depth > 0));
            rest = &rest[next..];
        }
    }

    // The processor loses the space after a case-kept first word when it
    // applies a case to the text ("iPhone apps" → "iPhoneApps") unless the
    // text starts with a chunk it may recase; an empty one is enough.
    let mut out = ChunkedString(vec![StringChunk::normal("")]);
    for (run, nocase) in runs {
        if nocase {
            out.push_str(run, ChunkKind::Verbatim);
        } else {
            push_keeping_mixed_case(&mut out, run);
        }
    }
    out
}

/// Words written in capitals or mixed case ("DNA", "URIs", "iPhone", "W3C")
/// keep their case when a style applies title or sentence case, as CSL
/// prescribes. Text all in capitals keeps it too, as typed: the processor
/// would recase only some of its words.
fn push_keeping_mixed_case(out: &mut ChunkedString, text: &str) {
    let mut start = 0;
    while start < text.len() {
        let in_word = text[start..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric);
        let end = text[start..]
            .char_indices()
            .find(|(_, c)| c.is_alphanumeric() != in_word)
            .map_or(text.len(), |(i, _)| start + i);
        let piece = &text[start..end];
        let keep = in_word && piece.chars().skip(1).any(char::is_uppercase);
        out.push_str(
            piece,
            if keep {
                ChunkKind::Verbatim
            } else {
                ChunkKind::Normal
            },
        );
        start = end;
    }
}

fn nonblank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Plain text that the processor prints as written.
fn text(value: Option<&str>) -> Option<FormatString> {
    nonblank(value).map(|v| FormatString::from(StringChunk::normal(v)))
}

/// A volume, issue or edition: a number when it reads as one ("12",
/// "3-4"), otherwise the text as written ("Suppl. 2").
fn numeric_field(value: Option<&str>) -> Option<MaybeTyped<Numeric>> {
    nonblank(value).map(|v| match MaybeTyped::<Numeric>::from_str(v) {
        Ok(parsed) => parsed,
        Err(never) => match never {},
    })
}

fn number(value: Option<&str>) -> Option<Numeric> {
    nonblank(value).and_then(|v| Numeric::from_str(v).ok())
}

fn page_ranges(value: &str) -> Option<MaybeTyped<PageRanges>> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    Some(match PageRanges::from_str(value) {
        Ok(ranges) => MaybeTyped::Typed(ranges),
        Err(_) => MaybeTyped::String(value.to_owned()),
    })
}

/// A date from the free-form field; `None` when no year can be read.
fn date(value: &str) -> Option<Date> {
    let parsed = parse_date(value);
    let year = parsed.year?;
    // The processor counts months and days from zero.
    let month = parsed.month.map(|m| m - 1);
    Some(Date {
        year,
        month,
        day: month.and(parsed.day).map(|d| d - 1),
        approximate: false,
        season: None,
    })
}

fn url(item: &ItemData) -> Option<QualifiedUrl> {
    let mut url = QualifiedUrl::from_str(nonblank(item.field("url"))?).ok()?;
    url.visit_date = item.field("accessDate").and_then(date);
    Some(url)
}

/// Language names people type instead of codes.
const LANGUAGE_NAMES: [(&str, &str); 16] = [
    ("english", "en"),
    ("german", "de"),
    ("deutsch", "de"),
    ("french", "fr"),
    ("français", "fr"),
    ("spanish", "es"),
    ("español", "es"),
    ("italian", "it"),
    ("portuguese", "pt"),
    ("dutch", "nl"),
    ("russian", "ru"),
    ("chinese", "zh"),
    ("japanese", "ja"),
    ("korean", "ko"),
    ("latin", "la"),
    ("swedish", "sv"),
];

/// The item's language, which decides whether title casing applies.
fn language(value: &str) -> Option<LanguageIdentifier> {
    let value = value.trim();
    let lower = value.to_lowercase();
    let code = LANGUAGE_NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map_or(value, |(_, code)| code);
    LanguageIdentifier::from_str(code)
        .ok()
        .filter(|l| !l.language.is_empty())
}
