//! Leavers and zombie accounts: reading the MIS export, the scan (the domain's rules over every
//! account), and the leaver-day sweep ([`sweep`]).

pub mod restore;
pub mod sweep;

use super::csv_reader::CsvTable;
use super::protect::Protection;
use super::Ctx;
use crate::domain::account::AccountQuery;
use crate::domain::leavers::linked::{Linked, Links};
use crate::domain::leavers::mis::{match_rows, parse_mis_date, MisRow, Mode};
use crate::domain::leavers::{
    evaluate, suspension_for, Action, Finding, MisVerdict, Reason, Rules, SuspendedRecord,
};
use crate::domain::roles::absolute;
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The demo school's MIS leavers export (`--demo leavers scan` and `--demo sweep` read it when
/// no `--mis` is given). Its dates are written as days before today (`{-20}`).
pub const DEMO_MIS: &str = include_str!("demo-mis.csv");

/// The demo export with its dates made real for `today`.
pub fn demo_mis(today: NaiveDate) -> Vec<u8> {
    let mut out = String::new();
    let mut rest = DEMO_MIS;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let Some(j) = tail.find('}') else { break };
        let days: i64 = tail[..j].parse().unwrap_or(0);
        out.push_str(
            &(today + chrono::Duration::days(days))
                .format("%d/%m/%Y")
                .to_string(),
        );
        rest = &tail[j + 1..];
    }
    out.push_str(rest);
    out.into_bytes()
}

/// The rules in force (`[leavers]`).
pub fn rules(ctx: &Ctx) -> Result<Rules> {
    let l = &ctx.config.leavers;
    let mut suspend = Vec::new();
    for r in &l.suspend_reasons {
        match Reason::parse(r) {
            Some(x) => suspend.push(x),
            None => {
                return Err(Error::Config(format!(
                    "[leavers] suspend_reasons: \"{r}\" is not a reason; use inactive or never-used"
                )))
            }
        }
    }
    for p in &l.linked {
        if p.matches("{username}").count() != 1 || p.trim() == "{username}" {
            return Err(Error::Config(format!(
                "[leavers] linked: \"{p}\" needs {{username}} once, with a prefix or suffix (e.g. \"adm-{{username}}\" or \"{{username}}-admin\")"
            )));
        }
    }
    Ok(Rules {
        inactive_days: l.inactive_days.clone(),
        replication_lag_days: l.replication_lag_days,
        never_used_days: l.never_used_days,
        grace_days: l.grace_days.clone(),
        suspend_reasons: suspend,
        leavers_ou: leavers_ou(ctx),
    })
}

/// The Leavers OU as an absolute DN, if configured.
pub fn leavers_ou(ctx: &Ctx) -> Option<String> {
    let ou = ctx.config.leavers.ou.trim();
    (!ou.is_empty()).then(|| absolute(ou, ctx.dir.base_dn()))
}

/// An MIS export, read and checked.
#[derive(Debug, Clone)]
pub struct MisExport {
    /// Its rows.
    pub rows: Vec<MisRow>,
    /// `UTF-8` or `windows-1252`.
    pub encoding: &'static str,
    /// How it is meant.
    pub mode: Mode,
}

/// Reads an MIS export with the `[mis]` mapping. A missing mapped column, a row that cannot be
/// read, or a bad or (in leavers mode) empty leaving date refuses the whole file, naming line,
/// column and value: nothing is guessed and nothing is done.
pub fn read_mis(ctx: &Ctx, bytes: &[u8]) -> Result<MisExport> {
    let m = &ctx.config.mis;
    let t = CsvTable::read(bytes).map_err(|e| Error::Usage(e.to_string()))?;
    let mut missing = Vec::new();
    let mut col = |key: &str, name: &str, needed: bool| -> Option<usize> {
        if name.trim().is_empty() || !needed {
            return None;
        }
        let c = t.column(&[name]);
        if c.is_none() {
            missing.push(format!("\"{name}\" ([mis] {key})"));
        }
        c
    };
    let leavers = m.mode == Mode::Leavers;
    let id = col("id_column", &m.id_column, true);
    let user = col("username_column", &m.username_column, true);
    let first = col("first_name_column", &m.first_name_column, true);
    let last = col("last_name_column", &m.last_name_column, true);
    let role = col("role_column", &m.role_column, true);
    let leaving = col("leaving_date_column", &m.leaving_date_column, leavers);
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "the MIS export has no column {}; its header is: {}. Fix the [mis] column names in the configuration, or export that column from the MIS",
            missing.join(", "),
            t.headers.join(", ")
        )));
    }
    if id.is_none() && user.is_none() {
        return Err(Error::Config(
            "[mis] needs id_column or username_column to match rows to accounts".into(),
        ));
    }
    let mut errors: Vec<String> = t.errors.iter().map(|e| e.to_string()).collect();
    let mut rows = Vec::new();
    for r in &t.rows {
        let leaving_date = if leavers {
            let v = r.get(leaving);
            let colname = t.header(leaving.unwrap_or(0));
            if v.trim().is_empty() {
                errors.push(format!(
                    "line {}, column {colname}: the leaving date is empty; fill it in (DD/MM/YYYY) or leave the row out",
                    r.line
                ));
                None
            } else {
                match parse_mis_date(v) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        errors.push(format!("line {}, column {colname}: {e}", r.line));
                        None
                    }
                }
            }
        } else {
            None
        };
        rows.push(MisRow {
            line: r.line,
            id: r.get(id).to_string(),
            username: r.get(user).to_string(),
            first_name: r.get(first).to_string(),
            last_name: r.get(last).to_string(),
            role: r.get(role).to_string(),
            leaving_date,
        });
    }
    if !errors.is_empty() {
        let n = errors.len();
        errors.truncate(20);
        return Err(Error::Usage(format!(
            "the MIS export has {n} bad row(s); nothing was done. Put them right in the MIS and export again:\n  {}",
            errors.join("\n  ")
        )));
    }
    Ok(MisExport {
        rows,
        encoding: t.encoding,
        mode: m.mode,
    })
}

/// What a scan found.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Findings, by reason then username.
    pub findings: Vec<Finding>,
    /// Things worth saying that are not findings (rows matching nobody, the file's encoding).
    pub notes: Vec<String>,
}

impl Scan {
    /// True when a non-protected finding needs an action (the scan's exit 1).
    pub fn needs_action(&self) -> bool {
        self.findings
            .iter()
            .any(|f| !f.protected && f.action != crate::domain::leavers::Action::None)
    }
}

/// Scans every account at `ctx.now()` with what the MIS export (if any) says.
pub async fn scan(ctx: &Ctx, mis: Option<&MisExport>) -> Result<Scan> {
    let rules = rules(ctx)?;
    let now = ctx.now();
    // The demo's zombies come with its first scan (an `--as-of` demo has them from the start:
    // it changes nothing once sealed).
    if ctx.is_demo() && ctx.as_of.is_none() {
        demo_zombies(ctx).await?;
    }
    let listing = crate::ops::mirror::search_accounts(ctx, &AccountQuery::default()).await?;
    let mut out = Scan::default();
    let mut verdicts: BTreeMap<String, MisVerdict> = match mis {
        Some(m) => {
            if m.encoding != "UTF-8" {
                out.notes.push(format!(
                    "the MIS export is not UTF-8; it was read as {} (what SIMS and Excel write)",
                    m.encoding
                ));
            }
            let matched = match_rows(&m.rows, &listing.accounts, m.mode, now.london_date());
            out.notes.extend(matched.notes);
            matched.verdicts
        }
        None => BTreeMap::new(),
    };
    // The roll's stages: an account missing from the roll is tolerated (marked by `sync`) for
    // [sync] tolerate_days, then it has left (left-roll), with the rolls that missed it.
    let roll_mode = mis.is_some_and(|m| m.mode == Mode::Roll);
    let left_roll = stages(
        ctx,
        &listing.accounts,
        &mut verdicts,
        roll_mode,
        &mut out.notes,
    )?;
    let suspended = open_suspensions(ctx)?;
    let protection = Protection::load(ctx).await?;
    for a in &listing.accounts {
        let key = a.username.to_lowercase();
        let why = protection.check(a).map(|r| r.to_string());
        let mut found = evaluate(
            a,
            verdicts.get(&key),
            suspension_for(a, &suspended).as_ref(),
            why.as_deref(),
            &rules,
            now,
        );
        if left_roll.contains(&key) {
            for f in &mut found {
                if f.reason == Reason::Left {
                    f.reason = Reason::LeftRoll;
                }
            }
        }
        out.findings.extend(found);
    }
    // A leaver's other accounts, and what they have that should come back or be changed.
    let links = Links::new(&listing.accounts, &ctx.config.leavers.linked);
    let by_user: std::collections::HashMap<String, &crate::domain::account::Account> = listing
        .accounts
        .iter()
        .map(|a| (a.username.to_lowercase(), a))
        .collect();
    let kit = Kit::read(ctx)?;
    for f in &mut out.findings {
        if !gone(f) {
            continue;
        }
        if let Some(a) = by_user.get(&f.username.to_lowercase()) {
            if !f.protected && matches!(f.action, Action::Suspend | Action::Review) {
                f.linked = links
                    .of(a)
                    .into_iter()
                    .map(|(o, link)| {
                        Linked::new(o, link, protection.check(o).map(|r| r.to_string()))
                    })
                    .collect();
            }
        }
        f.loans = kit.loans(ctx, &f.username)?;
        f.shared_logins = kit.logins(&f.username);
    }
    out.findings.sort_by(|a, b| {
        (a.reason, a.username.to_lowercase()).cmp(&(b.reason, b.username.to_lowercase()))
    });
    Ok(out)
}

/// A finding about a person who has gone (or is going): the MIS says they left, the account
/// expired, or it waits to be removed.
pub fn gone(f: &Finding) -> bool {
    matches!(
        f.reason,
        Reason::Left
            | Reason::LeftRoll
            | Reason::Expired
            | Reason::GuestExpired
            | Reason::OverduePurge
    )
}

/// What people have that must come back or be changed when they go: loans and shared logins.
struct Kit {
    borrowers: std::collections::HashSet<String>,
    creds: Vec<crate::domain::creds::Credential>,
}

impl Kit {
    fn read(ctx: &Ctx) -> Result<Kit> {
        if !ctx.config.store.path.exists() {
            return Ok(Kit {
                borrowers: Default::default(),
                creds: Vec::new(),
            });
        }
        let store = ctx.store()?;
        let borrowers = store
            .loans(None, true)?
            .into_iter()
            .filter_map(|l| match l.borrower {
                crate::domain::inventory::loan::Borrower::User(u) => Some(u.to_lowercase()),
                crate::domain::inventory::loan::Borrower::Location(_) => None,
            })
            .collect();
        Ok(Kit {
            borrowers,
            creds: store.credentials()?,
        })
    }

    /// Equipment on loan to `user`: "tag make model (issued YYYY-MM-DD)".
    fn loans(&self, ctx: &Ctx, user: &str) -> Result<Vec<String>> {
        if !self.borrowers.contains(&user.to_lowercase()) {
            return Ok(Vec::new());
        }
        Ok(crate::ops::inventory::equipment_on_loan_to(ctx, user)?
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
            .collect())
    }

    /// Shared logins `user` knows: "name (system): change it once they have gone".
    fn logins(&self, user: &str) -> Vec<String> {
        self.creds
            .iter()
            .filter(|c| c.known_by.iter().any(|k| k.eq_ignore_ascii_case(user)))
            .map(|c| format!("{} ({}): change it once they have gone", c.name, c.system))
            .collect()
    }
}

/// The suspensions sweeps made that nothing has ended, from the store (when there is one). A
/// store that cannot be read is an error: a purge is never judged without it.
pub fn open_suspensions(ctx: &Ctx) -> Result<Vec<SuspendedRecord>> {
    let path = &ctx.config.store.path;
    if !path.exists() {
        return Ok(Vec::new());
    }
    Ok(ctx
        .store()?
        .leaver_open_suspensions()?
        .into_iter()
        .map(|o| SuspendedRecord {
            username: o.record.username,
            object_id: o.record.object_id,
            on: o.record.suspended_on,
            role: o.record.role,
        })
        .collect())
}

/// Ends the open suspensions of `account` (a restore): an appended `ended` event on each
/// record of the same object (by stable id; a legacy record by username). The records never
/// change. How many were ended.
pub fn end_suspension(
    ctx: &Ctx,
    account: &crate::domain::account::Account,
    why: &str,
) -> Result<usize> {
    let path = &ctx.config.store.path;
    if !path.exists() {
        return Ok(0);
    }
    let store = ctx.store()?;
    let ids: Vec<i64> = store
        .leaver_open_suspensions()?
        .into_iter()
        .filter(|o| match (&o.record.object_id, &account.object_id) {
            (Some(r), Some(a)) => r.eq_ignore_ascii_case(a),
            (Some(_), None) => false,
            (None, _) => o.record.username.eq_ignore_ascii_case(&account.username),
        })
        .map(|o| o.id)
        .collect();
    store.leaver_end(&ids, ctx.wall_now(), &ctx.operator, why)?;
    Ok(ids.len())
}

/// Reads `--mis FILE`, else the configured `[mis] file`, else the demo's own export on the
/// demo; None when there is none of them.
pub fn load_mis(ctx: &Ctx, file: Option<&std::path::Path>) -> Result<Option<MisExport>> {
    let configured = ctx.config.mis.file.trim();
    let file = file.or_else(|| (!configured.is_empty()).then(|| std::path::Path::new(configured)));
    match file {
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| {
                Error::Usage(format!("cannot read the MIS export {}: {e}", p.display()))
            })?;
            read_mis(ctx, &bytes).map(Some)
        }
        None if ctx.is_demo() => read_mis(ctx, &demo_mis(ctx.now().london_date())).map(Some),
        None => Ok(None),
    }
}

/// Where [`load_mis`] reads the export from, in words (`--mis FILE` first), or None when there
/// is no export to read.
pub fn mis_source(ctx: &Ctx, file: Option<&std::path::Path>) -> Option<String> {
    let configured = ctx.config.mis.file.trim();
    match file {
        Some(p) => Some(p.display().to_string()),
        None if !configured.is_empty() => Some(configured.to_string()),
        None if ctx.is_demo() => Some("demo MIS export".into()),
        None => None,
    }
}

/// The demo school's zombies that its LDIF does not have: a leaver suspended 60 days ago (due
/// for purge) and a staff account whose expiry passed. Idempotent; demo only.
pub(crate) async fn demo_zombies(ctx: &Ctx) -> Result<()> {
    use crate::domain::account::AccountChange;
    let today = ctx.now().london_date();
    if let Some(a) = ctx.dir.get_account("21berrym").await? {
        let stamp = crate::domain::leavers::suspend_stamp(
            today - chrono::Duration::days(70),
            today - chrono::Duration::days(60),
        );
        if a.description.as_deref() != Some(stamp.as_str()) {
            ctx.dir
                .modify_account(&a, &AccountChange::SetEnabled(false))
                .await?;
            ctx.dir
                .modify_account(&a, &AccountChange::SetDescription(Some(stamp)))
                .await?;
        }
    }
    // The sweep's record of suspending it (what makes its purge due).
    if let Some(a) = ctx.dir.get_account("21berrym").await? {
        demo_sweep_record(ctx, &ctx.store()?, &a)?;
    }
    if let Some(a) = ctx.dir.get_account("pchaudhry").await? {
        if a.expires.is_none() {
            let t = crate::domain::time::end_of_day(today - chrono::Duration::days(3));
            ctx.dir
                .modify_account(&a, &AccountChange::SetExpires(Some(t)))
                .await?;
        }
    }
    Ok(())
}

/// The demo's record of the sweep that suspended 21berrym, as a sweep run 60 days ago would
/// have left it; once, in a store with no runs yet (the demo's zombies and its termly report
/// both need it).
pub(crate) fn demo_sweep_record(
    ctx: &Ctx,
    store: &crate::store::Store,
    a: &crate::domain::account::Account,
) -> Result<()> {
    use crate::store::leavers::{LeaverRecord, SweepRun};
    if !store.sweep_runs()?.is_empty() {
        return Ok(());
    }
    let on = ctx.now() - chrono::Duration::days(60);
    let run_id = format!("sweep-{}", on.format("%Y%m%d-%H%M%S"));
    store.sweep_create(
        &SweepRun {
            run_id: run_id.clone(),
            kind: "suspend".into(),
            created_at: on,
            operator: ctx.operator.clone(),
            source: "demo MIS export".into(),
            as_of: None,
            steps: 4,
            lock_pid: None,
            finished_at: None,
        },
        &[LeaverRecord {
            run_id: run_id.clone(),
            username: a.username.clone(),
            name: Some(a.name().to_string()),
            role: Some("pupil".into()),
            mis_id: a.mis_id.clone(),
            dn: a.dn.clone(),
            groups: Vec::new(),
            description: None,
            enabled: true,
            leaving_date: Some((on - chrono::Duration::days(10)).london_date()),
            reason: "left".into(),
            suspended_on: on.london_date(),
            object_id: a.object_id.clone(),
        }],
    )?;
    store.sweep_finish(&run_id, on + chrono::Duration::minutes(2))
}

/// The roll's stages over the verdicts: an account the sync has marked as missing for longer than
/// its role's `[sync] tolerate_days` has left (reason left-roll, evidence: the first and last
/// roll that missed it); in roll mode an account missing from this export that is not yet past
/// its tolerance is no leaver yet (one bad export suspends nobody). Returns the usernames (lower
/// case) that left the roll.
fn stages(
    ctx: &Ctx,
    accounts: &[crate::domain::account::Account],
    verdicts: &mut BTreeMap<String, MisVerdict>,
    roll_mode: bool,
    notes: &mut Vec<String>,
) -> Result<std::collections::HashSet<String>> {
    let marks = crate::ops::sync::marks(ctx)?;
    let today = ctx.now().london_date();
    let by_id: std::collections::HashMap<String, &crate::domain::sync::Mark> = marks
        .iter()
        .map(|m| (m.mis_id.trim().to_lowercase(), m))
        .collect();
    let mut left = std::collections::HashSet::new();
    let mut waiting = 0;
    for a in accounts {
        let key = a.username.to_lowercase();
        let mark = a
            .mis_id
            .as_deref()
            .and_then(|m| by_id.get(&m.trim().to_lowercase()));
        let days = i64::from(
            ctx.config
                .sync
                .tolerate_for(a.role.as_deref().unwrap_or("pupil")),
        );
        match mark {
            Some(m) if (today - m.first).num_days() > days => {
                let date = m.first + chrono::Duration::days(days);
                if !matches!(verdicts.get(&key), Some(MisVerdict::Review { .. })) {
                    verdicts.insert(
                        key.clone(),
                        MisVerdict::Left {
                            date,
                            source: format!(
                                "the MIS roll (left-roll: missing from every roll from {} to {}, tolerated {days} days)",
                                m.first, m.last
                            ),
                        },
                    );
                    left.insert(key);
                }
            }
            _ if roll_mode => {
                if let Some(MisVerdict::Left { .. }) = verdicts.get(&key) {
                    verdicts.remove(&key);
                    waiting += 1;
                }
            }
            _ => {}
        }
    }
    if waiting > 0 {
        notes.push(format!(
            "{waiting} account(s) missing from the roll are not leavers yet: `schooltech sync` tolerates them for [sync] tolerate_days first"
        ));
    }
    Ok(left)
}
