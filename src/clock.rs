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
