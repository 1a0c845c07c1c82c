//! The before → after preview of an account change, for every face: the CLI's `--dry-run` and
//! the TUI's confirmation show the same plan. Computing a plan changes nothing: no directory
//! change, no journal row, no log row, no password generated.
//!
//! [`plan_for`] is pure (an account as already read, and the change); [`preview`] reads the
//! accounts, the OUs and the groups from the directory and then calls it.

use super::protect::Protection;
use super::Ctx;
use crate::domain::account::Account;
use crate::domain::dn::first_rdn_value;
use crate::domain::roles::absolute;
use crate::domain::time::{end_of_day, uk_date};
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A change to preview (the same choices the account actions take).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum PlannedChange {
    /// Disable, with the reason for the log.
    Disable {
        /// Why.
        reason: String,
    },
    /// Enable.
    Enable,
    /// Clear a lockout.
    Unlock,
    /// Move to another OU (DN; [`preview`] accepts it without the base DN too).
    Move {
        /// The OU.
        ou: String,
    },
    /// Join and leave groups (names or DNs).
    Groups {
        /// Groups to join.
        add: Vec<String>,
        /// Groups to leave.
        remove: Vec<String>,
    },
    /// Set (end of that day) or clear the account expiry.
    Expire {
        /// The last day, or None for never.
        on: Option<NaiveDate>,
    },
    /// Reset the password.
    ResetPassword {
        /// Generated (true) or typed by the technician.
        generated: bool,
        /// The user must change it at next logon.
        temporary: bool,
    },
}

impl PlannedChange {
    /// What the change is, for titles ("Disable", "Move", …); the TUI's words.
    pub fn verb(&self) -> &'static str {
        match self {
            PlannedChange::Disable { .. } => "Disable",
            PlannedChange::Enable => "Enable",
            PlannedChange::Unlock => "Unlock",
            PlannedChange::Move { .. } => "Move",
            PlannedChange::Groups { .. } => "Change groups of",
            PlannedChange::Expire { .. } => "Set expiry of",
            PlannedChange::ResetPassword { .. } => "Reset password of",
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

/// How a line of the preview is meant to look (the TUI maps it to its tones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Emphasis {
    /// A heading.
    Strong,
    /// An ordinary line: something changes.
    Normal,
    /// Nothing changes, or a footnote.
    Dim,
    /// Refused or not found.
    Warn,
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

/// The preview of one change over some accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// The change.
    pub change: PlannedChange,
    /// One plan per account, in the order asked.
    pub accounts: Vec<AccountPlan>,
}

impl Preview {
    /// True when some account's change would be refused or the account does not exist.
    pub fn any_refused(&self) -> bool {
        self.accounts
            .iter()
            .any(|p| matches!(p.outcome, Outcome::Refused | Outcome::NotFound))
    }

    /// The whole preview as the TUI's confirmation shows it: a heading, one line per account,
    /// the reason of a disable, and the footnotes.
    pub fn lines(&self) -> Vec<(String, Emphasis)> {
        let n = self.accounts.len();
        let mut lines = vec![(
            format!(
                "{} {n} account{}:",
                self.change.verb(),
                if n == 1 { "" } else { "s" }
            ),
            Emphasis::Strong,
        )];
        for p in &self.accounts {
            lines.push((format!("  {}", p.line), p.emphasis()));
        }
        if let PlannedChange::Disable { reason } = &self.change {
            lines.push((format!("Reason: {reason}"), Emphasis::Normal));
        }
        lines.push((String::new(), Emphasis::Normal));
        lines.push((
            "Each change is written to the action log.".into(),
            Emphasis::Dim,
        ));
        if n > 1 {
            lines.push((
                "If one account fails, it is reported and the others go on.".into(),
                Emphasis::Dim,
            ));
        }
        lines
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
pub fn plan_for(username: &str, account: Option<&Account>, change: &PlannedChange) -> AccountPlan {
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
        PlannedChange::Disable { .. } => {
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
        PlannedChange::Enable => {
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
        PlannedChange::Unlock => {
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
        PlannedChange::Move { ou } => {
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
        PlannedChange::Groups { add, remove } => {
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
        PlannedChange::Expire { on } => {
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
        PlannedChange::ResetPassword {
            generated,
            temporary,
        } => {
            let new = if *generated {
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
    change: &PlannedChange,
    rules: &Protection,
    protected_groups: &[String],
    allow_protected: bool,
) -> AccountPlan {
    let Some(a) = account else {
        return p;
    };
    if let Some(why) = rules.check(a) {
        return refuse(p, format!("protected: {why}"));
    }
    if let (PlannedChange::Groups { .. }, false, Some(g)) =
        (change, allow_protected, protected_groups.first())
    {
        return refuse(
            p,
            format!("\"{g}\" is a protected group ([protect] groups); adding to it needs --allow-protected"),
        );
    }
    p
}

/// Reads the accounts (and the OU or groups the change names) and plans the change for each.
/// Changes nothing. What the real action would refuse for an account (it does not exist, the
/// OU or a group does not exist) is a refused plan, not an error; a request the action would
/// refuse as a whole (a disable without a reason, groups without any) is a usage error, as
/// there, and so is an unreachable directory.
pub async fn preview(ctx: &Ctx, usernames: &[String], change: &PlannedChange) -> Result<Preview> {
    preview_with(ctx, usernames, change, false).await
}

/// [`preview`], with `allow_protected` as the real action takes it (joining a protected group).
pub async fn preview_with(
    ctx: &Ctx,
    usernames: &[String],
    change: &PlannedChange,
    allow_protected: bool,
) -> Result<Preview> {
    let mut change = change.clone();
    let mut refusal: Option<String> = None;
    let rules = Protection::load(ctx).await?;
    let mut protected_groups = Vec::new();
    match &mut change {
        PlannedChange::Disable { reason } => {
            *reason = reason.trim().to_string();
            if reason.is_empty() {
                return Err(Error::Usage(
                    "say why the account is disabled (--reason TEXT)".into(),
                ));
            }
        }
        PlannedChange::Move { ou } => {
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
        PlannedChange::Groups { add, remove } => {
            if add.is_empty() && remove.is_empty() {
                return Err(Error::Usage(
                    "give --add GROUP and/or --remove GROUP".into(),
                ));
            }
            // The one check of the names (`accounts groups` refuses with the same words).
            let (_, mut missing) = super::groups::find_all(ctx, remove).await?;
            let (adding, missing_add) = super::groups::find_all(ctx, add).await?;
            for m in missing_add {
                if !missing.contains(&m) {
                    missing.push(m);
                }
            }
            for group in &adding {
                if rules.check_group(group).is_some() {
                    protected_groups.push(group.name.clone());
                }
            }
            if !missing.is_empty() {
                refusal = Some(missing.join("; "));
            }
        }
        _ => {}
    }
    let mut accounts = Vec::with_capacity(usernames.len());
    for u in usernames {
        let u = u.trim();
        let a = if u.is_empty() {
            None
        } else {
            ctx.dir.get_account(u).await?
        };
        let p = plan_for(u, a.as_ref(), &change);
        let p = protect(
            p,
            a.as_ref(),
            &change,
            &rules,
            &protected_groups,
            allow_protected,
        );
        let p = with_role_change(ctx, p, a.as_ref(), &change);
        accounts.push(match &refusal {
            Some(why) if p.outcome != Outcome::Refused => refuse(p, why.clone()),
            _ => p,
        });
    }
    Ok(Preview { change, accounts })
}

/// What judging a move's new role needs: the role rules and the directory's base DN. Cheap to
/// clone, so the TUI holds one and its preview says what the CLI's dry run says.
#[derive(Debug, Clone, Default)]
pub struct MoveRoles {
    /// `[directory.roles]`.
    pub roles: crate::domain::roles::RoleMap,
    /// The directory's base DN.
    pub base_dn: String,
}

impl MoveRoles {
    /// The rules of a context.
    pub fn from_ctx(ctx: &Ctx) -> MoveRoles {
        MoveRoles {
            roles: ctx.config.directory.roles.clone(),
            base_dn: ctx.dir.base_dn().to_string(),
        }
    }
}

fn with_role_change(
    ctx: &Ctx,
    p: AccountPlan,
    a: Option<&Account>,
    change: &PlannedChange,
) -> AccountPlan {
    role_change(&MoveRoles::from_ctx(ctx), p, a, change)
}

/// A move that changes the account's role (the role comes from where it sits: OU=Staff makes
/// a guest staff) says so in its plan: a "role" change and "(role: guest → staff)" on its line.
pub fn role_change(
    mr: &MoveRoles,
    mut p: AccountPlan,
    a: Option<&Account>,
    change: &PlannedChange,
) -> AccountPlan {
    let (PlannedChange::Move { ou }, Some(a)) = (change, a) else {
        return p;
    };
    if p.outcome != Outcome::Changes {
        return p;
    }
    let Some(rdn) = crate::domain::dn::split_dn(&a.dn).into_iter().next() else {
        return p;
    };
    let new_dn = format!("{rdn},{ou}");
    let new_role = mr.roles.role_for(&new_dn, &a.group_dns, &mr.base_dn);
    if new_role.as_deref().map(str::to_lowercase) == a.role.as_deref().map(str::to_lowercase) {
        return p;
    }
    let b = a.role.clone().unwrap_or_else(|| "none".into());
    let x = new_role.unwrap_or_else(|| "none".into());
    p.changes.push(field("role", b.as_str(), x.as_str()));
    p.line.push_str(&format!(" (role: {b} → {x})"));
    let says = format!("the move changes the role: {b} → {x}");
    p.note = Some(match p.note.take() {
        Some(n) => format!("{n}; {says}"),
        None => says,
    });
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pupil() -> Account {
        Account {
            username: "amir.khan".into(),
            dn: "CN=Amir Khan,OU=Year 7,DC=school,DC=test".into(),
            display_name: Some("Amir Khan".into()),
            enabled: true,
            groups: vec!["Year 7".into()],
            group_dns: vec!["CN=Year 7,OU=Groups,DC=school,DC=test".into()],
            ..Default::default()
        }
    }

    #[test]
    fn protected_accounts_and_groups_are_refused_in_the_plan() {
        let rules = Protection::default();
        let mut admin = pupil();
        admin.username = "Administrator".into();
        let change = PlannedChange::Enable;
        // Default rules protect nobody by name; a protected group join is refused unless allowed.
        let g = PlannedChange::Groups {
            add: vec!["Domain Admins".into()],
            remove: vec![],
        };
        let p = protect(
            plan_for("amir.khan", Some(&pupil()), &g),
            Some(&pupil()),
            &g,
            &rules,
            &["Domain Admins".to_string()],
            false,
        );
        assert_eq!(p.outcome, Outcome::Refused);
        assert!(p.line.contains("--allow-protected"), "{}", p.line);
        let p = protect(
            plan_for("amir.khan", Some(&pupil()), &g),
            Some(&pupil()),
            &g,
            &rules,
            &["Domain Admins".to_string()],
            true,
        );
        assert_eq!(p.outcome, Outcome::Changes);
        let p = protect(
            plan_for("Administrator", Some(&admin), &change),
            Some(&admin),
            &change,
            &rules,
            &[],
            false,
        );
        assert_ne!(p.outcome, Outcome::Refused);
    }

    #[test]
    fn lines_match_the_tui_words() {
        let a = pupil();
        let p = plan_for(
            "amir.khan",
            Some(&a),
            &PlannedChange::Disable {
                reason: "left".into(),
            },
        );
        assert_eq!(p.line, "amir.khan (Amir Khan): enabled -> disabled");
        assert_eq!(p.outcome, Outcome::Changes);
        assert_eq!(p.changes[0].before, "enabled");
        let p = plan_for("amir.khan", Some(&a), &PlannedChange::Enable);
        assert_eq!(
            p.line,
            "amir.khan (Amir Khan): already enabled: nothing to do"
        );
        assert_eq!(p.emphasis(), Emphasis::Dim);
        let p = plan_for("amir.khan", Some(&a), &PlannedChange::Unlock);
        assert_eq!(p.line, "amir.khan (Amir Khan): not locked: nothing to do");
        let p = plan_for(
            "amir.khan",
            Some(&a),
            &PlannedChange::Move {
                ou: "OU=Year 8,DC=school,DC=test".into(),
            },
        );
        assert_eq!(
            p.line,
            "amir.khan (Amir Khan): OU=Year 7,DC=school,DC=test -> OU=Year 8,DC=school,DC=test"
        );
        let p = plan_for(
            "amir.khan",
            Some(&a),
            &PlannedChange::Groups {
                add: vec!["year 7".into(), "Library".into()],
                remove: vec!["Staff".into()],
            },
        );
        assert_eq!(
            p.line,
            "amir.khan (Amir Khan): +year 7 (already), +Library, -Staff (not a member)"
        );
        assert_eq!(p.changes.len(), 1);
        let p = plan_for("nobody", None, &PlannedChange::Enable);
        assert_eq!(p.outcome, Outcome::NotFound);
        assert_eq!(p.emphasis(), Emphasis::Warn);
    }

    #[test]
    fn expiry_and_password() {
        let a = pupil();
        let day = NaiveDate::from_ymd_opt(2027, 7, 23).unwrap();
        let p = plan_for(
            "amir.khan",
            Some(&a),
            &PlannedChange::Expire { on: Some(day) },
        );
        assert_eq!(p.changes[0].before, "never");
        assert!(p
            .line
            .starts_with("amir.khan (Amir Khan): expires never -> "));
        let p = plan_for("amir.khan", Some(&a), &PlannedChange::Expire { on: None });
        assert_eq!(p.outcome, Outcome::NoChange);
        let p = plan_for(
            "amir.khan",
            Some(&a),
            &PlannedChange::ResetPassword {
                generated: true,
                temporary: true,
            },
        );
        assert_eq!(p.changes.len(), 2);
        assert_eq!(p.changes[1].after, "yes");
    }

    #[test]
    fn whole_preview_has_heading_reason_and_footnotes() {
        let a = pupil();
        let change = PlannedChange::Disable {
            reason: "left".into(),
        };
        let pv = Preview {
            accounts: vec![
                plan_for("amir.khan", Some(&a), &change),
                plan_for("x", None, &change),
            ],
            change,
        };
        let lines = pv.lines();
        assert_eq!(lines[0], ("Disable 2 accounts:".into(), Emphasis::Strong));
        assert_eq!(lines[3].0, "Reason: left");
        assert!(lines.last().unwrap().0.contains("the others go on"));
        assert!(pv.any_refused());
    }

    /// Issue 24, item 9: moving a guest into OU=Staff makes her staff, and the plan says so.
    #[test]
    fn a_move_that_changes_the_role_says_so() {
        let guest = Account {
            username: "g.visitor".into(),
            dn: "CN=G Visitor,OU=Guests,DC=school,DC=test".into(),
            role: Some("guest".into()),
            enabled: true,
            ..Default::default()
        };
        let mr = MoveRoles {
            roles: Default::default(),
            base_dn: "DC=school,DC=test".into(),
        };
        let change = PlannedChange::Move {
            ou: "OU=Staff,DC=school,DC=test".into(),
        };
        let p = role_change(
            &mr,
            plan_for("g.visitor", Some(&guest), &change),
            Some(&guest),
            &change,
        );
        assert!(p.line.contains("(role: guest → staff)"), "{}", p.line);
        assert!(p
            .changes
            .iter()
            .any(|c| c.field == "role" && c.after == "staff"));
        let same = PlannedChange::Move {
            ou: "OU=Guests,DC=school,DC=test".into(),
        };
        let p = role_change(
            &mr,
            plan_for("g.visitor", Some(&guest), &same),
            Some(&guest),
            &same,
        );
        assert!(!p.line.contains("role:"), "{}", p.line);
    }
}
