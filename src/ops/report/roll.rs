//! The report's joiners, movers, leavers and returners of the period, from the MIS roll's
//! sync runs (`schooltech sync`), each figure traceable to its run: id, day and roll file.
//!
//! - joiners, movers and returners: the accounts each sync run of the period was planned to
//!   create, move and bring back: its journal steps (`sync.create` targets are joiners,
//!   `sync.enable` targets returners, the other accounts it moves or regroups movers), or, for
//!   a run saved without steps (the demo's September rollover), the accounts its summary lists
//!   under `accounts` (`create`, `move`, `reactivate`);
//! - leavers: the accounts first missed by a roll in the period and still missing (the
//!   tolerated marks), by the run that first missed them (a roll with nothing else to apply
//!   saves no run: its day stands for it).

use super::{evidence, figure, Period, Place, Section};
use crate::domain::time::LondonDate;
use crate::error::Result;
use crate::store::Store;
use chrono::NaiveDate;
use serde::Serialize;

/// One sync run (or a roll that only marked) of the period and what it brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollRun {
    /// The run's id (`sync-YYYYMMDD-HHMMSS-PID`).
    pub run_id: String,
    /// Its day (London).
    pub date: NaiveDate,
    /// The roll file it read ("" when no run was saved: the roll only marked accounts).
    pub roll: String,
    /// Who ran it.
    pub operator: String,
    /// Every step is done.
    pub finished: bool,
    /// Accounts created.
    pub joiners: usize,
    /// Accounts moved (form, year or role).
    pub movers: usize,
    /// Accounts first missed by its roll (and still missing).
    pub leavers: usize,
    /// Accounts brought back.
    pub returners: usize,
}

/// The period's joiners, movers, leavers and returners, and the runs behind them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RollChanges {
    /// Joiners (accounts created by a sync).
    pub joiners: usize,
    /// Movers.
    pub movers: usize,
    /// Leavers (missing from the roll since a day of the period).
    pub leavers: usize,
    /// Returners (reactivated).
    pub returners: usize,
    /// The runs, oldest first.
    pub runs: Vec<RollRun>,
    /// The leavers: "username (MIS id): missing from the roll since DAY (run)".
    #[serde(skip)]
    pub leaver_lines: Vec<String>,
    /// The joiners: "username: created by RUN (DAY, ROLL)".
    #[serde(skip)]
    pub joiner_lines: Vec<String>,
    /// The movers: "username: moved by RUN (DAY, ROLL)".
    #[serde(skip)]
    pub mover_lines: Vec<String>,
    /// The returners: "username: brought back by RUN (DAY, ROLL)".
    #[serde(skip)]
    pub returner_lines: Vec<String>,
}

impl RollChanges {
    /// The rows behind a figure of the roll (`roll.joiners`, …): what it counts, one line
    /// each; None for another key.
    pub fn lines(&self, key: &str) -> Option<&[String]> {
        Some(match key {
            "roll.joiners" => &self.joiner_lines,
            "roll.movers" => &self.mover_lines,
            "roll.leavers" => &self.leaver_lines,
            "roll.returners" => &self.returner_lines,
            _ => return None,
        })
    }
}

/// The accounts a run brought, by kind: (joiners, movers, returners), each sorted and once.
fn run_accounts(
    store: &Store,
    run: &crate::store::sync::SyncRun,
) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
    use std::collections::BTreeSet;
    let steps = store.journal_run(&run.run_id)?;
    if steps.is_empty() {
        let list = |kind: &str| -> Vec<String> {
            let set: BTreeSet<String> = run
                .summary_strings(&["accounts", kind])
                .into_iter()
                .collect();
            set.into_iter().collect()
        };
        return Ok((list("create"), list("move"), list("reactivate")));
    }
    let of = |actions: &[&str]| -> BTreeSet<String> {
        steps
            .iter()
            .filter(|e| actions.contains(&e.action.as_str()))
            .map(|e| e.target.clone())
            .collect()
    };
    let joiners = of(&["sync.create"]);
    let returners = of(&["sync.enable"]);
    let movers: BTreeSet<String> = of(&["sync.move", "sync.groups"])
        .into_iter()
        .filter(|u| !joiners.contains(u) && !returners.contains(u))
        .collect();
    Ok((
        joiners.into_iter().collect(),
        movers.into_iter().collect(),
        returners.into_iter().collect(),
    ))
}

/// Reads the changes of `period` from the store.
pub fn changes(store: &Store, period: &Period) -> Result<RollChanges> {
    let mut runs: Vec<RollRun> = Vec::new();
    let (mut joiner_lines, mut mover_lines, mut returner_lines) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut in_period = store.sync_runs()?;
    in_period.retain(|r| period.contains(r.created_at));
    in_period.sort_by(|a, b| (a.created_at, &a.run_id).cmp(&(b.created_at, &b.run_id)));
    for r in in_period {
        let (joiners, movers, returners) = run_accounts(store, &r)?;
        let date = r.created_at.london_date();
        let by = format!(
            "{} ({}, {})",
            r.run_id,
            date.format("%-d %b %Y"),
            if r.source.is_empty() {
                "a roll with nothing else to apply"
            } else {
                r.source.as_str()
            }
        );
        for (list, lines, did) in [
            (&joiners, &mut joiner_lines, "created"),
            (&movers, &mut mover_lines, "moved"),
            (&returners, &mut returner_lines, "brought back"),
        ] {
            lines.extend(list.iter().map(|u| format!("{u}: {did} by {by}")));
        }
        runs.push(RollRun {
            date,
            roll: r.source.clone(),
            operator: r.operator.clone(),
            finished: r.finished_at.is_some(),
            joiners: joiners.len(),
            movers: movers.len(),
            leavers: 0,
            returners: returners.len(),
            run_id: r.run_id,
        });
    }
    let mut leaver_lines = Vec::new();
    for (m, first_run) in store.sync_marks_first_runs()? {
        if !period.contains_day(m.first) {
            continue;
        }
        leaver_lines.push(format!(
            "{} ({}): missing from the roll since {} ({first_run})",
            m.username,
            m.mis_id,
            m.first.format("%-d %b %Y")
        ));
        match runs.iter_mut().find(|r| r.run_id == first_run) {
            Some(r) => r.leavers += 1,
            None => runs.push(RollRun {
                run_id: first_run,
                date: m.first,
                roll: String::new(),
                operator: String::new(),
                finished: true,
                joiners: 0,
                movers: 0,
                leavers: 1,
                returners: 0,
            }),
        }
    }
    runs.sort_by(|a, b| (a.date, &a.run_id).cmp(&(b.date, &b.run_id)));
    Ok(RollChanges {
        joiners: runs.iter().map(|r| r.joiners).sum(),
        movers: runs.iter().map(|r| r.movers).sum(),
        leavers: runs.iter().map(|r| r.leavers).sum(),
        returners: runs.iter().map(|r| r.returners).sum(),
        runs,
        leaver_lines,
        joiner_lines,
        mover_lines,
        returner_lines,
    })
}

fn roll_name(r: &RollRun) -> String {
    if r.roll.is_empty() {
        "a roll with nothing else to apply".into()
    } else {
        r.roll.clone()
    }
}

/// "3: 2 in sync-… (3 Sep 2026, roll.csv), 1 in …" for one kind.
fn traced(total: usize, runs: &[RollRun], of: impl Fn(&RollRun) -> usize) -> String {
    let parts: Vec<String> = runs
        .iter()
        .filter(|r| of(r) > 0)
        .map(|r| {
            format!(
                "{} in {} ({}, {})",
                of(r),
                r.run_id,
                r.date.format("%-d %b %Y"),
                roll_name(r)
            )
        })
        .collect();
    if parts.is_empty() {
        total.to_string()
    } else {
        format!("{total}: {}", parts.join("; "))
    }
}

/// Adds the figures and evidence to the Leavers section.
pub fn add_to(c: &RollChanges, s: &mut Section) {
    for (key, label, of) in [
        (
            "roll.joiners",
            "Joiners from the MIS roll (accounts created)",
            (|r: &RollRun| r.joiners) as fn(&RollRun) -> usize,
        ),
        ("roll.movers", "Movers (form, year or role changed)", |r| {
            r.movers
        }),
        (
            "roll.leavers",
            "Leavers (first missing from the roll in the period)",
            |r| r.leavers,
        ),
        (
            "roll.returners",
            "Returners (back on the roll, reactivated)",
            |r| r.returners,
        ),
    ] {
        let total: usize = c.runs.iter().map(of).sum();
        let rows = c.lines(key).map(<[String]>::to_vec).unwrap_or_default();
        s.figures.push(
            figure(
                key,
                label,
                traced(total, &c.runs, of),
                "schooltech sync",
                Place::Leavers,
            )
            .listing(rows),
        );
    }
    if !c.runs.is_empty() {
        s.evidence.push(evidence(
            "Sync runs in the period",
            c.runs
                .iter()
                .map(|r| {
                    format!(
                        "{} on {}{}, roll {}: {} joiner(s), {} mover(s), {} leaver(s), {} returner(s){}",
                        r.run_id,
                        r.date.format("%-d %b %Y"),
                        if r.operator.is_empty() {
                            String::new()
                        } else {
                            format!(" by {}", r.operator)
                        },
                        roll_name(r),
                        r.joiners,
                        r.movers,
                        r.leavers,
                        r.returners,
                        if r.finished {
                            ""
                        } else {
                            " (UNFINISHED: `schooltech sync --resume`)"
                        }
                    )
                })
                .collect(),
        ));
    }
    if !c.leaver_lines.is_empty() {
        s.evidence
            .push(evidence("Leavers from the roll", c.leaver_lines.clone()));
    }
}
