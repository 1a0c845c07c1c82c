//! The one journal runner: every change to the directory goes through here, so that it is
//! journalled before it is sent and its outcome (done with its action-log row in ONE
//! transaction, failed, or unknown) is recorded the same way whoever asked for it.
//!
//! - [`one`]: a single change (an account action, a policy, the Leavers OU), a fresh journal
//!   entry begun before it is sent.
//! - [`Batch`]: many single changes whose intents and outcomes are each written in one
//!   transaction (a bulk import's creates).
//! - [`plan_run`] + [`execute`]: a multi-step run (the leaver sweep, `sweep purge`, and any new
//!   kind of run): typed [`Step`]s saved under a run id before the first change, then worked
//!   through in order by an [`Executor`] that knows how to do and check its kind of step. Done
//!   steps are skipped, steps begun without an outcome are settled against the directory first,
//!   failed ones are tried again as a new step, and the rest are done.
//! - [`recheck`]: every step's target is an identity (its [`Target`]: DN and stable id), read
//!   again by that id just before the change and refused (nothing done) when it is no longer
//!   the object planned.
//! - [`record_settled`]: the one place a settled outcome (read from the directory, or by hand)
//!   is written.
//! - Settle first: [`one`], [`Batch::new`] and [`execute`] begin with
//!   [`super::settle::settle_first`] (what an earlier change left unknown is settled before
//!   anything is journalled or sent; the faces show it from [`Ctx::take_settled`]).
//!
//! Test points (`SCHOOLTECH_TEST_PAUSE_AT`, debug builds): `journal-begun` (a single change or a
//! batch is journalled, nothing sent), `sent` / `recorded` (sent, outcome not yet / already
//! recorded), `sweep-step-begun` (a run's step is begun, nothing sent), `sweep-step-sent` (a
//! run's step was sent, its outcome not recorded).

use super::settle::Verdict;
use super::Ctx;
use crate::domain::account::Account;
use crate::domain::dn::parent_dn;
use crate::error::{Error, Result};
use crate::store::journal::JournalState;
use crate::store::{ActionEntry, JournalEntry, NewAction, Outcome, Store};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The object a step acts on, as planned: its DN and stable id (objectGUID on AD, entryUUID on
/// OpenLDAP), so the step can find it again and refuse when it is no longer the one planned.
/// Steps saved by an older schooltech may have neither.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Its DN when planned.
    #[serde(default)]
    pub dn: Option<String>,
    /// Its stable id when planned.
    #[serde(default)]
    pub object_id: Option<String>,
    /// The step this one tries again (a retry of a failed step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_of: Option<i64>,
}

/// What a change depends on besides the object itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depends {
    /// Only the object: it is followed when it was moved or its entry renamed (its DN
    /// changed) since it was planned. Every change that acts on the account wherever it lives
    /// (disable, stamp, expire, groups, password, delete, the sweep's move to the Leavers OU).
    Object,
    /// The object and the OU it was in: refused when it was moved to another OU since it was
    /// planned (an operator's move from one OU to another: someone else moved it meanwhile,
    /// and moving it on would undo their move).
    Place,
}

/// The target of a change on `a`, as planned now.
pub fn target_of(a: &Account) -> Target {
    Target {
        dn: Some(a.dn.clone()),
        object_id: a.object_id.clone(),
        retry_of: None,
    }
}

/// Reads the object planned as `username` again by its stable id and returns it as it is now.
/// Refused (an error, nothing done) when it is gone, when it is no longer called `username`
/// (another object may hold the name now), or when it moved and the change depends on where it
/// was. A target without an id (planned by an older schooltech) is read by username, as then.
pub async fn recheck(ctx: &Ctx, username: &str, t: &Target, depends: Depends) -> Result<Account> {
    let Some(id) = t.object_id.as_deref() else {
        return ctx.dir.get_account(username).await?.ok_or_else(|| {
            Error::NotFound(format!(
                "{username} is no longer in the directory; nothing was done"
            ))
        });
    };
    let Some(a) = ctx.dir.get_by_id(id).await? else {
        let holder = ctx.dir.get_account(username).await?;
        return Err(Error::NotPlanned(match holder {
            Some(h) => format!(
                "{username} is not the account that was planned: that account (object id {id}) \
                 is gone, and {username} now belongs to another one (object id {}, {}); nothing \
                 was done to it — plan again if it should be",
                h.object_id.as_deref().unwrap_or("unknown"),
                h.dn
            ),
            None => format!(
                "{username} (object id {id}) is no longer in the directory; nothing was done"
            ),
        }));
    };
    if !a.username.eq_ignore_ascii_case(username) {
        return Err(Error::NotPlanned(format!(
            "the account planned as {username} (object id {id}) is now called {}; nothing was \
             done — plan again",
            a.username
        )));
    }
    if let (Depends::Place, Some(dn)) = (depends, &t.dn) {
        let (was, now) = (parent_dn(dn), a.parent_dn());
        if !crate::ops::protect::norm_dn(was).eq(&crate::ops::protect::norm_dn(now)) {
            return Err(Error::NotPlanned(format!(
                "{username} was moved from {was} to {now} since it was planned; nothing was done \
                 — plan again"
            )));
        }
    }
    Ok(a)
}

/// A step of a run, as the journal stores it: the serde tag is the entry's `action` and the
/// content its `details` (the names and keys are those of every earlier schooltech, so older
/// stores read and resume). A new kind of run adds its variants here and an [`Executor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", content = "details")]
pub enum Step {
    /// Disable the account.
    #[serde(rename = "leaver.disable")]
    LeaverDisable {
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// Set the description to the leaver's stamp.
    #[serde(rename = "leaver.stamp")]
    LeaverStamp {
        /// The stamp.
        description: String,
        /// The description it had.
        #[serde(default)]
        before: Option<String>,
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// Set the account's expiry (AD's `accountExpires`).
    #[serde(rename = "leaver.expire")]
    LeaverExpire {
        /// When.
        expires: DateTime<Utc>,
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// Leave these groups.
    #[serde(rename = "leaver.groups")]
    LeaverGroups {
        /// Group DNs.
        groups: Vec<String>,
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// Move to the Leavers OU (as `name` when the entry name is taken there).
    #[serde(rename = "leaver.move")]
    LeaverMove {
        /// The OU it was in.
        from: String,
        /// The Leavers OU.
        to: String,
        /// The entry name to take when its own is taken.
        #[serde(default)]
        name: Option<String>,
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// Delete the suspended account (`sweep purge`).
    #[serde(rename = "leaver.purge")]
    LeaverPurge {
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// `sync`: make a joiner's account (its temporary password goes to the slips).
    #[serde(rename = "sync.create")]
    SyncCreate {
        /// MIS id.
        #[serde(default)]
        mis_id: Option<String>,
        /// Role.
        #[serde(default)]
        role: String,
        /// Given name.
        #[serde(default)]
        given: String,
        /// Surname.
        #[serde(default)]
        surname: String,
        /// Display name.
        #[serde(default)]
        display: String,
        /// The OU it is made in.
        #[serde(default)]
        parent_dn: String,
        /// Its entry name when not the display name.
        #[serde(default)]
        cn: Option<String>,
        /// Group DNs.
        #[serde(default)]
        groups: Vec<String>,
        /// NC year.
        #[serde(default)]
        year: Option<u32>,
        /// Form.
        #[serde(default)]
        form: String,
        /// Always true: a temporary password is set.
        #[serde(default)]
        temporary_password_set: bool,
        /// Whom (nothing known before it is made; a retry's step).
        #[serde(flatten)]
        target: Target,
    },
    /// `sync`: move to the OU of its year (as `name` when the entry name is taken there).
    #[serde(rename = "sync.move")]
    SyncMove {
        /// The OU it was in.
        #[serde(default)]
        from: String,
        /// The OU it goes to.
        to: String,
        /// The entry name to take when its own is taken.
        #[serde(default)]
        name: Option<String>,
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// `sync`: join and leave groups (DNs).
    #[serde(rename = "sync.groups")]
    SyncGroups {
        /// Groups it joins.
        #[serde(default)]
        add: Vec<String>,
        /// Groups it leaves.
        #[serde(default)]
        remove: Vec<String>,
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// `sync`: new names (the username stays).
    #[serde(rename = "sync.rename")]
    SyncRename {
        /// MIS id.
        #[serde(default)]
        mis_id: Option<String>,
        /// Given name.
        #[serde(default)]
        given: String,
        /// Surname.
        #[serde(default)]
        surname: String,
        /// Display name.
        #[serde(default)]
        display: String,
        /// The names it had (`given`, `surname`, `display`).
        #[serde(default)]
        before: Value,
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// `sync`: enable a returner (and clear the sweep's expiry and stamp).
    #[serde(rename = "sync.enable")]
    SyncEnable {
        /// MIS id.
        #[serde(default)]
        mis_id: Option<String>,
        /// Clear its expiry.
        #[serde(default)]
        clear_expiry: bool,
        /// Clear its description.
        #[serde(default)]
        clear_description: bool,
        /// Why.
        #[serde(default)]
        reason: String,
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
    /// `sync`: a new temporary password for a returner (to the slips).
    #[serde(rename = "sync.password")]
    SyncPassword {
        /// MIS id.
        #[serde(default)]
        mis_id: Option<String>,
        /// Always true.
        #[serde(default)]
        temporary: bool,
        /// The person's name.
        #[serde(default)]
        name: String,
        /// Form (for the slip).
        #[serde(default)]
        form: String,
        /// Whom.
        #[serde(flatten)]
        target: Target,
    },
}

impl Step {
    /// Reads a journal entry's action and details as a step.
    pub fn from_journal(action: &str, details: &Value) -> Result<Step> {
        serde_json::from_value(json!({ "action": action, "details": details })).map_err(|e| {
            Error::Input(format!(
                "the journal's \"{action}\" step cannot be read ({e}); settle it by hand with \
                 `schooltech log settle`"
            ))
        })
    }

    /// The journal's action and details of this step.
    pub fn to_journal(&self) -> (String, Value) {
        let v = serde_json::to_value(self).unwrap_or(Value::Null);
        let action = v
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let details = v.get("details").cloned().unwrap_or_else(|| json!({}));
        (action, details)
    }

    /// The journal's action name.
    pub fn action(&self) -> String {
        self.to_journal().0
    }

    /// Whom it acts on, as planned.
    pub fn target(&self) -> &Target {
        match self {
            Step::LeaverDisable { target }
            | Step::LeaverStamp { target, .. }
            | Step::LeaverExpire { target, .. }
            | Step::LeaverGroups { target, .. }
            | Step::LeaverMove { target, .. }
            | Step::LeaverPurge { target }
            | Step::SyncCreate { target, .. }
            | Step::SyncMove { target, .. }
            | Step::SyncGroups { target, .. }
            | Step::SyncRename { target, .. }
            | Step::SyncEnable { target, .. }
            | Step::SyncPassword { target, .. } => target,
        }
    }

    fn target_mut(&mut self) -> &mut Target {
        match self {
            Step::LeaverDisable { target }
            | Step::LeaverStamp { target, .. }
            | Step::LeaverExpire { target, .. }
            | Step::LeaverGroups { target, .. }
            | Step::LeaverMove { target, .. }
            | Step::LeaverPurge { target }
            | Step::SyncCreate { target, .. }
            | Step::SyncMove { target, .. }
            | Step::SyncGroups { target, .. }
            | Step::SyncRename { target, .. }
            | Step::SyncEnable { target, .. }
            | Step::SyncPassword { target, .. } => target,
        }
    }
}

/// A step to save in a run: whom (the username, the journal's target) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The username (the journal's and the action log's target).
    pub target: String,
    /// What.
    pub step: Step,
}

/// A step of a run being worked through: its journal entry and the step it holds.
#[derive(Debug, Clone)]
pub struct RunStep {
    /// Its journal entry (id, step number, target, state).
    pub entry: JournalEntry,
    /// What it does.
    pub step: Step,
}

impl RunStep {
    /// The username it acts on.
    pub fn target(&self) -> &str {
        &self.entry.target
    }
    /// Its journal action name.
    pub fn action(&self) -> &str {
        &self.entry.action
    }
}

/// How a run ended (or stopped).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunOutcome {
    /// The run.
    pub run_id: String,
    /// Steps done by this process (including steps found done when settled).
    pub done: usize,
    /// Steps already done before this process.
    pub already: usize,
    /// Problems: steps that failed or could not be settled (the run stays open).
    pub problems: Vec<String>,
    /// Steps refused because their account is no longer the one planned (gone, replaced,
    /// renamed): recorded as failed with the reason and never tried again; the run can finish.
    pub refused: Vec<String>,
    /// True when the run is finished.
    pub finished: bool,
}

/// One step of a run as it is worked through (for a progress view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepEvent {
    /// The run.
    pub run_id: String,
    /// Step number in the run.
    pub step: i64,
    /// The action (`leaver.disable`, ...).
    pub action: String,
    /// The username.
    pub target: String,
    /// Where it stands now.
    pub state: StepState,
}

/// Where a step stands, as a progress view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    /// Being done (or checked against the directory).
    Running,
    /// Done (now or before).
    Done,
    /// Failed; why.
    Failed(String),
}

/// What hears of each step as a run is worked through.
pub type Progress<'a> = &'a (dyn Fn(StepEvent) + Sync);

/// A progress that hears nothing.
pub fn no_progress(_: StepEvent) {}

/// What carries out one kind of run's steps. The runner does the journal; the executor only
/// talks to the directory.
#[async_trait]
pub trait Executor: Send {
    /// Carries out one step, already begun in the journal. `Err` when it was refused or failed
    /// (the error's `outcome_unknown` says whether it may have been made).
    async fn run(&mut self, ctx: &Ctx, step: &RunStep) -> Result<()>;

    /// How many of `fresh` (planned, never begun, in order; at least one) it carries out
    /// together with [`Executor::run_batch`] (all take effect or none). 1: one at a time.
    fn batch_len(&self, _fresh: &[RunStep]) -> usize {
        1
    }

    /// Carries out `steps` (all begun) as one request.
    async fn run_batch(&mut self, ctx: &Ctx, steps: &[RunStep]) -> Result<()> {
        for s in steps {
            self.run(ctx, s).await?;
        }
        Ok(())
    }

    /// What the directory shows of a step begun with no outcome recorded (killed, or sent
    /// without an answer).
    async fn check(&mut self, ctx: &Ctx, step: &RunStep) -> Verdict;

    /// Forgets anything remembered between steps (after a settle, a retry or an error).
    fn forget(&mut self) {}

    /// How many fresh steps (planned, never begun, in order) the runner journals together: a
    /// chunk is begun in ONE transaction before its first step is sent, its steps are carried
    /// out one by one with [`Executor::run`], and their outcomes (with their log rows) are
    /// written in ONE transaction after the last; a step the run did not reach (the connection
    /// was lost) is put back as planned. A kill part-way leaves the chunk's steps begun, each
    /// settled by reading the directory ([`Executor::check`]) on resume. 1 (the default): each
    /// step on its own (and [`Executor::batch_len`] applies). An executor that chunks is not
    /// told to [`Executor::forget`] after a step of a chunk fails: it drops what it knew of
    /// that step's account itself.
    fn chunk_len(&self) -> usize {
        1
    }

    /// Told of a chunk's steps before they are begun, e.g. to read every account they act on
    /// in one search (the identity re-check of each step then uses what was read).
    async fn prepare(&mut self, _ctx: &Ctx, _steps: &[RunStep]) {}

    /// Which kind of run it works through: the table holding the run's lock and its end.
    fn kind(&self) -> RunKind {
        RunKind::Sweep
    }

    /// Told after `steps` were done and recorded (e.g. a new account held for its acceptable
    /// use agreement, itself a journalled change, after its create is in the log).
    async fn recorded(&mut self, _ctx: &Ctx, _steps: &[RunStep]) {}
}

/// The kinds of run, each with its own table of runs (lock, open, finished).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// The leaver sweep and `sweep purge` (`sweep_runs`).
    Sweep,
    /// `schooltech sync` (`sync_runs`).
    Sync,
}

impl RunKind {
    fn lock(self, store: &Store, run_id: &str) -> Result<()> {
        match self {
            RunKind::Sweep => store.sweep_lock(run_id),
            RunKind::Sync => store.sync_lock(run_id),
        }
    }

    /// The command that finishes an interrupted run of this kind.
    fn resume_command(self) -> &'static str {
        match self {
            RunKind::Sweep => "schooltech sweep --resume",
            RunKind::Sync => "schooltech sync --resume",
        }
    }

    fn finish(self, store: &Store, run_id: &str, now: DateTime<Utc>) -> Result<()> {
        match self {
            RunKind::Sweep => store.sweep_finish(run_id, now),
            RunKind::Sync => store.sync_finish(run_id, now),
        }
    }
}

/// How the journal's error of a step refused as no longer the object planned begins: such a
/// step is never tried again.
pub const REFUSED: &str = "refused: ";

/// Notes a step (or steps) that did not work: refused, or a problem that keeps the run open.
/// A lost connection stops the run (`stop`): the steps after it are not tried.
fn note(out: &mut RunOutcome, stop: &mut Option<String>, what: String, err: &Error) {
    if err.is_connection_lost() {
        *stop = Some(err.to_string());
    }
    if matches!(err, Error::NotPlanned(_)) {
        out.refused.push(what);
    } else {
        out.problems.push(what);
    }
}

/// Runs `work` within four times the directory's operation timeout; no answer is an error whose
/// outcome is unknown.
pub async fn within_limit<F, T>(ctx: &Ctx, doing: &str, work: F) -> Result<T>
where
    F: std::future::Future<Output = Result<T>>,
{
    let limit = std::time::Duration::from_secs(ctx.config.directory.op_timeout_s.max(1) * 4);
    match tokio::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(_) => Err(Error::NoAnswer {
            doing: doing.to_string(),
            detail: format!("no answer within {} s", limit.as_secs()),
        }),
    }
}

/// How an attempt that did not work ends in the journal: unknown when it may have been made
/// (with an action-log row for the part known to be made), else failed.
fn failure(err: &Error, details: &Value) -> (Outcome, Option<Value>) {
    if matches!(err, Error::NotPlanned(_)) {
        (Outcome::Failed(format!("{REFUSED}{err}")), None)
    } else if err.outcome_unknown() {
        let row = matches!(err, Error::Partial { .. }).then(|| {
            let mut d = details.clone();
            if let Value::Object(m) = &mut d {
                m.insert("incomplete".into(), json!(err.to_string()));
            }
            d
        });
        (Outcome::Unknown(err.to_string()), row)
    } else {
        (Outcome::Failed(err.to_string()), None)
    }
}

/// The error for a change the directory made that the store could not record.
fn not_recorded(action: &str, target: &str, jid: i64, e: Error) -> Error {
    Error::Partial {
        done: format!("{action} {target} was done in the directory"),
        failed: format!("recording it in the store failed: {e}"),
        fix: format!(
            "journal entry {jid} stays pending; free the store (disk space, other schooltech) and \
             run `schooltech log pending`, which reads the directory and records it"
        ),
    }
}

/// Records how begun entries (of one target) ended: done (each with its action-log row, in one
/// transaction with its outcome), failed or unknown. Returns the log rows of done entries.
fn close(
    ctx: &Ctx,
    store: &Store,
    entries: &[(i64, &str, Value)],
    target: &str,
    error: Option<&Error>,
) -> Result<Vec<ActionEntry>> {
    let mut rows = Vec::new();
    for (id, action, details) in entries {
        match error {
            None => {
                let row = NewAction {
                    action,
                    target,
                    details: details.clone(),
                };
                let entry = store
                    .journal_close(*id, &Outcome::Done, Some(row), ctx.wall_now())
                    .map_err(|e| not_recorded(action, target, *id, e))?
                    .ok_or_else(|| {
                        not_recorded(action, target, *id, Error::Input("no row".into()))
                    })?;
                rows.push(entry);
            }
            Some(err) => {
                let (outcome, row) = failure(err, details);
                let logged = row.map(|details| NewAction {
                    action,
                    target,
                    details,
                });
                if let Err(e) = store.journal_close(*id, &outcome, logged, ctx.wall_now()) {
                    tracing::warn!("journal entry {id} stays pending: {e}");
                }
            }
        }
    }
    Ok(rows)
}

/// Runs one directory change under the journal and records it in the action log.
///
/// The journal row says "pending" while the change is in flight, so a run killed mid-way leaves
/// a trace of exactly what may not have finished. Then:
/// - the change worked: the journal's "done" and the action-log row (`details`, with
///   `after(result)` as its `after`) commit in ONE transaction;
/// - it failed before anything was sent, or the server refused it: "failed", no log row;
/// - it was sent and no answer came (or was made only in part): "unknown" (with a log row for
///   the part known to be made), and the error says so; `ops::settle` reads the directory later.
///
/// The whole change may take at most `op_timeout_s` × 4 (it may be several requests); past that
/// its outcome is unknown.
pub async fn one<F, T>(
    ctx: &Ctx,
    action: &str,
    target: &str,
    details: Value,
    change: F,
    after: impl FnOnce(&T) -> Option<Value>,
) -> Result<(T, ActionEntry)>
where
    F: std::future::Future<Output = Result<T>>,
{
    // Settle first: what an earlier change left unknown, before this one is journalled.
    super::settle::settle_first(ctx).await;
    let store = ctx.store()?;
    let jid = store.journal_begin(action, target, &details, ctx.wall_now())?;
    crate::testpoint::pause("journal-begun");
    let result = within_limit(ctx, &format!("{action} {target}"), change).await;
    crate::testpoint::pause("sent");
    match result {
        Ok(v) => {
            let mut details = details;
            if let (Value::Object(d), Some(a)) = (&mut details, after(&v)) {
                d.insert("after".into(), a);
            }
            let mut rows = close(ctx, &store, &[(jid, action, details)], target, None)?;
            crate::testpoint::pause("recorded");
            let entry = rows
                .pop()
                .ok_or_else(|| not_recorded(action, target, jid, Error::Input("no row".into())))?;
            Ok((v, entry))
        }
        Err(err) => {
            close(ctx, &store, &[(jid, action, details)], target, Some(&err))?;
            Err(err)
        }
    }
}

/// Single changes journalled per batch, not one by one: the intents of a batch in one
/// transaction before the first is sent, and the outcomes with their log rows in one
/// transaction after the last. Every change is pending before it is sent, each outcome commits
/// with its log row, and a kill part-way leaves the batch's entries pending and interrupted,
/// which `schooltech log pending` settles by reading the directory.
pub struct Batch {
    store: Store,
    /// Sent: outcomes waiting for [`Batch::flush`].
    ended: Vec<Ended>,
}

/// An attempt's outcome not yet recorded.
struct Ended {
    id: i64,
    action: String,
    target: String,
    outcome: Outcome,
    /// The action-log row's details, when the outcome gets a row (done, or made in part).
    row: Option<Value>,
}

impl Batch {
    /// A batch writing to the store of `ctx`, after settling what an earlier change left
    /// unknown ([`super::settle::settle_first`]).
    pub async fn new(ctx: &Ctx) -> Result<Batch> {
        super::settle::settle_first(ctx).await;
        Ok(Batch {
            store: ctx.store()?,
            ended: Vec::new(),
        })
    }

    /// Begins changes (action, target, details) in one journal transaction; their ids in order.
    pub fn begin(&mut self, ctx: &Ctx, entries: &[(&str, &str, Value)]) -> Result<Vec<i64>> {
        let ids = self.store.journal_begin_many(entries, ctx.wall_now())?;
        crate::testpoint::pause("journal-begun");
        Ok(ids)
    }

    /// Notes how a begun change `id` ended (recorded at the next flush): its result, and the
    /// details its log row gets.
    pub fn ended<T>(
        &mut self,
        id: i64,
        action: &str,
        target: &str,
        details: &Value,
        r: &Result<T>,
    ) {
        let (outcome, row) = match r {
            Ok(_) => (Outcome::Done, Some(details.clone())),
            Err(e) => failure(e, details),
        };
        self.ended.push(Ended {
            id,
            action: action.into(),
            target: target.into(),
            outcome,
            row,
        });
    }

    /// Notes that a begun change was not sent (`why`): failed.
    pub fn not_sent(&mut self, id: i64, action: &str, target: &str, why: &str) {
        self.ended.push(Ended {
            id,
            action: action.into(),
            target: target.into(),
            outcome: Outcome::Failed(format!("not sent: {why}")),
            row: None,
        });
    }

    /// Records every outcome so far (each with its log row) in one transaction. When that
    /// fails, the changes stay pending in the journal, and the error says how to settle them.
    pub fn flush(&mut self, ctx: &Ctx) -> Result<()> {
        if self.ended.is_empty() {
            return Ok(());
        }
        let closes: Vec<(i64, Outcome, Option<NewAction<'_>>)> = self
            .ended
            .iter()
            .map(|e| {
                let row = e.row.as_ref().map(|details| NewAction {
                    action: &e.action,
                    target: &e.target,
                    details: details.clone(),
                });
                (e.id, e.outcome.clone(), row)
            })
            .collect();
        match self.store.journal_close_many(&closes, ctx.wall_now()) {
            Ok(_) => {
                self.ended.clear();
                crate::testpoint::pause("recorded");
                Ok(())
            }
            Err(e) => {
                let made = closes
                    .iter()
                    .filter(|c| matches!(c.1, Outcome::Done))
                    .count();
                let first = closes.first().map(|c| c.0).unwrap_or_default();
                Err(Error::Partial {
                    done: format!("{made} change(s) were made in the directory"),
                    failed: format!("recording them in the store failed: {e}"),
                    fix: format!(
                        "their journal entries (from {first}) stay pending; free the store (disk \
                         space, other schooltech) and run `schooltech log pending`, which reads \
                         the directory and records them"
                    ),
                })
            }
        }
    }
}

/// Who settled an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettledBy<'a> {
    /// schooltech, reading the directory.
    Reading,
    /// The technician, with what they checked.
    Hand(&'a str),
}

/// Records what settling found of an open entry: done (with its action-log row, unless one was
/// written when it ended), not done (failed), made in part (unknown, with an "incomplete" row),
/// or still open (an interrupted entry becomes unknown). The one place a settled outcome is
/// written. Returns the entry's log row, if it has one.
pub fn record_settled(
    ctx: &Ctx,
    store: &Store,
    e: &JournalEntry,
    verdict: &Verdict,
    by: SettledBy<'_>,
) -> Result<Option<i64>> {
    let now = ctx.wall_now();
    let with = |key: &str, text: String| {
        let mut details = e.details.clone();
        if let Value::Object(d) = &mut details {
            d.insert(key.into(), json!(text));
        }
        details
    };
    Ok(match verdict {
        Verdict::Done(why) => {
            let settled = match by {
                SettledBy::Reading => format!("{why} (journal entry {})", e.id),
                SettledBy::Hand(_) => why.clone(),
            };
            store
                .journal_settle(
                    e.id,
                    &Outcome::Done,
                    Some(NewAction {
                        action: &e.action,
                        target: &e.target,
                        details: with("settled", settled),
                    }),
                    now,
                )?
                .map(|r| r.id)
                .or(e.log_id)
        }
        Verdict::NotDone(why) => {
            store.journal_settle(e.id, &Outcome::Failed(why.clone()), None, now)?;
            e.log_id
        }
        Verdict::Partial(why) => store
            .journal_settle(
                e.id,
                &Outcome::Unknown(format!("made in part: {why}")),
                Some(NewAction {
                    action: &e.action,
                    target: &e.target,
                    details: with("incomplete", why.clone()),
                }),
                now,
            )?
            .map(|r| r.id)
            .or(e.log_id),
        Verdict::Open(why) => {
            if e.state == JournalState::Pending {
                store.journal_settle(
                    e.id,
                    &Outcome::Unknown(format!("interrupted; {why}")),
                    None,
                    now,
                )?;
            }
            e.log_id
        }
    })
}

/// Saves a run's steps under `run_id` (one pending, not-yet-begun journal entry each, numbered
/// from 1, in one transaction) before the first change. Returns their ids in order.
pub fn plan_run(ctx: &Ctx, store: &Store, run_id: &str, steps: &[Planned]) -> Result<Vec<i64>> {
    let rows: Vec<(String, String, Value)> = steps
        .iter()
        .map(|p| {
            let (action, details) = p.step.to_journal();
            (action, p.target.clone(), details)
        })
        .collect();
    let refs: Vec<(&str, &str, Value)> = rows
        .iter()
        .map(|(a, t, d)| (a.as_str(), t.as_str(), d.clone()))
        .collect();
    store.journal_plan(run_id, &refs, ctx.wall_now())
}

fn tell(progress: Progress<'_>, run_id: &str, e: &JournalEntry, state: StepState) {
    progress(StepEvent {
        run_id: run_id.into(),
        step: e.step.unwrap_or(0),
        action: e.action.clone(),
        target: e.target.clone(),
        state,
    });
}

fn fresh(e: &JournalEntry) -> bool {
    e.state == JournalState::Pending && e.pid.is_none()
}

/// Carries out begun steps with `exec` (one, or several as one request) and records how they
/// ended.
async fn do_steps(
    ctx: &Ctx,
    store: &Store,
    exec: &mut dyn Executor,
    steps: &[RunStep],
) -> Result<()> {
    let Some(first) = steps.first() else {
        return Ok(());
    };
    for s in steps {
        store.journal_begin_step(s.entry.id, ctx.wall_now())?;
    }
    crate::testpoint::pause("sweep-step-begun");
    let doing = format!("{} {}", first.action(), first.target());
    let result = if steps.len() == 1 {
        within_limit(ctx, &doing, exec.run(ctx, first)).await
    } else {
        within_limit(ctx, &doing, exec.run_batch(ctx, steps)).await
    };
    if result.is_err() {
        exec.forget();
    }
    crate::testpoint::pause("sweep-step-sent");
    let entries: Vec<(i64, &str, Value)> = steps
        .iter()
        .map(|s| (s.entry.id, s.action(), s.entry.details.clone()))
        .collect();
    close(ctx, store, &entries, first.target(), result.as_ref().err())?;
    if result.is_ok() {
        exec.recorded(ctx, steps).await;
    }
    result
}

/// Carries out a chunk of fresh steps (see [`Executor::chunk_len`]): read together, begun in
/// one transaction, sent one by one, recorded in one transaction.
async fn run_chunk(
    ctx: &Ctx,
    store: &Store,
    exec: &mut dyn Executor,
    chunk: &[RunStep],
    progress: Progress<'_>,
    out: &mut RunOutcome,
    stop: &mut Option<String>,
) -> Result<()> {
    let run_id = out.run_id.clone();
    let mut span = crate::ops::sync::Timing::start("run: chunk read");
    exec.prepare(ctx, chunk).await;
    span.next("run: chunk begun");
    let ids: Vec<i64> = chunk.iter().map(|s| s.entry.id).collect();
    store.journal_begin_steps(&ids, ctx.wall_now())?;
    crate::testpoint::pause("sweep-step-begun");
    span.next("run: chunk sent");
    // (step, outcome, its log row's details) of each step sent, in order.
    let mut ended: Vec<(&RunStep, Outcome, Option<Value>)> = Vec::with_capacity(chunk.len());
    let mut failed: Vec<(&RunStep, Error)> = Vec::new();
    let mut unsent = Vec::new();
    for s in chunk {
        let e = &s.entry;
        if let Some(why) = stop.as_deref() {
            unsent.push(e.id);
            out.problems.push(format!(
                "step {} ({} {}): not tried: {why}",
                e.step.unwrap_or(0),
                e.action,
                e.target
            ));
            continue;
        }
        tell(progress, &run_id, e, StepState::Running);
        let doing = format!("{} {}", s.action(), s.target());
        let result = within_limit(ctx, &doing, exec.run(ctx, s)).await;
        crate::testpoint::pause("sweep-step-sent");
        match result {
            Ok(()) => ended.push((s, Outcome::Done, Some(e.details.clone()))),
            Err(err) => {
                let (outcome, row) = failure(&err, &e.details);
                ended.push((s, outcome, row));
                let what = format!(
                    "step {} ({} {}): {err}",
                    e.step.unwrap_or(0),
                    e.action,
                    e.target
                );
                note(out, stop, what, &err);
                failed.push((s, err));
            }
        }
    }
    let closes: Vec<(i64, Outcome, Option<NewAction<'_>>)> = ended
        .iter()
        .map(|(s, outcome, row)| {
            let log = row.as_ref().map(|details| NewAction {
                action: s.action(),
                target: s.target(),
                details: details.clone(),
            });
            (s.entry.id, outcome.clone(), log)
        })
        .collect();
    span.next("run: chunk recorded");
    let recorded = store.journal_end_steps(&closes, &unsent, ctx.wall_now());
    drop(span);
    if let Err(e) = recorded {
        // Made in the directory, not recorded: the chunk's entries stay begun (interrupted once
        // this process ends), settled by reading the directory.
        let made = ended
            .iter()
            .filter(|(_, o, _)| matches!(o, Outcome::Done))
            .count();
        let err = Error::Partial {
            done: format!("{made} step(s) of run {run_id} were made in the directory"),
            failed: format!("recording them in the store failed: {e}"),
            fix: format!(
                "their journal entries (from {}) stay pending; free the store (disk space, other \
                 schooltech) and run `{}`, which reads the directory and records them",
                ids.first().copied().unwrap_or_default(),
                exec.kind().resume_command()
            ),
        };
        for (s, ..) in &ended {
            tell(
                progress,
                &run_id,
                &s.entry,
                StepState::Failed(err.to_string()),
            );
        }
        *stop = Some(err.to_string());
        out.problems.push(err.to_string());
        return Ok(());
    }
    let mut done = Vec::new();
    for (s, outcome, _) in &ended {
        match outcome {
            Outcome::Done => {
                out.done += 1;
                tell(progress, &run_id, &s.entry, StepState::Done);
                done.push((*s).clone());
            }
            _ => {
                let why = failed
                    .iter()
                    .find(|(f, _)| f.entry.id == s.entry.id)
                    .map(|(_, e)| e.to_string())
                    .unwrap_or_default();
                tell(progress, &run_id, &s.entry, StepState::Failed(why));
            }
        }
    }
    if !done.is_empty() {
        exec.recorded(ctx, &done).await;
    }
    Ok(())
}

/// Works through run `run_id` in step order with `exec`: done steps are skipped, begun ones
/// without an outcome are settled against the directory first ([`Executor::check`]), failed
/// ones are tried again (as a new step), the rest are done. The run is finished (and its lock
/// released) when no step is left with a problem.
pub async fn execute(
    ctx: &Ctx,
    store: &Store,
    run_id: &str,
    exec: &mut dyn Executor,
    progress: Progress<'_>,
) -> Result<RunOutcome> {
    // Settle first: what earlier changes left unknown (this run's own steps are settled below,
    // by its executor, which knows them).
    super::settle::settle_first(ctx).await;
    let kind = exec.kind();
    kind.lock(store, run_id)?;
    let entries = store.journal_run(run_id)?;
    let mut out = RunOutcome {
        run_id: run_id.into(),
        ..RunOutcome::default()
    };
    let mut steps = Vec::with_capacity(entries.len());
    for e in entries {
        match Step::from_journal(&e.action, &e.details) {
            Ok(step) => steps.push(RunStep { entry: e, step }),
            Err(err) if e.state == JournalState::Done => {
                // Done long ago in a shape this version does not read: nothing to do.
                tracing::debug!("journal entry {}: {err}", e.id);
                out.already += 1;
            }
            Err(err) => {
                tell(progress, run_id, &e, StepState::Failed(err.to_string()));
                out.problems.push(format!(
                    "step {} ({} {}): {err}",
                    e.step.unwrap_or(0),
                    e.action,
                    e.target
                ));
            }
        }
    }
    let retried: std::collections::HashSet<i64> = steps
        .iter()
        .filter_map(|s| s.step.target().retry_of)
        .collect();
    let mut next = steps.iter().filter_map(|s| s.entry.step).max().unwrap_or(0) + 1;
    let mut i = 0;
    // Set when the connection to the directory is lost: the rest is left for the resume.
    let mut stop: Option<String> = None;
    while i < steps.len() {
        if let Some(why) = &stop {
            let e = &steps[i].entry;
            i += 1;
            let step_no = e.step.unwrap_or(0);
            match e.state {
                JournalState::Done => out.already += 1,
                JournalState::Failed if retried.contains(&step_no) => {}
                _ => out.problems.push(format!(
                    "step {step_no} ({} {}): not tried: {why}",
                    e.action, e.target
                )),
            }
            continue;
        }
        // Fresh steps the executor does together (e.g. one modify for one account).
        let fresh_len = steps[i..].iter().take_while(|s| fresh(&s.entry)).count();
        let chunk = exec.chunk_len();
        if chunk > 1 && fresh_len > 0 {
            let n = chunk.min(fresh_len);
            run_chunk(
                ctx,
                store,
                exec,
                &steps[i..i + n],
                progress,
                &mut out,
                &mut stop,
            )
            .await?;
            i += n;
            continue;
        }
        if fresh_len > 1 {
            let n = exec.batch_len(&steps[i..i + fresh_len]).clamp(1, fresh_len);
            if n > 1 {
                let batch = &steps[i..i + n];
                for b in batch {
                    tell(progress, run_id, &b.entry, StepState::Running);
                }
                match do_steps(ctx, store, exec, batch).await {
                    Ok(()) => {
                        out.done += n;
                        for b in batch {
                            tell(progress, run_id, &b.entry, StepState::Done);
                        }
                    }
                    Err(err) => {
                        for b in batch {
                            tell(
                                progress,
                                run_id,
                                &b.entry,
                                StepState::Failed(err.to_string()),
                            );
                        }
                        let what = format!(
                            "steps {}-{} ({}): {err}",
                            batch[0].entry.step.unwrap_or(0),
                            batch[n - 1].entry.step.unwrap_or(0),
                            batch[0].target()
                        );
                        note(&mut out, &mut stop, what, &err);
                    }
                }
                i += n;
                continue;
            }
        }
        let s = &steps[i];
        let e = &s.entry;
        i += 1;
        let step_no = e.step.unwrap_or(0);
        // A retried step's first attempt is shown by its retry.
        if e.state == JournalState::Failed && retried.contains(&step_no) {
            continue;
        }
        if e.state != JournalState::Done {
            tell(progress, run_id, e, StepState::Running);
        }
        let redo = match e.state {
            JournalState::Done => {
                out.already += 1;
                tell(progress, run_id, e, StepState::Done);
                false
            }
            JournalState::Failed => match e.error.as_deref() {
                // Refused as no longer the object planned: never tried again.
                Some(why) if why.starts_with(REFUSED) => {
                    tell(progress, run_id, e, StepState::Failed(why.to_string()));
                    out.refused.push(format!(
                        "step {step_no} ({} {}): {}",
                        e.action,
                        e.target,
                        &why[REFUSED.len()..]
                    ));
                    false
                }
                _ => !retried.contains(&step_no),
            },
            JournalState::Pending if e.pid.is_none() => {
                match do_steps(ctx, store, exec, std::slice::from_ref(s)).await {
                    Ok(()) => {
                        out.done += 1;
                        tell(progress, run_id, e, StepState::Done);
                    }
                    Err(err) => {
                        tell(progress, run_id, e, StepState::Failed(err.to_string()));
                        let what = format!("step {step_no} ({} {}): {err}", e.action, e.target);
                        note(&mut out, &mut stop, what, &err);
                    }
                }
                false
            }
            // Begun and never recorded (killed), or sent without an answer: read the directory.
            JournalState::Pending | JournalState::Unknown => {
                exec.forget();
                let verdict = exec.check(ctx, s).await;
                record_settled(ctx, store, e, &verdict, SettledBy::Reading)?;
                match verdict {
                    Verdict::Done(_) => {
                        out.done += 1;
                        tell(progress, run_id, e, StepState::Done);
                        false
                    }
                    Verdict::NotDone(_) => true,
                    Verdict::Partial(why) | Verdict::Open(why) => {
                        tell(progress, run_id, e, StepState::Failed(why.clone()));
                        out.problems
                            .push(format!("step {step_no} ({} {}): {why}", e.action, e.target));
                        false
                    }
                }
            }
        };
        if redo {
            let mut step = s.step.clone();
            step.target_mut().retry_of = Some(step_no);
            let (action, details) = step.to_journal();
            let id = store.journal_add_step(
                run_id,
                next,
                &action,
                &e.target,
                &details,
                ctx.wall_now(),
            )?;
            next += 1;
            exec.forget();
            let retry = RunStep {
                entry: JournalEntry {
                    id,
                    details,
                    ..e.clone()
                },
                step,
            };
            match do_steps(ctx, store, exec, std::slice::from_ref(&retry)).await {
                Ok(()) => {
                    out.done += 1;
                    tell(progress, run_id, e, StepState::Done);
                }
                Err(err) => {
                    tell(progress, run_id, e, StepState::Failed(err.to_string()));
                    let what = format!(
                        "step {step_no} ({} {}), tried again: {err}",
                        e.action, e.target
                    );
                    note(&mut out, &mut stop, what, &err);
                }
            }
        }
    }
    if out.problems.is_empty() {
        kind.finish(store, run_id, ctx.wall_now())?;
        out.finished = true;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_the_details_earlier_versions_stored_and_write_them_back() {
        // As main's sweep wrote them (before steps were typed).
        let old = [
            (
                "leaver.disable",
                json!({"dn": "CN=A,OU=Pupils,DC=x", "object_id": "abc"}),
            ),
            (
                "leaver.stamp",
                json!({"description": "LEAVER 2026-07-20 suspended 2026-07-21", "before": null}),
            ),
            (
                "leaver.expire",
                json!({"expires": "2026-07-21T09:00:00.123456Z"}),
            ),
            ("leaver.groups", json!({"groups": ["CN=G,DC=x"]})),
            (
                "leaver.move",
                json!({"from": "OU=Pupils,DC=x", "to": "OU=Leavers,DC=x", "name": null}),
            ),
            (
                "leaver.move",
                json!({"from": "OU=Pupils,DC=x", "to": "OU=Leavers,DC=x", "name": "A (a)", "retry_of": 5}),
            ),
            (
                "leaver.purge",
                json!({"dn": "CN=A,DC=x", "object_id": null}),
            ),
            // As main's own sync loop wrote them (before sync ran on this runner).
            (
                "sync.create",
                json!({"mis_id": "P1", "role": "pupil", "given": "Ann", "surname": "Lee",
                       "display": "Ann Lee", "parent_dn": "OU=Year 7,DC=x", "cn": null,
                       "groups": ["CN=G,DC=x"], "year": 7, "form": "7B",
                       "temporary_password_set": true}),
            ),
            (
                "sync.move",
                json!({"from": "OU=Year 7,DC=x", "to": "OU=Year 8,DC=x", "name": null}),
            ),
            (
                "sync.groups",
                json!({"add": ["CN=Y8,DC=x"], "remove": ["CN=Y7,DC=x"]}),
            ),
            (
                "sync.groups",
                json!({"add": [], "remove": ["CN=Y7,DC=x"], "retry_of": 3}),
            ),
            (
                "sync.rename",
                json!({"mis_id": "P1", "given": "Ann", "surname": "Li", "display": "Ann Li",
                       "before": {"given": "Ann", "surname": "Lee", "display": "Ann Lee"}}),
            ),
            (
                "sync.enable",
                json!({"mis_id": "P1", "clear_expiry": true, "clear_description": false,
                       "reason": "back on the roll"}),
            ),
            (
                "sync.password",
                json!({"mis_id": "P1", "temporary": true, "name": "Ann Li", "form": "Year 8"}),
            ),
        ];
        for (action, details) in old {
            let s = Step::from_journal(action, &details).unwrap();
            let (a2, d2) = s.to_journal();
            assert_eq!(a2, action);
            // Every key stored before is written back with its value.
            for (k, v) in details.as_object().unwrap() {
                let back = d2.get(k).unwrap_or(&Value::Null);
                if k == "expires" {
                    let t: DateTime<Utc> = serde_json::from_value(v.clone()).unwrap();
                    let t2: DateTime<Utc> = serde_json::from_value(back.clone()).unwrap();
                    assert_eq!(t, t2);
                } else {
                    assert_eq!(back, v, "{action} {k}");
                }
            }
        }
        assert_eq!(
            Step::from_journal(
                "leaver.move",
                &json!({"retry_of": 5, "from": "x", "to": "y"})
            )
            .unwrap()
            .target()
            .retry_of,
            Some(5)
        );
        let bad = Step::from_journal("leaver.unknown", &json!({})).unwrap_err();
        assert!(bad.to_string().contains("log settle"), "{bad}");
    }
}
