//! Library benchmark: builds a realistic library and measures what a user
//! waits for — quick and "everything" search, the first page of sorted
//! lists, opening the library to its first page, and the first page of
//! saved searches — printing each figure beside its target (targets P4
//! and P5; 50 ms for a saved search).
//!
//! Run: `cargo bench -p shelfmark-core --bench library [-- --items N]`
//! (default 100,000 items). `--path FILE` keeps the library in FILE; when
//! FILE already exists it is measured as it is, without building.

use std::time::{Duration, Instant};

use rusqlite::params;
use shelfmark_core::protocol::{
    CollectionData, Creator, ItemData, ObjectKey, SavedSearchData, SearchCondition, Tag,
};
use shelfmark_core::{ItemListQuery, ItemSearchQuery, Library, SearchMode, SortField};

const BATCH: usize = 1000;
const COLLECTIONS: usize = 50;
const QUERIES: usize = 240;
/// The first page of any saved search at 100,000 items, in ms.
const SAVED_SEARCH_TARGET_MS: f64 = 50.0;

/// A small, fixed-seed generator (SplitMix64), so every run builds the same
/// library.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len() - 1)]
    }
}

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Müller", "Schröder", "Dvořák", "García", "Martínez", "Ångström", "Nguyễn", "Øvergård",
    "Çelik", "Łukasiewicz", "Kovačević", "Ferreira", "Jiménez", "Gödel", "Brontë", "Peña",
    "Sánchez", "Höglund", "Novák", "Wałęsa", "Smith", "Johnson", "Williams", "Brown", "Jones",
    "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell",
    "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins",
    "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
    "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks",
    "Bennett", "Gray", "James", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster",
    "Tanaka", "Suzuki", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi", "Wang", "Li", "Zhang",
    "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Kim", "Park", "Choi", "Singh", "Kumar",
    "Sharma", "Patel", "Gupta", "Ivanov", "Petrov", "Sokolov", "Kuznetsov", "Rossi", "Russo",
    "Ferrari", "Esposito", "Bianchi", "Romano", "Dubois", "Lefèvre", "Moreau", "Laurent",
    "Bernard", "Fournier", "Girard", "Bonnet", "Rousseau", "Schmidt", "Schneider", "Fischer",
    "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter",
    "Klein", "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann",
    "Lange", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Hansen", "Nielsen", "Jensen", "Pedersen", "Kristensen",
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk",
    "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak", "O'Brien", "O'Connor",
    "McCarthy", "Gallagher", "Doherty", "Kennedy", "Lynch", "Murray", "Quinn", "Moreno", "Álvarez",
    "Romero", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Serrano", "Blanco",
    "Suárez", "Molina",
];

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Anna", "José", "Zoë", "Émile", "Søren", "Björn", "Łukasz", "Jürgen", "François", "Inés",
    "Renée", "Mikuláš", "Ayşe", "Thủy", "Maria", "John", "David", "Sarah", "Michael", "Laura",
    "James", "Emma", "Robert", "Olivia", "William", "Sophia", "Richard", "Isabella", "Thomas",
    "Mia", "Charles", "Charlotte", "Daniel", "Amelia", "Matthew", "Harper", "Anthony", "Evelyn",
    "Mark", "Abigail", "Paul", "Emily", "Steven", "Elizabeth", "Andrew", "Sofia", "Kenneth",
    "Avery", "Joshua", "Ella", "Kevin", "Scarlett", "Brian", "Grace", "George", "Chloe", "Hiroshi",
    "Yuki", "Wei", "Mei", "Min-jun", "Ji-woo", "Arjun", "Priya", "Ivan", "Olga", "Giulia", "Marco",
    "Claire", "Pierre", "Lukas", "Lena", "Sven", "Ingrid", "Pekka", "Aino", "Piotr", "Agnieszka",
    "Seán", "Aoife", "Diego", "Lucía", "A.", "B.", "C.", "D.", "E. M.", "J. R.", "K.", "M.", "P.",
    "R.", "S.", "T.",
];

/// Words of titles, abstracts and notes, roughly in order of frequency; the
/// rarer vocabulary beyond them is made from syllables.
#[rustfmt::skip]
const COMMON_WORDS: &[&str] = &[
    "the", "of", "and", "in", "a", "to", "for", "with", "on", "by", "from", "an", "as", "at", "is",
    "are", "we", "this", "that", "between", "study", "analysis", "effects", "model", "data",
    "results", "using", "based", "new", "evidence", "role", "approach", "system", "development",
    "impact", "patients", "cell", "human", "social", "theory", "review", "methods", "response",
    "structure", "dynamics", "climate", "risk", "learning", "network", "health", "protein", "gene",
    "expression", "population", "growth", "policy", "species", "water", "energy", "change",
    "control", "design", "performance", "quality", "time", "early", "long", "term", "high", "low",
    "case", "cancer", "disease", "treatment", "clinical", "trial", "children", "women", "age",
    "history", "political", "economic", "market", "public", "education", "language", "cultural",
    "urban", "rural", "global", "local", "regional", "national", "european", "american", "african",
    "asian", "soil", "forest", "river", "ocean", "marine", "coastal", "carbon", "nitrogen",
    "temperature", "variation", "diversity", "evolution", "selection", "genetic", "molecular",
    "neural", "brain", "memory", "behaviour", "cognitive", "visual", "attention", "emotion",
    "stress", "sleep", "diet", "obesity", "diabetes", "infection", "virus", "bacteria", "immune",
    "vaccine", "drug", "therapy", "surgery", "mortality", "survival", "outcomes", "factors",
    "association", "prediction", "estimation", "simulation", "optimization", "algorithm",
    "framework", "measurement", "experimental", "observational", "survey", "interview",
    "qualitative", "quantitative", "comparative", "longitudinal", "spatial", "temporal",
    "statistical", "bayesian", "inference", "regression", "classification", "clustering", "deep",
    "neural", "machine", "intelligence", "robot", "sensor", "wireless", "security", "privacy",
    "software", "hardware", "computing", "quantum", "optical", "laser", "magnetic", "electric",
    "thermal", "mechanical", "material", "polymer", "crystal", "surface", "interface", "membrane",
    "transport", "flow", "turbulence", "wave", "field", "particle", "galaxy", "star", "planet",
    "solar", "radiation", "emission", "pollution", "waste", "recycling", "agriculture", "crop",
    "yield", "irrigation", "drought", "flood", "fire", "landscape", "habitat", "conservation",
    "biodiversity", "ecosystem", "migration", "mobility", "transport", "trade", "finance",
    "banking", "labour", "employment", "income", "inequality", "poverty", "welfare", "migration",
    "identity", "gender", "race", "ethnicity", "religion", "law", "justice", "rights", "democracy",
    "governance", "institutions", "state", "war", "conflict", "peace", "empire", "colonial",
    "medieval", "ancient", "modern", "century", "literature", "poetry", "novel", "music", "art",
    "architecture", "philosophy", "ethics", "knowledge", "science", "technology", "innovation",
    "media", "communication", "digital", "online", "internet", "platform",
];

#[rustfmt::skip]
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ter", "gen", "phy", "bio", "chem", "tro", "nal", "cor", "dex", "vi", "sta",
    "plex", "ment", "ion", "ra", "the", "syn", "mor", "pha", "lin", "qua", "ser", "tic", "po",
    "ly", "me", "ta", "neu", "ro", "cy", "to", "hy", "dro", "ge", "ol", "nu", "cle",
];

#[rustfmt::skip]
const JOURNALS: &[&str] = &[
    "Nature", "Science", "Cell", "The Lancet", "Physical Review Letters", "Journal of Ecology",
    "Annals of Mathematics", "American Economic Review", "Journal of Modern History", "Neuron",
    "PLOS ONE", "Scientific Reports", "Journal of Applied Physics", "Ecology Letters",
    "Global Change Biology", "Zeitschrift für Physik", "Revue française de sociologie",
    "Annales de l'Institut Fourier", "Acta Mathematica", "BMJ", "JAMA",
    "New England Journal of Medicine", "Journal of Archaeological Science", "Language", "Mind",
    "Philosophical Review", "Journal of Finance", "Econometrica", "Quarterly Journal of Economics",
    "Psychological Science",
];

#[rustfmt::skip]
const TAGS: &[&str] = &[
    "to read", "important", "methods", "review", "theory", "data", "fieldwork", "teaching",
    "thesis", "chapter 1", "chapter 2", "chapter 3", "grant", "cited", "ecology", "evolution",
    "genetics", "neuroscience", "economics", "history", "philosophy", "sociology", "physics",
    "chemistry", "mathematics", "statistics", "machine learning", "climate", "health", "medicine",
    "education", "politics", "law", "linguistics", "archaeology", "art history", "literature",
    "music", "open access", "preprint", "replication", "meta-analysis", "qualitative",
    "quantitative", "survey", "experiment", "simulation", "software",
];

const TYPES: &[(&str, u32)] = &[
    ("journalArticle", 55),
    ("book", 12),
    ("bookSection", 12),
    ("conferencePaper", 8),
    ("thesis", 4),
    ("report", 4),
    ("webpage", 3),
    ("magazineArticle", 2),
];

#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
];

/// Words by rank, with a Zipf-like table to draw from.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(rng: &mut Rng) -> Self {
        let mut words: Vec<String> = COMMON_WORDS.iter().map(|w| w.to_string()).collect();
        let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
        while words.len() < 6000 {
            let n = rng.range(2, 4);
            let word: String = (0..n).map(|_| rng.pick(SYLLABLES)).collect();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 2.0);
                total
            })
            .collect();
        Self { words, cumulative }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = rng.unit() * total;
        let i = self.cumulative.partition_point(|&c| c < target);
        &self.words[i.min(self.words.len() - 1)]
    }

    /// A word from the less common part of the vocabulary: what people
    /// actually type into a search box.
    fn search_word(&self, rng: &mut Rng) -> &str {
        &self.words[rng.range(20, self.words.len() - 1)]
    }

    fn text(&self, rng: &mut Rng, lo: usize, hi: usize) -> String {
        let n = rng.range(lo, hi);
        let mut out = String::with_capacity(n * 8);
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(self.word(rng));
        }
        out
    }

    fn title(&self, rng: &mut Rng) -> String {
        let mut t = self.text(rng, 4, 14);
        if let Some(first) = t.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        t
    }
}

fn item_type(rng: &mut Rng) -> &'static str {
    let total: u32 = TYPES.iter().map(|(_, w)| w).sum();
    let mut roll = (rng.next() % u64::from(total)) as u32;
    for (name, weight) in TYPES {
        if roll < *weight {
            return name;
        }
        roll -= weight;
    }
    "journalArticle"
}

fn date(rng: &mut Rng) -> String {
    // Recent years are more common.
    let year = 2025 - (rng.unit().powi(3) * 125.0) as usize;
    match rng.range(0, 3) {
        0 => year.to_string(),
        1 => format!("{year}-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28)),
        2 => format!("{} {year}", rng.pick(MONTHS)),
        _ => format!("{year}-{:02}", rng.range(1, 12)),
    }
}

fn regular_item(rng: &mut Rng, vocab: &Vocabulary, collections: &[ObjectKey]) -> ItemData {
    let kind = item_type(rng);
    let mut item = ItemData::new(kind);
    item.set_field("title", vocab.title(rng));
    if rng.chance(0.9) {
        item.set_field("abstractNote", vocab.text(rng, 100, 250));
    }
    item.set_field("date", date(rng));
    let creators = match rng.range(0, 9) {
        0..=3 => rng.range(1, 2),
        4..=7 => rng.range(2, 5),
        _ => rng.range(5, 12),
    };
    for i in 0..creators {
        let role = if kind == "bookSection" && i == creators - 1 {
            "editor"
        } else {
            "author"
        };
        item.creators.push(Creator::person(
            role,
            rng.pick(FIRST_NAMES),
            rng.pick(LAST_NAMES),
        ));
    }
    match kind {
        "journalArticle" | "magazineArticle" => {
            item.set_field("publicationTitle", rng.pick(JOURNALS));
            item.set_field("volume", rng.range(1, 300).to_string());
            item.set_field("issue", rng.range(1, 12).to_string());
            let first = rng.range(1, 2000);
            item.set_field("pages", format!("{first}–{}", first + rng.range(3, 40)));
            item.set_field(
                "DOI",
                format!("10.{}/{:x}", rng.range(1000, 9999), rng.next() >> 24),
            );
        }
        "book" => {
            item.set_field("publisher", format!("{} Press", rng.pick(LAST_NAMES)));
            item.set_field("numPages", rng.range(80, 900).to_string());
            item.set_field("ISBN", format!("978{:010}", rng.next() % 10_000_000_000));
        }
        "bookSection" => {
            item.set_field("bookTitle", vocab.title(rng));
            item.set_field("publisher", format!("{} Press", rng.pick(LAST_NAMES)));
        }
        "conferencePaper" => {
            item.set_field(
                "proceedingsTitle",
                format!("Proceedings of {}", vocab.title(rng)),
            );
        }
        "thesis" => {
            item.set_field(
                "university",
                format!("University of {}", rng.pick(LAST_NAMES)),
            );
            item.set_field("thesisType", "PhD thesis");
        }
        "report" => {
            item.set_field("institution", format!("{} Institute", rng.pick(LAST_NAMES)));
        }
        "webpage" => {
            item.set_field("url", format!("https://example.org/{:x}", rng.next()));
            item.set_field("websiteTitle", vocab.title(rng));
        }
        _ => {}
    }
    for _ in 0..rng.range(0, 6) {
        let tag = Tag::manual(rng.pick(TAGS));
        if !item.tags.contains(&tag) {
            item.tags.push(tag);
        }
    }
    if rng.chance(0.6) {
        for _ in 0..rng.range(1, 2) {
            let c = collections[rng.range(0, collections.len() - 1)].clone();
            if !item.collections.contains(&c) {
                item.collections.push(c);
            }
        }
    }
    item
}

/// Notes (10 % of items) and, for some, a PDF with annotations.
fn children(rng: &mut Rng, vocab: &Vocabulary, parent: &ItemData) -> Vec<ItemData> {
    let mut out = Vec::new();
    if rng.chance(0.10) {
        for _ in 0..rng.range(1, 2) {
            let mut note = ItemData::new("note");
            note.parent_item = Some(parent.key.clone());
            note.set_field(
                "note",
                format!(
                    "<p>{}</p><p>{}</p>",
                    vocab.text(rng, 5, 12),
                    vocab.text(rng, 30, 150)
                ),
            );
            out.push(note);
        }
    }
    if rng.chance(0.05) {
        let mut pdf = ItemData::new("attachment");
        pdf.parent_item = Some(parent.key.clone());
        pdf.set_field("linkMode", "linked_file");
        pdf.set_field("path", format!("/home/me/papers/{}.pdf", parent.key));
        pdf.set_field("title", "Full Text PDF");
        let pdf_key = pdf.key.clone();
        out.push(pdf);
        for i in 0..rng.range(1, 5) {
            let mut a = ItemData::new("annotation");
            a.parent_item = Some(pdf_key.clone());
            a.set_field("annotationType", "highlight");
            a.set_field("annotationText", vocab.text(rng, 8, 40));
            if rng.chance(0.3) {
                a.set_field("annotationComment", vocab.text(rng, 3, 15));
            }
            a.set_field("annotationColor", "#ffd400");
            a.set_field("annotationSortIndex", format!("00001|{:06}|00045", i * 100));
            a.set_field(
                "annotationPosition",
                r#"{"pageIndex":0,"rects":[[10,20,30,40]]}"#,
            );
            out.push(a);
        }
    }
    out
}

/// Collections as sync would store them: a few group sets holding groups.
fn add_collections(path: &std::path::Path, rng: &mut Rng, vocab: &Vocabulary) -> Vec<ObjectKey> {
    let conn = rusqlite::Connection::open(path).expect("open library file");
    let mut keys: Vec<ObjectKey> = Vec::new();
    for i in 0..COLLECTIONS {
        let mut data = CollectionData::new(&vocab.title(rng));
        if i >= 5 {
            data.parent_collection = Some(keys[rng.range(0, 4)].clone());
        }
        conn.execute(
            "INSERT INTO collections (library_id, key, name, parent_key, data) VALUES (1, ?1, ?2, ?3, ?4)",
            params![
                data.key.as_str(),
                data.name,
                data.parent_collection.as_ref().map(ObjectKey::as_str),
                data.to_json_value().to_string()
            ],
        )
        .expect("insert collection");
        keys.push(data.key);
    }
    keys
}

/// Queries people type: names (with or without their accents, whole or
/// begun), title words, a word and a year, two words.
fn queries(rng: &mut Rng, vocab: &Vocabulary) -> Vec<String> {
    (0..QUERIES)
        .map(|i| match i % 8 {
            0 => rng.pick(LAST_NAMES).to_owned(),
            1 => fold_ascii(rng.pick(LAST_NAMES)),
            2 => {
                let name = fold_ascii(rng.pick(LAST_NAMES));
                name.chars().take(rng.range(3, 5)).collect()
            }
            3 => vocab.search_word(rng).to_string(),
            4 => format!("{} {}", vocab.search_word(rng), rng.range(1990, 2024)),
            5 => format!("{} {}", vocab.search_word(rng), vocab.search_word(rng)),
            6 => {
                let w = vocab.search_word(rng);
                w.chars().take(rng.range(3, 5)).collect()
            }
            _ => format!("{} {}", rng.pick(LAST_NAMES), vocab.search_word(rng)),
        })
        .collect()
}

/// Strips accents the way a user typing on a plain keyboard would.
fn fold_ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'å' | 'Å' | 'ą' => 'a',
            'é' | 'è' | 'ë' | 'ę' | 'É' => 'e',
            'í' | 'ï' => 'i',
            'ó' | 'ö' | 'ø' | 'Ø' | 'ő' => 'o',
            'ú' | 'ü' | 'ű' => 'u',
            'ñ' => 'n',
            'ç' | 'Ç' => 'c',
            'ř' => 'r',
            'š' => 's',
            'ž' => 'z',
            'ł' | 'Ł' => 'l',
            'ś' => 's',
            'ź' | 'ż' => 'z',
            'ễ' => 'e',
            'č' => 'c',
            'ć' => 'c',
            other => other,
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn verdict(value: Duration, target_ms: f64) -> &'static str {
    if value.as_secs_f64() * 1000.0 <= target_ms {
        "ok"
    } else {
        "MISSED"
    }
}

/// CPU time this process has used (user + system), from `/proc/self/stat`,
/// whose clock ticks are hundredths of a second on Linux.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The value after `--name` on the command line.
fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Timings of one search mode over the queries.
struct SearchRun {
    /// Sorted, fastest first.
    times: Vec<Duration>,
    mean_results: u64,
    /// The slowest queries with their time and number of results.
    slowest: Vec<(Duration, String, u64)>,
}

fn search_times(lib: &Library, queries: &[String], mode: SearchMode) -> SearchRun {
    let mut runs = Vec::with_capacity(queries.len());
    for text in queries {
        let q = ItemSearchQuery {
            text: text.clone(),
            mode,
            ..ItemSearchQuery::default()
        };
        let t = Instant::now();
        let page = lib.search_items(&q).expect("search");
        runs.push((t.elapsed(), text.clone(), page.total));
    }
    let mean_results = runs.iter().map(|r| r.2).sum::<u64>() / runs.len().max(1) as u64;
    let mut times: Vec<Duration> = runs.iter().map(|r| r.0).collect();
    times.sort();
    runs.sort_by_key(|r| std::cmp::Reverse(r.0));
    runs.truncate(5);
    SearchRun {
        times,
        mean_results,
        slowest: runs,
    }
}

fn print_slowest(label: &str, run: &SearchRun) {
    let list: Vec<String> = run
        .slowest
        .iter()
        .map(|(t, q, n)| format!("{q:?} {} ({n} results)", ms(*t)))
        .collect();
    println!(
        "  {label}: mean results {}; slowest: {}",
        run.mean_results,
        list.join(", ")
    );
}

/// Builds the library at `path` through `Library::create_items` in batches;
/// returns how many child items (notes, attachments, annotations) it made.
fn build_library(path: &std::path::Path, total: usize, rng: &mut Rng, vocab: &Vocabulary) -> usize {
    let lib = Library::create(path).expect("create library");
    let collections = add_collections(path, rng, vocab);
    let mut made = 0;
    let mut child_count = 0;
    while made < total {
        let n = BATCH.min(total - made);
        let mut batch = Vec::with_capacity(n * 2);
        for _ in 0..n {
            let item = regular_item(rng, vocab, &collections);
            let kids = children(rng, vocab, &item);
            child_count += kids.len();
            batch.push(item);
            batch.extend(kids);
        }
        lib.create_items(batch).expect("create items");
        made += n;
        eprint!("\r  building: {made}/{total} items");
    }
    eprintln!();
    child_count
}

/// Saved searches of several kinds, stored as sync would store them, with
/// the median time of their first page (target: 50 ms each).
fn saved_searches(path: &std::path::Path, lib: &Library) -> Vec<(String, Duration, u64)> {
    let collection: String = rusqlite::Connection::open(path)
        .and_then(|c| c.query_row("SELECT key FROM collections ORDER BY id", [], |r| r.get(0)))
        .expect("a collection");
    let c = SearchCondition::new;
    let searches = [
        (
            "tag is \"methods\" and year > 2010",
            vec![
                c("tag", "is", "methods"),
                c("year", "isGreaterThan", "2010"),
            ],
        ),
        (
            "collection (with subcollections)",
            vec![
                c("collection", "is", &collection),
                c("recursive", "true", ""),
            ],
        ),
        (
            "title contains \"analysis\"",
            vec![c("title", "contains", "analysis")],
        ),
        (
            "creator contains \"muller\"",
            vec![c("creator", "contains", "muller")],
        ),
        ("creator is \"smith\"", vec![c("creator", "is", "smith")]),
        (
            "creator beginsWith \"mar\"",
            vec![c("creator", "beginsWith", "mar")],
        ),
        (
            "note contains \"climate\"",
            vec![c("note", "contains", "climate")],
        ),
        (
            "note doesNotContain \"climate\"",
            vec![c("note", "doesNotContain", "climate")],
        ),
    ];
    let conn = rusqlite::Connection::open(path).expect("open library file");
    searches
        .into_iter()
        .map(|(label, conditions)| {
            let data = SavedSearchData::new(label, conditions);
            conn.execute(
                "INSERT INTO saved_searches (library_id, key, name, data) VALUES (1, ?1, ?2, ?3)",
                params![data.key.as_str(), label, data.to_json_value().to_string()],
            )
            .expect("insert saved search");
            let mut total = 0;
            let mut runs: Vec<Duration> = (0..5)
                .map(|_| {
                    let t = Instant::now();
                    let page = lib
                        .saved_search_items(data.key.as_str(), &ItemListQuery::default())
                        .expect("saved search");
                    total = page.total;
                    t.elapsed()
                })
                .collect();
            runs.sort();
            (label.to_owned(), runs[runs.len() / 2], total)
        })
        .collect()
}

/// The median time of the first page of each order, over repeated runs.
fn first_pages(lib: &Library) -> Vec<(SortField, bool, Duration)> {
    let mut sorted = Vec::new();
    for sort in [SortField::Creator, SortField::Title, SortField::Date] {
        for descending in [false, true] {
            let q = ItemListQuery {
                sort,
                descending,
                ..ItemListQuery::default()
            };
            let mut runs: Vec<Duration> = (0..21)
                .map(|_| {
                    let t = Instant::now();
                    lib.list_items(&q).expect("list");
                    t.elapsed()
                })
                .collect();
            runs.sort();
            sorted.push((sort, descending, runs[runs.len() / 2]));
        }
    }
    sorted
}

fn main() {
    let total: usize = arg("--items")
        .map(|n| n.replace('_', "").parse().expect("--items takes a number"))
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = arg("--path")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.shelfmark"));
    let mut rng = Rng(0x5348_4C46);
    let vocab = Vocabulary::new(&mut rng);

    let reuse = path.exists();
    if reuse {
        println!("Shelfmark library benchmark: measuring {}", path.display());
    } else {
        println!("Shelfmark library benchmark: {total} items");
    }
    let build = Instant::now();
    let child_count = if reuse {
        0
    } else {
        build_library(&path, total, &mut rng, &vocab)
    };
    let build_time = build.elapsed();
    // Fold the write-ahead log into the file so that its size is the size
    // of the library.
    rusqlite::Connection::open(&path)
        .and_then(|c| c.pragma_update(None, "wal_checkpoint", "TRUNCATE"))
        .expect("checkpoint");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let (top_level, child_rows, collection_rows): (usize, usize, usize) =
        rusqlite::Connection::open(&path)
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FILTER (WHERE parent_key IS NULL),
                            count(*) FILTER (WHERE parent_key IS NOT NULL),
                            (SELECT count(*) FROM collections)
                       FROM items",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
            })
            .expect("count rows");

    // Opening to the first page, as an app does at launch.
    let mut opens = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let lib = Library::open(&path).expect("open");
        let page = lib
            .list_items(&ItemListQuery::default())
            .expect("first page");
        opens.push(t.elapsed());
        assert_eq!(page.items.len(), 50.min(top_level));
    }
    opens.sort();

    let lib = Library::open(&path).expect("open");
    let sorted = first_pages(&lib);
    let worst_sorted = sorted.iter().map(|s| s.2).max().unwrap_or_default();

    let mut qrng = Rng(0x0051_5545_5259);
    let queries = queries(&mut qrng, &vocab);
    // One pass to warm the page cache, as a user's earlier searches would.
    search_times(&lib, &queries, SearchMode::Everything);
    let (wall, cpu) = (Instant::now(), cpu_time());
    let quick_run = search_times(&lib, &queries, SearchMode::Quick);
    let every_run = search_times(&lib, &queries, SearchMode::Everything);
    // Wall time over CPU time of the single-threaded measuring: near 1 on
    // an idle machine, higher when other work shares the cores.
    let busy = cpu_time()
        .zip(cpu)
        .map(|(end, start)| wall.elapsed().as_secs_f64() / (end - start).as_secs_f64().max(0.001));
    let (quick, every) = (&quick_run.times, &every_run.times);

    println!();
    println!(
        "  {top_level} items + {child_rows} notes/attachments/annotations, {collection_rows} collections"
    );
    if !reuse {
        println!(
            "  build (create_items, batches of {BATCH}): {:.1} s ({:.0} rows/s)",
            build_time.as_secs_f64(),
            (total + child_count) as f64 / build_time.as_secs_f64()
        );
    }
    println!("  file size: {:.1} MB", size as f64 / 1_048_576.0);
    println!();
    println!("  {:<48} {:>10}   target", "figure", "measured");
    let row = |name: &str, value: Duration, target: f64| {
        println!(
            "  {name:<48} {:>10}   ≤ {target} ms  {}",
            ms(value),
            verdict(value, target)
        );
    };
    row(
        &format!("P4 quick search p50 ({} queries)", queries.len()),
        percentile(quick, 50.0),
        20.0,
    );
    row("P4 quick search p95", percentile(quick, 95.0), 20.0);
    row("P4 everything search p50", percentile(every, 50.0), 50.0);
    row("P4 everything search p95", percentile(every, 95.0), 50.0);
    for (sort, descending, median) in &sorted {
        let dir = if *descending { "desc" } else { "asc" };
        row(
            &format!("P5 first 50 rows by {sort} {dir} (median)"),
            *median,
            10.0,
        );
    }
    row(
        "P5 first 50 rows, worst order (max of medians)",
        worst_sorted,
        10.0,
    );
    row(
        "P5 open library → first page (median)",
        percentile(&opens, 50.0),
        200.0,
    );
    row(
        "P5 open library → first page (max)",
        *opens.last().unwrap_or(&Duration::ZERO),
        200.0,
    );
    println!();
    for (label, median, total) in saved_searches(&path, &lib) {
        row(
            &format!("saved search {label} ({total} items)"),
            median,
            SAVED_SEARCH_TARGET_MS,
        );
    }
    print_slowest("quick search", &quick_run);
    print_slowest("everything search", &every_run);
    if let Some(busy) = busy {
        println!("  wall/CPU time while searching: {busy:.2} (1.0 = the cores were ours alone)");
    }
    match peak_rss_mb() {
        Some(mb) => println!("  peak memory (VmHWM): {mb:.0} MB"),
        None => println!("  peak memory: not available on this system"),
    }
}
