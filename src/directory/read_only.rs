//! A directory that only reads: every method that would change the directory is refused with
//! the words it is given (a usage error, exit 2). The context puts it around the directory under
//! `--as-of`, so no changing command of either face can reach the server while time is pretended,
//! whatever guard above it was forgotten.

use super::privilege::{Privilege, Privileged};
use super::{sync, Directory, Flavour, Group, Listing, Probe, Secret};
use crate::domain::account::{Account, AccountChange, AccountQuery, NewAccount};
use crate::domain::policy::{DirectoryPolicy, PolicySettings};
use crate::error::{Error, Result};
use async_trait::async_trait;
use std::collections::HashSet;
use std::sync::Arc;

/// `inner` for reading; every write refused with `why`.
pub struct ReadOnly {
    inner: Arc<dyn Directory>,
    why: String,
    /// `--dry-run`: a write stops the command with [`Error::DryRun`] (exit 0), not a refusal.
    dry_run: bool,
}

impl ReadOnly {
    /// Wraps `inner`; writes are refused with `why`.
    pub fn wrap(inner: Arc<dyn Directory>, why: String) -> Arc<dyn Directory> {
        Arc::new(ReadOnly {
            inner,
            why,
            dry_run: false,
        })
    }

    /// Wraps `inner` for `--dry-run`: the first write stops the command, nothing sent.
    pub fn wrap_dry_run(inner: Arc<dyn Directory>) -> Arc<dyn Directory> {
        Arc::new(ReadOnly {
            inner,
            why: String::new(),
            dry_run: true,
        })
    }

    fn refuse<T>(&self, doing: &str) -> Result<T> {
        if self.dry_run {
            return Err(Error::DryRun(format!(
                "it stopped where it would {doing} in the directory"
            )));
        }
        Err(Error::Usage(format!(
            "{} (it was about to {doing})",
            self.why
        )))
    }
}

#[async_trait]
impl Directory for ReadOnly {
    fn flavour(&self) -> Flavour {
        self.inner.flavour()
    }
    fn username_attribute(&self) -> &'static str {
        self.inner.username_attribute()
    }
    fn server(&self) -> String {
        self.inner.server()
    }
    fn base_dn(&self) -> &str {
        self.inner.base_dn()
    }
    async fn connect(&self) -> Result<()> {
        self.inner.connect().await
    }
    async fn probe(&self) -> Result<Probe> {
        self.inner.probe().await
    }
    fn changes(&self) -> Option<&dyn sync::ChangeSource> {
        self.inner.changes()
    }
    async fn search_accounts(&self, query: &AccountQuery) -> Result<Listing> {
        self.inner.search_accounts(query).await
    }
    async fn get_account(&self, username: &str) -> Result<Option<Account>> {
        self.inner.get_account(username).await
    }
    async fn get_by_id(&self, object_id: &str) -> Result<Option<Account>> {
        self.inner.get_by_id(object_id).await
    }
    async fn get_accounts(&self, usernames: &[String]) -> Result<Vec<Account>> {
        self.inner.get_accounts(usernames).await
    }
    async fn find_by_mis_ids(&self, ids: &[String]) -> Result<Vec<Account>> {
        self.inner.find_by_mis_ids(ids).await
    }
    async fn name_taken(&self, parent_dn: &str, name: &str) -> Result<bool> {
        self.inner.name_taken(parent_dn, name).await
    }
    async fn names_taken(&self, parent_dn: &str, names: &[String]) -> Result<HashSet<String>> {
        self.inner.names_taken(parent_dn, names).await
    }
    async fn find_group(&self, name_or_dn: &str) -> Result<Option<Group>> {
        self.inner.find_group(name_or_dn).await
    }
    async fn list_ous(&self) -> Result<Vec<String>> {
        self.inner.list_ous().await
    }
    async fn list_groups(&self) -> Result<Vec<super::GroupInfo>> {
        self.inner.list_groups().await
    }
    async fn read_password_policy(&self) -> Result<DirectoryPolicy> {
        self.inner.read_password_policy().await
    }
    async fn privileged(&self, seeds: &[String]) -> Result<Privileged> {
        self.inner.privileged(seeds).await
    }
    async fn privilege(&self, account: &Account, seeds: &[String]) -> Result<Vec<Privilege>> {
        self.inner.privilege(account, seeds).await
    }

    async fn create_account(
        &self,
        new: &NewAccount,
        _password: &Secret,
        _temporary: bool,
    ) -> Result<Account> {
        self.refuse(&format!("create {}", new.username))
    }
    async fn create_account_unread(
        &self,
        new: &NewAccount,
        _password: &Secret,
        _temporary: bool,
    ) -> Result<Account> {
        self.refuse(&format!("create {}", new.username))
    }
    async fn modify_account(&self, account: &Account, _change: &AccountChange) -> Result<()> {
        self.refuse(&format!("change {}", account.username))
    }
    async fn modify_account_all(
        &self,
        account: &Account,
        _changes: &[AccountChange],
    ) -> Result<()> {
        self.refuse(&format!("change {}", account.username))
    }
    async fn set_password(
        &self,
        account: &Account,
        _password: &Secret,
        _temporary: bool,
    ) -> Result<()> {
        self.refuse(&format!("set the password of {}", account.username))
    }
    async fn move_account(&self, account: &Account, _new_parent_dn: &str) -> Result<String> {
        self.refuse(&format!("move {}", account.username))
    }
    async fn move_account_as(
        &self,
        account: &Account,
        _new_parent_dn: &str,
        _new_name: Option<&str>,
    ) -> Result<String> {
        self.refuse(&format!("move {}", account.username))
    }
    async fn delete_account(&self, account: &Account) -> Result<()> {
        self.refuse(&format!("delete {}", account.username))
    }
    async fn add_to_group(&self, account: &Account, _group_dn: &str) -> Result<()> {
        self.refuse(&format!("add {} to a group", account.username))
    }
    async fn remove_from_group(&self, account: &Account, _group_dn: &str) -> Result<()> {
        self.refuse(&format!("remove {} from a group", account.username))
    }
    async fn create_ou(&self, dn: &str) -> Result<()> {
        self.refuse(&format!("create {dn}"))
    }
    async fn write_password_policy(&self, _settings: &PolicySettings) -> Result<()> {
        self.refuse("write a password policy")
    }
    fn policy_dn(&self, name: &str) -> String {
        self.inner.policy_dn(name)
    }
    fn default_policy_dn(&self) -> String {
        self.inner.default_policy_dn()
    }
    fn default_policy_name(&self) -> &'static str {
        self.inner.default_policy_name()
    }
    fn entry_locked(&self, e: &super::attrs::Entry) -> bool {
        self.inner.entry_locked(e)
    }
    fn describe_change(
        &self,
        attr: &str,
        before: &[String],
        after: &[String],
    ) -> Option<Vec<String>> {
        self.inner.describe_change(attr, before, after)
    }
}

#[cfg(test)]
mod tests {
    /// Every method of the `Directory` trait is forwarded or refused here by name, so a method
    /// added to the trait with a default body cannot slip past the wrapper (a default would
    /// call the wrapper's own methods, or hide the flavour's answer).
    #[test]
    fn every_trait_method_is_handled() {
        let trait_src = include_str!("mod.rs");
        let start = trait_src
            .find("pub trait Directory")
            .expect("the trait is in mod.rs");
        let body = &trait_src[start..];
        let end = body.find("\n}\n").expect("the trait ends");
        let mine = include_str!("read_only.rs");
        let mut missing = Vec::new();
        for line in body[..end].lines() {
            let l = line.trim_start();
            let Some(rest) = l
                .strip_prefix("async fn ")
                .or_else(|| l.strip_prefix("fn "))
            else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !mine.contains(&format!("fn {name}(")) {
                missing.push(name);
            }
        }
        assert!(
            missing.is_empty(),
            "directory/read_only.rs must forward or refuse {missing:?}"
        );
    }
}
