//! Dates as the school writes them, and as the program stores them. A school's day is a day in
//! Europe/London (British Summer Time included: the `chrono-tz` zone, not a fixed offset):
//! "expires on 20 Jul 2027" ends at 23:59:59 London time, 22:59:59Z in summer.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;

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

/// A London wall-clock time on day `d` as a moment. The clocks change at 01:00 UTC, so midnight
/// and 23:59:59 always exist exactly once; the fallbacks are for safety only.
fn london(d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    match London.from_local_datetime(&d.and_time(t)) {
        LocalResult::Single(x) => x.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => Utc.from_utc_datetime(&d.and_time(t)),
    }
}

/// Start of a day in London (midnight), as a UTC moment.
pub fn start_of_day(d: NaiveDate) -> DateTime<Utc> {
    london(d, NaiveTime::MIN)
}

/// End of a day in London (the last second), as a UTC moment; "as of" a day means at its end.
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    london(
        d,
        NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
    )
}

/// The day a moment falls on in London.
pub fn london_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&London).date_naive()
}

/// The school's day of a moment (Europe/London), as a method: `now.london_date()` where
/// `now.date_naive()` would give the UTC day (the day before, from 23:00 to midnight in summer).
pub trait LondonDate {
    /// The day it is in London at this moment.
    fn london_date(&self) -> NaiveDate;
}

impl LondonDate for DateTime<Utc> {
    fn london_date(&self) -> NaiveDate {
        london_day(*self)
    }
}

/// A moment in London time, with a chrono format (`%-d %b %Y %H:%M`).
pub fn london_format(t: DateTime<Utc>, fmt: &str) -> String {
    t.with_timezone(&London).format(fmt).to_string()
}

/// A UK-style date for people, the day in London: `25 Nov 2026`.
pub fn uk_date(t: DateTime<Utc>) -> String {
    london_format(t, "%-d %b %Y")
}

/// Whole days between two moments (negative if `later` is before `earlier`).
pub fn days_between(earlier: DateTime<Utc>, later: DateTime<Utc>) -> i64 {
    (later - earlier).num_days()
}

/// A day spelled out: "Thursday 1 January 2026".
pub fn spelled_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// Why an expiry or last day needs a deliberate confirmation, with the day spelled out: a day
/// in the past ("Thursday 1 January 2026, in the past") or more than a year after `today`
/// ("…, more than a year away"); None for an ordinary day.
pub fn unusual_expiry(d: NaiveDate, today: NaiveDate) -> Option<String> {
    if d < today {
        Some(format!("{}, in the past", spelled_date(d)))
    } else if today
        .checked_add_signed(chrono::TimeDelta::days(366))
        .is_some_and(|limit| d >= limit)
    {
        Some(format!("{}, more than a year away", spelled_date(d)))
    } else {
        None
    }
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
    fn the_day_of_a_moment_is_the_london_day() {
        use chrono::TimeZone;
        // 23:30 UTC on 20 Jul 2027 is already 21 Jul in London (BST); in winter they agree.
        let summer = Utc
            .with_ymd_and_hms(2027, 7, 20, 23, 30, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(summer.london_date().to_string(), "2027-07-21");
        let winter = Utc
            .with_ymd_and_hms(2027, 1, 20, 23, 30, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(winter.london_date().to_string(), "2027-01-20");
    }

    #[test]
    fn days_are_london_days_in_summer_and_winter() {
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let summer = NaiveDate::from_ymd_opt(2027, 7, 20).unwrap();
        assert_eq!(end_of_day(summer), utc("2027-07-20T22:59:59Z"));
        assert_eq!(start_of_day(summer), utc("2027-07-19T23:00:00Z"));
        assert_eq!(uk_date(end_of_day(summer)), "20 Jul 2027");
        assert_eq!(uk_date(start_of_day(summer)), "20 Jul 2027");
        assert_eq!(london_day(end_of_day(summer)), summer);
        // A second later it is 21 Jul in London.
        assert_eq!(uk_date(utc("2027-07-20T23:00:00Z")), "21 Jul 2027");
        let winter = NaiveDate::from_ymd_opt(2027, 1, 20).unwrap();
        assert_eq!(end_of_day(winter), utc("2027-01-20T23:59:59Z"));
        assert_eq!(start_of_day(winter), utc("2027-01-20T00:00:00Z"));
        assert_eq!(uk_date(end_of_day(winter)), "20 Jan 2027");
        // The days the clocks change (last Sundays of March and October).
        let spring = NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
        assert_eq!(start_of_day(spring), utc("2027-03-28T00:00:00Z"));
        assert_eq!(end_of_day(spring), utc("2027-03-28T22:59:59Z"));
        let autumn = NaiveDate::from_ymd_opt(2027, 10, 31).unwrap();
        assert_eq!(start_of_day(autumn), utc("2027-10-30T23:00:00Z"));
        assert_eq!(end_of_day(autumn), utc("2027-10-31T23:59:59Z"));
        assert_eq!(london_format(utc("2027-07-20T08:30:00Z"), "%H:%M"), "09:30");
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
