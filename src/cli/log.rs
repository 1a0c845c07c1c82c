//! `schooltech log …`

use super::output::print_log;
use super::{ExitCode, FormatArg};
use crate::domain::time::{parse_date, start_of_day};
use crate::error::{Error, Result};
use crate::ops::{self, Ctx};
use crate::store::{ChainStatus, LogFilter, NewAction, Outcome, Store};
use clap::Subcommand;

/// Action-log commands.
#[derive(Debug, Subcommand)]
pub enum LogCmd {
    /// Show the action log, newest first.
    #[command(
        after_help = "Examples:\n  schooltech log show --since 2026-09-01 --target jo.smith\n  schooltech log show --limit 20 --format json"
    )]
    Show {
        /// Only entries from this day on (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only entries whose target contains this text.
        #[arg(long, value_name = "TEXT")]
        target: Option<String>,
        /// Only this action (e.g. account.disable).
        #[arg(long)]
        action: Option<String>,
        /// Only this operator.
        #[arg(long)]
        operator: Option<String>,
        /// At most this many entries.
        #[arg(long)]
        limit: Option<usize>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Check the hash chain: exit 0 when whole, 1 naming the first entry that breaks it. Prints
    /// the head (row count and last hash).
    #[command(
        after_help = "Examples:\n  schooltech log verify\n  schooltech log verify --anchor 1200:3f9a0c... --journal"
    )]
    Verify {
        /// Also check an anchor printed earlier by `log anchor` (N:HASH): fails when row N is
        /// missing or differs.
        #[arg(long, value_name = "N:HASH")]
        anchor: Option<String>,
        /// Also compare every row with its copy in the system journal (syslog), when readable.
        #[arg(long)]
        journal: bool,
    },
    /// Close an entry `log pending` cannot settle by itself, after checking the directory by
    /// hand: --done records it in the action log, --not-done records that nothing was changed.
    #[command(
        after_help = "Example:\n  schooltech log settle 42 --done --reason \"checked in ADUC: the password was set\""
    )]
    Settle {
        /// The journal entry's number (as `log pending` shows it).
        id: i64,
        /// It is in the directory.
        #[arg(
            long,
            conflicts_with = "not_done",
            required_unless_present = "not_done"
        )]
        done: bool,
        /// It is not in the directory.
        #[arg(long)]
        not_done: bool,
        /// What you checked (kept in the log).
        #[arg(long)]
        reason: String,
    },
    /// Print the head of the log (N:HASH) for the termly report; check it later with
    /// `log verify --anchor N:HASH`.
    #[command(after_help = "Example:\n  schooltech log anchor > anchor-$(date +%F).txt")]
    Anchor,
    /// Changes that were started but never finished (the program was killed or lost the
    /// connection mid-way): check these accounts in the directory. Exit 1 if there are any.
    #[command(after_help = "Example:\n  schooltech log pending")]
    Pending,
}

/// Runs a log command.
pub async fn run(ctx: &Ctx, cmd: &LogCmd) -> Result<ExitCode> {
    let store = Store::open(&ctx.config.store.path)?;
    match cmd {
        LogCmd::Show {
            since,
            target,
            action,
            operator,
            limit,
            format,
        } => {
            let since = since
                .as_deref()
                .map(parse_date)
                .transpose()
                .map_err(Error::Usage)?
                .map(start_of_day);
            let f = LogFilter {
                since,
                target: target.clone(),
                action: action.clone(),
                operator: operator.clone(),
                limit: *limit,
            };
            print_log(&ops::log::show(&store, &f)?, format.format)?;
            Ok(0)
        }
        LogCmd::Pending => {
            // Read the directory for everything unknown or interrupted, and record what it shows.
            let settled = if ctx.is_demo() {
                Vec::new()
            } else {
                ops::settle::settle(ctx, &store).await?
            };
            for s in &settled {
                outln!("{}", ops::settle::describe(s));
            }
            // Still open: unknown, interrupted, or still running in another schooltech.
            let open: Vec<_> = store
                .journal_open()?
                .into_iter()
                .filter(|j| j.needs_settling() || j.pid.is_some())
                .collect();
            for j in &open {
                outln!(
                    "#{}  {}  {}  {:<18} {}  {}  {}",
                    j.id,
                    crate::domain::time::london_format(j.started_at, "%-d %b %Y %H:%M"),
                    j.operator,
                    j.action,
                    j.target,
                    match (j.state, j.needs_settling(), j.pid) {
                        (crate::store::JournalState::Unknown, _, _) => "unknown".to_string(),
                        (_, true, _) => "interrupted".to_string(),
                        (_, false, Some(p)) => format!("running (process {p})"),
                        _ => j.state.as_str().to_string(),
                    },
                    j.details,
                );
                if let Some(e) = j.error.as_deref() {
                    outln!("    {e}");
                }
            }
            if open.is_empty() {
                outln!("no interrupted changes");
                Ok(0)
            } else {
                outln!(
                    "{} changes are not known to be finished: check those accounts (e.g. `schooltech accounts show USER`) and redo what is missing",
                    open.len()
                );
                Ok(1)
            }
        }
        LogCmd::Settle {
            id,
            done,
            not_done: _,
            reason,
        } => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(Error::Usage("say what you checked (--reason TEXT)".into()));
            }
            let e = store
                .journal_entry(*id)?
                .filter(|e| e.needs_settling())
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "journal entry {id} is not open (see `schooltech log pending`)"
                    ))
                })?;
            let by_hand = format!("settled by hand: {reason}");
            if *done {
                let mut details = e.details.clone();
                if let serde_json::Value::Object(d) = &mut details {
                    d.insert("settled".into(), serde_json::json!(by_hand));
                }
                let row = NewAction {
                    action: &e.action,
                    target: &e.target,
                    details,
                };
                store.journal_settle(e.id, &Outcome::Done, Some(row), ctx.wall_now())?;
                outln!(
                    "journal entry {id} ({} {}) recorded as done",
                    e.action,
                    e.target
                );
            } else {
                store.journal_settle(e.id, &Outcome::Failed(by_hand), None, ctx.wall_now())?;
                outln!(
                    "journal entry {id} ({} {}) recorded as not done",
                    e.action,
                    e.target
                );
            }
            Ok(0)
        }
        LogCmd::Anchor => {
            outln!("{}", ops::log::anchor(&store)?);
            Ok(0)
        }
        LogCmd::Verify { anchor, journal } => {
            let wanted = anchor.as_deref().map(ops::log::parse_anchor).transpose()?;
            let mut code = match ops::log::verify(&store)? {
                ChainStatus::Whole { rows } => {
                    outln!(
                        "✓ action log whole: {rows} entries, every hash matches ({})",
                        store.path().display()
                    );
                    0
                }
                ChainStatus::Broken { id, reason } => {
                    outln!("✗ action log broken at entry {id}: {reason}");
                    outln!("  entries before {id} are intact; keep a copy of {} and find out who changed it", store.path().display());
                    1
                }
            };
            outln!(
                "  head: {}  (keep it outside this machine: `schooltech log anchor`, then \
                 `log verify --anchor N:HASH` later)",
                ops::log::anchor(&store)?
            );
            if let Some((n, hash)) = wanted {
                match ops::log::check_anchor(&store, n, &hash)? {
                    None => outln!("✓ anchor {n}:{hash} holds"),
                    Some(why) => {
                        outln!("✗ anchor {n}:{hash} fails: {why}");
                        code = 1;
                    }
                }
            }
            if *journal {
                match ops::log::check_journal(&store)? {
                    ops::log::JournalCheck::Matches { rows } => {
                        outln!("✓ system journal: its copy of {rows} rows matches the store")
                    }
                    ops::log::JournalCheck::Unavailable(why) => {
                        outln!("- system journal not compared: {why}")
                    }
                    ops::log::JournalCheck::Differs(problems) => {
                        for p in problems {
                            outln!("✗ system journal: {p}");
                        }
                        code = 1;
                    }
                }
            }
            Ok(code)
        }
    }
}
