//! Protected accounts, groups and OUs: the domain's own accounts and privileged groups as the
//! directory says (by SID, RID, nesting, primary group, `adminCount`), the account schooltech
//! binds as, the admin role's OUs and groups, and what `[protect]` adds. Every changing service
//! in `ops` asks [`Protection`] before it journals anything, so the CLI, the TUI, bulk actions,
//! imports, restore and the leaver sweep all refuse the same targets for the same reason, and
//! every refusal is an action-log row (`<action>.refused`, with the rule).

use super::Ctx;
use crate::config::ProtectConfig;
use crate::directory::escape::{first_rdn_value, split_dn};
use crate::directory::{Group, Privilege, Privileged};
use crate::domain::account::{Account, NewAccount};
use crate::domain::roles::{absolute, RoleMap};
use crate::error::Error;
use std::fmt;
use std::sync::Arc;

/// Why an account or group is protected: the rule, and what matched it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "rule", content = "matched", rename_all = "snake_case")]
pub enum ProtectedReason {
    /// Named in `[protect] accounts` (or the built-in names).
    Account(String),
    /// It is the account schooltech binds as (`[directory] bind_dn`).
    BindAccount(String),
    /// A member of a protected group (its name, and how when not direct).
    MemberOf(String),
    /// Inside a protected OU (its DN).
    InOu(String),
    /// The group itself is protected (`[protect] groups` or the admin role's groups).
    Group(String),
    /// A well-known account of the domain, by RID (what it is).
    WellKnown(String),
    /// A member (directly, nested or by primary group) of one of the directory's own
    /// privileged groups, found by its SID.
    PrivilegedGroup(String),
    /// `adminCount=1` (the username).
    AdminCount(String),
    /// It has the admin role (the username).
    AdminRole(String),
    /// The group is nested into a protected group ("Helpdesk (in Domain Admins)").
    NestedGroup(String),
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
                "it is a member of the protected group {g} ([protect] groups, the admin role's groups)"
            ),
            ProtectedReason::InOu(ou) => {
                write!(f, "it is in the protected OU {ou} ([protect] ous)")
            }
            ProtectedReason::Group(g) => write!(
                f,
                "\"{g}\" is a protected group ([protect] groups); adding to it needs --allow-protected"
            ),
            ProtectedReason::WellKnown(w) => {
                write!(f, "it is {w}; it is always protected")
            }
            ProtectedReason::PrivilegedGroup(g) => write!(
                f,
                "it is a member of the protected group {g}, a privileged group of the domain (by its SID)"
            ),
            ProtectedReason::AdminCount(u) => write!(
                f,
                "{u} has adminCount=1: the directory treats it as an administrator account"
            ),
            ProtectedReason::AdminRole(u) => write!(
                f,
                "{u} has the admin role ([directory.roles.admin]); admin accounts are protected"
            ),
            ProtectedReason::NestedGroup(g) => write!(
                f,
                "\"{g}\" is nested into a protected group; adding to it needs --allow-protected"
            ),
        }
    }
}

impl ProtectedReason {
    /// The rule's name, as in the JSON (`rule`) and the action log.
    pub fn rule(&self) -> &'static str {
        match self {
            ProtectedReason::Account(_) => "account",
            ProtectedReason::BindAccount(_) => "bind_account",
            ProtectedReason::MemberOf(_) => "member_of",
            ProtectedReason::InOu(_) => "in_ou",
            ProtectedReason::Group(_) => "group",
            ProtectedReason::WellKnown(_) => "well_known",
            ProtectedReason::PrivilegedGroup(_) => "privileged_group",
            ProtectedReason::AdminCount(_) => "admin_count",
            ProtectedReason::AdminRole(_) => "admin_role",
            ProtectedReason::NestedGroup(_) => "nested_group",
        }
    }
}

/// Group names that are the admin role's when no `[directory.roles]` are configured (roles are
/// then guessed from OU names, and these groups are guessed the same way).
const ADMIN_GROUP_GUESSES: &[&str] = &["IT Admins", "Admins"];

/// The protection rules in force: the built-in names, `[protect]` (which adds to them), the bind
/// account, the admin role's OUs and groups, and (once loaded with [`Protection::load`]) what
/// the directory says is privileged.
#[derive(Debug, Clone, Default)]
pub struct Protection {
    accounts: Vec<String>,
    bind_dn: String,
    groups: Vec<String>,
    ous: Vec<String>,
    roles: RoleMap,
    base_dn: String,
    privileged: Option<Arc<Privileged>>,
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

/// `a` followed by those of `b` not already in it (without regard to case), blanks dropped.
fn union(a: &[String], b: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in a.iter().chain(b).map(|v| v.trim()) {
        if !v.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(v)) {
            out.push(v.to_string());
        }
    }
    out
}

impl Protection {
    /// The rules of this context's configuration (names, DNs, OUs, roles), without asking the
    /// directory: what a face needs to mark rows. Changes use [`Protection::load`] or
    /// [`refuse`], which add what the directory says.
    pub fn from_ctx(ctx: &Ctx) -> Protection {
        Protection::from_config(&ctx.config, ctx.dir.base_dn())
    }

    /// [`Protection::from_ctx`] from a configuration and the base DN.
    pub fn from_config(config: &crate::config::Config, base_dn: &str) -> Protection {
        let base = base_dn.to_string();
        let p = &config.protect;
        let builtin = ProtectConfig::default();
        let roles = config.directory.roles.clone();
        let mut groups = union(&builtin.groups, &p.groups);
        let mut ous: Vec<String> = p.ous.clone();
        match roles.0.get("admin") {
            Some(admin) => {
                groups = union(&groups, &admin.groups);
                ous.extend(admin.ous.iter().cloned());
            }
            None if roles.0.is_empty() => {
                let guesses: Vec<String> =
                    ADMIN_GROUP_GUESSES.iter().map(|g| g.to_string()).collect();
                groups = union(&groups, &guesses);
            }
            None => {}
        }
        // Group DNs may be written without the base DN, as OUs are.
        let groups: Vec<String> = groups
            .into_iter()
            .map(|g| if is_dn(&g) { absolute(&g, &base) } else { g })
            .collect();
        Protection {
            accounts: union(&builtin.accounts, &p.accounts),
            bind_dn: config.directory.bind_dn.trim().to_string(),
            groups,
            ous: ous
                .iter()
                .filter(|o| !o.trim().is_empty())
                .map(|o| norm_dn(&absolute(o.trim(), &base)))
                .collect(),
            roles,
            base_dn: base,
            privileged: None,
        }
    }

    /// [`Protection::from_ctx`] plus what the directory says is privileged (well-known
    /// accounts, privileged groups and what is nested into them, primary groups, `adminCount`,
    /// the members at any depth of the configured groups): a few searches, once.
    pub async fn load(ctx: &Ctx) -> crate::error::Result<Protection> {
        let mut p = Protection::from_ctx(ctx);
        p.privileged = Some(Arc::new(ctx.dir.privileged(&p.groups).await?));
        Ok(p)
    }

    /// The group names and DNs protected by configuration (what the directory is asked to
    /// follow the nesting of).
    pub fn group_seeds(&self) -> &[String] {
        &self.groups
    }

    /// Why `account` must not be changed, if it must not, from the rules and (when loaded) the
    /// directory's privileged set.
    pub fn check(&self, account: &Account) -> Option<ProtectedReason> {
        let from_dir = self
            .privileged
            .as_ref()
            .map(|p| p.account(&account.dn).to_vec())
            .unwrap_or_default();
        self.decide(account, &from_dir)
    }

    /// [`Protection::check`] with the account's privileges read from the directory now (the
    /// check made just before a change: transitive and primary-group membership, adminCount,
    /// well-known RIDs).
    pub async fn check_live(
        &self,
        ctx: &Ctx,
        account: &Account,
    ) -> crate::error::Result<Option<ProtectedReason>> {
        let mut from_dir = ctx.dir.privilege(account, &self.groups).await?;
        if let Some(p) = &self.privileged {
            for w in p.account(&account.dn) {
                if !from_dir.contains(w) {
                    from_dir.push(w.clone());
                }
            }
        }
        Ok(self.decide(account, &from_dir))
    }

    fn decide(&self, account: &Account, from_dir: &[Privilege]) -> Option<ProtectedReason> {
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
        for w in from_dir {
            if let Privilege::WellKnown(what) = w {
                return Some(ProtectedReason::WellKnown(what.clone()));
            }
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
            if self.configured_group(&g) {
                return Some(ProtectedReason::MemberOf(format!("\"{}\"", g.name)));
            }
        }
        if account.group_dns.is_empty() {
            for name in &account.groups {
                if self
                    .groups
                    .iter()
                    .any(|p| !is_dn(p) && p.eq_ignore_ascii_case(name))
                {
                    return Some(ProtectedReason::MemberOf(format!("\"{name}\"")));
                }
            }
        }
        for w in from_dir {
            if let Privilege::Member {
                group,
                via,
                builtin,
            } = w
            {
                let m = match via {
                    Some(v) => format!("\"{group}\" ({v})"),
                    None => format!("\"{group}\""),
                };
                return Some(if *builtin {
                    ProtectedReason::PrivilegedGroup(m)
                } else {
                    ProtectedReason::MemberOf(m)
                });
            }
        }
        if from_dir.contains(&Privilege::AdminCount) {
            return Some(ProtectedReason::AdminCount(account.username.clone()));
        }
        // A group the account is directly in that is nested into a protected one.
        if let Some(p) = &self.privileged {
            for gdn in &account.group_dns {
                if let Some(g) = p.group(gdn) {
                    return Some(if g.builtin {
                        ProtectedReason::PrivilegedGroup(format!(
                            "\"{}\" (through {})",
                            g.root, g.name
                        ))
                    } else {
                        ProtectedReason::MemberOf(format!("\"{}\" (through {})", g.root, g.name))
                    });
                }
            }
        }
        if self.is_admin_role(account) {
            return Some(ProtectedReason::AdminRole(account.username.clone()));
        }
        self.ou_of(&dn).map(ProtectedReason::InOu)
    }

    fn is_admin_role(&self, account: &Account) -> bool {
        account.role.as_deref() == Some("admin")
            || self
                .roles
                .role_for(&account.dn, &account.group_dns, &self.base_dn)
                .as_deref()
                == Some("admin")
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

    fn configured_group(&self, group: &Group) -> bool {
        let dn = norm_dn(&group.dn);
        self.groups.iter().any(|p| {
            if is_dn(p) {
                norm_dn(p) == dn
            } else {
                p.eq_ignore_ascii_case(&group.name)
                    || p.eq_ignore_ascii_case(&first_rdn_value(&group.dn))
            }
        })
    }

    /// Why `group` is protected, if it is: nobody is added to it without `--allow-protected`.
    /// A group nested (at any depth) into a protected one is protected too, once loaded.
    pub fn check_group(&self, group: &Group) -> Option<ProtectedReason> {
        if self.configured_group(group) {
            return Some(ProtectedReason::Group(group.name.clone()));
        }
        let g = self.privileged.as_ref()?.group(&group.dn)?;
        Some(if g.root == g.name {
            ProtectedReason::Group(group.name.clone())
        } else {
            ProtectedReason::NestedGroup(format!("{} (in {})", group.name, g.root))
        })
    }

    /// Why moving an account into `ou` (a DN) is refused, if it is: a protected OU, or an OU
    /// whose accounts have the admin role.
    pub fn check_target_ou(&self, ou: &str) -> Option<ProtectedReason> {
        let probe = format!("cn=x,{}", absolute(ou.trim(), &self.base_dn));
        if let Some(o) = self.ou_of(&norm_dn(&probe)) {
            return Some(ProtectedReason::InOu(o));
        }
        (self.roles.role_for(&probe, &[], &self.base_dn).as_deref() == Some("admin"))
            .then(|| ProtectedReason::InOu(format!("{ou} (the admin role's OU)")))
    }

    /// Why a planned new account must not be made, if it must not: a protected name, a protected
    /// OU (or the admin role's), or a protected group among its groups (unless `allow_protected`).
    pub fn check_new(&self, new: &NewAccount, allow_protected: bool) -> Option<ProtectedReason> {
        let probe = Account {
            username: new.username.clone(),
            dn: format!("uid={},{}", new.username, new.parent_dn),
            ..Default::default()
        };
        if let Some(r @ ProtectedReason::Account(_)) = self.check(&probe) {
            return Some(r);
        }
        if let Some(r) = self.check_target_ou(&new.parent_dn) {
            return Some(r);
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

/// Writes the action-log row of a refused attempt (`<action>.refused`, with the rule), so an
/// attempt on a protected target is on record. A store that cannot be written is a warning: the
/// refusal stands either way.
pub fn log_refusal(ctx: &Ctx, action: &str, target: &str, why: &ProtectedReason) {
    let action = format!("{action}.refused");
    let details = serde_json::json!({
        "rule": why.rule(),
        "protected": why,
        "reason": why.to_string(),
    });
    let row = crate::store::NewAction {
        action: &action,
        target,
        details,
    };
    match super::actions::store(ctx).and_then(|s| s.record(row, ctx.wall_now())) {
        Ok(_) => {}
        Err(e) => tracing::warn!("the refusal of {action} {target} could not be logged: {e}"),
    }
}

/// The error for a refused attempt, after logging it.
pub fn refuse_logged(
    ctx: &Ctx,
    action: &str,
    what: &str,
    target: &str,
    why: &ProtectedReason,
) -> Error {
    log_refusal(ctx, action, target, why);
    refusal(what, target, why)
}

/// Refuses (and logs the refusal of) `action` on `account` when it is protected, as the
/// directory says now.
pub async fn refuse(
    ctx: &Ctx,
    action: &str,
    what: &str,
    account: &Account,
) -> crate::error::Result<()> {
    match Protection::from_ctx(ctx).check_live(ctx, account).await? {
        Some(why) => Err(refuse_logged(ctx, action, what, &account.username, &why)),
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
            ..Default::default()
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
            Some(ProtectedReason::MemberOf("\"Domain Admins\"".into()))
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
    fn protect_lists_add_to_the_built_in_set_never_replace_it() {
        let config = crate::config::Config {
            protect: ProtectConfig {
                accounts: vec!["svc-backup".into()],
                groups: vec!["Exam Helpers".into()],
                ous: vec!["OU=Service".into()],
            },
            ..Default::default()
        };
        let p = Protection::from_config(&config, "DC=school,DC=test");
        for (user, dn) in [
            (
                "Administrator",
                "CN=Administrator,CN=Users,DC=school,DC=test",
            ),
            ("krbtgt", "CN=krbtgt,CN=Users,DC=school,DC=test"),
            ("Guest", "CN=Guest,CN=Users,DC=school,DC=test"),
            ("svc-backup", "CN=svc-backup,OU=Staff,DC=school,DC=test"),
        ] {
            assert!(
                matches!(
                    p.check(&acct(user, dn, &[])),
                    Some(ProtectedReason::Account(_))
                ),
                "{user} is not protected"
            );
        }
        let da = (
            "Domain Admins",
            "CN=Domain Admins,CN=Users,DC=school,DC=test",
        );
        let boss = acct("boss", "CN=Boss,OU=Staff,DC=school,DC=test", &[da]);
        assert!(matches!(p.check(&boss), Some(ProtectedReason::MemberOf(_))));
        let helper = acct(
            "helper",
            "CN=Helper,OU=Staff,DC=school,DC=test",
            &[("Exam Helpers", "CN=Exam Helpers,DC=school,DC=test")],
        );
        assert!(p.check(&helper).is_some());
        let svc = acct("print", "CN=Print,OU=Service,DC=school,DC=test", &[]);
        assert!(matches!(p.check(&svc), Some(ProtectedReason::InOu(_))));
    }

    #[test]
    fn the_admin_role_is_protected_by_default() {
        let mut config = crate::config::Config::default();
        // Roles guessed from OU names: accounts in an "IT Admins" OU are admins, and a group
        // called IT Admins is the admin role's.
        let p = Protection::from_config(&config, "DC=demo,DC=school");
        let adm = acct(
            "adm-spatel",
            "CN=Sam Patel (Admin),OU=IT Admins,OU=School,DC=demo,DC=school",
            &[],
        );
        assert!(matches!(p.check(&adm), Some(ProtectedReason::AdminRole(_))));
        let it = Group {
            dn: "CN=IT Admins,OU=Groups,OU=School,DC=demo,DC=school".into(),
            name: "IT Admins".into(),
        };
        assert!(p.check_group(&it).is_some());
        assert!(p
            .check_target_ou("OU=IT Admins,OU=School,DC=demo,DC=school")
            .is_some());
        // Configured: the admin role's OUs and groups.
        config.directory.roles.0.insert(
            "admin".into(),
            crate::domain::roles::RoleRule {
                ous: vec!["OU=Tech,OU=School".into()],
                groups: vec!["Tech Admins".into()],
                ..Default::default()
            },
        );
        let p = Protection::from_config(&config, "DC=demo,DC=school");
        let tech = acct("t1", "CN=T1,OU=Tech,OU=School,DC=demo,DC=school", &[]);
        assert!(p.check(&tech).is_some());
        assert!(p
            .check_group(&Group {
                dn: "CN=Tech Admins,DC=demo,DC=school".into(),
                name: "Tech Admins".into()
            })
            .is_some());
        let pupil = acct("p1", "CN=P1,OU=Pupils,OU=School,DC=demo,DC=school", &[]);
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
