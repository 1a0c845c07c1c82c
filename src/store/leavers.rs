//! Leaver-day sweeps: runs (locked by the process working on them, at most one open) and the
//! record of each suspended account (where it was, its groups, its old description), written
//! before the first change and never changed (triggers enforce both).

use super::engine::{DbError, Row, Value};
use super::journal::RunTable;
use super::{fmt_time, parse_time, Store};
use crate::db_params;
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// One sweep run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepRun {
    /// Its id (`sweep-YYYYMMDD-HHMMSS`).
    pub run_id: String,
    /// `suspend` or `purge`.
    pub kind: String,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// Who planned it.
    pub operator: String,
    /// The MIS file it came from.
    pub source: String,
    /// The `--as-of` day, if any.
    pub as_of: Option<NaiveDate>,
    /// How many steps were planned.
    pub steps: i64,
    /// The process working on it, if any.
    pub lock_pid: Option<i64>,
    /// When it finished (None: open).
    pub finished_at: Option<DateTime<Utc>>,
}

/// What is kept of a suspended account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaverRecord {
    /// The run that suspended it.
    pub run_id: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: Option<String>,
    /// Role before suspension.
    pub role: Option<String>,
    /// MIS id.
    pub mis_id: Option<String>,
    /// DN before suspension.
    pub dn: String,
    /// Group DNs before suspension.
    pub groups: Vec<String>,
    /// Description before the stamp.
    pub description: Option<String>,
    /// Whether it was enabled before.
    pub enabled: bool,
    /// Leaving date from the MIS.
    pub leaving_date: Option<NaiveDate>,
    /// Why (reason word).
    pub reason: String,
    /// The day it was suspended.
    pub suspended_on: NaiveDate,
    /// The stable id of the account suspended (objectGUID / entryUUID); None on records made
    /// before schooltech kept it (legacy: matched by username).
    pub object_id: Option<String>,
}

/// A suspension the sweep made that nothing has ended yet (no restore), with its record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenSuspension {
    /// The record's row id (what an `ended` event names).
    pub id: i64,
    /// The record.
    pub record: LeaverRecord,
}

/// The sweep's runs (their lock and end: `store::journal`'s run bookkeeping).
const SWEEP_RUNS: RunTable = RunTable {
    table: "sweep_runs",
    noun: "sweep",
    not_open_hint: ": see `schooltech sweep list`",
};

const RUN_COLS: &str =
    "run_id, kind, created_at, operator, source, as_of, steps, lock_pid, finished_at";
const REC_COLS: &str = "run_id, username, name, role, mis_id, dn, groups, description, enabled, \
     leaving_date, reason, suspended_on, object_id, id";

/// A stored value that cannot be read, as a row error (never a default such as 1970).
fn unreadable(col: usize, what: &str, value: &str) -> DbError {
    DbError::other(format!(
        "column {col}: {what} \"{value}\" cannot be read; the store was edited or damaged: restore it from a backup or put the value right"
    ))
}

fn day_at(r: &Row, col: usize, what: &str) -> std::result::Result<Option<NaiveDate>, DbError> {
    match r.opt_text(col)? {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| unreadable(col, what, s)),
    }
}

fn time_at(r: &Row, col: usize, what: &str) -> std::result::Result<Option<DateTime<Utc>>, DbError> {
    match r.opt_text(col)? {
        None => Ok(None),
        Some(s) => parse_time(s)
            .map(Some)
            .ok_or_else(|| unreadable(col, what, s)),
    }
}

fn run_row(r: &Row) -> std::result::Result<SweepRun, DbError> {
    let created = r.text(2)?;
    Ok(SweepRun {
        run_id: r.string(0)?,
        kind: r.string(1)?,
        created_at: parse_time(created)
            .ok_or_else(|| unreadable(2, "a sweep run's time", created))?,
        operator: r.string(3)?,
        source: r.string(4)?,
        as_of: day_at(r, 5, "a sweep run's --as-of day")?,
        steps: r.int(6)?,
        lock_pid: r.opt_int(7)?,
        finished_at: time_at(r, 8, "a sweep run's finish time")?,
    })
}

fn rec_row(r: &Row) -> std::result::Result<LeaverRecord, DbError> {
    let groups = r.text(6)?;
    Ok(LeaverRecord {
        run_id: r.string(0)?,
        username: r.string(1)?,
        name: r.opt_string(2)?,
        role: r.opt_string(3)?,
        mis_id: r.opt_string(4)?,
        dn: r.string(5)?,
        groups: serde_json::from_str(groups)
            .map_err(|_| unreadable(6, "a leaver record's groups", groups))?,
        description: r.opt_string(7)?,
        enabled: r.bool(8)?,
        leaving_date: day_at(r, 9, "a leaver record's leaving date")?,
        reason: r.string(10)?,
        suspended_on: day_at(r, 11, "a leaver record's suspension day")?
            .ok_or_else(|| unreadable(11, "a leaver record's suspension day", "(empty)"))?,
        object_id: r.opt_string(12)?,
    })
}

impl Store {
    /// Saves a new run (open, locked by this process) and its leaver records, in one
    /// transaction. Refused while another run is open.
    pub fn sweep_create(&self, run: &SweepRun, records: &[LeaverRecord]) -> Result<()> {
        let doing = "saving the sweep plan";
        let tx = self.write(doing)?;
        let err = |e| self.db_error(doing, e);
        self.run_refuse_open(&*tx, &SWEEP_RUNS, doing)?;
        tx.execute(
            &format!("INSERT INTO sweep_runs ({RUN_COLS}, open) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, 1)"),
            db_params![
                run.run_id.as_str(),
                run.kind.as_str(),
                fmt_time(run.created_at),
                run.operator.as_str(),
                run.source.as_str(),
                run.as_of.map(|d| d.to_string()),
                run.steps,
                self.worker(),
            ],
        )
        .map_err(err)?;
        for r in records {
            tx.execute(
                "INSERT INTO leaver_records (run_id, username, name, role, mis_id, dn, groups, description, enabled, \
                 leaving_date, reason, suspended_on, object_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                db_params![
                    r.run_id.as_str(),
                    r.username.as_str(),
                    r.name.as_deref(),
                    r.role.as_deref(),
                    r.mis_id.as_deref(),
                    r.dn.as_str(),
                    serde_json::to_string(&r.groups).unwrap_or_else(|_| "[]".into()),
                    r.description.as_deref(),
                    i64::from(r.enabled),
                    r.leaving_date.map(|d| d.to_string()),
                    r.reason.as_str(),
                    r.suspended_on.to_string(),
                    r.object_id.as_deref(),
                ],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// The open run, if one is.
    pub fn sweep_open_run(&self) -> Result<Option<SweepRun>> {
        Ok(self.sweep_query("WHERE open = 1", &[])?.into_iter().next())
    }

    /// One run by id.
    pub fn sweep_run(&self, run_id: &str) -> Result<Option<SweepRun>> {
        Ok(self
            .sweep_query("WHERE run_id = ?1", db_params![run_id])?
            .into_iter()
            .next())
    }

    /// Every run, newest first.
    pub fn sweep_runs(&self) -> Result<Vec<SweepRun>> {
        self.sweep_query("ORDER BY created_at DESC, run_id DESC", &[])
    }

    fn sweep_query(&self, rest: &str, p: &[Value]) -> Result<Vec<SweepRun>> {
        let doing = "reading sweep runs";
        self.db()
            .query(&format!("SELECT {RUN_COLS} FROM sweep_runs {rest}"), p)
            .and_then(|rows| rows.iter().map(run_row).collect())
            .map_err(|e| self.db_error(doing, e))
    }

    /// Takes the lock of an open run for this process; refused while another live process
    /// holds it.
    pub fn sweep_lock(&self, run_id: &str) -> Result<()> {
        self.run_lock(&SWEEP_RUNS, run_id)
    }

    /// Closes a run: it never changes again.
    pub fn sweep_finish(&self, run_id: &str, now: DateTime<Utc>) -> Result<()> {
        self.run_finish(&SWEEP_RUNS, run_id, now)
    }

    /// The leaver records of a run, by username.
    pub fn leaver_records(&self, run_id: &str) -> Result<Vec<LeaverRecord>> {
        self.rec_query(
            "WHERE run_id = ?1 ORDER BY username COLLATE NOCASE",
            db_params![run_id],
        )
    }

    /// Every leaver record, oldest first.
    pub fn leaver_records_all(&self) -> Result<Vec<LeaverRecord>> {
        self.rec_query("ORDER BY id", &[])
    }

    /// The newest record of `username`, if any.
    pub fn leaver_record_latest(&self, username: &str) -> Result<Option<LeaverRecord>> {
        Ok(self
            .rec_query(
                "WHERE username = ?1 COLLATE NOCASE ORDER BY id DESC LIMIT 1",
                db_params![username],
            )?
            .into_iter()
            .next())
    }

    /// The suspensions sweeps made (records of `suspend` runs) that no restore has ended,
    /// newest first.
    pub fn leaver_open_suspensions(&self) -> Result<Vec<OpenSuspension>> {
        let doing = "reading leaver records";
        self.db()
            .query(
                &format!(
                    "SELECT {REC_COLS} FROM leaver_records \
                     WHERE run_id IN (SELECT run_id FROM sweep_runs WHERE kind = 'suspend') \
                     AND id NOT IN (SELECT record_id FROM leaver_record_events WHERE event = 'ended') \
                     ORDER BY id DESC"
                ),
                &[],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        Ok(OpenSuspension {
                            id: r.int(13)?,
                            record: rec_row(r)?,
                        })
                    })
                    .collect()
            })
            .map_err(|e| self.db_error(doing, e))
    }

    /// Ends suspensions (a restore): an appended `ended` event for each record, in one
    /// transaction; the records themselves never change.
    pub fn leaver_end(
        &self,
        record_ids: &[i64],
        at: DateTime<Utc>,
        operator: &str,
        why: &str,
    ) -> Result<()> {
        let doing = "recording the end of a suspension";
        let tx = self.write(doing)?;
        for id in record_ids {
            tx.execute(
                "INSERT INTO leaver_record_events (record_id, event, at, operator, why) VALUES (?1, 'ended', ?2, ?3, ?4)",
                db_params![*id, fmt_time(at), operator, why],
            )
            .map_err(|e| self.db_error(doing, e))?;
        }
        tx.commit().map_err(|e| self.db_error(doing, e))
    }

    fn rec_query(&self, rest: &str, p: &[Value]) -> Result<Vec<LeaverRecord>> {
        let doing = "reading leaver records";
        self.db()
            .query(&format!("SELECT {REC_COLS} FROM leaver_records {rest}"), p)
            .and_then(|rows| rows.iter().map(rec_row).collect())
            .map_err(|e| self.db_error(doing, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn run(id: &str) -> SweepRun {
        SweepRun {
            run_id: id.into(),
            kind: "suspend".into(),
            created_at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
            operator: "tech".into(),
            source: "mis.csv".into(),
            as_of: None,
            steps: 1,
            lock_pid: None,
            finished_at: None,
        }
    }

    #[test]
    fn one_open_run_closed_runs_and_records_never_change() {
        let s = Store::open_in_memory().unwrap();
        let rec = LeaverRecord {
            run_id: "r1".into(),
            username: "ann".into(),
            name: None,
            role: Some("pupil".into()),
            mis_id: None,
            dn: "CN=ann,OU=Y7,DC=s".into(),
            groups: vec!["CN=Pupils,DC=s".into()],
            description: Some("old".into()),
            enabled: true,
            leaving_date: None,
            reason: "left".into(),
            suspended_on: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            object_id: Some("g-1".into()),
        };
        s.sweep_create(&run("r1"), std::slice::from_ref(&rec))
            .unwrap();
        let e = s.sweep_create(&run("r2"), &[]).unwrap_err().to_string();
        assert!(e.contains("r1"), "{e}");
        s.sweep_lock("r1").unwrap();
        assert_eq!(s.leaver_record_latest("ANN").unwrap(), Some(rec));
        assert!(s
            .db()
            .execute("UPDATE leaver_records SET dn = 'x'", &[])
            .is_err());
        s.sweep_finish("r1", Utc::now()).unwrap();
        assert!(s.sweep_open_run().unwrap().is_none());
        assert!(s
            .db()
            .execute("UPDATE sweep_runs SET source = 'x'", &[])
            .is_err());
        assert!(s.db().execute("DELETE FROM sweep_runs", &[]).is_err());
        s.sweep_create(&run("r2"), &[]).unwrap();
        assert_eq!(s.sweep_runs().unwrap().len(), 2);
    }

    fn rec(run_id: &str, user: &str, id: Option<&str>) -> LeaverRecord {
        LeaverRecord {
            run_id: run_id.into(),
            username: user.into(),
            name: None,
            role: Some("pupil".into()),
            mis_id: None,
            dn: format!("CN={user},OU=Y7,DC=s"),
            groups: Vec::new(),
            description: None,
            enabled: true,
            leaving_date: None,
            reason: "left".into(),
            suspended_on: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            object_id: id.map(String::from),
        }
    }

    #[test]
    fn a_restore_ends_a_suspension_by_an_appended_event() {
        let s = Store::open_in_memory().unwrap();
        s.sweep_create(
            &run("r1"),
            &[rec("r1", "ann", Some("g-1")), rec("r1", "bob", None)],
        )
        .unwrap();
        s.sweep_finish("r1", Utc::now()).unwrap();
        let open = s.leaver_open_suspensions().unwrap();
        assert_eq!(open.len(), 2);
        let ann = open.iter().find(|o| o.record.username == "ann").unwrap();
        assert_eq!(ann.record.object_id.as_deref(), Some("g-1"));
        s.leaver_end(&[ann.id], Utc::now(), "tech", "restored")
            .unwrap();
        let open = s.leaver_open_suspensions().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].record.username, "bob");
        // The record itself never changes; neither does the event.
        assert!(s
            .db()
            .execute("UPDATE leaver_record_events SET why = 'x'", &[])
            .is_err());
        assert!(s
            .db()
            .execute("DELETE FROM leaver_record_events", &[])
            .is_err());
        // A purge run's records are not suspensions.
        let mut p = run("p1");
        p.kind = "purge".into();
        s.sweep_create(&p, &[rec("p1", "cy", Some("g-3"))]).unwrap();
        assert_eq!(s.leaver_open_suspensions().unwrap().len(), 1);
    }

    #[test]
    fn an_unreadable_stored_date_is_an_error_never_1970() {
        let s = Store::open_in_memory().unwrap();
        s.sweep_create(&run("r1"), &[rec("r1", "ann", None)])
            .unwrap();
        // Written by something else than schooltech: the triggers stop an UPDATE, so the
        // damage is done the way a bad restore or a hand edit would, with the triggers off.
        s.db()
            .batch(
                "DROP TRIGGER leaver_records_no_update;
                 UPDATE leaver_records SET suspended_on = '30/11/2026';",
            )
            .unwrap();
        let e = s.leaver_open_suspensions().unwrap_err().to_string();
        assert!(e.contains("30/11/2026"), "{e}");
        assert!(s.leaver_records_all().is_err());
    }
}
