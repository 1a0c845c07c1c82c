//! Account actions on the Accounts tab: the forms and confirmations that show exactly what
//! will change, and starting the change in the background.

use super::*;
use crate::domain::roles::KNOWN_ROLES;
use crate::domain::time::uk_date;
use crate::tui::app::{Job, State};
use crate::tui::dialogs::{
    Confirm, ConfirmPurpose, Dialog, Field, Form, FormPurpose, PasswordDialog, Picker,
    PickerPurpose, Tone,
};
use crate::tui::keymap::Action;
use crate::tui::worker::{Change, Cmd};

/// True (and says why in the status bar) when `--as-of` makes this a read-only run.
pub(super) fn read_only(state: &mut State) -> bool {
    match state.env.as_of {
        Some(d) => {
            state.info(format!(
                "read-only: --as-of {d} is for reports and dry runs; run without it to change accounts"
            ));
            true
        }
        None => false,
    }
}

/// Keys of the Accounts tab (outside dialogs and the search box).
pub fn accounts_action(state: &mut State, action: Action, page: usize) -> Vec<Cmd> {
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
    );
    if changes && read_only(state) {
        return Vec::new();
    }
    let a = &mut state.accounts;
    let step = crate::tui::screens::accounts::AccountsScreen::page(page) as isize;
    match action {
        Action::Up => a.move_by(-1, page),
        Action::Down => a.move_by(1, page),
        Action::PageUp => a.move_by(-step, page),
        Action::PageDown => a.move_by(step, page),
        Action::Top => a.jump(false, page),
        Action::Bottom => a.jump(true, page),
        Action::Search => {
            a.searching = true;
            return Vec::new();
        }
        Action::ClearSearch => {
            if a.detail {
                a.detail = false;
            } else if !a.search.value().is_empty() {
                a.search.clear();
                a.refilter_keep(page);
            } else if !a.selected.is_empty() {
                a.selected.clear();
            }
            return Vec::new();
        }
        Action::Details => a.detail = !a.detail,
        Action::SortNext => a.sort_by(true, page),
        Action::SortReverse => a.sort_by(false, page),
        Action::ClearFilters => a.clear_all(page),
        Action::Select => a.toggle_select(page),
        Action::SelectAll => a.select_all(),
        Action::Filter => open_filter(state),
        Action::NewAccount => open_create(state, "pupil"),
        Action::NewGuest => open_create(state, "guest"),
        Action::Import => {
            let form = Form::new(
                "New intake: import a CSV",
                FormPurpose::Import,
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
            state.dialogs.push(Dialog::Form(form));
        }
        Action::ResetPassword
        | Action::Disable
        | Action::Enable
        | Action::Unlock
        | Action::Move
        | Action::Groups
        | Action::Expiry => return account_action(state, action),
        _ => {}
    }
    detail_log(state)
}

pub(super) fn usernames(state: &State) -> Vec<String> {
    state
        .accounts
        .targets()
        .iter()
        .map(|r| r.account.username.clone())
        .collect()
}

pub(super) fn who(state: &State, targets: &[String]) -> String {
    match targets {
        [one] => state
            .accounts
            .row(one)
            .map(|r| format!("{} ({})", one, r.account.name()))
            .unwrap_or_else(|| one.clone()),
        many => format!("{} selected accounts", many.len()),
    }
}

pub(super) fn account_action(state: &mut State, action: Action) -> Vec<Cmd> {
    let targets = usernames(state);
    if targets.is_empty() {
        state.info("no account here: clear the search or filters (F)");
        return Vec::new();
    }
    let whom = who(state, &targets);
    match action {
        Action::ResetPassword => {
            if targets.len() > 1 {
                state.info("reset passwords one at a time: clear the selection first (esc)");
                return Vec::new();
            }
            if let Some(row) = state.accounts.row(&targets[0]) {
                let d = PasswordDialog::new(row.account.clone());
                state.dialogs.push(Dialog::Password(Box::new(d)));
            }
        }
        Action::Disable => {
            let form = Form::new(
                &format!("Disable {whom}"),
                FormPurpose::Disable(targets),
                vec![Field::text(
                    "Reason",
                    "",
                    "goes in the action log and the account's record",
                )],
            );
            state.dialogs.push(Dialog::Form(form));
        }
        Action::Enable => confirm_change(state, targets, Change::Enable),
        Action::Unlock => confirm_change(state, targets, Change::Unlock),
        Action::Move => {
            let gen = state.next_gen();
            let p = Picker::loading(
                &format!("Move {whom} to"),
                vec![],
                PickerPurpose::Move(targets),
                gen,
            );
            state.dialogs.push(Dialog::Picker(p));
            return vec![Cmd::LoadOus { gen }];
        }
        Action::Groups => {
            let mut intro = Vec::new();
            if let [one] = targets.as_slice() {
                let groups = state
                    .accounts
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
            let form = Form::new(
                &format!("Groups of {whom}"),
                FormPurpose::Groups(targets),
                vec![
                    Field::text("Add to", "", "group names, separated by commas"),
                    Field::text("Remove from", "", "group names, separated by commas"),
                ],
            )
            .with_intro(intro);
            state.dialogs.push(Dialog::Form(form));
        }
        Action::Expiry => {
            let current = match targets.as_slice() {
                [one] => state
                    .accounts
                    .row(one)
                    .and_then(|r| r.account.expires)
                    .map(|e| e.date_naive().format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let form = Form::new(
                &format!("Account expiry of {whom}"),
                FormPurpose::Expiry(targets),
                vec![Field::text(
                    "Expires on",
                    &current,
                    "YYYY-MM-DD or DD/MM/YYYY (end of that day); empty: never",
                )],
            );
            state.dialogs.push(Dialog::Form(form));
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn open_filter(state: &mut State) {
    let f = &state.accounts.filters;
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
    ous.extend(state.accounts.ous.iter().cloned());
    let ou_i =
        f.ou.as_ref()
            .and_then(|o| ous.iter().position(|x| x == o))
            .unwrap_or(0);
    let form = Form::new(
        "Filter accounts",
        FormPurpose::Filter,
        vec![
            Field::choice("Role", roles, role_i, "left/right or space to change"),
            Field::choice("Status", statuses, status_i, ""),
            Field::choice("OU", ous, ou_i, "accounts in this OU or below it"),
        ],
    );
    state.dialogs.push(Dialog::Form(form));
}

pub(super) fn open_create(state: &mut State, role: &str) {
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
        state.env.guest_days
    );
    let form = Form::new(
        title,
        FormPurpose::Create,
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
    state.dialogs.push(Dialog::Form(form));
}

pub(super) fn fmt_expiry(e: Option<chrono::DateTime<chrono::Utc>>) -> String {
    e.map(uk_date).unwrap_or_else(|| "never".into())
}

/// The preview of a change: one line per account, before → after.
pub fn preview(state: &State, targets: &[String], change: &Change) -> Vec<(String, Tone)> {
    let mut lines = vec![(
        format!(
            "{} {} account{}:",
            change.verb(),
            targets.len(),
            if targets.len() == 1 { "" } else { "s" }
        ),
        Tone::Strong,
    )];
    for u in targets {
        let Some(row) = state.accounts.row(u) else {
            lines.push((
                format!("  {u}: (not in the list; read again with r)"),
                Tone::Warn,
            ));
            continue;
        };
        let a = &row.account;
        let head = format!("  {} ({})", a.username, a.name());
        let (text, tone) = match change {
            Change::Disable { .. } => {
                if a.enabled {
                    (format!("{head}: enabled -> disabled"), Tone::Normal)
                } else {
                    (
                        format!("{head}: already disabled (logged again)"),
                        Tone::Dim,
                    )
                }
            }
            Change::Enable => {
                if a.enabled {
                    (format!("{head}: already enabled"), Tone::Dim)
                } else {
                    (format!("{head}: disabled -> enabled"), Tone::Normal)
                }
            }
            Change::Unlock => {
                if a.locked {
                    (format!("{head}: locked -> unlocked"), Tone::Normal)
                } else {
                    (format!("{head}: not locked (no change)"), Tone::Dim)
                }
            }
            Change::Move { ou } => {
                if a.parent_dn().eq_ignore_ascii_case(ou) {
                    (format!("{head}: already there (logged again)"), Tone::Dim)
                } else {
                    (format!("{head}: {} -> {ou}", a.parent_dn()), Tone::Normal)
                }
            }
            Change::Groups { add, remove } => {
                let mut parts = Vec::new();
                for g in add {
                    let has = a.groups.iter().any(|x| x.eq_ignore_ascii_case(g));
                    parts.push(format!("+{g}{}", if has { " (already)" } else { "" }));
                }
                for g in remove {
                    let has = a.groups.iter().any(|x| x.eq_ignore_ascii_case(g));
                    parts.push(format!("-{g}{}", if has { "" } else { " (not a member)" }));
                }
                (format!("{head}: {}", parts.join(", ")), Tone::Normal)
            }
            Change::Expiry { on } => (
                format!(
                    "{head}: expires {} -> {}",
                    fmt_expiry(a.expires),
                    on.map(|d| uk_date(crate::domain::time::end_of_day(d)))
                        .unwrap_or_else(|| "never".into())
                ),
                Tone::Normal,
            ),
            Change::Password { .. } => (head, Tone::Normal),
        };
        lines.push((text, tone));
    }
    if let Change::Disable { reason } = change {
        lines.push((format!("Reason: {reason}"), Tone::Normal));
    }
    lines.push(("".into(), Tone::Normal));
    lines.push((
        "Each change is written to the action log.".into(),
        Tone::Dim,
    ));
    if targets.len() > 1 {
        lines.push((
            "If one account fails, it is reported and the others go on.".into(),
            Tone::Dim,
        ));
    }
    lines
}

pub(super) fn confirm_change(state: &mut State, targets: Vec<String>, change: Change) {
    let lines = preview(state, &targets, &change);
    let yes = format!(
        "{} {}",
        change.verb().to_lowercase(),
        if targets.len() == 1 {
            targets[0].clone()
        } else {
            format!("{} accounts", targets.len())
        }
    );
    let title = format!("{}?", change.verb());
    state.dialogs.push(Dialog::Confirm(Confirm::new(
        &title,
        lines,
        &yes,
        ConfirmPurpose::Apply { targets, change },
    )));
}

pub(super) fn split_names(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Starts a change on accounts (a job, with a progress dialog for more than one).
pub fn start_apply(state: &mut State, targets: Vec<String>, change: Change) -> Vec<Cmd> {
    let gen = state.next_gen();
    let n = targets.len();
    let title = if n == 1 {
        format!("{} {}", change.verb(), targets[0])
    } else {
        format!("{} {n} accounts", change.verb())
    };
    state.jobs.push(Job {
        gen,
        title,
        total: n,
        done: 0,
        ok: 0,
        failures: Vec::new(),
        done_word: change.done().into(),
    });
    if n > 1 {
        state.dialogs.push(Dialog::Progress(gen));
    }
    vec![Cmd::Apply {
        gen,
        targets,
        change,
    }]
}
