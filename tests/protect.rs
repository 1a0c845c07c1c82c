//! Protected accounts (`[protect]`) against real Samba AD and OpenLDAP: the domain's own
//! accounts, the bind account and members of privileged groups are refused one by one, skipped
//! in bulk, and nobody joins a privileged group without --allow-protected. Refused means the
//! directory is exactly as it was and the action log holds the refused attempt (a
//! `<action>.refused` row naming the rule) and nothing else for it.

mod common;
mod support;

use common::st;
use std::path::{Path, PathBuf};
use support::{Flavour, TestServer};

/// OpenLDAP has no domain accounts: make some, and make the bind DN (the rootdn) a person.
fn seed_openldap(server: &TestServer) {
    server.ldapmodify(
        "dn: cn=admin,dc=school,dc=test
objectClass: inetOrgPerson
cn: admin
sn: admin
uid: admin

dn: uid=Administrator,ou=Staff,ou=School,dc=school,dc=test
objectClass: inetOrgPerson
uid: Administrator
cn: Administrator
sn: Administrator
pwdPolicySubentry: cn=never-expires,ou=Policies,dc=school,dc=test

dn: uid=krbtgt,ou=Staff,ou=School,dc=school,dc=test
objectClass: inetOrgPerson
uid: krbtgt
cn: krbtgt
sn: krbtgt
userPassword: Publ1c!Fixture#2026

dn: cn=Domain Admins,ou=Groups,dc=school,dc=test
objectClass: groupOfNames
cn: Domain Admins
member: uid=Administrator,ou=Staff,ou=School,dc=school,dc=test
member: uid=supply.teacher3,ou=Supply,ou=School,dc=school,dc=test
",
    );
}

/// On AD, supply.teacher3 is an ordinary account made a Domain Admin.
fn seed_ad(server: &TestServer) {
    server.ldapmodify(&format!(
        "dn: CN=Domain Admins,CN=Users,{}
changetype: modify
add: member
member: {}
",
        server.base_dn,
        server.user_dn("supply.teacher3")
    ));
}

/// What the directory holds about the protected accounts and the privileged group.
fn snapshot(server: &TestServer) -> String {
    let ua = server.flavour.username_attribute();
    let mut out = String::new();
    for u in [
        "Administrator",
        "krbtgt",
        "Guest",
        "admin",
        "supply.teacher3",
        "harry.hughes",
    ] {
        out.push_str(&server.ldapsearch(
            &format!("({ua}={u})"),
            &[
                "userAccountControl",
                "pwdLastSet",
                "lockoutTime",
                "memberOf",
                "pwdAccountLockedTime",
                "pwdReset",
                "pwdChangedTime",
                "userPassword",
                "pwdPolicySubentry",
                "unicodePwd",
            ],
        ));
    }
    out.push_str(&server.ldapsearch("(cn=Domain Admins)", &["member"]));
    out
}

fn log_rows(cfg: &Path) -> Vec<serde_json::Value> {
    st(cfg, &["log", "show", "--format", "json"], None)
        .ok()
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn refused(cfg: &Path, args: &[&str], why: &[&str], fl: &str) {
    let r = st(cfg, args, None);
    assert_ne!(r.code, 0, "{fl}: {args:?} was not refused: {}", r.stdout);
    let msg = format!("{}{}", r.stdout, r.stderr);
    for w in why {
        assert!(
            msg.contains(w),
            "{fl}: {args:?}: message lacks {w:?}: {msg}"
        );
    }
}

fn config(server: &TestServer) -> PathBuf {
    server.write_config()
}

#[test]
fn protected_accounts_and_groups_are_refused_on_both_flavours() {
    for server in TestServer::both() {
        let fl = server.flavour.config_name();
        match server.flavour {
            Flavour::OpenLdap => seed_openldap(&server),
            Flavour::ActiveDirectory => seed_ad(&server),
        }
        let cfg = config(&server);
        let before = snapshot(&server);

        refused(
            &cfg,
            &["accounts", "disable", "Administrator", "--reason", "test"],
            &["protected", "Administrator", "[protect] accounts"],
            fl,
        );
        refused(
            &cfg,
            &["accounts", "reset-password", "krbtgt", "--show-password"],
            &["protected", "krbtgt"],
            fl,
        );
        refused(
            &cfg,
            &["accounts", "enable", "supply.teacher3"],
            &["protected group", "Domain Admins"],
            fl,
        );
        refused(
            &cfg,
            &[
                "accounts",
                "groups",
                "harry.hughes",
                "--add",
                "Domain Admins",
            ],
            &["Domain Admins", "--allow-protected"],
            fl,
        );
        let bind_user = match server.flavour {
            Flavour::ActiveDirectory => "Administrator",
            Flavour::OpenLdap => "admin",
        };
        refused(
            &cfg,
            &["accounts", "disable", bind_user, "--reason", "test"],
            &["protected"],
            fl,
        );
        if server.flavour == Flavour::OpenLdap {
            refused(
                &cfg,
                &["accounts", "disable", "admin", "--reason", "test"],
                &["binds as"],
                fl,
            );
        }

        // Bulk: protected ones are skipped and reported, the rest is done.
        let r = st(
            &cfg,
            &[
                "passwords",
                "expire",
                "Administrator",
                "krbtgt",
                "harry.hughes",
                "--yes",
            ],
            None,
        );
        let out = format!("{}{}", r.stdout, r.stderr);
        assert!(
            out.contains("skipped") && out.contains("Administrator"),
            "{fl}: {out}"
        );
        assert!(out.contains("✓ harry.hughes"), "{fl}: {out}");
        let r = st(
            &cfg,
            &["passwords", "clear-never-expires", "--all", "--yes"],
            None,
        );
        let out = format!("{}{}", r.stdout, r.stderr);
        assert!(out.contains("skipped"), "{fl}: {out}");
        assert!(out.contains("library.desk"), "{fl}: {out}");

        // The directory is as it was for every protected target (harry.hughes: only the
        // must-change flag the bulk run set).
        let after = snapshot(&server);
        let strip = |s: &str| -> String {
            s.split("\n\n")
                .filter(|e| !e.contains("harry.hughes") && !e.contains("Harry Hughes"))
                .collect::<Vec<_>>()
                .join("\n\n")
        };
        assert_eq!(strip(&before), strip(&after), "{fl}: directory changed");
        // Only the refused attempts about them in the action log, each naming its rule; the
        // attempts on Administrator and krbtgt are on record.
        let rows = log_rows(&cfg);
        for row in &rows {
            let t = row["target"].as_str().unwrap_or("").to_lowercase();
            if [
                "administrator",
                "krbtgt",
                "guest",
                "admin",
                "supply.teacher3",
            ]
            .contains(&t.as_str())
            {
                assert!(
                    row["action"].as_str().unwrap_or("").ends_with(".refused")
                        && row["details"]["rule"].is_string(),
                    "{fl}: logged a change to a protected account: {row}"
                );
            }
        }
        for (target, action) in [
            ("Administrator", "account.disable.refused"),
            ("krbtgt", "password.reset.refused"),
            ("supply.teacher3", "account.enable.refused"),
            ("harry.hughes", "group.add.refused"),
        ] {
            assert!(
                rows.iter()
                    .any(|r| r["target"] == target && r["action"] == action),
                "{fl}: no {action} row for {target}: {rows:#?}"
            );
        }
        // The bind account still works.
        st(&cfg, &["accounts", "show", "harry.hughes"], None).ok();

        // --allow-protected lets a technician add to a privileged group, and says so in the log.
        st(
            &cfg,
            &[
                "accounts",
                "groups",
                "harry.hughes",
                "--add",
                "Domain Admins",
                "--allow-protected",
            ],
            None,
        )
        .ok();
        let row = log_rows(&cfg)
            .into_iter()
            .find(|r| r["action"] == "group.add")
            .expect("group.add logged");
        assert_eq!(row["details"]["allow_protected"], true, "{fl}: {row}");
    }
}

#[test]
fn doctor_warns_when_the_bind_account_is_privileged() {
    let server = TestServer::samba();
    let cfg = config(&server);
    let r = st(&cfg, &["doctor"], None);
    assert!(
        r.stdout.contains("protected group") && r.stdout.contains("Domain Admins"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("delegated"), "{}", r.stdout);
}
