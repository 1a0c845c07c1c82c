//! Numbered schema migrations.
//!
//! `MIGRATIONS[i - 1]` is migration `i`. The runner applies each one in its own `BEGIN IMMEDIATE`
//! transaction together with `PRAGMA user_version = i`, so a store is always at a whole migration:
//! either all of migration `i` is there and `user_version` says `i`, or none of it is.
//!
//! Rules for whoever adds the next one: append, never edit or reorder a migration that has shipped
//! (stores in schools already carry it); keep each one plain SQL; do not put `BEGIN`/`COMMIT` or
//! `PRAGMA user_version` in the text (the runner does both).

use crate::error::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// Written to the SQLite header (`PRAGMA application_id`) by migration 1, so that schooltech can tell
/// its own store from some other program's SQLite file. ASCII "STEC".
pub const APPLICATION_ID: i32 = 0x5354_4543;

/// The migrations, oldest first. Migration `i` is `MIGRATIONS[i - 1]`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the action log (append-only, hash-chained) and the journal of intended changes.
    r#"
PRAGMA application_id = 1398031683;

CREATE TABLE action_log (
    -- AUTOINCREMENT: ids are never reused, so rows cut from the end of the log leave a gap that
    -- `verify_log` can see in sqlite_sequence.
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,          -- RFC 3339 UTC, seconds: 2026-11-25T09:30:00Z
    operator  TEXT NOT NULL,          -- who ran schooltech ($SUDO_USER or $USER)
    action    TEXT NOT NULL,          -- e.g. account.disable
    target    TEXT NOT NULL,          -- what it was done to (account name, DN, asset tag)
    details   TEXT NOT NULL,          -- canonical JSON (sorted keys, no spaces)
    prev_hash TEXT NOT NULL,          -- hash of the previous row; 64 zeros for the first
    hash      TEXT NOT NULL UNIQUE    -- SHA-256 hex, see store::actionlog::chain_hash
);
CREATE INDEX action_log_target ON action_log(target);
CREATE INDEX action_log_at ON action_log(at);

CREATE TRIGGER action_log_no_update BEFORE UPDATE ON action_log
BEGIN
    SELECT RAISE(ABORT, 'the action log is append-only');
END;
CREATE TRIGGER action_log_no_delete BEFORE DELETE ON action_log
BEGIN
    SELECT RAISE(ABORT, 'the action log is append-only');
END;
-- INSERT OR REPLACE deletes the row it replaces without firing DELETE triggers; refuse any insert
-- that would land on an existing id or hash.
CREATE TRIGGER action_log_no_replace BEFORE INSERT ON action_log
WHEN NEW.id <= (SELECT max(id) FROM action_log)
  OR EXISTS (SELECT 1 FROM action_log WHERE hash = NEW.hash)
BEGIN
    SELECT RAISE(ABORT, 'the action log is append-only');
END;

-- Intent before change: a row is written 'pending' before a directory change is attempted and
-- marked 'done' or 'failed' afterwards, so interrupted bulk work can be seen and resumed.
CREATE TABLE journal (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,        -- RFC 3339 UTC
    operator    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    details     TEXT NOT NULL,        -- canonical JSON
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    finished_at TEXT,                 -- RFC 3339 UTC, set with state done/failed
    error       TEXT,                 -- why it failed
    CHECK ((state = 'pending') = (finished_at IS NULL))
);
CREATE INDEX journal_pending ON journal(state) WHERE state = 'pending';
"#,
    // 2: the shared-credentials register (no passwords: who knows which shared login, and when
    // it was last rotated).
    r#"
CREATE TABLE credentials (
    name         TEXT PRIMARY KEY COLLATE NOCASE,
    system       TEXT NOT NULL,          -- URL or system the login is for
    known_by     TEXT NOT NULL,          -- JSON array of usernames of staff who know it
    owner        TEXT NOT NULL,          -- who is responsible for rotating it
    period_days  INTEGER NOT NULL CHECK (period_days > 0),
    last_rotated TEXT NOT NULL,          -- RFC 3339 UTC
    created_at   TEXT NOT NULL
);
"#,
    // 3: the journal's outcome is three-valued: done, failed (before anything was sent, or
    // refused by the server) or unknown (sent without an answer, or made in part) until the
    // directory is read. Rows carry the process that began them (an entry still pending whose
    // process is gone was interrupted), the action-log row recorded with the outcome, and an
    // optional run id and step for multi-step plans (the leaver sweep). A finished row (done or
    // failed) never changes again and no row is ever deleted.
    r#"
CREATE TABLE journal_v3 (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,        -- RFC 3339 UTC
    operator    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    details     TEXT NOT NULL,        -- canonical JSON
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'done', 'failed', 'unknown')),
    finished_at TEXT,                 -- RFC 3339 UTC, set when the attempt ended
    error       TEXT,                 -- why it failed / why the outcome is unknown
    pid         INTEGER,              -- the process that began it
    log_id      INTEGER,              -- the action-log row recorded with the outcome
    run_id      TEXT,                 -- a plan's run id (e.g. a leaver sweep), if any
    step        INTEGER,              -- the step's number within that run
    settled_at  TEXT,                 -- when an unknown outcome was settled by reading the directory
    CHECK ((state = 'pending') = (finished_at IS NULL)),
    UNIQUE (run_id, step)
);
INSERT INTO journal_v3 (id, started_at, operator, action, target, details, state, finished_at, error)
    SELECT id, started_at, operator, action, target, details, state, finished_at, error FROM journal;
DROP TABLE journal;
ALTER TABLE journal_v3 RENAME TO journal;
CREATE INDEX journal_open ON journal(state) WHERE state IN ('pending', 'unknown');
CREATE INDEX journal_run ON journal(run_id, step) WHERE run_id IS NOT NULL;
CREATE TRIGGER journal_closed BEFORE UPDATE ON journal
WHEN OLD.state IN ('done', 'failed')
BEGIN
    SELECT RAISE(ABORT, 'a finished journal entry cannot change');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal entries are never deleted');
END;
"#,
    // 4: a step of a run may be tried again (a new journal row per attempt), so (run_id, step) is
    // no longer unique. Same table otherwise, with its triggers.
    r#"
CREATE TABLE journal_v4 (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    operator    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    details     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'done', 'failed', 'unknown')),
    finished_at TEXT,
    error       TEXT,
    pid         INTEGER,
    log_id      INTEGER,
    run_id      TEXT,
    step        INTEGER,              -- one row per attempt at a step
    settled_at  TEXT,
    CHECK ((state = 'pending') = (finished_at IS NULL))
);
INSERT INTO journal_v4 SELECT id, started_at, operator, action, target, details, state,
    finished_at, error, pid, log_id, run_id, step, settled_at FROM journal;
DROP TABLE journal;
ALTER TABLE journal_v4 RENAME TO journal;
CREATE INDEX journal_open ON journal(state) WHERE state IN ('pending', 'unknown');
CREATE INDEX journal_run ON journal(run_id, step) WHERE run_id IS NOT NULL;
CREATE TRIGGER journal_closed BEFORE UPDATE ON journal
WHEN OLD.state IN ('done', 'failed')
BEGIN
    SELECT RAISE(ABORT, 'a finished journal entry cannot change');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal entries are never deleted');
END;
"#,
];

/// The newest schema this build knows.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Brings the store at `conn` up to [`LATEST`], one transaction per migration. `path` is only used in
/// messages.
pub(crate) fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    loop {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
            .map_err(|e| super::sql_error(path, "starting a schema upgrade", e))?;
        // Read inside the write transaction: another schooltech may have upgraded meanwhile.
        let current = user_version(&tx, path)?;
        if current > LATEST {
            return Err(super::newer_error(path, current));
        }
        if current == LATEST {
            tx.commit()
                .map_err(|e| super::sql_error(path, "finishing the schema check", e))?;
            return Ok(());
        }
        let next = current + 1;
        let sql = MIGRATIONS[(next - 1) as usize];
        tx.execute_batch(sql)
            .and_then(|()| tx.execute_batch(&format!("PRAGMA user_version = {next}")))
            .and_then(|()| tx.commit())
            .map_err(|e| Error::Store {
                path: path.to_path_buf(),
                detail: format!(
                    "upgrading the store to schema {next} failed ({e}); nothing was changed; \
                     check free disk space and that the file is writable, then run schooltech again"
                ),
            })?;
    }
}

/// `PRAGMA user_version`, the number of the last migration applied.
pub(crate) fn user_version(conn: &Connection, path: &Path) -> Result<u32> {
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| super::sql_error(path, "reading the schema version", e))?;
    // user_version is a signed 32-bit field; a negative one was not written by schooltech.
    u32::try_from(v).map_err(|_| super::not_ours_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_id_in_sql_matches_the_constant() {
        assert!(MIGRATIONS[0].contains(&format!("application_id = {APPLICATION_ID};")));
    }

    #[test]
    fn migrations_do_not_manage_their_own_transaction_or_version() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let upper = m.to_uppercase();
            assert!(!upper.contains("USER_VERSION"), "migration {}", i + 1);
            assert!(!upper.contains("COMMIT"), "migration {}", i + 1);
            assert!(!upper.contains("BEGIN TRANSACTION"), "migration {}", i + 1);
        }
    }

    #[test]
    fn fresh_database_reaches_latest_and_rerun_is_a_no_op() {
        let conn = Connection::open_in_memory().unwrap();
        let p = Path::new(":memory:");
        migrate(&conn, p).unwrap();
        assert_eq!(user_version(&conn, p).unwrap(), LATEST);
        migrate(&conn, p).unwrap();
        assert_eq!(user_version(&conn, p).unwrap(), LATEST);
        let app: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap();
        assert_eq!(app, APPLICATION_ID);
    }
}
