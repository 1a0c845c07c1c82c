//! Dates as the school writes them, and as the program stores them.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// The years a date typed by a person may have: anything outside is a typing mistake (and
/// beyond what the directories can hold).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Parses a date the technician typed: `YYYY-MM-DD` or UK `DD/MM/YYYY`, with a 4-digit year
/// from 1900 to 2200 (no sign, no 5-digit years: `+40000-01-01` is refused).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "\"{s}\" is not a date; write it as YYYY-MM-DD (e.g. 2026-11-25) or DD/MM/YYYY, with a year from {} to {}",
            YEARS.start(),
            YEARS.end()
        )
    };
    let digits =
        |p: &str, lens: &[usize]| lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    let parts_iso: Vec<&str> = t.split('-').collect();
    let parts_uk: Vec<&str> = t.split('/').collect();
    let d = if let [y, m, d] = parts_iso.as_slice() {
        if !(digits(y, &[4]) && digits(m, &[1, 2]) && digits(d, &[1, 2])) {
            return Err(bad());
        }
        NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| bad())?
    } else if let [d, m, y] = parts_uk.as_slice() {
        if !(digits(y, &[4]) && digits(m, &[1, 2]) && digits(d, &[1, 2])) {
            return Err(bad());
        }
        NaiveDate::parse_from_str(t, "%d/%m/%Y").map_err(|_| bad())?
    } else {
        return Err(bad());
    };
    if !YEARS.contains(&chrono::Datelike::year(&d)) {
        return Err(bad());
    }
    Ok(d)
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

    #[test]
    fn dates_from_people_have_four_digit_years_in_a_sane_window() {
        for bad in [
            "+40000-01-01",
            "+262000-12-31",
            "40000-01-01",
            "01/01/40000",
            "0999-01-01",
            "1899-12-31",
            "2201-01-01",
            "-2026-01-01",
            "26-01-01",
            "01/01/26",
        ] {
            let e = parse_date(bad).expect_err(bad);
            assert!(e.contains("1900") && e.contains("2200"), "{bad}: {e}");
        }
        assert!(parse_date("1900-01-01").is_ok());
        assert!(parse_date("31/12/2200").is_ok());
    }
}
