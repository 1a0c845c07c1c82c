//! Background work of the Filtering tab: every call goes through the same `ops::filter`
//! functions the CLI uses; a change is the CLI's `ops::filter::change::Change`, planned here
//! (the plan the confirmation shows) and applied on `y`. Store reads run on blocking threads;
//! the plans and changes (which also ask the directory who `--by` is) run there too, driven to
//! completion on that thread.

use crate::domain::filter::review::ReviewReport;
use crate::domain::filter::{Entry, Role};
use crate::error::Result;
pub use crate::ops::filter::change::{self, Change, Outcome, Plan};
use crate::ops::filter::ReviewStatus;
use crate::ops::filter::{self as ops, History, ListQuery};
use crate::ops::Ctx;
use crate::tui::work::{blocking, Outbox};
use chrono::{DateTime, Utc};
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
    /// Plan a change (nothing recorded); one the tab does not ask about first is applied at
    /// once (the review's steps).
    Plan {
        /// Generation.
        gen: u64,
        /// What.
        change: Box<Change>,
        /// The moment it is planned at.
        now: DateTime<Utc>,
    },
    /// Apply a plan the technician confirmed.
    Apply {
        /// Generation.
        gen: u64,
        /// The plan shown.
        plan: Box<Plan>,
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
    /// A change was planned, to be confirmed.
    Planned {
        /// Generation.
        gen: u64,
        /// The plan.
        result: Result<Box<Plan>>,
    },
    /// A change was made (or refused).
    Changed {
        /// Generation.
        gen: u64,
        /// What came of it.
        result: Result<Box<Outcome>>,
    },
}

/// Plans `c` and, when the tab does not ask about it first, applies it.
async fn plan_or_apply(ctx: &Ctx, c: &Change, now: DateTime<Utc>) -> FilterStep {
    let p = match change::plan(ctx, c, now).await {
        Ok(p) => p,
        Err(e) => return FilterStep::Planned(Err(e)),
    };
    if c.asks_first() {
        return FilterStep::Planned(Ok(Box::new(p)));
    }
    FilterStep::Changed(change::apply(ctx, &p, now).await.map(Box::new))
}

enum FilterStep {
    Planned(Result<Box<Plan>>),
    Changed(Result<Box<Outcome>>),
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
        FilterCmd::Plan {
            gen,
            change: c,
            now,
        } => {
            tokio::spawn(async move {
                // The store is SQLite (blocking): the whole plan runs on a blocking thread, its
                // directory look-ups driven to completion there.
                let step = blocking(move || {
                    Ok(tokio::runtime::Handle::current().block_on(plan_or_apply(&ctx, &c, now)))
                })
                .await;
                tx.send(match step {
                    Ok(FilterStep::Planned(result)) => FilterMsg::Planned { gen, result },
                    Ok(FilterStep::Changed(result)) => FilterMsg::Changed { gen, result },
                    Err(e) => FilterMsg::Changed {
                        gen,
                        result: Err(e),
                    },
                });
            });
        }
        FilterCmd::Apply { gen, plan, now } => {
            tokio::spawn(async move {
                let result = blocking(move || {
                    tokio::runtime::Handle::current()
                        .block_on(change::apply(&ctx, &plan, now))
                        .map(Box::new)
                })
                .await;
                tx.send(FilterMsg::Changed { gen, result });
            });
        }
    }
}
