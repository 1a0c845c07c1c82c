//! The inventory in the store: assets and their history, loans, software, audit rounds and scans,
//! disposal batches. Reads are methods on [`Store`]; every change goes through an [`InvTx`], one
//! write transaction that also appends the action-log rows, so a change and its log are written
//! together or not at all.

use super::{fmt_time, parse_time, ActionEntry, NewAction, Store};
use crate::domain::inventory::asset::Encrypted;
use crate::domain::inventory::disposal::Sanitisation;
use crate::domain::inventory::loan::{Borrower, Loan};
use crate::domain::inventory::software::{Licence, Title};
use crate::domain::inventory::{Asset, Category, ScanOutcome, Status};
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction};
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

/// Reads an asset from the columns of [`ASSET_COLS`] starting at `at`.
fn asset_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<std::result::Result<Asset, String>> {
    let tag: String = r.get(at + 1)?;
    let cat: String = r.get(at + 3)?;
    let status: String = r.get(at + 9)?;
    let enc: String = r.get(at + 15)?;
    let pd: Option<String> = r.get(at + 10)?;
    let we: Option<String> = r.get(at + 13)?;
    let la: Option<String> = r.get(at + 16)?;
    let build = || -> std::result::Result<Asset, String> {
        Ok(Asset {
            id: r.get(at).map_err(|e| e.to_string())?,
            serial: r
                .get::<_, Option<String>>(at + 2)
                .map_err(|e| e.to_string())?
                .unwrap_or_default(),
            category: Category::parse(&cat)?,
            manufacturer: r.get(at + 4).map_err(|e| e.to_string())?,
            model: r.get(at + 5).map_err(|e| e.to_string())?,
            data_bearing: r.get::<_, i64>(at + 6).map_err(|e| e.to_string())? != 0,
            site: r.get(at + 7).map_err(|e| e.to_string())?,
            room: r.get(at + 8).map_err(|e| e.to_string())?,
            status: Status::parse(&status)?,
            purchase_date: parse_date_col(pd.clone())?,
            price_pence: r.get(at + 11).map_err(|e| e.to_string())?,
            supplier: r.get(at + 12).map_err(|e| e.to_string())?,
            warranty_end: parse_date_col(we.clone())?,
            funding: r.get(at + 14).map_err(|e| e.to_string())?,
            encrypted: Encrypted::parse(&enc)?,
            last_audited: parse_date_col(la.clone())?,
            notes: r.get(at + 17).map_err(|e| e.to_string())?,
            tag: tag.clone(),
        })
    };
    Ok(build().map_err(|e| format!("asset {tag}: {e}")))
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

fn batch_from_row(r: &Row<'_>) -> rusqlite::Result<std::result::Result<BatchRow, String>> {
    let collected: Option<String> = r.get(4)?;
    let created: String = r.get(8)?;
    let closed: Option<String> = r.get(9)?;
    let name: String = r.get(1)?;
    let out = (|| -> std::result::Result<BatchRow, String> {
        Ok(BatchRow {
            id: r.get(0).map_err(|e| e.to_string())?,
            name: name.clone(),
            carrier: r.get(2).map_err(|e| e.to_string())?,
            carrier_registration: r.get(3).map_err(|e| e.to_string())?,
            collected_on: parse_date_col(collected)?,
            transfer_note: r.get(5).map_err(|e| e.to_string())?,
            consignment_note: r.get(6).map_err(|e| e.to_string())?,
            notes: r.get(7).map_err(|e| e.to_string())?,
            created_at: time_col(created)?,
            closed_at: closed.map(time_col).transpose()?,
            closed_by: r.get(10).map_err(|e| e.to_string())?,
            signed_off_by: r.get(11).map_err(|e| e.to_string())?,
        })
    })();
    Ok(out.map_err(|e| format!("disposal batch {name}: {e}")))
}

fn round_from_row(r: &Row<'_>) -> rusqlite::Result<std::result::Result<Round, String>> {
    let started: String = r.get(2)?;
    let closed: Option<String> = r.get(4)?;
    let name: String = r.get(1)?;
    Ok((|| -> std::result::Result<Round, String> {
        Ok(Round {
            id: r.get(0).map_err(|e| e.to_string())?,
            name: name.clone(),
            started_at: time_col(started)?,
            started_by: r.get(3).map_err(|e| e.to_string())?,
            closed_at: closed.map(time_col).transpose()?,
            closed_by: r.get(5).map_err(|e| e.to_string())?,
        })
    })()
    .map_err(|e| format!("audit round {name}: {e}")))
}

const LOAN_COLS: &str = "l.id, a.tag, l.borrower_kind, l.borrower, l.borrower_name, l.issued_at, \
    l.issued_by, l.due, l.returned_at, l.returned_by, l.condition, l.notes";

fn loan_from_row(r: &Row<'_>) -> rusqlite::Result<std::result::Result<Loan, String>> {
    let kind: String = r.get(2)?;
    let who: String = r.get(3)?;
    let issued: String = r.get(5)?;
    let due: Option<String> = r.get(7)?;
    let returned: Option<String> = r.get(8)?;
    let id: i64 = r.get(0)?;
    Ok((|| -> std::result::Result<Loan, String> {
        Ok(Loan {
            id,
            tag: r.get(1).map_err(|e| e.to_string())?,
            borrower: if kind == "user" {
                Borrower::User(who.clone())
            } else {
                Borrower::Location(who.clone())
            },
            borrower_name: r.get(4).map_err(|e| e.to_string())?,
            issued_at: time_col(issued)?,
            issued_by: r.get(6).map_err(|e| e.to_string())?,
            due: parse_date_col(due)?,
            returned_at: returned.map(time_col).transpose()?,
            returned_by: r.get(9).map_err(|e| e.to_string())?,
            condition: r.get(10).map_err(|e| e.to_string())?,
            notes: r.get(11).map_err(|e| e.to_string())?,
        })
    })()
    .map_err(|e| format!("loan {id}: {e}")))
}

/// Collects rows of a query whose row reader returns an inner `Result` (a malformed row).
fn collect<T>(
    store: &Store,
    doing: &str,
    rows: impl Iterator<Item = rusqlite::Result<std::result::Result<T, String>>>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for r in rows {
        match r.map_err(|e| store.sql_error(doing, e))? {
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

impl Store {
    /// Assets matching `q`, by tag, each with its open loan.
    pub fn assets(&self, q: &AssetQuery) -> Result<Vec<AssetRow>> {
        let doing = "reading the inventory";
        // Open loans are few: read them once and join in Rust (a join per row costs more than
        // the scan of 100,000 assets itself).
        let mut loans: std::collections::HashMap<i64, (String, Option<String>)> =
            std::collections::HashMap::new();
        {
            let mut st = self
                .conn()
                .prepare_cached(
                    "SELECT asset_id, borrower, due FROM loans WHERE returned_at IS NULL",
                )
                .map_err(|e| self.sql_error(doing, e))?;
            let mut rows = st.query([]).map_err(|e| self.sql_error(doing, e))?;
            while let Some(r) = rows.next().map_err(|e| self.sql_error(doing, e))? {
                let id: i64 = r.get(0).map_err(|e| self.sql_error(doing, e))?;
                let who: String = r.get(1).map_err(|e| self.sql_error(doing, e))?;
                let due: Option<String> = r.get(2).map_err(|e| self.sql_error(doing, e))?;
                loans.insert(id, (who, due));
            }
        }
        let mut sql = format!("SELECT {ASSET_COLS} FROM assets a WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, v: rusqlite::types::Value| {
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
        let mut st = self
            .conn()
            .prepare(&sql)
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map(rusqlite::params_from_iter(args), |r| {
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
            .map_err(|e| self.sql_error(doing, e))?;
        collect(self, doing, rows)
    }

    /// One asset by tag (any case).
    pub fn asset(&self, tag: &str) -> Result<Option<Asset>> {
        asset_by_tag(self, self.conn(), tag.trim())
    }

    /// Assets added on or after `day`, by tag.
    pub fn assets_added_since(&self, day: NaiveDate) -> Result<Vec<Asset>> {
        let doing = "reading the inventory";
        let sql =
            format!("SELECT {ASSET_COLS} FROM assets a WHERE a.created_at >= ?1 ORDER BY a.tag");
        let mut st = self
            .conn()
            .prepare(&sql)
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map([fmt_date(day)], |r| asset_from_row(r, 0))
            .map_err(|e| self.sql_error(doing, e))?;
        collect(self, doing, rows)
    }

    /// Every asset with this serial from this manufacturer (any case): at most one.
    pub fn asset_by_serial(&self, manufacturer: &str, serial: &str) -> Result<Option<Asset>> {
        let doing = "looking up a serial number";
        let sql = format!(
            "SELECT {ASSET_COLS} FROM assets a WHERE a.manufacturer = ?1 AND a.serial = ?2"
        );
        let mut st = self
            .conn()
            .prepare_cached(&sql)
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map(params![manufacturer.trim(), serial.trim()], |r| {
                asset_from_row(r, 0)
            })
            .map_err(|e| self.sql_error(doing, e))?;
        Ok(collect(self, doing, rows)?.pop())
    }

    /// Every tag and (manufacturer, serial) in the register, for duplicate checks.
    pub fn asset_keys(&self) -> Result<Vec<AssetKey>> {
        let doing = "reading asset tags";
        let mut st = self
            .conn()
            .prepare("SELECT tag, manufacturer, serial FROM assets")
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map([], |r| {
                let tag: String = r.get(0)?;
                let m: String = r.get(1)?;
                let s: Option<String> = r.get(2)?;
                Ok(Ok((tag, s.map(|s| (m.to_lowercase(), s.to_lowercase())))))
            })
            .map_err(|e| self.sql_error(doing, e))?;
        collect(self, doing, rows)
    }

    /// The history of an asset, oldest first.
    pub fn asset_history(&self, asset_id: i64) -> Result<Vec<HistoryRow>> {
        let doing = "reading an asset's history";
        let mut st = self
            .conn()
            .prepare(
                "SELECT at, operator, field, old, new, note FROM asset_history \
                 WHERE asset_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map([asset_id], |r| {
                let at: String = r.get(0)?;
                Ok(time_col(at).and_then(|at| {
                    Ok(HistoryRow {
                        at,
                        operator: r.get(1).map_err(|e| e.to_string())?,
                        field: r.get(2).map_err(|e| e.to_string())?,
                        old: r.get(3).map_err(|e| e.to_string())?,
                        new: r.get(4).map_err(|e| e.to_string())?,
                        note: r.get(5).map_err(|e| e.to_string())?,
                    })
                }))
            })
            .map_err(|e| self.sql_error(doing, e))?;
        collect(self, doing, rows)
    }

    /// Every history row of `field` across assets, with the asset's tag, oldest first (e.g. the
    /// data-breach records).
    pub fn history_rows_of_field(&self, field: &str) -> Result<Vec<(String, HistoryRow)>> {
        let doing = "reading the assets' history";
        let mut st = self
            .conn()
            .prepare(
                "SELECT a.tag, h.at, h.operator, h.field, h.old, h.new, h.note FROM asset_history h \
                 JOIN assets a ON a.id = h.asset_id WHERE h.field = ?1 ORDER BY h.id",
            )
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map([field], |r| {
                let tag: String = r.get(0)?;
                let at: String = r.get(1)?;
                Ok(time_col(at).and_then(|at| {
                    Ok((
                        tag,
                        HistoryRow {
                            at,
                            operator: r.get(2).map_err(|e| e.to_string())?,
                            field: r.get(3).map_err(|e| e.to_string())?,
                            old: r.get(4).map_err(|e| e.to_string())?,
                            new: r.get(5).map_err(|e| e.to_string())?,
                            note: r.get(6).map_err(|e| e.to_string())?,
                        },
                    ))
                }))
            })
            .map_err(|e| self.sql_error(doing, e))?;
        collect(self, doing, rows)
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
        let mut st = self
            .conn()
            .prepare(&sql)
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = match asset_id {
            Some(id) => st.query_map([id], loan_from_row),
            None => st.query_map([], loan_from_row),
        }
        .map_err(|e| self.sql_error(doing, e))?;
        collect(self, doing, rows)
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
        let mut st = self
            .conn()
            .prepare(&sql)
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = match arg {
            Some(a) => st.query_map([a], round_from_row),
            None => st.query_map([], round_from_row),
        }
        .map_err(|e| self.sql_error(doing, e))?;
        Ok(collect(self, doing, rows)?.pop())
    }

    /// Every scan of a round, in order.
    pub fn scans(&self, round_id: i64) -> Result<Vec<ScanRow>> {
        let doing = "reading audit scans";
        let mut st = self
            .conn()
            .prepare(
                "SELECT at, tag, asset_id, room, outcome FROM audit_scans WHERE round_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map([round_id], |r| {
                let at: String = r.get(0)?;
                let outcome: String = r.get(4)?;
                Ok(time_col(at).and_then(|at| {
                    Ok(ScanRow {
                        at,
                        tag: r.get(1).map_err(|e| e.to_string())?,
                        asset_id: r.get(2).map_err(|e| e.to_string())?,
                        room: r.get(3).map_err(|e| e.to_string())?,
                        outcome: ScanOutcome::parse(&outcome)
                            .ok_or_else(|| format!("unknown scan outcome {outcome}"))?,
                    })
                }))
            })
            .map_err(|e| self.sql_error(doing, e))?;
        collect(self, doing, rows)
    }

    /// Disposal batches, oldest first.
    pub fn batches(&self) -> Result<Vec<BatchRow>> {
        let doing = "reading disposal batches";
        let mut st = self
            .conn()
            .prepare(&format!(
                "SELECT {BATCH_COLS} FROM disposal_batches ORDER BY id"
            ))
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map([], batch_from_row)
            .map_err(|e| self.sql_error(doing, e))?;
        collect(self, doing, rows)
    }

    /// A disposal batch by name (any case).
    pub fn batch(&self, name: &str) -> Result<Option<BatchRow>> {
        batch_by_name(self, self.conn(), name)
    }

    /// The items of a batch with their sanitisation records.
    pub fn batch_items(&self, batch_id: i64) -> Result<Vec<ItemRow>> {
        batch_items(self, self.conn(), batch_id)
    }

    /// The batch an asset is in, if any.
    pub fn batch_of(&self, asset_id: i64) -> Result<Option<String>> {
        self.conn()
            .query_row(
                "SELECT b.name FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id WHERE i.asset_id = ?1",
                [asset_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql_error("reading disposal items", e))
    }

    /// Software titles with how many installations each has, by title.
    pub fn software(&self) -> Result<Vec<Title>> {
        software_titles(self, self.conn(), None)
    }

    /// One title (any case).
    pub fn software_title(&self, title: &str) -> Result<Option<Title>> {
        Ok(software_titles(self, self.conn(), Some(title.trim()))?.pop())
    }

    /// Installations of a title: (asset tag or username, kind).
    pub fn installs(&self, software_id: i64) -> Result<Vec<(String, &'static str)>> {
        let doing = "reading installations";
        let mut st = self
            .conn()
            .prepare(
                "SELECT coalesce(a.tag, i.username), i.asset_id IS NOT NULL FROM software_installs i \
                 LEFT JOIN assets a ON a.id = i.asset_id WHERE i.software_id = ?1 ORDER BY i.id",
            )
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map([software_id], |r| {
                let who: String = r.get(0)?;
                let dev: bool = r.get(1)?;
                Ok(Ok((who, if dev { "asset" } else { "user" })))
            })
            .map_err(|e| self.sql_error(doing, e))?;
        collect(self, doing, rows)
    }

    /// Starts an inventory change: one write transaction (BEGIN IMMEDIATE) that also carries the
    /// action-log rows added with [`InvTx::log`]. Nothing is written unless [`InvTx::commit`] runs.
    pub fn inventory_tx(&self, doing: &'static str, now: DateTime<Utc>) -> Result<InvTx<'_>> {
        let tx = self.write_tx(doing)?;
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
    pub fn tune_for_bulk(&self) -> Result<()> {
        self.conn()
            .execute_batch("PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456;")
            .map_err(|e| self.sql_error("setting up the connection", e))
    }

    /// Sets how hard SQLite waits for the disk on this connection. The store opens with FULL
    /// (every commit on disk when it returns); an audit scan session may choose NORMAL, which in
    /// WAL mode survives a crash of the program but may lose the last scans on a power cut.
    pub fn set_synchronous_normal(&self) -> Result<()> {
        self.conn()
            .execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(|e| self.sql_error("setting up an audit scan session", e))
    }
}

fn asset_by_tag(store: &Store, conn: &rusqlite::Connection, tag: &str) -> Result<Option<Asset>> {
    let doing = "looking up an asset";
    let sql = format!("SELECT {ASSET_COLS} FROM assets a WHERE a.tag = ?1");
    let mut st = conn
        .prepare_cached(&sql)
        .map_err(|e| store.sql_error(doing, e))?;
    let rows = st
        .query_map([tag], |r| asset_from_row(r, 0))
        .map_err(|e| store.sql_error(doing, e))?;
    Ok(collect(store, doing, rows)?.pop())
}

fn batch_by_name(
    store: &Store,
    conn: &rusqlite::Connection,
    name: &str,
) -> Result<Option<BatchRow>> {
    let doing = "reading a disposal batch";
    let mut st = conn
        .prepare_cached(&format!(
            "SELECT {BATCH_COLS} FROM disposal_batches WHERE name = ?1"
        ))
        .map_err(|e| store.sql_error(doing, e))?;
    let rows = st
        .query_map([name.trim()], batch_from_row)
        .map_err(|e| store.sql_error(doing, e))?;
    Ok(collect(store, doing, rows)?.pop())
}

fn batch_items(store: &Store, conn: &rusqlite::Connection, batch_id: i64) -> Result<Vec<ItemRow>> {
    let doing = "reading disposal items";
    let sql = format!(
        "SELECT i.id, i.waste_code, s.method, s.certificate, s.verified_by, s.done_on, \
         EXISTS (SELECT 1 FROM loans l WHERE l.asset_id = a.id AND l.returned_at IS NULL), {ASSET_COLS} \
         FROM disposal_items i JOIN assets a ON a.id = i.asset_id \
         LEFT JOIN disposal_sanitisation s ON s.item_id = i.id WHERE i.batch_id = ?1 ORDER BY a.tag"
    );
    let mut st = conn.prepare(&sql).map_err(|e| store.sql_error(doing, e))?;
    let rows = st
        .query_map([batch_id], |r| {
            let asset = asset_from_row(r, 7)?;
            let method: Option<String> = r.get(2)?;
            let done: Option<String> = r.get(5)?;
            let id: i64 = r.get(0)?;
            let code: String = r.get(1)?;
            let cert: Option<String> = r.get(3)?;
            let ver: Option<String> = r.get(4)?;
            let on_loan: bool = r.get(6)?;
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
        .map_err(|e| store.sql_error(doing, e))?;
    collect(store, doing, rows)
}

fn software_titles(
    store: &Store,
    conn: &rusqlite::Connection,
    title: Option<&str>,
) -> Result<Vec<Title>> {
    let doing = "reading software titles";
    let mut sql = String::from(
        "SELECT s.id, s.title, s.publisher, s.licence, s.seats, s.expires, s.cost_pence, \
         (SELECT count(*) FROM software_installs i WHERE i.software_id = s.id) FROM software s",
    );
    if title.is_some() {
        sql.push_str(" WHERE s.title = ?1");
    }
    sql.push_str(" ORDER BY s.title");
    let mut st = conn.prepare(&sql).map_err(|e| store.sql_error(doing, e))?;
    let read = |r: &Row<'_>| -> rusqlite::Result<std::result::Result<Title, String>> {
        let lic: String = r.get(3)?;
        let exp: Option<String> = r.get(5)?;
        let name: String = r.get(1)?;
        let seats: Option<i64> = r.get(4)?;
        let used: i64 = r.get(7)?;
        Ok((|| -> std::result::Result<Title, String> {
            Ok(Title {
                id: r.get(0).map_err(|e| e.to_string())?,
                title: name.clone(),
                publisher: r.get(2).map_err(|e| e.to_string())?,
                licence: Licence::parse(&lic)?,
                seats: seats.map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
                expires: parse_date_col(exp)?,
                cost_pence: r.get(6).map_err(|e| e.to_string())?,
                used: u32::try_from(used).unwrap_or(u32::MAX),
            })
        })()
        .map_err(|e| format!("software {name}: {e}")))
    };
    let rows = match title {
        Some(t) => st.query_map([t], read),
        None => st.query_map([], read),
    }
    .map_err(|e| store.sql_error(doing, e))?;
    collect(store, doing, rows)
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
    tx: Transaction<'s>,
    doing: &'static str,
    at: String,
    actions: Vec<(String, String, Value)>,
}

impl<'s> InvTx<'s> {
    fn err(&self, e: rusqlite::Error) -> crate::Error {
        self.store.sql_error(self.doing, e)
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
            self.store.append_in(&self.tx, &items)?
        };
        drop(items);
        let (store, doing) = (self.store, self.doing);
        self.tx.commit().map_err(|e| store.sql_error(doing, e))?;
        store.announce_logged(&out);
        Ok(out)
    }

    /// An asset by tag, read inside this transaction.
    pub fn asset(&self, tag: &str) -> Result<Option<Asset>> {
        asset_by_tag(self.store, &self.tx, tag.trim())
    }

    /// The asset with this serial from this manufacturer, if any.
    pub fn asset_by_serial(&self, manufacturer: &str, serial: &str) -> Result<Option<String>> {
        self.tx
            .query_row(
                "SELECT tag FROM assets WHERE manufacturer = ?1 AND serial = ?2",
                params![manufacturer, serial],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Inserts a new asset (its `id` is ignored) with a `created` history row; returns its id.
    pub fn insert_asset(&self, a: &Asset, note: &str) -> Result<i64> {
        let mut ins = self
            .tx
            .prepare_cached(
                "INSERT INTO assets (tag, serial, category, manufacturer, model, data_bearing, site, \
                 room, status, purchase_date, price_pence, supplier, warranty_end, funding, encrypted, \
                 last_audited, notes, search, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)",
            )
            .map_err(|e| self.err(e))?;
        ins.execute(params![
            a.tag,
            (!a.serial.is_empty()).then_some(&a.serial),
            a.category.as_str(),
            a.manufacturer,
            a.model,
            a.data_bearing,
            a.site,
            a.room,
            a.status.as_str(),
            a.purchase_date.map(fmt_date),
            a.price_pence,
            a.supplier,
            a.warranty_end.map(fmt_date),
            a.funding,
            a.encrypted.as_str(),
            a.last_audited.map(fmt_date),
            a.notes,
            a.search_text(),
            self.at,
        ])
        .map_err(|e| self.err(e))?;
        let id = self.tx.last_insert_rowid();
        self.history(id, "created", None, Some(a.status.as_str()), note)?;
        Ok(id)
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
        let mut up = self
            .tx
            .prepare_cached(
                "UPDATE assets SET tag = ?2, serial = ?3, category = ?4, manufacturer = ?5, model = ?6, \
                 data_bearing = ?7, site = ?8, room = ?9, status = ?10, purchase_date = ?11, \
                 price_pence = ?12, supplier = ?13, warranty_end = ?14, funding = ?15, encrypted = ?16, \
                 last_audited = ?17, notes = ?18, search = ?19, updated_at = ?20 WHERE id = ?1",
            )
            .map_err(|e| self.err(e))?;
        let a = after;
        up.execute(params![
            before.id,
            a.tag,
            (!a.serial.is_empty()).then_some(&a.serial),
            a.category.as_str(),
            a.manufacturer,
            a.model,
            a.data_bearing,
            a.site,
            a.room,
            a.status.as_str(),
            a.purchase_date.map(fmt_date),
            a.price_pence,
            a.supplier,
            a.warranty_end.map(fmt_date),
            a.funding,
            a.encrypted.as_str(),
            a.last_audited.map(fmt_date),
            a.notes,
            a.search_text(),
            self.at,
        ])
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
        let mut ins = self
            .tx
            .prepare_cached(
                "INSERT INTO asset_history (asset_id, at, operator, field, old, new, note) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(|e| self.err(e))?;
        ins.execute(params![
            asset_id,
            self.at,
            self.store.operator(),
            field,
            old,
            new,
            note
        ])
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
        let mut st = self.tx.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = st
            .query_map([asset_id], loan_from_row)
            .map_err(|e| self.err(e))?;
        Ok(collect(self.store, doing, rows)?.pop())
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
            .execute(
                "INSERT INTO loans (asset_id, borrower_kind, borrower, borrower_name, issued_at, issued_by, due, notes) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    asset_id,
                    borrower.kind(),
                    borrower.name(),
                    borrower_name,
                    self.at,
                    self.store.operator(),
                    due.map(fmt_date),
                    notes
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Marks a loan returned.
    pub fn return_loan(&self, loan_id: i64, condition: &str) -> Result<()> {
        self.tx
            .execute(
                "UPDATE loans SET returned_at = ?2, returned_by = ?3, condition = ?4 WHERE id = ?1",
                params![loan_id, self.at, self.store.operator(), condition],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Opens an audit round; returns its id.
    pub fn start_round(&self, name: &str) -> Result<i64> {
        self.tx
            .execute(
                "INSERT INTO audit_rounds (name, started_at, started_by) VALUES (?1, ?2, ?3)",
                params![name, self.at, self.store.operator()],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Closes an audit round.
    pub fn close_round(&self, id: i64) -> Result<()> {
        self.tx
            .execute(
                "UPDATE audit_rounds SET closed_at = ?2, closed_by = ?3 WHERE id = ?1",
                params![id, self.at, self.store.operator()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The open round's id and name.
    pub fn open_round(&self) -> Result<Option<(i64, String)>> {
        self.tx
            .prepare_cached("SELECT id, name FROM audit_rounds WHERE closed_at IS NULL")
            .and_then(|mut st| st.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(|e| self.err(e))
    }

    /// The registered room and status of the asset with this tag, and whether it was already seen
    /// in the round: (asset id, tag as registered, room, status, already).
    pub fn scan_lookup(&self, round_id: i64, tag: &str) -> Result<Option<ScanHit>> {
        self.tx
            .prepare_cached(
                "SELECT a.id, a.tag, a.room, a.status, EXISTS (SELECT 1 FROM audit_scans s \
                 WHERE s.round_id = ?1 AND s.asset_id = a.id AND s.outcome IN ('seen', 'moved')) \
                 FROM assets a WHERE a.tag = ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![round_id, tag], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()
            })
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
            .prepare_cached(
                "INSERT INTO audit_scans (round_id, at, operator, tag, asset_id, room, outcome) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    round_id,
                    self.at,
                    self.store.operator(),
                    tag,
                    asset_id,
                    room,
                    outcome.as_str()
                ])
            })
            .map_err(|e| self.err(e))?;
        if let (Some(id), Some(day)) = (asset_id, mark_audited) {
            self.tx
                .prepare_cached("UPDATE assets SET last_audited = ?2, updated_at = ?3 WHERE id = ?1 AND status <> 'disposed'")
                .and_then(|mut st| st.execute(params![id, fmt_date(day), self.at]))
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// A batch by name, read inside this transaction.
    pub fn batch(&self, name: &str) -> Result<Option<BatchRow>> {
        batch_by_name(self.store, &self.tx, name)
    }

    /// The items of a batch, read inside this transaction.
    pub fn batch_items(&self, batch_id: i64) -> Result<Vec<ItemRow>> {
        batch_items(self.store, &self.tx, batch_id)
    }

    /// The batch an asset is in, if any.
    pub fn batch_of(&self, asset_id: i64) -> Result<Option<String>> {
        self.tx
            .query_row(
                "SELECT b.name FROM disposal_items i JOIN disposal_batches b ON b.id = i.batch_id WHERE i.asset_id = ?1",
                [asset_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Writes a new batch; returns its id.
    pub fn insert_batch(
        &self,
        name: &str,
        papers: &crate::domain::inventory::disposal::BatchPapers,
        notes: &str,
    ) -> Result<i64> {
        self.tx
            .execute(
                "INSERT INTO disposal_batches (name, carrier, carrier_reg, collected_on, transfer_note, \
                 consignment_note, notes, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    name,
                    papers.carrier,
                    papers.carrier_registration,
                    papers.collected_on.map(fmt_date),
                    papers.transfer_note,
                    papers.consignment_note,
                    notes,
                    self.at,
                    self.store.operator()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.tx.last_insert_rowid())
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
                params![
                    id,
                    papers.carrier,
                    papers.carrier_registration,
                    papers.collected_on.map(fmt_date),
                    papers.transfer_note,
                    papers.consignment_note
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Adds an asset to a batch.
    pub fn insert_item(&self, batch_id: i64, asset_id: i64, waste_code: &str) -> Result<i64> {
        self.tx
            .execute(
                "INSERT INTO disposal_items (batch_id, asset_id, waste_code, added_at, added_by) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![batch_id, asset_id, waste_code, self.at, self.store.operator()],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Records (or replaces, while the batch is open) an item's sanitisation.
    pub fn put_sanitisation(&self, item_id: i64, s: &SanitisationRow) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO disposal_sanitisation (item_id, method, certificate, verified_by, done_on, recorded_at, recorded_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(item_id) DO UPDATE SET method = ?2, \
                 certificate = ?3, verified_by = ?4, done_on = ?5, recorded_at = ?6, recorded_by = ?7",
                params![
                    item_id,
                    s.method.as_str(),
                    s.certificate,
                    s.verified_by,
                    s.done_on.map(fmt_date),
                    self.at,
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
                params![id, self.at, self.store.operator(), signed_off_by],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Adds a software title; returns its id.
    pub fn insert_software(&self, t: &Title, notes: &str) -> Result<i64> {
        self.tx
            .execute(
                "INSERT INTO software (title, publisher, licence, seats, expires, cost_pence, notes, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    t.title,
                    t.publisher,
                    t.licence.as_str(),
                    t.seats,
                    t.expires.map(fmt_date),
                    t.cost_pence,
                    notes,
                    self.at
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.tx.last_insert_rowid())
    }

    /// A title by name, read inside this transaction.
    pub fn software_title(&self, title: &str) -> Result<Option<Title>> {
        Ok(software_titles(self.store, &self.tx, Some(title.trim()))?.pop())
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
                params![software_id, asset_id, username, self.at, self.store.operator()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Runs raw SQL in this transaction (tests of the triggers only).
    #[doc(hidden)]
    pub fn raw_execute(&self, sql: &str) -> Result<usize> {
        self.tx.execute(sql, []).map_err(|e| self.err(e))
    }
}
