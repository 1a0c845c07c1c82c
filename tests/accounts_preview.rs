//! `accounts … --dry-run` against real Samba AD and OpenLDAP: the preview shows each field
//! before -> after, and nothing changes — the directory reads the same afterwards (ldapsearch),
//! the action log and the journal have no new rows, no password is generated or shown.

mod common;
mod support;

use common::st;
use std::path::{Path, PathBuf};
use support::{Flavour, TestServer};

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

/// Everything a change could touch: the account, every group and every OU, with the
/// attributes that record a change (AD: whenChanged/uSNChanged; slapd: modifyTimestamp,
/// entryCSN and the ppolicy state).
fn snapshot(server: &TestServer, user: &str) -> String {
    let (filter, attrs): (String, Vec<&str>) = match server.flavour {
        Flavour::ActiveDirectory => (
            format!(
                "(|(sAMAccountName={user})(objectClass=group)(objectClass=organizationalUnit))"
            ),
            vec!["*", "whenChanged", "uSNChanged"],
        ),
        Flavour::OpenLdap => (
            format!(
                "(|(uid={user})(objectClass=groupOfNames)(objectClass=posixGroup)(objectClass=organizationalUnit))"
            ),
            vec![
                "*",
                "modifyTimestamp",
                "entryCSN",
                "pwdAccountLockedTime",
                "pwdReset",
                "pwdChangedTime",
            ],
        ),
    };
    let out = server.ldapsearch(&filter, &attrs);
    assert!(out.contains(user), "snapshot has no {user}: {out}");
    out
}

/// The action log and the journal as the program shows them.
fn records(cfg: &Path) -> (String, String) {
    let log = st(cfg, &["log", "show", "--format", "json"], None)
        .ok()
        .stdout;
    let pending = st(cfg, &["log", "pending"], None).stdout;
    (log, pending)
}

#[test]
fn dry_run_shows_before_and_after_and_changes_nothing() {
    for server in TestServer::both() {
        let fl = server.flavour.config_name();
        let cfg = config(&server);
        let user = "harry.hughes";
        // Real changes first, so the log is not empty and a new row would show (an unlock of
        // an account that is not locked is nothing to do and writes no row).
        st(
            &cfg,
            &["accounts", "disable", user, "--reason", "preview test"],
            None,
        )
        .ok();
        st(&cfg, &["accounts", "enable", user], None).ok();
        let before_dir = snapshot(&server, user);
        let before_log = records(&cfg);
        assert!(
            before_log.0.contains("account.enable"),
            "{fl}: {:?}",
            before_log
        );

        let dry = |args: &[&str], stdin: Option<&str>| {
            let mut all = vec!["accounts"];
            all.extend_from_slice(args);
            all.push("--dry-run");
            st(&cfg, &all, stdin)
        };
        let expect = |args: &[&str], code: i32, wants: &[&str]| {
            let r = dry(args, None);
            assert_eq!(r.code, code, "{fl} {args:?}: {} {}", r.stdout, r.stderr);
            assert!(
                r.stdout.starts_with("dry run: nothing is changed\n"),
                "{fl} {args:?}: {}",
                r.stdout
            );
            for w in wants {
                // DNs as each server spells them (OU= / ou=).
                assert!(
                    r.stdout.to_lowercase().contains(&w.to_lowercase()),
                    "{fl} {args:?}: no {w:?} in\n{}",
                    r.stdout
                );
            }
            r
        };

        expect(
            &["disable", user, "--reason", "left school"],
            0,
            &[
                "Disable 1 account:",
                "  harry.hughes (Harry Hughes): enabled -> disabled",
                "    account: enabled -> disabled",
                "Reason: left school",
                "run it again without --dry-run",
            ],
        );
        expect(
            &["enable", user],
            0,
            &["harry.hughes (Harry Hughes): already enabled: nothing to do"],
        );
        expect(
            &["unlock", user],
            0,
            &["harry.hughes (Harry Hughes): not locked: nothing to do"],
        );
        let base = &server.base_dn;
        expect(
            &["move", user, "--to", "OU=Year 8,OU=Pupils,OU=School"],
            0,
            &[&format!(
                "    ou: OU=Year 7,OU=Pupils,OU=School,{base} -> OU=Year 8,OU=Pupils,OU=School,{base}"
            )],
        );
        expect(
            &["move", user, "--to", "OU=Nowhere"],
            1,
            &["refused: no OU", "the change would be refused"],
        );
        expect(
            &["groups", user, "--add", "Staff", "--remove", "Pupils"],
            0,
            &[
                "harry.hughes (Harry Hughes): +Staff, -Pupils",
                "    group Staff: not a member -> member",
                "    group Pupils: member -> not a member",
            ],
        );
        expect(
            &["groups", user, "--add", "No Such Group"],
            1,
            &["refused: no group named \"No Such Group\" in the directory"],
        );
        let r = dry(&["groups", user], None);
        assert_eq!(r.code, 2, "{fl}: groups without any: {}", r.stderr);
        let r = dry(&["disable", user, "--reason", " "], None);
        assert_eq!(r.code, 2, "{fl}: empty reason: {}", r.stderr);
        expect(
            &["expire", user, "--on", "2030-01-31"],
            0,
            &["    expires: never -> 31 Jan 2030"],
        );
        expect(&["expire", user, "--never"], 0, &["expires never -> never"]);
        let r = expect(
            &["reset-password", user, "--show-password"],
            0,
            &[
                "    password: (current) -> a new generated password (shown once)",
                "    must change at next logon: no -> yes",
            ],
        );
        assert!(
            !r.stdout.contains("temporary password for") && !r.stderr.contains("not printed"),
            "{fl}: a dry run generates no password: {} {}",
            r.stdout,
            r.stderr
        );
        let r = dry(
            &["reset-password", user, "--stdin", "--no-temporary"],
            Some("Otter&Lantern9Violet\n"),
        );
        assert_eq!(r.code, 0, "{fl}: {}", r.stderr);
        assert!(
            r.stdout.contains("a new password from standard input")
                && !r.stdout.contains("must change at next logon:")
                && !r.stdout.contains("Otter"),
            "{fl}: {}",
            r.stdout
        );
        expect(
            &["enable", "no.such.person"],
            1,
            &["no.such.person: not found in the directory"],
        );

        // Nothing changed: the directory, the action log, the journal.
        assert_eq!(
            snapshot(&server, user),
            before_dir,
            "{fl}: a dry run changed the directory"
        );
        assert_eq!(records(&cfg), before_log, "{fl}: a dry run wrote a record");
        if server.flavour == Flavour::OpenLdap {
            assert!(
                server.can_bind(&server.user_dn(user), support::FIXTURE_PASSWORD),
                "{fl}: the password is unchanged"
            );
        }

        // The same command without --dry-run still changes (the plan was right).
        st(
            &cfg,
            &["accounts", "disable", user, "--reason", "left school"],
            None,
        )
        .ok();
        let r = dry(&["disable", user, "--reason", "left school"], None);
        assert!(
            r.stdout
                .contains("harry.hughes (Harry Hughes): already disabled: nothing to do"),
            "{fl}: {}",
            r.stdout
        );
        expect(&["enable", user], 0, &["    account: disabled -> enabled"]);
    }
}
