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
