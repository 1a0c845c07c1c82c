//! The school's rules, pure: no I/O, no clock (time comes in as `now`), no async.

pub mod account;
pub mod aup;
pub mod creds;
pub mod dn;
pub mod filter;
pub mod inventory;
pub mod leavers;
pub mod password;
pub mod policy;
pub mod roles;
pub mod secret;
pub mod sync;
pub mod text;
pub mod time;
pub mod username;
