//! Where a request stands, worked out from its events and the day it is: the decision state machine.
//!
//! ```text
//!            decide approve (one role)          decide approve (every role)
//!  pending ───────────────────────────> pending ─────────────────────────────> agreed ──apply──> applied
//!     │  └──decide reject──> rejected       │                                    │                │
//!     │                                     └──decide reject──> rejected         │                │
//!     └──revoke──> revoked      agreed/applied ──revoke──> revoked ──apply (removal)──> (out of the filter)
//!  pending/agreed/applied past their last day ──> expired ──apply (removal)──> (out of the filter)
//! ```
//! Nothing leaves rejected, revoked or expired: a new request is needed.

use super::model::{Event, EventKind, Kind, Request, Scope, Verdict};
use super::site::IpRange;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// An approver role: its name (`network-manager`), its title (Network Manager) and who may act
/// in it (anyone on the staff when the list is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Role {
    /// The name used with `--as`.
    pub name: String,
    /// The title for people.
    pub title: String,
    /// Directory usernames allowed to act in it; empty means any enabled staff account.
    pub usernames: Vec<String>,
}

/// The default roles: the Network Manager and the ICT Coordinator.
pub fn default_roles() -> Vec<Role> {
    vec![
        Role {
            name: "network-manager".into(),
            title: "Network Manager".into(),
            usernames: Vec::new(),
        },
        Role {
            name: "ict-coordinator".into(),
            title: "ICT Coordinator".into(),
            usernames: Vec::new(),
        },
    ]
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for decisions.
    Pending,
    /// Every role approved; not yet made in the filter.
    Agreed,
    /// Agreed and made in the filter.
    Applied,
    /// Past its last day.
    Expired,
    /// Withdrawn or ended early.
    Revoked,
    /// Turned down.
    Rejected,
}

impl Status {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Agreed => "agreed",
            Status::Applied => "applied",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
            Status::Rejected => "rejected",
        }
    }
    /// Reads a status name.
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Pending,
            Status::Agreed,
            Status::Applied,
            Status::Expired,
            Status::Revoked,
            Status::Rejected,
        ]
        .into_iter()
        .find(|st| st.as_str() == s.trim().to_ascii_lowercase())
    }
    /// Agreed or applied: an exception in force (exported).
    pub fn is_active(self) -> bool {
        matches!(self, Status::Agreed | Status::Applied)
    }
}

/// One decision as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionView {
    /// The role.
    pub role: String,
    /// Its title.
    pub title: String,
    /// Who decided.
    pub by: String,
    /// Approve or reject.
    pub verdict: Verdict,
    /// Their comment.
    pub comment: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A request with where it stands: one row of `filter list` (the JSON keys are the contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Its number.
    pub id: i64,
    /// Unblock or block.
    pub kind: Kind,
    /// As typed.
    pub site: String,
    /// Normalised host (ASCII).
    pub host: String,
    /// The host for people.
    pub host_unicode: String,
    /// The registrable domain.
    pub registrable_domain: String,
    /// The domain and all its subdomains.
    pub subdomains: bool,
    /// The page, for page requests.
    pub path: Option<String>,
    /// `public`/`private` for an IP address.
    pub ip: Option<IpRange>,
    /// Who it is for.
    pub scope: Scope,
    /// Where it stands.
    pub status: Status,
    /// Who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Its last day (after any shortening by a review); None for permanent.
    pub until: Option<NaiveDate>,
    /// Days left until `until` (active ones only).
    pub days_left: Option<i64>,
    /// The decisions so far.
    pub decisions: Vec<DecisionView>,
    /// Roles (titles) still to decide, while pending.
    pub waiting_for: Vec<String>,
    /// When every role had approved (the last approval), if they have.
    pub agreed_at: Option<DateTime<Utc>>,
    /// The filter's reference when applied.
    pub applied_ref: Option<String>,
    /// When it was applied.
    pub applied_at: Option<DateTime<Utc>>,
    /// Made in the filter and not yet taken out.
    pub in_filter: bool,
    /// Expired or revoked but still in the filter: due for removal.
    pub due: bool,
    /// Why it was revoked.
    pub revoked_reason: Option<String>,
}

impl Entry {
    /// The target for people (`*.example.com`, `example.com/page`).
    pub fn target(&self) -> String {
        let mut s = String::new();
        if self.subdomains {
            s.push_str("*.");
        }
        s.push_str(&self.host_unicode);
        if let Some(p) = &self.path {
            s.push_str(p);
        }
        s
    }
}

/// Works out where `req` stands on `today`, given its events (any order) and the roles in force.
pub fn fold<'a>(
    req: &Request,
    events: impl IntoIterator<Item = &'a Event>,
    roles: &[Role],
    today: NaiveDate,
) -> Entry {
    fold_owned(req.clone(), events, roles, today)
}

/// [`fold`], taking the request by value (no copies of its text when folding thousands).
pub fn fold_owned<'a>(
    req: Request,
    events: impl IntoIterator<Item = &'a Event>,
    roles: &[Role],
    today: NaiveDate,
) -> Entry {
    let mut events: Vec<&Event> = events
        .into_iter()
        .filter(|e| e.request_id == req.id)
        .collect();
    events.sort_by_key(|e| e.id);
    let mut decisions = Vec::new();
    let (mut rejected, mut revoked, mut removed) = (false, None, false);
    let (mut applied_ref, mut applied_at) = (None, None);
    let mut until = req.until;
    for e in &events {
        match &e.kind {
            EventKind::Decision {
                role,
                verdict,
                comment,
            } => {
                rejected |= *verdict == Verdict::Reject;
                decisions.push(DecisionView {
                    role: role.clone(),
                    title: title_of(roles, role),
                    by: e.by.clone(),
                    verdict: *verdict,
                    comment: comment.clone(),
                    at: e.at,
                });
            }
            EventKind::Applied { reference } => {
                applied_ref = reference.clone();
                applied_at = Some(e.at);
            }
            EventKind::Revoked { reason } => revoked = Some(reason.clone()),
            EventKind::Removed { .. } => removed = true,
            EventKind::UntilChanged { until: u, .. } => until = Some(*u),
            EventKind::Kept { .. } => {}
        }
    }
    let approved = |r: &Role| {
        decisions
            .iter()
            .any(|d| d.role == r.name && d.verdict == Verdict::Approve)
    };
    let waiting_for: Vec<String> = roles
        .iter()
        .filter(|r| !decisions.iter().any(|d| d.role == r.name))
        .map(|r| r.title.clone())
        .collect();
    let all_approved = !rejected && !roles.is_empty() && roles.iter().all(approved);
    let agreed_at = all_approved
        .then(|| decisions.iter().map(|d| d.at).max())
        .flatten();
    let past = until.is_some_and(|u| today > u);
    let status = if rejected {
        Status::Rejected
    } else if revoked.is_some() {
        Status::Revoked
    } else if past {
        Status::Expired
    } else if all_approved && applied_at.is_some() {
        Status::Applied
    } else if all_approved {
        Status::Agreed
    } else {
        Status::Pending
    };
    let in_filter = applied_at.is_some() && !removed;
    Entry {
        id: req.id,
        kind: req.kind,
        site: req.site,
        host: req.host,
        host_unicode: req.host_unicode,
        registrable_domain: req.registrable_domain,
        subdomains: req.subdomains,
        path: req.path,
        ip: req.ip,
        scope: req.scope,
        status,
        requested_by: req.requested_by,
        requested_at: req.requested_at,
        reason: req.reason,
        until,
        days_left: match (status.is_active() || status == Status::Pending, until) {
            (true, Some(u)) => Some((u - today).num_days()),
            _ => None,
        },
        decisions,
        waiting_for: if status == Status::Pending {
            waiting_for
        } else {
            Vec::new()
        },
        agreed_at,
        applied_ref,
        applied_at,
        in_filter,
        due: in_filter && matches!(status, Status::Expired | Status::Revoked),
        revoked_reason: revoked,
    }
}

fn title_of(roles: &[Role], name: &str) -> String {
    roles
        .iter()
        .find(|r| r.name == name)
        .map(|r| r.title.clone())
        .unwrap_or_else(|| name.to_string())
}

fn closed(e: &Entry) -> Option<String> {
    match e.status {
        Status::Rejected => Some(format!(
            "#{} was rejected, and a rejected request stays rejected: make a new request if it is needed again",
            e.id
        )),
        Status::Revoked => Some(format!(
            "#{} was revoked, and a revoked request stays revoked: make a new request if it is needed again",
            e.id
        )),
        Status::Expired => Some(format!(
            "#{} expired after {}, and an expired request stays expired: make a new request if it is needed again",
            e.id,
            e.until.map(|u| u.to_string()).unwrap_or_default()
        )),
        _ => None,
    }
}

/// Finds a role by name; the message lists the roles there are.
pub fn find_role<'a>(roles: &'a [Role], name: &str) -> Result<&'a Role, String> {
    let want = name.trim().to_ascii_lowercase();
    roles.iter().find(|r| r.name == want).ok_or_else(|| {
        let names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
        format!(
            "\"{name}\" is not an approver role; use --as with one of: {}",
            names.join(", ")
        )
    })
}

/// May `username` (whose directory role is `account_role`) act in `role`? Listed usernames when
/// the role lists any, else any staff account.
pub fn eligible(role: &Role, username: &str, account_role: Option<&str>) -> Result<(), String> {
    if role.usernames.is_empty() {
        if matches!(account_role, Some("staff") | Some("admin")) {
            return Ok(());
        }
        return Err(format!(
            "{username} is not a staff account, so cannot act as {}; list who may in [filter.approvers.{}] usernames",
            role.title, role.name
        ));
    }
    if role
        .usernames
        .iter()
        .any(|u| u.eq_ignore_ascii_case(username))
    {
        return Ok(());
    }
    Err(format!(
        "{username} may not act as {}: [filter.approvers.{}] lists only {}",
        role.title,
        role.name,
        role.usernames.join(", ")
    ))
}

/// May `by` record `verdict` as `role` on this request?
pub fn check_decide(e: &Entry, role: &Role, by: &str, verdict: Verdict) -> Result<(), String> {
    if let Some(msg) = closed(e) {
        return Err(format!("{msg}; nothing to decide"));
    }
    if e.status.is_active() {
        return Err(format!(
            "#{} is already agreed (every role approved); nothing to decide",
            e.id
        ));
    }
    if let Some(d) = e.decisions.iter().find(|d| d.role == role.name) {
        return Err(format!(
            "the {} has already decided on #{} ({} by {}); a decision is never changed: to end an agreed exception use `filter revoke`",
            role.title,
            e.id,
            d.verdict.as_str(),
            d.by
        ));
    }
    if let Some(d) = e.decisions.iter().find(|d| d.by.eq_ignore_ascii_case(by)) {
        return Err(format!(
            "{by} has already decided on #{} as {}; one person cannot decide for both roles: another person must act as {}",
            e.id, d.title, role.title
        ));
    }
    if verdict == Verdict::Approve && e.requested_by.eq_ignore_ascii_case(by) {
        return Err(format!(
            "{by} asked for #{}, so cannot approve it; another person must act as {}",
            e.id, role.title
        ));
    }
    Ok(())
}

/// What `filter apply` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyStep {
    /// The agreed change was made in the filter.
    Apply,
    /// An expired or revoked exception was taken out of the filter.
    Remove,
}

/// What `filter apply` may record for this request.
pub fn check_apply(e: &Entry) -> Result<ApplyStep, String> {
    match e.status {
        Status::Agreed => Ok(ApplyStep::Apply),
        Status::Applied => Err(format!(
            "#{} is already applied{}",
            e.id,
            e.applied_ref
                .as_deref()
                .map(|r| format!(" (filter reference {r})"))
                .unwrap_or_default()
        )),
        Status::Pending => Err(format!(
            "#{} is not agreed yet: waiting for {}",
            e.id,
            e.waiting_for.join(" and ")
        )),
        Status::Expired | Status::Revoked if e.in_filter => Ok(ApplyStep::Remove),
        _ => Err(format!(
            "{}; it is not in the filter, so there is nothing to apply",
            closed(e).unwrap_or_else(|| format!("#{}", e.id))
        )),
    }
}

/// May this request be revoked?
pub fn check_revoke(e: &Entry) -> Result<(), String> {
    match closed(e) {
        Some(msg) => Err(format!("{msg}; nothing to revoke")),
        None => Ok(()),
    }
}

/// A review's verdict on one exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewAction {
    /// Still needed.
    Keep,
    /// No longer needed.
    Revoke,
    /// Needed for less long.
    Shorten,
}

impl ReviewAction {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewAction::Keep => "keep",
            ReviewAction::Revoke => "revoke",
            ReviewAction::Shorten => "shorten",
        }
    }
}

/// May a review record `action` (with `until` for shorten) on this exception on `today`?
pub fn check_review_item(
    e: &Entry,
    action: ReviewAction,
    until: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), String> {
    if !e.status.is_active() {
        return Err(format!(
            "#{} is {}, not an active exception: a review looks at agreed and applied ones",
            e.id,
            e.status.as_str()
        ));
    }
    match (action, until) {
        (ReviewAction::Shorten, None) => Err("shorten needs --until DATE, the new last day".into()),
        (ReviewAction::Shorten, Some(u)) if u < today => Err(format!(
            "--until {u} is in the past; give today or a later day (or revoke it)"
        )),
        (ReviewAction::Shorten, Some(u)) if e.until.is_some_and(|cur| u >= cur) => Err(format!(
            "#{} already ends on {}; shorten needs an earlier day",
            e.id,
            e.until.map(|c| c.to_string()).unwrap_or_default()
        )),
        (ReviewAction::Keep | ReviewAction::Revoke, Some(_)) => Err(format!(
            "--until is only for shorten, not {}",
            action.as_str()
        )),
        _ => Ok(()),
    }
}

/// A wanted last day must not be in the past.
pub fn check_until(until: Option<NaiveDate>, today: NaiveDate) -> Result<(), String> {
    match until {
        Some(u) if u < today => Err(format!(
            "--until {u} is in the past; give today or a later day, or leave it out for a permanent one"
        )),
        _ => Ok(()),
    }
}
