//! Targets are identities: a plan names each directory object by its stable id (objectGUID on
//! AD, entryUUID on OpenLDAP) beside its DN and username, and the change reads it again by that
//! id just before it is made, refusing (nothing done) when it is no longer the object planned.
//! The re-check is the one runner's, beside its [`Target`](super::runner::Target); these names
//! are kept for the sweep's and the sync's imports.

pub use super::runner::{recheck, target_of, Depends};
