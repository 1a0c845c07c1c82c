//! The report's joiners, movers, leavers and returners of the period, from the MIS roll's
//! sync runs (`schooltech sync`), each figure traceable to its run: id, day and roll file.
//!
//! - joiners, movers and returners: the counts each sync run of the period was planned with
//!   (`create`, `move`, `reactivate` of the run's summary: what it applied, items left out
//!   aside);
//! - leavers: the accounts first missed by a roll in the period and still missing (the
//!   tolerated marks), by the run that first missed them (a roll with nothing else to apply
//!   saves no run: its day stands for it).

use super::{evidence, figure, Period, Place, Section};
use crate::domain::time::LondonDate;
use crate::error::Result;
use crate::store::Store;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

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
}

fn count(summary: &Value, key: &str) -> usize {
    summary
        .get(key)
        .and_then(Value::as_u64)
        .map_or(0, |n| n as usize)
}

/// Reads the changes of `period` from the store.
pub fn changes(store: &Store, period: &Period) -> Result<RollChanges> {
    let mut runs: Vec<RollRun> = store
        .sync_runs()?
        .into_iter()
        .filter(|r| period.contains(r.created_at))
        .map(|r| RollRun {
            date: r.created_at.london_date(),
            roll: r.source.clone(),
            operator: r.operator.clone(),
            finished: r.finished_at.is_some(),
            joiners: count(&r.summary, "create"),
            movers: count(&r.summary, "move"),
            leavers: 0,
            returners: count(&r.summary, "reactivate"),
            run_id: r.run_id,
        })
        .collect();
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
        s.figures.push(figure(
            key,
            label,
            traced(total, &c.runs, of),
            "schooltech sync",
            Place::Leavers,
        ));
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
