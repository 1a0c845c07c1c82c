//! The filter-exception log in the store: requests, their events and reviews. Append-only (the
//! triggers of migration 4 refuse UPDATE and DELETE); every row written here is also written to
//! the action log in the same transaction.

use super::engine::{DbError, Row};
use super::{fmt_time, parse_time, NewAction, Store};
use crate::db_params;
use crate::domain::filter::review::{Review, ReviewClose};
use crate::domain::filter::{Event, EventKind, IpRange, Kind, Request, Scope, Verdict};
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

/// An event to record (its id and time are given by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The request.
    pub request_id: i64,
    /// Directory username of who did it.
    pub by: String,
    /// Part of this review.
    pub review_id: Option<i64>,
    /// What happened.
    pub kind: EventKind,
}

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|d| ymd(d.as_bytes()))
}

fn num(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD`, without chrono's general parser (the filter log reads tens of thousands).
fn ymd(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = i32::try_from(num(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(y, num(&b[5..7])?, num(&b[8..10])?)
}

/// A time as the store writes it (`2026-11-25T09:30:00Z`), read quickly; anything else goes to
/// the strict reader.
fn time(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() == 20 && b[10] == b'T' && b[13] == b':' && b[16] == b':' && b[19] == b'Z' {
        let t = ymd(&b[..10])?.and_hms_opt(num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?)?;
        return Some(DateTime::from_naive_utc_and_offset(t, Utc));
    }
    parse_time(s)
}

type RawRequest = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    bool,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
);

fn raw_request(r: &Row) -> std::result::Result<RawRequest, DbError> {
    Ok((
        r.int(0)?,
        r.string(1)?,
        r.string(2)?,
        r.string(3)?,
        r.string(4)?,
        r.string(5)?,
        r.string(6)?,
        r.string(7)?,
        r.bool(8)?,
        r.opt_string(9)?,
        r.opt_string(10)?,
        r.string(11)?,
        r.string(12)?,
        r.opt_string(13)?,
    ))
}

const SELECT_REQUEST: &str =
    "SELECT id, requested_at, requested_by, kind, site, host, host_unicode, \
    registrable_domain, subdomains, path, ip, scope, reason, until FROM filter_requests";

type RawEvent = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
);

const SELECT_EVENT: &str = "SELECT id, request_id, at, actor, event, role, verdict, until, \
    reference, note, review_id FROM filter_events";

fn raw_event(r: &Row) -> std::result::Result<RawEvent, DbError> {
    Ok((
        r.int(0)?,
        r.int(1)?,
        r.string(2)?,
        r.string(3)?,
        r.string(4)?,
        r.opt_string(5)?,
        r.opt_string(6)?,
        r.opt_string(7)?,
        r.opt_string(8)?,
        r.string(9)?,
        r.opt_int(10)?,
    ))
}

impl Store {
    fn request_from(&self, raw: RawRequest) -> Result<Request> {
        let (id, at, by, kind, site, host, host_unicode, reg, sub, path, ip, scope, reason, until) =
            raw;
        let bad = |what: &str| self.error(format!("filter request #{id} has a malformed {what}"));
        Ok(Request {
            id,
            kind: Kind::parse(&kind).ok_or_else(|| bad("kind"))?,
            site,
            host,
            host_unicode,
            registrable_domain: reg,
            subdomains: sub,
            path,
            ip: match ip.as_deref() {
                None => None,
                Some("public") => Some(IpRange::Public),
                Some("private") => Some(IpRange::Private),
                Some(_) => return Err(bad("ip")),
            },
            scope: Scope::parse(&scope).map_err(|_| bad("scope"))?,
            reason,
            until: match until {
                None => None,
                Some(u) => Some(date(Some(u)).ok_or_else(|| bad("until date"))?),
            },
            requested_by: by,
            requested_at: time(&at).ok_or_else(|| bad("time"))?,
        })
    }

    fn event_from(&self, raw: RawEvent) -> Result<Event> {
        let (id, request_id, at, by, event, role, verdict, until, reference, note, review_id) = raw;
        let bad = |what: &str| self.error(format!("filter event #{id} has a malformed {what}"));
        let kind = match event.as_str() {
            "decision" => EventKind::Decision {
                role: role.ok_or_else(|| bad("role"))?,
                verdict: match verdict.as_deref() {
                    Some("approve") => Verdict::Approve,
                    Some("reject") => Verdict::Reject,
                    _ => return Err(bad("verdict")),
                },
                comment: note,
            },
            "applied" => EventKind::Applied { reference },
            "revoked" => EventKind::Revoked { reason: note },
            "removed" => EventKind::Removed { reference },
            "until_changed" => EventKind::UntilChanged {
                until: date(until).ok_or_else(|| bad("until date"))?,
                note,
            },
            "kept" => EventKind::Kept { note },
            _ => return Err(bad("event name")),
        };
        Ok(Event {
            id,
            request_id,
            at: time(&at).ok_or_else(|| bad("time"))?,
            by,
            review_id,
            kind,
        })
    }

    /// Records a request (its `id` is ignored and given by the store) and its action-log row, in
    /// one transaction; returns it with its id.
    pub fn add_filter_request(&self, r: &Request) -> Result<Request> {
        let doing = "recording a filter request";
        let err = |e| self.db_error(doing, e);
        let tx = self.write(doing)?;
        let id = tx.insert_id(
            "INSERT INTO filter_requests (requested_at, requested_by, kind, site, host, host_unicode, \
             registrable_domain, subdomains, path, ip, scope, reason, until) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            db_params![
                fmt_time(r.requested_at),
                r.requested_by.as_str(),
                r.kind.as_str(),
                r.site.as_str(),
                r.host.as_str(),
                r.host_unicode.as_str(),
                r.registrable_domain.as_str(),
                r.subdomains,
                r.path.as_deref(),
                r.ip.map(IpRange::as_str),
                r.scope.to_string(),
                r.reason.as_str(),
                r.until.map(|u| u.to_string()),
            ],
        )
        .map_err(err)?;
        let target = format!("filter#{id}");
        let logged = self.append_in(
            &*tx,
            &[NewAction {
                action: "filter.request",
                target: &target,
                details: json!({
                    "by": r.requested_by, "kind": r.kind.as_str(), "site": r.site, "host": r.host,
                    "path": r.path, "scope": r.scope.to_string(), "reason": r.reason,
                    "until": r.until.map(|u| u.to_string()), "ip": r.ip.map(IpRange::as_str),
                    "subdomains": r.subdomains,
                }),
            }],
        )?;
        tx.commit().map_err(err)?;
        self.announce_logged(&logged);
        Ok(Request { id, ..r.clone() })
    }

    /// Records an event and its action-log row in one transaction.
    pub fn add_filter_event(&self, ev: &NewEvent, at: DateTime<Utc>) -> Result<Event> {
        let doing = "recording a filter event";
        let err = |e| self.db_error(doing, e);
        let tx = self.write(doing)?;
        let (mut role, mut verdict, mut until, mut reference, mut note) =
            (None, None, None, None, String::new());
        match &ev.kind {
            EventKind::Decision {
                role: r,
                verdict: v,
                comment,
            } => {
                role = Some(r.clone());
                verdict = Some(v.as_str());
                note = comment.clone();
            }
            EventKind::Applied { reference: r } | EventKind::Removed { reference: r } => {
                reference = r.clone();
            }
            EventKind::Revoked { reason } => note = reason.clone(),
            EventKind::UntilChanged { until: u, note: n } => {
                until = Some(u.to_string());
                note = n.clone();
            }
            EventKind::Kept { note: n } => note = n.clone(),
        }
        let id = tx
            .insert_id(
                "INSERT INTO filter_events (request_id, at, actor, event, role, verdict, until, reference, note, review_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                db_params![
                    ev.request_id,
                    fmt_time(at),
                    ev.by.as_str(),
                    ev.kind.name(),
                    role,
                    verdict,
                    until,
                    reference,
                    note,
                    ev.review_id
                ],
            )
            .map_err(err)?;
        let target = format!("filter#{}", ev.request_id);
        let action = format!("filter.{}", ev.kind.name());
        let mut details = serde_json::to_value(&ev.kind).unwrap_or_else(|_| json!({}));
        if let serde_json::Value::Object(m) = &mut details {
            m.insert("by".into(), json!(ev.by));
            m.insert("event_id".into(), json!(id));
            if let Some(r) = ev.review_id {
                m.insert("review".into(), json!(r));
            }
        }
        let logged = self.append_in(
            &*tx,
            &[NewAction {
                action: &action,
                target: &target,
                details,
            }],
        )?;
        tx.commit().map_err(err)?;
        self.announce_logged(&logged);
        Ok(Event {
            id,
            request_id: ev.request_id,
            at: at.with_timezone(&Utc),
            by: ev.by.clone(),
            review_id: ev.review_id,
            kind: ev.kind.clone(),
        })
    }

    /// Every request, by id.
    pub fn filter_requests(&self) -> Result<Vec<Request>> {
        let doing = "reading the filter requests";
        let err = |e| self.db_error(doing, e);
        let rows = self
            .db()
            .query(&format!("{SELECT_REQUEST} ORDER BY id"), &[])
            .map_err(err)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.request_from(raw_request(r).map_err(err)?)?);
        }
        Ok(out)
    }

    /// One request.
    pub fn filter_request(&self, id: i64) -> Result<Option<Request>> {
        let doing = "reading a filter request";
        let err = |e| self.db_error(doing, e);
        let row = self
            .db()
            .query_one(&format!("{SELECT_REQUEST} WHERE id = ?1"), db_params![id])
            .map_err(err)?;
        match row {
            Some(r) => self.request_from(raw_request(&r).map_err(err)?).map(Some),
            None => Ok(None),
        }
    }

    /// Every event (all requests, or one), by id.
    pub fn filter_events(&self, request: Option<i64>) -> Result<Vec<Event>> {
        let doing = "reading the filter events";
        let err = |e| self.db_error(doing, e);
        let rows = match request {
            Some(id) => self.db().query(
                &format!("{SELECT_EVENT} WHERE request_id = ?1 ORDER BY id"),
                db_params![id],
            ),
            None => self.db().query(&format!("{SELECT_EVENT} ORDER BY id"), &[]),
        }
        .map_err(err)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.event_from(raw_event(r).map_err(err)?)?);
        }
        Ok(out)
    }

    /// True when no filter request has been recorded.
    pub fn filter_is_empty(&self) -> Result<bool> {
        let err = |e| self.db_error("reading the filter requests", e);
        let row = self
            .db()
            .query_one("SELECT count(*) FROM filter_requests", &[])
            .map_err(err)?;
        let n = match row {
            Some(r) => r.int(0).map_err(err)?,
            None => 0,
        };
        Ok(n == 0)
    }

    /// Starts a review of `items` (the exceptions in force); refused by the store while another
    /// review is open.
    pub fn start_filter_review(
        &self,
        by: &str,
        items: &[i64],
        at: DateTime<Utc>,
    ) -> Result<Review> {
        let doing = "starting a filter review";
        let err = |e| self.db_error(doing, e);
        let tx = self.write(doing)?;
        let list = serde_json::to_string(items).unwrap_or_else(|_| "[]".into());
        let id = tx
            .insert_id(
                "INSERT INTO filter_reviews (started_at, started_by, items) VALUES (?1, ?2, ?3)",
                db_params![fmt_time(at), by, list],
            )
            .map_err(err)?;
        let logged = self.append_in(
            &*tx,
            &[NewAction {
                action: "filter.review.start",
                target: &format!("filter-review#{id}"),
                details: json!({ "by": by, "items": items }),
            }],
        )?;
        tx.commit().map_err(err)?;
        self.announce_logged(&logged);
        Ok(Review {
            id,
            started_at: at,
            started_by: by.to_string(),
            items: items.to_vec(),
            closed: None,
        })
    }

    /// Closes a review (it takes no more items afterwards).
    pub fn close_filter_review(
        &self,
        id: i64,
        close: &ReviewClose,
        summary: serde_json::Value,
    ) -> Result<()> {
        let doing = "closing a filter review";
        let err = |e| self.db_error(doing, e);
        let tx = self.write(doing)?;
        tx.execute(
            "INSERT INTO filter_review_closes (review_id, closed_at, closed_by, checks, note) VALUES (?1, ?2, ?3, ?4, ?5)",
            db_params![
                id,
                fmt_time(close.at),
                close.by.as_str(),
                close.checks.as_str(),
                close.note.as_str()
            ],
        )
        .map_err(err)?;
        let logged = self.append_in(
            &*tx,
            &[NewAction {
                action: "filter.review.close",
                target: &format!("filter-review#{id}"),
                details: json!({ "by": close.by, "checks": close.checks, "note": close.note, "summary": summary }),
            }],
        )?;
        tx.commit().map_err(err)?;
        self.announce_logged(&logged);
        Ok(())
    }

    /// Every review, oldest first.
    pub fn filter_reviews(&self) -> Result<Vec<Review>> {
        let doing = "reading the filter reviews";
        let err = |e| self.db_error(doing, e);
        let rows = self
            .db()
            .query(
                "SELECT r.id, r.started_at, r.started_by, r.items, c.closed_at, c.closed_by, c.checks, c.note \
                 FROM filter_reviews r LEFT JOIN filter_review_closes c ON c.review_id = r.id ORDER BY r.id",
                &[],
            )
            .map_err(err)?;
        let mut out = Vec::new();
        for r in &rows {
            let read = || -> std::result::Result<_, DbError> {
                Ok((
                    r.int(0)?,
                    r.string(1)?,
                    r.string(2)?,
                    r.string(3)?,
                    r.opt_string(4)?,
                    r.opt_string(5)?,
                    r.opt_string(6)?,
                    r.opt_string(7)?,
                ))
            };
            let (id, started, by, items, closed_at, closed_by, checks, note) =
                read().map_err(err)?;
            let bad =
                |what: &str| self.error(format!("filter review #{id} has a malformed {what}"));
            let closed = match closed_at {
                None => None,
                Some(at) => Some(ReviewClose {
                    at: parse_time(&at).ok_or_else(|| bad("close time"))?,
                    by: closed_by.unwrap_or_default(),
                    checks: checks.unwrap_or_default(),
                    note: note.unwrap_or_default(),
                }),
            };
            out.push(Review {
                id,
                started_at: parse_time(&started).ok_or_else(|| bad("start time"))?,
                started_by: by,
                items: serde_json::from_str(&items).map_err(|_| bad("item list"))?,
                closed,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn quick_time_reader_agrees_with_the_strict_one() {
        for s in [
            "2026-11-25T09:30:00Z",
            "2024-02-29T23:59:59Z",
            "2031-01-10T00:00:00Z",
        ] {
            assert_eq!(time(s), parse_time(s), "{s}");
        }
        assert_eq!(time("2026-02-30T09:30:00Z"), None);
        assert_eq!(time("2026-11-25T25:30:00Z"), None);
        assert_eq!(ymd(b"2031-01-10"), NaiveDate::from_ymd_opt(2031, 1, 10));
        assert_eq!(ymd(b"2031-1-10"), None);
    }

    #[test]
    fn an_event_and_its_log_row_are_written_together() {
        let s = Store::open_in_memory().unwrap().with_operator("tech");
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        let site = crate::domain::filter::normalise("example.com", Default::default()).unwrap();
        let r = s
            .add_filter_request(&Request {
                id: 0,
                kind: Kind::Unblock,
                site: "example.com".into(),
                host: site.host,
                host_unicode: site.host_unicode,
                registrable_domain: site.registrable_domain,
                subdomains: false,
                path: None,
                ip: None,
                scope: Scope::Pupils,
                reason: "r".into(),
                until: NaiveDate::from_ymd_opt(2027, 1, 1),
                requested_by: "teacher".into(),
                requested_at: at,
            })
            .unwrap();
        assert_eq!(s.filter_request(r.id).unwrap(), Some(r.clone()));
        let ev = NewEvent {
            request_id: r.id,
            by: "nm".into(),
            review_id: None,
            kind: EventKind::Decision {
                role: "network-manager".into(),
                verdict: Verdict::Approve,
                comment: "ok".into(),
            },
        };
        s.add_filter_event(&ev, at).unwrap();
        // the same role again is refused by the database, and nothing reaches the log
        assert!(s.add_filter_event(&ev, at).is_err());
        let log = s.log(&Default::default()).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].action, "filter.decision");
        assert_eq!(log[1].action, "filter.request");
        assert_eq!(s.filter_events(Some(r.id)).unwrap().len(), 1);
    }
}
