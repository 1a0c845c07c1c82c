//! The full-screen program.

use crate::cli::{Cli, ExitCode};
use crate::error::{Error, Result};

/// Opens the full-screen program.
pub async fn run(_cli: &Cli) -> Result<ExitCode> {
    Err(Error::Usage(
        "the full-screen program is not built yet; use a subcommand (see --help)".into(),
    ))
}
