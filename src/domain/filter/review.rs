//! Reviews of the exceptions in force, and the report for governors: when the last review was,
//! when the next is due, what is allowed and why, and what came in since.

use super::model::{Event, EventKind, Kind, Scope, Verdict};
use super::state::{Entry, Status};
use crate::domain::time::LondonDate;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::fmt::Write as _;

/// How often the exceptions must be reviewed, in days: `termly` (the default), `half-termly`,
/// `monthly`, `twice-yearly`, `annually`/`yearly`, or `N days`; never more than a year (the DfE
/// filtering standards ask for at least once a year).
pub fn interval_days(s: &str) -> Result<u32, String> {
    let t = s.trim().to_ascii_lowercase();
    let days = match t.as_str() {
        "monthly" => 31,
        "half-termly" => 61,
        "termly" => 122,
        "twice-yearly" => 183,
        "annually" | "yearly" => 365,
        other => {
            let n = other
                .trim_end_matches("days")
                .trim_end_matches("day")
                .trim_end_matches('d')
                .trim();
            n.parse::<u32>().map_err(|_| {
                format!("review_interval = \"{s}\" is not understood: use termly, half-termly, monthly, twice-yearly, annually or \"N days\"")
            })?
        }
    };
    if days == 0 || days > 365 {
        return Err(format!(
            "review_interval = \"{s}\" is {days} days: it must be between 1 and 365 (review at least once a year)"
        ));
    }
    Ok(days)
}

/// A review as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// Its number.
    pub id: i64,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Who ran it.
    pub started_by: String,
    /// The exceptions in force when it started.
    pub items: Vec<i64>,
    /// Set once closed (nothing can be added then).
    pub closed: Option<ReviewClose>,
}

/// The close of a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewClose {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: String,
    /// What was checked (e.g. a sample of blocked categories tested).
    pub checks: String,
    /// A general note.
    pub note: String,
}

/// One action a review took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    /// The exception.
    pub id: i64,
    /// Its target.
    pub target: String,
    /// keep, revoke or shorten.
    pub action: &'static str,
    /// The new last day, for shorten.
    pub until: Option<NaiveDate>,
    /// The reviewer's note.
    pub note: String,
    /// Who.
    pub by: String,
}

/// What a review did, item by item.
pub fn items_of(review_id: i64, events: &[Event], entries: &[Entry]) -> Vec<ReviewItem> {
    let mut out: Vec<ReviewItem> = events
        .iter()
        .filter(|e| e.review_id == Some(review_id))
        .filter_map(|e| {
            let (action, until, note) = match &e.kind {
                EventKind::Kept { note } => ("keep", None, note.clone()),
                EventKind::Revoked { reason } => ("revoke", None, reason.clone()),
                EventKind::UntilChanged { until, note } => ("shorten", Some(*until), note.clone()),
                _ => return None,
            };
            Some(ReviewItem {
                id: e.request_id,
                target: entries
                    .iter()
                    .find(|x| x.id == e.request_id)
                    .map(Entry::target)
                    .unwrap_or_default(),
                action,
                until,
                note,
                by: e.by.clone(),
            })
        })
        .collect();
    out.sort_by_key(|i| i.id);
    out
}

/// The exceptions of an open review not yet looked at (and still in force).
pub fn unreviewed(review: &Review, events: &[Event], entries: &[Entry]) -> Vec<i64> {
    review
        .items
        .iter()
        .copied()
        .filter(|id| {
            !events
                .iter()
                .any(|e| e.review_id == Some(review.id) && e.request_id == *id)
        })
        .filter(|id| entries.iter().any(|e| e.id == *id && e.status.is_active()))
        .collect()
}

/// The last review, summed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastReview {
    /// Its number.
    pub id: i64,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Closed.
    pub closed_at: DateTime<Utc>,
    /// Who.
    pub by: String,
    /// What was checked.
    pub checks: String,
    /// General note.
    pub note: String,
    /// What it did.
    pub actions: Vec<ReviewItem>,
}

/// One exception in force, for governors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActiveRow {
    /// Its number.
    pub id: i64,
    /// unblock/block.
    pub kind: Kind,
    /// What.
    pub target: String,
    /// Who for.
    pub scope: Scope,
    /// Why.
    pub reason: String,
    /// Who asked.
    pub requested_by: String,
    /// "user (Title)" for each approval.
    pub approvers: Vec<String>,
    /// Last day, None for permanent.
    pub until: Option<NaiveDate>,
    /// Days left.
    pub days_left: Option<i64>,
    /// In the filter (applied) or only agreed.
    pub status: Status,
}

/// Requests since the last review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct SinceCounts {
    /// Received.
    pub received: usize,
    /// Agreed (every role approved).
    pub agreed: usize,
    /// Rejected.
    pub rejected: usize,
}

/// The governors' report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewReport {
    /// The school.
    pub school: String,
    /// The day it is for.
    pub date: NaiveDate,
    /// The last closed review.
    pub last_review: Option<LastReview>,
    /// When the next is due.
    pub next_due: NaiveDate,
    /// True when it is past due (or there never was one).
    pub overdue: bool,
    /// The interval in days.
    pub interval_days: u32,
    /// A review under way, if any.
    pub open_review: Option<i64>,
    /// Exceptions in force.
    pub active: Vec<ActiveRow>,
    /// Since the last review (or ever).
    pub since: SinceCounts,
    /// Expired or revoked but still in the filter.
    pub due_for_removal: Vec<i64>,
}

/// Builds the report.
pub fn report(
    school: &str,
    reviews: &[Review],
    entries: &[Entry],
    events: &[Event],
    today: NaiveDate,
    interval: u32,
) -> ReviewReport {
    let last = reviews
        .iter()
        .filter_map(|r| r.closed.as_ref().map(|c| (r, c)))
        .max_by_key(|(r, c)| (c.at, r.id))
        .map(|(r, c)| LastReview {
            id: r.id,
            started_at: r.started_at,
            closed_at: c.at,
            by: c.by.clone(),
            checks: c.checks.clone(),
            note: c.note.clone(),
            actions: items_of(r.id, events, entries),
        });
    let next_due = last
        .as_ref()
        .map(|l| l.closed_at.london_date() + Duration::days(i64::from(interval)))
        .unwrap_or(today);
    let cutoff = last.as_ref().map(|l| l.closed_at);
    let after = |t: DateTime<Utc>| cutoff.is_none_or(|c| t > c);
    let mut since = SinceCounts::default();
    for e in entries {
        if after(e.requested_at) {
            since.received += 1;
        }
        if let Some(d) = e.decisions.iter().find(|d| d.verdict == Verdict::Reject) {
            if after(d.at) {
                since.rejected += 1;
            }
        } else if e.agreed_at.is_some_and(after) {
            since.agreed += 1;
        }
    }
    let active = entries
        .iter()
        .filter(|e| e.status.is_active())
        .map(|e| ActiveRow {
            id: e.id,
            kind: e.kind,
            target: e.target(),
            scope: e.scope.clone(),
            reason: e.reason.clone(),
            requested_by: e.requested_by.clone(),
            approvers: e
                .decisions
                .iter()
                .map(|d| format!("{} ({})", d.by, d.title))
                .collect(),
            until: e.until,
            days_left: e.days_left,
            status: e.status,
        })
        .collect();
    ReviewReport {
        school: school.to_string(),
        date: today,
        overdue: last.is_none() || next_due < today,
        last_review: last,
        next_due,
        interval_days: interval,
        open_review: reviews.iter().find(|r| r.closed.is_none()).map(|r| r.id),
        active,
        since,
        due_for_removal: entries.iter().filter(|e| e.due).map(|e| e.id).collect(),
    }
}

fn left(r: &ActiveRow) -> String {
    match (r.until, r.days_left) {
        (Some(u), Some(d)) => format!("until {u} ({d} days left)"),
        _ => "permanent".into(),
    }
}

/// The report as plain text.
pub fn render_text(r: &ReviewReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}: web-filter exceptions review, {}", r.school, r.date);
    match &r.last_review {
        Some(l) => {
            let _ = writeln!(
                s,
                "Last review: {} by {} (review #{})",
                l.closed_at.london_date(),
                l.by,
                l.id
            );
            if !l.checks.is_empty() {
                let _ = writeln!(s, "  Checks made: {}", l.checks);
            }
            if !l.note.is_empty() {
                let _ = writeln!(s, "  Note: {}", l.note);
            }
            for a in &l.actions {
                let until = a.until.map(|u| format!(" to {u}")).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  #{} {}: {}{} ({})",
                    a.id, a.target, a.action, until, a.note
                );
            }
        }
        None => {
            let _ = writeln!(s, "Last review: none recorded");
        }
    }
    let _ = writeln!(
        s,
        "Next review due: {}{} (every {} days)",
        r.next_due,
        if r.overdue { " (OVERDUE)" } else { "" },
        r.interval_days
    );
    if let Some(id) = r.open_review {
        let _ = writeln!(s, "Review #{id} is under way.");
    }
    let _ = writeln!(
        s,
        "Since the last review: {} requests received, {} agreed, {} rejected",
        r.since.received, r.since.agreed, r.since.rejected
    );
    let _ = writeln!(s, "\nExceptions in force: {}", r.active.len());
    for a in &r.active {
        let _ = writeln!(
            s,
            "  #{} {} {} [{}] {}, {}",
            a.id,
            a.kind.as_str(),
            a.target,
            a.scope,
            left(a),
            a.status.as_str()
        );
        let _ = writeln!(s, "     reason: {} (asked by {})", a.reason, a.requested_by);
        let _ = writeln!(s, "     approved by: {}", a.approvers.join(", "));
    }
    if !r.due_for_removal.is_empty() {
        let ids: Vec<String> = r.due_for_removal.iter().map(|i| format!("#{i}")).collect();
        let _ = writeln!(s, "\nDue for removal from the filter: {}", ids.join(", "));
    }
    s
}

fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown (for the governors' papers).
pub fn render_markdown(r: &ReviewReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {}: web-filter exceptions review\n\nReport date: {}\n",
        md(&r.school),
        r.date
    );
    match &r.last_review {
        Some(l) => {
            let _ = writeln!(
                s,
                "- **Last review:** {} by {} (review #{})",
                l.closed_at.london_date(),
                md(&l.by),
                l.id
            );
            if !l.checks.is_empty() {
                let _ = writeln!(s, "- **Checks made:** {}", md(&l.checks));
            }
            if !l.note.is_empty() {
                let _ = writeln!(s, "- **Note:** {}", md(&l.note));
            }
        }
        None => {
            let _ = writeln!(s, "- **Last review:** none recorded");
        }
    }
    let _ = writeln!(
        s,
        "- **Next review due:** {}{} (every {} days)",
        r.next_due,
        if r.overdue { " — overdue" } else { "" },
        r.interval_days
    );
    let _ = writeln!(
        s,
        "- **Since the last review:** {} requests received, {} agreed, {} rejected",
        r.since.received, r.since.agreed, r.since.rejected
    );
    if !r.due_for_removal.is_empty() {
        let ids: Vec<String> = r.due_for_removal.iter().map(|i| format!("#{i}")).collect();
        let _ = writeln!(
            s,
            "- **Due for removal from the filter** (expired or revoked): {}",
            ids.join(", ")
        );
    }
    s.push('\n');
    if let Some(l) = &r.last_review {
        if !l.actions.is_empty() {
            let _ = writeln!(
                s,
                "## Actions at the last review\n\n| # | Site | Action | Note |\n|---|---|---|---|"
            );
            for a in &l.actions {
                let until = a.until.map(|u| format!(" to {u}")).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "| {} | {} | {}{} | {} |",
                    a.id,
                    md(&a.target),
                    a.action,
                    until,
                    md(&a.note)
                );
            }
            s.push('\n');
        }
    }
    let _ = writeln!(
        s,
        "## Exceptions in force ({})\n\n| # | Kind | Site | Scope | Reason | Approved by | Until |\n|---|---|---|---|---|---|---|",
        r.active.len()
    );
    for a in &r.active {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            a.id,
            a.kind.as_str(),
            md(&a.target),
            a.scope,
            md(&a.reason),
            md(&a.approvers.join(", ")),
            left(a)
        );
    }
    s
}
