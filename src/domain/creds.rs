//! Shared credentials (a library desk login, an online resource's school account): who knows
//! them and when they must be changed. No password is ever held.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// One shared credential in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// Name (unique).
    pub name: String,
    /// URL or system it is for.
    pub system: String,
    /// Usernames of the staff who know it.
    pub known_by: Vec<String>,
    /// Who rotates it.
    pub owner: String,
    /// Rotation period in days (42 by default: the school's rule for shared passwords).
    pub period_days: u32,
    /// When it was last changed.
    pub last_rotated: DateTime<Utc>,
}

/// Where a credential stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredStatus {
    /// Within its period.
    Ok,
    /// Due within the warning window.
    DueSoon,
    /// Past its period.
    Overdue,
    /// Someone who knows it has left: change it now.
    LeaverKnows,
}

/// The verdict on one credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredVerdict {
    /// Status.
    pub status: CredStatus,
    /// When the next rotation is due.
    pub due: DateTime<Utc>,
    /// Leavers who know it.
    pub leavers: Vec<String>,
}

/// Judges a credential at `now`; `has_left(username)` says whether a person has left.
pub fn assess(
    c: &Credential,
    now: DateTime<Utc>,
    warning_days: u32,
    has_left: impl Fn(&str) -> bool,
) -> CredVerdict {
    // Checked: a stored date far in the future means "not due", never a panic.
    let due = c
        .last_rotated
        .checked_add_signed(Duration::days(i64::from(c.period_days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let leavers: Vec<String> = c.known_by.iter().filter(|u| has_left(u)).cloned().collect();
    let status = if !leavers.is_empty() {
        CredStatus::LeaverKnows
    } else if now >= due {
        CredStatus::Overdue
    } else if now
        .checked_add_signed(Duration::days(i64::from(warning_days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
        >= due
    {
        CredStatus::DueSoon
    } else {
        CredStatus::Ok
    };
    CredVerdict {
        status,
        due,
        leavers,
    }
}

/// Checks a credential's fields before it is stored.
pub fn validate(name: &str, system: &str, period_days: u32) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("give the credential a name".into());
    }
    if system.trim().is_empty() {
        return Err("say which system or URL it is for (--system)".into());
    }
    if period_days == 0 || period_days > 3650 {
        return Err("the rotation period must be between 1 and 3650 days".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cred(days_ago: i64) -> (Credential, DateTime<Utc>) {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        (
            Credential {
                name: "Library desk".into(),
                system: "https://library.example".into(),
                known_by: vec!["ann".into(), "bob".into()],
                owner: "ann".into(),
                period_days: 42,
                last_rotated: now - Duration::days(days_ago),
            },
            now,
        )
    }

    #[test]
    fn rotation_windows_and_leavers() {
        let (c, now) = cred(10);
        assert_eq!(assess(&c, now, 14, |_| false).status, CredStatus::Ok);
        let (c, now) = cred(30);
        assert_eq!(assess(&c, now, 14, |_| false).status, CredStatus::DueSoon);
        let (c, now) = cred(42);
        assert_eq!(assess(&c, now, 14, |_| false).status, CredStatus::Overdue);
        let (c, now) = cred(1);
        let v = assess(&c, now, 14, |u| u == "bob");
        assert_eq!(v.status, CredStatus::LeaverKnows);
        assert_eq!(v.leavers, ["bob"]);
        assert!(
            validate("", "x", 42).is_err()
                && validate("a", "x", 0).is_err()
                && validate("a", "x", 42).is_ok()
        );
    }
}
