//! P6: importing 50,000 RIS records (target ≤ 3 s, ≤ 150 MB peak RSS).
//!
//! `cargo bench -p shelfmark-core --bench import [-- --records N]`
//! Generates a realistic RIS file (journal articles, books, chapters,
//! conference papers, theses; several authors; abstracts; keywords; notes),
//! imports it into a new library and prints the figures beside the targets.

use std::fmt::Write as _;
use std::time::Instant;

use shelfmark_core::{ImportOptions, Library};

const SURNAMES: &[&str] = &[
    "Smith",
    "García",
    "Müller",
    "Nakamura",
    "Okafor",
    "Dubois",
    "Kowalski",
    "Silva",
    "Ivanova",
    "O'Brien",
    "Andersson",
    "Rossi",
    "Chen",
    "Novák",
    "Haddad",
    "Fernández",
    "Łukasiewicz",
];
const GIVEN: &[&str] = &[
    "Ana", "John", "Mei", "Jürgen", "Chidi", "Zoë", "Piotr", "Élodie", "Ravi", "Ingrid",
];
const WORDS: &[&str] = &[
    "protein",
    "structure",
    "climate",
    "model",
    "neural",
    "network",
    "evolution",
    "quantum",
    "dynamics",
    "analysis",
    "urban",
    "policy",
    "genome",
    "catalysis",
    "ocean",
    "memory",
    "learning",
    "history",
    "migration",
    "theory",
    "synthesis",
    "inference",
    "soil",
    "language",
];
const TYPES: &[&str] = &[
    "JOUR", "JOUR", "JOUR", "BOOK", "CHAP", "CONF", "THES", "RPRT",
];

/// A small deterministic generator, so every run measures the same file.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.next() % list.len()]
    }
    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| self.pick(WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn ris(records: usize) -> String {
    let mut rng = Lcg(42);
    let mut out = String::with_capacity(records * 1200);
    for i in 0..records {
        let ty = rng.pick(TYPES);
        let _ = writeln!(out, "TY  - {ty}");
        for _ in 0..(1 + rng.next() % 6) {
            let _ = writeln!(out, "AU  - {}, {}", rng.pick(SURNAMES), rng.pick(GIVEN));
        }
        let title_len = 4 + rng.next() % 8;
        let _ = writeln!(out, "TI  - {} {i}", rng.words(title_len));
        let _ = writeln!(out, "PY  - {}", 1950 + rng.next() % 75);
        match ty {
            "JOUR" => {
                let _ = writeln!(out, "JO  - Journal of {}", rng.words(2));
                let _ = writeln!(out, "VL  - {}", 1 + rng.next() % 80);
                let _ = writeln!(out, "IS  - {}", 1 + rng.next() % 12);
                let start = 1 + rng.next() % 900;
                let _ = writeln!(out, "SP  - {start}\nEP  - {}", start + 5 + rng.next() % 30);
                let _ = writeln!(out, "DO  - 10.{}/bench.{i}", 1000 + rng.next() % 9000);
            }
            "BOOK" | "CHAP" => {
                let _ = writeln!(out, "PB  - {} Press\nCY  - Oxford", rng.pick(SURNAMES));
                if ty == "CHAP" {
                    let _ = writeln!(out, "T2  - Handbook of {}", rng.words(2));
                }
            }
            _ => {}
        }
        let abstract_len = 60 + rng.next() % 120;
        let _ = writeln!(out, "AB  - {}", rng.words(abstract_len));
        for _ in 0..(rng.next() % 5) {
            let _ = writeln!(out, "KW  - {}", rng.pick(WORDS));
        }
        if i % 10 == 0 {
            let _ = writeln!(out, "N1  - Read for the {} review", rng.words(2));
        }
        out.push_str("ER  - \n\n");
    }
    out
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let mut records = 50_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--records" {
            records = args.next().and_then(|n| n.parse().ok()).unwrap_or(records);
        }
    }
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return eprintln!("cannot make a temporary folder: {e}"),
    };
    let file = dir.path().join("bench.ris");
    let text = ris(records);
    if let Err(e) = std::fs::write(&file, &text) {
        return eprintln!("cannot write {}: {e}", file.display());
    }
    let megabytes = text.len() as f64 / 1e6;
    drop(text);
    let rss_before = peak_rss_mb().unwrap_or(0.0);
    let library = match Library::create(dir.path().join("bench.shelfmark")) {
        Ok(l) => l,
        Err(e) => return eprintln!("cannot create the library: {e}"),
    };
    let started = Instant::now();
    let report = library.import_file(&file, &ImportOptions::default(), &mut |_, _| {});
    let elapsed = started.elapsed().as_secs_f64();
    match report {
        Ok(report) => {
            println!("P6 import of {records} RIS records ({megabytes:.1} MB)");
            println!(
                "  time          {elapsed:>8.2} s     target ≤ 3 s   ({} items created, {} skipped as duplicates)",
                report.created.len(),
                report.duplicates.len()
            );
            if let Some(peak) = peak_rss_mb() {
                println!(
                    "  peak RSS      {peak:>8.1} MB    target ≤ 150 MB (process before import: {rss_before:.1} MB)"
                );
            }
        }
        Err(e) => eprintln!("import failed: {e}"),
    }
}
