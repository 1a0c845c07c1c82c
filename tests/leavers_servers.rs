//! Leavers against the real servers, beyond `tests/leavers.rs`: the Leavers OU missing (the
//! plan says so, `--apply` is refused naming `--create-ou`, and `--create-ou` creates it first,
//! journaled and logged) on Samba AD and OpenLDAP; and OpenLDAP's last logon (`pwdLastSuccess`,
//! loaded with slapadd) judged on the boundary of 90 days plus 14 days of lag, then a
//! sweep `--apply` on slapd.

mod common;
mod support;

use chrono::{Duration, NaiveDate, Utc};
use common::{st, st_on};
use std::path::{Path, PathBuf};
use support::engines::Engine;
use support::pause::Paused;
use support::{Flavour, TestServer};

support::engines::both_engines!(
    a_missing_leavers_ou_is_named_refused_and_created_with_create_ou,
    openldap_last_logon_is_judged_on_the_boundary_and_a_sweep_applies_on_slapd,
    the_right_person_their_linked_accounts_and_a_purge_that_follows_the_object,
);

/// A day after the fixture was made (its accounts are made the day the harness provisions it).
fn as_of() -> NaiveDate {
    let fixed = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    fixed.max(Utc::now().date_naive() + Duration::days(1))
}

fn config(server: &TestServer, ou: &str, engine: &Engine) -> PathBuf {
    let cfg = server.write_config();
    engine.configure(&cfg);
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(&format!(
        "\n[mis]\nmode = \"leavers\"\nid_column = \"Id\"\nusername_column = \"AD Username\"\n\
         first_name_column = \"Forename\"\nlast_name_column = \"Surname\"\nrole_column = \"Role\"\n\
         leaving_date_column = \"Leaving Date\"\n\n[leavers]\nou = \"{ou}\"\n",
    ));
    std::fs::write(&cfg, text).expect("config");
    cfg
}

fn mis(dir: &Path) -> PathBuf {
    let p = dir.join("mis-leavers.csv");
    std::fs::write(
        &p,
        "Id,AD Username,Forename,Surname,Role,Leaving Date\r\n\
         ,grace.hall,Grace,Hall,Pupil,2026-10-15\r\n\
         ,harry.hughes,Harry,Hughes,Pupil,01/09/2026\r\n",
    )
    .expect("mis");
    p
}

fn parent_of(server: &TestServer, user: &str) -> String {
    let dn = server.user_dn(user);
    dn.split_once(',')
        .map(|x| x.1.to_string())
        .unwrap_or_default()
}

fn log_rows(cfg: &Path, action: &str) -> Vec<serde_json::Value> {
    let log = st(cfg, &["log", "show", "--format", "json"], None)
        .ok()
        .json();
    log.as_array()
        .expect("array")
        .iter()
        .filter(|r| r["action"].as_str() == Some(action))
        .cloned()
        .collect()
}

fn a_missing_leavers_ou_is_named_refused_and_created_with_create_ou(engine: &Engine) {
    for server in TestServer::both() {
        let engine = engine.another();
        let ou = "OU=Old Leavers,OU=School";
        let cfg = config(&server, ou, &engine);
        let csv = mis(&server.dir);
        let csv_s = csv.to_str().expect("path");
        let d = as_of().to_string();
        let ou_dn = format!("{ou},{}", server.base_dn);
        let was = parent_of(&server, "grace.hall");

        // The plan says so.
        let plan = st(&cfg, &["--as-of", &d, "sweep", "--mis", csv_s], None).ok();
        let said = format!("{}{}", plan.stdout, plan.stderr);
        assert!(
            said.contains("does not exist") && said.contains("--create-ou"),
            "{said}"
        );
        assert!(said.contains("grace.hall"), "{said}");

        // --apply without --create-ou: refused, naming it; nothing changed, no run saved.
        // Run "on" that day (a fixed clock): --as-of refuses changes.
        let args = ["sweep", "--mis", csv_s, "--apply", "--yes"];
        let r = st_on(&cfg, &d, &args, None);
        assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
        assert!(r.stderr.contains("--create-ou"), "{}", r.stderr);
        assert_eq!(parent_of(&server, "grace.hall"), was);
        let list = st(&cfg, &["sweep", "list"], None).ok();
        assert!(!list.stdout.contains("sweep-"), "{}", list.stdout);
        assert!(log_rows(&cfg, "leaver.disable").is_empty());

        // --create-ou: the OU first (journaled, logged), then the sweep into it.
        let mut with = args.to_vec();
        with.push("--create-ou");
        let r = st_on(&cfg, &d, &with, None).ok();
        assert!(r.stdout.contains("created the Leavers OU"), "{}", r.stdout);
        assert!(r.stdout.contains("finished"), "{}", r.stdout);
        let found =
            server.ldapsearch_in(&ou_dn, "base", "(objectClass=organizationalUnit)", &["ou"]);
        assert!(
            support::ldif_values(&found, "ou")
                .iter()
                .any(|v| v == "Old Leavers"),
            "{found}"
        );
        assert!(
            parent_of(&server, "grace.hall").eq_ignore_ascii_case(&ou_dn),
            "{} vs {ou_dn}",
            parent_of(&server, "grace.hall")
        );
        let made = log_rows(&cfg, "leaver.create-ou");
        assert_eq!(made.len(), 1, "{made:?}");
        assert!(made[0]["target"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case(&ou_dn)));
        st(&cfg, &["log", "pending"], None).ok();
        st(&cfg, &["log", "verify"], None).ok();

        // Again: the OU is there, nothing to do, nothing created twice.
        let again = st_on(&cfg, &d, &with, None).ok();
        assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
        assert_eq!(log_rows(&cfg, "leaver.create-ou").len(), 1);
    }
}

fn gt(d: NaiveDate) -> String {
    d.format("%Y%m%d120000Z").to_string()
}

fn openldap_last_logon_is_judged_on_the_boundary_and_a_sweep_applies_on_slapd(engine: &Engine) {
    let mut server = TestServer::slapd();
    assert_eq!(server.flavour, Flavour::OpenLdap);
    // Far enough ahead that every fixture account was made before the inactivity window.
    let day = Utc::now().date_naive() + Duration::days(400);
    let d = day.to_string();
    let logons = [
        ("ida.wu", 105),
        ("arthur.wright", 104),
        ("ella.clarke", 103),
        ("oscar.green", 89),
        ("grace.hall", 3),
    ];
    // slapd refuses pwdLastSuccess even under the relax control ("no-user-modification
    // attribute not manageable"): it is loaded offline with slapadd.
    let adds: Vec<(String, String, String)> = logons
        .iter()
        .map(|(u, ago)| {
            (
                server.user_dn(u),
                "pwdLastSuccess".to_string(),
                gt(day - Duration::days(*ago)),
            )
        })
        .collect();
    server.slapd_add_offline(&adds);
    let cfg = config(&server, "OU=Leavers,OU=School", engine);

    let scan = st(
        &cfg,
        &["--as-of", &d, "leavers", "scan", "--format", "json"],
        None,
    );
    assert_eq!(scan.code, 1, "{}", scan.stderr);
    let rows = scan.json();
    let rows = rows.as_array().expect("array");
    let finding = |u: &str, reason: &str| {
        rows.iter()
            .find(|r| r["username"].as_str() == Some(u) && r["reason"].as_str() == Some(reason))
    };
    // 104 days is the limit with the lag: 105 is inactive, 104 and less are not.
    let ida = finding("ida.wu", "inactive").expect("ida.wu inactive at 105 days");
    assert_eq!(ida["action"].as_str(), Some("review"));
    assert!(
        ida["last_logon"]
            .as_str()
            .is_some_and(|t| t.starts_with(&(day - Duration::days(105)).to_string())),
        "{ida}"
    );
    assert!(
        ida["evidence"]
            .as_str()
            .is_some_and(|e| e.contains("105 days")),
        "{ida}"
    );
    for (u, _) in &logons[1..] {
        assert!(finding(u, "inactive").is_none(), "{u} is not inactive");
        assert!(finding(u, "never-used").is_none(), "{u} has logged on");
    }
    // Accounts slapd has no pwdLastSuccess for have never logged on.
    assert!(finding("harry.hughes", "never-used").is_some(), "{rows:?}");
    // The day after, arthur.wright's 105 days are up too.
    let next = (day + Duration::days(1)).to_string();
    let later = st(
        &cfg,
        &[
            "--as-of", &next, "leavers", "scan", "--reason", "inactive", "--format", "json",
        ],
        None,
    );
    let later = later.json();
    assert!(later
        .as_array()
        .expect("array")
        .iter()
        .any(|r| r["username"].as_str() == Some("arthur.wright")));

    // A sweep with --apply on slapd: the MIS leavers suspended, journaled and logged.
    let csv = mis(&server.dir);
    let csv_s = csv.to_str().expect("path");
    let r = st_on(
        &cfg,
        &d,
        &["sweep", "--mis", csv_s, "--apply", "--yes"],
        None,
    )
    .ok();
    assert!(r.stdout.contains("finished"), "{}", r.stdout);
    let ou = format!("OU=Leavers,OU=School,{}", server.base_dn);
    for u in ["grace.hall", "harry.hughes"] {
        let e = server.ldapsearch(
            &format!("(uid={u})"),
            &["pwdAccountLockedTime", "description", "memberOf"],
        );
        assert!(e.contains("pwdAccountLockedTime:"), "{u} disabled: {e}");
        assert!(
            support::ldif_values(&e, "description")
                .iter()
                .any(|d| d.starts_with("Left 2026-") && d.contains("suspended by schooltech")),
            "{e}"
        );
        assert!(parent_of(&server, u).eq_ignore_ascii_case(&ou), "{u}: {e}");
        assert_eq!(
            log_rows(&cfg, "leaver.disable")
                .iter()
                .filter(|r| r["target"].as_str() == Some(u))
                .count(),
            1
        );
    }
    st(&cfg, &["log", "pending"], None).ok();
    st(&cfg, &["log", "verify"], None).ok();
    let again = st_on(
        &cfg,
        &d,
        &["sweep", "--mis", csv_s, "--apply", "--yes"],
        None,
    )
    .ok();
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

/// `dn` (changetype add) of a person account for `server`: AD user (enabled without a password:
/// PASSWD_NOTREQD) or inetOrgPerson, with the MIS id if given.
fn add_user(server: &TestServer, parent: &str, user: &str, given: &str, sur: &str, display: &str) {
    let ldif = match server.flavour {
        Flavour::ActiveDirectory => format!(
            "dn: CN={display},{parent}\nchangetype: add\nobjectClass: user\nsAMAccountName: {user}\n\
             givenName: {given}\nsn: {sur}\ndisplayName: {display}\nuserAccountControl: 544\n\n"
        ),
        Flavour::OpenLdap => format!(
            "dn: uid={user},{parent}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: {user}\n\
             cn: {display}\ngivenName: {given}\nsn: {sur}\ndisplayName: {display}\n\n"
        ),
    };
    server.ldapmodify(&ldif);
}

fn enabled(server: &TestServer, user: &str) -> bool {
    let dn = server.user_dn(user);
    let e = server.ldapsearch_in(
        &dn,
        "base",
        "(objectClass=*)",
        &["userAccountControl", "pwdAccountLockedTime"],
    );
    match server.flavour {
        Flavour::ActiveDirectory => support::ldif_values(&e, "userAccountControl")
            .iter()
            .any(|v| v.parse::<i64>().is_ok_and(|u| u & 2 == 0)),
        Flavour::OpenLdap => !e.contains("pwdAccountLockedTime:"),
    }
}

fn findings(cfg: &Path, d: &str, csv: &str) -> Vec<serde_json::Value> {
    let r = st(
        cfg,
        &[
            "--as-of", d, "leavers", "scan", "--mis", csv, "--format", "json",
        ],
        None,
    );
    assert!(r.code == 0 || r.code == 1, "{} {}", r.stdout, r.stderr);
    r.json().as_array().expect("array").clone()
}

fn finding<'a>(rows: &'a [serde_json::Value], u: &str, reason: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["username"].as_str() == Some(u) && r["reason"].as_str() == Some(reason))
        .unwrap_or_else(|| panic!("no {reason} finding for {u}: {rows:?}"))
}

/// Issue 22 on both servers: MIS rows that name the wrong person (an id matching nobody, an id
/// whose account has another name) are reviews that say why, in UTF-8 with a BOM and CRLF and
/// in Windows-1252 alike; a leaver's linked `adm-` accounts are suspended with it or, when
/// protected, left to disable by hand; a purge follows the suspended object, not its name:
/// restored then disabled for another reason starts nothing, and a new account with the old
/// username inherits nothing.
fn the_right_person_their_linked_accounts_and_a_purge_that_follows_the_object(engine: &Engine) {
    for server in TestServer::both() {
        let engine = engine.another();
        let cfg = config(&server, "OU=Leavers,OU=School", &engine);
        let mut text = std::fs::read_to_string(&cfg).expect("config");
        text.push_str(
            "linked = [\"adm-{username}\"]\n\n[protect]\naccounts = [\"Administrator\", \"krbtgt\", \"Guest\", \"adm-sarah.roberts\"]\n",
        );
        std::fs::write(&cfg, text).expect("config");
        let staff = parent_of(&server, "sarah.roberts");
        add_user(
            &server,
            &staff,
            "adm-sarah.roberts",
            "Sarah",
            "Roberts",
            "Sarah Roberts (Admin)",
        );
        add_user(
            &server,
            &staff,
            "adm-zoe.garcia",
            "Zoe",
            "Garcia",
            "Zoe Garcia (Admin)",
        );
        let d = as_of().to_string();
        let rows = "Id,AD Username,Forename,Surname,Role,Leaving Date\r\n\
             P777777,harry.hughes,Jordan,Whitfield,Pupil,01/09/2026\r\n\
             P100006,,Jordan,Whitfield,Pupil,01/09/2026\r\n\
             P100004,,Renee,MULLER,Pupil,01/09/2026\r\n\
             P100008,,Zoé,García,Pupil,01/09/2026\r\n\
             S200001,,Sarah,Roberts,Staff,01/09/2026\r\n";
        let utf8 = server.dir.join("mis-utf8.csv");
        std::fs::write(&utf8, format!("\u{feff}{rows}")).expect("mis");
        let cp1252 = server.dir.join("mis-1252.csv");
        let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(rows);
        assert!(!bad);
        std::fs::write(&cp1252, &bytes).expect("mis");
        for csv in [&utf8, &cp1252] {
            let rows = findings(&cfg, &d, csv.to_str().expect("path"));
            let harry = finding(&rows, "harry.hughes", "left");
            assert_eq!(harry["action"], "review", "{harry}");
            assert!(
                harry["evidence"].as_str().is_some_and(|e| e.contains(
                    "the row's id P777777 matches no account; harry.hughes belongs to Harry Hughes, P100001"
                )),
                "{harry}"
            );
            let grace = finding(&rows, "grace.hall", "left");
            assert_eq!(grace["action"], "review", "{grace}");
            assert!(grace["evidence"].as_str().is_some_and(|e| e.contains(
                "the row's id P100006 is grace.hall's, but the row names Jordan Whitfield"
            )));
            assert_eq!(finding(&rows, "renee.muller", "left")["action"], "suspend");
            let zoe = finding(&rows, "zoe.garcia", "left");
            assert_eq!(zoe["action"], "suspend");
            assert_eq!(zoe["linked"][0]["username"], "adm-zoe.garcia", "{zoe}");
            assert_eq!(zoe["linked"][0]["action"], "suspend", "{zoe}");
            let sarah = finding(&rows, "sarah.roberts", "left");
            assert_eq!(
                sarah["linked"][0]["username"], "adm-sarah.roberts",
                "{sarah}"
            );
            assert_eq!(sarah["linked"][0]["action"], "by-hand", "{sarah}");
        }
        let csv_s = utf8.to_str().expect("path");
        let dry = st(&cfg, &["--as-of", &d, "sweep", "--mis", csv_s], None).ok();
        assert!(
            dry.stdout.contains("adm-sarah.roberts")
                && dry.stdout.contains("to disable by hand: protected"),
            "{}",
            dry.stdout
        );
        assert!(
            dry.stdout.contains("P777777 matches no account"),
            "{}",
            dry.stdout
        );
        let r = st(&cfg, &["sweep", "--mis", csv_s, "--apply", "--yes"], None).ok();
        assert!(r.stdout.contains("finished"), "{}", r.stdout);
        for (u, on) in [
            ("harry.hughes", true),
            ("grace.hall", true),
            ("renee.muller", false),
            ("zoe.garcia", false),
            ("adm-zoe.garcia", false),
            ("sarah.roberts", false),
            ("adm-sarah.roberts", true),
        ] {
            assert_eq!(enabled(&server, u), on, "{u} on {:?}", server.flavour);
        }
        // The termly report counts the protected linked account red until it is disabled.
        let rep = st(
            &cfg,
            &[
                "report",
                "termly",
                "--from",
                "2026-09-01",
                "--to",
                "2026-12-31",
                "--format",
                "json",
            ],
            None,
        );
        assert!(
            rep.stdout.contains("Linked accounts to disable by hand")
                && rep.stdout.contains("adm-sarah.roberts"),
            "{} {}",
            rep.stdout,
            rep.stderr
        );

        // Restored, enabled, then disabled for another reason: no purge, however long after.
        let later = (as_of() + Duration::days(400)).to_string();
        let overdue = |u: &str| {
            let r = st(
                &cfg,
                &[
                    "--as-of",
                    &later,
                    "leavers",
                    "scan",
                    "--reason",
                    "overdue-purge",
                    "--format",
                    "json",
                ],
                None,
            );
            r.json()
                .as_array()
                .expect("array")
                .iter()
                .any(|f| f["username"].as_str() == Some(u))
        };
        assert!(
            overdue("sarah.roberts"),
            "the control: sarah.roberts is due"
        );
        assert!(overdue("zoe.garcia"));
        st(
            &cfg,
            &["leavers", "restore", "zoe.garcia", "--show-password"],
            None,
        )
        .ok();
        st(
            &cfg,
            &["accounts", "disable", "zoe.garcia", "--reason", "off sick"],
            None,
        )
        .ok();
        assert!(
            !overdue("zoe.garcia"),
            "zoe.garcia is due for deletion after a restore"
        );

        // A new account with a suspended account's username, as the sweep would have left it:
        // another object, never purged.
        assert!(overdue("renee.muller"));
        let old_dn = server.user_dn("renee.muller");
        let old = server.ldapsearch_in(&old_dn, "base", "(objectClass=*)", &["description"]);
        let stamp = support::ldif_values(&old, "description")
            .into_iter()
            .next()
            .expect("the stamp");
        server.ldapmodify(&format!("dn: {old_dn}\nchangetype: delete\n\n"));
        let leavers = format!("OU=Leavers,OU=School,{}", server.base_dn);
        add_user(
            &server,
            &leavers,
            "renee.muller",
            "Renee",
            "Muller",
            "Renee Muller",
        );
        let new_dn = server.user_dn("renee.muller");
        let disable = match server.flavour {
            Flavour::ActiveDirectory => "replace: userAccountControl\nuserAccountControl: 546\n-\n",
            Flavour::OpenLdap => {
                "replace: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n-\n"
            }
        };
        server.ldapmodify(&format!(
            "dn: {new_dn}\nchangetype: modify\n{disable}replace: description\ndescription: {stamp}\n-\n\n"
        ));
        assert!(!enabled(&server, "renee.muller"));
        assert!(
            !overdue("renee.muller"),
            "the new renee.muller inherited the old record"
        );
        let purge = st(&cfg, &["--as-of", &later, "sweep", "purge"], None).ok();
        let due: Vec<&str> = purge
            .stdout
            .lines()
            .filter_map(|l| l.split_once(": delete").map(|x| x.0))
            .collect();
        assert!(due.contains(&"sarah.roberts"), "{}", purge.stdout);
        assert!(
            !due.contains(&"renee.muller") && !due.contains(&"zoe.garcia"),
            "{}",
            purge.stdout
        );
    }
}

/// PostgreSQL stopped in the middle of a run (issue 27; `store_engines.rs` proves the engine
/// refuses a write once the server is gone, this proves the CLI and the directory): a sweep is
/// held after its first step was sent, the harness stops PostgreSQL, the sweep goes on and
/// cannot record that step, so it stops, saying the store cannot be reached, before sending
/// anything more; the next change (`accounts disable`) is refused the same way before anything
/// is sent. The directory is unchanged from the moment PostgreSQL went (an ldapsearch of the
/// targets before and after). With PostgreSQL back, `sweep --resume` finishes it, nothing twice.
#[test]
fn postgres_stopped_mid_run_refuses_the_next_change_and_the_directory_is_unchanged() {
    let server = TestServer::slapd();
    let (engine, pg) = Engine::postgres_private();
    let cfg = config(&server, "OU=Leavers,OU=School", &engine);
    let csv = mis(&server.dir);
    let csv_s = csv.to_str().expect("path");
    let d = as_of().to_string();
    let now = common::end_of(&d);
    let go = server.dir.join("go-on");
    let go_s = go.to_str().expect("path");
    let targets = "(|(uid=grace.hall)(uid=harry.hughes)(uid=jack.walker))";
    let snapshot = || server.ldapsearch(targets, &["*", "+"]);

    let sweep = Paused::start(
        &cfg,
        &["sweep", "--mis", csv_s, "--apply", "--yes"],
        "sweep-step-sent",
        &[
            ("SCHOOLTECH_TEST_NOW", now.as_str()),
            ("SCHOOLTECH_TEST_RESUME_WHEN", go_s),
        ],
    );
    assert!(sweep.paused, "the sweep never reached its first step");
    pg.stop();
    let before = snapshot();
    std::fs::write(&go, "").expect("letting the sweep go on");
    let (code, said) = sweep.finish();
    assert_ne!(code, 0, "the sweep went on without its store: {said}");
    assert!(
        said.contains("PostgreSQL") || said.contains("postgres://"),
        "{said}"
    );
    assert_eq!(
        snapshot(),
        before,
        "the sweep changed the directory after PostgreSQL went"
    );

    let r = st(
        &cfg,
        &[
            "accounts",
            "disable",
            "jack.walker",
            "--reason",
            "left school",
        ],
        None,
    );
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains("cannot reach the store") && r.stderr.contains("PostgreSQL is running"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("Sch00l"),
        "a password was printed: {}",
        r.stderr
    );
    assert_eq!(
        snapshot(),
        before,
        "the refused change reached the directory"
    );

    // PostgreSQL back: the sweep is resumed and finished, every step once; jack.walker untouched.
    pg.start();
    let resumed = st(&cfg, &["sweep", "--resume"], None);
    assert_eq!(resumed.code, 0, "{} {}", resumed.stdout, resumed.stderr);
    for u in ["grace.hall", "harry.hughes"] {
        for a in ["leaver.disable", "leaver.stamp", "leaver.move"] {
            let n = log_rows(&cfg, a)
                .iter()
                .filter(|r| r["target"].as_str() == Some(u))
                .count();
            assert_eq!(n, 1, "{a} {u}");
        }
    }
    assert!(log_rows(&cfg, "account.disable").is_empty());
    assert!(!server
        .ldapsearch("(uid=jack.walker)", &["pwdAccountLockedTime"])
        .contains("pwdAccountLockedTime:"));
    st(&cfg, &["log", "pending"], None).ok();
    st(&cfg, &["log", "verify"], None).ok();
}
