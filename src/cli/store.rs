//! `schooltech store …`: the store on PostgreSQL (issue 27): make or upgrade its schema as the
//! owner role, and check what a school's server needs of it.

use super::{Cli, ExitCode};
use crate::config::{Config, StoreEngine};
use crate::error::{Error, Result};
use crate::store::engine::postgres::PgDb;
use crate::store::engine::{pg_schema, DbError, Exec};
use clap::Subcommand;
use std::path::PathBuf;

/// Store commands.
#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Make or upgrade the PostgreSQL store's schema to this schooltech's version. Run it once per
    /// upgrade with a config whose [store] url names the owner role (the school's own role has no
    /// right to change the schema); --grant-to gives a school's login role its rights.
    #[command(
        after_help = "Example:\n  schooltech --config /etc/schooltech/owner.toml store migrate --grant-to school_a"
    )]
    Migrate {
        /// The school's login role to grant read and append rights (never update, delete,
        /// truncate or ownership).
        #[arg(long, value_name = "ROLE")]
        grant_to: Option<String>,
        /// The PostgreSQL schema holding the store.
        #[arg(long, default_value = "public")]
        schema: String,
    },
    /// Check the PostgreSQL store: connection, TLS, schema version, the role's rights. Exit 1
    /// when something needs fixing (each line says what).
    #[command(after_help = "Example:\n  schooltech store check")]
    Check,
}

fn pg_error(label: &str, e: DbError) -> Error {
    Error::Store {
        path: PathBuf::from(label),
        detail: e.message,
    }
}

fn connect(cli: &Cli) -> Result<(PgDb, Config)> {
    let (config, _) = Config::load(cli.config.as_deref())?;
    if config.store.engine != StoreEngine::Postgres {
        return Err(Error::Usage(
            "[store] engine is \"sqlite\": the store is the local file named by [store] path; \
             `schooltech store` is for engine = \"postgres\""
                .into(),
        ));
    }
    let settings = config.store.pg_settings()?;
    let label = settings.url.clone();
    let db = PgDb::connect(&settings).map_err(|e| pg_error(&label, e))?;
    Ok((db, config))
}

/// Runs a `store` subcommand.
pub fn run(cli: &Cli, cmd: &StoreCmd) -> Result<ExitCode> {
    match cmd {
        StoreCmd::Migrate { grant_to, schema } => {
            let (mut db, _) = connect(cli)?;
            let label = db.label().to_string();
            let (before, after) = pg_schema::migrate(&mut db, schema, grant_to.as_deref())
                .map_err(|e| pg_error(&label, e))?;
            if before == after {
                outln!("{label}: schema {after}, already current");
            } else {
                outln!("{label}: schema {before} -> {after}");
            }
            if let Some(role) = grant_to {
                outln!("{role}: may read and append; never update, delete, truncate or own");
            }
            Ok(0)
        }
        StoreCmd::Check => {
            let (mut db, config) = connect(cli)?;
            let label = db.label().to_string();
            let mut ok = true;
            let tls = if config.store.ca_cert.is_some() {
                "TLS, certificate verified against [store] ca_cert"
            } else {
                "plain (a server on this machine)"
            };
            outln!("connection: ok, {label}, {tls}");
            match pg_schema::check_version(&mut db) {
                Ok(v) => outln!("schema: {v} (current)"),
                Err(e) => {
                    ok = false;
                    outln!("schema: {}", e.message);
                }
            }
            let q = |db: &mut PgDb, sql: &str| -> Result<i64> {
                db.query_one(sql, &[])
                    .and_then(|r| r.map(|r| r.int(0)).transpose())
                    .map(|v| v.unwrap_or(0))
                    .map_err(|e| pg_error(&label, e))
            };
            let owned = q(
                &mut db,
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) \
                 AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                 AND n.nspname NOT LIKE 'pg_toast%'",
            )?;
            if owned > 0 {
                ok = false;
                outln!(
                    "role: owns {owned} tables or indexes; a school's server must log in as a role \
                     that owns none (set [store] url to the school's role)"
                );
            } else {
                outln!("role: owns nothing");
            }
            for t in pg_schema::APPEND_ONLY.iter().chain(pg_schema::READ_ONLY) {
                let exists = q(
                    &mut db,
                    &format!("SELECT count(*) FROM pg_class WHERE relname = '{t}'"),
                )?;
                if exists == 0 {
                    continue;
                }
                let changes = q(
                    &mut db,
                    &format!(
                        "SELECT (has_table_privilege('{t}', 'UPDATE') \
                         OR has_table_privilege('{t}', 'DELETE') \
                         OR has_table_privilege('{t}', 'TRUNCATE'))::int"
                    ),
                )?;
                if changes != 0 {
                    ok = false;
                    outln!(
                        "grants: {t} may be changed by this role; run as the owner: schooltech \
                         store migrate --grant-to ROLE (it revokes every other right)"
                    );
                }
            }
            if ok {
                outln!("grants: no update, delete or truncate on append-only tables");
            }
            Ok(if ok { 0 } else { 1 })
        }
    }
}
