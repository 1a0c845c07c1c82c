//! What submitting the Filtering tab's dialogs does: the filters, and the changes, checked here
//! as far as they can be without the directory (the site as the normaliser reads it, dates,
//! empty fields) and then recorded through `ops::filter` in the background, whose refusals
//! come back into the form.

use super::{Change, FilterCmd, FilteringTab, STATUS_CYCLE};
use crate::domain::filter::{normalise, Kind, ReviewAction, Scope, SiteOptions, Verdict};
use crate::domain::time::parse_date;
use crate::domain::time::LondonDate;
use crate::ops::filter::RequestInput;
use crate::tui::dialogs::{Dialog, Form};
use crate::tui::shell::Shell;
use crate::tui::tabs::Submitted;
use crate::tui::work::Cmd;
use chrono::NaiveDate;

/// What a dialog of the Filtering tab is for.
#[derive(Debug, Clone)]
pub enum FilterPurpose {
    /// The queue's filters.
    Filter,
    /// A new request.
    Request,
    /// A decision on this request.
    Decide {
        /// Request.
        id: i64,
    },
    /// Applied in (or taken out of) the filter.
    Apply {
        /// Request.
        id: i64,
    },
    /// Revoke.
    Revoke {
        /// Request.
        id: i64,
    },
    /// Start a review.
    ReviewStart,
    /// The review's verdict on this exception.
    ReviewItem {
        /// Exception.
        id: i64,
    },
    /// Close the review.
    ReviewClose,
}

/// A dialog of the tab was submitted.
pub fn on_submit(
    p: &mut FilteringTab,
    sh: &mut Shell,
    purpose: FilterPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    let Submitted::Form(f) = d else {
        return Vec::new();
    };
    match purpose {
        FilterPurpose::Filter => {
            filters(p, sh, &f);
            Vec::new()
        }
        other => match check(&other, &f, FilteringTab::judge_now(sh).london_date()) {
            Err(e) => back(sh, f, e),
            Ok(change) => {
                if let Some(by) = by_of(&change) {
                    p.last_by = by.to_string();
                }
                start(p, sh, f, change)
            }
        },
    }
}

fn filters(p: &mut FilteringTab, sh: &mut Shell, f: &Form) {
    let page = FilteringTab::page(sh.body_height());
    let fl = &mut p.table.filters;
    let status = f.choice(0);
    fl.in_force = status == "in force";
    fl.status = STATUS_CYCLE.into_iter().find(|s| s.as_str() == status);
    fl.kind = Kind::parse(f.choice(1)).filter(|_| f.choice(1) != "any");
    fl.scope = Some(f.choice(2).to_string()).filter(|s| s != "any");
    fl.due = f.toggle(3);
    p.table.refilter_keep(page);
}

fn back(sh: &mut Shell, mut f: Form, e: String) -> Vec<Cmd> {
    f.error = Some(e);
    sh.dialogs.push(Dialog::Form(f));
    Vec::new()
}

fn by_of(c: &Change) -> Option<&str> {
    match c {
        Change::Request(i) => Some(&i.by),
        Change::Decide { by, .. }
        | Change::Apply { by, .. }
        | Change::Revoke { by, .. }
        | Change::ReviewStart { by } => Some(by),
        Change::ReviewItem { .. } | Change::ReviewClose { .. } => None,
    }
}

fn need(what: &str, v: &str, hint: &str) -> Result<String, String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(format!("{what} must not be empty: {hint}"));
    }
    Ok(t.to_string())
}

fn date(v: &str) -> Result<Option<NaiveDate>, String> {
    match v.trim() {
        "" => Ok(None),
        t => parse_date(t).map(Some),
    }
}

/// What the form asks for, checked as the CLI checks its arguments (the directory and the
/// state of the request are checked by `ops::filter`).
fn check(purpose: &FilterPurpose, f: &Form, today: NaiveDate) -> Result<Change, String> {
    let by = || need("By", f.text(0), "give a directory username");
    Ok(match purpose {
        FilterPurpose::Filter => return Err("nothing to record".into()),
        FilterPurpose::Request => {
            let by = by()?;
            let page = f.toggle(6);
            let site = f.text(1).trim().to_string();
            // The site as the normaliser reads it: its refusal is the form's problem.
            normalise(
                &site,
                SiteOptions {
                    allow_ip: false,
                    page,
                },
            )
            .map_err(|e| e.to_string())?;
            let reason = need("Reason", f.text(2), "say what the site is needed for")?;
            let scope = match f.text(3).trim() {
                "" => None,
                s => {
                    Scope::parse(s)?;
                    Some(s.to_string())
                }
            };
            let until = date(f.text(4))?;
            crate::domain::filter::state::check_until(until, today)?;
            let kind = Kind::parse(f.choice(5)).unwrap_or_default();
            Change::Request(RequestInput {
                by,
                site,
                reason,
                scope,
                until,
                kind,
                allow_ip: false,
                page,
            })
        }
        FilterPurpose::Decide { id } => {
            let by = need("By", f.text(1), "give the approver's directory username")?;
            let verdict = if f.choice(2) == "reject" {
                Verdict::Reject
            } else {
                Verdict::Approve
            };
            Change::Decide {
                id: *id,
                role: f.choice(0).to_string(),
                by,
                verdict,
                comment: need("Comment", f.text(3), "say why")?,
            }
        }
        FilterPurpose::Apply { id } => Change::Apply {
            id: *id,
            by: by()?,
            reference: Some(f.text(1).trim().to_string()).filter(|r| !r.is_empty()),
        },
        FilterPurpose::Revoke { id } => Change::Revoke {
            id: *id,
            by: by()?,
            reason: need("Reason", f.text(1), "say why it ends")?,
        },
        FilterPurpose::ReviewStart => Change::ReviewStart { by: by()? },
        FilterPurpose::ReviewItem { id } => {
            let action = match f.choice(0) {
                "revoke" => ReviewAction::Revoke,
                "shorten" => ReviewAction::Shorten,
                _ => ReviewAction::Keep,
            };
            let until = date(f.text(1))?;
            if action == ReviewAction::Shorten && until.is_none() {
                return Err("shorten needs Until, the new last day".into());
            }
            if action != ReviewAction::Shorten && until.is_some() {
                return Err(format!(
                    "Until is only for shorten, not {}: clear it",
                    action.as_str()
                ));
            }
            Change::ReviewItem {
                id: *id,
                action,
                until,
                note: need("Note", f.text(2), "say what was found")?,
                by: None,
            }
        }
        FilterPurpose::ReviewClose => Change::ReviewClose {
            checks: need(
                "Checks",
                f.text(0),
                "say what was tested (the DfE standards ask for a record of the checks)",
            )?,
            note: f.text(1).trim().to_string(),
            by: Some(f.text(2).trim().to_string()).filter(|b| !b.is_empty()),
        },
    })
}

fn start(p: &mut FilteringTab, sh: &mut Shell, mut f: Form, change: Change) -> Vec<Cmd> {
    let gen = sh.next_gen();
    p.save_gen = gen;
    p.saving = true;
    f.waiting = Some((gen, "recording"));
    f.error = None;
    sh.dialogs.push(Dialog::Form(f));
    vec![FilterCmd::Change {
        gen,
        change: Box::new(change),
        now: sh.env.clock.now(),
    }
    .into()]
}
