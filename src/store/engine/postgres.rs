//! The PostgreSQL engine of the executor interface.
//!
//! ops call the store synchronously, also from inside tokio tasks. The sync `postgres` crate runs a
//! runtime of its own and panics when called inside another, so this engine runs `tokio-postgres`
//! on a thread of its own with a current-thread runtime, and [`PgDb`] is a synchronous facade in
//! front of it: each call sends one request over a channel and waits on a std channel for the
//! answer, which works the same from plain code and from inside any runtime.
//!
//! The guarantees the SQLite store has by its nature are made explicit here:
//! - a write transaction takes one transaction-scoped advisory lock first ([`WRITE_LOCK`]), at
//!   READ COMMITTED, so every statement after it sees every write committed before it (SQLite's
//!   `BEGIN IMMEDIATE`); waits end after `lock_timeout` (the store's busy timeout) as "busy";
//! - liveness of a journal entry or a sweep run is a session advisory lock held by the process
//!   doing the work ([`PgDb::hold_live`]) and seen by every server in `pg_locks`
//!   ([`PgDb::is_live`]): it goes when the process or its connection dies, on any host;
//! - TLS with full verification (rustls + ring, the CA in `ca_cert`) whenever the server is not on
//!   this machine: a plain connection is allowed only to a loopback address or a Unix socket.

use super::{Db, DbError, DbErrorKind, Dialect, Exec, Row, Value};
use bytes::BytesMut;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

/// The key of the store's single write lock (`pg_advisory_xact_lock`): "STEC", the store's
/// application id. Per-school scoping will use one key per school.
pub const WRITE_LOCK: i64 = 0x5354_4543;

/// The first key of every liveness lock ([`LiveKey`]); the second is the entry's id.
const LIVE_CLASS: i32 = 0x5354_4543;

/// How to reach the server.
#[derive(Debug, Clone)]
pub struct PgSettings {
    /// `postgres://USER@HOST:PORT/DB` (or the key=value form); never with a password in it.
    pub url: String,
    /// The password, read from `[store] password_file` (0600). Never printed.
    pub password: Option<String>,
    /// The PEM file of the CA that signed the server's certificate; required off loopback.
    pub ca_cert: Option<PathBuf>,
    /// How long to wait for the server to answer a connection, and for a lock.
    pub timeout: Duration,
}

/// What a liveness lock stands for: the kind of work (journal entry, sweep run) and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveKey {
    /// 1 = a journal entry, 2 = a sweep run, 3 = a schooltech process (its worker token; more
    /// kinds append).
    pub kind: u8,
    /// The entry's or run's id.
    pub id: i64,
}

impl LiveKey {
    /// The two 32-bit keys of `pg_advisory_lock(int4, int4)`: the class says schooltech and the
    /// kind, the object the id (ids stay far below 2^31 in a school's store).
    fn keys(self) -> Result<(i32, i32), DbError> {
        let id = i32::try_from(self.id)
            .map_err(|_| DbError::other(format!("id {} is too large for a lock key", self.id)))?;
        Ok((LIVE_CLASS ^ i32::from(self.kind), id))
    }
}

/// How many rows of an `execute_many` go to the server in one pipelined batch.
const PIPELINE: usize = 1000;

enum Op {
    Execute(String, Vec<Value>),
    ExecuteMany(String, Vec<Vec<Value>>),
    Query(String, Vec<Value>),
    Batch(String),
}

enum Reply {
    Count(u64),
    Rows(Vec<Row>),
    Done,
}

type Job = (Op, std_mpsc::Sender<Result<Reply, DbError>>);

/// A connection to PostgreSQL behind a synchronous facade (see the module's notes). `Send`; give
/// each thread its own, as with the SQLite store.
pub struct PgDb {
    jobs: Option<tokio::sync::mpsc::UnboundedSender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    label: String,
}

impl std::fmt::Debug for PgDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDb").field("label", &self.label).finish()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; the connection closes with the runtime.
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// True when every host of `cfg` is this machine (a loopback address, `localhost`, a Unix socket).
fn all_loopback(cfg: &tokio_postgres::Config) -> bool {
    !cfg.get_hosts().is_empty()
        && cfg.get_hosts().iter().all(|h| match h {
            Host::Tcp(name) => {
                name == "localhost"
                    || name
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|a| a.is_loopback())
            }
            Host::Unix(_) => true,
        })
}

/// The store's address for messages: `HOST:PORT/DB`, never the password.
fn label_of(cfg: &tokio_postgres::Config) -> String {
    let host = cfg
        .get_hosts()
        .first()
        .map(|h| match h {
            Host::Tcp(n) => n.clone(),
            Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_default();
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{host}:{port}/{}",
        cfg.get_dbname().unwrap_or_default()
    )
}

fn load_ca(path: &Path) -> Result<tokio_postgres_rustls::MakeRustlsConnect, DbError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let fix = "set [store] ca_cert to the PEM file of the CA that signed PostgreSQL's certificate";
    let bad = |what: String| DbError::new(DbErrorKind::Unreachable, format!("{what}; {fix}"));
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(format!("cannot read ca_cert {}: {e}", path.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(format!("ca_cert {} is not PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(bad(format!(
            "ca_cert {} holds no certificate",
            path.display()
        )));
    }
    let mut roots = rustls::RootCertStore::empty();
    for c in certs {
        roots
            .add(c)
            .map_err(|e| bad(format!("ca_cert {}: {e}", path.display())))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// A tokio-postgres error in engine-neutral words: a trigger's `RAISE EXCEPTION` arrives as its
/// message alone, as SQLite's `RAISE(ABORT, …)` does.
fn db_error(e: tokio_postgres::Error) -> DbError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        let kind = if *code == SqlState::LOCK_NOT_AVAILABLE
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            DbErrorKind::Busy
        } else if *code == SqlState::RAISE_EXCEPTION
            || *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::INSUFFICIENT_PRIVILEGE
            || *code == SqlState::CHECK_VIOLATION
            || *code == SqlState::FOREIGN_KEY_VIOLATION
            || *code == SqlState::NOT_NULL_VIOLATION
        {
            DbErrorKind::Refused
        } else if code.code().starts_with("08")
            || code.code().starts_with("28")
            || code.code().starts_with("57P")
        {
            // connection exception, invalid authorization, the server shutting down
            DbErrorKind::Unreachable
        } else {
            DbErrorKind::Other
        };
        return DbError::new(kind, db.message().to_string());
    }
    // No answer from the server: closed, refused, timed out, TLS. The source says which.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    DbError::new(DbErrorKind::Unreachable, message)
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::OID => u32::try_from(*i)?.to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => f.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn row_of(r: &tokio_postgres::Row) -> Result<Row, DbError> {
    let bad = |i: usize, e: tokio_postgres::Error| DbError::other(format!("column {i}: {e}"));
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => r
                .try_get::<_, Option<i64>>(i)
                .map(|v| v.map_or(Value::Null, Value::Int)),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)
                .map(|v| v.map_or(Value::Null, |v| Value::Int(v.into()))),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)
                .map(|v| v.map_or(Value::Null, |v| Value::Int(v.into()))),
            Type::OID => r
                .try_get::<_, Option<u32>>(i)
                .map(|v| v.map_or(Value::Null, |v| Value::Int(v.into()))),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)
                .map(|v| v.map_or(Value::Null, |v| Value::Int(v.into()))),
            Type::FLOAT8 => r
                .try_get::<_, Option<f64>>(i)
                .map(|v| v.map_or(Value::Null, Value::Real)),
            Type::FLOAT4 => r
                .try_get::<_, Option<f32>>(i)
                .map(|v| v.map_or(Value::Null, |v| Value::Real(v.into()))),
            Type::BYTEA => r
                .try_get::<_, Option<Vec<u8>>>(i)
                .map(|v| v.map_or(Value::Null, Value::Blob)),
            _ => r
                .try_get::<_, Option<String>>(i)
                .map(|v| v.map_or(Value::Null, Value::Text)),
        };
        out.push(v.map_err(|e| bad(i, e))?);
    }
    Ok(Row(out))
}

/// The connection's loop, on its own thread: one request at a time, statements prepared once.
async fn serve(client: Client, mut jobs: tokio::sync::mpsc::UnboundedReceiver<Job>) {
    let mut prepared: HashMap<String, Statement> = HashMap::new();
    while let Some((op, reply)) = jobs.recv().await {
        let answer = match op {
            Op::Batch(sql) => client
                .batch_execute(&sql)
                .await
                .map(|()| Reply::Done)
                .map_err(db_error),
            Op::ExecuteMany(sql, rows) => {
                if !prepared.contains_key(&sql) {
                    match client.prepare(&sql).await {
                        Ok(st) => {
                            prepared.insert(sql.clone(), st);
                        }
                        Err(e) => {
                            let _ = reply.send(Err(db_error(e)));
                            continue;
                        }
                    }
                }
                match prepared.get(&sql) {
                    Some(st) => run_many(&client, st, &rows).await,
                    None => Err(DbError::other("statement not prepared")),
                }
            }
            Op::Execute(sql, params) | Op::Query(sql, params) => {
                if !prepared.contains_key(&sql) {
                    match client.prepare(&sql).await {
                        Ok(st) => {
                            prepared.insert(sql.clone(), st);
                        }
                        Err(e) => {
                            let _ = reply.send(Err(db_error(e)));
                            continue;
                        }
                    }
                }
                match prepared.get(&sql) {
                    Some(st) => run(&client, st, params).await,
                    None => Err(DbError::other("statement not prepared")),
                }
            }
        };
        let _ = reply.send(answer);
    }
}

/// Runs a prepared statement: rows when it has columns, else the count of rows changed.
async fn run(client: &Client, st: &Statement, params: Vec<Value>) -> Result<Reply, DbError> {
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
    if st.columns().is_empty() {
        client
            .execute(st, &refs)
            .await
            .map(Reply::Count)
            .map_err(db_error)
    } else {
        let rows = client.query(st, &refs).await.map_err(db_error)?;
        rows.iter()
            .map(row_of)
            .collect::<Result<Vec<_>, _>>()
            .map(Reply::Rows)
    }
}

/// Runs a prepared statement for every row, all sent before the first answer is awaited (one
/// connection pipelines them), so a batch costs about one round trip, not one per row.
async fn run_many(client: &Client, st: &Statement, rows: &[Vec<Value>]) -> Result<Reply, DbError> {
    let refs: Vec<Vec<&(dyn ToSql + Sync)>> = rows
        .iter()
        .map(|p| p.iter().map(|v| v as &(dyn ToSql + Sync)).collect())
        .collect();
    let futs = refs.iter().map(|r| client.execute(st, r));
    let done = futures_util::future::join_all(futs).await;
    let mut n = 0;
    for d in done {
        n += d.map_err(db_error)?;
    }
    Ok(Reply::Count(n))
}

impl PgDb {
    /// Connects: TLS verified against `ca_cert` when given (and required off loopback), the
    /// password from the settings, `lock_timeout` set to the settings' timeout.
    pub fn connect(s: &PgSettings) -> Result<PgDb, DbError> {
        let mut cfg: tokio_postgres::Config = s.url.parse().map_err(|e| {
            DbError::other(format!(
                "[store] url is not a PostgreSQL address ({e}); write it as \
                 postgres://USER@HOST:PORT/DATABASE"
            ))
        })?;
        if cfg.get_password().is_some() {
            return Err(DbError::other(
                "[store] url holds a password; remove it from the url and put it in the file \
                 named by [store] password_file (mode 0600)",
            ));
        }
        if let Some(p) = &s.password {
            cfg.password(p.as_bytes());
        }
        cfg.connect_timeout(s.timeout);
        cfg.application_name("schooltech");
        let label = label_of(&cfg);
        let tls = match &s.ca_cert {
            Some(ca) => {
                cfg.ssl_mode(SslMode::Require);
                Some(load_ca(ca)?)
            }
            None if all_loopback(&cfg) => None,
            None => {
                return Err(DbError::new(
                    DbErrorKind::Unreachable,
                    format!(
                        "{label} is not on this machine, so the store is reached only over \
                         verified TLS; set [store] ca_cert to the PEM file of the CA that signed \
                         the server's certificate"
                    ),
                ))
            }
        };
        let lock_ms = s.timeout.as_millis();
        let (jobs, rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let (ready_tx, ready_rx) = std_mpsc::channel::<Result<(), DbError>>();
        let thread = std::thread::Builder::new()
            .name("store-postgres".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(DbError::other(format!(
                            "cannot start the PostgreSQL connection's runtime: {e}"
                        ))));
                        return;
                    }
                };
                rt.block_on(async move {
                    let opened = match tls {
                        Some(tls) => cfg.connect(tls).await.map(|(c, conn)| {
                            tokio::spawn(async move {
                                let _ = conn.await;
                            });
                            c
                        }),
                        None => cfg.connect(NoTls).await.map(|(c, conn)| {
                            tokio::spawn(async move {
                                let _ = conn.await;
                            });
                            c
                        }),
                    };
                    let client = match opened {
                        Ok(c) => c,
                        Err(e) => {
                            let _ = ready_tx.send(Err(db_error(e)));
                            return;
                        }
                    };
                    let setup = format!("SET lock_timeout = {lock_ms}; SET TIME ZONE 'UTC'");
                    if let Err(e) = client.batch_execute(&setup).await {
                        let _ = ready_tx.send(Err(db_error(e)));
                        return;
                    }
                    let _ = ready_tx.send(Ok(()));
                    serve(client, rx).await;
                });
            })
            .map_err(|e| DbError::other(format!("cannot start a thread: {e}")))?;
        let unreachable = |what: String| {
            DbError::new(
                DbErrorKind::Unreachable,
                format!(
                    "cannot reach the store at {label} ({what}); check that PostgreSQL is \
                     running, [store] url, password_file and ca_cert"
                ),
            )
        };
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(PgDb {
                jobs: Some(jobs),
                thread: Some(thread),
                label,
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(match e.kind {
                    DbErrorKind::Unreachable | DbErrorKind::Other => unreachable(e.message),
                    _ => e,
                })
            }
            Err(_) => {
                let _ = thread.join();
                Err(unreachable("the connection's thread stopped".into()))
            }
        }
    }

    /// `postgres://HOST:PORT/DB`, for messages (no user, no password).
    pub fn label(&self) -> &str {
        &self.label
    }

    fn call(&self, op: Op) -> Result<Reply, DbError> {
        let gone = || {
            DbError::new(
                DbErrorKind::Unreachable,
                format!("the connection to {} has closed", self.label),
            )
        };
        let (tx, rx) = std_mpsc::channel();
        self.jobs
            .as_ref()
            .ok_or_else(gone)?
            .send((op, tx))
            .map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())?
    }

    /// Takes the liveness lock of `key` for this session (`pg_try_advisory_lock`); false when
    /// another session holds it, i.e. a live process elsewhere is doing that work.
    pub fn hold_live(&self, key: LiveKey) -> Result<bool, DbError> {
        let (a, b) = key.keys()?;
        let row = self.query_one(
            "SELECT pg_try_advisory_lock(?1, ?2)",
            &[i64::from(a).into(), i64::from(b).into()],
        )?;
        Ok(row.map(|r| r.int(0)).transpose()? == Some(1))
    }

    /// Gives back the liveness lock of `key` (also given back when the connection ends).
    pub fn release_live(&self, key: LiveKey) -> Result<(), DbError> {
        let (a, b) = key.keys()?;
        self.query(
            "SELECT pg_advisory_unlock(?1, ?2)",
            &[i64::from(a).into(), i64::from(b).into()],
        )?;
        Ok(())
    }

    /// True when some session, on any server, holds the liveness lock of `key` (`pg_locks`):
    /// the work is being done now and must not be settled or resumed by anyone else.
    pub fn is_live(&self, key: LiveKey) -> Result<bool, DbError> {
        let (a, b) = key.keys()?;
        // The two-key form shows as classid / objid with objsubid 2; oids are unsigned.
        let row = self.query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND classid::int8 = ?1 AND objid::int8 = ?2 AND objsubid = 2",
            &[i64::from(a as u32).into(), i64::from(b as u32).into()],
        )?;
        Ok(row.map(|r| r.int(0)).transpose()?.unwrap_or(0) > 0)
    }
}

impl Exec for PgDb {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match self.call(Op::Execute(Dialect::Postgres.sql(sql), params.to_vec()))? {
            Reply::Count(n) => Ok(n),
            Reply::Rows(r) => Ok(r.len() as u64),
            Reply::Done => Ok(0),
        }
    }

    fn execute_many(&self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        let sql = Dialect::Postgres.sql(sql);
        let mut n = 0;
        for chunk in rows.chunks(PIPELINE) {
            if let Reply::Count(c) = self.call(Op::ExecuteMany(sql.clone(), chunk.to_vec()))? {
                n += c;
            }
        }
        Ok(n)
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        match self.call(Op::Query(Dialect::Postgres.sql(sql), params.to_vec()))? {
            Reply::Rows(r) => Ok(r),
            Reply::Count(_) | Reply::Done => Ok(Vec::new()),
        }
    }

    fn insert_id(&self, sql: &str, params: &[Value]) -> Result<i64, DbError> {
        let sql = format!("{} RETURNING id", sql.trim_end().trim_end_matches(';'));
        self.query_one(&sql, params)?
            .ok_or_else(|| DbError::other("the insert returned no id"))?
            .int(0)
    }

    fn batch(&self, sql: &str) -> Result<(), DbError> {
        self.call(Op::Batch(sql.to_string())).map(|_| ())
    }
}

impl Db for PgDb {
    fn begin_write(&self) -> Result<(), DbError> {
        self.batch(&format!(
            "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
        ))
        .inspect_err(|_| {
            // A lock wait that timed out leaves the transaction aborted: end it.
            let _ = self.call(Op::Batch("ROLLBACK".into()));
        })
    }

    fn begin_read(&self) -> Result<(), DbError> {
        self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    }

    fn commit(&self) -> Result<(), DbError> {
        self.batch("COMMIT")
    }

    fn rollback(&self) -> Result<(), DbError> {
        self.batch("ROLLBACK")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str) -> tokio_postgres::Config {
        url.parse().unwrap()
    }

    #[test]
    fn only_this_machine_counts_as_loopback() {
        assert!(all_loopback(&cfg("postgres://st@127.0.0.1:5432/st")));
        assert!(all_loopback(&cfg("postgres://st@localhost/st")));
        assert!(all_loopback(&cfg("host=/run/postgresql user=st")));
        assert!(!all_loopback(&cfg("postgres://st@db.trust.example/st")));
        assert!(!all_loopback(&cfg("postgres://st@10.0.0.5/st")));
    }

    #[test]
    fn off_loopback_without_a_ca_is_refused_before_connecting() {
        let e = PgDb::connect(&PgSettings {
            url: "postgres://st@db.trust.example/st".into(),
            password: None,
            ca_cert: None,
            timeout: Duration::from_secs(1),
        })
        .unwrap_err();
        assert_eq!(e.kind, DbErrorKind::Unreachable);
        assert!(e.message.contains("set [store] ca_cert"), "{e}");
    }

    #[test]
    fn a_password_in_the_url_is_refused() {
        let e = PgDb::connect(&PgSettings {
            url: "postgres://st:secret@127.0.0.1/st".into(),
            password: None,
            ca_cert: None,
            timeout: Duration::from_secs(1),
        })
        .unwrap_err();
        assert!(e.message.contains("password_file"), "{e}");
        assert!(!e.message.contains("secret"), "{e}");
    }

    #[test]
    fn labels_never_carry_the_user_or_password() {
        assert_eq!(
            label_of(&cfg("postgres://st@127.0.0.1:5433/school")),
            "postgres://127.0.0.1:5433/school"
        );
    }

    #[test]
    fn facade_is_send() {
        fn send<T: Send>() {}
        send::<PgDb>();
    }
}
