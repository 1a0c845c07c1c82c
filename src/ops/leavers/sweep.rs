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
use crate::ops::identity::{recheck, target_of, Depends};
use crate::ops::protect::norm_dn;
use crate::ops::runner::{self, no_progress, Executor, Planned, RunStep, Step, Target};
pub use crate::ops::runner::{Progress, RunOutcome, StepEvent, StepState};
use crate::ops::settle::Verdict;
use crate::ops::Ctx;
use crate::store::journal::JournalState;
use crate::store::leavers::{LeaverRecord, SweepRun};
use crate::store::Store;
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
    /// The step itself (what `action` and `details` are the journal's form of).
    #[serde(skip)]
    pub step: Step,
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

fn step(target: &str, step: Step, describe: String) -> PlannedStep {
    let (action, details) = step.to_journal();
    PlannedStep {
        action,
        target: target.into(),
        details,
        describe,
        step,
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
    let mut steps = Vec::new();
    if a.enabled {
        steps.push(step(
            &u,
            Step::LeaverDisable {
                target: target_of(a),
            },
            format!("disable {u}"),
        ));
    }
    if a.description.as_deref().and_then(parse_stamp).is_none() {
        let d = suspend_stamp(left, today);
        steps.push(step(
            &u,
            Step::LeaverStamp {
                description: d.clone(),
                before: a.description.clone(),
                target: target_of(a),
            },
            format!("set the description to \"{d}\""),
        ));
    }
    if ctx.dir.flavour() == Flavour::ActiveDirectory && a.expires.is_none_or(|e| e > ctx.wall_now())
    {
        let t = ctx.wall_now();
        steps.push(step(
            &u,
            Step::LeaverExpire {
                expires: t,
                target: target_of(a),
            },
            format!("set accountExpires to {}", t.format("%Y-%m-%d %H:%M")),
        ));
    }
    if ctx.config.leavers.remove_groups && !a.group_dns.is_empty() {
        steps.push(step(
            &u,
            Step::LeaverGroups {
                groups: a.group_dns.clone(),
                target: target_of(a),
            },
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
                &u,
                Step::LeaverMove {
                    from: a.parent_dn().to_string(),
                    to: ou.to_string(),
                    name,
                    target: target_of(a),
                },
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
    let steps: Vec<Planned> = plan
        .accounts
        .iter()
        .flat_map(|a| a.steps.iter())
        .map(|s| Planned {
            target: s.target.clone(),
            step: s.step.clone(),
        })
        .collect();
    runner::plan_run(ctx, &store, &run_id, &steps)?;
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
    runner::execute(ctx, store, run_id, &mut Sweeper::default(), progress).await
}

/// Carries out the sweep's and the purge's steps for the runner.
#[derive(Default)]
struct Sweeper {
    /// The account the last fresh step acted on, as it now stands: the next step of the same
    /// account uses it instead of reading it again (the plan's steps for one account are
    /// consecutive). Anything else (a settle, a retry, an error) reads the directory afresh.
    cache: Option<Account>,
}

#[async_trait::async_trait]
impl Executor for Sweeper {
    async fn run(&mut self, ctx: &Ctx, s: &RunStep) -> Result<()> {
        run_action(ctx, s, &mut self.cache).await
    }

    /// Fresh attribute steps of one account (disable, stamp, expire): one modify.
    fn batch_len(&self, fresh: &[RunStep]) -> usize {
        let Some(first) = fresh.first() else {
            return 0;
        };
        fresh
            .iter()
            .take_while(|s| is_attribute(&s.step) && s.target() == first.target())
            .count()
    }

    /// Several attribute steps of one account as one modify (all take effect or none).
    async fn run_batch(&mut self, ctx: &Ctx, batch: &[RunStep]) -> Result<()> {
        let Some(first) = batch.first() else {
            return Ok(());
        };
        let mut a = account_for(ctx, first, &mut self.cache).await?;
        let changes: Vec<AccountChange> = batch
            .iter()
            .filter_map(|s| attribute_change(&s.step, &a, ctx.wall_now()))
            .collect();
        ctx.dir.modify_account_all(&a, &changes).await?;
        for c in &changes {
            apply_locally(&mut a, c);
        }
        self.cache = Some(a);
        Ok(())
    }

    async fn check(&mut self, ctx: &Ctx, s: &RunStep) -> Verdict {
        let target = s.target();
        let planned = s.step.target();
        // The object planned, by its id (the username may belong to another account now).
        let found = match &planned.object_id {
            Some(id) => ctx.dir.get_by_id(id).await,
            None => ctx.dir.get_account(target).await,
        };
        match found {
            Ok(a) if matches!(s.step, Step::LeaverPurge { .. }) => {
                purge_verdict(target, a.is_none())
            }
            Ok(Some(a)) => step_verdict(&s.step, &a),
            // The object planned is gone: nothing more can be done to it; trying the step again
            // refuses it with the reason.
            Ok(None) => Verdict::NotDone(format!(
                "not in the directory: the account planned as {target} is gone"
            )),
            Err(err) => Verdict::Open(format!("could not read {target}: {err}")),
        }
    }

    fn forget(&mut self) {
        self.cache = None;
    }
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
pub fn verdict(action: &str, a: &Account, d: &Value) -> Verdict {
    match Step::from_journal(action, d) {
        Ok(step) => step_verdict(&step, a),
        Err(e) => Verdict::Open(e.to_string()),
    }
}

/// What the directory shows of `step` on `a`.
fn step_verdict(step: &Step, a: &Account) -> Verdict {
    let who = &a.username;
    let yes = |done: bool, what: String| {
        if done {
            Verdict::Done(format!("found in the directory: {what}"))
        } else {
            Verdict::NotDone(format!("not in the directory: {what}"))
        }
    };
    match step {
        Step::LeaverDisable { .. } => yes(
            !a.enabled,
            format!(
                "{who} is {}",
                if a.enabled { "enabled" } else { "disabled" }
            ),
        ),
        Step::LeaverStamp { description, .. } => yes(
            a.description.as_deref() == Some(description.as_str()),
            format!("{who}'s description is {:?}", a.description),
        ),
        Step::LeaverExpire { expires, .. } => {
            let ok = a
                .expires
                .is_some_and(|e| (e - *expires).num_seconds().abs() <= 120);
            yes(ok, format!("{who} expires {:?}", a.expires))
        }
        Step::LeaverGroups { groups, .. } => {
            let left: Vec<&str> = groups
                .iter()
                .filter(|g| a.group_dns.iter().any(|x| norm_dn(x) == norm_dn(g)))
                .map(String::as_str)
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
        Step::LeaverMove { to, .. } => yes(
            norm_dn(a.parent_dn()) == norm_dn(to),
            format!("{who} is in {}", a.parent_dn()),
        ),
        Step::LeaverPurge { .. } => purge_verdict(who, false),
        other => Verdict::Open(format!("\"{}\" is not a sweep step", other.action())),
    }
}

/// The plain attribute steps, which one LDAP modify can carry together.
fn is_attribute(s: &Step) -> bool {
    matches!(
        s,
        Step::LeaverDisable { .. } | Step::LeaverStamp { .. } | Step::LeaverExpire { .. }
    )
}

/// The account a step acts on: the one the previous step of the same account left (as it now
/// stands), else read from the directory.
async fn account_for(ctx: &Ctx, s: &RunStep, cache: &mut Option<Account>) -> Result<Account> {
    let target = s.target();
    if let Some(a) = cache.take() {
        if a.username.eq_ignore_ascii_case(target) {
            return Ok(a);
        }
    }
    // The object planned, found again by its id wherever it is now (a move or a new entry
    // name is followed: the sweep suspends the person's account, not a place); refused when it
    // is gone or another account holds its username.
    recheck(ctx, target, s.step.target(), Depends::Object).await
}

/// The attribute change an attribute step makes on `a`, if any is still needed.
fn attribute_change(step: &Step, a: &Account, _now: DateTime<Utc>) -> Option<AccountChange> {
    match step {
        Step::LeaverDisable { .. } => a.enabled.then_some(AccountChange::SetEnabled(false)),
        Step::LeaverStamp { description, .. } => {
            Some(AccountChange::SetDescription(Some(description.clone())))
        }
        Step::LeaverExpire { expires, .. } => Some(AccountChange::SetExpires(Some(*expires))),
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

async fn run_action(ctx: &Ctx, s: &RunStep, cache: &mut Option<Account>) -> Result<()> {
    let target = s.target();
    let mut a = account_for(ctx, s, cache).await?;
    let purge = matches!(s.step, Step::LeaverPurge { .. });
    let what = if purge { "delete" } else { "change" };
    crate::ops::protect::refuse(ctx, s.action(), what, &a).await?;
    let dir = &ctx.dir;
    match &s.step {
        Step::LeaverDisable { .. } | Step::LeaverStamp { .. } | Step::LeaverExpire { .. } => {
            if let Some(c) = attribute_change(&s.step, &a, ctx.wall_now()) {
                dir.modify_account(&a, &c).await?;
                apply_locally(&mut a, &c);
            }
        }
        Step::LeaverGroups { groups, .. } => {
            let mut removed = 0;
            for g in groups {
                if !a.group_dns.iter().any(|x| norm_dn(x) == norm_dn(g)) {
                    continue;
                }
                if let Err(e) = dir.remove_from_group(&a, g).await {
                    if removed == 0 && !e.outcome_unknown() {
                        return Err(e);
                    }
                    return Err(Error::Partial {
                        done: format!("{target} was taken out of {removed} group(s)"),
                        failed: format!("removing it from {g} failed: {e}"),
                        fix: "run `schooltech sweep --resume`, which finishes it".into(),
                    });
                }
                a.group_dns.retain(|x| norm_dn(x) != norm_dn(g));
                removed += 1;
            }
        }
        Step::LeaverPurge { target: t } => {
            // Only the object the sweep suspended, still as it left it.
            if let Some(want) = &t.object_id {
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
        Step::LeaverMove { to, name, .. } => {
            if norm_dn(a.parent_dn()) != norm_dn(to) {
                dir.move_account_as(&a, to, name.as_deref()).await?;
            }
            // Its DN changed: the next step reads it again.
            return Ok(());
        }
        other => {
            return Err(Error::Input(format!(
                "\"{}\" is not a sweep step; settle it by hand with `schooltech log settle`",
                other.action()
            )))
        }
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
    purge_with(ctx, due, &no_progress).await
}

/// [`purge`], telling `progress` of every step.
pub async fn purge_with(
    ctx: &Ctx,
    due: &[Finding],
    progress: Progress<'_>,
) -> Result<Option<RunOutcome>> {
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
    let steps: Vec<Planned> = due
        .iter()
        .map(|f| Planned {
            target: f.username.clone(),
            step: Step::LeaverPurge {
                target: Target {
                    dn: Some(f.dn.clone()),
                    object_id: f.object_id.clone(),
                    retry_of: None,
                },
            },
        })
        .collect();
    runner::plan_run(ctx, &store, &run_id, &steps)?;
    execute_with(ctx, &store, &run_id, progress).await.map(Some)
}
