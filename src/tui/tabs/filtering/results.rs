//! The Filtering tab: what the answers from the background do (the list, a history, and a
//! change recorded or refused).

use super::{FilterMsg, FilteringTab, HistoryPane};
use crate::domain::filter::Status;
use crate::ops::filter::change::{Done, Outcome};
use crate::ops::filter::RequestOutcome;
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
        FilterMsg::Planned { gen, result } => {
            if gen != p.save_gen || !p.saving {
                return (Vec::new(), false);
            }
            p.saving = false;
            match result {
                Ok(plan) if plan.is_refused() => {
                    // Refused: its reason goes back on the form, with no `y` to press.
                    let why = plan.refused.clone().unwrap_or_default();
                    if let Some(f) = sh.waiting_form(gen) {
                        f.waiting = None;
                        f.error = Some(why);
                    } else {
                        sh.status = Some(crate::tui::shell::Status {
                            text: why,
                            error: true,
                        });
                    }
                    (Vec::new(), true)
                }
                Ok(plan) => {
                    // The form waits below the question, for `y` or Esc.
                    if let Some(f) = sh.waiting_form(gen) {
                        f.waiting = None;
                        super::confirm(sh, *plan);
                    }
                    (Vec::new(), true)
                }
                Err(e) => (refused(sh, gen, &e), true),
            }
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
                    if !out.settled.is_empty() {
                        sh.dialogs.push(Dialog::Message(Message::new(
                            "Settled first",
                            out.settled
                                .iter()
                                .map(|s| (crate::ops::settle::describe(s), Tone::Normal))
                                .collect(),
                        )));
                    }
                    let text = said(&out);
                    if out.duplicate() {
                        sh.dialogs.push(Dialog::Message(Message::new(
                            "Already requested",
                            vec![
                                (text.clone(), Tone::Warn),
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
                    sh.info(text);
                    p.select_after = out.entry().map(|e| e.id);
                    // The history shown may have changed.
                    p.history.data = None;
                    (vec![p.request_load(sh)], true)
                }
                Err(e) => (refused(sh, gen, &e), true),
            }
        }
    }
}

/// A refusal goes back into the form that waits for it (else to the status line).
fn refused(sh: &mut Shell, gen: u64, e: &crate::Error) -> Vec<Cmd> {
    if let Some(f) = sh.waiting_form(gen) {
        f.waiting = None;
        f.error = Some(e.to_string());
    } else {
        sh.error(e);
    }
    sh.note_error(e);
    Vec::new()
}

/// What the status line says after a change: the outcome's own words, and what to do next.
fn said(out: &Outcome) -> String {
    let mut t = out.summary();
    match &out.done {
        Done::Requested(RequestOutcome::Recorded { notes, .. }) if !notes.is_empty() => {
            t.push_str(&format!(" ({})", notes.join("; ")));
        }
        Done::Requested(RequestOutcome::Duplicate { .. }) => t.push_str(" (the cursor is on it)"),
        Done::Decided { entry, .. } if entry.status == Status::Agreed => {
            t.push_str("; make the change in the filter, then apply it here");
        }
        Done::Revoked(e) if e.in_filter => {
            t.push_str("; still in the filter: take it out, then apply (removal) here");
        }
        _ => {}
    }
    t
}
