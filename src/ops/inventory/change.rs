//! One change to the equipment register, planned then applied: the one command type of every
//! inventory change for both faces (issue 21, item 1). The CLI builds a [`Change`], plans it
//! with [`plan`], prints the plan's [`Plan::lines`] on `--dry-run` and else applies it with
//! [`apply`]; the Inventory tab builds the same change, asks for the plan on its worker, shows
//! the same lines in its confirmation and applies that plan on `y`.
//!
//! A plan reads the register and changes nothing (so it works under `--as-of` and
//! `--dry-run`): what will happen (before -> after), what would be refused and why, and what
//! cannot be undone. [`apply`] checks again that what the plan depended on is still so (the
//! asset still has the status the plan showed, the batch is still open, the same audit round
//! is open) and refuses with the reason when not; then it calls the register's functions,
//! whose guards (read-only under `--as-of`, one transaction with its log row) are the
//! authority: a plan's refusal is its preview.

use super::disposal::{self, BatchEdit, NewBatch};
use super::labels::{self, Selection, Written};
use super::{audit, AssetEdit, NewAsset};
use crate::domain::inventory::disposal::{
    check_carrier_registration, close_blockers, waste_code, Sanitisation,
};
use crate::domain::inventory::labels::Layout;
use crate::domain::inventory::records::BreachInput;
use crate::domain::inventory::{Asset, Status};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::preview::Emphasis;
use crate::ops::Ctx;
use crate::store::inventory::{BatchRow, FieldChange, ItemRow, Round};
use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use std::path::PathBuf;

/// A change to the register, the audit or the disposal batches.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Change {
    /// `inventory add`.
    Add {
        /// The new asset.
        asset: NewAsset,
    },
    /// `inventory edit`.
    Edit {
        /// The asset.
        tag: String,
        /// What changes.
        edit: AssetEdit,
    },
    /// `inventory status`.
    Status {
        /// The asset.
        tag: String,
        /// The new status.
        to: Status,
        /// Why.
        note: String,
        /// The data-breach record (marking lost a portable device not known encrypted).
        #[serde(serialize_with = "breach_json")]
        breach: BreachInput,
    },
    /// `inventory labels` (writes a file, not the register).
    Labels {
        /// Which assets.
        selection: Selection,
        /// 65 or 21 a sheet (None: the configured one).
        layout: Option<Layout>,
        /// The file.
        out: PathBuf,
    },
    /// `inventory audit start`.
    AuditStart {
        /// The round's name.
        name: String,
    },
    /// `inventory audit close`.
    AuditClose,
    /// `inventory disposal new`.
    NewBatch {
        /// The batch.
        batch: NewBatch,
    },
    /// `inventory disposal edit`.
    EditBatch {
        /// The batch.
        name: String,
        /// What changes.
        edit: BatchEdit,
    },
    /// `inventory disposal add` (one tag after the other; stops at the first refusal).
    DisposalAdd {
        /// The batch.
        batch: String,
        /// The assets.
        tags: Vec<String>,
        /// The List of Waste code.
        code: String,
    },
    /// `inventory disposal sanitised`.
    Sanitised {
        /// The batch.
        batch: String,
        /// The asset.
        tag: String,
        /// How.
        method: Sanitisation,
        /// Certificate or reference.
        certificate: String,
        /// Who verified it.
        verified_by: String,
        /// When it was done.
        on: Option<NaiveDate>,
    },
    /// `inventory disposal close`.
    CloseBatch {
        /// The batch.
        name: String,
        /// Who signs it off.
        signed_off_by: String,
    },
}

fn breach_json<S: Serializer>(b: &BreachInput, s: S) -> std::result::Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct B<'a> {
        found_on: Option<NaiveDate>,
        told: &'a str,
        ico_reference: &'a str,
        not_reportable: &'a str,
    }
    B {
        found_on: b.found_on,
        told: &b.told,
        ico_reference: &b.ico_reference,
        not_reportable: &b.not_reportable,
    }
    .serialize(s)
}

impl Change {
    /// What it is, for a refusal under `--as-of` ("inventory status DA-LAP-031", …).
    pub fn command(&self) -> String {
        match self {
            Change::Add { asset } => format!("inventory add {}", asset.tag.trim()),
            Change::Edit { tag, .. } => format!("inventory edit {tag}"),
            Change::Status { tag, .. } => format!("inventory status {tag}"),
            Change::Labels { .. } => "inventory labels".into(),
            Change::AuditStart { .. } => "inventory audit start".into(),
            Change::AuditClose => "inventory audit close".into(),
            Change::NewBatch { batch } => format!("inventory disposal new {}", batch.name),
            Change::EditBatch { name, .. } => format!("inventory disposal edit {name}"),
            Change::DisposalAdd { batch, .. } => format!("inventory disposal add {batch}"),
            Change::Sanitised { batch, .. } => format!("inventory disposal sanitised {batch}"),
            Change::CloseBatch { name, .. } => format!("inventory disposal close {name}"),
        }
    }

    /// True when it changes the register (a label sheet is only a file).
    pub fn writes_store(&self) -> bool {
        !matches!(self, Change::Labels { .. })
    }
}

/// What the plan saw that applying depends on.
#[derive(Debug, Clone, Default, PartialEq)]
struct Seen {
    /// Each asset's status as planned.
    statuses: Vec<(String, Status)>,
    /// The batch planned on, open.
    batch_open: Option<String>,
    /// The audit round open when planned.
    round: Option<String>,
}

/// A change planned on the register as it was when planned.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The change (names trimmed).
    pub change: Change,
    /// Why it would be refused (the words of the register's own check), if it would.
    pub refused: Option<String>,
    /// True when what it records cannot be undone (the record is append-only).
    pub permanent: bool,
    /// How many things it changes (assets, or 1).
    pub targets: usize,
    /// The asset it is about ("" when none): where a list puts its cursor after.
    pub tag: String,
    lines: Vec<(String, Emphasis)>,
    seen: Seen,
}

/// The line every plan that cannot be undone carries.
pub const PERMANENT: &str =
    "This record is permanent: once made it cannot be undone, edited or deleted (append-only).";

impl Plan {
    /// The plan in words, for both faces (the one renderer): what will happen, before -> after,
    /// what is refused and why, what cannot be undone. The CLI frames it with "dry run: …";
    /// the Inventory tab shows it in its confirmation.
    pub fn lines(&self) -> Vec<(String, Emphasis)> {
        let mut out = self.lines.clone();
        if let Some(why) = &self.refused {
            // One line each (a refusal may list several reasons, one a line).
            for (i, l) in why.lines().enumerate() {
                let l = if i == 0 {
                    format!("Refused: {l}")
                } else {
                    l.to_string()
                };
                out.push((l, Emphasis::Warn));
            }
        } else if self.permanent {
            out.push((PERMANENT.into(), Emphasis::Warn));
        }
        out
    }

    /// A short title for a confirmation ("Change the status of DA-LAP-031?").
    pub fn title(&self) -> String {
        match &self.change {
            Change::Add { asset } => format!("Add {}?", asset.tag.trim()),
            Change::Edit { tag, .. } => format!("Change {tag}?"),
            Change::Status { tag, .. } => format!("Change the status of {tag}?"),
            Change::Labels { .. } => "Write the label sheet?".into(),
            Change::AuditStart { .. } => "Start an audit round?".into(),
            Change::AuditClose => "Close the audit round".into(),
            Change::NewBatch { .. } => "Open a disposal batch?".into(),
            Change::EditBatch { name, .. } => format!("Change the papers of {name}?"),
            Change::DisposalAdd { .. } => "Add to the disposal batch?".into(),
            Change::Sanitised { .. } => "Record the sanitisation?".into(),
            Change::CloseBatch { name, .. } => format!("Close {name}?"),
        }
    }

    /// What confirming does, in a few words ("mark DA-LAP-031 in-repair").
    pub fn yes(&self) -> String {
        match &self.change {
            Change::Add { asset } => format!("add {}", asset.tag.trim()),
            Change::Edit { tag, .. } => format!("change {tag}"),
            Change::Status { tag, to, .. } => format!("mark {tag} {}", to.as_str()),
            Change::Labels { .. } => "write it".into(),
            Change::AuditStart { .. } => "start it".into(),
            Change::AuditClose => "Close the round".into(),
            Change::NewBatch { batch } => format!("open {}", batch.name),
            Change::EditBatch { name, .. } => format!("change {name}"),
            Change::DisposalAdd { batch, tags, .. } => format!("add {} to {batch}", tags.len()),
            Change::Sanitised { tag, .. } => format!("record it for {tag}"),
            Change::CloseBatch { name, .. } => format!("close {name}"),
        }
    }
}

/// The lines of a plan as it is built.
#[derive(Default)]
struct Words(Vec<(String, Emphasis)>);

impl Words {
    fn strong(&mut self, s: impl Into<String>) {
        self.0.push((s.into(), Emphasis::Strong));
    }
    fn normal(&mut self, s: impl Into<String>) {
        self.0.push((s.into(), Emphasis::Normal));
    }
    fn dim(&mut self, s: impl Into<String>) {
        self.0.push((s.into(), Emphasis::Dim));
    }
    fn warn(&mut self, s: impl Into<String>) {
        self.0.push((s.into(), Emphasis::Warn));
    }
}

const LOGGED: &str = "The change goes into the asset's history and the action log.";

fn or_empty(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(empty)")
}

/// A day spelled out ("Monday 7 December 2026").
fn spelled(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// Each field of the asset that differs, old -> new, in the store's names.
fn diff(before: &Asset, after: &Asset) -> Vec<FieldChange> {
    let old = crate::ops::asset_fields(before);
    crate::ops::asset_fields(after)
        .into_iter()
        .zip(old)
        .filter(|((_, n), (_, o))| n != o)
        .map(|((field, new), (_, old))| FieldChange { field, old, new })
        .collect()
}

fn text_or_error<T>(r: Result<T>) -> std::result::Result<T, String> {
    r.map_err(|e| e.to_string())
}

/// Plans `change` on the register as it is now. Changes nothing (it only reads). What the
/// change would refuse is a refused plan, not an error; an unreadable store is an error.
pub fn plan(ctx: &Ctx, change: &Change) -> Result<Plan> {
    let s = ctx.store()?;
    let today = ctx.now().london_date();
    let mut w = Words::default();
    let mut seen = Seen::default();
    let mut refused: Option<String> = None;
    let mut permanent = false;
    let mut targets = 1;
    let mut tag = String::new();
    match change {
        Change::Add { asset } => {
            let name = asset.tag.trim();
            match text_or_error(super::new_asset(ctx, asset)) {
                Ok(a) => {
                    tag = a.tag.clone();
                    w.strong(format!(
                        "Add {} ({}, {}, {}).",
                        a.tag,
                        a.category,
                        a.description(),
                        a.status
                    ));
                    for (field, v) in crate::ops::asset_fields(&a) {
                        if let (false, Some(v)) = (matches!(field, "tag" | "status"), v) {
                            w.normal(format!("  {}: {v}", field.replace('_', " ")));
                        }
                    }
                    if let Err(e) = super::check_unique_read(&s, &a, None) {
                        refuse(&mut refused, e.to_string());
                    }
                }
                Err(e) => {
                    w.strong(format!("Add {name}."));
                    refuse(&mut refused, e);
                }
            }
            w.dim("The new asset goes into the register and the action log.");
        }
        Change::Edit { tag: t, edit } => {
            tag = t.trim().to_string();
            match s.asset(t)? {
                None => {
                    w.strong(format!("Edit {tag}."));
                    refuse(&mut refused, super::not_found(&tag).to_string());
                }
                Some(before) => {
                    tag = before.tag.clone();
                    seen.statuses.push((before.tag.clone(), before.status));
                    if before.status == Status::Disposed {
                        w.strong(format!("Edit {tag}."));
                        refuse(&mut refused, super::disposed_final(&before).to_string());
                    } else {
                        let after = super::edited(&before, edit);
                        let changes = diff(&before, &after);
                        if changes.is_empty() {
                            w.strong(format!("{tag}: nothing to change."));
                        } else {
                            w.strong(format!("Edit {tag}:"));
                            for c in &changes {
                                w.normal(format!(
                                    "  {}: {} -> {}",
                                    c.field.replace('_', " "),
                                    or_empty(&c.old),
                                    or_empty(&c.new)
                                ));
                            }
                            if let Err(e) = super::check_unique_read(&s, &after, Some(before.id)) {
                                refuse(&mut refused, e.to_string());
                            }
                        }
                        w.dim(LOGGED);
                    }
                }
            }
        }
        Change::Status {
            tag: t,
            to,
            note,
            breach,
        } => {
            tag = t.trim().to_string();
            let before = s.asset(t)?;
            let from = before
                .as_ref()
                .map(|a| a.status.as_str().to_string())
                .unwrap_or_else(|| "?".into());
            if let Some(a) = &before {
                tag = a.tag.clone();
                seen.statuses.push((a.tag.clone(), a.status));
            }
            w.strong(format!("{tag}: status {from} -> {}.", to.as_str()));
            if !note.trim().is_empty() {
                w.normal(format!("  Note: {}", note.trim()));
            }
            for (k, val) in [
                (
                    "Loss found on",
                    breach.found_on.map(spelled).unwrap_or_default(),
                ),
                ("Told", breach.told.trim().to_string()),
                ("ICO reference", breach.ico_reference.trim().to_string()),
                ("Not reportable", breach.not_reportable.trim().to_string()),
            ] {
                if !val.is_empty() {
                    w.normal(format!("  {k}: {val}"));
                }
            }
            match &before {
                None => refuse(&mut refused, super::not_found(&tag).to_string()),
                Some(a) => {
                    if let Err(e) = super::check_status(a, *to, note, breach, today) {
                        refuse(&mut refused, e.to_string());
                    }
                }
            }
            if *to == Status::Disposed {
                w.warn("Disposed is final: the asset can never change again.");
                permanent = true;
            }
            w.dim(LOGGED);
        }
        Change::Labels {
            selection,
            layout,
            out,
        } => {
            let layout = layout.unwrap_or(ctx.config.inventory.label_layout);
            match text_or_error(labels::labels_for(ctx, selection)) {
                Ok(l) if l.is_empty() => {
                    w.strong(format!("Write labels to {}.", out.display()));
                    refuse(
                        &mut refused,
                        "no assets to label; nothing was written".into(),
                    );
                }
                Ok(l) => {
                    targets = l.len();
                    let sheets = l.len().div_ceil(layout.per_sheet());
                    w.strong(format!(
                        "Write {} on {} ({} a sheet) to {}.",
                        plural(l.len(), "label"),
                        plural(sheets, "sheet"),
                        layout.per_sheet(),
                        out.display()
                    ));
                    let ext = out
                        .extension()
                        .and_then(|e| e.to_str())
                        .map(str::to_lowercase)
                        .unwrap_or_default();
                    if ext != "pdf" && ext != "svg" {
                        refuse(
                            &mut refused,
                            format!(
                                "{}: write labels to a file ending .pdf or .svg",
                                out.display()
                            ),
                        );
                    }
                }
                Err(e) => {
                    w.strong(format!("Write labels to {}.", out.display()));
                    refuse(&mut refused, e);
                }
            }
        }
        Change::AuditStart { name } => {
            let name = name.trim();
            w.strong(format!("Start the audit round \"{name}\"."));
            w.dim("Scans go into it until it is closed.");
            if name.is_empty() {
                refuse(
                    &mut refused,
                    "give the round a name: --name \"Autumn 2026\"".into(),
                );
            } else if let Some(open) = s.open_round()? {
                refuse(
                    &mut refused,
                    format!(
                        "the audit round \"{}\" is still open; close it first with `inventory audit close`",
                        open.name
                    ),
                );
            } else if s.round(Some(name))?.is_some() {
                refuse(
                    &mut refused,
                    format!(
                        "there is already an audit round named \"{name}\"; choose another name"
                    ),
                );
            }
        }
        Change::AuditClose => match s.open_round()? {
            None => {
                w.strong("Close the audit round.");
                refuse(
                    &mut refused,
                    "no audit round is open; nothing to close".into(),
                );
            }
            Some(round) => {
                seen.round = Some(round.name.clone());
                permanent = true;
                let r = audit::report(ctx, Some(&round.name))?;
                w.strong(format!("Close the audit round \"{}\".", round.name));
                w.normal(format!(
                    "So far: {} seen, {} moved, {} not seen, {} unknown tag{}.",
                    r.seen.len(),
                    r.moved.len(),
                    r.not_seen.len(),
                    r.unknown.len(),
                    if r.unknown.len() == 1 { "" } else { "s" }
                ));
                w.warn(
                    "No more scans go into it; the assets not seen stay listed in its report as \
                     candidates for lost (each can be marked lost by its own status change).",
                );
            }
        },
        Change::NewBatch { batch } => {
            let p = &batch.papers;
            w.strong(format!(
                "Open the WEEE disposal batch {}, carrier {} ({}).",
                batch.name.trim(),
                p.carrier.trim(),
                p.carrier_registration.trim()
            ));
            if let Some(d) = p.collected_on {
                w.normal(format!("  collected: {}", spelled(d)));
            }
            for (k, v) in [
                ("transfer note", &p.transfer_note),
                ("consignment note", &p.consignment_note),
            ] {
                if !v.trim().is_empty() {
                    w.normal(format!("  {k}: {}", v.trim()));
                }
            }
            if batch.name.trim().is_empty() {
                refuse(
                    &mut refused,
                    "give the batch a reference, e.g. WEEE-2026-1".into(),
                );
            } else if p.carrier.trim().is_empty() {
                refuse(
                    &mut refused,
                    "give the waste carrier's name: --carrier NAME".into(),
                );
            } else if s.batch(batch.name.trim())?.is_some() {
                refuse(
                    &mut refused,
                    format!(
                        "there is already a disposal batch named \"{}\"",
                        batch.name.trim()
                    ),
                );
            } else if let Err(e) = check_carrier_registration(&p.carrier_registration) {
                refuse(&mut refused, e);
            }
        }
        Change::EditBatch { name, edit } => match open_batch(&s, name)? {
            Err(e) => {
                w.strong(format!("Change the papers of {name}."));
                refuse(&mut refused, e);
            }
            Ok(b) => {
                seen.batch_open = Some(b.name.clone());
                let old = disposal::papers_of(&b);
                let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
                let rows = [
                    ("carrier", Some(old.carrier.clone()), edit.carrier.clone()),
                    (
                        "registration",
                        Some(old.carrier_registration.clone()),
                        edit.carrier_registration.clone(),
                    ),
                    ("collected", day(old.collected_on), day(edit.collected_on)),
                    (
                        "transfer note",
                        Some(old.transfer_note.clone()),
                        edit.transfer_note.clone(),
                    ),
                    (
                        "consignment note",
                        Some(old.consignment_note.clone()),
                        edit.consignment_note.clone(),
                    ),
                ];
                let changed: Vec<_> = rows
                    .into_iter()
                    .filter_map(|(k, o, n)| {
                        let n = n.map(|n| n.trim().to_string())?;
                        let o = o.unwrap_or_default();
                        (n != o).then_some((k, o, n))
                    })
                    .collect();
                if changed.is_empty() {
                    w.strong(format!("{}: nothing to change.", b.name));
                } else {
                    w.strong(format!("Change the papers of {}:", b.name));
                    for (k, o, n) in changed {
                        let e = |s: String| if s.is_empty() { "(empty)".into() } else { s };
                        w.normal(format!("  {k}: {} -> {}", e(o), e(n)));
                    }
                }
                if let Some(r) = &edit.carrier_registration {
                    if let Err(e) = check_carrier_registration(r) {
                        refuse(&mut refused, e);
                    }
                }
            }
        },
        Change::DisposalAdd { batch, tags, code } => {
            targets = tags.len();
            let n = tags.len();
            let mut lines = Words::default();
            let mut bad = 0;
            lines.strong(format!(
                "Add {n} asset{} to the WEEE batch {batch} as {code}:",
                if n == 1 { "" } else { "s" }
            ));
            let b = open_batch(&s, batch)?;
            match &b {
                Err(e) => refuse(&mut refused, e.clone()),
                Ok(b) => seen.batch_open = Some(b.name.clone()),
            }
            if let Err(e) = waste_code(code) {
                refuse(&mut refused, e);
            }
            for t in tags {
                match s.asset(t)? {
                    None => {
                        bad += 1;
                        let e = super::not_found(t.trim()).to_string();
                        lines.warn(format!("  {}: {e}", t.trim()));
                        refuse(&mut refused, e);
                    }
                    Some(a) => {
                        seen.statuses.push((a.tag.clone(), a.status));
                        let why = disposal_refusal(&s, &a)?;
                        let line = format!(
                            "  {}  {} -> retired  {} {}",
                            a.tag,
                            a.status.as_str(),
                            a.manufacturer,
                            a.model
                        );
                        match why {
                            None => lines.normal(line.trim_end().to_string()),
                            Some(e) => {
                                bad += 1;
                                lines.warn(format!("{}: {e}", line.trim_end()));
                                refuse(&mut refused, e);
                            }
                        }
                    }
                }
            }
            if n == 1 {
                tag = tags[0].trim().to_string();
            } else {
                w.strong(format!(
                    "To change {}, refused {bad}, unchanged 0.",
                    n - bad
                ));
            }
            w.0.extend(lines.0);
            w.dim(
                "Each one that holds data needs a sanitisation record before the batch can close.",
            );
        }
        Change::Sanitised {
            batch,
            tag: t,
            method,
            certificate,
            verified_by,
            on,
        } => {
            tag = t.trim().to_string();
            w.strong(format!("Record the sanitisation of {tag} in {batch}:"));
            w.normal(format!("  Method:      {}", method.as_str()));
            w.normal(format!("  Certificate: {}", certificate.trim()));
            w.normal(format!("  Verified by: {}", verified_by.trim()));
            if let Some(d) = on {
                w.normal(format!("  Done on:     {}", spelled(*d)));
            }
            w.dim(
                "It can be recorded again while the batch is open; closing the batch makes it \
                 permanent.",
            );
            if certificate.trim().is_empty() {
                refuse(
                    &mut refused,
                    "give the certificate or reference number: --certificate REF".into(),
                );
            }
            if verified_by.trim().is_empty() {
                refuse(
                    &mut refused,
                    "say who verified it: --verified-by NAME".into(),
                );
            }
            match open_batch(&s, batch)? {
                Err(e) => refuse(&mut refused, e),
                Ok(b) => {
                    seen.batch_open = Some(b.name.clone());
                    let items = s.batch_items(b.id)?;
                    if !items.iter().any(|i| i.asset.tag.eq_ignore_ascii_case(&tag)) {
                        refuse(
                            &mut refused,
                            format!(
                                "{tag} is not in batch {}; add it first with `inventory disposal \
                                 add {} {tag}`",
                                b.name, b.name
                            ),
                        );
                    }
                }
            }
        }
        Change::CloseBatch {
            name,
            signed_off_by,
        } => {
            let who = signed_off_by.trim();
            permanent = true;
            match open_batch(&s, name)? {
                Err(e) => {
                    w.strong(format!("Close the WEEE batch {name}, signed off by {who}."));
                    refuse(&mut refused, e);
                }
                Ok(b) => {
                    seen.batch_open = Some(b.name.clone());
                    let items: Vec<ItemRow> = s.batch_items(b.id)?;
                    targets = items.len().max(1);
                    let n = items.len();
                    w.strong(format!(
                        "Close the WEEE batch {}, signed off by {who}.",
                        b.name
                    ));
                    w.warn(format!(
                        "{n} item{} become{} disposed (final).",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "s" } else { "" }
                    ));
                    for i in &items {
                        w.normal(format!(
                            "  {}  {} -> disposed  {}",
                            i.asset.tag,
                            i.asset.status.as_str(),
                            i.asset.description()
                        ));
                    }
                    w.warn(
                        "Then the batch, its items and their sanitisation records cannot change.",
                    );
                    let blockers = close_blockers(
                        &disposal::papers_of(&b),
                        &disposal::item_states(&items),
                        who,
                    );
                    if !blockers.is_empty() {
                        refuse(
                            &mut refused,
                            format!(
                                "disposal batch {} cannot close yet; nothing was changed:\n  - {}",
                                b.name,
                                blockers
                                    .iter()
                                    .map(|x| x.message(&b.name))
                                    .collect::<Vec<_>>()
                                    .join("\n  - ")
                            ),
                        );
                    }
                }
            }
        }
    }
    Ok(Plan {
        change: change.clone(),
        refused,
        permanent,
        targets,
        tag,
        lines: w.0,
        seen,
    })
}

/// Keeps the first refusal found.
fn refuse(r: &mut Option<String>, e: String) {
    if r.is_none() {
        *r = Some(e);
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The batch, open; Err: why not (no such batch, closed).
fn open_batch(
    s: &crate::store::Store,
    name: &str,
) -> Result<std::result::Result<BatchRow, String>> {
    Ok(match s.batch(name.trim())? {
        None => Err(disposal::no_batch(name.trim()).to_string()),
        Some(b) if b.closed_at.is_some() => Err(disposal::closed(&b).to_string()),
        Some(b) => Ok(b),
    })
}

/// Why this asset cannot go into a disposal batch (the checks of [`disposal::add`] that need no
/// batch), if it cannot.
fn disposal_refusal(s: &crate::store::Store, a: &Asset) -> Result<Option<String>> {
    if let Some(l) = s.loans(Some(a.id), true)?.into_iter().next() {
        return Ok(Some(format!(
            "{} is on loan to {}; it cannot be disposed of until it is returned (`inventory return {}`)",
            a.tag,
            l.borrower.name(),
            a.tag
        )));
    }
    if let Some(other) = s.batch_of(a.id)? {
        return Ok(Some(format!(
            "{} is already in disposal batch {other}",
            a.tag
        )));
    }
    if a.status == Status::Disposed {
        return Ok(Some(format!("{} is already disposed", a.tag)));
    }
    Ok(
        crate::domain::inventory::records::check_disposable(a, disposal::written_off(s, a.id)?)
            .err(),
    )
}

/// What applying a plan did, as data (for the CLI's own lines and JSON) and in words (`said`,
/// for a status line).
#[derive(Debug)]
pub struct Outcome {
    /// The asset it was about ("" when not about one asset).
    pub tag: String,
    /// What was done, in words.
    pub said: String,
    /// What was done, as data.
    pub done: Done,
}

/// What was done, per change.
#[derive(Debug)]
pub enum Done {
    /// The asset added.
    Added(Asset),
    /// The asset after, and what changed (empty: nothing).
    Edited(Asset, Vec<FieldChange>),
    /// The asset after the status change.
    Status(Asset),
    /// The sheet written.
    Labels(Written),
    /// The round opened.
    RoundStarted(Round),
    /// The round closed.
    RoundClosed(Round),
    /// The batch opened.
    BatchOpened(BatchRow),
    /// The batch after the edit.
    BatchEdited(BatchRow),
    /// The items added, in order, and the refusal that stopped the rest (if one did).
    DisposalAdded {
        /// The items added.
        items: Vec<ItemRow>,
        /// Why it stopped.
        stopped: Option<Error>,
    },
    /// The sanitisation recorded.
    Sanitised,
    /// The batch closed.
    Closed(Box<disposal::BatchView>),
}

/// Applies `plan`: a change that writes the register is refused under `--as-of` and what an
/// earlier change left unknown is settled first ([`crate::ops::settle::gate`]); then refused
/// with the reason (nothing done) when what the plan showed is no longer so; else made by the
/// register's own functions, whose guards are the authority.
pub async fn apply(ctx: &Ctx, plan: &Plan) -> Result<Outcome> {
    apply_with(ctx, plan, &|_, _| {}).await
}

/// [`apply`], telling `progress(sheets done, sheets)` while a label sheet is drawn.
pub async fn apply_with(
    ctx: &Ctx,
    plan: &Plan,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Outcome> {
    if plan.change.writes_store() {
        crate::ops::settle::gate(ctx, &plan.change.command()).await?;
    }
    made(ctx, plan, progress)
}

/// The register's part of [`apply_with`], after its guards (no `.await`: store work only).
fn made(ctx: &Ctx, plan: &Plan, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<Outcome> {
    recheck(ctx, plan)?;
    let out = |tag: String, said: String, done: Done| Outcome { tag, said, done };
    Ok(match &plan.change {
        Change::Add { asset } => {
            let a = super::add(ctx, asset)?;
            let said = format!(
                "added {} ({}, {}, {})",
                a.tag,
                a.category,
                a.description(),
                a.status
            );
            out(a.tag.clone(), said, Done::Added(a))
        }
        Change::Edit { tag, edit } => {
            let (a, changes) = super::edit(ctx, tag, edit)?;
            let said = if changes.is_empty() {
                format!("{}: nothing to change", a.tag)
            } else {
                format!(
                    "{}: changed {}",
                    a.tag,
                    changes
                        .iter()
                        .map(|c| c.field.replace('_', " "))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out(a.tag.clone(), said, Done::Edited(a, changes))
        }
        Change::Status {
            tag,
            to,
            note,
            breach,
        } => {
            let a = super::set_status_with(ctx, tag, *to, note, breach)?;
            let said = format!("{} is now {}", a.tag, a.status);
            out(a.tag.clone(), said, Done::Status(a))
        }
        Change::Labels {
            selection,
            layout,
            out: file,
        } => {
            let w = labels::write_with(ctx, selection, *layout, file, progress)?;
            let said = format!(
                "wrote {} on {} to {}",
                plural(w.labels, "label"),
                plural(w.sheets, "sheet"),
                w.path
            );
            out(String::new(), said, Done::Labels(w))
        }
        Change::AuditStart { name } => {
            let r = audit::start(ctx, name)?;
            let said = format!("audit round \"{}\" open", r.name);
            out(String::new(), said, Done::RoundStarted(r))
        }
        Change::AuditClose => {
            let r = audit::close(ctx)?;
            let said = format!("audit round \"{}\" closed", r.name);
            out(String::new(), said, Done::RoundClosed(r))
        }
        Change::NewBatch { batch } => {
            let b = disposal::new_batch(ctx, batch)?;
            let said = format!(
                "disposal batch {} open (carrier {}, {})",
                b.name, b.carrier, b.carrier_registration
            );
            out(String::new(), said, Done::BatchOpened(b))
        }
        Change::EditBatch { name, edit } => {
            let b = disposal::edit_batch(ctx, name, edit)?;
            let said = format!("disposal batch {} updated", b.name);
            out(String::new(), said, Done::BatchEdited(b))
        }
        Change::DisposalAdd { batch, tags, code } => {
            let mut items = Vec::new();
            let mut stopped = None;
            for t in tags {
                match disposal::add(ctx, batch, t, code) {
                    Ok(i) => items.push(i),
                    Err(e) if items.is_empty() => return Err(e),
                    Err(e) => {
                        stopped = Some(e);
                        break;
                    }
                }
            }
            let done: Vec<String> = items.iter().map(|i| i.asset.tag.clone()).collect();
            let data = items.iter().filter(|i| i.asset.data_bearing).count();
            let said = match &stopped {
                Some(e) => format!("added {} to {batch}, then stopped: {e}", done.join(", ")),
                None => {
                    let mut said = format!("added {} to {batch} ({code})", done.join(", "));
                    if data > 0 {
                        said.push_str(&format!(
                            "; {} data: record the sanitisation",
                            if data == 1 { "it holds" } else { "they hold" }
                        ));
                    }
                    said
                }
            };
            let tag = if done.len() == 1 {
                done[0].clone()
            } else {
                String::new()
            };
            out(tag, said, Done::DisposalAdded { items, stopped })
        }
        Change::Sanitised {
            batch,
            tag,
            method,
            certificate,
            verified_by,
            on,
        } => {
            disposal::sanitised(ctx, batch, tag, *method, certificate, verified_by, *on)?;
            let said = format!(
                "{tag}: {} recorded ({}, verified by {})",
                method.as_str(),
                certificate.trim(),
                verified_by.trim()
            );
            out(tag.clone(), said, Done::Sanitised)
        }
        Change::CloseBatch {
            name,
            signed_off_by,
        } => {
            let v = disposal::close(ctx, name, signed_off_by)?;
            let said = format!(
                "disposal batch {} closed, signed off by {}; {} disposed",
                v.batch.name,
                v.batch.signed_off_by.as_deref().unwrap_or("-"),
                plural(v.items.len(), "item")
            );
            out(String::new(), said, Done::Closed(Box::new(v)))
        }
    })
}

/// What the plan depended on, read again: refused with the reason when it changed since.
fn recheck(ctx: &Ctx, plan: &Plan) -> Result<()> {
    if plan.refused.is_some() {
        // The register's own check refuses it again, in its words.
        return Ok(());
    }
    let s = ctx.store()?;
    let again = |why: String| {
        Err(Error::NotPlanned(format!(
            "{why} (changed since it was planned); nothing was done — look at it again"
        )))
    };
    for (tag, was) in &plan.seen.statuses {
        if let Some(a) = s.asset(tag)? {
            if a.status != *was {
                return again(format!(
                    "{tag} was {} when this was planned and is {} now",
                    was.as_str(),
                    a.status.as_str()
                ));
            }
        }
    }
    if let Some(name) = &plan.seen.batch_open {
        if let Some(b) = s.batch(name)? {
            if b.closed_at.is_some() {
                return again(format!(
                    "the disposal batch {name} was open and is closed now"
                ));
            }
        }
    }
    if let Some(name) = &plan.seen.round {
        let now = s.open_round()?.map(|r| r.name);
        if now.as_deref() != Some(name.as_str()) {
            return again(match now {
                Some(other) => {
                    format!("the audit round \"{name}\" was open; \"{other}\" is open now")
                }
                None => format!("the audit round \"{name}\" was open and is closed now"),
            });
        }
    }
    Ok(())
}

/// A test's view of what a plan saw.
#[cfg(test)]
impl Plan {
    fn seen_statuses(&self) -> &[(String, Status)] {
        &self.seen.statuses
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::inventory::disposal::BatchPapers;

    fn demo() -> Ctx {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap();
        Ctx::demo_with_clock(None, None, crate::ops::Clock::Fixed(now)).unwrap()
    }

    fn block<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn text(p: &Plan) -> Vec<String> {
        p.lines().into_iter().map(|l| l.0).collect()
    }

    #[test]
    fn status_plans_before_and_after_and_apply_rechecks_it() {
        let ctx = demo();
        let c = Change::Status {
            tag: "da-phn-001".into(),
            to: Status::InRepair,
            note: "cracked screen".into(),
            breach: BreachInput::default(),
        };
        let p = plan(&ctx, &c).unwrap();
        let before = p.seen_statuses()[0].1;
        assert!(p.refused.is_none(), "{:?}", text(&p));
        assert_eq!(
            text(&p)[0],
            format!("DA-PHN-001: status {} -> in-repair.", before.as_str())
        );
        // Changed since the plan: refused with the reason, nothing done.
        crate::ops::inventory::set_status(&ctx, "DA-PHN-001", Status::InRepair, "x").unwrap();
        let e = block(apply(&ctx, &p)).unwrap_err().to_string();
        assert!(e.contains("in-repair now"), "{e}");
        assert!(e.contains("nothing was done"), "{e}");
    }

    #[test]
    fn a_refused_plan_says_why_and_apply_refuses_in_the_same_words() {
        let ctx = demo();
        let c = Change::Status {
            tag: "NOPE-1".into(),
            to: Status::Lost,
            note: String::new(),
            breach: BreachInput::default(),
        };
        let p = plan(&ctx, &c).unwrap();
        let why = p.refused.clone().unwrap();
        assert!(text(&p).last().unwrap().starts_with("Refused: no asset"));
        let e = block(apply(&ctx, &p)).unwrap_err().to_string();
        assert!(e.contains(&why), "{e}");
    }

    #[test]
    fn closing_a_batch_is_permanent_and_serialises_tagged() {
        let ctx = demo();
        let c = Change::NewBatch {
            batch: NewBatch {
                name: "WEEE-T-1".into(),
                papers: BatchPapers {
                    carrier: "Green".into(),
                    carrier_registration: "CBDU123456".into(),
                    ..Default::default()
                },
                notes: String::new(),
            },
        };
        let p = plan(&ctx, &c).unwrap();
        assert!(p.refused.is_none(), "{:?}", text(&p));
        block(apply(&ctx, &p)).unwrap();
        let close = Change::CloseBatch {
            name: "WEEE-T-1".into(),
            signed_off_by: "J Bursar".into(),
        };
        let p = plan(&ctx, &close).unwrap();
        assert!(p.permanent);
        // An empty batch cannot close: the plan says why (and, refused, makes no record).
        assert!(p.refused.is_some(), "{:?}", text(&p));
        assert!(
            text(&p)
                .iter()
                .any(|l| l.contains("the batch has no items")),
            "{:?}",
            text(&p)
        );
        let j = serde_json::to_value(&close).unwrap();
        assert_eq!(j["action"], "close-batch");
    }
}
