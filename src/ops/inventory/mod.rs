//! The equipment register: what the CLI and the TUI Inventory tab call. Plain functions taking
//! the context and returning plain structs; every change is one store transaction holding the
//! change, its history rows and its action-log row.
//!
//! - assets: [`add`], [`edit`], [`set_status`], [`list`], [`detail`], [`history`]
//! - loans: [`loan`] (checked against the directory), [`return_asset`], [`loans`],
//!   [`equipment_on_loan_to`] (for the leavers sweep), [`agreement`]
//! - [`encryption_report`]
//! - audit: [`audit::start`], [`audit::ScanSession`] / [`audit::scan`], [`audit::close`],
//!   [`audit::report`]
//! - disposal: [`disposal::new_batch`], [`disposal::add`], [`disposal::sanitised`],
//!   [`disposal::view`] (what a batch lacks before it can close), [`disposal::close`],
//!   [`disposal::report`]
//! - software: [`software::add`], [`software::assign`], [`software::report`]
//! - files: [`import::plan`] / [`import::apply`], [`import::export_csv`], [`labels::render`]

pub mod audit;
pub mod change;
pub mod demo;
pub mod disposal;
pub mod import;
pub mod labels;
pub mod software;

use super::actions::store;
use super::Ctx;
use crate::domain::inventory::asset::{check_tag, AssetFields};
use crate::domain::inventory::loan::{agreement_text, check_borrower, Borrower, Loan};
use crate::domain::inventory::records::{
    check_breach, check_purchase_date, check_write_off, needs_breach_record, BreachInput,
    BreachRecord, BREACH_FLAGS,
};
use crate::domain::inventory::status::{check_transition, Via};
use crate::domain::inventory::{Asset, Category, Status};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::store::inventory::{AssetQuery, AssetRow, FieldChange, HistoryRow, InvTx};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::json;

pub use crate::store::inventory::AssetQuery as Query;

/// A new asset: its tag, status (default in-stock) and fields.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NewAsset {
    /// The tag on its label.
    pub tag: String,
    /// Starting status (in-stock when None); on-loan and disposed are refused.
    pub status: Option<Status>,
    /// Everything else.
    pub fields: AssetFields,
}

/// What an edit changes (None: keep). Text set to "" clears it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AssetEdit {
    /// Serial number.
    pub serial: Option<String>,
    /// Category.
    pub category: Option<Category>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Holds data.
    pub data_bearing: Option<bool>,
    /// Site.
    pub site: Option<String>,
    /// Room.
    pub room: Option<String>,
    /// Purchase date.
    pub purchase_date: Option<NaiveDate>,
    /// Price in pence.
    pub price_pence: Option<i64>,
    /// Supplier.
    pub supplier: Option<String>,
    /// Warranty end.
    pub warranty_end: Option<NaiveDate>,
    /// Funding.
    pub funding: Option<String>,
    /// Encrypted?
    pub encrypted: Option<crate::domain::inventory::Encrypted>,
    /// Notes.
    pub notes: Option<String>,
}

/// An asset built from a tag and fields (id 0 until stored).
pub fn asset_from(tag: &str, status: Status, f: &AssetFields) -> Result<Asset> {
    let tag = check_tag(tag).map_err(Error::Usage)?;
    let category = f.category.ok_or_else(|| {
        Error::Usage(format!(
            "asset {tag} needs a category: one of {}",
            Category::ALL.map(|c| c.as_str()).join(", ")
        ))
    })?;
    Ok(Asset {
        id: 0,
        tag,
        serial: f.serial.trim().to_string(),
        category,
        manufacturer: f.manufacturer.trim().to_string(),
        model: f.model.trim().to_string(),
        data_bearing: f
            .data_bearing
            .unwrap_or_else(|| category.data_bearing_by_default()),
        site: f.site.trim().to_string(),
        room: f.room.trim().to_string(),
        status,
        purchase_date: f.purchase_date,
        price_pence: f.price_pence,
        supplier: f.supplier.trim().to_string(),
        warranty_end: f.warranty_end,
        funding: f.funding.trim().to_string(),
        encrypted: f.encrypted,
        last_audited: None,
        notes: f.notes.trim().to_string(),
    })
}

pub(crate) fn not_found(tag: &str) -> Error {
    Error::NotFound(format!(
        "no asset with tag \"{tag}\"; see `schooltech inventory list --search {tag}`"
    ))
}

/// The asset with this tag inside a transaction, or a clear "not found".
pub(crate) fn must_asset(tx: &InvTx<'_>, tag: &str) -> Result<Asset> {
    tx.asset(tag)?.ok_or_else(|| not_found(tag.trim()))
}

/// What is recorded of an asset with a date (its sanitisation, its batch's collection): a
/// purchase date may not come after them.
fn recorded_dates(
    s: &crate::store::Store,
    tx: &InvTx<'_>,
    a: &Asset,
) -> Result<Vec<(String, NaiveDate)>> {
    let mut out = Vec::new();
    if let Some(name) = tx.batch_of(a.id)? {
        if let Some(b) = s.batch(&name)? {
            if let Some(c) = b.collected_on {
                out.push((format!("collection in disposal batch {name}"), c));
            }
            for i in s.batch_items(b.id)? {
                if i.asset.id == a.id {
                    if let Some(d) = i.sanitisation.and_then(|x| x.done_on) {
                        out.push(("sanitisation".to_string(), d));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Refuses a tag or serial already in the register, naming the asset that has it.
fn check_unique(tx: &InvTx<'_>, a: &Asset, own_id: Option<i64>) -> Result<()> {
    if let Some(other) = tx.asset(&a.tag)? {
        if Some(other.id) != own_id {
            return Err(tag_taken(a, &other));
        }
    }
    if !a.serial.is_empty() {
        if let Some(other) = tx.asset_by_serial(&a.manufacturer, &a.serial)? {
            if own_id.is_none() || !other.eq_ignore_ascii_case(&a.tag) {
                return Err(serial_taken(a, &other));
            }
        }
    }
    Ok(())
}

/// The same check on the store as it is (a plan reads; it opens no transaction).
pub(crate) fn check_unique_read(
    s: &crate::store::Store,
    a: &Asset,
    own_id: Option<i64>,
) -> Result<()> {
    if let Some(other) = s.asset(&a.tag)? {
        if Some(other.id) != own_id {
            return Err(tag_taken(a, &other));
        }
    }
    if !a.serial.is_empty() {
        if let Some(other) = s.asset_by_serial(&a.manufacturer, &a.serial)? {
            if own_id.is_none() || !other.tag.eq_ignore_ascii_case(&a.tag) {
                return Err(serial_taken(a, &other.tag));
            }
        }
    }
    Ok(())
}

fn tag_taken(a: &Asset, other: &Asset) -> Error {
    Error::Usage(format!(
        "asset tag \"{}\" is already used by {} ({}, {}); choose another tag",
        a.tag,
        other.tag,
        other.description(),
        other.status
    ))
}

fn serial_taken(a: &Asset, other: &str) -> Error {
    Error::Usage(format!(
        "serial number \"{}\" from \"{}\" is already registered as asset {other}; check the \
         serial, or edit {other} instead",
        a.serial, a.manufacturer
    ))
}

fn changes_json(changes: &[FieldChange]) -> serde_json::Value {
    serde_json::Value::Array(
        changes
            .iter()
            .map(|c| json!({"field": c.field, "old": c.old, "new": c.new}))
            .collect(),
    )
}

/// Adds an asset. Refuses a duplicate tag or serial (naming the asset that has it).
pub fn add(ctx: &Ctx, new: &NewAsset) -> Result<Asset> {
    let mut a = new_asset(ctx, new)?;
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("adding an asset", ctx.now())?;
    check_unique(&tx, &a, None)?;
    a.id = tx.insert_asset(&a, "")?;
    tx.log(
        "asset.add",
        &a.tag,
        json!({"category": a.category, "serial": a.serial, "manufacturer": a.manufacturer,
               "model": a.model, "room": a.room, "status": a.status}),
    );
    tx.commit()?;
    Ok(a)
}

/// The asset `new` would add, with every check that needs no store (the status it may start
/// in, its data-breach record, its purchase date): [`add`] and its plan both ask it.
pub(crate) fn new_asset(ctx: &Ctx, new: &NewAsset) -> Result<Asset> {
    let status = new.status.unwrap_or(Status::InStock);
    if matches!(status, Status::OnLoan | Status::Disposed) {
        return Err(Error::Usage(format!(
            "a new asset cannot start {status}; add it in-stock, then `inventory loan` it"
        )));
    }
    let a = asset_from(&new.tag, status, &new.fields)?;
    if status == Status::Lost && needs_breach_record(&a) {
        return Err(Error::Usage(format!(
            "{} would start lost, but it is a portable device that holds data and is not known to \
             be encrypted: add it in-stock, then mark it lost with its data-breach record \
             (`schooltech inventory status {} lost` with {BREACH_FLAGS})",
            a.tag, a.tag
        )));
    }
    if let Some(p) = a.purchase_date {
        check_purchase_date(&a.tag, p, ctx.now().london_date(), &[]).map_err(Error::Usage)?;
    }
    Ok(a)
}

/// Edits an asset's fields; returns the asset after and what changed (empty: nothing to do).
pub fn edit(ctx: &Ctx, tag: &str, e: &AssetEdit) -> Result<(Asset, Vec<FieldChange>)> {
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("editing an asset", ctx.now())?;
    let before = must_asset(&tx, tag)?;
    if before.status == Status::Disposed {
        return Err(disposed_final(&before));
    }
    let mut a = edited(&before, e);
    if let Some(d) = e.purchase_date {
        check_purchase_date(
            &a.tag,
            d,
            ctx.now().london_date(),
            &recorded_dates(&s, &tx, &a)?,
        )
        .map_err(Error::Usage)?;
        a.purchase_date = Some(d);
    }
    check_unique(&tx, &a, Some(a.id))?;
    let changes = tx.update_asset(&before, &a, "")?;
    if !changes.is_empty() {
        tx.log(
            "asset.edit",
            &a.tag,
            json!({"changes": changes_json(&changes)}),
        );
        tx.commit()?;
    }
    Ok((a, changes))
}

/// A disposed asset's record is kept as it is.
pub(crate) fn disposed_final(a: &Asset) -> Error {
    Error::Usage(format!(
        "{} is disposed, which is final; its record is kept as it is",
        a.tag
    ))
}

/// The asset as `e` would leave it (its purchase date is checked by [`edit`] against what is
/// recorded of the asset).
pub(crate) fn edited(before: &Asset, e: &AssetEdit) -> Asset {
    let mut a = before.clone();
    let t = |v: &Option<String>, into: &mut String| {
        if let Some(v) = v {
            *into = v.trim().to_string();
        }
    };
    t(&e.serial, &mut a.serial);
    t(&e.manufacturer, &mut a.manufacturer);
    t(&e.model, &mut a.model);
    t(&e.site, &mut a.site);
    t(&e.room, &mut a.room);
    t(&e.supplier, &mut a.supplier);
    t(&e.funding, &mut a.funding);
    t(&e.notes, &mut a.notes);
    if let Some(c) = e.category {
        a.category = c;
    }
    if let Some(d) = e.data_bearing {
        a.data_bearing = d;
    }
    if let Some(d) = e.purchase_date {
        a.purchase_date = Some(d);
    }
    if let Some(p) = e.price_pence {
        a.price_pence = Some(p);
    }
    if let Some(d) = e.warranty_end {
        a.warranty_end = Some(d);
    }
    if let Some(x) = e.encrypted {
        a.encrypted = x;
    }
    a
}

/// Changes an asset's status through the state machine (`note` says why).
pub fn set_status(ctx: &Ctx, tag: &str, to: Status, note: &str) -> Result<Asset> {
    set_status_with(ctx, tag, to, note, &BreachInput::default())
}

/// [`set_status`] with the data-breach record of a device marked lost: required when it is a
/// portable device that holds data and is not known to be encrypted (refused naming the flags
/// when missing), kept in the asset's history (field `breach`) and the action log. A lost
/// device is written off (lost → retired) only with its reason (`note`).
pub fn set_status_with(
    ctx: &Ctx,
    tag: &str,
    to: Status,
    note: &str,
    breach: &BreachInput,
) -> Result<Asset> {
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("changing an asset's status", ctx.now())?;
    let before = must_asset(&tx, tag)?;
    let record = check_status(&before, to, note, breach, ctx.now().london_date())?;
    let mut a = before.clone();
    a.status = to;
    let changes = tx.update_asset(&before, &a, note)?;
    let record_json = record
        .as_ref()
        .map(|r| serde_json::to_value(r).unwrap_or_default());
    if let Some(r) = &record_json {
        tx.history(
            before.id,
            BREACH_FIELD,
            None,
            Some(&r.to_string()),
            "data-breach record (lost or stolen, not known to be encrypted)",
        )?;
    }
    tx.log(
        "asset.status",
        &a.tag,
        json!({"old": before.status, "new": to, "note": note, "changes": changes_json(&changes),
               "breach": record_json}),
    );
    tx.commit()?;
    Ok(a)
}

/// Whether `before` may go to `to` by hand with this note and data-breach record: the state
/// machine, the write-off's reason, the record of a lost device (returned). [`set_status_with`]
/// and its plan both ask it.
pub(crate) fn check_status(
    before: &Asset,
    to: Status,
    note: &str,
    breach: &BreachInput,
    today: NaiveDate,
) -> Result<Option<BreachRecord>> {
    check_transition(before.status, to, Via::Manual)
        .map_err(|m| Error::Usage(format!("{}: {m}", before.tag)))?;
    check_write_off(before, to, note).map_err(Error::Usage)?;
    if to == Status::Lost {
        check_breach(before, breach, today).map_err(Error::Usage)
    } else if !breach.is_empty() {
        Err(Error::Usage(format!(
            "a data-breach record goes with marking {} lost, not {to}",
            before.tag
        )))
    } else {
        Ok(None)
    }
}

/// The history field that holds a data-breach record (JSON of [`BreachRecord`]).
pub const BREACH_FIELD: &str = "breach";

/// A data-breach record kept with an asset's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreachRow {
    /// The asset's tag.
    pub tag: String,
    /// When it was recorded.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// Who recorded it.
    pub operator: String,
    /// The record.
    pub record: BreachRecord,
}

/// Every data-breach record, oldest first (the termly report's inventory section).
pub fn breach_records(ctx: &Ctx) -> Result<Vec<BreachRow>> {
    let s = store(ctx)?;
    let mut out = Vec::new();
    for (tag, h) in s.history_rows_of_field(BREACH_FIELD)? {
        let record: BreachRecord =
            serde_json::from_str(h.new.as_deref().unwrap_or("")).map_err(|e| {
                Error::Input(format!(
                    "the data-breach record of {tag} in the store cannot be read ({e})"
                ))
            })?;
        out.push(BreachRow {
            tag,
            recorded_at: h.at,
            operator: h.operator,
            record,
        });
    }
    Ok(out)
}

/// A list row: an asset, its open loan, and whether that is overdue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListRow {
    /// The asset and its loan.
    #[serde(flatten)]
    pub row: AssetRow,
    /// The loan is past its due day.
    pub overdue: bool,
}

/// Assets matching the query (search, status, category, room, loaned, overdue, unencrypted).
pub fn list(ctx: &Ctx, q: &AssetQuery) -> Result<Vec<ListRow>> {
    let today = ctx.now().london_date();
    let s = store(ctx)?;
    s.tune_for_bulk()?;
    Ok(s.assets(q)?
        .into_iter()
        .map(|row| {
            let overdue = row.due.is_some_and(|d| d < today);
            ListRow { row, overdue }
        })
        .collect())
}

/// Everything about one asset, for a detail view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetDetail {
    /// The asset.
    pub asset: Asset,
    /// The open loan.
    pub loan: Option<Loan>,
    /// Every loan, newest first.
    pub loans: Vec<Loan>,
    /// Its history, oldest first.
    pub history: Vec<HistoryRow>,
    /// The disposal batch it is in.
    pub disposal_batch: Option<String>,
}

/// One asset with its loans, history and disposal batch.
pub fn detail(ctx: &Ctx, tag: &str) -> Result<AssetDetail> {
    let s = store(ctx)?;
    let asset = s.asset(tag)?.ok_or_else(|| not_found(tag.trim()))?;
    let loans = s.loans(Some(asset.id), false)?;
    Ok(AssetDetail {
        loan: loans.iter().find(|l| l.returned_at.is_none()).cloned(),
        history: s.asset_history(asset.id)?,
        disposal_batch: s.batch_of(asset.id)?,
        loans,
        asset,
    })
}

/// An asset's history, oldest first.
pub fn history(ctx: &Ctx, tag: &str) -> Result<Vec<HistoryRow>> {
    Ok(detail(ctx, tag)?.history)
}

/// A loan to make.
#[derive(Debug, Clone, Default)]
pub struct LoanRequest {
    /// The asset.
    pub tag: String,
    /// A directory username (checked) …
    pub user: Option<String>,
    /// … or a room/place.
    pub location: Option<String>,
    /// Due back (default: today + `loan_days` for a person, none for a place).
    pub due: Option<NaiveDate>,
    /// Notes.
    pub notes: String,
}

/// Issues an asset to a directory user (who must exist, be enabled and not expired) or to a place.
pub async fn loan(ctx: &Ctx, req: &LoanRequest) -> Result<Loan> {
    let now = ctx.now();
    let (borrower, name) = match (&req.user, &req.location) {
        (Some(u), None) => {
            let u = u.trim();
            let acct = ctx.dir.get_account(u).await?;
            check_borrower(u, acct.as_ref(), now).map_err(Error::Usage)?;
            let a = acct.ok_or_else(|| Error::Usage(format!("no account named \"{u}\"")))?;
            let name = a.name().to_string();
            (Borrower::User(a.username), name)
        }
        (None, Some(p)) if !p.trim().is_empty() => (
            Borrower::Location(p.trim().to_string()),
            p.trim().to_string(),
        ),
        _ => {
            return Err(Error::Usage(
                "say who or where: --to USERNAME (checked in the directory) or --room ROOM".into(),
            ))
        }
    };
    let due = match (&borrower, req.due) {
        (_, Some(d)) => Some(d),
        (Borrower::User(_), None) => {
            Some(now.london_date() + Duration::days(i64::from(ctx.config.inventory.loan_days)))
        }
        (Borrower::Location(_), None) => None,
    };
    if let Some(d) = due {
        if d < now.london_date() {
            return Err(Error::Usage(format!(
                "the due date {d} is in the past; give a later --due"
            )));
        }
    }
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("issuing a loan", now)?;
    let before = must_asset(&tx, &req.tag)?;
    if let Some(l) = tx.open_loan(before.id)? {
        return Err(Error::Usage(format!(
            "{} is already on loan to {}; `inventory return {}` first",
            before.tag,
            l.borrower.name(),
            before.tag
        )));
    }
    let to = match borrower {
        Borrower::User(_) => Status::OnLoan,
        Borrower::Location(_) => Status::Deployed,
    };
    let mut a = before.clone();
    if to == Status::Deployed {
        a.room = borrower.name().to_string();
        if before.status == Status::Deployed {
            // already deployed: only the place changes
        } else {
            check_transition(before.status, to, Via::Manual)
                .map_err(|m| Error::Usage(format!("{}: {m}", before.tag)))?;
        }
    } else {
        check_transition(before.status, to, Via::Loan)
            .map_err(|m| Error::Usage(format!("{}: {m}", before.tag)))?;
    }
    a.status = to;
    let id = tx.insert_loan(before.id, &borrower, &name, due, req.notes.trim())?;
    let note = format!("loan to {} {}", borrower.kind(), borrower.name());
    tx.update_asset(&before, &a, &note)?;
    tx.log(
        "asset.loan",
        &a.tag,
        json!({"to": borrower.name(), "kind": borrower.kind(), "name": name,
               "due": due.map(|d| d.to_string()), "old_status": before.status, "new_status": to}),
    );
    tx.commit()?;
    Ok(Loan {
        id,
        tag: a.tag,
        borrower,
        borrower_name: name,
        issued_at: now,
        issued_by: s.operator().to_string(),
        due,
        returned_at: None,
        returned_by: None,
        condition: String::new(),
        notes: req.notes.trim().to_string(),
    })
}

/// Takes an asset back (with its condition); it becomes in-stock (or stays deployed in `room`).
pub fn return_asset(ctx: &Ctx, tag: &str, condition: &str, room: Option<&str>) -> Result<Asset> {
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("returning a loan", ctx.now())?;
    let before = must_asset(&tx, tag)?;
    let l = tx.open_loan(before.id)?.ok_or_else(|| {
        Error::Usage(format!(
            "{} is not on loan (it is {})",
            before.tag, before.status
        ))
    })?;
    tx.return_loan(l.id, condition.trim())?;
    let mut a = before.clone();
    a.status = Status::InStock;
    if let Some(r) = room.map(str::trim).filter(|r| !r.is_empty()) {
        a.room = r.to_string();
    }
    if before.status == Status::OnLoan {
        check_transition(before.status, a.status, Via::Return)
            .map_err(|m| Error::Usage(format!("{}: {m}", before.tag)))?;
    }
    tx.update_asset(&before, &a, &format!("returned by {}", l.borrower.name()))?;
    tx.log(
        "asset.return",
        &a.tag,
        json!({"from": l.borrower.name(), "condition": condition.trim(),
               "old_status": before.status, "new_status": a.status}),
    );
    tx.commit()?;
    Ok(a)
}

/// Open loans (all, or only overdue as of today), newest first, with their assets.
pub fn loans(ctx: &Ctx, overdue_only: bool) -> Result<Vec<(Loan, Asset)>> {
    let today = ctx.now().london_date();
    let s = store(ctx)?;
    let mut out = Vec::new();
    for l in s.loans(None, true)? {
        if overdue_only && !l.is_overdue(today) {
            continue;
        }
        if let Some(a) = s.asset(&l.tag)? {
            out.push((l, a));
        }
    }
    Ok(out)
}

/// What a user has on loan (the leavers sweep lists this for staff leavers).
pub fn equipment_on_loan_to(ctx: &Ctx, username: &str) -> Result<Vec<(Loan, Asset)>> {
    let s = store(ctx)?;
    let rows = s.assets(&AssetQuery {
        loaned_to: Some(username.to_string()),
        ..Default::default()
    })?;
    let mut out = Vec::new();
    for r in rows {
        if let Some(l) = s.loans(Some(r.asset.id), true)?.into_iter().next() {
            out.push((l, r.asset));
        }
    }
    Ok(out)
}

/// The loan agreement for an asset's open loan, plain text to print and sign.
pub fn agreement(ctx: &Ctx, tag: &str) -> Result<String> {
    let d = detail(ctx, tag)?;
    let l = d.loan.ok_or_else(|| {
        Error::Usage(format!(
            "{} is not on loan; issue it first with `inventory loan`",
            d.asset.tag
        ))
    })?;
    Ok(agreement_text(&ctx.config.school.name, &d.asset, &l))
}

/// Portable data-bearing assets (laptop, tablet, phone, storage) deployed or on loan and not
/// known to be encrypted.
pub fn encryption_report(ctx: &Ctx) -> Result<Vec<ListRow>> {
    list(
        ctx,
        &AssetQuery {
            unencrypted: true,
            ..Default::default()
        },
    )
}
