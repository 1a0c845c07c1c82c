//! `schooltech store copy --from sqlite:PATH --to postgres` (issue 27, item 4) against a real
//! PostgreSQL started by the harness: a store with rows in every table is copied verbatim (counts
//! equal, the chain and an anchor taken before still verify, `store.migrated` last, the source
//! untouched), a non-empty target is refused, and a copy killed half-way leaves the target empty.

mod support;

use chrono::{TimeZone, Utc};
use schooltech::store::copy::TABLES;
use schooltech::store::engine::pg_schema;
use schooltech::store::engine::postgres::{PgDb, PgSettings};
use schooltech::store::engine::Exec;
use schooltech::store::{ChainStatus, LogFilter, NewAction, Store};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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

/// Rows in every copied table of an SQLite store at `path`, as a school's would hold them
/// (closed records included: a closed review, round and disposal batch with their rows).
fn school_store(path: &Path) {
    let s = Store::open(path).unwrap().with_operator("tech");
    let t = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
    for i in 0..5 {
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
    drop(s);
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        r#"
PRAGMA foreign_keys = ON;
INSERT INTO journal (started_at, operator, action, target, details, state, finished_at)
    VALUES ('2026-11-25T09:30:00Z', 'tech', 'account.disable', 'pupil1', '{}', 'done', '2026-11-25T09:30:01Z');
INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated)
    VALUES ('wifi-admin', '2026-11-25T09:30:00Z', 'tech', 'created', 'Wi-Fi', '[]', 'tech', 90, '2026-11-01T00:00:00Z');
INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated)
    VALUES ('wifi-admin', '2026-11-26T09:30:00Z', 'tech', 'rotated', 'Wi-Fi', '[]', 'tech', 90, '2026-11-26T00:00:00Z');
INSERT INTO filter_requests (requested_at, requested_by, kind, site, host, host_unicode, registrable_domain,
    subdomains, path, ip, scope, reason, until)
    VALUES ('2026-11-25T09:30:00Z', 'tech', 'unblock', 'https://example.org/', 'example.org', 'example.org',
    'example.org', 0, NULL, NULL, 'staff', 'science lesson', NULL);
INSERT INTO filter_reviews (started_at, started_by, items) VALUES ('2026-11-25T10:00:00Z', 'tech', '[1]');
INSERT INTO filter_events (request_id, at, actor, event, role, verdict, note, review_id)
    VALUES (1, '2026-11-25T10:05:00Z', 'tech', 'decision', 'dsl', 'approve', '', 1);
INSERT INTO filter_events (request_id, at, actor, event, note, review_id)
    VALUES (1, '2026-11-25T10:06:00Z', 'tech', 'kept', '', 1);
INSERT INTO filter_review_closes (review_id, closed_at, closed_by, checks, note)
    VALUES (1, '2026-11-25T11:00:00Z', 'tech', '{}', 'done');
INSERT INTO filter_reviews (started_at, started_by, items) VALUES ('2026-11-26T10:00:00Z', 'tech', '[]');
INSERT INTO assets (tag, serial, category, manufacturer, model, data_bearing, status, created_at, updated_at)
    VALUES ('HA0001', 'SN1', 'laptop', 'Dell', 'Latitude', 1, 'deployed', '2026-11-25T09:30:00Z', '2026-11-25T09:30:00Z');
INSERT INTO assets (tag, serial, category, manufacturer, model, data_bearing, status, created_at, updated_at)
    VALUES ('HA0002', 'SN2', 'laptop', 'Dell', 'Latitude', 1, 'retired', '2026-11-25T09:30:00Z', '2026-11-25T09:30:00Z');
INSERT INTO asset_history (asset_id, at, operator, field, old, new)
    VALUES (1, '2026-11-25T09:30:00Z', 'tech', 'created', NULL, 'deployed');
INSERT INTO loans (asset_id, borrower_kind, borrower, issued_at, issued_by, returned_at, returned_by)
    VALUES (1, 'user', 'pupil1', '2026-11-25T09:30:00Z', 'tech', '2026-11-26T09:30:00Z', 'tech');
INSERT INTO software (title, licence, created_at) VALUES ('Office', 'site', '2026-11-25T09:30:00Z');
INSERT INTO software_installs (software_id, asset_id, at, operator) VALUES (1, 1, '2026-11-25T09:30:00Z', 'tech');
INSERT INTO audit_rounds (name, started_at, started_by) VALUES ('Autumn', '2026-11-25T09:30:00Z', 'tech');
INSERT INTO audit_scans (round_id, at, operator, tag, asset_id, outcome)
    VALUES (1, '2026-11-25T09:31:00Z', 'tech', 'HA0001', 1, 'seen');
UPDATE audit_rounds SET closed_at = '2026-11-25T12:00:00Z', closed_by = 'tech' WHERE id = 1;
INSERT INTO disposal_batches (name, carrier, carrier_reg, created_at, created_by)
    VALUES ('Batch 1', 'Recycler Ltd', 'CBDU1234', '2026-11-25T09:30:00Z', 'tech');
INSERT INTO disposal_items (batch_id, asset_id, waste_code, added_at, added_by)
    VALUES (1, 2, '16 02 14', '2026-11-25T09:30:00Z', 'tech');
INSERT INTO disposal_sanitisation (item_id, method, certificate, verified_by, recorded_at, recorded_by)
    VALUES (1, 'destroy', 'CERT-1', 'tech', '2026-11-25T09:30:00Z', 'tech');
UPDATE disposal_batches SET closed_at = '2026-11-26T09:30:00Z', closed_by = 'tech', signed_off_by = 'head'
    WHERE id = 1;
INSERT INTO aup_versions (agreement, version, published_at, operator)
    VALUES ('pupil', '2026', '2026-09-01T00:00:00Z', 'tech');
INSERT INTO aup_signatures (recorded_at, operator, username, agreement, version, signed_on, signed_by, how)
    VALUES ('2026-11-25T09:30:00Z', 'tech', 'pupil1', 'pupil', '2026', '2026-09-05', 'parent', 'paper');
INSERT INTO sweep_runs (run_id, kind, created_at, operator, source, steps, open, finished_at)
    VALUES ('run-1', 'suspend', '2026-11-25T09:30:00Z', 'tech', 'leavers.csv', 1, NULL, '2026-11-25T09:31:00Z');
INSERT INTO leaver_records (run_id, username, dn, groups, enabled, reason, suspended_on)
    VALUES ('run-1', 'pupil4', 'CN=pupil4,DC=school,DC=test', '[]', 1, 'left', '2026-11-25');
INSERT INTO leaver_record_events (record_id, event, at, operator, why)
    VALUES (1, 'ended', '2026-11-26T09:30:00Z', 'tech', 'purged');
INSERT INTO sync_runs (run_id, created_at, operator, source, summary, steps, open, finished_at)
    VALUES ('sync-1', '2026-11-25T09:30:00Z', 'tech', 'mis.csv', '{}', 0, NULL, '2026-11-25T09:31:00Z');
INSERT INTO sync_marks (mis_id, username, first_missed, last_missed, first_run, last_run)
    VALUES ('M1', 'pupil3', '2026-11-20', '2026-11-25', 'sync-0', 'sync-1');
"#,
    )
    .unwrap();
    for t in TABLES {
        let n: i64 = c
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap();
        assert!(n > 0, "the test store has no row in {t}");
    }
}

/// Writes a config for the PostgreSQL store `url` (the owner: here the superuser), its mirror in
/// `dir/mirror.db`; returns its path.
fn pg_config(dir: &Path, url: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let pw = dir.join("owner.pw");
    std::fs::write(&pw, SUPERUSER_PASSWORD).unwrap();
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = dir.join("owner.toml");
    std::fs::write(
        &cfg,
        format!(
            "[school]\nname = \"Test Academy\"\n\n[directory]\nflavour = \"openldap\"\n\
             url = \"ldap://127.0.0.1:1\"\nbase_dn = \"dc=school,dc=test\"\n\
             bind_dn = \"cn=admin,dc=school,dc=test\"\n\n\
             [store]\npath = \"{}\"\nengine = \"postgres\"\nurl = \"{url}\"\npassword_file = \"{}\"\n",
            dir.join("mirror.db").display(),
            pw.display()
        ),
    )
    .unwrap();
    cfg
}

fn schooltech(cfg: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_schooltech"))
        .arg("--config")
        .arg(cfg)
        .args(args)
        .env_remove("SCHOOLTECH_CONFIG")
        .env_remove("SCHOOLTECH_TEST_PAUSE_AT")
        .env("SCHOOLTECH_BIND_PASSWORD", "unused-by-the-store-commands")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn counts(db: &dyn Exec) -> Vec<(String, i64)> {
    TABLES
        .iter()
        .map(|t| {
            let n = db
                .query_one(&format!("SELECT count(*) FROM {t}"), &[])
                .unwrap()
                .unwrap()
                .int(0)
                .unwrap();
            (t.to_string(), n)
        })
        .collect()
}

fn sqlite_counts(path: &Path) -> Vec<(String, i64)> {
    let c = rusqlite::Connection::open(path).unwrap();
    TABLES
        .iter()
        .map(|t| {
            let n: i64 = c
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t.to_string(), n)
        })
        .collect()
}

fn source_bytes(path: &Path) -> Vec<u8> {
    // Fold the WAL in first (a reader's checkpoint), so the file alone is the store.
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(c);
    std::fs::read(path).unwrap()
}

#[test]
fn a_store_is_copied_verbatim_and_its_chain_and_anchor_verify_there() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    school_store(&old);
    let (anchor_id, anchor_hash) = Store::open(&old).unwrap().log_head().unwrap().unwrap();
    let before = source_bytes(&old);
    let db = migrated();
    let cfg = pg_config(dir.path(), &db.url);
    let from = format!("sqlite:{}", old.display());

    // --dry-run counts and writes nothing.
    let (code, out, err) = schooltech(&cfg, &["--dry-run", "store", "copy", "--from", &from]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("would copy"), "{out}");
    assert!(out.contains("dry run: nothing was written"), "{out}");
    let pg = PgDb::connect(&settings(&db.url)).unwrap();
    assert!(counts(&pg).iter().all(|(_, n)| *n == 0), "a dry run wrote");

    let (code, out, err) = schooltech(
        &cfg,
        &["store", "copy", "--from", &from, "--to", "postgres"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("recorded store.migrated"), "{out}");
    assert!(err.contains("copying assets"), "progress on stderr: {err}");

    // Every table's rows, the log one more (store.migrated).
    let mut want = sqlite_counts(&old);
    want[0].1 += 1;
    assert_eq!(counts(&pg), want);
    // The source was only read.
    assert_eq!(source_bytes(&old), before, "the old store changed");

    let s = Store::open_postgres(&settings(&db.url), &dir.path().join("mirror.db"))
        .unwrap()
        .with_operator("tech");
    assert_eq!(
        s.verify_log().unwrap(),
        ChainStatus::Whole {
            rows: anchor_id as usize + 1
        }
    );
    assert_eq!(
        s.log_hash(anchor_id).unwrap().as_deref(),
        Some(anchor_hash.as_str()),
        "the old anchor's row kept its hash"
    );
    let last = &s.log(&LogFilter::default()).unwrap()[0];
    assert_eq!(last.action, "store.migrated");
    assert_eq!(last.details["counts"]["assets"], json!(2));
    assert_eq!(
        last.details["from"],
        json!(format!("sqlite:{}", old.display()))
    );
    // The CLI agrees, with the anchor taken on the old server.
    let (code, out, err) = schooltech(
        &cfg,
        &[
            "log",
            "verify",
            "--anchor",
            &format!("{anchor_id}:{anchor_hash}"),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("holds"), "{out}");

    // The next append continues the chain; new ids go past the copied ones.
    s.record(
        NewAction {
            action: "account.enable",
            target: "pupil1",
            details: json!({}),
        },
        Utc.with_ymd_and_hms(2026, 11, 27, 9, 30, 0).unwrap(),
    )
    .unwrap();
    assert!(matches!(s.verify_log().unwrap(), ChainStatus::Whole { .. }));
    let id = pg
        .insert_id(
            "INSERT INTO software (title, licence, created_at) VALUES ('Paint', 'site', 'x')",
            &[],
        )
        .unwrap();
    assert_eq!(id, 2, "the sequence was set past the copied ids");
    // The copied rows still obey their triggers: a closed batch stays closed.
    let e = pg
        .execute("UPDATE disposal_batches SET notes = 'x' WHERE id = 1", &[])
        .unwrap_err();
    assert!(e.message.contains("the disposal batch is closed"), "{e}");
}

#[test]
fn a_target_that_is_not_empty_is_refused_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    school_store(&old);
    let db = migrated();
    let cfg = pg_config(dir.path(), &db.url);
    let from = format!("sqlite:{}", old.display());
    let (code, out, err) = schooltech(&cfg, &["store", "copy", "--from", &from]);
    assert_eq!(code, 0, "{out}{err}");
    let pg = PgDb::connect(&settings(&db.url)).unwrap();
    let after = counts(&pg);
    let (code, out, err) = schooltech(&cfg, &["store", "copy", "--from", &from]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("is not empty"), "{err}");
    assert!(err.contains("action_log: 6 row(s)"), "{err}");
    assert!(err.contains("assets: 2 row(s)"), "{err}");
    assert_eq!(counts(&pg), after, "a refused copy wrote");

    // Not a schooltech store, and a target not migrated: refused with the fix.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just some text here").unwrap();
    let (code, _, err) = schooltech(
        &cfg,
        &[
            "store",
            "copy",
            "--from",
            &format!("sqlite:{}", junk.display()),
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("not a schooltech store"), "{err}");
    let bare = cluster().database();
    let other = dir.path().join("bare");
    std::fs::create_dir_all(&other).unwrap();
    let cfg2 = pg_config(&other, &bare.url);
    let (code, _, err) = schooltech(&cfg2, &["store", "copy", "--from", &from]);
    assert_ne!(code, 0);
    assert!(err.contains("schooltech store migrate"), "{err}");
    let (code, _, err) = schooltech(&cfg, &["store", "copy", "--from", "old.db"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("sqlite:PATH"), "{err}");
}

#[test]
fn a_copy_killed_half_way_leaves_the_target_empty() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    school_store(&old);
    let db = migrated();
    let cfg = pg_config(dir.path(), &db.url);
    let from = format!("sqlite:{}", old.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_schooltech"))
        .arg("--config")
        .arg(&cfg)
        .args(["store", "copy", "--from", &from])
        .env_remove("SCHOOLTECH_CONFIG")
        .env("SCHOOLTECH_TEST_PAUSE_AT", "store-copy-half")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = lines
            .next()
            .expect("the copy ended before its test point")
            .unwrap();
        if line.contains("paused at store-copy-half") {
            break;
        }
        seen.push(line);
    }
    assert!(
        seen.iter().any(|l| l.contains("copying action_log")),
        "{seen:?}"
    );
    // Rows are in the open transaction now; kill -9.
    child.kill().unwrap();
    child.wait().unwrap();
    let pg = PgDb::connect(&settings(&db.url)).unwrap();
    assert!(
        counts(&pg).iter().all(|(_, n)| *n == 0),
        "{:?}",
        counts(&pg)
    );
    assert_eq!(db.psql("SELECT max(seq) FROM action_log_head"), "0");
    // And the copy runs whole the next time.
    let (code, out, err) = schooltech(&cfg, &["store", "copy", "--from", &from]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = schooltech(&cfg, &["log", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// A store whose journal holds a change with an unknown outcome (or one begun and never
/// recorded) is not copied (exit 2; a dry run is a refused preview, exit 1): the copy would carry
/// the unknown outcome to the new store unsettled. The message says to settle first; once
/// settled, the same store copies.
#[test]
fn a_store_with_unsettled_changes_is_refused_until_settled() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    school_store(&old);
    {
        let c = rusqlite::Connection::open(&old).unwrap();
        c.execute_batch(
            r#"
INSERT INTO journal (started_at, operator, action, target, details, state, error, finished_at)
    VALUES ('2026-11-25T10:00:00Z', 'tech', 'account.disable', 'pupil2', '{}', 'unknown', 'no answer',
    '2026-11-25T10:00:05Z');
INSERT INTO journal (started_at, operator, action, target, details, state, pid)
    VALUES ('2026-11-25T10:01:00Z', 'tech', 'password.reset', 'pupil3', '{}', 'pending', 999999999);
"#,
        )
        .unwrap();
    }
    let before = source_bytes(&old);
    let db = migrated();
    let cfg = pg_config(dir.path(), &db.url);
    let from = format!("sqlite:{}", old.display());
    let pg = PgDb::connect(&settings(&db.url)).unwrap();
    let empty = counts(&pg);

    let (code, out, err) = schooltech(&cfg, &["store", "copy", "--from", &from]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("outcome is not known"), "{err}");
    assert!(err.contains("schooltech log pending"), "{err}");
    assert!(
        err.contains("account.disable pupil2") && err.contains("password.reset pupil3"),
        "{err}"
    );
    assert!(err.contains("Nothing was copied"), "{err}");
    assert_eq!(counts(&pg), empty, "a refused copy wrote");
    assert_eq!(source_bytes(&old), before, "the source changed");

    let (code, out, err) = schooltech(&cfg, &["--dry-run", "store", "copy", "--from", &from]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("would be refused"), "{err}");
    assert!(err.contains("schooltech log pending"), "{err}");

    // Settled (as `log pending` or `log settle` records them): the copy goes ahead.
    {
        let s = Store::open(&old).unwrap().with_operator("tech");
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 11, 0, 0).unwrap();
        for e in s.journal_open().unwrap() {
            if e.state != schooltech::store::JournalState::Pending || e.pid.is_some() {
                s.journal_settle(
                    e.id,
                    &schooltech::store::Outcome::Failed("not in the directory".into()),
                    None,
                    t,
                )
                .unwrap();
            }
        }
    }
    let (code, out, err) = schooltech(&cfg, &["store", "copy", "--from", &from]);
    assert_eq!(code, 0, "{out}{err}");
}
