//! `kill -9` of a real `schooltech` process at each step of a create and a password reset,
//! against real Samba AD and OpenLDAP. The debug binary stops where `$SCHOOLTECH_TEST_PAUSE_AT`
//! says (see `src/testpoint.rs`); the test kills it there. The next run and `log pending` must
//! then show exactly what the directory holds: a row in the action log for what was made, none
//! for what was not, and a half-made account reported, not hidden.

mod common;
mod support;

use common::st;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::engines::Engine;
use support::pause::kill_at;
use support::{Flavour, TestServer};

support::engines::both_engines!(killed_at_each_step_the_next_run_tells_the_truth);

fn config(server: &TestServer, engine: &Engine) -> PathBuf {
    let cfg = server.write_config();
    engine.configure(&cfg);
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(
        "\n[directory.roles.pupil]\nous = [\"OU=Pupils,OU=School\"]\n\
         create_in = \"OU=Year 7,OU=Pupils,OU=School\"\ndefault_groups = [\"Pupils\"]\n",
    );
    text.push_str(&format!(
        "\n[accounts]\nhandout_dir = \"{}\"\n",
        server.dir.display()
    ));
    std::fs::write(&cfg, text).expect("config");
    cfg
}

fn log_rows(cfg: &Path, action: &str, target: &str) -> Vec<serde_json::Value> {
    st(
        cfg,
        &["log", "show", "--action", action, "--format", "json"],
        None,
    )
    .ok()
    .json()
    .as_array()
    .cloned()
    .unwrap_or_default()
    .into_iter()
    .filter(|r| r["target"].as_str() == Some(target))
    .collect()
}

fn pwd_time(server: &TestServer, user: &str) -> String {
    let attr = match server.flavour {
        Flavour::ActiveDirectory => "pwdLastSet",
        Flavour::OpenLdap => "pwdChangedTime",
    };
    let ua = server.flavour.username_attribute();
    server
        .ldapsearch(&format!("({ua}={user})"), &[attr])
        .lines()
        .find(|l| l.starts_with(attr))
        .unwrap_or("")
        .to_string()
}

fn killed_at_each_step_the_next_run_tells_the_truth(engine: &Engine) {
    for server in TestServer::both() {
        let engine = engine.another();
        let fl = server.flavour.config_name();
        let cfg = config(&server, &engine);
        let ol = server.flavour == Flavour::OpenLdap;

        // Create.
        let mut steps = vec!["journal-begun", "create-added"];
        if ol {
            steps.push("create-password-set");
        }
        steps.extend(["sent", "recorded"]);
        for (i, step) in steps.iter().enumerate() {
            let user = format!("kill.test{i}");
            let what = format!("{fl}: create killed at {step}");
            let args = [
                "accounts",
                "create",
                "--role",
                "pupil",
                "--first",
                "Kill",
                "--last",
                &format!("Test{i}"),
                "--username",
                &user,
                "--show-password",
            ];
            assert!(kill_at(&cfg, &args, step), "{what}: never paused");
            let ua = server.flavour.username_attribute();
            let entry = server.ldapsearch(&format!("({ua}={user})"), &["cn"]);
            let exists = entry.contains("dn:");
            let in_group = exists && {
                let dn = server.user_dn(&user);
                server
                    .ldapsearch(
                        &format!("(&(cn=Pupils)(member={}))", support::escape_filter(&dn)),
                        &["1.1"],
                    )
                    .contains("dn:")
            };
            let half = exists && !in_group;
            // The next run settles what it can, and says so.
            let next = st(&cfg, &["accounts", "show", "harry.hughes"], None).ok();
            if *step != "recorded" {
                assert!(
                    next.stderr.contains("journal entry"),
                    "{what}: the next run said nothing: {}",
                    next.stderr
                );
            }
            let p = st(&cfg, &["log", "pending"], None);
            let rows = log_rows(&cfg, "account.create", &user);
            match *step {
                "journal-begun" => {
                    assert!(!exists, "{what}");
                    assert_eq!(p.code, 0, "{what}: {}", p.stdout);
                    assert!(rows.is_empty(), "{what}: {rows:?}");
                }
                "sent" | "recorded" => {
                    assert!(exists && in_group, "{what}: {entry}");
                    assert_eq!(p.code, 0, "{what}: {}", p.stdout);
                    assert_eq!(rows.len(), 1, "{what}: {rows:?}");
                }
                _ => {
                    // Half made: in the log as incomplete, and still reported as open.
                    assert!(half, "{what}: {entry}");
                    assert_eq!(p.code, 1, "{what}: {}", p.stdout);
                    assert!(
                        p.stdout.contains(&user) && p.stdout.contains("Pupils"),
                        "{what}: {}",
                        p.stdout
                    );
                    assert_eq!(rows.len(), 1, "{what}: {rows:?}");
                    assert!(rows[0]["details"]["incomplete"].is_string(), "{what}");
                    // The technician finishes it by hand; then nothing is open, and no second row.
                    let group = match server.flavour {
                        Flavour::ActiveDirectory => {
                            format!("CN=Pupils,OU=School,{}", server.base_dn)
                        }
                        Flavour::OpenLdap => format!("cn=Pupils,ou=Groups,{}", server.base_dn),
                    };
                    server.ldapmodify(&format!(
                        "dn: {group}\nchangetype: modify\nadd: member\nmember: {}\n",
                        server.user_dn(&user)
                    ));
                    let p = st(&cfg, &["log", "pending"], None);
                    assert_eq!(p.code, 0, "{what}: after finishing by hand: {}", p.stdout);
                    assert_eq!(log_rows(&cfg, "account.create", &user).len(), 1, "{what}");
                }
            }
        }

        // Reset (not temporary, so the directory's password time shows whether it was set).
        let user = "sarah.roberts";
        let mut steps = vec!["journal-begun"];
        if ol {
            steps.push("password-modified");
        }
        steps.extend(["sent", "recorded"]);
        for step in steps {
            let what = format!("{fl}: reset killed at {step}");
            let before_rows = log_rows(&cfg, "password.reset", user).len();
            let before = pwd_time(&server, user);
            std::thread::sleep(Duration::from_millis(1100));
            let args = [
                "accounts",
                "reset-password",
                user,
                "--no-temporary",
                "--show-password",
            ];
            assert!(kill_at(&cfg, &args, step), "{what}: never paused");
            let changed = pwd_time(&server, user) != before;
            assert_eq!(changed, step != "journal-begun", "{what}");
            let next = st(&cfg, &["accounts", "show", "harry.hughes"], None).ok();
            if step != "recorded" {
                assert!(
                    next.stderr.contains("journal entry"),
                    "{what}: the next run said nothing: {}",
                    next.stderr
                );
            }
            let p = st(&cfg, &["log", "pending"], None);
            assert_eq!(p.code, 0, "{what}: {}", p.stdout);
            let rows = log_rows(&cfg, "password.reset", user).len();
            assert_eq!(rows, before_rows + usize::from(changed), "{what}: log rows");
        }
        let v = st(&cfg, &["log", "verify"], None);
        assert_eq!(v.code, 0, "{fl}: {}", v.stdout);
    }
}
