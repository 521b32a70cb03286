//! Timestamps in the Web API's form, `YYYY-MM-DDTHH:MM:SSZ`.

use time::OffsetDateTime;
use time::macros::format_description;

pub(crate) fn format_timestamp(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_default()
}

/// Now, in UTC.
pub(crate) fn now_timestamp() -> String {
    format_timestamp(OffsetDateTime::now_utc())
}

/// Parses a stored timestamp (`2024-05-01T12:00:00Z`).
#[allow(
    dead_code,
    reason = "used by date conditions of saved searches and by the sync"
)]
pub(crate) fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(s, &fmt)
        .ok()
        .map(|p| p.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let now = now_timestamp();
        assert_eq!(now.len(), 20);
        let parsed = parse_timestamp(&now).expect("parses");
        assert_eq!(format_timestamp(parsed), now);
    }
}
