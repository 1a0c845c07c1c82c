//! Answers from the background: OUs for the move picker, a planned or created account, each
//! account of a change, the end of a change.

use super::*;
use crate::directory::Secret;
use crate::domain::account::{Account, NewAccount};
use crate::error::Result;
use crate::ops::actions::{summary, CreateRequest, Created};
use crate::tui::app::{Job, State};
use crate::tui::dialogs::{Confirm, ConfirmPurpose, Dialog, Form, Message, SecretShow, Tone};
use crate::tui::worker::Cmd;

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

pub(super) fn find_waiting_form(state: &mut State, gen: u64) -> Option<&mut Form> {
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

pub(super) fn take_job(state: &mut State, gen: u64) -> Option<Job> {
    let i = state.jobs.iter().position(|j| j.gen == gen)?;
    Some(state.jobs.remove(i))
}

pub(super) fn show_secret(
    state: &mut State,
    title: &str,
    lines: Vec<(String, Tone)>,
    a: &Account,
    p: Secret,
) {
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
    report_bulk(state, gen, &job, stopped.as_deref());
    refresh_after_change(state)
}

/// After a bulk change of more than one account: replaces its progress bar with a report of
/// what was done, what failed and why it stopped, if it did.
pub(super) fn report_bulk(state: &mut State, gen: u64, job: &Job, stopped: Option<&str>) {
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
        if let Some(why) = stopped {
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
}
