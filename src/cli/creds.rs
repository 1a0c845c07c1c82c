//! `schooltech creds …`: the shared-credentials register (no passwords are ever stored).

use super::aup::print_dry_run;
use super::output::{clean, with_stdout, write_json, write_table};
use super::{ExitCode, Format};
use crate::domain::creds::{CredStatus, CredUpdate, Credential};
use crate::domain::time::{end_of_day, parse_date, uk_date};
use crate::error::{Error, Result};
use crate::ops::creds::change::{self, Change};
use crate::ops::{creds, Ctx};
use chrono::Utc;
use clap::Subcommand;

/// Shared-credential commands.
#[derive(Debug, Subcommand)]
pub enum CredsCmd {
    /// Add a new shared login (a name already listed is refused: use `creds update`).
    #[command(
        after_help = "Example:\n  schooltech creds add \"Library desk\" --system \"Library PC\" --owner j.bloggs --known-by \"a.jones,b.khan\""
    )]
    Add {
        /// Its name, e.g. "Library desk" or "Maths Online school account".
        name: String,
        /// The URL or system it is for.
        #[arg(long)]
        system: String,
        /// Usernames of the staff who know it (comma-separated or repeated).
        #[arg(long = "known-by", value_delimiter = ',')]
        known_by: Vec<String>,
        /// Who is responsible for changing it.
        #[arg(long)]
        owner: String,
        /// Change it every this many days.
        #[arg(long, default_value_t = 42)]
        period: u32,
        /// When it was last changed (YYYY-MM-DD; default today).
        #[arg(long, value_name = "DATE")]
        rotated: Option<String>,
        /// Directory username of who is adding it (default: you, the operator).
        #[arg(long, value_name = "USER")]
        by: Option<String>,
    },
    /// Change a shared login's owner, system, period or who knows it (never the date it was
    /// last changed: that is `creds rotated`).
    #[command(
        after_help = "Examples:\n  schooltech creds update \"Library desk\" --known-by \"a.jones,b.khan,c.lee\" --by j.bloggs\n  schooltech creds update \"Library desk\" --period 90"
    )]
    Update {
        /// Its name.
        name: String,
        /// The URL or system it is for.
        #[arg(long)]
        system: Option<String>,
        /// Usernames of the staff who know it: the whole list (comma-separated or repeated).
        #[arg(long = "known-by", value_delimiter = ',')]
        known_by: Option<Vec<String>>,
        /// Who is responsible for changing it.
        #[arg(long)]
        owner: Option<String>,
        /// Change it every this many days.
        #[arg(long)]
        period: Option<u32>,
        /// Directory username of who is making this change (default: you, the operator).
        #[arg(long, value_name = "USER")]
        by: Option<String>,
    },
    /// One shared login and its history (who did what, when).
    #[command(after_help = "Example:\n  schooltech creds show \"Library desk\" --format json")]
    Show {
        /// Its name.
        name: String,
        #[command(flatten)]
        format: super::TableJsonArg,
    },
    /// List the register.
    #[command(after_help = "Example:\n  schooltech creds list")]
    List {
        #[command(flatten)]
        format: super::TableJsonArg,
    },
    /// Record that a shared login's password was changed: the only thing that moves its date
    /// and clears a leaver's alarm (leavers come off "known by").
    #[command(
        after_help = "Example:\n  schooltech creds rotated \"Library desk\" --on 2026-09-01 --by j.bloggs"
    )]
    Rotated {
        /// Its name.
        name: String,
        /// The day it was changed (default today; not in the future).
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// Directory username of who changed it (default: you, the operator).
        #[arg(long, value_name = "USER")]
        by: Option<String>,
    },
    /// What is due: overdue rotations, and logins known by someone who has left (exit 1 if any).
    #[command(after_help = "Example:\n  schooltech creds report --format json")]
    Report {
        #[command(flatten)]
        format: super::TableJsonArg,
    },
}

fn day(s: &Option<String>) -> Result<Option<chrono::DateTime<Utc>>> {
    s.as_deref()
        .map(parse_date)
        .transpose()
        .map_err(Error::Usage)
        .map(|d| d.map(end_of_day))
}

/// Plans `change`; on `--dry-run` prints the plan (None), else applies it: the login saved.
async fn planned(ctx: &Ctx, change: &Change) -> Result<Option<Credential>> {
    let plan = change::plan(ctx, change).await?;
    if ctx.dry_run {
        print_dry_run(&plan.lines(), false)?;
        return Ok(None);
    }
    let out = change::apply(ctx, &plan).await?;
    Ok(Some(out.credential))
}

/// Runs a creds command.
pub async fn run(ctx: &Ctx, cmd: &CredsCmd) -> Result<ExitCode> {
    match cmd {
        CredsCmd::Add {
            name,
            system,
            known_by,
            owner,
            period,
            rotated,
            by,
        } => {
            let c = Credential {
                name: name.trim().to_string(),
                system: system.trim().to_string(),
                known_by: known_by
                    .iter()
                    .map(|k| k.trim().to_string())
                    .filter(|k| !k.is_empty())
                    .collect(),
                owner: owner.trim().to_string(),
                period_days: *period,
                last_rotated: day(rotated)?.unwrap_or_else(|| ctx.now()),
            };
            let change = Change::Add {
                credential: c,
                by: by.clone(),
            };
            let Some(c) = planned(ctx, &change).await? else {
                return Ok(0);
            };
            outln!(
                "saved \"{}\": change it every {} days (no password is stored)",
                c.name,
                c.period_days
            );
            Ok(0)
        }
        CredsCmd::List { format } => {
            let list = creds::list(ctx)?;
            with_stdout(|w| match Format::from(format.format) {
                Format::Json => write_json(w, &list),
                _ => {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|c| {
                            vec![
                                c.name.clone(),
                                c.system.clone(),
                                c.owner.clone(),
                                c.known_by.join(", "),
                                format!("{} d", c.period_days),
                                uk_date(c.last_rotated),
                            ]
                        })
                        .collect();
                    write_table(
                        w,
                        &[
                            "NAME",
                            "SYSTEM",
                            "OWNER",
                            "KNOWN BY",
                            "PERIOD",
                            "LAST CHANGED",
                        ],
                        &rows,
                    )
                }
            })?;
            Ok(0)
        }
        CredsCmd::Rotated { name, on, by } => {
            let change = Change::Rotated {
                name: name.clone(),
                on: day(on)?,
                by: by.clone(),
            };
            let plan = change::plan(ctx, &change).await?;
            if ctx.dry_run {
                print_dry_run(&plan.lines(), false)?;
                return Ok(0);
            }
            let out = change::apply(ctx, &plan).await?;
            let c = out.credential;
            outln!("\"{}\" changed on {}", c.name, uk_date(c.last_rotated));
            let off = out.taken_off;
            if !off.is_empty() {
                outln!(
                    "  taken off \"known by\" (left; they do not know the new password): {}",
                    off.join(", ")
                );
            }
            Ok(0)
        }
        CredsCmd::Update {
            name,
            system,
            known_by,
            owner,
            period,
            by,
        } => {
            let change = CredUpdate {
                system: system.clone(),
                owner: owner.clone(),
                period_days: *period,
                known_by: known_by.clone(),
            };
            let change = Change::update(name, &change, by.as_deref());
            let Some(c) = planned(ctx, &change).await? else {
                return Ok(0);
            };
            outln!(
                "updated \"{}\": owner {}, known by {}, change it every {} days; last changed {} (unchanged)",
                c.name,
                c.owner,
                if c.known_by.is_empty() {
                    "nobody listed".to_string()
                } else {
                    c.known_by.join(", ")
                },
                c.period_days,
                uk_date(c.last_rotated)
            );
            Ok(0)
        }
        CredsCmd::Show { name, format } => {
            let h = creds::show(ctx, name)?;
            with_stdout(|w| match Format::from(format.format) {
                Format::Json => write_json(w, &h),
                _ => {
                    let c = &h.current;
                    let head = format!(
                        "{}: {} · owner {} · known by {} · every {} days · last changed {}",
                        c.name,
                        c.system,
                        c.owner,
                        if c.known_by.is_empty() {
                            "nobody listed".to_string()
                        } else {
                            c.known_by.join(", ")
                        },
                        c.period_days,
                        uk_date(c.last_rotated)
                    );
                    wln!(w, "{}\n", clean(&head))?;
                    for e in &h.events {
                        let line = format!(
                            "#{} {} {} by {}{}",
                            e.id,
                            e.at.format("%-d %b %Y %H:%M UTC"),
                            e.event.as_str(),
                            e.by,
                            e.note
                                .as_deref()
                                .map(|n| format!(": {n}"))
                                .unwrap_or_default()
                        );
                        wln!(w, "{}", clean(&line))?;
                    }
                    Ok(())
                }
            })?;
            Ok(0)
        }
        CredsCmd::Report { format } => {
            let rows = creds::report(ctx).await?;
            let due = rows
                .iter()
                .any(|(_, v)| matches!(v.status, CredStatus::Overdue | CredStatus::LeaverKnows));
            with_stdout(|w| match Format::from(format.format) {
                Format::Json => {
                    let v: Vec<serde_json::Value> = rows
                        .iter()
                        .map(|(c, v)| serde_json::json!({ "name": c.name, "system": c.system, "owner": c.owner, "known_by": c.known_by, "last_rotated": c.last_rotated, "due": v.due, "status": v.status, "leavers": v.leavers }))
                        .collect();
                    write_json(w, &v)
                }
                _ => {
                    let t: Vec<Vec<String>> = rows
                        .iter()
                        .map(|(c, v)| {
                            let status = match v.status {
                                CredStatus::Ok => "ok".to_string(),
                                CredStatus::DueSoon => "due soon".to_string(),
                                CredStatus::Overdue => "OVERDUE".to_string(),
                                CredStatus::LeaverKnows => {
                                    format!("CHANGE NOW: known by leaver {}", v.leavers.join(", "))
                                }
                            };
                            vec![
                                c.name.clone(),
                                c.owner.clone(),
                                uk_date(c.last_rotated),
                                uk_date(v.due),
                                status,
                            ]
                        })
                        .collect();
                    write_table(w, &["NAME", "OWNER", "LAST CHANGED", "DUE", "STATUS"], &t)
                }
            })?;
            Ok(i32::from(due))
        }
    }
}
