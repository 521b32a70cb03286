//! Reading the free-form `date` field ("2020-05-17", "May 2020", "17 May
//! 2020", "Spring 1999", "05/17/2020") into year, month and day, as the Web
//! API's `meta.parsedDate` and date sorting need.

/// The parts of a date that could be read; absent parts are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParsedDate {
    pub year: Option<i32>,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

impl ParsedDate {
    /// `YYYY-MM-DD` with `00` for unknown parts, sorting chronologically as
    /// text; empty when there is no year.
    pub fn sort_key(&self) -> String {
        match self.year {
            Some(y) => format!(
                "{:04}-{:02}-{:02}",
                y,
                self.month.unwrap_or(0),
                self.day.unwrap_or(0)
            ),
            None => String::new(),
        }
    }

    /// The Web API's `parsedDate`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub fn iso(&self) -> Option<String> {
        let y = self.year?;
        Some(match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{y:04}-{m:02}-{d:02}"),
            (Some(m), None) => format!("{y:04}-{m:02}"),
            _ => format!("{y:04}"),
        })
    }
}

fn month_from_word(word: &str) -> Option<u8> {
    let lower = word.to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| lower.starts_with(m))
        .map(|i| i as u8 + 1)
}

fn valid_day(d: u32) -> Option<u8> {
    (1..=31).contains(&d).then_some(d as u8)
}

fn valid_month(m: u32) -> Option<u8> {
    (1..=12).contains(&m).then_some(m as u8)
}

/// Parses a date as people type it. Never fails: what cannot be read is left
/// out.
pub fn parse_date(text: &str) -> ParsedDate {
    let text = text.trim();
    if text.is_empty() {
        return ParsedDate::default();
    }
    // ISO forms: YYYY, YYYY-MM, YYYY-MM-DD (also with / or . and a time part).
    let head: &str = text.split(['T', ' ']).next().unwrap_or(text);
    let parts: Vec<&str> = head.split(['-', '/', '.']).collect();
    if parts
        .first()
        .is_some_and(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let year = parts[0].parse().ok();
        let month = parts
            .get(1)
            .and_then(|m| m.parse().ok())
            .and_then(valid_month);
        let day = month
            .and(parts.get(2))
            .and_then(|d| d.parse().ok())
            .and_then(valid_day);
        if parts.len() == 1 || month.is_some() {
            return ParsedDate { year, month, day };
        }
    }
    // Numeric M/D/YYYY or D.M.YYYY (US order for '/', European for '.').
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[2].len() == 4
    {
        let a: u32 = parts[0].parse().unwrap_or(0);
        let b: u32 = parts[1].parse().unwrap_or(0);
        let (m, d) = if head.contains('.') || a > 12 {
            (b, a)
        } else {
            (a, b)
        };
        return ParsedDate {
            year: parts[2].parse().ok(),
            month: valid_month(m),
            day: valid_month(m).and(valid_day(d)),
        };
    }
    // Words: find a four-digit year, a month name and a day number.
    let mut out = ParsedDate::default();
    let mut numbers = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if word.bytes().all(|b| b.is_ascii_digit()) {
            if word.len() == 4 && out.year.is_none() {
                out.year = word.parse().ok();
            } else if word.len() <= 2 {
                numbers.push(word.parse::<u32>().unwrap_or(0));
            }
        } else if let Some(m) = month_from_word(word) {
            out.month.get_or_insert(m);
        } else {
            // "1st", "2nd", "17th"
            let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty() && digits.len() <= 2 {
                numbers.push(digits.parse().unwrap_or(0));
            }
        }
    }
    if out.month.is_some() {
        out.day = numbers.first().copied().and_then(valid_day);
    }
    if out.year.is_none() {
        out.month = None;
        out.day = None;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        parse_date(s).sort_key()
    }

    #[test]
    fn reads_common_forms() {
        assert_eq!(key("2020-05-17"), "2020-05-17");
        assert_eq!(key("2020-05"), "2020-05-00");
        assert_eq!(key("2020"), "2020-00-00");
        assert_eq!(key("May 17, 2020"), "2020-05-17");
        assert_eq!(key("17 May 2020"), "2020-05-17");
        assert_eq!(key("Oct. 1843"), "1843-10-00");
        assert_eq!(key("05/17/2020"), "2020-05-17");
        assert_eq!(key("17.05.2020"), "2020-05-17");
        assert_eq!(key("Spring 1999"), "1999-00-00");
        assert_eq!(key("2024-01-02T10:00:00Z"), "2024-01-02");
        assert_eq!(key("n.d."), "");
        assert_eq!(key(""), "");
        assert_eq!(
            parse_date("March 3rd 2001").iso().as_deref(),
            Some("2001-03-03")
        );
    }
}
