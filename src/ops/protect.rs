//! Protected accounts, groups and OUs (`[protect]`): the domain's own accounts, the account
//! schooltech binds as, privileged groups and their members. Every changing service in `ops`
//! asks [`Protection`] before it journals anything, so the CLI, the TUI, bulk actions, imports and
//! the leaver sweep all refuse the same targets for the same reason.

use super::Ctx;
use crate::directory::escape::{first_rdn_value, split_dn};
use crate::directory::Group;
use crate::domain::account::{Account, NewAccount};
use crate::domain::roles::absolute;
use crate::error::Error;
use std::fmt;

/// Why an account or group is protected: the rule, and what matched it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "rule", content = "matched", rename_all = "snake_case")]
pub enum ProtectedReason {
    /// Named in `[protect] accounts`.
    Account(String),
    /// It is the account schooltech binds as (`[directory] bind_dn`).
    BindAccount(String),
    /// A member of a protected group (its name).
    MemberOf(String),
    /// Inside a protected OU (its DN).
    InOu(String),
    /// The group itself is protected (`[protect] groups` or the admin role's groups).
    Group(String),
}

impl fmt::Display for ProtectedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtectedReason::Account(a) => {
                write!(f, "{a} is a protected account ([protect] accounts)")
            }
            ProtectedReason::BindAccount(dn) => write!(
                f,
                "it is the account schooltech binds as ({dn}); it is always protected"
            ),
            ProtectedReason::MemberOf(g) => write!(
                f,
                "it is a member of the protected group \"{g}\" ([protect] groups)"
            ),
            ProtectedReason::InOu(ou) => {
                write!(f, "it is in the protected OU {ou} ([protect] ous)")
            }
            ProtectedReason::Group(g) => write!(
                f,
                "\"{g}\" is a protected group ([protect] groups); adding to it needs --allow-protected"
            ),
        }
    }
}

/// The protection rules in force: `[protect]`, the bind account and the admin role's groups.
#[derive(Debug, Clone, Default)]
pub struct Protection {
    accounts: Vec<String>,
    bind_dn: String,
    groups: Vec<String>,
    ous: Vec<String>,
}

/// A DN compared without regard to case or spaces around `,` and `=`.
pub fn norm_dn(dn: &str) -> String {
    split_dn(dn)
        .into_iter()
        .map(|rdn| match rdn.split_once('=') {
            Some((k, v)) => format!("{}={}", k.trim(), v.trim()),
            None => rdn.trim().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

fn is_dn(s: &str) -> bool {
    s.contains('=')
}

impl Protection {
    /// The rules for this context's configuration.
    pub fn from_ctx(ctx: &Ctx) -> Protection {
        let base = ctx.dir.base_dn().to_string();
        let p = &ctx.config.protect;
        let mut groups: Vec<String> = p.groups.iter().map(|g| g.trim().to_string()).collect();
        if let Some(admin) = ctx.config.directory.roles.0.get("admin") {
            groups.extend(admin.groups.iter().map(|g| g.trim().to_string()));
        }
        Protection {
            accounts: p.accounts.iter().map(|a| a.trim().to_string()).collect(),
            bind_dn: ctx.config.directory.bind_dn.trim().to_string(),
            groups: groups.into_iter().filter(|g| !g.is_empty()).collect(),
            ous: p
                .ous
                .iter()
                .filter(|o| !o.trim().is_empty())
                .map(|o| norm_dn(&absolute(o.trim(), &base)))
                .collect(),
        }
    }

    /// Why `account` must not be changed, if it must not.
    pub fn check(&self, account: &Account) -> Option<ProtectedReason> {
        let dn = norm_dn(&account.dn);
        if let Some(a) = self.accounts.iter().find(|a| {
            if is_dn(a) {
                norm_dn(a) == dn
            } else {
                a.eq_ignore_ascii_case(&account.username)
            }
        }) {
            return Some(ProtectedReason::Account(a.clone()));
        }
        if self.is_bind_account(account) {
            return Some(ProtectedReason::BindAccount(self.bind_dn.clone()));
        }
        for (i, gdn) in account.group_dns.iter().enumerate() {
            let name = account
                .groups
                .get(i)
                .cloned()
                .unwrap_or_else(|| first_rdn_value(gdn));
            let g = Group {
                dn: gdn.clone(),
                name,
            };
            if self.check_group(&g).is_some() {
                return Some(ProtectedReason::MemberOf(g.name));
            }
        }
        if account.group_dns.is_empty() {
            for name in &account.groups {
                if self
                    .groups
                    .iter()
                    .any(|p| !is_dn(p) && p.eq_ignore_ascii_case(name))
                {
                    return Some(ProtectedReason::MemberOf(name.clone()));
                }
            }
        }
        self.ou_of(&dn).map(ProtectedReason::InOu)
    }

    /// True when `account` is the one schooltech binds as. A bind name may be a DN, a UPN
    /// (`user@realm`) or `DOMAIN\user`.
    pub fn is_bind_account(&self, account: &Account) -> bool {
        let b = &self.bind_dn;
        if b.is_empty() {
            return false;
        }
        if is_dn(b) {
            return norm_dn(b) == norm_dn(&account.dn);
        }
        let user = b
            .rsplit_once('\\')
            .map(|(_, u)| u)
            .unwrap_or(b)
            .split('@')
            .next()
            .unwrap_or(b);
        user.eq_ignore_ascii_case(&account.username)
    }

    /// Why `group` is protected, if it is: nobody is added to it without `--allow-protected`.
    pub fn check_group(&self, group: &Group) -> Option<ProtectedReason> {
        let dn = norm_dn(&group.dn);
        self.groups
            .iter()
            .any(|p| {
                if is_dn(p) {
                    norm_dn(p) == dn
                } else {
                    p.eq_ignore_ascii_case(&group.name)
                        || p.eq_ignore_ascii_case(&first_rdn_value(&group.dn))
                }
            })
            .then(|| ProtectedReason::Group(group.name.clone()))
    }

    /// Why a planned new account must not be made, if it must not: a protected name, a protected
    /// OU, or a protected group among its groups (unless `allow_protected`).
    pub fn check_new(&self, new: &NewAccount, allow_protected: bool) -> Option<ProtectedReason> {
        let probe = Account {
            username: new.username.clone(),
            dn: format!("uid={},{}", new.username, new.parent_dn),
            ..Default::default()
        };
        if let Some(r @ ProtectedReason::Account(_)) = self.check(&probe) {
            return Some(r);
        }
        if let Some(ou) = self.ou_of(&norm_dn(&probe.dn)) {
            return Some(ProtectedReason::InOu(ou));
        }
        if allow_protected {
            return None;
        }
        new.groups.iter().find_map(|g| {
            self.check_group(&Group {
                dn: g.clone(),
                name: first_rdn_value(g),
            })
        })
    }

    fn ou_of(&self, dn_n: &str) -> Option<String> {
        self.ous
            .iter()
            .find(|ou| dn_n.ends_with(&format!(",{ou}")))
            .cloned()
    }
}

/// The refusal for a protected target, naming the rule.
pub fn refusal(what: &str, target: &str, why: &ProtectedReason) -> Error {
    Error::Protected(format!(
        "refusing to {what} {target}: {why}. Nothing was changed"
    ))
}

/// Refuses when `account` is protected.
pub fn refuse(ctx: &Ctx, what: &str, account: &Account) -> crate::error::Result<()> {
    match Protection::from_ctx(ctx).check(account) {
        Some(why) => Err(refusal(what, &account.username, &why)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Protection {
        Protection {
            accounts: vec!["Administrator".into(), "krbtgt".into()],
            bind_dn: "CN=schooltech, OU=Service,DC=school,DC=test".into(),
            groups: vec![
                "Domain Admins".into(),
                "CN=IT Admins,OU=Groups,DC=school,DC=test".into(),
            ],
            ous: vec![norm_dn("OU=Service,DC=school,DC=test")],
        }
    }

    fn acct(user: &str, dn: &str, groups: &[(&str, &str)]) -> Account {
        Account {
            username: user.into(),
            dn: dn.into(),
            groups: groups.iter().map(|g| g.0.to_string()).collect(),
            group_dns: groups.iter().map(|g| g.1.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn each_rule_names_itself() {
        let p = rules();
        let admin = acct(
            "administrator",
            "CN=Administrator,CN=Users,DC=school,DC=test",
            &[],
        );
        assert_eq!(
            p.check(&admin),
            Some(ProtectedReason::Account("Administrator".into()))
        );
        let bind = acct("svc", "cn=SCHOOLTECH,ou=service,dc=school,dc=test", &[]);
        assert!(matches!(
            p.check(&bind),
            Some(ProtectedReason::BindAccount(_))
        ));
        let da = acct(
            "boss",
            "CN=Boss,OU=Staff,DC=school,DC=test",
            &[(
                "Domain Admins",
                "CN=Domain Admins,CN=Users,DC=school,DC=test",
            )],
        );
        assert_eq!(
            p.check(&da),
            Some(ProtectedReason::MemberOf("Domain Admins".into()))
        );
        let it = acct(
            "tech",
            "CN=Tech,OU=Staff,DC=school,DC=test",
            &[("IT Admins", "cn=it admins,ou=groups,dc=school,dc=test")],
        );
        assert!(p.check(&it).unwrap().to_string().contains("IT Admins"));
        let svc = acct("print", "CN=Print,OU=Service,DC=school,DC=test", &[]);
        assert!(matches!(p.check(&svc), Some(ProtectedReason::InOu(_))));
        let pupil = acct(
            "pupil1",
            "CN=Pupil One,OU=Pupils,DC=school,DC=test",
            &[("Pupils", "CN=Pupils,OU=Groups,DC=school,DC=test")],
        );
        assert_eq!(p.check(&pupil), None);
    }

    #[test]
    fn bind_names_that_are_not_dns() {
        let mut p = rules();
        p.bind_dn = "SCHOOL\\svc-st".into();
        assert!(p.is_bind_account(&acct("svc-st", "CN=x,DC=y", &[])));
        p.bind_dn = "svc-st@school.test".into();
        assert!(p.is_bind_account(&acct("SVC-ST", "CN=x,DC=y", &[])));
        assert!(!p.is_bind_account(&acct("other", "CN=x,DC=y", &[])));
    }

    #[test]
    fn new_accounts_in_protected_groups_need_allowing() {
        let p = rules();
        let new = NewAccount {
            username: "newbie".into(),
            parent_dn: "OU=Staff,DC=school,DC=test".into(),
            groups: vec!["CN=Domain Admins,CN=Users,DC=school,DC=test".into()],
            ..Default::default()
        };
        assert!(matches!(
            p.check_new(&new, false),
            Some(ProtectedReason::Group(_))
        ));
        assert_eq!(p.check_new(&new, true), None);
        let in_service = NewAccount {
            parent_dn: "OU=Service,DC=school,DC=test".into(),
            ..new
        };
        assert!(matches!(
            p.check_new(&in_service, true),
            Some(ProtectedReason::InOu(_))
        ));
    }
}
