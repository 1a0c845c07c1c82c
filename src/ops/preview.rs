//! How a line of a plan is meant to look, for every change's words ([`Emphasis`]: accounts,
//! acceptable use, shared logins, inventory, filtering); each face maps it to its own look.
//!
//! The words of an account change (before -> after, refusals, a move's role) live with the
//! plan in [`crate::ops::change`]; their names are kept here for the modules that use them.

pub use super::change::{
    fmt_expiry, plan_for, protect, refuse, role_change, AccountPlan, FieldChange, MoveRoles,
    Outcome,
};
use serde::Serialize;

/// How a line of the preview is meant to look (the TUI maps it to its tones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Emphasis {
    /// A heading.
    Strong,
    /// An ordinary line: something changes.
    Normal,
    /// Nothing changes, or a footnote.
    Dim,
    /// Refused or not found.
    Warn,
}
