//! The local mirror of the directory (a cache: see `ops::mirror`) and the outside changes it
//! found (append-only, enforced by triggers).

use super::{fmt_time, parse_time, Store};
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// The mirror's layout; a stored mirror of another format is rebuilt.
pub const MIRROR_FORMAT: i64 = 1;

/// Which directory the mirror holds and where its changes stood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorMeta {
    /// Layout version ([`MIRROR_FORMAT`]).
    pub format: i64,
    /// Directory flavour (kebab-case word).
    pub flavour: String,
    /// Server URL.
    pub server: String,
    /// Base DN.
    pub base_dn: String,
    /// AD dsServiceName / OpenLDAP suffix entryUUID.
    pub identity: String,
    /// AD invocationId / empty.
    pub invocation: String,
    /// AD highestCommittedUSN / OpenLDAP newest CSN.
    pub position: String,
    /// Number of entries.
    pub entry_count: i64,
    /// XOR of the rows' hashes ([`row_hash`]), hex.
    pub checksum: String,
    /// When the directory was last read.
    pub read_at: DateTime<Utc>,
    /// When it was last read in full.
    pub full_at: DateTime<Utc>,
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorRow {
    /// objectGUID / entryUUID.
    pub id: String,
    /// "account" or "group".
    pub kind: String,
    /// DN.
    pub dn: String,
    /// uSNChanged / entryCSN.
    pub stamp: String,
    /// JSON object of attributes.
    pub attrs: String,
}

/// The hash of one row (its part of the checksum).
pub fn row_hash(r: &MirrorRow) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [&r.id, &r.kind, &r.dn, &r.stamp, &r.attrs] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().into()
}

/// XORs `b` into `acc`.
pub fn xor_into(acc: &mut [u8; 32], b: &[u8; 32]) {
    for (a, x) in acc.iter_mut().zip(b) {
        *a ^= x;
    }
}

/// The checksum of a set of rows, hex.
pub fn checksum_hex(acc: &[u8; 32]) -> String {
    crate::directory::attrs::hex(acc)
}

/// What the store holds of the mirror.
#[derive(Debug)]
pub enum Loaded {
    /// No mirror yet.
    Empty,
    /// A mirror that failed its checks (why, in words).
    Damaged(String),
    /// A mirror whose rows match its meta.
    Sound(Box<MirrorMeta>, Vec<MirrorRow>),
}

/// A change to the directory that no action-log row explains.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutsideChange {
    /// When schooltech found it.
    pub detected_at: DateTime<Utc>,
    /// When the directory says the entry changed.
    pub changed_at: Option<DateTime<Utc>>,
    /// "account" or "group".
    pub kind: String,
    /// Username or group name.
    pub target: String,
    /// DN.
    pub dn: String,
    /// What changed, in words.
    pub change: String,
    /// Who, when the directory tells (OpenLDAP modifiersName).
    pub who: Option<String>,
    /// uSNChanged / entryCSN.
    pub stamp: String,
    /// A protected group (or a member of one) changed.
    pub protected: bool,
}

const META_COLS: &str = "format, flavour, server, base_dn, identity, invocation, position, \
                         entry_count, checksum, read_at, full_at";

impl Store {
    /// The mirror's header without its rows, when the rows are there as many as it says, and
    /// how many mirrored accounts were locked out when last read (a delta reads those again).
    /// For a refresh that may find nothing new: the rows' checksum is checked by every reader
    /// that loads them ([`Store::mirror_load`]), so a damaged mirror is still never trusted.
    pub fn mirror_header(&self, unlocked: &str) -> Result<Option<(MirrorMeta, usize)>> {
        let doing = "reading the directory mirror";
        let tx = self.read_tx(doing)?;
        let Ok(meta) = self.header_in(&tx)? else {
            return Ok(None);
        };
        let (rows, locked): (i64, i64) = tx
            .query_row(
                "SELECT count(*), coalesce(sum(kind = 'account' AND (\
                   coalesce(CAST(json_extract(attrs, '$.lockouttime[0]') AS INTEGER), 0) > 0 \
                   OR coalesce(json_extract(attrs, '$.pwdaccountlockedtime[0]'), ?1) != ?1)), 0) \
                 FROM mirror_entries",
                [unlocked],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.sql_error(doing, e))?;
        Ok((rows == meta.entry_count)
            .then(|| (meta, usize::try_from(locked).unwrap_or(usize::MAX))))
    }

    /// The mirror's header alone, when it has a readable one (rows not looked at).
    pub fn mirror_head(&self) -> Result<Option<MirrorMeta>> {
        let tx = self.read_tx("reading the directory mirror")?;
        Ok(self.header_in(&tx)?.ok())
    }

    /// The mirrored rows with these ids (those that exist).
    pub fn mirror_rows(&self, ids: &[String]) -> Result<Vec<MirrorRow>> {
        let doing = "reading the directory mirror";
        let mut stmt = self
            .conn()
            .prepare("SELECT id, kind, dn, stamp, attrs FROM mirror_entries WHERE id = ?1")
            .map_err(|e| self.sql_error(doing, e))?;
        let mut out = Vec::new();
        for id in ids {
            let row = stmt
                .query_row([id], |r| {
                    Ok(MirrorRow {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        dn: r.get(2)?,
                        stamp: r.get(3)?,
                        attrs: r.get(4)?,
                    })
                })
                .optional()
                .map_err(|e| self.sql_error(doing, e))?;
            out.extend(row);
        }
        Ok(out)
    }

    /// For the mirrored entries of `kind` that have both: the first value of the attribute
    /// `key` paired with the first value of `value` (attribute names lower-cased).
    pub fn mirror_values(
        &self,
        kind: &str,
        key: &str,
        value: &str,
    ) -> Result<Vec<(String, String)>> {
        let doing = "reading the directory mirror";
        let path = |a: &str| format!("$.\"{}\"[0]", a.replace('"', ""));
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT json_extract(attrs, ?2), json_extract(attrs, ?3) FROM mirror_entries \
                 WHERE kind = ?1",
            )
            .map_err(|e| self.sql_error(doing, e))?;
        let pairs = stmt
            .query_map(params![kind, path(key), path(value)], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                ))
            })
            .and_then(|it| it.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql_error(doing, e))?;
        Ok(pairs
            .into_iter()
            .filter_map(|(k, v)| Some((k?, v?)))
            .filter(|(k, _)| !k.trim().is_empty())
            .collect())
    }

    /// Each mirrored entry's DN and change stamp, by id (to compare with the directory's).
    pub fn mirror_stamps(&self) -> Result<HashMap<String, (String, String)>> {
        let doing = "reading the directory mirror";
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id, dn, stamp FROM mirror_entries")
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    (r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                ))
            })
            .and_then(|it| it.collect::<rusqlite::Result<HashMap<_, _>>>())
            .map_err(|e| self.sql_error(doing, e))?;
        Ok(rows)
    }

    /// The DNs of the mirrored entries, lower-cased (to compare with the directory's).
    pub fn mirror_dns(&self) -> Result<HashSet<String>> {
        let doing = "reading the directory mirror";
        let mut stmt = self
            .conn()
            .prepare("SELECT dn FROM mirror_entries")
            .map_err(|e| self.sql_error(doing, e))?;
        let dns = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|it| it.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql_error(doing, e))?;
        Ok(dns.into_iter().map(|d| d.to_lowercase()).collect())
    }

    /// The header inside `tx`, or what the mirror is when it has none that can be read.
    fn header_in(
        &self,
        tx: &rusqlite::Connection,
    ) -> Result<std::result::Result<MirrorMeta, Loaded>> {
        let doing = "reading the directory mirror";
        let meta = tx
            .query_row(
                &format!("SELECT {META_COLS} FROM mirror_meta WHERE id = 1"),
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, i64>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, String>(9)?,
                        r.get::<_, String>(10)?,
                    ))
                },
            )
            .optional();
        let meta = match meta {
            Ok(Some(m)) => m,
            Ok(None) => {
                let any: i64 = tx
                    .query_row("SELECT count(*) FROM mirror_entries", [], |r| r.get(0))
                    .map_err(|e| self.sql_error(doing, e))?;
                return Ok(Err(if any > 0 {
                    Loaded::Damaged("entries without a header".into())
                } else {
                    Loaded::Empty
                }));
            }
            Err(e) => return Ok(Err(Loaded::Damaged(format!("unreadable header ({e})")))),
        };
        let (Some(read_at), Some(full_at)) = (parse_time(&meta.9), parse_time(&meta.10)) else {
            return Ok(Err(Loaded::Damaged(
                "unreadable times in the header".into(),
            )));
        };
        Ok(Ok(MirrorMeta {
            format: meta.0,
            flavour: meta.1,
            server: meta.2,
            base_dn: meta.3,
            identity: meta.4,
            invocation: meta.5,
            position: meta.6,
            entry_count: meta.7,
            checksum: meta.8,
            read_at,
            full_at,
        }))
    }

    /// The stored mirror, checked against its meta (row count and checksum, readable rows).
    pub fn mirror_load(&self) -> Result<Loaded> {
        let doing = "reading the directory mirror";
        let tx = self.read_tx(doing)?;
        let meta = match self.header_in(&tx)? {
            Ok(m) => m,
            Err(early) => return Ok(early),
        };
        let mut stmt = tx
            .prepare("SELECT id, kind, dn, stamp, attrs FROM mirror_entries")
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(MirrorRow {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    dn: r.get(2)?,
                    stamp: r.get(3)?,
                    attrs: r.get(4)?,
                })
            })
            .and_then(|it| it.collect::<rusqlite::Result<Vec<_>>>());
        let rows = match rows {
            Ok(v) => v,
            Err(e) => return Ok(Loaded::Damaged(format!("unreadable entries ({e})"))),
        };
        if rows.len() as i64 != meta.entry_count {
            return Ok(Loaded::Damaged(format!(
                "{} entries where the header says {}",
                rows.len(),
                meta.entry_count
            )));
        }
        let mut acc = [0u8; 32];
        for r in &rows {
            xor_into(&mut acc, &row_hash(r));
        }
        if checksum_hex(&acc) != meta.checksum {
            return Ok(Loaded::Damaged(
                "the entries do not match the checksum".into(),
            ));
        }
        Ok(Loaded::Sound(Box::new(meta), rows))
    }

    /// Replaces the whole mirror (a full read), in one transaction.
    pub fn mirror_replace(&self, meta: &MirrorMeta, rows: &[MirrorRow]) -> Result<()> {
        let doing = "writing the directory mirror";
        if self.is_read_only() {
            // --as-of writes nothing, not even the cache: this answer is used, not kept.
            return Ok(());
        }
        let tx = self.write_tx(doing)?;
        let run = || -> rusqlite::Result<()> {
            tx.execute("DELETE FROM mirror_entries", [])?;
            tx.execute("DELETE FROM mirror_meta", [])?;
            insert_rows(&tx, rows)?;
            write_meta(&tx, meta)?;
            Ok(())
        };
        run().map_err(|e| self.sql_error(doing, e))?;
        tx.commit().map_err(|e| self.sql_error(doing, e))
    }

    /// Applies a delta in one transaction, only if the mirror is still at `expected` (another
    /// schooltech may have refreshed it meanwhile: then nothing is written and false returned).
    pub fn mirror_apply(
        &self,
        expected: &MirrorMeta,
        meta: &MirrorMeta,
        upserts: &[MirrorRow],
        deletes: &[String],
    ) -> Result<bool> {
        let doing = "updating the directory mirror";
        if self.is_read_only() {
            // --as-of writes nothing, not even the cache: this answer is used, not kept.
            return Ok(true);
        }
        let tx = self.write_tx(doing)?;
        let run = || -> rusqlite::Result<bool> {
            let current: Option<(String, String)> = tx
                .query_row(
                    "SELECT position, checksum FROM mirror_meta WHERE id = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if current != Some((expected.position.clone(), expected.checksum.clone())) {
                return Ok(false);
            }
            {
                let mut del = tx.prepare("DELETE FROM mirror_entries WHERE id = ?1")?;
                for id in deletes {
                    del.execute([id])?;
                }
            }
            insert_rows(&tx, upserts)?;
            tx.execute("DELETE FROM mirror_meta", [])?;
            write_meta(&tx, meta)?;
            Ok(true)
        };
        let done = run().map_err(|e| self.sql_error(doing, e))?;
        if done {
            tx.commit().map_err(|e| self.sql_error(doing, e))?;
        }
        Ok(done)
    }

    /// The mirror's header, if there is one (for `doctor`).
    pub fn mirror_meta(&self) -> Result<Option<MirrorMeta>> {
        Ok(match self.mirror_load()? {
            Loaded::Sound(m, _) => Some(*m),
            _ => None,
        })
    }

    /// Records outside changes (one transaction).
    pub fn record_outside_changes(&self, changes: &[OutsideChange]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let doing = "recording changes made outside schooltech";
        if self.is_read_only() {
            // --as-of writes nothing, not even the cache: this answer is used, not kept.
            return Ok(());
        }
        let tx = self.write_tx(doing)?;
        let run = || -> rusqlite::Result<()> {
            let mut ins = tx.prepare(
                "INSERT INTO outside_changes (detected_at, changed_at, kind, target, dn, change, \
                 who, stamp, protected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for c in changes {
                ins.execute(params![
                    fmt_time(c.detected_at),
                    c.changed_at.map(fmt_time),
                    c.kind,
                    c.target,
                    c.dn,
                    c.change,
                    c.who,
                    c.stamp,
                    c.protected,
                ])?;
            }
            Ok(())
        };
        run().map_err(|e| self.sql_error(doing, e))?;
        tx.commit().map_err(|e| self.sql_error(doing, e))
    }

    /// Recorded outside changes that happened (or, when the directory did not say when, were
    /// found) at or after `since`, oldest first.
    pub fn outside_changes(&self, since: Option<DateTime<Utc>>) -> Result<Vec<OutsideChange>> {
        let doing = "reading changes made outside schooltech";
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT detected_at, changed_at, kind, target, dn, change, who, stamp, protected \
                 FROM outside_changes ORDER BY id",
            )
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    OutsideChange {
                        detected_at: DateTime::<Utc>::MIN_UTC,
                        changed_at: None,
                        kind: r.get(2)?,
                        target: r.get(3)?,
                        dn: r.get(4)?,
                        change: r.get(5)?,
                        who: r.get(6)?,
                        stamp: r.get(7)?,
                        protected: r.get(8)?,
                    },
                ))
            })
            .and_then(|it| it.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql_error(doing, e))?;
        let mut out = Vec::new();
        for (det, at, mut c) in rows {
            c.detected_at = parse_time(&det)
                .ok_or_else(|| self.error(format!("outside change with a bad time {det:?}")))?;
            c.changed_at = at.as_deref().and_then(parse_time);
            if since.is_none_or(|s| c.changed_at.unwrap_or(c.detected_at) >= s) {
                out.push(c);
            }
        }
        Ok(out)
    }
}

fn insert_rows(tx: &rusqlite::Transaction<'_>, rows: &[MirrorRow]) -> rusqlite::Result<()> {
    let mut ins = tx.prepare(
        "INSERT OR REPLACE INTO mirror_entries (id, kind, dn, stamp, attrs) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for r in rows {
        ins.execute(params![r.id, r.kind, r.dn, r.stamp, r.attrs])?;
    }
    Ok(())
}

fn write_meta(tx: &rusqlite::Transaction<'_>, m: &MirrorMeta) -> rusqlite::Result<()> {
    tx.execute(
        &format!("INSERT INTO mirror_meta (id, {META_COLS}) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
        params![
            m.format,
            m.flavour,
            m.server,
            m.base_dn,
            m.identity,
            m.invocation,
            m.position,
            m.entry_count,
            m.checksum,
            fmt_time(m.read_at),
            fmt_time(m.full_at),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str) -> MirrorRow {
        MirrorRow {
            id: id.into(),
            kind: "account".into(),
            dn: format!("uid={id},dc=t"),
            stamp: "1".into(),
            attrs: "{}".into(),
        }
    }

    fn meta(rows: &[MirrorRow]) -> MirrorMeta {
        let mut acc = [0u8; 32];
        for r in rows {
            xor_into(&mut acc, &row_hash(r));
        }
        let t = parse_time("2026-11-25T09:00:00Z").unwrap();
        MirrorMeta {
            format: MIRROR_FORMAT,
            flavour: "openldap".into(),
            server: "ldap://x".into(),
            base_dn: "dc=t".into(),
            identity: "u".into(),
            invocation: String::new(),
            position: "p".into(),
            entry_count: rows.len() as i64,
            checksum: checksum_hex(&acc),
            read_at: t,
            full_at: t,
        }
    }

    #[test]
    fn a_truncated_or_edited_mirror_is_damaged() {
        let s = Store::open_in_memory().unwrap();
        assert!(matches!(s.mirror_load().unwrap(), Loaded::Empty));
        let rows = vec![row("a"), row("b")];
        s.mirror_replace(&meta(&rows), &rows).unwrap();
        assert!(matches!(s.mirror_load().unwrap(), Loaded::Sound(_, r) if r.len() == 2));
        s.conn()
            .execute("DELETE FROM mirror_entries WHERE id = 'a'", [])
            .unwrap();
        assert!(matches!(s.mirror_load().unwrap(), Loaded::Damaged(_)));
        s.mirror_replace(&meta(&rows), &rows).unwrap();
        s.conn()
            .execute("UPDATE mirror_entries SET attrs = '{\"x\":[\"1\"]}'", [])
            .unwrap();
        assert!(matches!(s.mirror_load().unwrap(), Loaded::Damaged(_)));
    }

    #[test]
    fn outside_changes_are_append_only() {
        let s = Store::open_in_memory().unwrap();
        let c = OutsideChange {
            detected_at: parse_time("2026-11-25T09:00:00Z").unwrap(),
            changed_at: None,
            kind: "group".into(),
            target: "Domain Admins".into(),
            dn: "CN=Domain Admins,DC=t".into(),
            change: "member added: eve".into(),
            who: None,
            stamp: "9".into(),
            protected: true,
        };
        s.record_outside_changes(std::slice::from_ref(&c)).unwrap();
        assert_eq!(s.outside_changes(None).unwrap(), vec![c]);
        assert!(s.conn().execute("DELETE FROM outside_changes", []).is_err());
        assert!(s
            .conn()
            .execute("UPDATE outside_changes SET target = 'x'", [])
            .is_err());
    }
}
