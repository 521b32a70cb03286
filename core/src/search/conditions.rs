//! Saved-search conditions read and checked: which field a condition looks
//! at, which operators fit it, and what its value means.

use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{ObjectKey, SearchCondition};
use time::{Date, Month, OffsetDateTime};

use crate::error::{Error, Result};
use crate::text::fold;

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    Title,
    Creator,
    /// The date field (whatever the type calls it), by its sortable form.
    Date,
    Year,
    Tag,
    ItemType,
    /// The text of the item if it is a note, and of its child notes.
    Note,
    AnnotationText,
    AnnotationComment,
    Collection,
    SavedSearch,
    DateAdded,
    DateModified,
    /// In the trash.
    Deleted,
    /// In no collection.
    Unfiled,
    /// Flag: `collection` conditions include subcollections.
    Recursive,
    JoinMode,
    /// A schema field holding a timestamp (`accessDate`).
    Timestamp(String),
    /// A schema field holding a count (`numPages`, `volume`, …), which may
    /// also be compared as a number.
    Count(String),
    /// Any other schema field; a base field (`publicationTitle`) also looks
    /// at the fields mapped to it (`bookTitle`, `proceedingsTitle`, …).
    Text(String),
}

/// How a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Is,
    IsNot,
    Contains,
    DoesNotContain,
    BeginsWith,
    IsBefore,
    IsAfter,
    IsInTheLast,
    IsLessThan,
    IsGreaterThan,
    True,
    False,
    Any,
    All,
}

impl Op {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "is" => Self::Is,
            "isNot" => Self::IsNot,
            "contains" => Self::Contains,
            "doesNotContain" => Self::DoesNotContain,
            "beginsWith" => Self::BeginsWith,
            "isBefore" => Self::IsBefore,
            "isAfter" => Self::IsAfter,
            "isInTheLast" => Self::IsInTheLast,
            "isLessThan" => Self::IsLessThan,
            "isGreaterThan" => Self::IsGreaterThan,
            "true" => Self::True,
            "false" => Self::False,
            "any" => Self::Any,
            "all" => Self::All,
            _ => return None,
        })
    }

    /// True for the operators that hold when the positive form does not.
    pub(crate) fn is_negative(self) -> bool {
        matches!(self, Self::IsNot | Self::DoesNotContain)
    }
}

const TEXT_OPS: &[&str] = &["is", "isNot", "contains", "doesNotContain", "beginsWith"];
const NUMBER_TEXT_OPS: &[&str] = &[
    "is",
    "isNot",
    "contains",
    "doesNotContain",
    "beginsWith",
    "isLessThan",
    "isGreaterThan",
];
const DATE_OPS: &[&str] = &["is", "isNot", "isBefore", "isAfter", "isInTheLast"];
const YEAR_OPS: &[&str] = &[
    "is",
    "isNot",
    "isBefore",
    "isAfter",
    "isLessThan",
    "isGreaterThan",
];
const IS_OPS: &[&str] = &["is", "isNot"];
const FLAG_OPS: &[&str] = &["true", "false"];
const JOIN_OPS: &[&str] = &["any", "all"];

/// Schema fields whose values are counts.
const NUMBER_FIELDS: &[&str] = &[
    "volume",
    "issue",
    "numPages",
    "numberOfVolumes",
    "edition",
    "seriesNumber",
    "session",
    "episodeNumber",
];

/// Schema fields holding timestamps rather than free-form dates.
const TIMESTAMP_FIELDS: &[&str] = &["accessDate"];

impl Field {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "title" => Self::Title,
            "creator" => Self::Creator,
            "date" => Self::Date,
            "year" => Self::Year,
            "tag" => Self::Tag,
            "itemType" => Self::ItemType,
            "note" => Self::Note,
            "annotationText" => Self::AnnotationText,
            "annotationComment" => Self::AnnotationComment,
            "collection" => Self::Collection,
            "savedSearch" => Self::SavedSearch,
            "dateAdded" => Self::DateAdded,
            "dateModified" => Self::DateModified,
            "deleted" => Self::Deleted,
            "unfiled" => Self::Unfiled,
            "recursive" => Self::Recursive,
            "joinMode" => Self::JoinMode,
            other if TIMESTAMP_FIELDS.contains(&other) => Self::Timestamp(other.to_owned()),
            other if NUMBER_FIELDS.contains(&other) => Self::Count(other.to_owned()),
            other if schema().is_field(other) => Self::Text(other.to_owned()),
            _ => return None,
        })
    }

    fn operators(&self) -> &'static [&'static str] {
        match self {
            Self::Title
            | Self::Creator
            | Self::Tag
            | Self::Note
            | Self::AnnotationText
            | Self::AnnotationComment
            | Self::Text(_) => TEXT_OPS,
            Self::Count(_) => NUMBER_TEXT_OPS,
            Self::Date | Self::DateAdded | Self::DateModified | Self::Timestamp(_) => DATE_OPS,
            Self::Year => YEAR_OPS,
            Self::ItemType | Self::Collection | Self::SavedSearch => IS_OPS,
            Self::Deleted | Self::Unfiled | Self::Recursive => FLAG_OPS,
            Self::JoinMode => JOIN_OPS,
        }
    }

    /// Flags that shape the search rather than select items.
    pub(crate) fn is_setting(&self) -> bool {
        matches!(self, Self::Recursive | Self::JoinMode)
    }
}

/// A unit of an `isInTheLast` interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

/// What a condition's value means once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Operand {
    /// Text to compare with, already folded.
    Text(String),
    /// A date as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; compared as a prefix.
    Date(String),
    /// `isInTheLast`: how far back from now.
    Interval(u32, Unit),
    Number(i64),
    Key(ObjectKey),
    /// Flags and join mode carry their meaning in the operator.
    None,
}

/// A condition read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub field: Field,
    pub op: Op,
    pub operand: Operand,
}

/// Checks saved-search conditions: every field known, every operator one
/// that applies to its field, every value readable (dates, intervals,
/// numbers, item types, keys). The error names the first bad condition.
pub fn validate_conditions(conditions: &[SearchCondition]) -> Result<()> {
    parse_conditions(conditions).map(|_| ())
}

/// Reads conditions, refusing the first bad one with a message naming it.
pub(crate) fn parse_conditions(conditions: &[SearchCondition]) -> Result<Vec<Condition>> {
    conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            parse_condition(c).map_err(|reason| {
                Error::invalid(format!(
                    "search condition {} ({} {} {:?}): {reason}",
                    i + 1,
                    c.condition,
                    c.operator,
                    c.value
                ))
            })
        })
        .collect()
}

fn parse_condition(c: &SearchCondition) -> std::result::Result<Condition, String> {
    let field =
        Field::parse(&c.condition).ok_or_else(|| format!("unknown field {:?}", c.condition))?;
    let allowed = field.operators();
    let op = Op::parse(&c.operator)
        .filter(|_| allowed.contains(&c.operator.as_str()))
        .ok_or_else(|| {
            format!(
                "operator {:?} does not apply to {}; use one of {}",
                c.operator,
                c.condition,
                allowed.join(", ")
            )
        })?;
    let value = c.value.trim();
    let operand = match (&field, op) {
        (Field::Deleted | Field::Unfiled | Field::Recursive | Field::JoinMode, _) => Operand::None,
        (_, Op::IsInTheLast) => parse_interval(value)?,
        (Field::Date | Field::DateAdded | Field::DateModified | Field::Timestamp(_), _) => {
            Operand::Date(parse_date_value(value)?)
        }
        (Field::Year, _) => Operand::Number(parse_year(value)?),
        (_, Op::IsLessThan | Op::IsGreaterThan) => Operand::Number(parse_number(value)?),
        (Field::ItemType, _) => {
            if schema().item_type(value).is_none() {
                return Err(format!("{value:?} is not an item type"));
            }
            Operand::Text(value.to_owned())
        }
        (Field::Collection | Field::SavedSearch, _) => Operand::Key(
            ObjectKey::parse(value).map_err(|_| format!("{value:?} is not an object key"))?,
        ),
        _ => Operand::Text(fold(&c.value)),
    };
    Ok(Condition { field, op, operand })
}

fn parse_number(value: &str) -> std::result::Result<i64, String> {
    value
        .parse()
        .map_err(|_| format!("{value:?} is not a whole number"))
}

fn parse_year(value: &str) -> std::result::Result<i64, String> {
    let year = parse_number(value)?;
    if (1..=9999).contains(&year) {
        Ok(year)
    } else {
        Err(format!("{value:?} is not a year from 1 to 9999"))
    }
}

/// Accepts `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
fn parse_date_value(value: &str) -> std::result::Result<String, String> {
    let bad = || format!("{value:?} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)");
    let parts: Vec<&str> = value.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && (1..=12).contains(&m.parse().unwrap_or(0)),
        [y, m, d] => {
            digits(y, 4)
                && digits(m, 2)
                && digits(d, 2)
                && valid_day(
                    y.parse().unwrap_or(0),
                    m.parse().unwrap_or(0),
                    d.parse().unwrap_or(0),
                )
        }
        _ => false,
    };
    if ok { Ok(value.to_owned()) } else { Err(bad()) }
}

fn valid_day(year: i32, month: u8, day: u8) -> bool {
    Month::try_from(month)
        .ok()
        .and_then(|m| Date::from_calendar_date(year, m, day).ok())
        .is_some()
}

/// Reads `7 days`, `2 weeks`, `3 months`, `1 year`.
fn parse_interval(value: &str) -> std::result::Result<Operand, String> {
    let bad = || {
        format!(
            "{value:?} is not an interval (like \"7 days\", \"2 weeks\", \"3 months\", \"1 year\")"
        )
    };
    let mut words = value.split_whitespace();
    let (Some(count), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err(bad());
    };
    let count: u32 = count.parse().map_err(|_| bad())?;
    if count == 0 || count > 10_000 {
        return Err(bad());
    }
    let unit = match unit.to_ascii_lowercase().as_str() {
        "day" | "days" => Unit::Days,
        "week" | "weeks" => Unit::Weeks,
        "month" | "months" => Unit::Months,
        "year" | "years" => Unit::Years,
        _ => return Err(bad()),
    };
    Ok(Operand::Interval(count, unit))
}

/// The moment `count` units before `now`, as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn interval_start(now: OffsetDateTime, count: u32, unit: Unit) -> String {
    let days = |n: i64| now - time::Duration::days(n);
    let start = match unit {
        Unit::Days => days(i64::from(count)),
        Unit::Weeks => days(7 * i64::from(count)),
        Unit::Months => months_back(now, i64::from(count)),
        Unit::Years => months_back(now, 12 * i64::from(count)),
    };
    crate::time::format_timestamp(start)
}

/// Calendar months back, keeping the day where the month has it (31 March
/// less one month is 28 or 29 February).
fn months_back(now: OffsetDateTime, months: i64) -> OffsetDateTime {
    let index = i64::from(now.year()) * 12 + i64::from(u8::from(now.month())) - 1 - months;
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MIN);
    let month = Month::try_from(index.rem_euclid(12) as u8 + 1).unwrap_or(Month::January);
    let day = now.day().min(month.length(year));
    Date::from_calendar_date(year, month, day)
        .map(|d| now.replace_date(d))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(field: &str, op: &str, value: &str) -> Result<()> {
        validate_conditions(&[SearchCondition::new(field, op, value)])
    }

    #[test]
    fn accepts_good_conditions() {
        for (f, o, v) in [
            ("title", "contains", "x"),
            ("publicationTitle", "is", "Nature"),
            ("DOI", "beginsWith", "10."),
            ("date", "isBefore", "2020-05"),
            ("year", "isGreaterThan", "1999"),
            ("dateAdded", "isInTheLast", "3 months"),
            ("numPages", "isLessThan", "100"),
            ("itemType", "is", "book"),
            ("collection", "isNot", "ABCD2345"),
            ("deleted", "true", ""),
            ("joinMode", "any", ""),
        ] {
            check(f, o, v).unwrap_or_else(|e| panic!("{f} {o} {v}: {e}"));
        }
    }

    #[test]
    fn names_what_is_wrong() {
        let err = check("colour", "is", "red").expect_err("unknown field");
        assert!(
            err.to_string().contains("unknown field \"colour\""),
            "{err}"
        );
        let err = check("title", "isBefore", "2020").expect_err("operator");
        assert!(err.to_string().contains("does not apply to title"), "{err}");
        let err = check("date", "isAfter", "last spring").expect_err("date");
        assert!(err.to_string().contains("not a date"), "{err}");
        let err = check("date", "isAfter", "2021-02-30").expect_err("no such day");
        assert!(err.to_string().contains("not a date"), "{err}");
        let err = check("dateAdded", "isInTheLast", "7 fortnights").expect_err("interval");
        assert!(err.to_string().contains("not an interval"), "{err}");
        let err = check("itemType", "is", "scroll").expect_err("type");
        assert!(err.to_string().contains("not an item type"), "{err}");
        let err = check("year", "is", "MMXX").expect_err("year");
        assert!(err.to_string().contains("whole number"), "{err}");
        let err = validate_conditions(&[
            SearchCondition::new("title", "contains", "x"),
            SearchCondition::new("deleted", "is", "true"),
        ])
        .expect_err("second");
        assert!(err.to_string().starts_with("search condition 2"), "{err}");
    }

    #[test]
    fn months_back_keeps_calendar_sense() {
        let t = |s: &str| crate::time::parse_timestamp(s).expect("timestamp");
        assert_eq!(
            interval_start(t("2024-03-31T10:00:00Z"), 1, Unit::Months),
            "2024-02-29T10:00:00Z"
        );
        assert_eq!(
            interval_start(t("2024-01-15T10:00:00Z"), 2, Unit::Months),
            "2023-11-15T10:00:00Z"
        );
        assert_eq!(
            interval_start(t("2024-02-29T00:00:00Z"), 1, Unit::Years),
            "2023-02-28T00:00:00Z"
        );
        assert_eq!(
            interval_start(t("2024-01-08T00:00:00Z"), 1, Unit::Weeks),
            "2024-01-01T00:00:00Z"
        );
    }
}
