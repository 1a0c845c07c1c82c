//! The password rules engine: the school's policy as configuration, checking a candidate
//! before the directory is asked, generating memorable passwords that pass, and judging a
//! password's age.
//!
//! Pure code: no I/O and no clock; every time-dependent function takes `now`.
//!
//! ```
//! use schooltech::domain::password::{check, CheckContext, PasswordRules};
//!
//! let rules = PasswordRules::default().effective(Some("staff"));
//! let ctx = CheckContext { first_name: Some("Harry"), last_name: Some("Hughes"), ..Default::default() };
//! let verdict = check(&rules, "Hughes2024!", &ctx);
//! assert!(!verdict.is_ok());
//! assert_eq!(verdict.failures[0].to_string(), "contains the name \"Hughes\"");
//! ```

mod check;
mod compliance;
mod generator;
mod names;
mod rules;
mod words;

#[cfg(test)]
mod tests;

pub use check::{check, untypeable, CheckContext, Failure, Verdict};
pub use compliance::{assess, effective_expiry, AgeFacts, AgeVerdict, ExpiryFrom, PasswordStatus};
pub use generator::{generate, DIGITS, SYMBOLS};
pub use rules::{
    CharClass, EffectiveRules, GeneratorStyle, PasswordRules, RoleRules, RulesError, MAX_LENGTH,
    MAX_SCORE,
};
