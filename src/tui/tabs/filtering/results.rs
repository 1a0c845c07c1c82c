//! The Filtering tab: what the answers from the background do (the list, a history, and a
//! change recorded or refused).

use super::{FilterMsg, FilteringTab, HistoryPane};
use crate::tui::dialogs::{Message, Tone};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Changed, Dialog};
use crate::tui::work::Cmd;

/// An answer from the background; returns the work to start and whether to redraw.
pub fn on_msg(p: &mut FilteringTab, sh: &mut Shell, msg: FilterMsg) -> (Vec<Cmd>, bool) {
    match msg {
        FilterMsg::Loaded { gen, result } => {
            if gen != p.load_gen {
                return (Vec::new(), false);
            }
            p.loading = false;
            match result {
                Ok(l) => {
                    p.error = None;
                    p.now = Some(FilteringTab::judge_now(sh));
                    p.set_loaded(*l, sh.body_height());
                }
                Err(e) => {
                    p.error = Some(e.to_string());
                    sh.error(&e);
                }
            }
            (p.history_cmd(sh), true)
        }
        FilterMsg::History { gen, id, result } => {
            if gen != p.history.gen {
                return (Vec::new(), false);
            }
            p.history = HistoryPane {
                gen,
                id: Some(id),
                data: Some(result.map_err(|e| e.to_string())),
            };
            (Vec::new(), true)
        }
        FilterMsg::Changed { gen, result } => {
            if gen != p.save_gen || !p.saving {
                return (Vec::new(), false);
            }
            p.saving = false;
            match result {
                Ok(out) => {
                    sh.dialogs.retain(
                        |d| !matches!(d, Dialog::Form(f) if f.waiting.map(|w| w.0) == Some(gen)),
                    );
                    if out.duplicate {
                        sh.dialogs.push(Dialog::Message(Message::new(
                            "Already requested",
                            vec![
                                (out.text.clone(), Tone::Warn),
                                (
                                    "Nothing was recorded: a pending request or an exception in force covers it."
                                        .into(),
                                    Tone::Dim,
                                ),
                            ],
                        )));
                    } else {
                        sh.announce(Changed::Log);
                    }
                    sh.info(out.text);
                    p.select_after = out.select;
                    // The history shown may have changed.
                    p.history.data = None;
                    (vec![p.request_load(sh)], true)
                }
                Err(e) => {
                    if let Some(f) = sh.waiting_form(gen) {
                        f.waiting = None;
                        f.error = Some(e.to_string());
                    } else {
                        sh.error(&e);
                    }
                    sh.note_error(&e);
                    (Vec::new(), true)
                }
            }
        }
    }
}
