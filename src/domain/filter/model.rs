//! The filter log's records: requests (immutable) and the events that follow them (append-only).

use super::site::IpRange;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::fmt;

/// Unblock (an exception to the filter) or block (an addition to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Take the site off the filtered list.
    #[default]
    Unblock,
    /// Put the site on the filtered list.
    Block,
}

impl Kind {
    /// `unblock` / `block`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Unblock => "unblock",
            Kind::Block => "block",
        }
    }
    /// Reads `unblock` / `block`.
    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "unblock" | "allow" => Some(Kind::Unblock),
            "block" | "deny" => Some(Kind::Block),
            _ => None,
        }
    }
}

/// Who an exception is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Everyone.
    School,
    /// Staff only.
    Staff,
    /// Pupils (all year groups).
    Pupils,
    /// One year group (7 = Year 7).
    Year(u8),
    /// Members of one directory group.
    Group(String),
}

impl Scope {
    /// Reads `school`, `staff`, `pupils`, `year-9` (also `year9`, `year 9`, `y9`) or
    /// `group:NAME`.
    pub fn parse(s: &str) -> Result<Scope, String> {
        // the stored forms first, without allocating
        match s {
            "school" => return Ok(Scope::School),
            "staff" => return Ok(Scope::Staff),
            "pupils" => return Ok(Scope::Pupils),
            _ => {}
        }
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        if let Some(name) = t
            .strip_prefix("group:")
            .or_else(|| t.strip_prefix("Group:"))
        {
            let name = name.trim();
            if name.is_empty() {
                return Err(
                    "group: needs a directory group's name, e.g. group:Year 9 Geography".into(),
                );
            }
            return Ok(Scope::Group(name.to_string()));
        }
        match lower.as_str() {
            "school" | "whole-school" | "everyone" => return Ok(Scope::School),
            "staff" => return Ok(Scope::Staff),
            "pupils" | "pupil" | "students" => return Ok(Scope::Pupils),
            _ => {}
        }
        let num = lower
            .strip_prefix("year")
            .or_else(|| lower.strip_prefix('y'))
            .map(|r| r.trim_start_matches(['-', ' ', '_']));
        if let Some(n) = num.and_then(|n| n.parse::<u8>().ok()) {
            if (1..=13).contains(&n) {
                return Ok(Scope::Year(n));
            }
        }
        Err(format!(
            "\"{s}\" is not a scope: use school, staff, pupils, year-N (1 to 13) or group:NAME"
        ))
    }

    /// True when an exception with this scope applies to people in `profile`: a whole-school
    /// exception applies to everyone, a pupils one to every year group.
    pub fn applies_to(&self, profile: &Scope) -> bool {
        match (self, profile) {
            (Scope::School, _) => true,
            (Scope::Pupils, Scope::Year(_)) => true,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::School => f.write_str("school"),
            Scope::Staff => f.write_str("staff"),
            Scope::Pupils => f.write_str("pupils"),
            Scope::Year(n) => write!(f, "year-{n}"),
            Scope::Group(g) => write!(f, "group:{g}"),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A request as recorded: never changed afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// Its number.
    pub id: i64,
    /// Unblock or block.
    pub kind: Kind,
    /// The site as typed.
    pub site: String,
    /// The normalised host (ASCII).
    pub host: String,
    /// The host for people.
    pub host_unicode: String,
    /// The registrable domain.
    pub registrable_domain: String,
    /// The domain and all its subdomains (`*.example.com`).
    pub subdomains: bool,
    /// The page, for a page request.
    pub path: Option<String>,
    /// Set for an IP address.
    pub ip: Option<IpRange>,
    /// Who it is for.
    pub scope: Scope,
    /// Why (curriculum need).
    pub reason: String,
    /// Wanted until this day (inclusive); None for permanent.
    pub until: Option<NaiveDate>,
    /// Directory username of who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: DateTime<Utc>,
}

impl Request {
    /// The target for people: `*.example.com`, `example.com/page`, `例え.jp`.
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

    /// True when this request is for the same thing as `other` (kind, host, subdomains, path,
    /// scope): a duplicate.
    pub fn same_target(&self, other: &Request) -> bool {
        self.kind == other.kind
            && self.host == other.host
            && self.subdomains == other.subdomains
            && self.path == other.path
            && self.scope == other.scope
    }
}

/// Approve or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Agree to the request.
    Approve,
    /// Turn it down.
    Reject,
}

impl Verdict {
    /// `approve` / `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Reject => "reject",
        }
    }
}

/// What happened to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// An approver's decision.
    Decision {
        /// The approver role (`network-manager`).
        role: String,
        /// Approve or reject.
        verdict: Verdict,
        /// Why.
        comment: String,
    },
    /// The agreed change was made in the filter.
    Applied {
        /// The filter's own reference.
        reference: Option<String>,
    },
    /// Withdrawn or ended early.
    Revoked {
        /// Why.
        reason: String,
    },
    /// An expired or revoked exception was taken out of the filter.
    Removed {
        /// The filter's own reference.
        reference: Option<String>,
    },
    /// A review shortened the exception.
    UntilChanged {
        /// The new last day.
        until: NaiveDate,
        /// Why.
        note: String,
    },
    /// A review kept the exception.
    Kept {
        /// What the reviewer noted.
        note: String,
    },
}

impl EventKind {
    /// The stored name: `decision`, `applied`, `revoked`, `removed`, `until_changed`, `kept`.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Decision { .. } => "decision",
            EventKind::Applied { .. } => "applied",
            EventKind::Revoked { .. } => "revoked",
            EventKind::Removed { .. } => "removed",
            EventKind::UntilChanged { .. } => "until_changed",
            EventKind::Kept { .. } => "kept",
        }
    }
}

/// One event as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Its number.
    pub id: i64,
    /// The request it belongs to.
    pub request_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Directory username of who did it.
    pub by: String,
    /// The review it was part of, if any.
    pub review_id: Option<i64>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}
