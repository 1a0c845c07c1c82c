//! Settling changes whose outcome is unknown (sent without an answer, made in part, or
//! interrupted by a kill) by reading the directory — never by guessing. Run by `log pending`,
//! before every command that changes the directory, and (later) by `sweep --resume`.

use super::Ctx;
use crate::domain::account::Account;
use crate::domain::roles::absolute;
use crate::error::Result;
use crate::store::{JournalEntry, Store};
use chrono::{DateTime, Utc};
use serde_json::Value;

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

/// Reads the directory for every entry that needs settling and records what it shows. Entries
/// of other, live processes are left alone. `Err` only when the store cannot be used.
pub async fn settle(ctx: &Ctx, store: &Store) -> Result<Vec<Settled>> {
    let mut out = Vec::new();
    for e in store.journal_open()? {
        if !e.needs_settling() {
            continue;
        }
        let verdict = check(ctx, &e).await;
        let log_id = super::runner::record_settled(
            ctx,
            store,
            &e,
            &verdict,
            super::runner::SettledBy::Reading,
        )?;
        out.push(Settled {
            entry: e,
            verdict,
            log_id,
        });
    }
    Ok(out)
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

/// Settles what needs settling before a command changes anything, and returns what it found
/// for the face to show (ops prints nothing). Nothing when there is nothing open, or under
/// `--as-of` (which writes nothing); never stops the command (the store may not exist yet).
pub async fn settle_before_run(ctx: &Ctx) -> Vec<Settled> {
    let path = &ctx.config.store.path;
    if ctx.is_demo() || !path.exists() || ctx.as_of.is_some() || ctx.dry_run {
        return Vec::new();
    }
    let Ok(store) = ctx.store() else {
        return Vec::new();
    };
    match store.journal_open() {
        Ok(open) if open.iter().any(JournalEntry::needs_settling) => {}
        _ => return Vec::new(),
    }
    match settle(ctx, &store).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!("could not settle interrupted changes: {e}");
            Vec::new()
        }
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
