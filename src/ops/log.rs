//! The action log, as the CLI (`schooltech log`, `schooltech log verify`) and the TUI's Log tab
//! both see it.

use crate::error::{Error, Result};
use crate::store::{ActionEntry, ChainStatus, LogFilter, Store};

/// The log rows that pass `f`, newest first.
pub fn show(store: &Store, f: &LogFilter) -> Result<Vec<ActionEntry>> {
    store.log(f)
}

/// Checks the whole hash chain; names the first row that does not check out.
pub fn verify(store: &Store) -> Result<ChainStatus> {
    store.verify_log()
}

/// The log's head as `N:HASH` (row count and last hash; `0:` and 64 zeros when empty), for
/// pasting into the termly report and checking later with [`check_anchor`].
pub fn anchor(store: &Store) -> Result<String> {
    Ok(match store.log_head()? {
        Some((n, h)) => format!("{n}:{h}"),
        None => format!("0:{}", crate::store::actionlog::GENESIS_HASH),
    })
}

/// Reads an anchor written by [`anchor`].
pub fn parse_anchor(s: &str) -> Result<(i64, String)> {
    let bad = || {
        Error::Usage(format!(
            "\"{s}\" is not an anchor: give N:HASH as `schooltech log anchor` prints it \
             (a row number, a colon, 64 hex digits)"
        ))
    };
    let (n, h) = s.trim().split_once(':').ok_or_else(bad)?;
    let n: i64 = n.trim().parse().map_err(|_| bad())?;
    let h = h.trim().to_ascii_lowercase();
    if n < 0 || h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((n, h))
}

/// Checks an anchor against the store: `None` when row N is there with that hash (later rows may
/// follow), else what is wrong.
pub fn check_anchor(store: &Store, n: i64, hash: &str) -> Result<Option<String>> {
    if n == 0 {
        return Ok(None);
    }
    Ok(match store.log_hash(n)? {
        None => Some(format!(
            "row {n} of the anchor is missing: the log was cut back to {} rows outside schooltech",
            store.log_head()?.map(|h| h.0).unwrap_or(0)
        )),
        Some(h) if h != hash => Some(format!(
            "row {n} differs from the anchor (anchor {hash}, store {h}): the log was rewritten \
             outside schooltech"
        )),
        Some(_) => None,
    })
}

/// What comparing the store with syslog's copy found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalCheck {
    /// The system journal could not be read (no journalctl, no permission, no entries).
    Unavailable(String),
    /// Every row syslog holds for this store is in the store with the same hash.
    Matches {
        /// How many rows syslog holds for this store.
        rows: usize,
    },
    /// Rows that differ or are missing.
    Differs(Vec<String>),
}

/// Compares the store with the copy of each row's id and hash in the system journal
/// (`journalctl -t schooltech`), for this store file only.
pub fn check_journal(store: &Store) -> Result<JournalCheck> {
    use crate::store::syslog;
    let out = match std::process::Command::new("journalctl")
        .args(["-t", syslog::TAG, "-o", "cat", "--no-pager", "-q"])
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            return Ok(JournalCheck::Unavailable(format!(
                "journalctl failed ({}): {}",
                o.status,
                String::from_utf8_lossy(&o.stderr).trim()
            )))
        }
        Err(e) => {
            return Ok(JournalCheck::Unavailable(format!(
                "journalctl cannot be run: {e}"
            )))
        }
    };
    let me = std::fs::canonicalize(store.path()).unwrap_or_else(|_| store.path().to_path_buf());
    let me = me.to_string_lossy();
    let mut copies = std::collections::BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((path, id, hash)) = syslog::parse_message(line) {
            if path == me {
                copies.insert(id, hash);
            }
        }
    }
    if copies.is_empty() {
        return Ok(JournalCheck::Unavailable(format!(
            "the system journal holds no rows of {me} (syslog was not running when they were \
             written, or the journal was rotated)"
        )));
    }
    let mut problems = Vec::new();
    for (id, hash) in &copies {
        match store.log_hash(*id)? {
            None => problems.push(format!(
                "row {id} is in the system journal but missing from the store"
            )),
            Some(h) if &h != hash => problems.push(format!(
                "row {id} differs from the system journal's copy (journal {hash}, store {h})"
            )),
            Some(_) => {}
        }
    }
    Ok(if problems.is_empty() {
        JournalCheck::Matches { rows: copies.len() }
    } else {
        JournalCheck::Differs(problems)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewAction;
    use chrono::{TimeZone, Utc};

    #[test]
    fn show_and_verify_go_through_the_store() {
        let s = Store::open_in_memory().unwrap().with_operator("tech");
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
        s.record(
            NewAction {
                action: "account.enable",
                target: "amir.khan",
                details: serde_json::json!({}),
            },
            now,
        )
        .unwrap();
        assert_eq!(show(&s, &LogFilter::default()).unwrap().len(), 1);
        assert_eq!(verify(&s).unwrap(), ChainStatus::Whole { rows: 1 });
    }
}

#[cfg(test)]
mod anchor_tests {
    use super::*;

    #[test]
    fn anchors_parse_and_refuse_nonsense() {
        let h = "a".repeat(64);
        assert_eq!(parse_anchor(&format!("12:{h}")).unwrap(), (12, h.clone()));
        for bad in ["", "12", "x:abc", &format!("-1:{h}"), "3:zz"] {
            assert_eq!(parse_anchor(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }
}
