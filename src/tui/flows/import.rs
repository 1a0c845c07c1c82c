//! New intake: the dry run of a CSV import, and its result (the handout path, shown once).

use super::*;
use crate::domain::time::uk_date;
use crate::error::Result;
use crate::ops::import::{ImportPlan, ImportResult};
use crate::tui::app::State;
use crate::tui::dialogs::{Confirm, ConfirmPurpose, Dialog, Message, Tone};
use crate::tui::worker::Cmd;

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
