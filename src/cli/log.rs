//! `schooltech log …`

use super::output::{print_log, with_stdout, write_json};
use super::{ExitCode, Format, FormatArg};
use crate::domain::time::{parse_date, start_of_day};
use crate::error::{Error, Result};
use crate::ops::{self, Ctx};
use crate::ops::{ChainStatus, LogFilter};
use clap::Subcommand;
use std::io::Write;

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
    /// Check the hash chain: exit 0 when whole, 1 naming the first entry that breaks it (or when
    /// the log is empty and no --anchor says it should be). Prints the head (row count and last
    /// hash).
    #[command(
        after_help = "Examples:\n  schooltech log verify\n  schooltech log verify --anchor 1200:3f9a0c... --journal"
    )]
    Verify {
        /// Also check an anchor printed earlier by `log anchor` (N:HASH): fails when row N is
        /// missing or differs.
        #[arg(long, value_name = "N:HASH")]
        anchor: Option<String>,
        /// Also compare every row with its copy in the system journal, when readable. Only
        /// entries written by root from the schooltech executable count; others are forged.
        #[arg(long)]
        journal: bool,
        #[command(flatten)]
        format: FormatArg,
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
    let store = ctx.store()?;
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
                ops::settle::settle(ctx).await?
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
                        (crate::ops::JournalState::Unknown, _, _) => "unknown".to_string(),
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
            let e = ops::settle::settle_by_hand(ctx, *id, *done, reason).await?;
            outln!(
                "journal entry {id} ({} {}) recorded as {}",
                e.action,
                e.target,
                if *done { "done" } else { "not done" }
            );
            Ok(0)
        }
        LogCmd::Anchor => {
            outln!("{}", ops::log::anchor(&store)?);
            Ok(0)
        }
        LogCmd::Verify {
            anchor,
            journal,
            format,
        } => {
            let wanted = anchor.as_deref().map(ops::log::parse_anchor).transpose()?;
            let v = ops::log::verify_all(&store, wanted, *journal)?;
            let code = i32::from(!v.findings.is_empty());
            with_stdout(|w| match format.format {
                Format::Json => write_json(w, &v),
                _ => write_verification(w, &v),
            })?;
            Ok(code)
        }
    }
}

/// `log verify` in words.
fn write_verification(w: &mut dyn Write, v: &ops::log::Verification) -> std::io::Result<()> {
    use ops::log::JournalCheck;
    match &v.chain {
        ChainStatus::Whole { .. } if v.status == "empty" => {
            writeln!(
                w,
                "✗ action log {} ({})",
                ops::log::EMPTY_UNANCHORED,
                v.store
            )?;
            writeln!(
                w,
                "  a log that was dropped and made again is empty too; check it against the \
                 anchor in the last termly report: `log verify --anchor N:HASH`"
            )?;
        }
        ChainStatus::Whole { rows } => writeln!(
            w,
            "✓ action log whole: {rows} entries, every hash matches ({})",
            v.store
        )?,
        ChainStatus::Broken { id, reason } => {
            wln!(w, "✗ action log broken at entry {id}: {reason}")?;
            writeln!(
                w,
                "  entries before {id} are intact; keep a copy of {} and find out who changed it",
                v.store
            )?;
        }
    }
    writeln!(
        w,
        "  head: {}  (keep it outside this machine: `schooltech log anchor`, then \
         `log verify --anchor N:HASH` later)",
        v.head
    )?;
    if let Some(a) = &v.anchor {
        match &a.fails {
            None => wln!(w, "✓ anchor {} holds", a.anchor)?,
            Some(why) => wln!(w, "✗ anchor {} fails: {why}", a.anchor)?,
        }
    }
    match &v.journal {
        Some(JournalCheck::Matches { rows }) => writeln!(
            w,
            "✓ system journal: its copy of {rows} rows matches the store"
        )?,
        Some(JournalCheck::Unavailable { reason }) => {
            wln!(w, "- system journal not compared: {reason}")?
        }
        Some(JournalCheck::Differs { problems }) => {
            for p in problems {
                wln!(w, "✗ system journal: {p}")?;
            }
        }
        None => {}
    }
    Ok(())
}
