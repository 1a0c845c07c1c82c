//! The journal: intent written before a change is attempted, its outcome after. Rows still
//! `pending` after a run show work that was interrupted (lost connection, killed process) and can
//! be checked and resumed. Unlike the action log, the journal is working state, not evidence.

use super::actionlog::{canonical_json, check_no_secrets, secret_refusal};
use super::{fmt_time, parse_time, Store};
use crate::error::Result;
use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// Where a journal entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalState {
    /// Begun and not finished: interrupted, or still running.
    Pending,
    /// Finished and worked.
    Done,
    /// Finished and did not work; `error` says why.
    Failed,
}

impl JournalState {
    /// The word stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            JournalState::Pending => "pending",
            JournalState::Done => "done",
            JournalState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<JournalState> {
        match s {
            "pending" => Some(JournalState::Pending),
            "done" => Some(JournalState::Done),
            "failed" => Some(JournalState::Failed),
            _ => None,
        }
    }
}

/// One journal row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    /// Row number.
    pub id: i64,
    /// When the work was begun (UTC, whole seconds).
    pub started_at: DateTime<Utc>,
    /// Who began it.
    pub operator: String,
    /// What is being done, as in the action log.
    pub action: String,
    /// What it is done to.
    pub target: String,
    /// What is needed to check or resume it. Never a password.
    pub details: serde_json::Value,
    /// Where it stands.
    pub state: JournalState,
    /// When it finished, if it did.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

impl Store {
    /// Writes the intent to do `action` to `target` before doing it; returns the entry's id for
    /// [`Store::journal_finish`]. Refuses details that hold a password.
    pub fn journal_begin(
        &self,
        action: &str,
        target: &str,
        details: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        check_no_secrets(details).map_err(|key| secret_refusal(self, "journal", &key))?;
        let doing = "writing to the journal";
        let tx = self.write_tx(doing)?;
        tx.execute(
            "INSERT INTO journal (started_at, operator, action, target, details, state) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending')",
            params![
                fmt_time(now.trunc_subsecs(0)),
                self.operator(),
                action,
                target,
                canonical_json(details)
            ],
        )
        .map_err(|e| self.sql_error(doing, e))?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(|e| self.sql_error(doing, e))?;
        Ok(id)
    }

    /// Marks a pending entry done (`Ok(())`) or failed (`Err(why)`). Finishing an entry twice, or
    /// one that does not exist, is an error.
    pub fn journal_finish(
        &self,
        id: i64,
        ok: std::result::Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let doing = "writing to the journal";
        let (state, error) = match ok {
            Ok(()) => (JournalState::Done, None),
            Err(why) => (JournalState::Failed, Some(why)),
        };
        let tx = self.write_tx(doing)?;
        let changed = tx
            .execute(
                "UPDATE journal SET state = ?1, finished_at = ?2, error = ?3 \
                 WHERE id = ?4 AND state = 'pending'",
                params![state.as_str(), fmt_time(now.trunc_subsecs(0)), error, id],
            )
            .map_err(|e| self.sql_error(doing, e))?;
        if changed == 0 {
            let current: Option<String> = tx
                .query_row("SELECT state FROM journal WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(|e| self.sql_error(doing, e))?;
            return Err(self.error(match current {
                None => format!("journal entry {id} does not exist; report this bug"),
                Some(s) => format!("journal entry {id} is already {s}; report this bug"),
            }));
        }
        tx.commit().map_err(|e| self.sql_error(doing, e))
    }

    /// Entries begun and never finished, oldest first.
    pub fn journal_pending(&self) -> Result<Vec<JournalEntry>> {
        let doing = "reading the journal";
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT id, started_at, operator, action, target, details, state, finished_at, error \
                 FROM journal WHERE state = 'pending' ORDER BY id",
            )
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ))
            })
            .map_err(|e| self.sql_error(doing, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, started, operator, action, target, details, state, finished, error) =
                row.map_err(|e| self.sql_error(doing, e))?;
            let bad = |what: &str| {
                self.error(format!(
                    "journal entry {id} cannot be read: {what}; the file was changed outside \
                     schooltech"
                ))
            };
            let finished_at = match finished {
                None => None,
                Some(s) => Some(parse_time(&s).ok_or_else(|| bad("its finish time is malformed"))?),
            };
            out.push(JournalEntry {
                id,
                started_at: parse_time(&started)
                    .ok_or_else(|| bad("its start time is malformed"))?,
                operator,
                action,
                target,
                details: serde_json::from_str(&details)
                    .map_err(|_| bad("its details are not JSON"))?,
                state: JournalState::parse(&state).ok_or_else(|| bad("its state is unknown"))?,
                finished_at,
                error,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap()
    }

    #[test]
    fn begin_finish_and_pending() {
        let s = Store::open_in_memory().unwrap().with_operator("tech");
        let a = s
            .journal_begin(
                "account.disable",
                "amir.khan",
                &json!({"ou": "Leavers"}),
                t0(),
            )
            .unwrap();
        let b = s
            .journal_begin("account.disable", "zoe.brown", &json!({}), t0())
            .unwrap();
        let c = s
            .journal_begin("account.disable", "li.wei", &json!({}), t0())
            .unwrap();
        s.journal_finish(a, Ok(()), t0()).unwrap();
        s.journal_finish(c, Err("server said no".into()), t0())
            .unwrap();
        let pending = s.journal_pending().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].id, b);
        assert_eq!(pending[0].target, "zoe.brown");
        assert_eq!(pending[0].state, JournalState::Pending);
        assert_eq!(pending[0].operator, "tech");
        assert_eq!(pending[0].started_at, t0());

        let again = s.journal_finish(a, Ok(()), t0()).unwrap_err().to_string();
        assert!(again.contains("already done"), "{again}");
        assert!(s.journal_finish(999, Ok(()), t0()).is_err());
        let (state, err): (String, Option<String>) = s
            .conn()
            .query_row("SELECT state, error FROM journal WHERE id = ?1", [c], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(state, "failed");
        assert_eq!(err.as_deref(), Some("server said no"));
    }

    #[test]
    fn journal_refuses_passwords() {
        let s = Store::open_in_memory().unwrap();
        let e = s
            .journal_begin(
                "password.reset",
                "amir.khan",
                &json!({"new_password": "x"}),
                t0(),
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("journal"), "{e}");
        assert!(s.journal_pending().unwrap().is_empty());
    }
}
