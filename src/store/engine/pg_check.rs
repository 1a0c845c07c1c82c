//! What `schooltech store check` and `doctor` ask of a PostgreSQL store: the connection (and
//! TLS), the schema version, and that the role this server logs in as owns nothing and cannot
//! change an append-only table.

use super::postgres::{PgDb, PgSettings};
use super::{pg_schema, DbError, Exec};

/// One finding: its name, whether it is right, what was seen, and the fix when it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgCheck {
    /// `store connection`, `store schema`, `store role`, `store grants`.
    pub name: &'static str,
    /// True when nothing needs doing.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// What to do when it is not right (empty when it is).
    pub fix: String,
}

fn pass(name: &'static str, detail: String) -> PgCheck {
    PgCheck {
        name,
        ok: true,
        detail,
        fix: String::new(),
    }
}

fn fail(name: &'static str, detail: String, fix: &str) -> PgCheck {
    PgCheck {
        name,
        ok: false,
        detail,
        fix: fix.to_string(),
    }
}

fn int(db: &PgDb, sql: &str) -> Result<i64, DbError> {
    Ok(db
        .query_one(sql, &[])?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0))
}

/// Connects with `settings` and checks the store; a connection that fails is one finding.
pub fn check(settings: &PgSettings) -> Vec<PgCheck> {
    let db = match PgDb::connect(settings) {
        Ok(db) => db,
        Err(e) => {
            return vec![fail(
                "store connection",
                e.message,
                "check [store] url, password_file and ca_cert, and that PostgreSQL is running",
            )]
        }
    };
    let tls = if settings.ca_cert.is_some() {
        "TLS, the certificate verified against [store] ca_cert"
    } else {
        "plain (the server is on this machine)"
    };
    let mut out = vec![pass("store connection", format!("{}, {tls}", db.label()))];
    out.push(match pg_schema::check_version(&db) {
        Ok(v) => pass("store schema", format!("version {v}, current")),
        Err(e) => fail(
            "store schema",
            e.message,
            "run the command named, with the owner role's config",
        ),
    });
    match roles(&db) {
        Ok(mut found) => out.append(&mut found),
        Err(e) => out.push(fail(
            "store role",
            e.message,
            "check the role's rights on the store's tables",
        )),
    }
    out
}

fn roles(db: &PgDb) -> Result<Vec<PgCheck>, DbError> {
    let mut out = Vec::new();
    let owned = int(
        db,
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) \
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND n.nspname NOT LIKE 'pg_toast%'",
    )?;
    out.push(if owned == 0 {
        pass("store role", "owns nothing".into())
    } else {
        fail(
            "store role",
            format!("the role this server logs in as owns {owned} tables or indexes"),
            "log in as the school's own role (set [store] url); the owner role is for `store migrate` only",
        )
    });
    let mut changeable = Vec::new();
    for t in pg_schema::APPEND_ONLY.iter().chain(pg_schema::READ_ONLY) {
        if int(
            db,
            &format!("SELECT count(*) FROM pg_class WHERE relname = '{t}'"),
        )? == 0
        {
            continue;
        }
        let can = int(
            db,
            &format!(
                "SELECT (has_table_privilege('{t}', 'UPDATE') OR has_table_privilege('{t}', 'DELETE') \
                 OR has_table_privilege('{t}', 'TRUNCATE'))::int"
            ),
        )?;
        if can != 0 {
            changeable.push(*t);
        }
    }
    out.push(if changeable.is_empty() {
        pass(
            "store grants",
            "no update, delete or truncate on append-only tables".into(),
        )
    } else {
        fail(
            "store grants",
            format!("this role may change {}", changeable.join(", ")),
            "as the owner: schooltech store migrate --grant-to ROLE (it revokes every other right)",
        )
    });
    Ok(out)
}
