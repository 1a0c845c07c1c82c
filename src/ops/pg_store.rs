//! The store on PostgreSQL for the faces (issue 27): `schooltech store migrate` and
//! `store check` go through here, as every face's use of the store goes through ops.

use crate::config::{Config, StoreEngine};
use crate::error::{Error, Result};
use crate::store::engine::pg_schema;
use crate::store::engine::postgres::PgDb;
use std::path::PathBuf;

pub use crate::store::engine::pg_check::PgCheck;

fn not_postgres() -> Error {
    Error::Usage(
        "[store] engine is \"sqlite\": the store is the local file named by [store] path; \
         `schooltech store` is for engine = \"postgres\""
            .into(),
    )
}

fn store_error(label: &str, detail: String) -> Error {
    Error::Store {
        path: PathBuf::from(label),
        detail,
    }
}

/// What `migrate` did: the store's address and the schema version before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// `postgres://HOST:PORT/DB`.
    pub label: String,
    /// The version found.
    pub before: i64,
    /// The version now.
    pub after: i64,
}

/// Brings the PostgreSQL store named by `config` to this build's schema (as the owner role) and,
/// with `grant_to`, gives that school role read and append rights only.
pub fn migrate(config: &Config, schema: &str, grant_to: Option<&str>) -> Result<Migrated> {
    if config.store.engine != StoreEngine::Postgres {
        return Err(not_postgres());
    }
    let settings = config.store.pg_settings()?;
    let db = PgDb::connect(&settings).map_err(|e| store_error(&settings.url, e.message))?;
    let label = db.label().to_string();
    let (before, after) =
        pg_schema::migrate(&db, schema, grant_to).map_err(|e| store_error(&label, e.message))?;
    Ok(Migrated {
        label,
        before,
        after,
    })
}

/// The findings of `store check` and `doctor` for the PostgreSQL store named by `config`.
pub fn check(config: &Config) -> Result<Vec<PgCheck>> {
    if config.store.engine != StoreEngine::Postgres {
        return Err(not_postgres());
    }
    Ok(crate::store::engine::pg_check::check(
        &config.store.pg_settings()?,
    ))
}

pub use crate::store::copy::CopyReport;

/// `store copy`: copies the SQLite store at `from` into the PostgreSQL store of `config` (or the
/// one at `to_url`, with the config's password_file and ca_cert), which must be empty and at this
/// build's schema; `dry_run` only checks both and counts. `progress` hears each table as it goes.
pub fn copy(
    config: &Config,
    from: &std::path::Path,
    to_url: Option<&str>,
    dry_run: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<CopyReport> {
    let mut store_cfg = config.store.clone();
    match to_url {
        Some(url) => store_cfg.url = Some(url.to_string()),
        None if config.store.engine != StoreEngine::Postgres => {
            return Err(Error::Usage(
                "--to postgres copies into the PostgreSQL store of the configuration, but its \
                 [store] engine is \"sqlite\"; set engine = \"postgres\" and url (the owner \
                 role), or give --to postgres://ROLE@HOST:PORT/DATABASE"
                    .into(),
            ))
        }
        None => {}
    }
    // The source is checked before the target is opened: the local file of the target (the
    // mirror) may be the old store itself, and must not be touched if the copy is refused.
    drop(crate::store::copy::open_source(from)?);
    let settings = store_cfg.pg_settings()?;
    let store = crate::store::Store::open_postgres(&settings, &config.store.path)?;
    if dry_run {
        store.plan_copy_from_sqlite(from)
    } else {
        store.copy_from_sqlite(from, progress)
    }
}
