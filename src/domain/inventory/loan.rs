//! Loans: who may borrow, when a loan is overdue, and the agreement a borrower signs.

use super::asset::Asset;
use crate::domain::account::Account;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Who or where an asset is issued to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum Borrower {
    /// A directory user (username).
    User(String),
    /// A room or place.
    Location(String),
}

impl Borrower {
    /// The username or place.
    pub fn name(&self) -> &str {
        match self {
            Borrower::User(u) | Borrower::Location(u) => u,
        }
    }

    /// `user` / `location`.
    pub fn kind(&self) -> &'static str {
        match self {
            Borrower::User(_) => "user",
            Borrower::Location(_) => "location",
        }
    }
}

/// A loan as the register holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loan {
    /// Row id.
    pub id: i64,
    /// The asset's tag.
    pub tag: String,
    /// Who or where.
    pub borrower: Borrower,
    /// The borrower's name as the directory gave it.
    pub borrower_name: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Who issued it.
    pub issued_by: String,
    /// When it should come back.
    pub due: Option<NaiveDate>,
    /// When it came back.
    pub returned_at: Option<DateTime<Utc>>,
    /// Who took it back.
    pub returned_by: Option<String>,
    /// Condition on return.
    pub condition: String,
    /// Notes at issue.
    pub notes: String,
}

impl Loan {
    /// Still out and past its due day.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.returned_at.is_none() && self.due.is_some_and(|d| d < today)
    }
}

/// Whether a directory account may borrow: found, enabled, not expired. The refusal names the fix.
pub fn check_borrower(
    username: &str,
    account: Option<&Account>,
    now: DateTime<Utc>,
) -> Result<(), String> {
    match account {
        None => Err(format!(
            "no account named \"{username}\" in the directory; check the spelling (`schooltech accounts list --search {username}`)"
        )),
        Some(a) if !a.enabled => Err(format!(
            "the account \"{}\" is disabled (a leaver?); equipment is issued only to current accounts",
            a.username
        )),
        Some(a) if a.expires.is_some_and(|e| e <= now) => Err(format!(
            "the account \"{}\" has expired; equipment is issued only to current accounts",
            a.username
        )),
        Some(_) => Ok(()),
    }
}

/// The loan agreement, plain text to print and sign.
pub fn agreement_text(school: &str, asset: &Asset, loan: &Loan) -> String {
    let due = loan
        .due
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_else(|| "when asked, and when I leave the school".into());
    let serial = if asset.serial.is_empty() {
        "-"
    } else {
        asset.serial.as_str()
    };
    let enc = match asset.encrypted {
        super::Encrypted::Yes => "encrypted",
        super::Encrypted::No => "NOT encrypted: it must not hold personal data",
        super::Encrypted::Unknown => "encryption not yet confirmed",
    };
    format!(
        "{school}\nICT EQUIPMENT LOAN AGREEMENT\n\n\
         Borrower:      {} ({})\n\
         Equipment:     {} ({})\n\
         Asset tag:     {}\n\
         Serial number: {serial}\n\
         Storage:       {enc}\n\
         Issued:        {} by {}\n\
         Return by:     {due}\n\n\
         I agree that:\n\
         1. The equipment belongs to the school and is lent to me for school work.\n\
         2. I will keep it physically secure, never leave it unattended in public or in a car,\n   \
            and carry it in its protective case when one is supplied.\n\
         3. School data stays on the school's systems; personal or sensitive data taken off site\n   \
            must be encrypted.\n\
         4. I will not install software or hardware without the ICT technician's permission.\n\
         5. I will report loss, theft or damage to the ICT technician at once.\n\
         6. I will return it, with its accessories, by the date above, when asked, and on leaving\n   \
            the school.\n\n\
         Signed (borrower): ______________________________  Date: ____________\n\n\
         Issued by (ICT):   ______________________________  Date: ____________\n",
        loan.borrower_name,
        loan.borrower.name(),
        asset.description(),
        asset.category,
        asset.tag,
        loan.issued_at.format("%-d %b %Y"),
        loan.issued_by,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn account(enabled: bool, expires: Option<DateTime<Utc>>) -> Account {
        Account {
            username: "j.smith".into(),
            enabled,
            expires,
            ..Default::default()
        }
    }

    #[test]
    fn borrowers_are_checked() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        assert!(check_borrower("nobody", None, now)
            .unwrap_err()
            .contains("no account named \"nobody\""));
        assert!(check_borrower("j.smith", Some(&account(false, None)), now)
            .unwrap_err()
            .contains("disabled"));
        let past = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert!(
            check_borrower("j.smith", Some(&account(true, Some(past))), now)
                .unwrap_err()
                .contains("expired")
        );
        assert!(check_borrower("j.smith", Some(&account(true, None)), now).is_ok());
    }

    #[test]
    fn overdue() {
        let at = Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap();
        let mut l = Loan {
            id: 1,
            tag: "A1".into(),
            borrower: Borrower::User("j".into()),
            borrower_name: "J".into(),
            issued_at: at,
            issued_by: "tech".into(),
            due: NaiveDate::from_ymd_opt(2026, 10, 1),
            returned_at: None,
            returned_by: None,
            condition: String::new(),
            notes: String::new(),
        };
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert!(!l.is_overdue(day(10, 1)));
        assert!(l.is_overdue(day(10, 2)));
        l.returned_at = Some(at);
        assert!(!l.is_overdue(day(10, 2)));
    }
}
