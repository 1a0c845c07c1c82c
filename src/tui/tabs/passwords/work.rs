//! Background work of the Passwords tab: the compliance report, the bulk fixes, the
//! directory's policy, and the shared-credentials register. Every call goes through the same
//! `ops` functions the CLI uses (`ops::compliance`, `ops::creds`), so the numbers match.

use crate::domain::creds::{CredVerdict, Credential};
use crate::domain::policy::{DirectoryPolicy, PolicyDrift, PolicySettings, SchoolPolicyTarget};
use crate::error::{Error, Result};
use crate::ops::compliance::{self, ReportRow};
use crate::ops::creds::change::{Change as CredChange, Plan as CredPlan};
use crate::ops::{creds, Ctx};
use crate::tui::work::Outbox;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// A bulk fix from the compliance report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Must change the password at next logon (`ops::compliance::expire_users`).
    ForceChange,
    /// Clear "password never expires" (`ops::compliance::clear_never_expires`).
    ClearNeverExpires,
}

impl Fix {
    /// What the fix is, for titles.
    pub fn verb(self) -> &'static str {
        match self {
            Fix::ForceChange => "Force a password change for",
            Fix::ClearNeverExpires => "Clear never-expires on",
        }
    }

    /// What was done, for reports ("3 of 4 accounts …").
    pub fn done(self) -> &'static str {
        match self {
            Fix::ForceChange => "set to change at next logon",
            Fix::ClearNeverExpires => "cleared of never-expires",
        }
    }
}

/// Work for the Passwords tab.
#[derive(Debug)]
pub enum PwCmd {
    /// Read the compliance report (every account, judged at `ctx.now()`).
    LoadReport {
        /// Generation.
        gen: u64,
    },
    /// Apply a fix to each account, one after another.
    Fix {
        /// Generation.
        gen: u64,
        /// Usernames.
        targets: Vec<String>,
        /// The fix.
        fix: Fix,
    },
    /// Read the directory's policy and its drift from the school's rules.
    LoadPolicy {
        /// Generation.
        gen: u64,
    },
    /// Work out the policy changes (nothing is changed).
    PlanPolicy {
        /// Generation.
        gen: u64,
    },
    /// Apply the policy changes shown to the technician.
    ApplyPolicy {
        /// Generation.
        gen: u64,
        /// The plan.
        plan: Vec<PolicySettings>,
    },
    /// Read and judge the shared-credentials register.
    LoadCreds {
        /// Generation.
        gen: u64,
    },
    /// Plan a change to the register and apply it (its form was its confirmation).
    SaveCred {
        /// Generation.
        gen: u64,
        /// The change.
        change: CredChange,
    },
    /// Plan a change to the register (nothing is changed), to confirm it.
    PlanCred {
        /// Generation.
        gen: u64,
        /// The change.
        change: CredChange,
    },
    /// Apply a planned change to the register (the plan shown).
    ApplyCred {
        /// Generation.
        gen: u64,
        /// The plan.
        plan: Box<CredPlan>,
    },
}

/// Answers for the Passwords tab.
#[derive(Debug)]
pub enum PwMsg {
    /// The report was read.
    Loaded {
        /// Generation.
        gen: u64,
        /// Rows and the number of unreadable entries skipped.
        result: Result<(Vec<ReportRow>, usize)>,
        /// The moment the report was judged at.
        now: DateTime<Utc>,
    },
    /// One account of a fix is done (or failed).
    Fixed {
        /// Generation.
        gen: u64,
        /// Whose.
        username: String,
        /// Outcome.
        result: Result<()>,
    },
    /// A fix finished; `stopped` says why it stopped early, if it did.
    FixDone {
        /// Generation.
        gen: u64,
        /// Reason for stopping early.
        stopped: Option<String>,
    },
    /// The directory's policy was read.
    Policy {
        /// Generation.
        gen: u64,
        /// The policy and its drift.
        result: Result<(DirectoryPolicy, Vec<PolicyDrift>)>,
        /// The school's rules.
        target: SchoolPolicyTarget,
    },
    /// The policy changes were worked out.
    PolicyPlanned {
        /// Generation.
        gen: u64,
        /// The plan (empty: nothing to do) and what it would change.
        result: Result<compliance::PolicyPlan>,
    },
    /// The policy changes were applied (or not).
    PolicyApplied {
        /// Generation.
        gen: u64,
        /// Outcome.
        result: Result<()>,
    },
    /// The register was read and judged.
    Creds {
        /// Generation.
        gen: u64,
        /// Each credential and its verdict.
        result: Result<Vec<(Credential, CredVerdict)>>,
    },
    /// A change to the register was planned.
    CredPlanned {
        /// Generation.
        gen: u64,
        /// The plan, or why it is refused.
        result: Result<Box<CredPlan>>,
    },
    /// A credential was saved (added or marked rotated).
    CredSaved {
        /// Generation.
        gen: u64,
        /// The credential's name.
        result: Result<String>,
    },
}

/// Applies `fix` to one account through the ops layer.
pub async fn fix_one(ctx: &Ctx, username: &str, fix: Fix) -> Result<()> {
    let one = [username.to_string()];
    let mut out = match fix {
        Fix::ForceChange => compliance::expire_users(ctx, &one).await,
        Fix::ClearNeverExpires => compliance::clear_never_expires(ctx, &one).await,
    };
    out.pop()
        .map(|(_, r)| r)
        .unwrap_or_else(|| Err(Error::Input(format!("{username}: nothing was done"))))
}

/// The password report's rows (as `compliance::report`), each privileged account (the
/// Report's "Privileged accounts": see `ops::report::is_privileged`) flagged
/// `privileged`, so the Report tab's drill-down can filter to them.
async fn report_rows(ctx: &Ctx) -> Result<(Vec<ReportRow>, usize)> {
    let q = crate::domain::account::AccountQuery {
        with_policy: true,
        ..Default::default()
    };
    let listing = crate::ops::accounts::list(ctx, &q).await?;
    let now = ctx.now();
    let protection = crate::ops::protect::Protection::from_ctx(ctx);
    let rows = listing
        .accounts
        .iter()
        .map(|a| {
            let mut r = compliance::row(ctx, a, now);
            if crate::ops::report::is_privileged(&protection, a) {
                r.flags.push("privileged");
            }
            r
        })
        .collect();
    Ok((rows, listing.skipped))
}

/// Starts `cmd` on a tokio task; the answer comes back on `tx`.
pub fn spawn(ctx: Arc<Ctx>, tx: Outbox<PwMsg>, cmd: PwCmd) {
    match cmd {
        PwCmd::LoadReport { gen } => {
            tokio::spawn(async move {
                let result = report_rows(&ctx).await;
                let now = ctx.now();
                tx.send(PwMsg::Loaded { gen, result, now });
            });
        }
        PwCmd::Fix { gen, targets, fix } => {
            tokio::spawn(async move {
                let mut stopped = None;
                for username in targets {
                    let result = fix_one(&ctx, &username, fix).await;
                    let lost = matches!(&result, Err(e) if e.is_offline());
                    let why = result.as_ref().err().map(|e| e.to_string());
                    tx.send(PwMsg::Fixed {
                        gen,
                        username,
                        result,
                    });
                    if lost {
                        stopped = why;
                        break;
                    }
                }
                tx.send(PwMsg::FixDone { gen, stopped });
            });
        }
        PwCmd::LoadPolicy { gen } => {
            tokio::spawn(async move {
                let result = compliance::policy_drift(&ctx).await;
                let target = compliance::target(&ctx);
                tx.send(PwMsg::Policy {
                    gen,
                    result,
                    target,
                });
            });
        }
        PwCmd::PlanPolicy { gen } => {
            tokio::spawn(async move {
                let result = compliance::policy_plan_explained(&ctx).await;
                tx.send(PwMsg::PolicyPlanned { gen, result });
            });
        }
        PwCmd::ApplyPolicy { gen, plan } => {
            tokio::spawn(async move {
                let result = compliance::policy_apply(&ctx, &plan).await;
                tx.send(PwMsg::PolicyApplied { gen, result });
            });
        }
        PwCmd::LoadCreds { gen } => {
            tokio::spawn(async move {
                let result = creds::report(&ctx).await;
                tx.send(PwMsg::Creds { gen, result });
            });
        }
        PwCmd::SaveCred { gen, change } => {
            tokio::spawn(async move {
                let result = match creds::change::plan(&ctx, &change).await {
                    Ok(plan) => creds::change::apply(&ctx, &plan).await,
                    Err(e) => Err(e),
                };
                let result = result.map(|o| o.credential.name);
                tx.send(PwMsg::CredSaved { gen, result });
            });
        }
        PwCmd::PlanCred { gen, change } => {
            tokio::spawn(async move {
                let result = creds::change::plan(&ctx, &change).await.map(Box::new);
                tx.send(PwMsg::CredPlanned { gen, result });
            });
        }
        PwCmd::ApplyCred { gen, plan } => {
            tokio::spawn(async move {
                let result = creds::change::apply(&ctx, &plan)
                    .await
                    .map(|o| o.credential.name);
                tx.send(PwMsg::CredSaved { gen, result });
            });
        }
    }
}
