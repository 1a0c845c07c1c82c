//! Software licences: kinds, over-allocated seats, renewals due.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How a title is licensed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Licence {
    /// A number of named users.
    PerSeat,
    /// A number of devices.
    PerDevice,
    /// The whole site: no seat count.
    Site,
    /// A subscription with a renewal date (and usually a seat count).
    Subscription,
}

impl Licence {
    /// `per-seat`, `per-device`, `site`, `subscription`.
    pub fn as_str(self) -> &'static str {
        match self {
            Licence::PerSeat => "per-seat",
            Licence::PerDevice => "per-device",
            Licence::Site => "site",
            Licence::Subscription => "subscription",
        }
    }

    /// Reads a licence kind.
    pub fn parse(s: &str) -> Result<Licence, String> {
        match s.trim().to_lowercase().replace(['_', ' '], "-").as_str() {
            "per-seat" | "seat" | "per-user" | "user" => Ok(Licence::PerSeat),
            "per-device" | "device" => Ok(Licence::PerDevice),
            "site" | "site-licence" | "site-license" => Ok(Licence::Site),
            "subscription" | "sub" => Ok(Licence::Subscription),
            _ => Err(format!(
                "\"{s}\" is not a licence type; use per-seat, per-device, site or subscription"
            )),
        }
    }
}

/// A software title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Title {
    /// Row id.
    pub id: i64,
    /// Its name (unique, any case).
    pub title: String,
    /// Publisher.
    pub publisher: String,
    /// Licence kind.
    pub licence: Licence,
    /// Seats bought (None: unlimited, as for a site licence).
    pub seats: Option<u32>,
    /// Expiry or renewal date.
    pub expires: Option<NaiveDate>,
    /// Cost in pence.
    pub cost_pence: Option<i64>,
    /// Installations / assignments.
    pub used: u32,
}

impl Title {
    /// More installations than seats.
    pub fn over_allocated(&self) -> bool {
        self.licence != Licence::Site && self.seats.is_some_and(|s| self.used > s)
    }

    /// Expires within `days` of `today` (or has already).
    pub fn expiring(&self, today: NaiveDate, days: u32) -> bool {
        self.expires
            .is_some_and(|e| (e - today).num_days() <= i64::from(days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let mut t = Title {
            id: 1,
            title: "Office".into(),
            publisher: String::new(),
            licence: Licence::PerSeat,
            seats: Some(2),
            expires: NaiveDate::from_ymd_opt(2026, 11, 20),
            cost_pence: None,
            used: 3,
        };
        assert!(t.over_allocated());
        assert!(t.expiring(today, 30));
        assert!(!t.expiring(today, 10));
        t.licence = Licence::Site;
        assert!(!t.over_allocated());
        assert_eq!(Licence::parse("Per Device"), Ok(Licence::PerDevice));
        assert!(Licence::parse("free").is_err());
    }
}
