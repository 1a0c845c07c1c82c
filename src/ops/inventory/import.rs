//! Importing and exporting the register as CSV. The export's header is the import's; exporting,
//! importing that into an empty store and exporting again gives the same bytes.
//!
//! An import is planned first (every row checked, every error listed by line and column) and
//! applied all-or-nothing in one transaction; with any error nothing is written.

use super::asset_from;
use crate::domain::inventory::asset::{parse_bool, AssetFields, Encrypted};
use crate::domain::inventory::price::parse_price;
use crate::domain::inventory::{Asset, Category, Status};
use crate::error::{Error, Result};
use crate::ops::actions::store;
use crate::ops::csv_reader::{parse_date, CellError, CsvTable};
use crate::ops::Ctx;
use crate::store::inventory::{asset_fields, AssetQuery};
use serde_json::json;
use std::collections::HashMap;

/// The CSV header, export and import alike.
pub const HEADER: [&str; 17] = [
    "tag",
    "serial",
    "category",
    "manufacturer",
    "model",
    "data_bearing",
    "site",
    "room",
    "status",
    "purchase_date",
    "price",
    "supplier",
    "warranty_end",
    "funding",
    "encrypted",
    "last_audited",
    "notes",
];

/// Other names a spreadsheet may use for each column of [`HEADER`].
fn aliases(col: &str) -> &'static [&'static str] {
    match col {
        "tag" => &["asset tag", "asset", "asset number", "asset no", "asset id"],
        "serial" => &["serial number", "serial no", "s/n", "sn"],
        "category" => &["type", "kind", "device type"],
        "manufacturer" => &["make", "vendor", "brand"],
        "model" => &["model name"],
        "data_bearing" => &["holds data", "data"],
        "room" => &["location"],
        "purchase_date" => &["purchased", "bought", "date purchased"],
        "price" => &["cost", "purchase price", "value"],
        "warranty_end" => &["warranty", "warranty expires", "warranty until"],
        "funding" => &["fund", "funded by"],
        "encrypted" => &["encryption"],
        "last_audited" => &["audited", "last audit"],
        "notes" => &["note", "comments"],
        _ => &[],
    }
}

/// What an import would do.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// The assets to add, with their line numbers.
    pub assets: Vec<(usize, Asset)>,
    /// Every problem found; with any, nothing is imported.
    pub errors: Vec<CellError>,
    /// The file's text encoding.
    pub encoding: &'static str,
}

/// Reads and checks a CSV file against the register: every error by line and column.
pub fn plan(ctx: &Ctx, bytes: &[u8]) -> Result<ImportPlan> {
    let table = CsvTable::read(bytes)?;
    let cols: Vec<Option<usize>> = HEADER
        .iter()
        .map(|c| {
            let mut names = vec![*c];
            names.extend_from_slice(aliases(c));
            table.column(&names)
        })
        .collect();
    let col = |name: &str| HEADER.iter().position(|h| *h == name).and_then(|i| cols[i]);
    let mut missing = Vec::new();
    for req in ["tag", "category"] {
        if col(req).is_none() {
            missing.push(req);
        }
    }
    if !missing.is_empty() {
        return Err(Error::Input(format!(
            "the CSV has no column {}; its header is: {}. The columns schooltech reads are: {}",
            missing
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(" or "),
            table.headers.join(", "),
            HEADER.join(", ")
        )));
    }
    let existing = store(ctx)?.asset_keys()?;
    // Where each tag and serial was seen first: line 0 = already in the register (as that tag).
    let mut tags: HashMap<String, (usize, String)> =
        HashMap::with_capacity(existing.len() + table.rows.len());
    let mut serials: HashMap<(String, String), (usize, String)> =
        HashMap::with_capacity(existing.len() + table.rows.len());
    for (t, s) in existing {
        if let Some(k) = s {
            serials.insert(k, (0, t.clone()));
        }
        tags.insert(t.to_lowercase(), (0, t));
    }
    let mut plan = ImportPlan {
        encoding: table.encoding,
        errors: table.errors.clone(),
        ..Default::default()
    };
    for row in &table.rows {
        let line = row.line;
        let mut errs: Vec<CellError> = Vec::new();
        let mut err = |c: &str, m: String| {
            errs.push(CellError {
                line,
                column: c.to_string(),
                message: m,
            })
        };
        let get = |name: &str| row.get(col(name));
        let category = match Category::parse(get("category")) {
            Ok(c) => Some(c),
            Err(m) => {
                err("category", m);
                None
            }
        };
        let status = match get("status") {
            "" => Status::InStock,
            s => Status::parse(s).unwrap_or_else(|m| {
                err("status", m);
                Status::InStock
            }),
        };
        let mut date = |name: &str| match get(name) {
            "" => None,
            s => parse_date(s).map(Some).unwrap_or_else(|m| {
                err(name, m);
                None
            }),
        };
        let purchase_date = date("purchase_date");
        let warranty_end = date("warranty_end");
        let last_audited = date("last_audited");
        let price_pence = match get("price") {
            "" => None,
            s => parse_price(s).map(Some).unwrap_or_else(|m| {
                err("price", m);
                None
            }),
        };
        let data_bearing = match get("data_bearing") {
            "" => None,
            s => parse_bool(s).map(Some).unwrap_or_else(|m| {
                err("data_bearing", m);
                None
            }),
        };
        let encrypted = Encrypted::parse(get("encrypted")).unwrap_or_else(|m| {
            err("encrypted", m);
            Encrypted::Unknown
        });
        let fields = AssetFields {
            serial: get("serial").to_string(),
            category,
            manufacturer: get("manufacturer").to_string(),
            model: get("model").to_string(),
            data_bearing,
            site: get("site").to_string(),
            room: get("room").to_string(),
            purchase_date,
            price_pence,
            supplier: get("supplier").to_string(),
            warranty_end,
            funding: get("funding").to_string(),
            encrypted,
            notes: get("notes").to_string(),
        };
        let asset = if category.is_some() {
            match asset_from(get("tag"), status, &fields) {
                Ok(mut a) => {
                    a.last_audited = last_audited;
                    Some(a)
                }
                Err(e) => {
                    err("tag", e.to_string());
                    None
                }
            }
        } else {
            if let Err(m) = crate::domain::inventory::asset::check_tag(get("tag")) {
                err("tag", m);
            }
            None
        };
        if let Some(a) = &asset {
            match tags.get(&a.tag.to_lowercase()) {
                Some((0, other)) => err(
                    "tag",
                    format!(
                        "asset tag \"{}\" is already in the register as {other}",
                        a.tag
                    ),
                ),
                Some((l, _)) => err(
                    "tag",
                    format!("asset tag \"{}\" is also on line {l}", a.tag),
                ),
                None => {
                    tags.insert(a.tag.to_lowercase(), (line, a.tag.clone()));
                }
            }
            if !a.serial.is_empty() {
                let key = (a.manufacturer.to_lowercase(), a.serial.to_lowercase());
                match serials.get(&key) {
                    Some((0, other)) => err(
                        "serial",
                        format!(
                            "serial \"{}\" from \"{}\" is already registered as asset {other}",
                            a.serial, a.manufacturer
                        ),
                    ),
                    Some((l, _)) => err(
                        "serial",
                        format!(
                            "serial \"{}\" from \"{}\" is also on line {l}",
                            a.serial, a.manufacturer
                        ),
                    ),
                    None => {
                        serials.insert(key, (line, a.tag.clone()));
                    }
                }
            }
        }
        if errs.is_empty() {
            if let Some(a) = asset {
                plan.assets.push((line, a));
            }
        } else {
            plan.errors.extend(errs);
        }
    }
    plan.errors.sort_by_key(|e| e.line);
    Ok(plan)
}

/// How many assets go to the store in one batched call (and between two progress reports).
const IMPORT_CHUNK: usize = 1000;

/// Writes the planned assets, all in one transaction. Refuses a plan with errors (nothing written).
pub fn apply(ctx: &Ctx, plan: &ImportPlan, source: &str) -> Result<usize> {
    apply_with(ctx, plan, source, &|_, _| {})
}

/// [`apply`], telling `progress(done, total)` as rows go into the (one) transaction.
pub fn apply_with(
    ctx: &Ctx,
    plan: &ImportPlan,
    source: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<usize> {
    if !plan.errors.is_empty() {
        return Err(Error::Input(format!(
            "the file has {} problem(s); nothing was imported. Fix them and run the import again",
            plan.errors.len()
        )));
    }
    let s = store(ctx)?;
    s.tune_for_bulk()?;
    let mut tx = s.inventory_tx("importing assets", ctx.now())?;
    let note = format!("import {source}");
    let total = plan.assets.len();
    // Batched: multi-row inserts (`InvTx::insert_assets`), a thousand assets a call, so the
    // import is one transaction of a few hundred statements on either engine, not one round trip
    // per row. The plan has already refused every tag and serial taken, so a refusal here is
    // rare (another import at the same moment): its lines are named, and nothing is kept.
    let mut done = 0;
    for chunk in plan.assets.chunks(IMPORT_CHUNK) {
        tx.insert_assets(chunk.iter().map(|(_, a)| a), &note)
            .map_err(|e| {
                let (first, last) = (chunk[0].0, chunk[chunk.len() - 1].0);
                Error::Input(format!("lines {first}-{last}: {e}; nothing was imported"))
            })?;
        done += chunk.len();
        progress(done, total);
    }
    tx.log(
        "asset.import",
        source,
        json!({"count": plan.assets.len(),
               "first": plan.assets.first().map(|(_, a)| a.tag.clone()),
               "last": plan.assets.last().map(|(_, a)| a.tag.clone())}),
    );
    tx.commit()?;
    Ok(plan.assets.len())
}

/// The register as CSV, by tag, in the import's header.
pub fn export_csv(ctx: &Ctx) -> Result<Vec<u8>> {
    let s = store(ctx)?;
    s.tune_for_bulk()?;
    let rows = s.assets(&AssetQuery::default())?;
    let mut w = crate::ops::csv_writer::CsvOut::new(Vec::with_capacity(rows.len() * 96 + 200));
    let fail = |e: std::io::Error| Error::Input(format!("writing CSV: {e}"));
    w.header(HEADER).map_err(fail)?;
    for r in &rows {
        w.row(
            asset_fields(&r.asset)
                .into_iter()
                .map(|(_, v)| v.unwrap_or_default()),
        )
        .map_err(fail)?;
    }
    w.into_inner().map_err(fail)
}

/// The register as JSON: an array of objects with the CSV's column names (null when empty).
pub fn export_json(ctx: &Ctx) -> Result<serde_json::Value> {
    let rows = store(ctx)?.assets(&AssetQuery::default())?;
    Ok(serde_json::Value::Array(
        rows.iter()
            .map(|r| {
                serde_json::Value::Object(
                    asset_fields(&r.asset)
                        .into_iter()
                        .map(|(k, v)| {
                            (k.to_string(), v.map_or(serde_json::Value::Null, Into::into))
                        })
                        .collect(),
                )
            })
            .collect(),
    ))
}
