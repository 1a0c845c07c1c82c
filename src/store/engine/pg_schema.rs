//! The store's schema on PostgreSQL: the pieces that give SQL written once the same meaning on
//! both engines, and the guarantees SQLite's triggers give, made by PL/pgSQL triggers with the
//! same refusal messages.
//!
//! - `COLLATE NOCASE` works unchanged: PostgreSQL folds the unquoted name to `nocase`, a
//!   non-deterministic ICU collation at secondary strength (case-insensitive, as SQLite's is for
//!   ASCII). PostgreSQL before 18 refuses `LIKE` on such a column: match with `lower()` there.
//! - `instr(a, b)` is a SQL function over `strpos`, byte-exact whatever the column's collation,
//!   as SQLite's `instr` is.
//! - Append-only tables refuse UPDATE, DELETE and TRUNCATE by trigger (a superuser can still
//!   switch triggers off: the hash chain and the anchor are what find that).
//! - The action log's head (`action_log_head`) replaces `sqlite_sequence`: one row per id ever
//!   written, written by the log's own insert trigger, refusing every change but an insert, so rows
//!   cut from the end of the log or a wiped log still show as such to `log verify`.
//! - The school's login role is granted SELECT and INSERT on the append-only tables, UPDATE only
//!   where SQLite's triggers allow an update ([`UPDATABLE`]), DELETE only on state ([`STATE`]),
//!   TRUNCATE nowhere, and owns nothing: `store migrate` runs as the owner role.
//!
//! Applied by the owner role, each part in the same transaction as its version row.

use super::{write_tx, Db, DbError, DbErrorKind};

/// Version 1: the shared pieces and the action log.
pub const V1: &str = r#"
CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE OR REPLACE FUNCTION instr(haystack text, needle text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT strpos(haystack COLLATE "C", needle COLLATE "C")';

-- The refusal of every append-only and immutable table: its message is the trigger's argument,
-- word for word the message of the SQLite trigger it stands for.
CREATE OR REPLACE FUNCTION schooltech_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END
$$;

-- Versions applied, oldest first; only ever grows (the schema's own record).
CREATE TABLE schooltech_schema (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER schooltech_schema_no_change BEFORE UPDATE OR DELETE ON schooltech_schema
    FOR EACH ROW EXECUTE FUNCTION schooltech_refuse('the schema record is append-only');
CREATE TRIGGER schooltech_schema_no_truncate BEFORE TRUNCATE ON schooltech_schema
    FOR EACH STATEMENT EXECUTE FUNCTION schooltech_refuse('the schema record is append-only');

CREATE TABLE action_log (
    id        bigint PRIMARY KEY,
    at        text NOT NULL,
    operator  text NOT NULL,
    action    text NOT NULL,
    target    text NOT NULL,
    details   text NOT NULL,
    prev_hash text NOT NULL,
    hash      text NOT NULL UNIQUE
);
CREATE INDEX action_log_target ON action_log(target);
CREATE INDEX action_log_at ON action_log(at);

-- Every id the log has ever had. Only the log's insert trigger writes it (SECURITY DEFINER: the
-- school role has no grant to write it itself).
CREATE TABLE action_log_head (
    seq bigint PRIMARY KEY
);
-- The head starts at 0 with the store, as SQLite's counter does: an empty head later was
-- emptied outside schooltech, and `log verify` says so.
INSERT INTO action_log_head (seq) VALUES (0);

CREATE OR REPLACE FUNCTION action_log_append() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    head bigint;
BEGIN
    SELECT max(seq) INTO head FROM action_log_head;
    -- As SQLite's action_log_no_replace: never an id at or below one already written.
    IF NEW.id IS NULL OR NEW.id <= coalesce(head, 0) THEN
        RAISE EXCEPTION 'the action log is append-only';
    END IF;
    INSERT INTO action_log_head (seq) VALUES (NEW.id);
    RETURN NEW;
END
$$;
"#;

/// Version 1, second part: the triggers, which need the functions above qualified by schema.
/// `{schema}` is replaced by the store's schema (`public` unless the trust says otherwise).
pub const V1_TRIGGERS: &str = r#"
ALTER FUNCTION action_log_append() SET search_path = {schema}, pg_catalog, pg_temp;
CREATE TRIGGER action_log_append BEFORE INSERT ON action_log
    FOR EACH ROW EXECUTE FUNCTION action_log_append();
CREATE TRIGGER action_log_no_change BEFORE UPDATE OR DELETE ON action_log
    FOR EACH ROW EXECUTE FUNCTION schooltech_refuse('the action log is append-only');
CREATE TRIGGER action_log_no_truncate BEFORE TRUNCATE ON action_log
    FOR EACH STATEMENT EXECUTE FUNCTION schooltech_refuse('the action log is append-only');
CREATE TRIGGER action_log_head_no_change BEFORE UPDATE OR DELETE ON action_log_head
    FOR EACH ROW EXECUTE FUNCTION schooltech_refuse('the action log is append-only');
CREATE TRIGGER action_log_head_no_truncate BEFORE TRUNCATE ON action_log_head
    FOR EACH STATEMENT EXECUTE FUNCTION schooltech_refuse('the action log is append-only');
"#;

/// Version 2: every other table of the store that lives on PostgreSQL (all but the directory
/// mirror, a per-server cache kept in the local file), translated from `migrations.rs` as it
/// stands after its last migration, with the same refusal messages. SQLite's `*_no_replace`
/// triggers guard `INSERT OR REPLACE` / `UPDATE OR REPLACE`, which PostgreSQL has not: there a
/// key already taken is a unique violation, so only the ones that also say something more (one
/// open review, a login created once, a closed batch) are kept.
pub const V2: &str = r#"
-- Refuses the row when the condition (the trigger's second argument, SQL over $1 = NEW and
-- $2 = OLD) holds, with the message (its first argument): the SQLite triggers' `WHEN` clauses
-- that read other rows, word for word.
CREATE OR REPLACE FUNCTION schooltech_refuse_when() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    hit boolean;
BEGIN
    EXECUTE 'SELECT coalesce((' || TG_ARGV[1] || '), false)' INTO hit USING NEW, OLD;
    IF hit THEN
        RAISE EXCEPTION '%', TG_ARGV[0];
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

-- The journal: a finished entry never changes, no entry is deleted.
CREATE TABLE journal (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    started_at  text NOT NULL,
    operator    text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL,
    details     text NOT NULL,
    state       text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'done', 'failed', 'unknown')),
    finished_at text,
    error       text,
    pid         bigint,
    log_id      bigint,
    run_id      text,
    step        bigint,
    settled_at  text,
    CHECK ((state = 'pending') = (finished_at IS NULL))
);
CREATE INDEX journal_open ON journal(state) WHERE state IN ('pending', 'unknown');
CREATE INDEX journal_run ON journal(run_id, step) WHERE run_id IS NOT NULL;
CREATE TRIGGER journal_closed BEFORE UPDATE ON journal FOR EACH ROW
    WHEN (OLD.state IN ('done', 'failed'))
    EXECUTE FUNCTION schooltech_refuse('a finished journal entry cannot change');
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('journal entries are never deleted');
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('journal entries are never deleted');
CREATE TRIGGER journal_no_replace BEFORE INSERT ON journal FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('journal entries are never deleted or replaced',
        'EXISTS (SELECT 1 FROM journal WHERE id = ($1).id)');

-- The shared-login register as events, and the register as the last event of each name.
CREATE TABLE credential_events (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name         text COLLATE nocase NOT NULL,
    at           text NOT NULL,
    by           text NOT NULL,
    event        text NOT NULL CHECK (event IN ('created', 'imported', 'updated', 'rotated')),
    system       text NOT NULL,
    known_by     text NOT NULL,
    owner        text NOT NULL,
    period_days  bigint NOT NULL CHECK (period_days > 0),
    last_rotated text NOT NULL,
    note         text
);
CREATE INDEX credential_events_name ON credential_events(name, id);
CREATE TRIGGER credential_events_no_change BEFORE UPDATE OR DELETE ON credential_events
    FOR EACH ROW EXECUTE FUNCTION schooltech_refuse('the shared-login history is append-only');
CREATE TRIGGER credential_events_no_truncate BEFORE TRUNCATE ON credential_events
    FOR EACH STATEMENT EXECUTE FUNCTION schooltech_refuse('the shared-login history is append-only');
CREATE TRIGGER credential_events_a_no_replace BEFORE INSERT ON credential_events FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the shared-login history is append-only',
        'EXISTS (SELECT 1 FROM credential_events WHERE id = ($1).id)');
CREATE TRIGGER credential_events_b_created_once BEFORE INSERT ON credential_events FOR EACH ROW
    WHEN (NEW.event IN ('created', 'imported'))
    EXECUTE FUNCTION schooltech_refuse_when('that shared login is already in the register',
        'EXISTS (SELECT 1 FROM credential_events WHERE name = ($1).name)');
CREATE TRIGGER credential_events_c_of_a_known_login BEFORE INSERT ON credential_events FOR EACH ROW
    WHEN (NEW.event IN ('updated', 'rotated'))
    EXECUTE FUNCTION schooltech_refuse_when('no such shared login in the register',
        'NOT EXISTS (SELECT 1 FROM credential_events WHERE name = ($1).name)');
CREATE TRIGGER credential_events_d_update_keeps_the_date BEFORE INSERT ON credential_events FOR EACH ROW
    WHEN (NEW.event = 'updated')
    EXECUTE FUNCTION schooltech_refuse_when('only a rotation moves the date a shared login was last changed',
        '($1).last_rotated IS DISTINCT FROM (SELECT last_rotated FROM credential_events
            WHERE name = ($1).name ORDER BY id DESC LIMIT 1)');
CREATE TRIGGER credential_events_e_rotation_forward BEFORE INSERT ON credential_events FOR EACH ROW
    WHEN (NEW.event = 'rotated')
    EXECUTE FUNCTION schooltech_refuse_when('a rotation cannot move the date back',
        'substr(($1).last_rotated, 1, 10) COLLATE "C" < (SELECT substr(last_rotated, 1, 10)
            FROM credential_events WHERE name = ($1).name ORDER BY id DESC LIMIT 1) COLLATE "C"');
CREATE VIEW credentials AS
SELECT e.name, e.system, e.known_by, e.owner, e.period_days, e.last_rotated,
       (SELECT min(f.at) FROM credential_events f WHERE f.name = e.name) AS created_at
FROM credential_events e
WHERE e.id = (SELECT max(g.id) FROM credential_events g WHERE g.name = e.name);

-- The filter-exception log.
CREATE TABLE filter_requests (
    id                 bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    requested_at       text NOT NULL,
    requested_by       text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('unblock', 'block')),
    site               text NOT NULL,
    host               text NOT NULL,
    host_unicode       text NOT NULL,
    registrable_domain text NOT NULL,
    subdomains         bigint NOT NULL CHECK (subdomains IN (0, 1)),
    path               text,
    ip                 text CHECK (ip IS NULL OR ip IN ('public', 'private')),
    scope              text NOT NULL,
    reason             text NOT NULL,
    until              text
);
CREATE INDEX filter_requests_host ON filter_requests(host);
CREATE TABLE filter_reviews (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    started_at text NOT NULL,
    started_by text NOT NULL,
    items      text NOT NULL
);
CREATE TABLE filter_review_closes (
    review_id bigint PRIMARY KEY REFERENCES filter_reviews(id),
    closed_at text NOT NULL,
    closed_by text NOT NULL,
    checks    text NOT NULL,
    note      text NOT NULL
);
CREATE TABLE filter_events (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES filter_requests(id),
    at         text NOT NULL,
    actor      text NOT NULL,
    event      text NOT NULL CHECK (event IN ('decision', 'applied', 'revoked', 'removed', 'until_changed', 'kept')),
    role       text,
    verdict    text CHECK (verdict IS NULL OR verdict IN ('approve', 'reject')),
    until      text,
    reference  text,
    note       text NOT NULL DEFAULT '',
    review_id  bigint REFERENCES filter_reviews(id),
    CHECK ((event = 'decision') = (role IS NOT NULL AND verdict IS NOT NULL)),
    CHECK ((event = 'until_changed') = (until IS NOT NULL))
);
CREATE INDEX filter_events_request ON filter_events(request_id);
CREATE UNIQUE INDEX filter_events_one_per_role ON filter_events(request_id, role) WHERE event = 'decision';
CREATE TRIGGER filter_requests_no_change BEFORE UPDATE OR DELETE ON filter_requests FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('the filter log is append-only: record a new event instead');
CREATE TRIGGER filter_requests_no_truncate BEFORE TRUNCATE ON filter_requests FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('the filter log is append-only: record a new event instead');
CREATE TRIGGER filter_requests_no_replace BEFORE INSERT ON filter_requests FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the filter log is append-only: record a new event instead',
        'EXISTS (SELECT 1 FROM filter_requests WHERE id = ($1).id)');
CREATE TRIGGER filter_events_no_change BEFORE UPDATE OR DELETE ON filter_events FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('the filter log is append-only: record a new event instead');
CREATE TRIGGER filter_events_no_truncate BEFORE TRUNCATE ON filter_events FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('the filter log is append-only: record a new event instead');
CREATE TRIGGER filter_events_no_replace BEFORE INSERT ON filter_events FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the filter log is append-only: record a new event instead',
        'EXISTS (SELECT 1 FROM filter_events WHERE id = ($1).id)
         OR (($1).event = ''decision'' AND EXISTS (SELECT 1 FROM filter_events
             WHERE request_id = ($1).request_id AND role = ($1).role AND event = ''decision''))');
CREATE TRIGGER filter_events_not_in_closed_review BEFORE INSERT ON filter_events FOR EACH ROW
    WHEN (NEW.review_id IS NOT NULL)
    EXECUTE FUNCTION schooltech_refuse_when('this review is closed: start a new review',
        'EXISTS (SELECT 1 FROM filter_review_closes WHERE review_id = ($1).review_id)');
CREATE TRIGGER filter_reviews_no_change BEFORE UPDATE OR DELETE ON filter_reviews FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('the filter log is append-only: record a new event instead');
CREATE TRIGGER filter_reviews_no_truncate BEFORE TRUNCATE ON filter_reviews FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('the filter log is append-only: record a new event instead');
CREATE TRIGGER filter_reviews_one_open BEFORE INSERT ON filter_reviews FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('a review is already open: close it before starting another',
        'EXISTS (SELECT 1 FROM filter_reviews WHERE id = ($1).id)
         OR EXISTS (SELECT 1 FROM filter_reviews r
             WHERE NOT EXISTS (SELECT 1 FROM filter_review_closes c WHERE c.review_id = r.id))');
CREATE TRIGGER filter_review_closes_no_change BEFORE UPDATE OR DELETE ON filter_review_closes FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('the filter log is append-only: record a new event instead');
CREATE TRIGGER filter_review_closes_no_truncate BEFORE TRUNCATE ON filter_review_closes FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('the filter log is append-only: record a new event instead');
CREATE TRIGGER filter_review_closes_no_replace BEFORE INSERT ON filter_review_closes FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('this review is closed: start a new review',
        'EXISTS (SELECT 1 FROM filter_review_closes WHERE review_id = ($1).review_id)');

-- The inventory.
CREATE TABLE assets (
    id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tag           text COLLATE nocase NOT NULL UNIQUE,
    serial        text COLLATE nocase,
    category      text NOT NULL CHECK (category IN ('laptop','desktop','tablet','phone','printer','network','server','display','storage','other')),
    manufacturer  text COLLATE nocase NOT NULL DEFAULT '',
    model         text NOT NULL DEFAULT '',
    data_bearing  bigint NOT NULL CHECK (data_bearing IN (0, 1)),
    site          text NOT NULL DEFAULT '',
    room          text NOT NULL DEFAULT '',
    status        text NOT NULL CHECK (status IN ('in-stock','deployed','on-loan','in-repair','lost','retired','disposed')),
    purchase_date text,
    price_pence   bigint CHECK (price_pence >= 0),
    supplier      text NOT NULL DEFAULT '',
    warranty_end  text,
    funding       text NOT NULL DEFAULT '',
    encrypted     text NOT NULL DEFAULT 'unknown' CHECK (encrypted IN ('yes','no','unknown')),
    last_audited  text,
    notes         text NOT NULL DEFAULT '',
    search        text NOT NULL DEFAULT '',
    created_at    text NOT NULL,
    updated_at    text NOT NULL
);
CREATE UNIQUE INDEX assets_serial ON assets(manufacturer, serial) WHERE serial IS NOT NULL;
CREATE TABLE asset_history (
    id        bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    asset_id  bigint NOT NULL REFERENCES assets(id),
    at        text NOT NULL,
    operator  text NOT NULL,
    field     text NOT NULL,
    old       text,
    new       text,
    note      text NOT NULL DEFAULT ''
);
CREATE INDEX asset_history_asset ON asset_history(asset_id);
CREATE TABLE loans (
    id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    asset_id      bigint NOT NULL REFERENCES assets(id),
    borrower_kind text NOT NULL CHECK (borrower_kind IN ('user', 'location')),
    borrower      text COLLATE nocase NOT NULL,
    borrower_name text NOT NULL DEFAULT '',
    issued_at     text NOT NULL,
    issued_by     text NOT NULL,
    due           text,
    notes         text NOT NULL DEFAULT '',
    returned_at   text,
    returned_by   text,
    condition     text NOT NULL DEFAULT '',
    CHECK ((returned_at IS NULL) = (returned_by IS NULL))
);
CREATE UNIQUE INDEX loans_one_open ON loans(asset_id) WHERE returned_at IS NULL;
CREATE INDEX loans_borrower ON loans(borrower) WHERE returned_at IS NULL;
CREATE TABLE software (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    title      text COLLATE nocase NOT NULL UNIQUE,
    publisher  text NOT NULL DEFAULT '',
    licence    text NOT NULL CHECK (licence IN ('per-seat', 'per-device', 'site', 'subscription')),
    seats      bigint CHECK (seats >= 0),
    expires    text,
    cost_pence bigint CHECK (cost_pence >= 0),
    notes      text NOT NULL DEFAULT '',
    created_at text NOT NULL
);
CREATE TABLE software_installs (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    software_id bigint NOT NULL REFERENCES software(id),
    asset_id    bigint REFERENCES assets(id),
    username    text COLLATE nocase,
    at          text NOT NULL,
    operator    text NOT NULL,
    CHECK ((asset_id IS NULL) <> (username IS NULL))
);
CREATE UNIQUE INDEX software_installs_asset ON software_installs(software_id, asset_id) WHERE asset_id IS NOT NULL;
CREATE UNIQUE INDEX software_installs_user ON software_installs(software_id, username) WHERE username IS NOT NULL;
CREATE TABLE audit_rounds (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name       text COLLATE nocase NOT NULL UNIQUE,
    started_at text NOT NULL,
    started_by text NOT NULL,
    closed_at  text,
    closed_by  text,
    CHECK ((closed_at IS NULL) = (closed_by IS NULL))
);
CREATE UNIQUE INDEX audit_rounds_one_open ON audit_rounds((closed_at IS NULL)) WHERE closed_at IS NULL;
CREATE TABLE audit_scans (
    id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    round_id bigint NOT NULL REFERENCES audit_rounds(id),
    at       text NOT NULL,
    operator text NOT NULL,
    tag      text NOT NULL,
    asset_id bigint REFERENCES assets(id),
    room     text NOT NULL DEFAULT '',
    outcome  text NOT NULL CHECK (outcome IN ('seen', 'moved', 'unknown', 'already'))
);
CREATE INDEX audit_scans_asset ON audit_scans(round_id, asset_id);
CREATE TABLE disposal_batches (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name             text COLLATE nocase NOT NULL UNIQUE,
    carrier          text NOT NULL,
    carrier_reg      text NOT NULL CHECK (carrier_reg COLLATE "C" ~ '^CBD[UL][0-9]+$'),
    collected_on     text,
    transfer_note    text NOT NULL DEFAULT '',
    consignment_note text NOT NULL DEFAULT '',
    notes            text NOT NULL DEFAULT '',
    created_at       text NOT NULL,
    created_by       text NOT NULL,
    closed_at        text,
    closed_by        text,
    signed_off_by    text,
    CHECK ((closed_at IS NULL) = (closed_by IS NULL) AND (closed_at IS NULL) = (signed_off_by IS NULL))
);
CREATE TABLE disposal_items (
    id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    batch_id   bigint NOT NULL REFERENCES disposal_batches(id),
    asset_id   bigint NOT NULL UNIQUE REFERENCES assets(id),
    waste_code text NOT NULL,
    added_at   text NOT NULL,
    added_by   text NOT NULL
);
CREATE INDEX disposal_items_batch ON disposal_items(batch_id);
CREATE TABLE disposal_sanitisation (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    item_id     bigint NOT NULL UNIQUE REFERENCES disposal_items(id),
    method      text NOT NULL CHECK (method IN ('clear', 'purge', 'destroy', 'carrier-shredded')),
    certificate text NOT NULL CHECK (certificate <> ''),
    verified_by text NOT NULL CHECK (verified_by <> ''),
    done_on     text,
    recorded_at text NOT NULL,
    recorded_by text NOT NULL
);
CREATE TRIGGER assets_disposed_final BEFORE UPDATE ON assets FOR EACH ROW
    WHEN (OLD.status = 'disposed')
    EXECUTE FUNCTION schooltech_refuse('a disposed asset is final and cannot be changed');
CREATE TRIGGER assets_no_delete_disposed BEFORE DELETE ON assets FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('an asset in a disposal batch cannot be deleted',
        '($2).status = ''disposed'' OR EXISTS (SELECT 1 FROM disposal_items WHERE asset_id = ($2).id)');
CREATE TRIGGER assets_no_truncate BEFORE TRUNCATE ON assets FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('an asset in a disposal batch cannot be deleted');
CREATE TRIGGER asset_history_no_change BEFORE UPDATE OR DELETE ON asset_history FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('asset history is append-only');
CREATE TRIGGER asset_history_no_truncate BEFORE TRUNCATE ON asset_history FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('asset history is append-only');
CREATE TRIGGER loans_returned_final BEFORE UPDATE ON loans FOR EACH ROW
    WHEN (OLD.returned_at IS NOT NULL
       OR NEW.asset_id IS DISTINCT FROM OLD.asset_id OR NEW.borrower_kind IS DISTINCT FROM OLD.borrower_kind
       OR NEW.borrower IS DISTINCT FROM OLD.borrower OR NEW.issued_at IS DISTINCT FROM OLD.issued_at
       OR NEW.issued_by IS DISTINCT FROM OLD.issued_by)
    EXECUTE FUNCTION schooltech_refuse('a loan record is kept as it was issued; only its return is written');
CREATE TRIGGER loans_no_delete BEFORE DELETE ON loans FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('loan records are kept');
CREATE TRIGGER loans_no_truncate BEFORE TRUNCATE ON loans FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('loan records are kept');
CREATE TRIGGER audit_rounds_closed_final BEFORE UPDATE ON audit_rounds FOR EACH ROW
    WHEN (OLD.closed_at IS NOT NULL)
    EXECUTE FUNCTION schooltech_refuse('a closed audit round is kept as it is');
CREATE TRIGGER audit_rounds_no_delete BEFORE DELETE ON audit_rounds FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('audit rounds are kept');
CREATE TRIGGER audit_rounds_no_truncate BEFORE TRUNCATE ON audit_rounds FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('audit rounds are kept');
CREATE TRIGGER audit_scans_no_change BEFORE UPDATE OR DELETE ON audit_scans FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('audit scans are append-only');
CREATE TRIGGER audit_scans_no_truncate BEFORE TRUNCATE ON audit_scans FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('audit scans are append-only');
CREATE TRIGGER audit_scans_round_open BEFORE INSERT ON audit_scans FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the audit round is closed; start a new one',
        '(SELECT closed_at FROM audit_rounds WHERE id = ($1).round_id) IS NOT NULL');
CREATE TRIGGER disposal_batches_closed_final BEFORE UPDATE ON disposal_batches FOR EACH ROW
    WHEN (OLD.closed_at IS NOT NULL)
    EXECUTE FUNCTION schooltech_refuse('the disposal batch is closed; its record cannot be changed');
CREATE TRIGGER disposal_batches_no_delete BEFORE DELETE ON disposal_batches FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('disposal batches are kept');
CREATE TRIGGER disposal_batches_no_truncate BEFORE TRUNCATE ON disposal_batches FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('disposal batches are kept');
CREATE TRIGGER disposal_items_insert_closed BEFORE INSERT ON disposal_items FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the disposal batch is closed; its items cannot be changed',
        '(SELECT closed_at FROM disposal_batches WHERE id = ($1).batch_id) IS NOT NULL');
CREATE TRIGGER disposal_items_update_closed BEFORE UPDATE ON disposal_items FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the disposal batch is closed; its items cannot be changed',
        '(SELECT closed_at FROM disposal_batches WHERE id = ($2).batch_id) IS NOT NULL
         OR (SELECT closed_at FROM disposal_batches WHERE id = ($1).batch_id) IS NOT NULL');
CREATE TRIGGER disposal_items_delete_closed BEFORE DELETE ON disposal_items FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the disposal batch is closed; its items cannot be changed',
        '(SELECT closed_at FROM disposal_batches WHERE id = ($2).batch_id) IS NOT NULL');
CREATE TRIGGER disposal_items_no_truncate BEFORE TRUNCATE ON disposal_items FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('the disposal batch is closed; its items cannot be changed');
CREATE TRIGGER disposal_items_not_on_loan BEFORE INSERT ON disposal_items FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the asset is on loan; return it before adding it to a disposal batch',
        'EXISTS (SELECT 1 FROM loans WHERE asset_id = ($1).asset_id AND returned_at IS NULL)');
CREATE TRIGGER disposal_sanitisation_insert_closed BEFORE INSERT ON disposal_sanitisation FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the disposal batch is closed; its sanitisation records cannot be changed',
        '(SELECT b.closed_at FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id
          WHERE i.id = ($1).item_id) IS NOT NULL');
CREATE TRIGGER disposal_sanitisation_update_closed BEFORE UPDATE ON disposal_sanitisation FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the disposal batch is closed; its sanitisation records cannot be changed',
        '(SELECT b.closed_at FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id
          WHERE i.id = ($2).item_id) IS NOT NULL');
CREATE TRIGGER disposal_sanitisation_delete_closed BEFORE DELETE ON disposal_sanitisation FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('the disposal batch is closed; its sanitisation records cannot be changed',
        '(SELECT b.closed_at FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id
          WHERE i.id = ($2).item_id) IS NOT NULL');
CREATE TRIGGER disposal_sanitisation_no_truncate BEFORE TRUNCATE ON disposal_sanitisation FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('the disposal batch is closed; its sanitisation records cannot be changed');

-- Acceptable use.
CREATE TABLE aup_signatures (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    recorded_at text NOT NULL,
    operator    text NOT NULL,
    username    text NOT NULL,
    mis_id      text,
    agreement   text NOT NULL,
    version     text NOT NULL,
    signed_on   text NOT NULL CHECK (signed_on COLLATE "C" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    signed_by   text NOT NULL,
    how         text NOT NULL CHECK (how IN ('paper', 'form', 'email')),
    reference   text NOT NULL DEFAULT '',
    UNIQUE (username, agreement, version, signed_on)
);
CREATE INDEX aup_signatures_user ON aup_signatures(username);
CREATE TRIGGER aup_signatures_no_change BEFORE UPDATE OR DELETE ON aup_signatures FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('acceptable use signatures are append-only');
CREATE TRIGGER aup_signatures_no_truncate BEFORE TRUNCATE ON aup_signatures FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('acceptable use signatures are append-only');
CREATE TRIGGER aup_signatures_no_replace BEFORE INSERT ON aup_signatures FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('acceptable use signatures are append-only',
        '(($1).id <= (SELECT max(id) FROM aup_signatures))
         OR EXISTS (SELECT 1 FROM aup_signatures WHERE username = ($1).username
             AND agreement = ($1).agreement AND version = ($1).version AND signed_on = ($1).signed_on)');
CREATE TABLE aup_versions (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    agreement    text NOT NULL,
    version      text NOT NULL,
    published_at text NOT NULL,
    operator     text NOT NULL,
    UNIQUE (agreement, version)
);
CREATE TRIGGER aup_versions_no_change BEFORE UPDATE OR DELETE ON aup_versions FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('published agreement versions are append-only');
CREATE TRIGGER aup_versions_no_truncate BEFORE TRUNCATE ON aup_versions FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('published agreement versions are append-only');
CREATE TRIGGER aup_versions_no_replace BEFORE INSERT ON aup_versions FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('published agreement versions are append-only',
        '(($1).id <= (SELECT max(id) FROM aup_versions))
         OR EXISTS (SELECT 1 FROM aup_versions WHERE agreement = ($1).agreement AND version = ($1).version)');

-- Leaver-day sweeps.
CREATE TABLE sweep_runs (
    run_id      text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('suspend', 'purge')),
    created_at  text NOT NULL,
    operator    text NOT NULL,
    source      text NOT NULL,
    as_of       text,
    steps       bigint NOT NULL,
    lock_pid    bigint,
    open        bigint UNIQUE CHECK (open IS NULL OR open = 1),
    finished_at text,
    CHECK ((open IS NULL) = (finished_at IS NOT NULL))
);
CREATE TRIGGER sweep_runs_closed BEFORE UPDATE ON sweep_runs FOR EACH ROW
    WHEN (OLD.finished_at IS NOT NULL)
    EXECUTE FUNCTION schooltech_refuse('a finished sweep run cannot change');
CREATE TRIGGER sweep_runs_no_delete BEFORE DELETE ON sweep_runs FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('sweep runs are never deleted');
CREATE TRIGGER sweep_runs_no_truncate BEFORE TRUNCATE ON sweep_runs FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('sweep runs are never deleted');
CREATE TRIGGER sweep_runs_no_replace BEFORE INSERT ON sweep_runs FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('sweep runs are never deleted or replaced',
        'EXISTS (SELECT 1 FROM sweep_runs r
             WHERE r.run_id = ($1).run_id OR (($1).open IS NOT NULL AND r.open = ($1).open))');
CREATE TABLE leaver_records (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id       text NOT NULL REFERENCES sweep_runs(run_id),
    username     text NOT NULL,
    name         text,
    role         text,
    mis_id       text,
    dn           text NOT NULL,
    groups       text NOT NULL,
    description  text,
    enabled      bigint NOT NULL,
    leaving_date text,
    reason       text NOT NULL,
    suspended_on text NOT NULL,
    object_id    text
);
CREATE INDEX leaver_records_user ON leaver_records(username COLLATE nocase);
CREATE TRIGGER leaver_records_no_update BEFORE UPDATE ON leaver_records FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('leaver records never change');
CREATE TRIGGER leaver_records_no_delete BEFORE DELETE ON leaver_records FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('leaver records are never deleted');
CREATE TRIGGER leaver_records_no_truncate BEFORE TRUNCATE ON leaver_records FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('leaver records are never deleted');
CREATE TRIGGER leaver_records_no_replace BEFORE INSERT ON leaver_records FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('leaver records never change',
        'EXISTS (SELECT 1 FROM leaver_records WHERE id = ($1).id)');
CREATE TABLE leaver_record_events (
    id        bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    record_id bigint NOT NULL REFERENCES leaver_records(id),
    event     text NOT NULL CHECK (event IN ('ended')),
    at        text NOT NULL,
    operator  text NOT NULL,
    why       text NOT NULL
);
CREATE INDEX leaver_record_events_record ON leaver_record_events(record_id);
CREATE TRIGGER leaver_record_events_no_update BEFORE UPDATE ON leaver_record_events FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('leaver record events never change');
CREATE TRIGGER leaver_record_events_no_delete BEFORE DELETE ON leaver_record_events FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('leaver record events are never deleted');
CREATE TRIGGER leaver_record_events_no_truncate BEFORE TRUNCATE ON leaver_record_events FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('leaver record events are never deleted');
CREATE TRIGGER leaver_record_events_no_replace BEFORE INSERT ON leaver_record_events FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('leaver record events are never deleted or replaced',
        'EXISTS (SELECT 1 FROM leaver_record_events WHERE id = ($1).id)');

-- `schooltech sync`.
CREATE TABLE sync_runs (
    run_id      text PRIMARY KEY,
    created_at  text NOT NULL,
    operator    text NOT NULL,
    source      text NOT NULL,
    summary     text NOT NULL,
    steps       bigint NOT NULL,
    open        bigint UNIQUE CHECK (open IS NULL OR open = 1),
    lock_pid    bigint,
    finished_at text,
    CHECK ((open IS NULL) = (finished_at IS NOT NULL))
);
CREATE TRIGGER sync_runs_closed BEFORE UPDATE ON sync_runs FOR EACH ROW
    WHEN (OLD.open IS NULL)
    EXECUTE FUNCTION schooltech_refuse('a finished sync run never changes');
CREATE TRIGGER sync_runs_fixed BEFORE UPDATE OF run_id, created_at, operator, source, summary, steps ON sync_runs FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('a sync run''s plan never changes');
CREATE TRIGGER sync_runs_no_delete BEFORE DELETE ON sync_runs FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse('sync runs are never deleted');
CREATE TRIGGER sync_runs_no_truncate BEFORE TRUNCATE ON sync_runs FOR EACH STATEMENT
    EXECUTE FUNCTION schooltech_refuse('sync runs are never deleted');
CREATE TRIGGER sync_runs_no_replace BEFORE INSERT ON sync_runs FOR EACH ROW
    EXECUTE FUNCTION schooltech_refuse_when('sync runs are never deleted or replaced',
        'EXISTS (SELECT 1 FROM sync_runs r
             WHERE r.run_id = ($1).run_id OR (($1).open IS NOT NULL AND r.open = ($1).open))');
CREATE TABLE sync_marks (
    mis_id       text COLLATE nocase PRIMARY KEY,
    username     text NOT NULL,
    first_missed text NOT NULL,
    last_missed  text NOT NULL,
    first_run    text NOT NULL,
    last_run     text NOT NULL
);
"#;

/// Version 2, second part: the refusal that reads other rows runs its SQL in the store's schema.
pub const V2_TRIGGERS: &str = r#"
ALTER FUNCTION schooltech_refuse_when() SET search_path = {schema}, pg_catalog, pg_temp;
"#;

/// The newest schema version this build knows on PostgreSQL.
pub const LATEST: i64 = 2;

/// The highest id the log has ever had (`None`: the head is empty, a new store or a wiped one).
pub const LOG_HEAD: &str = "SELECT max(seq) FROM action_log_head";

/// Tables the school's role may read and append to, never change.
pub const APPEND_ONLY: &[&str] = &[
    "action_log",
    "schooltech_schema",
    "credential_events",
    "filter_requests",
    "filter_reviews",
    "filter_review_closes",
    "filter_events",
    "asset_history",
    "audit_scans",
    "aup_signatures",
    "aup_versions",
    "leaver_records",
    "leaver_record_events",
];

/// Tables the school's role may also update: those whose SQLite triggers allow an update (an
/// entry's outcome, a loan's return, a batch or round until it is closed, a run's lock and
/// close), refused by the same triggers here once the row is final.
pub const UPDATABLE: &[&str] = &[
    "journal",
    "assets",
    "loans",
    "software",
    "software_installs",
    "audit_rounds",
    "disposal_batches",
    "disposal_items",
    "disposal_sanitisation",
    "sweep_runs",
    "sync_runs",
];

/// Tables that are state, not records: the school's role may also delete their rows.
pub const STATE: &[&str] = &["sync_marks"];

/// Tables (and views) the school's role may only read.
pub const READ_ONLY: &[&str] = &["action_log_head", "credentials"];

/// `name` as a role or schema name, when it is a plain lower-case identifier (the only kind
/// schooltech writes into DDL), else a message naming the fix.
pub fn identifier(name: &str, what: &str) -> Result<String, String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(format!("\"{name}\""))
    } else {
        Err(format!(
            "{what} \"{name}\" is not a plain PostgreSQL name; use lower-case letters, digits and _"
        ))
    }
}

/// The DDL of every version after `from`, for the owner role, in `schema`.
pub fn upgrade_sql(from: i64, schema: &str) -> Result<Vec<(i64, String)>, String> {
    let schema = identifier(schema, "the store's schema")?;
    let mut out = Vec::new();
    if from < 1 {
        out.push((
            1,
            format!("{V1}{}", V1_TRIGGERS.replace("{schema}", &schema)),
        ));
    }
    if from < 2 {
        out.push((
            2,
            format!("{V2}{}", V2_TRIGGERS.replace("{schema}", &schema)),
        ));
    }
    Ok(out)
}

/// The grants of the school's login role: read and append on the append-only tables, read on
/// the head, and nothing else (no UPDATE, DELETE or TRUNCATE anywhere, no ownership).
pub fn grants_sql(role: &str, schema: &str) -> Result<String, String> {
    let role = identifier(role, "the school's role")?;
    let schema = identifier(schema, "the store's schema")?;
    let mut sql = format!("GRANT USAGE ON SCHEMA {schema} TO {role};\n");
    for t in APPEND_ONLY {
        sql.push_str(&format!(
            "REVOKE ALL ON {schema}.{t} FROM {role};\nGRANT SELECT, INSERT ON {schema}.{t} TO {role};\n"
        ));
    }
    for t in UPDATABLE {
        sql.push_str(&format!(
            "REVOKE ALL ON {schema}.{t} FROM {role};\nGRANT SELECT, INSERT, UPDATE ON {schema}.{t} TO {role};\n"
        ));
    }
    for t in STATE {
        sql.push_str(&format!(
            "REVOKE ALL ON {schema}.{t} FROM {role};\nGRANT SELECT, INSERT, UPDATE, DELETE ON {schema}.{t} TO {role};\n"
        ));
    }
    for t in READ_ONLY {
        sql.push_str(&format!(
            "REVOKE ALL ON {schema}.{t} FROM {role};\nGRANT SELECT ON {schema}.{t} TO {role};\n"
        ));
    }
    Ok(sql)
}

/// The schema version of the store in `db` (0: no schooltech schema there yet).
pub fn version<D: Db + ?Sized>(db: &D) -> Result<i64, DbError> {
    let exists = db
        .query_one("SELECT to_regclass('schooltech_schema') IS NOT NULL", &[])?
        .map(|r| r.int(0))
        .transpose()?
        == Some(1);
    if !exists {
        return Ok(0);
    }
    Ok(db
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schooltech_schema",
            &[],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

/// Refuses a store whose schema is not the one this build uses, naming the command to run.
pub fn check_version<D: Db + ?Sized>(db: &D) -> Result<i64, DbError> {
    let v = version(db)?;
    if v > LATEST {
        return Err(DbError::new(
            DbErrorKind::Refused,
            format!(
                "the PostgreSQL store is at schema {v}, newer than this schooltech knows \
                 ({LATEST}); upgrade schooltech on this server"
            ),
        ));
    }
    if v < LATEST {
        return Err(DbError::new(
            DbErrorKind::Refused,
            format!(
                "the PostgreSQL store is at schema {v}, older than this schooltech needs \
                 ({LATEST}); run: schooltech store migrate (as the owner role)"
            ),
        ));
    }
    Ok(v)
}

/// Brings the store in `db` (connected as the owner role) to [`LATEST`] in `schema`, each
/// version in one write transaction with its record, and grants `school_role` its rights.
/// Refuses a newer store. Returns the version before and after.
pub fn migrate<D: Db + ?Sized>(
    db: &D,
    schema: &str,
    school_role: Option<&str>,
) -> Result<(i64, i64), DbError> {
    let refused = |m: String| DbError::new(DbErrorKind::Refused, m);
    let before = version(db)?;
    if before > LATEST {
        return Err(refused(format!(
            "the PostgreSQL store is at schema {before}, newer than this schooltech knows \
                 ({LATEST}); upgrade schooltech before migrating"
        )));
    }
    for (v, sql) in upgrade_sql(before, schema).map_err(refused)? {
        write_tx(db, |db| {
            // Another server may have migrated while we waited for the lock.
            if version(db)? >= v {
                return Ok(());
            }
            db.batch(&sql)?;
            db.execute(
                "INSERT INTO schooltech_schema (version) VALUES (?1)",
                &[v.into()],
            )?;
            Ok::<(), DbError>(())
        })?;
    }
    if let Some(role) = school_role {
        let sql = grants_sql(role, schema).map_err(refused)?;
        write_tx(db, |db| db.batch(&sql))?;
    }
    Ok((before, version(db)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_reach_the_ddl() {
        assert_eq!(identifier("school_a1", "r").unwrap(), "\"school_a1\"");
        for bad in ["", "School", "a;drop", "a\"b", "1abc", &"x".repeat(64)] {
            assert!(identifier(bad, "the school's role").is_err(), "{bad}");
        }
    }

    #[test]
    fn the_school_role_is_never_granted_a_change() {
        let g = grants_sql("school_a", "public").unwrap();
        assert!(!g.contains("TRUNCATE"));
        for t in APPEND_ONLY.iter().chain(READ_ONLY) {
            let line = g
                .lines()
                .find(|l| l.starts_with("GRANT") && l.contains(&format!(".{t} TO")))
                .unwrap();
            assert!(
                !line.contains("UPDATE") && !line.contains("DELETE"),
                "{line}"
            );
        }
        assert!(g.contains("GRANT SELECT, INSERT ON \"public\".action_log TO \"school_a\""));
    }

    #[test]
    fn upgrades_start_after_the_version_found() {
        assert_eq!(upgrade_sql(0, "public").unwrap().len(), 2);
        assert_eq!(upgrade_sql(1, "public").unwrap().len(), 1);
        assert!(upgrade_sql(LATEST, "public").unwrap().is_empty());
    }
}
