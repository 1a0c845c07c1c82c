//! Changing accounts: every change is journalled before it is made, and written to the
//! action log after (with what it was before and after). Passwords never reach the log.

use super::change::read_back;
use super::passwords::{choose, PasswordChoice};
use super::Ctx;
use crate::directory::Secret;
use crate::domain::account::{Account, AccountChange, NewAccount};
use crate::domain::roles::absolute;
use crate::domain::time::LondonDate;
use crate::domain::time::{end_of_day, uk_date};
use crate::domain::username::{candidate, expand, NameParts};
use crate::error::{Error, Result};
use crate::store::{ActionEntry, Store};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde_json::{json, Value};

/// Opens the store for one operation, its log rows stamped by the context's clock (never by
/// `--as-of`). Every service opens the store through here.
pub fn store(ctx: &Ctx) -> Result<Store> {
    ctx.store()
}

/// Runs one directory change under the journal and records it in the action log (see
/// [`super::runner::one`], the one runner every change goes through).
pub async fn journalled<F, T>(
    ctx: &Ctx,
    action: &str,
    target: &str,
    details: Value,
    change: F,
) -> Result<(T, ActionEntry)>
where
    F: std::future::Future<Output = Result<T>>,
{
    super::runner::one(ctx, action, target, details, change, |_| None).await
}

/// [`journalled`], adding `after(result)` (e.g. the account's new state) to the logged details.
pub async fn journalled_with<F, T>(
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
    super::runner::one(ctx, action, target, details, change, after).await
}

async fn account(ctx: &Ctx, username: &str) -> Result<Account> {
    super::accounts::get(ctx, username).await
}

async fn change(
    ctx: &Ctx,
    username: &str,
    action: &str,
    c: AccountChange,
    extra: Value,
) -> Result<Account> {
    Ok(change_noting(ctx, username, action, c, extra)
        .await?
        .account)
}

/// What a single account change came to: the account after it, and when it was already so,
/// the words both faces say ("already disabled: nothing to do"): nothing was sent and no log
/// row was written.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The account after the change (read back), or as it was when nothing was to do.
    pub account: Account,
    /// Why nothing was done, when it was already so.
    pub nothing_to_do: Option<String>,
}

/// Reads the account by username and makes one attribute change through the one core
/// ([`super::change::modify`]: protection, nothing to do, journal and log, read-back).
async fn change_noting(
    ctx: &Ctx,
    username: &str,
    action: &str,
    c: AccountChange,
    extra: Value,
) -> Result<Applied> {
    ctx.refuse_as_of(action)?;
    let before = account(ctx, username).await?;
    let (account, nothing_to_do) = super::change::modify(ctx, before, action, c, extra).await?;
    Ok(Applied {
        account,
        nothing_to_do,
    })
}

/// Disables an account, with the reason in the action log.
pub async fn disable(ctx: &Ctx, username: &str, reason: &str) -> Result<Account> {
    Ok(disable_noting(ctx, username, reason).await?.account)
}

/// [`disable`], saying when the account was already disabled (nothing sent, nothing logged).
pub async fn disable_noting(ctx: &Ctx, username: &str, reason: &str) -> Result<Applied> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::Usage(
            "say why the account is disabled (--reason TEXT)".into(),
        ));
    }
    change_noting(
        ctx,
        username,
        "account.disable",
        AccountChange::SetEnabled(false),
        json!({ "reason": reason }),
    )
    .await
}

/// Enables an account. With `[aup] require_before_access`, an account whose acceptable use
/// agreement is missing is refused (see [`enable_with`]).
pub async fn enable(ctx: &Ctx, username: &str) -> Result<Account> {
    enable_with(ctx, username, None).await
}

/// [`enable`], with `override_aup = Some(REASON)` enabling an account whose acceptable use
/// agreement is missing (the reason goes in the action log).
pub async fn enable_with(ctx: &Ctx, username: &str, override_aup: Option<&str>) -> Result<Account> {
    let mut extra = json!({});
    if ctx.config.aup.require_before_access {
        let a = account(ctx, username).await?;
        if let Some(why) = super::aup::enable_refusal(ctx, &a)? {
            match override_aup.map(str::trim).filter(|r| !r.is_empty()) {
                Some(reason) => extra = json!({ "override_aup": reason }),
                None => return Err(Error::Input(format!("refusing to enable: {why}"))),
            }
        }
    }
    change(
        ctx,
        username,
        "account.enable",
        AccountChange::SetEnabled(true),
        extra,
    )
    .await
}

/// Holds an account until its acceptable use agreement is recorded: disables it, logged with
/// that reason. (Its description says so from creation.)
pub async fn hold_for_aup(ctx: &Ctx, username: &str) -> Result<Account> {
    change(
        ctx,
        username,
        "account.disable",
        AccountChange::SetEnabled(false),
        json!({ "reason": crate::domain::aup::HELD_DESCRIPTION, "aup_hold": true }),
    )
    .await
}

/// Releases an account held only for its acceptable use agreement, now recorded: enables it and
/// clears the "awaiting" description, both logged as released for that reason.
pub async fn release_aup_hold(
    ctx: &Ctx,
    username: &str,
    agreement: &str,
    version: &str,
) -> Result<Account> {
    let why = json!({
        "reason": "acceptable use agreement recorded",
        "aup_release": { "agreement": agreement, "version": version },
    });
    change(
        ctx,
        username,
        "account.enable",
        AccountChange::SetEnabled(true),
        why.clone(),
    )
    .await?;
    change(
        ctx,
        username,
        "account.description",
        AccountChange::SetDescription(None),
        why,
    )
    .await
}

/// Clears a lockout.
pub async fn unlock(ctx: &Ctx, username: &str) -> Result<Account> {
    Ok(unlock_noting(ctx, username).await?.account)
}

/// [`unlock`], saying when the account was not locked (nothing sent, nothing logged).
pub async fn unlock_noting(ctx: &Ctx, username: &str) -> Result<Applied> {
    change_noting(
        ctx,
        username,
        "account.unlock",
        AccountChange::Unlock,
        json!({}),
    )
    .await
}

/// Sets (end of that day) or clears the account's expiry.
pub async fn set_expiry(ctx: &Ctx, username: &str, on: Option<NaiveDate>) -> Result<Account> {
    let when = on.map(end_of_day);
    change(
        ctx,
        username,
        "account.expire",
        AccountChange::SetExpires(when),
        json!({ "expires": when }),
    )
    .await
}

/// Forces (or clears) "must change password at next logon".
pub async fn set_must_change(ctx: &Ctx, username: &str, on: bool) -> Result<Account> {
    change(
        ctx,
        username,
        "password.expire",
        AccountChange::SetMustChangePassword(on),
        json!({ "must_change_password": on }),
    )
    .await
}

/// Clears (or sets) "password never expires".
pub async fn set_never_expires(ctx: &Ctx, username: &str, on: bool) -> Result<Account> {
    change(
        ctx,
        username,
        "password.never-expires",
        AccountChange::SetPasswordNeverExpires(on),
        json!({ "password_never_expires": on }),
    )
    .await
}

/// Resets a password. Returns the new password when it was generated (to show once). When the
/// outcome is unknown this is an error and the generated password is lost to the caller: use
/// [`reset_password_outcome`], which never drops it.
pub async fn reset_password(
    ctx: &Ctx,
    username: &str,
    choice: &PasswordChoice,
    temporary: bool,
) -> Result<(Account, Option<Secret>)> {
    let r = reset_password_outcome(ctx, username, choice, temporary).await?;
    match r.unknown {
        Some(e) => Err(e),
        None => Ok((r.account, r.password)),
    }
}

/// What a reset gave. `password` is set whenever a generated password may be in effect —
/// also when the outcome is unknown — so it is never lost.
#[derive(Debug)]
pub struct ResetOutcome {
    /// The account after the reset (or as it was, when reading it back failed).
    pub account: Account,
    /// The generated password, to show once.
    pub password: Option<Secret>,
    /// Set when the directory may or may not have taken the password (`log pending` settles it).
    pub unknown: Option<Error>,
}

/// [`reset_password`], keeping the generated password whatever happens after it was sent.
/// `Err` only when nothing was sent (refused, protected, failed before sending).
pub async fn reset_password_outcome(
    ctx: &Ctx,
    username: &str,
    choice: &PasswordChoice,
    temporary: bool,
) -> Result<ResetOutcome> {
    ctx.refuse_as_of("reset-password")?;
    let before = account(ctx, username).await?;
    super::protect::refuse(ctx, "password.reset", "reset the password of", &before).await?;
    let password = choose(ctx, &before, choice)?;
    let generated = matches!(choice, PasswordChoice::Generate);
    let details = json!({
        "temporary": temporary,
        "generated": generated,
        "before_password_last_set": before.password_last_set,
        "before_must_change": before.must_change_password,
    });
    let dir = ctx.dir.clone();
    let (b, p) = (before.clone(), password.clone());
    let done = journalled(
        ctx,
        "password.reset",
        &before.username,
        details,
        async move { dir.set_password(&b, &p, temporary).await },
    )
    .await;
    let shown = generated.then_some(password);
    match done {
        Ok(_) => {}
        Err(e) if e.outcome_unknown() => {
            return Ok(ResetOutcome {
                account: before,
                password: shown,
                unknown: Some(e),
            })
        }
        Err(e) => return Err(e),
    }
    let fallback = before.clone();
    let after = read_back(ctx, username, || fallback).await;
    Ok(ResetOutcome {
        account: after,
        password: shown,
        unknown: None,
    })
}

/// Moves an account to another OU (DN, with or without the base DN).
pub async fn move_to(ctx: &Ctx, username: &str, ou: &str) -> Result<Account> {
    ctx.refuse_as_of("move")?;
    let before = account(ctx, username).await?;
    super::protect::refuse(ctx, "account.move", "move", &before).await?;
    let target = absolute(ou.trim(), ctx.dir.base_dn());
    let ous = ctx.dir.list_ous().await?;
    if !ous.iter().any(|o| o.eq_ignore_ascii_case(&target)) {
        return Err(Error::NotFound(format!(
            "no OU \"{target}\"; {}",
            super::change::known_ous(&ous)
        )));
    }
    if let Some(why) = super::protect::Protection::from_ctx(ctx).check_target_ou(&target) {
        super::protect::log_refusal(ctx, "account.move", &before.username, &why);
        return Err(super::protect::refusal(
            &format!("move {} into", before.username),
            &target,
            &why,
        ));
    }
    let details = json!({ "from": before.parent_dn(), "to": target });
    let dir = ctx.dir.clone();
    let (b, t) = (before.clone(), target.clone());
    let (new_dn, _) = journalled(ctx, "account.move", &before.username, details, async move {
        dir.move_account(&b, &t).await
    })
    .await?;
    Ok(read_back(ctx, username, || Account {
        dn: new_dn,
        ..before.clone()
    })
    .await)
}

/// Adds and removes groups (names or DNs). Adding to a protected group is refused; see
/// [`groups_with`].
pub async fn groups(
    ctx: &Ctx,
    username: &str,
    add: &[String],
    remove: &[String],
) -> Result<Account> {
    groups_with(ctx, username, add, remove, false).await
}

/// [`groups`]; `allow_protected` lets the account join protected groups (`--allow-protected`,
/// or the TUI after the operator confirmed), and is written in the log row.
pub async fn groups_with(
    ctx: &Ctx,
    username: &str,
    add: &[String],
    remove: &[String],
    allow_protected: bool,
) -> Result<Account> {
    ctx.refuse_as_of("groups")?;
    if add.is_empty() && remove.is_empty() {
        return Err(Error::Usage(
            "give --add GROUP and/or --remove GROUP".into(),
        ));
    }
    let before = account(ctx, username).await?;
    let protection = super::protect::Protection::load(ctx).await?;
    let action = if add.is_empty() {
        "group.remove"
    } else {
        "group.add"
    };
    if let Some(why) = protection.check_live(ctx, &before).await? {
        return Err(super::protect::refuse_logged(
            ctx,
            action,
            "change the groups of",
            &before.username,
            &why,
        ));
    }
    // Every unknown name at once, in the words the preview uses (exit 2).
    let (to_add, mut missing) = super::groups::find_all(ctx, add).await?;
    let (to_remove, missing_remove) = super::groups::find_all(ctx, remove).await?;
    for m in missing_remove {
        if !missing.contains(&m) {
            missing.push(m);
        }
    }
    if !missing.is_empty() {
        return Err(Error::NotFound(missing.join("; ")));
    }
    let mut found = Vec::new();
    for (groups, adding) in [(to_add, true), (to_remove, false)] {
        for g in groups {
            let privileged = protection.check_group(&g);
            if let (true, false, Some(why)) = (adding, allow_protected, &privileged) {
                super::protect::log_refusal(ctx, "group.add", &before.username, why);
                return Err(super::protect::refusal(
                    &format!("add {} to", before.username),
                    &g.name,
                    why,
                ));
            }
            found.push((g, adding, privileged.is_some()));
        }
    }
    {
        for (g, adding, privileged) in found {
            let action = if adding { "group.add" } else { "group.remove" };
            let mut details = json!({ "group": g.dn });
            if privileged && adding {
                details["allow_protected"] = json!(true);
            }
            let dir = ctx.dir.clone();
            let (b, gdn) = (before.clone(), g.dn.clone());
            journalled(ctx, action, &before.username, details, async move {
                if adding {
                    dir.add_to_group(&b, &gdn).await
                } else {
                    dir.remove_from_group(&b, &gdn).await
                }
            })
            .await?;
        }
    }
    Ok(read_back(ctx, username, || before.clone()).await)
}

/// A request to create one account.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    /// Role (decides OU, groups and password rules).
    pub role: String,
    /// Given name.
    pub first: String,
    /// Surname.
    pub last: String,
    /// MIS id.
    pub mis_id: Option<String>,
    /// Expiry day, if any (guests get one by default).
    pub expires: Option<NaiveDate>,
    /// Use this username instead of the pattern.
    pub username: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Where the layout rules (`[sync.layout.ROLE]`) put it, when they do: `sync`'s joiners
    /// and `accounts import` with rules for the role. `None`: the role's OU and groups and
    /// `[accounts] username_pattern`.
    pub place: Option<Box<Place>>,
}

/// Where the layout rules put a new account (see [`crate::domain::sync::layout::place_new`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// The OU (absolute); `None`: the role's (and then the role's groups too).
    pub ou: Option<String>,
    /// Group names.
    pub groups: Vec<String>,
    /// The username template (`{yy}{surname}{initial}`); empty: `[accounts] username_pattern`.
    pub username: String,
    /// NC year (`{yy}` is the year it entered Year 7).
    pub year: Option<u32>,
}

impl Place {
    /// The place the rules give a person of `role` in `year` and `form`; `None` when the
    /// school has no rules for the role.
    pub fn by_rules(ctx: &Ctx, role: &str, year: Option<u32>, form: &str) -> Option<Place> {
        // Configured rules only (the demo's own rules stay with its sync).
        if ctx.config.sync.layout.is_empty() {
            return None;
        }
        let rules = super::sync::layouts(ctx);
        let layout = rules.get(&role.to_lowercase())?;
        let (ou, groups) = crate::domain::sync::layout::place_new(layout, year, form);
        Some(Place {
            ou,
            groups,
            username: layout.username.clone(),
            year,
        })
    }
}

/// What creating an account gave: the account and its temporary password (show once).
#[derive(Debug)]
pub struct Created {
    /// The new account.
    pub account: Account,
    /// The generated temporary password.
    pub password: Secret,
}

/// Adds `n` school days (Mon–Fri) to a date.
pub fn add_school_days(from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// OUs, groups and username clashes looked up once for a batch of new accounts.
#[derive(Debug, Default)]
pub struct OuCache {
    ous: Option<Vec<String>>,
    groups: std::collections::HashMap<String, Option<String>>,
    /// Lower-cased usernames already checked in the directory: true when taken.
    usernames: std::collections::HashMap<String, bool>,
}

impl OuCache {
    /// Checks `names` in the directory in a few searches, so that [`plan_create_cached`] asks
    /// again only for those it has not seen (a clash's next candidate).
    pub async fn check_usernames(&mut self, ctx: &Ctx, names: &[String]) -> Result<()> {
        let fresh: Vec<String> = names
            .iter()
            .map(|n| n.to_lowercase())
            .filter(|n| !self.usernames.contains_key(n))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let found: std::collections::HashSet<String> = ctx
            .dir
            .get_accounts(&fresh)
            .await?
            .into_iter()
            .map(|a| a.username.to_lowercase())
            .collect();
        for n in fresh {
            let taken = found.contains(&n);
            self.usernames.insert(n, taken);
        }
        Ok(())
    }

    async fn username_taken(&mut self, ctx: &Ctx, name: &str) -> Result<bool> {
        let key = name.to_lowercase();
        if let Some(t) = self.usernames.get(&key) {
            return Ok(*t);
        }
        let taken = ctx.dir.get_account(name).await?.is_some();
        self.usernames.insert(key, taken);
        Ok(taken)
    }
}

/// The first username [`plan_create_cached`] tries for `req` (none when `req` names one, or
/// the pattern cannot be expanded: planning says why).
pub fn first_username(ctx: &Ctx, req: &CreateRequest) -> Option<String> {
    if req.username.is_some() {
        return None;
    }
    let base = username_base(ctx, req).ok()?;
    Some(candidate(&base, 1))
}

fn username_base(ctx: &Ctx, req: &CreateRequest) -> Result<String> {
    username_base_for(
        ctx,
        req.first.trim(),
        req.last.trim(),
        req.mis_id.as_deref(),
        req.place.as_deref(),
    )
}

/// The first-choice username of a new account (before the clash rule adds a digit): the
/// layout's template when its place has one, else `[accounts] username_pattern`; `{yy}` is the
/// year a pupil placed by the rules entered Year 7 (else this year). The one rule for `accounts
/// create`, `accounts import` and `sync`.
pub fn username_base_for(
    ctx: &Ctx,
    first: &str,
    last: &str,
    mis: Option<&str>,
    place: Option<&Place>,
) -> Result<String> {
    let pattern = match place {
        Some(p) if !p.username.trim().is_empty() => {
            crate::domain::sync::layout::username_pattern(&p.username)
        }
        _ => ctx.config.accounts.username_pattern.clone(),
    };
    let year = match place {
        Some(p) => crate::domain::sync::layout::entry_year(ctx.now().london_date(), p.year),
        None => ctx.wall_now().year(),
    };
    let parts = NameParts {
        first,
        last,
        year,
        mis,
    };
    expand(&pattern, &parts).map_err(Error::Config)
}

/// Plans a new account (username, OU, groups) without creating it.
pub async fn plan_create(
    ctx: &Ctx,
    req: &CreateRequest,
    also_taken: &[String],
) -> Result<NewAccount> {
    plan_create_cached(ctx, req, also_taken, &mut OuCache::default()).await
}

/// [`plan_create`] with lookups shared across a batch.
pub async fn plan_create_cached(
    ctx: &Ctx,
    req: &CreateRequest,
    also_taken: &[String],
    cache: &mut OuCache,
) -> Result<NewAccount> {
    let first = req.first.trim();
    let last = req.last.trim();
    if first.is_empty() && last.is_empty() {
        return Err(Error::Input(
            "a new account needs a first or last name".into(),
        ));
    }
    for (what, v) in [("first name", first), ("last name", last)] {
        if v.chars().any(char::is_control) {
            return Err(Error::Input(format!(
                "the {what} contains control characters"
            )));
        }
    }
    let base = ctx.dir.base_dn().to_string();
    let roles = &ctx.config.directory.roles;
    let placed_ou = req.place.as_ref().and_then(|p| p.ou.clone());
    let parent = match (&placed_ou, roles.create_in(&req.role, &base)) {
        (Some(ou), _) => ou.clone(),
        (None, Some(p)) => p,
        (None, None) => {
            if cache.ous.is_none() {
                cache.ous = Some(ctx.dir.list_ous().await?);
            }
            default_ou(cache.ous.as_deref().unwrap_or_default(), &req.role)?
        }
    };
    let username = match &req.username {
        Some(u) => u.trim().to_string(),
        None => {
            let base_name = username_base(ctx, req)?;
            let mut found = None;
            for n in 1..=500u32 {
                let cand = candidate(&base_name, n);
                if !cache.usernames.contains_key(&cand.to_lowercase()) {
                    // A clash: the next candidates are looked up together, not one by one
                    // (a common name with many earlier holders took a read each).
                    let next: Vec<String> = (n..n + 20).map(|k| candidate(&base_name, k)).collect();
                    cache.check_usernames(ctx, &next).await?;
                }
                let clash = also_taken.iter().any(|t| t.eq_ignore_ascii_case(&cand))
                    || cache.username_taken(ctx, &cand).await?;
                if !clash {
                    found = Some(cand);
                    break;
                }
            }
            found.ok_or_else(|| {
                Error::Input(format!(
                    "every username like {base_name} is taken; give one with --username"
                ))
            })?
        }
    };
    let mut groups = Vec::new();
    // The layout's groups, and the role's when the layout does not place it.
    let mut names: Vec<String> = req
        .place
        .as_ref()
        .map(|p| p.groups.clone())
        .unwrap_or_default();
    if placed_ou.is_none() {
        names.extend(roles.default_groups(&req.role));
    }
    let placed: Vec<String> = req
        .place
        .as_ref()
        .map(|p| p.groups.iter().map(|g| g.to_lowercase()).collect())
        .unwrap_or_default();
    for g in names {
        let found = match cache.groups.get(&g) {
            Some(f) => f.clone(),
            None => {
                let f = ctx.dir.find_group(&g).await?.map(|x| x.dn);
                cache.groups.insert(g.clone(), f.clone());
                f
            }
        };
        match found {
            Some(dn) if !groups.contains(&dn) => groups.push(dn),
            Some(_) => {}
            None if placed.contains(&g.to_lowercase()) => tracing::warn!(
                "no group \"{g}\" in the directory: the layout rules name it; create it, or fix [sync.layout]"
            ),
            None => {}
        }
    }
    let expires = req.expires.or_else(|| {
        (req.role == "guest")
            .then(|| add_school_days(ctx.wall_now().london_date(), ctx.config.accounts.guest_days))
    });
    Ok(NewAccount {
        username,
        given_name: first.to_string(),
        surname: last.to_string(),
        display_name: format!("{first} {last}").trim().to_string(),
        parent_dn: parent,
        mis_id: req.mis_id.clone().filter(|m| !m.trim().is_empty()),
        expires: expires.map(end_of_day),
        description: req.description.clone(),
        groups,
        cn: None,
    })
}

/// Finds an OU for a role when `[directory.roles]` does not say: an OU named like the role.
fn default_ou(ous: &[String], role: &str) -> Result<String> {
    let names: &[&str] = match role {
        "pupil" => &["pupils", "students"],
        "staff" => &["staff"],
        "guest" => &["supply", "guests", "supply staff"],
        "generic" => &["generic", "shared"],
        "admin" => &["admins", "it admins"],
        _ => &[],
    };
    ous.iter()
        .find(|dn| {
            let first = crate::directory::escape::first_rdn_value(dn).to_lowercase();
            names.contains(&first.as_str())
        })
        .cloned()
        .ok_or_else(|| {
            Error::Config(format!(
                "no OU for role \"{role}\"; set [directory.roles.{role}] create_in = \"OU=…\" in the configuration"
            ))
        })
}

/// Creates one account with a generated temporary password (must change at next logon).
pub async fn create(ctx: &Ctx, req: &CreateRequest) -> Result<Created> {
    match create_outcome(ctx, req).await? {
        CreateOutcome::Created(c) => Ok(*c),
        CreateOutcome::Unknown { error, .. } => Err(error),
    }
}

/// What creating an account gave, keeping the password when the outcome is unknown.
#[derive(Debug)]
pub enum CreateOutcome {
    /// Made (and recorded).
    Created(Box<Created>),
    /// Sent without an answer or made in part: the account may exist with this password.
    Unknown {
        /// The planned username.
        username: String,
        /// The temporary password it was given, if it was made.
        password: Secret,
        /// What happened.
        error: Error,
    },
}

/// [`create`], never dropping a password that may be in effect.
pub async fn create_outcome(ctx: &Ctx, req: &CreateRequest) -> Result<CreateOutcome> {
    ctx.refuse_as_of("create")?;
    let mut plan = plan_create(ctx, req, &[]).await?;
    super::import::unique_name(ctx, &mut plan, &mut Default::default()).await?;
    if let Some(mis) = &plan.mis_id {
        let q = crate::domain::account::AccountQuery {
            search: Some(mis.clone()),
            ..Default::default()
        };
        let same = ctx.dir.search_accounts(&q).await?;
        if let Some(a) = same
            .accounts
            .iter()
            .find(|a| a.mis_id.as_deref() == Some(mis.as_str()))
        {
            return Err(Error::Input(format!(
                "MIS id {mis} already belongs to {}",
                a.username
            )));
        }
    }
    create_planned_outcome(ctx, &req.role, plan).await
}

/// Creates an account already planned by [`plan_create`]. Refused when the plan names a
/// protected account, OU or group.
pub async fn create_planned(ctx: &Ctx, role: &str, plan: NewAccount) -> Result<Created> {
    match create_planned_outcome(ctx, role, plan).await? {
        CreateOutcome::Created(c) => Ok(*c),
        CreateOutcome::Unknown { error, .. } => Err(error),
    }
}

/// [`create_planned`], keeping the password when the outcome is unknown.
pub async fn create_planned_outcome(
    ctx: &Ctx,
    role: &str,
    plan: NewAccount,
) -> Result<CreateOutcome> {
    // Groups nested into a protected one are known only to the directory.
    if let Some(why) = super::protect::Protection::load(ctx)
        .await?
        .check_new(&plan, false)
    {
        return Err(super::protect::refuse_logged(
            ctx,
            "account.create",
            "create",
            &plan.username,
            &why,
        ));
    }
    let p = prepare_create(ctx, role, plan)?;
    let dir = ctx.dir.clone();
    let (p2, pw) = (p.plan.clone(), p.password.clone());
    let made = match journalled(
        ctx,
        "account.create",
        &p.plan.username,
        p.details.clone(),
        async move { dir.create_account_unread(&p2, &pw, true).await },
    )
    .await
    {
        Ok((made, _)) => made,
        Err(error) if error.outcome_unknown() => {
            return Ok(CreateOutcome::Unknown {
                username: p.plan.username,
                password: p.password,
                error,
            })
        }
        Err(e) => return Err(e),
    };
    let account = read_back(ctx, &p.plan.username, || made).await;
    finish_create(ctx, &p, account).await
}

/// A new account ready to be sent: checked, its temporary password chosen, its journal details.
#[derive(Debug)]
pub struct PreparedCreate {
    /// What will be created.
    pub plan: NewAccount,
    /// Its temporary password.
    pub password: Secret,
    /// The journal's and the action log's details.
    pub details: Value,
    /// Made disabled, waiting for its acceptable use agreement.
    pub hold: bool,
}

/// Checks a planned account (refused when it names a protected account, OU or group) and
/// chooses its temporary password; nothing is sent or written.
pub fn prepare_create(ctx: &Ctx, role: &str, plan: NewAccount) -> Result<PreparedCreate> {
    if let Some(why) = super::protect::Protection::from_ctx(ctx).check_new(&plan, false) {
        return Err(super::protect::refuse_logged(
            ctx,
            "account.create",
            "create",
            &plan.username,
            &why,
        ));
    }
    let mut plan = plan;
    // [aup] require_before_access: made disabled, described as waiting for its agreement.
    let hold = super::aup::holds_role(ctx, role);
    if hold {
        plan.description = Some(crate::domain::aup::HELD_DESCRIPTION.to_string());
    }
    let probe = Account {
        username: plan.username.clone(),
        given_name: Some(plan.given_name.clone()),
        surname: Some(plan.surname.clone()),
        role: Some(role.to_string()),
        ..Default::default()
    };
    let password = choose(ctx, &probe, &PasswordChoice::Generate)?;
    let details = json!({
        "role": role,
        "dn": format!("{} in {}", plan.display_name, plan.parent_dn),
        "mis_id": plan.mis_id,
        "expires": plan.expires,
        "groups": plan.groups,
        "temporary_password_set": true,
    });
    Ok(PreparedCreate {
        plan,
        password,
        details,
        hold,
    })
}

/// After the create is recorded: holds the account for its agreement when it must be.
async fn finish_create(ctx: &Ctx, p: &PreparedCreate, made: Account) -> Result<CreateOutcome> {
    let mut account = made;
    if p.hold {
        match hold_for_aup(ctx, &p.plan.username).await {
            Ok(a) => account = a,
            // The account is made and its password must not be lost: say so loudly instead.
            Err(e) => tracing::error!(
                "{} was created but could not be held for its acceptable use agreement ({e}); \
                 disable it with `schooltech accounts disable {} --reason \"{}\"`",
                p.plan.username,
                p.plan.username,
                crate::domain::aup::HELD_DESCRIPTION
            ),
        }
    }
    Ok(CreateOutcome::Created(Box::new(Created {
        account,
        password: p.password.clone(),
    })))
}

/// Creates accounts for a bulk import with the journal written per batch, not per account:
/// the intents of a batch in one transaction before the first is sent ([`Store::journal_begin_many`]),
/// and the outcomes with their log rows in one transaction after the last
/// ([`Store::journal_close_many`]). The journal's guarantees hold: every create is pending before
/// it is sent, each outcome commits with its log row, and a kill part-way leaves the batch's
/// entries pending and interrupted, which `schooltech log pending` settles by reading the
/// directory. The import's handout line is written as each account is made, before any of this.
pub struct CreateBatch<'a> {
    ctx: &'a Ctx,
    /// The runner's batch: the journal, one transaction per begin and per flush.
    journal: super::runner::Batch,
    /// Begun, not yet sent: (journal id, prepared).
    queued: std::collections::VecDeque<(i64, PreparedCreate)>,
}

impl<'a> CreateBatch<'a> {
    /// A batch writing to the store of `ctx`.
    pub async fn new(ctx: &'a Ctx) -> Result<CreateBatch<'a>> {
        Ok(CreateBatch {
            ctx,
            journal: super::runner::Batch::new(ctx).await?,
            queued: Default::default(),
        })
    }

    /// Begins the next accounts (one journal transaction); [`CreateBatch::send`] then makes them
    /// in this order.
    pub fn begin(&mut self, accounts: Vec<PreparedCreate>) -> Result<()> {
        let entries: Vec<(&str, &str, Value)> = accounts
            .iter()
            .map(|p| {
                (
                    "account.create",
                    p.plan.username.as_str(),
                    p.details.clone(),
                )
            })
            .collect();
        let ids = self.journal.begin(self.ctx, &entries)?;
        self.queued.extend(ids.into_iter().zip(accounts));
        Ok(())
    }

    /// Sends the next begun account; its outcome is recorded at the next flush. `None` when
    /// none is left.
    pub async fn send(&mut self) -> Option<Result<CreateOutcome>> {
        let (id, p) = self.queued.pop_front()?;
        let target = p.plan.username.clone();
        let sent = super::runner::within_limit(
            self.ctx,
            &format!("account.create {target}"),
            self.ctx
                .dir
                .create_account_unread(&p.plan, &p.password, true),
        )
        .await;
        crate::testpoint::pause("sent");
        self.journal
            .ended(id, "account.create", &target, &p.details, &sent);
        Some(match sent {
            Ok(made) => {
                if p.hold {
                    // The hold is its own logged change: the create's row goes first. When that
                    // cannot be recorded the account is made all the same: keep its password.
                    if let Err(error) = self.flush() {
                        return Some(Ok(CreateOutcome::Unknown {
                            username: p.plan.username,
                            password: p.password,
                            error,
                        }));
                    }
                }
                finish_create(self.ctx, &p, made).await
            }
            Err(error) if error.outcome_unknown() => Ok(CreateOutcome::Unknown {
                username: p.plan.username,
                password: p.password,
                error,
            }),
            Err(error) => Err(error),
        })
    }

    /// Records every outcome so far in one transaction, and closes the begun accounts not sent
    /// (`why`, e.g. the connection was lost) as failed.
    pub fn flush_unsent(&mut self, why: &str) -> Result<()> {
        while let Some((id, p)) = self.queued.pop_front() {
            self.journal
                .not_sent(id, "account.create", &p.plan.username, why);
        }
        self.flush()
    }

    /// Records every outcome so far (each with its log row) in one transaction. When that
    /// fails, the accounts stay pending in the journal, and the error says how to settle them.
    pub fn flush(&mut self) -> Result<()> {
        self.journal.flush(self.ctx)
    }
}

/// A short human summary of an account's state, for confirmations.
pub fn summary(a: &Account) -> String {
    format!(
        "{} ({}), {}, {}{}",
        a.username,
        a.name(),
        a.role.as_deref().unwrap_or("no role"),
        if a.enabled { "enabled" } else { "disabled" },
        a.expires
            .map(|e| format!(", expires {}", uk_date(e)))
            .unwrap_or_default()
    )
}
