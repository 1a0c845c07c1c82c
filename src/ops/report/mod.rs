//! The termly compliance report: one document for governors and inspectors, made from what
//! every other part of schooltech records. Each section has a traffic light (green, amber, red,
//! or no-data when its feature holds nothing), figures that each name the command (and the TUI
//! place) that shows their detail, evidence lists and charts as plain data. The faces render it:
//! `schooltech report termly` (text, markdown, HTML, JSON) and the TUI's Report tab.
//!
//! Every figure is taken from the same `ops` function as the command it names (`passwords
//! report`, `leavers scan`, `aup status`, `inventory audit report`, `filter review report`,
//! `log verify`, …), judged at `ctx.now()` (so `--as-of` works as elsewhere); nothing here reads
//! the clock.
//!
//! The traffic-light rules, section by section (also in the README):
//! - **accounts**: no-data when the directory holds no accounts. Red when the directory's
//!   password policy is weaker than the school's rules (minimum length or complexity), or a
//!   privileged (protected) account's password is expired or never set, or an enabled privileged
//!   account's password never expires. Amber when any other password is expired, any enabled
//!   account's password never expires, or the policy differs in its ages only. Else green.
//! - **leavers**: no-data when the directory holds no accounts. Red when any zombie account needs
//!   an action (what makes `leavers scan` exit 1), a shared login is still known by a leaver
//!   (`leaver-knows`), or staff who left still have equipment on loan. Amber when a sweep run in
//!   the period is unfinished. Else green.
//! - **acceptable-use**: no-data when no agreement is configured or nobody needs one. Red when
//!   more than 10% of the enabled accounts that need an agreement have not signed the current
//!   one (missing or outdated); amber when any has not; else green.
//! - **inventory**: no-data when no asset is registered. Red when a portable data-bearing device
//!   in use is not known to be encrypted, or a licence is over-allocated. Amber when there was
//!   no audit round, the latest round is still open or did not see everything it expected, a
//!   licence expires within 60 days, or a disposal batch in the period lacks paperwork. Else
//!   green.
//! - **filtering**: no-data when no request was ever made and no review was ever done. Red when
//!   the review is overdue (or there never was one). Amber when requests wait for a decision or
//!   an exception that ended is still in the filter. Else green.
//! - **log**: no-data when the action log holds no entry. Red when `log verify` finds the chain
//!   broken. Else green.
//!
//! The report as a whole takes the worst light of its sections (no-data counts as nothing);
//! `schooltech report termly` exits 1 when any section is red.

mod acceptable;
mod accounts;
pub use accounts::is_privileged;
pub mod demo;
mod filtering;
mod inventory;
mod leavers;
mod log;
pub mod roll;

use super::Ctx;
use crate::config::TermConfig;
use crate::domain::time::LondonDate;
use crate::domain::time::{end_of_day, start_of_day, uk_date};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

/// A section's traffic light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The feature holds nothing to judge.
    NoData,
    /// Nothing needs doing.
    Green,
    /// Something should be looked at.
    Amber,
    /// Something needs doing now.
    Red,
}

impl Status {
    /// `green`, `amber`, `red`, `no-data`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Amber => "amber",
            Status::Red => "red",
            Status::NoData => "no-data",
        }
    }

    /// The word people read: `GREEN`, `AMBER`, `RED`, `NO DATA`.
    pub fn word(self) -> &'static str {
        match self {
            Status::Green => "GREEN",
            Status::Amber => "AMBER",
            Status::Red => "RED",
            Status::NoData => "NO DATA",
        }
    }

    /// A symbol, so the light never depends on colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Green => "✓",
            Status::Amber => "!",
            Status::Red => "✗",
            Status::NoData => "–",
        }
    }
}

/// Which view of the program holds a figure's detail (a fact: each face words it, the
/// full-screen program with its own key for it, the report files in theirs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// The accounts.
    Accounts,
    /// Password compliance.
    Passwords,
    /// The action log.
    Log,
    /// Leavers.
    Leavers,
    /// The inventory.
    Inventory,
    /// Web filtering.
    Filtering,
}

/// One figure: what it counts, its value, and where its detail is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// Its stable key (`passwords.expired`, `leavers.zombies`, `acceptable-use.unsigned.pupil`):
    /// what the TUI's drill-down asks the tab that shows it to filter to.
    pub key: String,
    /// What it is ("Zombie accounts now").
    pub label: String,
    /// Its value as shown ("41: 14 never-used, 3 left").
    pub value: String,
    /// The command that shows the detail (`schooltech leavers scan`).
    pub command: String,
    /// The view that shows its detail.
    pub tui: Place,
    /// This figure's own light, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// How many rows the list behind it holds, when it counts a list its view shows (the
    /// view's drill-down filtered to `key` shows exactly these); None for a figure with no
    /// list behind it (a date, a policy, a mix of counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// The rows behind it, one line each, when no view filters to exactly them: the report
    /// itself lists them (the TUI's Report tab opens them in a panel). Always `count` rows:
    /// both are set by [`Figure::listing`] from the one list the section made.
    #[serde(skip)]
    pub rows: Option<Vec<String>>,
}

impl Figure {
    /// The same figure counting a list of `n` rows.
    pub fn counting(mut self, n: usize) -> Figure {
        self.count = Some(n);
        self
    }

    /// The same figure counting and listing `rows` (the list the report holds for it).
    pub fn listing(mut self, rows: Vec<String>) -> Figure {
        self.count = Some(rows.len());
        self.rows = Some(rows);
        self
    }
}

/// The keys of the figures that are not counts (a policy, a date, a chain check, an anchor, a
/// mix of counts): the only figures without a list behind them. Every other figure has a
/// count and a list (a view's drill-down filter, or its own [`Figure::rows`]).
/// (`log.outside-changes` is not a count only while the mirror does not track changes yet.)
pub const NOT_COUNTS: &[&str] = &[
    "passwords.policy",
    "inventory.audit",
    "filtering.requests",
    "filtering.last-review",
    "filtering.next-review",
    "log.chain",
    "log.anchor",
];

/// A list of evidence behind the figures (the rows a governor may ask about).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Its heading.
    pub title: String,
    /// One line each.
    pub items: Vec<String>,
    /// How many there were in all when `items` is cut short.
    pub total: usize,
}

/// A stacked bar chart as data: one bar per label, one value per series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// Its title.
    pub title: String,
    /// The series (legend), in stacking order.
    pub series: Vec<String>,
    /// The bars.
    pub bars: Vec<Bar>,
}

/// One bar of a chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// Its label (a role, a room).
    pub label: String,
    /// One value per series.
    pub values: Vec<usize>,
}

impl Bar {
    /// The sum of its values.
    pub fn total(&self) -> usize {
        self.values.iter().sum()
    }
}

/// One section of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Its stable key: `accounts`, `leavers`, `acceptable-use`, `inventory`, `filtering`, `log`.
    pub name: &'static str,
    /// Its heading ("Accounts and passwords").
    pub title: &'static str,
    /// Its light.
    pub status: Status,
    /// Why it has that light, in one sentence.
    pub summary: String,
    /// The rule its light follows.
    pub rule: &'static str,
    /// Its figures.
    pub figures: Vec<Figure>,
    /// The lists behind them.
    pub evidence: Vec<Evidence>,
    /// Its charts.
    pub charts: Vec<Chart>,
    /// The view that shows its detail.
    pub tui: Place,
}

/// The period a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The term's name, when it is one of `[report] terms`.
    pub term: Option<String>,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl Period {
    /// The first moment of the period.
    pub fn start(&self) -> DateTime<Utc> {
        start_of_day(self.from)
    }

    /// The last moment of the period.
    pub fn end(&self) -> DateTime<Utc> {
        end_of_day(self.to)
    }

    /// True when `t` falls within it.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start() && t <= self.end()
    }

    /// True when the day falls within it.
    pub fn contains_day(&self, d: NaiveDate) -> bool {
        d >= self.from && d <= self.to
    }

    /// "Autumn 2026 (2 Sep 2026 to 18 Dec 2026)" or "2 Sep 2026 to 18 Dec 2026".
    pub fn describe(&self) -> String {
        let days = format!(
            "{} to {}",
            uk_date(self.start()),
            uk_date(end_of_day(self.to))
        );
        match &self.term {
            Some(t) => format!("{t} ({days})"),
            None => days,
        }
    }
}

/// What the command line asked for.
#[derive(Debug, Clone, Default)]
pub struct PeriodRequest {
    /// `--term NAME`.
    pub term: Option<String>,
    /// `--from DATE`.
    pub from: Option<NaiveDate>,
    /// `--to DATE`.
    pub to: Option<NaiveDate>,
}

/// How long a period is when no term is configured: the 120 days up to today.
pub const DEFAULT_DAYS: i64 = 120;

/// Resolves the period: `--term` (one of `[report] terms`), or `--from`/`--to`, or by default
/// the configured term that contains `today`, else the latest term that started before it,
/// else the [`DEFAULT_DAYS`] up to `today`.
pub fn resolve_period(
    terms: &[TermConfig],
    req: &PeriodRequest,
    today: NaiveDate,
) -> Result<Period> {
    if let Some(name) = &req.term {
        if req.from.is_some() || req.to.is_some() {
            return Err(Error::Usage(
                "give either --term or --from/--to, not both".into(),
            ));
        }
        let t = terms
            .iter()
            .find(|t| t.name.trim().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = terms.iter().map(|t| t.name.as_str()).collect();
                Error::Usage(if names.is_empty() {
                    format!(
                        "no term \"{name}\": the configuration has no [report] terms; add them \
                         (see config/schooltech.example.toml) or give --from DATE --to DATE"
                    )
                } else {
                    format!(
                        "no term \"{name}\" in [report] terms; use one of: {}",
                        names.join(", ")
                    )
                })
            })?;
        return Ok(Period {
            term: Some(t.name.clone()),
            from: t.from,
            to: t.to,
        });
    }
    match (req.from, req.to) {
        (Some(from), Some(to)) => {
            if from > to {
                return Err(Error::Usage(format!(
                    "--from {from} is after --to {to}: give the first day first"
                )));
            }
            let term = terms
                .iter()
                .find(|t| t.from == from && t.to == to)
                .map(|t| t.name.clone());
            Ok(Period { term, from, to })
        }
        (Some(_), None) | (None, Some(_)) => Err(Error::Usage(
            "give both --from DATE and --to DATE (or --term NAME)".into(),
        )),
        (None, None) => {
            let current = terms
                .iter()
                .find(|t| t.from <= today && today <= t.to)
                .or_else(|| {
                    terms
                        .iter()
                        .filter(|t| t.from <= today)
                        .max_by_key(|t| t.from)
                });
            Ok(match current {
                Some(t) => Period {
                    term: Some(t.name.clone()),
                    from: t.from,
                    to: t.to,
                },
                None => Period {
                    term: None,
                    from: today - Duration::days(DEFAULT_DAYS - 1),
                    to: today,
                },
            })
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The school's name.
    pub school: String,
    /// The term's name, when the period is one.
    pub term: Option<String>,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// The moment it was judged at (`--as-of` end of day, or now).
    pub generated_at: DateTime<Utc>,
    /// The action log's head as `N:HASH` when the report was made.
    pub log_anchor: String,
    /// The worst light of the sections.
    pub overall: Status,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// Joiners, movers, leavers and returners of the period from the MIS roll's sync runs,
    /// with the runs behind them (also figures of the Leavers section).
    pub roll: roll::RollChanges,
}

impl Report {
    /// The period it covers.
    pub fn period(&self) -> Period {
        Period {
            term: self.term.clone(),
            from: self.from,
            to: self.to,
        }
    }

    /// The section with this key.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The exit code of `report termly`: 1 when any section is red.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.sections.iter().any(|s| s.status == Status::Red))
    }
}

/// The worst light of a list (no-data when all are no-data).
pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
    statuses.into_iter().max().unwrap_or(Status::NoData)
}

/// A figure with its stable key (helper for the sections).
pub(crate) fn figure(
    key: impl Into<String>,
    label: impl Into<String>,
    value: impl Into<String>,
    command: impl Into<String>,
    tui: Place,
) -> Figure {
    Figure {
        key: key.into(),
        label: label.into(),
        value: value.into(),
        command: command.into(),
        tui,
        status: None,
        count: None,
        rows: None,
    }
}

/// How many evidence lines a list keeps (the command shows them all).
pub const EVIDENCE_LIMIT: usize = 12;

/// An evidence list, cut at [`EVIDENCE_LIMIT`] lines.
pub(crate) fn evidence(title: impl Into<String>, items: Vec<String>) -> Evidence {
    let total = items.len();
    Evidence {
        title: title.into(),
        items: items.into_iter().take(EVIDENCE_LIMIT).collect(),
        total,
    }
}

/// "3 (2 left, 1 expired)" from counted parts, leaving out zeros.
pub(crate) fn counted(total: usize, parts: &[(String, usize)]) -> String {
    let shown: Vec<String> = parts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    if shown.is_empty() || total == 0 {
        total.to_string()
    } else {
        format!("{total} ({})", shown.join(", "))
    }
}

/// Builds the report for `period` at `ctx.now()`.
pub async fn termly(ctx: &Ctx, period: &Period) -> Result<Report> {
    if ctx.is_demo() {
        demo::seed(ctx).await?;
    }
    let now = ctx.now();
    let roll = roll::changes(&ctx.store()?, period)?;
    let sections = vec![
        accounts::section(ctx, now).await?,
        leavers::section(ctx, period, &roll).await?,
        acceptable::section(ctx).await?,
        inventory::section(ctx, period)?,
        filtering::section(ctx, period, now)?,
        log::section(ctx, period)?,
    ];
    let store = ctx.store()?;
    let log_anchor = super::log::anchor(&store)?;
    Ok(Report {
        school: ctx.config.school.name.clone(),
        term: period.term.clone(),
        from: period.from,
        to: period.to,
        generated_at: now,
        log_anchor,
        overall: worst(sections.iter().map(|s| s.status)),
        sections,
        roll,
    })
}

/// The term of `terms` whose last day is `today`, if any: the daily report timer's question
/// (`report termly --if-term-end`), so the timer never repeats the term dates.
pub fn term_ending_on(terms: &[TermConfig], today: NaiveDate) -> Option<&TermConfig> {
    terms.iter().find(|t| t.to == today)
}

/// The term ending on the context's day (London), if any.
pub fn term_ending_today(ctx: &Ctx) -> Option<&TermConfig> {
    term_ending_on(&ctx.config.report.terms, ctx.now().london_date())
}

/// The report for what the command line (or the TUI) asked: the period resolved from
/// `[report] terms` at `ctx.now()`.
pub async fn termly_for(ctx: &Ctx, req: &PeriodRequest) -> Result<Report> {
    let today = ctx.now().london_date();
    let period = resolve_period(&ctx.config.report.terms, req, today)?;
    if period.from > today {
        return Err(Error::Usage(format!(
            "{} has not started on {}: a report judges what happened, so give a period that has \
             begun (or --as-of a day inside it)",
            period.describe(),
            uk_date(ctx.now())
        )));
    }
    termly(ctx, &period).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn the_timer_asks_whether_today_ends_a_term() {
        let t = terms();
        assert_eq!(
            term_ending_on(&t, d(2026, 7, 22)).map(|t| t.name.as_str()),
            Some("Summer 2026")
        );
        assert!(term_ending_on(&t, d(2026, 7, 21)).is_none());
        assert!(term_ending_on(&t, d(2026, 7, 23)).is_none());
        assert!(term_ending_on(&[], d(2026, 7, 22)).is_none());
    }

    fn terms() -> Vec<TermConfig> {
        vec![
            TermConfig {
                name: "Summer 2026".into(),
                from: d(2026, 4, 13),
                to: d(2026, 7, 22),
            },
            TermConfig {
                name: "Autumn 2026".into(),
                from: d(2026, 9, 2),
                to: d(2026, 12, 18),
            },
        ]
    }

    #[test]
    fn the_period_comes_from_the_terms() {
        let r = |req: PeriodRequest, today| resolve_period(&terms(), &req, today);
        let p = r(PeriodRequest::default(), d(2026, 12, 1)).unwrap();
        assert_eq!(p.term.as_deref(), Some("Autumn 2026"));
        // In the summer holiday: the term that ended.
        let p = r(PeriodRequest::default(), d(2026, 8, 10)).unwrap();
        assert_eq!(p.term.as_deref(), Some("Summer 2026"));
        let p = r(
            PeriodRequest {
                term: Some("summer 2026".into()),
                ..Default::default()
            },
            d(2026, 12, 1),
        )
        .unwrap();
        assert_eq!((p.from, p.to), (d(2026, 4, 13), d(2026, 7, 22)));
        let e = r(
            PeriodRequest {
                term: Some("Spring 2030".into()),
                ..Default::default()
            },
            d(2026, 12, 1),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("Summer 2026, Autumn 2026"), "{e}");
        let e = r(
            PeriodRequest {
                from: Some(d(2026, 12, 1)),
                to: Some(d(2026, 11, 1)),
                ..Default::default()
            },
            d(2026, 12, 1),
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = r(
            PeriodRequest {
                from: Some(d(2026, 12, 1)),
                ..Default::default()
            },
            d(2026, 12, 1),
        )
        .unwrap_err();
        assert!(e.to_string().contains("both"));
        let p = resolve_period(&[], &PeriodRequest::default(), d(2026, 12, 1)).unwrap();
        assert_eq!(
            (p.term, p.from, p.to),
            (None, d(2026, 8, 4), d(2026, 12, 1))
        );
    }

    #[test]
    fn the_worst_light_wins_and_no_data_counts_for_nothing() {
        assert_eq!(worst([Status::NoData, Status::Green]), Status::Green);
        assert_eq!(worst([Status::Amber, Status::NoData]), Status::Amber);
        assert_eq!(worst([Status::Amber, Status::Red]), Status::Red);
        assert_eq!(worst([]), Status::NoData);
        assert_eq!(
            counted(3, &[("left".into(), 2), ("x".into(), 0)]),
            "3 (2 left)"
        );
    }
}
