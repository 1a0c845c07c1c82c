//! Keys while a dialog is open. The dialog kinds answer for themselves ([`Reply`]); what a
//! submitted dialog means is up to the tab that opened it, found by the dialog's purpose.

use super::Shell;
use crate::domain::secret::Secret;
use crate::tui::dialogs::{help, Dialog, Reply};
use crate::tui::keymap::{Action, Context, KeyCombo};
use crate::tui::tabs::{Submitted, Tabs};
use crate::tui::work::Cmd;
use crossterm::event::KeyEvent;

/// Lines a page key scrolls in dialogs.
const PAGE: usize = 10;

/// A key while a dialog is open.
pub fn dialog_key(sh: &mut Shell, tabs: &mut Tabs, key: KeyEvent, combo: KeyCombo) -> Vec<Cmd> {
    let Some(dialog) = sh.dialogs.pop() else {
        return Vec::new();
    };
    let km = &sh.keymap;
    let action = km.lookup(Context::DIALOG, combo);
    let global = km.lookup(Context::GLOBAL, combo);
    match dialog {
        Dialog::Help(scroll) => {
            let last = help::line_count(sh).saturating_sub(1);
            let scroll = scroll.min(last);
            match action {
                Some(Action::NextField) => sh.dialogs.push(Dialog::Help((scroll + 1).min(last))),
                Some(Action::PrevField) => sh.dialogs.push(Dialog::Help(scroll.saturating_sub(1))),
                Some(Action::PageDown) => sh.dialogs.push(Dialog::Help((scroll + PAGE).min(last))),
                Some(Action::PageUp) => sh.dialogs.push(Dialog::Help(scroll.saturating_sub(PAGE))),
                Some(Action::Cancel | Action::Submit) => {}
                _ if global == Some(Action::Help) || global == Some(Action::Quit) => {}
                _ => sh.dialogs.push(Dialog::Help(scroll)),
            }
            Vec::new()
        }
        Dialog::Message(mut m) => {
            let last = m.lines.len().saturating_sub(1);
            match action {
                Some(Action::Cancel | Action::Submit) => {}
                _ if global == Some(Action::Quit) => {}
                Some(Action::NextField) => {
                    m.scroll = (m.scroll + 1).min(last);
                    sh.dialogs.push(Dialog::Message(m));
                }
                Some(Action::PrevField) => {
                    m.scroll = m.scroll.saturating_sub(1);
                    sh.dialogs.push(Dialog::Message(m));
                }
                Some(Action::PageDown) => {
                    m.scroll = (m.scroll + PAGE).min(last);
                    sh.dialogs.push(Dialog::Message(m));
                }
                Some(Action::PageUp) => {
                    m.scroll = m.scroll.saturating_sub(PAGE);
                    sh.dialogs.push(Dialog::Message(m));
                }
                _ => sh.dialogs.push(Dialog::Message(m)),
            }
            Vec::new()
        }
        Dialog::Secret(s) => {
            if global != Some(Action::Quit)
                && !matches!(action, Some(Action::Cancel | Action::Submit))
            {
                sh.dialogs.push(Dialog::Secret(s));
            }
            Vec::new()
        }
        Dialog::Progress(gen) => {
            if !matches!(action, Some(Action::Cancel | Action::Submit)) {
                sh.dialogs.push(Dialog::Progress(gen));
            } else {
                sh.info("still running; the status bar shows its progress");
            }
            Vec::new()
        }
        Dialog::Confirm(mut c) => match c.key(combo, km) {
            Reply::Submit => {
                let purpose = c.purpose.clone();
                tabs.on_submit(sh, purpose, Submitted::Confirm(c))
            }
            Reply::Cancel => Vec::new(),
            _ => {
                sh.dialogs.push(Dialog::Confirm(c));
                Vec::new()
            }
        },
        Dialog::Picker(mut p) => match p.key(&key, combo, km) {
            Reply::Submit => {
                let purpose = p.purpose.clone();
                tabs.on_submit(sh, purpose, Submitted::Picker(p))
            }
            Reply::Cancel => Vec::new(),
            _ => {
                sh.dialogs.push(Dialog::Picker(p));
                Vec::new()
            }
        },
        Dialog::Password(mut p) => match p.key(&key, combo, km) {
            Reply::Submit => {
                let purpose = p.purpose.clone();
                tabs.on_submit(sh, purpose, Submitted::Password(p))
            }
            Reply::Cancel => Vec::new(),
            Reply::Edited => {
                // The live check of a typed password is the dialog kind's own.
                let cmds = if p.input.value().is_empty() {
                    p.checking = false;
                    p.verdict = None;
                    Vec::new()
                } else {
                    let gen = sh.next_gen();
                    p.verdict_gen = gen;
                    p.checking = true;
                    vec![Cmd::CheckPassword {
                        gen,
                        account: Box::new(p.account.clone()),
                        candidate: Secret::new(p.input.value()),
                    }]
                };
                sh.dialogs.push(Dialog::Password(p));
                cmds
            }
            Reply::None => {
                sh.dialogs.push(Dialog::Password(p));
                Vec::new()
            }
        },
        Dialog::Form(mut f) => match f.key(&key, combo, km) {
            Reply::Submit => {
                let purpose = f.purpose.clone();
                tabs.on_submit(sh, purpose, Submitted::Form(f))
            }
            Reply::Cancel => Vec::new(),
            _ => {
                sh.dialogs.push(Dialog::Form(f));
                Vec::new()
            }
        },
    }
}
