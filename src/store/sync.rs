//! `schooltech sync`: its runs (at most one open, locked by the process working on it; the
//! steps are journal entries under the run id) and the tolerated marks (accounts missing from
//! the roll: since when, and the last roll that missed them).

use super::engine::{DbError, Exec, Row, Value};
use super::journal::RunTable;
use super::{fmt_time, parse_time, Store};
use crate::db_params;
use crate::domain::sync::Mark;
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// One sync run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncRun {
    /// Its id (`sync-YYYYMMDD-HHMMSS-PID`).
    pub run_id: String,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// Who planned it.
    pub operator: String,
    /// The roll it came from.
    pub source: String,
    /// Counts by kind and the summary by year (JSON).
    pub summary: serde_json::Value,
    /// How many steps were planned.
    pub steps: i64,
    /// The process working on it, if any.
    pub lock_pid: Option<i64>,
    /// When it finished (None: open).
    pub finished_at: Option<DateTime<Utc>>,
}

impl SyncRun {
    /// The strings of the summary's list at `path` (`["by_year"]`, `["accounts", "move"]`);
    /// empty when there is none.
    pub fn summary_strings(&self, path: &[&str]) -> Vec<String> {
        path.iter()
            .try_fold(&self.summary, |v, k| v.get(k))
            .and_then(serde_json::Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(serde_json::Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The sync's runs (their lock and end: `store::journal`'s run bookkeeping).
const SYNC_RUNS: RunTable = RunTable {
    table: "sync_runs",
    noun: "sync",
    not_open_hint: "",
};

const COLS: &str = "run_id, created_at, operator, source, summary, steps, lock_pid, finished_at";

fn run_row(r: &Row) -> std::result::Result<SyncRun, DbError> {
    let created = r.text(1)?;
    let summary = r.text(4)?;
    let finished = r.opt_text(7)?;
    Ok(SyncRun {
        run_id: r.string(0)?,
        created_at: parse_time(created).unwrap_or_default(),
        operator: r.string(2)?,
        source: r.string(3)?,
        summary: serde_json::from_str(summary).unwrap_or_default(),
        steps: r.int(5)?,
        lock_pid: r.opt_int(6)?,
        finished_at: finished.and_then(parse_time),
    })
}

impl Store {
    /// Saves a new run with its marks (tolerated accounts marked, accounts back on the roll
    /// cleared) in one transaction; refused while another run is open.
    pub fn sync_create(
        &self,
        run: &SyncRun,
        marked: &[Mark],
        cleared: &[String],
        today: NaiveDate,
    ) -> Result<()> {
        let doing = "saving the sync plan";
        let tx = self.write(doing)?;
        let err = |e| self.db_error(doing, e);
        self.run_refuse_open(&*tx, &SYNC_RUNS, doing)?;
        tx.execute(
            &format!("INSERT INTO sync_runs ({COLS}, open) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL, 1)"),
            db_params![
                run.run_id.as_str(),
                fmt_time(run.created_at),
                run.operator.as_str(),
                run.source.as_str(),
                run.summary.to_string(),
                run.steps,
            ],
        )
        .map_err(err)?;
        write_marks(&*tx, marked, cleared, &run.run_id, today).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The open run, if any.
    pub fn sync_open_run(&self) -> Result<Option<SyncRun>> {
        Ok(self.sync_query("WHERE open = 1", &[])?.into_iter().next())
    }

    /// Every run, newest first.
    pub fn sync_runs(&self) -> Result<Vec<SyncRun>> {
        self.sync_query("ORDER BY created_at DESC, run_id DESC", &[])
    }

    fn sync_query(&self, rest: &str, p: &[Value]) -> Result<Vec<SyncRun>> {
        let doing = "reading sync runs";
        self.db()
            .query(&format!("SELECT {COLS} FROM sync_runs {rest}"), p)
            .and_then(|rows| rows.iter().map(run_row).collect())
            .map_err(|e| self.db_error(doing, e))
    }

    /// Takes the lock of an open run for this process; refused while another live process
    /// holds it.
    pub fn sync_lock(&self, run_id: &str) -> Result<()> {
        self.run_lock(&SYNC_RUNS, run_id)
    }

    /// The live process (not this one) holding the lock of `run_id`, if any.
    pub fn sync_lock_holder(&self, run_id: &str) -> Result<Option<i64>> {
        let doing = "reading the sync run's lock";
        let pid = self
            .run_lock_pid(self.db(), &SYNC_RUNS, run_id)
            .map_err(|e| self.db_error(doing, e))?;
        self.other_live_worker(pid.flatten())
    }

    /// Closes a run: every step is done.
    pub fn sync_finish(&self, run_id: &str, now: DateTime<Utc>) -> Result<()> {
        self.run_finish(&SYNC_RUNS, run_id, now)
    }

    /// The tolerated marks.
    pub fn sync_marks(&self) -> Result<Vec<Mark>> {
        let doing = "reading the tolerated marks";
        self.db()
            .query(
                "SELECT mis_id, username, first_missed, last_missed FROM sync_marks ORDER BY mis_id",
                &[],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        Ok(Mark {
                            mis_id: r.string(0)?,
                            username: r.string(1)?,
                            first: r.text(2)?.parse().unwrap_or_default(),
                            last: r.text(3)?.parse().unwrap_or_default(),
                        })
                    })
                    .collect()
            })
            .map_err(|e| self.db_error(doing, e))
    }

    /// Marks and clears without a run (a roll with nothing to apply but marks to keep).
    pub fn sync_write_marks(
        &self,
        marked: &[Mark],
        cleared: &[String],
        run_id: &str,
        today: NaiveDate,
    ) -> Result<()> {
        let doing = "saving the tolerated marks";
        let tx = self.write(doing)?;
        write_marks(&*tx, marked, cleared, run_id, today).map_err(|e| self.db_error(doing, e))?;
        tx.commit().map_err(|e| self.db_error(doing, e))
    }
}

fn write_marks(
    tx: &dyn Exec,
    marked: &[Mark],
    cleared: &[String],
    run_id: &str,
    today: NaiveDate,
) -> std::result::Result<(), DbError> {
    for id in cleared {
        tx.execute("DELETE FROM sync_marks WHERE mis_id = ?1", db_params![id])?;
    }
    for m in marked {
        tx.execute(
            "INSERT INTO sync_marks (mis_id, username, first_missed, last_missed, first_run, last_run) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) \
             ON CONFLICT (mis_id) DO UPDATE SET username = excluded.username, last_missed = ?4, last_run = ?5",
            db_params![
                m.mis_id.as_str(),
                m.username.as_str(),
                m.first.to_string(),
                today.to_string(),
                run_id
            ],
        )?;
    }
    Ok(())
}

impl Store {
    /// The tolerated marks with the run that first missed each (`first_run`), oldest first:
    /// the termly report's leavers from the roll.
    pub fn sync_marks_first_runs(&self) -> Result<Vec<(Mark, String)>> {
        let doing = "reading the tolerated marks";
        let mut stmt = self
            .conn()
            .prepare("SELECT mis_id, username, first_missed, last_missed, first_run FROM sync_marks ORDER BY first_missed, mis_id")
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = stmt
            .query_map([], |r| {
                let f: String = r.get(2)?;
                let l: String = r.get(3)?;
                Ok((
                    Mark {
                        mis_id: r.get(0)?,
                        username: r.get(1)?,
                        first: f.parse().unwrap_or_default(),
                        last: l.parse().unwrap_or_default(),
                    },
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(|e| self.sql_error(doing, e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql_error(doing, e))
    }
}
