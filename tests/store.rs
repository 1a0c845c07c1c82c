//! The store against real SQLite files and a real PostgreSQL (issue 27): opening, refusing what
//! is not ours, the action log's append-only triggers, tamper detection, and concurrent writers.
//! The engine-neutral tests run on both engines (`both_engines!`); those about the SQLite file
//! itself (its header, modes, PRAGMAs, WAL) stay SQLite-only and say why.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::Connection;
use schooltech::store::migrations::LATEST;
use schooltech::store::{ChainStatus, LogFilter, NewAction, Store};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use support::engines::Engine;

support::engines::both_engines!(
    a_chain_of_100_rows_verifies_and_survives_reopening,
    update_delete_and_replace_are_refused_by_the_triggers,
    a_changed_row_is_named,
    a_changed_row_with_a_recomputed_hash_breaks_the_next_link,
    a_deleted_middle_row_is_named,
    rows_cut_from_the_end_are_seen_even_after_new_appends,
    passwords_in_details_are_refused_and_never_reach_the_file,
    two_writers_on_one_file_keep_the_chain_whole,
    several_processes_creating_the_store_at_once_all_succeed,
    the_journal_survives_a_restart,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap()
}

fn action(i: usize) -> NewAction<'static> {
    NewAction {
        action: if i.is_multiple_of(3) {
            "password.reset"
        } else {
            "account.disable"
        },
        target: if i.is_multiple_of(2) {
            "amir.khan"
        } else {
            "Zoë.Brown"
        },
        details: json!({ "i": i, "before": { "enabled": true }, "after": { "enabled": false } }),
    }
}

fn store_with(engine: &Engine, path: &Path, rows: usize) -> Store {
    let s = engine.open(path).unwrap().with_operator("tech");
    for i in 0..rows {
        s.record(action(i), t0() + Duration::seconds(i as i64))
            .unwrap();
    }
    s
}

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("schooltech.db")
}

/// A raw connection, as someone with the sqlite3 tool would have.
fn raw(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

/// The schema version this build makes on the engine.
fn latest(engine: &Engine) -> u32 {
    match engine {
        Engine::Sqlite => LATEST,
        Engine::Postgres(_) => schooltech::store::engine::pg_schema::LATEST as u32,
    }
}

/// Runs `sql` behind the store's back, as someone with the sqlite3 tool, or a PostgreSQL
/// superuser, would: Err with the engine's words when it is refused.
fn raw_exec(engine: &Engine, path: &Path, sql: &str) -> Result<(), String> {
    match engine {
        Engine::Sqlite => raw(path).execute_batch(sql).map_err(|e| e.to_string()),
        Engine::Postgres(p) => p.db.try_psql(sql).map(|_| ()),
    }
}

/// Switches the action log's append-only triggers off, as a tamperer would.
fn drop_triggers(engine: &Engine, path: &Path) {
    let sql = match engine {
        Engine::Sqlite => {
            "DROP TRIGGER action_log_no_update; DROP TRIGGER action_log_no_delete; \
             DROP TRIGGER action_log_no_replace;"
        }
        Engine::Postgres(_) => "ALTER TABLE action_log DISABLE TRIGGER USER",
    };
    raw_exec(engine, path, sql).unwrap();
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn a_chain_of_100_rows_verifies_and_survives_reopening(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = store_with(engine, &path, 100);
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 100 });
    drop(s);

    let s = engine.open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), latest(engine));
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 100 });
    let rows = s.log(&LogFilter::default()).unwrap();
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[0].id, 100);
    assert_eq!(rows[99].prev_hash, "0".repeat(64));
    for w in rows.windows(2) {
        assert_eq!(w[0].prev_hash, w[1].hash);
    }
    // Appending after reopening continues the same chain.
    let e = s.record(action(100), t0() + Duration::days(1)).unwrap();
    assert_eq!(e.id, 101);
    assert_eq!(e.prev_hash, rows[0].hash);
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 101 });
}

fn update_delete_and_replace_are_refused_by_the_triggers(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let _s = store_with(engine, &path, 3);
    // SQLite's INSERT OR REPLACE is PostgreSQL's INSERT … ON CONFLICT DO UPDATE.
    let replace = match engine {
        Engine::Sqlite => "INSERT OR REPLACE INTO action_log (id, at, operator, action, target, details, prev_hash, hash) \
         SELECT id, at, operator, action, 'someone.else', details, prev_hash, hash FROM action_log WHERE id = 2",
        Engine::Postgres(_) => "INSERT INTO action_log (id, at, operator, action, target, details, prev_hash, hash) \
         SELECT id, at, operator, action, 'someone.else', details, prev_hash, hash FROM action_log WHERE id = 2 \
         ON CONFLICT (id) DO UPDATE SET target = excluded.target",
    };
    for sql in [
        "UPDATE action_log SET target = 'someone.else' WHERE id = 2",
        "DELETE FROM action_log WHERE id = 2",
        "DELETE FROM action_log",
        replace,
    ] {
        let e = raw_exec(engine, &path, sql).unwrap_err();
        assert!(e.contains("the action log is append-only"), "{sql}: {e}");
    }
    assert_eq!(_s.verify_log().unwrap(), ChainStatus::Whole { rows: 3 });
}

fn a_changed_row_is_named(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = store_with(engine, &path, 100);
    drop_triggers(engine, &path);
    raw_exec(
        engine,
        &path,
        "UPDATE action_log SET target = 'innocent.pupil' WHERE id = 37",
    )
    .unwrap();
    match s.verify_log().unwrap() {
        ChainStatus::Broken { id, reason } => {
            assert_eq!(id, 37, "{reason}");
            assert!(reason.contains("changed outside schooltech"), "{reason}");
        }
        other => panic!("tampering not seen: {other:?}"),
    }
}

fn a_changed_row_with_a_recomputed_hash_breaks_the_next_link(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = store_with(engine, &path, 10);
    drop_triggers(engine, &path);
    let read = "SELECT at, operator, action, details, prev_hash FROM action_log WHERE id = 4";
    let (at, op, act, det, prev): (String, String, String, String, String) = match engine {
        Engine::Sqlite => raw(&path)
            .query_row(read, [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap(),
        Engine::Postgres(p) => {
            let row = p.db.psql(&format!(
                "SELECT concat_ws(chr(31), at, operator, action, details, prev_hash) \
                 FROM ({read}) r"
            ));
            let f: Vec<String> = row.split('\u{1f}').map(String::from).collect();
            (
                f[0].clone(),
                f[1].clone(),
                f[2].clone(),
                f[3].clone(),
                f[4].clone(),
            )
        }
    };
    let forged =
        schooltech::store::actionlog::chain_hash(4, &at, &op, &act, "innocent", &det, &prev);
    raw_exec(
        engine,
        &path,
        &format!("UPDATE action_log SET target = 'innocent', hash = '{forged}' WHERE id = 4"),
    )
    .unwrap();
    match s.verify_log().unwrap() {
        ChainStatus::Broken { id, reason } => {
            assert_eq!(id, 5, "{reason}");
            assert!(reason.contains("row 4"), "{reason}");
        }
        other => panic!("forgery not seen: {other:?}"),
    }
}

fn a_deleted_middle_row_is_named(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = store_with(engine, &path, 20);
    drop_triggers(engine, &path);
    raw_exec(engine, &path, "DELETE FROM action_log WHERE id = 12").unwrap();
    match s.verify_log().unwrap() {
        ChainStatus::Broken { id, reason } => {
            assert_eq!(id, 12, "{reason}");
            assert!(reason.contains("missing"), "{reason}");
        }
        other => panic!("deletion not seen: {other:?}"),
    }
}

fn rows_cut_from_the_end_are_seen_even_after_new_appends(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = store_with(engine, &path, 20);
    drop_triggers(engine, &path);
    raw_exec(engine, &path, "DELETE FROM action_log WHERE id > 18").unwrap();
    match s.verify_log().unwrap() {
        ChainStatus::Broken { id, reason } => {
            assert_eq!(id, 19, "{reason}");
            assert!(reason.contains("end of the log"), "{reason}");
        }
        other => panic!("truncation not seen: {other:?}"),
    }
    // The next append does not reuse ids 19 and 20, so the gap stays visible.
    let e = s.record(action(0), t0()).unwrap();
    assert_eq!(e.id, 21);
    assert!(matches!(
        s.verify_log().unwrap(),
        ChainStatus::Broken { id: 19, .. }
    ));
}

// SQLite only: the SQLite file header.
#[test]
fn a_non_sqlite_file_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("notes.db", b"pupil,form\namir.khan,7B\n".repeat(100)),
        ("short.db", b"SQLite format 3\0".to_vec()),
        (
            "garbage.db",
            [b"SQLite format 3\0".as_slice(), &[0xAB; 4080]].concat(),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = Store::open(&path).unwrap_err().to_string();
        assert!(e.contains("is not a schooltech store"), "{name}: {e}");
        assert!(
            e.contains("move it aside or set [store] path"),
            "{name}: {e}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} changed");
        assert_eq!(mode(&path), 0o640, "{name} mode changed");
    }
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["garbage.db", "notes.db", "short.db"], "files added");
}

// SQLite only: the application_id of a SQLite file.
#[test]
fn another_programs_sqlite_database_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("places.sqlite");
    {
        let c = raw(&path);
        c.execute_batch("CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('x');")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let e = Store::open(&path).unwrap_err().to_string();
    assert!(e.contains("not a schooltech store"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

// SQLite only: PRAGMA user_version (PostgreSQL: store_engines.rs, postgres_schema_older_or_newer_is_refused_naming_the_command).
#[test]
fn a_store_from_a_newer_schooltech_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    drop(store_with(&Engine::Sqlite, &path, 5));
    raw(&path)
        .execute_batch(&format!("PRAGMA user_version = {}", LATEST + 7))
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = Store::open(&path).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "made by a newer schooltech (schema {}, this one knows {LATEST}); upgrade schooltech",
            LATEST + 7
        )),
        "{e}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!path.with_extension("db-wal").exists());
}

// SQLite only: SQLite's write-ahead log.
#[test]
fn a_newer_schema_still_in_the_write_ahead_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    drop(store_with(&Engine::Sqlite, &path, 5));
    // A newer schooltech is running: its upgrade is in the WAL, not yet in the main file.
    let newer = raw(&path);
    newer
        .execute_batch(&format!(
            "PRAGMA wal_autocheckpoint = 0; PRAGMA user_version = {}",
            LATEST + 1
        ))
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = Store::open(&path).unwrap_err().to_string();
    assert!(e.contains("made by a newer schooltech"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

// SQLite only: file modes and PRAGMA journal_mode.
#[test]
fn a_missing_parent_directory_is_created_0700_and_the_file_0600() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("var/lib/schooltech");
    let path = parent.join("schooltech.db");
    let s = store_with(&Engine::Sqlite, &path, 1);
    assert_eq!(mode(&parent), 0o700);
    assert_eq!(mode(&path), 0o600);
    let wal = parent.join("schooltech.db-wal");
    assert!(wal.exists(), "WAL mode");
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(s.path(), path);
    let jm: String = raw(&path)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jm, "wal");
}

// SQLite only: an empty file at the store path.
#[test]
fn an_empty_existing_file_becomes_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    std::fs::write(&path, b"").unwrap();
    let s = store_with(&Engine::Sqlite, &path, 2);
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 2 });
}

fn passwords_in_details_are_refused_and_never_reach_the_file(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = store_with(engine, &path, 1);
    for details in [
        json!({"password": "Otter&Lantern9Violet"}),
        json!({"after": {"unicodePwd": "Otter&Lantern9Violet"}}),
        json!({"accounts": [{"TEMPORARY_PASSWORD": "Otter&Lantern9Violet"}]}),
    ] {
        let e = s
            .record(
                NewAction {
                    action: "password.reset",
                    target: "amir.khan",
                    details,
                },
                t0(),
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("refusing to write a password"), "{e}");
        assert!(!e.contains("Otter"), "{e}");
    }
    s.record(
        NewAction {
            action: "password.reset",
            target: "amir.khan",
            details: json!({"password_set": true, "must_change": true}),
        },
        t0(),
    )
    .unwrap();
    drop(s);
    let c = raw(&path);
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(c);
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.windows(6).any(|w| w == b"Otter&"));
    if let Engine::Postgres(p) = engine {
        // On PostgreSQL the file is the mirror; the log is in the database.
        let found =
            p.db.psql("SELECT count(*) FROM action_log WHERE details LIKE '%Otter%'");
        assert_eq!(found, "0");
        assert_eq!(p.db.psql("SELECT count(*) FROM action_log"), "2");
    }
}

fn two_writers_on_one_file_keep_the_chain_whole(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    drop(engine.open(&path).unwrap());
    let per_writer: usize = 300;
    std::thread::scope(|scope| {
        let handles: Vec<_> = ["tech-a", "tech-b"]
            .into_iter()
            .map(|who| {
                let path = path.clone();
                scope.spawn(move || {
                    let s = engine.open(&path).unwrap().with_operator(who);
                    for i in 0..per_writer {
                        if i.is_multiple_of(50) {
                            // Some batches too, interleaved with single appends.
                            s.record_many(&[action(i), action(i + 1)], t0()).unwrap();
                        } else {
                            s.record(action(i), t0()).unwrap();
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
    let s = engine.open(&path).unwrap();
    let total = 2 * (per_writer + per_writer / 50);
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: total });
    for who in ["tech-a", "tech-b"] {
        let mine = s
            .log(&LogFilter {
                operator: Some(who.into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(mine.len(), total / 2);
    }
}

fn several_processes_creating_the_store_at_once_all_succeed(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                scope.spawn(move || {
                    let s = engine.open(&path)?;
                    s.record(action(0), t0())?;
                    s.schema_version()
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap().unwrap(), latest(engine));
        }
    });
    let s = engine.open(&path).unwrap();
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 4 });
}

fn the_journal_survives_a_restart(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = engine.open(&path).unwrap();
    let a = s
        .journal_begin("account.disable", "amir.khan", &json!({}), t0())
        .unwrap();
    let _b = s
        .journal_begin("account.disable", "zoe.brown", &json!({}), t0())
        .unwrap();
    s.journal_finish(a, Ok(()), t0()).unwrap();
    drop(s); // interrupted here
    let s = engine.open(&path).unwrap();
    let pending = s.journal_pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].target, "zoe.brown");
}

/// Not a test of speed (no timed assertions): prints how long 10,000 appends take, one transaction
/// each, on a real file. Run with
/// `cargo test --release --test store -- --ignored --nocapture bench_append`.
///
/// Measured 2026-11-25 (release, 2-core VM, ext4): 19.6 s for 10,000 appends (~2 ms each) with
/// `synchronous = FULL`, 2.1 s with NORMAL; verifying the 10,000-row chain took 24 ms.
#[test]
#[ignore]
fn bench_append_10000() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let s = Store::open(&path).unwrap().with_operator("tech");
    let n = 10_000;
    let start = std::time::Instant::now();
    for i in 0..n {
        s.record(action(i), t0()).unwrap();
    }
    let took = start.elapsed();
    let vstart = std::time::Instant::now();
    assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: n });
    let vtook = vstart.elapsed();
    println!(
        "append {n} entries, one transaction each: {:.2} s ({:.0} µs per entry); verify: {:.0} ms",
        took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / n as f64,
        vtook.as_secs_f64() * 1e3
    );
}

// SQLite only: file modes (PostgreSQL: its password_file is checked 0600 by the config).
#[test]
fn a_store_others_can_read_is_refused_when_opened_with_the_chmod_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("it's here.db");
    drop(store_with(&Engine::Sqlite, &path, 1));
    for m in [0o644, 0o640, 0o604] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
        let before = std::fs::read(&path).unwrap();
        let e = Store::open(&path).unwrap_err().to_string();
        let quoted = format!("'{}'", path.display().to_string().replace('\'', "'\\''"));
        assert!(e.contains(&format!("chmod 600 {quoted}")), "{m:o}: {e}");
        assert!(e.contains(&format!("{m:03o}")), "{m:o}: {e}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "changed");
        assert_eq!(mode(&path), m, "mode changed");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    Store::open(&path).expect("0600 opens");
}
