//! Targets are identities, re-checked when the change is made (issue 21, item 3), on real Samba
//! AD and slapd: a sweep killed with `kill -9` part-way, then one planned account deleted and
//! replaced by another with the same username and another moved to another OU; `sweep --resume`
//! refuses the replaced one's steps with the reason (the new account untouched), follows the
//! moved one (its steps depend on the object, not on where it is) and does the rest. The same
//! for `sweep purge`: killed part-way, a planned account replaced, the purge resumed refuses it.

mod common;
mod support;

use chrono::{Duration, NaiveDate, Utc};
use common::st_on;
use schooltech::config::Config;
use schooltech::directory;
use schooltech::ops::change::{self, Change};
use schooltech::ops::Ctx;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use support::{Flavour, TestServer};

fn as_of() -> NaiveDate {
    let fixed = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    fixed.max(Utc::now().date_naive() + Duration::days(1))
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
    std::fs::write(
        &p,
        "Id,AD Username,Forename,Surname,Role,Leaving Date\r\n\
         ,grace.hall,Grace,Hall,Pupil,2026-10-15\r\n\
         ,harry.hughes,Harry,Hughes,Pupil,01/09/2026\r\n\
         ,oscar.green,Oscar,Green,Pupil,01/09/2026\r\n",
    )
    .expect("mis");
    p
}

/// Runs schooltech (its clock at the end of `day`) until it says it paused at `step`, then
/// kills it with SIGKILL. False when it finished without reaching the step.
fn kill_at(cfg: &Path, day: &str, args: &[&str], step: &str) -> bool {
    let now = common::end_of(day);
    let mut child = Command::new(env!("CARGO_BIN_EXE_schooltech"))
        .arg("--config")
        .arg(cfg)
        .args(args)
        .env("SCHOOLTECH_TEST_PAUSE_AT", step)
        .env("SCHOOLTECH_TEST_NOW", now)
        .env_remove("SCHOOLTECH_BIND_PASSWORD")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting schooltech");
    let err = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(|l| l.ok()) {
            if line.contains("paused at") {
                let _ = tx.send(true);
            }
        }
        let _ = tx.send(false);
    });
    let start = Instant::now();
    let paused = loop {
        match rx.recv_timeout(std::time::Duration::from_millis(100)) {
            Ok(p) => break p,
            Err(_) if start.elapsed() > std::time::Duration::from_secs(90) => break false,
            Err(_) => continue,
        }
    };
    child.kill().expect("kill -9");
    child.wait().expect("reaping");
    paused
}

fn parent_of(server: &TestServer, user: &str) -> String {
    let dn = server.user_dn(user);
    dn.split_once(',')
        .map(|x| x.1.to_string())
        .unwrap_or_default()
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

fn description(server: &TestServer, user: &str) -> Vec<String> {
    let dn = server.user_dn(user);
    let e = server.ldapsearch_in(&dn, "base", "(objectClass=*)", &["description"]);
    support::ldif_values(&e, "description")
}

/// Deletes `user` and adds another account with the same username in the same OU (enabled,
/// with `extra` LDIF lines). Returns the new DN.
fn replace(server: &TestServer, user: &str, extra: &str) -> String {
    let old = server.user_dn(user);
    let parent = parent_of(server, user);
    server.ldapmodify(&format!("dn: {old}\nchangetype: delete\n\n"));
    let ldif = match server.flavour {
        Flavour::ActiveDirectory => format!(
            "dn: CN=New {user},{parent}\nchangetype: add\nobjectClass: user\nsAMAccountName: {user}\n\
             givenName: New\nsn: Person\ndisplayName: New Person\nuserAccountControl: 544\n{extra}\n"
        ),
        Flavour::OpenLdap => format!(
            "dn: uid={user},{parent}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: {user}\n\
             cn: New Person\ngivenName: New\nsn: Person\ndisplayName: New Person\n{extra}\n"
        ),
    };
    server.ldapmodify(&ldif);
    server.user_dn(user)
}

/// Moves `user` to `ou` (under the base), keeping its entry name.
fn move_to(server: &TestServer, user: &str, ou: &str) {
    let dn = server.user_dn(user);
    let (rdn, _) = dn.split_once(',').expect("rdn");
    server.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modrdn\nnewrdn: {rdn}\ndeleteoldrdn: 1\nnewsuperior: {ou},{}\n\n",
        server.base_dn
    ));
}

#[test]
fn a_replaced_account_is_refused_at_resume_and_a_moved_one_followed() {
    for server in TestServer::both() {
        let cfg = config(&server);
        let csv = mis(&server.dir);
        let csv = csv.to_str().expect("path");
        let d = as_of().to_string();
        let leavers = format!("OU=Leavers,OU=School,{}", server.base_dn);
        assert!(
            kill_at(
                &cfg,
                &d,
                &["sweep", "--mis", csv, "--apply", "--yes"],
                "sweep-step-begun"
            ),
            "the sweep reached its first step"
        );
        // Between the kill and the resume: harry.hughes is deleted and another account takes
        // its username; oscar.green is moved to another OU.
        let new_dn = replace(&server, "harry.hughes", "");
        move_to(&server, "oscar.green", "OU=Staff,OU=School");
        let r = st_on(&cfg, &d, &["sweep", "--resume"], None);
        let said = format!("{}\n{}", r.stdout, r.stderr);
        assert_ne!(r.code, 0, "{said}");
        assert!(
            said.contains("harry.hughes is not the account that was planned"),
            "{:?}: {said}",
            server.flavour
        );
        // The new harry.hughes is untouched.
        assert!(enabled(&server, "harry.hughes"), "{said}");
        assert_eq!(server.user_dn("harry.hughes"), new_dn);
        assert!(description(&server, "harry.hughes").is_empty(), "{said}");
        // The others are suspended; the moved one followed to the Leavers OU.
        for u in ["grace.hall", "oscar.green"] {
            assert!(!enabled(&server, u), "{u} disabled: {said}");
            assert!(
                parent_of(&server, u).eq_ignore_ascii_case(&leavers),
                "{u} moved: {said}"
            );
        }
        // The refusal is final: the run finished with it, and nothing is left to resume.
        assert!(said.contains("; finished"), "{said}");
        let again = st_on(&cfg, &d, &["sweep", "--resume"], None).ok();
        assert!(
            again.stdout.contains("nothing to resume"),
            "{}",
            again.stdout
        );
        assert!(enabled(&server, "harry.hughes"));
        let log = common::st(&cfg, &["log", "show", "--format", "json"], None)
            .ok()
            .json();
        assert!(
            !log.as_array()
                .expect("array")
                .iter()
                .any(|r| r["target"].as_str() == Some("harry.hughes")
                    && r["action"].as_str() != Some("leaver.create-ou")),
            "nothing logged for harry.hughes: {log}"
        );

        // The purge: the two suspended long ago (the clock 400 days on).
        let later = (as_of() + Duration::days(400)).to_string();
        let dry = st_on(&cfg, &later, &["sweep", "purge"], None).ok();
        assert!(dry.stdout.contains("grace.hall"), "{}", dry.stdout);
        assert!(
            kill_at(
                &cfg,
                &later,
                &["sweep", "purge", "--apply", "--yes"],
                "sweep-step-begun"
            ),
            "the purge reached its first step"
        );
        // Both planned accounts are replaced; the purge resumed deletes neither new one.
        let replaced: Vec<(&str, String)> = ["grace.hall", "oscar.green"]
            .into_iter()
            .map(|u| (u, replace(&server, u, "")))
            .collect();
        let r = st_on(&cfg, &later, &["sweep", "--resume"], None);
        let said = format!("{}\n{}", r.stdout, r.stderr);
        for (u, dn) in &replaced {
            assert_eq!(&server.user_dn(u), dn, "{u} untouched: {said}");
            assert!(enabled(&server, u), "{u}: {said}");
        }
        assert!(
            said.contains("is not the account that was planned")
                || said.contains("no longer exists"),
            "{said}"
        );
    }
}

/// A single account change planned (as a preview is) and applied later: the account replaced
/// in between is refused with the reason and the new one untouched; one moved by someone else
/// is followed by a disable (it depends on the account, not its OU) and refuses a move (it
/// depends on where the account was).
#[test]
fn a_planned_change_is_applied_to_the_object_planned_or_refused() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    for server in TestServer::both() {
        let cfg = server.write_config();
        let (c, _) = Config::load(Some(&cfg)).expect("config");
        let pw = c.directory.bind_password().expect("password");
        let d = directory::from_config(&c.directory, c.directory.roles.clone(), pw).expect("dir");
        let ctx = Ctx::with_directory(c.clone(), d, server.dir.join("schooltech.db"), None);
        rt.block_on(async {
            let disable = || Change::Disable {
                reason: "left".into(),
            };
            let p = change::plan(&ctx, "ida.wu", disable()).await.expect("plan");
            let new_dn = replace(&server, "ida.wu", "");
            let err = change::apply(&ctx, &p).await.expect_err("refused");
            let err = err.to_string();
            assert!(
                err.contains("ida.wu is not the account that was planned"),
                "{:?}: {err}",
                server.flavour
            );
            assert!(enabled(&server, "ida.wu"), "the new ida.wu untouched");
            assert_eq!(server.user_dn("ida.wu"), new_dn);

            let p = change::plan(&ctx, "arthur.wright", disable())
                .await
                .expect("plan");
            move_to(&server, "arthur.wright", "OU=Staff,OU=School");
            change::apply(&ctx, &p).await.expect("followed");
            assert!(!enabled(&server, "arthur.wright"));

            let p = change::plan(
                &ctx,
                "ella.clarke",
                Change::Move {
                    ou: "OU=Leavers,OU=School".into(),
                },
            )
            .await
            .expect("plan");
            move_to(&server, "ella.clarke", "OU=Staff,OU=School");
            let err = change::apply(&ctx, &p)
                .await
                .expect_err("refused")
                .to_string();
            assert!(err.contains("was moved from"), "{err}");
            assert!(parent_of(&server, "ella.clarke")
                .to_lowercase()
                .starts_with("ou=staff"));
        });
    }
}
