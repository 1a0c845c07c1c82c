//! Dates as the school writes them, and as the program stores them.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// Parses a date the technician typed: `YYYY-MM-DD` or UK `DD/MM/YYYY`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .map_err(|_| {
            format!("\"{s}\" is not a date; write it as YYYY-MM-DD (e.g. 2026-11-25) or DD/MM/YYYY")
        })
}

/// Start of a day, in UTC.
pub fn start_of_day(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// End of a day (the last second), in UTC; "as of" a day means at its end.
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(23, 59, 59).unwrap_or_default())
}

/// A UK-style date for people: `25 Nov 2026`.
pub fn uk_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%-d %b %Y")
        .to_string()
}

/// Whole days between two moments (negative if `later` is before `earlier`).
pub fn days_between(earlier: DateTime<Utc>, later: DateTime<Utc>) -> i64 {
    (later - earlier).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_and_uk_dates() {
        assert_eq!(
            parse_date("2026-11-25"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
        );
        assert_eq!(
            parse_date("25/11/2026"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
        );
        assert!(parse_date("2026-13-01").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("31/02/2026").is_err());
    }
}
