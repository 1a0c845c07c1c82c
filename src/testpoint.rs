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
