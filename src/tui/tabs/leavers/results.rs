//! The Leavers tab: what the answers from the background do (the scan, the plan, each step of
//! a run and its end, the runs, a report, a restore).

use super::{LeaversMsg, LeaversTab, Panel, Progress, StepView};
use crate::ops::leavers::sweep::StepState;
use crate::ops::JournalState;
use crate::tui::dialogs::{Message, Tone};
use crate::tui::shell::Shell;
use crate::tui::tabs::Dialog;
use crate::tui::work::Cmd;

/// An answer from the background; returns the work to start and whether to redraw.
pub fn on_msg(v: &mut LeaversTab, sh: &mut Shell, msg: LeaversMsg) -> (Vec<Cmd>, bool) {
    let body = sh.body_height();
    match msg {
        LeaversMsg::Sync(m) => super::sync::on_msg(v, sh, m),
        LeaversMsg::Scanned { gen, result } => {
            if gen != v.scan_gen {
                return (Vec::new(), false);
            }
            v.scanning = false;
            match result {
                Ok(r) => {
                    v.error = None;
                    v.source = r.source;
                    v.mis_rows = r.mis_rows;
                    v.notes = r.scan.notes;
                    v.set_findings(r.scan.findings, body);
                }
                Err(e) => {
                    v.error = Some(e.to_string());
                    sh.error(&e);
                }
            }
            (Vec::new(), true)
        }
        LeaversMsg::Planned { gen, result } => {
            if gen != v.plan.gen {
                return (Vec::new(), false);
            }
            v.plan.loading = false;
            match result {
                Ok(b) => {
                    let (plan, source) = *b;
                    v.set_plan(plan, source, body)
                }
                Err(e) => {
                    v.plan.error = Some(e.to_string());
                    v.plan.plan = None;
                    v.plan.table.set_rows(Vec::new(), 1);
                    sh.error(&e);
                }
            }
            (Vec::new(), true)
        }
        LeaversMsg::RunSteps { gen, result } => {
            let Some(p) = v.progress.as_mut().filter(|p| p.gen == gen) else {
                return (Vec::new(), false);
            };
            if let Ok(Some((run_id, steps))) = result {
                p.run_id = run_id;
                // A failed step that was tried again shows as its retry.
                for (_, action, target, state) in steps {
                    let st = match state {
                        JournalState::Done => Some(StepState::Done),
                        _ => None,
                    };
                    add_step(p, &target, &action, st);
                }
                let total = p.counts().1;
                if let Some(j) = sh.jobs.iter_mut().find(|j| j.gen == gen) {
                    j.total = total;
                }
            }
            (Vec::new(), true)
        }
        LeaversMsg::Step { gen, event } => {
            let Some(p) = v.progress.as_mut().filter(|p| p.gen == gen) else {
                return (Vec::new(), false);
            };
            if p.run_id.is_empty() {
                p.run_id = event.run_id.clone();
            }
            p.set(&event.target, &event.action, event.state.clone());
            // The cursor follows the account being worked on.
            if event.state == StepState::Running {
                if let Some(i) = p
                    .accounts
                    .iter()
                    .position(|(u, _)| u.eq_ignore_ascii_case(&event.target))
                {
                    let n = p.accounts.len();
                    let page = super::view::progress_page(body);
                    p.list.cursor = i;
                    crate::tui::widgets::keep_visible(
                        &mut p.list.cursor,
                        &mut p.list.offset,
                        n,
                        page,
                    );
                }
            }
            let (done, total) = p.counts();
            if let Some(j) = sh.jobs.iter_mut().find(|j| j.gen == gen) {
                j.done = done;
                j.ok = done;
                j.total = total;
            }
            (Vec::new(), true)
        }
        LeaversMsg::Finished { gen, result } => {
            let Some(p) = v.progress.as_mut().filter(|p| p.gen == gen) else {
                return (Vec::new(), false);
            };
            p.running = false;
            sh.take_job(gen);
            match &result {
                Ok(Some(o)) => {
                    p.run_id = o.run_id.clone();
                    if o.finished {
                        sh.info(format!(
                            "sweep {}: finished ({} step(s) done now, {} before)",
                            o.run_id, o.done, o.already
                        ));
                    } else {
                        let mut lines = vec![(
                            format!(
                                "Sweep {} did not finish: {} step(s) done now.",
                                o.run_id, o.done
                            ),
                            Tone::Warn,
                        )];
                        for pr in &o.problems {
                            lines.push((format!("  {pr}"), Tone::Bad));
                        }
                        lines.push((
                            "Put right what is said above, then resume the run (R).".into(),
                            Tone::Normal,
                        ));
                        sh.dialogs
                            .push(Dialog::Message(Message::new("Sweep not finished", lines)));
                        sh.info(format!("sweep {} NOT finished: R resumes it", o.run_id));
                    }
                }
                Ok(None) => sh.info(if p.resuming {
                    "no unfinished sweep: nothing to resume"
                } else {
                    "nothing to do: no account needs suspending"
                }),
                Err(e) => {
                    sh.error(e);
                    sh.dialogs.push(Dialog::Message(Message::error(
                        "Sweep refused",
                        &e.to_string(),
                    )));
                }
            }
            p.outcome = Some(result.map_err(|e| e.to_string()));
            // The plan is spent: plan again when next shown.
            v.plan.plan = None;
            v.plan.excluded.clear();
            v.plan.table.set_rows(Vec::new(), 1);
            (v.changed(sh), true)
        }
        LeaversMsg::Runs { gen, result } => {
            if gen != v.runs.gen {
                return (Vec::new(), false);
            }
            v.runs.loading = false;
            match result {
                Ok(runs) => {
                    v.runs.runs = runs;
                    v.runs.loaded = true;
                    v.runs.error = None;
                    let n = v.runs.runs.len();
                    if v.runs.list.cursor >= n {
                        v.runs.list.reset();
                    }
                }
                Err(e) => {
                    v.runs.error = Some(e.to_string());
                    sh.error(&e);
                }
            }
            let mut cmds = Vec::new();
            if matches!(v.panel, Panel::Runs | Panel::Report) {
                cmds.extend(v.request_report(sh));
            }
            let page = v.page(body);
            v.table.keep_cursor_visible(page);
            (cmds, true)
        }
        LeaversMsg::Report { gen, result } => {
            if gen != v.runs.report_gen {
                return (Vec::new(), false);
            }
            v.runs.report_loading = false;
            v.runs.report = Some(result.map_err(|e| e.to_string()));
            let n = v.runs.report().map_or(0, |r| r.accounts.len());
            if v.runs.accounts.cursor >= n {
                v.runs.accounts.reset();
            }
            (Vec::new(), true)
        }
        LeaversMsg::Restored { gen, user, result } => {
            if gen != v.restore_gen || !v.restoring {
                return (Vec::new(), false);
            }
            v.restoring = false;
            sh.take_job(gen);
            match result {
                Ok(r) => {
                    let a = &r.account;
                    let mut lines = vec![(
                        format!(
                            "{} restored to {} ({} group(s)), {}.",
                            a.username,
                            a.parent_dn(),
                            r.record.groups.len(),
                            if a.enabled {
                                "enabled"
                            } else {
                                "disabled as before"
                            }
                        ),
                        Tone::Good,
                    )];
                    lines.push((
                        "They must choose a new password at next logon.".into(),
                        Tone::Normal,
                    ));
                    sh.info(format!("{user}: restored"));
                    if let Some(p) = r.password {
                        sh.show_secret("Account restored", lines, a, p);
                    } else {
                        sh.dialogs
                            .push(Dialog::Message(Message::new("Account restored", lines)));
                    }
                    (v.changed(sh), true)
                }
                Err(e) => {
                    sh.error(&e);
                    sh.dialogs.push(Dialog::Message(Message::error(
                        &format!("{user}: not restored"),
                        &e.to_string(),
                    )));
                    // A restore may stop half-way: what it did is in the log.
                    (v.changed(sh), true)
                }
            }
        }
    }
}

fn add_step(p: &mut Progress, target: &str, action: &str, state: Option<StepState>) {
    let i = match p
        .accounts
        .iter()
        .position(|(u, _)| u.eq_ignore_ascii_case(target))
    {
        Some(i) => i,
        None => {
            p.accounts.push((target.to_string(), Vec::new()));
            p.accounts.len() - 1
        }
    };
    let steps = &mut p.accounts[i].1;
    match steps.iter_mut().find(|s| s.action == action) {
        Some(s) => {
            if state.is_some() {
                s.state = state;
            }
        }
        None => steps.push(StepView {
            action: action.into(),
            state,
        }),
    }
}
