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
//! - The school's login role is granted SELECT and INSERT on these tables only, never UPDATE,
//!   DELETE or TRUNCATE, and owns nothing: `store migrate` runs as the owner role.
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

/// The newest schema version this build knows on PostgreSQL.
pub const LATEST: i64 = 1;

/// The highest id the log has ever had (`None`: the head is empty, a new store or a wiped one).
pub const LOG_HEAD: &str = "SELECT max(seq) FROM action_log_head";

/// Tables the school's role may read and append to, never change.
pub const APPEND_ONLY: &[&str] = &["action_log", "schooltech_schema"];

/// Tables the school's role may only read.
pub const READ_ONLY: &[&str] = &["action_log_head"];

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
        assert!(!g.contains("UPDATE") && !g.contains("DELETE") && !g.contains("TRUNCATE"));
        assert!(g.contains("GRANT SELECT, INSERT ON \"public\".action_log TO \"school_a\""));
    }

    #[test]
    fn upgrades_start_after_the_version_found() {
        assert_eq!(upgrade_sql(0, "public").unwrap().len(), 1);
        assert!(upgrade_sql(LATEST, "public").unwrap().is_empty());
    }
}
