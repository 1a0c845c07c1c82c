//! `schooltech accounts …`

use super::output::{print_accounts, print_account};
use super::{ExitCode, FormatArg};
use crate::domain::account::AccountQuery;
use crate::error::Result;
use crate::ops::{self, Ctx};
use clap::Subcommand;

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum AccountsCmd {
    /// List accounts.
    List {
        /// Only this role (pupil, staff, guest, generic, admin).
        #[arg(long)]
        role: Option<String>,
        /// Only accounts under this OU (DN, with or without the base DN).
        #[arg(long, value_name = "DN")]
        ou: Option<String>,
        /// Only accounts whose username, name or MIS id contains this text.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Only disabled accounts.
        #[arg(long)]
        disabled: bool,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Show one account in full.
    Show {
        /// Username (sAMAccountName / uid).
        user: String,
        #[command(flatten)]
        format: FormatArg,
    },
}

/// Runs an account command.
pub async fn run(ctx: &Ctx, cmd: &AccountsCmd) -> Result<ExitCode> {
    match cmd {
        AccountsCmd::List { role, ou, search, disabled, format } => {
            let q = AccountQuery { role: role.clone(), ou: ou.clone(), search: search.clone(), disabled_only: *disabled };
            let listing = ops::accounts::list(ctx, &q).await?;
            if listing.skipped > 0 {
                eprintln!(
                    "warning: {} directory entries were skipped because of missing or malformed attributes (run with -v to see which)",
                    listing.skipped
                );
            }
            print_accounts(&listing.accounts, format.format, ctx.now())?;
            Ok(0)
        }
        AccountsCmd::Show { user, format } => {
            let a = ops::accounts::get(ctx, user).await?;
            print_account(&a, format.format, ctx.now())?;
            Ok(0)
        }
    }
}
