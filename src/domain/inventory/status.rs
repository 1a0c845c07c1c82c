//! An asset's status and the moves allowed between statuses.
//!
//! ```text
//!   in-stock ⇄ deployed        (either → in-repair, lost, retired)
//!   in-stock/deployed → on-loan (a loan);  on-loan → in-stock/deployed (a return) or lost
//!   in-repair → in-stock, deployed, lost, retired
//!   lost → in-stock (found), retired
//!   retired → in-stock (brought back), disposed (only by closing a disposal batch)
//!   disposed: final
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an asset is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// In the store cupboard, ready to issue.
    InStock,
    /// In use in a room.
    Deployed,
    /// Issued to a person.
    OnLoan,
    /// Away for repair.
    InRepair,
    /// Cannot be found.
    Lost,
    /// Taken out of use, waiting for disposal.
    Retired,
    /// Gone through a closed WEEE disposal batch: final.
    Disposed,
}

/// Why a status change is being made: the same move may be allowed for one and not another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `inventory status TAG NEW` (or an edit).
    Manual,
    /// Issuing a loan.
    Loan,
    /// Returning a loan.
    Return,
    /// Adding to a disposal batch (sets retired).
    DisposalAdd,
    /// Closing a disposal batch.
    DisposalClose,
}

impl Status {
    /// Every status, in life order.
    pub const ALL: [Status; 7] = [
        Status::InStock,
        Status::Deployed,
        Status::OnLoan,
        Status::InRepair,
        Status::Lost,
        Status::Retired,
        Status::Disposed,
    ];

    /// `in-stock`, `deployed`, `on-loan`, `in-repair`, `lost`, `retired`, `disposed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InStock => "in-stock",
            Status::Deployed => "deployed",
            Status::OnLoan => "on-loan",
            Status::InRepair => "in-repair",
            Status::Lost => "lost",
            Status::Retired => "retired",
            Status::Disposed => "disposed",
        }
    }

    /// Reads a status (any case, `_` or space for `-`).
    pub fn parse(s: &str) -> Result<Status, String> {
        let t: String = s
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c == '_' || c == ' ' { '-' } else { c })
            .collect();
        let found = match t.as_str() {
            "in-stock" | "instock" | "stock" | "spare" => Some(Status::InStock),
            "deployed" | "in-use" | "in use" => Some(Status::Deployed),
            "on-loan" | "onloan" | "loaned" => Some(Status::OnLoan),
            "in-repair" | "inrepair" | "repair" => Some(Status::InRepair),
            "lost" | "missing" | "stolen" => Some(Status::Lost),
            "retired" => Some(Status::Retired),
            "disposed" => Some(Status::Disposed),
            _ => None,
        };
        found.ok_or_else(|| {
            format!(
                "\"{s}\" is not a status; use one of {}",
                Status::ALL.map(|c| c.as_str()).join(", ")
            )
        })
    }

    /// Statuses an audit round expects to find on the premises or with a borrower.
    pub fn expected_in_audit(self) -> bool {
        matches!(
            self,
            Status::InStock | Status::Deployed | Status::OnLoan | Status::InRepair
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a move from `from` to `to`; the refusal says what to do instead.
pub fn check_transition(from: Status, to: Status, via: Via) -> Result<(), String> {
    use Status::*;
    if from == to {
        return Err(format!("the asset is already {from}"));
    }
    if from == Disposed {
        return Err(
            "the asset is disposed, which is final; its record is kept as it is".to_string(),
        );
    }
    match (via, to) {
        (Via::Manual, OnLoan) => {
            return Err("to issue it, use `inventory loan TAG --to USER`".into());
        }
        (Via::Manual, Disposed) | (Via::DisposalAdd, Disposed) => {
            return Err(
                "assets are disposed of by closing a disposal batch: `inventory disposal add BATCH TAG`, then `inventory disposal close BATCH`"
                    .into(),
            );
        }
        _ => {}
    }
    if from == OnLoan && via != Via::Return && to != Lost {
        return Err(format!(
            "the asset is on loan; return it first (`inventory return TAG`), then make it {to}"
        ));
    }
    let ok = match (from, to) {
        (InStock | Deployed, OnLoan) => via == Via::Loan,
        (OnLoan, InStock | Deployed) => via == Via::Return,
        (OnLoan, Lost) => true,
        (InStock, Deployed) | (Deployed, InStock) => true,
        (InStock | Deployed, InRepair | Lost | Retired) => true,
        (InRepair, InStock | Deployed | Lost | Retired) => true,
        (Lost, InStock | Retired) => true,
        (Retired, InStock) => true,
        (_, Disposed) => via == Via::DisposalClose && from != OnLoan,
        _ => false,
    };
    if ok {
        Ok(())
    } else if to == OnLoan {
        Err(format!(
            "an asset that is {from} cannot be issued; make it in-stock first"
        ))
    } else {
        Err(format!("an asset that is {from} cannot become {to}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn disposed_is_final() {
        for to in Status::ALL {
            for via in [Via::Manual, Via::Return, Via::DisposalClose] {
                assert!(check_transition(Disposed, to, via).is_err(), "{to} {via:?}");
            }
        }
    }

    #[test]
    fn on_loan_needs_a_return_before_retiring() {
        let e = check_transition(OnLoan, Retired, Via::Manual).unwrap_err();
        assert!(e.contains("return it first"), "{e}");
        assert!(check_transition(OnLoan, InStock, Via::Manual).is_err());
        assert!(check_transition(OnLoan, InStock, Via::Return).is_ok());
        assert!(check_transition(OnLoan, Lost, Via::Manual).is_ok());
        assert!(check_transition(OnLoan, Disposed, Via::DisposalClose).is_err());
    }

    #[test]
    fn loans_and_disposal_only_through_their_commands() {
        assert!(check_transition(InStock, OnLoan, Via::Manual)
            .unwrap_err()
            .contains("inventory loan"));
        assert!(check_transition(InStock, OnLoan, Via::Loan).is_ok());
        assert!(check_transition(InRepair, OnLoan, Via::Loan).is_err());
        assert!(check_transition(Retired, Disposed, Via::Manual)
            .unwrap_err()
            .contains("disposal batch"));
        assert!(check_transition(Retired, Disposed, Via::DisposalClose).is_ok());
    }

    #[test]
    fn ordinary_moves() {
        assert!(check_transition(InStock, Deployed, Via::Manual).is_ok());
        assert!(check_transition(Deployed, Retired, Via::Manual).is_ok());
        assert!(check_transition(Lost, InStock, Via::Manual).is_ok());
        assert!(check_transition(Retired, Deployed, Via::Manual).is_err());
        assert!(check_transition(InStock, InStock, Via::Manual)
            .unwrap_err()
            .contains("already"));
    }

    #[test]
    fn statuses_parse() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Ok(s));
        }
        assert_eq!(Status::parse("In Stock"), Ok(InStock));
        assert!(Status::parse("broken").unwrap_err().contains("in-stock"));
    }
}
