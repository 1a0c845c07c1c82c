//! `schooltech changes`: account and group changes made outside schooltech.

use super::output::{with_stdout, write_csv, write_json, write_table};
use super::{ExitCode, Format};
use crate::domain::time::{parse_date, uk_date};
use crate::error::{Error, Result};
use crate::ops::OutsideChange;
use crate::ops::{self, Ctx};
use chrono::{DateTime, Utc};
use clap::Args;

/// `changes` options.
#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// Only changes on or after this day (YYYY-MM-DD or DD/MM/YYYY).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(serde::Serialize)]
struct Row<'a> {
    changed_at: Option<String>,
    detected_at: String,
    kind: &'a str,
    target: &'a str,
    change: &'a str,
    who: Option<&'a str>,
    stamp: &'a str,
    protected: bool,
    dn: &'a str,
}

fn row(c: &OutsideChange) -> Row<'_> {
    Row {
        changed_at: c.changed_at.map(|t| t.to_rfc3339()),
        detected_at: c.detected_at.to_rfc3339(),
        kind: &c.kind,
        target: &c.target,
        change: &c.change,
        who: c.who.as_deref(),
        stamp: &c.stamp,
        protected: c.protected,
        dn: &c.dn,
    }
}

fn when(t: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        uk_date(t),
        crate::domain::time::london_format(t, "%H:%M")
    )
}

/// Lists the changes; exit 0 (1 when a protected group or member of one changed).
pub async fn run(ctx: &Ctx, args: &ChangesArgs) -> Result<ExitCode> {
    let since = match &args.since {
        None => None,
        Some(s) => Some(crate::domain::time::start_of_day(
            parse_date(s).map_err(|e| Error::Usage(format!("--since: {e}")))?,
        )),
    };
    if ctx.is_demo() {
        errln!(
            "the demo directory has no mirror: these are its examples of changes made outside schooltech"
        );
    } else if !ctx.use_mirror {
        return Err(Error::Usage(
            "`changes` compares the mirror with the directory; run it without --no-mirror".into(),
        ));
    }
    let (found, full) = ops::mirror::changes(ctx, since).await?;
    if let Some(why) = full {
        errln!(
            "note: the directory was read in full ({why}); changes are found by comparing with the mirror as it was, so a first read is only the baseline"
        );
    }
    match args.format {
        Format::Json => {
            let rows: Vec<Row<'_>> = found.iter().map(row).collect();
            with_stdout(|w| write_json(w, &rows))?;
        }
        Format::Csv => {
            let rows: Vec<Row<'_>> = found.iter().map(row).collect();
            with_stdout(|w| write_csv(w, &rows))?;
        }
        Format::Table => {
            if found.is_empty() {
                outln!("no changes made outside schooltech found");
                return Ok(0);
            }
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|c| {
                    vec![
                        if c.protected { "!" } else { "" }.to_string(),
                        c.changed_at
                            .map(when)
                            .unwrap_or_else(|| format!("({})", when(c.detected_at))),
                        c.kind.clone(),
                        c.target.clone(),
                        c.change.clone(),
                        c.who.clone().unwrap_or_default(),
                        c.stamp.clone(),
                    ]
                })
                .collect();
            let mut buf = Vec::new();
            write_table(
                &mut buf,
                &["", "WHEN", "KIND", "TARGET", "CHANGE", "BY", "STAMP"],
                &rows,
            )
            .map_err(|e| Error::io("standard output", e))?;
            let text = String::from_utf8_lossy(&buf);
            // anstream decides (a terminal, NO_COLOR, CLICOLOR_FORCE), as clap does for help.
            let colour =
                anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
            let red = anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Red.into()));
            super::output::with_stdout_styled(|w| {
                for (i, line) in text.lines().enumerate() {
                    let protected = i > 0 && found.get(i - 1).is_some_and(|c| c.protected);
                    if protected && colour {
                        // Our own colour, around a line whose cells are cleaned already.
                        write!(w, "{red}")?;
                        w.write_all(super::output::clean(line).as_bytes())?;
                        writeln!(w, "{red:#}")?;
                    } else {
                        wln!(w, "{line}")?;
                    }
                }
                wln!(
                    w,
                    "! = a protected group or a member of one; WHEN in brackets: when schooltech saw it"
                )
            })?;
        }
    }
    Ok(if found.iter().any(|c| c.protected) {
        1
    } else {
        0
    })
}
