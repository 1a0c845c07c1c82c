//! Background work of the Accounts tab: read the accounts, an account's log rows and the
//! OUs; plan and create an account; make a change to one account after another; plan and
//! apply a new intake. Every call goes through the same `ops` functions as the CLI.

use crate::domain::account::{AccountQuery, NewAccount};
use crate::error::{Error, Result};
use crate::ops::actions::{CreateOutcome, CreateRequest};
use crate::ops::aup::{Book, RecordOutcome};
use crate::ops::import::{ImportPlan, ImportResult};
use crate::ops::Listing;
use crate::ops::{self, Ctx};
use crate::ops::{ActionEntry, LogFilter};
use crate::tui::app::Msg;
use crate::tui::tabs::TabMsg;
use crate::tui::work::{blocking, join_error, Applying, Outbox};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;

/// How many log rows about one account the details pane shows.
pub const ACCOUNT_LOG_ROWS: usize = 10;

/// A change to accounts: the ops-owned type, planned and rendered by `ops::change` (the
/// CLI's `--dry-run` prints the same plan).
pub use crate::ops::change::{Applied, Change, Plans};

/// Work for the Accounts tab.
#[derive(Debug)]
pub enum AccountsCmd {
    /// Read every account.
    Load {
        /// Generation.
        gen: u64,
    },
    /// Read the last log rows about one account.
    LoadAccountLog {
        /// Generation.
        gen: u64,
        /// Whose.
        username: String,
    },
    /// Read the directory's groups (the groups dialog's picker).
    LoadGroups {
        /// Generation.
        gen: u64,
    },
    /// Read the OUs (move targets).
    LoadOus {
        /// Generation.
        gen: u64,
    },
    /// Work out a new account without creating it.
    PlanCreate {
        /// Generation.
        gen: u64,
        /// What to create.
        req: CreateRequest,
    },
    /// Create an account.
    Create {
        /// Generation.
        gen: u64,
        /// What to create.
        req: CreateRequest,
    },
    /// Read a CSV and plan the import (dry run).
    ImportPlan {
        /// Generation.
        gen: u64,
        /// The CSV file.
        path: PathBuf,
    },
    /// Create the planned accounts.
    ImportApply {
        /// Generation.
        gen: u64,
        /// The plan shown to the technician.
        plan: Box<ImportPlan>,
    },
    /// Plan recording a signed acceptable use agreement (nothing is changed).
    PlanAup {
        /// Generation.
        gen: u64,
        /// The change.
        change: ops::aup::change::Change,
    },
    /// Record the signatures of a plan shown, one account after another.
    RecordAup {
        /// Generation.
        gen: u64,
        /// The plan.
        plan: Box<ops::aup::change::Plan>,
    },
}

/// Answers for the Accounts tab.
#[derive(Debug)]
pub enum AccountsMsg {
    /// The acceptable use agreements and signatures were read (just before the accounts of
    /// the same load).
    AupBook {
        /// Generation (of the load).
        gen: u64,
        /// Outcome.
        result: Result<Book>,
    },
    /// A record of signatures was planned.
    AupPlanned {
        /// Generation.
        gen: u64,
        /// The plan, or why it could not be made.
        result: Result<ops::aup::change::Plan>,
    },
    /// One account's agreement was recorded (or refused).
    AupRecorded {
        /// Generation.
        gen: u64,
        /// Whose.
        username: String,
        /// Outcome.
        result: Result<RecordOutcome>,
    },
    /// A `RecordAup` finished; `stopped` says why it stopped early, if it did.
    AupRecordDone {
        /// Generation.
        gen: u64,
        /// Reason for stopping early.
        stopped: Option<String>,
    },
    /// The accounts were read.
    Loaded {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<Listing>,
        /// The moment time rules are judged at.
        now: DateTime<Utc>,
    },
    /// The accounts as the stored mirror holds them, shown while a refresh runs.
    Cached {
        /// Generation.
        gen: u64,
        /// The mirrored accounts.
        listing: Listing,
        /// When the mirror was read from the directory.
        read_at: DateTime<Utc>,
        /// The moment time rules are judged at.
        now: DateTime<Utc>,
    },
    /// The last log rows about one account were read.
    AccountLog {
        /// Generation.
        gen: u64,
        /// Whose.
        username: String,
        /// Outcome.
        result: Result<Vec<ActionEntry>>,
    },
    /// The directory's groups were read.
    GroupsLoaded {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<Vec<ops::groups::GroupEntry>>,
    },
    /// The OUs were read.
    OusLoaded {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<Vec<String>>,
    },
    /// A new account was planned.
    Planned {
        /// Generation.
        gen: u64,
        /// What was asked.
        req: CreateRequest,
        /// What would be made.
        result: Result<NewAccount>,
    },
    /// An account was created (or not).
    Created {
        /// Generation.
        gen: u64,
        /// Outcome (with the password to show once, also when the outcome is unknown).
        result: Result<CreateOutcome>,
    },
    /// One account of the plans confirmed was done (or failed).
    Applied {
        /// Generation.
        gen: u64,
        /// Whose.
        username: String,
        /// The account after the change, and a generated password to show once.
        result: Result<Applied>,
    },
    /// The plans confirmed were applied; `stopped` says why it stopped early, if it did.
    ApplyDone {
        /// Generation.
        gen: u64,
        /// Reason for stopping early.
        stopped: Option<String>,
    },
    /// A CSV was read and planned.
    ImportPlanned {
        /// Generation.
        gen: u64,
        /// The plan.
        result: Result<ImportPlan>,
    },
    /// Import progress.
    ImportProgress {
        /// Generation.
        gen: u64,
        /// Rows done.
        done: usize,
        /// Rows in all.
        total: usize,
    },
    /// The import finished.
    ImportDone {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<ImportResult>,
    },
}

/// The last `ACCOUNT_LOG_ROWS` log rows whose target is exactly `username`.
pub fn account_log(ctx: &Ctx, username: &str) -> Result<Vec<ActionEntry>> {
    let store = ctx.store()?;
    let rows = store.log(&LogFilter {
        target: Some(username.to_string()),
        limit: Some(500),
        ..Default::default()
    })?;
    Ok(rows
        .into_iter()
        .filter(|e| e.target.eq_ignore_ascii_case(username))
        .take(ACCOUNT_LOG_ROWS)
        .collect())
}

/// Reads and plans a CSV import (nothing is changed).
pub async fn import_plan(ctx: &Ctx, path: &std::path::Path) -> Result<ImportPlan> {
    let p = path.to_path_buf();
    // The bytes, not a string: the one CSV reader decides the encoding (Windows-1252 too).
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(&p))
        .await
        .map_err(join_error)?
        .map_err(|e| Error::io(path, e))?;
    ops::import::plan_file(ctx, &bytes, None).await
}

/// An answer of the worker's [`Cmd::Change`](crate::tui::work::Cmd::Change) (the plans this
/// tab confirmed) as this tab's message.
pub fn applied(a: Applying) -> Msg {
    Msg::Tab(TabMsg::Accounts(match a {
        Applying::One {
            gen,
            username,
            result,
        } => AccountsMsg::Applied {
            gen,
            username,
            result: *result,
        },
        Applying::Done { gen, stopped } => AccountsMsg::ApplyDone { gen, stopped },
    }))
}

/// Starts `cmd` on a tokio task; the answer goes to `out`.
pub fn spawn(ctx: Arc<Ctx>, out: Outbox<AccountsMsg>, cmd: AccountsCmd) {
    match cmd {
        AccountsCmd::Load { gen } => {
            tokio::spawn(async move {
                // The stored mirror first (at once), then the mirror brought up to date.
                if let Ok(Some((listing, read_at))) =
                    ops::mirror::stored(&ctx, &AccountQuery::default()).await
                {
                    let now = ctx.now();
                    out.send(AccountsMsg::Cached {
                        gen,
                        listing,
                        read_at,
                        now,
                    });
                }
                let result = ops::accounts::list(&ctx, &AccountQuery::default()).await;
                let now = ctx.now();
                let c = ctx.clone();
                let book = blocking(move || Book::load(&c)).await;
                out.send(AccountsMsg::AupBook { gen, result: book });
                out.send(AccountsMsg::Loaded { gen, result, now });
            });
        }
        AccountsCmd::LoadAccountLog { gen, username } => {
            tokio::spawn(async move {
                let u = username.clone();
                let result = blocking(move || account_log(&ctx, &u)).await;
                out.send(AccountsMsg::AccountLog {
                    gen,
                    username,
                    result,
                });
            });
        }
        AccountsCmd::LoadGroups { gen } => {
            tokio::spawn(async move {
                let result = ops::groups::list(&ctx).await;
                out.send(AccountsMsg::GroupsLoaded { gen, result });
            });
        }
        AccountsCmd::LoadOus { gen } => {
            tokio::spawn(async move {
                let result = ctx.dir.list_ous().await;
                out.send(AccountsMsg::OusLoaded { gen, result });
            });
        }
        AccountsCmd::PlanCreate { gen, req } => {
            tokio::spawn(async move {
                let result = ops::actions::plan_create(&ctx, &req, &[]).await;
                out.send(AccountsMsg::Planned { gen, req, result });
            });
        }
        AccountsCmd::Create { gen, req } => {
            tokio::spawn(async move {
                let result = ops::actions::create_outcome(&ctx, &req).await;
                out.send(AccountsMsg::Created { gen, result });
            });
        }
        AccountsCmd::PlanAup { gen, change } => {
            tokio::spawn(async move {
                let result = ops::aup::change::plan(&ctx, &change).await;
                out.send(AccountsMsg::AupPlanned { gen, result });
            });
        }
        AccountsCmd::RecordAup { gen, plan } => {
            tokio::spawn(async move {
                let mut stopped = None;
                for (i, step) in plan.steps.iter().enumerate() {
                    let username = &step.user;
                    let result = ops::aup::change::apply_step(&ctx, &plan, i).await;
                    let lost = matches!(&result, Err(e) if e.is_offline());
                    let msg = result.as_ref().err().map(|e| e.to_string());
                    out.send(AccountsMsg::AupRecorded {
                        gen,
                        username: username.clone(),
                        result,
                    });
                    if lost {
                        stopped = msg;
                        break;
                    }
                }
                out.send(AccountsMsg::AupRecordDone { gen, stopped });
            });
        }
        AccountsCmd::ImportPlan { gen, path } => {
            tokio::spawn(async move {
                let result = import_plan(&ctx, &path).await;
                out.send(AccountsMsg::ImportPlanned { gen, result });
            });
        }
        AccountsCmd::ImportApply { gen, plan } => {
            tokio::spawn(async move {
                let progress = out.clone();
                let result = ops::import::apply(&ctx, &plan, move |done, total| {
                    progress.send(AccountsMsg::ImportProgress { gen, done, total });
                })
                .await;
                out.send(AccountsMsg::ImportDone { gen, result });
            });
        }
    }
}
