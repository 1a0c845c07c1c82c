//! Acceptable use agreements: record signatures (one, or a CSV), publish new versions, show
//! who has signed, and release accounts held until they sign. The CLI and the TUI both call
//! these, through [`change`] (plan, then apply) for what changes.

#[path = "aup_change.rs"]
pub mod change;

use super::actions;
use super::csv_reader::{parse_date, CellError, CsvTable};
use super::Ctx;
use crate::domain::account::{Account, AccountQuery};
use crate::domain::aup::{
    self, check_signed_on, judge, Agreement, How, Judgement, Signer, Status, HELD_DESCRIPTION,
};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::store::aup::{NewSignature, Recorded, SignatureRow};
use crate::store::Store;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// The configured agreements with the version in force for each (the newest published with
/// `aup publish`, else the configuration's).
pub fn agreements(ctx: &Ctx, store: &Store) -> Result<Vec<Agreement>> {
    let published = store.aup_published()?;
    Ok(ctx
        .config
        .aup
        .agreements()
        .into_iter()
        .map(|mut a| {
            if let Some(v) = published.get(&a.name) {
                a.version = v.clone();
            }
            a
        })
        .collect())
}

/// The form (tutor) group of an account: the name of the OU it sits in (e.g. `Year 7`, `7B`).
pub fn form_of(a: &Account) -> String {
    crate::domain::dn::first_rdn_value(a.parent_dn())
}

/// True when `a` is in form `form` (its OU's name, or one of its groups), ignoring case.
pub fn in_form(a: &Account, form: &str) -> bool {
    let f = form.trim();
    form_of(a).eq_ignore_ascii_case(f) || a.groups.iter().any(|g| g.eq_ignore_ascii_case(f))
}

/// True when the account is held only until its agreement is recorded.
pub fn is_held(a: &Account) -> bool {
    !a.enabled && a.description.as_deref().map(str::trim) == Some(HELD_DESCRIPTION)
}

/// One account's standing, as `aup status` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// Login name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Role, if one.
    pub role: Option<String>,
    /// Form group (the account's OU).
    pub form: String,
    /// MIS id.
    pub mis_id: Option<String>,
    /// Enabled in the directory.
    pub enabled: bool,
    /// Held until the agreement is signed.
    pub held: bool,
    /// The agreement the role needs (None: not required).
    pub agreement: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// The newest version the account signed.
    pub version_signed: Option<String>,
    /// The version in force.
    pub current_version: Option<String>,
    /// When that signature was made.
    pub signed_on: Option<NaiveDate>,
    /// signed, outdated, missing, not-required.
    pub status: Status,
}

/// Which accounts `aup status` and `aup sheets` list.
#[derive(Debug, Clone, Default)]
pub struct StatusFilter {
    /// Only those who need to sign (missing or outdated).
    pub missing: bool,
    /// Only this role.
    pub role: Option<String>,
    /// Only this form group.
    pub form: Option<String>,
}

fn by_user(rows: Vec<SignatureRow>) -> BTreeMap<String, Vec<aup::Signature>> {
    let mut m: BTreeMap<String, Vec<aup::Signature>> = BTreeMap::new();
    for r in rows {
        m.entry(r.username.to_lowercase())
            .or_default()
            .push(r.signature());
    }
    m
}

fn row_for(
    a: &Account,
    agreements: &[Agreement],
    sigs: &BTreeMap<String, Vec<aup::Signature>>,
    today: NaiveDate,
) -> StatusRow {
    let ag = aup::for_role(agreements, a.role.as_deref());
    let none = Vec::new();
    let mine = sigs.get(&a.username.to_lowercase()).unwrap_or(&none);
    let j = judge(ag, ag.map_or("", |g| g.version.as_str()), mine, today);
    StatusRow {
        username: a.username.clone(),
        name: a.name().to_string(),
        role: a.role.clone(),
        form: form_of(a),
        mis_id: a.mis_id.clone(),
        enabled: a.enabled,
        held: is_held(a),
        agreement: ag.map(|g| g.name.clone()),
        title: ag.map(|g| g.title.clone()),
        version_signed: j.version_signed,
        current_version: ag.map(|g| g.version.clone()),
        signed_on: j.signed_on,
        status: j.status,
    }
}

/// What judging accounts needs, read once from the store: the agreements in force, every
/// signature, and whether access is held until signed. `aup status` and the TUI's Accounts
/// tab judge with it.
#[derive(Debug, Clone, Default)]
pub struct Book {
    /// The agreements, with the version in force.
    pub agreements: Vec<Agreement>,
    /// `[aup] require_before_access`.
    pub require_before_access: bool,
    sigs: BTreeMap<String, Vec<aup::Signature>>,
}

impl Book {
    /// Reads the agreements and signatures.
    pub fn read(ctx: &Ctx, store: &Store) -> Result<Book> {
        Ok(Book {
            agreements: agreements(ctx, store)?,
            require_before_access: ctx.config.aup.require_before_access,
            sigs: by_user(store.aup_signatures()?),
        })
    }

    /// Opens the store and reads the book.
    pub fn load(ctx: &Ctx) -> Result<Book> {
        Book::read(ctx, &actions::store(ctx)?)
    }

    /// Where `a` stands on `today`, as `aup status` lists it.
    pub fn row(&self, a: &Account, today: NaiveDate) -> StatusRow {
        row_for(a, &self.agreements, &self.sigs, today)
    }

    /// The agreement an account of `role` needs, if any.
    pub fn for_role(&self, role: Option<&str>) -> Option<&Agreement> {
        aup::for_role(&self.agreements, role)
    }

    /// The agreement whose missing signature keeps `a` from being enabled (the rule of
    /// `accounts enable`: `require_before_access` on and the agreement missing).
    pub fn blocks_enable(&self, a: &Account, today: NaiveDate) -> Option<&Agreement> {
        if !self.require_before_access {
            return None;
        }
        let ag = self.for_role(a.role.as_deref())?;
        (self.row(a, today).status == Status::Missing).then_some(ag)
    }
}

/// Every account's standing on the day `ctx.now()` (honours `--as-of`), filtered.
pub async fn status(ctx: &Ctx, filter: &StatusFilter) -> Result<Vec<StatusRow>> {
    let book = Book::load(ctx)?;
    let q = AccountQuery {
        role: filter.role.clone(),
        ..Default::default()
    };
    let listing = super::accounts::list(ctx, &q).await?;
    let today = ctx.now().london_date();
    let mut rows: Vec<StatusRow> = listing
        .accounts
        .iter()
        .filter(|a| filter.form.as_deref().is_none_or(|f| in_form(a, f)))
        .map(|a| book.row(a, today))
        .filter(|r| !filter.missing || r.status.needs_signing())
        .collect();
    rows.sort_by(|a, b| {
        (a.form.to_lowercase(), a.name.to_lowercase())
            .cmp(&(b.form.to_lowercase(), b.name.to_lowercase()))
    });
    Ok(rows)
}

/// True when an enabled account that needs an agreement has not signed the current one
/// (`aup status` then exits 1).
pub fn any_enabled_unsigned(rows: &[StatusRow]) -> bool {
    rows.iter().any(|r| r.enabled && r.status.needs_signing())
}

/// Where one account stands, read from the store (None: no agreement applies to its role).
pub fn judge_account(
    ctx: &Ctx,
    store: &Store,
    a: &Account,
    today: NaiveDate,
) -> Result<Option<(Agreement, Judgement)>> {
    let agreements = agreements(ctx, store)?;
    let Some(ag) = aup::for_role(&agreements, a.role.as_deref()).cloned() else {
        return Ok(None);
    };
    let sigs: Vec<aup::Signature> = store
        .aup_signatures()?
        .into_iter()
        .filter(|s| s.username.eq_ignore_ascii_case(&a.username))
        .map(|s| s.signature())
        .collect();
    let j = judge(Some(&ag), &ag.version, &sigs, today);
    Ok(Some((ag, j)))
}

/// One signature to record.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordRequest {
    /// The agreement; default the one the account's role needs.
    pub agreement: Option<String>,
    /// The day it was signed.
    pub signed_on: Option<NaiveDate>,
    /// Who signed (default: the account holder's name, or "parent/carer" for a parent's).
    pub signed_by: Option<String>,
    /// How it came in.
    pub how: How,
    /// A reference.
    pub reference: String,
}

/// Checks a signature for `a` and makes the row to record; the error says what is wrong.
pub fn prepare(
    agreements: &[Agreement],
    a: &Account,
    req: &RecordRequest,
    today: NaiveDate,
) -> std::result::Result<NewSignature, String> {
    let signed_on = req
        .signed_on
        .ok_or_else(|| "give the day it was signed (--signed-on DATE)".to_string())?;
    let role = a.role.as_deref();
    let ag = match req.agreement.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => {
            let ag = agreements
                .iter()
                .find(|g| g.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    let known: Vec<&str> = agreements.iter().map(|g| g.name.as_str()).collect();
                    format!(
                        "no agreement \"{name}\" in [aup.agreements]; known: {}",
                        if known.is_empty() {
                            "none (add [aup.agreements.NAME] to the configuration)".to_string()
                        } else {
                            known.join(", ")
                        }
                    )
                })?;
            if !ag.applies_to(role) {
                return Err(format!(
                    "the agreement {} is for {}, and {} is {}; record the agreement of that role",
                    ag.name,
                    ag.roles.join(", "),
                    a.username,
                    role.map_or("an account with no role".to_string(), |r| format!("a {r} account"))
                ));
            }
            ag
        }
        None => aup::for_role(agreements, role).ok_or_else(|| {
            format!(
                "no agreement applies to {} ({}); add its role to an [aup.agreements.NAME] roles list, or name one with --agreement",
                a.username,
                role.unwrap_or("no role")
            )
        })?,
    };
    check_signed_on(signed_on, today, a.created.map(|c| c.london_date()))?;
    let given = req
        .signed_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if given.is_some_and(|g| g.chars().any(char::is_control)) {
        return Err("the signer's name contains control characters".into());
    }
    let signed_by = match (ag.signer, given) {
        (Signer::Parent, Some(g)) if g.to_lowercase().starts_with("parent") => g.to_string(),
        (Signer::Parent, Some(g)) => aup::parent_signed_by(g),
        (Signer::Parent, None) => "parent/carer".to_string(),
        (Signer::Holder, Some(g)) => g.to_string(),
        (Signer::Holder, None) => a.name().to_string(),
    };
    Ok(NewSignature {
        username: a.username.to_lowercase(),
        mis_id: a.mis_id.clone(),
        agreement: ag.name.clone(),
        version: ag.version.clone(),
        signed_on,
        signed_by,
        how: req.how,
        reference: req.reference.trim().to_string(),
    })
}

/// What recording a signature did.
#[derive(Debug)]
pub struct RecordOutcome {
    /// The account.
    pub username: String,
    /// Recorded, or the same signature was already there.
    pub recorded: Recorded,
    /// The agreement and version.
    pub agreement: String,
    /// The version.
    pub version: String,
    /// The account was held for its agreement and is now enabled.
    pub released: bool,
    /// Releasing it failed (the signature is recorded all the same).
    pub release_error: Option<Error>,
}

/// Records one signature for `user` (username or MIS id) and releases the account when it was
/// held only for that: the one-account [`change::Change::Record`], planned and applied.
pub async fn record(ctx: &Ctx, user: &str, req: &RecordRequest) -> Result<RecordOutcome> {
    ctx.refuse_as_of("aup record")?;
    let plan = change::plan(
        ctx,
        &change::Change::Record {
            users: vec![user.to_string()],
            request: req.clone(),
        },
    )
    .await?;
    change::apply_step(ctx, &plan, 0).await
}

// The store is opened and closed before the directory is asked anything, so that the future
// can run on any thread (the TUI's tasks).
async fn record_prepared(ctx: &Ctx, a: &Account, sig: NewSignature) -> Result<RecordOutcome> {
    let (recorded, release) = {
        let store = actions::store(ctx)?;
        let recorded = store.record_aup_signature(&sig, ctx.wall_now())?;
        let release = is_held(a)
            && judge_account(ctx, &store, a, ctx.wall_now().london_date())?
                .is_some_and(|(_, j)| j.status == Status::Signed);
        (recorded, release)
    };
    let mut out = RecordOutcome {
        username: a.username.clone(),
        recorded,
        agreement: sig.agreement.clone(),
        version: sig.version.clone(),
        released: false,
        release_error: None,
    };
    if release {
        match actions::release_aup_hold(ctx, &a.username, &sig.agreement, &sig.version).await {
            Ok(_) => out.released = true,
            Err(e) => out.release_error = Some(e),
        }
    }
    Ok(out)
}

/// The one account that `user` names: a username, else an MIS id.
pub async fn find_one(ctx: &Ctx, user: &str) -> Result<Account> {
    let u = user.trim();
    if let Some(a) = ctx.dir.get_account(u).await? {
        return Ok(a);
    }
    let all = super::accounts::list(ctx, &AccountQuery::default()).await?;
    let hits: Vec<&Account> = all
        .accounts
        .iter()
        .filter(|a| {
            a.mis_id
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(u))
        })
        .collect();
    match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::NotFound(format!(
            "no account with username or MIS id \"{u}\"; try `schooltech accounts list --search {u}`"
        ))),
        many => Err(Error::Usage(format!(
            "the MIS id {u} belongs to {} accounts ({}); give the username",
            many.len(),
            many.iter().map(|a| a.username.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Records a new version of an agreement: everyone who signed an older one is `outdated`.
pub fn publish(ctx: &Ctx, name: &str, version: &str) -> Result<(String, String)> {
    let store = actions::store(ctx)?;
    let agreements = agreements(ctx, &store)?;
    let ag = agreements
        .iter()
        .find(|g| g.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            Error::Usage(format!(
                "no agreement \"{}\" in [aup.agreements]; known: {}",
                name.trim(),
                agreements
                    .iter()
                    .map(|g| g.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    let v = version.trim();
    if v.is_empty() || v.chars().any(char::is_control) {
        return Err(Error::Usage("give the new version (--version V)".into()));
    }
    if v == ag.version {
        return Err(Error::Usage(format!(
            "{v} is already the version of {} in force; give the new version",
            ag.name
        )));
    }
    store.publish_aup_version(&ag.name, v, &ag.version, ctx.wall_now())?;
    Ok((ag.name.clone(), ag.version.clone()))
}

/// An import of signatures, planned.
#[derive(Debug, Default)]
pub struct ImportPlan {
    /// Rows to record: line, account, signature.
    pub record: Vec<(usize, Account, NewSignature)>,
    /// Rows already recorded (or twice in the file): line, username.
    pub duplicate: Vec<(usize, String)>,
    /// Rows with errors.
    pub errors: Vec<CellError>,
    /// The file's text encoding (`UTF-8` or `windows-1252`).
    pub encoding: &'static str,
}

/// Plans an import of signatures from CSV bytes. Columns (names matched loosely): `Username`
/// and/or `MIS Id`, `Signed On`; optional `Agreement`, `Signed By`, `How`, `Ref`.
pub async fn plan_import(ctx: &Ctx, bytes: &[u8]) -> Result<ImportPlan> {
    let t = CsvTable::read(bytes)?;
    let c_user = t.column(&["username", "user", "login"]);
    let c_mis = t.column(&["mis id", "mis", "admission number", "upn", "staff code"]);
    let c_on = t.column(&["signed on", "signed", "date", "date signed"]);
    let c_ag = t.column(&["agreement"]);
    let c_by = t.column(&["signed by", "signer"]);
    let c_how = t.column(&["how"]);
    let c_ref = t.column(&["ref", "reference"]);
    if c_user.is_none() && c_mis.is_none() {
        return Err(Error::Input(
            "the CSV needs a Username or an MIS Id column (header row)".into(),
        ));
    }
    if c_on.is_none() {
        return Err(Error::Input(
            "the CSV needs a Signed On column (the day each was signed)".into(),
        ));
    }
    let store = actions::store(ctx)?;
    let agreements = agreements(ctx, &store)?;
    let existing: std::collections::HashSet<(String, String, String, NaiveDate)> = store
        .aup_signatures()?
        .into_iter()
        .map(|s| (s.username, s.agreement, s.version, s.signed_on))
        .collect();
    let all = super::accounts::list(ctx, &AccountQuery::default()).await?;
    let today = ctx.wall_now().london_date();
    let mut plan = ImportPlan {
        errors: t.errors.clone(),
        encoding: t.encoding,
        ..Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    let err = |line: usize, col: Option<usize>, msg: String| CellError {
        line,
        column: col.map(|i| t.header(i).to_string()).unwrap_or_default(),
        message: msg,
    };
    for row in &t.rows {
        let user = row.get(c_user);
        let mis = row.get(c_mis);
        let hits: Vec<&Account> = all
            .accounts
            .iter()
            .filter(|a| {
                (!mis.is_empty()
                    && a.mis_id
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(mis)))
                    || (mis.is_empty() && !user.is_empty() && a.username.eq_ignore_ascii_case(user))
            })
            .collect();
        let a = match hits.as_slice() {
            [one] => *one,
            [] if user.is_empty() && mis.is_empty() => {
                plan.errors
                    .push(err(row.line, None, "no username or MIS id".into()));
                continue;
            }
            [] => {
                let what = if mis.is_empty() {
                    format!("username {user}")
                } else {
                    format!("MIS id {mis}")
                };
                plan.errors.push(err(
                    row.line,
                    if mis.is_empty() { c_user } else { c_mis },
                    format!("no account has the {what}; check the row"),
                ));
                continue;
            }
            many => {
                plan.errors.push(err(
                    row.line,
                    c_mis,
                    format!(
                        "the MIS id {mis} matches {} accounts ({}); give the username instead",
                        many.len(),
                        many.iter()
                            .map(|a| a.username.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                continue;
            }
        };
        if !user.is_empty() && !mis.is_empty() && !a.username.eq_ignore_ascii_case(user) {
            plan.errors.push(err(
                row.line,
                c_user,
                format!(
                    "the MIS id {mis} is {}, not {user}; check the row",
                    a.username
                ),
            ));
            continue;
        }
        let signed_on = match parse_date(row.get(c_on)) {
            Ok(d) => d,
            Err(m) => {
                plan.errors.push(err(row.line, c_on, m));
                continue;
            }
        };
        let how = match How::parse(row.get(c_how)) {
            Ok(h) => h,
            Err(m) => {
                plan.errors.push(err(row.line, c_how, m));
                continue;
            }
        };
        let req = RecordRequest {
            agreement: Some(row.get(c_ag).to_string()).filter(|s| !s.is_empty()),
            signed_on: Some(signed_on),
            signed_by: Some(row.get(c_by).to_string()).filter(|s| !s.is_empty()),
            how,
            reference: row.get(c_ref).to_string(),
        };
        let sig = match prepare(&agreements, a, &req, today) {
            Ok(s) => s,
            Err(m) => {
                plan.errors.push(err(row.line, None, m));
                continue;
            }
        };
        let key = (
            sig.username.clone(),
            sig.agreement.clone(),
            sig.version.clone(),
            sig.signed_on,
        );
        if existing.contains(&key) || !seen.insert(key) {
            plan.duplicate.push((row.line, a.username.clone()));
            continue;
        }
        plan.record.push((row.line, a.clone(), sig));
    }
    Ok(plan)
}

/// Records a planned import; held accounts that now have their agreement are released.
pub async fn apply_import(ctx: &Ctx, plan: &ImportPlan) -> Result<Vec<(usize, RecordOutcome)>> {
    ctx.refuse_as_of("aup import --apply")?;
    let mut out = Vec::new();
    for (line, a, sig) in &plan.record {
        out.push((*line, record_prepared(ctx, a, sig.clone()).await?));
    }
    Ok(out)
}

/// Why enabling `a` is refused while `[aup] require_before_access` is on: its agreement is
/// missing. None when it may be enabled.
pub fn enable_refusal(ctx: &Ctx, a: &Account) -> Result<Option<String>> {
    if !ctx.config.aup.require_before_access {
        return Ok(None);
    }
    let book = Book::load(ctx)?;
    let today = ctx.wall_now().london_date();
    Ok(book.blocks_enable(a, today).map(|ag| {
        format!(
            "{} has not signed the acceptable use agreement ({} version {}); record it with \
             `schooltech aup record {} --signed-on DATE` (which enables the account), or enable \
             it anyway with --override-aup REASON",
            a.username, ag.name, ag.version, a.username
        )
    }))
}

/// True when new accounts of `role` are to be held until they sign.
pub fn holds_role(ctx: &Ctx, role: &str) -> bool {
    ctx.config.aup.require_before_access
        && aup::for_role(&ctx.config.aup.agreements(), Some(role)).is_some()
}

/// The demo school's agreements and signatures: most pupils and staff signed, some missing,
/// some on last year's version, a few staff past their yearly renewal.
pub(crate) mod demo {
    use crate::config::{AgreementConfig, AupConfig};
    use crate::domain::aup::{How, Signer};
    use crate::domain::time::LondonDate;
    use crate::error::Result;
    use crate::store::aup::NewSignature;
    use crate::store::Store;
    use chrono::{DateTime, Duration, Utc};

    /// `[aup]` for the demo.
    pub fn config() -> AupConfig {
        let ag = |title: &str, roles: &[&str], signer, renew_days| AgreementConfig {
            title: title.into(),
            version: "2026".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            signer,
            renew_days,
        };
        AupConfig {
            require_before_access: false,
            agreements: [
                (
                    "pupil".to_string(),
                    ag(
                        "Pupil Acceptable Use Agreement",
                        &["pupil"],
                        Signer::Parent,
                        None,
                    ),
                ),
                (
                    "staff".to_string(),
                    ag(
                        "Staff and Governor Acceptable Use Policy",
                        &["staff", "admin"],
                        Signer::Holder,
                        Some(365),
                    ),
                ),
                (
                    "guest".to_string(),
                    ag(
                        "Visitor and Supply Staff Acceptable Use Agreement",
                        &["guest"],
                        Signer::Holder,
                        None,
                    ),
                ),
            ]
            .into_iter()
            .collect(),
        }
    }

    /// Seeds the demo store from the bundled school (a generated school gets none: everyone is
    /// missing).
    pub fn seed(store: &Store, now: DateTime<Utc>) -> Result<()> {
        if !store.aup_signatures()?.is_empty() {
            return Ok(());
        }
        let today = now.london_date();
        let mut rows = Vec::new();
        let (mut n_pupil, mut n_staff, mut n_guest) = (0usize, 0usize, 0usize);
        for entry in crate::directory::demo::BUNDLED_LDIF.split("\n\n") {
            let val = |k: &str| {
                entry
                    .lines()
                    .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string()))
            };
            let (Some(dn), Some(user)) = (val("dn:"), val("sAMAccountName:")) else {
                continue;
            };
            let name = val("displayName:").unwrap_or_else(|| user.clone());
            let mis = val("employeeID:");
            let sig = |agreement: &str, version: &str, days: i64, by: String, how| NewSignature {
                username: user.clone(),
                mis_id: mis.clone(),
                agreement: agreement.into(),
                version: version.into(),
                signed_on: today - Duration::days(days),
                signed_by: by,
                how,
                reference: "demo".into(),
            };
            if dn.contains(",OU=Pupils,") {
                n_pupil += 1;
                let parent = format!(
                    "parent/carer: {} {}",
                    if n_pupil % 2 == 0 { "Mrs" } else { "Mr" },
                    name.rsplit(' ').next().unwrap_or("")
                );
                match n_pupil % 9 {
                    0 => {} // missing
                    4 => rows.push(sig("pupil", "2025", 400, parent, How::Paper)),
                    _ => rows.push(sig(
                        "pupil",
                        "2026",
                        20 + (n_pupil % 30) as i64,
                        parent,
                        How::Form,
                    )),
                }
            } else if dn.contains(",OU=Staff,") || dn.contains(",OU=IT Admins,") {
                n_staff += 1;
                match n_staff % 8 {
                    0 => {}
                    3 => rows.push(sig("staff", "2026", 380, name, How::Paper)),
                    _ => rows.push(sig("staff", "2026", 60, name, How::Paper)),
                }
            } else if dn.contains(",OU=Supply,") {
                n_guest += 1;
                if n_guest % 2 == 1 {
                    rows.push(sig("guest", "2026", 1, name, How::Paper));
                }
            }
        }
        store.seed_aup_signatures(&rows, now)
    }
}

/// What `aup sheets` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetsWritten {
    /// Pages.
    pub pages: usize,
    /// People listed.
    pub people: usize,
}

/// Writes sign-off sheets for the accounts `filter` picks (those an agreement applies to) to
/// `out`: `.pdf` or `.txt`.
pub async fn sheets(
    ctx: &Ctx,
    filter: &StatusFilter,
    out: &std::path::Path,
) -> Result<SheetsWritten> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let pdf = match ext.as_deref() {
        Some("pdf") => true,
        Some("txt") => false,
        _ => {
            return Err(Error::Usage(format!(
                "{}: give a file ending in .pdf or .txt",
                out.display()
            )))
        }
    };
    let rows: Vec<StatusRow> = status(ctx, filter)
        .await?
        .into_iter()
        .filter(|r| r.agreement.is_some())
        .collect();
    let agreements = ctx.config.aup.agreements();
    let pages = super::aup_sheets::pages(&rows, |name| {
        agreements
            .iter()
            .find(|a| a.name == name)
            .map_or(Signer::Holder, |a| a.signer)
    });
    let school = &ctx.config.school.name;
    let bytes = if pdf {
        super::aup_sheets::render_pdf(school, &pages)?
    } else {
        super::aup_sheets::render_text(school, &pages).into_bytes()
    };
    super::files::write_private(out, &bytes).map_err(|e| Error::io(out, e))?;
    Ok(SheetsWritten {
        pages: pages.len(),
        people: rows.len(),
    })
}
