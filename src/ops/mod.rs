//! Services: what the CLI and the TUI both call. Each composes the directory, the store and
//! the domain rules: read state, decide (domain), journal intent, change, log the action.

pub mod accounts;
pub mod actions;
pub mod aup;
pub mod aup_sheets;
pub mod compliance;
pub mod creds;
pub mod csv_reader;
pub mod csv_writer;
pub mod doctor;
pub mod files;
pub mod filter;
mod filter_demo;
pub mod import;
pub mod inventory;
pub mod leavers;
pub mod log;
pub mod mirror;
pub mod passwords;
pub mod preview;
pub mod protect;
pub mod report;
pub mod settle;

/// What a search of the directory gives (accounts and how many entries were skipped), for the
/// faces: they take it from here, not from `directory`.
pub use crate::directory::Listing;
/// The password wrapper, for the faces (it lives in the domain).
pub use crate::domain::secret::Secret;

use crate::clock::Clock;
use crate::config::Config;
use crate::directory::{self, Directory};
use crate::domain::time::end_of_day;
use crate::error::Result;
use crate::store::operator;
use chrono::{DateTime, NaiveDate, Utc};
use std::path::PathBuf;
use std::sync::Arc;

/// Everything a service needs: configuration, the directory, where the store is, and the
/// date time rules are judged at.
pub struct Ctx {
    /// The configuration in force.
    pub config: Config,
    /// Where the configuration came from (None for the demo).
    pub config_path: Option<PathBuf>,
    /// The directory.
    pub dir: Arc<dyn Directory>,
    /// `--as-of`: judge time rules as if it were the end of this day (reports and dry runs).
    pub as_of: Option<NaiveDate>,
    /// Who is running the program: the real user (see [`crate::store::operator`]).
    pub operator: String,
    /// Where "now" comes from (the machine's clock, or a fixed moment in tests).
    pub clock: Clock,
    /// Readers go through the local mirror plus a delta (`--no-mirror` turns it off).
    pub use_mirror: bool,
    /// Keeps the demo's temporary store alive.
    _demo_dir: Option<tempfile::TempDir>,
}

impl Ctx {
    /// A context for a real directory from a configuration.
    pub fn from_config(
        config: Config,
        config_path: PathBuf,
        as_of: Option<NaiveDate>,
    ) -> Result<Ctx> {
        let password = config.directory.bind_password()?;
        let dir =
            directory::from_config(&config.directory, config.directory.roles.clone(), password)?;
        Ok(Ctx {
            config,
            config_path: Some(config_path),
            dir,
            as_of,
            operator: operator(),
            clock: Clock::System,
            use_mirror: true,
            _demo_dir: None,
        })
    }

    /// A context over a given directory (tests, demo) with a store in `store_path`.
    pub fn with_directory(
        mut config: Config,
        dir: Arc<dyn Directory>,
        store_path: PathBuf,
        as_of: Option<NaiveDate>,
    ) -> Ctx {
        config.store.path = store_path;
        Ctx {
            config,
            config_path: None,
            dir,
            as_of,
            operator: operator(),
            clock: Clock::System,
            use_mirror: false,
            _demo_dir: None,
        }
    }

    /// The built-in demo school with a temporary store (`size` accounts if given).
    pub fn demo(size: Option<usize>, as_of: Option<NaiveDate>) -> Result<Ctx> {
        Self::demo_with_clock(size, as_of, Clock::System)
    }

    /// The demo school as it looks by `clock` (its dates move to the clock's day).
    pub fn demo_with_clock(
        size: Option<usize>,
        as_of: Option<NaiveDate>,
        clock: Clock,
    ) -> Result<Ctx> {
        let tmp = tempfile::Builder::new()
            .prefix("schooltech-demo-")
            .tempdir()
            .map_err(|e| crate::Error::io(std::env::temp_dir(), e))?;
        let mut config = Config::default();
        config.school.name = "Demo Academy".into();
        config.directory.flavour = directory::Flavour::Demo;
        config.directory.base_dn = "DC=demo,DC=school".into();
        config.aup = aup::demo::config();
        config.leavers.ou = "OU=Leavers,OU=School".into();
        config.report = report::demo::config();
        let roles = config.directory.roles.clone();
        let dir: Arc<dyn Directory> = match size {
            Some(n) => Arc::new(directory::demo::DemoDirectory::generated_with_clock(
                n, roles, clock,
            )),
            None => Arc::new(directory::demo::DemoDirectory::bundled_with_clock(
                roles, clock,
            )?),
        };
        let mut ctx = Ctx::with_directory(config, dir, tmp.path().join("schooltech.db"), as_of);
        ctx.clock = clock;
        ctx._demo_dir = Some(tmp);
        inventory::demo::seed(
            &crate::store::Store::open(&ctx.config.store.path)?,
            ctx.now(),
        )?;
        aup::demo::seed(
            &crate::store::Store::open(&ctx.config.store.path)?,
            ctx.now(),
        )?;
        Ok(ctx)
    }

    /// The moment time rules are judged at: the end of the `--as-of` day, else now.
    pub fn now(&self) -> DateTime<Utc> {
        self.as_of
            .map(end_of_day)
            .unwrap_or_else(|| self.clock.now())
    }

    /// The moment by the clock, whatever `--as-of` says (for timestamps of what is done).
    pub fn wall_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Refuses `--as-of` for services that change things.
    pub fn refuse_as_of(&self, what: &str) -> Result<()> {
        if self.as_of.is_some() {
            return Err(crate::Error::Usage(format!(
                "--as-of is for reports and dry runs; {what} changes the directory, so run it without --as-of"
            )));
        }
        Ok(())
    }

    /// True when this is the demo directory.
    pub fn is_demo(&self) -> bool {
        self.dir.flavour() == directory::Flavour::Demo
    }
}
