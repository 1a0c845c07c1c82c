//! Account actions through the CLI against real Samba AD and OpenLDAP: every change reaches
//! the directory, is refused before the server when the password breaks the rules, and is in
//! the action log.

mod common;
mod support;

use common::{find, st};
use std::path::{Path, PathBuf};
use support::{Flavour, TestServer};

fn show(cfg: &Path, user: &str) -> serde_json::Value {
    st(cfg, &["accounts", "show", user, "--format", "json"], None)
        .ok()
        .json()
}

/// The test config plus a handout directory inside the server's temp dir.
fn config(server: &TestServer) -> PathBuf {
    let cfg = server.write_config();
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(&format!(
        "\n[accounts]\nhandout_dir = \"{}\"\n",
        server.dir.display()
    ));
    std::fs::write(&cfg, text).expect("config");
    cfg
}

#[test]
fn every_account_action_reaches_the_directory_and_the_log() {
    for server in TestServer::both() {
        let fl = server.flavour.config_name();
        let cfg = config(&server);

        // Passwords: refused before the server when they break the rules; temporary by default.
        let r = st(
            &cfg,
            &["accounts", "reset-password", "sarah.roberts", "--stdin"],
            Some("Sh0rt!\n"),
        );
        assert_ne!(r.code, 0, "{fl}: short password accepted");
        assert!(
            r.stderr.contains("password refused") && r.stderr.contains("needs at least 8"),
            "{fl}: {}",
            r.stderr
        );
        let r = st(
            &cfg,
            &["accounts", "reset-password", "sarah.roberts", "--stdin"],
            Some("Roberts!2026xyzQ\n"),
        );
        assert!(
            r.stderr.contains("Roberts"),
            "{fl}: name inside must be refused: {}",
            r.stderr
        );
        st(
            &cfg,
            &["accounts", "reset-password", "sarah.roberts", "--stdin"],
            Some("Otter&Lantern9Violet\n"),
        )
        .ok();
        assert_eq!(
            show(&cfg, "sarah.roberts")["must_change_password"],
            true,
            "{fl}: temporary"
        );
        if server.flavour == Flavour::OpenLdap {
            // slapd hashed it, and it works for a bind.
            assert!(
                server.can_bind(&server.user_dn("sarah.roberts"), "Otter&Lantern9Violet"),
                "{fl}: bind with new password"
            );
        }
        st(
            &cfg,
            &[
                "accounts",
                "reset-password",
                "sarah.roberts",
                "--stdin",
                "--no-temporary",
            ],
            Some("Marble#Pigeon7Cactus\n"),
        )
        .ok();
        assert_eq!(
            show(&cfg, "sarah.roberts")["must_change_password"],
            false,
            "{fl}: not temporary"
        );
        let r = st(&cfg, &["accounts", "reset-password", "sarah.roberts"], None);
        assert_eq!(
            r.code, 2,
            "{fl}: a password that cannot be shown is not made"
        );
        assert!(
            r.stderr.contains("--show-password"),
            "{fl}: generated password refused off a terminal: {}",
            r.stderr
        );
        assert!(!r.stdout.contains("temporary password for"));
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
            "{fl}: {}",
            r.stdout
        );

        // Disable / enable / unlock / expiry.
        st(
            &cfg,
            &[
                "accounts",
                "disable",
                "harry.hughes",
                "--reason",
                "left school",
            ],
            None,
        )
        .ok();
        assert_eq!(
            show(&cfg, "harry.hughes")["enabled"],
            false,
            "{fl}: disabled"
        );
        let r = st(
            &cfg,
            &["accounts", "disable", "harry.hughes", "--reason", "  "],
            None,
        );
        assert_eq!(r.code, 2, "{fl}: empty reason");
        st(&cfg, &["accounts", "enable", "harry.hughes"], None).ok();
        assert_eq!(show(&cfg, "harry.hughes")["enabled"], true, "{fl}: enabled");
        st(&cfg, &["accounts", "unlock", "harry.hughes"], None).ok();
        st(
            &cfg,
            &[
                "accounts",
                "expire",
                "harry.hughes",
                "--on",
                "2030-01-31",
                "--yes",
            ],
            None,
        )
        .ok();
        let e = show(&cfg, "harry.hughes")["expires"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(e.starts_with("2030-01-31"), "{fl}: expiry {e}");
        st(
            &cfg,
            &["accounts", "expire", "harry.hughes", "--never"],
            None,
        )
        .ok();
        assert!(
            show(&cfg, "harry.hughes")["expires"].is_null(),
            "{fl}: never expires"
        );
        let r = st(
            &cfg,
            &["accounts", "expire", "harry.hughes", "--on", "31/02/2030"],
            None,
        );
        assert_eq!(r.code, 2, "{fl}: bad date: {}", r.stderr);

        // Groups and moves (with an escaped DN).
        st(
            &cfg,
            &[
                "accounts",
                "groups",
                "harry.hughes",
                "--add",
                "Staff",
                "--remove",
                "Pupils",
            ],
            None,
        )
        .ok();
        let groups = show(&cfg, "harry.hughes")["groups"].clone();
        assert!(groups.as_array().is_some_and(|g| g.iter().any(|x| x == "Staff") && !g.iter().any(|x| x == "Pupils")), "{fl}: {groups}");
        let r = st(
            &cfg,
            &[
                "accounts",
                "groups",
                "harry.hughes",
                "--add",
                "No Such Group",
            ],
            None,
        );
        assert_ne!(r.code, 0);
        assert!(r.stderr.contains("no group"), "{}", r.stderr);
        let y8 = if server.flavour == Flavour::ActiveDirectory {
            "OU=Year 8,OU=Pupils,OU=School"
        } else {
            "ou=Year 8,ou=Pupils,ou=School"
        };
        st(
            &cfg,
            &["accounts", "move", "harry.hughes", "--to", y8],
            None,
        )
        .ok();
        let dn = show(&cfg, "harry.hughes")["dn"]
            .as_str()
            .unwrap_or("")
            .to_lowercase();
        assert!(dn.contains("year 8"), "{fl}: moved dn {dn}");
        st(&cfg, &["accounts", "move", "john.doe", "--to", y8], None).ok();
        let dn = show(&cfg, "john.doe")["dn"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(
            dn.to_lowercase().contains("year 8") && (dn.contains("\\,") || dn.starts_with("uid=")),
            "{fl}: escaped move {dn}"
        );
        let r = st(
            &cfg,
            &["accounts", "move", "harry.hughes", "--to", "OU=Nowhere"],
            None,
        );
        assert_ne!(r.code, 0);

        // Create: username from the pattern, hostile name escaped, clash numbered, guest expiry.
        let r = st(
            &cfg,
            &[
                "accounts",
                "create",
                "--role",
                "pupil",
                "--first",
                "Zoë",
                "--last",
                "O'Connor, Jr",
                "--mis-id",
                "P777001",
                "--show-password",
            ],
            None,
        )
        .ok();
        assert!(
            r.stdout.contains("zoe.oconnorjr") && r.stdout.contains("temporary password for"),
            "{fl}: {}",
            r.stdout
        );
        let z = show(&cfg, "zoe.oconnorjr");
        assert_eq!(z["display_name"], "Zoë O'Connor, Jr");
        assert_eq!(z["mis_id"], "P777001");
        assert_eq!(z["must_change_password"], true);
        assert_eq!(z["enabled"], true);
        assert_eq!(z["role"], "pupil");
        let r = st(
            &cfg,
            &[
                "accounts",
                "create",
                "--role",
                "pupil",
                "--first",
                "Zoe",
                "--last",
                "OConnorJr",
                "--show-password",
            ],
            None,
        )
        .ok();
        assert!(
            r.stdout.contains("zoe.oconnorjr2"),
            "{fl}: clash: {}",
            r.stdout
        );
        let r = st(
            &cfg,
            &[
                "accounts",
                "create",
                "--role",
                "pupil",
                "--first",
                "Other",
                "--last",
                "Person",
                "--mis-id",
                "P777001",
                "--show-password",
            ],
            None,
        );
        assert_ne!(r.code, 0, "{fl}: duplicate MIS id accepted");
        let r = st(
            &cfg,
            &[
                "accounts",
                "create",
                "--role",
                "guest",
                "--first",
                "Supply",
                "--last",
                "Cover",
                "--show-password",
            ],
            None,
        )
        .ok();
        assert!(
            r.stdout.contains("expires"),
            "{fl}: guest expiry: {}",
            r.stdout
        );
        assert!(show(&cfg, "supply.cover")["expires"].is_string());

        // Import: BOM, CRLF, quoted comma, blank line, a duplicate MIS id and a row without names.
        let csv = "\u{feff}First Name,Last Name,Role,Form,MIS Id\r\nAmy,\"Smith, Jr\",pupil,7A,P880001\r\n\r\nBen,Jones,pupil,7B,P880002\r\nCara,Jones,pupil,7B,P880002\r\n,,pupil,7B,P880009\r\nDan,Lee,pupil,7A,P100001\r\n";
        let file = server.dir.join("intake.csv");
        std::fs::write(&file, csv).expect("csv");
        let f = file.to_str().expect("path");
        let dry = st(&cfg, &["accounts", "import", f], None);
        assert_eq!(dry.code, 1, "{fl}: dry run with row errors: {}", dry.stdout);
        assert!(
            dry.stdout.contains("would create") && dry.stdout.contains("amy.smithjr"),
            "{fl}: {}",
            dry.stdout
        );
        assert!(
            dry.stdout.contains("P880002 is also on line"),
            "{fl}: {}",
            dry.stdout
        );
        assert!(
            dry.stdout.contains("already has the account harry.hughes"),
            "{fl}: {}",
            dry.stdout
        );
        assert!(show(&cfg, "harry.hughes")["username"] == "harry.hughes");
        assert_eq!(
            st(&cfg, &["accounts", "show", "amy.smithjr"], None).code,
            2,
            "{fl}: dry run created an account (no such account: exit 2)"
        );
        let applied = st(&cfg, &["accounts", "import", f, "--apply"], None);
        assert!(
            applied.stdout.contains("created 2 accounts"),
            "{fl}: {} {}",
            applied.stdout,
            applied.stderr
        );
        let handout = applied
            .stdout
            .lines()
            .find_map(|l| {
                l.split("handout sheets with the temporary passwords: ")
                    .nth(1)
            })
            .and_then(|l| l.split(" (").next())
            .expect("handout path");
        let meta = std::fs::metadata(handout).expect("handout");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let sheet = std::fs::read_to_string(handout).expect("handout");
        assert!(sheet.contains("7A") && sheet.contains("amy.smithjr"));
        let missing = server.dir.join("missing.csv");
        std::fs::write(&missing, "Forename,Year\nAmy,7\n").expect("csv");
        let r = st(
            &cfg,
            &["accounts", "import", missing.to_str().expect("path")],
            None,
        );
        assert_ne!(r.code, 0);
        assert!(r.stderr.contains("no column"), "{}", r.stderr);

        // The log has every change, names no password, and the chain is whole.
        let log = st(
            &cfg,
            &[
                "log",
                "show",
                "--target",
                "harry.hughes",
                "--format",
                "json",
            ],
            None,
        )
        .ok()
        .json();
        let actions: Vec<&str> = log
            .as_array()
            .map(|v| v.iter().filter_map(|e| e["action"].as_str()).collect())
            .unwrap_or_default();
        for a in [
            "account.disable",
            "account.enable",
            // (No "account.unlock": harry.hughes was not locked, and a change to what is
            // already so writes no row; tests/noop_no_log.rs.)
            "account.expire",
            "group.add",
            "group.remove",
            "account.move",
        ] {
            assert!(actions.contains(&a), "{fl}: {a} not in log: {actions:?}");
        }
        let all = st(&cfg, &["log", "show", "--format", "json"], None)
            .ok()
            .stdout;
        for secret in ["Otter&Lantern9Violet", "Marble#Pigeon7Cactus"] {
            assert!(!all.contains(secret), "{fl}: password in the log");
        }
        assert!(find(
            &st(
                &cfg,
                &["accounts", "list", "--search", "P880001", "--format", "json"],
                None
            )
            .ok()
            .json(),
            "amy.smithjr"
        )
        .is_some());
        st(&cfg, &["log", "verify"], None).ok();
    }
}
