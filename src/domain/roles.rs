//! Which role (pupil, staff, guest, admin, generic) an account has, from where it sits
//! in the directory and which groups it is in.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How one role is recognised in the directory, and where new accounts of it go.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRule {
    /// OUs (DNs, with or without the base DN) whose accounts have this role.
    #[serde(default)]
    pub ous: Vec<String>,
    /// Groups (DNs or CNs) whose members have this role.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Where new accounts of this role are created (defaults to the first of `ous`).
    #[serde(default)]
    pub create_in: Option<String>,
    /// Groups new accounts of this role join.
    #[serde(default)]
    pub default_groups: Vec<String>,
}

/// Role rules by role name. Empty means "guess from common OU names".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleMap(pub BTreeMap<String, RoleRule>);

/// The role names the program knows about, in display order.
pub const KNOWN_ROLES: [&str; 5] = ["pupil", "staff", "guest", "generic", "admin"];

/// OU names that mean a role when no `[directory.roles]` are configured.
const GUESSES: [(&str, &[&str]); 5] = [
    ("pupil", &["pupils", "students", "learners", "children"]),
    (
        "staff",
        &["staff", "teachers", "teaching staff", "support staff"],
    ),
    ("guest", &["supply", "supply staff", "guests", "visitors"]),
    ("generic", &["generic", "shared", "generic accounts"]),
    ("admin", &["admins", "administrators", "it admins"]),
];

fn norm(dn: &str) -> String {
    dn.split(',')
        .map(|p| p.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

fn first_value(rdn: &str) -> &str {
    rdn.split_once('=').map(|(_, v)| v).unwrap_or(rdn)
}

impl RoleMap {
    /// The role of an account at `dn` with group DNs `groups`, under `base_dn`.
    /// Configured OUs win over groups; an account in no configured OU or group has no role.
    pub fn role_for(&self, dn: &str, groups: &[String], base_dn: &str) -> Option<String> {
        let dn_n = norm(dn);
        let base_n = norm(base_dn);
        if self.0.is_empty() {
            return Self::guess(&dn_n);
        }
        let in_ou = |ou: &str| {
            let ou_n = norm(ou);
            let full = if ou_n.ends_with(&base_n) || base_n.is_empty() {
                ou_n
            } else {
                format!("{ou_n},{base_n}")
            };
            dn_n.ends_with(&format!(",{full}"))
        };
        // The most specific (longest) matching OU wins.
        let by_ou = self
            .0
            .iter()
            .flat_map(|(role, r)| {
                r.ous
                    .iter()
                    .filter(|o| in_ou(o))
                    .map(move |o| (o.len(), role))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, role)| role.clone());
        if by_ou.is_some() {
            return by_ou;
        }
        let groups_n: Vec<String> = groups.iter().map(|g| norm(g)).collect();
        self.0
            .iter()
            .find(|(_, r)| {
                r.groups.iter().any(|g| {
                    let g_n = norm(g);
                    groups_n.iter().any(|m| {
                        *m == g_n
                            || m.starts_with(&format!("{g_n},"))
                            || m.split(',').next().map(first_value) == Some(g_n.as_str())
                    })
                })
            })
            .map(|(role, _)| role.clone())
    }

    fn guess(dn_n: &str) -> Option<String> {
        // Walk from the account towards the root; the nearest OU with a known name decides.
        for rdn in dn_n.split(',').skip(1) {
            if let Some(name) = rdn.strip_prefix("ou=") {
                for (role, names) in GUESSES {
                    if names.contains(&name) {
                        return Some(role.to_string());
                    }
                }
            }
        }
        None
    }

    /// Where to create accounts of `role`, if known (absolute DN under `base_dn`).
    pub fn create_in(&self, role: &str, base_dn: &str) -> Option<String> {
        let r = self.0.get(role)?;
        let ou = r.create_in.as_ref().or(r.ous.first())?;
        Some(absolute(ou, base_dn))
    }

    /// Default groups for new accounts of `role`.
    pub fn default_groups(&self, role: &str) -> Vec<String> {
        self.0
            .get(role)
            .map(|r| r.default_groups.clone())
            .unwrap_or_default()
    }
}

/// Makes `dn` absolute under `base_dn` unless it already ends with it.
pub fn absolute(dn: &str, base_dn: &str) -> String {
    if base_dn.is_empty() || norm(dn).ends_with(&norm(base_dn)) {
        dn.to_string()
    } else {
        format!("{dn},{base_dn}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "DC=school,DC=test";

    #[test]
    fn guesses_from_common_ou_names() {
        let m = RoleMap::default();
        let r = |dn: &str| m.role_for(dn, &[], BASE);
        assert_eq!(
            r("CN=A B,OU=Year 7,OU=Pupils,OU=School,DC=school,DC=test").as_deref(),
            Some("pupil")
        );
        assert_eq!(
            r("CN=A,OU=Staff,OU=School,DC=school,DC=test").as_deref(),
            Some("staff")
        );
        assert_eq!(
            r("CN=A,OU=Supply,OU=School,DC=school,DC=test").as_deref(),
            Some("guest")
        );
        assert_eq!(
            r("uid=a,ou=Generic,ou=School,dc=school,dc=test").as_deref(),
            Some("generic")
        );
        assert_eq!(r("CN=Administrator,CN=Users,DC=school,DC=test"), None);
    }

    #[test]
    fn configured_ous_and_groups() {
        let mut map = BTreeMap::new();
        map.insert(
            "pupil".to_string(),
            RoleRule {
                ous: vec!["OU=Pupils,OU=School".into()],
                ..Default::default()
            },
        );
        map.insert(
            "admin".to_string(),
            RoleRule {
                groups: vec!["IT Admins".into()],
                ..Default::default()
            },
        );
        let m = RoleMap(map);
        assert_eq!(
            m.role_for(
                "CN=X,OU=Year 8,OU=Pupils,OU=School,DC=school,DC=test",
                &[],
                BASE
            )
            .as_deref(),
            Some("pupil")
        );
        assert_eq!(
            m.role_for(
                "CN=Y,CN=Users,DC=school,DC=test",
                &["CN=IT Admins,OU=Groups,DC=school,DC=test".into()],
                BASE
            )
            .as_deref(),
            Some("admin")
        );
        assert_eq!(
            m.role_for("CN=Z,CN=Users,DC=school,DC=test", &[], BASE),
            None
        );
        assert_eq!(
            m.create_in("pupil", BASE).as_deref(),
            Some("OU=Pupils,OU=School,DC=school,DC=test")
        );
    }
}
