//! The termly audit: open a round, scan tags (a barcode scanner types a tag and Enter), close it,
//! report what was seen, moved, not seen and unknown, with counts per room.

use crate::domain::inventory::audit::{audit_overdue, classify};
use crate::domain::inventory::{ScanOutcome, Status};
use crate::domain::time::LondonDate;
use crate::error::{Error, Result};
use crate::ops::actions::store;
use crate::ops::Ctx;
use crate::store::inventory::{AssetQuery, Round};
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Opens a round. Only one round is open at a time.
pub fn start(ctx: &Ctx, name: &str) -> Result<Round> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Usage(
            "give the round a name: --name \"Autumn 2026\"".into(),
        ));
    }
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("starting an audit round", ctx.now())?;
    if let Some((_, open)) = tx.open_round()? {
        return Err(Error::Usage(format!(
            "the audit round \"{open}\" is still open; close it first with `inventory audit close`"
        )));
    }
    if s.round(Some(name))?.is_some() {
        return Err(Error::Usage(format!(
            "there is already an audit round named \"{name}\"; choose another name"
        )));
    }
    let id = tx.start_round(name)?;
    tx.log("audit.start", name, json!({"round": id}));
    tx.commit()?;
    s.round(Some(name))?
        .ok_or_else(|| s_error(&s, "the new audit round cannot be read back"))
}

fn s_error(s: &Store, m: &str) -> Error {
    Error::Store {
        path: s.path().to_path_buf(),
        detail: m.to_string(),
    }
}

/// What one scan did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanResult {
    /// The tag as scanned.
    pub tag: String,
    /// What it meant.
    pub outcome: ScanOutcome,
    /// The room the register holds for it (None for an unknown tag).
    pub registered_room: Option<String>,
    /// The room the scanner was in.
    pub room: String,
}

/// A scanning session: one open store handle for many scans (the TUI scan mode keeps one).
/// `fast` sets the store connection to `synchronous = NORMAL` (see [`Store::set_synchronous_normal`]).
pub struct ScanSession {
    store: Store,
    round_id: i64,
    /// The round's name.
    pub round: String,
}

impl ScanSession {
    /// Opens a session on the open round.
    pub fn open(ctx: &Ctx, fast: bool) -> Result<ScanSession> {
        let store = store(ctx)?;
        let r = store.open_round()?.ok_or_else(|| {
            Error::Usage(
                "no audit round is open; start one with `inventory audit start --name \"Autumn 2026\"`"
                    .into(),
            )
        })?;
        if fast {
            store.set_synchronous_normal()?;
        }
        Ok(ScanSession {
            store,
            round_id: r.id,
            round: r.name,
        })
    }

    /// Records one scan at `now`: seen, moved (another room than its own), unknown (recorded, not
    /// dropped) or already (scanned before in this round).
    pub fn scan(&self, tag: &str, room: Option<&str>, now: DateTime<Utc>) -> Result<ScanResult> {
        let tag = tag.trim();
        if tag.is_empty() {
            return Err(Error::Usage("an empty scan; scan the label again".into()));
        }
        // Scanner noise is refused, not recorded as an unknown tag.
        let tag = check_scan_tag(tag).map_err(Error::Usage)?;
        let tag = tag.as_str();
        let room = room.map(str::trim).unwrap_or("").to_string();
        let mut tx = self.store.inventory_tx("recording a scan", now)?;
        let found = tx.scan_lookup(self.round_id, tag)?;
        let (outcome, asset_id, registered, shown) = match &found {
            None => (
                classify(None, false, Some(&room)),
                None,
                None,
                tag.to_string(),
            ),
            Some((id, t, own, _status, already)) => (
                classify(Some(own), *already, Some(&room)),
                Some(*id),
                Some(own.clone()),
                t.clone(),
            ),
        };
        let mark =
            matches!(outcome, ScanOutcome::Seen | ScanOutcome::Moved).then(|| now.london_date());
        tx.insert_scan(self.round_id, &shown, asset_id, &room, outcome, mark)?;
        tx.log(
            "audit.scan",
            &shown,
            json!({"round": self.round, "room": room, "outcome": outcome}),
        );
        tx.commit()?;
        Ok(ScanResult {
            tag: shown,
            outcome,
            registered_room: registered,
            room,
        })
    }
}

/// Whether a scan is an asset tag at all (the register's tag rule: 1 to 20 letters, digits and
/// `- _ . /`): what is not (scanner noise, a stray keystroke run) is refused and not recorded,
/// while a tag of the right form that the register lacks is recorded as unknown.
pub fn check_scan_tag(tag: &str) -> std::result::Result<String, String> {
    crate::domain::inventory::asset::check_tag(tag)
        .map_err(|e| format!("not an asset tag, not recorded ({e}); scan the label again"))
}

/// One scan in the open round (opens the store for it).
pub fn scan(ctx: &Ctx, tag: &str, room: Option<&str>) -> Result<ScanResult> {
    ScanSession::open(ctx, false)?.scan(tag, room, ctx.now())
}

/// Closes the open round.
pub fn close(ctx: &Ctx) -> Result<Round> {
    let s = store(ctx)?;
    let mut tx = s.inventory_tx("closing an audit round", ctx.now())?;
    let (id, name) = tx
        .open_round()?
        .ok_or_else(|| Error::Usage("no audit round is open; nothing to close".into()))?;
    tx.close_round(id)?;
    tx.log("audit.close", &name, json!({"round": id}));
    tx.commit()?;
    s.round(Some(&name))?
        .ok_or_else(|| s_error(&s, "the closed audit round cannot be read back"))
}

/// An asset seen in the round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sighting {
    /// Tag.
    pub tag: String,
    /// What it is.
    pub description: String,
    /// Its registered room.
    pub room: String,
    /// Where it was scanned ('' when the scan named no room).
    pub scanned_in: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// An asset not seen in the round (a candidate for `lost`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    /// Tag.
    pub tag: String,
    /// What it is.
    pub description: String,
    /// Registered room.
    pub room: String,
    /// Status.
    pub status: Status,
    /// Who has it, if on loan.
    pub loaned_to: Option<String>,
}

/// Counts for one room.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RoomCount {
    /// Registered here and seen (here or elsewhere).
    pub seen: usize,
    /// Registered here, seen elsewhere.
    pub moved_out: usize,
    /// Registered here, not seen.
    pub not_seen: usize,
    /// Unknown tags scanned here.
    pub unknown: usize,
}

/// The round's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// The round.
    pub round: Round,
    /// Seen where expected.
    pub seen: Vec<Sighting>,
    /// Seen in another room than their own.
    pub moved: Vec<Sighting>,
    /// Expected but not seen.
    pub not_seen: Vec<Missing>,
    /// Tags the register does not know: (tag, room, times scanned).
    pub unknown: Vec<(String, String, usize)>,
    /// Per room (registered room; unknown tags by the room scanned in).
    pub rooms: BTreeMap<String, RoomCount>,
    /// Assets not audited for longer than `audit_interval_days`.
    pub overdue_audit: Vec<String>,
    /// The interval used.
    pub audit_interval_days: u32,
}

/// The report of a round (`name`), or of the newest.
pub fn report(ctx: &Ctx, name: Option<&str>) -> Result<AuditReport> {
    let s = store(ctx)?;
    let round = s.round(name)?.ok_or_else(|| match name {
        Some(n) => Error::NotFound(format!("no audit round named \"{n}\"")),
        None => Error::Usage(
            "there has been no audit round yet; start one with `inventory audit start --name NAME`"
                .into(),
        ),
    })?;
    let scans = s.scans(round.id)?;
    let assets = s.assets(&AssetQuery::default())?;
    let mut first: HashMap<i64, (ScanOutcome, String, DateTime<Utc>)> = HashMap::new();
    let mut unknown: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for sc in &scans {
        match (sc.asset_id, sc.outcome) {
            (Some(id), ScanOutcome::Seen | ScanOutcome::Moved) => {
                first
                    .entry(id)
                    .or_insert((sc.outcome, sc.room.clone(), sc.at));
            }
            (None, _) => {
                let e = unknown
                    .entry(sc.tag.clone())
                    .or_insert((sc.room.clone(), 0));
                e.1 += 1;
            }
            _ => {}
        }
    }
    let mut rep = AuditReport {
        round,
        seen: Vec::new(),
        moved: Vec::new(),
        not_seen: Vec::new(),
        unknown: unknown.into_iter().map(|(t, (r, n))| (t, r, n)).collect(),
        rooms: BTreeMap::new(),
        overdue_audit: Vec::new(),
        audit_interval_days: ctx.config.inventory.audit_interval_days,
    };
    let today = ctx.now().london_date();
    for r in &assets {
        let a = &r.asset;
        let room = if a.room.is_empty() {
            "(no room)".to_string()
        } else {
            a.room.clone()
        };
        match first.get(&a.id) {
            Some((outcome, scanned_in, at)) => {
                let sighting = Sighting {
                    tag: a.tag.clone(),
                    description: a.description(),
                    room: a.room.clone(),
                    scanned_in: scanned_in.clone(),
                    at: *at,
                };
                let c = rep.rooms.entry(room).or_default();
                c.seen += 1;
                if *outcome == ScanOutcome::Moved {
                    c.moved_out += 1;
                    rep.moved.push(sighting);
                } else {
                    rep.seen.push(sighting);
                }
            }
            None if a.status.expected_in_audit() => {
                rep.rooms.entry(room).or_default().not_seen += 1;
                rep.not_seen.push(Missing {
                    tag: a.tag.clone(),
                    description: a.description(),
                    room: a.room.clone(),
                    status: a.status,
                    loaned_to: r.loaned_to.clone(),
                });
            }
            None => {}
        }
        if a.status.expected_in_audit()
            && !first.contains_key(&a.id)
            && audit_overdue(a.last_audited, today, rep.audit_interval_days)
        {
            rep.overdue_audit.push(a.tag.clone());
        }
    }
    for (_, room, _) in &rep.unknown {
        let room = if room.is_empty() {
            "(no room)".to_string()
        } else {
            room.clone()
        };
        rep.rooms.entry(room).or_default().unknown += 1;
    }
    Ok(rep)
}
