//! Who the directory itself makes privileged, read by identity (SIDs, RIDs, group nesting),
//! not by name. Each flavour fills a [`Privileged`] set once per run
//! ([`super::Directory::privileged`]); `ops::protect` decides from it.

use super::demo::dn_key;
use std::collections::{HashMap, HashSet, VecDeque};

/// Why the directory marks an account privileged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Privilege {
    /// A well-known account of the domain, by RID ("the built-in Administrator (RID 500)").
    WellKnown(String),
    /// A member of a privileged group: directly, through nested groups or as its primary group.
    Member {
        /// The privileged group's name.
        group: String,
        /// How, when not direct: "through Helpdesk", "as its primary group".
        via: Option<String>,
        /// The group is one of the directory's own privileged groups (by SID), not one the
        /// configuration names.
        builtin: bool,
    },
    /// `adminCount=1`: the directory has treated it as an administrator.
    AdminCount,
}

/// A group that is privileged, or nested (at any depth) into one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegedGroup {
    /// Its name.
    pub name: String,
    /// The privileged group it leads to (its own name when it is one).
    pub root: String,
    /// That group is one of the directory's own privileged groups (by SID).
    pub builtin: bool,
}

/// The privileged accounts and groups of a directory, by DN ([`dn_key`]).
#[derive(Debug, Clone, Default)]
pub struct Privileged {
    accounts: HashMap<String, Vec<Privilege>>,
    groups: HashMap<String, PrivilegedGroup>,
}

impl Privileged {
    /// Why the account at `dn` is privileged (empty when it is not).
    pub fn account(&self, dn: &str) -> &[Privilege] {
        self.accounts
            .get(&dn_key(dn))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The group at `dn`, when it is privileged or nested into a privileged group.
    pub fn group(&self, dn: &str) -> Option<&PrivilegedGroup> {
        self.groups.get(&dn_key(dn))
    }

    /// Adds a reason for the account at `dn` (once).
    pub fn add_account(&mut self, dn: &str, why: Privilege) {
        let v = self.accounts.entry(dn_key(dn)).or_default();
        if !v.contains(&why) {
            v.push(why);
        }
    }

    /// Marks the group at `dn` privileged (the first reason found stays).
    pub fn add_group(&mut self, dn: &str, g: PrivilegedGroup) {
        self.groups.entry(dn_key(dn)).or_insert(g);
    }

    /// The privileged accounts (DN keys).
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Every privileged or nested group, for callers that list them.
    pub fn groups(&self) -> impl Iterator<Item = &PrivilegedGroup> {
        self.groups.values()
    }
}

/// A group and its direct members (DNs), as read from the directory.
#[derive(Debug, Clone, Default)]
pub struct GroupNode {
    /// DN.
    pub dn: String,
    /// Name (CN).
    pub name: String,
    /// Member DNs (accounts and groups).
    pub members: Vec<String>,
}

/// Follows member → group → group from each root (DN, builtin) through `groups`: every group
/// reached is privileged (nested), every other member an account that is privileged. Cycles
/// are followed once.
pub fn nest(out: &mut Privileged, groups: &[GroupNode], roots: &[(String, bool)]) {
    let by_key: HashMap<String, &GroupNode> = groups.iter().map(|g| (dn_key(&g.dn), g)).collect();
    for (root_dn, builtin) in roots {
        let rk = dn_key(root_dn);
        let Some(root) = by_key.get(&rk) else {
            continue;
        };
        let root_name = root.name.clone();
        out.add_group(
            root_dn,
            PrivilegedGroup {
                name: root_name.clone(),
                root: root_name.clone(),
                builtin: *builtin,
            },
        );
        let mut seen: HashSet<String> = HashSet::from([rk.clone()]);
        let mut queue: VecDeque<&GroupNode> = VecDeque::from([*root]);
        while let Some(g) = queue.pop_front() {
            for m in &g.members {
                let mk = dn_key(m);
                if let Some(sub) = by_key.get(&mk) {
                    if seen.insert(mk) {
                        out.add_group(
                            &sub.dn,
                            PrivilegedGroup {
                                name: sub.name.clone(),
                                root: root_name.clone(),
                                builtin: *builtin,
                            },
                        );
                        queue.push_back(sub);
                    }
                } else {
                    let via = (dn_key(&g.dn) != rk).then(|| format!("through {}", g.name));
                    out.add_account(
                        m,
                        Privilege::Member {
                            group: root_name.clone(),
                            via,
                            builtin: *builtin,
                        },
                    );
                }
            }
        }
    }
}

/// True when `seed` (a name or a DN from the configuration) names the group `dn` called `name`.
pub fn seed_names(seed: &str, dn: &str, name: &str) -> bool {
    let seed = seed.trim();
    if seed.contains('=') {
        dn_key(seed) == dn_key(dn)
    } else {
        seed.eq_ignore_ascii_case(name)
            || seed.eq_ignore_ascii_case(&super::escape::first_rdn_value(dn))
    }
}

/// A binary SID (as lower-case hex) in its string form (`S-1-5-21-…`).
pub fn sid_from_hex(hex: &str) -> Option<String> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()?;
    let rev = *bytes.first()?;
    let count = usize::from(*bytes.get(1)?);
    let auth = bytes
        .get(2..8)?
        .iter()
        .fold(0u64, |a, b| (a << 8) | u64::from(*b));
    let mut s = format!("S-{rev}-{auth}");
    for i in 0..count {
        let at = 8 + i * 4;
        let sub = bytes.get(at..at + 4)?;
        let v = u32::from_le_bytes([sub[0], sub[1], sub[2], sub[3]]);
        s.push_str(&format!("-{v}"));
    }
    Some(s)
}

/// The RID (last part) of a string SID.
pub fn rid(sid: &str) -> Option<u32> {
    sid.rsplit_once('-').and_then(|(_, r)| r.parse().ok())
}

/// The domain part of an account's or group's SID (without its RID).
pub fn domain_of(sid: &str) -> Option<&str> {
    sid.rsplit_once('-').map(|(d, _)| d)
}

/// The builtin privileged groups, by SID: Administrators, Account, Server, Print and Backup
/// Operators.
pub const BUILTIN_PRIVILEGED: &[&str] = &[
    "S-1-5-32-544",
    "S-1-5-32-548",
    "S-1-5-32-549",
    "S-1-5-32-550",
    "S-1-5-32-551",
];

/// The domain's privileged groups, by RID: Domain Admins, Schema Admins, Enterprise Admins,
/// Group Policy Creator Owners, Key Admins, Enterprise Key Admins.
pub const DOMAIN_PRIVILEGED_RIDS: &[u32] = &[512, 518, 519, 520, 526, 527];

/// What the well-known account with this RID is, if it is one.
pub fn well_known(rid: u32) -> Option<&'static str> {
    match rid {
        500 => Some("the domain's built-in Administrator (RID 500)"),
        501 => Some("the domain's built-in Guest (RID 501)"),
        502 => Some("the domain's Kerberos account krbtgt (RID 502)"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_read_from_binary() {
        // S-1-5-32-544 (Administrators), as Samba sends it.
        assert_eq!(
            sid_from_hex("01020000000000052000000020020000").as_deref(),
            Some("S-1-5-32-544")
        );
        let admin = sid_from_hex("010500000000000515000000cddcb51d68f38226fbf60157f4010000");
        assert_eq!(
            admin.as_deref(),
            Some("S-1-5-21-498457805-646116200-1459746555-500")
        );
        assert_eq!(admin.as_deref().and_then(rid), Some(500));
        assert_eq!(sid_from_hex("0105"), None);
        assert_eq!(sid_from_hex("zz"), None);
    }

    #[test]
    fn nesting_is_followed_with_the_path_named() {
        let g = |dn: &str, name: &str, m: &[&str]| GroupNode {
            dn: dn.into(),
            name: name.into(),
            members: m.iter().map(|s| s.to_string()).collect(),
        };
        let groups = vec![
            g(
                "cn=DA,dc=t",
                "Domain Admins",
                &["cn=Helpdesk,dc=t", "uid=boss,dc=t"],
            ),
            g(
                "cn=Helpdesk,dc=t",
                "Helpdesk",
                &["cn=Inner,dc=t", "uid=tech,dc=t"],
            ),
            g("cn=Inner,dc=t", "Inner", &["cn=DA,dc=t", "uid=pupil,dc=t"]),
            g("cn=Pupils,dc=t", "Pupils", &["uid=pupil2,dc=t"]),
        ];
        let mut p = Privileged::default();
        nest(&mut p, &groups, &[("CN=DA,DC=t".into(), true)]);
        assert_eq!(
            p.account("uid=boss,dc=t"),
            [Privilege::Member {
                group: "Domain Admins".into(),
                via: None,
                builtin: true
            }]
        );
        assert!(matches!(
            p.account("UID=pupil,DC=t"),
            [Privilege::Member { via: Some(v), .. }] if v == "through Inner"
        ));
        assert_eq!(
            p.group("cn=inner,dc=t").map(|g| g.root.as_str()),
            Some("Domain Admins")
        );
        assert!(p.account("uid=pupil2,dc=t").is_empty());
        assert!(p.group("cn=Pupils,dc=t").is_none());
    }
}
