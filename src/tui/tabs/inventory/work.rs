//! Background work of the Inventory tab. Every call goes through `ops::inventory` (the same
//! functions the CLI uses); store calls run through [`blocking`]. The audit scan mode keeps one
//! `ScanSession` open on a blocking task fed by a channel, so a scan costs one store
//! transaction and no open.

use crate::domain::inventory::disposal::Sanitisation;
use crate::domain::inventory::labels::Layout;
use crate::domain::inventory::Status;
use crate::domain::time::LondonDate;
use crate::error::Result;
use crate::ops::inventory::audit::{self, AuditReport, ScanResult, ScanSession};
use crate::ops::inventory::disposal::{self, BatchEdit, NewBatch, ReportBatch};
use crate::ops::inventory::labels::{self, Selection};
use crate::ops::inventory::{self as inv, AssetDetail, AssetEdit, ListRow, LoanRequest, NewAsset};
use crate::ops::AssetQuery;
use crate::ops::{accounts, Ctx};
use crate::tui::work::{blocking, Outbox};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

/// Where the scan mode sends tags: the task owning the open `ScanSession`. Dropping it ends
/// the task (and closes the session's store handle).
#[derive(Clone)]
pub struct ScanFeed(UnboundedSender<String>);

impl ScanFeed {
    /// Sends one tag, scanned in `room` ("" for none), to be recorded; false if the session
    /// has ended.
    pub fn send(&self, room: &str, tag: &str) -> bool {
        self.0.send(format!("{room}\t{tag}")).is_ok()
    }
}

impl std::fmt::Debug for ScanFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScanFeed")
    }
}

/// Work for the Inventory tab.
#[derive(Debug)]
pub enum InvCmd {
    /// Read every asset.
    Load {
        /// Generation.
        gen: u64,
    },
    /// Read one asset's detail.
    Detail {
        /// Generation.
        gen: u64,
        /// Its tag.
        tag: String,
    },
    /// Read the directory's enabled usernames for the loan picker.
    Borrowers {
        /// Generation.
        gen: u64,
    },
    /// Issue a loan (the borrower is checked against the directory).
    Loan {
        /// Generation.
        gen: u64,
        /// The loan.
        req: LoanRequest,
    },
    /// Take an asset back.
    Return {
        /// Generation.
        gen: u64,
        /// Its tag.
        tag: String,
        /// Condition notes.
        condition: String,
        /// The room it goes to (None: keep).
        room: Option<String>,
    },
    /// Open a scan session on the open round (starting `start` first, if given).
    OpenScan {
        /// Generation.
        gen: u64,
        /// A round to start first.
        start: Option<String>,
    },
    /// Read the disposal batches.
    Disposal {
        /// Generation.
        gen: u64,
    },
    /// A change to the register, the audit or the disposal batches (answered with `Saved`).
    Change {
        /// Generation.
        gen: u64,
        /// What to do.
        change: Box<Change>,
    },
    /// Read the newest audit round's report.
    Audit {
        /// Generation.
        gen: u64,
    },
}

/// A change the tab asks `ops::inventory` to make; each is one store transaction (several for
/// a list of tags), logged in the action log.
#[derive(Debug, Clone)]
pub enum Change {
    /// `inventory add`.
    Add(NewAsset),
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
        breach: crate::domain::inventory::records::BreachInput,
    },
    /// `inventory labels`.
    Labels {
        /// Which assets.
        sel: Selection,
        /// 65 or 21 a sheet (None: the configured one).
        layout: Option<Layout>,
        /// The file.
        out: PathBuf,
    },
    /// `inventory audit start`.
    AuditStart(String),
    /// `inventory audit close`.
    AuditClose,
    /// `inventory disposal new`.
    NewBatch(NewBatch),
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
    },
    /// `inventory disposal close`.
    CloseBatch {
        /// The batch.
        name: String,
        /// Who signs it off.
        signed_off_by: String,
    },
}

/// What the tab needs to know besides the rows: the settings its dialogs and filters use.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The assets.
    pub rows: Vec<ListRow>,
    /// `[inventory] audit_interval_days`.
    pub audit_interval_days: u32,
    /// The folder the store lives in (where label sheets go by default).
    pub store_dir: PathBuf,
}

/// Answers for the Inventory tab.
#[derive(Debug)]
pub enum InvMsg {
    /// The assets were read.
    Loaded {
        /// Generation.
        gen: u64,
        /// The rows and settings.
        result: Result<Loaded>,
    },
    /// One asset's detail was read.
    Detail {
        /// Generation.
        gen: u64,
        /// The detail.
        result: Result<Box<AssetDetail>>,
    },
    /// The usernames for the loan picker: (username, name).
    Borrowers {
        /// Generation.
        gen: u64,
        /// The enabled accounts.
        result: Result<Vec<(String, String)>>,
    },
    /// A change was saved (or refused); the text says what was done.
    Saved {
        /// Generation.
        gen: u64,
        /// The asset's tag ("" when not about one asset) and what was done.
        result: Result<(String, String)>,
    },
    /// The audit report was read.
    Audit {
        /// Generation.
        gen: u64,
        /// The newest round's report.
        result: Result<Box<AuditReport>>,
    },
    /// The scan session is open (or could not be).
    ScanOpened {
        /// Generation.
        gen: u64,
        /// The feed and the round's name.
        result: Result<(ScanFeed, String)>,
    },
    /// One scan was recorded (or not).
    Scanned {
        /// Generation of the session.
        gen: u64,
        /// The tag as typed.
        tag: String,
        /// What it meant.
        result: Result<ScanResult>,
    },
    /// The disposal batches were read.
    Disposal {
        /// Generation.
        gen: u64,
        /// The batches with their views.
        result: Result<Vec<ReportBatch>>,
    },
}

/// Every asset of the register, as the tab lists them, with the settings the tab uses.
pub fn load(ctx: &Ctx) -> Result<Loaded> {
    Ok(Loaded {
        rows: inv::list(ctx, &AssetQuery::default())?,
        audit_interval_days: ctx.config.inventory.audit_interval_days,
        store_dir: ctx
            .config
            .store
            .path
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default(),
    })
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Makes a change through `ops::inventory`; returns the asset's tag ("" for none) and what was
/// done, in words for the status line.
pub fn change(ctx: &Ctx, c: Change) -> Result<(String, String)> {
    match c {
        Change::Add(new) => {
            let a = inv::add(ctx, &new)?;
            let said = format!(
                "added {} ({}, {}, {})",
                a.tag,
                a.category,
                a.description(),
                a.status
            );
            Ok((a.tag, said))
        }
        Change::Edit { tag, edit } => {
            let (a, changes) = inv::edit(ctx, &tag, &edit)?;
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
            Ok((a.tag, said))
        }
        Change::Status {
            tag,
            to,
            note,
            breach,
        } => {
            let a = inv::set_status_with(ctx, &tag, to, &note, &breach)?;
            let said = format!("{} is now {}", a.tag, a.status);
            Ok((a.tag, said))
        }
        Change::Labels { sel, layout, out } => {
            let w = labels::write(ctx, &sel, layout, &out)?;
            Ok((
                String::new(),
                format!(
                    "wrote {} on {} to {}",
                    plural(w.labels, "label"),
                    plural(w.sheets, "sheet"),
                    w.path
                ),
            ))
        }
        Change::AuditStart(name) => {
            let r = audit::start(ctx, &name)?;
            Ok((
                String::new(),
                format!(
                    "audit round \"{}\" open: scan labels with a (scan mode)",
                    r.name
                ),
            ))
        }
        Change::AuditClose => {
            let r = audit::close(ctx)?;
            Ok((
                String::new(),
                format!("audit round \"{}\" closed; its report is below", r.name),
            ))
        }
        Change::NewBatch(b) => {
            let b = disposal::new_batch(ctx, &b)?;
            Ok((
                String::new(),
                format!(
                    "disposal batch {} open (carrier {}, {}); add assets to it with d in the list",
                    b.name, b.carrier, b.carrier_registration
                ),
            ))
        }
        Change::EditBatch { name, edit } => {
            let b = disposal::edit_batch(ctx, &name, &edit)?;
            Ok((String::new(), format!("disposal batch {} updated", b.name)))
        }
        Change::DisposalAdd { batch, tags, code } => {
            let mut done = Vec::new();
            let mut data = 0;
            for t in &tags {
                match disposal::add(ctx, &batch, t, &code) {
                    Ok(i) => {
                        data += usize::from(i.asset.data_bearing);
                        done.push(i.asset.tag);
                    }
                    Err(e) if done.is_empty() => return Err(e),
                    Err(e) => {
                        return Ok((
                            String::new(),
                            format!("added {} to {batch}, then stopped: {e}", done.join(", ")),
                        ))
                    }
                }
            }
            let tag = if done.len() == 1 {
                done[0].clone()
            } else {
                String::new()
            };
            let mut said = format!("added {} to {batch} ({code})", done.join(", "));
            if data > 0 {
                said.push_str(&format!(
                    "; {} data: record the sanitisation (w, then s)",
                    if data == 1 { "it holds" } else { "they hold" }
                ));
            }
            Ok((tag, said))
        }
        Change::Sanitised {
            batch,
            tag,
            method,
            certificate,
            verified_by,
        } => {
            disposal::sanitised(
                ctx,
                &batch,
                &tag,
                method,
                &certificate,
                &verified_by,
                Some(ctx.now().london_date()),
            )?;
            let said = format!(
                "{tag}: {} recorded ({}, verified by {})",
                method.as_str(),
                certificate.trim(),
                verified_by.trim()
            );
            Ok((tag, said))
        }
        Change::CloseBatch {
            name,
            signed_off_by,
        } => {
            let v = disposal::close(ctx, &name, &signed_off_by)?;
            Ok((
                String::new(),
                format!(
                    "disposal batch {} closed, signed off by {}; {} disposed",
                    v.batch.name,
                    v.batch.signed_off_by.as_deref().unwrap_or("-"),
                    plural(v.items.len(), "item")
                ),
            ))
        }
    }
}

/// Starts `cmd` on a tokio task.
pub fn spawn(ctx: Arc<Ctx>, out: Outbox<InvMsg>, cmd: InvCmd) {
    match cmd {
        InvCmd::Load { gen } => {
            tokio::spawn(async move {
                let result = blocking(move || load(&ctx)).await;
                out.send(InvMsg::Loaded { gen, result });
            });
        }
        InvCmd::Detail { gen, tag } => {
            tokio::spawn(async move {
                let result = blocking(move || inv::detail(&ctx, &tag).map(Box::new)).await;
                out.send(InvMsg::Detail { gen, result });
            });
        }
        InvCmd::Borrowers { gen } => {
            tokio::spawn(async move {
                let result = accounts::list(&ctx, &Default::default()).await.map(|l| {
                    l.accounts
                        .into_iter()
                        .filter(|a| a.enabled)
                        .map(|a| {
                            let name = a.name().to_string();
                            (a.username, name)
                        })
                        .collect()
                });
                out.send(InvMsg::Borrowers { gen, result });
            });
        }
        InvCmd::Loan { gen, req } => {
            tokio::spawn(async move {
                let result = inv::loan(&ctx, &req).await.map(|l| {
                    let due = l
                        .due
                        .map(|d| format!(", due back {}", d.format("%-d %b %Y")))
                        .unwrap_or_default();
                    (
                        l.tag.clone(),
                        format!("{} lent to {}{due}", l.tag, l.borrower.name()),
                    )
                });
                out.send(InvMsg::Saved { gen, result });
            });
        }
        InvCmd::Return {
            gen,
            tag,
            condition,
            room,
        } => {
            tokio::spawn(async move {
                let result = blocking(move || {
                    inv::return_asset(&ctx, &tag, &condition, room.as_deref()).map(|a| {
                        let said = format!("{} returned: now {} in {}", a.tag, a.status, a.room);
                        (a.tag, said)
                    })
                })
                .await;
                out.send(InvMsg::Saved { gen, result });
            });
        }
        InvCmd::OpenScan { gen, start } => open_scan(ctx, out, gen, start),
        InvCmd::Disposal { gen } => {
            tokio::spawn(async move {
                let result = blocking(move || disposal::report(&ctx, None)).await;
                out.send(InvMsg::Disposal { gen, result });
            });
        }
        InvCmd::Change { gen, change: c } => {
            tokio::spawn(async move {
                let result = blocking(move || change(&ctx, *c)).await;
                out.send(InvMsg::Saved { gen, result });
            });
        }
        InvCmd::Audit { gen } => {
            tokio::spawn(async move {
                let result = blocking(move || audit::report(&ctx, None).map(Box::new)).await;
                out.send(InvMsg::Audit { gen, result });
            });
        }
    }
}

/// Opens the session on a blocking task that then records every tag sent to its feed, until
/// the feed is dropped.
fn open_scan(ctx: Arc<Ctx>, out: Outbox<InvMsg>, gen: u64, start: Option<String>) {
    tokio::task::spawn_blocking(move || {
        let opened = (|| {
            if let Some(name) = start.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                audit::start(&ctx, name)?;
            }
            ScanSession::open(&ctx, true)
        })();
        let session = match opened {
            Ok(s) => s,
            Err(e) => {
                out.send(InvMsg::ScanOpened {
                    gen,
                    result: Err(e),
                });
                return;
            }
        };
        let (tx, mut rx) = unbounded_channel::<String>();
        out.send(InvMsg::ScanOpened {
            gen,
            result: Ok((ScanFeed(tx), session.round.clone())),
        });
        // The room is part of each tag sent: "room\ttag".
        while let Some(line) = rx.blocking_recv() {
            let (room, tag) = line.split_once('\t').unwrap_or(("", line.as_str()));
            let room = Some(room).filter(|r| !r.is_empty());
            let result = session.scan(tag, room, ctx.now());
            out.send(InvMsg::Scanned {
                gen,
                tag: tag.to_string(),
                result,
            });
        }
    });
}
