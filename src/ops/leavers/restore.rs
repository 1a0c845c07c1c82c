//! Restore (a returning pupil, a mistaken match): the account's OU, groups, description and
//! enabled state as the store kept them when it was suspended, and a temporary password. Every
//! step goes through the journal and the action log.

use crate::domain::account::{Account, AccountChange};
use crate::domain::secret::Secret;
use crate::error::{Error, Result};
use crate::ops::actions::{enable, journalled, reset_password};
use crate::ops::passwords::PasswordChoice;
use crate::ops::protect::norm_dn;
use crate::ops::Ctx;
use crate::store::leavers::LeaverRecord;
use serde_json::json;

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The account now.
    pub account: Account,
    /// The record it was restored from.
    pub record: LeaverRecord,
    /// The temporary password (shown once, never logged).
    pub password: Option<Secret>,
}

async fn current(ctx: &Ctx, user: &str) -> Result<Account> {
    ctx.dir.get_account(user).await?.ok_or_else(|| {
        Error::Usage(format!(
            "{user} is not in the directory (purged?); nothing was done"
        ))
    })
}

/// Puts `user` back as it was before its newest suspension.
pub async fn restore(ctx: &Ctx, user: &str) -> Result<Restored> {
    ctx.refuse_as_of("leavers restore")?;
    let store = ctx.store()?;
    let record = store.leaver_record_latest(user)?.ok_or_else(|| {
        Error::Usage(format!(
            "schooltech has no record of suspending {user}, so it cannot say where it was; restore it by hand"
        ))
    })?;
    drop(store);
    let a = current(ctx, user).await?;
    crate::ops::protect::refuse(ctx, "leaver.restore", "restore", &a).await?;
    let u = a.username.clone();
    let home = crate::domain::dn::parent_dn(&record.dn).to_string();
    // The OU it goes back to and every group it rejoins pass the same check as a move and
    // a group change: nothing is moved or added when one of them is protected.
    let protection = crate::ops::protect::Protection::load(ctx).await?;
    let refused = protection.check_target_ou(&home).or_else(|| {
        record.groups.iter().find_map(|g| {
            protection.check_group(&crate::directory::Group {
                dn: g.clone(),
                name: crate::directory::escape::first_rdn_value(g),
            })
        })
    });
    if let Some(why) = refused {
        return Err(crate::ops::protect::refuse_logged(
            ctx,
            "leaver.restore",
            "restore",
            &u,
            &why,
        ));
    }
    if norm_dn(a.parent_dn()) != norm_dn(&home) {
        let dir = ctx.dir.clone();
        let acc = a.clone();
        let to = home.clone();
        let was = crate::directory::escape::first_rdn_value(&record.dn);
        let name = (was != crate::directory::escape::first_rdn_value(&a.dn)).then_some(was);
        journalled(
            ctx,
            "leaver.restore-move",
            &u,
            json!({ "from": a.parent_dn(), "to": home, "name": name }),
            async move {
                dir.move_account_as(&acc, &to, name.as_deref())
                    .await
                    .map(|_| ())
            },
        )
        .await?;
    }
    let a = current(ctx, user).await?;
    let missing: Vec<String> = record
        .groups
        .iter()
        .filter(|g| !a.group_dns.iter().any(|x| norm_dn(x) == norm_dn(g)))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let dir = ctx.dir.clone();
        let acc = a.clone();
        let gs = missing.clone();
        journalled(
            ctx,
            "leaver.restore-groups",
            &u,
            json!({ "groups": missing }),
            async move {
                for g in &gs {
                    dir.add_to_group(&acc, g).await?;
                }
                Ok(())
            },
        )
        .await?;
    }
    let a = current(ctx, user).await?;
    {
        let dir = ctx.dir.clone();
        let acc = a.clone();
        let desc = record.description.clone();
        let ad = ctx.dir.flavour() == crate::directory::Flavour::ActiveDirectory;
        journalled(
            ctx,
            "leaver.restore-description",
            &u,
            json!({ "description": record.description, "before": a.description }),
            async move {
                dir.modify_account(&acc, &AccountChange::SetDescription(desc))
                    .await?;
                if ad && acc.expires.is_some() {
                    dir.modify_account(&acc, &AccountChange::SetExpires(None))
                        .await?;
                }
                Ok(())
            },
        )
        .await?;
    }
    let (_, password) = reset_password(ctx, &u, &PasswordChoice::Generate, true).await?;
    let account = if record.enabled {
        enable(ctx, &u).await?
    } else {
        current(ctx, user).await?
    };
    super::end_suspension(ctx, &account, "restored")?;
    Ok(Restored {
        account,
        record,
        password,
    })
}
