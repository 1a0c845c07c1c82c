//! `schooltech sweep …`: the leaver-day sweep (dry run by default), resume, list, report.

use super::output::{with_stdout, write_json, write_table};
use super::ExitCode;
use crate::error::{Error, Result};
use crate::ops::leavers::sweep::{self, Plan, RunOutcome};
use crate::ops::{leavers, Ctx};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `sweep` and its subcommands.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    /// A subcommand (none: plan the sweep from --mis, or carry it out with --apply --yes).
    #[command(subcommand)]
    pub cmd: Option<SweepCmd>,
    /// The MIS export (the demo has its own).
    #[arg(long, value_name = "FILE")]
    pub mis: Option<PathBuf>,
    /// Carry out the plan (with --yes); without it the plan is only printed.
    #[arg(long)]
    pub apply: bool,
    /// Confirm --apply without asking (needed where there is no terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// With --apply: create the Leavers OU ([leavers] ou) first when it does not exist.
    #[arg(long, requires = "apply")]
    pub create_ou: bool,
    /// Finish the last unfinished run (after a kill, a lost connection, a full disk).
    #[arg(long, conflicts_with_all = ["mis", "apply"])]
    pub resume: bool,
    /// Output format of the plan.
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
}

/// Text or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextJson {
    /// For people (`text` is the same).
    #[value(name = "table", alias = "text")]
    Text,
    /// JSON.
    Json,
}

/// Sweep subcommands.
#[derive(Debug, Subcommand)]
pub enum SweepCmd {
    /// The runs, newest first.
    #[command(after_help = "Example:\n  schooltech sweep list")]
    List,
    /// What a run did, with the shared logins staff leavers knew and equipment still on loan.
    #[command(after_help = "Example:\n  schooltech sweep report 4")]
    Report {
        /// The run id (from `sweep list`).
        run_id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TextJson::Text)]
        format: TextJson,
    },
    /// Delete suspended accounts past their grace period ([leavers] grace_days), keeping a
    /// minimal record; a dry run unless --apply --yes.
    #[command(
        after_help = "Examples:\n  schooltech sweep purge              (dry run)\n  schooltech sweep purge --apply --yes"
    )]
    Purge {
        /// Carry it out (with --yes).
        #[arg(long)]
        apply: bool,
        /// Confirm --apply without asking (needed where there is no terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

fn print_plan(p: &Plan, format: TextJson) -> Result<()> {
    with_stdout(|w| {
        if format == TextJson::Json {
            return write_json(w, p);
        }
        wln!(
            w,
            "Sweep plan: {} account(s) to suspend, {} step(s)",
            p.accounts.len(),
            p.step_count()
        )?;
        for a in &p.accounts {
            wln!(w)?;
            wln!(
                w,
                "{} ({}) - {}: {}",
                a.finding.username,
                a.finding.role.as_deref().unwrap_or("no role"),
                a.finding.reason.as_str(),
                a.finding.evidence
            )?;
            for s in &a.steps {
                wln!(w, "  - {}", s.describe)?;
            }
            for x in a.finding.extras() {
                wln!(w, "  {x}")?;
            }
        }
        if !p.by_hand.is_empty() {
            writeln!(
                w,
                "\nLinked accounts to disable by hand (protected: schooltech never acts on them):"
            )?;
            for b in &p.by_hand {
                writeln!(
                    w,
                    "  {} ({}; {}), with {}: {}",
                    b.username, b.name, b.link, b.linked_to, b.why
                )?;
            }
        }
        if !p.review.is_empty() {
            wln!(w)?;
            wln!(w, "For review (never acted on by the sweep):")?;
            for f in &p.review {
                wln!(
                    w,
                    "  {} - {}: {}",
                    f.username,
                    f.reason.as_str(),
                    f.evidence
                )?;
                for x in f.extras() {
                    wln!(w, "    {x}")?;
                }
            }
        }
        if !p.protected.is_empty() {
            wln!(w)?;
            wln!(w, "Protected (never acted on):")?;
            for f in &p.protected {
                wln!(
                    w,
                    "  {} - {}: {}",
                    f.username,
                    f.reason.as_str(),
                    f.evidence
                )?;
            }
        }
        for n in &p.notes {
            wln!(w)?;
            wln!(w, "note: {n}")?;
        }
        Ok(())
    })
}

fn print_outcome(o: &RunOutcome) -> ExitCode {
    outln!(
        "sweep {}: {} step(s) done now, {} done before{}",
        o.run_id,
        o.done,
        o.already,
        if o.finished {
            "; finished"
        } else {
            "; NOT finished"
        }
    );
    for p in &o.problems {
        errln!("problem: {p}");
    }
    for r in &o.refused {
        errln!("refused: {r}");
    }
    if !o.finished {
        errln!("fix what is said above, then run `schooltech sweep --resume`");
    }
    i32::from(!o.finished || !o.refused.is_empty())
}

/// Runs `sweep`.
pub async fn run(ctx: &Ctx, a: &SweepArgs) -> Result<ExitCode> {
    match &a.cmd {
        Some(SweepCmd::List) => {
            let store = ctx.store()?;
            let runs = store.sweep_runs()?;
            let rows: Vec<Vec<String>> = runs
                .iter()
                .map(|r| {
                    vec![
                        r.run_id.clone(),
                        r.kind.clone(),
                        r.created_at.format("%Y-%m-%d %H:%M").to_string(),
                        r.operator.clone(),
                        r.steps.to_string(),
                        match r.finished_at {
                            Some(t) => format!("finished {}", t.format("%Y-%m-%d %H:%M")),
                            None => "UNFINISHED (sweep --resume)".into(),
                        },
                    ]
                })
                .collect();
            with_stdout(|w| {
                write_table(
                    w,
                    &["RUN", "KIND", "PLANNED", "BY", "STEPS", "STATE"],
                    &rows,
                )
            })?;
            Ok(0)
        }
        Some(SweepCmd::Report { run_id, format }) => {
            let r = sweep::report(ctx, run_id)?;
            with_stdout(|w| {
                if *format == TextJson::Json {
                    return write_json(w, &r);
                }
                wln!(
                    w,
                    "Sweep {} ({}), planned {} by {} from {}; {}",
                    r.run.run_id,
                    r.run.kind,
                    r.run.created_at.format("%Y-%m-%d %H:%M"),
                    r.run.operator,
                    r.run.source,
                    match r.run.finished_at {
                        Some(t) => format!("finished {}", t.format("%Y-%m-%d %H:%M")),
                        None => "unfinished".into(),
                    }
                )?;
                for a in &r.accounts {
                    let rec = &a.record;
                    wln!(w)?;
                    wln!(
                        w,
                        "{} ({}) {}; left {}; was in {}",
                        rec.username,
                        rec.role.as_deref().unwrap_or("no role"),
                        rec.reason,
                        rec.leaving_date
                            .map(|d| d.to_string())
                            .unwrap_or("-".into()),
                        crate::domain::dn::parent_dn(&rec.dn)
                    )?;
                    if !rec.groups.is_empty() {
                        wln!(w, "  groups before: {}", rec.groups.join("; "))?;
                    }
                    for s in &a.steps {
                        wln!(
                            w,
                            "  step {:>3} {:<15} {}{}",
                            s.step,
                            s.action,
                            s.state.as_str(),
                            s.error
                                .as_deref()
                                .map(|e| format!(": {e}"))
                                .unwrap_or_default()
                        )?;
                    }
                    for c in &a.credentials_due {
                        wln!(w, "  shared login: {c}")?;
                    }
                    for e in &a.equipment_on_loan {
                        wln!(w, "  on loan: {e}")?;
                    }
                }
                Ok(())
            })?;
            Ok(0)
        }
        Some(SweepCmd::Purge { apply, yes }) => {
            let due = sweep::plan_purge(ctx).await?;
            for f in &due {
                outln!("{}: delete ({})", f.username, f.evidence);
            }
            if !*apply || !*yes || ctx.dry_run {
                outln!("{} account(s) past their grace period", due.len());
            }
            let go = due.is_empty()
                || super::go_ahead(
                    ctx,
                    *apply,
                    *yes,
                    "--apply deletes accounts: add --yes to confirm the list above",
                )?;
            if !go || !*apply || ctx.dry_run {
                if !due.is_empty() || ctx.dry_run {
                    errln!("dry run: nothing was deleted; run again with --apply --yes");
                }
                return Ok(0);
            }
            let progress = super::progress::Progress::new("purging leavers", due.len() as u64);
            let done = std::sync::atomic::AtomicU64::new(0);
            let tell = |e: sweep::StepEvent| {
                if e.state != sweep::StepState::Running {
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    progress.set(n);
                }
            };
            let result = sweep::purge_with(ctx, &due, &tell).await;
            progress.finish();
            match result? {
                None => {
                    outln!("nothing to purge");
                    Ok(0)
                }
                Some(o) => Ok(print_outcome(&o)),
            }
        }
        None if a.resume => match resume_showing_progress(ctx).await? {
            None => {
                outln!("no unfinished sweep: nothing to resume");
                Ok(0)
            }
            Some(o) => Ok(print_outcome(&o)),
        },
        None => {
            let export = leavers::load_mis(ctx, a.mis.as_deref())?.ok_or_else(|| {
                Error::Usage(
                    "give the MIS export: schooltech sweep --mis FILE (or set [mis] file)".into(),
                )
            })?;
            let mut plan = sweep::plan(ctx, &export).await?;
            if !a.apply || !a.yes || ctx.dry_run {
                print_plan(&plan, a.format)?;
            }
            if !super::go_ahead(
                ctx,
                a.apply,
                a.yes,
                "--apply changes the directory: add --yes to confirm the plan above",
            )? {
                if !plan.accounts.is_empty() || ctx.dry_run {
                    errln!("dry run: nothing was changed; run again with --apply --yes to carry it out");
                }
                return Ok(0);
            }
            if plan.ou_missing && a.create_ou && !plan.accounts.is_empty() {
                sweep::create_leavers_ou(ctx).await?;
                outln!(
                    "created the Leavers OU {}",
                    plan.ou.as_deref().unwrap_or_default()
                );
                plan.ou_missing = false;
                plan.notes.retain(|n| !n.starts_with("the Leavers OU"));
            }
            for n in &plan.notes {
                errln!("note: {n}");
            }
            let source =
                leavers::mis_source(ctx, a.mis.as_deref()).unwrap_or_else(|| "MIS export".into());
            // One unit per account: counted when its first step is over (the steps per account vary).
            let progress =
                super::progress::Progress::new("suspending leavers", plan.accounts.len() as u64);
            let seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
            let tell = |e: sweep::StepEvent| {
                if e.state != sweep::StepState::Running {
                    if let Ok(mut s) = seen.lock() {
                        s.insert(e.target);
                        progress.set(s.len() as u64);
                    }
                }
            };
            let result = sweep::apply_with(ctx, &plan, &source, &tell).await;
            progress.finish();
            match result? {
                None => {
                    outln!("nothing to do: no account needs suspending");
                    Ok(0)
                }
                Some(o) => Ok(print_outcome(&o)),
            }
        }
    }
}

/// `sweep --resume` with its progress shown: one unit per step still to finish.
async fn resume_showing_progress(ctx: &Ctx) -> Result<Option<sweep::RunOutcome>> {
    let total = match sweep::unfinished(ctx)? {
        Some(run) => sweep::run_steps(ctx, &run.run_id)?
            .iter()
            .filter(|(_, _, _, state)| state.as_str() != "done")
            .count() as u64,
        None => 0,
    };
    let progress = super::progress::Progress::new("finishing the sweep", total);
    let done = std::sync::atomic::AtomicU64::new(0);
    let tell = |e: sweep::StepEvent| {
        if e.state != sweep::StepState::Running {
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.set(n.min(total));
        }
    };
    let result = sweep::resume_with(ctx, &tell).await;
    progress.finish();
    result
}
