//! The foundation against real Samba AD and OpenLDAP servers: listing, hostile names,
//! search escaping, doctor, the action log, and clear failures for bad input.

mod common;
mod support;

use common::{find, people, run, st};
use support::{Flavour, TestServer};

#[test]
fn lists_shows_and_searches_on_both_flavours() {
    for server in TestServer::both() {
        let cfg = server.write_config();
        let fl = server.flavour.config_name();
        let list = st(&cfg, &["accounts", "list", "--format", "json"], None)
            .ok()
            .json();
        for (user, role, mis, _ou, name) in people() {
            let a = find(&list, &user).unwrap_or_else(|| panic!("{fl}: {user} missing"));
            let mis = if mis == "-" { "" } else { mis.as_str() };
            assert_eq!(
                a["mis_id"].as_str().unwrap_or(""),
                mis,
                "{fl}: MIS id of {user}"
            );
            assert_eq!(
                a["display_name"].as_str(),
                Some(name.as_str()),
                "{fl}: name of {user}"
            );
            // The fixture says "supply" for supply staff (our "guest" role); leavers have no role.
            let want = match role.as_str() {
                "supply" => Some("guest"),
                "leaver" => None,
                r => Some(r),
            };
            assert_eq!(a["role"].as_str(), want, "{fl}: role of {user}");
            for k in [
                "dn",
                "enabled",
                "locked",
                "password_last_set",
                "password_expires",
                "must_change_password",
                "password_never_expires",
                "last_logon",
                "created",
                "expires",
                "groups",
            ] {
                assert!(a.get(k).is_some(), "{fl}: key {k}");
            }
        }
        let jo = find(&list, "jo.thompson").expect("jo.thompson");
        assert_eq!(jo["enabled"], false, "{fl}: disabled account");
        let lib = find(&list, "library.desk").expect("library.desk");
        assert_eq!(lib["password_never_expires"], true, "{fl}: never expires");
        let ali = find(&list, "ali.roberts").expect("ali.roberts");
        assert!(
            ali["expires"]
                .as_str()
                .is_some_and(|e| e.starts_with("2024-01-01")),
            "{fl}: expiry {}",
            ali["expires"]
        );
        let harry = find(&list, "harry.hughes").expect("harry");
        assert!(
            harry["groups"]
                .as_array()
                .is_some_and(|g| g.iter().any(|x| x == "Pupils")),
            "{fl}: groups {}",
            harry["groups"]
        );

        // An apostrophe in the username, and CSV with quoted hostile names.
        let show = st(
            &cfg,
            &["accounts", "show", "mia.o'neill", "--format", "json"],
            None,
        )
        .ok()
        .json();
        assert_eq!(show["username"], "mia.o'neill");
        let csv = st(&cfg, &["accounts", "list", "--format", "csv"], None)
            .ok()
            .stdout;
        assert!(
            csv.starts_with("username,dn,display_name,role,enabled"),
            "{fl}: {}",
            &csv[..80.min(csv.len())]
        );
        assert!(csv.contains("\"Doe, John III\""), "{fl}: CSV quoting");

        // Search text with filter metacharacters finds the person, and an injection finds nothing.
        for (text, expect) in [
            ("Bracket(2)", "bracket2.round"),
            ("Star*", "star.wild"),
            ("Slash\\", "slash.back"),
            ("O'Neill", "mia.o'neill"),
            ("Müller", "renee.muller"),
        ] {
            let found = st(
                &cfg,
                &["accounts", "list", "--search", text, "--format", "json"],
                None,
            )
            .ok()
            .json();
            assert!(
                find(&found, expect).is_some(),
                "{fl}: search {text}: {found}"
            );
        }
        let inj = st(
            &cfg,
            &[
                "accounts", "list", "--search", "*)(uid=*", "--format", "json",
            ],
            None,
        )
        .ok()
        .json();
        assert_eq!(inj.as_array().map(Vec::len), Some(0), "{fl}: injection");
        let nul = st(
            &cfg,
            &[
                "accounts", "list", "--search", "a\\00b)(", "--format", "json",
            ],
            None,
        )
        .ok()
        .json();
        assert_eq!(
            nul.as_array().map(Vec::len),
            Some(0),
            "{fl}: NUL and parens"
        );

        // Filters.
        let pupils = st(
            &cfg,
            &["accounts", "list", "--role", "pupil", "--format", "json"],
            None,
        )
        .ok()
        .json();
        assert!(pupils
            .as_array()
            .is_some_and(|v| !v.is_empty() && v.iter().all(|a| a["role"] == "pupil")));
        let disabled = st(
            &cfg,
            &["accounts", "list", "--disabled", "--format", "json"],
            None,
        )
        .ok()
        .json();
        assert!(
            find(&disabled, "jo.thompson").is_some() && find(&disabled, "harry.hughes").is_none(),
            "{fl}: --disabled"
        );
        let ou = if server.flavour == Flavour::ActiveDirectory {
            "OU=Year 8,OU=Pupils,OU=School"
        } else {
            "ou=Year 8,ou=Pupils,ou=School"
        };
        let y8 = st(
            &cfg,
            &["accounts", "list", "--ou", ou, "--format", "json"],
            None,
        )
        .ok()
        .json();
        assert_eq!(y8.as_array().map(Vec::len), Some(8), "{fl}: Year 8");
        let table = st(&cfg, &["accounts", "list", "--role", "staff"], None)
            .ok()
            .stdout;
        assert!(
            table.contains("USERNAME") && table.contains("sarah.roberts"),
            "{fl}: table"
        );
        let unknown = st(&cfg, &["accounts", "show", "nobody.here"], None);
        assert_eq!(unknown.code, 2, "no such account: bad input");
        assert!(unknown.stderr.contains("no account"), "{}", unknown.stderr);

        // doctor: reachable, bound, TLS, base DN; the fixture's policy (7 characters, 42 days) drifts.
        let doc = st(&cfg, &["doctor"], None);
        assert_eq!(doc.code, 1, "{fl}: doctor {}", doc.stdout);
        for line in [
            "server reachable",
            "bind",
            "base DN",
            "attributes readable",
            "store writable",
            "action log",
        ] {
            assert!(
                doc.stdout
                    .lines()
                    .any(|l| l.contains("✓") && l.contains(line)),
                "{fl}: doctor {line}:\n{}",
                doc.stdout
            );
        }
        assert!(
            doc.stdout.contains("minimum length: directory has 7"),
            "{fl}: {}",
            doc.stdout
        );
        if server.flavour == Flavour::ActiveDirectory {
            assert!(
                doc.stdout.contains("certificate verified against ca_cert"),
                "{}",
                doc.stdout
            );
        }
        // Nothing was changed, so the log may be empty: only an anchor says that is right.
        let empty_anchor = format!("0:{}", "0".repeat(64));
        st(&cfg, &["log", "verify", "--anchor", &empty_anchor], None).ok();
    }
}

fn write(path: &std::path::Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn bad_input_gets_clear_messages_and_exit_codes() {
    for server in TestServer::both() {
        let fl = server.flavour.config_name();
        let cfg = server.write_config();
        let text = std::fs::read_to_string(&cfg).expect("config");
        let dir = server.dir.clone();

        // Wrong bind password: exit 3, names the bind DN.
        let wrong_pw = dir.join("wrongpw");
        write(&wrong_pw, "not-the-password", 0o600);
        let pw_line = text
            .lines()
            .find(|l| l.starts_with("bind_password_file"))
            .expect("pw line");
        let wrong = dir.join("wrong.toml");
        std::fs::write(
            &wrong,
            text.replace(
                pw_line,
                &format!("bind_password_file = \"{}\"", wrong_pw.display()),
            ),
        )
        .expect("write");
        let r = st(&wrong, &["accounts", "list"], None);
        assert_eq!(r.code, 3, "{fl}: {}", r.stderr);
        assert!(r.stderr.contains(&server.bind_dn), "{fl}: {}", r.stderr);
        assert!(!r.stderr.contains("not-the-password"));

        // Unreachable: exit 3 with host and port.
        let url_line = text
            .lines()
            .find(|l| l.starts_with("url"))
            .expect("url line");
        let down = dir.join("down.toml");
        std::fs::write(
            &down,
            text.replace(url_line, "url = \"ldap://127.0.0.1:1\""),
        )
        .expect("write");
        let r = st(&down, &["accounts", "list"], None);
        assert_eq!(r.code, 3, "{fl}: {}", r.stderr);
        assert!(r.stderr.contains("127.0.0.1:1"), "{}", r.stderr);
        let r = st(&down, &["doctor"], None);
        assert_eq!(r.code, 3, "{fl}: doctor on a dead server: {}", r.stdout);

        // Password file readable by others: refused with the chmod to run.
        let pw_path = pw_line.split('"').nth(1).expect("path");
        write(std::path::Path::new(pw_path), &server.bind_password, 0o644);
        let r = st(&cfg, &["accounts", "list"], None);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("chmod 600"), "{}", r.stderr);
        write(std::path::Path::new(pw_path), &server.bind_password, 0o600);

        // Misspelt key: exit 2 naming key and line.
        let typo = dir.join("typo.toml");
        std::fs::write(&typo, text.replacen("base_dn", "basedn", 1)).expect("write");
        let r = st(&typo, &["accounts", "list"], None);
        assert_eq!(r.code, 2);
        assert!(
            r.stderr.contains("basedn") && r.stderr.contains("line"),
            "{}",
            r.stderr
        );

        // Base DN that does not exist.
        let base_line = text
            .lines()
            .find(|l| l.starts_with("base_dn"))
            .expect("base line");
        let nobase = dir.join("nobase.toml");
        std::fs::write(
            &nobase,
            text.replace(base_line, "base_dn = \"dc=nowhere,dc=test\""),
        )
        .expect("write");
        let r = st(&nobase, &["accounts", "list"], None);
        assert_ne!(r.code, 0);
        assert!(
            r.stderr.contains("base_dn") || r.stderr.contains("does not exist"),
            "{fl}: {}",
            r.stderr
        );

        if server.flavour == Flavour::ActiveDirectory {
            // A certificate this machine does not trust, with no ca_cert: says to set it.
            let ca_line = text
                .lines()
                .find(|l| l.starts_with("ca_cert"))
                .expect("ca line");
            let noca = dir.join("noca.toml");
            std::fs::write(&noca, text.replace(ca_line, "")).expect("write");
            let r = st(&noca, &["accounts", "list"], None);
            assert_eq!(r.code, 3, "{}", r.stderr);
            assert!(r.stderr.contains("ca_cert"), "{}", r.stderr);
            // Clear text to a non-loopback host is refused before connecting.
            let clear = dir.join("clear.toml");
            std::fs::write(
                &clear,
                text.replace(url_line, "url = \"ldap://dc1.school.example\""),
            )
            .expect("write");
            let r = st(&clear, &["accounts", "list"], None);
            assert_eq!(r.code, 2);
            assert!(r.stderr.contains("clear text"), "{}", r.stderr);
        }

        // A store that is not SQLite is refused and left alone.
        let store_line = text
            .lines()
            .find(|l| l.starts_with("path"))
            .expect("store line");
        let junk = dir.join("junk.db");
        std::fs::write(&junk, "this is not a database, it is a note to self\n").expect("write");
        let badstore = dir.join("badstore.toml");
        std::fs::write(
            &badstore,
            text.replace(store_line, &format!("path = \"{}\"", junk.display())),
        )
        .expect("write");
        let r = st(&badstore, &["log", "verify"], None);
        assert_ne!(r.code, 0);
        assert!(
            r.stderr.contains("not a schooltech store") || r.stderr.contains("SQLite"),
            "{}",
            r.stderr
        );
        assert_eq!(
            std::fs::read_to_string(&junk).expect("read"),
            "this is not a database, it is a note to self\n"
        );
    }
}

#[test]
fn no_config_points_at_the_fix() {
    let r = run(
        &[
            "--config",
            "/nonexistent/schooltech.toml",
            "accounts",
            "list",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--demo") && r.stderr.contains("schooltech.example.toml"),
        "{}",
        r.stderr
    );
    let r = run(
        &["--as-of", "2026-02-30", "--demo", "accounts", "list"],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn log_verify_names_a_tampered_row() {
    use schooltech::store::{NewAction, Store};
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("store").join("schooltech.db");
    let pw = dir.path().join("pw");
    write(&pw, "unused", 0o600);
    let cfg = dir.path().join("st.toml");
    std::fs::write(
        &cfg,
        format!(
            "[directory]\nurl = \"ldap://127.0.0.1:1\"\nflavour = \"openldap\"\nbind_dn = \"cn=x\"\nbind_password_file = \"{}\"\nbase_dn = \"dc=x\"\n[store]\npath = \"{}\"\n",
            pw.display(),
            db.display()
        ),
    )
    .expect("config");
    {
        let store = Store::open(&db).expect("store");
        for i in 0..5 {
            let target = format!("user{i}");
            store
                .record(
                    NewAction {
                        action: "account.disable",
                        target: &target,
                        details: serde_json::json!({ "reason": "left" }),
                    },
                    chrono::Utc::now(),
                )
                .expect("record");
        }
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(db.parent().expect("parent"))
        .expect("meta")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700, "store directory mode");
    assert_eq!(st(&cfg, &["log", "pending"], None).code, 0);
    {
        // A run killed between "about to change" and "changed": the journal keeps the intent.
        let store = Store::open(&db).expect("store");
        store
            .journal_begin(
                "account.disable",
                "half.done",
                &serde_json::json!({ "reason": "left" }),
                chrono::Utc::now(),
            )
            .expect("journal");
    }
    let pending = st(&cfg, &["log", "pending"], None);
    assert_eq!(pending.code, 1);
    assert!(
        pending.stdout.contains("half.done") && pending.stdout.contains("account.disable"),
        "{}",
        pending.stdout
    );
    let ok = st(&cfg, &["log", "verify"], None);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert!(ok.stdout.contains("5 entries"), "{}", ok.stdout);
    let shown = st(
        &cfg,
        &["log", "show", "--target", "user3", "--format", "json"],
        None,
    )
    .ok()
    .json();
    assert_eq!(shown.as_array().map(Vec::len), Some(1));
    // Someone with sqlite3 drops the triggers and rewrites row 3.
    let raw = rusqlite::Connection::open(&db).expect("raw");
    raw.execute_batch("DROP TRIGGER action_log_no_update; UPDATE action_log SET target = 'someone.else' WHERE id = 3;").expect("tamper");
    drop(raw);
    let bad = st(&cfg, &["log", "verify"], None);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(bad.stdout.contains("entry 3"), "{}", bad.stdout);
}
