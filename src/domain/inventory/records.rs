//! Records that cannot be (issue 23): a sanitisation or a collection dated in the future or
//! before the asset was bought; a lost or stolen device written off without its reason, or put
//! in a disposal batch as if it could be sanitised; a portable device that may hold unencrypted
//! data marked lost with no data-breach record. Pure: "today" is an argument.

use super::{Asset, Encrypted, Status};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Refuses a record's date (`what`, e.g. "the sanitisation date (--on)") after `today` or before
/// the asset `tag` was bought; each refusal names the date and the rule.
pub fn check_record_date(
    what: &str,
    tag: &str,
    date: NaiveDate,
    today: NaiveDate,
    purchased: Option<NaiveDate>,
) -> Result<(), String> {
    if date > today {
        return Err(format!(
            "{what} {date} is in the future (today is {today}): a record is made once it has \
             happened; give the day it happened"
        ));
    }
    if let Some(p) = purchased.filter(|p| date < *p) {
        return Err(format!(
            "{what} {date} is before {tag} was bought ({p}): nothing is done to an asset before \
             it is bought; check the date, or correct the purchase date with \
             `schooltech inventory edit {tag} --purchased DATE`"
        ));
    }
    Ok(())
}

/// A purchase date after something already recorded of the asset (`what` on `date`).
pub fn check_purchase_date(
    tag: &str,
    purchased: NaiveDate,
    today: NaiveDate,
    recorded: &[(String, NaiveDate)],
) -> Result<(), String> {
    if purchased > today {
        return Err(format!(
            "the purchase date {purchased} of {tag} is in the future (today is {today}): give the day it was bought"
        ));
    }
    if let Some((what, d)) = recorded.iter().find(|(_, d)| *d < purchased) {
        return Err(format!(
            "the purchase date {purchased} of {tag} is after its {what} on {d}: nothing is done to an asset before it is bought; check the dates"
        ));
    }
    Ok(())
}

/// Whether marking `a` lost needs a data-breach record: a portable device that holds data and
/// whose encryption is not known to be on.
pub fn needs_breach_record(a: &Asset) -> bool {
    a.category.is_portable() && a.data_bearing && a.encrypted != Encrypted::Yes
}

/// The data-breach record of a lost or stolen device, as typed (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BreachInput {
    /// When the loss was found (`--breach-found`).
    pub found_on: Option<NaiveDate>,
    /// Who was told: the data protection officer, the head (`--breach-told`).
    pub told: String,
    /// The ICO's reference, when reported (`--ico-ref`).
    pub ico_reference: String,
    /// Why it is not reportable to the ICO (`--not-reportable`).
    pub not_reportable: String,
}

impl BreachInput {
    /// True when nothing was given.
    pub fn is_empty(&self) -> bool {
        self.found_on.is_none()
            && self.told.trim().is_empty()
            && self.ico_reference.trim().is_empty()
            && self.not_reportable.trim().is_empty()
    }
}

/// A data-breach record, kept with the asset's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachRecord {
    /// When the loss was found.
    pub found_on: NaiveDate,
    /// Who was told.
    pub told: String,
    /// The ICO's reference, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ico_reference: Option<String>,
    /// Why it was not reportable, when not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_reportable: Option<String>,
    /// What the device's encryption was when it was lost.
    pub encrypted: Encrypted,
}

/// The flags that make up the record, for messages.
pub const BREACH_FLAGS: &str =
    "--breach-found DATE, --breach-told WHO and --ico-ref REF (or --not-reportable REASON)";

/// Checks the data-breach record given for marking `a` lost at `today`. `Ok(None)` when none is
/// needed and none was given; a record given for a device that does not need one is kept.
pub fn check_breach(
    a: &Asset,
    given: &BreachInput,
    today: NaiveDate,
) -> Result<Option<BreachRecord>, String> {
    if given.is_empty() {
        if needs_breach_record(a) {
            return Err(format!(
                "{} is a portable {} that holds data and is not known to be encrypted \
                 (encrypted: {}): losing it may be a personal data breach, so marking it lost \
                 needs the data-breach record: {BREACH_FLAGS}. The ICO must be told within 72 \
                 hours of finding a reportable breach",
                a.tag,
                a.category,
                a.encrypted.as_str()
            ));
        }
        return Ok(None);
    }
    let mut missing = Vec::new();
    if given.found_on.is_none() {
        missing.push("--breach-found DATE (when the loss was found)");
    }
    if given.told.trim().is_empty() {
        missing.push("--breach-told WHO (who was told, e.g. the data protection officer)");
    }
    let ico = given.ico_reference.trim();
    let not = given.not_reportable.trim();
    if ico.is_empty() && not.is_empty() {
        missing.push("--ico-ref REF or --not-reportable REASON");
    }
    if !missing.is_empty() {
        return Err(format!(
            "the data-breach record of {} is missing {}",
            a.tag,
            missing.join(", ")
        ));
    }
    if !ico.is_empty() && !not.is_empty() {
        return Err(format!(
            "give either --ico-ref (it was reported) or --not-reportable (why not) for {}, not both",
            a.tag
        ));
    }
    let found_on = given.found_on.unwrap_or(today);
    check_record_date(
        "the day the loss was found (--breach-found)",
        &a.tag,
        found_on,
        today,
        a.purchase_date,
    )?;
    Ok(Some(BreachRecord {
        found_on,
        told: given.told.trim().to_string(),
        ico_reference: (!ico.is_empty()).then(|| ico.to_string()),
        not_reportable: (!not.is_empty()).then(|| not.to_string()),
        encrypted: a.encrypted,
    }))
}

/// A lost or stolen device is written off (lost → retired) only with its reason.
pub fn check_write_off(a: &Asset, to: Status, note: &str) -> Result<(), String> {
    if a.status == Status::Lost && to == Status::Retired && note.trim().is_empty() {
        return Err(format!(
            "{} is lost: it is written off with its reason, e.g. `schooltech inventory status {} \
             retired --note \"stolen from a car; police ref 123\"`",
            a.tag, a.tag
        ));
    }
    Ok(())
}

/// A device that is lost, or was written off as lost, cannot go in a disposal batch: there is
/// nothing to collect and its data cannot be sanitised. `written_off` says its last status
/// change was lost → retired.
pub fn check_disposable(a: &Asset, written_off: bool) -> Result<(), String> {
    if a.status == Status::Lost || written_off {
        return Err(format!(
            "{} {}: it cannot go in a disposal batch or be recorded as sanitised (there is \
             nothing to collect and its data was not destroyed); {}",
            a.tag,
            if a.status == Status::Lost {
                "is lost"
            } else {
                "was written off as lost"
            },
            if a.status == Status::Lost {
                format!(
                    "write it off with its reason: `schooltech inventory status {} retired --note REASON`; if it is found, mark it in-stock first",
                    a.tag
                )
            } else {
                format!(
                    "if it has been found, mark it in-stock first (`schooltech inventory status {} in-stock --note \"found\"`)",
                    a.tag
                )
            }
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::inventory::Category;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ipad(encrypted: Encrypted) -> Asset {
        Asset {
            id: 1,
            tag: "DA-TAB-009".into(),
            serial: String::new(),
            category: Category::Tablet,
            manufacturer: "Apple".into(),
            model: "iPad".into(),
            data_bearing: true,
            site: String::new(),
            room: "Library".into(),
            status: Status::Deployed,
            purchase_date: Some(d(2025, 9, 1)),
            price_pence: None,
            supplier: String::new(),
            warranty_end: None,
            funding: String::new(),
            encrypted,
            last_audited: None,
            notes: String::new(),
        }
    }

    #[test]
    fn dates_in_the_future_or_before_purchase_are_refused_naming_the_rule() {
        let today = d(2026, 12, 7);
        let e =
            check_record_date("the collection date", "T1", d(2027, 6, 1), today, None).unwrap_err();
        assert!(
            e.contains("2027-06-01") && e.contains("in the future"),
            "{e}"
        );
        let e = check_record_date(
            "the sanitisation date",
            "T1",
            d(2025, 1, 1),
            today,
            Some(d(2025, 9, 1)),
        )
        .unwrap_err();
        assert!(
            e.contains("2025-01-01") && e.contains("before T1 was bought"),
            "{e}"
        );
        assert!(check_record_date("x", "T1", today, today, Some(d(2025, 9, 1))).is_ok());
        assert!(check_purchase_date(
            "T1",
            d(2026, 1, 1),
            today,
            &[("sanitisation".into(), d(2025, 12, 1))]
        )
        .is_err());
    }

    #[test]
    fn a_portable_device_not_known_encrypted_needs_the_breach_record() {
        let today = d(2026, 12, 7);
        for enc in [Encrypted::Unknown, Encrypted::No] {
            let e = check_breach(&ipad(enc), &BreachInput::default(), today).unwrap_err();
            assert!(
                e.contains("--breach-found") && e.contains("--ico-ref"),
                "{e}"
            );
        }
        assert_eq!(
            check_breach(&ipad(Encrypted::Yes), &BreachInput::default(), today),
            Ok(None)
        );
        let part = BreachInput {
            found_on: Some(d(2026, 12, 6)),
            ..Default::default()
        };
        let e = check_breach(&ipad(Encrypted::Unknown), &part, today).unwrap_err();
        assert!(
            e.contains("--breach-told") && e.contains("--not-reportable"),
            "{e}"
        );
        let whole = BreachInput {
            found_on: Some(d(2026, 12, 6)),
            told: "DPO".into(),
            not_reportable: "the iPad is managed and wiped remotely".into(),
            ..Default::default()
        };
        let r = check_breach(&ipad(Encrypted::Unknown), &whole, today)
            .unwrap()
            .unwrap();
        assert_eq!(r.encrypted, Encrypted::Unknown);
        let future = BreachInput {
            found_on: Some(d(2026, 12, 8)),
            ..whole
        };
        assert!(check_breach(&ipad(Encrypted::Unknown), &future, today).is_err());
    }

    #[test]
    fn a_lost_device_is_written_off_with_a_reason_and_never_disposed_as_sanitised() {
        let mut a = ipad(Encrypted::Yes);
        a.status = Status::Lost;
        assert!(check_write_off(&a, Status::Retired, " ").is_err());
        assert!(check_write_off(&a, Status::Retired, "stolen").is_ok());
        assert!(check_disposable(&a, false).is_err());
        a.status = Status::Retired;
        assert!(check_disposable(&a, true).is_err());
        assert!(check_disposable(&a, false).is_ok());
    }
}
