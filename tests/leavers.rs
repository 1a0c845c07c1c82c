//! Leavers against a real Samba AD DC: a scan over the fixture with several reasons (MIS
//! leavers by id and by username, a future leaver, a similar name, inactive with the lag,
//! a protected admin), then a sweep killed with a real `kill -9` after its first step was sent
//! (the debug binary's `SCHOOLTECH_TEST_PAUSE_AT=sweep-step-sent`), `sweep --resume`, and a check
//! that the directory, the journal and the action log agree and nothing was done twice.

mod common;
mod support;

use chrono::{Duration, NaiveDate, Utc};
use common::{st, st_on};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;
use support::engines::Engine;
use support::pause::Paused;
use support::TestServer;

/// The day the rules are judged at: a fixed day, or the fixture's own day when later (its
/// accounts are made the day the harness provisions it). The answers are the same either way:
/// every date below is relative to it.
fn as_of() -> NaiveDate {
    let fixed = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    fixed.max(Utc::now().date_naive() + Duration::days(1))
}

fn filetime(d: NaiveDate) -> i64 {
    let t = d.and_hms_opt(0, 0, 0).expect("time").and_utc().timestamp();
    (t + 11_644_473_600) * 10_000_000
}

fn set_last_logon(server: &mut TestServer, who: &[(&str, NaiveDate)]) {
    let mut ldif = String::new();
    for (u, d) in who {
        let dn = server.user_dn(u);
        let created = (*d - Duration::days(365)).format("%Y%m%d000000.0Z");
        ldif.push_str(&format!(
            "dn: {dn}\nchangetype: modify\nreplace: lastLogonTimestamp\nlastLogonTimestamp: {}\n-\nreplace: whenCreated\nwhenCreated: {created}\n\n",
            filetime(*d)
        ));
    }
    server.samba_modify_offline(&ldif);
}

fn config(server: &TestServer) -> PathBuf {
    let cfg = server.write_config();
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(
        "\n[mis]\nmode = \"leavers\"\nid_column = \"Id\"\nusername_column = \"AD Username\"\n\
         first_name_column = \"Forename\"\nlast_name_column = \"Surname\"\nrole_column = \"Role\"\n\
         leaving_date_column = \"Leaving Date\"\n\n[leavers]\nou = \"OU=Leavers,OU=School\"\n",
    );
    std::fs::write(&cfg, text).expect("config");
    cfg
}

fn mis(dir: &Path) -> PathBuf {
    let p = dir.join("mis-leavers.csv");
    let text = "\u{feff}Id,AD Username,Forename,Surname,Role,Leaving Date\r\n\
        P100001,,Harry,Hughes,Pupil,01/09/2026\r\n\
        ,grace.hall,Grace,Hall,Pupil,2026-10-15\r\n\
        S200001,sarah.roberts,Sarah,Roberts,Staff,31-10-2026\r\n\
        P100018,,Evie,Li,Pupil,20/07/2027\r\n\
        P999999,,Osker,Green,Pupil,01/09/2026\r\n\
        P100001,,Harry,Hughes,Pupil,01/09/2026\r\n\
        ,Administrator,Admin,Account,Staff,01/09/2026\r\n\
        P888888,,Nobody,Knownatall,Pupil,01/09/2026\r\n\
        P100003,,Jack,Walker,Pupil,01/09/2026\r\n\
        P100017,,Jack,Walker,Pupil,01/09/2026\r\n";
    std::fs::write(&p, text).expect("mis");
    p
}

fn by_user(rows: &serde_json::Value) -> Vec<(String, String, String, bool)> {
    rows.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            (
                r["username"].as_str().unwrap_or("").to_lowercase(),
                r["reason"].as_str().unwrap_or("").to_string(),
                r["action"].as_str().unwrap_or("").to_string(),
                r["protected"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// Starts the sweep "on" `day` and leaves it paused (alive) after sending its first step.
fn pause_mid_sweep(cfg: &Path, day: &str, args: &[&str]) -> Paused {
    let now = common::end_of(day);
    Paused::start(
        cfg,
        args,
        "sweep-step-sent",
        &[("SCHOOLTECH_TEST_NOW", now.as_str())],
    )
}

/// Advisory locks held in the test's PostgreSQL database (the running workers' liveness).
fn pg_live_locks(engine: &Engine) -> i64 {
    engine
        .superuser_sql(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
        )
        .parse()
        .expect("a count")
}

support::engines::both_engines!(scan_then_sweep_killed_with_kill_9_and_resumed_on_samba);

fn scan_then_sweep_killed_with_kill_9_and_resumed_on_samba(engine: &Engine) {
    let mut server = TestServer::samba();
    let day = as_of();
    set_last_logon(
        &mut server,
        &[
            ("ida.wu", day - Duration::days(200)),
            ("arthur.wright", day - Duration::days(97)),
            ("ella.clarke", day - Duration::days(3)),
        ],
    );
    let cfg = config(&server);
    engine.configure(&cfg);
    let csv = mis(&server.dir);
    let d = day.to_string();
    let csv_s = csv.to_str().expect("path");

    // The scan.
    let scan = st(
        &cfg,
        &[
            "--as-of", &d, "leavers", "scan", "--mis", csv_s, "--format", "json",
        ],
        None,
    );
    assert_eq!(scan.code, 1, "{}", scan.stderr);
    let rows = by_user(&scan.json());
    let has = |u: &str, reason: &str, action: &str| {
        rows.iter()
            .any(|r| r.0 == u && r.1 == reason && r.2 == action)
    };
    assert!(has("harry.hughes", "left", "suspend"), "{rows:?}");
    assert_eq!(
        rows.iter()
            .filter(|r| r.0 == "harry.hughes" && r.1 == "left")
            .count(),
        1,
        "two rows, one finding"
    );
    assert!(has("grace.hall", "left", "suspend"));
    assert!(has("sarah.roberts", "left", "suspend"));
    assert!(
        !rows.iter().any(|r| r.0 == "evie.li" && r.1 == "left"),
        "future leaver"
    );
    assert!(has("oscar.green", "left", "review"), "similar name");
    assert!(has("ida.wu", "inactive", "review"));
    assert!(
        !rows
            .iter()
            .any(|r| r.0 == "arthur.wright" && r.1 == "inactive"),
        "lag respected"
    );
    assert!(!rows
        .iter()
        .any(|r| r.0 == "ella.clarke" && r.1 == "inactive"));
    assert!(
        rows.iter()
            .any(|r| r.0 == "administrator" && r.3 && r.2 == "none"),
        "protected admin listed"
    );
    assert!(
        scan.stderr.contains("P888888") && scan.stderr.contains("matches no account"),
        "{}",
        scan.stderr
    );
    let only = st(
        &cfg,
        &[
            "--as-of", &d, "leavers", "scan", "--mis", csv_s, "--reason", "inactive", "--format",
            "json",
        ],
        None,
    );
    assert!(by_user(&only.json()).iter().all(|r| r.1 == "inactive"));

    // Bad input refused, naming line, column and value; nothing changes.
    let bad = server.dir.join("bad.csv");
    std::fs::write(&bad, "Id,AD Username,Forename,Surname,Role,Leaving Date\nP100001,,Harry,Hughes,Pupil,31/02/2026\nP100003,,Jack,Walker,Pupil,03/04/05\n").expect("bad");
    let r = st(
        &cfg,
        &[
            "--as-of",
            &d,
            "sweep",
            "--mis",
            bad.to_str().expect("p"),
            "--apply",
            "--yes",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("line 2")
            && r.stderr.contains("31/02/2026")
            && r.stderr.contains("Leaving Date"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("03/04/05") && r.stderr.contains("two-digit"),
        "{}",
        r.stderr
    );
    let nocol = server.dir.join("nocol.csv");
    std::fs::write(
        &nocol,
        "Id,AD Username,Forename,Surname,Role\nP100001,,Harry,Hughes,Pupil\n",
    )
    .expect("nocol");
    let r = st(
        &cfg,
        &[
            "--as-of",
            &d,
            "leavers",
            "scan",
            "--mis",
            nocol.to_str().expect("p"),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("Leaving Date") && r.stderr.contains("Id, AD Username"),
        "{}",
        r.stderr
    );

    // The sweep: a dry run changes nothing; then killed after its first step was sent.
    let plan = st(&cfg, &["--as-of", &d, "sweep", "--mis", csv_s], None).ok();
    assert!(
        plan.stdout.contains("harry.hughes") && plan.stdout.contains("For review"),
        "{}",
        plan.stdout
    );
    // Everything the scan says to suspend (the MIS leavers, and the fixture's expired accounts).
    let leavers: HashSet<String> = rows
        .iter()
        .filter(|r| r.2 == "suspend")
        .map(|r| r.0.clone())
        .collect();
    // jack.walker and jack.walker2 share a CN ("Jack Walker"): the second is renamed in the OU.
    for u in [
        "grace.hall",
        "harry.hughes",
        "sarah.roberts",
        "jack.walker",
        "jack.walker2",
    ] {
        assert!(leavers.contains(u));
    }
    // Run "on" that day (a fixed clock): --as-of refuses changes.
    let args = ["sweep", "--mis", csv_s, "--apply", "--yes"];
    let running = pause_mid_sweep(&cfg, &d, &args);
    assert!(running.paused, "the sweep never paused");
    // While it is alive (paused at the test point), nobody else resumes it: on PostgreSQL its
    // liveness is its session's advisory lock, seen in pg_locks, never this host's /proc.
    let busy = st(&cfg, &["sweep", "--resume"], None);
    assert_ne!(busy.code, 0, "{} {}", busy.stdout, busy.stderr);
    assert!(
        busy.stderr.contains("another schooltech") && busy.stderr.contains("wait for it to finish"),
        "{}",
        busy.stderr
    );
    if engine.is_postgres() {
        assert!(
            busy.stderr.contains("session") && busy.stderr.contains("PostgreSQL store"),
            "{}",
            busy.stderr
        );
        assert!(pg_live_locks(engine) >= 1, "the live sweep holds no lock");
    } else {
        assert!(
            busy.stderr.contains(&format!("process {}", running.pid())),
            "{}",
            busy.stderr
        );
    }
    assert!(running.kill(), "kill -9");
    if engine.is_postgres() {
        // Its connection closed with it: the lock is gone, for any server.
        let t0 = Instant::now();
        while pg_live_locks(engine) > 0 {
            assert!(
                t0.elapsed() < std::time::Duration::from_secs(10),
                "the lock outlived the killed sweep"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    // Another sweep is refused while that run is unfinished.
    let again = st_on(&cfg, &d, &args, None);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("--resume"), "{}", again.stderr);
    let resumed = st(&cfg, &["sweep", "--resume"], None);
    assert_eq!(resumed.code, 0, "{} {}", resumed.stdout, resumed.stderr);
    assert!(resumed.stdout.contains("finished"), "{}", resumed.stdout);

    // The directory: every leaver disabled, in the Leavers OU, out of its groups, stamped.
    let base = server.base_dn.clone();
    let in_leavers = server.ldapsearch_in(
        &format!("OU=Leavers,OU=School,{base}"),
        "one",
        "(&(objectClass=user)(userAccountControl:1.2.840.113556.1.4.803:=2))",
        &[
            "sAMAccountName",
            "description",
            "memberOf",
            "accountExpires",
        ],
    );
    let names: HashSet<String> = support::ldif_values(&in_leavers, "sAMAccountName")
        .into_iter()
        .map(|s| s.to_lowercase())
        .collect();
    assert!(leavers.is_subset(&names), "{in_leavers}");
    // Besides them, only the fixture's own old leaver (disabled there before the sweep).
    let others: Vec<&String> = names.difference(&leavers).collect();
    assert_eq!(others, vec!["freya.gone"], "{in_leavers}");
    assert!(
        support::ldif_values(&in_leavers, "memberOf").is_empty(),
        "{in_leavers}"
    );
    let descs = support::ldif_values(&in_leavers, "description");
    let stamped = descs
        .iter()
        .filter(|d| d.starts_with("Left 20") && d.contains("; suspended by schooltech "))
        .count();
    assert_eq!(stamped, leavers.len(), "{descs:?}");
    // On AD accountExpires is set (the fixture's old leaver keeps "never").
    let never = support::ldif_values(&in_leavers, "accountExpires")
        .iter()
        .filter(|v| *v == "0" || *v == "9223372036854775807")
        .count();
    assert_eq!(never, 1, "{in_leavers}");

    // The journal: nothing open; the log: every step once, and the chain holds.
    let pending = st(&cfg, &["log", "pending"], None);
    assert_eq!(pending.code, 0, "{} {}", pending.stdout, pending.stderr);
    let log = st(&cfg, &["log", "show", "--format", "json"], None)
        .ok()
        .json();
    let mut seen = HashSet::new();
    let mut n = 0;
    for r in log.as_array().expect("array") {
        let a = r["action"].as_str().unwrap_or("").to_string();
        if a.starts_with("leaver.") {
            n += 1;
            assert!(
                seen.insert((a, r["target"].as_str().unwrap_or("").to_lowercase())),
                "done twice: {r}"
            );
        }
    }
    for u in &leavers {
        for a in ["leaver.disable", "leaver.stamp", "leaver.move"] {
            assert!(
                seen.contains(&(a.to_string(), u.clone())),
                "{a} {u} not in the log"
            );
        }
    }
    assert!(n >= leavers.len() * 3);
    st(&cfg, &["log", "verify"], None).ok();

    // Again: nothing to do; the report lists the run.
    let second = st(&cfg, &args, None).ok();
    assert!(second.stdout.contains("nothing to do"), "{}", second.stdout);
    let list = st(&cfg, &["sweep", "list"], None).ok();
    let run_id = list
        .stdout
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .expect("a run")
        .to_string();
    let report = st(
        &cfg,
        &["sweep", "report", &run_id, "--format", "json"],
        None,
    )
    .ok()
    .json();
    assert_eq!(
        report["accounts"].as_array().map(Vec::len),
        Some(leavers.len()),
        "{report}"
    );
    let rescan = st(
        &cfg,
        &[
            "--as-of", &d, "leavers", "scan", "--mis", csv_s, "--format", "json",
        ],
        None,
    );
    assert!(!by_user(&rescan.json())
        .iter()
        .any(|r| r.1 == "left" && r.2 == "suspend"));

    // Restore brings grace.hall back exactly: OU, groups, description, enabled.
    let r = st(
        &cfg,
        &["leavers", "restore", "grace.hall", "--show-password"],
        None,
    )
    .ok();
    assert!(r.stdout.contains("temporary password"), "{}", r.stdout);
    let back = server.ldapsearch(
        "(sAMAccountName=grace.hall)",
        &["userAccountControl", "memberOf", "description"],
    );
    assert!(back.contains("OU=Year 7,OU=Pupils"), "{back}");
    assert!(back.contains("memberOf: CN=Pupils,OU=School"), "{back}");
    assert!(!back.contains("description:"), "{back}");
    let uac: i64 = support::ldif_values(&back, "userAccountControl")
        .first()
        .and_then(|v| v.parse().ok())
        .expect("uac");
    assert_eq!(uac & 2, 0, "enabled again: {back}");

    // Purge after the grace period (staff 90 days): the others are deleted, a record kept.
    let later = (day + Duration::days(100)).to_string();
    let dry = st(&cfg, &["--as-of", &later, "sweep", "purge"], None).ok();
    assert!(
        dry.stdout.contains("harry.hughes") && !dry.stdout.contains("grace.hall"),
        "{}",
        dry.stdout
    );
    let soon = (day + Duration::days(5)).to_string();
    let none = st(&cfg, &["--as-of", &soon, "sweep", "purge"], None).ok();
    assert!(none.stdout.contains("0 account(s)"), "{}", none.stdout);
    st_on(&cfg, &later, &["sweep", "purge", "--apply", "--yes"], None).ok();
    for u in leavers.iter().filter(|u| *u != "grace.hall") {
        let e = server.ldapsearch(&format!("(sAMAccountName={u})"), &["1.1"]);
        assert!(!e.contains("dn:"), "{u} still exists: {e}");
    }
    assert!(server
        .ldapsearch("(sAMAccountName=grace.hall)", &["1.1"])
        .contains("dn:"));
    st(&cfg, &["log", "verify"], None).ok();
}
