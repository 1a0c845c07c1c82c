//! Background work of the Report tab: make the termly report (the same `ops` call as
//! `schooltech report termly`).

use crate::error::Result;
use crate::ops::report::{self, PeriodRequest, Report};
use crate::ops::Ctx;
use crate::tui::work::Outbox;
use std::sync::Arc;

/// Work for the Report tab.
#[derive(Debug)]
pub enum ReportCmd {
    /// Make the report for the current term.
    Load {
        /// Generation.
        gen: u64,
    },
}

/// Answers for the Report tab.
#[derive(Debug)]
pub enum ReportMsg {
    /// The report was made.
    Loaded {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<Box<Report>>,
    },
}

/// Starts `cmd` on a tokio task.
pub fn spawn(ctx: Arc<Ctx>, out: Outbox<ReportMsg>, cmd: ReportCmd) {
    match cmd {
        ReportCmd::Load { gen } => {
            tokio::spawn(async move {
                let result = report::termly_for(&ctx, &PeriodRequest::default())
                    .await
                    .map(Box::new);
                out.send(ReportMsg::Loaded { gen, result });
            });
        }
    }
}
