//! What submitting the Inventory tab's dialogs does: the filters, the borrower picker, the loan
//! and return forms, the scan mode's room, and the changes (add, edit, status, labels, audit
//! round, disposal batches). Input is read as the CLI reads it (dates, prices); a refusal from
//! `ops` comes back into the form, which stays open to correct it.

use super::forms::{dispose_form, label, waste_options, START_STATUSES};
use super::keys::loan_form;
use super::{InvCmd, InventoryTab};
use crate::domain::inventory::asset::{AssetFields, Encrypted};
use crate::domain::inventory::disposal::{BatchPapers, Sanitisation, WASTE_CODES};
use crate::domain::inventory::labels::Layout;
use crate::domain::inventory::price::parse_price;
use crate::domain::inventory::records::BreachInput;
use crate::domain::inventory::{Asset, Category, Status};
use crate::domain::time::parse_date;
use crate::domain::time::LondonDate;
use crate::ops::inventory::change::{Change, Plan, PERMANENT};
use crate::ops::inventory::disposal::{BatchEdit, NewBatch};
use crate::ops::inventory::labels::Selection;
use crate::ops::inventory::{AssetEdit, LoanRequest, NewAsset};
use crate::ops::preview::Emphasis;
use crate::ops::BatchRow;
use crate::tui::dialogs::Tone;
use crate::tui::shell::Shell;
use crate::tui::tabs::{Confirm, Dialog, Form, Submitted};
use crate::tui::work::Cmd;
use chrono::NaiveDate;
use std::path::PathBuf;

/// What a dialog of the Inventory tab is for.
#[derive(Debug, Clone)]
pub enum InvPurpose {
    /// The filters (a form).
    Filter,
    /// Pick who borrows this asset (a picker).
    PickBorrower {
        /// The asset's tag.
        tag: String,
    },
    /// The loan form.
    Loan {
        /// The asset's tag.
        tag: String,
    },
    /// The return form.
    Return {
        /// The asset's tag.
        tag: String,
    },
    /// Scan mode's room (a form).
    Scan,
    /// Add an asset (a form).
    Add,
    /// Edit an asset (a form); the asset as it was when the form opened.
    Edit {
        /// The asset.
        asset: Box<Asset>,
    },
    /// Change an asset's status (a form).
    Status {
        /// The asset's tag.
        tag: String,
    },
    /// A label sheet (a form); the tags of each choice of "Labels for" (None: all).
    Labels {
        /// The tag lists, in the order of the choice.
        sets: Vec<Option<Vec<String>>>,
    },
    /// Start an audit round (a form).
    StartRound,
    /// The List of Waste code for assets going to a batch (a picker).
    WasteCode {
        /// The assets.
        tags: Vec<String>,
    },
    /// The batch for them (a form).
    DisposalAdd {
        /// The assets.
        tags: Vec<String>,
        /// Their code.
        code: String,
    },
    /// A new disposal batch (a form).
    NewBatch,
    /// A batch's papers (a form); the batch as it was.
    EditBatch {
        /// The batch.
        batch: Box<BatchRow>,
    },
    /// A sanitisation record (a form).
    Sanitise {
        /// The batch.
        batch: String,
    },
    /// Close a batch (a form asking who signs it off).
    CloseBatch {
        /// The batch.
        name: String,
    },
    /// A loan, return or planned change was confirmed with `y` (its form, if it has one, waits
    /// below the question and shows a refusal).
    Confirmed {
        /// What the form says while it waits.
        doing: &'static str,
        /// What is sent.
        work: Box<Pending>,
    },
}

/// What a confirmed form sends.
#[derive(Debug, Clone)]
pub enum Pending {
    /// A planned change: the plan shown, applied as shown.
    Apply(Box<Plan>),
    /// A loan.
    Loan(LoanRequest),
    /// A return.
    Return {
        /// The asset's tag.
        tag: String,
        /// Its condition.
        condition: String,
        /// Where it goes now.
        room: Option<String>,
    },
}

/// A dialog of the tab was submitted.
pub fn on_submit(
    v: &mut InventoryTab,
    sh: &mut Shell,
    purpose: InvPurpose,
    d: Submitted,
) -> Vec<Cmd> {
    if let InvPurpose::Confirmed { doing, work } = purpose {
        // The confirmation said yes: the form below it waits for the answer.
        return match sh.dialogs.pop() {
            Some(Dialog::Form(f)) => start_pending(v, sh, Some(f), doing, *work),
            other => {
                if let Some(d) = other {
                    sh.dialogs.push(d);
                }
                start_pending(v, sh, None, doing, *work)
            }
        };
    }
    match (purpose, d) {
        (InvPurpose::Filter, Submitted::Form(f)) => {
            let page = v.page(sh.body_height());
            let filters = &mut v.table.filters;
            filters.status = Status::parse(f.choice(0)).ok();
            filters.category = Category::parse(f.choice(1)).ok();
            filters.room = Some(f.choice(2).to_lowercase()).filter(|r| r != "any");
            filters.loaned = f.toggle(3);
            filters.overdue = f.toggle(4);
            filters.unencrypted = f.toggle(5);
            filters.not_audited = f
                .toggle(6)
                .then_some((sh.now.london_date(), v.audit_interval_days));
            v.table.refilter_keep(page);
            v.follow_cursor(sh)
        }
        (InvPurpose::PickBorrower { tag }, Submitted::Picker(p)) => {
            // "username  Name": the username is the first word.
            let user = p
                .chosen()
                .and_then(|c| c.split_whitespace().next())
                .unwrap_or("")
                .to_string();
            sh.dialogs.push(Dialog::Form(loan_form(&tag, &user)));
            Vec::new()
        }
        (InvPurpose::Loan { tag }, Submitted::Form(f)) => loan(v, sh, tag, f),
        (InvPurpose::Return { tag }, Submitted::Form(f)) => {
            let condition = f.text(0).trim().to_string();
            let room = Some(f.text(1).trim().to_string()).filter(|r| !r.is_empty());
            let from = v
                .row(&tag)
                .and_then(|r| r.row.loaned_to.clone())
                .unwrap_or_else(|| "its borrower".into());
            let mut lines = vec![(format!("Take {tag} back from {from}."), Tone::Strong)];
            lines.push((
                format!(
                    "  Condition: {}",
                    if condition.is_empty() {
                        "(not given)"
                    } else {
                        &condition
                    }
                ),
                Tone::Normal,
            ));
            lines.push((
                format!("  Room:      {}", room.as_deref().unwrap_or("(unchanged)")),
                Tone::Normal,
            ));
            ask(
                sh,
                f,
                (
                    &format!("Take {tag} back?"),
                    lines,
                    &format!("take {tag} back"),
                ),
                (1, true),
                "taking the asset back",
                Pending::Return {
                    tag,
                    condition,
                    room,
                },
            )
        }
        (InvPurpose::Scan, Submitted::Form(mut f)) => {
            // A room the register knows, or a new room chosen as such (so "it office" does not
            // become a room of its own beside "IT Office").
            let typed = f.text(1).trim().to_string();
            let room = match f.choice(0) {
                super::keys::NEW_ROOM => {
                    if typed.is_empty() {
                        f.error = Some("type the new room's name in New room".into());
                        sh.dialogs.push(Dialog::Form(f));
                        return Vec::new();
                    }
                    if let Some(known) = v
                        .rooms()
                        .into_iter()
                        .find(|r| r.eq_ignore_ascii_case(&typed))
                    {
                        f.error = Some(format!(
                            "\"{typed}\" is the register's room \"{known}\": choose it in Room (left/right)"
                        ));
                        sh.dialogs.push(Dialog::Form(f));
                        return Vec::new();
                    }
                    typed
                }
                other => {
                    if !typed.is_empty() {
                        f.error = Some(
                            "New room is only for \"new room\": choose it in Room, or clear New room"
                                .into(),
                        );
                        sh.dialogs.push(Dialog::Form(f));
                        return Vec::new();
                    }
                    if other == super::keys::NO_ROOM {
                        String::new()
                    } else {
                        other.to_string()
                    }
                }
            };
            let start = Some(f.text(2).trim().to_string()).filter(|n| !n.is_empty());
            let gen = sh.next_gen();
            v.scan.gen = gen;
            v.scan.opening = true;
            v.scan.room = room;
            f.waiting = Some((gen, "opening the audit round"));
            sh.dialogs.push(Dialog::Form(f));
            vec![InvCmd::OpenScan { gen, start }.into()]
        }
        (InvPurpose::Add, Submitted::Form(f)) => add(v, sh, f),
        (InvPurpose::Edit { asset }, Submitted::Form(f)) => edit(v, sh, &asset, f),
        (InvPurpose::Status { tag }, Submitted::Form(f)) => {
            let to = match Status::parse(f.choice(0)) {
                Ok(s) => s,
                Err(e) => return refuse(sh, f, e, 0),
            };
            let note = f.text(1).trim().to_string();
            let found_on = match opt_date(f.text(2)) {
                Ok(d) => d,
                Err(e) => return refuse(sh, f, e, 2),
            };
            let breach = BreachInput {
                found_on,
                told: f.text(3).trim().to_string(),
                ico_reference: f.text(4).trim().to_string(),
                not_reportable: f.text(5).trim().to_string(),
            };
            plan_first(
                sh,
                f,
                ("changing the status", true),
                Change::Status {
                    tag,
                    to,
                    note,
                    breach,
                },
            )
        }
        (InvPurpose::Labels { sets }, Submitted::Form(f)) => {
            let sel = match sets.get(f.choice_index(0)).cloned().flatten() {
                Some(tags) => Selection::Tags(tags),
                None => Selection::All,
            };
            let layout = match f.choice_index(1) {
                1 => Some(Layout::L65),
                2 => Some(Layout::L21),
                _ => None,
            };
            let out = f.text(2).trim().to_string();
            if out.is_empty() {
                return refuse(
                    sh,
                    f,
                    "say where to save the sheet: a file ending .pdf".into(),
                    2,
                );
            }
            let out = PathBuf::from(out);
            send(
                v,
                sh,
                f,
                "writing the label sheet",
                Change::Labels {
                    selection: sel,
                    layout,
                    out,
                },
            )
        }
        (InvPurpose::StartRound, Submitted::Form(f)) => {
            let name = f.text(0).trim().to_string();
            send(v, sh, f, "starting the round", Change::AuditStart { name })
        }
        (InvPurpose::WasteCode { tags }, Submitted::Picker(p)) => {
            let chosen = p.chosen().unwrap_or("");
            let Some(i) = waste_options().iter().position(|o| o == chosen) else {
                return Vec::new();
            };
            let code = WASTE_CODES.get(i).map(|w| w.code).unwrap_or("16 02 14");
            match dispose_form(v, tags, code) {
                Ok(form) => sh.dialogs.push(Dialog::Form(form)),
                Err(e) => sh.info(e),
            }
            Vec::new()
        }
        (InvPurpose::DisposalAdd { tags, code }, Submitted::Form(f)) => {
            let batch = match f.fields.first().map(|x| &x.kind) {
                Some(crate::tui::dialogs::FieldKind::Choice { .. }) => f.choice(0).to_string(),
                _ => f.text(0).trim().to_string(),
            };
            if batch.is_empty() {
                return refuse(
                    sh,
                    f,
                    "say which batch: its reference, e.g. WEEE-2026-1".into(),
                    0,
                );
            }
            plan_first(
                sh,
                f,
                ("adding to the batch", false),
                Change::DisposalAdd { batch, tags, code },
            )
        }
        (InvPurpose::NewBatch, Submitted::Form(f)) => {
            let collected = match opt_date(f.text(3)) {
                Ok(d) => d,
                Err(e) => return refuse(sh, f, format!("Collected: {e}"), 3),
            };
            let b = NewBatch {
                name: f.text(0).trim().to_string(),
                papers: BatchPapers {
                    carrier: f.text(1).trim().to_string(),
                    carrier_registration: f.text(2).trim().to_string(),
                    collected_on: collected,
                    transfer_note: f.text(4).trim().to_string(),
                    consignment_note: f.text(5).trim().to_string(),
                },
                notes: String::new(),
            };
            send(v, sh, f, "opening the batch", Change::NewBatch { batch: b })
        }
        (InvPurpose::EditBatch { batch }, Submitted::Form(f)) => {
            let collected = match opt_date(f.text(2)) {
                Ok(d) => d,
                Err(e) => return refuse(sh, f, format!("Collected: {e}"), 2),
            };
            if collected.is_none() && batch.collected_on.is_some() {
                return refuse(
                    sh,
                    f,
                    "Collected: the collection day cannot be cleared; give the day".into(),
                    2,
                );
            }
            let changed = |i: usize, old: &str| {
                let t = f.text(i).trim();
                (t != old).then(|| t.to_string())
            };
            let edit = BatchEdit {
                carrier: changed(0, &batch.carrier),
                carrier_registration: changed(1, &batch.carrier_registration),
                collected_on: collected.filter(|d| Some(*d) != batch.collected_on),
                transfer_note: changed(3, &batch.transfer_note),
                consignment_note: changed(4, &batch.consignment_note),
            };
            let name = batch.name.clone();
            send(
                v,
                sh,
                f,
                "saving the papers",
                Change::EditBatch { name, edit },
            )
        }
        (InvPurpose::Sanitise { batch }, Submitted::Form(mut f)) => {
            let tag = f
                .choice(0)
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
            let method = Sanitisation::parse(f.choice(1));
            let certificate = f.text(2).trim().to_string();
            let verified_by = f.text(3).trim().to_string();
            // Every problem at once, each naming its field.
            let mut problems = Vec::new();
            if let Err(e) = &method {
                problems.push((1, e.clone()));
            }
            if certificate.is_empty() {
                problems.push((2, "give the certificate or reference number".to_string()));
            }
            if verified_by.is_empty() {
                problems.push((3, "say who verified it".to_string()));
            }
            let method = match (method, f.problems(problems)) {
                (Ok(m), false) => m,
                _ => {
                    sh.dialogs.push(Dialog::Form(f));
                    return Vec::new();
                }
            };
            plan_first(
                sh,
                f,
                ("recording the sanitisation", false),
                Change::Sanitised {
                    batch,
                    tag,
                    method,
                    certificate,
                    verified_by,
                    on: Some(sh.now.london_date()),
                },
            )
        }
        (InvPurpose::CloseBatch { name }, Submitted::Form(f)) => {
            let signed_off_by = f.text(0).trim().to_string();
            if signed_off_by.is_empty() {
                return refuse(sh, f, "say who signs the batch off: their name".into(), 0);
            }
            plan_first(
                sh,
                f,
                ("closing the batch", true),
                Change::CloseBatch {
                    name,
                    signed_off_by,
                },
            )
        }
        _ => Vec::new(),
    }
}

/// A day spelled out ("Monday 7 December 2026").
fn spelled(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// Puts the form back under a confirmation (title, lines, what yes does); `y` sends `work` and
/// the form waits for the answer, Esc goes back to the form. `targets`: how many it changes
/// (over `[tui] type_to_confirm` the count is typed); `permanent`: the record made is
/// append-only and the confirmation says so.
fn ask(
    sh: &mut Shell,
    f: Form,
    (title, lines, yes): (&str, Vec<(String, Tone)>, &str),
    (targets, permanent): (usize, bool),
    doing: &'static str,
    work: Pending,
) -> Vec<Cmd> {
    sh.dialogs.push(Dialog::Form(f));
    let c = Confirm::new(
        title,
        lines,
        yes,
        super::keys::purpose(InvPurpose::Confirmed {
            doing,
            work: Box::new(work),
        }),
    );
    let c = c.targets(targets);
    sh.dialogs
        .push(Dialog::Confirm(if permanent { c.permanent() } else { c }));
    Vec::new()
}

/// Sends what was confirmed; the form (if there is one) waits and shows a refusal until the
/// answer comes.
fn start_pending(
    v: &mut InventoryTab,
    sh: &mut Shell,
    f: Option<Form>,
    doing: &'static str,
    work: Pending,
) -> Vec<Cmd> {
    let gen = start_save(v, sh);
    if let Some(mut f) = f {
        f.waiting = Some((gen, doing));
        sh.dialogs.push(Dialog::Form(f));
    }
    vec![match work {
        Pending::Apply(plan) => InvCmd::Apply { gen, plan },
        Pending::Loan(req) => InvCmd::Loan { gen, req },
        Pending::Return {
            tag,
            condition,
            room,
        } => InvCmd::Return {
            gen,
            tag,
            condition,
            room,
        },
    }
    .into()]
}

/// Asks ops for the plan of a change (on the worker); the form waits, then the plan is shown in
/// the confirmation ([`confirm_plan`]) or its refusal in the form. `(doing, permanent)`: what
/// the form says while it is applied; the confirmation says the record is append-only.
fn plan_first(
    sh: &mut Shell,
    mut f: Form,
    (doing, permanent): (&'static str, bool),
    change: Change,
) -> Vec<Cmd> {
    let gen = sh.next_gen();
    f.waiting = Some((gen, "planning"));
    sh.dialogs.push(Dialog::Form(f));
    vec![InvCmd::Plan {
        gen,
        change: Box::new(change),
        doing,
        permanent,
    }
    .into()]
}

/// The confirmation's lines: the plan's lines, the words the CLI's `--dry-run` prints (the
/// shared confirmation draws the append-only line itself when it is permanent).
pub fn confirm_lines(plan: &Plan) -> Vec<(String, Tone)> {
    plan.lines()
        .into_iter()
        .filter(|(text, _)| text != PERMANENT)
        .map(|(text, e)| {
            let tone = match e {
                Emphasis::Strong => Tone::Strong,
                Emphasis::Normal => Tone::Normal,
                Emphasis::Dim => Tone::Dim,
                Emphasis::Warn => Tone::Warn,
            };
            (text, tone)
        })
        .collect()
}

/// Shows a plan in the shared confirmation; `y` applies that plan. The form it came from (if
/// any) stays below it.
pub fn confirm_plan(sh: &mut Shell, plan: Plan, doing: &'static str, permanent: bool) {
    let c = Confirm::new(
        &plan.title(),
        confirm_lines(&plan),
        &plan.yes(),
        super::keys::purpose(InvPurpose::Confirmed {
            doing,
            work: Box::new(Pending::Apply(Box::new(plan.clone()))),
        }),
    )
    .targets(plan.targets);
    sh.dialogs
        .push(Dialog::Confirm(if permanent || plan.permanent {
            c.permanent()
        } else {
            c
        }));
}

/// Puts the form back with a problem, the field at fault focused; nothing is sent.
fn refuse(sh: &mut Shell, mut f: Form, e: String, field: usize) -> Vec<Cmd> {
    f.error = Some(e);
    if field < f.fields.len() {
        f.focus = field;
    }
    sh.dialogs.push(Dialog::Form(f));
    Vec::new()
}

/// Sends a change; the form waits (and shows a refusal) until the answer comes.
fn send(
    v: &mut InventoryTab,
    sh: &mut Shell,
    mut f: Form,
    doing: &'static str,
    change: Change,
) -> Vec<Cmd> {
    let gen = start_save(v, sh);
    f.waiting = Some((gen, doing));
    sh.dialogs.push(Dialog::Form(f));
    vec![InvCmd::Change {
        gen,
        change: Box::new(change),
    }
    .into()]
}

fn opt_date(t: &str) -> Result<Option<NaiveDate>, String> {
    match t.trim() {
        "" => Ok(None),
        t => crate::ops::csv_reader::parse_date(t).map(Some),
    }
}

fn field_index(f: &Form, label: &str) -> usize {
    f.fields
        .iter()
        .position(|x| x.label == label)
        .unwrap_or(usize::MAX)
}

fn text_of<'a>(f: &'a Form, label: &str) -> &'a str {
    f.text(field_index(f, label)).trim()
}

fn choice_of<'a>(f: &'a Form, label: &str) -> &'a str {
    f.choice(field_index(f, label))
}

/// The dates and the price, read as the CLI reads them; Err names the field and the fix.
struct Parsed {
    purchased: Option<NaiveDate>,
    warranty: Option<NaiveDate>,
    price: Option<i64>,
    encrypted: Encrypted,
    category: Option<Category>,
}

/// The fields every asset form shares, or every problem with them at once (field, why).
fn parse_common(f: &Form) -> Result<Parsed, Vec<(usize, String)>> {
    let mut problems = Vec::new();
    let mut date = |l: &str| match opt_date(text_of(f, l)) {
        Ok(d) => d,
        Err(e) => {
            problems.push((field_index(f, l), e));
            None
        }
    };
    let purchased = date(label::PURCHASED);
    let warranty = date(label::WARRANTY);
    let price = match text_of(f, label::PRICE) {
        "" => None,
        t => match parse_price(t) {
            Ok(p) => Some(p),
            Err(e) => {
                problems.push((field_index(f, label::PRICE), e));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let encrypted = Encrypted::parse(choice_of(f, label::ENCRYPTED)).unwrap_or_default();
    let category = Category::parse(choice_of(f, label::CATEGORY)).ok();
    Ok(Parsed {
        purchased,
        warranty,
        price,
        encrypted,
        category,
    })
}

/// Puts the form back with every problem listed; nothing is sent.
fn refuse_all(sh: &mut Shell, mut f: Form, problems: Vec<(usize, String)>) -> Vec<Cmd> {
    f.problems(problems);
    sh.dialogs.push(Dialog::Form(f));
    Vec::new()
}

fn add(v: &mut InventoryTab, sh: &mut Shell, f: Form) -> Vec<Cmd> {
    let p = match parse_common(&f) {
        Ok(p) => p,
        Err(problems) => return refuse_all(sh, f, problems),
    };
    let status = START_STATUSES
        .get(f.choice_index(field_index(&f, label::STATUS)))
        .copied();
    let data_bearing = match choice_of(&f, label::DATA) {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let t = |l: &str| text_of(&f, l).to_string();
    let new = NewAsset {
        tag: t(label::TAG),
        status,
        fields: AssetFields {
            serial: t(label::SERIAL),
            category: p.category,
            manufacturer: t(label::MAKE),
            model: t(label::MODEL),
            data_bearing,
            site: t(label::SITE),
            room: t(label::ROOM),
            purchase_date: p.purchased,
            price_pence: p.price,
            supplier: t(label::SUPPLIER),
            warranty_end: p.warranty,
            funding: t(label::FUNDING),
            encrypted: p.encrypted,
            notes: t(label::NOTES),
        },
    };
    send(v, sh, f, "adding the asset", Change::Add { asset: new })
}

fn edit(v: &mut InventoryTab, sh: &mut Shell, a: &Asset, f: Form) -> Vec<Cmd> {
    let p = match parse_common(&f) {
        Ok(p) => p,
        Err(problems) => return refuse_all(sh, f, problems),
    };
    let cleared = [
        (
            label::PURCHASED,
            p.purchased.is_none() && a.purchase_date.is_some(),
        ),
        (
            label::WARRANTY,
            p.warranty.is_none() && a.warranty_end.is_some(),
        ),
        (label::PRICE, p.price.is_none() && a.price_pence.is_some()),
    ];
    if let Some((l, _)) = cleared.iter().find(|(_, c)| *c) {
        let i = field_index(&f, l);
        return refuse(
            sh,
            f,
            format!("{l}: it cannot be cleared, only changed; put back or correct the value"),
            i,
        );
    }
    let changed = |l: &str, old: &str| {
        let t = text_of(&f, l);
        (t != old).then(|| t.to_string())
    };
    let data = choice_of(&f, label::DATA) == "yes";
    let edit = AssetEdit {
        serial: changed(label::SERIAL, &a.serial),
        category: p.category.filter(|c| *c != a.category),
        manufacturer: changed(label::MAKE, &a.manufacturer),
        model: changed(label::MODEL, &a.model),
        data_bearing: (data != a.data_bearing).then_some(data),
        site: changed(label::SITE, &a.site),
        room: changed(label::ROOM, &a.room),
        purchase_date: p.purchased.filter(|d| Some(*d) != a.purchase_date),
        price_pence: p.price.filter(|x| Some(*x) != a.price_pence),
        supplier: changed(label::SUPPLIER, &a.supplier),
        warranty_end: p.warranty.filter(|d| Some(*d) != a.warranty_end),
        funding: changed(label::FUNDING, &a.funding),
        encrypted: (p.encrypted != a.encrypted).then_some(p.encrypted),
        notes: changed(label::NOTES, &a.notes),
    };
    send(
        v,
        sh,
        f,
        "saving the changes",
        Change::Edit {
            tag: a.tag.clone(),
            edit,
        },
    )
}

fn start_save(v: &mut InventoryTab, sh: &mut Shell) -> u64 {
    let gen = sh.next_gen();
    v.save_gen = gen;
    v.saving = true;
    gen
}

fn loan(v: &mut InventoryTab, sh: &mut Shell, tag: String, mut f: Form) -> Vec<Cmd> {
    let user = f.text(0).trim().to_string();
    let due = match f.text(1).trim() {
        "" => Ok(None),
        t => parse_date(t).map(Some),
    };
    // Every problem at once, each naming its field.
    let mut problems = Vec::new();
    if user.is_empty() {
        problems.push((0, "say who borrows it: a directory username".to_string()));
    }
    if let Err(e) = &due {
        problems.push((1, e.clone()));
    }
    if f.problems(problems) {
        sh.dialogs.push(Dialog::Form(f));
        return Vec::new();
    }
    let req = LoanRequest {
        tag,
        user: Some(user),
        location: None,
        due: due.ok().flatten(),
        notes: f.text(2).trim().to_string(),
    };
    let what = v
        .row(&req.tag)
        .map(|r| format!("{} {}", r.row.asset.manufacturer, r.row.asset.model))
        .filter(|m| !m.trim().is_empty())
        .map(|m| format!(" ({})", m.trim()))
        .unwrap_or_default();
    let who = req.user.clone().unwrap_or_default();
    let mut lines = vec![(format!("Lend {}{what} to {who}.", req.tag), Tone::Strong)];
    lines.push((
        format!(
            "  Due back: {}",
            req.due
                .map(spelled)
                .unwrap_or_else(|| "the school's usual loan length from today".into())
        ),
        Tone::Normal,
    ));
    if !req.notes.is_empty() {
        lines.push((format!("  Notes:    {}", req.notes), Tone::Normal));
    }
    lines.push((
        "The borrower is checked in the directory (exists, enabled, not expired) when you confirm."
            .into(),
        Tone::Dim,
    ));
    let title = format!("Lend {}?", req.tag);
    let yes = format!("lend to {who}");
    ask(
        sh,
        f,
        (&title, lines, &yes),
        (1, true),
        "checking the borrower and saving the loan",
        Pending::Loan(req),
    )
}
