//! The PostgreSQL schema V2 (issue 27): every table of the store, built by `store migrate` from
//! V1 on the harness PostgreSQL, refusing through the school's own role (granted by the
//! migration) each change SQLite's triggers refuse, with the same message; and the whole CLI on
//! `engine = "postgres"` against a real slapd, refused (directory untouched) once PostgreSQL is
//! gone.

mod common;
mod support;

use common::st;
use schooltech::store::engine::pg_schema;
use schooltech::store::engine::postgres::{PgDb, PgSettings};
use schooltech::store::engine::Exec;
use std::path::PathBuf;
use std::time::Duration;
use support::postgres::{cluster, PgCluster, PgDatabase, SUPERUSER_PASSWORD};
use support::TestServer;

const SCHOOL_PW: &str = "Sch00l!C#pass";

fn settings(url: &str, password: &str) -> PgSettings {
    PgSettings {
        url: url.to_string(),
        password: Some(password.to_string()),
        ca_cert: None,
        timeout: Duration::from_secs(10),
    }
}

/// `sql` as the school's role must fail with `words` in the message.
fn refused(db: &PgDb, sql: &str, words: &str) {
    match db.batch(sql) {
        Ok(()) => panic!("accepted: {sql}"),
        Err(e) => assert!(e.message.contains(words), "{sql}: {}", e.message),
    }
}

/// `sql` refused by the school's role: by its trigger with `words`, or by its grants (no right
/// to do that at all), and then by the trigger for the owner too, with `words`.
fn refused_to(db: &PgDb, owner: &PgDb, sql: &str, words: &str) {
    match db.batch(sql) {
        Ok(()) => panic!("accepted: {sql}"),
        Err(e) if e.message.contains("permission denied") => refused(owner, sql, words),
        Err(e) => assert!(e.message.contains(words), "{sql}: {}", e.message),
    }
}

fn ok(db: &PgDb, sql: &str) {
    db.batch(sql)
        .unwrap_or_else(|e| panic!("{sql}: {}", e.message));
}

#[test]
fn v2_is_built_from_v1_and_refuses_every_change_sqlite_refuses_with_its_message() {
    let pg = cluster().database();
    pg.make_role("school_v2", SCHOOL_PW);
    let owner = PgDb::connect(&settings(&pg.url, SUPERUSER_PASSWORD)).unwrap();
    // A store at V1 (as the previous build left it), then `store migrate` brings it to V2.
    let v1 = pg_schema::upgrade_sql(0, "public").unwrap().remove(0);
    assert_eq!(v1.0, 1);
    owner.batch(&v1.1).unwrap();
    owner
        .batch("INSERT INTO schooltech_schema (version) VALUES (1)")
        .unwrap();
    assert_eq!(
        pg_schema::migrate(&owner, "public", Some("school_v2")).unwrap(),
        (1, 2)
    );
    let db = PgDb::connect(&settings(&pg.url_as("school_v2"), SCHOOL_PW)).unwrap();
    pg_schema::check_version(&db).unwrap();

    // Deletes are refused to the school's role by its grants; the owner's by the triggers, which
    // say why (as SQLite's do).
    // The journal: open entries change, finished ones never; none is deleted.
    ok(&db, "INSERT INTO journal (started_at, operator, action, target, details) VALUES ('a', 'o', 'x', 't', '{}')");
    ok(&db, "UPDATE journal SET state = 'done', finished_at = 'b'");
    refused_to(
        &db,
        &owner,
        "UPDATE journal SET error = 'e'",
        "a finished journal entry cannot change",
    );
    refused(
        &owner,
        "DELETE FROM journal",
        "journal entries are never deleted",
    );

    // Shared logins: append-only events, created once, rotated forward.
    let ev = "INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days, last_rotated) VALUES";
    ok(
        &db,
        &format!("{ev} ('Wifi', 'a', 'b', 'created', 's', '[]', 'o', 30, '2026-02-01T00:00:00Z')"),
    );
    refused_to(
        &db,
        &owner,
        &format!("{ev} ('wifi', 'a', 'b', 'created', 's', '[]', 'o', 30, '2026-02-01T00:00:00Z')"),
        "that shared login is already in the register",
    );
    refused_to(
        &db,
        &owner,
        &format!("{ev} ('nope', 'a', 'b', 'rotated', 's', '[]', 'o', 30, '2026-02-01T00:00:00Z')"),
        "no such shared login in the register",
    );
    refused_to(
        &db,
        &owner,
        &format!("{ev} ('wifi', 'a', 'b', 'updated', 's', '[]', 'o', 30, '2026-03-01T00:00:00Z')"),
        "only a rotation moves the date",
    );
    refused_to(
        &db,
        &owner,
        &format!("{ev} ('wifi', 'a', 'b', 'rotated', 's', '[]', 'o', 30, '2026-01-01T00:00:00Z')"),
        "a rotation cannot move the date back",
    );
    ok(
        &db,
        &format!("{ev} ('wifi', 'a', 'b', 'rotated', 's', '[]', 'o', 30, '2026-03-01T00:00:00Z')"),
    );
    assert_eq!(
        db.query_one(
            "SELECT last_rotated FROM credentials WHERE name = 'WIFI'",
            &[]
        )
        .unwrap()
        .unwrap()
        .text(0)
        .unwrap(),
        "2026-03-01T00:00:00Z"
    );
    refused_to(
        &db,
        &owner,
        "UPDATE credential_events SET owner = 'x'",
        "the shared-login history is append-only",
    );
    refused(
        &owner,
        "DELETE FROM credential_events",
        "the shared-login history is append-only",
    );

    // The filter log.
    ok(&db, "INSERT INTO filter_requests (requested_at, requested_by, kind, site, host, host_unicode, registrable_domain, subdomains, scope, reason) VALUES ('a', 'b', 'unblock', 's', 'h', 'h', 'h', 0, 'school', 'r')");
    let append = "the filter log is append-only: record a new event instead";
    refused_to(
        &db,
        &owner,
        "UPDATE filter_requests SET reason = 'x'",
        append,
    );
    refused(&owner, "DELETE FROM filter_requests", append);
    ok(&db, "INSERT INTO filter_events (request_id, at, actor, event, role, verdict) VALUES (1, 'a', 'b', 'decision', 'dsl', 'approve')");
    refused_to(&db, &owner, "INSERT INTO filter_events (request_id, at, actor, event, role, verdict) VALUES (1, 'a', 'b', 'decision', 'dsl', 'reject')", append);
    refused_to(&db, &owner, "UPDATE filter_events SET note = 'x'", append);
    ok(
        &db,
        "INSERT INTO filter_reviews (started_at, started_by, items) VALUES ('a', 'b', '[]')",
    );
    refused_to(
        &db,
        &owner,
        "INSERT INTO filter_reviews (started_at, started_by, items) VALUES ('a', 'b', '[]')",
        "a review is already open",
    );
    refused(&owner, "DELETE FROM filter_reviews", append);
    ok(&db, "INSERT INTO filter_review_closes (review_id, closed_at, closed_by, checks, note) VALUES (1, 'a', 'b', 'c', 'n')");
    refused_to(&db, &owner, "INSERT INTO filter_events (request_id, at, actor, event, review_id) VALUES (1, 'a', 'b', 'kept', 1)", "this review is closed: start a new review");
    refused_to(
        &db,
        &owner,
        "UPDATE filter_review_closes SET note = 'x'",
        append,
    );

    // The inventory.
    let asset =
        "INSERT INTO assets (tag, category, data_bearing, status, created_at, updated_at) VALUES";
    ok(
        &db,
        &format!("{asset} ('A1', 'laptop', 1, 'in-stock', 'a', 'a')"),
    );
    ok(
        &db,
        &format!("{asset} ('A2', 'laptop', 1, 'disposed', 'a', 'a')"),
    );
    refused_to(
        &db,
        &owner,
        &format!("{asset} ('a1', 'laptop', 1, 'in-stock', 'a', 'a')"),
        "assets_tag_key",
    );
    ok(&db, "UPDATE assets SET room = 'r' WHERE tag = 'A1'");
    refused_to(
        &db,
        &owner,
        "UPDATE assets SET room = 'r' WHERE tag = 'A2'",
        "a disposed asset is final and cannot be changed",
    );
    refused_to(&db, &owner, "INSERT INTO asset_history (asset_id, at, operator, field) VALUES (1, 'a', 'o', 'created'); UPDATE asset_history SET note = 'x'", "asset history is append-only");
    ok(&db, "INSERT INTO loans (asset_id, borrower_kind, borrower, issued_at, issued_by) VALUES (1, 'user', 'u', 'a', 'o')");
    refused_to(
        &db,
        &owner,
        "UPDATE loans SET borrower = 'v'",
        "a loan record is kept as it was issued",
    );
    ok(&db, "UPDATE loans SET returned_at = 'b', returned_by = 'o'");
    refused_to(
        &db,
        &owner,
        "UPDATE loans SET condition = 'x'",
        "a loan record is kept as it was issued",
    );
    ok(
        &db,
        "INSERT INTO audit_rounds (name, started_at, started_by) VALUES ('r1', 'a', 'o')",
    );
    ok(&db, "INSERT INTO audit_scans (round_id, at, operator, tag, outcome) VALUES (1, 'a', 'o', 'A1', 'seen')");
    refused_to(
        &db,
        &owner,
        "UPDATE audit_scans SET room = 'x'",
        "audit scans are append-only",
    );
    ok(
        &db,
        "UPDATE audit_rounds SET closed_at = 'b', closed_by = 'o'",
    );
    refused_to(&db, &owner, "INSERT INTO audit_scans (round_id, at, operator, tag, outcome) VALUES (1, 'a', 'o', 'A1', 'seen')", "the audit round is closed; start a new one");
    refused_to(
        &db,
        &owner,
        "UPDATE audit_rounds SET name = 'x'",
        "a closed audit round is kept as it is",
    );
    refused_to(&db, &owner, "INSERT INTO disposal_batches (name, carrier, carrier_reg, created_at, created_by) VALUES ('b0', 'c', 'CBDU12x', 'a', 'o')", "disposal_batches_carrier_reg_check");
    ok(&db, "INSERT INTO disposal_batches (name, carrier, carrier_reg, created_at, created_by) VALUES ('b1', 'c', 'CBDU123', 'a', 'o')");
    ok(
        &db,
        &format!("{asset} ('A3', 'laptop', 1, 'in-stock', 'a', 'a')"),
    );
    ok(&db, "INSERT INTO loans (asset_id, borrower_kind, borrower, issued_at, issued_by) VALUES ((SELECT id FROM assets WHERE tag = 'A3'), 'user', 'u', 'a', 'o')");
    refused_to(&db, &owner, "INSERT INTO disposal_items (batch_id, asset_id, waste_code, added_at, added_by) VALUES ((SELECT id FROM disposal_batches WHERE name = 'b1'), (SELECT id FROM assets WHERE tag = 'A3'), 'w', 'a', 'o')", "the asset is on loan");
    ok(&db, "INSERT INTO disposal_items (batch_id, asset_id, waste_code, added_at, added_by) VALUES ((SELECT id FROM disposal_batches WHERE name = 'b1'), (SELECT id FROM assets WHERE tag = 'A1'), 'w', 'a', 'o')");
    ok(&db, "INSERT INTO disposal_sanitisation (item_id, method, certificate, verified_by, recorded_at, recorded_by) VALUES ((SELECT max(id) FROM disposal_items), 'purge', 'c', 'v', 'a', 'o')");
    ok(
        &db,
        "UPDATE disposal_batches SET closed_at = 'b', closed_by = 'o', signed_off_by = 's'",
    );
    refused_to(
        &db,
        &owner,
        "UPDATE disposal_batches SET notes = 'x'",
        "the disposal batch is closed; its record cannot be changed",
    );
    refused_to(
        &db,
        &owner,
        "UPDATE disposal_items SET waste_code = 'x'",
        "the disposal batch is closed; its items cannot be changed",
    );
    refused_to(
        &db,
        &owner,
        "UPDATE disposal_sanitisation SET certificate = 'x'",
        "its sanitisation records cannot be changed",
    );

    // Acceptable use, leaver sweeps and sync runs.
    ok(&db, "INSERT INTO aup_versions (agreement, version, published_at, operator) VALUES ('pupil', '1', 'a', 'o')");
    refused_to(&db, &owner, "INSERT INTO aup_versions (agreement, version, published_at, operator) VALUES ('pupil', '1', 'a', 'o')", "published agreement versions are append-only");
    ok(&db, "INSERT INTO aup_signatures (recorded_at, operator, username, agreement, version, signed_on, signed_by, how) VALUES ('a', 'o', 'u', 'pupil', '1', '2026-09-01', 'u', 'paper')");
    refused_to(
        &db,
        &owner,
        "UPDATE aup_signatures SET how = 'form'",
        "acceptable use signatures are append-only",
    );
    ok(&db, "INSERT INTO sweep_runs (run_id, kind, created_at, operator, source, steps, open) VALUES ('s1', 'suspend', 'a', 'o', 'f', 1, 1)");
    refused_to(&db, &owner, "INSERT INTO sweep_runs (run_id, kind, created_at, operator, source, steps, open) VALUES ('s2', 'suspend', 'a', 'o', 'f', 1, 1)", "sweep runs are never deleted or replaced");
    ok(&db, "INSERT INTO leaver_records (run_id, username, dn, groups, enabled, reason, suspended_on) VALUES ('s1', 'u', 'dn', '[]', 1, 'r', '2026-07-20')");
    refused_to(
        &db,
        &owner,
        "UPDATE leaver_records SET reason = 'x'",
        "leaver records never change",
    );
    ok(&db, "INSERT INTO leaver_record_events (record_id, event, at, operator, why) VALUES (1, 'ended', 'a', 'o', 'w')");
    refused(
        &owner,
        "DELETE FROM leaver_record_events",
        "leaver record events are never deleted",
    );
    ok(&db, "UPDATE sweep_runs SET open = NULL, finished_at = 'b'");
    refused_to(
        &db,
        &owner,
        "UPDATE sweep_runs SET lock_pid = 1",
        "a finished sweep run cannot change",
    );
    ok(&db, "INSERT INTO sync_runs (run_id, created_at, operator, source, summary, steps, open) VALUES ('y1', 'a', 'o', 'f', '{}', 1, 1)");
    refused_to(
        &db,
        &owner,
        "UPDATE sync_runs SET summary = 'x'",
        "a sync run's plan never changes",
    );
    ok(&db, "UPDATE sync_runs SET open = NULL, finished_at = 'b'");
    refused_to(
        &db,
        &owner,
        "UPDATE sync_runs SET lock_pid = 1",
        "a finished sync run never changes",
    );
    refused(
        &db,
        "DELETE FROM sync_runs",
        "permission denied for table sync_runs",
    );
    refused(
        &owner,
        "DELETE FROM sync_runs",
        "sync runs are never deleted",
    );
    ok(&db, "INSERT INTO sync_marks (mis_id, username, first_missed, last_missed, first_run, last_run) VALUES ('p1', 'u', 'a', 'a', 'y1', 'y1'); DELETE FROM sync_marks");

    // The school's role has no UPDATE on append-only tables, DELETE only on state, TRUNCATE
    // nowhere.
    let may = |t: &str, what: &str| {
        db.query_one(
            &format!("SELECT has_table_privilege('{t}', '{what}')::int"),
            &[],
        )
        .unwrap()
        .unwrap()
        .int(0)
        .unwrap()
            == 1
    };
    for t in pg_schema::APPEND_ONLY {
        assert!(
            may(t, "INSERT") && !may(t, "UPDATE") && !may(t, "DELETE"),
            "{t}"
        );
    }
    for t in pg_schema::UPDATABLE {
        assert!(may(t, "UPDATE") && !may(t, "DELETE"), "{t}");
    }
    for t in pg_schema::APPEND_ONLY
        .iter()
        .chain(pg_schema::UPDATABLE)
        .chain(pg_schema::STATE)
    {
        assert!(!may(t, "TRUNCATE"), "{t}");
    }
    // TRUNCATE by the owner is refused by trigger too (a superuser can still drop triggers: the
    // hash chain is what finds that for the log).
    for (t, words) in [
        ("journal", "journal entries are never deleted"),
        ("filter_events", append),
        ("asset_history", "asset history is append-only"),
        (
            "aup_signatures",
            "acceptable use signatures are append-only",
        ),
        ("sync_runs", "sync runs are never deleted"),
        (
            "leaver_record_events",
            "leaver record events are never deleted",
        ),
    ] {
        refused(&owner, &format!("TRUNCATE {t}"), words);
    }
}

/// `server`'s config with its records on PostgreSQL at `url` as `role` (password in a 0600 file).
fn pg_config(server: &TestServer, name: &str, url: &str, password: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let base = std::fs::read_to_string(server.write_config()).unwrap();
    let pw = server.dir.join(format!("{name}.pw"));
    std::fs::write(&pw, password).unwrap();
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = server.dir.join(format!("{name}.toml"));
    std::fs::write(
        &cfg,
        format!(
            "{base}engine = \"postgres\"\nurl = \"{url}\"\npassword_file = \"{}\"\n",
            pw.display()
        ),
    )
    .unwrap();
    cfg
}

fn count(pg: &PgDatabase<'_>, sql: &str) -> i64 {
    pg.psql(sql).parse().unwrap()
}

fn entry(server: &TestServer, user: &str) -> String {
    server.ldapsearch(&format!("(uid={user})"), &["*", "+"])
}

#[test]
fn the_cli_keeps_its_records_on_postgres_and_refuses_to_act_when_it_is_gone() {
    let cluster = PgCluster::private();
    let pg = cluster.database();
    pg.make_role("school_e", SCHOOL_PW);
    let server = TestServer::slapd();
    let owner = pg_config(&server, "owner", &pg.url, SUPERUSER_PASSWORD);
    let school = pg_config(&server, "school", &pg.url_as("school_e"), SCHOOL_PW);

    let r = st(
        &owner,
        &["store", "migrate", "--grant-to", "school_e"],
        None,
    )
    .ok();
    assert!(r.stdout.contains("schema 0 -> 2"), "{}", r.stdout);

    st(
        &school,
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
    st(
        &school,
        &["inventory", "add", "PG-0001", "--category", "laptop"],
        None,
    )
    .ok();
    st(
        &school,
        &[
            "filter",
            "request",
            "--by",
            "sarah.roberts",
            "--site",
            "example.org",
            "--reason",
            "Year 9 geography",
        ],
        None,
    )
    .ok();
    let r = st(&school, &["log", "verify"], None).ok();
    assert!(!r.stdout.contains("Sch00l"), "{}", r.stdout);

    // Their rows are in PostgreSQL.
    assert_eq!(
        count(&pg, "SELECT count(*) FROM action_log WHERE action = 'account.disable' AND target = 'harry.hughes'"),
        1
    );
    assert_eq!(
        count(
            &pg,
            "SELECT count(*) FROM journal WHERE target = 'harry.hughes' AND state = 'done'"
        ),
        1
    );
    assert_eq!(
        count(&pg, "SELECT count(*) FROM assets WHERE tag = 'PG-0001'"),
        1
    );
    assert_eq!(
        count(
            &pg,
            "SELECT count(*) FROM filter_requests WHERE host = 'example.org'"
        ),
        1
    );

    // PostgreSQL gone: the next change is refused before the directory is touched.
    let before = entry(&server, "jack.walker");
    cluster.stop();
    let r = st(
        &school,
        &[
            "accounts",
            "disable",
            "jack.walker",
            "--reason",
            "left school",
        ],
        None,
    );
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("PostgreSQL"), "{}", r.stderr);
    assert_eq!(entry(&server, "jack.walker"), before);
}
