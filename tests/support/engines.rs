//! The store engine matrix (issue 27): one test body run on SQLite and on PostgreSQL.
//!
//! - `Engine::sqlite()`: today's store, a SQLite file where the test's config says.
//! - `Engine::postgres()`: a fresh database of the shared cluster (`postgres::cluster()`, one per
//!   test binary) copied from a template migrated once per binary, reached as the school's login
//!   role (`school_t`, no DDL, no UPDATE/DELETE on append-only tables), as a school's server is.
//! - `engine.configure(cfg)`: points the `[store]` of a test's config at the engine (for CLI
//!   runs: `engine = "postgres"`, `url`, `password_file` in a 0600 file; `path` stays, naming
//!   the local mirror). A no-op on SQLite.
//! - `engine.open(path)`: the `Store` for library tests (on PostgreSQL `path` is the mirror).
//! - `engine.superuser_sql(sql)`: PostgreSQL only, tampering as a superuser would.
//!
//! `support::both_engines!(name, …)` turns each `fn name(engine: &Engine)` into the tests
//! `name::sqlite` and `name::postgres`.

use super::postgres::{cluster, PgCluster, PgDatabase, SUPERUSER_PASSWORD};
use schooltech::store::engine::pg_schema;
use schooltech::store::engine::postgres::{PgDb, PgSettings};
use schooltech::store::Store;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// The school's login role in every test database (cluster-wide) and its password (test only).
pub const SCHOOL_ROLE: &str = "school_t";
const SCHOOL_PASSWORD: &str = "Sch00l!T#matrix";
const TEMPLATE: &str = "schooltech_template";

/// Which engine a test runs on.
pub enum Engine {
    Sqlite,
    Postgres(PgStore),
}

/// A test's own PostgreSQL store: its database and the school role's password file.
pub struct PgStore {
    pub db: PgDatabase<'static>,
    pub password_file: PathBuf,
    _dir: tempfile::TempDir,
}

fn settings(url: &str, password: &str) -> PgSettings {
    PgSettings {
        url: url.to_string(),
        password: Some(password.to_string()),
        ca_cert: None,
        timeout: Duration::from_secs(20),
    }
}

/// Makes the school role in cluster `c` (unless there) and brings database `db` to this
/// build's schema with the school role's grants, as `schooltech store migrate --grant-to` does.
fn migrate(c: &PgCluster, db: &str) {
    c.psql(
        "postgres",
        &format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{SCHOOL_ROLE}') \
             THEN CREATE ROLE {SCHOOL_ROLE} LOGIN PASSWORD '{SCHOOL_PASSWORD}'; END IF; END $$"
        ),
    );
    let url = format!("postgres://postgres@127.0.0.1:{}/{db}", c.port);
    let owner = PgDb::connect(&settings(&url, SUPERUSER_PASSWORD)).expect("the owner");
    pg_schema::migrate(&owner, "public", Some(SCHOOL_ROLE)).expect("migrating");
}

/// The template database at this build's schema, with the school role's grants (made once).
fn template() -> &'static str {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let c = cluster();
        c.psql("postgres", &format!("CREATE DATABASE {TEMPLATE} TEMPLATE template1"));
        migrate(c, TEMPLATE);
        // No session may stay in a template while databases are made from it.
        c.psql(
            "postgres",
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{TEMPLATE}'"
            ),
        );
    });
    TEMPLATE
}

impl Engine {
    pub fn sqlite() -> Engine {
        Engine::Sqlite
    }

    /// A fresh, migrated PostgreSQL store of this test's own.
    pub fn postgres() -> Engine {
        Engine::postgres_in(cluster().database_from(template()))
    }

    /// A migrated PostgreSQL store on a cluster of the test's own, to stop and start (it
    /// lives until the test process ends; the harness's guard stops it then).
    pub fn postgres_private() -> (Engine, &'static PgCluster) {
        let c: &'static PgCluster = Box::leak(Box::new(PgCluster::private()));
        let db = c.database();
        migrate(c, &db.name);
        (Engine::postgres_in(db), c)
    }

    fn postgres_in(db: PgDatabase<'static>) -> Engine {
        let dir = tempfile::tempdir().expect("tmp");
        let password_file = dir.path().join("store.pw");
        std::fs::write(&password_file, SCHOOL_PASSWORD).expect("writing the password file");
        std::fs::set_permissions(&password_file, std::fs::Permissions::from_mode(0o600))
            .expect("chmod 600");
        Engine::Postgres(PgStore {
            db,
            password_file,
            _dir: dir,
        })
    }

    /// A fresh store on the same engine (for a test that runs one body per directory server).
    pub fn another(&self) -> Engine {
        match self {
            Engine::Sqlite => Engine::sqlite(),
            Engine::Postgres(_) => Engine::postgres(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres(_) => "postgres",
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Engine::Postgres(_))
    }

    /// The PostgreSQL store; panics on SQLite.
    pub fn pg(&self) -> &PgStore {
        match self {
            Engine::Postgres(p) => p,
            Engine::Sqlite => panic!("a PostgreSQL-only step ran on SQLite"),
        }
    }

    /// Points the `[store]` section of the config file `cfg` at this engine (adds the section
    /// when there is none). SQLite: unchanged.
    pub fn configure(&self, cfg: &Path) {
        let Engine::Postgres(p) = self else { return };
        let text = std::fs::read_to_string(cfg).expect("reading the test config");
        let lines = format!(
            "engine = \"postgres\"\nurl = \"{}\"\npassword_file = \"{}\"\n",
            p.db.url_as(SCHOOL_ROLE),
            p.password_file.display()
        );
        let text = match text.find("[store]\n") {
            Some(i) => {
                let at = i + "[store]\n".len();
                format!("{}{lines}{}", &text[..at], &text[at..])
            }
            None => format!("{text}\n[store]\n{lines}"),
        };
        std::fs::write(cfg, text).expect("writing the test config");
    }

    /// The store as a school's server opens it: the SQLite file at `path`, or the PostgreSQL
    /// store as the school role with its mirror at `path`.
    pub fn open(&self, path: &Path) -> schooltech::error::Result<Store> {
        match self {
            Engine::Sqlite => Store::open(path),
            Engine::Postgres(p) => {
                Store::open_postgres(&settings(&p.db.url_as(SCHOOL_ROLE), SCHOOL_PASSWORD), path)
            }
        }
    }

    /// How the store names itself in log lines and messages (the `store=` of the journal's
    /// copy): the SQLite file's real path, or `postgres://HOST:PORT/DB`.
    pub fn store_name(&self, path: &Path) -> String {
        match self {
            Engine::Sqlite => std::fs::canonicalize(path)
                .unwrap_or_else(|_| path.to_path_buf())
                .display()
                .to_string(),
            Engine::Postgres(p) => p.db.url.replacen("postgres@", "", 1),
        }
    }

    /// Runs `sql` as the PostgreSQL superuser in the test's database (tampering); panics on
    /// SQLite.
    pub fn superuser_sql(&self, sql: &str) -> String {
        self.pg().db.psql(sql)
    }
}

/// Turns each `fn name(engine: &Engine)` named into the tests `name::sqlite` and
/// `name::postgres` (the same body on both engines).
#[allow(unused_macros)]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name(&$crate::support::engines::Engine::sqlite());
                }
                #[test]
                fn postgres() {
                    super::$name(&$crate::support::engines::Engine::postgres());
                }
            }
        )*
    };
}
#[allow(unused_imports)]
pub(crate) use both_engines;
