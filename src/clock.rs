//! The one place the program reads the time of day. Everything below `main` and the TUI shell
//! gets the time from a [`Clock`] it was handed (or as a `now` argument), so a test can fix it:
//! the same test gives the same answer on the 1st of a month as on the 28th.

use chrono::{DateTime, Utc};

/// Where "now" comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// Always this moment (tests, demos drawn at a fixed date).
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The clock a run of the program uses: the machine's. In debug builds only,
    /// `$SCHOOLTECH_TEST_NOW` (RFC 3339, e.g. `2026-09-07T09:00:00Z`) fixes it, so an integration
    /// test can run the binary on a day of its choosing, with what it writes dated that day,
    /// without `--as-of` (which judges, never dates what is written).
    pub fn process() -> Clock {
        #[cfg(debug_assertions)]
        if let Some(t) = std::env::var("SCHOOLTECH_TEST_NOW")
            .ok()
            .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
        {
            return Clock::Fixed(t.with_timezone(&Utc));
        }
        Clock::System
    }

    /// The current moment by this clock.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_fixed_clock_stays_put() {
        let t = Utc
            .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
            .single()
            .unwrap_or_default();
        let c = Clock::Fixed(t);
        assert_eq!(c.now(), t);
        assert_eq!(c.now(), t);
    }
}
