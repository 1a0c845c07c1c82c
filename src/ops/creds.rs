//! The shared-credentials register: add, list, mark rotated, and report what is due —
//! including any shared login known by someone who has left (due now).

use super::actions::store;
use super::Ctx;
use crate::domain::creds::{assess, validate, CredVerdict, Credential};
use crate::error::{Error, Result};
use crate::store::NewAction;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Adds (or updates) a credential and logs it.
pub fn add(ctx: &Ctx, c: &Credential) -> Result<()> {
    validate(&c.name, &c.system, c.period_days).map_err(Error::Usage)?;
    let s = store(ctx)?;
    s.put_credential(c, ctx.wall_now())?;
    s.record(
        NewAction {
            action: "creds.add",
            target: &c.name,
            details: json!({ "system": c.system, "known_by": c.known_by, "owner": c.owner, "period_days": c.period_days }),
        },
        ctx.wall_now(),
    )?;
    Ok(())
}

/// Every credential.
pub fn list(ctx: &Ctx) -> Result<Vec<Credential>> {
    store(ctx)?.credentials()
}

/// Records that a credential was changed on `when` (now if None).
pub fn rotated(ctx: &Ctx, name: &str, when: Option<DateTime<Utc>>) -> Result<Credential> {
    let s = store(ctx)?;
    let mut c = s.credential(name)?.ok_or_else(|| {
        Error::NotFound(format!(
            "no shared credential named \"{name}\"; see `schooltech creds list`"
        ))
    })?;
    c.last_rotated = when.unwrap_or_else(Utc::now);
    s.put_credential(&c, ctx.wall_now())?;
    s.record(
        NewAction {
            action: "creds.rotated",
            target: &c.name,
            details: json!({ "on": c.last_rotated }),
        },
        ctx.wall_now(),
    )?;
    Ok(c)
}

/// Judges every credential at `ctx.now()`. A person "has left" when their account is disabled,
/// expired or gone from the directory.
pub async fn report(ctx: &Ctx) -> Result<Vec<(Credential, CredVerdict)>> {
    let creds = list(ctx)?;
    let now = ctx.now();
    let mut left = std::collections::HashSet::new();
    for c in &creds {
        for u in &c.known_by {
            let gone = match ctx.dir.get_account(u).await? {
                None => true,
                Some(a) => !a.enabled || a.expires.is_some_and(|e| e <= now),
            };
            if gone {
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
