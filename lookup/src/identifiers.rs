//! Finding DOIs, ISBNs, PubMed ids, PMCIDs and arXiv ids in free text: a
//! typed id, a pasted list, or a reference list with ids inside. ISBN check
//! digits are verified; a token that is clearly meant as an identifier (it
//! has a prefix such as `ISBN:` or the shape of one) but is not valid is
//! reported as malformed rather than silently dropped.

use std::collections::HashSet;
use std::fmt;

use shelfmark_formats::duplicates::normalize_isbns;

/// A recognised identifier in its canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identifier {
    /// `10.…/…`, without resolver prefix, as written (DOIs are
    /// case-insensitive; comparisons fold case).
    Doi(String),
    /// Digits only (with a final `X` for ISBN-10), check digit verified.
    Isbn(String),
    /// PubMed id, digits only.
    Pmid(String),
    /// PubMed Central id with its `PMC` prefix.
    Pmcid(String),
    /// arXiv id, new (`1706.03762v5`) or old (`hep-th/9901001`) style,
    /// with its version when one was given.
    Arxiv(String),
}

impl Identifier {
    /// The kind, as users name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Doi(_) => "DOI",
            Self::Isbn(_) => "ISBN",
            Self::Pmid(_) => "PMID",
            Self::Pmcid(_) => "PMCID",
            Self::Arxiv(_) => "arXiv",
        }
    }

    /// The identifier without its kind (`10.1038/…`, `9780262033848`).
    pub fn value(&self) -> &str {
        match self {
            Self::Doi(v) | Self::Isbn(v) | Self::Pmid(v) | Self::Pmcid(v) | Self::Arxiv(v) => v,
        }
    }

    /// A key under which two spellings of the same identifier are equal.
    fn identity(&self) -> String {
        match self {
            Self::Doi(d) => format!("doi:{}", d.to_lowercase()),
            Self::Isbn(i) => format!(
                "isbn:{}",
                normalize_isbns(i).pop().unwrap_or_else(|| i.clone())
            ),
            Self::Pmid(p) => format!("pmid:{p}"),
            Self::Pmcid(p) => format!("pmcid:{}", p.to_uppercase()),
            Self::Arxiv(a) => format!("arxiv:{}", a.to_lowercase()),
        }
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Doi(d) => write!(f, "DOI {d}"),
            Self::Isbn(i) => write!(f, "ISBN {i}"),
            Self::Pmid(p) => write!(f, "PMID {p}"),
            Self::Pmcid(p) => f.write_str(p),
            Self::Arxiv(a) => write!(f, "arXiv:{a}"),
        }
    }
}

/// One identifier found in the text, or a token that was meant as one but
/// is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    /// The text as it was found (prefix included), for messages.
    pub text: String,
    /// The identifier, or why the text is not a valid one.
    pub identifier: Result<Identifier, String>,
}

/// Prefixes that say what the next token is (`ISBN 978…`, `doi: 10.…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    Doi,
    Isbn,
    Pmid,
    Pmcid,
    Arxiv,
}

fn hint_word(word: &str) -> Option<Hint> {
    let word = word.trim_end_matches(':').to_ascii_lowercase();
    match word.as_str() {
        "doi" => Some(Hint::Doi),
        "isbn" | "isbn-10" | "isbn-13" | "isbn10" | "isbn13" => Some(Hint::Isbn),
        "pmid" | "pubmed" => Some(Hint::Pmid),
        "pmcid" | "pmc" => Some(Hint::Pmcid),
        "arxiv" => Some(Hint::Arxiv),
        _ => None,
    }
}

/// Finds every identifier in `text`, in order of appearance, each once.
pub fn recognise(text: &str) -> Vec<Recognised> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    for line in text.lines() {
        let tokens: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|t| !t.is_empty())
            .collect();
        let alone = tokens.len() == 1;
        let mut hint = None;
        for token in tokens {
            if let Some(h) = hint_word(trim_punctuation(token)) {
                hint = Some(h);
                continue;
            }
            // A prefix word applies only to an id-like next token: in
            // "arXiv preprint arXiv:1706.03762" or "[PMC free article]" the
            // word is prose.
            let hint = hint
                .take()
                .filter(|_| token.bytes().any(|b| b.is_ascii_digit()));
            let result = classify(token, hint, alone);
            if let Some(recognised) = result {
                let fresh = match &recognised.identifier {
                    Ok(id) => seen.insert(id.identity()),
                    Err(_) => seen.insert(format!("bad:{}", recognised.text)),
                };
                if fresh {
                    found.push(recognised);
                }
            }
        }
    }
    found
}

/// Opening and closing punctuation around a token in running text.
fn trim_punctuation(token: &str) -> &str {
    let token = token.trim_start_matches(['(', '[', '<', '"', '\'', '{', '“', '‘']);
    let mut end = token.len();
    // Closing brackets are kept when the token opens them itself (DOIs such
    // as 10.1016/0022-2836(81)90087-5).
    while let Some(c) = token[..end].chars().next_back() {
        let strip = match c {
            '.' | ':' | '"' | '\'' | '>' | '”' | '’' | '}' => true,
            ')' => token[..end].matches('(').count() < token[..end].matches(')').count(),
            ']' => token[..end].matches('[').count() < token[..end].matches(']').count(),
            _ => false,
        };
        if !strip {
            break;
        }
        end -= c.len_utf8();
    }
    &token[..end]
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    (text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &text[prefix.len()..])
}

/// The part of a URL after any of `hosts` (with or without scheme and `www.`).
fn after_host<'a>(token: &'a str, hosts: &[&str]) -> Option<&'a str> {
    let rest = strip_prefix_ci(token, "https://")
        .or_else(|| strip_prefix_ci(token, "http://"))
        .unwrap_or(token);
    let rest = strip_prefix_ci(rest, "www.").unwrap_or(rest);
    hosts.iter().find_map(|h| strip_prefix_ci(rest, h))
}

fn classify(raw: &str, hint: Option<Hint>, alone: bool) -> Option<Recognised> {
    let token = trim_punctuation(raw);
    if token.is_empty() {
        return None;
    }
    let make = |identifier: Result<Identifier, String>| {
        Some(Recognised {
            text: token.to_owned(),
            identifier,
        })
    };
    // DOIs first: their suffix may contain anything the other shapes look for.
    if let Some(doi) = doi_in(token) {
        return make(Ok(Identifier::Doi(doi)));
    }
    if let Some(rest) = strip_prefix_ci(token, "doi:") {
        return make(Err(format!(
            "{rest:?} is not a DOI (a DOI starts with 10.)"
        )));
    }
    if hint == Some(Hint::Doi) {
        return make(Err(format!(
            "{token:?} is not a DOI (a DOI starts with 10.)"
        )));
    }

    let arxiv_text = strip_prefix_ci(token, "arxiv:")
        .or_else(|| after_host(token, &["arxiv.org/abs/", "arxiv.org/pdf/"]))
        .or((hint == Some(Hint::Arxiv)).then_some(token));
    if let Some(text) = arxiv_text {
        let text = text.strip_suffix(".pdf").unwrap_or(text);
        return make(arxiv_id(text).map(Identifier::Arxiv).ok_or_else(|| {
            format!("{text:?} is not an arXiv id (like 1706.03762 or hep-th/9901001)")
        }));
    }

    let pmc_url = after_host(
        token,
        &[
            "ncbi.nlm.nih.gov/pmc/articles/",
            "pmc.ncbi.nlm.nih.gov/articles/",
        ],
    )
    .map(|rest| rest.trim_end_matches('/'));
    let pmc_text = strip_prefix_ci(token, "pmcid:")
        .or(pmc_url)
        .or((hint == Some(Hint::Pmcid)).then_some(token))
        .or_else(|| {
            let digits = strip_prefix_ci(token, "pmc")?;
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(token)
        });
    if let Some(text) = pmc_text {
        let digits = strip_prefix_ci(text, "pmc").unwrap_or(text);
        return make(if valid_number(digits, 9) {
            Ok(Identifier::Pmcid(format!("PMC{digits}")))
        } else {
            Err(format!("{text:?} is not a PMCID (like PMC3531190)"))
        });
    }

    let pmid_text = strip_prefix_ci(token, "pmid:")
        .or_else(|| after_host(token, &["pubmed.ncbi.nlm.nih.gov/"]))
        .or_else(|| after_host(token, &["ncbi.nlm.nih.gov/pubmed/"]))
        .map(|rest| rest.trim_end_matches('/'))
        .or((hint == Some(Hint::Pmid)).then_some(token));
    if let Some(text) = pmid_text {
        return make(if valid_number(text, 8) {
            Ok(Identifier::Pmid(text.to_owned()))
        } else {
            Err(format!("{text:?} is not a PubMed id (up to 8 digits)"))
        });
    }

    let isbn_text = ["isbn-13:", "isbn-10:", "isbn13:", "isbn10:", "isbn:"]
        .iter()
        .find_map(|p| strip_prefix_ci(token, p))
        .or((hint == Some(Hint::Isbn)).then_some(token));
    if let Some(text) = isbn_text {
        return make(isbn(text).map(Identifier::Isbn));
    }
    if looks_like_isbn(token) {
        return make(isbn(token).map(Identifier::Isbn));
    }

    if let Some(id) = arxiv_id(token) {
        return make(Ok(Identifier::Arxiv(id)));
    }
    // A bare number is read as a PubMed id only when it is all there is on
    // its line: inside a reference it is a page, a volume or a year.
    if alone && valid_number(token, 8) {
        return make(Ok(Identifier::Pmid(token.to_owned())));
    }
    None
}

fn valid_number(text: &str, max_digits: usize) -> bool {
    !text.is_empty()
        && text.len() <= max_digits
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.bytes().any(|b| b != b'0')
}

/// The DOI in a token: bare, after `doi:`, or in a resolver URL.
fn doi_in(token: &str) -> Option<String> {
    let start = token.find("10.")?;
    let before = &token[..start];
    let plausible_start = before.is_empty()
        || before.ends_with('/')
        || before.ends_with(':')
        || before.eq_ignore_ascii_case("doi");
    if !plausible_start {
        return None;
    }
    let doi = &token[start..];
    let (prefix, suffix) = doi.split_once('/')?;
    let registrant = &prefix[3..];
    let registrant_ok = registrant.len() >= 4
        && registrant.len() <= 9
        && registrant.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !registrant_ok || suffix.is_empty() {
        return None;
    }
    let doi = doi.replace("%2F", "/").replace("%2f", "/");
    Some(doi)
}

/// A shape that can only be an ISBN: 10 or 13 characters of digits (the
/// last may be X), written with hyphens, or 13 digits starting 978/979.
fn looks_like_isbn(token: &str) -> bool {
    if !token
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'X' || b == b'x')
    {
        return false;
    }
    let chars: String = token.chars().filter(|c| *c != '-').collect();
    if chars[..chars.len().saturating_sub(1)]
        .bytes()
        .any(|b| !b.is_ascii_digit())
    {
        return false;
    }
    let hyphenated = token.contains('-');
    match chars.len() {
        13 => chars.starts_with("978") || chars.starts_with("979"),
        10 => hyphenated || chars.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// An ISBN-10 or ISBN-13 with its check digit verified, as digits.
pub(crate) fn isbn(text: &str) -> Result<String, String> {
    let chars: String = text
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match chars.len() {
        10 if digits_ok(&chars[..9]) && (digits_ok(&chars[9..]) || &chars[9..] == "X") => {
            let sum: u32 = chars
                .bytes()
                .enumerate()
                .map(|(i, b)| {
                    let value = if b == b'X' { 10 } else { u32::from(b - b'0') };
                    value * (10 - i as u32)
                })
                .sum();
            if sum.is_multiple_of(11) {
                Ok(chars)
            } else {
                Err(format!("ISBN {text} has a wrong check digit"))
            }
        }
        13 if digits_ok(&chars) => {
            let sum: u32 = chars
                .bytes()
                .enumerate()
                .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
                .sum();
            if sum.is_multiple_of(10) {
                Ok(chars)
            } else {
                Err(format!("ISBN {text} has a wrong check digit"))
            }
        }
        _ => Err(format!("{text:?} is not an ISBN (10 or 13 digits)")),
    }
}

/// arXiv's archives of the old identifier scheme (before April 2007).
const OLD_ARCHIVES: &[&str] = &[
    "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an", "chao-dyn",
    "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an", "gr-qc", "hep-ex",
    "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th", "nlin", "nucl-ex", "nucl-th",
    "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio", "quant-ph", "solv-int", "supr-con",
];

/// Splits a trailing `v<digits>` version off.
fn split_version(text: &str) -> (&str, Option<&str>) {
    if let Some(at) = text.rfind(['v', 'V']) {
        let version = &text[at + 1..];
        if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) {
            return (&text[..at], Some(version));
        }
    }
    (text, None)
}

/// A valid arXiv id (old or new style, optional version), normalised.
fn arxiv_id(text: &str) -> Option<String> {
    let (id, version) = split_version(text);
    let valid = if let Some((yymm, number)) = id.split_once('.')
        && yymm.len() == 4
        && yymm.bytes().all(|b| b.is_ascii_digit())
    {
        let month: u32 = yymm[2..].parse().ok()?;
        let year: u32 = yymm[..2].parse().ok()?;
        // Five-digit numbers since January 2015.
        let width = if year >= 15 { 5 } else { 4 };
        (1..=12).contains(&month)
            && number.len() == width
            && number.bytes().all(|b| b.is_ascii_digit())
    } else if let Some((archive, number)) = id.split_once('/') {
        let archive_name = archive.split('.').next().unwrap_or_default();
        let subject_ok = archive
            .split_once('.')
            .is_none_or(|(_, s)| s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()));
        OLD_ARCHIVES.contains(&archive_name.to_ascii_lowercase().as_str())
            && subject_ok
            && number.len() == 7
            && number.bytes().all(|b| b.is_ascii_digit())
    } else {
        false
    };
    valid.then(|| match version {
        Some(v) => format!("{id}v{v}"),
        None => id.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<Result<Identifier, String>> {
        recognise(text).into_iter().map(|r| r.identifier).collect()
    }

    #[test]
    fn check_digits() {
        assert_eq!(isbn("0-306-40615-2").as_deref(), Ok("0306406152"));
        assert_eq!(isbn("978-0-306-40615-7").as_deref(), Ok("9780306406157"));
        assert_eq!(isbn("0-8044-2957-x").as_deref(), Ok("080442957X"));
        assert!(isbn("978-0-306-40615-8").is_err());
        assert!(isbn("0-306-40615-3").is_err());
    }

    #[test]
    fn arxiv_shapes() {
        assert_eq!(arxiv_id("1706.03762v5").as_deref(), Some("1706.03762v5"));
        assert_eq!(arxiv_id("0704.0001").as_deref(), Some("0704.0001"));
        assert_eq!(
            arxiv_id("hep-th/9901001").as_deref(),
            Some("hep-th/9901001")
        );
        assert_eq!(
            arxiv_id("math.GT/0309136v2").as_deref(),
            Some("math.GT/0309136v2")
        );
        assert_eq!(arxiv_id("1713.03762"), None);
        assert_eq!(arxiv_id("1706.0376"), None);
        assert_eq!(arxiv_id("bogus/9901001"), None);
    }

    #[test]
    fn punctuation_around_dois() {
        assert_eq!(
            ids("(see doi:10.1016/0022-2836(81)90087-5).")[0],
            Ok(Identifier::Doi("10.1016/0022-2836(81)90087-5".into()))
        );
        assert_eq!(
            ids("https://doi.org/10.1038/nature12373,")[0],
            Ok(Identifier::Doi("10.1038/nature12373".into()))
        );
    }

    #[test]
    fn prefix_words_in_prose_are_not_identifiers() {
        assert_eq!(
            ids("Vaswani A. Attention is all you need. arXiv preprint arXiv:1706.03762. 2017"),
            vec![Ok(Identifier::Arxiv("1706.03762".into()))]
        );
        assert_eq!(
            ids("Cell. 2012;151(6):1200-10. [PMC free article] [PubMed] PMID: 23217707"),
            vec![Ok(Identifier::Pmid("23217707".into()))]
        );
    }

    #[test]
    fn numbers_inside_prose_are_not_pubmed_ids() {
        assert!(ids("Nature 500, 54-58 (2013)").is_empty());
        assert_eq!(
            ids("23903748"),
            vec![Ok(Identifier::Pmid("23903748".into()))]
        );
        assert_eq!(
            ids("PMID: 23903748"),
            vec![Ok(Identifier::Pmid("23903748".into()))]
        );
    }
}
