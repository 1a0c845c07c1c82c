//! Background work of the Inventory tab. Every call goes through `ops::inventory` (the same
//! functions the CLI uses); store calls run through [`blocking`]. The audit scan mode keeps one
//! `ScanSession` open on a blocking task fed by a channel, so a scan costs one store
//! transaction and no open.

use crate::error::Result;
use crate::ops::inventory::audit::{self, AuditReport, ScanResult, ScanSession};
use crate::ops::inventory::change::{self, Change, Plan};
use crate::ops::inventory::disposal::{self, ReportBatch};
use crate::ops::inventory::{self as inv, AssetDetail, ListRow, LoanRequest};
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
    /// A change submitted by its form, planned and applied at once (answered with `Saved`;
    /// what the plan would refuse comes back as the register's refusal).
    Change {
        /// Generation.
        gen: u64,
        /// What to do.
        change: Box<Change>,
    },
    /// Plan a change to show it in a confirmation (answered with `Planned`).
    Plan {
        /// Generation.
        gen: u64,
        /// What to plan.
        change: Box<Change>,
        /// What the form says while the plan is applied.
        doing: &'static str,
        /// The confirmation says the record made is append-only.
        permanent: bool,
    },
    /// Apply a plan the technician confirmed (answered with `Saved`).
    Apply {
        /// Generation.
        gen: u64,
        /// The plan shown.
        plan: Box<Plan>,
    },
    /// Read the newest audit round's report.
    Audit {
        /// Generation.
        gen: u64,
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
    /// A change was planned, to be confirmed.
    Planned {
        /// Generation.
        gen: u64,
        /// What the form says while the plan is applied.
        doing: &'static str,
        /// The confirmation says the record made is append-only.
        permanent: bool,
        /// The plan.
        result: Result<Box<Plan>>,
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

/// Applies a plan through `ops::inventory::change`; returns the asset's tag ("" for none) and
/// what was done, in ops's words with the tab's keys for what to do next. Runs on a blocking
/// task ([`blocking`]): the change's guards (settle first) are awaited on it.
pub fn apply(ctx: &Ctx, plan: &Plan) -> Result<(String, String)> {
    let o = tokio::runtime::Handle::current().block_on(change::apply(ctx, plan))?;
    let next = match &plan.change {
        Change::AuditStart { .. } => ": scan labels with a (scan mode)",
        Change::AuditClose => "; its report is below",
        Change::NewBatch { .. } => "; add assets to it with d in the list",
        Change::DisposalAdd { .. } if o.said.ends_with("record the sanitisation") => " (w, then s)",
        _ => "",
    };
    Ok((o.tag, format!("{}{next}", o.said)))
}

/// Plans a change submitted by its form and applies it at once (the form was the question).
pub fn plan_and_apply(ctx: &Ctx, c: &Change) -> Result<(String, String)> {
    apply(ctx, &change::plan(ctx, c)?)
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
                let result = blocking(move || plan_and_apply(&ctx, &c)).await;
                out.send(InvMsg::Saved { gen, result });
            });
        }
        InvCmd::Plan {
            gen,
            change: c,
            doing,
            permanent,
        } => {
            tokio::spawn(async move {
                let result = blocking(move || change::plan(&ctx, &c).map(Box::new)).await;
                out.send(InvMsg::Planned {
                    gen,
                    doing,
                    permanent,
                    result,
                });
            });
        }
        InvCmd::Apply { gen, plan } => {
            tokio::spawn(async move {
                let result = blocking(move || apply(&ctx, &plan)).await;
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
