//! `schooltech inventory …`: the equipment register (assets, loans, software, termly audit, labels,
//! WEEE disposal, import and export).

use super::output::{with_stdout, write_json, write_table};
use super::{ExitCode, Format, FormatArg};
use crate::domain::inventory::asset::{parse_bool, AssetFields, Encrypted};
use crate::domain::inventory::disposal::{BatchPapers, Sanitisation};
use crate::domain::inventory::labels::Layout;
use crate::domain::inventory::price::{money, parse_price};
use crate::domain::inventory::software::Licence;
use crate::domain::inventory::{Category, ScanOutcome, Status};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::csv_reader::parse_date;
use crate::ops::inventory::change::{self, Change, Done, Outcome};
use crate::ops::inventory::{self as inv, audit, disposal, import, labels, software};
use crate::ops::AssetQuery;
use crate::ops::Ctx;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

fn date_arg(s: &str) -> std::result::Result<NaiveDate, String> {
    parse_date(s)
}
fn price_arg(s: &str) -> std::result::Result<i64, String> {
    parse_price(s)
}
fn category_arg(s: &str) -> std::result::Result<Category, String> {
    Category::parse(s)
}
fn status_arg(s: &str) -> std::result::Result<Status, String> {
    Status::parse(s)
}
fn encrypted_arg(s: &str) -> std::result::Result<Encrypted, String> {
    Encrypted::parse(s)
}
fn bool_arg(s: &str) -> std::result::Result<bool, String> {
    parse_bool(s)
}
fn layout_arg(s: &str) -> std::result::Result<Layout, String> {
    Layout::parse(s)
}
fn licence_arg(s: &str) -> std::result::Result<Licence, String> {
    Licence::parse(s)
}
fn method_arg(s: &str) -> std::result::Result<Sanitisation, String> {
    Sanitisation::parse(s)
}

/// The fields `add` and `edit` share.
#[derive(Debug, Args, Clone, Default)]
pub struct FieldArgs {
    /// Serial number (unique per manufacturer).
    #[arg(long)]
    serial: Option<String>,
    /// laptop, desktop, tablet, phone, printer, network, server, display, storage or other.
    #[arg(long, value_parser = category_arg)]
    category: Option<Category>,
    /// Manufacturer.
    #[arg(long)]
    manufacturer: Option<String>,
    /// Model.
    #[arg(long)]
    model: Option<String>,
    /// Holds data (yes/no; default by category).
    #[arg(long = "data-bearing", value_parser = bool_arg)]
    data_bearing: Option<bool>,
    /// Site.
    #[arg(long)]
    site: Option<String>,
    /// Room.
    #[arg(long)]
    room: Option<String>,
    /// Purchase date (YYYY-MM-DD or DD/MM/YYYY).
    #[arg(long, value_parser = date_arg)]
    purchased: Option<NaiveDate>,
    /// Price in pounds (1299.00 or £1,299.00).
    #[arg(long, value_parser = price_arg)]
    price: Option<i64>,
    /// Supplier.
    #[arg(long)]
    supplier: Option<String>,
    /// Warranty end date.
    #[arg(long, value_parser = date_arg)]
    warranty: Option<NaiveDate>,
    /// Funding source.
    #[arg(long)]
    funding: Option<String>,
    /// Encrypted: yes, no or unknown.
    #[arg(long, value_parser = encrypted_arg)]
    encrypted: Option<Encrypted>,
    /// Notes.
    #[arg(long)]
    notes: Option<String>,
}

/// Filters for lists.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Text anywhere in tag, serial, make, model, room, notes.
    #[arg(long, short)]
    search: Option<String>,
    /// Only this status.
    #[arg(long, value_parser = status_arg)]
    status: Option<Status>,
    /// Only this category.
    #[arg(long, value_parser = category_arg)]
    category: Option<Category>,
    /// Only this room.
    #[arg(long)]
    room: Option<String>,
    /// Only assets out on loan.
    #[arg(long)]
    loaned: bool,
    /// Only loans past their due date.
    #[arg(long)]
    overdue: bool,
    /// Only what this user has on loan.
    #[arg(long = "loaned-to", value_name = "USERNAME")]
    loaned_to: Option<String>,
    /// Only portable data-bearing assets in use and not known to be encrypted.
    #[arg(long)]
    unencrypted: bool,
    #[command(flatten)]
    format: FormatArg,
}

/// Report output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// Words for people (`text` is the same).
    #[default]
    #[value(name = "table", alias = "text")]
    Text,
    /// CSV.
    Csv,
    /// JSON.
    Json,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CSV with the import's header.
    Csv,
    /// JSON.
    Json,
}

/// Inventory commands.
#[derive(Debug, Subcommand)]
pub enum InventoryCmd {
    /// Add an asset.
    #[command(
        after_help = "Example:\n  schooltech inventory add DA-LAP-031 --category laptop --manufacturer Dell --model \"Latitude 3440\" --serial 7HQX2L3 --room \"IT Office\""
    )]
    Add {
        /// Its tag (on the label; unique, any case).
        tag: String,
        /// Starting status (default in-stock).
        #[arg(long, value_parser = status_arg)]
        status: Option<Status>,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Change an asset's details (only the ones given).
    #[command(after_help = "Example:\n  schooltech inventory edit DA-LAP-031 --room \"Room 12\"")]
    Edit {
        /// Its tag.
        tag: String,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Show one asset with its loans and history.
    #[command(after_help = "Example:\n  schooltech inventory show DA-LAP-031")]
    Show {
        /// Its tag.
        tag: String,
        #[command(flatten)]
        format: super::TableJsonArg,
    },
    /// List assets (search and filters).
    #[command(
        after_help = "Examples:\n  schooltech inventory list --category laptop --loaned\n  schooltech inventory list -s optiplex --format csv"
    )]
    List(ListArgs),
    /// An asset's history: who changed what, when, old -> new.
    #[command(after_help = "Example:\n  schooltech inventory history DA-LAP-031")]
    History {
        /// Its tag.
        tag: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Issue an asset to a directory user (checked) or a room.
    #[command(
        after_help = "Example:\n  schooltech inventory loan DA-LAP-031 --to jo.smith --due 2027-07-20 --agreement"
    )]
    Loan {
        /// Its tag.
        tag: String,
        /// The borrower's username (must be a current account in the directory).
        #[arg(long, value_name = "USERNAME", conflicts_with = "room")]
        to: Option<String>,
        /// Or a room / place (the asset becomes deployed there).
        #[arg(long)]
        room: Option<String>,
        /// Due back (default: loan_days from today for a person).
        #[arg(long, value_parser = date_arg)]
        due: Option<NaiveDate>,
        /// Notes.
        #[arg(long, default_value = "")]
        notes: String,
        /// Also print the loan agreement to sign.
        #[arg(long)]
        agreement: bool,
    },
    /// Take an asset back.
    #[command(
        after_help = "Example:\n  schooltech inventory return DA-LAP-031 --condition good --room \"IT Office\""
    )]
    Return {
        /// Its tag.
        tag: String,
        /// Its condition.
        #[arg(long, default_value = "")]
        condition: String,
        /// The room it goes back to.
        #[arg(long)]
        room: Option<String>,
    },
    /// Open loans (exit 1 with --overdue when any is overdue).
    #[command(after_help = "Example:\n  schooltech inventory loans --overdue")]
    Loans {
        /// Only overdue ones.
        #[arg(long)]
        overdue: bool,
        #[command(flatten)]
        format: super::TableJsonArg,
    },
    /// Print the loan agreement of an asset's open loan (plain text to print and sign).
    #[command(
        after_help = "Example:\n  schooltech inventory agreement DA-LAP-031 > agreement.txt"
    )]
    Agreement {
        /// Its tag.
        tag: String,
    },
    /// Change an asset's status (in-stock, deployed, in-repair, lost, retired).
    #[command(
        after_help = "Examples:\n  schooltech inventory status DA-LAP-031 in-repair --note \"cracked screen\"\n  schooltech inventory status DA-TAB-009 lost --note \"stolen from a car\" --breach-found 2026-12-04 --breach-told \"DPO (j.bloggs)\" --not-reportable \"managed iPad, wiped remotely\"\n  schooltech inventory status DA-TAB-009 retired --note \"written off: stolen, police ref 4471\""
    )]
    Status {
        /// Its tag.
        tag: String,
        /// The new status.
        #[arg(value_parser = status_arg)]
        status: Status,
        /// Why (required to write off a lost device: lost -> retired).
        #[arg(long, default_value = "")]
        note: String,
        /// Marking lost a portable device not known to be encrypted: the day the loss was found.
        #[arg(long = "breach-found", value_name = "DATE")]
        breach_found: Option<String>,
        /// … who was told (e.g. the data protection officer).
        #[arg(long = "breach-told", value_name = "WHO", default_value = "")]
        breach_told: String,
        /// … the ICO's reference, when it was reported.
        #[arg(long = "ico-ref", value_name = "REF", default_value = "")]
        ico_ref: String,
        /// … or why it is not reportable to the ICO.
        #[arg(long = "not-reportable", value_name = "REASON", default_value = "")]
        not_reportable: String,
    },
    /// Portable data-bearing assets in use and not known to be encrypted (exit 1 if any).
    #[command(after_help = "Example:\n  schooltech inventory encryption --format csv")]
    Encryption {
        #[command(flatten)]
        format: FormatArg,
    },
    /// The software register.
    #[command(subcommand)]
    #[command(after_help = "Example:\n  schooltech inventory software report --within 60")]
    Software(SoftwareCmd),
    /// The termly audit.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech inventory audit start --name \"Autumn 2026\"\n  schooltech inventory audit scan DA-DSK-001 --room \"Room 12\""
    )]
    Audit(AuditCmd),
    /// Print asset labels (Code 128) on an A4 sheet.
    #[command(
        after_help = "Example:\n  schooltech inventory labels --since 2026-09-01 --out labels.pdf"
    )]
    Labels {
        /// These tags (comma-separated or repeated).
        #[arg(long, value_delimiter = ',', conflicts_with_all = ["all", "since"])]
        tags: Vec<String>,
        /// Every asset not disposed.
        #[arg(long)]
        all: bool,
        /// Assets added on or after this day.
        #[arg(long, value_parser = date_arg)]
        since: Option<NaiveDate>,
        /// 65 or 21 labels per sheet (default from [inventory] label_layout).
        #[arg(long, value_parser = layout_arg)]
        layout: Option<Layout>,
        /// The file to write: .pdf or .svg.
        #[arg(long)]
        out: PathBuf,
    },
    /// WEEE disposal batches.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech inventory disposal new WEEE-2026-1 --carrier \"Green IT Recycling\" --registration CBDU123456\n  schooltech inventory disposal report --year 2026"
    )]
    Disposal(DisposalCmd),
    /// Import assets from CSV (dry run unless --apply; all or nothing).
    #[command(
        after_help = "Examples:\n  schooltech inventory import assets.csv\n  schooltech inventory import assets.csv --apply"
    )]
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Write them (otherwise only check and show).
        #[arg(long)]
        apply: bool,
    },
    /// Export the register (the CSV header is the import's).
    #[command(after_help = "Example:\n  schooltech inventory export --format csv > register.csv")]
    Export {
        /// csv or json.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write to FILE (atomically; on any error the old file stays as it was) instead of
        /// stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Software commands.
#[derive(Debug, Subcommand)]
pub enum SoftwareCmd {
    /// Add a title.
    #[command(
        after_help = "Example:\n  schooltech inventory software add \"Maths Online\" --licence subscription --seats 120 --expires 2027-08-31"
    )]
    Add {
        /// Its name.
        title: String,
        /// per-seat, per-device, site or subscription.
        #[arg(long, value_parser = licence_arg)]
        licence: Licence,
        /// Seats bought.
        #[arg(long)]
        seats: Option<u32>,
        /// Expiry or renewal date.
        #[arg(long, value_parser = date_arg)]
        expires: Option<NaiveDate>,
        /// Cost in pounds.
        #[arg(long, value_parser = price_arg)]
        cost: Option<i64>,
        /// Publisher.
        #[arg(long, default_value = "")]
        publisher: String,
    },
    /// Assign a title to an asset or a user.
    #[command(
        after_help = "Example:\n  schooltech inventory software assign \"Maths Online\" --asset DA-LAP-031"
    )]
    Assign {
        /// The title.
        title: String,
        /// An asset tag.
        #[arg(long)]
        asset: Option<String>,
        /// A directory username (checked).
        #[arg(long)]
        user: Option<String>,
    },
    /// Titles, over-allocated seats and licences expiring soon (exit 1 if any).
    #[command(after_help = "Example:\n  schooltech inventory software report --within 60")]
    Report {
        /// Expiring within this many days.
        #[arg(long, default_value_t = 60)]
        within: u32,
        #[command(flatten)]
        format: super::TableJsonArg,
    },
}

/// Audit commands.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Open a round (one at a time).
    #[command(after_help = "Example:\n  schooltech inventory audit start --name \"Autumn 2026\"")]
    Start {
        /// Its name, e.g. "Autumn 2026".
        #[arg(long)]
        name: String,
    },
    /// Scan a tag (or a file of tags, one a line) into the open round.
    #[command(
        after_help = "Examples:\n  schooltech inventory audit scan DA-DSK-001 --room \"Room 12\"\n  schooltech inventory audit scan --file room12-scans.txt --room \"Room 12\""
    )]
    Scan {
        /// The tag.
        #[arg(required_unless_present = "file")]
        tag: Option<String>,
        /// A file of tags, one a line (a scanner's log).
        #[arg(long, conflicts_with = "tag")]
        file: Option<PathBuf>,
        /// The room you are scanning in (assets registered elsewhere are flagged moved).
        #[arg(long)]
        room: Option<String>,
    },
    /// Close the open round.
    #[command(after_help = "Example:\n  schooltech inventory audit close")]
    Close,
    /// Seen, moved, not seen and unknown tags, with counts per room.
    #[command(after_help = "Example:\n  schooltech inventory audit report --format csv")]
    Report {
        /// The round (default: the newest).
        #[arg(long)]
        round: Option<String>,
        /// text, csv or json.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

/// Disposal commands.
#[derive(Debug, Subcommand)]
pub enum DisposalCmd {
    /// Open a batch with the carrier's details.
    #[command(
        after_help = "Example:\n  schooltech inventory disposal new WEEE-2026-1 --carrier \"Green IT Recycling\" --registration CBDU123456"
    )]
    New {
        /// Its reference, e.g. WEEE-2026-1.
        name: String,
        /// The waste carrier's name.
        #[arg(long)]
        carrier: String,
        /// Their registration number (CBDU… or CBDL…).
        #[arg(long)]
        registration: String,
        /// The day they collected.
        #[arg(long, value_parser = date_arg)]
        collected: Option<NaiveDate>,
        /// Waste transfer note number.
        #[arg(long = "transfer-note", default_value = "")]
        transfer_note: String,
        /// Hazardous waste consignment note number.
        #[arg(long = "consignment-note", default_value = "")]
        consignment_note: String,
    },
    /// Change an open batch's papers.
    #[command(
        after_help = "Example:\n  schooltech inventory disposal edit WEEE-2026-1 --collected 2026-12-10"
    )]
    Edit {
        /// The batch.
        name: String,
        /// Carrier's name.
        #[arg(long)]
        carrier: Option<String>,
        /// Registration number.
        #[arg(long)]
        registration: Option<String>,
        /// Collected on.
        #[arg(long, value_parser = date_arg)]
        collected: Option<NaiveDate>,
        /// Waste transfer note number.
        #[arg(long = "transfer-note")]
        transfer_note: Option<String>,
        /// Consignment note number.
        #[arg(long = "consignment-note")]
        consignment_note: Option<String>,
    },
    /// Add assets to a batch with their List of Waste code.
    #[command(
        after_help = "Example:\n  schooltech inventory disposal add WEEE-2026-1 DA-DSK-003 DA-DSK-007"
    )]
    Add {
        /// The batch.
        name: String,
        /// Asset tags.
        #[arg(required = true)]
        tags: Vec<String>,
        /// List of Waste code, e.g. "16 02 14" or "16 02 13*".
        #[arg(long, default_value = "16 02 14")]
        code: String,
    },
    /// Record how an item's data was destroyed.
    #[command(
        after_help = "Example:\n  schooltech inventory disposal sanitised WEEE-2026-1 DA-DSK-003 --method purge --certificate ER-5521 --verified-by j.bloggs"
    )]
    Sanitised {
        /// The batch.
        name: String,
        /// The asset.
        tag: String,
        /// clear, purge or destroy (NIST SP 800-88), or carrier-shredded.
        #[arg(long, value_parser = method_arg)]
        method: Sanitisation,
        /// Certificate or reference number.
        #[arg(long)]
        certificate: String,
        /// Who verified it.
        #[arg(long = "verified-by")]
        verified_by: String,
        /// When it was done.
        #[arg(long, value_parser = date_arg)]
        on: Option<NaiveDate>,
    },
    /// Show a batch and what it lacks before it can close (exit 1 if anything).
    #[command(after_help = "Example:\n  schooltech inventory disposal show WEEE-2026-1")]
    Show {
        /// The batch.
        name: String,
        #[command(flatten)]
        format: super::TableJsonArg,
    },
    /// Close a batch: items become disposed; the batch can no longer change.
    #[command(
        after_help = "Example:\n  schooltech inventory disposal close WEEE-2026-1 --signed-off-by \"A. Head (Business Manager)\""
    )]
    Close {
        /// The batch.
        name: String,
        /// Who signs it off.
        #[arg(long = "signed-off-by")]
        signed_off_by: String,
    },
    /// Batches, their documents and how long each must be kept.
    #[command(after_help = "Example:\n  schooltech inventory disposal report --year 2026")]
    Report {
        /// Only batches collected in this year.
        #[arg(long)]
        year: Option<i32>,
        #[command(flatten)]
        format: super::TableJsonArg,
    },
}

fn fields(f: &FieldArgs) -> AssetFields {
    AssetFields {
        serial: f.serial.clone().unwrap_or_default(),
        category: f.category,
        manufacturer: f.manufacturer.clone().unwrap_or_default(),
        model: f.model.clone().unwrap_or_default(),
        data_bearing: f.data_bearing,
        site: f.site.clone().unwrap_or_default(),
        room: f.room.clone().unwrap_or_default(),
        purchase_date: f.purchased,
        price_pence: f.price,
        supplier: f.supplier.clone().unwrap_or_default(),
        warranty_end: f.warranty,
        funding: f.funding.clone().unwrap_or_default(),
        encrypted: f.encrypted.unwrap_or_default(),
        notes: f.notes.clone().unwrap_or_default(),
    }
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_else(|| "-".into())
}

fn dash(s: &str) -> String {
    if s.is_empty() {
        "-".into()
    } else {
        s.to_string()
    }
}

fn print_rows(rows: &[inv::ListRow], format: Format) -> Result<()> {
    with_stdout(|w| match format {
        Format::Json => write_json(w, &rows),
        Format::Csv => {
            let mut c = crate::ops::csv_writer::CsvOut::new(w);
            let mut header: Vec<&str> = import::HEADER.to_vec();
            header.extend(["loaned_to", "due", "overdue"]);
            c.header(&header)?;
            for r in rows {
                let mut rec: Vec<String> = crate::ops::asset_fields(&r.row.asset)
                    .into_iter()
                    .map(|(_, v)| v.unwrap_or_default())
                    .collect();
                rec.push(r.row.loaned_to.clone().unwrap_or_default());
                rec.push(r.row.due.map(|d| d.to_string()).unwrap_or_default());
                rec.push(if r.overdue { "yes" } else { "no" }.into());
                c.row(&rec)?;
            }
            c.flush()
        }
        Format::Table => {
            let t: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let a = &r.row.asset;
                    vec![
                        a.tag.clone(),
                        a.category.to_string(),
                        a.description(),
                        dash(&a.serial),
                        dash(&a.location()),
                        a.status.to_string(),
                        r.row.loaned_to.clone().unwrap_or_else(|| "-".into()),
                        match (r.row.due, r.overdue) {
                            (Some(d), true) => format!("{} OVERDUE", day(Some(d))),
                            (d, _) => day(d),
                        },
                    ]
                })
                .collect();
            write_table(
                w,
                &[
                    "TAG",
                    "CATEGORY",
                    "MODEL",
                    "SERIAL",
                    "ROOM",
                    "STATUS",
                    "LOANED TO",
                    "DUE",
                ],
                &t,
            )?;
            wln!(w, "{} assets", rows.len())
        }
    })
}

/// Plans `change` (reading the register; nothing is changed). On `--dry-run` prints the plan
/// (the same lines the Inventory tab's confirmation shows) and gives the exit: 0, or 1 when the
/// change would be refused. Else applies that plan and gives what was done.
async fn planned(
    ctx: &Ctx,
    change: Change,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<std::result::Result<Outcome, ExitCode>> {
    let plan = change::plan(ctx, &change)?;
    if ctx.dry_run {
        with_stdout(|w| {
            wln!(w, "dry run: nothing is changed")?;
            for (text, _) in plan.lines() {
                wln!(w, "{}", super::output::clean(&text))?;
            }
            if plan.refused.is_some() {
                wln!(w, "the change would be refused")
            } else {
                wln!(w, "run it again without --dry-run to make the change")
            }
        })?;
        return Ok(Err(i32::from(plan.refused.is_some())));
    }
    change::apply_with(ctx, &plan, progress).await.map(Ok)
}

/// [`planned`] without a progress bar.
async fn plan_apply(ctx: &Ctx, change: Change) -> Result<std::result::Result<Outcome, ExitCode>> {
    planned(ctx, change, &|_, _| {}).await
}

/// The outcome of [`planned`], or the dry run's exit.
macro_rules! applied {
    ($e:expr) => {
        match $e.await? {
            Ok(o) => o,
            Err(code) => return Ok(code),
        }
    };
}

/// Runs an inventory command.
pub async fn run(ctx: &Ctx, cmd: &InventoryCmd) -> Result<ExitCode> {
    match cmd {
        InventoryCmd::Add {
            tag,
            status,
            fields: f,
        } => {
            let o = applied!(plan_apply(
                ctx,
                Change::Add {
                    asset: inv::NewAsset {
                        tag: tag.clone(),
                        status: *status,
                        fields: fields(f),
                    },
                },
            ));
            outln!("{}", o.said);
            Ok(0)
        }
        InventoryCmd::Edit { tag, fields: f } => {
            let e = inv::AssetEdit {
                serial: f.serial.clone(),
                category: f.category,
                manufacturer: f.manufacturer.clone(),
                model: f.model.clone(),
                data_bearing: f.data_bearing,
                site: f.site.clone(),
                room: f.room.clone(),
                purchase_date: f.purchased,
                price_pence: f.price,
                supplier: f.supplier.clone(),
                warranty_end: f.warranty,
                funding: f.funding.clone(),
                encrypted: f.encrypted,
                notes: f.notes.clone(),
            };
            let o = applied!(plan_apply(
                ctx,
                Change::Edit {
                    tag: tag.clone(),
                    edit: e,
                },
            ));
            let Done::Edited(a, changes) = o.done else {
                return Ok(0);
            };
            if changes.is_empty() {
                outln!("{}: nothing to change", a.tag);
            }
            for c in changes {
                outln!(
                    "{}: {} {} -> {}",
                    a.tag,
                    c.field,
                    c.old.as_deref().unwrap_or("(empty)"),
                    c.new.as_deref().unwrap_or("(empty)")
                );
            }
            Ok(0)
        }
        InventoryCmd::Show { tag, format } => {
            let d = inv::detail(ctx, tag)?;
            with_stdout(|w| match Format::from(format.format) {
                Format::Json | Format::Csv => write_json(w, &d),
                Format::Table => {
                    for (k, v) in crate::ops::asset_fields(&d.asset) {
                        let v = match (k, v) {
                            ("price", Some(p)) => parse_price(&p).map(money).unwrap_or(p),
                            (_, v) => v.unwrap_or_else(|| "-".into()),
                        };
                        wln!(w, "{:<16}{v}", k.replace('_', " "))?;
                    }
                    if let Some(l) = &d.loan {
                        wln!(
                            w,
                            "{:<16}{} ({}) since {}, due {}",
                            "on loan to",
                            l.borrower_name,
                            l.borrower.name(),
                            l.issued_at.format("%-d %b %Y"),
                            day(l.due)
                        )?;
                    }
                    if let Some(b) = &d.disposal_batch {
                        wln!(w, "{:<16}{b}", "disposal batch")?;
                    }
                    wln!(w)?;
                    wln!(w, "history:")?;
                    for h in &d.history {
                        wln!(
                            w,
                            "  {}  {:<10} {:<14} {} -> {}{}",
                            h.at.format("%Y-%m-%d %H:%M"),
                            h.operator,
                            h.field,
                            h.old.as_deref().unwrap_or("-"),
                            h.new.as_deref().unwrap_or("-"),
                            if h.note.is_empty() {
                                String::new()
                            } else {
                                format!("  ({})", h.note)
                            }
                        )?;
                    }
                    Ok(())
                }
            })?;
            Ok(0)
        }
        InventoryCmd::List(a) => {
            let today = ctx.now().london_date();
            let q = AssetQuery {
                search: a.search.clone(),
                status: a.status,
                category: a.category,
                room: a.room.clone(),
                loaned: a.loaned,
                overdue_on: a.overdue.then_some(today),
                loaned_to: a.loaned_to.clone(),
                unencrypted: a.unencrypted,
                limit: None,
            };
            print_rows(&inv::list(ctx, &q)?, a.format.format)?;
            Ok(0)
        }
        InventoryCmd::History { tag, format } => {
            let h = inv::history(ctx, tag)?;
            with_stdout(|w| match format.format {
                Format::Json => write_json(w, &h),
                Format::Csv => super::output::write_csv(w, &h),
                Format::Table => {
                    let t: Vec<Vec<String>> = h
                        .iter()
                        .map(|h| {
                            vec![
                                h.at.format("%-d %b %Y %H:%M").to_string(),
                                h.operator.clone(),
                                h.field.clone(),
                                h.old.clone().unwrap_or_else(|| "-".into()),
                                h.new.clone().unwrap_or_else(|| "-".into()),
                                h.note.clone(),
                            ]
                        })
                        .collect();
                    write_table(w, &["WHEN", "WHO", "FIELD", "OLD", "NEW", "NOTE"], &t)
                }
            })?;
            Ok(0)
        }
        InventoryCmd::Loan {
            tag,
            to,
            room,
            due,
            notes,
            agreement,
        } => {
            let l = inv::loan(
                ctx,
                &inv::LoanRequest {
                    tag: tag.clone(),
                    user: to.clone(),
                    location: room.clone(),
                    due: *due,
                    notes: notes.clone(),
                },
            )
            .await?;
            outln!(
                "{} issued to {} ({}), due back {}",
                l.tag,
                l.borrower_name,
                l.borrower.name(),
                day(l.due)
            );
            if *agreement {
                outln!();
                for line in inv::agreement(ctx, &l.tag)?.lines() {
                    outln!("{line}");
                }
            }
            Ok(0)
        }
        InventoryCmd::Return {
            tag,
            condition,
            room,
        } => {
            let a = inv::return_asset(ctx, tag, condition, room.as_deref())?;
            outln!(
                "{} returned; now {} in {}",
                a.tag,
                a.status,
                dash(&a.location())
            );
            Ok(0)
        }
        InventoryCmd::Loans { overdue, format } => {
            let today = ctx.now().london_date();
            let loans = inv::loans(ctx, *overdue)?;
            let any_overdue = loans.iter().any(|(l, _)| l.is_overdue(today));
            with_stdout(|w| match Format::from(format.format) {
                Format::Json => write_json(w, &loans.iter().map(|(l, _)| l).collect::<Vec<_>>()),
                _ => {
                    let t: Vec<Vec<String>> = loans
                        .iter()
                        .map(|(l, a)| {
                            vec![
                                l.tag.clone(),
                                a.description(),
                                format!("{} ({})", l.borrower_name, l.borrower.name()),
                                l.issued_at.format("%-d %b %Y").to_string(),
                                day(l.due),
                                if l.is_overdue(today) {
                                    "OVERDUE".into()
                                } else {
                                    "ok".into()
                                },
                            ]
                        })
                        .collect();
                    write_table(
                        w,
                        &["TAG", "MODEL", "BORROWER", "ISSUED", "DUE", "STATE"],
                        &t,
                    )
                }
            })?;
            Ok(i32::from(*overdue && any_overdue))
        }
        InventoryCmd::Agreement { tag } => {
            for line in inv::agreement(ctx, tag)?.lines() {
                outln!("{line}");
            }
            Ok(0)
        }
        InventoryCmd::Status {
            tag,
            status,
            note,
            breach_found,
            breach_told,
            ico_ref,
            not_reportable,
        } => {
            let breach = crate::domain::inventory::records::BreachInput {
                found_on: breach_found
                    .as_deref()
                    .map(crate::domain::time::parse_date)
                    .transpose()
                    .map_err(Error::Usage)?,
                told: breach_told.clone(),
                ico_reference: ico_ref.clone(),
                not_reportable: not_reportable.clone(),
            };
            let o = applied!(plan_apply(
                ctx,
                Change::Status {
                    tag: tag.clone(),
                    to: *status,
                    note: note.clone(),
                    breach,
                },
            ));
            outln!("{}", o.said);
            Ok(0)
        }
        InventoryCmd::Encryption { format } => {
            let rows = inv::encryption_report(ctx)?;
            print_rows(&rows, format.format)?;
            Ok(i32::from(!rows.is_empty()))
        }
        InventoryCmd::Software(c) => run_software(ctx, c).await,
        InventoryCmd::Audit(c) => run_audit(ctx, c).await,
        InventoryCmd::Labels {
            tags,
            all,
            since,
            layout,
            out,
        } => {
            let sel = match (tags.is_empty(), all, since) {
                (false, _, _) => labels::Selection::Tags(tags.clone()),
                (true, true, _) => labels::Selection::All,
                (true, false, Some(d)) => labels::Selection::Since(*d),
                _ => {
                    return Err(Error::Usage(
                        "say which labels: --tags TAG,TAG, --all or --since DATE".into(),
                    ))
                }
            };
            // Sheets drawn (the total is known once the first is drawn).
            let bar: std::sync::OnceLock<super::progress::Progress> = std::sync::OnceLock::new();
            let tell = |done: usize, total: usize| {
                bar.get_or_init(|| {
                    super::progress::Progress::new("drawing label sheets", total as u64)
                })
                .set(done as u64)
            };
            let o = planned(
                ctx,
                Change::Labels {
                    selection: sel,
                    layout: *layout,
                    out: out.clone(),
                },
                &tell,
            );
            if let Some(b) = bar.get() {
                b.finish();
            }
            let o = applied!(o);
            outln!("{}", o.said);
            Ok(0)
        }
        InventoryCmd::Disposal(c) => run_disposal(ctx, c).await,
        InventoryCmd::Import { file, apply } => {
            let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
            let plan = import::plan(ctx, &bytes)?;
            if !plan.errors.is_empty() {
                for e in &plan.errors {
                    errln!("{}: {e}", file.display());
                }
                errln!(
                    "{} problem(s) in {} row(s); nothing was imported",
                    plan.errors.len(),
                    {
                        let mut lines: Vec<usize> = plan.errors.iter().map(|e| e.line).collect();
                        lines.dedup();
                        lines.len()
                    }
                );
                return Ok(2);
            }
            if *apply && !ctx.dry_run {
                let progress =
                    super::progress::Progress::new("importing assets", plan.assets.len() as u64);
                let n = import::apply_with(ctx, &plan, &file.display().to_string(), &|done, _| {
                    progress.set(done as u64)
                });
                progress.finish();
                let n = n?;
                outln!("imported {n} asset(s) ({})", plan.encoding);
            } else {
                outln!(
                    "dry run: {} asset(s) would be imported ({}); run again with --apply to import them",
                    plan.assets.len(),
                    plan.encoding
                );
            }
            Ok(0)
        }
        InventoryCmd::Export { format, out } => {
            let file = super::output::OutFile::start(out.as_deref());
            match format {
                ExportFormat::Csv => {
                    let bytes = import::export_csv(ctx)?;
                    with_stdout(|w| w.write_all(&bytes))?;
                }
                ExportFormat::Json => {
                    let v = import::export_json(ctx)?;
                    with_stdout(|w| write_json(w, &v))?;
                }
            }
            file.commit()?;
            Ok(0)
        }
    }
}

async fn run_software(ctx: &Ctx, c: &SoftwareCmd) -> Result<ExitCode> {
    match c {
        SoftwareCmd::Add {
            title,
            licence,
            seats,
            expires,
            cost,
            publisher,
        } => {
            let t = software::add(
                ctx,
                &software::NewTitle {
                    title: title.clone(),
                    publisher: publisher.clone(),
                    licence: *licence,
                    seats: *seats,
                    expires: *expires,
                    cost_pence: *cost,
                },
            )?;
            outln!("added {} ({})", t.title, t.licence.as_str());
            Ok(0)
        }
        SoftwareCmd::Assign { title, asset, user } => {
            let t = software::assign(ctx, title, asset.as_deref(), user.as_deref()).await?;
            let seats = t
                .seats
                .map(|s| s.to_string())
                .unwrap_or_else(|| "unlimited".into());
            outln!("{}: {} of {seats} seat(s) used", t.title, t.used);
            Ok(0)
        }
        SoftwareCmd::Report { within, format } => {
            let r = software::report(ctx, *within)?;
            let today = ctx.now().london_date();
            with_stdout(|w| match Format::from(format.format) {
                Format::Json => write_json(w, &r),
                _ => {
                    let t: Vec<Vec<String>> = r
                        .titles
                        .iter()
                        .map(|t| {
                            let mut flags = Vec::new();
                            if t.over_allocated() {
                                flags.push("OVER-ALLOCATED".to_string());
                            }
                            if t.expiring(today, *within) {
                                flags.push("EXPIRES SOON".to_string());
                            }
                            vec![
                                t.title.clone(),
                                t.licence.as_str().to_string(),
                                format!(
                                    "{}/{}",
                                    t.used,
                                    t.seats.map(|s| s.to_string()).unwrap_or_else(|| "-".into())
                                ),
                                day(t.expires),
                                t.cost_pence.map(money).unwrap_or_else(|| "-".into()),
                                flags.join(", "),
                            ]
                        })
                        .collect();
                    write_table(
                        w,
                        &[
                            "TITLE",
                            "LICENCE",
                            "USED/SEATS",
                            "EXPIRES",
                            "COST",
                            "ATTENTION",
                        ],
                        &t,
                    )
                }
            })?;
            Ok(i32::from(
                !r.over_allocated.is_empty() || !r.expiring.is_empty(),
            ))
        }
    }
}

async fn run_audit(ctx: &Ctx, c: &AuditCmd) -> Result<ExitCode> {
    match c {
        AuditCmd::Start { name } => {
            let o = applied!(plan_apply(ctx, Change::AuditStart { name: name.clone() }));
            outln!(
                "{}; scan with `schooltech inventory audit scan TAG --room ROOM`",
                o.said
            );
            Ok(0)
        }
        AuditCmd::Scan { tag, file, room } => {
            let tags: Vec<String> = match (tag, file) {
                (Some(t), _) => vec![t.clone()],
                (None, Some(f)) => std::fs::read(f)
                    .map_err(|e| Error::io(f, e))
                    .and_then(|b| crate::ops::csv_reader::decode(&b))?
                    .0
                    .lines()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect(),
                (None, None) => return Err(Error::Usage("give a TAG or --file TAGS.txt".into())),
            };
            let session = audit::ScanSession::open(ctx, tags.len() > 1)?;
            let mut unknown = 0;
            for t in &tags {
                let r = session.scan(t, room.as_deref(), ctx.now())?;
                match r.outcome {
                    ScanOutcome::Seen => outln!("seen     {}", r.tag),
                    ScanOutcome::Already => {
                        outln!("already  {} (scanned before in this round)", r.tag)
                    }
                    ScanOutcome::Moved => outln!(
                        "MOVED    {}: registered in {}, found in {}",
                        r.tag,
                        dash(r.registered_room.as_deref().unwrap_or("")),
                        r.room
                    ),
                    ScanOutcome::Unknown => {
                        unknown += 1;
                        outln!("UNKNOWN  {}: not in the register (recorded)", r.tag)
                    }
                }
            }
            Ok(i32::from(unknown > 0))
        }
        AuditCmd::Close => {
            let o = applied!(plan_apply(ctx, Change::AuditClose));
            outln!("{}; see `schooltech inventory audit report`", o.said);
            Ok(0)
        }
        AuditCmd::Report { round, format } => {
            let r = audit::report(ctx, round.as_deref())?;
            with_stdout(|w| match format {
                ReportFormat::Json => write_json(w, &r),
                ReportFormat::Csv => {
                    let mut c = crate::ops::csv_writer::CsvOut::new(w);
                    c.header(["result", "tag", "description", "room", "scanned_in"])?;
                    for s in &r.seen {
                        c.row(["seen", &s.tag, &s.description, &s.room, &s.scanned_in])?;
                    }
                    for s in &r.moved {
                        c.row(["moved", &s.tag, &s.description, &s.room, &s.scanned_in])?;
                    }
                    for m in &r.not_seen {
                        c.row(["not-seen", &m.tag, &m.description, &m.room, ""])?;
                    }
                    for (t, room, _) in &r.unknown {
                        c.row(["unknown", t, "", "", room])?;
                    }
                    c.flush()
                }
                ReportFormat::Text => {
                    let state = match r.round.closed_at {
                        Some(t) => format!("closed {}", t.format("%-d %b %Y")),
                        None => "open".into(),
                    };
                    wln!(
                        w,
                        "Audit round \"{}\" ({state}): {} seen, {} moved, {} not seen, {} unknown tag(s)",
                        r.round.name,
                        r.seen.len(),
                        r.moved.len(),
                        r.not_seen.len(),
                        r.unknown.len()
                    )?;
                    wln!(w)?;
                    wln!(
                        w,
                        "Not seen ({}) - candidates for `inventory status TAG lost`:",
                        r.not_seen.len()
                    )?;
                    for m in &r.not_seen {
                        wln!(
                            w,
                            "  {:<14} {:<28} {:<16} {}{}",
                            m.tag,
                            m.description,
                            dash(&m.room),
                            m.status,
                            m.loaned_to
                                .as_ref()
                                .map(|u| format!(" (on loan to {u})"))
                                .unwrap_or_default()
                        )?;
                    }
                    wln!(w)?;
                    wln!(w, "Moved ({}):", r.moved.len())?;
                    for s in &r.moved {
                        wln!(
                            w,
                            "  {:<14} {:<28} registered {}, found in {}",
                            s.tag,
                            s.description,
                            dash(&s.room),
                            s.scanned_in
                        )?;
                    }
                    wln!(w)?;
                    wln!(
                        w,
                        "Unknown tags ({}) - not in the register:",
                        r.unknown.len()
                    )?;
                    for (t, room, n) in &r.unknown {
                        wln!(w, "  {:<14} scanned in {} ({n}x)", t, dash(room))?;
                    }
                    wln!(w)?;
                    wln!(w, "Per room:")?;
                    let t: Vec<Vec<String>> = r
                        .rooms
                        .iter()
                        .map(|(room, c)| {
                            vec![
                                room.clone(),
                                c.seen.to_string(),
                                c.moved_out.to_string(),
                                c.not_seen.to_string(),
                                c.unknown.to_string(),
                            ]
                        })
                        .collect();
                    write_table(w, &["ROOM", "SEEN", "MOVED OUT", "NOT SEEN", "UNKNOWN"], &t)?;
                    wln!(w)?;
                    wln!(
                        w,
                        "Not audited for more than {} days, or never ({}):",
                        r.audit_interval_days,
                        r.overdue_audit.len()
                    )?;
                    for chunk in r.overdue_audit.chunks(6) {
                        wln!(w, "  {}", chunk.join("  "))?;
                    }
                    Ok(())
                }
            })?;
            Ok(i32::from(
                !r.not_seen.is_empty() || !r.unknown.is_empty() || !r.moved.is_empty(),
            ))
        }
    }
}

fn print_batch(w: &mut dyn Write, v: &disposal::BatchView) -> std::io::Result<()> {
    let b = &v.batch;
    wln!(w, "Disposal batch {}", b.name)?;
    wln!(
        w,
        "  carrier           {} ({})",
        b.carrier,
        b.carrier_registration
    )?;
    wln!(w, "  collected         {}", day(b.collected_on))?;
    wln!(w, "  transfer note     {}", dash(&b.transfer_note))?;
    wln!(w, "  consignment note  {}", dash(&b.consignment_note))?;
    match (&b.closed_at, &b.signed_off_by) {
        (Some(t), Some(s)) => wln!(
            w,
            "  closed            {} by {}, signed off by {s}",
            t.format("%-d %b %Y"),
            b.closed_by.as_deref().unwrap_or("-")
        )?,
        _ => wln!(w, "  state             open")?,
    }
    wln!(w, "  items ({}):", v.items.len())?;
    for i in &v.items {
        let san = match &i.sanitisation {
            Some(s) => format!(
                "{} ({}, verified by {})",
                s.method.as_str(),
                s.certificate,
                s.verified_by
            ),
            None if i.asset.data_bearing => "NOT SANITISED".into(),
            None => "no data".into(),
        };
        wln!(
            w,
            "    {:<14} {:<10} {:<28} {:<10} {san}",
            i.asset.tag,
            i.waste_code,
            i.asset.description(),
            i.asset.status.as_str()
        )?;
    }
    if !v.missing.is_empty() {
        wln!(w, "  before it can close:")?;
        for m in &v.missing {
            wln!(w, "    - {m}")?;
        }
    }
    Ok(())
}

async fn run_disposal(ctx: &Ctx, c: &DisposalCmd) -> Result<ExitCode> {
    match c {
        DisposalCmd::New {
            name,
            carrier,
            registration,
            collected,
            transfer_note,
            consignment_note,
        } => {
            let o = applied!(plan_apply(
                ctx,
                Change::NewBatch {
                    batch: disposal::NewBatch {
                        name: name.clone(),
                        papers: BatchPapers {
                            carrier: carrier.clone(),
                            carrier_registration: registration.clone(),
                            collected_on: *collected,
                            transfer_note: transfer_note.clone(),
                            consignment_note: consignment_note.clone(),
                        },
                        notes: String::new(),
                    },
                },
            ));
            outln!("{}", o.said);
            Ok(0)
        }
        DisposalCmd::Edit {
            name,
            carrier,
            registration,
            collected,
            transfer_note,
            consignment_note,
        } => {
            let o = applied!(plan_apply(
                ctx,
                Change::EditBatch {
                    name: name.clone(),
                    edit: disposal::BatchEdit {
                        carrier: carrier.clone(),
                        carrier_registration: registration.clone(),
                        collected_on: *collected,
                        transfer_note: transfer_note.clone(),
                        consignment_note: consignment_note.clone(),
                    },
                },
            ));
            outln!("{}", o.said);
            Ok(0)
        }
        DisposalCmd::Add { name, tags, code } => {
            let o = applied!(plan_apply(
                ctx,
                Change::DisposalAdd {
                    batch: name.clone(),
                    tags: tags.clone(),
                    code: code.clone(),
                },
            ));
            let Done::DisposalAdded { items, stopped } = o.done else {
                return Ok(0);
            };
            for i in items {
                outln!(
                    "{} added to {name} ({}){}",
                    i.asset.tag,
                    i.waste_code,
                    if i.asset.data_bearing {
                        "; holds data: record its sanitisation"
                    } else {
                        ""
                    }
                );
            }
            match stopped {
                Some(e) => Err(e),
                None => Ok(0),
            }
        }
        DisposalCmd::Sanitised {
            name,
            tag,
            method,
            certificate,
            verified_by,
            on,
        } => {
            let o = applied!(plan_apply(
                ctx,
                Change::Sanitised {
                    batch: name.clone(),
                    tag: tag.clone(),
                    method: *method,
                    certificate: certificate.clone(),
                    verified_by: verified_by.clone(),
                    on: *on,
                },
            ));
            outln!("{}", o.said);
            Ok(0)
        }
        DisposalCmd::Show { name, format } => {
            let v = disposal::view(ctx, name)?;
            with_stdout(|w| match Format::from(format.format) {
                Format::Json | Format::Csv => write_json(w, &v),
                Format::Table => print_batch(w, &v),
            })?;
            Ok(i32::from(!v.blockers.is_empty()))
        }
        DisposalCmd::Close {
            name,
            signed_off_by,
        } => {
            let o = applied!(plan_apply(
                ctx,
                Change::CloseBatch {
                    name: name.clone(),
                    signed_off_by: signed_off_by.clone(),
                },
            ));
            outln!("{}", o.said);
            Ok(0)
        }
        DisposalCmd::Report { year, format } => {
            let r = disposal::report(ctx, *year)?;
            with_stdout(|w| match Format::from(format.format) {
                Format::Json | Format::Csv => write_json(w, &r),
                Format::Table => {
                    for b in &r {
                        print_batch(w, &b.view)?;
                        wln!(w, "  documents:")?;
                        for d in &b.documents {
                            wln!(
                                w,
                                "    {:<26} {:<20} dated {:<12} keep until {}",
                                d.document.as_str(),
                                d.reference,
                                day(d.dated),
                                day(d.keep_until)
                            )?;
                        }
                        wln!(w)?;
                    }
                    wln!(w, "{} batch(es)", r.len())
                }
            })?;
            Ok(0)
        }
    }
}
