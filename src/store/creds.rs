//! The shared-credentials register in the store (never a password).

use super::{fmt_time, parse_time, Store};
use crate::domain::creds::Credential;
use crate::error::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

impl Store {
    /// Adds a credential, or replaces the one with the same name (one transaction).
    pub fn put_credential(&self, c: &Credential, now: DateTime<Utc>) -> Result<()> {
        let tx = self.write_tx("save a shared credential")?;
        let known = serde_json::to_string(&c.known_by).unwrap_or_else(|_| "[]".into());
        tx.execute(
            "INSERT INTO credentials(name, system, known_by, owner, period_days, last_rotated, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(name) DO UPDATE SET system = ?2, known_by = ?3, owner = ?4, period_days = ?5, last_rotated = ?6",
            params![c.name, c.system, known, c.owner, c.period_days, fmt_time(c.last_rotated), fmt_time(now)],
        )
        .map_err(|e| self.sql_error("save a shared credential", e))?;
        tx.commit()
            .map_err(|e| self.sql_error("save a shared credential", e))
    }

    /// All credentials, by name.
    pub fn credentials(&self) -> Result<Vec<Credential>> {
        let doing = "read the shared credentials";
        let mut st = self
            .conn()
            .prepare("SELECT name, system, known_by, owner, period_days, last_rotated FROM credentials ORDER BY name")
            .map_err(|e| self.sql_error(doing, e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.sql_error(doing, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (name, system, known, owner, period_days, rotated) =
                row.map_err(|e| self.sql_error(doing, e))?;
            let last_rotated = parse_time(&rotated).ok_or_else(|| {
                self.error(format!("credential {name} has a malformed date {rotated}"))
            })?;
            let known_by = serde_json::from_str(&known).map_err(|_| {
                self.error(format!("credential {name} has a malformed known_by list"))
            })?;
            out.push(Credential {
                name,
                system,
                known_by,
                owner,
                period_days,
                last_rotated,
            });
        }
        Ok(out)
    }

    /// One credential by name (case-insensitive).
    pub fn credential(&self, name: &str) -> Result<Option<Credential>> {
        let found = self
            .conn()
            .query_row(
                "SELECT name FROM credentials WHERE name = ?1",
                [name],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(|e| self.sql_error("read a shared credential", e))?;
        match found {
            None => Ok(None),
            Some(n) => Ok(self.credentials()?.into_iter().find(|c| c.name == n)),
        }
    }
}
