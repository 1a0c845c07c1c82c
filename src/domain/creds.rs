//! Shared credentials (a library desk login, an online resource's school account): who knows
//! them and when they must be changed. No password is ever held.

use crate::domain::time::LondonDate;
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

/// What happened to a shared login (one row of its history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredEventKind {
    /// Added to the register (`creds add`).
    Created,
    /// Carried over from the register as it stood before it kept events.
    Imported,
    /// Owner, system, period or who knows it changed (`creds update`); never the date.
    Updated,
    /// The password was changed (`creds rotated`): the only event that moves the date.
    Rotated,
}

impl CredEventKind {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            CredEventKind::Created => "created",
            CredEventKind::Imported => "imported",
            CredEventKind::Updated => "updated",
            CredEventKind::Rotated => "rotated",
        }
    }

    /// Reads a stored word.
    pub fn parse(s: &str) -> Option<CredEventKind> {
        Some(match s {
            "created" => CredEventKind::Created,
            "imported" => CredEventKind::Imported,
            "updated" => CredEventKind::Updated,
            "rotated" => CredEventKind::Rotated,
            _ => return None,
        })
    }
}

/// One event of a shared login's history, carrying the login as it stood after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredEvent {
    /// Its number in the register's history.
    pub id: i64,
    /// When it was recorded (the clock, not `--on`).
    pub at: DateTime<Utc>,
    /// Who did it: a directory username (`--by`), else the operator who ran schooltech.
    pub by: String,
    /// What happened.
    pub event: CredEventKind,
    /// The login after it.
    pub after: Credential,
    /// What it changed, in words (e.g. "known by: pchaudhry taken off (left)").
    pub note: Option<String>,
}

/// What `creds update` changes; `None` leaves a field as it is. The date is not here: only a
/// rotation moves it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredUpdate {
    /// The URL or system.
    pub system: Option<String>,
    /// Who changes it.
    pub owner: Option<String>,
    /// The rotation period in days.
    pub period_days: Option<u32>,
    /// Who knows it (the whole list).
    pub known_by: Option<Vec<String>>,
}

impl CredUpdate {
    /// True when it changes nothing at all.
    pub fn is_empty(&self) -> bool {
        self.system.is_none()
            && self.owner.is_none()
            && self.period_days.is_none()
            && self.known_by.is_none()
    }
}

fn holds(list: &[String], name: &str) -> bool {
    list.iter().any(|k| k.eq_ignore_ascii_case(name))
}

/// Names in `list`, each once (compared without regard to case), in order.
pub fn dedup_names(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in list {
        let n = n.trim();
        if !n.is_empty() && !holds(&out, n) {
            out.push(n.to_string());
        }
    }
    out
}

/// The login after `change`, or why not. `leavers` are those on its "known by" whose alarm
/// stands (they have left and the password has not changed since): none may be taken off until
/// the password is changed, since taking them off would clear the alarm with nothing done.
pub fn updated(
    current: &Credential,
    change: &CredUpdate,
    leavers: &[String],
) -> Result<Credential, String> {
    let mut next = current.clone();
    if let Some(s) = &change.system {
        next.system = s.trim().to_string();
    }
    if let Some(o) = &change.owner {
        next.owner = o.trim().to_string();
    }
    if let Some(p) = change.period_days {
        next.period_days = p;
    }
    if let Some(k) = &change.known_by {
        next.known_by = dedup_names(k);
    }
    validate(&next.name, &next.system, next.period_days)?;
    if next.owner.is_empty() {
        return Err("say who changes it (--owner USERNAME)".into());
    }
    let dropped: Vec<&String> = leavers
        .iter()
        .filter(|l| holds(&current.known_by, l) && !holds(&next.known_by, l))
        .collect();
    if !dropped.is_empty() {
        let names = dropped
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(format!(
            "{names} left and still know{} \"{}\" (the alarm stands): taking them off \"known by\" \
             would clear it with nothing changed. Rotate first: change the password on the system, \
             then run `schooltech creds rotated \"{}\" --by USER`, which takes them off",
            if dropped.len() == 1 { "s" } else { "" },
            current.name,
            current.name
        ));
    }
    if next == *current {
        return Err(format!(
            "nothing to change: \"{}\" already says that (see `schooltech creds show \"{}\"`)",
            current.name, current.name
        ));
    }
    Ok(next)
}

/// The login after its password was changed `on`, judged at `now`: the date moves, and the
/// leavers who knew the old password come off "known by" (they do not know the new one).
/// Refused for a day in the future or before the last recorded change.
pub fn rotation(
    current: &Credential,
    on: DateTime<Utc>,
    now: DateTime<Utc>,
    leavers: &[String],
) -> Result<Credential, String> {
    check_not_future(on, now, "the day it was changed (--on)")?;
    if on.london_date() < current.last_rotated.london_date() {
        return Err(format!(
            "{} is before the last recorded change of \"{}\" ({}): a change cannot be recorded \
             out of order; give the day it was changed, on or after that",
            on.london_date(),
            current.name,
            current.last_rotated.london_date()
        ));
    }
    let mut next = current.clone();
    next.last_rotated = on;
    next.known_by.retain(|k| !holds(leavers, k));
    Ok(next)
}

/// Refuses a day after `now`'s: a thing is recorded once it has happened.
pub fn check_not_future(on: DateTime<Utc>, now: DateTime<Utc>, what: &str) -> Result<(), String> {
    if on.london_date() > now.london_date() {
        return Err(format!(
            "{what} {} is in the future (today is {}): record it once it has happened",
            on.london_date(),
            now.london_date()
        ));
    }
    Ok(())
}

/// In words, what changed from `before` to `after` (for a history note).
pub fn describe_change(before: &Credential, after: &Credential, leavers: &[String]) -> String {
    let mut parts = Vec::new();
    if before.system != after.system {
        parts.push(format!("system: {} -> {}", before.system, after.system));
    }
    if before.owner != after.owner {
        parts.push(format!("owner: {} -> {}", before.owner, after.owner));
    }
    if before.period_days != after.period_days {
        parts.push(format!(
            "period: {} -> {} days",
            before.period_days, after.period_days
        ));
    }
    let added: Vec<&str> = after
        .known_by
        .iter()
        .filter(|k| !holds(&before.known_by, k))
        .map(String::as_str)
        .collect();
    let removed: Vec<String> = before
        .known_by
        .iter()
        .filter(|k| !holds(&after.known_by, k))
        .map(|k| {
            if holds(leavers, k) {
                format!("{k} (left)")
            } else {
                k.clone()
            }
        })
        .collect();
    if !added.is_empty() {
        parts.push(format!("known by: {} added", added.join(", ")));
    }
    if !removed.is_empty() {
        parts.push(format!("known by: {} taken off", removed.join(", ")));
    }
    if before.last_rotated != after.last_rotated {
        parts.push(format!(
            "last changed: {} -> {}",
            before.last_rotated.london_date(),
            after.last_rotated.london_date()
        ));
    }
    parts.join("; ")
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

    #[test]
    fn an_update_keeps_the_date_and_cannot_clear_a_leavers_alarm() {
        let (c, now) = cred(100);
        let leavers = vec!["bob".to_string()];
        let off = CredUpdate {
            known_by: Some(vec!["ann".into()]),
            ..Default::default()
        };
        let e = updated(&c, &off, &leavers).unwrap_err();
        assert!(e.contains("bob") && e.contains("Rotate first"), "{e}");
        let more = CredUpdate {
            known_by: Some(vec!["ann".into(), "BOB".into(), "cat".into(), "cat".into()]),
            ..Default::default()
        };
        let u = updated(&c, &more, &leavers).unwrap();
        assert_eq!(u.known_by, ["ann", "BOB", "cat"]);
        assert_eq!(
            (u.period_days, u.last_rotated),
            (c.period_days, c.last_rotated)
        );
        assert!(
            updated(&c, &CredUpdate::default(), &leavers).is_err(),
            "nothing to change"
        );

        // A rotation moves the date and takes the leaver off; not in the future nor backwards.
        assert!(rotation(&c, now + Duration::days(1), now, &leavers).is_err());
        assert!(rotation(&c, c.last_rotated - Duration::days(1), now, &leavers).is_err());
        let r = rotation(&c, now, now, &leavers).unwrap();
        assert_eq!(r.known_by, ["ann"]);
        assert_eq!(r.last_rotated, now);
        assert_eq!(assess(&r, now, 14, |u| u == "bob").status, CredStatus::Ok);
        assert!(describe_change(&c, &r, &leavers).contains("bob (left) taken off"));
    }
}
