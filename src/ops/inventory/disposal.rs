//! WEEE disposal batches: open one with the carrier's details, add retired equipment with its List
//! of Waste code, record each data-bearing item's sanitisation, see what is missing, close it
//! (signed off; items become disposed; the database then refuses any change), and report the
//! documents with the day each may be destroyed.

use super::must_asset;
use crate::domain::inventory::disposal::{
    check_carrier_registration, close_blockers, retention_end, waste_code, BatchPapers, Blocker,
    Document, ItemState, Sanitisation,
};
use crate::domain::inventory::records::{check_disposable, check_record_date};
use crate::domain::inventory::status::{check_transition, Via};
use crate::domain::inventory::Status;
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::actions::store;
use crate::ops::Ctx;
use crate::store::inventory::{BatchRow, ItemRow, SanitisationRow};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;

/// A new batch.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NewBatch {
    /// Its reference, e.g. `WEEE-2026-1`.
    pub name: String,
    /// The papers (carrier and registration required).
    pub papers: BatchPapers,
    /// Notes.
    pub notes: String,
}

pub(crate) fn closed(b: &BatchRow) -> Error {
    Error::Usage(format!(
        "the disposal batch {} was closed on {} and is kept as it is; open a new batch",
        b.name,
        b.closed_at
            .map(|t| t.format("%-d %b %Y").to_string())
            .unwrap_or_default()
    ))
}

pub(crate) fn no_batch(name: &str) -> Error {
    Error::NotFound(format!(
        "no disposal batch named \"{name}\"; see `schooltech inventory disposal report`"
    ))
}

/// Opens a batch. The carrier registration must be `CBDU`/`CBDL` followed by digits.
pub fn new_batch(ctx: &Ctx, b: &NewBatch) -> Result<BatchRow> {
    let name = b.name.trim();
    if name.is_empty() {
        return Err(Error::Usage(
            "give the batch a reference, e.g. WEEE-2026-1".into(),
        ));
    }
    if b.papers.carrier.trim().is_empty() {
        return Err(Error::Usage(
            "give the waste carrier's name: --carrier NAME".into(),
        ));
    }
    let mut papers = b.papers.clone();
    papers.carrier_registration =
        check_carrier_registration(&papers.carrier_registration).map_err(Error::Usage)?;
    if let Some(d) = papers.collected_on {
        check_collected(d, ctx, &[])?;
    }
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("opening a disposal batch", ctx.now())?;
    if tx.batch(name)?.is_some() {
        return Err(Error::Usage(format!(
            "there is already a disposal batch named \"{name}\""
        )));
    }
    tx.insert_batch(name, &papers, b.notes.trim())?;
    tx.log(
        "disposal.new",
        name,
        json!({"carrier": papers.carrier, "registration": papers.carrier_registration,
               "collected_on": papers.collected_on.map(|d| d.to_string()),
               "transfer_note": papers.transfer_note, "consignment_note": papers.consignment_note}),
    );
    tx.commit()?;
    s.batch(name)?.ok_or_else(|| no_batch(name))
}

/// Changes to a batch's papers (None: keep).
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchEdit {
    /// Carrier's name.
    pub carrier: Option<String>,
    /// Carrier registration.
    pub carrier_registration: Option<String>,
    /// Collected on.
    pub collected_on: Option<NaiveDate>,
    /// Waste transfer note.
    pub transfer_note: Option<String>,
    /// Consignment note.
    pub consignment_note: Option<String>,
}

/// Updates an open batch's papers (a closed batch is refused, by the database too).
pub fn edit_batch(ctx: &Ctx, name: &str, e: &BatchEdit) -> Result<BatchRow> {
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("editing a disposal batch", ctx.now())?;
    let b = tx.batch(name)?.ok_or_else(|| no_batch(name))?;
    if b.closed_at.is_some() {
        return Err(closed(&b));
    }
    let mut p = papers_of(&b);
    let old = p.clone();
    if let Some(c) = &e.carrier {
        p.carrier = c.trim().to_string();
    }
    if let Some(r) = &e.carrier_registration {
        p.carrier_registration = check_carrier_registration(r).map_err(Error::Usage)?;
    }
    if let Some(d) = e.collected_on {
        check_collected(d, ctx, &tx.batch_items(b.id)?)?;
        p.collected_on = Some(d);
    }
    if let Some(t) = &e.transfer_note {
        p.transfer_note = t.trim().to_string();
    }
    if let Some(t) = &e.consignment_note {
        p.consignment_note = t.trim().to_string();
    }
    tx.update_batch(b.id, &p)?;
    tx.log(
        "disposal.edit",
        &b.name,
        json!({"old": serde_json::to_value(&old).unwrap_or_default(), "new": serde_json::to_value(&p).unwrap_or_default()}),
    );
    tx.commit()?;
    s.batch(&b.name)?.ok_or_else(|| no_batch(name))
}

/// The day records are judged at.
fn today(ctx: &Ctx) -> NaiveDate {
    ctx.now().london_date()
}

/// A collection date: not in the future, not before any item of the batch was bought.
fn check_collected(d: NaiveDate, ctx: &Ctx, items: &[ItemRow]) -> Result<()> {
    check_record_date("the collection date (--collected)", "", d, today(ctx), None)
        .map_err(Error::Usage)?;
    for i in items {
        check_record_date(
            "the collection date (--collected)",
            &i.asset.tag,
            d,
            today(ctx),
            i.asset.purchase_date,
        )
        .map_err(Error::Usage)?;
    }
    Ok(())
}

/// Whether the asset's last status change was lost → retired (written off as lost).
pub(crate) fn written_off(s: &crate::store::Store, asset_id: i64) -> Result<bool> {
    Ok(s.asset_history(asset_id)?
        .into_iter()
        .rev()
        .find(|h| h.field == "status")
        .is_some_and(|h| h.old.as_deref() == Some("lost") && h.new.as_deref() == Some("retired")))
}

pub(crate) fn papers_of(b: &BatchRow) -> BatchPapers {
    BatchPapers {
        carrier: b.carrier.clone(),
        carrier_registration: b.carrier_registration.clone(),
        collected_on: b.collected_on,
        transfer_note: b.transfer_note.clone(),
        consignment_note: b.consignment_note.clone(),
    }
}

/// Adds an asset to an open batch with its List of Waste code; it becomes retired. Refuses an asset
/// on loan, one already disposed or in a batch.
pub fn add(ctx: &Ctx, batch: &str, tag: &str, code: &str) -> Result<ItemRow> {
    let w = waste_code(code).map_err(Error::Usage)?;
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("adding to a disposal batch", ctx.now())?;
    let b = tx.batch(batch)?.ok_or_else(|| no_batch(batch))?;
    if b.closed_at.is_some() {
        return Err(closed(&b));
    }
    let before = must_asset(&tx, tag)?;
    if let Some(l) = tx.open_loan(before.id)? {
        return Err(Error::Usage(format!(
            "{} is on loan to {}; it cannot be disposed of until it is returned (`inventory return {}`)",
            before.tag,
            l.borrower.name(),
            before.tag
        )));
    }
    if let Some(other) = tx.batch_of(before.id)? {
        return Err(Error::Usage(format!(
            "{} is already in disposal batch {other}",
            before.tag
        )));
    }
    if before.status == Status::Disposed {
        return Err(Error::Usage(format!("{} is already disposed", before.tag)));
    }
    check_disposable(&before, written_off(&s, before.id)?).map_err(Error::Usage)?;
    if let Some(c) = b.collected_on {
        check_record_date(
            &format!("the batch {}'s collection date", b.name),
            &before.tag,
            c,
            today(ctx),
            before.purchase_date,
        )
        .map_err(Error::Usage)?;
    }
    let id = tx.insert_item(b.id, before.id, w.code)?;
    if before.status != Status::Retired {
        check_transition(before.status, Status::Retired, Via::DisposalAdd)
            .map_err(|m| Error::Usage(format!("{}: {m}", before.tag)))?;
        let mut a = before.clone();
        a.status = Status::Retired;
        tx.update_asset(&before, &a, &format!("disposal batch {}", b.name))?;
    }
    tx.log(
        "disposal.add",
        &before.tag,
        json!({"batch": b.name, "waste_code": w.code, "old_status": before.status}),
    );
    tx.commit()?;
    s.batch_items(b.id)?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| no_batch(batch))
}

/// Records how an item's data was destroyed (clear / purge / destroy, or shredded by the carrier),
/// with the certificate or reference and who verified it.
pub fn sanitised(
    ctx: &Ctx,
    batch: &str,
    tag: &str,
    method: Sanitisation,
    certificate: &str,
    verified_by: &str,
    done_on: Option<NaiveDate>,
) -> Result<()> {
    if certificate.trim().is_empty() {
        return Err(Error::Usage(
            "give the certificate or reference number: --certificate REF".into(),
        ));
    }
    if verified_by.trim().is_empty() {
        return Err(Error::Usage(
            "say who verified it: --verified-by NAME".into(),
        ));
    }
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("recording sanitisation", ctx.now())?;
    let b = tx.batch(batch)?.ok_or_else(|| no_batch(batch))?;
    if b.closed_at.is_some() {
        return Err(closed(&b));
    }
    let asset = must_asset(&tx, tag)?;
    check_disposable(&asset, written_off(&s, asset.id)?).map_err(Error::Usage)?;
    let item = tx
        .batch_items(b.id)?
        .into_iter()
        .find(|i| i.asset.id == asset.id)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{} is not in batch {}; add it first with `inventory disposal add {} {}`",
                asset.tag, b.name, b.name, asset.tag
            ))
        })?;
    if let Some(d) = done_on {
        check_record_date(
            "the sanitisation date (--on)",
            &asset.tag,
            d,
            today(ctx),
            asset.purchase_date,
        )
        .map_err(Error::Usage)?;
    }
    let rec = SanitisationRow {
        method,
        certificate: certificate.trim().to_string(),
        verified_by: verified_by.trim().to_string(),
        done_on,
    };
    tx.put_sanitisation(item.id, &rec)?;
    tx.log(
        "disposal.sanitised",
        &asset.tag,
        json!({"batch": b.name, "method": method, "certificate": rec.certificate,
               "verified_by": rec.verified_by, "previous": item.sanitisation.map(|p| p.certificate)}),
    );
    tx.commit()?;
    Ok(())
}

/// A batch with its items and what stops it closing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchView {
    /// The batch.
    pub batch: BatchRow,
    /// Its items.
    pub items: Vec<ItemRow>,
    /// What must be done before it can close (leaving out the sign-off, given at close).
    pub blockers: Vec<Blocker>,
    /// The same, in words with the commands that fix each.
    pub missing: Vec<String>,
}

pub(crate) fn item_states(items: &[ItemRow]) -> Vec<ItemState> {
    items
        .iter()
        .map(|i| ItemState {
            tag: i.asset.tag.clone(),
            data_bearing: i.asset.data_bearing,
            sanitised: i.sanitisation.is_some(),
            on_loan: i.on_loan,
            waste_code: i.waste_code.clone(),
        })
        .collect()
}

/// A batch, its items, and what it lacks before it can close.
pub fn view(ctx: &Ctx, name: &str) -> Result<BatchView> {
    let s = store(ctx)?;
    let batch = s.batch(name)?.ok_or_else(|| no_batch(name))?;
    let items = s.batch_items(batch.id)?;
    let blockers: Vec<Blocker> = if batch.closed_at.is_some() {
        Vec::new()
    } else {
        close_blockers(&papers_of(&batch), &item_states(&items), "-")
    };
    let missing = blockers.iter().map(|b| b.message(&batch.name)).collect();
    Ok(BatchView {
        batch,
        items,
        blockers,
        missing,
    })
}

/// Closes a batch: refused (listing every reason) while anything is missing; otherwise its items
/// become disposed and the batch is signed off by `signed_off_by`.
pub fn close(ctx: &Ctx, name: &str, signed_off_by: &str) -> Result<BatchView> {
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("closing a disposal batch", ctx.now())?;
    let b = tx.batch(name)?.ok_or_else(|| no_batch(name))?;
    if b.closed_at.is_some() {
        return Err(closed(&b));
    }
    let items = tx.batch_items(b.id)?;
    if let Some(c) = b.collected_on {
        check_collected(c, ctx, &items)?;
    }
    for i in &items {
        check_disposable(&i.asset, written_off(&s, i.asset.id)?).map_err(Error::Usage)?;
        if let Some(d) = i.sanitisation.as_ref().and_then(|x| x.done_on) {
            check_record_date(
                "the sanitisation date",
                &i.asset.tag,
                d,
                today(ctx),
                i.asset.purchase_date,
            )
            .map_err(Error::Usage)?;
        }
    }
    let blockers = close_blockers(&papers_of(&b), &item_states(&items), signed_off_by);
    if !blockers.is_empty() {
        return Err(Error::Usage(format!(
            "disposal batch {} cannot close yet; nothing was changed:\n  - {}",
            b.name,
            blockers
                .iter()
                .map(|x| x.message(&b.name))
                .collect::<Vec<_>>()
                .join("\n  - ")
        )));
    }
    for i in &items {
        check_transition(i.asset.status, Status::Disposed, Via::DisposalClose)
            .map_err(|m| Error::Usage(format!("{}: {m}", i.asset.tag)))?;
        let mut a = i.asset.clone();
        a.status = Status::Disposed;
        tx.update_asset(&i.asset, &a, &format!("disposal batch {}", b.name))?;
    }
    tx.close_batch(b.id, signed_off_by.trim())?;
    tx.log(
        "disposal.close",
        &b.name,
        json!({"signed_off_by": signed_off_by.trim(), "items": items.iter().map(|i| i.asset.tag.clone()).collect::<Vec<_>>()}),
    );
    tx.commit()?;
    view(ctx, &b.name)
}

/// A document with the last day it must be kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentRow {
    /// What it is.
    pub document: Document,
    /// Its number.
    pub reference: String,
    /// Its date (collection day).
    pub dated: Option<NaiveDate>,
    /// Keep until.
    pub keep_until: Option<NaiveDate>,
}

/// A batch in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportBatch {
    /// The batch and its items.
    #[serde(flatten)]
    pub view: BatchView,
    /// Its documents and their retention.
    pub documents: Vec<DocumentRow>,
}

/// Batches (collected, or opened, in `year` if given) with their documents and retention ends.
pub fn report(ctx: &Ctx, year: Option<i32>) -> Result<Vec<ReportBatch>> {
    let s = store(ctx)?;
    let mut out = Vec::new();
    for b in s.batches()? {
        let y = b
            .collected_on
            .map(|d| d.year())
            .unwrap_or_else(|| b.created_at.year());
        if year.is_some_and(|want| want != y) {
            continue;
        }
        let v = view(ctx, &b.name)?;
        let mut docs = Vec::new();
        let doc = |d: Document, r: &str| DocumentRow {
            document: d,
            reference: r.to_string(),
            dated: b.collected_on,
            keep_until: b.collected_on.map(|c| retention_end(d, c)),
        };
        if !b.transfer_note.is_empty() {
            docs.push(doc(Document::TransferNote, &b.transfer_note));
        }
        if !b.consignment_note.is_empty() {
            docs.push(doc(Document::ConsignmentNote, &b.consignment_note));
        }
        let mut certs: Vec<String> = v
            .items
            .iter()
            .filter_map(|i| i.sanitisation.as_ref().map(|s| s.certificate.clone()))
            .collect();
        certs.sort();
        certs.dedup();
        for c in certs {
            docs.push(doc(Document::SanitisationCertificate, &c));
        }
        out.push(ReportBatch {
            view: v,
            documents: docs,
        });
    }
    Ok(out)
}
