//! OpenLDAP change tracking for the mirror: the suffix's `contextCSN` (kept by the syncprov
//! overlay; without it the newest `entryCSN` the mirror saw) and each entry's `entryCSN`.
//!
//! A delta is one light search of every account and group asking only for `entryUUID` and
//! `entryCSN` ([`Delta::stamps`]): the mirror reads again, by `entryUUID`, only the entries it
//! does not hold with that id, DN and stamp, and drops those no longer there (deletions: slapd
//! without accesslog has no other way to tell them). Comparing every stamp needs no overlap
//! and no trust in the order CSNs arrive in: an earlier `entryCSN>=` search of the marker less
//! 5 minutes re-read (in full) everything changed in those minutes, e.g. all 20,000 accounts
//! of a directory loaded just before, and still had to list every DN for the deletions.
//!
//! ldap3 0.12 has the RFC 4533 content-synchronisation control (`SyncRequest`), but it needs
//! the syncprov overlay on the server, which a plain slapd (and the test servers) lack; the
//! stamp search works on any slapd.

use super::super::attrs::Entry;
use super::super::escape::filter_value;
use super::super::sync::{ChangeSource, Deletions, Delta, Kind, Marker, Mirrored, Stamped};
use super::super::Listing;
use super::{OpenLdap, GROUP_FILTER, PERSON_FILTER};
use crate::domain::account::AccountQuery;
use crate::error::{Error, Result};
use async_trait::async_trait;
use ldap3::Scope;
use std::collections::HashSet;

const STAMP_ATTRS: &[&str] = &["entryUUID", "entryCSN", "modifyTimestamp", "modifiersName"];
const GROUP_ATTRS: &[&str] = &["cn", "member", "uniqueMember", "memberUid"];

/// Entries read again by `entryUUID` in one search.
const IDS_PER_SEARCH: usize = 100;

fn mirrored(e: Entry, kind: Kind) -> Option<Mirrored> {
    let Some(id) = e.text("entryUUID") else {
        tracing::warn!("{} has no entryUUID; it is left out of the mirror", e.dn);
        return None;
    };
    Some(Mirrored {
        id,
        kind,
        stamp: e.text("entryCSN").unwrap_or_default(),
        entry: e,
    })
}

impl OpenLdap {
    fn mirror_attrs(&self) -> Vec<&str> {
        let mut a = self.attrs();
        a.extend(STAMP_ATTRS);
        a
    }

    fn group_attrs() -> Vec<&'static str> {
        GROUP_ATTRS.iter().chain(STAMP_ATTRS).copied().collect()
    }

    async fn entries(&self, filter: &str, attrs: &[&str], kind: Kind) -> Result<Vec<Mirrored>> {
        Ok(self
            .conn
            .search(&self.base_dn, Scope::Subtree, filter, attrs)
            .await?
            .into_iter()
            .filter_map(|e| mirrored(e, kind))
            .collect())
    }
}

#[async_trait]
impl ChangeSource for OpenLdap {
    async fn marker(&self) -> Result<Marker> {
        let suffix = self
            .conn
            .read(&self.base_dn, &["entryUUID", "contextCSN"])
            .await?
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "\"{}\" does not exist in the directory; check base_dn in [directory]",
                    self.base_dn
                ))
            })?;
        Ok(Marker {
            identity: suffix.text("entryUUID").unwrap_or_default(),
            invocation: String::new(),
            position: suffix
                .all("contextCSN")
                .iter()
                .max()
                .cloned()
                .unwrap_or_default(),
        })
    }

    async fn deletions(&self) -> Result<Deletions> {
        Ok(Deletions::CompareDns)
    }

    async fn read_all(&self) -> Result<Vec<Mirrored>> {
        let mut all = self
            .entries(PERSON_FILTER, &self.mirror_attrs(), Kind::Account)
            .await?;
        all.extend(
            self.entries(GROUP_FILTER, &Self::group_attrs(), Kind::Group)
                .await?,
        );
        Ok(all)
    }

    async fn read_since(&self, _since: &Marker) -> Result<Delta> {
        let mut stamps = Vec::new();
        let mut live = HashSet::new();
        for (filter, kind) in [(PERSON_FILTER, Kind::Account), (GROUP_FILTER, Kind::Group)] {
            let found = self
                .conn
                .search(
                    &self.base_dn,
                    Scope::Subtree,
                    filter,
                    &["entryUUID", "entryCSN"],
                )
                .await?;
            for e in found {
                // Without an entryUUID it is not mirrored (as a full read leaves it out).
                let Some(id) = e.text("entryUUID") else {
                    continue;
                };
                live.insert(e.dn.to_lowercase());
                stamps.push(Stamped {
                    kind,
                    id,
                    stamp: e.text("entryCSN").unwrap_or_default(),
                    dn: e.dn,
                });
            }
        }
        Ok(Delta {
            newest_stamp: stamps.iter().map(|s| s.stamp.clone()).max(),
            changed: vec![],
            deleted: vec![],
            live_dns: Some(live),
            needs_full: None,
            stamps: Some(stamps),
        })
    }

    async fn reread_ids(&self, ids: &[(Kind, String)]) -> Result<Vec<Mirrored>> {
        let mut out = Vec::new();
        for (kind, filter, attrs) in [
            (Kind::Account, PERSON_FILTER, self.mirror_attrs()),
            (Kind::Group, GROUP_FILTER, Self::group_attrs()),
        ] {
            let of_kind: Vec<&String> = ids
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| id)
                .collect();
            for chunk in of_kind.chunks(IDS_PER_SEARCH) {
                let any: String = chunk
                    .iter()
                    .map(|id| format!("(entryUUID={})", filter_value(id)))
                    .collect();
                out.extend(
                    self.entries(&format!("(&{filter}(|{any}))"), &attrs, kind)
                        .await?,
                );
            }
        }
        Ok(out)
    }

    async fn reread(&self, dns: &[String]) -> Result<Vec<Mirrored>> {
        let mut out = Vec::new();
        for dn in dns {
            match self
                .conn
                .search(dn, Scope::Base, PERSON_FILTER, &self.mirror_attrs())
                .await
            {
                Ok(v) => out.extend(v.into_iter().filter_map(|e| mirrored(e, Kind::Account))),
                Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    async fn listing(
        &self,
        accounts: Vec<Entry>,
        _groups: &[Entry],
        query: &AccountQuery,
    ) -> Result<Listing> {
        // The groups are read from the directory, not taken from the mirror: an account's
        // groups come in the directory's order (the mirror keeps none), as a full read gives.
        self.map_entries(accounts, query.role.as_deref()).await
    }

    fn text_attrs(&self) -> Vec<String> {
        ["uid", "cn", "displayName", "givenName", "sn"]
            .iter()
            .map(|s| s.to_string())
            .chain([self.mis_attr.clone()])
            .collect()
    }

    fn who_when_attrs(&self) -> (&'static str, Option<&'static str>) {
        ("modifyTimestamp", Some("modifiersName"))
    }
}
