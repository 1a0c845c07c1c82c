//! The store's executor interface (issue 27): the few things a store module asks of a database,
//! with two engines behind it: SQLite ([`sqlite`], rusqlite, today's behaviour) and PostgreSQL
//! ([`postgres`], tokio-postgres on a thread of its own behind a synchronous facade).
//!
//! SQL is written once, in the form both dialects accept, with `?N` placeholders; [`Dialect::sql`]
//! turns it into the engine's own (`$N` on PostgreSQL). The pieces where the dialects differ live
//! in the engines, not in the SQL: `RETURNING id` vs `last_insert_rowid()` ([`Exec::insert_id`]),
//! the write lock ([`Db::begin_write`]), and on PostgreSQL the schema supplies the rest
//! ([`pg_schema`]: a case-insensitive collation named `nocase`, so `COLLATE NOCASE` reads the same
//! in both, and an `instr(text, text)` function).

pub mod pg_check;
pub mod pg_schema;
pub mod postgres;
pub mod sqlite;

use std::fmt;

/// One value sent to or read from the database. Times are text (RFC 3339, see `store::fmt_time`),
/// booleans are integers, as the SQLite store has always kept them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (SQLite INTEGER, PostgreSQL int2/int4/int8/bool).
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Blob(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// One row of a result, its values in the order of the query's columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, DbError> {
        self.0
            .get(i)
            .ok_or_else(|| DbError::other(format!("the query has no column {i}")))
    }

    /// Column `i` as an integer.
    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        match self.at(i)? {
            Value::Int(v) => Ok(*v),
            v => Err(DbError::other(format!(
                "column {i} is {v:?}, not an integer"
            ))),
        }
    }

    /// Column `i` as text.
    pub fn text(&self, i: usize) -> Result<&str, DbError> {
        match self.at(i)? {
            Value::Text(v) => Ok(v),
            v => Err(DbError::other(format!("column {i} is {v:?}, not text"))),
        }
    }

    /// Column `i` as an integer, `None` for NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    /// Column `i` as a boolean (an integer, 0 is false).
    pub fn bool(&self, i: usize) -> Result<bool, DbError> {
        self.int(i).map(|v| v != 0)
    }

    /// Column `i` as a floating-point number (an integer is widened).
    pub fn real(&self, i: usize) -> Result<f64, DbError> {
        match self.at(i)? {
            Value::Real(v) => Ok(*v),
            Value::Int(v) => Ok(*v as f64),
            v => Err(DbError::other(format!("column {i} is {v:?}, not a number"))),
        }
    }

    /// Column `i` as bytes (text is taken as its UTF-8 bytes).
    pub fn blob(&self, i: usize) -> Result<&[u8], DbError> {
        match self.at(i)? {
            Value::Blob(v) => Ok(v),
            Value::Text(v) => Ok(v.as_bytes()),
            v => Err(DbError::other(format!("column {i} is {v:?}, not bytes"))),
        }
    }

    /// Column `i` as owned text.
    pub fn string(&self, i: usize) -> Result<String, DbError> {
        self.text(i).map(str::to_string)
    }

    /// Column `i` as owned text, `None` for NULL.
    pub fn opt_string(&self, i: usize) -> Result<Option<String>, DbError> {
        Ok(self.opt_text(i)?.map(str::to_string))
    }

    /// Column `i` as text, `None` for NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<&str>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
}

/// Which SQL dialect an engine speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (rusqlite).
    Sqlite,
    /// PostgreSQL (tokio-postgres).
    Postgres,
}

impl Dialect {
    /// The shared SQL `shared` in this dialect: on PostgreSQL the placeholders `?N` (and bare `?`,
    /// numbered in order) become `$N`. Text inside quotes (`'…'`, `"…"`) is never touched.
    pub fn sql(self, shared: &str) -> String {
        if self == Dialect::Sqlite {
            return shared.to_string();
        }
        let mut out = String::with_capacity(shared.len() + 8);
        let mut chars = shared.chars().peekable();
        let mut quote: Option<char> = None;
        let mut next_bare = 1u32;
        while let Some(c) = chars.next() {
            match quote {
                Some(q) => {
                    out.push(c);
                    if c == q {
                        quote = None;
                    }
                }
                None if c == '\'' || c == '"' => {
                    quote = Some(c);
                    out.push(c);
                }
                None if c == '?' => {
                    let mut digits = String::new();
                    while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                        digits.push(*d);
                        chars.next();
                    }
                    out.push('$');
                    if digits.is_empty() {
                        out.push_str(&next_bare.to_string());
                        next_bare += 1;
                    } else {
                        out.push_str(&digits);
                    }
                }
                None => out.push(c),
            }
        }
        out
    }
}

/// What kind of failure a database reported, for the words the technician sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbErrorKind {
    /// Another writer held the store too long.
    Busy,
    /// A rule of the schema refused the statement (a trigger's message, a unique index, a grant).
    Refused,
    /// The database cannot be reached (connection refused, dropped, TLS or login failed).
    Unreachable,
    /// The disk is full.
    Full,
    /// The database file is damaged.
    Damaged,
    /// The file is not a database this engine can read.
    NotOurs,
    /// The store cannot be written (permissions, a read-only file system).
    Denied,
    /// The disk reported an I/O error.
    Io,
    /// Anything else.
    Other,
}

/// A failure of the database, engine-neutral. `message` is the database's own words; for a
/// trigger it is exactly the trigger's message on both engines (`the action log is append-only`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    /// The kind of failure.
    pub kind: DbErrorKind,
    /// The database's message.
    pub message: String,
}

impl DbError {
    pub fn new(kind: DbErrorKind, message: impl Into<String>) -> DbError {
        DbError {
            kind,
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> DbError {
        DbError::new(DbErrorKind::Other, message)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}

/// Statements: the executor interface every store module writes to.
pub trait Exec {
    /// The engine's dialect.
    fn dialect(&self) -> Dialect;

    /// Runs one statement written in the shared form; returns the rows it changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError>;

    /// Runs one query written in the shared form; returns all its rows.
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;

    /// The first row of a query, `None` when it has none.
    fn query_one(&self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs one statement once per parameter row (bulk imports): on PostgreSQL the rows go in
    /// pipelined batches, not one round trip each. Returns the rows changed in all.
    fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        let mut n = 0;
        for p in rows {
            n += self.execute(sql, p)?;
        }
        Ok(n)
    }

    /// Runs an `INSERT` (shared form, no `RETURNING`) into a table whose key is `id`, and returns
    /// the new row's id: `last_insert_rowid()` on SQLite, `RETURNING id` on PostgreSQL.
    fn insert_id(&self, sql: &str, params: &[Value]) -> Result<i64, DbError>;

    /// Runs several statements of the engine's own SQL, without parameters (schema, DDL).
    fn batch(&self, sql: &str) -> Result<(), DbError>;
}

/// Transactions on top of [`Exec`].
pub trait Db: Exec {
    /// Starts a write transaction holding the store's single write lock from its first statement
    /// (SQLite `BEGIN IMMEDIATE`; PostgreSQL `BEGIN` then `pg_advisory_xact_lock`, READ
    /// COMMITTED, so every later statement sees every write committed before the lock was had).
    fn begin_write(&self) -> Result<(), DbError>;
    /// Starts a read transaction (one snapshot on SQLite; on PostgreSQL REPEATABLE READ).
    fn begin_read(&self) -> Result<(), DbError>;
    /// Commits the open transaction.
    fn commit(&self) -> Result<(), DbError>;
    /// Rolls the open transaction back.
    fn rollback(&self) -> Result<(), DbError>;
}

/// Runs `f` in one write transaction: committed when it returns `Ok`, rolled back otherwise
/// (also when the commit itself fails, so nothing half-done stays).
pub fn write_tx<D, R, E>(db: &D, f: impl FnOnce(&D) -> Result<R, E>) -> Result<R, E>
where
    D: Db + ?Sized,
    E: From<DbError>,
{
    db.begin_write()?;
    match f(db) {
        Ok(r) => match db.commit() {
            Ok(()) => Ok(r),
            Err(e) => {
                let _ = db.rollback();
                Err(e.into())
            }
        },
        Err(e) => {
            // The rollback's own failure (a dropped connection) changes nothing: the server
            // rolls back a transaction whose connection is gone.
            let _ = db.rollback();
            Err(e)
        }
    }
}

/// An open transaction of a [`Db`] (from `Store::write` or `Store::read`): statements run on it
/// through [`Exec`] (it derefs to the database); nothing is kept unless [`Tx::commit`] runs; dropped
/// without it, the transaction is rolled back.
pub struct Tx<'a> {
    db: &'a dyn Db,
    open: bool,
}

impl<'a> Tx<'a> {
    /// Begins a write transaction (`Db::begin_write`) on `db`.
    pub fn write(db: &'a dyn Db) -> Result<Tx<'a>, DbError> {
        db.begin_write()?;
        Ok(Tx { db, open: true })
    }

    /// Begins a read transaction (`Db::begin_read`) on `db`.
    pub fn read(db: &'a dyn Db) -> Result<Tx<'a>, DbError> {
        db.begin_read()?;
        Ok(Tx { db, open: true })
    }

    /// Commits; on failure the transaction is rolled back.
    pub fn commit(mut self) -> Result<(), DbError> {
        self.open = false;
        self.db.commit().inspect_err(|_| {
            let _ = self.db.rollback();
        })
    }
}

impl<'a> std::ops::Deref for Tx<'a> {
    type Target = dyn Db + 'a;
    fn deref(&self) -> &Self::Target {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // A rollback's own failure (a dropped connection) changes nothing: the server
            // rolls back a transaction whose connection is gone.
            let _ = self.db.rollback();
        }
    }
}

/// Parameters for a statement: `params![a, b, c]` turns each into a [`Value`].
#[macro_export]
macro_rules! db_params {
    () => { &[] as &[$crate::store::engine::Value] };
    ($($v:expr),+ $(,)?) => {
        &[$($crate::store::engine::Value::from($v)),+]
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_on_postgres_only() {
        let shared = "SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1";
        assert_eq!(Dialect::Sqlite.sql(shared), shared);
        assert_eq!(
            Dialect::Postgres.sql(shared),
            "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1"
        );
        assert_eq!(
            Dialect::Postgres.sql("INSERT INTO t VALUES (?, ?, ?)"),
            "INSERT INTO t VALUES ($1, $2, $3)"
        );
    }

    #[test]
    fn quoted_text_is_left_alone() {
        assert_eq!(
            Dialect::Postgres.sql("SELECT '?1 is it?' , \"odd?\" FROM t WHERE x = ?12"),
            "SELECT '?1 is it?' , \"odd?\" FROM t WHERE x = $12"
        );
        // A doubled quote inside a literal closes and reopens it: still all literal.
        assert_eq!(
            Dialect::Postgres.sql("SELECT 'it''s ?' WHERE y = ?"),
            "SELECT 'it''s ?' WHERE y = $1"
        );
    }

    #[test]
    fn rows_give_typed_columns_and_say_what_is_wrong() {
        let r = Row(vec![Value::Int(3), "x".into(), Value::Null]);
        assert_eq!(r.int(0).unwrap(), 3);
        assert_eq!(r.text(1).unwrap(), "x");
        assert_eq!(r.opt_text(2).unwrap(), None);
        assert!(r.int(1).unwrap_err().message.contains("not an integer"));
        assert!(r.int(7).unwrap_err().message.contains("no column 7"));
    }
}
