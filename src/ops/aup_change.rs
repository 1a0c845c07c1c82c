//! A change to acceptable use records, planned then applied: the one command type of every
//! changing `aup` operation for both faces. The CLI builds a [`Change`], plans it with [`plan`],
//! prints [`Plan::lines`] on `--dry-run` and applies the plan with [`apply`]; the TUI builds the
//! same change from its dialog, plans it on its worker, shows the same lines in its
//! y-confirmation and applies that plan ([`apply_step`] one account at a time, for its
//! progress).
//!
//! Signatures and published versions are append-only records: every plan says it cannot be
//! undone. A plan depends on the version of each agreement in force when it was made and on
//! the account it was read as: [`apply`] reads both again and refuses, nothing recorded, when
//! another version was published since or the account is no longer the one planned.

use super::{agreements, find_one, is_held, plan_import, prepare, record_prepared};
use super::{ImportPlan, RecordOutcome, RecordRequest};
use crate::domain::account::Account;
use crate::domain::aup::Agreement;
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::identity::{recheck, target_of, Depends};
use crate::ops::preview::Emphasis;
use crate::ops::{actions, Ctx};
use crate::store::aup::NewSignature;
use serde::Serialize;
use std::path::PathBuf;

/// The words every plan ends with: signatures and versions are never taken back.
pub const APPEND_ONLY: &str = "This cannot be undone: the record is append-only.";

/// A change to the acceptable use records.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Change {
    /// Record a signed agreement for each account (username or MIS id).
    Record {
        /// The accounts, in the order asked.
        users: Vec<String>,
        /// What was signed, when, by whom, how.
        #[serde(flatten)]
        request: RecordRequest,
    },
    /// Record the signatures of a CSV file.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Publish a new version of an agreement (everyone who signed an older one is outdated).
    Publish {
        /// The agreement.
        agreement: String,
        /// The new version.
        version: String,
    },
}

/// Why one account's signature would not be recorded: the words, and whether the account was
/// not found (else the request is wrong for it), for the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Why, in words.
    pub why: String,
    /// No such account.
    pub not_found: bool,
}

impl Refusal {
    fn error(&self) -> Error {
        if self.not_found {
            Error::NotFound(self.why.clone())
        } else {
            Error::Usage(self.why.clone())
        }
    }
}

/// One account's signature, planned.
#[derive(Debug, Clone)]
pub struct Step {
    /// The account as asked (username or MIS id).
    pub user: String,
    /// The account as read for the plan (None: not found).
    pub account: Option<Account>,
    /// The signature to record (None: refused).
    pub signature: Option<NewSignature>,
    /// Why it would not be recorded.
    pub refused: Option<Refusal>,
    /// The same signature is already recorded: nothing is added.
    pub duplicate: bool,
}

impl Step {
    /// The account's name as the directory spells it, else as asked.
    pub fn username(&self) -> &str {
        self.account
            .as_ref()
            .map_or(self.user.as_str(), |a| a.username.as_str())
    }

    fn line(&self) -> (String, Emphasis) {
        let u = self.username();
        match (&self.refused, &self.signature) {
            (Some(r), _) => (format!("  {u}: refused: {}", r.why), Emphasis::Warn),
            (None, Some(_)) if self.duplicate => (
                format!("  {u}: already recorded (the same signature); nothing is added"),
                Emphasis::Dim,
            ),
            (None, Some(s)) => {
                let held = self.account.as_ref().is_some_and(is_held);
                (
                    format!(
                        "  {u}: {} version {}, signed {} by {} ({}){}",
                        s.agreement,
                        s.version,
                        s.signed_on.format("%-d %b %Y"),
                        s.signed_by,
                        s.how.as_str(),
                        if held {
                            "; held until signed: recording it enables the account"
                        } else {
                            ""
                        }
                    ),
                    Emphasis::Normal,
                )
            }
            (None, None) => (format!("  {u}: nothing to record"), Emphasis::Dim),
        }
    }
}

/// A new version of an agreement, planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publishing {
    /// The agreement's name (as configured).
    pub agreement: String,
    /// The version in force when planned.
    pub previous: String,
    /// The new version.
    pub version: String,
}

/// A change planned: what the CLI's `--dry-run` prints and the TUI's confirmation shows, and
/// what the command without `--dry-run` (or `y`) applies.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The change.
    pub change: Change,
    /// A record: one step per account, in the order asked.
    pub steps: Vec<Step>,
    /// An import: the file's rows judged.
    pub import: Option<std::sync::Arc<ImportPlan>>,
    /// A publish.
    pub publish: Option<Publishing>,
    /// The agreements and the versions in force when planned (re-checked when applied).
    pub in_force: Vec<(String, String)>,
}

impl Plan {
    /// True when something would be refused (an account, or an import's row).
    pub fn any_refused(&self) -> bool {
        self.steps.iter().any(|s| s.refused.is_some())
            || self.import.as_ref().is_some_and(|i| !i.errors.is_empty())
    }

    /// How many signatures would be recorded.
    pub fn to_record(&self) -> usize {
        match &self.import {
            Some(i) => i.record.len(),
            None => self
                .steps
                .iter()
                .filter(|s| s.refused.is_none() && !s.duplicate && s.signature.is_some())
                .count(),
        }
    }

    /// The plan in words, for both faces (the one renderer).
    pub fn lines(&self) -> Vec<(String, Emphasis)> {
        let mut lines = Vec::new();
        match &self.change {
            Change::Record { users, .. } => {
                let who = match self.steps.as_slice() {
                    [one] => one.username().to_string(),
                    _ => format!("{} accounts", users.len()),
                };
                lines.push((
                    format!("Record a signed acceptable use agreement for {who}:"),
                    Emphasis::Strong,
                ));
                lines.extend(self.steps.iter().map(Step::line));
            }
            Change::Import { file } => {
                lines.push((
                    format!("Record the signatures of {}:", file.display()),
                    Emphasis::Strong,
                ));
                if let Some(i) = &self.import {
                    lines.extend(import_lines(i, "would record"));
                }
            }
            Change::Publish { .. } => {
                if let Some(p) = &self.publish {
                    lines.push((
                        format!(
                            "Publish version {} of the agreement {}:",
                            p.version, p.agreement
                        ),
                        Emphasis::Strong,
                    ));
                    lines.push((
                        format!("  version in force: {} -> {}", p.previous, p.version),
                        Emphasis::Normal,
                    ));
                    lines.push((
                        format!(
                            "  everyone who signed {} is outdated until they sign {}",
                            p.previous, p.version
                        ),
                        Emphasis::Normal,
                    ));
                }
            }
        }
        lines.push((APPEND_ONLY.to_string(), Emphasis::Dim));
        lines
    }
}

/// An import's rows in words: what would be (or is being) recorded, skipped, and the errors,
/// then the counts (`verb`: "would record" or "record").
pub fn import_lines(plan: &ImportPlan, verb: &str) -> Vec<(String, Emphasis)> {
    let mut lines = Vec::new();
    for (line, a, s) in &plan.record {
        lines.push((
            format!(
                "{verb} line {line:>4}: {:<20} {} version {}, signed {} by {}",
                a.username, s.agreement, s.version, s.signed_on, s.signed_by
            ),
            Emphasis::Normal,
        ));
    }
    for (line, u) in &plan.duplicate {
        lines.push((
            format!("skip   line {line:>4}: {u} already has this signature recorded"),
            Emphasis::Dim,
        ));
    }
    for e in &plan.errors {
        lines.push((format!("error  {e}"), Emphasis::Warn));
    }
    lines.push((
        format!(
            "{} to record, {} already recorded, {} rows with errors (file read as {})",
            plan.record.len(),
            plan.duplicate.len(),
            plan.errors.len(),
            plan.encoding
        ),
        Emphasis::Normal,
    ));
    lines
}

fn in_force(ags: &[Agreement]) -> Vec<(String, String)> {
    ags.iter()
        .map(|a| (a.name.clone(), a.version.clone()))
        .collect()
}

/// Plans `change` as things are now (nothing is changed; works under `--as-of`). An account
/// that is not found, or that the request does not fit (a day in the future, before the
/// account existed, an agreement not for its role), is a refused step, not an error; an
/// unknown agreement or a bad version to publish, an unreadable file, an unreachable directory
/// are errors.
pub async fn plan(ctx: &Ctx, change: &Change) -> Result<Plan> {
    let (ags, existing) = {
        let store = actions::store(ctx)?;
        let ags = agreements(ctx, &store)?;
        let existing: std::collections::HashSet<(String, String, String, chrono::NaiveDate)> =
            store
                .aup_signatures()?
                .into_iter()
                .map(|s| (s.username, s.agreement, s.version, s.signed_on))
                .collect();
        (ags, existing)
    };
    let mut plan = Plan {
        change: change.clone(),
        steps: Vec::new(),
        import: None,
        publish: None,
        in_force: in_force(&ags),
    };
    match change {
        Change::Record { users, request } => {
            if users.iter().all(|u| u.trim().is_empty()) {
                return Err(Error::Usage(
                    "give the account (username or MIS id) whose agreement was signed".into(),
                ));
            }
            let today = ctx.wall_now().london_date();
            for user in users {
                let mut step = Step {
                    user: user.trim().to_string(),
                    account: None,
                    signature: None,
                    refused: None,
                    duplicate: false,
                };
                match find_one(ctx, user).await {
                    Ok(a) => {
                        match prepare(&ags, &a, request, today) {
                            Ok(sig) => {
                                step.duplicate = existing.contains(&(
                                    sig.username.clone(),
                                    sig.agreement.clone(),
                                    sig.version.clone(),
                                    sig.signed_on,
                                ));
                                step.signature = Some(sig);
                            }
                            Err(why) => {
                                step.refused = Some(Refusal {
                                    why,
                                    not_found: false,
                                })
                            }
                        }
                        step.account = Some(a);
                    }
                    Err(Error::NotFound(why)) => {
                        step.refused = Some(Refusal {
                            why,
                            not_found: true,
                        })
                    }
                    Err(Error::Usage(why)) => {
                        step.refused = Some(Refusal {
                            why,
                            not_found: false,
                        })
                    }
                    Err(e) => return Err(e),
                }
                plan.steps.push(step);
            }
        }
        Change::Import { file } => {
            let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
            plan.import = Some(std::sync::Arc::new(plan_import(ctx, &bytes).await?));
        }
        Change::Publish { agreement, version } => {
            let ag = ags
                .iter()
                .find(|g| g.name.eq_ignore_ascii_case(agreement.trim()))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "no agreement \"{}\" in [aup.agreements]; known: {}",
                        agreement.trim(),
                        ags.iter()
                            .map(|g| g.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            let v = version.trim();
            if v.is_empty() || v.chars().any(char::is_control) {
                return Err(Error::Usage("give the new version (--version V)".into()));
            }
            if v == ag.version {
                return Err(Error::Usage(format!(
                    "{v} is already the version of {} in force; give the new version",
                    ag.name
                )));
            }
            plan.publish = Some(Publishing {
                agreement: ag.name.clone(),
                previous: ag.version.clone(),
                version: v.to_string(),
            });
        }
    }
    Ok(plan)
}

/// What applying a plan did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The signatures recorded (or found already there), with the import's line if any.
    pub recorded: Vec<(Option<usize>, RecordOutcome)>,
    /// The version published.
    pub published: Option<Publishing>,
}

/// Refused, nothing recorded, when an agreement's version in force is no longer the one
/// planned (another version was published since).
fn still_in_force(ctx: &Ctx, plan: &Plan, agreement: &str) -> Result<()> {
    let now = agreements(ctx, &actions::store(ctx)?)?;
    let was = plan.in_force.iter().find(|(n, _)| n == agreement);
    let is = now.iter().find(|a| a.name == agreement);
    match (was, is) {
        (Some((_, v)), Some(a)) if *v == a.version => Ok(()),
        (Some((_, v)), Some(a)) => Err(Error::NotPlanned(format!(
            "version {} of the agreement {agreement} was in force when this was planned and {} \
             is now (published since); nothing was recorded — look at it again",
            v, a.version
        ))),
        _ => Err(Error::NotPlanned(format!(
            "the agreement {agreement} is no longer configured; nothing was recorded — look at \
             it again"
        ))),
    }
}

/// Records the signature of step `i` of a record plan: refused with the plan's reason when the
/// plan refused it; else the account is read again by its id and the version in force checked
/// (refused, nothing recorded, when either is no longer as planned), then recorded and the
/// account released when it was held only for this. Read-only under `--as-of`; what an
/// earlier change left unknown is settled first ([`crate::ops::settle::gate`]).
pub async fn apply_step(ctx: &Ctx, plan: &Plan, i: usize) -> Result<RecordOutcome> {
    crate::ops::settle::gate(ctx, "aup record").await?;
    let step = plan
        .steps
        .get(i)
        .ok_or_else(|| Error::Input("no such step in the plan".into()))?;
    if let Some(r) = &step.refused {
        return Err(r.error());
    }
    let (Some(a), Some(sig)) = (&step.account, &step.signature) else {
        return Err(Error::Input(format!(
            "{}: nothing was planned to record",
            step.user
        )));
    };
    still_in_force(ctx, plan, &sig.agreement)?;
    let now = recheck(ctx, &a.username, &target_of(a), Depends::Object).await?;
    record_prepared(ctx, &now, sig.clone()).await
}

/// Applies `plan`: read-only under `--as-of` (exit 2, nothing written), and what an earlier change
/// left unknown settled first ([`crate::ops::settle::gate`]); then what the plan depended on
/// read again (the version in force, each account by its id) and refused when it changed; then
/// the records written through the ops functions (each with its action-log row).
pub async fn apply(ctx: &Ctx, plan: &Plan) -> Result<Outcome> {
    let what = match &plan.change {
        Change::Record { .. } => "aup record",
        Change::Import { .. } => "aup import --apply",
        Change::Publish { .. } => "aup publish",
    };
    crate::ops::settle::gate(ctx, what).await?;
    let mut out = Outcome::default();
    match &plan.change {
        Change::Record { .. } => {
            for i in 0..plan.steps.len() {
                out.recorded.push((None, apply_step(ctx, plan, i).await?));
            }
        }
        Change::Import { .. } => {
            let Some(import) = &plan.import else {
                return Err(Error::Input("the import was not planned".into()));
            };
            let mut seen = Vec::new();
            for (_, _, s) in &import.record {
                if !seen.contains(&s.agreement) {
                    still_in_force(ctx, plan, &s.agreement)?;
                    seen.push(s.agreement.clone());
                }
            }
            for (line, a, sig) in &import.record {
                let now = recheck(ctx, &a.username, &target_of(a), Depends::Object).await?;
                out.recorded
                    .push((Some(*line), record_prepared(ctx, &now, sig.clone()).await?));
            }
        }
        Change::Publish { .. } => {
            let Some(p) = &plan.publish else {
                return Err(Error::Input("the new version was not planned".into()));
            };
            still_in_force(ctx, plan, &p.agreement)?;
            super::publish(ctx, &p.agreement, &p.version)?;
            out.published = Some(p.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialised_tagged() {
        let c = Change::Publish {
            agreement: "staff".into(),
            version: "2027".into(),
        };
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"action":"publish","agreement":"staff","version":"2027"}"#
        );
    }
}
