//! The inventory's rules, pure: assets and their status machine, prices, loans, the termly audit,
//! software licences, label sheets and WEEE disposal (carriers, List of Waste codes, NIST SP 800-88
//! sanitisation, the rules for closing a batch, how long its documents are kept).

pub mod asset;
pub mod audit;
pub mod disposal;
pub mod labels;
pub mod loan;
pub mod price;
pub mod records;
pub mod software;
pub mod status;

pub use asset::{Asset, AssetFields, Category, Encrypted};
pub use audit::ScanOutcome;
pub use status::Status;
