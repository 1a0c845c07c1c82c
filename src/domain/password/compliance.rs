//! Whether an account's password is within the school's maximum age. Pure: the caller
//! supplies `now`.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Where a password stands against the school's maximum age.
///
/// Serialized as `ok`, `expiring`, `expired`, `must-change` or `never-set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordStatus {
    /// Younger than the maximum age less the warning window.
    Ok,
    /// Expires within the warning window.
    Expiring,
    /// At or past the maximum age.
    Expired,
    /// The user must choose a new password at next logon (e.g. after a temporary reset).
    MustChange,
    /// No password has ever been set.
    NeverSet,
}

/// What the directory says about an account's password.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeFacts {
    /// When the password was last set; `None` if never.
    pub last_set: Option<DateTime<Utc>>,
    /// The user must change the password at next logon.
    pub must_change: bool,
    /// The directory's "password never expires" flag. Reported separately by callers; it
    /// does not change the school's verdict.
    pub never_expires: bool,
    /// When the directory itself will expire the password under its effective policy (the
    /// domain default or a PSO on AD, ppolicy on OpenLDAP), if it says. The earlier of this and
    /// the school's rule is [`AgeVerdict::expires_on`].
    pub directory_expires: Option<DateTime<Utc>>,
}

/// Which rule gives a password's expiry.
///
/// Serialized as `directory`, `school`, `both` (the same day) or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpiryFrom {
    /// The directory's effective policy expires it first.
    Directory,
    /// The school's rule expires it first.
    School,
    /// Both give the same day.
    Both,
    /// Neither gives a date.
    None,
}

/// The school's verdict on one password's age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeVerdict {
    /// The status.
    pub status: PasswordStatus,
    /// Whole days since the password was set (negative if set in the future, as with a
    /// skewed directory clock); `None` if never set.
    pub age_days: Option<i64>,
    /// `last_set` + `max_age_days`; `None` if never set or `max_age_days` is 0.
    pub expires_on: Option<DateTime<Utc>>,
    /// The maximum age applied, in days (0: no maximum).
    pub max_age_days: u32,
    /// When the directory's effective policy expires it (None: it does not say, or never).
    pub directory_expires_on: Option<DateTime<Utc>>,
    /// When the school's rule expires it: `last_set` + `max_age_days`.
    pub school_expires_on: Option<DateTime<Utc>>,
    /// Which of the two gives `expires_on`.
    pub expiry_from: ExpiryFrom,
}

/// The one answer to "when does this password expire": the earlier of the directory's
/// effective policy and the school's rule (a password the directory expires first cannot be
/// used past that day, whatever the school allows), and which of them gives it.
pub fn effective_expiry(
    directory: Option<DateTime<Utc>>,
    school: Option<DateTime<Utc>>,
) -> (Option<DateTime<Utc>>, ExpiryFrom) {
    match (directory, school) {
        (None, None) => (None, ExpiryFrom::None),
        (Some(d), None) => (Some(d), ExpiryFrom::Directory),
        (None, Some(s)) => (Some(s), ExpiryFrom::School),
        // The same day counts as agreeing (the directory's computed time has seconds).
        (Some(d), Some(s)) if d.date_naive() == s.date_naive() => {
            (Some(d.min(s)), ExpiryFrom::Both)
        }
        (Some(d), Some(s)) if d < s => (Some(d), ExpiryFrom::Directory),
        (Some(_), Some(s)) => (Some(s), ExpiryFrom::School),
    }
}

/// Judges a password's age: under the school's rule it expires `max_age_days` after it was
/// set; when the directory's effective policy expires it earlier, that day is the expiry (see
/// [`effective_expiry`]). It is `expiring` in the `warning_days` before the expiry.
///
/// Order: must-change (if the flag is set), never-set, expired (`now >= expires_on`),
/// expiring (`now >= expires_on - warning_days`), ok. The directory's never-expires flag
/// does not make an old password ok. A `max_age_days` of 0 means no maximum age.
pub fn assess(
    facts: &AgeFacts,
    max_age_days: u32,
    warning_days: u32,
    now: DateTime<Utc>,
) -> AgeVerdict {
    let age_days = facts.last_set.map(|set| (now - set).num_days());
    let school_expires_on = facts
        .last_set
        .filter(|_| max_age_days > 0)
        .and_then(|set| set.checked_add_signed(TimeDelta::days(i64::from(max_age_days))));
    let directory_expires_on = facts.directory_expires.filter(|_| facts.last_set.is_some());
    let (expires_on, expiry_from) = effective_expiry(directory_expires_on, school_expires_on);
    let status = if facts.must_change {
        PasswordStatus::MustChange
    } else if facts.last_set.is_none() {
        PasswordStatus::NeverSet
    } else {
        match expires_on {
            Some(expiry) if now >= expiry => PasswordStatus::Expired,
            Some(expiry)
                if expiry
                    .checked_sub_signed(TimeDelta::days(i64::from(warning_days)))
                    .is_none_or(|warn_from| now >= warn_from) =>
            {
                PasswordStatus::Expiring
            }
            _ => PasswordStatus::Ok,
        }
    };
    AgeVerdict {
        status,
        age_days,
        expires_on,
        max_age_days,
        directory_expires_on,
        school_expires_on,
        expiry_from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn set_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 10, 9, 30, 0).unwrap()
    }

    fn after(days: i64, secs: i64) -> DateTime<Utc> {
        set_at() + TimeDelta::days(days) + TimeDelta::seconds(secs)
    }

    fn facts() -> AgeFacts {
        AgeFacts {
            last_set: Some(set_at()),
            ..AgeFacts::default()
        }
    }

    fn status(facts: &AgeFacts, max: u32, now: DateTime<Utc>) -> PasswordStatus {
        assess(facts, max, 14, now).status
    }

    #[test]
    fn ninety_day_boundaries() {
        let f = facts();
        assert_eq!(status(&f, 90, after(0, 0)), PasswordStatus::Ok);
        assert_eq!(status(&f, 90, after(30, 0)), PasswordStatus::Ok);
        assert_eq!(status(&f, 90, after(75, 86_399)), PasswordStatus::Ok);
        assert_eq!(status(&f, 90, after(76, 0)), PasswordStatus::Expiring);
        assert_eq!(status(&f, 90, after(89, 0)), PasswordStatus::Expiring);
        assert_eq!(status(&f, 90, after(89, 86_399)), PasswordStatus::Expiring);
        assert_eq!(status(&f, 90, after(90, 0)), PasswordStatus::Expired);
        assert_eq!(status(&f, 90, after(91, 0)), PasswordStatus::Expired);
        assert_eq!(status(&f, 90, after(100, 0)), PasswordStatus::Expired);
    }

    #[test]
    fn generic_42_day_boundaries() {
        let f = facts();
        assert_eq!(status(&f, 42, after(27, 86_399)), PasswordStatus::Ok);
        assert_eq!(status(&f, 42, after(28, 0)), PasswordStatus::Expiring);
        assert_eq!(status(&f, 42, after(41, 0)), PasswordStatus::Expiring);
        assert_eq!(status(&f, 42, after(42, 0)), PasswordStatus::Expired);
        assert_eq!(status(&f, 42, after(43, 0)), PasswordStatus::Expired);
        // The same age is fine for an ordinary account.
        assert_eq!(status(&f, 90, after(43, 0)), PasswordStatus::Ok);
    }

    #[test]
    fn verdict_fields() {
        let v = assess(&facts(), 90, 14, after(89, 3600));
        assert_eq!(v.age_days, Some(89));
        assert_eq!(v.expires_on, Some(after(90, 0)));
        assert_eq!(v.max_age_days, 90);
        let v = assess(&facts(), 90, 14, set_at() - TimeDelta::days(2));
        assert_eq!(v.age_days, Some(-2));
        assert_eq!(v.status, PasswordStatus::Ok);
    }

    #[test]
    fn never_expires_flag_does_not_excuse_age() {
        let f = AgeFacts {
            never_expires: true,
            directory_expires: None,
            ..facts()
        };
        assert_eq!(status(&f, 90, after(200, 0)), PasswordStatus::Expired);
    }

    #[test]
    fn a_later_directory_expiry_does_not_excuse() {
        let f = AgeFacts {
            directory_expires: Some(after(500, 0)),
            ..facts()
        };
        let v = assess(&f, 90, 14, after(95, 0));
        assert_eq!(v.status, PasswordStatus::Expired);
        assert_eq!(v.expires_on, Some(after(90, 0)));
        assert_eq!(v.expiry_from, ExpiryFrom::School);
        assert_eq!(v.directory_expires_on, Some(after(500, 0)));
    }

    /// The jmcallister case: the directory (42 days) expires the password before the school's
    /// rule (90 days): one answer, the directory's day, expired; the school's day is kept.
    #[test]
    fn an_earlier_directory_expiry_is_the_answer() {
        let f = AgeFacts {
            directory_expires: Some(after(42, 0)),
            ..facts()
        };
        let v = assess(&f, 90, 14, after(60, 0));
        assert_eq!(v.status, PasswordStatus::Expired);
        assert_eq!(v.expires_on, Some(after(42, 0)));
        assert_eq!(v.expiry_from, ExpiryFrom::Directory);
        assert_eq!(v.school_expires_on, Some(after(90, 0)));
        let same = AgeFacts {
            directory_expires: Some(after(90, 5)),
            ..facts()
        };
        let v = assess(&same, 90, 14, after(10, 0));
        assert_eq!(
            (v.expiry_from, v.expires_on),
            (ExpiryFrom::Both, Some(after(90, 0)))
        );
    }

    #[test]
    fn must_change_and_never_set() {
        let now = after(10, 0);
        let never = AgeFacts::default();
        let v = assess(&never, 90, 14, now);
        assert_eq!(v.status, PasswordStatus::NeverSet);
        assert_eq!((v.age_days, v.expires_on), (None, None));
        let temp_unset = AgeFacts {
            must_change: true,
            ..AgeFacts::default()
        };
        assert_eq!(status(&temp_unset, 90, now), PasswordStatus::MustChange);
        let temp = AgeFacts {
            must_change: true,
            ..facts()
        };
        assert_eq!(status(&temp, 90, now), PasswordStatus::MustChange);
        assert_eq!(status(&temp, 90, after(300, 0)), PasswordStatus::MustChange);
    }

    #[test]
    fn zero_warning_and_zero_max_age() {
        let f = facts();
        assert_eq!(
            assess(&f, 90, 0, after(89, 86_399)).status,
            PasswordStatus::Ok
        );
        assert_eq!(
            assess(&f, 90, 0, after(90, 0)).status,
            PasswordStatus::Expired
        );
        let v = assess(&f, 0, 14, after(5000, 0));
        assert_eq!((v.status, v.expires_on), (PasswordStatus::Ok, None));
        // A warning window longer than the maximum age: expiring from the start.
        assert_eq!(
            assess(&f, 7, 14, after(0, 0)).status,
            PasswordStatus::Expiring
        );
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let f = AgeFacts {
            last_set: Some(DateTime::<Utc>::MAX_UTC - TimeDelta::days(1)),
            ..AgeFacts::default()
        };
        let v = assess(&f, 90, 14, DateTime::<Utc>::MAX_UTC);
        assert_eq!(v.expires_on, None);
        let f = AgeFacts {
            last_set: Some(DateTime::<Utc>::MIN_UTC),
            ..AgeFacts::default()
        };
        let v = assess(&f, 90, u32::MAX, DateTime::<Utc>::MIN_UTC);
        assert_eq!(v.status, PasswordStatus::Expiring);
    }

    #[test]
    fn status_serializes_kebab_case() {
        let names: Vec<String> = [
            PasswordStatus::Ok,
            PasswordStatus::Expiring,
            PasswordStatus::Expired,
            PasswordStatus::MustChange,
            PasswordStatus::NeverSet,
        ]
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
        assert_eq!(
            names,
            [
                "\"ok\"",
                "\"expiring\"",
                "\"expired\"",
                "\"must-change\"",
                "\"never-set\""
            ]
        );
    }
}
