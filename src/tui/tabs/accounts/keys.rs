//! Keys of the Accounts tab: moving, searching, sorting, selecting, filtering, and the
//! forms and confirmations of every account action, which show exactly what will change.

use super::{AccountsPurpose, AccountsTab, Change};
use crate::domain::roles::KNOWN_ROLES;
use crate::domain::time::LondonDate;
use crate::ops::preview::{plan_for, protect, Emphasis, Outcome, Preview};
use crate::tui::dialogs::{
    Confirm, Dialog, Field, Form, Message, PasswordDialog, Picker, Purpose, Tone,
};
use crate::tui::keymap::{Action, Context, KeyRow};
use crate::tui::shell::Shell;
use crate::tui::work::Cmd;

/// The Accounts tab's place in the keymap (`[tui.keys.accounts]`).
pub const CONTEXT: Context = Context::new("accounts", "Accounts");

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
    (CONTEXT, "n",       Action::NewAccount,    "New account (role, names, MIS id)", true),
    (CONTEXT, "G",       Action::NewGuest,      "New guest account for supply staff", false),
    (CONTEXT, "p",       Action::ResetPassword, "Reset the password", true),
    (CONTEXT, "d",       Action::Disable,       "Disable (with a reason)", true),
    (CONTEXT, "e",       Action::Enable,        "Enable", false),
    (CONTEXT, "u",       Action::Unlock,        "Unlock after failed logons", false),
    (CONTEXT, "m",       Action::Move,          "Move to another OU", false),
    (CONTEXT, "g",       Action::Groups,        "Add or remove groups", false),
    (CONTEXT, "x",       Action::Expiry,        "Set or clear the account expiry date", false),
    (CONTEXT, "i",       Action::Import,        "New intake: import a CSV of accounts", false),
    (CONTEXT, "a",       Action::RecordAup,     "Record a signed acceptable use agreement", false),
];

fn purpose(p: AccountsPurpose) -> Purpose {
    Purpose::Accounts(p)
}

/// Keys of the Accounts tab (outside dialogs and the search box).
pub fn on_action(a: &mut AccountsTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let changes = matches!(
        action,
        Action::NewAccount
            | Action::NewGuest
            | Action::Import
            | Action::ResetPassword
            | Action::Disable
            | Action::Enable
            | Action::Unlock
            | Action::Move
            | Action::Groups
            | Action::Expiry
            | Action::RecordAup
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
        Action::Filter => open_filter(a, sh),
        Action::NewAccount => open_create(sh, "pupil"),
        Action::NewGuest => open_create(sh, "guest"),
        Action::Import => {
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
                "First a dry run lists what would be made; nothing changes until you confirm."
                    .into(),
                Tone::Normal,
            )]);
            sh.dialogs.push(Dialog::Form(form));
        }
        Action::ResetPassword
        | Action::Disable
        | Action::Enable
        | Action::Unlock
        | Action::Move
        | Action::Groups
        | Action::Expiry
        | Action::RecordAup => return account_action(a, sh, action),
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

fn account_action(a: &mut AccountsTab, sh: &mut Shell, action: Action) -> Vec<Cmd> {
    let targets = a.target_names();
    if targets.is_empty() {
        sh.info("no account here: clear the search or filters (F)");
        return Vec::new();
    }
    let whom = who(a, &targets);
    match action {
        Action::ResetPassword => {
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
        Action::Disable => {
            let form = Form::new(
                &format!("Disable {whom}"),
                purpose(AccountsPurpose::Disable(targets)),
                vec![Field::text(
                    "Reason",
                    "",
                    "goes in the action log and the account's record",
                )],
            );
            sh.dialogs.push(Dialog::Form(form));
        }
        Action::Enable => super::aup::open_enable(a, sh, targets),
        Action::RecordAup => super::aup::open_record(a, sh, targets),
        Action::Unlock => confirm_change(a, sh, targets, Change::Unlock),
        Action::Move => {
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
        Action::Groups => {
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
        Action::Expiry => {
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

fn open_filter(a: &AccountsTab, sh: &mut Shell) {
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

fn open_create(sh: &mut Shell, role: &str) {
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

pub use crate::ops::preview::fmt_expiry;

/// The plan of a change over `targets`, as `ops::preview` makes it for the CLI's `--dry-run`,
/// from the accounts as this tab read them; with the protected groups it adds and whether the
/// override is given.
fn plan(
    a: &AccountsTab,
    sh: &Shell,
    targets: &[String],
    change: &Change,
) -> (Preview, Vec<String>, bool) {
    let planned = change.planned();
    let (protected_groups, allow) = match change {
        Change::Groups {
            add,
            allow_protected,
            ..
        } => (
            add.iter()
                .filter(|g| super::submit::is_protected_group(a, sh, g))
                .cloned()
                .collect::<Vec<_>>(),
            *allow_protected,
        ),
        _ => (Vec::new(), false),
    };
    let unknown = unknown_groups(a, change);
    let accounts = targets
        .iter()
        .map(|u| {
            let account = a.row(u).map(|r| &r.account);
            let mut plan = plan_for(u, account, &planned);
            if plan.outcome == Outcome::NotFound {
                plan.line = format!("{u}: (not in the list; read again with r)");
            }
            let rules = &sh.env.protection;
            // A move that changes the role says so (the same words as the CLI's dry run).
            let plan =
                crate::ops::preview::role_change(&sh.env.move_roles, plan, account, &planned);
            let plan = protect(plan, account, &planned, rules, &protected_groups, allow);
            if unknown.is_empty() || plan.outcome == Outcome::Refused {
                plan
            } else {
                crate::ops::preview::refuse(plan, unknown.join("; "))
            }
        })
        .collect();
    (
        Preview {
            change: planned,
            accounts,
        },
        protected_groups,
        allow,
    )
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
fn counts(p: &Preview) -> (usize, Vec<(String, usize)>, usize) {
    let mut change = 0;
    let mut unchanged = 0;
    let mut refused: Vec<(String, usize)> = Vec::new();
    for acc in &p.accounts {
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

fn preview_lines(
    p: &Preview,
    change: &Change,
    today: chrono::NaiveDate,
    protected_groups: &[String],
    allow: bool,
) -> Vec<(String, Tone)> {
    let mut lines: Vec<(String, Tone)> = p
        .lines()
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

/// Opens the confirmation of a change, showing its preview (a bulk one opens with how many
/// change, are refused and why, and are already so). When nothing would change (every
/// target refused or already so) there is nothing to confirm: the preview is shown with its
/// reasons and no "y" prompt.
pub fn confirm_change(a: &AccountsTab, sh: &mut Shell, targets: Vec<String>, change: Change) {
    let (p, protected_groups, allow) = plan(a, sh, &targets, &change);
    let (to_change, refused, unchanged) = counts(&p);
    let mut lines = preview_lines(&p, &change, sh.now.london_date(), &protected_groups, allow);
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
        sh.dialogs
            .push(Dialog::Message(Message::new(&title, lines)));
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
    let c = Confirm::new(
        &title,
        lines,
        &yes,
        purpose(AccountsPurpose::Apply { targets, change }),
    )
    .targets(to_change);
    // Joining a protected group is never confirmed by y or Enter: only the explicit override.
    let c = if allow && !protected_groups.is_empty() {
        c.needs_override("override: add to a protected group")
    } else {
        c
    };
    sh.dialogs.push(Dialog::Confirm(c));
}

/// Comma-separated names, trimmed, empties dropped.
pub fn split_names(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Starts a change on accounts (a job, with a progress dialog for more than one).
pub fn start_apply(sh: &mut Shell, targets: Vec<String>, change: Change) -> Vec<Cmd> {
    let n = targets.len();
    let title = if n == 1 {
        format!("{} {}", change.verb(), targets[0])
    } else {
        format!("{} {n} accounts", change.verb())
    };
    let gen = sh.start_job(title, n, change.done());
    vec![super::AccountsCmd::Apply {
        gen,
        targets,
        change,
    }
    .into()]
}
