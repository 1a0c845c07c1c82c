//! Background work of the Leavers tab. Every call goes through `ops::leavers` exactly as the CLI
//! does (`leavers scan`, `sweep`, `sweep --resume`, `sweep list`, `sweep report`, `leavers
//! restore`): the journal, the action log and the protection rules are theirs. The sweep holds
//! the store across directory calls, so it runs on a blocking thread driving the runtime
//! ([`local`]); each step it works through comes back as a [`LeaversMsg::Step`].

use crate::domain::account::Account;
use crate::domain::secret::Secret;
use crate::error::Result;
use crate::ops::leavers::sweep::{self, Plan, RunOutcome, RunReport, StepEvent, StepRow};
use crate::ops::leavers::{self, restore};
use crate::ops::Ctx;
use crate::ops::{LeaverRecord, SweepRun};
use crate::tui::work::{join_error, Outbox};
use std::future::Future;
use std::sync::Arc;

/// What a scan read: the findings, the notes, and where the MIS export came from (None: no
/// export configured, so the scan ran without the MIS).
#[derive(Debug, Clone)]
pub struct ScanResult {
    /// The scan.
    pub scan: leavers::Scan,
    /// Where the MIS export came from.
    pub source: Option<String>,
    /// Rows in the export.
    pub mis_rows: usize,
}

/// A restore's answer: the account now, what it was restored from, its one-time password.
#[derive(Debug)]
pub struct RestoreDone {
    /// The account now.
    pub account: Account,
    /// The record it was restored from.
    pub record: LeaverRecord,
    /// The temporary password (shown once).
    pub password: Option<Secret>,
}

/// Work for the Leavers tab.
#[derive(Debug)]
pub enum LeaversCmd {
    /// Scan every account (with the MIS export, if there is one).
    Scan {
        /// Generation.
        gen: u64,
    },
    /// Plan the sweep (the preview).
    Plan {
        /// Generation.
        gen: u64,
    },
    /// Carry out the plan (the accounts the technician kept in it).
    Apply {
        /// Generation.
        gen: u64,
        /// The plan.
        plan: Box<Plan>,
        /// Where the MIS export came from.
        source: String,
        /// Create the Leavers OU first.
        create_ou: bool,
    },
    /// Finish the unfinished run.
    Resume {
        /// Generation.
        gen: u64,
    },
    /// Read the runs.
    Runs {
        /// Generation.
        gen: u64,
    },
    /// Read one run's report.
    Report {
        /// Generation.
        gen: u64,
        /// The run.
        run_id: String,
    },
    /// Restore one account from its leaver record.
    Restore {
        /// Generation.
        gen: u64,
        /// The username.
        user: String,
    },
    /// The Sync view's work.
    Sync(super::sync_work::SyncCmd),
}

/// Answers for the Leavers tab (moved once, through the channel: no boxing of the big ones).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum LeaversMsg {
    /// The scan.
    Scanned {
        /// Generation.
        gen: u64,
        /// What it found.
        result: Result<ScanResult>,
    },
    /// The plan.
    Planned {
        /// Generation.
        gen: u64,
        /// The plan and where the MIS export came from.
        result: Result<Box<(Plan, String)>>,
    },
    /// The steps of the run being resumed, before its work starts.
    RunSteps {
        /// Generation.
        gen: u64,
        /// The run and its steps: (step, action, target, state).
        result: Result<Option<(String, Vec<StepRow>)>>,
    },
    /// One step of the run being worked through.
    Step {
        /// Generation.
        gen: u64,
        /// The step.
        event: StepEvent,
    },
    /// The run ended (or stopped); None: nothing to do.
    Finished {
        /// Generation.
        gen: u64,
        /// How it ended.
        result: Result<Option<RunOutcome>>,
    },
    /// The runs, newest first.
    Runs {
        /// Generation.
        gen: u64,
        /// The runs.
        result: Result<Vec<SweepRun>>,
    },
    /// One run's report.
    Report {
        /// Generation.
        gen: u64,
        /// The report.
        result: Result<Box<RunReport>>,
    },
    /// A restore.
    Restored {
        /// Generation.
        gen: u64,
        /// The username.
        user: String,
        /// What it did.
        result: Result<RestoreDone>,
    },
    /// The Sync view's answers.
    Sync(super::sync_work::SyncMsg),
}

/// Runs `fut` on a blocking thread that drives the runtime: for work that holds the store (not
/// `Sync`) across directory calls, as the sweep does.
pub(super) async fn local<T: Send + 'static>(
    fut: impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<T>>>> + Send + 'static,
) -> Result<T> {
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(fut()))
        .await
        .unwrap_or_else(|e| Err(join_error(e)))
}

/// The scan, as `leavers scan` does it.
pub async fn scan(ctx: &Ctx) -> Result<ScanResult> {
    let export = leavers::load_mis(ctx, None)?;
    let source = leavers::mis_source(ctx, None);
    let mis_rows = export.as_ref().map_or(0, |e| e.rows.len());
    let scan = leavers::scan(ctx, export.as_ref()).await?;
    Ok(ScanResult {
        scan,
        source,
        mis_rows,
    })
}

/// The sweep's plan, as `sweep` prints it.
pub async fn plan(ctx: &Ctx) -> Result<(Plan, String)> {
    let export = leavers::load_mis(ctx, None)?.ok_or_else(|| {
        crate::error::Error::Usage(
            "no MIS export: name it in the configuration ([mis] file = \"/path/to/leavers.csv\") and start the program again".into(),
        )
    })?;
    let source = leavers::mis_source(ctx, None).unwrap_or_else(|| "MIS export".into());
    Ok((sweep::plan(ctx, &export).await?, source))
}

/// Starts `cmd` on a tokio task.
pub fn spawn(ctx: Arc<Ctx>, out: Outbox<LeaversMsg>, cmd: LeaversCmd) {
    match cmd {
        LeaversCmd::Sync(c) => super::sync_work::spawn(ctx, out, c),
        LeaversCmd::Scan { gen } => {
            tokio::spawn(async move {
                let result = local(move || Box::pin(async move { scan(&ctx).await })).await;
                out.send(LeaversMsg::Scanned { gen, result });
            });
        }
        LeaversCmd::Plan { gen } => {
            tokio::spawn(async move {
                let result =
                    local(move || Box::pin(async move { plan(&ctx).await.map(Box::new) })).await;
                out.send(LeaversMsg::Planned { gen, result });
            });
        }
        LeaversCmd::Apply {
            gen,
            plan,
            source,
            create_ou,
        } => {
            tokio::spawn(async move {
                let steps = out.clone();
                let result = local(move || {
                    Box::pin(async move {
                        let tell =
                            move |event: StepEvent| steps.send(LeaversMsg::Step { gen, event });
                        let mut plan = plan;
                        if create_ou && plan.ou_missing {
                            sweep::create_leavers_ou(&ctx).await?;
                            plan.ou_missing = false;
                        }
                        sweep::apply_with(&ctx, &plan, &source, &tell).await
                    })
                })
                .await;
                out.send(LeaversMsg::Finished { gen, result });
            });
        }
        LeaversCmd::Resume { gen } => {
            tokio::spawn(async move {
                let steps = out.clone();
                let result = local(move || {
                    Box::pin(async move {
                        let open = sweep::unfinished(&ctx)?;
                        let listed = match &open {
                            Some(r) => Some((r.run_id.clone(), sweep::run_steps(&ctx, &r.run_id)?)),
                            None => None,
                        };
                        steps.send(LeaversMsg::RunSteps {
                            gen,
                            result: Ok(listed),
                        });
                        let tell =
                            move |event: StepEvent| steps.send(LeaversMsg::Step { gen, event });
                        sweep::resume_with(&ctx, &tell).await
                    })
                })
                .await;
                out.send(LeaversMsg::Finished { gen, result });
            });
        }
        LeaversCmd::Runs { gen } => {
            tokio::spawn(async move {
                let result = crate::tui::work::blocking(move || sweep::runs(&ctx)).await;
                out.send(LeaversMsg::Runs { gen, result });
            });
        }
        LeaversCmd::Report { gen, run_id } => {
            tokio::spawn(async move {
                let result =
                    crate::tui::work::blocking(move || sweep::report(&ctx, &run_id).map(Box::new))
                        .await;
                out.send(LeaversMsg::Report { gen, result });
            });
        }
        LeaversCmd::Restore { gen, user } => {
            tokio::spawn(async move {
                let u = user.clone();
                let result = local(move || {
                    Box::pin(async move {
                        let r = restore::restore(&ctx, &u).await?;
                        Ok(RestoreDone {
                            account: r.account,
                            record: r.record,
                            password: r.password,
                        })
                    })
                })
                .await;
                out.send(LeaversMsg::Restored { gen, user, result });
            });
        }
    }
}
