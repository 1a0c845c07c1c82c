//! The shared-credentials register: add, update, mark rotated, show a login's history, and
//! report what is due — including any shared login known by someone who has left (due now).
//!
//! The register is a history of events (see `store::creds`): `add` only creates, `update`
//! changes who owns or knows a login and how often it is changed but never the date, and
//! `rotated` is the only thing that moves the date and clears a leaver's alarm. Every username
//! (owner, known by, by) is checked against the directory; every event is an action-log row.
//! Every change is a [`change::Change`], planned then applied, for both faces.

#[path = "creds_change.rs"]
pub mod change;

use super::actions::store;
use super::Ctx;
use crate::domain::creds::{
    assess, dedup_names, CredEvent, CredEventKind, CredUpdate, CredVerdict, Credential,
};
use crate::error::{Error, Result};
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashSet;

/// A login as it stands and every event that made it so (`creds show`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredHistory {
    /// The login now.
    pub current: Credential,
    /// Its events, oldest first.
    pub events: Vec<CredEvent>,
}

fn not_found(name: &str) -> Error {
    Error::NotFound(format!(
        "no shared credential named \"{name}\"; see `schooltech creds list` (add one with `schooltech creds add`)"
    ))
}

fn current(s: &Store, name: &str) -> Result<Credential> {
    s.credential(name.trim())?
        .ok_or_else(|| not_found(name.trim()))
}

/// How a username is checked against the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// It must exist (a leaver who knows a login is still worth recording: that raises the alarm).
    Exists,
    /// It must exist and be enabled and not expired (an owner, or who did it).
    Active,
}

/// Checks one username against the directory as `filter --by` is; returns the directory's
/// spelling. `flag` names where it came from (`--owner`, `--known-by`, `--by`).
async fn check_user(
    ctx: &Ctx,
    flag: &str,
    username: &str,
    need: Need,
    now: DateTime<Utc>,
) -> Result<String> {
    let u = username.trim();
    if u.is_empty() {
        return Err(Error::Usage(format!("{flag} needs a directory username")));
    }
    let a = ctx.dir.get_account(u).await?.ok_or_else(|| {
        Error::Usage(format!(
            "{u} is not in the directory: {flag} takes the directory username of a person \
             (see `schooltech accounts list --search NAME`); nothing was saved"
        ))
    })?;
    if need == Need::Active {
        if !a.enabled {
            return Err(Error::Usage(format!(
                "{} is disabled in the directory, so cannot be {flag}; give someone with an enabled account; nothing was saved",
                a.username
            )));
        }
        if a.expires.is_some_and(|e| e <= now) {
            return Err(Error::Usage(format!(
                "{} has expired in the directory, so cannot be {flag}; give someone still at the school; nothing was saved",
                a.username
            )));
        }
    }
    Ok(a.username)
}

/// Who did it: the checked `--by`, else the operator who ran schooltech.
async fn who(ctx: &Ctx, by: Option<&str>, now: DateTime<Utc>) -> Result<String> {
    match by.map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => check_user(ctx, "--by", b, Need::Active, now).await,
        None => Ok(ctx.operator.clone()),
    }
}

/// Checks the names newly on "known by" (those already there may since have left: they stay
/// until a rotation takes them off); returns the list in the directory's spelling.
async fn check_known(
    ctx: &Ctx,
    before: &[String],
    list: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for k in dedup_names(list) {
        match before.iter().find(|b| b.eq_ignore_ascii_case(&k)) {
            Some(b) => out.push(b.clone()),
            None => out.push(check_user(ctx, "--known-by", &k, Need::Exists, now).await?),
        }
    }
    Ok(out)
}

/// The usernames among `names` who have left at `now`: gone from the directory, disabled or
/// expired.
async fn who_left(ctx: &Ctx, names: &[String], now: DateTime<Utc>) -> Result<Vec<String>> {
    let mut left = Vec::new();
    for u in names {
        let gone = match ctx.dir.get_account(u).await? {
            None => true,
            Some(a) => !a.enabled || a.expires.is_some_and(|e| e <= now),
        };
        if gone {
            left.push(u.clone());
        }
    }
    Ok(left)
}

/// Adds a new credential (`c.last_rotated` is when it was last changed) and logs it. A name
/// already in the register is refused (exit 2) naming the command that changes it.
pub async fn add(ctx: &Ctx, c: &Credential, by: Option<&str>) -> Result<Credential> {
    ctx.refuse_as_of("creds add")?;
    let change = change::Change::Add {
        credential: c.clone(),
        by: by.map(str::to_string),
    };
    let plan = change::plan(ctx, &change).await?;
    Ok(change::apply(ctx, &plan).await?.credential)
}

/// Changes a credential's owner, system, period or who knows it, never the date it was last
/// changed; refuses to take a leaver off "known by" while their alarm stands (rotate first).
pub async fn update(
    ctx: &Ctx,
    name: &str,
    update: &CredUpdate,
    by: Option<&str>,
) -> Result<Credential> {
    ctx.refuse_as_of("creds update")?;
    let plan = change::plan(ctx, &change::Change::update(name, update, by)).await?;
    Ok(change::apply(ctx, &plan).await?.credential)
}

/// Every credential.
pub fn list(ctx: &Ctx) -> Result<Vec<Credential>> {
    store(ctx)?.credentials()
}

/// One credential and its history.
pub fn show(ctx: &Ctx, name: &str) -> Result<CredHistory> {
    let s = store(ctx)?;
    let current = current(&s, name)?;
    let events = s.cred_events(Some(&current.name))?;
    Ok(CredHistory { current, events })
}

/// Records that a credential was changed on `on` (now if None) by `by` (the operator if None):
/// the only thing that moves the date. Those on "known by" who have left come off it (they do
/// not know the new password), which clears their alarm. A day in the future, or before the last
/// recorded change, is refused.
pub async fn rotated(
    ctx: &Ctx,
    name: &str,
    on: Option<DateTime<Utc>>,
    by: Option<&str>,
) -> Result<Credential> {
    ctx.refuse_as_of("creds rotated")?;
    let change = change::Change::Rotated {
        name: name.to_string(),
        on,
        by: by.map(str::to_string),
    };
    let plan = change::plan(ctx, &change).await?;
    Ok(change::apply(ctx, &plan).await?.credential)
}

/// Judges every credential at `ctx.now()`. A person "has left" when their account is disabled,
/// expired or gone from the directory.
pub async fn report(ctx: &Ctx) -> Result<Vec<(Credential, CredVerdict)>> {
    let creds = list(ctx)?;
    let now = ctx.now();
    let mut seen = HashSet::new();
    let mut left = HashSet::new();
    for c in &creds {
        for u in &c.known_by {
            if !seen.insert(u.to_lowercase()) {
                continue;
            }
            if !who_left(ctx, std::slice::from_ref(u), now)
                .await?
                .is_empty()
            {
                left.insert(u.to_lowercase());
            }
        }
    }
    let warn = ctx.config.passwords.expiry_warning_days;
    Ok(creds
        .into_iter()
        .map(|c| {
            let v = assess(&c, now, warn, |u| left.contains(&u.to_lowercase()));
            (c, v)
        })
        .collect())
}

/// The rotations recorded with a change date between `from` and `to` (the termly report).
pub fn rotations_between(
    ctx: &Ctx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<CredEvent>> {
    Ok(store(ctx)?
        .cred_events(None)?
        .into_iter()
        .filter(|e| {
            e.event == CredEventKind::Rotated
                && e.after.last_rotated >= from
                && e.after.last_rotated <= to
        })
        .collect())
}
