//! `schooltech doctor`

use super::{context, Cli, ExitCode};
use crate::error::Result;
use crate::ops::doctor::{self, Check, Outcome};
use clap::Args;

/// `doctor` options.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = super::TableJson::Table)]
    pub format: super::TableJson,
}

/// A check's line, and its fix on a line of its own under it.
fn lines(c: &Check) -> Vec<String> {
    let mut v = vec![line(c)];
    if let Some(f) = &c.fix {
        v.push(format!("       fix: {f}"));
    }
    v
}

fn line(c: &Check) -> String {
    let mark = match c.outcome {
        Outcome::Pass => "✓ ok  ",
        Outcome::Warn => "! warn",
        Outcome::Fail => "✗ FAIL",
    };
    format!("{mark} {:<22} {}", c.name, c.detail)
}

/// Runs the checks; exit 0 all pass, 1 something failed, 3 directory unreachable / bind refused.
pub async fn run(cli: &Cli, args: &DoctorArgs) -> Result<ExitCode> {
    let ctx = match context(cli) {
        Ok(c) => c,
        Err(e) => {
            outln!("✗ FAIL {:<22} {e}", "configuration");
            return Ok(e.exit_code());
        }
    };
    let report = doctor::run(&ctx).await;
    if args.format == super::TableJson::Json {
        super::output::with_stdout(|w| super::output::write_json(w, &report))?;
    } else {
        for c in &report.checks {
            for l in lines(c) {
                outln!("{l}");
            }
        }
    }
    Ok(if report.unreachable {
        3
    } else if report.ok() {
        0
    } else {
        1
    })
}
