//! The lists a web filter imports: a plain domain list (squidGuard `domainlist`, e2guardian
//! `exceptionsitelist`, most commercial filters), a URL list for page exceptions (squidGuard
//! `urllist`), and CSV/JSON with full detail. Only agreed and applied exceptions ever appear.

use super::model::{Kind, Scope};
use super::state::Entry;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;

/// Which exceptions an export holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportQuery {
    /// Unblock (the pass list) or block (the block list).
    pub kind: Kind,
    /// The filter profile the list is for: exceptions whose scope applies to it (a whole-school
    /// one applies to everyone). None: every scope.
    pub scope: Option<Scope>,
}

/// The entries an export holds: active ones of the kind, for the profile, by id.
pub fn select<'a>(entries: &'a [Entry], q: &ExportQuery) -> Vec<&'a Entry> {
    entries
        .iter()
        .filter(|e| e.status.is_active() && e.kind == q.kind)
        .filter(|e| q.scope.as_ref().is_none_or(|p| e.scope.applies_to(p)))
        .collect()
}

fn header(school: &str, today: NaiveDate, q: &ExportQuery, what: &str, n: usize) -> String {
    let scope = q
        .scope
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "all scopes".into());
    let noun = if n == 1 {
        what.trim_end_matches('s')
    } else {
        what
    };
    format!(
        "# {school}: web-filter {kind} list ({scope})\n# exported {today} by schooltech: {n} {noun}, agreed and applied requests only\n",
        kind = q.kind.as_str(),
    )
}

/// One domain per line, no scheme (`#` lines are comments). Site requests only: page requests
/// go in [`urls`]. A domain list matches subdomains too, so `*.example.com` is written
/// `example.com`.
pub fn domains(entries: &[Entry], q: &ExportQuery, school: &str, today: NaiveDate) -> String {
    let chosen = select(entries, q);
    let pages = chosen.iter().filter(|e| e.path.is_some()).count();
    let lines: BTreeSet<&str> = chosen
        .into_iter()
        .filter(|e| e.path.is_none())
        .map(|e| e.host.as_str())
        .collect();
    let mut out = header(school, today, q, "domains", lines.len());
    if pages > 0 {
        // A domain list cannot hold a page: saying so keeps a page exception from being
        // mistaken for missing (or from being widened to its whole site by hand).
        out.push_str(&format!(
            "# whole-site exceptions only: {pages} page exception{} (host/path) {} in `schooltech filter export --format urls`\n",
            if pages == 1 { "" } else { "s" },
            if pages == 1 { "is" } else { "are" },
        ));
    }
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// One `host/path` per line, no scheme (squidGuard `urllist` form). Page requests only.
pub fn urls(entries: &[Entry], q: &ExportQuery, school: &str, today: NaiveDate) -> String {
    let lines: BTreeSet<String> = select(entries, q)
        .into_iter()
        .filter_map(|e| e.path.as_ref().map(|p| format!("{}{p}", e.host)))
        .collect();
    let mut out = header(school, today, q, "urls", lines.len());
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// One exception as a flat CSV row.
#[derive(Debug, Serialize)]
pub struct CsvRow {
    /// Number.
    pub id: i64,
    /// unblock/block.
    pub kind: &'static str,
    /// As typed.
    pub site: String,
    /// ASCII host.
    pub host: String,
    /// Host for people.
    pub host_unicode: String,
    /// Registrable domain.
    pub registrable_domain: String,
    /// Subdomains too.
    pub subdomains: bool,
    /// Page path.
    pub path: String,
    /// public/private for IPs.
    pub ip: String,
    /// Scope.
    pub scope: String,
    /// Status.
    pub status: &'static str,
    /// Who asked.
    pub requested_by: String,
    /// When (RFC 3339).
    pub requested_at: String,
    /// Why.
    pub reason: String,
    /// Last day.
    pub until: String,
    /// Days left.
    pub days_left: String,
    /// `role:user:verdict` separated by `;`.
    pub decisions: String,
    /// Filter reference.
    pub applied_ref: String,
}

impl From<&Entry> for CsvRow {
    fn from(e: &Entry) -> Self {
        CsvRow {
            id: e.id,
            kind: e.kind.as_str(),
            site: e.site.clone(),
            host: e.host.clone(),
            host_unicode: e.host_unicode.clone(),
            registrable_domain: e.registrable_domain.clone(),
            subdomains: e.subdomains,
            path: e.path.clone().unwrap_or_default(),
            ip: e.ip.map(|i| i.as_str().to_string()).unwrap_or_default(),
            scope: e.scope.to_string(),
            status: e.status.as_str(),
            requested_by: e.requested_by.clone(),
            requested_at: e
                .requested_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            reason: e.reason.clone(),
            until: e.until.map(|u| u.to_string()).unwrap_or_default(),
            days_left: e.days_left.map(|d| d.to_string()).unwrap_or_default(),
            decisions: e
                .decisions
                .iter()
                .map(|d| format!("{}:{}:{}", d.role, d.by, d.verdict.as_str()))
                .collect::<Vec<_>>()
                .join(";"),
            applied_ref: e.applied_ref.clone().unwrap_or_default(),
        }
    }
}
