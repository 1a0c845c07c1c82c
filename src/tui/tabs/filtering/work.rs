//! Background work of the Filtering tab: every call goes through the same `ops::filter`
//! functions the CLI uses. Store reads run on blocking threads; the changes (which also ask the
//! directory who `--by` is) run there too, driven to completion on that thread.

use crate::domain::filter::review::ReviewReport;
use crate::domain::filter::{ApplyStep, Entry, ReviewAction, Role, Verdict};
use crate::error::Result;
use crate::ops::filter::ReviewStatus;
use crate::ops::filter::{self as ops, History, ListQuery, RequestInput, RequestOutcome};
use crate::ops::Ctx;
use crate::tui::work::{blocking, Outbox};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

/// Everything the tab shows, read at one moment.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Every request as it stands.
    pub entries: Vec<Entry>,
    /// The approver roles in force.
    pub roles: Vec<Role>,
    /// The open review, if any.
    pub review: Option<ReviewStatus>,
    /// The governors' report (last review, next due).
    pub report: ReviewReport,
}

/// A change the tab asks for.
#[derive(Debug, Clone)]
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

/// What came of a change, in words, and the request to put the cursor on.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// For the status bar.
    pub text: String,
    /// The request concerned.
    pub select: Option<i64>,
    /// True when nothing was recorded (a duplicate).
    pub duplicate: bool,
}

/// Work for the Filtering tab.
#[derive(Debug)]
pub enum FilterCmd {
    /// Read every request, the roles, the open review and the report.
    Load {
        /// Generation.
        gen: u64,
        /// The moment statuses are judged at.
        now: DateTime<Utc>,
    },
    /// Read one request's whole history.
    Show {
        /// Generation.
        gen: u64,
        /// Request.
        id: i64,
        /// The moment.
        now: DateTime<Utc>,
    },
    /// Make a change.
    Change {
        /// Generation.
        gen: u64,
        /// What.
        change: Box<Change>,
        /// The moment it is done at.
        now: DateTime<Utc>,
    },
}

/// Answers for the Filtering tab.
#[derive(Debug)]
pub enum FilterMsg {
    /// The list was read.
    Loaded {
        /// Generation.
        gen: u64,
        /// What was read.
        result: Result<Box<Loaded>>,
    },
    /// A history was read.
    History {
        /// Generation.
        gen: u64,
        /// Request.
        id: i64,
        /// What was read.
        result: Result<Box<History>>,
    },
    /// A change was made (or refused).
    Changed {
        /// Generation.
        gen: u64,
        /// What came of it.
        result: Result<Outcome>,
    },
}

fn say(e: &Entry) -> String {
    format!(
        "#{} {} {} for {}: {}",
        e.id,
        e.kind.as_str(),
        e.target(),
        e.scope,
        super::status_word(e)
    )
}

/// Makes one change through `ops::filter`.
pub async fn change(ctx: &Ctx, c: &Change, now: DateTime<Utc>) -> Result<Outcome> {
    let done = |text: String, select: Option<i64>| Outcome {
        text,
        select,
        duplicate: false,
    };
    Ok(match c {
        Change::Request(input) => match ops::request(ctx, input, now).await? {
            RequestOutcome::Recorded { entry, notes } => {
                let mut t = format!("recorded {}", say(&entry));
                if !notes.is_empty() {
                    t.push_str(&format!(" ({})", notes.join("; ")));
                }
                done(t, Some(entry.id))
            }
            RequestOutcome::Duplicate { existing } => Outcome {
                text: format!(
                    "already requested: {}; not recorded again (the cursor is on it)",
                    say(&existing)
                ),
                select: Some(existing.id),
                duplicate: true,
            },
        },
        Change::Decide {
            id,
            role,
            by,
            verdict,
            comment,
        } => {
            let e = ops::decide(ctx, *id, role, by, *verdict, comment, now).await?;
            let mut t = format!("{} by {by} recorded: {}", verdict.as_str(), say(&e));
            if e.status == crate::domain::filter::Status::Agreed {
                t.push_str("; make the change in the filter, then apply it here");
            }
            done(t, Some(e.id))
        }
        Change::Apply { id, by, reference } => {
            let (step, e) = ops::apply(ctx, *id, by, reference.as_deref(), now).await?;
            let t = match step {
                ApplyStep::Apply => format!("applied in the filter: {}", say(&e)),
                ApplyStep::Remove => format!("recorded as taken out of the filter: {}", say(&e)),
            };
            done(t, Some(e.id))
        }
        Change::Revoke { id, by, reason } => {
            let e = ops::revoke(ctx, *id, by, reason, now).await?;
            let mut t = format!("revoked: {}", say(&e));
            if e.in_filter {
                t.push_str("; still in the filter: take it out, then apply (removal) here");
            }
            done(t, Some(e.id))
        }
        Change::ReviewStart { by } => {
            let st = ops::review_start(ctx, by, now).await?;
            done(
                format!(
                    "review #{} started by {}: {} exceptions in force to look at",
                    st.review.id,
                    st.review.started_by,
                    st.remaining.len()
                ),
                None,
            )
        }
        Change::ReviewItem {
            id,
            action,
            until,
            note,
            by,
        } => {
            let e = ops::review_item(ctx, *id, *action, *until, note, by.as_deref(), now).await?;
            done(format!("{}: {}", action.as_str(), say(&e)), Some(e.id))
        }
        Change::ReviewClose { checks, note, by } => {
            let r = ops::review_close(ctx, checks, note, by.as_deref(), now).await?;
            done(
                format!(
                    "review #{} closed by {}",
                    r.id,
                    r.closed.as_ref().map(|c| c.by.as_str()).unwrap_or("")
                ),
                None,
            )
        }
    })
}

/// Reads everything the tab shows.
pub fn load(ctx: &Ctx, now: DateTime<Utc>) -> Result<Loaded> {
    Ok(Loaded {
        entries: ops::list(ctx, &ListQuery::default(), now)?,
        roles: ctx.config.filter.roles(),
        review: ops::review_status(ctx, now)?,
        report: ops::review_report(ctx, now)?,
    })
}

/// Starts `cmd` on a tokio task; the answer comes back on `tx`.
pub fn spawn(ctx: Arc<Ctx>, tx: Outbox<FilterMsg>, cmd: FilterCmd) {
    match cmd {
        FilterCmd::Load { gen, now } => {
            tokio::spawn(async move {
                let result = blocking(move || load(&ctx, now).map(Box::new)).await;
                tx.send(FilterMsg::Loaded { gen, result });
            });
        }
        FilterCmd::Show { gen, id, now } => {
            tokio::spawn(async move {
                let result = blocking(move || ops::show(&ctx, id, now).map(Box::new)).await;
                tx.send(FilterMsg::History { gen, id, result });
            });
        }
        FilterCmd::Change {
            gen,
            change: c,
            now,
        } => {
            tokio::spawn(async move {
                // The store is SQLite (blocking): the whole change runs on a blocking thread,
                // its directory look-ups driven to completion there.
                let result = blocking(move || {
                    tokio::runtime::Handle::current().block_on(change(&ctx, &c, now))
                })
                .await;
                tx.send(FilterMsg::Changed { gen, result });
            });
        }
    }
}
