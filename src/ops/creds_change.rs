//! A change to the shared-logins register, planned then applied: the one command type of
//! `creds add`, `creds update` and `creds rotated` for both faces. The CLI builds a
//! [`Change`], plans it with [`plan`], prints [`Plan::lines`] on `--dry-run` and applies the
//! plan with [`apply`]; the Passwords tab builds the same change from its dialogs, plans it on
//! its worker (showing the same lines in its y-confirmation where it asks) and applies that
//! plan.
//!
//! What is refused is refused by [`plan`] with the words the user needs (a name already
//! listed, a username not in the directory, a day in the future, taking a leaver off while
//! their alarm stands). The register is append-only: every plan says it cannot be undone. A
//! plan depends on the login as it was read and on who had left: [`apply`] plans it again and
//! refuses, nothing saved, when either changed since.

use super::{check_known, check_user, current, not_found, store, who, who_left, Need};
use crate::domain::creds::{
    check_not_future, describe_change, rotation, updated, validate, CredEventKind, CredUpdate,
    Credential,
};
use crate::domain::time::{uk_date, LondonDate};
use crate::error::{Error, Result};
use crate::ops::preview::Emphasis;
use crate::ops::Ctx;
use crate::store::creds::NewCredEvent;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

/// The words every plan ends with: the register's events are never taken back.
pub const APPEND_ONLY: &str = "This cannot be undone: the record is append-only.";

/// A change to the register.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Change {
    /// Add a new shared login (`last_rotated`: when it was last changed).
    Add {
        /// The login.
        credential: Credential,
        /// Directory username of who adds it (None: the operator).
        by: Option<String>,
    },
    /// Change a login's system, owner, period or who knows it (never its date).
    Update {
        /// Its name.
        name: String,
        /// The new system.
        system: Option<String>,
        /// The new owner.
        owner: Option<String>,
        /// The new period in days.
        period_days: Option<u32>,
        /// Who knows it: the whole new list.
        known_by: Option<Vec<String>>,
        /// Directory username of who changes it (None: the operator).
        by: Option<String>,
    },
    /// Record that a login's password was changed on a day (None: now).
    Rotated {
        /// Its name.
        name: String,
        /// The day.
        on: Option<DateTime<Utc>>,
        /// Directory username of who changed it (None: the operator).
        by: Option<String>,
    },
}

impl Change {
    /// The update of a `creds update`.
    pub fn update(name: &str, u: &CredUpdate, by: Option<&str>) -> Change {
        Change::Update {
            name: name.to_string(),
            system: u.system.clone(),
            owner: u.owner.clone(),
            period_days: u.period_days,
            known_by: u.known_by.clone(),
            by: by.map(str::to_string),
        }
    }

    fn command(&self) -> &'static str {
        match self {
            Change::Add { .. } => "creds add",
            Change::Update { .. } => "creds update",
            Change::Rotated { .. } => "creds rotated",
        }
    }
}

/// A change planned: what the CLI's `--dry-run` prints and the TUI shows, and what is applied.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The change.
    pub change: Change,
    /// The login as it was read (None: a new one).
    pub before: Option<Credential>,
    /// The login after the change.
    pub after: Credential,
    /// Who does it (checked).
    pub by: String,
    /// Those on "known by" who had left when planned.
    pub leavers: Vec<String>,
    /// What it changes, in words (the event's note).
    pub note: Option<String>,
    /// When it was planned (the moment the day is judged at).
    pub at: DateTime<Utc>,
}

fn known(list: &[String]) -> String {
    if list.is_empty() {
        "nobody listed".to_string()
    } else {
        list.join(", ")
    }
}

impl Plan {
    /// Those who come off "known by" (a rotation takes off who had left).
    pub fn taken_off(&self) -> Vec<String> {
        match &self.before {
            Some(b) => b
                .known_by
                .iter()
                .filter(|k| !self.after.known_by.contains(k))
                .cloned()
                .collect(),
            None => Vec::new(),
        }
    }

    /// The plan in words, for both faces (the one renderer).
    pub fn lines(&self) -> Vec<(String, Emphasis)> {
        let a = &self.after;
        let mut lines = Vec::new();
        let due = |c: &Credential| {
            uk_date(c.last_rotated + chrono::Duration::days(i64::from(c.period_days)))
        };
        match (&self.change, &self.before) {
            (Change::Add { .. }, _) | (_, None) => {
                lines.push((
                    format!("Add the shared login \"{}\" to the register:", a.name),
                    Emphasis::Strong,
                ));
                lines.push((format!("  system: {}", a.system), Emphasis::Normal));
                lines.push((format!("  owner: {}", a.owner), Emphasis::Normal));
                lines.push((
                    format!("  known by: {}", known(&a.known_by)),
                    Emphasis::Normal,
                ));
                lines.push((
                    format!(
                        "  change it every {} days; last changed {}; next due {}",
                        a.period_days,
                        uk_date(a.last_rotated),
                        due(a)
                    ),
                    Emphasis::Normal,
                ));
                lines.push((format!("  by: {}", self.by), Emphasis::Normal));
                lines.push((
                    "No password is stored, only who knows it and when to change it.".into(),
                    Emphasis::Dim,
                ));
            }
            (Change::Update { .. }, Some(b)) => {
                lines.push((
                    format!("Change the shared login \"{}\":", a.name),
                    Emphasis::Strong,
                ));
                for part in describe_change(b, a, &self.leavers)
                    .split("; ")
                    .filter(|p| !p.is_empty())
                {
                    lines.push((format!("  {part}"), Emphasis::Normal));
                }
                lines.push((
                    format!(
                        "  last changed {} (unchanged: only marking it changed moves it)",
                        uk_date(a.last_rotated)
                    ),
                    Emphasis::Dim,
                ));
                lines.push((format!("  by: {}", self.by), Emphasis::Normal));
            }
            (Change::Rotated { .. }, Some(b)) => {
                let when = if a.last_rotated.london_date() == self.at.london_date() {
                    "today".to_string()
                } else {
                    format!("on {}", uk_date(a.last_rotated))
                };
                lines.push((
                    format!("Record that \"{}\" was changed {when}:", a.name),
                    Emphasis::Strong,
                ));
                lines.push((
                    format!(
                        "  last changed {} -> {}; next due {}",
                        uk_date(b.last_rotated),
                        uk_date(a.last_rotated),
                        due(a)
                    ),
                    Emphasis::Normal,
                ));
                lines.push((format!("  by: {}", self.by), Emphasis::Normal));
                let off = self.taken_off();
                if !off.is_empty() {
                    lines.push((
                        format!(
                            "{} (left) is still listed as knowing it: marking it changed takes \
                             them off (they do not know the new password).",
                            off.join(", ")
                        ),
                        Emphasis::Warn,
                    ));
                }
                lines.push((
                    "Change the password on the system itself first; only the date is recorded \
                     here (and in the action log)."
                        .into(),
                    Emphasis::Dim,
                ));
            }
        }
        lines.push((APPEND_ONLY.to_string(), Emphasis::Dim));
        lines
    }
}

/// Plans `change` as the register and the directory are now (nothing is changed; works under
/// `--as-of`, judged at its day). What the change would refuse is an error with the reason and
/// the fix: a name already listed (or not listed), a username not in the directory or not
/// active, a day in the future, nothing to change, a leaver taken off while their alarm stands.
pub async fn plan(ctx: &Ctx, change: &Change) -> Result<Plan> {
    let now = ctx.now();
    match change {
        Change::Add { credential, by } => {
            let mut c = Credential {
                name: credential.name.trim().to_string(),
                system: credential.system.trim().to_string(),
                owner: credential.owner.trim().to_string(),
                ..credential.clone()
            };
            validate(&c.name, &c.system, c.period_days).map_err(Error::Usage)?;
            check_not_future(
                c.last_rotated,
                now,
                "the day it was last changed (--rotated)",
            )
            .map_err(Error::Usage)?;
            let old = store(ctx)?.credential(&c.name)?;
            if let Some(old) = old {
                return Err(Error::Usage(format!(
                    "\"{}\" is already in the register; nothing was saved. To change its owner, \
                     system, period or who knows it: `schooltech creds update \"{}\" --known-by \
                     …`; after changing its password: `schooltech creds rotated \"{}\" --by USER`",
                    old.name, old.name, old.name
                )));
            }
            c.owner = check_user(ctx, "--owner", &c.owner, Need::Active, now).await?;
            c.known_by = check_known(ctx, &[], &c.known_by, now).await?;
            let by = who(ctx, by.as_deref(), now).await?;
            Ok(Plan {
                change: change.clone(),
                before: None,
                after: c,
                by,
                leavers: Vec::new(),
                note: None,
                at: now,
            })
        }
        Change::Update {
            name,
            system,
            owner,
            period_days,
            known_by,
            by,
        } => {
            let mut u = CredUpdate {
                system: system.clone(),
                owner: owner.clone(),
                period_days: *period_days,
                known_by: known_by.clone(),
            };
            if u.is_empty() {
                return Err(Error::Usage(format!(
                    "say what to change: --owner, --system, --period or --known-by (see \
                     `schooltech creds update --help`); \"{}\" is unchanged",
                    name.trim()
                )));
            }
            let before = current(&store(ctx)?, name)?;
            if let Some(o) = &u.owner {
                if !o.trim().eq_ignore_ascii_case(&before.owner) {
                    u.owner = Some(check_user(ctx, "--owner", o, Need::Active, now).await?);
                }
            }
            if let Some(k) = &u.known_by {
                u.known_by = Some(check_known(ctx, &before.known_by, k, now).await?);
            }
            let leavers = who_left(ctx, &before.known_by, now).await?;
            let after = updated(&before, &u, &leavers).map_err(Error::Usage)?;
            let by = who(ctx, by.as_deref(), now).await?;
            let note = describe_change(&before, &after, &leavers);
            Ok(Plan {
                change: change.clone(),
                before: Some(before),
                after,
                by,
                leavers,
                note: Some(note),
                at: now,
            })
        }
        Change::Rotated { name, on, by } => {
            let before = current(&store(ctx)?, name)?;
            let on = on.unwrap_or(now);
            let leavers = who_left(ctx, &before.known_by, now).await?;
            let after = rotation(&before, on, now, &leavers).map_err(Error::Usage)?;
            let by = who(ctx, by.as_deref(), now).await?;
            let mut note = format!("changed on {}", uk_date(after.last_rotated));
            let off = describe_change(
                &Credential {
                    last_rotated: after.last_rotated,
                    ..before.clone()
                },
                &after,
                &leavers,
            );
            if !off.is_empty() {
                note = format!("{note}; {off} (they do not know the new password)");
            }
            Ok(Plan {
                change: change.clone(),
                before: Some(before),
                after,
                by,
                leavers,
                note: Some(note),
                at: now,
            })
        }
    }
}

/// What applying a plan did.
#[derive(Debug)]
pub struct Outcome {
    /// The login as saved.
    pub credential: Credential,
    /// Those taken off "known by" (a rotation's leavers).
    pub taken_off: Vec<String>,
}

/// Applies `plan`: read-only under `--as-of` (exit 2, nothing written), and what an earlier change
/// left unknown settled first ([`crate::ops::settle::gate`]); then planned again as things are now, and refused
/// (nothing saved) when the login or who had left changed since the plan (another change in
/// between, the login gone or added meanwhile); then one event and its action-log row.
pub async fn apply(ctx: &Ctx, plan: &Plan) -> Result<Outcome> {
    crate::ops::settle::gate(ctx, plan.change.command()).await?;
    let fresh = match self::plan(ctx, &plan.change).await {
        Err(Error::NotFound(_)) => {
            let name = plan.before.as_ref().map_or("", |b| b.name.as_str());
            return Err(not_found(name));
        }
        other => other?,
    };
    if fresh.before != plan.before || fresh.leavers != plan.leavers {
        return Err(Error::NotPlanned(format!(
            "\"{}\" changed since this was planned (another change to it, or someone on it \
             left); nothing was saved — look at it again",
            plan.after.name
        )));
    }
    let taken_off = fresh.taken_off();
    let credential = write(ctx, &fresh)?;
    Ok(Outcome {
        credential,
        taken_off,
    })
}

fn write(ctx: &Ctx, p: &Plan) -> Result<Credential> {
    let s = store(ctx)?;
    let after = &p.after;
    let (kind, action, details) = match (&p.change, &p.before) {
        (Change::Update { .. }, Some(before)) => (
            CredEventKind::Updated,
            "creds.update",
            json!({
                "before": { "system": before.system, "known_by": before.known_by, "owner": before.owner, "period_days": before.period_days },
                "after": { "system": after.system, "known_by": after.known_by, "owner": after.owner, "period_days": after.period_days },
            }),
        ),
        (Change::Rotated { .. }, Some(_)) => (
            CredEventKind::Rotated,
            "creds.rotated",
            json!({ "on": after.last_rotated, "leavers_taken_off": p.leavers }),
        ),
        _ => (
            CredEventKind::Created,
            "creds.add",
            json!({ "system": after.system, "known_by": after.known_by, "owner": after.owner, "period_days": after.period_days, "last_rotated": after.last_rotated }),
        ),
    };
    let ev = s.add_cred_event(
        &NewCredEvent {
            event: kind,
            by: &p.by,
            after,
            note: p.note.as_deref(),
        },
        action,
        details,
        ctx.wall_now(),
    )?;
    Ok(ev.after)
}
