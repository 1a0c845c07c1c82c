//! The school directory: one async trait, with an Active Directory flavour, an OpenLDAP
//! flavour and an in-memory demo. Flavour differences live only in the flavour files.

pub mod ad;
pub mod attrs;
pub mod conn;
pub mod demo;
pub mod discover;
pub mod escape;
pub mod ldif;
pub mod openldap;
pub mod pinned;
pub mod privilege;
pub mod read_only;
pub mod sync;
pub mod words;

use crate::config::DirectoryConfig;
use crate::domain::account::{Account, AccountChange, AccountQuery, NewAccount};
use crate::domain::policy::{DirectoryPolicy, PolicySettings};
use crate::domain::roles::RoleMap;
use crate::error::{Error, Result};
use async_trait::async_trait;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// The secret wrapper lives in the domain; re-exported here for existing callers.
pub use crate::domain::secret::Secret;
pub use privilege::{Privilege, Privileged, PrivilegedGroup};

/// Which kind of directory server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavour {
    /// Windows Active Directory or Samba AD.
    ActiveDirectory,
    /// OpenLDAP with the ppolicy overlay.
    Openldap,
    /// The built-in demo school.
    Demo,
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavour::ActiveDirectory => "Active Directory",
            Flavour::Openldap => "OpenLDAP",
            Flavour::Demo => "demo",
        })
    }
}

/// The outcome of a search: accounts, plus how many entries were skipped as malformed.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Accounts found, sorted by username.
    pub accounts: Vec<Account>,
    /// Entries that were missing required attributes or had malformed ones.
    pub skipped: usize,
}

/// A group in the directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Group {
    /// DN.
    pub dn: String,
    /// Name (CN).
    pub name: String,
}

/// A group as the directory lists it (the groups dialog's picker, `accounts groups`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupInfo {
    /// DN.
    pub dn: String,
    /// Name (CN).
    pub name: String,
    /// Its description, when it has one.
    pub description: Option<String>,
}

/// Sorts a group listing by name (case folded), then DN, as every flavour lists it.
pub fn sort_groups(groups: &mut [GroupInfo]) {
    groups.sort_by_cached_key(|g| (g.name.to_lowercase(), g.dn.to_lowercase()));
}

/// What `doctor` learns from a probe of the directory.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    /// The base DN exists.
    pub base_dn_found: bool,
    /// Attributes the program needs that the bind account could not read on a sample account.
    pub unreadable: Vec<String>,
    /// Number of accounts seen in a sample.
    pub sample_size: usize,
    /// The server's TLS state, in words ("LDAPS, certificate verified", ...).
    pub tls: String,
}

/// Everything the program asks of a directory.
#[async_trait]
pub trait Directory: Send + Sync {
    /// Which flavour this is.
    fn flavour(&self) -> Flavour;
    /// The attribute that holds the username, lowercased as the stored mirror keeps attribute
    /// names (`uid`; Active Directory: `samaccountname`).
    fn username_attribute(&self) -> &'static str {
        "uid"
    }
    /// The server (URL) for headers and logs.
    fn server(&self) -> String;
    /// The base DN.
    fn base_dn(&self) -> &str;
    /// Connects and binds (no-op if connected). Errors say what to fix.
    async fn connect(&self) -> Result<()>;
    /// Checks the base DN and the attributes the program needs.
    async fn probe(&self) -> Result<Probe>;
    /// Change tracking for the local mirror, when the flavour has it (not the demo).
    fn changes(&self) -> Option<&dyn sync::ChangeSource> {
        None
    }
    /// Finds accounts (people and shared accounts; not computers).
    async fn search_accounts(&self, query: &AccountQuery) -> Result<Listing>;
    /// One account by username, if it exists.
    async fn get_account(&self, username: &str) -> Result<Option<Account>>;
    /// One account by its stable id (`Account::object_id`: objectGUID on AD, entryUUID on
    /// OpenLDAP), wherever it is now and whatever it is called; None when no account has it.
    /// The default searches every account (directories that can, search by the id).
    async fn get_by_id(&self, object_id: &str) -> Result<Option<Account>> {
        let all = self.search_accounts(&AccountQuery::default()).await?;
        Ok(all.accounts.into_iter().find(|a| {
            a.object_id
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(object_id))
        }))
    }
    /// Creates an account (disabled until a password is set, then enabled).
    async fn create_account(
        &self,
        new: &NewAccount,
        password: &Secret,
        temporary: bool,
    ) -> Result<Account>;
    /// The accounts among `usernames` that exist (any case), in a few searches rather than one
    /// per name: the clash check and the read-back of a bulk import.
    async fn get_accounts(&self, usernames: &[String]) -> Result<Vec<Account>> {
        let mut out = Vec::new();
        for u in usernames {
            if let Some(a) = self.get_account(u).await? {
                out.push(a);
            }
        }
        Ok(out)
    }
    /// [`Directory::create_account`] without reading the new account back: what was asked for
    /// ([`as_created`]) is returned, and the caller reads it back (a bulk import reads a batch in
    /// one search). Flavours that cannot split the two keep this default.
    async fn create_account_unread(
        &self,
        new: &NewAccount,
        password: &Secret,
        temporary: bool,
    ) -> Result<Account> {
        self.create_account(new, password, temporary).await
    }
    /// Accounts whose MIS id is one of `ids` (exact match).
    async fn find_by_mis_ids(&self, ids: &[String]) -> Result<Vec<Account>> {
        let all = self.search_accounts(&AccountQuery::default()).await?;
        Ok(all
            .accounts
            .into_iter()
            .filter(|a| a.mis_id.as_ref().is_some_and(|m| ids.contains(m)))
            .collect())
    }
    /// True when an entry named `name` (the RDN value a new account gets: AD's CN, unique in
    /// its OU) already exists in `parent_dn`. Flavours that name entries by username
    /// (OpenLDAP: `uid=`) have no such clash and keep this default.
    async fn name_taken(&self, _parent_dn: &str, _name: &str) -> Result<bool> {
        Ok(false)
    }
    /// Which of `names` are taken in `parent_dn` ([`Directory::name_taken`] for many names at
    /// once), lower-cased.
    async fn names_taken(&self, parent_dn: &str, names: &[String]) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        for n in names {
            if self.name_taken(parent_dn, n).await? {
                out.insert(n.to_lowercase());
            }
        }
        Ok(out)
    }
    /// Changes attributes of an account.
    async fn modify_account(&self, account: &Account, change: &AccountChange) -> Result<()>;
    /// Several attribute changes of one account, in one LDAP modify where the server allows it
    /// (all or none take effect); the default makes them one after the other.
    async fn modify_account_all(&self, account: &Account, changes: &[AccountChange]) -> Result<()> {
        for c in changes {
            self.modify_account(account, c).await?;
        }
        Ok(())
    }
    /// Sets a password; `temporary` means the user must change it at next logon.
    async fn set_password(
        &self,
        account: &Account,
        password: &Secret,
        temporary: bool,
    ) -> Result<()>;
    /// Moves an account to another OU; returns the new DN.
    async fn move_account(&self, account: &Account, new_parent_dn: &str) -> Result<String>;
    /// Moves an account to another OU under a new entry name (AD's CN, when the old one is taken
    /// there); `None` keeps the name. Flavours that name entries by username keep the name.
    async fn move_account_as(
        &self,
        account: &Account,
        new_parent_dn: &str,
        _new_name: Option<&str>,
    ) -> Result<String> {
        self.move_account(account, new_parent_dn).await
    }
    /// Deletes an account (the leavers purge, after the grace period).
    async fn delete_account(&self, account: &Account) -> Result<()> {
        Err(Error::Usage(format!(
            "deleting {} is not supported by this directory flavour",
            account.username
        )))
    }
    /// Adds the account to a group (DN).
    async fn add_to_group(&self, account: &Account, group_dn: &str) -> Result<()>;
    /// Removes the account from a group (DN).
    async fn remove_from_group(&self, account: &Account, group_dn: &str) -> Result<()>;
    /// Finds a group by name (CN) or DN.
    async fn find_group(&self, name_or_dn: &str) -> Result<Option<Group>>;

    /// Every group under the base DN (a paged search on a server), sorted by name. Whether a
    /// group is protected is decided in `ops` (`ops::groups::list`), from the same rules as
    /// every other check.
    async fn list_groups(&self) -> Result<Vec<GroupInfo>>;
    /// Lists OUs (DNs) under the base, for move targets and filters.
    async fn list_ous(&self) -> Result<Vec<String>>;
    /// Creates the organizational unit `dn` (its parent must exist): the Leavers OU of
    /// `sweep --create-ou`.
    async fn create_ou(&self, dn: &str) -> Result<()> {
        Err(Error::Usage(format!(
            "creating {dn} is not supported by this directory flavour; create it by hand"
        )))
    }
    /// The accounts and groups the directory itself makes privileged (well-known accounts,
    /// privileged groups and every group nested into them, their members at any depth and by
    /// primary group, `adminCount`), and the groups `seeds` names (the configuration's protected
    /// groups: names or DNs) with what is nested into them. A few searches, once per run.
    async fn privileged(&self, seeds: &[String]) -> Result<Privileged> {
        let _ = seeds;
        Ok(Privileged::default())
    }
    /// Why one account is privileged, read from the directory now (the check made just before
    /// a change). The default looks it up in [`Directory::privileged`].
    async fn privilege(&self, account: &Account, seeds: &[String]) -> Result<Vec<Privilege>> {
        Ok(self.privileged(seeds).await?.account(&account.dn).to_vec())
    }
    /// Reads the directory's own password policies.
    async fn read_password_policy(&self) -> Result<DirectoryPolicy>;
    /// Writes one password policy (default when `settings.dn` is the default's DN, else a
    /// fine-grained one, created if missing and applied to `settings.applies_to`).
    async fn write_password_policy(&self, settings: &PolicySettings) -> Result<()>;
    /// The DN of schooltech's own password policy `name` (AD: a PSO `schooltech-NAME` in the
    /// Password Settings Container).
    fn policy_dn(&self, name: &str) -> String {
        ad::pso_dn(&format!("schooltech-{name}"), self.base_dn())
    }
    /// The DN of the policy that governs an account no other policy names (AD: the domain).
    fn default_policy_dn(&self) -> String {
        self.base_dn().to_string()
    }
    /// What the policy governing an account no other policy names is called.
    fn default_policy_name(&self) -> &'static str {
        "domain default"
    }
    /// True when a (mirrored) account entry is locked out.
    fn entry_locked(&self, e: &attrs::Entry) -> bool {
        words::locked(e)
    }
    /// What a change of one of the directory's account-control attributes (`attr`, lower
    /// case) did, in words; None when `attr` is not one of them.
    fn describe_change(
        &self,
        attr: &str,
        before: &[String],
        after: &[String],
    ) -> Option<Vec<String>> {
        words::describe(attr, before, after)
    }
}

/// After creating `dn` for `username`, a later step failed with `err` and `undo` (deleting it)
/// was tried: the error to return. A failed undo is never hidden: it is a [`Error::Partial`], so
/// the journal says `unknown` and the technician is told what is left.
pub fn undo_outcome(username: &str, dn: &str, err: Error, undo: Result<()>) -> Error {
    match undo {
        Ok(()) => Error::Undone {
            what: format!("created {dn}"),
            failed: err.to_string(),
        },
        Err(undo_err) => Error::Partial {
            done: format!("{username} was created as {dn}"),
            failed: format!("{err}; deleting it again failed too: {undo_err}"),
            fix: format!(
                "check {username} in the directory and finish it (password, groups) or delete it"
            ),
        },
    }
}

/// The account just made (`made`, as it was asked for) read back from `dir`; when that read
/// fails, `made`: the account is made, and a failed read-back is not a failed create.
pub async fn read_back_created<D: Directory + ?Sized>(dir: &D, made: Account) -> Account {
    match dir.get_account(&made.username).await {
        Ok(Some(a)) => a,
        _ => made,
    }
}

/// The account as it was asked for, when reading it back after creating it did not work.
pub fn as_created(new: &NewAccount, dn: &str, temporary: bool) -> Account {
    Account {
        username: new.username.clone(),
        dn: dn.to_string(),
        display_name: Some(new.display_name.clone()).filter(|d| !d.is_empty()),
        given_name: Some(new.given_name.clone()).filter(|d| !d.is_empty()),
        surname: Some(new.surname.clone()).filter(|d| !d.is_empty()),
        enabled: true,
        must_change_password: temporary,
        expires: new.expires,
        groups: new
            .groups
            .iter()
            .map(|g| escape::first_rdn_value(g))
            .collect(),
        group_dns: new.groups.clone(),
        mis_id: new.mis_id.clone(),
        description: new.description.clone(),
        ..Default::default()
    }
}

/// Maps entries to accounts, skipping (and counting) malformed ones, optionally keeping one
/// role, sorted by username.
pub fn finish_listing<F>(entries: &[attrs::Entry], map: F, role: Option<&str>) -> Listing
where
    F: Fn(&attrs::Entry) -> std::result::Result<Account, attrs::Malformed>,
{
    let mut listing = Listing::default();
    for e in entries {
        match map(e) {
            Ok(a) => {
                if role.is_none_or(|r| a.role.as_deref() == Some(r)) {
                    listing.accounts.push(a);
                }
            }
            Err(m) => {
                tracing::warn!("skipped {}: {m}", e.dn);
                listing.skipped += 1;
            }
        }
    }
    listing
        .accounts
        .sort_by_cached_key(|a| a.username.to_lowercase());
    listing
}

/// Filters matching any of `ids` in `mis_attr` (an MIS id, a username, a name) among
/// `person_filter`, at most 100 ids each (one round trip per 100 instead of one per id, and
/// short enough for any server).
pub fn any_value_filters(person_filter: &str, mis_attr: &str, ids: &[String]) -> Vec<String> {
    any_value_filters_by(person_filter, mis_attr, ids, VALUES_PER_SEARCH)
}

/// Values in one filter of [`any_value_filters`] (an indexed attribute: usernames, names).
pub const VALUES_PER_SEARCH: usize = 100;

/// MIS ids in one search: the MIS id attribute is seldom indexed (see [`any_value_filters_by`]);
/// 1,000 ids make a filter of about 30 kB, well inside AD's and slapd's request limits.
pub const MIS_IDS_PER_SEARCH: usize = 1000;

/// [`any_value_filters`] with `per` values in each filter. An attribute the server does not
/// index (AD's `employeeID`) costs a scan of every entry per search, so fewer, longer filters are
/// cheaper: 200 MIS ids on a 20,000-account Samba took 1.6 s as two searches, 1.1 s as one.
pub fn any_value_filters_by(
    person_filter: &str,
    mis_attr: &str,
    ids: &[String],
    per: usize,
) -> Vec<String> {
    ids.chunks(per.max(1))
        .map(|chunk| {
            let any: String = chunk
                .iter()
                .map(|id| format!("({mis_attr}={})", escape::filter_value(id)))
                .collect();
            format!("(&{person_filter}(|{any}))")
        })
        .collect()
}

/// Connects to the directory the configuration names.
pub fn from_config(
    cfg: &DirectoryConfig,
    roles: RoleMap,
    password: Secret,
) -> Result<Arc<dyn Directory>> {
    Ok(match cfg.flavour {
        Flavour::ActiveDirectory => Arc::new(ad::ActiveDirectory::new(
            conn::LdapConn::new(cfg, password)?,
            cfg,
            roles,
        )),
        Flavour::Openldap => Arc::new(openldap::OpenLdap::new(
            conn::LdapConn::new(cfg, password)?,
            cfg,
            roles,
        )),
        Flavour::Demo => {
            return Err(Error::Config(
                "flavour = \"demo\" is not for config files; run with --demo".into(),
            ))
        }
    })
}

#[cfg(test)]
mod undo_tests {
    use super::*;

    #[test]
    fn a_failed_undo_is_a_partial_change_never_hidden() {
        let step = || Error::Directory {
            doing: "add x to Pupils".into(),
            reason: "no such entry".into(),
            code: 32,
        };
        let undone = undo_outcome("x", "uid=x,dc=t", step(), Ok(()));
        assert!(matches!(undone, Error::Undone { .. }));
        assert!(!undone.outcome_unknown());
        let left = undo_outcome("x", "uid=x,dc=t", step(), Err(Error::Usage("busy".into())));
        assert!(matches!(left, Error::Partial { .. }));
        assert!(left.outcome_unknown());
        let msg = left.to_string();
        assert!(
            msg.contains("deleting it again failed") && msg.contains("uid=x,dc=t"),
            "{msg}"
        );
    }
}
