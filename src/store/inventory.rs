//! The inventory in the store: assets and their history, loans, software, audit rounds and scans,
//! disposal batches. Reads are methods on [`Store`]; every change goes through an [`InvTx`], one
//! write transaction that also appends the action-log rows, so a change and its log are written
//! together or not at all.

use super::engine::{DbError, Dialect, Exec, Row, Tx};
use super::{fmt_time, parse_time, ActionEntry, NewAction, Store};
use crate::db_params;
use crate::domain::inventory::asset::Encrypted;
use crate::domain::inventory::disposal::Sanitisation;
use crate::domain::inventory::loan::{Borrower, Loan};
use crate::domain::inventory::software::{Licence, Title};
use crate::domain::inventory::{Asset, Category, ScanOutcome, Status};
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

/// The asset columns, in the order [`asset_from_row`] reads them.
pub(crate) const ASSET_COLS: &str = "a.id, a.tag, a.serial, a.category, a.manufacturer, a.model, \
    a.data_bearing, a.site, a.room, a.status, a.purchase_date, a.price_pence, a.supplier, \
    a.warranty_end, a.funding, a.encrypted, a.last_audited, a.notes";

/// A date as stored: `YYYY-MM-DD`.
pub(crate) fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_date_col(s: Option<String>) -> std::result::Result<Option<NaiveDate>, String> {
    match s {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("malformed date \"{s}\"")),
    }
}

/// A row's typed reads, for the malformed-row messages: a column of the wrong type is told as
/// the database's own words.
type Read<T> = std::result::Result<std::result::Result<T, String>, DbError>;

/// Reads an asset from the columns of [`ASSET_COLS`] starting at `at`.
fn asset_from_row(r: &Row, at: usize) -> Read<Asset> {
    let tag = r.string(at + 1)?;
    let cat = r.string(at + 3)?;
    let status = r.string(at + 9)?;
    let enc = r.string(at + 15)?;
    let pd = r.opt_string(at + 10)?;
    let we = r.opt_string(at + 13)?;
    let la = r.opt_string(at + 16)?;
    let s = |e: DbError| e.to_string();
    let build = || -> std::result::Result<Asset, String> {
        Ok(Asset {
            id: r.int(at).map_err(s)?,
            serial: r.opt_string(at + 2).map_err(s)?.unwrap_or_default(),
            category: Category::parse(&cat)?,
            manufacturer: r.string(at + 4).map_err(s)?,
            model: r.string(at + 5).map_err(s)?,
            data_bearing: r.bool(at + 6).map_err(s)?,
            site: r.string(at + 7).map_err(s)?,
            room: r.string(at + 8).map_err(s)?,
            status: Status::parse(&status)?,
            purchase_date: parse_date_col(pd.clone())?,
            price_pence: r.opt_int(at + 11).map_err(s)?,
            supplier: r.string(at + 12).map_err(s)?,
            warranty_end: parse_date_col(we.clone())?,
            funding: r.string(at + 14).map_err(s)?,
            encrypted: Encrypted::parse(&enc)?,
            last_audited: parse_date_col(la.clone())?,
            notes: r.string(at + 17).map_err(s)?,
            tag: tag.clone(),
        })
    };
    Ok(build().map_err(|e| format!("asset {tag}: {e}")))
}

/// How many rows one statement of [`insert_rows`] carries: 100 rows of up to 300 columns stay
/// under SQLite's 32,766 parameters and PostgreSQL's 65,535.
pub const ROWS_PER_INSERT: usize = 100;

/// Inserts `rows` (each the values of `head`'s columns, in order) with multi-row `INSERT … VALUES
/// (…), (…)` statements of [`ROWS_PER_INSERT`] rows: on PostgreSQL one statement per hundred rows,
/// pipelined by `execute_many`, instead of one round of parse-bind-execute per row; on SQLite one
/// prepared statement run per hundred rows. Same transaction, same constraints and triggers as
/// one insert per row. `head` is `INSERT INTO table (col, …)` in the shared form. Returns the rows
/// written.
pub fn insert_rows(
    db: &dyn Exec,
    head: &str,
    rows: Vec<Vec<super::engine::Value>>,
) -> std::result::Result<u64, DbError> {
    let Some(first) = rows.first() else {
        return Ok(0);
    };
    let cols = first.len();
    if cols == 0 || rows.iter().any(|r| r.len() != cols) {
        return Err(DbError::other(format!(
            "{head}: every row must have the same number of values"
        )));
    }
    let statement = |n: usize| {
        let mut sql = String::with_capacity(head.len() + n * cols * 6 + 8);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        for r in 0..n {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..cols {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("?{}", r * cols + c + 1));
            }
            sql.push(')');
        }
        sql
    };
    // Each statement's values, moved (not copied) out of the rows.
    let mut full: Vec<Vec<super::engine::Value>> = Vec::with_capacity(rows.len() / ROWS_PER_INSERT);
    let mut flat: Vec<super::engine::Value> = Vec::with_capacity(ROWS_PER_INSERT * cols);
    let mut in_flat = 0;
    for r in rows {
        flat.extend(r);
        in_flat += 1;
        if in_flat == ROWS_PER_INSERT {
            full.push(std::mem::replace(
                &mut flat,
                Vec::with_capacity(ROWS_PER_INSERT * cols),
            ));
            in_flat = 0;
        }
    }
    let mut n = 0;
    if !full.is_empty() {
        n += db.execute_many(&statement(ROWS_PER_INSERT), &full)?;
    }
    if in_flat > 0 {
        n += db.execute(&statement(in_flat), &flat)?;
    }
    Ok(n)
}

/// A tag as written and its (manufacturer, serial) lower-cased, for duplicate checks.
pub type AssetKey = (String, Option<(String, String)>);

/// What a scan finds: (asset id, tag as registered, room, status, already seen this round).
pub type ScanHit = (i64, String, String, String, bool);

/// Which assets [`Store::assets`] returns. The default returns every asset.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AssetQuery {
    /// Text anywhere in tag, serial, make, model, place, notes, category (any case).
    pub search: Option<String>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this category.
    pub category: Option<Category>,
    /// Only this room (any case).
    pub room: Option<String>,
    /// Only assets out on loan (to a person or a place).
    pub loaned: bool,
    /// Only loans past their due day as of this day.
    pub overdue_on: Option<NaiveDate>,
    /// Only assets on loan to this username.
    pub loaned_to: Option<String>,
    /// Only portable data-bearing assets, deployed or on loan, not known to be encrypted.
    pub unencrypted: bool,
    /// At most this many.
    pub limit: Option<usize>,
}

/// An asset with its open loan, for lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetRow {
    /// The asset.
    #[serde(flatten)]
    pub asset: Asset,
    /// Who or where it is on loan to.
    pub loaned_to: Option<String>,
    /// When the loan is due back.
    pub due: Option<NaiveDate>,
}

/// One history row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub operator: String,
    /// Which field (`created`, `status`, `room`, …).
    pub field: String,
    /// Before.
    pub old: Option<String>,
    /// After.
    pub new: Option<String>,
    /// Why, or what did it (a loan, a disposal batch).
    pub note: String,
}

/// An audit round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    /// Row id.
    pub id: i64,
    /// Its name, e.g. `Autumn 2026`.
    pub name: String,
    /// Opened.
    pub started_at: DateTime<Utc>,
    /// By.
    pub started_by: String,
    /// Closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// By.
    pub closed_by: Option<String>,
}

/// One scan as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanRow {
    /// When.
    pub at: DateTime<Utc>,
    /// The tag as scanned.
    pub tag: String,
    /// The asset, when the tag is known.
    pub asset_id: Option<i64>,
    /// Where the scanner was.
    pub room: String,
    /// What it meant.
    pub outcome: ScanOutcome,
}

/// A disposal batch as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchRow {
    /// Row id.
    pub id: i64,
    /// Its reference, e.g. `WEEE-2026-1`.
    pub name: String,
    /// Carrier's name.
    pub carrier: String,
    /// Carrier's registration.
    pub carrier_registration: String,
    /// Collected.
    pub collected_on: Option<NaiveDate>,
    /// Waste transfer note.
    pub transfer_note: String,
    /// Consignment note.
    pub consignment_note: String,
    /// Notes.
    pub notes: String,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Closed by (operator).
    pub closed_by: Option<String>,
    /// Who signed it off.
    pub signed_off_by: Option<String>,
}

/// A sanitisation record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SanitisationRow {
    /// Method.
    pub method: Sanitisation,
    /// Certificate or reference number.
    pub certificate: String,
    /// Who verified it.
    pub verified_by: String,
    /// When it was done.
    pub done_on: Option<NaiveDate>,
}

/// An item of a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    /// Row id.
    pub id: i64,
    /// The asset.
    pub asset: Asset,
    /// List of Waste code.
    pub waste_code: String,
    /// Its sanitisation record.
    pub sanitisation: Option<SanitisationRow>,
    /// It is on loan right now.
    pub on_loan: bool,
}

const BATCH_COLS: &str = "id, name, carrier, carrier_reg, collected_on, transfer_note, \
    consignment_note, notes, created_at, closed_at, closed_by, signed_off_by";

fn time_col(s: String) -> std::result::Result<DateTime<Utc>, String> {
    parse_time(&s).ok_or_else(|| format!("malformed time \"{s}\""))
}

fn batch_from_row(r: &Row) -> Read<BatchRow> {
    let collected = r.opt_string(4)?;
    let created = r.string(8)?;
    let closed = r.opt_string(9)?;
    let name = r.string(1)?;
    let s = |e: DbError| e.to_string();
    let out = (|| -> std::result::Result<BatchRow, String> {
        Ok(BatchRow {
            id: r.int(0).map_err(s)?,
            name: name.clone(),
            carrier: r.string(2).map_err(s)?,
            carrier_registration: r.string(3).map_err(s)?,
            collected_on: parse_date_col(collected)?,
            transfer_note: r.string(5).map_err(s)?,
            consignment_note: r.string(6).map_err(s)?,
            notes: r.string(7).map_err(s)?,
            created_at: time_col(created)?,
            closed_at: closed.map(time_col).transpose()?,
            closed_by: r.opt_string(10).map_err(s)?,
            signed_off_by: r.opt_string(11).map_err(s)?,
        })
    })();
    Ok(out.map_err(|e| format!("disposal batch {name}: {e}")))
}

fn round_from_row(r: &Row) -> Read<Round> {
    let started = r.string(2)?;
    let closed = r.opt_string(4)?;
    let name = r.string(1)?;
    let s = |e: DbError| e.to_string();
    Ok((|| -> std::result::Result<Round, String> {
        Ok(Round {
            id: r.int(0).map_err(s)?,
            name: name.clone(),
            started_at: time_col(started)?,
            started_by: r.string(3).map_err(s)?,
            closed_at: closed.map(time_col).transpose()?,
            closed_by: r.opt_string(5).map_err(s)?,
        })
    })()
    .map_err(|e| format!("audit round {name}: {e}")))
}

const LOAN_COLS: &str = "l.id, a.tag, l.borrower_kind, l.borrower, l.borrower_name, l.issued_at, \
    l.issued_by, l.due, l.returned_at, l.returned_by, l.condition, l.notes";

fn loan_from_row(r: &Row) -> Read<Loan> {
    let kind = r.string(2)?;
    let who = r.string(3)?;
    let issued = r.string(5)?;
    let due = r.opt_string(7)?;
    let returned = r.opt_string(8)?;
    let id = r.int(0)?;
    let s = |e: DbError| e.to_string();
    Ok((|| -> std::result::Result<Loan, String> {
        Ok(Loan {
            id,
            tag: r.string(1).map_err(s)?,
            borrower: if kind == "user" {
                Borrower::User(who.clone())
            } else {
                Borrower::Location(who.clone())
            },
            borrower_name: r.string(4).map_err(s)?,
            issued_at: time_col(issued)?,
            issued_by: r.string(6).map_err(s)?,
            due: parse_date_col(due)?,
            returned_at: returned.map(time_col).transpose()?,
            returned_by: r.opt_string(9).map_err(s)?,
            condition: r.string(10).map_err(s)?,
            notes: r.string(11).map_err(s)?,
        })
    })()
    .map_err(|e| format!("loan {id}: {e}")))
}

/// Reads every row of a query with `read`; a malformed row stops it with the words to restore.
fn collect<T>(
    store: &Store,
    doing: &str,
    rows: &[Row],
    read: impl Fn(&Row) -> Read<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        match read(r).map_err(|e| store.db_error(doing, e))? {
            Ok(v) => out.push(v),
            Err(msg) => {
                return Err(store.error(format!(
                    "{doing}: {msg}; the store was edited outside schooltech — restore it from a backup"
                )))
            }
        }
    }
    Ok(out)
}

/// Runs a query for [`collect`].
fn query_all<T>(
    store: &Store,
    db: &dyn Exec,
    doing: &str,
    sql: &str,
    params: &[super::engine::Value],
    read: impl Fn(&Row) -> Read<T>,
) -> Result<Vec<T>> {
    let rows = db
        .query(sql, params)
        .map_err(|e| store.db_error(doing, e))?;
    collect(store, doing, &rows, read)
}

impl Store {
    /// Assets matching `q`, by tag, each with its open loan.
    pub fn assets(&self, q: &AssetQuery) -> Result<Vec<AssetRow>> {
        let doing = "reading the inventory";
        // Open loans are few: read them once and join in Rust (a join per row costs more than
        // the scan of 100,000 assets itself).
        let mut loans: std::collections::HashMap<i64, (String, Option<String>)> =
            std::collections::HashMap::new();
        {
            let err = |e| self.db_error(doing, e);
            let rows = self
                .db()
                .query(
                    "SELECT asset_id, borrower, due FROM loans WHERE returned_at IS NULL",
                    &[],
                )
                .map_err(err)?;
            for r in &rows {
                let id = r.int(0).map_err(err)?;
                let who = r.string(1).map_err(err)?;
                let due = r.opt_string(2).map_err(err)?;
                loans.insert(id, (who, due));
            }
        }
        let mut sql = format!("SELECT {ASSET_COLS} FROM assets a WHERE 1 = 1");
        let mut args: Vec<super::engine::Value> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, v: super::engine::Value| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            arg(
                &mut sql,
                " AND instr(a.search, ?) > 0",
                s.to_lowercase().into(),
            );
        }
        if let Some(st) = q.status {
            arg(
                &mut sql,
                " AND a.status = ?",
                st.as_str().to_string().into(),
            );
        }
        if let Some(c) = q.category {
            arg(
                &mut sql,
                " AND a.category = ?",
                c.as_str().to_string().into(),
            );
        }
        if let Some(r) = &q.room {
            arg(
                &mut sql,
                " AND a.room = ? COLLATE NOCASE",
                r.trim().to_string().into(),
            );
        }
        const OPEN: &str = " AND a.id IN (SELECT asset_id FROM loans WHERE returned_at IS NULL";
        if q.loaned {
            sql.push_str(OPEN);
            sql.push(')');
        }
        if let Some(d) = q.overdue_on {
            arg(
                &mut sql,
                &format!("{OPEN} AND due < ?)"),
                fmt_date(d).into(),
            );
        }
        if let Some(u) = &q.loaned_to {
            arg(
                &mut sql,
                &format!("{OPEN} AND borrower_kind = 'user' AND borrower = ?)"),
                u.trim().to_string().into(),
            );
        }
        if q.unencrypted {
            sql.push_str(
                " AND a.data_bearing = 1 AND a.encrypted <> 'yes' \
                 AND a.category IN ('laptop', 'tablet', 'phone', 'storage') \
                 AND a.status IN ('deployed', 'on-loan')",
            );
        }
        sql.push_str(" ORDER BY a.tag");
        if let Some(n) = q.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        query_all(self, self.db(), doing, &sql, &args, |r| {
            let a = asset_from_row(r, 0)?;
            Ok(a.and_then(|asset| {
                let (loaned_to, due) = match loans.get(&asset.id) {
                    Some((w, d)) => (Some(w.clone()), parse_date_col(d.clone())?),
                    None => (None, None),
                };
                Ok(AssetRow {
                    asset,
                    loaned_to,
                    due,
                })
            }))
        })
    }

    /// One asset by tag (any case).
    pub fn asset(&self, tag: &str) -> Result<Option<Asset>> {
        asset_by_tag(self, self.db(), tag.trim())
    }

    /// Assets added on or after `day`, by tag.
    pub fn assets_added_since(&self, day: NaiveDate) -> Result<Vec<Asset>> {
        let doing = "reading the inventory";
        let sql =
            format!("SELECT {ASSET_COLS} FROM assets a WHERE a.created_at >= ?1 ORDER BY a.tag");
        query_all(
            self,
            self.db(),
            doing,
            &sql,
            db_params![fmt_date(day)],
            |r| asset_from_row(r, 0),
        )
    }

    /// Every asset with this serial from this manufacturer (any case): at most one.
    pub fn asset_by_serial(&self, manufacturer: &str, serial: &str) -> Result<Option<Asset>> {
        let doing = "looking up a serial number";
        let sql = format!(
            "SELECT {ASSET_COLS} FROM assets a WHERE a.manufacturer = ?1 AND a.serial = ?2"
        );
        let p = db_params![manufacturer.trim(), serial.trim()];
        Ok(query_all(self, self.db(), doing, &sql, p, |r| asset_from_row(r, 0))?.pop())
    }

    /// Every tag and (manufacturer, serial) in the register, for duplicate checks.
    pub fn asset_keys(&self) -> Result<Vec<AssetKey>> {
        let doing = "reading asset tags";
        let sql = "SELECT tag, manufacturer, serial FROM assets";
        query_all(self, self.db(), doing, sql, &[], |r| {
            let tag = r.string(0)?;
            let m = r.string(1)?;
            let s = r.opt_string(2)?;
            Ok(Ok((tag, s.map(|s| (m.to_lowercase(), s.to_lowercase())))))
        })
    }

    /// The history of an asset, oldest first.
    pub fn asset_history(&self, asset_id: i64) -> Result<Vec<HistoryRow>> {
        let doing = "reading an asset's history";
        let sql = "SELECT at, operator, field, old, new, note FROM asset_history \
                   WHERE asset_id = ?1 ORDER BY id";
        query_all(self, self.db(), doing, sql, db_params![asset_id], |r| {
            let at = r.string(0)?;
            let row = (
                r.string(1)?,
                r.string(2)?,
                r.opt_string(3)?,
                r.opt_string(4)?,
                r.string(5)?,
            );
            Ok(time_col(at).map(|at| HistoryRow {
                at,
                operator: row.0,
                field: row.1,
                old: row.2,
                new: row.3,
                note: row.4,
            }))
        })
    }

    /// Every history row of `field` across assets, with the asset's tag, oldest first (e.g. the
    /// data-breach records).
    pub fn history_rows_of_field(&self, field: &str) -> Result<Vec<(String, HistoryRow)>> {
        let doing = "reading the assets' history";
        let sql =
            "SELECT a.tag, h.at, h.operator, h.field, h.old, h.new, h.note FROM asset_history h \
                   JOIN assets a ON a.id = h.asset_id WHERE h.field = ?1 ORDER BY h.id";
        query_all(self, self.db(), doing, sql, db_params![field], |r| {
            let tag = r.string(0)?;
            let at = r.string(1)?;
            let row = (
                r.string(2)?,
                r.string(3)?,
                r.opt_string(4)?,
                r.opt_string(5)?,
                r.string(6)?,
            );
            Ok(time_col(at).map(|at| {
                (
                    tag,
                    HistoryRow {
                        at,
                        operator: row.0,
                        field: row.1,
                        old: row.2,
                        new: row.3,
                        note: row.4,
                    },
                )
            }))
        })
    }

    /// Loans: of one asset (`asset_id`), or all; `open_only` leaves out returned ones. Newest first.
    pub fn loans(&self, asset_id: Option<i64>, open_only: bool) -> Result<Vec<Loan>> {
        let doing = "reading loans";
        let mut sql = format!(
            "SELECT {LOAN_COLS} FROM loans l JOIN assets a ON a.id = l.asset_id WHERE 1 = 1"
        );
        if open_only {
            sql.push_str(" AND l.returned_at IS NULL");
        }
        if asset_id.is_some() {
            sql.push_str(" AND l.asset_id = ?1");
        }
        sql.push_str(" ORDER BY l.id DESC");
        let p = match asset_id {
            Some(id) => vec![id.into()],
            None => Vec::new(),
        };
        query_all(self, self.db(), doing, &sql, &p, loan_from_row)
    }

    /// The open audit round, if any.
    pub fn open_round(&self) -> Result<Option<Round>> {
        self.round_where("closed_at IS NULL", None)
    }

    /// An audit round by name (any case), or the newest when `name` is None.
    pub fn round(&self, name: Option<&str>) -> Result<Option<Round>> {
        match name {
            Some(n) => self.round_where("name = ?1", Some(n.trim())),
            None => self.round_where("1 = 1", None),
        }
    }

    fn round_where(&self, cond: &str, arg: Option<&str>) -> Result<Option<Round>> {
        let doing = "reading audit rounds";
        let sql = format!(
            "SELECT id, name, started_at, started_by, closed_at, closed_by FROM audit_rounds \
             WHERE {cond} ORDER BY id DESC LIMIT 1"
        );
        let p = match arg {
            Some(a) => vec![a.into()],
            None => Vec::new(),
        };
        Ok(query_all(self, self.db(), doing, &sql, &p, round_from_row)?.pop())
    }

    /// Every scan of a round, in order.
    pub fn scans(&self, round_id: i64) -> Result<Vec<ScanRow>> {
        let doing = "reading audit scans";
        let sql = "SELECT at, tag, asset_id, room, outcome FROM audit_scans WHERE round_id = ?1 ORDER BY id";
        query_all(self, self.db(), doing, sql, db_params![round_id], |r| {
            let at = r.string(0)?;
            let outcome = r.string(4)?;
            let (tag, asset_id, room) = (r.string(1)?, r.opt_int(2)?, r.string(3)?);
            Ok(time_col(at).and_then(|at| {
                Ok(ScanRow {
                    at,
                    tag,
                    asset_id,
                    room,
                    outcome: ScanOutcome::parse(&outcome)
                        .ok_or_else(|| format!("unknown scan outcome {outcome}"))?,
                })
            }))
        })
    }

    /// Disposal batches, oldest first.
    pub fn batches(&self) -> Result<Vec<BatchRow>> {
        let doing = "reading disposal batches";
        let sql = format!("SELECT {BATCH_COLS} FROM disposal_batches ORDER BY id");
        query_all(self, self.db(), doing, &sql, &[], batch_from_row)
    }

    /// A disposal batch by name (any case).
    pub fn batch(&self, name: &str) -> Result<Option<BatchRow>> {
        batch_by_name(self, self.db(), name)
    }

    /// The items of a batch with their sanitisation records.
    pub fn batch_items(&self, batch_id: i64) -> Result<Vec<ItemRow>> {
        batch_items(self, self.db(), batch_id)
    }

    /// The batch an asset is in, if any.
    pub fn batch_of(&self, asset_id: i64) -> Result<Option<String>> {
        batch_of(self, self.db(), "reading disposal items", asset_id)
    }

    /// Software titles with how many installations each has, by title.
    pub fn software(&self) -> Result<Vec<Title>> {
        software_titles(self, self.db(), None)
    }

    /// One title (any case).
    pub fn software_title(&self, title: &str) -> Result<Option<Title>> {
        Ok(software_titles(self, self.db(), Some(title.trim()))?.pop())
    }

    /// Installations of a title: (asset tag or username, kind).
    pub fn installs(&self, software_id: i64) -> Result<Vec<(String, &'static str)>> {
        let doing = "reading installations";
        let sql =
            "SELECT coalesce(a.tag, i.username), CASE WHEN i.asset_id IS NULL THEN 0 ELSE 1 END \
                   FROM software_installs i LEFT JOIN assets a ON a.id = i.asset_id \
                   WHERE i.software_id = ?1 ORDER BY i.id";
        query_all(self, self.db(), doing, sql, db_params![software_id], |r| {
            let who = r.string(0)?;
            let dev = r.bool(1)?;
            Ok(Ok((who, if dev { "asset" } else { "user" })))
        })
    }

    /// Starts an inventory change: one write transaction (BEGIN IMMEDIATE) that also carries the
    /// action-log rows added with [`InvTx::log`]. Nothing is written unless [`InvTx::commit`] runs.
    pub fn inventory_tx(&self, doing: &'static str, now: DateTime<Utc>) -> Result<InvTx<'_>> {
        let tx = self.write(doing)?;
        Ok(InvTx {
            store: self,
            tx,
            doing,
            at: fmt_time(now),
            actions: Vec::new(),
        })
    }

    /// Gives this connection room for work on the whole register (a 100,000-asset import or list):
    /// a 64 MB page cache and memory-mapped reads, instead of SQLite's 2 MB default.
    /// On PostgreSQL the server's own settings rule, and nothing is done.
    pub fn tune_for_bulk(&self) -> Result<()> {
        if self.db().dialect() != Dialect::Sqlite {
            return Ok(());
        }
        self.db()
            .batch("PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;")
            .map_err(|e| self.db_error("setting up the connection", e))
    }

    /// Sets how hard SQLite waits for the disk on this connection. The store opens with FULL
    /// (every commit on disk when it returns); an audit scan session may choose NORMAL, which in
    /// WAL mode survives a crash of the program but may lose the last scans on a power cut.
    /// On PostgreSQL the server's durability settings rule, and nothing is done.
    pub fn set_synchronous_normal(&self) -> Result<()> {
        if self.db().dialect() != Dialect::Sqlite {
            return Ok(());
        }
        self.db()
            .batch("PRAGMA synchronous = NORMAL")
            .map_err(|e| self.db_error("setting up an audit scan session", e))
    }
}

fn asset_by_tag(store: &Store, db: &dyn Exec, tag: &str) -> Result<Option<Asset>> {
    let doing = "looking up an asset";
    let sql = format!("SELECT {ASSET_COLS} FROM assets a WHERE a.tag = ?1");
    Ok(query_all(store, db, doing, &sql, db_params![tag], |r| {
        asset_from_row(r, 0)
    })?
    .pop())
}

fn batch_by_name(store: &Store, db: &dyn Exec, name: &str) -> Result<Option<BatchRow>> {
    let doing = "reading a disposal batch";
    let sql = format!("SELECT {BATCH_COLS} FROM disposal_batches WHERE name = ?1");
    Ok(query_all(
        store,
        db,
        doing,
        &sql,
        db_params![name.trim()],
        batch_from_row,
    )?
    .pop())
}

fn batch_of(store: &Store, db: &dyn Exec, doing: &str, asset_id: i64) -> Result<Option<String>> {
    let err = |e| store.db_error(doing, e);
    let row = db
        .query_one(
            "SELECT b.name FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id WHERE i.asset_id = ?1",
            db_params![asset_id],
        )
        .map_err(err)?;
    row.map(|r| r.string(0)).transpose().map_err(err)
}

fn batch_items(store: &Store, db: &dyn Exec, batch_id: i64) -> Result<Vec<ItemRow>> {
    let doing = "reading disposal items";
    let sql = format!(
        "SELECT i.id, i.waste_code, s.method, s.certificate, s.verified_by, s.done_on, \
         CASE WHEN EXISTS (SELECT 1 FROM loans l WHERE l.asset_id = a.id AND l.returned_at IS NULL) \
         THEN 1 ELSE 0 END, {ASSET_COLS} \
         FROM disposal_items i JOIN assets a ON a.id = i.asset_id \
         LEFT JOIN disposal_sanitisation s ON s.item_id = i.id WHERE i.batch_id = ?1 ORDER BY a.tag"
    );
    query_all(store, db, doing, &sql, db_params![batch_id], |r| {
        let asset = asset_from_row(r, 7)?;
        let method = r.opt_string(2)?;
        let done = r.opt_string(5)?;
        let id = r.int(0)?;
        let code = r.string(1)?;
        let cert = r.opt_string(3)?;
        let ver = r.opt_string(4)?;
        let on_loan = r.bool(6)?;
        Ok(asset.and_then(|asset| {
            let sanitisation = match method {
                None => None,
                Some(m) => Some(SanitisationRow {
                    method: Sanitisation::parse(&m)?,
                    certificate: cert.unwrap_or_default(),
                    verified_by: ver.unwrap_or_default(),
                    done_on: parse_date_col(done)?,
                }),
            };
            Ok(ItemRow {
                id,
                asset,
                waste_code: code,
                sanitisation,
                on_loan,
            })
        }))
    })
}

fn software_titles(store: &Store, db: &dyn Exec, title: Option<&str>) -> Result<Vec<Title>> {
    let doing = "reading software titles";
    let mut sql = String::from(
        "SELECT s.id, s.title, s.publisher, s.licence, s.seats, s.expires, s.cost_pence, \
         (SELECT count(*) FROM software_installs i WHERE i.software_id = s.id) FROM software s",
    );
    if title.is_some() {
        sql.push_str(" WHERE s.title = ?1");
    }
    sql.push_str(" ORDER BY s.title");
    let p = match title {
        Some(t) => vec![t.into()],
        None => Vec::new(),
    };
    query_all(store, db, doing, &sql, &p, |r| {
        let lic = r.string(3)?;
        let exp = r.opt_string(5)?;
        let name = r.string(1)?;
        let seats = r.opt_int(4)?;
        let used = r.int(7)?;
        let s = |e: DbError| e.to_string();
        Ok((|| -> std::result::Result<Title, String> {
            Ok(Title {
                id: r.int(0).map_err(s)?,
                title: name.clone(),
                publisher: r.string(2).map_err(s)?,
                licence: Licence::parse(&lic)?,
                seats: seats.map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
                expires: parse_date_col(exp)?,
                cost_pence: r.opt_int(6).map_err(s)?,
                used: u32::try_from(used).unwrap_or(u32::MAX),
            })
        })()
        .map_err(|e| format!("software {name}: {e}")))
    })
}

/// A field that changed: name, before, after (as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field name as in the CSV header.
    pub field: &'static str,
    /// Before.
    pub old: Option<String>,
    /// After.
    pub new: Option<String>,
}

/// The fields of an asset as text, by CSV column name (None = empty).
pub fn asset_fields(a: &Asset) -> Vec<(&'static str, Option<String>)> {
    let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
    vec![
        ("tag", Some(a.tag.clone())),
        ("serial", s(&a.serial)),
        ("category", Some(a.category.as_str().to_string())),
        ("manufacturer", s(&a.manufacturer)),
        ("model", s(&a.model)),
        (
            "data_bearing",
            Some(if a.data_bearing { "yes" } else { "no" }.to_string()),
        ),
        ("site", s(&a.site)),
        ("room", s(&a.room)),
        ("status", Some(a.status.as_str().to_string())),
        ("purchase_date", a.purchase_date.map(fmt_date)),
        (
            "price",
            a.price_pence
                .map(crate::domain::inventory::price::plain_price),
        ),
        ("supplier", s(&a.supplier)),
        ("warranty_end", a.warranty_end.map(fmt_date)),
        ("funding", s(&a.funding)),
        ("encrypted", Some(a.encrypted.as_str().to_string())),
        ("last_audited", a.last_audited.map(fmt_date)),
        ("notes", s(&a.notes)),
    ]
}

/// What changed between two versions of an asset.
pub fn diff(before: &Asset, after: &Asset) -> Vec<FieldChange> {
    asset_fields(before)
        .into_iter()
        .zip(asset_fields(after))
        .filter(|((_, o), (_, n))| o != n)
        .map(|((field, old), (_, new))| FieldChange { field, old, new })
        .collect()
}

/// One inventory change in progress: a write transaction plus the action-log rows to append with
/// it. Dropped without [`InvTx::commit`], nothing is written.
pub struct InvTx<'s> {
    store: &'s Store,
    tx: Tx<'s>,
    doing: &'static str,
    at: String,
    actions: Vec<(String, String, Value)>,
}

impl<'s> InvTx<'s> {
    fn err(&self, e: DbError) -> crate::Error {
        self.store.db_error(self.doing, e)
    }

    /// The operator recorded on rows.
    pub fn operator(&self) -> &str {
        self.store.operator()
    }

    /// Queues an action-log row, written at commit.
    pub fn log(&mut self, action: &str, target: &str, details: Value) {
        self.actions
            .push((action.to_string(), target.to_string(), details));
    }

    /// Appends the queued log rows and commits everything.
    pub fn commit(self) -> Result<Vec<ActionEntry>> {
        let items: Vec<NewAction<'_>> = self
            .actions
            .iter()
            .map(|(a, t, d)| NewAction {
                action: a,
                target: t,
                details: d.clone(),
            })
            .collect();
        let out = if items.is_empty() {
            Vec::new()
        } else {
            self.store.append_in(&*self.tx, &items)?
        };
        drop(items);
        let (store, doing) = (self.store, self.doing);
        self.tx.commit().map_err(|e| store.db_error(doing, e))?;
        store.announce_logged(&out);
        Ok(out)
    }

    /// An asset by tag, read inside this transaction.
    pub fn asset(&self, tag: &str) -> Result<Option<Asset>> {
        asset_by_tag(self.store, &*self.tx, tag.trim())
    }

    /// The asset with this serial from this manufacturer, if any.
    pub fn asset_by_serial(&self, manufacturer: &str, serial: &str) -> Result<Option<String>> {
        let row = self
            .tx
            .query_one(
                "SELECT tag FROM assets WHERE manufacturer = ?1 AND serial = ?2",
                db_params![manufacturer, serial],
            )
            .map_err(|e| self.err(e))?;
        row.map(|r| r.string(0))
            .transpose()
            .map_err(|e| self.err(e))
    }

    /// Inserts a new asset (its `id` is ignored) with a `created` history row; returns its id.
    pub fn insert_asset(&self, a: &Asset, note: &str) -> Result<i64> {
        let id = self
            .tx
            .insert_id(
                "INSERT INTO assets (tag, serial, category, manufacturer, model, data_bearing, site, \
                 room, status, purchase_date, price_pence, supplier, warranty_end, funding, encrypted, \
                 last_audited, notes, search, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)",
                &asset_params(a, &self.at),
            )
            .map_err(|e| self.err(e))?;
        self.history(id, "created", None, Some(a.status.as_str()), note)?;
        Ok(id)
    }

    /// Inserts new assets (their ids are ignored), each with its `created` history row, as
    /// [`InvTx::insert_asset`] does one at a time, but in multi-row statements: the assets by
    /// [`insert_rows`], their history rows by one `INSERT … SELECT` over the new ids (in the order the
    /// assets were written). The shape of a large import on PostgreSQL, where a round trip per
    /// row is what costs.
    pub fn insert_assets<'a>(
        &self,
        assets: impl IntoIterator<Item = &'a Asset>,
        note: &str,
    ) -> Result<()> {
        let rows: Vec<Vec<super::engine::Value>> = assets
            .into_iter()
            .map(|a| {
                let mut p = asset_params(a, &self.at);
                p.push(self.at.as_str().into());
                p
            })
            .collect();
        // The write transaction holds the store's one writer lock, so the assets after the
        // highest id now are exactly these; their history rows are made by one statement over
        // that id range (the primary key), in the assets' order. (Selecting them by tag made
        // PostgreSQL compare every tag under the case-insensitive collation: 600 s for 100k.)
        let before = match self
            .tx
            .query_one("SELECT coalesce(max(id), 0) FROM assets", &[])
            .map_err(|e| self.err(e))?
        {
            Some(r) => r.int(0).map_err(|e| self.err(e))?,
            None => 0,
        };
        insert_rows(
            &*self.tx,
            "INSERT INTO assets (tag, serial, category, manufacturer, model, data_bearing, site, \
             room, status, purchase_date, price_pence, supplier, warranty_end, funding, encrypted, \
             last_audited, notes, search, created_at, updated_at)",
            rows,
        )
        .map_err(|e| self.err(e))?;
        self.tx
            .execute(
                "INSERT INTO asset_history (asset_id, at, operator, field, old, new, note) \
                 SELECT a.id, ?1, ?2, 'created', NULL, a.status, ?3 FROM assets a \
                 WHERE a.id > ?4 ORDER BY a.id",
                db_params![self.at.as_str(), self.store.operator(), note, before],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Writes `after` over the asset `before` (same id) with one history row per changed field;
    /// returns the changes (none: nothing written).
    pub fn update_asset(
        &self,
        before: &Asset,
        after: &Asset,
        note: &str,
    ) -> Result<Vec<FieldChange>> {
        let changes = diff(before, after);
        if changes.is_empty() {
            return Ok(changes);
        }
        let mut p = vec![before.id.into()];
        p.extend(asset_params(after, &self.at));
        self.tx
            .execute(
                "UPDATE assets SET tag = ?2, serial = ?3, category = ?4, manufacturer = ?5, model = ?6, \
                 data_bearing = ?7, site = ?8, room = ?9, status = ?10, purchase_date = ?11, \
                 price_pence = ?12, supplier = ?13, warranty_end = ?14, funding = ?15, encrypted = ?16, \
                 last_audited = ?17, notes = ?18, search = ?19, updated_at = ?20 WHERE id = ?1",
                &p,
            )
            .map_err(|e| self.err(e))?;
        for c in &changes {
            self.history(before.id, c.field, c.old.as_deref(), c.new.as_deref(), note)?;
        }
        Ok(changes)
    }

    /// Appends a history row.
    pub fn history(
        &self,
        asset_id: i64,
        field: &str,
        old: Option<&str>,
        new: Option<&str>,
        note: &str,
    ) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO asset_history (asset_id, at, operator, field, old, new, note) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                db_params![
                    asset_id,
                    self.at.as_str(),
                    self.store.operator(),
                    field,
                    old,
                    new,
                    note
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The open loan of an asset.
    pub fn open_loan(&self, asset_id: i64) -> Result<Option<Loan>> {
        let doing = self.doing;
        let sql = format!(
            "SELECT {LOAN_COLS} FROM loans l JOIN assets a ON a.id = l.asset_id \
             WHERE l.asset_id = ?1 AND l.returned_at IS NULL"
        );
        let p = db_params![asset_id];
        Ok(query_all(self.store, &*self.tx, doing, &sql, p, loan_from_row)?.pop())
    }

    /// Writes a new loan; returns its id.
    pub fn insert_loan(
        &self,
        asset_id: i64,
        borrower: &Borrower,
        borrower_name: &str,
        due: Option<NaiveDate>,
        notes: &str,
    ) -> Result<i64> {
        self.tx
            .insert_id(
                "INSERT INTO loans (asset_id, borrower_kind, borrower, borrower_name, issued_at, issued_by, due, notes) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                db_params![
                    asset_id,
                    borrower.kind(),
                    borrower.name(),
                    borrower_name,
                    self.at.as_str(),
                    self.store.operator(),
                    due.map(fmt_date),
                    notes
                ],
            )
            .map_err(|e| self.err(e))
    }

    /// Marks a loan returned.
    pub fn return_loan(&self, loan_id: i64, condition: &str) -> Result<()> {
        self.tx
            .execute(
                "UPDATE loans SET returned_at = ?2, returned_by = ?3, condition = ?4 WHERE id = ?1",
                db_params![loan_id, self.at.as_str(), self.store.operator(), condition],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Opens an audit round; returns its id.
    pub fn start_round(&self, name: &str) -> Result<i64> {
        self.tx
            .insert_id(
                "INSERT INTO audit_rounds (name, started_at, started_by) VALUES (?1, ?2, ?3)",
                db_params![name, self.at.as_str(), self.store.operator()],
            )
            .map_err(|e| self.err(e))
    }

    /// Closes an audit round.
    pub fn close_round(&self, id: i64) -> Result<()> {
        self.tx
            .execute(
                "UPDATE audit_rounds SET closed_at = ?2, closed_by = ?3 WHERE id = ?1",
                db_params![id, self.at.as_str(), self.store.operator()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The open round's id and name.
    pub fn open_round(&self) -> Result<Option<(i64, String)>> {
        let row = self
            .tx
            .query_one(
                "SELECT id, name FROM audit_rounds WHERE closed_at IS NULL",
                &[],
            )
            .map_err(|e| self.err(e))?;
        row.map(|r| Ok((r.int(0)?, r.string(1)?)))
            .transpose()
            .map_err(|e| self.err(e))
    }

    /// The registered room and status of the asset with this tag, and whether it was already seen
    /// in the round: (asset id, tag as registered, room, status, already).
    pub fn scan_lookup(&self, round_id: i64, tag: &str) -> Result<Option<ScanHit>> {
        let row = self
            .tx
            .query_one(
                "SELECT a.id, a.tag, a.room, a.status, CASE WHEN EXISTS (SELECT 1 FROM audit_scans s \
                 WHERE s.round_id = ?1 AND s.asset_id = a.id AND s.outcome IN ('seen', 'moved')) \
                 THEN 1 ELSE 0 END FROM assets a WHERE a.tag = ?2",
                db_params![round_id, tag],
            )
            .map_err(|e| self.err(e))?;
        row.map(|r| {
            Ok((
                r.int(0)?,
                r.string(1)?,
                r.string(2)?,
                r.string(3)?,
                r.bool(4)?,
            ))
        })
        .transpose()
        .map_err(|e| self.err(e))
    }

    /// Records one scan; for a first sighting also sets the asset's last-audited day.
    pub fn insert_scan(
        &self,
        round_id: i64,
        tag: &str,
        asset_id: Option<i64>,
        room: &str,
        outcome: ScanOutcome,
        mark_audited: Option<NaiveDate>,
    ) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO audit_scans (round_id, at, operator, tag, asset_id, room, outcome) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                db_params![
                    round_id,
                    self.at.as_str(),
                    self.store.operator(),
                    tag,
                    asset_id,
                    room,
                    outcome.as_str()
                ],
            )
            .map_err(|e| self.err(e))?;
        if let (Some(id), Some(day)) = (asset_id, mark_audited) {
            self.tx
                .execute(
                    "UPDATE assets SET last_audited = ?2, updated_at = ?3 WHERE id = ?1 AND status <> 'disposed'",
                    db_params![id, fmt_date(day), self.at.as_str()],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// A batch by name, read inside this transaction.
    pub fn batch(&self, name: &str) -> Result<Option<BatchRow>> {
        batch_by_name(self.store, &*self.tx, name)
    }

    /// The items of a batch, read inside this transaction.
    pub fn batch_items(&self, batch_id: i64) -> Result<Vec<ItemRow>> {
        batch_items(self.store, &*self.tx, batch_id)
    }

    /// The batch an asset is in, if any.
    pub fn batch_of(&self, asset_id: i64) -> Result<Option<String>> {
        batch_of(self.store, &*self.tx, self.doing, asset_id)
    }

    /// Writes a new batch; returns its id.
    pub fn insert_batch(
        &self,
        name: &str,
        papers: &crate::domain::inventory::disposal::BatchPapers,
        notes: &str,
    ) -> Result<i64> {
        self.tx
            .insert_id(
                "INSERT INTO disposal_batches (name, carrier, carrier_reg, collected_on, transfer_note, \
                 consignment_note, notes, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                db_params![
                    name,
                    papers.carrier.as_str(),
                    papers.carrier_registration.as_str(),
                    papers.collected_on.map(fmt_date),
                    papers.transfer_note.as_str(),
                    papers.consignment_note.as_str(),
                    notes,
                    self.at.as_str(),
                    self.store.operator()
                ],
            )
            .map_err(|e| self.err(e))
    }

    /// Rewrites a batch's papers (refused by the database once it is closed).
    pub fn update_batch(
        &self,
        id: i64,
        papers: &crate::domain::inventory::disposal::BatchPapers,
    ) -> Result<()> {
        self.tx
            .execute(
                "UPDATE disposal_batches SET carrier = ?2, carrier_reg = ?3, collected_on = ?4, \
                 transfer_note = ?5, consignment_note = ?6 WHERE id = ?1",
                db_params![
                    id,
                    papers.carrier.as_str(),
                    papers.carrier_registration.as_str(),
                    papers.collected_on.map(fmt_date),
                    papers.transfer_note.as_str(),
                    papers.consignment_note.as_str()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Adds an asset to a batch.
    pub fn insert_item(&self, batch_id: i64, asset_id: i64, waste_code: &str) -> Result<i64> {
        self.tx
            .insert_id(
                "INSERT INTO disposal_items (batch_id, asset_id, waste_code, added_at, added_by) VALUES (?1, ?2, ?3, ?4, ?5)",
                db_params![batch_id, asset_id, waste_code, self.at.as_str(), self.store.operator()],
            )
            .map_err(|e| self.err(e))
    }

    /// Records (or replaces, while the batch is open) an item's sanitisation.
    pub fn put_sanitisation(&self, item_id: i64, s: &SanitisationRow) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO disposal_sanitisation (item_id, method, certificate, verified_by, done_on, recorded_at, recorded_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(item_id) DO UPDATE SET method = ?2, \
                 certificate = ?3, verified_by = ?4, done_on = ?5, recorded_at = ?6, recorded_by = ?7",
                db_params![
                    item_id,
                    s.method.as_str(),
                    s.certificate.as_str(),
                    s.verified_by.as_str(),
                    s.done_on.map(fmt_date),
                    self.at.as_str(),
                    self.store.operator()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Closes a batch (after its items are marked disposed).
    pub fn close_batch(&self, id: i64, signed_off_by: &str) -> Result<()> {
        self.tx
            .execute(
                "UPDATE disposal_batches SET closed_at = ?2, closed_by = ?3, signed_off_by = ?4 WHERE id = ?1",
                db_params![id, self.at.as_str(), self.store.operator(), signed_off_by],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Adds a software title; returns its id.
    pub fn insert_software(&self, t: &Title, notes: &str) -> Result<i64> {
        self.tx
            .insert_id(
                "INSERT INTO software (title, publisher, licence, seats, expires, cost_pence, notes, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                db_params![
                    t.title.as_str(),
                    t.publisher.as_str(),
                    t.licence.as_str(),
                    t.seats,
                    t.expires.map(fmt_date),
                    t.cost_pence,
                    notes,
                    self.at.as_str()
                ],
            )
            .map_err(|e| self.err(e))
    }

    /// A title by name, read inside this transaction.
    pub fn software_title(&self, title: &str) -> Result<Option<Title>> {
        Ok(software_titles(self.store, &*self.tx, Some(title.trim()))?.pop())
    }

    /// Assigns a title to an asset or a user.
    pub fn insert_install(
        &self,
        software_id: i64,
        asset_id: Option<i64>,
        username: Option<&str>,
    ) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO software_installs (software_id, asset_id, username, at, operator) VALUES (?1, ?2, ?3, ?4, ?5)",
                db_params![software_id, asset_id, username, self.at.as_str(), self.store.operator()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Runs raw SQL in this transaction (tests of the triggers only).
    #[doc(hidden)]
    pub fn raw_execute(&self, sql: &str) -> Result<usize> {
        self.tx
            .execute(sql, &[])
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .map_err(|e| self.err(e))
    }
}

/// The parameters `?1`..`?19` of an asset's insert (and `?2`..`?20` of its update): its fields,
/// its search text and the time written.
fn asset_params(a: &Asset, at: &str) -> Vec<super::engine::Value> {
    db_params![
        a.tag.as_str(),
        (!a.serial.is_empty()).then_some(a.serial.as_str()),
        a.category.as_str(),
        a.manufacturer.as_str(),
        a.model.as_str(),
        a.data_bearing,
        a.site.as_str(),
        a.room.as_str(),
        a.status.as_str(),
        a.purchase_date.map(fmt_date),
        a.price_pence,
        a.supplier.as_str(),
        a.warranty_end.map(fmt_date),
        a.funding.as_str(),
        a.encrypted.as_str(),
        a.last_audited.map(fmt_date),
        a.notes.as_str(),
        a.search_text(),
        at,
    ]
    .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn asset(i: usize) -> Asset {
        Asset {
            id: 0,
            tag: format!("HA{i:05}"),
            serial: if i.is_multiple_of(2) {
                format!("SN{i}")
            } else {
                String::new()
            },
            category: Category::Laptop,
            manufacturer: "Dell".into(),
            model: format!("Latitude {}", i % 7),
            data_bearing: i.is_multiple_of(3),
            site: "Main".into(),
            room: format!("R{}", i % 11),
            status: if i.is_multiple_of(5) {
                Status::InStock
            } else {
                Status::Deployed
            },
            purchase_date: NaiveDate::from_ymd_opt(2024, 9, 1),
            price_pence: Some(49_900),
            supplier: "XMA".into(),
            warranty_end: None,
            funding: String::new(),
            encrypted: Encrypted::Unknown,
            last_audited: None,
            notes: String::new(),
        }
    }

    /// The bulk insert writes what one insert per row writes: the same assets, the same
    /// `created` history rows, in the same order.
    #[test]
    fn insert_assets_writes_what_insert_asset_writes() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
        let n = 2 * ROWS_PER_INSERT + 30;
        let assets: Vec<Asset> = (0..n).map(asset).collect();
        let one = Store::open_in_memory().unwrap().with_operator("tech");
        let tx = one.inventory_tx("importing assets", at).unwrap();
        for a in &assets {
            tx.insert_asset(a, "import x.csv").unwrap();
        }
        tx.commit().unwrap();
        let bulk = Store::open_in_memory().unwrap().with_operator("tech");
        let tx = bulk.inventory_tx("importing assets", at).unwrap();
        tx.insert_assets(&assets, "import x.csv").unwrap();
        tx.commit().unwrap();
        let all = |s: &Store| s.assets(&AssetQuery::default()).unwrap();
        assert_eq!(all(&one).len(), n);
        assert_eq!(all(&one), all(&bulk));
        assert_eq!(
            one.history_rows_of_field("created").unwrap(),
            bulk.history_rows_of_field("created").unwrap()
        );
        let first = bulk.asset("ha00000").unwrap().unwrap();
        let h = bulk.asset_history(first.id).unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].new.as_deref(), Some("in-stock"));
        assert_eq!(h[0].note, "import x.csv");
    }
}
