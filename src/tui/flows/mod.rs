//! What the keys of the Accounts and Log tabs start, and what the answers from the background
//! do: the account actions (form → confirmation showing what will change → background work →
//! result), the new intake, the log filters, and the quit question.

mod accounts;
mod forms;
mod import;
mod log;
pub mod passwords;
mod passwords_results;
mod results;

pub use accounts::{accounts_action, preview, start_apply};
pub use import::{on_import_done, on_import_planned};
pub use log::log_action;
pub use passwords::{PwConfirm, PwForm};
pub use results::{on_applied, on_apply_done, on_created, on_ous, on_planned};

use accounts::{confirm_change, fmt_expiry, split_names};
use forms::submit_form;
use results::{find_waiting_form, take_job};

use super::app::{Job, State, Tab};
use super::dialogs::{Confirm, ConfirmPurpose, Dialog, PickerPurpose, Reply, Tone};
use super::keymap::{Action, KeyCombo};
use super::worker::{Change, Cmd};
use crate::directory::Secret;
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
    cmds.extend(passwords::after_change(state));
    cmds
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
        ConfirmPurpose::Passwords(c) => {
            pop_origin(state);
            passwords::on_confirm(state, c)
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
