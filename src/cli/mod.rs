//! The command line: clap definitions and dispatch. Every command calls the same `ops`
//! functions as the TUI.

// Every line the CLI prints passes through `output` (see `output::clean`): these stand in for
// `println!`, `eprintln!`, `print!`, `eprint!` and `wln!(w, ..)` so that no value from
// outside can act on the terminal or make a line of its own.
macro_rules! outln {
    () => { $crate::cli::output::out_line("") };
    ($($t:tt)*) => { $crate::cli::output::out_line(&format!($($t)*)) };
}
macro_rules! errln {
    () => { $crate::cli::output::err_line("") };
    ($($t:tt)*) => { $crate::cli::output::err_line(&format!($($t)*)) };
}
macro_rules! out {
    ($($t:tt)*) => { $crate::cli::output::out_text(&format!($($t)*)) };
}
macro_rules! errout {
    ($($t:tt)*) => { $crate::cli::output::err_text(&format!($($t)*)) };
}
macro_rules! wln {
    ($w:expr) => { writeln!($w) };
    ($w:expr, $($t:tt)*) => { $crate::cli::output::write_line($w, &format!($($t)*)) };
}

mod accounts;
mod aup;
mod changes;
mod creds;
mod doctor;
mod filter;
mod generate;
mod import;
mod init;
mod inventory;
mod leavers;
mod log;
pub mod output;
mod passwords;
pub mod progress;
pub mod report;
mod store;
mod sweep;
mod sync;

use crate::config::Config;
use crate::domain::time::parse_date;
use crate::error::Result;
use crate::ops::Ctx;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// What a command asks the process to exit with.
pub type ExitCode = i32;

/// Keep a school's accounts, passwords, equipment and filtering exceptions in order.
#[derive(Debug, Parser)]
#[command(name = "schooltech", version, about, long_about = None)]
pub struct Cli {
    /// Use the built-in demo school (no server needed; changes are thrown away).
    #[arg(long, global = true)]
    pub demo: bool,

    /// Configuration file (else $SCHOOLTECH_CONFIG, else /etc/schooltech/schooltech.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Judge time rules as if it were this day (YYYY-MM-DD); for reports and dry runs.
    #[arg(long = "as-of", global = true, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,

    /// More detail on stderr (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Read the directory in full, not through the local mirror plus a delta.
    #[arg(long = "no-mirror", global = true)]
    pub no_mirror: bool,

    /// Change nothing: show what the command would do (the plan, where it has one) and stop
    /// before its first change to the directory or the store. Every command accepts it.
    #[arg(short = 'n', long = "dry-run", global = true)]
    pub dry_run: bool,

    /// Size of a generated demo school (for benchmarks).
    #[arg(long, global = true, hide = true, env = "SCHOOLTECH_DEMO_SIZE")]
    pub demo_size: Option<usize>,

    /// The command (none opens the full-screen program).
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// True when the command line asks for JSON output (`--format json`): errors are then a
    /// JSON object on stderr as well as a line of text.
    pub fn json_errors(&self) -> bool {
        let args: Vec<String> = std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        args.iter().enumerate().any(|(i, a)| {
            a == "--format=json"
                || (a == "--format" && args.get(i + 1).is_some_and(|v| v == "json"))
        })
    }
}

fn parse_as_of(s: &str) -> std::result::Result<NaiveDate, String> {
    parse_date(s)
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check configuration, server, TLS, bind, base DN, attributes, store and password policy.
    #[command(
        after_help = "Examples:\n  schooltech doctor\n  schooltech --config /etc/schooltech/schooltech.toml doctor --format json"
    )]
    Doctor(doctor::DoctorArgs),
    /// Find and show accounts.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech accounts list --role staff\n  schooltech accounts reset-password jo.smith --generate --show-password"
    )]
    Accounts(accounts::AccountsCmd),
    /// Password rules: check, generate, report, fix, and the directory's own policy.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech passwords report --role pupil\n  schooltech passwords policy apply"
    )]
    Passwords(passwords::PasswordsCmd),
    /// Shared logins: who knows them, when they must change (no passwords stored).
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech creds list\n  schooltech creds rotated \"Library desk\""
    )]
    Creds(creds::CredsCmd),
    /// The tamper-evident action log.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech log show --target jo.smith\n  schooltech log verify"
    )]
    Log(log::LogCmd),
    /// Web-filter exceptions: requests, two approvals, apply, expire/revoke, review, export.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech filter list --due\n  schooltech filter request --by grees --site padlet.com --reason \"river project\""
    )]
    Filter(filter::FilterCmd),
    /// The equipment register: assets, loans, software, audits, labels, WEEE disposal.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech inventory list --loaned\n  schooltech inventory loan DA-LAP-031 --to jo.smith"
    )]
    Inventory(inventory::InventoryCmd),
    /// Acceptable use agreements: record signatures, publish versions, who is missing, sheets.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech aup status --missing\n  schooltech aup record jo.smith --signed-on 2026-09-04"
    )]
    Aup(aup::AupCmd),
    /// Leavers and zombie accounts: scan with evidence, restore.
    #[command(subcommand)]
    #[command(after_help = "Example:\n  schooltech leavers scan --mis leavers.csv")]
    Leavers(leavers::LeaversCmd),
    /// The leaver-day sweep: plan (dry run), apply, resume, list, report, purge.
    #[command(
        after_help = "Examples:\n  schooltech sweep --mis leavers.csv            (plan: a dry run)\n  schooltech sweep --mis leavers.csv --apply --yes"
    )]
    Sweep(sweep::SweepArgs),
    /// The termly compliance report for governors and inspectors (text, markdown, HTML, JSON).
    #[command(subcommand)]
    #[command(
        after_help = "Example:\n  schooltech report termly --term \"Autumn 2026\" --format html --out autumn-2026.html"
    )]
    Report(report::ReportCmd),
    /// First run: ask for the server, check its certificate and the bind, write the config.
    #[command(
        after_help = "Examples:\n  schooltech init                                (asks, step by step)\n  schooltech init --url ldaps://dc1.school.local --bind-dn 'CN=schooltech,OU=Service Accounts,DC=school,DC=local' \\
      --password-file /root/bind-password --trust-server-cert --yes"
    )]
    Init(init::InitArgs),
    /// Man pages and shell completions (for packaging).
    #[command(subcommand, hide = true)]
    Generate(generate::GenerateCmd),
    /// Account and group changes made outside schooltech (ADUC, ldapmodify), from the mirror.
    #[command(
        after_help = "Examples:\n  schooltech changes\n  schooltech changes --since 2026-11-01 --format json"
    )]
    Changes(changes::ChangesArgs),
    /// The store on PostgreSQL: make or upgrade its schema (owner role), check a server's access.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech store check\n  schooltech store migrate --grant-to school_a"
    )]
    Store(store::StoreCmd),
    /// Keep the directory in step with the MIS roll: joiners, movers, name changes, leavers in
    /// stages, returners (a dry run unless --apply --yes).
    #[command(
        after_help = "Examples:\n  schooltech sync --mis roll.csv                 (plan: a dry run)\n  schooltech sync --mis roll.csv --apply --yes --slips slips.pdf\n  schooltech sync --learn --mis roll.csv --yes   (learn the layout rules)\n  schooltech sync --resume"
    )]
    Sync(sync::SyncArgs),
}

/// Output format for lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// Aligned columns for people (`text` is the same).
    #[default]
    #[value(alias = "text")]
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array.
    Json,
}

/// Output format of a command that has no CSV form (one record, or a report in sections):
/// `--format csv` is refused (exit 2), never answered in another format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum TableJson {
    /// For people (`text` is the same).
    #[default]
    #[value(alias = "text")]
    Table,
    /// JSON.
    Json,
}

impl From<TableJson> for Format {
    fn from(f: TableJson) -> Format {
        match f {
            TableJson::Table => Format::Table,
            TableJson::Json => Format::Json,
        }
    }
}

/// `--format` (table or json).
#[derive(Debug, Args, Clone, Copy)]
pub struct TableJsonArg {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableJson::Table)]
    pub format: TableJson,
}

/// `--format`
#[derive(Debug, Args, Clone, Copy)]
pub struct FormatArg {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The demo's zombies that its LDIF lacks (a suspended leaver past grace, a staff account whose
/// expiry passed) and its shared logins, software titles, a loan to a leaver and a past sweep
/// (what the termly report shows), seeded at the start so that `--demo creds report`, the software register
/// and the TUI show them too. Its functions are async; the demo directory answers at once, so they
/// run to the end on a small runtime of their own (this may be called inside another runtime).
fn seed_demo_extras(ctx: &Ctx) -> Result<()> {
    crate::ops::demo_block_on(|| async {
        crate::ops::leavers::demo_zombies(ctx).await?;
        crate::ops::mirror::seed_demo(ctx)?;
        // The filter log from the start: a `--dry-run` (whose store takes no write) plans
        // against it too.
        crate::ops::filter::seed_demo(&ctx.store()?, ctx.now())?;
        crate::ops::report::demo::seed(ctx).await
    })
}

/// Builds the context the command line asked for.
pub fn context(cli: &Cli) -> Result<Ctx> {
    if cli.demo || cli.demo_size.is_some() {
        let ctx = Ctx::demo_unsealed(cli.demo_size, cli.as_of, crate::clock::Clock::process())?;
        seed_demo_extras(&ctx)?;
        return Ok(dry(cli, ctx.sealed()));
    }
    let (config, path) = Config::load(cli.config.as_deref())?;
    let mut ctx = Ctx::from_config(config, path, cli.as_of)?;
    ctx.use_mirror = !cli.no_mirror;
    Ok(dry(cli, ctx))
}

/// `--dry-run` seals the context so that no change is made (see [`Ctx::dry_run`]).
fn dry(cli: &Cli, ctx: Ctx) -> Ctx {
    if cli.dry_run {
        ctx.dry_run()
    } else {
        ctx
    }
}

/// Says on stderr, one line each, what was settled before a change and not yet said (ops
/// returns it as data: [`Ctx::take_settled`]).
fn say_settled(ctx: &Ctx) {
    for s in ctx.take_settled() {
        errln!("{}", crate::ops::settle::describe(&s));
    }
}

/// The context, with what an earlier run left unknown settled first and said on stderr, before
/// the command's own output. The same guard every change's apply passes
/// ([`crate::ops::settle::settle_first`]): an apply then finds nothing more to settle, so it is
/// not done twice.
async fn settled_context(cli: &Cli) -> Result<Ctx> {
    let ctx = context(cli)?;
    crate::ops::settle::settle_first(&ctx).await;
    say_settled(&ctx);
    Ok(ctx)
}

/// Whether a bulk command that is dry unless `--apply` goes ahead: never under `--dry-run` or
/// without `--apply`; with `--yes` at once; else it asks on a terminal (stdin and stderr),
/// and where there is none it refuses with `refusal` (exit 2) so a script must say `--yes`.
/// A "no" is a dry run (false).
pub(crate) fn go_ahead(ctx: &Ctx, apply: bool, yes: bool, refusal: &str) -> Result<bool> {
    use std::io::IsTerminal;
    if ctx.dry_run || !apply {
        return Ok(false);
    }
    if yes {
        return Ok(true);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        let why = if refusal.contains("--yes") {
            refusal.to_string()
        } else {
            format!("{refusal}: add --yes to confirm (there is no terminal to ask on)")
        };
        return Err(crate::Error::Usage(why));
    }
    errout!("Go ahead? [y/N] ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| crate::Error::io("standard input", e))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// Runs a subcommand; returns the exit code.
pub async fn run(cli: &Cli, command: &Command) -> Result<ExitCode> {
    progress::watch_directory_reads();
    let ctx = match command {
        Command::Doctor(a) => return doctor::run(cli, a).await,
        Command::Init(a) => return init::run(cli, a).await,
        Command::Generate(c) => return generate::run(c),
        Command::Store(c) => return store::run(cli, c),
        // `log pending` settles and shows what it found itself; `log show` and `log verify`
        // change nothing.
        Command::Log(_) => context(cli)?,
        // A sweep's or a sync's own interrupted steps are settled by its resume (settling
        // first leaves the steps of runs alone).
        _ => settled_context(cli).await?,
    };
    let result = match command {
        Command::Accounts(c) => accounts::run(&ctx, c).await,
        Command::Passwords(c) => passwords::run(&ctx, c).await,
        Command::Creds(c) => creds::run(&ctx, c).await,
        Command::Log(c) => log::run(&ctx, c).await,
        Command::Filter(c) => filter::run(&ctx, c).await,
        Command::Inventory(c) => inventory::run(&ctx, c).await,
        Command::Aup(c) => aup::run(&ctx, c).await,
        Command::Leavers(c) => leavers::run(&ctx, c).await,
        Command::Sweep(a) => sweep::run(&ctx, a).await,
        Command::Report(c) => report::run(&ctx, c).await,
        Command::Changes(a) => changes::run(&ctx, a).await,
        Command::Sync(a) => sync::run(&ctx, a).await,
        Command::Doctor(_) | Command::Init(_) | Command::Generate(_) | Command::Store(_) => Ok(0),
    };
    // What a change of this command settled after the start (an earlier change of the same
    // command left unknown), before its error is said.
    say_settled(&ctx);
    result
}
