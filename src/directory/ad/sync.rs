//! Active Directory change tracking for the mirror: `highestCommittedUSN` of the DC that
//! answers, its `dsServiceName` and `invocationId`, each entry's `uSNChanged`, deletions
//! through the Show Deleted control (or by comparing DNs when the bind account may not see
//! deleted objects).
//!
//! USNs are numbered per DC, so a delta is only trusted from the DC that numbered the mirror
//! (`dsServiceName`) with the same `invocationId` (a DC restored from a backup gets a new one,
//! and reuses numbers). A group's `member` change moves the group's `uSNChanged`, not the
//! member's: the caller re-reads the members of changed groups (their `memberOf` back-link).

use super::super::attrs::Entry;
use super::super::conn::LdapConn;
use super::super::sync::{ChangeSource, Deletions, Delta, Kind, Marker, Mirrored};
use super::super::{finish_listing, Listing};
use super::{to_account, ActiveDirectory, ACCOUNT_ATTRS};
use crate::domain::account::AccountQuery;
use crate::error::{Error, Result};
use async_trait::async_trait;
use ldap3::controls::RawControl;
use ldap3::Scope;
use std::collections::HashSet;

/// The Show Deleted control.
pub const SHOW_DELETED_OID: &str = "1.2.840.113556.1.4.417";

const PERSON: &str = "(&(objectCategory=person)(objectClass=user))";
const GROUP_ATTRS: &[&str] = &[
    "cn",
    "member",
    "objectGUID",
    "uSNChanged",
    "whenChanged",
    "objectClass",
];

fn show_deleted() -> RawControl {
    RawControl {
        ctype: SHOW_DELETED_OID.to_string(),
        crit: true,
        val: None,
    }
}

fn malformed(what: &str, detail: &str) -> Error {
    Error::Directory {
        code: 0,
        doing: format!("read {what}"),
        reason: detail.to_string(),
    }
}

impl ActiveDirectory {
    fn mirror_attrs(&self) -> Vec<&str> {
        let mut a = ACCOUNT_ATTRS.to_vec();
        a.extend([
            self.mis_attr.as_str(),
            "cn",
            "objectGUID",
            "uSNChanged",
            "whenChanged",
            "objectClass",
            "msDS-ResultantPSO",
        ]);
        a
    }

    fn all_attrs(&self) -> Vec<&str> {
        let mut a = self.mirror_attrs();
        for g in GROUP_ATTRS {
            if !a.iter().any(|x| x.eq_ignore_ascii_case(g)) {
                a.push(g);
            }
        }
        a
    }

    fn conn(&self) -> &LdapConn {
        &self.conn
    }

    async fn root_dse(&self) -> Result<Entry> {
        self.conn()
            .read(
                "",
                &[
                    "highestCommittedUSN",
                    "dsServiceName",
                    "defaultNamingContext",
                ],
            )
            .await?
            .ok_or_else(|| malformed("the root DSE", "the server returned no root DSE"))
    }

    async fn naming_context(&self) -> Result<String> {
        Ok(self
            .root_dse()
            .await?
            .text("defaultNamingContext")
            .unwrap_or_else(|| self.base_dn.clone()))
    }

    async fn dns_of(&self, filter: &str) -> Result<Vec<String>> {
        Ok(self
            .conn()
            .search(&self.base_dn, Scope::Subtree, filter, &["1.1"])
            .await?
            .into_iter()
            .map(|e| e.dn.to_lowercase())
            .collect())
    }
}

/// Completes a group entry's `member` when AD sent it in ranges: a group with more members
/// than the DC's MaxValRange (1,500 by default on Windows) comes back as `member;range=0-1499`,
/// the rest to be asked for as `member;range=1500-*`, and so on until a range ends in `*`.
/// Without this a large group (all the pupils, a year group) would look empty, and a member
/// added to it would never reach the mirror. Entries without ranges are left as they are.
pub async fn complete_members(conn: &LdapConn, e: &mut Entry) -> Result<()> {
    let ranged = |e: &Entry| {
        e.attrs
            .keys()
            .find(|k| k.starts_with("member;range="))
            .cloned()
    };
    let Some(mut key) = ranged(e) else {
        return Ok(());
    };
    let mut all = e.attrs.remove(&key).unwrap_or_default();
    while let Some(next) = next_range(&key) {
        let attr = format!("member;range={next}-*");
        let Some(mut more) = conn.read(&e.dn, &[attr.as_str()]).await? else {
            return Err(malformed(
                &e.dn,
                "the group went away while its members were read",
            ));
        };
        let Some(k) = ranged(&more) else {
            break; // no values past the last range
        };
        let got = more.attrs.remove(&k).unwrap_or_default();
        if got.is_empty() && next_range(&k).is_some() {
            return Err(malformed(
                &e.dn,
                &format!("an empty range {k} of its members"),
            ));
        }
        all.extend(got);
        key = k;
    }
    e.attrs.entry("member".into()).or_default().extend(all);
    Ok(())
}

/// Where the next range starts after `member;range=LOW-HIGH`; None after the last (`HIGH` is `*`)
/// or when the range cannot be read.
fn next_range(key: &str) -> Option<u64> {
    let (_, range) = key.split_once("range=")?;
    let (_, high) = range.split_once('-')?;
    if high == "*" {
        return None;
    }
    high.parse::<u64>().ok()?.checked_add(1)
}

/// What an AD entry is, by its object classes.
enum Class {
    Account,
    Group,
    /// A password settings object or the domain object: policies a delta cannot follow.
    Policy,
    Other,
}

fn class_of(e: &Entry) -> Class {
    let has = |c: &str| {
        e.all("objectClass")
            .iter()
            .any(|v| v.eq_ignore_ascii_case(c))
    };
    if has("msDS-PasswordSettings") || has("domainDNS") {
        Class::Policy
    } else if has("group") {
        Class::Group
    } else if has("user") && !has("computer") {
        Class::Account
    } else {
        Class::Other
    }
}

/// An entry as the mirror keeps it; None (logged) without an objectGUID.
fn mirrored(e: Entry, kind: Kind) -> Option<Mirrored> {
    let Some(id) = e.text("objectGUID") else {
        tracing::warn!(
            "{} has no readable objectGUID; it is left out of the mirror",
            e.dn
        );
        return None;
    };
    Some(Mirrored {
        id,
        kind,
        stamp: e.text("uSNChanged").unwrap_or_default(),
        entry: e,
    })
}

#[async_trait]
impl ChangeSource for ActiveDirectory {
    async fn marker(&self) -> Result<Marker> {
        let dse = self.root_dse().await?;
        let usn = dse
            .text("highestCommittedUSN")
            .ok_or_else(|| malformed("the root DSE", "no highestCommittedUSN"))?;
        let service = dse
            .text("dsServiceName")
            .ok_or_else(|| malformed("the root DSE", "no dsServiceName"))?;
        let ntds = self
            .conn()
            .search_with(
                &service,
                Scope::Base,
                "(objectClass=*)",
                &["invocationId"],
                &[],
                &["invocationId"],
            )
            .await?;
        let invocation = ntds
            .first()
            .and_then(|e| e.text("invocationId"))
            .ok_or_else(|| malformed(&service, "no invocationId on the NTDS Settings object"))?;
        Ok(Marker {
            identity: service,
            invocation,
            position: usn,
        })
    }

    async fn deletions(&self) -> Result<Deletions> {
        let nc = self.naming_context().await?;
        let found = self
            .conn()
            .search_with(
                &format!("CN=Deleted Objects,{nc}"),
                Scope::Base,
                "(objectClass=*)",
                &["isDeleted"],
                &[show_deleted()],
                &[],
            )
            .await;
        Ok(match found {
            Ok(v) if !v.is_empty() => Deletions::ShowDeleted,
            Ok(_) => Deletions::CompareDns,
            Err(e) => {
                tracing::debug!("the Deleted Objects container is not readable ({e}); deletions are found by comparing DNs");
                Deletions::CompareDns
            }
        })
    }

    async fn read_all(&self) -> Result<Vec<Mirrored>> {
        let accounts = self
            .conn()
            .search_with(
                &self.base_dn,
                Scope::Subtree,
                PERSON,
                &self.mirror_attrs(),
                &[],
                &["objectGUID"],
            )
            .await?;
        let groups = self
            .conn()
            .search_with(
                &self.base_dn,
                Scope::Subtree,
                "(objectClass=group)",
                GROUP_ATTRS,
                &[],
                &["objectGUID"],
            )
            .await?;
        let mut groups = groups;
        for g in &mut groups {
            complete_members(self.conn(), g).await?;
        }
        Ok(accounts
            .into_iter()
            .filter_map(|e| mirrored(e, Kind::Account))
            .chain(groups.into_iter().filter_map(|e| mirrored(e, Kind::Group)))
            .collect())
    }

    async fn read_since(&self, since: &Marker) -> Result<Delta> {
        let usn: u64 =
            since.position.trim().parse().map_err(|_| {
                malformed("the mirror's marker", "highestCommittedUSN is not a number")
            })?;
        let next = usn + 1;
        let nc = self.naming_context().await?;
        // Changed since the marker, anywhere in the domain (an account moved out of the base is
        // then dropped). Locked accounts are read again by the caller (a lockout ends by time,
        // without a change of uSNChanged); asking for lockoutTime>=1 here would be an
        // unindexed search of the whole domain (1.3 s on 20,000 accounts).
        // Where the bind account may see deleted objects, the deletions come in the same search
        // (one scan of the uSNChanged index instead of two: each is ~0.2 s on a 20,000-account
        // Samba, even when nothing changed); a deleted object keeps its objectClass and GUID.
        let deletions = self.deletions().await?;
        let show = deletions == Deletions::ShowDeleted;
        let filter = format!(
            "(&(uSNChanged>={next})(|{}{PERSON}(objectClass=group)(objectClass=msDS-PasswordSettings)(objectClass=domainDNS)))",
            if show { "(isDeleted=TRUE)" } else { "" }
        );
        let mut attrs = self.all_attrs();
        if show {
            attrs.push("isDeleted");
        }
        let controls = if show { vec![show_deleted()] } else { vec![] };
        let found = self
            .conn()
            .search_with(
                &nc,
                Scope::Subtree,
                &filter,
                &attrs,
                &controls,
                &["objectGUID"],
            )
            .await?;
        let mut delta = Delta::default();
        for mut e in found {
            if show
                && e.first("isDeleted")
                    .is_some_and(|v| v.eq_ignore_ascii_case("TRUE"))
            {
                delta.deleted.extend(e.text("objectGUID"));
                continue;
            }
            let inside = super::super::sync::under(&e.dn, &self.base_dn);
            match class_of(&e) {
                Class::Policy => {
                    let changed = e
                        .int("uSNChanged")
                        .ok()
                        .flatten()
                        .is_some_and(|u| u >= next as i64);
                    if changed && delta.needs_full.is_none() {
                        delta.needs_full = Some(format!(
                            "{} changed (password policy): the computed password expiry of every account may have moved",
                            e.dn
                        ));
                    }
                }
                Class::Account | Class::Group if !inside => {
                    if let Some(id) = e.text("objectGUID") {
                        delta.deleted.push(id);
                    }
                }
                Class::Account => delta.changed.extend(mirrored(e, Kind::Account)),
                Class::Group => {
                    complete_members(self.conn(), &mut e).await?;
                    delta.changed.extend(mirrored(e, Kind::Group))
                }
                Class::Other => {}
            }
        }
        match deletions {
            Deletions::ShowDeleted => {}
            Deletions::CompareDns => {
                let mut live: HashSet<String> = self.dns_of(PERSON).await?.into_iter().collect();
                live.extend(self.dns_of("(objectClass=group)").await?);
                delta.live_dns = Some(live);
            }
        }
        Ok(delta)
    }

    async fn reread(&self, dns: &[String]) -> Result<Vec<Mirrored>> {
        let mut out = Vec::new();
        for dn in dns {
            let found = match self
                .conn()
                .search_with(
                    dn,
                    Scope::Base,
                    PERSON,
                    &self.mirror_attrs(),
                    &[],
                    &["objectGUID"],
                )
                .await
            {
                Ok(v) => v,
                Err(Error::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            out.extend(found.into_iter().filter_map(|e| mirrored(e, Kind::Account)));
        }
        Ok(out)
    }

    async fn listing(
        &self,
        accounts: Vec<Entry>,
        _groups: &[Entry],
        query: &AccountQuery,
    ) -> Result<Listing> {
        let ctx = self.ctx();
        let mut listing = finish_listing(&accounts, |e| to_account(e, &ctx), query.role.as_deref());
        if !query.with_policy {
            // A direct read asks for msDS-ResultantPSO only with_policy; give the same answer.
            for a in &mut listing.accounts {
                a.policy = None;
            }
        }
        Ok(listing)
    }

    fn text_attrs(&self) -> Vec<String> {
        ["sAMAccountName", "displayName", "givenName", "sn", "cn"]
            .iter()
            .map(|s| s.to_string())
            .chain([self.mis_attr.clone()])
            .collect()
    }

    fn who_when_attrs(&self) -> (&'static str, Option<&'static str>) {
        ("whenChanged", None)
    }
}

#[cfg(test)]
mod tests {
    use super::next_range;

    #[test]
    fn ranges_go_on_until_a_star() {
        assert_eq!(next_range("member;range=0-1499"), Some(1500));
        assert_eq!(next_range("member;range=1500-2999"), Some(3000));
        assert_eq!(next_range("member;range=3000-*"), None);
        assert_eq!(next_range("member;range=junk"), None);
        assert_eq!(next_range("member;range=0-18446744073709551615"), None);
    }
}
