//! The local mirror against real servers (Samba AD and slapd): what `ldapmodify` changes behind
//! schooltech's back shows in the next `accounts list` (the same as a full `--no-mirror` read)
//! and in `schooltech changes`; a deleted account leaves the mirror; a truncated mirror, one of
//! another directory, and one whose DC got a new invocationId are read again in full.

mod common;
mod support;

use common::{st, Run};
use std::path::{Path, PathBuf};
use support::{Flavour, TestServer};

fn list(cfg: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["-v"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["accounts", "list", "--format", "json"]);
    st(cfg, &args, None).ok()
}

fn usernames(r: &Run) -> Vec<String> {
    r.json()
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["username"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn full_read(r: &Run) -> bool {
    r.stderr.contains("reading the directory in full")
}

/// The mirrored answer equals a full read's.
fn same_as_full(cfg: &Path) -> Run {
    let mirrored = list(cfg, &[]);
    let full = list(cfg, &["--no-mirror"]);
    assert_eq!(mirrored.json(), full.json(), "mirror vs full read");
    mirrored
}

fn sql(db: &Path, statement: &str) {
    let c = rusqlite::Connection::open(db).expect("open store");
    c.execute_batch(statement).expect("sql");
}

fn changes(cfg: &Path) -> Vec<serde_json::Value> {
    let r = st(cfg, &["changes", "--format", "json"], None);
    assert!(r.code == 0 || r.code == 1, "{r:?}");
    r.json().as_array().expect("array").clone()
}

fn has_change(rows: &[serde_json::Value], target: &str, needle: &str) -> Option<serde_json::Value> {
    rows.iter()
        .find(|r| {
            r["target"].as_str() == Some(target)
                && r["change"].as_str().is_some_and(|c| c.contains(needle))
        })
        .cloned()
}

fn scenario(server: TestServer) {
    let ad = server.flavour == Flavour::ActiveDirectory;
    let base = server.base_dn.clone();
    let (admins_dn, new_dn) = if ad {
        (
            format!("CN=Domain Admins,CN=Users,{base}"),
            format!("CN=Outside Made,OU=Staff,OU=School,{base}"),
        )
    } else {
        let admins = format!("cn=Domain Admins,ou=Groups,{base}");
        // OpenLDAP has no Domain Admins: make one (protected by name in the default [protect]).
        server.ldapmodify(&format!(
            "dn: {admins}\nchangetype: add\nobjectClass: groupOfNames\ncn: Domain Admins\nmember: cn=admin,{base}\n"
        ));
        (
            admins,
            format!("uid=outside.made,ou=Staff,ou=School,{base}"),
        )
    };
    let cfg: PathBuf = server.write_config();
    let db = server.dir.join("schooltech.db");

    // First read: full; second: a delta with nothing changed.
    let first = list(&cfg, &[]);
    assert!(full_read(&first), "first read is full: {}", first.stderr);
    let second = same_as_full(&cfg);
    assert!(
        !full_read(&second),
        "second read is a delta: {}",
        second.stderr
    );
    assert!(changes(&cfg).is_empty(), "nothing changed yet");
    // Nothing new: the header moves on without the rows being loaded.
    let quiet = st(&cfg, &["-vv", "changes", "--format", "json"], None);
    assert!(
        quiet
            .stderr
            .contains("mirror refreshed by a delta: nothing changed"),
        "a quiet delta: {}",
        quiet.stderr
    );

    // Behind schooltech's back: a name, a member of Domain Admins, a new account, never-expires.
    let harry = server.user_dn("harry.hughes");
    let sarah = server.user_dn("sarah.roberts");
    let gone = server.user_dn("mia.o'neill");
    server.ldapmodify(&format!(
        "dn: {harry}\nchangetype: modify\nreplace: displayName\ndisplayName: Harold Outside\n\n\
         dn: {admins_dn}\nchangetype: modify\nadd: member\nmember: {sarah}\n"
    ));
    if ad {
        server.ldapmodify(&format!(
            "dn: {new_dn}\nchangetype: add\nobjectClass: user\nsAMAccountName: outside.made\ndisplayName: Outside Made\n\n\
             dn: {sarah}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 66048\n"
        ));
    } else {
        server.ldapmodify(&format!(
            "dn: {new_dn}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: outside.made\ncn: Outside Made\nsn: Made\n"
        ));
    }
    let after = same_as_full(&cfg);
    assert!(
        !full_read(&after),
        "a delta follows the changes: {}",
        after.stderr
    );
    assert!(after.stdout.contains("Harold Outside"), "new name shown");
    assert!(usernames(&after).contains(&"outside.made".to_string()));
    let sarah_row = after
        .json()
        .as_array()
        .expect("array")
        .iter()
        .find(|a| a["username"] == "sarah.roberts")
        .cloned()
        .expect("sarah");
    assert!(
        sarah_row.to_string().contains("Domain Admins"),
        "memberOf followed the group change: {sarah_row}"
    );

    let rows = changes(&cfg);
    assert!(
        has_change(&rows, "harry.hughes", "displayname").is_some(),
        "{rows:#?}"
    );
    assert!(
        has_change(&rows, "outside.made", "created").is_some(),
        "{rows:#?}"
    );
    let admin_add = has_change(&rows, "Domain Admins", "member added: sarah.roberts")
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert_eq!(admin_add["protected"], true, "{admin_add}");
    if ad {
        assert!(
            has_change(&rows, "sarah.roberts", "never expire").is_some(),
            "{rows:#?}"
        );
        assert!(admin_add["stamp"].as_str().is_some_and(|s| !s.is_empty()));
    } else {
        assert!(
            has_change(&rows, "harry.hughes", "displayname")
                .is_some_and(|r| r["who"].as_str().is_some_and(|w| w.contains("cn=admin"))),
            "modifiersName: {rows:#?}"
        );
    }
    // Recorded: a later `changes --since` still lists them, and a refresh adds nothing twice.
    let again = changes(&cfg);
    assert_eq!(again.len(), rows.len(), "recorded once");
    let since = st(
        &cfg,
        &["changes", "--since", "2000-01-01", "--format", "csv"],
        None,
    );
    assert!(since.stdout.contains("harry.hughes"), "{since:?}");
    let later = st(
        &cfg,
        &["changes", "--since", "2199-01-01", "--format", "json"],
        None,
    )
    .ok();
    assert_eq!(later.json(), serde_json::json!([]));

    // What schooltech itself does is in its action log: not an outside change.
    let before = changes(&cfg).len();
    st(
        &cfg,
        &["accounts", "disable", "jack.walker", "--reason", "test"],
        None,
    )
    .ok();
    let now_rows = changes(&cfg);
    assert_eq!(
        now_rows.len(),
        before,
        "schooltech's own change is explained: {now_rows:#?}"
    );
    let jack = list(&cfg, &["--no-mirror"]);
    assert_eq!(same_as_full(&cfg).json(), jack.json());

    // The other readers give what a full read gives.
    for args in [
        &["passwords", "report", "--format", "json"][..],
        &[
            "--as-of",
            "2026-11-30",
            "leavers",
            "scan",
            "--format",
            "json",
        ][..],
    ] {
        let m = st(&cfg, args, None);
        let mut full_args = vec!["--no-mirror"];
        full_args.extend_from_slice(args);
        let f = st(&cfg, &full_args, None);
        assert_eq!((m.code, m.json()), (f.code, f.json()), "{args:?}");
    }

    // A deletion leaves the mirror.
    server.ldapmodify(&format!("dn: {gone}\nchangetype: delete\n"));
    let after_delete = same_as_full(&cfg);
    assert!(!full_read(&after_delete), "{}", after_delete.stderr);
    assert!(!usernames(&after_delete).contains(&"mia.o'neill".to_string()));
    let c = rusqlite::Connection::open(&db).expect("store");
    let left: i64 = c
        .query_row(
            "SELECT count(*) FROM mirror_entries WHERE lower(dn) = lower(?1)",
            [&gone],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0, "deleted account left the mirror");
    assert!(has_change(&changes(&cfg), "mia.o'neill", "deleted").is_some());

    // A truncated mirror is rebuilt, never trusted.
    sql(
        &db,
        "DELETE FROM mirror_entries WHERE rowid IN (SELECT rowid FROM mirror_entries LIMIT 5)",
    );
    let rebuilt = same_as_full(&cfg);
    assert!(
        full_read(&rebuilt) && rebuilt.stderr.contains("damaged"),
        "{}",
        rebuilt.stderr
    );
    // One of another directory (server, or suffix / DC identity) too.
    sql(
        &db,
        "UPDATE mirror_meta SET server = 'ldap://elsewhere.example'",
    );
    let r = same_as_full(&cfg);
    assert!(
        full_read(&r) && r.stderr.contains("another server"),
        "{}",
        r.stderr
    );
    sql(&db, "UPDATE mirror_meta SET identity = 'someone else'");
    let r = same_as_full(&cfg);
    assert!(full_read(&r), "{}", r.stderr);
    if ad {
        // A Samba restored from a copy keeps its data but gets a new invocationId: simulated by
        // giving the stored marker another one (what the mirror compares is the pair).
        sql(
            &db,
            "UPDATE mirror_meta SET invocation = '00000000000000000000000000000000'",
        );
        let r = same_as_full(&cfg);
        assert!(
            full_read(&r) && r.stderr.contains("invocationId"),
            "{}",
            r.stderr
        );
    }
    // After all that, a delta again.
    let r = same_as_full(&cfg);
    assert!(!full_read(&r), "{}", r.stderr);

    // An import checks its MIS ids against the mirror after a delta: an id given to an account
    // behind schooltech's back is seen, whatever its case.
    let mis = server.flavour.mis_id_attribute();
    server.ldapmodify(&format!(
        "dn: {harry}\nchangetype: modify\nreplace: {mis}\n{mis}: MX77\n"
    ));
    let csv = server.dir.join("intake.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,Role,MIS Id\nHarry,Again,pupil,mx77\nNew,Pupil,pupil,MX78\n",
    )
    .expect("csv");
    let dry = st(
        &cfg,
        &["-vv", "accounts", "import", csv.to_str().expect("path")],
        None,
    );
    assert!(
        dry.stdout
            .contains("MIS id mx77 already has the account harry.hughes")
            && dry.stdout.contains("1 to create, 1 already exist"),
        "{}\n{}",
        dry.stdout,
        dry.stderr
    );
    assert!(
        dry.stderr.contains("mirror refreshed by a delta"),
        "{}",
        dry.stderr
    );

    // doctor says how deletions are found.
    let doc = st(&cfg, &["doctor"], None);
    let expect = if ad { "Show Deleted" } else { "1.1" };
    assert!(doc.stdout.contains(expect), "{}", doc.stdout);
}

#[test]
fn mirror_follows_outside_changes_on_samba() {
    scenario(TestServer::samba());
}

#[test]
fn mirror_follows_outside_changes_on_slapd() {
    scenario(TestServer::slapd());
}
