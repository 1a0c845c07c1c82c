//! Web-filter exceptions: the services the CLI and the Filtering tab both call. Plain functions
//! returning plain structs; time comes in as `now`.
//!
//! - [`request`] records a request (or names the pending/active one it duplicates);
//! - [`decide`], [`apply`], [`revoke`] move it along; [`list`], [`show`] read;
//! - [`export`] renders what the web filter imports;
//! - [`review_start`], [`review_item`], [`review_close`], [`review_status`], [`review_report`].
//!
//! Every `by` is a directory username, checked against the directory: not found, disabled or
//! expired is refused. Every event is also written to the action log, in the same transaction.

#[path = "filter_change.rs"]
pub mod change;

use super::actions::store;
use super::Ctx;
use crate::domain::account::Account;
use crate::domain::filter::export::{self, ExportQuery};
use crate::domain::filter::review::{self, Review, ReviewClose, ReviewItem, ReviewReport};
use crate::domain::filter::state::{self, check_until};
use crate::domain::filter::{
    check_page_choice, fold, normalise, ApplyStep, Entry, Event, EventKind, Kind, Request,
    ReviewAction, Role, Scope, SiteOptions, Status, Verdict,
};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::store::filter::NewEvent;
use crate::store::Store;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// What `filter request` asks for.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RequestInput {
    /// Directory username of who asks.
    pub by: String,
    /// The site as typed.
    pub site: String,
    /// Why (curriculum need).
    pub reason: String,
    /// Who it is for (`school` when None).
    pub scope: Option<String>,
    /// Last day wanted (None: permanent).
    pub until: Option<NaiveDate>,
    /// Unblock (default) or block.
    pub kind: Kind,
    /// Accept an IP address.
    pub allow_ip: bool,
    /// One page only (keeps the path).
    pub page: bool,
    /// The whole site (the registrable domain) although the address names a page. An address
    /// with a path needs `page` or this.
    pub whole_site: bool,
}

/// What came of a request.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RequestOutcome {
    /// Recorded as a new request.
    Recorded {
        /// The request as it stands.
        entry: Entry,
        /// What the normaliser dropped or changed, in words.
        notes: Vec<String>,
    },
    /// The same thing is already pending or in force: nothing recorded.
    Duplicate {
        /// The one it duplicates.
        existing: Entry,
    },
}

/// What `filter list` shows.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only this status.
    pub status: Option<Status>,
    /// Only those due for removal from the filter.
    pub due: bool,
}

/// A request with its whole history (`filter show`).
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// Where it stands.
    #[serde(flatten)]
    pub entry: Entry,
    /// Every event, oldest first.
    pub events: Vec<Event>,
}

/// The open review with what is left to look at.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewStatus {
    /// The review.
    pub review: Review,
    /// What it did so far.
    pub done: Vec<ReviewItem>,
    /// Exceptions still to look at.
    pub remaining: Vec<Entry>,
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One domain per line.
    Domains,
    /// One `host/path` per line.
    Urls,
    /// CSV, full detail.
    Csv,
    /// JSON, full detail.
    Json,
}

fn roles(ctx: &Ctx) -> Vec<Role> {
    ctx.config.filter.roles()
}

fn today(now: DateTime<Utc>) -> NaiveDate {
    now.london_date()
}

/// Opens the store; the demo school gets its own filter log the first time.
pub(super) fn open(ctx: &Ctx, now: DateTime<Utc>) -> Result<Store> {
    let s = store(ctx)?;
    // The demo's requests come with its first look at them (an `--as-of` demo has them from
    // the start: its store is read-only).
    if ctx.is_demo() && !s.is_read_only() {
        seed_demo(&s, now)?;
    }
    Ok(s)
}

/// Seeds the demo school's filter requests (when it has none): part of building the demo.
pub(crate) fn seed_demo(s: &Store, now: DateTime<Utc>) -> Result<()> {
    if s.filter_is_empty()? {
        super::filter_demo::seed(s, now)?;
    }
    Ok(())
}

/// Every entry as it stands on `now`, with the events they came from.
fn load(ctx: &Ctx, s: &Store, now: DateTime<Utc>) -> Result<(Vec<Entry>, Vec<Event>)> {
    let reqs = s.filter_requests()?;
    let events = s.filter_events(None)?;
    let roles = roles(ctx);
    let day = today(now);
    // Events come back by id; group them by request without a quadratic scan.
    let mut by_req: std::collections::HashMap<i64, Vec<&Event>> =
        std::collections::HashMap::with_capacity(reqs.len());
    for e in &events {
        by_req.entry(e.request_id).or_default().push(e);
    }
    let entries = reqs
        .into_iter()
        .map(|r| {
            let evs = by_req.get(&r.id).into_iter().flatten().copied();
            state::fold_owned(r, evs, &roles, day)
        })
        .collect();
    Ok((entries, events))
}

pub(super) fn entry_of(
    ctx: &Ctx,
    s: &Store,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(Request, Entry)> {
    let req = s.filter_request(id)?.ok_or_else(|| {
        Error::NotFound(format!(
            "no filter request #{id}; see `schooltech filter list`"
        ))
    })?;
    let events = s.filter_events(Some(id))?;
    let e = fold(&req, &events, &roles(ctx), today(now));
    Ok((req, e))
}

/// Checks a `--by` user against the directory: it must exist and be enabled (not expired).
pub async fn check_person(ctx: &Ctx, username: &str, now: DateTime<Utc>) -> Result<Account> {
    let u = username.trim();
    if u.is_empty() {
        return Err(Error::Usage(
            "--by needs a directory username (who is doing this)".into(),
        ));
    }
    match ctx.dir.get_account(u).await? {
        None => Err(Error::Usage(format!(
            "{u} is not in the directory: --by must be the directory username of the person (see `schooltech accounts list --search NAME`)"
        ))),
        Some(a) if !a.enabled => Err(Error::Usage(format!(
            "{} is disabled in the directory, so cannot make or decide requests; ask someone with an enabled account",
            a.username
        ))),
        Some(a) if a.expires.is_some_and(|e| e <= now) => Err(Error::Usage(format!(
            "{} has expired in the directory, so cannot make or decide requests",
            a.username
        ))),
        Some(a) => Ok(a),
    }
}

/// Someone who may apply, revoke or review: a listed approver of any role, else (no lists) any
/// enabled staff account.
async fn check_officer(ctx: &Ctx, by: &str, now: DateTime<Utc>) -> Result<Account> {
    let a = check_person(ctx, by, now).await?;
    let roles = roles(ctx);
    if roles
        .iter()
        .any(|r| state::eligible(r, &a.username, a.role.as_deref()).is_ok())
    {
        return Ok(a);
    }
    Err(Error::Usage(format!(
        "{} is not one of the filter approvers ({}), so cannot do this",
        a.username,
        roles
            .iter()
            .map(|r| r.title.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

fn text(what: &str, s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::Usage(format!("{what} must not be empty")));
    }
    Ok(t.to_string())
}

/// A request checked against the rules and the directory (nothing recorded): what would be
/// recorded, the normaliser's notes, and the pending or active request it duplicates.
pub(super) struct RequestChecked {
    pub(super) s: Store,
    pub(super) new: Request,
    pub(super) notes: Vec<String>,
    pub(super) duplicate: Option<Entry>,
}

/// Every check of a request, in the order `filter request` makes them; records nothing.
pub(super) async fn check_request(
    ctx: &Ctx,
    input: &RequestInput,
    now: DateTime<Utc>,
) -> Result<RequestChecked> {
    check_page_choice(&input.site, input.page, input.whole_site)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let site = normalise(
        &input.site,
        SiteOptions {
            allow_ip: input.allow_ip,
            page: input.page,
        },
    )
    .map_err(|e| Error::Usage(e.to_string()))?;
    let reason = text("--reason (the curriculum need)", &input.reason)?;
    let scope = match input.scope.as_deref() {
        None => Scope::School,
        Some(s) => Scope::parse(s).map_err(Error::Usage)?,
    };
    check_until(input.until, today(now)).map_err(Error::Usage)?;
    let who = check_person(ctx, &input.by, now).await?;
    if let Scope::Group(g) = &scope {
        if ctx.dir.find_group(g).await?.is_none() {
            return Err(Error::Usage(format!(
                "there is no directory group \"{g}\"; give a group's name (CN) after group:"
            )));
        }
    }
    let new = Request {
        id: 0,
        kind: input.kind,
        site: input.site.trim().to_string(),
        host: site.host,
        host_unicode: site.host_unicode,
        registrable_domain: site.registrable_domain,
        subdomains: site.subdomains,
        path: site.path,
        ip: site.ip,
        scope,
        reason,
        until: input.until,
        requested_by: who.username.clone(),
        requested_at: now,
    };
    let s = open(ctx, now)?;
    let (entries, _) = load(ctx, &s, now)?;
    let duplicate = entries.into_iter().find(|e| {
        (e.status == Status::Pending || e.status.is_active())
            && e.kind == new.kind
            && e.host == new.host
            && e.subdomains == new.subdomains
            && e.path == new.path
            && e.scope == new.scope
    });
    Ok(RequestChecked {
        s,
        new,
        notes: site.notes,
        duplicate,
    })
}

/// Records a request, or names the pending or active request it duplicates (nothing recorded).
pub async fn request(
    ctx: &Ctx,
    input: &RequestInput,
    now: DateTime<Utc>,
) -> Result<RequestOutcome> {
    ctx.refuse_as_of("filter request")?;
    let c = check_request(ctx, input, now).await?;
    if let Some(dup) = c.duplicate {
        return Ok(RequestOutcome::Duplicate { existing: dup });
    }
    let saved = c.s.add_filter_request(&c.new)?;
    let entry = fold(&saved, &[], &roles(ctx), today(now));
    Ok(RequestOutcome::Recorded {
        entry,
        notes: c.notes,
    })
}

/// The request in words before it is recorded, for both faces' confirmation: what, which
/// scope (the page only, or every page of the site), for whom, until when. Checks what can be
/// checked without the directory (the site, the page-or-site choice, the scope, the last day).
pub fn describe_request(input: &RequestInput, today: NaiveDate) -> Result<Vec<String>> {
    check_page_choice(&input.site, input.page, input.whole_site)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let site = normalise(
        &input.site,
        SiteOptions {
            allow_ip: input.allow_ip,
            page: input.page,
        },
    )
    .map_err(|e| Error::Usage(e.to_string()))?;
    let scope = match input.scope.as_deref() {
        None => Scope::School,
        Some(s) => Scope::parse(s).map_err(Error::Usage)?,
    };
    check_until(input.until, today).map_err(Error::Usage)?;
    let what = match (&site.path, site.subdomains) {
        (Some(p), _) => format!(
            "the page {}{p} only (not the rest of the site)",
            site.host_unicode
        ),
        (None, true) => format!("{} and all its subdomains (every page)", site.host_unicode),
        (None, false) => format!("the whole site {} (every page)", site.host_unicode),
    };
    let who = match &scope {
        Scope::School => "everyone in the school".to_string(),
        other => other.to_string(),
    };
    let until = match input.until {
        None => "permanent: until it is revoked".to_string(),
        Some(d) => format!("until {}", crate::domain::time::spelled_date(d)),
    };
    let mut out = vec![
        format!("{}: {what}", input.kind.as_str()),
        format!("for: {who}"),
        until,
        format!("asked by: {}", input.by.trim()),
    ];
    out.extend(site.notes.into_iter().map(|n| format!("note: {n}")));
    Ok(out)
}

/// An event on one request checked against the rules and the directory (nothing recorded):
/// the request as it stands and the event that would be recorded.
pub(super) struct EventChecked {
    pub(super) s: Store,
    pub(super) entry: Entry,
    pub(super) event: NewEvent,
}

impl EventChecked {
    /// Records the event and reads the request back.
    fn record(self, ctx: &Ctx, now: DateTime<Utc>) -> Result<Entry> {
        let id = self.event.request_id;
        self.s.add_filter_event(&self.event, now)?;
        Ok(entry_of(ctx, &self.s, id, now)?.1)
    }
}

/// Every check of a decision, in the order `filter decide` makes them; records nothing.
pub(super) async fn check_decide(
    ctx: &Ctx,
    id: i64,
    role: &str,
    by: &str,
    verdict: Verdict,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<EventChecked> {
    let comment = text("--comment", comment)?;
    let roles = roles(ctx);
    let role = state::find_role(&roles, role)
        .map_err(Error::Usage)?
        .clone();
    let s = open(ctx, now)?;
    let (_, e) = entry_of(ctx, &s, id, now)?;
    let who = check_person(ctx, by, now).await?;
    state::eligible(&role, &who.username, who.role.as_deref()).map_err(Error::Usage)?;
    state::check_decide(&e, &role, &who.username, verdict).map_err(Error::Usage)?;
    Ok(EventChecked {
        s,
        entry: e,
        event: NewEvent {
            request_id: id,
            by: who.username,
            review_id: None,
            kind: EventKind::Decision {
                role: role.name,
                verdict,
                comment,
            },
        },
    })
}

/// Records one approver's decision.
pub async fn decide(
    ctx: &Ctx,
    id: i64,
    role: &str,
    by: &str,
    verdict: Verdict,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<Entry> {
    ctx.refuse_as_of("filter decide")?;
    check_decide(ctx, id, role, by, verdict, comment, now)
        .await?
        .record(ctx, now)
}

/// Every check of `filter apply`, in its order; records nothing.
pub(super) async fn check_apply(
    ctx: &Ctx,
    id: i64,
    by: &str,
    reference: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(ApplyStep, EventChecked)> {
    let s = open(ctx, now)?;
    let (_, e) = entry_of(ctx, &s, id, now)?;
    let step = state::check_apply(&e).map_err(Error::Usage)?;
    let who = check_officer(ctx, by, now).await?;
    let reference = reference
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(String::from);
    let kind = match step {
        ApplyStep::Apply => EventKind::Applied { reference },
        ApplyStep::Remove => EventKind::Removed { reference },
    };
    Ok((
        step,
        EventChecked {
            s,
            entry: e,
            event: NewEvent {
                request_id: id,
                by: who.username,
                review_id: None,
                kind,
            },
        },
    ))
}

/// Records that the agreed change was made in the filter (or, for an expired or revoked one
/// still in the filter, that it was taken out).
pub async fn apply(
    ctx: &Ctx,
    id: i64,
    by: &str,
    reference: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(ApplyStep, Entry)> {
    ctx.refuse_as_of("filter apply")?;
    let (step, c) = check_apply(ctx, id, by, reference, now).await?;
    Ok((step, c.record(ctx, now)?))
}

/// Every check of `filter revoke`, in its order; records nothing.
pub(super) async fn check_revoke(
    ctx: &Ctx,
    id: i64,
    by: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<EventChecked> {
    let reason = text("--reason", reason)?;
    let s = open(ctx, now)?;
    let (_, e) = entry_of(ctx, &s, id, now)?;
    state::check_revoke(&e).map_err(Error::Usage)?;
    let who = check_person(ctx, by, now).await?;
    // The requester may withdraw their own pending request; anything else needs an approver.
    let own_pending =
        e.status == Status::Pending && e.requested_by.eq_ignore_ascii_case(&who.username);
    if !own_pending {
        check_officer(ctx, &who.username, now).await?;
    }
    Ok(EventChecked {
        s,
        entry: e,
        event: NewEvent {
            request_id: id,
            by: who.username,
            review_id: None,
            kind: EventKind::Revoked { reason },
        },
    })
}

/// Revokes a request or an exception in force.
pub async fn revoke(
    ctx: &Ctx,
    id: i64,
    by: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Entry> {
    ctx.refuse_as_of("filter revoke")?;
    check_revoke(ctx, id, by, reason, now)
        .await?
        .record(ctx, now)
}

/// The requests as they stand on `now`, by id.
pub fn list(ctx: &Ctx, q: &ListQuery, now: DateTime<Utc>) -> Result<Vec<Entry>> {
    let s = open(ctx, now)?;
    let (entries, _) = load(ctx, &s, now)?;
    Ok(entries
        .into_iter()
        .filter(|e| q.status.is_none_or(|st| e.status == st))
        .filter(|e| !q.due || e.due)
        .collect())
}

/// One request with its whole history.
pub fn show(ctx: &Ctx, id: i64, now: DateTime<Utc>) -> Result<History> {
    let s = open(ctx, now)?;
    let (_, entry) = entry_of(ctx, &s, id, now)?;
    Ok(History {
        entry,
        events: s.filter_events(Some(id))?,
    })
}

/// The list the filter imports, rendered.
pub fn export(
    ctx: &Ctx,
    format: ExportFormat,
    q: &ExportQuery,
    now: DateTime<Utc>,
) -> Result<String> {
    let s = open(ctx, now)?;
    let (entries, _) = load(ctx, &s, now)?;
    let school = &ctx.config.school.name;
    let day = today(now);
    Ok(match format {
        ExportFormat::Domains => export::domains(&entries, q, school, day),
        ExportFormat::Urls => export::urls(&entries, q, school, day),
        ExportFormat::Json => {
            let rows = export::select(&entries, q);
            let mut t = serde_json::to_string_pretty(&rows)
                .map_err(|e| Error::Input(format!("cannot write JSON: {e}")))?;
            t.push('\n');
            t
        }
        ExportFormat::Csv => {
            let rows: Vec<export::CsvRow> = export::select(&entries, q)
                .into_iter()
                .map(export::CsvRow::from)
                .collect();
            csv_text(&rows)?
        }
    })
}

/// Rows as CSV text with a header row.
pub fn csv_text<T: Serialize>(rows: &[T]) -> Result<String> {
    super::csv_writer::to_string(rows).map_err(|e| Error::Input(format!("cannot write CSV: {e}")))
}

pub(super) fn open_review(s: &Store) -> Result<Option<Review>> {
    Ok(s.filter_reviews()?.into_iter().find(|r| r.closed.is_none()))
}

/// A review start checked (nothing recorded): who starts it and the exceptions in it.
pub(super) struct StartChecked {
    pub(super) s: Store,
    pub(super) by: String,
    pub(super) items: Vec<Entry>,
}

/// Every check of `filter review start`, in its order; records nothing.
pub(super) async fn check_review_start(
    ctx: &Ctx,
    by: &str,
    now: DateTime<Utc>,
) -> Result<StartChecked> {
    let who = check_officer(ctx, by, now).await?;
    let s = open(ctx, now)?;
    if let Some(r) = open_review(&s)? {
        return Err(Error::Usage(format!(
            "review #{} (started by {}) is still open: finish it with `filter review item` and `filter review close`",
            r.id, r.started_by
        )));
    }
    let (entries, _) = load(ctx, &s, now)?;
    let items = entries
        .into_iter()
        .filter(|e| e.status.is_active())
        .collect();
    Ok(StartChecked {
        s,
        by: who.username,
        items,
    })
}

/// Starts a review of every exception in force.
pub async fn review_start(ctx: &Ctx, by: &str, now: DateTime<Utc>) -> Result<ReviewStatus> {
    ctx.refuse_as_of("filter review start")?;
    let c = check_review_start(ctx, by, now).await?;
    let items: Vec<i64> = c.items.iter().map(|e| e.id).collect();
    c.s.start_filter_review(&c.by, &items, now)?;
    review_status(ctx, now)?
        .ok_or_else(|| Error::Input("the review just started cannot be read back".into()))
}

/// The open review, if any, with what is done and what is left.
pub fn review_status(ctx: &Ctx, now: DateTime<Utc>) -> Result<Option<ReviewStatus>> {
    let s = open(ctx, now)?;
    let Some(review) = open_review(&s)? else {
        return Ok(None);
    };
    let (entries, events) = load(ctx, &s, now)?;
    let done = review::items_of(review.id, &events, &entries);
    let left = review::unreviewed(&review, &events, &entries);
    let remaining = entries
        .into_iter()
        .filter(|e| left.contains(&e.id))
        .collect();
    Ok(Some(ReviewStatus {
        review,
        done,
        remaining,
    }))
}

/// Every check of `filter review item`, in its order; records nothing. Also gives the open
/// review.
pub(super) async fn check_review_item(
    ctx: &Ctx,
    id: i64,
    action: ReviewAction,
    until: Option<NaiveDate>,
    note: &str,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Review, EventChecked)> {
    let note = text("--note", note)?;
    let s = open(ctx, now)?;
    let review = open_review(&s)?.ok_or_else(|| {
        Error::Usage("no review is open: start one with `filter review start --by USER`".into())
    })?;
    let who = check_officer(ctx, by.unwrap_or(&review.started_by), now).await?;
    let (_, e) = entry_of(ctx, &s, id, now)?;
    if !review.items.contains(&id) {
        return Err(Error::Usage(format!(
            "#{id} was not in force when review #{} started, so it is not part of it",
            review.id
        )));
    }
    if s.filter_events(Some(id))?
        .iter()
        .any(|ev| ev.review_id == Some(review.id))
    {
        return Err(Error::Usage(format!(
            "#{id} has already been reviewed in review #{}",
            review.id
        )));
    }
    state::check_review_item(&e, action, until, today(now)).map_err(Error::Usage)?;
    let kind = match (action, until) {
        (ReviewAction::Keep, _) => EventKind::Kept { note },
        (ReviewAction::Revoke, _) => EventKind::Revoked { reason: note },
        (ReviewAction::Shorten, Some(u)) => EventKind::UntilChanged { until: u, note },
        (ReviewAction::Shorten, None) => {
            return Err(Error::Usage("shorten needs --until DATE".into()))
        }
    };
    let event = NewEvent {
        request_id: id,
        by: who.username,
        review_id: Some(review.id),
        kind,
    };
    Ok((review, EventChecked { s, entry: e, event }))
}

/// Records the open review's verdict on one exception. `by` defaults to who started the review.
pub async fn review_item(
    ctx: &Ctx,
    id: i64,
    action: ReviewAction,
    until: Option<NaiveDate>,
    note: &str,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Entry> {
    ctx.refuse_as_of("filter review item")?;
    check_review_item(ctx, id, action, until, note, by, now)
        .await?
        .1
        .record(ctx, now)
}

/// A review's close checked (nothing recorded): the review, the close and its counts.
pub(super) struct CloseChecked {
    pub(super) s: Store,
    pub(super) review: Review,
    pub(super) close: ReviewClose,
    pub(super) summary: serde_json::Value,
}

/// Every check of `filter review close`, in its order; records nothing.
pub(super) async fn check_review_close(
    ctx: &Ctx,
    checks: &str,
    note: &str,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<CloseChecked> {
    let s = open(ctx, now)?;
    let review = open_review(&s)?.ok_or_else(|| {
        Error::Usage("no review is open: start one with `filter review start --by USER`".into())
    })?;
    let who = check_officer(ctx, by.unwrap_or(&review.started_by), now).await?;
    let (entries, events) = load(ctx, &s, now)?;
    let left = review::unreviewed(&review, &events, &entries);
    if !left.is_empty() {
        let ids: Vec<String> = left.iter().map(|i| format!("#{i}")).collect();
        return Err(Error::Usage(format!(
            "review #{} has not looked at {} yet: record each with `filter review item ID keep|revoke|shorten --note TEXT`",
            review.id,
            ids.join(", ")
        )));
    }
    let items = review::items_of(review.id, &events, &entries);
    let summary = serde_json::json!({
        "kept": items.iter().filter(|i| i.action == "keep").count(),
        "revoked": items.iter().filter(|i| i.action == "revoke").count(),
        "shortened": items.iter().filter(|i| i.action == "shorten").count(),
    });
    let close = ReviewClose {
        at: now,
        by: who.username,
        checks: checks.trim().to_string(),
        note: note.trim().to_string(),
    };
    Ok(CloseChecked {
        s,
        review,
        close,
        summary,
    })
}

/// Closes the open review: every exception in it must have been looked at.
pub async fn review_close(
    ctx: &Ctx,
    checks: &str,
    note: &str,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Review> {
    ctx.refuse_as_of("filter review close")?;
    let c = check_review_close(ctx, checks, note, by, now).await?;
    c.s.close_filter_review(c.review.id, &c.close, c.summary)?;
    Ok(Review {
        closed: Some(c.close),
        ..c.review
    })
}

/// The governors' report on `now`.
pub fn review_report(ctx: &Ctx, now: DateTime<Utc>) -> Result<ReviewReport> {
    let s = open(ctx, now)?;
    let (entries, events) = load(ctx, &s, now)?;
    let reviews = s.filter_reviews()?;
    Ok(review::report(
        &ctx.config.school.name,
        &reviews,
        &entries,
        &events,
        today(now),
        ctx.config.filter.review_days(),
    ))
}

// The words both faces say about a request, once.

/// A request's status in words, as `filter list` prints it and the tab shows it.
pub fn status_word(e: &Entry) -> String {
    match e.status {
        Status::Pending if !e.decisions.is_empty() => {
            format!("pending (waiting for {})", e.waiting_for.join(", "))
        }
        Status::Pending => "pending".into(),
        s if e.due => format!("{} (still in the filter: remove it)", s.as_str()),
        s => s.as_str().into(),
    }
}

/// The last day in words: `2026-12-19 (12 d left)`, or `permanent`.
pub fn until_word(e: &Entry) -> String {
    match (e.until, e.days_left) {
        (Some(u), Some(d)) => format!("{u} ({d} d left)"),
        (Some(u), None) => u.to_string(),
        (None, _) => "permanent".into(),
    }
}

/// What the request is for (an IP address said as such).
pub fn target_word(e: &Entry) -> String {
    let mut t = e.target();
    if let Some(ip) = e.ip {
        t.push_str(&format!(" (IP address, {})", ip.as_str()));
    }
    t
}

/// A request in one line: `#3 unblock padlet.com for school: pending`.
pub fn say(e: &Entry) -> String {
    format!(
        "#{} {} {} for {}: {}",
        e.id,
        e.kind.as_str(),
        target_word(e),
        e.scope,
        status_word(e)
    )
}

/// A history event in words, as `filter show` prints it and the tab shows it.
pub fn event_words(k: &EventKind) -> String {
    let reference = |r: &Option<String>| {
        r.as_deref()
            .map(|r| format!(" (ref {r})"))
            .unwrap_or_default()
    };
    match k {
        EventKind::Decision {
            role,
            verdict,
            comment,
        } => format!("{} as {role}: {comment}", verdict.as_str()),
        EventKind::Applied { reference: r } => format!("applied in the filter{}", reference(r)),
        EventKind::Revoked { reason } => format!("revoked: {reason}"),
        EventKind::Removed { reference: r } => {
            format!("taken out of the filter{}", reference(r))
        }
        EventKind::UntilChanged { until, note } => format!("shortened to {until}: {note}"),
        EventKind::Kept { note } => format!("kept: {note}"),
    }
}

/// A request's facts for a plan or a dialog: what it is, who asked and why, where it stands,
/// and each decision so far.
pub fn facts(e: &Entry) -> Vec<(String, super::preview::Emphasis)> {
    use super::preview::Emphasis;
    let mut v = vec![
        (
            format!(
                "#{} {} {} for {}",
                e.id,
                e.kind.as_str(),
                target_word(e),
                e.scope
            ),
            Emphasis::Strong,
        ),
        (
            format!("Asked by {}: {}", e.requested_by, e.reason),
            Emphasis::Normal,
        ),
        (
            format!("Status: {}", status_word(e)),
            if e.due {
                Emphasis::Warn
            } else {
                Emphasis::Normal
            },
        ),
    ];
    for d in &e.decisions {
        v.push((
            format!(
                "  {} ({}) {}: {}",
                d.by,
                d.title,
                d.verdict.as_str(),
                d.comment
            ),
            Emphasis::Dim,
        ));
    }
    v
}
