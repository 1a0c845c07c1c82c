//! The local store: one SQLite file (WAL, foreign keys on, one write transaction per operation)
//! holding the hash-chained action log, the journal of intended changes, and later the inventory
//! and filter log.
//!
//! Opening is careful not to damage anything that is not ours: a file that is not SQLite, an SQLite
//! file from another program, or a store written by a newer schooltech is refused with a message,
//! and the file is left exactly as it was.

pub mod actionlog;
pub mod aup;
pub mod copy;
pub mod creds;
pub mod engine;
pub mod filter;
pub mod inventory;
pub mod journal;
pub mod leavers;
pub mod migrations;
pub mod mirror;
pub mod sync;
pub mod syslog;

pub use actionlog::{operator, ActionEntry, ChainStatus, LogFilter, NewAction};
pub use journal::{JournalEntry, JournalState, Outcome};

use crate::error::{Error, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};
use std::fs;
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for another schooltech holding the store before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// An open store. Cheap operations borrow `&self`; each write is one `BEGIN IMMEDIATE` transaction,
/// so several schooltech processes (TUI, timers, a second SSH session) can share the file.
///
/// A `Store` is `Send` but not `Sync`: give each thread its own handle (`Store::open` again).
#[derive(Debug)]
pub struct Store {
    /// The local SQLite file at `[store] path`: the whole store on SQLite; on PostgreSQL only the
    /// directory mirror (a per-server cache).
    conn: Connection,
    /// The PostgreSQL store (`[store] engine = "postgres"`); `None` on SQLite.
    pg: Option<engine::postgres::PgDb>,
    /// The store file, or on PostgreSQL its address (`postgres://HOST:PORT/DB`), for messages.
    path: PathBuf,
    operator: String,
    /// Set when the context may only read (`--as-of`): why, for the refusal of every write.
    read_only: Option<String>,
    /// Where [`operator`] came from (`loginuid`, `sudo_uid`, `uid`, `given`), kept in each log row.
    operator_source: &'static str,
    /// The clock new action-log rows take their time from (never `--as-of`).
    clock: crate::clock::Clock,
    /// What this process writes as the holder of work it begins (a journal entry's `pid`, a
    /// run's `lock_pid`): its process id on SQLite; on PostgreSQL its worker token, a session
    /// lock held for the life of the process ([`Store::worker_alive`]).
    worker: i64,
}

/// The read-only reason that marks a `--dry-run` store ([`Store::dry_run`]).
const DRY_RUN: &str = "--dry-run";

impl Store {
    /// Opens the store at `path`, creating it (and its parent directory, mode 0700; the file itself
    /// mode 0600) when missing, and upgrading its schema to the newest this build knows.
    ///
    /// Refuses, without changing the file: something that is not an SQLite database, an SQLite
    /// database of another program, and a store made by a newer schooltech.
    pub fn open(path: &Path) -> Result<Store> {
        prepare_parent(path)?;
        match fs::metadata(path) {
            Ok(m) if m.is_dir() => return Err(store_err(
                path,
                "this is a directory, not a store file; set [store] path to a file name inside it",
            )),
            Ok(m) if m.len() > 0 => precheck_header(path)?,
            // An empty file is a fresh database: it holds nothing yet, so make it private.
            Ok(_) => fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|e| {
                store_err(
                    path,
                    &format!(
                        "cannot make the empty store file private ({e}); run: chmod 600 '{}'",
                        path.display()
                    ),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_file(path)?,
            Err(e) => {
                return Err(store_err(
                    path,
                    &format!(
                        "cannot look at the file ({e}); check the permissions of its directory"
                    ),
                ))
            }
        }

        // No CREATE flag: the file exists by now, and a race that removed it should not silently
        // make a new one with the wrong mode.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| sql_error(path, "opening the store", e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sql_error(path, "setting the busy timeout", e))?;

        // Only reads until we know the file is ours and not from a newer schooltech.
        classify(&conn, path)?;
        // Checked on every open, not only when created: a store others can read is refused.
        check_private(path)?;

        let mode = switch_to_wal(&conn, path)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(store_err(
                path,
                &format!(
                    "SQLite would not use WAL mode here (it chose \"{mode}\"); keep the store on a \
                     local disk, not a network share, or set [store] path"
                ),
            ));
        }
        // FULL: every appended log row is on disk when `record` returns. Measured cost (release,
        // ext4 on a VM disk): 10,000 appends, one transaction each, 19.6 s (~2 ms each, mostly the
        // fsync) against 2.1 s with NORMAL. Next to an LDAP round trip per action that is noise;
        // bulk work that wants speed can use `record_many` (one transaction, one fsync).
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
            .map_err(|e| sql_error(path, "setting up the connection", e))?;
        let made = migrations::migrate(&conn, path)?;
        let store = Store {
            conn,
            pg: None,
            path: path.to_path_buf(),
            operator: operator(),
            read_only: None,
            operator_source: actionlog::operator_source(),
            clock: crate::clock::Clock::process(),
            worker: i64::from(std::process::id()),
        };
        if made {
            // The log's row counter starts with the store, at 0: a log that is empty later
            // with no counter was dropped and made again, never "whole", and `log verify` says
            // so (DROP TABLE takes the counter with it).
            store
                .conn
                .execute(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT 'action_log', 0 \
                     WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'action_log')",
                    [],
                )
                .map_err(|e| sql_error(path, "starting the log's row counter", e))?;
        }
        Ok(store)
    }

    /// Opens the store on PostgreSQL (`[store] engine = "postgres"`), with the directory mirror
    /// in the local SQLite file at `local` (`[store] path`), opened as [`Store::open`] does.
    ///
    /// Runs no DDL (the school's role has no right to): a store whose schema is older or newer
    /// than this build's is refused with the command to run (`schooltech store migrate` as the
    /// owner role, or an upgrade of schooltech). An unreachable server is refused here, before
    /// any command has sent anything to the directory.
    pub fn open_postgres(settings: &engine::postgres::PgSettings, local: &Path) -> Result<Store> {
        let pg = engine::postgres::PgDb::connect(settings).map_err(|e| {
            db_error(
                Path::new(&settings.url),
                "connecting to the PostgreSQL store",
                e,
            )
        })?;
        let label = PathBuf::from(pg.label());
        engine::pg_schema::check_version(&pg)
            .map_err(|e| db_error(&label, "checking the PostgreSQL store's schema", e))?;
        let worker = pg_worker(settings)
            .map_err(|e| db_error(&label, "taking this process's session lock", e))?;
        let mut store = Store::open(local)?;
        store.pg = Some(pg);
        store.path = label;
        store.worker = worker;
        Ok(store)
    }

    /// What this process writes as the holder of the work it begins (see the field).
    pub(crate) fn worker(&self) -> i64 {
        self.worker
    }

    /// True when the holder `id` of some work (a journal entry's `pid`, a run's `lock_pid`) is
    /// alive: this process, or on SQLite a process of this machine (`/proc`), on PostgreSQL a
    /// session holding that worker's lock on any server (`pg_locks`), never the local `/proc`.
    pub(crate) fn worker_alive(&self, id: i64) -> Result<bool> {
        if id == self.worker {
            return Ok(true);
        }
        match &self.pg {
            Some(pg) => pg
                .is_live(worker_key(id))
                .map_err(|e| self.db_error("reading who holds the work", e)),
            None => Ok(Path::new(&format!("/proc/{id}")).exists()),
        }
    }

    /// `holder` when it is another live worker (not this process), for a refusal.
    pub(crate) fn other_live_worker(&self, holder: Option<i64>) -> Result<Option<i64>> {
        match holder {
            Some(p) if p != self.worker && self.worker_alive(p)? => Ok(Some(p)),
            _ => Ok(None),
        }
    }

    /// How a holder is named in messages: `process N` on SQLite, `session N` on PostgreSQL
    /// (a worker token, possibly on another server).
    pub(crate) fn worker_name(&self, id: i64) -> String {
        if self.pg.is_some() {
            format!("session {id} of the PostgreSQL store")
        } else {
            format!("process {id}")
        }
    }

    /// True when the store is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// A fresh store in memory, for tests. Its `path()` is `:memory:`.
    pub fn open_in_memory() -> Result<Store> {
        let path = Path::new(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| sql_error(path, "opening", e))?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(|e| sql_error(path, "setting up the connection", e))?;
        migrations::migrate(&conn, path)?;
        Ok(Store {
            conn,
            pg: None,
            path: path.to_path_buf(),
            operator: operator(),
            read_only: None,
            operator_source: actionlog::operator_source(),
            clock: crate::clock::Clock::process(),
            worker: i64::from(std::process::id()),
        })
    }

    /// The store file (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The operator recorded on new log and journal rows; [`operator()`] unless changed with
    /// [`Store::with_operator`].
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// Records `name` as the operator of new rows instead of the one taken from the environment.
    pub fn with_operator(mut self, name: impl Into<String>) -> Store {
        self.operator = name.into();
        self.operator_source = "given";
        self
    }

    /// A store that refuses every write transaction with `why` (a usage error: exit 2); the
    /// directory mirror's refreshes are used but not kept. The context opens its store this way under
    /// `--as-of`, so no changing command, from any face, can write a record dated by it.
    pub fn read_only(mut self, why: impl Into<String>) -> Store {
        self.read_only = Some(why.into());
        self
    }

    /// True when writes are refused ([`Store::read_only`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    /// `--dry-run`: read-only, and a write stops the command with [`Error::DryRun`] (exit 0).
    pub fn dry_run(mut self) -> Store {
        self.read_only = Some(DRY_RUN.into());
        self
    }

    /// Where the operator of new rows came from: `loginuid`, `sudo_uid`, `uid` (see
    /// [`actionlog::look_up_operator`]) or `given` ([`Store::with_operator`]).
    pub fn operator_source(&self) -> &'static str {
        self.operator_source
    }

    /// Stamps new action-log rows by `clock` (the context's clock: fixed in tests) instead of
    /// the machine's.
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Store {
        self.clock = clock;
        self
    }

    /// The clock new action-log rows take their time from.
    pub fn clock(&self) -> crate::clock::Clock {
        self.clock
    }

    /// The schema version of the open store (the number of migrations applied).
    pub fn schema_version(&self) -> Result<u32> {
        match &self.pg {
            Some(pg) => engine::pg_schema::version(pg)
                .map_err(|e| self.db_error("reading the schema version", e))
                .and_then(|v| {
                    u32::try_from(v)
                        .map_err(|_| self.error(format!("schema version {v} is out of range")))
                }),
            None => migrations::user_version(&self.conn, &self.path),
        }
    }

    /// The local SQLite connection (`[store] path`): the whole store on SQLite, the directory
    /// mirror on PostgreSQL. Store modules not on the engine interface yet use it.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The database, through the engine interface every store module writes to (issue 27):
    /// PostgreSQL when the store is there, else the SQLite file.
    pub(crate) fn db(&self) -> &dyn engine::Db {
        match &self.pg {
            Some(pg) => pg,
            None => &self.conn,
        }
    }

    /// Refuses when the store may not be written (`--as-of`, `--dry-run`), saying what it was
    /// about to do.
    fn refuse_if_read_only(&self, doing: &str) -> Result<()> {
        if let Some(why) = &self.read_only {
            if why == DRY_RUN {
                return Err(Error::DryRun(format!(
                    "it stopped where the store would be {doing}"
                )));
            }
            return Err(Error::Usage(format!("{why} (it was about to be {doing})")));
        }
        Ok(())
    }

    /// Starts a write transaction on the engine that holds the store's single write lock from its
    /// first statement (SQLite `BEGIN IMMEDIATE`; PostgreSQL an advisory transaction lock).
    /// Refused on a read-only store, like [`Store::write_tx`]. Rolled back unless committed.
    pub(crate) fn write(&self, doing: &str) -> Result<engine::Tx<'_>> {
        self.refuse_if_read_only(doing)?;
        engine::Tx::write(self.db()).map_err(|e| self.db_error(doing, e))
    }

    /// Starts a read transaction on the engine: one consistent snapshot for several queries.
    #[allow(dead_code)] // the modules still on rusqlite use read_tx; removed when they move
    pub(crate) fn read(&self, doing: &str) -> Result<engine::Tx<'_>> {
        engine::Tx::read(self.db()).map_err(|e| self.db_error(doing, e))
    }

    /// An engine error while `doing` something, in the same words as [`Store::sql_error`].
    pub(crate) fn db_error(&self, doing: &str, e: engine::DbError) -> Error {
        db_error(&self.path, doing, e)
    }

    /// Starts a write transaction that holds the write lock from the start (`BEGIN IMMEDIATE`), so
    /// two writers can never both read the same state and then both write. Waits up to
    /// [`BUSY_TIMEOUT`] for another writer.
    ///
    /// Refused on a read-only store ([`Store::read_only`]): every record, journal entry and
    /// state change of the store passes here, so this is the one place `--as-of` is enforced.
    pub(crate) fn write_tx(&self, doing: &str) -> Result<Transaction<'_>> {
        self.refuse_if_read_only(doing)?;
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.sql_error(doing, e))
    }

    /// Starts a read transaction: one consistent snapshot for several queries.
    pub(crate) fn read_tx(&self, doing: &str) -> Result<Transaction<'_>> {
        Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)
            .map_err(|e| self.sql_error(doing, e))
    }

    /// An SQLite error while `doing` something, turned into words the technician can act on.
    pub(crate) fn sql_error(&self, doing: &str, e: rusqlite::Error) -> Error {
        sql_error(&self.path, doing, e)
    }

    /// A store error with a plain message.
    pub(crate) fn error(&self, detail: impl Into<String>) -> Error {
        Error::Store {
            path: self.path.clone(),
            detail: detail.into(),
        }
    }
}

/// The liveness lock of a worker token (kind 3 of [`engine::postgres::LiveKey`]).
fn worker_key(id: i64) -> engine::postgres::LiveKey {
    engine::postgres::LiveKey { kind: 3, id }
}

/// This process's worker token on the PostgreSQL store at `settings`: a number no live process
/// holds, taken as a session advisory lock on a connection kept for the life of the process (the
/// server gives it back when the process ends, killed or not). One per store address.
fn pg_worker(settings: &engine::postgres::PgSettings) -> std::result::Result<i64, engine::DbError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Held = HashMap<String, (engine::postgres::PgDb, i64)>;
    static HELD: OnceLock<Mutex<Held>> = OnceLock::new();
    let mut held = HELD
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, token)) = held.get(&settings.url) {
        return Ok(*token);
    }
    let db = engine::postgres::PgDb::connect(settings)?;
    let mut candidate = i64::from(std::process::id()).max(1);
    for _ in 0..64 {
        if db.hold_live(worker_key(candidate))? {
            held.insert(settings.url.clone(), (db, candidate));
            return Ok(candidate);
        }
        // Another server's process has that number: try another one.
        candidate = i64::from(rand::random::<u32>() >> 1).max(1);
    }
    Err(engine::DbError::other(
        "no free worker number for this process on the PostgreSQL store; try again",
    ))
}

/// Puts the store in WAL mode (a no-op when it already is); returns the journal mode SQLite chose.
///
/// Switching needs an exclusive lock, and SQLite answers "busy" at once, without waiting, when
/// another connection holds a read lock at that moment (two schooltech processes opening a new
/// store together), so this waits and retries itself, up to [`BUSY_TIMEOUT`].
fn switch_to_wal(conn: &Connection, path: &Path) -> Result<String> {
    let doing = "switching to WAL mode";
    let current: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(|e| sql_error(path, doing, e))?;
    if current.eq_ignore_ascii_case("wal") {
        return Ok(current);
    }
    let start = std::time::Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(mode) => return Ok(mode),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(sql_error(path, doing, e)),
        }
    }
}

/// A time as the store writes it: RFC 3339, UTC, whole seconds (`2026-11-25T09:30:00Z`). Text in this
/// form sorts in time order.
pub(crate) fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads a time written by [`fmt_time`]; `None` for anything else (including other offsets or
/// fractions of a second, which schooltech never writes).
pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    (fmt_time(t) == s).then_some(t)
}

/// Refuses a store file (or its WAL/shared-memory files) that group or others can read or
/// write, naming the exact `chmod` to run.
fn check_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut files = vec![path.to_path_buf()];
    for ext in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        files.push(p.into());
    }
    for f in files {
        let Ok(meta) = fs::metadata(&f) else { continue };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let quoted = format!("'{}'", f.display().to_string().replace('\'', "'\\''"));
            return Err(store_err(
                &f,
                &format!(
                    "other users can read it (mode {mode:03o}); it holds the action log and the register: run: chmod 600 {quoted}"
                ),
            ));
        }
    }
    Ok(())
}

fn store_err(path: &Path, detail: &str) -> Error {
    Error::Store {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

/// The file is not a schooltech store.
pub(crate) fn not_ours_error(path: &Path) -> Error {
    store_err(
        path,
        "this file is not a schooltech store (not an SQLite database); move it aside or set [store] path",
    )
}

/// The file is an SQLite database, but some other program's.
fn foreign_db_error(path: &Path) -> Error {
    store_err(
        path,
        "this file is not a schooltech store (an SQLite database of another program); move it aside \
         or set [store] path",
    )
}

/// The store was made by a newer schooltech.
pub(crate) fn newer_error(path: &Path, found: u32) -> Error {
    store_err(
        path,
        &format!(
            "this store was made by a newer schooltech (schema {found}, this one knows {}); upgrade \
             schooltech",
            migrations::LATEST
        ),
    )
}

/// Turns an SQLite error into a message that says what to do.
pub(crate) fn sql_error(path: &Path, doing: &str, e: rusqlite::Error) -> Error {
    let code = e.sqlite_error_code();
    let detail = match code {
        Some(ErrorCode::NotADatabase) => return not_ours_error(path),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => format!(
            "{doing}: another schooltech held the store for more than {} s; wait for it to finish \
             and try again",
            BUSY_TIMEOUT.as_secs()
        ),
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::PermissionDenied) => format!(
            "{doing}: the store cannot be written ({e}); run schooltech as the account that owns \
             the file (mode 0600) and its directory (mode 0700)"
        ),
        Some(ErrorCode::CannotOpen) => format!(
            "{doing}: the file cannot be opened ({e}); check that its directory exists and that \
             you own both, or set [store] path"
        ),
        Some(ErrorCode::DiskFull) => {
            format!("{doing}: the disk is full; free some space and try again")
        }
        Some(ErrorCode::DatabaseCorrupt) => format!(
            "{doing}: the store is damaged ({e}); move it aside and restore it from the last backup"
        ),
        Some(ErrorCode::SystemIoFailure) => {
            format!("{doing}: the disk reported an I/O error ({e}); check the disk and free space")
        }
        _ => format!("{doing}: {e}"),
    };
    store_err(path, &detail)
}

/// An engine error while `doing` something, turned into the same words as [`sql_error`] gives
/// for SQLite (and for PostgreSQL's unreachable server, the fix to make).
pub(crate) fn db_error(path: &Path, doing: &str, e: engine::DbError) -> Error {
    use engine::DbErrorKind as K;
    let m = &e.message;
    let detail = match e.kind {
        K::NotOurs => return not_ours_error(path),
        K::Busy => format!(
            "{doing}: another schooltech held the store for more than {} s; wait for it to finish \
             and try again",
            BUSY_TIMEOUT.as_secs()
        ),
        K::Denied => format!(
            "{doing}: the store cannot be written ({m}); run schooltech as the account that owns \
             the file (mode 0600) and its directory (mode 0700)"
        ),
        K::Full => format!("{doing}: the disk is full; free some space and try again"),
        K::Damaged => format!(
            "{doing}: the store is damaged ({m}); move it aside and restore it from the last backup"
        ),
        K::Io => {
            format!("{doing}: the disk reported an I/O error ({m}); check the disk and free space")
        }
        K::Unreachable => format!(
            "{doing}: the store cannot be reached ({m}); check [store] in the configuration and \
             that the database server is running (`schooltech doctor`)"
        ),
        K::Refused | K::Other => format!("{doing}: {m}"),
    };
    store_err(path, &detail)
}

/// Creates the directory that will hold the store, mode 0700, when it does not exist yet. An
/// existing directory is left as it is.
fn prepare_parent(path: &Path) -> Result<()> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if parent.exists() {
        return Ok(());
    }
    let fail = |e: std::io::Error| {
        store_err(
            path,
            &format!(
                "cannot create the directory {} ({e}); create it (mode 0700, owned by the account \
                 that runs schooltech) or set [store] path",
                parent.display()
            ),
        )
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(parent)
        .map_err(fail)?;
    // The umask may have taken bits away; say exactly what we mean.
    fs::set_permissions(parent, fs::Permissions::from_mode(0o700)).map_err(fail)
}

/// Creates an empty store file, mode 0600, before SQLite does (SQLite would use 0644).
fn create_file(path: &Path) -> Result<()> {
    let fail = |e: std::io::Error| {
        store_err(
            path,
            &format!(
                "cannot create the store file ({e}); check that you own its directory, or set \
                 [store] path"
            ),
        )
    };
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(fail),
        // Another schooltech created it a moment ago: fine, it is opened as usual.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(fail(e)),
    }
}

/// Looks at the 100-byte header of an existing, non-empty file before SQLite touches it: the magic
/// string, the application id and the schema version. Reads only.
///
/// Once per file and process: closing a descriptor of a file drops every POSIX lock this
/// process holds on it, the locks of its open SQLite connections included (SQLite's "how to
/// corrupt a database", 2.2). A second store opened while the first is in use (settling first
/// inside a resumed run, beside another schooltech still writing) would otherwise let the other
/// process reset the write-ahead log under a read ("database disk image is malformed").
pub(crate) fn precheck_header(path: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    static CHECKED: std::sync::Mutex<Vec<(u64, u64)>> = std::sync::Mutex::new(Vec::new());
    let id = fs::metadata(path).ok().map(|m| (m.dev(), m.ino()));
    if let (Some(id), Ok(seen)) = (id, CHECKED.lock()) {
        if seen.contains(&id) {
            return Ok(());
        }
    }
    precheck_header_once(path)?;
    if let (Some(id), Ok(mut seen)) = (id, CHECKED.lock()) {
        seen.push(id);
    }
    Ok(())
}

fn precheck_header_once(path: &Path) -> Result<()> {
    let mut head = Vec::with_capacity(100);
    fs::File::open(path)
        .and_then(|f| f.take(100).read_to_end(&mut head))
        .map_err(|e| {
            store_err(
                path,
                &format!(
                    "cannot read the file ({e}); run schooltech as the account that owns it, or \
                     set [store] path"
                ),
            )
        })?;
    if head.len() < 100 || &head[..16] != SQLITE_MAGIC {
        return Err(not_ours_error(path));
    }
    let be32 = |at: usize| i32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    let user_version = be32(60);
    let application_id = be32(68);
    if application_id != 0 && application_id != migrations::APPLICATION_ID {
        return Err(foreign_db_error(path));
    }
    match u32::try_from(user_version) {
        Ok(v) if v > migrations::LATEST => Err(newer_error(path, v)),
        Ok(_) => Ok(()),
        Err(_) => Err(foreign_db_error(path)),
    }
}

/// The same questions as [`precheck_header`], asked through SQLite (which also sees a write-ahead log
/// not yet copied into the file), plus: does a file without our id already hold tables? Reads only.
fn classify(conn: &Connection, path: &Path) -> Result<()> {
    // One snapshot for all three answers: another schooltech may be creating the store right now.
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Deferred)
        .map_err(|e| sql_error(path, "reading the store header", e))?;
    let application_id: i32 = tx
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| sql_error(path, "reading the store header", e))?;
    if application_id != 0 && application_id != migrations::APPLICATION_ID {
        return Err(foreign_db_error(path));
    }
    let version = migrations::user_version(&tx, path)?;
    if version > migrations::LATEST {
        return Err(newer_error(path, version));
    }
    if application_id == 0 {
        let objects: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| sql_error(path, "reading the store's tables", e))?;
        if version > 0 || objects > 0 {
            return Err(foreign_db_error(path));
        }
    }
    tx.commit()
        .map_err(|e| sql_error(path, "reading the store header", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_round_trip_in_the_stored_form_only() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
        assert_eq!(fmt_time(t), "2026-11-25T09:30:00Z");
        assert_eq!(parse_time("2026-11-25T09:30:00Z"), Some(t));
        assert_eq!(parse_time("2026-11-25T09:30:00+00:00"), None);
        assert_eq!(parse_time("2026-11-25T09:30:00.5Z"), None);
        assert_eq!(parse_time("25/11/2026"), None);
    }

    #[test]
    fn store_can_move_to_a_worker_thread() {
        fn send<T: Send>() {}
        send::<Store>();
    }

    #[test]
    fn in_memory_store_is_at_the_latest_schema() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.schema_version().unwrap(), migrations::LATEST);
        assert_eq!(s.path(), Path::new(":memory:"));
    }

    #[test]
    fn messages_say_what_to_do() {
        let p = Path::new("/x/s.db");
        assert!(not_ours_error(p)
            .to_string()
            .contains("move it aside or set [store] path"));
        let n = newer_error(p, 9).to_string();
        assert!(n.contains("schema 9, this one knows"), "{n}");
        assert!(n.ends_with("upgrade schooltech"), "{n}");
    }
}
