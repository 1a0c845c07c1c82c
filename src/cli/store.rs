//! `schooltech store …`: the store on PostgreSQL (issue 27): make or upgrade its schema as the
//! owner role, and check what a school's server needs of it.

use super::{Cli, ExitCode};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::pg_store;
use clap::Subcommand;

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
    /// Copy a school's SQLite store into the PostgreSQL store, verbatim and in one transaction
    /// (ids, hashes and times kept, so `log verify` and old anchors still verify), then record
    /// `store.migrated`. The target must be empty and migrated; run it with the owner role's
    /// config. The directory mirror is not copied (it stays local). --dry-run counts the rows.
    #[command(
        after_help = "Example:\n  schooltech --config /etc/schooltech/owner.toml store copy \\\n      --from sqlite:/var/lib/schooltech/store.db --to postgres"
    )]
    Copy {
        /// The old store: sqlite:PATH (read only, never changed).
        #[arg(long, value_name = "sqlite:PATH")]
        from: String,
        /// `postgres` (the store of [store] in the configuration) or postgres://ROLE@HOST:PORT/DB.
        #[arg(long, value_name = "postgres|URL", default_value = "postgres")]
        to: String,
    },
}

/// Runs a `store` subcommand.
pub fn run(cli: &Cli, cmd: &StoreCmd) -> Result<ExitCode> {
    if cli.as_of.is_some() && matches!(cmd, StoreCmd::Migrate { .. }) {
        return Err(Error::Usage(crate::ops::as_of_refusal("store migrate")));
    }
    if cli.as_of.is_some() && matches!(cmd, StoreCmd::Copy { .. }) {
        return Err(Error::Usage(crate::ops::as_of_refusal("store copy")));
    }
    if cli.dry_run && matches!(cmd, StoreCmd::Migrate { .. }) {
        return Err(Error::DryRun(
            "it stopped before `store migrate` changed the schema".into(),
        ));
    }
    let (config, _) = Config::load(cli.config.as_deref())?;
    match cmd {
        StoreCmd::Migrate { grant_to, schema } => {
            let m = pg_store::migrate(&config, schema, grant_to.as_deref())?;
            if m.before == m.after {
                outln!("{}: schema {}, already current", m.label, m.after);
            } else {
                outln!("{}: schema {} -> {}", m.label, m.before, m.after);
            }
            if let Some(role) = grant_to {
                outln!("{role}: may read and append; never update, delete, truncate or own");
            }
            Ok(0)
        }
        StoreCmd::Check => {
            let found = pg_store::check(&config)?;
            for c in &found {
                if c.ok {
                    outln!("ok    {}: {}", c.name, c.detail);
                } else {
                    outln!("FAIL  {}: {} ({})", c.name, c.detail, c.fix);
                }
            }
            Ok(if found.iter().all(|c| c.ok) { 0 } else { 1 })
        }
        StoreCmd::Copy { from, to } => {
            let Some(path) = from.strip_prefix("sqlite:").filter(|p| !p.is_empty()) else {
                return Err(Error::Usage(format!(
                    "--from {from}: name the old store as sqlite:PATH, for example \
                     --from sqlite:/var/lib/schooltech/store.db"
                )));
            };
            let to_url = match to.as_str() {
                "postgres" => None,
                u if u.starts_with("postgres://") || u.starts_with("postgresql://") => Some(u),
                other => {
                    return Err(Error::Usage(format!(
                        "--to {other}: give postgres (the store of [store] in the configuration) \
                         or postgres://ROLE@HOST:PORT/DATABASE"
                    )))
                }
            };
            let mut progress = |line: &str| errln!("{line}");
            let r = match pg_store::copy(
                &config,
                std::path::Path::new(path),
                to_url,
                cli.dry_run,
                &mut progress,
            ) {
                Ok(r) => r,
                // A dry run that meets a refusal is a refused preview (exit 1), as every other
                // changing command's dry run; nothing was written either way.
                Err(e) if cli.dry_run => {
                    errln!("dry run: nothing was changed; the copy would be refused: {e}");
                    return Ok(1);
                }
                Err(e) => return Err(e),
            };
            let verb = if cli.dry_run { "would copy" } else { "copied" };
            for (table, n) in &r.counts {
                outln!("{table:<24} {n:>9}");
            }
            outln!(
                "{verb} {} row(s) from sqlite:{} to {}",
                r.total(),
                r.from.display(),
                r.to
            );
            match r.logged {
                Some(id) => {
                    outln!("recorded store.migrated as log row {id}; run: schooltech log verify")
                }
                None => outln!("dry run: nothing was written"),
            }
            Ok(0)
        }
    }
}
