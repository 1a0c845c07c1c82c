//! Runs `scripts/tmux-e2e.sh` against the binary cargo built for the tests: the full-screen
//! program in a real terminal. Skipped (with a message) when tmux is not installed.

use std::process::Command;

#[test]
fn end_to_end_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux to run this test)");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_schooltech");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/tmux-e2e.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(bin)
        .output()
        .expect("run the tmux script");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "tmux end-to-end run failed:\n{text}");
}
