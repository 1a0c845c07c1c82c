//! OpenLDAP flavour (inetOrgPerson accounts, the ppolicy overlay): userPassword via the
//! Password Modify operation, pwdReset, pwdAccountLockedTime, pwdChangedTime + pwdMaxAge.

use super::attrs::{generalized_time, parse_generalized_time, Entry, Malformed};
use super::conn::{attr, replace, LdapConn};
use super::escape::{filter_value, first_rdn_value, rdn_value, split_dn};
use super::{finish_listing, Directory, Flavour, Group, Listing, Probe, Secret};
use crate::config::DirectoryConfig;
use crate::domain::account::{Account, AccountChange, AccountQuery, NewAccount};
use crate::domain::policy::{DirectoryPolicy, PolicySettings};
use crate::domain::roles::RoleMap;
use crate::error::{Error, Result};
use async_trait::async_trait;
use chrono::{DateTime, Duration};
use ldap3::{Mod, Scope};
use std::collections::{HashMap, HashSet};

mod sync;

/// pwdAccountLockedTime value meaning "locked by an administrator until unlocked" (disabled).
pub const DISABLED_LOCK: &str = "000001010000Z";

/// Attributes read for every account (operational ones must be asked for by name).
pub const ACCOUNT_ATTRS: &[&str] = &[
    "uid",
    "cn",
    "displayName",
    "givenName",
    "sn",
    "description",
    "pwdChangedTime",
    "pwdAccountLockedTime",
    "pwdReset",
    "pwdPolicySubentry",
    "pwdLastSuccess",
    "pwdEndTime",
    "shadowExpire",
    "createTimestamp",
    "memberOf",
    "entryUUID",
];

const PERSON_FILTER: &str =
    "(&(uid=*)(|(objectClass=inetOrgPerson)(objectClass=posixAccount)(objectClass=account)))";
const GROUP_FILTER: &str =
    "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))";
/// At most this many entries to map: their groups and passwords are looked up for them alone.
const FEW_ENTRIES: usize = 200;
const POLICY_ATTRS: &[&str] = &[
    "cn",
    "pwdMinLength",
    "pwdMaxAge",
    "pwdMustChange",
    "pwdCheckQuality",
    "pwdMaxFailure",
    "pwdLockout",
];

/// Password policies by DN (lower-cased), for computing expiry.
#[derive(Debug, Clone, Default)]
pub struct PolicyIndex {
    default_dn: String,
    max_age_s: HashMap<String, i64>,
}

impl PolicyIndex {
    /// An index of policies: the default's DN and each policy's pwdMaxAge (seconds) by DN.
    pub fn new(default_dn: &str, max_ages: impl IntoIterator<Item = (String, i64)>) -> Self {
        PolicyIndex {
            default_dn: default_dn.to_string(),
            max_age_s: max_ages
                .into_iter()
                .map(|(dn, a)| (dn.to_lowercase(), a))
                .collect(),
        }
    }

    /// The pwdMaxAge (seconds) of the policy governing an account, if it has one.
    fn max_age_for(&self, subentry: Option<&str>) -> Option<i64> {
        let dn = subentry.unwrap_or(&self.default_dn).to_lowercase();
        self.max_age_s.get(&dn).copied()
    }
}

/// What mapping an entry to an account needs to know.
pub struct MapCtx<'a> {
    /// Role rules.
    pub roles: &'a RoleMap,
    /// Base DN.
    pub base_dn: &'a str,
    /// Attribute with the MIS id.
    pub mis_attr: &'a str,
    /// Group DNs by member DN (lower-cased) and by uid (posixGroup memberUid).
    pub groups: &'a HashMap<String, Vec<String>>,
    /// Policies for expiry.
    pub policies: &'a PolicyIndex,
    /// DNs (lower-cased) of accounts that have no password at all.
    pub no_password: &'a HashSet<String>,
}

/// Maps an OpenLDAP entry to the account model.
pub fn to_account(e: &Entry, ctx: &MapCtx<'_>) -> std::result::Result<Account, Malformed> {
    let username = e
        .text("uid")
        .ok_or_else(|| Malformed::new("uid", "(missing)"))?;
    let lock = e.first("pwdAccountLockedTime");
    let disabled = lock == Some(DISABLED_LOCK);
    let changed = match e.first("pwdChangedTime") {
        Some(v) => {
            Some(parse_generalized_time(v).ok_or_else(|| Malformed::new("pwdChangedTime", v))?)
        }
        // Set before ppolicy recorded pwdChangedTime (e.g. loaded with slapadd/ldapadd without a
        // policy): the password has been there since the entry was made, so its creation time
        // is the best evidence of when it was set. Accounts with no password stay "never set".
        None if ctx.no_password.contains(&e.dn.to_lowercase()) => None,
        None => e.first("createTimestamp").and_then(parse_generalized_time),
    };
    let subentry = e.first("pwdPolicySubentry");
    let max_age = ctx.policies.max_age_for(subentry);
    let never_expires = max_age.is_none_or(|a| a <= 0);
    let expires = e
        .first("pwdEndTime")
        .and_then(parse_generalized_time)
        .or_else(|| {
            e.int("shadowExpire")
                .ok()
                .flatten()
                .filter(|d| *d > 0)
                .and_then(|d| {
                    let t = d
                        .checked_mul(86_400)
                        .and_then(|s| DateTime::from_timestamp(s, 0));
                    if t.is_none() {
                        tracing::warn!(
                            "{}: shadowExpire {d} (days) is out of range; the account expiry is unknown",
                            e.dn
                        );
                    }
                    t
                })
        });
    let mut group_dns: Vec<String> = e.all("memberOf").to_vec();
    for key in [
        e.dn.to_lowercase(),
        format!("uid:{}", username.to_lowercase()),
    ] {
        if let Some(gs) = ctx.groups.get(&key) {
            for g in gs {
                if !group_dns.iter().any(|x| x.eq_ignore_ascii_case(g)) {
                    group_dns.push(g.clone());
                }
            }
        }
    }
    Ok(Account {
        role: ctx.roles.role_for(&e.dn, &group_dns, ctx.base_dn),
        username,
        dn: e.dn.clone(),
        display_name: e.text("displayName").or_else(|| e.text("cn")),
        given_name: e.text("givenName"),
        surname: e.text("sn"),
        enabled: !disabled,
        locked: lock.is_some() && !disabled,
        password_last_set: changed,
        password_expires: match (changed, max_age) {
            (Some(c), Some(a)) if a > 0 => add_max_age(c, a),
            _ => None,
        },
        must_change_password: e
            .first("pwdReset")
            .is_some_and(|v| v.eq_ignore_ascii_case("TRUE")),
        password_never_expires: never_expires,
        password_not_required: false,
        reversible_password: false,
        last_logon: e.first("pwdLastSuccess").and_then(parse_generalized_time),
        created: e.first("createTimestamp").and_then(parse_generalized_time),
        expires,
        groups: group_dns.iter().map(|g| first_rdn_value(g)).collect(),
        group_dns,
        mis_id: e.text(ctx.mis_attr),
        object_id: e.text("entryUUID").map(|u| u.to_ascii_lowercase()),
        description: e.text("description"),
        policy: subentry.map(first_rdn_value),
    })
}

/// Group DNs by member DN (lower-cased) and by `uid:` + lower-cased memberUid, from group
/// entries with their `member`, `uniqueMember` and `memberUid`.
fn group_index_of(groups: &[Entry]) -> HashMap<String, Vec<String>> {
    let mut idx: HashMap<String, Vec<String>> = HashMap::new();
    for g in groups {
        for m in g.all("member").iter().chain(g.all("uniqueMember")) {
            idx.entry(m.to_lowercase()).or_default().push(g.dn.clone());
        }
        for u in g.all("memberUid") {
            idx.entry(format!("uid:{}", u.to_lowercase()))
                .or_default()
                .push(g.dn.clone());
        }
    }
    idx
}

/// The longest pwdMaxAge taken as meant (100 years, in seconds); longer is out of range and the
/// password expiry of the accounts under it is unknown.
pub const MAX_SANE_MAX_AGE_S: i64 = 100 * 366 * 86_400;

/// When a password set at `changed` expires under a pwdMaxAge of `max_age_s`; None (unknown)
/// when the value is out of range.
fn add_max_age(changed: DateTime<chrono::Utc>, max_age_s: i64) -> Option<DateTime<chrono::Utc>> {
    if max_age_s > MAX_SANE_MAX_AGE_S {
        return None;
    }
    Duration::try_seconds(max_age_s).and_then(|d| changed.checked_add_signed(d))
}

/// The OpenLDAP flavour.
pub struct OpenLdap {
    conn: LdapConn,
    base_dn: String,
    mis_attr: String,
    default_policy_dn: String,
    roles: RoleMap,
    /// Each group's member attribute (by lower-cased DN), read once: a group's object class
    /// does not change under a run, and a rollover adds and removes ~2,000 members of the same
    /// few groups (one read each was a third of the writes' round trips).
    member_attrs: std::sync::Mutex<HashMap<String, &'static str>>,
}

fn policy_from_entry(e: &Entry) -> PolicySettings {
    let int = |a: &str| e.int(a).ok().flatten();
    PolicySettings {
        name: e.text("cn").unwrap_or_else(|| first_rdn_value(&e.dn)),
        dn: e.dn.clone(),
        min_length: int("pwdMinLength").and_then(|v| u32::try_from(v).ok()),
        complexity: None,
        // Out of range (negative, or more days than fit) is unknown, never "never expires".
        max_age_days: int("pwdMaxAge")
            .filter(|s| *s <= MAX_SANE_MAX_AGE_S)
            .and_then(|s| u32::try_from(s / 86_400).ok()),
        must_change_after_reset: e
            .first("pwdMustChange")
            .map(|v| v.eq_ignore_ascii_case("TRUE")),
        lockout_threshold: int("pwdMaxFailure").and_then(|v| u32::try_from(v).ok()),
        applies_to: vec![],
        precedence: None,
    }
}

impl OpenLdap {
    /// Wraps a prepared connection.
    pub fn new(conn: LdapConn, cfg: &DirectoryConfig, roles: RoleMap) -> Self {
        OpenLdap {
            conn,
            base_dn: cfg.base_dn.clone(),
            mis_attr: cfg.mis_id_attribute.clone(),
            default_policy_dn: cfg
                .ppolicy_default_dn
                .clone()
                .unwrap_or_else(|| format!("cn=default,ou=Policies,{}", cfg.base_dn)),
            roles,
            member_attrs: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn attrs(&self) -> Vec<&str> {
        let mut a = ACCOUNT_ATTRS.to_vec();
        a.push(&self.mis_attr);
        a
    }

    async fn group_index(&self) -> Result<HashMap<String, Vec<String>>> {
        self.group_index_where(GROUP_FILTER).await
    }

    /// [`Self::group_index`] of the groups `filter` finds.
    async fn group_index_where(&self, filter: &str) -> Result<HashMap<String, Vec<String>>> {
        let groups = self
            .conn
            .search(
                &self.base_dn,
                Scope::Subtree,
                filter,
                &["member", "uniqueMember", "memberUid"],
            )
            .await?;
        Ok(group_index_of(&groups))
    }

    async fn policy_entries(&self) -> Result<Vec<Entry>> {
        match self
            .conn
            .search(
                &self.base_dn,
                Scope::Subtree,
                "(objectClass=pwdPolicy)",
                POLICY_ATTRS,
            )
            .await
        {
            Ok(v) => Ok(v),
            Err(Error::NotFound(_)) => Ok(vec![]),
            Err(e) => Err(e),
        }
    }

    async fn policy_index(&self) -> Result<PolicyIndex> {
        let mut idx = PolicyIndex {
            default_dn: self.default_policy_dn.clone(),
            ..Default::default()
        };
        for e in self.policy_entries().await? {
            if let Ok(Some(a)) = e.int("pwdMaxAge") {
                if a > MAX_SANE_MAX_AGE_S {
                    tracing::warn!(
                        "{}: pwdMaxAge {a} (seconds) is out of range (more than 100 years); the password expiry of the accounts under it is unknown",
                        e.dn
                    );
                }
                idx.max_age_s.insert(e.dn.to_lowercase(), a);
            }
        }
        Ok(idx)
    }

    /// The accounts whose `attr` is one of `values`, `per` values to a search.
    async fn accounts_with(
        &self,
        attr: &str,
        values: &[String],
        per: usize,
    ) -> Result<Vec<Account>> {
        let mut out = Vec::new();
        for f in super::any_value_filters_by(PERSON_FILTER, attr, values, per) {
            let entries = self
                .conn
                .search(&self.base_dn, Scope::Subtree, &f, &self.attrs())
                .await?;
            out.extend(self.map_entries(entries, None).await?.accounts);
        }
        Ok(out)
    }

    async fn map_entries(&self, entries: Vec<Entry>, role: Option<&str>) -> Result<Listing> {
        // A few accounts (a lookup, a chunk of a run): only their groups, and only they tested
        // for a password. Every group and a search of every account without a password cost
        // ~0.35 s on a 20,000-account slapd, once per chunk of a rollover.
        let few = (!entries.is_empty() && entries.len() <= FEW_ENTRIES).then(|| {
            let members: String = entries
                .iter()
                .map(|e| {
                    let dn = filter_value(&e.dn);
                    let uid = e
                        .text("uid")
                        .map(|u| format!("(memberUid={})", filter_value(&u)))
                        .unwrap_or_default();
                    format!("(member={dn})(uniqueMember={dn}){uid}")
                })
                .collect();
            let uids: String = entries
                .iter()
                .filter_map(|e| e.text("uid"))
                .map(|u| format!("(uid={})", filter_value(&u)))
                .collect();
            (format!("(&{GROUP_FILTER}(|{members}))"), uids)
        });
        let groups = match &few {
            Some((f, _)) => self.group_index_where(f).await?,
            None => self.group_index().await?,
        };
        let policies = self.policy_index().await?;
        let no_password = if entries.iter().any(|e| e.first("pwdChangedTime").is_none()) {
            let among = few.as_ref().map(|(_, uids)| uids.as_str());
            self.accounts_without_password(among).await
        } else {
            HashSet::new()
        };
        let ctx = MapCtx {
            roles: &self.roles,
            base_dn: &self.base_dn,
            mis_attr: &self.mis_attr,
            groups: &groups,
            policies: &policies,
            no_password: &no_password,
        };
        Ok(finish_listing(&entries, |e| to_account(e, &ctx), role))
    }

    /// DNs of accounts with no userPassword (presence only: no hash is read), among those
    /// whose uid one of `among`'s `(uid=...)` filters matches when given. Empty if the bind
    /// account may not test for it.
    async fn accounts_without_password(&self, among: Option<&str>) -> HashSet<String> {
        let f = match among {
            Some(uids) if !uids.is_empty() => {
                format!("(&{PERSON_FILTER}(!(userPassword=*))(|{uids}))")
            }
            _ => format!("(&{PERSON_FILTER}(!(userPassword=*)))"),
        };
        match self
            .conn
            .search(&self.base_dn, Scope::Subtree, &f, &["1.1"])
            .await
        {
            Ok(v) => v.into_iter().map(|e| e.dn.to_lowercase()).collect(),
            Err(e) => {
                tracing::info!("cannot tell which accounts have no password: {e}");
                HashSet::new()
            }
        }
    }

    /// Deletes an attribute, treating "not there" as done.
    async fn clear(&self, dn: &str, name: &str, doing: &str) -> Result<()> {
        match self
            .conn
            .modify(
                dn,
                vec![Mod::Delete(name.as_bytes().to_vec(), HashSet::new())],
                doing,
            )
            .await
        {
            Err(Error::Directory { code: 16, .. }) => Ok(()),
            other => other,
        }
    }

    async fn member_attr(&self, group_dn: &str) -> Result<&'static str> {
        let key = group_dn.to_lowercase();
        if let Some(a) = self
            .member_attrs
            .lock()
            .ok()
            .and_then(|m| m.get(&key).copied())
        {
            return Ok(a);
        }
        let g = self
            .conn
            .read(group_dn, &["objectClass"])
            .await?
            .ok_or_else(|| Error::NotFound(format!("no group {group_dn}")))?;
        let classes: Vec<String> = g
            .all("objectClass")
            .iter()
            .map(|c| c.to_lowercase())
            .collect();
        let a = if classes.iter().any(|c| c == "groupofnames") {
            "member"
        } else if classes.iter().any(|c| c == "groupofuniquenames") {
            "uniqueMember"
        } else {
            "memberUid"
        };
        if let Ok(mut m) = self.member_attrs.lock() {
            m.insert(key, a);
        }
        Ok(a)
    }

    /// Drops a group's cached member attribute (a change to it failed: read it again next time).
    fn forget_member_attr(&self, group_dn: &str) {
        if let Ok(mut m) = self.member_attrs.lock() {
            m.remove(&group_dn.to_lowercase());
        }
    }

    async fn ensure_policies_ou(&self, policy_dn: &str) -> Result<()> {
        let parent = super::escape::parent_dn(policy_dn);
        if parent.is_empty() || self.conn.read(parent, &["objectClass"]).await?.is_some() {
            return Ok(());
        }
        let ou = first_rdn_value(parent);
        self.conn
            .add(
                parent,
                vec![
                    attr("objectClass", &["organizationalUnit"]),
                    attr("ou", &[&ou]),
                ],
            )
            .await
    }
}

#[async_trait]
impl Directory for OpenLdap {
    fn changes(&self) -> Option<&dyn super::sync::ChangeSource> {
        Some(self)
    }

    fn flavour(&self) -> Flavour {
        Flavour::Openldap
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
                PERSON_FILTER,
                &self.attrs(),
                &["uid", "pwdChangedTime", "createTimestamp"],
            )
            .await
    }

    async fn search_accounts(&self, query: &AccountQuery) -> Result<Listing> {
        let base = query.ou.clone().unwrap_or_else(|| self.base_dn.clone());
        let mut f = format!("(&{PERSON_FILTER}");
        if query.disabled_only {
            f.push_str(&format!("(pwdAccountLockedTime={DISABLED_LOCK})"));
        }
        if let Some(text) = query.search.as_deref().filter(|t| !t.trim().is_empty()) {
            let v = filter_value(text.trim());
            let m = &self.mis_attr;
            f.push_str(&format!(
                "(|(uid=*{v}*)(cn=*{v}*)(displayName=*{v}*)(givenName=*{v}*)(sn=*{v}*)({m}=*{v}*))"
            ));
        }
        f.push(')');
        let entries = self
            .conn
            .search(&base, Scope::Subtree, &f, &self.attrs())
            .await?;
        self.map_entries(entries, query.role.as_deref()).await
    }

    async fn find_by_mis_ids(&self, ids: &[String]) -> Result<Vec<Account>> {
        self.accounts_with(&self.mis_attr, ids, super::MIS_IDS_PER_SEARCH)
            .await
    }

    async fn get_account(&self, username: &str) -> Result<Option<Account>> {
        let f = format!("(&{PERSON_FILTER}(uid={}))", filter_value(username));
        let entries = self
            .conn
            .search(&self.base_dn, Scope::Subtree, &f, &self.attrs())
            .await?;
        let listing = self.map_entries(entries, None).await?;
        Ok(listing.accounts.into_iter().next())
    }

    async fn get_accounts(&self, usernames: &[String]) -> Result<Vec<Account>> {
        self.accounts_with("uid", usernames, super::VALUES_PER_SEARCH)
            .await
    }

    async fn get_by_id(&self, object_id: &str) -> Result<Option<Account>> {
        let f = format!("(&{PERSON_FILTER}(entryUUID={}))", filter_value(object_id));
        let entries = self
            .conn
            .search(&self.base_dn, Scope::Subtree, &f, &self.attrs())
            .await?;
        let listing = self.map_entries(entries, None).await?;
        Ok(listing.accounts.into_iter().next())
    }

    fn policy_dn(&self, name: &str) -> String {
        policy_dn(name, &self.base_dn)
    }

    fn default_policy_dn(&self) -> String {
        self.default_policy_dn.clone()
    }

    fn default_policy_name(&self) -> &'static str {
        "ppolicy default"
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
        let dn = format!("uid={},{}", rdn_value(&new.username), new.parent_dn);
        let cn = if new.display_name.trim().is_empty() {
            new.username.clone()
        } else {
            new.display_name.clone()
        };
        let sn = if new.surname.trim().is_empty() {
            new.username.clone()
        } else {
            new.surname.clone()
        };
        let mut attrs = vec![
            attr(
                "objectClass",
                &["top", "person", "organizationalPerson", "inetOrgPerson"],
            ),
            attr("uid", &[&new.username]),
            attr("cn", &[&cn]),
            attr("sn", &[&sn]),
            attr("displayName", &[&cn]),
        ];
        if !new.given_name.trim().is_empty() {
            attrs.push(attr("givenName", &[&new.given_name]));
        }
        if let Some(m) = new.mis_id.as_deref().filter(|m| !m.is_empty()) {
            attrs.push(attr(&self.mis_attr, &[m]));
        }
        if let Some(d) = new.description.as_deref().filter(|d| !d.is_empty()) {
            attrs.push(attr("description", &[d]));
        }
        if let Some(x) = new.expires {
            attrs.push(attr("pwdEndTime", &[&generalized_time(x)]));
        }
        self.conn.add(&dn, attrs).await?;
        crate::testpoint::pause("create-added");
        let created = Account {
            dn: dn.clone(),
            username: new.username.clone(),
            ..Default::default()
        };
        let finish = async {
            self.set_password(&created, password, temporary).await?;
            crate::testpoint::pause("create-password-set");
            for g in &new.groups {
                self.add_to_group(&created, g).await?;
            }
            Ok::<(), Error>(())
        };
        if let Err(e) = finish.await {
            let undo = self.conn.delete(&dn).await;
            return Err(super::undo_outcome(&new.username, &dn, e, undo));
        }
        Ok(super::as_created(new, &dn, temporary))
    }

    async fn modify_account_all(&self, account: &Account, changes: &[AccountChange]) -> Result<()> {
        // The plain replacements go in one modify; anything else (clearing an attribute that may
        // be absent, policy changes) one by one, as modify_account does it.
        let simple: Option<Vec<_>> = changes
            .iter()
            .map(|c| match c {
                AccountChange::SetEnabled(false) => {
                    Some(replace("pwdAccountLockedTime", &[DISABLED_LOCK]))
                }
                AccountChange::SetExpires(Some(t)) => {
                    Some(replace("pwdEndTime", &[&generalized_time(*t)]))
                }
                AccountChange::SetMustChangePassword(true) => Some(replace("pwdReset", &["TRUE"])),
                AccountChange::SetDescription(Some(d)) if !d.is_empty() => {
                    Some(replace("description", &[d]))
                }
                _ => None,
            })
            .collect();
        match simple {
            Some(mods) if mods.len() > 1 => {
                let doing = format!("change {} attribute(s) of {}", mods.len(), account.username);
                self.conn.modify(&account.dn, mods, &doing).await
            }
            _ => {
                for c in changes {
                    self.modify_account(account, c).await?;
                }
                Ok(())
            }
        }
    }

    async fn modify_account(&self, account: &Account, change: &AccountChange) -> Result<()> {
        let (dn, who) = (&account.dn, &account.username);
        match change {
            AccountChange::SetEnabled(false) => {
                self.conn.modify(dn, vec![replace("pwdAccountLockedTime", &[DISABLED_LOCK])], &format!("disable {who}")).await
            }
            AccountChange::SetEnabled(true) => self.clear(dn, "pwdAccountLockedTime", &format!("enable {who}")).await,
            AccountChange::Unlock => {
                if !account.enabled {
                    return Err(Error::Usage(format!("{who} is disabled, not locked out; enable it instead")));
                }
                // pwdFailureTime is not user-modifiable; slapd clears it on the next good bind.
                self.clear(dn, "pwdAccountLockedTime", &format!("unlock {who}")).await
            }
            AccountChange::SetExpires(Some(t)) => {
                self.conn.modify(dn, vec![replace("pwdEndTime", &[&generalized_time(*t)])], &format!("set expiry of {who}")).await
            }
            AccountChange::SetExpires(None) => self.clear(dn, "pwdEndTime", &format!("clear expiry of {who}")).await,
            AccountChange::SetMustChangePassword(true) => {
                self.conn.modify(dn, vec![replace("pwdReset", &["TRUE"])], &format!("set must-change-password of {who}")).await
            }
            AccountChange::SetMustChangePassword(false) => self.clear(dn, "pwdReset", &format!("clear must-change-password of {who}")).await,
            AccountChange::SetPasswordNeverExpires(false) => {
                // Never-expiring on OpenLDAP means a policy without pwdMaxAge: drop that policy so
                // the default applies. A policy with a maximum age (e.g. the generic one) stays.
                let cur = self.conn.read(dn, &["pwdPolicySubentry"]).await?;
                let Some(sub) = cur.as_ref().and_then(|e| e.text("pwdPolicySubentry")) else { return Ok(()) };
                let max_age = self.conn.read(&sub, &["pwdMaxAge"]).await?.and_then(|p| p.int("pwdMaxAge").ok().flatten());
                if max_age.is_some_and(|a| a > 0) {
                    return Ok(());
                }
                self.clear(dn, "pwdPolicySubentry", &format!("clear never-expires of {who}")).await
            }
            AccountChange::SetPasswordNeverExpires(true) => Err(Error::Usage(
                "OpenLDAP has no per-account never-expires flag; assign a password policy without pwdMaxAge instead".into(),
            )),
            AccountChange::SetNames { given, surname, display } => {
                // sn is required by inetOrgPerson: never cleared.
                let mut mods = vec![replace("sn", &[if surname.trim().is_empty() { who.as_str() } else { surname.as_str() }])];
                for (k, v) in [("givenName", given), ("displayName", display)] {
                    mods.push(if v.trim().is_empty() { Mod::Replace(k.as_bytes().to_vec(), std::collections::HashSet::new()) } else { replace(k, &[v]) });
                }
                self.conn.modify(dn, mods, &format!("set the names of {who}")).await
            }
            AccountChange::SetDescription(d) => match d.as_deref().filter(|d| !d.is_empty()) {
                Some(d) => self.conn.modify(dn, vec![replace("description", &[d])], &format!("set description of {who}")).await,
                None => self.clear(dn, "description", &format!("clear description of {who}")).await,
            },
        }
    }

    async fn set_password(
        &self,
        account: &Account,
        password: &Secret,
        temporary: bool,
    ) -> Result<()> {
        let who = &account.username;
        self.conn
            .password_modify(&account.dn, password, &format!("set the password of {who}"))
            .await?;
        crate::testpoint::pause("password-modified");
        let flag = if temporary {
            self.conn
                .modify(
                    &account.dn,
                    vec![replace("pwdReset", &["TRUE"])],
                    &format!("set must-change-password of {who}"),
                )
                .await
        } else {
            self.clear(
                &account.dn,
                "pwdReset",
                &format!("clear must-change-password of {who}"),
            )
            .await
        };
        // The password is set either way: a failed second step is a half-made change.
        flag.map_err(|e| Error::Partial {
            done: format!("the password of {who} was set"),
            failed: e.to_string(),
            fix: format!(
                "{} (`schooltech passwords expire {who} --yes` sets it)",
                if temporary {
                    "the must-change-at-next-logon flag is not set"
                } else {
                    "the must-change-at-next-logon flag may still be set"
                }
            ),
        })
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
        let new_dn = format!("{rdn},{new_parent_dn}");
        crate::testpoint::pause("move-renamed");
        // Without the refint overlay, group members still name the old DN: follow the move.
        // These fix-ups are part of the move: one that fails is reported, never dropped.
        let mut failed = Vec::new();
        for g in &account.group_dns {
            let attr_name = match self.member_attr(g).await {
                Ok(a @ ("member" | "uniqueMember")) => a,
                Ok(_) => continue, // memberUid names the uid, which did not change
                Err(e) => {
                    failed.push(format!("{g}: {e}"));
                    continue;
                }
            };
            let mods = vec![
                Mod::Delete(
                    attr_name.as_bytes().to_vec(),
                    HashSet::from([account.dn.as_bytes().to_vec()]),
                ),
                Mod::Add(
                    attr_name.as_bytes().to_vec(),
                    HashSet::from([new_dn.as_bytes().to_vec()]),
                ),
            ];
            if let Err(e) = self
                .conn
                .modify(g, mods, &format!("update {g} after a move"))
                .await
            {
                failed.push(format!("{g}: {e}"));
            }
        }
        if !failed.is_empty() {
            return Err(Error::Partial {
                done: format!("{} was moved to {new_dn}", account.username),
                failed: format!(
                    "these groups still name the old DN {}: {}",
                    account.dn,
                    failed.join("; ")
                ),
                fix: format!("replace the old DN by {new_dn} in those groups' member lists"),
            });
        }
        Ok(new_dn)
    }

    async fn add_to_group(&self, account: &Account, group_dn: &str) -> Result<()> {
        let a = self.member_attr(group_dn).await?;
        let v = if a == "memberUid" {
            &account.username
        } else {
            &account.dn
        };
        let r = self
            .conn
            .change_member(group_dn, a, v, true, &account.username)
            .await;
        if r.is_err() {
            self.forget_member_attr(group_dn);
        }
        r
    }
    async fn delete_account(&self, account: &Account) -> Result<()> {
        self.conn.delete(&account.dn).await
    }

    async fn remove_from_group(&self, account: &Account, group_dn: &str) -> Result<()> {
        let a = self.member_attr(group_dn).await?;
        let v = if a == "memberUid" {
            &account.username
        } else {
            &account.dn
        };
        let r = self
            .conn
            .change_member(group_dn, a, v, false, &account.username)
            .await;
        if r.is_err() {
            self.forget_member_attr(group_dn);
        }
        match r {
            // groupOfNames must keep one member: say so plainly.
            Err(Error::Directory {
                doing, code: 65, ..
            }) => Err(Error::Directory {
                code: 0,
                doing,
                reason: "it is the group's last member, and this kind of group cannot be empty"
                    .into(),
            }),
            other => other,
        }
    }
    async fn find_group(&self, name_or_dn: &str) -> Result<Option<Group>> {
        let f = format!("(&{GROUP_FILTER}(cn={}))", filter_value(name_or_dn));
        self.conn.find_group(&self.base_dn, name_or_dn, &f).await
    }

    async fn list_groups(&self) -> Result<Vec<super::GroupInfo>> {
        self.conn.list_groups(&self.base_dn, GROUP_FILTER).await
    }

    async fn list_ous(&self) -> Result<Vec<String>> {
        self.conn.list_ous(&self.base_dn).await
    }

    async fn create_ou(&self, dn: &str) -> Result<()> {
        self.conn.create_ou(dn).await
    }

    async fn privilege(
        &self,
        account: &Account,
        seeds: &[String],
    ) -> Result<Vec<super::Privilege>> {
        use super::privilege::seed_names;
        // Upwards from the account, one search per level of nesting (usually one or two),
        // instead of every group of the directory.
        let mut level: Vec<(String, Option<String>)> = vec![(account.dn.clone(), None)];
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for depth in 0..16 {
            if level.is_empty() {
                break;
            }
            let any: String = level
                .iter()
                .map(|(dn, _)| {
                    let v = filter_value(dn);
                    format!("(member={v})(uniqueMember={v})")
                })
                .collect();
            let attrs: &[&str] = if depth == 0 {
                &["cn"]
            } else {
                &["cn", "member", "uniqueMember"]
            };
            let found = self
                .conn
                .search(
                    &self.base_dn,
                    Scope::Subtree,
                    &format!("(&{GROUP_FILTER}(|{any}))"),
                    attrs,
                )
                .await?;
            let mut next = Vec::new();
            for g in found {
                let key = super::demo::dn_key(&g.dn);
                if !seen.insert(key) {
                    continue;
                }
                let name = g.text("cn").unwrap_or_else(|| first_rdn_value(&g.dn));
                // The account's own group this one is reached through.
                let via: Option<String> = if depth == 0 {
                    None
                } else {
                    let members: Vec<String> = g
                        .all("member")
                        .iter()
                        .chain(g.all("uniqueMember"))
                        .map(|m| super::demo::dn_key(m))
                        .collect();
                    level
                        .iter()
                        .find(|(dn, _)| members.contains(&super::demo::dn_key(dn)))
                        .and_then(|(_, v)| v.clone())
                };
                if seeds.iter().any(|s| seed_names(s, &g.dn, &name)) {
                    let m = super::Privilege::Member {
                        group: name.clone(),
                        via: via.as_ref().map(|v| format!("through {v}")),
                        builtin: false,
                    };
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
                next.push((g.dn.clone(), Some(via.unwrap_or(name))));
            }
            level = next;
        }
        Ok(out)
    }

    async fn privileged(&self, seeds: &[String]) -> Result<super::Privileged> {
        use super::privilege::{nest, seed_names, GroupNode};
        let mut out = super::Privileged::default();
        if seeds.iter().all(|s| s.trim().is_empty()) {
            return Ok(out);
        }
        // Every group once, then member -> group -> group followed in memory.
        let groups: Vec<GroupNode> = self
            .conn
            .search(
                &self.base_dn,
                Scope::Subtree,
                GROUP_FILTER,
                &["cn", "member", "uniqueMember"],
            )
            .await?
            .into_iter()
            .map(|g| GroupNode {
                name: g.text("cn").unwrap_or_else(|| first_rdn_value(&g.dn)),
                members: g
                    .all("member")
                    .iter()
                    .chain(g.all("uniqueMember"))
                    .cloned()
                    .collect(),
                dn: g.dn,
            })
            .collect();
        let roots: Vec<(String, bool)> = groups
            .iter()
            .filter(|g| seeds.iter().any(|s| seed_names(s, &g.dn, &g.name)))
            .map(|g| (g.dn.clone(), false))
            .collect();
        nest(&mut out, &groups, &roots);
        Ok(out)
    }

    async fn read_password_policy(&self) -> Result<DirectoryPolicy> {
        let mut out = DirectoryPolicy::default();
        for e in self.policy_entries().await? {
            let p = policy_from_entry(&e);
            if e.dn.eq_ignore_ascii_case(&self.default_policy_dn) {
                out.default = Some(PolicySettings {
                    name: "ppolicy default".into(),
                    ..p
                });
            } else {
                out.others.push(p);
            }
        }
        Ok(out)
    }

    async fn write_password_policy(&self, s: &PolicySettings) -> Result<()> {
        let mut values: Vec<(&str, String)> = vec![("pwdAttribute", "userPassword".into())];
        if let Some(m) = s.min_length {
            values.push(("pwdMinLength", m.to_string()));
            values.push(("pwdCheckQuality", "1".into()));
        }
        if let Some(a) = s.max_age_days {
            values.push(("pwdMaxAge", (i64::from(a) * 86_400).to_string()));
        }
        if let Some(m) = s.must_change_after_reset {
            values.push(("pwdMustChange", if m { "TRUE" } else { "FALSE" }.into()));
        }
        if self.conn.read(&s.dn, &["cn"]).await?.is_some() {
            let mods = values.iter().map(|(k, v)| replace(k, &[v])).collect();
            self.conn
                .modify(&s.dn, mods, &format!("update password policy {}", s.name))
                .await?;
        } else {
            self.ensure_policies_ou(&s.dn).await?;
            let cn = first_rdn_value(&s.dn);
            let mut attrs = vec![
                attr("objectClass", &["top", "device", "pwdPolicy"]),
                attr("cn", &[&cn]),
            ];
            attrs.extend(values.iter().map(|(k, v)| attr(k, &[v])));
            self.conn.add(&s.dn, attrs).await?;
        }
        // Fine-grained: point each listed account (or each member of a listed group) at it.
        for target in &s.applies_to {
            let Some(e) = self
                .conn
                .read(target, &["member", "uniqueMember", "objectClass"])
                .await?
            else {
                continue;
            };
            let members: Vec<String> = e
                .all("member")
                .iter()
                .chain(e.all("uniqueMember"))
                .cloned()
                .collect();
            let dns = if members.is_empty() {
                vec![target.clone()]
            } else {
                members
            };
            for dn in dns {
                self.conn
                    .modify(
                        &dn,
                        vec![replace("pwdPolicySubentry", &[&s.dn])],
                        &format!("apply password policy {} to {dn}", s.name),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}

/// The DN a fine-grained ppolicy entry named `name` gets.
pub fn policy_dn(name: &str, base_dn: &str) -> String {
    format!("cn={},ou=Policies,{base_dn}", rdn_value(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_disabled_locked_and_expiry() {
        let roles = RoleMap::default();
        let groups = HashMap::new();
        let mut policies = PolicyIndex {
            default_dn: "cn=default,ou=Policies,dc=s".into(),
            ..Default::default()
        };
        policies
            .max_age_s
            .insert("cn=default,ou=policies,dc=s".into(), 90 * 86_400);
        let ctx = MapCtx {
            roles: &roles,
            base_dn: "dc=s",
            mis_attr: "employeeNumber",
            groups: &groups,
            policies: &policies,
            no_password: &HashSet::new(),
        };
        let mut e = Entry::new("uid=a,ou=Pupils,dc=s");
        e.set("uid", vec!["a".into()]);
        e.set("pwdChangedTime", vec!["20260101000000Z".into()]);
        e.set("pwdAccountLockedTime", vec![DISABLED_LOCK.into()]);
        e.set("pwdReset", vec!["TRUE".into()]);
        let a = to_account(&e, &ctx).unwrap();
        assert!(!a.enabled && !a.locked && a.must_change_password && !a.password_never_expires);
        assert_eq!(a.role.as_deref(), Some("pupil"));
        assert_eq!(
            a.password_expires.map(|t| t.to_rfc3339()),
            Some("2026-04-01T00:00:00+00:00".into())
        );
        e.set("pwdAccountLockedTime", vec!["20261101000000Z".into()]);
        let a = to_account(&e, &ctx).unwrap();
        assert!(a.enabled && a.locked);
        e.set("pwdChangedTime", vec!["yesterday".into()]);
        assert!(to_account(&e, &ctx).is_err());
    }

    fn ctx_with_max_age<'a>(
        roles: &'a RoleMap,
        groups: &'a HashMap<String, Vec<String>>,
        policies: &'a mut PolicyIndex,
        no_password: &'a HashSet<String>,
        max_age: i64,
    ) -> MapCtx<'a> {
        policies.default_dn = "cn=default,ou=Policies,dc=s".into();
        policies
            .max_age_s
            .insert("cn=default,ou=policies,dc=s".into(), max_age);
        MapCtx {
            roles,
            base_dn: "dc=s",
            mis_attr: "employeeNumber",
            groups,
            policies,
            no_password,
        }
    }

    #[test]
    fn huge_pwd_max_age_is_unknown_not_a_panic() {
        let (roles, groups, nopw) = (RoleMap::default(), HashMap::new(), HashSet::new());
        for max_age in [i64::MAX, i64::MAX / 1000, 9_000_000_000_000] {
            let mut policies = PolicyIndex::default();
            let ctx = ctx_with_max_age(&roles, &groups, &mut policies, &nopw, max_age);
            let mut e = Entry::new("uid=a,ou=Pupils,dc=s");
            e.set("uid", vec!["a".into()]);
            e.set("pwdChangedTime", vec!["20260101000000Z".into()]);
            let a = to_account(&e, &ctx).expect("mapped");
            assert_eq!(
                a.password_expires, None,
                "{max_age}: out of range is unknown"
            );
            assert!(a.password_last_set.is_some());
        }
    }

    #[test]
    fn huge_shadow_expire_is_unknown_not_garbage() {
        let (roles, groups, nopw) = (RoleMap::default(), HashMap::new(), HashSet::new());
        let mut policies = PolicyIndex::default();
        let ctx = ctx_with_max_age(&roles, &groups, &mut policies, &nopw, 0);
        for v in [i64::MAX, i64::MAX / 86_400 + 1, 1_000_000_000_000] {
            let mut e = Entry::new("uid=a,ou=Pupils,dc=s");
            e.set("uid", vec!["a".into()]);
            e.set("shadowExpire", vec![v.to_string()]);
            let a = to_account(&e, &ctx).expect("mapped");
            assert_eq!(a.expires, None, "{v}: out of range is unknown");
        }
        let mut e = Entry::new("uid=a,ou=Pupils,dc=s");
        e.set("uid", vec!["a".into()]);
        e.set("shadowExpire", vec!["20000".into()]);
        let a = to_account(&e, &ctx).expect("mapped");
        assert_eq!(
            a.expires.map(|t| t.to_rfc3339()),
            Some("2024-10-04T00:00:00+00:00".into())
        );
    }
}
