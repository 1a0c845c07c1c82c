//! The termly audit: what one scan of a tag means.

use serde::{Deserialize, Serialize};

/// What a scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScanOutcome {
    /// A registered asset, where the register says it is (or no room was given).
    Seen,
    /// A registered asset, in a room other than its own.
    Moved,
    /// A tag the register does not know (recorded, not dropped).
    Unknown,
    /// Already scanned in this round (the scan is recorded, the first one counts).
    Already,
}

impl ScanOutcome {
    /// `seen`, `moved`, `unknown`, `already`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanOutcome::Seen => "seen",
            ScanOutcome::Moved => "moved",
            ScanOutcome::Unknown => "unknown",
            ScanOutcome::Already => "already",
        }
    }

    /// Reads what [`ScanOutcome::as_str`] writes.
    pub fn parse(s: &str) -> Option<ScanOutcome> {
        match s {
            "seen" => Some(ScanOutcome::Seen),
            "moved" => Some(ScanOutcome::Moved),
            "unknown" => Some(ScanOutcome::Unknown),
            "already" => Some(ScanOutcome::Already),
            _ => None,
        }
    }

    /// True for outcomes the scan screen flashes (something to look at).
    pub fn needs_attention(self) -> bool {
        matches!(self, ScanOutcome::Moved | ScanOutcome::Unknown)
    }
}

/// Normalises a room name for comparison: case and runs of spaces ignored.
pub fn same_room(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// Classifies a scan. `registered_room` is `None` for an unknown tag; `already` is true when this
/// asset was scanned before in the round; `scanned_in` is the room the scanner is in, if given.
pub fn classify(
    registered_room: Option<&str>,
    already: bool,
    scanned_in: Option<&str>,
) -> ScanOutcome {
    match registered_room {
        None => ScanOutcome::Unknown,
        Some(_) if already => ScanOutcome::Already,
        Some(own) => match scanned_in.map(str::trim).filter(|r| !r.is_empty()) {
            Some(here) if !same_room(own, here) => ScanOutcome::Moved,
            _ => ScanOutcome::Seen,
        },
    }
}

/// Days since an asset was last audited, `None` when never; `overdue` when more than `interval`.
pub fn audit_overdue(
    last: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
    interval_days: u32,
) -> bool {
    match last {
        None => true,
        Some(d) => (today - d).num_days() > i64::from(interval_days),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn outcomes() {
        assert_eq!(classify(None, false, Some("R1")), ScanOutcome::Unknown);
        assert_eq!(classify(Some("Room 1"), false, None), ScanOutcome::Seen);
        assert_eq!(
            classify(Some("Room 1"), false, Some(" room  1 ")),
            ScanOutcome::Seen
        );
        assert_eq!(
            classify(Some("Room 1"), false, Some("Room 2")),
            ScanOutcome::Moved
        );
        assert_eq!(
            classify(Some("Room 1"), true, Some("Room 2")),
            ScanOutcome::Already
        );
        assert_eq!(classify(Some(""), false, Some("Hall")), ScanOutcome::Moved);
        assert!(ScanOutcome::Unknown.needs_attention());
        assert!(!ScanOutcome::Already.needs_attention());
        for o in [
            ScanOutcome::Seen,
            ScanOutcome::Moved,
            ScanOutcome::Unknown,
            ScanOutcome::Already,
        ] {
            assert_eq!(ScanOutcome::parse(o.as_str()), Some(o));
        }
    }

    #[test]
    fn overdue_audits() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert!(audit_overdue(None, d(11, 1), 120));
        assert!(!audit_overdue(Some(d(9, 1)), d(11, 1), 120));
        assert!(audit_overdue(Some(d(1, 1)), d(11, 1), 120));
    }
}
