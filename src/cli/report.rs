//! `schooltech report termly`: the termly compliance report as text, markdown, HTML (one
//! self-contained file that prints on A4) or JSON. Exit 0 when no section is red (green, amber
//! and no-data sections exit 0), 1 when any is, 2 for bad input, 3 when the directory cannot
//! be reached.

pub mod html;
pub mod markdown;
pub mod text;

use super::ExitCode;
use crate::domain::time::parse_date;
use crate::error::{Error, Result};
use crate::ops::report::{self, PeriodRequest, Report};
use crate::ops::Ctx;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Report commands.
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// The termly compliance report for governors and inspectors: accounts, leavers, acceptable
    /// use, inventory, filtering and the action log, each with a traffic light and the command
    /// behind every figure. Exit 1 when any section is red.
    #[command(
        after_help = "Examples:\n  schooltech report termly                                   (this term, as text)\n  schooltech report termly --term \"Autumn 2026\" --format html --out autumn-2026.html\n  schooltech report termly --from 2026-09-01 --to 2026-12-18 --format json"
    )]
    Termly(TermlyArgs),
}

/// `report termly` options.
#[derive(Debug, Args)]
pub struct TermlyArgs {
    /// A term of `[report] terms` ("Autumn 2026"); default: the term containing the day.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub term: Option<String>,
    /// First day of the period (with --to) instead of a term.
    #[arg(long, value_name = "DATE", value_parser = date_arg, requires = "to")]
    pub from: Option<NaiveDate>,
    /// Last day of the period (with --from).
    #[arg(long, value_name = "DATE", value_parser = date_arg, requires = "from")]
    pub to: Option<NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write it to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Only when today (London) is the last day of a term of `[report] terms`: then the report
    /// covers that term; on any other day exit 0 and write nothing (for a daily timer).
    #[arg(long, conflicts_with_all = ["term", "from", "to"])]
    pub if_term_end: bool,
}

fn date_arg(s: &str) -> std::result::Result<NaiveDate, String> {
    parse_date(s)
}

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Plain text with small bars (`text` is the same).
    #[value(name = "table", alias = "text")]
    Text,
    /// Markdown, for pasting.
    Markdown,
    /// One self-contained HTML file that prints on A4.
    Html,
    /// JSON with stable keys.
    Json,
}

/// The report in a format.
pub fn render(r: &Report, format: ReportFormat) -> Result<String> {
    Ok(match format {
        ReportFormat::Text => text::render(r),
        ReportFormat::Markdown => markdown::render(r),
        ReportFormat::Html => html::render(r),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(r)
                .map_err(|e| Error::Input(format!("cannot write the report as JSON: {e}")))?;
            s.push('\n');
            s
        }
    })
}

/// Runs a report command.
pub async fn run(ctx: &Ctx, cmd: &ReportCmd) -> Result<ExitCode> {
    match cmd {
        ReportCmd::Termly(a) => {
            let mut term = a.term.clone();
            if a.if_term_end {
                match report::term_ending_today(ctx) {
                    Some(t) => term = Some(t.name.clone()),
                    None => return Ok(0),
                }
            }
            let req = PeriodRequest {
                term,
                from: a.from,
                to: a.to,
            };
            let r = report::termly_for(ctx, &req).await?;
            let out = render(&r, a.format)?;
            match &a.out {
                Some(path) => {
                    crate::ops::files::write_private(path, out.as_bytes()).map_err(|e| {
                        Error::Usage(format!(
                            "cannot write the report to {}: {e}; give --out a file in a directory that exists and you can write to",
                            path.display()
                        ))
                    })?;
                    errln!(
                        "wrote the {} report for {} to {}: overall {} {}",
                        format_name(a.format),
                        r.period().describe(),
                        path.display(),
                        r.overall.symbol(),
                        r.overall.word()
                    );
                }
                None => super::output::with_stdout(|w| w.write_all(out.as_bytes()))?,
            }
            Ok(r.exit_code())
        }
    }
}

fn format_name(f: ReportFormat) -> &'static str {
    match f {
        ReportFormat::Text => "text",
        ReportFormat::Markdown => "markdown",
        ReportFormat::Html => "HTML",
        ReportFormat::Json => "JSON",
    }
}

/// Where a figure's detail is in the full-screen program, in the report's words (its default
/// number key): "Passwords tab (2)". The services give the place; each face words it.
pub fn place(p: report::Place) -> &'static str {
    use report::Place;
    match p {
        Place::Accounts => "Accounts tab (1)",
        Place::Passwords => "Passwords tab (2)",
        Place::Log => "Log tab (3)",
        Place::Leavers => "Leavers tab (4)",
        Place::Inventory => "Inventory tab (5)",
        Place::Filtering => "Filtering tab (6)",
    }
}

/// "1 Dec 2026 23:59 UTC".
pub fn moment(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %b %Y %H:%M UTC").to_string()
}

/// Each value's share of `total` as whole cells of `width`, at least one cell for a value
/// that is not zero (largest remainders get the rest), summing to `width` when `total` > 0.
pub fn cells(values: &[usize], width: usize) -> Vec<usize> {
    let total: usize = values.iter().sum();
    if total == 0 {
        return vec![0; values.len()];
    }
    let mut out: Vec<usize> = values.iter().map(|v| v * width / total).collect();
    for (o, v) in out.iter_mut().zip(values) {
        if *v > 0 && *o == 0 {
            *o = 1;
        }
    }
    let mut sum: usize = out.iter().sum();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse((values[*i] * width) % total));
    let mut k = 0;
    while sum < width && !order.is_empty() {
        let i = order[k % order.len()];
        if values[i] > 0 {
            out[i] += 1;
            sum += 1;
        }
        k += 1;
        if k > 4 * width {
            break;
        }
    }
    while sum > width {
        if let Some((i, _)) = out.iter().enumerate().max_by_key(|(_, v)| **v) {
            out[i] -= 1;
            sum -= 1;
        } else {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cells;

    #[test]
    fn bars_fill_their_width() {
        assert_eq!(cells(&[1, 1], 10), vec![5, 5]);
        assert_eq!(cells(&[0, 0], 10), vec![0, 0]);
        assert_eq!(cells(&[1, 999], 10).iter().sum::<usize>(), 10);
        assert_eq!(cells(&[1, 999], 10)[0], 1);
        assert_eq!(cells(&[3, 3, 3], 10).iter().sum::<usize>(), 10);
    }
}
