//! The local mirror of the directory, kept fresh by deltas (issue 14).
//!
//! Readers (`accounts list`, `passwords report`, `leavers scan`, the TUI's lists) call
//! [`search_accounts`]: it fetches what changed since the mirror's marker *before* answering,
//! so the answer is as current as a full read, and reads the directory in full instead whenever
//! the mirror cannot be trusted: none yet, damaged (truncated, edited, unreadable), of another
//! flavour, server or base, numbered by another DC, a DC restored from a backup (invocationId
//! changed), a marker that went back, entries the delta did not explain (a gap), or a change a
//! delta cannot follow (a password policy). Each such full read says why at info level.
//!
//! The mirror is a cache of the directory, not a record of something done: its writes are not
//! action-logged. What the deltas show that no action-log row explains is recorded in the
//! append-only `outside_changes` table and listed by `schooltech changes`.

use super::protect::Protection;
use super::Ctx;
use crate::directory::attrs::{parse_generalized_time, Entry};
use crate::directory::sync::{under, ChangeSource, Delta, Kind, Marker, Mirrored};
use crate::directory::{escape::first_rdn_value, Flavour, Group, Listing};
use crate::domain::account::AccountQuery;
use crate::error::{Error, Result};
use crate::store::actionlog::LogFilter;
use crate::store::mirror::{
    checksum_hex, row_hash, xor_into, Loaded, MirrorMeta, MirrorRow, OutsideChange, MIRROR_FORMAT,
};
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

/// While a full read of the directory runs: the entries counter when it began (`u64::MAX`
/// when none runs).
static FULL_READ_FROM: AtomicU64 = AtomicU64::new(u64::MAX);

/// How far a full read of the directory has come: the entries received so far, or None when
/// none is running. For the faces' progress displays (a full read of 20,000 accounts takes a
/// while; a delta does not).
pub fn full_read_progress() -> Option<u64> {
    let from = FULL_READ_FROM.load(Ordering::Relaxed);
    (from != u64::MAX).then(|| {
        crate::directory::conn::ENTRIES_RECEIVED
            .load(Ordering::Relaxed)
            .saturating_sub(from)
    })
}

/// Marks a full read as running for as long as it lives (ended on drop, also when cancelled).
struct FullReading;

impl FullReading {
    fn start() -> FullReading {
        FULL_READ_FROM.store(
            crate::directory::conn::ENTRIES_RECEIVED.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        FullReading
    }
}

impl Drop for FullReading {
    fn drop(&mut self) {
        FULL_READ_FROM.store(u64::MAX, Ordering::Relaxed);
    }
}

/// More accounts than this to re-read after group changes: read everything instead.
pub const REREAD_LIMIT: usize = 2000;

/// How the mirror was brought up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// Read in full, and why.
    Full(String),
    /// A delta: entries changed (incl. re-read members of changed groups) and removed.
    Delta {
        /// Entries fetched again.
        changed: usize,
        /// Entries removed.
        removed: usize,
    },
}

/// The mirror after a refresh.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// Every mirrored account entry, current as of `read_at`.
    pub accounts: Vec<Entry>,
    /// Every mirrored group entry.
    pub groups: Vec<Entry>,
    /// When the directory was read.
    pub read_at: DateTime<Utc>,
    /// Full or delta.
    pub how: How,
    /// Changes found that no action-log row explains (already recorded).
    pub found: Vec<OutsideChange>,
}

/// True when readers of this context go through the mirror.
pub fn in_use(ctx: &Ctx) -> bool {
    ctx.use_mirror && ctx.dir.changes().is_some()
}

/// Accounts for `query`: from the mirror plus a delta when in use, else a full read.
pub async fn search_accounts(ctx: &Ctx, query: &AccountQuery) -> Result<Listing> {
    let Some(src) = ctx.dir.changes().filter(|_| ctx.use_mirror) else {
        return ctx.dir.search_accounts(query).await;
    };
    match refresh(ctx).await {
        Ok(r) => {
            let _span = crate::ops::sync::Timing::start("mirror: accounts mapped");
            listing(src, r.accounts, &r.groups, query).await
        }
        Err(e @ Error::Store { .. }) => {
            tracing::warn!("the directory mirror is not usable ({e}); reading in full");
            ctx.dir.search_accounts(query).await
        }
        Err(e) => Err(e),
    }
}

/// The demo's changes made outside schooltech (it has no mirror to find them): a member added to
/// the protected IT Admins group, a password set to never expire and an account created by hand,
/// so `--demo changes` shows what a real directory's would. They are dated before the current
/// term, so the demo's termly report is unchanged.
pub fn seed_demo(ctx: &Ctx) -> Result<()> {
    let store = ctx.store()?;
    if !store.outside_changes(None)?.is_empty() {
        return Ok(());
    }
    let now = ctx.wall_now();
    let base = ctx.dir.base_dn().to_string();
    let at = |days: i64, n: u32| OutsideChange {
        detected_at: now - Duration::days(days) + Duration::minutes(5),
        changed_at: Some(now - Duration::days(days)),
        kind: "account".into(),
        target: String::new(),
        dn: String::new(),
        change: String::new(),
        who: None,
        stamp: format!("demo-{n}"),
        protected: false,
    };
    let rows = vec![
        OutsideChange {
            kind: "group".into(),
            target: "IT Admins".into(),
            dn: format!("CN=IT Admins,OU=Groups,OU=School,{base}"),
            change: "member added: spatel".into(),
            protected: true,
            ..at(130, 1)
        },
        OutsideChange {
            target: "24santosl".into(),
            dn: format!("CN=Lewis Santos,OU=Year 9,OU=Pupils,OU=School,{base}"),
            change: "password set to never expire".into(),
            ..at(110, 2)
        },
        OutsideChange {
            target: "temp.projector".into(),
            dn: format!("CN=Temp Projector,OU=Staff,OU=School,{base}"),
            change: "created".into(),
            ..at(100, 3)
        },
    ];
    store.record_outside_changes(&rows)
}

/// Who holds each MIS id (lower-cased MIS id to username), from the mirror after a delta: an
/// import's check that its MIS ids have no account yet, without searching every account for
/// them (the MIS attribute is seldom indexed: 200 ids took ~1 s on a 20,000-account Samba).
/// None when there is no mirror yet or it is off: the caller searches the directory.
pub async fn mis_holders(ctx: &Ctx) -> Result<Option<HashMap<String, String>>> {
    if !in_use(ctx) {
        return Ok(None);
    }
    let unlocked = crate::directory::openldap::DISABLED_LOCK;
    let header = match ctx.store().and_then(|s| s.mirror_header(unlocked)) {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!("the directory mirror is not usable ({e}); searching the directory");
            return Ok(None);
        }
    };
    if header.is_none() {
        return Ok(None);
    }
    refresh_quietly(ctx).await?;
    let user = ctx.dir.username_attribute();
    let mis = ctx.config.directory.mis_id_attribute.to_ascii_lowercase();
    let held = ctx
        .store()?
        .mirror_values(Kind::Account.as_str(), &mis, user)?;
    Ok(Some(
        held.into_iter()
            .map(|(m, u)| (m.to_lowercase(), u))
            .collect(),
    ))
}

/// Accounts for `query` from the stored mirror alone, without asking the directory what
/// changed, and when it was read: for showing something at once while [`search_accounts`]
/// runs. None when there is no usable mirror of this directory.
pub async fn stored(ctx: &Ctx, query: &AccountQuery) -> Result<Option<(Listing, DateTime<Utc>)>> {
    let Some(src) = ctx.dir.changes().filter(|_| ctx.use_mirror) else {
        return Ok(None);
    };
    let Loaded::Sound(meta, rows) = ctx.store()?.mirror_load()? else {
        return Ok(None);
    };
    if meta.format != MIRROR_FORMAT
        || meta.flavour != flavour_word(ctx.dir.flavour())
        || meta.server != ctx.dir.server()
        || !meta.base_dn.eq_ignore_ascii_case(ctx.dir.base_dn())
    {
        return Ok(None);
    }
    let (mut accounts, mut groups) = (Vec::with_capacity(rows.len()), Vec::new());
    for r in rows {
        match decode(r) {
            Ok(m) if m.kind == Kind::Account => accounts.push(m.entry),
            Ok(m) => groups.push(m.entry),
            Err(_) => return Ok(None),
        }
    }
    Ok(Some((
        listing(src, accounts, &groups, query).await?,
        meta.read_at,
    )))
}

/// Filters mirrored entries as the flavour's search filter would, and maps them (with the
/// mirrored groups, for memberships the flavour reads from the groups).
pub async fn listing(
    src: &dyn ChangeSource,
    accounts: Vec<Entry>,
    groups: &[Entry],
    query: &AccountQuery,
) -> Result<Listing> {
    let text = query
        .search
        .as_deref()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    let text_attrs = src.text_attrs();
    let picked: Vec<Entry> = accounts
        .into_iter()
        .filter(|e| query.ou.as_deref().is_none_or(|ou| under(&e.dn, ou)))
        .filter(|e| {
            text.as_deref().is_none_or(|t| {
                text_attrs
                    .iter()
                    .any(|a| e.all(a).iter().any(|v| v.to_lowercase().contains(t)))
            })
        })
        .collect();
    let mut l = src.listing(picked, groups, query).await?;
    if query.disabled_only {
        l.accounts.retain(|a| !a.enabled);
    }
    Ok(l)
}

fn flavour_word(f: Flavour) -> &'static str {
    match f {
        Flavour::ActiveDirectory => "active-directory",
        Flavour::Openldap => "openldap",
        Flavour::Demo => "demo",
    }
}

/// Why a stored mirror cannot be followed by a delta from `marker`, if it cannot.
pub fn why_full(meta: &MirrorMeta, ctx: &Ctx, marker: &Marker) -> Option<String> {
    let ad = ctx.dir.flavour() == Flavour::ActiveDirectory;
    if meta.format != MIRROR_FORMAT {
        return Some(format!(
            "the mirror has layout {} (this schooltech writes {MIRROR_FORMAT})",
            meta.format
        ));
    }
    if meta.flavour != flavour_word(ctx.dir.flavour()) {
        return Some(format!(
            "the mirror is of another kind of directory ({})",
            meta.flavour
        ));
    }
    if meta.server != ctx.dir.server() {
        return Some(format!("the mirror is of another server ({})", meta.server));
    }
    if !meta.base_dn.eq_ignore_ascii_case(ctx.dir.base_dn()) {
        return Some(format!(
            "the mirror is of another base DN ({})",
            meta.base_dn
        ));
    }
    if meta.identity != marker.identity {
        return Some(if ad {
            format!(
                "a different domain controller answered ({}; the mirror was numbered by {}): update numbers are per DC",
                marker.identity, meta.identity
            )
        } else {
            "the directory's suffix entry is not the one mirrored (entryUUID changed: a rebuilt database?)".into()
        });
    }
    if meta.invocation != marker.invocation {
        return Some(
            "the domain controller's invocationId changed (restored from a backup?): its update numbers cannot be trusted"
                .into(),
        );
    }
    if ad {
        match (meta.position.parse::<u64>(), marker.position.parse::<u64>()) {
            (Ok(old), Ok(new)) if new < old => {
                return Some(format!(
                    "highestCommittedUSN went back from {old} to {new} (a gap in the change marker)"
                ))
            }
            (Ok(_), Ok(_)) => {}
            _ => return Some("the change marker is not a number".into()),
        }
    } else if !marker.position.is_empty() && marker.position < meta.position {
        return Some(format!(
            "contextCSN went back from {} to {} (restored from a backup?)",
            meta.position, marker.position
        ));
    }
    None
}

fn encode(m: &Mirrored) -> Result<MirrorRow> {
    let sorted: BTreeMap<&String, &Vec<String>> = m.entry.attrs.iter().collect();
    let attrs = serde_json::to_string(&sorted).map_err(|e| Error::Input(e.to_string()))?;
    Ok(MirrorRow {
        id: m.id.clone(),
        kind: m.kind.as_str().to_string(),
        dn: m.entry.dn.clone(),
        stamp: m.stamp.clone(),
        attrs,
    })
}

fn decode(r: MirrorRow) -> std::result::Result<Mirrored, String> {
    let kind = Kind::parse(&r.kind).ok_or_else(|| format!("an entry of kind {:?}", r.kind))?;
    let attrs: HashMap<String, Vec<String>> = serde_json::from_str(&r.attrs)
        .map_err(|e| format!("unreadable attributes of {} ({e})", r.dn))?;
    Ok(Mirrored {
        id: r.id,
        kind,
        stamp: r.stamp,
        entry: Entry { dn: r.dn, attrs },
    })
}

struct Old {
    meta: MirrorMeta,
    entries: HashMap<String, Mirrored>,
}

/// The mirror being brought up to date: the entries, and the old version of each one changed
/// (None: it did not exist), so the old mirror can be compared or put back without a copy.
struct Working {
    map: HashMap<String, Mirrored>,
    prev: HashMap<String, Option<Mirrored>>,
}

impl Working {
    fn put(&mut self, m: Mirrored) {
        let id = m.id.clone();
        let old = self.map.insert(id.clone(), m);
        self.prev.entry(id).or_insert(old);
    }

    fn remove(&mut self, id: &str) {
        if let Some(old) = self.map.remove(id) {
            self.prev.entry(id.to_string()).or_insert(Some(old));
        }
    }

    /// The old mirror again (for a full read that compares with it).
    fn restore(mut self, meta: MirrorMeta) -> Old {
        for (id, old) in self.prev {
            match old {
                Some(m) => {
                    self.map.insert(id, m);
                }
                None => {
                    self.map.remove(&id);
                }
            }
        }
        Old {
            meta,
            entries: self.map,
        }
    }

    /// The old versions that existed, by id.
    fn old_versions(&self) -> HashMap<String, Mirrored> {
        self.prev
            .iter()
            .filter_map(|(id, m)| Some((id.clone(), m.clone()?)))
            .collect()
    }
}

/// Brings the mirror up to date (delta or full read) and records what changed outside
/// schooltech. Errors: the directory's (unreachable, refused) and the store's.
pub async fn refresh(ctx: &Ctx) -> Result<Refreshed> {
    refresh_from(ctx, None).await
}

/// A delta already fetched against the mirror whose header is `meta`.
struct Fetched {
    meta: MirrorMeta,
    marker: Marker,
    delta: Delta,
}

/// Brings the mirror up to date without loading its rows when the directory has nothing new
/// for it (no change, no deletion, no locked account to look at again): only its header moves
/// on. Otherwise as [`refresh`], with the delta already fetched. For `changes`, which needs the
/// outside changes recorded, not the accounts.
pub async fn refresh_quietly(ctx: &Ctx) -> Result<How> {
    let src = source(ctx)?;
    let unlocked = crate::directory::openldap::DISABLED_LOCK;
    let Some((meta, locked)) = ctx.store()?.mirror_header(unlocked)? else {
        return Ok(refresh(ctx).await?.how);
    };
    let marker = src.marker().await?;
    if locked > 0 || why_full(&meta, ctx, &marker).is_some() {
        return Ok(refresh(ctx).await?.how);
    }
    let since = Marker {
        identity: meta.identity.clone(),
        invocation: meta.invocation.clone(),
        position: meta.position.clone(),
    };
    let delta = read_delta(ctx, src, &since).await?;
    // OpenLDAP's delta reads again what changed shortly before the marker (its safety overlap):
    // an entry read again exactly as mirrored is no change.
    let mut quiet = delta.needs_full.is_none() && delta.deleted.is_empty();
    if quiet && !delta.changed.is_empty() {
        let ids: Vec<String> = delta.changed.iter().map(|m| m.id.clone()).collect();
        let stored = ctx.store()?.mirror_rows(&ids)?;
        let fresh = delta
            .changed
            .iter()
            .map(encode)
            .collect::<Result<Vec<_>>>()?;
        quiet = stored.len() == fresh.len() && stored.iter().zip(&fresh).all(|(a, b)| a == b);
    }
    if let (true, Some(live)) = (quiet, &delta.live_dns) {
        let known = ctx.store()?.mirror_dns()?;
        quiet = known.len() == live.len() && known.iter().all(|d| live.contains(d));
    }
    if !quiet {
        let pre = Fetched {
            meta,
            marker,
            delta,
        };
        return Ok(refresh_from(ctx, Some(pre)).await?.how);
    }
    let next = MirrorMeta {
        position: if ctx.dir.flavour() == Flavour::ActiveDirectory {
            marker.position.clone()
        } else {
            meta.position.clone().max(marker.position.clone())
        },
        read_at: ctx.wall_now(),
        server: ctx.dir.server(),
        ..meta.clone()
    };
    if !ctx.store()?.mirror_apply(&meta, &next, &[], &[])? {
        tracing::debug!("another schooltech refreshed the mirror meanwhile");
    }
    tracing::debug!("mirror refreshed by a delta: nothing changed");
    Ok(How::Delta {
        changed: 0,
        removed: 0,
    })
}

/// What changed since `since`: the source's delta, with a stamp comparison (OpenLDAP, see
/// [`Delta::stamps`]) resolved against the mirror: the entries it does not hold with that id,
/// DN and stamp are read again by id (too many: a full read, said in `needs_full`).
async fn read_delta(ctx: &Ctx, src: &dyn ChangeSource, since: &Marker) -> Result<Delta> {
    let d = src.read_since(since).await?;
    if d.stamps.is_none() {
        return Ok(d);
    }
    let known = ctx.store()?.mirror_stamps()?;
    resolve(src, d, |id| {
        known
            .get(id)
            .map(|(dn, stamp)| (dn.as_str(), stamp.as_str()))
    })
    .await
}

/// Resolves a delta's stamp comparison against what the mirror holds (`known`: an id's DN and
/// stamp): the entries it does not hold as they are now are read again by id into `changed`;
/// too many: a full read, said in `needs_full`.
async fn resolve<'a>(
    src: &dyn ChangeSource,
    mut d: Delta,
    known: impl Fn(&str) -> Option<(&'a str, &'a str)>,
) -> Result<Delta> {
    let Some(stamps) = d.stamps.take() else {
        return Ok(d);
    };
    let todo: Vec<(Kind, String)> = stamps
        .into_iter()
        .filter(|s| match known(&s.id) {
            Some((dn, stamp)) => stamp != s.stamp || !dn.eq_ignore_ascii_case(&s.dn),
            None => true,
        })
        .map(|s| (s.kind, s.id))
        .collect();
    if todo.len() > REREAD_LIMIT {
        d.needs_full.get_or_insert_with(|| {
            format!(
                "{} entries changed since the mirror was read; reading everything is quicker",
                todo.len()
            )
        });
        return Ok(d);
    }
    d.changed.extend(src.reread_ids(&todo).await?);
    Ok(d)
}

/// The directory's marker and its delta since `since` (a stamp comparison not yet resolved),
/// fetched on another task while this one reads and decodes the mirror's rows: the server's
/// search and the decoding of its answer overlap the store's work.
type Early = tokio::task::JoinHandle<Result<(Marker, Delta)>>;

fn fetch_early(ctx: &Ctx, since: Marker) -> Early {
    let dir = ctx.dir.clone();
    tokio::spawn(async move {
        let src = dir.changes().ok_or_else(|| {
            Error::Usage("this directory has no mirror (the demo is read directly)".into())
        })?;
        let marker = src.marker().await?;
        let d = src.read_since(&since).await?;
        Ok((marker, d))
    })
}

fn marker_of(meta: &MirrorMeta) -> Marker {
    Marker {
        identity: meta.identity.clone(),
        invocation: meta.invocation.clone(),
        position: meta.position.clone(),
    }
}

fn source(ctx: &Ctx) -> Result<&dyn ChangeSource> {
    ctx.dir.changes().ok_or_else(|| {
        Error::Usage("this directory has no mirror (the demo is read directly)".into())
    })
}

async fn refresh_from(ctx: &Ctx, pre: Option<Fetched>) -> Result<Refreshed> {
    let src = source(ctx)?;
    let now = ctx.wall_now();
    let mut why: Option<String> = None;
    let mut span = crate::ops::sync::Timing::start("mirror: rows read and decoded");
    // No store handle is held across an await (a Store is not Sync).
    let store = ctx.store()?;
    // The directory is asked what changed while the rows are read (a delta already fetched
    // for this mirror is used as it is).
    let head = if pre.is_none() {
        store.mirror_head()?
    } else {
        None
    };
    // Only for a mirror of this directory (else it is read in full, and an early delta of
    // another server's numbering could be a long read for nothing).
    let early = head
        .filter(|h| {
            h.format == MIRROR_FORMAT
                && h.flavour == flavour_word(ctx.dir.flavour())
                && h.server == ctx.dir.server()
                && h.base_dn.eq_ignore_ascii_case(ctx.dir.base_dn())
        })
        .map(|h| {
            let task = fetch_early(ctx, marker_of(&h));
            (h, task)
        });
    let loaded = store.mirror_load()?;
    drop(store);
    let old = match loaded {
        Loaded::Empty => {
            why = Some("there is no mirror yet".into());
            None
        }
        Loaded::Damaged(d) => {
            why = Some(format!("the mirror is damaged ({d}); it is rebuilt"));
            None
        }
        Loaded::Sound(meta, rows) => {
            let mut entries = HashMap::with_capacity(rows.len());
            let mut bad = None;
            for r in rows {
                match decode(r) {
                    Ok(m) => {
                        entries.insert(m.id.clone(), m);
                    }
                    Err(e) => {
                        bad = Some(e);
                        break;
                    }
                }
            }
            match bad {
                Some(e) => {
                    why = Some(format!("the mirror is damaged ({e}); it is rebuilt"));
                    None
                }
                None => Some(Old {
                    meta: *meta,
                    entries,
                }),
            }
        }
    };
    span.next("mirror: delta");
    // A delta fetched for this very mirror is used as it is; else it is fetched now.
    let pre = pre.filter(|p| {
        old.as_ref().is_some_and(|o| {
            o.meta.position == p.meta.position && o.meta.checksum == p.meta.checksum
        })
    });
    let early = match early {
        Some((h, task)) => {
            let got = task.await;
            match (got, &old) {
                (Ok(Ok((marker, d))), Some(o))
                    if o.meta.position == h.position && o.meta.checksum == h.checksum =>
                {
                    Some((marker, d))
                }
                // Another schooltech refreshed it meanwhile, or the early read failed: the
                // usual order below (its errors are the ones told).
                _ => None,
            }
        }
        None => None,
    };
    let (marker, fetched) = match (pre, early) {
        (Some(p), _) => (p.marker, Some(p.delta)),
        (None, Some((marker, d))) => (marker, Some(d)),
        (None, None) => (src.marker().await?, None),
    };
    if let Some(o) = &old {
        why = why_full(&o.meta, ctx, &marker);
    }
    let Some(o) = old.filter(|_| why.is_none()) else {
        let reason = why.unwrap_or_default();
        return full(ctx, src, marker, None, reason, now).await;
    };
    let since = marker_of(&o.meta);
    let d = match fetched {
        Some(d) if d.stamps.is_some() => {
            let entries = &o.entries;
            resolve(src, d, |id| {
                entries
                    .get(id)
                    .map(|m| (m.entry.dn.as_str(), m.stamp.as_str()))
            })
            .await?
        }
        Some(d) => d,
        None => read_delta(ctx, src, &since).await?,
    };
    if let Some(r) = d.needs_full {
        return full(ctx, src, marker, Some(&o), r, now).await;
    }
    span.next("mirror: delta applied");
    let Old {
        meta: old_meta,
        entries,
    } = o;
    let mut w = Working {
        map: entries,
        prev: HashMap::new(),
    };
    // One DN is one entry: an older id still at the DN of a changed entry was deleted and its
    // DN reused (slapd's delta cannot see the delete: the DN is still live). Its stable id must
    // not linger as a second account with the same username.
    let mut fresh: HashMap<String, String> = HashMap::new();
    for m in d.changed {
        fresh.insert(m.entry.dn.to_lowercase(), m.id.clone());
        w.put(m);
    }
    let stale: Vec<String> = w
        .map
        .values()
        .filter(|m| {
            fresh
                .get(&m.entry.dn.to_lowercase())
                .is_some_and(|id| *id != m.id)
        })
        .map(|m| m.id.clone())
        .collect();
    for id in d.deleted.iter().chain(&stale) {
        w.remove(id);
    }
    if let Some(live) = &d.live_dns {
        let gone: Vec<String> = w
            .map
            .values()
            .filter(|m| !live.contains(&m.entry.dn.to_lowercase()))
            .map(|m| m.id.clone())
            .collect();
        for id in &gone {
            w.remove(id);
        }
        let known: HashSet<String> = w.map.values().map(|m| m.entry.dn.to_lowercase()).collect();
        let unseen = live.iter().filter(|dn| !known.contains(*dn)).count();
        if unseen > 0 {
            let r = format!(
                "{unseen} entries in the directory were neither in the mirror nor in the delta (a gap in the change marker)"
            );
            let o = w.restore(old_meta);
            return full(ctx, src, marker, Some(&o), r, now).await;
        }
    }
    // A member added to or removed from a group changes the group, not the member: read the
    // members added or removed again (their memberOf), and locked accounts. Only those: adding
    // one pupil to a group of 20,000 must not read the other 19,999 (or the whole directory).
    let mut affected: HashSet<String> = HashSet::new();
    for (id, old) in &w.prev {
        let group_members = |m: Option<&Mirrored>| -> HashSet<String> {
            m.filter(|m| m.kind == Kind::Group)
                .map(|m| {
                    members(&m.entry)
                        .into_iter()
                        .map(|d| d.to_lowercase())
                        .collect()
                })
                .unwrap_or_default()
        };
        let (before, after) = (group_members(old.as_ref()), group_members(w.map.get(id)));
        affected.extend(before.symmetric_difference(&after).cloned());
    }
    let again: Vec<String> = w
        .map
        .values()
        .filter(|m| {
            m.kind == Kind::Account
                && !w.prev.contains_key(&m.id)
                && (affected.contains(&m.entry.dn.to_lowercase())
                    // Locked out: read again on every delta, as a lockout ends by the clock
                    // without the entry changing.
                    || ctx.dir.entry_locked(&m.entry))
        })
        .map(|m| m.entry.dn.clone())
        .collect();
    if again.len() > REREAD_LIMIT {
        let r = format!(
            "{} accounts are in groups that changed; reading everything is quicker",
            again.len()
        );
        let o = w.restore(old_meta);
        return full(ctx, src, marker, Some(&o), r, now).await;
    }
    for m in src.reread(&again).await? {
        w.put(m);
    }

    let position = if ctx.dir.flavour() == Flavour::ActiveDirectory {
        marker.position.clone()
    } else {
        [
            Some(old_meta.position.clone()),
            Some(marker.position.clone()),
            d.newest_stamp,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or_default()
    };
    let mut acc = [0u8; 32];
    let old_sum = &old_meta.checksum;
    for (i, slot) in acc.iter_mut().enumerate() {
        if let Some(b) = old_sum
            .get(i * 2..i * 2 + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            *slot = b;
        }
    }
    let mut upserts = Vec::new();
    let mut deletes = Vec::new();
    let touched: BTreeSet<String> = w.prev.keys().cloned().collect();
    for id in &touched {
        if let Some(Some(old)) = w.prev.get(id) {
            xor_into(&mut acc, &row_hash(&encode(old)?));
        }
        match w.map.get(id) {
            Some(m) => {
                let row = encode(m)?;
                xor_into(&mut acc, &row_hash(&row));
                upserts.push(row);
            }
            None => deletes.push(id.clone()),
        }
    }
    let (changed_n, removed_n) = (upserts.len(), deletes.len());
    let store = ctx.store()?;
    let found = outside_changes(
        ctx,
        src,
        &store,
        &w.old_versions(),
        &w.map,
        &touched,
        old_meta.read_at,
        now,
    )?;
    let meta = MirrorMeta {
        position,
        entry_count: w.map.len() as i64,
        checksum: checksum_hex(&acc),
        read_at: now,
        server: ctx.dir.server(),
        ..old_meta.clone()
    };
    if !store.mirror_apply(&old_meta, &meta, &upserts, &deletes)? {
        tracing::debug!(
            "another schooltech refreshed the mirror meanwhile; this answer is still current"
        );
    }
    store.record_outside_changes(&found)?;
    tracing::debug!(
        "mirror refreshed by a delta: {changed_n} entries read again, {removed_n} removed"
    );
    Ok(split(
        w.map.into_values(),
        now,
        How::Delta {
            changed: changed_n,
            removed: removed_n,
        },
        found,
    ))
}

fn split(
    all: impl Iterator<Item = Mirrored>,
    read_at: DateTime<Utc>,
    how: How,
    found: Vec<OutsideChange>,
) -> Refreshed {
    let (mut accounts, mut groups) = (Vec::new(), Vec::new());
    for m in all {
        match m.kind {
            Kind::Account => accounts.push(m.entry),
            Kind::Group => groups.push(m.entry),
        }
    }
    Refreshed {
        accounts,
        groups,
        read_at,
        how,
        found,
    }
}

async fn full(
    ctx: &Ctx,
    src: &dyn ChangeSource,
    marker: Marker,
    old: Option<&Old>,
    reason: String,
    now: DateTime<Utc>,
) -> Result<Refreshed> {
    tracing::info!("reading the directory in full for the mirror: {reason}");
    let reading = FullReading::start();
    let all = src.read_all().await;
    drop(reading);
    let all = all?;
    let position = if ctx.dir.flavour() == Flavour::ActiveDirectory {
        marker.position.clone()
    } else {
        all.iter()
            .map(|m| m.stamp.clone())
            .chain([marker.position.clone()])
            .max()
            .unwrap_or_default()
    };
    let mut acc = [0u8; 32];
    let mut rows = Vec::with_capacity(all.len());
    for m in &all {
        let r = encode(m)?;
        xor_into(&mut acc, &row_hash(&r));
        rows.push(r);
    }
    let map: HashMap<String, Mirrored> = all.into_iter().map(|m| (m.id.clone(), m)).collect();
    let store = ctx.store()?;
    // Compare with the old mirror when it was of this same directory (another DC of it, or a
    // restored one, still holds comparable entries).
    let found = match old {
        Some(o)
            if o.meta.flavour == flavour_word(ctx.dir.flavour())
                && o.meta.base_dn.eq_ignore_ascii_case(ctx.dir.base_dn()) =>
        {
            let ids: BTreeSet<String> = o.entries.keys().chain(map.keys()).cloned().collect();
            let changed: BTreeSet<String> = ids
                .into_iter()
                .filter(|id| match (o.entries.get(id), map.get(id)) {
                    (Some(a), Some(b)) => a.entry != b.entry,
                    _ => true,
                })
                .collect();
            outside_changes(
                ctx,
                src,
                &store,
                &o.entries,
                &map,
                &changed,
                o.meta.read_at,
                now,
            )?
        }
        _ => vec![],
    };
    let meta = MirrorMeta {
        format: MIRROR_FORMAT,
        flavour: flavour_word(ctx.dir.flavour()).into(),
        server: ctx.dir.server(),
        base_dn: ctx.dir.base_dn().to_string(),
        identity: marker.identity,
        invocation: marker.invocation,
        position,
        entry_count: rows.len() as i64,
        checksum: checksum_hex(&acc),
        read_at: now,
        full_at: now,
    };
    store.mirror_replace(&meta, &rows)?;
    store.record_outside_changes(&found)?;
    Ok(split(map.into_values(), now, How::Full(reason), found))
}

/// Member DNs of a group entry (`member`, `uniqueMember`).
fn members(e: &Entry) -> Vec<String> {
    e.all("member")
        .iter()
        .chain(e.all("uniqueMember"))
        .cloned()
        .collect()
}

/// Attributes whose changes are not changes made by someone: logons, counters, stamps,
/// computed values, back-links (a membership is reported on the group).
const NOT_CHANGES: &[&str] = &[
    "lastlogontimestamp",
    "lastlogon",
    "logoncount",
    "badpwdcount",
    "badpasswordtime",
    "usnchanged",
    "whenchanged",
    "entrycsn",
    "modifytimestamp",
    "modifiersname",
    "msds-user-account-control-computed",
    "msds-userpasswordexpirytimecomputed",
    "msds-resultantpso",
    "lockouttime",
    "pwdlastsuccess",
    "pwdfailuretime",
    "memberof",
    "objectguid",
    "entryuuid",
    "objectclass",
    "member",
    "uniquemember",
];

fn short(v: &[String]) -> String {
    if v.is_empty() {
        return "(none)".into();
    }
    let s = v.join("; ");
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s
    }
}

/// What changed between two versions of an account entry, in words (the directory says what
/// its own account-control attributes mean).
pub fn account_changes(
    dir: &dyn crate::directory::Directory,
    old: Option<&Entry>,
    new: Option<&Entry>,
) -> Vec<String> {
    let (o, n) = match (old, new) {
        (None, Some(_)) => return vec!["created".into()],
        (Some(_), None) => return vec!["deleted".into()],
        (Some(o), Some(n)) => (o, n),
        (None, None) => return vec![],
    };
    let mut out = Vec::new();
    if !o.dn.eq_ignore_ascii_case(&n.dn) {
        out.push(format!("moved or renamed from {}", o.dn));
    }
    let keys: BTreeSet<&String> = o.attrs.keys().chain(n.attrs.keys()).collect();
    for k in keys {
        if NOT_CHANGES.contains(&k.as_str()) {
            continue;
        }
        let (a, b) = (o.all(k), n.all(k));
        if a == b {
            continue;
        }
        match dir.describe_change(k, a, b) {
            Some(words) => out.extend(words),
            None => out.push(format!("{k}: {} → {}", short(a), short(b))),
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn outside_changes(
    ctx: &Ctx,
    src: &dyn ChangeSource,
    store: &Store,
    old: &HashMap<String, Mirrored>,
    new: &HashMap<String, Mirrored>,
    touched: &BTreeSet<String>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<OutsideChange>> {
    if touched.is_empty() {
        return Ok(vec![]);
    }
    let user_attr = src.text_attrs().into_iter().next().unwrap_or_default();
    let (when_attr, who_attr) = src.who_when_attrs();
    let protection = Protection::from_ctx(ctx);
    let username_of: HashMap<String, String> = old
        .values()
        .chain(new.values())
        .filter(|m| m.kind == Kind::Account)
        .filter_map(|m| Some((m.entry.dn.to_lowercase(), m.entry.text(&user_attr)?)))
        .collect();
    let user_of = |dn: &str| {
        username_of
            .get(&dn.to_lowercase())
            .cloned()
            .unwrap_or_else(|| first_rdn_value(dn))
    };
    let group_protected = |dn: &str, name: &str| {
        protection
            .check_group(&Group {
                dn: dn.to_string(),
                name: name.to_string(),
            })
            .is_some()
    };
    // What schooltech itself did since the mirror was last read (a little earlier, for clocks).
    let log = store.log(&LogFilter {
        since: Some(since - Duration::minutes(10)),
        ..Default::default()
    })?;
    let explained: HashSet<String> = log.iter().map(|r| r.target.trim().to_lowercase()).collect();
    let is_explained = |names: &[&str]| names.iter().any(|n| explained.contains(&n.to_lowercase()));

    let mut out = Vec::new();
    for id in touched {
        let (o, n) = (old.get(id), new.get(id));
        let Some(any) = n.or(o) else { continue };
        let e = &any.entry;
        let changed_at = n
            .and_then(|m| m.entry.first(when_attr))
            .and_then(parse_generalized_time);
        let who = n.and_then(|m| who_attr.and_then(|w| m.entry.text(w)));
        let mut push = |kind: &str, target: String, change: String, protected: bool| {
            out.push(OutsideChange {
                detected_at: now,
                changed_at,
                kind: kind.into(),
                target,
                dn: e.dn.clone(),
                change,
                who: who.clone(),
                stamp: any.stamp.clone(),
                protected,
            })
        };
        match any.kind {
            Kind::Account => {
                let username = e.text(&user_attr).unwrap_or_else(|| first_rdn_value(&e.dn));
                if is_explained(&[&username, &e.dn]) {
                    continue;
                }
                let protected = e
                    .all("memberOf")
                    .iter()
                    .any(|g| group_protected(g, &first_rdn_value(g)));
                for c in account_changes(ctx.dir.as_ref(), o.map(|m| &m.entry), n.map(|m| &m.entry))
                {
                    push("account", username.clone(), c, protected);
                }
            }
            Kind::Group => {
                let name = e.text("cn").unwrap_or_else(|| first_rdn_value(&e.dn));
                let protected = group_protected(&e.dn, &name);
                let mut items: Vec<(String, Option<String>)> = Vec::new();
                match (o, n) {
                    (None, Some(_)) => items.push(("created".into(), None)),
                    (Some(_), None) => items.push(("deleted".into(), None)),
                    (Some(a), Some(b)) => {
                        let set = |m: &Mirrored| -> BTreeSet<String> {
                            members(&m.entry).iter().map(|d| d.to_lowercase()).collect()
                        };
                        let (sa, sb) = (set(a), set(b));
                        for m in sb.difference(&sa) {
                            let u = user_of(m);
                            items.push((format!("member added: {u}"), Some(u)));
                        }
                        for m in sa.difference(&sb) {
                            let u = user_of(m);
                            items.push((format!("member removed: {u}"), Some(u)));
                        }
                        let (ua, ub) = (a.entry.all("memberUid"), b.entry.all("memberUid"));
                        for u in ub.iter().filter(|u| !ua.contains(u)) {
                            items.push((format!("member added: {u}"), Some(u.clone())));
                        }
                        for u in ua.iter().filter(|u| !ub.contains(u)) {
                            items.push((format!("member removed: {u}"), Some(u.clone())));
                        }
                        if !a.entry.dn.eq_ignore_ascii_case(&b.entry.dn) {
                            items.push((format!("moved or renamed from {}", a.entry.dn), None));
                        }
                    }
                    (None, None) => {}
                }
                for (change, member) in items {
                    let mut names = vec![name.as_str(), e.dn.as_str()];
                    if let Some(m) = &member {
                        names.push(m);
                    }
                    if !is_explained(&names) {
                        push("group", name.clone(), change, protected);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Outside changes recorded at or after `since` (all when None), after a refresh so the list
/// includes what the directory shows now; and, when that refresh was a full read, why.
pub async fn changes(
    ctx: &Ctx,
    since: Option<DateTime<Utc>>,
) -> Result<(Vec<OutsideChange>, Option<String>)> {
    if ctx.dir.changes().is_none() {
        // The demo has no mirror: what was recorded (its seeded examples) is all there is.
        return Ok((ctx.store()?.outside_changes(since)?, None));
    }
    let note = match refresh_quietly(ctx).await? {
        How::Full(why) => Some(why),
        How::Delta { .. } => None,
    };
    Ok((ctx.store()?.outside_changes(since)?, note))
}

/// What `doctor` says about the mirror: the deletion mechanism, and the mirror's state.
pub async fn describe(ctx: &Ctx) -> Result<Vec<String>> {
    let Some(src) = ctx.dir.changes() else {
        return Ok(vec![
            "the demo directory is read directly (no mirror)".into()
        ]);
    };
    let mut out = vec![format!("deletions: {}", src.deletions().await?.describe())];
    let loaded = ctx.store()?.mirror_load()?;
    out.push(match loaded {
        Loaded::Empty => "no mirror yet: the next read is a full one".into(),
        Loaded::Damaged(d) => format!("the mirror is damaged ({d}): the next read rebuilds it"),
        Loaded::Sound(m, _) => {
            let marker = src.marker().await?;
            match why_full(&m, ctx, &marker) {
                Some(r) => format!(
                    "{} entries mirrored, but the next read is a full one: {r}",
                    m.entry_count
                ),
                None => format!(
                    "{} entries mirrored, read at {}, marker {}",
                    m.entry_count,
                    m.read_at.format("%Y-%m-%d %H:%M UTC"),
                    m.position
                ),
            }
        }
    });
    if !ctx.use_mirror {
        out.push("--no-mirror: readers read the directory in full".into());
    }
    Ok(out)
}
