//! Settling changes whose outcome is unknown (sent without an answer, made in part, or
//! interrupted by a kill) by reading the directory — never by guessing.
//!
//! - [`settle_first`]: the guard "settle first", inside every change's apply, once, for every
//!   face: at the top of the one runner's entry points ([`super::runner::one`],
//!   [`super::runner::Batch::new`], [`super::runner::execute`]) and of the store-only changes
//!   through [`gate`] (inventory, acceptable use records, shared logins, filter). What it
//!   found is kept on the context, never printed: each face takes it with
//!   [`Ctx::take_settled`] and shows it ([`describe`]).
//! - [`settle`]: everything open, for `log pending`.
//!
//! Settling holds no store across an `.await` (the open entries are read into owned data, the
//! store dropped, the directory read, and the store opened again to record through
//! [`super::runner::record_settled`]), so its futures are `Send`: the full-screen program
//! runs them on tokio tasks.

use super::Ctx;
use crate::domain::account::Account;
use crate::domain::roles::absolute;
use crate::error::{Error, Result};
use crate::store::JournalEntry;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;

tokio::task_local! {
    /// Set while this task settles: settling records through the runner, and a change made
    /// from inside a settle must not settle again (no recursion).
    static SETTLING: ();
}

/// What settling keeps for one context ([`Ctx`]): what it found that no face has taken yet,
/// the entries it found still open (not read again by [`settle_first`] in this context until
/// [`settle_again`], e.g. a reconnect), and a turn, so that two changes started together in
/// the full-screen program settle one after the other, never the same entry twice.
#[derive(Default)]
pub struct Memo {
    found: Mutex<Vec<Settled>>,
    still_open: Mutex<HashSet<i64>>,
    turn: tokio::sync::Mutex<()>,
}

impl Ctx {
    /// What was settled before changes made with this context and not yet shown, oldest first
    /// (each face shows it: [`describe`]). Taking it empties it.
    pub fn take_settled(&self) -> Vec<Settled> {
        self.settle
            .found
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default()
    }
}

/// What reading the directory said about one open entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The change is in the directory: recorded as done (with its log row).
    Done(String),
    /// The change is not in the directory: recorded as failed.
    NotDone(String),
    /// Made in part (e.g. an account without its groups): recorded in the action log as
    /// incomplete, and left open until the directory shows it whole.
    Partial(String),
    /// Still cannot tell (directory unreachable, or an action this cannot check).
    Open(String),
}

/// One settled (or still open) entry.
#[derive(Debug, Clone)]
pub struct Settled {
    /// The journal entry as it was found.
    pub entry: JournalEntry,
    /// What the directory showed.
    pub verdict: Verdict,
    /// The action-log row written for it, if one was.
    pub log_id: Option<i64>,
}

/// Reads the directory for every entry that needs settling (steps of runs too) and records
/// what it shows: `log pending`. Entries of other, live processes are left alone. `Err` only
/// when the store cannot be used.
pub async fn settle(ctx: &Ctx) -> Result<Vec<Settled>> {
    if SETTLING.try_with(|_| ()).is_ok() {
        return Ok(Vec::new());
    }
    let _turn = ctx.settle.turn.lock().await;
    let todo = to_settle(ctx, false)?;
    let (found, err) = SETTLING.scope((), settle_entries(ctx, todo)).await;
    match err {
        Some(e) => Err(e),
        None => Ok(found),
    }
}

/// The open entries that need settling, read into owned data (the store is closed again).
/// `first`: the guard's choice — not the steps of a run (its resume settles them, knowing its
/// steps: a create's lost password goes to the slips), nor the entries this context already
/// found still open.
fn to_settle(ctx: &Ctx, first: bool) -> Result<Vec<JournalEntry>> {
    let store = ctx.store()?;
    let open = if first {
        store.journal_to_settle()?
    } else {
        store.journal_open()?
    };
    drop(store);
    let known: HashSet<i64> = if first {
        ctx.settle
            .still_open
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default()
    } else {
        HashSet::new()
    };
    Ok(open
        .into_iter()
        .filter(|e| e.needs_settling())
        .filter(|e| !first || (e.run_id.is_none() && !known.contains(&e.id)))
        .collect())
}

/// Reads the directory for each entry (no store open meanwhile), then records every verdict
/// through the runner with the store opened once. What was recorded, and the error that
/// stopped the recording, if one did.
async fn settle_entries(ctx: &Ctx, todo: Vec<JournalEntry>) -> (Vec<Settled>, Option<Error>) {
    if todo.is_empty() {
        return (Vec::new(), None);
    }
    let mut read = Vec::with_capacity(todo.len());
    for e in todo {
        let verdict = check(ctx, &e).await;
        read.push((e, verdict));
    }
    let store = match ctx.store() {
        Ok(s) => s,
        Err(e) => return (Vec::new(), Some(e)),
    };
    let mut out = Vec::with_capacity(read.len());
    for (entry, verdict) in read {
        match super::runner::record_settled(
            ctx,
            &store,
            &entry,
            &verdict,
            super::runner::SettledBy::Reading,
        ) {
            Ok(log_id) => out.push(Settled {
                entry,
                verdict,
                log_id,
            }),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// "Settle first": settles what an earlier change left unknown before this change is made.
/// Called inside every change's apply (the runner's entry points and [`gate`]), so every
/// face and every path passes it. What it found is kept on the context for the face to show
/// ([`Ctx::take_settled`]); it prints nothing. It never stops the change (the store may not
/// exist yet; a store that cannot be used stops the change itself), does nothing under
/// `--as-of` or `--dry-run` (nothing is changed there) or in the demo, never recurses, and
/// costs one indexed query when nothing is open. Steps of runs are left to their resume;
/// entries this context found still open are not read again until [`settle_again`].
pub async fn settle_first(ctx: &Ctx) {
    settle_gated(ctx, false).await
}

/// [`settle_first`], reading again the entries found still open before (after connecting:
/// the directory may answer now).
pub async fn settle_again(ctx: &Ctx) {
    settle_gated(ctx, true).await
}

async fn settle_gated(ctx: &Ctx, afresh: bool) {
    if SETTLING.try_with(|_| ()).is_ok() {
        return;
    }
    if ctx.is_demo() || ctx.as_of.is_some() || ctx.dry_run || !ctx.config.store.path.exists() {
        return;
    }
    let _turn = ctx.settle.turn.lock().await;
    if afresh {
        if let Ok(mut k) = ctx.settle.still_open.lock() {
            k.clear();
        }
    }
    let todo = match to_settle(ctx, true) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("could not read the journal to settle interrupted changes: {e}");
            return;
        }
    };
    if todo.is_empty() {
        return;
    }
    let (found, err) = SETTLING.scope((), settle_entries(ctx, todo)).await;
    if let Some(e) = err {
        tracing::warn!("could not settle interrupted changes: {e}");
    }
    if let Ok(mut k) = ctx.settle.still_open.lock() {
        for s in &found {
            if matches!(s.verdict, Verdict::Open(_) | Verdict::Partial(_)) {
                k.insert(s.entry.id);
            }
        }
    }
    if let Ok(mut f) = ctx.settle.found.lock() {
        f.extend(found);
    }
}

/// The guard every store-only change passes at the top of its apply: refused under `--as-of`
/// (and stopped under `--dry-run`), then [`settle_first`].
pub async fn gate(ctx: &Ctx, what: &str) -> Result<()> {
    ctx.refuse_as_of(what)?;
    settle_first(ctx).await;
    Ok(())
}

fn text<'a>(d: &'a Value, key: &str) -> Option<&'a str> {
    d.get(key).and_then(Value::as_str)
}

fn time(d: &Value, key: &str) -> Option<DateTime<Utc>> {
    d.get(key)
        .and_then(|v| serde_json::from_value::<Option<DateTime<Utc>>>(v.clone()).ok())
        .flatten()
}

fn flag(d: &Value, key: &str) -> Option<bool> {
    d.get(key).and_then(Value::as_bool)
}

fn yes_no(done: bool, what: String) -> Verdict {
    if done {
        Verdict::Done(format!("found in the directory: {what}"))
    } else {
        Verdict::NotDone(format!("not in the directory: {what}"))
    }
}

/// What the directory shows for one entry.
pub async fn check(ctx: &Ctx, e: &JournalEntry) -> Verdict {
    // The object planned, by its stable id where the journal has it (another account may hold
    // the username now, or the one planned may have been renamed); by username otherwise.
    let read = match e.details.get("object_id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => ctx.dir.get_by_id(id).await,
        _ => ctx.dir.get_account(&e.target).await,
    };
    let a: Option<Account> = match read {
        Ok(a) => a,
        Err(err) => return Verdict::Open(format!("could not read {}: {err}", e.target)),
    };
    let d = &e.details;
    let who = &e.target;
    if e.action == "account.create" {
        let Some(a) = a else {
            return Verdict::NotDone(format!("not in the directory: {who} does not exist"));
        };
        let want: Vec<&str> = d
            .get("groups")
            .and_then(Value::as_array)
            .map(|g| g.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let missing: Vec<&str> = want
            .iter()
            .copied()
            .filter(|g| !a.group_dns.iter().any(|x| x.eq_ignore_ascii_case(g)))
            .collect();
        return if missing.is_empty() {
            Verdict::Done(format!("found in the directory: {who} exists as {}", a.dn))
        } else {
            Verdict::Partial(format!(
                "{who} exists as {} but is not in {}: finish it (groups, password) or delete it",
                a.dn,
                missing.join(", ")
            ))
        };
    }
    if e.action == "sync.create" {
        return match a {
            Some(a) => super::sync::apply::verdict("sync.create", &a, d),
            None => Verdict::NotDone(format!("not in the directory: {who} does not exist")),
        };
    }
    if e.action == "leaver.purge" {
        return super::leavers::sweep::purge_verdict(who, a.is_none());
    }
    let Some(a) = a else {
        return Verdict::NotDone(format!("not in the directory: {who} does not exist"));
    };
    match e.action.as_str() {
        "account.disable" => yes_no(!a.enabled, format!("{who} is {}", enabled(&a))),
        "account.enable" => yes_no(a.enabled, format!("{who} is {}", enabled(&a))),
        "account.unlock" => yes_no(!a.locked, format!("{who} is {}locked", not(!a.locked))),
        "account.expire" => {
            let want = time(d, "expires");
            yes_no(
                a.expires == want,
                format!(
                    "{who} expires {}",
                    a.expires.map(|t| t.to_string()).unwrap_or("never".into())
                ),
            )
        }
        "password.expire" => match flag(d, "must_change_password") {
            Some(w) => yes_no(
                a.must_change_password == w,
                format!(
                    "{who} must {}change the password at next logon",
                    not(a.must_change_password)
                ),
            ),
            None => Verdict::Open("the entry does not say what was asked".into()),
        },
        "password.never-expires" => match flag(d, "password_never_expires") {
            Some(w) => yes_no(
                a.password_never_expires == w,
                format!(
                    "{who}'s password {}expires",
                    if a.password_never_expires {
                        "never "
                    } else {
                        ""
                    }
                ),
            ),
            None => Verdict::Open("the entry does not say what was asked".into()),
        },
        "password.reset" => {
            let was = time(d, "before_password_last_set");
            let temporary = flag(d, "temporary").unwrap_or(false);
            let set = a.password_last_set;
            // Set after the entry was begun (to the second) and not the value it had before; on
            // AD a temporary password leaves pwdLastSet 0 instead (set in the same request).
            let recent = set.is_some_and(|t| t >= e.started_at - chrono::Duration::seconds(1));
            // Same second as the value before (OpenLDAP keeps whole seconds): cannot tell.
            if recent && set == was {
                return Verdict::Open(format!(
                    "the directory's password time for {who} did not move within the second, so it \
                     cannot show whether the password was set: reset it again"
                ));
            }
            let changed = set.is_some_and(|t| {
                t >= e.started_at - chrono::Duration::seconds(2) && was.is_none_or(|w| t > w)
            }) || (temporary
                && set.is_none()
                && a.must_change_password
                && flag(d, "before_must_change") == Some(false));
            let nobody = "the new password was shown only if the run got that far: if nobody has it, reset it again";
            if changed {
                let flag_note = if temporary && !a.must_change_password {
                    "; but the must-change-at-next-logon flag is not set (`schooltech passwords expire USER --yes`)"
                } else {
                    ""
                };
                Verdict::Done(format!(
                    "found in the directory: the password of {who} was set{}{flag_note}; {nobody}",
                    set.map(|t| format!(" at {t}")).unwrap_or_default()
                ))
            } else if temporary && a.must_change_password && set.is_none() {
                Verdict::Open(format!(
                    "the directory cannot show whether the password of {who} was set (it had to be \
                     changed at next logon already): reset it again"
                ))
            } else {
                Verdict::NotDone(format!(
                    "not in the directory: the password of {who} was not changed"
                ))
            }
        }
        "account.move" => {
            let to = text(d, "to").unwrap_or_default();
            let to = absolute(to, ctx.dir.base_dn());
            yes_no(
                a.parent_dn().eq_ignore_ascii_case(&to),
                format!("{who} is in {}", a.parent_dn()),
            )
        }
        "group.add" | "group.remove" => {
            let g = text(d, "group").unwrap_or_default();
            let member = a.group_dns.iter().any(|x| x.eq_ignore_ascii_case(g));
            let adding = e.action == "group.add";
            yes_no(
                member == adding,
                format!("{who} is {}a member of {g}", not(member)),
            )
        }
        act if act.starts_with("leaver.") => super::leavers::sweep::verdict(act, &a, d),
        act if act.starts_with("sync.") => super::sync::apply::verdict(act, &a, d),
        other => Verdict::Open(format!(
            "schooltech cannot check \"{other}\" by itself: look at {who} in the directory"
        )),
    }
}

fn enabled(a: &Account) -> &'static str {
    if a.enabled {
        "enabled"
    } else {
        "disabled"
    }
}

fn not(b: bool) -> &'static str {
    if b {
        ""
    } else {
        "not "
    }
}

/// Settles journal entry `id` by hand, as the technician found it in the directory (`done` or
/// not), with what they checked. The entry it settled.
pub async fn settle_by_hand(ctx: &Ctx, id: i64, done: bool, reason: &str) -> Result<JournalEntry> {
    ctx.refuse_as_of("log settle")?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(crate::Error::Usage(
            "say what you checked (--reason TEXT)".into(),
        ));
    }
    let store = ctx.store()?;
    let e = store
        .journal_entry(id)?
        .filter(|e| e.needs_settling())
        .ok_or_else(|| {
            crate::Error::Usage(format!(
                "journal entry {id} is not open (see `schooltech log pending`)"
            ))
        })?;
    let by_hand = format!("settled by hand: {reason}");
    let verdict = if done {
        Verdict::Done(by_hand)
    } else {
        Verdict::NotDone(by_hand)
    };
    super::runner::record_settled(
        ctx,
        &store,
        &e,
        &verdict,
        super::runner::SettledBy::Hand(reason),
    )?;
    Ok(e)
}

/// One line about a settled entry.
pub fn describe(s: &Settled) -> String {
    let e = &s.entry;
    let head = format!("journal entry {} ({} {})", e.id, e.action, e.target);
    match &s.verdict {
        Verdict::Done(why) => format!(
            "✓ {head}: was done — {why}; recorded in the action log{}",
            s.log_id.map(|i| format!(" (row {i})")).unwrap_or_default()
        ),
        Verdict::NotDone(why) => format!("✗ {head}: was not done — {why}; nothing to record"),
        Verdict::Partial(why) => format!(
            "! {head}: made in part — {why}; recorded in the action log as incomplete{}",
            s.log_id.map(|i| format!(" (row {i})")).unwrap_or_default()
        ),
        Verdict::Open(why) => format!("? {head}: still unknown — {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    /// Settling holds no store across an `.await`: its futures are `Send`, so the full-screen
    /// program spawns them on tokio tasks (no blocking thread, no `block_on`).
    #[test]
    fn settling_is_send() {
        let ctx = Ctx::demo(None, None).expect("demo");
        let first = settle_first(&ctx);
        assert_send(&first);
        let again = settle_again(&ctx);
        assert_send(&again);
        let all = settle(&ctx);
        assert_send(&all);
        let gated = gate(&ctx, "a change");
        assert_send(&gated);
        let e = JournalEntry {
            id: 1,
            started_at: ctx.wall_now(),
            operator: "tech".into(),
            action: "account.disable".into(),
            target: "x".into(),
            details: serde_json::json!({}),
            state: crate::store::JournalState::Unknown,
            finished_at: None,
            error: None,
            pid: None,
            log_id: None,
            run_id: None,
            step: None,
            holder_live: None,
        };
        let read = check(&ctx, &e);
        assert_send(&read);
    }

    /// Nothing is settled, and nothing kept, under `--as-of`, a dry run or in the demo; what
    /// is kept is taken once.
    #[test]
    fn settle_first_does_nothing_where_nothing_is_changed() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let ctx = Ctx::demo(None, None).expect("demo");
        rt.block_on(settle_first(&ctx));
        assert!(ctx.take_settled().is_empty());
        let ctx = ctx.dry_run();
        rt.block_on(settle_first(&ctx));
        assert!(ctx.take_settled().is_empty());
    }
}
