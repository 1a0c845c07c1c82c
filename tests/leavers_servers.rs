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
use support::{Flavour, TestServer};

/// A day after the fixture was made (its accounts are made the day the harness provisions it).
fn as_of() -> NaiveDate {
    let fixed = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    fixed.max(Utc::now().date_naive() + Duration::days(1))
}

fn config(server: &TestServer, ou: &str) -> PathBuf {
    let cfg = server.write_config();
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

#[test]
fn a_missing_leavers_ou_is_named_refused_and_created_with_create_ou() {
    for server in TestServer::both() {
        let ou = "OU=Old Leavers,OU=School";
        let cfg = config(&server, ou);
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

#[test]
fn openldap_last_logon_is_judged_on_the_boundary_and_a_sweep_applies_on_slapd() {
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
    let cfg = config(&server, "OU=Leavers,OU=School");

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
