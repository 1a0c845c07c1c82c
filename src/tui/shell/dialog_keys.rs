//! Keys while a dialog is open. The dialog kinds answer for themselves ([`Reply`]); what a
//! submitted dialog means is up to the tab that opened it, found by the dialog's purpose.

use super::Shell;
use crate::domain::secret::Secret;
use crate::tui::dialogs::{help, Dialog, Reply};
use crate::tui::keymap::{Action, Context, KeyCombo};
use crate::tui::tabs::{Submitted, Tabs};
use crate::tui::work::Cmd;
use crossterm::event::{KeyCode, KeyEvent};

/// Lines a page key scrolls in a dialog as tall as the screen allows.
fn page(sh: &Shell) -> usize {
    crate::tui::dialogs::confirm::page_lines(sh.size.1)
}

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
            let last = help::line_count(&sh.ground()).saturating_sub(1);
            let scroll = scroll.min(last);
            // The help pages by what it shows at once.
            let page = sh.body_height().saturating_sub(3).max(1);
            if sh.help_search.1 {
                // Typing a search in the help: enter finds it, esc stops.
                match (key.code, action) {
                    (_, Some(Action::Cancel)) => sh.help_search = (String::new(), false),
                    (_, Some(Action::Submit)) => {
                        sh.help_search.1 = false;
                        let found = help::find(&sh.ground(), scroll, &sh.help_search.0.clone());
                        sh.dialogs.push(Dialog::Help(found.unwrap_or(scroll)));
                        if found.is_none() {
                            sh.info(format!("help: no line has \"{}\"", sh.help_search.0));
                        }
                        return Vec::new();
                    }
                    (KeyCode::Backspace, _) => {
                        sh.help_search.0.pop();
                    }
                    (KeyCode::Char(c), _) => sh.help_search.0.push(c),
                    _ => {}
                }
                sh.dialogs.push(Dialog::Help(scroll));
                return Vec::new();
            }
            match action {
                Some(Action::NextField) => sh.dialogs.push(Dialog::Help((scroll + 1).min(last))),
                Some(Action::PrevField) => sh.dialogs.push(Dialog::Help(scroll.saturating_sub(1))),
                Some(Action::PageDown) => sh.dialogs.push(Dialog::Help((scroll + page).min(last))),
                Some(Action::PageUp) => sh.dialogs.push(Dialog::Help(scroll.saturating_sub(page))),
                Some(Action::Top) => sh.dialogs.push(Dialog::Help(0)),
                Some(Action::Bottom) => sh.dialogs.push(Dialog::Help(last)),
                Some(Action::Cancel | Action::Submit) => sh.help_search = (String::new(), false),
                Some(Action::No) if !sh.help_search.0.is_empty() => {
                    // n: the next line with the search.
                    let q = sh.help_search.0.clone();
                    let found = help::find(&sh.ground(), scroll + 1, &q);
                    sh.dialogs.push(Dialog::Help(found.unwrap_or(scroll)));
                }
                _ if key.code == KeyCode::Char('/') => {
                    sh.help_search = (String::new(), true);
                    sh.dialogs.push(Dialog::Help(scroll));
                }
                _ if global == Some(Action::Help) || global == Some(Action::Quit) => {
                    sh.help_search = (String::new(), false);
                }
                _ => sh.dialogs.push(Dialog::Help(scroll)),
            }
            Vec::new()
        }
        Dialog::Message(mut m) => {
            let last = m.lines.len().saturating_sub(1);
            let page = page(sh);
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
                    m.scroll = (m.scroll + page).min(last);
                    sh.dialogs.push(Dialog::Message(m));
                }
                Some(Action::PageUp) => {
                    m.scroll = m.scroll.saturating_sub(page);
                    sh.dialogs.push(Dialog::Message(m));
                }
                Some(Action::Top) => {
                    m.scroll = 0;
                    sh.dialogs.push(Dialog::Message(m));
                }
                Some(Action::Bottom) => {
                    m.scroll = last;
                    sh.dialogs.push(Dialog::Message(m));
                }
                _ => sh.dialogs.push(Dialog::Message(m)),
            }
            Vec::new()
        }
        Dialog::Secret(mut s) => {
            // Only the key that says the password was noted closes it; any other key says so.
            if action != Some(Action::No) {
                s.reminder = true;
                sh.dialogs.push(Dialog::Secret(s));
            }
            Vec::new()
        }
        Dialog::Scope(q) => {
            match action {
                Some(Action::Visible) => sh.again = Some((q.action, true)),
                Some(Action::AllSelected) => sh.again = Some((q.action, false)),
                Some(Action::Cancel | Action::No) => {}
                _ => sh.dialogs.push(Dialog::Scope(q)),
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
        Dialog::Confirm(mut c) => match c.key(&key, combo, km, sh.type_to_confirm, page(sh)) {
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
