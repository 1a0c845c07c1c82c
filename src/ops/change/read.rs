//! Planning from the directory as it is now: the CLI's `--dry-run` and the commands read the
//! accounts, the OU or the groups a change names, and the protection rules, then plan each
//! account ([`super::plan_read`], which the TUI calls with the accounts it already read).

use super::moves::MoveRoles;
use super::{plan_read, Change, Judge, Plan, Plans};
use crate::domain::roles::absolute;
use crate::error::{Error, Result};
use crate::ops::protect::Protection;
use crate::ops::Ctx;

/// Plans `change` on the account `username` as it is now (nothing is changed).
pub async fn plan(ctx: &Ctx, username: &str, change: Change) -> Result<Plan> {
    let mut all = plan_many(ctx, &[username.to_string()], change).await?;
    all.plans
        .pop()
        .ok_or_else(|| Error::Input("nothing was planned".into()))
}

/// Reads the accounts (and the OU or groups the change names) and plans the change for each.
/// Changes nothing. What the real change would refuse for an account (it does not exist, the
/// OU or a group does not exist, it is protected) is a refused plan, not an error; a change
/// refused as a whole (a disable without a reason, groups without any) is a usage error, and
/// so is an unreachable directory.
pub async fn plan_many(ctx: &Ctx, usernames: &[String], change: Change) -> Result<Plans> {
    let mut change = change;
    let mut refusal: Option<String> = None;
    let protection = Protection::load(ctx).await?;
    let mut protected_groups = Vec::new();
    match &mut change {
        Change::Disable { reason } => {
            *reason = reason.trim().to_string();
            if reason.is_empty() {
                return Err(Error::Usage(
                    "say why the account is disabled (--reason TEXT)".into(),
                ));
            }
        }
        Change::Move { ou } => {
            let target = absolute(ou.trim(), ctx.dir.base_dn());
            let ous = ctx.dir.list_ous().await?;
            match ous.iter().find(|o| o.eq_ignore_ascii_case(&target)) {
                Some(found) => *ou = found.clone(),
                None => {
                    refusal = Some(format!("no OU \"{target}\""));
                    *ou = target;
                }
            }
        }
        Change::Groups { add, remove, .. } => {
            if add.is_empty() && remove.is_empty() {
                return Err(Error::Usage(
                    "give --add GROUP and/or --remove GROUP".into(),
                ));
            }
            // The one check of the names (`accounts groups` refuses with the same words).
            let (_, mut missing) = crate::ops::groups::find_all(ctx, remove).await?;
            let (adding, missing_add) = crate::ops::groups::find_all(ctx, add).await?;
            for m in missing_add {
                if !missing.contains(&m) {
                    missing.push(m);
                }
            }
            for group in &adding {
                if protection.check_group(group).is_some() {
                    protected_groups.push(group.name.clone());
                }
            }
            if !missing.is_empty() {
                refusal = Some(missing.join("; "));
            }
        }
        _ => {}
    }
    let move_roles = MoveRoles::from_ctx(ctx);
    let judge = Judge {
        protection: &protection,
        move_roles: &move_roles,
        protected_groups: &protected_groups,
        refusal: refusal.as_deref(),
    };
    let mut plans = Vec::with_capacity(usernames.len());
    for u in usernames {
        let u = u.trim();
        let a = if u.is_empty() {
            None
        } else {
            ctx.dir.get_account(u).await?
        };
        plans.push(plan_read(judge, u, a, &change));
    }
    Ok(Plans { change, plans })
}
