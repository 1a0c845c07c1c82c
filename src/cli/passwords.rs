//! `schooltech passwords …`

use super::accounts::read_password_stdin;
use super::output::{with_stdout, write_csv, write_json, write_table};
use super::{ExitCode, Format, FormatArg};
use crate::domain::account::Account;
use crate::domain::password::{check, generate, PasswordStatus};
use crate::domain::time::uk_date;
use crate::error::{Error, Result};
use crate::ops::compliance::{self, status_word, ReportRow};
use crate::ops::passwords::{check_context, refusal, verdict_for};
use crate::ops::{self, Ctx};
use clap::{Subcommand, ValueEnum};

/// Password commands.
#[derive(Debug, Subcommand)]
pub enum PasswordsCmd {
    /// Check a password read from standard input (exit 0 pass, 1 fail).
    #[command(
        after_help = "Example:\n  schooltech passwords check --user jo.smith   (asks for the password; nothing is stored)"
    )]
    Check {
        /// Judge it for this account (names, role).
        #[arg(long)]
        user: Option<String>,
    },
    /// Generate memorable passwords that pass the rules.
    #[command(after_help = "Example:\n  schooltech passwords generate --count 5 --role pupil")]
    Generate {
        /// How many.
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// Use this role's rules and style.
        #[arg(long)]
        role: Option<String>,
    },
    /// Password age compliance report.
    #[command(
        after_help = "Examples:\n  schooltech passwords report --role staff\n  schooltech passwords report --format csv > passwords.csv"
    )]
    Report {
        /// Only this role.
        #[arg(long)]
        role: Option<String>,
        /// Exit 1 when any account is in this state (default: expired).
        #[arg(long = "fail-on", value_enum, default_value_t = FailOn::Expired)]
        fail_on: FailOn,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Force a change at next logon.
    #[command(
        after_help = "Examples:\n  schooltech passwords expire --status expired\n  schooltech passwords expire jo.smith --yes"
    )]
    Expire {
        /// Usernames.
        users: Vec<String>,
        /// Instead of usernames: every account in this status (e.g. expired).
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
        /// Do it (asks on a terminal; without it, only show what would change).
        #[arg(long)]
        apply: bool,
        /// Do it without asking (also --apply; needed where there is no terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Clear the "password never expires" flag.
    #[command(
        after_help = "Examples:\n  schooltech passwords clear-never-expires --all\n  schooltech passwords clear-never-expires jo.smith --yes"
    )]
    ClearNeverExpires {
        /// Usernames.
        users: Vec<String>,
        /// Every account that has the flag.
        #[arg(long)]
        all: bool,
        /// Do it (asks on a terminal; without it, only show what would change).
        #[arg(long)]
        apply: bool,
        /// Do it without asking (also --apply; needed where there is no terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// The directory's own password policy.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech passwords policy show\n  schooltech passwords policy apply --yes"
    )]
    Policy(PolicyCmd),
}

/// `passwords policy …`
#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// Show the directory's policy next to the school's rules.
    #[command(after_help = "Example:\n  schooltech passwords policy show")]
    Show,
    /// Bring the directory's policy in line with the school's rules.
    #[command(
        after_help = "Examples:\n  schooltech passwords policy apply          (dry run: what would be set)\n  schooltech passwords policy apply --yes"
    )]
    Apply {
        /// Do it (asks on a terminal; without it, only show what would change).
        #[arg(long)]
        apply: bool,
        /// Do it without asking (also --apply; needed where there is no terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

/// When the report exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any account that is not ok.
    Any,
    /// Any expired password.
    Expired,
    /// Never.
    None,
}

/// Runs a password command.
pub async fn run(ctx: &Ctx, cmd: &PasswordsCmd) -> Result<ExitCode> {
    match cmd {
        PasswordsCmd::Check { user } => check_cmd(ctx, user.as_deref()).await,
        PasswordsCmd::Generate { count, role } => {
            let rules = ctx.config.passwords.effective(role.as_deref());
            let cc = check_context(ctx, "", None, None);
            let mut rng = rand::thread_rng();
            let mut seen = std::collections::HashSet::new();
            with_stdout(|w| {
                while seen.len() < *count {
                    let p = generate(&rules, rules.generator, &cc, &mut rng);
                    if check(&rules, &p, &cc).is_ok() && seen.insert(p.clone()) {
                        wln!(w, "{p}")?;
                    }
                }
                Ok(())
            })?;
            Ok(0)
        }
        PasswordsCmd::Report {
            role,
            fail_on,
            format,
        } => {
            let (rows, skipped) = compliance::report(ctx, role.as_deref()).await?;
            if skipped > 0 {
                errln!("warning: {skipped} directory entries were skipped because of malformed attributes");
            }
            print_report(ctx, &rows, format.format)?;
            let failing = rows.iter().any(|r| match fail_on {
                FailOn::Any => r.status != PasswordStatus::Ok,
                FailOn::Expired => r.status == PasswordStatus::Expired,
                FailOn::None => false,
            });
            Ok(i32::from(failing))
        }
        PasswordsCmd::Expire {
            users,
            status,
            apply,
            yes,
        } => {
            let targets = match status {
                Some(s) => {
                    let (rows, _) = compliance::report(ctx, None).await?;
                    rows.into_iter()
                        .filter(|r| status_word(r.status) == s.as_str())
                        .map(|r| r.username)
                        .collect()
                }
                None => users.clone(),
            };
            bulk(
                ctx,
                &targets,
                (*apply, *yes),
                "force a password change at next logon for",
                |c, t| Box::pin(compliance::expire_users(c, t)),
            )
            .await
        }
        PasswordsCmd::ClearNeverExpires {
            users,
            all,
            apply,
            yes,
        } => {
            let targets: Vec<String> = if *all {
                let l = ops::accounts::list(ctx, &Default::default()).await?;
                l.accounts
                    .into_iter()
                    .filter(|a| a.password_never_expires)
                    .map(|a| a.username)
                    .collect()
            } else {
                users.clone()
            };
            bulk(
                ctx,
                &targets,
                (*apply, *yes),
                "clear \"password never expires\" on",
                |c, t| Box::pin(compliance::clear_never_expires(c, t)),
            )
            .await
        }
        PasswordsCmd::Policy(PolicyCmd::Show) => policy_show(ctx).await,
        PasswordsCmd::Policy(PolicyCmd::Apply { apply, yes }) => {
            let (plan, why) = compliance::policy_plan_explained(ctx).await?;
            if plan.is_empty() {
                outln!("the directory's password policy already matches the school's rules");
                if ctx.dry_run {
                    outln!("dry run: nothing was changed");
                }
                return Ok(0);
            }
            let asked = (*apply || *yes) && !ctx.dry_run;
            for p in &plan {
                outln!(
                    "{} {}",
                    if asked { "setting" } else { "would set" },
                    crate::ops::compliance::describe_policy_change(p)
                );
            }
            if !why.is_empty() {
                outln!("because:");
                for (policy, c) in &why {
                    outln!("  {}", compliance::describe_setting_change(policy, c));
                }
            }
            if !super::go_ahead(ctx, *apply || *yes, *yes, "passwords policy apply")? {
                outln!("dry run: nothing was changed; run again with --apply --yes to apply");
                return Ok(0);
            }
            compliance::policy_apply(ctx, &plan).await?;
            outln!("done: the directory's password policy now matches the school's rules");
            Ok(0)
        }
    }
}

type BulkFn = for<'a> fn(
    &'a Ctx,
    &'a [String],
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Vec<(String, Result<()>)>> + Send + 'a>,
>;

/// `(apply, yes)`: `--yes` alone applies too (its old spelling); `--apply` asks on a terminal.
async fn bulk(
    ctx: &Ctx,
    targets: &[String],
    (apply, yes): (bool, bool),
    what: &str,
    f: BulkFn,
) -> Result<ExitCode> {
    if targets.is_empty() {
        return Err(Error::Usage(
            "no accounts to change: give usernames (or --status / --all)".into(),
        ));
    }
    let apply = apply || yes;
    outln!(
        "{} {what} {} accounts: {}",
        if yes && !ctx.dry_run {
            "going to"
        } else {
            "would"
        },
        targets.len(),
        targets.join(", ")
    );
    if !super::go_ahead(ctx, apply, yes, what)? {
        outln!("dry run: nothing was changed; run again with --apply --yes");
        return Ok(0);
    }
    ctx.refuse_as_of(what)?;
    let results = f(ctx, targets).await;
    let (mut failed, mut skipped) = (0, 0);
    for (u, r) in &results {
        match r {
            Ok(()) => outln!("✓ {u}"),
            Err(e @ Error::Protected(_)) => {
                skipped += 1;
                outln!("– {u}: skipped: {e}");
            }
            Err(e) => {
                failed += 1;
                outln!("✗ {u}: {e}");
            }
        }
    }
    outln!(
        "{} changed, {skipped} skipped (protected), {failed} failed",
        results.len() - failed - skipped
    );
    Ok(i32::from(failed > 0))
}

async fn check_cmd(ctx: &Ctx, user: Option<&str>) -> Result<ExitCode> {
    let pw = read_password_stdin()?;
    let verdict = match user {
        Some(u) => {
            let a = ops::accounts::get(ctx, u).await?;
            verdict_for(ctx, &a, pw.expose())
        }
        None => verdict_for(ctx, &Account::default(), pw.expose()),
    };
    if verdict.is_ok() {
        outln!(
            "✓ the password meets the school's rules (strength {} of 4)",
            verdict.score
        );
        Ok(0)
    } else {
        outln!("✗ {}", refusal(&verdict));
        Ok(1)
    }
}

fn day(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(uk_date).unwrap_or_else(|| "-".into())
}

#[derive(serde::Serialize)]
struct CsvRow<'a> {
    username: &'a str,
    role: &'a str,
    password_last_set: String,
    age_days: String,
    expires_on: String,
    status: &'static str,
    flags: String,
    policy: &'a str,
    max_age_days: u32,
    directory_expires_on: String,
    school_expires_on: String,
    expiry_from: crate::domain::password::ExpiryFrom,
}

fn print_report(ctx: &Ctx, rows: &[ReportRow], format: Format) -> Result<()> {
    let rfc = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    with_stdout(|w| match format {
        Format::Json => write_json(w, &rows),
        Format::Csv => write_csv(
            w,
            &rows
                .iter()
                .map(|r| CsvRow {
                    username: &r.username,
                    role: r.role.as_deref().unwrap_or(""),
                    password_last_set: rfc(r.password_last_set),
                    age_days: r.age_days.map(|d| d.to_string()).unwrap_or_default(),
                    expires_on: rfc(r.expires_on),
                    status: status_word(r.status),
                    flags: r.flags.join(";"),
                    policy: &r.policy,
                    max_age_days: r.max_age_days,
                    directory_expires_on: rfc(r.directory_expires_on),
                    school_expires_on: rfc(r.school_expires_on),
                    expiry_from: r.expiry_from,
                })
                .collect::<Vec<_>>(),
        ),
        Format::Table => {
            let t: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.username.clone(),
                        r.role.clone().unwrap_or_else(|| "-".into()),
                        day(r.password_last_set),
                        r.age_days
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "-".into()),
                        day(r.expires_on),
                        status_word(r.status).to_string(),
                        r.flags.join(","),
                        r.policy.clone(),
                    ]
                })
                .collect();
            write_table(
                w,
                &[
                    "USERNAME", "ROLE", "LAST SET", "AGE", "EXPIRES", "STATUS", "FLAGS", "POLICY",
                ],
                &t,
            )?;
            wln!(w)?;
            wln!(w, "as of {}:", uk_date(ctx.now()))?;
            for (role, s) in compliance::summarise(rows) {
                let parts: Vec<String> = s
                    .by_status
                    .iter()
                    .map(|(k, v)| format!("{v} {k}"))
                    .collect();
                wln!(
                    w,
                    "  {role:<10} {:>5} accounts: {}{}",
                    s.total,
                    parts.join(", "),
                    if s.never_expires > 0 {
                        format!("; {} never expire", s.never_expires)
                    } else {
                        String::new()
                    }
                )?;
            }
            Ok(())
        }
    })
}

async fn policy_show(ctx: &Ctx) -> Result<ExitCode> {
    let (p, d) = compliance::policy_drift(ctx).await?;
    let t = compliance::target(ctx);
    let show = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_else(|| "not set".into());
    outln!("{:<28}{:<28}school's rules", "setting", "directory");
    if let Some(def) = &p.default {
        outln!(
            "{:<28}{:<28}{}",
            "minimum length",
            show(def.min_length),
            t.min_length
        );
        outln!(
            "{:<28}{:<28}{}",
            "complexity",
            def.complexity
                .map(|c| if c { "on" } else { "off" })
                .unwrap_or("n/a"),
            if t.complexity { "on" } else { "off" }
        );
        outln!(
            "{:<28}{:<28}{} days",
            "maximum age",
            def.max_age_days
                .map(|a| if a == 0 {
                    "never".to_string()
                } else {
                    format!("{a} days")
                })
                .unwrap_or_else(|| "not set".into()),
            t.max_age_days
        );
    } else {
        outln!("{:<28}{:<28}", "default policy", "none");
    }
    for o in &p.others {
        outln!(
            "{:<28}{:<28}",
            format!("policy {}", o.name),
            format!(
                "{} chars, {} days",
                show(o.min_length),
                show(o.max_age_days)
            )
        );
    }
    outln!(
        "{:<28}{:<28}{} days",
        "generic accounts",
        "",
        t.generic_max_age_days
    );
    if d.is_empty() {
        outln!("✓ no drift");
        Ok(0)
    } else {
        for x in &d {
            outln!(
                "✗ {}: directory has {}, school needs {}",
                x.setting,
                x.directory,
                x.school
            );
        }
        outln!("fix: schooltech passwords policy apply");
        Ok(1)
    }
}
