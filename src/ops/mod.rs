//! Services.

pub mod log;
