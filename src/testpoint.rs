//! Test points: places where a debug build stops when `$SCHOOLTECH_TEST_PAUSE_AT` names them,
//! so an integration test can `kill -9` the process exactly there (between sending a change and
//! recording it, say) and check that the next run tells the truth. Release builds compile this
//! to nothing.

/// The environment variable naming the step to stop at.
pub const PAUSE_ENV: &str = "SCHOOLTECH_TEST_PAUSE_AT";

/// With [`PAUSE_ENV`]: a file whose appearance lets the paused process go on (a test changes
/// the world while it waits, e.g. stops PostgreSQL, then lets it run into that).
pub const RESUME_ENV: &str = "SCHOOLTECH_TEST_RESUME_WHEN";

/// Stops this process for good (until killed) when `$SCHOOLTECH_TEST_PAUSE_AT` is `step`,
/// after saying so on stderr (`schooltech: paused at STEP`); with `$SCHOOLTECH_TEST_RESUME_WHEN`
/// only until that file exists. Debug builds only.
pub fn pause(step: &str) {
    #[cfg(debug_assertions)]
    if std::env::var(PAUSE_ENV).is_ok_and(|v| v == step) {
        use std::io::Write;
        let mut err = std::io::stderr();
        let _ = writeln!(err, "schooltech: paused at {step}");
        let _ = err.flush();
        let resume = std::env::var_os(RESUME_ENV).map(std::path::PathBuf::from);
        loop {
            match &resume {
                Some(f) if f.exists() => return,
                Some(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
                None => std::thread::sleep(std::time::Duration::from_secs(3600)),
            }
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}
