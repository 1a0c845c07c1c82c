//! What submitting the Accounts tab's dialogs does: check what was typed, then confirm, or
//! start the work in the background.

use super::keys::{confirm_change, start_apply};
use super::{AccountsCmd, AccountsTab, Change, Plans};
use crate::domain::account::AccountStatus;
use crate::domain::secret::Secret;
use crate::domain::time::parse_date;
use crate::ops::actions::CreateRequest;
use crate::ops::import::ImportPlan;
use crate::ops::passwords::PasswordChoice;
use crate::tui::shell::Shell;
use crate::tui::tabs::{Dialog, Form, Submitted};
use crate::tui::work::Cmd;

/// What a dialog of the Accounts tab is for.
#[derive(Debug, Clone)]
pub enum AccountsPurpose {
    /// New account (or guest): the form.
    Create,
    /// Disable these accounts (the form asks the reason).
    Disable(Vec<String>),
    /// Set the expiry of these accounts.
    Expiry(Vec<String>),
    /// Add or remove groups of these accounts (the group picker).
    Groups(Vec<String>),
    /// Add these accounts to the group, or remove them from it (asked for more than one).
    GroupsHow(Vec<String>, String),
    /// New intake: the CSV path.
    Import,
    /// The filters.
    Filter,
    /// Move these accounts to the picked OU.
    Move(Vec<String>),
    /// Reset the password of the dialog's account.
    Password,
    /// Confirmed: apply these plans (the preview shown).
    Apply(Box<Plans>),
    /// Confirmed: create this account.
    ConfirmCreate(CreateRequest),
    /// Confirmed: apply this import.
    ConfirmImport(Box<ImportPlan>),
    /// Record a signed acceptable use agreement for these accounts.
    RecordAup(Vec<String>),
    /// Enable these accounts although their agreement is missing (the form asks the reason).
    EnableOverride(Vec<String>),
    /// Confirmed: record the signatures of this plan.
    ConfirmAup(Box<crate::ops::aup::change::Plan>),
}

/// True when `name` is a protected group: as the directory's group list says (privileged by
/// SID, nested into one), or by name (`[protect] groups`, the admin role's groups).
pub fn is_protected_group(a: &AccountsTab, sh: &Shell, name: &str) -> bool {
    let listed = a
        .groups
        .iter()
        .flatten()
        .any(|g| g.is(name) && g.protected.is_some());
    let g = crate::ops::Group {
        dn: String::new(),
        name: name.to_string(),
    };
    listed || sh.env.protection.check_group(&g).is_some()
}

/// The change the groups dialog makes with `group`: for one account, add it (remove it when
/// already a member); for more, `adding` says which.
fn groups_change(a: &AccountsTab, sh: &Shell, group: String, adding: bool) -> Change {
    let (add, remove) = if adding {
        (vec![group], Vec::new())
    } else {
        (Vec::new(), vec![group])
    };
    // Joining a protected group is asked about in the confirmation, which says so.
    let allow_protected = add.iter().any(|g| is_protected_group(a, sh, g));
    Change::Groups {
        add,
        remove,
        allow_protected,
    }
}

/// `~/x.csv` with the home directory.
pub fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

/// A dialog of the tab was submitted.
pub fn on_submit(
    a: &mut AccountsTab,
    sh: &mut Shell,
    purpose: AccountsPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    match (purpose, d) {
        (AccountsPurpose::Apply(plans), Submitted::Confirm(c)) => {
            // A protected group is joined only through the confirmation's explicit override.
            if matches!(
                plans.change,
                Change::Groups {
                    allow_protected: true,
                    ..
                }
            ) && !c.overridden
            {
                return Vec::new();
            }
            sh.pop_origin();
            start_apply(sh, plans)
        }
        (AccountsPurpose::ConfirmAup(plan), Submitted::Confirm(_)) => {
            super::aup::start_record(a, sh, plan)
        }
        (AccountsPurpose::ConfirmCreate(req), Submitted::Confirm(_)) => {
            sh.pop_origin();
            let gen = sh.start_job(format!("Create {} account", req.role), 1, "created");
            vec![AccountsCmd::Create { gen, req }.into()]
        }
        (AccountsPurpose::ConfirmImport(plan), Submitted::Confirm(_)) => {
            sh.pop_origin();
            let n = plan.create.len();
            let gen = sh.start_job(format!("Import {n} accounts"), n, "created");
            if n <= 1 {
                // A job of one has no progress dialog of its own; an import always shows one.
                sh.dialogs.push(Dialog::Progress(gen));
            }
            vec![AccountsCmd::ImportApply { gen, plan }.into()]
        }
        (AccountsPurpose::Groups(targets), Submitted::Picker(p)) => {
            let Some(group) = p.chosen().map(str::to_string) else {
                sh.dialogs.push(Dialog::Picker(p));
                return Vec::new();
            };
            sh.dialogs.push(Dialog::Picker(p));
            if let [one] = targets.as_slice() {
                let member = a.row(one).is_some_and(|r| {
                    r.account
                        .groups
                        .iter()
                        .chain(r.account.group_dns.iter())
                        .any(|g| g.eq_ignore_ascii_case(group.trim()))
                });
                let change = groups_change(a, sh, group, !member);
                confirm_change(a, sh, targets, change);
            } else {
                let gen = sh.next_gen();
                let mut how = crate::tui::dialogs::Picker::loading(
                    &format!("{group}: add or remove {} accounts", targets.len()),
                    Vec::new(),
                    crate::tui::tabs::Purpose::Accounts(AccountsPurpose::GroupsHow(
                        targets,
                        group.clone(),
                    )),
                    gen,
                );
                how.waiting = None;
                how.options = vec![format!("Add to {group}"), format!("Remove from {group}")];
                sh.dialogs.push(Dialog::Picker(how));
            }
            Vec::new()
        }
        (AccountsPurpose::GroupsHow(targets, group), Submitted::Picker(p)) => {
            let adding = p.cursor == 0;
            sh.dialogs.push(Dialog::Picker(p));
            let change = groups_change(a, sh, group, adding);
            confirm_change(a, sh, targets, change);
            Vec::new()
        }
        (AccountsPurpose::Move(targets), Submitted::Picker(p)) => {
            let chosen = p.chosen().map(str::to_string);
            sh.dialogs.push(Dialog::Picker(p));
            if let Some(ou) = chosen {
                confirm_change(a, sh, targets, Change::Move { ou });
            }
            Vec::new()
        }
        (AccountsPurpose::Password, Submitted::Password(p)) => {
            let choice = if p.generate {
                PasswordChoice::Generate
            } else {
                PasswordChoice::Given(Secret::new(p.input.value()))
            };
            let change = Change::Password {
                choice,
                temporary: p.temporary,
            };
            // The dialog was the confirmation: its account as this tab read it is the plan.
            let plans =
                super::keys::plan(a, sh, std::slice::from_ref(&p.account.username), &change);
            start_apply(sh, Box::new(plans))
        }
        (purpose, Submitted::Form(f)) => submit_form(a, sh, purpose, f),
        _ => Vec::new(),
    }
}

fn submit_form(
    a: &mut AccountsTab,
    sh: &mut Shell,
    purpose: AccountsPurpose,
    mut f: Form,
) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    let mut keep = true;
    match purpose {
        AccountsPurpose::Create => {
            let first = f.text(1).trim().to_string();
            let last = f.text(2).trim().to_string();
            let mis = f.text(3).trim().to_string();
            let expires = match f.text(4).trim() {
                "" => Ok(None),
                t => parse_date(t).map(Some),
            };
            // Every problem at once, each naming its field, not one per submit.
            let mut problems = Vec::new();
            if first.is_empty() && last.is_empty() {
                problems.push((1, "give a first or last name".to_string()));
            }
            if let Err(e) = &expires {
                problems.push((4, e.clone()));
            }
            match expires {
                _ if f.problems(problems) => {}
                Err(e) => f.error = Some(e),
                Ok(expires) => {
                    let req = CreateRequest {
                        role: f.choice(0).to_string(),
                        first,
                        last,
                        mis_id: (!mis.is_empty()).then_some(mis),
                        expires,
                        ..Default::default()
                    };
                    let gen = sh.next_gen();
                    f.waiting = Some((gen, "working out the username"));
                    cmds.push(AccountsCmd::PlanCreate { gen, req }.into());
                }
            }
        }
        AccountsPurpose::Disable(targets) => {
            let reason = f.text(0).trim().to_string();
            if reason.is_empty() {
                f.error = Some("say why (the reason goes in the action log)".into());
            } else {
                sh.dialogs.push(Dialog::Form(f));
                confirm_change(a, sh, targets, Change::Disable { reason });
                return cmds;
            }
        }
        AccountsPurpose::Expiry(targets) => {
            let on = match f.text(0).trim() {
                "" => Ok(None),
                t => parse_date(t).map(Some),
            };
            match on {
                Ok(on) => {
                    sh.dialogs.push(Dialog::Form(f));
                    confirm_change(a, sh, targets, Change::Expiry { on });
                    return cmds;
                }
                Err(e) => f.error = Some(e),
            }
        }
        AccountsPurpose::Import => {
            let path = f.text(0).trim().to_string();
            if path.is_empty() {
                f.error = Some("give the path of the CSV file".into());
            } else {
                let gen = sh.next_gen();
                f.waiting = Some((gen, "reading the CSV and planning"));
                cmds.push(
                    AccountsCmd::ImportPlan {
                        gen,
                        path: expand_home(&path),
                    }
                    .into(),
                );
            }
        }
        AccountsPurpose::RecordAup(targets) => {
            return super::aup::submit_record(a, sh, targets, f);
        }
        AccountsPurpose::EnableOverride(targets) => {
            super::aup::submit_enable_override(a, sh, targets, f);
            return cmds;
        }
        AccountsPurpose::Filter => {
            let filters = &mut a.table.filters;
            filters.role = Some(f.choice(0).to_string()).filter(|r| r != "any");
            filters.status = match f.choice(1) {
                "active" => Some(AccountStatus::Active),
                "locked" => Some(AccountStatus::Locked),
                "expired" => Some(AccountStatus::Expired),
                "disabled" => Some(AccountStatus::Disabled),
                _ => None,
            };
            filters.ou = Some(f.choice(2).to_string()).filter(|o| o != "any");
            filters.aup = super::AupFilter::from_name(f.choice(3));
            a.table.refilter_keep(AccountsTab::page(sh.body_height()));
            keep = false;
            cmds.extend(a.detail_log_cmd(sh));
        }
        _ => {}
    }
    if keep {
        sh.dialogs.push(Dialog::Form(f));
    }
    cmds
}
