//! The store itself (`store::Store`, not only the executor interface) on a real PostgreSQL
//! started by the harness (issue 27): opened as a school opens it (no DDL, the schema version
//! checked, an unreachable server refused before any work), the action log recorded, read and
//! verified through the same store methods as on SQLite, tampering by a superuser found, and two
//! writers appending through their own stores keeping one chain.

mod support;

use chrono::{TimeZone, Utc};
use schooltech::store::actionlog::{chain_hash, GENESIS_HASH};
use schooltech::store::engine::pg_schema;
use schooltech::store::engine::postgres::{PgDb, PgSettings};
use schooltech::store::{ChainStatus, LogFilter, NewAction, Store};
use serde_json::json;
use std::time::Duration;
use support::postgres::{cluster, PgDatabase, SUPERUSER_PASSWORD};

fn settings(url: &str) -> PgSettings {
    PgSettings {
        url: url.to_string(),
        password: Some(SUPERUSER_PASSWORD.to_string()),
        ca_cert: None,
        timeout: Duration::from_secs(10),
    }
}

/// A fresh database at this build's schema, made by the owner (here the superuser).
fn migrated() -> PgDatabase<'static> {
    let db = cluster().database();
    let owner = PgDb::connect(&settings(&db.url)).unwrap();
    pg_schema::migrate(&owner, "public", None).unwrap();
    db
}

/// The store on `db`, its mirror in a local file of `dir`.
fn open(db: &PgDatabase<'_>, dir: &tempfile::TempDir) -> Store {
    Store::open_postgres(&settings(&db.url), &dir.path().join("mirror.db"))
        .unwrap()
        .with_operator("tech")
}

fn record(s: &Store, n: usize) {
    let t = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
    for i in 0..n {
        s.record(
            NewAction {
                action: "account.disable",
                target: &format!("pupil{i}"),
                details: json!({"i": i}),
            },
            t,
        )
        .unwrap();
    }
}

fn broken(s: &Store) -> (i64, String) {
    match s.verify_log().unwrap() {
        ChainStatus::Broken { id, reason } => (id, reason),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn the_store_on_postgres_records_reads_and_verifies_its_log() {
    let db = migrated();
    let dir = tempfile::tempdir().unwrap();
    let s = open(&db, &dir);
    assert!(s.is_postgres());
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 0 });
    assert!(
        s.log_counter_kept().unwrap(),
        "a new store's head starts at 0"
    );
    record(&s, 5);
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 5 });
    let (n, hash) = s.log_head().unwrap().unwrap();
    assert_eq!(n, 5);
    assert_eq!(s.log_hash(5).unwrap().as_deref(), Some(hash.as_str()));
    let rows = s.log(&LogFilter::default()).unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].target, "pupil4", "newest first");
    // The local file holds the mirror only: no log row was written there.
    let local = rusqlite::Connection::open(dir.path().join("mirror.db")).unwrap();
    let kept: i64 = local
        .query_row("SELECT count(*) FROM action_log", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 0);
}

#[test]
fn tampering_by_a_superuser_is_found_by_log_verify_and_the_anchor() {
    // Rows edited.
    let db = migrated();
    let dir = tempfile::tempdir().unwrap();
    let s = open(&db, &dir);
    record(&s, 5);
    db.psql(
        "ALTER TABLE action_log DISABLE TRIGGER USER; \
         UPDATE action_log SET target = 'someone-else' WHERE id = 3; \
         ALTER TABLE action_log ENABLE TRIGGER USER",
    );
    let (id, reason) = broken(&s);
    assert_eq!(id, 3, "{reason}");
    assert!(reason.contains("do not match its hash"), "{reason}");

    // Rows cut from the end.
    let db = migrated();
    let s = open(&db, &dir);
    record(&s, 5);
    db.psql(
        "ALTER TABLE action_log DISABLE TRIGGER USER; DELETE FROM action_log WHERE id > 3; \
         ALTER TABLE action_log ENABLE TRIGGER USER",
    );
    let (id, reason) = broken(&s);
    assert_eq!(id, 4);
    assert!(
        reason.contains("rows 4 to 5 are missing from the end"),
        "{reason}"
    );

    // The log wiped, the head kept.
    let db = migrated();
    let s = open(&db, &dir);
    record(&s, 2);
    db.psql(
        "ALTER TABLE action_log DISABLE TRIGGER USER; DELETE FROM action_log; \
         ALTER TABLE action_log ENABLE TRIGGER USER",
    );
    let (_, reason) = broken(&s);
    assert!(reason.contains("the log was wiped"), "{reason}");

    // Log and head both wiped: the counter is gone, as a dropped SQLite log's is.
    let db = migrated();
    let s = open(&db, &dir);
    record(&s, 2);
    db.psql(
        "ALTER TABLE action_log DISABLE TRIGGER USER; ALTER TABLE action_log_head DISABLE TRIGGER USER; \
         DELETE FROM action_log; DELETE FROM action_log_head",
    );
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 0 });
    assert!(!s.log_counter_kept().unwrap());

    // The chain rebuilt whole by a superuser: only the anchor kept elsewhere finds it.
    let db = migrated();
    let s = open(&db, &dir);
    record(&s, 3);
    let (n, anchor) = s.log_head().unwrap().unwrap();
    let mut sql =
        String::from("ALTER TABLE action_log DISABLE TRIGGER USER; DELETE FROM action_log; ");
    let mut prev = GENESIS_HASH.to_string();
    for id in 1..=3i64 {
        let at = "2026-11-25T09:30:00Z";
        let target = format!("forged{id}");
        let hash = chain_hash(id, at, "tech", "account.enable", &target, "{}", &prev);
        sql.push_str(&format!(
            "INSERT INTO action_log VALUES ({id}, '{at}', 'tech', 'account.enable', '{target}', '{{}}', '{prev}', '{hash}'); "
        ));
        prev = hash;
    }
    sql.push_str("ALTER TABLE action_log ENABLE TRIGGER USER");
    db.psql(&sql);
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 3 });
    assert_ne!(s.log_hash(n).unwrap().unwrap(), anchor, "the anchor fails");
}

#[test]
fn two_writers_appending_300_rows_each_through_their_stores_keep_one_chain() {
    let db = migrated();
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let url = url.clone();
            let local = dir.path().join(format!("mirror{w}.db"));
            std::thread::spawn(move || {
                let s = Store::open_postgres(&settings(&url), &local)
                    .unwrap()
                    .with_operator(format!("writer{w}"));
                record(&s, 300);
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let s = open(&db, &dir);
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 600 });
}

#[test]
fn a_store_at_an_older_schema_is_refused_naming_the_command_and_no_ddl_is_run() {
    let db = cluster().database();
    let dir = tempfile::tempdir().unwrap();
    let e = Store::open_postgres(&settings(&db.url), &dir.path().join("m.db"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("schooltech store migrate"), "{e}");
    assert_eq!(
        db.psql("SELECT to_regclass('action_log') IS NULL"),
        "t",
        "opening made no table"
    );
}

#[test]
fn an_unreachable_server_is_refused_with_the_fix() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(&format!("postgres://postgres@127.0.0.1:{port}/none"));
    s.timeout = Duration::from_secs(2);
    let e = Store::open_postgres(&s, &dir.path().join("m.db"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot be reached"), "{e}");
    assert!(!e.contains(SUPERUSER_PASSWORD));
    assert!(
        !dir.path().join("m.db").exists(),
        "nothing is made before the server answers"
    );
}
