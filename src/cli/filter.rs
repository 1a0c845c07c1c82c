//! `schooltech filter …`: the web-filter exception log (requests, decisions, apply, revoke,
//! reviews, and the lists the filter imports).

use super::output::{with_stdout, write_json, write_table};
use super::{ExitCode, Format};
use crate::domain::filter::export::{CsvRow, ExportQuery};
use crate::domain::filter::review::{render_markdown, render_text};
use crate::domain::filter::{Entry, Kind, ReviewAction, Scope, Status, Verdict};
use crate::domain::time::parse_date;
use crate::error::{Error, Result};
use crate::ops::filter::change::{self, Change, Done, Outcome};
use crate::ops::filter::{
    self as ops, event_words, say, status_word, target_word, until_word, ExportFormat, ListQuery,
    RequestInput, RequestOutcome,
};
use crate::ops::Ctx;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};

/// Filter commands.
#[derive(Debug, Subcommand)]
pub enum FilterCmd {
    /// Record a request from a member of staff to unblock (or block) a site.
    #[command(
        after_help = "Example:\n  schooltech filter request --by grees --site padlet.com --reason \"Class walls for the river project\" --until 2026-12-19"
    )]
    Request(RequestArgs),
    /// Record one approver's decision: approve or reject.
    #[command(
        after_help = "Example:\n  schooltech filter decide 3 approve --as network-manager --by j.bloggs --comment \"fine for Year 7\""
    )]
    Decide {
        /// The request's number.
        id: String,
        /// The approver role acted in (network-manager, ict-coordinator, ...).
        #[arg(long = "as", value_name = "ROLE")]
        role: String,
        /// Directory username of the approver.
        #[arg(long, value_name = "USER")]
        by: String,
        /// approve or reject.
        #[arg(value_enum)]
        verdict: VerdictArg,
        /// Why.
        #[arg(long)]
        comment: String,
    },
    /// Record that the agreed change was made in the filter (or that an expired or revoked one
    /// was taken out).
    #[command(
        after_help = "Example:\n  schooltech filter apply 3 --by j.bloggs --ref \"Smoothwall rule 118\""
    )]
    Apply {
        /// The request's number.
        id: String,
        /// Directory username of who made the change.
        #[arg(long, value_name = "USER")]
        by: String,
        /// The filter's own reference for the change.
        #[arg(long = "ref", value_name = "TEXT")]
        reference: Option<String>,
    },
    /// Withdraw a request or end an exception early.
    #[command(
        after_help = "Example:\n  schooltech filter revoke 3 --by j.bloggs --reason \"project finished\""
    )]
    Revoke {
        /// The request's number.
        id: String,
        /// Directory username of who revokes it.
        #[arg(long, value_name = "USER")]
        by: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// List requests and exceptions (exit 1 with --due when something must come out of the filter).
    #[command(
        after_help = "Examples:\n  schooltech filter list --status applied\n  schooltech filter list --due"
    )]
    List {
        /// Only this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        /// Only exceptions expired or revoked but still in the filter.
        #[arg(long)]
        due: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One request with its whole history.
    #[command(after_help = "Example:\n  schooltech filter show 3")]
    Show {
        /// The request's number.
        id: String,
        /// Output format (table or json).
        #[arg(long, value_enum, default_value_t = super::TableJson::Table)]
        format: super::TableJson,
    },
    /// The list the web filter imports: agreed and applied exceptions only.
    #[command(after_help = "Example:\n  schooltech filter export --format csv > exceptions.csv")]
    Export {
        /// domains (whole-site exceptions, one per line), urls (page exceptions, host/path), csv
        /// or json.
        #[arg(long, value_enum, default_value_t = ExportArg::Domains)]
        format: ExportArg,
        /// The filter profile: school (default: whole-school exceptions), staff, pupils, year-N,
        /// group:NAME (each with the whole-school ones), or all.
        #[arg(long, default_value = "school")]
        scope: String,
        /// unblock (the pass list, default) or block (the block list).
        #[arg(long, value_enum, default_value_t = KindArg::Unblock)]
        kind: KindArg,
        /// Write to FILE (atomically: a temporary file beside it, synced, renamed; on any error
        /// the old file stays as it was) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
    /// Reviews of the exceptions in force, and the governors' report.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  schooltech filter review start --by j.bloggs\n  schooltech filter review status"
    )]
    Review(ReviewCmd),
}

/// `filter request`
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// Directory username of who asks.
    #[arg(long, value_name = "USER")]
    pub by: String,
    /// The site: example.com, https://example.com/page, *.example.com.
    #[arg(long, allow_hyphen_values = true)]
    pub site: String,
    /// Why: the curriculum need.
    #[arg(long)]
    pub reason: String,
    /// Who for: school (default), staff, pupils, year-N, group:NAME.
    #[arg(long)]
    pub scope: Option<String>,
    /// Last day wanted (YYYY-MM-DD); leave out for permanent.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// unblock (default) or block.
    #[arg(long, value_enum, default_value_t = KindArg::Unblock)]
    pub kind: KindArg,
    /// Accept an IP address (shown as such).
    #[arg(long)]
    pub allow_ip: bool,
    /// For this page only: keep the path. An address with a path needs this or --whole-site.
    #[arg(long)]
    pub page: bool,
    /// For the whole site (its registrable domain, every page) although the address names a
    /// page. An address with a path needs this or --page.
    #[arg(long, conflicts_with = "page")]
    pub whole_site: bool,
}

/// Review commands.
#[derive(Debug, Subcommand)]
pub enum ReviewCmd {
    /// Start a review of every exception in force.
    #[command(after_help = "Example:\n  schooltech filter review start --by j.bloggs")]
    Start {
        /// Directory username of the reviewer.
        #[arg(long, value_name = "USER")]
        by: String,
    },
    /// Record the review's verdict on one exception.
    #[command(
        after_help = "Example:\n  schooltech filter review item 3 keep --note \"still used by geography\" --by j.bloggs"
    )]
    Item {
        /// The exception's number.
        id: String,
        /// keep, revoke or shorten.
        #[arg(value_enum)]
        action: ReviewArg,
        /// The new last day (shorten).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// What was found.
        #[arg(long)]
        note: String,
        /// Directory username (default: who started the review).
        #[arg(long, value_name = "USER")]
        by: Option<String>,
    },
    /// What the open review has done and has left.
    #[command(after_help = "Example:\n  schooltech filter review status")]
    Status,
    /// Close the open review, with the checks made.
    #[command(
        after_help = "Example:\n  schooltech filter review close --note \"termly review done\" --by j.bloggs"
    )]
    Close {
        /// What was checked, e.g. "a sample of blocked categories tested from a pupil login".
        #[arg(long, default_value = "")]
        checks: String,
        /// A general note.
        #[arg(long, default_value = "")]
        note: String,
        /// Directory username (default: who started the review).
        #[arg(long, value_name = "USER")]
        by: Option<String>,
    },
    /// The report for governors: last and next review, exceptions in force, requests since.
    #[command(
        after_help = "Example:\n  schooltech filter review report --format markdown > review.md"
    )]
    Report {
        /// text, markdown or json.
        #[arg(long, value_enum, default_value_t = ReportArg::Text)]
        format: ReportArg,
    },
}

/// approve / reject
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VerdictArg {
    /// Agree.
    Approve,
    /// Turn down.
    Reject,
}

/// unblock / block
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum KindArg {
    /// An exception to the filter.
    Unblock,
    /// An addition to it.
    Block,
}

impl KindArg {
    fn kind(self) -> Kind {
        match self {
            KindArg::Unblock => Kind::Unblock,
            KindArg::Block => Kind::Block,
        }
    }
}

/// Statuses.
#[derive(Debug, Clone, Copy, ValueEnum)]
#[allow(missing_docs)]
pub enum StatusArg {
    Pending,
    Agreed,
    Applied,
    Expired,
    Revoked,
    Rejected,
}

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportArg {
    /// One domain per line (squidGuard domainlist, e2guardian exceptionsitelist): whole-site
    /// exceptions only (page exceptions go in urls).
    Domains,
    /// One host/path per line (squidGuard urllist): page exceptions only.
    Urls,
    /// CSV with full detail.
    Csv,
    /// JSON with full detail.
    Json,
}

/// Review verdicts.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReviewArg {
    /// Still needed.
    Keep,
    /// No longer needed.
    Revoke,
    /// Needed for less long (with --until).
    Shorten,
}

/// Report formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportArg {
    /// Plain text (`text` is the same).
    #[value(name = "table", alias = "text")]
    Text,
    /// Markdown.
    Markdown,
    /// JSON.
    Json,
}

fn id_arg(s: &str) -> Result<i64> {
    s.trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Error::Usage(format!(
                "\"{s}\" is not a request number; see `schooltech filter list` (e.g. 12)"
            ))
        })
}

fn date_arg(s: &Option<String>) -> Result<Option<NaiveDate>> {
    s.as_deref()
        .map(parse_date)
        .transpose()
        .map_err(Error::Usage)
}

/// Plans `c`; on `--dry-run` prints the plan (the lines the Filtering tab's confirmation
/// shows) and gives the exit code (1: it would be refused); else applies it.
async fn planned(ctx: &Ctx, c: Change, now: DateTime<Utc>) -> Result<Result<Outcome, ExitCode>> {
    let p = change::plan(ctx, &c, now).await?;
    if ctx.dry_run {
        with_stdout(|w| {
            wln!(w, "dry run: nothing is changed")?;
            for (text, _) in p.lines() {
                wln!(w, "{text}")?;
            }
            if p.is_refused() {
                wln!(w, "it would be refused")
            } else {
                wln!(w, "run it again without --dry-run to record it")
            }
        })?;
        return Ok(Err(i32::from(p.is_refused())));
    }
    let out = change::apply(ctx, &p, now).await?;
    for s in &out.settled {
        errln!("{}", crate::ops::settle::describe(s));
    }
    Ok(Ok(out))
}

/// Runs a filter command.
pub async fn run(ctx: &Ctx, cmd: &FilterCmd) -> Result<ExitCode> {
    let now = ctx.now();
    match cmd {
        FilterCmd::Request(a) => {
            let input = RequestInput {
                by: a.by.clone(),
                site: a.site.clone(),
                reason: a.reason.clone(),
                scope: a.scope.clone(),
                until: date_arg(&a.until)?,
                kind: a.kind.kind(),
                allow_ip: a.allow_ip,
                page: a.page,
                whole_site: a.whole_site,
            };
            let out = match planned(ctx, Change::Request(input), now).await? {
                Ok(out) => out,
                Err(code) => return Ok(code),
            };
            match &out.done {
                Done::Requested(RequestOutcome::Recorded { entry, notes }) => {
                    outln!("{}", out.summary());
                    outln!(
                        "  host {} (registrable domain {}){}",
                        entry.host,
                        entry.registrable_domain,
                        if entry.subdomains {
                            ", with its subdomains"
                        } else {
                            ""
                        }
                    );
                    for n in notes {
                        outln!("  note: {n}");
                    }
                }
                Done::Requested(RequestOutcome::Duplicate { existing }) => {
                    outln!(
                        "{} (see `schooltech filter show {}`)",
                        out.summary(),
                        existing.id
                    );
                }
                _ => outln!("{}", out.summary()),
            }
            Ok(0)
        }
        FilterCmd::Decide {
            id,
            role,
            by,
            verdict,
            comment,
        } => {
            let v = match verdict {
                VerdictArg::Approve => Verdict::Approve,
                VerdictArg::Reject => Verdict::Reject,
            };
            let c = Change::Decide {
                id: id_arg(id)?,
                role: role.clone(),
                by: by.clone(),
                verdict: v,
                comment: comment.clone(),
            };
            let out = match planned(ctx, c, now).await? {
                Ok(out) => out,
                Err(code) => return Ok(code),
            };
            outln!("{}", out.summary());
            if let Some(e) = out.entry().filter(|e| e.status == Status::Agreed) {
                outln!(
                    "  agreed: make the change in the filter, then run `schooltech filter apply {} --by USER --ref REF`",
                    e.id
                );
            }
            Ok(0)
        }
        FilterCmd::Apply { id, by, reference } => {
            let c = Change::Apply {
                id: id_arg(id)?,
                by: by.clone(),
                reference: reference.clone(),
            };
            match planned(ctx, c, now).await? {
                Ok(out) => outln!("{}", out.summary()),
                Err(code) => return Ok(code),
            }
            Ok(0)
        }
        FilterCmd::Revoke { id, by, reason } => {
            let c = Change::Revoke {
                id: id_arg(id)?,
                by: by.clone(),
                reason: reason.clone(),
            };
            let out = match planned(ctx, c, now).await? {
                Ok(out) => out,
                Err(code) => return Ok(code),
            };
            outln!("{}", out.summary());
            if let Some(e) = out.entry().filter(|e| e.in_filter) {
                outln!(
                    "  it is still in the filter: take it out, then run `schooltech filter apply {} --by USER`",
                    e.id
                );
            }
            Ok(0)
        }
        FilterCmd::List {
            status,
            due,
            format,
        } => {
            let q = ListQuery {
                status: status.map(|s| match s {
                    StatusArg::Pending => Status::Pending,
                    StatusArg::Agreed => Status::Agreed,
                    StatusArg::Applied => Status::Applied,
                    StatusArg::Expired => Status::Expired,
                    StatusArg::Revoked => Status::Revoked,
                    StatusArg::Rejected => Status::Rejected,
                }),
                due: *due,
            };
            let rows = ops::list(ctx, &q, now)?;
            print_list(&rows, *format)?;
            Ok(i32::from(*due && !rows.is_empty()))
        }
        FilterCmd::Show { id, format } => {
            let h = ops::show(ctx, id_arg(id)?, now)?;
            with_stdout(|w| match Format::from(*format) {
                Format::Json => write_json(w, &h),
                _ => {
                    let e = &h.entry;
                    wln!(w, "{}", say(e))?;
                    wln!(w, "  site as typed      {}", e.site)?;
                    wln!(w, "  host               {}", e.host)?;
                    wln!(w, "  registrable domain {}", e.registrable_domain)?;
                    wln!(w, "  reason             {}", e.reason)?;
                    wln!(w, "  until              {}", until_word(e))?;
                    wln!(w, "History:")?;
                    wln!(
                        w,
                        "  {}  {}  requested ({})",
                        fmt_at(e.requested_at),
                        e.requested_by,
                        e.scope
                    )?;
                    for ev in &h.events {
                        let review = ev
                            .review_id
                            .map(|r| format!(" [review #{r}]"))
                            .unwrap_or_default();
                        wln!(
                            w,
                            "  {}  {}  {}{review}",
                            fmt_at(ev.at),
                            ev.by,
                            event_words(&ev.kind)
                        )?;
                    }
                    Ok(())
                }
            })?;
            Ok(0)
        }
        FilterCmd::Export {
            format,
            scope,
            kind,
            out,
        } => {
            let file = super::output::OutFile::start(out.as_deref());
            let scope = if scope.trim().eq_ignore_ascii_case("all") {
                None
            } else {
                Some(Scope::parse(scope).map_err(Error::Usage)?)
            };
            let q = ExportQuery {
                kind: kind.kind(),
                scope,
            };
            let f = match format {
                ExportArg::Domains => ExportFormat::Domains,
                ExportArg::Urls => ExportFormat::Urls,
                ExportArg::Csv => ExportFormat::Csv,
                ExportArg::Json => ExportFormat::Json,
            };
            let text = ops::export(ctx, f, &q, now)?;
            with_stdout(|w| w.write_all(text.as_bytes()))?;
            file.commit()?;
            Ok(0)
        }
        FilterCmd::Review(r) => review(ctx, r, now).await,
    }
}

fn fmt_at(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn print_list(rows: &[Entry], format: Format) -> Result<()> {
    with_stdout(|w| match format {
        Format::Json => write_json(w, &rows),
        Format::Csv => {
            super::output::write_csv(w, &rows.iter().map(CsvRow::from).collect::<Vec<_>>())
        }
        Format::Table => {
            let t: Vec<Vec<String>> = rows
                .iter()
                .map(|e| {
                    vec![
                        e.id.to_string(),
                        e.kind.as_str().into(),
                        target_word(e),
                        e.scope.to_string(),
                        status_word(e),
                        until_word(e),
                        e.requested_by.clone(),
                        e.reason.clone(),
                    ]
                })
                .collect();
            write_table(
                w,
                &[
                    "ID", "KIND", "SITE", "SCOPE", "STATUS", "UNTIL", "ASKED BY", "REASON",
                ],
                &t,
            )?;
            wln!(w, "{} requests", rows.len())
        }
    })
}

async fn review(ctx: &Ctx, cmd: &ReviewCmd, now: DateTime<Utc>) -> Result<ExitCode> {
    match cmd {
        ReviewCmd::Start { by } => {
            let c = Change::ReviewStart { by: by.clone() };
            let out = match planned(ctx, c, now).await? {
                Ok(out) => out,
                Err(code) => return Ok(code),
            };
            outln!("{}", out.summary());
            if let Done::ReviewStarted(st) = &out.done {
                for e in &st.remaining {
                    outln!("  {}  ({})", say(e), e.reason);
                }
            }
            outln!("record each with `schooltech filter review item ID keep|revoke|shorten --note TEXT`, then `filter review close --checks TEXT`");
            Ok(0)
        }
        ReviewCmd::Item {
            id,
            action,
            until,
            note,
            by,
        } => {
            let a = match action {
                ReviewArg::Keep => ReviewAction::Keep,
                ReviewArg::Revoke => ReviewAction::Revoke,
                ReviewArg::Shorten => ReviewAction::Shorten,
            };
            let c = Change::ReviewItem {
                id: id_arg(id)?,
                action: a,
                until: date_arg(until)?,
                note: note.clone(),
                by: by.clone(),
            };
            match planned(ctx, c, now).await? {
                Ok(out) => outln!("{}", out.summary()),
                Err(code) => return Ok(code),
            }
            Ok(0)
        }
        ReviewCmd::Status => {
            match ops::review_status(ctx, now)? {
                None => outln!("no review is open"),
                Some(st) => {
                    outln!(
                        "review #{} started {} by {}: {} done, {} left",
                        st.review.id,
                        fmt_at(st.review.started_at),
                        st.review.started_by,
                        st.done.len(),
                        st.remaining.len()
                    );
                    for e in &st.remaining {
                        outln!("  to do: {}", say(e));
                    }
                }
            }
            Ok(0)
        }
        ReviewCmd::Close { checks, note, by } => {
            let c = Change::ReviewClose {
                checks: checks.clone(),
                note: note.clone(),
                by: by.clone(),
            };
            match planned(ctx, c, now).await? {
                Ok(out) => outln!("{}", out.summary()),
                Err(code) => return Ok(code),
            }
            Ok(0)
        }
        ReviewCmd::Report { format } => {
            let rep = ops::review_report(ctx, now)?;
            with_stdout(|w| match format {
                ReportArg::Json => write_json(w, &rep),
                ReportArg::Text => w.write_all(render_text(&rep).as_bytes()),
                ReportArg::Markdown => w.write_all(render_markdown(&rep).as_bytes()),
            })?;
            Ok(0)
        }
    }
}
