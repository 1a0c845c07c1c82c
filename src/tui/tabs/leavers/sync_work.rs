//! Background work of the Leavers tab's Sync view: reading the roll and planning (as `sync`
//! does), applying the plan (as `sync --apply --yes`) and finishing an interrupted run (as
//! `sync --resume`), all through `ops::sync`. The temporary passwords of created and
//! reactivated accounts go to a handout file (mode 0600) as they are set, as the command's do;
//! the screen only says where.

use crate::error::Result;
use crate::ops::sync::apply::RunOutcome;
use crate::ops::sync::SyncRun;
use crate::ops::sync::{self, SyncPlan};
use crate::ops::Ctx;
use crate::tui::work::Outbox;
use std::path::PathBuf;
use std::sync::Arc;

use super::work::{local, LeaversMsg};

/// What a plan read: the plan, the rows of the roll, and the open run (if one did not finish).
#[derive(Debug)]
pub struct Loaded {
    /// The plan (as `sync` prints it).
    pub plan: SyncPlan,
    /// Rows on the roll.
    pub rows: usize,
    /// The unfinished run, if any (what `sync --resume` finishes).
    pub unfinished: Option<SyncRun>,
}

/// How a run ended, with the handout file the passwords went to.
#[derive(Debug)]
pub struct Ended {
    /// The run (None: nothing to do but keep the marks, or no run to resume).
    pub outcome: Option<RunOutcome>,
    /// The handout file and how many passwords are in it.
    pub handout: Option<(PathBuf, usize)>,
}

/// Work for the Sync view.
#[derive(Debug)]
pub enum SyncCmd {
    /// Read the roll (`None`: the configured `[mis] file`, or the demo's) and plan.
    Plan {
        /// Generation.
        gen: u64,
        /// The roll's path.
        path: Option<PathBuf>,
    },
    /// Apply the plan (the items left out are already taken out of it).
    Apply {
        /// Generation.
        gen: u64,
        /// The plan.
        plan: Box<SyncPlan>,
    },
    /// Finish the unfinished run.
    Resume {
        /// Generation.
        gen: u64,
    },
}

/// Answers for the Sync view.
#[derive(Debug)]
pub enum SyncMsg {
    /// The plan.
    Planned {
        /// Generation.
        gen: u64,
        /// What was read.
        result: Result<Box<Loaded>>,
    },
    /// One step of a run: (step, total).
    Step {
        /// Generation.
        gen: u64,
        /// Steps done so far.
        step: usize,
        /// Steps in all.
        total: usize,
    },
    /// The run ended.
    Finished {
        /// Generation.
        gen: u64,
        /// How.
        result: Result<Ended>,
    },
}

impl From<SyncMsg> for LeaversMsg {
    fn from(m: SyncMsg) -> LeaversMsg {
        LeaversMsg::Sync(m)
    }
}

/// Reads the roll and plans, as `sync` does.
pub async fn plan(ctx: &Ctx, path: Option<PathBuf>) -> Result<Loaded> {
    let roll = sync::read_roll_file(ctx, path.as_deref())?;
    let rows = roll.rows.len();
    let plan = sync::plan(ctx, &roll).await?;
    let unfinished = sync::apply::unfinished(ctx)?;
    Ok(Loaded {
        plan,
        rows,
        unfinished,
    })
}

/// What a finished run tells the view: its outcome and where the passwords went.
fn ended(h: &sync::SyncHandout<'_>, outcome: Option<RunOutcome>) -> Ended {
    Ended {
        outcome,
        handout: h.written().map(|(p, n)| (p.to_path_buf(), n)),
    }
}

/// Starts `cmd` on a tokio task.
pub fn spawn(ctx: Arc<Ctx>, out: Outbox<LeaversMsg>, cmd: SyncCmd) {
    match cmd {
        SyncCmd::Plan { gen, path } => {
            tokio::spawn(async move {
                let result =
                    local(move || Box::pin(async move { plan(&ctx, path).await.map(Box::new) }))
                        .await;
                out.send(SyncMsg::Planned { gen, result }.into());
            });
        }
        SyncCmd::Apply { gen, plan } => {
            tokio::spawn(async move {
                let steps = out.clone();
                let result = local(move || {
                    Box::pin(async move {
                        let tell = move |step: usize, total: usize, _: &str, _: &str| {
                            steps.send(SyncMsg::Step { gen, step, total }.into())
                        };
                        let mut h = sync::SyncHandout::new(&ctx);
                        let o =
                            sync::apply::apply_with(&ctx, &plan, &tell, &mut |l| h.take(l)).await?;
                        Ok(ended(&h, o))
                    })
                })
                .await;
                out.send(SyncMsg::Finished { gen, result }.into());
            });
        }
        SyncCmd::Resume { gen } => {
            tokio::spawn(async move {
                let steps = out.clone();
                let result = local(move || {
                    Box::pin(async move {
                        let tell = move |step: usize, total: usize, _: &str, _: &str| {
                            steps.send(SyncMsg::Step { gen, step, total }.into())
                        };
                        let mut h = sync::SyncHandout::new(&ctx);
                        let o = sync::apply::resume(&ctx, &tell, &mut |l| h.take(l)).await?;
                        Ok(ended(&h, o))
                    })
                })
                .await;
                out.send(SyncMsg::Finished { gen, result }.into());
            });
        }
    }
}
