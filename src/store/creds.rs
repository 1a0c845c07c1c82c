//! The shared-login register in the store (never a password), as events: each event carries the
//! login as it stood after it, and the register is the last event of each name. Append-only
//! (the triggers of its migration refuse UPDATE, DELETE and REPLACE, a second "created" of a
//! name, and an "updated" that moves the date); every event is written with its action-log row
//! in one transaction.

use super::engine::{DbError, Row};
use super::{fmt_time, parse_time, NewAction, Store};
use crate::db_params;
use crate::domain::creds::{CredEvent, CredEventKind, Credential};
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde_json::json;

/// An event to record (its id is given by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredEvent<'a> {
    /// What happened.
    pub event: CredEventKind,
    /// Who did it (a directory username, else the operator).
    pub by: &'a str,
    /// The login after it.
    pub after: &'a Credential,
    /// What it changed, in words.
    pub note: Option<&'a str>,
}

const SELECT: &str = "SELECT id, name, at, by, event, system, known_by, owner, period_days, \
    last_rotated, note FROM credential_events";

type Raw = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    u32,
    String,
    Option<String>,
);

fn raw(r: &Row) -> std::result::Result<Raw, DbError> {
    let period = r.int(8)?;
    Ok((
        r.int(0)?,
        r.string(1)?,
        r.string(2)?,
        r.string(3)?,
        r.string(4)?,
        r.string(5)?,
        r.string(6)?,
        r.string(7)?,
        u32::try_from(period)
            .map_err(|_| DbError::other(format!("period_days {period} is out of range")))?,
        r.string(9)?,
        r.opt_string(10)?,
    ))
}

impl Store {
    fn cred_event_from(&self, r: Raw) -> Result<CredEvent> {
        let (id, name, at, by, event, system, known, owner, period_days, rotated, note) = r;
        let bad = |what: &str| {
            self.error(format!(
                "shared-login event #{id} ({name}) has a malformed {what}"
            ))
        };
        let known_by: Vec<String> =
            serde_json::from_str(&known).map_err(|_| bad("known_by list"))?;
        Ok(CredEvent {
            id,
            at: parse_time(&at).ok_or_else(|| bad("time"))?,
            by,
            event: CredEventKind::parse(&event).ok_or_else(|| bad("event name"))?,
            after: Credential {
                last_rotated: parse_time(&rotated).ok_or_else(|| bad("date"))?,
                name,
                system,
                known_by,
                owner,
                period_days,
            },
            note,
        })
    }

    fn cred_events_where(&self, clause: &str, name: Option<&str>) -> Result<Vec<CredEvent>> {
        let doing = "read the shared-login history";
        let sql = format!("{SELECT} {clause} ORDER BY id");
        let params = match name {
            Some(n) => vec![n.into()],
            None => Vec::new(),
        };
        let rows = self
            .db()
            .query(&sql, &params)
            .map_err(|e| self.db_error(doing, e))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(self.cred_event_from(raw(&row).map_err(|e| self.db_error(doing, e))?)?);
        }
        Ok(out)
    }

    /// Records one event of a shared login and its action-log row (`action`, with `details`)
    /// in one transaction; returns the event as stored.
    pub fn add_cred_event(
        &self,
        ev: &NewCredEvent<'_>,
        action: &str,
        details: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<CredEvent> {
        let doing = "record a shared-login change";
        let c = ev.after;
        let tx = self.write(doing)?;
        let known = serde_json::to_string(&c.known_by)
            .map_err(|e| self.error(format!("cannot write the known-by list: {e}")))?;
        let id = tx
            .insert_id(
                "INSERT INTO credential_events (name, at, by, event, system, known_by, owner, \
             period_days, last_rotated, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                db_params![
                    c.name.as_str(),
                    fmt_time(at),
                    ev.by,
                    ev.event.as_str(),
                    c.system.as_str(),
                    known,
                    c.owner.as_str(),
                    c.period_days,
                    fmt_time(c.last_rotated),
                    ev.note,
                ],
            )
            .map_err(|e| self.db_error(doing, e))?;
        let mut details = details;
        if let Some(o) = details.as_object_mut() {
            o.insert("event".into(), json!(id));
            o.insert("by".into(), json!(ev.by));
        }
        let logged = self.append_in(
            &*tx,
            &[NewAction {
                action,
                target: &c.name,
                details,
            }],
        )?;
        tx.commit().map_err(|e| self.db_error(doing, e))?;
        self.announce_logged(&logged);
        Ok(CredEvent {
            id,
            at: parse_time(&fmt_time(at)).unwrap_or(at),
            by: ev.by.to_string(),
            event: ev.event,
            after: Credential {
                last_rotated: parse_time(&fmt_time(c.last_rotated)).unwrap_or(c.last_rotated),
                ..c.clone()
            },
            note: ev.note.map(String::from),
        })
    }

    /// Every event of the register (oldest first), or of one login (by name, without regard to
    /// case).
    pub fn cred_events(&self, name: Option<&str>) -> Result<Vec<CredEvent>> {
        match name {
            Some(_) => self.cred_events_where("WHERE name = ?1", name),
            None => self.cred_events_where("", None),
        }
    }

    /// The register: each login as its last event left it, by name.
    pub fn credentials(&self) -> Result<Vec<Credential>> {
        let mut out: Vec<Credential> = self
            .cred_events_where(
                "WHERE id IN (SELECT max(id) FROM credential_events GROUP BY name)",
                None,
            )?
            .into_iter()
            .map(|e| e.after)
            .collect();
        out.sort_by_key(|c| c.name.to_lowercase());
        Ok(out)
    }

    /// One login by name (without regard to case).
    pub fn credential(&self, name: &str) -> Result<Option<Credential>> {
        Ok(self
            .cred_events_where(
                "WHERE id = (SELECT max(id) FROM credential_events WHERE name = ?1)",
                Some(name),
            )?
            .pop()
            .map(|e| e.after))
    }
}
