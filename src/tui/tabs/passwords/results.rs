//! The Passwords tab: what the answers from the background do (the report, each account of
//! a fix and its end, the policy and its plan and apply, the register and its saves).

use super::{plan_lines, PasswordsTab, PolicyView, PwMsg, PwPurpose};
use crate::tui::dialogs::{Message, Tone};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Changed, Confirm, Dialog, Purpose, Tab};
use crate::tui::work::Cmd;

/// An answer from the background; returns the work to start and whether to redraw.
pub fn on_msg(p: &mut PasswordsTab, state: &mut Shell, msg: PwMsg) -> (Vec<Cmd>, bool) {
    let body = state.body_height();
    match msg {
        PwMsg::Loaded { gen, result, now } => {
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
        } => {
            let shown = match &result {
                Ok(()) => state.job_step(gen, &username, Ok(())),
                Err(e) => state.job_step(gen, &username, Err(e)),
            };
            (Vec::new(), shown)
        }
        PwMsg::FixDone { gen, stopped } => {
            let Some(job) = state.take_job(gen) else {
                return (Vec::new(), false);
            };
            state.report_bulk(gen, &job, stopped.as_deref());
            // The accounts changed: every tab that shows them reads them again.
            // (this tab too: it reads its report again when it hears of it).
            state.announce(Changed::Accounts { by: Tab::Passwords });
            state.announce(Changed::Log);
            (Vec::new(), true)
        }
        PwMsg::Policy {
            gen,
            result,
            target,
        } => {
            let panel = &mut p.policy;
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
            let panel = &mut p.policy;
            if gen != panel.plan_gen || !panel.planning {
                return (Vec::new(), false);
            }
            panel.planning = false;
            on_planned(state, result);
            (Vec::new(), true)
        }
        PwMsg::PolicyApplied { gen, result } => {
            if state.take_job(gen).is_none() {
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
            state.announce(Changed::Log);
            let mut cmds = vec![p.request_policy(state)];
            if p.loaded {
                cmds.push(p.request_load(state));
            }
            (cmds, true)
        }
        PwMsg::Creds { gen, result } => {
            let c = &mut p.creds;
            if gen != c.gen {
                return (Vec::new(), false);
            }
            c.loading = false;
            match result {
                Ok(rows) => {
                    c.rows = rows;
                    c.loaded = true;
                    c.error = None;
                    c.list.cursor = c.list.cursor.min(c.rows.len().saturating_sub(1));
                }
                Err(e) => {
                    c.error = Some(e.to_string());
                    state.error(&e);
                }
            }
            (Vec::new(), true)
        }
        PwMsg::CredPlanned { gen, result } => {
            if gen != p.creds.save_gen || p.creds.saving {
                return (Vec::new(), false);
            }
            match result {
                Ok(plan) => state.dialogs.push(super::keys::confirm_rotated(plan)),
                Err(e) => state.error(&e),
            }
            (Vec::new(), true)
        }
        PwMsg::CredSaved { gen, result } => on_cred_saved(p, state, gen, result),
    }
}

fn on_planned(state: &mut Shell, result: crate::error::Result<crate::ops::compliance::PolicyPlan>) {
    let (plan, why) = match result {
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
    // What the apply changes, setting by setting (the same list `passwords policy apply`
    // prints); a setting the directory has stricter is kept and not listed.
    if !why.is_empty() {
        lines.push(("Because:".into(), Tone::Strong));
        for (policy, c) in &why {
            lines.push((
                format!(
                    "  {}",
                    crate::ops::compliance::describe_setting_change(policy, c)
                ),
                Tone::Normal,
            ));
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
        Purpose::Passwords(PwPurpose::Policy(plan)),
    )));
}

fn on_cred_saved(
    p: &mut PasswordsTab,
    state: &mut Shell,
    gen: u64,
    result: crate::error::Result<String>,
) -> (Vec<Cmd>, bool) {
    if gen != p.creds.save_gen || !p.creds.saving {
        return (Vec::new(), false);
    }
    p.creds.saving = false;
    let from_form = state.waiting_form(gen).is_some();
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
            state.announce(Changed::Log);
            (vec![p.request_creds(state)], true)
        }
        Err(e) => {
            if let Some(f) = state.waiting_form(gen) {
                f.waiting = None;
                f.error = Some(e.to_string());
            } else {
                state.error(&e);
            }
            (Vec::new(), true)
        }
    }
}
