//! What submitting the Filtering tab's dialogs does: the filters, and the changes, checked here
//! as far as they can be without the directory (the site as the normaliser reads it, dates,
//! empty fields) and then recorded through `ops::filter` in the background, whose refusals
//! come back into the form.

use super::{Change, FilterCmd, FilteringTab, STATUS_CYCLE};
use crate::domain::filter::{normalise, Kind, ReviewAction, Scope, SiteOptions, Verdict};
use crate::domain::time::parse_date;
use crate::domain::time::LondonDate;
use crate::ops::filter::RequestInput;
use crate::tui::dialogs::Tone;
use crate::tui::shell::Shell;
use crate::tui::tabs::{Confirm, Dialog, Form, Purpose, Submitted};
use crate::tui::work::Cmd;
use chrono::NaiveDate;

/// "Page or site": the page only.
pub const PAGE_ONLY: &str = "this page only";
/// "Page or site": every page of the site.
pub const WHOLE_SITE: &str = "whole site";
/// "Page or site": not chosen (fine for an address without a path).
pub const NOT_CHOSEN: &str = "not chosen";

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
    /// A request, decision, apply or revoke confirmed (its form waits below the question).
    Confirmed(Box<Change>),
}

/// A dialog of the tab was submitted.
pub fn on_submit(
    p: &mut FilteringTab,
    sh: &mut Shell,
    purpose: FilterPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    if let FilterPurpose::Confirmed(change) = purpose {
        // The confirmation said yes: the form below it waits for the answer.
        return match sh.dialogs.pop() {
            Some(Dialog::Form(f)) => start(p, sh, f, *change),
            other => {
                if let Some(d) = other {
                    sh.dialogs.push(d);
                }
                Vec::new()
            }
        };
    }
    let Submitted::Form(f) = d else {
        return Vec::new();
    };
    match purpose {
        FilterPurpose::Filter => {
            filters(p, sh, &f);
            Vec::new()
        }
        // Every empty or unreadable field at once, each named.
        other if every_field(&other, &f).is_some() => {
            let mut f = f;
            f.problems(every_field(&other, &f).unwrap_or_default());
            sh.dialogs.push(Dialog::Form(f));
            Vec::new()
        }
        other => match check(&other, &f, FilteringTab::judge_now(sh).london_date()) {
            Err(e) => back(sh, f, e),
            Ok(change) => {
                if let Some(by) = by_of(&change) {
                    p.last_by = by.to_string();
                }
                match confirmation(p, &change, FilteringTab::judge_now(sh).london_date()) {
                    // Shown and confirmed with `y` before anything is recorded.
                    Some(Ok((title, lines, yes))) => {
                        sh.dialogs.push(Dialog::Form(f));
                        sh.dialogs.push(Dialog::Confirm(Confirm::new(
                            &title,
                            lines,
                            &yes,
                            Purpose::Filtering(FilterPurpose::Confirmed(Box::new(change))),
                        )));
                        Vec::new()
                    }
                    Some(Err(e)) => back(sh, f, e),
                    None => start(p, sh, f, change),
                }
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

/// The question asked before a request, decision, apply or revoke is recorded: title, what
/// will be recorded, and what yes does. None for the review's steps (they confirm in place).
#[allow(clippy::type_complexity)]
fn confirmation(
    p: &FilteringTab,
    c: &Change,
    today: NaiveDate,
) -> Option<Result<(String, Vec<(String, Tone)>, String), String>> {
    let entry = |id: i64| {
        p.table
            .rows()
            .iter()
            .find(|r| r.entry.id == id)
            .map(|r| super::keys::facts(&r.entry))
            .unwrap_or_default()
    };
    let note = |s: &str| (s.to_string(), Tone::Dim);
    Some(Ok(match c {
        Change::Request(i) => {
            let lines = match crate::ops::filter::describe_request(i, today) {
                Ok(l) => l,
                Err(e) => return Some(Err(e.to_string())),
            };
            let mut v: Vec<(String, Tone)> = lines
                .into_iter()
                .enumerate()
                .map(|(n, l)| (l, if n == 0 { Tone::Strong } else { Tone::Normal }))
                .collect();
            v.push(note(
                "Recorded as a request: nothing changes in the filter until two approvers agree.",
            ));
            (
                "Record this filter request?".into(),
                v,
                "record the request".into(),
            )
        }
        Change::Decide {
            id,
            role,
            by,
            verdict,
            comment,
        } => {
            let mut v = entry(*id);
            v.push((
                format!("{by} {} as {role}: {comment}", verdict.as_str()),
                Tone::Strong,
            ));
            v.push(note(
                "A decision is a record: it cannot be changed afterwards.",
            ));
            (
                format!("Record this decision on #{id}?"),
                v,
                format!("{} #{id}", verdict.as_str()),
            )
        }
        Change::Apply { id, by, reference } => {
            let mut v = entry(*id);
            v.push((
                format!(
                    "{by} made the change in the filter{}",
                    reference
                        .as_deref()
                        .map(|r| format!(" (reference {r})"))
                        .unwrap_or_default()
                ),
                Tone::Strong,
            ));
            v.push(note("A record: it cannot be changed afterwards."));
            (
                format!("Record #{id} as done in the filter?"),
                v,
                format!("record #{id} done"),
            )
        }
        Change::Revoke { id, by, reason } => {
            let mut v = entry(*id);
            v.push((format!("{by} revokes it: {reason}"), Tone::Strong));
            v.push(note(
                "It ends now; it must then be taken out of the filter. A record: it cannot be undone.",
            ));
            (format!("Revoke #{id}?"), v, format!("revoke #{id}"))
        }
        _ => return None,
    }))
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

/// Every field of the form that is empty but needed, or is no date where a date goes, at
/// once (field, why); None when there is none. The rules between fields are then [`check`]'s.
fn every_field(purpose: &FilterPurpose, f: &Form) -> Option<Vec<(usize, String)>> {
    let (needed, dates): (&[(usize, &str)], &[usize]) = match purpose {
        FilterPurpose::Request => (
            &[
                (0, "give a directory username"),
                (1, "give the site or address"),
                (2, "say what the site is needed for"),
            ],
            &[4],
        ),
        FilterPurpose::Decide { .. } => (
            &[
                (1, "give the approver's directory username"),
                (3, "say why"),
            ],
            &[],
        ),
        FilterPurpose::Apply { .. } | FilterPurpose::ReviewStart => {
            (&[(0, "give a directory username")], &[])
        }
        FilterPurpose::Revoke { .. } => (
            &[(0, "give a directory username"), (1, "say why it ends")],
            &[],
        ),
        FilterPurpose::ReviewItem { .. } => (&[(2, "say what was found")], &[1]),
        FilterPurpose::ReviewClose => (&[(0, "say what was tested")], &[]),
        FilterPurpose::Filter | FilterPurpose::Confirmed(_) => (&[], &[]),
    };
    let mut problems: Vec<(usize, String)> = Vec::new();
    for (i, hint) in needed {
        if f.text(*i).trim().is_empty() {
            problems.push((*i, format!("must not be empty: {hint}")));
        }
    }
    for i in dates {
        if let Err(e) = date(f.text(*i)) {
            problems.push((*i, e));
        }
    }
    problems.sort_by_key(|p| p.0);
    (!problems.is_empty()).then_some(problems)
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
        FilterPurpose::Filter | FilterPurpose::Confirmed(_) => {
            return Err("nothing to record".into())
        }
        FilterPurpose::Request => {
            let by = by()?;
            let site = f.text(1).trim().to_string();
            let page = f.choice(6) == PAGE_ONLY;
            let whole_site = f.choice(6) == WHOLE_SITE;
            // An address with a path: the page or the whole site, said by the requester.
            if !page && !whole_site && crate::domain::filter::has_page_path(&site) {
                return Err(format!(
                    "\"{site}\" is the address of a page: set Page or site to \"{PAGE_ONLY}\" or \"{WHOLE_SITE}\" (left/right)"
                ));
            }
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
                whole_site,
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
