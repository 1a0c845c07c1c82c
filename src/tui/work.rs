//! Background work: every directory and store call runs on tokio tasks, never in a key
//! handler. Each command carries the generation number `update` gave it, and its answer comes
//! back as a message with the same number, so `update` can drop answers nobody waits for.
//! The shell's own commands are here; each tab's are in its folder (`tabs/<tab>/work.rs`).

use super::app::Msg;
use super::tabs::{self, TabCmd};
use crate::domain::account::Account;
use crate::domain::secret::Secret;
use crate::error::{Error, Result};
use crate::ops::{self, Ctx};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Work for the background (or, for `Quit` and `SetMouse`, for the event loop).
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
    /// Judge a typed password for an account (the password dialog's live check).
    CheckPassword {
        /// Generation.
        gen: u64,
        /// The account it is for.
        account: Box<Account>,
        /// The candidate.
        candidate: Secret,
    },
    /// Apply the plans of an ops change the operator confirmed, one account after another
    /// (each read again by its id and refused when it is no longer the one planned): the
    /// worker's one call of `ops::change::apply`, for whichever tab asked. `reply` wraps each
    /// [`Applying`] as the asking tab's message.
    Change {
        /// Generation.
        gen: u64,
        /// The plans the confirmation showed.
        plans: Box<ops::change::Plans>,
        /// Wraps an answer as the asking tab's message.
        reply: fn(Applying) -> Msg,
    },
    /// A tab's work.
    Tab(TabCmd),
}

/// What applying confirmed plans ([`Cmd::Change`]) answers.
#[derive(Debug)]
pub enum Applying {
    /// One account was done (or refused, or failed).
    One {
        /// Generation.
        gen: u64,
        /// Whose.
        username: String,
        /// The account after the change, and a generated password to show once.
        result: Box<Result<ops::change::Applied>>,
    },
    /// Every plan was applied, or `stopped` says why it stopped early (the directory lost).
    Done {
        /// Generation.
        gen: u64,
        /// Reason for stopping early.
        stopped: Option<String>,
    },
}

/// Where a tab's background work sends its answers: the loop's channel, with the answer
/// wrapped as the tab's message.
pub struct Outbox<M> {
    tx: UnboundedSender<Msg>,
    wrap: fn(M) -> Msg,
}

impl<M> Clone for Outbox<M> {
    fn clone(&self) -> Self {
        Outbox {
            tx: self.tx.clone(),
            wrap: self.wrap,
        }
    }
}

impl<M> Outbox<M> {
    /// An outbox on `tx` that wraps answers with `wrap`.
    pub fn new(tx: UnboundedSender<Msg>, wrap: fn(M) -> Msg) -> Outbox<M> {
        Outbox { tx, wrap }
    }

    /// Sends an answer (dropped if the loop has ended).
    pub fn send(&self, m: M) {
        let _ = self.tx.send((self.wrap)(m));
    }
}

/// The error for a background task that panicked or was cancelled.
pub fn join_error(e: tokio::task::JoinError) -> Error {
    Error::Input(format!("background task failed: {e}"))
}

/// Runs blocking work (the SQLite store, zxcvbn) off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(join_error(e)))
}

/// Runs commands on tokio tasks and sends their results to the event loop.
#[derive(Clone)]
pub struct Worker {
    ctx: Arc<Ctx>,
    tx: UnboundedSender<Msg>,
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
                    let ok = result.is_ok();
                    let _ = tx.send(Msg::Connected { gen, result });
                    if ok {
                        // Settle first, as every change does, on connecting: what an earlier
                        // run left unknown (and what was still open before: the directory may
                        // answer now).
                        ops::settle::settle_again(&ctx).await;
                        tell_settled(&ctx, &tx);
                    }
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
            Cmd::Change { gen, plans, reply } => {
                tokio::spawn(async move {
                    let mut stopped = None;
                    for plan in &plans.plans {
                        let result = ops::change::apply(&ctx, plan).await;
                        tell_settled(&ctx, &tx);
                        let lost = matches!(&result, Err(e) if e.is_offline());
                        let msg = result.as_ref().err().map(|e| e.to_string());
                        let username = plan.username.clone();
                        let _ = tx.send(reply(Applying::One {
                            gen,
                            username,
                            result: Box::new(result),
                        }));
                        if lost {
                            stopped = msg;
                            break;
                        }
                    }
                    let _ = tx.send(reply(Applying::Done { gen, stopped }));
                });
            }
            Cmd::Tab(c) => {
                // A tab's answers pass here on their way to the loop: what the tab's change
                // settled first goes before its answer.
                let (via, mut rx) = tokio::sync::mpsc::unbounded_channel();
                tabs::spawn(ctx.clone(), via, c);
                tokio::spawn(async move {
                    while let Some(m) = rx.recv().await {
                        tell_settled(&ctx, &tx);
                        if tx.send(m).is_err() {
                            break;
                        }
                    }
                });
            }
        }
    }
}

/// Sends what changes settled first and no one has shown yet ([`Ctx::take_settled`]), one line
/// each, for the shell to show ([`Msg::Settled`]); nothing when there is nothing.
fn tell_settled(ctx: &Ctx, tx: &UnboundedSender<Msg>) {
    let found = ctx.take_settled();
    if !found.is_empty() {
        let _ = tx.send(Msg::Settled(
            found.iter().map(ops::settle::describe).collect(),
        ));
    }
}
