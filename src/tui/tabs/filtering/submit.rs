//! What submitting the Filtering tab's dialogs does: the filters, and the changes, checked here
//! as far as they can be without the directory (the site as the normaliser reads it, dates,
//! empty fields), built as the CLI's `ops::filter::change::Change`, planned in the background
//! (the plan's lines are the confirmation, the same the CLI's `--dry-run` prints) and that
//! plan applied on `y`; refusals come back into the form.

use super::{FilterCmd, FilteringTab, STATUS_CYCLE};
use crate::domain::filter::{normalise, Kind, ReviewAction, Scope, SiteOptions, Verdict};
use crate::domain::time::parse_date;
use crate::domain::time::LondonDate;
use crate::ops::filter::change::{Change, Plan};
use crate::ops::filter::RequestInput;
use crate::ops::preview::Emphasis;
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
    /// A planned request, decision, apply or revoke confirmed (its form waits below the
    /// question).
    Confirmed(Box<Plan>),
}

/// A dialog of the tab was submitted.
pub fn on_submit(
    p: &mut FilteringTab,
    sh: &mut Shell,
    purpose: FilterPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    if let FilterPurpose::Confirmed(plan) = purpose {
        // The confirmation said yes: the form below it waits for the answer.
        return match sh.dialogs.pop() {
            Some(Dialog::Form(f)) => start(p, sh, f, Work::Apply(plan)),
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
                if let Some(by) = change.by() {
                    p.last_by = by.to_string();
                }
                // Planned in the background; a request, decision, apply or revoke is then
                // shown and confirmed with `y` before anything is recorded.
                start(p, sh, f, Work::Plan(Box::new(change)))
            }
        },
    }
}

/// The tone a plan's line is shown in.
pub(super) fn tone(e: Emphasis) -> Tone {
    match e {
        Emphasis::Strong => Tone::Strong,
        Emphasis::Normal => Tone::Normal,
        Emphasis::Dim => Tone::Dim,
        Emphasis::Warn => Tone::Warn,
    }
}

/// Asks before `plan` is applied: its title, its lines (the CLI's `--dry-run` prints the
/// same) and what yes does; `y` applies this plan. The form it came from waits below.
pub fn confirm(sh: &mut Shell, plan: Plan) {
    let lines = plan
        .lines()
        .into_iter()
        .map(|(l, e)| (l, tone(e)))
        .collect();
    let (title, yes) = (plan.title(), plan.yes());
    sh.dialogs.push(Dialog::Confirm(Confirm::new(
        &title,
        lines,
        &yes,
        Purpose::Filtering(FilterPurpose::Confirmed(Box::new(plan))),
    )));
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

/// What a submitted form starts in the background.
enum Work {
    /// Plan the change (and apply it when the tab does not ask first).
    Plan(Box<Change>),
    /// Apply the plan confirmed.
    Apply(Box<Plan>),
}

fn start(p: &mut FilteringTab, sh: &mut Shell, mut f: Form, work: Work) -> Vec<Cmd> {
    let gen = sh.next_gen();
    p.save_gen = gen;
    p.saving = true;
    f.error = None;
    let now = sh.env.clock.now();
    let cmd = match work {
        Work::Plan(change) => {
            f.waiting = Some((gen, "checking"));
            FilterCmd::Plan { gen, change, now }
        }
        Work::Apply(plan) => {
            f.waiting = Some((gen, "recording"));
            FilterCmd::Apply { gen, plan, now }
        }
    };
    sh.dialogs.push(Dialog::Form(f));
    vec![cmd.into()]
}
