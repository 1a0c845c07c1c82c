//! A tamper-evident action log from outside the store file: the head (row count and last hash)
//! printed by `log verify` and `log anchor`, checked by `log verify --anchor N:HASH`; a copy of
//! every row's id and hash in syslog, compared by `log verify --journal`; a wiped log is
//! "wiped", not "whole"; the operator is the real user, never `$USER`. Every test runs on both
//! store engines (`both_engines!`): on PostgreSQL the tampering is a superuser's, the head is
//! the `action_log_head` table instead of `sqlite_sequence`, and the messages are the same.

mod support;

use rusqlite::Connection;
use schooltech::store::actionlog::chain_hash;
use schooltech::store::NewAction;
use serde_json::json;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::engines::Engine;

support::engines::both_engines!(
    the_head_and_an_anchor_catch_truncation_and_rewriting,
    a_rebuilt_chain_fails_the_anchor_and_a_wiped_log_is_wiped,
    syslog_keeps_a_copy_that_verify_compares,
    the_operator_is_the_real_user_not_the_environment,
    an_entry_nobody_can_settle_is_closed_by_hand_with_a_reason,
    rows_go_to_journald_natively_and_forged_entries_are_named,
    a_logger_line_in_the_real_journal_is_forged,
    an_empty_log_without_an_anchor_is_not_called_whole,
    log_rows_take_the_clock_never_as_of,
    the_operator_source_is_recorded,
);

struct Env<'a> {
    engine: &'a Engine,
    _dir: tempfile::TempDir,
    dir: PathBuf,
    cfg: PathBuf,
    db: PathBuf,
}

fn env(engine: &Engine) -> Env<'_> {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().to_path_buf();
    let pw = dir.join("pw");
    std::fs::write(&pw, "x").expect("pw");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let db = dir.join("store").join("schooltech.db");
    let cfg = dir.join("schooltech.toml");
    std::fs::write(
        &cfg,
        format!(
            "[directory]\nurl = \"ldap://127.0.0.1:1\"\nflavour = \"openldap\"\nbind_dn = \"cn=x\"\n\
             bind_password_file = \"{}\"\nbase_dn = \"dc=x\"\n[store]\npath = \"{}\"\n",
            pw.display(),
            db.display()
        ),
    )
    .expect("config");
    engine.configure(&cfg);
    Env {
        engine,
        _dir: tmp,
        dir,
        cfg,
        db,
    }
}

struct Run {
    code: i32,
    stdout: String,
}

fn st(e: &Env, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_schooltech"));
    c.arg("--config")
        .arg(&e.cfg)
        .args(args)
        .env("NO_COLOR", "1");
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A stand-in `journalctl` first on PATH that prints `lines` (as `journalctl -o json` would);
/// returns the PATH to run with.
fn stand_in_journalctl(e: &Env, lines: &[String]) -> String {
    let bin = e.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let file = e.dir.join("journal.json");
    std::fs::write(&file, lines.join("\n") + "\n").expect("journal");
    let jc = bin.join("journalctl");
    std::fs::write(&jc, format!("#!/bin/sh\ncat '{}'\n", file.display())).expect("script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&jc, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A local change that writes one log row and needs no directory: an asset added (named after
/// `name`). Shared logins now check their usernames against the directory.
fn creds_add(e: &Env, name: &str, envs: &[(&str, &str)]) -> Run {
    let tag: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_uppercase();
    st(
        e,
        &["inventory", "add", &tag, "--category", "display"],
        envs,
    )
}

fn record(e: &Env, n: usize) {
    let s = e.engine.open(&e.db).expect("store").with_operator("tech");
    for i in 0..n {
        let t = format!("user{i}");
        s.record(
            NewAction {
                action: "account.disable",
                target: &t,
                details: json!({ "reason": "left" }),
            },
            chrono::Utc::now(),
        )
        .expect("record");
    }
}

fn anchor(e: &Env) -> String {
    let r = st(e, &["log", "anchor"], &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    r.stdout.trim().to_string()
}

/// Runs `sql` behind the store's back: with sqlite3 on the file, or as a PostgreSQL superuser.
fn raw_sql(e: &Env, sql: &str) {
    match e.engine {
        Engine::Sqlite => Connection::open(&e.db)
            .expect("raw")
            .execute_batch(sql)
            .expect("raw sql"),
        Engine::Postgres(p) => {
            p.db.psql(sql);
        }
    }
}

/// Rewrites rows `from..` with new targets and recomputes every hash and link, as someone with
/// sqlite3 (or a PostgreSQL superuser) and the documented hash rule could.
fn rebuild_from(e: &Env, from: i64) {
    if let Engine::Postgres(p) = e.engine {
        p.db.psql("ALTER TABLE action_log DISABLE TRIGGER action_log_no_change");
        let rows = p.db.psql(
            "SELECT concat_ws(chr(31), id, at, operator, action, target, details, prev_hash) \
             FROM action_log ORDER BY id",
        );
        let mut prev = String::new();
        let mut sql = String::new();
        for line in rows.lines() {
            let f: Vec<&str> = line.split('\u{1f}').collect();
            let id: i64 = f[0].parse().expect("id");
            let prev_hash = if id < from {
                f[6].to_string()
            } else {
                prev.clone()
            };
            let target = if id >= from {
                format!("{}-rewritten", f[4])
            } else {
                f[4].to_string()
            };
            let hash = chain_hash(id, f[1], f[2], f[3], &target, f[5], &prev_hash);
            sql.push_str(&format!(
                "UPDATE action_log SET target = '{target}', prev_hash = '{prev_hash}', \
                 hash = '{hash}' WHERE id = {id}; "
            ));
            prev = hash;
        }
        p.db.psql(&sql);
        return;
    }
    let c = Connection::open(&e.db).expect("raw");
    c.execute_batch(
        "DROP TRIGGER IF EXISTS action_log_no_update; DROP TRIGGER IF EXISTS action_log_no_delete;",
    )
    .expect("drop");
    let rows: Vec<(i64, String, String, String, String, String, String)> = {
        let mut q = c
            .prepare("SELECT id, at, operator, action, target, details, prev_hash FROM action_log ORDER BY id")
            .expect("q");
        let it = q
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .expect("rows");
        it.map(|r| r.expect("row")).collect()
    };
    let mut prev = String::new();
    for (id, at, op, action, target, details, prev_hash) in rows {
        let prev_hash = if id < from { prev_hash } else { prev.clone() };
        let target = if id >= from {
            format!("{target}-rewritten")
        } else {
            target
        };
        let hash = chain_hash(id, &at, &op, &action, &target, &details, &prev_hash);
        c.execute(
            "UPDATE action_log SET target = ?1, prev_hash = ?2, hash = ?3 WHERE id = ?4",
            rusqlite::params![target, prev_hash, hash, id],
        )
        .expect("update");
        prev = hash;
    }
}

fn the_head_and_an_anchor_catch_truncation_and_rewriting(engine: &Engine) {
    let e = env(engine);
    record(&e, 5);
    let v = st(&e, &["log", "verify"], &[]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    let a = anchor(&e);
    let (n, hash) = a.split_once(':').expect("N:HASH");
    assert_eq!(n, "5", "{a}");
    assert_eq!(hash.len(), 64, "{a}");
    assert!(
        v.stdout.contains("5 entries") && v.stdout.contains(hash),
        "{}",
        v.stdout
    );
    assert_eq!(st(&e, &["log", "verify", "--anchor", &a], &[]).code, 0);
    let bad = st(&e, &["log", "verify", "--anchor", "nonsense"], &[]);
    assert_eq!(bad.code, 2, "{}", bad.stdout);

    // More rows later: the old anchor still holds (row 5 is still what it was).
    record(&e, 2);
    assert_eq!(st(&e, &["log", "verify", "--anchor", &a], &[]).code, 0);

    // Truncation with the counter fixed: the chain alone looks whole, the anchor does not.
    raw_sql(
        &e,
        match engine {
            Engine::Sqlite => {
                "DROP TRIGGER action_log_no_delete; DELETE FROM action_log WHERE id > 3; \
                 UPDATE sqlite_sequence SET seq = 3 WHERE name = 'action_log';"
            }
            Engine::Postgres(_) => {
                "ALTER TABLE action_log DISABLE TRIGGER action_log_no_change; \
                 ALTER TABLE action_log_head DISABLE TRIGGER action_log_head_no_change; \
                 DELETE FROM action_log WHERE id > 3; DELETE FROM action_log_head WHERE seq > 3"
            }
        },
    );
    assert_eq!(st(&e, &["log", "verify"], &[]).code, 0);
    let t = st(&e, &["log", "verify", "--anchor", &a], &[]);
    assert_eq!(t.code, 1, "{}", t.stdout);
    assert!(t.stdout.contains("row 5"), "{}", t.stdout);
}

fn a_rebuilt_chain_fails_the_anchor_and_a_wiped_log_is_wiped(engine: &Engine) {
    let e = env(engine);
    record(&e, 5);
    let a = anchor(&e);
    rebuild_from(&e, 3);
    assert_eq!(
        st(&e, &["log", "verify"], &[]).code,
        0,
        "rebuilt chain is whole"
    );
    let r = st(&e, &["log", "verify", "--anchor", &a], &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("row 5") && r.stdout.contains("differs"),
        "{}",
        r.stdout
    );

    raw_sql(&e, "DELETE FROM action_log;");
    let w = st(&e, &["log", "verify"], &[]);
    assert_eq!(w.code, 1, "{}", w.stdout);
    assert!(w.stdout.contains("wiped"), "{}", w.stdout);
}

fn syslog_keeps_a_copy_that_verify_compares(engine: &Engine) {
    let e = env(engine);
    let sock_path = e.dir.join("devlog");
    let sock = UnixDatagram::bind(&sock_path).expect("bind");
    sock.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    let sp = sock_path.to_str().expect("path");
    // Rows appended by the program (inventory add is a local change, logged, that needs no
    // directory: `creds add` checks its usernames against the directory since issue 23).
    for name in ["LIB-DESK", "EXAM-ROOM", "RECEPTION"] {
        let r = st(
            &e,
            &["inventory", "add", name, "--category", "other"],
            &[("SCHOOLTECH_TEST_SYSLOG", sp)],
        );
        assert_eq!(r.code, 0, "{}", r.stdout);
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 2048];
    while got.len() < 3 {
        let n = sock.recv(&mut buf).expect("a syslog datagram per row");
        got.push(String::from_utf8_lossy(&buf[..n]).to_string());
    }
    assert!(got[0].starts_with("<37>schooltech["), "{}", got[0]);
    assert!(got[2].contains("row=3 hash="), "{got:?}");

    // A stand-in journalctl on PATH answers with what syslog received, as journald shows an
    // entry it took from /dev/log written by schooltech as root.
    let lines: Vec<String> = got
        .iter()
        .map(|m| {
            json!({
                "MESSAGE": m.split_once("]: ").map(|x| x.1).unwrap_or(m),
                "SYSLOG_IDENTIFIER": "schooltech",
                "_UID": "0",
                "_COMM": "schooltech",
                "_EXE": "/usr/bin/schooltech",
            })
            .to_string()
        })
        .collect();
    let path = stand_in_journalctl(&e, &lines);
    let ok = st(&e, &["log", "verify", "--journal"], &[("PATH", &path)]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert!(ok.stdout.contains("3 rows"), "{}", ok.stdout);

    // The whole chain rebuilt with other contents: the journal's copy does not match.
    rebuild_from(&e, 2);
    assert_eq!(st(&e, &["log", "verify"], &[]).code, 0);
    let bad = st(&e, &["log", "verify", "--journal"], &[("PATH", &path)]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(bad.stdout.contains("row 2"), "{}", bad.stdout);
}

fn the_operator_is_the_real_user_not_the_environment(engine: &Engine) {
    let e = env(engine);
    let me = real_user_name();
    let r = st(
        &e,
        &["inventory", "add", "DESK", "--category", "other"],
        &[
            ("USER", "mallory"),
            ("LOGNAME", "mallory"),
            ("SUDO_USER", "mallory"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let log = st(&e, &["log", "show", "--format", "json"], &[]);
    let rows: serde_json::Value = serde_json::from_str(&log.stdout).expect("json");
    assert_eq!(rows[0]["operator"], me.as_str(), "{rows}");
    // Under sudo (real uid 0), the user who ran sudo: $SUDO_UID, named from /etc/passwd.
    if me == "root" {
        let r = st(
            &e,
            &["inventory", "add", "DESK2", "--category", "other"],
            &[("SUDO_UID", "65534"), ("SUDO_USER", "mallory")],
        );
        assert_eq!(r.code, 0, "{}", r.stdout);
        let log = st(&e, &["log", "show", "--format", "json"], &[]);
        let rows: serde_json::Value = serde_json::from_str(&log.stdout).expect("json");
        // A login uid (set at SSH login, kept across sudo) outranks $SUDO_UID, which anyone
        // running as root can set; without one (a service, a container) $SUDO_UID names the user.
        let login = std::fs::read_to_string("/proc/self/loginuid").unwrap_or_default();
        let (want, source) = match login.trim().parse::<u32>() {
            Ok(u) if u != u32::MAX => (
                name_of(&u.to_string()).unwrap_or_else(|| format!("uid {u}")),
                "loginuid",
            ),
            _ => (
                name_of("65534").unwrap_or_else(|| "uid 65534".into()),
                "sudo_uid",
            ),
        };
        assert_eq!(rows[0]["operator"], want.as_str(), "{rows}");
        assert_eq!(rows[0]["details"]["operator_source"], source, "{rows}");
    }
}

fn name_of(uid: &str) -> Option<String> {
    std::fs::read_to_string("/etc/passwd")
        .ok()?
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.get(2) == Some(&uid))
        .map(|f| f[0].to_string())
}

/// The login name of this process's real uid, from /etc/passwd.
fn real_user_name() -> String {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .expect("uid")
        .to_string();
    std::fs::read_to_string("/etc/passwd")
        .expect("passwd")
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.get(2) == Some(&uid.as_str()))
        .map(|f| f[0].to_string())
        .expect("in passwd")
}

fn an_entry_nobody_can_settle_is_closed_by_hand_with_a_reason(engine: &Engine) {
    use schooltech::store::Outcome;
    let e = env(engine);
    let id = {
        let s = e.engine.open(&e.db).expect("store").with_operator("tech");
        let id = s
            .journal_begin(
                "account.disable",
                "amir.khan",
                &json!({}),
                chrono::Utc::now(),
            )
            .expect("begin");
        s.journal_close(
            id,
            &Outcome::Unknown("no answer".into()),
            None,
            chrono::Utc::now(),
        )
        .expect("close");
        id
    };
    // The directory cannot be reached: still unknown, and said so.
    let p = st(&e, &["log", "pending"], &[]);
    assert_eq!(p.code, 1, "{}", p.stdout);
    assert!(
        p.stdout.contains("amir.khan") && p.stdout.contains("unknown"),
        "{}",
        p.stdout
    );
    let id = id.to_string();
    let r = st(
        &e,
        &[
            "log",
            "settle",
            &id,
            "--done",
            "--reason",
            "checked in ADUC: disabled",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(st(&e, &["log", "pending"], &[]).code, 0);
    let log = st(&e, &["log", "show", "--format", "json"], &[]);
    let rows: serde_json::Value = serde_json::from_str(&log.stdout).expect("json");
    assert_eq!(rows[0]["action"], "account.disable");
    assert!(rows[0]["details"]["settled"]
        .as_str()
        .is_some_and(|s| s.contains("ADUC")));
    // Closed once: a second verdict is refused.
    assert_eq!(
        st(
            &e,
            &["log", "settle", &id, "--not-done", "--reason", "x"],
            &[]
        )
        .code,
        2
    );
}

fn rows_go_to_journald_natively_and_forged_entries_are_named(engine: &Engine) {
    let e = env(engine);
    let sock_path = e.dir.join("journal-socket");
    let sock = UnixDatagram::bind(&sock_path).expect("bind");
    sock.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    let sp = sock_path.to_str().expect("path");
    for name in ["Library desk", "Exam room"] {
        let r = creds_add(&e, name, &[("SCHOOLTECH_TEST_JOURNAL", sp)]);
        assert_eq!(r.code, 0, "{}", r.stdout);
    }
    let mut got = Vec::new();
    let mut buf = vec![0u8; 8192];
    while got.len() < 2 {
        let n = sock.recv(&mut buf).expect("a journal datagram per row");
        let fields = schooltech::store::syslog::parse_native(&buf[..n]).expect("native protocol");
        got.push(
            fields
                .into_iter()
                .collect::<std::collections::BTreeMap<String, String>>(),
        );
    }
    let store = PathBuf::from(engine.store_name(&e.db));
    assert_eq!(got[0]["SYSLOG_IDENTIFIER"], "schooltech");
    assert_eq!(got[1]["SCHOOLTECH_ID"], "2");
    assert_eq!(got[1]["SCHOOLTECH_STORE"], store.to_str().expect("path"));
    assert_eq!(got[1]["SCHOOLTECH_HASH"].len(), 64);
    assert!(got[1]["MESSAGE"].contains("row=2 hash="), "{got:?}");

    // journald adds the sender's trusted fields: schooltech as root for the real rows, and an
    // entry `logger -t schooltech` wrote as uid 1000 claiming row 2 with another hash.
    let trusted: Vec<String> = got
        .iter()
        .map(|f| {
            let mut o: serde_json::Map<String, serde_json::Value> =
                f.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            o.insert("_UID".into(), json!("0"));
            o.insert("_COMM".into(), json!("schooltech"));
            o.insert("_EXE".into(), json!("/usr/bin/schooltech"));
            serde_json::Value::Object(o).to_string()
        })
        .collect();
    let forged = json!({
        "MESSAGE": format!("action-log store={} row=2 hash={}", store.display(), "f".repeat(64)),
        "SYSLOG_IDENTIFIER": "schooltech",
        "_UID": "1000",
        "_COMM": "logger",
        "_EXE": "/usr/bin/logger",
    })
    .to_string();
    let path = stand_in_journalctl(&e, &trusted);
    let ok = st(&e, &["log", "verify", "--journal"], &[("PATH", &path)]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    assert!(ok.stdout.contains("2 rows matches"), "{}", ok.stdout);

    let mut all = trusted.clone();
    all.push(forged.clone());
    let path = stand_in_journalctl(&e, &all);
    let bad = st(&e, &["log", "verify", "--journal"], &[("PATH", &path)]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(
        bad.stdout
            .contains("row 2: forged: written by uid 1000 (/usr/bin/logger)"),
        "{}",
        bad.stdout
    );
    let j = st(
        &e,
        &["log", "verify", "--journal", "--format", "json"],
        &[("PATH", &path)],
    );
    assert_eq!(j.code, 1, "{}", j.stdout);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).expect("json");
    assert_eq!(v["journal"]["status"], "differs", "{v}");
    assert!(v["findings"][0]
        .as_str()
        .is_some_and(|f| f.contains("forged: written by uid 1000 (/usr/bin/logger)")));

    // A rebuilt chain backed only by forged entries does not pass: the forged ones are not
    // counted, and the real ones no longer match.
    rebuild_from(&e, 1);
    let store_now = engine.open(&e.db).expect("store");
    let new_hash = store_now.log_hash(2).expect("hash").expect("row 2");
    drop(store_now);
    let forged_match = json!({
        "MESSAGE": format!("action-log store={} row=2 hash={new_hash}", store.display()),
        "SYSLOG_IDENTIFIER": "schooltech",
        "_UID": "1000",
        "_EXE": "/usr/bin/logger",
    })
    .to_string();
    let path = stand_in_journalctl(&e, &[forged_match]);
    let r = st(&e, &["log", "verify", "--journal"], &[("PATH", &path)]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("forged"), "{}", r.stdout);
    assert!(!r.stdout.contains("matches the store"), "{}", r.stdout);
}

/// Against the real journald, where this machine runs one (skipped otherwise: the stand-in
/// above covers the classification).
fn a_logger_line_in_the_real_journal_is_forged(engine: &Engine) {
    if !Path::new(schooltech::store::syslog::JOURNAL_SOCKET).exists()
        || !Command::new("journalctl")
            .args(["-n", "0", "-q"])
            .status()
            .is_ok_and(|s| s.success())
    {
        eprintln!("no journald here: skipped");
        return;
    }
    let e = env(engine);
    let store = std::fs::canonicalize(e.db.parent().expect("dir"))
        .unwrap_or_else(|_| e.dir.join("store"))
        .join("schooltech.db");
    let _ = creds_add(&e, "Desk", &[]);
    let store = match engine {
        Engine::Sqlite => std::fs::canonicalize(&e.db).unwrap_or(store),
        Engine::Postgres(_) => PathBuf::from(engine.store_name(&e.db)),
    };
    let status = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "logger",
            "-t",
            "schooltech",
        ])
        .arg(format!(
            "action-log store={} row=1 hash={}",
            store.display(),
            "f".repeat(64)
        ))
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("cannot log as another user here: skipped");
        return;
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    let r = st(&e, &["log", "verify", "--journal"], &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("forged: written by uid 65534"),
        "{}",
        r.stdout
    );
}

fn an_empty_log_without_an_anchor_is_not_called_whole(engine: &Engine) {
    let e = env(engine);
    record(&e, 3);
    // Dropped and made again through raw SQL: no rows, no counter in sqlite_sequence (on
    // PostgreSQL: the log and its head table both emptied by a superuser).
    if let Engine::Postgres(p) = engine {
        p.db.psql(
            "ALTER TABLE action_log DISABLE TRIGGER USER; \
             ALTER TABLE action_log_head DISABLE TRIGGER USER; \
             DELETE FROM action_log; DELETE FROM action_log_head; \
             ALTER TABLE action_log ENABLE TRIGGER USER; \
             ALTER TABLE action_log_head ENABLE TRIGGER USER",
        );
    } else {
        let c = Connection::open(&e.db).expect("raw");
        let sql: String = c
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'action_log'",
                [],
                |r| r.get(0),
            )
            .expect("schema");
        c.execute_batch(&format!("DROP TABLE action_log; {sql};"))
            .expect("recreate");
        drop(c);
    }
    let v = st(&e, &["log", "verify"], &[]);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(
        v.stdout
            .contains("empty: give --anchor to tell whole from wiped"),
        "{}",
        v.stdout
    );
    assert!(!v.stdout.contains("whole:"), "{}", v.stdout);
    let j = st(&e, &["log", "verify", "--format", "json"], &[]);
    assert_eq!(j.code, 1, "{}", j.stdout);
    let jv: serde_json::Value = serde_json::from_str(&j.stdout).expect("json");
    assert_eq!(jv["status"], "empty", "{jv}");
    assert_eq!(
        jv["findings"][0], "empty: give --anchor to tell whole from wiped",
        "{jv}"
    );
    // With an anchor it is told: an old anchor fails, the empty anchor holds.
    let old = st(
        &e,
        &[
            "log",
            "verify",
            "--anchor",
            &format!("3:{}", "a".repeat(64)),
        ],
        &[],
    );
    assert_eq!(old.code, 1, "{}", old.stdout);
    assert!(old.stdout.contains("row 3"), "{}", old.stdout);
    let empty = st(
        &e,
        &[
            "log",
            "verify",
            "--anchor",
            &format!("0:{}", "0".repeat(64)),
        ],
        &[],
    );
    assert_eq!(empty.code, 0, "{}", empty.stdout);
    assert!(
        empty.stdout.contains("whole: 0 entries"),
        "{}",
        empty.stdout
    );
}

fn log_rows_take_the_clock_never_as_of(engine: &Engine) {
    let e = env(engine);
    let now = "2026-12-07T10:15:00Z";
    // A change under --as-of is refused (it is for reports and dry runs) and writes nothing.
    let r = st(
        &e,
        &[
            "--as-of",
            "2026-09-01",
            "inventory",
            "add",
            "HA1",
            "--category",
            "laptop",
        ],
        &[("SCHOOLTECH_TEST_NOW", now)],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("--as-of is for reports and dry runs"),
        "{}",
        r.stdout
    );
    // The same change run on a clock: the row is dated by the clock.
    let r = st(
        &e,
        &["inventory", "add", "HA1", "--category", "laptop"],
        &[("SCHOOLTECH_TEST_NOW", now)],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = creds_add(&e, "Desk", &[("SCHOOLTECH_TEST_NOW", now)]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let log = st(&e, &["log", "show", "--format", "json"], &[]);
    let rows: serde_json::Value = serde_json::from_str(&log.stdout).expect("json");
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{rows:?}");
    for row in rows {
        assert_eq!(row["at"], now, "{row}");
    }
}

fn the_operator_source_is_recorded(engine: &Engine) {
    let e = env(engine);
    let r = creds_add(&e, "Desk", &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let log = st(&e, &["log", "show", "--format", "json"], &[]);
    let rows: serde_json::Value = serde_json::from_str(&log.stdout).expect("json");
    let login = std::fs::read_to_string("/proc/self/loginuid").unwrap_or_default();
    let want = if login.trim().parse::<u32>().is_ok_and(|u| u != u32::MAX) {
        "loginuid"
    } else if std::env::var("SUDO_UID").is_ok() && real_user_name() == "root" {
        "sudo_uid"
    } else {
        "uid"
    };
    assert_eq!(rows[0]["details"]["operator_source"], want, "{rows}");
    // Old rows (without it) still verify, and so do the new ones.
    assert_eq!(st(&e, &["log", "verify"], &[]).code, 0);
}
