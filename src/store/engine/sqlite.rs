//! The SQLite engine of the executor interface: rusqlite, as the store has always used it
//! (`BEGIN IMMEDIATE` for a write, `last_insert_rowid()` for a new id, a trigger's message as is).

use super::{Db, DbError, DbErrorKind, Dialect, Exec, Row, Value};
use rusqlite::{Connection, ErrorCode};

/// A value bound by reference: no copy of its text or bytes for each statement (a bulk import
/// binds millions of them).
impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// A column as read. Text that is not UTF-8 (a file edited by hand) comes back as bytes, for
/// the store module to name, instead of rusqlite's panic in its own conversion.
pub(crate) fn from_ref(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Value::Text(s.to_string()),
            Err(_) => Value::Blob(t.to_vec()),
        },
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// An rusqlite error in engine-neutral words. A trigger's `RAISE(ABORT, msg)` arrives as `msg`.
pub fn db_error(e: rusqlite::Error) -> DbError {
    let kind = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => DbErrorKind::Busy,
        Some(ErrorCode::ConstraintViolation) => DbErrorKind::Refused,
        Some(ErrorCode::CannotOpen) => DbErrorKind::Unreachable,
        Some(ErrorCode::DiskFull) => DbErrorKind::Full,
        Some(ErrorCode::DatabaseCorrupt) => DbErrorKind::Damaged,
        Some(ErrorCode::NotADatabase) => DbErrorKind::NotOurs,
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => DbErrorKind::Denied,
        Some(ErrorCode::SystemIoFailure) => DbErrorKind::Io,
        _ => DbErrorKind::Other,
    };
    let message = match &e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        _ => e.to_string(),
    };
    DbError::new(kind, message)
}

fn params(p: &[Value]) -> impl rusqlite::Params + '_ {
    rusqlite::params_from_iter(p.iter())
}

impl Exec for Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, p: &[Value]) -> Result<u64, DbError> {
        let mut stmt = self.prepare_cached(sql).map_err(db_error)?;
        let n = stmt.execute(params(p)).map_err(db_error)?;
        Ok(n as u64)
    }

    fn query(&self, sql: &str, p: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut stmt = self.prepare_cached(sql).map_err(db_error)?;
        let cols = stmt.column_count();
        let rows = stmt
            .query_map(params(p), |r| {
                (0..cols)
                    .map(|i| r.get_ref(i).map(from_ref))
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(Row)
            })
            .map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }

    fn insert_id(&self, sql: &str, p: &[Value]) -> Result<i64, DbError> {
        self.prepare_cached(sql)
            .and_then(|mut s| s.execute(params(p)))
            .map_err(db_error)?;
        Ok(self.last_insert_rowid())
    }

    fn batch(&self, sql: &str) -> Result<(), DbError> {
        self.execute_batch(sql).map_err(db_error)
    }
}

impl Db for Connection {
    fn begin_write(&self) -> Result<(), DbError> {
        self.execute_batch("BEGIN IMMEDIATE").map_err(db_error)
    }

    fn begin_read(&self) -> Result<(), DbError> {
        self.execute_batch("BEGIN DEFERRED").map_err(db_error)
    }

    fn commit(&self) -> Result<(), DbError> {
        self.execute_batch("COMMIT").map_err(db_error)
    }

    fn rollback(&self) -> Result<(), DbError> {
        self.execute_batch("ROLLBACK").map_err(db_error)
    }
}

/// A rusqlite transaction is its connection for statements, so store code not yet moved onto
/// [`super::Tx`] can pass its `rusqlite::Transaction` wherever `&dyn Exec` is asked.
impl Exec for rusqlite::Transaction<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, p: &[Value]) -> Result<u64, DbError> {
        Exec::execute(&**self, sql, p)
    }

    fn query(&self, sql: &str, p: &[Value]) -> Result<Vec<Row>, DbError> {
        Exec::query(&**self, sql, p)
    }

    fn insert_id(&self, sql: &str, p: &[Value]) -> Result<i64, DbError> {
        Exec::insert_id(&**self, sql, p)
    }

    fn batch(&self, sql: &str) -> Result<(), DbError> {
        Exec::batch(&**self, sql)
    }
}
