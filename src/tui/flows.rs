//! What the keys of the Accounts and Log tabs start, and what the answers from the background
//! do: the account actions (form → confirmation showing what will change → background work →
//! result), the new intake, the log filters, and the quit question.

use super::app::{Job, State, Tab};
use super::dialogs::{
    Confirm, ConfirmPurpose, Dialog, Field, Form, FormPurpose, Message, PasswordDialog, Picker,
    PickerPurpose, Reply, SecretShow, Tone,
};
use super::keymap::{Action, KeyCombo};
use super::worker::{Change, Cmd};
use crate::directory::Secret;
use crate::domain::account::{Account, AccountStatus, NewAccount};
use crate::domain::roles::KNOWN_ROLES;
use crate::domain::time::{parse_date, start_of_day, uk_date};
use crate::error::Result;
use crate::ops::actions::{summary, CreateRequest, Created};
use crate::ops::import::{ImportPlan, ImportResult};
use crossterm::event::KeyEvent;

/// Lines a page key scrolls in dialogs.
const PAGE: usize = 10;

/// Quits now, or asks first when changes are still running.
pub fn quit(state: &mut State) -> Vec<Cmd> {
    if state.jobs.is_empty() {
        return vec![Cmd::Quit(0)];
    }
    let asking = state
        .dialogs
        .iter()
        .any(|d| matches!(d, Dialog::Confirm(c) if matches!(c.purpose, ConfirmPurpose::Quit)));
    if !asking {
        let mut lines = vec![(
            format!("{} change(s) still running:", state.jobs.len()),
            Tone::Warn,
        )];
        for j in &state.jobs {
            lines.push((
                format!("  {} ({}/{})", j.title, j.done, j.total),
                Tone::Normal,
            ));
        }
        lines.push((
            "Quitting now may leave a change half made; the journal keeps a trace of what was in flight."
                .into(),
            Tone::Dim,
        ));
        state.dialogs.push(Dialog::Confirm(Confirm::new(
            "Quit?",
            lines,
            "quit anyway",
            ConfirmPurpose::Quit,
        )));
    }
    Vec::new()
}

/// Asks for the log rows of the account under the cursor when the details pane needs them.
pub fn detail_log(state: &mut State) -> Vec<Cmd> {
    if !state.accounts.detail {
        return Vec::new();
    }
    let Some(current) = state.accounts.cursor_username() else {
        return Vec::new();
    };
    if state.accounts.detail_log.username == current {
        return Vec::new();
    }
    let gen = state.next_gen();
    let dl = &mut state.accounts.detail_log;
    dl.gen = gen;
    dl.username = current.clone();
    dl.entries = None;
    vec![Cmd::LoadAccountLog {
        gen,
        username: current,
    }]
}

fn refresh_after_change(state: &mut State) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    state.accounts.detail_log.username.clear();
    cmds.extend(detail_log(state));
    if state.log.loaded || state.tab == Tab::Log {
        let gen = state.next_gen();
        cmds.push(state.log.request(gen));
    }
    cmds
}

/// True (and says why in the status bar) when `--as-of` makes this a read-only run.
fn read_only(state: &mut State) -> bool {
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
    let step = super::screens::accounts::AccountsScreen::page(page) as isize;
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

fn usernames(state: &State) -> Vec<String> {
    state
        .accounts
        .targets()
        .iter()
        .map(|r| r.account.username.clone())
        .collect()
}

fn who(state: &State, targets: &[String]) -> String {
    match targets {
        [one] => state
            .accounts
            .row(one)
            .map(|r| format!("{} ({})", one, r.account.name()))
            .unwrap_or_else(|| one.clone()),
        many => format!("{} selected accounts", many.len()),
    }
}

fn account_action(state: &mut State, action: Action) -> Vec<Cmd> {
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

fn open_filter(state: &mut State) {
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

fn open_create(state: &mut State, role: &str) {
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

fn fmt_expiry(e: Option<chrono::DateTime<chrono::Utc>>) -> String {
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

fn confirm_change(state: &mut State, targets: Vec<String>, change: Change) {
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

fn split_names(s: &str) -> Vec<String> {
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

/// A key while a dialog is open.
pub fn dialog_key(state: &mut State, key: KeyEvent, combo: KeyCombo) -> Vec<Cmd> {
    let Some(dialog) = state.dialogs.pop() else {
        return Vec::new();
    };
    let km = &state.keymap;
    let action = km.lookup(super::keymap::Context::Dialog, combo);
    match dialog {
        Dialog::Help(scroll) => {
            let global = km.lookup(super::keymap::Context::Global, combo);
            let last = super::dialogs::help::lines(state).len().saturating_sub(1);
            let scroll = scroll.min(last);
            match action {
                Some(Action::NextField) => state.dialogs.push(Dialog::Help((scroll + 1).min(last))),
                Some(Action::PrevField) => {
                    state.dialogs.push(Dialog::Help(scroll.saturating_sub(1)))
                }
                Some(Action::PageDown) => {
                    state.dialogs.push(Dialog::Help((scroll + PAGE).min(last)))
                }
                Some(Action::PageUp) => state
                    .dialogs
                    .push(Dialog::Help(scroll.saturating_sub(PAGE))),
                Some(Action::Cancel | Action::Submit) => {}
                _ if global == Some(Action::Help) || global == Some(Action::Quit) => {}
                _ => state.dialogs.push(Dialog::Help(scroll)),
            }
            Vec::new()
        }
        Dialog::Message(mut m) => {
            let q = km.lookup(super::keymap::Context::Global, combo) == Some(Action::Quit);
            match action {
                Some(Action::Cancel | Action::Submit) => {}
                _ if q => {}
                Some(Action::NextField) => {
                    m.scroll = (m.scroll + 1).min(m.lines.len().saturating_sub(1));
                    state.dialogs.push(Dialog::Message(m));
                }
                Some(Action::PrevField) => {
                    m.scroll = m.scroll.saturating_sub(1);
                    state.dialogs.push(Dialog::Message(m));
                }
                Some(Action::PageDown) => {
                    m.scroll = (m.scroll + PAGE).min(m.lines.len().saturating_sub(1));
                    state.dialogs.push(Dialog::Message(m));
                }
                Some(Action::PageUp) => {
                    m.scroll = m.scroll.saturating_sub(PAGE);
                    state.dialogs.push(Dialog::Message(m));
                }
                _ => state.dialogs.push(Dialog::Message(m)),
            }
            Vec::new()
        }
        Dialog::Secret(s) => {
            let q = km.lookup(super::keymap::Context::Global, combo) == Some(Action::Quit);
            if !q && !matches!(action, Some(Action::Cancel | Action::Submit)) {
                state.dialogs.push(Dialog::Secret(s));
            }
            Vec::new()
        }
        Dialog::Progress(gen) => {
            if !matches!(action, Some(Action::Cancel | Action::Submit)) {
                state.dialogs.push(Dialog::Progress(gen));
            } else {
                state.info("still running; the status bar shows its progress");
            }
            Vec::new()
        }
        Dialog::Confirm(mut c) => match c.key(combo, km) {
            Reply::Submit => on_confirm(state, c.purpose),
            Reply::Cancel => Vec::new(),
            _ => {
                state.dialogs.push(Dialog::Confirm(c));
                Vec::new()
            }
        },
        Dialog::Picker(mut p) => match p.key(&key, combo, km) {
            Reply::Submit => {
                let chosen = p.chosen().map(str::to_string);
                let purpose = p.purpose.clone();
                state.dialogs.push(Dialog::Picker(p));
                if let (Some(ou), PickerPurpose::Move(targets)) = (chosen, purpose) {
                    confirm_change(state, targets, Change::Move { ou });
                }
                Vec::new()
            }
            Reply::Cancel => Vec::new(),
            _ => {
                state.dialogs.push(Dialog::Picker(p));
                Vec::new()
            }
        },
        Dialog::Password(mut p) => match p.key(&key, combo, km) {
            Reply::Submit => {
                let choice = if p.generate {
                    crate::ops::passwords::PasswordChoice::Generate
                } else {
                    crate::ops::passwords::PasswordChoice::Given(Secret::new(p.input.value()))
                };
                let change = Change::Password {
                    choice,
                    temporary: p.temporary,
                };
                start_apply(state, vec![p.account.username.clone()], change)
            }
            Reply::Cancel => Vec::new(),
            Reply::Edited => {
                let cmds = if p.input.value().is_empty() {
                    p.checking = false;
                    p.verdict = None;
                    Vec::new()
                } else {
                    let gen = state.next_gen();
                    p.verdict_gen = gen;
                    p.checking = true;
                    vec![Cmd::CheckPassword {
                        gen,
                        account: Box::new(p.account.clone()),
                        candidate: Secret::new(p.input.value()),
                    }]
                };
                state.dialogs.push(Dialog::Password(p));
                cmds
            }
            Reply::None => {
                state.dialogs.push(Dialog::Password(p));
                Vec::new()
            }
        },
        Dialog::Form(mut f) => match f.key(&key, combo, km) {
            Reply::Submit => submit_form(state, f),
            Reply::Cancel => Vec::new(),
            _ => {
                state.dialogs.push(Dialog::Form(f));
                Vec::new()
            }
        },
    }
}

fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}

fn submit_form(state: &mut State, mut f: Form) -> Vec<Cmd> {
    let purpose = f.purpose.clone();
    let mut cmds = Vec::new();
    let mut keep = true;
    match purpose {
        FormPurpose::Create => {
            let first = f.text(1).trim().to_string();
            let last = f.text(2).trim().to_string();
            let mis = f.text(3).trim().to_string();
            let expires = match f.text(4).trim() {
                "" => Ok(None),
                t => parse_date(t).map(Some),
            };
            match expires {
                _ if first.is_empty() && last.is_empty() => {
                    f.error = Some("give a first or last name".into())
                }
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
                    let gen = state.next_gen();
                    f.waiting = Some((gen, "working out the username"));
                    cmds.push(Cmd::PlanCreate { gen, req });
                }
            }
        }
        FormPurpose::Disable(targets) => {
            let reason = f.text(0).trim().to_string();
            if reason.is_empty() {
                f.error = Some("say why (the reason goes in the action log)".into());
            } else {
                state.dialogs.push(Dialog::Form(f));
                confirm_change(state, targets, Change::Disable { reason });
                return cmds;
            }
        }
        FormPurpose::Expiry(targets) => {
            let on = match f.text(0).trim() {
                "" => Ok(None),
                t => parse_date(t).map(Some),
            };
            match on {
                Ok(on) => {
                    state.dialogs.push(Dialog::Form(f));
                    confirm_change(state, targets, Change::Expiry { on });
                    return cmds;
                }
                Err(e) => f.error = Some(e),
            }
        }
        FormPurpose::Groups(targets) => {
            let add = split_names(f.text(0));
            let remove = split_names(f.text(1));
            if add.is_empty() && remove.is_empty() {
                f.error = Some("name a group to add or to remove".into());
            } else {
                state.dialogs.push(Dialog::Form(f));
                confirm_change(state, targets, Change::Groups { add, remove });
                return cmds;
            }
        }
        FormPurpose::Import => {
            let path = f.text(0).trim().to_string();
            if path.is_empty() {
                f.error = Some("give the path of the CSV file".into());
            } else {
                let gen = state.next_gen();
                f.waiting = Some((gen, "reading the CSV and planning"));
                cmds.push(Cmd::ImportPlan {
                    gen,
                    path: expand_home(&path),
                });
            }
        }
        FormPurpose::Filter => {
            let a = &mut state.accounts;
            a.filters.role = Some(f.choice(0).to_string()).filter(|r| r != "any");
            a.filters.status = match f.choice(1) {
                "active" => Some(AccountStatus::Active),
                "locked" => Some(AccountStatus::Locked),
                "expired" => Some(AccountStatus::Expired),
                "disabled" => Some(AccountStatus::Disabled),
                _ => None,
            };
            a.filters.ou = Some(f.choice(2).to_string()).filter(|o| o != "any");
            let page = state.body_height();
            state.accounts.refilter_keep(page);
            keep = false;
            cmds.extend(detail_log(state));
        }
        FormPurpose::LogFilter => {
            let since = match f.text(0).trim() {
                "" => Ok(None),
                t => parse_date(t).map(|d| Some(start_of_day(d))),
            };
            match since {
                Err(e) => f.error = Some(e),
                Ok(since) => {
                    let text = super::screens::log::LogFilterText {
                        since: f.text(0).trim().into(),
                        action: f.text(1).trim().into(),
                        target: f.text(2).trim().into(),
                        operator: f.text(3).trim().into(),
                    };
                    let opt = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
                    state.log.filter = crate::store::LogFilter {
                        since,
                        action: opt(&text.action),
                        target: opt(&text.target),
                        operator: opt(&text.operator),
                        limit: None,
                    };
                    state.log.filter_text = text;
                    state.log.cursor = 0;
                    state.log.offset = 0;
                    let gen = state.next_gen();
                    cmds.push(state.log.request(gen));
                    keep = false;
                }
            }
        }
    }
    if keep {
        state.dialogs.push(Dialog::Form(f));
    }
    cmds
}

/// Removes the dialog a confirmation came from (the form or picker under it).
fn pop_origin(state: &mut State) {
    if matches!(
        state.dialogs.last(),
        Some(Dialog::Form(_) | Dialog::Picker(_))
    ) {
        state.dialogs.pop();
    }
}

fn on_confirm(state: &mut State, purpose: ConfirmPurpose) -> Vec<Cmd> {
    match purpose {
        ConfirmPurpose::Quit => vec![Cmd::Quit(0)],
        ConfirmPurpose::Apply { targets, change } => {
            pop_origin(state);
            start_apply(state, targets, change)
        }
        ConfirmPurpose::Create(req) => {
            pop_origin(state);
            let gen = state.next_gen();
            state.jobs.push(Job {
                gen,
                title: format!("Create {} account", req.role),
                total: 1,
                done: 0,
                ok: 0,
                failures: Vec::new(),
                done_word: "created".into(),
            });
            vec![Cmd::Create { gen, req }]
        }
        ConfirmPurpose::Import(plan) => {
            pop_origin(state);
            let gen = state.next_gen();
            state.jobs.push(Job {
                gen,
                title: format!("Import {} accounts", plan.create.len()),
                total: plan.create.len(),
                done: 0,
                ok: 0,
                failures: Vec::new(),
                done_word: "created".into(),
            });
            state.dialogs.push(Dialog::Progress(gen));
            vec![Cmd::ImportApply { gen, plan }]
        }
    }
}

/// The OUs for a move picker arrived.
pub fn on_ous(state: &mut State, gen: u64, result: Result<Vec<String>>) -> Vec<Cmd> {
    let mut err = None;
    for d in state.dialogs.iter_mut() {
        if let Dialog::Picker(p) = d {
            if p.waiting == Some(gen) {
                p.waiting = None;
                match result {
                    Ok(mut ous) => {
                        ous.sort_by_key(|o| o.to_lowercase());
                        p.options = ous;
                    }
                    Err(e) => {
                        p.error = Some(e.to_string());
                        err = Some(e);
                    }
                }
                break;
            }
        }
    }
    if let Some(e) = err {
        state.note_error(&e);
    }
    Vec::new()
}

fn find_waiting_form(state: &mut State, gen: u64) -> Option<&mut Form> {
    state.dialogs.iter_mut().rev().find_map(|d| match d {
        Dialog::Form(f) if f.waiting.map(|w| w.0) == Some(gen) => Some(f),
        _ => None,
    })
}

/// A new account was planned: show what would be made.
pub fn on_planned(
    state: &mut State,
    gen: u64,
    req: CreateRequest,
    result: Result<NewAccount>,
) -> Vec<Cmd> {
    let Some(form) = find_waiting_form(state, gen) else {
        return Vec::new();
    };
    form.waiting = None;
    match result {
        Err(e) => {
            form.error = Some(e.to_string());
            state.note_error(&e);
        }
        Ok(plan) => {
            let groups = if plan.groups.is_empty() {
                "none".to_string()
            } else {
                plan.groups
                    .iter()
                    .map(|g| crate::directory::escape::first_rdn_value(g).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let lines = vec![
                ("A new account will be created:".to_string(), Tone::Strong),
                (format!("  Username:   {}", plan.username), Tone::Normal),
                (format!("  Name:       {}", plan.display_name), Tone::Normal),
                (format!("  Role:       {}", req.role), Tone::Normal),
                (format!("  In OU:      {}", plan.parent_dn), Tone::Normal),
                (format!("  Groups:     {groups}"), Tone::Normal),
                (
                    format!("  MIS id:     {}", plan.mis_id.as_deref().unwrap_or("none")),
                    Tone::Normal,
                ),
                (format!("  Expires:    {}", fmt_expiry(plan.expires)), Tone::Normal),
                ("".into(), Tone::Normal),
                (
                    "A temporary password is generated and shown to you once; it must be changed at first logon."
                        .into(),
                    Tone::Dim,
                ),
            ];
            state.dialogs.push(Dialog::Confirm(Confirm::new(
                "Create account?",
                lines,
                &format!("create {}", plan.username),
                ConfirmPurpose::Create(req),
            )));
        }
    }
    Vec::new()
}

fn take_job(state: &mut State, gen: u64) -> Option<Job> {
    let i = state.jobs.iter().position(|j| j.gen == gen)?;
    Some(state.jobs.remove(i))
}

fn show_secret(state: &mut State, title: &str, lines: Vec<(String, Tone)>, a: &Account, p: Secret) {
    state.dialogs.push(Dialog::Secret(SecretShow {
        title: title.into(),
        lines,
        username: a.username.clone(),
        password: p,
    }));
}

/// An account was created.
pub fn on_created(state: &mut State, gen: u64, result: Result<Created>) -> Vec<Cmd> {
    if take_job(state, gen).is_none() {
        return Vec::new();
    }
    match result {
        Ok(c) => {
            let a = c.account.clone();
            let now = state.now;
            state.accounts.replace_account(c.account, now);
            let page = state.body_height();
            state.accounts.refresh_view(page);
            state.accounts.select_username(&a.username, page);
            state.info(format!("created {}", a.username));
            let lines = vec![
                (format!("Created {}", summary(&a)), Tone::Good),
                (format!("In {}", a.parent_dn()), Tone::Dim),
                (
                    "The user must choose a new password at first logon.".into(),
                    Tone::Normal,
                ),
            ];
            show_secret(state, "New account", lines, &a, c.password);
            refresh_after_change(state)
        }
        Err(e) => {
            state.note_error(&e);
            state.dialogs.push(Dialog::Message(Message::error(
                "The account was not created",
                &e.to_string(),
            )));
            Vec::new()
        }
    }
}

/// One account of an `Apply` is done.
pub fn on_applied(
    state: &mut State,
    gen: u64,
    _index: usize,
    username: String,
    result: Result<(Account, Option<Secret>)>,
) -> Vec<Cmd> {
    let Some(job) = state.jobs.iter_mut().find(|j| j.gen == gen) else {
        return Vec::new();
    };
    job.done += 1;
    let single = job.total == 1;
    let word = job.done_word.clone();
    match result {
        Ok((account, secret)) => {
            job.ok += 1;
            let now = state.now;
            if let Some(p) = secret {
                let lines = vec![
                    (
                        format!("Password reset for {}", summary(&account)),
                        Tone::Good,
                    ),
                    (
                        if account.must_change_password {
                            "They must choose a new password at next logon."
                        } else {
                            "This password is not temporary."
                        }
                        .to_string(),
                        Tone::Normal,
                    ),
                ];
                show_secret(state, "New password", lines, &account, p);
            }
            if single {
                state.info(format!("{username}: {word}"));
            }
            state.accounts.replace_account(account, now);
        }
        Err(e) => {
            job.failures.push((username.clone(), e.to_string()));
            state.note_error(&e);
            if single {
                state.error(&e);
                state.dialogs.push(Dialog::Message(Message::error(
                    &format!("{username}: not {word}"),
                    &e.to_string(),
                )));
            }
        }
    }
    Vec::new()
}

/// An `Apply` finished: report, refresh.
pub fn on_apply_done(state: &mut State, gen: u64, stopped: Option<String>) -> Vec<Cmd> {
    let Some(job) = take_job(state, gen) else {
        return Vec::new();
    };
    let page = state.body_height();
    state.accounts.refresh_view(page);
    if job.total > 1 {
        let mut lines = vec![(
            format!("{} of {} accounts {}.", job.ok, job.total, job.done_word),
            if job.failures.is_empty() {
                Tone::Good
            } else {
                Tone::Warn
            },
        )];
        if !job.failures.is_empty() {
            lines.push((format!("{} failed:", job.failures.len()), Tone::Bad));
            for (u, e) in &job.failures {
                lines.push((format!("  {u}: {e}"), Tone::Bad));
            }
        }
        if let Some(why) = &stopped {
            lines.push((
                format!(
                    "Stopped early ({} not tried): {why}",
                    job.total.saturating_sub(job.done)
                ),
                Tone::Bad,
            ));
        }
        let report = Dialog::Message(Message::new(&job.title, lines));
        match state
            .dialogs
            .iter()
            .position(|d| matches!(d, Dialog::Progress(g) if *g == gen))
        {
            Some(i) => state.dialogs[i] = report,
            None => state.dialogs.push(report),
        }
        state.info(format!(
            "{}: {} ok, {} failed",
            job.title,
            job.ok,
            job.failures.len()
        ));
    }
    refresh_after_change(state)
}

/// A CSV was planned: show the dry run.
pub fn on_import_planned(state: &mut State, gen: u64, result: Result<ImportPlan>) -> Vec<Cmd> {
    let Some(form) = find_waiting_form(state, gen) else {
        return Vec::new();
    };
    form.waiting = None;
    let plan = match result {
        Err(e) => {
            form.error = Some(e.to_string());
            state.note_error(&e);
            return Vec::new();
        }
        Ok(p) => p,
    };
    let mut lines = vec![(
        format!(
            "Dry run: {} to create, {} already have accounts, {} with problems.",
            plan.create.len(),
            plan.existing.len(),
            plan.errors.len()
        ),
        Tone::Strong,
    )];
    if !plan.create.is_empty() {
        lines.push(("Will create:".into(), Tone::Strong));
        for (row, new) in &plan.create {
            lines.push((
                format!(
                    "  line {:>4}  {:<20} {:<24} {:<7} {}{}",
                    row.line,
                    new.username,
                    new.display_name,
                    row.request.role,
                    crate::directory::escape::first_rdn_value(&new.parent_dn),
                    new.expires
                        .map(|e| format!(", expires {}", uk_date(e)))
                        .unwrap_or_default()
                ),
                Tone::Normal,
            ));
        }
    }
    if !plan.existing.is_empty() {
        lines.push((
            "Skipped (the MIS id already has an account):".into(),
            Tone::Strong,
        ));
        for (line, mis, user) in &plan.existing {
            lines.push((format!("  line {line:>4}  {mis} is {user}"), Tone::Dim));
        }
    }
    if !plan.errors.is_empty() {
        lines.push((
            "Not imported (fix the CSV and import again):".into(),
            Tone::Strong,
        ));
        for e in &plan.errors {
            lines.push((format!("  line {:>4}  {}", e.line, e.message), Tone::Bad));
        }
    }
    if plan.create.is_empty() {
        state
            .dialogs
            .push(Dialog::Message(Message::new("Nothing to create", lines)));
        return Vec::new();
    }
    lines.push((
        "The temporary passwords go to a handout file (mode 0600); its path is shown once when done."
            .into(),
        Tone::Dim,
    ));
    let n = plan.create.len();
    state.dialogs.push(Dialog::Confirm(Confirm::new(
        "New intake: dry run",
        lines,
        &format!("create {n} accounts"),
        ConfirmPurpose::Import(Box::new(plan)),
    )));
    Vec::new()
}

/// The import finished: show the handout path once, reload.
pub fn on_import_done(state: &mut State, gen: u64, result: Result<ImportResult>) -> Vec<Cmd> {
    let Some(job) = take_job(state, gen) else {
        return Vec::new();
    };
    let report = match result {
        Ok(r) => {
            let mut lines = vec![(
                format!("Created {} of {} accounts.", r.created.len(), job.total),
                if r.failed.is_empty() {
                    Tone::Good
                } else {
                    Tone::Warn
                },
            )];
            if let Some(path) = &r.handout {
                lines.push(("".into(), Tone::Normal));
                lines.push((
                    "Handout sheets with the temporary passwords (shown this once):".into(),
                    Tone::Strong,
                ));
                lines.push((format!("  {}", path.display()), Tone::Strong));
                lines.push((
                    "Print it, hand it out, then delete it; it is the only copy of the passwords."
                        .into(),
                    Tone::Warn,
                ));
            }
            if !r.failed.is_empty() {
                lines.push((format!("{} rows failed:", r.failed.len()), Tone::Bad));
                for e in &r.failed {
                    lines.push((format!("  line {:>4}  {}", e.line, e.message), Tone::Bad));
                }
            }
            state.info(format!("import: {} accounts created", r.created.len()));
            Message::new("New intake done", lines)
        }
        Err(e) => {
            state.note_error(&e);
            Message::error("The import failed", &e.to_string())
        }
    };
    let report = Dialog::Message(report);
    match state
        .dialogs
        .iter()
        .position(|d| matches!(d, Dialog::Progress(g) if *g == gen))
    {
        Some(i) => state.dialogs[i] = report,
        None => state.dialogs.push(report),
    }
    let mut cmds = state.reload();
    cmds.extend(refresh_after_change(state));
    cmds
}

/// Keys of the Log tab.
pub fn log_action(state: &mut State, action: Action, page: usize) -> Vec<Cmd> {
    let l = &mut state.log;
    let step = super::screens::log::LogScreen::page(page) as isize;
    match action {
        Action::Up => l.move_by(-1, page),
        Action::Down => l.move_by(1, page),
        Action::PageUp => l.move_by(-step, page),
        Action::PageDown => l.move_by(step, page),
        Action::Top => l.jump(false, page),
        Action::Bottom => l.jump(true, page),
        Action::Filter => {
            let t = l.filter_text.clone();
            let form = Form::new(
                "Filter the action log",
                FormPurpose::LogFilter,
                vec![
                    Field::text("Since", &t.since, "YYYY-MM-DD or DD/MM/YYYY; empty: all"),
                    Field::text("Action", &t.action, "exactly, e.g. password.reset"),
                    Field::text("Target", &t.target, "containing, e.g. a username"),
                    Field::text("Operator", &t.operator, "exactly, e.g. a login name"),
                ],
            );
            state.dialogs.push(Dialog::Form(form));
        }
        Action::ClearFilters => {
            l.filter = Default::default();
            l.filter_text = Default::default();
            l.cursor = 0;
            l.offset = 0;
            let gen = state.next_gen();
            return vec![state.log.request(gen)];
        }
        Action::Details => {
            if let Some(e) = l.current() {
                let mut lines = vec![
                    (format!("Row:      {}", e.id), Tone::Normal),
                    (
                        format!(
                            "When:     {}",
                            e.at.with_timezone(&chrono::Local)
                                .format("%-d %b %Y %H:%M:%S")
                        ),
                        Tone::Normal,
                    ),
                    (format!("Operator: {}", e.operator), Tone::Normal),
                    (format!("Action:   {}", e.action), Tone::Normal),
                    (format!("Target:   {}", e.target), Tone::Normal),
                    ("Details:".into(), Tone::Strong),
                ];
                let pretty = serde_json::to_string_pretty(&e.details).unwrap_or_default();
                lines.extend(pretty.lines().map(|l| (format!("  {l}"), Tone::Normal)));
                lines.push((format!("Hash:     {}", e.hash), Tone::Dim));
                state
                    .dialogs
                    .push(Dialog::Message(Message::new("Log entry", lines)));
            }
        }
        _ => {}
    }
    Vec::new()
}
