//! The journal: intent written before a change is attempted, its outcome after. Unlike the
//! action log, the journal is working state, not evidence — but a finished entry never changes
//! and no entry is deleted (triggers enforce both).
//!
//! # Outcomes
//!
//! An attempt ends in one of three ways ([`Outcome`]):
//! - **done**: the directory confirmed the change. The journal result and the action-log row
//!   are written in ONE transaction ([`Store::journal_close`]), so there is never a "done" without
//!   its log row, nor a log row for something still pending.
//! - **failed**: nothing was changed — the request was never sent, the server refused it, or the
//!   steps already made were undone.
//! - **unknown**: the request was sent and no answer came (timeout, lost connection), or it was
//!   made only in part. An entry still `pending` whose process is gone (killed) is unknown too.
//!   Unknown entries are settled by reading the directory ([`Store::journal_settle`], driven by
//!   `ops::settle`), never guessed.
//!
//! # Runs (multi-step plans)
//!
//! A plan such as a leaver sweep saves each step with a run id and step number
//! ([`Store::journal_plan`]), begins each step before doing it ([`Store::journal_begin_step`]),
//! and closes it like any other entry. [`Store::journal_run`] lists a run's steps in order, so a
//! resume skips done steps, settles unknown ones against the directory, and redoes the rest.

use super::actionlog::{canonical_json, check_no_secrets, secret_refusal};
use super::engine::{DbError, Exec, Value};
use super::{fmt_time, parse_time, ActionEntry, NewAction, Store};
use crate::db_params;
use crate::error::{Error, Result};
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

/// Where a journal entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalState {
    /// Begun and not finished: still running, planned (a run's step not yet begun has
    /// `started_at` but no `pid`), or interrupted (its process is gone).
    Pending,
    /// Finished and worked.
    Done,
    /// Finished and did not change anything; `error` says why.
    Failed,
    /// Sent without an answer, or made in part: the directory must be read to know.
    Unknown,
}

impl JournalState {
    /// The word stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            JournalState::Pending => "pending",
            JournalState::Done => "done",
            JournalState::Failed => "failed",
            JournalState::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> Option<JournalState> {
        match s {
            "pending" => Some(JournalState::Pending),
            "done" => Some(JournalState::Done),
            "failed" => Some(JournalState::Failed),
            "unknown" => Some(JournalState::Unknown),
            _ => None,
        }
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The directory confirmed it.
    Done,
    /// Nothing was changed; why.
    Failed(String),
    /// It may or may not have been done (or was done in part); why.
    Unknown(String),
}

impl Outcome {
    fn state(&self) -> JournalState {
        match self {
            Outcome::Done => JournalState::Done,
            Outcome::Failed(_) => JournalState::Failed,
            Outcome::Unknown(_) => JournalState::Unknown,
        }
    }
    fn error(&self) -> Option<&str> {
        match self {
            Outcome::Done => None,
            Outcome::Failed(e) | Outcome::Unknown(e) => Some(e),
        }
    }
}

/// One journal row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    /// Row number.
    pub id: i64,
    /// When the work was begun (UTC, whole seconds).
    pub started_at: DateTime<Utc>,
    /// Who began it.
    pub operator: String,
    /// What is being done, as in the action log.
    pub action: String,
    /// What it is done to.
    pub target: String,
    /// What is needed to check or resume it. Never a password.
    pub details: serde_json::Value,
    /// Where it stands.
    pub state: JournalState,
    /// When the attempt ended, if it did.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed or is unknown, if it did or is.
    pub error: Option<String>,
    /// The process that began it (None: a planned step not yet begun, or from an older
    /// schooltech).
    pub pid: Option<i64>,
    /// The action-log row written with its outcome, if any.
    pub log_id: Option<i64>,
    /// The run (plan) it belongs to, if any.
    pub run_id: Option<String>,
    /// Its step number in that run.
    pub step: Option<i64>,
    /// Whether the holder (`pid`) was alive when the entry was read, as the store saw it (on
    /// PostgreSQL its session lock, never the local `/proc`); `None`: not looked at.
    #[serde(skip)]
    pub holder_live: Option<bool>,
}

impl JournalEntry {
    /// True when it is pending and its process is gone: it was interrupted and is as unknown as
    /// an unanswered request. (A planned step not yet begun has no pid and is not interrupted.)
    pub fn interrupted(&self) -> bool {
        self.state == JournalState::Pending
            && match self.pid {
                Some(p) => match self.holder_live {
                    Some(live) => !live,
                    None => p != i64::from(std::process::id()) && !process_alive(p),
                },
                // Begun by a schooltech older than the pid column: long gone.
                None => self.run_id.is_none(),
            }
    }

    /// True when its outcome must be settled by reading the directory.
    pub fn needs_settling(&self) -> bool {
        self.state == JournalState::Unknown || self.interrupted()
    }
}

fn process_alive(pid: i64) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// A kind of run's table (`sweep_runs`, `sync_runs`): at most one run open (`open = 1`), locked
/// by the process working on it (`lock_pid`), closed when finished. The one place this
/// bookkeeping is written; `store::leavers` and `store::sync` name their table.
pub(super) struct RunTable {
    /// The table.
    pub table: &'static str,
    /// The run's word in messages (`sweep`, `sync`).
    pub noun: &'static str,
    /// What to add when a run is not open (e.g. where to list the runs), or "".
    pub not_open_hint: &'static str,
}

impl Store {
    /// Refuses, inside the transaction `tx` that saves a new run, while another run of `t` is
    /// open: being worked on by a live process (wait), or interrupted (resume it first).
    pub(super) fn run_refuse_open(&self, tx: &dyn Exec, t: &RunTable, doing: &str) -> Result<()> {
        let err = |e| self.db_error(doing, e);
        let open: Option<(String, Option<i64>)> = match tx
            .query_one(
                &format!("SELECT run_id, lock_pid FROM {} WHERE open = 1", t.table),
                &[],
            )
            .map_err(err)?
        {
            Some(r) => Some((r.string(0).map_err(err)?, r.opt_int(1).map_err(err)?)),
            None => None,
        };
        let Some((id, pid)) = open else {
            return Ok(());
        };
        let noun = t.noun;
        Err(match self.other_live_worker(pid)? {
            Some(p) => Error::Usage(format!(
                "another schooltech ({}) is running {noun} {id}; wait for it to finish",
                self.worker_name(p)
            )),
            None => Error::Usage(format!(
                "{noun} {id} did not finish; run `schooltech {noun} --resume` to finish it first"
            )),
        })
    }

    /// The lock of the open run `run_id` of `t`: `None` when no such open run, else its
    /// `lock_pid`.
    pub(super) fn run_lock_pid(
        &self,
        db: &dyn Exec,
        t: &RunTable,
        run_id: &str,
    ) -> std::result::Result<Option<Option<i64>>, DbError> {
        match db.query_one(
            &format!(
                "SELECT lock_pid FROM {} WHERE run_id = ?1 AND open = 1",
                t.table
            ),
            db_params![run_id],
        )? {
            Some(r) => Ok(Some(r.opt_int(0)?)),
            None => Ok(None),
        }
    }

    /// Takes the lock of an open run of `t` for this process; refused while another live
    /// process holds it.
    pub(super) fn run_lock(&self, t: &RunTable, run_id: &str) -> Result<()> {
        let noun = t.noun;
        let doing = format!("locking the {noun} run");
        let tx = self.write(&doing)?;
        let pid = self
            .run_lock_pid(&*tx, t, run_id)
            .map_err(|e| self.db_error(&doing, e))?;
        match pid {
            None => {
                return Err(Error::Usage(format!(
                    "{noun} {run_id} is not open (finished, or no such run){}",
                    t.not_open_hint
                )))
            }
            Some(holder) => {
                if let Some(p) = self.other_live_worker(holder)? {
                    return Err(Error::Usage(format!(
                        "another schooltech ({}) is running {noun} {run_id}; wait for it to finish",
                        self.worker_name(p)
                    )));
                }
            }
        }
        tx.execute(
            &format!("UPDATE {} SET lock_pid = ?1 WHERE run_id = ?2", t.table),
            db_params![self.worker(), run_id],
        )
        .map_err(|e| self.db_error(&doing, e))?;
        tx.commit().map_err(|e| self.db_error(&doing, e))
    }

    /// Closes an open run of `t`: it never changes again.
    pub(super) fn run_finish(&self, t: &RunTable, run_id: &str, now: DateTime<Utc>) -> Result<()> {
        let doing = format!("closing the {} run", t.noun);
        let tx = self.write(&doing)?;
        tx.execute(
            &format!(
                "UPDATE {} SET open = NULL, lock_pid = NULL, finished_at = ?1 WHERE run_id = ?2 AND open = 1",
                t.table
            ),
            db_params![fmt_time(now), run_id],
        )
        .map_err(|e| self.db_error(&doing, e))?;
        tx.commit().map_err(|e| self.db_error(&doing, e))
    }
}

const SELECT_JOURNAL: &str = "SELECT id, started_at, operator, action, target, details, state, \
     finished_at, error, pid, log_id, run_id, step FROM journal";

impl Store {
    /// Writes the intent to do `action` to `target` before doing it; returns the entry's id for
    /// [`Store::journal_close`]. Refuses details that hold a password.
    pub fn journal_begin(
        &self,
        action: &str,
        target: &str,
        details: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        self.journal_insert(None, action, target, details, now, true)
    }

    /// Saves a plan: one pending, not-yet-begun entry per step, numbered from 1, under `run_id`,
    /// in one transaction. Returns their ids in step order.
    pub fn journal_plan(
        &self,
        run_id: &str,
        steps: &[(&str, &str, serde_json::Value)],
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        for (_, _, d) in steps {
            check_no_secrets(d).map_err(|key| secret_refusal(self, "journal", &key))?;
        }
        let doing = "saving a plan in the journal";
        let tx = self.write(doing)?;
        let mut ids = Vec::with_capacity(steps.len());
        for (i, (action, target, details)) in steps.iter().enumerate() {
            let id = tx
                .insert_id(
                    "INSERT INTO journal (started_at, operator, action, target, details, state, run_id, step) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7)",
                    db_params![
                        fmt_time(now.trunc_subsecs(0)),
                        self.operator(),
                        *action,
                        *target,
                        canonical_json(details),
                        run_id,
                        i as i64 + 1
                    ],
                )
                .map_err(|e| self.db_error(doing, e))?;
            ids.push(id);
        }
        tx.commit().map_err(|e| self.db_error(doing, e))?;
        Ok(ids)
    }

    /// Adds one more planned step to `run_id` (a retry of a step that failed), not yet begun.
    pub fn journal_add_step(
        &self,
        run_id: &str,
        step: i64,
        action: &str,
        target: &str,
        details: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        self.journal_insert(Some((run_id, step)), action, target, details, now, false)
    }

    /// Marks a planned step as begun by this process (just before it is sent).
    pub fn journal_begin_step(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.journal_begin_steps(&[id], now)
    }

    /// Marks planned steps as begun by this process, in ONE transaction: a chunk of a run,
    /// begun (durably) before the first of them is sent. Those a kill leaves pending are
    /// interrupted, settled by reading the directory.
    pub fn journal_begin_steps(&self, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
        let doing = "writing to the journal";
        let tx = self.write(doing)?;
        let at = fmt_time(now.trunc_subsecs(0));
        for id in ids {
            let n = tx
                .execute(
                    "UPDATE journal SET pid = ?1, started_at = ?2 WHERE id = ?3 AND state = 'pending'",
                    db_params![self.worker(), at.as_str(), *id],
                )
                .map_err(|e| self.db_error(doing, e))?;
            if n == 0 {
                return Err(self.error(format!(
                    "journal entry {id} is not a pending step; report this bug"
                )));
            }
        }
        tx.commit().map_err(|e| self.db_error(doing, e))
    }

    /// A new attempt at step `step` of `run_id` (its last attempt failed, or was settled as not
    /// done): a new entry with the same action, target and details, begun by this process.
    /// Returns its id. The earlier attempts stay as they were.
    pub fn journal_retry_step(&self, run_id: &str, step: i64, now: DateTime<Utc>) -> Result<i64> {
        let last = self
            .journal_query(
                "WHERE run_id = ?1 AND step = ?2 ORDER BY id DESC LIMIT 1",
                db_params![run_id, step],
            )?
            .pop()
            .ok_or_else(|| {
                self.error(format!("run {run_id} has no step {step}; report this bug"))
            })?;
        if last.state != JournalState::Failed {
            return Err(self.error(format!(
                "step {step} of run {run_id} is {}, not failed: settle it before retrying",
                last.state.as_str()
            )));
        }
        self.journal_insert(
            Some((run_id, step)),
            &last.action,
            &last.target,
            &last.details,
            now,
            true,
        )
    }

    fn journal_insert(
        &self,
        run: Option<(&str, i64)>,
        action: &str,
        target: &str,
        details: &serde_json::Value,
        now: DateTime<Utc>,
        begun: bool,
    ) -> Result<i64> {
        check_no_secrets(details).map_err(|key| secret_refusal(self, "journal", &key))?;
        let doing = "writing to the journal";
        let tx = self.write(doing)?;
        let id = tx
            .insert_id(
                "INSERT INTO journal (started_at, operator, action, target, details, state, pid, run_id, step) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7, ?8)",
                db_params![
                    fmt_time(now.trunc_subsecs(0)),
                    self.operator(),
                    action,
                    target,
                    canonical_json(details),
                    begun.then(|| self.worker()),
                    run.map(|r| r.0),
                    run.map(|r| r.1),
                ],
            )
            .map_err(|e| self.db_error(doing, e))?;
        tx.commit().map_err(|e| self.db_error(doing, e))?;
        Ok(id)
    }

    /// Ends an attempt: the outcome and, when given, its action-log row, in ONE transaction —
    /// both are written or neither is. The entry must be pending. Returns the log row.
    pub fn journal_close(
        &self,
        id: i64,
        outcome: &Outcome,
        log: Option<NewAction<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<ActionEntry>> {
        self.journal_update(id, outcome, log, now, &["pending"], false)
    }

    /// Settles an entry that was unknown (or interrupted) after reading the directory: `Done`
    /// (with its log row, unless one was written when it ended) or `Failed`; `Unknown` keeps it
    /// open with a new reason. One transaction, like [`Store::journal_close`].
    pub fn journal_settle(
        &self,
        id: i64,
        outcome: &Outcome,
        log: Option<NewAction<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<ActionEntry>> {
        self.journal_update(id, outcome, log, now, &["pending", "unknown"], true)
    }

    /// Writes the intents of several changes, each begun by this process (as
    /// [`Store::journal_begin`] does one), in ONE transaction; returns their ids in order. A bulk
    /// import begins a batch of creates this way: each is pending before it is sent, and those a
    /// kill leaves pending are interrupted, settled by reading the directory.
    pub fn journal_begin_many(
        &self,
        entries: &[(&str, &str, serde_json::Value)],
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        for (_, _, d) in entries {
            check_no_secrets(d).map_err(|key| secret_refusal(self, "journal", &key))?;
        }
        let doing = "writing to the journal";
        let tx = self.write(doing)?;
        let mut ids = Vec::with_capacity(entries.len());
        for (action, target, details) in entries {
            let id = tx
                .insert_id(
                    "INSERT INTO journal (started_at, operator, action, target, details, state, pid) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
                    db_params![
                        fmt_time(now.trunc_subsecs(0)),
                        self.operator(),
                        *action,
                        *target,
                        canonical_json(details),
                        self.worker(),
                    ],
                )
                .map_err(|e| self.db_error(doing, e))?;
            ids.push(id);
        }
        tx.commit().map_err(|e| self.db_error(doing, e))?;
        Ok(ids)
    }

    /// Ends several pending attempts in ONE transaction, each with its outcome and, when given,
    /// its action-log row (as [`Store::journal_close`] does one): all are written or none is.
    /// Returns the log rows written, in order.
    pub fn journal_close_many(
        &self,
        closes: &[(i64, Outcome, Option<NewAction<'_>>)],
        now: DateTime<Utc>,
    ) -> Result<Vec<ActionEntry>> {
        self.journal_end_steps(closes, &[], now)
    }

    /// Ends a chunk of a run's begun steps in ONE transaction: those sent get their outcome (as
    /// [`Store::journal_close_many`]), and those begun but never sent (the run stopped first)
    /// are planned again, not begun, so the journal says exactly which were sent.
    pub fn journal_end_steps(
        &self,
        closes: &[(i64, Outcome, Option<NewAction<'_>>)],
        unsent: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Vec<ActionEntry>> {
        let doing = "writing to the journal and the action log";
        for (_, _, log) in closes {
            self.check_actions(log.as_slice())?;
        }
        let tx = self.write(doing)?;
        let mut rows = Vec::new();
        for (id, outcome, log) in closes {
            let log: Vec<NewAction<'_>> = log
                .iter()
                .map(|l| NewAction {
                    action: l.action,
                    target: l.target,
                    details: l.details.clone(),
                })
                .collect();
            rows.extend(self.update_in(&*tx, *id, outcome, &log, now, &["pending"], false)?);
        }
        for id in unsent {
            tx.execute(
                "UPDATE journal SET pid = NULL WHERE id = ?1 AND state = 'pending'",
                db_params![*id],
            )
            .map_err(|e| self.db_error(doing, e))?;
        }
        tx.commit().map_err(|e| self.db_error(doing, e))?;
        super::syslog::announce_for(&self.path, &rows);
        Ok(rows)
    }

    fn journal_update(
        &self,
        id: i64,
        outcome: &Outcome,
        log: Option<NewAction<'_>>,
        now: DateTime<Utc>,
        from: &[&str],
        settling: bool,
    ) -> Result<Option<ActionEntry>> {
        let logs: Vec<NewAction<'_>> = log.into_iter().collect();
        self.check_actions(&logs)?;
        let doing = "writing to the journal and the action log";
        let tx = self.write(doing)?;
        let rows = self.update_in(&*tx, id, outcome, &logs, now, from, settling)?;
        tx.commit().map_err(|e| self.db_error(doing, e))?;
        super::syslog::announce_for(&self.path, &rows);
        Ok(rows.into_iter().last())
    }

    /// One entry's outcome (and its log rows, unless it has one) inside the transaction `tx`.
    #[allow(clippy::too_many_arguments)]
    fn update_in(
        &self,
        tx: &dyn Exec,
        id: i64,
        outcome: &Outcome,
        logs: &[NewAction<'_>],
        now: DateTime<Utc>,
        from: &[&str],
        settling: bool,
    ) -> Result<Vec<ActionEntry>> {
        let doing = "writing to the journal and the action log";
        let err = |e| self.db_error(doing, e);
        let current: Option<(String, Option<i64>)> = match tx
            .query_one(
                "SELECT state, log_id FROM journal WHERE id = ?1",
                db_params![id],
            )
            .map_err(err)?
        {
            Some(r) => Some((r.string(0).map_err(err)?, r.opt_int(1).map_err(err)?)),
            None => None,
        };
        let (state, log_id) = match current {
            None => {
                return Err(self.error(format!(
                    "journal entry {id} does not exist; report this bug"
                )))
            }
            Some(c) => c,
        };
        if !from.contains(&state.as_str()) {
            return Err(self.error(format!(
                "journal entry {id} is already {state}; report this bug"
            )));
        }
        let rows = if log_id.is_none() && !logs.is_empty() {
            self.append_in(tx, logs)?
        } else {
            Vec::new()
        };
        let new_log = rows.last().map(|r| r.id).or(log_id);
        let t = fmt_time(now.trunc_subsecs(0));
        tx.execute(
            "UPDATE journal SET state = ?1, finished_at = ?2, error = ?3, log_id = ?4, \
             settled_at = CASE WHEN ?5 THEN ?2 ELSE settled_at END WHERE id = ?6",
            db_params![
                outcome.state().as_str(),
                t,
                outcome.error(),
                new_log,
                settling && outcome.state() != JournalState::Unknown,
                id
            ],
        )
        .map_err(err)?;
        Ok(rows)
    }

    /// Marks a pending entry done (`Ok(())`) or failed (`Err(why)`), without a log row. Kept for
    /// callers that record their own; new code uses [`Store::journal_close`].
    pub fn journal_finish(
        &self,
        id: i64,
        ok: std::result::Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let outcome = match ok {
            Ok(()) => Outcome::Done,
            Err(why) => Outcome::Failed(why),
        };
        self.journal_close(id, &outcome, None, now).map(|_| ())
    }

    /// Entries still open: pending (running, planned or interrupted) and unknown, oldest first.
    pub fn journal_open(&self) -> Result<Vec<JournalEntry>> {
        self.journal_query("WHERE state IN ('pending', 'unknown') ORDER BY id", &[])
    }

    /// Entries outside any run still open (unknown, or pending: see
    /// [`JournalEntry::needs_settling`]), oldest first: what "settle first" reads before every
    /// change, so a run's planned steps (pending, never begun) are not read each time.
    pub fn journal_to_settle(&self) -> Result<Vec<JournalEntry>> {
        self.journal_query(
            "WHERE state IN ('pending', 'unknown') AND run_id IS NULL ORDER BY id",
            &[],
        )
    }

    /// Entries begun and never finished, oldest first (see [`Store::journal_open`] for the
    /// unknown ones too).
    pub fn journal_pending(&self) -> Result<Vec<JournalEntry>> {
        self.journal_query("WHERE state = 'pending' ORDER BY id", &[])
    }

    /// One entry by id.
    pub fn journal_entry(&self, id: i64) -> Result<Option<JournalEntry>> {
        Ok(self.journal_query("WHERE id = ?1", db_params![id])?.pop())
    }

    /// The steps of a run, in step order (a retried step: its attempts, oldest first; the last
    /// one is where the step stands).
    pub fn journal_run(&self, run_id: &str) -> Result<Vec<JournalEntry>> {
        self.journal_query("WHERE run_id = ?1 ORDER BY step, id", db_params![run_id])
    }

    fn journal_query(&self, rest: &str, p: &[Value]) -> Result<Vec<JournalEntry>> {
        let doing = "reading the journal";
        let rows = self
            .db()
            .query(&format!("{SELECT_JOURNAL} {rest}"), p)
            .map_err(|e| self.db_error(doing, e))?;
        let mut out = Vec::new();
        for row in rows {
            let r = &row;
            let (
                (id, started, operator, action, target, details, state),
                (finished, error, pid, log_id, run_id, step),
            ) = (|| {
                Ok((
                    (
                        r.int(0)?,
                        r.string(1)?,
                        r.string(2)?,
                        r.string(3)?,
                        r.string(4)?,
                        r.string(5)?,
                        r.string(6)?,
                    ),
                    (
                        r.opt_string(7)?,
                        r.opt_string(8)?,
                        r.opt_int(9)?,
                        r.opt_int(10)?,
                        r.opt_string(11)?,
                        r.opt_int(12)?,
                    ),
                ))
            })()
            .map_err(|e| self.db_error(doing, e))?;
            let bad = |what: &str| {
                self.error(format!(
                    "journal entry {id} cannot be read: {what}; the file was changed outside \
                     schooltech"
                ))
            };
            let finished_at = match finished {
                None => None,
                Some(s) => Some(parse_time(&s).ok_or_else(|| bad("its finish time is malformed"))?),
            };
            let holder_live = match (state.as_str(), pid) {
                ("pending", Some(p)) => Some(self.worker_alive(p)?),
                _ => None,
            };
            out.push(JournalEntry {
                holder_live,
                id,
                started_at: parse_time(&started)
                    .ok_or_else(|| bad("its start time is malformed"))?,
                operator,
                action,
                target,
                details: serde_json::from_str(&details)
                    .map_err(|_| bad("its details are not JSON"))?,
                state: JournalState::parse(&state).ok_or_else(|| bad("its state is unknown"))?,
                finished_at,
                error,
                pid,
                log_id,
                run_id,
                step,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewAction;
    use chrono::TimeZone;
    use serde_json::json;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap()
    }

    #[test]
    fn a_batch_is_begun_and_closed_in_one_transaction_each() {
        let s = Store::open_in_memory().unwrap().with_operator("tech");
        let ids = s
            .journal_begin_many(
                &[
                    ("account.create", "ana.one", json!({"role": "pupil"})),
                    ("account.create", "ben.two", json!({"role": "pupil"})),
                    ("account.create", "cat.three", json!({"role": "pupil"})),
                ],
                t0(),
            )
            .unwrap();
        assert_eq!(ids.len(), 3);
        let open = s.journal_pending().unwrap();
        assert_eq!(open.len(), 3);
        assert!(open
            .iter()
            .all(|e| e.pid == Some(i64::from(std::process::id()))));
        let rows = s
            .journal_close_many(
                &[
                    (
                        ids[0],
                        Outcome::Done,
                        Some(NewAction {
                            action: "account.create",
                            target: "ana.one",
                            details: json!({"role": "pupil"}),
                        }),
                    ),
                    (ids[1], Outcome::Failed("refused".into()), None),
                    (
                        ids[2],
                        Outcome::Done,
                        Some(NewAction {
                            action: "account.create",
                            target: "cat.three",
                            details: json!({"role": "pupil"}),
                        }),
                    ),
                ],
                t0(),
            )
            .unwrap();
        assert_eq!(
            rows.iter().map(|r| r.target.as_str()).collect::<Vec<_>>(),
            ["ana.one", "cat.three"]
        );
        assert!(s.journal_pending().unwrap().is_empty());
        let e = s.journal_entry(ids[0]).unwrap().unwrap();
        assert_eq!((e.state, e.log_id), (JournalState::Done, Some(rows[0].id)));
        assert_eq!(
            s.journal_entry(ids[1]).unwrap().unwrap().state,
            JournalState::Failed
        );
        assert_eq!(
            s.verify_log().unwrap(),
            crate::store::ChainStatus::Whole { rows: 2 }
        );
        // All or nothing: a close of an entry already closed fails the whole batch.
        let more = s
            .journal_begin_many(&[("account.create", "dan.four", json!({}))], t0())
            .unwrap();
        let err = s.journal_close_many(
            &[
                (more[0], Outcome::Done, None),
                (ids[0], Outcome::Done, None),
            ],
            t0(),
        );
        assert!(err.is_err());
        assert_eq!(s.journal_pending().unwrap().len(), 1);
    }

    #[test]
    fn a_chunk_of_a_run_is_begun_and_ended_in_one_transaction_each_saying_which_were_sent() {
        let s = Store::open_in_memory().unwrap().with_operator("tech");
        let ids = s
            .journal_plan(
                "sync-1",
                &[
                    ("sync.move", "ana.one", json!({"to": "OU=Y8"})),
                    ("sync.move", "ben.two", json!({"to": "OU=Y8"})),
                    ("sync.move", "cat.three", json!({"to": "OU=Y8"})),
                ],
                t0(),
            )
            .unwrap();
        assert!(s
            .journal_run("sync-1")
            .unwrap()
            .iter()
            .all(|e| e.pid.is_none()));
        s.journal_begin_steps(&ids, t0()).unwrap();
        let me = Some(i64::from(std::process::id()));
        assert!(s.journal_run("sync-1").unwrap().iter().all(|e| e.pid == me));
        // The first sent and made, the second sent and refused, the third never sent (the
        // connection was lost): it is planned again, not begun.
        let rows = s
            .journal_end_steps(
                &[
                    (
                        ids[0],
                        Outcome::Done,
                        Some(NewAction {
                            action: "sync.move",
                            target: "ana.one",
                            details: json!({"to": "OU=Y8"}),
                        }),
                    ),
                    (ids[1], Outcome::Failed("refused".into()), None),
                ],
                &[ids[2]],
                t0(),
            )
            .unwrap();
        assert_eq!(rows.len(), 1);
        let run = s.journal_run("sync-1").unwrap();
        let states: Vec<(JournalState, Option<i64>)> =
            run.iter().map(|e| (e.state, e.pid)).collect();
        assert_eq!(
            states,
            [
                (JournalState::Done, me),
                (JournalState::Failed, me),
                (JournalState::Pending, None)
            ]
        );
        assert!(!run[2].interrupted(), "an unsent step is not begun");
        // A step that is not pending any more is not begun again: the whole chunk is refused.
        assert!(s.journal_begin_steps(&[ids[2], ids[0]], t0()).is_err());
        assert_eq!(s.journal_run("sync-1").unwrap()[2].pid, None);
    }

    #[test]
    fn begin_finish_and_pending() {
        let s = Store::open_in_memory().unwrap().with_operator("tech");
        let a = s
            .journal_begin(
                "account.disable",
                "amir.khan",
                &json!({"ou": "Leavers"}),
                t0(),
            )
            .unwrap();
        let b = s
            .journal_begin("account.disable", "zoe.brown", &json!({}), t0())
            .unwrap();
        let c = s
            .journal_begin("account.disable", "li.wei", &json!({}), t0())
            .unwrap();
        s.journal_finish(a, Ok(()), t0()).unwrap();
        s.journal_finish(c, Err("server said no".into()), t0())
            .unwrap();
        let pending = s.journal_pending().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].id, b);
        assert_eq!(pending[0].target, "zoe.brown");
        assert_eq!(pending[0].state, JournalState::Pending);
        assert_eq!(pending[0].operator, "tech");
        assert_eq!(pending[0].started_at, t0());

        let again = s.journal_finish(a, Ok(()), t0()).unwrap_err().to_string();
        assert!(again.contains("already done"), "{again}");
        assert!(s.journal_finish(999, Ok(()), t0()).is_err());
        let r = s
            .db()
            .query_one(
                "SELECT state, error FROM journal WHERE id = ?1",
                db_params![c],
            )
            .unwrap()
            .unwrap();
        let (state, err) = (r.string(0).unwrap(), r.opt_string(1).unwrap());
        assert_eq!(state, "failed");
        assert_eq!(err.as_deref(), Some("server said no"));
    }

    #[test]
    fn outcome_and_log_row_commit_together() {
        let s = Store::open_in_memory().unwrap().with_operator("tech");
        let a = s
            .journal_begin("account.disable", "amir.khan", &json!({}), t0())
            .unwrap();
        // A log row that cannot be written (a password in it) leaves the entry pending and the
        // log empty: neither half is written.
        let bad = NewAction {
            action: "account.disable",
            target: "amir.khan",
            details: json!({"password": "x"}),
        };
        assert!(s.journal_close(a, &Outcome::Done, Some(bad), t0()).is_err());
        assert_eq!(s.journal_pending().unwrap().len(), 1);
        assert!(s.log(&Default::default()).unwrap().is_empty());
        let row = NewAction {
            action: "account.disable",
            target: "amir.khan",
            details: json!({"reason": "left"}),
        };
        let logged = s
            .journal_close(a, &Outcome::Done, Some(row), t0())
            .unwrap()
            .unwrap();
        let e = s.journal_entry(a).unwrap().unwrap();
        assert_eq!(e.state, JournalState::Done);
        assert_eq!(e.log_id, Some(logged.id));
        // A finished entry never changes, even by hand.
        let by_hand = s.db().execute(
            "UPDATE journal SET state = 'failed' WHERE id = ?1",
            db_params![a],
        );
        assert!(by_hand.is_err());
        assert!(s.db().execute("DELETE FROM journal", &[]).is_err());
    }

    #[test]
    fn unknown_is_open_until_settled_and_runs_keep_their_steps() {
        let s = Store::open_in_memory().unwrap().with_operator("tech");
        let a = s
            .journal_begin("password.reset", "zoe.brown", &json!({}), t0())
            .unwrap();
        s.journal_close(a, &Outcome::Unknown("no answer".into()), None, t0())
            .unwrap();
        let open = s.journal_open().unwrap();
        assert_eq!(open.len(), 1);
        assert!(open[0].needs_settling());
        assert!(s.journal_close(a, &Outcome::Done, None, t0()).is_err());
        s.journal_settle(
            a,
            &Outcome::Done,
            Some(NewAction {
                action: "password.reset",
                target: "zoe.brown",
                details: json!({"settled": "found"}),
            }),
            t0(),
        )
        .unwrap();
        assert!(s.journal_open().unwrap().is_empty());
        assert_eq!(s.log(&Default::default()).unwrap().len(), 1);

        let ids = s
            .journal_plan(
                "sweep-2026-11-25",
                &[
                    ("account.disable", "a", json!({})),
                    ("account.move", "a", json!({"to": "OU=Leavers"})),
                ],
                t0(),
            )
            .unwrap();
        let steps = s.journal_run("sweep-2026-11-25").unwrap();
        assert_eq!(
            steps.iter().map(|e| e.step).collect::<Vec<_>>(),
            vec![Some(1), Some(2)]
        );
        // Planned, not begun: not interrupted.
        assert!(steps.iter().all(|e| !e.needs_settling()));
        s.journal_begin_step(ids[0], t0()).unwrap();
        s.journal_close(ids[0], &Outcome::Done, None, t0()).unwrap();
        let steps = s.journal_run("sweep-2026-11-25").unwrap();
        assert_eq!(steps[0].state, JournalState::Done);
        assert_eq!(steps[1].state, JournalState::Pending);
        // Step 2 fails, then is retried as a new attempt; done steps cannot be retried.
        s.journal_begin_step(ids[1], t0()).unwrap();
        s.journal_close(ids[1], &Outcome::Failed("refused".into()), None, t0())
            .unwrap();
        assert!(s.journal_retry_step("sweep-2026-11-25", 1, t0()).is_err());
        let again = s.journal_retry_step("sweep-2026-11-25", 2, t0()).unwrap();
        let steps = s.journal_run("sweep-2026-11-25").unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[2].id, again);
        assert_eq!(steps[2].step, Some(2));
        assert_eq!(steps[2].action, "account.move");
    }

    #[test]
    fn journal_refuses_passwords() {
        let s = Store::open_in_memory().unwrap();
        let e = s
            .journal_begin(
                "password.reset",
                "amir.khan",
                &json!({"new_password": "x"}),
                t0(),
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("journal"), "{e}");
        assert!(s.journal_pending().unwrap().is_empty());
    }
}
