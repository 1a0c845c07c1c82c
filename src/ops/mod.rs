//! Services: what the CLI and the TUI both call. Each composes the directory, the store and
//! the domain rules: read state, decide (domain), journal intent, change, log the action.

pub mod accounts;
pub mod actions;
pub mod aup;
pub mod aup_sheets;
pub mod change;
pub mod compliance;
pub mod creds;
pub mod csv_reader;
pub mod csv_writer;
pub mod doctor;
pub mod files;
pub mod filter;
mod filter_demo;
pub mod groups;
pub mod identity;
pub mod import;
pub mod inventory;
pub mod leavers;
pub mod log;
pub mod mirror;
pub mod passwords;
pub mod pdf_font;
pub mod pg_store;
pub mod preview;
pub mod protect;
pub mod report;
pub mod runner;
pub mod settle;
pub mod sync;

/// What a search of the directory gives (accounts and how many entries were skipped), for the
/// faces: they take it from here, not from `directory`.
pub use crate::directory::Listing;
/// What the faces show of the directory and the store, named here: the faces depend on `ops`
/// only, never on `directory` or `store` (a test keeps it so).
pub use crate::directory::{discover, Flavour, Group};
/// The password wrapper, for the faces (it lives in the domain).
pub use crate::domain::secret::Secret;
pub use crate::store::aup::Recorded;
pub use crate::store::inventory::{asset_fields, AssetQuery, BatchRow};
pub use crate::store::leavers::{LeaverRecord, SweepRun};
pub use crate::store::mirror::OutsideChange;
pub use crate::store::{ActionEntry, ChainStatus, JournalState, LogFilter};

use crate::clock::Clock;
use crate::config::Config;
use crate::directory::{self, Directory};
use crate::domain::time::end_of_day;
use crate::error::Result;
use crate::store::operator;
use chrono::{DateTime, NaiveDate, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Runs one of the demo's async seeds to the end on a small runtime of its own (the demo
/// directory answers at once; this may be called inside another runtime).
pub fn demo_block_on<'a, F, Fut>(f: F) -> Result<()>
where
    F: FnOnce() -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<()>> + 'a,
{
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| crate::Error::Input(format!("cannot start the demo: {e}")))?;
            rt.block_on(f())
        })
        .join()
        .unwrap_or_else(|_| {
            Err(crate::Error::Input(
                "the demo's seed stopped unexpectedly".into(),
            ))
        })
    })
}

/// The refusal of a change under `--as-of` (a usage error: exit 2), the same words from every
/// face and every guard.
pub fn as_of_refusal(what: &str) -> String {
    format!(
        "--as-of is for reports and dry runs; {what} changes the directory or the store, so run it \
         without --as-of"
    )
}

/// The same refusal, short enough for a status line at 80 columns (the full-screen program).
pub const AS_OF_REFUSAL_SHORT: &str =
    "--as-of is for reports and dry runs; run without it to change";

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
    /// `--dry-run`: the directory and the store refuse every change with
    /// [`crate::Error::DryRun`] ([`Ctx::dry_run`]); commands with a plan show it instead.
    pub dry_run: bool,
    /// True once the directory is wrapped for `--as-of` ([`Ctx::sealed`]).
    sealed: bool,
    /// Keeps the demo's temporary store alive.
    _demo_dir: Option<tempfile::TempDir>,
    /// What settling found and remembers ([`settle::settle_first`], [`Ctx::take_settled`]).
    settle: settle::Memo,
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
            clock: Clock::process(),
            use_mirror: true,
            dry_run: false,
            sealed: false,
            _demo_dir: None,
            settle: settle::Memo::default(),
        }
        .sealed())
    }

    /// A context over a given directory (tests, demo) with a store in `store_path`.
    pub fn with_directory(
        config: Config,
        dir: Arc<dyn Directory>,
        store_path: PathBuf,
        as_of: Option<NaiveDate>,
    ) -> Ctx {
        Self::unsealed(config, dir, store_path, as_of).sealed()
    }

    /// Under `--as-of`, the directory refuses every change ([`directory::read_only`]); the
    /// store does the same by itself ([`Ctx::store`]). Every context is sealed before a
    /// command sees it; only the demo's seeds run before.
    pub fn sealed(mut self) -> Ctx {
        if self.as_of.is_some() && !self.sealed {
            self.dir =
                directory::read_only::ReadOnly::wrap(self.dir, as_of_refusal("this command"));
            self.sealed = true;
        }
        self
    }

    /// `--dry-run`: from now on every change to the directory ([`directory::read_only`]) or
    /// the store stops the command with [`crate::Error::DryRun`] (exit 0) before it is made,
    /// whatever guard above was forgotten; [`Ctx::refuse_as_of`] stops there too.
    pub fn dry_run(mut self) -> Ctx {
        if !self.dry_run {
            self.dir = directory::read_only::ReadOnly::wrap_dry_run(self.dir);
            self.dry_run = true;
        }
        self
    }

    fn unsealed(
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
            dry_run: false,
            sealed: false,
            _demo_dir: None,
            settle: settle::Memo::default(),
        }
    }

    /// The built-in demo school with a temporary store (`size` accounts if given).
    pub fn demo(size: Option<usize>, as_of: Option<NaiveDate>) -> Result<Ctx> {
        Self::demo_with_clock(size, as_of, Clock::process())
    }

    /// The demo school as it looks by `clock` (its dates move to the clock's day).
    pub fn demo_with_clock(
        size: Option<usize>,
        as_of: Option<NaiveDate>,
        clock: Clock,
    ) -> Result<Ctx> {
        Ok(Self::demo_unsealed(size, as_of, clock)?.sealed())
    }

    /// The demo school before [`Ctx::sealed`]: its seeds may still write (the command line
    /// seeds the rest of the demo school, then seals it).
    pub fn demo_unsealed(
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
        // The demo writes nothing outside its own temporary folder: handouts go there too.
        config.accounts.handout_dir = Some(tmp.path().join("handouts"));
        config.directory.flavour = directory::Flavour::Demo;
        config.directory.base_dn = "DC=demo,DC=school".into();
        config.aup = aup::demo::config();
        config.leavers.ou = "OU=Leavers,OU=School".into();
        config.leavers.linked = vec!["adm-{username}".into()];
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
        let mut ctx = Ctx::unsealed(config, dir, tmp.path().join("schooltech.db"), as_of);
        ctx.clock = clock;
        ctx._demo_dir = Some(tmp);
        inventory::demo::seed(&ctx.store()?, ctx.now())?;
        aup::demo::seed(&ctx.store()?, ctx.now())?;
        if as_of.is_some() {
            // What the demo otherwise makes on first look, made now: once sealed for --as-of
            // it changes nothing.
            filter::seed_demo(&ctx.store()?, ctx.now())?;
            demo_block_on(|| leavers::demo_zombies(&ctx))?;
        }
        Ok(ctx)
    }

    /// The demo's own temporary folder (removed when the demo ends); `None` outside the demo.
    pub fn demo_dir(&self) -> Option<&Path> {
        self._demo_dir.as_ref().map(|d| d.path())
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

    /// Refuses `--as-of` for services that change things. Every context is sealed before a command sees it; only the demo's own seeds run
    /// before (they build the demo school, they are not a change).
    pub fn refuse_as_of(&self, what: &str) -> Result<()> {
        match self.as_of {
            Some(_) if self.sealed => Err(crate::Error::Usage(as_of_refusal(what))),
            _ if self.dry_run => Err(crate::Error::DryRun(format!(
                "it stopped before `{what}` changed anything"
            ))),
            _ => Ok(()),
        }
    }

    /// The store, opened for this context: the one way ops (and nothing above it) opens it.
    /// Under `--as-of` it refuses every write ([`crate::store::Store::read_only`]) once the
    /// context is sealed, so no changing command of either face can write a record while time
    /// is pretended; the demo's seeds, which build the demo school before the seal, can.
    pub fn store(&self) -> Result<crate::store::Store> {
        let store = match self.config.store.engine {
            // The records on the trust's PostgreSQL, the directory mirror in the local file.
            crate::config::StoreEngine::Postgres => crate::store::Store::open_postgres(
                &self.config.store.pg_settings()?,
                &self.config.store.path,
            )?,
            crate::config::StoreEngine::Sqlite => {
                crate::store::Store::open(&self.config.store.path)?
            }
        }
        .with_clock(self.clock);
        Ok(match self.as_of {
            Some(_) if self.sealed => store.read_only(as_of_refusal("this command")),
            _ if self.dry_run => store.dry_run(),
            _ => store,
        })
    }

    /// True when this is the demo directory.
    pub fn is_demo(&self) -> bool {
        self.dir.flavour() == directory::Flavour::Demo
    }
}
