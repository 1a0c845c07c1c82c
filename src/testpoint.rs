//! Test points: places where a debug build stops when `$SCHOOLTECH_TEST_PAUSE_AT` names them,
//! so an integration test can `kill -9` the process exactly there (between sending a change and
//! recording it, say) and check that the next run tells the truth. Release builds compile this
//! to nothing.

/// The environment variable naming the step to stop at.
pub const PAUSE_ENV: &str = "SCHOOLTECH_TEST_PAUSE_AT";

/// Stops this process for good (until killed) when `$SCHOOLTECH_TEST_PAUSE_AT` is `step`,
/// after saying so on stderr (`schooltech: paused at STEP`). Debug builds only.
pub fn pause(step: &str) {
    #[cfg(debug_assertions)]
    if std::env::var(PAUSE_ENV).is_ok_and(|v| v == step) {
        use std::io::Write;
        let mut err = std::io::stderr();
        let _ = writeln!(err, "schooltech: paused at {step}");
        let _ = err.flush();
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}

/// The environment variable that fixes the clock of a debug build (`YYYY-MM-DD`, noon UTC, or
/// RFC 3339): tests run a writing command "on" a day without `--as-of`, which writes nothing.
pub const NOW_ENV: &str = "SCHOOLTECH_TEST_NOW";

/// The clock a command runs by: fixed by `$SCHOOLTECH_TEST_NOW` in debug builds, else the
/// machine's. Release builds always take the machine's.
pub fn clock() -> crate::clock::Clock {
    #[cfg(debug_assertions)]
    if let Ok(v) = std::env::var(NOW_ENV) {
        use chrono::{NaiveDate, TimeZone, Utc};
        let v = v.trim();
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
            return crate::clock::Clock::Fixed(t.with_timezone(&Utc));
        }
        if let Some(t) = NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .and_then(|t| Utc.from_local_datetime(&t).single())
        {
            return crate::clock::Clock::Fixed(t);
        }
    }
    crate::clock::Clock::System
}
