//! The Accounts tab's dialogs that are not a change to existing accounts: the new account and
//! guest forms, the new intake, the filters and the acceptable use records; what opening and
//! submitting them does (check what was typed, then confirm, or start the work in the
//! background). A change to existing accounts (disable, enable, unlock, move, groups, expiry,
//! password) is asked for and given to the worker in `keys.rs`, from its key to `y`.

use super::{AccountsCmd, AccountsTab, Plans};
use crate::domain::account::AccountStatus;
use crate::domain::roles::KNOWN_ROLES;
use crate::domain::time::parse_date;
use crate::ops::actions::CreateRequest;
use crate::ops::import::ImportPlan;
use crate::tui::dialogs::{Field, Tone};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Dialog, Form, Purpose, Submitted};
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

/// `~/x.csv` with the home directory.
pub fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

fn purpose(p: AccountsPurpose) -> Purpose {
    Purpose::Accounts(p)
}

/// Opens the filters.
pub fn open_filter(a: &AccountsTab, sh: &mut Shell) {
    let f = &a.table.filters;
    let mut roles = vec!["any".to_string()];
    roles.extend(KNOWN_ROLES.iter().map(|r| r.to_string()));
    roles.push("none".into());
    let role_i = f
        .role
        .as_ref()
        .and_then(|r| roles.iter().position(|x| x == r))
        .unwrap_or(0);
    let statuses: Vec<String> = ["any", "active", "locked", "expired", "disabled"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let status_i = f
        .status
        .and_then(|s| statuses.iter().position(|x| x == s.as_str()))
        .unwrap_or(0);
    let mut ous = vec!["any".to_string()];
    ous.extend(a.ous.iter().cloned());
    let ou_i =
        f.ou.as_ref()
            .and_then(|o| ous.iter().position(|x| x == o))
            .unwrap_or(0);
    let mut aups = vec!["any".to_string()];
    aups.extend(super::AupFilter::ALL.iter().map(|x| x.as_str().to_string()));
    let aup_i = f
        .aup
        .and_then(|x| aups.iter().position(|s| s == x.as_str()))
        .unwrap_or(0);
    let form = Form::new(
        "Filter accounts",
        purpose(AccountsPurpose::Filter),
        vec![
            Field::choice("Role", roles, role_i, "left/right or space to change"),
            Field::choice("Status", statuses, status_i, ""),
            Field::choice("OU", ous, ou_i, "accounts in this OU or below it"),
            Field::choice(
                "AUP",
                aups,
                aup_i,
                "acceptable use agreement: missing, outdated, signed, not required, held",
            ),
        ],
    );
    sh.dialogs.push(Dialog::Form(form));
}

/// Opens the form of a new account (or guest).
pub fn open_create(sh: &mut Shell, role: &str) {
    let roles: Vec<String> = KNOWN_ROLES.iter().map(|r| r.to_string()).collect();
    let index = roles.iter().position(|r| r == role).unwrap_or(0);
    let guest = role == "guest";
    let title = if guest {
        "New guest account (supply staff)"
    } else {
        "New account"
    };
    let expiry_hint = format!(
        "YYYY-MM-DD; empty: never (guests: {} school days)",
        sh.env.guest_days
    );
    let form = Form::new(
        title,
        purpose(AccountsPurpose::Create),
        vec![
            Field::choice("Role", roles, index, "left/right or space to change"),
            Field::text("First name", "", ""),
            Field::text("Last name", "", ""),
            Field::text("MIS id", "", "optional; refused if another account has it"),
            Field::text("Expires on", "", &expiry_hint),
        ],
    );
    let mut form = form;
    form.focus = 1;
    sh.dialogs.push(Dialog::Form(form));
}

/// Opens the new intake's form (the CSV's path).
pub fn open_import(sh: &mut Shell) {
    let form = Form::new(
        "New intake: import a CSV",
        purpose(AccountsPurpose::Import),
        vec![Field::text(
            "CSV file",
            "",
            "columns: First Name, Last Name, Role, Form, MIS Id",
        )],
    )
    .with_intro(vec![(
        "First a dry run lists what would be made; nothing changes until you confirm.".into(),
        Tone::Normal,
    )]);
    sh.dialogs.push(Dialog::Form(form));
}

/// A dialog of the tab that is not an account change was submitted.
pub fn on_submit(
    a: &mut AccountsTab,
    sh: &mut Shell,
    purpose: AccountsPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    match (purpose, d) {
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
