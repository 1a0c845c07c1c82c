//! `schooltech aup …`: acceptable use agreements.

use super::output::{clean, with_stdout, write_csv, write_json, write_table};
use super::{ExitCode, Format, FormatArg};
use crate::domain::aup::How;
use crate::domain::time::parse_date;
use crate::error::{Error, Result};
use crate::ops::aup::change::Change;
use crate::ops::aup::{self, RecordOutcome, RecordRequest, StatusFilter};
use crate::ops::preview::Emphasis;
use crate::ops::Ctx;
use crate::ops::Recorded;
use clap::Subcommand;
use std::path::PathBuf;

/// How a signature came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HowArg {
    /// A signed paper form.
    Paper,
    /// An online form.
    Form,
    /// An e-mail.
    Email,
}

impl From<HowArg> for How {
    fn from(h: HowArg) -> How {
        match h {
            HowArg::Paper => How::Paper,
            HowArg::Form => How::Form,
            HowArg::Email => How::Email,
        }
    }
}

/// Acceptable use agreement commands.
#[derive(Debug, Subcommand)]
pub enum AupCmd {
    /// Record a signed agreement for one account (enables it when it was held for this).
    #[command(
        after_help = "Example:\n  schooltech aup record jo.smith --signed-on 2026-09-04 --signed-by \"parent: M. Smith\""
    )]
    Record {
        /// Username or MIS id.
        user: String,
        /// The agreement (default: the one the account's role signs).
        #[arg(long, value_name = "NAME")]
        agreement: Option<String>,
        /// The day it was signed (YYYY-MM-DD or DD/MM/YYYY).
        #[arg(long = "signed-on", value_name = "DATE")]
        signed_on: String,
        /// Who signed (default the account holder, or "parent/carer").
        #[arg(long = "signed-by", value_name = "TEXT")]
        signed_by: Option<String>,
        /// How it came in.
        #[arg(long, value_enum, default_value_t = HowArg::Paper)]
        how: HowArg,
        /// A reference (form id, sheet, e-mail subject).
        #[arg(long = "ref", value_name = "TEXT", default_value = "")]
        reference: String,
    },
    /// Record signatures from a CSV (Username or MIS Id, Signed On; optional Agreement,
    /// Signed By, How, Ref). Dry run unless --apply.
    #[command(
        after_help = "Examples:\n  schooltech aup import signed.csv\n  schooltech aup import signed.csv --apply"
    )]
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Record them (without it, only show what would happen).
        #[arg(long)]
        apply: bool,
    },
    /// Record a new version of an agreement: everyone who signed an older one is outdated.
    #[command(after_help = "Example:\n  schooltech aup publish staff --version 2027")]
    Publish {
        /// The agreement.
        name: String,
        /// The new version.
        #[arg(long, value_name = "V")]
        version: String,
    },
    /// Who has signed: signed, outdated, missing, not-required. Exit 1 when an enabled account
    /// that needs an agreement is missing or outdated.
    #[command(after_help = "Example:\n  schooltech aup status --missing --role pupil")]
    Status {
        /// Only those who need to sign (missing or outdated).
        #[arg(long)]
        missing: bool,
        /// Only this role.
        #[arg(long)]
        role: Option<String>,
        /// Only this form group (the account's OU name, or a group).
        #[arg(long)]
        form: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Sign-off sheets to send home or sign in class: one page per form group with each
    /// person's name, the agreement's title and version, signature and date lines.
    #[command(
        after_help = "Example:\n  schooltech aup sheets --form 7B --missing --out 7B-aup.pdf"
    )]
    Sheets {
        /// Only this form group.
        #[arg(long)]
        form: Option<String>,
        /// Only this role.
        #[arg(long)]
        role: Option<String>,
        /// Only those who need to sign (missing or outdated).
        #[arg(long)]
        missing: bool,
        /// Where to write them: FILE.pdf or FILE.txt.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// Runs an `aup` command.
pub async fn run(ctx: &Ctx, cmd: &AupCmd) -> Result<ExitCode> {
    match cmd {
        AupCmd::Record {
            user,
            agreement,
            signed_on,
            signed_by,
            how,
            reference,
        } => {
            let req = RecordRequest {
                agreement: agreement.clone(),
                signed_on: Some(parse_date(signed_on).map_err(Error::Usage)?),
                signed_by: signed_by.clone(),
                how: (*how).into(),
                reference: reference.clone(),
            };
            let change = Change::Record {
                users: vec![user.clone()],
                request: req,
            };
            let plan = aup::change::plan(ctx, &change).await?;
            if ctx.dry_run {
                print_dry_run(&plan.lines(), plan.any_refused())?;
                return Ok(i32::from(plan.any_refused()));
            }
            let out = aup::change::apply(ctx, &plan).await?;
            let mut code = 0;
            for (_, o) in &out.recorded {
                code = code.max(print_outcome(None, o));
            }
            Ok(code)
        }
        AupCmd::Import { file, apply } => {
            let apply = *apply && !ctx.dry_run;
            let change = Change::Import { file: file.clone() };
            let plan = aup::change::plan(ctx, &change).await?;
            let Some(import) = plan.import.clone() else {
                return Err(Error::Input("the import was not planned".into()));
            };
            let code = if import.errors.is_empty() { 0 } else { 1 };
            if !apply {
                for (text, _) in plan.lines() {
                    outln!("{}", clean(&text));
                }
                outln!("dry run: nothing was recorded; run again with --apply to record them");
                return Ok(code);
            }
            for (text, _) in aup::change::import_lines(&import, "record") {
                outln!("{}", clean(&text));
            }
            let mut code = code;
            let done = aup::change::apply(ctx, &plan).await?;
            for (line, out) in &done.recorded {
                code = code.max(print_outcome(*line, out));
            }
            outln!("recorded {} signatures", done.recorded.len());
            Ok(code)
        }
        AupCmd::Publish { name, version } => {
            let change = Change::Publish {
                agreement: name.clone(),
                version: version.clone(),
            };
            let plan = aup::change::plan(ctx, &change).await?;
            if ctx.dry_run {
                print_dry_run(&plan.lines(), plan.any_refused())?;
                return Ok(0);
            }
            let out = aup::change::apply(ctx, &plan).await?;
            let Some(p) = out.published else {
                return Err(Error::Input("nothing was published".into()));
            };
            outln!(
                "{} is now version {} (was {}); everyone who signed {} is outdated until they sign again; \
                 set version = \"{}\" in [aup.agreements.{}] too",
                clean(&p.agreement),
                clean(&p.version),
                clean(&p.previous),
                clean(&p.previous),
                clean(&p.version),
                clean(&p.agreement)
            );
            Ok(0)
        }
        AupCmd::Status {
            missing,
            role,
            form,
            format,
        } => {
            let filter = StatusFilter {
                missing: *missing,
                role: role.clone(),
                form: form.clone(),
            };
            let rows = aup::status(ctx, &filter).await?;
            print_status(&rows, format.format)?;
            Ok(if aup::any_enabled_unsigned(&rows) {
                1
            } else {
                0
            })
        }
        AupCmd::Sheets {
            form,
            role,
            missing,
            out,
        } => {
            let filter = StatusFilter {
                missing: *missing,
                role: role.clone(),
                form: form.clone(),
            };
            let w = aup::sheets(ctx, &filter, out).await?;
            outln!(
                "wrote {} ({} pages, {} people)",
                out.display(),
                w.pages,
                w.people
            );
            Ok(0)
        }
    }
}

/// Prints a plan on `--dry-run`: its lines (the same the TUI's confirmation shows) between the
/// dry run's heading and what to do next. The `aup` and `creds` commands print their plans
/// with it.
pub fn print_dry_run(lines: &[(String, Emphasis)], refused: bool) -> Result<()> {
    with_stdout(|w| {
        wln!(w, "dry run: nothing is changed")?;
        for (text, _) in lines {
            wln!(w, "{}", clean(text))?;
        }
        if refused {
            wln!(w, "the change would be refused")
        } else {
            wln!(w, "run it again without --dry-run to make the change")
        }
    })
}

fn print_outcome(line: Option<usize>, out: &RecordOutcome) -> ExitCode {
    let at = line.map(|l| format!("line {l:>4}: ")).unwrap_or_default();
    let mut code = 0;
    match out.recorded {
        Recorded::New(_) => outln!(
            "{at}recorded {} version {} for {}",
            clean(&out.agreement),
            clean(&out.version),
            clean(&out.username)
        ),
        Recorded::Duplicate => outln!(
            "{at}{} already has this signature of {} version {} recorded; nothing was added",
            clean(&out.username),
            clean(&out.agreement),
            clean(&out.version)
        ),
    }
    if out.released {
        outln!(
            "{at}{} was held for its acceptable use agreement and is now enabled",
            clean(&out.username)
        );
    }
    if let Some(e) = &out.release_error {
        errln!(
            "warning: the signature is recorded, but enabling the held account {} failed: {e}",
            out.username
        );
        code = 1;
    }
    code
}

/// Prints `aup status` rows.
pub fn print_status(rows: &[aup::StatusRow], format: Format) -> Result<()> {
    with_stdout(|w| match format {
        Format::Json => write_json(w, &rows),
        Format::Csv => write_csv(w, rows),
        Format::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.username.clone(),
                        r.name.clone(),
                        r.role.clone().unwrap_or_default(),
                        r.form.clone(),
                        r.agreement.clone().unwrap_or_else(|| "-".into()),
                        r.version_signed.clone().unwrap_or_else(|| "-".into()),
                        r.current_version.clone().unwrap_or_else(|| "-".into()),
                        r.signed_on
                            .map(|d| d.format("%d %b %Y").to_string())
                            .unwrap_or_else(|| "-".into()),
                        format!(
                            "{}{}",
                            r.status.as_str(),
                            if r.held {
                                " (held)"
                            } else if !r.enabled {
                                " (disabled)"
                            } else {
                                ""
                            }
                        ),
                    ]
                })
                .collect();
            write_table(
                w,
                &[
                    "USERNAME",
                    "NAME",
                    "ROLE",
                    "FORM",
                    "AGREEMENT",
                    "SIGNED",
                    "CURRENT",
                    "SIGNED ON",
                    "STATUS",
                ],
                &table,
            )?;
            let n = |s: crate::domain::aup::Status| rows.iter().filter(|r| r.status == s).count();
            use crate::domain::aup::Status as S;
            // Only the counts of what is shown (with --missing, signed ones are not).
            let parts: Vec<String> = [
                (n(S::Signed), "signed"),
                (n(S::Outdated), "outdated"),
                (n(S::Missing), "missing"),
                (n(S::NotRequired), "not required"),
            ]
            .iter()
            .filter(|(c, _)| *c > 0)
            .map(|(c, what)| format!("{c} {what}"))
            .collect();
            wln!(
                w,
                "{} account(s){}{}",
                rows.len(),
                if parts.is_empty() { "" } else { ": " },
                parts.join(", ")
            )
        }
    })
}
