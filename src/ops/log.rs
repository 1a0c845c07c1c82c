//! The action log, as the CLI (`schooltech log`, `schooltech log verify`) and the TUI's Log tab
//! both see it.

use crate::error::{Error, Result};
use crate::store::{ActionEntry, ChainStatus, LogFilter, Store};
use serde::Serialize;

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

/// What comparing the store with the journal's copy found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum JournalCheck {
    /// The system journal could not be read (no journalctl, no permission, no entries).
    Unavailable {
        /// Why.
        reason: String,
    },
    /// Every row the journal holds for this store, written by schooltech as root, is in the
    /// store with the same hash, and no other program wrote entries in schooltech's name.
    Matches {
        /// How many rows the journal holds for this store.
        rows: usize,
    },
    /// Rows that differ or are missing, and entries forged in schooltech's name.
    Differs {
        /// One line each.
        problems: Vec<String>,
    },
}

/// The program whose journal entries are trusted.
const EXE_NAME: &str = "schooltech";

/// Why a journal entry (one object of `journalctl -o json`) is not schooltech's own: `None` when
/// journald says uid 0 wrote it from the schooltech executable (`_UID`, and `_EXE`, or `_COMM`
/// when the executable is not known). These are trusted fields: journald sets them from the
/// sender's credentials and drops any a client sends.
pub fn forged_by(entry: &serde_json::Value) -> Option<String> {
    let field = |k: &str| entry.get(k).and_then(|v| v.as_str());
    let uid = field("_UID");
    let exe = field("_EXE");
    let comm = field("_COMM");
    let program_ok = match exe {
        Some(e) => {
            let e = e.strip_suffix(" (deleted)").unwrap_or(e);
            std::path::Path::new(e).file_name().and_then(|n| n.to_str()) == Some(EXE_NAME)
        }
        None => comm == Some(EXE_NAME),
    };
    if uid == Some("0") && program_ok {
        return None;
    }
    Some(format!(
        "forged: written by uid {} ({})",
        uid.unwrap_or("unknown"),
        exe.or(comm).unwrap_or("unknown program")
    ))
}

/// Compares the store with the copy of each row's id and hash in the system journal
/// (`journalctl -t schooltech -o json`), for this store file only.
pub fn check_journal(store: &Store) -> Result<JournalCheck> {
    use crate::store::syslog;
    let out = match std::process::Command::new("journalctl")
        .args(["-t", syslog::TAG, "-o", "json", "--no-pager", "-q"])
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            return Ok(JournalCheck::Unavailable {
                reason: format!(
                    "journalctl failed ({}): {}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr).trim()
                ),
            })
        }
        Err(e) => {
            return Ok(JournalCheck::Unavailable {
                reason: format!("journalctl cannot be run: {e}"),
            })
        }
    };
    check_journal_lines(store, &String::from_utf8_lossy(&out.stdout))
}

/// [`check_journal`] on the output of `journalctl -o json` (one JSON object a line): trusts only
/// entries written by uid 0 from the schooltech executable ([`forged_by`]) and reports the rest
/// that name this store as forged.
pub fn check_journal_lines(store: &Store, json_lines: &str) -> Result<JournalCheck> {
    use crate::store::syslog;
    let me = std::fs::canonicalize(store.path()).unwrap_or_else(|_| store.path().to_path_buf());
    let me = me.to_string_lossy();
    let mut copies = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    for line in json_lines.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let field = |k: &str| entry.get(k).and_then(|v| v.as_str());
        // Native entries carry fields; syslog ones only the message.
        let parsed = match (
            field("SCHOOLTECH_STORE"),
            field("SCHOOLTECH_ID").and_then(|i| i.parse::<i64>().ok()),
            field("SCHOOLTECH_HASH"),
        ) {
            (Some(p), Some(id), Some(h)) => Some((p.to_string(), id, h.to_string())),
            _ => field("MESSAGE").and_then(syslog::parse_message),
        };
        let Some((path, id, hash)) = parsed else {
            continue;
        };
        if path != me {
            continue;
        }
        match forged_by(&entry) {
            Some(why) => problems.push(format!("row {id}: {why}")),
            None => {
                copies.insert(id, hash);
            }
        }
    }
    if copies.is_empty() && problems.is_empty() {
        return Ok(JournalCheck::Unavailable {
            reason: format!(
                "the system journal holds no rows of {me} (journald and syslog were not running \
                 when they were written, or the journal was rotated)"
            ),
        });
    }
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
        JournalCheck::Differs { problems }
    })
}

/// What `log verify` found: the chain, the head, and the anchor and journal when asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The store file.
    pub store: String,
    /// The chain as [`verify`] found it; `empty` when it has no rows and no anchor was given.
    pub status: &'static str,
    /// The chain's details (rows checked, or where it breaks).
    pub chain: ChainStatus,
    /// The head (`N:HASH`), to keep outside the machine.
    pub head: String,
    /// The anchor given and what it showed (`None` when it holds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<AnchorCheck>,
    /// The journal comparison, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<JournalCheck>,
    /// Everything that fails the check, one line each (empty: exit 0).
    pub findings: Vec<String>,
}

/// An anchor and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorCheck {
    /// As given (`N:HASH`).
    pub anchor: String,
    /// Why it fails, if it does.
    pub fails: Option<String>,
}

/// The message for a log with no rows and no anchor to say whether it ever had any.
pub const EMPTY_UNANCHORED: &str = "empty: give --anchor to tell whole from wiped";

/// Runs every check `log verify` asks for. An empty log without its row counter and without an
/// anchor is a finding: a log dropped and made again is empty too, and only an anchor kept
/// elsewhere tells them apart. A store that never logged keeps its counter at 0 from the start.
pub fn verify_all(
    store: &Store,
    anchor: Option<(i64, String)>,
    journal: bool,
) -> Result<Verification> {
    let chain = verify(store)?;
    let mut findings = Vec::new();
    let status = match &chain {
        ChainStatus::Whole { rows: 0 } if anchor.is_none() && !store.log_counter_kept()? => {
            findings.push(EMPTY_UNANCHORED.to_string());
            "empty"
        }
        ChainStatus::Whole { .. } => "whole",
        ChainStatus::Broken { id, reason } => {
            findings.push(format!("broken at entry {id}: {reason}"));
            "broken"
        }
    };
    let anchor = match anchor {
        Some((n, hash)) => {
            let fails = check_anchor(store, n, &hash)?;
            if let Some(why) = &fails {
                findings.push(format!("anchor {n}:{hash} fails: {why}"));
            }
            Some(AnchorCheck {
                anchor: format!("{n}:{hash}"),
                fails,
            })
        }
        None => None,
    };
    let journal = if journal {
        let j = check_journal(store)?;
        if let JournalCheck::Differs { problems } = &j {
            findings.extend(problems.iter().map(|p| format!("system journal: {p}")));
        }
        Some(j)
    } else {
        None
    };
    Ok(Verification {
        store: store.path().display().to_string(),
        status,
        chain,
        head: self::anchor(store)?,
        anchor,
        journal,
        findings,
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

#[cfg(test)]
mod journal_tests {
    use super::*;
    use crate::store::NewAction;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    #[test]
    fn only_root_running_schooltech_is_trusted() {
        let e = |uid: &str, exe: Option<&str>, comm: &str| {
            let mut v = json!({"_UID": uid, "_COMM": comm, "MESSAGE": "x"});
            if let Some(x) = exe {
                v["_EXE"] = json!(x);
            }
            v
        };
        assert_eq!(
            forged_by(&e("0", Some("/usr/bin/schooltech"), "schooltech")),
            None
        );
        assert_eq!(
            forged_by(&e("0", Some("/usr/bin/schooltech (deleted)"), "schooltech")),
            None
        );
        assert_eq!(forged_by(&e("0", None, "schooltech")), None);
        assert_eq!(
            forged_by(&e("1000", Some("/usr/bin/logger"), "logger")).as_deref(),
            Some("forged: written by uid 1000 (/usr/bin/logger)")
        );
        // Root, but another program (logger, a shell) is not schooltech either.
        assert!(forged_by(&e("0", Some("/usr/bin/logger"), "schooltech")).is_some());
        // schooltech run by another user: not trusted.
        assert!(forged_by(&e("1000", Some("/usr/bin/schooltech"), "schooltech")).is_some());
        assert_eq!(
            forged_by(&json!({"MESSAGE": "x"})).as_deref(),
            Some("forged: written by uid unknown (unknown program)")
        );
    }

    #[test]
    fn lines_as_journalctl_prints_them_are_classified() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s.db"))
            .unwrap()
            .with_operator("tech");
        let row = s
            .record(
                NewAction {
                    action: "account.enable",
                    target: "a",
                    details: json!({}),
                },
                Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap(),
            )
            .unwrap();
        let path = std::fs::canonicalize(s.path()).unwrap();
        let trusted = json!({
            "SYSLOG_IDENTIFIER": "schooltech", "_UID": "0", "_EXE": "/usr/sbin/schooltech",
            "_COMM": "schooltech", "SCHOOLTECH_STORE": path.to_str().unwrap(),
            "SCHOOLTECH_ID": "1", "SCHOOLTECH_HASH": row.hash,
            "MESSAGE": "ignored when the fields are there",
        });
        let forged = json!({
            "SYSLOG_IDENTIFIER": "schooltech", "_UID": "1000", "_EXE": "/usr/bin/logger",
            "_COMM": "logger",
            "MESSAGE": crate::store::syslog::message(&path, 1, &row.hash),
        });
        let other_store = json!({
            "SYSLOG_IDENTIFIER": "schooltech", "_UID": "1000", "_EXE": "/usr/bin/logger",
            "MESSAGE": crate::store::syslog::message(std::path::Path::new("/elsewhere.db"), 1, "x"),
        });
        let only_trusted = format!("{trusted}\n{other_store}\nnot json\n");
        assert_eq!(
            check_journal_lines(&s, &only_trusted).unwrap(),
            JournalCheck::Matches { rows: 1 }
        );
        let both = format!("{trusted}\n{forged}\n");
        assert_eq!(
            check_journal_lines(&s, &both).unwrap(),
            JournalCheck::Differs {
                problems: vec!["row 1: forged: written by uid 1000 (/usr/bin/logger)".into()]
            }
        );
        // Forged entries alone are not "nothing to compare": they are reported.
        assert!(matches!(
            check_journal_lines(&s, &forged.to_string()).unwrap(),
            JournalCheck::Differs { .. }
        ));
        assert!(matches!(
            check_journal_lines(&s, "").unwrap(),
            JournalCheck::Unavailable { .. }
        ));
    }

    #[test]
    fn an_empty_log_needs_an_anchor() {
        let s = Store::open_in_memory().unwrap();
        let v = verify_all(&s, None, false).unwrap();
        assert_eq!(v.status, "empty");
        assert_eq!(v.findings, vec![EMPTY_UNANCHORED.to_string()]);
        let v = verify_all(&s, Some((0, "0".repeat(64))), false).unwrap();
        assert_eq!(v.status, "whole");
        assert!(v.findings.is_empty());
    }
}
