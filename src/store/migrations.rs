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
    // 4: the filter-exception log. Requests, reviews and review closes are immutable; events
    // (decisions, applied, revoked, removed, review actions) are append-only: a change is a new
    // event, never an edit. A closed review takes no more events.
    r#"
CREATE TABLE filter_requests (
    id                 INTEGER PRIMARY KEY,
    requested_at       TEXT NOT NULL,          -- RFC 3339 UTC
    requested_by       TEXT NOT NULL,          -- directory username
    kind               TEXT NOT NULL CHECK (kind IN ('unblock', 'block')),
    site               TEXT NOT NULL,          -- as typed
    host               TEXT NOT NULL,          -- normalised, ASCII (punycode)
    host_unicode       TEXT NOT NULL,
    registrable_domain TEXT NOT NULL,
    subdomains         INTEGER NOT NULL CHECK (subdomains IN (0, 1)),
    path               TEXT,                   -- page requests only
    ip                 TEXT CHECK (ip IS NULL OR ip IN ('public', 'private')),
    scope              TEXT NOT NULL,          -- school, staff, pupils, year-N, group:NAME
    reason             TEXT NOT NULL,
    until              TEXT                    -- YYYY-MM-DD, last day; NULL = permanent
);
CREATE INDEX filter_requests_host ON filter_requests(host);

CREATE TABLE filter_reviews (
    id         INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL,
    items      TEXT NOT NULL                   -- JSON array of the request ids in force at the start
);

CREATE TABLE filter_review_closes (
    review_id INTEGER PRIMARY KEY REFERENCES filter_reviews(id),
    closed_at TEXT NOT NULL,
    closed_by TEXT NOT NULL,
    checks    TEXT NOT NULL,                   -- what was checked (e.g. blocked categories tested)
    note      TEXT NOT NULL
);

CREATE TABLE filter_events (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES filter_requests(id),
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,                  -- directory username
    event      TEXT NOT NULL CHECK (event IN ('decision', 'applied', 'revoked', 'removed', 'until_changed', 'kept')),
    role       TEXT,
    verdict    TEXT CHECK (verdict IS NULL OR verdict IN ('approve', 'reject')),
    until      TEXT,
    reference  TEXT,
    note       TEXT NOT NULL DEFAULT '',
    review_id  INTEGER REFERENCES filter_reviews(id),
    CHECK ((event = 'decision') = (role IS NOT NULL AND verdict IS NOT NULL)),
    CHECK ((event = 'until_changed') = (until IS NOT NULL))
);
CREATE INDEX filter_events_request ON filter_events(request_id);
-- One decision per role per request: a decision is never changed.
CREATE UNIQUE INDEX filter_events_one_per_role ON filter_events(request_id, role) WHERE event = 'decision';

CREATE TRIGGER filter_requests_no_update BEFORE UPDATE ON filter_requests
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;
CREATE TRIGGER filter_requests_no_delete BEFORE DELETE ON filter_requests
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;
CREATE TRIGGER filter_requests_no_replace BEFORE INSERT ON filter_requests
WHEN EXISTS (SELECT 1 FROM filter_requests WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;

CREATE TRIGGER filter_events_no_update BEFORE UPDATE ON filter_events
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;
CREATE TRIGGER filter_events_no_delete BEFORE DELETE ON filter_events
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;
CREATE TRIGGER filter_events_no_replace BEFORE INSERT ON filter_events
WHEN EXISTS (SELECT 1 FROM filter_events WHERE id = NEW.id)
  OR (NEW.event = 'decision' AND EXISTS (SELECT 1 FROM filter_events
        WHERE request_id = NEW.request_id AND role = NEW.role AND event = 'decision'))
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;
CREATE TRIGGER filter_events_not_in_closed_review BEFORE INSERT ON filter_events
WHEN NEW.review_id IS NOT NULL
 AND EXISTS (SELECT 1 FROM filter_review_closes WHERE review_id = NEW.review_id)
BEGIN SELECT RAISE(ABORT, 'this review is closed: start a new review'); END;

CREATE TRIGGER filter_reviews_no_update BEFORE UPDATE ON filter_reviews
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;
CREATE TRIGGER filter_reviews_no_delete BEFORE DELETE ON filter_reviews
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;
CREATE TRIGGER filter_reviews_one_open BEFORE INSERT ON filter_reviews
WHEN EXISTS (SELECT 1 FROM filter_reviews WHERE id = NEW.id)
  OR EXISTS (SELECT 1 FROM filter_reviews r
             WHERE NOT EXISTS (SELECT 1 FROM filter_review_closes c WHERE c.review_id = r.id))
BEGIN SELECT RAISE(ABORT, 'a review is already open: close it before starting another'); END;

CREATE TRIGGER filter_review_closes_no_update BEFORE UPDATE ON filter_review_closes
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;
CREATE TRIGGER filter_review_closes_no_delete BEFORE DELETE ON filter_review_closes
BEGIN SELECT RAISE(ABORT, 'the filter log is append-only: record a new event instead'); END;
CREATE TRIGGER filter_review_closes_no_replace BEFORE INSERT ON filter_review_closes
WHEN EXISTS (SELECT 1 FROM filter_review_closes WHERE review_id = NEW.review_id)
BEGIN SELECT RAISE(ABORT, 'this review is closed: start a new review'); END;
"#,
    // 5: the inventory: assets with their history, loans, software, termly audits and WEEE
    // disposal batches. History, scans and closed batches are kept by triggers, not only by code.
    r#"
CREATE TABLE assets (
    id            INTEGER PRIMARY KEY,
    tag           TEXT NOT NULL COLLATE NOCASE UNIQUE,
    serial        TEXT COLLATE NOCASE,          -- NULL when the asset has none
    category      TEXT NOT NULL CHECK (category IN ('laptop','desktop','tablet','phone','printer','network','server','display','storage','other')),
    manufacturer  TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    model         TEXT NOT NULL DEFAULT '',
    data_bearing  INTEGER NOT NULL CHECK (data_bearing IN (0, 1)),
    site          TEXT NOT NULL DEFAULT '',
    room          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('in-stock','deployed','on-loan','in-repair','lost','retired','disposed')),
    purchase_date TEXT,                         -- YYYY-MM-DD
    price_pence   INTEGER CHECK (price_pence >= 0),
    supplier      TEXT NOT NULL DEFAULT '',
    warranty_end  TEXT,                         -- YYYY-MM-DD
    funding       TEXT NOT NULL DEFAULT '',
    encrypted     TEXT NOT NULL DEFAULT 'unknown' CHECK (encrypted IN ('yes','no','unknown')),
    last_audited  TEXT,                         -- YYYY-MM-DD
    notes         TEXT NOT NULL DEFAULT '',
    search        TEXT NOT NULL DEFAULT '',     -- lower-cased text a search matches
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
-- A serial is unique per manufacturer.
CREATE UNIQUE INDEX assets_serial ON assets(manufacturer, serial) WHERE serial IS NOT NULL;
-- No index on status or room: lists scan the table anyway (100,000 rows in a few ms), and every
-- index is paid for on each of an import's inserts.
-- Disposed is final.
CREATE TRIGGER assets_disposed_final BEFORE UPDATE ON assets WHEN OLD.status = 'disposed'
BEGIN
    SELECT RAISE(ABORT, 'a disposed asset is final and cannot be changed');
END;
CREATE TRIGGER assets_no_delete_disposed BEFORE DELETE ON assets
WHEN OLD.status = 'disposed' OR EXISTS (SELECT 1 FROM disposal_items WHERE asset_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'an asset in a disposal batch cannot be deleted');
END;

-- Every change to an asset: append-only.
CREATE TABLE asset_history (
    id        INTEGER PRIMARY KEY,
    asset_id  INTEGER NOT NULL REFERENCES assets(id),
    at        TEXT NOT NULL,                    -- RFC 3339 UTC
    operator  TEXT NOT NULL,
    field     TEXT NOT NULL,                    -- 'created', 'status', 'room', ...
    old       TEXT,
    new       TEXT,
    note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX asset_history_asset ON asset_history(asset_id);
CREATE TRIGGER asset_history_no_update BEFORE UPDATE ON asset_history
BEGIN
    SELECT RAISE(ABORT, 'asset history is append-only');
END;
CREATE TRIGGER asset_history_no_delete BEFORE DELETE ON asset_history
BEGIN
    SELECT RAISE(ABORT, 'asset history is append-only');
END;

CREATE TABLE loans (
    id            INTEGER PRIMARY KEY,
    asset_id      INTEGER NOT NULL REFERENCES assets(id),
    borrower_kind TEXT NOT NULL CHECK (borrower_kind IN ('user', 'location')),
    borrower      TEXT NOT NULL COLLATE NOCASE, -- username or place
    borrower_name TEXT NOT NULL DEFAULT '',
    issued_at     TEXT NOT NULL,
    issued_by     TEXT NOT NULL,
    due           TEXT,                         -- YYYY-MM-DD
    notes         TEXT NOT NULL DEFAULT '',
    returned_at   TEXT,
    returned_by   TEXT,
    condition     TEXT NOT NULL DEFAULT '',
    CHECK ((returned_at IS NULL) = (returned_by IS NULL))
);
CREATE UNIQUE INDEX loans_one_open ON loans(asset_id) WHERE returned_at IS NULL;
CREATE INDEX loans_borrower ON loans(borrower) WHERE returned_at IS NULL;
-- A loan is written once and returned once; a returned loan is kept as it is.
CREATE TRIGGER loans_returned_final BEFORE UPDATE ON loans
WHEN OLD.returned_at IS NOT NULL
  OR NEW.asset_id IS NOT OLD.asset_id OR NEW.borrower_kind IS NOT OLD.borrower_kind
  OR NEW.borrower IS NOT OLD.borrower OR NEW.issued_at IS NOT OLD.issued_at
  OR NEW.issued_by IS NOT OLD.issued_by
BEGIN
    SELECT RAISE(ABORT, 'a loan record is kept as it was issued; only its return is written');
END;
CREATE TRIGGER loans_no_delete BEFORE DELETE ON loans
BEGIN
    SELECT RAISE(ABORT, 'loan records are kept');
END;

CREATE TABLE software (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL COLLATE NOCASE UNIQUE,
    publisher  TEXT NOT NULL DEFAULT '',
    licence    TEXT NOT NULL CHECK (licence IN ('per-seat', 'per-device', 'site', 'subscription')),
    seats      INTEGER CHECK (seats >= 0),
    expires    TEXT,                            -- YYYY-MM-DD
    cost_pence INTEGER CHECK (cost_pence >= 0),
    notes      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE software_installs (
    id          INTEGER PRIMARY KEY,
    software_id INTEGER NOT NULL REFERENCES software(id),
    asset_id    INTEGER REFERENCES assets(id),
    username    TEXT COLLATE NOCASE,
    at          TEXT NOT NULL,
    operator    TEXT NOT NULL,
    CHECK ((asset_id IS NULL) <> (username IS NULL))
);
CREATE UNIQUE INDEX software_installs_asset ON software_installs(software_id, asset_id) WHERE asset_id IS NOT NULL;
CREATE UNIQUE INDEX software_installs_user ON software_installs(software_id, username) WHERE username IS NOT NULL;

CREATE TABLE audit_rounds (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL COLLATE NOCASE UNIQUE,
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL,
    closed_at  TEXT,
    closed_by  TEXT,
    CHECK ((closed_at IS NULL) = (closed_by IS NULL))
);
-- One open round at a time.
CREATE UNIQUE INDEX audit_rounds_one_open ON audit_rounds((closed_at IS NULL)) WHERE closed_at IS NULL;
CREATE TRIGGER audit_rounds_closed_final BEFORE UPDATE ON audit_rounds WHEN OLD.closed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a closed audit round is kept as it is');
END;
CREATE TRIGGER audit_rounds_no_delete BEFORE DELETE ON audit_rounds
BEGIN
    SELECT RAISE(ABORT, 'audit rounds are kept');
END;
CREATE TABLE audit_scans (
    id       INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES audit_rounds(id),
    at       TEXT NOT NULL,
    operator TEXT NOT NULL,
    tag      TEXT NOT NULL,                     -- as scanned (unknown tags too)
    asset_id INTEGER REFERENCES assets(id),     -- NULL for an unknown tag
    room     TEXT NOT NULL DEFAULT '',          -- where the scanner was ('' if not said)
    outcome  TEXT NOT NULL CHECK (outcome IN ('seen', 'moved', 'unknown', 'already'))
);
CREATE INDEX audit_scans_asset ON audit_scans(round_id, asset_id);
CREATE TRIGGER audit_scans_no_update BEFORE UPDATE ON audit_scans
BEGIN
    SELECT RAISE(ABORT, 'audit scans are append-only');
END;
CREATE TRIGGER audit_scans_no_delete BEFORE DELETE ON audit_scans
BEGIN
    SELECT RAISE(ABORT, 'audit scans are append-only');
END;
CREATE TRIGGER audit_scans_round_open BEFORE INSERT ON audit_scans
WHEN (SELECT closed_at FROM audit_rounds WHERE id = NEW.round_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the audit round is closed; start a new one');
END;

CREATE TABLE disposal_batches (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL COLLATE NOCASE UNIQUE,
    carrier          TEXT NOT NULL,
    carrier_reg      TEXT NOT NULL CHECK ((carrier_reg GLOB 'CBDU[0-9]*' OR carrier_reg GLOB 'CBDL[0-9]*') AND substr(carrier_reg, 5) NOT GLOB '*[^0-9]*'),
    collected_on     TEXT,                      -- YYYY-MM-DD
    transfer_note    TEXT NOT NULL DEFAULT '',
    consignment_note TEXT NOT NULL DEFAULT '',
    notes            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    closed_at        TEXT,
    closed_by        TEXT,
    signed_off_by    TEXT,
    CHECK ((closed_at IS NULL) = (closed_by IS NULL) AND (closed_at IS NULL) = (signed_off_by IS NULL))
);
CREATE TABLE disposal_items (
    id         INTEGER PRIMARY KEY,
    batch_id   INTEGER NOT NULL REFERENCES disposal_batches(id),
    asset_id   INTEGER NOT NULL UNIQUE REFERENCES assets(id),
    waste_code TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL
);
CREATE INDEX disposal_items_batch ON disposal_items(batch_id);
CREATE TABLE disposal_sanitisation (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL UNIQUE REFERENCES disposal_items(id),
    method      TEXT NOT NULL CHECK (method IN ('clear', 'purge', 'destroy', 'carrier-shredded')),
    certificate TEXT NOT NULL CHECK (certificate <> ''),
    verified_by TEXT NOT NULL CHECK (verified_by <> ''),
    done_on     TEXT,                           -- YYYY-MM-DD
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
-- A closed batch, its items and their sanitisation records are immutable.
CREATE TRIGGER disposal_batches_closed_final BEFORE UPDATE ON disposal_batches WHEN OLD.closed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its record cannot be changed');
END;
CREATE TRIGGER disposal_batches_no_delete BEFORE DELETE ON disposal_batches
BEGIN
    SELECT RAISE(ABORT, 'disposal batches are kept');
END;
CREATE TRIGGER disposal_items_insert_closed BEFORE INSERT ON disposal_items
WHEN (SELECT closed_at FROM disposal_batches WHERE id = NEW.batch_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its items cannot be changed');
END;
CREATE TRIGGER disposal_items_update_closed BEFORE UPDATE ON disposal_items
WHEN (SELECT closed_at FROM disposal_batches WHERE id = OLD.batch_id) IS NOT NULL
  OR (SELECT closed_at FROM disposal_batches WHERE id = NEW.batch_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its items cannot be changed');
END;
CREATE TRIGGER disposal_items_delete_closed BEFORE DELETE ON disposal_items
WHEN (SELECT closed_at FROM disposal_batches WHERE id = OLD.batch_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its items cannot be changed');
END;
CREATE TRIGGER disposal_sanitisation_insert_closed BEFORE INSERT ON disposal_sanitisation
WHEN (SELECT b.closed_at FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id WHERE i.id = NEW.item_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its sanitisation records cannot be changed');
END;
CREATE TRIGGER disposal_sanitisation_update_closed BEFORE UPDATE ON disposal_sanitisation
WHEN (SELECT b.closed_at FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id WHERE i.id = OLD.item_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its sanitisation records cannot be changed');
END;
CREATE TRIGGER disposal_sanitisation_delete_closed BEFORE DELETE ON disposal_sanitisation
WHEN (SELECT b.closed_at FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id WHERE i.id = OLD.item_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its sanitisation records cannot be changed');
END;
-- An asset in a closed batch is disposed (final, above); an asset on loan cannot join a batch.
CREATE TRIGGER disposal_items_not_on_loan BEFORE INSERT ON disposal_items
WHEN EXISTS (SELECT 1 FROM loans WHERE asset_id = NEW.asset_id AND returned_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'the asset is on loan; return it before adding it to a disposal batch');
END;
"#,
    // 6: a step of a run may be tried again (a new journal row per attempt), so (run_id, step) is
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
    // 7: acceptable use agreements: signatures and published versions, both append-only.
    r#"
CREATE TABLE aup_signatures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at TEXT NOT NULL,            -- RFC 3339 UTC
    operator    TEXT NOT NULL,            -- who recorded it
    username    TEXT NOT NULL,            -- the account (lower case)
    mis_id      TEXT,                     -- its MIS id when known
    agreement   TEXT NOT NULL,            -- [aup.agreements.NAME]
    version     TEXT NOT NULL,
    signed_on   TEXT NOT NULL CHECK (signed_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    signed_by   TEXT NOT NULL,            -- the person, or 'parent/carer: NAME'
    how         TEXT NOT NULL CHECK (how IN ('paper', 'form', 'email')),
    reference   TEXT NOT NULL DEFAULT '',
    UNIQUE (username, agreement, version, signed_on)
);
CREATE INDEX aup_signatures_user ON aup_signatures(username);
CREATE TRIGGER aup_signatures_no_update BEFORE UPDATE ON aup_signatures
BEGIN
    SELECT RAISE(ABORT, 'acceptable use signatures are append-only');
END;
CREATE TRIGGER aup_signatures_no_delete BEFORE DELETE ON aup_signatures
BEGIN
    SELECT RAISE(ABORT, 'acceptable use signatures are append-only');
END;
CREATE TRIGGER aup_signatures_no_replace BEFORE INSERT ON aup_signatures
-- (NEW.id is -1 in a BEFORE trigger when SQLite picks the id itself.)
WHEN (NEW.id > 0 AND NEW.id <= (SELECT max(id) FROM aup_signatures))
  OR EXISTS (SELECT 1 FROM aup_signatures WHERE username = NEW.username AND agreement = NEW.agreement
             AND version = NEW.version AND signed_on = NEW.signed_on)
BEGIN
    SELECT RAISE(ABORT, 'acceptable use signatures are append-only');
END;

CREATE TABLE aup_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    agreement    TEXT NOT NULL,
    version      TEXT NOT NULL,
    published_at TEXT NOT NULL,           -- RFC 3339 UTC
    operator     TEXT NOT NULL,
    UNIQUE (agreement, version)
);
CREATE TRIGGER aup_versions_no_update BEFORE UPDATE ON aup_versions
BEGIN
    SELECT RAISE(ABORT, 'published agreement versions are append-only');
END;
CREATE TRIGGER aup_versions_no_delete BEFORE DELETE ON aup_versions
BEGIN
    SELECT RAISE(ABORT, 'published agreement versions are append-only');
END;
CREATE TRIGGER aup_versions_no_replace BEFORE INSERT ON aup_versions
WHEN (NEW.id > 0 AND NEW.id <= (SELECT max(id) FROM aup_versions))
  OR EXISTS (SELECT 1 FROM aup_versions WHERE agreement = NEW.agreement AND version = NEW.version)
BEGIN
    SELECT RAISE(ABORT, 'published agreement versions are append-only');
END;
"#,
    // 8: leaver-day sweeps. A run (its plan's steps are journal entries with its run id) is
    // locked by the process working on it, and at most one run is open at a time (`open` is 1
    // while it is, NULL after: a UNIQUE column). A closed run never changes; no run is deleted.
    // Each suspended account's record (where it was, its groups, its old description) is
    // written before the first change and never changes.
    r#"
CREATE TABLE sweep_runs (
    run_id      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('suspend', 'purge')),
    created_at  TEXT NOT NULL,             -- RFC 3339 UTC
    operator    TEXT NOT NULL,
    source      TEXT NOT NULL,             -- the MIS file it was planned from
    as_of       TEXT,                      -- the --as-of day, if any
    steps       INTEGER NOT NULL,
    lock_pid    INTEGER,                   -- the process working on it
    open        INTEGER UNIQUE CHECK (open IS NULL OR open = 1),
    finished_at TEXT,
    CHECK ((open IS NULL) = (finished_at IS NOT NULL))
);
CREATE TRIGGER sweep_runs_closed BEFORE UPDATE ON sweep_runs
WHEN OLD.finished_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a finished sweep run cannot change');
END;
CREATE TRIGGER sweep_runs_no_delete BEFORE DELETE ON sweep_runs
BEGIN
    SELECT RAISE(ABORT, 'sweep runs are never deleted');
END;
CREATE TABLE leaver_records (
    id           INTEGER PRIMARY KEY,
    run_id       TEXT NOT NULL REFERENCES sweep_runs(run_id),
    username     TEXT NOT NULL,
    name         TEXT,
    role         TEXT,
    mis_id       TEXT,
    dn           TEXT NOT NULL,            -- where it was
    groups       TEXT NOT NULL,            -- JSON array of group DNs it was in
    description  TEXT,                     -- its description before the stamp
    enabled      INTEGER NOT NULL,
    leaving_date TEXT,
    reason       TEXT NOT NULL,
    suspended_on TEXT NOT NULL             -- YYYY-MM-DD
);
CREATE INDEX leaver_records_user ON leaver_records(username COLLATE NOCASE);
CREATE TRIGGER leaver_records_no_update BEFORE UPDATE ON leaver_records
BEGIN
    SELECT RAISE(ABORT, 'leaver records never change');
END;
CREATE TRIGGER leaver_records_no_delete BEFORE DELETE ON leaver_records
BEGIN
    SELECT RAISE(ABORT, 'leaver records are never deleted');
END;
"#,
    r#"
-- The local mirror of the directory (issue 14): a cache, rebuilt whenever it cannot be trusted.
-- One meta row says which directory it mirrors and where its changes stood; entry_count and
-- checksum (XOR of each row's SHA-256) find a truncated or edited mirror.
CREATE TABLE mirror_meta (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    format      INTEGER NOT NULL,
    flavour     TEXT NOT NULL,
    server      TEXT NOT NULL,
    base_dn     TEXT NOT NULL,
    identity    TEXT NOT NULL,             -- AD dsServiceName / OpenLDAP suffix entryUUID
    invocation  TEXT NOT NULL,             -- AD invocationId (hex) / ''
    position    TEXT NOT NULL,             -- AD update sequence number / OpenLDAP newest CSN
    entry_count INTEGER NOT NULL,
    checksum    TEXT NOT NULL,
    read_at     TEXT NOT NULL,             -- when the directory was last read (RFC 3339)
    full_at     TEXT NOT NULL              -- when it was last read in full
);
CREATE TABLE mirror_entries (
    id    TEXT PRIMARY KEY,                -- objectGUID (hex) / entryUUID
    kind  TEXT NOT NULL CHECK (kind IN ('account', 'group')),
    dn    TEXT NOT NULL,
    stamp TEXT NOT NULL,                   -- uSNChanged / entryCSN
    attrs TEXT NOT NULL                    -- JSON object: attribute -> [values]
);
-- Changes to accounts and groups that no action-log row explains, as the mirror found them.
CREATE TABLE outside_changes (
    id          INTEGER PRIMARY KEY,
    detected_at TEXT NOT NULL,
    changed_at  TEXT,                      -- whenChanged / modifyTimestamp, when known
    kind        TEXT NOT NULL CHECK (kind IN ('account', 'group')),
    target      TEXT NOT NULL,             -- username or group name
    dn          TEXT NOT NULL,
    change      TEXT NOT NULL,
    who         TEXT,                      -- modifiersName, when the directory tells
    stamp       TEXT NOT NULL,             -- uSNChanged / entryCSN
    protected   INTEGER NOT NULL CHECK (protected IN (0, 1))
);
CREATE INDEX outside_changes_at ON outside_changes(detected_at);
CREATE TRIGGER outside_changes_no_update BEFORE UPDATE ON outside_changes
BEGIN
    SELECT RAISE(ABORT, 'recorded outside changes never change');
END;
CREATE TRIGGER outside_changes_no_delete BEFORE DELETE ON outside_changes
BEGIN
    SELECT RAISE(ABORT, 'recorded outside changes are never deleted');
END;
"#,
    // 10: immutability that holds at the database (issue 23). `INSERT OR REPLACE` deletes the row
    // whose key it takes without firing DELETE triggers, and `UPDATE OR REPLACE` deletes a row whose
    // unique key an update takes: wherever a row may not be deleted, an insert or an update that
    // lands on one of its keys (primary or unique) is refused. Tables whose rows never change
    // refuse every UPDATE already, so only their inserts need the check. Legitimate writes (a
    // journal entry's outcome, a loan's return, an asset's status before disposal, a sanitisation
    // record redone while its batch is open) touch no other row's key and go through as before.
    r#"
CREATE TRIGGER asset_history_no_replace BEFORE INSERT ON asset_history
WHEN EXISTS (SELECT 1 FROM asset_history WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'asset history is append-only');
END;

CREATE TRIGGER audit_scans_no_replace BEFORE INSERT ON audit_scans
WHEN EXISTS (SELECT 1 FROM audit_scans WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'audit scans are append-only');
END;

CREATE TRIGGER leaver_records_no_replace BEFORE INSERT ON leaver_records
WHEN EXISTS (SELECT 1 FROM leaver_records WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'leaver records never change');
END;

CREATE TRIGGER outside_changes_no_replace BEFORE INSERT ON outside_changes
WHEN EXISTS (SELECT 1 FROM outside_changes WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'recorded outside changes never change');
END;

CREATE TRIGGER journal_no_replace BEFORE INSERT ON journal
WHEN EXISTS (SELECT 1 FROM journal WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'journal entries are never deleted or replaced');
END;
CREATE TRIGGER journal_no_replace_by_update BEFORE UPDATE OF id ON journal
WHEN EXISTS (SELECT 1 FROM journal WHERE id = NEW.id AND id <> OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'journal entries are never deleted or replaced');
END;

-- An asset that is disposed or in a disposal batch may not be deleted (above), so not replaced.
CREATE TRIGGER assets_no_replace BEFORE INSERT ON assets
WHEN EXISTS (SELECT 1 FROM assets a
             WHERE (a.id = NEW.id OR a.tag = NEW.tag
                    OR (NEW.serial IS NOT NULL AND a.serial = NEW.serial
                        AND a.manufacturer = NEW.manufacturer))
               AND (a.status = 'disposed'
                    OR EXISTS (SELECT 1 FROM disposal_items d WHERE d.asset_id = a.id)))
BEGIN
    SELECT RAISE(ABORT, 'a disposed asset, or one in a disposal batch, cannot be replaced');
END;
CREATE TRIGGER assets_no_replace_by_update BEFORE UPDATE OF id, tag, manufacturer, serial ON assets
WHEN EXISTS (SELECT 1 FROM assets a
             WHERE a.id <> OLD.id
               AND (a.id = NEW.id OR a.tag = NEW.tag
                    OR (NEW.serial IS NOT NULL AND a.serial = NEW.serial
                        AND a.manufacturer = NEW.manufacturer))
               AND (a.status = 'disposed'
                    OR EXISTS (SELECT 1 FROM disposal_items d WHERE d.asset_id = a.id)))
BEGIN
    SELECT RAISE(ABORT, 'a disposed asset, or one in a disposal batch, cannot be replaced');
END;

CREATE TRIGGER loans_no_replace BEFORE INSERT ON loans
WHEN EXISTS (SELECT 1 FROM loans l
             WHERE l.id = NEW.id
                OR (NEW.returned_at IS NULL AND l.returned_at IS NULL AND l.asset_id = NEW.asset_id))
BEGIN
    SELECT RAISE(ABORT, 'loan records are kept');
END;
CREATE TRIGGER loans_no_replace_by_update BEFORE UPDATE OF id, asset_id, returned_at ON loans
WHEN EXISTS (SELECT 1 FROM loans l
             WHERE l.id <> OLD.id
               AND (l.id = NEW.id
                    OR (NEW.returned_at IS NULL AND l.returned_at IS NULL AND l.asset_id = NEW.asset_id)))
BEGIN
    SELECT RAISE(ABORT, 'loan records are kept');
END;

CREATE TRIGGER audit_rounds_no_replace BEFORE INSERT ON audit_rounds
WHEN EXISTS (SELECT 1 FROM audit_rounds r
             WHERE r.id = NEW.id OR r.name = NEW.name
                OR (NEW.closed_at IS NULL AND r.closed_at IS NULL))
BEGIN
    SELECT RAISE(ABORT, 'audit rounds are kept');
END;
CREATE TRIGGER audit_rounds_no_replace_by_update BEFORE UPDATE OF id, name, closed_at ON audit_rounds
WHEN EXISTS (SELECT 1 FROM audit_rounds r
             WHERE r.id <> OLD.id
               AND (r.id = NEW.id OR r.name = NEW.name
                    OR (NEW.closed_at IS NULL AND r.closed_at IS NULL)))
BEGIN
    SELECT RAISE(ABORT, 'audit rounds are kept');
END;

CREATE TRIGGER disposal_batches_no_replace BEFORE INSERT ON disposal_batches
WHEN EXISTS (SELECT 1 FROM disposal_batches b WHERE b.id = NEW.id OR b.name = NEW.name)
BEGIN
    SELECT RAISE(ABORT, 'disposal batches are kept');
END;
CREATE TRIGGER disposal_batches_no_replace_by_update BEFORE UPDATE OF id, name ON disposal_batches
WHEN EXISTS (SELECT 1 FROM disposal_batches b
             WHERE b.id <> OLD.id AND (b.id = NEW.id OR b.name = NEW.name))
BEGIN
    SELECT RAISE(ABORT, 'disposal batches are kept');
END;

CREATE TRIGGER disposal_items_no_replace BEFORE INSERT ON disposal_items
WHEN EXISTS (SELECT 1 FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id
             WHERE (i.id = NEW.id OR i.asset_id = NEW.asset_id) AND b.closed_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its items cannot be changed');
END;
CREATE TRIGGER disposal_items_no_replace_by_update BEFORE UPDATE OF id, asset_id ON disposal_items
WHEN EXISTS (SELECT 1 FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id
             WHERE i.id <> OLD.id AND (i.id = NEW.id OR i.asset_id = NEW.asset_id)
               AND b.closed_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its items cannot be changed');
END;

CREATE TRIGGER disposal_sanitisation_no_replace BEFORE INSERT ON disposal_sanitisation
WHEN EXISTS (SELECT 1 FROM disposal_sanitisation s
             JOIN disposal_items i ON i.id = s.item_id JOIN disposal_batches b ON b.id = i.batch_id
             WHERE (s.id = NEW.id OR s.item_id = NEW.item_id) AND b.closed_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its sanitisation records cannot be changed');
END;
CREATE TRIGGER disposal_sanitisation_no_replace_by_update BEFORE UPDATE OF id, item_id ON disposal_sanitisation
WHEN EXISTS (SELECT 1 FROM disposal_sanitisation s
             JOIN disposal_items i ON i.id = s.item_id JOIN disposal_batches b ON b.id = i.batch_id
             WHERE s.id <> OLD.id AND (s.id = NEW.id OR s.item_id = NEW.item_id)
               AND b.closed_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'the disposal batch is closed; its sanitisation records cannot be changed');
END;

CREATE TRIGGER sweep_runs_no_replace BEFORE INSERT ON sweep_runs
WHEN EXISTS (SELECT 1 FROM sweep_runs r
             WHERE r.run_id = NEW.run_id OR (NEW.open IS NOT NULL AND r.open = NEW.open))
BEGIN
    SELECT RAISE(ABORT, 'sweep runs are never deleted or replaced');
END;
CREATE TRIGGER sweep_runs_no_replace_by_update BEFORE UPDATE OF run_id, open ON sweep_runs
WHEN EXISTS (SELECT 1 FROM sweep_runs r
             WHERE r.rowid <> OLD.rowid
               AND (r.run_id = NEW.run_id OR (NEW.open IS NOT NULL AND r.open = NEW.open)))
BEGIN
    SELECT RAISE(ABORT, 'sweep runs are never deleted or replaced');
END;
"#,
    // 11: the shared-login register as events (issue 23): each event carries the login as it stood
    // after it; the register is the last event of each name (the `credentials` view). Events
    // are never changed, deleted or replaced; only a rotation moves the date; a name is created
    // once. The rows of the old table become one 'imported' event each.
    r#"
CREATE TABLE credential_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL COLLATE NOCASE,
    at           TEXT NOT NULL,          -- RFC 3339 UTC: when it was recorded
    by           TEXT NOT NULL,          -- directory username (--by), else the operator
    event        TEXT NOT NULL CHECK (event IN ('created', 'imported', 'updated', 'rotated')),
    system       TEXT NOT NULL,
    known_by     TEXT NOT NULL,          -- JSON array of usernames
    owner        TEXT NOT NULL,
    period_days  INTEGER NOT NULL CHECK (period_days > 0),
    last_rotated TEXT NOT NULL,          -- RFC 3339 UTC
    note         TEXT
);
CREATE INDEX credential_events_name ON credential_events(name, id);
CREATE TRIGGER credential_events_no_update BEFORE UPDATE ON credential_events
BEGIN
    SELECT RAISE(ABORT, 'the shared-login history is append-only');
END;
CREATE TRIGGER credential_events_no_delete BEFORE DELETE ON credential_events
BEGIN
    SELECT RAISE(ABORT, 'the shared-login history is append-only');
END;
CREATE TRIGGER credential_events_no_replace BEFORE INSERT ON credential_events
WHEN EXISTS (SELECT 1 FROM credential_events WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the shared-login history is append-only');
END;
CREATE TRIGGER credential_events_created_once BEFORE INSERT ON credential_events
WHEN NEW.event IN ('created', 'imported')
 AND EXISTS (SELECT 1 FROM credential_events WHERE name = NEW.name)
BEGIN
    SELECT RAISE(ABORT, 'that shared login is already in the register');
END;
CREATE TRIGGER credential_events_of_a_known_login BEFORE INSERT ON credential_events
WHEN NEW.event IN ('updated', 'rotated')
 AND NOT EXISTS (SELECT 1 FROM credential_events WHERE name = NEW.name)
BEGIN
    SELECT RAISE(ABORT, 'no such shared login in the register');
END;
CREATE TRIGGER credential_events_update_keeps_the_date BEFORE INSERT ON credential_events
WHEN NEW.event = 'updated'
 AND NEW.last_rotated IS NOT (SELECT last_rotated FROM credential_events
                              WHERE name = NEW.name ORDER BY id DESC LIMIT 1)
BEGIN
    SELECT RAISE(ABORT, 'only a rotation moves the date a shared login was last changed');
END;
CREATE TRIGGER credential_events_rotation_forward BEFORE INSERT ON credential_events
WHEN NEW.event = 'rotated'
 AND substr(NEW.last_rotated, 1, 10) < (SELECT substr(last_rotated, 1, 10) FROM credential_events
                                        WHERE name = NEW.name ORDER BY id DESC LIMIT 1)
BEGIN
    SELECT RAISE(ABORT, 'a rotation cannot move the date back');
END;
INSERT INTO credential_events (name, at, by, event, system, known_by, owner, period_days,
                               last_rotated, note)
SELECT name, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'schooltech (schema upgrade)', 'imported',
       system, known_by, owner, period_days, last_rotated,
       'the register as it stood (first added ' || created_at || ')'
FROM credentials ORDER BY name;
DROP TABLE credentials;
CREATE VIEW credentials AS
SELECT e.name, e.system, e.known_by, e.owner, e.period_days, e.last_rotated,
       (SELECT min(f.at) FROM credential_events f WHERE f.name = e.name) AS created_at
FROM credential_events e
WHERE e.id = (SELECT max(g.id) FROM credential_events g WHERE g.name = e.name);
"#,
    // 12: a suspension follows the object, not the name. Each leaver record keeps the stable id
    // (objectGUID / entryUUID) of the account the sweep suspended (NULL on records made before:
    // those are matched by username, as legacy). A record never changes; what happens to the
    // suspension afterwards (a restore ends it) is an appended event, never an UPDATE.
    r#"
ALTER TABLE leaver_records ADD COLUMN object_id TEXT;
CREATE TABLE leaver_record_events (
    id        INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES leaver_records(id),
    event     TEXT NOT NULL CHECK (event IN ('ended')),
    at        TEXT NOT NULL,               -- RFC 3339 UTC
    operator  TEXT NOT NULL,
    why       TEXT NOT NULL
);
CREATE INDEX leaver_record_events_record ON leaver_record_events(record_id);
CREATE TRIGGER leaver_record_events_no_update BEFORE UPDATE ON leaver_record_events
BEGIN
    SELECT RAISE(ABORT, 'leaver record events never change');
END;
CREATE TRIGGER leaver_record_events_no_delete BEFORE DELETE ON leaver_record_events
BEGIN
    SELECT RAISE(ABORT, 'leaver record events are never deleted');
END;
CREATE TRIGGER leaver_record_events_no_replace BEFORE INSERT ON leaver_record_events
WHEN EXISTS (SELECT 1 FROM leaver_record_events WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'leaver record events are never deleted or replaced');
END;
"#,
    // 13: `schooltech sync`. A sync run (its plan's steps are journal entries under its run_id)
    // is a record: only its lock and its closing change, and it is never deleted. A tolerated
    // mark is state, not a record: it says since when an account has been missing from the roll
    // (the first and last roll that missed it) and goes when the account is back or gone; what
    // was done about it is in the action log.
    r#"
CREATE TABLE sync_runs (
    run_id      TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    operator    TEXT NOT NULL,
    source      TEXT NOT NULL,
    summary     TEXT NOT NULL,          -- JSON: counts by kind, summary by year
    steps       INTEGER NOT NULL,
    open        INTEGER UNIQUE CHECK (open IS NULL OR open = 1),
    lock_pid    INTEGER,
    finished_at TEXT,
    CHECK ((open IS NULL) = (finished_at IS NOT NULL))
);
CREATE TRIGGER sync_runs_closed BEFORE UPDATE ON sync_runs
WHEN OLD.open IS NULL
BEGIN
    SELECT RAISE(ABORT, 'a finished sync run never changes');
END;
CREATE TRIGGER sync_runs_fixed BEFORE UPDATE OF run_id, created_at, operator, source, summary, steps ON sync_runs
BEGIN
    SELECT RAISE(ABORT, 'a sync run''s plan never changes');
END;
CREATE TRIGGER sync_runs_no_delete BEFORE DELETE ON sync_runs
BEGIN
    SELECT RAISE(ABORT, 'sync runs are never deleted');
END;
CREATE TRIGGER sync_runs_no_replace BEFORE INSERT ON sync_runs
WHEN EXISTS (SELECT 1 FROM sync_runs r
             WHERE r.run_id = NEW.run_id OR (NEW.open IS NOT NULL AND r.open = NEW.open))
BEGIN
    SELECT RAISE(ABORT, 'sync runs are never deleted or replaced');
END;
CREATE TRIGGER sync_runs_no_replace_by_update BEFORE UPDATE OF run_id, open ON sync_runs
WHEN EXISTS (SELECT 1 FROM sync_runs r
             WHERE r.rowid <> OLD.rowid
               AND (r.run_id = NEW.run_id OR (NEW.open IS NOT NULL AND r.open = NEW.open)))
BEGIN
    SELECT RAISE(ABORT, 'sync runs are never deleted or replaced');
END;
CREATE TABLE sync_marks (
    mis_id      TEXT PRIMARY KEY COLLATE NOCASE,
    username    TEXT NOT NULL,
    first_missed TEXT NOT NULL,         -- YYYY-MM-DD: the first roll that missed it
    last_missed  TEXT NOT NULL,         -- the last roll that missed it
    first_run   TEXT NOT NULL,
    last_run    TEXT NOT NULL
);
"#,
];

/// The newest schema this build knows.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Brings the store at `conn` up to [`LATEST`], one transaction per migration. `path` is only used in
/// messages. True when this call made the store from nothing (it applied the first migration):
/// the one process that may write the log's first row.
pub(crate) fn migrate(conn: &Connection, path: &Path) -> Result<bool> {
    let mut made = false;
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
            return Ok(made);
        }
        made |= current == 0;
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
