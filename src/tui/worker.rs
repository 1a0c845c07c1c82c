//! Background work: every directory and store call runs here, on tokio tasks, never in a key
//! handler. Each command carries the generation number `update` gave it, and its result comes
//! back as a [`Msg`] with the same number, so `update` can drop results nobody waits for.

use super::app::Msg;
use crate::directory::Secret;
use crate::domain::account::{Account, AccountQuery};
use crate::error::{Error, Result};
use crate::ops::actions::CreateRequest;
use crate::ops::import::ImportPlan;
use crate::ops::passwords::PasswordChoice;
use crate::ops::{self, Ctx};
use crate::store::{LogFilter, Store};
use chrono::NaiveDate;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

pub mod passwords;

/// How many log rows the Log tab reads at most.
pub const LOG_LIMIT: usize = 5_000;
/// How many log rows about one account the details pane shows.
pub const ACCOUNT_LOG_ROWS: usize = 10;

/// A change to one account, made through `ops::actions`.
#[derive(Debug, Clone)]
pub enum Change {
    /// Disable, with the reason for the log.
    Disable {
        /// Why.
        reason: String,
    },
    /// Enable.
    Enable,
    /// Clear a lockout.
    Unlock,
    /// Move to another OU (DN).
    Move {
        /// The OU's DN.
        ou: String,
    },
    /// Add and remove groups (names).
    Groups {
        /// Groups to join.
        add: Vec<String>,
        /// Groups to leave.
        remove: Vec<String>,
    },
    /// Set (end of that day) or clear the account expiry.
    Expiry {
        /// The day, or None for never.
        on: Option<NaiveDate>,
    },
    /// Reset the password.
    Password {
        /// Generated or typed.
        choice: PasswordChoice,
        /// Must change at next logon.
        temporary: bool,
    },
}

impl Change {
    /// What the change is, for titles ("Disable", "Move", …).
    pub fn verb(&self) -> &'static str {
        match self {
            Change::Disable { .. } => "Disable",
            Change::Enable => "Enable",
            Change::Unlock => "Unlock",
            Change::Move { .. } => "Move",
            Change::Groups { .. } => "Change groups of",
            Change::Expiry { .. } => "Set expiry of",
            Change::Password { .. } => "Reset password of",
        }
    }

    /// What was done, for the status line ("disabled", …).
    pub fn done(&self) -> &'static str {
        match self {
            Change::Disable { .. } => "disabled",
            Change::Enable => "enabled",
            Change::Unlock => "unlocked",
            Change::Move { .. } => "moved",
            Change::Groups { .. } => "groups changed",
            Change::Expiry { .. } => "expiry set",
            Change::Password { .. } => "password reset",
        }
    }
}

/// Work for the background.
#[derive(Debug)]
pub enum Cmd {
    /// Leave the program with this exit code (handled by the event loop).
    Quit(i32),
    /// Turn mouse reporting on or off (handled by the event loop).
    SetMouse(bool),
    /// Connect and bind.
    Connect {
        /// Generation.
        gen: u64,
    },
    /// Read every account.
    LoadAccounts {
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
    /// Read the action log and verify its chain.
    LoadLog {
        /// Generation.
        gen: u64,
        /// Which rows.
        filter: LogFilter,
    },
    /// Read the OUs (move targets).
    LoadOus {
        /// Generation.
        gen: u64,
    },
    /// Judge a typed password for an account.
    CheckPassword {
        /// Generation.
        gen: u64,
        /// The account it is for.
        account: Box<Account>,
        /// The candidate.
        candidate: Secret,
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
    /// Make one change to each of several accounts, one after another.
    Apply {
        /// Generation.
        gen: u64,
        /// Usernames.
        targets: Vec<String>,
        /// The change.
        change: Change,
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
    /// Work for the Passwords tab.
    Passwords(passwords::PwCmd),
}

/// Runs commands on tokio tasks and sends their results to the event loop.
#[derive(Clone)]
pub struct Worker {
    ctx: Arc<Ctx>,
    tx: UnboundedSender<Msg>,
}

/// Makes one change through the ops layer; the new password when one was generated.
pub async fn apply_change(
    ctx: &Ctx,
    username: &str,
    change: &Change,
) -> Result<(Account, Option<Secret>)> {
    use ops::actions as act;
    Ok(match change {
        Change::Disable { reason } => (act::disable(ctx, username, reason).await?, None),
        Change::Enable => (act::enable(ctx, username).await?, None),
        Change::Unlock => (act::unlock(ctx, username).await?, None),
        Change::Move { ou } => (act::move_to(ctx, username, ou).await?, None),
        Change::Groups { add, remove } => (act::groups(ctx, username, add, remove).await?, None),
        Change::Expiry { on } => (act::set_expiry(ctx, username, *on).await?, None),
        Change::Password { choice, temporary } => {
            act::reset_password(ctx, username, choice, *temporary).await?
        }
    })
}

/// The last `ACCOUNT_LOG_ROWS` log rows whose target is exactly `username`.
pub fn account_log(ctx: &Ctx, username: &str) -> Result<Vec<crate::store::ActionEntry>> {
    let store = Store::open(&ctx.config.store.path)?;
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

/// The log rows that pass `filter` (newest first) and the chain status.
pub fn read_log(
    ctx: &Ctx,
    filter: &LogFilter,
) -> Result<(Vec<crate::store::ActionEntry>, crate::store::ChainStatus)> {
    let store = Store::open(&ctx.config.store.path)?;
    let mut f = filter.clone();
    f.limit = Some(f.limit.unwrap_or(LOG_LIMIT));
    let rows = ops::log::show(&store, &f)?;
    let chain = ops::log::verify(&store)?;
    Ok((rows, chain))
}

fn join_error(e: tokio::task::JoinError) -> Error {
    Error::Input(format!("background task failed: {e}"))
}

impl Worker {
    /// A worker for `ctx` that reports on `tx`.
    pub fn new(ctx: Arc<Ctx>, tx: UnboundedSender<Msg>) -> Worker {
        Worker { ctx, tx }
    }

    /// The context.
    pub fn ctx(&self) -> &Arc<Ctx> {
        &self.ctx
    }

    /// Starts `cmd` in the background. `Quit` and `SetMouse` are the event loop's and are
    /// ignored here.
    pub fn spawn(&self, cmd: Cmd) {
        let ctx = self.ctx.clone();
        let tx = self.tx.clone();
        match cmd {
            Cmd::Quit(_) | Cmd::SetMouse(_) => {}
            Cmd::Connect { gen } => {
                tokio::spawn(async move {
                    let result = ctx.dir.connect().await;
                    let _ = tx.send(Msg::Connected { gen, result });
                });
            }
            Cmd::LoadAccounts { gen } => {
                tokio::spawn(async move {
                    let result = ops::accounts::list(&ctx, &AccountQuery::default()).await;
                    let now = ctx.now();
                    let _ = tx.send(Msg::AccountsLoaded { gen, result, now });
                });
            }
            Cmd::LoadAccountLog { gen, username } => {
                tokio::spawn(async move {
                    let u = username.clone();
                    let c = ctx.clone();
                    let result = tokio::task::spawn_blocking(move || account_log(&c, &u))
                        .await
                        .unwrap_or_else(|e| Err(join_error(e)));
                    let _ = tx.send(Msg::AccountLog {
                        gen,
                        username,
                        result,
                    });
                });
            }
            Cmd::LoadLog { gen, filter } => {
                tokio::spawn(async move {
                    let result = tokio::task::spawn_blocking(move || read_log(&ctx, &filter))
                        .await
                        .unwrap_or_else(|e| Err(join_error(e)));
                    let _ = tx.send(Msg::LogLoaded { gen, result });
                });
            }
            Cmd::LoadOus { gen } => {
                tokio::spawn(async move {
                    let result = ctx.dir.list_ous().await;
                    let _ = tx.send(Msg::OusLoaded { gen, result });
                });
            }
            Cmd::CheckPassword {
                gen,
                account,
                candidate,
            } => {
                tokio::spawn(async move {
                    let verdict = tokio::task::spawn_blocking(move || {
                        ops::passwords::verdict_for(&ctx, &account, candidate.expose())
                    })
                    .await;
                    if let Ok(verdict) = verdict {
                        let _ = tx.send(Msg::Verdict { gen, verdict });
                    }
                });
            }
            Cmd::PlanCreate { gen, req } => {
                tokio::spawn(async move {
                    let result = ops::actions::plan_create(&ctx, &req, &[]).await;
                    let _ = tx.send(Msg::Planned { gen, req, result });
                });
            }
            Cmd::Create { gen, req } => {
                tokio::spawn(async move {
                    let result = ops::actions::create(&ctx, &req).await;
                    let _ = tx.send(Msg::Created { gen, result });
                });
            }
            Cmd::Apply {
                gen,
                targets,
                change,
            } => {
                tokio::spawn(async move {
                    let mut stopped = None;
                    for (index, username) in targets.iter().enumerate() {
                        let result = apply_change(&ctx, username, &change).await;
                        let lost = matches!(&result, Err(e) if e.exit_code() == 3);
                        let msg = result.as_ref().err().map(|e| e.to_string());
                        let _ = tx.send(Msg::Applied {
                            gen,
                            index,
                            username: username.clone(),
                            result,
                        });
                        if lost {
                            stopped = msg;
                            break;
                        }
                    }
                    let _ = tx.send(Msg::ApplyDone { gen, stopped });
                });
            }
            Cmd::ImportPlan { gen, path } => {
                tokio::spawn(async move {
                    let result = import_plan(&ctx, &path).await;
                    let _ = tx.send(Msg::ImportPlanned { gen, result });
                });
            }
            Cmd::Passwords(c) => passwords::spawn(ctx, tx, c),
            Cmd::ImportApply { gen, plan } => {
                tokio::spawn(async move {
                    let ptx = tx.clone();
                    let result = ops::import::apply(&ctx, &plan, move |done, total| {
                        let _ = ptx.send(Msg::ImportProgress { gen, done, total });
                    })
                    .await;
                    let _ = tx.send(Msg::ImportDone { gen, result });
                });
            }
        }
    }
}

/// Reads and plans a CSV import (nothing is changed).
pub async fn import_plan(ctx: &Ctx, path: &std::path::Path) -> Result<ImportPlan> {
    let p = path.to_path_buf();
    let text = tokio::task::spawn_blocking(move || std::fs::read_to_string(&p))
        .await
        .map_err(join_error)?
        .map_err(|e| Error::io(path, e))?;
    let (rows, errors) = ops::import::read_csv(&text, ctx, None)?;
    ops::import::plan(ctx, rows, errors).await
}
