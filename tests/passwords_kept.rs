//! New passwords are never lost once set, against real Samba AD and OpenLDAP: with stdout not a
//! terminal, `reset-password` and `create` refuse before changing anything unless
//! --show-password; `accounts import --apply` opens its handout before the first account, writes
//! each line as the account is made (a kill -9 mid-way keeps what was made), refuses to start
//! when the handout cannot be written, and two imports never share a handout file.

mod common;
mod support;

use common::st;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{Flavour, TestServer};

fn config(server: &TestServer, handouts: &Path) -> PathBuf {
    let cfg = server.write_config();
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(&format!(
        "\n[accounts]\nhandout_dir = \"{}\"\n",
        handouts.display()
    ));
    std::fs::write(&cfg, text).expect("config");
    cfg
}

fn exists(server: &TestServer, user: &str) -> bool {
    let ua = server.flavour.username_attribute();
    server
        .ldapsearch(&format!("({ua}={user})"), &["1.1"])
        .contains("dn:")
}

fn pwd_time(server: &TestServer, user: &str) -> String {
    let attr = match server.flavour {
        Flavour::ActiveDirectory => "pwdLastSet",
        Flavour::OpenLdap => "pwdChangedTime",
    };
    let ua = server.flavour.username_attribute();
    server.ldapsearch(&format!("({ua}={user})"), &[attr])
}

fn handouts(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.to_string_lossy().contains("handout"));
    v.sort();
    v
}

#[test]
fn passwords_are_shown_or_nothing_is_changed() {
    for server in TestServer::both() {
        let fl = server.flavour.config_name();
        let hdir = server.dir.join("handouts");
        let cfg = config(&server, &hdir);

        // Piped stdout, no --show-password: refused before the directory is touched.
        let before = pwd_time(&server, "sarah.roberts");
        let r = st(&cfg, &["accounts", "reset-password", "sarah.roberts"], None);
        assert_eq!(r.code, 2, "{fl}: {} {}", r.stdout, r.stderr);
        assert!(r.stderr.contains("--show-password"), "{fl}: {}", r.stderr);
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            pwd_time(&server, "sarah.roberts"),
            before,
            "{fl}: password changed"
        );
        let r = st(
            &cfg,
            &[
                "accounts", "create", "--role", "pupil", "--first", "No", "--last", "Show",
            ],
            None,
        );
        assert_eq!(r.code, 2, "{fl}: {} {}", r.stdout, r.stderr);
        assert!(!exists(&server, "no.show"), "{fl}: created anyway");
        let log = st(&cfg, &["log", "show", "--format", "json"], None)
            .ok()
            .json();
        assert_eq!(log.as_array().map(|a| a.len()), Some(0), "{fl}: {log}");
        // With --show-password it is shown.
        let r = st(
            &cfg,
            &[
                "accounts",
                "reset-password",
                "sarah.roberts",
                "--show-password",
            ],
            None,
        )
        .ok();
        assert!(
            r.stdout.contains("temporary password for sarah.roberts"),
            "{fl}"
        );

        // An import whose handout cannot be written does not start.
        let blocked = server.dir.join("a-file");
        std::fs::write(&blocked, "x").expect("file");
        let bad_cfg = config(&server, &blocked.join("handouts"));
        let csv = server.dir.join("one.csv");
        std::fs::write(
            &csv,
            "First Name,Last Name,Role,Form\nAnna,Blocked,pupil,7A\n",
        )
        .expect("csv");
        let r = st(
            &bad_cfg,
            &["accounts", "import", csv.to_str().expect("path"), "--apply"],
            None,
        );
        assert_ne!(r.code, 0, "{fl}: {}", r.stdout);
        assert!(
            !exists(&server, "anna.blocked"),
            "{fl}: created without a handout"
        );
        assert!(r.stderr.contains("handout"), "{fl}: {}", r.stderr);

        // Two imports in the same second: two handouts, each with its own account.
        let cfg = config(&server, &hdir);
        let a = server.dir.join("a.csv");
        let b = server.dir.join("b.csv");
        std::fs::write(&a, "First Name,Last Name,Role,Form\nAlma,First,pupil,7A\n").expect("csv");
        std::fs::write(&b, "First Name,Last Name,Role,Form\nBea,Second,pupil,7B\n").expect("csv");
        let ra = st(
            &cfg,
            &["accounts", "import", a.to_str().expect("p"), "--apply"],
            None,
        );
        let rb = st(
            &cfg,
            &["accounts", "import", b.to_str().expect("p"), "--apply"],
            None,
        );
        assert_eq!(ra.code, 0, "{fl}: {} {}", ra.stdout, ra.stderr);
        assert_eq!(rb.code, 0, "{fl}: {} {}", rb.stdout, rb.stderr);
        let files = handouts(&hdir);
        assert_eq!(files.len(), 2, "{fl}: {files:?}");
        let mode = std::fs::metadata(&hdir).expect("dir").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{fl}: handout dir mode");
        let all: String = files
            .iter()
            .map(|f| {
                let m = std::fs::metadata(f).expect("f").permissions().mode() & 0o777;
                assert_eq!(m, 0o600, "{fl}: {f:?}");
                std::fs::read_to_string(f).expect("read")
            })
            .collect();
        assert!(
            all.contains("alma.first") && all.contains("bea.second"),
            "{fl}: {all}"
        );
        for f in files {
            std::fs::remove_file(f).expect("rm");
        }

        // Killed after the first of two accounts: its line is already in the handout.
        let c = server.dir.join("c.csv");
        std::fs::write(
            &c,
            "First Name,Last Name,Role,Form\nCleo,Killed,pupil,8A\nDev,Never,pupil,8A\n",
        )
        .expect("csv");
        let mut child = Command::new(env!("CARGO_BIN_EXE_schooltech"))
            .arg("--config")
            .arg(&cfg)
            .args(["accounts", "import", c.to_str().expect("p"), "--apply"])
            .env("SCHOOLTECH_TEST_PAUSE_AT", "import-row-written")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let err = child.stderr.take().expect("stderr");
        let paused = BufReader::new(err)
            .lines()
            .map_while(|l| l.ok())
            .any(|l| l.contains("paused at"));
        child.kill().expect("kill -9");
        child.wait().expect("wait");
        assert!(paused, "{fl}: never paused");
        assert!(
            exists(&server, "cleo.killed") && !exists(&server, "dev.never"),
            "{fl}"
        );
        let files = handouts(&hdir);
        assert_eq!(files.len(), 1, "{fl}: {files:?}");
        let sheet = std::fs::read_to_string(&files[0]).expect("read");
        let line = sheet
            .lines()
            .find(|l| l.contains("cleo.killed"))
            .unwrap_or_else(|| panic!("{fl}: no line for cleo.killed in {sheet}"));
        assert!(
            line.split_whitespace().count() >= 4,
            "{fl}: no password in {line}"
        );
        // Both creates were begun in one journal batch and neither outcome was recorded: the
        // next `log pending` reads the directory and records exactly the truth.
        let p = st(&cfg, &["log", "pending"], None);
        assert_eq!(p.code, 0, "{fl}: {} {}", p.stdout, p.stderr);
        let created = |user: &str| -> usize {
            st(
                &cfg,
                &[
                    "log",
                    "show",
                    "--action",
                    "account.create",
                    "--format",
                    "json",
                ],
                None,
            )
            .ok()
            .json()
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter(|r| r["target"].as_str() == Some(user))
                    .count()
            })
            .unwrap_or_default()
        };
        assert_eq!(created("cleo.killed"), 1, "{fl}: {}", p.stdout);
        assert_eq!(created("dev.never"), 0, "{fl}: {}", p.stdout);
        let again = st(&cfg, &["log", "pending"], None);
        assert_eq!(again.code, 0, "{fl}: {}", again.stdout);
        assert!(
            !again.stdout.contains("cleo.killed") && !again.stdout.contains("dev.never"),
            "{fl}: still open: {}",
            again.stdout
        );
    }
}
