//! Background work of the Inventory tab. Every call goes through `ops::inventory` (the same
//! functions the CLI uses); store calls run through [`blocking`]. The audit scan mode keeps one
//! `ScanSession` open on a blocking task fed by a channel, so a scan costs one store
//! transaction and no open.

use crate::error::Result;
use crate::ops::inventory::audit::{self, ScanResult, ScanSession};
use crate::ops::inventory::disposal::{self, ReportBatch};
use crate::ops::inventory::{self as inv, AssetDetail, ListRow, LoanRequest};
use crate::ops::{accounts, Ctx};
use crate::store::inventory::AssetQuery;
use crate::tui::work::{blocking, Outbox};
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
}

/// Answers for the Inventory tab.
#[derive(Debug)]
pub enum InvMsg {
    /// The assets were read.
    Loaded {
        /// Generation.
        gen: u64,
        /// The rows.
        result: Result<Vec<ListRow>>,
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
    /// A loan or return was saved (or refused); the text says what was done.
    Saved {
        /// Generation.
        gen: u64,
        /// The asset's tag and what was done.
        result: Result<(String, String)>,
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

/// Every asset of the register, as the tab lists them.
pub fn load(ctx: &Ctx) -> Result<Vec<ListRow>> {
    inv::list(ctx, &AssetQuery::default())
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
