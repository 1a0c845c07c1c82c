//! What submitting the Passwords tab's dialogs does: the filters, a new shared login, and the
//! confirmed fixes, policy changes and rotations, started in the background.

use super::{status_from_word, Fix, PasswordsTab, PwCmd};
use crate::domain::creds::{CredUpdate, Credential};
use crate::domain::policy::PolicySettings;
use crate::ops::creds::change::{Change as CredChange, Plan as CredPlan};
use crate::tui::shell::Shell;
use crate::tui::tabs::accounts::split_names;
use crate::tui::tabs::{Dialog, Form, Submitted};
use crate::tui::work::Cmd;

/// What a dialog of the Passwords tab is for.
#[derive(Debug, Clone)]
pub enum PwPurpose {
    /// The report's filters (a form).
    Filter,
    /// Add a new shared credential (a form).
    AddCred,
    /// Change this shared credential (a form prefilled with what it says now).
    EditCred(String),
    /// Confirmed: apply a fix to these accounts.
    Fix {
        /// Usernames.
        targets: Vec<String>,
        /// The fix.
        fix: Fix,
    },
    /// Confirmed: apply these policy changes.
    Policy(Vec<PolicySettings>),
    /// Confirmed: record that this shared credential was changed today (the plan shown).
    Rotated(Box<CredPlan>),
}

/// A dialog of the tab was submitted.
pub fn on_submit(
    p: &mut PasswordsTab,
    sh: &mut Shell,
    purpose: PwPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    match (purpose, d) {
        (PwPurpose::Filter, Submitted::Form(f)) => {
            let body = sh.body_height();
            let filters = &mut p.table.filters;
            filters.status = status_from_word(f.choice(0));
            filters.role = Some(f.choice(1).to_string()).filter(|r| r != "any");
            filters.flag = Some(f.choice(2).to_string()).filter(|r| r != "any");
            let page = p.page(body);
            p.table.refilter_keep(page);
            Vec::new()
        }
        (PwPurpose::AddCred, Submitted::Form(f)) => add_cred(p, sh, f),
        (PwPurpose::EditCred(name), Submitted::Form(f)) => edit_cred(p, sh, name, f),
        (c, Submitted::Confirm(_)) => {
            sh.pop_origin();
            on_confirm(p, sh, c)
        }
        _ => Vec::new(),
    }
}

fn add_cred(p: &mut PasswordsTab, sh: &mut Shell, mut f: Form) -> Vec<Cmd> {
    let name = f.text(0).trim().to_string();
    let system = f.text(1).trim().to_string();
    let known_by = split_names(f.text(2));
    let owner = f.text(3).trim().to_string();
    let period = f.text(4).trim().parse::<u32>();
    // Every problem at once, each naming its field: the domain's rule asked of one field at
    // a time (the others given a value it takes).
    let rule = crate::domain::creds::validate;
    let mut problems = Vec::new();
    if let Err(e) = rule(&name, "x", 42) {
        problems.push((0, e));
    }
    if let Err(e) = rule("x", &system, 42) {
        problems.push((1, e.replace(" (--system)", "")));
    }
    if owner.is_empty() {
        problems.push((3, "say who changes it (the owner)".to_string()));
    }
    match &period {
        Err(_) => problems.push((4, "the period is a number of days, e.g. 42".to_string())),
        Ok(days) => {
            if let Err(e) = rule("x", "x", *days) {
                problems.push((4, e));
            }
        }
    }
    if f.problems(problems) {
        sh.dialogs.push(Dialog::Form(f));
        return Vec::new();
    }
    // A new one was changed today; a name already listed is refused by the plan, which
    // names the way to change it (`e` here, `creds update` on the command line).
    let last_rotated = sh.env.clock.now();
    let change = CredChange::Add {
        credential: Credential {
            name,
            system,
            known_by,
            owner,
            period_days: period.unwrap_or(42),
            last_rotated,
        },
        by: None,
    };
    save(p, sh, f, change)
}

/// The edit form of `name` was submitted: only the fields that differ from what the login says
/// now are sent, as the same `Change` as `schooltech creds update` (whose plan keeps the date
/// and refuses to take a leaver off while the alarm stands).
fn edit_cred(p: &mut PasswordsTab, sh: &mut Shell, name: String, mut f: Form) -> Vec<Cmd> {
    let Some(now) = p
        .creds
        .rows
        .iter()
        .find(|(c, _)| c.name == name)
        .map(|(c, _)| c.clone())
    else {
        sh.info(format!("\"{name}\" is no longer in the register"));
        return Vec::new();
    };
    let system = f.text(0).trim().to_string();
    let known_by = split_names(f.text(1));
    let owner = f.text(2).trim().to_string();
    let period = match f.text(3).trim().parse::<u32>() {
        Ok(d) => d,
        Err(_) => {
            f.error = Some("the period is a number of days, e.g. 42".into());
            sh.dialogs.push(Dialog::Form(f));
            return Vec::new();
        }
    };
    let change = CredUpdate {
        system: (system != now.system).then_some(system),
        owner: (owner != now.owner).then_some(owner),
        period_days: (period != now.period_days).then_some(period),
        known_by: (known_by != now.known_by).then_some(known_by),
    };
    if change.is_empty() {
        f.error = Some("nothing changed: edit a field, or Esc to leave it as it is".into());
        sh.dialogs.push(Dialog::Form(f));
        return Vec::new();
    }
    save(p, sh, f, CredChange::update(&name, &change, None))
}

/// A shared login's form was submitted whole: the change is planned and applied on the worker
/// (the form is its own confirmation, as `creds add` and `creds update` are); what the plan
/// refuses comes back on the form.
fn save(p: &mut PasswordsTab, sh: &mut Shell, mut f: Form, change: CredChange) -> Vec<Cmd> {
    let gen = sh.next_gen();
    p.creds.save_gen = gen;
    p.creds.saving = true;
    f.waiting = Some((gen, "saving"));
    sh.dialogs.push(Dialog::Form(f));
    vec![PwCmd::SaveCred { gen, change }.into()]
}

/// A confirmation of the tab was answered yes.
fn on_confirm(p: &mut PasswordsTab, sh: &mut Shell, c: PwPurpose) -> Vec<Cmd> {
    match c {
        PwPurpose::Fix { targets, fix } => {
            let n = targets.len();
            let title = match targets.as_slice() {
                [one] => format!("{} {one}", fix.verb()),
                _ => format!("{} {n} accounts", fix.verb()),
            };
            let gen = sh.start_job(title, n, fix.done());
            vec![PwCmd::Fix { gen, targets, fix }.into()]
        }
        PwPurpose::Policy(plan) => {
            let gen = sh.start_job("Apply the password policy".into(), 1, "applied");
            vec![PwCmd::ApplyPolicy { gen, plan }.into()]
        }
        PwPurpose::Rotated(plan) => {
            let gen = sh.next_gen();
            p.creds.save_gen = gen;
            p.creds.saving = true;
            vec![PwCmd::ApplyCred { gen, plan }.into()]
        }
        PwPurpose::Filter | PwPurpose::AddCred | PwPurpose::EditCred(_) => Vec::new(),
    }
}
