//! Applying a sync plan as one journaled run on the one runner (`ops::runner`, as the sweep):
//! the plan's typed steps (create, move, groups, rename, enable, password) are saved in the
//! journal under the run id before the first is sent, with the tolerated marks (one
//! transaction: nothing to resume for them); then the runner carries out each (begun, then done
//! with its action-log row in one transaction, failed, or unknown). A run killed part-way is
//! finished by `sync --resume`: done steps are skipped, begun ones are settled by reading the
//! directory (never sent twice), failed ones are tried again, the rest are done.

use super::{Ctx, SyncPlan};
use crate::directory::Secret;
use crate::domain::account::{Account, AccountChange, NewAccount};
use crate::domain::sync::{Detail, Placement};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::identity::{recheck, target_of, Depends};
use crate::ops::protect::{norm_dn as norm, ProtectedReason, Protection};
use crate::ops::runner::{self, Executor, Planned, RunKind, RunStep, Step, StepEvent, Target};
use crate::ops::settle::Verdict;
use crate::store::sync::SyncRun;
use crate::store::Store;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A new or reactivated account's temporary password, for the slips (never stored).
#[derive(Debug, Clone)]
pub struct SlipLine {
    /// Name.
    pub name: String,
    /// Form (or role).
    pub form: String,
    /// Username.
    pub username: String,
    /// Temporary password.
    pub password: Secret,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct RunOutcome {
    /// The run.
    pub run_id: String,
    /// Steps done now.
    pub done: usize,
    /// Steps found done already (a resumed run).
    pub already: usize,
    /// Steps that failed or are still unknown, with why.
    pub problems: Vec<String>,
    /// Accounts whose password was set and is known (created, reactivated).
    pub passwords: Vec<SlipLine>,
    /// Accounts made or given a password before an interruption: the password is lost.
    pub lost_passwords: Vec<String>,
    /// Every step is done: the run is closed.
    pub finished: bool,
    /// The summary by year of the plan.
    pub summary: Vec<String>,
    /// Steps refused because their account is no longer the one planned (gone, replaced,
    /// renamed): never tried again; they do not keep the run open.
    pub refused: Vec<String>,
}

/// One step being carried out, for a progress view: (step, total, action, target).
pub type Progress<'a> = &'a (dyn Fn(usize, usize, &str, &str) + Sync);

fn no_progress(_: usize, _: usize, _: &str, _: &str) {}

/// Saves the plan (run, marks, journal steps), then carries it out. A refused roll is an error
/// and nothing is saved or marked. `None` when there is nothing to do but keep the marks.
pub async fn apply(ctx: &Ctx, plan: &SyncPlan) -> Result<Option<RunOutcome>> {
    apply_with(ctx, plan, &no_progress, &mut |_| Ok(())).await
}

/// [`apply`], telling `progress` of every step and handing each known password to `slip` as
/// soon as it is set (the caller writes it out at once, so a kill loses none).
pub async fn apply_with(
    ctx: &Ctx,
    plan: &SyncPlan,
    progress: Progress<'_>,
    slip: &mut (dyn FnMut(&SlipLine) -> Result<()> + Send),
) -> Result<Option<RunOutcome>> {
    ctx.refuse_as_of("sync --apply")?;
    if let Some(why) = &plan.plan.refused {
        return Err(Error::Usage(why.clone()));
    }
    let store = ctx.store()?;
    let now = ctx.wall_now();
    let today = ctx.now().london_date();
    let run_id = format!(
        "sync-{}-{}",
        now.format("%Y%m%d-%H%M%S"),
        std::process::id()
    );
    let mut span = super::Timing::start("apply: steps");
    let steps = steps(ctx, plan).await?;
    if steps.is_empty() {
        store.sync_write_marks(&plan.marks, &plan.cleared, &run_id, today)?;
        return Ok(None);
    }
    let p = &plan.plan;
    let summary = json!({
        "create": p.create.len(),
        "move": p.moves.len(),
        "rename": p.rename.len(),
        "tolerate": p.tolerate.len(),
        "reactivate": p.reactivate.len(),
        "review": p.review.len(),
        "unchanged": p.unchanged,
        "by_year": p.summary_by_year(),
    });
    let run = SyncRun {
        run_id: run_id.clone(),
        created_at: now,
        operator: ctx.operator.clone(),
        source: plan.source.clone(),
        summary,
        steps: steps.len() as i64,
        lock_pid: None,
        finished_at: None,
    };
    span.next("apply: saving the run");
    store.sync_create(&run, &plan.marks, &plan.cleared, today)?;
    runner::plan_run(ctx, &store, &run_id, &steps)?;
    span.next("apply: execute");
    let mut out = execute(ctx, &store, &run_id, progress, slip).await?;
    drop(span);
    out.summary = p.summary_by_year();
    Ok(Some(out))
}

/// Finishes the open run, if there is one.
pub async fn resume(
    ctx: &Ctx,
    progress: Progress<'_>,
    slip: &mut (dyn FnMut(&SlipLine) -> Result<()> + Send),
) -> Result<Option<RunOutcome>> {
    ctx.refuse_as_of("sync --resume")?;
    if !ctx.is_demo() && !ctx.config.store.path.exists() {
        return Ok(None);
    }
    let store = ctx.store()?;
    // Another schooltech still working on the run (a terminal closed under it, a kill that
    // reached only its parent): wait for it, then finish what it left.
    let mut waited = false;
    let start = std::time::Instant::now();
    while let Some(run) = store.sync_open_run()? {
        let Some(pid) = store.sync_lock_holder(&run.run_id)? else {
            break;
        };
        if start.elapsed() > std::time::Duration::from_secs(3600) {
            return Err(Error::Usage(format!(
                "another schooltech (process {pid}) is still running sync {} after an hour; stop it, then run `schooltech sync --resume`",
                run.run_id
            )));
        }
        if !waited {
            tracing::warn!(
                "another schooltech (process {pid}) is running sync {}; waiting for it to finish",
                run.run_id
            );
            waited = true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    match store.sync_open_run()? {
        None if waited => Ok(Some(RunOutcome {
            run_id: "(finished by the other process)".into(),
            finished: true,
            ..RunOutcome::default()
        })),
        None => Ok(None),
        Some(run) => {
            let mut out = execute(ctx, &store, &run.run_id, progress, slip).await?;
            out.summary = run.summary_strings(&["by_year"]);
            Ok(Some(out))
        }
    }
}

/// The open run, if any (what `sync --resume` would finish).
pub fn unfinished(ctx: &Ctx) -> Result<Option<SyncRun>> {
    if !ctx.is_demo() && !ctx.config.store.path.exists() {
        return Ok(None);
    }
    ctx.store()?.sync_open_run()
}

/// The plan's steps in the order they are made: moves (top year first), renames,
/// reactivations, then joiners. Group names are looked up once each. Each step on an existing
/// account names it by its DN and stable id, so it is found again (and refused when it is no
/// longer the one planned) when the step is made.
async fn steps(ctx: &Ctx, plan: &SyncPlan) -> Result<Vec<Planned>> {
    let mut groups: HashMap<String, Option<String>> = HashMap::new();
    let mut out = Vec::new();
    let p = &plan.plan;
    let targets: HashMap<String, Target> = plan
        .accounts
        .iter()
        .map(|a| (a.username.to_lowercase(), target_of(a)))
        .collect();
    let target = |username: &str| {
        targets
            .get(&username.to_lowercase())
            .cloned()
            .unwrap_or_default()
    };
    for e in &p.moves {
        if let Detail::Move(pl) = &e.detail {
            let t = target(&e.item.username);
            placement_steps(ctx, &e.item.username, &t, pl, &mut groups, &mut out).await?;
        }
    }
    for e in &p.rename {
        if let Detail::Rename {
            dn,
            given,
            surname,
            display,
        } = &e.detail
        {
            let before = plan
                .accounts
                .iter()
                .find(|a| a.dn == *dn)
                .map(|a| json!({"given": a.given_name, "surname": a.surname, "display": a.display_name}))
                .unwrap_or(Value::Null);
            out.push(Planned {
                target: e.item.username.clone(),
                step: Step::SyncRename {
                    mis_id: Some(e.item.mis_id.clone()),
                    given: given.clone(),
                    surname: surname.clone(),
                    display: display.clone(),
                    before,
                    target: target(&e.item.username),
                },
            });
        }
    }
    for e in &p.reactivate {
        if let Detail::Reactivate {
            enable,
            placement,
            clear_expiry,
            clear_description,
        } = &e.detail
        {
            let t = target(&e.item.username);
            if *enable {
                out.push(Planned {
                    target: e.item.username.clone(),
                    step: Step::SyncEnable {
                        mis_id: Some(e.item.mis_id.clone()),
                        clear_expiry: *clear_expiry,
                        clear_description: *clear_description,
                        reason: e.item.reason.clone(),
                        target: t.clone(),
                    },
                });
            }
            placement_steps(ctx, &e.item.username, &t, placement, &mut groups, &mut out).await?;
            if *enable {
                out.push(Planned {
                    target: e.item.username.clone(),
                    step: Step::SyncPassword {
                        mis_id: Some(e.item.mis_id.clone()),
                        temporary: true,
                        name: e.item.name.clone(),
                        form: placement
                            .to_year
                            .map(|y| format!("Year {y}"))
                            .unwrap_or_default(),
                        target: t,
                    },
                });
            }
        }
    }
    // Joiners: their names in their OU kept free of the movers arriving there.
    let mut arrivals: std::collections::HashSet<(String, String)> = Default::default();
    for e in p.moves.iter().chain(p.reactivate.iter()) {
        let pl = match &e.detail {
            Detail::Move(pl) => pl,
            Detail::Reactivate { placement, .. } => placement,
            _ => continue,
        };
        if let Some(to) = &pl.to_ou {
            let name = pl
                .new_name
                .clone()
                .unwrap_or_else(|| crate::domain::dn::first_rdn_value(&pl.dn));
            arrivals.insert((to.to_lowercase(), name.to_lowercase()));
        }
    }
    let mut names = crate::ops::import::NameChecks::default();
    let mut ous = crate::ops::actions::OuCache::default();
    let mut planned = Vec::new();
    for e in &p.create {
        let Detail::Create {
            role,
            given,
            surname,
            year,
            form,
            ou,
            groups: gnames,
            ..
        } = &e.detail
        else {
            continue;
        };
        // The one plan of a new account (as `accounts import` with layout rules): the OU and
        // groups the rules give (the role's when they name no OU); the username chosen above.
        let req = crate::ops::actions::CreateRequest {
            role: role.clone(),
            first: given.clone(),
            last: surname.clone(),
            mis_id: Some(e.item.mis_id.clone()),
            username: Some(e.item.username.clone()),
            place: Some(Box::new(crate::ops::actions::Place {
                ou: ou.clone(),
                groups: gnames.clone(),
                username: String::new(),
                year: *year,
            })),
            ..Default::default()
        };
        let mut new = crate::ops::actions::plan_create_cached(ctx, &req, &[], &mut ous).await?;
        // The sync sets no expiry (a guest's comes from the roll's leaving date, by the sweep).
        new.expires = None;
        planned.push((e, new, role.clone(), year, form.clone()));
    }
    names.check(ctx, planned.iter().map(|(_, n, ..)| n)).await?;
    for (_, mut new, role, year, form) in planned {
        let base = new.display_name.clone();
        if arrivals.contains(&(new.parent_dn.to_lowercase(), base.to_lowercase())) {
            new.cn = Some(format!("{base} ({})", new.username));
        }
        if new.cn.is_none() {
            crate::ops::import::unique_name(ctx, &mut new, &mut names).await?;
        }
        if let Some(why) = crate::ops::protect::Protection::from_ctx(ctx).check_new(&new, false) {
            crate::ops::protect::log_refusal(ctx, "account.create", &new.username, &why);
            continue;
        }
        out.push(Planned {
            target: new.username.clone(),
            step: Step::SyncCreate {
                mis_id: new.mis_id,
                role,
                given: new.given_name,
                surname: new.surname,
                display: new.display_name,
                parent_dn: new.parent_dn,
                cn: new.cn,
                groups: new.groups,
                year: *year,
                form,
                temporary_password_set: true,
                target: Target::default(),
            },
        });
    }
    Ok(out)
}

async fn group_dn(
    ctx: &Ctx,
    name: &str,
    cache: &mut HashMap<String, Option<String>>,
) -> Result<Option<String>> {
    let key = name.to_lowercase();
    if let Some(d) = cache.get(&key) {
        return Ok(d.clone());
    }
    let found = ctx.dir.find_group(name).await?.map(|g| g.dn);
    if found.is_none() {
        tracing::warn!(
            "no group \"{name}\" in the directory: the layout rules name it; create it, or fix [sync.layout]"
        );
    }
    cache.insert(key, found.clone());
    Ok(found)
}

/// A placement's steps: leave the old groups, move, join the new groups. Leaving before the
/// move means the move has no member to carry along in those groups (on OpenLDAP without the
/// refint overlay each would be one more write), and joining after it names the new DN.
async fn placement_steps(
    ctx: &Ctx,
    username: &str,
    target: &Target,
    pl: &Placement,
    groups: &mut HashMap<String, Option<String>>,
    out: &mut Vec<Planned>,
) -> Result<()> {
    let mut add = Vec::new();
    for g in &pl.add {
        if let Some(dn) = group_dn(ctx, g, groups).await? {
            add.push(dn);
        }
    }
    let mut remove = Vec::new();
    for g in &pl.remove {
        if let Some(dn) = group_dn(ctx, g, groups).await? {
            remove.push(dn);
        }
    }
    let group_step = |add: Vec<String>, remove: Vec<String>| Planned {
        target: username.to_string(),
        step: Step::SyncGroups {
            add,
            remove,
            target: target.clone(),
        },
    };
    let Some(to) = &pl.to_ou else {
        if !add.is_empty() || !remove.is_empty() {
            out.push(group_step(add, remove));
        }
        return Ok(());
    };
    if let Some(why) = Protection::from_ctx(ctx).check_target_ou(to) {
        crate::ops::protect::log_refusal(ctx, "account.move", username, &why);
        return Ok(());
    }
    if !remove.is_empty() {
        out.push(group_step(Vec::new(), remove));
    }
    out.push(Planned {
        target: username.to_string(),
        step: Step::SyncMove {
            from: crate::domain::dn::parent_dn(&pl.dn).to_string(),
            to: to.clone(),
            name: pl.new_name.clone(),
            target: target.clone(),
        },
    });
    if !add.is_empty() {
        out.push(group_step(add, Vec::new()));
    }
    Ok(())
}

/// Works through a run's steps on the one runner with the sync's executor, telling `progress`
/// of each step and handing each known password to `slip` as soon as it is set.
async fn execute(
    ctx: &Ctx,
    store: &Store,
    run_id: &str,
    progress: Progress<'_>,
    slip: &mut (dyn FnMut(&SlipLine) -> Result<()> + Send),
) -> Result<RunOutcome> {
    let total = store
        .journal_run(run_id)?
        .iter()
        .filter_map(|e| e.step)
        .max()
        .unwrap_or(0) as usize;
    let tell = |e: StepEvent| progress(e.step.max(0) as usize, total, &e.action, &e.target);
    let span = super::Timing::start("apply: protection");
    let protection = Protection::load(ctx).await?;
    drop(span);
    let mut exec = Syncer {
        slip,
        // The privileged set read from the directory once when the run (or its resume) begins
        // (per account, AD's transitive-membership search costs seconds on Samba).
        protection,
        seen: HashMap::new(),
        passwords: Vec::new(),
        lost: Vec::new(),
        hold: Vec::new(),
        known: HashMap::new(),
    };
    let r = runner::execute(ctx, store, run_id, &mut exec, &tell).await?;
    Ok(RunOutcome {
        run_id: r.run_id,
        done: r.done,
        already: r.already,
        problems: r.problems,
        passwords: exec.passwords,
        lost_passwords: exec.lost,
        finished: r.finished,
        summary: Vec::new(),
        refused: r.refused,
    })
}

/// Carries out the sync's steps for the runner.
struct Syncer<'a> {
    /// Where each known password goes as soon as it is set (before its outcome is recorded:
    /// a kill between loses none).
    slip: &'a mut (dyn FnMut(&SlipLine) -> Result<()> + Send),
    /// Protection, with the privileged set read once for the run.
    protection: Protection,
    /// Each account decided once.
    seen: HashMap<String, Option<ProtectedReason>>,
    /// The passwords set and known.
    passwords: Vec<SlipLine>,
    /// Accounts made (or given a password) before an interruption: the password is lost.
    lost: Vec<String>,
    /// Accounts just made that wait for their acceptable use agreement: held once recorded.
    hold: Vec<String>,
    /// The accounts of the chunk being worked through, read in one search just before it was
    /// begun and kept as each step leaves them (by lower-cased username): a step's identity
    /// re-check uses them instead of reading its account again. A failed step's account is
    /// dropped (read again by its id if it has another step).
    known: HashMap<String, Account>,
}

/// How many steps of a run are read, begun and recorded together (see `runner::Executor::
/// chunk_len`): a kill part-way leaves at most this many to settle by reading the directory.
const CHUNK: usize = 200;

impl Syncer<'_> {
    /// The account a step acts on: the object planned, found again by its id wherever it is
    /// now; refused when it is gone, another account holds its username, or it is protected.
    async fn account(&mut self, ctx: &Ctx, s: &RunStep) -> Result<Account> {
        let target = s.target();
        // Read with its chunk: the object planned when it holds the same stable id (as reading
        // it by its id and finding it under the same username); else read by its id, which
        // refuses it with the reason.
        let planned = s.step.target();
        let a = match self.known.remove(&target.to_lowercase()) {
            Some(a)
                if planned.object_id.is_none()
                    || planned.object_id.as_deref() == a.object_id.as_deref() =>
            {
                a
            }
            _ => recheck(ctx, target, planned, Depends::Object).await?,
        };
        let key = a.username.to_lowercase();
        let why = match self.seen.get(&key) {
            Some(r) => r.clone(),
            None => {
                let r = self.protection.check(&a);
                self.seen.insert(key, r.clone());
                r
            }
        };
        if let Some(why) = why {
            return Err(crate::ops::protect::refuse_logged(
                ctx,
                s.action(),
                "change",
                target,
                &why,
            ));
        }
        Ok(a)
    }

    /// Keeps an account as a step left it, for the next step of the same account.
    fn keep(&mut self, a: Account) {
        self.known.insert(a.username.to_lowercase(), a);
    }

    /// Hands a password to the slips; a failure there is a change made whose password is not
    /// written out (made in part).
    fn give(&mut self, line: SlipLine) -> Result<()> {
        if let Err(e) = (self.slip)(&line) {
            return Err(Error::Partial {
                done: format!("{} was given a temporary password", line.username),
                failed: format!("writing it out failed: {e}"),
                fix: format!(
                    "reset it (schooltech accounts reset-password {} --generate), then run \
                     `schooltech sync --resume`",
                    line.username
                ),
            });
        }
        self.passwords.push(line);
        Ok(())
    }
}

#[async_trait::async_trait]
impl Executor for Syncer<'_> {
    async fn run(&mut self, ctx: &Ctx, s: &RunStep) -> Result<()> {
        let dir = &ctx.dir;
        let target = s.target();
        if let Step::SyncCreate {
            mis_id,
            role,
            given,
            surname,
            display,
            parent_dn,
            cn,
            groups,
            form,
            ..
        } = &s.step
        {
            let plan = NewAccount {
                username: target.to_string(),
                given_name: given.clone(),
                surname: surname.clone(),
                display_name: display.clone(),
                parent_dn: parent_dn.clone(),
                mis_id: mis_id.clone().filter(|m| !m.is_empty()),
                expires: None,
                description: None,
                groups: groups.clone(),
                cn: cn.clone(),
            };
            let prepared = crate::ops::actions::prepare_create(ctx, role, plan)?;
            dir.create_account_unread(&prepared.plan, &prepared.password, true)
                .await?;
            if prepared.hold {
                self.hold.push(target.to_string());
            }
            return self.give(SlipLine {
                name: prepared.plan.display_name.clone(),
                form: if form.is_empty() {
                    role.clone()
                } else {
                    form.clone()
                },
                username: target.to_string(),
                password: prepared.password,
            });
        }
        let mut a = self.account(ctx, s).await?;
        match &s.step {
            Step::SyncMove { to, name, .. } => {
                if norm(a.parent_dn()) != norm(to) {
                    a.dn = dir.move_account_as(&a, to, name.as_deref()).await?;
                }
            }
            Step::SyncGroups { add, remove, .. } => {
                let has = |a: &Account, g: &str| a.group_dns.iter().any(|x| norm(x) == norm(g));
                let todo: Vec<(&String, bool)> = add
                    .iter()
                    .filter(|g| !has(&a, g))
                    .map(|g| (g, true))
                    .chain(remove.iter().filter(|g| has(&a, g)).map(|g| (g, false)))
                    .collect();
                for (made, (g, adding)) in todo.iter().enumerate() {
                    let r = if *adding {
                        dir.add_to_group(&a, g).await
                    } else {
                        dir.remove_from_group(&a, g).await
                    };
                    if let Err(e) = r {
                        if made == 0 && !e.outcome_unknown() {
                            return Err(e);
                        }
                        return Err(Error::Partial {
                            done: format!(
                                "{made} of {} group changes of {}",
                                todo.len(),
                                a.username
                            ),
                            failed: e.to_string(),
                            fix: "run `schooltech sync --resume`, which reads the groups and finishes them".into(),
                        });
                    }
                    if *adding {
                        a.group_dns.push(g.to_string());
                    } else {
                        a.group_dns.retain(|x| norm(x) != norm(g));
                    }
                }
            }
            Step::SyncRename {
                given,
                surname,
                display,
                ..
            } => {
                dir.modify_account(
                    &a,
                    &AccountChange::SetNames {
                        given: given.clone(),
                        surname: surname.clone(),
                        display: display.clone(),
                    },
                )
                .await?;
                a.given_name = Some(given.clone());
                a.surname = Some(surname.clone());
                a.display_name = Some(display.clone());
            }
            Step::SyncEnable {
                clear_expiry,
                clear_description,
                ..
            } => {
                let mut changes = vec![AccountChange::SetEnabled(true)];
                if *clear_expiry {
                    changes.push(AccountChange::SetExpires(None));
                }
                if *clear_description {
                    changes.push(AccountChange::SetDescription(None));
                }
                dir.modify_account_all(&a, &changes).await?;
                a.enabled = true;
                if *clear_expiry {
                    a.expires = None;
                }
                if *clear_description {
                    a.description = None;
                }
            }
            Step::SyncPassword { form, .. } => {
                let pw = crate::ops::passwords::choose(
                    ctx,
                    &a,
                    &crate::ops::passwords::PasswordChoice::Generate,
                )?;
                dir.set_password(&a, &pw, true).await?;
                let line = SlipLine {
                    name: a.name().to_string(),
                    form: form.clone(),
                    username: a.username.clone(),
                    password: pw,
                };
                self.keep(a);
                return self.give(line);
            }
            other => {
                return Err(Error::Input(format!(
                    "\"{}\" is not a sync step; settle it by hand with `schooltech log settle`",
                    other.action()
                )))
            }
        }
        self.keep(a);
        Ok(())
    }

    async fn check(&mut self, ctx: &Ctx, s: &RunStep) -> Verdict {
        let target = s.target();
        let creating = matches!(s.step, Step::SyncCreate { .. });
        // The object planned, by its id (the username may belong to another account now).
        let found = match &s.step.target().object_id {
            Some(id) => ctx.dir.get_by_id(id).await,
            None => ctx.dir.get_account(target).await,
        };
        match found {
            Ok(Some(a)) => {
                let v = step_verdict(&s.step, &a);
                if creating && matches!(v, Verdict::Done(_)) {
                    self.lost.push(target.to_string());
                }
                v
            }
            Ok(None) if creating => {
                Verdict::NotDone(format!("not in the directory: {target} does not exist"))
            }
            // The object planned is gone: trying the step again refuses it with the reason.
            Ok(None) => Verdict::NotDone(format!(
                "not in the directory: the account planned as {target} is gone"
            )),
            Err(err) => Verdict::Open(format!("could not read {target}: {err}")),
        }
    }

    fn forget(&mut self) {
        self.known.clear();
    }

    fn chunk_len(&self) -> usize {
        CHUNK
    }

    async fn prepare(&mut self, ctx: &Ctx, steps: &[RunStep]) {
        let mut names: Vec<String> = steps
            .iter()
            .filter(|s| !matches!(s.step, Step::SyncCreate { .. }))
            .map(|s| s.target().to_lowercase())
            .collect();
        names.sort();
        names.dedup();
        self.known.clear();
        if names.is_empty() {
            return;
        }
        // One search (a few, by the directory's values per search) for the whole chunk; when
        // it fails each step reads its own account.
        match ctx.dir.get_accounts(&names).await {
            Ok(found) => {
                for a in found {
                    self.known.insert(a.username.to_lowercase(), a);
                }
            }
            Err(e) => tracing::debug!("reading the chunk's accounts together failed: {e}"),
        }
    }

    fn kind(&self) -> RunKind {
        RunKind::Sync
    }

    async fn recorded(&mut self, ctx: &Ctx, _steps: &[RunStep]) {
        for who in std::mem::take(&mut self.hold) {
            if let Err(e) = crate::ops::actions::hold_for_aup(ctx, &who).await {
                tracing::error!(
                    "{who} was created but could not be held for its acceptable use agreement \
                     ({e}); disable it with `schooltech accounts disable {who} --reason \"{}\"`",
                    crate::domain::aup::HELD_DESCRIPTION
                );
            }
        }
    }
}

/// What the directory shows of one sync step on `a` (also used by `log pending`).
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
    let has = |g: &str| a.group_dns.iter().any(|x| norm(x) == norm(g));
    match step {
        Step::SyncCreate { .. } => {
            Verdict::Done(format!("found in the directory: {who} exists as {}", a.dn))
        }
        Step::SyncMove { to, .. } => yes(
            norm(a.parent_dn()) == norm(to),
            format!("{who} is in {}", a.parent_dn()),
        ),
        Step::SyncGroups { add, remove, .. } => {
            let ok = add.iter().all(|g| has(g)) && !remove.iter().any(|g| has(g));
            yes(ok, format!("{who}'s groups are {}", a.groups.join(", ")))
        }
        Step::SyncRename {
            given,
            surname,
            display,
            ..
        } => {
            let ok = a.given_name.as_deref().unwrap_or("") == given
                && a.surname.as_deref().unwrap_or("") == surname
                && a.display_name.as_deref().unwrap_or("") == display;
            yes(ok, format!("{who} is named {}", a.name()))
        }
        Step::SyncEnable { .. } => yes(
            a.enabled,
            format!(
                "{who} is {}",
                if a.enabled { "enabled" } else { "disabled" }
            ),
        ),
        // A password cannot be read back: set it again (the earlier one is not known).
        Step::SyncPassword { .. } => Verdict::NotDone(format!(
            "a password cannot be read back; {who} gets a new temporary password"
        )),
        other => Verdict::Open(format!("\"{}\" is not a sync step", other.action())),
    }
}
