//! Keys of the Accounts tab: moving, searching, sorting, selecting, filtering; and a change to
//! existing accounts (disable, enable, unlock, move, groups, expiry, password), from its key to
//! the worker, in this file alone: the dialog that asks for it (the change dialog asks a
//! disable's reason, then shows the plan in the same dialog), the plan made by `ops::change`
//! from the accounts as read, exactly what will change, and `y`, which gives the plans to the
//! worker (`Cmd::Change`). The tab's other dialogs (new account, intake, filters) are
//! `submit.rs`'s.

use super::submit;
use super::Plans;
use super::{AccountsPurpose, AccountsTab, Change};
use crate::domain::secret::Secret;
use crate::domain::time::{parse_date, LondonDate};
use crate::ops::change;
use crate::ops::passwords::PasswordChoice;
use crate::ops::preview::{Emphasis, Outcome};
use crate::tui::dialogs::{Field, Message, Tone};
use crate::tui::keymap::{verbs, Action, Context, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Confirm, Dialog, Form, PasswordDialog, Picker, Purpose, Submitted};
use crate::tui::work::Cmd;

/// The Accounts tab's place in the keymap (`[tui.keys.accounts]`).
pub const CONTEXT: Context = Context::new("accounts", "Accounts");

verbs! {
    /// The Accounts tab's own verbs (the keymap's central actions are only the shell's).
    pub enum AccountsVerb {
        NewAccount => "new",
        NewGuest => "guest",
        ResetPassword => "password" [selection],
        Disable => "disable" [selection],
        Enable => "enable" [selection],
        Unlock => "unlock" [selection],
        Move => "move" [selection],
        Groups => "groups" [selection],
        Expiry => "expiry" [selection],
        Import => "import",
        RecordAup => "record-aup" [selection],
    }
}
use AccountsVerb as V;

/// The Accounts tab's keys.
#[rustfmt::skip]
pub const KEYS: &[KeyRow] = &[
    (CONTEXT, "/",       Action::Search,        "Search username, name or MIS id as you type", true),
    (CONTEXT, "esc",     Action::ClearSearch,   "Close details, else clear search, else selection", false),
    (CONTEXT, "enter",   Action::Details,       "Show or hide the account's details", true),
    (CONTEXT, "J",       Action::ScrollDown,    "Scroll the details pane down", false),
    (CONTEXT, "K",       Action::ScrollUp,      "Scroll the details pane up", false),
    (CONTEXT, "s",       Action::SortNext,      "Sort by the next column", false),
    (CONTEXT, "S",       Action::SortReverse,   "Reverse the sort", false),
    (CONTEXT, "f",       Action::Filter,        "Filter by role, OU, status and AUP", true),
    (CONTEXT, "F",       Action::ClearFilters,  "Clear search and filters", false),
    (CONTEXT, "space",   Action::Select,        "Select or unselect this row, then move down (bulk actions)", false),
    (CONTEXT, "A",       Action::SelectAll,     "Select all shown (again: clear selection)", false),
    (CONTEXT, "n",       V::NewAccount.action(),    "New account (role, names, MIS id)", true),
    (CONTEXT, "G",       V::NewGuest.action(),      "New guest account for supply staff", false),
    (CONTEXT, "p",       V::ResetPassword.action(), "Reset the password", true),
    (CONTEXT, "d",       V::Disable.action(),       "Disable (with a reason)", true),
    (CONTEXT, "e",       V::Enable.action(),        "Enable", false),
    (CONTEXT, "u",       V::Unlock.action(),        "Unlock after failed logons", false),
    (CONTEXT, "m",       V::Move.action(),          "Move to another OU", false),
    (CONTEXT, "g",       V::Groups.action(),        "Add or remove groups", false),
    (CONTEXT, "x",       V::Expiry.action(),        "Set or clear the account expiry date", false),
    (CONTEXT, "i",       V::Import.action(),        "New intake: import a CSV of accounts", false),
    (CONTEXT, "a",       V::RecordAup.action(),     "Record a signed acceptable use agreement", false),
];

fn purpose(p: AccountsPurpose) -> Purpose {
    Purpose::Accounts(p)
}

/// Keys of the Accounts tab (outside dialogs and the search box).
pub fn on_action(a: &mut AccountsTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let verb = AccountsVerb::of(action);
    let changes = matches!(
        verb,
        Some(
            V::NewAccount
                | V::NewGuest
                | V::Import
                | V::ResetPassword
                | V::Disable
                | V::Enable
                | V::Unlock
                | V::Move
                | V::Groups
                | V::Expiry
                | V::RecordAup
        )
    );
    if changes && sh.read_only() {
        return Vec::new();
    }
    let page = AccountsTab::page(sh.body_height());
    match action {
        Action::Search => {
            a.table.start_search(AccountsTab::page(sh.body_height()));
            return Vec::new();
        }
        Action::ClearSearch => {
            if a.detail {
                a.detail = false;
            } else {
                a.table.clear_search_or_selection(page);
            }
            return Vec::new();
        }
        Action::Details => {
            a.detail = !a.detail;
            a.detail_scroll = 0;
        }
        Action::ScrollDown if a.detail => a.detail_scroll = a.detail_scroll.saturating_add(5),
        Action::ScrollUp if a.detail => a.detail_scroll = a.detail_scroll.saturating_sub(5),
        Action::Filter => submit::open_filter(a, sh),
        Action::Verb(_) => match verb {
            Some(V::NewAccount) => submit::open_create(sh, "pupil"),
            Some(V::NewGuest) => submit::open_create(sh, "guest"),
            Some(V::Import) => submit::open_import(sh),
            Some(v) => return account_action(a, sh, v),
            None => {}
        },
        other => {
            if a.table.on_move(other, page) {
                a.detail_scroll = 0;
            }
        }
    }
    a.detail_log_cmd(sh)
}

/// "amir.khan (Amir Khan)" for one account, "3 selected accounts" for more.
pub fn who(a: &AccountsTab, targets: &[String]) -> String {
    match targets {
        [one] => a
            .row(one)
            .map(|r| format!("{} ({})", one, r.account.name()))
            .unwrap_or_else(|| one.clone()),
        many => format!("{} selected accounts", many.len()),
    }
}

fn account_action(a: &mut AccountsTab, sh: &mut Shell, verb: AccountsVerb) -> Vec<Cmd> {
    let targets = a.target_names();
    if targets.is_empty() {
        sh.info("no account here: clear the search or filters (F)");
        return Vec::new();
    }
    let whom = who(a, &targets);
    match verb {
        V::ResetPassword => {
            if targets.len() > 1 {
                sh.info("reset passwords one at a time: clear the selection first (esc)");
                return Vec::new();
            }
            if let Some(row) = a.row(&targets[0]) {
                let d =
                    PasswordDialog::new(row.account.clone(), purpose(AccountsPurpose::Password));
                sh.dialogs.push(Dialog::Password(Box::new(d)));
            }
        }
        V::Disable => {
            // One dialog: the reason, then the plan in the same dialog, confirmed with y.
            let c = Confirm::asking(
                &format!("Disable {whom}"),
                purpose(AccountsPurpose::Disable(targets)),
                "Reason",
                "goes in the action log and the account's record",
            );
            sh.dialogs.push(Dialog::Confirm(c));
        }
        V::Enable => super::aup::open_enable(a, sh, targets),
        V::RecordAup => super::aup::open_record(a, sh, targets),
        V::Unlock => confirm_change(a, sh, targets, Change::Unlock),
        V::Move => {
            let gen = sh.next_gen();
            let p = Picker::loading(
                &format!("Move {whom} to"),
                vec![],
                purpose(AccountsPurpose::Move(targets)),
                gen,
            );
            sh.dialogs.push(Dialog::Picker(p));
            return vec![super::AccountsCmd::LoadOus { gen }.into()];
        }
        V::Groups => {
            let mut intro = Vec::new();
            let many = targets.len() > 1;
            if let [one] = targets.as_slice() {
                let groups = a
                    .row(one)
                    .map(|r| r.account.groups.join(", "))
                    .unwrap_or_default();
                intro.push((
                    format!(
                        "Member of: {}",
                        if groups.is_empty() {
                            "no groups"
                        } else {
                            &groups
                        }
                    ),
                    Tone::Normal,
                ));
            }
            intro.push((
                if many {
                    "Type to narrow the directory's groups; Enter on one asks: add or remove."
                } else {
                    "Type to narrow the directory's groups; Enter on one adds it (removes it when already a member)."
                }
                .to_string(),
                Tone::Dim,
            ));
            let gen = sh.next_gen();
            let p = Picker::loading(
                &format!("Groups of {whom}"),
                intro,
                purpose(AccountsPurpose::Groups(targets)),
                gen,
            )
            .with_typed("not in the list: the preview says so");
            sh.dialogs.push(Dialog::Picker(p));
            return vec![super::AccountsCmd::LoadGroups { gen }.into()];
        }
        V::Expiry => {
            let current = match targets.as_slice() {
                [one] => a
                    .row(one)
                    .and_then(|r| r.account.expires)
                    .map(|e| e.london_date().format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let form = Form::new(
                &format!("Account expiry of {whom}"),
                purpose(AccountsPurpose::Expiry(targets)),
                vec![Field::text(
                    "Expires on",
                    &current,
                    "YYYY-MM-DD or DD/MM/YYYY (end of that day); empty: never",
                )],
            );
            sh.dialogs.push(Dialog::Form(form));
        }
        _ => {}
    }
    Vec::new()
}

pub use crate::ops::preview::fmt_expiry;

/// The plans of a change over `targets`, made by `ops::change` as for the CLI's `--dry-run`,
/// from the accounts as this tab read them (a key handler never awaits the directory); the
/// confirmation shows them and `y` applies them.
pub fn plan(a: &AccountsTab, sh: &Shell, targets: &[String], change: &Change) -> Plans {
    let (protected_groups, _) = protected_groups(a, sh, change);
    // A group the directory does not have refuses the whole change (as `accounts groups` does).
    let unknown = unknown_groups(a, change).join("; ");
    let judge = change::Judge {
        protection: &sh.env.protection,
        move_roles: &sh.env.move_roles,
        protected_groups: &protected_groups,
        refusal: (!unknown.is_empty()).then_some(unknown.as_str()),
    };
    let plans = targets
        .iter()
        .map(|u| {
            let account = a.row(u).map(|r| r.account.clone());
            let mut plan = change::plan_read(judge, u, account, change);
            if plan.words.outcome == Outcome::NotFound {
                plan.words.line = format!("{u}: (not in the list; read again with r)");
            }
            plan
        })
        .collect();
    Plans {
        change: change.clone(),
        plans,
    }
}

/// The protected groups a group change adds, and whether the override was asked for.
fn protected_groups(a: &AccountsTab, sh: &Shell, change: &Change) -> (Vec<String>, bool) {
    match change {
        Change::Groups {
            add,
            allow_protected,
            ..
        } => (
            add.iter()
                .filter(|g| is_protected_group(a, sh, g))
                .cloned()
                .collect(),
            *allow_protected,
        ),
        _ => (Vec::new(), false),
    }
}

/// What is said of each group a change names that the directory does not have (as the groups
/// dialog read them): an error of the whole preview, which is not confirmed while it is there
/// (the words `accounts groups` refuses with).
fn unknown_groups(a: &AccountsTab, change: &Change) -> Vec<String> {
    match (change, &a.groups) {
        (Change::Groups { add, remove, .. }, Some(known)) => {
            let names: Vec<String> = add.iter().chain(remove.iter()).cloned().collect();
            crate::ops::groups::unknown(known, &names)
                .into_iter()
                .map(crate::ops::groups::no_such_group)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// (to change, refused grouped by why, unchanged) of a plan.
fn counts(p: &Plans) -> (usize, Vec<(String, usize)>, usize) {
    let mut change = 0;
    let mut unchanged = 0;
    let mut refused: Vec<(String, usize)> = Vec::new();
    for acc in p.plans.iter().map(|p| &p.words) {
        let why = match acc.outcome {
            Outcome::Changes => {
                change += 1;
                continue;
            }
            Outcome::NoChange => {
                unchanged += 1;
                continue;
            }
            Outcome::NotFound => "not found".to_string(),
            Outcome::Refused => {
                let note = acc.note.clone().unwrap_or_else(|| "refused".into());
                // Grouped by the reason's first words ("protected", "member of Domain Admins").
                note.split([':', ';', '('])
                    .next()
                    .unwrap_or("refused")
                    .trim()
                    .to_string()
            }
        };
        match refused.iter_mut().find(|r| r.0 == why) {
            Some(r) => r.1 += 1,
            None => refused.push((why, 1)),
        }
    }
    (change, refused, unchanged)
}

/// The confirmation's lines: the plan's lines (the words the CLI's `--dry-run` prints), a
/// blank line and the footnotes, with the tab's own warnings.
pub fn preview_lines(
    p: &Plans,
    today: chrono::NaiveDate,
    protected_groups: &[String],
    allow: bool,
) -> Vec<(String, Tone)> {
    let change = &p.change;
    let mut body = p.lines();
    body.push((String::new(), Emphasis::Normal));
    body.extend(p.footnotes());
    let mut lines: Vec<(String, Tone)> = body
        .into_iter()
        .map(|(text, e)| {
            let tone = match e {
                Emphasis::Strong => Tone::Strong,
                Emphasis::Normal => Tone::Normal,
                Emphasis::Dim => Tone::Dim,
                Emphasis::Warn => Tone::Warn,
            };
            (text, tone)
        })
        .collect();
    if let Change::Expiry { on: Some(d) } = change {
        if let Some(why) = crate::domain::time::unusual_expiry(*d, today) {
            lines.insert(
                1.min(lines.len()),
                (
                    format!("The new expiry is {why}: check it before you confirm."),
                    Tone::Warn,
                ),
            );
        }
    }
    if allow && !protected_groups.is_empty() {
        lines.insert(
            1,
            (
                format!(
                    "Protected group: {} gives administrator rights. Only the override (o) adds anyway, and the log records that you allowed it.",
                    protected_groups.join(", ")
                ),
                Tone::Warn,
            ),
        );
    }
    lines
}

/// Opens the confirmation of a change, showing its preview (as `show_change` does).
pub fn confirm_change(a: &AccountsTab, sh: &mut Shell, targets: Vec<String>, change: Change) {
    show_change(a, sh, targets, change, None);
}

/// Shows the plan of a change (a bulk one opens with how many change, are refused and why,
/// and are already so), in `asked` (the change dialog that asked the reason) or a new
/// confirmation; `y` gives it to the worker. When nothing would change (every target refused
/// or already so) there is nothing to confirm: the preview is shown with its reasons and no
/// "y" prompt.
fn show_change(
    a: &AccountsTab,
    sh: &mut Shell,
    targets: Vec<String>,
    change: Change,
    asked: Option<Confirm>,
) {
    let p = plan(a, sh, &targets, &change);
    let (protected_groups, allow) = protected_groups(a, sh, &change);
    let (to_change, refused, unchanged) = counts(&p);
    let mut lines = preview_lines(&p, sh.now.london_date(), &protected_groups, allow);
    let moves = matches!(change, Change::Move { .. } | Change::Groups { .. });
    for (i, why) in unknown_groups(a, &change).into_iter().enumerate() {
        lines.insert(
            i,
            (
                format!("Error: {why}: pick a group from the list (g)."),
                Tone::Bad,
            ),
        );
    }
    if targets.len() > 1 {
        lines.insert(
            0,
            (
                crate::tui::dialogs::confirm::summary_line(to_change, &refused, unchanged),
                Tone::Strong,
            ),
        );
    }
    if to_change == 0 && !(moves && unchanged > 0) {
        let title = if refused.is_empty() {
            format!("{}: nothing to do", change.verb())
        } else {
            format!("{}: refused", change.verb())
        };
        // The footnotes about logging are for a change; here nothing is sent.
        lines.retain(|(l, _)| {
            !l.is_empty() && !l.starts_with("Each change is") && !l.starts_with("If one account")
        });
        lines.push(("Nothing is sent and nothing is logged.".into(), Tone::Dim));
        sh.dialogs.push(match asked {
            Some(c) => Dialog::Confirm(c.refused(&title, lines)),
            None => Dialog::Message(Message::new(&title, lines)),
        });
        return;
    }
    let yes = format!(
        "{} {}",
        change.verb().to_lowercase(),
        if targets.len() == 1 {
            targets[0].clone()
        } else {
            format!("{to_change} accounts")
        }
    );
    let title = format!("{}?", change.verb().trim_end_matches(" of"));
    let apply = purpose(AccountsPurpose::Apply(Box::new(p)));
    let c = match asked {
        Some(c) => c.planned(&title, lines, &yes, apply),
        None => Confirm::new(&title, lines, &yes, apply),
    }
    .targets(to_change);
    // Joining a protected group is never confirmed by y or Enter: only the explicit override.
    let c = if allow && !protected_groups.is_empty() {
        c.needs_override("override: add to a protected group")
    } else {
        c
    };
    sh.dialogs.push(Dialog::Confirm(c));
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

/// A dialog of an account change was submitted: its question answered, a group or OU picked,
/// a password given, or its plan confirmed with `y` (given to the worker).
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
        (AccountsPurpose::Disable(targets), Submitted::Confirm(mut c)) => {
            // The change dialog's question was answered: the plan in the same dialog.
            let reason = c.answer().to_string();
            if reason.is_empty() {
                c.ask_again("say why (the reason goes in the action log)");
                sh.dialogs.push(Dialog::Confirm(c));
            } else {
                show_change(a, sh, targets, Change::Disable { reason }, Some(c));
            }
            Vec::new()
        }
        (AccountsPurpose::EnableOverride(targets), Submitted::Confirm(mut c)) => {
            // Without an override reason it stays refused.
            let reason = c.answer().to_string();
            if reason.is_empty() {
                c.ask_again(
                    "refused: give an override reason (it is logged), or record the agreement with a",
                );
                sh.dialogs.push(Dialog::Confirm(c));
            } else {
                let enable = Change::Enable {
                    override_aup: Some(reason),
                };
                show_change(a, sh, targets, enable, Some(c));
            }
            Vec::new()
        }
        (AccountsPurpose::Expiry(targets), Submitted::Form(mut f)) => {
            let on = match f.text(0).trim() {
                "" => Ok(None),
                t => parse_date(t).map(Some),
            };
            match on {
                Ok(on) => {
                    sh.dialogs.push(Dialog::Form(f));
                    confirm_change(a, sh, targets, Change::Expiry { on });
                }
                Err(e) => {
                    f.error = Some(e);
                    sh.dialogs.push(Dialog::Form(f));
                }
            }
            Vec::new()
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
            let plans = plan(a, sh, std::slice::from_ref(&p.account.username), &change);
            start_apply(sh, Box::new(plans))
        }
        _ => Vec::new(),
    }
}

/// Comma-separated names, trimmed, empties dropped.
pub fn split_names(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Starts applying the plans confirmed (a job, with a progress dialog for more than one).
pub fn start_apply(sh: &mut Shell, plans: Box<Plans>) -> Vec<Cmd> {
    let n = plans.plans.len();
    let verb = plans.change.verb();
    let title = match plans.plans.first() {
        Some(p) if n == 1 => format!("{verb} {}", p.username),
        _ => format!("{verb} {n} accounts"),
    };
    let gen = sh.start_job(title, n, plans.change.done());
    vec![Cmd::Change {
        gen,
        plans,
        reply: super::work::applied,
    }]
}
