//! Protection decided by the directory, by identity and not by name (issue 22), on real Samba
//! AD and slapd: a pupil in a group nested into Domain Admins, a user whose primary group is
//! Domain Admins, `adminCount=1` on an ordinary-looking user, the built-in Guest renamed, a
//! Backup Operator; on slapd a pupil in a group nested into the admin role's group. Each is
//! refused by disable, reset-password, move and groups, with the rule named, the directory left
//! as it was, and exactly one `*.refused` action-log row per attempt (nothing else logged for
//! them). Import rows into a protected group or OU, a move into a protected OU and joining a
//! group nested into a protected one are refused the same way.

mod common;
mod support;

use common::st;
use std::path::{Path, PathBuf};
use support::{Flavour, TestServer};

/// The action log, oldest first.
fn log_rows(cfg: &Path) -> Vec<serde_json::Value> {
    let mut rows = st(cfg, &["log", "show", "--format", "json"], None)
        .ok()
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default();
    rows.sort_by_key(|r| r["id"].as_i64().unwrap_or_default());
    rows
}

/// Runs `args`, expects a refusal naming every one of `why`, and returns the message.
fn refused(cfg: &Path, args: &[&str], why: &[&str]) -> String {
    let r = st(cfg, args, None);
    let msg = format!("{}{}", r.stdout, r.stderr);
    assert_ne!(r.code, 0, "{args:?} was not refused: {msg}");
    assert!(msg.contains("refusing"), "{args:?}: {msg}");
    for w in why {
        assert!(msg.contains(w), "{args:?}: message lacks {w:?}: {msg}");
    }
    msg
}

/// Every way of changing `user` is refused with `why` named, and each attempt is one
/// `*.refused` log row with the rule in its details.
fn every_path_refused(cfg: &Path, user: &str, why: &[&str], rule: &str, to_ou: &str) {
    let before = log_rows(cfg).len();
    let attempts: Vec<Vec<&str>> = vec![
        vec!["accounts", "disable", user, "--reason", "test"],
        vec!["accounts", "reset-password", user, "--show-password"],
        vec!["accounts", "move", user, "--to", to_ou],
        vec!["accounts", "groups", user, "--remove", "Domain Users"],
    ];
    for a in &attempts {
        refused(cfg, a, why);
    }
    // Bulk: skipped and said so, with the rule.
    let bulk = st(cfg, &["passwords", "expire", user, "--yes"], None);
    let out = format!("{}{}", bulk.stdout, bulk.stderr);
    assert!(out.contains("skipped"), "{user}: {out}");
    for w in why {
        assert!(out.contains(w), "{user}: bulk output lacks {w:?}: {out}");
    }
    let rows = log_rows(cfg);
    let new: Vec<&serde_json::Value> = rows[before..].iter().collect();
    assert_eq!(
        new.len(),
        attempts.len() + 1,
        "{user}: one log row per refused attempt, nothing else: {new:#?}"
    );
    for r in new {
        let action = r["action"].as_str().unwrap_or_default();
        assert!(action.ends_with(".refused"), "{user}: {r}");
        assert!(
            r["target"]
                .as_str()
                .unwrap_or_default()
                .eq_ignore_ascii_case(user),
            "{user}: {r}"
        );
        assert_eq!(r["details"]["rule"], rule, "{user}: {r}");
    }
}

/// What the directory holds about `users` (state a refused change would have touched).
fn snapshot(server: &TestServer, users: &[&str]) -> String {
    let ua = server.flavour.username_attribute();
    users
        .iter()
        .map(|u| {
            server.ldapsearch(
                &format!("({ua}={u})"),
                &[
                    "userAccountControl",
                    "pwdLastSet",
                    "memberOf",
                    "primaryGroupID",
                    "pwdReset",
                    "pwdChangedTime",
                    "userPassword",
                    "pwdAccountLockedTime",
                ],
            )
        })
        .collect()
}

fn add_to_config(cfg: &Path, extra: &str) {
    let mut text = std::fs::read_to_string(cfg).expect("config");
    // Keys of [directory] must come before the next table: put roles at the end.
    text.push_str(extra);
    std::fs::write(cfg, text).expect("config");
}

fn import_file(server: &TestServer, rows: &str) -> PathBuf {
    let f = server.dir.join("intake-protected.csv");
    std::fs::write(&f, format!("First Name,Last Name,Role,Form,MIS Id\n{rows}")).expect("csv");
    f
}

#[test]
fn samba_privilege_is_read_by_identity_on_every_path() {
    let server = TestServer::samba();
    let base = server.base_dn.clone();
    let da = format!("CN=Domain Admins,CN=Users,{base}");
    let nested = format!("CN=Exam Helpers,OU=School,{base}");
    let jack = server.user_dn("jack.walker");
    let grace = server.user_dn("grace.hall");
    let oscar = server.user_dn("oscar.green");
    let zoe = server.user_dn("zoe.garcia");
    // A group nested into Domain Admins, with a pupil in it.
    server.ldapmodify(&format!(
        "dn: {nested}
objectClass: group
sAMAccountName: Exam Helpers
member: {jack}

dn: {da}
changetype: modify
add: member
member: {nested}
"
    ));
    // grace.hall's primary group is Domain Admins (a member first, as AD requires).
    server.ldapmodify(&format!(
        "dn: {da}
changetype: modify
add: member
member: {grace}

dn: {grace}
changetype: modify
replace: primaryGroupID
primaryGroupID: 512
"
    ));
    // An ordinary-looking user the directory marks adminCount=1; a Backup Operator; the
    // built-in Guest renamed.
    server.ldapmodify(&format!(
        "dn: {oscar}
changetype: modify
replace: adminCount
adminCount: 1

dn: CN=Backup Operators,CN=Builtin,{base}
changetype: modify
add: member
member: {zoe}

dn: CN=Guest,CN=Users,{base}
changetype: modify
replace: sAMAccountName
sAMAccountName: visitor
"
    ));
    let primary = server.ldapsearch(
        "(sAMAccountName=grace.hall)",
        &["memberOf", "primaryGroupID"],
    );
    assert!(primary.contains("primaryGroupID: 512"), "{primary}");

    let cfg = server.write_config();
    add_to_config(
        &cfg,
        "\n[protect]\naccounts = [\"svc-backup\"]\nous = [\"OU=Supply,OU=School\"]\n\
         \n[directory.roles.pupil]\nous = [\"OU=Pupils,OU=School\"]\ndefault_groups = [\"Exam Helpers\"]\n\
         \n[directory.roles.guest]\nous = [\"OU=Supply,OU=School\"]\n\
         \n[directory.roles.staff]\nous = [\"OU=Staff,OU=School\"]\n",
    );
    let users = [
        "jack.walker",
        "grace.hall",
        "oscar.green",
        "zoe.garcia",
        "visitor",
    ];
    let before = snapshot(&server, &users);
    let year8 = "OU=Year 8,OU=Pupils,OU=School";

    every_path_refused(
        &cfg,
        "jack.walker",
        &["Domain Admins", "through Exam Helpers"],
        "privileged_group",
        year8,
    );
    every_path_refused(
        &cfg,
        "grace.hall",
        &["Domain Admins", "primary group"],
        "privileged_group",
        year8,
    );
    every_path_refused(&cfg, "oscar.green", &["adminCount=1"], "admin_count", year8);
    every_path_refused(
        &cfg,
        "zoe.garcia",
        &["Backup Operators"],
        "privileged_group",
        year8,
    );
    every_path_refused(&cfg, "visitor", &["Guest (RID 501)"], "well_known", year8);
    // [protect] accounts adds to the built-in names: Administrator and krbtgt stay protected.
    refused(
        &cfg,
        &["accounts", "disable", "krbtgt", "--reason", "test"],
        &["krbtgt"],
    );
    let krb = log_rows(&cfg)
        .into_iter()
        .rev()
        .find(|r| r["target"] == "krbtgt")
        .expect("the attempt on krbtgt is on record");
    assert_eq!(krb["action"], "account.disable.refused", "{krb}");

    // The directory is exactly as it was for every one of them.
    assert_eq!(
        before,
        snapshot(&server, &users),
        "a refused change reached the directory"
    );

    // Joining a group nested into Domain Admins needs --allow-protected; a move into a
    // protected OU is refused; both are on record.
    refused(
        &cfg,
        &["accounts", "groups", "ella.clarke", "--add", "Exam Helpers"],
        &[
            "Exam Helpers",
            "nested into a protected group",
            "--allow-protected",
        ],
    );
    refused(
        &cfg,
        &[
            "accounts",
            "move",
            "ella.clarke",
            "--to",
            "OU=Supply,OU=School",
        ],
        &["protected OU"],
    );
    let ella: Vec<String> = log_rows(&cfg)
        .iter()
        .filter(|r| r["target"] == "ella.clarke")
        .map(|r| r["action"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        ella,
        ["group.add.refused", "account.move.refused"],
        "{ella:?}"
    );

    // The dry run of a bulk change marks them refused too (the same check).
    let dry = st(
        &cfg,
        &[
            "accounts",
            "disable",
            "jack.walker",
            "--reason",
            "t",
            "--dry-run",
        ],
        None,
    );
    assert!(
        format!("{}{}", dry.stdout, dry.stderr).contains("Domain Admins"),
        "{dry:?}"
    );

    // Import: a pupil row joins Exam Helpers (nested into Domain Admins), a guest row lands in
    // the protected Supply OU: both refused with the rule, logged when applied, nothing made.
    let f = import_file(
        &server,
        "Nina,Protected,pupil,7A,P990001\nOlly,Supply,guest,,P990002\n",
    );
    let f = f.to_str().expect("path");
    let dry = st(&cfg, &["accounts", "import", f], None);
    assert_eq!(dry.code, 1, "{}", dry.stdout);
    assert!(
        dry.stdout.contains("nested into a protected group") && dry.stdout.contains("protected OU"),
        "{}",
        dry.stdout
    );
    let rows_before = log_rows(&cfg).len();
    let applied = st(&cfg, &["accounts", "import", f, "--apply"], None);
    assert!(applied.stdout.contains("created 0 accounts"), "{applied:?}");
    let rows = log_rows(&cfg);
    let new: Vec<&serde_json::Value> = rows[rows_before..].iter().collect();
    assert_eq!(new.len(), 2, "{new:#?}");
    assert!(
        new.iter().all(|r| r["action"] == "account.create.refused"),
        "{new:#?}"
    );
    // Not made: no such account, bad input (2; it was 1, the code of findings, before issue 26).
    assert_eq!(
        st(&cfg, &["accounts", "show", "nina.protected"], None).code,
        2
    );
}

#[test]
fn slapd_nested_admin_group_membership_is_protected() {
    let server = TestServer::slapd();
    let harry = server.user_dn("harry.hughes");
    server.ldapmodify(&format!(
        "dn: cn=Helpdesk,ou=Groups,dc=school,dc=test
objectClass: groupOfNames
cn: Helpdesk
member: {harry}

dn: cn=IT Admins,ou=Groups,dc=school,dc=test
objectClass: groupOfUniqueNames
cn: IT Admins
uniqueMember: cn=Helpdesk,ou=Groups,dc=school,dc=test
"
    ));
    let cfg = server.write_config();
    add_to_config(
        &cfg,
        "\n[directory.roles.pupil]\nous = [\"ou=Pupils,ou=School\"]\n\
         \n[directory.roles.admin]\ngroups = [\"IT Admins\"]\n",
    );
    let before = snapshot(&server, &["harry.hughes"]);
    let r = refused(
        &cfg,
        &["accounts", "disable", "harry.hughes", "--reason", "test"],
        &["IT Admins", "through Helpdesk"],
    );
    assert!(r.contains("protected group"), "{r}");
    let before_rows = log_rows(&cfg).len();
    for a in [
        vec![
            "accounts",
            "reset-password",
            "harry.hughes",
            "--show-password",
        ],
        vec![
            "accounts",
            "move",
            "harry.hughes",
            "--to",
            "ou=Year 8,ou=Pupils,ou=School",
        ],
        vec!["accounts", "groups", "harry.hughes", "--remove", "Pupils"],
    ] {
        refused(&cfg, &a, &["IT Admins"]);
    }
    let rows = log_rows(&cfg);
    assert_eq!(rows.len() - before_rows, 3, "{rows:#?}");
    assert!(rows.iter().all(|r| r["action"]
        .as_str()
        .unwrap_or_default()
        .ends_with(".refused")));
    // A group nested into the admin group is protected as a group.
    refused(
        &cfg,
        &["accounts", "groups", "mia.o'neill", "--add", "Helpdesk"],
        &["Helpdesk", "--allow-protected"],
    );
    assert_eq!(before, snapshot(&server, &["harry.hughes"]));
    let _ = Flavour::OpenLdap;
}

/// The sweep lists a protected leaver as protected and never acts on it; restore checks the OU
/// it goes back to and every group it rejoins (a group since nested into Domain Admins, an OU
/// since protected), refusing with a `leaver.restore.refused` row.
#[test]
fn samba_sweep_skips_and_restore_checks_the_target_ou_and_groups() {
    let server = TestServer::samba();
    let base = server.base_dn.clone();
    let harry = server.user_dn("harry.hughes");
    let jack = server.user_dn("jack.walker");
    let club = format!("CN=Film Club,OU=School,{base}");
    let helpers = format!("CN=Exam Helpers,OU=School,{base}");
    server.ldapmodify(&format!(
        "dn: {club}
objectClass: group
sAMAccountName: Film Club
member: {harry}

dn: {helpers}
objectClass: group
sAMAccountName: Exam Helpers
member: {jack}

dn: CN=Domain Admins,CN=Users,{base}
changetype: modify
add: member
member: {helpers}
"
    ));
    let cfg = server.write_config();
    add_to_config(
        &cfg,
        "\n[mis]\nmode = \"leavers\"\nid_column = \"Id\"\nusername_column = \"AD Username\"\n\
         first_name_column = \"Forename\"\nlast_name_column = \"Surname\"\nrole_column = \"Role\"\n\
         leaving_date_column = \"Leaving Date\"\n\n[leavers]\nou = \"OU=Leavers,OU=School\"\n",
    );
    let csv = server.dir.join("mis.csv");
    std::fs::write(
        &csv,
        "Id,AD Username,Forename,Surname,Role,Leaving Date\r\n\
         ,harry.hughes,Harry,Hughes,Pupil,01/09/2026\r\n\
         ,jack.walker,Jack,Walker,Pupil,01/09/2026\r\n",
    )
    .expect("mis");
    let csv = csv.to_str().expect("path");
    let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
        .expect("date")
        .max(chrono::Utc::now().date_naive() + chrono::Duration::days(1))
        .to_string();
    let jack_before = snapshot(&server, &["jack.walker"]);
    let plan = st(&cfg, &["--as-of", &d, "sweep", "--mis", csv], None);
    let said = format!("{}{}", plan.stdout, plan.stderr);
    assert!(
        said.contains("jack.walker") && said.contains("protected"),
        "{said}"
    );
    // Run "on" that day (a fixed clock): --as-of is for reports and dry runs.
    common::st_on(&cfg, &d, &["sweep", "--mis", csv, "--apply", "--yes"], None).ok();
    assert_eq!(
        jack_before,
        snapshot(&server, &["jack.walker"]),
        "a protected leaver was acted on"
    );
    let rows = log_rows(&cfg);
    assert!(
        !rows.iter().any(|r| r["target"] == "jack.walker"
            && !r["action"]
                .as_str()
                .unwrap_or_default()
                .ends_with(".refused")),
        "{rows:#?}"
    );
    assert!(rows
        .iter()
        .any(|r| r["target"] == "harry.hughes" && r["action"] == "leaver.disable"));

    // Film Club is nested into Domain Admins after the suspension: restoring harry would add
    // him to it. Refused, on record, nothing moved.
    server.ldapmodify(&format!(
        "dn: CN=Domain Admins,CN=Users,{base}
changetype: modify
add: member
member: {club}
"
    ));
    let suspended = server.user_dn("harry.hughes");
    refused(
        &cfg,
        &["leavers", "restore", "harry.hughes", "--show-password"],
        &["Film Club", "nested into a protected group"],
    );
    assert_eq!(server.user_dn("harry.hughes"), suspended);
    server.ldapmodify(&format!(
        "dn: CN=Domain Admins,CN=Users,{base}
changetype: modify
delete: member
member: {club}
"
    ));
    // The OU it goes back to is protected now: refused too.
    add_to_config(
        &cfg,
        "\n[protect]\nous = [\"OU=Year 7,OU=Pupils,OU=School\"]\n",
    );
    refused(
        &cfg,
        &["leavers", "restore", "harry.hughes", "--show-password"],
        &["protected OU"],
    );
    assert_eq!(server.user_dn("harry.hughes"), suspended);
    let restores: Vec<serde_json::Value> = log_rows(&cfg)
        .into_iter()
        .filter(|r| {
            r["target"] == "harry.hughes"
                && r["action"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("leaver.restore"))
        })
        .collect();
    assert_eq!(restores.len(), 2, "{restores:#?}");
    assert!(restores
        .iter()
        .all(|r| r["action"] == "leaver.restore.refused"));
}

/// `init` writes the admin groups it finds (here no admin role OU, so as `[protect] groups`),
/// and the result protects their members.
#[test]
fn init_writes_the_admin_groups_it_finds() {
    let server = TestServer::samba();
    let base = server.base_dn.clone();
    let harry = server.user_dn("harry.hughes");
    server.ldapmodify(&format!(
        "dn: CN=IT Admins,OU=School,{base}
objectClass: group
sAMAccountName: IT Admins
member: {harry}
"
    ));
    let tmp = server.dir.join("init");
    std::fs::create_dir_all(&tmp).expect("dir");
    let pw = tmp.join("pw");
    std::fs::write(&pw, &server.bind_password).expect("pw");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).expect("mode");
    let config = tmp.join("schooltech.toml");
    let store = tmp.join("schooltech.db");
    let r = common::run(
        &[
            "init",
            "--url",
            &server.url,
            "--bind-dn",
            &server.bind_dn,
            "--password-file",
            pw.to_str().expect("path"),
            "--store",
            store.to_str().expect("path"),
            "--config",
            config.to_str().expect("path"),
            "--yes",
            "--trust-server-cert",
        ],
        None,
    );
    let written = std::fs::read_to_string(&config)
        .unwrap_or_else(|e| panic!("no config written ({e}): {} {}", r.stdout, r.stderr));
    assert!(
        written.contains("[protect]") && written.contains("CN=IT Admins,OU=School"),
        "{written}"
    );
    refused(
        &config,
        &["accounts", "disable", "harry.hughes", "--reason", "test"],
        &["IT Admins"],
    );
}
