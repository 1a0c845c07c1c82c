//! Applying a sync plan as one journaled run: the plan's steps (create, move, groups, rename,
//! enable, password) are saved in the journal under the run id before the first is sent, with
//! the tolerated marks; then each is carried out under the journal (begun, then done with its
//! action-log row in one transaction, failed, or unknown). A run killed part-way is finished by
//! `sync --resume`: done steps are skipped, begun ones are settled by reading the directory
//! (never sent twice), failed ones are tried again, the rest are done.

use super::{Ctx, SyncPlan};
use crate::directory::Secret;
use crate::domain::account::{Account, AccountChange, NewAccount};
use crate::domain::sync::{Detail, Placement};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::settle::Verdict;
use crate::store::journal::{JournalEntry, JournalState};
use crate::store::sync::SyncRun;
use crate::store::{NewAction, Outcome, Store};
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
    store.sync_create(&run, &plan.marks, &plan.cleared, today)?;
    let rows: Vec<(&str, &str, Value)> = steps
        .iter()
        .map(|(a, t, d)| (a.as_str(), t.as_str(), d.clone()))
        .collect();
    store.journal_plan(&run_id, &rows, now)?;
    let mut out = execute(ctx, &store, &run_id, progress, slip).await?;
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
            out.summary = run
                .summary
                .get("by_year")
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
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

type Step = (String, String, Value);

/// The plan's steps in the order they are made: moves (top year first), renames,
/// reactivations, then joiners. Group names are looked up once each.
async fn steps(ctx: &Ctx, plan: &SyncPlan) -> Result<Vec<Step>> {
    let mut groups: HashMap<String, Option<String>> = HashMap::new();
    let mut out = Vec::new();
    let p = &plan.plan;
    for e in &p.moves {
        if let Detail::Move(pl) = &e.detail {
            placement_steps(ctx, &e.item.username, pl, &mut groups, &mut out).await?;
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
            out.push((
                "sync.rename".into(),
                e.item.username.clone(),
                json!({ "mis_id": e.item.mis_id, "given": given, "surname": surname, "display": display, "before": before }),
            ));
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
            if *enable {
                out.push((
                    "sync.enable".into(),
                    e.item.username.clone(),
                    json!({ "mis_id": e.item.mis_id, "clear_expiry": clear_expiry, "clear_description": clear_description, "reason": e.item.reason }),
                ));
            }
            placement_steps(ctx, &e.item.username, placement, &mut groups, &mut out).await?;
            if *enable {
                out.push((
                    "sync.password".into(),
                    e.item.username.clone(),
                    json!({ "mis_id": e.item.mis_id, "temporary": true, "name": e.item.name, "form": placement.to_year.map(|y| format!("Year {y}")).unwrap_or_default() }),
                ));
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
        let parent = match ou {
            Some(o) => o.clone(),
            None => {
                let req = crate::ops::actions::CreateRequest {
                    role: role.clone(),
                    first: given.clone(),
                    last: surname.clone(),
                    mis_id: Some(e.item.mis_id.clone()),
                    username: Some(e.item.username.clone()),
                    ..Default::default()
                };
                crate::ops::actions::plan_create(ctx, &req, &[])
                    .await?
                    .parent_dn
            }
        };
        let mut dns = Vec::new();
        for g in gnames {
            if let Some(dn) = group_dn(ctx, g, &mut groups).await? {
                dns.push(dn);
            }
        }
        if ou.is_none() {
            for g in ctx.config.directory.roles.default_groups(role) {
                if let Some(dn) = group_dn(ctx, &g, &mut groups).await? {
                    if !dns.contains(&dn) {
                        dns.push(dn);
                    }
                }
            }
        }
        let new = NewAccount {
            username: e.item.username.clone(),
            given_name: given.clone(),
            surname: surname.clone(),
            display_name: format!("{given} {surname}").trim().to_string(),
            parent_dn: parent,
            mis_id: Some(e.item.mis_id.clone()),
            expires: None,
            description: None,
            groups: dns,
            cn: None,
        };
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
        out.push((
            "sync.create".into(),
            new.username.clone(),
            json!({
                "mis_id": new.mis_id,
                "role": role,
                "given": new.given_name,
                "surname": new.surname,
                "display": new.display_name,
                "parent_dn": new.parent_dn,
                "cn": new.cn,
                "groups": new.groups,
                "year": year,
                "form": form,
                "temporary_password_set": true,
            }),
        ));
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

async fn placement_steps(
    ctx: &Ctx,
    username: &str,
    pl: &Placement,
    groups: &mut HashMap<String, Option<String>>,
    out: &mut Vec<Step>,
) -> Result<()> {
    if let Some(to) = &pl.to_ou {
        if let Some(why) = crate::ops::protect::Protection::from_ctx(ctx).check_target_ou(to) {
            crate::ops::protect::log_refusal(ctx, "account.move", username, &why);
            return Ok(());
        }
        out.push((
            "sync.move".into(),
            username.to_string(),
            json!({ "from": crate::domain::dn::parent_dn(&pl.dn), "to": to, "name": pl.new_name }),
        ));
    }
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
    if !add.is_empty() || !remove.is_empty() {
        out.push((
            "sync.groups".into(),
            username.to_string(),
            json!({ "add": add, "remove": remove }),
        ));
    }
    Ok(())
}

fn strings(d: &Value, key: &str) -> Vec<String> {
    d.get(key)
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn norm(dn: &str) -> String {
    crate::ops::protect::norm_dn(dn)
}

/// What the directory shows of one sync step on `a` (also used by `log pending`).
pub fn verdict(action: &str, a: &Account, d: &Value) -> Verdict {
    let who = &a.username;
    let yes = |done: bool, what: String| {
        if done {
            Verdict::Done(format!("found in the directory: {what}"))
        } else {
            Verdict::NotDone(format!("not in the directory: {what}"))
        }
    };
    let has = |g: &str| a.group_dns.iter().any(|x| norm(x) == norm(g));
    match action {
        "sync.create" => Verdict::Done(format!("found in the directory: {who} exists as {}", a.dn)),
        "sync.move" => {
            let to = d.get("to").and_then(Value::as_str).unwrap_or_default();
            yes(
                norm(a.parent_dn()) == norm(to),
                format!("{who} is in {}", a.parent_dn()),
            )
        }
        "sync.groups" => {
            let add = strings(d, "add");
            let remove = strings(d, "remove");
            let ok = add.iter().all(|g| has(g)) && !remove.iter().any(|g| has(g));
            yes(ok, format!("{who}'s groups are {}", a.groups.join(", ")))
        }
        "sync.rename" => {
            let s = |k: &str| {
                d.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let ok = a.given_name.as_deref().unwrap_or("") == s("given")
                && a.surname.as_deref().unwrap_or("") == s("surname")
                && a.display_name.as_deref().unwrap_or("") == s("display");
            yes(ok, format!("{who} is named {}", a.name()))
        }
        "sync.enable" => yes(
            a.enabled,
            format!(
                "{who} is {}",
                if a.enabled { "enabled" } else { "disabled" }
            ),
        ),
        // A password cannot be read back: set it again (the earlier one is not known).
        "sync.password" => Verdict::NotDone(format!(
            "a password cannot be read back; {who} gets a new temporary password"
        )),
        other => Verdict::Open(format!("\"{other}\" is not a sync step")),
    }
}

/// Works through a run's steps in order.
async fn execute(
    ctx: &Ctx,
    store: &Store,
    run_id: &str,
    progress: Progress<'_>,
    slip: &mut (dyn FnMut(&SlipLine) -> Result<()> + Send),
) -> Result<RunOutcome> {
    store.sync_lock(run_id)?;
    let mut guard = Guard {
        protection: crate::ops::protect::Protection::load(ctx).await?,
        seen: HashMap::new(),
    };
    let entries = store.journal_run(run_id)?;
    let total = entries.iter().filter_map(|e| e.step).max().unwrap_or(0) as usize;
    let mut out = RunOutcome {
        run_id: run_id.into(),
        ..RunOutcome::default()
    };
    let retried: std::collections::HashSet<i64> = entries
        .iter()
        .filter_map(|e| e.details.get("retry_of").and_then(Value::as_i64))
        .collect();
    let mut next = entries.iter().filter_map(|e| e.step).max().unwrap_or(0) + 1;
    let mut stop: Option<String> = None;
    for e in &entries {
        let step_no = e.step.unwrap_or(0);
        if e.state == JournalState::Failed && retried.contains(&step_no) {
            continue;
        }
        if let Some(why) = &stop {
            if e.state != JournalState::Done {
                out.problems.push(format!(
                    "step {step_no} ({} {}): not tried: {why}",
                    e.action, e.target
                ));
            }
            continue;
        }
        progress(step_no as usize, total, &e.action, &e.target);
        let redo = match e.state {
            JournalState::Done => {
                out.already += 1;
                false
            }
            JournalState::Failed => !retried.contains(&step_no),
            JournalState::Pending if e.pid.is_none() => {
                match do_step(ctx, store, e, &e.details, slip, &mut guard).await {
                    Ok(()) => out.done += 1,
                    Err(err) => {
                        if err.is_connection_lost() {
                            stop = Some(err.to_string());
                        }
                        out.problems
                            .push(format!("step {step_no} ({} {}): {err}", e.action, e.target))
                    }
                }
                false
            }
            JournalState::Pending | JournalState::Unknown => {
                match settle_step(ctx, store, e).await? {
                    Verdict::Done(_) => {
                        out.done += 1;
                        if matches!(e.action.as_str(), "sync.create") {
                            out.lost_passwords.push(e.target.clone());
                        }
                        false
                    }
                    Verdict::NotDone(_) => true,
                    Verdict::Partial(why) | Verdict::Open(why) => {
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
            let retry = JournalEntry { id, ..e.clone() };
            if let Err(err) = do_step(ctx, store, &retry, &details, slip, &mut guard).await {
                if err.is_connection_lost() {
                    stop = Some(err.to_string());
                }
                out.problems.push(format!(
                    "step {step_no} ({} {}), tried again: {err}",
                    e.action, e.target
                ));
            } else {
                out.done += 1;
            }
        }
    }
    if out.problems.is_empty() {
        store.sync_finish(run_id, ctx.wall_now())?;
        out.finished = true;
    }
    Ok(out)
}

/// Settles one begun step by reading the directory; records what it shows.
async fn settle_step(ctx: &Ctx, store: &Store, e: &JournalEntry) -> Result<Verdict> {
    let v = match ctx.dir.get_account(&e.target).await {
        Ok(Some(a)) => verdict(&e.action, &a, &e.details),
        Ok(None) if e.action == "sync.create" => {
            Verdict::NotDone(format!("not in the directory: {} does not exist", e.target))
        }
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

/// Protection for a run: the privileged set read from the directory once when the run (or its
/// resume) begins, and each account decided once.
struct Guard {
    protection: crate::ops::protect::Protection,
    seen: HashMap<String, Option<crate::ops::protect::ProtectedReason>>,
}

impl Guard {
    async fn check(
        &mut self,
        ctx: &Ctx,
        a: &Account,
    ) -> Result<Option<crate::ops::protect::ProtectedReason>> {
        let key = a.username.to_lowercase();
        if let Some(r) = self.seen.get(&key) {
            return Ok(r.clone());
        }
        // The privileged set was read from the directory when the run began (one read for the
        // run: per account, AD's transitive-membership search costs seconds on Samba).
        let _ = ctx;
        let r = self.protection.check(a);
        self.seen.insert(key, r.clone());
        Ok(r)
    }
}

/// Carries out one step under the journal.
async fn do_step(
    ctx: &Ctx,
    store: &Store,
    e: &JournalEntry,
    details: &Value,
    slip: &mut (dyn FnMut(&SlipLine) -> Result<()> + Send),
    guard: &mut Guard,
) -> Result<()> {
    let (id, action, target) = (e.id, e.action.as_str(), e.target.as_str());
    // Read first (nothing sent yet): an account that is gone or now protected fails the step.
    let account = if action == "sync.create" {
        None
    } else {
        let a = ctx.dir.get_account(target).await?.ok_or_else(|| {
            Error::Input(format!(
                "{target} is no longer in the directory; nothing was done"
            ))
        });
        match a {
            Ok(a) => {
                if let Some(why) = guard.check(ctx, &a).await? {
                    let err =
                        crate::ops::protect::refuse_logged(ctx, action, "change", target, &why);
                    store.journal_close(
                        id,
                        &Outcome::Failed(err.to_string()),
                        None,
                        ctx.wall_now(),
                    )?;
                    return Err(err);
                }
                Some(a)
            }
            Err(err) => {
                store.journal_close(id, &Outcome::Failed(err.to_string()), None, ctx.wall_now())?;
                return Err(err);
            }
        }
    };
    // Prepared before it is begun: the password and the new account.
    let mut password: Option<(Secret, SlipLine)> = None;
    let mut new: Option<(NewAccount, bool)> = None;
    match action {
        "sync.create" => {
            let s = |k: &str| {
                details
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let plan = NewAccount {
                username: target.to_string(),
                given_name: s("given"),
                surname: s("surname"),
                display_name: s("display"),
                parent_dn: s("parent_dn"),
                mis_id: Some(s("mis_id")).filter(|m| !m.is_empty()),
                expires: None,
                description: None,
                groups: strings(details, "groups"),
                cn: details.get("cn").and_then(Value::as_str).map(String::from),
            };
            let prepared = crate::ops::actions::prepare_create(ctx, &s("role"), plan)?;
            let form = match s("form") {
                f if !f.is_empty() => f,
                _ => s("role"),
            };
            password = Some((
                prepared.password.clone(),
                SlipLine {
                    name: prepared.plan.display_name.clone(),
                    form,
                    username: target.to_string(),
                    password: prepared.password.clone(),
                },
            ));
            new = Some((prepared.plan, prepared.hold));
        }
        "sync.password" => {
            if let Some(a) = &account {
                let pw = crate::ops::passwords::choose(
                    ctx,
                    a,
                    &crate::ops::passwords::PasswordChoice::Generate,
                )?;
                let form = details
                    .get("form")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                password = Some((
                    pw.clone(),
                    SlipLine {
                        name: a.name().to_string(),
                        form,
                        username: a.username.clone(),
                        password: pw,
                    },
                ));
            }
        }
        _ => {}
    }
    store.journal_begin_step(id, ctx.wall_now())?;
    crate::testpoint::pause("sync-step-begun");
    let limit = std::time::Duration::from_secs(ctx.config.directory.op_timeout_s.max(1) * 4);
    let work = run_action(
        ctx,
        action,
        details,
        account.as_ref(),
        new.as_ref(),
        password.as_ref(),
    );
    let result = match tokio::time::timeout(limit, work).await {
        Ok(r) => r,
        Err(_) => Err(Error::NoAnswer {
            doing: format!("{action} {target}"),
            detail: format!("no answer within {} s", limit.as_secs()),
        }),
    };
    crate::testpoint::pause("sync-step-sent");
    // The password is written out before the outcome is recorded: a kill between loses none.
    if let (Ok(()), Some((_, line))) = (&result, &password) {
        slip(line)?;
    }
    match result {
        Ok(()) => {
            store.journal_close(
                id,
                &Outcome::Done,
                Some(NewAction {
                    action,
                    target,
                    details: details.clone(),
                }),
                ctx.wall_now(),
            )?;
            crate::testpoint::pause("sync-step-recorded");
            if let Some((_, true)) = new {
                if let Err(e) = crate::ops::actions::hold_for_aup(ctx, target).await {
                    tracing::error!(
                        "{target} was created but could not be held for its acceptable use agreement ({e}); disable it by hand"
                    );
                }
            }
            Ok(())
        }
        Err(err) => {
            let outcome = if err.outcome_unknown() {
                Outcome::Unknown(err.to_string())
            } else {
                Outcome::Failed(err.to_string())
            };
            if let Err(j) = store.journal_close(id, &outcome, None, ctx.wall_now()) {
                tracing::warn!("journal entry {id} stays pending: {j}");
            }
            Err(err)
        }
    }
}

async fn run_action(
    ctx: &Ctx,
    action: &str,
    d: &Value,
    account: Option<&Account>,
    new: Option<&(NewAccount, bool)>,
    password: Option<&(Secret, SlipLine)>,
) -> Result<()> {
    let dir = &ctx.dir;
    match (action, account) {
        ("sync.create", _) => {
            let (Some((plan, _)), Some((pw, _))) = (new, password) else {
                return Err(Error::Input("the create step has no account".into()));
            };
            dir.create_account_unread(plan, pw, true).await.map(|_| ())
        }
        ("sync.move", Some(a)) => {
            let to = d.get("to").and_then(Value::as_str).unwrap_or_default();
            if norm(a.parent_dn()) == norm(to) {
                return Ok(());
            }
            let name = d.get("name").and_then(Value::as_str);
            dir.move_account_as(a, to, name).await.map(|_| ())
        }
        ("sync.groups", Some(a)) => {
            let has = |g: &str| a.group_dns.iter().any(|x| norm(x) == norm(g));
            let todo: Vec<(String, bool)> = strings(d, "add")
                .into_iter()
                .filter(|g| !has(g))
                .map(|g| (g, true))
                .chain(
                    strings(d, "remove")
                        .into_iter()
                        .filter(|g| has(g))
                        .map(|g| (g, false)),
                )
                .collect();
            for (made, (g, adding)) in todo.iter().enumerate() {
                let r = if *adding {
                    dir.add_to_group(a, g).await
                } else {
                    dir.remove_from_group(a, g).await
                };
                if let Err(e) = r {
                    if made == 0 {
                        return Err(e);
                    }
                    return Err(Error::Partial {
                        done: format!("{made} of {} group changes of {}", todo.len(), a.username),
                        failed: e.to_string(),
                        fix: "run `schooltech sync --resume`, which reads the groups and finishes them".into(),
                    });
                }
            }
            Ok(())
        }
        ("sync.rename", Some(a)) => {
            let s = |k: &str| {
                d.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            dir.modify_account(
                a,
                &AccountChange::SetNames {
                    given: s("given"),
                    surname: s("surname"),
                    display: s("display"),
                },
            )
            .await
        }
        ("sync.enable", Some(a)) => {
            let flag = |k: &str| d.get(k).and_then(Value::as_bool).unwrap_or(false);
            let mut changes = vec![AccountChange::SetEnabled(true)];
            if flag("clear_expiry") {
                changes.push(AccountChange::SetExpires(None));
            }
            if flag("clear_description") {
                changes.push(AccountChange::SetDescription(None));
            }
            dir.modify_account_all(a, &changes).await
        }
        ("sync.password", Some(a)) => {
            let Some((pw, _)) = password else {
                return Err(Error::Input("no password was chosen".into()));
            };
            dir.set_password(a, pw, true).await
        }
        (other, _) => Err(Error::Input(format!("\"{other}\" is not a sync step"))),
    }
}
