//! `schooltech sync`: the MIS roll against the directory (dry run by default), `--apply --yes`,
//! `--resume`, `--learn`.

use super::output::{with_stdout, write_json};
use super::ExitCode;
use crate::error::{Error, Result};
use crate::ops::sync::apply::{RunOutcome, SlipLine};
use crate::ops::sync::{self, SyncPlan};
use crate::ops::Ctx;
use clap::Args;
use std::path::PathBuf;

/// `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The whole roll (pupils and staff) exported from the MIS ([mis] file when not given).
    #[arg(long, value_name = "ROLL.csv")]
    pub mis: Option<PathBuf>,
    /// Carry out the plan (with --yes); without it the plan is only printed.
    #[arg(long)]
    pub apply: bool,
    /// Confirm --apply (or --learn's writing of the rules).
    #[arg(long)]
    pub yes: bool,
    /// Finish the last unfinished sync run (after a kill, a lost connection, a full disk).
    #[arg(long, conflicts_with_all = ["mis", "apply", "learn"])]
    pub resume: bool,
    /// Learn the layout rules ([sync.layout.ROLE]) from the directory and the roll; written to
    /// the configuration with --yes.
    #[arg(long, conflicts_with = "apply")]
    pub learn: bool,
    /// With --apply: write password slips for created and reactivated accounts (PDF, mode 0600).
    #[arg(long, value_name = "FILE.pdf")]
    pub slips: Option<PathBuf>,
    /// Output format of the plan.
    #[arg(long, value_enum, default_value_t = TableJson::Table)]
    pub format: TableJson,
}

use super::TableJson;

fn print_plan(p: &SyncPlan, format: TableJson) -> Result<()> {
    with_stdout(|w| {
        if format == TableJson::Json {
            return write_json(w, &sync::plan_json(p));
        }
        let q = &p.plan;
        wln!(w, "Sync plan: {}", sync::counts_line(q))?;
        if p.encoding != "UTF-8" && !p.encoding.is_empty() {
            wln!(
                w,
                "note: the roll is not UTF-8; it was read as {}",
                p.encoding
            )?;
        }
        let summary = q.summary_by_year();
        if !summary.is_empty() {
            wln!(w)?;
            wln!(w, "By year:")?;
            for s in summary {
                wln!(w, "  {s}")?;
            }
        }
        for (title, list) in [
            ("Create", &q.create),
            ("Move", &q.moves),
            ("Rename", &q.rename),
            (
                "Tolerate (missing from the roll; still working)",
                &q.tolerate,
            ),
            ("Reactivate", &q.reactivate),
            ("Review (nothing is done)", &q.review),
        ] {
            if list.is_empty() {
                continue;
            }
            wln!(w)?;
            wln!(w, "{title}: {}", list.len())?;
            for e in list {
                let i = &e.item;
                let place = match (i.from.is_empty(), i.to.is_empty()) {
                    (true, true) => String::new(),
                    (false, true) => format!(" [{}]", i.from),
                    (true, false) => format!(" → {}", i.to),
                    (false, false) => format!(" [{} → {}]", i.from, i.to),
                };
                wln!(
                    w,
                    "  {} ({}, {}){place}: {}",
                    if i.username.is_empty() {
                        "-"
                    } else {
                        &i.username
                    },
                    i.name,
                    i.mis_id,
                    i.reason
                )?;
            }
        }
        Ok(())
    })
}

/// Passwords as they are set: a handout file (0600) written line by line, and the slips kept
/// in memory for the PDF at the end.
/// The passwords set: into the handout as they come, and kept for the slips.
struct Passwords<'a> {
    handout: sync::SyncHandout<'a>,
    lines: Vec<SlipLine>,
}

impl Passwords<'_> {
    fn take(&mut self, l: &SlipLine) -> Result<()> {
        self.handout.take(l)?;
        self.lines.push(l.clone());
        Ok(())
    }
}

fn finish(
    ctx: &Ctx,
    o: &RunOutcome,
    pw: &Passwords<'_>,
    slips: Option<&PathBuf>,
) -> Result<ExitCode> {
    for s in &o.summary {
        outln!("  {s}");
    }
    outln!(
        "sync {}: {} step(s) done now, {} done before{}",
        o.run_id,
        o.done,
        o.already,
        if o.finished {
            "; finished"
        } else {
            "; NOT finished"
        }
    );
    if let Some((path, n)) = pw.handout.written() {
        outln!(
            "{n} temporary password(s) written to {} (mode 0600); hand them out, then delete it",
            path.display()
        );
    }
    if let Some(path) = slips {
        sync::slips::write(
            path,
            &ctx.config.school.name,
            &ctx.config.sync.slip_text,
            &pw.lines,
        )?;
        outln!(
            "{} slip(s) written to {} (mode 0600); print them, then delete the file",
            pw.lines.len(),
            path.display()
        );
    }
    if !o.lost_passwords.is_empty() {
        errln!(
            "the temporary passwords of {} account(s) made before the interruption are not known: reset them (schooltech accounts reset-password USER --generate): {}",
            o.lost_passwords.len(),
            o.lost_passwords.join(", ")
        );
    }
    for r in &o.refused {
        errln!("refused (no longer the account planned; nothing was done to it): {r}");
    }
    for p in &o.problems {
        errln!("problem: {p}");
    }
    if !o.finished {
        errln!("fix what is said above, then run `schooltech sync --resume`");
    }
    Ok(i32::from(!o.finished))
}

/// Runs `sync`.
pub async fn run(ctx: &Ctx, a: &SyncArgs) -> Result<ExitCode> {
    // Guards first: a changing sync is refused under --as-of (and stops a --dry-run) before the
    // roll is read, with the gate's own words.
    if a.resume {
        ctx.refuse_as_of("sync --resume")?;
    } else if a.apply {
        ctx.refuse_as_of("sync --apply")?;
    } else if a.learn && a.yes {
        ctx.refuse_as_of("sync --learn --yes")?;
    }
    if let Some(p) = &a.slips {
        if !a.apply && !a.resume {
            return Err(Error::Usage(
                "--slips goes with --apply --yes (the slips hold the new passwords)".into(),
            ));
        }
        if p.exists() {
            return Err(Error::Usage(format!(
                "{} already exists; give a new file name for the slips (they hold passwords); nothing was done",
                p.display()
            )));
        }
    }
    let mut pw = Passwords {
        handout: sync::SyncHandout::new(ctx),
        lines: Vec::new(),
    };
    // The same bar as the other long runs on a terminal, plain lines off it (made once the
    // total is known, at the first step).
    let bar: std::sync::OnceLock<super::progress::Progress> = std::sync::OnceLock::new();
    let progress = |step: usize, total: usize, _: &str, _: &str| {
        bar.get_or_init(|| super::progress::Progress::new("sync steps", total as u64))
            .set(step as u64);
    };
    if a.resume {
        let r = sync::apply::resume(ctx, &progress, &mut |l| pw.take(l)).await;
        if let Some(b) = bar.get() {
            b.finish();
        }
        return match r? {
            None => {
                outln!("no unfinished sync: nothing to resume");
                Ok(0)
            }
            Some(o) => finish(ctx, &o, &pw, a.slips.as_ref()),
        };
    }
    if let Some(run) = sync::apply::unfinished(ctx)? {
        if a.apply {
            return Err(Error::Usage(format!(
                "sync {} did not finish; run `schooltech sync --resume` to finish it first",
                run.run_id
            )));
        }
        errln!(
            "note: sync {} did not finish; `schooltech sync --resume` finishes it",
            run.run_id
        );
    }
    let roll = sync::read_roll_file(ctx, a.mis.as_deref())?;
    if a.learn {
        let p = sync::learn::propose(ctx, &roll).await?;
        for l in sync::learn::describe(&p, ctx.dir.base_dn()) {
            outln!("{l}");
        }
        if !a.yes {
            errln!("nothing was written; run again with --yes to write these rules to the configuration");
            return Ok(1);
        }
        let path = sync::learn::write(ctx, &p)?;
        outln!("the rules are written to {}", path.display());
        return Ok(0);
    }
    let plan = sync::plan(ctx, &roll).await?;
    if let Some(why) = &plan.plan.refused {
        return Err(Error::Usage(why.clone()));
    }
    if !a.apply {
        print_plan(&plan, a.format)?;
        if plan.plan.has_work() {
            errln!("dry run: nothing was changed; run again with --apply --yes to carry it out");
            return Ok(1);
        }
        return Ok(0);
    }
    if !a.yes {
        print_plan(&plan, a.format)?;
    }
    if !super::go_ahead(
        ctx,
        a.apply,
        a.yes,
        "--apply changes the directory: add --yes to confirm the plan above",
    )? {
        errln!("dry run: nothing was changed");
        return Ok(i32::from(plan.plan.has_work()));
    }
    let q = &plan.plan;
    outln!(
        "Sync: {} to create, {} to move, {} to rename, {} tolerated, {} to reactivate, {} for review (not acted on), {} unchanged",
        q.create.len(),
        q.moves.len(),
        q.rename.len(),
        q.tolerate.len(),
        q.reactivate.len(),
        q.review.len(),
        q.unchanged
    );
    let r = sync::apply::apply_with(ctx, &plan, &progress, &mut |l| pw.take(l)).await;
    if let Some(b) = bar.get() {
        b.finish();
    }
    match r? {
        None => {
            outln!(
                "nothing to change; {} tolerated mark(s) kept",
                plan.marks.len()
            );
            if let Some(path) = &a.slips {
                sync::slips::write(
                    path,
                    &ctx.config.school.name,
                    &ctx.config.sync.slip_text,
                    &[],
                )?;
            }
            Ok(0)
        }
        Some(o) => finish(ctx, &o, &pw, a.slips.as_ref()),
    }
}
