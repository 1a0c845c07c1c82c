//! schooltech: accounts, passwords, leavers, inventory and web-filter exceptions for a
//! school's IT technician, as the school's own policies say they must be kept.
//!
//! Layers: `domain` (pure rules) ← `ops` (services) → `directory` (LDAP) and `store` (SQLite);
//! `cli` and `tui` call `ops`.

pub mod cli;
pub mod clock;
pub mod config;
pub mod directory;
pub mod domain;
pub mod error;
pub mod ops;
pub mod store;
pub mod testpoint;
pub mod tui;

pub use error::{Error, Result};
