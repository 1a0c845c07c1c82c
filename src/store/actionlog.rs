//! The action log: every change schooltech makes, one row each, append-only and hash-chained.
//!
//! # The chain
//!
//! Each row carries `prev_hash`, the `hash` of the row before it (64 zeros for the first row), and
//! its own `hash`, which is the SHA-256 (lower-case hex) of the UTF-8 bytes of this JSON array, with
//! no spaces anywhere:
//!
//! ```text
//! [id,"at","operator","action","target",details,"prev_hash"]
//! ```
//!
//! - `id` is the row id as a decimal integer;
//! - `at` is the time exactly as stored: RFC 3339, UTC, whole seconds (`2026-11-25T09:30:00Z`);
//! - `operator`, `action`, `target` and `prev_hash` are JSON strings as `serde_json` writes them
//!   (only `"`, `\` and control characters escaped; other characters as UTF-8);
//! - `details` is the canonical JSON of the details exactly as stored in the `details` column: object
//!   keys sorted by their UTF-8 bytes, no whitespace, strings as above, numbers as `serde_json`
//!   writes them.
//!
//! For example `[1,"2026-11-25T09:30:00Z","jsmith","account.disable","pupil42",{"reason":"leaver"},"000…0"]`.
//! Anyone can check a log with `sqlite3` and `sha256sum` by rebuilding that line.
//!
//! [`Store::verify_log`] recomputes every row in id order and names the first row whose hash is wrong,
//! whose `prev_hash` is not the previous row's hash, or whose id skips (a deleted row). Ids are
//! `AUTOINCREMENT`, so rows cut from the end leave the counter in `sqlite_sequence` ahead of the last
//! row, which is reported too. What a hash chain cannot show: someone who can write the file may
//! rebuild the whole chain (and the counter) after changing it. Keeping a copy of the latest hash
//! elsewhere (the termly audit prints it) closes that gap.
//!
//! The log must never hold a password: [`Store::record`] refuses details with a password-like key
//! (see [`check_no_secrets`]).

use super::engine::{DbError, Row, Value};
use super::engine::{Dialect, Exec};
use super::{fmt_time, parse_time, Store};
use crate::error::Result;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An action to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAction<'a> {
    /// What was done, dotted and lower-case: `account.disable`, `password.reset`, `asset.dispose`.
    pub action: &'a str,
    /// What it was done to: an account name, a DN, an asset tag.
    pub target: &'a str,
    /// Anything else worth keeping (before/after values, reasons, counts). Never a password.
    pub details: serde_json::Value,
}

/// One row of the action log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionEntry {
    /// Row number, from 1, without gaps.
    pub id: i64,
    /// When it was recorded (UTC, whole seconds).
    pub at: DateTime<Utc>,
    /// Who did it (the login name of the real user; see [`operator`]).
    pub operator: String,
    /// What was done.
    pub action: String,
    /// What it was done to.
    pub target: String,
    /// The details as recorded.
    pub details: serde_json::Value,
    /// The hash of the row before (64 zeros for the first row).
    pub prev_hash: String,
    /// This row's hash (see the module documentation).
    pub hash: String,
}

/// Which rows [`Store::log`] returns. The default returns everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFilter {
    /// Only rows recorded at or after this moment.
    pub since: Option<DateTime<Utc>>,
    /// Only rows whose target contains this text (any case).
    pub target: Option<String>,
    /// Only rows with exactly this action.
    pub action: Option<String>,
    /// Only rows by exactly this operator.
    pub operator: Option<String>,
    /// At most this many rows (the newest).
    pub limit: Option<usize>,
}

/// What [`Store::verify_log`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainStatus {
    /// Every row checks out.
    Whole {
        /// How many rows were checked.
        rows: usize,
    },
    /// The first row that does not check out.
    Broken {
        /// Its id (for a deleted row, the id that is missing).
        id: i64,
        /// What is wrong with it, in words.
        reason: String,
    },
}

/// Who is running schooltech, as a login name: the user who logged in (the kernel's login uid,
/// `/proc/self/loginuid`, set at SSH or console login and kept across `sudo` and `su`); when that
/// is unset (a service, a container), under sudo (real uid 0 with `$SUDO_UID`) the user who ran
/// sudo; else the process's real user. Never taken from `$USER`, `$LOGNAME` or `$SUDO_USER`, and
/// `$SUDO_UID` never outranks a login uid. `uid N` when the id has no name, `unknown` without
/// /proc. Each log row records which source gave it ([`operator_source`]).
pub fn operator() -> String {
    process_operator().0.clone()
}

/// Where [`operator`] came from: `loginuid`, `sudo_uid`, `uid` or `unknown`.
pub fn operator_source() -> &'static str {
    process_operator().1.as_str()
}

fn process_operator() -> &'static (String, OperatorSource) {
    // The same for the whole process: looked up once (every store open asks).
    static OPERATOR: std::sync::OnceLock<(String, OperatorSource)> = std::sync::OnceLock::new();
    OPERATOR.get_or_init(|| {
        let login = std::fs::read_to_string("/proc/self/loginuid").ok();
        let sudo = std::env::var("SUDO_UID").ok();
        match look_up_operator(login.as_deref(), sudo.as_deref(), real_uid()) {
            Some((uid, source)) => (
                user_name(uid).unwrap_or_else(|| format!("uid {uid}")),
                source,
            ),
            None => ("unknown".to_string(), OperatorSource::Unknown),
        }
    })
}

/// Which of the process's ids named the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorSource {
    /// The kernel's login uid (`/proc/self/loginuid`).
    LoginUid,
    /// `$SUDO_UID`, as root without a login uid.
    SudoUid,
    /// The real uid.
    Uid,
    /// Nothing could be read (no /proc).
    Unknown,
}

impl OperatorSource {
    /// As recorded in a log row's details (`operator_source`).
    pub fn as_str(self) -> &'static str {
        match self {
            OperatorSource::LoginUid => "loginuid",
            OperatorSource::SudoUid => "sudo_uid",
            OperatorSource::Uid => "uid",
            OperatorSource::Unknown => "unknown",
        }
    }
}

/// The kernel's "no login uid" (`(uid_t)-1`).
pub const LOGINUID_UNSET: u32 = u32::MAX;

/// Chooses the operator's uid from the contents of `/proc/self/loginuid`, `$SUDO_UID` and the
/// real uid (pure: the caller reads them). The login uid when it is set (not 4294967295); else,
/// only when the real uid is 0, `$SUDO_UID`; else the real uid. `None` when there is no real uid.
pub fn look_up_operator(
    loginuid: Option<&str>,
    sudo_uid: Option<&str>,
    real_uid: Option<u32>,
) -> Option<(u32, OperatorSource)> {
    if let Some(uid) = loginuid
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|u| *u != LOGINUID_UNSET)
    {
        return Some((uid, OperatorSource::LoginUid));
    }
    let real = real_uid?;
    if real == 0 {
        if let Some(uid) = sudo_uid.and_then(|s| s.trim().parse::<u32>().ok()) {
            return Some((uid, OperatorSource::SudoUid));
        }
    }
    Some((real, OperatorSource::Uid))
}

/// The real user id of this process (the first field of `Uid:` in /proc/self/status).
fn real_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The login name of `uid` from /etc/passwd.
fn user_name(uid: u32) -> Option<String> {
    let uid = uid.to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.get(2) == Some(&uid.as_str()))
        .and_then(|f| f.first().map(|n| n.to_string()))
        .filter(|n| !n.is_empty())
}

/// `details` with `"operator_source": source` added (an object gains the key; anything else is
/// kept under `"details"`). A key the caller set is left as it is.
fn with_operator_source(details: &serde_json::Value, source: &str) -> serde_json::Value {
    let mut map = match details {
        serde_json::Value::Object(m) => m.clone(),
        serde_json::Value::Null => serde_json::Map::new(),
        other => {
            let mut m = serde_json::Map::new();
            m.insert("details".into(), other.clone());
            m
        }
    };
    map.entry("operator_source")
        .or_insert_with(|| serde_json::Value::String(source.to_string()));
    serde_json::Value::Object(map)
}

/// The hash of one row; see the module documentation for the exact bytes hashed. `details` must be
/// the canonical JSON text as stored.
pub fn chain_hash(
    id: i64,
    at: &str,
    operator: &str,
    action: &str,
    target: &str,
    details: &str,
    prev_hash: &str,
) -> String {
    let mut line = String::with_capacity(
        at.len() + operator.len() + action.len() + target.len() + details.len() + 120,
    );
    line.push('[');
    line.push_str(&id.to_string());
    for s in [at, operator, action, target] {
        line.push(',');
        push_json_string(&mut line, s);
    }
    line.push(',');
    line.push_str(details);
    line.push(',');
    push_json_string(&mut line, prev_hash);
    line.push(']');
    hex(&Sha256::digest(line.as_bytes()))
}

/// Canonical JSON text: object keys sorted by their UTF-8 bytes, no whitespace. Independent of
/// `serde_json`'s map ordering features.
pub fn canonical_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => push_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, k);
                out.push(':');
                if let Some(item) = map.get(k) {
                    write_canonical(item, out);
                }
            }
            out.push('}');
        }
    }
}

fn push_json_string(out: &mut String, s: &str) {
    // Serialising a &str cannot fail; the fallback only keeps this free of unwrap().
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\"")));
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Key names (lower case, without `_`, `-`, `.` and spaces) whose string or number values are
/// taken to be passwords.
const SECRET_KEYS: &[&str] = &[
    "password",
    "newpassword",
    "oldpassword",
    "currentpassword",
    "temporarypassword",
    "temppassword",
    "initialpassword",
    "passwd",
    "pwd",
    "newpwd",
    "unicodepwd",
    "userpassword",
];

/// Refuses details that would put a password in the store: a string or number (also inside an
/// array) under a key named `password`, `new_password`, `temporary_password`, `pwd`, `unicodePwd`,
/// `userPassword` and the like ([`SECRET_KEYS`]; case, `_` and `-` ignored), at any depth. Booleans,
/// nulls and objects are allowed under such keys (`"password": {"must_change": true}`), and so is
/// any key not in the list (`password_set`, `password_changed`, `password_expires`).
///
/// On refusal, returns the path of the offending key, e.g. `accounts[3].new_password`.
pub fn check_no_secrets(details: &serde_json::Value) -> std::result::Result<(), String> {
    fn is_secret_key(k: &str) -> bool {
        let norm: String = k
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        SECRET_KEYS.contains(&norm.as_str())
    }
    fn holds_secret(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(_) | serde_json::Value::Number(_) => true,
            serde_json::Value::Array(items) => items.iter().any(holds_secret),
            _ => false,
        }
    }
    fn walk(v: &serde_json::Value, path: &str) -> std::result::Result<(), String> {
        match v {
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    let here = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    if is_secret_key(k) && holds_secret(item) {
                        return Err(here);
                    }
                    walk(item, &here)?;
                }
                Ok(())
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"))?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(details, "")
}

/// The refusal message for a password found in details.
pub(crate) fn secret_refusal(store: &Store, place: &str, key: &str) -> crate::Error {
    store.error(format!(
        "refusing to write a password into the {place} (details key \"{key}\"); record that a \
         password was set (e.g. \"password_set\": true), never the password itself"
    ))
}

/// One row as stored, before any interpretation.
struct RawRow {
    id: i64,
    at: String,
    operator: String,
    action: String,
    target: String,
    details: String,
    prev_hash: String,
    hash: String,
}

const SELECT_ROW: &str =
    "SELECT id, at, operator, action, target, details, prev_hash, hash FROM action_log";

/// Reads a row; the inner `Err` says which column is not text (the file was edited by hand).
fn read_raw(row: &Row) -> std::result::Result<std::result::Result<RawRow, (i64, String)>, DbError> {
    let id: i64 = row.int(0)?;
    let text = |i: usize,
                name: &str|
     -> std::result::Result<std::result::Result<String, String>, DbError> {
        Ok(match row.0.get(i) {
            Some(Value::Text(t)) => Ok(t.clone()),
            // The SQLite engine gives text that is not UTF-8 as bytes.
            Some(Value::Blob(b)) if std::str::from_utf8(b).is_err() => {
                Err(format!("its {name} is not valid UTF-8 text"))
            }
            Some(other) => Err(format!(
                "its {name} holds {} instead of text",
                match other {
                    Value::Null => "Null",
                    Value::Int(_) => "Integer",
                    Value::Real(_) => "Real",
                    Value::Text(_) => "Text",
                    Value::Blob(_) => "Blob",
                }
            )),
            None => return Err(DbError::other(format!("the query has no column {i}"))),
        })
    };
    let mut cols = Vec::with_capacity(7);
    for (i, name) in [
        "time",
        "operator",
        "action",
        "target",
        "details",
        "prev_hash",
        "hash",
    ]
    .iter()
    .enumerate()
    {
        match text(i + 1, name)? {
            Ok(s) => cols.push(s),
            Err(reason) => return Ok(Err((id, reason))),
        }
    }
    let mut it = cols.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(Ok(RawRow {
        id,
        at: next(),
        operator: next(),
        action: next(),
        target: next(),
        details: next(),
        prev_hash: next(),
        hash: next(),
    }))
}

impl RawRow {
    fn into_entry(self) -> std::result::Result<ActionEntry, (i64, String)> {
        let at = parse_time(&self.at).ok_or_else(|| {
            (
                self.id,
                format!("its time \"{}\" is not RFC 3339 UTC", self.at),
            )
        })?;
        let details = serde_json::from_str(&self.details)
            .map_err(|e| (self.id, format!("its details are not JSON ({e})")))?;
        Ok(ActionEntry {
            id: self.id,
            at,
            operator: self.operator,
            action: self.action,
            target: self.target,
            details,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

impl Store {
    /// Appends one action, by [`Store::operator`], at `now` (kept to the second), in one
    /// transaction. Refuses details that hold a password. `now` is the moment by the clock
    /// (`ctx.wall_now()`), never `--as-of`; the store's own writers stamp rows by the store's
    /// clock instead ([`Self::append_in`]).
    pub fn record(&self, a: NewAction<'_>, now: DateTime<Utc>) -> Result<ActionEntry> {
        let mut rows = self.record_many(std::slice::from_ref(&a), now)?;
        rows.pop()
            .ok_or_else(|| self.error("recording an action returned no row; report this bug"))
    }

    /// Appends several actions in one transaction: all are recorded or none is. Refuses the whole
    /// batch if any details hold a password.
    pub fn record_many(
        &self,
        items: &[NewAction<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<ActionEntry>> {
        self.check_actions(items)?;
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let doing = "recording in the action log";
        let tx = self.write(doing)?;
        let out = self.append_at(&*tx, items, now)?;
        tx.commit().map_err(|e| self.db_error(doing, e))?;
        super::syslog::announce_for(&self.path, &out);
        Ok(out)
    }

    /// Appends `items` inside the caller's write transaction (so a journal outcome, or a store
    /// change, and its log rows commit together), stamped by the store's clock
    /// ([`Store::with_clock`]): the moment it is done, whatever `--as-of` the change was judged
    /// at. Every store writer records through here. Refuses details that hold a password. The
    /// caller sends the rows to the system journal once it has committed
    /// ([`Self::announce_logged`]).
    pub(crate) fn append_in(
        &self,
        tx: &dyn Exec,
        items: &[NewAction<'_>],
    ) -> Result<Vec<ActionEntry>> {
        self.append_at(tx, items, self.clock().now())
    }

    /// [`Self::append_in`] at a given moment. Each row's details also say where its operator
    /// came from (`operator_source`, see [`operator`]).
    fn append_at(
        &self,
        tx: &dyn Exec,
        items: &[NewAction<'_>],
        now: DateTime<Utc>,
    ) -> Result<Vec<ActionEntry>> {
        for a in items {
            if a.action.trim().is_empty() {
                return Err(self.error(
                    "refusing to record an action without a name; report this bug".to_string(),
                ));
            }
            check_no_secrets(&a.details).map_err(|key| secret_refusal(self, "action log", &key))?;
        }
        let now = now.trunc_subsecs(0);
        let at = fmt_time(now);
        let doing = "recording in the action log";
        let err = |e| self.db_error(doing, e);
        // Under the write lock no other writer can append between this read and our insert.
        let last = tx
            .query_one(
                "SELECT id, hash FROM action_log ORDER BY id DESC LIMIT 1",
                &[],
            )
            .map_err(err)?;
        let last: Option<(i64, String)> = match last {
            Some(r) => Some((r.int(0).map_err(err)?, r.string(1).map_err(err)?)),
            None => None,
        };
        // The highest id the log ever had: SQLite's sequence, PostgreSQL's head table.
        let seq = log_seq(tx).map_err(err)?;
        let (last_id, mut prev_hash) = last.unwrap_or((0, GENESIS_HASH.to_string()));
        let mut id = last_id.max(seq.unwrap_or(0));
        let mut out = Vec::with_capacity(items.len());
        {
            for a in items {
                id += 1;
                let kept = with_operator_source(&a.details, self.operator_source());
                let details = canonical_json(&kept);
                let hash = chain_hash(
                    id,
                    &at,
                    &self.operator,
                    a.action,
                    a.target,
                    &details,
                    &prev_hash,
                );
                tx.execute(
                    "INSERT INTO action_log (id, at, operator, action, target, details, prev_hash, hash) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    crate::db_params![
                        id,
                        at.as_str(),
                        self.operator.as_str(),
                        a.action,
                        a.target,
                        details.as_str(),
                        prev_hash.as_str(),
                        hash.as_str()
                    ],
                )
                .map_err(err)?;
                out.push(ActionEntry {
                    id,
                    at: now,
                    operator: self.operator.clone(),
                    action: a.action.to_string(),
                    target: a.target.to_string(),
                    details: kept,
                    prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
                    hash,
                });
            }
        }
        Ok(out)
    }

    /// Refuses actions without a name and details that hold a password.
    pub(crate) fn check_actions(&self, items: &[NewAction<'_>]) -> Result<()> {
        for a in items {
            if a.action.trim().is_empty() {
                return Err(self.error(
                    "refusing to record an action without a name; report this bug".to_string(),
                ));
            }
            check_no_secrets(&a.details).map_err(|key| secret_refusal(self, "action log", &key))?;
        }
        Ok(())
    }

    /// The rows that pass `f`, newest first.
    pub fn log(&self, f: &LogFilter) -> Result<Vec<ActionEntry>> {
        let doing = "reading the action log";
        let mut sql = format!("{SELECT_ROW} WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(since) = f.since {
            // Round a fraction of a second up: a row at 09:30:00 is before 09:30:00.5.
            let since = if since.trunc_subsecs(0) < since {
                since.trunc_subsecs(0) + chrono::Duration::seconds(1)
            } else {
                since
            };
            args.push(fmt_time(since).into());
            sql.push_str(&format!(" AND at >= ?{}", args.len()));
        }
        if let Some(action) = &f.action {
            args.push(action.into());
            sql.push_str(&format!(" AND action = ?{}", args.len()));
        }
        if let Some(op) = &f.operator {
            args.push(op.into());
            sql.push_str(&format!(" AND operator = ?{}", args.len()));
        }
        sql.push_str(" ORDER BY id DESC");
        // SQLite's lower() and LIKE only fold ASCII; names are not all ASCII, so match here.
        let needle = f.target.as_ref().map(|t| t.to_lowercase());
        let limit = f.limit.unwrap_or(usize::MAX);

        let rows = self
            .db()
            .query(&sql, &args)
            .map_err(|e| self.db_error(doing, e))?;
        let mut out = Vec::new();
        for row in &rows {
            if out.len() >= limit {
                break;
            }
            let entry = read_raw(row)
                .map_err(|e| self.db_error(doing, e))?
                .and_then(RawRow::into_entry)
                .map_err(|(id, reason)| {
                    self.error(format!(
                        "row {id} of the action log cannot be read: {reason}; the file was changed \
                         outside schooltech, run `schooltech log verify`"
                    ))
                })?;
            if let Some(n) = &needle {
                if !entry.target.to_lowercase().contains(n.as_str()) {
                    continue;
                }
            }
            out.push(entry);
        }
        Ok(out)
    }

    /// Sends rows appended by [`Self::append_in`] to the system journal, after their commit.
    pub(crate) fn announce_logged(&self, rows: &[ActionEntry]) {
        super::syslog::announce_for(&self.path, rows);
    }

    /// The head of the log: the last row's id (the number of rows, as ids have no gaps) and
    /// hash; `None` for an empty log. Paste it into the termly report (`schooltech log anchor`).
    pub fn log_head(&self) -> Result<Option<(i64, String)>> {
        let doing = "reading the action log";
        let err = |e| self.db_error(doing, e);
        match self
            .db()
            .query_one(
                "SELECT id, hash FROM action_log ORDER BY id DESC LIMIT 1",
                &[],
            )
            .map_err(err)?
        {
            Some(r) => Ok(Some((r.int(0).map_err(err)?, r.string(1).map_err(err)?))),
            None => Ok(None),
        }
    }

    /// The stored hash of row `id`, if the row exists.
    pub fn log_hash(&self, id: i64) -> Result<Option<String>> {
        let doing = "reading the action log";
        let err = |e| self.db_error(doing, e);
        match self
            .db()
            .query_one(
                "SELECT hash FROM action_log WHERE id = ?1",
                crate::db_params![id],
            )
            .map_err(err)?
        {
            Some(r) => Ok(Some(r.string(0).map_err(err)?)),
            None => Ok(None),
        }
    }

    /// Recomputes the chain from the first row and reports the first row that does not check out.
    /// `Err` only when the store cannot be read at all.
    pub fn verify_log(&self) -> Result<ChainStatus> {
        let doing = "verifying the action log";
        let tx = self.read(doing)?;
        let err = |e| self.db_error(doing, e);
        let broken = |id: i64, reason: String| Ok(ChainStatus::Broken { id, reason });
        let mut rows_checked = 0usize;
        let mut prev_id = 0i64;
        let mut prev_hash = GENESIS_HASH.to_string();
        {
            let rows = tx
                .query(&format!("{SELECT_ROW} ORDER BY id"), &[])
                .map_err(err)?;
            for row in &rows {
                let r = match read_raw(row).map_err(err)? {
                    Ok(r) => r,
                    Err((id, reason)) => return broken(id, reason),
                };
                if r.id != prev_id + 1 {
                    let missing = prev_id + 1;
                    let what = if r.id - missing == 1 {
                        format!("row {missing} is missing")
                    } else {
                        format!("rows {missing} to {} are missing", r.id - 1)
                    };
                    let from = if prev_id == 0 {
                        "the start".to_string()
                    } else {
                        format!("row {prev_id}")
                    };
                    return broken(
                        missing,
                        format!(
                            "{what} (deleted outside schooltech): the log jumps from {from} to row {}",
                            r.id
                        ),
                    );
                }
                if r.prev_hash != prev_hash {
                    let reason = if prev_id == 0 {
                        "the first row's prev_hash is not 64 zeros: rows before it were removed or \
                         it was replaced outside schooltech"
                            .to_string()
                    } else {
                        format!(
                            "its prev_hash is not the hash of row {prev_id}: row {prev_id} was \
                             changed or replaced outside schooltech"
                        )
                    };
                    return broken(r.id, reason);
                }
                let expect = chain_hash(
                    r.id,
                    &r.at,
                    &r.operator,
                    &r.action,
                    &r.target,
                    &r.details,
                    &r.prev_hash,
                );
                if expect != r.hash {
                    return broken(
                        r.id,
                        "its contents do not match its hash: the row was changed outside schooltech"
                            .to_string(),
                    );
                }
                prev_id = r.id;
                prev_hash = r.hash.clone();
                if let Err((id, reason)) = r.into_entry() {
                    return broken(id, reason);
                }
                rows_checked += 1;
            }
        }
        let seq = log_seq(&*tx).map_err(err)?;
        drop(tx);
        match seq {
            Some(s) if s > 0 && prev_id == 0 => broken(
                1,
                format!(
                    "the log was wiped: it is empty, but {s} rows were written to it \
                     (sqlite_sequence); restore the store from a backup"
                ),
            ),
            Some(s) if s > prev_id => broken(
                prev_id + 1,
                if s == prev_id + 1 {
                    format!(
                        "row {s} is missing from the end of the log (deleted outside schooltech)"
                    )
                } else {
                    format!(
                        "rows {} to {s} are missing from the end of the log (deleted outside \
                         schooltech)",
                        prev_id + 1
                    )
                },
            ),
            None if prev_id > 0 => broken(
                prev_id,
                "the log's row counter (sqlite_sequence) was removed outside schooltech, so rows \
                 cut from the end could not be seen"
                    .to_string(),
            ),
            _ => Ok(ChainStatus::Whole { rows: rows_checked }),
        }
    }
}

impl Store {
    /// True when the log's row counter is there (`sqlite_sequence`): a store made by this
    /// schooltech starts it at 0, so an empty log without it was dropped and made again (or
    /// is older than the counter), and only an anchor can say it is whole.
    pub fn log_counter_kept(&self) -> Result<bool> {
        let doing = "reading the log's row counter";
        let db = self.db();
        let kept = match db.dialect() {
            Dialect::Sqlite => db.query_one(
                "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'action_log'",
                &[],
            ),
            // The head starts with the schema at 0, as SQLite's counter does with the store.
            Dialect::Postgres => db.query_one("SELECT COUNT(*) FROM action_log_head", &[]),
        };
        let n = match kept.map_err(|e| self.db_error(doing, e))? {
            Some(r) => r.int(0).map_err(|e| self.db_error(doing, e))?,
            None => 0,
        };
        Ok(n > 0)
    }
}

/// The highest id the log has ever had: SQLite's `sqlite_sequence` row (`None` when the row is
/// gone), PostgreSQL's head table (`None` when empty; it only grows, so an empty head with rows in
/// the log means it was emptied outside schooltech).
pub(crate) fn log_seq(db: &dyn Exec) -> std::result::Result<Option<i64>, DbError> {
    let sql = match db.dialect() {
        Dialect::Sqlite => "SELECT seq FROM sqlite_sequence WHERE name = 'action_log'",
        Dialect::Postgres => crate::store::engine::pg_schema::LOG_HEAD,
    };
    match db.query_one(sql, &[])? {
        Some(r) => r.opt_int(0),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap()
    }

    fn store() -> Store {
        Store::open_in_memory().unwrap().with_operator("tech")
    }

    #[test]
    fn hash_is_the_documented_line() {
        let details = canonical_json(&json!({"b": 1, "a": "x"}));
        assert_eq!(details, r#"{"a":"x","b":1}"#);
        let line = format!(
            r#"[1,"2026-11-25T09:30:00Z","tech","account.disable","pupil42",{details},"{GENESIS_HASH}"]"#
        );
        let expect = hex(&Sha256::digest(line.as_bytes()));
        assert_eq!(
            chain_hash(
                1,
                "2026-11-25T09:30:00Z",
                "tech",
                "account.disable",
                "pupil42",
                &details,
                GENESIS_HASH
            ),
            expect
        );
        assert_eq!(expect.len(), 64);
    }

    #[test]
    fn canonical_json_sorts_nested_keys_and_escapes() {
        let v = json!({"z": [{"y": 1, "x": null}], "a": "q\"\n", "é": true, "m": 1.5});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":"q\"\n","m":1.5,"z":[{"x":null,"y":1}],"é":true}"#
        );
        let back: serde_json::Value = serde_json::from_str(&canonical_json(&v)).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn record_returns_what_log_reads_back() {
        let s = store();
        let t = t0() + chrono::Duration::milliseconds(750);
        let e = s
            .record(
                NewAction {
                    action: "account.disable",
                    target: "Zoë.Brown",
                    details: json!({"reason": "leaver", "before": {"enabled": true}}),
                },
                t,
            )
            .unwrap();
        assert_eq!(e.id, 1);
        assert_eq!(e.at, t0());
        assert_eq!(e.prev_hash, GENESIS_HASH);
        assert_eq!(e.operator, "tech");
        let back = s.log(&LogFilter::default()).unwrap();
        assert_eq!(back, vec![e]);
    }

    #[test]
    fn filters_newest_first() {
        let s = store();
        for i in 0..10 {
            let target = if i % 2 == 0 {
                "ZOË.Brown"
            } else {
                "amir.khan"
            };
            let action = if i < 5 {
                "account.disable"
            } else {
                "password.reset"
            };
            s.record(
                NewAction {
                    action,
                    target,
                    details: json!({ "i": i }),
                },
                t0() + chrono::Duration::hours(i),
            )
            .unwrap();
        }
        let all = s.log(&LogFilter::default()).unwrap();
        assert_eq!(
            all.iter().map(|e| e.id).collect::<Vec<_>>(),
            (1..=10).rev().collect::<Vec<_>>()
        );
        let zoe = s
            .log(&LogFilter {
                target: Some("zoë".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            zoe.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![9, 7, 5, 3, 1]
        );
        let recent_resets = s
            .log(&LogFilter {
                since: Some(t0() + chrono::Duration::minutes(6 * 60 + 30)),
                action: Some("password.reset".into()),
                limit: Some(2),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            recent_resets.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![10, 9]
        );
        let since_exact = s
            .log(&LogFilter {
                since: Some(t0() + chrono::Duration::hours(8)),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(since_exact.len(), 2);
        let nobody = s
            .log(&LogFilter {
                operator: Some("someone-else".into()),
                ..Default::default()
            })
            .unwrap();
        assert!(nobody.is_empty());
    }

    #[test]
    fn record_many_chains_within_one_batch() {
        let s = store();
        let items: Vec<NewAction> = ["a", "b", "c"]
            .iter()
            .map(|t| NewAction {
                action: "account.move",
                target: t,
                details: json!({}),
            })
            .collect();
        let rows = s.record_many(&items, t0()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].prev_hash, rows[0].hash);
        assert_eq!(rows[2].prev_hash, rows[1].hash);
        assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 3 });
        assert!(s.record_many(&[], t0()).unwrap().is_empty());
    }

    #[test]
    fn secrets_are_found_anywhere() {
        for bad in [
            json!({"password": "Otter&Lantern9"}),
            json!({"New_Password": "x"}),
            json!({"temporary_password": ""}),
            json!({"after": {"unicodePwd": "x"}}),
            json!({"accounts": [{"user": "a"}, {"userPassword": "{SSHA}abc"}]}),
            json!({"pwd": 123456}),
            json!({"new-password": ["x"]}),
        ] {
            assert!(check_no_secrets(&bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_no_secrets(&json!({"accounts": [{}, {"after": {"PWD": "x"}}]})),
            Err("accounts[1].after.PWD".to_string())
        );
        for ok in [
            json!({"password_set": true, "password_changed": "2026-11-25T09:30:00Z"}),
            json!({"password_expires": "2027-02-23", "must_change_password": true}),
            json!({"password": {"must_change": true}}),
            json!({"password": null}),
            json!({"password": true}),
            json!(["password", "pwd"]),
            json!("password"),
        ] {
            assert!(check_no_secrets(&ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn record_refuses_a_password_and_writes_nothing() {
        let s = store();
        let err = s
            .record_many(
                &[
                    NewAction {
                        action: "password.reset",
                        target: "amir.khan",
                        details: json!({"must_change": true}),
                    },
                    NewAction {
                        action: "password.reset",
                        target: "zoe.brown",
                        details: json!({"temporary_password": "Otter&Lantern9"}),
                    },
                ],
                t0(),
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("temporary_password"), "{err}");
        assert!(!err.contains("Otter"), "{err}");
        assert!(s.log(&LogFilter::default()).unwrap().is_empty());
    }

    #[test]
    fn operator_is_the_real_user_whatever_the_environment_says() {
        // Read-only: $USER and $SUDO_USER play no part, so whatever they hold the answer is the
        // name of the uid the three sources give.
        let op = operator();
        assert!(!op.is_empty());
        let login = std::fs::read_to_string("/proc/self/loginuid").ok();
        let sudo = std::env::var("SUDO_UID").ok();
        let (uid, source) =
            look_up_operator(login.as_deref(), sudo.as_deref(), real_uid()).unwrap();
        assert_eq!(op, user_name(uid).unwrap_or(format!("uid {uid}")));
        assert_eq!(operator_source(), source.as_str());
    }

    #[test]
    fn the_login_uid_outranks_sudo_uid_which_outranks_nothing_but_root() {
        use OperatorSource::*;
        // Logged in over SSH as 1000, then sudo: the login uid, whatever $SUDO_UID says.
        assert_eq!(
            look_up_operator(Some("1000\n"), Some("65534"), Some(0)),
            Some((1000, LoginUid))
        );
        // su from a login as 1001 to another user: still the login uid.
        assert_eq!(
            look_up_operator(Some("1001"), None, Some(1002)),
            Some((1001, LoginUid))
        );
        // No login uid (unset is 4294967295): $SUDO_UID, only as root.
        assert_eq!(
            look_up_operator(Some("4294967295"), Some("1000"), Some(0)),
            Some((1000, SudoUid))
        );
        assert_eq!(
            look_up_operator(Some("4294967295"), Some("0"), Some(1000)),
            Some((1000, Uid))
        );
        // Otherwise the real uid; nonsense in either file or variable is ignored.
        assert_eq!(look_up_operator(None, None, Some(0)), Some((0, Uid)));
        assert_eq!(
            look_up_operator(Some("x"), Some("nobody"), Some(0)),
            Some((0, Uid))
        );
        assert_eq!(look_up_operator(None, Some("1000"), None), None);
    }

    #[test]
    fn rows_record_where_the_operator_came_from_and_still_verify() {
        let s = Store::open_in_memory().unwrap();
        let e = s
            .record(
                NewAction {
                    action: "account.enable",
                    target: "a",
                    details: json!({"k": 1}),
                },
                t0(),
            )
            .unwrap();
        assert_eq!(e.details["operator_source"], operator_source());
        assert_eq!(e.details["k"], 1);
        let given = store()
            .record(
                NewAction {
                    action: "account.enable",
                    target: "a",
                    details: json!(["x"]),
                },
                t0(),
            )
            .unwrap();
        assert_eq!(
            given.details,
            json!({"details": ["x"], "operator_source": "given"})
        );
        assert_eq!(s.verify_log().unwrap(), ChainStatus::Whole { rows: 1 });
    }

    #[test]
    fn store_writers_stamp_rows_by_the_store_clock() {
        let later = t0() + chrono::Duration::days(90);
        let s = store().with_clock(crate::clock::Clock::Fixed(later));
        let tx = s.write("t").unwrap();
        let rows = s
            .append_in(
                &*tx,
                &[NewAction {
                    action: "asset.add",
                    target: "HA1",
                    details: json!({}),
                }],
            )
            .unwrap();
        tx.commit().unwrap();
        assert_eq!(rows[0].at, later);
        assert_eq!(s.log(&LogFilter::default()).unwrap()[0].at, later);
    }

    #[test]
    fn a_wiped_log_is_not_whole() {
        let s = store();
        s.record(
            NewAction {
                action: "account.enable",
                target: "a",
                details: json!({}),
            },
            t0(),
        )
        .unwrap();
        s.db()
            .batch("DROP TRIGGER action_log_no_delete; DELETE FROM action_log;")
            .unwrap();
        match s.verify_log().unwrap() {
            ChainStatus::Broken { reason, .. } => assert!(reason.contains("wiped"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}
