//! Wall-clock times in the forms the Web API uses.

use time::OffsetDateTime;
use time::macros::format_description;

/// Now as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_iso() -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// `seconds` from now (negative: ago), in the form of [`now_iso`], so that
/// stored times compare as text.
pub fn iso_in(seconds: i64) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    (OffsetDateTime::now_utc() + time::Duration::seconds(seconds))
        .format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// Now in whole seconds since the epoch.
pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}
