//! The leaver-day sweep: a plan of steps for every account to suspend (disable, stamp the
//! description, on AD set `accountExpires`, leave the groups, move to the Leavers OU), saved in
//! the store with a run id before the first change; each step journaled (begun, then done,
//! failed or unknown) so that `sweep --resume` after a `kill -9` finishes the run without doing a
//! step twice or skipping one: a step begun without a recorded outcome is checked against the
//! directory before anything else happens to it.

use super::{leavers_ou, scan, MisExport};
use crate::directory::Flavour;
use crate::domain::account::{Account, AccountChange};
use crate::domain::leavers::linked::LinkedAction;
use crate::domain::leavers::{parse_stamp, suspend_stamp, Action, Finding};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::protect::norm_dn;
use crate::ops::settle::Verdict;
use crate::ops::Ctx;
use crate::store::journal::JournalState;
use crate::store::leavers::{LeaverRecord, SweepRun};
use crate::store::{JournalEntry, NewAction, Outcome, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

/// One step of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    /// The action (`leaver.disable`, `leaver.stamp`, `leaver.expire`, `leaver.groups`,
    /// `leaver.move`), as in the journal and the action log.
    pub action: String,
    /// The username.
    pub target: String,
    /// What the step does, for checking and resuming it.
    pub details: Value,
    /// In words.
    pub describe: String,
}

/// What the sweep does to one account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountPlan {
    /// The finding it comes from.
    pub finding: Finding,
    /// Its steps, in order.
    pub steps: Vec<PlannedStep>,
    /// What is kept of it before the first change.
    pub record: LeaverRecord,
}

/// The sweep's plan (what the dry run prints).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// Accounts to suspend.
    pub accounts: Vec<AccountPlan>,
    /// Findings a person must look at (never acted on by the sweep).
    pub review: Vec<Finding>,
    /// Protected accounts found (never acted on).
    pub protected: Vec<Finding>,
    /// Notes (rows matching nobody, the file's encoding, a missing Leavers OU).
    pub notes: Vec<String>,
    /// The Leavers OU, if configured.
    pub ou: Option<String>,
    /// True when the Leavers OU does not exist.
    pub ou_missing: bool,
    /// Linked accounts that are protected: a person disables them by hand.
    pub by_hand: Vec<ByHand>,
}

impl Plan {
    /// How many steps.
    pub fn step_count(&self) -> usize {
        self.accounts.iter().map(|a| a.steps.len()).sum()
    }
}

fn step(action: &str, target: &str, details: Value, describe: String) -> PlannedStep {
    PlannedStep {
        action: action.into(),
        target: target.into(),
        details,
        describe,
    }
}

/// Plans the sweep for the MIS export at `ctx.now()`: every finding whose action is `suspend`.
pub async fn plan(ctx: &Ctx, mis: &MisExport) -> Result<Plan> {
    let s = scan(ctx, Some(mis)).await?;
    let ou = leavers_ou(ctx);
    let mut p = Plan {
        notes: s.notes,
        ou: ou.clone(),
        ..Plan::default()
    };
    if let Some(ou) = &ou {
        let ous = ctx.dir.list_ous().await?;
        p.ou_missing = !ous.iter().any(|o| norm_dn(o) == norm_dn(ou));
        if p.ou_missing {
            p.notes.push(format!(
                "the Leavers OU {ou} does not exist: `sweep --apply --yes --create-ou` creates it first (or fix [leavers] ou)"
            ));
        }
    }
    let today = ctx.wall_now().london_date();
    let mut seen = std::collections::HashSet::new();
    // Entry names planned into the Leavers OU (AD's CN is unique in an OU).
    let mut names_in_ou = std::collections::HashSet::new();
    // Suspended findings first: an account that is a leaver itself is planned as one, not
    // as another leaver's linked account.
    let mut findings = s.findings;
    findings.sort_by_key(|f| f.action != Action::Suspend);
    for f in findings {
        if f.protected {
            p.protected.push(f);
            continue;
        }
        match f.action {
            Action::Review => p.review.push(f),
            Action::Suspend => {
                if !seen.insert(f.username.to_lowercase()) {
                    continue;
                }
                let Some(a) = ctx.dir.get_account(&f.username).await? else {
                    continue;
                };
                let left = f
                    .leaving_date
                    .or(a.expires.map(|e| e.london_date()))
                    .unwrap_or(ctx.now().london_date());
                let steps = account_steps(ctx, &a, left, ou.as_deref(), &mut names_in_ou).await?;
                let linked = f.linked.clone();
                if !steps.is_empty() {
                    let record = record_of(&a, f.leaving_date, f.reason.as_str(), today);
                    p.accounts.push(AccountPlan {
                        finding: f.clone(),
                        steps,
                        record,
                    });
                }
                // The person's other accounts: suspended with them, or left for a person.
                for l in linked {
                    match l.action {
                        LinkedAction::ByHand => p.by_hand.push(ByHand {
                            username: l.username.clone(),
                            name: l.name.clone(),
                            linked_to: a.username.clone(),
                            link: l.link.clone(),
                            why: l.what(),
                        }),
                        LinkedAction::Disabled => {}
                        LinkedAction::Suspend => {
                            if !seen.insert(l.username.to_lowercase()) {
                                continue;
                            }
                            let Some(o) = ctx.dir.get_account(&l.username).await? else {
                                continue;
                            };
                            // Asked again of the account as it is now, not as the scan saw it.
                            if let Some(why) =
                                crate::ops::protect::Protection::from_ctx(ctx).check(&o)
                            {
                                p.by_hand.push(ByHand {
                                    username: o.username.clone(),
                                    name: o.name().to_string(),
                                    linked_to: a.username.clone(),
                                    link: l.link.clone(),
                                    why: format!("to disable by hand: protected ({why})"),
                                });
                                continue;
                            }
                            let steps =
                                account_steps(ctx, &o, left, ou.as_deref(), &mut names_in_ou)
                                    .await?;
                            if steps.is_empty() {
                                continue;
                            }
                            let record = record_of(&o, f.leaving_date, "linked", today);
                            let finding = Finding {
                                username: o.username.clone(),
                                dn: o.dn.clone(),
                                role: o.role.clone(),
                                evidence: format!(
                                    "a linked account of {} ({}): suspended with it; {}",
                                    a.username, l.link, f.evidence
                                ),
                                last_logon: o.last_logon,
                                created: o.created,
                                object_id: o.object_id.clone(),
                                linked: Vec::new(),
                                loans: Vec::new(),
                                shared_logins: Vec::new(),
                                ..f.clone()
                            };
                            p.accounts.push(AccountPlan {
                                finding,
                                steps,
                                record,
                            });
                        }
                    }
                }
            }
            Action::Purge | Action::None => {}
        }
    }
    Ok(p)
}

/// What is kept of `a` before the first change.
fn record_of(
    a: &Account,
    leaving_date: Option<chrono::NaiveDate>,
    reason: &str,
    today: chrono::NaiveDate,
) -> LeaverRecord {
    LeaverRecord {
        run_id: String::new(),
        username: a.username.clone(),
        name: a.display_name.clone(),
        role: a.role.clone(),
        mis_id: a.mis_id.clone(),
        dn: a.dn.clone(),
        groups: a.group_dns.clone(),
        description: a.description.clone(),
        enabled: a.enabled,
        leaving_date,
        reason: reason.into(),
        suspended_on: today,
        object_id: a.object_id.clone(),
    }
}

/// The steps that suspend `a`: disable, stamp, expire (AD), leave its groups, move to the
/// Leavers OU; only those still needed.
async fn account_steps(
    ctx: &Ctx,
    a: &Account,
    left: chrono::NaiveDate,
    ou: Option<&str>,
    names_in_ou: &mut std::collections::HashSet<String>,
) -> Result<Vec<PlannedStep>> {
    let today = ctx.wall_now().london_date();
    let u = a.username.clone();
    let oid = a.object_id.clone();
    let mut steps = Vec::new();
    if a.enabled {
        steps.push(step(
            "leaver.disable",
            &u,
            json!({ "dn": a.dn, "object_id": oid }),
            format!("disable {u}"),
        ));
    }
    if a.description.as_deref().and_then(parse_stamp).is_none() {
        let d = suspend_stamp(left, today);
        steps.push(step(
            "leaver.stamp",
            &u,
            json!({ "description": d, "before": a.description }),
            format!("set the description to \"{d}\""),
        ));
    }
    if ctx.dir.flavour() == Flavour::ActiveDirectory && a.expires.is_none_or(|e| e > ctx.wall_now())
    {
        let t = ctx.wall_now();
        steps.push(step(
            "leaver.expire",
            &u,
            json!({ "expires": t }),
            format!("set accountExpires to {}", t.format("%Y-%m-%d %H:%M")),
        ));
    }
    if ctx.config.leavers.remove_groups && !a.group_dns.is_empty() {
        steps.push(step(
            "leaver.groups",
            &u,
            json!({ "groups": a.group_dns }),
            format!("remove from {}", a.groups.join(", ")),
        ));
    }
    if let Some(ou) = ou {
        if norm_dn(a.parent_dn()) != norm_dn(ou) {
            let cn = crate::directory::escape::first_rdn_value(&a.dn);
            let taken =
                !names_in_ou.insert(cn.to_lowercase()) || ctx.dir.name_taken(ou, &cn).await?;
            let name = taken.then(|| format!("{cn} ({u})"));
            if let Some(n) = &name {
                names_in_ou.insert(n.to_lowercase());
            }
            let describe = match &name {
                Some(n) => format!(
                    "move from {} to {ou} as \"{n}\" (\"{cn}\" is taken there)",
                    a.parent_dn()
                ),
                None => format!("move from {} to {ou}", a.parent_dn()),
            };
            steps.push(step(
                "leaver.move",
                &u,
                json!({ "from": a.parent_dn(), "to": ou, "name": name }),
                describe,
            ));
        }
    }
    Ok(steps)
}

/// A linked account that is protected: listed for a person to disable by hand.
#[derive(Debug, Clone, Serialize)]
pub struct ByHand {
    /// Its username.
    pub username: String,
    /// Its name.
    pub name: String,
    /// The leaver it belongs with.
    pub linked_to: String,
    /// Why it is linked.
    pub link: String,
    /// What to do, and why schooltech does not.
    pub why: String,
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

fn no_progress(_: StepEvent) {}

fn tell(progress: Progress<'_>, run_id: &str, e: &JournalEntry, state: StepState) {
    progress(StepEvent {
        run_id: run_id.into(),
        step: e.step.unwrap_or(0),
        action: e.action.clone(),
        target: e.target.clone(),
        state,
    });
}

/// Saves the plan (run, records, journal steps) before the first change, then carries it out.
pub async fn apply(ctx: &Ctx, plan: &Plan, source: &str) -> Result<Option<RunOutcome>> {
    apply_with(ctx, plan, source, &no_progress).await
}

/// [`apply`], telling `progress` of every step.
pub async fn apply_with(
    ctx: &Ctx,
    plan: &Plan,
    source: &str,
    progress: Progress<'_>,
) -> Result<Option<RunOutcome>> {
    ctx.refuse_as_of("sweep --apply")?;
    if plan.accounts.is_empty() {
        return Ok(None);
    }
    if plan.ou_missing {
        return Err(Error::Usage(format!(
            "the Leavers OU {} does not exist; nothing was changed. Run the sweep with --create-ou to create it first, or fix [leavers] ou",
            plan.ou.as_deref().unwrap_or("")
        )));
    }
    let store = ctx.store()?;
    let now = ctx.wall_now();
    let run_id = format!(
        "sweep-{}-{}",
        now.format("%Y%m%d-%H%M%S"),
        std::process::id()
    );
    let records: Vec<LeaverRecord> = plan
        .accounts
        .iter()
        .map(|a| LeaverRecord {
            run_id: run_id.clone(),
            ..a.record.clone()
        })
        .collect();
    let run = SweepRun {
        run_id: run_id.clone(),
        kind: "suspend".into(),
        created_at: now,
        operator: ctx.operator.clone(),
        source: source.into(),
        as_of: ctx.as_of,
        steps: plan.step_count() as i64,
        lock_pid: None,
        finished_at: None,
    };
    store.sweep_create(&run, &records)?;
    let steps: Vec<(&str, &str, Value)> = plan
        .accounts
        .iter()
        .flat_map(|a| a.steps.iter())
        .map(|s| (s.action.as_str(), s.target.as_str(), s.details.clone()))
        .collect();
    store.journal_plan(&run_id, &steps, now)?;
    execute_with(ctx, &store, &run_id, progress).await.map(Some)
}

/// Creates the Leavers OU (`[leavers] ou`) and any missing OU above it, each journaled and
/// action-logged (`leaver.create-ou`). False when it already exists.
pub async fn create_leavers_ou(ctx: &Ctx) -> Result<bool> {
    let ou = leavers_ou(ctx).ok_or_else(|| {
        Error::Config("[leavers] ou is empty: say which OU suspended accounts go to".into())
    })?;
    let have: Vec<String> = ctx
        .dir
        .list_ous()
        .await?
        .iter()
        .map(|o| norm_dn(o))
        .collect();
    let base = norm_dn(ctx.dir.base_dn());
    // The OU and its ancestors below the base, top first.
    let mut chain = Vec::new();
    let mut dn = ou.as_str();
    while !dn.is_empty() && norm_dn(dn) != base && norm_dn(dn).ends_with(&base) {
        chain.push(dn.to_string());
        dn = crate::domain::dn::parent_dn(dn);
    }
    chain.reverse();
    let mut made = false;
    for dn in chain {
        if have.contains(&norm_dn(&dn)) {
            continue;
        }
        if !dn.to_ascii_lowercase().starts_with("ou=") {
            return Err(Error::Config(format!(
                "[leavers] ou {ou}: {dn} is not there and is not an OU, so it cannot be created; create it by hand or fix [leavers] ou"
            )));
        }
        let dir = ctx.dir.clone();
        let d = dn.clone();
        crate::ops::actions::journalled(
            ctx,
            "leaver.create-ou",
            &dn,
            json!({ "dn": dn }),
            async move { dir.create_ou(&d).await },
        )
        .await?;
        made = true;
    }
    Ok(made)
}

/// Finishes the open run, if there is one.
pub async fn resume(ctx: &Ctx) -> Result<Option<RunOutcome>> {
    resume_with(ctx, &no_progress).await
}

/// [`resume`], telling `progress` of every step.
pub async fn resume_with(ctx: &Ctx, progress: Progress<'_>) -> Result<Option<RunOutcome>> {
    ctx.refuse_as_of("sweep --resume")?;
    let store = ctx.store()?;
    match store.sweep_open_run()? {
        None => Ok(None),
        Some(run) => execute_with(ctx, &store, &run.run_id, progress)
            .await
            .map(Some),
    }
}

/// The last unfinished run, if there is one (what `sweep --resume` would finish).
pub fn unfinished(ctx: &Ctx) -> Result<Option<SweepRun>> {
    if !ctx.config.store.path.exists() {
        return Ok(None);
    }
    ctx.store()?.sweep_open_run()
}

/// Every run, newest first (`sweep list`).
pub fn runs(ctx: &Ctx) -> Result<Vec<SweepRun>> {
    if !ctx.config.store.path.exists() {
        return Ok(Vec::new());
    }
    ctx.store()?.sweep_runs()
}

/// One step of a run as the journal has it: (step, action, target, state).
pub type StepRow = (i64, String, String, JournalState);

/// A run's steps in order, for a progress view.
pub fn run_steps(ctx: &Ctx, run_id: &str) -> Result<Vec<StepRow>> {
    let store = ctx.store()?;
    Ok(store
        .journal_run(run_id)?
        .into_iter()
        .map(|e| (e.step.unwrap_or(0), e.action, e.target, e.state))
        .collect())
}

/// Works through a run's steps in order: done ones are skipped, begun ones without an outcome
/// are settled against the directory first, failed ones are tried again (as a new step), the
/// rest are done.
pub async fn execute(ctx: &Ctx, store: &Store, run_id: &str) -> Result<RunOutcome> {
    execute_with(ctx, store, run_id, &no_progress).await
}

/// [`execute`], telling `progress` of every step.
pub async fn execute_with(
    ctx: &Ctx,
    store: &Store,
    run_id: &str,
    progress: Progress<'_>,
) -> Result<RunOutcome> {
    store.sweep_lock(run_id)?;
    let entries = store.journal_run(run_id)?;
    let mut out = RunOutcome {
        run_id: run_id.into(),
        ..RunOutcome::default()
    };
    let retried: std::collections::HashSet<i64> = entries
        .iter()
        .filter_map(|e| e.details.get("retry_of").and_then(Value::as_i64))
        .collect();
    let mut next = entries.iter().filter_map(|e| e.step).max().unwrap_or(0) + 1;
    // The account the last fresh step acted on, as it now stands: the next step of the same
    // account uses it instead of reading it again (the plan's steps for one account are
    // consecutive). Anything else (a settle, a retry, an error) reads the directory afresh.
    let mut cache: Option<Account> = None;
    let mut i = 0;
    while i < entries.len() {
        let e = &entries[i];
        // A fresh run of attribute steps for one account (disable, stamp, expire): one modify.
        let run = fresh_attribute_run(&entries[i..]);
        if run > 1 {
            let batch = &entries[i..i + run];
            for b in batch {
                tell(progress, run_id, b, StepState::Running);
            }
            match do_attribute_steps(ctx, store, batch, &mut cache).await {
                Ok(()) => {
                    out.done += run;
                    for b in batch {
                        tell(progress, run_id, b, StepState::Done);
                    }
                }
                Err(err) => {
                    for b in batch {
                        tell(progress, run_id, b, StepState::Failed(err.to_string()));
                    }
                    out.problems.push(format!(
                        "steps {}-{} ({}): {err}",
                        batch[0].step.unwrap_or(0),
                        batch[run - 1].step.unwrap_or(0),
                        e.target
                    ))
                }
            }
            i += run;
            continue;
        }
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
            JournalState::Failed => !retried.contains(&step_no),
            JournalState::Pending if e.pid.is_none() => {
                match do_step(ctx, store, e, &e.details, &mut cache).await {
                    Ok(()) => {
                        out.done += 1;
                        tell(progress, run_id, e, StepState::Done);
                    }
                    Err(err) => {
                        tell(progress, run_id, e, StepState::Failed(err.to_string()));
                        out.problems
                            .push(format!("step {step_no} ({} {}): {err}", e.action, e.target))
                    }
                }
                false
            }
            // Begun and never recorded (killed), or sent without an answer: read the directory.
            JournalState::Pending | JournalState::Unknown => {
                cache = None;
                match settle_step(ctx, store, e).await? {
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
            let mut details = e.details.clone();
            if let Value::Object(d) = &mut details {
                d.insert("retry_of".into(), json!(step_no));
            }
            let id = store.journal_add_step(
                run_id,
                next,
                &e.action,
                &e.target,
                &details,
                ctx.wall_now(),
            )?;
            next += 1;
            cache = None;
            let retry = JournalEntry { id, ..e.clone() };
            match do_step(ctx, store, &retry, &details, &mut cache).await {
                Ok(()) => {
                    out.done += 1;
                    tell(progress, run_id, e, StepState::Done);
                }
                Err(err) => {
                    tell(progress, run_id, e, StepState::Failed(err.to_string()));
                    out.problems.push(format!(
                        "step {step_no} ({} {}), tried again: {err}",
                        e.action, e.target
                    ))
                }
            }
        }
    }
    if out.problems.is_empty() {
        store.sweep_finish(run_id, ctx.wall_now())?;
        out.finished = true;
    }
    Ok(out)
}

/// Settles one begun step by reading the directory; records what it shows.
async fn settle_step(ctx: &Ctx, store: &Store, e: &JournalEntry) -> Result<Verdict> {
    let v = match ctx.dir.get_account(&e.target).await {
        Ok(a) if e.action == "leaver.purge" => purge_verdict(&e.target, a.is_none()),
        Ok(Some(a)) => verdict(&e.action, &a, &e.details),
        Ok(None) => Verdict::Open(format!("{} is no longer in the directory", e.target)),
        Err(err) => Verdict::Open(format!("could not read {}: {err}", e.target)),
    };
    let now = ctx.wall_now();
    match &v {
        Verdict::Done(why) => {
            let mut details = e.details.clone();
            if let Value::Object(d) = &mut details {
                d.insert(
                    "settled".into(),
                    json!(format!("{why} (journal entry {})", e.id)),
                );
            }
            store.journal_settle(
                e.id,
                &Outcome::Done,
                Some(NewAction {
                    action: &e.action,
                    target: &e.target,
                    details,
                }),
                now,
            )?;
        }
        Verdict::NotDone(why) => {
            store.journal_settle(e.id, &Outcome::Failed(why.clone()), None, now)?;
        }
        Verdict::Partial(why) | Verdict::Open(why) => {
            if e.state == JournalState::Pending {
                store.journal_settle(
                    e.id,
                    &Outcome::Unknown(format!("interrupted; {why}")),
                    None,
                    now,
                )?;
            }
        }
    }
    Ok(v)
}

fn groups_of(d: &Value) -> Vec<String> {
    d.get("groups")
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// What the directory shows of a purge step: the account is gone, or not.
pub fn purge_verdict(who: &str, gone: bool) -> Verdict {
    if gone {
        Verdict::Done(format!("found in the directory: {who} no longer exists"))
    } else {
        Verdict::NotDone(format!("not in the directory: {who} still exists"))
    }
}

/// What the directory shows of one sweep step on `a` (also used by `log pending`).
pub fn verdict(action: &str, a: &crate::domain::account::Account, d: &Value) -> Verdict {
    let who = &a.username;
    let yes = |done: bool, what: String| {
        if done {
            Verdict::Done(format!("found in the directory: {what}"))
        } else {
            Verdict::NotDone(format!("not in the directory: {what}"))
        }
    };
    match action {
        "leaver.disable" => yes(
            !a.enabled,
            format!(
                "{who} is {}",
                if a.enabled { "enabled" } else { "disabled" }
            ),
        ),
        "leaver.stamp" => {
            let want = d.get("description").and_then(Value::as_str);
            yes(
                a.description.as_deref() == want,
                format!("{who}'s description is {:?}", a.description),
            )
        }
        "leaver.expire" => {
            let want: Option<DateTime<Utc>> = d
                .get("expires")
                .and_then(|v| serde_json::from_value(v.clone()).ok());
            let ok = match (a.expires, want) {
                (Some(e), Some(w)) => (e - w).num_seconds().abs() <= 120,
                _ => false,
            };
            yes(ok, format!("{who} expires {:?}", a.expires))
        }
        "leaver.groups" => {
            let left: Vec<String> = groups_of(d)
                .into_iter()
                .filter(|g| a.group_dns.iter().any(|x| norm_dn(x) == norm_dn(g)))
                .collect();
            yes(
                left.is_empty(),
                if left.is_empty() {
                    format!("{who} is in none of its old groups")
                } else {
                    format!("{who} is still in {}", left.join("; "))
                },
            )
        }
        "leaver.move" => {
            let to = d.get("to").and_then(Value::as_str).unwrap_or_default();
            yes(
                norm_dn(a.parent_dn()) == norm_dn(to),
                format!("{who} is in {}", a.parent_dn()),
            )
        }
        other => Verdict::Open(format!("\"{other}\" is not a sweep step")),
    }
}

/// Carries out one planned step under the journal: begun, then done (with its action-log row, in
/// one transaction), failed, or unknown.
async fn do_step(
    ctx: &Ctx,
    store: &Store,
    e: &JournalEntry,
    details: &Value,
    cache: &mut Option<Account>,
) -> Result<()> {
    let (id, action, target) = (e.id, e.action.as_str(), e.target.as_str());
    store.journal_begin_step(id, ctx.wall_now())?;
    crate::testpoint::pause("sweep-step-begun");
    let result = within_limit(
        ctx,
        &format!("{action} {target}"),
        run_action(ctx, action, target, details, cache),
    )
    .await;
    crate::testpoint::pause("sweep-step-sent");
    close_steps(ctx, store, &[(id, action, details)], target, result)
}

/// The plain attribute steps, which one LDAP modify can carry together.
const ATTRIBUTE_STEPS: [&str; 3] = ["leaver.disable", "leaver.stamp", "leaver.expire"];

/// How many entries from the first are planned, never begun, attribute steps of one account.
fn fresh_attribute_run(entries: &[JournalEntry]) -> usize {
    let fresh = |e: &JournalEntry| {
        e.state == JournalState::Pending
            && e.pid.is_none()
            && ATTRIBUTE_STEPS.contains(&e.action.as_str())
    };
    match entries.first() {
        Some(first) if fresh(first) => entries
            .iter()
            .take_while(|e| fresh(e) && e.target == first.target)
            .count(),
        _ => 0,
    }
}

/// Carries out several attribute steps of one account as one modify (all take effect or none),
/// each journaled on its own: all begun, then all done (each with its action-log row), failed or
/// unknown. After a kill in between, resume settles each against the directory as usual.
async fn do_attribute_steps(
    ctx: &Ctx,
    store: &Store,
    batch: &[JournalEntry],
    cache: &mut Option<Account>,
) -> Result<()> {
    let Some(first) = batch.first() else {
        return Ok(());
    };
    let target = first.target.as_str();
    for e in batch {
        store.journal_begin_step(e.id, ctx.wall_now())?;
    }
    crate::testpoint::pause("sweep-step-begun");
    let work = async {
        let mut a = account_for(ctx, target, cache).await?;
        let changes: Vec<AccountChange> = batch
            .iter()
            .filter_map(|e| attribute_change(&e.action, &a, &e.details, ctx.wall_now()))
            .collect();
        ctx.dir.modify_account_all(&a, &changes).await?;
        for c in &changes {
            apply_locally(&mut a, c);
        }
        *cache = Some(a);
        Ok(())
    };
    let result = within_limit(ctx, &format!("suspend {target}"), work).await;
    if result.is_err() {
        *cache = None;
    }
    crate::testpoint::pause("sweep-step-sent");
    let steps: Vec<(i64, &str, &Value)> = batch
        .iter()
        .map(|e| (e.id, e.action.as_str(), &e.details))
        .collect();
    close_steps(ctx, store, &steps, target, result)
}

/// Runs `work` within four times the directory's operation timeout; no answer is an error whose
/// outcome is unknown.
async fn within_limit<F: std::future::Future<Output = Result<()>>>(
    ctx: &Ctx,
    doing: &str,
    work: F,
) -> Result<()> {
    let limit = std::time::Duration::from_secs(ctx.config.directory.op_timeout_s.max(1) * 4);
    match tokio::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(_) => Err(Error::NoAnswer {
            doing: doing.to_string(),
            detail: format!("no answer within {} s", limit.as_secs()),
        }),
    }
}

/// Records how begun steps ended: done (each with its action-log row), failed or unknown.
fn close_steps(
    ctx: &Ctx,
    store: &Store,
    steps: &[(i64, &str, &Value)],
    target: &str,
    result: Result<()>,
) -> Result<()> {
    match result {
        Ok(()) => {
            for (id, action, details) in steps {
                store.journal_close(
                    *id,
                    &Outcome::Done,
                    Some(NewAction {
                        action,
                        target,
                        details: (*details).clone(),
                    }),
                    ctx.wall_now(),
                )?;
            }
            Ok(())
        }
        Err(e) => {
            let outcome = if e.outcome_unknown() {
                Outcome::Unknown(e.to_string())
            } else {
                Outcome::Failed(e.to_string())
            };
            for (id, _, _) in steps {
                if let Err(j) = store.journal_close(*id, &outcome, None, ctx.wall_now()) {
                    tracing::warn!("journal entry {id} stays pending: {j}");
                }
            }
            Err(e)
        }
    }
}

/// The account a step acts on: the one the previous step of the same account left (as it now
/// stands), else read from the directory.
async fn account_for(ctx: &Ctx, target: &str, cache: &mut Option<Account>) -> Result<Account> {
    if let Some(a) = cache.take() {
        if a.username.eq_ignore_ascii_case(target) {
            return Ok(a);
        }
    }
    ctx.dir.get_account(target).await?.ok_or_else(|| {
        Error::Input(format!(
            "{target} is no longer in the directory; nothing was done"
        ))
    })
}

/// The attribute change an attribute step makes on `a`, if any is still needed.
fn attribute_change(
    action: &str,
    a: &Account,
    d: &Value,
    now: DateTime<Utc>,
) -> Option<AccountChange> {
    match action {
        "leaver.disable" => a.enabled.then_some(AccountChange::SetEnabled(false)),
        "leaver.stamp" => Some(AccountChange::SetDescription(
            d.get("description")
                .and_then(Value::as_str)
                .map(String::from),
        )),
        "leaver.expire" => {
            let t: Option<DateTime<Utc>> = d
                .get("expires")
                .and_then(|v| serde_json::from_value(v.clone()).ok());
            Some(AccountChange::SetExpires(Some(t.unwrap_or(now))))
        }
        _ => None,
    }
}

/// What `a` looks like after `c` took effect.
fn apply_locally(a: &mut Account, c: &AccountChange) {
    match c {
        AccountChange::SetEnabled(on) => a.enabled = *on,
        AccountChange::SetDescription(d) => a.description = d.clone(),
        AccountChange::SetExpires(t) => a.expires = *t,
        _ => {}
    }
}

async fn run_action(
    ctx: &Ctx,
    action: &str,
    target: &str,
    d: &Value,
    cache: &mut Option<Account>,
) -> Result<()> {
    let mut a = account_for(ctx, target, cache).await?;
    let what = if action == "leaver.purge" {
        "delete"
    } else {
        "change"
    };
    crate::ops::protect::refuse(ctx, action, what, &a).await?;
    let dir = &ctx.dir;
    match action {
        "leaver.disable" | "leaver.stamp" | "leaver.expire" => {
            if let Some(c) = attribute_change(action, &a, d, ctx.wall_now()) {
                dir.modify_account(&a, &c).await?;
                apply_locally(&mut a, &c);
            }
        }
        "leaver.groups" => {
            let mut removed = 0;
            for g in groups_of(d) {
                if !a.group_dns.iter().any(|x| norm_dn(x) == norm_dn(&g)) {
                    continue;
                }
                if let Err(e) = dir.remove_from_group(&a, &g).await {
                    if removed == 0 && !e.outcome_unknown() {
                        return Err(e);
                    }
                    return Err(Error::Partial {
                        done: format!("{target} was taken out of {removed} group(s)"),
                        failed: format!("removing it from {g} failed: {e}"),
                        fix: "run `schooltech sweep --resume`, which finishes it".into(),
                    });
                }
                a.group_dns.retain(|x| norm_dn(x) != norm_dn(&g));
                removed += 1;
            }
        }
        "leaver.purge" => {
            // Only the object the sweep suspended, still as it left it.
            if let Some(want) = d.get("object_id").and_then(Value::as_str) {
                if !a
                    .object_id
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(want))
                {
                    return Err(Error::Input(format!(
                        "{target} is no longer the account the sweep suspended (its object id is {}, not {want}); nothing was deleted",
                        a.object_id.as_deref().unwrap_or("unknown")
                    )));
                }
            }
            if a.enabled || a.description.as_deref().and_then(parse_stamp).is_none() {
                return Err(Error::Input(format!(
                    "{target} is no longer as the sweep left it (enabled, or its stamp is gone); nothing was deleted"
                )));
            }
            dir.delete_account(&a).await?;
            return Ok(());
        }
        "leaver.move" => {
            let to = d.get("to").and_then(Value::as_str).unwrap_or_default();
            if norm_dn(a.parent_dn()) != norm_dn(to) {
                let name = d.get("name").and_then(Value::as_str);
                dir.move_account_as(&a, to, name).await?;
            }
            // Its DN changed: the next step reads it again.
            return Ok(());
        }
        other => return Err(Error::Input(format!("\"{other}\" is not a sweep step"))),
    }
    *cache = Some(a);
    Ok(())
}

/// What a run did, for `sweep report`.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The run.
    pub run: SweepRun,
    /// Each account it suspended.
    pub accounts: Vec<AccountReport>,
}

/// One account in a run's report.
#[derive(Debug, Clone, Serialize)]
pub struct AccountReport {
    /// What was kept of it.
    pub record: LeaverRecord,
    /// Its steps: (action, state, error).
    pub steps: Vec<StepReport>,
    /// Shared credentials it knew (staff): change them now.
    pub credentials_due: Vec<String>,
    /// Equipment still on loan to it.
    pub equipment_on_loan: Vec<String>,
}

/// One step in a report.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// Step number.
    pub step: i64,
    /// Action.
    pub action: String,
    /// Where it stands.
    pub state: JournalState,
    /// Why it failed or is unknown.
    pub error: Option<String>,
}

/// The report of one run.
pub fn report(ctx: &Ctx, run_id: &str) -> Result<RunReport> {
    let store = ctx.store()?;
    let run = store.sweep_run(run_id)?.ok_or_else(|| {
        Error::Usage(format!(
            "no sweep run {run_id}: see `schooltech sweep list`"
        ))
    })?;
    let entries = store.journal_run(run_id)?;
    let creds = crate::ops::creds::list(ctx).unwrap_or_default();
    let mut accounts = Vec::new();
    for record in store.leaver_records(run_id)? {
        let u = record.username.to_lowercase();
        let steps = entries
            .iter()
            .filter(|e| e.target.to_lowercase() == u)
            .map(|e| StepReport {
                step: e.step.unwrap_or(0),
                action: e.action.clone(),
                state: e.state,
                error: e.error.clone(),
            })
            .collect();
        let staff = record.role.as_deref() == Some("staff");
        let credentials_due = if staff {
            creds
                .iter()
                .filter(|c| c.known_by.iter().any(|k| k.to_lowercase() == u))
                .map(|c| format!("{} ({}): leaver-knows, change it now", c.name, c.system))
                .collect()
        } else {
            Vec::new()
        };
        let equipment_on_loan = crate::ops::inventory::equipment_on_loan_to(ctx, &record.username)
            .unwrap_or_default()
            .into_iter()
            .map(|(l, a)| {
                format!(
                    "{} {} {} (issued {})",
                    a.tag,
                    a.manufacturer,
                    a.model,
                    l.issued_at.format("%Y-%m-%d")
                )
            })
            .collect();
        accounts.push(AccountReport {
            record,
            steps,
            credentials_due,
            equipment_on_loan,
        });
    }
    Ok(RunReport { run, accounts })
}

/// The accounts `sweep purge` deletes: suspended longer than their grace period, not protected.
pub async fn plan_purge(ctx: &Ctx) -> Result<Vec<Finding>> {
    let s = scan(ctx, None).await?;
    Ok(s.findings
        .into_iter()
        .filter(|f| f.action == Action::Purge && !f.protected)
        .collect())
}

/// Deletes them in a journaled run, keeping a minimal record of each (username, name, role, MIS
/// id, dates, reason: no groups, no description).
pub async fn purge(ctx: &Ctx, due: &[Finding]) -> Result<Option<RunOutcome>> {
    ctx.refuse_as_of("sweep purge --apply")?;
    if due.is_empty() {
        return Ok(None);
    }
    let store = ctx.store()?;
    let now = ctx.wall_now();
    let run_id = format!(
        "purge-{}-{}",
        now.format("%Y%m%d-%H%M%S"),
        std::process::id()
    );
    let open = store.leaver_open_suspensions()?;
    let mut records = Vec::new();
    for f in due {
        let a = ctx.dir.get_account(&f.username).await?;
        // The sweep's record of this very object (by id; a legacy one by username).
        let kept = open
            .iter()
            .find(|o| match (&o.record.object_id, &f.object_id) {
                (Some(r), Some(x)) => r.eq_ignore_ascii_case(x),
                (Some(_), None) => false,
                (None, _) => o.record.username.eq_ignore_ascii_case(&f.username),
            })
            .map(|o| o.record.clone());
        let stamp = a
            .as_ref()
            .and_then(|a| a.description.as_deref())
            .and_then(parse_stamp);
        records.push(LeaverRecord {
            run_id: run_id.clone(),
            username: f.username.clone(),
            name: a.as_ref().and_then(|a| a.display_name.clone()),
            role: kept
                .as_ref()
                .and_then(|k| k.role.clone())
                .or(f.role.clone()),
            mis_id: a.as_ref().and_then(|a| a.mis_id.clone()),
            dn: f.dn.clone(),
            groups: Vec::new(),
            description: None,
            enabled: false,
            leaving_date: kept
                .as_ref()
                .and_then(|k| k.leaving_date)
                .or(stamp.map(|s| s.0)),
            reason: "overdue-purge".into(),
            suspended_on: kept
                .as_ref()
                .map(|k| k.suspended_on)
                .or(stamp.map(|s| s.1))
                .unwrap_or(now.london_date()),
            object_id: f.object_id.clone(),
        });
    }
    let run = SweepRun {
        run_id: run_id.clone(),
        kind: "purge".into(),
        created_at: now,
        operator: ctx.operator.clone(),
        source: "sweep purge".into(),
        as_of: ctx.as_of,
        steps: due.len() as i64,
        lock_pid: None,
        finished_at: None,
    };
    store.sweep_create(&run, &records)?;
    let steps: Vec<(&str, &str, Value)> = due
        .iter()
        .map(|f| {
            (
                "leaver.purge",
                f.username.as_str(),
                json!({ "dn": f.dn, "object_id": f.object_id }),
            )
        })
        .collect();
    store.journal_plan(&run_id, &steps, now)?;
    execute(ctx, &store, &run_id).await.map(Some)
}
