//! Acceptable use agreements in the store: signatures and published versions. Both tables are
//! append-only (the triggers of the AUP migration refuse UPDATE and DELETE), and every row written
//! here is also written to the action log in the same transaction.

use super::{fmt_time, NewAction, Store};
use crate::db_params;
use crate::domain::aup::{How, Signature};
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

/// A signature to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSignature {
    /// The account's username.
    pub username: String,
    /// Its MIS id, when known.
    pub mis_id: Option<String>,
    /// The agreement's name.
    pub agreement: String,
    /// The version signed.
    pub version: String,
    /// The day it was signed.
    pub signed_on: NaiveDate,
    /// Who signed: the person, or `parent/carer: NAME`.
    pub signed_by: String,
    /// How it reached the school.
    pub how: How,
    /// A reference (a form id, a file name, an e-mail subject).
    pub reference: String,
}

/// A recorded signature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureRow {
    /// Row id.
    pub id: i64,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
    /// Who recorded it.
    pub operator: String,
    /// The account.
    pub username: String,
    /// Its MIS id.
    pub mis_id: Option<String>,
    /// The agreement.
    pub agreement: String,
    /// The version.
    pub version: String,
    /// The day signed.
    pub signed_on: NaiveDate,
    /// Who signed.
    pub signed_by: String,
    /// paper, form, email.
    pub how: String,
    /// The reference.
    pub reference: String,
}

impl SignatureRow {
    /// What the status rules need.
    pub fn signature(&self) -> Signature {
        Signature {
            agreement: self.agreement.clone(),
            version: self.version.clone(),
            signed_on: self.signed_on,
        }
    }
}

/// What recording a signature did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded (row id).
    New(i64),
    /// The same signature (account, agreement, version, day) was already there; nothing written.
    Duplicate,
}

impl Store {
    /// Records a signature and its action-log row (`aup.record`) in one transaction. The same
    /// signature twice is [`Recorded::Duplicate`], and nothing is written.
    pub fn record_aup_signature(&self, s: &NewSignature, now: DateTime<Utc>) -> Result<Recorded> {
        let doing = "recording an acceptable use signature";
        let user = s.username.to_lowercase();
        let err = |e| self.db_error(doing, e);
        let tx = self.write(doing)?;
        let day = s.signed_on.format("%Y-%m-%d").to_string();
        let exists = tx
            .query_one(
                "SELECT id FROM aup_signatures WHERE username = ?1 AND agreement = ?2 \
                 AND version = ?3 AND signed_on = ?4",
                db_params![
                    user.as_str(),
                    s.agreement.as_str(),
                    s.version.as_str(),
                    day.as_str()
                ],
            )
            .map_err(err)?;
        if exists.is_some() {
            return Ok(Recorded::Duplicate);
        }
        let id = tx
            .insert_id(
                "INSERT INTO aup_signatures (recorded_at, operator, username, mis_id, agreement, version, \
                 signed_on, signed_by, how, reference) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                db_params![
                    fmt_time(now),
                    self.operator(),
                    user.as_str(),
                    s.mis_id.as_deref(),
                    s.agreement.as_str(),
                    s.version.as_str(),
                    day.as_str(),
                    s.signed_by.as_str(),
                    s.how.as_str(),
                    s.reference.as_str()
                ],
            )
            .map_err(err)?;
        let logged = self.append_in(
            &*tx,
            &[NewAction {
                action: "aup.record",
                target: &user,
                details: json!({
                    "signature": id, "agreement": s.agreement, "version": s.version,
                    "signed_on": day, "signed_by": s.signed_by, "how": s.how.as_str(),
                    "ref": s.reference, "mis_id": s.mis_id,
                }),
            }],
        )?;
        tx.commit().map_err(err)?;
        self.announce_logged(&logged);
        Ok(Recorded::New(id))
    }

    /// The demo school's signatures, written without action-log rows (the demo starts with an
    /// empty log). Nothing else calls this.
    pub(crate) fn seed_aup_signatures(
        &self,
        rows: &[NewSignature],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let doing = "setting up the demo agreements";
        let err = |e| self.db_error(doing, e);
        let tx = self.write(doing)?;
        let at = fmt_time(now);
        let params: Vec<Vec<super::engine::Value>> = rows
            .iter()
            .map(|s| {
                db_params![
                    at.as_str(),
                    s.username.to_lowercase(),
                    s.mis_id.as_deref(),
                    s.agreement.as_str(),
                    s.version.as_str(),
                    s.signed_on.format("%Y-%m-%d").to_string(),
                    s.signed_by.as_str(),
                    s.how.as_str(),
                    s.reference.as_str()
                ]
                .to_vec()
            })
            .collect();
        tx.execute_many(
            "INSERT INTO aup_signatures (recorded_at, operator, username, mis_id, agreement, version, \
             signed_on, signed_by, how, reference) VALUES (?1, 'demo', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &params,
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Every signature, oldest first.
    pub fn aup_signatures(&self) -> Result<Vec<SignatureRow>> {
        let doing = "reading the acceptable use signatures";
        let err = |e| self.db_error(doing, e);
        let rows = self
            .db()
            .query(
                "SELECT id, recorded_at, operator, username, mis_id, agreement, version, signed_on, \
                 signed_by, how, reference FROM aup_signatures ORDER BY id",
                &[],
            )
            .map_err(err)?;
        let read = |r: &super::engine::Row| -> std::result::Result<_, super::engine::DbError> {
            Ok((
                SignatureRow {
                    id: r.int(0)?,
                    recorded_at: r.string(1)?,
                    operator: r.string(2)?,
                    username: r.string(3)?,
                    mis_id: r.opt_string(4)?,
                    agreement: r.string(5)?,
                    version: r.string(6)?,
                    signed_on: NaiveDate::MIN,
                    signed_by: r.string(8)?,
                    how: r.string(9)?,
                    reference: r.string(10)?,
                },
                r.string(7)?,
            ))
        };
        let mut out = Vec::new();
        for row in &rows {
            let (mut s, day) = read(row).map_err(err)?;
            s.signed_on = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| {
                self.error(format!(
                    "signature {} has the date \"{day}\", which schooltech did not write; \
                     the store may have been edited by hand (run `schooltech log verify`)",
                    s.id
                ))
            })?;
            out.push(s);
        }
        Ok(out)
    }

    /// Records a new version of an agreement (`aup.publish` in the action log). Refused when that
    /// version was published before.
    pub fn publish_aup_version(
        &self,
        agreement: &str,
        version: &str,
        previous: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let doing = "publishing an agreement version";
        let err = |e| self.db_error(doing, e);
        let tx = self.write(doing)?;
        let exists = tx
            .query_one(
                "SELECT id FROM aup_versions WHERE agreement = ?1 AND version = ?2",
                db_params![agreement, version],
            )
            .map_err(err)?;
        if exists.is_some() {
            return Err(crate::Error::Usage(format!(
                "version {version} of {agreement} was published before; give a new version"
            )));
        }
        tx.execute(
            "INSERT INTO aup_versions (agreement, version, published_at, operator) VALUES (?1, ?2, ?3, ?4)",
            db_params![agreement, version, fmt_time(now), self.operator()],
        )
        .map_err(err)?;
        let logged = self.append_in(
            &*tx,
            &[NewAction {
                action: "aup.publish",
                target: agreement,
                details: json!({ "version": version, "previous": previous }),
            }],
        )?;
        tx.commit().map_err(err)?;
        self.announce_logged(&logged);
        Ok(())
    }

    /// The newest published version of each agreement (by name).
    pub fn aup_published(&self) -> Result<std::collections::BTreeMap<String, String>> {
        let doing = "reading the published agreement versions";
        let err = |e| self.db_error(doing, e);
        let rows = self
            .db()
            .query(
                "SELECT agreement, version FROM aup_versions ORDER BY id",
                &[],
            )
            .map_err(err)?;
        let mut out = std::collections::BTreeMap::new();
        for r in &rows {
            let (a, v) = (r.string(0).map_err(err)?, r.string(1).map_err(err)?);
            out.insert(a, v);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).single().unwrap()
    }

    fn sig(user: &str) -> NewSignature {
        NewSignature {
            username: user.into(),
            mis_id: Some("P1".into()),
            agreement: "pupil".into(),
            version: "2026".into(),
            signed_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            signed_by: "parent/carer: Ann Bell".into(),
            how: How::Paper,
            reference: "sheet 7B".into(),
        }
    }

    #[test]
    fn signatures_are_recorded_once_and_logged() {
        let s = Store::open_in_memory().unwrap();
        assert!(matches!(
            s.record_aup_signature(&sig("Amy.Bell"), now()).unwrap(),
            Recorded::New(_)
        ));
        assert_eq!(
            s.record_aup_signature(&sig("amy.bell"), now()).unwrap(),
            Recorded::Duplicate
        );
        let mut other = sig("ben.ash");
        other.mis_id = None;
        assert!(matches!(
            s.record_aup_signature(&other, now()).unwrap(),
            Recorded::New(_)
        ));
        s.publish_aup_version("pupil", "2027", "2026", now())
            .unwrap();
        s.publish_aup_version("pupil", "2028", "2027", now())
            .unwrap();
        assert_eq!(s.aup_published().unwrap()["pupil"], "2028");
        let rows = s.aup_signatures().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].username, "amy.bell");
        let log = s.log(&Default::default()).unwrap();
        assert_eq!(log.len(), 4);
        let rec = log
            .iter()
            .find(|e| e.action == "aup.record" && e.target == "amy.bell")
            .unwrap();
        assert_eq!(rec.details["signed_by"], "parent/carer: Ann Bell");
        assert_eq!(log.iter().filter(|e| e.action == "aup.publish").count(), 2);
    }

    #[test]
    fn triggers_refuse_changes_through_raw_sql() {
        let s = Store::open_in_memory().unwrap();
        s.record_aup_signature(&sig("amy.bell"), now()).unwrap();
        s.publish_aup_version("pupil", "2027", "2026", now())
            .unwrap();
        let c = s.db();
        for sql in [
            "UPDATE aup_signatures SET version = '2027'",
            "DELETE FROM aup_signatures",
            "INSERT OR REPLACE INTO aup_signatures (id, recorded_at, operator, username, agreement, version, signed_on, signed_by, how) \
             VALUES (1, 'x', 'x', 'amy.bell', 'pupil', '2026', '2026-11-20', 'x', 'paper')",
            "UPDATE aup_versions SET version = '2028'",
            "DELETE FROM aup_versions",
        ] {
            let err = c.batch(sql).unwrap_err().to_string();
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
        assert_eq!(s.aup_signatures().unwrap().len(), 1);
        assert!(s
            .publish_aup_version("pupil", "2027", "2026", now())
            .unwrap_err()
            .to_string()
            .contains("published before"));
        assert_eq!(s.aup_published().unwrap()["pupil"], "2027");
    }
}
