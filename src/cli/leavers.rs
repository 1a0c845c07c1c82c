//! `schooltech leavers …`: zombie accounts with their evidence.

use super::output::{with_stdout, write_csv, write_json, write_table};
use super::{ExitCode, Format};
use crate::domain::leavers::{Finding, Reason};
use crate::error::{Error, Result};
use crate::ops::{leavers, Ctx};
use clap::Subcommand;
use std::path::PathBuf;

/// Leavers commands.
#[derive(Debug, Subcommand)]
pub enum LeaversCmd {
    /// Find zombie accounts (left, expired, guest-expired, inactive, never-used, overdue-purge)
    /// with the evidence; exit 1 when any needs an action.
    #[command(
        after_help = "Examples:\n  schooltech leavers scan --mis leavers.csv\n  schooltech leavers scan --mis leavers.csv --format csv > zombies.csv"
    )]
    Scan {
        /// The MIS export (leavers or roll, as `[mis] mode` says); the demo has its own.
        #[arg(long, value_name = "FILE")]
        mis: Option<PathBuf>,
        /// Only this reason.
        #[arg(long, value_name = "REASON")]
        reason: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the findings to FILE (atomically; on any error the old file stays as it was)
        /// instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Put a suspended account back as it was (OU, groups, description, enabled) with a
    /// temporary password (shown once).
    #[command(after_help = "Example:\n  schooltech leavers restore jo.smith")]
    Restore {
        /// The username.
        user: String,
        /// Print the password even when the output is not a terminal.
        #[arg(long)]
        show_password: bool,
    },
}

/// Runs a leavers command.
pub async fn run(ctx: &Ctx, cmd: &LeaversCmd) -> Result<ExitCode> {
    match cmd {
        LeaversCmd::Scan {
            mis,
            reason,
            format,
            out,
        } => {
            let file = super::output::OutFile::start(out.as_deref());
            let only = match reason {
                Some(r) => Some(Reason::parse(r).ok_or_else(|| {
                    Error::Usage(format!(
                        "--reason {r}: use one of {}",
                        Reason::ALL.map(|r| r.as_str()).join(", ")
                    ))
                })?),
                None => None,
            };
            let export = leavers::load_mis(ctx, mis.as_deref())?;
            let scan = leavers::scan(ctx, export.as_ref()).await?;
            for n in &scan.notes {
                errln!("note: {n}");
            }
            let needs = scan.needs_action();
            let rows: Vec<&Finding> = scan
                .findings
                .iter()
                .filter(|f| only.is_none_or(|r| f.reason == r))
                .collect();
            print_findings(&rows, *format)?;
            file.commit()?;
            Ok(i32::from(needs))
        }
        LeaversCmd::Restore {
            user,
            show_password,
        } => {
            super::accounts::refuse_hidden_password("leavers restore", *show_password)?;
            let r = leavers::restore::restore(ctx, user).await?;
            outln!(
                "{} restored to {} ({} group(s)), {}",
                r.account.username,
                r.account.parent_dn(),
                r.record.groups.len(),
                if r.account.enabled {
                    "enabled"
                } else {
                    "disabled as before"
                }
            );
            if let Some(p) = &r.password {
                outln!(
                    "temporary password (shown once, must be changed at next logon): {}",
                    p.expose()
                );
            }
            Ok(0)
        }
    }
}

fn day(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "never".into())
}

/// Prints findings as a table, CSV or JSON.
pub fn print_findings(rows: &[&Finding], format: Format) -> Result<()> {
    with_stdout(|w| match format {
        Format::Json => write_json(w, &rows),
        Format::Csv => {
            let flat: Vec<CsvFinding<'_>> = rows.iter().map(|f| CsvFinding::of(f)).collect();
            write_csv(w, &flat)
        }
        Format::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|f| {
                    vec![
                        f.username.clone(),
                        f.role.clone().unwrap_or_default(),
                        f.reason.as_str().to_string(),
                        format!(
                            "{}{}",
                            f.action.as_str(),
                            if f.protected { " (protected)" } else { "" }
                        ),
                        day(f.last_logon),
                        f.evidence.clone(),
                    ]
                })
                .collect();
            write_table(
                w,
                &[
                    "USERNAME",
                    "ROLE",
                    "REASON",
                    "ACTION",
                    "LAST LOGON",
                    "EVIDENCE",
                ],
                &table,
            )?;
            for f in rows {
                // An MIS row held for review: why, in full (the table cuts the evidence).
                if f.reason == Reason::Left && f.action == crate::domain::leavers::Action::Review {
                    wln!(w, "{}: for review: {}", f.username, f.evidence)?;
                }
                for x in f.extras() {
                    wln!(w, "{}: {x}", f.username)?;
                }
            }
            wln!(w, "{} finding(s)", rows.len())
        }
    })
}

/// A finding as one CSV row: the JSON keys, lists joined with "; ".
#[derive(serde::Serialize)]
struct CsvFinding<'a> {
    username: &'a str,
    dn: &'a str,
    role: Option<&'a str>,
    reason: Reason,
    evidence: &'a str,
    last_logon: Option<chrono::DateTime<chrono::Utc>>,
    created: Option<chrono::DateTime<chrono::Utc>>,
    leaving_date: Option<chrono::NaiveDate>,
    action: crate::domain::leavers::Action,
    protected: bool,
    object_id: Option<&'a str>,
    linked: String,
    loans: String,
    shared_logins: String,
}

impl<'a> CsvFinding<'a> {
    fn of(f: &'a Finding) -> Self {
        CsvFinding {
            username: &f.username,
            dn: &f.dn,
            role: f.role.as_deref(),
            reason: f.reason,
            evidence: &f.evidence,
            last_logon: f.last_logon,
            created: f.created,
            leaving_date: f.leaving_date,
            action: f.action,
            protected: f.protected,
            object_id: f.object_id.as_deref(),
            linked: f
                .linked
                .iter()
                .map(|l| l.describe())
                .collect::<Vec<_>>()
                .join("; "),
            loans: f.loans.join("; "),
            shared_logins: f.shared_logins.join("; "),
        }
    }
}
