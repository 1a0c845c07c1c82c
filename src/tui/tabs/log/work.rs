//! Background work of the Log tab: read the action log and verify its chain.

use crate::error::Result;
use crate::ops::{self, Ctx};
use crate::ops::{ActionEntry, ChainStatus, LogFilter};
use crate::tui::work::{blocking, Outbox};
use std::sync::Arc;

/// How many log rows the Log tab reads at most.
pub const LOG_LIMIT: usize = 5_000;

/// Work for the Log tab.
#[derive(Debug)]
pub enum LogCmd {
    /// Read the action log and verify its chain.
    Load {
        /// Generation.
        gen: u64,
        /// Which rows.
        filter: LogFilter,
    },
}

/// Answers for the Log tab.
#[derive(Debug)]
pub enum LogMsg {
    /// The action log was read and verified.
    Loaded {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<(Vec<ActionEntry>, ChainStatus)>,
    },
}

/// The log rows that pass `filter` (newest first) and the chain status.
pub fn read_log(ctx: &Ctx, filter: &LogFilter) -> Result<(Vec<ActionEntry>, ChainStatus)> {
    let store = ctx.store()?;
    let mut f = filter.clone();
    f.limit = Some(f.limit.unwrap_or(LOG_LIMIT));
    let rows = ops::log::show(&store, &f)?;
    let chain = ops::log::verify(&store)?;
    Ok((rows, chain))
}

/// Starts `cmd` on a tokio task.
pub fn spawn(ctx: Arc<Ctx>, out: Outbox<LogMsg>, cmd: LogCmd) {
    match cmd {
        LogCmd::Load { gen, filter } => {
            tokio::spawn(async move {
                let result = blocking(move || read_log(&ctx, &filter)).await;
                out.send(LogMsg::Loaded { gen, result });
            });
        }
    }
}
