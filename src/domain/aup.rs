//! Acceptable use agreements: which agreement an account needs, and whether it has signed the
//! current version. Pure: `today` comes in as an argument.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The description a held account carries until its agreement is recorded.
pub const HELD_DESCRIPTION: &str = "awaiting acceptable use agreement";

/// Who signs an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Signer {
    /// The account holder.
    #[default]
    #[serde(rename = "self")]
    Holder,
    /// A parent or carer (young children).
    #[serde(rename = "parent")]
    Parent,
}

impl Signer {
    /// `self` or `parent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Signer::Holder => "self",
            Signer::Parent => "parent",
        }
    }
}

/// One agreement, as configured (`[aup.agreements.NAME]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// Its key, e.g. `pupil-primary`.
    pub name: String,
    /// Its title as printed, e.g. "Pupil Acceptable Use Agreement".
    pub title: String,
    /// The version in the configuration (used until one is published with `aup publish`).
    pub version: String,
    /// The roles it applies to (lower case).
    pub roles: Vec<String>,
    /// Who signs it.
    pub signer: Signer,
    /// Sign again after this many days even without a new version.
    pub renew_days: Option<u32>,
}

impl Agreement {
    /// True when the agreement applies to accounts of `role`.
    pub fn applies_to(&self, role: Option<&str>) -> bool {
        role.is_some_and(|r| self.roles.iter().any(|x| x.eq_ignore_ascii_case(r.trim())))
    }
}

/// The agreement an account of `role` needs, if any.
pub fn for_role<'a>(agreements: &'a [Agreement], role: Option<&str>) -> Option<&'a Agreement> {
    agreements.iter().find(|a| a.applies_to(role))
}

/// One recorded signature (what status needs of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The agreement's name.
    pub agreement: String,
    /// The version signed.
    pub version: String,
    /// The day it was signed.
    pub signed_on: NaiveDate,
}

/// Where an account stands with its agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// No signature of the agreement at all.
    Missing,
    /// Signed, but an older version, or longer ago than `renew_days`.
    Outdated,
    /// Signed the current version, within `renew_days`.
    Signed,
    /// No agreement applies to the account's role.
    NotRequired,
}

impl Status {
    /// `signed`, `outdated`, `missing`, `not-required`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Signed => "signed",
            Status::Outdated => "outdated",
            Status::Missing => "missing",
            Status::NotRequired => "not-required",
        }
    }

    /// True when something needs doing (missing or outdated).
    pub fn needs_signing(self) -> bool {
        matches!(self, Status::Missing | Status::Outdated)
    }
}

/// The judgement for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The status.
    pub status: Status,
    /// The version of the signature the status rests on (the newest one).
    pub version_signed: Option<String>,
    /// The day of that signature.
    pub signed_on: Option<NaiveDate>,
}

/// Judges an account's signatures (of any agreement; others are ignored) against `agreement`
/// (None: not required) whose current version is `current_version`, on `today`.
///
/// The signature that counts is the newest one of the current version; without one, the newest
/// of any version (then `outdated`). With `renew_days = N` a signature counts for N days: signed
/// on day D, it is `signed` up to and including D + N and `outdated` from D + N + 1.
pub fn judge(
    agreement: Option<&Agreement>,
    current_version: &str,
    signatures: &[Signature],
    today: NaiveDate,
) -> Judgement {
    let Some(ag) = agreement else {
        return Judgement {
            status: Status::NotRequired,
            version_signed: None,
            signed_on: None,
        };
    };
    let mine: Vec<&Signature> = signatures
        .iter()
        .filter(|s| s.agreement == ag.name)
        .collect();
    let current = mine
        .iter()
        .filter(|s| s.version == current_version)
        .max_by_key(|s| s.signed_on)
        .copied();
    let (status, sig) = match current {
        Some(s) => {
            let expired = ag
                .renew_days
                .is_some_and(|n| (today - s.signed_on).num_days() > i64::from(n));
            (
                if expired {
                    Status::Outdated
                } else {
                    Status::Signed
                },
                Some(s),
            )
        }
        None => match mine.iter().max_by_key(|s| s.signed_on).copied() {
            Some(s) => (Status::Outdated, Some(s)),
            None => (Status::Missing, None),
        },
    };
    Judgement {
        status,
        version_signed: sig.map(|s| s.version.clone()),
        signed_on: sig.map(|s| s.signed_on),
    }
}

/// Checks the day a signature is said to be made: not after `today`, not before the account
/// was created (`created`, when the directory knows it).
pub fn check_signed_on(
    signed_on: NaiveDate,
    today: NaiveDate,
    created: Option<NaiveDate>,
) -> Result<(), String> {
    if signed_on > today {
        return Err(format!(
            "the signing date {signed_on} is in the future (today is {today}); give the day it was signed"
        ));
    }
    if let Some(c) = created.filter(|c| signed_on < *c) {
        return Err(format!(
            "the signing date {signed_on} is before the account existed (created {c}); check the date"
        ));
    }
    Ok(())
}

/// The `signed_by` text for a parent or carer: `parent/carer: NAME`.
pub fn parent_signed_by(name: &str) -> String {
    format!("parent/carer: {}", name.trim())
}

/// How a signature reached the school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// A signed paper form.
    #[default]
    Paper,
    /// An online form.
    Form,
    /// An e-mail.
    Email,
}

impl How {
    /// `paper`, `form`, `email`.
    pub fn as_str(self) -> &'static str {
        match self {
            How::Paper => "paper",
            How::Form => "form",
            How::Email => "email",
        }
    }

    /// Reads `paper`, `form`, `email` (also `e-mail`).
    pub fn parse(s: &str) -> Result<How, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "paper" | "" => Ok(How::Paper),
            "form" | "online" => Ok(How::Form),
            "email" | "e-mail" => Ok(How::Email),
            other => Err(format!(
                "\"{other}\" is not a way of signing; use paper, form or email"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ag(renew: Option<u32>) -> Agreement {
        Agreement {
            name: "pupil".into(),
            title: "Pupil AUP".into(),
            version: "2026".into(),
            roles: vec!["pupil".into()],
            signer: Signer::Parent,
            renew_days: renew,
        }
    }

    fn sig(agreement: &str, version: &str, on: &str) -> Signature {
        Signature {
            agreement: agreement.into(),
            version: version.into(),
            signed_on: d(on),
        }
    }

    #[test]
    fn status_rules() {
        let today = d("2026-12-01");
        let a = ag(None);
        let r = ag(Some(365));
        // (agreement, current version, signatures, expected status, expected version_signed)
        type Case<'a> = (
            Option<&'a Agreement>,
            &'a str,
            Vec<Signature>,
            Status,
            Option<&'a str>,
        );
        let cases: Vec<Case> = vec![
            (None, "2026", vec![], Status::NotRequired, None),
            (
                None,
                "2026",
                vec![sig("pupil", "2026", "2026-09-01")],
                Status::NotRequired,
                None,
            ),
            (Some(&a), "2026", vec![], Status::Missing, None),
            // Another agreement's signature does not count.
            (
                Some(&a),
                "2026",
                vec![sig("staff", "2026", "2026-09-01")],
                Status::Missing,
                None,
            ),
            (
                Some(&a),
                "2026",
                vec![sig("pupil", "2026", "2026-09-01")],
                Status::Signed,
                Some("2026"),
            ),
            // An older version: outdated (a new version was published).
            (
                Some(&a),
                "2027",
                vec![sig("pupil", "2026", "2026-09-01")],
                Status::Outdated,
                Some("2026"),
            ),
            // Signed old then new: signed, and the new one is shown.
            (
                Some(&a),
                "2027",
                vec![
                    sig("pupil", "2027", "2026-10-01"),
                    sig("pupil", "2026", "2026-11-01"),
                ],
                Status::Signed,
                Some("2027"),
            ),
            // renew_days: exactly N days ago still counts; N + 1 days ago is outdated.
            (
                Some(&r),
                "2026",
                vec![sig("pupil", "2026", "2025-12-01")],
                Status::Signed,
                Some("2026"),
            ),
            (
                Some(&r),
                "2026",
                vec![sig("pupil", "2026", "2025-11-30")],
                Status::Outdated,
                Some("2026"),
            ),
            // A newer signature of the same version renews it.
            (
                Some(&r),
                "2026",
                vec![
                    sig("pupil", "2026", "2025-01-01"),
                    sig("pupil", "2026", "2026-06-01"),
                ],
                Status::Signed,
                Some("2026"),
            ),
        ];
        for (i, (agr, cur, sigs, want, ver)) in cases.into_iter().enumerate() {
            let j = judge(agr, cur, &sigs, today);
            assert_eq!(j.status, want, "case {i}");
            assert_eq!(j.version_signed.as_deref(), ver, "case {i}");
        }
    }

    #[test]
    fn roles_pick_the_agreement() {
        let staff = Agreement {
            name: "staff".into(),
            roles: vec!["staff".into(), "admin".into()],
            ..ag(None)
        };
        let list = vec![ag(None), staff];
        for (role, want) in [
            (Some("pupil"), Some("pupil")),
            (Some("Staff"), Some("staff")),
            (Some("admin"), Some("staff")),
            (Some("generic"), None),
            (None, None),
        ] {
            assert_eq!(
                for_role(&list, role).map(|a| a.name.as_str()),
                want,
                "{role:?}"
            );
        }
    }

    #[test]
    fn signing_dates() {
        let today = d("2026-12-01");
        assert!(check_signed_on(d("2026-12-01"), today, None).is_ok());
        assert!(check_signed_on(d("2026-12-02"), today, None)
            .unwrap_err()
            .contains("future"));
        assert!(check_signed_on(d("2026-09-01"), today, Some(d("2026-09-01"))).is_ok());
        assert!(
            check_signed_on(d("2026-08-31"), today, Some(d("2026-09-01")))
                .unwrap_err()
                .contains("before the account existed")
        );
    }

    #[test]
    fn how_parses() {
        assert_eq!(How::parse("E-mail"), Ok(How::Email));
        assert_eq!(How::parse("paper"), Ok(How::Paper));
        assert!(How::parse("fax").is_err());
    }
}
