//! The password compliance report, the fixes for what it finds, and the directory's own
//! password policy brought in line with the school's rules.

use super::actions::{set_must_change, set_never_expires};
use super::Ctx;
use crate::domain::account::{Account, AccountQuery};
use crate::domain::password::{assess, AgeFacts, ExpiryFrom, PasswordRules, PasswordStatus};
use crate::domain::policy::{
    changes, drift, tightened, DirectoryPolicy, PolicyDrift, PolicySettings, SchoolPolicyTarget,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// One account's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    /// Username.
    pub username: String,
    /// Role, if known.
    pub role: Option<String>,
    /// When the password was last set.
    pub password_last_set: Option<DateTime<Utc>>,
    /// Whole days since then.
    pub age_days: Option<i64>,
    /// When it expires: the earlier of the directory's effective policy and the school's rule
    /// (the one answer every face shows; see `expiry_from`).
    pub expires_on: Option<DateTime<Utc>>,
    /// ok, expiring, expired, must-change, never-set.
    pub status: PasswordStatus,
    /// never-expires, not-required, reversible, disabled.
    pub flags: Vec<&'static str>,
    /// The directory policy that governs the account.
    pub policy: String,
    /// The school's age limit applied (90, or 42 for generic accounts).
    pub max_age_days: u32,
    /// When the directory's effective policy (`policy`) expires it, if it says.
    pub directory_expires_on: Option<DateTime<Utc>>,
    /// When the school's rule (`max_age_days` after it was set) expires it.
    pub school_expires_on: Option<DateTime<Utc>>,
    /// Which gives `expires_on`: directory, school, both or none.
    pub expiry_from: ExpiryFrom,
}

/// What judging a password's expiry needs from the context: the school's rules and the
/// name the directory gives its default policy. Cheap to clone, so a face that draws
/// without a context (the TUI) holds one.
#[derive(Debug, Clone)]
pub struct ExpiryRules {
    /// `[passwords]`.
    pub passwords: PasswordRules,
    /// The directory's default policy's name ("domain default", "ppolicy default").
    pub default_policy: &'static str,
}

impl Default for ExpiryRules {
    /// The default `[passwords]` on Active Directory.
    fn default() -> Self {
        ExpiryRules {
            passwords: PasswordRules::default(),
            default_policy: "domain default",
        }
    }
}

impl ExpiryRules {
    /// The rules of a context.
    pub fn from_ctx(ctx: &Ctx) -> ExpiryRules {
        ExpiryRules {
            passwords: ctx.config.passwords.clone(),
            default_policy: ctx.dir.default_policy_name(),
        }
    }
}

/// Counts per role and status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RoleSummary {
    /// Accounts.
    pub total: usize,
    /// By status word.
    pub by_status: BTreeMap<String, usize>,
    /// Accounts with the never-expires flag.
    pub never_expires: usize,
}

/// The governing policy's name for an account.
fn policy_name(er: &ExpiryRules, a: &Account) -> String {
    match &a.policy {
        Some(p) => p.clone(),
        None => er.default_policy.into(),
    }
}

/// Judges one account at `now`.
pub fn row(ctx: &Ctx, a: &Account, now: DateTime<Utc>) -> ReportRow {
    row_with(&ExpiryRules::from_ctx(ctx), a, now)
}

/// Judges one account at `now` under `rules`: the one function that gives a password's
/// expiry (the report, `accounts show`, the Passwords tab and the Accounts details all use it).
pub fn row_with(er: &ExpiryRules, a: &Account, now: DateTime<Utc>) -> ReportRow {
    let rules = &er.passwords;
    let role = a.role.as_deref();
    let max_age = rules.max_age_for(role);
    let warn = rules.effective(role).expiry_warning_days;
    let v = assess(
        &AgeFacts {
            last_set: a.password_last_set,
            must_change: a.must_change_password,
            never_expires: a.password_never_expires,
            directory_expires: a.password_expires,
        },
        max_age,
        warn,
        now,
    );
    let mut flags = Vec::new();
    if a.password_never_expires {
        flags.push("never-expires");
    }
    if a.password_not_required {
        flags.push("not-required");
    }
    if a.reversible_password {
        flags.push("reversible");
    }
    if !a.enabled {
        flags.push("disabled");
    }
    ReportRow {
        username: a.username.clone(),
        role: a.role.clone(),
        password_last_set: a.password_last_set,
        age_days: v.age_days,
        expires_on: v.expires_on,
        status: v.status,
        flags,
        policy: policy_name(er, a),
        max_age_days: v.max_age_days,
        directory_expires_on: v.directory_expires_on,
        school_expires_on: v.school_expires_on,
        expiry_from: v.expiry_from,
    }
}

/// Whose rule an expiry comes from, in words, naming both when they differ: "by domain
/// default; school's 90 d: 25 Dec 2026", "by school's 90 d; domain default: 1 Feb 2027",
/// "by domain default and school's 90 d".
pub fn expiry_source(r: &ReportRow) -> String {
    let day = |t: Option<DateTime<Utc>>| {
        t.map(crate::domain::time::uk_date)
            .unwrap_or_else(|| "no expiry".into())
    };
    let school = format!("school's {} d", r.max_age_days);
    let dir = &r.policy;
    match r.expiry_from {
        ExpiryFrom::Directory => format!("by {dir}; {school}: {}", day(r.school_expires_on)),
        ExpiryFrom::School => format!("by {school}; {dir}: {}", day(r.directory_expires_on)),
        ExpiryFrom::Both => format!("by {dir} and {school}"),
        ExpiryFrom::None => "no expiry".into(),
    }
}

/// A password's expiry in words, the one answer every face shows: "7 Nov 2026 (expired) by
/// domain default; school's 90 d: 25 Dec 2026".
pub fn expiry_words(r: &ReportRow, now: DateTime<Utc>) -> String {
    let Some(on) = r.expires_on else {
        return if r.password_last_set.is_none() {
            "- (never set)".into()
        } else {
            "never".into()
        };
    };
    let when = if on <= now {
        "expired".to_string()
    } else {
        format!("in {} d", (on - now).num_days())
    };
    let mut out = format!(
        "{} ({when}) {}",
        crate::domain::time::uk_date(on),
        expiry_source(r)
    );
    if r.status == PasswordStatus::MustChange {
        out.push_str("; must change at next logon");
    }
    if r.flags.contains(&"never-expires") {
        out.push_str("; never-expires flag set in the directory");
    }
    out
}

/// A password's expiry as `accounts show` and `accounts list` give it (the same answer as the
/// report's `expires_on`).
#[derive(Debug, Clone, Serialize)]
pub struct PasswordExpiry {
    /// The one answer: the earlier of the two below.
    pub expires_on: Option<DateTime<Utc>>,
    /// Which gives it: directory, school, both or none.
    pub expiry_from: ExpiryFrom,
    /// ok, expiring, expired, must-change, never-set.
    pub status: PasswordStatus,
    /// The directory's effective policy by name.
    pub policy: String,
    /// When that policy expires it.
    pub directory_expires_on: Option<DateTime<Utc>>,
    /// The school's maximum age for the account's role.
    pub max_age_days: u32,
    /// When the school's rule expires it.
    pub school_expires_on: Option<DateTime<Utc>>,
    /// The same in words.
    pub words: String,
}

/// An account with its password's one expiry: `password_expires` becomes the one answer
/// (the earlier of the directory's effective policy and the school's rule) and the details
/// sit beside it under `password_expiry`.
#[derive(Debug, Clone, Serialize)]
pub struct AccountWithExpiry {
    /// The account as the directory has it, `password_expires` made the one answer.
    #[serde(flatten)]
    pub account: Account,
    /// Where that answer comes from.
    pub password_expiry: PasswordExpiry,
}

/// [`AccountWithExpiry`] for one account at `now`.
pub fn with_expiry(ctx: &Ctx, a: &Account, now: DateTime<Utc>) -> AccountWithExpiry {
    let r = row(ctx, a, now);
    let mut account = a.clone();
    account.password_expires = r.expires_on;
    AccountWithExpiry {
        password_expiry: PasswordExpiry {
            expires_on: r.expires_on,
            expiry_from: r.expiry_from,
            status: r.status,
            words: expiry_words(&r, now),
            policy: r.policy,
            directory_expires_on: r.directory_expires_on,
            max_age_days: r.max_age_days,
            school_expires_on: r.school_expires_on,
        },
        account,
    }
}

/// The report for every account (or one role), judged at `ctx.now()`.
pub async fn report(ctx: &Ctx, role: Option<&str>) -> Result<(Vec<ReportRow>, usize)> {
    let q = AccountQuery {
        role: role.map(str::to_string),
        with_policy: true,
        ..Default::default()
    };
    let listing = super::accounts::list(ctx, &q).await?;
    let now = ctx.now();
    Ok((
        listing.accounts.iter().map(|a| row(ctx, a, now)).collect(),
        listing.skipped,
    ))
}

/// Counts per role ("(none)" for accounts without one).
pub fn summarise(rows: &[ReportRow]) -> BTreeMap<String, RoleSummary> {
    let mut out: BTreeMap<String, RoleSummary> = BTreeMap::new();
    for r in rows {
        let s = out
            .entry(r.role.clone().unwrap_or_else(|| "(none)".into()))
            .or_default();
        s.total += 1;
        *s.by_status.entry(status_word(r.status).into()).or_default() += 1;
        if r.flags.contains(&"never-expires") {
            s.never_expires += 1;
        }
    }
    out
}

/// The status as its report word.
pub fn status_word(s: PasswordStatus) -> &'static str {
    match s {
        PasswordStatus::Ok => "ok",
        PasswordStatus::Expiring => "expiring",
        PasswordStatus::Expired => "expired",
        PasswordStatus::MustChange => "must-change",
        PasswordStatus::NeverSet => "never-set",
    }
}

/// Forces "must change at next logon" for each user; returns (username, result) per user.
pub async fn expire_users(ctx: &Ctx, users: &[String]) -> Vec<(String, Result<()>)> {
    let mut out = Vec::new();
    for u in users {
        let r = set_must_change(ctx, u, true).await.map(|_| ());
        out.push((u.clone(), r));
    }
    out
}

/// Clears the never-expires flag for each user.
pub async fn clear_never_expires(ctx: &Ctx, users: &[String]) -> Vec<(String, Result<()>)> {
    let mut out = Vec::new();
    for u in users {
        let r = set_never_expires(ctx, u, false).await.map(|_| ());
        out.push((u.clone(), r));
    }
    out
}

/// The school's target for the directory's policy, from `[passwords]`.
pub fn target(ctx: &Ctx) -> SchoolPolicyTarget {
    let p = &ctx.config.passwords;
    SchoolPolicyTarget {
        min_length: u32::try_from(p.min_length).unwrap_or(u32::MAX),
        complexity: !p.required_classes.is_empty(),
        max_age_days: p.max_age_days,
        generic_max_age_days: p.generic_max_age_days,
    }
}

/// The directory's policy and how it differs from the school's rules.
pub async fn policy_drift(ctx: &Ctx) -> Result<(DirectoryPolicy, Vec<PolicyDrift>)> {
    let p = ctx.dir.read_password_policy().await?;
    let d = drift(&p, &target(ctx));
    Ok((p, d))
}

/// The policy changes that would bring the directory in line (empty when none are needed).
pub async fn policy_plan(ctx: &Ctx) -> Result<Vec<PolicySettings>> {
    let (current, d) = policy_drift(ctx).await?;
    if d.is_empty() {
        return Ok(vec![]);
    }
    let t = target(ctx);
    let mut plan = Vec::new();
    let default_dn = current
        .default
        .as_ref()
        .map(|p| p.dn.clone())
        .unwrap_or_else(|| ctx.dir.default_policy_dn());
    if d.iter()
        .any(|x| x.setting != "generic accounts maximum age")
    {
        // Never loosen what the directory already has stricter (its 42 days stay 42).
        plan.push(PolicySettings {
            name: "default".into(),
            dn: default_dn,
            applies_to: Vec::new(),
            precedence: None,
            ..tightened(current.default.as_ref(), &t)
        });
    }
    if d.iter()
        .any(|x| x.setting == "generic accounts maximum age")
    {
        let generic_roles = &ctx.config.passwords.generic_roles;
        let mut applies_to = Vec::new();
        for role in generic_roles {
            if let Some(r) = ctx.config.directory.roles.0.get(role) {
                for g in &r.groups {
                    if let Some(found) = ctx.dir.find_group(g).await? {
                        applies_to.push(found.dn);
                    }
                }
            }
            let q = AccountQuery {
                role: Some(role.clone()),
                ..Default::default()
            };
            applies_to.extend(
                ctx.dir
                    .search_accounts(&q)
                    .await?
                    .accounts
                    .into_iter()
                    .map(|a| a.dn),
            );
        }
        let dn = ctx.dir.policy_dn("generic");
        plan.push(PolicySettings {
            name: "generic".into(),
            dn,
            min_length: Some(t.min_length),
            complexity: Some(t.complexity),
            max_age_days: Some(t.generic_max_age_days),
            must_change_after_reset: Some(true),
            applies_to,
            precedence: Some(10),
            ..Default::default()
        });
    }
    Ok(plan)
}

/// Applies the plan, logging each change.
pub async fn policy_apply(ctx: &Ctx, plan: &[PolicySettings]) -> Result<()> {
    ctx.refuse_as_of("policy apply")?;
    let before = ctx.dir.read_password_policy().await?;
    for s in plan {
        let details = serde_json::json!({
            "policy": s.name,
            "min_length": s.min_length,
            "complexity": s.complexity,
            "max_age_days": s.max_age_days,
            "applies_to": s.applies_to.len(),
            "before": before,
        });
        let dir = ctx.dir.clone();
        let s2 = s.clone();
        super::actions::journalled(ctx, "policy.apply", &s.dn, details, async move {
            dir.write_password_policy(&s2).await
        })
        .await?;
    }
    let (_, left) = policy_drift(ctx).await?;
    if let Some(x) = left.first() {
        return Err(Error::Directory {
            code: 0,
            doing: "bring the password policy in line".into(),
            reason: format!(
                "{} is still {} after the change (school needs {})",
                x.setting, x.directory, x.school
            ),
        });
    }
    Ok(())
}

/// The plan and what it would change (see [`policy_changes`]), for both faces.
pub type PolicyPlan = (Vec<PolicySettings>, Vec<(String, PolicyDrift)>);

/// [`policy_plan`] with [`policy_changes`].
pub async fn policy_plan_explained(ctx: &Ctx) -> Result<PolicyPlan> {
    let plan = policy_plan(ctx).await?;
    let why = policy_changes(ctx, &plan).await?;
    Ok((plan, why))
}

/// One line of a "Because:": "default: maximum age 42 days → 90 days".
pub fn describe_setting_change(policy: &str, c: &PolicyDrift) -> String {
    format!("{policy}: {} {} → {}", c.setting, c.directory, c.school)
}

/// What each planned policy would change, setting by setting (before → after): the
/// "Because:" both faces list before an apply. A new policy lists every setting it sets.
pub async fn policy_changes(
    ctx: &Ctx,
    plan: &[PolicySettings],
) -> Result<Vec<(String, PolicyDrift)>> {
    let current = ctx.dir.read_password_policy().await?;
    let mut out = Vec::new();
    for p in plan {
        let before = if p.name == "default" {
            current.default.clone()
        } else {
            current
                .others
                .iter()
                .find(|o| o.dn.eq_ignore_ascii_case(&p.dn))
                .cloned()
        };
        for c in changes(before.as_ref(), p) {
            out.push((p.name.clone(), c));
        }
    }
    Ok(out)
}

/// A policy change in words, as the CLI and the TUI both show it: "policy NAME (DN): minimum
/// length 8, maximum age 90 days, for 3 accounts/groups".
pub fn describe_policy_change(p: &crate::domain::policy::PolicySettings) -> String {
    format!(
        "policy {} ({}): minimum length {}, maximum age {} days{}",
        p.name,
        p.dn,
        p.min_length.unwrap_or_default(),
        p.max_age_days.unwrap_or_default(),
        if p.applies_to.is_empty() {
            String::new()
        } else {
            format!(", for {} accounts/groups", p.applies_to.len())
        }
    )
}
