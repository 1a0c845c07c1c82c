//! `schooltech store copy --from sqlite:PATH --to postgres` (issue 27): a school's SQLite store
//! moved onto the trust's PostgreSQL, verbatim, in one transaction.
//!
//! - The source is opened read-only with the SQLite engine and read in one snapshot; it is never
//!   changed. It must be a schooltech store at this build's schema, and its journal must hold no
//!   change whose outcome is not known (settle them first with `log pending`: a copy would carry
//!   them to the new store unsettled).
//! - The target is the PostgreSQL store of the configuration, at this build's schema and empty
//!   (a refusal names what is in it). Every table but the directory mirror (a per-server cache
//!   that stays in the local file, [`LOCAL_ONLY`]) is copied with its ids, hashes and times, so
//!   `log verify` and an anchor taken on the old server verify on the new one.
//! - The rows go in as they are, some of them already closed (a closed audit round with its scans,
//!   a closed disposal batch with its items): the triggers that keep a closed record closed would
//!   refuse those inserts. So the copy's transaction runs with `SET LOCAL session_replication_role
//!   = replica`, which switches ordinary triggers off for this transaction of this session only
//!   (never for another session, and never past the commit). That setting needs a superuser, or on
//!   PostgreSQL 15 and later the owner role granted it (`GRANT SET ON PARAMETER
//!   session_replication_role TO …`). What the log's insert trigger would have done is then done
//!   here: the log's head gets every copied id (and the old counter, when rows had been cut from
//!   the end), and every identity sequence is set past the copied ids.
//! - Then, with the triggers back on, a `store.migrated` row is appended (from, to, the count of
//!   each table) by the ordinary path, and everything commits at once: a copy killed half-way
//!   leaves the target as empty as it was.

use super::actionlog::NewAction;
use super::engine::{DbError, DbErrorKind, Exec, Value};
use super::inventory::insert_rows;
use super::{migrations, Store};
use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use serde_json::json;
use std::path::{Path, PathBuf};

/// The tables copied, parents before children, the log first.
pub const TABLES: &[&str] = &[
    "action_log",
    "journal",
    "credential_events",
    "filter_requests",
    "filter_reviews",
    "filter_review_closes",
    "filter_events",
    "assets",
    "asset_history",
    "loans",
    "software",
    "software_installs",
    "audit_rounds",
    "audit_scans",
    "disposal_batches",
    "disposal_items",
    "disposal_sanitisation",
    "aup_signatures",
    "aup_versions",
    "sweep_runs",
    "leaver_records",
    "leaver_record_events",
    "sync_runs",
    "sync_marks",
];

/// Tables of the SQLite store that stay in each server's local file on PostgreSQL: the directory
/// mirror and what it found changed outside schooltech. Not copied.
pub const LOCAL_ONLY: &[&str] = &["mirror_meta", "mirror_entries", "outside_changes"];

/// How many rows are read from the source and sent in one go.
const CHUNK: usize = 5_000;

/// What a copy found (a `--dry-run`) or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// The source file.
    pub from: PathBuf,
    /// The target, `postgres://HOST:PORT/DB`.
    pub to: String,
    /// Each copied table and its rows, in copy order.
    pub counts: Vec<(&'static str, u64)>,
    /// The `store.migrated` row's id (none for a dry run).
    pub logged: Option<i64>,
}

impl CopyReport {
    /// All the rows.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

fn source_err(path: &Path, detail: String) -> Error {
    Error::Store {
        path: path.to_path_buf(),
        detail,
    }
}

/// The SQLite store at `path`, opened read-only, after checking it is a schooltech store at this
/// build's schema holding no table this build would not copy and no change whose outcome is not
/// known ([`refuse_unsettled`]).
pub(crate) fn open_source(path: &Path) -> Result<Connection> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() > 0 => {}
        Ok(_) => {
            return Err(source_err(
                path,
                "this is not a schooltech store (not a file, or empty); name the old store file \
                 with --from sqlite:PATH"
                    .into(),
            ))
        }
        Err(e) => {
            return Err(source_err(
                path,
                format!("cannot read it ({e}); name the old store file with --from sqlite:PATH"),
            ))
        }
    }
    super::precheck_header(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| super::sql_error(path, "opening the old store read-only", e))?;
    conn.busy_timeout(super::BUSY_TIMEOUT)
        .map_err(|e| super::sql_error(path, "opening the old store read-only", e))?;
    let app: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| super::sql_error(path, "reading the old store's header", e))?;
    if app != migrations::APPLICATION_ID {
        return Err(source_err(
            path,
            "this is not a schooltech store (an SQLite database without schooltech's id); name \
             the old store file with --from sqlite:PATH"
                .into(),
        ));
    }
    let version = migrations::user_version(&conn, path)?;
    if version > migrations::LATEST {
        return Err(super::newer_error(path, version));
    }
    if version < migrations::LATEST {
        return Err(source_err(
            path,
            format!(
                "the old store is at schema {version}, older than this schooltech's ({}); upgrade \
                 it first by opening it once with this schooltech, with [store] engine = \"sqlite\" \
                 and path naming it (for example: schooltech --config OLD.toml log verify), then \
                 copy it; `schooltech store migrate` upgrades the PostgreSQL side",
                migrations::LATEST
            ),
        ));
    }
    // Before the target is opened (the copy's own snapshot checks again).
    refuse_unsettled(&conn, path)?;
    Ok(conn)
}

/// The copy's columns of `table` on the target, in order (`id` and all).
fn columns(db: &dyn Exec, table: &str) -> std::result::Result<Vec<String>, DbError> {
    db.query(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
        &[table.into()],
    )?
    .iter()
    .map(|r| r.string(0))
    .collect()
}

/// Refuses (a usage error: exit 2, nothing copied) while the old store's journal holds changes
/// whose outcome is not known (unknown, or begun and never recorded: interrupted, or running
/// now): the copy would carry them to the new store unsettled, where the directory they were
/// sent to is read again by nobody. A planned step of a run not yet begun is not one.
fn refuse_unsettled(conn: &Connection, path: &Path) -> Result<()> {
    let open: Vec<(i64, String, String)> = conn
        .prepare(
            "SELECT id, action, target FROM journal \
             WHERE state = 'unknown' OR (state = 'pending' AND (pid IS NOT NULL OR run_id IS NULL)) \
             ORDER BY id",
        )
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| super::sql_error(path, "reading the old store's journal", e))?;
    if open.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 5;
    let mut named: Vec<String> = open
        .iter()
        .take(SHOWN)
        .map(|(id, action, target)| format!("#{id} {action} {target}"))
        .collect();
    if open.len() > SHOWN {
        named.push(format!("and {} more", open.len() - SHOWN));
    }
    Err(Error::Usage(format!(
        "the old store {} has {} change(s) whose outcome is not known ({}); a copy would carry \
         them to the new store unsettled: settle them first with `schooltech log pending` on \
         the old store (and `schooltech log settle ID` for any it cannot read), then copy \
         again. Nothing was copied",
        path.display(),
        open.len(),
        named.join("; ")
    )))
}

/// Rows of each copied table in the source (one snapshot: `conn` is in a read transaction).
fn source_counts(conn: &Connection, path: &Path) -> Result<Vec<(&'static str, u64)>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| super::sql_error(path, "reading the old store's tables", e))?;
    let unknown: Vec<&String> = tables
        .iter()
        .filter(|t| !TABLES.contains(&t.as_str()) && !LOCAL_ONLY.contains(&t.as_str()))
        .collect();
    if !unknown.is_empty() {
        return Err(source_err(
            path,
            format!(
                "the old store holds table(s) this schooltech does not copy ({}); nothing was \
                 copied; report this",
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    TABLES
        .iter()
        .map(|t| {
            conn.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| (*t, n.max(0) as u64))
            .map_err(|e| super::sql_error(path, "counting the old store's rows", e))
        })
        .collect()
}

/// What is already in the target (tables with rows, and a log head past 0), for the refusal.
fn target_contents(db: &dyn Exec) -> std::result::Result<Vec<String>, DbError> {
    let mut found = Vec::new();
    for t in TABLES {
        let n = db
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        if n > 0 {
            found.push(format!("{t}: {n} row(s)"));
        }
    }
    let head = super::actionlog::log_seq(db)?.unwrap_or(0);
    if head > 0 && !found.iter().any(|f| f.starts_with("action_log:")) {
        found.push(format!(
            "action_log_head: the log has had {head} row(s) (since removed)"
        ));
    }
    Ok(found)
}

impl Store {
    /// The target's refusal when it is not empty, naming what is in it.
    fn refuse_non_empty(&self, db: &dyn Exec) -> Result<()> {
        let found = target_contents(db).map_err(|e| self.db_error("reading the target", e))?;
        if found.is_empty() {
            return Ok(());
        }
        Err(self.error(format!(
            "the PostgreSQL store is not empty ({}); a copy goes only into a new, empty store: \
             nothing was copied. Make a new database, run schooltech store migrate on it, and \
             copy again",
            found.join(", ")
        )))
    }

    /// `--dry-run`: checks the source (`sqlite:PATH`) and this PostgreSQL store as a copy would,
    /// and counts the rows it would copy. Writes nothing anywhere.
    pub fn plan_copy_from_sqlite(&self, source: &Path) -> Result<CopyReport> {
        let to = self.require_postgres()?;
        let conn = open_source(source)?;
        let counts = read_snapshot(&conn, source, |conn| {
            refuse_unsettled(conn, source)?;
            source_counts(conn, source)
        })?;
        self.refuse_non_empty(self.db())?;
        Ok(CopyReport {
            from: source.to_path_buf(),
            to,
            counts,
            logged: None,
        })
    }

    fn require_postgres(&self) -> Result<String> {
        if !self.is_postgres() {
            return Err(Error::Usage(
                "the copy's target is the PostgreSQL store: set [store] engine = \"postgres\" \
                 and url in the configuration (the owner role), or give --to postgres://…"
                    .into(),
            ));
        }
        Ok(self.path.display().to_string())
    }

    /// Copies the SQLite store at `source` into this (empty) PostgreSQL store, verbatim, in one
    /// transaction, then appends `store.migrated`; see the module's notes. `progress` is told
    /// what is being copied (a line at a time) for a big store.
    pub fn copy_from_sqlite(
        &self,
        source: &Path,
        progress: &mut dyn FnMut(&str),
    ) -> Result<CopyReport> {
        let to = self.require_postgres()?;
        let doing = "copying the old store into PostgreSQL";
        let conn = open_source(source)?;
        read_snapshot(&conn, source, |conn| {
            refuse_unsettled(conn, source)?;
            let counts = source_counts(conn, source)?;
            let tx = self.write(doing)?;
            let err = |e: DbError| self.db_error(doing, e);
            // Under the write lock: nobody can start writing into the target meanwhile.
            self.refuse_non_empty(&*tx)?;
            tx.batch("SET LOCAL session_replication_role = replica")
                .map_err(|e| {
                    if e.kind == DbErrorKind::Refused || e.message.contains("permission denied") {
                        self.error(format!(
                            "{doing}: {} — the copy writes closed records as they are, so it runs \
                             with session_replication_role = replica for its own transaction; \
                             run it as a superuser, or have a superuser run: GRANT SET ON \
                             PARAMETER session_replication_role TO <the owner role> \
                             (PostgreSQL 15 and later). Nothing was copied",
                            e.message
                        ))
                    } else {
                        err(e)
                    }
                })?;
            let total: u64 = counts.iter().map(|(_, n)| n).sum();
            let mut done = 0u64;
            for (i, (table, n)) in counts.iter().enumerate() {
                if *n > 0 {
                    progress(&format!("copying {table}: {n} row(s)"));
                    copy_table(conn, &*tx, table, &mut |k| {
                        done += k;
                        if total >= 50_000 && done % 50_000 < k {
                            progress(&format!("  {done} of {total} rows"));
                        }
                    })
                    .map_err(|e| match e {
                        CopyError::Source(e) => {
                            super::sql_error(source, "reading the old store", e)
                        }
                        CopyError::Target(e) => self.db_error(&format!("{doing} ({table})"), e),
                    })?;
                }
                if i + 1 == counts.len() / 2 {
                    crate::testpoint::pause("store-copy-half");
                }
            }
            // What the log's insert trigger does, for the copied rows: every id in the head, and
            // the old counter when it was past the last row (rows cut from the end stay found).
            let old_seq: Option<i64> = conn
                .query_row(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'action_log'",
                    [],
                    |r| r.get(0),
                )
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })
                .map_err(|e| super::sql_error(source, "reading the old log's counter", e))?;
            tx.execute(
                "INSERT INTO action_log_head (seq) SELECT id FROM action_log WHERE id > 0 \
                 ORDER BY id",
                &[],
            )
            .map_err(err)?;
            tx.execute(
                "INSERT INTO action_log_head (seq) SELECT ?1::bigint \
                 WHERE ?1::bigint > (SELECT max(seq) FROM action_log_head)",
                &[Value::from(old_seq)],
            )
            .map_err(err)?;
            set_sequences(conn, &*tx).map_err(|e| match e {
                CopyError::Source(e) => {
                    super::sql_error(source, "reading the old store's counters", e)
                }
                CopyError::Target(e) => self.db_error(&format!("{doing} (sequences)"), e),
            })?;
            tx.batch("SET LOCAL session_replication_role = origin")
                .map_err(err)?;
            let details = json!({
                "from": format!("sqlite:{}", source.display()),
                "to": to,
                "counts": counts.iter().map(|(t, n)| (t.to_string(), json!(n)))
                    .collect::<serde_json::Map<_, _>>(),
            });
            let logged = self.append_in(
                &*tx,
                &[NewAction {
                    action: "store.migrated",
                    target: &to,
                    details,
                }],
            )?;
            tx.commit().map_err(err)?;
            self.announce_logged(&logged);
            Ok(CopyReport {
                from: source.to_path_buf(),
                to: to.clone(),
                counts,
                logged: logged.last().map(|e| e.id),
            })
        })
    }
}

/// Runs `f` inside one read transaction of the source: every table read from one snapshot, even
/// if the old server's schooltech is still writing.
fn read_snapshot<R>(
    conn: &Connection,
    path: &Path,
    f: impl FnOnce(&Connection) -> Result<R>,
) -> Result<R> {
    conn.execute_batch("BEGIN DEFERRED")
        .map_err(|e| super::sql_error(path, "reading the old store", e))?;
    let out = f(conn);
    let _ = conn.execute_batch("ROLLBACK");
    out
}

enum CopyError {
    Source(rusqlite::Error),
    Target(DbError),
}

/// Copies one table's rows, in rowid order, `CHUNK` at a time, by the multi-row insert.
fn copy_table(
    conn: &Connection,
    db: &dyn Exec,
    table: &str,
    sent: &mut dyn FnMut(u64),
) -> std::result::Result<(), CopyError> {
    let cols = columns(db, table).map_err(CopyError::Target)?;
    if cols.is_empty() {
        return Err(CopyError::Target(DbError::other(format!(
            "the PostgreSQL store has no table {table}; run schooltech store migrate"
        ))));
    }
    let list = cols
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn
        .prepare(&format!("SELECT {list} FROM \"{table}\" ORDER BY rowid"))
        .map_err(CopyError::Source)?;
    let head = format!("INSERT INTO {table} ({list})");
    let mut rows = stmt.query([]).map_err(CopyError::Source)?;
    let mut buf: Vec<Vec<Value>> = Vec::with_capacity(CHUNK);
    let mut flush = |buf: &mut Vec<Vec<Value>>| -> std::result::Result<(), CopyError> {
        if buf.is_empty() {
            return Ok(());
        }
        let n = insert_rows(db, &head, std::mem::take(buf)).map_err(CopyError::Target)?;
        sent(n);
        buf.clear();
        Ok(())
    };
    while let Some(r) = rows.next().map_err(CopyError::Source)? {
        let mut vals = Vec::with_capacity(cols.len());
        for i in 0..cols.len() {
            vals.push(super::engine::sqlite::from_ref(
                r.get_ref(i).map_err(CopyError::Source)?,
            ));
        }
        buf.push(vals);
        if buf.len() == CHUNK {
            flush(&mut buf)?;
        }
    }
    flush(&mut buf)
}

/// Sets every identity sequence of the target past the copied ids (and past the old store's
/// own counter where it had one, so an id once used is never given again).
fn set_sequences(conn: &Connection, db: &dyn Exec) -> std::result::Result<(), CopyError> {
    let identity = db
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name",
            &[],
        )
        .map_err(CopyError::Target)?;
    for r in identity {
        let table = r.string(0).map_err(CopyError::Target)?;
        let col = r.string(1).map_err(CopyError::Target)?;
        if !TABLES.contains(&table.as_str()) {
            continue;
        }
        let old: i64 = conn
            .query_row(
                "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0)",
                [&table],
                |r| r.get(0),
            )
            .or_else(|e| match e {
                // No AUTOINCREMENT table at all: no sqlite_sequence.
                rusqlite::Error::SqliteFailure(_, Some(ref m)) if m.contains("no such table") => {
                    Ok(0)
                }
                e => Err(e),
            })
            .map_err(CopyError::Source)?;
        db.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{col}'), m) \
                 FROM (SELECT greatest(max(\"{col}\"), ?1::bigint) AS m FROM {table}) t \
                 WHERE m > 0"
            ),
            &[old.into()],
        )
        .map_err(CopyError::Target)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::engine::pg_schema;

    #[test]
    fn every_table_on_postgres_is_copied_and_only_those() {
        let mut on_pg: Vec<&str> = pg_schema::APPEND_ONLY
            .iter()
            .chain(pg_schema::UPDATABLE)
            .chain(pg_schema::STATE)
            .copied()
            .filter(|t| *t != "schooltech_schema")
            .collect();
        on_pg.sort_unstable();
        let mut copied = TABLES.to_vec();
        copied.sort_unstable();
        assert_eq!(copied, on_pg);
    }

    #[test]
    fn every_table_of_a_new_sqlite_store_is_copied_or_stays_local() {
        let s = Store::open_in_memory().unwrap();
        let mut st = s
            .conn()
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .unwrap();
        let names: Vec<String> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for n in &names {
            assert!(
                TABLES.contains(&n.as_str()) || LOCAL_ONLY.contains(&n.as_str()),
                "{n} is neither copied nor local"
            );
        }
        for t in TABLES {
            assert!(
                names.iter().any(|n| n == t),
                "{t} is not in the SQLite store"
            );
        }
    }
}
