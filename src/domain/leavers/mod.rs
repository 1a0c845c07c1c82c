//! Leavers and zombie accounts: which accounts should not be able to log on any more, with the
//! evidence in words and what to do about each. Pure: time comes in as `now`.
//!
//! The rules (issue 15, and the St Herbert's policy "Zombie Accounts": accounts of people who
//! left are suspended at once and removed after a designated period):
//! - `left`: the MIS says the person left on or before today (or is not on roll);
//! - `expired`: the account's expiry passed and it is still enabled;
//! - `guest-expired`: a guest/supply account past its end date;
//! - `inactive`: last logon older than `inactive_days` (per role, default 90) plus a replication
//!   lag of 14 days (AD writes `lastLogonTimestamp` only every 9–14 days), created before that;
//! - `never-used`: never logged on, created more than `never_used_days` (default 30) ago;
//! - `overdue-purge`: suspended longer than the role's grace period.

pub mod linked;
pub mod mis;
#[cfg(test)]
mod tests;

use crate::domain::account::Account;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why an account is a zombie.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The MIS says the person left.
    Left,
    /// The account's expiry date has passed.
    Expired,
    /// A guest or supply account past its end date.
    GuestExpired,
    /// Not used for longer than the role allows.
    Inactive,
    /// Never logged on since it was made.
    NeverUsed,
    /// Suspended longer than the grace period: due to be removed.
    OverduePurge,
    /// Missing from the MIS roll for longer than `[sync] tolerate_days` (`sync` marked it).
    LeftRoll,
}

impl Reason {
    /// Every reason, in report order.
    pub const ALL: [Reason; 7] = [
        Reason::Left,
        Reason::Expired,
        Reason::GuestExpired,
        Reason::Inactive,
        Reason::NeverUsed,
        Reason::OverduePurge,
        Reason::LeftRoll,
    ];

    /// The word used in output and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Left => "left",
            Reason::Expired => "expired",
            Reason::GuestExpired => "guest-expired",
            Reason::Inactive => "inactive",
            Reason::NeverUsed => "never-used",
            Reason::OverduePurge => "overdue-purge",
            Reason::LeftRoll => "left-roll",
        }
    }

    /// Reads a reason word.
    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// What to do about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Disable, stamp, strip groups, move to the Leavers OU.
    Suspend,
    /// Delete (after the grace period), keeping a minimal record.
    Purge,
    /// A person decides; never acted on automatically.
    Review,
    /// Nothing (a protected account).
    None,
}

impl Action {
    /// The word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Suspend => "suspend",
            Action::Purge => "purge",
            Action::Review => "review",
            Action::None => "none",
        }
    }
}

/// The school's settings for the rules (`[leavers]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Days without a logon before an account is inactive, per role (others: 90).
    pub inactive_days: BTreeMap<String, u32>,
    /// Days AD may lag in writing `lastLogonTimestamp` (14).
    pub replication_lag_days: u32,
    /// Days an account may stay unused after it was made (30).
    pub never_used_days: u32,
    /// Days a suspended account is kept before it is removed, per role (pupil 30, staff 90,
    /// guest 0; others 30).
    pub grace_days: BTreeMap<String, u32>,
    /// Reasons that are suspended rather than reviewed (beyond left/expired/guest-expired).
    pub suspend_reasons: Vec<Reason>,
    /// The Leavers OU (absolute DN, compared case-insensitively), if configured.
    pub leavers_ou: Option<String>,
}

/// The default days for a role not listed in `inactive_days`.
pub const DEFAULT_INACTIVE_DAYS: u32 = 90;
/// The default grace days for a role not listed in `grace_days`.
pub const DEFAULT_GRACE_DAYS: u32 = 30;

impl Default for Rules {
    fn default() -> Self {
        Rules {
            inactive_days: BTreeMap::new(),
            replication_lag_days: 14,
            never_used_days: 30,
            grace_days: default_grace_days(),
            suspend_reasons: Vec::new(),
            leavers_ou: None,
        }
    }
}

/// Grace periods by role as the issue sets them: pupil 30, staff 90, guest 0.
pub fn default_grace_days() -> BTreeMap<String, u32> {
    [("pupil", 30), ("staff", 90), ("guest", 0)]
        .into_iter()
        .map(|(r, d)| (r.to_string(), d))
        .collect()
}

impl Rules {
    /// Inactivity limit for `role`, without the lag.
    pub fn inactive_for(&self, role: Option<&str>) -> u32 {
        role.and_then(|r| self.inactive_days.get(r).copied())
            .unwrap_or(DEFAULT_INACTIVE_DAYS)
    }

    /// Grace period for `role`.
    pub fn grace_for(&self, role: Option<&str>) -> u32 {
        role.and_then(|r| self.grace_days.get(r).copied())
            .unwrap_or(DEFAULT_GRACE_DAYS)
    }

    /// The default action for `reason`.
    pub fn action_for(&self, reason: Reason) -> Action {
        match reason {
            Reason::Left | Reason::LeftRoll | Reason::Expired | Reason::GuestExpired => {
                Action::Suspend
            }
            Reason::OverduePurge => Action::Purge,
            Reason::Inactive | Reason::NeverUsed => {
                if self.suspend_reasons.contains(&reason) {
                    Action::Suspend
                } else {
                    Action::Review
                }
            }
        }
    }

    /// True when `account` sits in the Leavers OU.
    pub fn in_leavers_ou(&self, account: &Account) -> bool {
        self.leavers_ou
            .as_deref()
            .is_some_and(|ou| same_dn(account.parent_dn(), ou))
    }
}

fn same_dn(a: &str, b: &str) -> bool {
    let n = |s: &str| {
        s.split(',')
            .map(|p| p.trim().to_lowercase())
            .collect::<Vec<_>>()
    };
    n(a) == n(b)
}

/// What the MIS says about one account.
#[derive(Debug, Clone, PartialEq)]
pub enum MisVerdict {
    /// The person left (or is not on roll) on this day; `source` says which rows say so.
    Left {
        /// The leaving date.
        date: NaiveDate,
        /// Where it comes from ("MIS export line 4").
        source: String,
    },
    /// A row matches this account only by a similar name, or an MIS id matches several
    /// accounts: a person must look.
    Review {
        /// The leaving date, if the row had one.
        date: Option<NaiveDate>,
        /// Why it needs a look.
        why: String,
    },
}

/// How an account was suspended: the sweep's record of suspending this very object (matched
/// by its stable id; by username only for a legacy record that has none), not yet ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspension {
    /// The day it was suspended.
    pub on: NaiveDate,
    /// The role it had before (its role now may be none, in the Leavers OU).
    pub role: Option<String>,
    /// True for a record made before schooltech kept object ids (matched by username).
    pub legacy: bool,
}

/// A suspension the store holds and nothing has ended (no restore).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspendedRecord {
    /// The username it was suspended under.
    pub username: String,
    /// The stable id of the object suspended; None on a legacy record.
    pub object_id: Option<String>,
    /// The day it was suspended.
    pub on: NaiveDate,
    /// The role it had before.
    pub role: Option<String>,
}

/// The suspension of `account`, if the store holds one: the newest open record of the same
/// object (same stable id). A legacy record (no id) counts by username, and only for an
/// account whose id it cannot contradict. A record of another object never counts, whatever
/// its username (a reused username inherits nothing).
pub fn suspension_for(account: &Account, records: &[SuspendedRecord]) -> Option<Suspension> {
    let same = |r: &SuspendedRecord| match (&r.object_id, &account.object_id) {
        (Some(rid), Some(aid)) => rid.eq_ignore_ascii_case(aid),
        (Some(_), None) => false,
        (None, _) => r.username.eq_ignore_ascii_case(&account.username),
    };
    records
        .iter()
        .filter(|r| same(r))
        .max_by_key(|r| (r.object_id.is_some(), r.on))
        .map(|r| Suspension {
            on: r.on,
            role: r.role.clone(),
            legacy: r.object_id.is_none(),
        })
}

/// One zombie account, with evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Login name.
    pub username: String,
    /// DN.
    pub dn: String,
    /// Role, if known.
    pub role: Option<String>,
    /// Why.
    pub reason: Reason,
    /// The evidence, in words.
    pub evidence: String,
    /// Last logon the directory knows of.
    pub last_logon: Option<DateTime<Utc>>,
    /// When the account was made.
    pub created: Option<DateTime<Utc>>,
    /// Leaving date from the MIS, if any.
    pub leaving_date: Option<NaiveDate>,
    /// What to do.
    pub action: Action,
    /// True for a protected account (never actioned).
    pub protected: bool,
    /// The account's stable id (objectGUID / entryUUID), what a purge checks it still is.
    pub object_id: Option<String>,
    /// The person's other accounts (`[leavers] linked` patterns, a shared MIS id), with
    /// what happens to each.
    pub linked: Vec<linked::Linked>,
    /// Equipment on loan to the person (tag, make, model, issued).
    pub loans: Vec<String>,
    /// Shared logins the person knows (to change once they have gone).
    pub shared_logins: Vec<String>,
}

impl Finding {
    /// The lines said under a finding (CLI text, the sweep preview, the TUI): its linked
    /// accounts, its loans, its shared logins.
    pub fn extras(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .linked
            .iter()
            .map(|l| format!("linked account {}", l.describe()))
            .collect();
        v.extend(self.loans.iter().map(|l| format!("on loan: {l}")));
        v.extend(
            self.shared_logins
                .iter()
                .map(|c| format!("knows shared login: {c}")),
        );
        v
    }
}

/// The stamp written to a suspended account's description.
pub fn suspend_stamp(left: NaiveDate, suspended: NaiveDate) -> String {
    format!("Left {left}; suspended by schooltech {suspended}")
}

/// Reads a stamp written by [`suspend_stamp`]: (left, suspended).
pub fn parse_stamp(description: &str) -> Option<(NaiveDate, NaiveDate)> {
    let rest = description.trim().strip_prefix("Left ")?;
    let (left, rest) = rest.split_once("; suspended by schooltech ")?;
    let left = NaiveDate::parse_from_str(left.trim(), "%Y-%m-%d").ok()?;
    let sus = rest.get(..10)?;
    let sus = NaiveDate::parse_from_str(sus, "%Y-%m-%d").ok()?;
    Some((left, sus))
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// The findings for one account at `now`. `protected` is why it is protected, if it is;
/// `mis` what the MIS export says of it; `suspension` how it was suspended, if it was.
pub fn evaluate(
    account: &Account,
    mis: Option<&MisVerdict>,
    suspension: Option<&Suspension>,
    protected: Option<&str>,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let today = now.date_naive();
    let role = account.role.clone();
    let mut out = Vec::new();
    let mut push = |reason: Reason, evidence: String, leaving: Option<NaiveDate>, review: bool| {
        let (action, evidence) = match protected {
            Some(why) => (
                Action::None,
                format!("{evidence}; protected ({why}): never actioned"),
            ),
            None if review => (Action::Review, evidence),
            None => (rules.action_for(reason), evidence),
        };
        out.push(Finding {
            username: account.username.clone(),
            dn: account.dn.clone(),
            role: role.clone(),
            reason,
            evidence,
            last_logon: account.last_logon,
            created: account.created,
            leaving_date: leaving,
            action,
            protected: protected.is_some(),
            object_id: account.object_id.clone(),
            linked: Vec::new(),
            loans: Vec::new(),
            shared_logins: Vec::new(),
        });
    };
    let in_leavers = rules.in_leavers_ou(account);
    // Suspended already: only the purge rule applies, and only to the object the sweep
    // suspended, still as the sweep left it (disabled, stamped, in the Leavers OU).
    if !account.enabled {
        let stamped = account
            .description
            .as_deref()
            .and_then(parse_stamp)
            .is_some();
        let placed = rules.leavers_ou.is_none() || in_leavers;
        if let Some(s) = suspension.filter(|_| stamped && placed) {
            let grace = rules.grace_for(s.role.as_deref());
            let days = (today - s.on).num_days();
            if days > i64::from(grace) {
                push(
                    Reason::OverduePurge,
                    format!(
                        "suspended by the sweep on {} ({days} days ago){}; the grace period for {} is {grace} days",
                        s.on,
                        if s.legacy {
                            " (a legacy record, matched by username)"
                        } else {
                            ""
                        },
                        s.role.as_deref().unwrap_or("this role")
                    ),
                    None,
                    false,
                );
            }
        }
        // A leaver disabled but not yet moved (e.g. an interrupted sweep): finish it.
        if let Some(MisVerdict::Left { date, source }) = mis {
            if *date <= today && rules.leavers_ou.is_some() && !in_leavers {
                push(
                    Reason::Left,
                    format!("{source} says left on {date}; the account is disabled but not in the Leavers OU"),
                    Some(*date),
                    false,
                );
            }
        }
        return out;
    }
    match mis {
        Some(MisVerdict::Left { date, source }) if *date <= today => push(
            Reason::Left,
            format!("{source} says left on {date}; the account is still enabled"),
            Some(*date),
            false,
        ),
        Some(MisVerdict::Review { date, why }) => push(Reason::Left, why.clone(), *date, true),
        _ => {}
    }
    if let Some(exp) = account.expires.filter(|e| *e <= now) {
        let guest = role.as_deref() == Some("guest");
        let (reason, what) = if guest {
            (Reason::GuestExpired, "guest/supply account")
        } else {
            (Reason::Expired, "account")
        };
        push(
            reason,
            format!("{what} expired on {}; still enabled", day(exp)),
            None,
            false,
        );
    }
    let limit = i64::from(rules.inactive_for(role.as_deref()));
    let lag = i64::from(rules.replication_lag_days);
    match account.last_logon {
        Some(last) => {
            let days = (today - last.date_naive()).num_days();
            let created_before = account
                .created
                .is_none_or(|c| (today - c.date_naive()).num_days() > limit + lag);
            if days > limit + lag && created_before {
                push(
                    Reason::Inactive,
                    format!(
                        "last logon {} ({days} days ago); the limit is {limit} days plus {lag} days of replication lag",
                        day(last)
                    ),
                    None,
                    false,
                );
            }
        }
        None => {
            if let Some(c) = account.created {
                let days = (today - c.date_naive()).num_days();
                let limit = i64::from(rules.never_used_days);
                if days > limit {
                    push(
                        Reason::NeverUsed,
                        format!(
                            "never logged on; created {} ({days} days ago, limit {limit})",
                            day(c)
                        ),
                        None,
                        false,
                    );
                }
            }
        }
    }
    out
}
