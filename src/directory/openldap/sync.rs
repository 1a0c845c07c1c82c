//! OpenLDAP change tracking for the mirror: the suffix's `contextCSN` (kept by the syncprov
//! overlay; without it the newest `entryCSN` the mirror saw) and each entry's `entryCSN`,
//! searched with `entryCSN>=` the marker less an overlap (CSNs of other providers in a
//! multi-provider setup may arrive late). Deletions: the DN set of an attribute-less (`1.1`)
//! search compared with the mirror.
//!
//! ldap3 0.12 has the RFC 4533 content-synchronisation control (`SyncRequest`), but it needs
//! the syncprov overlay on the server, which a plain slapd (and the test servers) lack; the
//! `entryCSN` search works on any slapd.

use super::super::attrs::{parse_generalized_time, Entry};
use super::super::sync::{ChangeSource, Deletions, Delta, Kind, Marker, Mirrored};
use super::super::Listing;
use super::{OpenLdap, GROUP_FILTER, PERSON_FILTER};
use crate::domain::account::AccountQuery;
use crate::error::{Error, Result};
use async_trait::async_trait;
use chrono::Duration;
use ldap3::Scope;
use std::collections::HashSet;

/// How far back from the marker a delta looks again.
pub const OVERLAP_S: i64 = 300;

const STAMP_ATTRS: &[&str] = &["entryUUID", "entryCSN", "modifyTimestamp", "modifiersName"];
const GROUP_ATTRS: &[&str] = &["cn", "member", "uniqueMember", "memberUid"];

/// The `entryCSN>=` value for a marker: its time less the overlap.
pub fn csn_floor(csn: &str, overlap_s: i64) -> Option<String> {
    let ts = csn.get(..14)?;
    let t = parse_generalized_time(&format!("{ts}Z"))?;
    let back = t.checked_sub_signed(Duration::try_seconds(overlap_s)?)?;
    Some(format!(
        "{}.000000Z#000000#000#000000",
        back.format("%Y%m%d%H%M%S")
    ))
}

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

    async fn dns_of(&self, filter: &str) -> Result<Vec<String>> {
        Ok(self
            .conn
            .search(&self.base_dn, Scope::Subtree, filter, &["1.1"])
            .await?
            .into_iter()
            .map(|e| e.dn.to_lowercase())
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

    async fn read_since(&self, since: &Marker) -> Result<Delta> {
        let floor = csn_floor(&since.position, OVERLAP_S).ok_or_else(|| Error::Directory {
            code: 0,
            doing: "read the mirror's marker".into(),
            reason: format!("\"{}\" is not an entryCSN", since.position),
        })?;
        let mut changed = self
            .entries(
                &format!("(&{PERSON_FILTER}(entryCSN>={floor}))"),
                &self.mirror_attrs(),
                Kind::Account,
            )
            .await?;
        changed.extend(
            self.entries(
                &format!("(&{GROUP_FILTER}(entryCSN>={floor}))"),
                &Self::group_attrs(),
                Kind::Group,
            )
            .await?,
        );
        let mut live: HashSet<String> = self.dns_of(PERSON_FILTER).await?.into_iter().collect();
        live.extend(self.dns_of(GROUP_FILTER).await?);
        Ok(Delta {
            newest_stamp: changed.iter().map(|m| m.stamp.clone()).max(),
            changed,
            deleted: vec![],
            live_dns: Some(live),
            needs_full: None,
        })
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

    async fn listing(&self, accounts: Vec<Entry>, query: &AccountQuery) -> Result<Listing> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_is_the_marker_less_the_overlap() {
        assert_eq!(
            csn_floor("20261201113000.123456Z#000000#000#000000", 300).as_deref(),
            Some("20261201112500.000000Z#000000#000#000000")
        );
        assert_eq!(csn_floor("junk", 300), None);
    }
}
