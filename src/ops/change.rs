//! One change to accounts, planned then applied: the one command type of every account action
//! for both faces. The CLI builds a [`Change`], plans it with [`plan`] (or [`plan_many`]),
//! prints the plan's [`Plans::lines`] on `--dry-run` and applies each [`Plan`] with [`apply`];
//! the TUI plans the same change from the accounts it read ([`plan_read`]), shows the same
//! lines in its confirmation and carries those plans to `y`.
//!
//! A plan names the account by its stable id (objectGUID on AD, entryUUID on OpenLDAP) beside
//! its DN and username, as it was read for the preview; [`apply`] reads it again by that id and
//! refuses, with the reason and nothing done, when it is no longer the object planned (deleted,
//! replaced by another account with the same username, renamed), when it was moved and the
//! change depends on where it was (a move), or when its enabled state changed and the change
//! depends on it (disable, enable).
//!
//! # The path of a change
//! "Disable an account", from the TUI's `d` to the LDAP modify, crosses these files (a file
//! counts when one of its functions carries the change on). Not counted, by one rule: the
//! routing of a key or of a submitted dialog to whoever handles it, which knows no verb
//! (`app.rs`, `shell/dialog_keys.rs`, `tabs/mod.rs`, a tab's `mod.rs` forwarding its `Page`
//! and `TabPage` calls to its files, and `keymap.rs`, whose `lookup` turns any key into an
//! action from the tables the tabs give it: `d` is `disable` by a row of the accounts tab's
//! `KEYS`, counted with keys.rs); and the leaves a step calls or names (`ops/protect.rs`'s
//! rules, the `Ctx`, the directory trait, the store's files below the journal, the domain's
//! types, `ops/preview.rs`'s [`Emphasis`], a type with no code on the way):
//! 1. `tui/tabs/accounts/keys.rs`: `d` is the tab's `disable` verb (`KEYS`); it opens the change
//!    dialog asking the reason; the reason becomes [`Change::Disable`], planned on the accounts
//!    as read ([`plan_read`]) and shown as [`Plans::lines`] in the same dialog (`show_change`);
//!    on `y` it gives the plans to the worker (`start_apply`, `Cmd::Change`);
//! 2. `tui/dialogs/confirm.rs`: the change dialog: the reason (`Confirm::asking`), then the plan
//!    and `y` (`Confirm::planned`), or a refusal with no `y` (`Confirm::refused`);
//! 3. `tui/work.rs`: the worker calls [`apply`] for each plan;
//! 4. `ops/change.rs` (here): [`plan_read`] and the plan's words ([`plan_for`], [`protect`]:
//!    before -> after, refusals), then [`apply`]: read-only under `--as-of`, the identity
//!    re-check, the enabled state the plan depended on, the reason, and `modify`: protection
//!    (a logged refusal), nothing to do, the runner, the read-back;
//! 5. `ops/runner.rs`: [`recheck`] by the stable id, and `one`: the journal's intent
//!    (`journal-begun`), the modify within the time limit (`sent`), the outcome with its
//!    action-log row (`recorded`);
//! 6. `store/journal.rs`: the intent, and the outcome with the log row in one transaction;
//! 7. `directory/ad.rs` (or `openldap.rs`): `modify_account`;
//! 8. `directory/conn.rs`: `modify`, to ldap3.
//!
//! Now 8. Before issue 21: 16, the 12 below and `tui/tabs/accounts/work.rs` (reached through
//! the tab dispatch), `ops/identity.rs`, `ops/actions.rs` (`disable`, `disable_noting`,
//! `change_noting`, `journalled_with`: three of them only forwarded) and `ops/accounts.rs` (a
//! second read of the account, by name). Then 12: `tui/keymap.rs`, `tui/tabs/accounts/keys.rs`
//! (the reason form opened, the plan shown), `tui/dialogs/form.rs` (the reason),
//! `tui/dialogs/confirm.rs` (`y`), `tui/tabs/accounts/submit.rs` (the reason became the change;
//! `y` applied), `tui/work.rs`, `ops/change.rs`, `ops/preview.rs` (the plan's words),
//! `ops/runner.rs`, `store/journal.rs`, `directory/ad.rs`, `directory/conn.rs`. What went:
//! the reason form under a confirmation became one change dialog that asks the reason and
//! then shows the plan (any tab's change that needs a reason can use it); asking for an
//! account change and giving it to the worker is keys.rs's alone (submit.rs keeps the tab's
//! other dialogs: new account, intake, filters, agreements); the plan's words moved here from
//! `ops/preview.rs`, and what only a move needs (roles, OUs) to `change/moves.rs`, planning
//! from the directory (the CLI's) to `change/read.rs`; `keymap.rs` is routing by the rule
//! above, like `app.rs`. `tests/change_path.rs` checks this list against the code.

mod moves;
mod read;
#[cfg(test)]
mod tests;

pub use moves::{known_ous, role_change, MoveRoles};
pub use read::{plan, plan_many};

use super::actions;
use super::passwords::PasswordChoice;
pub use super::preview::Emphasis;
use super::protect::Protection;
use super::runner::{recheck, target_of, Depends, Target};
use super::Ctx;
use crate::directory::Secret;
use crate::domain::account::{Account, AccountChange};
use crate::domain::dn::first_rdn_value;
use crate::domain::time::{end_of_day, uk_date};
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{json, Value};

/// A change to one account.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
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
        /// Generated or typed (serialised as where it comes from, never the password).
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

    /// What the change is, for headings and titles ("Disable", "Move", …).
    pub fn verb(&self) -> &'static str {
        match self {
            Change::Disable { .. } => "Disable",
            Change::Enable { .. } => "Enable",
            Change::Unlock => "Unlock",
            Change::Move { .. } => "Move",
            Change::Groups { .. } => "Change groups of",
            Change::Expiry { .. } => "Set expiry of",
            Change::Password { .. } => "Reset password of",
        }
    }

    /// What was done, for a status line ("disabled", …).
    pub fn done(&self) -> &'static str {
        match self {
            Change::Disable { .. } => "disabled",
            Change::Enable { .. } => "enabled",
            Change::Unlock => "unlocked",
            Change::Move { .. } => "moved",
            Change::Groups { .. } => "given the group changes",
            Change::Expiry { .. } => "expiry set",
            Change::Password { .. } => "password reset",
        }
    }
}

/// One field of an account, before and after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Which field ("account", "lockout", "ou", "group Year 7", "expires", "password", …).
    pub field: String,
    /// Its value now.
    pub before: String,
    /// Its value after the change.
    pub after: String,
}

/// What would happen to one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The fields listed in `changes` would change.
    Changes,
    /// Nothing would change (already so): nothing is sent and no log row is written (a move
    /// or a group change still runs).
    NoChange,
    /// The change would be refused (see `note`): nothing would be sent.
    Refused,
    /// No account with this username.
    NotFound,
}

/// The plan for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountPlan {
    /// Username as asked for (the directory's spelling when found).
    pub username: String,
    /// Name to show (display name, else the username).
    pub name: String,
    /// DN, when found.
    pub dn: Option<String>,
    /// What would happen.
    pub outcome: Outcome,
    /// Each field that would change, before → after.
    pub changes: Vec<FieldChange>,
    /// Why nothing would change, or why it would be refused.
    pub note: Option<String>,
    /// The line the TUI's confirmation shows for this account (without indentation).
    pub line: String,
}

impl AccountPlan {
    /// How the line should look.
    pub fn emphasis(&self) -> Emphasis {
        match self.outcome {
            Outcome::Changes => Emphasis::Normal,
            Outcome::NoChange => Emphasis::Dim,
            Outcome::Refused | Outcome::NotFound => Emphasis::Warn,
        }
    }
}

/// An expiry as people read it: `25 Nov 2026` or `never`.
pub fn fmt_expiry(e: Option<DateTime<Utc>>) -> String {
    e.map(uk_date).unwrap_or_else(|| "never".into())
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn field(field: &str, before: impl Into<String>, after: impl Into<String>) -> FieldChange {
    FieldChange {
        field: field.into(),
        before: before.into(),
        after: after.into(),
    }
}

/// True when `a` is a direct member of the group named (CN) or given by DN in `g`.
fn member_of(a: &Account, g: &str) -> bool {
    let name = if g.contains('=') {
        first_rdn_value(g)
    } else {
        g.to_string()
    };
    a.groups.iter().any(|x| x.eq_ignore_ascii_case(&name))
        || a.group_dns.iter().any(|x| x.eq_ignore_ascii_case(g))
}

/// The plan for one account: pure, from the account as read (None: not found) and the change.
/// For a move, `ou` is compared as given (a full DN).
pub fn plan_for(username: &str, account: Option<&Account>, change: &Change) -> AccountPlan {
    let Some(a) = account else {
        return AccountPlan {
            username: username.to_string(),
            name: username.to_string(),
            dn: None,
            outcome: Outcome::NotFound,
            changes: vec![],
            note: Some(format!("no account with username \"{username}\"")),
            line: format!("{username}: not found in the directory"),
        };
    };
    let head = format!("{} ({})", a.username, a.name());
    let mut changes = Vec::new();
    let (outcome, note, line) = match change {
        Change::Disable { .. } => {
            if a.enabled {
                changes.push(field("account", "enabled", "disabled"));
                (
                    Outcome::Changes,
                    None,
                    format!("{head}: enabled -> disabled"),
                )
            } else {
                (
                    Outcome::NoChange,
                    Some("already disabled: nothing to do".to_string()),
                    format!("{head}: already disabled: nothing to do"),
                )
            }
        }
        Change::Enable { .. } => {
            if a.enabled {
                (
                    Outcome::NoChange,
                    Some("already enabled: nothing to do".to_string()),
                    format!("{head}: already enabled: nothing to do"),
                )
            } else {
                changes.push(field("account", "disabled", "enabled"));
                (
                    Outcome::Changes,
                    None,
                    format!("{head}: disabled -> enabled"),
                )
            }
        }
        Change::Unlock => {
            if a.locked {
                changes.push(field("lockout", "locked", "unlocked"));
                (
                    Outcome::Changes,
                    None,
                    format!("{head}: locked -> unlocked"),
                )
            } else {
                (
                    Outcome::NoChange,
                    Some("not locked: nothing to do".to_string()),
                    format!("{head}: not locked: nothing to do"),
                )
            }
        }
        Change::Move { ou } => {
            if a.parent_dn().eq_ignore_ascii_case(ou) {
                (
                    Outcome::NoChange,
                    Some("already there (logged again)".to_string()),
                    format!("{head}: already there (logged again)"),
                )
            } else {
                changes.push(field("ou", a.parent_dn(), ou.as_str()));
                (
                    Outcome::Changes,
                    None,
                    format!("{head}: {} -> {ou}", a.parent_dn()),
                )
            }
        }
        Change::Groups { add, remove, .. } => {
            let mut parts = Vec::new();
            let mut notes = Vec::new();
            for g in add {
                if member_of(a, g) {
                    parts.push(format!("+{g} (already)"));
                    notes.push(format!("already in {g}"));
                } else {
                    parts.push(format!("+{g}"));
                    changes.push(field(&format!("group {g}"), "not a member", "member"));
                }
            }
            for g in remove {
                if member_of(a, g) {
                    parts.push(format!("-{g}"));
                    changes.push(field(&format!("group {g}"), "member", "not a member"));
                } else {
                    parts.push(format!("-{g} (not a member)"));
                    notes.push(format!("not in {g}"));
                }
            }
            let outcome = if changes.is_empty() {
                Outcome::NoChange
            } else {
                Outcome::Changes
            };
            let note = (!notes.is_empty()).then(|| notes.join("; "));
            (outcome, note, format!("{head}: {}", parts.join(", ")))
        }
        Change::Expiry { on } => {
            let after = on.map(end_of_day);
            let (b, x) = (fmt_expiry(a.expires), fmt_expiry(after));
            let line = format!("{head}: expires {b} -> {x}");
            if a.expires == after {
                (
                    Outcome::NoChange,
                    Some("the expiry is already so".into()),
                    line,
                )
            } else {
                changes.push(field("expires", b, x));
                (Outcome::Changes, None, line)
            }
        }
        Change::Password { choice, temporary } => {
            let new = if matches!(choice, PasswordChoice::Generate) {
                "a new generated password (shown once)"
            } else {
                "a new password from standard input"
            };
            changes.push(field("password", "(current)", new));
            if a.must_change_password != *temporary {
                changes.push(field(
                    "must change at next logon",
                    yes_no(a.must_change_password),
                    yes_no(*temporary),
                ));
            }
            let line = format!(
                "{head}: password -> {new}{}",
                if *temporary {
                    ", must be changed at next logon"
                } else {
                    ""
                }
            );
            (Outcome::Changes, None, line)
        }
    };
    AccountPlan {
        username: a.username.clone(),
        name: a.name().to_string(),
        dn: Some(a.dn.clone()),
        outcome,
        changes,
        note,
        line,
    }
}

/// Marks a plan refused: nothing would be sent for this account.
/// Marks the plan refused for `why` (nothing would be sent), unless the account is missing.
pub fn refuse(mut p: AccountPlan, why: String) -> AccountPlan {
    if p.outcome == Outcome::NotFound {
        return p;
    }
    p.line = format!("{} ({}): refused: {why}", p.username, p.name);
    p.outcome = Outcome::Refused;
    p.changes.clear();
    p.note = Some(why);
    p
}

/// Refuses the plan when the account is protected (`[protect]`, the bind account, members of
/// privileged groups), or when the change adds it to a protected group without
/// `allow_protected`: what the real action would refuse, named the same way.
pub fn protect(
    p: AccountPlan,
    account: Option<&Account>,
    change: &Change,
    rules: &Protection,
    protected_groups: &[String],
) -> AccountPlan {
    let Some(a) = account else {
        return p;
    };
    if let Some(why) = rules.check(a) {
        return refuse(p, format!("protected: {why}"));
    }
    if let (
        Change::Groups {
            allow_protected: false,
            ..
        },
        Some(g),
    ) = (change, protected_groups.first())
    {
        return refuse(
            p,
            format!("\"{g}\" is a protected group ([protect] groups); adding to it needs --allow-protected"),
        );
    }
    p
}

/// A change planned on one account, as it was when planned.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The username planned (the directory's spelling when found).
    pub username: String,
    /// The account planned: its DN and stable id (None: it was not found).
    pub target: Option<Target>,
    /// The account as it was read for the plan (None: not found).
    pub before: Option<Account>,
    /// The change.
    pub change: Change,
    /// What will happen, in words: before → after, or why nothing, or why it is refused.
    pub words: AccountPlan,
}

/// One change planned over some accounts: what the CLI's `--dry-run` prints and the TUI's
/// confirmation shows, and what `y` (or the command without `--dry-run`) applies.
#[derive(Debug, Clone)]
pub struct Plans {
    /// The change (as checked: a trimmed reason, the OU as the directory spells it).
    pub change: Change,
    /// One plan per account, in the order asked.
    pub plans: Vec<Plan>,
}

impl Plans {
    /// True when some account's change would be refused or the account does not exist.
    pub fn any_refused(&self) -> bool {
        self.plans
            .iter()
            .any(|p| matches!(p.words.outcome, Outcome::Refused | Outcome::NotFound))
    }

    /// The plan in words, for both faces (the one renderer): a heading, one line per account
    /// (with each field before -> after when there is one account), and a disable's reason.
    /// The CLI frames it with "dry run: …"; the TUI adds its footnotes ([`Plans::footnotes`]).
    pub fn lines(&self) -> Vec<(String, Emphasis)> {
        let n = self.plans.len();
        let mut lines = vec![(
            format!(
                "{} {n} account{}:",
                self.change.verb(),
                if n == 1 { "" } else { "s" }
            ),
            Emphasis::Strong,
        )];
        for p in &self.plans {
            lines.push((format!("  {}", p.words.line), p.words.emphasis()));
            if n == 1 {
                for c in &p.words.changes {
                    lines.push((
                        format!("    {}: {} -> {}", c.field, c.before, c.after),
                        Emphasis::Normal,
                    ));
                }
            }
        }
        if let Change::Disable { reason } = &self.change {
            lines.push((format!("Reason: {reason}"), Emphasis::Normal));
        }
        lines
    }

    /// What a confirmation says under the plan: every change is logged; in bulk, one failure
    /// does not stop the others.
    pub fn footnotes(&self) -> Vec<(String, Emphasis)> {
        let mut lines = vec![(
            "Each change is written to the action log.".to_string(),
            Emphasis::Dim,
        )];
        if self.plans.len() > 1 {
            lines.push((
                "If one account fails, it is reported and the others go on.".into(),
                Emphasis::Dim,
            ));
        }
        lines
    }
}

/// What judging a plan needs besides the account: the protection rules, the role rules (a move
/// may change the role), the protected groups a group change adds, and a refusal of the whole
/// change (no such OU or group). The CLI reads them from the directory ([`plan_many`]); the TUI
/// holds the rules and gives what it knows.
#[derive(Debug, Clone, Copy)]
pub struct Judge<'a> {
    /// `[protect]` and what the directory says is privileged.
    pub protection: &'a Protection,
    /// The role rules.
    pub move_roles: &'a MoveRoles,
    /// The protected groups the change adds.
    pub protected_groups: &'a [String],
    /// Why the whole change would be refused, if it would.
    pub refusal: Option<&'a str>,
}

/// True when `name` names a protected group (`[protect] groups`, the admin role's groups).
pub fn is_protected_group(protection: &Protection, name: &str) -> bool {
    let g = crate::directory::Group {
        dn: String::new(),
        name: name.to_string(),
    };
    protection.check_group(&g).is_some()
}

/// Plans `change` on `account` as a face read it (None: not found); pure.
pub fn plan_read(
    judge: Judge<'_>,
    username: &str,
    account: Option<Account>,
    change: &Change,
) -> Plan {
    let a = account.as_ref();
    let words = plan_for(username, a, change);
    // Only a move is judged by where it puts the account (its role); no other change goes there.
    let words = match change {
        Change::Move { .. } => role_change(judge.move_roles, words, a, change),
        _ => words,
    };
    let words = protect(words, a, change, judge.protection, judge.protected_groups);
    let words = match judge.refusal {
        Some(why) if words.outcome != Outcome::Refused => refuse(words, why.to_string()),
        _ => words,
    };
    Plan {
        username: account
            .as_ref()
            .map(|a| a.username.clone())
            .unwrap_or_else(|| username.to_string()),
        target: account.as_ref().map(target_of),
        before: account,
        change: change.clone(),
        words,
    }
}

/// What applying a plan gave: the account after it, a generated password to show once, why
/// nothing was done when it was already so, and why the outcome is unknown when the directory
/// did not answer (`log pending` settles it).
#[derive(Debug)]
pub struct Applied {
    /// The account after the change (as it was, when reading it back failed).
    pub account: Account,
    /// A generated password, to show once.
    pub password: Option<Secret>,
    /// Set when the change may or may not have been made.
    pub unknown: Option<Error>,
    /// Set when it was already so (nothing sent, no log row): the words both faces say.
    pub nothing: Option<String>,
}

/// Applies `plan`: the account is read again by its id and the change refused (nothing done)
/// when it is no longer the one planned; else made through the journal runner, whose guards
/// (read-only under `--as-of`, protection, journal and log) are the authority: a plan's
/// refusal is its preview.
pub async fn apply(ctx: &Ctx, plan: &Plan) -> Result<Applied> {
    let u = plan.username.as_str();
    ctx.refuse_as_of(&format!("{} {u}", plan.change.verb().to_lowercase()))?;
    let (Some(target), Some(before)) = (&plan.target, &plan.before) else {
        // Not found when planned: said as the directory says it now.
        let a = super::accounts::get(ctx, u).await?;
        return Err(Error::NotPlanned(format!(
            "{} was not in the directory when this was planned; nothing was done — look at it \
             again",
            a.username
        )));
    };
    let now = recheck(ctx, u, target, plan.change.depends()).await?;
    let on_off = |want_before: bool| -> Result<()> {
        if before.enabled == want_before && now.enabled != want_before {
            return Err(Error::NotPlanned(format!(
                "{u} was {} when this was planned and is {} now (changed since); nothing was \
                 done — look at it again",
                word(before.enabled),
                word(now.enabled)
            )));
        }
        Ok(())
    };
    let applied = |(account, nothing): (Account, Option<String>)| Applied {
        account,
        password: None,
        unknown: None,
        nothing,
    };
    // A change of one attribute goes to the one core with the account as re-read by its id
    // (no second read by name); a change to what is already so sends and logs nothing.
    Ok(match &plan.change {
        Change::Disable { reason } => {
            on_off(true)?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(Error::Usage(
                    "say why the account is disabled (--reason TEXT)".into(),
                ));
            }
            let extra = json!({ "reason": reason });
            applied(
                modify(
                    ctx,
                    now,
                    "account.disable",
                    AccountChange::SetEnabled(false),
                    extra,
                )
                .await?,
            )
        }
        Change::Enable { override_aup } => {
            on_off(false)?;
            let nothing = nothing_to_do(&now, &AccountChange::SetEnabled(true));
            let account = actions::enable_with(ctx, u, override_aup.as_deref()).await?;
            applied((account, nothing))
        }
        Change::Unlock => {
            applied(modify(ctx, now, "account.unlock", AccountChange::Unlock, json!({})).await?)
        }
        Change::Move { ou } => applied((actions::move_to(ctx, u, ou).await?, None)),
        Change::Groups {
            add,
            remove,
            allow_protected,
        } => applied((
            actions::groups_with(ctx, u, add, remove, *allow_protected).await?,
            None,
        )),
        Change::Expiry { on } => {
            let when = on.map(crate::domain::time::end_of_day);
            let c = AccountChange::SetExpires(when);
            applied(modify(ctx, now, "account.expire", c, json!({ "expires": when })).await?)
        }
        Change::Password { choice, temporary } => {
            let r = actions::reset_password_outcome(ctx, u, choice, *temporary).await?;
            Applied {
                account: r.account,
                password: r.password,
                unknown: r.unknown,
                nothing: None,
            }
        }
    })
}

/// The verb for a refusal message.
fn refusal_verb(action: &str) -> &'static str {
    match action {
        "account.disable" => "disable",
        "account.enable" => "enable",
        "account.unlock" => "unlock",
        "account.expire" => "set the expiry of",
        "password.expire" => "force a password change for",
        "password.never-expires" => "change password expiry of",
        _ => "change",
    }
}

/// The account's fields a change's log row keeps, before and after.
fn state(a: &Account) -> Value {
    json!({
        "dn": a.dn,
        "enabled": a.enabled,
        "locked": a.locked,
        "expires": a.expires,
        "must_change_password": a.must_change_password,
        "password_never_expires": a.password_never_expires,
        "groups": a.groups,
    })
}

/// Why `c` would change nothing on `a`, in words ("already disabled: nothing to do"). Such a
/// change is not sent and writes no action-log row; the CLI and the TUI say these words.
pub fn nothing_to_do(a: &Account, c: &AccountChange) -> Option<String> {
    let already = match c {
        AccountChange::SetEnabled(true) if a.enabled => "already enabled".to_string(),
        AccountChange::SetEnabled(false) if !a.enabled => "already disabled".to_string(),
        AccountChange::Unlock if !a.locked => "not locked".to_string(),
        AccountChange::SetExpires(t) if a.expires == *t => match t {
            Some(t) => format!("already expires {}", uk_date(*t)),
            None => "already never expires".to_string(),
        },
        AccountChange::SetMustChangePassword(on) if a.must_change_password == *on => {
            format!(
                "must change password already {}",
                if *on { "on" } else { "off" }
            )
        }
        AccountChange::SetPasswordNeverExpires(on) if a.password_never_expires == *on => {
            format!(
                "password never expires already {}",
                if *on { "on" } else { "off" }
            )
        }
        AccountChange::SetDescription(d) if a.description == *d => {
            "description already so".to_string()
        }
        _ => return None,
    };
    Some(format!("{already}: nothing to do"))
}

/// What the account looks like after `c`, as far as schooltech's own fields go.
fn expected_after(before: &Account, c: &AccountChange) -> Account {
    let mut a = before.clone();
    match c {
        AccountChange::SetEnabled(on) => a.enabled = *on,
        AccountChange::Unlock => a.locked = false,
        AccountChange::SetExpires(t) => a.expires = *t,
        AccountChange::SetMustChangePassword(on) => a.must_change_password = *on,
        AccountChange::SetPasswordNeverExpires(on) => a.password_never_expires = *on,
        AccountChange::SetDescription(d) => a.description = d.clone(),
        AccountChange::SetNames {
            given,
            surname,
            display,
        } => {
            a.given_name = Some(given.clone());
            a.surname = Some(surname.clone());
            a.display_name = Some(display.clone());
        }
    }
    a
}

/// Reads the account back after a change that is already recorded. A failed read-back is a
/// warning, not an error: the change was made and logged; `fallback` stands in for it.
pub(super) async fn read_back(
    ctx: &Ctx,
    username: &str,
    fallback: impl FnOnce() -> Account,
) -> Account {
    match ctx.dir.get_account(username).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            tracing::warn!(
                "the change to {username} was made and logged, but reading it back found no such account"
            );
            fallback()
        }
        Err(e) => {
            tracing::warn!(
                "the change to {username} was made and logged, but reading it back failed: {e}"
            );
            fallback()
        }
    }
}

/// The one core of a change to one attribute of an account as it was read (`before`): refused
/// under `--as-of` and when the account is protected (a logged refusal); nothing sent and no
/// log row when it is already so (the words both faces say are returned); else journalled and
/// sent through the one runner ([`super::runner::one`]: the journal's intent, the modify, the
/// outcome with its action-log row in one transaction), then read back. Returns the account
/// after and, when nothing was to do, why.
pub(super) async fn modify(
    ctx: &Ctx,
    before: Account,
    action: &str,
    c: AccountChange,
    extra: Value,
) -> Result<(Account, Option<String>)> {
    ctx.refuse_as_of(action)?;
    super::protect::refuse(ctx, action, refusal_verb(action), &before).await?;
    if let Some(why) = nothing_to_do(&before, &c) {
        // Already so: nothing is sent and no log row is written (issue 24, item 10).
        return Ok((before, Some(why)));
    }
    let mut details = json!({ "before": state(&before) });
    if let (Value::Object(d), Value::Object(x)) = (&mut details, extra) {
        d.extend(x);
    }
    let expected = expected_after(&before, &c);
    let after = state(&expected);
    let dir = ctx.dir.clone();
    let b = before.clone();
    super::runner::one(
        ctx,
        action,
        &before.username,
        details,
        async move { dir.modify_account(&b, &c).await },
        move |_| Some(after),
    )
    .await?;
    Ok((read_back(ctx, &before.username, || expected).await, None))
}

fn word(enabled: bool) -> &'static str {
    if enabled {
        "enabled"
    } else {
        "disabled"
    }
}
