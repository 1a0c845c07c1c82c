//! The Passwords tab: what the answers from the background do (the report, each account of
//! a fix and its end, the policy and its plan and apply, the register and its saves).

use super::passwords::plan_lines;
use super::results::report_bulk;
use super::{find_waiting_form, take_job};
use crate::domain::policy::PolicySettings;
use crate::tui::app::State;
use crate::tui::dialogs::{Confirm, ConfirmPurpose, Dialog, Message, Tone};
use crate::tui::flows::PwConfirm;
use crate::tui::screens::passwords::PolicyView;
use crate::tui::worker::passwords::PwMsg;
use crate::tui::worker::Cmd;

/// An answer from the background; returns the work to start and whether to redraw.
pub fn on_msg(state: &mut State, msg: PwMsg) -> (Vec<Cmd>, bool) {
    let body = state.body_height();
    match msg {
        PwMsg::Loaded { gen, result, now } => {
            let p = &mut state.passwords;
            if gen != p.load_gen {
                return (Vec::new(), false);
            }
            p.loading = false;
            match result {
                Ok((rows, skipped)) => {
                    p.now = Some(now);
                    p.error = None;
                    p.set_rows(rows, skipped, body);
                }
                Err(e) => {
                    p.error = Some(e.to_string());
                    state.error(&e);
                }
            }
            (Vec::new(), true)
        }
        PwMsg::Fixed {
            gen,
            username,
            result,
        } => on_fixed(state, gen, username, result),
        PwMsg::FixDone { gen, stopped } => on_fix_done(state, gen, stopped),
        PwMsg::Policy {
            gen,
            result,
            target,
        } => {
            let panel = &mut state.passwords.policy;
            if gen != panel.gen {
                return (Vec::new(), false);
            }
            panel.loading = false;
            match result {
                Ok((policy, drift)) => {
                    panel.data = Some(Ok(PolicyView {
                        policy,
                        drift,
                        target,
                    }))
                }
                Err(e) => {
                    panel.data = Some(Err(e.to_string()));
                    state.note_error(&e);
                }
            }
            (Vec::new(), true)
        }
        PwMsg::PolicyPlanned { gen, result } => {
            let panel = &mut state.passwords.policy;
            if gen != panel.plan_gen || !panel.planning {
                return (Vec::new(), false);
            }
            panel.planning = false;
            on_planned(state, result);
            (Vec::new(), true)
        }
        PwMsg::PolicyApplied { gen, result } => {
            if take_job(state, gen).is_none() {
                return (Vec::new(), false);
            }
            let msg = match result {
                Ok(()) => {
                    state.info("the directory's password policy now matches the school's rules");
                    Message::new(
                        "Password policy applied",
                        vec![(
                            "Done: the directory's password policy now matches the school's rules."
                                .into(),
                            Tone::Good,
                        )],
                    )
                }
                Err(e) => {
                    state.note_error(&e);
                    Message::error("The password policy was not applied", &e.to_string())
                }
            };
            state.dialogs.push(Dialog::Message(msg));
            let mut cmds = Vec::new();
            let gen = state.next_gen();
            cmds.push(state.passwords.request_policy(gen));
            if state.passwords.loaded {
                let gen = state.next_gen();
                cmds.push(state.passwords.request_load(gen));
            }
            (cmds, true)
        }
        PwMsg::Creds { gen, result } => {
            let c = &mut state.passwords.creds;
            if gen != c.gen {
                return (Vec::new(), false);
            }
            c.loading = false;
            match result {
                Ok(rows) => {
                    c.rows = rows;
                    c.loaded = true;
                    c.error = None;
                    c.cursor = c.cursor.min(c.rows.len().saturating_sub(1));
                }
                Err(e) => {
                    c.error = Some(e.to_string());
                    state.error(&e);
                }
            }
            (Vec::new(), true)
        }
        PwMsg::CredSaved { gen, result } => on_cred_saved(state, gen, result),
    }
}

fn on_planned(state: &mut State, result: crate::error::Result<Vec<PolicySettings>>) {
    let plan = match result {
        Err(e) => {
            state.note_error(&e);
            state.dialogs.push(Dialog::Message(Message::error(
                "Could not work out the policy changes",
                &e.to_string(),
            )));
            return;
        }
        Ok(p) => p,
    };
    if plan.is_empty() {
        state.dialogs.push(Dialog::Message(Message::new(
            "Nothing to change",
            vec![(
                "The directory's password policy already matches the school's rules.".into(),
                Tone::Good,
            )],
        )));
        return;
    }
    let mut lines = vec![(
        "The directory's password policy will be changed:".to_string(),
        Tone::Strong,
    )];
    lines.extend(plan_lines(&plan).into_iter().map(|l| (l, Tone::Normal)));
    if let Some(Ok(v)) = &state.passwords.policy.data {
        if !v.drift.is_empty() {
            lines.push(("Because:".into(), Tone::Strong));
            for d in &v.drift {
                lines.push((
                    format!(
                        "  {}: directory has {}, school needs {}",
                        d.setting, d.directory, d.school
                    ),
                    Tone::Normal,
                ));
            }
        }
    }
    lines.push(("".into(), Tone::Normal));
    lines.push((
        "Each change is written to the action log; the policy is read again afterwards to check it took."
            .into(),
        Tone::Dim,
    ));
    let n = plan.len();
    state.dialogs.push(Dialog::Confirm(Confirm::new(
        "Apply the password policy?",
        lines,
        &format!("apply {n} policy change{}", if n == 1 { "" } else { "s" }),
        ConfirmPurpose::Passwords(PwConfirm::Policy(plan)),
    )));
}

fn on_fixed(
    state: &mut State,
    gen: u64,
    username: String,
    result: crate::error::Result<()>,
) -> (Vec<Cmd>, bool) {
    let Some(job) = state.jobs.iter_mut().find(|j| j.gen == gen) else {
        return (Vec::new(), false);
    };
    job.done += 1;
    let single = job.total == 1;
    let word = job.done_word.clone();
    match result {
        Ok(()) => {
            job.ok += 1;
            if single {
                state.info(format!("{username}: {word}"));
            }
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
    (Vec::new(), true)
}

fn on_fix_done(state: &mut State, gen: u64, stopped: Option<String>) -> (Vec<Cmd>, bool) {
    let Some(job) = take_job(state, gen) else {
        return (Vec::new(), false);
    };
    report_bulk(state, gen, &job, stopped.as_deref());
    // The accounts changed: read them (and the report) again.
    (state.reload(), true)
}

fn on_cred_saved(
    state: &mut State,
    gen: u64,
    result: crate::error::Result<String>,
) -> (Vec<Cmd>, bool) {
    if gen != state.passwords.creds.save_gen || !state.passwords.creds.saving {
        return (Vec::new(), false);
    }
    state.passwords.creds.saving = false;
    let from_form = find_waiting_form(state, gen).is_some();
    match result {
        Ok(name) => {
            if from_form {
                state.dialogs.retain(
                    |d| !matches!(d, Dialog::Form(f) if f.waiting.map(|w| w.0) == Some(gen)),
                );
                state.info(format!("saved \"{name}\" (no password is stored)"));
            } else {
                state.info(format!("\"{name}\" marked changed today"));
            }
            let gen = state.next_gen();
            let mut cmds = vec![state.passwords.request_creds(gen)];
            if state.log.loaded {
                let gen = state.next_gen();
                cmds.push(state.log.request(gen));
            }
            (cmds, true)
        }
        Err(e) => {
            if let Some(f) = find_waiting_form(state, gen) {
                f.waiting = None;
                f.error = Some(e.to_string());
            } else {
                state.error(&e);
            }
            (Vec::new(), true)
        }
    }
}
