//! Web-filter exceptions: staff ask for a site to be unblocked (or blocked), two named roles
//! decide, the change is applied in the filter, it expires or is revoked, it is reviewed, and the
//! lists the filter imports are exported. Pure: time comes in as `today`.

pub mod export;
pub mod model;
pub mod psl;
pub mod review;
pub mod site;
pub mod state;

#[cfg(test)]
mod tests;

pub use model::{Event, EventKind, Kind, Request, Scope, Verdict};
pub use site::{
    check_page_choice, has_page_path, normalise, IpRange, Site, SiteError, SiteOptions,
};
pub use state::{fold, ApplyStep, Entry, ReviewAction, Role, Status};
