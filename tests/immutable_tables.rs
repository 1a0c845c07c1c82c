//! Immutability that holds at the database (issue 23): every table that has a refusing trigger
//! (append-only, or immutable once closed) is found from `sqlite_master`, and on each of its rows
//! that may not be deleted, `INSERT OR REPLACE` (which deletes without firing DELETE triggers),
//! `UPDATE OR REPLACE` from another row onto its keys, a plain `UPDATE` and `DELETE` are tried
//! through raw SQL, as someone with the sqlite3 tool would. Nothing here names a table's rules:
//! a new table with triggers is covered as soon as it exists, and a table the fixture does not
//! fill is reported, so it cannot be forgotten.

use rusqlite::types::Value;
use rusqlite::{params, Connection, ErrorCode};
use schooltech::store::Store;

/// A store at the newest schema with rows in every state the triggers tell apart: a finished
/// and an open journal entry, a disposed asset and one in an open batch, a returned and an open
/// loan, a closed and an open audit round, a closed and an open disposal batch, a finished and
/// an open sweep run, and a row in each append-only table. Raw SQL, fixed dates.
fn fixture() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schooltech.db");
    drop(Store::open(&path).unwrap());
    let c = Connection::open(&path).unwrap();
    let t = "2026-09-07T09:00:00Z";
    c.execute_batch(&format!(
        r#"
INSERT INTO action_log (id, at, operator, action, target, details, prev_hash, hash)
    VALUES (1, '{t}', 'tech', 'asset.add', 'HA1', '{{}}', '{zero}', '{one}');

INSERT INTO journal (id, started_at, operator, action, target, details, state, finished_at)
    VALUES (1, '{t}', 'tech', 'account.disable', 'amy.bell', '{{}}', 'done', '{t}');
INSERT INTO journal (id, started_at, operator, action, target, details, state)
    VALUES (2, '{t}', 'tech', 'account.disable', 'ben.cole', '{{}}', 'pending');

INSERT INTO filter_requests (id, requested_at, requested_by, kind, site, host, host_unicode,
        registrable_domain, subdomains, scope, reason)
    VALUES (1, '{t}', 'amy.bell', 'unblock', 'example.org', 'example.org', 'example.org',
        'example.org', 0, 'school', 'lessons');
INSERT INTO filter_events (id, request_id, at, actor, event, role, verdict)
    VALUES (1, 1, '{t}', 'dsl', 'decision', 'dsl', 'approve');
INSERT INTO filter_events (id, request_id, at, actor, event) VALUES (2, 1, '{t}', 'tech', 'applied');
INSERT INTO filter_reviews (id, started_at, started_by, items) VALUES (1, '{t}', 'tech', '[1]');

INSERT INTO credential_events (id, name, at, by, event, system, known_by, owner, period_days,
        last_rotated)
    VALUES (1, 'Office printer', '{t}', 'tech', 'created', 'printer', '["amy.bell"]', 'tech', 42, '{t}');
INSERT INTO filter_review_closes (review_id, closed_at, closed_by, checks, note)
    VALUES (1, '{t}', 'tech', 'tested', '');

INSERT INTO assets (id, tag, serial, category, manufacturer, data_bearing, status, created_at, updated_at)
    VALUES (1, 'HA1', 'SN1', 'laptop', 'Acme', 1, 'retired', '{t}', '{t}'),
           (2, 'HA2', 'SN2', 'laptop', 'Acme', 1, 'in-stock', '{t}', '{t}'),
           (3, 'HA3', 'SN3', 'desktop', 'Acme', 1, 'retired', '{t}', '{t}'),
           (4, 'HA4', 'SN4', 'tablet', 'Acme', 1, 'on-loan', '{t}', '{t}');
INSERT INTO asset_history (id, asset_id, at, operator, field, old, new)
    VALUES (1, 1, '{t}', 'tech', 'created', NULL, 'HA1');

INSERT INTO loans (id, asset_id, borrower_kind, borrower, issued_at, issued_by, returned_at, returned_by)
    VALUES (1, 4, 'user', 'amy.bell', '{t}', 'tech', '{t}', 'tech');
INSERT INTO loans (id, asset_id, borrower_kind, borrower, issued_at, issued_by)
    VALUES (2, 4, 'user', 'ben.cole', '{t}', 'tech');

INSERT INTO audit_rounds (id, name, started_at, started_by) VALUES (1, 'Autumn', '{t}', 'tech');
INSERT INTO audit_scans (id, round_id, at, operator, tag, asset_id, outcome)
    VALUES (1, 1, '{t}', 'tech', 'HA2', 2, 'seen');
UPDATE audit_rounds SET closed_at = '{t}', closed_by = 'tech' WHERE id = 1;
INSERT INTO audit_rounds (id, name, started_at, started_by) VALUES (2, 'Spring', '{t}', 'tech');

INSERT INTO disposal_batches (id, name, carrier, carrier_reg, created_at, created_by)
    VALUES (1, 'WEEE-1', 'Carrier', 'CBDU123', '{t}', 'tech'),
           (2, 'WEEE-2', 'Carrier', 'CBDU123', '{t}', 'tech');
INSERT INTO disposal_items (id, batch_id, asset_id, waste_code, added_at, added_by)
    VALUES (1, 1, 1, '16 02 14', '{t}', 'tech'), (2, 2, 3, '16 02 14', '{t}', 'tech');
INSERT INTO disposal_sanitisation (id, item_id, method, certificate, verified_by, recorded_at, recorded_by)
    VALUES (1, 1, 'destroy', 'C-1', 'tech', '{t}', 'tech'), (2, 2, 'purge', 'C-2', 'tech', '{t}', 'tech');
UPDATE assets SET status = 'disposed' WHERE id = 1;
UPDATE disposal_batches SET closed_at = '{t}', closed_by = 'tech', signed_off_by = 'head' WHERE id = 1;

INSERT INTO aup_signatures (id, recorded_at, operator, username, agreement, version, signed_on, signed_by, how)
    VALUES (1, '{t}', 'tech', 'amy.bell', 'pupil', '2026', '2026-09-07', 'Amy Bell', 'paper');
INSERT INTO aup_versions (id, agreement, version, published_at, operator)
    VALUES (1, 'pupil', '2026', '{t}', 'tech');

INSERT INTO sweep_runs (run_id, kind, created_at, operator, source, steps, open, finished_at)
    VALUES ('r1', 'suspend', '{t}', 'tech', 'mis.csv', 1, NULL, '{t}'),
           ('r2', 'suspend', '{t}', 'tech', 'mis.csv', 1, 1, NULL);
INSERT INTO sync_runs (run_id, created_at, operator, source, summary, steps, open, finished_at)
    VALUES ('s1', '{t}', 'tech', 'roll.csv', '{{}}', 1, NULL, '{t}'),
           ('s2', '{t}', 'tech', 'roll.csv', '{{}}', 1, 1, NULL);
INSERT INTO leaver_records (id, run_id, username, dn, groups, enabled, reason, suspended_on)
    VALUES (1, 'r1', 'cal.dean', 'CN=cal.dean,OU=Pupils', '[]', 1, 'left', '2026-09-07');
INSERT INTO leaver_record_events (id, record_id, event, at, operator, why)
    VALUES (1, 1, 'ended', '{t}', 'tech', 'restored');

INSERT INTO outside_changes (id, detected_at, kind, target, dn, change, stamp, protected)
    VALUES (1, '{t}', 'account', 'dan.ely', 'CN=dan.ely,OU=Staff', 'disabled', '12', 0);
"#,
        zero = "0".repeat(64),
        one = "1".repeat(64),
    ))
    .unwrap();
    (dir, c)
}

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every table that has a trigger refusing something (`RAISE(` in its SQL).
fn guarded_tables(c: &Connection) -> Vec<String> {
    let mut st = c
        .prepare(
            "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' \
             AND upper(sql) LIKE '%RAISE(%' ORDER BY tbl_name",
        )
        .unwrap();
    let v = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap();
    v
}

struct Shape {
    columns: Vec<String>,
    /// The INTEGER PRIMARY KEY column (an alias of the rowid), if any.
    rowid_alias: Option<String>,
    /// Every key a REPLACE can collide on: the primary key and each unique index (by column;
    /// indexes on expressions are reached by the copy-with-a-new-id attempt instead).
    keys: Vec<Vec<String>>,
}

fn shape(c: &Connection, t: &str) -> Shape {
    let mut st = c.prepare(&format!("PRAGMA table_info({})", q(t))).unwrap();
    let cols: Vec<(String, String, i64)> = st
        .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(5)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let pk: Vec<&(String, String, i64)> = cols.iter().filter(|c| c.2 > 0).collect();
    let rowid_alias = match pk.as_slice() {
        [one] if one.1.eq_ignore_ascii_case("INTEGER") => Some(one.0.clone()),
        _ => None,
    };
    let mut keys = Vec::new();
    if let Some(a) = &rowid_alias {
        keys.push(vec![a.clone()]);
    }
    let mut st = c.prepare(&format!("PRAGMA index_list({})", q(t))).unwrap();
    let indexes: Vec<(String, bool)> = st
        .query_map([], |r| Ok((r.get(1)?, r.get::<_, i64>(2)? == 1)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (name, unique) in indexes {
        if !unique {
            continue;
        }
        let mut st = c
            .prepare(&format!("PRAGMA index_info({})", q(&name)))
            .unwrap();
        let names: Vec<Option<String>> = st
            .query_map([], |r| r.get(2))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        if let Some(k) = names.into_iter().collect::<Option<Vec<String>>>() {
            keys.push(k);
        }
    }
    Shape {
        columns: cols.into_iter().map(|c| c.0).collect(),
        rowid_alias,
        keys,
    }
}

/// Runs `sql` inside a savepoint and undoes it, returning its result and the rows `keep` (by
/// rowid, with every column) as they were just after it.
fn attempt(
    c: &Connection,
    t: &str,
    sql: &str,
    keep: &[i64],
) -> (rusqlite::Result<usize>, Vec<Vec<Value>>) {
    c.execute_batch("SAVEPOINT attempt").unwrap();
    let r = c.execute(sql, []);
    let after = rows(c, t, keep);
    c.execute_batch("ROLLBACK TO attempt; RELEASE attempt")
        .unwrap();
    (r, after)
}

fn rows(c: &Connection, t: &str, ids: &[i64]) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for id in ids {
        let mut st = c
            .prepare(&format!("SELECT rowid, * FROM {} WHERE rowid = ?1", q(t)))
            .unwrap();
        let n = st.column_count();
        let mut r = st.query(params![id]).unwrap();
        match r.next().unwrap() {
            Some(row) => out.push((0..n).map(|i| row.get::<_, Value>(i).unwrap()).collect()),
            None => out.push(vec![Value::Text(format!("row {id} is gone"))]),
        }
    }
    out
}

/// True when `r` failed because a trigger refused it (RAISE), not for another reason.
fn refused_by_trigger(r: &rusqlite::Result<usize>) -> bool {
    match r {
        Err(rusqlite::Error::SqliteFailure(e, _)) => {
            e.code == ErrorCode::ConstraintViolation
                && e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_TRIGGER
        }
        _ => false,
    }
}

#[test]
fn every_guarded_table_refuses_replace_update_and_delete_of_what_it_keeps() {
    let (_dir, c) = fixture();
    // As the sqlite3 tool opens a file: foreign keys off, so they hide nothing.
    c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    let problems = holes(&c);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    c.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let problems = holes(&c);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Without the triggers of the migration that closed them (issue 23), the check finds the
/// holes: REPLACE went through on these tables.
#[test]
fn the_check_finds_the_holes_the_migration_closed() {
    let (_dir, c) = fixture();
    c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    let m = schooltech::store::migrations::MIGRATIONS
        .iter()
        .find(|m| m.contains("CREATE TRIGGER asset_history_no_replace"))
        .expect("the migration is there");
    for name in m
        .split("CREATE TRIGGER ")
        .skip(1)
        .filter_map(|s| s.split_whitespace().next())
    {
        c.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
    }
    let problems = holes(&c).join("\n");
    for t in [
        "asset_history",
        "assets",
        "audit_rounds",
        "disposal_batches",
        "journal",
        "leaver_records",
        "loans",
        "outside_changes",
        "sweep_runs",
    ] {
        assert!(
            problems.contains(&format!("{t}: INSERT OR REPLACE of row")),
            "{t} not found in:\n{problems}"
        );
    }
}

/// What the triggers let through, table by table (empty when every guarded table holds).
fn holes(c: &Connection) -> Vec<String> {
    let tables = guarded_tables(c);
    // The tables known when this was written; more may come (never fewer).
    for t in [
        "action_log",
        "asset_history",
        "assets",
        "audit_rounds",
        "disposal_batches",
        "journal",
        "leaver_records",
        "loans",
        "outside_changes",
        "sweep_runs",
    ] {
        assert!(tables.iter().any(|x| x == t), "{t} lost its triggers");
    }
    let mut problems = Vec::new();
    for t in &tables {
        let s = shape(c, t);
        let all: Vec<i64> = {
            let mut st = c
                .prepare(&format!("SELECT rowid FROM {} ORDER BY rowid", q(t)))
                .unwrap();
            let v = st
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            v
        };
        let cols = s.columns.iter().map(|c| q(c)).collect::<Vec<_>>();
        let col_list = cols.join(", ");
        let same_row = |id: i64| {
            format!("INSERT OR REPLACE INTO {tq} ({col_list}) SELECT {col_list} FROM {tq} WHERE rowid = {id}", tq = q(t))
        };
        let touch = |id: i64| {
            let set = cols
                .iter()
                .map(|c| format!("{c} = {c}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("UPDATE {} SET {set} WHERE rowid = {id}", q(t))
        };

        // Rows that may not be deleted, and among them those that may not change at all.
        let mut keep = Vec::new();
        let mut fixed = Vec::new();
        for &id in &all {
            let (del, _) = attempt(
                c,
                t,
                &format!("DELETE FROM {} WHERE rowid = {id}", q(t)),
                &[],
            );
            if refused_by_trigger(&del) {
                keep.push(id);
                let (upd, _) = attempt(c, t, &touch(id), &[]);
                if refused_by_trigger(&upd) {
                    fixed.push(id);
                }
            }
        }
        if fixed.is_empty() {
            problems.push(format!(
                "{t}: the fixture holds no row that the triggers keep from changing; add one to \
                 fixture() in tests/immutable_tables.rs"
            ));
            continue;
        }
        let before = rows(c, t, &keep);

        let mut tries: Vec<String> = Vec::new();
        for &id in &keep {
            // A REPLACE of a row that may not be deleted is refused outright.
            let (r, _) = attempt(c, t, &same_row(id), &keep);
            if !refused_by_trigger(&r) {
                problems.push(format!(
                    "{t}: INSERT OR REPLACE of row {id} was not refused: {r:?}"
                ));
            }
        }
        for &q_id in &all {
            // The same row again under a new id: collides on every other unique key.
            if let Some(alias) = &s.rowid_alias {
                let sel = s
                    .columns
                    .iter()
                    .map(|c| if c == alias { "NULL".to_string() } else { q(c) })
                    .collect::<Vec<_>>()
                    .join(", ");
                tries.push(format!(
                    "INSERT OR REPLACE INTO {tq} ({col_list}) SELECT {sel} FROM {tq} WHERE rowid = {q_id}",
                    tq = q(t)
                ));
            }
            // Another row taking one key of a kept row, by insert and by update.
            for &p_id in &keep {
                if p_id == q_id {
                    continue;
                }
                for key in &s.keys {
                    let sel = s
                        .columns
                        .iter()
                        .map(|c| {
                            if key.contains(c) {
                                format!("(SELECT {} FROM {} WHERE rowid = {p_id})", q(c), q(t))
                            } else if Some(c) == s.rowid_alias.as_ref() {
                                "NULL".to_string()
                            } else {
                                q(c)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    tries.push(format!(
                        "INSERT OR REPLACE INTO {tq} ({col_list}) SELECT {sel} FROM {tq} WHERE rowid = {q_id}",
                        tq = q(t)
                    ));
                    let kc = key.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ");
                    tries.push(format!(
                        "UPDATE OR REPLACE {tq} SET ({kc}) = (SELECT {kc} FROM {tq} WHERE rowid = {p_id}) WHERE rowid = {q_id}",
                        tq = q(t)
                    ));
                }
            }
        }
        for sql in &tries {
            let (r, after) = attempt(c, t, sql, &keep);
            if after != before {
                problems.push(format!(
                    "{t}: a kept row was deleted or changed by `{sql}` ({r:?})"
                ));
            }
        }
        // UPDATE and DELETE of a row that can no longer change, named by its trigger.
        for &id in &fixed {
            for sql in [
                touch(id),
                format!("DELETE FROM {} WHERE rowid = {id}", q(t)),
            ] {
                let (r, after) = attempt(c, t, &sql, &keep);
                if !refused_by_trigger(&r) || after != before {
                    problems.push(format!("{t}: `{sql}` was not refused: {r:?}"));
                }
            }
        }
    }
    problems
}

#[test]
fn legitimate_writes_still_go_through() {
    let (_dir, c) = fixture();
    for sql in [
        // An open journal entry's outcome.
        "UPDATE journal SET state = 'done', finished_at = '2026-09-08T09:00:00Z' WHERE id = 2",
        // A loan's return.
        "UPDATE loans SET returned_at = '2026-09-08T09:00:00Z', returned_by = 'tech' WHERE id = 2",
        // An asset's status before disposal; a sanitisation record redone while its batch is open.
        "UPDATE assets SET status = 'in-repair', room = 'Lab' WHERE id = 2",
        "INSERT INTO disposal_sanitisation (item_id, method, certificate, verified_by, recorded_at, recorded_by) \
         VALUES (2, 'destroy', 'C-3', 'tech', 'x', 'tech') ON CONFLICT(item_id) DO UPDATE SET certificate = 'C-3'",
        // Closing the open round, batch and run.
        "UPDATE audit_rounds SET closed_at = 'x', closed_by = 'tech' WHERE id = 2",
        "UPDATE disposal_batches SET closed_at = 'x', closed_by = 'tech', signed_off_by = 'head' WHERE id = 2",
        "UPDATE sweep_runs SET open = NULL, finished_at = 'x' WHERE run_id = 'r2'",
        // Appends.
        "INSERT INTO asset_history (asset_id, at, operator, field) VALUES (2, 'x', 'tech', 'room')",
        "INSERT INTO loans (asset_id, borrower_kind, borrower, issued_at, issued_by) VALUES (2, 'user', 'amy.bell', 'x', 'tech')",
        "INSERT INTO audit_rounds (name, started_at, started_by) VALUES ('Summer', 'x', 'tech')",
    ] {
        c.execute(sql, []).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    // An asset neither disposed nor in a batch can still be deleted.
    c.execute(
        "INSERT INTO assets (id, tag, category, data_bearing, status, created_at, updated_at) \
         VALUES (9, 'HA9', 'other', 0, 'in-stock', 'x', 'x')",
        [],
    )
    .unwrap();
    c.execute("DELETE FROM assets WHERE id = 9", []).unwrap();
}
