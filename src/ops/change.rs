//! One change to one account, planned then applied. The plan names the account by its stable
//! id (objectGUID on AD, entryUUID on OpenLDAP) beside its DN and username, as it was read for
//! the preview; [`apply`] reads it again by that id and refuses, with the reason and nothing
//! done, when it is no longer the object planned (deleted, replaced by another account with the
//! same username, renamed), when it was moved and the change depends on where it was (a move),
//! or when its enabled state changed and the change depends on it (disable, enable).

use super::actions;
use super::identity::{recheck, target_of, Depends};
use super::passwords::PasswordChoice;
use super::runner::Target;
use super::Ctx;
use crate::directory::Secret;
use crate::domain::account::Account;
use crate::error::{Error, Result};
use chrono::NaiveDate;

/// A change to one account.
#[derive(Debug, Clone)]
pub enum Change {
    /// Disable, with the reason for the log.
    Disable {
        /// Why.
        reason: String,
    },
    /// Enable; an override reason enables an account whose acceptable use agreement is missing.
    Enable {
        /// Why it is enabled without the agreement.
        override_aup: Option<String>,
    },
    /// Clear a lockout.
    Unlock,
    /// Move to another OU (DN).
    Move {
        /// The OU's DN.
        ou: String,
    },
    /// Add and remove groups (names or DNs).
    Groups {
        /// Groups to join.
        add: Vec<String>,
        /// Groups to leave.
        remove: Vec<String>,
        /// The technician confirmed joining a protected group (logged as such).
        allow_protected: bool,
    },
    /// Set (end of that day) or clear the account expiry.
    Expiry {
        /// The day, or None for never.
        on: Option<NaiveDate>,
    },
    /// Reset the password.
    Password {
        /// Generated or typed.
        choice: PasswordChoice,
        /// Must change at next logon.
        temporary: bool,
    },
}

impl Change {
    /// What the change depends on besides the account itself.
    fn depends(&self) -> Depends {
        match self {
            Change::Move { .. } => Depends::Place,
            _ => Depends::Object,
        }
    }
}

/// A change planned on one account, as it was when planned.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The username planned.
    pub username: String,
    /// The account planned: its DN and stable id.
    pub target: Target,
    /// The account as it was read for the plan.
    pub before: Account,
    /// The change.
    pub change: Change,
}

/// Plans `change` on the account `username` as it is now (nothing is changed).
pub async fn plan(ctx: &Ctx, username: &str, change: Change) -> Result<Plan> {
    let before = super::accounts::get(ctx, username).await?;
    Ok(plan_on(before, change))
}

/// Plans `change` on `account` as a face read it (its preview shows it).
pub fn plan_on(account: Account, change: Change) -> Plan {
    Plan {
        username: account.username.clone(),
        target: target_of(&account),
        before: account,
        change,
    }
}

/// What applying a plan gave: the account after it, a generated password to show once, and
/// why the outcome is unknown when the directory did not answer (`log pending` settles it).
#[derive(Debug)]
pub struct Applied {
    /// The account after the change (as it was, when reading it back failed).
    pub account: Account,
    /// A generated password, to show once.
    pub password: Option<Secret>,
    /// Set when the change may or may not have been made.
    pub unknown: Option<Error>,
}

/// Applies `plan`: the account is read again by its id and the change refused (nothing done)
/// when it is no longer the one planned; else made through the journal runner.
pub async fn apply(ctx: &Ctx, plan: &Plan) -> Result<Applied> {
    ctx.refuse_as_of("this change")?;
    let now = recheck(ctx, &plan.username, &plan.target, plan.change.depends()).await?;
    let u = plan.username.as_str();
    let on_off = |want_before: bool| -> Result<()> {
        if plan.before.enabled == want_before && now.enabled != want_before {
            return Err(Error::NotPlanned(format!(
                "{u} was {} when this was planned and is {} now (changed since); nothing was \
                 done — look at it again",
                word(plan.before.enabled),
                word(now.enabled)
            )));
        }
        Ok(())
    };
    let done = |account: Account| Applied {
        account,
        password: None,
        unknown: None,
    };
    Ok(match &plan.change {
        Change::Disable { reason } => {
            on_off(true)?;
            done(actions::disable(ctx, u, reason).await?)
        }
        Change::Enable { override_aup } => {
            on_off(false)?;
            done(actions::enable_with(ctx, u, override_aup.as_deref()).await?)
        }
        Change::Unlock => done(actions::unlock(ctx, u).await?),
        Change::Move { ou } => done(actions::move_to(ctx, u, ou).await?),
        Change::Groups {
            add,
            remove,
            allow_protected,
        } => done(actions::groups_with(ctx, u, add, remove, *allow_protected).await?),
        Change::Expiry { on } => done(actions::set_expiry(ctx, u, *on).await?),
        Change::Password { choice, temporary } => {
            let r = actions::reset_password_outcome(ctx, u, choice, *temporary).await?;
            Applied {
                account: r.account,
                password: r.password,
                unknown: r.unknown,
            }
        }
    })
}

fn word(enabled: bool) -> &'static str {
    if enabled {
        "enabled"
    } else {
        "disabled"
    }
}
