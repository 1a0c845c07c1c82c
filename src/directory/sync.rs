//! Change tracking for the local mirror (`ops::mirror`): the directory's change marker, every
//! account and group entry with a stable id and a change stamp, and the entries changed since a
//! marker. Active Directory: `highestCommittedUSN` / `uSNChanged` of one DC, that DC's
//! `dsServiceName` and `invocationId`, deletions through the Show Deleted control. OpenLDAP:
//! `contextCSN` / `entryCSN`, the suffix's `entryUUID`, deletions by comparing the DN set.

use super::attrs::Entry;
use crate::domain::account::AccountQuery;
use crate::error::Result;
use async_trait::async_trait;
use std::collections::HashSet;

/// What an entry in the mirror is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A person account.
    Account,
    /// A group.
    Group,
}

impl Kind {
    /// The word stored in the mirror.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::Group => "group",
        }
    }

    /// From the stored word.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "account" => Some(Kind::Account),
            "group" => Some(Kind::Group),
            _ => None,
        }
    }
}

/// Where the directory's changes stand.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Marker {
    /// Which server holds the numbering: AD `dsServiceName` (the DC's NTDS Settings DN);
    /// OpenLDAP the suffix entry's `entryUUID` (a rebuilt database gets a new one).
    pub identity: String,
    /// AD `invocationId` of that DC (hex; a restored DC gets a new one); empty on OpenLDAP.
    pub invocation: String,
    /// AD `highestCommittedUSN` (decimal); OpenLDAP the newest `contextCSN`, or empty when the
    /// server keeps none (no syncprov overlay).
    pub position: String,
}

/// One entry as the mirror keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mirrored {
    /// Stable id: AD `objectGUID` (hex), OpenLDAP `entryUUID`.
    pub id: String,
    /// Account or group.
    pub kind: Kind,
    /// Change stamp: AD `uSNChanged`, OpenLDAP `entryCSN`.
    pub stamp: String,
    /// The entry with the attributes schooltech reads.
    pub entry: Entry,
}

/// What changed since a marker.
#[derive(Debug, Clone, Default)]
pub struct Delta {
    /// Accounts and groups changed (or created, or moved) since the marker, inside the base.
    pub changed: Vec<Mirrored>,
    /// Ids of entries deleted since the marker (AD Show Deleted), or moved out of the base.
    pub deleted: Vec<String>,
    /// The DNs (lower-cased) of every live account and group, when deletions are found by
    /// comparing (OpenLDAP, or AD without the right to see deleted objects).
    pub live_dns: Option<HashSet<String>>,
    /// Set when something changed that a delta cannot follow (AD: a password settings
    /// object or the domain's own policy): the mirror must be read again in full.
    pub needs_full: Option<String>,
    /// The newest stamp seen among the changed entries (OpenLDAP without contextCSN).
    pub newest_stamp: Option<String>,
    /// Every live account and group with its stable id and change stamp, when the source
    /// compares stamps rather than searching by them (OpenLDAP): the mirror reads again, by
    /// id ([`ChangeSource::reread_ids`]), those it does not hold with that id, DN and stamp,
    /// and adds them to `changed`.
    pub stamps: Option<Vec<Stamped>>,
}

/// A live entry's stable id and change stamp (see [`Delta::stamps`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    /// Account or group.
    pub kind: Kind,
    /// Stable id.
    pub id: String,
    /// DN, as the directory gives it.
    pub dn: String,
    /// Change stamp.
    pub stamp: String,
}

/// How deletions are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletions {
    /// AD: deleted objects through the Show Deleted control (1.2.840.113556.1.4.417).
    ShowDeleted,
    /// The DN set of a cheap attribute-less search (`1.1`) compared with the mirror.
    CompareDns,
}

impl Deletions {
    /// In words, for `doctor` and the log.
    pub fn describe(self) -> &'static str {
        match self {
            Deletions::ShowDeleted => {
                "deleted objects through the Show Deleted control (isDeleted=TRUE, matched by objectGUID)"
            }
            Deletions::CompareDns => {
                "comparing the mirror with a light search of every account and group (attribute-less 1.1 on AD; entryUUID and entryCSN on OpenLDAP, so only what changed is read again)"
            }
        }
    }
}

/// A directory flavour that can keep a mirror fresh by deltas.
#[async_trait]
pub trait ChangeSource: Send + Sync {
    /// Where the directory's changes stand now.
    async fn marker(&self) -> Result<Marker>;
    /// How deletions are found with this bind account.
    async fn deletions(&self) -> Result<Deletions>;
    /// Every account and group, for a full read of the mirror.
    async fn read_all(&self) -> Result<Vec<Mirrored>>;
    /// What changed since `since` (a marker of this same directory, identity and invocation
    /// already checked).
    async fn read_since(&self, since: &Marker) -> Result<Delta>;
    /// Reads these entries again by DN (accounts whose group membership changed: a member
    /// added to a group changes the group's stamp, not the account's). Missing ones are left out.
    async fn reread(&self, dns: &[String]) -> Result<Vec<Mirrored>>;
    /// Reads these entries again by stable id, each as the kind given (entries a stamp
    /// comparison found changed, see [`Delta::stamps`]). Missing ones are left out.
    async fn reread_ids(&self, ids: &[(Kind, String)]) -> Result<Vec<Mirrored>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        Err(crate::error::Error::Usage(
            "this directory cannot read entries again by stable id".into(),
        ))
    }
    /// Accounts from mirrored account entries (and every mirrored group, for memberships a
    /// flavour reads from the groups), as `search_accounts` would give them for `query`'s role
    /// and policy needs (the caller filters by OU, text and disabled).
    async fn listing(
        &self,
        accounts: Vec<Entry>,
        groups: &[Entry],
        query: &AccountQuery,
    ) -> Result<super::Listing>;
    /// Attributes a free-text search looks in (as the flavour's search filter does).
    fn text_attrs(&self) -> Vec<String>;
    /// Attributes saying when / by whom an entry last changed, as far as the directory tells.
    fn who_when_attrs(&self) -> (&'static str, Option<&'static str>);
}

/// True when `dn` is `base` or below it (case-insensitive, spaces after commas ignored).
pub fn under(dn: &str, base: &str) -> bool {
    let n = |s: &str| {
        s.split(',')
            .map(|p| p.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(",")
    };
    let (d, b) = (n(dn), n(base));
    d == b || d.ends_with(&format!(",{b}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_the_base() {
        assert!(under("CN=a,OU=x,DC=s,DC=t", "dc=s, dc=t"));
        assert!(under("DC=s,DC=t", "DC=s,DC=t"));
        assert!(!under("CN=a,DC=xs,DC=t", "DC=s,DC=t"));
    }
}
