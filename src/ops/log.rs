//! The action log, as the CLI (`schooltech log`, `schooltech log verify`) and the TUI's Log tab
//! both see it.

use crate::error::Result;
use crate::store::{ActionEntry, ChainStatus, LogFilter, Store};

/// The log rows that pass `f`, newest first.
pub fn show(store: &Store, f: &LogFilter) -> Result<Vec<ActionEntry>> {
    store.log(f)
}

/// Checks the whole hash chain; names the first row that does not check out.
pub fn verify(store: &Store) -> Result<ChainStatus> {
    store.verify_log()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewAction;
    use chrono::{TimeZone, Utc};

    #[test]
    fn show_and_verify_go_through_the_store() {
        let s = Store::open_in_memory().unwrap().with_operator("tech");
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
        s.record(
            NewAction {
                action: "account.enable",
                target: "amir.khan",
                details: serde_json::json!({}),
            },
            now,
        )
        .unwrap();
        assert_eq!(show(&s, &LogFilter::default()).unwrap().len(), 1);
        assert_eq!(verify(&s).unwrap(), ChainStatus::Whole { rows: 1 });
    }
}
