//! One change to the web-filter log, planned then applied: the one command type of every
//! filter action for both faces (`ops::filter::change`). The CLI builds a [`Change`], plans it
//! with [`plan`], prints the plan's [`Plan::lines`] on `--dry-run` and applies the plan with
//! [`apply`]; the Filtering tab plans the same change on its worker, shows the same lines in
//! its confirmation and applies that plan on `y`.
//!
//! A plan makes every check the change makes (the same functions of `ops::filter`, in the same
//! order), records nothing, and says what would be recorded: the request's scope and last day
//! before it is recorded, who decides or applies what on which request, and what is refused
//! with why (the decider may not act, the request is not pending, a page's address needs the
//! page or the whole site). [`apply`] is refused under `--as-of`, settles what an earlier run
//! left unknown (returned as data), reads the request again and refuses, with the reason and
//! nothing recorded, when it is no longer where the plan saw it; then the `ops::filter`
//! function records it (its guards and the action log as ever).

use super::{
    check_apply, check_decide, check_request, check_review_close, check_review_item,
    check_review_start, describe_request, entry_of, facts, open, open_review, say, RequestInput,
    RequestOutcome, ReviewStatus,
};
use crate::domain::filter::review::Review;
use crate::domain::filter::{ApplyStep, Entry, ReviewAction, Verdict};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::preview::Emphasis;
use crate::ops::settle::{self, Settled};
use crate::ops::Ctx;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A change to the web-filter log.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    /// `filter request`.
    Request(RequestInput),
    /// `filter decide`.
    Decide {
        /// Request.
        id: i64,
        /// Role name.
        role: String,
        /// Who.
        by: String,
        /// Approve or reject.
        verdict: Verdict,
        /// Why.
        comment: String,
    },
    /// `filter apply`.
    Apply {
        /// Request.
        id: i64,
        /// Who.
        by: String,
        /// The filter's reference.
        reference: Option<String>,
    },
    /// `filter revoke`.
    Revoke {
        /// Request.
        id: i64,
        /// Who.
        by: String,
        /// Why.
        reason: String,
    },
    /// `filter review start`.
    ReviewStart {
        /// Who.
        by: String,
    },
    /// `filter review item`.
    ReviewItem {
        /// Exception.
        id: i64,
        /// keep, revoke, shorten.
        action: ReviewAction,
        /// New last day (shorten).
        until: Option<NaiveDate>,
        /// Note.
        note: String,
        /// Who (None: who started the review).
        by: Option<String>,
    },
    /// `filter review close`.
    ReviewClose {
        /// What was checked.
        checks: String,
        /// General note.
        note: String,
        /// Who (None: who started the review).
        by: Option<String>,
    },
}

impl Change {
    /// The command, for the refusal under `--as-of` ("filter decide").
    pub fn command(&self) -> &'static str {
        match self {
            Change::Request(_) => "filter request",
            Change::Decide { .. } => "filter decide",
            Change::Apply { .. } => "filter apply",
            Change::Revoke { .. } => "filter revoke",
            Change::ReviewStart { .. } => "filter review start",
            Change::ReviewItem { .. } => "filter review item",
            Change::ReviewClose { .. } => "filter review close",
        }
    }

    /// The request it is about, if one.
    pub fn id(&self) -> Option<i64> {
        match self {
            Change::Decide { id, .. }
            | Change::Apply { id, .. }
            | Change::Revoke { id, .. }
            | Change::ReviewItem { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Who does it, when said.
    pub fn by(&self) -> Option<&str> {
        match self {
            Change::Request(i) => Some(&i.by),
            Change::Decide { by, .. }
            | Change::Apply { by, .. }
            | Change::Revoke { by, .. }
            | Change::ReviewStart { by } => Some(by),
            Change::ReviewItem { by, .. } | Change::ReviewClose { by, .. } => by.as_deref(),
        }
    }

    /// True when a face asks before applying it (a request, decision, apply or revoke); the
    /// review's steps are confirmed in place, by the review panel.
    pub fn asks_first(&self) -> bool {
        matches!(
            self,
            Change::Request(_)
                | Change::Decide { .. }
                | Change::Apply { .. }
                | Change::Revoke { .. }
        )
    }
}

/// A change planned: what would be recorded, or why it would be refused, and the request
/// (or review) as it stood when planned, which [`apply`] checks again.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The change.
    pub change: Change,
    /// The request as it stood when planned (None: no request, or not found).
    pub before: Option<Entry>,
    /// The open review when planned.
    pub review: Option<i64>,
    /// What `filter apply` would record (apply, or taken out).
    pub step: Option<ApplyStep>,
    /// The pending or active request a new request duplicates (nothing would be recorded).
    pub duplicate: Option<Entry>,
    /// Why the change would be refused.
    pub refused: Option<String>,
    lines: Vec<(String, Emphasis)>,
}

impl Plan {
    /// The plan in words, for both faces (the one renderer): the CLI frames it with
    /// "dry run: …", the Filtering tab shows it in its confirmation.
    pub fn lines(&self) -> Vec<(String, Emphasis)> {
        self.lines.clone()
    }

    /// True when the change would be refused.
    pub fn is_refused(&self) -> bool {
        self.refused.is_some()
    }

    /// The question a confirmation asks.
    pub fn title(&self) -> String {
        match &self.change {
            Change::Request(_) => "Record this filter request?".into(),
            Change::Decide { id, .. } => format!("Record this decision on #{id}?"),
            Change::Apply { id, .. } => format!("Record #{id} as done in the filter?"),
            Change::Revoke { id, .. } => format!("Revoke #{id}?"),
            Change::ReviewStart { .. } => "Start a review?".into(),
            Change::ReviewItem { id, .. } => format!("Record the review of #{id}?"),
            Change::ReviewClose { .. } => "Close the review?".into(),
        }
    }

    /// What yes does, in words.
    pub fn yes(&self) -> String {
        match &self.change {
            Change::Request(_) => "record the request".into(),
            Change::Decide { id, verdict, .. } => format!("{} #{id}", verdict.as_str()),
            Change::Apply { id, .. } => format!("record #{id} done"),
            Change::Revoke { id, .. } => format!("revoke #{id}"),
            Change::ReviewStart { .. } => "start the review".into(),
            Change::ReviewItem { id, action, .. } => format!("{} #{id}", action.as_str()),
            Change::ReviewClose { .. } => "close the review".into(),
        }
    }
}

/// What a refusal says: a usage error or a missing request is the plan's refusal; anything
/// else (the store or the directory failing) is an error.
fn refusal(e: Error) -> Result<String> {
    match e {
        Error::Usage(_) | Error::NotFound(_) => Ok(e.to_string()),
        other => Err(other),
    }
}

/// The request `id` as it stands on `now` (None: there is none).
fn read_entry(ctx: &Ctx, id: i64, now: DateTime<Utc>) -> Result<Option<Entry>> {
    let s = open(ctx, now)?;
    match entry_of(ctx, &s, id, now) {
        Ok((_, e)) => Ok(Some(e)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The open review's number on `now`.
fn review_now(ctx: &Ctx, now: DateTime<Utc>) -> Result<Option<i64>> {
    Ok(open_review(&open(ctx, now)?)?.map(|r| r.id))
}

fn line(text: impl Into<String>, e: Emphasis) -> (String, Emphasis) {
    (text.into(), e)
}

/// Plans `change` on `now`: every check the change makes, nothing recorded. What the change
/// would refuse is a refused plan (with why); a store or directory that fails is an error.
pub async fn plan(ctx: &Ctx, change: &Change, now: DateTime<Utc>) -> Result<Plan> {
    let mut p = Plan {
        change: change.clone(),
        before: None,
        review: None,
        step: None,
        duplicate: None,
        refused: None,
        lines: Vec::new(),
    };
    let mut lines = Vec::new();
    let mut note: Option<&str> = None;
    match change {
        Change::Request(input) => {
            match describe_request(input, now.london_date()) {
                Ok(words) => lines.extend(words.into_iter().enumerate().map(|(n, l)| {
                    line(
                        l,
                        if n == 0 {
                            Emphasis::Strong
                        } else {
                            Emphasis::Normal
                        },
                    )
                })),
                Err(_) => lines.push(line(
                    format!("{}: {}", input.kind.as_str(), input.site.trim()),
                    Emphasis::Strong,
                )),
            }
            match check_request(ctx, input, now).await {
                Ok(c) => p.duplicate = c.duplicate,
                Err(e) => p.refused = Some(refusal(e)?),
            }
            if let Some(d) = &p.duplicate {
                lines.push(line(
                    format!("already requested: {}; not recorded again", say(d)),
                    Emphasis::Warn,
                ));
            } else {
                note = Some(
                    "Recorded as a request: nothing changes in the filter until two approvers agree.",
                );
            }
        }
        Change::Decide {
            id,
            role,
            by,
            verdict,
            comment,
        } => {
            match check_decide(ctx, *id, role, by, *verdict, comment, now).await {
                Ok(c) => p.before = Some(c.entry),
                Err(e) => p.refused = Some(refusal(e)?),
            }
            lines.push(line(
                format!(
                    "{} {} as {}: {}",
                    by.trim(),
                    verdict.as_str(),
                    role.trim(),
                    comment.trim()
                ),
                Emphasis::Strong,
            ));
            note = Some("A decision is a record: it cannot be changed afterwards.");
        }
        Change::Apply { id, by, reference } => {
            match check_apply(ctx, *id, by, reference.as_deref(), now).await {
                Ok((step, c)) => {
                    p.step = Some(step);
                    p.before = Some(c.entry);
                }
                Err(e) => p.refused = Some(refusal(e)?),
            }
            let reference = reference
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(|r| format!(" (reference {r})"))
                .unwrap_or_default();
            let done = match p.step {
                Some(ApplyStep::Remove) => "took it out of the filter",
                _ => "made the change in the filter",
            };
            lines.push(line(
                format!("{} {done}{reference}", by.trim()),
                Emphasis::Strong,
            ));
            note = Some("A record: it cannot be changed afterwards.");
        }
        Change::Revoke { id, by, reason } => {
            match super::check_revoke(ctx, *id, by, reason, now).await {
                Ok(c) => p.before = Some(c.entry),
                Err(e) => p.refused = Some(refusal(e)?),
            }
            lines.push(line(
                format!("{} revokes it: {}", by.trim(), reason.trim()),
                Emphasis::Strong,
            ));
            note = Some(
                "It ends now; it must then be taken out of the filter. A record: it cannot be undone.",
            );
        }
        Change::ReviewStart { by } => {
            lines.push(line(
                format!(
                    "Start a review of the exceptions in force, by {}",
                    by.trim()
                ),
                Emphasis::Strong,
            ));
            match check_review_start(ctx, by, now).await {
                Ok(c) => {
                    lines.push(line(
                        format!("{} exceptions in force to look at", c.items.len()),
                        Emphasis::Normal,
                    ));
                    lines.extend(
                        c.items
                            .iter()
                            .map(|e| line(format!("  {}", say(e)), Emphasis::Normal)),
                    );
                }
                Err(e) => p.refused = Some(refusal(e)?),
            }
            note = Some("Each is then kept, revoked or shortened, with a note; then the review is closed with the checks made.");
        }
        Change::ReviewItem {
            id,
            action,
            until,
            note: what,
            by,
        } => {
            match check_review_item(ctx, *id, *action, *until, what, by.as_deref(), now).await {
                Ok((review, c)) => {
                    p.review = Some(review.id);
                    p.before = Some(c.entry);
                    lines.push(line(
                        format!("review #{} by {}", review.id, c.event.by),
                        Emphasis::Normal,
                    ));
                }
                Err(e) => p.refused = Some(refusal(e)?),
            }
            let until = until
                .map(|u| format!(" to {}", crate::domain::time::spelled_date(u)))
                .unwrap_or_default();
            lines.push(line(
                format!("{}{until}: {}", action.as_str(), what.trim()),
                Emphasis::Strong,
            ));
            note = Some("A record: it cannot be changed afterwards.");
        }
        Change::ReviewClose {
            checks,
            note: what,
            by,
        } => match check_review_close(ctx, checks, what, by.as_deref(), now).await {
            Ok(c) => {
                p.review = Some(c.review.id);
                lines.push(line(
                    format!("Close review #{} by {}", c.review.id, c.close.by),
                    Emphasis::Strong,
                ));
                let n = |k: &str| c.summary.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
                lines.push(line(
                    format!(
                        "kept {}, revoked {}, shortened {}",
                        n("kept"),
                        n("revoked"),
                        n("shortened")
                    ),
                    Emphasis::Normal,
                ));
                lines.push(line(
                    format!("checks: {}", c.close.checks),
                    Emphasis::Normal,
                ));
                if !c.close.note.is_empty() {
                    lines.push(line(format!("note: {}", c.close.note), Emphasis::Normal));
                }
                note = Some("A record: it cannot be changed afterwards.");
            }
            Err(e) => {
                lines.push(line("Close the open review", Emphasis::Strong));
                p.refused = Some(refusal(e)?);
            }
        },
    }
    // The request as it stands, first: read when the checks stopped before it was.
    if let Some(id) = change.id() {
        if p.before.is_none() {
            p.before = read_entry(ctx, id, now)?;
        }
        if let Some(e) = &p.before {
            let mut all = facts(e);
            all.append(&mut lines);
            lines = all;
        }
    }
    if matches!(change, Change::ReviewItem { .. }) && p.review.is_none() {
        p.review = review_now(ctx, now)?;
    }
    match &p.refused {
        Some(why) => lines.push(line(format!("refused: {why}"), Emphasis::Warn)),
        None => lines.extend(note.map(|n| line(n, Emphasis::Dim))),
    }
    p.lines = lines;
    Ok(p)
}

/// What applying a plan recorded.
#[derive(Debug, Clone)]
pub enum Done {
    /// A request recorded, or the one it duplicates (nothing recorded).
    Requested(RequestOutcome),
    /// A decision recorded.
    Decided {
        /// Approve or reject.
        verdict: Verdict,
        /// Who, as given.
        by: String,
        /// The request after it.
        entry: Entry,
    },
    /// Recorded as applied in (or taken out of) the filter.
    Applied {
        /// Which.
        step: ApplyStep,
        /// The request after it.
        entry: Entry,
    },
    /// Revoked.
    Revoked(Entry),
    /// A review started.
    ReviewStarted(ReviewStatus),
    /// The review's verdict on one exception recorded.
    Reviewed {
        /// keep, revoke, shorten.
        action: ReviewAction,
        /// The exception after it.
        entry: Entry,
    },
    /// The review closed.
    ReviewClosed(Review),
}

/// What came of applying a plan: what was settled first (for the face to show) and what was
/// recorded.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Entries an earlier run left unknown, settled before the change.
    pub settled: Vec<Settled>,
    /// What was recorded.
    pub done: Done,
}

impl Outcome {
    /// What was recorded, in one line: the words both faces say.
    pub fn summary(&self) -> String {
        match &self.done {
            Done::Requested(RequestOutcome::Recorded { entry, .. }) => {
                format!("recorded {}", say(entry))
            }
            Done::Requested(RequestOutcome::Duplicate { existing }) => {
                format!("already requested: {}; not recorded again", say(existing))
            }
            Done::Decided { verdict, by, entry } => {
                format!("{} by {by} recorded: {}", verdict.as_str(), say(entry))
            }
            Done::Applied {
                step: ApplyStep::Apply,
                entry,
            } => format!("applied in the filter: {}", say(entry)),
            Done::Applied {
                step: ApplyStep::Remove,
                entry,
            } => format!("recorded as taken out of the filter: {}", say(entry)),
            Done::Revoked(e) => format!("revoked: {}", say(e)),
            Done::ReviewStarted(st) => format!(
                "review #{} started by {}: {} exceptions in force to look at",
                st.review.id,
                st.review.started_by,
                st.remaining.len()
            ),
            Done::Reviewed { action, entry } => format!("{}: {}", action.as_str(), say(entry)),
            Done::ReviewClosed(r) => format!(
                "review #{} closed by {}",
                r.id,
                r.closed.as_ref().map(|c| c.by.as_str()).unwrap_or("")
            ),
        }
    }

    /// The request concerned (the duplicated one for a duplicate).
    pub fn entry(&self) -> Option<&Entry> {
        match &self.done {
            Done::Requested(RequestOutcome::Recorded { entry, .. })
            | Done::Decided { entry, .. }
            | Done::Applied { entry, .. }
            | Done::Revoked(entry)
            | Done::Reviewed { entry, .. } => Some(entry),
            Done::Requested(RequestOutcome::Duplicate { existing }) => Some(existing),
            Done::ReviewStarted(_) | Done::ReviewClosed(_) => None,
        }
    }

    /// True when nothing was recorded because the request duplicates one.
    pub fn duplicate(&self) -> bool {
        matches!(self.done, Done::Requested(RequestOutcome::Duplicate { .. }))
    }
}

/// Applies `plan` on `now`: refused under `--as-of`; what an earlier run left unknown is
/// settled first; the request (or the open review) is read again and the change refused, with
/// the reason and nothing recorded, when it is no longer as planned; then the `ops::filter`
/// function records it, with its own checks (a refused plan is refused there, in its words).
pub async fn apply(ctx: &Ctx, plan: &Plan, now: DateTime<Utc>) -> Result<Outcome> {
    settle::gate(ctx, plan.change.command()).await?;
    if let (Some(id), Some(before)) = (plan.change.id(), &plan.before) {
        let again = |now: String| {
            Error::NotPlanned(format!(
                "#{id} was {} when this was planned and {now} (changed since); nothing was \
                 recorded — look at it again",
                super::status_word(before)
            ))
        };
        match read_entry(ctx, id, now)? {
            None => return Err(again("is not in the log now".into())),
            Some(e)
                if e.status != before.status
                    || e.in_filter != before.in_filter
                    || e.decisions.len() != before.decisions.len() =>
            {
                return Err(again(format!("is {} now", super::status_word(&e))));
            }
            Some(_) => {}
        }
    }
    if matches!(
        plan.change,
        Change::ReviewItem { .. } | Change::ReviewClose { .. }
    ) && plan.review.is_some()
    {
        let now_review = review_now(ctx, now)?;
        if now_review != plan.review {
            return Err(Error::NotPlanned(format!(
                "review #{} was open when this was planned and is not now (closed or replaced \
                 since); nothing was recorded — look at it again",
                plan.review.unwrap_or_default()
            )));
        }
    }
    let done = match &plan.change {
        Change::Request(input) => Done::Requested(super::request(ctx, input, now).await?),
        Change::Decide {
            id,
            role,
            by,
            verdict,
            comment,
        } => Done::Decided {
            verdict: *verdict,
            by: by.clone(),
            entry: super::decide(ctx, *id, role, by, *verdict, comment, now).await?,
        },
        Change::Apply { id, by, reference } => {
            let (step, entry) = super::apply(ctx, *id, by, reference.as_deref(), now).await?;
            Done::Applied { step, entry }
        }
        Change::Revoke { id, by, reason } => {
            Done::Revoked(super::revoke(ctx, *id, by, reason, now).await?)
        }
        Change::ReviewStart { by } => Done::ReviewStarted(super::review_start(ctx, by, now).await?),
        Change::ReviewItem {
            id,
            action,
            until,
            note,
            by,
        } => Done::Reviewed {
            action: *action,
            entry: super::review_item(ctx, *id, *action, *until, note, by.as_deref(), now).await?,
        },
        Change::ReviewClose { checks, note, by } => {
            Done::ReviewClosed(super::review_close(ctx, checks, note, by.as_deref(), now).await?)
        }
    };
    // What the gate settled goes with the outcome (the filter views show it there); when the
    // change is refused, it stays on the context for the face to take.
    Ok(Outcome {
        settled: ctx.take_settled(),
        done,
    })
}
