//! The Inventory tab's forms and pickers for changes: add and edit an asset, its status, a
//! label sheet, the audit round (start, close), and the disposal batches (new, papers, add
//! assets with their List of Waste code, sanitisation, close). What submitting them does is in
//! `submit.rs`; every check that matters is made again by `ops::inventory`.

use super::keys::{purpose, InventoryVerb, CONTEXT, DISPOSAL_CONTEXT};
use super::{InvPurpose, InventoryTab};
use crate::domain::inventory::asset::Encrypted;
use crate::domain::inventory::disposal::{Sanitisation, WASTE_CODES};
use crate::domain::inventory::price::plain_price;
use crate::domain::inventory::status::{check_transition, Via};
use crate::domain::inventory::{Asset, Category, Status};
use crate::domain::time::LondonDate;
use crate::ops::inventory::disposal::ReportBatch;
use crate::tui::dialogs::{Field, Message, Tone};
use crate::tui::shell::Shell;
use crate::tui::tabs::{Dialog, Form, Picker};
use crate::tui::work::Cmd;
use chrono::{Datelike, NaiveDate};

/// Labels of the asset form's fields (submit reads them by label).
pub mod label {
    /// The tag.
    pub const TAG: &str = "Tag";
    /// Category.
    pub const CATEGORY: &str = "Category";
    /// Manufacturer.
    pub const MAKE: &str = "Manufacturer";
    /// Model.
    pub const MODEL: &str = "Model";
    /// Serial.
    pub const SERIAL: &str = "Serial";
    /// Room.
    pub const ROOM: &str = "Room";
    /// Site.
    pub const SITE: &str = "Site";
    /// Starting status (add only).
    pub const STATUS: &str = "Status";
    /// Holds data.
    pub const DATA: &str = "Holds data";
    /// Encrypted.
    pub const ENCRYPTED: &str = "Encrypted";
    /// Purchase date.
    pub const PURCHASED: &str = "Purchased";
    /// Price.
    pub const PRICE: &str = "Price";
    /// Supplier.
    pub const SUPPLIER: &str = "Supplier";
    /// Warranty end.
    pub const WARRANTY: &str = "Warranty to";
    /// Funding.
    pub const FUNDING: &str = "Funding";
    /// Notes.
    pub const NOTES: &str = "Notes";
}

/// The statuses a new asset may start in.
pub const START_STATUSES: [Status; 5] = [
    Status::InStock,
    Status::Deployed,
    Status::InRepair,
    Status::Lost,
    Status::Retired,
];

fn strings<T>(items: impl IntoIterator<Item = T>, f: impl Fn(T) -> String) -> Vec<String> {
    items.into_iter().map(f).collect()
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn encrypted_options() -> Vec<String> {
    strings(
        [Encrypted::Unknown, Encrypted::Yes, Encrypted::No],
        |e: Encrypted| e.as_str().to_string(),
    )
}

/// The fields both forms share, filled from `a` (or empty).
fn asset_fields(a: Option<&Asset>, add: bool) -> Vec<Field> {
    use label::*;
    let cats = strings(Category::ALL, |c: Category| c.as_str().to_string());
    let cat_i = a
        .and_then(|a| Category::ALL.iter().position(|c| *c == a.category))
        .unwrap_or(0);
    let text = |f: fn(&Asset) -> &str| a.map(f).unwrap_or("").to_string();
    let mut v = Vec::new();
    if add {
        v.push(Field::text(
            TAG,
            "",
            "on the label: letters, digits, - _ . /; unique in any case",
        ));
    }
    v.push(Field::choice(CATEGORY, cats, cat_i, "left/right to change"));
    v.push(Field::text(MAKE, &text(|a| &a.manufacturer), "e.g. Dell"));
    v.push(Field::text(
        MODEL,
        &text(|a| &a.model),
        "e.g. Latitude 5440",
    ));
    v.push(Field::text(
        SERIAL,
        &text(|a| &a.serial),
        "unique per manufacturer; empty: none",
    ));
    v.push(Field::text(ROOM, &text(|a| &a.room), "e.g. Room 12"));
    v.push(Field::text(
        SITE,
        &text(|a| &a.site),
        "for schools on more than one site; empty: none",
    ));
    if add {
        v.push(Field::choice(
            STATUS,
            strings(START_STATUSES, |s: Status| s.as_str().to_string()),
            0,
            "where it starts; loans are issued with l",
        ));
        v.push(Field::choice(
            DATA,
            vec!["by category".into(), "yes".into(), "no".into()],
            0,
            "laptops, desktops, tablets, phones, servers, storage, printers hold data",
        ));
    } else {
        let held = a.is_some_and(|a| a.data_bearing);
        v.push(Field::choice(
            DATA,
            vec!["yes".into(), "no".into()],
            usize::from(!held),
            "a disposal needs a sanitisation record for it",
        ));
    }
    let enc_i = a
        .map(|a| match a.encrypted {
            Encrypted::Unknown => 0,
            Encrypted::Yes => 1,
            Encrypted::No => 2,
        })
        .unwrap_or(0);
    v.push(Field::choice(
        ENCRYPTED,
        encrypted_options(),
        enc_i,
        "devices taken off site must be encrypted",
    ));
    v.push(Field::text(
        PURCHASED,
        &date_text(a.and_then(|a| a.purchase_date)),
        "YYYY-MM-DD or DD/MM/YYYY",
    ));
    v.push(Field::text(
        PRICE,
        &a.and_then(|a| a.price_pence)
            .map(plain_price)
            .unwrap_or_default(),
        "in pounds: 1299.00 or £1,299.00 (not 1299,00)",
    ));
    v.push(Field::text(SUPPLIER, &text(|a| &a.supplier), ""));
    v.push(Field::text(
        WARRANTY,
        &date_text(a.and_then(|a| a.warranty_end)),
        "the day the warranty ends",
    ));
    v.push(Field::text(
        FUNDING,
        &text(|a| &a.funding),
        "e.g. capital, devolved, a grant",
    ));
    v.push(Field::text(NOTES, &text(|a| &a.notes), ""));
    v
}

/// The add form.
pub fn add_form() -> Form {
    Form::new(
        "Add an asset",
        purpose(InvPurpose::Add),
        asset_fields(None, true),
    )
    .with_intro(vec![(
        "Checked as `inventory add` checks it; kept in the action log.".into(),
        Tone::Dim,
    )])
}

/// Opens the edit form for the asset under the cursor.
pub fn open_edit(v: &InventoryTab, sh: &mut Shell) {
    let Some(r) = v.current() else {
        sh.info("no asset here: clear the search or filters (F)");
        return;
    };
    let a = &r.row.asset;
    if a.status == Status::Disposed {
        sh.info(format!(
            "{} is disposed, which is final; its record is kept as it is",
            a.tag
        ));
        return;
    }
    let form = Form::new(
        &format!("Edit {}", a.tag),
        purpose(InvPurpose::Edit {
            asset: Box::new(a.clone()),
        }),
        asset_fields(Some(a), false),
    )
    .with_intro(vec![
        (
            format!("{} {} ({})", a.tag, a.description(), a.status),
            Tone::Strong,
        ),
        (
            "What you change is kept in its history (old -> new).".into(),
            Tone::Dim,
        ),
    ]);
    sh.dialogs.push(Dialog::Form(form));
}

/// Opens the status form: only the moves the state machine allows from here.
pub fn open_status(v: &InventoryTab, sh: &mut Shell) {
    let Some(r) = v.current() else {
        sh.info("no asset here: clear the search or filters (F)");
        return;
    };
    let a = &r.row.asset;
    let to: Vec<Status> = Status::ALL
        .into_iter()
        .filter(|s| check_transition(a.status, *s, Via::Manual).is_ok())
        .collect();
    if to.is_empty() {
        let why = check_transition(a.status, Status::Retired, Via::Manual)
            .err()
            .unwrap_or_default();
        sh.info(format!("{}: {why}", a.tag));
        return;
    }
    let mut intro = vec![(
        format!("{} {} is {}.", a.tag, a.description(), a.status),
        Tone::Strong,
    )];
    if a.status == Status::OnLoan {
        intro.push((
            format!(
                "On loan: only lost is possible; take it back first ({}).",
                sh.keymap.keys_for(CONTEXT, InventoryVerb::ReturnAsset)
            ),
            Tone::Dim,
        ));
    }
    intro.push((
        "Disposed comes only from closing a disposal batch (d, then w).".into(),
        Tone::Dim,
    ));
    if crate::domain::inventory::records::needs_breach_record(a) {
        intro.push((
            "Portable, holds data, not known to be encrypted: marking it lost needs the data-breach record below."
                .into(),
            Tone::Warn,
        ));
    }
    let form = Form::new(
        &format!("Status of {}", a.tag),
        purpose(InvPurpose::Status { tag: a.tag.clone() }),
        vec![
            Field::choice(
                "New status",
                strings(to, |s: Status| s.as_str().to_string()),
                0,
                "left/right to change",
            ),
            Field::text(
                "Why",
                "",
                "e.g. sent to Dell for a new screen; needed to write off a lost device",
            ),
            Field::text(
                "Loss found on",
                "",
                "lost, portable, not known encrypted: the data-breach record (YYYY-MM-DD)",
            ),
            Field::text("Who was told", "", "… e.g. the data protection officer"),
            Field::text("ICO reference", "", "… when reported to the ICO"),
            Field::text("Not reportable", "", "… or why it is not reportable"),
        ],
    )
    .with_intro(intro);
    sh.dialogs.push(Dialog::Form(form));
}

/// Opens the label sheet form: the selected assets, the shown ones, this one or all.
pub fn open_labels(v: &InventoryTab, sh: &mut Shell) {
    let mut names = Vec::new();
    let mut sets: Vec<Option<Vec<String>>> = Vec::new();
    let tags = |rows: Vec<&super::InvRow>| -> Vec<String> {
        rows.iter().map(|r| r.row.asset.tag.clone()).collect()
    };
    let selected = tags(v.table.selection());
    if !selected.is_empty() {
        names.push(format!("the {} selected", selected.len()));
        sets.push(Some(selected));
    }
    if v.table.narrowed() {
        let shown = tags(v.table.shown().collect());
        if !shown.is_empty() {
            names.push(format!("the {} shown (search/filter)", shown.len()));
            sets.push(Some(shown));
        }
    }
    if let Some(r) = v.current() {
        names.push(format!("this one ({})", r.row.asset.tag));
        sets.push(Some(vec![r.row.asset.tag.clone()]));
    }
    names.push("all (not disposed)".into());
    sets.push(None);
    let today = sh.now.london_date();
    let out = v
        .store_dir
        .join(format!("labels-{}.pdf", today.format("%Y-%m-%d")));
    let form = Form::new(
        "Print labels",
        purpose(InvPurpose::Labels { sets }),
        vec![
            Field::choice("Labels for", names, 0, "left/right to change"),
            Field::choice(
                "Sheet",
                vec![
                    "as configured".into(),
                    "65 a sheet".into(),
                    "21 a sheet".into(),
                ],
                0,
                "A4: 65 (38.1 x 21.2 mm) or 21 (63.5 x 38.1 mm) labels",
            ),
            Field::text(
                "Save to",
                &out.display().to_string(),
                "a file ending .pdf or .svg",
            ),
        ],
    )
    .with_intro(vec![(
        "Each label: school, tag as a Code 128 barcode, tag and category.".into(),
        Tone::Dim,
    )]);
    sh.dialogs.push(Dialog::Form(form));
}

/// A name for a new round from the day: Autumn (Sep-Dec), Spring (Jan-Mar), Summer.
pub fn round_name(today: NaiveDate) -> String {
    let term = match today.month() {
        9..=12 => "Autumn",
        1..=3 => "Spring",
        _ => "Summer",
    };
    format!("{term} {}", today.year())
}

/// Opens the form that starts an audit round.
pub fn open_start_round(v: &InventoryTab, sh: &mut Shell) {
    if let Some(r) = v
        .audit
        .report
        .as_ref()
        .filter(|r| r.round.closed_at.is_none())
    {
        sh.info(format!(
            "the audit round \"{}\" is still open; close it first ({})",
            r.round.name,
            sh.keymap
                .keys_for(super::keys::AUDIT_CONTEXT, InventoryVerb::Close)
        ));
        return;
    }
    let form = Form::new(
        "Start an audit round",
        purpose(InvPurpose::StartRound),
        vec![Field::text(
            "Name",
            &round_name(sh.now.london_date()),
            "one open round at a time; e.g. Autumn 2026",
        )],
    )
    .with_intro(vec![
        (
            "Then scan every label (a): each tag is marked seen, and where.".into(),
            Tone::Normal,
        ),
        (
            "Close the round when done (c); what was not seen is listed.".into(),
            Tone::Dim,
        ),
    ]);
    sh.dialogs.push(Dialog::Form(form));
}

/// Asks ops for the plan of closing the open round (on the worker); the plan, with what its
/// report says now, is then shown in the confirmation.
pub fn open_close_round(v: &mut InventoryTab, sh: &mut Shell) -> Vec<Cmd> {
    let Some(r) = v.audit.report.as_ref() else {
        sh.info("no audit round yet: start one with n");
        return Vec::new();
    };
    if r.round.closed_at.is_some() {
        sh.info(format!(
            "the audit round \"{}\" is already closed; n starts a new one",
            r.round.name
        ));
        return Vec::new();
    }
    let gen = sh.next_gen();
    v.plan_gen = gen;
    v.planning = true;
    vec![super::InvCmd::Plan {
        gen,
        change: Box::new(super::Change::AuditClose),
        doing: "closing the round",
        permanent: true,
    }
    .into()]
}

/// Up to three tags, then how many more.
fn short_list(tags: &[String]) -> String {
    if tags.len() <= 3 {
        tags.join(", ")
    } else {
        format!("{} and {} more", tags[..3].join(", "), tags.len() - 3)
    }
}

/// The picker's lines for the List of Waste codes, in the built-in order.
pub fn waste_options() -> Vec<String> {
    WASTE_CODES
        .iter()
        .map(|w| format!("{:<10} {}", w.code, w.description))
        .collect()
}

/// Starts adding the selected assets (or the one under the cursor) to a disposal batch: the
/// List of Waste code first (a picker), then the batch. Reads the batches if not read yet.
pub fn open_dispose(v: &mut InventoryTab, sh: &mut Shell) -> Vec<Cmd> {
    let tags: Vec<String> = v
        .table
        .targets()
        .iter()
        .map(|r| r.row.asset.tag.clone())
        .collect();
    if tags.is_empty() {
        sh.info("no asset here: clear the search or filters (F)");
        return Vec::new();
    }
    let on_loan: Vec<&str> = v
        .table
        .targets()
        .into_iter()
        .filter(|r| r.row.loaned_to.is_some())
        .map(|r| r.row.asset.tag.as_str())
        .collect();
    if !on_loan.is_empty() {
        sh.info(format!(
            "{} on loan: take {} back first ({}); nothing was changed",
            on_loan.join(", "),
            if on_loan.len() == 1 { "it" } else { "them" },
            sh.keymap.keys_for(CONTEXT, InventoryVerb::ReturnAsset)
        ));
        return Vec::new();
    }
    let mut p = Picker::loading(
        "List of Waste code",
        vec![
            (
                format!(
                    "Dispose of {}: which List of Waste code?",
                    short_list(&tags)
                ),
                Tone::Strong,
            ),
            (
                "Codes with * are hazardous: the batch then needs a consignment note.".into(),
                Tone::Dim,
            ),
        ],
        purpose(InvPurpose::WasteCode { tags }),
        0,
    );
    p.waiting = None;
    p.options = waste_options();
    p.cursor = WASTE_CODES
        .iter()
        .position(|w| w.code == "16 02 14")
        .unwrap_or(0);
    sh.dialogs.push(Dialog::Picker(p));
    if v.disposal.loaded || v.disposal.loading {
        Vec::new()
    } else {
        vec![v.request_disposal(sh)]
    }
}

/// The form that picks the batch, after the code.
pub fn dispose_form(v: &InventoryTab, tags: Vec<String>, code: &str) -> Result<Form, String> {
    let open: Vec<String> = v
        .open_batches()
        .iter()
        .map(|b| b.view.batch.name.clone())
        .collect();
    let batch = if v.disposal.loaded {
        if open.is_empty() {
            return Err(
                "no disposal batch is open: open one first (w for the batches, then n)".into(),
            );
        }
        Field::choice(
            "Batch",
            open,
            0,
            "an open batch (w, then n opens a new one)",
        )
    } else {
        Field::text("Batch", "", "the batch's reference, e.g. WEEE-2026-1")
    };
    Ok(Form::new(
        "Add to a disposal batch",
        purpose(InvPurpose::DisposalAdd {
            tags: tags.clone(),
            code: code.to_string(),
        }),
        vec![batch],
    )
    .with_intro(vec![
        (format!("{} as {code}", short_list(&tags)), Tone::Strong),
        (
            "They become retired. Each one that holds data needs a".into(),
            Tone::Dim,
        ),
        (
            "sanitisation record before the batch can close (w, then s).".into(),
            Tone::Dim,
        ),
    ]))
}

fn current_batch(v: &InventoryTab) -> Option<&ReportBatch> {
    v.disposal.batches.get(v.disposal.list.cursor)
}

fn open_batch<'a>(v: &'a InventoryTab, sh: &mut Shell) -> Option<&'a ReportBatch> {
    let Some(b) = current_batch(v) else {
        sh.info(format!(
            "no disposal batch yet: {} opens one",
            sh.keymap
                .keys_for(DISPOSAL_CONTEXT, InventoryVerb::NewAccount)
        ));
        return None;
    };
    if b.view.batch.closed_at.is_some() {
        sh.info(format!(
            "the disposal batch {} is closed and is kept as it is; {} opens a new one",
            b.view.batch.name,
            sh.keymap
                .keys_for(DISPOSAL_CONTEXT, InventoryVerb::NewAccount)
        ));
        return None;
    }
    Some(b)
}

/// The next batch reference for this year: `WEEE-2026-3` after two this year.
pub fn next_batch_name(v: &InventoryTab, today: NaiveDate) -> String {
    let prefix = format!("WEEE-{}-", today.year());
    let n = v
        .disposal
        .batches
        .iter()
        .filter_map(|b| b.view.batch.name.strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}{}", n + 1)
}

fn papers_fields(b: Option<&ReportBatch>) -> Vec<Field> {
    let bt = b.map(|b| &b.view.batch);
    let t = |f: fn(&crate::ops::BatchRow) -> &str| bt.map(f).unwrap_or("").to_string();
    vec![
        Field::text(
            "Carrier",
            &t(|b| &b.carrier),
            "the registered waste carrier's name",
        ),
        Field::text(
            "Registration",
            &t(|b| &b.carrier_registration),
            "CBDU or CBDL then digits, e.g. CBDU123456 (on their certificate)",
        ),
        Field::text(
            "Collected",
            &date_text(bt.and_then(|b| b.collected_on)),
            "the day they collected; YYYY-MM-DD or DD/MM/YYYY",
        ),
        Field::text(
            "Transfer note",
            &t(|b| &b.transfer_note),
            "waste transfer note number (kept 2 years)",
        ),
        Field::text(
            "Consignment note",
            &t(|b| &b.consignment_note),
            "for hazardous items (codes with *): kept 3 years",
        ),
    ]
}

/// Opens the new batch form.
pub fn open_new_batch(v: &InventoryTab, sh: &mut Shell) {
    let mut fields = vec![Field::text(
        "Reference",
        &next_batch_name(v, sh.now.london_date()),
        "the batch's name on its papers",
    )];
    fields.extend(papers_fields(None));
    let form =
        Form::new("New disposal batch", purpose(InvPurpose::NewBatch), fields).with_intro(vec![(
            "To an authorised waste carrier, under the WEEE regulations.".into(),
            Tone::Dim,
        )]);
    sh.dialogs.push(Dialog::Form(form));
}

/// Opens the papers form of the batch under the cursor.
pub fn open_edit_batch(v: &InventoryTab, sh: &mut Shell) {
    let Some(b) = open_batch(v, sh) else {
        return;
    };
    let name = b.view.batch.name.clone();
    let form = Form::new(
        &format!("Papers of {name}"),
        purpose(InvPurpose::EditBatch {
            batch: Box::new(b.view.batch.clone()),
        }),
        papers_fields(Some(b)),
    );
    sh.dialogs.push(Dialog::Form(form));
}

/// Opens the sanitisation form for a data-bearing item of the batch under the cursor (the
/// ones without a record first).
pub fn open_sanitise(v: &InventoryTab, sh: &mut Shell) {
    let Some(b) = open_batch(v, sh) else {
        return;
    };
    let mut items: Vec<_> = b
        .view
        .items
        .iter()
        .filter(|i| i.asset.data_bearing)
        .collect();
    items.sort_by_key(|i| i.sanitisation.is_some());
    if items.is_empty() {
        sh.info(format!(
            "nothing in {} holds data: no sanitisation record is needed",
            b.view.batch.name
        ));
        return;
    }
    let options = items
        .iter()
        .map(|i| {
            let state = match &i.sanitisation {
                Some(s) => format!("{} {} (replace)", s.method.as_str(), s.certificate),
                None => "NOT SANITISED".into(),
            };
            format!("{}  {}  {state}", i.asset.tag, i.asset.category)
        })
        .collect();
    let form = Form::new(
        "Record sanitisation",
        purpose(InvPurpose::Sanitise {
            batch: b.view.batch.name.clone(),
        }),
        vec![
            Field::choice("Item", options, 0, "a data-bearing item of the batch"),
            Field::choice(
                "Method",
                strings(Sanitisation::ALL, |m: Sanitisation| m.as_str().to_string()),
                2,
                "NIST SP 800-88: clear (overwrite), purge (secure erase), destroy (shred)",
            ),
            Field::text("Certificate", "", "the certificate or reference number"),
            Field::text("Verified by", "", "who checked the data is gone"),
        ],
    )
    .with_intro(vec![(
        format!(
            "How the data on an item of {} was destroyed (kept for GDPR).",
            b.view.batch.name
        ),
        Tone::Dim,
    )]);
    sh.dialogs.push(Dialog::Form(form));
}

/// Closes the batch under the cursor: refused, listing what is missing, while anything is;
/// otherwise asks who signs it off.
pub fn open_close_batch(v: &InventoryTab, sh: &mut Shell) {
    let Some(b) = open_batch(v, sh) else {
        return;
    };
    let name = &b.view.batch.name;
    if !b.view.missing.is_empty() {
        let mut lines = vec![(
            format!(
                "{name} cannot close yet; nothing was changed. Missing ({}):",
                b.view.missing.len()
            ),
            Tone::Strong,
        )];
        for m in &b.view.missing {
            lines.push((format!("  - {m}"), Tone::Warn));
        }
        lines.push((
            format!(
                "In the TUI: {} edits the papers, {} records a sanitisation; a loan is taken back with R.",
                sh.keymap.keys_for(DISPOSAL_CONTEXT, InventoryVerb::Edit),
                sh.keymap.keys_for(DISPOSAL_CONTEXT, InventoryVerb::Sanitised)
            ),
            Tone::Dim,
        ));
        sh.dialogs.push(Dialog::Message(Message::new(
            &format!("{name} cannot close yet"),
            lines,
        )));
        return;
    }
    let form = Form::new(
        &format!("Close {name}"),
        purpose(InvPurpose::CloseBatch { name: name.clone() }),
        vec![Field::text(
            "Signed off by",
            "",
            "who signs it off, e.g. the business manager",
        )],
    )
    .with_intro(vec![
        (
            format!(
                "{} item{} become{} disposed (final).",
                b.view.items.len(),
                if b.view.items.len() == 1 { "" } else { "s" },
                if b.view.items.len() == 1 { "s" } else { "" }
            ),
            Tone::Strong,
        ),
        (
            "Then the batch and its items cannot change: the database refuses.".into(),
            Tone::Warn,
        ),
    ]);
    sh.dialogs.push(Dialog::Form(form));
}

/// Asks for the audit report when the audit panel opens.
pub fn show_audit(v: &mut InventoryTab, sh: &mut Shell) -> Vec<Cmd> {
    v.panel = super::Panel::Audit;
    v.audit.scroll = 0;
    if v.audit.loading {
        Vec::new()
    } else {
        vec![v.request_audit(sh)]
    }
}
