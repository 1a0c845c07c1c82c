//! Active Directory flavour (Windows AD and Samba AD): userAccountControl, unicodePwd,
//! pwdLastSet, FILETIME timestamps, password settings objects.

use super::attrs::{parse_generalized_time, Entry, Malformed};
use super::conn::{attr, replace, LdapConn};
use super::escape::{filter_value, first_rdn_value, parent_dn, rdn_value, split_dn};
use super::privilege::{self as pv, GroupNode, Privilege, Privileged};
use super::{finish_listing, Directory, Flavour, Group, Listing, Probe, Secret};
use crate::config::DirectoryConfig;
use crate::domain::account::{Account, AccountChange, AccountQuery, NewAccount};
use crate::domain::policy::{DirectoryPolicy, PolicySettings};
use crate::domain::roles::RoleMap;
use crate::error::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use ldap3::{Mod, Scope};
use std::collections::HashSet;

mod sync;
pub use sync::complete_members;

/// userAccountControl bits.
pub mod uac {
    /// The account is disabled.
    pub const ACCOUNTDISABLE: i64 = 0x2;
    /// Locked out (only reliable in msDS-User-Account-Control-Computed).
    pub const LOCKOUT: i64 = 0x10;
    /// No password required.
    pub const PASSWD_NOTREQD: i64 = 0x20;
    /// Reversible encryption.
    pub const ENCRYPTED_TEXT_PWD_ALLOWED: i64 = 0x80;
    /// A normal user account.
    pub const NORMAL_ACCOUNT: i64 = 0x200;
    /// Password never expires.
    pub const DONT_EXPIRE_PASSWORD: i64 = 0x10000;
    /// Password has expired (computed).
    pub const PASSWORD_EXPIRED: i64 = 0x800000;
}

/// Seconds between 1601-01-01 and 1970-01-01.
const FILETIME_EPOCH_OFFSET: i64 = 11_644_473_600;
/// FILETIME meaning "never".
pub const FILETIME_NEVER: i64 = i64::MAX;

/// AD FILETIME (100 ns since 1601) to UTC; 0 and "never" give None.
pub fn filetime_to_utc(ft: i64) -> Option<DateTime<Utc>> {
    if ft <= 0 || ft == FILETIME_NEVER {
        return None;
    }
    let secs = ft / 10_000_000 - FILETIME_EPOCH_OFFSET;
    Utc.timestamp_opt(secs, 0).single()
}

/// UTC to AD FILETIME; None before 1601 or past what a FILETIME holds (September 30828).
pub fn utc_to_filetime(t: DateTime<Utc>) -> Option<i64> {
    t.timestamp()
        .checked_add(FILETIME_EPOCH_OFFSET)
        .filter(|s| *s >= 0)?
        .checked_mul(10_000_000)
        .filter(|ft| *ft != FILETIME_NEVER)
}

/// The error for a date a FILETIME cannot hold.
fn filetime_range(t: DateTime<Utc>) -> Error {
    Error::Input(format!(
        "{t} cannot be written to Active Directory (a date between 1601 and 30828 is needed)"
    ))
}

/// An AD interval (negative 100 ns units, as in maxPwdAge) to whole days; `Some(0)` = never.
pub fn interval_to_days(v: i64) -> u32 {
    if v == i64::MIN || v == 0 {
        return 0;
    }
    let days = v.unsigned_abs() / (10_000_000 * 86_400);
    u32::try_from(days).unwrap_or(u32::MAX)
}

/// Days to an AD interval (negative 100 ns units); ages too long for one saturate to the
/// longest interval (`i64::MIN` itself means "never").
pub fn days_to_interval(days: u32) -> i64 {
    i64::from(days)
        .checked_mul(86_400 * 10_000_000)
        .map(|v| -v)
        .unwrap_or(i64::MIN + 1)
}

/// Attributes read for every account.
pub const ACCOUNT_ATTRS: &[&str] = &[
    "sAMAccountName",
    "displayName",
    "givenName",
    "sn",
    "userAccountControl",
    "msDS-User-Account-Control-Computed",
    "lockoutTime",
    "pwdLastSet",
    "msDS-UserPasswordExpiryTimeComputed",
    "lastLogonTimestamp",
    "whenCreated",
    "accountExpires",
    "memberOf",
    "description",
];

/// What mapping an entry to an account needs to know.
pub struct MapCtx<'a> {
    /// Role rules.
    pub roles: &'a RoleMap,
    /// Base DN (for relative role OUs).
    pub base_dn: &'a str,
    /// Attribute with the MIS id.
    pub mis_attr: &'a str,
}

/// Maps an AD user entry to the account model. Fails on a missing username or malformed
/// numbers; the caller skips and counts such entries.
pub fn to_account(e: &Entry, ctx: &MapCtx<'_>) -> std::result::Result<Account, Malformed> {
    let username = e
        .text("sAMAccountName")
        .ok_or_else(|| Malformed::new("sAMAccountName", "(missing)"))?;
    let uac_v = e.int("userAccountControl")?.unwrap_or(uac::NORMAL_ACCOUNT);
    let computed = e.int("msDS-User-Account-Control-Computed")?.unwrap_or(0);
    let lockout_time = e.int("lockoutTime")?.unwrap_or(0);
    let pwd_last_set = e.int("pwdLastSet")?;
    let expiry_computed = e.int("msDS-UserPasswordExpiryTimeComputed")?;
    let account_expires = e.int("accountExpires")?.unwrap_or(0);
    let group_dns: Vec<String> = e.all("memberOf").to_vec();
    let never_expires = uac_v & uac::DONT_EXPIRE_PASSWORD != 0;
    Ok(Account {
        role: ctx.roles.role_for(&e.dn, &group_dns, ctx.base_dn),
        username,
        dn: e.dn.clone(),
        display_name: e.text("displayName"),
        given_name: e.text("givenName"),
        surname: e.text("sn"),
        enabled: uac_v & uac::ACCOUNTDISABLE == 0,
        locked: computed & uac::LOCKOUT != 0 || (computed == 0 && lockout_time > 0),
        password_last_set: pwd_last_set.and_then(filetime_to_utc),
        password_expires: if never_expires {
            None
        } else {
            expiry_computed.and_then(filetime_to_utc)
        },
        must_change_password: pwd_last_set == Some(0),
        password_never_expires: never_expires,
        password_not_required: uac_v & uac::PASSWD_NOTREQD != 0,
        reversible_password: uac_v & uac::ENCRYPTED_TEXT_PWD_ALLOWED != 0,
        last_logon: e.int("lastLogonTimestamp")?.and_then(filetime_to_utc),
        created: e.first("whenCreated").and_then(parse_generalized_time),
        expires: filetime_to_utc(account_expires),
        groups: group_dns.iter().map(|g| first_rdn_value(g)).collect(),
        group_dns,
        mis_id: e.text(ctx.mis_attr),
        object_id: e.first("objectGUID").and_then(guid_string),
        description: e.text("description"),
        policy: e.first("msDS-ResultantPSO").map(first_rdn_value),
    })
}

/// An `objectGUID` (kept as 32 hex digits of its 16 bytes, as the directory sends them) as the
/// canonical GUID string Windows shows (`{0}-{1}-{2}-{3}-{4}`, the first three parts
/// little-endian). A value already in that form is lower-cased; anything else is None.
pub fn guid_string(v: &str) -> Option<String> {
    let v = v.trim();
    if v.len() == 36 && v.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) {
        return Some(v.to_ascii_lowercase());
    }
    if v.len() != 32 || !v.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let b: Vec<&str> = (0..16).filter_map(|i| v.get(i * 2..i * 2 + 2)).collect();
    let part = |r: &[usize]| {
        r.iter()
            .filter_map(|i| b.get(*i).copied())
            .collect::<String>()
    };
    Some(
        format!(
            "{}-{}-{}-{}-{}",
            part(&[3, 2, 1, 0]),
            part(&[5, 4]),
            part(&[7, 6]),
            part(&[8, 9]),
            part(&[10, 11, 12, 13, 14, 15])
        )
        .to_ascii_lowercase(),
    )
}

/// The LDAP filter value that matches an `objectGUID` given as [`guid_string`] makes it (the
/// canonical string, or 32 hex digits as sent): its 16 bytes in the order the directory keeps
/// them, each escaped (`\\xx`). None when it is not a GUID.
pub fn guid_filter_value(id: &str) -> Option<String> {
    let hex: String = guid_string(id)?.chars().filter(|c| *c != '-').collect();
    let byte = |i: usize| hex.get(i * 2..i * 2 + 2);
    // The canonical form's first three parts are little-endian: back to the stored order.
    let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    order
        .iter()
        .map(|i| byte(*i).map(|b| format!("\\{b}")))
        .collect()
}

/// The unicodePwd value for a password: the UTF-16LE bytes of the password in double quotes.
pub fn unicode_pwd(password: &Secret) -> Vec<u8> {
    format!("\"{}\"", password.expose())
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// The filter for person accounts, optionally narrowed by free text.
pub fn account_filter(query: &AccountQuery, mis_attr: &str) -> String {
    let mut f = String::from("(&(objectCategory=person)(objectClass=user)");
    if query.disabled_only {
        f.push_str("(userAccountControl:1.2.840.113556.1.4.803:=2)");
    }
    if let Some(text) = query.search.as_deref().filter(|t| !t.trim().is_empty()) {
        let v = filter_value(text.trim());
        f.push_str(&format!(
            "(|(sAMAccountName=*{v}*)(displayName=*{v}*)(givenName=*{v}*)(sn=*{v}*)(cn=*{v}*)({mis_attr}=*{v}*))"
        ));
    }
    f.push(')');
    f
}

/// The Active Directory flavour.
pub struct ActiveDirectory {
    conn: LdapConn,
    base_dn: String,
    mis_attr: String,
    roles: RoleMap,
}

impl ActiveDirectory {
    /// Wraps a prepared connection.
    pub fn new(conn: LdapConn, cfg: &DirectoryConfig, roles: RoleMap) -> Self {
        ActiveDirectory {
            conn,
            base_dn: cfg.base_dn.clone(),
            mis_attr: cfg.mis_id_attribute.clone(),
            roles,
        }
    }

    fn ctx(&self) -> MapCtx<'_> {
        MapCtx {
            roles: &self.roles,
            base_dn: &self.base_dn,
            mis_attr: &self.mis_attr,
        }
    }

    /// The accounts whose `attr` is one of `values`, `per` values to a search.
    async fn accounts_with(
        &self,
        attr: &str,
        values: &[String],
        per: usize,
    ) -> Result<Vec<Account>> {
        let mut out = Vec::new();
        for f in super::any_value_filters_by(
            "(objectCategory=person)(objectClass=user)",
            attr,
            values,
            per,
        ) {
            let entries = self
                .search_accounts_raw(&self.base_dn, &f, &self.attrs())
                .await?;
            let ctx = self.ctx();
            out.extend(finish_listing(&entries, |e| to_account(e, &ctx), None).accounts);
        }
        Ok(out)
    }

    fn attrs(&self) -> Vec<&str> {
        let mut a = ACCOUNT_ATTRS.to_vec();
        a.push(&self.mis_attr);
        a.push("objectGUID");
        a
    }

    /// A search for accounts, `objectGUID` kept (as hex) for [`to_account`].
    async fn search_accounts_raw(
        &self,
        base: &str,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<super::attrs::Entry>> {
        self.conn
            .search_with(base, Scope::Subtree, filter, attrs, &[], &["objectGUID"])
            .await
    }

    /// The domain's DNS realm from the base DN (DC=school,DC=test → school.test).
    fn realm(&self) -> String {
        split_dn(&self.base_dn)
            .iter()
            .filter_map(|r| {
                r.split_once('=')
                    .filter(|(k, _)| k.eq_ignore_ascii_case("dc"))
                    .map(|(_, v)| v.to_string())
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    async fn read_uac(&self, dn: &str) -> Result<i64> {
        let e = self
            .conn
            .read(dn, &["userAccountControl"])
            .await?
            .ok_or_else(|| Error::NotFound(format!("{dn} no longer exists")))?;
        e.int("userAccountControl")
            .map_err(|m| Error::Directory {
                code: 0,
                doing: format!("read {dn}"),
                reason: m.to_string(),
            })
            .map(|v| v.unwrap_or(uac::NORMAL_ACCOUNT))
    }

    async fn set_uac_bit(&self, account: &Account, bit: i64, on: bool, doing: &str) -> Result<()> {
        let cur = self.read_uac(&account.dn).await?;
        let new = if on { cur | bit } else { cur & !bit };
        if new == cur {
            return Ok(());
        }
        self.conn
            .modify(
                &account.dn,
                vec![replace("userAccountControl", &[&new.to_string()])],
                doing,
            )
            .await
    }

    /// The domain's SID, from the base DN's `objectSid`.
    async fn domain_sid(&self) -> Result<Option<String>> {
        let e = self
            .conn
            .search_with(
                &self.base_dn,
                Scope::Base,
                "(objectClass=*)",
                &["objectSid"],
                &[],
                &["objectSid"],
            )
            .await?;
        Ok(e.first()
            .and_then(|e| e.first("objectSid"))
            .and_then(pv::sid_from_hex))
    }

    /// The privileged groups' SIDs: the builtin ones and the domain's by RID.
    fn privileged_sids(domain: Option<&str>) -> Vec<String> {
        let mut v: Vec<String> = pv::BUILTIN_PRIVILEGED
            .iter()
            .map(|s| s.to_string())
            .collect();
        if let Some(d) = domain {
            v.extend(
                pv::DOMAIN_PRIVILEGED_RIDS
                    .iter()
                    .map(|r| format!("{d}-{r}")),
            );
        }
        v
    }

    /// The groups with one of `sids` or named by one of `seeds`: (DN, name, SID, builtin).
    async fn groups_by_sid_or_seed(
        &self,
        sids: &[String],
        privileged: &[String],
        seeds: &[String],
    ) -> Result<Vec<(String, String, Option<String>, bool)>> {
        let mut any: String = sids
            .iter()
            .map(|s| format!("(objectSid={})", filter_value(s)))
            .collect();
        for seed in seeds.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let v = filter_value(seed);
            if seed.contains('=') {
                any.push_str(&format!("(distinguishedName={v})"));
            } else {
                any.push_str(&format!("(cn={v})(sAMAccountName={v})"));
            }
        }
        if any.is_empty() {
            return Ok(Vec::new());
        }
        let entries = self
            .conn
            .search_with(
                &self.base_dn,
                Scope::Subtree,
                &format!("(&(objectClass=group)(|{any}))"),
                &["cn", "objectSid"],
                &[],
                &["objectSid"],
            )
            .await?;
        Ok(entries
            .iter()
            .map(|e| {
                let sid = e.first("objectSid").and_then(pv::sid_from_hex);
                let builtin = sid.as_ref().is_some_and(|s| privileged.contains(s));
                let name = e.text("cn").unwrap_or_else(|| first_rdn_value(&e.dn));
                (e.dn.clone(), name, sid, builtin)
            })
            .collect())
    }

    /// "through X": the account's own group that is nested (at any depth) into `group_dn`.
    async fn nested_path(&self, account_dn: &str, group_dn: &str) -> Result<String> {
        let f = format!(
            "(&(objectClass=group)(member={})(memberOf:1.2.840.113556.1.4.1941:={}))",
            filter_value(account_dn),
            filter_value(group_dn)
        );
        let found = self
            .conn
            .search(&self.base_dn, Scope::Subtree, &f, &["cn"])
            .await?;
        Ok(match found.first() {
            Some(g) => format!(
                "through {}",
                g.text("cn").unwrap_or_else(|| first_rdn_value(&g.dn))
            ),
            None => "through a nested group".to_string(),
        })
    }

    fn pso_container(&self) -> String {
        format!("CN=Password Settings Container,CN=System,{}", self.base_dn)
    }
}

fn pso_from_entry(e: &Entry) -> PolicySettings {
    PolicySettings {
        name: first_rdn_value(&e.dn),
        dn: e.dn.clone(),
        min_length: e
            .int("msDS-MinimumPasswordLength")
            .ok()
            .flatten()
            .and_then(|v| u32::try_from(v).ok()),
        complexity: e
            .first("msDS-PasswordComplexityEnabled")
            .map(|v| v.eq_ignore_ascii_case("TRUE")),
        max_age_days: e
            .int("msDS-MaximumPasswordAge")
            .ok()
            .flatten()
            .map(interval_to_days),
        must_change_after_reset: None,
        lockout_threshold: e
            .int("msDS-LockoutThreshold")
            .ok()
            .flatten()
            .and_then(|v| u32::try_from(v).ok()),
        applies_to: e.all("msDS-PSOAppliesTo").to_vec(),
        precedence: e
            .int("msDS-PasswordSettingsPrecedence")
            .ok()
            .flatten()
            .and_then(|v| u32::try_from(v).ok()),
    }
}

#[async_trait]
impl Directory for ActiveDirectory {
    fn changes(&self) -> Option<&dyn super::sync::ChangeSource> {
        Some(self)
    }

    fn flavour(&self) -> Flavour {
        Flavour::ActiveDirectory
    }

    fn username_attribute(&self) -> &'static str {
        "samaccountname"
    }

    fn server(&self) -> String {
        self.conn.url().to_string()
    }

    fn base_dn(&self) -> &str {
        &self.base_dn
    }

    async fn connect(&self) -> Result<()> {
        self.conn.handle().await.map(|_| ())
    }

    async fn probe(&self) -> Result<Probe> {
        self.conn
            .probe(
                &self.base_dn,
                "(&(objectCategory=person)(objectClass=user)(!(isCriticalSystemObject=TRUE)))",
                &self.attrs(),
                &[
                    "sAMAccountName",
                    "userAccountControl",
                    "pwdLastSet",
                    "whenCreated",
                ],
            )
            .await
    }

    async fn search_accounts(&self, query: &AccountQuery) -> Result<Listing> {
        let base = query.ou.clone().unwrap_or_else(|| self.base_dn.clone());
        let entries = self
            .search_accounts_raw(&base, &account_filter(query, &self.mis_attr), &{
                let mut a = self.attrs();
                if query.with_policy {
                    a.push("msDS-ResultantPSO");
                }
                a
            })
            .await?;
        let ctx = self.ctx();
        let listing = finish_listing(&entries, |e| to_account(e, &ctx), query.role.as_deref());
        Ok(listing)
    }

    async fn find_by_mis_ids(&self, ids: &[String]) -> Result<Vec<Account>> {
        self.accounts_with(&self.mis_attr, ids, super::MIS_IDS_PER_SEARCH)
            .await
    }

    async fn get_account(&self, username: &str) -> Result<Option<Account>> {
        let f = format!(
            "(&(objectCategory=person)(objectClass=user)(sAMAccountName={}))",
            filter_value(username)
        );
        let entries = self
            .search_accounts_raw(&self.base_dn, &f, &self.attrs())
            .await?;
        match entries.first() {
            None => Ok(None),
            Some(e) => to_account(e, &self.ctx())
                .map(Some)
                .map_err(|m| Error::Directory {
                    code: 0,
                    doing: format!("read {username}"),
                    reason: m.to_string(),
                }),
        }
    }

    async fn get_accounts(&self, usernames: &[String]) -> Result<Vec<Account>> {
        self.accounts_with("sAMAccountName", usernames, super::VALUES_PER_SEARCH)
            .await
    }

    async fn get_by_id(&self, object_id: &str) -> Result<Option<Account>> {
        let Some(v) = guid_filter_value(object_id) else {
            return Ok(None);
        };
        let f = format!("(&(objectCategory=person)(objectClass=user)(objectGUID={v}))");
        let entries = self
            .search_accounts_raw(&self.base_dn, &f, &self.attrs())
            .await?;
        match entries.first() {
            None => Ok(None),
            Some(e) => to_account(e, &self.ctx())
                .map(Some)
                .map_err(|m| Error::Directory {
                    code: 0,
                    doing: format!("read the account with objectGUID {object_id}"),
                    reason: m.to_string(),
                }),
        }
    }

    async fn create_account(
        &self,
        new: &NewAccount,
        password: &Secret,
        temporary: bool,
    ) -> Result<Account> {
        let made = self.create_account_unread(new, password, temporary).await?;
        Ok(super::read_back_created(self, made).await)
    }

    async fn create_account_unread(
        &self,
        new: &NewAccount,
        password: &Secret,
        temporary: bool,
    ) -> Result<Account> {
        let cn = new.rdn_name().to_string();
        let dn = format!("CN={},{}", rdn_value(&cn), new.parent_dn);
        let upn = format!("{}@{}", new.username, self.realm());
        // One add with the password, enabled, and pwdLastSet 0 for a temporary password: AD
        // checks the password against its policy in the same operation, so a refused password
        // leaves no half-made account behind.
        let enabled = uac::NORMAL_ACCOUNT.to_string();
        let mut attrs = vec![
            attr(
                "objectClass",
                &["top", "person", "organizationalPerson", "user"],
            ),
            attr("cn", &[&cn]),
            attr("sAMAccountName", &[&new.username]),
            attr("userPrincipalName", &[&upn]),
            attr("userAccountControl", &[&enabled]),
            (
                b"unicodePwd".to_vec(),
                HashSet::from([unicode_pwd(password)]),
            ),
        ];
        if temporary {
            attrs.push(attr("pwdLastSet", &["0"]));
        }
        let mut opt = |k: &str, v: &str| {
            if !v.trim().is_empty() {
                attrs.push(attr(k, &[v]));
            }
        };
        opt("givenName", &new.given_name);
        opt("sn", &new.surname);
        opt("displayName", &new.display_name);
        if let Some(m) = &new.mis_id {
            opt(&self.mis_attr, m);
        }
        if let Some(d) = &new.description {
            opt("description", d);
        }
        if let Some(x) = new.expires {
            let ft = utc_to_filetime(x).ok_or_else(|| filetime_range(x))?;
            attrs.push(attr("accountExpires", &[&ft.to_string()]));
        }
        self.conn.add(&dn, attrs).await?;
        crate::testpoint::pause("create-added");
        let created = Account {
            dn: dn.clone(),
            username: new.username.clone(),
            ..Default::default()
        };
        for g in &new.groups {
            if let Err(e) = self.add_to_group(&created, g).await {
                let undo = self.conn.delete(&dn).await;
                return Err(super::undo_outcome(&new.username, &dn, e, undo));
            }
        }
        Ok(super::as_created(new, &dn, temporary))
    }

    async fn name_taken(&self, parent_dn: &str, name: &str) -> Result<bool> {
        let dn = format!("CN={},{parent_dn}", rdn_value(name));
        Ok(self.conn.read(&dn, &["cn"]).await?.is_some())
    }

    async fn names_taken(&self, parent_dn: &str, names: &[String]) -> Result<HashSet<String>> {
        // Any kind of entry directly in the OU holds its CN, as a base read of the DN finds it.
        let mut out = HashSet::new();
        for f in super::any_value_filters("", "cn", names) {
            let entries = match self
                .conn
                .search(parent_dn, Scope::OneLevel, &f, &["cn"])
                .await
            {
                Ok(e) => e,
                Err(Error::NotFound(_)) => return Ok(out),
                Err(e) => return Err(e),
            };
            out.extend(
                entries
                    .iter()
                    .filter_map(|e| e.first("cn"))
                    .map(str::to_lowercase),
            );
        }
        Ok(out)
    }

    async fn modify_account_all(&self, account: &Account, changes: &[AccountChange]) -> Result<()> {
        if changes.len() < 2 {
            return match changes.first() {
                Some(c) => self.modify_account(account, c).await,
                None => Ok(()),
            };
        }
        // userAccountControl bits are read once and written once with the other attributes.
        let bits: Vec<(i64, bool)> = changes
            .iter()
            .filter_map(|c| match c {
                AccountChange::SetEnabled(on) => Some((uac::ACCOUNTDISABLE, !on)),
                AccountChange::SetPasswordNeverExpires(on) => {
                    Some((uac::DONT_EXPIRE_PASSWORD, *on))
                }
                _ => None,
            })
            .collect();
        let mut mods = Vec::new();
        if !bits.is_empty() {
            let cur = self.read_uac(&account.dn).await?;
            let new = bits
                .iter()
                .fold(cur, |v, (bit, on)| if *on { v | bit } else { v & !bit });
            if new != cur {
                mods.push(replace("userAccountControl", &[&new.to_string()]));
            }
        }
        for c in changes {
            match c {
                AccountChange::SetEnabled(_) | AccountChange::SetPasswordNeverExpires(_) => {}
                AccountChange::Unlock => mods.push(replace("lockoutTime", &["0"])),
                AccountChange::SetExpires(t) => {
                    let v = match t {
                        Some(t) => utc_to_filetime(*t).ok_or_else(|| filetime_range(*t))?,
                        None => 0,
                    };
                    mods.push(replace("accountExpires", &[&v.to_string()]));
                }
                AccountChange::SetMustChangePassword(on) => {
                    mods.push(replace("pwdLastSet", &[if *on { "0" } else { "-1" }]))
                }
                AccountChange::SetDescription(d) => mods.push(match d {
                    Some(d) if !d.is_empty() => replace("description", &[d]),
                    _ => Mod::Replace(b"description".to_vec(), HashSet::new()),
                }),
                AccountChange::SetNames {
                    given,
                    surname,
                    display,
                } => mods.extend(name_mods(given, surname, display)),
            }
        }
        if mods.is_empty() {
            return Ok(());
        }
        self.conn
            .modify(
                &account.dn,
                mods,
                &format!(
                    "change {} attribute(s) of {}",
                    changes.len(),
                    account.username
                ),
            )
            .await
    }

    async fn modify_account(&self, account: &Account, change: &AccountChange) -> Result<()> {
        let who = &account.username;
        match change {
            AccountChange::SetEnabled(on) => {
                self.set_uac_bit(
                    account,
                    uac::ACCOUNTDISABLE,
                    !on,
                    &format!("{} {who}", if *on { "enable" } else { "disable" }),
                )
                .await
            }
            AccountChange::Unlock => {
                self.conn
                    .modify(
                        &account.dn,
                        vec![replace("lockoutTime", &["0"])],
                        &format!("unlock {who}"),
                    )
                    .await
            }
            AccountChange::SetExpires(t) => {
                let v = match t {
                    Some(t) => utc_to_filetime(*t).ok_or_else(|| filetime_range(*t))?,
                    None => 0,
                }
                .to_string();
                self.conn
                    .modify(
                        &account.dn,
                        vec![replace("accountExpires", &[&v])],
                        &format!("set expiry of {who}"),
                    )
                    .await
            }
            AccountChange::SetMustChangePassword(on) => {
                let v = if *on { "0" } else { "-1" };
                self.conn
                    .modify(
                        &account.dn,
                        vec![replace("pwdLastSet", &[v])],
                        &format!("set must-change-password of {who}"),
                    )
                    .await
            }
            AccountChange::SetPasswordNeverExpires(on) => {
                self.set_uac_bit(
                    account,
                    uac::DONT_EXPIRE_PASSWORD,
                    *on,
                    &format!("set password-never-expires of {who}"),
                )
                .await
            }
            AccountChange::SetDescription(d) => {
                let m = match d {
                    Some(d) if !d.is_empty() => replace("description", &[d]),
                    _ => Mod::Replace(b"description".to_vec(), HashSet::new()),
                };
                self.conn
                    .modify(&account.dn, vec![m], &format!("set description of {who}"))
                    .await
            }
            AccountChange::SetNames {
                given,
                surname,
                display,
            } => {
                self.conn
                    .modify(
                        &account.dn,
                        name_mods(given, surname, display),
                        &format!("set the names of {who}"),
                    )
                    .await
            }
        }
    }

    async fn set_password(
        &self,
        account: &Account,
        password: &Secret,
        temporary: bool,
    ) -> Result<()> {
        let mut mods = vec![Mod::Replace(
            b"unicodePwd".to_vec(),
            HashSet::from([unicode_pwd(password)]),
        )];
        if temporary {
            mods.push(replace("pwdLastSet", &["0"]));
        }
        self.conn
            .modify(
                &account.dn,
                mods,
                &format!("set the password of {}", account.username),
            )
            .await
    }

    async fn move_account(&self, account: &Account, new_parent_dn: &str) -> Result<String> {
        let rdn = split_dn(&account.dn)
            .first()
            .map(|s| s.to_string())
            .unwrap_or_default();
        self.conn
            .modify_dn(
                &account.dn,
                &rdn,
                Some(new_parent_dn),
                &format!("move {} to {new_parent_dn}", account.username),
            )
            .await?;
        Ok(format!("{rdn},{new_parent_dn}"))
    }

    async fn add_to_group(&self, account: &Account, group_dn: &str) -> Result<()> {
        self.conn
            .change_member(group_dn, "member", &account.dn, true, &account.username)
            .await
    }
    async fn move_account_as(
        &self,
        account: &Account,
        new_parent_dn: &str,
        new_name: Option<&str>,
    ) -> Result<String> {
        let Some(name) = new_name else {
            return self.move_account(account, new_parent_dn).await;
        };
        let rdn = format!("CN={}", rdn_value(name));
        self.conn
            .modify_dn(
                &account.dn,
                &rdn,
                Some(new_parent_dn),
                &format!("move {} to {new_parent_dn} as {name}", account.username),
            )
            .await?;
        Ok(format!("{rdn},{new_parent_dn}"))
    }

    async fn delete_account(&self, account: &Account) -> Result<()> {
        self.conn.delete(&account.dn).await
    }

    async fn remove_from_group(&self, account: &Account, group_dn: &str) -> Result<()> {
        self.conn
            .change_member(group_dn, "member", &account.dn, false, &account.username)
            .await
    }
    async fn find_group(&self, name_or_dn: &str) -> Result<Option<Group>> {
        let v = filter_value(name_or_dn);
        let f = format!("(&(objectClass=group)(|(cn={v})(sAMAccountName={v})))");
        self.conn.find_group(&self.base_dn, name_or_dn, &f).await
    }

    async fn list_groups(&self) -> Result<Vec<super::GroupInfo>> {
        self.conn
            .list_groups(&self.base_dn, "(objectClass=group)")
            .await
    }

    async fn list_ous(&self) -> Result<Vec<String>> {
        self.conn.list_ous(&self.base_dn).await
    }

    async fn create_ou(&self, dn: &str) -> Result<()> {
        self.conn.create_ou(dn).await
    }

    async fn privileged(&self, seeds: &[String]) -> Result<Privileged> {
        let mut out = Privileged::default();
        let domain = self.domain_sid().await?;
        let privileged = Self::privileged_sids(domain.as_deref());
        let roots = self
            .groups_by_sid_or_seed(&privileged, &privileged, seeds)
            .await?;
        // Every account and group nested into a root, at any depth, in one search (the in-chain
        // matching rule), then the paths worked out from their memberOf.
        let mut sid_of: Vec<(String, Option<String>)> = Vec::new();
        if !roots.is_empty() {
            let inchain: String = roots
                .iter()
                .map(|r| format!("(memberOf:1.2.840.113556.1.4.1941:={})", filter_value(&r.0)))
                .collect();
            let entries = self
                .conn
                .search_with(
                    &self.base_dn,
                    Scope::Subtree,
                    &format!("(|{inchain})"),
                    &["objectClass", "cn", "memberOf", "objectSid"],
                    &[],
                    &["objectSid"],
                )
                .await?;
            let mut nodes: Vec<GroupNode> = roots
                .iter()
                .map(|r| GroupNode {
                    dn: r.0.clone(),
                    name: r.1.clone(),
                    members: vec![],
                })
                .collect();
            for e in entries.iter().filter(|e| {
                e.all("objectClass")
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case("group"))
            }) {
                nodes.push(GroupNode {
                    dn: e.dn.clone(),
                    name: e.text("cn").unwrap_or_else(|| first_rdn_value(&e.dn)),
                    members: vec![],
                });
                sid_of.push((
                    e.dn.clone(),
                    e.first("objectSid").and_then(pv::sid_from_hex),
                ));
            }
            let index: std::collections::HashMap<String, usize> = nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (super::demo::dn_key(&n.dn), i))
                .collect();
            for e in &entries {
                for g in e.all("memberOf") {
                    if let Some(i) = index.get(&super::demo::dn_key(g)) {
                        nodes[*i].members.push(e.dn.clone());
                    }
                }
            }
            let root_list: Vec<(String, bool)> = roots.iter().map(|r| (r.0.clone(), r.3)).collect();
            pv::nest(&mut out, &nodes, &root_list);
        }
        // Primary groups: a member by primaryGroupID is in no memberOf and no in-chain answer.
        let mut primary: std::collections::HashMap<u32, Privilege> = Default::default();
        let groups_with_sid = roots
            .iter()
            .map(|r| (r.0.clone(), r.2.clone()))
            .chain(sid_of);
        for (dn, sid) in groups_with_sid {
            let (Some(sid), Some(g)) = (sid, out.group(&dn).cloned()) else {
                continue;
            };
            if pv::domain_of(&sid) != domain.as_deref() {
                continue;
            }
            if let Some(r) = pv::rid(&sid) {
                primary.entry(r).or_insert(Privilege::Member {
                    via: Some(if g.name == g.root {
                        "as its primary group".to_string()
                    } else {
                        format!("as its primary group {}", g.name)
                    }),
                    group: g.root,
                    builtin: g.builtin,
                });
            }
        }
        let mut any = String::from("(adminCount=1)(msDS-KrbTgtLinkBl=*)(sAMAccountName=krbtgt_*)");
        if let Some(d) = &domain {
            for r in [500, 501, 502] {
                any.push_str(&format!("(objectSid={d}-{r})"));
            }
        }
        for r in primary.keys() {
            any.push_str(&format!("(primaryGroupID={r})"));
        }
        let entries = self
            .conn
            .search_with(
                &self.base_dn,
                Scope::Subtree,
                &format!("(&(objectCategory=person)(objectClass=user)(|{any}))"),
                &PRIVILEGE_ATTRS,
                &[],
                &["objectSid"],
            )
            .await?;
        for e in &entries {
            for why in classify(e, domain.as_deref(), &primary) {
                out.add_account(&e.dn, why);
            }
        }
        Ok(out)
    }

    async fn privilege(&self, account: &Account, seeds: &[String]) -> Result<Vec<Privilege>> {
        let mut attrs = PRIVILEGE_ATTRS.to_vec();
        attrs.extend(["tokenGroups", "memberOf"]);
        let found = match self
            .conn
            .search_with(
                &account.dn,
                Scope::Base,
                "(objectClass=*)",
                &attrs,
                &[],
                &["objectSid", "tokenGroups"],
            )
            .await
        {
            Ok(v) => v,
            Err(Error::NotFound(_)) => return Ok(vec![]),
            Err(e) => return Err(e),
        };
        let Some(e) = found.first() else {
            return Ok(vec![]);
        };
        let domain = e
            .first("objectSid")
            .and_then(pv::sid_from_hex)
            .and_then(|s| pv::domain_of(&s).map(String::from));
        let privileged = Self::privileged_sids(domain.as_deref());
        let tokens: Vec<String> = e
            .all("tokenGroups")
            .iter()
            .filter_map(|h| pv::sid_from_hex(h))
            .collect();
        let wanted: Vec<String> = tokens
            .iter()
            .filter(|t| privileged.contains(t))
            .cloned()
            .collect();
        let primary_rid = e.int("primaryGroupID").ok().flatten();
        let mut out = classify(e, domain.as_deref(), &Default::default());
        let direct: Vec<String> = e
            .all("memberOf")
            .iter()
            .map(|g| super::demo::dn_key(g))
            .collect();
        for (dn, name, sid, builtin) in self
            .groups_by_sid_or_seed(&wanted, &privileged, seeds)
            .await?
        {
            let Some(sid) = sid.filter(|s| tokens.contains(s)) else {
                continue;
            };
            let via = if direct.contains(&super::demo::dn_key(&dn)) {
                None
            } else if pv::domain_of(&sid) == domain.as_deref()
                && pv::rid(&sid).map(i64::from) == primary_rid
            {
                Some("as its primary group".to_string())
            } else {
                Some(self.nested_path(&account.dn, &dn).await?)
            };
            out.push(Privilege::Member {
                group: name,
                via,
                builtin,
            });
        }
        Ok(out)
    }

    async fn read_password_policy(&self) -> Result<DirectoryPolicy> {
        let d = self
            .conn
            .read(
                &self.base_dn,
                &[
                    "minPwdLength",
                    "pwdProperties",
                    "maxPwdAge",
                    "lockoutThreshold",
                ],
            )
            .await?
            .ok_or_else(|| {
                Error::NotFound(format!("base DN {} not found; check base_dn", self.base_dn))
            })?;
        let default = PolicySettings {
            name: "domain default".into(),
            dn: self.base_dn.clone(),
            min_length: d
                .int("minPwdLength")
                .ok()
                .flatten()
                .and_then(|v| u32::try_from(v).ok()),
            complexity: d.int("pwdProperties").ok().flatten().map(|p| p & 1 == 1),
            max_age_days: d.int("maxPwdAge").ok().flatten().map(interval_to_days),
            must_change_after_reset: None,
            lockout_threshold: d
                .int("lockoutThreshold")
                .ok()
                .flatten()
                .and_then(|v| u32::try_from(v).ok()),
            applies_to: vec![],
            precedence: None,
        };
        let others = match self
            .conn
            .search(
                &self.pso_container(),
                Scope::OneLevel,
                "(objectClass=msDS-PasswordSettings)",
                &[
                    "msDS-MinimumPasswordLength",
                    "msDS-PasswordComplexityEnabled",
                    "msDS-MaximumPasswordAge",
                    "msDS-LockoutThreshold",
                    "msDS-PSOAppliesTo",
                    "msDS-PasswordSettingsPrecedence",
                ],
            )
            .await
        {
            Ok(v) => v.iter().map(pso_from_entry).collect(),
            Err(Error::NotFound(_)) => vec![],
            Err(e) => return Err(e),
        };
        Ok(DirectoryPolicy {
            default: Some(default),
            others,
        })
    }

    async fn write_password_policy(&self, s: &PolicySettings) -> Result<()> {
        if s.dn.eq_ignore_ascii_case(&self.base_dn) {
            let mut mods = Vec::new();
            if let Some(m) = s.min_length {
                mods.push(replace("minPwdLength", &[&m.to_string()]));
            }
            if let Some(c) = s.complexity {
                let cur = self
                    .conn
                    .read(&self.base_dn, &["pwdProperties"])
                    .await?
                    .and_then(|e| e.int("pwdProperties").ok().flatten())
                    .unwrap_or(0);
                let v = if c { cur | 1 } else { cur & !1 };
                mods.push(replace("pwdProperties", &[&v.to_string()]));
            }
            if let Some(a) = s.max_age_days {
                mods.push(replace("maxPwdAge", &[&days_to_interval(a).to_string()]));
            }
            return self
                .conn
                .modify(&self.base_dn, mods, "set the domain password policy")
                .await;
        }
        let min = s.min_length.unwrap_or(8).to_string();
        let cx = if s.complexity.unwrap_or(true) {
            "TRUE"
        } else {
            "FALSE"
        };
        let age = days_to_interval(s.max_age_days.unwrap_or(42)).to_string();
        let prec = s.precedence.unwrap_or(10).to_string();
        let applies: Vec<&str> = s.applies_to.iter().map(String::as_str).collect();
        if self.conn.read(&s.dn, &["cn"]).await?.is_some() {
            let mut mods = vec![
                replace("msDS-MinimumPasswordLength", &[&min]),
                replace("msDS-PasswordComplexityEnabled", &[cx]),
                replace("msDS-MaximumPasswordAge", &[&age]),
                replace("msDS-PasswordSettingsPrecedence", &[&prec]),
            ];
            if !applies.is_empty() {
                mods.push(replace("msDS-PSOAppliesTo", &applies));
            }
            return self
                .conn
                .modify(&s.dn, mods, &format!("update password settings {}", s.name))
                .await;
        }
        let mut attrs = vec![
            attr("objectClass", &["msDS-PasswordSettings"]),
            attr("msDS-MinimumPasswordLength", &[&min]),
            attr("msDS-PasswordComplexityEnabled", &[cx]),
            attr("msDS-MaximumPasswordAge", &[&age]),
            attr("msDS-MinimumPasswordAge", &["0"]),
            attr("msDS-PasswordHistoryLength", &["12"]),
            attr("msDS-PasswordReversibleEncryptionEnabled", &["FALSE"]),
            attr("msDS-LockoutThreshold", &["0"]),
            attr("msDS-LockoutDuration", &["-18000000000"]),
            attr("msDS-LockoutObservationWindow", &["-18000000000"]),
            attr("msDS-PasswordSettingsPrecedence", &[&prec]),
        ];
        if !applies.is_empty() {
            attrs.push(attr("msDS-PSOAppliesTo", &applies));
        }
        self.conn.add(&s.dn, attrs).await
    }
}

/// Attributes read to tell a privileged account by identity.
const PRIVILEGE_ATTRS: [&str; 5] = [
    "objectSid",
    "primaryGroupID",
    "adminCount",
    "sAMAccountName",
    "msDS-KrbTgtLinkBl",
];

/// Why an account entry (read with [`PRIVILEGE_ATTRS`]) is privileged by itself: a well-known
/// RID, a read-only DC's krbtgt, `adminCount=1`, a privileged primary group (by RID).
fn classify(
    e: &Entry,
    domain: Option<&str>,
    primary: &std::collections::HashMap<u32, Privilege>,
) -> Vec<Privilege> {
    let mut out = Vec::new();
    let sid = e.first("objectSid").and_then(pv::sid_from_hex);
    let in_domain = sid
        .as_deref()
        .is_some_and(|s| domain.is_some() && pv::domain_of(s) == domain);
    if let Some(w) = sid
        .as_deref()
        .filter(|_| in_domain)
        .and_then(pv::rid)
        .and_then(pv::well_known)
    {
        out.push(Privilege::WellKnown(w.to_string()));
    }
    let name = e.first("sAMAccountName").unwrap_or_default();
    if e.first("msDS-KrbTgtLinkBl").is_some() || name.to_ascii_lowercase().starts_with("krbtgt_") {
        out.push(Privilege::WellKnown(format!(
            "a read-only domain controller's Kerberos account ({name})"
        )));
    }
    if e.int("adminCount").ok().flatten() == Some(1) {
        out.push(Privilege::AdminCount);
    }
    if let Some(p) = e
        .int("primaryGroupID")
        .ok()
        .flatten()
        .and_then(|r| u32::try_from(r).ok())
        .and_then(|r| primary.get(&r))
    {
        out.push(p.clone());
    }
    out
}

/// The DN a new password settings object for `name` gets.
pub fn pso_dn(name: &str, base_dn: &str) -> String {
    format!(
        "CN={},CN=Password Settings Container,CN=System,{base_dn}",
        rdn_value(name)
    )
}

/// The OU an account sits in, for display.
pub fn ou_of(dn: &str) -> &str {
    parent_dn(dn)
}

/// The modifications that set an account's names (an empty one is cleared).
fn name_mods(given: &str, surname: &str, display: &str) -> Vec<Mod<Vec<u8>>> {
    [
        ("givenName", given),
        ("sn", surname),
        ("displayName", display),
    ]
    .into_iter()
    .map(|(k, v)| {
        if v.trim().is_empty() {
            Mod::Replace(k.as_bytes().to_vec(), HashSet::new())
        } else {
            replace(k, &[v])
        }
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_guid_reads_as_the_canonical_guid_string() {
        // The first three parts are little-endian, as Windows shows them.
        assert_eq!(
            guid_string("0102030405060708090a0b0c0d0e0f10").as_deref(),
            Some("04030201-0605-0807-090a-0b0c0d0e0f10")
        );
        assert_eq!(
            guid_string("04030201-0605-0807-090A-0B0C0D0E0F10").as_deref(),
            Some("04030201-0605-0807-090a-0b0c0d0e0f10")
        );
        assert_eq!(guid_string("not a guid"), None);
        // Back to the bytes as stored, for a search by objectGUID.
        assert_eq!(
            guid_filter_value("04030201-0605-0807-090a-0b0c0d0e0f10").as_deref(),
            Some("\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10")
        );
        assert_eq!(guid_filter_value("not a guid"), None);
        assert_eq!(guid_string("0102"), None);
    }

    #[test]
    fn filetime_roundtrip() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        assert_eq!(utc_to_filetime(t).and_then(filetime_to_utc), Some(t));
        assert_eq!(filetime_to_utc(0), None);
        assert_eq!(filetime_to_utc(FILETIME_NEVER), None);
        assert_eq!(interval_to_days(-77_760_000_000_000), 90);
        assert_eq!(days_to_interval(42), -36_288_000_000_000);
        assert_eq!(interval_to_days(i64::MIN), 0);
    }

    #[test]
    fn filetime_past_year_30828_is_refused_not_garbage() {
        let far = Utc.with_ymd_and_hms(30829, 1, 1, 0, 0, 0).unwrap();
        let r = std::panic::catch_unwind(|| utc_to_filetime(far));
        assert_eq!(r.ok(), Some(None), "no FILETIME for {far}");
        let last = Utc.with_ymd_and_hms(30828, 9, 14, 0, 0, 0).unwrap();
        assert!(utc_to_filetime(last).is_some());
        assert_eq!(
            utc_to_filetime(Utc.with_ymd_and_hms(1600, 1, 1, 0, 0, 0).unwrap()),
            None
        );
        let r = std::panic::catch_unwind(|| days_to_interval(u32::MAX));
        assert_eq!(
            r.ok(),
            Some(i64::MIN + 1),
            "huge ages saturate to the longest interval"
        );
    }

    #[test]
    fn unicode_pwd_is_quoted_utf16le() {
        assert_eq!(
            unicode_pwd(&Secret::new("a")),
            vec![b'"', 0, b'a', 0, b'"', 0]
        );
    }

    #[test]
    fn search_text_is_escaped() {
        let q = AccountQuery {
            search: Some("*)(uid=*".into()),
            ..Default::default()
        };
        let f = account_filter(&q, "employeeID");
        assert!(f.contains("\\2a\\29\\28uid=\\2a"), "{f}");
        assert!(!f.contains("*)(uid=*"));
    }

    #[test]
    fn maps_entry_and_counts_malformed() {
        let roles = RoleMap::default();
        let ctx = MapCtx {
            roles: &roles,
            base_dn: "DC=school,DC=test",
            mis_attr: "employeeID",
        };
        let mut e = Entry::new("CN=Doe\\, John,OU=Staff,OU=School,DC=school,DC=test");
        e.set("sAMAccountName", vec!["jdoe".into()]);
        e.set("userAccountControl", vec!["66050".into()]); // disabled + never expires
        e.set("pwdLastSet", vec!["0".into()]);
        e.set(
            "memberOf",
            vec!["CN=Staff,OU=School,DC=school,DC=test".into()],
        );
        e.set("employeeID", vec!["S1".into()]);
        let a = to_account(&e, &ctx).unwrap();
        assert!(!a.enabled && a.password_never_expires && a.must_change_password);
        assert_eq!(a.role.as_deref(), Some("staff"));
        assert_eq!(a.groups, ["Staff"]);
        assert_eq!(a.mis_id.as_deref(), Some("S1"));
        e.set("pwdLastSet", vec!["soon".into()]);
        assert!(to_account(&e, &ctx).is_err());
        e.set("sAMAccountName", vec![]);
        assert!(to_account(&e, &ctx).is_err());
    }
}
